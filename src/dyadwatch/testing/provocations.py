"""Provocation days from known processes, with or without a slow trend (``dyadwatch provocations``).

Issue 25 found that the weekly count model read slow changes in the rate of provocations as
self-excitation. These generators plant the three answers the model must tell apart, each with an
optional slow wave in the rate that a model without time controls mistakes for memory or for
triggers:

* ``self_exciting``: a Hawkes (1971)-type daily intensity ``b(t) + Σ 0.06·exp(−Δ/10)`` over past acts
  (branching ratio about 0.6), blind to the triggers;
* ``trigger``: ``b(t)``, times :data:`TRIGGER_BOOST` from each trigger's start to 30 days after its
  end, no memory;
* ``none``: ``b(t)`` only (a constant rate when there is no trend).

``b(t)`` is a base rate times :func:`slow_wave`. :func:`trending_triggers` draws a trigger calendar
whose exercises and resolutions fall mostly in the high years of the same wave, the way the bundled
exercise list falls in the busy years 2013–2017 and 2022–2025.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Daily base rates, chosen so that each process gives roughly 150–250 provocation days in 20 years.
BASE_RATES = {"self_exciting": 0.008, "trigger": 0.015, "none": 0.025}
#: The rate in a trigger's window, relative to the base rate, for the ``trigger`` process.
TRIGGER_BOOST = 5.0
#: Jump and decay (days) of the self-exciting intensity: branching ratio 0.06·10 ≈ 0.6.
EXCITATION_JUMP, EXCITATION_DECAY = 0.06, 10.0
#: Days after a trigger's last day during which the ``trigger`` process keeps its boost.
TRIGGER_AFTER_DAYS = 30
PROCESSES = ("self_exciting", "trigger", "none")


def slow_wave(days: pd.DatetimeIndex, amplitude: float, cycles: float = 1.5) -> np.ndarray[Any, Any]:
    """Multiplicative factor ``exp(amplitude·sin(2π·cycles·t))``, t from 0 to 1 over ``days``.

    With the default 1.5 cycles the log rate rises, falls and rises again over the span: slow
    (years, not weeks) and not monotone, so neither a linear trend nor a lag term fits it exactly.
    ``amplitude`` 0 gives a constant 1.
    """
    position = np.arange(len(days)) / max(len(days) - 1, 1)
    return np.asarray(np.exp(amplitude * np.sin(2 * np.pi * cycles * position)), dtype=np.float64)


def planted_provocations(
    kind: str,
    seed: int,
    triggers: pd.DataFrame,
    start: str = "2000-01-01",
    end: str = "2019-12-31",
    *,
    trend: float = 0.0,
    boost: float = TRIGGER_BOOST,
) -> list[pd.Timestamp]:
    """Days with a provocation from ``kind`` (see the module doc), the base rate times ``slow_wave(trend)``;
    ``boost`` is the ``trigger`` process's rate in a trigger's window relative to outside it."""
    if kind not in PROCESSES:
        raise ValueError(f"unknown process {kind!r}; expected one of {', '.join(PROCESSES)}")
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end, freq="D")
    base = BASE_RATES[kind] * slow_wave(days, trend)
    windows = np.zeros(len(days), dtype=bool)
    for first, last in zip(pd.to_datetime(triggers["start"]), pd.to_datetime(triggers["end"]), strict=True):
        windows |= (days >= first) & (days <= last + pd.Timedelta(days=TRIGGER_AFTER_DAYS))
    uniform = rng.random(len(days))
    if kind != "self_exciting":
        rate = np.where(windows, base * boost, base) if kind == "trigger" else base
        return list(days[uniform < 1 - np.exp(-rate)])
    # plain Python floats in the loop: the recursion is sequential, and numpy scalars are slower here
    hits: list[int] = []
    excitation = 0.0
    decay = float(np.exp(-1 / EXCITATION_DECAY))
    for i, (rate, draw) in enumerate(zip(base.tolist(), uniform.tolist(), strict=True)):
        hit = draw < 1 - math.exp(-(rate + excitation))
        if hit:
            hits.append(i)
        excitation = excitation * decay + (EXCITATION_JUMP if hit else 0.0)
    return list(days[hits])


def trending_triggers(
    seed: int, start: str = "2000-01-01", end: str = "2019-12-31", *, trend: float = 0.0
) -> pd.DataFrame:
    """40 ten-day ``exercise`` windows and 15 one-day ``un_resolution`` days, drawn with probability
    proportional to ``slow_wave(trend)²`` (so mostly in the wave's high years); ``trend`` 0 draws them
    uniformly. Columns ``kind, name, start, end, reference`` as :func:`dyadwatch.ingest.triggers.triggers`."""
    rng = np.random.default_rng(10_000 + seed)
    days = pd.date_range(start, end, freq="D")
    weight = slow_wave(days, trend) ** 2
    drills = sorted(rng.choice(len(days) - 20, 40, replace=False, p=weight[:-20] / weight[:-20].sum()))
    votes = sorted(rng.choice(len(days), 15, replace=False, p=weight / weight.sum()))
    rows = [
        {"kind": "exercise", "name": f"drill {i}", "start": days[d].date(), "end": days[d + 9].date(), "reference": "-"}
        for i, d in enumerate(drills)
    ] + [
        {"kind": "un_resolution", "name": f"vote {i}", "start": days[d].date(), "end": days[d].date(), "reference": "-"}
        for i, d in enumerate(votes)
    ]
    return pd.DataFrame(rows).sort_values("start", ignore_index=True)
