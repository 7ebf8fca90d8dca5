"""FastAPI app over a read-only store: the dashboard page and the JSON API of design §7.

``/api/series`` and ``/api/events``, asked most, are answered from an in-memory copy of the store
(:mod:`dyadwatch.web.snapshot`, read at start-up and again whenever the file changes) on the event
loop, without a thread hand-off; the other endpoints open the store read-only per request, so the
server never holds the file between requests and ``dyadwatch ingest`` can still write to it.
Parameters are checked before any query and passed to DuckDB as bound parameters. A bad parameter
is answered 4xx with ``{"error": message}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import orjson
import pandas as pd
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from dyadwatch.api import Store
from dyadwatch.codebook.countries import check_code
from dyadwatch.errors import DyadwatchError, InsufficientDataError, StoreError, UsageError
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection
from dyadwatch.web.snapshot import DISPLAY_FIELDS, MAX_EVENTS_IN_MEMORY, Snapshots, StoreSnapshot
from dyadwatch.web.vendor import PLOTLY_LICENCE_URL, PLOTLY_URL, VendorMissingError, plotly_bundle, plotly_gzipped

CODE = r"^[A-Za-z]{3}([A-Za-z]{3})?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
PARTNERS = r"^[A-Za-z]{3,6}(,[A-Za-z]{3,6})*$"
MAX_EVENTS = 5000
#: The period of an answer that names none and has no events to choose one from (as choose_freq).
DEFAULT_FREQ = "M"
Code = Annotated[str, Query(pattern=CODE, description="ISO alpha-3 country code or CAMEO IGO code")]
Freq = Annotated[str, Query(pattern="^[MQY]$", description="M month, Q quarter, Y year")]


async def selection_query(
    freq: Annotated[
        str | None, Query(pattern="^[MQY]$", description="M month, Q quarter, Y year; default: from the data")
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="source (repeatable or comma-separated); default all")
    ] = None,
    date_from: Annotated[str | None, Query(alias="from", pattern=DATE, description="first day")] = None,
    date_to: Annotated[str | None, Query(alias="to", pattern=DATE, description="last day")] = None,
    normalize: Annotated[str, Query(pattern="^(none|focus|all)$")] = "none",
    drop_statements: bool = False,
    partners: Annotated[
        str | None, Query(pattern=PARTNERS, description="comma-separated ISO alpha-3 codes (default: all)")
    ] = None,
) -> Selection:
    """The one selection of events (design §9) from the URL: the same names as on the command line.

    ``async`` only so that FastAPI calls it on the event loop rather than in a worker thread."""
    names = tuple(part for value in source or [] for part in value.split(",") if part)
    return Selection(
        freq=freq or DEFAULT_FREQ,
        sources=names,
        start=date_from,
        end=date_to,
        normalize=normalize,
        drop_statements=drop_statements,
        partners=tuple(p for p in (partners or "").split(",") if p),
    )


Selected = Annotated[Selection, Depends(selection_query)]


def with_default_freq(
    store: Store,
    request: Request,
    selection: Selection,
    focus: str,
    partners: list[str] | tuple[str, ...] | None,
    *,
    undirected: bool = False,
) -> tuple[Selection, str | None]:
    """``selection`` with the period the command line picks when no ``--freq`` is given
    (:func:`dyadwatch.selection.at_chosen_freq`) when the URL names no ``freq``, and the reason in
    words; the selection as given, and None, when it names one."""
    from dyadwatch.selection import at_chosen_freq

    given = request.query_params.get("freq")
    return at_chosen_freq(store.con, selection, focus, partners or None, given=given, undirected=undirected)


def _answer(result: Any, freq_reason: str | None) -> dict[str, Any]:
    """A result's JSON (as ``dyadwatch … --format json`` prints it), with ``freq_reason`` when the
    period was chosen from the data because the URL named none."""
    body = dict(jsonable(result.to_dict()))
    if freq_reason:
        body["freq_reason"] = freq_reason
    return body


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(row) for row in frame.to_dict(orient="records")]


def json_response(body: dict[str, Any]) -> Response:
    """``body`` as JSON by orjson (about 10x faster than the standard library on a long series);
    NaN and infinities become null, as :func:`jsonable` makes them."""
    return Response(orjson.dumps(body), media_type="application/json")


def _static() -> Path:
    with resources.as_file(resources.files("dyadwatch.web").joinpath("static")) as folder:
        return Path(folder)


def create_app(db_path: str | Path, *, max_events_in_memory: int = MAX_EVENTS_IN_MEMORY) -> FastAPI:
    """The dashboard app over the store at ``db_path`` (which must exist; it is never written).

    A store of at most ``max_events_in_memory`` events is copied into memory for the series and
    events endpoints (about 400 bytes an event); a larger one is asked through DuckDB."""
    path = Path(db_path).expanduser()
    if not path.exists():
        raise StoreError(f"{path}: no event store here yet; run `dyadwatch demo` or `dyadwatch ingest FILES`")
    snapshots = Snapshots(path, max_events_in_memory)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(snapshots.get)  # read the copy before the first request, not during it
        yield

    app = FastAPI(
        title="dyadwatch", summary="Read-only dashboard and JSON API over a dyadwatch store.", lifespan=lifespan
    )
    static = _static()

    async def snapshot() -> StoreSnapshot | None:
        """The in-memory copy (None: the store is too large); read again in a worker thread if the file changed."""
        fresh, current = snapshots.fresh()
        return current if fresh else await run_in_threadpool(snapshots.get)

    @contextmanager
    def reading() -> Iterator[Store]:
        store = Store(path, read_only=True)
        try:
            yield store
        finally:
            store.close()

    @app.exception_handler(DyadwatchError)
    async def dyadwatch_error(_: Request, exc: DyadwatchError) -> JSONResponse:
        status = 409 if isinstance(exc, StoreError) else 422 if not isinstance(exc, UsageError) else 400
        return JSONResponse({"error": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in item.get('loc', ())[1:])}: {item.get('msg')}" for item in exc.errors()
        ]
        return JSONResponse({"error": "; ".join(problems) or "bad request"}, status_code=422)

    @app.get("/", include_in_schema=False)
    def dashboard() -> FileResponse:
        return FileResponse(static / "dashboard.html", media_type="text/html")

    @app.get(PLOTLY_URL, include_in_schema=False)
    def plotly_js(request: Request) -> Response:
        """plotly.js from the installed plotly package (see dyadwatch.web.vendor): no CDN; gzipped
        for a browser that accepts it (a third of the size: the dashboard opens sooner over a network)."""
        try:
            bundle = plotly_bundle()
        except VendorMissingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        headers = {"Cache-Control": "max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", "").lower():
            headers["Content-Encoding"] = "gzip"
            return Response(plotly_gzipped(), media_type="text/javascript", headers=headers)
        return FileResponse(bundle.script, media_type="text/javascript", headers=headers)

    @app.get(PLOTLY_LICENCE_URL, include_in_schema=False)
    def plotly_licence() -> Response:
        """The licence plotly.js is served under, from the package's own files."""
        try:
            bundle = plotly_bundle()
        except VendorMissingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return PlainTextResponse(bundle.licence)

    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/api/partners")
    def partners(focus: Code = "PRK", min_events: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> dict[str, Any]:
        """Partners of ``focus`` with their event counts, most events first."""
        from dyadwatch.report.content import display_name

        with reading() as store:
            codes = store.partners(focus.upper(), min_events=min_events)
        return {"focus": focus.upper(), "partners": [{"code": c, "name": display_name(c)} for c in codes]}

    @app.get("/api/sources")
    def sources(focus: Code = "PRK") -> dict[str, Any]:
        """The sources in the store (events, first and last day of each) and the span of ``focus``'s
        dyadic events: what the dashboard offers to choose from."""
        from dyadwatch.schema import TEXT_CODED_SOURCES

        code = check_code(focus, "focus")
        with reading() as store:
            rows = store.con.execute(
                "SELECT source, count(*), min(date), max(date) FROM events "
                "GROUP BY source ORDER BY count(*) DESC, source"
            ).fetchall()
            span = store.con.execute(
                "SELECT min(date), max(date) FROM events WHERE (actor1 = ? OR actor2 = ?) "
                "AND actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor1 <> actor2",
                [code, code],
            ).fetchone()
        first, last = span if span else (None, None)
        return {
            "focus": code,
            "sources": [
                {
                    "source": name,
                    "events": int(count),
                    "first": jsonable(low),
                    "last": jsonable(high),
                    # read only when named (design §9): the dashboard leaves its box unticked by default
                    "text_coded": name in TEXT_CODED_SOURCES,
                }
                for name, count, low, high in rows
            ],
            "dyadic_first": jsonable(first),
            "dyadic_last": jsonable(last),
        }

    @app.get("/api/series", response_model=dict[str, Any])
    async def series(a: Code, b: Code, selection: Selected, request: Request, undirected: bool = False) -> Response:
        """The dyad series a → b (columns of design §4) over the selection; without ``freq``, the
        period the command line would choose (``freq_reason`` says why)."""
        first, second = check_code(a, "a"), check_code(b, "b")
        reason = None
        if not request.query_params.get("freq"):

            def choose() -> tuple[Selection, str | None]:
                with reading() as store:
                    return with_default_freq(store, request, selection, first, [second], undirected=undirected)

            selection, reason = await run_in_threadpool(choose)
        copy = await snapshot()
        if copy is not None:
            # through jsonable, as the DuckDB path's rows (_records) and the command line's JSON: the
            # same float digits whichever path answers
            rows = jsonable(copy.series(first, second, selection, undirected=undirected))
        else:

            def query() -> list[dict[str, Any]]:
                with reading() as store:
                    return _records(store.series(first, second, undirected=undirected, selection=selection))

            rows = await run_in_threadpool(query)
        return json_response(
            {
                "actor1": first,
                "actor2": second,
                "freq": selection.freq,
                "selection": selection.to_dict(),
                "series": rows,
                **({"freq_reason": reason} if reason else {}),
            }
        )

    @app.get("/api/breaks")
    def breaks(
        a: Code,
        b: Code,
        selection: Selected,
        request: Request,
        metric: Annotated[str, Query(pattern="^[a-z_]+$")] = "goldstein_mean",
        undirected: bool = False,
    ) -> dict[str, Any]:
        """Regime changes in the dyad series a → b, or both directions (JSON of ``dyadwatch breaks``)."""
        from dyadwatch.analysis.breaks import breaks as find_breaks
        from dyadwatch.analysis.breaks import built_in_events, dyad_breaks

        first, second = check_code(a, "a"), check_code(b, "b")
        with reading() as store:
            selection, reason = with_default_freq(store, request, selection, first, [second], undirected=undirected)
            freq = selection.freq
            if undirected:
                # the selection, its normalisation and statement rule travel with the result, as
                # dyad_breaks passes them for one direction (issue 29: they were dropped here)
                result = find_breaks(
                    store.series(first, second, undirected=True, selection=selection),
                    metric=metric,
                    freq=freq,
                    events=built_in_events(store, first, second),
                    actor1=first,
                    actor2=second,
                    normalize=selection.normalize,
                    drop_statements=selection.drop_statements,
                    selection=selection,
                    undirected=True,
                )
            else:
                result = dyad_breaks(store, first, second, metric=metric, selection=selection)
        return _answer(result, reason)

    @app.get("/api/flex")
    def flex(
        selection: Selected,
        request: Request,
        focus: Code = "PRK",
        draws: Annotated[int, Query(ge=0, le=1000)] = 200,
        seed: int = 0,
    ) -> dict[str, Any]:
        """Flexibility of ``focus`` towards each partner (JSON of ``dyadwatch flex``)."""
        from dyadwatch.analysis.flexibility import flexibility

        code = check_code(focus, "focus")
        with reading() as store:
            # as `dyadwatch flex`: the period of the focus's events with these partners, both directions
            selection, reason = with_default_freq(store, request, selection, code, selection.partners, undirected=True)
            result = flexibility(store, code, draws=draws, seed=seed, selection=selection)
        return _answer(result, reason)

    @app.get("/api/shifts")
    def shifts(
        selection: Selected,
        focus: Code = "PRK",
        since: Annotated[str, Query(pattern=DATE)] = "2025-01-01",
    ) -> dict[str, Any]:
        """Shifts in ``focus``'s relations since ``since`` (JSON of ``dyadwatch shifts``); without
        ``freq``, monthly, as the command's own default (its recent window is months, not years)."""
        from dyadwatch.analysis.shifts import shifts as find_shifts

        code = check_code(focus, "focus")
        with reading() as store:
            result = find_shifts(store, code, since=since, until=selection.end, selection=selection)
        return _answer(result, None)

    @app.get("/api/default-freq")
    def default_freq(selection: Selected, focus: Code = "PRK", undirected: bool = False) -> dict[str, Any]:
        """The period the command line picks for the selection's partners (all when none) when no
        ``--freq`` is given (``dyadwatch.selection.choose_freq``), and why: the dashboard's period
        until one is chosen."""
        from dyadwatch.selection import choose_freq

        code = check_code(focus, "focus")
        codes = list(selection.partners)
        with reading() as store:
            freq, reason = choose_freq(store.con, code, codes or None, selection, undirected=undirected)
        return {"focus": code, "partners": codes, "undirected": undirected, "freq": freq, "reason": reason}

    @app.get("/api/votes")
    def votes(
        focus: Code = "PRK",
        partners: Annotated[
            str | None, Query(pattern=PARTNERS, description="comma-separated ISO alpha-3 codes (default: all)")
        ] = None,
        issue: Annotated[str, Query(pattern=r"^[A-Za-z_,\- ]+$", description="all, each, or issues")] = "all",
    ) -> dict[str, Any]:
        """UN General Assembly agreement of ``focus`` per partner and year (JSON of ``dyadwatch votes``)."""
        from dyadwatch.analysis.votes import votes as run_votes

        codes = [code for code in (partners or "").split(",") if code] or None
        issues = [name for name in issue.split(",") if name.strip()] or ["all"]
        with reading() as store:
            result = run_votes(store, focus.upper(), partners=codes, issues=issues)
        return dict(jsonable(result.to_dict()))

    @app.get("/api/rhetoric")
    def rhetoric(
        focus: Code = "PRK",
        partners: Annotated[
            str | None, Query(pattern=PARTNERS, description="comma-separated ISO alpha-3 codes (default: all)")
        ] = None,
        freq: Freq = DEFAULT_FREQ,
        date_from: Annotated[str | None, Query(alias="from", pattern=DATE, description="first day")] = None,
        date_to: Annotated[str | None, Query(alias="to", pattern=DATE, description="last day")] = None,
    ) -> dict[str, Any]:
        """Words beside deeds per partner and period (JSON of ``dyadwatch rhetoric``, design §10)."""
        from dyadwatch.analysis.rhetoric import require_texts
        from dyadwatch.analysis.rhetoric import rhetoric as run_rhetoric

        codes = [code.upper() for code in (partners or "").split(",") if code] or None
        with reading() as store:
            try:
                require_texts(store)
            except InsufficientDataError as exc:
                # No texts is a state of the store, not a bad request: the dashboard hides its panel.
                return {"focus": focus.upper(), "freq": freq, "texts_loaded": 0, "rows": [], "reason": str(exc)}
            result = run_rhetoric(store, focus.upper(), freq=freq, partners=codes, start=date_from, end=date_to)
        return dict(jsonable(result.to_dict()))

    @app.get("/api/delegations")
    def delegations(
        focus: Code = "PRK",
        partners: Annotated[
            str | None, Query(pattern=PARTNERS, description="comma-separated ISO alpha-3 codes (default: all)")
        ] = None,
        date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
        date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
    ) -> dict[str, Any]:
        """Delegations received and sent per partner, year and kind, from KCNA's coded events (JSON of
        ``dyadwatch delegations``, issue 27): ``rows`` of partner, year, way, kind, items, visits."""
        from dyadwatch.analysis.delegations import KINDS
        from dyadwatch.analysis.delegations import delegations as run_delegations

        code = check_code(focus, "focus")
        chosen = Selection(start=date_from, end=date_to, partners=tuple((partners or "").split(",")))
        with reading() as store:
            try:
                table = run_delegations(store, focus=code, partners=chosen.partners, start=chosen.start, end=chosen.end)
            except InsufficientDataError as exc:
                # No coded KCNA events is a state of the store, not a bad request: the panel says why.
                return {"focus": code, "kinds": list(KINDS), "rows": [], "reason": str(exc)}
        return {"focus": code, "kinds": list(KINDS), "rows": _records(table), "reason": None}

    @app.get("/api/events", response_model=dict[str, Any])
    async def events(
        a: Code | None = None,
        b: Code | None = None,
        date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
        date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
        source: Annotated[list[str] | None, Query(description="source (repeatable or comma-separated)")] = None,
    ) -> Response:
        """Events of a (with b: the dyad, both directions), oldest first, at most ``limit``."""
        if b and not a:
            raise UsageError("b needs a: give the first actor too")
        chosen = Selection(
            sources=tuple(s for v in source or [] for s in v.split(",") if s), start=date_from, end=date_to
        )
        actor, partner = (check_code(a, "a") if a else None), (check_code(b, "b") if b else None)
        copy = await snapshot()
        if copy is not None:
            # Each event's JSON was rendered when the copy was made: the answer is a join.
            rendered = copy.events(
                actor=actor, partner=partner, sources=chosen.sources, start=chosen.start, end=chosen.end, limit=limit
            )
            body = b'{"count":%d,"events":[%b]}' % (len(rendered), b",".join(rendered))
            return Response(body, media_type="application/json")

        def query() -> list[dict[str, Any]]:
            with reading() as store:
                frame = store.events(
                    actor=actor,
                    partner=partner,
                    source=list(chosen.sources) or None,
                    exclude=chosen.excluded_sources,
                    start=chosen.start,
                    end=chosen.end,
                    limit=limit,
                )
            return _records(frame[list(DISPLAY_FIELDS)])

        rows = await run_in_threadpool(query)
        return json_response({"count": len(rows), "events": rows})

    def _watch_state() -> dict[str, Any]:
        """The watcher's status and alert history; empty for a store no watcher has written to (its
        tables are made by the first read-write open, which a store older than the watcher lacks)."""
        import duckdb

        from dyadwatch.watch.cycle import watch_status

        with reading() as store:
            try:
                return watch_status(store.con)
            except duckdb.CatalogException:
                return {"alerts": [], "last_cycle_at": None}

    @app.get("/api/watch")
    def watch() -> Response:
        """The watcher's status (last cycle, last data day, next run, last error) and every alert."""
        return json_response(jsonable(_watch_state()))

    @app.get("/feed.xml", include_in_schema=False)
    def feed() -> Response:
        """The alerts as an Atom feed (the same feed ``dyadwatch watch --feed`` writes)."""
        from dyadwatch.watch.channels import atom_feed

        state = _watch_state()
        updated = state.get("last_cycle_at") or "1970-01-01T00:00:00"
        return Response(atom_feed(state["alerts"], updated), media_type="application/atom+xml")

    return app


def app_from_environment() -> FastAPI:
    """The app over ``$DYADWATCH_SERVE_DB``: what each worker process of ``dyadwatch serve --workers N`` runs."""
    import os

    return create_app(os.environ["DYADWATCH_SERVE_DB"])
