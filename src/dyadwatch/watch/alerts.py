"""Alert state: fire once per focus, partner and kind, stay quiet until the shift has cleared.

The state lives in the store (tables ``alerts`` and ``alert_deliveries``), written in one
transaction per cycle, so a watcher restarted (or killed with ``kill -9``) neither repeats an
alert nor loses one: an alert whose delivery was not recorded is still ``pending`` and is sent by
the next cycle. An alert is identified by ``(focus, kind, key)``: ``key`` is the partner for a rising
or falling partner, the bloc and direction for a realignment, the group (or day) of a multilateral
occasion, and ``data`` for stale data. It is opened when a cycle's shifts show it and no open alert
has its identity, and cleared when a later cycle's shifts no longer show it; only then can it fire
again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dyadwatch.jsonable import jsonable

if TYPE_CHECKING:
    import duckdb

    from dyadwatch.analysis.shifts import ShiftsResult

#: The kinds ``shifts`` gives (cleared when a cycle's shifts no longer show them) and stale data.
SHIFT_KINDS = ("rising_partner", "falling_partner", "realignment", "multilateral_event")
STALE = "stale_data"
DIRECTION = {
    "rising_partner": "rising",
    "falling_partner": "falling",
    "multilateral_event": "multilateral occasion",
    STALE: "stale data",
}
NUMBER_FIELDS = (
    "rate_ratio", "p_value", "p_adjusted", "baseline_rate", "recent_rate", "baseline", "recent", "new_partner",
    "test", "baseline_share", "recent_share", "baseline_events", "recent_events", "baseline_total", "recent_total",
    "partner_count", "dates", "group_ids",
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """One shift (or the stale-data condition) a cycle saw, before it is matched against open alerts."""

    focus: str
    partner: str
    kind: str
    key: str
    direction: str
    summary: str
    numbers: dict[str, Any]
    evidence: list[dict[str, Any]]


def candidates(result: ShiftsResult) -> list[Candidate]:
    """The shifts of a ``shifts`` result as alert candidates, with their numbers and evidence events."""
    found: list[Candidate] = []
    for shift in result.shifts:
        kind = shift["kind"]
        if kind not in SHIFT_KINDS:
            continue
        evidence = shift.get("evidence", {})
        numbers = {name: jsonable(evidence[name]) for name in NUMBER_FIELDS if name in evidence}
        numbers["alpha"] = result.alpha
        numbers["freq"] = result.freq
        if kind == "realignment":
            direction = "rising" if evidence.get("recent_share", 0) > evidence.get("baseline_share", 0) else "falling"
            key = f"{shift['partner']}:{direction}"
        elif kind == "multilateral_event":
            direction = DIRECTION[kind]
            groups = evidence.get("group_ids") or []
            key = ",".join(groups) if groups else f"{shift['date']}:{shift['partner']}"
        else:
            direction = DIRECTION[kind]
            key = shift["partner"]
        found.append(
            Candidate(
                focus=result.focus,
                partner=str(shift["partner"]),
                kind=kind,
                key=key,
                direction=direction,
                summary=str(shift["summary"]),
                numbers=numbers,
                evidence=[jsonable(event) for event in evidence.get("events", [])],
            )
        )
    return found


def stale_candidate(focus: str, since: dt.datetime, last_day: str | None, reason: str) -> Candidate:
    """The "data are stale" alert: no new data since ``since``."""
    day = f" (the data's last day: {last_day})" if last_day else ""
    return Candidate(
        focus=focus,
        partner="-",
        kind=STALE,
        key="data",
        direction=DIRECTION[STALE],
        summary=f"data are stale since {since:%Y-%m-%d %H:%M} UTC{day}: {reason}",
        numbers={"stale_since": since.isoformat(timespec="seconds"), "last_data_day": last_day},
        evidence=[],
    )


@dataclass
class Transition:
    """What one reconciliation changed: the alerts opened and those cleared (their ids)."""

    opened: list[int]
    cleared: list[int]


def reconcile(
    con: duckdb.DuckDBPyConnection,
    focus: str,
    seen: list[Candidate],
    kinds: tuple[str, ...],
    now: dt.datetime,
    data_until: str | None,
    channels: list[tuple[str, str]],
    status: dict[str, str] | None = None,
) -> Transition:
    """Open an alert for each candidate with no open alert of its identity (and a pending delivery per
    channel), keep the open ones seen again, and clear the open alerts of ``kinds`` not seen; in one
    transaction, with the ``watch_status`` values in ``status`` (the mark of what was analysed)."""
    opened: list[int] = []
    cleared: list[int] = []
    marks = ", ".join("?" for _ in kinds)
    from dyadwatch.store import atomic  # DuckDB loads with the store, not with this module

    with atomic(con):
        rows = con.execute(
            f"SELECT alert_id, kind, key FROM alerts WHERE focus = ? AND cleared IS NULL AND kind IN ({marks})",
            [focus, *kinds],
        ).fetchall()
        open_now = {(kind, key): int(alert_id) for alert_id, kind, key in rows}
        wanted = {(c.kind, c.key): c for c in seen}
        for identity, candidate in wanted.items():
            if identity in open_now:
                con.execute("UPDATE alerts SET last_seen = ? WHERE alert_id = ?", [now, open_now[identity]])
                continue
            row = con.execute("SELECT nextval('alert_id_seq')").fetchone()
            assert row is not None
            alert_id = int(row[0])
            con.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                [
                    alert_id, candidate.focus, candidate.partner, candidate.kind, candidate.key, now, now,
                    data_until, candidate.summary,
                    json.dumps(candidate.numbers, sort_keys=True), json.dumps(candidate.evidence, sort_keys=True),
                ],
            )  # fmt: skip
            for channel, target in channels:
                con.execute(
                    "INSERT INTO alert_deliveries VALUES (?, ?, ?, 'pending', 0, NULL, NULL)",
                    [alert_id, channel, target],
                )
            opened.append(alert_id)
        for identity, alert_id in open_now.items():
            if identity not in wanted:
                con.execute("UPDATE alerts SET cleared = ? WHERE alert_id = ?", [now, alert_id])
                cleared.append(alert_id)
        for name, value in (status or {}).items():
            con.execute(
                "INSERT INTO watch_status VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [name, value],
            )
    return Transition(opened, cleared)


def alert_records(
    con: duckdb.DuckDBPyConnection, where: str = "TRUE", params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Alerts as dictionaries (newest first), with their numbers and evidence decoded."""
    rows = con.execute(
        "SELECT alert_id, focus, partner, kind, key, opened, last_seen, cleared, data_until, summary, numbers, "
        f"evidence FROM alerts WHERE {where} ORDER BY opened DESC, alert_id DESC",
        params or [],
    ).fetchall()
    records = []
    for row in rows:
        alert_id, focus, partner, kind, key, opened, last_seen, cleared, data_until, summary, numbers, evidence = row
        direction = DIRECTION.get(kind) or (str(key).rsplit(":", 1)[-1] if kind == "realignment" else kind)
        records.append(
            {
                "id": int(alert_id),
                "focus": focus,
                "partner": partner,
                "kind": kind,
                "direction": direction,
                "key": key,
                "opened": opened.isoformat(timespec="seconds"),
                "last_seen": last_seen.isoformat(timespec="seconds"),
                "cleared": cleared.isoformat(timespec="seconds") if cleared else None,
                "data_until": data_until.isoformat() if data_until else None,
                "summary": summary,
                "numbers": json.loads(numbers),
                "evidence": json.loads(evidence),
            }
        )
    return records
