"""Build the report site: ``index.html`` (overview), one brief per relationship, a methods page,
SVG charts and a stylesheet, all in one folder that works offline; optionally the same as a PDF.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from dyadwatch.errors import UsageError
from dyadwatch.report import charts, citations, content, narrative
from dyadwatch.report import votes as report_votes
from dyadwatch.report.analyses import Outcome, focus_flexibility, focus_patterns, focus_shifts
from dyadwatch.report.content import Overview, Relationship

if TYPE_CHECKING:
    from dyadwatch.store import Store

PDF_NAME = "dyadwatch-report.pdf"
#: Breaks in two relationships within this many years of each other count as shared.
SHARED_WINDOW_YEARS = 1
#: The overview lists the pairs of relationships whose net cooperation moves most together.
CORRELATIONS_SHOWN = 8


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


def gather(store: Store, focus: str) -> Overview:
    """Every number of the site, from the store and the analyses."""
    focus = focus.upper()
    partners = store.partners(focus, min_events=content.MIN_BRIEF_EVENTS)
    if not partners:
        raise UsageError(
            f"no relationship of {focus} has {content.MIN_BRIEF_EVENTS} or more dyadic events in {store.path}; "
            "load data first (dyadwatch demo or dyadwatch ingest)"
        )
    relationships = [content.relationship(store, focus, partner) for partner in partners]
    eras = {key: focus_flexibility(store, focus, content.FREQ, key) for key, _ in content.ERA_KEYS}
    for item in relationships:
        item.flex_by_era = {key: _partner_outcome(outcome, item.partner) for key, outcome in eras.items()}
    every = store.partners(focus, min_events=1)
    shares, concentration = content.partner_shares(store, focus, every[: content.SHARE_TOP_PARTNERS])
    last = content.last_dyadic_date(store, focus)
    since = (pd.Timestamp(last) - pd.DateOffset(months=12)).date().isoformat() if last else None
    shifts = focus_shifts(store, focus, since) if since else Outcome(None, "no dyadic events in the store")
    counts = dict(_counts(store, focus))
    return Overview(
        focus=focus,
        name=content.display_name(focus),
        relationships=relationships,
        flexibility=eras["all"],
        shares=shares,
        concentration=concentration,
        shifts=shifts,
        shifts_since=since,
        patterns=focus_patterns(store, focus, content.FREQ),
        sources=content.sources_in(store, focus),
        others=[(content.display_name(code), counts[code]) for code in every if code not in partners],
    )


def _partner_outcome(outcome: Outcome, partner: str) -> Outcome:
    row = content.flex_row(outcome, partner)
    return Outcome(row, None) if row else Outcome(None, outcome.reason)


def _counts(store: Store, focus: str) -> list[tuple[str, int]]:
    rows = store.con.execute(
        """SELECT CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END, count(*) FROM events
           WHERE (actor1 = ? OR actor2 = ?) AND actor2 IS NOT NULL AND actor2 <> '' AND actor1 <> actor2
           GROUP BY 1""",
        [focus, focus, focus],
    ).fetchall()
    return [(str(code), int(n)) for code, n in rows]


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


def brief_context(item: Relationship, focus_name: str) -> dict[str, Any]:
    """Everything the brief template needs: text, tables, charts."""
    departures = narrative.departures(item.series, item.events)
    keyed = markers(departures)
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
    timeline = charts.timeline(
        f"{item.partner}-timeline",
        item.series,
        regimes=spans,
        eras=era_lines,
        markers=keyed,
        title=f"DPRK – {item.name}: events per year",
        alt=alt,
    )
    era_rows: list[dict[str, Any]] = []
    era_missing: list[tuple[str, str]] = []
    for key, label in content.ERA_KEYS:
        outcome = item.flex_by_era.get(key, Outcome(None, "not computed"))
        value = narrative.finite(outcome.data.get("flexibility")) if outcome.data else None
        if outcome.data is not None and value is not None:
            era_rows.append(
                {
                    "label": label,
                    "flexibility": value,
                    "low": narrative.finite(outcome.data.get("ci_low")),
                    "high": narrative.finite(outcome.data.get("ci_high")),
                    "p": narrative.finite(outcome.data.get("responsiveness_p")),
                    "periods": outcome.data.get("n_periods"),
                }
            )
        else:
            why = (outcome.data or {}).get("reason") or outcome.reason or "no estimate for this relationship"
            era_missing.append((label, str(why)))
    era_chart = (
        charts.intervals(
            f"{item.partner}-flexibility",
            [(r["label"], r["flexibility"], r["low"], r["high"]) for r in era_rows],
            xlabel="flexibility (share of forecast variance due to the partner)",
            title=f"Flexibility towards {item.name} by era",
            alt="Flexibility by era with intervals: "
            + "; ".join(f"{r['label']} {narrative.percent(r['flexibility'])}" for r in era_rows),
        )
        if era_rows
        else None
    )
    overall_row = item.flex_by_era.get("all")
    bent, hardened = narrative.when_it_changed(item.name, item.breaks.data, item.breaks.reason)
    segments = []
    if item.breaks.data:
        segments = [
            {"start": str(s["start"])[:4], "end": str(s["end"])[:4], "n": s["n_periods"], "mean": float(s["mean"])}
            for s in item.breaks.data.get("segments", [])
        ]
    events = [
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
    keys = citations.keys_for(item.sources, citations.SERIES_KEYS, citations.BREAKS_KEYS, citations.FLEX_KEYS)
    return {
        "item": item,
        "overall": narrative.overall(item.name, item.series),
        "how_flexible": narrative.how_flexible(
            "the DPRK",
            item.name,
            overall_row.data if overall_row else None,
            overall_row.reason if overall_row else None,
        ),
        "bent": bent,
        "hardened": hardened,
        "departures": [narrative.departure_sentence(d) for d in departures],
        "markers": keyed,
        "timeline": timeline,
        "era_rows": era_rows,
        "era_missing": era_missing,
        "era_chart": era_chart,
        "segments": segments,
        "events": events,
        "references": citations.references(keys),
    }


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


def overview_context(overview: Overview, briefs: list[dict[str, Any]]) -> dict[str, Any]:
    names = {item.partner: item.name for item in overview.relationships}
    flex_rows: list[dict[str, Any]] = []
    flex_missing: list[str] = []
    flex_chart = None
    if overview.flexibility.data:
        for row in overview.flexibility.data.get("partners", []):
            value = narrative.finite(row.get("flexibility"))
            if value is not None:
                flex_rows.append(
                    {
                        "partner": row.get("partner"),
                        "name": names.get(str(row.get("partner")), content.display_name(str(row.get("partner")))),
                        "page": f"{row.get('partner')}.html" if row.get("partner") in names else None,
                        "flexibility": value,
                        "low": narrative.finite(row.get("ci_low")),
                        "high": narrative.finite(row.get("ci_high")),
                        "p": narrative.finite(row.get("responsiveness_p")),
                        "periods": row.get("n_periods"),
                    }
                )
        flex_rows.sort(key=lambda r: r["flexibility"], reverse=True)
        estimated = {r["partner"] for r in flex_rows}
        flex_missing = [item.name for item in overview.relationships if item.partner not in estimated]
        if flex_rows:
            flex_chart = charts.intervals(
                "overview-flexibility",
                [(r["name"], r["flexibility"], r["low"], r["high"]) for r in flex_rows],
                xlabel="flexibility (share of forecast variance due to the partner)",
                title="Flexibility of the DPRK towards each partner, with intervals",
                alt="Ranking of flexibility: "
                + "; ".join(f"{r['name']} {narrative.percent(r['flexibility'])}" for r in flex_rows),
            )
    rows, shared = shared_breaks(overview)
    first = min(item.first_year for item in overview.relationships)
    last = max(item.last_year for item in overview.relationships)
    break_count = sum(len(found) for _, found in rows)
    breaks_chart = charts.break_timeline(
        "overview-breaks",
        rows,
        span=(first, last),
        title="Regime changes in every relationship, on one timeline",
        alt=f"Timeline of {break_count} regime changes across {len(rows)} relationships, {first} to {last}; "
        + (
            "years shared by two or more: " + ", ".join(str(s["year"]) for s in shared)
            if shared
            else "no year is shared"
        ),
    )
    shares_chart = (
        charts.shares(
            "overview-shares",
            overview.shares,
            title="Partner shares of the DPRK's dyadic events, per five years",
            alt="Stacked bars of partner shares per five-year span: "
            + "; ".join(
                f"{span}: largest {row.idxmax()} {narrative.percent(float(row.max()))}"
                for span, row in overview.shares.iterrows()
            ),
        )
        if not overview.shares.empty
        else None
    )
    shift_items = []
    if overview.shifts.data:
        for shift in overview.shifts.data.get("shifts", []):
            partner = str(shift.get("partner") or "")
            shift_items.append(
                {
                    "kind": str(shift.get("kind", "")).replace("_", " "),
                    "partner": content.display_name(partner).replace("_", " and ") if partner else "several partners",
                    "summary": str(shift.get("summary") or ""),
                }
            )
    correlations = []
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
    keys = citations.keys_for(
        overview.sources, citations.SERIES_KEYS, citations.BREAKS_KEYS, citations.FLEX_KEYS, citations.PATTERN_KEYS
    )
    return {
        "overview": overview,
        "briefs": briefs,
        "flex_rows": flex_rows,
        "flex_chart": flex_chart,
        "flex_missing": flex_missing,
        "flex_sentence": narrative.ranking_sentence("The DPRK", flex_rows, names) if flex_rows else None,
        "breaks_chart": breaks_chart,
        "shared": shared,
        "break_count": break_count,
        "no_breaks": [item.name for item in overview.relationships if item.breaks.data is None],
        "shares_chart": shares_chart,
        "concentration": [
            {
                "span": r["span"],
                "events": int(r["events"]),
                "hhi": float(r["hhi"]),
                "effective": float(r["effective_partners"]),
            }
            for r in _records(overview.concentration)
        ],
        "shift_items": shift_items,
        "correlations": correlations[:CORRELATIONS_SHOWN],
        "correlations_total": len(correlations),
        "first_year": first,
        "last_year": last,
        "references": citations.references(keys),
    }


# -- writing -------------------------------------------------------------------------------------------
def _write_chart(folder: Path, chart: charts.Chart | None) -> None:
    if chart is not None:
        (folder / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")


def build_site(store: Store, focus: str = "PRK", out_dir: str | Path = "site", pdf: bool = False) -> Path:
    """Write the report site for ``focus`` into ``out_dir``; returns the path of ``index.html``.

    With ``pdf=True`` the same pages are also written as one PDF (needs the ``pdf`` extra, WeasyPrint).
    """
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    chart_dir = target / "charts"
    chart_dir.mkdir(exist_ok=True)
    overview = gather(store, focus)
    environment = _environment()
    common = {
        "generated": dt.date.today().isoformat(),
        "focus": overview.focus,
        "focus_name": overview.name,
        "pdf_name": PDF_NAME if pdf else None,
        "threshold": content.MIN_BRIEF_EVENTS,
    }
    briefs = []
    pages: list[Path] = []
    votes = report_votes.gather_votes(store, overview.focus, [item.partner for item in overview.relationships])
    for item in overview.relationships:
        context = brief_context(item, overview.name)
        context.update(report_votes.brief_votes(votes, item.partner, item.name))
        _write_chart(chart_dir, context["votes_chart"])
        _write_chart(chart_dir, context["timeline"])
        _write_chart(chart_dir, context["era_chart"])
        briefs.append(
            {
                "page": item.page,
                "name": item.name,
                "partner": item.partner,
                "events": item.n_events,
                "first": item.first_year,
                "last": item.last_year,
                "cooperation": float(item.series["cooperation"].sum()) / max(int(item.series["events"].sum()), 1),
                "breaks": len((item.breaks.data or {}).get("breaks", [])) if item.breaks.data else None,
            }
        )
        path = target / item.page
        path.write_text(environment.get_template("brief.html").render(**common, **context), encoding="utf-8")
        pages.append(path)
    context = overview_context(overview, briefs)
    names = {item.partner: item.name for item in overview.relationships}
    context.update(report_votes.overview_votes(votes, list(names), names))
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
    return index
