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
    from dyadwatch.analysis import breaks, circumstances, compare, flexibility, shifts, simulate_dyad
    from dyadwatch.ingest.code_texts import code_texts
    from dyadwatch.ingest.pipeline import LoadReport
    from dyadwatch.series import dyad_series
    from dyadwatch.store import Store, default_path, open

__version__ = "0.1.0"

#: Public name → the module that defines it, imported when the name is first used.
_LAZY = {
    "LoadReport": "dyadwatch.ingest.pipeline",
    "code_texts": "dyadwatch.ingest.code_texts",
    "dyad_series": "dyadwatch.series",
    "Store": "dyadwatch.store",
    "default_path": "dyadwatch.store",
    "open": "dyadwatch.store",
    **dict.fromkeys(
        ("breaks", "circumstances", "compare", "flexibility", "shifts", "simulate_dyad"), "dyadwatch.analysis"
    ),
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
    "code_texts",
    "compare",
    "default_path",
    "dyad_series",
    "flexibility",
    "open",
    "shifts",
    "simulate_dyad",
]
