"""Segment costs for ruptures that it does not ship: Poisson (event counts) and a scaled normal mean.

Both are −2 × log-likelihood of a segment up to terms that do not depend on the segmentation, so a
penalty on the same scale (MBIC, :func:`mbic_penalty`) applies to either.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from ruptures.base import BaseCost
from ruptures.costs import NotEnoughPoints


def mbic_penalty(n_periods: int) -> float:
    """MBIC penalty per changepoint, 3·log n (Zhang & Siegmund 2007, *Biometrics* 63: 22–32).

    It is the default of R ``changepoint`` (Killick & Eckley 2014) for a change in one parameter;
    the small segment-length term of the full MBIC is left out.
    """
    return 3.0 * math.log(max(n_periods, 2))


class CostPoisson(BaseCost):  # type: ignore[misc]
    """Poisson segment cost C = 2·S·log n − 2·S·log S (S = segment sum, n = its length).

    The cost of R ``changepoint``'s ``test.stat = "Poisson"`` (Killick & Eckley 2014), i.e.
    −2 log-likelihood of a Poisson segment with its maximum-likelihood rate; Chen & Gupta (2000),
    *Parametric Statistical Change Point Analysis*. Values need not be integers (normalised counts
    then behave as a quasi-Poisson cost), but must not be negative.
    """

    model = "poisson"

    def __init__(self, min_size: int = 2) -> None:
        self.min_size = min_size
        self.signal: NDArray[np.float64] | None = None
        self._cumsum: NDArray[np.float64] = np.zeros(1)

    def fit(self, signal: NDArray[np.float64]) -> CostPoisson:
        values = np.asarray(signal, dtype=float).reshape(-1)
        if np.any(values < 0):
            raise ValueError("the Poisson cost needs counts (no negative values)")
        self.signal = values.reshape(-1, 1)
        self._cumsum = np.concatenate([[0.0], np.cumsum(values)])
        return self

    def error(self, start: int, end: int) -> float:
        if end - start < self.min_size:
            raise NotEnoughPoints
        total = self._cumsum[end] - self._cumsum[start]
        if total <= 0:
            return 0.0
        return float(2.0 * total * math.log(end - start) - 2.0 * total * math.log(total))


class CostNormalMean(BaseCost):  # type: ignore[misc]
    """Normal change-in-mean cost Σ (y_t − ȳ)² / σ², with one noise scale σ for the whole series.

    σ is estimated robustly from first differences, σ̂ = MAD(Δy) / (0.6745·√2), so that level shifts
    do not inflate it (the usual estimator in changepoint work, e.g. Fryzlewicz 2014, *Ann. Stat.*).
    Heavy-tailed single periods (a nuclear-test month) can still create short segments; the minimum
    segment length guards against that.
    """

    model = "normal_mean"

    def __init__(self, min_size: int = 2) -> None:
        self.min_size = min_size
        self.signal: NDArray[np.float64] | None = None
        self.scale = 1.0
        self._cumsum: NDArray[np.float64] = np.zeros(1)
        self._cumsum_squares: NDArray[np.float64] = np.zeros(1)

    def fit(self, signal: NDArray[np.float64]) -> CostNormalMean:
        values = np.asarray(signal, dtype=float).reshape(-1)
        self.scale = robust_scale(values)
        scaled = values / self.scale
        self.signal = scaled.reshape(-1, 1)
        self._cumsum = np.concatenate([[0.0], np.cumsum(scaled)])
        self._cumsum_squares = np.concatenate([[0.0], np.cumsum(scaled**2)])
        return self

    def error(self, start: int, end: int) -> float:
        if end - start < self.min_size:
            raise NotEnoughPoints
        total = self._cumsum[end] - self._cumsum[start]
        squares = self._cumsum_squares[end] - self._cumsum_squares[start]
        return float(max(squares - total * total / (end - start), 0.0))


def robust_scale(values: NDArray[np.float64]) -> float:
    """Noise s.d. from the MAD of first differences; falls back to the plain s.d., then to 1."""
    if len(values) >= 3:
        differences = np.diff(values)
        mad = float(np.median(np.abs(differences - np.median(differences))))
        if mad > 0:
            return mad / (0.6745 * math.sqrt(2.0))
    spread = float(np.std(values))
    return spread if spread > 0 else 1.0
