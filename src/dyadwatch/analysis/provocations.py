"""What makes Pyongyang harden? ``dyadwatch provocations FOCUS`` (issues 13 and 25).

Two questions from the literature (methods §8): do provocations follow outside **triggers**
(UN Security Council resolutions, US–ROK exercises, South Korean and US elections), or their own
rhythm? Hess (2017) found for 2012–2016 that a recent provocation predicts the next better than the
usual triggers; D'Orazio (2012) found no systematic escalation around exercises in ICEWS data.

* **Event study with two permutation tests.** A provocation *day* is a day with at least one act in
  the chosen lists (the CSIS provocations and the CNS missile tests often record the same act, so
  days, not rows, are counted). For each trigger kind, the rate of provocation days in the
  ``window`` days *before* each trigger and in the window *after* it (from its first day to
  ``window`` days after its last, so an exercise counts in full) is compared with the rate on all
  other days; two-sided on the log rate ratio. Two null distributions: ``p_value`` shifts the whole
  trigger calendar by one random offset, circularly within the period (keeps the spacing of the
  triggers and the clustering of provocations, breaks only their alignment; but it also moves
  triggers into other eras, so a slow change in the rate widens the null); ``p_value_local`` moves
  each trigger by its own random offset of 1–2 years (:data:`LOCAL_SHIFT_DAYS`), earlier or later,
  inside the period, so that triggers stay in their era and only their timing within it is tested
  (a restricted permutation scheme; Good 2005).
* **Self-exciting count model with time controls.** Weekly counts of provocation days, negative
  binomial regression (statsmodels, dispersion estimated) on ``log(1 + provocation days in the
  previous 4 weeks)`` (self-excitation) and one indicator per trigger kind (the week overlaps a
  trigger's after-window), with year effects and month-of-year effects: without them a lag term
  takes up slow changes of the rate (issue 25). Hess's comparison — the lag-only model against the
  triggers-only model, which are non-nested — is a Vuong (1989) test, read only after a joint
  likelihood-ratio test of the lag and the triggers (both models otherwise reduce to the controls);
  the verdict (``self_exciting``, ``trigger_driven`` or ``undecided``) and its sentence come from
  :func:`verdict_sentence`. The same models without time controls are reported beside them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Days before and after a trigger that form its windows.
WINDOW_DAYS = 30
#: Random calendar shifts per permutation test.
PERMUTATIONS = 999
#: Weeks of past provocations in the self-excitation term.
LAG_WEEKS = 4
#: Periods compared: Hess (2017) and the whole post-Cold War series.
PERIODS = {"hess_2012_2016": ("2012-01-01", "2016-12-31"), "1990_2025": ("1990-01-01", "2025-12-31")}
PROVOCATION_SOURCES = ("provocations", "missile_tests")
#: A log rate ratio beyond this (a ratio above e^8 or below e^-8) is quasi-separation, not an estimate.
UNSTABLE_COEFFICIENT = 8.0
#: The local shift scheme moves each trigger by 365 to 730 days, earlier or later.
LOCAL_SHIFT_DAYS = (365, 730)
#: The normal 97.5 % quantile: 95 % Wald intervals.
Z95 = 1.959964
#: Level of the tests behind the verdict.
ALPHA = 0.05
#: The event-study schemes as the trust sentence names them, by the key of their p-value.
SCHEME_WORDS = {"p_value": "whole-span shifts", "p_value_local": "local shifts", "p_value_adjusted": "p_value_adjusted"}


def _wilson_low(hits: int, seeds: int) -> float:
    """The lower end of the Wilson 95 % interval of hits / seeds."""
    p = hits / seeds
    centre = (p + Z95 * Z95 / (2 * seeds)) / (1 + Z95 * Z95 / seeds)
    half = Z95 * float(np.sqrt(p * (1 - p) / seeds + Z95 * Z95 / (4 * seeds * seeds))) / (1 + Z95 * Z95 / seeds)
    return centre - half


def scheme_trust(record: dict[str, Any], words: Mapping[str, str] = SCHEME_WORDS) -> str:
    """Where each event-study p-value can be trusted, written from the calibration's measured rates.

    ``record`` is the shipped ``data/calibration/event_study.json`` (written by ``scripts/validate.py
    --write`` from the provocations section of docs/validation.md): per p-value key, [hits, seeds] of
    p < 0.05 under a constant rate and under a slow wave with the triggers in its busy years, with no
    response in either. A scheme holds its level when the Wilson interval of its rate reaches 5 %.
    ``words`` names each p-value (by its key) in the sentence.
    """
    schemes: dict[str, dict[str, list[int]]] = record["schemes"]

    def share(key: str, case: str) -> str:
        hits, seeds = schemes[key][case]
        return f"{hits / seeds:.1%}"

    def holds(key: str, case: str) -> bool:
        return _wilson_low(*schemes[key][case]) <= ALPHA

    def listed(keys: list[str]) -> str:
        names = [words.get(key, key) for key in keys]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    keys = list(schemes)
    seeds = schemes[keys[0]]["constant"][1]
    steady = [key for key in keys if holds(key, "constant")]
    if len(steady) == len(keys):
        first = f"under a constant rate all {len(keys)} p-values hold their level"
    elif steady:
        first = f"under a constant rate only {listed(steady)} hold their level"
    else:
        first = "under a constant rate none of the p-values holds its level"
    first += (
        f" (p < {ALPHA} in {', '.join(share(key, 'constant') for key in keys)} of {seeds} generated cases without a "
        f"response, for {listed(keys)})"
    )
    trusted = [key for key in keys if holds(key, "drift")]
    others = [key for key in keys if key not in trusted]
    second = "when the rate changes slowly and the triggers sit in its busy years "
    second += f"only {listed(trusted)} does" if trusted else "none does"
    if others:
        second += (
            f" ({listed(others)} then find a response where there is none in "
            f"{' and '.join(share(key, 'drift') for key in others)} of the generated cases"
            + (f", {listed(trusted)} in {' and '.join(share(key, 'drift') for key in trusted)})" if trusted else ")")
        )
    return f"{first}; {second}"


def shipped_trust(words: Mapping[str, str] = SCHEME_WORDS) -> str:
    """:func:`scheme_trust` of the shipped calibration record, each p-value named by ``words``."""
    import json
    from importlib.resources import files

    record = json.loads(files("dyadwatch").joinpath("data/calibration/event_study.json").read_text(encoding="utf-8"))
    return scheme_trust(record, words)


#: Where each event-study p-value can be trusted: generated from the calibration's measured rates.
SCHEME_TRUST = shipped_trust()
#: Years per degree of freedom of the time spline (a slow trend: eras of several years, not single years).
SPLINE_YEARS = 4.0
#: The time controls of the count model, by name, as the output describes them.
TIME_CONTROLS = {
    "spline": "a cubic B-spline in time (one degree of freedom per 4 years) and month-of-year effects",
    "year": "year effects and month-of-year effects",
    "none": "none",
}


def _mask(
    starts: np.ndarray[Any, Any], ends: np.ndarray[Any, Any], days: int, side: str, window: int
) -> np.ndarray[Any, Any]:
    """0/1 per day of ``days`` days: inside any trigger's before or after window (offsets in days)."""
    mask = np.zeros(days, dtype=bool)
    for s, e in zip(starts, ends, strict=True):
        lo, hi = (s - window, s - 1) if side == "before" else (s, e + window)
        lo, hi = max(lo, 0), min(hi, days - 1)
        if lo <= hi:
            mask[lo : hi + 1] = True
    return mask


def _offsets(triggers: pd.DataFrame, first: pd.Timestamp) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    starts = np.array([(pd.Timestamp(s) - first).days for s in triggers["start"]], dtype=int)
    ends = np.array([(pd.Timestamp(e) - first).days for e in triggers["end"]], dtype=int)
    return starts, ends


def _windows(triggers: pd.DataFrame, first: pd.Timestamp, days: int, side: str, window: int) -> np.ndarray[Any, Any]:
    """0/1 per day of ``days`` days from ``first``: inside any trigger's before or after window."""
    starts, ends = _offsets(triggers, first)
    return _mask(starts, ends, days, side, window)


def local_shifts(
    starts: np.ndarray[Any, Any], days: int, rng: np.random.Generator, permutations: int
) -> np.ndarray[Any, Any] | None:
    """Offsets (permutations × triggers) of the local scheme: each trigger moved by 1–2 years, earlier
    or later, uniformly among the offsets that keep its first day inside the period; ``None`` when some
    trigger has no such offset (a period shorter than about a year)."""
    low, high = LOCAL_SHIFT_DAYS
    candidates = np.concatenate([np.arange(-high, -low + 1), np.arange(low, high + 1)])
    shifts = np.empty((permutations, len(starts)), dtype=int)
    for i, start in enumerate(starts):
        allowed = candidates[(start + candidates >= 0) & (start + candidates <= days - 1)]
        if len(allowed) == 0:
            return None
        shifts[:, i] = rng.choice(allowed, permutations)
    return shifts


def _rate_ratio(hits: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> float:
    inside, outside = mask.sum(), (~mask).sum()
    if inside == 0 or outside == 0:
        return float("nan")
    rate_in = hits[mask].sum() / inside
    rate_out = hits[~mask].sum() / outside
    if rate_out == 0:
        return float("inf") if rate_in > 0 else float("nan")
    return float(rate_in / rate_out)


def _log_ratios(
    inside_hits: np.ndarray[Any, Any], inside_expected: np.ndarray[Any, Any], total_hits: float, total_expected: float
) -> np.ndarray[Any, Any]:
    """log((observed / expected inside) / (observed / expected outside)) per placement of the windows;
    NaN where it is not defined (no window, no outside, or a zero count on either side)."""
    outside_hits, outside_expected = total_hits - inside_hits, total_expected - inside_expected
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (inside_hits / inside_expected) / (outside_hits / outside_expected)
        logs = np.log(ratio)
    defined = (inside_expected > 0) & (outside_expected > 0) & np.isfinite(logs)
    return np.where(defined, logs, np.nan)


def _p_from(statistic: float, null: np.ndarray[Any, Any]) -> float:
    """(extreme + 1) / (permutations + 1) (Phipson & Smyth 2010), two-sided on |log ratio|; a shifted
    window with no defined ratio counts as extreme (the conservative choice)."""
    extreme = np.isnan(null) | (np.abs(np.nan_to_num(null)) >= statistic - 1e-12)
    return float((extreme.sum() + 1) / (len(null) + 1))


def _circular_sums(
    values: np.ndarray[Any, Any], mask: np.ndarray[Any, Any], shifts: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Σ values[t]·mask[t − s] (circular) for each shift s: the sum inside ``np.roll(mask, s)``, all
    shifts at once by the cross-correlation theorem."""
    n = len(values)
    correlation = np.fft.irfft(np.fft.rfft(values) * np.conj(np.fft.rfft(mask.astype(float))), n)
    return np.asarray(correlation[np.asarray(shifts) % n])


def _masks(
    starts: np.ndarray[Any, Any], ends: np.ndarray[Any, Any], days: int, side: str, window: int
) -> np.ndarray[Any, Any]:
    """:func:`_mask` for many trigger calendars at once: ``starts``/``ends`` are (calendars × triggers)."""
    lo, hi = (starts - window, starts - 1) if side == "before" else (starts, ends + window)
    lo, hi = np.maximum(lo, 0), np.minimum(hi, days - 1)
    valid = lo <= hi
    rows = np.broadcast_to(np.arange(starts.shape[0])[:, None], starts.shape)
    # a few dozen triggers at most overlap on one day: 8-bit running counts are exact and 4 times cheaper
    counter = np.int8 if starts.shape[1] < 127 else np.int32
    difference = np.zeros((starts.shape[0], days + 1), dtype=counter)
    np.add.at(difference, (rows[valid], lo[valid]), 1)
    np.add.at(difference, (rows[valid], hi[valid] + 1), -1)
    running: np.ndarray[Any, Any] = np.cumsum(difference, axis=1, dtype=counter)
    return np.asarray(running[:, :days] > 0)


def expected_daily(design: pd.DataFrame, start: str | dt.date, end: str | dt.date) -> np.ndarray[Any, Any]:
    """Daily provocation probability from the time controls alone (the count model's controls-only fit:
    a cubic B-spline in time and month of year, :func:`time_spline`), for the days ``start``..``end``:
    the week's fitted mean over 7, as 1 − e^(−rate). The days after the last whole week take its value.

    The event study's rate-adjusted scheme divides by it, so that a window that falls in a busy era or
    season is not counted as a response (issue 25: both shift schemes reject far too often when the
    triggers sit at the peaks of a slow wave)."""
    y = design["provocations"].to_numpy(dtype=float)
    fit = _fit(y, time_spline(design), design[["month"]])
    rate = fit.mean / 7.0
    first = pd.Timestamp(start)
    days = (pd.Timestamp(end) - first).days + 1
    offsets = ((first - design["week"].iloc[0]).days + np.arange(days)) // 7
    daily = rate[np.minimum(offsets, len(rate) - 1)]
    return np.asarray(1.0 - np.exp(-np.maximum(daily, 1e-9)))


def event_study(
    provocation_days: Sequence[dt.date] | pd.DatetimeIndex,
    triggers: pd.DataFrame,
    start: str | dt.date,
    end: str | dt.date,
    *,
    window: int = WINDOW_DAYS,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
    expected: np.ndarray[Any, Any] | None = None,
) -> list[dict[str, Any]]:
    """Per trigger kind and side (before/after): provocation-day rates inside the windows and on the
    other days, their ratio, and two permutation p-values: ``p_value`` (random circular shifts of the
    whole trigger calendar) and ``p_value_local`` (each trigger moved by 1–2 years; module doc).

    With ``expected`` (a daily probability from the time controls, :func:`expected_daily`) also
    ``rate_ratio_adjusted`` (observed over expected inside the windows, against the same outside) and
    ``p_value_adjusted``: the same whole-span shifts, applied to the adjusted ratio."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    days = (last - first).days + 1
    hits = _hit_days(provocation_days, first, days)
    rng = np.random.default_rng(seed)
    # a stream of its own, so that the whole-span p-values stay those of the same seed before issue 25
    local_rng = np.random.default_rng([seed, 25])
    rows: list[dict[str, Any]] = []
    chosen = triggers[(pd.to_datetime(triggers["end"]) >= first) & (pd.to_datetime(triggers["start"]) <= last)]
    for kind, group in chosen.groupby("kind", sort=True):
        shifts = rng.integers(1, days, permutations)
        starts, ends = _offsets(group, first)
        local = local_shifts(starts, days, local_rng, permutations)
        for side in ("before", "after"):
            mask = _mask(starts, ends, days, side, window)
            observed = _rate_ratio(hits, mask)
            row: dict[str, Any] = {
                "trigger": kind,
                "side": side,
                "triggers": len(group),
                "window_days": int(mask.sum()),
                "provocation_days_in_window": int(hits[mask].sum()),
                "rate_in_window": float(hits[mask].sum() / mask.sum()) if mask.sum() else None,
                "rate_elsewhere": float(hits[~mask].sum() / (~mask).sum()) if (~mask).sum() else None,
                "rate_ratio": observed,
                "p_value": None,
                "p_value_local": None,
            }
            if expected is not None:
                row |= {"rate_ratio_adjusted": None, "p_value_adjusted": None}
            if np.isfinite(observed) and observed > 0:
                statistic = abs(np.log(observed))
                inside = np.rint(_circular_sums(hits, mask, shifts))
                null = _log_ratios(inside, np.full(len(shifts), float(mask.sum())), hits.sum(), float(days))
                row["p_value"] = _p_from(statistic, null)
                if local is not None:
                    null = _local_null(hits, starts, ends, local, side, window)
                    row["p_value_local"] = _p_from(statistic, null)
            if expected is not None:
                _adjusted_ratio(row, hits, mask, expected, shifts)
            rows.append(row)
    return rows


def _hit_days(
    provocation_days: Sequence[dt.date] | pd.DatetimeIndex, first: pd.Timestamp, days: int
) -> np.ndarray[Any, Any]:
    """1 on each of the ``days`` days from ``first`` with a provocation, 0 elsewhere (days outside ignored)."""
    hits = np.zeros(days)
    for day in pd.DatetimeIndex(pd.to_datetime(list(provocation_days))):
        offset = (day - first).days
        if 0 <= offset < days:
            hits[offset] = 1.0
    return hits


def _local_null(
    hits: np.ndarray[Any, Any],
    starts: np.ndarray[Any, Any],
    ends: np.ndarray[Any, Any],
    local: np.ndarray[Any, Any],
    side: str,
    window: int,
) -> np.ndarray[Any, Any]:
    """The log rate ratios with every trigger moved by each row of ``local`` (:func:`local_shifts`), in
    chunks of about 200 rows to bound the memory of the window masks."""
    days = len(hits)
    hit = hits > 0
    return np.concatenate(
        [
            _log_ratios((moved & hit).sum(1), moved.sum(1).astype(float), hits.sum(), float(days))
            for moved in (
                _masks(starts + chunk, ends + chunk, days, side, window)
                for chunk in np.array_split(local, max(1, len(local) // 200))
            )
        ]
    )


def _adjusted_ratio(
    row: dict[str, Any],
    hits: np.ndarray[Any, Any],
    mask: np.ndarray[Any, Any],
    expected: np.ndarray[Any, Any],
    shifts: np.ndarray[Any, Any],
) -> None:
    """Fill ``rate_ratio_adjusted`` (observed over expected inside the windows, against the same
    outside) and its whole-span permutation p-value, when the ratio is finite."""
    adjusted = _log_ratios(np.array([hits[mask].sum()]), np.array([expected[mask].sum()]), hits.sum(), expected.sum())[
        0
    ]
    if np.isfinite(adjusted):
        row["rate_ratio_adjusted"] = float(np.exp(adjusted))
        null = _log_ratios(
            np.rint(_circular_sums(hits, mask, shifts)), _circular_sums(expected, mask, shifts),
            hits.sum(), expected.sum(),
        )  # fmt: skip
        row["p_value_adjusted"] = _p_from(abs(adjusted), null)


def weekly_design(
    provocation_days: Sequence[dt.date] | pd.DatetimeIndex,
    triggers: pd.DataFrame,
    start: str | dt.date,
    end: str | dt.date,
    *,
    window: int = WINDOW_DAYS,
    lag_weeks: int = LAG_WEEKS,
) -> pd.DataFrame:
    """Weeks (Monday first) with ``provocations`` (days with an act), ``recent`` (log 1 + the previous
    ``lag_weeks`` weeks' provocation days), one 0/1 column per trigger kind (after-window overlaps),
    and the ``year`` and ``month`` of the week's Thursday (ISO 8601's rule for a week's year)."""
    first = pd.Timestamp(start) - pd.Timedelta(days=pd.Timestamp(start).weekday())
    last = pd.Timestamp(end)
    days = (last - first).days + 1
    hits = np.zeros(days)
    for day in pd.DatetimeIndex(pd.to_datetime(list(provocation_days))):
        offset = (day - first).days
        if 0 <= offset < days:
            hits[offset] = 1.0
    weeks = days // 7
    frame = pd.DataFrame(
        {
            "week": pd.date_range(first, periods=weeks, freq="7D"),
            "provocations": hits[: weeks * 7].reshape(weeks, 7).sum(1),
        }
    )
    thursday = frame["week"] + pd.Timedelta(days=3)
    frame["year"], frame["month"] = thursday.dt.year, thursday.dt.month
    past = frame["provocations"].shift(1).rolling(lag_weeks, min_periods=lag_weeks).sum()
    frame["recent"] = np.log1p(past)
    for kind, group in triggers.groupby("kind", sort=True):
        mask = _windows(group, first, days, "after", window)[: weeks * 7].reshape(weeks, 7).any(1)
        frame[str(kind)] = mask.astype(float)
    return frame.dropna().reset_index(drop=True)


@dataclass(frozen=True)
class _Fit:
    """One count regression: per-week log-likelihoods and the named estimates.

    ``loglik`` has one entry per week of the design; a week whose rate the maximum-likelihood fit
    sends to zero (a separated indicator, below) has log-likelihood 0 there.
    """

    loglik: np.ndarray[Any, Any]
    mean: np.ndarray[Any, Any]  # fitted weekly mean (0 on separated weeks)
    estimates: dict[str, tuple[float, float, float, float]]  # name -> (coefficient, low, high, p)
    separated: list[str]
    parameters: int
    family: str
    alpha: float

    @property
    def llf(self) -> float:
        return float(self.loglik.sum())

    @property
    def aic(self) -> float:
        return 2.0 * self.parameters - 2.0 * self.llf


def _separated(
    y: np.ndarray[Any, Any], indicators: pd.DataFrame, categories: pd.DataFrame
) -> tuple[np.ndarray[Any, Any], list[str]]:
    """Weeks kept for the fit, and the indicators and category levels with no provocation at all.

    An indicator (a trigger kind, a year) whose weeks hold no provocation day has a maximum-likelihood
    coefficient of −∞ (complete separation; Albert & Anderson 1984): its weeks are fitted exactly
    (rate 0, log-likelihood 0) and carry no information on the other coefficients. Leaving them out
    of the fit is that limit, reached without a diverging optimizer. Repeated until none is left.
    """
    active = np.ones(len(y), dtype=bool)
    separated: list[str] = []
    while True:
        found: list[tuple[str, np.ndarray[Any, Any]]] = []
        for name in map(str, indicators.columns):
            on = indicators[name].to_numpy() > 0
            if name not in separated and (on & active).any() and y[on & active].sum() == 0:
                found.append((name, on))
        for column in categories:
            values = categories[column].to_numpy()
            for level in np.unique(values[active]):
                on = values == level
                if y[on & active].sum() == 0:
                    found.append((f"{column} {level}", on))
        if not found:
            return active, separated
        for name, on in found:
            separated.append(name)
            active &= ~on


def _nb_loglik(y: np.ndarray[Any, Any], mu: np.ndarray[Any, Any], alpha: float) -> np.ndarray[Any, Any]:
    """Per-observation NB2 log-likelihood (Cameron & Trivedi 2013, eq. 3.26); Poisson at ``alpha`` 0."""
    from scipy.special import gammaln

    mu = np.maximum(mu, 1e-300)
    if alpha <= 0.0:
        return np.asarray(y * np.log(mu) - mu - gammaln(y + 1), dtype=float)
    size = 1.0 / alpha
    return np.asarray(
        gammaln(y + size) - gammaln(size) - gammaln(y + 1)
        + size * np.log(size / (size + mu)) + y * np.log(mu / (size + mu)),
        dtype=float,
    )  # fmt: skip


def _irls(
    y: np.ndarray[Any, Any], x: np.ndarray[Any, Any], alpha: float, start: np.ndarray[Any, Any] | None = None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Maximum-likelihood coefficients of an NB2 (log link) with the dispersion fixed at ``alpha``, by
    iteratively reweighted least squares with step halving (McCullagh & Nelder 1989, §2.5), and the
    fitted means. Weights μ/(1 + αμ), working response η + (y − μ)/μ."""
    if start is None:
        beta = np.zeros(x.shape[1])
        beta[0] = np.log(max(y.mean(), 1e-3))
    else:
        beta = start.copy()
    eta = x @ beta
    mu = np.exp(eta)
    llf = float(_nb_loglik(y, mu, alpha).sum())
    for _ in range(100):
        weight = mu / (1.0 + alpha * mu)
        working = eta + (y - mu) / mu
        weighted = x * weight[:, None]
        # normal equations on the small Gram matrix: LAPACK's least squares is slower by far here
        proposal = np.linalg.solve(weighted.T @ x, weighted.T @ working)
        step = proposal - beta
        for _ in range(30):
            candidate = beta + step
            eta_new = np.clip(x @ candidate, -50.0, 50.0)
            mu_new = np.exp(eta_new)
            llf_new = float(_nb_loglik(y, mu_new, alpha).sum())
            if llf_new >= llf - 1e-10:
                break
            step /= 2.0
        converged = abs(llf_new - llf) < 1e-9 * (1.0 + abs(llf))
        beta, eta, mu, llf = candidate, eta_new, mu_new, llf_new
        if converged:
            break
    return beta, mu


def _dispersion(y: np.ndarray[Any, Any], mu: np.ndarray[Any, Any]) -> float:
    """The NB2 dispersion α that maximises the likelihood given the means (0 when the Poisson is best)."""
    from scipy.optimize import minimize_scalar

    best = minimize_scalar(lambda log_a: -_nb_loglik(y, mu, float(np.exp(log_a))).sum(), bounds=(-12.0, 4.0),
                           method="bounded", options={"xatol": 1e-4})  # fmt: skip
    alpha = float(np.exp(best.x))
    return alpha if _nb_loglik(y, mu, alpha).sum() > _nb_loglik(y, mu, 0.0).sum() + 1e-8 else 0.0


def _independent_columns(x: np.ndarray[Any, Any], tolerance: float = 1e-10) -> list[int]:
    """Indices of the columns that each add to the span of the columns kept before them (Gram–Schmidt
    order, a QR without pivoting, done on the small Gram matrix: a column whose squared distance to
    that span is below ``tolerance`` times its squared norm is left out)."""
    gram = x.T @ x
    keep: list[int] = []
    for i in range(x.shape[1]):
        own = gram[i, i]
        if own <= 0:
            continue
        cross = gram[keep, i]
        residual = own - cross @ np.linalg.solve(gram[np.ix_(keep, keep)], cross) if keep else own
        if residual > tolerance * own:
            keep.append(i)
    return keep


def _design_matrix(
    numeric: pd.DataFrame, categories: pd.DataFrame, active: np.ndarray[Any, Any], separated: Sequence[str]
) -> tuple[list[str], np.ndarray[Any, Any]]:
    """The regression's column names and design on the ``active`` rows: a constant, each numeric column
    that is not ``separated`` and varies there, and dummies of each category (first level left out)."""
    values = numeric.to_numpy(dtype=float)
    names: list[str] = ["const"]
    blocks: list[np.ndarray[Any, Any]] = [np.ones((int(active.sum()), 1))]
    for i, column in enumerate(map(str, numeric.columns)):
        kept_values = values[active, i]
        if column not in separated and (kept_values != kept_values[0]).any():
            names.append(column)
            blocks.append(kept_values[:, None])
    for column in map(str, categories.columns):
        levels = categories[column].to_numpy()[active]
        found = np.unique(levels)[1:]  # the first level is the reference
        names.extend(f"{column}_{level}" for level in found)
        blocks.append((levels[:, None] == found[None, :]).astype(float))
    return names, np.hstack(blocks)


def _fit(y: np.ndarray[Any, Any], numeric: pd.DataFrame, categories: pd.DataFrame, alpha: float | None = None) -> _Fit:
    """Negative binomial regression (NB2; Cameron & Trivedi 2013 §3.3) of the weekly counts on
    ``numeric`` columns and dummies of each ``categories`` column (first level left out).

    ``alpha`` ``None``: the dispersion is estimated with the coefficients (alternating IRLS for the
    coefficients and a one-dimensional maximisation for α until α settles; the Poisson model when
    α sits on its boundary 0). A number: the dispersion is held there. :func:`_compare` estimates it
    in the largest model and fits the smaller ones at the same α, so that their likelihood ratios and
    the Vuong test compare the means only: in NB2 the coefficients and α are orthogonal (Lawless 1987),
    so holding α at a consistent estimate leaves the χ² limit of the likelihood ratio unchanged, and
    each fit is a few weighted least-squares steps instead of a general optimiser (issue 25: the
    calibration needs thousands of fits).
    """
    values = numeric.to_numpy(dtype=float)
    binary = [c for i, c in enumerate(numeric) if np.isin(values[:, i], (0.0, 1.0)).all()]
    active, separated = _separated(y, numeric[binary], categories)
    names, design = _design_matrix(numeric, categories, active, separated)
    # Keep a column only if it adds to the rank (an indicator that coincides with a set of year
    # dummies is not identified); the terms of interest come first, so they are kept first.
    columns = _independent_columns(design)
    kept = [names[i] for i in columns]
    x = design[:, columns]
    y_active = y[active]
    if alpha is None:
        beta, mu = _irls(y_active, x, 0.0)
        dispersion = _dispersion(y_active, mu)
        for _ in range(50):
            beta, mu = _irls(y_active, x, dispersion, beta)
            settled = _dispersion(y_active, mu)
            done = abs(settled - dispersion) <= 1e-4 * max(dispersion, 1e-3)
            dispersion = settled
            if done:
                break
    else:
        dispersion = alpha
    beta, mu = _irls(y_active, x, dispersion, None if alpha is not None else beta)
    family = "negative binomial" if dispersion > 0 else "poisson (no over-dispersion)"
    weight = mu / (1.0 + dispersion * mu)
    errors = np.sqrt(np.maximum(np.diag(np.linalg.pinv((x * weight[:, None]).T @ x)), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        wald = 2 * stats.norm.sf(np.abs(beta / errors))
    loglik = np.zeros(len(y))
    loglik[active] = _nb_loglik(y_active, mu, dispersion)
    mean = np.zeros(len(y))
    mean[active] = mu
    estimates = {
        str(name): (float(beta[i]), float(beta[i] - Z95 * errors[i]), float(beta[i] + Z95 * errors[i]), float(wald[i]))
        for i, name in enumerate(kept)
    }
    return _Fit(loglik, mean, estimates, separated, len(beta) + len(separated) + (dispersion > 0), family, dispersion)


def vuong_test(
    loglik_a: np.ndarray[Any, Any],
    loglik_b: np.ndarray[Any, Any],
    parameters_a: int = 0,
    parameters_b: int = 0,
    *,
    correction: str = "none",
) -> dict[str, Any]:
    """Vuong's (1989) test of two non-nested models from their per-observation log-likelihoods.

    ``z`` = (Σ (ℓa − ℓb) − c) / (√n · ω̂); positive favours model a. ω̂² is the Newey–West (1987)
    long-run variance of ℓa − ℓb (Bartlett kernel, ⌊4 (n/100)^(2/9)⌋ lags), as Rivers & Vuong (2002)
    allow for dependent observations such as weeks. ``correction`` ``"schwarz"`` sets
    c = (ka − kb)/2 · log n (Vuong 1989, eq. 5.7), which charges the model with more parameters;
    ``"none"`` sets c = 0. Two-sided p-value from the normal distribution.
    """
    if correction not in ("none", "schwarz"):
        raise UsageError(f"unknown correction {correction!r}; expected 'none' or 'schwarz'")
    difference = np.asarray(loglik_a, dtype=float) - np.asarray(loglik_b, dtype=float)
    n = len(difference)
    lags = int(np.floor(4 * (n / 100) ** (2 / 9)))
    adjust = (parameters_a - parameters_b) / 2 * np.log(n) if correction == "schwarz" else 0.0
    mean = (difference.sum() - adjust) / n
    spread = float(np.std(difference))
    if spread == 0.0:
        z = 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
    else:
        centred = difference - difference.mean()
        variance = centred @ centred / n
        for lag in range(1, lags + 1):
            variance += 2 * (1 - lag / (lags + 1)) * (centred[lag:] @ centred[:-lag]) / n
        z = float(mean / np.sqrt(variance / n))
    return {
        "test": "vuong",
        "z": z,
        "p_value": float(2 * stats.norm.sf(abs(z))),
        "log_likelihood_ratio": float(difference.sum()),
        "correction": correction,
        "hac_lags": lags,
    }


def _terms(fit: _Fit, names: Sequence[str], lr: dict[str, float | None]) -> list[dict[str, Any]]:
    """Incidence-rate ratios with 95 % (Wald) intervals; no number for a separated or runaway term.

    ``p_value`` is the likelihood-ratio test of the term (``lr``: the fit without it, at the same
    dispersion); ``p_value_wald`` the Wald z of the coefficient, kept for comparison: with sparse weekly
    counts and a skewed lag regressor it rejects too often under the null (methods §8, validation).
    """
    terms: list[dict[str, Any]] = []
    for name in names:
        estimate = fit.estimates.get(name)
        if estimate is None or abs(estimate[0]) > UNSTABLE_COEFFICIENT or not np.all(np.isfinite(estimate[:3])):
            # quasi-separation (e.g. no provocation in any window of a kind): no number is claimed
            terms.append(
                {"term": name, "status": "unstable", "coefficient": None, "irr": None, "irr_low": None,
                 "irr_high": None, "p_value": None, "p_value_wald": None}
            )  # fmt: skip
            continue
        coefficient, low, high, wald = estimate
        terms.append(
            {
                "term": name,
                "status": "ok",
                "coefficient": coefficient,
                "irr": float(np.exp(coefficient)),
                "irr_low": float(np.exp(low)),
                "irr_high": float(np.exp(high)),
                "p_value": lr.get(name, wald),
                "p_value_wald": wald,
            }
        )
    return terms


def _lr_p(bigger: _Fit, smaller: _Fit) -> float | None:
    """Likelihood-ratio test of nested fits (Wilks 1938), df the difference in parameters."""
    df = bigger.parameters - smaller.parameters
    if df < 1:
        return None
    return float(stats.chi2.sf(max(2 * (bigger.llf - smaller.llf), 0.0), df))


def _signed_root_p(bigger: _Fit, smaller: _Fit, term: str) -> float | None:
    """One-sided likelihood-ratio test that ``term``'s coefficient is positive: the signed root
    r = sign(b)·√LR is standard normal under b = 0 (Barndorff-Nielsen & Cox 1994, §3.4), p = Φ(−r).

    Self-excitation is non-negative by definition (a Hawkes kernel is ≥ 0), and with the time
    controls the lag coefficient is biased downwards under no memory (about −0.12 on the log scale
    in the calibration: a Nickell-type bias of the spline and the month effects), so the two-sided
    test rejected a memoryless rate in 12 % of seeds at 5 % (docs/validation.md); the one-sided test
    asks the question that is asked, and the bias makes it conservative, not liberal."""
    estimate = bigger.estimates.get(term)
    two_sided = _lr_p(bigger, smaller)
    if estimate is None or two_sided is None:
        return None
    root = float(np.sign(estimate[0]) * np.sqrt(max(2 * (bigger.llf - smaller.llf), 0.0)))
    return float(stats.norm.sf(root))


def time_spline(design: pd.DataFrame) -> pd.DataFrame:
    """Cubic B-spline basis in time (de Boor 1978), one degree of freedom per :data:`SPLINE_YEARS`
    years (at least 3), equally spaced knots; the first column is left out (the constant holds the level).

    A smooth trend rather than year effects: with one free effect per year, the lag term is biased
    downwards (the incidental-parameter bias of dynamic models with fixed effects, Nickell 1981:
    within a year whose total is fitted exactly, weeks after many provocations must have fewer),
    which ``docs/validation.md`` measures.
    """
    from scipy.interpolate import BSpline

    years = ((design["week"] - design["week"].iloc[0]).dt.days / 365.25).to_numpy()
    df = max(3, int(round((years[-1] - years[0]) / SPLINE_YEARS)))
    degree = 3
    inner = np.linspace(years[0], years[-1], df - degree + 2)[1:-1]
    knots = np.r_[[years[0]] * (degree + 1), inner, [years[-1]] * (degree + 1)]
    basis = BSpline.design_matrix(years, knots, degree).toarray()[:, 1:]
    return pd.DataFrame(basis, index=design.index, columns=[f"spline_{i}" for i in range(basis.shape[1])])


def _compare(design: pd.DataFrame, kinds: list[str], controls: str, alpha: float, correction: str) -> dict[str, Any]:
    """Lag only, triggers only, both (and controls only), with the given time controls."""
    y = design["provocations"].to_numpy(dtype=float)
    numeric = design[["recent", *kinds]].astype(float)
    smooth = time_spline(design) if controls == "spline" else pd.DataFrame(index=design.index)
    categories = {"spline": design[["month"]], "year": design[["year", "month"]]}.get(controls, design[[]])
    both = _fit(y, pd.concat([numeric, smooth], axis=1), categories)
    lag_only = _fit(y, pd.concat([numeric[["recent"]], smooth], axis=1), categories, both.alpha)
    triggers_only = _fit(y, pd.concat([numeric[kinds], smooth], axis=1), categories, both.alpha)
    baseline = _fit(y, smooth, categories, both.alpha)
    lr = {"recent": _signed_root_p(both, triggers_only, "recent")}
    for kind in kinds:
        rest = [k for k in ["recent", *kinds] if k != kind]
        lr[kind] = _lr_p(both, _fit(y, pd.concat([numeric[rest], smooth], axis=1), categories, both.alpha))
    comparison = vuong_test(
        lag_only.loglik, triggers_only.loglik, lag_only.parameters, triggers_only.parameters, correction=correction
    )
    # Vuong (1989, §7) for overlapping models: the z statistic is normal only when the two models differ
    # (ω² > 0). Here they share the controls and differ in terms that are all zero exactly when both
    # reduce to the controls, so a first likelihood-ratio test of the lag and the triggers together
    # must reject before z is read (otherwise z has no normal limit; Shi 2015).
    joint_p = _lr_p(both, baseline)
    comparison["joint_lr_p"] = joint_p
    comparison["favours"] = "lag" if comparison["z"] > 0 else "triggers" if comparison["z"] < 0 else None
    comparison["alpha"] = alpha
    verdict = verdict_of(comparison)
    return {
        "terms": _terms(both, ["recent", *kinds] if controls != "none" else ["const", "recent", *kinds], lr),
        "family": both.family,
        "dispersion_alpha": both.alpha,
        "aic": {"lag_only": lag_only.aic, "triggers_only": triggers_only.aic, "both": both.aic}
        | ({"controls_only": baseline.aic} if controls != "none" else {}),
        "lr_p_lag_given_triggers": _lr_p(both, triggers_only),
        "lr_p_triggers_given_lag": _lr_p(both, lag_only),
        "lag_predicts_better": bool(lag_only.aic < triggers_only.aic),
        "comparison": comparison,
        "verdict": verdict,
        "separated": both.separated,
    }


def verdict_of(comparison: dict[str, Any]) -> str:
    """``self_exciting`` or ``trigger_driven`` only when the joint likelihood-ratio test and the Vuong
    test both reject at ``comparison["alpha"]`` (Vuong 1989, §7: read z only once the overlapping
    models are shown to differ); ``undecided`` otherwise."""
    joint, vuong, alpha = comparison["joint_lr_p"], comparison["p_value"], comparison["alpha"]
    if joint is None or joint >= alpha or vuong >= alpha or comparison["favours"] is None:
        return "undecided"
    return "self_exciting" if comparison["favours"] == "lag" else "trigger_driven"


def count_model(
    design: pd.DataFrame,
    kinds: Sequence[str],
    *,
    time_controls: str = "spline",
    alpha: float = ALPHA,
    correction: str = "none",
) -> dict[str, Any]:
    """Negative binomial regressions of weekly provocation days, and Hess's comparison as a test.

    ``time_controls``: ``"spline"`` (the default: a cubic B-spline in time, :func:`time_spline`, and
    month-of-year effects), ``"year"`` (year effects and month-of-year effects) or ``"none"``. With
    controls, slow changes in the rate (eras of many or few launches) and seasons are not read as
    memory or as triggers (issue 25), and the same models without them are reported under
    ``without_time_controls``. The lag-only and the triggers-only model are compared with
    :func:`vuong_test` after a joint likelihood-ratio test (see :func:`_compare`); ``verdict`` is
    ``self_exciting`` or ``trigger_driven`` only when both reject at ``alpha``, else ``undecided``.
    """
    if time_controls not in TIME_CONTROLS:
        raise UsageError(f"unknown time controls {time_controls!r}; expected one of {', '.join(TIME_CONTROLS)}")
    kinds = [k for k in kinds if k in design and design[k].nunique() > 1]
    y = design["provocations"].to_numpy()
    if y.sum() < 10:
        raise InsufficientDataError(
            f"only {int(y.sum())} provocation days in the period; the count model needs at least 10 (widen --from/--to)"
        )
    model: dict[str, Any] = {"weeks": len(y), "provocation_days": int(y.sum())}
    model["time_controls"] = TIME_CONTROLS[time_controls]
    model |= _compare(design, kinds, time_controls, alpha, correction)
    if time_controls != "none":
        model["without_time_controls"] = _compare(design, kinds, "none", alpha, correction)
    model["verdict_sentence"] = verdict_sentence(model)
    return model


def _p(value: float | None) -> str:
    if value is None:
        return "p not defined"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


VERDICT_READINGS = {
    "self_exciting": "recent provocations predict better",
    "trigger_driven": "the triggers predict better",
    "undecided": "the data do not decide",
}


def verdict_sentence(model: dict[str, Any]) -> str:
    """The one sentence on Hess's question that the overview, the command and the methods page print.

    Generated from ``count_model``'s result: a winner is named only when it wins the comparison
    with the time controls and the comparison is significant; otherwise the sentence says that the
    data do not decide, and why. When the model without time controls reads differently, it says so.
    """
    comparison, verdict = model["comparison"], model["verdict"]
    held = f"with {model['time_controls']} held fixed" if model["time_controls"] != "none" else "without time controls"
    vuong = f"Vuong z = {comparison['z']:.2f}, {_p(comparison['p_value'])}"
    claim = "predict the next week's provocations better than"
    if verdict == "self_exciting":
        text = f"recent provocations {claim} the triggers do, {held} ({vuong})."
    elif verdict == "trigger_driven":
        text = f"the triggers {claim} recent provocations do, {held} ({vuong})."
    elif comparison["joint_lr_p"] is None or comparison["joint_lr_p"] >= comparison["alpha"]:
        text = (
            "the data do not decide between recent provocations and the triggers: "
            f"{held}, neither adds to the time controls (likelihood-ratio {_p(comparison['joint_lr_p'])})."
        )
    else:
        better = {"lag": "recent provocations", "triggers": "the triggers", None: "neither"}[comparison["favours"]]
        text = (
            "the data do not decide between recent provocations and the triggers: "
            f"{held}, {better} fit better, but not significantly ({vuong})."
        )
    plain = model.get("without_time_controls")
    if plain is not None and plain["verdict"] != verdict:
        text += (
            f" Without time controls the comparison would read \u201c{VERDICT_READINGS[plain['verdict']]}\u201d "
            f"(Vuong z = {plain['comparison']['z']:.2f}, {_p(plain['comparison']['p_value'])})."
        )
    return text


@dataclass
class ProvocationsResult:
    """Event study and count models for one or more periods."""

    focus: str
    sources: list[str]
    window_days: int
    periods: list[dict[str, Any]]
    method: dict[str, str]
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "sources": self.sources,
            "window_days": self.window_days,
            "method": self.method,
            "periods": self.periods,
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one sentence a period, from the event study and the count model's verdict."""
        from dyadwatch.analysis.wording import listing, pvalue

        if not self.periods:
            return f"No period of {self.focus}'s provocations to study in this selection."
        sentences = []
        for period in self.periods:
            rows = [row for row in period.get("event_study", []) if row.get("p_value") is not None]
            found = [
                f"{row['trigger'].replace('_', ' ')} {row['side']} {row['rate_ratio']:.2g}x ({pvalue(row['p_value'])})"
                for row in rows
                if row["p_value"] < 0.05 and row.get("rate_ratio") is not None
            ]
            head = (
                f"{period['name']} ({period.get('from')} to {period.get('to')}, "
                f"{period.get('provocation_days', 0)} provocation days)"
            )
            if not rows:
                study = "no trigger window could be tested"
            elif found:
                study = f"rate in the {self.window_days}-day windows differs at 5% (unadjusted) for {listing(found, 4)}"
            else:
                study = f"none of the {len(rows)} trigger windows differs from the rest at 5% (unadjusted)"
            model = (period.get("count_model") or {}).get("verdict_sentence")
            # one sentence a period (the answer stays within three sentences for the two periods)
            sentences.append(f"{head}: {study}" + (f"; {model[0].lower()}{model[1:].rstrip('.')}." if model else "."))
        return " ".join(sentences)

    def to_frame(self) -> pd.DataFrame:
        """One row per period, trigger and side: the event study."""
        rows = [{"period": p["name"], **row} for p in self.periods for row in p["event_study"]]
        return pd.DataFrame(rows)

    def model_frame(self) -> pd.DataFrame:
        """One row per period and term of the full count model (incidence-rate ratios)."""
        rows = [
            {"period": p["name"], **term}
            for p in self.periods
            if p.get("count_model")
            for term in p["count_model"]["terms"]
        ]
        return pd.DataFrame(rows)


def provocation_days(store: Store, focus: str, sources: Sequence[str]) -> list[dt.date]:
    """Days on which ``focus`` carried out at least one act in the chosen unilateral lists."""
    marks = ", ".join("?" for _ in sources)
    rows = store.con.execute(
        f"SELECT DISTINCT date FROM events WHERE actor1 = ? AND source IN ({marks}) ORDER BY date",
        [focus, *sources],
    ).fetchall()
    return [row[0] for row in rows]


def provocations(
    store: Store,
    focus: str = "PRK",
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    sources: Sequence[str] = PROVOCATION_SOURCES,
    window: int = WINDOW_DAYS,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
    triggers: pd.DataFrame | None = None,
) -> ProvocationsResult:
    """Provocations around triggers: for ``date_from``..``date_to`` if given, else Hess's 2012–2016
    and 1990–2025 (each cut to the data). ``triggers`` defaults to the bundled trigger data."""
    from dyadwatch.ingest.triggers import triggers as bundled_triggers

    focus = focus.upper()
    if window < 1:
        raise UsageError("--window must be at least 1 day")
    days = provocation_days(store, focus, sources)
    if not days:
        raise UsageError(
            f"no acts of {focus} from {', '.join(sources)} in the store; run dyadwatch demo (bundled lists) first"
        )
    table = bundled_triggers() if triggers is None else triggers
    periods = _periods(days, date_from, date_to)
    notes: list[str] = []
    results: list[dict[str, Any]] = []
    for name, (start, end) in periods.items():
        end_day = min(dt.date.fromisoformat(end), days[-1])
        results.append(_period_entry(name, start, end_day, days, table, window, permutations, seed, notes))
    notes.append(
        "the exercise list is a sample (only exercises with sourced start and end days); UN resolutions end "
        "in 2017; a missing trigger counts its days as 'elsewhere', which biases ratios towards 1"
    )
    return ProvocationsResult(
        focus=focus,
        sources=list(sources),
        window_days=window,
        periods=results,
        method=_methods(window, permutations),
        notes=notes,
    )


def _periods(days: list[dt.date], date_from: str | None, date_to: str | None) -> dict[str, tuple[str, str]]:
    """The periods to study: ``date_from``..``date_to`` (either defaulting to the first or last
    provocation) when one is given, else the standard :data:`PERIODS`."""
    from dyadwatch.days import parse_day

    if not (date_from or date_to):
        return dict(PERIODS)
    first = parse_day(date_from or days[0].isoformat(), "--from")
    last = parse_day(date_to or days[-1].isoformat(), "--to")
    if last <= first:
        raise UsageError(f"--to ({last}) must come after --from ({first})")
    return {f"{first}_{last}": (first.isoformat(), last.isoformat())}


def _period_entry(
    name: str,
    start: str,
    end_day: dt.date,
    days: list[dt.date],
    table: pd.DataFrame,
    window: int,
    permutations: int,
    seed: int,
    notes: list[str],
) -> dict[str, Any]:
    """One period's event study and count model (None, with a note, when the data cannot fit it)."""
    design = weekly_design(days, table, start, end_day, window=window)
    # the time controls need a year of weeks and some provocations; otherwise no rate-adjusted scheme
    expected = expected_daily(design, start, end_day) if len(design) >= 52 and design["provocations"].any() else None
    entry: dict[str, Any] = {
        "name": name,
        "from": start,
        "to": end_day.isoformat(),
        "provocation_days": sum(1 for d in days if start <= d.isoformat() <= end_day.isoformat()),
        "event_study": event_study(
            days, table, start, end_day, window=window, permutations=permutations, seed=seed, expected=expected
        ),
    }
    try:
        entry["count_model"] = count_model(design, sorted(table["kind"].unique()))
    except InsufficientDataError as exc:
        entry["count_model"] = None
        notes.append(f"{name}: {exc}")
    return entry


def _methods(window: int, permutations: int) -> dict[str, str]:
    """How the event study and the count model were computed, for the result's ``method``."""
    return {
        "event_study": f"provocation days within {window} days before / from the start to {window} days after "
        "each trigger, against all other days, two-sided on the log rate ratio; p_value from random circular "
        f"shifts of the whole trigger calendar ({permutations}), p_value_local from moving each trigger by its "
        f"own random {LOCAL_SHIFT_DAYS[0]}-{LOCAL_SHIFT_DAYS[1]} days earlier or later inside the period "
        f"({permutations}), p_value_adjusted from the same whole-span shifts of the ratio of observed to expected "
        "provocation days, expected from the time controls alone; " + SCHEME_TRUST,
        "count_model": "negative binomial regression of weekly provocation days on log(1 + provocation days in "
        f"the previous {LAG_WEEKS} weeks) and one after-window indicator per trigger kind, with time controls "
        f"({TIME_CONTROLS['spline']}); incidence-rate ratios with 95% intervals; lag-only vs triggers-only "
        "compared by a Vuong test (Newey-West variance) after a joint likelihood-ratio test of both; the same "
        "models without time controls under without_time_controls",
    }
