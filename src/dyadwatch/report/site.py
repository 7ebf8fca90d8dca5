"""Build the report site: ``index.html`` (overview), one brief per relationship, a methods page,
SVG charts and a stylesheet, all in one folder that works offline; optionally the same as a PDF.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from dyadwatch.errors import UsageError
from dyadwatch.report import charts, citations, content, narrative, story
from dyadwatch.report import hardens as report_hardens
from dyadwatch.report import kcna as report_kcna
from dyadwatch.report import rhetoric as report_rhetoric
from dyadwatch.report import votes as report_votes
from dyadwatch.report.analyses import Outcome, focus_flexibility, focus_patterns, focus_shifts
from dyadwatch.report.content import Overview, Relationship
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.api import Store

PDF_NAME = "dyadwatch-report.pdf"
#: Breaks in two relationships within this many years of each other count as shared.
SHARED_WINDOW_YEARS = 1
#: The overview lists the pairs of relationships whose net cooperation moves most together.
CORRELATIONS_SHOWN = 8
#: A brief's chronology shows this many rows; the rest open on demand (``<details>``).
EVENTS_SHOWN = 20


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("dyadwatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["percent"] = narrative.percent
    environment.filters["p_value"] = narrative.p_value
    environment.filters["number"] = narrative.number
    environment.filters["signed"] = lambda value: narrative.number(value, signed=True)
    return environment


def gather(store: Store, focus: str, selection: Selection | None = None) -> Overview:
    """Every number of the site, from the store and the analyses, on ``selection`` (yearly; default
    :data:`content.SELECTION`: every source and day)."""
    focus = focus.upper()
    selection = content.report_selection(selection)
    counted = content.partner_counts(store, focus, selection)
    partners = [code for code, n in counted if n >= content.MIN_BRIEF_EVENTS]
    if not partners:
        chosen = "" if selection == content.SELECTION else " under the chosen --source/--from/--to"
        raise UsageError(
            f"no relationship of {focus} has {content.MIN_BRIEF_EVENTS} or more dyadic events in {store.path}"
            f"{chosen}; load data first (dyadwatch demo or dyadwatch ingest) or widen the selection"
        )
    relationships = [content.relationship(store, focus, partner, selection) for partner in partners]
    eras = {key: focus_flexibility(store, focus, selection, key) for key, _ in content.ERA_KEYS}
    for item in relationships:
        item.flex_by_era = {key: _partner_outcome(outcome, item.partner) for key, outcome in eras.items()}
    every = [code for code, _ in counted]
    shares, concentration = content.partner_shares(store, focus, every[: content.SHARE_TOP_PARTNERS], selection)
    last = content.last_dyadic_date(store, focus, selection)
    since = (pd.Timestamp(last) - pd.DateOffset(months=12)).date().isoformat() if last else None
    shifts = focus_shifts(store, focus, since, selection) if since else Outcome(None, "no dyadic events in the store")
    counts = dict(counted)
    return Overview(
        focus=focus,
        name=content.display_name(focus),
        relationships=relationships,
        flexibility=eras["all"],
        shares=shares,
        concentration=concentration,
        shifts=shifts,
        shifts_since=since,
        patterns=focus_patterns(store, focus, selection),
        sources=content.sources_in(store, focus, selection),
        others=[(content.display_name(code), counts[code]) for code in every if code not in partners],
        share_partners=every[: content.SHARE_TOP_PARTNERS],
    )


def _partner_outcome(outcome: Outcome, partner: str) -> Outcome:
    """``partner``'s row of a flexibility result, with the result's horizon and frequency, which the
    brief's sentence states."""
    row = content.flex_row(outcome, partner)
    if row is None:
        return Outcome(None, outcome.reason)
    return Outcome({**row, **flex_context(outcome.data)}, None)


def flex_context(data: dict[str, Any] | None) -> dict[str, Any]:
    """The result-level keys a partner row's sentence needs (``horizon``, ``freq``)."""
    return {key: (data or {}).get(key) for key in ("horizon", "freq")}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (values typed ``Any``, which is what pandas gives)."""
    return frame.to_dict(orient="records")  # type: ignore[return-value]


# -- per-relationship pieces -------------------------------------------------------------------------
def regimes(outcome: Outcome) -> list[tuple[int, int, float]]:
    if outcome.data is None:
        return []
    return [
        (int(str(s["start"])[:4]), int(str(s["end"])[:4]), float(s["mean"])) for s in outcome.data.get("segments", [])
    ]


def markers(departures: Sequence[narrative.Departure]) -> list[charts.Marker]:
    return [
        charts.Marker(k, item.year, item.events[0]["summary"] if item.events else str(item.year))
        for k, item in enumerate(departures, start=1)
    ]


#: The keys of a flexibility row that the tables and charts show (never the deprecated aliases).
FLEX_KEYS = (
    "focus_first",
    "focus_first_ci_low",
    "focus_first_ci_high",
    "partner_first",
    "partner_first_ci_low",
    "partner_first_ci_high",
    "co_movement",
    "lagged_response_p",
)


def flex_view(row: dict[str, Any]) -> dict[str, Any] | None:
    """A flexibility row as the tables show it: the lagged-response test, the two readings with
    their intervals, the co-movement and the periods; ``None`` unless the row is ``ok`` with a
    focus-first share (an ``insufficient_data`` or ``unstable`` row is shown by its reason instead).

    ``responds`` is the test's verdict (:func:`narrative.responds`): what the ranking uses.
    """
    if row.get("status", "ok") != "ok" or narrative.finite(row.get("focus_first")) is None:
        return None
    return {
        **{key: narrative.finite(row.get(key)) for key in FLEX_KEYS},
        "responds": narrative.responds(row),
        "periods": row.get("n_periods"),
    }


def by_test(row: dict[str, Any]) -> tuple[float, str]:
    """Sort key: tested rows by their p-value, smallest first; rows without a test last."""
    p = row.get("lagged_response_p")
    return (p if p is not None else 2.0, str(row.get("name") or row.get("label") or ""))


def readings_label(row: dict[str, Any], label: str) -> str:
    """A chart row's label with its test: "United States (p = 0.015)"."""
    p = row.get("lagged_response_p")
    return f"{row[label]} ({narrative.wald_p(p)})" if p is not None else f"{row[label]} (not tested)"


def readings_alt(rows: list[dict[str, Any]], label: str) -> str:
    """The chart's numbers in words: each row's test, then its two readings with their intervals."""
    said = []
    for r in rows:
        focus = narrative.percent(r["focus_first"])
        partner = narrative.percent(r["partner_first"])
        spans = [
            f" (90% {narrative.percent(r[f'{key}_ci_low'])}–{narrative.percent(r[f'{key}_ci_high'])})"
            if r[f"{key}_ci_low"] is not None and r[f"{key}_ci_high"] is not None
            else ""
            for key in ("focus_first", "partner_first")
        ]
        said.append(f"{readings_label(r, label)}: focus first {focus}{spans[0]}, partner first {partner}{spans[1]}")
    return "; ".join(said)


def readings_chart(
    name: str,
    rows: list[dict[str, Any]],
    *,
    label: str,
    title: str,
    alt: str,
    ahead: str = "",
    palette: charts.Palette = charts.NO_PALETTE,
) -> charts.Chart:
    """The two-readings chart of :func:`charts.readings` from :func:`flex_view` rows (+ a label key);
    ``ahead`` (:func:`narrative.horizon_words` of the result) goes into the axis label."""
    return charts.readings(
        name,
        [
            charts.Readings(
                readings_label(r, label),
                r["focus_first"],
                r["focus_first_ci_low"],
                r["focus_first_ci_high"],
                r["partner_first"],
                r["partner_first_ci_low"],
                r["partner_first_ci_high"],
                r.get("partner"),
            )
            for r in rows
        ],
        palette=palette,
        xlabel="share of the DPRK's forecast-error variance due to the partner" + (f" ({ahead})" if ahead else ""),
        title=title,
        alt=alt,
    )


def brief_context(
    item: Relationship,
    focus_name: str,
    names: dict[str, str] | None = None,
    palette: charts.Palette = charts.NO_PALETTE,
) -> dict[str, Any]:
    """Everything the brief template needs: the summary of each question first, then text, tables
    and charts. ``names`` (code → name, the focus's among them) writes an analysis's summary in
    names; ``palette`` gives the partner's colour."""
    names = {**(names or {}), item.partner: item.name}
    departures = narrative.departures(item.series, item.events)
    keyed = markers(departures)
    timeline = _timeline_chart(item, keyed)
    overall_row = item.flex_by_era.get("all")
    era_rows, era_missing = _era_readings(item)
    era_chart = _era_chart(item, era_rows, overall_row)
    bent, hardened = narrative.when_it_changed(item.name, item.breaks.data, item.breaks.reason, item.series)
    flexible = narrative.how_flexible(
        "the DPRK", item.name, overall_row.data if overall_row else None, overall_row.reason if overall_row else None
    )
    breaks_summary = (
        narrative.named(str(item.breaks.data["summary"]), names)
        if item.breaks.data and item.breaks.data.get("summary")
        else None
    )
    segments = _segments(item)
    events = _brief_events(item)
    keys = citations.keys_for(item.sources, citations.SERIES_KEYS, citations.BREAKS_KEYS, citations.FLEX_KEYS)
    return {
        "item": item,
        "colour": palette.colours.get(item.partner),
        "overall": narrative.overall(item.name, item.series),
        "summary": [
            (
                "How flexible?",
                "how-flexible",
                narrative.flexible_summary(item.name, overall_row.data if overall_row else None, flexible),
            ),
            ("When did it bend?", "when-bent", bent),
            ("When did it harden?", "when-hardened", hardened),
        ],
        "how_flexible": flexible,
        "bent": bent,
        "hardened": hardened,
        "breaks_summary": breaks_summary,
        "departures": [narrative.departure_sentence(d) for d in departures],
        "markers": keyed,
        "timeline": timeline,
        "era_rows": era_rows,
        "era_missing": era_missing,
        "era_chart": era_chart,
        "segments": segments,
        "events": events[:EVENTS_SHOWN],
        "events_more": events[EVENTS_SHOWN:],
        "events_count": len(events),
        "references": citations.references(keys),
    }


def _timeline_chart(item: Relationship, keyed: list[charts.Marker]) -> charts.Chart:
    """The brief's events per year, with the regimes shaded, the eras' starts and the key events
    numbered; its text gives the span, the counts and the peak year of cooperation."""
    spans = regimes(item.breaks)
    era_lines = [
        (label, moment.year + (moment.timetuple().tm_yday - 1) / 365.0) for label, moment in content.ERA_STARTS
    ]
    peak = int(item.series["year"].to_numpy()[int(item.series["cooperation"].to_numpy().argmax())])
    alt = (
        f"Bar chart of cooperative (above the line) and conflictual (below) events between the DPRK and {item.name} "
        f"per year, {item.first_year} to {item.last_year}; {len(spans) or 'no'} regimes shaded; "
        f"{len(keyed)} key events numbered. Peak year of cooperation: {peak}."
    )
    return charts.timeline(
        f"{item.partner}-timeline",
        item.series,
        regimes=spans,
        eras=era_lines,
        markers=keyed,
        title=f"DPRK – {item.name}: events per year",
        alt=alt,
    )


def _era_readings(item: Relationship) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Per era (:data:`content.ERA_KEYS`): the flexibility row the table shows, or (label, why not)
    for an era without an estimate."""
    era_rows: list[dict[str, Any]] = []
    era_missing: list[tuple[str, str]] = []
    for key, label in content.ERA_KEYS:
        outcome = item.flex_by_era.get(key, Outcome(None, "not computed"))
        view = flex_view(outcome.data) if outcome.data is not None else None
        if view is not None:
            era_rows.append({"label": label, **view})
        else:
            data = outcome.data or {}
            why = data.get("reason") or outcome.reason or "no estimate for this relationship"
            status = narrative.DATA_LIMIT_WORDS.get(str(data.get("status")), "not estimated")
            era_missing.append((label, f"{status}: {why}"))
    return era_rows, era_missing


def _era_chart(item: Relationship, era_rows: list[dict[str, Any]], overall_row: Outcome | None) -> charts.Chart | None:
    """The two-readings chart of the partner's share by era (the horizon from the all-years result);
    None when no era has an estimate."""
    if not era_rows:
        return None
    return readings_chart(
        f"{item.partner}-flexibility",
        era_rows,
        label="label",
        title=f"{item.name}'s share of the DPRK's forecast-error variance by era, read two ways",
        alt=f"The DPRK towards {item.name} by era, the lagged-response test and two readings of "
        f"{item.name}'s share (focus first: the DPRK's same-period moves its own; partner first: credited "
        f"to {item.name}): " + readings_alt(era_rows, "label"),
        ahead=narrative.horizon_words(overall_row.data or {}) if overall_row else "",
    )


def _segments(item: Relationship) -> list[dict[str, Any]]:
    """The regimes' table: first and last year, periods and mean of each segment of the breaks result."""
    if not item.breaks.data:
        return []
    return [
        {"start": str(s["start"])[:4], "end": str(s["end"])[:4], "n": s["n_periods"], "mean": float(s["mean"])}
        for s in item.breaks.data.get("segments", [])
    ]


def _brief_events(item: Relationship) -> list[dict[str, Any]]:
    """The brief's chronology: each event's day, direction, summary, reference, Goldstein score and
    whether it is cooperation or conflict."""
    return [
        {
            "date": pd.Timestamp(row["date"]).date().isoformat(),
            "direction": f"{row['actor1']} → {row['actor2']}",
            "summary": str(row["summary"] or ""),
            "reference": str(row["reference"] or ""),
            "goldstein": narrative.finite(row["goldstein"]),
            "kind": "cooperation" if int(row["quad_class"]) <= 2 else "conflict",
        }
        for row in _records(item.events)
    ]


# -- overview pieces -----------------------------------------------------------------------------------
def shared_breaks(overview: Overview) -> tuple[list[tuple[str, list[tuple[int, float]]]], list[dict[str, Any]]]:
    """Each relationship's breaks (year, change) and the years where two or more break together."""
    rows: list[tuple[str, list[tuple[int, float]]]] = []
    for item in overview.relationships:
        found = [
            (int(str(b["date"])[:4]), float(b["after_mean"]) - float(b["before_mean"]))
            for b in (item.breaks.data or {}).get("breaks", [])
        ]
        rows.append((item.name, found))
    by_year: dict[int, list[str]] = {}
    for name, found in rows:
        for year, _ in found:
            by_year.setdefault(year, []).append(name)
    shared: list[dict[str, Any]] = []
    for year in sorted(by_year):
        near = sorted(
            {name for other, names in by_year.items() if abs(other - year) <= SHARED_WINDOW_YEARS for name in names}
        )
        if len(near) >= 2 and not (shared and shared[-1]["names"] == near):
            shared.append({"year": year, "names": near})
    return rows, shared


def overview_context(
    overview: Overview, briefs: list[dict[str, Any]], palette: charts.Palette = charts.NO_PALETTE
) -> dict[str, Any]:
    """Everything the overview needs: first the twelve months' changes (:func:`story.changes`) and
    the three answers, then the sections behind them."""
    flex_rows, flex_missing, flex_chart, flex_sentence = _flex_section(overview, palette)
    rows, shared = shared_breaks(overview)
    first = min(item.first_year for item in overview.relationships)
    last = max(item.last_year for item in overview.relationships)
    break_count = sum(len(found) for _, found in rows)
    breaks_chart = _breaks_chart(rows, shared, (first, last), break_count, palette)
    shares_chart = _shares_chart(overview, palette)
    shift_partial = _shift_partial(overview)
    correlations = _correlations(overview)
    keys = citations.keys_for(
        overview.sources, citations.SERIES_KEYS, citations.BREAKS_KEYS, citations.FLEX_KEYS, citations.PATTERN_KEYS
    )
    return {
        "overview": overview,
        "briefs": briefs,
        "flex_rows": flex_rows,
        "flex_chart": flex_chart,
        "flex_missing": flex_missing,
        "flex_sentence": flex_sentence,
        "breaks_chart": breaks_chart,
        "shared": shared,
        "break_count": break_count,
        "no_breaks": [item.name for item in overview.relationships if item.breaks.data is None],
        "shares_chart": shares_chart,
        "concentration": _concentration(overview),
        "shift_partial": shift_partial,
        **story.changes(overview.shifts, {**shift_names(overview), overview.focus: "the DPRK"}, palette),
        "answers": _answers(overview, flex_sentence),
        "correlations": correlations[:CORRELATIONS_SHOWN],
        "correlations_total": len(correlations),
        "first_year": first,
        "last_year": last,
        "references": citations.references(keys),
    }


def _flex_section(
    overview: Overview, palette: charts.Palette
) -> tuple[list[dict[str, Any]], list[tuple[str, str]], charts.Chart | None, str | None]:
    """The overview's flexibility section: the estimated partners' rows (by the lagged-response
    test, never by a share), (name, why not) for each relationship without an estimate, the chart
    and the ranking sentence (None, None without an estimate)."""
    names = {item.partner: item.name for item in overview.relationships}
    if not overview.flexibility.data:
        return [], [], None, None
    partner_rows = overview.flexibility.data.get("partners", [])
    flex_rows = _flex_rows(partner_rows, names)
    flex_missing = _flex_missing(overview, partner_rows, {r["partner"] for r in flex_rows})
    if not flex_rows:
        return flex_rows, flex_missing, None, None
    flex_sentence = narrative.ranking_sentence(
        "the DPRK", partner_rows, {**names, **{r["partner"]: r["name"] for r in flex_rows}}
    )
    flex_chart = readings_chart(
        "overview-flexibility",
        flex_rows,
        label="name",
        title="Each partner's share of the DPRK's forecast-error variance, read two ways",
        alt="One row per partner, ordered by the lagged-response test (smallest p first), with two readings "
        "of the partner's share (focus first: the DPRK's same-period moves its own; partner first: "
        "credited to the partner): " + readings_alt(flex_rows, "name"),
        ahead=narrative.horizon_words(overview.flexibility.data),
        palette=palette,
    )
    return flex_rows, flex_missing, flex_chart, flex_sentence


def _flex_rows(partner_rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """The flexibility result's shown rows (:func:`flex_view`) with the partner's name and brief
    page (None without a brief), sorted by the lagged-response test."""
    flex_rows: list[dict[str, Any]] = []
    for row in partner_rows:
        view = flex_view(row)
        if view is not None:
            partner = str(row.get("partner"))
            flex_rows.append(
                {
                    "partner": partner,
                    "name": names.get(partner, content.display_name(partner)),
                    "page": f"{partner}.html" if partner in names else None,
                    **view,
                }
            )
    flex_rows.sort(key=by_test)  # by the lagged-response test, never by a share
    return flex_rows


def _flex_missing(overview: Overview, partner_rows: list[dict[str, Any]], estimated: set[str]) -> list[tuple[str, str]]:
    """(name, "status: reason") for each relationship with a brief and no estimate in the ranking."""
    flex_missing: list[tuple[str, str]] = []
    reasons = {str(row.get("partner")): row for row in partner_rows}
    for item in overview.relationships:
        if item.partner not in estimated:
            row = reasons.get(item.partner, {})
            status = narrative.DATA_LIMIT_WORDS.get(str(row.get("status")), "not estimated")
            flex_missing.append((item.name, f"{status}: {row.get('reason') or 'not among the analysis partners'}"))
    return flex_missing


def _breaks_chart(
    rows: list[tuple[str, list[tuple[int, float]]]],
    shared: list[dict[str, Any]],
    span: tuple[int, int],
    break_count: int,
    palette: charts.Palette,
) -> charts.Chart:
    """Every relationship's regime changes on one timeline over ``span``; its text names the years
    shared by two or more relationships."""
    first, last = span
    return charts.break_timeline(
        "overview-breaks",
        rows,
        span=span,
        palette=palette,
        title="Regime changes in every relationship, on one timeline",
        alt=f"Timeline of {break_count} regime changes across {len(rows)} relationships, {first} to {last}; "
        + (
            "years shared by two or more: " + ", ".join(str(s["year"]) for s in shared)
            if shared
            else "no year is shared"
        ),
    )


def _shares_chart(overview: Overview, palette: charts.Palette) -> charts.Chart | None:
    """The partners' shares of the focus's dyadic events per five years (None without events); its
    text names each span's largest partner."""
    if overview.shares.empty:
        return None
    return charts.shares(
        "overview-shares",
        overview.shares,
        palette=palette,
        title="Partner shares of the DPRK's dyadic events, per five years",
        alt="Stacked bars of partner shares per five-year span: "
        + "; ".join(
            f"{span}: largest {row.idxmax()} {narrative.percent(float(row.max()))}"
            for span, row in overview.shares.iterrows()
        ),
    )


def _shift_partial(overview: Overview) -> str | None:
    """What the shifts analysis did with a last month the data cover only in part; None when the
    last month is whole."""
    partial = (overview.shifts.data or {}).get("partial_period")
    if not partial:
        return None
    return (
        f"The data end on {partial['covered_to']}, {partial['days_covered']} days into the month from "
        f"{partial['start']}; "
        + (
            "its counts are scaled up to a full month (exposure) for the rates and their tests."
            if partial.get("treatment") == "exposure"
            else "less than half of it, so it is left out of the tests (its events are still listed)."
        )
    )


def _correlations(overview: Overview) -> list[dict[str, Any]]:
    """The pairs of relationships with a tested correlation of net cooperation, strongest first
    (by absolute r)."""
    correlations: list[dict[str, Any]] = []
    if overview.patterns.data:
        for pair in overview.patterns.data.get("correlations", []):
            value, p_value = narrative.finite(pair.get("correlation")), narrative.finite(pair.get("p_value"))
            if pair.get("status", "ok") == "ok" and value is not None and p_value is not None:
                correlations.append(
                    {
                        "a": content.display_name(str(pair["a"])),
                        "b": content.display_name(str(pair["b"])),
                        "r": value,
                        "p": p_value,
                        "n": pair.get("n_periods"),
                    }
                )
        correlations.sort(key=lambda pair: abs(pair["r"]), reverse=True)
    return correlations


def _concentration(overview: Overview) -> list[dict[str, Any]]:
    """The concentration table: per span, the events, the Herfindahl index and the effective number
    of partners."""
    return [
        {
            "span": r["span"],
            "events": int(r["events"]),
            "hhi": float(r["hhi"]),
            "effective": float(r["effective_partners"]),
        }
        for r in _records(overview.concentration)
    ]


def _answers(overview: Overview, flex_sentence: str | None) -> list[tuple[str, str, str]]:
    """The overview's three answers (question, section anchor, sentence): how flexible (the ranking,
    or why there is none), when the relationships bent and when they hardened."""
    return [
        (
            "How flexible?",
            "flexibility",
            flex_sentence
            or "No flexibility ranking: "
            + (overview.flexibility.reason or "no relationship has enough periods for an estimate")
            + ".",
        ),
        ("When did it bend?", "breaks", story.break_answer(overview.relationships, "up")),
        ("When did it harden?", "breaks", story.break_answer(overview.relationships, "down")),
    ]


def all_names(overview: Overview) -> dict[str, str]:
    """Code → name for every partner the overview names (those with a brief by their brief's name)."""
    codes = {*overview.share_partners, *(item.partner for item in overview.relationships)}
    return {
        **{code: content.display_name(code) for code in codes},
        **{i.partner: i.name for i in overview.relationships},
    }


def shift_names(overview: Overview) -> dict[str, str]:
    """Code → name for every country the shifts result mentions (partners, bloc members, the actors
    of its evidence), those with a brief by their brief's name."""
    data = overview.shifts.data or {}
    codes = {str(row.get("partner")) for row in data.get("partners") or []}
    for shift in data.get("shifts") or []:
        codes.update(str(code) for code in shift.get("partners") or [])
        for event in (shift.get("evidence") or {}).get("events") or []:
            codes.update((str(event.get("actor1")), str(event.get("actor2"))))
    return {**{code: content.display_name(code) for code in sorted(codes)}, **all_names(overview)}


def palette_for(overview: Overview) -> charts.Palette:
    """The site's one partner → colour map: the partners the charts draw as series first (the shares
    chart's, then the UN-votes chart's), then those the first screen names as changed, then every
    other relationship with a brief (as far as the palette reaches)."""
    briefed = [item.partner for item in overview.relationships]
    voted = [code for code in report_votes.OVERVIEW_PARTNERS if code in briefed]
    shifted = [
        str(code)
        for shift in (overview.shifts.data or {}).get("shifts", [])
        if shift.get("kind") in ("rising_partner", "falling_partner")
        for code in shift.get("partners") or []
    ]
    return charts.Palette.of([*overview.share_partners, *voted, *shifted, *briefed], all_names(overview))


# -- writing -------------------------------------------------------------------------------------------
def _write_chart(folder: Path, chart: charts.Chart | None) -> None:
    if chart is not None:
        (folder / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")


#: The content hash of the last site written into a folder (store content, options, dyadwatch version).
STAMP_NAME = ".dyadwatch-build"


def content_hash(store: Store, focus: str, pdf: bool, selection: Selection | None = None) -> str:
    """A hash of what the site is made from: every load (file hash and rows kept), the events and
    indicators counts, the options (the selection among them) and dyadwatch's version. Equal hashes
    mean an equal site."""
    import hashlib
    import json
    from dataclasses import asdict

    from dyadwatch import __version__

    loads = store.con.execute("SELECT load_id, sha256, rows_kept FROM loads ORDER BY load_id").fetchall()
    counts = store.con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM indicators), "
        "(SELECT coalesce(sum(hash(event_id)), 0) FROM events)"
    ).fetchone()
    payload = json.dumps(
        {
            "loads": loads,
            "counts": counts,
            "focus": focus.upper(),
            "pdf": pdf,
            "selection": asdict(content.report_selection(selection)),
            "version": __version__,
        },
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def site_is_current(
    store: Store, focus: str, out_dir: str | Path, pdf: bool = False, selection: Selection | None = None
) -> bool:
    """True when ``out_dir`` holds a complete site built from the same store content and options."""
    target = Path(out_dir)
    stamp = target / STAMP_NAME
    if not stamp.is_file() or not (target / "index.html").is_file() or (pdf and not (target / PDF_NAME).is_file()):
        return False
    return stamp.read_text(encoding="utf-8").strip() == content_hash(store, focus, pdf, selection)


def build_site(
    store: Store,
    focus: str = "PRK",
    out_dir: str | Path = "site",
    pdf: bool = False,
    *,
    skip_unchanged: bool = False,
    selection: Selection | None = None,
) -> Path:
    """Write the report site for ``focus`` into ``out_dir``; returns the path of ``index.html``.

    With ``pdf=True`` the same pages are also written as one PDF (needs the ``pdf`` extra, WeasyPrint,
    checked before anything is written). With ``skip_unchanged=True`` nothing is rewritten when the
    folder already holds the site of the same store content and options (:func:`site_is_current`).

    The site is written into a hidden temporary folder inside ``out_dir`` and moved into place only
    when every page is written, so a failed analysis (:class:`~dyadwatch.errors.ReportError`) leaves
    ``out_dir`` as it was: no half-written site that looks complete. Other files in ``out_dir`` are kept.
    ``selection`` (yearly: sources, dates, bare statements) narrows every number; each page's header states it.
    """
    selection = content.report_selection(selection)
    if pdf:
        from dyadwatch.report.pdf import require_weasyprint

        require_weasyprint()
    target = Path(out_dir)
    if skip_unchanged and site_is_current(store, focus, target, pdf, selection):
        return target / "index.html"
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dyadwatch-partial-", dir=target))
    try:
        _write_site(store, focus, staging, pdf, selection)
        (staging / STAMP_NAME).write_text(content_hash(store, focus, pdf, selection) + "\n", encoding="utf-8")
        _move_into(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target / "index.html"


def _move_into(staging: Path, target: Path) -> None:
    """Move everything written in ``staging`` into ``target``, replacing files and folders of the same
    name (so ``charts/`` holds no stale charts), ``index.html`` last."""
    entries = sorted(staging.iterdir(), key=lambda path: path.name == "index.html")
    for entry in entries:
        destination = target / entry.name
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        elif destination.exists() or destination.is_symlink():
            destination.unlink()
        os.replace(entry, destination)


def _write_site(store: Store, focus: str, target: Path, pdf: bool, selection: Selection) -> None:
    """Write the site into ``target``: each brief with its charts, then the overview with its charts,
    the methods page, the stylesheet and (``pdf``) the PDF of all pages."""
    chart_dir = target / "charts"
    chart_dir.mkdir(exist_ok=True)
    overview = gather(store, focus, selection)
    palette = palette_for(overview)
    names = {overview.focus: "the DPRK", **all_names(overview)}
    environment = _environment()
    common = _common(overview, pdf, selection, palette)
    briefs = []
    pages: list[Path] = []
    votes = report_votes.gather_votes(store, overview.focus, [item.partner for item in overview.relationships])
    words = report_rhetoric.gather_rhetoric(store, overview.focus)
    reported = report_kcna.gather_kcna(store, overview.focus, selection)
    for item in overview.relationships:
        context = brief_context(item, overview.name, names, palette)
        context.update(report_votes.brief_votes(votes, item.partner, item.name, palette))
        context.update(report_rhetoric.brief_rhetoric(words, item.partner, item.name))
        context.update(report_kcna.brief_kcna(reported, item.partner, item.name))
        for key in ("kcna_chart", "kcna_delegations_chart", "votes_chart", "timeline", "era_chart"):
            _write_chart(chart_dir, context[key])
        briefs.append(_brief_row(item))
        path = target / item.page
        path.write_text(environment.get_template("brief.html").render(**common, **context), encoding="utf-8")
        pages.append(path)
    context = _index_context(store, overview, briefs, palette, votes, words)
    for chart in (context["flex_chart"], context["breaks_chart"], context["shares_chart"], context["votes_chart"]):
        _write_chart(chart_dir, chart)
    index = target / "index.html"
    index.write_text(environment.get_template("index.html").render(**common, **context), encoding="utf-8")
    methods = target / "methods.html"
    methods.write_text(
        environment.get_template("methods.html").render(
            **common, references=citations.references(citations.ALL_KEYS), shared_window=SHARED_WINDOW_YEARS
        ),
        encoding="utf-8",
    )
    stylesheet = resources.files("dyadwatch.report").joinpath("static/style.css")
    with resources.as_file(stylesheet) as source:
        shutil.copyfile(source, target / "style.css")
    if pdf:
        from dyadwatch.report.pdf import write_pdf

        write_pdf([index, *pages, methods], target / PDF_NAME)


def _common(overview: Overview, pdf: bool, selection: Selection, palette: charts.Palette) -> dict[str, Any]:
    """What every page's header and footer show: the day written, the focus, the PDF's name (with
    ``pdf``), the brief threshold, the partners' colours and the selection in words."""
    return {
        "generated": dt.date.today().isoformat(),
        "focus": overview.focus,
        "focus_name": overview.name,
        "pdf_name": PDF_NAME if pdf else None,
        "threshold": content.MIN_BRIEF_EVENTS,
        "partner_colours": palette.colours,
        "selection_line": narrative.selection_line(
            selection,
            overview.sources,
            min(item.first_year for item in overview.relationships),
            max(item.last_year for item in overview.relationships),
        ),
    }


def _brief_row(item: Relationship) -> dict[str, Any]:
    """The overview's row for one brief: page, name, events, years, share of cooperation and the
    number of breaks (None where the breaks analysis gave no result)."""
    return {
        "page": item.page,
        "name": item.name,
        "partner": item.partner,
        "events": item.n_events,
        "first": item.first_year,
        "last": item.last_year,
        "cooperation": float(item.series["cooperation"].sum()) / max(int(item.series["events"].sum()), 1),
        "breaks": len((item.breaks.data or {}).get("breaks", [])) if item.breaks.data else None,
    }


def _index_context(
    store: Store,
    overview: Overview,
    briefs: list[dict[str, Any]],
    palette: charts.Palette,
    votes: Outcome,
    words: Outcome,
) -> dict[str, Any]:
    """The overview page's context: :func:`overview_context` with the UN votes, the provocations
    section (whose verdict joins the answer "When did it harden?") and the rhetoric section."""
    context = overview_context(overview, briefs, palette)
    briefed = {item.partner: item.name for item in overview.relationships}
    context.update(report_votes.overview_votes(votes, list(briefed), briefed, palette))
    context.update(report_hardens.overview_hardens(store, overview.focus))
    if context["hardens_verdict"]:
        question, anchor, answer = context["answers"][2]
        context["answers"][2] = (question, anchor, f"{answer} Provocations, {context['hardens_verdict']}")
    context.update(report_rhetoric.overview_rhetoric(words, list(briefed), briefed))
    return context
