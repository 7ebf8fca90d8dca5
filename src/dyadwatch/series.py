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

from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from dyadwatch.errors import UsageError

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
#: CAMEO 010 "make statement, not specified below": the bulk of machine-coded GDELT rows and
#: nearly content-free; ``drop_statements=True`` leaves it out.
BARE_STATEMENT_CODES = ("010",)
PANDAS_FREQ = {"M": "MS", "Q": "QS", "Y": "YS"}


def check_freq(freq: str) -> Freq:
    if freq not in PANDAS_FREQ:
        raise UsageError(f"--freq must be M (month), Q (quarter) or Y (year), not {freq!r}")
    return freq  # type: ignore[return-value]


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
) -> Any:
    """The Ibis expression of the dyad series over an ``events`` table (any Ibis backend)."""
    import ibis

    check_freq(freq)
    a, b = actor1.upper(), actor2.upper()
    condition = (events.actor1 == a) & (events.actor2 == b)
    if undirected:
        condition = condition | ((events.actor1 == b) & (events.actor2 == a))
    table = events.filter(condition)
    if drop_statements:
        table = table.filter(~table.event_code.isin(BARE_STATEMENT_CODES))
    if start:
        table = table.filter(table.date >= ibis.date(start))
    if end:
        table = table.filter(table.date <= ibis.date(end))
    table = table.mutate(period=table.date.truncate(freq))
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


def volume_expr(events: Any, focus: str | None, freq: str = "M") -> Any:
    """Events per period involving ``focus`` (or all events when None): normalisation base.

    With ``focus=None`` (``--normalize all``) and a store that keeps ``daily_totals``, GDELT's
    events count in full: the rows per day of every loaded GDELT file, whatever the focus
    filter kept, so the base is "all GDELT events that day" (design §9). Events of sources without
    daily totals (the chronology, ICEWS, POLECAT) are counted as loaded.
    """
    table = events
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
        if first is not None and last is not None:
            index = pd.date_range(first, last, freq=PANDAS_FREQ[freq])
            if start:  # a start in mid-period still includes its period
                index = pd.date_range(_period_start(first, freq), last, freq=PANDAS_FREQ[freq])
            frame = frame.set_index("period").reindex(index, fill_value=0).rename_axis("period").reset_index()
    frame["goldstein_mean"] = (frame["goldstein_sum"] / frame["events"].where(frame["events"] > 0)).fillna(0.0)
    frame["cooperation"] = frame["q1"] + frame["q2"]
    frame["conflict"] = frame["q3"] + frame["q4"]
    frame["period"] = frame["period"].dt.date
    return frame[list(SERIES_COLUMNS)].reset_index(drop=True)


def _period_start(moment: pd.Timestamp, freq: str) -> pd.Timestamp:
    return pd.Timestamp(moment.to_period({"M": "M", "Q": "Q", "Y": "Y"}[freq]).start_time)


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
    fill: bool = True,
) -> pd.DataFrame:
    """The dyad series ``actor1`` → ``actor2`` from a store, as a pandas DataFrame.

    ``normalize="focus"`` divides counts and sums by the focus country's (``actor1``'s) events in
    the period, per 1 000; ``"all"`` by all events loaded, GDELT's counted in full from
    ``daily_totals`` (see :func:`volume_expr`). Media attention grows by orders of
    magnitude over the decades, so raw counts compare badly across eras.
    """
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
        fill=fill,
    )


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
    fill: bool = True,
) -> pd.DataFrame:
    """:func:`dyad_series` over any Ibis ``events`` table: the store's, Spark's, BigQuery's."""
    check_freq(freq)
    if normalize not in ("none", "focus", "all"):
        raise UsageError(f"normalize must be none, focus or all, not {normalize!r}")
    raw = series_expr(
        events, actor1, actor2, freq, undirected=undirected, drop_statements=drop_statements, start=start, end=end
    ).execute()
    frame = finish_series(raw, freq, start=start, end=end, fill=fill)
    if normalize != "none" and len(frame):
        base = volume_expr(events, actor1 if normalize == "focus" else None, freq).execute()
        frame = normalise(frame, base)
    return frame
