"""Load files into the event store: each file whole or not at all, every row accounted for.

For each file: check and (when compressed) decompress it while counting its lines; skip it if a
load with the same sha256 finished before; read it with DuckDB's parallel CSV reader into a
staging table (rows of the focus country only, plus flagged rows); file the malformed rows in
``rejects`` with their line numbers; drop event ids already stored (and, with ``dedupe``, GDELT's
re-emitted copies); insert the rest; write the ``loads`` row; commit. A crash or Ctrl-C before
the commit leaves the file absent and every earlier file intact (DuckDB rolls back the open
transaction, on restart from its write-ahead log). GDELT files ready one after another share
a transaction (:func:`_load_together`): both are then absent.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from dyadwatch.codebook import cameo_codes, countries
from dyadwatch.errors import DyadwatchError, InputError, UsageError
from dyadwatch.ingest import readers
from dyadwatch.ingest.formats import FORMATS, detect_format, gdelt_version
from dyadwatch.ingest.source import PreparedFile, clean_workdir, keep_freed_blocks, prepare, release
from dyadwatch.store import atomic

if TYPE_CHECKING:
    import pyarrow as pa

    from dyadwatch.store import Store

DEDUPE_RULE = "same date, actor1, actor2, event_code and reference (source URL)"


@dataclass
class LoadReport:
    """What happened to one file. ``rows_read`` always equals the sum of the other row counts."""

    file: str
    format: str
    status: str  # "loaded", "already loaded", "failed"
    rows_read: int = 0
    rows_kept: int = 0
    rows_outside_focus: int = 0
    rows_duplicate: int = 0
    rows_reemitted: int = 0
    rows_rejected: int = 0
    #: Rows left out on purpose (not bad rows, so not in ``rejects``), with a reason per kind in ``skipped``.
    rows_skipped: int = 0
    load_id: int | None = None
    sha256: str | None = None
    error: str | None = None
    seconds: float = 0.0
    reject_examples: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, rows: int = 1) -> None:
        """Count ``rows`` left out on purpose for ``reason`` (said in the load summary)."""
        self.rows_skipped += rows
        self.skipped[reason] = self.skipped.get(reason, 0) + rows

    @property
    def reconciles(self) -> bool:
        accounted = (
            self.rows_kept
            + self.rows_outside_focus
            + self.rows_duplicate
            + self.rows_reemitted
            + self.rows_rejected
            + self.rows_skipped
        )
        return self.rows_read == accounted

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ProgressHook = Callable[[str, float], None]  # (phase, fraction done 0..1)


def register_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary lookup tables the reader SQL joins: CAMEO codes, country aliases, quad enum."""
    with contextlib.suppress(duckdb.CatalogException):  # already defined in this store
        con.execute("CREATE TYPE dw_quad AS ENUM ('1', '2', '3', '4')")
    cameo = pd.DataFrame(
        [(c.code, c.name, c.goldstein, c.quad_class) for c in cameo_codes().values()],
        columns=["code", "name", "goldstein", "quad_class"],
    )
    aliases = pd.DataFrame(
        [(alias.lower(), c.code) for c in countries().values() for alias in (c.code, c.name, *c.aliases)],
        columns=["alias", "code"],
    ).drop_duplicates("alias")
    from dyadwatch.codebook.plover import plover_rows

    plover = pd.DataFrame(plover_rows(), columns=["category", "mode", "quad", "score"])
    con.register("dw_plover_df", plover)
    con.execute("CREATE OR REPLACE TEMP TABLE dw_plover AS SELECT * FROM dw_plover_df")
    con.unregister("dw_plover_df")
    con.register("dw_cameo_df", cameo)
    con.register("dw_aliases_df", aliases)
    con.execute("CREATE OR REPLACE TEMP TABLE dw_cameo AS SELECT * FROM dw_cameo_df")
    con.execute("CREATE OR REPLACE TEMP TABLE dw_aliases AS SELECT * FROM dw_aliases_df")
    con.unregister("dw_cameo_df")
    con.unregister("dw_aliases_df")


def _focus_condition(focus: str) -> str:
    if focus.upper() == "ALL":
        return "TRUE"
    code = focus.upper().replace("'", "")
    return f"(actor1 = '{code}' OR actor2 = '{code}')"


def _watch_progress(con: duckdb.DuckDBPyConnection, hook: ProgressHook | None) -> Callable[[], None]:
    """Poll DuckDB's query progress from a second thread while a long statement runs."""
    if hook is None:
        return lambda: None
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            try:
                done = con.query_progress()
            except duckdb.Error:
                continue
            if done is not None and done >= 0:
                hook("parsing", min(done / 100.0, 1.0))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()

    def finish() -> None:
        stop.set()
        thread.join()
        hook("parsing", 1.0)

    return finish


def _locate_lines(prepared: PreparedFile, reader: readers.ReaderSQL, keys: set[str]) -> dict[str, tuple[int, str]]:
    """Find the line number and text of rows flagged in SQL, by their identifying fields.

    Only runs when a file has such rows (rare), so a plain pass in Python is fine.
    """
    found: dict[str, tuple[int, str]] = {}
    with prepared.plain.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if reader.header and number == 1:
                continue
            text = raw.decode(reader.encoding, errors="replace").rstrip("\r\n")
            fields = next(csv.reader(io.StringIO(text), delimiter=reader.delimiter), [])
            key = "\x1f".join(fields[i] if i < len(fields) else "" for i in reader.key_columns)
            if key in keys and key not in found:
                found[key] = (prepared.original_line(number) or number, text[:2000])
                if len(found) == len(keys):
                    break
    return found


def _stage(con: duckdb.DuckDBPyConnection, select: str, focus: str, *, materialise: bool) -> str:
    """The staged rows: those of ``select`` in the focus, and every row with a ``problem``.

    Returns a subquery for the FROM clauses of :func:`_finish_load`. Over a registered in-memory
    table (parsed GDELT fields, the bundled records) it is the query itself, run again by each of
    the few statements that read it: that costs less than copying the rows, and, unlike a view,
    needs no statement of its own (planning a view over this query took ~7-13 ms a file). Rows
    read from a file by DuckDB's CSV reader are kept in a table (``dw_stage_rows``), read once.
    """
    rows = f"SELECT * FROM ({select}) AS r WHERE {_focus_condition(focus)} OR problem IS NOT NULL"
    if materialise:
        con.execute(f"CREATE OR REPLACE TEMP TABLE dw_stage_rows AS {rows}")
        rows = "SELECT * FROM dw_stage_rows"
    return f"({rows})"


def _stage_parsed(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, version: int, focus: str) -> str:
    """Stage the fields pyarrow split in the preparing thread (whose types all convert:
    :func:`readers.fields_convert`), typed as DuckDB's reader types them.

    ``dw_parsed`` stays registered for the load's later queries; :func:`load_prepared` drops it.
    """
    con.register("dw_parsed", prepared.parsed)
    return _stage(con, readers.gdelt_parsed("dw_parsed", version).select, focus, materialise=False)


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    reader: readers.ReaderSQL,
    focus: str,
    hook: ProgressHook | None,
    fmt: str = "",
) -> tuple[str, int]:
    """Stage the file's rows (:func:`_stage`); returns them and the number of rows DuckDB rejected."""
    version = gdelt_version(fmt)
    if prepared.parsed is not None and version is not None:
        return _stage_parsed(con, prepared, version, focus), 0
    con.execute("DROP TABLE IF EXISTS dw_reject_errors")
    con.execute("DROP TABLE IF EXISTS dw_reject_scans")
    finish = _watch_progress(con, hook)
    try:
        stage = _stage(con, reader.select, focus, materialise=True)
    finally:
        finish()
    # One rejected line can carry several errors; keep the first per line.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dw_rejected AS
        SELECT line, first(error_type || ' in column ' || coalesce(column_name, '?') || ': ' || error_message
                           ORDER BY column_idx) AS reason,
               first(left(ltrim(csv_line, chr(10) || chr(13)), 2000)) AS raw
        FROM dw_reject_errors GROUP BY line
    """)
    if prepared.line_map is not None:
        # The scratch copy holds only the focus country's lines: report original line numbers.
        rows = con.execute("SELECT line, reason, raw FROM dw_rejected").fetchall()
        if rows:
            con.execute("DELETE FROM dw_rejected")
            con.executemany(
                "INSERT INTO dw_rejected VALUES (?, ?, ?)",
                [(prepared.original_line(line), reason, raw) for line, reason, raw in rows],
            )
    row = con.execute("SELECT count(*) FROM dw_rejected").fetchone()
    return stage, int(row[0]) if row else 0


def _finish_load(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    load_id: int,
    report: LoadReport,
    dedupe: bool,
    problem_lines: Callable[[set[str]], dict[str, tuple[int, str]]] | None,
    reader_rejects: int,
    ids_unique: bool = False,
    id_range: tuple[int, int] | None = None,
) -> None:
    """From the ``stage``d rows (and ``dw_rejected``, holding ``reader_rejects`` rows; with none, the
    table need not exist), file rejects and insert the new events. ``ids_unique`` (the staged event
    ids do not repeat) and ``id_range`` (they lie in this range of GDELT numbers) come from the
    preparing thread when it counted them; otherwise they are counted here."""
    # GDELT ids are numbers (event_id "gdelt2:<GLOBALEVENTID>"): their range decides below whether
    # any stored id can be among them.
    numeric_ids = gdelt_version(report.format) is not None
    staged_rows, flagged, distinct_ids, id_min, id_max = _stage_counts(con, stage, numeric_ids, ids_unique, id_range)
    _file_stage_rejects(con, stage, load_id, report, flagged, problem_lines, reader_rejects)
    # Duplicates: an event id repeated in the file, or already in the store from an earlier load.
    # The anti join reads every stored id; it is left out when the store cannot hold any of these.
    stored = "ANTI JOIN events AS e ON e.event_id = s.event_id"
    if numeric_ids and not _ids_may_be_stored(con, report.format, id_min, id_max):
        stored = ""
    new_events = f"""
        SELECT s.* EXCLUDE (problem, row_key) FROM {stage} AS s
        {stored}
        WHERE s.problem IS NULL
    """
    if distinct_ids < staged_rows:  # an id repeated in the file: keep its first row (by date)
        # Only then: the window carries every column of every row, a fifth of the insert's cost.
        new_events += " QUALIFY row_number() OVER (PARTITION BY s.event_id ORDER BY s.date) = 1"
    if not dedupe:
        # Straight into the store (one pass; DuckDB returns the rows inserted): the new rows are
        # not needed again, and writing them to a temporary table first costs as much as the insert.
        insert = f"INSERT INTO events SELECT *, {load_id} AS load_id FROM ({new_events})"
        ((inserted,),) = con.execute(insert).fetchall()
        report.rows_kept = int(inserted)
        report.rows_duplicate = staged_rows - report.rows_kept
    else:
        _insert_deduplicated(con, new_events, load_id, report, staged_rows)
    report.rows_outside_focus = (
        report.rows_read
        - report.rows_kept
        - report.rows_duplicate
        - report.rows_reemitted
        - report.rows_rejected
        - report.rows_skipped
    )
    if numeric_ids:
        _record_id_ranges(con, [(report, id_min, id_max)])


def _stage_counts(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    numeric_ids: bool,
    ids_unique: bool,
    id_range: tuple[int, int] | None,
) -> tuple[int, int, int, int | None, int | None]:
    """(good rows, flagged rows, distinct good ids, lowest and highest GDELT number) of the stage, in
    one query; what the preparing thread counted already (``ids_unique``, ``id_range``) is not
    counted again."""
    distinct = "NULL" if ids_unique else "count(DISTINCT event_id) FILTER (problem IS NULL)"
    number = "TRY_CAST(split_part(event_id, ':', 2) AS BIGINT)"
    numbers = (
        f"min({number}) FILTER (problem IS NULL), max({number}) FILTER (problem IS NULL)"
        if numeric_ids and id_range is None
        else "NULL, NULL"
    )
    ((staged_rows, flagged, distinct_ids, id_min, id_max),) = con.execute(
        "SELECT count(*) FILTER (problem IS NULL), count(*) FILTER (problem IS NOT NULL),"
        f" {distinct}, {numbers} FROM {stage}"
    ).fetchall()
    if ids_unique:
        distinct_ids = staged_rows
    if numeric_ids and id_range is not None:
        id_min, id_max = id_range
    return staged_rows, flagged, distinct_ids, id_min, id_max


def _file_stage_rejects(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    load_id: int,
    report: LoadReport,
    flagged: int,
    problem_lines: Callable[[set[str]], dict[str, tuple[int, str]]] | None,
    reader_rejects: int,
) -> None:
    """File the reader's rejects and the staged rows flagged with a problem (each at its line, when
    ``problem_lines`` finds it) in ``rejects``, and count them with examples in ``report``."""
    problems = (
        con.execute(f"SELECT row_key, problem FROM {stage} WHERE problem IS NOT NULL").fetchall() if flagged else []
    )
    if problems:
        if not reader_rejects:
            # Created only here, when needed: most loads have no rejects, and creating a table
            # for each of them cost ~1 ms a file and a change to the catalog (make bench).
            con.execute("CREATE OR REPLACE TEMP TABLE dw_rejected (line BIGINT, reason VARCHAR, raw VARCHAR)")
        located = problem_lines({str(key) for key, _ in problems}) if problem_lines else {}
        con.executemany(
            "INSERT INTO dw_rejected VALUES (?, ?, ?)",
            [
                (located.get(str(key), (None, None))[0], problem, located.get(str(key), (None, str(key)))[1])
                for key, problem in problems
            ],
        )
    examples = []
    if reader_rejects or problems:  # most files have none: two statements fewer
        con.execute(f"INSERT INTO rejects SELECT {load_id}, line, reason, raw FROM dw_rejected")
        examples = con.execute(
            "SELECT line, reason, count(*) OVER () FROM dw_rejected ORDER BY line NULLS LAST LIMIT 5"
        ).fetchall()
    report.rows_rejected = int(examples[0][2]) if examples else 0
    report.reject_examples = [f"line {line}: {reason}" for line, reason, _ in examples]


def _insert_deduplicated(
    con: duckdb.DuckDBPyConnection, new_events: str, load_id: int, report: LoadReport, staged_rows: int
) -> None:
    """Insert the ``new_events`` less GDELT's re-emitted copies (``--dedupe``), counting both in ``report``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE dw_new AS {new_events}")
    ((new_rows,),) = con.execute("SELECT count(*) FROM dw_new").fetchall()
    report.rows_duplicate = staged_rows - int(new_rows)
    # GDELT re-emits some events under new ids. Keep the lowest id of each group of rows with
    # the same day, actors, event code and source URL, here or already stored.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dw_new AS
        SELECT n.* FROM dw_new AS n
        ANTI JOIN events AS e
          ON e.source = n.source AND e.date = n.date AND e.event_code = n.event_code
         AND e.actor1 IS NOT DISTINCT FROM n.actor1 AND e.actor2 IS NOT DISTINCT FROM n.actor2
         AND e.reference IS NOT DISTINCT FROM n.reference
        QUALIFY row_number() OVER (
            PARTITION BY n.date, n.actor1, n.actor2, n.event_code, n.reference ORDER BY n.event_id) = 1
    """)
    ((kept,),) = con.execute("SELECT count(*) FROM dw_new").fetchall()
    report.rows_reemitted = int(new_rows) - int(kept)
    report.rows_kept = int(kept)
    con.execute(f"INSERT INTO events SELECT *, {load_id} AS load_id FROM dw_new")


def _ids_may_be_stored(con: duckdb.DuckDBPyConnection, source: str, id_min: int | None, id_max: int | None) -> bool:
    """Whether an earlier load of ``source`` may hold an id in ``id_min..id_max``: its stored range
    overlaps, or it has none (a store from before ``load_id_ranges``). GDELT numbers its events in
    the order it codes them, so the files of a sync do not overlap, and the check replaces a scan
    of every stored id by a look at one row per load."""
    if id_min is None or id_max is None:
        return False  # nothing to insert
    ((overlapping,),) = con.execute(
        """SELECT count(*) FROM loads AS l LEFT JOIN load_id_ranges AS r USING (load_id)
           WHERE l.format = ? AND (r.load_id IS NULL OR (r.id_min <= ? AND r.id_max >= ?))""",
        [source, id_max, id_min],
    ).fetchall()
    return bool(overlapping)


def _record_id_ranges(
    con: duckdb.DuckDBPyConnection, loads: Sequence[tuple[LoadReport, int | None, int | None]]
) -> None:
    """The ``load_id_ranges`` rows of GDELT loads, each with the lowest and highest event number
    it staged, in one INSERT: NULLs for a load that inserted no event (schema.py says why the row
    must be written by whatever inserts GDELT events)."""
    values: list[Any] = []
    for report, id_min, id_max in loads:
        kept = report.rows_kept > 0
        values += [report.load_id, report.format, id_min if kept else None, id_max if kept else None]
    con.execute(f"INSERT INTO load_id_ranges VALUES {', '.join(['(?, ?, ?, ?)'] * len(loads))}", values)


def record_load(
    con: duckdb.DuckDBPyConnection, report: LoadReport, focus: str, dedupe: bool, started: datetime
) -> None:
    _record_loads(con, [(report, started)], focus, dedupe)


def _record_loads(
    con: duckdb.DuckDBPyConnection, loads: Sequence[tuple[LoadReport, datetime]], focus: str, dedupe: bool
) -> None:
    """The ``loads`` rows of these reports (each with when its file's load started), in one INSERT."""
    values = []
    for report, started in loads:
        values += [
            report.load_id,
            report.file,
            report.sha256,
            report.format,
            focus.upper(),
            dedupe,
            report.rows_read,
            report.rows_kept,
            report.rows_outside_focus,
            report.rows_duplicate,
            report.rows_reemitted,
            report.rows_rejected,
            started,
            datetime.now(),
            report.rows_skipped,
        ]
    row = "(" + ", ".join(["?"] * 15) + ")"
    columns = (
        "load_id, file, sha256, format, focus, dedupe, rows_read, rows_kept, rows_outside_focus, rows_duplicate, "
        "rows_reemitted, rows_rejected, started, finished, rows_skipped"
    )
    con.execute(f"INSERT INTO loads ({columns}) VALUES {', '.join([row] * len(loads))}", values)


def _record_days(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[PreparedFile, int]], fmt: str) -> None:
    """Keep each GDELT file's rows per day (all rows, whatever the focus) in ``daily_totals``, with
    its load id, in one INSERT."""
    if gdelt_version(fmt) is None:
        return
    dates, counts, load_ids = [], [], []
    for prepared, load_id in files:
        for day, count in (prepared.day_counts or {}).items():
            try:
                dates.append(date(day // 10000, day // 100 % 100, day % 100))
            except ValueError:
                continue  # not a date: the row itself is rejected or outside the focus
            counts.append(count)
            load_ids.append(load_id)
    if dates:  # one INSERT from an Arrow table: executemany costs a round trip per day (hundreds per file)
        import pyarrow as pa

        days = pa.table(
            {
                "date": pa.array(dates, pa.date32()),
                "events": pa.array(counts, pa.int64()),
                "load_id": pa.array(load_ids, pa.int32()),
            }
        )
        con.register("dw_days", days)
        try:
            # A day whose total GDELT published (sync, load_id 0) is whole already: not added to.
            con.execute(
                """INSERT INTO daily_totals SELECT ?, d.date, d.events, d.load_id FROM dw_days AS d
                           ANTI JOIN (SELECT date FROM daily_totals WHERE source = ? AND load_id = 0) AS p
                           ON p.date = d.date""",
                [fmt, fmt],
            )
        finally:
            con.unregister("dw_days")


def _any_loaded(con: duckdb.DuckDBPyConnection, sha256s: Sequence[str]) -> bool:
    """Whether a file with any of these contents was loaded before."""
    marks = ", ".join(["?"] * len(sha256s))
    ((found,),) = con.execute(f"SELECT count(*) FROM loads WHERE sha256 IN ({marks})", list(sha256s)).fetchall()
    return bool(found)


def _already_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[Any, ...] | None:
    """The first load (lowest ``load_id``) of a file with this content, or None."""
    # min() over the rows, not ORDER BY ... LIMIT 1: DuckDB's top-N costs ~0.6 ms a file more.
    rows = con.execute("SELECT load_id, file, format FROM loads WHERE sha256 = ?", [sha256]).fetchall()
    return min(rows) if rows else None


def _reader_for(
    prepared: PreparedFile, fmt: str, mapping: str | None, date_format: str
) -> tuple[str, readers.ReaderSQL]:
    if fmt == "auto":
        # prepare() sniffed the original's first chunk; a filtered scratch copy can be empty.
        sniffed = prepared.detected_format
        if sniffed is None:
            detected = detect_format(prepared.head())
            sniffed = detected.format if detected else None
        if sniffed is None:
            raise InputError(
                prepared.original,
                "format not recognised (not GDELT 1.0/2.0, ICEWS, POLECAT, or a CSV with a header); pass --format",
            )
        fmt = sniffed
    version = gdelt_version(fmt)
    if version is not None:
        return fmt, readers.gdelt(prepared.plain, version)
    if fmt == "icews":
        return fmt, readers.icews(prepared.plain)
    if fmt == "polecat":
        return fmt, readers.polecat(prepared.plain)
    if fmt == "csv":
        return fmt, readers.mapped_csv(prepared.plain, readers.parse_map(mapping), date_format)
    raise UsageError(f"unknown format {fmt!r}: use one of auto, {', '.join(FORMATS)}")


def _byte_progress(path: Path, hook: ProgressHook | None) -> Callable[[int], None] | None:
    """A ``prepare`` callback turning bytes read into the "reading" phase of ``hook``."""
    if hook is None:
        return None
    total = max(path.stat().st_size, 1) if path.is_file() else 1
    read_bytes = 0

    def on_bytes(n: int) -> None:
        nonlocal read_bytes
        read_bytes += n
        hook("reading", min(read_bytes / total / 3, 1.0))  # decompressed size is ~3x larger

    return on_bytes


#: Focus-filtered GDELT text up to this size is split into fields by pyarrow in the thread that
#: prepares it (:func:`readers.parse_gdelt`); a larger one (a whole file with ``--focus ALL``) is
#: left to DuckDB's reader, so that the files in flight stay within tens of MB.
PARSE_AHEAD_BYTES = 64 * 1024 * 1024


def prepare_for_load(
    path: Path,
    workdir: Path,
    on_bytes: Callable[[int], None] | None = None,
    *,
    fmt: str = "auto",
    focus: str = "ALL",
    gate: contextlib.AbstractContextManager[Any] = contextlib.nullcontext(),
) -> PreparedFile:
    """:func:`prepare` the file and, for GDELT, split its (focus) lines into fields ahead of the load."""
    prepared = prepare(path, workdir, on_bytes, fmt=fmt, focus=focus, gate=gate)
    sniffed = prepared.detected_format
    version = gdelt_version(sniffed)
    if version is not None and fmt in ("auto", sniffed) and prepared.plain.stat().st_size <= PARSE_AHEAD_BYTES:
        with gate:
            parsed = readers.parse_gdelt(prepared.plain, version)
            prepared.parsed = parsed if parsed is not None and readers.fields_convert(parsed) else None
            if prepared.parsed is not None:
                unique, lowest, highest = readers.id_numbers(prepared.parsed)
                prepared.parsed_ids_unique = unique
                prepared.parsed_id_range = None if lowest is None or highest is None else (lowest, highest)
    return prepared


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    fmt: str = "auto",
    focus: str = "PRK",
    dedupe: bool = False,
    mapping: str | None = None,
    date_format: str = "%Y-%m-%d",
    workdir: Path,
    hook: ProgressHook | None = None,
) -> LoadReport:
    """Load one file in one transaction and report what happened to every line."""
    started = datetime.now()
    prepared = prepare_for_load(path, workdir, _byte_progress(path, hook), fmt=fmt, focus=focus)
    return load_prepared(
        con,
        prepared,
        started=started,
        fmt=fmt,
        focus=focus,
        dedupe=dedupe,
        mapping=mapping,
        date_format=date_format,
        hook=hook,
    )


def load_prepared(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    *,
    started: datetime,
    fmt: str = "auto",
    focus: str = "PRK",
    dedupe: bool = False,
    mapping: str | None = None,
    date_format: str = "%Y-%m-%d",
    hook: ProgressHook | None = None,
) -> LoadReport:
    """The database half of :func:`load_file`, for a file :func:`prepare` has checked and inflated."""
    path = prepared.original
    try:
        previous = _already_loaded(con, prepared.sha256)
        if previous is not None:
            return _already_report(prepared, previous, started)
        fmt, reader = _reader_for(prepared, fmt, mapping, date_format)
        report = LoadReport(
            file=str(path),
            format=fmt,
            status="loaded",
            sha256=prepared.sha256,
            rows_read=prepared.lines - (1 if reader.header else 0),
        )
        with atomic(con):
            # fetchall: a result left open (fetchone) keeps DuckDB from registering the parsed table
            ((load_id,),) = con.execute("SELECT nextval('load_id_seq')").fetchall()
            report.load_id = int(load_id)
            stage, reader_rejects = _stage_or_fail(con, prepared, reader, focus, hook, fmt, report)
            _finish_load(
                con,
                stage,
                report.load_id,
                report,
                dedupe,
                lambda keys: _locate_lines(prepared, reader, keys),
                reader_rejects,
                ids_unique=prepared.parsed is not None and prepared.parsed_ids_unique,
                id_range=prepared.parsed_id_range if prepared.parsed is not None else None,
            )
            _record_days(con, [(prepared, report.load_id)], fmt)
            record_load(con, report, focus, dedupe, started)
        report.seconds = (datetime.now() - started).total_seconds()
        return report
    finally:
        if prepared.parsed is not None:
            with contextlib.suppress(duckdb.Error):
                con.unregister("dw_parsed")
        release(prepared)


def _already_report(prepared: PreparedFile, previous: tuple[Any, ...], started: datetime) -> LoadReport:
    """The report of a file whose content was loaded before (``previous``: that load's id, file, format)."""
    return LoadReport(
        file=str(prepared.original),
        format=str(previous[2]),
        status="already loaded",
        load_id=int(previous[0]),
        sha256=prepared.sha256,
        seconds=(datetime.now() - started).total_seconds(),
    )


def _stage_or_fail(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    reader: readers.ReaderSQL,
    focus: str,
    hook: ProgressHook | None,
    fmt: str,
    report: LoadReport,
) -> tuple[str, int]:
    """:func:`_stage_file`, adding the reader's extra rows to ``rows_read``; a file DuckDB cannot
    read is an :class:`InputError` naming the file and the format (the caller's transaction rolls back)."""
    try:
        stage, reader_rejects = _stage_file(con, prepared, reader, focus, hook, fmt)
        if reader.extra_rows:
            extra = con.execute(reader.extra_rows).fetchone()
            report.rows_read += int(extra[0]) if extra else 0
    except duckdb.Error as exc:
        raise InputError(prepared.original, f"cannot be read as {fmt}: {str(exc).splitlines()[0]}") from None
    return stage, reader_rejects


def load_records(
    con: duckdb.DuckDBPyConnection, records: pd.DataFrame, *, label: str, sha256: str, fmt: str, focus: str = "ALL"
) -> LoadReport:
    """Load in-memory rows (the bundled chronology and lists) through the same accounting.

    ``records`` has the staging columns of :data:`readers.STAGE_COLUMNS` plus optional ``line``
    (its place in the source file) and ``problem`` (a reason to reject the row).
    """
    started = datetime.now()
    previous = _already_loaded(con, sha256)
    if previous is not None:
        return LoadReport(file=label, format=fmt, status="already loaded", load_id=int(previous[0]), sha256=sha256)
    frame = records.copy()
    if "problem" not in frame:
        frame["problem"] = None
    if "line" not in frame:
        frame["line"] = range(1, len(frame) + 1)
    frame["row_key"] = frame["line"].astype(str)
    report = LoadReport(file=label, format=fmt, status="loaded", sha256=sha256, rows_read=len(frame))
    if "skip" in frame:  # rows left out on purpose, each with its reason (not bad rows: no reject)
        for reason, rows in frame["skip"].dropna().value_counts().items():
            report.skip(str(reason), int(rows))
        frame = frame[frame["skip"].isna()].drop(columns="skip")
    columns = ", ".join(readers.STAGE_COLUMNS)
    con.register("dw_records", frame)
    try:
        with atomic(con):
            row = con.execute("SELECT nextval('load_id_seq')").fetchone()
            report.load_id = int(row[0]) if row else 0
            stage = _stage(con, f"SELECT {columns}, problem, row_key FROM dw_records", focus, materialise=False)
            lines = {str(k): (int(k), "") for k in frame["line"]}

            def located(keys: set[str]) -> dict[str, tuple[int, str]]:
                return {k: lines[k] for k in keys if k in lines}

            _finish_load(con, stage, report.load_id, report, False, located, 0)
            record_load(con, report, focus, False, started)
    finally:
        con.unregister("dw_records")
    report.seconds = (datetime.now() - started).total_seconds()
    return report


def prepare_workers() -> int:
    """Files checked, inflated and filtered at once: one per core (at least 2, at most 8).

    ISA-L's inflate, the hashing and numpy's passes release the GIL, so threads use the cores;
    the database work of the file before runs beside them.
    """
    return max(2, min(8, os.cpu_count() or 2))


def load_many(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    workdir: Path,
    on_file: Callable[[Path], ProgressHook | None] | None = None,
    on_done: Callable[[LoadReport], None] | None = None,
    **options: Any,
) -> list[LoadReport]:
    """Load files one after another; a failing file is reported and the others still load.

    While DuckDB loads one file, :func:`prepare_workers` threads check, inflate, count and filter
    the next ones (:func:`prepare`), so that both cores work. At most that many files are in
    preparation and one more waits ready, so memory and scratch space stay bounded whatever the
    number of files. Files load in the order given, each in a transaction of its own, or two
    GDELT files ready one after another in a shared one (:func:`_load_together`).

    The writing thread is the bottleneck (one file at a time, and each load must wait for the one
    before), so it never shares a core: the preparing threads and the writer draw from one
    semaphore with a token per core, the preparers one per block of text (a few ms), the writer
    one per file. While it loads, the other cores prepare; while it waits for a file, every core
    does. Measured on ``make bench`` (2 cores, 8 interleaved runs each): median 1.97 s against
    2.16 s when the three threads compete.
    The lookup tables the writer joins are filled while the first files are being prepared.
    """
    fmt, filter_focus = _load_options(options)
    keep_freed_blocks()  # reuse the blocks' memory instead of page-faulting it in again (see there)
    ahead = prepare_workers()
    cores = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
    preparing = _Preparing(paths, workdir, on_file, fmt, filter_focus, cores, ahead)
    writer = _Writer(con, fmt, options, cores, on_done)
    try:
        for index in range(ahead + 1):
            preparing.enqueue(index)
        register_lookups(con)
        for index, path in enumerate(paths):
            started, hook, job = preparing.queued.popleft()
            preparing.enqueue(index + ahead + 1)
            try:
                ready = _Ready(path, started, hook, job.result())
            except DyadwatchError as exc:
                writer.load_waiting()  # the files before it first, in order
                writer.done(writer.failed(path, exc))
                continue
            writer.take(ready, last=index + 1 == len(paths))
    finally:
        for ready in writer.waiting:  # interrupted while files waited: their scratch copies go
            release(ready.prepared)
        # Let running inflations finish (their scratch copies are removed by the caller) and
        # drop the ones not started, so that nothing writes into the scratch folder afterwards.
        preparing.pool.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(duckdb.Error):
            writer.use_threads(writer.all_threads)
    return writer.reports


def _load_options(options: dict[str, Any]) -> tuple[str, str]:
    """Check :func:`load_many`'s options (the format, the CSV map) and take out ``check_all_rows``;
    returns the format and the focus the preparation step filters on.

    Usage errors come first, before any file is read: a bad --format or --map is nobody's file's fault.
    """
    fmt = str(options.get("fmt", "auto"))
    if fmt not in ("auto", *FORMATS):
        raise UsageError(f"unknown format {fmt!r}: use one of auto, {', '.join(FORMATS)}")
    if fmt == "csv":
        readers.parse_map(options.get("mapping"))
    # Only the preparation step filters rows; the loaders below never see this option.
    filter_focus = "ALL" if options.pop("check_all_rows", False) else str(options.get("focus", "PRK"))
    return fmt, filter_focus


class _Preparing:
    """The preparing side of :func:`load_many`: files handed to a pool of threads in the order
    given, each queued with when it started and its progress hook."""

    def __init__(
        self,
        paths: Sequence[Path],
        workdir: Path,
        on_file: Callable[[Path], ProgressHook | None] | None,
        fmt: str,
        focus: str,
        gate: threading.BoundedSemaphore,
        workers: int,
    ) -> None:
        self.paths, self.workdir, self.on_file = paths, workdir, on_file
        self.fmt, self.focus, self.gate = fmt, focus, gate
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dyadwatch-prepare")
        self.queued: deque[tuple[datetime, ProgressHook | None, Future[PreparedFile]]] = deque()

    def enqueue(self, index: int) -> None:
        """Start preparing the ``index``-th file, if there is one."""
        if index < len(self.paths):
            hook = self.on_file(self.paths[index]) if self.on_file else None
            job = self.pool.submit(
                prepare_for_load,
                self.paths[index],
                self.workdir,
                _byte_progress(self.paths[index], hook),
                fmt=self.fmt,
                focus=self.focus,
                gate=self.gate,
            )
            self.queued.append((datetime.now(), hook, job))


class _Writer:
    """The writing side of :func:`load_many`: loads prepared files one by one or, GDELT files ready
    one after another, together (:func:`_load_together`), and collects their reports in order."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        fmt: str,
        options: dict[str, Any],
        cores: threading.BoundedSemaphore,
        on_done: Callable[[LoadReport], None] | None,
    ) -> None:
        self.con, self.fmt, self.options, self.cores, self.on_done = con, fmt, options, cores, on_done
        self.reports: list[LoadReport] = []
        # GDELT files ready one after another wait here to be loaded together (see _load_together).
        self.waiting: list[_Ready] = []
        # A file whose rows were split ahead (a few thousand focus rows) loads on one DuckDB thread:
        # its worker threads would coordinate more than they help, on the cores the preparers need
        # (measured: 5 % less time on make bench). DuckDB's CSV reader keeps all its threads.
        self.all_threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        self.threads = self.all_threads
        self.dedupe = bool(options.get("dedupe", False))

    def use_threads(self, wanted: int) -> None:
        """Set DuckDB's threads to ``wanted`` (only when that changes them)."""
        if wanted != self.threads:
            self.con.execute(f"SET threads = {wanted}")
            self.threads = wanted

    def done(self, report: LoadReport) -> None:
        """Keep a file's report and pass it on."""
        self.reports.append(report)
        if self.on_done:
            self.on_done(report)

    def failed(self, path: Path, exc: DyadwatchError) -> LoadReport:
        """The report of a file that failed; a usage error with a format given stops the whole load."""
        if isinstance(exc, UsageError):
            if self.fmt != "auto":
                raise exc
            # Detected from content (a CSV without --map): this file's problem, named; the others load.
            return LoadReport(file=str(path), format=self.fmt, status="failed", error=f"{path}: {exc}")
        return LoadReport(file=str(path), format=self.fmt, status="failed", error=str(exc))

    def take(self, ready: _Ready, last: bool) -> None:
        """Load a prepared file (``last``: the last one given), or keep it waiting to be loaded
        together with the next GDELT file."""
        if LOAD_TOGETHER > 1 and _can_load_together(ready.prepared, self.fmt, self.dedupe):
            self.waiting.append(ready)
            if len(self.waiting) == LOAD_TOGETHER or last:
                self.load_waiting()
        else:
            self.load_waiting()  # the files before it first, in order
            self.load_one(ready)

    def load_one(self, ready: _Ready) -> None:
        """Load one prepared file in a transaction of its own."""
        try:
            self.use_threads(1 if ready.prepared.parsed is not None else self.all_threads)
            with self.cores:
                report = load_prepared(self.con, ready.prepared, started=ready.started, hook=ready.hook, **self.options)
        except DyadwatchError as exc:
            report = self.failed(ready.path, exc)
        self.done(report)

    def load_waiting(self) -> None:
        """Load the waiting files: together when there are several and they can be, else one by one."""
        group = list(self.waiting)
        self.waiting.clear()
        together = None
        if len(group) > 1:
            self.use_threads(1)
            with self.cores:
                together = _load_together(
                    self.con, [(r.prepared, r.started) for r in group], str(self.options.get("focus", "PRK"))
                )
        if together is None:
            for ready in group:
                self.load_one(ready)
        else:
            for report in together:
                self.done(report)


@dataclass
class _Ready:
    """A prepared file waiting for the writer, with what its report needs."""

    path: Path
    started: datetime
    hook: ProgressHook | None
    prepared: PreparedFile


#: GDELT files loaded together in one transaction when they are ready one after another
#: (:func:`_load_together`); 1 loads every file in a transaction of its own.
LOAD_TOGETHER = 2


def _can_load_together(prepared: PreparedFile, fmt: str, dedupe: bool) -> bool:
    """Whether a prepared file may share a transaction: GDELT fields split ahead, in the format
    asked for, no event id repeated in it, and no search for re-emitted events (``dedupe``)."""
    return (
        prepared.parsed is not None
        and gdelt_version(prepared.detected_format) is not None
        and fmt in ("auto", prepared.detected_format)
        and prepared.parsed_ids_unique
        and prepared.parsed_id_range is not None
        and not dedupe
    )


def _load_together(
    con: duckdb.DuckDBPyConnection, group: Sequence[tuple[PreparedFile, datetime]], focus: str
) -> list[LoadReport] | None:
    """Load several GDELT files in one transaction; None, having changed nothing, when they must
    be loaded one by one.

    Why: the writer's cost of a file hardly depends on its few thousand focus rows: planning the
    count and the insert, the bookkeeping statements and the commit cost ~60 ms a file, and two
    files loaded together cost little more than one (make bench: ~7 % less CPU, 2-5 % less time;
    docs/benchmarks.md).
    A crash or Ctrl-C still leaves each file whole or absent: both files of a transaction are absent.

    Only the plain case is done here, the usual one for GDELT's own files: files of one format,
    none loaded before, whose event id ranges overlap neither each other nor any stored load of
    the format, and no row flagged with a problem. Otherwise this returns None (after rolling back
    what it began) and each file takes :func:`load_prepared`, which reports duplicates and rejects
    line by line. Each file still gets its own load id, ``loads`` row, id range and daily totals,
    and its report the same counts as that path would give.
    """
    files = [prepared for prepared, _ in group]
    fmt = files[0].detected_format
    version = gdelt_version(fmt)
    if version is None or not _group_is_plain(con, files, str(fmt)):
        return None
    rows = _group_table(files)
    try:
        reports = _write_group(con, group, rows, version, str(fmt), focus)
    except (_GroupFallback, duckdb.Error):
        return None  # each file again on its own, which names the file and the problem
    except BaseException:
        for prepared in files:
            release(prepared)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister("dw_parsed")
    for prepared in files:
        release(prepared)
    for report, (_, started) in zip(reports, group, strict=True):
        report.seconds = (datetime.now() - started).total_seconds()
    return reports


def _group_is_plain(con: duckdb.DuckDBPyConnection, files: Sequence[PreparedFile], fmt: str) -> bool:
    """Whether the group is the plain case :func:`_load_together` handles: one format, fields split
    ahead, id ranges overlapping neither each other nor a stored load, and no content loaded before."""
    ranges = sorted(p.parsed_id_range for p in files if p.parsed_id_range is not None)
    return not (
        len(ranges) < len(files)
        or any(p.detected_format != fmt or p.parsed is None for p in files)
        or any(before[1] >= after[0] for before, after in zip(ranges, ranges[1:], strict=False))
        or len({p.sha256 for p in files}) < len(files)
        or _any_loaded(con, [p.sha256 for p in files])
        or _ids_may_be_stored(con, fmt, ranges[0][0], ranges[-1][1])
    )


def _group_table(files: Sequence[PreparedFile]) -> pa.Table:
    """One table of all the files' rows, each marked with its file's place in the group (``dw_file``)."""
    import numpy as np
    import pyarrow as pa

    return pa.concat_tables(
        [
            p.parsed.append_column("dw_file", pa.array(np.full(p.parsed.num_rows, i, dtype=np.int8)))
            for i, p in enumerate(files)
        ]
    )


def _write_group(
    con: duckdb.DuckDBPyConnection,
    group: Sequence[tuple[PreparedFile, datetime]],
    rows: pa.Table,
    version: int,
    fmt: str,
    focus: str,
) -> list[LoadReport]:
    """The transaction of :func:`_load_together`: stage and insert the group's ``rows``, then each
    file's load id, report, id range, daily totals and ``loads`` row; :class:`_GroupFallback` when a
    row is flagged (rejects are reported line by line, file by file)."""
    files = [prepared for prepared, _ in group]
    with atomic(con):
        con.register("dw_parsed", rows)
        stage = _stage(
            con, readers.gdelt_parsed("dw_parsed", version, carry="dw_file").select, focus, materialise=False
        )
        staged = [0] * len(files)
        flagged = 0
        for place, good, bad in con.execute(
            f"SELECT dw_file, count(*) FILTER (problem IS NULL), count(*) FILTER (problem IS NOT NULL)"
            f" FROM {stage} GROUP BY dw_file"
        ).fetchall():
            staged[place] = int(good)
            flagged += int(bad)
        if flagged:  # rejects are reported line by line, file by file
            raise _GroupFallback
        load_ids = sorted(
            int(v) for (v,) in con.execute("SELECT nextval('load_id_seq') FROM range(?)", [len(files)]).fetchall()
        )
        # No anti join and no window: no staged id repeats or is stored (checked above).
        ((inserted,),) = con.execute(
            f"INSERT INTO events SELECT s.* EXCLUDE (problem, row_key, dw_file),"
            f" [{', '.join(map(str, load_ids))}][s.dw_file + 1] AS load_id"
            f" FROM {stage} AS s WHERE s.problem IS NULL"
        ).fetchall()
        if inserted != sum(staged):  # cannot happen with the checks above; the single path is exact
            raise _GroupFallback
        reports = _group_reports(files, fmt, load_ids, staged)
        _record_id_ranges(
            con,
            [
                (report, *(prepared.parsed_id_range or (None, None)))
                for prepared, report in zip(files, reports, strict=True)
            ],
        )
        _record_days(con, list(zip(files, load_ids, strict=True)), fmt)
        _record_loads(
            con, [(report, started) for report, (_, started) in zip(reports, group, strict=True)], focus, False
        )
    return reports


def _group_reports(
    files: Sequence[PreparedFile], fmt: str, load_ids: Sequence[int], staged: Sequence[int]
) -> list[LoadReport]:
    """Each grouped file's report: the counts :func:`load_prepared` would give (no duplicate, no reject)."""
    return [
        LoadReport(
            file=str(prepared.original),
            format=fmt,
            status="loaded",
            load_id=load_id,
            sha256=prepared.sha256,
            rows_read=prepared.lines,
            rows_kept=kept,
            rows_outside_focus=prepared.lines - kept,
        )
        for prepared, load_id, kept in zip(files, load_ids, staged, strict=True)
    ]


class _GroupFallback(Exception):
    """Raised inside a group load's transaction to roll it back and load the files one by one."""


def iter_summary(reports: Iterable[LoadReport]) -> list[dict[str, Any]]:
    """Rows for the per-file summary table (CLI) and the JSON output."""
    return [
        {
            "file": r.file,
            "format": r.format,
            "status": r.status,
            "read": r.rows_read,
            "kept": r.rows_kept,
            "outside_focus": r.rows_outside_focus,
            "duplicate": r.rows_duplicate,
            "reemitted": r.rows_reemitted,
            "rejected": r.rows_rejected,
            "skipped": r.rows_skipped,
            "skipped_why": "; ".join(f"{n} {why}" for why, n in r.skipped.items()) or None,
            "error": r.error,
        }
        for r in reports
    ]


def absolute(paths: Sequence[str | Path]) -> list[Path]:
    """``paths`` as absolute paths (``~`` expanded): the one form of ``loads.file`` and ``rejects``' file,
    whatever the folder the command ran in."""
    return [Path(p).expanduser().absolute() for p in paths]


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    on_file: Callable[[Path], ProgressHook | None] | None = None,
    on_done: Callable[[LoadReport], None] | None = None,
    **options: Any,
) -> list[LoadReport]:
    """Load event files into ``store`` (:meth:`dyadwatch.api.Store.ingest`, options as :func:`load_many`),
    with the scratch space beside the store cleaned before and removed after."""
    store.require_writable()
    clean_workdir(store.workdir)
    try:
        return load_many(store.con, absolute(paths), workdir=store.workdir, on_file=on_file, on_done=on_done, **options)
    finally:
        clean_workdir(store.workdir)
        store.workdir.rmdir()


def load_frame(
    store: Store, records: pd.DataFrame, *, label: str, sha256: str, fmt: str, focus: str = "ALL"
) -> LoadReport:
    """Load rows already in memory (the bundled datasets) into ``store`` with the same accounting as files."""
    store.require_writable()
    register_lookups(store.con)
    return load_records(store.con, records, label=label, sha256=sha256, fmt=fmt, focus=focus)
