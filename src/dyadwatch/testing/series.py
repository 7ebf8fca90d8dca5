"""Synthetic dyad series with planted structure, for known-answer tests of :mod:`dyadwatch.analysis`.

* :func:`planted_breaks`: one series with level shifts at known periods (normal noise around
  Goldstein levels, or Poisson event counts).
* :func:`planted_reciprocity`: a pair NC_{F→P}, NC_{P→F} from a VAR(1) where F answers P's last
  period with a known coefficient (``response=0`` plants indifference).
* :func:`dyad_events`: event rows whose dyad series reproduce given net-cooperation values
  exactly, so a generated pair can be written to CSV and loaded like any file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from dyadwatch.periods import PANDAS_FREQ


@dataclass
class PlantedBreaks:
    """A series with regime changes at ``break_indices`` (first period of each new regime)."""

    frame: pd.DataFrame  # period, events, goldstein_mean, goldstein_sum
    break_indices: list[int]
    levels: list[float]

    @property
    def break_dates(self) -> list[str]:
        return [self.frame["period"].iloc[i].isoformat() for i in self.break_indices]


@dataclass
class PlantedDyad:
    """A pair of net-cooperation series with a planted lag-1 response of F to P."""

    frame: pd.DataFrame = field(repr=False)  # period, focus_to_partner, partner_to_focus
    response: float
    inertia: float


def _periods(n_periods: int, freq: str, start: str) -> list[object]:
    return list(pd.date_range(start, periods=n_periods, freq=PANDAS_FREQ[freq]).date)


def planted_breaks(
    n_periods: int = 120,
    break_indices: Sequence[int] = (40, 80),
    levels: Sequence[float] = (0.0, 3.0, -1.0),
    *,
    noise: float = 1.0,
    kind: str = "normal",
    seed: int = 0,
    freq: str = "M",
    start: str = "2000-01-01",
) -> PlantedBreaks:
    """Levels ``levels[k]`` between the planted breaks; ``kind="poisson"`` draws counts with those rates.

    For ``normal`` the values are ``goldstein_mean`` = level + N(0, noise²) with 20 events per period
    (``goldstein_sum`` = 20 × mean); for ``poisson`` they are ``events`` ~ Poisson(level).
    """
    if len(levels) != len(break_indices) + 1:
        raise ValueError("levels needs one value more than break_indices")
    rng = np.random.default_rng(seed)
    level = np.empty(n_periods)
    bounds = [0, *break_indices, n_periods]
    for k, (begin, end) in enumerate(pairwise(bounds)):
        level[begin:end] = levels[k]
    frame = pd.DataFrame({"period": _periods(n_periods, freq, start)})
    if kind == "poisson":
        frame["events"] = rng.poisson(level)
        frame["goldstein_mean"] = 0.0
        frame["goldstein_sum"] = 0.0
    elif kind == "normal":
        frame["events"] = 20
        frame["goldstein_mean"] = level + rng.normal(0.0, noise, n_periods)
        frame["goldstein_sum"] = frame["goldstein_mean"] * 20
    else:
        raise ValueError("kind must be normal or poisson")
    return PlantedBreaks(frame, list(break_indices), list(levels))


#: Goldstein scores drawn for generated events: common CAMEO codes (042 visit 1.9, 043 host 2.8,
#: 057 sign agreement 8.0, 036 intent to meet 4.0, 010 statement 0.0, 111 criticise −2.0,
#: 112 accuse −2.0, 138 threaten force −7.0). A mix of cooperation and conflict as in the chronology.
EVENT_GOLDSTEIN = np.array([1.9, 2.8, 8.0, 4.0, 0.0, -2.0, -2.0, -7.0])


def sparse_series(
    n_periods: int = 78,
    *,
    active_share: float = 0.4,
    events_per_active: tuple[int, int] = (1, 3),
    rates: Sequence[float] | None = None,
    break_indices: Sequence[int] = (),
    seed: int = 0,
    freq: str = "Y",
    start: str = "1948-01-01",
) -> PlantedBreaks:
    """A sparse, zero-inflated dyad series like the bundled chronology's yearly series.

    Without ``rates``: each period is active with probability ``active_share`` and then has
    ``events_per_active`` (uniform, inclusive) events — clustered, over-dispersed counts with no
    change at all. With ``rates`` (one more than ``break_indices``): events ~ Poisson(rate of the
    regime). Each event's Goldstein score is drawn from :data:`EVENT_GOLDSTEIN`.
    """
    rng = np.random.default_rng(seed)
    if rates is None:
        low, high = events_per_active
        active = rng.random(n_periods) < active_share
        counts = np.where(active, rng.integers(low, high + 1, n_periods), 0)
        levels: list[float] = [active_share * (low + high) / 2]
    else:
        if len(rates) != len(break_indices) + 1:
            raise ValueError("rates needs one value more than break_indices")
        rate = np.empty(n_periods)
        for k, (begin, end) in enumerate(pairwise([0, *break_indices, n_periods])):
            rate[begin:end] = rates[k]
        counts = rng.poisson(rate)
        levels = list(rates)
    scores = rng.choice(EVENT_GOLDSTEIN, size=int(counts.sum()))
    sums = np.add.reduceat(np.r_[scores, 0.0], np.r_[0, np.cumsum(counts)[:-1]]) * (counts > 0)
    frame = pd.DataFrame({"period": _periods(n_periods, freq, start), "events": counts})
    frame["goldstein_sum"] = sums
    frame["goldstein_mean"] = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return PlantedBreaks(frame, list(break_indices), levels)


def planted_reciprocity(
    n_periods: int = 120,
    *,
    response: float = 0.5,
    inertia: float = 0.3,
    partner_inertia: float = 0.3,
    noise: float = 1.0,
    seed: int = 0,
    freq: str = "M",
    start: str = "2000-01-01",
    burn_in: int = 50,
    mirrored: float = 0.0,
) -> PlantedDyad:
    """x_t = inertia·x_{t−1} + response·z_{t−1} + e_t and z_t = partner_inertia·z_{t−1} + u_t.

    x is NC_{F→P}, z is NC_{P→F}; e, u are N(0, noise²). ``response=0`` is indifference: z does not
    Granger-cause x. ``mirrored`` (0…1) is the share of each period's shock that both directions
    share — one meeting reported from both sides in the same period — so corr(e, u) = ``mirrored``
    while neither side responds to the other.
    """
    if not 0.0 <= mirrored <= 1.0:
        raise ValueError("mirrored must lie between 0 and 1")
    rng = np.random.default_rng(seed)
    total = n_periods + burn_in
    x, z = np.zeros(total), np.zeros(total)
    own = rng.normal(0.0, noise, size=(total, 2))
    common = rng.normal(0.0, noise, size=(total, 1))
    shocks = np.sqrt(mirrored) * common + np.sqrt(1.0 - mirrored) * own
    for t in range(1, total):
        z[t] = partner_inertia * z[t - 1] + shocks[t, 1]
        x[t] = inertia * x[t - 1] + response * z[t - 1] + shocks[t, 0]
    frame = pd.DataFrame(
        {
            "period": _periods(n_periods, freq, start),
            "focus_to_partner": x[burn_in:],
            "partner_to_focus": z[burn_in:],
        }
    )
    return PlantedDyad(frame, response, inertia)


def dyad_events(
    frame: pd.DataFrame,
    focus: str = "PRK",
    partner: str = "CHN",
    *,
    events_per_period: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Event rows (date, actor1, actor2, event_code, goldstein) whose per-period Goldstein sums equal
    ``frame.focus_to_partner`` (focus → partner) and ``frame.partner_to_focus`` (partner → focus).

    Each period gets ``events_per_period`` (at most 28) events per direction on distinct random days of
    the period's first 28, each carrying an equal share of the period's sum; the code is "042" (make a
    visit, cooperative) for a positive share and "111" (criticise) otherwise. Keep |NC| ≤ 10 ×
    events_per_period to stay on the Goldstein scale.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for column, actor1, actor2 in (("focus_to_partner", focus, partner), ("partner_to_focus", partner, focus)):
        for period, total in zip(frame["period"], frame[column], strict=True):
            share = float(total) / events_per_period
            # Distinct days, so that no two rows are identical (loaders drop exact duplicates).
            for offset in rng.choice(28, size=events_per_period, replace=False):
                day = pd.Timestamp(period) + pd.Timedelta(days=int(offset))
                rows.append(
                    {
                        "date": day.date().isoformat(),
                        "actor1": actor1,
                        "actor2": actor2,
                        "event_code": "042" if share > 0 else "111",
                        "goldstein": round(share, 6),
                    }
                )
    return pd.DataFrame(rows, columns=["date", "actor1", "actor2", "event_code", "goldstein"])


def focus_rows(pairs: dict[str, pd.DataFrame], events_per_period: int = 5) -> pd.DataFrame:
    """The long rows of :class:`dyadwatch.analysis.dyads.FocusPanel` for generated pairs, without a store.

    ``pairs`` maps a partner code to a frame with period, focus_to_partner and partner_to_focus
    (as :func:`planted_reciprocity` makes); every period counts ``events_per_period`` events each way.
    """
    parts = []
    for partner, frame in pairs.items():
        for direction, column in (("out", "focus_to_partner"), ("in", "partner_to_focus")):
            values = frame[column].to_numpy(dtype=float)
            cooperative = (values > 0) * float(events_per_period)
            parts.append(
                pd.DataFrame(
                    {
                        "partner": partner,
                        "direction": direction,
                        "period": pd.to_datetime(frame["period"]),
                        "events": float(events_per_period),
                        "goldstein_sum": values,
                        "q1": cooperative,
                        "q2": 0.0,
                        "q3": float(events_per_period) - cooperative,
                        "q4": 0.0,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def planted_var(
    coefficients: Sequence[Sequence[Sequence[float]]] | np.ndarray,
    sigma: Sequence[Sequence[float]] | np.ndarray,
    n_periods: int = 120,
    *,
    seed: int = 0,
    freq: str = "M",
    start: str = "2000-01-01",
    burn_in: int = 100,
) -> PlantedDyad:
    """A pair NC_{F→P}, NC_{P→F} from a VAR(p) with the given slopes (p × 2 × 2) and shock covariance.

    Known parameters give known answers: the true focus-first and partner-first shares follow from
    them analytically (:func:`dyadwatch.analysis.var.fevd_shares`). Shocks are Gaussian; the burn-in
    lets a stable system forget its zero start (an explosive one is returned as it grows).
    """
    slopes = np.asarray(coefficients, dtype=float)
    covariance = np.asarray(sigma, dtype=float)
    lags = slopes.shape[0]
    rng = np.random.default_rng(seed)
    total = n_periods + burn_in
    shocks = rng.multivariate_normal(np.zeros(2), covariance, size=total)
    path = np.zeros((total + lags, 2))
    for t in range(lags, total + lags):
        path[t] = sum(slopes[i] @ path[t - 1 - i] for i in range(lags)) + shocks[t - lags]
    kept = path[lags + burn_in :]
    frame = pd.DataFrame(
        {
            "period": _periods(n_periods, freq, start),
            "focus_to_partner": kept[:, 0],
            "partner_to_focus": kept[:, 1],
        }
    )
    return PlantedDyad(frame, float(slopes[:, 0, 1].sum()), float(slopes[:, 0, 0].sum()))


def var_with_focus_first_share(
    share: float,
    *,
    inertia: float = 0.3,
    partner_inertia: float = 0.3,
    co_movement: float = 0.3,
    horizon: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """VAR(1) slopes and a unit-variance shock covariance whose true focus-first share is ``share``.

    A = [[inertia, b], [0, partner_inertia]], Σ = [[1, co_movement], [co_movement, 1]]; b ≥ 0 is
    solved for (Brent's method) so that the Cholesky FEVD share of x due to z at ``horizon``, x
    ordered first, equals ``share``; ``share=0`` gives b = 0, no lagged response at all.
    """
    from scipy.optimize import brentq

    from dyadwatch.analysis.var import fevd_shares

    sigma = np.array([[1.0, co_movement], [co_movement, 1.0]])

    def slopes(response: float) -> np.ndarray:
        return np.array([[[inertia, response], [0.0, partner_inertia]]])

    if share <= 0.0:
        return slopes(0.0), sigma

    def gap(response: float) -> float:
        return float(fevd_shares(slopes(response), sigma, horizon)[0]) - share

    response = brentq(gap, 0.0, 50.0, xtol=1e-12)
    return slopes(float(response)), sigma


# -- series with memory, trends and seasons (issue 25) ---------------------------------------------
# Null families for the calibration of `breaks` on dependent data, and the same series with a
# planted level shift. A shift of "k s.d." adds k times the null series' *marginal* standard
# deviation (the spread a reader sees in the series without change), from the break on.


def _with_goldstein(counts: np.ndarray, rng: np.random.Generator, periods: list[object]) -> pd.DataFrame:
    """A series frame from event counts, each event's Goldstein score drawn from EVENT_GOLDSTEIN."""
    counts = np.asarray(counts, dtype=int)
    scores = rng.choice(EVENT_GOLDSTEIN, size=int(counts.sum()))
    sums = np.add.reduceat(np.r_[scores, 0.0], np.r_[0, np.cumsum(counts)[:-1]]) * (counts > 0)
    frame = pd.DataFrame({"period": periods, "events": counts})
    frame["goldstein_sum"] = sums
    frame["goldstein_mean"] = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return frame


def _shift_window(n_periods: int, break_index: int | None, until: int | None) -> np.ndarray:
    shifted = np.zeros(n_periods, dtype=bool)
    if break_index is not None:
        shifted[break_index : n_periods if until is None else until] = True
    return shifted


def _breaks_of(break_index: int | None, until: int | None) -> list[int]:
    return [k for k in (break_index, until) if k is not None]


def ar1_series(
    n_periods: int = 120,
    phi: float = 0.5,
    *,
    shift: float = 0.0,
    break_index: int | None = None,
    until: int | None = None,
    noise: float = 1.0,
    season: float = 0.0,
    seed: int = 0,
    freq: str = "M",
    start: str = "2000-01-01",
) -> PlantedBreaks:
    """A dense Goldstein series with AR(1) memory: goldstein_mean = level + u_t, u_t = φ u_{t−1} + e_t.

    u is stationary with marginal s.d. ``noise`` (from its first period on). ``shift`` (in marginal
    s.d.) is added from ``break_index`` to ``until`` (exclusive; None: to the end), so one break or a
    temporary regime. ``season`` adds season·noise·cos(2π month/12), a month-of-year pattern. 20
    events per period, goldstein_sum = 20 × goldstein_mean.
    """
    from scipy.signal import lfilter

    if not 0.0 <= phi < 1.0:
        raise ValueError("phi must lie in [0, 1)")
    rng = np.random.default_rng(seed)
    shocks = rng.normal(0.0, noise, n_periods)
    shocks[1:] *= np.sqrt(1.0 - phi * phi)
    u = lfilter([1.0], [1.0, -phi], shocks)
    level = shift * noise * _shift_window(n_periods, break_index, until)
    periods = _periods(n_periods, freq, start)
    months = pd.DatetimeIndex(periods).month.to_numpy()
    cycle = season * noise * np.cos(2 * np.pi * (months - 1) / 12)
    frame = pd.DataFrame({"period": periods, "events": 20})
    frame["goldstein_mean"] = level + cycle + u
    frame["goldstein_sum"] = frame["goldstein_mean"] * 20
    return PlantedBreaks(frame, _breaks_of(break_index, until), [0.0, shift * noise])


def inar_series(
    n_periods: int = 78,
    phi: float = 0.5,
    *,
    mean: float = 0.6,
    shift: float = 0.0,
    break_index: int | None = None,
    until: int | None = None,
    seed: int = 0,
    freq: str = "Y",
    start: str = "1948-01-01",
    burn_in: int = 50,
) -> PlantedBreaks:
    """Sparse event counts with AR(1) memory: INAR(1), X_t = Binomial(X_{t−1}, φ) + Poisson(mean·(1 − φ)).

    The integer AR(1) of McKenzie (1985) and Al-Osh & Alzaid (1987): each event "survives" into the
    next period with probability φ, new ones arrive at random, so counts are Poisson(``mean``) with
    autocorrelation φ^k. ``shift`` (in marginal s.d., √mean) adds independent Poisson(shift·√mean)
    events per period from ``break_index`` to ``until``. Goldstein scores as in :func:`sparse_series`.
    """
    rng = np.random.default_rng(seed)
    total = n_periods + burn_in
    arrivals = rng.poisson(mean * (1.0 - phi), total)
    counts = np.empty(total, dtype=int)
    counts[0] = rng.poisson(mean)
    for t in range(1, total):
        counts[t] = rng.binomial(counts[t - 1], phi) + arrivals[t]
    counts = counts[burn_in:]
    if shift:
        counts = counts + rng.poisson(shift * np.sqrt(mean), n_periods) * _shift_window(n_periods, break_index, until)
    frame = _with_goldstein(counts, rng, _periods(n_periods, freq, start))
    return PlantedBreaks(frame, _breaks_of(break_index, until), [mean, mean + shift * np.sqrt(mean)])


def trend_series(
    n_periods: int = 78,
    *,
    low: float = 0.5,
    high: float = 1.0,
    kind: str = "linear",
    seed: int = 0,
    freq: str = "Y",
    start: str = "1948-01-01",
) -> PlantedBreaks:
    """Event counts whose rate grows steadily from ``low`` to ``high`` (media volume): no regime change.

    ``kind="linear"``: the rate grows by equal steps; ``"exponential"``: by equal factors. Counts
    are Poisson; Goldstein scores as in :func:`sparse_series`.
    """
    if kind not in ("linear", "exponential"):
        raise ValueError("kind must be linear or exponential")
    rng = np.random.default_rng(seed)
    u = np.arange(n_periods) / max(n_periods - 1, 1)
    rate = low + (high - low) * u if kind == "linear" else low * (high / low) ** u
    frame = _with_goldstein(rng.poisson(rate), rng, _periods(n_periods, freq, start))
    return PlantedBreaks(frame, [], [float(low), float(high)])


def onoff_series(
    n_periods: int = 78,
    *,
    stay: float = 0.8,
    events_per_active: tuple[int, int] = (1, 3),
    seed: int = 0,
    freq: str = "Y",
    start: str = "1948-01-01",
) -> PlantedBreaks:
    """Persistent on/off activity: a two-state Markov chain that stays in its state with probability ``stay``.

    Active periods have ``events_per_active`` events (uniform, inclusive), inactive ones none; the
    chain starts in its stationary distribution (half the periods active), so there is no change,
    only runs of activity and silence (mean length 1/(1 − stay)).
    """
    rng = np.random.default_rng(seed)
    flips = rng.random(n_periods) > stay
    flips[0] = rng.random() < 0.5
    active = np.cumsum(flips) % 2 == 1
    low, high = events_per_active
    counts = np.where(active, rng.integers(low, high + 1, n_periods), 0)
    frame = _with_goldstein(counts, rng, _periods(n_periods, freq, start))
    return PlantedBreaks(frame, [], [0.5 * (low + high) / 2])


def seasonal_series(
    n_periods: int = 240,
    *,
    base: float = 0.3,
    amplitude: float = 0.9,
    peak_month: int = 3,
    seed: int = 0,
    start: str = "2000-01-01",
) -> PlantedBreaks:
    """Monthly event counts with a month-of-year cycle and no change: Poisson(base·(1 + amplitude·cos)).

    The rate peaks in ``peak_month`` (March: the spring exercises) at base·(1 + amplitude).
    """
    rng = np.random.default_rng(seed)
    periods = _periods(n_periods, "M", start)
    months = pd.DatetimeIndex(periods).month.to_numpy()
    rate = base * (1.0 + amplitude * np.cos(2 * np.pi * (months - peak_month) / 12))
    frame = _with_goldstein(rng.poisson(rate), rng, periods)
    return PlantedBreaks(frame, [], [base])
