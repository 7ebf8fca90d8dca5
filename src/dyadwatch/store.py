"""The event store: one DuckDB file with the tables of design §3 (the persistence layer, design §6).

It connects, creates the schema, runs a write in one transaction (:func:`atomic`) and reads the
tables back; it imports nothing above it (no ingest, query or analysis module). The verbs that
load files or build series (``ingest``, ``series``, ``search_texts`` …) are on
:class:`dyadwatch.api.Store`, the ``Store`` that :func:`dyadwatch.open` returns.

Open it with :func:`dyadwatch.open` (or :meth:`Store.open`). A store opened for writing holds
DuckDB's file lock, so a second writer gets a :class:`~dyadwatch.errors.StoreLockedError` with
one clear line instead of DuckDB's message.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import duckdb
import platformdirs

from dyadwatch.errors import StoreError, StoreLockedError, UsageError
from dyadwatch.schema import DDL, EVENT_COLUMNS

if TYPE_CHECKING:  # pandas loads on first use: opening a store needs none
    import pandas as pd

ExportFormat = Literal["csv", "json", "parquet"]


def default_path() -> Path:
    """``$DYADWATCH_DB`` if set, else ``events.duckdb`` in the user data directory."""
    env = os.environ.get("DYADWATCH_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("dyadwatch")) / "events.duckdb"


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise StoreError(f"{path}: no event store here yet; run `dyadwatch demo` or `dyadwatch ingest FILES`")
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            raise StoreLockedError(path, f"PID {pid.group(1)}" if pid else "") from None
        raise StoreError(f"{path}: cannot open the event store ({text.splitlines()[0]})") from None
    except duckdb.Error as exc:
        raise StoreError(f"{path}: not a dyadwatch store or damaged ({str(exc).splitlines()[0]})") from None


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction around the block: COMMIT when it ends, ROLLBACK when anything is raised in it
    (Ctrl-C included), the exception passed on.

    Every write of more than one statement goes through it (design §3: after a crash or an interrupt
    a file is either fully loaded or absent). A ROLLBACK after DuckDB has already ended the
    transaction (a failed COMMIT does) is skipped, so the original error is the one raised.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("ROLLBACK")
        raise


@contextmanager
def dates_as_usage_errors() -> Iterator[None]:
    """A --from/--to date DuckDB cannot read is the user's to fix: a usage error, one line."""
    try:
        yield
    except duckdb.ConversionException as exc:
        raise UsageError(f"bad date: {str(exc).splitlines()[0]} (use YYYY-MM-DD)") from None


class Store:
    """A dyadwatch event store (DuckDB file). Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, memory_limit: str = "1GB") -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.read_only = read_only
        #: This object made the file (it was not there before). With :attr:`discard_if_empty` set (a
        #: load was tried), a store it closes without a single load in it is removed again: a first
        #: ingest whose files all failed leaves no empty store behind (an interrupted one keeps it).
        self.created = not read_only and not self.path.exists()
        self.discard_if_empty = False
        self.con = _connect(self.path, read_only)
        # A bounded memory budget: DuckDB spills to disk beyond it, so a 2 GB input file loads in
        # well under 2 GB of RAM.
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        # DuckDB draws its own progress bar on stdout for a query over 2 s, which would corrupt
        # `--output json`; the ingest reads the progress itself (query_progress) for its own bar.
        self.con.execute("SET enable_progress_bar_print = false")
        if not read_only:
            self.con.execute(DDL)

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Self:
        return cls(path, read_only=read_only)

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        discard = self.created and self.discard_if_empty and self._nothing_loaded()
        self.con.close()
        if discard:
            for made in (self.path, self.path.with_name(self.path.name + ".wal")):
                made.unlink(missing_ok=True)

    def _nothing_loaded(self) -> bool:
        try:
            row = self.con.execute("SELECT count(*) FROM loads").fetchone()
        except duckdb.Error:  # a connection already closed, or a broken one: keep the file
            return False
        return row is not None and int(row[0]) == 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:  # an interrupted or crashed load keeps its store, as a kill -9 would
            self.discard_if_empty = False
        self.close()

    def require_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it without read_only to load data")

    @property
    def workdir(self) -> Path:
        """Scratch space for decompressed files, beside the store (cleaned at each ingest)."""
        return self.path.with_name(self.path.name + ".ingest-tmp")

    # -- reading ----------------------------------------------------------------------------
    def events(
        self,
        *,
        source: str | Sequence[str] | None = None,
        start: str | None = None,
        end: str | None = None,
        actor: str | None = None,
        partner: str | None = None,
        limit: int | None = None,
        exclude: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Events as a DataFrame with the columns of design §3, oldest first (``exclude``: sources left
        out, e.g. a selection's :attr:`~dyadwatch.selection.Selection.excluded_sources`)."""
        sql, params = self._events_query(
            source=source, start=start, end=end, actor=actor, partner=partner, limit=limit, exclude=exclude
        )
        with dates_as_usage_errors():
            return self.con.execute(sql, params).df()

    @staticmethod
    def _events_query(
        *,
        source: str | Sequence[str] | None = None,
        start: str | None = None,
        end: str | None = None,
        actor: str | None = None,
        partner: str | None = None,
        limit: int | None = None,
        exclude: Sequence[str] = (),
    ) -> tuple[str, list[Any]]:
        """The SELECT behind :meth:`events` and :meth:`export_events`, with its parameters."""
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if source:
            names = [source] if isinstance(source, str) else list(source)
            where.append(f"source IN ({', '.join('?' for _ in names)})")
            params += names
        if exclude:
            where.append(f"source NOT IN ({', '.join('?' for _ in exclude)})")
            params += list(exclude)
        if start:
            where.append("date >= CAST(? AS DATE)")
            params.append(start)
        if end:
            where.append("date <= CAST(? AS DATE)")
            params.append(end)
        if actor and partner:
            where.append("((actor1 = ? AND actor2 = ?) OR (actor1 = ? AND actor2 = ?))")
            params += [actor, partner, partner, actor]
        elif actor:
            where.append("(actor1 = ? OR actor2 = ?)")
            params += [actor, actor]
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE {' AND '.join(where)} ORDER BY date, event_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def export_events(self, out: str | Path, fmt: ExportFormat, **filters: Any) -> int:
        """Write events to ``out`` as CSV, JSON (records) or Parquet; returns the row count.

        Parquet keeps the types of design §3 (``date`` a DATE, ``quad_class`` a TINYINT, empty
        columns still typed), which Spark and other readers rely on, and is written in batches
        so that a large store exports in bounded memory.
        """
        target = Path(out)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            sql, params = self._events_query(**filters)
            with dates_as_usage_errors():
                relation = self.con.sql(sql, params=params)
                # Newer DuckDB releases call it to_arrow_reader; older ones fetch_record_batch.
                reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
                batches = reader(100_000)
            rows = 0
            with pq.ParquetWriter(target, batches.schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
                    rows += batch.num_rows
            return rows
        frame = self.events(**filters)
        if fmt == "csv":
            frame.to_csv(target, index=False)
        elif fmt == "json":
            frame.to_json(target, orient="records", date_format="iso", indent=1)
        else:
            raise UsageError(f"unknown export format {fmt!r}: use csv, json or parquet")
        return len(frame)

    def loads(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM loads ORDER BY load_id").df()

    def rejects(self, load_id: int | None = None) -> pd.DataFrame:
        sql = "SELECT r.*, l.file FROM rejects r JOIN loads l USING (load_id)"
        if load_id is not None:
            return self.con.execute(sql + " WHERE load_id = ? ORDER BY line", [load_id]).df()
        return self.con.execute(sql + " ORDER BY load_id, line").df()

    def count(self, source: str | None = None) -> int:
        row = (
            self.con.execute("SELECT count(*) FROM events WHERE source = ?", [source]).fetchone()
            if source
            else self.con.execute("SELECT count(*) FROM events").fetchone()
        )
        return int(row[0]) if row else 0

    def partners(self, focus: str = "PRK", min_events: int = 1) -> list[str]:
        """Partners of ``focus`` in dyadic events, most events first: of every source but the
        text-coded ones, as a selection that names no source (design §9)."""
        from dyadwatch.schema import TEXT_CODED_SOURCES

        left_out = ", ".join("?" for _ in TEXT_CODED_SOURCES)
        rows = self.con.execute(
            f"""SELECT partner, count(*) n FROM (
                   SELECT CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner FROM events
                   WHERE (actor1 = ? OR actor2 = ?) AND actor1 IS NOT NULL AND actor2 IS NOT NULL
                     AND actor1 <> actor2 AND source NOT IN ({left_out}))
               GROUP BY partner HAVING count(*) >= ? ORDER BY n DESC, partner""",
            [focus, focus, focus, *TEXT_CODED_SOURCES, min_events],
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- engines ----------------------------------------------------------------------------
    def ibis(self) -> Any:
        """The events table as an Ibis table over this store's DuckDB connection."""
        import ibis

        return ibis.duckdb.from_connection(self.con).table("events")
