"""Tables that read (issue 10): each analysis's table shows a curated set of columns that fits 100
characters with long texts wrapped, not cut; --columns chooses; csv and json keep everything."""

from __future__ import annotations

import io
import json
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
    assert run(argv) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert len(lines) >= 5, table
    assert max(len(line) for line in lines) <= TABLE_WIDTH, table
    assert "…" not in table  # nothing is cut off: long texts wrap
    assert run([*argv, "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    shown = [column for column in TABLE_COLUMNS.get(name, frame.columns) if column in frame.columns]
    for column in shown:
        assert column in table.replace("\n", " ") or column[:8] in table, column
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
