"""dyadwatch: measured answers about North Korea's foreign relations from political event data.

Typical use::

    import dyadwatch as dw
    store = dw.open("nk.duckdb")
    store.ingest(["20190101.export.CSV.zip"])
    monthly = store.series("PRK", "CHN", freq="M")
"""

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

__version__ = "0.1.0"

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
    "default_path",
    "dyad_series",
    "open",
]
