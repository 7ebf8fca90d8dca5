"""Early warning of diplomatic repositioning: ``dyadwatch shifts FOCUS --since DATE`` (issue 5).

Four kinds of shift, each with the numbers and the events behind it:

* ``rising_partner`` / ``falling_partner``: the focus country's events with a partner since
  ``since`` against that partner's own baseline (the ``baseline_years`` before). The estimate is
  the rate ratio of a two-period Poisson count model (events per period, recent vs baseline); the
  p-value comes from a permutation test over periods, because event counts are over-dispersed and
  clustered (one state visit gives several rows in one month; methods §1.5, Brandt et al. 2000),
  which makes the Poisson model's own standard errors far too small. The p-values are adjusted
  across partners (Benjamini–Hochberg false discovery rate by default, or Holm), so that steady
  partners are not flagged by chance.
* ``multilateral_event``: one ``group_id`` (design §2), or one date in the chronology, with three
  or more foreign partners of the focus country.
* ``realignment``: a change in the share of the focus country's events with a bloc (China + Russia,
  Southeast Asia, the West; design §8 ``bloc_share``), tested the same way (permutation over periods).

Partners with too little history get ``status: insufficient_data`` and a reason, never a number.

The last period is usually incomplete (``until`` or the last event falls inside it). Counted as a
full period it would bias every partner towards "falling". When at least
:data:`MIN_PARTIAL_COVERAGE` of its days are covered, its counts are scaled by days / days covered
(exposure) for the partner rates and their permutation test, and the recent rate is events per
exposure (complete periods + the covered share); otherwise the period is left out of the tests.
Bloc shares need no scaling (part and total come from the same days), so with exposure they use the
counts as they are. Either way ``partial_period`` and a note say what was done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dyadwatch.analysis.blocs import BLOCS
from dyadwatch.analysis.results import selection_json
from dyadwatch.days import parse_day
from dyadwatch.errors import UsageError
from dyadwatch.periods import FREQ_NAMES, period_end, period_index, period_start
from dyadwatch.selection import BARE_STATEMENT_CODES, Selection, resolve, source_sql

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Sources where a shared date alone marks one multilateral occasion (the hand-curated chronology).
#: In machine-coded or user data nearly every day can have three or more partners, so there a
#: multilateral event is recognised by ``group_id`` only.
DATE_GROUPED_SOURCES = ("chronology",)
#: Random permutations per test; the smallest attainable p-value is 1 / (PERMUTATIONS + 1).
PERMUTATIONS = 9999
#: A partner needs events in this many periods (both windows together) to be tested at all.
MIN_ACTIVE_PERIODS = 3
#: A bloc share needs this many focus events, in this many periods, in each window.
MIN_BLOC_EVENTS = 10
MIN_BLOC_PERIODS = 3
#: A last period covered for at least this share of its days has its counts scaled up to a full
#: period (exposure); one covered for less is left out of the tests (scaling would more than double
#: a handful of events into a spike).
MIN_PARTIAL_COVERAGE = 0.5
#: The earliest --since: pandas holds days from 1677 on, and no event data are that old.
EARLIEST_DAY = dt.date(1700, 1, 1)
#: Events listed as evidence per shift, and their fields.
EVIDENCE_EVENTS = 12
EVIDENCE_COLUMNS = ("date", "actor1", "actor2", "event_code", "goldstein", "group_id", "source", "summary", "reference")

FloatArray = NDArray[np.float64]
#: The caveat every tested result ends with: what the permutation test assumes and what can break it.
EXCHANGEABLE_NOTE = (
    "the permutation test treats periods as exchangeable; slow trends in media coverage (GDELT) can "
    "make every partner look like it is rising; compare with a normalised series"
)


@dataclass
class ShiftsResult:
    """What :func:`shifts` found: the shifts, every partner's test, and notes for the reader."""

    focus: str
    since: str
    until: str
    baseline_from: str
    freq: str
    alpha: float
    shifts: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    blocs: list[dict[str, Any]]
    method: dict[str, str]
    notes: list[str] = field(default_factory=list)
    #: How an incomplete last period was treated: its start, end, days covered, days, and
    #: ``treatment`` ("exposure" or "left_out"); ``None`` when the last period is complete.
    partial_period: dict[str, Any] | None = None
    #: UN vote agreement and trade share, recent vs baseline years (issue 12; analysis/votes.py).
    indicators: dict[str, Any] = field(default_factory=dict)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of design §4 (``focus``, ``since``, ``shifts``), extended with the tests behind it."""
        return {
            "focus": self.focus,
            "since": self.since,
            "until": self.until,
            "baseline_from": self.baseline_from,
            "freq": self.freq,
            "alpha": self.alpha,
            "method": self.method,
            "shifts": self.shifts,
            "partners": self.partners,
            "blocs": self.blocs,
            "partial_period": self.partial_period,
            "notes": self.notes,
            "selection": selection_json(self.selection),
            "indicators": self.indicators,
            "summary": self.summary,
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the shifts and the tests behind them."""
        from dyadwatch.analysis.wording import listing, plural

        tested = [entry for entry in self.partners if entry.get("p_adjusted") is not None]
        head = (
            f"Since {self.since} (to {self.until}), against each partner's baseline from {self.baseline_from}, "
            f"{plural(len(tested), 'partner')} of {self.focus} could be tested"
        )
        if not tested and not self.shifts:
            return f"{head}: none has events in enough {FREQ_NAMES.get(self.freq, self.freq)}s, so no shift is claimed."
        by_kind: dict[str, list[str]] = {}
        for shift in self.shifts:
            evidence = shift.get("evidence", {})
            ratio = evidence.get("rate_ratio")
            p = evidence.get("p_adjusted")
            detail = f" ({ratio:.3g}x, adjusted p {p:.2g})" if ratio is not None and p is not None else ""
            by_kind.setdefault(shift["kind"], []).append(f"{shift['partner']}{detail}")
        if not by_kind:
            return f"{head}; none rose or fell at an adjusted {self.alpha:g}, and no bloc realigned."
        words = {
            "rising_partner": "rising",
            "falling_partner": "falling",
            "realignment": "bloc shares changed",
            "multilateral_event": "multilateral events",
        }
        parts = [f"{words.get(kind, kind.replace('_', ' '))}: {listing(items, 4)}" for kind, items in by_kind.items()]
        return f"{head}; at an adjusted {self.alpha:g}, " + "; ".join(parts) + "."

    def to_frame(self) -> pd.DataFrame:
        """One row per shift: kind, partner, date, headline numbers."""
        rows = []
        for shift in self.shifts:
            evidence = shift["evidence"]
            rows.append(
                {
                    "kind": shift["kind"],
                    "partner": shift["partner"],
                    "date": shift.get("date") or self.since,
                    "p_adjusted": evidence.get("p_adjusted"),
                    "summary": shift["summary"],
                }
            )
        return pd.DataFrame(rows, columns=["kind", "partner", "date", "p_adjusted", "summary"])


# -- the tests -------------------------------------------------------------------------------------
def rate_evidence(
    entry: dict[str, Any],
    baseline: dict[str, Any],
    recent: dict[str, Any],
    rates: tuple[float, float, float | None],
    p_values: tuple[float, float],
) -> dict[str, Any]:
    """The evidence of a partner's rate test (rising, falling or low-rate): its two windows with their
    event counts, the rates before and after, their ratio, and the raw and adjusted p-values."""
    rate_before, rate_after, ratio = rates
    return {
        "baseline": {**baseline, "events": entry["baseline_events"]},
        "recent": {**recent, "events": entry["recent_events"]},
        "baseline_rate": rate_before,
        "recent_rate": rate_after,
        "rate_ratio": ratio,
        "new_partner": entry["new_partner"],
        "p_value": p_values[0],
        "p_adjusted": p_values[1],
    }


def recent_masks(periods: int, recent: int, rng: np.random.Generator, draws: int = PERMUTATIONS) -> FloatArray:
    """``draws`` random 0/1 rows marking ``recent`` of ``periods`` periods as "recent" (permutations)."""
    keys = rng.random((draws, periods))
    ranks = keys.argsort(axis=1).argsort(axis=1)
    return (ranks < recent).astype(np.float64)


def rate_change_p(counts: FloatArray, recent: int, masks: FloatArray) -> FloatArray:
    """Two-sided permutation p-values for "the recent periods' event rate differs" (one column per partner).

    ``counts`` is periods × partners, the last ``recent`` rows being the recent window. The
    statistic is the recent sum (equivalent to the rate difference, the total being fixed).
    Periods are treated as exchangeable under the null (Fisher–Pitman permutation test).
    """
    periods = counts.shape[0]
    expected = counts.sum(axis=0) * recent / periods
    observed = np.abs(counts[-recent:].sum(axis=0) - expected)
    permuted = np.abs(masks @ counts - expected)
    extreme = (permuted >= observed - 1e-9).sum(axis=0)
    return np.asarray((extreme + 1) / (masks.shape[0] + 1), dtype=np.float64)


def low_rate_p(counts: FloatArray, recent: int, masks: FloatArray) -> FloatArray:
    """One-sided permutation p-values for "the recent periods' event rate is lower" (one column per partner).

    Why a test of its own: :func:`rate_change_p` measures the distance |recent sum − expected|, so a
    fall all the way to zero is only as extreme as every permuted window holding twice the expected
    count. For a partner with a few events a year that upper tail is large (events come in clusters),
    and no fall can reach significance: in 36 years of the bundled chronology the two-sided test raised
    no falling alarm. The lower tail alone, P(permuted recent sum <= observed), is the one-sided
    Fisher-Pitman test of a fall (the same exchangeable periods; Good 2005, *Permutation, Parametric and
    Bootstrap Tests of Hypotheses*, ch. 3). Its smallest value is the chance that a random window holds
    no more events than observed: for a partner active in a share q of the months and a window of w
    empty months about (1 − q)^w, so sparse partners still need long quiet spells.
    """
    observed = counts[-recent:].sum(axis=0)
    permuted = masks @ counts
    extreme = (permuted <= observed + 1e-9).sum(axis=0)
    return np.asarray((extreme + 1) / (masks.shape[0] + 1), dtype=np.float64)


def share_change_p(part: FloatArray, total: FloatArray, recent: int, masks: FloatArray) -> float:
    """Two-sided permutation p-value for "the recent share part/total differs from the baseline share"."""

    def difference(recent_part: FloatArray, recent_total: FloatArray) -> FloatArray:
        other_part, other_total = part.sum() - recent_part, total.sum() - recent_total
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = recent_part / recent_total - other_part / other_total
        return np.asarray(np.nan_to_num(gap, nan=0.0, posinf=0.0, neginf=0.0), dtype=np.float64)

    observed = abs(float(difference(part[-recent:].sum(keepdims=True), total[-recent:].sum(keepdims=True))[0]))
    permuted = np.abs(difference(masks @ part, masks @ total))
    return float(((permuted >= observed - 1e-12).sum() + 1) / (masks.shape[0] + 1))


#: Multiple-testing adjustments: Benjamini & Hochberg (1995) false discovery rate, or Holm (1979)
#: family-wise error rate.
ADJUSTMENTS = {"fdr": "fdr_bh", "holm": "holm"}


def adjust_p(p_values: Sequence[float], method: str = "fdr") -> list[float]:
    """Adjusted p-values across partners (or blocs): ``fdr`` (Benjamini–Hochberg) or ``holm``.

    An early-warning screen wants to find what moved while keeping false alarms a small share of
    the alarms, hence the false discovery rate by default; ``holm`` bounds the chance of any false alarm.
    """
    if method not in ADJUSTMENTS:
        raise UsageError(f"--adjust must be fdr or holm, not {method!r}")
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(p_values), method=ADJUSTMENTS[method])[1]]


# -- reading the store -----------------------------------------------------------------------------
Sources = Selection | Sequence[str] | None


def _dyadic_events(
    store: Store, focus: str, start: dt.date, end: dt.date, sources: Sources, exclude: Sequence[str] = ()
) -> str:
    """SQL (with ? for focus, focus, start, end) selecting the focus country's dyadic events of the
    selection's sources (bare statements left out when it says so), without the events ``exclude`` names."""
    names = sources.sources if isinstance(sources, Selection) else sources
    source_filter = source_sql(names)  # none named: every source but the text-coded ones (design §9)
    if isinstance(sources, Selection) and sources.drop_statements:
        source_filter += " AND event_code NOT IN (" + ", ".join(f"'{c}'" for c in BARE_STATEMENT_CODES) + ")"
    if exclude:
        source_filter += " AND event_id NOT IN (" + ", ".join("'" + e.replace("'", "''") + "'" for e in exclude) + ")"
    return (
        "SELECT *, CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner FROM events "
        "WHERE (actor1 = ? OR actor2 = ?) AND actor1 IS NOT NULL AND actor2 IS NOT NULL "
        "AND actor1 <> '' AND actor2 <> '' AND actor1 <> actor2 "
        f"AND date >= CAST(? AS DATE) AND date <= CAST(? AS DATE){source_filter}"
    )


def period_partner_counts(
    store: Store, focus: str, start: dt.date, end: dt.date, freq: str, sources: Sources, exclude: Sequence[str] = ()
) -> pd.DataFrame:
    """Periods × partners event counts between ``start`` and ``end`` (every period present)."""
    unit = FREQ_NAMES[freq]
    sql = (
        f"SELECT date_trunc('{unit}', date) AS period, partner, count(*) AS n FROM ("
        + _dyadic_events(store, focus, start, end, sources, exclude)
        + ") GROUP BY 1, 2"
    )
    rows = store.con.execute(sql, [focus, focus, focus, start.isoformat(), end.isoformat()]).df()
    index = period_index(start, end, freq)
    if rows.empty:
        return pd.DataFrame(index=index)
    rows["period"] = pd.to_datetime(rows["period"])
    table = rows.pivot_table(index="period", columns="partner", values="n", aggfunc="sum", fill_value=0)
    return table.reindex(index, fill_value=0).astype(float)


def _volume(
    store: Store, focus: str | None, start: dt.date, end: dt.date, freq: str, selection: Selection
) -> pd.Series:
    """Events per period of ``focus`` (all events when None) in the selection's sources: the base of
    ``normalize``, as in :func:`dyadwatch.series.volume_expr`."""
    unit = FREQ_NAMES[freq]
    where, params = selection.with_(start=start.isoformat(), end=end.isoformat(), drop_statements=False).sql_where()
    actor = ""
    if focus is not None:
        actor = " AND (actor1 = ? OR actor2 = ?)"
        params = [focus, focus, *params]
    rows = store.con.execute(
        f"SELECT date_trunc('{unit}', date) AS period, count(*) AS n FROM events WHERE TRUE{actor}{where} GROUP BY 1",
        params,
    ).df()
    return pd.Series(rows["n"].to_numpy(dtype=float), index=pd.to_datetime(rows["period"]), dtype=float)


def _evidence_events(
    store: Store,
    focus: str,
    partners: Sequence[str],
    start: dt.date,
    end: dt.date,
    sources: Sources,
    limit: int = EVIDENCE_EVENTS,
    exclude: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The events behind a shift: the latest ``limit`` of them, oldest first."""
    marks = ", ".join("?" for _ in partners)
    sql = (
        f"SELECT {', '.join(EVIDENCE_COLUMNS)} FROM ("
        + _dyadic_events(store, focus, start, end, sources, exclude)
        + f") WHERE partner IN ({marks}) ORDER BY date DESC, event_id DESC LIMIT {int(limit)}"
    )
    frame = store.con.execute(sql, [focus, focus, focus, start.isoformat(), end.isoformat(), *partners]).df()
    return _event_records(frame.iloc[::-1])


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _event_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Event rows as JSON-ready evidence: date, actors, code, score, group, source, summary, reference."""
    records: list[dict[str, Any]] = []
    for row in frame.to_dict("records"):
        record = {key: None if _missing(row[key]) else row[key] for key in EVIDENCE_COLUMNS}
        record["date"] = pd.Timestamp(row["date"]).date().isoformat()
        if record["goldstein"] is not None:
            record["goldstein"] = float(record["goldstein"])
        records.append(record)
    return records


# -- the analysis ----------------------------------------------------------------------------------
def shifts(
    store: Store,
    focus: str = "PRK",
    since: str | dt.date = "2025-01-01",
    *,
    until: str | dt.date | None = None,
    freq: str = "M",
    baseline_years: int = 10,
    alpha: float = 0.05,
    adjust: str = "fdr",
    sources: Sequence[str] | None = None,
    blocs: Mapping[str, Sequence[str]] | None = None,
    seed: int = 0,
    permutations: int = PERMUTATIONS,
    with_indicators: bool = True,
    selection: Selection | None = None,
    low_rate: bool = False,
    exclude_events: Sequence[str] = (),
) -> ShiftsResult:
    """Shifts in ``focus``'s foreign relations since ``since`` against the ``baseline_years`` before.

    ``until`` defaults to the last event of ``focus`` in the store. ``sources`` restricts the events
    used (e.g. ``["chronology"]``); ``blocs`` replaces :data:`BLOCS`. ``seed`` fixes the permutations.
    ``permutations`` (default :data:`PERMUTATIONS`) and ``with_indicators=False`` (no UN votes or
    trade) make a call cheaper for the backtest, which replays this function hundreds of times.

    ``low_rate=True`` adds the one-sided **low-rate test** (:func:`low_rate_p`) for partners the
    two-sided test leaves steady: a fall to few or no events, which the two-sided test can hardly
    call significant for a sparse partner (see :func:`low_rate_p`); its falls are ``falling_partner``
    shifts with ``evidence["test"] = "low_rate"``. Off by default, so ``shifts`` answers as before.
    ``exclude_events`` names events (``event_id``) to leave out, as if they were not in the store:
    the backtest leaves out the rows that define an episode when it scores that episode's detection.
    """
    if permutations < 99:
        raise UsageError("permutations must be at least 99")
    sel = resolve(selection, freq=freq, sources=sources)
    if until is None and sel.end:
        until = sel.end
    adjust_p([], adjust)  # checks the name early
    focus = focus.upper()
    start_recent, end, start_baseline, notes = _span(store, sel, focus, since, until, baseline_years, alpha)
    index, recent, baseline, test_end, exposure, partial = _periods(start_baseline, start_recent, end, sel.freq)
    scope = _Scope(store, focus, sel, tuple(exclude_events), start_baseline, start_recent, end, test_end)
    result = _new_result(scope, sel.freq, alpha, adjust, notes, partial, sel)
    _window_notes(notes, start_recent, sel.freq, partial)
    if _too_short(notes, start_recent, recent, baseline):
        result.shifts = _multilateral(store, focus, start_recent, end, sel, scope.exclude)
        return result
    counts = period_partner_counts(store, focus, index[0].date(), test_end, sel.freq, sel, scope.exclude)
    counts = counts.reindex(index, fill_value=0.0)
    rng = np.random.default_rng(seed)
    masks = recent_masks(len(index), recent, rng, permutations)
    _partner_tests(result, scope, counts, index, recent, exposure, masks, adjust, low_rate)
    result.blocs = _realignment(counts, recent, rng, blocs or BLOCS, alpha, adjust, permutations)
    result.shifts.extend(_realignment_shifts(result.blocs, scope, list(counts.columns)))
    result.shifts.extend(_multilateral(store, focus, start_recent, end, sel, scope.exclude))
    if with_indicators:
        result.indicators = _indicators(store, result, blocs or BLOCS)
    notes.append(EXCHANGEABLE_NOTE)
    return result


@dataclass(frozen=True)
class _Scope:
    """What the steps of one :func:`shifts` call share: whose events, from which selection (its
    sources and statements), leaving out which events, and the days of the two windows."""

    store: Store
    focus: str
    sel: Selection
    exclude: tuple[str, ...]
    start_baseline: dt.date
    start_recent: dt.date
    end: dt.date
    test_end: dt.date

    @property
    def baseline_window(self) -> dict[str, str]:
        """The baseline window's first and last day, as the evidence gives them."""
        return {"from": self.start_baseline.isoformat(), "to": (self.start_recent - dt.timedelta(days=1)).isoformat()}

    @property
    def recent_window(self) -> dict[str, str]:
        """The recent window's first and last day tested (an incomplete last period left out ends it earlier)."""
        return {"from": self.start_recent.isoformat(), "to": self.test_end.isoformat()}

    def events(self, partners: Sequence[str], start: dt.date) -> list[dict[str, Any]]:
        """The evidence events with ``partners`` from ``start`` to the end (see :func:`_evidence_events`)."""
        return _evidence_events(self.store, self.focus, partners, start, self.end, self.sel, exclude=self.exclude)


@dataclass(frozen=True)
class _Rates:
    """The period counts the rate tests compare and the window lengths that turn sums into rates."""

    scaled: pd.DataFrame
    recent: int
    baseline: int
    recent_exposure: float
    normalized: bool


def _span(
    store: Store,
    sel: Selection,
    focus: str,
    since: str | dt.date,
    until: str | dt.date | None,
    baseline_years: int,
    alpha: float,
) -> tuple[dt.date, dt.date, dt.date, list[str]]:
    """Check the window arguments against the data: (first recent day, last day, first baseline day, notes).

    ``until`` defaults to the focus country's last dyadic event in the selection's sources; the
    baseline starts ``baseline_years`` before ``since``, or with the data when they begin later (a note
    says so). Every problem raises a :class:`UsageError` that says what to choose instead.
    """
    start_recent = parse_day(since, "--since")
    if baseline_years < 1:
        raise UsageError("--baseline-years must be at least 1")
    if not 0 < alpha < 1:
        raise UsageError("alpha must lie between 0 and 1")
    last_row = store.con.execute(
        "SELECT max(date), min(date) FROM events WHERE (actor1 = ? OR actor2 = ?) AND actor2 IS NOT NULL "
        "AND actor2 <> '' AND actor1 <> actor2" + sel.source_sql(),  # the span of the selection's sources
        [focus, focus],
    ).fetchone()
    if last_row is None or last_row[0] is None:
        raise UsageError(f"no dyadic events of {focus} in the store; load data first (dyadwatch demo or ingest)")
    end = parse_day(until, "--until") if until is not None else pd.Timestamp(last_row[0]).date()
    first_data = pd.Timestamp(last_row[1]).date()
    if sel.start and dt.date.fromisoformat(sel.start) > first_data:
        first_data = dt.date.fromisoformat(sel.start)
    if end < start_recent:
        raise UsageError(f"the store's last event of {focus} is on {end}, before --since {start_recent}")
    if start_recent < EARLIEST_DAY:
        raise UsageError(f"--since {start_recent} is too early: choose a day from {EARLIEST_DAY} on")
    try:
        wanted_start = (pd.Timestamp(start_recent) - pd.DateOffset(years=baseline_years)).date()
    except (ValueError, OverflowError):  # before the first day pandas can hold (1677)
        wanted_start = EARLIEST_DAY
    start_baseline = max(wanted_start, first_data)
    if start_baseline > end:
        raise UsageError(
            f"no events of {focus} selected: --from {start_baseline} is after the last event, on {end}; "
            "choose an earlier --from"
        )
    notes: list[str] = []
    if start_baseline > wanted_start:
        notes.append(f"the data begin on {first_data}, so the baseline is shorter than {baseline_years} years")
    return start_recent, end, start_baseline, notes


def _periods(
    start_baseline: dt.date, start_recent: dt.date, end: dt.date, freq: str
) -> tuple[pd.DatetimeIndex, int, int, dt.date, float, dict[str, Any] | None]:
    """The periods tested and how many are recent and baseline, with the last day counted, the last
    period's exposure and its ``partial_period`` (see :func:`_last_period`); a last period left out is
    dropped here."""
    index = period_index(start_baseline, end, freq)
    recent = len(period_index(start_recent, end, freq))
    test_end, exposure, partial = _last_period(index, end, freq)
    if partial is not None and partial["treatment"] == "left_out":
        index = index[:-1]
        recent -= 1
    return index, recent, len(index) - recent, test_end, exposure, partial


def _new_result(
    scope: _Scope,
    freq: str,
    alpha: float,
    adjust: str,
    notes: list[str],
    partial: dict[str, Any] | None,
    sel: Selection,
) -> ShiftsResult:
    """The result before any test: its windows, the methods it will use, and the notes so far."""
    return ShiftsResult(
        focus=scope.focus,
        since=scope.start_recent.isoformat(),
        until=scope.end.isoformat(),
        baseline_from=scope.start_baseline.isoformat(),
        freq=freq,
        alpha=alpha,
        shifts=[],
        partners=[],
        blocs=[],
        method={
            "rising_falling": "rate ratio of a two-period Poisson count model (events per period, recent vs "
            "baseline; an incomplete last period counted by its exposure); two-sided permutation p-value over "
            "periods; " + ("Benjamini-Hochberg (FDR)" if adjust == "fdr" else "Holm") + " adjustment across partners",
            "multilateral_event": "one group_id, or one date in the chronology, with >= 3 foreign partners",
            "realignment": "share of the focus country's dyadic events with a bloc, recent vs baseline; "
            "two-sided permutation p-value over periods; the same adjustment across blocs",
        },
        notes=notes,
        partial_period=partial,
        selection=sel,
    )


def _window_notes(notes: list[str], start_recent: dt.date, freq: str, partial: dict[str, Any] | None) -> None:
    """Notes on how the windows were cut: a ``--since`` inside a period, an incomplete last period."""
    if period_start(start_recent, freq) != pd.Timestamp(start_recent):
        notes.append(f"--since {start_recent} falls inside a period; that whole period counts as recent")
    if partial is not None:
        notes.append(_partial_note(partial))


def _too_short(notes: list[str], start_recent: dt.date, recent: int, baseline: int) -> bool:
    """Whether the windows are too short to test anything; if so, a note says why and what to do."""
    if recent < 1:
        notes.append(
            f"no recent period to test: the only period since {start_recent} is covered for less than half its "
            "days; wait for more data or choose a finer --freq"
        )
        return True
    if baseline < 2 * recent or baseline < 6:
        notes.append(
            f"not enough baseline: {baseline} periods before {start_recent} against {recent} recent ones; "
            "choose a later --since, a longer --baseline-years or load older data"
        )
        return True
    return False


def _scaled_counts(
    scope: _Scope,
    counts: pd.DataFrame,
    index: pd.DatetimeIndex,
    freq: str,
    recent: int,
    exposure: float,
    notes: list[str],
) -> tuple[pd.DataFrame, float]:
    """The counts the rate tests compare, and the recent window's length in periods (its exposure).

    The rate tests compare periods of equal length: an incomplete last period is scaled up to a full
    one (its exposure); the bloc shares use ``counts`` as they are. With ``normalize`` the counts are
    per 1 000 events of the focus country (or of all) in each period instead.
    """
    sel = scope.sel
    scaled = counts.copy()
    if exposure < 1.0:
        scaled.iloc[-1] = scaled.iloc[-1] / exposure
    recent_exposure = recent - 1 + exposure
    if sel.normalize != "none":
        # Per 1 000 events of the focus country (or of all) in each period: a ratio, so an
        # incomplete last period needs no exposure scaling.
        focus = scope.focus
        base = _volume(
            scope.store, focus if sel.normalize == "focus" else None, index[0].date(), scope.test_end, freq, sel
        )
        scaled = counts.mul(1000.0 / base.reindex(index).where(lambda b: b > 0), axis=0).fillna(0.0)
        recent_exposure = float(recent)
        notes.append(f"rates per 1 000 events of {focus if sel.normalize == 'focus' else 'all countries'} per period")
    return scaled, recent_exposure


def _partner_tests(
    result: ShiftsResult,
    scope: _Scope,
    counts: pd.DataFrame,
    index: pd.DatetimeIndex,
    recent: int,
    exposure: float,
    masks: FloatArray,
    adjust: str,
    low_rate: bool,
) -> None:
    """Every partner's entry, the rate tests of those with enough active periods (two-sided, and the
    low-rate test when asked) with their shifts, and a note on the partners left untested."""
    baseline = len(index) - recent
    scaled, recent_exposure = _scaled_counts(scope, counts, index, result.freq, recent, exposure, result.notes)
    result.partners, tested = _partner_entries(counts, recent, len(index), scope.start_baseline)
    if tested:
        rates = _Rates(scaled, recent, baseline, recent_exposure, scope.sel.normalize != "none")
        _rate_tests(result, scope, rates, tested, masks, adjust)
    if tested and low_rate:
        _low_rate_falls(result, scaled[tested], recent, masks, adjust, result.alpha, baseline, recent_exposure)
        _low_rate_evidence(result, scope)
    _insufficient_note(result, result.notes)


def _partner_entries(
    counts: pd.DataFrame, recent: int, periods: int, start_baseline: dt.date
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every partner's events and active periods in each window, and which partners can be tested
    (those active in at least :data:`MIN_ACTIVE_PERIODS` periods); the others get a reason."""
    entries: list[dict[str, Any]] = []
    tested: list[str] = []
    for partner in sorted(counts.columns):
        column = counts[partner].to_numpy()
        active = int((column > 0).sum())
        entry: dict[str, Any] = {
            "partner": partner,
            "baseline_events": int(column[:-recent].sum()),
            "recent_events": int(column[-recent:].sum()),
            "baseline_active_periods": int((column[:-recent] > 0).sum()),
            "recent_active_periods": int((column[-recent:] > 0).sum()),
        }
        if active < MIN_ACTIVE_PERIODS:
            entry["status"] = "insufficient_data"
            entry["reason"] = (
                f"events in only {active} of {periods} periods since {start_baseline}; "
                f"a test needs at least {MIN_ACTIVE_PERIODS}"
            )
        else:
            tested.append(partner)
        entries.append(entry)
    return entries, tested


def _rate_tests(
    result: ShiftsResult, scope: _Scope, rates: _Rates, tested: list[str], masks: FloatArray, adjust: str
) -> None:
    """The two-sided rate test of every tested partner: each entry gains its rates, p-values and
    status, and each significant rise or fall becomes a ``rising_partner``/``falling_partner`` shift."""
    by_partner = {entry["partner"]: entry for entry in result.partners}
    p_values = rate_change_p(rates.scaled[tested].to_numpy(), rates.recent, masks)
    adjusted = adjust_p(list(p_values), adjust)
    for partner, p, p_adj in zip(tested, p_values, adjusted, strict=True):
        entry = by_partner[partner]
        if rates.normalized:
            rate_before = float(rates.scaled[partner].iloc[: -rates.recent].sum()) / rates.baseline
            rate_after = float(rates.scaled[partner].iloc[-rates.recent :].sum()) / rates.recent_exposure
        else:
            rate_before = entry["baseline_events"] / rates.baseline
            rate_after = entry["recent_events"] / rates.recent_exposure
        ratio = rate_after / rate_before if rate_before > 0 else None
        rising = rate_after > rate_before
        significant = p_adj < result.alpha
        entry.update(
            status=("rising" if rising else "falling") if significant else "steady",
            baseline_rate=rate_before,
            recent_rate=rate_after,
            rate_ratio=ratio,
            p_value=float(p),
            p_adjusted=p_adj,
            new_partner=entry["baseline_events"] == 0,
        )
        if significant:
            result.shifts.append(_rate_shift(entry, scope, rates, result.freq))


def _rate_shift(entry: dict[str, Any], scope: _Scope, rates: _Rates, freq: str) -> dict[str, Any]:
    """The shift of a partner whose rate rose or fell significantly, with its evidence: the recent
    events for a rise, the events since the baseline began for a fall."""
    partner, rising = entry["partner"], entry["status"] == "rising"
    rate_before, rate_after, ratio = entry["baseline_rate"], entry["recent_rate"], entry["rate_ratio"]
    p, p_adj = entry["p_value"], entry["p_adjusted"]
    verb = "rose" if rising else "fell"
    ratio_text = f"{ratio:.1f}x" if ratio is not None else "from none"
    return {
        "kind": "rising_partner" if rising else "falling_partner",
        "partner": partner,
        "partners": [partner],
        "date": scope.start_recent.isoformat(),
        "summary": (
            f"{scope.focus}'s events with {partner} {verb} {ratio_text}: {rate_after:.2f} per "
            f"{FREQ_NAMES[freq]} since {scope.start_recent} against {rate_before:.2f} in the baseline "
            f"(adjusted p = {p_adj:.3g})"
        ),
        "evidence": {
            **rate_evidence(
                entry,
                {**scope.baseline_window, "periods": rates.baseline},
                {**scope.recent_window, "periods": rates.recent, "exposure_periods": rates.recent_exposure},
                (rate_before, rate_after, ratio),
                (p, p_adj),
            ),
            "events": scope.events([partner], scope.start_recent if rising else scope.start_baseline),
        },
    }


def _low_rate_evidence(result: ShiftsResult, scope: _Scope) -> None:
    """Give the low-rate test's falls their events (since the baseline began) and their windows' days."""
    for shift in result.shifts:
        if shift["kind"] == "falling_partner" and shift["evidence"].get("test") == "low_rate":
            shift["evidence"]["events"] = scope.events([shift["partner"]], scope.start_baseline)
            shift["evidence"]["baseline"] = {**scope.baseline_window, **shift["evidence"]["baseline"]}
            shift["evidence"]["recent"] = {**scope.recent_window, **shift["evidence"]["recent"]}


def _insufficient_note(result: ShiftsResult, notes: list[str]) -> None:
    """A note naming the partners with too few active periods to test, when there are any."""
    insufficient = [e["partner"] for e in result.partners if e["status"] == "insufficient_data"]
    if insufficient:
        notes.append(
            f"not enough data to test {len(insufficient)} partner(s) ({', '.join(insufficient)}): fewer than "
            f"{MIN_ACTIVE_PERIODS} periods with events; no rise or fall is claimed for them"
        )


def _realignment_shifts(blocs: list[dict[str, Any]], scope: _Scope, columns: list[str]) -> list[dict[str, Any]]:
    """A ``realignment`` shift for each bloc whose share rose or fell, with the recent events of its
    members that have events (``columns``)."""
    found: list[dict[str, Any]] = []
    for bloc in blocs:
        if bloc["status"] in ("rising", "falling"):
            members = [m for m in bloc["members"] if m in columns]
            found.append(
                {
                    "kind": "realignment",
                    "partner": bloc["bloc"],
                    "partners": members,
                    "date": scope.start_recent.isoformat(),
                    "summary": (
                        f"the {bloc['bloc']} share of {scope.focus}'s events "
                        f"{'rose' if bloc['status'] == 'rising' else 'fell'} from {bloc['baseline_share']:.0%} "
                        f"to {bloc['recent_share']:.0%} "
                        f"(adjusted p = {bloc['p_adjusted']:.3g})"
                    ),
                    "evidence": {
                        **{k: v for k, v in bloc.items() if k not in ("bloc", "status")},
                        "baseline": scope.baseline_window,
                        "recent": scope.recent_window,
                        "events": scope.events(members, scope.start_recent),
                    },
                }
            )
    return found


def _last_period(index: pd.DatetimeIndex, end: dt.date, freq: str) -> tuple[dt.date, float, dict[str, Any] | None]:
    """How much of the last period ``end`` covers: (last day counted, exposure, ``partial_period``).

    A complete last period gives ``(end, 1.0, None)``. A partial one covered for at least
    :data:`MIN_PARTIAL_COVERAGE` of its days keeps ``end`` with its exposure (days covered / days);
    one covered for less is left out: the last day counted is the day before it, exposure 1.
    """
    first = index[-1].date()
    last = period_end(index[-1], freq).date()
    days = (last - first).days + 1
    covered = (end - first).days + 1
    if covered >= days:
        return end, 1.0, None
    share = covered / days
    partial = {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "covered_to": end.isoformat(),
        "days_covered": covered,
        "days": days,
        "treatment": "exposure" if share >= MIN_PARTIAL_COVERAGE else "left_out",
    }
    if share >= MIN_PARTIAL_COVERAGE:
        return end, share, partial
    return first - dt.timedelta(days=1), 1.0, partial


def _partial_note(partial: dict[str, Any]) -> str:
    covered, days = partial["days_covered"], partial["days"]
    head = (
        f"the last period ({partial['start']} to {partial['end']}) is covered only to {partial['covered_to']}, "
        f"{covered} of its {days} days"
    )
    if partial["treatment"] == "exposure":
        return (
            f"{head}: its event counts are scaled by {days}/{covered} (exposure) in the partner rates and their "
            "tests, so a partial period does not read as a fall; bloc shares use the counts as they are "
            "(part and total come from the same days)"
        )
    return (
        f"{head}, less than half: it is left out of the rate and share tests (its events are still listed as "
        "evidence and for multilateral events)"
    )


def _low_rate_falls(
    result: ShiftsResult,
    scaled: pd.DataFrame,
    recent: int,
    masks: FloatArray,
    adjust: str,
    alpha: float,
    baseline: int,
    recent_exposure: float,
) -> None:
    """Add ``falling_partner`` shifts from the one-sided low-rate test (:func:`low_rate_p`).

    Every tested partner enters the family (so the adjustment sees as many tests as the two-sided
    one); a partner already flagged by the two-sided test keeps its shift, and only a partner the
    two-sided test left ``steady`` with a recent rate below its baseline can become ``falling``.
    Each partner entry gains ``p_low_rate`` and ``p_low_rate_adjusted``.
    """
    partners = list(scaled.columns)
    p_low = low_rate_p(scaled.to_numpy(), recent, masks)
    adjusted = adjust_p(list(p_low), adjust)
    by_partner = {entry["partner"]: entry for entry in result.partners}
    for partner, p, p_adj in zip(partners, p_low, adjusted, strict=True):
        entry = by_partner[partner]
        entry.update(p_low_rate=float(p), p_low_rate_adjusted=p_adj)
        if entry["status"] != "steady" or p_adj >= alpha or entry["recent_rate"] >= entry["baseline_rate"]:
            continue
        entry["status"] = "falling"
        rate_before, rate_after, ratio = entry["baseline_rate"], entry["recent_rate"], entry["rate_ratio"]
        ratio_text = f"{ratio:.2f}x" if ratio is not None else "from none"
        result.shifts.append(
            {
                "kind": "falling_partner",
                "partner": partner,
                "partners": [partner],
                "date": result.since,
                "summary": (
                    f"{result.focus}'s events with {partner} fell {ratio_text}: {rate_after:.2f} per "
                    f"{FREQ_NAMES[result.freq]} since {result.since} against {rate_before:.2f} in the baseline "
                    f"(low-rate test, adjusted p = {p_adj:.3g})"
                ),
                "evidence": {
                    "test": "low_rate",
                    **rate_evidence(
                        entry,
                        {"periods": baseline},
                        {"periods": recent, "exposure_periods": recent_exposure},
                        (rate_before, rate_after, ratio),
                        (float(p), p_adj),
                    ),
                },
            }
        )


def _indicators(store: Store, result: ShiftsResult, blocs: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """UN vote agreement and trade share of the tested partners and the blocs, recent vs baseline years."""
    from dyadwatch.analysis.votes import shift_indicators

    first, since, last = (int(text[:4]) for text in (result.baseline_from, result.since, result.until))
    tested = [entry["partner"] for entry in result.partners if entry.get("status") != "insufficient_data"]
    return shift_indicators(store, result.focus, tested, blocs, (first, max(first, since - 1)), (since, last))


def _realignment(
    counts: pd.DataFrame,
    recent: int,
    rng: np.random.Generator,
    blocs: Mapping[str, Sequence[str]],
    alpha: float,
    adjust: str,
    permutations: int = PERMUTATIONS,
) -> list[dict[str, Any]]:
    """Each bloc's share of the focus country's dyadic events, recent vs baseline, tested by permutation.

    Only periods with events enter the permutation (a share is undefined in an empty period), so the
    test conditions on when the focus country was active and does not confuse a rise in volume with
    a change in shares.
    """
    total = counts.sum(axis=1).to_numpy()
    active = total > 0
    active_recent = int(active[-recent:].sum())
    masks = (
        recent_masks(int(active.sum()), active_recent, rng, permutations)
        if active_recent
        else np.zeros((1, int(active.sum())))
    )
    entries = [_bloc_entry(name, members, counts, total, recent, masks) for name, members in blocs.items()]
    adjusted = iter(adjust_p([entry["p_value"] for entry in entries if "p_value" in entry], adjust))
    for entry in entries:
        if "p_value" in entry:
            entry["p_adjusted"] = next(adjusted)
            if entry["p_adjusted"] < alpha:
                entry["status"] = "rising" if entry["recent_share"] > entry["baseline_share"] else "falling"
            else:
                entry["status"] = "steady"
    return entries


def _bloc_entry(
    name: str, members: Sequence[str], counts: pd.DataFrame, total: FloatArray, recent: int, masks: FloatArray
) -> dict[str, Any]:
    """One bloc's events and totals in each window, and its share test's raw p-value; a window with too
    few events of the focus country, or too few periods with events, gives ``insufficient_data`` instead."""
    active = total > 0
    active_recent = int(active[-recent:].sum())
    present = [m for m in members if m in counts.columns]
    part = counts[present].sum(axis=1).to_numpy() if present else np.zeros(len(counts))
    entry: dict[str, Any] = {"bloc": name, "members": list(members)}
    windows = ((total[:-recent], "baseline"), (total[-recent:], "recent"))
    lacking = [
        label for window, label in windows if window.sum() < MIN_BLOC_EVENTS or (window > 0).sum() < MIN_BLOC_PERIODS
    ]
    base_total, recent_total = float(total[:-recent].sum()), float(total[-recent:].sum())
    entry.update(
        baseline_events=int(part[:-recent].sum()),
        baseline_total=int(base_total),
        recent_events=int(part[-recent:].sum()),
        recent_total=int(recent_total),
    )
    if lacking:
        entry["status"] = "insufficient_data"
        entry["reason"] = (
            f"the {' and '.join(lacking)} window has fewer than {MIN_BLOC_EVENTS} events of the focus "
            f"country or fewer than {MIN_BLOC_PERIODS} periods with events"
        )
    else:
        entry["baseline_share"] = float(part[:-recent].sum() / base_total)
        entry["recent_share"] = float(part[-recent:].sum() / recent_total)
        entry["p_value"] = share_change_p(part[active], total[active], active_recent, masks)
    return entry


def _multilateral(
    store: Store, focus: str, start: dt.date, end: dt.date, sources: Sources, exclude: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Groups (``group_id``; or one date in the chronology) with three or more foreign partners.

    Rows joined by a shared group_id or (chronology only) a shared date form one cluster, so a
    parade whose rows are partly grouped is reported once.
    """
    frame = store.con.execute(
        "SELECT event_id, date, partner, group_id, source FROM ("
        + _dyadic_events(store, focus, start, end, sources, exclude)
        + ")",
        [focus, focus, focus, start.isoformat(), end.isoformat()],
    ).df()
    if frame.empty:
        return []
    curated = frame["source"].isin(DATE_GROUPED_SOURCES)
    frame["cluster"] = _clusters(frame, curated)
    shifts_found: list[dict[str, Any]] = []
    for _, cluster in frame.groupby("cluster"):
        partners = sorted(set(cluster["partner"]))
        grouped = cluster["group_id"].notna().any()
        if len(partners) < 3 or not (grouped or curated[cluster.index].all()):
            continue
        shifts_found.append(_multilateral_shift(store, focus, cluster, partners))
    return sorted(shifts_found, key=lambda s: s["date"])


def _clusters(frame: pd.DataFrame, curated: pd.Series) -> list[int]:
    """Each row's cluster (the index of one of its rows): rows sharing a ``group_id``, or (``curated``
    rows only) a date, fall in one cluster, joined transitively (union-find)."""
    parent = list(range(len(frame)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(rows: list[int]) -> None:
        for other in rows[1:]:
            parent[find(other)] = find(rows[0])

    for _, rows in frame[frame["group_id"].notna()].groupby("group_id").groups.items():
        join(list(rows))
    for _, rows in frame[curated].groupby("date").groups.items():
        join(list(rows))
    return [find(i) for i in range(len(frame))]


def _multilateral_shift(store: Store, focus: str, cluster: pd.DataFrame, partners: list[str]) -> dict[str, Any]:
    """The ``multilateral_event`` shift of one cluster of rows, with all its events as evidence."""
    groups = sorted(set(cluster["group_id"].dropna()))
    dates = sorted({pd.Timestamp(d).date() for d in cluster["date"]})
    ids = list(cluster["event_id"])
    marks = ", ".join("?" for _ in ids)
    chosen = store.con.execute(
        f"SELECT {', '.join(EVIDENCE_COLUMNS)} FROM events WHERE event_id IN ({marks}) ORDER BY date, event_id",
        ids,
    ).df()
    events = _event_records(chosen)
    label = ", ".join(groups) if groups else dates[0].isoformat()
    return {
        "kind": "multilateral_event",
        "partner": ", ".join(partners),
        "partners": partners,
        "date": dates[0].isoformat(),
        "group_id": groups[0] if len(groups) == 1 else (groups or None),
        "summary": f"{label}: {focus} with {len(partners)} foreign partners ({', '.join(partners)})",
        "evidence": {
            "partner_count": len(partners),
            "dates": [d.isoformat() for d in dates],
            "group_ids": groups,
            "events": events,
        },
    }
