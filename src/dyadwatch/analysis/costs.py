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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

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

    def cost(ready: NDArray[np.int_], end: int) -> FloatArray:
        return np.asarray(
            (squares[end] - squares[ready]) - (cumulative[end] - cumulative[ready]) ** 2 / (end - ready),
            dtype=np.float64,
        )

    return _pelt(n, cost, min_size=min_size, penalty=penalty)


def _pelt(n: int, cost: Callable[[NDArray[np.int_], int], FloatArray], *, min_size: int, penalty: float) -> list[int]:
    """PELT's dynamic programme over ``n`` points: ``cost(starts, end)`` scores every candidate segment
    ``[start, end)`` ending at ``end`` at once. Returns the first index of each new segment."""
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    previous = np.zeros(n + 1, dtype=int)
    candidates = np.array([0])
    for end in range(min_size, n + 1):
        ready = candidates[end - candidates >= min_size]
        waiting = candidates[end - candidates < min_size]
        totals = best[ready] + cost(ready, end) + penalty
        choice = int(np.argmin(totals))
        best[end], previous[end] = totals[choice], ready[choice]
        # PELT pruning (Killick et al. 2012, with K = 0 for these costs): a start that cannot beat
        # the optimum now never will.
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


# -- serial dependence (issue 25) ------------------------------------------------------------------
# Real dyad series have memory: a relationship that was busy last year tends to be busy this year.
# Noise with memory wanders, and the penalties above (calibrated on series without memory) then
# read its slow swings as regimes (AR(1) with φ = 0.5: 26 % false breaks). Two models of that memory
# are used, one for each kind of series:
#
# * **Dense series** (no value covers a quarter of the periods): the segment cost is the exact
#   Gaussian likelihood of an AR(1) process around each segment's level (the segments' noise
#   independent of each other), and φ is chosen with the breaks: the pair (φ, at most two breaks)
#   with the best MBIC-penalised fit. Memory and level shifts leave different marks: AR(1) noise is
#   smooth from one period to the next, white noise with a shift is rough between two plateaus, so
#   the likelihood tells "a shift" from "memory" where a variance-only argument cannot. The penalty
#   is MBIC (and the permutation floor) in units of the innovation variance. Prewhitened level
#   shifts keep their full jump at the break, which also dates them more precisely.
# * **Sparse series** (mostly empty periods, many ties): a Gaussian likelihood would read a burst of
#   persistent activity as two breaks, so the cost stays the plain one on the normal scores and the
#   penalty floor comes from *surrogates*: series with exactly the observed values (ties and all),
#   ordered by a latent Gaussian process with the series' own memory (AR(1) plus white noise, fitted
#   by Whittle's likelihood). With no memory the surrogates are random permutations and the floor is
#   the permutation floor above.

#: The AR(1) coefficients searched for dense series, and the largest one used (beyond it, memory
#: and a level shift cannot be told apart in 78 or 240 periods).
AR_GRID = np.round(np.arange(0.0, 0.901, 0.05), 2)
PHI_MAX = 0.9
#: In the choice of φ, a break costs this many times MBIC (breaks must beat memory by a margin).
PROFILE_PENALTY = 1.0
#: A series is sparse when one value (usually "no events") covers at least this share of periods.
SPARSE_TIES = 0.25
#: Whittle's fit ignores the lowest Fourier frequencies, where a level shift puts most of its power:
#: j < max(3, n / LOWEST_DIVISOR).
LOWEST_DIVISOR = 40
#: Surrogates for the floor of sparse series (the permutation floor's count, quantile and seed).
SURROGATES = PERMUTATIONS
_WHITE_SHARES = np.round(np.arange(0.0, 1.0001, 0.05), 2)


def tie_share(values: FloatArray) -> float:
    """The share of periods taken by the most frequent value (0 for an empty series)."""
    signal = np.asarray(values, dtype=float).reshape(-1)
    if len(signal) == 0:
        return 0.0
    _, counts = np.unique(signal, return_counts=True)
    return float(counts.max() / len(signal))


def _ar_cumsums(values: FloatArray, phi: float) -> tuple[FloatArray, FloatArray]:
    """Cumulative sums of the prewhitened series z_t = y_t − φ y_{t−1} (z_0 = 0) and of z_t²."""
    z = np.zeros_like(values)
    z[1:] = values[1:] - phi * values[:-1]
    return np.concatenate([[0.0], np.cumsum(z)]), np.concatenate([[0.0], np.cumsum(z * z)])


def ar_segment_cost(
    values: FloatArray, sums: tuple[FloatArray, FloatArray], phi: float, start: NDArray[np.int_], end: NDArray[np.int_]
) -> FloatArray:
    """−2 log-likelihood (times the innovation variance) of AR(1) noise around one level, per segment.

    For the segment y_a … y_{b−1} with level μ: (1 − φ²)(y_a − μ)² + Σ_{t=a+1}^{b−1} (z_t − (1 − φ)μ)²,
    z_t = y_t − φ y_{t−1}, minimised over μ (a quadratic, so closed form from cumulative sums).
    The first period of a segment is drawn from the stationary distribution, so the segments' noise
    is independent; φ = 0 gives the plain Σ (y_t − ȳ)².
    """
    cum_z, cum_z2 = sums
    h, g = 1.0 - phi * phi, 1.0 - phi
    body = end - start - 1
    first = values[start]
    z1 = cum_z[end] - cum_z[start + 1]
    z2 = cum_z2[end] - cum_z2[start + 1]
    a = h + body * g * g
    b = h * first + g * z1
    return np.asarray(h * first * first + z2 - b * b / a, dtype=np.float64)


def pelt_ar(signal: FloatArray, *, phi: float, min_size: int, penalty: float) -> list[int]:
    """Exact PELT with the AR(1) segment cost of :func:`ar_segment_cost` (φ = 0: :func:`pelt_mean`)."""
    values = np.asarray(signal, dtype=float).reshape(-1)
    n = len(values)
    if phi == 0:
        return pelt_mean(values, min_size=min_size, penalty=penalty)
    if n < 2 * min_size:
        return []
    sums = _ar_cumsums(values, phi)

    def cost(ready: NDArray[np.int_], end: int) -> FloatArray:
        return ar_segment_cost(values, sums, phi, ready, np.full(len(ready), end))

    return _pelt(n, cost, min_size=min_size, penalty=penalty)


def segmentation_cost(values: FloatArray, starts: list[int], phi: float = 0.0) -> float:
    """Σ of the segments' AR(φ) costs (φ = 0: the residual sum of squares around segment means)."""
    signal = np.asarray(values, dtype=float).reshape(-1)
    bounds = np.array([0, *starts, len(signal)])
    sums = _ar_cumsums(signal, phi)
    return float(ar_segment_cost(signal, sums, phi, bounds[:-1], bounds[1:]).sum())


def single_break_gains(values: FloatArray, *, phi: float, min_size: int) -> tuple[NDArray[np.int_], FloatArray]:
    """The decrease in cost from one break at each allowed position (the first period of the new regime)."""
    signal = np.asarray(values, dtype=float).reshape(-1)
    n = len(signal)
    positions = np.arange(min_size, n - min_size + 1)
    if len(positions) == 0:
        return positions, np.zeros(0)
    sums = _ar_cumsums(signal, phi)
    whole = ar_segment_cost(signal, sums, phi, np.array([0]), np.array([n]))[0]
    left = ar_segment_cost(signal, sums, phi, np.zeros(len(positions), dtype=int), positions)
    right = ar_segment_cost(signal, sums, phi, positions, np.full(len(positions), n))
    return positions, np.asarray(whole - left - right, dtype=np.float64)


def _best_two_costs(values: FloatArray, phi: float, min_size: int) -> tuple[float, float, float]:
    """Cost with no break, the best single break and the best two (binary segmentation)."""
    n = len(values)
    sums = _ar_cumsums(values, phi)
    whole = float(ar_segment_cost(values, sums, phi, np.array([0]), np.array([n]))[0])
    positions, gains = single_break_gains(values, phi=phi, min_size=min_size)
    if len(positions) == 0:
        return whole, whole, whole
    first = int(positions[int(np.argmax(gains))])
    one = whole - float(gains.max())
    two = one
    for begin, end in ((0, first), (first, n)):
        inner = np.arange(begin + min_size, end - min_size + 1)
        if len(inner) == 0:
            continue
        part = ar_segment_cost(values, sums, phi, np.array([begin]), np.array([end]))[0]
        split = ar_segment_cost(values, sums, phi, np.full(len(inner), begin), inner) + ar_segment_cost(
            values, sums, phi, inner, np.full(len(inner), end)
        )
        two = min(two, one - float(part) + float(split.min()))
    return whole, one, two


def profile_ar(values: FloatArray, *, min_size: int) -> tuple[float, float]:
    """(φ, innovation variance) of the best MBIC-penalised fit of AR(1) noise with up to two breaks.

    Searching φ together with the breaks keeps a genuine level shift from passing for memory (a
    shift fitted as memory leaves rough, large innovations) and memory from passing for shifts (the
    breaks must pay MBIC). φ ≤ :data:`PHI_MAX`.
    """
    signal = np.asarray(values, dtype=float).reshape(-1)
    n = len(signal)
    penalty = PROFILE_PENALTY * mbic_penalty(n)
    best = (np.inf, 0.0, float(signal.var()))
    for phi in AR_GRID:
        for breaks, cost in enumerate(_best_two_costs(signal, float(phi), min_size)):
            criterion = n * math.log(max(cost, 1e-12) / n) + breaks * penalty
            if criterion < best[0]:
                best = (criterion, float(phi), cost / n)
    return best[1], best[2]


def whittle_memory(values: FloatArray) -> tuple[float, float, float]:
    """(variance, c, φ) of AR(1)-plus-white-noise memory, ρ_k = c·φ^k, by Whittle's likelihood.

    The series is detrended (a line) and the lowest frequencies (j < max(3, n/40)) are left out,
    where a level shift or a trend puts its power; grid search, φ ≤ :data:`PHI_MAX`. The
    long-run-variance ratio of the fit is (1 − c) + c(1 + φ)/(1 − φ).
    """
    signal = np.asarray(values, dtype=float).reshape(-1)
    n = len(signal)
    if n < 8 or np.ptp(signal) == 0:
        return float(signal.var()), 0.0, 0.0
    t = np.arange(n) - (n - 1) / 2
    centred = signal - signal.mean()
    centred = centred - t * (t @ centred) / (t @ t)
    periodogram = np.abs(np.fft.rfft(centred)) ** 2 / n
    j = np.arange(len(periodogram))
    keep = (j >= max(3, round(n / LOWEST_DIVISOR))) & (j < n / 2)
    if keep.sum() < 4:
        return float(signal.var()), 0.0, 0.0
    shape = _whittle_shapes(n, max(3, round(n / LOWEST_DIVISOR)))
    ordinates = periodogram[keep]
    scale = (ordinates[None, None, :] / shape).mean(axis=-1)
    objective = np.log(shape).mean(axis=-1) + np.log(scale)
    share, phi = np.unravel_index(int(np.argmin(objective)), objective.shape)
    return float(scale[share, phi]), float(_WHITE_SHARES[share]), float(AR_GRID[phi])


@lru_cache(maxsize=64)
def _whittle_shapes(n: int, lowest: int) -> FloatArray:
    j = np.arange(n // 2 + 1)
    omega = 2 * np.pi * j[(j >= lowest) & (j < n / 2)] / n
    phis = AR_GRID[:, None]
    ar = (1 - phis**2) / (1 - 2 * phis * np.cos(omega)[None, :] + phis**2)
    return np.asarray((1 - _WHITE_SHARES)[:, None, None] + _WHITE_SHARES[:, None, None] * ar[None], dtype=np.float64)


def long_run_ratio(c: float, phi: float) -> float:
    """Long-run variance over variance for ρ_k = c·φ^k: (1 − c) + c(1 + φ)/(1 − φ)."""
    return (1.0 - c) + c * (1.0 + phi) / (1.0 - phi)


def _hermite_weights(ordered: FloatArray, terms: int = 30) -> FloatArray:
    """Weights w_k (k = 1 … terms, the rest in the last) of corr(f(X), f(Y)) = Σ_k w_k ρ^k.

    f maps a standard normal onto the sorted values (the i-th n-quantile cell onto the i-th value),
    so putting the values on the ranks of a Gaussian series with correlation ρ gives correlation
    Σ_k w_k ρ^k, w_k = a_k²/Var f with a_k the Hermite coefficients of f (Mehler's formula; for a
    step function a_k = Σ_i Δv_i h_{k−1}(q_i) φ(q_i)/√k, h the normalised Hermite polynomials).
    Ties (many empty periods) put weight on high powers: they shrink correlations.
    """
    from scipy.stats import norm

    values = np.sort(np.asarray(ordered, dtype=float))
    n = len(values)
    variance = float(values.var())
    steps = np.diff(values)
    q = norm.ppf(np.arange(1, n) / n)
    density = norm.pdf(q)
    weights = np.zeros(terms + 1)
    previous, current = np.zeros_like(q), np.ones_like(q)  # h_{-1}, h_0
    for k in range(1, terms + 1):
        weights[k - 1] = float(np.sum(steps * current * density)) ** 2 / k
        previous, current = current, (q * current - math.sqrt(k - 1) * previous) / math.sqrt(k) if k > 1 else q
    weights = weights / variance if variance > 0 else weights
    weights[terms] = max(0.0, 1.0 - weights[:terms].sum())
    return weights


def latent_memory(ordered: FloatArray, c: float, phi: float) -> tuple[float, float]:
    """The latent memory (c_L, φ_L) whose surrogates on the values ``ordered`` have the long-run
    variance of ρ_k = c·φ^k.

    Mapping a latent Gaussian series onto the observed values shrinks its correlations
    (:func:`_hermite_weights`; strongly when most values are tied): first the latent share c_L is
    raised (φ_L = φ); if even c_L = 1 falls short, φ_L is raised. Rounded up to steps of 0.05.
    """
    if c <= 0 or phi <= 0:
        return 0.0, 0.0
    weights = _hermite_weights(ordered)
    powers = np.arange(1, len(weights) + 1)
    target = long_run_ratio(c, phi)

    def ratio(share: float, coefficient: float) -> float:
        # 1 + 2 Σ_k Σ_j w_j (c_L φ_L^k)^j = 1 + 2 Σ_j w_j c_L^j φ_L^j / (1 − φ_L^j)
        geometric = coefficient**powers
        return 1.0 + 2.0 * float((weights * share**powers * geometric / (1.0 - geometric)).sum())

    def solve(function: Any, low: float, high: float) -> float:
        for _ in range(30):
            middle = (low + high) / 2
            low, high = (middle, high) if function(middle) < target else (low, middle)
        return high

    if ratio(1.0, phi) >= target:
        share, coefficient = solve(lambda s: ratio(s, phi), 0.0, 1.0), phi
    else:
        share, coefficient = (
            1.0,
            solve(lambda f: ratio(1.0, f), phi, PHI_MAX) if ratio(1.0, PHI_MAX) > target else PHI_MAX,
        )
    return math.ceil(share * 20 - 0.1) / 20, min(PHI_MAX, math.ceil(coefficient * 20 - 0.1) / 20)


def surrogate_penalty(
    scores: FloatArray,
    c: float,
    phi: float,
    *,
    min_size: int = 3,
    surrogates: int = SURROGATES,
    quantile: float = PERMUTATION_QUANTILE,
    seed: int = PERMUTATION_SEED,
) -> float:
    """The permutation floor for a series with memory: the ``quantile`` of the best gain of one break or
    one burst over surrogates that keep the series' values and have its memory (ρ_k = c·φ^k).

    Each surrogate puts the sorted scores on the ranks of a latent Gaussian series √c_L·AR(1)_{φ_L} +
    √(1 − c_L)·white ((c_L, φ_L) from :func:`latent_memory`): with c = 0 these are random permutations and
    the result is :func:`permutation_penalty`. Vectorised over surrogates; cached on the values'
    pattern and the (rounded) memory.
    """
    signal = np.asarray(scores, dtype=float).reshape(-1)
    if len(signal) < 2 * min_size:
        return 0.0
    ordered = np.sort(signal - signal.mean())
    latent, coefficient = latent_memory(ordered, c, phi)
    if latent == 0 or coefficient == 0:
        return permutation_penalty(signal, min_size=min_size, permutations=surrogates, quantile=quantile, seed=seed)
    return _surrogate_penalty(ordered.round(9).tobytes(), latent, coefficient, min_size, surrogates, quantile, seed)


@lru_cache(maxsize=4096)
def _surrogate_penalty(
    ordered: bytes, latent: float, phi: float, min_size: int, surrogates: int, quantile: float, seed: int
) -> float:
    from scipy.signal import lfilter

    values = np.frombuffer(ordered, dtype=np.float64)
    n = len(values)
    rng = np.random.default_rng(seed)
    memory = rng.normal(size=(surrogates, n))
    memory[:, 1:] *= math.sqrt(1 - phi * phi)
    memory = lfilter([1.0], [1.0, -phi], memory, axis=1)
    latent_series = math.sqrt(latent) * memory + math.sqrt(1 - latent) * rng.normal(size=(surrogates, n))
    series = np.empty_like(latent_series)
    np.put_along_axis(series, np.argsort(latent_series, axis=1), np.broadcast_to(values, series.shape), axis=1)
    return float(np.quantile(_best_gains(series, min_size), quantile))


def _best_gains(series: FloatArray, min_size: int) -> FloatArray:
    """Per row: the best gain of one break, or of one interior burst (two breaks, gain halved).

    The rows are centred, so a segment of length L with sum S gains S²·n/(L(n − L)).
    """
    rows, n = series.shape
    centred = series - series.mean(axis=1, keepdims=True)
    cumulative = np.zeros((rows, n + 1))
    np.cumsum(centred, axis=1, out=cumulative[:, 1:])
    k = np.arange(min_size, n - min_size + 1)
    best = (np.square(cumulative[:, k]) * (n / (k * (n - k)))).max(axis=1)
    for length in range(min_size, min(n // 4, MAX_BURST) + 1):
        last = n - min_size - length  # bursts start in [min_size, last]
        if last < min_size:
            break
        window = cumulative[:, min_size + length : last + length + 1] - cumulative[:, min_size : last + 1]
        peak = np.maximum(window.max(axis=1), -window.min(axis=1))
        best = np.maximum(best, peak * peak * (n / (length * (n - length)) / 2.0))
    return np.asarray(best, dtype=np.float64)


class CostARScores(BaseCost):  # type: ignore[misc]
    """:func:`ar_segment_cost` for ruptures' binary segmentation, on an already prepared series."""

    model = "ar_scores"

    def __init__(self, phi: float = 0.0, min_size: int = 2) -> None:
        self.phi = phi
        self.min_size = min_size
        self.signal: FloatArray | None = None
        self._values: FloatArray = np.zeros(1)
        self._sums: tuple[FloatArray, FloatArray] = (np.zeros(1), np.zeros(1))

    def fit(self, signal: FloatArray) -> CostARScores:
        self._values = np.asarray(signal, dtype=float).reshape(-1)
        self.signal = self._values.reshape(-1, 1)
        self._sums = _ar_cumsums(self._values, self.phi)
        return self

    def error(self, start: int, end: int) -> float:
        if end - start < self.min_size:
            raise NotEnoughPoints
        cost = ar_segment_cost(self._values, self._sums, self.phi, np.array([start]), np.array([end]))[0]
        return float(max(cost, 0.0))


def activity_penalty(
    scores: FloatArray,
    active: NDArray[np.bool_],
    *,
    min_size: int = 3,
    surrogates: int = SURROGATES,
    quantile: float = PERMUTATION_QUANTILE,
    seed: int = PERMUTATION_SEED,
) -> float:
    """The floor for memory in *activity*: surrogates whose busy periods cluster as the series' do.

    When the most common value ("no events") lies inside the range of the others, as a Goldstein sum
    of 0 between conflict and cooperation, a burst of activity moves the scores to both sides and the
    linear memory of :func:`surrogate_penalty` misses it. Here the active periods follow a latent
    Gaussian series with the memory of the activity indicator (:func:`whittle_memory`,
    :func:`latent_memory`), and the observed scores of active and quiet periods are dealt at random
    into the active and quiet places. The ``quantile`` of the best one-break or one-burst gain.
    """
    signal = np.asarray(scores, dtype=float).reshape(-1)
    busy = np.asarray(active, dtype=bool).reshape(-1)
    count = int(busy.sum())
    if len(signal) < 2 * min_size or count in (0, len(signal)):
        return 0.0
    indicator = busy.astype(float)
    _, c, phi = whittle_memory(indicator)
    latent, coefficient = latent_memory(np.sort(indicator - indicator.mean()), c, phi)
    centred = signal - signal.mean()
    return _activity_penalty(
        np.sort(centred[busy]).round(9).tobytes(), np.sort(centred[~busy]).round(9).tobytes(), latent, coefficient,
        min_size, surrogates, quantile, seed,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _activity_penalty(
    busy: bytes, quiet: bytes, latent: float, phi: float, min_size: int, surrogates: int, quantile: float, seed: int
) -> float:
    from scipy.signal import lfilter

    active_values = np.frombuffer(busy, dtype=np.float64)
    quiet_values = np.frombuffer(quiet, dtype=np.float64)
    count, n = len(active_values), len(active_values) + len(quiet_values)
    rng = np.random.default_rng(seed)
    memory = rng.normal(size=(surrogates, n))
    if latent > 0 and phi > 0:
        memory[:, 1:] *= math.sqrt(1 - phi * phi)
        memory = math.sqrt(latent) * lfilter([1.0], [1.0, -phi], memory, axis=1) + math.sqrt(1 - latent) * rng.normal(
            size=(surrogates, n)
        )
    order = np.argsort(-memory, axis=1)  # the `count` highest latent values are the active periods
    dealt = np.concatenate(
        [rng.permuted(np.broadcast_to(active_values, (surrogates, count)), axis=1),
         rng.permuted(np.broadcast_to(quiet_values, (surrogates, n - count)), axis=1)], axis=1,
    )  # fmt: skip
    series = np.empty_like(memory)
    np.put_along_axis(series, order, dealt, axis=1)
    return float(np.quantile(_best_gains(series, min_size), quantile))


# -- dense series: a test for a change first (issue 25) --------------------------------------------
# Choosing φ together with the breaks (profile_ar above) lets φ absorb a genuine shift: on yearly
# AR(1) series with φ = 0.7 half of the 2 s.d. shifts were read as memory. Dense series are
# therefore first asked *whether* there is a change at all, by a likelihood-ratio test built for
# dependent data: Andrews' (1993, *Econometrica* 61: 821–856) sup-LR over every date, with the
# exact Gaussian likelihood of AR(1) noise and φ estimated *separately* under "no change" and under
# the alternative (so the alternative's φ is not inflated by the shift); beside one shift, one
# interior regime (the epidemic alternative, Levin & Kline 1985), which counts as two breaks (its
# LR halved). Further breaks: Bai & Perron's (1998, *Econometrica* 66: 47–78) sequential test within
# the regimes found. The statistic's null law depends on φ: the critical value comes from a
# parametric bootstrap of AR(1) noise at the median-unbiased φ (Andrews 1993, *Econometrica* 61:
# 139–165: the φ whose estimates on series without change have the observed estimate as their
# median), tabulated once (:mod:`dyadwatch.analysis.shift_table`).

#: The AR(1) coefficients over which the likelihoods are maximised (and the table computed).
TEST_GRID = np.round(np.arange(0.0, 0.951, 0.05), 2)
#: The test's nominal level: below 5 % because φ is estimated (at a nominal 4 % the size reached 5.7 %
#: on yearly AR(1) series with φ = 0.7; docs/methods.md §2). The shortest segment tested for a further break.
TEST_LEVEL = 0.03
MIN_TESTED = 10


def _prais_winsten(matrix: FloatArray, phi: float) -> FloatArray:
    """The Prais–Winsten transform along the last axis: √(1 − φ²)·y_1, y_t − φ·y_{t−1}."""
    out = np.empty_like(matrix)
    out[..., 1:] = matrix[..., 1:] - phi * matrix[..., :-1]
    out[..., 0] = math.sqrt(1.0 - phi * phi) * matrix[..., 0]
    return out


@lru_cache(maxsize=16)
def _design(n: int, min_size: int) -> tuple[Any, Any, list[tuple[Any, ...]]]:
    """What does not depend on the data: the break dates, the allowed regimes (pairs of date indices)
    and, per φ of :data:`TEST_GRID`, the transformed constant and steps (the steps' residuals on the
    constant, their squared norms, and 1/‖s_a − s_b‖² of every allowed regime, 0 elsewhere)."""
    dates = np.arange(min_size, n - min_size + 1)
    steps = np.asarray(np.arange(n)[None, :] >= dates[:, None], dtype=float)
    first, last = np.triu_indices(len(dates), k=min_size)
    per_phi = []
    for phi in TEST_GRID:
        c = _prais_winsten(np.ones(n), float(phi))
        s = _prais_winsten(steps, float(phi))
        s_res = s - np.outer(s @ c / float(c @ c), c)
        gram = s_res @ s_res.T
        ss = np.diag(gram).copy()
        inverse = np.zeros_like(gram)
        inverse[first, last] = 1.0 / (ss[first] + ss[last] - 2.0 * gram[first, last])
        per_phi.append((c, float(c @ c), s_res, ss, inverse))
    return dates, (first, last), per_phi


@dataclass(frozen=True)
class ShiftScan:
    """Per row of a batch: the statistic, the break(s) it points at (a date and −1, or a regime's first
    and end dates) and φ estimated under that alternative."""

    statistic: FloatArray
    at: NDArray[np.int_]
    phi: FloatArray


def shift_scan(series: FloatArray, *, min_size: int) -> ShiftScan:
    """The sup-LR statistic of one shift or one interior regime against no change, AR(1) noise.

    −2 log L of y = μ + (δ·regressor) + u, u AR(1) with coefficient φ, the variance concentrated out,
    is n·log(RSS/n) − log(1 − φ²), RSS of the Prais–Winsten-transformed regression (the exact Gaussian
    likelihood). Each hypothesis takes its own best φ in :data:`TEST_GRID`. The statistic is the larger
    of L₀ − L(best shift) and (L₀ − L(best regime))/2. One matrix product per φ gives every date of
    every row; the regimes follow from the same products (a regime's regressor is the difference of
    two steps), so a batch of bootstrap series costs little more than one.
    """
    rows = np.atleast_2d(np.asarray(series, dtype=float))
    count, n = rows.shape
    dates, (first, last), per_phi = _design(n, min_size)
    null = np.full(count, np.inf)
    single, regime = np.full(count, np.inf), np.full(count, np.inf)
    single_at, regime_at = np.zeros(count, dtype=int), np.zeros((count, 2), dtype=int)
    single_phi, regime_phi = np.zeros(count), np.zeros(count)
    for phi, (c, cc, s_res, ss, inverse) in zip(TEST_GRID, per_phi, strict=True):
        y = _prais_winsten(rows, float(phi))
        y_res = y - np.outer(y @ c / cc, c)
        sy = y_res @ s_res.T
        rss0 = np.einsum("ij,ij->i", y_res, y_res)
        gains = sy * sy / ss[None, :]
        k = np.argmax(gains, axis=1)
        one = gains[np.arange(count), k]
        two = np.zeros(count)
        pair = np.zeros(count, dtype=int)
        if len(first):
            # Every regime [dates[a], dates[b]) at once (the weights are 0 where a regime is not allowed).
            for lo in range(0, count, 64):
                chunk = sy[lo : lo + 64]
                flat = (np.square(chunk[:, :, None] - chunk[:, None, :]) * inverse).reshape(len(chunk), -1)
                pair[lo : lo + 64] = np.argmax(flat, axis=1)
                two[lo : lo + 64] = flat[np.arange(len(chunk)), pair[lo : lo + 64]]
        jacobian = math.log(1.0 - float(phi) ** 2)
        rss0 = np.maximum(rss0, 1e-300)
        null = np.minimum(null, n * np.log(rss0 / n) - jacobian)
        l1 = n * np.log(np.maximum(rss0 - one, 1e-300) / n) - jacobian
        l2 = n * np.log(np.maximum(rss0 - two, 1e-300) / n) - jacobian
        better = l1 < single
        single[better], single_at[better], single_phi[better] = l1[better], dates[k[better]], phi
        better = l2 < regime
        a, b = np.divmod(pair[better], len(dates))
        regime[better], regime_phi[better] = l2[better], phi
        regime_at[better] = np.column_stack([dates[a], dates[b]])
    lr_single, lr_regime = null - single, (null - regime) / 2.0
    chosen = lr_regime > lr_single
    at = np.where(chosen[:, None], regime_at, np.column_stack([single_at, np.full(count, -1)]))
    return ShiftScan(np.maximum(lr_single, lr_regime), at, np.where(chosen, regime_phi, single_phi))


@dataclass(frozen=True)
class ShiftTest:
    """One test: the statistic, the break(s) it points at, φ estimated under that alternative, the
    median-unbiased φ behind the critical value, and that value at ``level``."""

    statistic: float
    breaks: tuple[int, ...]
    phi_estimate: float
    phi_unbiased: float
    critical: float
    level: float

    @property
    def index(self) -> int:
        return self.breaks[0]

    @property
    def rejects(self) -> bool:
        return self.statistic > self.critical


def shift_test(values: FloatArray, *, min_size: int, level: float = TEST_LEVEL) -> ShiftTest | None:
    """The sup-LR test of one level shift or one interior regime against none in AR(1) noise (see
    :func:`shift_scan`); None when the series is too short to test."""
    from dyadwatch.analysis.shift_table import critical_value, median_unbiased

    signal = np.asarray(values, dtype=float).reshape(-1)
    n = len(signal)
    if n < max(2 * min_size + 1, MIN_TESTED) or np.ptp(signal) == 0:
        return None
    scan = shift_scan(signal[None, :], min_size=min_size)
    unbiased = median_unbiased(n, float(scan.phi[0]))
    found = tuple(int(b) for b in scan.at[0] if b >= 0)
    return ShiftTest(
        float(scan.statistic[0]), found, float(scan.phi[0]), unbiased, critical_value(n, unbiased, level), level
    )


def sequential_shifts(
    values: FloatArray, *, min_size: int, level: float = TEST_LEVEL, factor: float = 1.0
) -> tuple[list[int], ShiftTest | None]:
    """Breaks by Bai & Perron's sequential procedure: the test on the whole series, then, while one
    rejects, on each regime at level ``level``/(l + 1) with l breaks found (Bonferroni over the
    regimes), adding the most significant break(s) each round. ``factor`` scales every critical value
    (the penalty sweep). Returns the breaks and the first test (None when the series is too short)."""
    signal = np.asarray(values, dtype=float).reshape(-1)
    first = shift_test(signal, min_size=min_size, level=level)
    if first is None or first.statistic <= factor * first.critical:
        return [], first
    starts = list(first.breaks)
    while True:
        bounds = [0, *starts, len(signal)]
        share = level / (len(starts) + 1)
        best: tuple[float, list[int]] | None = None
        for begin, end in pairwise(bounds):
            test = shift_test(signal[begin:end], min_size=min_size, level=share)
            if test is not None and test.statistic > factor * test.critical:
                ratio = test.statistic / (factor * test.critical)
                if best is None or ratio > best[0]:
                    best = (ratio, [begin + b for b in test.breaks])
        if best is None:
            return sorted(starts), first
        starts = sorted([*starts, *best[1]])
