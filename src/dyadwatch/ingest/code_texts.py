"""``dyadwatch code-texts``: loaded texts → events of the source ``kcna`` (design §13, issue 27).

Each text's headline (its title, else its first line) is coded by
:mod:`dyadwatch.ingest.kcna_coder`; every event goes into the one ``events`` table (so every
series, Goldstein metric and export works on it) with what that table has no column for in
``coded_events`` (PLOVER type and mode, confidence, text id, coder version), and every text read
gets a row in ``texts_coding``: ``coded``, ``no_event`` (no interaction between North Korea and a
foreign party) or ``uncoded`` with its reason, so nothing is dropped silently and ``search-texts``
shows why a text gave no event.

Re-coding is idempotent: texts already coded by the same coder version are skipped. A new coder
version replaces all the source's events, codings and its ``loads`` rows in one transaction: a
failure half-way leaves the old events as they were.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from dyadwatch.codebook.plover_map import cameo_for
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.ingest.kcna_coder import (
    CodedEvent,
    Coding,
    HeadlineModel,
    bundled_model,
    code_headlines,
    coder_version,
)
from dyadwatch.ingest.pipeline import LoadReport, record_load
from dyadwatch.schema import EVENT_COLUMNS, TEXT_CODED_SOURCES
from dyadwatch.store import atomic

if TYPE_CHECKING:
    from dyadwatch.store import Store

EXAMPLES = 3
#: The columns of ``coded_events`` this coder writes, by name (the delegation columns were added
#: to stores made before them by ``ALTER TABLE … ADD COLUMN``, so they may stand last).
CODED_COLUMNS: tuple[str, ...] = (
    "event_id", "text_id", "plover_type", "plover_mode", "confidence", "method", "coder_version",
    "delegation_kind", "delegation_way",
)  # fmt: skip


@dataclass
class CodingReport:
    """What one run of code-texts did: texts read, events written, and every text not coded, by reason."""

    source: str
    coder_version: str
    texts_read: int = 0
    texts_skipped: int = 0  # already coded by this version
    texts_coded: int = 0
    texts_no_event: int = 0
    texts_uncoded: int = 0
    texts_duplicate: int = 0
    events: int = 0
    replaced_events: int = 0  # events of an older coder version removed
    rejected_at_load: int = 0  # texts of these loads that ingest-texts rejected (no date …)
    load_id: int | None = None
    uncoded_reasons: dict[str, int] = field(default_factory=dict)
    uncoded_examples: list[str] = field(default_factory=list)
    no_event_reasons: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def _headline(title: object, text: object) -> str:
    if isinstance(title, str) and title.strip():
        return title
    body = str(text or "")
    return next((line.strip() for line in body.splitlines() if line.strip()), "")


def _reason_kind(reason: str) -> str:
    """The reason without the particular name, for counting ("unknown partner name 'X'" → …)."""
    return re.split(r" ['\"(]", reason, maxsplit=1)[0]


def code_texts(
    store: Store | duckdb.DuckDBPyConnection,
    *,
    collection: str | None = None,
    source: str = "kcna",
    model: HeadlineModel | None = None,
    use_model: bool = True,
    version: str | None = None,
) -> CodingReport:
    """Code the loaded texts of ``collection`` (all collections when None) in ``store`` (a Store or
    its connection) into events of ``source``.

    ``model`` defaults to the bundled one (``use_model=False``: the rules alone); ``version``
    overrides the stored coder version (tests use it to force a replacement).
    """
    if source not in TEXT_CODED_SOURCES:
        # A selection naming no source leaves out only these (design §9): coded events under any
        # other name would slip into every default series.
        raise UsageError(f"code-texts writes text-coded sources only ({', '.join(TEXT_CODED_SOURCES)}), not {source!r}")
    con = _writable_connection(store)
    model = (model or bundled_model()) if use_model else None
    version = version or coder_version(model)
    report = CodingReport(source=source, coder_version=version)
    texts = _read_texts(con, collection)
    report.rejected_at_load = _rejected_at_load(con, texts)
    report.texts_read = len(texts)
    started = datetime.now()
    with atomic(con):
        older = con.execute(
            "SELECT count(*) FROM coded_events c JOIN events e USING (event_id) "
            "WHERE e.source = ? AND c.coder_version <> ?",
            [source, version],
        ).fetchone()[0]  # type: ignore[index]
        if older:
            report.replaced_events = int(older)
            _remove_source(con, source)
        done = {
            row[0]
            for row in con.execute(
                "SELECT text_id FROM texts_coding WHERE source = ? AND coder_version = ?", [source, version]
            ).fetchall()
        }
        todo = texts[~texts["text_id"].isin(done)]
        report.texts_skipped = len(texts) - len(todo)
        if not todo.empty:
            _code_and_store(con, todo, source, version, model, report, started)
    return report


def _writable_connection(store: Store | duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The connection to write through: a bare connection as given, a Store once checked writable."""
    if isinstance(store, duckdb.DuckDBPyConnection):
        return store
    store.require_writable()
    return store.con


def _read_texts(con: duckdb.DuckDBPyConnection, collection: str | None) -> pd.DataFrame:
    """The loaded texts of ``collection`` (all when None) by date; none is an error telling how to load some."""
    where, params = ("WHERE collection = ?", [collection]) if collection else ("", [])
    texts = con.execute(
        f"SELECT text_id, date, language, title, text, reference, load_id FROM texts {where} ORDER BY date, text_id",
        params,
    ).df()
    if texts.empty:
        what = f"collection {collection!r}" if collection else "this store"
        raise InsufficientDataError(f"no texts in {what}; load some with `dyadwatch ingest-texts FILES`")
    return texts


def _rejected_at_load(con: duckdb.DuckDBPyConnection, texts: pd.DataFrame) -> int:
    """How many texts the loads of ``texts`` rejected (so the report counts what never reached the coder)."""
    load_ids = sorted({int(x) for x in texts["load_id"]})
    return int(
        con.execute(
            f"SELECT count(*) FROM rejects WHERE load_id IN ({', '.join('?' * len(load_ids))})", load_ids
        ).fetchone()[0]  # type: ignore[index]
    )


def _remove_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Every event, coding and load of ``source`` (inside the caller's transaction)."""
    con.execute("DELETE FROM coded_events WHERE event_id IN (SELECT event_id FROM events WHERE source = ?)", [source])
    loads = [r[0] for r in con.execute("SELECT DISTINCT load_id FROM events WHERE source = ?", [source]).fetchall()]
    con.execute("DELETE FROM events WHERE source = ?", [source])
    con.execute("DELETE FROM texts_coding WHERE source = ?", [source])
    if loads:
        con.execute(f"DELETE FROM loads WHERE load_id IN ({', '.join('?' * len(loads))})", loads)
    con.execute("DELETE FROM loads WHERE format = ? AND file = ?", ["texts:coded", f"code-texts:{source}"])


def _code_and_store(
    con: duckdb.DuckDBPyConnection,
    todo: pd.DataFrame,
    source: str,
    version: str,
    model: HeadlineModel | None,
    report: CodingReport,
    started: datetime,
) -> None:
    """Code ``todo`` and write its events, codings and load row (inside the caller's transaction)."""
    load_id = int(con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0])
    report.load_id = load_id
    events: dict[str, list[object]] = {c: [] for c in EVENT_COLUMNS}
    extra: dict[str, list[object]] = {k: [] for k in CODED_COLUMNS}
    codings: list[tuple[str, str, str, str, str, int]] = []
    uncoded: Counter[str] = Counter()
    no_event: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    days = pd.to_datetime(todo["date"]).dt.date.tolist()
    references = [r if isinstance(r, str) and r else None for r in todo["reference"]]
    headlines = [" ".join(_headline(t, x).split()) for t, x in zip(todo["title"], todo["text"], strict=True)]
    languages = [str(x or "en") for x in todo["language"]]
    text_ids = [str(x) for x in todo["text_id"]]
    first, seen_headlines = _first_of_day(days, headlines, text_ids)
    # One batch: the rules per headline, the model in one sparse product (issue 27: speed).
    coded = dict(
        zip(
            first,
            code_headlines(
                [headlines[k] for k in first],
                [days[k].year for k in first],
                languages=[languages[k] for k in first],
                model=model,
            ),
            strict=True,
        )
    )
    for k, text_id in enumerate(text_ids):
        day, headline, reference = days[k], headlines[k], references[k]
        coding = coded.get(k)
        if coding is None:
            report.texts_duplicate += 1
            owner = seen_headlines[(day, headline)]
            codings.append((text_id, source, version, "no_event", f"same headline and day as {owner}", 0))
            continue
        _count_status(report, coding, text_id, uncoded, no_event)
        codings.append((text_id, source, version, coding.status, coding.reason, len(coding.events)))
        group = f"{source}:{text_id.split(':', 1)[-1]}" if len(coding.events) > 1 else None
        for number, event in enumerate(coding.events, start=1):
            _append_event(
                events, extra, event, number, text_id, source, version, day, headline, reference, group, load_id
            )
            by_type[event.plover_type] += 1
    report.events = len(events["event_id"])
    report.uncoded_reasons = dict(uncoded.most_common())
    report.no_event_reasons = dict(no_event.most_common())
    report.by_type = dict(by_type.most_common())
    _write_coded(con, events, extra, codings)
    record_load(con, _coding_load(todo, source, version, load_id, report), "PRK", False, started)


def _first_of_day(
    days: list[Any], headlines: list[str], text_ids: list[str]
) -> tuple[list[int], dict[tuple[object, str], str]]:
    """The positions of the texts to code, and which text owns each (day, headline).

    KCNA files one item under several topics: one event, not two (the first text of the day keeps it).
    """
    seen_headlines: dict[tuple[object, str], str] = {}
    first: list[int] = []
    for k, key in enumerate(zip(days, headlines, strict=True)):
        if key not in seen_headlines:
            seen_headlines[key] = text_ids[k]
            first.append(k)
    return first, seen_headlines


def _count_status(
    report: CodingReport, coding: Coding, text_id: str, uncoded: Counter[str], no_event: Counter[str]
) -> None:
    """Count one coded text by its status (and reason) in ``report`` and the reason counters."""
    if coding.status == "uncoded":
        report.texts_uncoded += 1
        uncoded[_reason_kind(coding.reason)] += 1
        if len(report.uncoded_examples) < EXAMPLES:
            report.uncoded_examples.append(f"{text_id}: {coding.reason}")
    elif coding.status == "no_event":
        report.texts_no_event += 1
        no_event[coding.reason] += 1
    else:
        report.texts_coded += 1


def _append_event(
    events: dict[str, list[object]],
    extra: dict[str, list[object]],
    event: CodedEvent,
    number: int,
    text_id: str,
    source: str,
    version: str,
    day: object,
    headline: str,
    reference: str | None,
    group: str | None,
    load_id: int,
) -> None:
    """Append the ``number``-th event of one text to the ``events`` and ``coded_events`` columns."""
    digest = hashlib.sha1(f"{text_id}\x1f{number}".encode()).hexdigest()[:16]
    event_id = f"{source}:{digest}"
    cameo = cameo_for(event.plover_type, event.mode)
    values = {
        "event_id": event_id, "source": source, "date": day, "actor1": event.actor, "actor2": event.target,
        "actor1_name": event.actor_name, "actor2_name": event.target_name, "event_code": cameo.code,
        "quad_class": cameo.quad_class, "goldstein": cameo.goldstein, "weight": 1, "tone": None,
        "group_id": group, "summary": headline[:300], "reference": reference, "load_id": load_id,
    }  # fmt: skip
    for column in EVENT_COLUMNS:
        events[column].append(values[column])
    for column, value in zip(extra, (event_id, text_id, event.plover_type, event.mode or None, event.confidence,
                                  event.method, version, event.delegation_kind, event.delegation_way),
                          strict=True):  # fmt: skip
        extra[column].append(value)


def _write_coded(
    con: duckdb.DuckDBPyConnection,
    events: dict[str, list[object]],
    extra: dict[str, list[object]],
    codings: list[tuple[str, str, str, str, str, int]],
) -> None:
    """Insert the events (when any), their ``coded_events`` rows and every text's coding."""
    frame = pd.DataFrame(events)
    if not frame.empty:
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        frame["quad_class"] = frame["quad_class"].astype("int8")
        frame["tone"] = frame["tone"].astype("float64")
        _insert(con, "events", frame, f"({', '.join(EVENT_COLUMNS)})", "CAST(goldstein AS DECIMAL(3, 1))")
        _insert(con, "coded_events", pd.DataFrame(extra), f"({', '.join(CODED_COLUMNS)})", None)
    _insert(
        con,
        "texts_coding",
        pd.DataFrame(codings, columns=["text_id", "source", "coder_version", "status", "reason", "events"]),
        "",
        None,
    )


def _coding_load(todo: pd.DataFrame, source: str, version: str, load_id: int, report: CodingReport) -> LoadReport:
    """The ``loads`` row of one coding run: its texts by status, keyed by version and text ids."""
    return LoadReport(
        file=f"code-texts:{source}", format="texts:coded", status="loaded", load_id=load_id,
        sha256=hashlib.sha256(f"{version}\x1f{','.join(sorted(todo['text_id']))}".encode()).hexdigest(),
        rows_read=len(todo), rows_kept=report.texts_coded, rows_outside_focus=report.texts_no_event,
        rows_duplicate=report.texts_duplicate, rows_rejected=report.texts_uncoded,
    )  # fmt: skip


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: str, goldstein: str | None
) -> None:
    con.register("dw_coded_rows", frame)
    try:
        if goldstein:
            select = ", ".join(goldstein if c == "goldstein" else c for c in frame.columns)
            con.execute(f"INSERT INTO {table} {columns} SELECT {select} FROM dw_coded_rows")
        else:
            con.execute(f"INSERT INTO {table} {columns} SELECT * FROM dw_coded_rows")
    finally:
        con.unregister("dw_coded_rows")
