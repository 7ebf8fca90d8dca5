"""Tables that read (issue 10): each analysis's table shows a curated set of columns that fits 100
characters with long texts wrapped, not cut; --columns chooses; csv and json keep everything."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from dyadwatch.cli import TABLE_COLUMNS, TABLE_WIDTH, run

COMMANDS = {
    "series": ["series", "PRK", "CHN", "--freq", "Y"],
    "breaks": ["breaks", "PRK", "USA", "--freq", "Y", "--metric", "events"],
    "flex": ["flex", "PRK", "--freq", "Y", "--draws", "5", "--partners", "CHN,RUS,CUB"],
    "circumstances": ["circumstances", "PRK", "--freq", "Y", "--partners", "CHN"],
    "compare": ["compare", "PRK", "--partners", "CHN,RUS"],
    "shifts": ["shifts", "PRK", "--since", "2018-01-01", "--freq", "Y"],
    "simulate": ["simulate", "PRK", "USA", "--freq", "Y", "--runs", "5"],
    "votes": ["votes", "PRK", "--partners", "CHN,RUS"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_table_fits_100_characters_and_csv_keeps_everything(
    name: str, bundled_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*COMMANDS[name], "--db", str(bundled_db)]
    assert run([*argv, "--quiet"]) == 0  # the table alone (the answer above it is one line, wrapped by the terminal)
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert len(lines) >= 5, table
    assert max(len(line) for line in lines) <= TABLE_WIDTH, table
    assert "…" not in table  # nothing is cut off: long texts wrap
    assert run([*argv, "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    shown = [column for column in TABLE_COLUMNS.get(name, frame.columns) if column in frame.columns]
    rule = next((index for index, line in enumerate(lines) if line.startswith("┡")), 0)
    head = [line.strip("┃").split("┃") for line in lines[:rule] if line.startswith("┃")]  # the first header
    headers = {"".join(cell.strip() for cell in column) for column in zip(*head, strict=True)}
    records = {line.split()[0] for line in lines if line[:1].isalpha() and "  " in line}  # one block per row
    for column in shown:
        assert column in headers or column in records, column
    assert set(shown) <= set(frame.columns)
    if name in TABLE_COLUMNS:
        assert len(frame.columns) > len(shown)  # the table is a curated subset; csv has them all


def test_long_text_wraps_instead_of_being_cut(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["shifts", "PRK", "--since", "2018-01-01", "--freq", "Y", "--db", str(bundled_db)]
    assert run([*argv, "--format", "json"]) == 0
    summaries = [shift["summary"] for shift in json.loads(capsys.readouterr().out)["shifts"]]
    assert summaries and max(len(text) for text in summaries) > 40
    assert run(argv) == 0
    table = " ".join(part.strip(" │┃") for part in capsys.readouterr().out.splitlines())
    for summary in summaries:
        for word in summary.split():
            assert word in table, word  # every word of the evidence sentence is shown


def test_columns_option(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["flex", "PRK", "--freq", "Y", "--draws", "5", "--partners", "CHN", "--db", str(bundled_db)]
    assert run([*argv, "--columns", "partner,ci_low,ci_high"]) == 0
    header = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("┃"))
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == ["partner", "ci_low", "ci_high"]
    assert run([*argv, "--columns", "partner,flexibility", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "partner,flexibility"
    assert run([*argv, "--columns", "partner,nonsense"]) == 2
    assert "unknown column nonsense" in capsys.readouterr().err


# -- plain_table: Rich's layout off a terminal, without Rich ---------------------------------------
NARROW = "abcXYZ019 .,-_/%()+→éü—"  # one cell a character, as Rich counts
ODD = NARROW + "漢\u0301[:"  # now and then a wide or combining character, markup or an emoji code


def _rich(
    title: str | None, columns: list[dict[str, object]], cells: list[list[str]], width: int, terminal: bool = False
) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    system = "standard" if terminal else None
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system=system)  # type: ignore[arg-type]
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(**column)  # type: ignore[arg-type]
    for row in cells:
        table.add_row(*row)
    console.print(table, width=width)
    return buffer.getvalue()


def test_plain_table_is_what_rich_prints_off_a_terminal() -> None:
    """1 000 generated tables (1-6 columns, titles, min widths, widths 10-100): where plain_table
    answers, it answers what Rich prints, byte for byte, off a terminal and (styled) on one; and it
    answers for many of them."""
    from dyadwatch.tables import plain_table

    answered = 0
    for seed in range(1000):
        rng = random.Random(seed)

        def text(rng: random.Random = rng) -> str:
            alphabet = NARROW if rng.random() < 0.95 else ODD
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))).strip(
                " " if rng.random() < 0.9 else ""
            )

        count = rng.randint(1, 6)
        columns: list[dict[str, object]] = []
        for _ in range(count):
            column: dict[str, object] = {"header": text(), "justify": rng.choice(["left", "right"])}
            if rng.random() < 0.5:
                column["min_width"] = rng.randint(0, 24)
            columns.append(column)
        cells = [[text() for _ in range(count)] for _ in range(rng.randint(1, 6))]
        title = rng.choice([None, text()])
        width = rng.randint(10, 100)
        plain = plain_table(title, columns, cells, width)
        if plain is not None:
            answered += 1
            assert plain == _rich(title, columns, cells, width), (seed, title, columns, cells, width)
            styled = plain_table(title, columns, cells, width, styled=True)
            assert styled == _rich(title, columns, cells, width, terminal=True), (seed, title, columns, cells)
    assert answered > 250  # the comparison is not vacuous


def test_plain_table_answers_for_the_usual_tables_and_declines_what_it_cannot_lay_out() -> None:
    from dyadwatch.tables import plain_table

    columns: list[dict[str, object]] = [
        {"header": "period", "justify": "left", "min_width": 10},
        {"header": "events", "justify": "right"},
    ]
    cells = [["2019-01-01", "3"], ["2019-02-01", "1,204"]]
    plain = plain_table("series PRK → CHN", columns, cells, 100)
    assert plain is not None and plain == _rich("series PRK → CHN", columns, cells, 100)
    assert plain_table(None, columns, [["x" * 120, "1"]], 100) is None  # would wrap
    assert plain_table(None, columns, [["漢字", "1"]], 100) is None  # wide characters
    assert plain_table(None, columns, [["[bold]x", "1"]], 100) is None  # Rich markup
    assert plain_table(None, [{"header": "a", "justify": "center"}], [["x"]], 100) is None


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal (FORCE_COLOR)"])
def test_series_table_is_printed_without_rich_and_as_rich_prints_it(bundled_db: Path, terminal: bool) -> None:
    """`series` prints its table without loading Rich, and prints what Rich prints (the Rich path
    chosen in the same process by making plain_table decline)."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\nimport dyadwatch.tables as tables\nfrom dyadwatch.cli import run\n"
        f"args = ['series', 'PRK', 'CHN', '--freq', 'Y', '--db', {str(bundled_db)!r}]\n"
        "plain = io.StringIO()\nwith contextlib.redirect_stdout(plain):\n    run(args)\n"
        "loaded = 'rich' in sys.modules\ntables.plain_table = lambda *a, **k: None\n"
        "rich = io.StringIO()\nwith contextlib.redirect_stdout(rich):\n    run(args)\n"
        "print(loaded, 'rich' in sys.modules, plain.getvalue() == rich.getvalue(), '\\x1b[1m' in plain.getvalue())\n"
    )
    env = {"PYTHONPATH": str(Path(__file__).parents[1] / "src"), "TERM": "xterm-256color", "COLUMNS": "120"}
    if terminal:
        env["FORCE_COLOR"] = "1"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.stdout.split() == ["False", "True", "True", str(terminal)], done.stdout + done.stderr
