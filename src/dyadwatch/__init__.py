"""dyadwatch: measured answers about North Korea's foreign relations from political event data.

Typical use::

    import dyadwatch as dw
    store = dw.open("nk.duckdb")
    store.ingest(["20190101.export.CSV.zip"])
    monthly = store.series("PRK", "CHN", freq="M")
    dw.breaks(monthly), dw.flexibility(store, "PRK"), dw.shifts(store, "PRK", since="2025-01-01")

Everything but the exceptions is imported on first use (PEP 562), so that ``import dyadwatch``
and the command line start without pandas, DuckDB or the analysis layer; ``from dyadwatch import
Store`` works as before.
"""

import importlib
from typing import TYPE_CHECKING, Any

from dyadwatch.errors import (
    DyadwatchError,
    InputError,
    InsufficientDataError,
    StoreError,
    StoreLockedError,
    UsageError,
)

if TYPE_CHECKING:
    from dyadwatch.analysis import (
        ERAS,
        STRATEGIES,
        BreaksResult,
        CircumstancesResult,
        CompareResult,
        FlexibilityResult,
        ShiftsResult,
        SimulationResult,
        breaks,
        circumstances,
        compare,
        dyad_breaks,
        dyad_flexibility,
        flexibility,
        shifts,
        simulate_dyad,
    )
    from dyadwatch.analysis.backtest import BacktestResult, backtest
    from dyadwatch.analysis.delegations import delegations
    from dyadwatch.analysis.kcna_check import kcna_coverage
    from dyadwatch.analysis.provocations import ProvocationsResult, provocations
    from dyadwatch.analysis.results import AnalysisResult
    from dyadwatch.analysis.rhetoric import RhetoricResult, rhetoric
    from dyadwatch.analysis.votes import VotesResult, votes
    from dyadwatch.api import Store, default_path, open
    from dyadwatch.ingest.bundled import load_bundled
    from dyadwatch.ingest.code_texts import code_texts
    from dyadwatch.ingest.pipeline import LoadReport
    from dyadwatch.selection import Selection
    from dyadwatch.series import dyad_series

__version__ = "0.1.0"

#: Public name → the module that defines it, imported when the name is first used. Each layer
#: (design §6; docs/architecture.md) contributes what a notebook needs: the store and its verbs,
#: the selection of events, the series, every analysis with its result type, and the loaders.
_LAZY = {
    **dict.fromkeys(("Store", "default_path", "open"), "dyadwatch.api"),
    "Selection": "dyadwatch.selection",
    "dyad_series": "dyadwatch.series",
    "AnalysisResult": "dyadwatch.analysis.results",
    **dict.fromkeys(
        (
            "ERAS",
            "STRATEGIES",
            "BreaksResult",
            "CircumstancesResult",
            "CompareResult",
            "FlexibilityResult",
            "ShiftsResult",
            "SimulationResult",
            "breaks",
            "circumstances",
            "compare",
            "dyad_breaks",
            "dyad_flexibility",
            "flexibility",
            "shifts",
            "simulate_dyad",
        ),
        "dyadwatch.analysis",
    ),
    **dict.fromkeys(("BacktestResult", "backtest"), "dyadwatch.analysis.backtest"),
    "delegations": "dyadwatch.analysis.delegations",
    "kcna_coverage": "dyadwatch.analysis.kcna_check",
    **dict.fromkeys(("ProvocationsResult", "provocations"), "dyadwatch.analysis.provocations"),
    **dict.fromkeys(("RhetoricResult", "rhetoric"), "dyadwatch.analysis.rhetoric"),
    **dict.fromkeys(("VotesResult", "votes"), "dyadwatch.analysis.votes"),
    "LoadReport": "dyadwatch.ingest.pipeline",
    "code_texts": "dyadwatch.ingest.code_texts",
    "load_bundled": "dyadwatch.ingest.bundled",
}


def __getattr__(name: str) -> Any:
    """Load a public name's module (DuckDB, pandas, statsmodels, ruptures …) when it is first used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dyadwatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


#: Every public name, one list: the exceptions, the version and each name of :data:`_LAZY` (tested).
__all__ = [
    "AnalysisResult",
    "BacktestResult",
    "BreaksResult",
    "CircumstancesResult",
    "CompareResult",
    "DyadwatchError",
    "ERAS",
    "FlexibilityResult",
    "InputError",
    "InsufficientDataError",
    "LoadReport",
    "ProvocationsResult",
    "RhetoricResult",
    "Selection",
    "ShiftsResult",
    "SimulationResult",
    "Store",
    "StoreError",
    "StoreLockedError",
    "STRATEGIES",
    "UsageError",
    "VotesResult",
    "__version__",
    "backtest",
    "breaks",
    "circumstances",
    "code_texts",
    "compare",
    "default_path",
    "delegations",
    "dyad_breaks",
    "dyad_flexibility",
    "dyad_series",
    "flexibility",
    "kcna_coverage",
    "load_bundled",
    "open",
    "provocations",
    "rhetoric",
    "shifts",
    "simulate_dyad",
    "votes",
]
