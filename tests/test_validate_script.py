"""`make validate` measures without touching tracked files; `--write` is what regenerates the docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_validate_without_write_leaves_the_docs_unchanged_and_writes_build() -> None:
    page, figure = ROOT / "docs" / "validation.md", ROOT / "docs" / "validation-rates.svg"
    before = page.read_bytes(), figure.read_bytes()
    done = subprocess.run(
        [sys.executable, "scripts/validate.py", "--quick", "--only", "shifts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (page.read_bytes(), figure.read_bytes()) == before
    written = (ROOT / "build" / "validation" / "validation.md").read_text(encoding="utf-8")
    assert "## Early warning (`dyadwatch shifts`)" in written
    assert "the suite's (quick) seed counts" in written
    assert "Every bounded rate holds its bound." in written
    assert (ROOT / "build" / "validation" / "validation-rates.svg").read_text(encoding="utf-8").startswith("<?xml")
