"""Periods (month, quarter, year): the one frequency table, the one check and the one period index.

Every module that turns days into periods uses these, so a period means the same thing in the
series, the analyses, the dashboard and the report. pandas is imported inside the functions: the
selection (design §9), which the command line builds before anything heavy is loaded, needs only
:func:`check_freq` and the tables.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from dyadwatch.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

FREQS = ("M", "Q", "Y")
#: The one frequency table: dyadwatch's period code → pandas' period-start alias (date_range).
PANDAS_FREQ = {"M": "MS", "Q": "QS", "Y": "YS"}
#: The period as a word, for notes and table titles.
FREQ_NAMES = {"M": "month", "Q": "quarter", "Y": "year"}
#: Months in one period.
MONTHS_PER = {"M": 1, "Q": 3, "Y": 12}


def check_freq(freq: str) -> str:
    """``freq`` if it is M, Q or Y; the one check every entry point uses."""
    if freq not in PANDAS_FREQ:
        raise UsageError(f"--freq must be M (month), Q (quarter) or Y (year), not {freq!r}")
    return freq


def first_day_of_period(day: dt.date, freq: str) -> dt.date:
    """The first day of the month, quarter or year that ``day`` falls in, in plain Python (the
    command line's series path needs no pandas; :func:`period_start` is the pandas version)."""
    months = MONTHS_PER[freq]
    return dt.date(day.year, (day.month - 1) // months * months + 1, 1)


def next_period_start(start: dt.date, freq: str) -> dt.date:
    """The first day of the period after the one starting on ``start``, in plain Python."""
    index = start.year * 12 + start.month - 1 + MONTHS_PER[freq]
    return dt.date(index // 12, index % 12 + 1, 1)


def period_start(moment: Any, freq: str) -> pd.Timestamp:
    """The first day of the period that holds ``moment`` (a day, a string or a Timestamp)."""
    import pandas as pd

    # The pandas period aliases are the same letters as dyadwatch's codes (M, Q, Y).
    return pd.Timestamp(pd.Timestamp(moment).to_period(check_freq(freq)).start_time)


def period_end(moment: Any, freq: str) -> pd.Timestamp:
    """The last day of the period that holds ``moment``."""
    import pandas as pd

    return period_start(moment, freq) + period_offset(freq) - pd.Timedelta(days=1)


def period_starts(days: Any, freq: str) -> pd.Series:
    """The first day of each day's period, for a column of days (vectorised :func:`period_start`)."""
    import pandas as pd

    return pd.to_datetime(pd.Series(days)).dt.to_period(check_freq(freq)).dt.start_time


def period_offset(freq: str) -> pd.DateOffset:
    """The length of one period, to add to a period start."""
    import pandas as pd

    return pd.DateOffset(months=MONTHS_PER[check_freq(freq)])


def period_index(start: Any, end: Any, freq: str) -> pd.DatetimeIndex:
    """Every period start from the period holding ``start`` to the one holding ``end`` (both included)."""
    import pandas as pd

    return pd.date_range(period_start(start, freq), period_start(end, freq), freq=PANDAS_FREQ[freq])


def infer_freq(periods: Any) -> str:
    """M, Q or Y from the spacing of period starts (series frames do not carry their frequency)."""
    import pandas as pd

    stamps = pd.Series(pd.to_datetime(pd.Series(periods)))
    if len(stamps) < 2:
        return "M"
    days = float(stamps.diff().dt.days.median())
    return "M" if days < 45 else "Q" if days < 150 else "Y"
