"""The analyses over HTTP: each route answers the JSON of its ``dyadwatch`` command (design §7),
from the same selection of events (``with_default_freq``: the command line's period when the URL
names none)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from dyadwatch.codebook.countries import check_code
from dyadwatch.errors import InsufficientDataError
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection
from dyadwatch.web.params import (
    DATE,
    DEFAULT_FREQ,
    Access,
    Code,
    DayFrom,
    DayTo,
    Freq,
    Partners,
    Selected,
    answer,
    partner_codes,
    records,
    with_default_freq,
)

router = APIRouter()


@router.get("/api/breaks")
def breaks(
    a: Code,
    b: Code,
    selection: Selected,
    request: Request,
    access: Access,
    metric: Annotated[str, Query(pattern="^[a-z_]+$")] = "goldstein_mean",
    undirected: bool = False,
) -> dict[str, Any]:
    """Regime changes in the dyad series a → b, or both directions (JSON of ``dyadwatch breaks``)."""
    from dyadwatch.analysis.breaks import breaks as find_breaks
    from dyadwatch.analysis.breaks import built_in_events, dyad_breaks

    first, second = check_code(a, "a"), check_code(b, "b")
    with access.reading() as store:
        selection, reason = with_default_freq(store, request, selection, first, [second], undirected=undirected)
        if not undirected:
            return answer(dyad_breaks(store, first, second, metric=metric, selection=selection), reason)
        # the selection, its normalisation and statement rule travel with the result, as
        # dyad_breaks passes them for one direction (issue 29: they were dropped here)
        result = find_breaks(
            store.series(first, second, undirected=True, selection=selection),
            metric=metric,
            freq=selection.freq,
            events=built_in_events(store, first, second),
            actor1=first,
            actor2=second,
            normalize=selection.normalize,
            drop_statements=selection.drop_statements,
            selection=selection,
            undirected=True,
        )
    return answer(result, reason)


@router.get("/api/flex")
def flex(
    selection: Selected,
    request: Request,
    access: Access,
    focus: Code = "PRK",
    draws: Annotated[int, Query(ge=0, le=1000)] = 200,
    seed: Annotated[int, Query(ge=0, description="seed of the bootstrap (a non-negative integer)")] = 0,
) -> dict[str, Any]:
    """Flexibility of ``focus`` towards each partner (JSON of ``dyadwatch flex``)."""
    from dyadwatch.analysis.flexibility import flexibility

    code = check_code(focus, "focus")
    with access.reading() as store:
        # as `dyadwatch flex`: the period of the focus's events with these partners, both directions
        selection, reason = with_default_freq(store, request, selection, code, selection.partners, undirected=True)
        result = flexibility(store, code, draws=draws, seed=seed, selection=selection)
    return answer(result, reason)


@router.get("/api/shifts")
def shifts(
    selection: Selected, access: Access, focus: Code = "PRK", since: Annotated[str, Query(pattern=DATE)] = "2025-01-01"
) -> dict[str, Any]:
    """Shifts in ``focus``'s relations since ``since`` (JSON of ``dyadwatch shifts``); without
    ``freq``, monthly, as the command's own default (its recent window is months, not years)."""
    from dyadwatch.analysis.shifts import shifts as find_shifts

    code = check_code(focus, "focus")
    with access.reading() as store:
        result = find_shifts(store, code, since=since, until=selection.end, selection=selection)
    return answer(result, None)


@router.get("/api/votes")
def votes(
    access: Access,
    focus: Code = "PRK",
    partners: Partners = None,
    issue: Annotated[str, Query(pattern=r"^[A-Za-z_,\- ]+$", description="all, each, or issues")] = "all",
) -> dict[str, Any]:
    """UN General Assembly agreement of ``focus`` per partner and year (JSON of ``dyadwatch votes``)."""
    from dyadwatch.analysis.votes import votes as run_votes

    issues = [name for name in issue.split(",") if name.strip()] or ["all"]
    with access.reading() as store:
        result = run_votes(store, focus.upper(), partners=partner_codes(partners), issues=issues)
    return dict(jsonable(result.to_dict()))


@router.get("/api/rhetoric")
def rhetoric(
    access: Access,
    focus: Code = "PRK",
    partners: Partners = None,
    freq: Freq = DEFAULT_FREQ,
    date_from: DayFrom = None,
    date_to: DayTo = None,
) -> dict[str, Any]:
    """Words beside deeds per partner and period (JSON of ``dyadwatch rhetoric``, design §10)."""
    from dyadwatch.analysis.rhetoric import require_texts
    from dyadwatch.analysis.rhetoric import rhetoric as run_rhetoric

    with access.reading() as store:
        try:
            require_texts(store)
        except InsufficientDataError as exc:
            # No texts is a state of the store, not a bad request: the dashboard hides its panel.
            return {"focus": focus.upper(), "freq": freq, "texts_loaded": 0, "rows": [], "reason": str(exc)}
        result = run_rhetoric(
            store, focus.upper(), freq=freq, partners=partner_codes(partners), start=date_from, end=date_to
        )
    return dict(jsonable(result.to_dict()))


@router.get("/api/delegations")
def delegations(
    access: Access, focus: Code = "PRK", partners: Partners = None, date_from: DayFrom = None, date_to: DayTo = None
) -> dict[str, Any]:
    """Delegations received and sent per partner, year and kind, from KCNA's coded events (JSON of
    ``dyadwatch delegations``, issue 27): ``rows`` of partner, year, way, kind, items, visits."""
    from dyadwatch.analysis.delegations import KINDS
    from dyadwatch.analysis.delegations import delegations as run_delegations

    code = check_code(focus, "focus")
    chosen = Selection(start=date_from, end=date_to, partners=tuple((partners or "").split(",")))
    with access.reading() as store:
        try:
            table = run_delegations(store, focus=code, partners=chosen.partners, start=chosen.start, end=chosen.end)
        except InsufficientDataError as exc:
            # No coded KCNA events is a state of the store, not a bad request: the panel says why.
            return {"focus": code, "kinds": list(KINDS), "rows": [], "reason": str(exc)}
    return {"focus": code, "kinds": list(KINDS), "rows": records(table), "reason": None}
