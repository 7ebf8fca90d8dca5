"""The core commands (ingest, export, series, sources, demo) through ``dyadwatch.cli.run`` and,
for exit codes and what a terminal-less user sees, through a child process."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.schema import EVENT_COLUMNS
from dyadwatch.series import SERIES_COLUMNS
from dyadwatch.testing import GeneratedFiles, write_gdelt2

DATA = Path(__file__).parent / "data"
ICEWS_SAMPLE = DATA / "icews-sample" / "events.2018.sample.tab"
GDELT1_SAMPLE = DATA / "gdelt1-export-sample" / "events.csv"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def command_line() -> list[str]:
    """The installed ``dyadwatch`` script beside this Python, else ``python -m dyadwatch``."""
    script = Path(sys.executable).parent / "dyadwatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dyadwatch"]


def child(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command_line(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return write_gdelt2(tmp_path_factory.mktemp("gdelt"), 6_000, files=2, focus_share=0.3, seed=23)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nk.duckdb"


# -- ingest -----------------------------------------------------------------------------------------
def test_ingest_summary_json_reconciles(
    db: Path, generated: GeneratedFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(f) for f in generated.files] + [str(ICEWS_SAMPLE)]
    assert run(["ingest", *files, "--db", str(db), "--output", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [row["file"] for row in summary] == files
    assert [row["format"] for row in summary] == ["gdelt2", "gdelt2", "icews"]
    for row in summary:
        assert row["status"] == "loaded" and row["error"] is None
        parts = row["kept"] + row["outside_focus"] + row["duplicate"] + row["reemitted"] + row["rejected"]
        assert row["read"] == parts
    assert sum(row["read"] for row in summary) == generated.rows + 3705
    assert summary[2]["kept"] == 475
    # Again: nothing added, each file named as already loaded.
    assert run(["ingest", *files, "--db", str(db), "--output", "csv"]) == 0
    again = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["status"] for row in again] == ["already loaded"] * 3


def test_ingest_format_and_focus_options(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["ingest", str(GDELT1_SAMPLE), "--format", "gdelt1", "--focus", "ALL", "--db", str(db), "-o", "json"]) == 0
    )
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["format"], row["kept"] + row["duplicate"], row["outside_focus"]) == ("gdelt1", 710, 0)
    # The wrong format by hand: every row rejected with a reason, nothing loaded, still a summary.
    assert run(["ingest", str(ICEWS_SAMPLE), "--format", "gdelt2", "--db", str(db), "-o", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["read"] == row["rejected"] > 3000 and row["kept"] == 0


def test_ingest_dedupe_reports_how_many_it_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = write_gdelt2(tmp_path / "g", 5_000, focus_share=1.0, reemit_share=0.1, seed=3)
    db = tmp_path / "d.duckdb"
    assert run(["ingest", str(files.files[0]), "--dedupe", "--db", str(db), "-o", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["reemitted"] == files.reemitted_rows == 500
    assert row["kept"] == 4_500


def test_ingest_table_with_a_non_terminal_stderr(db: Path, generated: GeneratedFiles) -> None:
    """No progress bar, no colour codes when stderr is a pipe: the summary table and nothing else."""
    result = child("ingest", *generated.files, "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not ANSI.search(result.stdout)
    assert "ingest summary" in result.stdout and "loaded" in result.stdout
    # A rejected row is named on stderr, still without escape codes.
    bad = db.parent / "bad.export.CSV"
    lines = (DATA / "icews-sample" / "events.2018.sample.tab").read_text(encoding="utf-8").splitlines()
    fields = lines[5].split("\t")
    fields[1] = "2018-02-30"
    lines[5] = "\t".join(fields)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = child("ingest", bad, "--db", db, "--focus", "ALL")
    assert result.returncode == 0
    assert not ANSI.search(result.stderr)
    assert f"rejected {bad} line 6: " in result.stderr and "2018-02-30" in result.stderr


# -- export -----------------------------------------------------------------------------------------
@pytest.fixture
def filled(db: Path, generated: GeneratedFiles) -> Path:
    with dw.open(db) as store:
        store.ingest([*generated.files, ICEWS_SAMPLE, GDELT1_SAMPLE])
    return db


def test_export_events_csv_json_parquet(filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with dw.open(filled, read_only=True) as store:
        total = store.count()
        icews = store.count("icews")
    assert run(["export", "events", "--db", str(filled), "--format", "csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert list(frame.columns) == list(EVENT_COLUMNS) and len(frame) == total
    assert frame["date"].is_monotonic_increasing

    assert run(["export", "events", "--db", str(filled), "--source", "icews", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == icews == 475 and set(records[0]) == set(EVENT_COLUMNS)
    assert {r["source"] for r in records} == {"icews"}

    out = tmp_path / "window.parquet"
    args = ["export", "events", "--db", str(filled), "--from", "2019-03-01", "--to", "2019-03-31"]
    assert run([*args, "--format", "parquet", "--out", str(out)]) == 0
    table = pq.read_table(out).to_pandas()
    assert f"wrote {len(table)} events to {out}" in capsys.readouterr().err
    assert len(table) > 0
    assert table["date"].min().isoformat() >= "2019-03-01" and table["date"].max().isoformat() <= "2019-03-31"

    out_csv = tmp_path / "all.csv"
    assert run(["export", "events", "--db", str(filled), "--out", str(out_csv)]) == 0
    assert out_csv.read_text(encoding="utf-8").count("\n") == total + 1


def test_export_rejects_and_loads(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", "loads", "--db", str(filled), "--format", "csv"]) == 0
    loads = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert (
        len(loads) == 4
        and (
            loads["rows_read"] == loads[[c for c in loads if c.startswith("rows_") and c != "rows_read"]].sum(axis=1)
        ).all()
    )
    assert run(["export", "rejects", "--db", str(filled)]) == 0
    assert capsys.readouterr().out.strip() == "load_id,line,reason,raw,file"  # nothing rejected


def test_bad_date_is_a_usage_error(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export", "events", "--db", str(filled), "--from", "2019-13-01"]) == 2
    assert "bad date" in capsys.readouterr().err


def test_reading_a_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = child("series", "PRK", "CHN", "--db", tmp_path / "none.duckdb")
    assert result.returncode == 1
    missing = tmp_path / "none.duckdb"
    hint = "run `dyadwatch demo` or `dyadwatch ingest FILES`"
    assert result.stderr.strip() == f"error: {missing}: no event store here yet; {hint}"


# -- series -----------------------------------------------------------------------------------------
def test_series_formats_agree_with_the_python_api(
    filled: Path, generated: GeneratedFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    with dw.open(filled, read_only=True) as store:
        expected = store.series("PRK", "CHN", "Q")
    assert run(["series", "PRK", "CHN", "--freq", "Q", "--format", "csv", "--db", str(filled)]) == 0
    from_csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(from_csv.columns) == list(SERIES_COLUMNS)
    assert from_csv["period"].tolist() == [p.isoformat() for p in expected["period"]]
    assert from_csv["events"].tolist() == expected["events"].tolist()
    # The quarterly events equal the generator's monthly totals summed by quarter.
    truth = generated.expected[(generated.expected.actor1 == "PRK") & (generated.expected.actor2 == "CHN")]
    by_quarter = truth.groupby(pd.to_datetime(truth["period"]).dt.to_period("Q"))["events"].sum()
    assert from_csv["events"].tolist() == by_quarter.tolist()

    assert run(["series", "prk", "chn", "--freq", "Q", "--format", "json", "--db", str(filled)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["selection"]["freq"] == "Q" and answer["freq_reason"] is None
    assert answer["summary"].startswith(f"PRK→CHN: {sum(from_csv['events']):,} events in ")
    records = answer["rows"]
    assert [r["events"] for r in records] == from_csv["events"].tolist()
    assert records[0]["period"].startswith(from_csv["period"][0])

    assert run(["series", "PRK", "CHN", "--freq", "Y", "--db", str(filled)]) == 0
    table = capsys.readouterr().out
    assert "PRK → CHN (Y)" in table and "2019-01-01" in table and "2020-01-01" in table


def test_series_undirected_is_the_sum_of_both_directions(filled: Path) -> None:
    with dw.open(filled, read_only=True) as store:
        there = store.series("PRK", "USA", "M", start="2018-01-01", end="2020-12-31")
        back = store.series("USA", "PRK", "M", start="2018-01-01", end="2020-12-31")
        both = store.series("PRK", "USA", "M", undirected=True, start="2018-01-01", end="2020-12-31")
    assert len(both) == 36
    assert (both["events"] == there["events"] + back["events"]).all()
    assert both["goldstein_sum"].tolist() == pytest.approx((there["goldstein_sum"] + back["goldstein_sum"]).tolist())


# -- sources and demo -------------------------------------------------------------------------------
def test_sources_lists_the_bundled_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sources", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [
        "chronology", "provocations", "missile_tests", "un_resolutions", "exercises", "elections", "kcna_2024",
        "unvotes",
    ]  # fmt: skip
    for row in rows:
        assert row["licence"] and row["provenance"] and row["records"] > 0


@pytest.mark.slow
def test_demo_builds_the_store_and_prints_the_site(tmp_path: Path) -> None:
    db, site = tmp_path / "demo.duckdb", tmp_path / "site"
    result = child("demo", "--db", db, "--out", site)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    index = Path(result.stdout.strip().splitlines()[-1])
    assert index == site / "index.html" and index.exists()
    with dw.open(db, read_only=True) as store:
        chronology = store.count("chronology")
        assert chronology > 100
        assert set(store.loads()["format"]) >= {"chronology", "provocations", "missile_tests", "texts:kcna-json"}
        assert store.con.execute("SELECT count(*) FROM texts").fetchone() == (1862,)
    assert "1862 new texts" in result.stderr
    briefs = [p for p in site.glob("*.html") if p.name not in ("index.html", "methods.html")]
    assert len(briefs) >= 8
    # Idempotent: a second run adds no event, and with nothing changed in the store or the options
    # the site is not rewritten (a content hash).
    written = index.stat().st_mtime_ns
    again = child("demo", "--db", db, "--out", site)
    assert again.returncode == 0 and again.stdout.strip() == str(index)
    assert "site unchanged" in again.stderr and index.stat().st_mtime_ns == written
    with dw.open(db, read_only=True) as store:
        assert store.count("chronology") == chronology
    # --force rewrites it.
    forced = child("demo", "--db", db, "--out", site, "--force")
    assert forced.returncode == 0 and "site unchanged" not in forced.stderr
    assert index.stat().st_mtime_ns > written


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["series", "PRK", "CHN"], "interrupted\n"),
        (
            ["ingest", "x.csv"],
            "interrupted: the files being loaded were rolled back; files loaded before them are kept\n",
        ),
    ],
)
def test_ctrl_c_exits_130_and_says_what_it_left(
    args: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (a KeyboardInterrupt where the store is opened): exit 130, one line, no traceback; the
    rollback is mentioned only for a command that loads files."""
    import dyadwatch.api

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(dyadwatch.api, "Store", interrupted)
    assert run([*args, "--db", str(tmp_path / "store.duckdb")]) == 130
    assert capsys.readouterr().err.strip().endswith(said.strip())
