"""Dyad series: events of actor1 → actor2 aggregated per month, quarter or year (design §4, §8).

The query is written once with Ibis, so the same expression runs on Spark over a Parquet export
and on BigQuery (:mod:`dyadwatch.backends`); the DuckDB store runs the same aggregation as plain
SQL. The periods are then filled in, the means taken and the counts normalised in plain Python
(:func:`finish_rows`, a few hundred rows), so that the command line prints a series without
loading pandas; :func:`dyad_series` hands the rows over as a pandas frame.

Columns: ``period`` (first day), ``events``, ``weighted_events`` (GDELT mentions), ``goldstein_sum``
(net cooperation NC, Goldstein & Freeman 1990), ``goldstein_mean`` (NC / events; empty in a
period with no events — None, NaN in the frame, null in JSON: a mean of nothing is not neutral),
``q1``…``q4`` (quad-class counts), ``cooperation`` (q1 + q2) and ``conflict`` (q3 + q4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from dyadwatch.periods import FREQ_NAMES, PANDAS_FREQ, check_freq, first_day_of_period, next_period_start
from dyadwatch.selection import BARE_STATEMENT_CODES, Selection, resolve

if TYPE_CHECKING:
    import pandas as pd

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
    "finish_rows",
    "normalise_rows",
    "series_expr",
    "series_frame",
    "series_over",
    "series_rows",
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


def _day(value: Any) -> dt.date:
    """A period as a date (DuckDB gives dates; Ibis frames give pandas Timestamps)."""
    return value.date() if isinstance(value, dt.datetime) else value


def _number(value: Any) -> Any:
    """``value``, or 0 for a sum over no rows (None)."""
    return 0 if value is None else value


def finish_rows(
    raw: Iterable[Mapping[str, Any]],
    freq: str,
    *,
    start: str | None = None,
    end: str | None = None,
    fill: bool = True,
) -> list[dict[str, Any]]:
    """The public series rows from the aggregated ones (``period``, ``events``, ``weighted_events``,
    ``goldstein_sum``, ``q1``…``q4``, in period order): every period from ``start`` (or the first)
    to ``end`` (or the last) present and the means taken.

    Plain Python, so that the command line needs no pandas; each row is a dict in the order of
    :data:`SERIES_COLUMNS`, with ints for counts and floats for sums and means.
    """
    rows = {
        _day(row["period"]): (
            int(_number(row["events"])),
            int(_number(row["weighted_events"])),
            float(_number(row["goldstein_sum"])),
            *(int(_number(row[f"q{quad}"])) for quad in (1, 2, 3, 4)),
        )
        for row in raw
    }
    periods = list(rows)
    if fill:
        first = first_day_of_period(dt.date.fromisoformat(start), freq) if start else (min(rows) if rows else None)
        last = dt.date.fromisoformat(end) if end else (max(rows) if rows else None)
        if first is not None and last is not None:
            periods = []
            while first <= last:  # a start in mid-period still includes its period
                periods.append(first)
                first = next_period_start(first, freq)
    empty = (0, 0, 0.0, 0, 0, 0, 0)
    out: list[dict[str, Any]] = []
    for period in periods:
        events, weighted, goldstein, q1, q2, q3, q4 = rows.get(period, empty)
        row: dict[str, Any] = {
            "period": period,
            "events": events,
            "weighted_events": weighted,
            "goldstein_sum": goldstein,
            "goldstein_mean": goldstein / events if events > 0 else None,
            "q1": q1,
            "q2": q2,
            "q3": q3,
            "q4": q4,
            "cooperation": q1 + q2,
            "conflict": q3 + q4,
        }
        out.append(row)
    return out


def normalise_rows(rows: Iterable[Mapping[str, Any]], base: Mapping[dt.date, int]) -> list[dict[str, Any]]:
    """Counts and sums per 1 000 events of the base (the focus country's or all) in each period;
    0.0 in a period without base events. The means stay as they were."""
    out = []
    for row in rows:
        volume = base.get(row["period"], 0)
        scale = 1000.0 / volume if volume > 0 else None
        out.append({**row, **{c: row[c] * scale if scale is not None else 0.0 for c in COUNT_COLUMNS}})
    return out


def series_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Series rows (:func:`finish_rows`) as the public pandas frame: ``period`` dates, int64 counts
    (float64 once normalised), float64 sums and means."""
    import numpy as np
    import pandas as pd

    # numpy arrays, not pd.Series: a frame built from Series aligns (reindexes) each one, which cost
    # more than the query itself on a one-dyad series (benchmarks/scale.py, API against plain SQL).
    columns: dict[str, Any] = {"period": np.array([row["period"] for row in rows], dtype=object)}
    for name in SERIES_COLUMNS[1:]:
        values = [row[name] for row in rows]
        floats = name in ("goldstein_sum", "goldstein_mean") or any(isinstance(value, float) for value in values)
        columns[name] = np.array(values, dtype="float64" if floats else "int64")
    return pd.DataFrame(columns)


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
        return series_frame(series_rows(store.con, actor1, actor2, sel, undirected=undirected, fill=fill))
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


def series_rows(
    con: Any, actor1: str, actor2: str, selection: Selection, *, undirected: bool = False, fill: bool = True
) -> list[dict[str, Any]]:
    """:func:`dyad_series` on a DuckDB connection as plain rows (:func:`finish_rows`), without
    pandas or Ibis: what ``dyadwatch series`` prints."""
    rows = finish_rows(
        _duckdb_series(con, actor1, actor2, selection, undirected),
        selection.freq,
        start=selection.start,
        end=selection.end,
        fill=fill,
    )
    if selection.normalize != "none" and rows:
        rows = normalise_rows(rows, _duckdb_volume(con, actor1 if selection.normalize == "focus" else None, selection))
    return rows


def _fetch_rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """The rows of a query as dicts by column name."""
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _duckdb_series(con: Any, actor1: str, actor2: str, selection: Selection, undirected: bool) -> list[dict[str, Any]]:
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
    return _fetch_rows(con, sql, params + more)


def _duckdb_volume(con: Any, focus: str | None, selection: Selection) -> dict[dt.date, int]:
    """:func:`volume_expr` as DuckDB SQL: the base per period."""
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
    return {period: int(base) for period, base in con.execute(sql, params + more).fetchall()}


def _covered_sources(con: Any) -> list[str]:
    """Sources with rows in ``daily_totals`` (none in a store that predates the table)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'daily_totals'").fetchone()
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
    rows = finish_rows(_records(raw), sel.freq, start=sel.start, end=sel.end, fill=fill)
    if sel.normalize != "none" and rows:
        base = volume_expr(events, actor1 if sel.normalize == "focus" else None, sel.freq, sel).execute()
        rows = normalise_rows(rows, {_day(r["period"]): int(r["base"]) for r in _records(base)})
    return series_frame(rows)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame an Ibis backend returned as dicts of Python values, None where a value is missing."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # type: ignore[return-value]


def _arrow(actor1: str, actor2: str, undirected: bool) -> str:
    return f"{actor1.upper()}{'↔' if undirected else '→'}{actor2.upper()}"


def series_summary(
    rows: Sequence[Mapping[str, Any]], actor1: str, actor2: str, selection: Selection, *, undirected: bool = False
) -> str:
    """The series in one or two sentences, from its rows: periods with events, the events and the
    net cooperation (Goldstein sum and mean per event). An empty series gets no summary here:
    :func:`why_empty` says why it is empty."""
    who = _arrow(actor1, actor2, undirected)
    word = FREQ_NAMES[selection.freq]
    active = [row for row in rows if row["events"]]
    if not rows or not active:
        return ""
    span = f"{_label(rows[0]['period'], selection.freq)} to {_label(rows[-1]['period'], selection.freq)}"
    busiest = max(active, key=lambda row: row["events"])
    if selection.normalize != "none":
        base = "the focus country's events" if selection.normalize == "focus" else "all events"
        peak = _label(busiest["period"], selection.freq)
        return (
            f"{who}: {len(active)} of {len(rows)} {word}s from {span} have events, counted per 1 000 of {base} "
            f"in the {word}; the highest share is {busiest['events']:.3g} in {peak}."
        )
    events = sum(int(row["events"]) for row in rows)
    total = sum(float(row["goldstein_sum"]) for row in rows)
    return (
        f"{who}: {events:,} events in {len(active)} of {len(rows)} {word}s from {span} "
        f"(most in {_label(busiest['period'], selection.freq)}: {busiest['events']:,}); net cooperation "
        f"(Goldstein sum) {total:+.3g}, {total / events:+.2f} per event on the scale -10 to +10."
    )


def _label(period: Any, freq: str) -> str:
    """A period as people write it: 2019, 2019-Q2 or 2019-05."""
    day = _day(period)
    if freq == "Y":
        return str(day.year)
    if freq == "Q":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day:%Y-%m}"


def why_empty(con: Any, actor1: str, actor2: str, selection: Selection, *, undirected: bool = False) -> str:
    """Why the series of ``actor1`` → ``actor2`` in ``selection`` has no events, in one sentence
    from the store: it is empty; the dyad has no events at all; its events are in other sources;
    or the window lies after (or before) the dyad's events in the selected sources."""
    total = (con.execute("SELECT count(*) FROM events").fetchone() or (0,))[0]
    if not total:
        return "The store is empty: no events are loaded (load some with `dyadwatch ingest FILES` or `dyadwatch demo`)."
    who = _arrow(actor1, actor2, undirected)
    a, b = actor1.upper(), actor2.upper()
    condition, params = "(actor1 = ? AND actor2 = ?)", [a, b]
    if undirected:
        condition, params = condition + " OR (actor1 = ? AND actor2 = ?)", [a, b, b, a]
    found = con.execute(
        f"SELECT source, count(*), min(date), max(date) FROM events WHERE ({condition}) GROUP BY 1 ORDER BY 2 DESC",
        params,
    ).fetchall()
    if not found:
        return f"No events of {who} in the store, in any source or period ({total:,} events of other dyads)."
    undated = selection.with_(start=None, end=None)
    where, more = undated.sql_where()
    count, first, last = con.execute(
        f"SELECT count(*), min(date), max(date) FROM events WHERE ({condition}){where}", params + more
    ).fetchone() or (0, None, None)
    if not count or first is None or last is None:
        held = "; ".join(f"{source}: {n:,} from {low} to {high}" for source, n, low, high in found)
        return (
            f"No events of {who} in the selected sources ({'+'.join(selection.sources) or 'all but the text-coded'}"
            f"{', bare statements left out' if selection.drop_statements else ''}); the store holds {held}."
        )
    if selection.start and selection.start > last.isoformat():
        return (
            f"No events of {who}: the window starts {selection.start}, after its last event in these sources, "
            f"{last} ({count:,} events from {first})."
        )
    if selection.end and selection.end < first.isoformat():
        return (
            f"No events of {who}: the window ends {selection.end}, before its first event in these sources, "
            f"{first} ({count:,} events to {last})."
        )
    return (
        f"No events of {who} from {selection.start or first} to {selection.end or last} in this selection "
        f"({selection.describe()}); it has {count:,} events in these sources from {first} to {last}."
    )
