"""An in-memory copy of a store for the dashboard's busiest endpoints, ``/api/series`` and ``/api/events``.

Asking DuckDB per request costs tens of milliseconds on a store of a million events (opening the
file alone is ~40 ms of CPU; aggregating one dyad ~10-30 ms), far from hundreds of requests a
second. The server never writes, so it reads the events once into compact arrays and answers from
memory, the same numbers as :func:`dyadwatch.series.dyad_series` and :meth:`dyadwatch.Store.events`
(``tests/test_web_snapshot.py`` compares them):

* series: sums per (actor1, actor2, day, source, bare statement or not), sorted by dyad, so that one
  dyad is one contiguous slice; a request filters the slice by the selection and sums it per period
  with ``np.bincount``. Goldstein is summed in integer tenths (the store keeps DECIMAL(3, 1)), so sums
  are exact, as DuckDB's are;
* normalisation bases: events per (actor, source, month), per (source, month), and the GDELT
  ``daily_totals`` per (source, month);
* events: each event's JSON object as the API shows it (rendered once by DuckDB's ``to_json``), in
  the store's list order (date, event_id), with the positions of each actor's and each dyad's
  events, so a request is a binary search on days and a join of at most ``limit`` byte strings.

:class:`Snapshots` rebuilds the copy when the store file (or its WAL) changes. The copy takes about
400 bytes per event (most of it the rendered JSON); stores above :data:`MAX_EVENTS_IN_MEMORY` events
are served from DuckDB instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dyadwatch.api import Store
from dyadwatch.periods import MONTHS_PER
from dyadwatch.selection import BARE_STATEMENT_CODES, Selection
from dyadwatch.series import COUNT_COLUMNS, SERIES_COLUMNS

#: Above this many events the server answers from DuckDB rather than keep a copy (~400 B an event).
MAX_EVENTS_IN_MEMORY = 5_000_000
EVENT_FIELDS = ("event_id", "source", "date", "actor1", "actor2", "event_code", "quad_class", "goldstein")
DISPLAY_FIELDS = (*EVENT_FIELDS, "summary", "reference")
#: How a field is shown where it is not the column itself: a day as ISO text, a score as a number.
SHOWN = {"date": "CAST(date AS VARCHAR)", "goldstein": "CAST(goldstein AS DOUBLE)"}
EPOCH = dt.date(1970, 1, 1)

Ints = np.ndarray[Any, np.dtype[np.int64]]


def day_number(day: str) -> int:
    """Days since 1970-01-01 of an ISO day (already checked by :class:`Selection`)."""
    return (dt.date.fromisoformat(day) - EPOCH).days


def month_number(days: np.ndarray[Any, Any]) -> Ints:
    """Months since 1970-01 of days since 1970-01-01 (negative before 1970)."""
    months: Ints = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months


def month_of(day: str) -> int:
    """Months since 1970-01 of an ISO day."""
    date = dt.date.fromisoformat(day)
    return (date.year - 1970) * 12 + date.month - 1


@functools.lru_cache(maxsize=65536)
def period_label(period: int, freq: str) -> str:
    """The first day, ISO, of a period counted in ``freq`` periods since 1970."""
    year, month = divmod(period * MONTHS_PER[freq], 12)
    return f"{1970 + year:04d}-{month + 1:02d}-01"


def fingerprint(path: Path) -> tuple[tuple[int, int] | None, ...]:
    """What changes when anything writes the store: the file's and its WAL's mtime and size."""
    stamps: list[tuple[int, int] | None] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            status = file.stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def _numbers(table: pa.Table, name: str, dtype: str) -> np.ndarray[Any, Any]:
    """A numeric or boolean column as numpy, nulls as 0 (a sum skips them, as SQL's does)."""
    column = table.column(name).combine_chunks()
    filled = column.fill_null(False if pa.types.is_boolean(column.type) else 0)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=dtype)


def _encode(column: pa.ChunkedArray, vocabulary: dict[str, int]) -> np.ndarray[Any, np.dtype[np.int32]]:
    """Codes of a string column in a shared ``vocabulary`` (extended as needed); -1 for null."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    words = encoded.dictionary.to_pylist()
    lookup = np.array([vocabulary.setdefault(word, len(vocabulary)) for word in words] + [-1], dtype=np.int32)
    return lookup[np.asarray(encoded.indices.fill_null(len(words)).to_numpy(zero_copy_only=False), dtype=np.int64)]


def _groups(keys: list[np.ndarray[Any, Any]]) -> tuple[Ints, Ints]:
    """Sort order over ``keys`` (first key first) and the start of each run of equal keys."""
    order: Ints = np.lexsort(keys[::-1]).astype(np.int64)
    if not len(order):
        return order, np.zeros(0, dtype=np.int64)
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for key in keys:
        ordered = key[order]
        change[1:] |= ordered[1:] != ordered[:-1]
    return order, np.flatnonzero(change).astype(np.int64)


def _sums(values: np.ndarray[Any, Any], order: Ints, starts: Ints) -> Ints:
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    summed: Ints = np.add.reduceat(values[order].astype(np.int64), starts)
    return summed


@dataclass(frozen=True)
class _Lists:
    """Positions into the events (ascending, so in date order) grouped by a key, with their days."""

    keys: Ints  # sorted group keys, one per position
    positions: Ints
    days: np.ndarray[Any, np.dtype[np.int32]]

    @classmethod
    def of(cls, keys: Ints, positions: Ints, days: np.ndarray[Any, Any]) -> _Lists:
        order = np.lexsort((positions, keys))
        return cls(keys[order], positions[order], days[positions[order]])

    def find(self, key: int) -> tuple[Ints, np.ndarray[Any, np.dtype[np.int32]]]:
        low, high = np.searchsorted(self.keys, [key, key + 1])
        return self.positions[low:high], self.days[low:high]


class StoreSnapshot:
    """The events of one store in memory, for :meth:`series` and :meth:`events`."""

    def __init__(self, table: pa.Table, totals: pa.Table) -> None:
        vocabulary: dict[str, int] = {}
        actor1 = _encode(table.column("actor1"), vocabulary)
        actor2 = _encode(table.column("actor2"), vocabulary)
        self.actors = vocabulary
        self.n_actors = max(len(vocabulary), 1)
        self.sources: dict[str, int] = {}
        source = _encode(table.column("source"), self.sources)
        day = _numbers(table, "day", "int32")
        month = month_number(day)
        self.count = table.num_rows
        self.rendered: list[bytes] = [text.encode() for text in table.column("json").to_pylist()]
        self.event_source = source
        self._index_series(table, actor1, actor2, source, day)
        involved, involved_at = self._index_bases(totals, actor1, actor2, source, month)

        # Events lists: by actor, and by dyad in either direction.
        self.by_actor = _Lists.of(involved, involved_at, day)
        low, high = np.minimum(actor1, actor2), np.maximum(actor1, actor2)
        pair = np.flatnonzero(low >= 0)
        self.by_dyad = _Lists.of(low[pair].astype(np.int64) * self.n_actors + high[pair], pair.astype(np.int64), day)
        self.all_days = day

    def _index_series(
        self,
        table: pa.Table,
        actor1: np.ndarray[Any, Any],
        actor2: np.ndarray[Any, Any],
        source: np.ndarray[Any, Any],
        day: np.ndarray[Any, Any],
    ) -> None:
        """Series: sums per (dyad, source, statement, day). Each (dyad, source, statement) is a run of
        rows in day order, and ``prefix`` holds running totals, so the sum over any days of a run is
        one subtraction: a request costs a few binary searches per period, however many events."""
        both = np.flatnonzero((actor1 >= 0) & (actor2 >= 0))
        dyad = actor1[both].astype(np.int64) * self.n_actors + actor2[both]
        statement = _numbers(table, "statement", "bool")[both]
        order, starts = _groups([dyad, source[both], statement, day[both]])
        self.day = day[both][order][starts]
        quad = _numbers(table, "quad_class", "int8")[both]
        sums = np.stack(  # per group: events, weight, Goldstein in tenths, q1..q4
            [
                _sums(np.ones(len(both), dtype=np.int64), order, starts),
                _sums(_numbers(table, "weight", "int64")[both], order, starts),
                _sums(_numbers(table, "tenths", "int64")[both], order, starts),
                *(_sums(quad == q, order, starts) for q in (1, 2, 3, 4)),
            ],
            axis=1,
        )
        self.prefix = np.concatenate([np.zeros((1, sums.shape[1]), dtype=np.int64), np.cumsum(sums, axis=0)])
        run_keys = [dyad[order][starts], source[both][order][starts].astype(np.int64), statement[order][starts]]
        _, run_starts = _groups(run_keys)
        self.run_dyad, self.run_source, self.run_statement = (key[run_starts] for key in run_keys)
        self.run_bounds = np.append(run_starts, len(self.day))

    def _index_bases(
        self,
        totals: pa.Table,
        actor1: np.ndarray[Any, Any],
        actor2: np.ndarray[Any, Any],
        source: np.ndarray[Any, Any],
        month: Ints,
    ) -> tuple[Ints, Ints]:
        """Normalisation bases: events per (actor, source, month), per (source, month) and the
        ``daily_totals`` per (source, month); an event counts once for each actor it involves.
        Returns each (actor, event position) pair, which the events lists by actor use."""
        positions = np.arange(self.count, dtype=np.int64)
        second = actor2 != actor1
        involved = np.concatenate([actor1, actor2[second]]).astype(np.int64)
        involved_at = np.concatenate([positions, positions[second]])
        keep = involved >= 0
        involved, involved_at = involved[keep], involved_at[keep]
        order, starts = _groups([involved, source[involved_at].astype(np.int64), month[involved_at]])
        self.actor_month = (
            involved[order][starts],
            source[involved_at][order][starts],
            month[involved_at][order][starts],
        )
        self.actor_month_events = _sums(np.ones(len(involved), dtype=np.int64), order, starts)
        order, starts = _groups([source.astype(np.int64), month])
        self.source_month = (source[order][starts], month[order][starts])
        self.source_month_events = _sums(np.ones(self.count, dtype=np.int64), order, starts)
        totals_source = _encode(totals.column("source"), self.sources)
        totals_month = month_number(_numbers(totals, "day", "int32"))
        order, starts = _groups([totals_source.astype(np.int64), totals_month])
        self.totals_month = (totals_source[order][starts], totals_month[order][starts])
        self.totals_events = _sums(_numbers(totals, "events", "int64"), order, starts)
        self.covered = {name for name, code in self.sources.items() if code in set(totals_source.tolist())}
        return involved, involved_at

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def read(cls, path: Path, max_events: int = MAX_EVENTS_IN_MEMORY) -> StoreSnapshot | None:
        """Read the store at ``path`` (read-only, closed again at once); None above ``max_events``."""
        statements = ", ".join(f"'{code}'" for code in BARE_STATEMENT_CODES)
        with Store(path, read_only=True) as store:
            # fetchall, not fetchone: DuckDB 2 refuses a new query while a result is still open.
            if store.con.execute("SELECT count(*) FROM events").fetchall()[0][0] > max_events:
                return None
            fields = ", ".join(f"{name} := {SHOWN.get(name, name)}" for name in DISPLAY_FIELDS)
            events = _arrow(
                store.con.sql(f"""
                SELECT source, actor1, actor2, quad_class, to_json(struct_pack({fields})) AS json,
                       CAST(date - DATE '1970-01-01' AS INTEGER) AS day, event_code IN ({statements}) AS statement,
                       CAST(goldstein * 10 AS INTEGER) AS tenths, weight
                FROM events ORDER BY date, event_id""")
            )
            exists = store.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'daily_totals'"
            ).fetchall()[0][0]
            totals_sql = (
                "SELECT source, CAST(date - DATE '1970-01-01' AS INTEGER) AS day, events FROM daily_totals"
                if exists
                else "SELECT '' AS source, 0 AS day, CAST(0 AS BIGINT) AS events WHERE FALSE"
            )
            snapshot = cls(events, _arrow(store.con.sql(totals_sql)))
        del events
        # Arrow's allocator keeps the freed query results (~250 MB for a million events) unless told.
        pa.default_memory_pool().release_unused()
        return snapshot

    # -- answers ----------------------------------------------------------------------------------
    def _runs(self, first: str, second: str) -> list[tuple[int, int, int, bool]]:
        """(start, stop, source, statement) of each run of the dyad ``first`` → ``second``."""
        code1, code2 = self.actors.get(first), self.actors.get(second)
        if code1 is None or code2 is None:
            return []
        key = code1 * self.n_actors + code2
        low, high = np.searchsorted(self.run_dyad, [key, key + 1])
        return [
            (int(self.run_bounds[i]), int(self.run_bounds[i + 1]), int(self.run_source[i]), bool(self.run_statement[i]))
            for i in range(low, high)
        ]

    def _source_codes(self, names: tuple[str, ...]) -> list[int]:
        return [self.sources[name] for name in names if name in self.sources]

    def _read_codes(self, selection: Selection) -> set[int]:
        """The codes of the sources ``selection`` reads: none named, every one but the text-coded (design §9)."""
        return {code for name, code in self.sources.items() if selection.reads(name)}

    def series(
        self, actor1: str, actor2: str, selection: Selection, *, undirected: bool = False
    ) -> list[dict[str, Any]]:
        """The rows of ``dyad_series(store, actor1, actor2, selection=selection, undirected=...)``."""
        runs = self._runs(actor1, actor2)
        if undirected and actor1 != actor2:
            runs += self._runs(actor2, actor1)
        chosen = self._chosen_rows(runs, selection)
        step = MONTHS_PER[selection.freq]
        span = self._period_span(chosen, selection, step)
        if span is None:
            return []
        first, last = span
        size = last - first + 1
        # The first day of each period, and of the one after the last: sums between them by subtraction.
        edges = (np.arange(first, last + 2) * step).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
        grid = np.zeros((size, self.prefix.shape[1]), dtype=np.int64)
        for low, high in chosen:
            at = low + np.searchsorted(self.day[low:high], edges, "left")
            totals = self.prefix[at]
            grid += totals[1:] - totals[:-1]
        events, weight, tenths, q1, q2, q3, q4 = grid.T
        # Exact integer tenths, then one correctly rounded division: what DuckDB's DECIMAL sum gives.
        goldstein = tenths / 10.0
        columns: dict[str, Any] = {
            "events": events,
            "weighted_events": weight,
            "goldstein_sum": goldstein,
            "goldstein_mean": np.where(events > 0, goldstein / np.maximum(events, 1), np.nan),
            "q1": q1,
            "q2": q2,
            "q3": q3,
            "q4": q4,
            "cooperation": q1 + q2,
            "conflict": q3 + q4,
        }
        if selection.normalize != "none":
            base = self._base(actor1, selection, first, size)
            scale = np.where(base > 0, 1000.0 / np.maximum(base, 1), np.nan)
            for name in COUNT_COLUMNS:
                columns[name] = np.nan_to_num(columns[name] * scale, nan=0.0)
        labels = [period_label(p, selection.freq) for p in range(first, last + 1)]
        values = [labels] + [columns[name].tolist() for name in SERIES_COLUMNS[1:]]
        # a period without events has no mean: None, as the DuckDB path's rows (finish_rows) have it
        mean = SERIES_COLUMNS.index("goldstein_mean")
        values[mean] = [None if value != value else value for value in values[mean]]
        return [dict(zip(SERIES_COLUMNS, row, strict=True)) for row in zip(*values, strict=True)]

    def _chosen_rows(self, runs: list[tuple[int, int, int, bool]], selection: Selection) -> list[tuple[int, int]]:
        """(low, high) rows of each run that ``selection`` reads (its sources, bare statements or
        not), cut to its days; runs left empty by the cut are dropped."""
        sources = self._read_codes(selection)
        start = day_number(selection.start) if selection.start else None
        end = day_number(selection.end) if selection.end else None
        chosen: list[tuple[int, int]] = []  # rows of the chosen runs within the days
        for low, high, source, statement in runs:
            if source not in sources or (statement and selection.drop_statements):
                continue
            days, begin = self.day[low:high], low
            if start is not None:
                low = begin + int(np.searchsorted(days, start, "left"))
            if end is not None:
                high = begin + int(np.searchsorted(days, end, "right"))
            if low < high:
                chosen.append((low, high))
        return chosen

    def _period_span(self, chosen: list[tuple[int, int]], selection: Selection, step: int) -> tuple[int, int] | None:
        """The first and last period (months since 1970-01 over ``step``) the series shows."""
        # As finish_series: every period from the start's (or the first event's) to the end's (or the
        # last event's); nothing when either end is unknown.
        first = month_of(selection.start) // step if selection.start else None
        last = month_of(selection.end) // step if selection.end else None
        if chosen:
            if first is None:
                first = int(month_number(np.array([min(self.day[low] for low, _ in chosen)]))[0]) // step
            if last is None:
                last = int(month_number(np.array([max(self.day[high - 1] for _, high in chosen)]))[0]) // step
        if first is None or last is None:
            return None
        return first, last

    def _base(self, focus: str, selection: Selection, first: int, size: int) -> Ints:
        """Events per period that ``normalize`` divides by (see :func:`dyadwatch.series._duckdb_volume`)."""
        step = MONTHS_PER[selection.freq]
        wanted = self._read_codes(selection)
        parts: list[tuple[Ints, Ints]] = []
        if selection.normalize == "focus":
            code = self.actors.get(focus, -1)
            actor, source, month = self.actor_month
            low, high = np.searchsorted(actor, [code, code + 1])
            keep = np.isin(source[low:high], list(wanted))
            parts.append((month[low:high][keep], self.actor_month_events[low:high][keep]))
        else:
            covered = {self.sources[name] for name in self.covered}
            source, month = self.source_month
            keep = np.isin(source, list(wanted - covered))
            parts.append((month[keep], self.source_month_events[keep]))
            source, month = self.totals_month
            keep = np.isin(source, list(wanted & covered))
            parts.append((month[keep], self.totals_events[keep]))
        base = np.zeros(size, dtype=np.int64)
        for months, counts in parts:
            offset = months // step - first
            inside = (offset >= 0) & (offset < size)
            base += np.bincount(offset[inside], weights=counts[inside], minlength=size).astype(np.int64)
        return base

    def events(
        self,
        *,
        actor: str | None = None,
        partner: str | None = None,
        sources: tuple[str, ...] = (),
        start: str | None = None,
        end: str | None = None,
        limit: int = 100,
    ) -> list[bytes]:
        """The rows of ``Store.events(...)`` (the fields the API shows) as JSON objects, oldest first."""
        if actor is not None:
            code = self.actors.get(actor)
            if code is None or (partner is not None and partner not in self.actors):
                return []
            if partner is not None:
                other = self.actors[partner]
                positions, days = self.by_dyad.find(min(code, other) * self.n_actors + max(code, other))
            else:
                positions, days = self.by_actor.find(code)
        else:
            positions, days = np.arange(self.count, dtype=np.int64), self.all_days
        low = int(np.searchsorted(days, day_number(start), "left")) if start else 0
        high = int(np.searchsorted(days, day_number(end), "right")) if end else len(days)
        chosen = positions[low:high]
        read = Selection(sources=sources)  # none named: every source but the text-coded (design §9)
        chosen = chosen[np.isin(self.event_source[chosen], sorted(self._read_codes(read)))]
        return [self.rendered[position] for position in chosen[:limit].tolist()]


def _arrow(relation: Any) -> pa.Table:
    """A DuckDB relation as one Arrow table in one chunk (``take`` on many chunks is slow)."""
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow  # DuckDB 2 renamed it
    table = fetch()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    return table.combine_chunks()


class Snapshots:
    """The current :class:`StoreSnapshot` of one store, read again when the file changes."""

    def __init__(self, path: Path, max_events: int = MAX_EVENTS_IN_MEMORY) -> None:
        self.path = path
        self.max_events = max_events
        self._lock = threading.Lock()
        self._current: tuple[tuple[tuple[int, int] | None, ...], StoreSnapshot | None] | None = None

    def fresh(self) -> tuple[bool, StoreSnapshot | None]:
        """(True, the snapshot) when it matches the file now (None: too large to keep); else (False, None)."""
        current = self._current
        if current is not None and current[0] == fingerprint(self.path):
            return True, current[1]
        return False, None

    def get(self) -> StoreSnapshot | None:
        """The snapshot, read first if the file changed (blocking: call from a worker thread)."""
        with self._lock:
            stamp = fingerprint(self.path)
            current = self._current
            if current is not None and current[0] == stamp:
                return current[1]
            snapshot = StoreSnapshot.read(self.path, self.max_events)
            self._current = (stamp, snapshot)
            return snapshot
