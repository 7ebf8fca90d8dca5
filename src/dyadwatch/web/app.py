"""FastAPI app over a read-only store: the dashboard page and the JSON API of design §7.

Every request opens the store read-only; parameters are checked before any query and passed to
DuckDB as bound parameters. A bad parameter is answered 4xx with ``{"error": message}``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from dyadwatch.codebook.countries import check_code
from dyadwatch.errors import DyadwatchError, InsufficientDataError, StoreError, UsageError
from dyadwatch.selection import Selection
from dyadwatch.store import Store
from dyadwatch.web.vendor import PLOTLY_LICENCE_URL, PLOTLY_URL, VendorMissingError, plotly_bundle

CODE = r"^[A-Za-z]{3}([A-Za-z]{3})?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
PARTNERS = r"^[A-Za-z]{3,6}(,[A-Za-z]{3,6})*$"
MAX_EVENTS = 5000
Code = Annotated[str, Query(pattern=CODE, description="ISO alpha-3 country code or CAMEO IGO code")]
Freq = Annotated[str, Query(pattern="^[MQY]$", description="M month, Q quarter, Y year")]


def selection_query(
    freq: Freq = "M",
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
    """The one selection of events (design §9) from the URL: the same names as on the command line."""
    names = tuple(part for value in source or [] for part in value.split(",") if part)
    return Selection(
        freq=freq,
        sources=names,
        start=date_from,
        end=date_to,
        normalize=normalize,
        drop_statements=drop_statements,
        partners=tuple(p for p in (partners or "").split(",") if p),
    )


Selected = Annotated[Selection, Depends(selection_query)]


def jsonable(value: Any) -> Any:
    """JSON-safe values: NaN and infinities become null, dates ISO strings, numpy scalars plain."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return jsonable(value.item())
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()[:10] if isinstance(value, dt.date) else value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(row) for row in frame.to_dict(orient="records")]


def _static() -> Path:
    with resources.as_file(resources.files("dyadwatch.web").joinpath("static")) as folder:
        return Path(folder)


def create_app(db_path: str | Path) -> FastAPI:
    """The dashboard app over the store at ``db_path`` (which must exist; it is never written)."""
    path = Path(db_path).expanduser()
    if not path.exists():
        raise StoreError(f"{path}: no event store here yet; run `dyadwatch demo` or `dyadwatch ingest FILES`")
    app = FastAPI(title="dyadwatch", summary="Read-only dashboard and JSON API over a dyadwatch store.")
    static = _static()

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
    def plotly_js() -> Response:
        """plotly.js from the installed plotly package (see dyadwatch.web.vendor): no CDN."""
        try:
            bundle = plotly_bundle()
        except VendorMissingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return FileResponse(bundle.script, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

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
                {"source": name, "events": int(count), "first": jsonable(low), "last": jsonable(high)}
                for name, count, low, high in rows
            ],
            "dyadic_first": jsonable(first),
            "dyadic_last": jsonable(last),
        }

    @app.get("/api/series")
    def series(a: Code, b: Code, selection: Selected, undirected: bool = False) -> dict[str, Any]:
        """The dyad series a → b (columns of design §4) over the selection."""
        first, second = check_code(a, "a"), check_code(b, "b")
        with reading() as store:
            frame = store.series(first, second, undirected=undirected, selection=selection)
        return {
            "actor1": first,
            "actor2": second,
            "freq": selection.freq,
            "selection": selection.to_dict(),
            "series": _records(frame),
        }

    @app.get("/api/breaks")
    def breaks(
        a: Code,
        b: Code,
        selection: Selected,
        metric: Annotated[str, Query(pattern="^[a-z_]+$")] = "goldstein_mean",
        undirected: bool = False,
    ) -> dict[str, Any]:
        """Regime changes in the dyad series a → b, or both directions (JSON of ``dyadwatch breaks``)."""
        from dyadwatch.analysis.breaks import breaks as find_breaks
        from dyadwatch.analysis.breaks import built_in_events, dyad_breaks

        first, second = check_code(a, "a"), check_code(b, "b")
        freq = selection.freq
        with reading() as store:
            if undirected:
                result = find_breaks(
                    store.series(first, second, undirected=True, selection=selection),
                    metric=metric,
                    freq=freq,
                    events=built_in_events(store, first, second),
                    actor1=first,
                    actor2=second,
                )
            else:
                result = dyad_breaks(store, first, second, metric=metric, selection=selection)
        return dict(jsonable(result.to_dict()))

    @app.get("/api/flex")
    def flex(
        selection: Selected, focus: Code = "PRK", draws: Annotated[int, Query(ge=0, le=1000)] = 200
    ) -> dict[str, Any]:
        """Flexibility of ``focus`` towards each partner (JSON of ``dyadwatch flex``)."""
        from dyadwatch.analysis.flexibility import flexibility

        with reading() as store:
            result = flexibility(store, check_code(focus, "focus"), draws=draws, selection=selection)
        return dict(jsonable(result.to_dict()))

    @app.get("/api/shifts")
    def shifts(
        selection: Selected, focus: Code = "PRK", since: Annotated[str, Query(pattern=DATE)] = "2025-01-01"
    ) -> dict[str, Any]:
        """Shifts in ``focus``'s relations since ``since`` (JSON of ``dyadwatch shifts``)."""
        from dyadwatch.analysis.shifts import shifts as find_shifts

        with reading() as store:
            result = find_shifts(store, check_code(focus, "focus"), since=since, selection=selection)
        return dict(jsonable(result.to_dict()))

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
        freq: Freq = "Y",
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
            result = run_rhetoric(store, focus.upper(), freq=freq, partners=codes)
        return dict(jsonable(result.to_dict()))

    @app.get("/api/events")
    def events(
        a: Code | None = None,
        b: Code | None = None,
        date_from: Annotated[str | None, Query(alias="from", pattern=DATE)] = None,
        date_to: Annotated[str | None, Query(alias="to", pattern=DATE)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
        source: Annotated[list[str] | None, Query(description="source (repeatable or comma-separated)")] = None,
    ) -> dict[str, Any]:
        """Events of a (with b: the dyad, both directions), oldest first, at most ``limit``."""
        if b and not a:
            raise UsageError("b needs a: give the first actor too")
        chosen = Selection(
            sources=tuple(s for v in source or [] for s in v.split(",") if s), start=date_from, end=date_to
        )
        with reading() as store:
            frame = store.events(
                actor=check_code(a, "a") if a else None,
                partner=check_code(b, "b") if b else None,
                source=list(chosen.sources) or None,
                start=chosen.start,
                end=chosen.end,
                limit=limit,
            )
        columns = ["event_id", "source", "date", "actor1", "actor2", "event_code", "quad_class", "goldstein"]
        return {"count": len(frame), "events": _records(frame[[*columns, "summary", "reference"]])}

    return app
