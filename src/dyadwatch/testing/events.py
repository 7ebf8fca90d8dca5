"""Synthetic event stores with planted rate changes: known answers for ``shifts`` and ``backtest``.

:func:`rate_events` draws, for each partner, a Poisson number of dyadic events per month whose
rate steps at given dates, so a test knows exactly which partner rose or fell, and when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


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
                rows.append(
                    {
                        "event_id": f"csv:rate-{seed}-{len(rows)}",
                        "source": "csv",
                        "date": (month + pd.Timedelta(days=int(rng.integers(0, 28)))).date(),
                        "actor1": focus if outgoing else partner,
                        "actor2": partner if outgoing else focus,
                        "actor1_name": None,
                        "actor2_name": None,
                        "event_code": "042",
                        "quad_class": 1,
                        "goldstein": 1.9,
                        "weight": 1,
                        "tone": None,
                        "group_id": None,
                        "summary": f"generated event with {partner}",
                        "reference": f"https://example.org/generated/{seed}/{len(rows)}",
                    }
                )
    frame = pd.DataFrame(rows)
    frame["quad_class"] = frame["quad_class"].astype("int8")
    frame["tone"] = frame["tone"].astype(float)
    return frame
