"""`make validate` measures without touching tracked files; `--write` is what regenerates the docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_validate_without_write_leaves_the_docs_unchanged_and_a_saved_section_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYADWATCH_VALIDATION_DIR", str(tmp_path))
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
    written = (tmp_path / "validation.md").read_text(encoding="utf-8")
    assert "## Early warning (`dyadwatch shifts`)" in written
    assert "the suite's (quick) seed counts" in written
    assert "Every bounded rate holds its bound." in written
    assert (tmp_path / "validation-rates.svg").read_text(encoding="utf-8").startswith("<?xml")
    _a_saved_section_is_reused_as_measured_and_named_by_its_commit(tmp_path)


def _a_saved_section_is_reused_as_measured_and_named_by_its_commit(folder: Path) -> None:
    def page(*extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "scripts/validate.py", "--quick", "--only", "shifts", *extra],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return (folder / "validation.md").read_text(encoding="utf-8"), done.stderr

    measured, said = page()
    assert "shifts: 7 rates" in said
    saved = folder / "sections" / "shifts.json"
    record = saved.read_text(encoding="utf-8")
    reused, said_again = page("--reuse", "shifts")
    assert "shifts:" not in said_again  # nothing measured
    table = [line for line in measured.splitlines() if line.startswith("| ")]
    assert table and table == [line for line in reused.splitlines() if line.startswith("| ")]
    assert "Measured at commit `" in reused
    # a saved full-count measurement is never passed off as a quick one, nor the reverse
    saved.write_text(record.replace('"quick": true', '"quick": false'), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "scripts/validate.py", "--quick", "--only", "shifts", "--reuse", "shifts"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0 and "full seed counts" in done.stderr
