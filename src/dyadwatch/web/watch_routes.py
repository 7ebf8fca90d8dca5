"""The watcher over HTTP: its status and alerts as JSON, and the alerts as an Atom feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from dyadwatch.jsonable import jsonable
from dyadwatch.web.params import Access, StoreAccess, json_response

router = APIRouter()


def watch_state(access: StoreAccess) -> dict[str, Any]:
    """The watcher's status and alert history; empty for a store no watcher has written to (its
    tables are made by the first read-write open, which a store older than the watcher lacks)."""
    import duckdb

    from dyadwatch.watch.cycle import watch_status

    with access.reading() as store:
        try:
            return watch_status(store.con)
        except duckdb.CatalogException:
            return {"alerts": [], "last_cycle_at": None}


@router.get("/api/watch")
def watch(access: Access) -> Response:
    """The watcher's status (last cycle, last data day, next run, last error) and every alert."""
    return json_response(jsonable(watch_state(access)))


@router.get("/feed.xml", include_in_schema=False)
def feed(access: Access) -> Response:
    """The alerts as an Atom feed (the same feed ``dyadwatch watch --feed`` writes)."""
    from dyadwatch.watch.channels import atom_feed

    state = watch_state(access)
    updated = state.get("last_cycle_at") or "1970-01-01T00:00:00"
    return Response(atom_feed(state["alerts"], updated), media_type="application/atom+xml")
