"""The worked examples the docs quote are what the commands give on the bundled data now: the pages
are written by scripts (scripts/shifts_doc.py, scripts/methods_example_doc.py, scripts/backtest_doc.py),
and a change of the chronology that moves a number fails here until the page is rewritten (issue 26
item 5; the three-minute backtest is checked by its 2018-19 rows in tests/test_backtest.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import dyadwatch as dw
from dyadwatch.selection import Selection
from dyadwatch.testing.benchdoc import markers

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_2025_worked_example_is_the_bundled_data_s_answer(bundled_db: Path) -> None:
    shifts_doc = _script("shifts_doc")
    with dw.open(bundled_db, read_only=True) as store:
        monthly = shifts_doc.shifts(store, "PRK", since=shifts_doc.SINCE)
        quarterly = shifts_doc.shifts(store, "PRK", since=shifts_doc.SINCE, selection=Selection(freq="Q"))
    section = shifts_doc.section(bundled_db, monthly, quarterly)
    page = (ROOT / "docs" / "early-warning-and-strategies.md").read_text(encoding="utf-8")
    begin, end = markers(shifts_doc.SECTION)
    written = page.split(begin)[1].split(end)[0].strip("\n")
    assert written == section, "run `python scripts/shifts_doc.py` to rewrite the worked example"
    # the reading names what the table flags, with its numbers
    for shift in monthly.shifts:
        if shift["kind"] == "rising_partner":
            assert f"**{shift['partner']}** rose {shift['evidence']['rate_ratio']:.1f}-fold" in written


def _written(page: Path, module: ModuleType) -> str:
    begin, end = markers(module.SECTION)
    return page.read_text(encoding="utf-8").split(begin)[1].split(end)[0].strip("\n")


def test_the_methods_worked_example_is_the_bundled_data_s_answer(bundled_db: Path) -> None:
    methods_doc = _script("methods_example_doc")
    written = _written(ROOT / "docs" / "methods.md", methods_doc)
    assert written == methods_doc.section(bundled_db), "run `python scripts/methods_example_doc.py` to rewrite §6"
