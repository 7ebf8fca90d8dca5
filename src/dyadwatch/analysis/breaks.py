"""Regime changes in a dyad series: PELT or binary segmentation, and a Markov-switching second opinion.

Segmentation minimises Σ_k C(segment_k) + β·K (Killick, Fearnhead & Eckley 2012, *JASA* 107:
1590–1598, PELT; binary segmentation, with ruptures (Truong, Oudre & Vayatis 2020), as the greedy
alternative) on the series' normal scores (ranks), which stay calibrated on sparse, zero-inflated
and heavy-tailed series and cannot turn a one-period spike into a regime. Real dyad series have
memory, seasons and trends (issue 25), so before segmenting, :func:`fit_model`

* adjusts monthly (quarterly) scores by their month-of-year means when those differ beyond chance;
* models the series' memory: dense series are first tested for any change (a likelihood-ratio test
  of one shift or one interior regime in AR(1) noise, φ estimated under each hypothesis, bootstrap
  critical value), then for further breaks within the regimes found (Bai & Perron's sequential
  test); sparse ones get a penalty floor from surrogates that keep the series' values and memory
  (:mod:`dyadwatch.analysis.costs`);
* asks whether a steady linear trend describes the series better than regimes (then breaks are
  sought around the trend).

On sparse series the penalty β is the larger of MBIC (3·log n, in units of the noise) and that floor;
on dense series β is the test's critical value (a likelihood ratio). Measured
false-alarm rates and power: ``docs/validation.md``; the reasoning: ``docs/methods.md`` §2.
``regime_r2`` = Σ_k n_k (ȳ_k − ȳ)² / Σ_t (y_t − ȳ)² is the share of the series' variance that the
regimes explain (design §8). The optional 2-regime Markov-switching model (Hamilton 1989;
statsmodels ``MarkovRegression`` with switching variance) gives regime means and expected durations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import ruptures as rpt

from dyadwatch.analysis.costs import (
    SPARSE_TIES,
    CostARScores,
    activity_penalty,
    long_run_ratio,
    mbic_penalty,
    normal_scores,
    pelt_ar,
    pelt_mean,
    permutation_penalty,
    profile_ar,
    segmentation_cost,
    sequential_shifts,
    single_break_gains,
    surrogate_penalty,
    tie_share,
    whittle_memory,
)
from dyadwatch.analysis.periods import FREQ_NAMES, check_freq, infer_freq, period_offset
from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import UsageError
from dyadwatch.selection import Selection, resolve
from dyadwatch.series import dyad_series

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
    #: One to three sentences: the breaks found, or that there are none and the strongest candidate.
    summary: str = ""
    #: How the series was read (:class:`BreakModel`): kind, memory, season, trend.
    model: dict[str, Any] = field(default_factory=dict)
    #: The strongest single break (``date``, ``gain``): a lone break is found when its gain exceeds β.
    candidate: dict[str, Any] | None = None

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
            "summary": self.summary,
            "model": self.model,
            "candidate": self.candidate,
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


#: Seasonal adjustment: the month-of-year (quarter-of-year) means of the scores are removed when an
#: F-test says they differ at this level, and the series holds at least two full cycles.
SEASON_LEVEL = 0.01
SEASON_LENGTH = {"M": 12, "Q": 4}
#: A steady trend wins over regimes when it fits better after penalties: a break costs β, the trend
#: (one slope) the χ²₁ quantile at this level times the noise's long-run variance — a slope that
#: noise alone would give once in 10 000 series. See docs/methods.md §2 ("trend or regimes").
TREND_LEVEL = 0.9999
#: Refits of the memory of a sparse series after breaks are found (from the regimes' residuals).
REFITS = 3
#: The summary warns of strong memory from this long-run-variance ratio on (AR(1): φ ≥ 0.43).
STRONG_MEMORY = 2.5


@dataclass
class BreakModel:
    """How :func:`breaks` reads one series: what it segments, with which cost and penalty, and why.

    ``scores`` is the series segmented: normal scores of the values, seasonally adjusted and
    detrended where that was chosen. ``kind`` is ``dense`` (AR(1) cost with coefficient ``phi``) or
    ``sparse`` (plain cost on the scores; penalty floor from surrogates with memory ``memory_c``,
    ``memory_phi``). ``trend`` is ``none``, ``trend`` (a line instead of regimes) or ``both`` (a
    line within regimes); ``slope`` is that line's slope in scores per period.
    """

    scores: np.ndarray[Any, np.dtype[np.float64]]
    kind: str
    phi: float
    penalty: float
    min_size: int
    starts: list[int]
    memory_c: float = 0.0
    memory_phi: float = 0.0
    long_run: float = 1.0
    noise: float = 1.0
    trend: str = "none"
    slope: float = 0.0
    seasonal: bool = False
    calibrated: bool = True
    #: Dense series: the first-stage shift test (statistic, index, φ under each hypothesis, the
    #: bias-corrected φ, critical value, level); None where the series is too short to test.
    test: dict[str, Any] | None = None

    @property
    def memory_ratio(self) -> float:
        """Long-run variance over variance of the noise model: 1 without memory, (1 + φ)/(1 − φ) for AR(1)."""
        if self.kind == "dense":
            return (1.0 + self.phi) / (1.0 - self.phi)
        return self.long_run / self.noise if self.noise > 0 else 1.0

    def segment(self, penalty: float | None = None, method: str = "pelt") -> list[int]:
        """The breaks at ``penalty`` (default: the model's) with the model's cost, by PELT or binseg."""
        beta = self.penalty if penalty is None else penalty
        if len(self.scores) < 2 * self.min_size or np.ptp(self.scores) == 0:
            return []
        if self.test is not None:
            # Dense series: the sequential shift test (itself a binary segmentation), every critical
            # value scaled by β over the calibrated one.
            return sequential_shifts(self.scores, min_size=self.min_size, factor=beta / self.test["critical"])[0]
        if method == "pelt":
            return pelt_ar(self.scores, phi=self.phi, min_size=self.min_size, penalty=beta)
        cost = CostARScores(self.phi, self.min_size)
        found = rpt.Binseg(custom_cost=cost, min_size=self.min_size, jump=1).fit(self.scores).predict(pen=beta)
        return [int(b) for b in found if b < len(self.scores)]

    def candidate(self) -> tuple[int | None, float]:
        """The strongest single break and its gain: PELT adds a lone break when its gain exceeds β."""
        if self.test is not None:  # dense series: the shift test's best date and its statistic
            return int(self.test["index"]), float(self.test["statistic"])
        positions, gains = single_break_gains(self.scores, phi=self.phi, min_size=self.min_size)
        if len(positions) == 0:
            return None, 0.0
        best = int(np.argmax(gains))
        return int(positions[best]), float(gains[best])


def _season_adjusted(scores: np.ndarray[Any, Any], seasons: np.ndarray[Any, Any] | None) -> tuple[Any, bool]:
    """Scores less their season (month-of-year) means when these differ beyond chance (F-test)."""
    if seasons is None:
        return scores, False
    from scipy.stats import f as f_dist

    labels = np.unique(seasons, return_inverse=True)[1]
    groups = int(labels.max()) + 1
    counts = np.bincount(labels, minlength=groups)
    if groups < 2 or counts.min() < 2:
        return scores, False
    means = np.bincount(labels, weights=scores, minlength=groups) / counts
    between = float((counts * (means - scores.mean()) ** 2).sum()) / (groups - 1)
    within = float(((scores - means[labels]) ** 2).sum()) / (len(scores) - groups)
    if within <= 0 or f_dist.sf(between / within, groups - 1, len(scores) - groups) >= SEASON_LEVEL:
        return scores, False
    adjusted = scores - means[labels]
    return adjusted - adjusted.mean(), True


def _fit_regimes(
    x: np.ndarray[Any, Any], kind: str, min_size: int, penalty: float | None, active: np.ndarray[Any, Any] | None = None
) -> dict[str, Any]:
    """Breaks, penalty and memory for one working series (see :func:`fit_model`).

    ``active`` marks the periods away from the most common value when that value lies inside the
    range of the others (sparse Goldstein sums): their clustering gets a floor of its own.
    """
    n = len(x)
    mbic = mbic_penalty(n)
    if kind == "sparse" and active is not None and penalty is None:
        mbic = max(mbic, activity_penalty(x, active, min_size=min_size))  # the floor for clustered activity
    if kind == "dense":
        found, test = sequential_shifts(x, min_size=min_size)
        if test is not None:
            # A test first (Andrews 1993; Bai & Perron 1998): is there a shift at all, with φ estimated
            # separately under each hypothesis? An explicit penalty scales its critical values.
            if penalty is not None:
                found = sequential_shifts(x, min_size=min_size, factor=penalty / test.critical)[0]
            phi = test.phi_unbiased
            noise = segmentation_cost(x, found, phi) / n
            return {"phi": phi, "penalty": test.critical if penalty is None else penalty, "starts": found,
                    "memory_c": 1.0 if phi > 0 else 0.0, "memory_phi": phi, "noise": noise,
                    "long_run": noise / (1 - phi) ** 2, "test": _test_json(test)}  # fmt: skip
        phi, noise = profile_ar(x, min_size=min_size)
        floor = permutation_penalty(normal_scores(np.arange(n, dtype=float)), min_size=min_size)
        beta = noise * max(mbic, floor) if penalty is None else penalty
        starts = pelt_ar(x, phi=phi, min_size=min_size, penalty=beta)
        return {"phi": phi, "penalty": beta, "starts": starts, "memory_c": 1.0 if phi > 0 else 0.0,
                "memory_phi": phi, "noise": noise, "long_run": noise / (1 - phi) ** 2}  # fmt: skip
    variance, c, phi = whittle_memory(x)
    beta = max(mbic, surrogate_penalty(x, c, phi, min_size=min_size)) if penalty is None else penalty
    starts = pelt_mean(x, min_size=min_size, penalty=beta)
    # Estimated with no break, the memory may hold a real shift; once breaks are found, refit it on
    # the regimes' residuals (this never gives breaks to a series that had none).
    for _ in range(REFITS if penalty is None and starts else 0):
        bounds = [0, *starts, n]
        residual = np.concatenate([x[b:e] - x[b:e].mean() for b, e in pairwise(bounds)])
        variance, c, phi = whittle_memory(residual)
        beta = max(mbic, surrogate_penalty(x, c, phi, min_size=min_size))
        found = pelt_mean(x, min_size=min_size, penalty=beta)
        if found == starts or not found:
            starts = found
            break
        starts = found
    return {"phi": 0.0, "penalty": beta, "starts": starts, "memory_c": c, "memory_phi": phi,
            "noise": variance, "long_run": variance * long_run_ratio(c, phi)}  # fmt: skip


def _test_json(test: Any) -> dict[str, Any]:
    """The first-stage change test of a dense series, as :class:`BreakModel` and the JSON carry it."""
    return {
        "statistic": test.statistic,
        "index": test.index,
        "breaks": list(test.breaks),
        "phi_estimate": test.phi_estimate,
        "phi_unbiased": test.phi_unbiased,
        "critical": test.critical,
        "level": test.level,
    }


def _interior_activity(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    """Periods away from the most common value, when that value has others on both sides; else None."""
    unique, counts = np.unique(values, return_counts=True)
    mode = unique[int(np.argmax(counts))]
    if not (values < mode).any() or not (values > mode).any():
        return None
    return np.asarray(values != mode)


def _line(x: np.ndarray[Any, Any], starts: list[int]) -> np.ndarray[Any, Any]:
    """The least-squares line with one slope common to the regimes (their levels free); no regime: one line."""
    n = len(x)
    t = np.arange(n, dtype=float)
    num = den = 0.0
    for begin, end in pairwise([0, *starts, n]):
        centred = t[begin:end] - t[begin:end].mean()
        num += float(centred @ (x[begin:end] - x[begin:end].mean()))
        den += float(centred @ centred)
    slope = num / den if den > 0 else 0.0
    return np.asarray(slope * (t - t.mean()), dtype=np.float64)


def fit_model(
    values: np.ndarray[Any, np.dtype[np.float64]],
    *,
    min_size: int = 3,
    penalty: float | None = None,
    seasons: np.ndarray[Any, Any] | None = None,
) -> BreakModel:
    """Read a series for breaks: scores, season, memory, trend or regimes, penalty and breaks.

    ``seasons`` labels each period's season (month of year for monthly data) or is None. With an
    explicit ``penalty`` that penalty is used throughout (no floor, no refits).
    """
    signal = np.asarray(values, dtype=float).reshape(-1)
    n = len(signal)
    kind = "sparse" if tie_share(signal) >= SPARSE_TIES else "dense"
    if n < 2 * min_size or np.ptp(signal) == 0:
        return BreakModel(np.zeros(n), kind, 0.0, penalty or mbic_penalty(n), min_size, [], calibrated=penalty is None)
    scores, seasonal = _season_adjusted(normal_scores(signal), None if seasons is None else np.asarray(seasons))
    active = _interior_activity(signal) if kind == "sparse" else None
    fitted = _fit_regimes(scores, kind, min_size, penalty, active)
    trend, slope, working = "none", 0.0, scores
    if fitted["starts"]:
        trend, working = _trend_or_regimes(scores, fitted, kind, min_size)
        if trend != "none":
            line = scores - working
            slope = float(line[-1] - line[0]) / (n - 1)
            working = working - working.mean()
            fitted = _fit_regimes(working, kind, min_size, penalty, active)
    return BreakModel(
        working, kind, fitted["phi"], fitted["penalty"], min_size, fitted["starts"], fitted["memory_c"],
        fitted["memory_phi"], fitted["long_run"], fitted["noise"], trend, slope, seasonal, penalty is None,
        fitted.get("test"),
    )  # fmt: skip


def _trend_or_regimes(
    scores: np.ndarray[Any, Any], fitted: dict[str, Any], kind: str, min_size: int
) -> tuple[str, np.ndarray[Any, Any]]:
    """Whether a series with breaks reads better as regimes (``none``), a ``trend`` or ``both``: the
    choice and the series left after taking the chosen line out (``scores`` itself for ``none``)."""
    from scipy.stats import chi2

    n = len(scores)
    starts = fitted["starts"]
    # Trend or regimes? Compare the fits in the model's own cost: K breaks cost β each, a line
    # costs the χ²₁(TREND_LEVEL) point in units of the noise's long-run variance (for the AR(1)
    # cost, of the innovation variance: the likelihood already allows for the memory).
    phi, beta = fitted["phi"], fitted["penalty"]
    tested = fitted.get("test") is not None
    unit = 1.0 if tested else fitted["noise"] if kind == "dense" else fitted["long_run"]
    line_cost = chi2.ppf(TREND_LEVEL, 1) * unit

    def cost(x: np.ndarray[Any, Any], found: list[int]) -> float:
        # The test's units (−2 log-likelihood, variance concentrated out) or the segment cost's.
        raw = segmentation_cost(x, found, phi)
        return float(n * np.log(max(raw, 1e-300) / n)) if tested else raw

    def regimes(x: np.ndarray[Any, Any]) -> list[int]:
        if tested:
            return sequential_shifts(x, min_size=min_size, factor=beta / fitted["test"]["critical"])[0]
        return pelt_ar(x, phi=phi, min_size=min_size, penalty=beta)

    whole = _line(scores, [])
    # Regimes with a common slope (Perron 1989's level shifts in a trending series), fitted jointly
    # by alternating: the slope within the regimes, then the regimes around the slope.
    joint, within = list(starts), _line(scores, starts)
    for _ in range(5):
        found = regimes(scores - within)
        if found == joint:
            break
        joint, within = found, _line(scores, found)
    options = [
        (cost(scores, starts) + beta * len(starts), "none", scores),
        (cost(scores - whole, []) + line_cost, "trend", scores - whole),
        (cost(scores - within, joint) + beta * len(joint) + line_cost, "both", scores - within),
    ]
    _, trend, working = min(options, key=lambda option: option[0])
    return trend, working


def default_penalty(
    values: np.ndarray[Any, np.dtype[np.float64]], min_size: int = 3, seasons: np.ndarray[Any, Any] | None = None
) -> float:
    """The calibrated β for the series (see :func:`fit_model` and :mod:`dyadwatch.analysis.costs`)."""
    return fit_model(values, min_size=min_size, seasons=seasons).penalty


def detect_breaks(
    values: np.ndarray[Any, np.dtype[np.float64]],
    *,
    metric: str = "goldstein_mean",
    method: str = "pelt",
    min_size: int = 3,
    penalty: float | None = None,
    seasons: np.ndarray[Any, Any] | None = None,
) -> list[int]:
    """Indices where a new regime starts (the first period of each segment after the first).

    The same rank-based reading serves every ``metric`` (kept for callers that name it);
    ``seasons`` (e.g. the month of each period) allows a seasonal adjustment.
    """
    if method not in METHODS:
        raise UsageError(f"method must be pelt or binseg, not {method!r}")
    signal = np.asarray(values, dtype=float)
    if len(signal) < 2 * min_size or np.ptp(signal) == 0:
        return []
    model = fit_model(signal, min_size=min_size, penalty=penalty, seasons=seasons)
    return model.starts if method == "pelt" else model.segment(method=method)


def regime_r2(values: np.ndarray[Any, np.dtype[np.float64]], starts: list[int]) -> float | None:
    """Σ_k n_k (ȳ_k − ȳ)² / Σ_t (y_t − ȳ)²; None for a constant series (0/0)."""
    signal = np.asarray(values, dtype=float)
    total = float(((signal - signal.mean()) ** 2).sum())
    if total == 0:
        return None
    bounds = [0, *starts, len(signal)]
    between = sum((end - begin) * (signal[begin:end].mean() - signal.mean()) ** 2 for begin, end in pairwise(bounds))
    return float(between / total)


#: The seed of the Markov model's search for start values (:func:`markov_regimes`).
MARKOV_SEED = 0


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
                # the start-value search draws at random: a fixed generator makes the answer the
                # same on every run (statsmodels used the global one, and runs ended in different optima)
                fitted = MarkovRegression(signal, k_regimes=2, trend="c", switching_variance=switching).fit(
                    disp=False, search_reps=5, rng=MARKOV_SEED
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
    # regimes are unlabelled: list the higher mean first, so that equal fits read the same
    order = sorted(range(2), key=lambda k: -means[k])
    means, variances, durations = ([column[k] for k in order] for column in (means, variances, durations))
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
    undirected: bool = False,
) -> BreaksResult:
    """Regime changes in a dyad series frame (as from ``store.series``), with before/after means.

    ``selection`` is the selection the series was made with, echoed in the result (design §9);
    ``undirected``: the series sums both directions (the summary names the dyad ``A↔B``).
    ``events`` (columns date, actor1, actor2, summary, reference, source) supplies the
    ``nearby_events`` of each break; :func:`dyad_breaks` passes the store's built-in events.
    """
    _check_arguments(series, metric, method, min_size)
    freq = check_freq(freq) if freq else infer_freq(series["period"])
    periods = pd.to_datetime(series["period"]).reset_index(drop=True)
    # The series leaves goldstein_mean empty in a period without events; the detector reads such a
    # period as neutral (0), as it was calibrated, and the notes say how many there are.
    values = series[metric].fillna(0.0).to_numpy(dtype=float)
    labels = [p.date().isoformat() for p in periods]
    notes = _series_notes(freq, metric, normalize, drop_statements)
    active = int((series["events"] > 0).sum()) if "events" in series else len(series)
    result = BreaksResult(
        actor1, actor2, freq, metric, method, "ok", None, len(values), None, min_size, None, [], [], None,
        normalize, drop_statements, notes, selection=selection,
    )  # fmt: skip
    where = _dyad_label(actor1, actor2, periods, freq, "↔" if undirected else "→")
    if _too_few_periods(result, active, where):
        return result
    if metric == "goldstein_mean" and active < len(values):
        notes.append(
            f"{len(values) - active} of {len(values)} periods have no events; their goldstein_mean is 0 (neutral)"
        )
    seasons = _seasons(periods, freq)
    model = fit_model(values, min_size=min_size, penalty=penalty, seasons=seasons)
    starts = _record_model(result, model, values)
    means, result.segments = _segments(values, labels, starts)
    result.penalty_sweep = _penalty_sweep(model, method)
    dyad = {code for code in (actor1, actor2) if code}
    result.breaks = _located_breaks(starts, means, labels, periods, events, dyad, metric, freq)
    result.candidate = _candidate(model, labels)
    result.summary = _summary(result, model, where, periods, values)
    if markov:
        result.markov = markov_regimes(values, labels)
    return result


def _check_arguments(series: pd.DataFrame, metric: str, method: str, min_size: int) -> None:
    """Raise a :class:`UsageError` naming the fix for an unknown metric or method, a minimum segment
    below one period, or a series without the columns :func:`breaks` reads."""
    if metric not in METRICS:
        raise UsageError(f"metric must be one of {', '.join(METRICS)}, not {metric!r}")
    if method not in METHODS:
        raise UsageError(f"method must be pelt or binseg, not {method!r}")
    if min_size < 1:
        raise UsageError("the minimum segment length must be at least 1 period")
    if "period" not in series or metric not in series:
        raise UsageError(f"the series needs the columns period and {metric} (as from `dyadwatch series`)")


def _too_few_periods(result: BreaksResult, active: int, where: str) -> bool:
    """Whether the series is too short (or has too few periods with events) for two segments; if so,
    the result says ``insufficient_data``, why and what to try."""
    n, min_size = result.n_periods, result.min_size
    if n >= 2 * min_size and active >= 2 * min_size:
        return False
    result.status = "insufficient_data"
    result.reason = (
        f"{n} periods, {active} with events; finding a break needs at least {2 * min_size} "
        f"periods with events (two segments of {min_size}); try a coarser --freq or more data"
    )
    result.summary = f"No answer for {where}: {result.reason}."
    return True


def _record_model(result: BreaksResult, model: BreakModel, values: np.ndarray[Any, Any]) -> list[int]:
    """Put the fitted model in the result (penalty, model JSON, its notes, regime R²) and return the
    breaks of the result's method: the model's own for PELT, binary segmentation's otherwise."""
    result.penalty = model.penalty
    result.model = _model_json(model)
    result.notes.extend(_model_notes(model, result.method, result.min_size))
    starts = model.starts if result.method == "pelt" else model.segment(method=result.method)
    result.regime_r2 = regime_r2(values, starts)
    if result.regime_r2 is None:
        result.notes.append("the series is constant: no breaks and no regime_r2")
    return starts


def _series_notes(freq: str, metric: str, normalize: str, drop_statements: bool) -> list[str]:
    """The first notes of every result: the frequency and metric, the normalisation and bare statements."""
    return [
        f"frequency: one value per {FREQ_NAMES[freq]}; metric {metric}",
        f"normalisation: {normalize}; bare statements (CAMEO 010) {'left out' if drop_statements else 'kept'}",
    ]


def _penalty_sweep(model: BreakModel, method: str) -> list[dict[str, float]]:
    """A CROPS-style check (Haynes, Eckley & Fearnhead 2017): how many breaks other penalties give."""
    return [
        {
            "factor": factor,
            "penalty": model.penalty * factor,
            "n_breaks": len(model.segment(model.penalty * factor, method)),
        }
        for factor in SWEEP_FACTORS
    ]


def _located_breaks(
    starts: list[int],
    means: list[float],
    labels: list[str],
    periods: pd.Series,
    events: pd.DataFrame | None,
    dyad: set[str],
    metric: str,
    freq: str,
) -> list[Break]:
    """Each break with the means before and after it and the events near it (:func:`_nearby`)."""
    found: list[Break] = []
    for k, start in enumerate(starts):
        nearby, note = _nearby(events, periods[start], freq, dyad, means[k + 1] - means[k], metric)
        found.append(Break(labels[start], start, means[k], means[k + 1], nearby, note))
    return found


def _candidate(model: BreakModel, labels: list[str]) -> dict[str, Any] | None:
    """The strongest single break (date, index, gain), or None when the model has none."""
    index, gain = model.candidate()
    if index is None:
        return None
    return {"date": labels[index], "index": index, "gain": gain}


def _segments(
    values: np.ndarray[Any, Any], labels: list[str], starts: list[int]
) -> tuple[list[float], list[dict[str, Any]]]:
    """The mean of each segment between the breaks, and the segments as the result lists them."""
    bounds = [0, *starts, len(values)]
    means = [float(values[b:e].mean()) for b, e in pairwise(bounds)]
    segments = [
        {"start": labels[b], "end": labels[e - 1], "n_periods": e - b, "mean": m}
        for (b, e), m in zip(pairwise(bounds), means, strict=True)
    ]
    return means, segments


def _seasons(periods: pd.Series, freq: str) -> np.ndarray[Any, Any] | None:
    """Each period's month (monthly) or quarter (quarterly) when the series spans two cycles; else None."""
    length = SEASON_LENGTH.get(freq)
    if length is None or len(periods) < 2 * length:
        return None
    months = periods.dt.month.to_numpy()
    return np.asarray(months if freq == "M" else (months - 1) // 3)


def period_label(moment: pd.Timestamp, freq: str) -> str:
    """A period as a reader names it: 2018, 2018-Q2 or 2018-03."""
    if freq == "Y":
        return f"{moment.year}"
    if freq == "Q":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return f"{moment.year}-{moment.month:02d}"


def _dyad_label(actor1: str | None, actor2: str | None, periods: pd.Series, freq: str, arrow: str = "→") -> str:
    who = f"{actor1}{arrow}{actor2}" if actor1 and actor2 else "the series"
    if len(periods) == 0:
        return who
    return f"{who} {period_label(periods.iloc[0], freq)}–{period_label(periods.iloc[-1], freq)}"


def _model_json(model: BreakModel) -> dict[str, Any]:
    return {
        "kind": model.kind,
        "ar_coefficient": model.phi,
        "memory": {
            "share": model.memory_c,
            "phi": model.memory_phi,
            "long_run_ratio": model.memory_ratio,
        },
        "noise_variance": model.noise,
        "seasonal_adjustment": model.seasonal,
        "trend": model.trend,
        "trend_slope": model.slope,
        "calibrated": model.calibrated,
        "shift_test": model.test,
    }


def _model_notes(model: BreakModel, method: str, min_size: int) -> list[str]:
    how = "PELT" if method == "pelt" else "binary segmentation"
    if model.kind == "dense" and model.test is not None:
        test = model.test
        cost = (
            f"{how} by a sequential test on the normal scores of the values' ranks: a likelihood-ratio test of "
            "one level shift at any date, or one interior regime, against none, in AR(1) noise whose φ is "
            f"estimated under each hypothesis (with the change: {test['phi_estimate']:.2f}), then the same test "
            "within each regime (Andrews 1993; Bai & Perron 1998)"
        )
        floor = (
            f"the test's critical value {test['critical']:.1f} at {test['level']:.0%} (bootstrap of AR(1) noise "
            f"with the median-unbiased φ = {test['phi_unbiased']:.2f})"
        )
    elif model.kind == "dense":
        cost = (
            f"{how} on the normal scores of the values' ranks with an AR(1) segment cost, φ = {model.phi:.2f} "
            "(chosen with the breaks; memory is not read as regimes)"
            if model.phi > 0
            else f"{how} on the normal scores of the values' ranks (no memory found)"
        )
        floor = "MBIC 3·log n in units of the innovation variance"
    else:
        cost = f"{how} on the normal scores of the values' ranks (sparse series: robust to empty periods and spikes)"
        floor = (
            "MBIC 3·log n and a surrogate floor (99th percentile of noise with the series' own values and memory, "
            f"ρ_k = {model.memory_c:.2f}·{model.memory_phi:.2f}^k)"
            if model.memory_c > 0 and model.memory_phi > 0
            else "MBIC 3·log n and a permutation floor (99th percentile of noise; no memory found)"
        )
    rule = "penalty" if model.test is not None else "penalty the larger of"
    notes = [f"method: {cost}; {rule} {floor}; minimum segment {min_size} periods"]
    if not model.calibrated:
        notes.append("penalty given by the caller: the calibration in docs/validation.md does not apply")
    if model.seasonal:
        notes.append("the scores were adjusted by their month-of-year (quarter-of-year) means (a seasonal pattern)")
    if model.trend == "trend":
        notes.append("a steady linear trend describes the series better than regimes: breaks are sought around it")
    elif model.trend == "both":
        notes.append("the regimes share a steady linear trend: breaks are sought around it")
    return notes


def _summary(result: BreaksResult, model: BreakModel, where: str, periods: pd.Series, values: Any) -> str:
    """One to three sentences: the breaks found (or none, and the strongest candidate), and the trend."""
    freq = result.freq
    sentences = []
    if result.regime_r2 is None:
        return f"No regime change in {where}: the series is constant."
    if result.breaks:
        items = [
            f"{period_label(pd.Timestamp(item.date), freq)} ({'up' if item.after_mean > item.before_mean else 'down'}, "
            f"{item.before_mean:.2f} → {item.after_mean:.2f})"
            for item in result.breaks
        ]
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        count = "1 regime change" if len(items) == 1 else f"{len(items)} regime changes"
        sentences.append(f"{count} in {where} at the calibrated penalty (β = {model.penalty:.1f}): {listed}.")
    else:
        gain = result.candidate["gain"] if result.candidate is not None else 0.0
        # One decimal, or as many (up to three) as it takes to show the gain below the penalty.
        digits = next((d for d in (1, 2, 3) if round(gain, d) < round(model.penalty, d)), None)
        sentence = f"No regime change in {where} at the calibrated penalty (β = {model.penalty:.{digits or 1}f})"
        if result.candidate is not None:
            when = period_label(pd.Timestamp(result.candidate["date"]), freq)
            need = f"would need penalty < {gain:.{digits}f}" if digits else "no larger than the penalty"
            sentence += f"; the strongest candidate is {when} (gain {gain:.{digits or 1}f}, {need})"
        sentences.append(sentence + ".")
    if model.trend != "none":
        t = np.arange(len(values), dtype=float)
        per_decade = float(np.polyfit(t, values, 1)[0]) * {"Y": 10, "Q": 40, "M": 120}[freq]
        sentences.append(
            f"A steady trend ({per_decade:+.2f} {result.metric} per decade) describes it better than regime "
            "changes, so breaks were sought around the trend."
        )
    if model.memory_ratio >= STRONG_MEMORY:
        sentences.append("The series has strong memory, so only large or lasting shifts can be told from its swings.")
    return " ".join(sentences)


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
    series = dyad_series(store, a, b, selection=sel)
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
