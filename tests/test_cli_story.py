"""Issue 28 items 1-4 on the command line: every answer a sentence first, no promised column cut,
clean numbers in JSON and CSV, and a default frequency that follows the selected data."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.selection import Selection, choose_freq
from dyadwatch.testing.bulk import bulk_events


# -- the default frequency (item 4) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def dense_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with PRK↔CHN dense enough for monthly periods: 6 000 events over three years."""
    path = tmp_path_factory.mktemp("dense") / "dense.duckdb"
    frame = bulk_events(6_000, seed=3, partners=("CHN",), start="2020-01-01", end="2022-12-31", growth=0.0)
    with dw.open(path) as store:
        store.load_frame(frame, label="dense", sha256=hashlib.sha256(b"dense").hexdigest(), fmt="csv")
    return path


def test_choose_freq_is_yearly_for_the_sparse_demo_dyads(bundled_db: Path) -> None:
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        for partners in (["CHN"], ["USA"], None):
            freq, reason = choose_freq(con, "PRK", partners)
            assert freq == "Y", reason
            assert reason.startswith("yearly:") and "under 2" in reason
    finally:
        con.close()


def test_choose_freq_is_monthly_for_a_dense_dyad(dense_db: Path) -> None:
    con = duckdb.connect(str(dense_db), read_only=True)
    try:
        freq, reason = choose_freq(con, "PRK", ["CHN"])
        assert freq == "M", reason
        assert "2020-01 to 2022-12" in reason
        # the same dyad over a selection of one rare source only is sparse again
        sparse, why = choose_freq(con, "PRK", ["CHN"], Selection(sources=("icews",), start="2022-06-01"))
        events = con.execute(
            "SELECT count(*) FROM events WHERE actor1='PRK' AND actor2='CHN' AND source='icews' AND date>='2022-06-01'"
        ).fetchone()
        assert events is not None
        months = 7
        assert sparse == ("Y" if events[0] / months < 2 else "M"), why
    finally:
        con.close()


def test_choose_freq_says_when_there_is_nothing_to_choose_from(bundled_db: Path) -> None:
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        freq, reason = choose_freq(con, "PRK", ["RUS"], Selection(start="2026-01-01"))
        assert freq == "M" and "no events of PRK→RUS" in reason
    finally:
        con.close()


# -- the command line: a sentence first, nothing cut, clean numbers (items 1-3) -----------------------
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: Binary residue of float arithmetic as repr() writes it: 6.000000000000001, 2.1999999999999997.
RESIDUE = re.compile(r"\d\.\d*0000000\d|\d\.\d*9999999\d")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def captured_run(args: list[str]) -> tuple[int, str, str]:
    """``run(args)`` with its stdout and stderr captured (for a fixture, where capsys cannot be used)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    return code, out.getvalue(), err.getvalue()


def command_line() -> list[str]:
    script = Path(sys.executable).parent / "dyadwatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dyadwatch"]


def on_terminal(args: list[str], columns: int | None) -> str:
    """stdout of the command as a terminal ``columns`` wide shows it (None: piped), escapes removed."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TTY_COMPATIBLE", "FORCE_COLOR", "NO_COLOR")}
    if columns is not None:
        env.update(COLUMNS=str(columns), TTY_COMPATIBLE="1")
    done = subprocess.run([*command_line(), *args], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    return ANSI.sub("", done.stdout)


def shown_columns(text: str) -> list[set[str]]:
    """The column names of each table in ``text``, a header's lines joined again (a name broken after
    an underscore reads whole), and of each block of a record layout."""
    tables: list[set[str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("┏"):
            parts: list[list[str]] = []
            index += 1
            while index < len(lines) and lines[index].startswith("┃"):
                cells = [cell.strip() for cell in lines[index].strip("┃").split("┃")]
                parts.append(cells)
                index += 1
            tables.append({"".join(column) for column in zip(*parts, strict=True)})
        elif line.startswith("-- row 1 of "):
            names: set[str] = set()
            index += 1
            while index < len(lines) and not lines[index].startswith("-- row "):
                if lines[index] and not lines[index].startswith(" "):
                    names.add(lines[index].split()[0])
                index += 1
            tables.append(names)
        index += 1
    return tables


def test_a_table_header_is_never_broken_inside_a_word() -> None:
    from dyadwatch.cli.output import split_header

    assert split_header("provocation_days_in_window", 7) == "provocation_\ndays_\nin_\nwindow"
    assert split_header("provocation_days_in_window", 16) == "provocation_\ndays_in_window"
    assert split_header("hhi", 1) == "hhi"
    for name in ("lagged_response_p", "a_b_c", "rhetoric_index"):
        for width in range(1, 20):
            lines = split_header(name, width).split("\n")
            assert "".join(lines) == name
            assert all(line.endswith("_") for line in lines[:-1])


# -- every answer a sentence first (item 1) -----------------------------------------------------------
#: One call of each analysis command, small enough for a test (seconds each on the demo store).
ANALYSES: dict[str, list[str]] = {
    "series": ["series", "PRK", "CHN"],
    "breaks": ["breaks", "PRK", "USA", "--freq", "Y", "--metric", "goldstein_sum"],
    "flex": ["flex", "PRK", "--partners", "CHN,RUS,USA", "--draws", "20"],
    "circumstances": ["circumstances", "PRK", "--partners", "CHN,USA", "--only", "sanctions"],
    "compare": ["compare", "PRK"],
    "votes": ["votes", "PRK", "--partners", "CHN,RUS,USA"],
    "shifts": ["shifts", "PRK", "--since", "2025-01-01"],
    "backtest": ["backtest", "PRK", "--from", "2018-01-01", "--to", "2018-12-31", "--source", "chronology"],
    "provocations": ["provocations", "PRK", "--permutations", "99"],
    "simulate": ["simulate", "PRK", "USA", "--runs", "20", "--seed", "1"],
    "rhetoric": ["rhetoric", "PRK", "--freq", "M"],
}


@pytest.fixture(scope="module")
def answers(bundled_db: Path) -> dict[str, tuple[dict[str, object], str, str]]:
    """Each analysis's JSON, table and CSV (or its second table form) on the demo store, run once."""
    out: dict[str, tuple[dict[str, object], str, str]] = {}
    for name, args in ANALYSES.items():
        db = ["--db", str(bundled_db)]
        texts = []
        for fmt in ("json", "table", "csv"):
            # In this process (the CLI's own entry point, as `cli` above): stdout is not a terminal,
            # as in a pipe. A fresh process each would import the analyses 33 times (~1.5 s each).
            code, stdout, stderr = captured_run([*args, "--format", fmt, *db])
            assert code == 0, (name, fmt, stderr)
            texts.append(stdout)
        out[name] = (json.loads(texts[0]), texts[1], texts[2])
    return out


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_every_analysis_states_its_answer_above_its_table(
    name: str, answers: dict[str, tuple[dict[str, object], str, str]]
) -> None:
    data, table, _ = answers[name]
    summary = data["summary"]
    assert isinstance(summary, str) and summary.endswith(".") and 1 <= summary.count(". ") + 1 <= 12
    # The sentences come first: the table's first line follows them, and they are the JSON's words.
    first = table.split("\n", 1)[0]
    assert first and first.split()[0] == summary.split()[0], (first, summary)
    words = " ".join(table.split())
    assert " ".join(summary.split())[:60] in words


def test_the_sentences_are_generated_from_the_numbers(
    answers: dict[str, tuple[dict[str, object], str, str]],
) -> None:
    flex = answers["flex"][0]
    partners = flex["partners"]
    assert isinstance(partners, list)
    ok = sum(1 for row in partners if row["status"] == "ok")
    assert str(flex["summary"]).startswith(f"{ok} of {len(partners)} partners of PRK")
    series = answers["series"][0]
    rows = series["rows"]
    assert isinstance(rows, list)
    events = sum(int(row["events"]) for row in rows)
    assert f"{events:,} events" in str(series["summary"])
    assert "yearly" in str(series["freq_reason"])  # the demo's PRK→CHN is sparse: chosen yearly, said why
    votes = answers["votes"][0]
    assert "2020 is left out: too few shared roll calls" in str(votes["summary"])  # January 2020: one roll call


def test_quiet_leaves_only_the_table(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["votes", "PRK", "--partners", "CHN", "--db", str(bundled_db)]
    code, loud, _ = cli(capsys, *args)
    assert code == 0
    code, quiet, _ = cli(capsys, *args, "--quiet")
    assert code == 0
    assert loud.startswith("Share of UN General Assembly roll calls PRK voted alike")
    assert not quiet.startswith("Share") and quiet.strip() and quiet in loud
    code, data, _ = cli(capsys, *args, "--quiet", "--format", "json")
    assert code == 0 and json.loads(data)["summary"].startswith("Share of UN")


SILENT_BEFORE = [
    (["series", "PRK", "FRA"], "No events of PRK→FRA in the store"),
    (
        ["series", "PRK", "RUS", "--from", "2026-01-01", "--normalize", "all"],
        "No events of PRK→RUS: the window starts 2026-01-01, after its last event in these sources",
    ),
    (["breaks", "PRK", "USA", "--freq", "Y", "--metric", "goldstein_sum"], "No regime change in PRK"),
    (["rhetoric", "PRK", "--freq", "M"], "partners has enough months with both an index and events"),
]


@pytest.mark.parametrize(("args", "reason"), SILENT_BEFORE)
def test_an_empty_or_partial_answer_says_why(
    args: list[str], reason: str, bundled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, *args, "--db", str(bundled_db))
    assert code == 0
    assert reason in " ".join(out.split())


def test_an_empty_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "nk.duckdb"
    with dw.open(db):  # a store with its tables and no events
        pass
    code, out, _ = cli(capsys, "series", "PRK", "USA", "--db", str(db))
    assert code == 0 and out.startswith("The store is empty: no events are loaded")
    code, out, err = cli(capsys, "series", "PRK", "USA", "--db", str(db), "--format", "csv")
    assert out.startswith("period,events") and "The store is empty" in err


def test_the_default_frequency_follows_the_data(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "series", "PRK", "CHN", "--db", str(bundled_db), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["selection"]["freq"] == "Y"
    assert data["freq_reason"].startswith("Frequency chosen from the data, yearly: PRK→CHN averages")
    assert len(data["rows"]) < 100  # not 913 months, 94 % of them empty
    code, out, _ = cli(capsys, "series", "PRK", "CHN", "--db", str(bundled_db), "--format", "json", "--freq", "M")
    data = json.loads(out)
    assert data["selection"]["freq"] == "M" and data["freq_reason"] is None and len(data["rows"]) > 800


def test_the_default_frequency_is_monthly_on_dense_data(dense_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "series", "PRK", "CHN", "--db", str(dense_db))
    assert code == 0
    assert "Frequency chosen from the data, monthly: PRK→CHN averages" in " ".join(out.split())
    assert "PRK → CHN (M)" in out


# -- clean numbers (item 3) ----------------------------------------------------------------------------
def test_no_binary_residue_in_any_json_or_csv(answers: dict[str, tuple[dict[str, object], str, str]]) -> None:
    for name, (data, _, csv_text) in answers.items():
        for text in (json.dumps(data), csv_text):
            found = RESIDUE.findall(text)
            assert not found, (name, found[:3])


def test_the_numbers_behind_them_do_carry_residue(bundled_db: Path) -> None:
    """What the cleaning removes is there: compare's effective partners (1 / HHI) and bloc shares,
    written as Python writes floats, carry binary residue; through the one JSON cleaner they do not."""
    from dyadwatch.analysis.patterns import compare
    from dyadwatch.jsonable import jsonable

    with dw.open(bundled_db, read_only=True) as store:
        data = compare(store, "PRK", selection=Selection(freq="Y")).to_dict()
    raw = json.dumps(data, default=str)
    assert RESIDUE.search(raw), "no residue in the raw numbers: the scan above would prove nothing"
    assert not RESIDUE.search(json.dumps(jsonable(data)))


def test_numbers_in_a_column_share_their_decimals() -> None:
    from dyadwatch.cli.output import column_format

    show = column_format([0.046, 0.0229, 0.0062, None, 0.0000001])
    assert [show(v) for v in (0.046, 0.0229, 0.0062, None, 0.0000001)] == ["0.0460", "0.0229", "0.0062", "—", "<0.0001"]
    whole = column_format([3.0, 12.0, 1500.0])
    assert [whole(v) for v in (3.0, 1500.0)] == ["3", "1,500"]
    assert column_format([True, False])(True) == "yes"


# -- no promised column cut (item 2) -------------------------------------------------------------------
#: The columns the README and the issue name for each command's table.
PROMISED: dict[str, tuple[list[str], set[str]]] = {
    "sources": (["sources"], {"name", "licence", "provenance", "first", "last"}),
    "series": (["series", "PRK", "CHN"], {"period", "events", "goldstein_sum", "goldstein_mean"}),
    "flex": (
        ["flex", "PRK", "--partners", "CHN,USA", "--draws", "20"],
        {
            "partner",
            "status",
            "focus_first",
            "focus_first_ci_low",
            "focus_first_ci_high",
            "lagged_response_p",
            "reason",
        },
    ),  # fmt: skip
    "circumstances": (
        ["circumstances", "PRK", "--partners", "CHN,USA", "--only", "sanctions"],
        {"condition", "partner", "difference", "difference_p"},
    ),
    "compare": (["compare", "PRK"], {"hhi", "effective_partners", "china_russia", "west", "other"}),
    "provocations": (
        ["provocations", "PRK", "--permutations", "99"],
        {"trigger", "side", "rate_ratio", "p_value", "p_value_adjusted"},
    ),
    "backtest": (
        ["backtest", "PRK", "--from", "2018-01-01", "--to", "2018-12-31", "--source", "chronology"],
        {"name", "detected", "delay_months"},
    ),
}


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_promised_columns_are_never_cut(name: str, bundled_db: Path) -> None:
    args, promised = PROMISED[name]
    for columns in (80, 120, None):
        db = [] if name == "sources" else ["--db", str(bundled_db)]  # sources lists the bundled files
        text = on_terminal([*args, *db], columns)
        tables = shown_columns(text)
        assert tables, (name, columns, text[:500])
        assert promised <= tables[0], (name, columns, promised - tables[0])
        boxed = [line for line in text.splitlines() if line[:1] in "┏┃┡│└"]  # the tables' lines
        assert max((len(line) for line in boxed), default=0) <= min(columns or 100, 100), (name, columns)
        if name == "backtest":  # booleans in words, not Python's
            assert "True" not in text and "False" not in text


def test_ingest_summary_keeps_rejected_with_long_file_names(tmp_path: Path) -> None:
    long = tmp_path / ("a-very-long-file-name-of-events-" * 3 + ".csv")
    long.write_text("Date,Src,Tgt,Code\n2019-01-02,PRK,CHN,042\nnot a date,PRK,CHN,042\n")
    db = tmp_path / "nk.duckdb"
    args = ["ingest", str(long), "--format", "csv", "--map", "date=Date,actor1=Src,actor2=Tgt,event_code=Code"]
    text = on_terminal([*args, "--db", str(db)], 80)
    assert {"file", "kept", "rejected"} <= shown_columns(text)[0]
