"""Large generated event stores, for benchmarks of everything that reads a store (the dashboard).

:func:`bulk_events` draws any number of North Korea's dyadic events in a few seconds (numpy, no
Python loop per row), shaped like a real store: rows in date order (GDELT files arrive day by
day), coverage growing over the decades, a few partners with most of the events and a long tail,
GDELT 1.0 before 2015-02-18 and GDELT 2.0 after, a share of ICEWS rows beside them, CAMEO codes
with their Goldstein scores and quad classes. :func:`write_bulk_store` loads them through
:meth:`dyadwatch.Store.load_frame`, the store's own bulk path, in chunks as consecutive files would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dyadwatch.api import Store

#: Partners of North Korea, most events first; weights fall as 1/rank (Zipf), as in GDELT.
BULK_PARTNERS: tuple[str, ...] = (
    "CHN", "USA", "KOR", "JPN", "RUS", "SYR", "IRN", "VNM", "CUB", "MNG",
    "IND", "GBR", "FRA", "DEU", "IDN", "MYS", "LAO", "SGP", "THA", "PAK",
    "EGY", "ITA", "SWE", "CHE", "AUS", "CAN", "BRA", "ZAF", "UGA", "NGA",
)  # fmt: skip
GDELT2_FROM = "2015-02-18"  # GDELT 2.0 starts here; earlier rows are GDELT 1.0
ICEWS_SHARE = 0.1


def bulk_events(
    rows: int,
    *,
    seed: int = 0,
    focus: str = "PRK",
    partners: Sequence[str] = BULK_PARTNERS,
    start: str = "1990-01-01",
    end: str = "2024-12-31",
    growth: float = 0.12,
) -> pd.DataFrame:
    """``rows`` events between ``focus`` and ``partners`` from ``start`` to ``end``, oldest first.

    Events per day grow by ``growth`` a year (media coverage); direction is random; the frame has
    the columns :meth:`dyadwatch.Store.load_frame` expects.
    """
    from dyadwatch.codebook import cameo_codes

    rng = np.random.default_rng(seed)
    codes = [c for c in cameo_codes().values() if len(c.code) >= 3]
    code_text = np.array([c.code for c in codes])
    code_quad = np.array([c.quad_class for c in codes], dtype="int8")
    code_gold = np.array([c.goldstein for c in codes], dtype=float)

    days = pd.date_range(start, end, freq="D")
    per_day = np.exp(growth * np.arange(len(days)) / 365.25)
    day_index = np.sort(rng.choice(len(days), size=rows, p=per_day / per_day.sum()))
    date = days[day_index]
    rank = np.arange(1, len(partners) + 1)
    partner = np.array(partners)[rng.choice(len(partners), size=rows, p=(1 / rank) / (1 / rank).sum())]
    outgoing = rng.random(rows) < 0.5
    pick = rng.integers(0, len(codes), rows)
    icews = rng.random(rows) < ICEWS_SHARE
    source = np.where(icews, "icews", np.where(date < pd.Timestamp(GDELT2_FROM), "gdelt1", "gdelt2"))
    number = pd.Series(np.arange(rows).astype(str))
    event_id = pd.Series(source, dtype=str) + f":{seed}-" + number
    frame = pd.DataFrame(
        {
            "event_id": event_id,
            "source": source,
            "date": date.date,
            "actor1": np.where(outgoing, focus, partner),
            "actor2": np.where(outgoing, partner, focus),
            "actor1_name": None,
            "actor2_name": None,
            "event_code": code_text[pick],
            "quad_class": code_quad[pick],
            "goldstein": code_gold[pick],
            "weight": np.where(icews, 1, rng.integers(1, 20, rows)).astype("int32"),
            "tone": rng.normal(0, 3, rows).round(4),
            "group_id": None,
            "summary": None,
            "reference": "https://news.example/" + number,
        }
    )
    return frame


def write_bulk_store(path: str | Path, rows: int, *, seed: int = 0, chunks: int = 10) -> int:
    """Create the store at ``path`` with ``rows`` events from :func:`bulk_events` (loaded in
    ``chunks`` consecutive loads, oldest first); returns the number of events in the store."""
    frame = bulk_events(rows, seed=seed)
    bounds = np.linspace(0, len(frame), chunks + 1).astype(int)
    with Store(path) as store:
        for index in range(chunks):
            part = frame.iloc[bounds[index] : bounds[index + 1]].reset_index(drop=True)
            label = f"bulk-{rows}-{seed}-{index}"
            store.load_frame(part, label=label, sha256=hashlib.sha256(label.encode()).hexdigest(), fmt="csv")
        return store.count()
