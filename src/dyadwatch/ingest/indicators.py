"""Load dyad-year evidence into the ``indicators`` table: ``dyadwatch ingest-indicators`` (design §11).

Two formats, each row checked, a bad row filed in ``rejects`` with its file, line and reason and the
rest loaded; the same file loaded again adds nothing (its sha256 is in ``loads``).

``unvotes`` — a newer release of the UN General Assembly roll calls in the layout of the ``unvotes``
data (Robinson's R package, as bundled): the files of one release together,

* votes: ``rcid,country,country_code,vote`` (``country_code`` ISO alpha-2; ``vote`` yes / no / abstain,
  or Voeten's numbers 1 yes, 2 abstain, 3 no, 8 absent, 9 not a member);
* roll calls: ``rcid,…,date,…`` (``date`` YYYY-MM-DD; other columns ignored);
* issues (optional): ``rcid,short_name,issue`` (``me nu di hr co ec``).

The agreement of ``--focus`` with every other member (see :mod:`dyadwatch.analysis.votes`) is
computed and stored as ``un_agreement`` and ``un_agreement_lijphart`` rows (``n`` = shared votes),
overall (``issue`` ``all``) and per issue, replacing the rows of an earlier release for that focus.

``comtrade`` — trade by partner and year, UN Comtrade-style CSV (comma- or tab-separated, a header
row): ``reporter,partner,year,flow,value`` (ISO codes or names; ``flow`` import / export, or
Comtrade's M / X; ``value`` in US dollars), or Comtrade's own names ``reporterISO,partnerISO,
refYear,flowDesc,primaryValue`` (with ``cmdCode``, only ``TOTAL`` rows are used). North Korea
reports no trade statistics, so its trade is read from **mirror statistics**: a partner's reported
imports from the focus are the focus's exports to it (``trade_exports``), its exports to the focus
the focus's imports (``trade_imports``). Per year, ``trade_share`` of partner P = (exports + imports
with P) / the same summed over every reporting partner, and ``trade_hhi`` (partner ``ALL``) = Σ share²,
with ``trade_total`` (partner ``ALL``, US$). Rows reported by the focus itself, and rows not naming
it as partner, are counted as outside the focus. A later file's figure for the same partner, year
and flow replaces an earlier one; the shares of every year it touches are recomputed.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dyadwatch.codebook.countries import to_code
from dyadwatch.codebook.rollcalls import (
    AGREEMENT,
    AGREEMENT_LIJPHART,
    ISSUES,
    VOTE_WORDS,
    agreement_frame,
    alpha2_index,
    check_codes,
    country_of,
)
from dyadwatch.errors import DyadwatchError, InputError, UsageError
from dyadwatch.ingest.pipeline import LoadReport, record_load
from dyadwatch.schema import INDICATOR_COLUMNS
from dyadwatch.store import atomic

FORMATS = ("unvotes", "comtrade")
RAW_LIMIT = 2000
EXAMPLES = 5

#: Column names accepted for each Comtrade field, first match wins (case-insensitive).
COMTRADE_COLUMNS: dict[str, tuple[str, ...]] = {
    "reporter": ("reporter", "reporteriso", "reporter_iso"),
    "partner": ("partner", "partneriso", "partner_iso"),
    "year": ("year", "refyear", "period"),
    "flow": ("flow", "flowdesc", "flowcode"),
    "value": ("value", "primaryvalue", "tradevalue", "trade_value"),
}
FLOWS: dict[str, str] = {
    "import": "import",
    "imports": "import",
    "m": "import",
    "export": "export",
    "exports": "export",
    "x": "export",
}
#: Comtrade areas that are not countries (world, "areas n.e.s.", free zones, bunkers, …).
NOT_COUNTRIES = {"W00", "WLD", "WORLD", "_X", "X1", "XX", "S19", "0"}


@dataclass
class Table:
    """A delimited text file (decompressed) with its header; :meth:`records` parses it lazily, so a
    file of a million roll-call votes is not held as a million Python lists."""

    path: Path
    text: str
    delimiter: str
    header: list[str]
    sha256: str
    _lines: list[str] | None = None

    def records(self) -> Iterator[tuple[int, list[str], int]]:
        """(first line, fields, last line) of each non-blank record after the header."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        try:
            next(reader)
            start = reader.line_num + 1
            for record in reader:
                if record and any(cell.strip() for cell in record):
                    yield start, record, reader.line_num
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(self.path, f"not a readable CSV near line {reader.line_num} ({exc})") from None

    def raw(self, first: int, last: int) -> str:
        """The text of lines ``first``–``last`` (for a reject), cut to 2 000 characters."""
        if self._lines is None:
            self._lines = io.StringIO(self.text, newline="").readlines()
        return "".join(self._lines[first - 1 : last]).rstrip("\r\n")[:RAW_LIMIT]


def read_table(path: Path) -> Table:
    """Read a (possibly gzip-compressed) CSV or tab-separated file; InputError if it cannot be read."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(path, f"a damaged gzip file ({exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not text.strip():
        raise InputError(path, "is empty")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(first), delimiter=delimiter))]
    except (csv.Error, StopIteration) as exc:
        raise InputError(path, f"not a readable CSV header ({exc})") from None
    return Table(path, text, delimiter, header, digest)


@dataclass
class Rejects:
    """Rejected rows of one file: (line, reason, raw)."""

    rows: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, line: int, reason: str, raw: str) -> None:
        self.rows.append((line, reason, raw))


def _columns(table: Table, wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    lower = [h.lower() for h in table.header]
    found: dict[str, int] = {}
    for name, options in wanted.items():
        for option in options:
            if option in lower:
                found[name] = lower.index(option)
                break
    return found


def _cell(record: list[str], index: int | None) -> str:
    return record[index].strip() if index is not None and index < len(record) else ""


def _already(con: duckdb.DuckDBPyConnection, sha256: str, fmt: str, focus: str) -> int | None:
    row = con.execute(
        "SELECT load_id FROM loads WHERE sha256 = ? AND format = ? AND focus = ? ORDER BY load_id LIMIT 1",
        [sha256, fmt, focus],
    ).fetchall()
    return int(row[0][0]) if row else None


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT nextval('load_id_seq')").fetchall()
    return int(row[0][0])


def _file_rejects(con: duckdb.DuckDBPyConnection, report: LoadReport, rejects: Rejects) -> None:
    if rejects.rows:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?)",
            [(report.load_id, line, why, raw) for line, why, raw in rejects.rows],
        )
    report.rows_rejected = len(rejects.rows)
    report.reject_examples = [f"line {line}: {why}" for line, why, _ in sorted(rejects.rows)[:EXAMPLES]]


def _insert(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("dw_indicator_rows", frame[list(INDICATOR_COLUMNS)])
    try:
        con.execute(f"INSERT INTO indicators ({', '.join(INDICATOR_COLUMNS)}) SELECT * FROM dw_indicator_rows")
    finally:
        con.unregister("dw_indicator_rows")


# -- unvotes ------------------------------------------------------------------------------------------
def _unvotes_kind(table: Table) -> str:
    names = {h.lower() for h in table.header}
    if "rcid" in names and "vote" in names and ({"country_code", "country"} & names):
        return "votes"
    if "rcid" in names and "date" in names:
        return "calls"
    if "rcid" in names and ({"short_name", "issue"} & names):
        return "issues"
    raise InputError(
        table.path,
        f"not an unvotes file (header {','.join(table.header)[:200]}); expected the votes "
        "(rcid,country,country_code,vote), the roll calls (rcid,…,date,…) or the issues (rcid,short_name,issue)",
    )


def _integer(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _parse_calls(table: Table, report: LoadReport, rejects: Rejects) -> pd.DataFrame:
    index = {h.lower(): k for k, h in enumerate(table.header)}
    seen: set[int] = set()
    rows = []
    for line, record, last in table.records():
        report.rows_read += 1
        rcid, day = _integer(_cell(record, index["rcid"])), _cell(record, index["date"])
        if rcid is None:
            rejects.add(line, f"rcid {_cell(record, index['rcid'])!r} is not a whole number", table.raw(line, last))
            continue
        try:
            year = date.fromisoformat(day[:10]).year
        except ValueError:
            rejects.add(line, f"date {day!r} is not a date (YYYY-MM-DD)", table.raw(line, last))
            continue
        if rcid in seen:
            report.rows_duplicate += 1
            continue
        seen.add(rcid)
        rows.append((rcid, year))
    return pd.DataFrame(rows, columns=["rcid", "year"])


def _parse_issues(table: Table, report: LoadReport, rejects: Rejects) -> pd.DataFrame:
    index = {h.lower(): k for k, h in enumerate(table.header)}
    by_label = {label.lower(): name for name, label in ISSUES.values()}
    rows: set[tuple[int, str]] = set()
    for line, record, last in table.records():
        report.rows_read += 1
        rcid = _integer(_cell(record, index["rcid"]))
        short = _cell(record, index.get("short_name")).lower()
        label = _cell(record, index.get("issue")).lower()
        if rcid is None:
            rejects.add(line, f"rcid {_cell(record, index['rcid'])!r} is not a whole number", table.raw(line, last))
            continue
        name = ISSUES[short][0] if short in ISSUES else by_label.get(label)
        if name is None:
            rejects.add(line, f"unknown issue {short or label!r} (known: {', '.join(ISSUES)})", table.raw(line, last))
            continue
        if (rcid, name) in rows:
            report.rows_duplicate += 1
            continue
        rows.add((rcid, name))
    return pd.DataFrame(sorted(rows), columns=["rcid", "issue"])


def _parse_votes(table: Table, calls: set[int], report: LoadReport, rejects: Rejects) -> pd.DataFrame:
    index = {h.lower(): k for k, h in enumerate(table.header)}
    seen: set[tuple[int, str]] = set()
    rcids: list[int] = []
    codes: list[str] = []
    cast: list[str] = []
    known: dict[tuple[str, str], str | None] = {}
    for line, record, last in table.records():
        report.rows_read += 1
        rcid = _integer(_cell(record, index["rcid"]))
        alpha2, name = _cell(record, index.get("country_code")), _cell(record, index.get("country"))
        word = _cell(record, index["vote"]).lower()
        if rcid is None:
            rejects.add(line, f"rcid {_cell(record, index['rcid'])!r} is not a whole number", table.raw(line, last))
            continue
        if word not in VOTE_WORDS:
            rejects.add(line, f"unknown vote {word!r} (yes, no, abstain, or 1, 2, 3, 8, 9)", table.raw(line, last))
            continue
        key = (alpha2, name)
        if key not in known:
            known[key] = country_of(alpha2, name)
        code = known[key]
        if code is None:
            why = (
                f"unknown country code {alpha2!r} (not an ISO alpha-2 code we know)"
                if alpha2
                else f"unknown country {name!r} (no code given and the name is not in the crosswalk)"
            )
            rejects.add(line, why, table.raw(line, last))
            continue
        if rcid not in calls:
            rejects.add(line, f"roll call {rcid} is not in the roll-call file (no date)", table.raw(line, last))
            continue
        vote = VOTE_WORDS[word]
        if vote is None:  # absent or not a member: no vote
            report.rows_outside_focus += 1
            continue
        if (rcid, code) in seen:
            report.rows_duplicate += 1
            continue
        seen.add((rcid, code))
        rcids.append(rcid)
        codes.append(code)
        cast.append(vote)
    return pd.DataFrame({"rcid": rcids, "code": codes, "vote": cast})


def load_unvotes(con: duckdb.DuckDBPyConnection, paths: Sequence[Path], focus: str) -> list[LoadReport]:
    """Load one unvotes release (votes, roll calls, optional issues) and store the focus's agreement."""
    reports: list[LoadReport] = []
    tables = _unvotes_tables(paths, reports)
    if not tables:
        return reports
    if all(_already(con, t.sha256, "unvotes", focus) is not None for t in tables.values()):
        for table in tables.values():
            previous = _already(con, table.sha256, "unvotes", focus)
            reports.append(
                LoadReport(file=str(table.path), format="unvotes", status="already loaded", load_id=previous,
                           sha256=table.sha256)
            )  # fmt: skip
        return reports
    started = datetime.now()
    parsed: dict[str, tuple[LoadReport, Rejects]] = {
        kind: (
            LoadReport(file=str(t.path), format="unvotes", status="loaded", sha256=t.sha256, rows_read=0),
            Rejects(),
        )
        for kind, t in tables.items()
    }
    rows = _unvotes_agreement(tables, parsed, focus)
    with atomic(con):
        for kind in ("votes", "calls", "issues"):
            if kind not in parsed:
                continue
            report, rejects = parsed[kind]
            report.load_id = _next_load_id(con)
            _file_rejects(con, report, rejects)
            report.rows_kept = (
                report.rows_read - report.rows_rejected - report.rows_duplicate - report.rows_outside_focus
            )
        votes_load = parsed["votes"][0].load_id
        con.execute("DELETE FROM indicators WHERE focus = ? AND source = 'unvotes'", [focus])
        _insert(con, _agreement_indicators(rows, focus, votes_load))
        for kind in ("votes", "calls", "issues"):
            if kind in parsed:
                record_load(con, parsed[kind][0], focus, False, started)
    seconds = (datetime.now() - started).total_seconds()
    for kind in ("votes", "calls", "issues"):
        if kind in parsed:
            parsed[kind][0].seconds = seconds
            reports.append(parsed[kind][0])
    return reports


def _unvotes_tables(paths: Sequence[Path], reports: list[LoadReport]) -> dict[str, Table]:
    """The release's files by kind (votes, calls, issues); an unreadable file gets a ``failed``
    report in ``reports``, and two files of one kind or a release without votes and roll calls
    is a usage error telling what to give."""
    tables: dict[str, Table] = {}
    for path in paths:
        try:
            table = read_table(path)
            kind = _unvotes_kind(table)
        except InputError as exc:
            reports.append(LoadReport(file=str(path), format="unvotes", status="failed", error=str(exc)))
            continue
        if kind in tables:
            raise UsageError(f"two {kind} files given ({tables[kind].path}, {path}): load one release at a time")
        tables[kind] = table
    if tables and not {"votes", "calls"} <= set(tables):
        missing = [name for name, kind in (("votes", "votes"), ("roll calls", "calls")) if kind not in tables]
        raise UsageError(
            f"--format unvotes needs the votes and the roll-call file of one release together; missing: "
            f"{', '.join(missing)} (e.g. un_votes.csv un_roll_calls.csv [un_roll_call_issues.csv])"
        )
    return tables


def _unvotes_agreement(
    tables: dict[str, Table], parsed: dict[str, tuple[LoadReport, Rejects]], focus: str
) -> pd.DataFrame:
    """Parse the release (counting into ``parsed``) and compute the focus's agreement rows in a
    scratch in-memory database (nothing touches the store yet)."""
    calls = _parse_calls(tables["calls"], *parsed["calls"])
    issues = (
        _parse_issues(tables["issues"], *parsed["issues"])
        if "issues" in tables
        else pd.DataFrame({"rcid": pd.Series(dtype="int64"), "issue": pd.Series(dtype=str)})
    )
    cast = _parse_votes(tables["votes"], set(calls["rcid"]), *parsed["votes"])
    work = duckdb.connect()
    try:
        for name, frame in (("rc_votes", cast), ("rc_calls", calls), ("rc_issues", issues)):
            work.register(f"{name}_df", frame)
            work.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
        return agreement_frame(work, focus)
    finally:
        work.close()


def _agreement_indicators(rows: pd.DataFrame, focus: str, votes_load: int | None) -> pd.DataFrame:
    """The ``indicators`` rows of the agreement table: both measures, one row per partner, year and issue."""
    stored = [
        pd.DataFrame(
            {
                "focus": focus,
                "partner": rows["partner"],
                "year": rows["year"],
                "name": name,
                "value": rows[column],
                "n": rows["votes"],
                "source": "unvotes",
                "issue": rows["issue"],
                "load_id": votes_load,
            }
        )
        for name, column in ((AGREEMENT, "agreement"), (AGREEMENT_LIJPHART, "agreement_lijphart"))
    ]
    return pd.concat(stored, ignore_index=True)


# -- comtrade -----------------------------------------------------------------------------------------
def trade_code(text: str) -> str | None:
    """A dyadwatch code for a Comtrade reporter or partner (ISO alpha-3, alpha-2 or name)."""
    value = text.strip()
    if not value:
        return None
    return to_code(value) or alpha2_index().get(value.upper())


def _comtrade_rows(table: Table, focus: str, report: LoadReport, rejects: Rejects) -> pd.DataFrame:
    """The partners' flows with ``focus`` (mirror statistics), each line counted in ``report`` or rejected."""
    columns = _columns(table, COMTRADE_COLUMNS)
    missing = [name for name in COMTRADE_COLUMNS if name not in columns]
    if missing:
        raise InputError(
            table.path,
            f"no {', '.join(missing)} column (header {','.join(table.header)[:200]}); expected "
            "reporter,partner,year,flow,value or Comtrade's reporterISO,partnerISO,refYear,flowDesc,primaryValue",
        )
    commodity = _columns(table, {"cmd": ("cmdcode", "commoditycode")}).get("cmd")
    seen: dict[tuple[str, int, str], int] = {}
    rows: list[tuple[str, int, str, float]] = []
    for line, record, last in table.records():
        report.rows_read += 1
        parsed = _comtrade_record(record, columns, commodity, focus)
        if parsed is None:
            report.rows_outside_focus += 1
            continue
        if isinstance(parsed, str):
            rejects.add(line, parsed, table.raw(line, last))
            continue
        reporter, year, flow, value = parsed
        key = (reporter, year, flow)
        if key in seen:
            rejects.add(line, f"duplicate of line {seen[key]} ({reporter} {flow} {year})", table.raw(line, last))
            continue
        seen[key] = line
        rows.append(key + (value,))
    return pd.DataFrame(rows, columns=["partner", "year", "flow", "value"])


def _comtrade_record(
    record: list[str], columns: dict[str, int], commodity: int | None, focus: str
) -> tuple[str, int, str, float] | str | None:
    """One Comtrade line as (reporter, year, flow, value); None when it is outside the focus's
    mirror flows, else the reason it is rejected."""
    partner_text = _cell(record, columns["partner"])
    reporter_text = _cell(record, columns["reporter"])
    if trade_code(partner_text) != focus or partner_text.upper() in NOT_COUNTRIES:
        if trade_code(reporter_text) == focus:
            return None  # the focus's own report: mirror statistics use its partners'
        return "no partner" if not partner_text else None
    reporter = trade_code(reporter_text)
    if reporter is None or reporter_text.upper() in NOT_COUNTRIES:
        return f"unknown reporter {reporter_text!r} (use ISO alpha-3 codes or country names)"
    if reporter == focus:
        return None
    year = _integer(_cell(record, columns["year"]))
    if year is None or not 1900 <= year <= 2100:
        return f"year {_cell(record, columns['year'])!r} is not a year"
    flow_text = _cell(record, columns["flow"])
    flow = FLOWS.get(flow_text.lower())
    if flow is None:
        return f"flow {flow_text!r} is neither import nor export"
    value_text = _cell(record, columns["value"])
    try:
        value = float(value_text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        return f"value {value_text!r} is not an amount in US$ (a number, 0 or more)"
    if commodity is not None:
        code = _cell(record, commodity).upper()
        if code and code != "TOTAL":
            return f"commodity {code!r} is not TOTAL: load total trade so nothing counts twice"
    return reporter, year, flow, value


def load_comtrade(con: duckdb.DuckDBPyConnection, path: Path, focus: str) -> LoadReport:
    """Load one Comtrade-style file: mirror flows of ``focus``, then its shares for the years touched."""
    started = datetime.now()
    table = read_table(path)
    previous = _already(con, table.sha256, "comtrade", focus)
    if previous is not None:
        return LoadReport(
            file=str(path), format="comtrade", status="already loaded", load_id=previous, sha256=table.sha256
        )
    report = LoadReport(file=str(path), format="comtrade", status="loaded", sha256=table.sha256, rows_read=0)
    rejects = Rejects()
    flows = _comtrade_rows(table, focus, report, rejects)
    with atomic(con):
        report.load_id = _next_load_id(con)
        _file_rejects(con, report, rejects)
        report.rows_kept = len(flows)
        report.rows_outside_focus = report.rows_read - report.rows_kept - report.rows_rejected - report.rows_duplicate
        if not flows.empty:
            # The partner's imports from the focus are the focus's exports, and the other way round.
            flows["name"] = flows["flow"].map({"import": "trade_exports", "export": "trade_imports"})
            mirrored = pd.DataFrame(
                {
                    "focus": focus,
                    "partner": flows["partner"],
                    "year": flows["year"].astype("int64"),
                    "name": flows["name"],
                    "value": flows["value"].astype(float),
                    "n": 1,
                    "source": "comtrade",
                    "issue": "all",
                    "load_id": report.load_id,
                }
            )
            con.register("dw_mirrored", mirrored)
            con.execute("""DELETE FROM indicators i USING dw_mirrored m
                WHERE i.focus = m.focus AND i.partner = m.partner AND i.year = m.year AND i.name = m.name
                  AND i.source = 'comtrade'""")
            con.unregister("dw_mirrored")
            _insert(con, mirrored)
            _recompute_shares(con, focus, sorted({int(y) for y in flows["year"]}), report.load_id)
        record_load(con, report, focus, False, started)
    report.seconds = (datetime.now() - started).total_seconds()
    return report


def _recompute_shares(con: duckdb.DuckDBPyConnection, focus: str, years: list[int], load_id: int) -> None:
    marks = ", ".join("?" for _ in years)
    con.execute(
        f"""DELETE FROM indicators WHERE focus = ? AND source = 'comtrade'
            AND name IN ('trade_share', 'trade_hhi', 'trade_total') AND year IN ({marks})""",
        [focus, *years],
    )
    flows = con.execute(
        f"""SELECT partner, year, sum(value) AS trade, count(*) AS n FROM indicators
            WHERE focus = ? AND source = 'comtrade' AND name IN ('trade_exports', 'trade_imports')
              AND year IN ({marks})
            GROUP BY partner, year""",
        [focus, *years],
    ).df()
    shares = shares_frame(flows)
    rows = [
        pd.DataFrame(
            {
                "focus": focus,
                "partner": shares["partner"],
                "year": shares["year"],
                "name": "trade_share",
                "value": shares["share"],
                "n": shares["n"],
                "source": "comtrade",
                "issue": "all",
                "load_id": load_id,
            }
        )
    ]
    totals = shares.groupby("year").agg(total=("trade", "sum"), hhi=("square", "sum"), partners=("partner", "count"))
    totals = totals.reset_index()
    for name, column in (("trade_hhi", "hhi"), ("trade_total", "total")):
        rows.append(
            pd.DataFrame(
                {
                    "focus": focus,
                    "partner": "ALL",
                    "year": totals["year"],
                    "name": name,
                    "value": totals[column].astype(float),
                    "n": totals["partners"],
                    "source": "comtrade",
                    "issue": "all",
                    "load_id": load_id,
                }
            )
        )
    _insert(con, pd.concat(rows, ignore_index=True))


def shares_frame(flows: pd.DataFrame) -> pd.DataFrame:
    """``partner, year, trade, n`` → the same with ``share`` (of the year's total) and ``square``.

    A year whose total is 0 gets no shares (0/0 is not a share)."""
    frame = flows.copy()
    frame["year"] = frame["year"].astype("int64")
    frame["trade"] = frame["trade"].astype(float)
    totals = frame.groupby("year")["trade"].transform("sum")
    frame = frame[totals > 0].copy()
    frame["share"] = frame["trade"] / totals[totals > 0]
    frame["square"] = frame["share"] ** 2
    return frame.sort_values(["year", "partner"]).reset_index(drop=True)


# -- entry point --------------------------------------------------------------------------------------
def detect(path: Path) -> str:
    """``unvotes`` or ``comtrade`` from a file's header; InputError when neither."""
    table = read_table(path)
    names = {h.lower() for h in table.header}
    if "rcid" in names:
        return "unvotes"
    if len(_columns(table, COMTRADE_COLUMNS)) == len(COMTRADE_COLUMNS):
        return "comtrade"
    raise InputError(path, "format not recognised (not unvotes roll calls or Comtrade-style trade); pass --format")


def load_indicators(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str | Path], *, fmt: str = "auto", focus: str = "PRK"
) -> list[LoadReport]:
    """Load indicator files (see the module docstring); a file that cannot be read is reported
    ``failed`` and the others still load. Usage problems (format, focus, an incomplete release)
    raise :class:`UsageError` before anything is written."""
    if fmt not in ("auto", *FORMATS):
        raise UsageError(f"unknown format {fmt!r}: use auto, {', '.join(FORMATS)}")
    if focus.strip().upper() == "ALL":
        raise UsageError("--focus ALL is not possible for indicators: name one country (e.g. PRK)")
    code = check_codes([focus], "focus country")[0]
    files = [Path(p) for p in paths]
    reports: list[LoadReport] = []
    kinds: dict[str, list[Path]] = {"unvotes": [], "comtrade": []}
    for path in files:
        if fmt != "auto":
            kinds[fmt].append(path)
            continue
        try:
            kinds[detect(path)].append(path)
        except InputError as exc:
            reports.append(LoadReport(file=str(path), format=fmt, status="failed", error=str(exc)))
    if kinds["unvotes"]:
        reports += load_unvotes(con, kinds["unvotes"], code)
    for path in kinds["comtrade"]:
        try:
            reports.append(load_comtrade(con, path, code))
        except UsageError:
            raise
        except DyadwatchError as exc:
            reports.append(LoadReport(file=str(path), format="comtrade", status="failed", error=str(exc)))
    return reports


def indicator_rows(
    con: duckdb.DuckDBPyConnection,
    focus: str,
    *,
    names: Sequence[str] | None = None,
    partners: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows of the ``indicators`` table for ``focus`` (empty if the store has no such table)."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'indicators'").fetchall()
    if not exists[0][0]:
        return pd.DataFrame(columns=list(INDICATOR_COLUMNS))
    where, params = ["focus = ?"], [focus]
    for column, values in (("name", names), ("partner", partners)):
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += list(values)
    columns = ", ".join(INDICATOR_COLUMNS)
    sql = f"SELECT {columns} FROM indicators WHERE {' AND '.join(where)} ORDER BY name, partner, year"
    return con.execute(sql, params).df()
