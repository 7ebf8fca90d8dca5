"""Generated event stores whose repositioning episodes are known: known answers for ``dyadwatch backtest``.

:func:`generated_store` is the small store of ``tests/test_backtest.py`` (three steady partners,
Vietnam rising and Japan falling when planted). :func:`calibration_store` is the store of the
calibration (:mod:`dyadwatch.testing.calibration_backtest`): eight partners of different density,
each of which can be given a planted change (:class:`PlantedChange`), so that a null store and a
planted one differ only in what was planted, and the planted changes are the episodes to score.
:func:`episode_store` plants many episodes over a long span (probabilistic scores need onsets to
learn from).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import dyadwatch as dw
from dyadwatch.analysis.backtest import Episode
from dyadwatch.testing.events import rate_events

#: The steady partners of :func:`generated_store`.
STEADY = ("CHN", "RUS", "USA")


def generated_store(path: Path, seed: int, planted: bool) -> dw.Store:
    """PRK with CHN, RUS, USA steady at 6 events a month, 2010-2024; when ``planted``, VNM rises from
    0.2 to 6 a month on 2023-03-01 and JPN falls from 8 to 0.5 on 2023-09-01 (steady at 6 otherwise)."""
    rates: dict[str, list[tuple[str, float]]] = {p: [("2010-01-01", 6.0)] for p in STEADY}
    if planted:
        rates["VNM"] = [("2010-01-01", 0.2), ("2023-03-01", 6.0)]
        rates["JPN"] = [("2010-01-01", 8.0), ("2023-09-01", 0.5)]
    else:
        rates["VNM"] = [("2010-01-01", 6.0)]
        rates["JPN"] = [("2010-01-01", 6.0)]
    store = dw.open(path)
    store.load_frame(
        rate_events(seed, "2010-01-01", "2024-12-31", rates), label="generated", sha256=f"g-{seed}-{planted}", fmt="csv"
    )
    return store


#: Events a month of each partner of :func:`calibration_store` when nothing is planted: five bloc
#: members at a moderate rate (so the three bloc shares are tested too), one sparse partner that can
#: rise (IND), one dense partner that can fall (KOR) and one sparse partner that can fall silent (MNG).
#: IND, KOR and MNG belong to no bloc, so an episode of theirs can only be found by the partner tests.
CALIBRATION_RATES: dict[str, float] = {
    "CHN": 3.0, "RUS": 3.0, "USA": 3.0, "JPN": 3.0, "VNM": 3.0, "IND": 1.0, "KOR": 4.0, "MNG": 1.0,
}  # fmt: skip
#: The first day of the calibration stores' data.
DATA_START = "2013-01-01"


@dataclass(frozen=True)
class PlantedChange:
    """A partner's monthly rate set to ``rate`` from ``start`` for ``months`` months (then back): an episode."""

    partner: str
    kind: str
    start: dt.date
    rate: float
    months: int

    def episode(self, lead_months: int = 0) -> Episode:
        """The episode a list would hold, dated ``lead_months`` after the change began."""
        start = (pd.Timestamp(self.start) + pd.DateOffset(months=lead_months)).date()
        return Episode(f"{self.partner.lower()}-{self.kind}-{self.start.isoformat()}", self.partner, self.kind, start)


def calibration_store(
    path: Path,
    seed: int,
    changes: Sequence[PlantedChange] = (),
    *,
    end: str,
    rates: Mapping[str, float] = CALIBRATION_RATES,
) -> dw.Store:
    """A store of PRK with the partners of ``rates`` (Poisson counts a month) from :data:`DATA_START` to
    ``end``, each partner at its rate except where a :class:`PlantedChange` sets another."""
    steps: dict[str, list[tuple[str, float]]] = {p: [(DATA_START, rate)] for p, rate in rates.items()}
    for change in sorted(changes, key=lambda c: c.start):
        back = (pd.Timestamp(change.start) + pd.DateOffset(months=change.months)).date()
        steps[change.partner] += [(change.start.isoformat(), change.rate), (back.isoformat(), rates[change.partner])]
    label = ";".join(f"{c.partner}:{c.start}:{c.rate}:{c.months}" for c in changes)
    store = dw.open(path)
    store.load_frame(
        rate_events(seed, DATA_START, end, steps), label="generated", sha256=f"cal-{seed}-{label}-{end}", fmt="csv"
    )
    return store


def episode_changes(
    seed: int, first: dt.date, last: dt.date, *, partners: Sequence[str] = ("IND", "KOR", "MNG", "VNM")
) -> list[PlantedChange]:
    """Many planted episodes between ``first`` and ``last``: each partner of ``partners`` rises to three
    times its rate for a year, one episode after another, with gaps of 6 to 18 months between them
    (drawn from ``seed``), so that episodes of several partners overlap and each partner's baseline
    has returned to its rate before its next rise."""
    rng = np.random.default_rng(50_000 + seed)
    changes: list[PlantedChange] = []
    for partner in partners:
        day = pd.Timestamp(first) + pd.DateOffset(months=int(rng.integers(0, 12)))
        while day.date() <= last:
            changes.append(PlantedChange(partner, "rising", day.date(), 3.0 * CALIBRATION_RATES[partner], 12))
            day += pd.DateOffset(months=12 + int(rng.integers(6, 19)))
    return sorted(changes, key=lambda c: (c.start, c.partner))
