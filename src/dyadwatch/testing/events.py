"""Synthetic event stores with planted rate changes: known answers for ``shifts`` and ``backtest``.

:func:`rate_events` draws, for each partner, a Poisson number of dyadic events per month whose
rate steps at given dates, so a test knows exactly which partner rose or fell, and when.
:func:`visit_row` and :func:`event_frame` build such rows one at a time, for tests that plant
their own events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def visit_row(
    event_id: str,
    day: pd.Timestamp,
    focus: str,
    partner: str,
    outgoing: bool,
    *,
    summary: str,
    reference: str,
    group_id: str | None = None,
) -> dict[str, object]:
    """One cooperative visit (CAMEO 042) between ``focus`` and ``partner``, in either direction."""
    return {
        "event_id": event_id,
        "source": "csv",
        "date": day.date(),
        "actor1": focus if outgoing else partner,
        "actor2": partner if outgoing else focus,
        "actor1_name": None,
        "actor2_name": None,
        "event_code": "042",
        "quad_class": 1,
        "goldstein": 1.9,
        "weight": 1,
        "tone": None,
        "group_id": group_id,
        "summary": summary,
        "reference": reference,
    }


def event_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows from :func:`visit_row` as the frame :meth:`dyadwatch.Store.load_frame` expects."""
    frame = pd.DataFrame(rows)
    frame["quad_class"] = frame["quad_class"].astype("int8")
    frame["tone"] = frame["tone"].astype(float)
    return frame


def rate_events(
    seed: int,
    start: str,
    end: str,
    rates: Mapping[str, Sequence[tuple[str, float]]],
    focus: str = "PRK",
) -> pd.DataFrame:
    """Events of ``focus`` with each partner, monthly Poisson counts, from ``start`` to ``end``.

    ``rates`` maps a partner to steps ``(from_day, events_per_month)``, sorted by day; the first
    step should begin on or before ``start``. Direction and day within the month are random. The
    frame has the columns :meth:`dyadwatch.Store.load_frame` expects (source ``csv``).
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range(pd.Timestamp(start).to_period("M").start_time, end, freq="MS")
    rows: list[dict[str, object]] = []
    for partner, steps in rates.items():
        for month in months:
            rate = 0.0
            for day, value in steps:
                if month >= pd.Timestamp(day):
                    rate = value
            for _ in range(int(rng.poisson(rate))):
                outgoing = rng.random() < 0.5
                when = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                rows.append(
                    visit_row(
                        f"csv:rate-{seed}-{len(rows)}",
                        when,
                        focus,
                        partner,
                        outgoing,
                        summary=f"generated event with {partner}",
                        reference=f"https://example.org/generated/{seed}/{len(rows)}",
                    )
                )
    return event_frame(rows)


def provocation_sequence(
    kind: str,
    seed: int,
    triggers: pd.DataFrame,
    start: str = "2000-01-01",
    end: str = "2019-12-31",
) -> list[pd.Timestamp]:
    """Days with a provocation from a known process (known answers for ``dyadwatch provocations``).

    * ``self_exciting``: a Hawkes-type daily intensity 0.008 + Σ 0.06·exp(−Δ/10) over past acts
      (branching ratio about 0.6), blind to the triggers;
    * ``trigger``: 0.015 a day, five times that from each trigger's start to 30 days after its end,
      no memory;
    * ``none``: a constant 0.025 a day.
    """
    if kind not in ("self_exciting", "trigger", "none"):
        raise ValueError(f"unknown process {kind!r}")
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    boost = np.zeros(len(days), dtype=bool)
    for first, last in zip(pd.to_datetime(triggers["start"]), pd.to_datetime(triggers["end"]), strict=True):
        boost |= (days >= first) & (days <= last + pd.Timedelta(days=30))
    hits: list[pd.Timestamp] = []
    excitation = 0.0
    for i, day in enumerate(days):
        if kind == "self_exciting":
            rate = 0.008 + excitation
        elif kind == "trigger":
            rate = 0.075 if boost[i] else 0.015
        else:
            rate = 0.025
        hit = rng.random() < 1 - np.exp(-rate)
        if hit:
            hits.append(day)
        excitation = excitation * np.exp(-1 / 10) + (0.06 if hit else 0.0)
    return hits


def trigger_calendar(seed: int, start: str = "2000-01-01", end: str = "2019-12-31") -> pd.DataFrame:
    """Random triggers: 40 ten-day ``exercise`` windows and 15 one-day ``un_resolution`` days."""
    rng = np.random.default_rng(10_000 + seed)
    days = pd.date_range(start, end, freq="D")
    drills = sorted(rng.choice(len(days) - 20, 40, replace=False))
    votes = sorted(rng.choice(len(days), 15, replace=False))
    rows = [
        {"kind": "exercise", "name": f"drill {i}", "start": days[d].date(), "end": days[d + 9].date(), "reference": "-"}
        for i, d in enumerate(drills)
    ] + [
        {"kind": "un_resolution", "name": f"vote {i}", "start": days[d].date(), "end": days[d].date(), "reference": "-"}
        for i, d in enumerate(votes)
    ]
    return pd.DataFrame(rows).sort_values("start", ignore_index=True)
