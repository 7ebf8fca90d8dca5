"""The bivariate dyad VAR shared by :mod:`flexibility` and the strategy simulator (issue 5).

For a dyad (F, P) the system is y_t = (x_t, z_t)' with x_t = NC_{F→P,t} and z_t = NC_{P→F,t}::

    y_t = c + Σ_{i=1..p} A_i y_{t−i} + u_t,   u_t ~ (0, Σ)

(Goldstein & Freeman 1991, *APSR* 85(1); Goldstein & Pevehouse 1997, *APSR* 91(3); mechanics as in
Lütkepohl 2005). Public API::

    var = fit_dyad_var(focus_to_partner, partner_to_focus, max_lags=4)
    var.lags, var.intercept, var.coefficients (p × 2 × 2), var.sigma, var.residuals
    var.granger_p            # F-test "z helps predict x" (statsmodels test_causality)
    var.responsiveness(6)    # cumulative orthogonalised IRF of x to a one-s.d. z shock (x first), h = 0..6
    var.focus_first(6)       # Cholesky FEVD share of x's 6-step variance due to z, x ordered first
    var.partner_first(6)     # the same share with z ordered first
    var.flexibility(6), var.flexibility_upper(6)  # deprecated aliases of focus_first, partner_first
    var.co_movement          # correlation of the two residuals in the same period
    var.inertia              # Σ_i A_i[x, x], the own-lag sum ("routine")
    var.max_root, var.stable # largest companion-root modulus; stable when it is < 1
    var.simulate(steps, rng) # a path from the fitted model (for simulations)
    bootstrap_vars(var, draws, rng)  # residual-bootstrap refits with the same lag order
    kilian_bootstrap(var, draws, rng)  # bias-corrected coefficients and replicates (Kilian 1998)
    lagged_response_test(var, draws, rng)  # bootstrap Wald test "x does not respond to z's past"
    fevd_shares(coefficients, sigma, horizon)  # the two orderings' shares and ρ for stacks of models

Why two orderings (design §8, issue 9). Both sides of one meeting are usually reported in the same
period (a visit has a row each way; GDELT codes both sides), so the two residuals are correlated
without either side answering the other. Order-free measures (the generalised FEVD of Pesaran & Shin
1998 / Diebold & Yilmaz 2012, used before) give the partner a share of every common shock and so
credit co-reporting as flexibility. A Cholesky decomposition with the focus country ordered first
(Sims 1980; Lütkepohl 2005 §2.3.2) gives the partner's shock no same-period effect on the focus
country: what remains reaches it only through the partner's past. Ordering the partner first credits
the same-period co-movement to the partner. Issue 25: the two shares are *not* bounds of one
another: with a negative cross-effect or co-movement that offsets a lagged response, the focus-first
share can exceed the partner-first one (measured in ``docs/validation.md``), so they are reported
under names that claim no order. The generalised measures are kept (``generalised_irf``,
``generalised_fevd``) for comparison.
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
    def max_root(self) -> float:
        """Largest modulus of the companion matrix's eigenvalues (Lütkepohl 2005 §2.1.1)."""
        return float(companion_max_root(self.coefficients))

    @property
    def stable(self) -> bool:
        """True when every root of the companion matrix lies inside the unit circle."""
        return self.max_root < 1.0

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

    def focus_first(self, horizon: int = HORIZON) -> float:
        """Share of NC_{F→P}'s h-step forecast-error variance due to NC_{P→F} shocks, F ordered first.

        The partner reaches the focus country only through its past. Not a bound on the truth, and
        not always below :meth:`partner_first` (issue 25): it is one identification of two.
        """
        return float(self.cholesky_fevd(horizon, focus_first=True)[0, 1])

    def partner_first(self, horizon: int = HORIZON) -> float:
        """The same share with P ordered first: same-period co-movement is credited to the partner."""
        return float(self.cholesky_fevd(horizon, focus_first=False)[0, 1])

    def flexibility(self, horizon: int = HORIZON) -> float:
        """Deprecated alias of :meth:`focus_first` (kept for one release; it is not a lower bound)."""
        return self.focus_first(horizon)

    def flexibility_upper(self, horizon: int = HORIZON) -> float:
        """Deprecated alias of :meth:`partner_first` (kept for one release; it is not an upper bound)."""
        return self.partner_first(horizon)

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


def companion_max_root(coefficients: ArrayLike) -> FloatArray:
    """Largest companion-root modulus of one VAR (``(p, 2, 2)``) or of a stack (``(..., p, 2, 2)``).

    A VAR is stable (stationary) when this is below 1 (Lütkepohl 2005 §2.1.1).
    """
    stack = np.asarray(coefficients, dtype=float)
    *batch, p, _, _ = stack.shape
    companion = np.zeros((*batch, 2 * p, 2 * p))
    companion[..., :2, :] = np.concatenate([stack[..., i, :, :] for i in range(p)], axis=-1)
    if p > 1:
        companion[..., 2:, :-2] = np.eye(2 * (p - 1))
    return np.asarray(np.abs(np.linalg.eigvals(companion)).max(axis=-1), dtype=np.float64)


def _ma_stack(coefficients: FloatArray, horizon: int) -> FloatArray:
    """Ψ_0 … Ψ_horizon for a stack of VARs: (..., horizon + 1, 2, 2)."""
    *batch, p, _, _ = coefficients.shape
    psi = np.zeros((*batch, horizon + 1, 2, 2))
    psi[..., 0, :, :] = np.eye(2)
    for h in range(1, horizon + 1):
        for i in range(1, min(h, p) + 1):
            psi[..., h, :, :] += coefficients[..., i - 1, :, :] @ psi[..., h - i, :, :]
    return psi


def fevd_shares(
    coefficients: ArrayLike, sigma: ArrayLike, horizon: int = HORIZON
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Focus-first share, partner-first share and responsiveness for one VAR or a stack of them.

    ``coefficients`` (..., p, 2, 2), ``sigma`` (..., 2, 2). The shares are Cholesky FEVD shares of
    x's variance over steps 0…horizon−1 due to z (Lütkepohl 2005 §2.3.3); responsiveness is the
    cumulative focus-first orthogonalised response of x to z over h = 0…horizon (design §8). These
    are the same numbers as :meth:`DyadVar.focus_first`, ``partner_first`` and ``responsiveness``,
    computed at once for many bootstrap replicates, and from *true* parameters for known answers.
    """
    stack = np.asarray(coefficients, dtype=float)
    covariance = np.asarray(sigma, dtype=float)
    psi = _ma_stack(stack, horizon)
    focus_factor = np.linalg.cholesky(covariance)
    partner_factor = np.linalg.cholesky(covariance[..., ::-1, ::-1])[..., ::-1, ::-1]
    results = []
    for factor in (focus_factor, partner_factor):
        theta = psi[..., :horizon, :, :] @ factor[..., np.newaxis, :, :]
        squares = (theta**2).sum(axis=-3)
        results.append(squares[..., 0, 1] / squares[..., 0, :].sum(axis=-1))
    response = (psi @ focus_factor[..., np.newaxis, :, :])[..., :, 0, 1].sum(axis=-1)
    return (
        np.asarray(results[0], dtype=np.float64),
        np.asarray(results[1], dtype=np.float64),
        np.asarray(response, dtype=np.float64),
    )


def _simulate_paths(
    intercept: FloatArray, coefficients: FloatArray, start: FloatArray, shocks: FloatArray
) -> FloatArray:
    """Many paths at once: y_t = c + Σ A_i y_{t−i} + shock_t from the ``p`` start rows; (draws, p + n, 2)."""
    draws, n, _ = shocks.shape
    p = coefficients.shape[0]
    paths = np.empty((draws, p + n, 2))
    paths[:, :p] = start
    for t in range(p, p + n):
        value = np.broadcast_to(intercept, (draws, 2)).copy()
        for i in range(1, p + 1):
            value += paths[:, t - i] @ coefficients[i - 1].T
        paths[:, t] = value + shocks[:, t - p]
    return paths


def _lagged_regressors(paths: FloatArray, p: int) -> FloatArray:
    """[1, y_{t−1}, …, y_{t−p}] for each path: (draws, n, 1 + 2p); the column of z_{t−i} is 2i."""
    draws, total, _ = paths.shape
    n = total - p
    return np.concatenate([np.ones((draws, n, 1))] + [paths[:, p - i : p + n - i] for i in range(1, p + 1)], axis=2)


@dataclass(frozen=True)
class BatchFit:
    """OLS VAR fits of many paths at once (the rows of ``ok`` that could be fitted)."""

    intercept: FloatArray  # (d, 2)
    coefficients: FloatArray  # (d, p, 2, 2)
    sigma: FloatArray  # (d, 2, 2)
    residuals: FloatArray  # (d, n, 2)
    ok: NDArray[np.bool_]  # (d,) a regular Gram matrix and a full-rank residual covariance


def _fit_paths(paths: FloatArray, p: int) -> BatchFit:
    """Equation-by-equation OLS of a VAR(p) with intercept on each path (Lütkepohl 2005 §3.2), batched."""
    regressors = _lagged_regressors(paths, p)
    targets = paths[:, p:]
    draws, n, k = regressors.shape
    gram = np.einsum("dtk,dtl->dkl", regressors, regressors)
    moments = np.einsum("dtk,dtj->dkj", regressors, targets)
    ok = np.isfinite(gram).all(axis=(1, 2)) & (np.linalg.cond(np.where(np.isfinite(gram), gram, 0.0)) < 1e12)
    safe_gram = np.where(ok[:, None, None], gram, np.eye(k))
    beta = np.linalg.solve(safe_gram, np.where(ok[:, None, None], moments, 0.0))
    residuals = targets - regressors @ beta
    sigma = np.einsum("dti,dtj->dij", residuals, residuals) / max(n - k, 1)
    ok &= np.linalg.det(sigma) > 1e-12 * np.maximum(np.einsum("dii->d", sigma) ** 2, 1e-300)
    coefficients = np.stack([beta[:, 1 + 2 * i : 3 + 2 * i, :].transpose(0, 2, 1) for i in range(p)], axis=1)
    return BatchFit(beta[:, 0, :], coefficients, sigma, residuals, ok)


def _resampled_shocks(residuals: FloatArray, draws: int, rng: np.random.Generator) -> FloatArray:
    """Rows of the centred residuals drawn with replacement (both directions together, so the
    same-period co-movement is kept): the residual bootstrap of Runkle (1987)."""
    centred = residuals - residuals.mean(axis=0)
    n = centred.shape[0]
    return np.asarray(centred[rng.integers(0, n, size=(draws, n))], dtype=np.float64)


def bootstrap_vars(var: DyadVar, draws: int, rng: np.random.Generator) -> Iterator[DyadVar]:
    """Residual (recursive-design) bootstrap: rebuild series from resampled residuals, refit with the same p.

    The standard VAR bootstrap (Runkle 1987; Lütkepohl 2005 §3.7). All replicates are simulated and
    fitted at once (batched least squares), so 200 draws take milliseconds; degenerate and explosive ones are skipped.
    """
    p, n = var.lags, var.n_obs
    if draws <= 0:
        return
    shocks = var.residuals[rng.integers(0, n, size=(draws, n))]  # (draws, n, 2)
    paths = _simulate_paths(var.intercept, var.coefficients, var.data[:p], shocks)
    fits = _fit_paths(paths, p)
    for d in range(draws):
        if not fits.ok[d]:
            continue
        replicate = DyadVar(p, fits.intercept[d], fits.coefficients[d], fits.sigma[d], fits.residuals[d], paths[d])
        # An explosive replicate has no finite forecast-error variance to decompose (Kilian 1998
        # drops or shrinks such draws); it is left out, and the caller counts what was kept.
        if replicate.stable:
            yield replicate


def _shrink_to_stable(raw: FloatArray, bias: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Kilian's (1998) stationarity correction of A − bias, for a stack of estimates (d, p, 2, 2).

    Where the raw estimate is stable and A − bias is not, the correction is shrunk, δ = 1, 0.99, …,
    until A − δ·bias is stable; a raw estimate that is already explosive is left uncorrected (δ = 0).
    Returns the corrected stack and δ.
    """
    corrected = raw - bias
    shrink = np.ones(raw.shape[0])
    raw_roots = companion_max_root(raw)
    roots = companion_max_root(corrected)
    needs = (roots >= 1.0) & (raw_roots < 1.0)
    for step in range(1, 101):
        if not needs.any():
            break
        shrink[needs] = 1.0 - step / 100
        corrected[needs] = raw[needs] - shrink[needs, None, None, None] * bias
        roots[needs] = companion_max_root(corrected[needs])
        needs &= roots >= 1.0
    explosive = raw_roots >= 1.0
    corrected[explosive] = raw[explosive]
    shrink[explosive] = 0.0
    return corrected, shrink


@dataclass(frozen=True)
class KilianBootstrap:
    """The bias-corrected VAR and its bootstrap-after-bootstrap replicates (Kilian 1998, *REStat* 80(2)).

    ``coefficients`` is the bias-corrected point estimate (Â − δ·bias), ``bias`` the first-stage
    estimate of E[Â] − A, ``shrink`` the δ used; ``replicate_coefficients``/``replicate_sigma`` are
    the second-stage replicates (each corrected with the same bias, stable ones only), of which
    ``requested`` were drawn.
    """

    coefficients: FloatArray  # (p, 2, 2)
    sigma: FloatArray  # (2, 2)
    bias: FloatArray  # (p, 2, 2)
    shrink: float
    replicate_coefficients: FloatArray  # (kept, p, 2, 2)
    replicate_sigma: FloatArray  # (kept, 2, 2)
    requested: int

    @property
    def kept(self) -> int:
        return int(self.replicate_coefficients.shape[0])


def kilian_bootstrap(
    var: DyadVar, draws: int, rng: np.random.Generator, *, first_stage: int | None = None
) -> KilianBootstrap:
    """Bootstrap-after-bootstrap (Kilian 1998): correct the small-sample bias of the VAR slopes, then
    bootstrap from the corrected model and correct each replicate the same way.

    Why: OLS slopes of a short VAR are biased toward zero persistence and their percentile intervals
    under-cover (Kilian 1998; Pope 1990); impulse responses and FEVD shares inherit that bias.
    Stage 1 draws ``first_stage`` (default ``draws``) residual-bootstrap series from the fitted VAR;
    the mean of their slopes minus the estimate is the bias. Stage 2 simulates ``draws`` series from the
    corrected model (intercept keeping the fitted mean, residuals recomputed, rows resampled), refits,
    and subtracts the same bias from each replicate (with the stationarity shrinkage). Replicates
    still explosive or degenerate are dropped; ``kept`` says how many remain.
    """
    p, n = var.lags, var.n_obs
    stage_one = first_stage if first_stage is not None else draws
    bias = np.zeros_like(var.coefficients)
    if stage_one > 0:
        shocks = _resampled_shocks(var.residuals, stage_one, rng)
        fits = _fit_paths(_simulate_paths(var.intercept, var.coefficients, var.data[:p], shocks), p)
        if fits.ok.any():
            bias = fits.coefficients[fits.ok].mean(axis=0) - var.coefficients
    corrected, shrink = _shrink_to_stable(var.coefficients[np.newaxis], bias)
    coefficients = corrected[0]
    # Keep the fitted process mean μ = (I − ΣÂ_i)⁻¹ c under the corrected slopes.
    identity = np.eye(2)
    try:
        mean = np.linalg.solve(identity - var.coefficients.sum(axis=0), var.intercept)
    except np.linalg.LinAlgError:
        mean = var.data.mean(axis=0)
    intercept = (identity - coefficients.sum(axis=0)) @ mean
    regressors = _lagged_regressors(var.data[np.newaxis], p)[0]
    beta = np.vstack([intercept, *(coefficients[i].T for i in range(p))])
    residuals = var.data[p:] - regressors @ beta
    sigma = residuals.T @ residuals / max(n - regressors.shape[1], 1)
    empty = np.zeros((0, p, 2, 2))
    if draws <= 0:
        return KilianBootstrap(coefficients, sigma, bias, float(shrink[0]), empty, np.zeros((0, 2, 2)), 0)
    shocks = _resampled_shocks(residuals, draws, rng)
    fits = _fit_paths(_simulate_paths(intercept, coefficients, var.data[:p], shocks), p)
    replicates, _ = _shrink_to_stable(fits.coefficients, bias)
    keep = fits.ok & (companion_max_root(replicates) < 1.0)
    return KilianBootstrap(coefficients, sigma, bias, float(shrink[0]), replicates[keep], fits.sigma[keep], draws)


def _wald_no_lagged_response(regressors: FloatArray, targets: FloatArray, p: int) -> FloatArray:
    """Wald statistics of H0: every coefficient of z_{t−i} in x's equation is 0, one per path.

    W = b′ [s² (X′X)⁻¹]_{zz}⁻¹ b, the Granger non-causality Wald statistic of one VAR equation
    (Lütkepohl 2005 §3.6.1); ``regressors`` (d, n, k) from :func:`_lagged_regressors`, ``targets``
    (d, n) the x series. NaN where a fit is degenerate.
    """
    _, n, k = regressors.shape
    gram = np.einsum("dtk,dtl->dkl", regressors, regressors)
    finite = np.isfinite(gram).all(axis=(1, 2))
    ok = finite & (np.linalg.cond(np.where(finite[:, None, None], gram, np.eye(k))) < 1e12)
    inverse = np.linalg.inv(np.where(ok[:, None, None], gram, np.eye(k)))
    beta = np.einsum("dkl,dl->dk", inverse, np.einsum("dtk,dt->dk", regressors, np.where(ok[:, None], targets, 0.0)))
    residuals = targets - np.einsum("dtk,dk->dt", regressors, beta)
    s2 = (residuals**2).sum(axis=1) / max(n - k, 1)
    columns = [2 * i for i in range(1, p + 1)]
    b = beta[:, columns]
    covariance = s2[:, None, None] * inverse[:, columns][:, :, columns]
    ok &= s2 > 0
    safe = np.where(ok[:, None, None], covariance, np.eye(p))
    wald = np.einsum("di,di->d", b, np.linalg.solve(safe, b[..., np.newaxis])[..., 0])
    return np.asarray(np.where(ok, wald, np.nan), dtype=np.float64)


@dataclass(frozen=True)
class LaggedResponseTest:
    """Bootstrap Wald test of "x does not respond to z's past" (Granger non-causality z ↛ x)."""

    wald: float
    p_value: float
    draws: int  # bootstrap statistics that could be computed


def lagged_response_test(var: DyadVar, draws: int, rng: np.random.Generator) -> LaggedResponseTest:
    """Does the focus country respond to the partner's past at all? A residual bootstrap under H0.

    The Wald statistic of H0: A_i[x, z] = 0 for all i is compared with its distribution under H0,
    simulated from the *restricted* VAR (x's equation without z's lags, z's equation as fitted) by
    resampling the restricted residuals' rows, both directions together, so same-period co-movement
    stays in the null world (Kilian 1999; Dolado & Lütkepohl 1996 on Granger tests in VARs;
    Davison & Hinkley 1997 §4.2 for the p-value (1 + #{W* ≥ W}) / (1 + B)). Small-sample size is not
    taken from an F-table but from the data's own residuals; its rejection rate at zero response is
    measured in ``docs/validation.md``.
    """
    p = var.lags
    data = var.data
    regressors = _lagged_regressors(data[np.newaxis], p)[0]
    targets = data[p:]
    observed = float(_wald_no_lagged_response(regressors[np.newaxis], targets[np.newaxis, :, 0], p)[0])
    own_columns = [0, *(2 * i - 1 for i in range(1, p + 1))]  # constant and x's own lags
    own_beta, *_ = np.linalg.lstsq(regressors[:, own_columns], targets[:, 0], rcond=None)
    full_beta, *_ = np.linalg.lstsq(regressors, targets[:, 1], rcond=None)
    intercept = np.array([own_beta[0], full_beta[0]])
    coefficients = np.zeros((p, 2, 2))
    for i in range(p):
        coefficients[i, 0, 0] = own_beta[1 + i]
        coefficients[i, 1, :] = full_beta[1 + 2 * i : 3 + 2 * i]
    residuals = np.column_stack(
        [targets[:, 0] - regressors[:, own_columns] @ own_beta, targets[:, 1] - regressors @ full_beta]
    )
    if draws <= 0 or not np.isfinite(observed):
        return LaggedResponseTest(observed, float("nan"), 0)
    shocks = _resampled_shocks(residuals, draws, rng)
    paths = _simulate_paths(intercept, coefficients, data[:p], shocks)
    null = _wald_no_lagged_response(_lagged_regressors(paths, p), paths[:, p:, 0], p)
    null = null[np.isfinite(null)]
    if not len(null):
        return LaggedResponseTest(observed, float("nan"), 0)
    p_value = (1 + int(np.count_nonzero(null >= observed))) / (1 + len(null))
    return LaggedResponseTest(observed, float(p_value), int(len(null)))
