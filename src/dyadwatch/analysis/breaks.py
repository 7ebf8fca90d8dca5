"""Regime changes in a dyad series: PELT or binary segmentation, and a Markov-switching second opinion.

Segmentation minimises Σ_k C(segment_k) + β·K (Killick, Fearnhead & Eckley 2012, *JASA* 107:
1590–1598, PELT; binary segmentation, with ruptures (Truong, Oudre & Vayatis 2020), as the greedy
alternative). One cost serves every metric: a change in location of the series' normal scores
(ranks), which stays calibrated on sparse, zero-inflated and heavy-tailed series and cannot turn a
one-period spike into a regime; the penalty β is the larger of MBIC (3·log n) and a permutation
floor. Why, and the references: :mod:`dyadwatch.analysis.costs`; measured false-alarm rates and
power: ``docs/validation.md``. ``regime_r2`` =
Σ_k n_k (ȳ_k − ȳ)² / Σ_t (y_t − ȳ)² is the share of the series' variance that the regimes explain
(design §8). The optional 2-regime Markov-switching model (Hamilton 1989; statsmodels
``MarkovRegression`` with switching variance) gives regime means and expected durations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import ruptures as rpt

from dyadwatch.analysis.costs import CostNormalScores, mbic_penalty, normal_scores, pelt_mean, permutation_penalty
from dyadwatch.analysis.periods import FREQ_NAMES, check_freq, infer_freq, period_offset
from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

METRICS = ("goldstein_mean", "goldstein_sum", "events")
METHODS = ("pelt", "binseg")
#: Built-in events shown beside a break: from the period before the break to the end of its first
#: period (where the change happened), matching its direction, at most this many.
NEARBY_PERIODS = 1
MAX_NEARBY = 3
#: Fewest periods for the Markov-switching model (two means, two variances, two transition probabilities).
MIN_MARKOV_PERIODS = 20
BUILT_IN_SOURCES = ("chronology", "provocations")
#: Multiples of the MBIC penalty in the sensitivity sweep.
SWEEP_FACTORS = (0.5, 1.0, 2.0, 4.0)


@dataclass
class NearbyEvent:
    date: str
    summary: str
    reference: str
    source: str
    goldstein: float | None = None
    summit: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "summary": self.summary,
            "reference": self.reference,
            "source": self.source,
            "goldstein": self.goldstein,
            "summit": self.summit,
        }


@dataclass
class Break:
    date: str  # first period of the new regime
    index: int  # its position in the series
    before_mean: float
    after_mean: float
    nearby_events: list[NearbyEvent] = field(default_factory=list)
    nearby_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "index": self.index,
            "before_mean": self.before_mean,
            "after_mean": self.after_mean,
            "change": self.after_mean - self.before_mean,
            "nearby_events": [event.to_dict() for event in self.nearby_events],
            "nearby_note": self.nearby_note,
        }


@dataclass
class MarkovRegimes:
    """Two-regime Markov-switching summary; ``status`` says when it could not be fitted."""

    status: str
    reason: str | None = None
    means: list[float] = field(default_factory=list)
    variances: list[float] = field(default_factory=list)
    expected_durations: list[float] = field(default_factory=list)
    switches: list[str] = field(default_factory=list)  # first periods where the likelier regime changes
    switching_variance: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "regime_means": self.means,
            "regime_variances": self.variances,
            "expected_durations": self.expected_durations,
            "switches": self.switches,
            "switching_variance": self.switching_variance,
        }


@dataclass
class BreaksResult:
    actor1: str | None
    actor2: str | None
    freq: str
    metric: str
    method: str
    status: str  # ok | insufficient_data
    reason: str | None
    n_periods: int
    penalty: float | None
    min_size: int
    regime_r2: float | None
    breaks: list[Break]
    segments: list[dict[str, Any]]
    markov: MarkovRegimes | None
    normalize: str = "none"
    drop_statements: bool = False
    notes: list[str] = field(default_factory=list)
    penalty_sweep: list[dict[str, float]] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor1": self.actor1,
            "actor2": self.actor2,
            "freq": self.freq,
            "metric": self.metric,
            "method": self.method,
            "status": self.status,
            "reason": self.reason,
            "n_periods": self.n_periods,
            "penalty": self.penalty,
            "min_size": self.min_size,
            "normalize": self.normalize,
            "drop_statements": self.drop_statements,
            "regime_r2": self.regime_r2,
            "breaks": [item.to_dict() for item in self.breaks],
            "segments": self.segments,
            "penalty_sweep": self.penalty_sweep,
            "markov": self.markov.to_dict() if self.markov else None,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "date": item.date,
                "before_mean": item.before_mean,
                "after_mean": item.after_mean,
                "nearby_events": len(item.nearby_events),
                "first_nearby": item.nearby_events[0].summary if item.nearby_events else item.nearby_note,
            }
            for item in self.breaks
        ]
        return pd.DataFrame(rows, columns=["date", "before_mean", "after_mean", "nearby_events", "first_nearby"])


def default_penalty(values: np.ndarray[Any, np.dtype[np.float64]], min_size: int = 3) -> float:
    """β = max(MBIC, permutation floor) for the series (see :mod:`dyadwatch.analysis.costs`)."""
    signal = np.asarray(values, dtype=float)
    floor = permutation_penalty(normal_scores(signal), min_size=min_size) if np.ptp(signal) > 0 else 0.0
    return max(mbic_penalty(len(signal)), floor)


def detect_breaks(
    values: np.ndarray[Any, np.dtype[np.float64]],
    *,
    metric: str = "goldstein_mean",
    method: str = "pelt",
    min_size: int = 3,
    penalty: float | None = None,
) -> list[int]:
    """Indices where a new regime starts (the first period of each segment after the first).

    The same rank-based cost serves every ``metric`` (kept for callers that name it).
    """
    if method not in METHODS:
        raise UsageError(f"method must be pelt or binseg, not {method!r}")
    signal = np.asarray(values, dtype=float)
    if len(signal) < 2 * min_size or np.ptp(signal) == 0:
        return []
    beta = default_penalty(signal, min_size) if penalty is None else penalty
    if method == "pelt":
        return pelt_mean(normal_scores(signal), min_size=min_size, penalty=beta)
    found = rpt.Binseg(custom_cost=CostNormalScores(min_size), min_size=min_size, jump=1).fit(signal).predict(pen=beta)
    return [int(b) for b in found if b < len(signal)]


def regime_r2(values: np.ndarray[Any, np.dtype[np.float64]], starts: list[int]) -> float | None:
    """Σ_k n_k (ȳ_k − ȳ)² / Σ_t (y_t − ȳ)²; None for a constant series (0/0)."""
    signal = np.asarray(values, dtype=float)
    total = float(((signal - signal.mean()) ** 2).sum())
    if total == 0:
        return None
    bounds = [0, *starts, len(signal)]
    between = sum((end - begin) * (signal[begin:end].mean() - signal.mean()) ** 2 for begin, end in pairwise(bounds))
    return float(between / total)


def markov_regimes(values: np.ndarray[Any, np.dtype[np.float64]], periods: list[str]) -> MarkovRegimes:
    """Two-regime MarkovRegression (switching mean and variance) via statsmodels."""
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    signal = np.asarray(values, dtype=float)
    if len(signal) < MIN_MARKOV_PERIODS:
        return MarkovRegimes("insufficient_data", f"{len(signal)} periods; the model needs {MIN_MARKOV_PERIODS}")
    if np.ptp(signal) == 0:
        return MarkovRegimes("insufficient_data", "the series is constant")
    fitted, problem, means, variances, switching = None, "", [], [], True
    # Switching variance first (methods.md §3.4); a regime of identical values (e.g. years without
    # events) has no variance and breaks that fit, so fall back to one common variance.
    for switching in (True, False):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted = MarkovRegression(signal, k_regimes=2, trend="c", switching_variance=switching).fit(
                    disp=False, search_reps=5
                )
        except (np.linalg.LinAlgError, ValueError) as exc:
            problem = f"the model did not converge ({exc})"
            continue
        params = np.asarray(fitted.params)
        names = list(fitted.model.param_names)
        means = [float(params[names.index(f"const[{k}]")]) for k in range(2)]
        variances = [float(params[names.index(f"sigma2[{k}]" if switching else "sigma2")]) for k in range(2)]
        if all(np.isfinite(means + variances)):
            break
        fitted, problem = None, "the model gave non-finite estimates"
    if fitted is None:
        return MarkovRegimes("failed", problem)
    likely = np.asarray(fitted.smoothed_marginal_probabilities).argmax(axis=1)
    switches = [periods[t] for t in range(1, len(likely)) if likely[t] != likely[t - 1]]
    durations = [float(d) for d in np.asarray(fitted.expected_durations)]
    return MarkovRegimes("ok", None, means, variances, durations, switches, switching)


def _nearby(
    events: pd.DataFrame | None, moment: pd.Timestamp, freq: str, partners: set[str], change: float, metric: str
) -> tuple[list[NearbyEvent], str]:
    """Up to three built-in events that fit the break, and a note when none does.

    Fitting means: inside the window (the period before the break and the break's first period,
    where the change happened), and in the direction of the change — cooperative events (Goldstein
    > 0) for a rise in net cooperation, conflictual ones (< 0) for a fall; for event volume, any
    event of the dyad for a rise and conflictual ones for a fall. The most significant come first:
    leader-level summits, then the largest |Goldstein|, then the nearest in time. Unilateral acts
    (the provocations list) can only explain a fall.
    """
    if events is None or events.empty:
        return [], "no built-in events to compare (the chronology is not in the store)"
    offset = period_offset(freq)
    low, high = moment - NEARBY_PERIODS * offset, moment + offset
    dates = pd.to_datetime(events["date"])
    window = events[(dates >= low) & (dates < high)].copy()
    rising = change > 0
    goldstein = pd.to_numeric(window.get("goldstein", pd.Series(np.nan, index=window.index)), errors="coerce")
    own = window["actor1"].isin(partners) & window["actor2"].isin(partners)
    if metric == "events" and rising:
        fits = own
    elif rising:
        fits = own & (goldstein > 0)
    else:
        fits = goldstein < 0
    chosen = window[fits.to_numpy()].copy()
    if chosen.empty:
        direction = "cooperative" if rising and metric != "events" else ("any" if rising else "conflictual")
        return [], (
            f"none fits: no {direction} built-in event of the dyad between {low.date().isoformat()} and "
            f"{(high - pd.Timedelta(days=1)).date().isoformat()}"
        )
    chosen["summit_rank"] = np.where(chosen.get("summit", pd.Series(False, index=chosen.index)).astype(bool), 0, 1)
    chosen["score"] = goldstein.loc[chosen.index]
    chosen["size"] = -chosen["score"].abs().fillna(0.0)
    chosen["distance"] = (pd.to_datetime(chosen["date"]) - moment).abs()
    top = chosen.sort_values(["summit_rank", "size", "distance"]).head(MAX_NEARBY)
    return [
        NearbyEvent(
            pd.Timestamp(str(row.date)).date().isoformat(),
            str(row.summary or ""),
            str(row.reference or ""),
            str(row.source or ""),
            None if pd.isna(score) else float(score),
            bool(row.summit_rank == 0),
        )
        for row, score in zip(top.itertuples(index=False), top["score"].astype(float), strict=True)
    ], ""


def breaks(
    series: pd.DataFrame,
    *,
    metric: str = "goldstein_mean",
    method: str = "pelt",
    freq: str | None = None,
    min_size: int = 3,
    penalty: float | None = None,
    markov: bool = False,
    events: pd.DataFrame | None = None,
    actor1: str | None = None,
    actor2: str | None = None,
    normalize: str = "none",
    drop_statements: bool = False,
    selection: Selection | None = None,
) -> BreaksResult:
    """Regime changes in a dyad series frame (as from ``store.series``), with before/after means.

    ``selection`` is the selection the series was made with, echoed in the result (design §9).
    ``events`` (columns date, actor1, actor2, summary, reference, source) supplies the
    ``nearby_events`` of each break; :func:`dyad_breaks` passes the store's built-in events.
    """
    if metric not in METRICS:
        raise UsageError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if method not in METHODS:
        raise UsageError(f"method must be pelt or binseg, not {method!r}")
    if min_size < 1:
        raise UsageError("the minimum segment length must be at least 1 period")
    if "period" not in series or metric not in series:
        raise UsageError(f"the series needs the columns period and {metric} (as from `dyadwatch series`)")
    freq = check_freq(freq) if freq else infer_freq(series["period"])
    periods = pd.to_datetime(series["period"]).reset_index(drop=True)
    values = series[metric].to_numpy(dtype=float)
    labels = [p.date().isoformat() for p in periods]
    notes = [
        f"frequency: one value per {FREQ_NAMES[freq]}; metric {metric}",
        f"method: {method.upper() if method == 'pelt' else 'binary segmentation'} on the normal scores of the "
        "values' ranks (a change in level; robust to empty periods and one-period spikes), penalty the larger "
        f"of MBIC 3·log n and a permutation floor (99th percentile of noise), minimum segment {min_size} periods",
        f"normalisation: {normalize}; bare statements (CAMEO 010) {'left out' if drop_statements else 'kept'}",
    ]
    active = int((series["events"] > 0).sum()) if "events" in series else len(series)
    result = BreaksResult(
        actor1, actor2, freq, metric, method, "ok", None, len(values), None, min_size, None, [], [], None,
        normalize, drop_statements, notes, selection=selection,
    )  # fmt: skip
    if len(values) < 2 * min_size or active < 2 * min_size:
        result.status = "insufficient_data"
        result.reason = (
            f"{len(values)} periods, {active} with events; finding a break needs at least {2 * min_size} "
            f"periods with events (two segments of {min_size}); try a coarser --freq or more data"
        )
        return result
    if metric == "goldstein_mean" and active < len(values):
        notes.append(
            f"{len(values) - active} of {len(values)} periods have no events; their goldstein_mean is 0 (neutral)"
        )
    beta = default_penalty(values, min_size) if penalty is None else penalty
    result.penalty = beta
    starts = detect_breaks(values, metric=metric, method=method, min_size=min_size, penalty=beta)
    result.regime_r2 = regime_r2(values, starts)
    if result.regime_r2 is None:
        notes.append("the series is constant: no breaks and no regime_r2")
    bounds = [0, *starts, len(values)]
    means = [float(values[b:e].mean()) for b, e in pairwise(bounds)]
    result.segments = [
        {"start": labels[b], "end": labels[e - 1], "n_periods": e - b, "mean": m}
        for (b, e), m in zip(pairwise(bounds), means, strict=True)
    ]
    # A CROPS-style check (Haynes, Eckley & Fearnhead 2017): how many breaks other penalties give.
    result.penalty_sweep = [
        {
            "factor": factor,
            "penalty": beta * factor,
            "n_breaks": len(
                detect_breaks(values, metric=metric, method=method, min_size=min_size, penalty=beta * factor)
            ),
        }
        for factor in SWEEP_FACTORS
    ]
    dyad = {code for code in (actor1, actor2) if code}
    for k, start in enumerate(starts):
        nearby, note = _nearby(events, periods[start], freq, dyad, means[k + 1] - means[k], metric)
        result.breaks.append(Break(labels[start], start, means[k], means[k + 1], nearby, note))
    if markov:
        result.markov = markov_regimes(values, labels)
    return result


def built_in_events(store: Store, actor1: str, actor2: str) -> pd.DataFrame:
    """The chronology events of the dyad (either direction) and the unilateral provocations list.

    Column ``summit`` marks leader-level summits (the chronology's ``summit: true`` records).
    """
    from dyadwatch.ingest.chronology import summit_records

    frame: pd.DataFrame = store.con.execute(
        """SELECT date, actor1, actor2, goldstein, summary, reference, source FROM events
           WHERE (source = 'chronology' AND ((actor1 = ? AND actor2 = ?) OR (actor1 = ? AND actor2 = ?)))
              OR (source = 'provocations')
           ORDER BY date""",
        [actor1, actor2, actor2, actor1],
    ).df()
    focus, partner = (actor1, actor2) if actor1 == "PRK" else (actor2, actor1)
    summits = summit_records(focus)
    days = set(pd.to_datetime(summits.loc[summits["partner"] == partner, "date"]).dt.date)
    frame["summit"] = (frame["source"] == "chronology") & pd.to_datetime(frame["date"]).dt.date.isin(days)
    return frame


def dyad_breaks(
    store: Store,
    actor1: str,
    actor2: str,
    *,
    freq: str = "M",
    metric: str = "goldstein_mean",
    method: str = "pelt",
    min_size: int = 3,
    markov: bool = False,
    normalize: str = "none",
    drop_statements: bool = False,
    selection: Selection | None = None,
) -> BreaksResult:
    """Breaks in the store's series ``actor1`` → ``actor2``, with built-in events near each break.

    ``selection`` (design §9: sources, days, freq, normalisation) wins over ``freq``, ``normalize``
    and ``drop_statements`` when given."""
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements)
    freq, normalize, drop_statements = sel.freq, sel.normalize, sel.drop_statements
    a, b = actor1.upper(), actor2.upper()
    series = store.series(a, b, selection=sel)
    return breaks(
        series,
        metric=metric,
        method=method,
        freq=freq,
        min_size=min_size,
        markov=markov,
        events=built_in_events(store, a, b),
        actor1=a,
        actor2=b,
        normalize=normalize,
        drop_statements=drop_statements,
        selection=sel,
    )
