"""Dyad series: events of actor1 → actor2 aggregated per month, quarter or year (design §4, §8).

The query is written once with Ibis, so the same expression runs on the embedded DuckDB store
and on Spark over a Parquet export (:mod:`dyadwatch.backends`). Everything after this step works
on small pandas frames.

Columns: ``period`` (first day), ``events``, ``weighted_events`` (GDELT mentions), ``goldstein_sum``
(net cooperation NC, Goldstein & Freeman 1990), ``goldstein_mean`` (NC / events; 0 in a period
with no events), ``q1``…``q4`` (quad-class counts), ``cooperation`` (q1 + q2) and ``conflict``
(q3 + q4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from dyadwatch.periods import FREQ_NAMES, PANDAS_FREQ, check_freq, period_index
from dyadwatch.selection import BARE_STATEMENT_CODES, Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

Freq = Literal["M", "Q", "Y"]
Normalize = Literal["none", "focus", "all"]
SERIES_COLUMNS = (
    "period",
    "events",
    "weighted_events",
    "goldstein_sum",
    "goldstein_mean",
    "q1",
    "q2",
    "q3",
    "q4",
    "cooperation",
    "conflict",
)
COUNT_COLUMNS = ("events", "weighted_events", "goldstein_sum", "q1", "q2", "q3", "q4", "cooperation", "conflict")
__all__ = [
    "BARE_STATEMENT_CODES",
    "PANDAS_FREQ",
    "Selection",
    "check_freq",
    "dyad_series",
    "series_expr",
    "series_over",
]


def series_expr(
    events: Any,
    actor1: str,
    actor2: str,
    freq: str = "M",
    *,
    undirected: bool = False,
    drop_statements: bool = False,
    start: str | None = None,
    end: str | None = None,
    sources: Sequence[str] | None = None,
    selection: Selection | None = None,
) -> Any:
    """The Ibis expression of the dyad series over an ``events`` table (any Ibis backend).

    ``selection`` (design §9) wins over the separate keyword arguments when given."""
    sel = resolve(selection, freq=freq, drop_statements=drop_statements, start=start, end=end, sources=sources)
    a, b = actor1.upper(), actor2.upper()
    condition = (events.actor1 == a) & (events.actor2 == b)
    if undirected:
        condition = condition | ((events.actor1 == b) & (events.actor2 == a))
    table = sel.apply(events.filter(condition))
    table = table.mutate(period=table.date.truncate(sel.freq))
    quad = table.quad_class
    return (
        table.group_by("period")
        .aggregate(
            events=table.count(),
            weighted_events=table.weight.sum(),
            goldstein_sum=table.goldstein.sum(),
            q1=(quad == 1).sum(),
            q2=(quad == 2).sum(),
            q3=(quad == 3).sum(),
            q4=(quad == 4).sum(),
        )
        .order_by("period")
    )


def volume_expr(events: Any, focus: str | None, freq: str = "M", selection: Selection | None = None) -> Any:
    """Events per period involving ``focus`` (or all events when None) in the selection's sources:
    the normalisation base.

    With ``focus=None`` (``--normalize all``) and a store that keeps ``daily_totals``, GDELT's
    events count in full: the rows per day of every loaded GDELT file, whatever the focus
    filter kept, so the base is "all GDELT events that day" (design §9). Events of sources without
    daily totals (the chronology, ICEWS, POLECAT) are counted as loaded.
    """
    table = selection.base(events) if selection is not None else events
    if focus is not None:
        code = focus.upper()
        table = table.filter((table.actor1 == code) | (table.actor2 == code))
    else:
        totals = _daily_totals(events)
        if totals is not None:
            covered = [str(s) for s in totals.select("source").distinct().execute()["source"]]
            table = table.filter(~table.source.isin(covered))
            own = table.mutate(period=table.date.truncate(freq))
            own = own.group_by("period").aggregate(base=own.count().cast("int64"))
            full = totals.mutate(period=totals.date.truncate(freq))
            full = full.group_by("period").aggregate(base=full.events.sum().cast("int64"))
            both = own.union(full)
            return both.group_by("period").aggregate(base=both.base.sum())
    table = table.mutate(period=table.date.truncate(freq))
    return table.group_by("period").aggregate(base=table.count())


def _daily_totals(events: Any) -> Any | None:
    """The ``daily_totals`` table beside ``events`` when it exists and holds rows, else None."""
    try:
        totals = events.get_backend().table("daily_totals")
        return totals if int(totals.count().execute()) > 0 else None
    except Exception:  # Spark over Parquet, an unbound BigQuery table, an older store: no totals
        return None


def finish_series(
    raw: pd.DataFrame, freq: str, *, start: str | None = None, end: str | None = None, fill: bool = True
) -> pd.DataFrame:
    """Turn the aggregated rows into the public series frame: every period present, types fixed."""
    frame = raw.copy()
    frame["period"] = pd.to_datetime(frame["period"])
    for column in ("events", "weighted_events", "q1", "q2", "q3", "q4"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["goldstein_sum"] = frame["goldstein_sum"].fillna(0.0).astype(float)
    if fill:
        first = pd.Timestamp(start) if start else (frame["period"].min() if len(frame) else None)
        last = pd.Timestamp(end) if end else (frame["period"].max() if len(frame) else None)
        if first is not None and last is not None:  # a start in mid-period still includes its period
            index = period_index(first, last, freq)
            frame = frame.set_index("period").reindex(index, fill_value=0).rename_axis("period").reset_index()
    frame["goldstein_mean"] = (frame["goldstein_sum"] / frame["events"].where(frame["events"] > 0)).fillna(0.0)
    frame["cooperation"] = frame["q1"] + frame["q2"]
    frame["conflict"] = frame["q3"] + frame["q4"]
    frame["period"] = frame["period"].dt.date
    return frame[list(SERIES_COLUMNS)].reset_index(drop=True)


def normalise(frame: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Express counts per 1 000 events of the base (focus country's or all) in each period."""
    merged = frame.merge(base.assign(period=pd.to_datetime(base["period"]).dt.date), on="period", how="left")
    scale = 1000.0 / merged["base"].where(merged["base"] > 0)
    out = frame.copy()
    for column in COUNT_COLUMNS:
        out[column] = (merged[column] * scale).fillna(0.0)
    return out


def dyad_series(
    store: Store,
    actor1: str,
    actor2: str,
    freq: str = "M",
    *,
    undirected: bool = False,
    normalize: Normalize = "none",
    drop_statements: bool = False,
    start: str | None = None,
    end: str | None = None,
    sources: Sequence[str] | None = None,
    selection: Selection | None = None,
    fill: bool = True,
) -> pd.DataFrame:
    """The dyad series ``actor1`` → ``actor2`` from a store, as a pandas DataFrame.

    ``normalize="focus"`` divides counts and sums by the focus country's (``actor1``'s) events in
    the period, per 1 000; ``"all"`` by all events loaded, GDELT's counted in full from
    ``daily_totals`` (see :func:`volume_expr`). Media attention grows by orders of
    magnitude over the decades, so raw counts compare badly across eras.
    """
    sel = resolve(
        selection,
        freq=freq,
        normalize=normalize,
        drop_statements=drop_statements,
        start=start,
        end=end,
        sources=sources,
    )
    if hasattr(store, "con"):  # the DuckDB store: plain SQL, so a simple query never loads Ibis
        raw = _duckdb_series(store.con, actor1, actor2, sel, undirected)
        frame = finish_series(raw, sel.freq, start=sel.start, end=sel.end, fill=fill)
        if sel.normalize != "none" and len(frame):
            frame = normalise(frame, _duckdb_volume(store.con, actor1 if sel.normalize == "focus" else None, sel))
        return frame
    return series_over(
        store.ibis(),
        actor1,
        actor2,
        freq,
        undirected=undirected,
        normalize=normalize,
        drop_statements=drop_statements,
        start=start,
        end=end,
        sources=sources,
        selection=selection,
        fill=fill,
    )


def _duckdb_series(con: Any, actor1: str, actor2: str, selection: Selection, undirected: bool) -> pd.DataFrame:
    """The aggregation of :func:`series_expr` as DuckDB SQL (the same rows; tested against Ibis)."""
    a, b = actor1.upper(), actor2.upper()
    condition, params = "(actor1 = ? AND actor2 = ?)", [a, b]
    if undirected:
        condition, params = condition + " OR (actor1 = ? AND actor2 = ?)", [a, b, b, a]
    where, more = selection.sql_where()
    sql = f"""SELECT CAST(date_trunc('{FREQ_NAMES[selection.freq]}', date) AS DATE) AS period, count(*) AS events,
                     sum(weight) AS weighted_events, sum(goldstein) AS goldstein_sum,
                     count_if(quad_class = 1) AS q1, count_if(quad_class = 2) AS q2,
                     count_if(quad_class = 3) AS q3, count_if(quad_class = 4) AS q4
              FROM events WHERE ({condition}){where} GROUP BY 1 ORDER BY 1"""
    frame: pd.DataFrame = con.execute(sql, params + more).df()
    return frame


def _duckdb_volume(con: Any, focus: str | None, selection: Selection) -> pd.DataFrame:
    """:func:`volume_expr` as DuckDB SQL."""
    clauses, params = ["TRUE"], []
    if focus is not None:
        clauses.append("(actor1 = ? OR actor2 = ?)")
        params += [focus.upper(), focus.upper()]
    base = selection.with_(start=None, end=None, drop_statements=False)
    where, more = base.sql_where()
    unit = FREQ_NAMES[selection.freq]
    covered = _covered_sources(con) if focus is None else []
    if covered:
        # --normalize all with GDELT daily totals: those sources count in full (every row of every
        # loaded file, whatever the focus filter kept); other sources count as loaded.
        marks = ", ".join("?" for _ in covered)
        wanted = [s for s in covered if not selection.sources or s in selection.sources]
        totals_filter = f"source IN ({', '.join('?' for _ in wanted)})" if wanted else "FALSE"
        sql = (
            "SELECT period, sum(base) AS base FROM ("
            f"SELECT CAST(date_trunc('{unit}', date) AS DATE) AS period, count(*) AS base FROM events "
            f"WHERE {' AND '.join(clauses)}{where} AND source NOT IN ({marks}) GROUP BY 1 "
            f"UNION ALL SELECT CAST(date_trunc('{unit}', date) AS DATE) AS period, sum(events) AS base "
            f"FROM daily_totals WHERE {totals_filter} GROUP BY 1) GROUP BY 1"
        )
        params = params + more + covered + wanted
        more = []
    else:
        sql = (
            f"SELECT CAST(date_trunc('{unit}', date) AS DATE) AS period, count(*) AS base "
            f"FROM events WHERE {' AND '.join(clauses)}{where} GROUP BY 1"
        )
    frame: pd.DataFrame = con.execute(sql, params + more).df()
    frame["base"] = frame["base"].astype("int64")
    return frame


def _covered_sources(con: Any) -> list[str]:
    """Sources with rows in ``daily_totals`` (none in a store that predates the table)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'daily_totals'"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [str(row[0]) for row in con.execute("SELECT DISTINCT source FROM daily_totals").fetchall()]


def series_over(
    events: Any,
    actor1: str,
    actor2: str,
    freq: str = "M",
    *,
    undirected: bool = False,
    normalize: Normalize = "none",
    drop_statements: bool = False,
    start: str | None = None,
    end: str | None = None,
    sources: Sequence[str] | None = None,
    selection: Selection | None = None,
    fill: bool = True,
) -> pd.DataFrame:
    """:func:`dyad_series` over any Ibis ``events`` table: the store's, Spark's, BigQuery's."""
    sel = resolve(
        selection,
        freq=freq,
        normalize=normalize,
        drop_statements=drop_statements,
        start=start,
        end=end,
        sources=sources,
    )
    raw = series_expr(events, actor1, actor2, undirected=undirected, selection=sel).execute()
    frame = finish_series(raw, sel.freq, start=sel.start, end=sel.end, fill=fill)
    if sel.normalize != "none" and len(frame):
        base = volume_expr(events, actor1 if sel.normalize == "focus" else None, sel.freq, sel).execute()
        frame = normalise(frame, base)
    return frame
