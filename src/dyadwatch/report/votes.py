"""UN vote agreement in the report (issue 12): a chart in each brief and a panel on the overview.

Kept apart from :mod:`dyadwatch.report.site` so that the site only wires it in: :func:`gather_votes`
once per site, :func:`brief_votes` per brief and :func:`overview_votes` for the index page. Every
key is always present (the templates are strict); a missing number comes with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dyadwatch.analysis.votes import MIN_YEAR_VOTES, VotesResult, mean_agreement
from dyadwatch.analysis.votes import votes as compute_votes
from dyadwatch.codebook.rollcalls import ALL_ISSUES
from dyadwatch.errors import DyadwatchError
from dyadwatch.report import charts, narrative
from dyadwatch.report.analyses import Outcome

if TYPE_CHECKING:
    from dyadwatch.api import Store

#: Partners drawn on the overview's agreement chart, when the store has briefs for them.
OVERVIEW_PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN")
#: The overview's table pools agreement over these spans of years.
SPANS = ((1991, 1999), (2000, 2009), (2010, 2019))
#: Charts leave out years with fewer shared roll calls than this (votes() already leaves them out).
MIN_CHART_VOTES = MIN_YEAR_VOTES


def gather_votes(store: Store, focus: str, partners: Sequence[str]) -> Outcome:
    """The agreement of ``focus`` with ``partners`` (a :class:`VotesResult` in ``data["result"]``)."""
    from dyadwatch.codebook.countries import countries

    known = [p for p in partners if p in countries()]
    try:
        result = compute_votes(store, focus, partners=known or None)
    except DyadwatchError as exc:
        return Outcome(None, str(exc))
    return Outcome({"result": result})


def _result(outcome: Outcome) -> VotesResult | None:
    return outcome.data["result"] if outcome.data else None


def brief_votes(
    outcome: Outcome, partner: str, name: str, palette: charts.Palette = charts.NO_PALETTE
) -> dict[str, Any]:
    """``votes_chart``, ``votes_sentence`` and ``votes_missing`` for one brief (lines in the partner's colour)."""
    result = _result(outcome)
    rows = result.series(partner) if result is not None else None
    if rows is not None:
        rows = rows[rows["votes"] >= MIN_CHART_VOTES]
    if rows is None or rows.empty:
        why = outcome.reason or f"no UN General Assembly roll call on which both the DPRK and {name} voted"
        return {"votes_chart": None, "votes_sentence": None, "votes_missing": why}
    years, values = rows["year"].tolist(), rows["agreement"].tolist()
    first, last = rows.iloc[0], rows.iloc[-1]
    sentence = (
        f"In the UN General Assembly the DPRK voted as {name} did on {narrative.percent(float(first['agreement']))} "
        f"of the roll calls both voted on in {int(first['year'])} ({int(first['votes'])} votes) and on "
        f"{narrative.percent(float(last['agreement']))} in {int(last['year'])} ({int(last['votes'])} votes)."
    )
    chart = charts.agreement(
        f"{partner}-votes",
        [("agreement", years, values), ("Lijphart index", years, rows["agreement_lijphart"].tolist())],
        title=f"DPRK – {name}: UN General Assembly votes alike, per year",
        palette=palette,
        partner=partner,
        alt=f"Line chart of the share of UN roll calls on which the DPRK and {name} voted alike, "
        f"{years[0]} to {years[-1]}: "
        + "; ".join(f"{y} {narrative.percent(v)}" for y, v in zip(years, values, strict=True)),
    )
    return {"votes_chart": chart, "votes_sentence": sentence, "votes_missing": None}


def overview_votes(
    outcome: Outcome, partners: Sequence[str], names: dict[str, str], palette: charts.Palette = charts.NO_PALETTE
) -> dict[str, Any]:
    """``votes_chart``, ``votes_rows`` (pooled agreement per span), ``votes_spans`` and ``votes_missing``."""
    result = _result(outcome)
    empty: dict[str, Any] = {"votes_chart": None, "votes_rows": [], "votes_spans": [], "votes_source": None}
    if result is None or result.rows.empty:
        return {**empty, "votes_missing": outcome.reason or "no UN roll calls shared with any partner"}
    rows: list[dict[str, Any]] = []
    for partner in partners:
        cells = [mean_agreement(result, [partner], first, last) for first, last in SPANS]
        if any(cell["votes"] for cell in cells):
            rows.append({"partner": partner, "name": names.get(partner, partner), "page": f"{partner}.html",
                         "cells": cells})  # fmt: skip
    drawn = [p for p in OVERVIEW_PARTNERS if p in partners] or list(partners)[:4]
    lines = []
    for partner in drawn:
        series = result.series(partner, ALL_ISSUES)
        series = series[series["votes"] >= MIN_CHART_VOTES]
        if not series.empty:
            lines.append((names.get(partner, partner), series["year"].tolist(), series["agreement"].tolist()))
    chart = (
        charts.agreement(
            "overview-votes",
            lines,
            title="The DPRK's agreement with partners in UN General Assembly roll calls, per year",
            palette=palette,
            alt="Line chart of UN vote agreement per year: "
            + "; ".join(
                f"{label} {narrative.percent(values[0])} in {years[0]}, {narrative.percent(values[-1])} in {years[-1]}"
                for label, years, values in lines
            ),
        )
        if lines
        else None
    )
    return {
        "votes_chart": chart,
        "votes_rows": rows,
        "votes_spans": [f"{first}–{last}" for first, last in SPANS],
        "votes_source": result.source,
        "votes_missing": None if rows else "no partner with a brief shared a UN roll call with the DPRK",
    }
