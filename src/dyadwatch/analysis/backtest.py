"""Does the early warning work? ``dyadwatch backtest FOCUS --episodes FILE|bundled`` (design §12, issue 13).

:func:`dyadwatch.analysis.shifts.shifts` is replayed as of the first day of every period between
``from`` and ``to``: at as-of day *t* it sees only events before *t* (``until`` = *t* − 1 day), its
recent window is the ``window_months`` before *t* and its baseline the ``baseline_years`` before
that. Every rising or falling partner and every bloc realignment it reports is an **alarm**
(multilateral occasions are facts, not forecasts, and are not scored).

Scoring, against episodes written down beforehand (``name,partner,kind,start``):

* an episode is **detected** when an alarm of its kind and partner is active at an as-of day in
  [start, start + ``horizon_months``] (``rising`` ↔ ``rising_partner``, ``falling`` ↔
  ``falling_partner``, ``realignment`` ↔ a ``realignment`` alarm of the bloc named, or of a bloc
  that holds the partner); ``detected_at`` is the first such as-of day and ``delay_months`` the
  months from the start's month to it (data up to the end of the start's month are seen one month
  later at the earliest, so 1 is the shortest delay at ``--freq M``);
* an alarm that was not active at the previous as-of day is an **onset**; alarms that persist are
  not counted again. An onset that falls in no episode's window is a **false alarm**;
  ``false_alarms_per_year`` = false alarms / years replayed, ``precision`` = matched onsets / onsets,
  ``recall`` = detected episodes / episodes that start inside the replayed range.

Runtime: one replay step is one ``shifts`` call; the replay uses :data:`REPLAY_PERMUTATIONS`
permutations per test (smallest p-value 1/1000, ample at α = 0.05 after adjustment) and leaves
out the UN-vote and trade indicators, so 35 years of monthly steps take minutes, not hours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from dyadwatch.analysis.blocs import BLOCS
from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import InputError, UsageError
from dyadwatch.periods import MONTHS_PER, check_freq, period_index
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Permutations per test in each replayed ``shifts`` call (``shifts`` itself uses 9 999).
REPLAY_PERMUTATIONS = 999
#: The bundled, referenced episodes (``data/episodes``); bump the version when rows change.
EPISODES_VERSION = 1
EPISODE_KINDS = ("rising", "falling", "realignment")
ALARM_KINDS = {"rising_partner": "rising", "falling_partner": "falling", "realignment": "realignment"}


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
            start = dt.date.fromisoformat(start_text)
        except ValueError:
            problems.append(f"line {line}: start must be a date like 2018-03-26, not {start_text!r}")
            continue
        names.add(name)
        partner = partner.lower() if partner.lower() in BLOCS else partner.upper()
        episodes.append(Episode(name, partner, kind, start, (row.get("reference") or "").strip()))
    if problems:
        raise InputError(path, "; ".join(problems[:10]))
    if not episodes:
        raise InputError(path, "the episodes file has no episodes")
    return episodes


@dataclass
class BacktestResult:
    """What the replay found: every episode's detection, every alarm, and the rates."""

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

    def to_dict(self) -> dict[str, Any]:
        """The JSON of design §12, extended with the settings and the totals behind the rates."""
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
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

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


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def _matches(alarm: Mapping[str, Any], episode: Episode, blocs: Mapping[str, Sequence[str]]) -> bool:
    kind = ALARM_KINDS[alarm["kind"]]
    if kind != episode.kind:
        return False
    if kind == "realignment":
        bloc = alarm["partner"]
        return bool(bloc == episode.partner or episode.partner in blocs.get(bloc, ()))
    return bool(alarm["partner"] == episode.partner)


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
) -> BacktestResult:
    """Replay ``shifts`` as of the first day of each period from ``date_from`` to ``date_to`` and score it.

    ``episodes`` is a CSV path, ``"bundled"`` or a list of :class:`Episode`. The same ``seed``
    gives the same output. See the module docstring for the scoring rules.
    """
    from dyadwatch.analysis.shifts import _parse_date
    from dyadwatch.analysis.shifts import shifts as find_shifts

    check_freq(freq)
    focus = focus.upper()
    first = _parse_date(date_from, "--from")
    last = _parse_date(date_to, "--to")
    if last <= first:
        raise UsageError(f"--to ({last}) must come after --from ({first})")
    step = MONTHS_PER[freq]
    if window_months < step or window_months % step:
        raise UsageError(f"--window must be a positive multiple of {step} month(s) at --freq {freq}")
    if horizon_months < 1:
        raise UsageError("--horizon must be at least 1 month")
    listed = list(episodes) if isinstance(episodes, Sequence) and not isinstance(episodes, str) else None
    all_episodes = listed if listed is not None else read_episodes(episodes)  # type: ignore[arg-type]
    blocs = BLOCS
    as_of_days = [
        d.date()
        for d in period_index(first, last, freq)
        if d.date() >= first
    ]
    if not as_of_days:
        raise UsageError(f"no {freq} period starts between {first} and {last}")
    notes: list[str] = []
    alarms: list[dict[str, Any]] = []
    previous: set[tuple[str, str, str]] = set()
    skipped = 0
    for as_of in as_of_days:
        since = _add_months(as_of, -window_months)
        try:
            found = find_shifts(
                store,
                focus,
                since,
                until=as_of - dt.timedelta(days=1),
                freq=freq,
                baseline_years=baseline_years,
                alpha=alpha,
                adjust=adjust,
                sources=sources,
                seed=seed,
                permutations=permutations,
                with_indicators=False,
            )
        except UsageError as exc:
            if "no dyadic events" in str(exc) and not alarms:
                raise
            skipped += 1
            previous = set()
            continue
        if not found.partners:
            skipped += 1
        current: set[tuple[str, str, str]] = set()
        for shift in found.shifts:
            if shift["kind"] not in ALARM_KINDS:
                continue
            evidence = shift["evidence"]
            if shift["kind"] == "realignment":
                direction = "rising" if evidence["recent_share"] > evidence["baseline_share"] else "falling"
            else:
                direction = ALARM_KINDS[shift["kind"]]
            key = (shift["kind"], shift["partner"], direction)
            current.add(key)
            alarms.append(
                {
                    "as_of": as_of.isoformat(),
                    "kind": shift["kind"],
                    "partner": shift["partner"],
                    "direction": direction,
                    "onset": key not in previous,
                    "p_adjusted": evidence.get("p_adjusted"),
                    "summary": shift["summary"],
                    "matches": [],
                }
            )
        previous = current
    if skipped:
        notes.append(
            f"{skipped} of {len(as_of_days)} replay steps had too little data before them to test any partner "
            "(see shifts' notes on baselines); they raise no alarm"
        )

    inside = [e for e in all_episodes if first <= e.start <= last]
    outside = [e.name for e in all_episodes if e not in inside]
    if outside:
        notes.append(
            f"{len(outside)} episode(s) start outside {first}..{last} and are not scored: {', '.join(outside)}"
        )
    episode_rows: list[dict[str, Any]] = []
    for episode in inside:
        window_end = _add_months(episode.start, horizon_months)
        hits = [
            a
            for a in alarms
            if episode.start < dt.date.fromisoformat(a["as_of"]) <= window_end and _matches(a, episode, blocs)
        ]
        for alarm in hits:
            if episode.name not in alarm["matches"]:
                alarm["matches"].append(episode.name)
        detected_at = dt.date.fromisoformat(hits[0]["as_of"]) if hits else None
        episode_rows.append(
            {
                "name": episode.name,
                "partner": episode.partner,
                "kind": episode.kind,
                "start": episode.start.isoformat(),
                "reference": episode.reference,
                "detected": detected_at is not None,
                "detected_at": detected_at.isoformat() if detected_at else None,
                "delay_months": _months_between(episode.start, detected_at) if detected_at else None,
            }
        )
    onsets = [a for a in alarms if a["onset"]]
    false_alarms = [a for a in onsets if not a["matches"]]
    years = (last - first).days / 365.25
    detected = sum(1 for e in episode_rows if e["detected"])
    return BacktestResult(
        focus=focus,
        date_from=first.isoformat(),
        date_to=last.isoformat(),
        freq=freq,
        settings={
            "window_months": window_months,
            "horizon_months": horizon_months,
            "baseline_years": baseline_years,
            "alpha": alpha,
            "adjust": adjust,
            "sources": list(sources) if sources else None,
            "seed": seed,
            "permutations": permutations,
            "episodes_version": EPISODES_VERSION if str(episodes) == "bundled" else None,
        },
        episodes=episode_rows,
        alarms=alarms,
        steps=len(as_of_days),
        years=years,
        onsets=len(onsets),
        false_alarms=len(false_alarms),
        false_alarms_per_year=len(false_alarms) / years,
        precision=(len(onsets) - len(false_alarms)) / len(onsets) if onsets else None,
        recall=detected / len(episode_rows) if episode_rows else None,
        notes=notes,
        # The events each replayed shifts call reads: these sources, every day up to its as-of day.
        selection=Selection(freq=freq, sources=tuple(sources or ())),
    )
