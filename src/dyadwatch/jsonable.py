"""The one JSON cleaner: analysis output, API answers and report data made safe for ``json.dumps``.

Used by the command line (``--format json``), the web API and the report. It imports neither
pandas nor numpy: a pandas or numpy value can only reach it once that library is loaded, so it
looks them up in ``sys.modules`` (the CLI starts without them; see ``dyadwatch.cli``).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any


def _missing(value: Any) -> bool:
    """pandas' NA and NaT, and numpy's NaT: no value, written as null."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and (value is pandas.NA or value is pandas.NaT):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.datetime64 | numpy.timedelta64) and bool(numpy.isnat(value))


def _day_or_moment(value: dt.date) -> str:
    """A date as YYYY-MM-DD; a datetime (or pandas Timestamp) at midnight too, else its full ISO form."""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    return value.isoformat()


#: Significant digits a float keeps in JSON and CSV: what sums and means of decimal data can
#: honestly give, without the binary residue of their arithmetic (6.000000000000001 → 6.0).
DIGITS = 12


def clean_float(value: float) -> float | None:
    """``value`` rounded to :data:`DIGITS` significant digits (so ``repr`` shows no binary residue),
    or None for NaN and infinities."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{DIGITS}g}")


def jsonable(value: Any) -> Any:
    """``value`` with JSON-safe leaves: NaN and infinities become null, floats rounded to 12
    significant digits (:func:`clean_float`), dates ISO strings, numpy scalars and arrays plain
    Python, decimals floats (their digits kept), paths strings; keys become strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):  # numpy.float64 is a float too
        return clean_float(float(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if _missing(value):
        return None
    if isinstance(value, dt.date):
        return _day_or_moment(value)
    if isinstance(value, Decimal):
        return jsonable(float(value))
    if isinstance(value, PurePath):
        return str(value)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.datetime64):
        # .item() of a nanosecond datetime64 is an int; microseconds give a datetime.
        return jsonable(value.astype("datetime64[us]").item())
    if hasattr(value, "tolist") and not isinstance(value, bytes):  # numpy scalars and arrays, pandas arrays
        return jsonable(value.tolist())
    if hasattr(value, "isoformat"):  # e.g. datetime.time
        return value.isoformat()
    return value
