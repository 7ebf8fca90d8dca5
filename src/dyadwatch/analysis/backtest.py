"""Does the early warning work? ``dyadwatch backtest FOCUS --episodes FILE|bundled`` (design §12, issue 13, issue 25).

:func:`dyadwatch.analysis.shifts.shifts` is replayed as of the first day of every period between
``from`` and ``to``: at as-of day *t* it sees only events before *t* (``until`` = *t* − 1 day), its
recent window is the ``window_months`` before *t* and its baseline the ``baseline_years`` before
that. The replay turns on shifts' one-sided low-rate test (``low_rate=True``), without which a fall
of a sparse partner can never be significant. Every rising or falling partner and every bloc
realignment it reports is an **alarm** (multilateral occasions are facts, not forecasts).

Scoring, against episodes written down beforehand (``name,partner,kind,start``), by one function,
:func:`score_alarms`, that scores any list of alarms (dyadwatch's and the baselines' alike):

* an alarm **matches** an episode when it is active at an as-of day in (start, start +
  ``horizon_months``] and points the same way at the same partner: ``rising_partner`` ↔ ``rising``,
  ``falling_partner`` ↔ ``falling``; a ``realignment`` alarm of a bloc matches a ``realignment``
  episode of that bloc (or of a member) *and* a rising or falling episode of a member partner in its
  own direction (a rising China + Russia share is news about China or Russia);
* an episode is **detected** when a matching alarm is active in its window; ``detected_at`` is the
  first such as-of day and ``delay_months`` the months from the start's month to it. The rows that
  *define* an episode (:func:`defining_events`: its partner's events within
  :data:`DEFINING_DAYS` days of its start, or citing its reference) are **left out** when its
  detection is judged: the steps in its window are replayed without them, so an episode is not
  "detected" through the very records that date it (``detected_in_sample`` keeps the old reading);
* an alarm not active at the previous as-of day is an **onset**; an onset that matches no episode
  is a **false alarm**; ``precision`` = matched onsets / onsets, ``recall`` = detected episodes /
  episodes starting inside the replayed range.

The same scorer scores three baselines (:func:`calendar_alarms`, :func:`naive_ratio_alarms`,
:func:`persistence_alarms`), and the probabilistic part scores forecasts of "an episode of this
partner and direction starts within *h* months" (:func:`onset_probabilities`, :func:`brier`,
:func:`brier_skill`, :func:`reliability_table`) at 1, 3 and 6 months, fitted on the past only.

Runtime: one replay step is one ``shifts`` call; the replay uses :data:`REPLAY_PERMUTATIONS`
permutations per test (smallest p-value 1/1000, ample at α = 0.05 after adjustment) and leaves
out the UN-vote and trade indicators, so 35 years of monthly steps take minutes, not hours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dyadwatch.analysis.blocs import BLOCS
from dyadwatch.analysis.results import selection_json
from dyadwatch.days import day_message, parse_day
from dyadwatch.errors import InputError, UsageError
from dyadwatch.periods import MONTHS_PER, check_freq, period_index
from dyadwatch.selection import Selection, source_sql

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Permutations per test in each replayed ``shifts`` call (``shifts`` itself uses 9 999).
REPLAY_PERMUTATIONS = 999
#: The bundled, referenced episodes (``data/episodes``); bump the version when rows change.
EPISODES_VERSION = 1
EPISODE_KINDS = ("rising", "falling", "realignment")
ALARM_KINDS = {"rising_partner": "rising", "falling_partner": "falling", "realignment": "realignment"}
DIRECTIONS = ("rising", "falling")
#: North Korea's five main partners: the calendar baseline alarms "rising" for them every January
#: (issue 25), and they are always among the partners the probabilities are given for.
MAIN_PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN")
#: Events of an episode's partner within this many days of its start define it: a visit or a summit
#: spans a few days (Kim in Beijing 25-28 March 2018, Shoigu in Pyongyang 25-27 July 2023).
DEFINING_DAYS = 3
#: Horizons (months) of the probabilistic forecasts "an episode starts within h months".
PROBABILITY_HORIZONS = (1, 3, 6)
#: A forecast is made (and scored) from the first step whose training data hold onsets of this many
#: distinct episodes: before that a model has nothing to learn from.
MIN_TRAINING_ONSETS = 3
#: Prior standard deviation of the logistic slopes (a ridge penalty of 1 / (2 σ²); the intercept is
#: free). Weakly informative, as Gelman, Jakulin, Pittau & Su (2008, *Ann. Appl. Stat.* 2(4)) advise
#: for logistic regressions with rare outcomes, where an unpenalised fit separates.
PRIOR_SD = 1.0
#: Bins of the reliability table: onsets are rare, so the low probabilities get fine bins.
RELIABILITY_EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: Events per period added to both rates before a log ratio, so an empty window gives a finite value.
RATIO_SMOOTHING = 0.1
#: Thresholds tried for the naive ratio rule (recent rate / baseline rate >= θ: rising; <= 1/θ: falling).
NAIVE_THRESHOLDS = tuple(float(x) for x in np.round(np.geomspace(1.05, 100.0, 120), 4))
#: The forecasters of the probabilistic scores and the features each one's logistic model sees.
FORECASTERS: dict[str, tuple[str, ...]] = {
    "dyadwatch": ("falling", "evidence"),
    "base_rate": ("falling",),
    "calendar": ("falling", "calendar"),
    "naive_ratio": ("falling", "log_ratio"),
    "persistence": ("falling", "persistence"),
}


@dataclass(frozen=True)
class Episode:
    """A repositioning written down from history: what, with whom, which way, from when."""

    name: str
    partner: str
    kind: str
    start: dt.date
    reference: str = ""


def bundled_episodes_path() -> Path:
    """The packaged episodes CSV (version :data:`EPISODES_VERSION`)."""
    return Path(str(resources.files("dyadwatch").joinpath(f"data/episodes/episodes_v{EPISODES_VERSION}.csv")))


def read_episodes(source: str | Path) -> list[Episode]:
    """Episodes from a CSV ``name,partner,kind,start[,reference]``, or ``"bundled"`` for the packaged list.

    Every bad row is named with its line and what is wrong (InputError, exit 1).
    """
    if str(source) == "bundled":
        path = bundled_episodes_path()
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(path, "episodes file not found; give a CSV name,partner,kind,start or 'bundled'")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the episodes file: {exc}") from None
    reader = csv.DictReader(io.StringIO(text))
    required = {"name", "partner", "kind", "start"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise InputError(
            path,
            f"the episodes file lacks column(s) {', '.join(sorted(missing))}; the header must be "
            "name,partner,kind,start (reference optional)",
        )
    episodes: list[Episode] = []
    problems: list[str] = []
    names: set[str] = set()
    for line, row in enumerate(reader, start=2):
        name = (row.get("name") or "").strip()
        partner = (row.get("partner") or "").strip()
        kind = (row.get("kind") or "").strip().lower()
        start_text = (row.get("start") or "").strip()
        if not name or not partner:
            problems.append(f"line {line}: name and partner are required")
            continue
        if name in names:
            problems.append(f"line {line}: episode name {name!r} repeats an earlier row")
        if kind not in EPISODE_KINDS:
            problems.append(f"line {line}: kind must be rising, falling or realignment, not {kind!r}")
            continue
        try:
            start = parse_day(start_text, "start")
        except UsageError:
            problems.append(f"line {line}: {day_message('start', start_text)}")
            continue
        names.add(name)
        partner = partner.lower() if partner.lower() in BLOCS else partner.upper()
        episodes.append(Episode(name, partner, kind, start, (row.get("reference") or "").strip()))
    if problems:
        raise InputError(path, "; ".join(problems[:10]))
    if not episodes:
        raise InputError(path, "the episodes file has no episodes")
    return episodes


# -- the rows that define an episode ---------------------------------------------------------------
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


def _citations(reference: str) -> set[str]:
    """The citations of a reference, comparable: split at ';', remarks in parentheses dropped, dashes,
    quotes, case and spaces normalised (the episode list writes "North Korea-United States" where the
    chronology writes "North Korea–United States")."""
    found: set[str] = set()
    for part in reference.split(";"):
        text = re.sub(r"\([^)]*\)", "", part.translate(_PLAIN)).lower()
        text = " ".join(text.split()).strip(" ,.")
        if text:
            found.add(text)
    return found


def _source_filter(sources: Sequence[str] | None) -> str:
    """The named sources, or every source but the text-coded ones (design §9: :func:`source_sql`)."""
    return source_sql(sources)


def defining_events(
    store: Store,
    focus: str,
    episode: Episode,
    *,
    horizon_months: int = 12,
    sources: Sequence[str] | None = None,
    blocs: Mapping[str, Sequence[str]] = BLOCS,
) -> list[str]:
    """The ``event_id`` of the rows that define ``episode``: events between ``focus`` and its partner
    (each member, for a bloc) within :data:`DEFINING_DAYS` days of its start, or dated in its scoring
    window and citing a source its reference cites.

    A chronology is written from the same history as the episode list: the visit that dates an
    episode is also a row of the chronology, so counting that row toward the episode's detection
    credits the detector with the list's own knowledge. Its detection is judged without these rows.
    """
    members = tuple(blocs[episode.partner]) if episode.partner in blocs else (episode.partner,)
    marks = ", ".join("?" for _ in members)
    first = episode.start - dt.timedelta(days=DEFINING_DAYS)
    last = _add_months(episode.start, horizon_months)
    rows = store.con.execute(
        "SELECT event_id, date, reference FROM events WHERE "
        f"((actor1 = ? AND actor2 IN ({marks})) OR (actor2 = ? AND actor1 IN ({marks}))) "
        f"AND date >= CAST(? AS DATE) AND date <= CAST(? AS DATE){_source_filter(sources)}",
        [focus, *members, focus, *members, first.isoformat(), last.isoformat()],
    ).fetchall()
    cited = _citations(episode.reference)
    chosen = [
        str(event_id)
        for event_id, day, reference in rows
        if abs((pd.Timestamp(day).date() - episode.start).days) <= DEFINING_DAYS
        or (cited & _citations(str(reference or "")))
    ]
    return sorted(chosen)


# -- scoring any list of alarms ----------------------------------------------------------------------
def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _matches(alarm: Mapping[str, Any], episode: Episode, blocs: Mapping[str, Sequence[str]]) -> bool:
    """Whether ``alarm`` points at ``episode``'s partner in its direction (module docstring)."""
    kind = ALARM_KINDS[alarm["kind"]]
    if kind == "realignment":
        bloc = alarm["partner"]
        members = blocs.get(bloc, ())
        if episode.kind == "realignment":
            return bool(bloc == episode.partner or episode.partner in members)
        return bool(episode.kind == alarm["direction"] and episode.partner in members)
    return bool(kind == episode.kind and alarm["partner"] == episode.partner)


def _in_window(day: dt.date, episode: Episode, horizon_months: int) -> bool:
    return episode.start < day <= _add_months(episode.start, horizon_months)


def _alarm_key(alarm: Mapping[str, Any]) -> tuple[str, str, str]:
    return str(alarm["kind"]), str(alarm["partner"]), str(alarm["direction"])


def with_onsets(alarms: Iterable[Mapping[str, Any]], as_of_days: Sequence[dt.date]) -> list[dict[str, Any]]:
    """The alarms in step order, each marked ``onset`` when it was not active at the previous step.

    A step with no alarm (or one the replay skipped) ends every alarm, so the next one is an onset.
    """
    by_step: dict[str, list[Mapping[str, Any]]] = {}
    for alarm in alarms:
        by_step.setdefault(str(alarm["as_of"]), []).append(alarm)
    marked: list[dict[str, Any]] = []
    previous: set[tuple[str, str, str]] = set()
    for day in sorted(set(as_of_days)):
        current: set[tuple[str, str, str]] = set()
        for alarm in by_step.get(day.isoformat(), []):
            key = _alarm_key(alarm)
            if key in current:
                continue
            current.add(key)
            marked.append({**alarm, "onset": key not in previous})
        previous = current
    return marked


@dataclass
class AlarmScore:
    """One alarm list scored against the episodes: detections, onsets, false alarms and the rates."""

    name: str
    alarms: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    onsets: int
    false_alarms: int
    false_alarms_per_year: float
    precision: float | None
    recall: float | None
    recall_in_sample: float | None
    rule: str = ""

    def summary(self) -> dict[str, Any]:
        """The rates and counts, without the alarm and episode lists (the JSON of a baseline)."""
        detected = [e for e in self.episodes if e["detected"]]
        delays = [e["delay_months"] for e in detected]
        return {
            "rule": self.rule,
            "alarm_onsets": self.onsets,
            "false_alarms": self.false_alarms,
            "false_alarms_per_year": self.false_alarms_per_year,
            "precision": self.precision,
            "recall": self.recall,
            "recall_in_sample": self.recall_in_sample,
            "detected": len(detected),
            "episodes": len(self.episodes),
            "median_delay_months": float(np.median(delays)) if delays else None,
            "detected_episodes": [e["name"] for e in detected],
        }


def score_alarms(
    alarms: Iterable[Mapping[str, Any]],
    episodes: Sequence[Episode],
    as_of_days: Sequence[dt.date],
    *,
    horizon_months: int,
    date_from: dt.date,
    date_to: dt.date,
    blocs: Mapping[str, Sequence[str]] = BLOCS,
    detection: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    name: str = "dyadwatch",
    rule: str = "",
) -> AlarmScore:
    """Score one list of alarms (``as_of``, ``kind``, ``partner``, ``direction``) against ``episodes``.

    The one scorer of dyadwatch's alarms and of every baseline (module docstring for the rules).
    ``detection`` gives, per episode name, the alarms to judge that episode's detection by (the
    replay without its defining rows); an episode not named there is judged by ``alarms``. Onsets
    match any episode whose window holds them; recall counts the episodes that start inside
    ``date_from``..``date_to``.
    """
    marked = with_onsets(alarms, as_of_days)
    for alarm in marked:
        day = dt.date.fromisoformat(str(alarm["as_of"]))
        alarm["matches"] = [
            e.name for e in episodes if _in_window(day, e, horizon_months) and _matches(alarm, e, blocs)
        ]
    inside = [e for e in episodes if date_from <= e.start <= date_to]
    rows: list[dict[str, Any]] = []
    for episode in inside:
        pool = detection[episode.name] if detection is not None and episode.name in detection else marked
        hit = _first_hit(pool, episode, horizon_months, blocs)
        rows.append(_episode_row(episode, hit, _first_hit(marked, episode, horizon_months, blocs)))
    onsets = [a for a in marked if a["onset"]]
    false = [a for a in onsets if not a["matches"]]
    years = (date_to - date_from).days / 365.25
    return AlarmScore(
        name=name,
        alarms=marked,
        episodes=rows,
        onsets=len(onsets),
        false_alarms=len(false),
        false_alarms_per_year=len(false) / years,
        precision=(len(onsets) - len(false)) / len(onsets) if onsets else None,
        recall=sum(r["detected"] for r in rows) / len(rows) if rows else None,
        recall_in_sample=sum(r["detected_in_sample"] for r in rows) / len(rows) if rows else None,
        rule=rule,
    )


def _first_hit(
    pool: Iterable[Mapping[str, Any]], episode: Episode, horizon_months: int, blocs: Mapping[str, Sequence[str]]
) -> Mapping[str, Any] | None:
    """The earliest alarm of ``pool`` inside the episode's window that matches it, if any."""
    hits = [
        a
        for a in pool
        if _in_window(dt.date.fromisoformat(str(a["as_of"])), episode, horizon_months) and _matches(a, episode, blocs)
    ]
    return min(hits, key=lambda a: str(a["as_of"])) if hits else None


def _episode_row(
    episode: Episode, hit: Mapping[str, Any] | None, in_sample: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One episode's detection: by the alarm ``hit`` (judged without its defining rows) and, for
    comparison, by ``in_sample`` (with them)."""
    detected_at = dt.date.fromisoformat(str(hit["as_of"])) if hit else None
    return {
        "name": episode.name,
        "partner": episode.partner,
        "kind": episode.kind,
        "start": episode.start.isoformat(),
        "reference": episode.reference,
        "detected": hit is not None,
        "detected_at": detected_at.isoformat() if detected_at else None,
        "delay_months": _months_between(episode.start, detected_at) if detected_at else None,
        "detected_by": f"{hit['kind']} {hit['partner']}" if hit else None,
        "detected_in_sample": in_sample is not None,
        "detected_at_in_sample": str(in_sample["as_of"]) if in_sample else None,
    }


# -- baselines ---------------------------------------------------------------------------------------
def _alarm(day: dt.date, partner: str, direction: str) -> dict[str, Any]:
    return {"as_of": day.isoformat(), "kind": f"{direction}_partner", "partner": partner, "direction": direction}


def calendar_alarms(as_of_days: Sequence[dt.date], partners: Sequence[str] = MAIN_PARTNERS) -> list[dict[str, Any]]:
    """Alarm "rising" for each of ``partners`` at every January step, and nothing else: a rule that reads no data."""
    return [_alarm(day, partner, "rising") for day in as_of_days if day.month == 1 for partner in partners]


def persistence_alarms(
    episodes: Sequence[Episode], as_of_days: Sequence[dt.date], horizon_months: int
) -> list[dict[str, Any]]:
    """An alarm for an episode's partner and direction at every step after its start, within the horizon:
    the state of the previous month repeated (what a reader of the news, who learns of an episode once it
    has started, would flag). It reads the episode list, not the events: a bar for *how late*, not a
    forecast."""
    alarms: list[dict[str, Any]] = []
    for day in as_of_days:
        for episode in episodes:
            if not _in_window(day, episode, horizon_months):
                continue
            if episode.kind == "realignment":
                alarms.append(
                    {"as_of": day.isoformat(), "kind": "realignment", "partner": episode.partner, "direction": "rising"}
                )
            else:
                alarms.append(_alarm(day, episode.partner, episode.kind))
    return alarms


def partner_counts(
    store: Store,
    focus: str,
    start: dt.date,
    end: dt.date,
    sources: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> pd.DataFrame:
    """Months × partners: ``focus``'s dyadic events per month, counted as ``shifts`` counts them."""
    from dyadwatch.analysis.shifts import period_partner_counts

    return period_partner_counts(store, focus, start, end, "M", list(sources) if sources else None, tuple(exclude))


@dataclass(frozen=True)
class WindowRates:
    """Per step and partner: recent and baseline events per month, as ``shifts`` windows them."""

    recent: pd.DataFrame
    baseline: pd.DataFrame
    active: pd.DataFrame


def window_rates(
    counts: pd.DataFrame, as_of_days: Sequence[dt.date], window_months: int, baseline_years: int
) -> WindowRates:
    """Recent (the ``window_months`` before each as-of day) and baseline (the ``baseline_years`` before
    that, from the first month with data) rates per month, and the periods with events in both.

    A step whose baseline is shorter than twice the window (or 6 months) gets no rates, as ``shifts``
    tests nothing there.
    """
    from dyadwatch.analysis.shifts import MIN_ACTIVE_PERIODS

    index = [d.isoformat() for d in as_of_days]
    columns = list(counts.columns)
    recent = pd.DataFrame(np.nan, index=index, columns=columns)
    baseline = recent.copy()
    active = recent.copy()
    if counts.empty or not columns:
        return WindowRates(recent, baseline, active)
    months = counts.index
    nonzero = counts.sum(axis=1) > 0
    data_start = months[nonzero.to_numpy()][0] if nonzero.any() else months[0]
    values = counts.to_numpy()
    cumulative = np.vstack([np.zeros(len(columns)), values.cumsum(axis=0)])
    active_cumulative = np.vstack([np.zeros(len(columns)), (values > 0).cumsum(axis=0)])
    for day, label in zip(as_of_days, index, strict=True):
        stop = int(months.searchsorted(pd.Timestamp(day)))
        mid = int(months.searchsorted(pd.Timestamp(_add_months(day, -window_months))))
        first = max(
            int(months.searchsorted(pd.Timestamp(_add_months(day, -window_months - 12 * baseline_years)))),
            int(months.searchsorted(data_start)),
        )
        n_recent, n_base = stop - mid, mid - first
        if n_recent < 1 or n_base < max(2 * n_recent, 6):
            continue
        recent.loc[label] = (cumulative[stop] - cumulative[mid]) / n_recent
        baseline.loc[label] = (cumulative[mid] - cumulative[first]) / n_base
        active.loc[label] = active_cumulative[stop] - active_cumulative[first]
    active = active.where(active >= MIN_ACTIVE_PERIODS)
    return WindowRates(recent, baseline, active)


def log_ratios(rates: WindowRates) -> pd.DataFrame:
    """log((recent + s) / (baseline + s)) per step and partner, s = :data:`RATIO_SMOOTHING`; NaN where
    a partner has too few periods with events to be tested."""
    ratio = (rates.recent + RATIO_SMOOTHING) / (rates.baseline + RATIO_SMOOTHING)
    return pd.DataFrame(np.log(ratio.to_numpy(float)), index=ratio.index, columns=ratio.columns).where(
        rates.active.notna()
    )


def naive_ratio_alarms(ratios: pd.DataFrame, threshold: float) -> list[dict[str, Any]]:
    """The naive rule: "rising" where the smoothed recent/baseline ratio is at least ``threshold``,
    "falling" where it is at most 1 / ``threshold`` (no test, no adjustment)."""
    bound = float(np.log(threshold))
    alarms: list[dict[str, Any]] = []
    for label, row in ratios.iterrows():
        day = dt.date.fromisoformat(str(label))
        for partner, value in row.dropna().items():
            if value >= bound:
                alarms.append(_alarm(day, str(partner), "rising"))
            elif value <= -bound:
                alarms.append(_alarm(day, str(partner), "falling"))
    return alarms


def matched_threshold(ratios: pd.DataFrame, as_of_days: Sequence[dt.date], onsets: int) -> float:
    """The threshold whose naive alarms have the number of onsets closest to ``onsets`` (ties: the higher).

    Only the alarm counts are compared, never the episodes, so the matching does not peek at the
    outcomes; it does use the whole replay's alarm count, which a forecaster would not know in
    advance (an advantage to the baseline, not to dyadwatch).
    """
    best, best_gap = NAIVE_THRESHOLDS[-1], math.inf
    for threshold in NAIVE_THRESHOLDS:
        count = sum(a["onset"] for a in with_onsets(naive_ratio_alarms(ratios, threshold), as_of_days))
        gap = abs(count - onsets)
        if gap <= best_gap:
            best, best_gap = threshold, gap
    return best


# -- probabilistic forecasts and their scores --------------------------------------------------------
def brier(forecast: Sequence[float] | np.ndarray[Any, Any], outcome: Sequence[float] | np.ndarray[Any, Any]) -> float:
    """Brier score: the mean squared difference between forecast probabilities and 0/1 outcomes (Brier 1950)."""
    p, y = np.asarray(forecast, dtype=float), np.asarray(outcome, dtype=float)
    if p.shape != y.shape or p.size == 0:
        raise UsageError("brier needs as many forecasts as outcomes, and at least one")
    return float(np.mean((p - y) ** 2))


def brier_skill(
    forecast: Sequence[float] | np.ndarray[Any, Any],
    outcome: Sequence[float] | np.ndarray[Any, Any],
    reference: Sequence[float] | np.ndarray[Any, Any] | None = None,
) -> float | None:
    """1 − BS / BS_ref: the Brier skill score against ``reference`` forecasts, by default the base rate
    of ``outcome`` (climatology; Wilks 2011, *Statistical Methods in the Atmospheric Sciences*, §8.4.2).
    1 is perfect, 0 no better than the reference, negative worse. None when the reference is perfect
    (no outcome varies), where the ratio is undefined."""
    y = np.asarray(outcome, dtype=float)
    ref = np.full(y.shape, y.mean()) if reference is None else np.asarray(reference, dtype=float)
    reference_score = brier(ref, y)
    if reference_score == 0:
        return None
    return 1.0 - brier(forecast, y) / reference_score


def reliability_table(
    forecast: Sequence[float] | np.ndarray[Any, Any],
    outcome: Sequence[float] | np.ndarray[Any, Any],
    edges: Sequence[float] = RELIABILITY_EDGES,
) -> list[dict[str, Any]]:
    """Per bin of forecast probability: how many forecasts, their mean, and how often the event came
    (a calibrated forecaster's bins lie on the diagonal; Murphy & Winkler 1977). Bins are [low, high),
    the last one closed; an empty bin has ``n`` 0 and no rates."""
    p, y = np.asarray(forecast, dtype=float), np.asarray(outcome, dtype=float)
    rows: list[dict[str, Any]] = []
    for i, (low, high) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
        inside = (p >= low) & ((p <= high) if i == len(edges) - 2 else (p < high))
        n = int(inside.sum())
        rows.append(
            {
                "low": float(low),
                "high": float(high),
                "n": n,
                "mean_forecast": float(p[inside].mean()) if n else None,
                "observed_rate": float(y[inside].mean()) if n else None,
                "onsets": int(y[inside].sum()),
            }
        )
    return rows


def fit_logistic(features: np.ndarray[Any, Any], outcome: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Coefficients (intercept first) of a logistic regression with a N(0, :data:`PRIOR_SD`²) prior on
    the slopes (maximum a posteriori, L-BFGS; scipy)."""
    from scipy.optimize import minimize
    from scipy.special import expit

    x = np.column_stack([np.ones(len(features)), features])
    y = np.asarray(outcome, dtype=float)
    penalty = np.r_[0.0, np.full(x.shape[1] - 1, 1.0 / (2 * PRIOR_SD**2))]

    def loss(beta: np.ndarray[Any, Any]) -> tuple[float, np.ndarray[Any, Any]]:
        eta = x @ beta
        value = -float(np.sum(y * eta - np.logaddexp(0.0, eta))) + float(np.sum(penalty * beta**2))
        gradient = -(x.T @ (y - expit(eta))) + 2 * penalty * beta
        return value, gradient

    start = np.zeros(x.shape[1])
    rate = min(max(y.mean(), 1e-4), 1 - 1e-4)
    start[0] = np.log(rate / (1 - rate))
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B").x, dtype=float)


def predict_logistic(coefficients: np.ndarray[Any, Any], features: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Probabilities from :func:`fit_logistic`'s coefficients."""
    from scipy.special import expit

    return np.asarray(expit(coefficients[0] + features @ coefficients[1:]), dtype=float)


def training_episodes(training: pd.DataFrame, horizon: int) -> int:
    """How many distinct episodes the positive units of ``training`` stand for (one episode makes up to
    ``horizon`` positive units: every as-of day in the months before its start)."""
    column = f"onset_{horizon}"
    positive = training[training[column] > 0]
    start = f"onset_start_{horizon}"
    if start not in positive.columns:
        return len(positive)
    return len(positive[["partner", "direction", start]].drop_duplicates())


def onset_probabilities(
    units: pd.DataFrame, as_of: str | dt.date, horizon: int, features: Sequence[str] = FORECASTERS["dyadwatch"]
) -> pd.DataFrame:
    """Per partner and direction, P(an episode starts within ``horizon`` months of ``as_of``).

    ``units`` is :attr:`BacktestResult.units` (or any frame with ``as_of``, ``partner``,
    ``direction``, the ``features`` and ``onset_<horizon>``). The logistic model is fitted on the
    units whose outcome was known before ``as_of`` (their ``as_of`` + ``horizon`` months is at most
    ``as_of``: rolling origin, no look-ahead) and applied to the units of ``as_of``. Returns
    ``partner, direction, probability, training_units, training_onsets`` (distinct episodes); empty
    when no unit has that as-of day, and every probability None when the training data hold onsets of
    fewer than :data:`MIN_TRAINING_ONSETS` episodes.
    """
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    column = f"onset_{horizon}"
    known_by = pd.Timestamp(_add_months(day, -horizon))
    stamps = pd.to_datetime(units["as_of"])
    training = units[(stamps <= known_by) & units[column].notna()]
    current = units[stamps == pd.Timestamp(day)]
    columns = ["partner", "direction", "probability", "training_units", "training_onsets"]
    if current.empty:
        return pd.DataFrame(columns=columns)
    onsets = training_episodes(training, horizon) if not training.empty else 0
    probability: list[float | None]
    if onsets < MIN_TRAINING_ONSETS:
        probability = [None] * len(current)
    else:
        coefficients = fit_logistic(training[list(features)].to_numpy(float), training[column].to_numpy(float))
        probability = [float(p) for p in predict_logistic(coefficients, current[list(features)].to_numpy(float))]
    return pd.DataFrame(
        {
            "partner": current["partner"].to_numpy(),
            "direction": current["direction"].to_numpy(),
            "probability": probability,
            "training_units": len(training),
            "training_onsets": onsets,
        },
        columns=columns,
    )


def onset_units(
    as_of_days: Sequence[dt.date],
    partners: Sequence[str],
    episodes: Sequence[Episode],
    ratios: pd.DataFrame,
    evidence: Mapping[tuple[str, str, str], float],
    horizons: Sequence[int] = PROBABILITY_HORIZONS,
) -> pd.DataFrame:
    """One row per as-of day, partner and direction: the forecasters' features and the outcomes.

    Features: ``falling`` (1 for the falling direction), ``evidence`` (dyadwatch's: −log10 of the
    replayed test's p-value in that direction, 0 where untested), ``log_ratio`` (the naive rule's
    smoothed recent/baseline log ratio, signed so that larger means "more in this direction"),
    ``calendar`` (1 for a main partner's "rising" in January), ``persistence_<h>`` (1 when an
    episode of the partner and direction started in the ``h`` months before). Outcome
    ``onset_<h>``: 1 when one starts in [as-of day, as-of day + h months) (``onset_start_<h>``: its
    start, so that the onsets of one episode are counted once). Realignment episodes have
    no direction and no single partner, and are not outcomes here.
    """
    starts: dict[tuple[str, str], list[dt.date]] = {}
    for episode in episodes:
        if episode.kind in DIRECTIONS:
            starts.setdefault((episode.partner, episode.kind), []).append(episode.start)
    rows: list[dict[str, Any]] = []
    for day in as_of_days:
        label = day.isoformat()
        for partner in partners:
            ratio = (
                float(np.asarray(ratios.at[label, partner], dtype=float))
                if partner in ratios.columns and label in ratios.index
                else np.nan
            )
            for direction in DIRECTIONS:
                sign = 1.0 if direction == "rising" else -1.0
                row: dict[str, Any] = {
                    "as_of": label,
                    "partner": partner,
                    "direction": direction,
                    "falling": float(direction == "falling"),
                    "evidence": evidence.get((label, partner, direction), 0.0),
                    "log_ratio": 0.0 if math.isnan(ratio) else sign * ratio,
                    "calendar": float(direction == "rising" and partner in MAIN_PARTNERS and day.month == 1),
                }
                known = starts.get((partner, direction), [])
                for h in horizons:
                    coming = sorted(s for s in known if day <= s < _add_months(day, h))
                    row[f"onset_{h}"] = float(bool(coming))
                    row[f"onset_start_{h}"] = coming[0].isoformat() if coming else ""
                    row[f"persistence_{h}"] = float(any(_add_months(day, -h) <= s < day for s in known))
                rows.append(row)
    return pd.DataFrame(rows)


def _forecaster_features(name: str, horizon: int) -> tuple[str, ...]:
    return tuple(f"persistence_{horizon}" if f == "persistence" else f for f in FORECASTERS[name])


def probabilistic_scores(
    units: pd.DataFrame, as_of_days: Sequence[dt.date], horizons: Sequence[int] = PROBABILITY_HORIZONS
) -> dict[str, Any]:
    """Every forecaster's rolling-origin forecasts at each horizon, scored by Brier score, Brier skill
    against the base rate, and a reliability table.

    Each forecaster is a logistic model of its own signal (:data:`FORECASTERS`), refitted at the first
    scored step and then at every January on the units whose outcomes were known by then; a step is
    scored from the first one whose training data hold onsets of :data:`MIN_TRAINING_ONSETS` episodes, the same
    steps for every forecaster. The base rate of the skill score is that of the scored units.
    """
    result: dict[str, Any] = {"horizons": list(horizons), "by_horizon": {}}
    if units.empty:
        return result
    stamps = pd.to_datetime(units["as_of"])
    steps = sorted(as_of_days)
    for h in horizons:
        column = f"onset_{h}"
        forecasts: dict[str, list[np.ndarray[Any, Any]]] = {name: [] for name in FORECASTERS}
        outcomes: list[np.ndarray[Any, Any]] = []
        coefficients: dict[str, np.ndarray[Any, Any]] = {}
        scored_from: dt.date | None = None
        for day in steps:
            known = units[stamps <= pd.Timestamp(_add_months(day, -h))]
            if scored_from is None and training_episodes(known, h) < MIN_TRAINING_ONSETS:
                continue
            if scored_from is None or day.month == 1:
                scored_from = scored_from or day
                for name in FORECASTERS:
                    chosen = list(_forecaster_features(name, h))
                    coefficients[name] = fit_logistic(known[chosen].to_numpy(float), known[column].to_numpy(float))
            current = units[stamps == pd.Timestamp(day)]
            if current.empty:
                continue
            outcomes.append(current[column].to_numpy(float))
            for name in FORECASTERS:
                chosen = list(_forecaster_features(name, h))
                forecasts[name].append(predict_logistic(coefficients[name], current[chosen].to_numpy(float)))
        entry: dict[str, Any] = {"scored_from": scored_from.isoformat() if scored_from else None}
        if not outcomes:
            entry["reason"] = (
                f"no step has onsets of {MIN_TRAINING_ONSETS} or more episodes within {h} month(s) before it to "
                "learn from; replay a longer range"
            )
            result["by_horizon"][str(h)] = entry
            continue
        y = np.concatenate(outcomes)
        entry.update(units=int(len(y)), onsets=int(y.sum()), base_rate=float(y.mean()), forecasters={})
        for name in FORECASTERS:
            p = np.concatenate(forecasts[name])
            entry["forecasters"][name] = {
                "features": list(_forecaster_features(name, h)),
                "brier": brier(p, y),
                "brier_skill": brier_skill(p, y),
                "reliability": reliability_table(p, y),
            }
        result["by_horizon"][str(h)] = entry
    return result


# -- the replay and the result -----------------------------------------------------------------------
@dataclass
class BacktestResult:
    """What the replay found: every episode's detection, every alarm, the rates, the baselines scored the
    same way, and the probabilistic scores."""

    focus: str
    date_from: str
    date_to: str
    freq: str
    settings: dict[str, Any]
    episodes: list[dict[str, Any]]
    alarms: list[dict[str, Any]]
    steps: int
    years: float
    onsets: int
    false_alarms: int
    false_alarms_per_year: float
    precision: float | None
    recall: float | None
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None
    #: Recall when the rows that define an episode are left in (the reading before issue 25).
    recall_in_sample: float | None = None
    #: The baselines scored by :func:`score_alarms`: ``calendar``, ``naive_ratio``, ``persistence``.
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: :func:`probabilistic_scores` of every forecaster at 1, 3 and 6 months.
    probabilistic: dict[str, Any] = field(default_factory=dict)
    #: dyadwatch against each baseline: alarm-rate differences and Brier skill scores.
    skill: dict[str, Any] = field(default_factory=dict)
    #: dyadwatch's probabilities at the last step (:func:`onset_probabilities`), per horizon.
    probabilities_now: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The probabilistic units (:func:`onset_units`); not in the JSON (one row per step, partner, direction).
    units: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of design §12, extended with the settings, the totals behind the rates, the
        baselines, the skills and the probabilistic scores."""
        return {
            "focus": self.focus,
            "from": self.date_from,
            "to": self.date_to,
            "freq": self.freq,
            "settings": self.settings,
            "episodes": self.episodes,
            "alarms": self.alarms,
            "steps": self.steps,
            "years": self.years,
            "alarm_onsets": self.onsets,
            "false_alarms": self.false_alarms,
            "false_alarms_per_year": self.false_alarms_per_year,
            "precision": self.precision,
            "recall": self.recall,
            "recall_in_sample": self.recall_in_sample,
            "baselines": self.baselines,
            "skill": self.skill,
            "probabilistic": self.probabilistic,
            "probabilities_now": self.probabilities_now,
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the scores: episodes detected, false alarms,
        precision and recall, beside the baselines scored the same way."""

        def share(value: float | None) -> str:
            return "—" if value is None else f"{value:.2f}"

        if not self.episodes:
            return f"No episode of {self.focus} from {self.date_from} to {self.date_to} to score the alarms against."
        detected = sum(1 for episode in self.episodes if episode.get("detected"))
        horizon = self.settings.get("horizon_months")
        within = f" within {horizon} months of its start" if horizon else ""
        first = (
            f"Replaying shifts as of each {'month' if self.freq == 'M' else self.freq} from {self.date_from} to "
            f"{self.date_to} ({self.steps} steps, {self.years:.1f} years), {detected} of {len(self.episodes)} "
            f"episodes of {self.focus} were detected{within}: recall {share(self.recall)} "
            f"({share(self.recall_in_sample)} with the rows that define each episode left in)."
        )
        second = (
            f" {self.onsets} alarm onsets, {self.false_alarms} false ({self.false_alarms_per_year:.2f} a year); "
            f"precision {share(self.precision)}."
        )
        if not self.baselines:
            return first + second
        others = "; ".join(
            f"{name.replace('_', ' ')} recall {share(score.get('recall'))}, precision {share(score.get('precision'))}"
            for name, score in self.baselines.items()
        )
        return first + second + f" Baselines scored the same way: {others}."

    def to_frame(self) -> pd.DataFrame:
        """One row per episode: detected, when, how late."""
        columns = ["name", "partner", "kind", "start", "detected", "detected_at", "delay_months"]
        return pd.DataFrame([{c: e[c] for c in columns} for e in self.episodes], columns=columns)

    def alarms_frame(self, onsets_only: bool = True) -> pd.DataFrame:
        """The alarms (by default only their onsets), with the episodes they match."""
        columns = ["as_of", "kind", "partner", "direction", "onset", "matches", "p_adjusted"]
        rows = [
            {**{c: a[c] for c in columns}, "matches": ", ".join(a["matches"]) or "—"}
            for a in self.alarms
            if a["onset"] or not onsets_only
        ]
        return pd.DataFrame(rows, columns=columns)

    def scores_frame(self) -> pd.DataFrame:
        """dyadwatch's alarm scores beside the baselines', one row each (all from :func:`score_alarms`)."""
        mine = {
            "rule": self.settings.get("rule", "shifts replayed"),
            "alarm_onsets": self.onsets,
            "false_alarms": self.false_alarms,
            "false_alarms_per_year": self.false_alarms_per_year,
            "precision": self.precision,
            "recall": self.recall,
            "recall_in_sample": self.recall_in_sample,
        }
        columns = ["forecaster", *mine]
        rows = [{"forecaster": "dyadwatch", **mine}]
        rows += [{"forecaster": name, **{c: score[c] for c in mine}} for name, score in self.baselines.items()]
        return pd.DataFrame(rows, columns=columns)

    def brier_frame(self) -> pd.DataFrame:
        """Brier score and Brier skill (against the base rate) of every forecaster at every horizon."""
        rows = []
        for h, entry in self.probabilistic.get("by_horizon", {}).items():
            for name, scores in entry.get("forecasters", {}).items():
                rows.append(
                    {
                        "horizon_months": int(h),
                        "forecaster": name,
                        "brier": scores["brier"],
                        "brier_skill": scores["brier_skill"],
                        "units": entry["units"],
                        "onsets": entry["onsets"],
                        "scored_from": entry["scored_from"],
                    }
                )
        columns = ["horizon_months", "forecaster", "brier", "brier_skill", "units", "onsets", "scored_from"]
        return pd.DataFrame(rows, columns=columns)


def _evidence(found: Any, label: str) -> dict[tuple[str, str, str], float]:
    """−log10 p of each tested partner's test in each direction at one step (0 where it points the other way)."""
    evidence: dict[tuple[str, str, str], float] = {}
    for entry in found.partners:
        if "p_value" not in entry:
            continue
        two_sided = -math.log10(entry["p_value"])
        up = entry["recent_rate"] > entry["baseline_rate"]
        down = entry["recent_rate"] < entry["baseline_rate"]
        low = -math.log10(entry["p_low_rate"]) if "p_low_rate" in entry else 0.0
        evidence[(label, entry["partner"], "rising")] = two_sided if up else 0.0
        evidence[(label, entry["partner"], "falling")] = max(two_sided if down else 0.0, low)
    return evidence


def _step_alarms(found: Any, as_of: dt.date) -> list[dict[str, Any]]:
    alarms: list[dict[str, Any]] = []
    for shift in found.shifts:
        if shift["kind"] not in ALARM_KINDS:
            continue
        evidence = shift["evidence"]
        if shift["kind"] == "realignment":
            direction = "rising" if evidence["recent_share"] > evidence["baseline_share"] else "falling"
        else:
            direction = ALARM_KINDS[shift["kind"]]
        alarms.append(
            {
                "as_of": as_of.isoformat(),
                "kind": shift["kind"],
                "partner": shift["partner"],
                "direction": direction,
                "test": evidence.get("test", "share" if shift["kind"] == "realignment" else "two_sided"),
                "p_adjusted": evidence.get("p_adjusted"),
                "summary": shift["summary"],
            }
        )
    return alarms


def backtest(
    store: Store,
    focus: str = "PRK",
    episodes: str | Path | Sequence[Episode] = "bundled",
    *,
    date_from: str | dt.date,
    date_to: str | dt.date,
    freq: str = "M",
    window_months: int = 6,
    horizon_months: int = 12,
    baseline_years: int = 10,
    alpha: float = 0.05,
    adjust: str = "fdr",
    sources: Sequence[str] | None = None,
    seed: int = 0,
    permutations: int = REPLAY_PERMUTATIONS,
    leave_out_defining: bool = True,
) -> BacktestResult:
    """Replay ``shifts`` as of the first day of each period from ``date_from`` to ``date_to`` and score it
    beside the baselines, in alarms and in probabilities.

    ``episodes`` is a CSV path, ``"bundled"`` or a list of :class:`Episode`. The same ``seed``
    gives the same output. ``leave_out_defining=False`` judges detections with the defining rows left
    in (for comparison only). See the module docstring for the scoring rules.
    """
    check_freq(freq)
    focus = focus.upper()
    first, last = _replay_range(date_from, date_to, freq, window_months, horizon_months)
    all_episodes = _episode_list(episodes)
    blocs = BLOCS
    as_of_days = _as_of_days(first, last, freq)
    replay = _Replay(store, focus, freq, window_months, baseline_years, alpha, adjust, sources, seed, permutations)
    alarms, evidence, notes = _replay_steps(replay, as_of_days)
    inside = [e for e in all_episodes if first <= e.start <= last]
    _outside_note(all_episodes, inside, first, last, notes)
    defining = _defining_rows(replay, inside, horizon_months, blocs)
    detection = _held_out_alarms(replay, inside, defining, as_of_days, horizon_months) if leave_out_defining else {}
    scoring = {"horizon_months": horizon_months, "date_from": first, "date_to": last, "blocs": blocs}
    mine = _score_replay(alarms, all_episodes, as_of_days, detection, defining, scoring)
    inputs = _BaselineInputs(replay, all_episodes, inside, defining, as_of_days, last, horizon_months)
    ratios, threshold, baselines = _baselines(inputs, mine.onsets, scoring, leave_out_defining)
    units, probabilistic, probabilities_now = _probabilities(as_of_days, all_episodes, ratios, evidence, blocs)
    return BacktestResult(
        focus=focus,
        date_from=first.isoformat(),
        date_to=last.isoformat(),
        freq=freq,
        settings=_settings(replay, horizon_months, episodes, leave_out_defining, threshold),
        steps=len(as_of_days),
        years=(last - first).days / 365.25,
        **_alarm_fields(mine),
        notes=notes,
        # The events each replayed shifts call reads: these sources, every day up to its as-of day.
        selection=Selection(freq=freq, sources=tuple(sources or ())),
        baselines={name: score.summary() for name, score in baselines.items()},
        probabilistic=probabilistic,
        skill=_skills(mine, baselines, probabilistic),
        probabilities_now=probabilities_now,
        units=units,
    )


def _episode_list(episodes: str | Path | Sequence[Episode]) -> list[Episode]:
    """The episodes to score against: the list given, or those read from a CSV path or ``"bundled"``."""
    listed = list(episodes) if isinstance(episodes, Sequence) and not isinstance(episodes, str) else None
    return listed if listed is not None else read_episodes(episodes)  # type: ignore[arg-type]


def _alarm_fields(mine: AlarmScore) -> dict[str, Any]:
    """dyadwatch's own alarm scores as the :class:`BacktestResult` fields that hold them."""
    return {
        "episodes": mine.episodes,
        "alarms": mine.alarms,
        "onsets": mine.onsets,
        "false_alarms": mine.false_alarms,
        "false_alarms_per_year": mine.false_alarms_per_year,
        "precision": mine.precision,
        "recall": mine.recall,
        "recall_in_sample": mine.recall_in_sample,
    }


def _as_of_days(first: dt.date, last: dt.date, freq: str) -> list[dt.date]:
    """The replay's steps: the first day of every period that starts from ``first`` to ``last``."""
    as_of_days = [d.date() for d in period_index(first, last, freq) if d.date() >= first]
    if not as_of_days:
        raise UsageError(f"no {freq} period starts between {first} and {last}")
    return as_of_days


def _defining_rows(
    replay: _Replay, inside: Sequence[Episode], horizon_months: int, blocs: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Per episode in range, the events that define it (:func:`defining_events`)."""
    return {
        e.name: defining_events(
            replay.store, replay.focus, e, horizon_months=horizon_months, sources=replay.sources, blocs=blocs
        )
        for e in inside
    }


def _score_replay(
    alarms: list[dict[str, Any]],
    all_episodes: Sequence[Episode],
    as_of_days: Sequence[dt.date],
    detection: Mapping[str, list[dict[str, Any]]],
    defining: Mapping[str, list[str]],
    scoring: Mapping[str, Any],
) -> AlarmScore:
    """dyadwatch's replayed alarms scored by :func:`score_alarms`, each episode row with its number of
    defining events."""
    mine = score_alarms(alarms, all_episodes, as_of_days, detection=detection, **scoring)
    for row in mine.episodes:
        row["defining_events"] = len(defining.get(row["name"], []))
    return mine


def _replay_range(
    date_from: str | dt.date, date_to: str | dt.date, freq: str, window_months: int, horizon_months: int
) -> tuple[dt.date, dt.date]:
    """The replay's first and last day, after checking them and the window and horizon against ``freq``."""
    first = parse_day(date_from, "--from")
    last = parse_day(date_to, "--to")
    if last <= first:
        raise UsageError(f"--to ({last}) must come after --from ({first})")
    step = MONTHS_PER[freq]
    if window_months < step or window_months % step:
        raise UsageError(f"--window must be a positive multiple of {step} month(s) at --freq {freq}")
    if horizon_months < 1:
        raise UsageError("--horizon must be at least 1 month")
    return first, last


@dataclass(frozen=True)
class _Replay:
    """One backtest's settings of :func:`~dyadwatch.analysis.shifts.shifts`; calling it replays shifts as
    of one day (the recent window the ``window_months`` before it), optionally without some events."""

    store: Store
    focus: str
    freq: str
    window_months: int
    baseline_years: int
    alpha: float
    adjust: str
    sources: Sequence[str] | None
    seed: int
    permutations: int

    def __call__(self, as_of: dt.date, exclude: Sequence[str] = ()) -> Any:
        """Shifts as found on the day before ``as_of``, with the low-rate test and without indicators."""
        from dyadwatch.analysis.shifts import shifts as find_shifts

        return find_shifts(
            self.store,
            self.focus,
            _add_months(as_of, -self.window_months),
            until=as_of - dt.timedelta(days=1),
            freq=self.freq,
            baseline_years=self.baseline_years,
            alpha=self.alpha,
            adjust=self.adjust,
            sources=self.sources,
            seed=self.seed,
            permutations=self.permutations,
            with_indicators=False,
            low_rate=True,
            exclude_events=exclude,
        )


def _replay_steps(
    replay: _Replay, as_of_days: Sequence[dt.date]
) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str], float], list[str]]:
    """Replay every step: its alarms, each partner's evidence, and the notes (one counts the steps with
    too little data to test any partner). No dyadic events at all before any alarm is the user's error."""
    notes: list[str] = []
    alarms: list[dict[str, Any]] = []
    evidence: dict[tuple[str, str, str], float] = {}
    skipped = 0
    for as_of in as_of_days:
        try:
            found = replay(as_of)
        except UsageError as exc:
            if "no dyadic events" in str(exc) and not alarms:
                raise
            skipped += 1
            continue
        if not found.partners:
            skipped += 1
        alarms.extend(_step_alarms(found, as_of))
        evidence.update(_evidence(found, as_of.isoformat()))
    if skipped:
        notes.append(
            f"{skipped} of {len(as_of_days)} replay steps had too little data before them to test any partner "
            "(see shifts' notes on baselines); they raise no alarm"
        )
    return alarms, evidence, notes


def _outside_note(
    all_episodes: Sequence[Episode], inside: Sequence[Episode], first: dt.date, last: dt.date, notes: list[str]
) -> None:
    """A note naming the episodes that start outside the replayed range (not counted in recall)."""
    outside = [e.name for e in all_episodes if e not in inside]
    if outside:
        notes.append(
            f"{len(outside)} episode(s) start outside {first}..{last}: not counted in recall (an alarm in "
            f"range can still match one): {', '.join(outside)}"
        )


def _held_out_alarms(
    replay: _Replay,
    inside: Sequence[Episode],
    defining: Mapping[str, list[str]],
    as_of_days: Sequence[dt.date],
    horizon_months: int,
) -> dict[str, list[dict[str, Any]]]:
    """Per episode with defining rows, the alarms of the steps in its window replayed without those
    rows: what its detection is judged by (a step that cannot be replayed adds none)."""
    detection: dict[str, list[dict[str, Any]]] = {}
    for episode in inside:
        if not defining[episode.name]:
            continue
        pool: list[dict[str, Any]] = []
        for as_of in as_of_days:
            if _in_window(as_of, episode, horizon_months):
                try:
                    pool.extend(_step_alarms(replay(as_of, defining[episode.name]), as_of))
                except UsageError:
                    continue
        detection[episode.name] = pool
    return detection


@dataclass(frozen=True)
class _BaselineInputs:
    """What the baselines of one backtest read: its replay settings, the episodes, their defining rows and the steps."""

    replay: _Replay
    all_episodes: Sequence[Episode]
    inside: Sequence[Episode]
    defining: Mapping[str, list[str]]
    as_of_days: Sequence[dt.date]
    last: dt.date
    horizon_months: int

    @property
    def counts_from(self) -> dt.date:
        """The first day the baselines' partner counts need: the first step's window and baseline."""
        replay = self.replay
        return _add_months(self.as_of_days[0], -replay.window_months - 12 * replay.baseline_years)


def _naive_ratios(inputs: _BaselineInputs, onsets: int) -> tuple[pd.DataFrame, float]:
    """Every step's log rate ratios (recent window vs baseline) per partner, and the naive-ratio threshold
    whose onset count comes closest to dyadwatch's ``onsets``."""
    replay = inputs.replay
    counts = partner_counts(replay.store, replay.focus, inputs.counts_from, inputs.last, replay.sources)
    ratios = log_ratios(window_rates(counts, inputs.as_of_days, replay.window_months, replay.baseline_years))
    return ratios, matched_threshold(ratios, inputs.as_of_days, onsets)


def _naive_detection(inputs: _BaselineInputs, threshold: float) -> dict[str, list[dict[str, Any]]]:
    """Per episode with defining rows, the naive-ratio alarms of the steps in its window, from counts
    without those rows."""
    replay = inputs.replay
    detection: dict[str, list[dict[str, Any]]] = {}
    for episode in inputs.inside:
        if not inputs.defining[episode.name]:
            continue
        steps_in = [d for d in inputs.as_of_days if _in_window(d, episode, inputs.horizon_months)]
        without = partner_counts(
            replay.store, replay.focus, inputs.counts_from, inputs.last, replay.sources, inputs.defining[episode.name]
        )
        detection[episode.name] = naive_ratio_alarms(
            log_ratios(window_rates(without, steps_in, replay.window_months, replay.baseline_years)), threshold
        )
    return detection


def _baselines(
    inputs: _BaselineInputs, onsets: int, scoring: Mapping[str, Any], leave_out_defining: bool
) -> tuple[pd.DataFrame, float, dict[str, AlarmScore]]:
    """The three baselines (calendar, naive ratio, persistence), scored by :func:`score_alarms` as dyadwatch
    is, with the naive ratios and threshold they were found by (the ratios also feed the probabilities)."""
    ratios, threshold = _naive_ratios(inputs, onsets)
    window_months, baseline_years = inputs.replay.window_months, inputs.replay.baseline_years
    all_episodes, as_of_days = inputs.all_episodes, inputs.as_of_days
    naive_detection = _naive_detection(inputs, threshold) if leave_out_defining else {}
    return ratios, threshold, {
        "calendar": score_alarms(
            calendar_alarms(as_of_days), all_episodes, as_of_days, name="calendar",
            rule=f"rising for {', '.join(MAIN_PARTNERS)} at every January step; reads no data", **scoring,
        ),
        "naive_ratio": score_alarms(
            naive_ratio_alarms(ratios, threshold), all_episodes, as_of_days, detection=naive_detection,
            name="naive_ratio", rule=(
                f"recent {window_months}-month rate / {baseline_years}-year baseline rate (+{RATIO_SMOOTHING} "
                f"each) >= {threshold:.3g}: rising, <= 1/{threshold:.3g}: falling; the threshold gives the onset "
                f"count closest to dyadwatch's {onsets} (alarm counts only, no episodes)"
            ), **scoring,
        ),
        "persistence": score_alarms(
            persistence_alarms(all_episodes, as_of_days, inputs.horizon_months), all_episodes, as_of_days,
            name="persistence", rule="the episode list's state of the previous step repeated: an alarm from the "
            "first step after an episode's start to the end of its horizon (reads the episode list, not the data)",
            **scoring,
        ),
    }  # fmt: skip


def _probabilities(
    as_of_days: Sequence[dt.date],
    all_episodes: Sequence[Episode],
    ratios: pd.DataFrame,
    evidence: Mapping[tuple[str, str, str], float],
    blocs: Mapping[str, Sequence[str]],
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The probabilistic units of the five main partners and every country of the episode list, every
    forecaster's scores on them, and dyadwatch's probabilities at the last step per horizon."""
    unit_partners = sorted({*MAIN_PARTNERS, *(e.partner for e in all_episodes if e.partner not in blocs)})
    units = onset_units(as_of_days, unit_partners, all_episodes, ratios, evidence)
    probabilistic = probabilistic_scores(units, as_of_days)
    probabilistic["partners"] = unit_partners
    probabilistic["forecasters"] = {name: list(features) for name, features in FORECASTERS.items()}
    now = as_of_days[-1]
    probabilities_now = {
        str(h): [{str(k): v for k, v in row.items()} for row in onset_probabilities(units, now, h).to_dict("records")]
        for h in PROBABILITY_HORIZONS
    }
    return units, probabilistic, probabilities_now


def _settings(
    replay: _Replay,
    horizon_months: int,
    episodes: str | Path | Sequence[Episode],
    leave_out_defining: bool,
    naive_threshold: float,
) -> dict[str, Any]:
    """The settings a backtest result reports, the naive-ratio threshold found and the rule replayed."""
    return {
        "window_months": replay.window_months,
        "horizon_months": horizon_months,
        "baseline_years": replay.baseline_years,
        "alpha": replay.alpha,
        "adjust": replay.adjust,
        "sources": list(replay.sources) if replay.sources else None,
        "seed": replay.seed,
        "permutations": replay.permutations,
        "episodes_version": EPISODES_VERSION if str(episodes) == "bundled" else None,
        "low_rate_test": True,
        "leave_out_defining": leave_out_defining,
        "naive_threshold": naive_threshold,
        "rule": "shifts replayed (two-sided and low-rate tests, adjusted across partners; bloc shares)",
    }


def _skills(mine: AlarmScore, baselines: Mapping[str, AlarmScore], probabilistic: Mapping[str, Any]) -> dict[str, Any]:
    """dyadwatch against each baseline: differences of the alarm rates (positive: dyadwatch better)
    and, per horizon, Brier skill against the base rate and 1 − BS_dyadwatch / BS_baseline."""

    def gap(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    alarms = {
        name: {
            "precision": gap(mine.precision, score.precision),
            "recall": gap(mine.recall, score.recall),
            "false_alarms_per_year": score.false_alarms_per_year - mine.false_alarms_per_year,
        }
        for name, score in baselines.items()
    }
    brier_skills: dict[str, Any] = {}
    for h, entry in probabilistic.get("by_horizon", {}).items():
        scores = entry.get("forecasters")
        if not scores:
            brier_skills[h] = {"reason": entry.get("reason")}
            continue
        ours = scores["dyadwatch"]["brier"]
        brier_skills[h] = {"base_rate": scores["dyadwatch"]["brier_skill"]}
        for name in ("calendar", "naive_ratio", "persistence"):
            theirs = scores[name]["brier"]
            brier_skills[h][name] = 1.0 - ours / theirs if theirs > 0 else None
    return {"alarms": alarms, "brier": brier_skills}
