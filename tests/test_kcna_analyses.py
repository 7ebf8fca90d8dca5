"""``--source kcna`` in every analysis (issue 27 item 7), and no KCNA event without it (design §9).

A small store: generated KCNA headlines over 2000-2011 (China's visits rise and the accusations
against the US fall in January 2006), loaded with ``ingest-texts`` and coded with ``code-texts``,
beside a dozen chronology events a year. Each command, run on the command line with
``--format json``, answers from KCNA's events when named, and without ``--source`` gives exactly
what ``--source chronology`` gives: the coded events are not read unless asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dyadwatch as dw
from dyadwatch.cli import run

SWITCH = (2006, 1)  # China's visits up, accusations of the US down, from this month
LINES = {
    "CHN": ("Chinese Delegation Arrives", "Greetings to Chinese President"),
    "USA": ("U.S. hostile policy blasted", "U.S. imperialists' war moves slammed"),
    "RUS": ("Russian Delegation Arrives",),
    "JPN": ("Japanese reactionaries denounced",),
}


def headlines(seed: int = 7) -> list[tuple[str, str, str, str]]:
    """KCNA-like headlines, a Poisson number a month per partner, the rates switching at SWITCH."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, str, str]] = []
    for year in range(2000, 2012):
        for month in range(1, 13):
            late = (year, month) >= SWITCH
            rates = {"CHN": 6 if late else 1, "USA": 1 if late else 6, "RUS": 2, "JPN": 2}
            for partner, rate in rates.items():
                for n in range(int(rng.poisson(rate))):
                    day = dt.date(year, month, int(rng.integers(1, 29)))
                    rows.append((day.isoformat(), LINES[partner][n % len(LINES[partner])], "en", f"k/{len(rows)}"))
    return rows


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert run(list(args)) == 0, args
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def kcna_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kcna-analyses")
    source = folder / "headlines.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("date", "title", "language", "link"), *headlines()])
    db = folder / "store.duckdb"
    assert run(["ingest-texts", str(source), "--format", "csv", "--db", str(db)]) == 0
    assert run(["code-texts", "--db", str(db), "--output", "json"]) == 0
    with dw.open(db) as store:
        for year in range(2000, 2012):
            for month, partner in ((3, "CHN"), (4, "USA")):
                store.con.execute(
                    "INSERT INTO events (event_id, source, date, actor1, actor2, event_code, quad_class, goldstein, "
                    "weight, summary, load_id) VALUES (?, 'chronology', ?, 'PRK', ?, '042', 1, 1.9, 1, 'a visit', 0)",
                    [f"c{year}{partner}", f"{year}-{month:02d}-10", partner],
                )
    return db


def without_selection(value: Any) -> Any:
    """The answer without the echoed selection and sources (which name what was asked for)."""
    if isinstance(value, dict):
        return {k: without_selection(v) for k, v in value.items() if k not in ("selection", "sources")}
    if isinstance(value, list):
        return [without_selection(v) for v in value]
    return value


COMMANDS: dict[str, list[str]] = {
    "series": ["series", "PRK", "CHN", "--freq", "M"],
    "breaks": ["breaks", "CHN", "PRK", "--metric", "events", "--freq", "M"],
    "flex": ["flex", "PRK", "--freq", "M", "--partners", "CHN,USA", "--draws", "99"],
    "circumstances": [
        "circumstances",
        "PRK",
        "--freq",
        "M",
        "--partners",
        "CHN,USA",
        "--condition",
        "late=2006-01-01:2011-12-31",
        "--only",
        "late",
    ],
    "compare": ["compare", "PRK"],
    "shifts": ["shifts", "PRK", "--since", "2011-01-01", "--baseline-years", "5"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_default_reads_no_kcna_event(name: str, kcna_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    command = [*COMMANDS[name], "--format", "json", "--db", str(kcna_db)]
    default = cli(capsys, *command)
    named = cli(capsys, *command, "--source", "chronology")
    assert without_selection(default) == without_selection(named)
    assert without_selection(cli(capsys, *command, "--source", "kcna")) != without_selection(default)


def kcna_events(db: Path, where: str) -> int:
    with dw.open(db, read_only=True) as store:
        row = store.con.execute(f"SELECT count(*) FROM events WHERE source = 'kcna' AND {where}").fetchone()
    return int(row[0]) if row else 0


def test_each_analysis_answers_from_kcna(kcna_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--format", "json", "--db", str(kcna_db), "--source", "kcna"]
    rows = cli(capsys, "series", "PRK", "CHN", "--freq", "M", *db)["rows"]
    assert sum(r["events"] for r in rows) == kcna_events(kcna_db, "actor1 = 'PRK' AND actor2 = 'CHN'") > 0
    both = cli(capsys, "series", "PRK", "CHN", "--freq", "M", *db[:-2], "--source", "chronology,kcna")["rows"]
    assert sum(r["events"] for r in both) == sum(r["events"] for r in rows) + 12

    found = cli(capsys, "breaks", "CHN", "PRK", "--metric", "events", "--freq", "M", *db)
    assert found["status"] == "ok"
    days = [dt.date.fromisoformat(b["date"]) for b in found["breaks"]]
    assert any(abs((day - dt.date(*SWITCH, 1)).days) <= 92 for day in days), days
    # Without KCNA the chronology has no CHN -> PRK event: a sentence says why there is no answer.
    empty = cli(capsys, *COMMANDS["breaks"], "--format", "json", "--db", str(kcna_db))
    assert empty["status"] != "ok" and empty["reason"]

    flex = {r["partner"]: r for r in cli(capsys, *COMMANDS["flex"][:-2], "--draws", "99", *db)["partners"]}
    assert flex["CHN"]["status"] == "ok" and flex["CHN"]["lagged_response_p"] is not None
    plain = cli(capsys, *COMMANDS["flex"], "--format", "json", "--db", str(kcna_db))["partners"]
    assert all(r["status"] == "insufficient_data" and r["reason"] for r in plain)

    rows = cli(capsys, *COMMANDS["circumstances"], *db)["rows"]
    assert any(r["status"] == "ok" for r in rows)
    assert all(r["status"] == "ok" or r["reason"] for r in rows)

    pairs = cli(capsys, "compare", "PRK", *db)["correlations"]
    assert any(p["status"] == "ok" and p["correlation"] is not None for p in pairs)

    early = cli(capsys, *COMMANDS["shifts"], *db)
    with dw.open(kcna_db, read_only=True) as store:  # the window ends at the selection's last event
        last = store.con.execute("SELECT max(date) FROM events WHERE source = 'kcna'").fetchone()
    assert last is not None and early["until"] == str(last[0]) != "2011-04-10"  # the chronology's last
    assert {r["partner"] for r in early["partners"]} >= {"CHN", "USA", "RUS", "JPN"}


def test_backtest_from_kcna(kcna_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("name,partner,kind,start\nchina-warms-2006,CHN,rising,2006-01-01\n", encoding="utf-8")
    command = ["backtest", "PRK", "--from", "2005-10-01", "--to", "2006-09-30", "--baseline-years", "5"]
    command += ["--episodes", str(episodes), "--db", str(kcna_db), "--format", "json"]
    kcna = cli(capsys, *command, "--source", "kcna")
    assert kcna["settings"]["sources"] == ["kcna"] and kcna["steps"] == 12
    assert kcna["episodes"][0]["detected_by"] is not None  # China's rise (or the China-Russia bloc's)
    default = cli(capsys, *command)
    assert [e["detected_by"] for e in default["episodes"]] == [None]
