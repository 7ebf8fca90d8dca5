"""dyadwatch: measured answers about North Korea's foreign relations from political event data.

Typical use::

    import dyadwatch as dw
    store = dw.open("nk.duckdb")
    store.ingest(["20190101.export.CSV.zip"])
    monthly = store.series("PRK", "CHN", freq="M")
    dw.breaks(monthly), dw.flexibility(store, "PRK"), dw.shifts(store, "PRK", since="2025-01-01")

The analysis functions are imported on first use, so that the command line starts quickly.
"""

from typing import TYPE_CHECKING, Any

from dyadwatch.errors import (
    DyadwatchError,
    InputError,
    InsufficientDataError,
    StoreError,
    StoreLockedError,
    UsageError,
)
from dyadwatch.ingest.pipeline import LoadReport
from dyadwatch.series import dyad_series
from dyadwatch.store import Store, default_path, open

if TYPE_CHECKING:
    from dyadwatch.analysis import breaks, circumstances, compare, flexibility, shifts, simulate_dyad

__version__ = "0.1.0"

_ANALYSIS = {"breaks", "circumstances", "compare", "flexibility", "shifts", "simulate_dyad"}


def __getattr__(name: str) -> Any:
    """Load the analysis layer (statsmodels, ruptures) only when one of its names is used."""
    if name in _ANALYSIS:
        from dyadwatch import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'dyadwatch' has no attribute {name!r}")


__all__ = [
    "DyadwatchError",
    "InputError",
    "InsufficientDataError",
    "LoadReport",
    "Store",
    "StoreError",
    "StoreLockedError",
    "UsageError",
    "__version__",
    "breaks",
    "circumstances",
    "compare",
    "default_path",
    "dyad_series",
    "flexibility",
    "open",
    "shifts",
    "simulate_dyad",
]
