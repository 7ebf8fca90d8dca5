"""Generators of synthetic data with known answers, for tests, benchmarks and teaching.

* :func:`write_gdelt2` writes GDELT 2.0 export files of any size and returns the exact dyad-month
  totals a correct loader must produce.
* :func:`planted_breaks`, :func:`planted_reciprocity` and :func:`dyad_events` make dyad series with
  planted regime changes or lag-1 reciprocity (known answers for :mod:`dyadwatch.analysis`);
  :func:`sparse_series` makes zero-inflated series like the chronology's.
* :func:`ar1_series`, :func:`inar_series`, :func:`trend_series`, :func:`onoff_series` and
  :func:`seasonal_series` make series with memory, trends, persistent activity or a season and no
  change (or one planted shift): the dependent null families of the ``breaks`` calibration (issue 25).
* :func:`rate_events` makes event stores whose partners' rates step at known dates (``backtest``).
* :mod:`dyadwatch.testing.calibration` measures false-alarm rates and power over many seeds
  (``make validate`` and the quick calibration tests).
"""

from dyadwatch.testing.events import provocation_sequence, rate_events, trigger_calendar
from dyadwatch.testing.gdelt import GeneratedFiles, write_gdelt2
from dyadwatch.testing.series import (
    PlantedBreaks,
    PlantedDyad,
    ar1_series,
    dyad_events,
    focus_rows,
    inar_series,
    onoff_series,
    planted_breaks,
    planted_reciprocity,
    seasonal_series,
    sparse_series,
    trend_series,
)

__all__ = [
    "GeneratedFiles",
    "PlantedBreaks",
    "PlantedDyad",
    "ar1_series",
    "dyad_events",
    "focus_rows",
    "inar_series",
    "onoff_series",
    "planted_breaks",
    "planted_reciprocity",
    "provocation_sequence",
    "rate_events",
    "seasonal_series",
    "sparse_series",
    "trend_series",
    "trigger_calendar",
    "write_gdelt2",
]
