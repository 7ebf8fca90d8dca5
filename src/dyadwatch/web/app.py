"""FastAPI app over a read-only store: the dashboard page and the JSON API of design §7.

``/api/series`` and ``/api/events``, asked most, are answered from an in-memory copy of the store
(:mod:`dyadwatch.web.snapshot`, read at start-up and again whenever the file changes) on the event
loop, without a thread hand-off; the other endpoints open the store read-only per request, so the
server never holds the file between requests and ``dyadwatch ingest`` can still write to it.
Parameters are checked before any query (:mod:`dyadwatch.web.params`) and passed to DuckDB as bound
parameters. A bad parameter is answered 4xx with ``{"error": message}``. The routes live by what
they answer: :mod:`~dyadwatch.web.pages`, :mod:`~dyadwatch.web.data_routes`,
:mod:`~dyadwatch.web.analysis_routes`, :mod:`~dyadwatch.web.watch_routes`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from dyadwatch.errors import DyadwatchError, StoreError, UsageError
from dyadwatch.web import analysis_routes, data_routes, pages, watch_routes
from dyadwatch.web.params import StoreAccess
from dyadwatch.web.snapshot import MAX_EVENTS_IN_MEMORY, Snapshots


async def dyadwatch_error(_: Request, exc: Exception) -> JSONResponse:
    """A dyadwatch error as ``{"error": message}``: 409 for the store's state, 400 for a usage error, else 422."""
    status = 409 if isinstance(exc, StoreError) else 422 if not isinstance(exc, UsageError) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


async def bad_request(_: Request, exc: Exception) -> JSONResponse:
    """A parameter that fails its check, named with what is wrong (FastAPI's list, in one line)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    problems = [f"{'.'.join(str(part) for part in item.get('loc', ())[1:])}: {item.get('msg')}" for item in errors]
    return JSONResponse({"error": "; ".join(problems) or "bad request"}, status_code=422)


def create_app(db_path: str | Path, *, max_events_in_memory: int = MAX_EVENTS_IN_MEMORY) -> FastAPI:
    """The dashboard app over the store at ``db_path`` (which must exist; it is never written).

    A store of at most ``max_events_in_memory`` events is copied into memory for the series and
    events endpoints (about 400 bytes an event); a larger one is asked through DuckDB."""
    path = Path(db_path).expanduser()
    if not path.exists():
        raise StoreError(f"{path}: no event store here yet; run `dyadwatch demo` or `dyadwatch ingest FILES`")
    access = StoreAccess(path, Snapshots(path, max_events_in_memory))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(access.snapshots.get)  # read the copy before the first request, not during it
        yield

    app = FastAPI(
        title="dyadwatch", summary="Read-only dashboard and JSON API over a dyadwatch store.", lifespan=lifespan
    )
    app.state.store_access = access
    app.add_exception_handler(DyadwatchError, dyadwatch_error)
    app.add_exception_handler(RequestValidationError, bad_request)
    # the pages first: plotly.js is served under /static/, ahead of the folder mounted there
    for routes in (pages, data_routes, analysis_routes, watch_routes):
        app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=pages.static_folder()), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app over ``$DYADWATCH_SERVE_DB``: what each worker process of ``dyadwatch serve --workers N`` runs."""
    import os

    return create_app(os.environ["DYADWATCH_SERVE_DB"])
