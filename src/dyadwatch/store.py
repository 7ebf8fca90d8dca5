"""The event store: one DuckDB file with the tables of design §3.

Open it with :func:`dyadwatch.open` (or :meth:`Store.open`). A store opened for writing holds
DuckDB's file lock, so a second writer gets a :class:`~dyadwatch.errors.StoreLockedError` with
one clear line instead of DuckDB's message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import platformdirs

from dyadwatch.errors import StoreError, StoreLockedError, UsageError
from dyadwatch.schema import DDL, EVENT_COLUMNS

if TYPE_CHECKING:  # pandas and the ingest pipeline load on first use: reading a series needs neither
    import pandas as pd

    from dyadwatch.ingest.pipeline import LoadReport, ProgressHook

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
def _dates_as_usage_errors() -> Iterator[None]:
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
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Store:
        return cls(path, read_only=read_only)

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only; open it without read_only to load data")

    @property
    def workdir(self) -> Path:
        """Scratch space for decompressed files, beside the store (cleaned at each ingest)."""
        return self.path.with_name(self.path.name + ".ingest-tmp")

    # -- loading ----------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[str | Path],
        *,
        format: str = "auto",
        focus: str = "PRK",
        dedupe: bool = False,
        mapping: str | None = None,
        date_format: str = "%Y-%m-%d",
        check_all_rows: bool = False,
        on_file: Callable[[Path], ProgressHook | None] | None = None,
        on_done: Callable[[LoadReport], None] | None = None,
    ) -> list[LoadReport]:
        """Load event files (GDELT 1.0/2.0, ICEWS, POLECAT, CSV with ``mapping``); one report per file.

        A file that cannot be read is reported with status ``failed`` and the others still load.
        By default GDELT rows that cannot involve ``focus`` are counted without being parsed (see
        :class:`~dyadwatch.ingest.source.FocusFilter`); ``check_all_rows=True`` parses and
        validates every row, so malformed rows between other countries are rejected too.
        """
        from dyadwatch.ingest.pipeline import load_many
        from dyadwatch.ingest.source import clean_workdir

        self._writable()
        clean_workdir(self.workdir)
        try:
            return load_many(
                self.con,
                [Path(p) for p in paths],
                workdir=self.workdir,
                on_file=on_file,
                on_done=on_done,
                fmt=format,
                focus=focus,
                dedupe=dedupe,
                mapping=mapping,
                date_format=date_format,
                check_all_rows=check_all_rows,
            )
        finally:
            clean_workdir(self.workdir)
            self.workdir.rmdir()

    def load_frame(self, records: pd.DataFrame, *, label: str, sha256: str, fmt: str, focus: str = "ALL") -> LoadReport:
        """Load rows already in memory (the bundled datasets) with the same accounting as files."""
        from dyadwatch.ingest.pipeline import load_records, register_lookups

        self._writable()
        register_lookups(self.con)
        return load_records(self.con, records, label=label, sha256=sha256, fmt=fmt, focus=focus)

    def ingest_indicators(
        self, paths: Sequence[str | Path], *, format: str = "auto", focus: str = "PRK"
    ) -> list[LoadReport]:
        """Load UN roll calls (``unvotes``) or Comtrade-style trade (``comtrade``) into ``indicators``
        (design §11; see :mod:`dyadwatch.ingest.indicators`); one report per file."""
        from dyadwatch.ingest.indicators import load_indicators

        self._writable()
        return load_indicators(self.con, paths, fmt=format, focus=focus)

    def ingest_texts(
        self,
        paths: Sequence[str | Path],
        *,
        format: str = "auto",
        mapping: str | None = None,
        collection: str | None = None,
    ) -> list[LoadReport]:
        """Load texts (KCNA JSON, CSV with ``mapping``, a folder of .txt files) into ``texts``
        (design §10; see :mod:`dyadwatch.ingest.texts`); one report per file or folder."""
        from dyadwatch.ingest.texts import load_texts

        self._writable()
        return load_texts(self.con, paths, fmt=format, mapping=mapping, collection=collection)

    def search_texts(
        self,
        query: str,
        *,
        start: str | None = None,
        end: str | None = None,
        partner: str | None = None,
        limit: int = 20,
    ) -> pd.DataFrame:
        """Texts containing every word of ``query`` (see :func:`dyadwatch.analysis.rhetoric.search_texts`)."""
        from dyadwatch.analysis.rhetoric import search_texts

        with _dates_as_usage_errors():
            found = search_texts(self.con, query, start=start, end=end, partner=partner, limit=limit)
        return self._with_coding(found)

    def _with_coding(self, found: pd.DataFrame) -> pd.DataFrame:
        """``found`` with a ``coding`` column when texts were coded (``code-texts``): "coded: N
        events", "no event: why" or "uncoded: why", so a text that gave no event shows its reason."""
        known = self.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'texts_coding'").fetchone()
        if found.empty or not known or not known[0]:
            return found
        ids = list(found["text_id"])
        rows = self.con.execute(
            f"SELECT text_id, status, reason, events FROM texts_coding WHERE text_id IN ({', '.join('?' * len(ids))})",
            ids,
        ).fetchall()
        if not rows:
            return found
        words = {"coded": "coded", "no_event": "no event", "uncoded": "uncoded"}
        label: dict[str, str] = {
            text_id: f"coded: {events} event{'s' * (events != 1)}"
            if status == "coded"
            else f"{words.get(status, status)}: {reason}"
            for text_id, status, reason, events in rows
        }
        return found.assign(coding=[label.get(text_id, "") for text_id in ids])

    # -- reading ----------------------------------------------------------------------------
    def indicators(
        self, focus: str = "PRK", *, names: Sequence[str] | None = None, partners: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Rows of the ``indicators`` table for ``focus`` (design §11), by name, partner and year."""
        from dyadwatch.ingest.indicators import indicator_rows

        return indicator_rows(self.con, focus.upper(), names=names, partners=partners)

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
        with _dates_as_usage_errors():
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
            with _dates_as_usage_errors():
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

    # -- series -----------------------------------------------------------------------------
    def series(self, actor1: str, actor2: str, freq: str = "M", **options: Any) -> pd.DataFrame:
        """The dyad series ``actor1`` → ``actor2`` (see :func:`dyadwatch.series.dyad_series`)."""
        from dyadwatch.series import dyad_series

        return dyad_series(self, actor1, actor2, freq=freq, **options)

    def ibis(self) -> Any:
        """The events table as an Ibis table over this store's DuckDB connection."""
        import ibis

        return ibis.duckdb.from_connection(self.con).table("events")


def open(path: str | Path | None = None, *, read_only: bool = False) -> Store:  # noqa: A001
    """Open (creating if needed) the event store at ``path`` (default: :func:`default_path`)."""
    return Store(path, read_only=read_only)
