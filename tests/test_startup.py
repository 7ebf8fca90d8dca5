"""Start-up (issues 10 and 14): `--help` and a simple `series` load nothing heavy, and the series
printed without pandas is byte for byte the one printed from the pandas frame.

These are tests of what is imported and printed, never of timings (``benchmarks/startup.py``
measures those)."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import date
from pathlib import Path

import click
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.cli import OutFormat, print_frame, print_rows
from dyadwatch.selection import Selection
from dyadwatch.series import SERIES_COLUMNS, series_rows
from dyadwatch.testing.events import event_frame, visit_row

ROOT = Path(__file__).parents[1]
SRC = ROOT / "src"
HEAVY = {
    "pandas", "numpy", "pyarrow", "ibis", "sqlglot", "statsmodels", "scipy", "ruptures", "matplotlib", "fastapi",
    "uvicorn", "jinja2",
}  # fmt: skip


def _load_benchmark() -> object:
    spec = importlib.util.spec_from_file_location("startup_benchmark", ROOT / "benchmarks" / "startup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


benchmark = _load_benchmark()


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PRK → CHN and back over two years, with scores whose sums and means are not round numbers."""
    path = tmp_path_factory.mktemp("startup") / "small.duckdb"
    scores = [(1.9, 1), (-4.4, 4), (3.4, 2), (-0.1, 3), (7.0, 1), (0.3, 2), (-2.2, 3)]
    rows = []
    for number, day in enumerate(pd.date_range("2018-01-03", "2019-12-20", freq="9D")):
        goldstein, quad = scores[number % len(scores)]
        partner = "CHN" if number % 5 else "USA"
        row = visit_row(f"e{number}", day, "PRK", partner, number % 3 != 0, summary="s", reference="r")
        rows.append({**row, "goldstein": goldstein, "quad_class": quad, "weight": 1 + number % 4})
    with dw.open(path) as store:
        store.load_frame(event_frame(rows), label="startup test", sha256="startup-test", fmt="csv")
    return path


def _traced(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m dyadwatch ARGS``; the result and the heavy libraries it imported."""
    command = [sys.executable, "-X", "importtime", "-m", "dyadwatch", *args]
    done = subprocess.run(command, capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, timeout=300)
    imported = set(benchmark.imported_modules(done.stderr))  # type: ignore[attr-defined]
    assert {"dyadwatch", "click"} <= imported, done.stderr[-2000:]  # the trace was read
    return done, imported & (HEAVY | {"rich", "duckdb"})


def test_help_imports_nothing_heavy() -> None:
    """Nor Rich, nor DuckDB: the help is Click's alone."""
    done, heavy = _traced("--help")
    assert done.returncode == 0 and "series" in done.stdout and "ingest" in done.stdout
    assert heavy == set()


def test_a_usage_error_imports_nothing_heavy() -> None:
    """An unknown country code is checked before the store is opened; its one line needs no Rich."""
    done, heavy = _traced("series", "PRK", "XYZ", "--db", "/nonexistent/store.duckdb")
    assert done.returncode == 2 and "XYZ" in done.stderr and "Traceback" not in done.stderr
    assert heavy == set()


@pytest.mark.parametrize(
    "extra",
    [
        ["--freq", "M"],
        ["--freq", "M", "--format", "csv"],
        ["--freq", "Q", "--normalize", "focus", "--from", "2018-02-10", "--undirected"],
    ],
    ids=["table", "csv", "normalized"],
)
def test_series_imports_nothing_heavy(small_store: Path, extra: list[str]) -> None:
    done, heavy = _traced("series", "PRK", "CHN", *extra, "--db", str(small_store))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2019-10-01" in done.stdout
    assert heavy - {"duckdb"} == set() and "duckdb" in heavy  # off a terminal even the table needs no Rich


def test_the_trace_sees_pandas_where_it_is_used(small_store: Path) -> None:
    """The check above can fail: `export events --format json` builds a pandas frame, and the trace shows it."""
    done, heavy = _traced("export", "events", "--format", "json", "--db", str(small_store))
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"pandas", "numpy"} <= heavy
    assert "rich" not in heavy


def test_import_dyadwatch_is_light_and_names_load_on_use(small_store: Path) -> None:
    code = (
        "import sys, dyadwatch\n"
        "print(sorted(m for m in ('duckdb', 'pandas', 'numpy', 'statsmodels') if m in sys.modules))\n"
        "from dyadwatch import Store, dyad_series\n"
        "print('duckdb' in sys.modules, 'pandas' in sys.modules, 'statsmodels' in sys.modules)\n"
        f"with dyadwatch.open({str(small_store)!r}, read_only=True) as store:\n"
        "    print(type(store) is Store, int(dyad_series(store, 'PRK', 'CHN', 'Y')['events'].sum()))\n"
        "print('pandas' in sys.modules, callable(dyadwatch.breaks), 'breaks' in dir(dyadwatch))\n"
        "try:\n    dyadwatch.no_such_name\nexcept AttributeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)})
    assert done.returncode == 0, done.stderr
    with dw.open(small_store, read_only=True) as store:
        events = int(store.series("PRK", "CHN", "Y")["events"].sum())
    assert events > 0
    assert done.stdout.splitlines() == [
        "[]",
        "True False False",  # DuckDB for the store; pandas only once a frame is built
        f"True {events}",
        "True True True",
        "module 'dyadwatch' has no attribute 'no_such_name'",
    ]


SELECTIONS = [
    Selection(),
    Selection(freq="Q", start="2018-02-10", end="2019-08-31"),
    Selection(freq="Y", normalize="focus"),
    Selection(freq="M", normalize="all", start="2017-11-15"),
    Selection(freq="Q", start="2030-01-01"),  # no rows
    Selection(freq="Q", start="2025-01-01", end="2025-12-31", normalize="focus"),  # filled with zeros only
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: s.describe())
@pytest.mark.parametrize("fmt", [OutFormat.table, OutFormat.csv])
@pytest.mark.parametrize("columns", [None, "all", "conflict,period,goldstein_mean"])
def test_rows_print_as_the_frame_does(small_store: Path, selection: Selection, fmt: OutFormat, columns: str) -> None:
    """What `series` prints from plain rows equals what the pandas frame prints, byte for byte."""
    with dw.open(small_store, read_only=True) as store:
        frame = store.series("PRK", "CHN", selection=selection, undirected=True)
        rows = series_rows(store.con, "PRK", "CHN", selection, undirected=True)
    from_frame, from_rows = io.StringIO(), io.StringIO()
    default = ("period", "events", "goldstein_sum", "goldstein_mean", "cooperation", "conflict")
    with redirect_stdout(from_frame):
        print_frame(frame, fmt, "title", columns=columns, default=default)
    with redirect_stdout(from_rows):
        print_rows(rows, SERIES_COLUMNS, fmt, "title", numeric=SERIES_COLUMNS[1:], columns=columns, default=default)
    assert from_rows.getvalue() == from_frame.getvalue()
    assert len(from_rows.getvalue().splitlines()) >= 1


def test_series_rows_fill_periods_and_keep_types(small_store: Path) -> None:
    with dw.open(small_store, read_only=True) as store:
        quarterly = series_rows(store.con, "PRK", "CHN", Selection(freq="Q", start="2018-02-10", end="2018-12-31"))
        normalised = series_rows(store.con, "PRK", "CHN", Selection(freq="Y", normalize="focus"))
    assert [row["period"] for row in quarterly] == [date(2018, m, 1) for m in (1, 4, 7, 10)]
    assert all(type(row["events"]) is int and type(row["goldstein_sum"]) is float for row in quarterly)
    assert all(list(row) == list(SERIES_COLUMNS) for row in quarterly)
    assert all(type(row["events"]) is float for row in normalised)
    assert sum(row["events"] for row in normalised) > 0


def test_series_json_is_unchanged_and_unknown_columns_are_a_usage_error(
    small_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dyadwatch.cli import run

    assert run(["series", "PRK", "CHN", "--columns", "period,nope", "--db", str(small_store)]) == 2
    assert "unknown column nope: choose from period, events" in capsys.readouterr().err
    with pytest.raises(ValueError, match="JSON goes through print_frame"):
        print_rows([], SERIES_COLUMNS, OutFormat.json, numeric=())


def test_benchmark_smoke_run(small_store: Path, tmp_path: Path) -> None:
    """The benchmark's report and its marked section, never its timings."""
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Ingest (issue 2)\n\nkept as it is\n", encoding="utf-8")
    numbers = tmp_path / "startup.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--db", str(small_store), "--repeat", "1"]
    command += ["--doc", str(doc), "--json", str(numbers)]
    for _ in range(2):  # the second run replaces its own section
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## Ingest (issue 2)\n\nkept as it is\n")
    assert text.count("<!-- startup:begin -->") == text.count("<!-- startup:end -->") == 1
    assert text.count("## Start-up") == 1 and "| `dyadwatch series PRK CHN` |" in text and "≤ 0.4 s" in text
    import json

    data = json.loads(numbers.read_text(encoding="utf-8"))
    series = data["commands"]["dyadwatch series PRK CHN"]
    assert series["wall_s"] > 0 and series["cpu_s"] > 0 and series["heavy_imports"] == []
    assert data["commands"]["dyadwatch series PRK CHN --format json"]["heavy_imports"] == []  # rows, no pandas
    assert {"cpu", "cores", "python", "duckdb", "click"} <= set(data["machine"])


# -- long tables: dyadwatch.tables prints what Rich prints ------------------------------------------
def _rich_and_fast(cells: list[list[str]], columns: list[dict[str, object]], terminal: bool) -> tuple[str, str, bool]:
    """The table rendered by Rich alone and by :func:`dyadwatch.tables.print_table`, and whether the
    shortcut was taken."""
    from rich.console import Console

    from dyadwatch import tables

    def console() -> tuple[Console, io.StringIO]:
        buffer = io.StringIO()
        # colours as Rich picks them for a terminal and for a pipe
        made = Console(file=buffer, width=100, force_terminal=terminal, color_system="truecolor" if terminal else None)
        return made, buffer

    rich_console, rich_buffer = console()
    rich_console.print(tables._table("a title", columns, cells), width=100)
    fast_console, fast_buffer = console()
    shortcut = tables._fast_render(fast_console, "a title", columns, cells, 100) is not None
    tables.print_table(fast_console, "a title", columns, cells, 100)
    return rich_buffer.getvalue(), fast_buffer.getvalue(), shortcut


NUMBERS = [{"header": name, "justify": "right", "overflow": "fold"} for name in ("events", "goldstein_mean")]
PERIOD = {"header": "period", "justify": "left", "overflow": "fold", "min_width": 10}
TEXT = {"header": "summary", "justify": "left", "overflow": "fold", "min_width": 24}
DASHES = [["1990-01-01", "—", "-0.5"], ["1991-01-01", "12,345", "—"], ["1992-01-01", "1", "2"]]
MARKUP = [["1990-01-01", "[bold]x[/bold]"], ["1991-01-01", ":flag_cn:"], ["1992-01-01", "y"]]
WIDE = [PERIOD, *[{**NUMBERS[0], "header": f"column_number_{i}"} for i in range(8)]]


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
@pytest.mark.parametrize(
    ("columns", "cells", "shortcut"),
    [
        ([PERIOD, *NUMBERS], [[f"19{n:02d}-01-01", str(n * 7), f"{n / 7:.3g}"] for n in range(60)], True),
        ([PERIOD, *NUMBERS], DASHES, True),
        ([PERIOD, TEXT], [["1990-01-01", "short"], ["1991-01-01", "a b c d"], ["1992-01-01", "x"]], True),
        # a text that must wrap: Rich renders the whole table
        ([PERIOD, TEXT], [["1990-01-01", "word " * 30], ["1991-01-01", "x"], ["1992-01-01", "y"]], False),
        # markup and emoji codes are Rich's to interpret
        ([PERIOD, TEXT], MARKUP, False),
        # wider than 100 characters: Rich crops the right edge
        (WIDE, [["1990-01-01"] + ["1"] * 8] * 4, False),
    ],
    ids=["series", "dashes", "texts", "wrapping", "markup", "cropped"],
)
def test_long_tables_print_as_rich_prints_them(
    columns: list[dict[str, object]], cells: list[list[str]], shortcut: bool, terminal: bool
) -> None:
    by_rich, by_shortcut, taken = _rich_and_fast(cells, columns, terminal)
    assert taken is shortcut
    assert by_shortcut == by_rich
    assert ("\x1b[" in by_rich) is terminal  # the terminal case carries styles (title, header)


def _help(*args: str) -> str:
    from click.testing import CliRunner

    from dyadwatch.cli import app

    result = CliRunner().invoke(app, [*args, "--help"], prog_name="dyadwatch", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_help_lists_every_command_with_the_start_of_its_docstring() -> None:
    from dyadwatch.cli import app

    lines = _help().splitlines()
    entries: list[str] = []  # one per command: its name line and the lines that continue its summary
    for line in lines[lines.index("Commands:") + 1 :]:
        if line[2:3] != " ":
            entries.append(line.strip())
        else:
            entries[-1] += " " + line.strip()
    assert [entry.split()[0] for entry in entries] == list(app.commands)  # in the order they were added
    assert len(app.commands) >= 20 and {"ingest", "series", "flex", "export", "sync"} <= set(app.commands)
    for entry, (name, command) in zip(entries, app.commands.items(), strict=True):
        assert command.help, name
        first_words = " ".join(command.help.split()[:4])
        summary = entry.split(maxsplit=1)[1]
        assert summary.startswith(first_words), (entry, first_words)
        # Whole sentences, or cut at two lines' worth: never the one-line stub Click prints by default.
        assert summary.endswith(".") or summary.endswith("...") and len(summary) > 80, entry


SHARED = ["--freq", "--normalize", "--drop-statements", "--source", "--from", "--to", "--columns", "--db"]


@pytest.mark.parametrize("command", ["series", "breaks", "flex", "circumstances", "compare", "simulate", "shifts"])
def test_every_reading_command_shows_the_shared_options_with_one_help(command: str) -> None:
    """The selection's options (design §9) are declared once: the same help on every command."""
    from dyadwatch.cli import app

    text = _help(command)
    for option in [*SHARED, "-f, --format"]:
        assert f"  {option} " in text, (command, option)
    series, other = app.commands["series"], app.commands[command]
    assert isinstance(series, click.Command) and isinstance(other, click.Command)
    helps = {p.name: getattr(p, "help", None) for p in series.params}
    for param in other.params:
        if param.name in ("normalize", "drop_statements", "source", "columns", "output", "db", "freq"):
            assert getattr(param, "help", None) == helps[param.name], (command, param.name)


def test_series_help_teaches_arguments_defaults_and_examples() -> None:
    text = _help("series")
    assert text.startswith("Usage: dyadwatch series [OPTIONS] ACTOR1 ACTOR2\n")
    assert "  ACTOR1  Initiator, ISO alpha-3 (e.g. PRK)." in text
    assert "[default: (from the data: Y under 2 events a month per dyad, else M)]" in " ".join(text.split())
    assert "--format [table|json|csv]" in text
    # Each example keeps its own line (a \b paragraph in the docstring), however long.
    examples = [line.strip() for line in text.splitlines() if "Example:" in line]
    assert examples == [
        "Example: dyadwatch series PRK CHN --freq Q --format csv",
        "Example: dyadwatch series PRK CHN --backend spark --events events.parquet",
        "Example: dyadwatch series PRK CHN --backend bigquery --show-sql",
    ]


def test_choices_are_the_enum_values_and_case_sensitive() -> None:
    from dyadwatch.cli import EraChoice, Freq, ValueChoice

    assert ValueChoice(EraChoice).convert("kim-il-sung", None, None) is EraChoice.kim_il_sung
    assert ValueChoice(Freq).convert(Freq.Q, None, None) is Freq.Q
    for wrong in ("kim_il_sung", "ALL"):
        with pytest.raises(click.BadParameter, match="is not one of 'all', 'kim-il-sung'"):
            ValueChoice(EraChoice).convert(wrong, None, None)
    assert "[all|kim-il-sung|kim-jong-il|kim-jong-un]" in _help("flex")


def test_an_unknown_command_gets_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    from dyadwatch.cli import run

    assert run(["seris", "PRK", "CHN"]) == 2
    err = capsys.readouterr().err
    assert "No such command 'seris'" in err and "Did you mean" in err and "'series'" in err
    assert run([]) == 2  # no command: the help (on stdout, to read or page), as a usage error
    assert "Commands:" in capsys.readouterr().out
    assert run(["export"]) == 2
    assert "  rejects " in capsys.readouterr().out


# -- the console script's exit: Python's exit handlers, less its teardown ------------------------------
# With a thread: one still running when the command returns, which Python waits for. The thread starts
# its 0.5 s only once the command has returned (a sleep from the start raced a slow command on a loaded
# machine: the thread could finish, and print, before the table).
EXIT_CHILD = """
import atexit, sys, threading, time
atexit.register(lambda: print("exit handler ran", flush=True))
mode = sys.argv[1]
sys.argv = ["dyadwatch", *sys.argv[2:]]
from dyadwatch.cli import entry
if mode == "thread":
    returned = threading.Event()
    command = entry.run
    def run_then_release():
        code = command()
        returned.set()
        return code
    entry.run = run_then_release
    def finish_later():
        returned.wait()
        time.sleep(0.5)
        print("thread finished", flush=True)
    threading.Thread(target=finish_later).start()
entry.main()
"""


@pytest.mark.parametrize("thread", [False, True], ids=["alone", "with a thread"])
def test_main_runs_exit_handlers_and_flushes(small_store: Path, thread: bool) -> None:
    args = ["thread" if thread else "alone", "series", "PRK", "CHN", "--freq", "M", "--format", "csv"]
    args += ["--db", str(small_store)]
    done = subprocess.run(
        [sys.executable, "-c", EXIT_CHILD, *args], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("period,events,") and any(line.startswith("2019-12-01,") for line in lines)
    assert lines[-1] == "exit handler ran"  # after the table, which was flushed first
    assert ("thread finished" in lines) is thread


def test_main_exit_code_of_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-c", EXIT_CHILD, "alone", "series", "PRK", "XYZ"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert done.returncode == 2 and done.stdout == "exit handler ran\n"
    assert done.stderr.count("\n") == 1 and "unknown country code 'XYZ'" in done.stderr
