"""Periods, leader eras and named conditions, kept in one place.

Era boundaries are the leaders' deaths: Kim Il Sung died on 8 July 1994 and Kim Jong Il on
17 December 2011. Sanctions in force default to UN Security Council Resolution 1718 of
14 October 2006 onwards (the first Chapter VII sanctions on the DPRK, after its first nuclear
test); earlier national sanctions (US ones since 1950) are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dyadwatch.errors import UsageError

# The frequency table, its check and the period index live in dyadwatch.periods; re-exported here.
from dyadwatch.periods import FREQ_NAMES as FREQ_NAMES
from dyadwatch.periods import PANDAS_FREQ as PANDAS_FREQ
from dyadwatch.periods import check_freq as check_freq
from dyadwatch.periods import infer_freq as infer_freq
from dyadwatch.periods import period_index as period_index
from dyadwatch.periods import period_offset as period_offset
from dyadwatch.periods import period_start as period_start


@dataclass(frozen=True)
class Era:
    name: str  # command-line value
    label: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None  # exclusive

    def contains(self, moment: pd.Timestamp) -> bool:
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)


KIM_IL_SUNG_DIED = pd.Timestamp("1994-07-08")
KIM_JONG_IL_DIED = pd.Timestamp("2011-12-17")
UNSC_1718 = pd.Timestamp("2006-10-14")

ERAS: tuple[Era, ...] = (
    Era("kim-il-sung", "Kim Il Sung (to July 1994)", None, KIM_IL_SUNG_DIED),
    Era("kim-jong-il", "Kim Jong Il (July 1994 – December 2011)", KIM_IL_SUNG_DIED, KIM_JONG_IL_DIED),
    Era("kim-jong-un", "Kim Jong Un (from December 2011)", KIM_JONG_IL_DIED, None),
)
ERA_NAMES = ("all",) + tuple(era.name for era in ERAS)


def era_named(name: str) -> Era | None:
    """The era called ``name``; None for ``all``."""
    if name == "all":
        return None
    for era in ERAS:
        if era.name == name:
            return era
    raise UsageError(f"--era must be one of {', '.join(ERA_NAMES)}, not {name!r}")


def era_of(moment: pd.Timestamp) -> str:
    """The era (by name) in which a period *starts*; a period straddling a death counts to the earlier era."""
    for era in ERAS:
        if era.contains(moment):
            return era.name
    return ERAS[-1].name
