"""The same series query on DuckDB, Spark and (compiled offline) BigQuery (design §6).

Spark runs locally (``local[2]``, started once for this module) over a Parquet export written by
``dyadwatch export events --format parquet``; its series must equal the store's. BigQuery needs
an account, so its SQL is compiled and read, and the GDELT column mapping it uses is run on
DuckDB over the raw GDELT columns to show it gives the store's numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow.parquet as pq
import pytest

import dyadwatch as dw
from dyadwatch import backends
from dyadwatch.cli import run
from dyadwatch.ingest.formats import GDELT2_COLUMNS
from dyadwatch.schema import EVENT_COLUMNS, EVENT_TYPES
from dyadwatch.series import SERIES_COLUMNS, series_over
from dyadwatch.testing import GeneratedFiles, write_gdelt2

DATA = Path(__file__).parent / "data"
COUNTS = ["events", "weighted_events", "q1", "q2", "q3", "q4", "cooperation", "conflict"]
FLOATS = ["goldstein_sum", "goldstein_mean"]


def assert_same_series(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Periods, counts and Goldstein sums identical: scores are stored as tenths (DECIMAL(3, 1)), so
    sums do not depend on the order of additions on any backend."""
    assert list(left.columns) == list(right.columns) == list(SERIES_COLUMNS)
    assert left["period"].tolist() == right["period"].tolist()
    for column in COUNTS:
        assert left[column].tolist() == right[column].tolist(), column
    for column in FLOATS:  # NaN (a period without events has no mean) compared as missing, not as a number
        assert left[column].isna().tolist() == right[column].isna().tolist(), column
        assert left[column].dropna().tolist() == right[column].dropna().tolist(), column


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    return write_gdelt2(tmp_path_factory.mktemp("gdelt"), 20_000, files=2, focus_share=0.25, reemit_share=0.02, seed=17)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, generated: GeneratedFiles) -> Path:
    """A store with the generated GDELT 2.0 files and the real ICEWS sample."""
    db = tmp_path_factory.mktemp("store") / "nk.duckdb"
    with dw.open(db) as store:
        store.ingest([*generated.files, DATA / "icews-sample" / "events.2018.sample.tab"])
    return db


@pytest.fixture(scope="module")
def parquet(loaded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "events.parquet"
    assert run(["export", "events", "--db", str(loaded), "--format", "parquet", "--out", str(out)]) == 0
    return out


def _column_text(csv_text: str, column: str) -> list[str]:
    """A CSV column's cells as printed."""
    lines = csv_text.strip().splitlines()
    index = lines[0].split(",").index(column)
    return [line.split(",")[index] for line in lines[1:]]


# -- the Parquet export ---------------------------------------------------------------------------
def test_parquet_export_keeps_the_events_schema(loaded: Path, parquet: Path) -> None:
    schema = pq.read_schema(parquet)
    assert schema.names == list(EVENT_COLUMNS) == list(EVENT_TYPES)
    assert str(schema.field("date").type) == "date32[day]"
    assert str(schema.field("quad_class").type) == "int8"
    assert str(schema.field("group_id").type) == "string"  # typed even when every value is empty
    with dw.open(loaded, read_only=True) as store:
        assert pq.read_metadata(parquet).num_rows == store.count()
        # The Ibis types the backends declare are those of the store.
        declared = {name: ibis.dtype(kind) for name, kind in EVENT_TYPES.items()}
        assert {name: kind.copy(nullable=True) for name, kind in store.ibis().schema().items()} == declared


# -- Spark --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    session = backends.spark_session(master="local[2]", memory="1g")
    yield session
    session.stop()


SPARK_CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("PRK", "CHN", "M", {}),
    ("RUS", "PRK", "Q", {"undirected": True}),
    ("PRK", "USA", "Y", {"drop_statements": True}),
    ("USA", "PRK", "M", {"start": "2018-06-01", "end": "2019-12-31"}),
    ("PRK", "KOR", "Q", {"normalize": "focus"}),
]


@pytest.mark.spark
@pytest.mark.parametrize(("actor1", "actor2", "freq", "options"), SPARK_CASES)
def test_spark_series_equals_the_duckdb_series(
    spark: Any, loaded: Path, parquet: Path, actor1: str, actor2: str, freq: str, options: dict[str, Any]
) -> None:
    with dw.open(loaded, read_only=True) as store:
        expected = store.series(actor1, actor2, freq, **options)
    assert expected["events"].sum() > 0
    on_spark = backends.spark_series(parquet, actor1, actor2, freq, session=spark, **options)
    assert_same_series(on_spark, expected)


@pytest.mark.spark
def test_series_command_on_spark_prints_what_duckdb_prints(
    spark: Any, loaded: Path, parquet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["series", "PRK", "RUS", "--freq", "Q", "--undirected", "--format", "csv", "--db", str(loaded)]
    assert run(args) == 0
    on_duckdb = capsys.readouterr().out
    assert run([*args, "--backend", "spark", "--events", str(parquet)]) == 0
    on_spark = capsys.readouterr().out
    assert on_spark == on_duckdb  # byte for byte
    left, right = (pd.read_csv(io.StringIO(text)) for text in (on_duckdb, on_spark))
    assert len(left) > 4
    assert_same_series(right, left)
    # Exact sums: every Goldstein sum is printed in tenths, with no floating-point tail.
    assert left["goldstein_sum"].abs().sum() > 0
    assert all(len(text.split(".")[-1]) <= 1 for text in _column_text(on_duckdb, "goldstein_sum"))
    assert spark.sparkContext._jsc is not None  # the shared session was not stopped by the command


@pytest.mark.spark
def test_spark_reads_a_folder_of_parquet_files(spark: Any, loaded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dataset"
    folder.mkdir()
    for source in ("gdelt2", "icews"):
        assert run(["export", "events", "--db", str(loaded), "--source", source, "--format", "parquet",
                    "--out", str(folder / f"{source}.parquet")]) == 0  # fmt: skip
    with dw.open(loaded, read_only=True) as store:
        expected = store.series("PRK", "USA", "M", undirected=True)
    assert_same_series(backends.spark_series(folder, "PRK", "USA", "M", session=spark, undirected=True), expected)


def test_spark_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["series", "PRK", "CHN", "--backend", "spark"]) == 2
    assert "--backend spark needs --events PATH" in capsys.readouterr().err
    assert run(["series", "PRK", "CHN", "--events", "x.parquet"]) == 2
    assert run(["series", "PRK", "CHN", "--backend", "spark", "--events", str(tmp_path / "none.parquet")]) == 1
    assert "none.parquet: no such file or folder" in capsys.readouterr().err


# -- BigQuery (offline) -----------------------------------------------------------------------------
def test_bigquery_sql_targets_gdelts_table_with_the_series_filters() -> None:
    sql = backends.bigquery_sql("PRK", "CHN", "Q", undirected=True, drop_statements=True, start="2019-01-01")
    assert "FROM `gdelt-bq.gdeltv2.events`" in sql
    assert "PARSE_DATE('%Y%m%d', CAST(`t0`.`SQLDATE` AS STRING))" in sql  # GDELT's integer dates
    assert "CONCAT('IGO', `t0`.`Actor1KnownGroupCode`)" in sql  # organisations as the reader stores them
    assert "WHEN 'ROM'" in sql and "THEN 'ROU'" in sql  # CAMEO codes that are not ISO
    assert "DATE_TRUNC(`t1`.`date`, QUARTER)" in sql
    for condition in ("`t1`.`actor1` = 'PRK'", "`t1`.`actor2` = 'CHN'", "`t1`.`actor1` = 'CHN'"):
        assert condition in sql
    assert "IN ('010')" in sql and "DATE(2019, 1, 1)" in sql
    assert "GROUP BY" in sql and "COUNT(*) AS `events`" in sql and "SUM(`t2`.`goldstein`) AS `goldstein_sum`" in sql
    # Another table (GDELT 1.0) and frequency.
    other = backends.bigquery_sql("PRK", "RUS", "Y", table="gdelt-bq.full.events")
    assert "FROM `gdelt-bq.full.events`" in other and "DATE_TRUNC(`t1`.`date`, YEAR)" in other
    assert "IN ('010')" not in other and "'CHN'" not in other


def test_series_command_shows_the_sql(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["series", "PRK", "CHN", "--backend", "bigquery", "--show-sql", "--freq", "Y"]) == 0
    shown = capsys.readouterr().out
    assert shown.strip() == backends.bigquery_sql("PRK", "CHN", "Y").strip()
    assert run(["series", "PRK", "CHN", "--show-sql"]) == 0  # DuckDB's SQL over the events table
    shown = capsys.readouterr().out
    assert 'FROM "events"' in shown and "DATE_TRUNC('MONTH'" in shown
    assert run(["series", "PRK", "CHN", "--backend", "bigquery", "--events", "not-a-table"]) == 2


def test_spark_show_sql_in_a_fresh_process_prints_the_query() -> None:
    """``--backend spark --show-sql`` compiles offline, with no Spark session ever started in the process
    (Ibis's PySpark compiler needs options that only loading its backend registers: it printed an
    AttributeError traceback). A fresh interpreter, since another test may have loaded the backend here."""
    import subprocess
    import sys

    args = ["series", "PRK", "CHN", "--backend", "spark", "--events", "events.parquet", "--show-sql", "--freq", "Y"]
    done = subprocess.run(
        [sys.executable, "-m", "dyadwatch", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "GROUP BY" in done.stdout and "`period`" in done.stdout and "'CHN'" in done.stdout


def test_the_bigquery_mapping_run_on_duckdb_gives_the_stores_series(generated: GeneratedFiles, tmp_path: Path) -> None:
    """GDELT's raw columns, mapped as the BigQuery query maps them, give the ingested numbers."""
    rows: list[dict[str, Any]] = []
    for path in generated.files:
        with zipfile.ZipFile(path) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
        for fields in csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE):
            row = dict(zip(GDELT2_COLUMNS, fields, strict=True))
            rows.append({name: row[name] for name in backends.GDELT_BIGQUERY_COLUMNS})
    raw = pd.DataFrame(rows).drop_duplicates("GLOBALEVENTID")  # BigQuery's table holds each id once
    raw = raw.astype({"GLOBALEVENTID": "int64", "SQLDATE": "int64", "QuadClass": "int64",
                      "GoldsteinScale": "float64", "NumMentions": "int64", "AvgTone": "float64"})  # fmt: skip
    con = duckdb.connect()
    con.execute("CREATE TABLE gdelt AS SELECT * FROM raw")
    events = backends.gdelt_events(ibis.duckdb.from_connection(con).table("gdelt"))
    with dw.open(tmp_path / "s.duckdb") as store:
        store.ingest(generated.files)
        for actor1, actor2, freq in (("PRK", "CHN", "M"), ("USA", "PRK", "Q")):
            assert_same_series(series_over(events, actor1, actor2, freq), store.series(actor1, actor2, freq))
