"""The bivariate dyad VAR shared by :mod:`flexibility` and the strategy simulator (issue 5).

For a dyad (F, P) the system is y_t = (x_t, z_t)' with x_t = NC_{F→P,t} and z_t = NC_{P→F,t}::

    y_t = c + Σ_{i=1..p} A_i y_{t−i} + u_t,   u_t ~ (0, Σ)

(Goldstein & Freeman 1991, *APSR* 85(1); Goldstein & Pevehouse 1997, *APSR* 91(3); mechanics as in
Lütkepohl 2005). Public API::

    var = fit_dyad_var(focus_to_partner, partner_to_focus, max_lags=4)
    var.lags, var.intercept, var.coefficients (p × 2 × 2), var.sigma, var.residuals
    var.granger_p            # F-test "z helps predict x" (statsmodels test_causality)
    var.responsiveness(6)    # cumulative orthogonalised IRF of x to a one-s.d. z shock (x first), h = 0..6
    var.flexibility(6)       # Cholesky FEVD share of x's 6-step variance due to z, x ordered first
    var.flexibility_upper(6) # the same share with z ordered first (same-period co-movement credited to z)
    var.co_movement          # correlation of the two residuals in the same period
    var.inertia              # Σ_i A_i[x, x], the own-lag sum ("routine")
    var.stable               # all companion roots inside the unit circle
    var.simulate(steps, rng) # a path from the fitted model (for simulations)
    bootstrap_vars(var, draws, rng)  # residual-bootstrap refits with the same lag order

Why two orderings (design §8, issue 9). Both sides of one meeting are usually reported in the same
period (a visit has a row each way; GDELT codes both sides), so the two residuals are correlated
without either side answering the other. Order-free measures (the generalised FEVD of Pesaran & Shin
1998 / Diebold & Yilmaz 2012, used before) give the partner a share of every common shock and so
credit co-reporting as flexibility. A Cholesky decomposition with the focus country ordered first
(Sims 1980; Lütkepohl 2005 §2.3.2) gives the partner's shock no same-period effect on the focus
country: what remains reaches it only through the partner's past, which is the lower bound.
Ordering the partner first credits all same-period co-movement to the partner: the upper bound.
The generalised measures are kept (``generalised_irf``, ``generalised_fevd``) for comparison.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dyadwatch.errors import InsufficientDataError

FloatArray = NDArray[np.float64]

#: The horizon of responsiveness and flexibility (design §8: 6 periods).
HORIZON = 6
#: Fewest usable periods for a bivariate VAR, whatever the lag order.
MIN_VAR_PERIODS = 12


@dataclass(frozen=True)
class DyadVar:
    """A fitted bivariate VAR(p); variable 0 is focus → partner, variable 1 partner → focus."""

    lags: int
    intercept: FloatArray  # (2,)
    coefficients: FloatArray  # (lags, 2, 2): coefficients[i] is A_{i+1}
    sigma: FloatArray  # (2, 2) residual covariance (degrees-of-freedom adjusted)
    residuals: FloatArray  # (n_obs, 2)
    data: FloatArray = field(repr=False)  # (n, 2) the series the model was fitted to
    granger_p: float = float("nan")

    @property
    def n_obs(self) -> int:
        return int(self.residuals.shape[0])

    @property
    def inertia(self) -> float:
        """Σ_i A_i[x, x]: the focus country's memory / bureaucratic routine (Goldstein & Freeman 1991)."""
        return float(self.coefficients[:, 0, 0].sum())

    @property
    def reciprocity(self) -> float:
        """Σ_i A_i[x, z]: the summed lag response of F to P (> 0 reciprocity, < 0 inverse response)."""
        return float(self.coefficients[:, 0, 1].sum())

    @property
    def stable(self) -> bool:
        """True when every root of the companion matrix lies inside the unit circle."""
        p = self.lags
        companion = np.zeros((2 * p, 2 * p))
        companion[:2, :] = np.hstack(list(self.coefficients))
        if p > 1:
            companion[2:, :-2] = np.eye(2 * (p - 1))
        return bool(np.max(np.abs(np.linalg.eigvals(companion))) < 1.0)

    def ma_coefficients(self, horizon: int = HORIZON) -> FloatArray:
        """Ψ_0 … Ψ_horizon of the moving-average form (Ψ_0 = I, Ψ_h = Σ_i A_i Ψ_{h−i})."""
        psi = np.zeros((horizon + 1, 2, 2))
        psi[0] = np.eye(2)
        for h in range(1, horizon + 1):
            for i in range(1, min(h, self.lags) + 1):
                psi[h] += self.coefficients[i - 1] @ psi[h - i]
        return psi

    def generalised_irf(self, horizon: int = HORIZON) -> FloatArray:
        """GIRF[h, i, j]: response of variable i at h to a one-s.d. shock in j (Pesaran & Shin 1998)."""
        psi = self.ma_coefficients(horizon)
        scale = np.sqrt(np.diag(self.sigma))
        response = np.einsum("hik,kj->hij", psi, self.sigma) / scale[np.newaxis, np.newaxis, :]
        return np.asarray(response, dtype=np.float64)

    def responsiveness(self, horizon: int = HORIZON) -> float:
        """ρ_P(h): cumulative (h = 0…horizon) response of NC_{F→P} to a one-s.d. NC_{P→F} shock, through lags only.

        Orthogonalised with F ordered first, so the h = 0 term is zero and same-period co-movement is
        not read as a response (design §8).
        """
        return float(self.orthogonal_irf(horizon)[:, 0, 1].sum())

    @property
    def co_movement(self) -> float:
        """Correlation of the two directions' residuals in the same period (joint meetings, mirrored reports)."""
        return float(self.sigma[0, 1] / np.sqrt(self.sigma[0, 0] * self.sigma[1, 1]))

    def orthogonal_irf(self, horizon: int = HORIZON, *, focus_first: bool = True) -> FloatArray:
        """Θ[h, i, j] = (Ψ_h P)[i, j]: response of i at h to a one-s.d. orthogonalised shock in j.

        P is the lower Cholesky factor of Σ in the chosen order (Lütkepohl 2005 §2.3.2): with the
        focus country first, a partner shock has no effect on it in the same period (Θ[0, 0, 1] = 0).
        """
        order = [0, 1] if focus_first else [1, 0]
        factor = np.zeros((2, 2))
        factor[np.ix_(order, order)] = np.linalg.cholesky(self.sigma[np.ix_(order, order)])
        return np.asarray(np.einsum("hik,kj->hij", self.ma_coefficients(horizon), factor), dtype=np.float64)

    def cholesky_fevd(self, horizon: int = HORIZON, *, focus_first: bool = True) -> FloatArray:
        """FEVD θ[i, j] over steps h = 0…horizon−1 from orthogonalised shocks; rows sum to 1 exactly."""
        squares = (self.orthogonal_irf(horizon - 1, focus_first=focus_first) ** 2).sum(axis=0)
        return np.asarray(squares / squares.sum(axis=1, keepdims=True), dtype=np.float64)

    def generalised_fevd(self, horizon: int = HORIZON) -> FloatArray:
        """Generalised FEVD θ[i, j] over steps h = 0…horizon−1, rows normalised to 1 (Diebold & Yilmaz 2012)."""
        psi = self.ma_coefficients(horizon - 1)
        numerator = np.einsum("hik,kj->hij", psi, self.sigma) ** 2
        numerator = numerator.sum(axis=0) / np.diag(self.sigma)[np.newaxis, :]
        denominator = np.einsum("hik,kl,hjl->hij", psi, self.sigma, psi).sum(axis=0).diagonal()
        theta = numerator / denominator[:, np.newaxis]
        return np.asarray(theta / theta.sum(axis=1, keepdims=True), dtype=np.float64)

    def flexibility(self, horizon: int = HORIZON) -> float:
        """F_P(h): share of NC_{F→P}'s h-step forecast-error variance due to NC_{P→F} shocks, F ordered first.

        The lower bound: the partner reaches the focus country only through its past.
        """
        return float(self.cholesky_fevd(horizon, focus_first=True)[0, 1])

    def flexibility_upper(self, horizon: int = HORIZON) -> float:
        """The same share with P ordered first: the most that same-period co-movement could add."""
        return float(self.cholesky_fevd(horizon, focus_first=False)[0, 1])

    def simulate(
        self, steps: int, rng: np.random.Generator, *, start: ArrayLike | None = None, shocks: ArrayLike | None = None
    ) -> FloatArray:
        """A path of ``steps`` periods from the fitted model.

        ``start`` holds the last ``lags`` observations (default: the end of the fitted data);
        ``shocks`` (steps × 2) replaces the default residual draws (resampled rows of the residuals).
        """
        history = np.asarray(start if start is not None else self.data[-self.lags :], dtype=float)
        if shocks is None:
            draws = self.residuals[rng.integers(0, self.n_obs, size=steps)]
        else:
            draws = np.asarray(shocks, dtype=float)
        path = np.vstack([history, np.zeros((steps, 2))])
        for t in range(self.lags, self.lags + steps):
            value = self.intercept.copy()
            for i in range(1, self.lags + 1):
                value += self.coefficients[i - 1] @ path[t - i]
            path[t] = value + draws[t - self.lags]
        return np.asarray(path[self.lags :], dtype=np.float64)


def _design(data: FloatArray, lags: int) -> tuple[FloatArray, FloatArray]:
    """Regressors [1, y_{t−1}, …, y_{t−p}] and targets y_t for t = p … n−1."""
    n = data.shape[0]
    columns = [np.ones((n - lags, 1))] + [data[lags - i : n - i] for i in range(1, lags + 1)]
    return np.hstack(columns), data[lags:]


def _ols_var(data: FloatArray, lags: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    regressors, targets = _design(data, lags)
    beta, *_ = np.linalg.lstsq(regressors, targets, rcond=None)
    residuals = targets - regressors @ beta
    dof = max(len(targets) - regressors.shape[1], 1)
    sigma = residuals.T @ residuals / dof
    coefficients = np.stack([beta[1 + 2 * i : 3 + 2 * i].T for i in range(lags)])
    return beta[0], coefficients, sigma, residuals


def lag_cap(n_periods: int, max_lags: int) -> int:
    """The largest lag order the sample supports: each equation keeps ≥ 10 residual degrees of freedom."""
    return max(1, min(max_lags, (n_periods - 11) // 3))


def fit_dyad_var(
    focus_to_partner: ArrayLike, partner_to_focus: ArrayLike, *, max_lags: int = 4, lags: int | None = None
) -> DyadVar:
    """Fit the dyad VAR by OLS; the lag order by BIC (statsmodels ``select_order``), 1 … ``max_lags``.

    Raises :class:`InsufficientDataError` when the series are too short or either is constant.
    """
    from statsmodels.tsa.api import VAR

    x = np.asarray(focus_to_partner, dtype=float)
    z = np.asarray(partner_to_focus, dtype=float)
    if x.shape != z.shape or x.ndim != 1:
        raise ValueError("the two series must be one-dimensional and of equal length")
    if len(x) < MIN_VAR_PERIODS:
        raise InsufficientDataError(f"{len(x)} periods; a dyad VAR needs at least {MIN_VAR_PERIODS}")
    if np.ptp(x) == 0 or np.ptp(z) == 0:
        raise InsufficientDataError("one direction of the dyad is constant; there is no variation to relate")
    data = np.column_stack([x, z])
    model = VAR(data)
    if lags is None:
        cap = lag_cap(len(x), max_lags)
        try:
            chosen = model.select_order(maxlags=cap).selected_orders["bic"]
        except (np.linalg.LinAlgError, ValueError):
            chosen = 1
        lags = max(1, int(chosen))
    fitted = model.fit(lags, trend="c")
    try:
        granger_p = float(fitted.test_causality(caused=0, causing=1, kind="f").pvalue)
    except (np.linalg.LinAlgError, ValueError):
        granger_p = float("nan")
    intercept, coefficients, sigma, residuals = _ols_var(data, lags)
    if np.linalg.matrix_rank(sigma) < 2:
        raise InsufficientDataError("the residuals of the two directions are collinear; the VAR is degenerate")
    return DyadVar(lags, intercept, coefficients, sigma, residuals, data, granger_p)


def bootstrap_vars(var: DyadVar, draws: int, rng: np.random.Generator) -> Iterator[DyadVar]:
    """Residual (recursive-design) bootstrap: rebuild series from resampled residuals, refit with the same p.

    The standard VAR bootstrap (Runkle 1987; Lütkepohl 2005 §3.7). All replicates are simulated and
    fitted at once (batched least squares), so 200 draws take milliseconds; degenerate and explosive ones are skipped.
    """
    p, n = var.lags, var.n_obs
    if draws <= 0:
        return
    shocks = var.residuals[rng.integers(0, n, size=(draws, n))]  # (draws, n, 2)
    paths = np.empty((draws, p + n, 2))
    paths[:, :p] = var.data[:p]
    for t in range(p, p + n):
        value = np.broadcast_to(var.intercept, (draws, 2)).copy()
        for i in range(1, p + 1):
            value += paths[:, t - i] @ var.coefficients[i - 1].T
        paths[:, t] = value + shocks[:, t - p]
    regressors = np.concatenate(
        [np.ones((draws, n, 1))] + [paths[:, p - i : p + n - i] for i in range(1, p + 1)], axis=2
    )
    targets = paths[:, p:]
    gram = np.einsum("dtk,dtl->dkl", regressors, regressors)
    moments = np.einsum("dtk,dtj->dkj", regressors, targets)
    dof = max(n - regressors.shape[2], 1)
    for d in range(draws):
        try:
            beta = np.linalg.solve(gram[d], moments[d])
        except np.linalg.LinAlgError:
            continue
        residuals = targets[d] - regressors[d] @ beta
        sigma = residuals.T @ residuals / dof
        if np.linalg.matrix_rank(sigma) < 2:
            continue
        coefficients = np.stack([beta[1 + 2 * i : 3 + 2 * i].T for i in range(p)])
        replicate = DyadVar(p, beta[0], coefficients, sigma, residuals, paths[d])
        # An explosive replicate has no finite forecast-error variance to decompose (Kilian 1998
        # drops or shrinks such draws); it is left out, and the caller counts what was kept.
        if replicate.stable:
            yield replicate
