"""What loads wrote to a store, for tests that load the same files two ways and compare."""

from __future__ import annotations

from typing import Any

from dyadwatch.api import Store

#: Every table a load writes, each in a stable order (the loads' timestamps left out).
LOAD_TABLES = {
    "events": "SELECT * FROM events ORDER BY event_id",
    "loads": "SELECT * EXCLUDE (started, finished) FROM loads ORDER BY load_id",
    "rejects": "SELECT * FROM rejects ORDER BY load_id, line",
    "daily_totals": "SELECT * FROM daily_totals ORDER BY load_id, date",
    "load_id_ranges": "SELECT * FROM load_id_ranges ORDER BY load_id",
}


def load_tables(store: Store) -> dict[str, list[Any]]:
    """The rows of each of :data:`LOAD_TABLES`, as tuples."""
    return {name: store.con.execute(sql).fetchall() for name, sql in LOAD_TABLES.items()}
