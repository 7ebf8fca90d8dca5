"""The curated public API (issue 29 item 6): what a notebook needs is exported from ``dyadwatch``."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import dyadwatch
import dyadwatch.store

SRC = Path(__file__).resolve().parents[1] / "src"

#: What design §5 and the README show a notebook doing, one name per layer at least.
MAIN_NAMES = {
    "open": "dyadwatch.api",
    "Store": "dyadwatch.api",
    "Selection": "dyadwatch.selection",
    "dyad_series": "dyadwatch.series",
    "AnalysisResult": "dyadwatch.analysis.results",
    "breaks": "dyadwatch.analysis.breaks",
    "flexibility": "dyadwatch.analysis.flexibility",
    "compare": "dyadwatch.analysis.patterns",
    "shifts": "dyadwatch.analysis.shifts",
    "simulate_dyad": "dyadwatch.analysis.simulate",
    "circumstances": "dyadwatch.analysis.circumstances",
    "votes": "dyadwatch.analysis.votes",
    "rhetoric": "dyadwatch.analysis.rhetoric",
    "backtest": "dyadwatch.analysis.backtest",
    "provocations": "dyadwatch.analysis.provocations",
    "delegations": "dyadwatch.analysis.delegations",
    "code_texts": "dyadwatch.ingest.code_texts",
    "load_bundled": "dyadwatch.ingest.bundled",
    "LoadReport": "dyadwatch.ingest.pipeline",
}
STORE_VERBS = ("ingest", "ingest_texts", "ingest_indicators", "load_frame", "series", "search_texts", "indicators")


def test_every_name_in_all_imports_in_a_fresh_interpreter() -> None:
    """``from dyadwatch import *`` and each name of ``__all__`` resolve in a process of their own (the
    lazy loader names its modules by string, so a typo would only show there)."""
    code = (
        "import dyadwatch\n"
        "missing = [n for n in dyadwatch.__all__ if not hasattr(dyadwatch, n)]\n"
        "ns = {}\nexec('from dyadwatch import *', ns)\n"
        "print(missing, sorted(set(dyadwatch.__all__) - set(ns)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[0] == "[] []"


@pytest.mark.parametrize("name", sorted(MAIN_NAMES))
def test_the_main_verbs_are_exported_from_where_they_are_defined(name: str) -> None:
    assert name in dyadwatch.__all__
    value = getattr(dyadwatch, name)
    assert value.__module__ == MAIN_NAMES[name]


def test_all_lists_each_lazy_name_and_nothing_else() -> None:
    lazy = set(dyadwatch._LAZY)  # noqa: SLF001 - the package's own table, read by its test
    errors = {n for n, v in vars(dyadwatch).items() if inspect.isclass(v) and issubclass(v, Exception)}
    assert set(dyadwatch.__all__) == lazy | errors | {"__version__"}
    assert len(dyadwatch.__all__) == len(set(dyadwatch.__all__))
    assert set(dir(dyadwatch)) >= set(dyadwatch.__all__)


def test_the_store_layer_is_persistence_only_and_the_api_adds_the_verbs(tmp_path: Path) -> None:
    """``dyadwatch.store.Store`` connects, holds the schema and reads tables; the verbs that reach into
    the ingest, query or analysis layer are on ``dyadwatch.Store`` (design §6)."""
    for verb in STORE_VERBS:
        assert not hasattr(dyadwatch.store.Store, verb), verb
        assert callable(getattr(dyadwatch.Store, verb)), verb
    assert issubclass(dyadwatch.Store, dyadwatch.store.Store)
    with dyadwatch.open(tmp_path / "s.duckdb") as store:
        assert type(store) is dyadwatch.Store
        assert store.count() == 0
    with dyadwatch.Store.open(tmp_path / "s.duckdb", read_only=True) as again:
        assert type(again) is dyadwatch.Store
