"""The reference tests of the breaks calibration (dyadwatch.testing.oracle_breaks): right statistic, right size."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import toeplitz

from dyadwatch.testing import oracle_breaks as oracle
from dyadwatch.testing.series import ar1_series, inar_series

pytestmark = pytest.mark.slow


def _ar1(n: int, phi: float, seed: int) -> np.ndarray:
    return ar1_series(n, phi, seed=seed).frame["goldstein_mean"].to_numpy(dtype=float)


def test_step_t_is_the_gls_t_statistic() -> None:
    """Against GLS written out: β = (X'Ω⁻¹X)⁻¹X'Ω⁻¹y with Ω the AR(1) correlation, σ² from the GLS residuals."""
    n, phi, date = 60, 0.6, 25
    y = _ar1(n, phi, 4) + 0.8 * (np.arange(n) >= date)
    x = np.column_stack([np.ones(n), np.arange(n) >= date]).astype(float)
    inverse = np.linalg.inv(toeplitz(phi ** np.arange(n)))
    information = x.T @ inverse @ x
    beta = np.linalg.solve(information, x.T @ inverse @ y)
    residual = y - x @ beta
    sigma2 = float(residual @ inverse @ residual) / (n - 2)
    expected = beta[1] / np.sqrt(sigma2 * np.linalg.inv(information)[1, 1])
    got = oracle.step_t(y, oracle.step_matrix(n, [date]), phi)[0, 0]
    assert got == pytest.approx(expected, rel=1e-9)
    # With φ = 0 it is the ordinary two-sample t (pooled variance).
    before, after = y[:date], y[date:]
    pooled = (((before - before.mean()) ** 2).sum() + ((after - after.mean()) ** 2).sum()) / (n - 2)
    plain = (after.mean() - before.mean()) / np.sqrt(pooled * (1 / date + 1 / (n - date)))
    assert oracle.step_t(y, oracle.step_matrix(n, [date]), 0.0)[0, 0] == pytest.approx(plain, rel=1e-9)


def test_the_gaussian_oracle_holds_its_size_and_needs_the_memory() -> None:
    """Exact t law with the true φ: about 5 % on AR(1) series without change; ignoring φ it is far above."""
    seeds, n, phi = 400, 78, 0.7
    dates = np.random.default_rng(1).integers(n // 4, 3 * n // 4 + 1, seeds)
    series = [_ar1(n, phi, seed) for seed in range(seeds)]
    size = np.mean([oracle.gaussian_rejects(y, [int(d)], phi) for y, d in zip(series, dates, strict=True)])
    assert 0.05 - 3 * 0.011 <= size <= 0.05 + 3 * 0.011, size
    blind = np.mean([oracle.gaussian_rejects(y, [int(d)], 0.0) for y, d in zip(series, dates, strict=True)])
    assert blind > 0.25, blind


def test_the_simulated_critical_values_hold_their_size_on_counts() -> None:
    """INAR(1) counts: the known-date and the date-search references reject about 5 % of fresh null series."""
    n, phi, mean = 78, 0.7, 0.6

    def counts(seed: int) -> np.ndarray:
        return inar_series(n, phi, mean=mean, seed=seed).frame["events"].to_numpy(dtype=float)

    bank = oracle.null_bank(np.array([counts(100_000 + k) for k in range(1000)]), 0.0, 3)
    fresh = [counts(seed) for seed in range(400)]
    dates = np.random.default_rng(2).integers(n // 4, 3 * n // 4 + 1, len(fresh))
    known = np.mean([oracle.known_date_rejects(y, [int(d)], bank) for y, d in zip(fresh, dates, strict=True)])
    search = np.mean([oracle.search_rejects(y, bank) for y in fresh])
    for size in (known, search):
        assert 0.05 - 3 * 0.011 <= size <= 0.05 + 3 * 0.011, (known, search)
    # A shift of 2 marginal s.d. at a known middle date is found far more often than 5 %.
    shifted = inar_series(n, phi, mean=mean, shift=2.0, break_index=39, seed=7).frame["events"].to_numpy(float)
    assert oracle.step_t(shifted, oracle.step_matrix(n, [39]), 0.0)[0, 0] > 0


def test_the_regime_search_reference_holds_its_size_and_finds_a_regime() -> None:
    """Yearly AR(1), φ known: the largest |t| over every regime rejects about 5 % of fresh null series (its
    critical value from a separate bank), far more of series with a regime 2 s.d. up over the middle third,
    and its largest |t| is the one of the planted regime's edges when that regime is large."""
    n, phi = 78, 0.5
    bank = oracle.null_bank(np.array([_ar1(n, phi, 200_000 + k) for k in range(800)]), phi, 3)
    fresh = [_ar1(n, phi, seed) for seed in range(400)]
    size = np.mean([oracle.regime_search_rejects(y, bank) for y in fresh])
    assert 0.05 - 3 * 0.011 <= size <= 0.05 + 3 * 0.011, size
    raised = [
        ar1_series(n, phi, shift=2.0, break_index=26, until=52, seed=seed).frame["goldstein_mean"].to_numpy(float)
        for seed in range(100)
    ]
    assert np.mean([oracle.regime_search_rejects(y, bank) for y in raised]) > 0.8
    big = _ar1(n, phi, 5) + 10.0 * ((np.arange(n) >= 30) & (np.arange(n) < 50))
    steps = oracle.regime_steps(n, 3)
    best = int(np.argmax(np.abs(oracle.step_t(big, steps, phi))[0]))
    assert (int(np.argmax(steps[:, best])), int(steps[:, best].sum())) == (30, 20)
