"""Delegations received and sent, per partner, year and kind, from KCNA's coded events (issue 27 item 6).

Protocol is how Pyongyang ranks its relations: a state delegation is not a friendship troupe. The
coder (:func:`dyadwatch.ingest.kcna_coder.delegation`) records for every visit or delegation
headline its kind (state, party, government, military, parliamentary, friendship/cultural, other)
and whether North Korea received or sent it, in ``coded_events``.

KCNA reports one visit in several items ("… Arrives", "… Meets …", "… Leaves"), so ``items``
overstates visits; ``visits`` counts each run of items of the same partner, direction and kind
no more than :data:`GAP_DAYS` days apart as one visit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from dyadwatch.errors import InsufficientDataError

if TYPE_CHECKING:
    from dyadwatch.store import Store

KINDS = ("state", "party", "government", "military", "parliamentary", "friendship/cultural", "other")
WAYS = ("received", "sent")
#: Items of one partner, direction and kind this close together are one visit.
GAP_DAYS = 7


def delegation_items(
    store: Store | duckdb.DuckDBPyConnection,
    *,
    focus: str = "PRK",
    partners: tuple[str, ...] = (),
    start: str | None = None,
    end: str | None = None,
    source: str = "kcna",
) -> pd.DataFrame:
    """Every coded delegation item: date, partner, way, kind, headline (one row per event)."""
    con = store if isinstance(store, duckdb.DuckDBPyConnection) else store.con
    has = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'coded_events' AND column_name = 'delegation_kind'"
    ).fetchone()
    if not has or not has[0]:
        raise InsufficientDataError("this store has no coded_events.delegation_kind: run `dyadwatch code-texts`")
    where = ["e.source = ?", "c.delegation_kind IS NOT NULL", "(e.actor1 = ? OR e.actor2 = ?)"]
    params: list[object] = [source, focus, focus]
    if start:
        where.append("e.date >= ?")
        params.append(start)
    if end:
        where.append("e.date <= ?")
        params.append(end)
    frame = con.execute(
        f"""SELECT e.date, CASE WHEN e.actor1 = ? THEN e.actor2 ELSE e.actor1 END AS partner,
                   c.delegation_way AS way, c.delegation_kind AS kind, e.summary AS headline
            FROM events e JOIN coded_events c USING (event_id)
            WHERE {" AND ".join(where)} ORDER BY e.date""",
        [focus, *params],
    ).df()
    if partners:
        frame = frame[frame["partner"].isin(partners)]
    return frame.reset_index(drop=True)


def delegations(
    store: Store | duckdb.DuckDBPyConnection,
    *,
    focus: str = "PRK",
    partners: tuple[str, ...] = (),
    start: str | None = None,
    end: str | None = None,
    source: str = "kcna",
) -> pd.DataFrame:
    """Per partner, year, way and kind: ``items`` (coded events) and ``visits`` (runs of items no
    more than :data:`GAP_DAYS` apart), sorted by partner, year, way and the kinds' order."""
    items = delegation_items(store, focus=focus, partners=partners, start=start, end=end, source=source)
    columns = ["partner", "year", "way", "kind", "items", "visits"]
    if items.empty:
        what = f" with {', '.join(partners)}" if partners else ""
        raise InsufficientDataError(f"no delegations{what} in the {source} events of this selection")
    items = items.assign(date=pd.to_datetime(items["date"])).sort_values(["partner", "way", "kind", "date"])
    gap = items.groupby(["partner", "way", "kind"])["date"].diff().dt.days
    items = items.assign(new_visit=(gap.isna() | (gap > GAP_DAYS)).astype(int), year=items["date"].dt.year)
    table = items.groupby(["partner", "year", "way", "kind"], as_index=False).agg(
        items=("headline", "size"), visits=("new_visit", "sum")
    )
    table["kind_order"] = table["kind"].map({k: n for n, k in enumerate(KINDS)}).fillna(len(KINDS))
    return table.sort_values(["partner", "year", "way", "kind_order"])[columns].reset_index(drop=True)
