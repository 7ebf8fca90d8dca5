"""What every route of the JSON API shares: the URL parameters (checked before any query), the one
selection of events (design §9) built from them, the store each request reads, and the JSON answer.

The routes themselves live by what they answer: :mod:`dyadwatch.web.data_routes` (partners,
sources, series, events), :mod:`dyadwatch.web.analysis_routes` (the analyses),
:mod:`dyadwatch.web.watch_routes` and :mod:`dyadwatch.web.pages`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
import pandas as pd
from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from dyadwatch.api import Store
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection
from dyadwatch.web.snapshot import Snapshots, StoreSnapshot

CODE = r"^[A-Za-z]{3}([A-Za-z]{3})?$"
DATE = r"^\d{4}-\d{2}-\d{2}$"
PARTNERS = r"^[A-Za-z]{3,6}(,[A-Za-z]{3,6})*$"
MAX_EVENTS = 5000
#: The period of an answer that names none and has no events to choose one from (as choose_freq).
DEFAULT_FREQ = "M"
Code = Annotated[str, Query(pattern=CODE, description="ISO alpha-3 country code or CAMEO IGO code")]
Freq = Annotated[str, Query(pattern="^[MQY]$", description="M month, Q quarter, Y year")]
Partners = Annotated[
    str | None, Query(pattern=PARTNERS, description="comma-separated ISO alpha-3 codes (default: all)")
]
DayFrom = Annotated[str | None, Query(alias="from", pattern=DATE, description="first day")]
DayTo = Annotated[str | None, Query(alias="to", pattern=DATE, description="last day")]


def partner_codes(partners: str | None) -> list[str] | None:
    """The codes of a ``partners`` parameter, upper case; None (all partners) when it names none."""
    return [code.upper() for code in (partners or "").split(",") if code] or None


class StoreAccess:
    """The store behind the app: opened read-only per request (the server never holds the file
    between requests, so ``dyadwatch ingest`` can still write to it), and its in-memory copy."""

    def __init__(self, path: Path, snapshots: Snapshots) -> None:
        self.path = path
        self.snapshots = snapshots

    @contextmanager
    def reading(self) -> Iterator[Store]:
        store = Store(self.path, read_only=True)
        try:
            yield store
        finally:
            store.close()

    async def snapshot(self) -> StoreSnapshot | None:
        """The in-memory copy (None: the store is too large); read again in a worker thread if the file changed."""
        fresh, current = self.snapshots.fresh()
        return current if fresh else await run_in_threadpool(self.snapshots.get)


async def store_access(request: Request) -> StoreAccess:
    """The app's :class:`StoreAccess` (``async``: no thread hand-off to look it up)."""
    access: StoreAccess = request.app.state.store_access
    return access


Access = Annotated[StoreAccess, Depends(store_access)]


async def selection_query(
    freq: Annotated[
        str | None, Query(pattern="^[MQY]$", description="M month, Q quarter, Y year; default: from the data")
    ] = None,
    source: Annotated[
        list[str] | None, Query(description="source (repeatable or comma-separated); default all")
    ] = None,
    date_from: DayFrom = None,
    date_to: DayTo = None,
    normalize: Annotated[str, Query(pattern="^(none|focus|all)$")] = "none",
    drop_statements: bool = False,
    partners: Partners = None,
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


def answer(result: Any, freq_reason: str | None) -> dict[str, Any]:
    """A result's JSON (as ``dyadwatch … --format json`` prints it), with ``freq_reason`` when the
    period was chosen from the data because the URL named none."""
    body = dict(jsonable(result.to_dict()))
    if freq_reason:
        body["freq_reason"] = freq_reason
    return body


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [jsonable(row) for row in frame.to_dict(orient="records")]


def json_response(body: dict[str, Any]) -> Response:
    """``body`` as JSON by orjson (about 10x faster than the standard library on a long series);
    NaN and infinities become null, as :func:`jsonable` makes them."""
    return Response(orjson.dumps(body), media_type="application/json")
