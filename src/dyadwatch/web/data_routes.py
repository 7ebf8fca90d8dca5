"""The routes that hand out the data themselves: partners, sources, the dyad series and the events.

``/api/series`` and ``/api/events``, asked most, are answered from the in-memory copy of the store
(:mod:`dyadwatch.web.snapshot`) on the event loop, without a thread hand-off, when the store fits.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from dyadwatch.codebook.countries import check_code
from dyadwatch.errors import UsageError
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection
from dyadwatch.web.params import (
    MAX_EVENTS,
    Access,
    Code,
    DayFrom,
    DayTo,
    Selected,
    json_response,
    records,
    with_default_freq,
)
from dyadwatch.web.snapshot import DISPLAY_FIELDS

router = APIRouter()


@router.get("/api/partners")
def partners(
    access: Access, focus: Code = "PRK", min_events: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> dict[str, Any]:
    """Partners of ``focus`` with their event counts, most events first."""
    from dyadwatch.report.content import display_name

    with access.reading() as store:
        codes = store.partners(focus.upper(), min_events=min_events)
    return {"focus": focus.upper(), "partners": [{"code": c, "name": display_name(c)} for c in codes]}


@router.get("/api/sources")
def sources(access: Access, focus: Code = "PRK") -> dict[str, Any]:
    """The sources in the store (events, first and last day of each) and the span of ``focus``'s
    dyadic events: what the dashboard offers to choose from."""
    from dyadwatch.schema import TEXT_CODED_SOURCES

    code = check_code(focus, "focus")
    with access.reading() as store:
        rows = store.con.execute(
            "SELECT source, count(*), min(date), max(date) FROM events GROUP BY source ORDER BY count(*) DESC, source"
        ).fetchall()
        span = store.con.execute(
            "SELECT min(date), max(date) FROM events WHERE (actor1 = ? OR actor2 = ?) "
            "AND actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor1 <> actor2",
            [code, code],
        ).fetchone()
    first, last = span if span else (None, None)
    listed = [
        # read only when named (design §9): the dashboard leaves its box unticked by default
        {"source": name, "events": int(count), "first": jsonable(low), "last": jsonable(high),
         "text_coded": name in TEXT_CODED_SOURCES}
        for name, count, low, high in rows
    ]
    return {"focus": code, "sources": listed, "dyadic_first": jsonable(first), "dyadic_last": jsonable(last)}


@router.get("/api/series", response_model=dict[str, Any])
async def series(
    a: Code, b: Code, selection: Selected, request: Request, access: Access, undirected: bool = False
) -> Response:
    """The dyad series a → b (columns of design §4) over the selection; without ``freq``, the
    period the command line would choose (``freq_reason`` says why)."""
    first, second = check_code(a, "a"), check_code(b, "b")
    reason = None
    if not request.query_params.get("freq"):

        def choose() -> tuple[Selection, str | None]:
            with access.reading() as store:
                return with_default_freq(store, request, selection, first, [second], undirected=undirected)

        selection, reason = await run_in_threadpool(choose)
    copy = await access.snapshot()
    if copy is not None:
        # through jsonable, as the DuckDB path's rows (records) and the command line's JSON: the
        # same float digits whichever path answers
        rows = jsonable(copy.series(first, second, selection, undirected=undirected))
    else:

        def query() -> list[dict[str, Any]]:
            with access.reading() as store:
                return records(store.series(first, second, undirected=undirected, selection=selection))

        rows = await run_in_threadpool(query)
    body = {"actor1": first, "actor2": second, "freq": selection.freq, "selection": selection.to_dict(), "series": rows}
    return json_response({**body, **({"freq_reason": reason} if reason else {})})


@router.get("/api/default-freq")
def default_freq(access: Access, selection: Selected, focus: Code = "PRK", undirected: bool = False) -> dict[str, Any]:
    """The period the command line picks for the selection's partners (all when none) when no
    ``--freq`` is given (``dyadwatch.selection.choose_freq``), and why: the dashboard's period
    until one is chosen."""
    from dyadwatch.selection import choose_freq

    code = check_code(focus, "focus")
    codes = list(selection.partners)
    with access.reading() as store:
        freq, reason = choose_freq(store.con, code, codes or None, selection, undirected=undirected)
    return {"focus": code, "partners": codes, "undirected": undirected, "freq": freq, "reason": reason}


@router.get("/api/events", response_model=dict[str, Any])
async def events(
    access: Access,
    a: Code | None = None,
    b: Code | None = None,
    date_from: DayFrom = None,
    date_to: DayTo = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
    source: Annotated[list[str] | None, Query(description="source (repeatable or comma-separated)")] = None,
) -> Response:
    """Events of a (with b: the dyad, both directions), oldest first, at most ``limit``."""
    if b and not a:
        raise UsageError("b needs a: give the first actor too")
    chosen = Selection(sources=tuple(s for v in source or [] for s in v.split(",") if s), start=date_from, end=date_to)
    actor, partner = (check_code(a, "a") if a else None), (check_code(b, "b") if b else None)
    copy = await access.snapshot()
    if copy is not None:
        # Each event's JSON was rendered when the copy was made: the answer is a join.
        rendered = copy.events(
            actor=actor, partner=partner, sources=chosen.sources, start=chosen.start, end=chosen.end, limit=limit
        )
        body = b'{"count":%d,"events":[%b]}' % (len(rendered), b",".join(rendered))
        return Response(body, media_type="application/json")

    def query() -> list[dict[str, Any]]:
        with access.reading() as store:
            frame = store.events(
                actor=actor, partner=partner, source=list(chosen.sources) or None, exclude=chosen.excluded_sources,
                start=chosen.start, end=chosen.end, limit=limit,
            )
        return records(frame[list(DISPLAY_FIELDS)])

    rows = await run_in_threadpool(query)
    return json_response({"count": len(rows), "events": rows})
