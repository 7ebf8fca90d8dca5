"""What makes Pyongyang harden? ``dyadwatch provocations FOCUS`` (issue 13).

Two questions from the literature (methods §8): do provocations follow outside **triggers**
(UN Security Council resolutions, US–ROK exercises, South Korean and US elections), or their own
rhythm? Hess (2017) found for 2012–2016 that a recent provocation predicts the next better than the
usual triggers; D'Orazio (2012) found no systematic escalation around exercises in ICEWS data.

* **Event study with a permutation test.** A provocation *day* is a day with at least one act in
  the chosen lists (the CSIS provocations and the CNS missile tests often record the same act, so
  days, not rows, are counted). For each trigger kind, the rate of provocation days in the
  ``window`` days *before* each trigger and in the window *after* it (from its first day to
  ``window`` days after its last, so an exercise counts in full) is compared with the rate on all
  other days. The p-value comes from shifting the whole trigger calendar by a random offset
  (circularly within the period), which keeps the spacing of triggers and the clustering of
  provocations and breaks only their alignment (a standard test for the association of two point
  processes); two-sided on the log rate ratio.
* **Self-exciting count model.** Weekly counts of provocation days, negative binomial regression
  (statsmodels, dispersion estimated) on ``log(1 + provocation days in the previous 4 weeks)``
  (self-excitation) and one indicator per trigger kind (the week overlaps a trigger's after-window).
  Coefficients are reported as incidence-rate ratios with 95 % intervals. Hess's comparison is the
  fit (AIC) of the model with the lag only against the model with the triggers only, and
  likelihood-ratio tests of each block given the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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


def _windows(triggers: pd.DataFrame, first: pd.Timestamp, days: int, side: str, window: int) -> np.ndarray:
    """0/1 per day of ``days`` days from ``first``: inside any trigger's before or after window."""
    mask = np.zeros(days, dtype=bool)
    for start, end in zip(triggers["start"], triggers["end"], strict=True):
        s = (pd.Timestamp(start) - first).days
        e = (pd.Timestamp(end) - first).days
        lo, hi = (s - window, s - 1) if side == "before" else (s, e + window)
        lo, hi = max(lo, 0), min(hi, days - 1)
        if lo <= hi:
            mask[lo : hi + 1] = True
    return mask


def _rate_ratio(hits: np.ndarray, mask: np.ndarray) -> float:
    inside, outside = mask.sum(), (~mask).sum()
    if inside == 0 or outside == 0:
        return float("nan")
    rate_in = hits[mask].sum() / inside
    rate_out = hits[~mask].sum() / outside
    if rate_out == 0:
        return float("inf") if rate_in > 0 else float("nan")
    return float(rate_in / rate_out)


def event_study(
    provocation_days: Sequence[dt.date] | pd.DatetimeIndex,
    triggers: pd.DataFrame,
    start: str | dt.date,
    end: str | dt.date,
    *,
    window: int = WINDOW_DAYS,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per trigger kind and side (before/after): provocation-day rates inside the windows and on the
    other days, their ratio, and the permutation p-value (random circular shifts of the trigger calendar)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    days = (last - first).days + 1
    hits = np.zeros(days)
    for day in pd.DatetimeIndex(pd.to_datetime(list(provocation_days))):
        offset = (day - first).days
        if 0 <= offset < days:
            hits[offset] = 1.0
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    chosen = triggers[(pd.to_datetime(triggers["end"]) >= first) & (pd.to_datetime(triggers["start"]) <= last)]
    for kind, group in chosen.groupby("kind", sort=True):
        shifts = rng.integers(1, days, permutations)
        for side in ("before", "after"):
            mask = _windows(group, first, days, side, window)
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
            }
            if np.isfinite(observed) and observed > 0:
                stat = abs(np.log(observed))
                extreme = 0
                for shift in shifts:
                    ratio = _rate_ratio(hits, np.roll(mask, int(shift)))
                    if np.isfinite(ratio) and ratio > 0:
                        extreme += abs(np.log(ratio)) >= stat - 1e-12
                    else:
                        extreme += 1
                row["p_value"] = float((extreme + 1) / (permutations + 1))
            rows.append(row)
    return rows


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
    ``lag_weeks`` weeks' provocation days) and one 0/1 column per trigger kind (after-window overlaps)."""
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
    past = frame["provocations"].shift(1).rolling(lag_weeks, min_periods=lag_weeks).sum()
    frame["recent"] = np.log1p(past)
    for kind, group in triggers.groupby("kind", sort=True):
        mask = _windows(group, first, days, "after", window)[: weeks * 7].reshape(weeks, 7).any(1)
        frame[str(kind)] = mask.astype(float)
    return frame.dropna().reset_index(drop=True)


def count_model(design: pd.DataFrame, kinds: Sequence[str]) -> dict[str, Any]:
    """Negative binomial regressions of weekly provocation days: lag only, triggers only, both.

    Returns incidence-rate ratios with 95 % intervals for the full model, the AIC of each, and
    likelihood-ratio p-values for the lag given the triggers and for the triggers given the lag.
    """
    import warnings

    import statsmodels.api as sm
    from scipy import stats

    kinds = [k for k in kinds if k in design and design[k].nunique() > 1]
    y = design["provocations"].to_numpy()
    if y.sum() < 10:
        raise InsufficientDataError(
            f"only {int(y.sum())} provocation days in the period; the count model needs at least 10 (widen --from/--to)"
        )

    def fit(columns: list[str]) -> Any:
        x = (
            sm.add_constant(design[columns].to_numpy(dtype=float), has_constant="add")
            if columns
            else np.ones((len(y), 1))
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sm.NegativeBinomial(y, x).fit(disp=False, maxiter=200)
            if np.all(np.isfinite(np.asarray(result.bse))):
                return result
            # No over-dispersion: the dispersion sits on its boundary (0) and the negative binomial's
            # covariance is undefined there; the Poisson model is its limit.
            return sm.Poisson(y, x).fit(disp=False, maxiter=200)

    full_columns = ["recent", *kinds]
    full, lag_only, trig_only = fit(full_columns), fit(["recent"]), fit(list(kinds))
    names = ["const", *full_columns]
    poisson = len(np.asarray(full.params)) == len(full_columns) + 1
    params, conf = np.asarray(full.params), np.asarray(full.conf_int(0.05))
    pvalues = np.asarray(full.pvalues)
    coefficients: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        if abs(params[i]) > UNSTABLE_COEFFICIENT or not np.all(np.isfinite(conf[i])):
            # quasi-separation (e.g. no provocation in any window of a kind): no number is claimed
            coefficients.append(
                {"term": name, "status": "unstable", "coefficient": None, "irr": None, "irr_low": None,
                 "irr_high": None, "p_value": None}
            )  # fmt: skip
            continue
        coefficients.append(
            {
                "term": name,
                "status": "ok",
                "coefficient": float(params[i]),
                "irr": float(np.exp(params[i])),
                "irr_low": float(np.exp(conf[i, 0])),
                "irr_high": float(np.exp(conf[i, 1])),
                "p_value": float(pvalues[i]),
            }
        )

    def lr_p(bigger: Any, smaller: Any, df: int) -> float | None:
        if df < 1:
            return None
        return float(stats.chi2.sf(max(2 * (bigger.llf - smaller.llf), 0.0), df))

    return {
        "weeks": len(y),
        "provocation_days": int(y.sum()),
        "terms": coefficients,
        "family": "poisson (no over-dispersion)" if poisson else "negative binomial",
        "dispersion_alpha": 0.0 if poisson else float(params[-1]),
        "aic": {"lag_only": float(lag_only.aic), "triggers_only": float(trig_only.aic), "both": float(full.aic)},
        "lr_p_lag_given_triggers": lr_p(full, trig_only, 1),
        "lr_p_triggers_given_lag": lr_p(full, lag_only, len(kinds)),
        "lag_predicts_better": bool(lag_only.aic < trig_only.aic),
    }


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
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

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
    from dyadwatch.analysis.shifts import _parse_date
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
    if date_from or date_to:
        first = _parse_date(date_from or days[0].isoformat(), "--from")
        last = _parse_date(date_to or days[-1].isoformat(), "--to")
        if last <= first:
            raise UsageError(f"--to ({last}) must come after --from ({first})")
        periods = {f"{first}_{last}": (first.isoformat(), last.isoformat())}
    else:
        periods = dict(PERIODS)
    notes: list[str] = []
    results: list[dict[str, Any]] = []
    last_data = days[-1]
    for name, (start, end) in periods.items():
        end_day = min(dt.date.fromisoformat(end), last_data)
        entry: dict[str, Any] = {
            "name": name,
            "from": start,
            "to": end_day.isoformat(),
            "provocation_days": sum(1 for d in days if start <= d.isoformat() <= end_day.isoformat()),
            "event_study": event_study(
                days, table, start, end_day, window=window, permutations=permutations, seed=seed
            ),
        }
        design = weekly_design(days, table, start, end_day, window=window)
        try:
            entry["count_model"] = count_model(design, sorted(table["kind"].unique()))
        except InsufficientDataError as exc:
            entry["count_model"] = None
            notes.append(f"{name}: {exc}")
        results.append(entry)
    notes.append(
        "the exercise list is a sample (only exercises with sourced start and end days); UN resolutions end "
        "in 2017; a missing trigger counts its days as 'elsewhere', which biases ratios towards 1"
    )
    return ProvocationsResult(
        focus=focus,
        sources=list(sources),
        window_days=window,
        periods=results,
        method={
            "event_study": f"provocation days within {window} days before / from the start to {window} days after "
            "each trigger, against all other days; p-value from random circular shifts of the trigger calendar "
            f"({permutations}), two-sided on the log rate ratio",
            "count_model": "negative binomial regression of weekly provocation days on log(1 + provocation days in "
            f"the previous {LAG_WEEKS} weeks) and one after-window indicator per trigger kind; incidence-rate ratios "
            "with 95% intervals; AIC of lag-only vs triggers-only (Hess 2017) and likelihood-ratio tests",
        },
        notes=notes,
    )
