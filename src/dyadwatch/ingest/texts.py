"""Load texts (state media, speeches) into the ``texts`` table: ``dyadwatch ingest-texts`` (design §10).

Three layouts:

``kcna-json``
    A JSON list of KCNA items as scraped by stiles/north-korea-news: ``headline``, ``story_text``,
    ``date`` (epoch milliseconds) or ``date_str``, ``link``, ``topic``.
``csv``
    Any CSV (gzip allowed) with a header; ``--map date=…,text=…,title=…,reference=…,language=…``
    names the columns (defaults: ``date``; ``text``/``story``/``body``; ``title``/``headline``;
    ``reference``/``link``/``url``/``story_link``; ``language``). A headline-only file maps no text
    column: the title is the text, as design §10 says.
``text-dir``
    A folder of UTF-8 ``.txt`` files, one text each, named by their year or date (``1995.txt``,
    ``2024-01-01.txt``); the first non-empty line is the title. New Year addresses are dated
    1 January of their year.

Each record is checked: no readable date, an empty text, or bytes that are not UTF-8 send it to
``rejects`` with its file, line and reason, and the rest loads. The same file (by sha256) loaded
again adds nothing; a text already in the store (same ``text_id``) counts as a duplicate. The
language is the mapped column's ISO 639-1 code when given, else detected (:func:`detect_language`:
Hangul → ``ko``; otherwise English or Spanish by their commonest function words). The partners
each new text is about go to ``texts_partners`` (:mod:`dyadwatch.codebook.mentions`).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from dyadwatch.codebook.lexicon import lexicon, score_texts
from dyadwatch.codebook.mentions import partner_dictionary
from dyadwatch.errors import InputError, UsageError
from dyadwatch.ingest.pipeline import LoadReport, record_load
from dyadwatch.schema import TEXT_COLUMNS
from dyadwatch.store import atomic

FORMATS = ("auto", "kcna-json", "csv", "text-dir")
RAW_LIMIT = 2000
EXAMPLES = 5
#: Column names tried for each field when ``--map`` does not name one (case-insensitive).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "date_str", "day"),
    "text": ("text", "story", "story_text", "body", "content"),
    "title": ("title", "headline"),
    "reference": ("reference", "link", "url", "story_link"),
    "language": ("language", "lang"),
}
_EN = frozenset("the of and to in for on with by is at as from his was are be".split())  # noqa: SIM905
_ES = frozenset("de la el los las y del en que por con para se un una al es".split())  # noqa: SIM905
_WORD = re.compile(r"[a-záéíóúñü]+")


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text``: ``ko`` if Hangul dominates its letters, else ``en`` or ``es`` by
    which language's commonest function words occur more often (ties and no hits: ``en``).

    A deliberately small rule: KCNA publishes in English and Spanish (and Korean elsewhere); the
    test against the KCNA 1997-2014 headlines' own language flag is in ``tests/test_texts.py``.
    """
    sample = text[:3000]
    hangul = sum(1 for ch in sample if "\uac00" <= ch <= "\ud7a3")
    latin = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    if hangul and hangul >= latin:
        return "ko"
    words = _WORD.findall(sample.lower())
    es = sum(1 for w in words if w in _ES)
    en = sum(1 for w in words if w in _EN)
    if es > en:
        return "es"
    if not es and not en and any(ch in "ñáéíóú¿¡" for ch in sample.lower()):
        return "es"
    return "en"


@dataclass
class Record:
    """One text as read, before checks: where it came from and its raw fields."""

    line: int
    date: object
    title: str
    text: str
    reference: str
    language: str
    raw: str


@dataclass
class Source:
    """A file or folder ready to read: its records, format, collection and sha256."""

    path: Path
    fmt: str
    collection: str
    sha256: str
    records: list[Record] = field(default_factory=list)


def parse_mapping(mapping: str | None) -> dict[str, str]:
    """``date=Date,text=Body`` → {"date": "Date", "text": "Body"}; a UsageError for anything else."""
    if not mapping:
        return {}
    result: dict[str, str] = {}
    for part in mapping.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or not value.strip() or key not in DEFAULT_COLUMNS:
            raise UsageError(
                f"bad --map entry {part!r}: use field=column with field one of {', '.join(DEFAULT_COLUMNS)}"
            )
        result[key] = value.strip()
    return result


def _decode(path: Path, data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(path, f"a damaged gzip file ({exc})") from None
    # Undecodable bytes become lone surrogates: the record holding them is rejected, not the file.
    return data.decode("utf-8-sig", errors="surrogateescape")


def _undecodable(*values: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for value in values for ch in value)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(path, "no such file or folder")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None


def _sniff(path: Path) -> str:
    if path.is_dir():
        return "text-dir"
    name = path.name.lower()
    if name.endswith((".json", ".json.gz")):
        return "kcna-json"
    return "csv"


def _collection_default(path: Path, fmt: str) -> str:
    if fmt == "kcna-json":
        return "kcna"
    stem = path.name.split(".", 1)[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "texts"


def _json_items(path: Path, text: str) -> Iterator[tuple[int, object, str]]:
    """(line, item, raw) for each element of a top-level JSON list, with the element's first line."""
    decoder = json.JSONDecoder()
    index = len(text) - len(text.lstrip())
    if not text.startswith("[", index):
        raise InputError(path, "not a JSON list of items (kcna-json expects [ {...}, ... ])")
    index += 1
    line = 1 + text.count("\n", 0, index)
    last = index
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text):
            raise InputError(path, "the JSON list is not closed (a truncated file?)")
        if text[index] == "]":
            return
        line += text.count("\n", last, index)
        last = index
        try:
            item, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not readable JSON at line {exc.lineno} ({exc.msg})") from None
        yield line, item, text[index:end][:RAW_LIMIT]
        index = end


def _read_kcna_json(path: Path, text: str) -> list[Record]:
    records = []
    for line, item, raw in _json_items(path, text):
        if not isinstance(item, dict):
            records.append(Record(line, None, "", "", "", "", raw))
            continue
        day: object = item.get("date")
        if isinstance(day, (int, float)) and not isinstance(day, bool):
            day = pd.Timestamp(int(day), unit="ms").strftime("%Y-%m-%d")
        elif not day:
            day = item.get("date_str")
        records.append(
            Record(
                line,
                day,
                str(item.get("headline") or item.get("title") or ""),
                str(item.get("story_text") or item.get("text") or ""),
                str(item.get("link") or ""),
                str(item.get("language") or ""),
                raw,
            )
        )
    return records


def _read_csv(path: Path, text: str, mapping: dict[str, str]) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(path, "is empty") from None
    except csv.Error as exc:
        raise InputError(path, f"not a readable CSV header ({exc})") from None
    lower = [h.lower() for h in header]
    columns: dict[str, int] = {}
    for name, options in DEFAULT_COLUMNS.items():
        if name in mapping:
            if mapping[name].lower() not in lower:
                raise UsageError(
                    f"--map {name}={mapping[name]}: no such column in {path} (columns: {', '.join(header)})"
                )
            columns[name] = lower.index(mapping[name].lower())
            continue
        for option in options:
            if option in lower:
                columns[name] = lower.index(option)
                break
    if "date" not in columns:
        raise UsageError(f"{path}: no date column (columns: {', '.join(header)}); name it with --map date=COLUMN")
    if "text" not in columns and "title" not in columns:
        raise UsageError(f"{path}: no text or title column (columns: {', '.join(header)}); use --map text=COLUMN")
    lines = text.splitlines()

    def cell(record: list[str], name: str) -> str:
        k = columns.get(name)
        return record[k].strip() if k is not None and k < len(record) else ""

    records = []
    start = reader.line_num + 1
    try:
        for record in reader:
            if record and any(c.strip() for c in record):
                title = cell(record, "title")
                body = cell(record, "text") if "text" in columns else title
                raw = "\n".join(lines[start - 1 : reader.line_num])[:RAW_LIMIT]
                records.append(
                    Record(
                        start,
                        cell(record, "date"),
                        title,
                        body,
                        cell(record, "reference"),
                        cell(record, "language"),
                        raw,
                    )
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(path, f"not a readable CSV near line {reader.line_num} ({exc})") from None
    return records


_DATE_IN_NAME = re.compile(r"^(\d{4})(?:-(\d{2})-(\d{2}))?")


def _read_text_dir(path: Path) -> tuple[list[Record], str]:
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".txt")
    if not files:
        raise InputError(
            path, "no .txt files in this folder (text-dir expects one text per YYYY.txt or YYYY-MM-DD.txt)"
        )
    digest = hashlib.sha256()
    records = []
    for number, file in enumerate(files, start=1):
        data = _read_bytes(file)
        digest.update(file.name.encode() + b"\0" + data)
        body = _decode(file, data)
        match = _DATE_IN_NAME.match(file.name)
        day = (f"{match.group(1)}-{match.group(2) or '01'}-{match.group(3) or '01'}") if match else None
        title = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
        records.append(Record(number, day, title, body.strip(), file.name, "", f"{file.name}: {body[:200]}"))
    return records, digest.hexdigest()


def read_source(path: Path, fmt: str, mapping: dict[str, str], collection: str | None) -> Source:
    """Read a file or folder into records; InputError if it cannot be read at all."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown text format {fmt!r}: use {', '.join(FORMATS)}")
    if not path.exists():
        raise InputError(path, "no such file or folder")
    actual = _sniff(path) if fmt == "auto" else fmt
    if actual == "text-dir":
        if not path.is_dir():
            raise InputError(path, "is a file; --format text-dir expects a folder of .txt files")
        records, sha = _read_text_dir(path)
    else:
        if path.is_dir():
            raise InputError(path, "is a folder; use --format text-dir for a folder of .txt files")
        data = _read_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        text = _decode(path, data)
        if not text.strip():
            raise InputError(path, "is empty")
        records = _read_kcna_json(path, text) if actual == "kcna-json" else _read_csv(path, text, mapping)
    return Source(path, actual, collection or _collection_default(path, actual), sha, records)


#: Why a text with no words is left out (counted in the load report, not a reject).
EMPTY_TEXT = "empty texts left out (no text to score or code)"


def _check(source: Source, report: LoadReport) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """Checked rows as a frame of :data:`TEXT_COLUMNS` (less load_id) and the rejects."""
    rejects: list[tuple[int, str, str]] = []
    skipped = 0
    rows = source.records
    report.rows_read = len(rows)
    dates = pd.to_datetime(pd.Series([r.date if r.date else None for r in rows], dtype=object), errors="coerce",
                           format="ISO8601")  # fmt: skip
    if dates.isna().any():
        retry = dates.isna()
        dates[retry] = pd.to_datetime(
            pd.Series([rows[k].date for k in retry[retry].index], index=retry[retry].index, dtype=object),
            errors="coerce",
            format="mixed",
        )
    latest = pd.Timestamp.now() + pd.Timedelta(days=1)
    kept: dict[str, list[object]] = {c: [] for c in TEXT_COLUMNS if c != "load_id"}
    prefix = "" if source.fmt != "text-dir" else "{name}: "
    for k, record in enumerate(rows):
        where = prefix.format(name=record.reference)
        day = dates.iloc[k]
        if _undecodable(record.title, record.text, str(record.date or ""), record.reference):
            rejects.append((record.line, f"{where}undecodable bytes (the file is not UTF-8 here)", record.raw))
            continue
        if record.date in (None, "") or pd.isna(day):
            why = "no date" if record.date in (None, "") else f"date {str(record.date)[:40]!r} is not a date"
            rejects.append((record.line, f"{where}{why} (use YYYY-MM-DD)", record.raw))
            continue
        if day.year < 1900 or day > latest:
            rejects.append((record.line, f"{where}date {day.date()} is outside 1900 to today", record.raw))
            continue
        if not record.text.strip():
            skipped += 1  # nothing to score or code: left out and counted, not a bad row
            continue
        language = record.language.lower()
        if not re.fullmatch(r"[a-z]{2}", language):
            language = detect_language(record.title + " " + record.text)
        key = hashlib.sha1(
            "\x1f".join([day.strftime("%Y-%m-%d"), record.title, record.text, record.reference]).encode(
                "utf-8", "surrogatepass"
            )
        ).hexdigest()[:20]
        kept["text_id"].append(f"{source.collection}:{key}")
        kept["collection"].append(source.collection)
        kept["date"].append(day.date())
        kept["language"].append(language)
        kept["title"].append(record.title or None)
        kept["text"].append(record.text)
        kept["reference"].append(record.reference or None)
    if skipped:
        report.skip(EMPTY_TEXT, skipped)
    return pd.DataFrame(kept), rejects


def mentions_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``texts_partners`` rows for texts (``text_id``, ``date``, ``title``, ``text``)."""
    dictionary = partner_dictionary()
    ids: list[str] = []
    partners: list[str] = []
    hows: list[str] = []
    for text_id, day, title, text in zip(frame["text_id"], frame["date"], frame["title"], frame["text"], strict=True):
        body = text if not title or text == title else f"{title}\n{text}"
        for partner, how in dictionary.partners_of(body, day.year).items():
            ids.append(text_id)
            partners.append(partner)
            hows.append(how)
    return pd.DataFrame({"text_id": ids, "partner": partners, "how": hows})


def _already(con: duckdb.DuckDBPyConnection, sha256: str, fmt: str) -> int | None:
    row = con.execute(
        "SELECT load_id FROM loads WHERE sha256 = ? AND format = ? ORDER BY load_id LIMIT 1", [sha256, fmt]
    ).fetchall()
    return int(row[0][0]) if row else None


def load_source(con: duckdb.DuckDBPyConnection, source: Source) -> LoadReport:
    """Check and store one read source in a transaction; one report."""
    fmt = f"texts:{source.fmt}"
    previous = _already(con, source.sha256, fmt)
    if previous is not None:
        return LoadReport(
            file=str(source.path), format=fmt, status="already loaded", load_id=previous, sha256=source.sha256
        )
    started = datetime.now()
    report = LoadReport(file=str(source.path), format=fmt, status="loaded", sha256=source.sha256)
    frame, rejects = _check(source, report)
    before = len(frame)
    frame = frame.drop_duplicates("text_id")
    report.rows_duplicate = before - len(frame)
    with atomic(con):
        report.load_id = int(con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0])
        frame["load_id"] = report.load_id
        con.register("dw_text_rows", frame[list(TEXT_COLUMNS)])
        try:
            new = con.execute(
                "SELECT r.text_id, r.date, r.title, r.text FROM dw_text_rows r ANTI JOIN texts t USING (text_id)"
            ).df()
            con.execute(
                f"INSERT INTO texts ({', '.join(TEXT_COLUMNS)}) SELECT * FROM dw_text_rows "
                "WHERE text_id IN (SELECT text_id FROM dw_text_rows ANTI JOIN texts USING (text_id))"
            )
        finally:
            con.unregister("dw_text_rows")
        report.rows_duplicate += len(frame) - len(new)
        report.rows_kept = len(new)
        if len(new):
            texts = new.merge(frame[["text_id", "language"]], on="text_id")
            scores = score_texts(texts, lexicon())
            scores.insert(1, "lexicon_version", lexicon().version)
            con.register("dw_text_scores", scores)
            try:
                con.execute("INSERT INTO text_scores SELECT * FROM dw_text_scores")
            finally:
                con.unregister("dw_text_scores")
        mentions = mentions_frame(new)
        if not mentions.empty:
            con.register("dw_text_partners", mentions)
            try:
                con.execute("INSERT INTO texts_partners SELECT text_id, partner, how FROM dw_text_partners")
            finally:
                con.unregister("dw_text_partners")
        if rejects:
            con.executemany(
                "INSERT INTO rejects VALUES (?, ?, ?, ?)",
                [
                    (report.load_id, line, why, raw.encode("utf-8", "replace").decode("utf-8"))
                    for line, why, raw in rejects
                ],
            )
        report.rows_rejected = len(rejects)
        report.reject_examples = [f"line {line}: {why}" for line, why, _ in sorted(rejects)[:EXAMPLES]]
        record_load(con, report, "ALL", False, started)
    report.seconds = (datetime.now() - started).total_seconds()
    return report


def load_texts(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    mapping: str | None = None,
    collection: str | None = None,
) -> list[LoadReport]:
    """Load each file or folder; one that cannot be read is reported ``failed`` and the others load."""
    columns = parse_mapping(mapping)
    if fmt not in FORMATS:
        raise UsageError(f"unknown text format {fmt!r}: use {', '.join(FORMATS)}")
    reports = []
    for raw_path in paths:
        path = Path(raw_path)
        try:
            source = read_source(path, fmt, columns, collection)
        except InputError as exc:
            reports.append(LoadReport(file=str(path), format=f"texts:{fmt}", status="failed", error=str(exc)))
            continue
        reports.append(load_source(con, source))
    return reports
