"""Every analysis result keeps the small protocol (``to_dict``, ``to_frame``, ``notes``), states its
selection of events (design §9) and survives a JSON round trip; the one JSON cleaner behind them."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import math
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
import dyadwatch.analysis
from dyadwatch.analysis.backtest import backtest
from dyadwatch.analysis.breaks import dyad_breaks
from dyadwatch.analysis.circumstances import circumstances
from dyadwatch.analysis.flexibility import flexibility
from dyadwatch.analysis.patterns import compare
from dyadwatch.analysis.provocations import provocations
from dyadwatch.analysis.results import AnalysisResult
from dyadwatch.analysis.rhetoric import rhetoric
from dyadwatch.analysis.shifts import shifts
from dyadwatch.analysis.simulate import simulate_dyad
from dyadwatch.analysis.votes import votes
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def results(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Any, Any]]]:
    """One real result of every analysis on the bundled data (texts added for rhetoric), with the
    selection each was asked for (None where the analysis reads no events through a selection)."""
    path = tmp_path_factory.mktemp("results") / "demo.duckdb"
    shutil.copy(bundled_db, path)
    yearly = Selection(freq="Y", partners=("CHN", "RUS", "USA"))
    chronology = Selection(freq="Y", sources=("chronology",), start="1990-01-01", drop_statements=True)
    with dw.open(path) as store:
        store.ingest_texts([DATA / "kcna-headlines" / "headlines_2024-11-11.json"])
        yield {
            "breaks": (dyad_breaks(store, "PRK", "CHN", selection=chronology), chronology),
            "flexibility": (flexibility(store, "PRK", draws=20, selection=yearly), yearly),
            "circumstances": (circumstances(store, "PRK", selection=yearly), yearly),
            "compare": (compare(store, "PRK", selection=yearly), yearly),
            "shifts": (
                shifts(store, "PRK", since="2018-01-01", permutations=99, selection=chronology.with_(freq="M")),
                chronology.with_(freq="M"),
            ),
            "simulate": (simulate_dyad(store, "PRK", "USA", runs=10, selection=yearly), yearly),
            "rhetoric": (rhetoric(store, "PRK", freq="M"), Selection(freq="M")),
            "backtest": (
                backtest(store, "PRK", date_from="2018-01-01", date_to="2018-03-31", permutations=99),
                Selection(freq="M"),
            ),
            "votes": (votes(None, "PRK", partners=["CHN", "USA"]), None),
            "provocations": (
                provocations(store, "PRK", date_from="2012-01-01", date_to="2016-12-31", permutations=99),
                None,
            ),
        }


def _result_types() -> set[type]:
    """Every class in dyadwatch.analysis with both to_dict and to_frame: the analyses' result types."""
    found: set[type] = set()
    for info in pkgutil.iter_modules(dyadwatch.analysis.__path__):
        module = importlib.import_module(f"dyadwatch.analysis.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            concrete = cls.__module__ == module.__name__ and cls is not AnalysisResult
            if concrete and hasattr(cls, "to_dict") and hasattr(cls, "to_frame"):
                found.add(cls)
    return found


def test_every_result_type_is_covered(results: dict[str, tuple[Any, Any]]) -> None:
    types = _result_types()
    assert len(types) >= 10
    assert types == {type(result) for result, _ in results.values()}


@pytest.mark.parametrize(
    "name",
    ["breaks", "flexibility", "circumstances", "compare", "shifts", "simulate", "rhetoric", "backtest", "votes",
     "provocations"],
)  # fmt: skip
def test_result_keeps_the_protocol_and_round_trips_to_json(results: dict[str, tuple[Any, Any]], name: str) -> None:
    result, selection = results[name]
    assert isinstance(result, AnalysisResult)
    assert isinstance(result.notes, list) and all(isinstance(note, str) for note in result.notes)
    assert isinstance(result.to_frame(), pd.DataFrame)
    data = result.to_dict()
    assert data["notes"] == result.notes
    assert data["selection"] == (selection.to_dict() if selection is not None else None)
    text = json.dumps(jsonable(data), allow_nan=False)  # NaN would not be JSON
    assert json.loads(text) == jsonable(data)


def test_the_selection_echo_can_be_read_back(results: dict[str, tuple[Any, Any]]) -> None:
    result, selection = results["breaks"]
    echoed = json.loads(json.dumps(jsonable(result.to_dict())))["selection"]
    assert echoed["sources"] == ["chronology"] and echoed["start"] == "1990-01-01" and echoed["drop_statements"]
    assert Selection.from_mapping(echoed) == selection


# -- the JSON cleaner --------------------------------------------------------------------------------
def test_jsonable_cleans_what_analyses_produce() -> None:
    value = {
        1: float("nan"),
        "inf": -math.inf,
        "np": [np.float64(1.5), np.int64(3), np.bool_(True), np.array([1, 2])],
        "day": dt.date(2020, 1, 31),
        "midnight": pd.Timestamp("2020-02-01"),
        "moment": dt.datetime(2020, 2, 1, 12, 30),
        "missing": [pd.NaT, pd.NA, None, np.datetime64("NaT")],
        "stamp64": np.datetime64("2021-03-01T00:00:00.000000000"),
        "tenths": Decimal("-4.2"),
        "path": Path("a/b.csv"),
        "nested": ({"x": (np.nan,)},),
    }
    assert jsonable(value) == {
        "1": None,
        "inf": None,
        "np": [1.5, 3, True, [1, 2]],
        "day": "2020-01-31",
        "midnight": "2020-02-01",
        "moment": "2020-02-01T12:30:00",
        "missing": [None, None, None, None],
        "stamp64": "2021-03-01",
        "tenths": -4.2,
        "path": str(Path("a/b.csv")),
        "nested": [{"x": [None]}],
    }
    json.dumps(jsonable(value), allow_nan=False)


def test_the_json_cleaner_loads_neither_pandas_nor_numpy() -> None:
    """The command line imports it at start-up, before anything heavy: the module alone (loaded from
    its file, without the package's __init__) pulls in neither."""
    path = Path(__file__).parents[1] / "src" / "dyadwatch" / "jsonable.py"
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('jsonable_alone', {str(path)!r})\n"
        "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\n"
        "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules), module.jsonable({'a': float('nan')}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[] {'a': None}", done.stderr
