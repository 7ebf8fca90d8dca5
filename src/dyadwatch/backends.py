"""The dyad series on other engines (design §6): Spark over a Parquet export, BigQuery over GDELT.

The query is the one Ibis expression of :func:`dyadwatch.series.series_expr`; only the ``events``
table it runs over changes:

* ``duckdb`` — the store (the default, :meth:`dyadwatch.Store.series`);
* ``spark`` — a Parquet file or folder written by ``dyadwatch export events --format parquet``,
  read by a local Spark session through Ibis's PySpark backend (the ``[spark]`` extra and Java);
* ``bigquery`` — GDELT's public table (``gdelt-bq.gdeltv2.events`` by default), its columns mapped
  to the events schema the way the GDELT reader maps them (:mod:`dyadwatch.ingest.readers`). It
  needs the ``ibis-framework[bigquery]`` extra and Google Cloud credentials; :func:`bigquery_sql`
  compiles the query offline, which is how it is tested.

Example::

    from dyadwatch.backends import spark_series, bigquery_sql
    frame = spark_series("events.parquet", "PRK", "CHN", freq="Q")
    print(bigquery_sql("PRK", "CHN", freq="Q"))
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import platformdirs

from dyadwatch.codebook.countries import CAMEO_DIFFERS
from dyadwatch.errors import DyadwatchError, InputError, StoreError, UsageError
from dyadwatch.periods import check_freq
from dyadwatch.schema import EVENT_TYPES
from dyadwatch.series import Normalize, series_expr, series_over

if TYPE_CHECKING:
    import pandas as pd

Backend = Literal["duckdb", "spark", "bigquery"]
BACKENDS: tuple[str, ...] = ("duckdb", "spark", "bigquery")

#: GDELT 2.0 events in BigQuery's public datasets; ``gdelt-bq.full.events`` holds GDELT 1.0.
GDELT_BIGQUERY_TABLE = "gdelt-bq.gdeltv2.events"
#: The columns of GDELT's BigQuery event tables that the series needs, with their BigQuery types.
GDELT_BIGQUERY_COLUMNS: dict[str, str] = {
    "GLOBALEVENTID": "int64",
    "SQLDATE": "int64",
    "Actor1Code": "string",
    "Actor1CountryCode": "string",
    "Actor1KnownGroupCode": "string",
    "Actor2Code": "string",
    "Actor2CountryCode": "string",
    "Actor2KnownGroupCode": "string",
    "EventCode": "string",
    "QuadClass": "int64",
    "GoldsteinScale": "float64",
    "NumMentions": "int64",
    "AvgTone": "float64",
    "SOURCEURL": "string",
}

# Spark's own console logging, down to errors (its default config prints WARN lines and a banner;
# a logger configured for org.apache.spark stops the "Setting default log level" notice).
_LOG4J2 = """\
rootLogger.level = error
logger.spark.name = org.apache.spark
logger.spark.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


# -- Spark --------------------------------------------------------------------------------------
def spark_session(master: str = "local[2]", memory: str = "1g") -> Any:
    """A quiet local Spark session: ``master`` threads, ``memory`` for the driver, no web UI.

    Raises :class:`~dyadwatch.errors.UsageError` with an install hint when PySpark or Java is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("--backend spark needs PySpark: pip install 'dyadwatch[spark]' (and a Java runtime)") from None
    config = Path(platformdirs.user_cache_dir("dyadwatch")) / "log4j2.properties"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(_LOG4J2, encoding="utf-8")
    java_options = f"-Dlog4j2.configurationFile=file:{config}"
    builder = (
        SparkSession.builder.master(master)
        .appName("dyadwatch")
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", java_options)
    )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # PySpark raises plain exceptions when the JVM cannot start
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot start Spark ({first}); is a Java runtime installed (make java-deps)?") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def spark(master: str = "local[2]", memory: str = "1g") -> Iterator[Any]:
    """A local Spark session for a ``with`` block: the running one if any, else a new one that
    is stopped afterwards."""
    try:
        from pyspark.sql import SparkSession

        running = SparkSession.getActiveSession()
    except ImportError:
        running = None  # spark_session explains what to install
    session = running or spark_session(master, memory)
    try:
        yield session
    finally:
        if running is None:
            session.stop()


def _export(path: str | Path) -> Path:
    """The path of a Parquet export, checked before anything starts Spark."""
    source = Path(path)
    if not source.exists():
        raise InputError(source, "no such file or folder; write one with `dyadwatch export events --format parquet`")
    return source


def spark_events(path: str | Path, session: Any) -> Any:
    """The events of a Parquet export as an Ibis table on Spark."""
    import ibis

    source = _export(path)
    table = ibis.pyspark.connect(session).read_parquet(str(source))
    missing = [
        name
        for name in ("date", "actor1", "actor2", "event_code", "quad_class", "goldstein", "weight")
        if name not in table.columns
    ]
    if missing:
        raise InputError(source, f"is not a dyadwatch events export (no {', '.join(missing)} column)")
    return table


def spark_series(
    path: str | Path,
    actor1: str,
    actor2: str,
    freq: str = "M",
    *,
    session: Any | None = None,
    **options: Any,
) -> pd.DataFrame:
    """The dyad series computed by Spark over a Parquet export; same frame as ``Store.series``.

    ``session`` reuses a running Spark session (tests, notebooks); without it a local one is
    started and stopped. ``options`` are those of :func:`dyadwatch.series.dyad_series`.
    """
    check_freq(freq)
    _export(path)  # before paying for a Spark start
    if session is None:
        with spark() as started:
            return series_over(spark_events(path, started), actor1, actor2, freq, **options)
    return series_over(spark_events(path, session), actor1, actor2, freq, **options)


# -- BigQuery -----------------------------------------------------------------------------------
def _gdelt_actor(code: Any, country: Any, group: Any) -> Any:
    """The GDELT reader's actor rule in Ibis: IGO + known group, else the ISO country code."""
    import ibis

    return ibis.cases(
        (code.startswith("IGO") & group.notnull() & (group != ""), "IGO" + group),
        (code.startswith("IGO"), code.substr(0, 6)),
        (country.notnull() & (country != ""), country.substitute(CAMEO_DIFFERS)),
        else_=ibis.null("string"),
    )


def gdelt_events(table: Any) -> Any:
    """GDELT's event columns (a BigQuery table or any table with them) as the events schema."""
    return table.select(
        date=table.SQLDATE.cast("string").as_date("%Y%m%d"),
        actor1=_gdelt_actor(table.Actor1Code, table.Actor1CountryCode, table.Actor1KnownGroupCode),
        actor2=_gdelt_actor(table.Actor2Code, table.Actor2CountryCode, table.Actor2KnownGroupCode),
        event_code=table.EventCode,
        quad_class=table.QuadClass.cast("int8"),
        goldstein=table.GoldsteinScale.cast("decimal(3, 1)"),  # tenths, as in the store: exact sums
        weight=table.NumMentions.cast("int32"),
        tone=table.AvgTone,
        reference=table.SOURCEURL,
    )


def unbound_gdelt_events(table_name: str = GDELT_BIGQUERY_TABLE) -> Any:
    """GDELT's BigQuery table as an unbound Ibis table (no connection), mapped to events."""
    import ibis

    return gdelt_events(ibis.table(GDELT_BIGQUERY_COLUMNS, name=table_name))


def unbound_events(name: str = "events") -> Any:
    """An unbound Ibis table with the events schema of design §3, for compiling SQL."""
    import ibis

    return ibis.table(EVENT_TYPES, name=name)


def series_sql(events: Any, actor1: str, actor2: str, freq: str, dialect: str, **options: Any) -> str:
    """The SQL text of the series query over ``events`` in ``dialect`` (duckdb, pyspark, bigquery)."""
    import ibis

    check_freq(freq)
    if dialect == "pyspark":
        # Ibis's PySpark compiler reads ``ibis.options.pyspark``, which exists only once the backend has
        # been loaded (a connection does it; so does the first access to ``ibis.pyspark``); compiled
        # offline, without one, it raised AttributeError.
        try:
            ibis.pyspark  # noqa: B018 - the access loads the backend and registers its options
        except ImportError:
            raise UsageError("--backend spark needs PySpark: pip install 'dyadwatch[spark]'") from None
    return str(ibis.to_sql(series_expr(events, actor1, actor2, freq, **options), dialect=dialect))


def bigquery_sql(
    actor1: str, actor2: str, freq: str = "M", *, table: str = GDELT_BIGQUERY_TABLE, **options: Any
) -> str:
    """The BigQuery Standard SQL of the series over GDELT's public table, compiled offline."""
    return series_sql(unbound_gdelt_events(table), actor1, actor2, freq, "bigquery", **options)


def bigquery_series(
    actor1: str,
    actor2: str,
    freq: str = "M",
    *,
    table: str = GDELT_BIGQUERY_TABLE,
    project: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run the series on BigQuery (billing ``project``, default ``$GOOGLE_CLOUD_PROJECT``).

    Needs ``pip install 'ibis-framework[bigquery]'`` and Google credentials
    (``gcloud auth application-default login``). Not exercised by the test suite, which has no
    account: it checks the compiled SQL instead (:func:`bigquery_sql`).
    """
    import ibis

    try:
        con = ibis.bigquery.connect(project_id=project or os.environ.get("GOOGLE_CLOUD_PROJECT"))
    except (ImportError, ModuleNotFoundError, AttributeError):
        raise UsageError(
            "--backend bigquery needs pip install 'ibis-framework[bigquery]' and Google Cloud credentials; "
            "--show-sql prints the query without running it"
        ) from None
    except Exception as exc:
        raise StoreError(f"cannot connect to BigQuery ({str(exc).splitlines()[0]})") from None
    project_id, dataset, name = _split_table(table)
    events = gdelt_events(con.table(name, database=(project_id, dataset)))
    try:
        return series_over(events, actor1, actor2, freq, **options)
    except DyadwatchError:
        raise
    except Exception as exc:
        raise StoreError(f"BigQuery query failed ({str(exc).splitlines()[0]})") from None


def _split_table(table: str) -> tuple[str, str, str]:
    parts = table.split(".")
    if len(parts) != 3 or not all(parts):
        raise UsageError(f"--events for bigquery is project.dataset.table, not {table!r}")
    return parts[0], parts[1], parts[2]


__all__ = [
    "BACKENDS",
    "GDELT_BIGQUERY_TABLE",
    "Backend",
    "Normalize",
    "bigquery_series",
    "bigquery_sql",
    "gdelt_events",
    "series_sql",
    "spark",
    "spark_events",
    "spark_series",
    "spark_session",
    "unbound_events",
    "unbound_gdelt_events",
]
