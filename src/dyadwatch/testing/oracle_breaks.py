"""Reference tests for the planted shifts of the breaks calibration: what a test that knows more can find.

Issue 25 asks ``breaks`` for 90 % power on a level shift of 2 s.d. in a series with memory. Whether
*any* method can reach that depends on the length of the series and its memory, so each planted
scenario is also read by two reference tests on the same seeds:

* the **oracle** knows the break date (the regime's two edges) and the memory φ of the generating
  process, and tests one step (one regime) at that date, two-sided at 5 %;
* the **date-search reference** knows φ but not the date: the largest |t| of a step over every date
  with at least ``min_size`` periods on each side (Andrews 1993's sup-test), its 5 % critical value
  from series of the same generating process without change; for a planted regime, the largest |t|
  of a regime over every pair of edges (the epidemic alternative), its 5 % point from the same series.

Both use generalised least squares with the AR(1) correlation φ^k: the Prais–Winsten transform
(y*_1 = √(1 − φ²)·y_1, y*_t = y_t − φ·y_{t−1}) turns the series into independent errors, and the
step's t-statistic is the ordinary one on the transformed series. For a Gaussian AR(1) series with
known φ that t has exactly Student's t law with n − 2 degrees of freedom under no change, and the
two-sided t-test is the uniformly most powerful unbiased test of a step at a known date. For INAR(1)
counts the autocorrelation is also φ^k (Al-Osh & Alzaid 1987), so the same GLS estimate is the best
*linear* unbiased estimate of the step; the counts are not Gaussian, so the critical values come from
:data:`NULL_BANK` series of the null process itself (the oracle knows it), which makes the size exactly
5 % up to Monte Carlo error. A likelihood-ratio test would need the likelihood of INAR(1) counts plus
independent Poisson events (the planted shift adds events that do not survive into the next period),
a latent-state filter; the GLS step test is the standard linear reference and is stated as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from scipy.stats import t as t_dist

Values = np.ndarray[Any, np.dtype[np.float64]]

#: Null series per (process, length, φ, mean) for the Monte Carlo critical values.
NULL_BANK = 4000
NULL_SEED = 900_000
LEVEL = 0.05


def _transform(matrix: Values, phi: float) -> Values:
    """Prais–Winsten transform along the last axis (periods)."""
    out = np.array(matrix, dtype=float, copy=True)
    out[..., 1:] = matrix[..., 1:] - phi * matrix[..., :-1]
    out[..., 0] = np.sqrt(1.0 - phi * phi) * matrix[..., 0]
    return out


def step_t(values: Values, steps: Values, phi: float) -> Values:
    """GLS t-statistics of a step: ``values`` (series × n), ``steps`` (n × k indicators) → series × k.

    Each column of ``steps`` is one alternative (0 before the change, 1 within it); the model is
    y = μ + δ·step + AR(1) error with coefficient φ, and t = δ̂ / se(δ̂) with the residual variance
    on n − 2 degrees of freedom.
    """
    y = _transform(np.atleast_2d(values), phi)
    n = y.shape[1]
    c = _transform(np.ones(n), phi)
    s = _transform(np.asarray(steps, dtype=float).T, phi).T  # n × k
    cc = float(c @ c)
    y_res = y - np.outer(y @ c / cc, c)
    s_res = s - np.outer(c, c @ s / cc)
    ss = (s_res * s_res).sum(axis=0)
    sy = y_res @ s_res
    delta = sy / ss
    rss = (y_res * y_res).sum(axis=1)[:, None] - sy * sy / ss
    scale = np.sqrt(np.maximum(rss, 1e-300) / (n - 2) / ss)
    return np.asarray(delta / scale, dtype=float)


def step_matrix(n: int, starts: list[int]) -> Values:
    """One column: 1 from the first planted break to the second (or the end), 0 elsewhere."""
    column = np.zeros(n)
    column[starts[0] : starts[1] if len(starts) > 1 else n] = 1.0
    return column[:, None]


def search_steps(n: int, min_size: int) -> Values:
    """A step at every date with at least ``min_size`` periods on each side (n × dates)."""
    dates = np.arange(min_size, n - min_size + 1)
    return np.asarray(np.arange(n)[:, None] >= dates[None, :], dtype=float)


def gaussian_rejects(values: Values, starts: list[int], phi: float) -> bool:
    """The oracle on a Gaussian AR(1) series: two-sided t-test at 5 % of the step at the known date."""
    t = float(step_t(values, step_matrix(len(values), starts), phi)[0, 0])
    return bool(abs(t) > t_dist.ppf(1.0 - LEVEL / 2.0, len(values) - 2))


@dataclass(frozen=True)
class NullBank:
    """|t| of every step date over series of the null process: the reference tests' critical values."""

    phi: float
    min_size: int
    dates: Values  # the dates of the columns (first period of the new level)
    sorted_t: Values  # bank × dates, each column sorted
    search_critical: float  # the 5 % point of the smallest per-date p-value over the bank
    series: Values  # the bank itself (series × periods), for the regime search's critical value

    @cached_property
    def regime_critical(self) -> float:
        """The 5 % point of the largest |t| of a regime over every pair of edges, over the bank (computed
        on first use: a monthly bank has tens of thousands of regimes)."""
        return float(np.quantile(largest_regime_t(self.series, self.phi, self.min_size), 1.0 - LEVEL))

    def p_values(self, t: Values) -> Values:
        """Per date, the share of null series with |t| at least as large (with the +1 of a Monte Carlo p)."""
        bank = self.sorted_t.shape[0]
        above = np.array([bank - np.searchsorted(self.sorted_t[:, k], t[k], side="left") for k in range(len(t))])
        return np.asarray((1.0 + above) / (bank + 1.0), dtype=float)


def null_bank(bank: Values, phi: float, min_size: int) -> NullBank:
    """Critical values from ``bank`` (series × periods of the null process), statistics with coefficient ``phi``."""
    n = bank.shape[1]
    dates = np.arange(min_size, n - min_size + 1)
    t = np.abs(step_t(bank, search_steps(n, min_size), phi))
    ordered = np.sort(t, axis=0)
    # Each null series' smallest p over dates (its own value counted, a slightly conservative reference).
    count = t.shape[0]
    ranks = count - np.argsort(np.argsort(t, axis=0), axis=0)  # 1 for the largest |t| of a column
    smallest = (ranks / (count + 1.0)).min(axis=1)
    return NullBank(phi, min_size, np.asarray(dates, dtype=float), ordered, float(np.quantile(smallest, LEVEL)), bank)


def known_date_rejects(values: Values, starts: list[int], reference: NullBank) -> bool:
    """The oracle with Monte Carlo critical values: the step at the known (first) date, two-sided at 5 %."""
    steps = step_matrix(len(values), starts)
    t = np.abs(step_t(values, steps, reference.phi))[0]
    column = int(np.searchsorted(reference.dates, starts[0]))
    if len(starts) > 1 or column >= len(reference.dates) or reference.dates[column] != starts[0]:
        raise ValueError("the Monte Carlo oracle takes one step at a date with min_size periods on each side")
    return bool(reference.p_values(np.full(len(reference.dates), t[0]))[column] <= LEVEL)


def search_rejects(values: Values, reference: NullBank) -> bool:
    """The date-search reference: the smallest per-date p-value of a step, against its null 5 % point."""
    t = np.abs(step_t(values, search_steps(len(values), reference.min_size), reference.phi))
    return bool(reference.p_values(t[0]).min() <= reference.search_critical)


@lru_cache(maxsize=4)
def regime_steps(n: int, min_size: int) -> Values:
    """A regime at every pair of edges (n × pairs): 1 from the first edge to the second, each edge with
    ``min_size`` periods on either side and the regime at least ``min_size`` long (the detector's regimes).
    Built once per length (a monthly series has ~27,000 regimes, a tenth of a second to build) and
    read-only, since every planted series of a scenario reuses it."""
    dates = np.arange(min_size, n - min_size + 1)
    first, last = np.triu_indices(len(dates), k=min_size)
    periods = np.arange(n)[:, None]
    steps = np.asarray((periods >= dates[first][None, :]) & (periods < dates[last][None, :]), dtype=float)
    steps.flags.writeable = False
    return steps


def largest_regime_t(values: Values, phi: float, min_size: int, chunk: int = 4000) -> Values:
    """Per series (rows of ``values``), the largest GLS |t| of a regime over every pair of edges; the
    regimes go through :func:`step_t` a chunk of columns at a time (memory)."""
    rows = np.atleast_2d(values)
    steps = regime_steps(rows.shape[1], min_size)
    largest = np.zeros(rows.shape[0])
    for start in range(0, steps.shape[1], chunk):
        largest = np.maximum(largest, np.abs(step_t(rows, steps[:, start : start + chunk], phi)).max(axis=1))
    return largest


def regime_search_rejects(values: Values, reference: NullBank) -> bool:
    """The date-search reference for a regime: its largest |t| over every pair of edges against the
    bank's 5 % point."""
    return bool(largest_regime_t(values, reference.phi, reference.min_size)[0] > reference.regime_critical)
