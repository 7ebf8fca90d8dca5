"""One selection of events (design §9): the same options on every command, the same numbers through
the CLI, the Python API and the HTTP API, and unknown codes as usage errors that suggest the nearest."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import UsageError
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection
from dyadwatch.web import create_app


def _sql(db: Path, query: str, params: list[Any]) -> Any:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    assert run(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# -- the object ---------------------------------------------------------------------------------------
def test_selection_checks_every_field() -> None:
    with pytest.raises(UsageError, match="--freq must be M"):
        Selection(freq="W")
    with pytest.raises(UsageError, match="unknown source nope"):
        Selection(sources=("chronology", "nope"))
    with pytest.raises(UsageError, match="--from 2020-01-01 is after --to 2019-01-01"):
        Selection(start="2020-01-01", end="2019-01-01")
    with pytest.raises(UsageError, match="bad date: --from"):
        Selection(start="2019-13-01")
    with pytest.raises(UsageError, match=r"--normalize must be none, focus or all"):
        Selection(normalize="some")
    chosen = Selection(freq="Y", sources=("Chronology", "icews", "chronology"), partners=("chn", "RUS"))
    assert chosen.sources == ("chronology", "icews") and chosen.partners == ("CHN", "RUS")
    # The URL form goes back to the same selection.
    assert Selection.from_mapping(chosen.query()) == chosen
    assert chosen.to_dict()["sources"] == ["chronology", "icews"]


def test_unknown_partner_names_the_code_and_suggests() -> None:
    with pytest.raises(UsageError) as caught:
        Selection(partners=("CHN", "Russia"))
    assert "'Russia'" in str(caught.value) and "RUS (Russia)" in str(caught.value)


@pytest.mark.parametrize(
    ("argv", "named", "hint"),
    [
        (["series", "PRK", "XYZ"], "'XYZ'", "ISO alpha-3"),
        (["series", "PRK", "Russia"], "'Russia'", "RUS (Russia)"),
        (["flex", "PRK", "--partners", "CHN,CHNA"], "'CHNA'", "CHN (China)"),
        (["breaks", "Korea", "USA"], "'Korea'", "KOR (South Korea)"),
        (["shifts", "PRK", "--since", "2020-01-01", "--source", "gdelt3"], "gdelt3", "chronology"),
    ],
)
def test_unknown_codes_are_usage_errors(
    bundled_db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], named: str, hint: str
) -> None:
    assert run([*argv, "--db", str(bundled_db)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert named in captured.err and hint in captured.err


# -- a test per command -------------------------------------------------------------------------------
COUNT = (
    "SELECT count(*) FROM events WHERE actor1 = ? AND actor2 = ? AND source IN ('chronology') "
    "AND date BETWEEN ? AND ?"
)


def test_series_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["series", "PRK", "CHN", "--freq", "Y", "--source", "chronology", "--from", "1990-01-01"]
    assert run([*argv, "--to", "1999-12-31", "--format", "csv", "--db", str(bundled_db)]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame["period"].tolist() == [f"{y}-01-01" for y in range(1990, 2000)]
    assert frame["events"].sum() == _sql(bundled_db, COUNT, ["PRK", "CHN", "1990-01-01", "1999-12-31"])
    # --source picks: the provocations list has no PRK → CHN events at all.
    assert run(["series", "PRK", "CHN", "--source", "provocations", "-f", "csv", "--db", str(bundled_db)]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out)).empty


def test_breaks_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        ["breaks", "PRK", "USA", "--freq", "Y", "--source", "chronology", "--from", "1980-01-01", "--to",
         "2019-12-31", "--drop-statements", "--format", "json", "--db", str(bundled_db)],
    )  # fmt: skip
    assert data["n_periods"] == 40 and data["drop_statements"] is True
    assert data["segments"][0]["start"] == "1980-01-01" and data["segments"][-1]["end"] == "2019-01-01"


def test_flex_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        ["flex", "PRK", "--freq", "Y", "--partners", "CHN", "--from", "1990-01-01", "--to", "2019-12-31",
         "--source", "chronology", "--draws", "10", "--format", "json", "--db", str(bundled_db)],
    )  # fmt: skip
    (row,) = data["partners"]
    assert row["partner"] == "CHN" and row["start"] >= "1990-01-01" and row["end"] <= "2019-01-01"
    active = _sql(
        bundled_db,
        "SELECT count(DISTINCT year(date)) FROM events WHERE actor1 = 'PRK' AND actor2 = 'CHN' "
        "AND source = 'chronology' AND date BETWEEN '1990-01-01' AND '2019-12-31'",
        [],
    )
    assert row["active_periods_out"] == active


def test_circumstances_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        ["circumstances", "PRK", "--freq", "Y", "--partners", "CHN", "--from", "1990-01-01", "--to", "2019-12-31",
         "--source", "chronology", "--format", "json", "--db", str(bundled_db)],
    )  # fmt: skip
    assert {row["partner"] for row in data["rows"]} == {"CHN", "pooled"}
    assert max(row["n_periods"] for row in data["rows"] if row["partner"] == "CHN") <= 30


def test_compare_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        ["compare", "PRK", "--partners", "CHN,RUS", "--from", "1990-01-01", "--to", "2019-12-31",
         "--source", "chronology", "--format", "json", "--db", str(bundled_db)],
    )  # fmt: skip
    periods = [row["period"] for row in data["concentration"]]
    assert periods[0] >= "1990-01-01" and periods[-1] <= "2019-01-01"
    first = data["concentration"][0]
    assert first["events"] == _sql(
        bundled_db,
        "SELECT count(*) FROM events WHERE actor1 = 'PRK' AND actor2 <> 'PRK' AND actor2 <> '' "
        "AND source = 'chronology' AND year(date) = ?",
        [int(first["period"][:4])],
    )


def test_shifts_takes_the_whole_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["shifts", "PRK", "--since", "2018-01-01", "--freq", "Y", "--format", "json", "--db", str(bundled_db)]
    plain = _json(capsys, base)
    chosen = _json(capsys, [*base, "--source", "chronology", "--drop-statements", "--normalize", "focus",
                            "--from", "2010-01-01", "--to", "2024-12-31"])  # fmt: skip
    assert chosen["until"] == "2024-12-31" and chosen["baseline_from"] == "2010-01-01"
    assert plain["until"] != chosen["until"]
    assert any("per 1 000 events" in note for note in chosen["notes"]) or chosen["partners"] == []


def test_simulate_takes_the_whole_selection(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["simulate", "PRK", "USA", "--freq", "Y", "--runs", "20", "--seed", "1", "--format", "json"]
    plain = _json(capsys, [*base, "--db", str(bundled_db)])
    chosen = _json(capsys, [*base, "--source", "chronology", "--drop-statements", "--normalize", "focus",
                            "--db", str(bundled_db)])  # fmt: skip
    assert plain["status"] == chosen["status"] == "ok"
    assert plain["strategies"] != chosen["strategies"]
    with dw.open(bundled_db, read_only=True) as store:
        from dyadwatch.analysis.simulate import simulate_dyad

        api = simulate_dyad(
            store,
            "PRK",
            "USA",
            runs=20,
            seed=1,
            selection=Selection(freq="Y", sources=("chronology",), drop_statements=True, normalize="focus"),
        )
    # as the command line writes them: through the one JSON cleaner (floats to 12 significant digits)
    assert json.loads(json.dumps(jsonable(api.to_dict()["strategies"]))) == chosen["strategies"]


def test_export_events_takes_several_sources(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["export", "events", "--source", "provocations", "--source", "missile_tests", "--from", "2017-01-01"]
    assert run([*argv, "--to", "2017-12-31", "--format", "csv", "--db", str(bundled_db)]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(frame["source"]) == {"provocations", "missile_tests"}
    assert len(frame) == _sql(
        bundled_db,
        "SELECT count(*) FROM events WHERE source IN ('provocations', 'missile_tests') AND year(date) = 2017",
        [],
    )


# -- one selection, three ways in ---------------------------------------------------------------------
def test_same_numbers_through_cli_python_and_http(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    selection = Selection(
        freq="Y", sources=("chronology",), start="1985-01-01", end="2019-12-31", normalize="focus",
        drop_statements=True,
    )  # fmt: skip
    with dw.open(bundled_db, read_only=True) as store:
        api = store.series("PRK", "RUS", selection=selection)
    cli = _json(
        capsys,
        ["series", "PRK", "RUS", "--freq", "Y", "--source", "chronology", "--from", "1985-01-01", "--to",
         "2019-12-31", "--normalize", "focus", "--drop-statements", "--format", "json", "--db", str(bundled_db)],
    )["rows"]  # fmt: skip
    client = TestClient(create_app(bundled_db))
    response = client.get("/api/series", params={"a": "PRK", "b": "RUS", **selection.query()})
    assert response.status_code == 200
    http = response.json()
    assert http["selection"] == selection.to_dict()
    assert len(api) == len(cli) == len(http["series"]) == 35
    for column in ("events", "goldstein_sum", "goldstein_mean", "q1", "q4"):
        # a period without events has no goldstein_mean: NaN in the frame, null in both JSONs
        expected = [None if value != value else value for value in api[column].tolist()]
        for face in (cli, http["series"]):
            got = [row[column] for row in face]
            assert [value is None for value in got] == [value is None for value in expected], column
            assert [v for v in got if v is not None] == pytest.approx([v for v in expected if v is not None], abs=1e-9)
    assert api["events"].sum() > 0
    assert None in [row["goldstein_mean"] for row in cli]  # the span has years without events


def test_http_unknown_code_is_4xx_with_a_suggestion(bundled_db: Path) -> None:
    client = TestClient(create_app(bundled_db))
    response = client.get("/api/series", params={"a": "PRK", "b": "RUA"})
    assert response.status_code == 400
    assert "'RUA'" in response.json()["error"] and "RUS (Russia)" in response.json()["error"]
    bad_source = client.get("/api/series", params={"a": "PRK", "b": "CHN", "source": "nope"})
    assert bad_source.status_code == 400 and "unknown source nope" in bad_source.json()["error"]
    events = client.get("/api/events", params={"a": "PRK", "source": "provocations", "limit": 5})
    assert events.status_code == 200
    assert {row["source"] for row in events.json()["events"]} == {"provocations"}


@pytest.mark.parametrize(
    "selection",
    [
        Selection(freq="M"),
        Selection(freq="Y", sources=("chronology",), start="1970-06-15", end="2019-12-31"),
        Selection(freq="Q", drop_statements=True, normalize="focus"),
        Selection(freq="Y", sources=("chronology", "provocations"), normalize="all"),
    ],
)
def test_the_stores_sql_series_equals_the_ibis_series(bundled_db: Path, selection: Selection) -> None:
    """The DuckDB store answers `series` with plain SQL (no Ibis on the path of a simple query); the
    Ibis expression, which Spark and BigQuery run, gives the same frame."""
    from dyadwatch.series import series_over

    with dw.open(bundled_db, read_only=True) as store:
        for undirected in (False, True):
            by_sql = store.series("PRK", "USA", undirected=undirected, selection=selection)
            by_ibis = series_over(store.ibis(), "PRK", "USA", undirected=undirected, selection=selection)
            assert by_sql["events"].sum() > 0
            pd.testing.assert_frame_equal(by_sql, by_ibis)


def test_series_on_the_store_loads_neither_ibis_nor_the_analysis_layer(bundled_db: Path) -> None:
    """Speed: nothing heavy on the path of a simple query (issue 10: `series` ≤ 0.4 s on the demo store)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom dyadwatch.cli import run\n"
        f"code = run(['series', 'PRK', 'CHN', '--freq', 'Y', '--db', {str(bundled_db)!r}])\n"
        "print(code, sorted(m for m in ('ibis', 'statsmodels', 'ruptures', 'scipy', 'sqlglot') if m in sys.modules))"
    )
    src = str(Path(__file__).parents[1] / "src")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": src})
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr
