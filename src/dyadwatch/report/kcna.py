"""What KCNA reported, in the report (issue 27 items 6 and 7): a section in each brief.

Events coded from KCNA's headlines (``code-texts``, source ``kcna``) are a different measurement
from the chronology: North Korea's own newspaper of record on its own diplomacy. A selection that
names no source leaves them out (design §9), so the brief's other numbers stay the chronology's;
this section reads them by name, over the report's days. Kept apart from
:mod:`dyadwatch.report.site`, which only wires it in: :func:`gather_kcna` once per site,
:func:`brief_kcna` per brief. Where the store has no KCNA events the section is left out
(``kcna_present`` false); every other key is always present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from dyadwatch.analysis.delegations import KINDS, delegations
from dyadwatch.errors import DyadwatchError
from dyadwatch.report import charts
from dyadwatch.report.analyses import Outcome
from dyadwatch.schema import TEXT_CODED_SOURCES
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.api import Store

SOURCE = TEXT_CODED_SOURCES[0]  # "kcna"


def gather_kcna(store: Store, focus: str, selection: Selection | None = None) -> Outcome:
    """The focus's KCNA events (date, partner, direction, PLOVER type, quad class) and delegations
    over the selection's days (``data["events"]``, ``data["delegations"]``), or why there are none."""
    chosen = (selection or Selection()).with_(sources=(SOURCE,), partners=())
    where, params = chosen.sql_where()  # its columns (source, date, event_code) are only in events
    try:
        events = store.con.execute(
            f"""SELECT e.date, CASE WHEN e.actor1 = ? THEN e.actor2 ELSE e.actor1 END AS partner,
                       e.actor1 = ? AS outward, c.plover_type, e.quad_class
                FROM events e JOIN coded_events c USING (event_id)
                WHERE (e.actor1 = ? OR e.actor2 = ?) AND e.actor1 <> e.actor2{where}""",
            [focus, focus, focus, focus, *params],
        ).df()
    except Exception:  # noqa: BLE001 - a store from before code-texts has no coded_events: no section
        return Outcome(None, "no events coded from KCNA's texts (dyadwatch code-texts)")
    if events.empty:
        return Outcome(None, f"no events coded from KCNA's texts with {focus} in this selection")
    try:
        visits = delegations(store, focus=focus, start=chosen.start, end=chosen.end, source=SOURCE)
    except DyadwatchError:
        visits = pd.DataFrame(columns=["partner", "year", "way", "kind", "items", "visits"])
    # Whether the rest of the report counts these events too (``report --source kcna``): the brief says so.
    counted = (selection or Selection()).reads(SOURCE)
    return Outcome({"events": events, "delegations": visits, "counted_elsewhere": counted})


def brief_kcna(outcome: Outcome, partner: str, name: str) -> dict[str, Any]:
    """``kcna_present``, ``kcna_types`` (per PLOVER type: events each way), ``kcna_total``,
    ``kcna_span``, ``kcna_chart`` (monthly), ``kcna_delegations_chart``, ``kcna_visits``,
    ``kcna_counted_elsewhere`` (the report's selection names kcna) and ``kcna_missing`` for one brief."""
    empty: dict[str, Any] = {
        "kcna_present": outcome.data is not None, "kcna_types": [], "kcna_total": 0, "kcna_span": None,
        "kcna_chart": None, "kcna_delegations_chart": None, "kcna_visits": None, "kcna_missing": outcome.reason,
        "kcna_counted_elsewhere": False,
    }  # fmt: skip
    if outcome.data is None:
        return empty
    events: pd.DataFrame = outcome.data["events"]
    own = events[events["partner"] == partner]
    if own.empty:
        return {**empty, "kcna_missing": f"no event coded from KCNA's texts concerns {name}"}
    types = _types(own)
    chart, first, last = _monthly_chart(own, partner, name)
    visits: pd.DataFrame = outcome.data["delegations"]
    delegations_chart, received, sent = _delegations_chart(visits[visits["partner"] == partner], partner, name)
    return {
        **empty,
        "kcna_counted_elsewhere": bool(outcome.data.get("counted_elsewhere")),
        "kcna_types": types,
        "kcna_total": len(own),
        "kcna_span": (first, last),
        "kcna_chart": chart,
        "kcna_delegations_chart": delegations_chart,
        "kcna_visits": {"received": received, "sent": sent} if delegations_chart else None,
        "kcna_missing": None,
    }


def _types(own: pd.DataFrame) -> list[dict[str, Any]]:
    """The brief's table: per PLOVER type, the partner's KCNA events each way (``outward``: the DPRK
    acts), most events first, ties by type."""
    counts = own.groupby(["plover_type", "outward"]).size().unstack(fill_value=0)
    rows = [
        (str(kind), int(counts.loc[kind].get(True, 0)), int(counts.loc[kind].get(False, 0))) for kind in counts.index
    ]
    rows.sort(key=lambda row: (-(row[1] + row[2]), row[0]))
    return [{"type": kind, "outward": outward, "inward": inward} for kind, outward, inward in rows]


def _monthly_chart(own: pd.DataFrame, partner: str, name: str) -> tuple[charts.Chart, str, str]:
    """The partner's KCNA events per month (cooperative above the line, conflictual below) and the
    first and last day they span (ISO), which the chart's text and the brief state."""
    days = pd.to_datetime(own["date"])
    months = pd.period_range(days.min(), days.max(), freq="M")
    month = days.dt.to_period("M")
    series = pd.DataFrame(
        {
            "period": months.to_timestamp(),
            "cooperation": [int(((month == m) & (own["quad_class"] <= 2)).sum()) for m in months],
            "conflict": [int(((month == m) & (own["quad_class"] >= 3)).sum()) for m in months],
        }
    )
    busiest = series.assign(events=series["cooperation"] + series["conflict"]).sort_values("events").iloc[-1]
    first, last = days.min().date().isoformat(), days.max().date().isoformat()
    chart = charts.monthly(
        f"{partner}-kcna",
        series,
        title=f"DPRK – {name} in KCNA's headlines: events per month",
        alt=f"Bar chart of the events coded from KCNA's headlines between the DPRK and {name} per month, "
        f"{first} to {last}: {int(series['cooperation'].sum())} cooperative (above the line), "
        f"{int(series['conflict'].sum())} conflictual (below); busiest month "
        f"{pd.Timestamp(busiest['period']).strftime('%Y-%m')} with {int(busiest['events'])}.",
    )
    return chart, first, last


def _delegations_chart(visits: pd.DataFrame, partner: str, name: str) -> tuple[charts.Chart | None, int, int]:
    """The partner's delegations per year in KCNA's headlines (received above the line, sent below,
    stacked by kind) with the totals received and sent; no chart (and 0, 0) without delegations."""
    if visits.empty:
        return None, 0, 0
    received = int(visits.loc[visits["way"] == "received", "visits"].sum())
    sent = int(visits.loc[visits["way"] == "sent", "visits"].sum())
    by_kind = visits.groupby("kind")["visits"].sum().sort_values(ascending=False)
    chart = charts.delegations(
        f"{partner}-delegations",
        visits,
        KINDS,
        title=f"Delegations between the DPRK and {name} in KCNA's headlines",
        alt=f"Bar chart of delegations per year reported by KCNA: {received} from {name} received by the "
        f"DPRK (above the line), {sent} sent by the DPRK to {name} (below), stacked by kind; most: "
        + ", ".join(f"{kind} {int(n)}" for kind, n in by_kind.items()),
    )
    return chart, received, sent
