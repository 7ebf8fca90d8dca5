"""The segmentation cost and penalty behind :mod:`breaks`: a change in location of normal scores.

Why not a normal cost on the raw values with a robust noise scale (what the first version did)?
Dyad series are zero-inflated: a yearly chronology is mostly empty years, a monthly one mostly
empty months. The MAD of first differences then collapses toward zero, every non-empty period looks
like a many-sigma outlier, and pure noise splits into "regimes" (issue 9: 11 of 24 null series got
breaks). A Poisson cost fails the same way, because events arrive in clusters (one state visit gives
several rows), so counts are over-dispersed.

What is used instead:

* **Normal scores of ranks** (van der Waerden 1952): y_t → Φ⁻¹((r_t − ½)/n), with mid-ranks for ties,
  then standardised to unit variance over the series. The scores of an exchangeable (no-change)
  series have the same distribution whatever the data's distribution — zero-inflated, heavy-tailed,
  counts or Goldstein sums — so one cost is calibrated for all; an extreme single period is only
  "the largest rank", so a one-period spike cannot become a regime. The loss of efficiency against
  a correct Gaussian model is small (asymptotic relative efficiency 1 for normal data). Rank-based
  change-point detection: Pettitt (1979), *Applied Statistics* 28: 126–135; Gerstenberger (2018),
  *J. Time Series Analysis* 39: 90–104.
* **Cost**: Σ (s_t − s̄_k)² in each segment (the Gaussian change-in-mean cost with unit variance),
  minimised exactly by PELT (Killick, Fearnhead & Eckley 2012, *JASA* 107: 1590–1598).
* **Penalty**: the larger of MBIC 3·log n (Zhang & Siegmund 2007, *Biometrics* 63: 22–32; without
  its segment-length term, as R ``changepoint``'s default) and a permutation floor: the 99th
  percentile, over random permutations of the series' own scores, of the best gain one break or one
  interior segment (two breaks, gain halved) would give. Permuted series have no change by
  construction, so the floor bounds the chance that noise alone yields a break (in the spirit of
  Antoch & Hušková 2001, permutation tests for change points). On dense Gaussian series MBIC is the
  larger; on sparse series, where runs of three or four active periods among empty ones are common,
  the floor is. Calibration: ``docs/validation.md``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from ruptures.base import BaseCost
from ruptures.costs import NotEnoughPoints

FloatArray = NDArray[np.float64]

#: Permutations for the penalty floor, its quantile, and the fixed seed that keeps results reproducible.
PERMUTATIONS = 499
PERMUTATION_QUANTILE = 0.99
PERMUTATION_SEED = 0
#: Interior segments ("bursts") checked in the permutation floor: up to a quarter of the series and
#: at most two years of months. Short bursts among empty periods are what MBIC misses on sparse
#: series; longer ones behave like two single breaks, which MBIC covers (and scanning them costs O(n²)).
MAX_BURST = 24


def mbic_penalty(n_periods: int) -> float:
    """MBIC penalty per changepoint, 3·log n (Zhang & Siegmund 2007, *Biometrics* 63: 22–32).

    It is the default of R ``changepoint`` (Killick & Eckley 2014) for a change in one parameter;
    the segment-length term of the full MBIC is left out.
    """
    return 3.0 * math.log(max(n_periods, 2))


def normal_scores(values: FloatArray) -> FloatArray:
    """Φ⁻¹((mid-rank − ½)/n), standardised to mean 0 and variance 1 (all zeros for a constant series)."""
    from scipy.stats import norm, rankdata

    signal = np.asarray(values, dtype=float).reshape(-1)
    if len(signal) == 0:
        return signal
    scores = norm.ppf((rankdata(signal, method="average") - 0.5) / len(signal))
    scores = scores - scores.mean()
    spread = float(scores.std())
    return np.asarray(scores / spread if spread > 0 else np.zeros_like(scores), dtype=np.float64)


def permutation_penalty(
    scores: FloatArray,
    *,
    min_size: int = 3,
    permutations: int = PERMUTATIONS,
    quantile: float = PERMUTATION_QUANTILE,
    seed: int = PERMUTATION_SEED,
) -> float:
    """The penalty that noise alone would exceed in only 1 − ``quantile`` of permutations.

    For each permutation of the (standardised) scores: the best gain in cost of one break anywhere,
    and of one interior segment of ``min_size`` … ``MAX_BURST`` periods divided by its two breaks.
    Vectorised over permutations with cumulative sums, so 499 permutations of 240 periods take
    about 20 ms.
    """
    if len(scores) < 2 * min_size:
        return 0.0
    # Permutations see only the multiset of scores, i.e. n and the pattern of ties: series with the
    # same pattern (every series without ties, for one n) share one floor, computed once.
    ordered = np.sort(np.asarray(scores, dtype=float)).round(9)
    return _permutation_penalty(ordered.tobytes(), min_size, permutations, quantile, seed)


@lru_cache(maxsize=4096)
def _permutation_penalty(ordered: bytes, min_size: int, permutations: int, quantile: float, seed: int) -> float:
    values = np.frombuffer(ordered, dtype=np.float64)
    n = len(values)
    rng = np.random.default_rng(seed)
    permuted = values[np.argsort(rng.random((permutations, n)), axis=1)]
    cumulative = np.concatenate([np.zeros((permutations, 1)), np.cumsum(permuted, axis=1)], axis=1)
    total = cumulative[:, -1:]
    # One break after k periods: gain = (S_k − k·S/n)² · n / (k (n − k)).
    k = np.arange(min_size, n - min_size + 1)
    best = ((cumulative[:, k] - total * k / n) ** 2 * n / (k * (n - k))).max(axis=1)
    longest = min(n // 4, MAX_BURST)
    for length in range(min_size, longest + 1):
        starts = np.arange(min_size, n - min_size - length + 1)
        if len(starts) == 0:
            break
        burst = cumulative[:, starts + length] - cumulative[:, starts]
        gain = (burst - total * length / n) ** 2 * n / (length * (n - length)) / 2.0
        best = np.maximum(best, gain.max(axis=1))
    return float(np.quantile(best, quantile))


def pelt_mean(signal: FloatArray, *, min_size: int, penalty: float) -> list[int]:
    """Exact PELT for a change in mean with unit variance: the first index of each new segment.

    Written out because ruptures calls a Python cost once per candidate segment; here each step
    scores every candidate at once from cumulative sums (same optimum, about 50× faster), which is
    what makes calibration over hundreds of seeds affordable. Equality with ruptures' PELT is tested.
    """
    values = np.asarray(signal, dtype=float).reshape(-1)
    n = len(values)
    if n < 2 * min_size:
        return []
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    squares = np.concatenate([[0.0], np.cumsum(values**2)])
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    previous = np.zeros(n + 1, dtype=int)
    candidates = np.array([0])
    for end in range(min_size, n + 1):
        ready = candidates[end - candidates >= min_size]
        waiting = candidates[end - candidates < min_size]
        length = end - ready
        cost = (squares[end] - squares[ready]) - (cumulative[end] - cumulative[ready]) ** 2 / length
        totals = best[ready] + cost + penalty
        choice = int(np.argmin(totals))
        best[end], previous[end] = totals[choice], ready[choice]
        # PELT pruning (Killick et al. 2012, with K = 0 for this cost): a start that cannot beat the
        # optimum now never will.
        kept = ready[totals - penalty <= best[end]]
        candidates = np.concatenate([kept, waiting, [end - min_size + 1]])
    starts, end = [], n
    while end > 0:
        end = int(previous[end])
        if end > 0:
            starts.append(end)
    return sorted(starts)


class CostNormalScores(BaseCost):  # type: ignore[misc]
    """The same cost for ruptures' binary segmentation: Σ (s_t − s̄)² on the series' normal scores."""

    model = "normal_scores"

    def __init__(self, min_size: int = 2) -> None:
        self.min_size = min_size
        self.signal: FloatArray | None = None
        self._cumsum: FloatArray = np.zeros(1)
        self._cumsum_squares: FloatArray = np.zeros(1)

    def fit(self, signal: FloatArray) -> CostNormalScores:
        scores = normal_scores(np.asarray(signal, dtype=float).reshape(-1))
        self.signal = scores.reshape(-1, 1)
        self._cumsum = np.concatenate([[0.0], np.cumsum(scores)])
        self._cumsum_squares = np.concatenate([[0.0], np.cumsum(scores**2)])
        return self

    def error(self, start: int, end: int) -> float:
        if end - start < self.min_size:
            raise NotEnoughPoints
        total = self._cumsum[end] - self._cumsum[start]
        squares = self._cumsum_squares[end] - self._cumsum_squares[start]
        return float(max(squares - total * total / (end - start), 0.0))
