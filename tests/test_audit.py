"""Issue 26: make audit draws a reproducible sample of every bundled list for a human check."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit.py"


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dyadwatch_audit", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_checklist_is_reproducible_and_covers_every_list(audit: ModuleType, tmp_path: Path) -> None:
    first = audit.main(["--seed", "7", "--out", str(tmp_path / "a")])
    again = audit.main(["--seed", "7", "--out", str(tmp_path / "b")])
    other = audit.main(["--seed", "8", "--out", str(tmp_path / "c")])
    assert first.name == "checklist-7.md"
    text = first.read_text(encoding="utf-8")
    assert text == again.read_text(encoding="utf-8")
    assert text != other.read_text(encoding="utf-8")
    headings = dict(re.findall(r"^## (\w+) \((\d+) rows\)$", text, re.MULTILINE))
    assert list(headings) == list(audit.LISTS)
    assert headings["chronology"] == "30" and all(headings[n] == "10" for n in audit.LISTS if n != "chronology")
    # Every drawn row has a claim and a reference, and an empty verdict to fill in.
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == 30 + 10 * (len(audit.LISTS) - 1)
    assert all(line.endswith("| |") and line.count(" | ") >= 4 for line in rows)


def test_the_sample_is_drawn_from_the_lists_themselves(audit: ModuleType) -> None:
    drawn = audit.sample(0, n=5, per_list=3)
    for name, rows in drawn.items():
        everything = audit.LISTS[name]()
        assert len(rows) == min(5 if name == "chronology" else 3, len(everything))
        assert all(row in everything for row in rows)
