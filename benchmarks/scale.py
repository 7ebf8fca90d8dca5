"""Scaling benchmark: ingest and one dyad's series at 1, 4 and 16 M generated GDELT 2.0 rows.

Run it with ``make bench-scale`` (or ``.venv/bin/python benchmarks/scale.py --help``). It

1. generates the rows once with the project's generator (:func:`dyadwatch.testing.write_gdelt2`),
   as zipped files of ``--part-rows`` rows each (1 M by default, distinct event ids), cached in
   ``build/scale/``; the 4 M point loads the first 4 files, the 16 M point all 16;
2. for each size, in fresh child processes: loads the files into a new store with
   ``Store.ingest`` (time and peak resident memory of the child); computes North Korea → China's
   monthly series through the Python API (``Store.series``) and with a hand-written DuckDB SQL
   query on the same store (median of ``--repeat`` runs of each after a first one, the two
   alternated, and that first one);
   and, unless ``--no-spark``, exports the events to Parquet and computes the same series on a
   local Spark session (``dyadwatch.backends.spark_series``; Spark's start-up reported apart);
3. checks that the three series agree, then writes a table and a chart (SVG) into
   ``docs/benchmarks.md`` between ``<!-- scale:begin -->`` and ``<!-- scale:end -->`` (other
   sections stay) and ``docs/benchmarks-scale.svg``.

Targets (issue 14): ingest time linear in the rows and memory flat; the series at most 1 s at
16 M rows and within 1.2x the hand-written query. Nothing here runs in the test suite but a tiny
smoke run (``tests/test_benchmark.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dyadwatch.testing.benchdoc import markers, write_section

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "scale"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = markers("scale")
TARGET_SERIES_S = 1.0  # the series at the largest size
TARGET_VS_SQL = 1.2  # the Python API against the hand-written query
DYAD = ("PRK", "CHN")

# The series of design §5 written by hand: what ``Store.series(PRK, CHN)`` must cost at most.
SQL = """
SELECT CAST(date_trunc('month', date) AS DATE) AS period, count(*) AS events, sum(weight) AS weighted_events,
       sum(goldstein) AS goldstein_sum, count_if(quad_class = 1) AS q1, count_if(quad_class = 2) AS q2,
       count_if(quad_class = 3) AS q3, count_if(quad_class = 4) AS q4
FROM events WHERE actor1 = ? AND actor2 = ? GROUP BY 1 ORDER BY 1
"""


# -- data -----------------------------------------------------------------------------------------
def parts(count: int, part_rows: int, cache: Path, seed: int) -> list[dict[str, Any]]:
    """Generate (or reuse) ``count`` zipped files of ``part_rows`` rows; what each holds."""
    from dyadwatch.testing import write_gdelt2

    made = []
    for index in range(count):
        folder = cache / f"part-{part_rows}-{seed}-{index:03d}"
        manifest = folder / "manifest.json"
        if manifest.exists():
            info: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
            if (folder / info["file"]).exists():
                made.append({**info, "path": folder / info["file"]})
                continue
        started = time.perf_counter()
        generated = write_gdelt2(
            folder, part_rows, focus_share=0.05, seed=seed + index, first_id=1_000_000_000 + index * part_rows
        )
        expected = generated.expected
        info = {
            "file": generated.files[0].name,
            "rows": generated.rows,
            "kept": int(generated.expected["events"].sum()),
            "pair": int(
                expected.loc[(expected["actor1"] == DYAD[0]) & (expected["actor2"] == DYAD[1]), "events"].sum()
            ),
            "bytes": generated.bytes,
            "generated_in_s": round(time.perf_counter() - started, 1),
        }
        manifest.write_text(json.dumps(info, indent=1), encoding="utf-8")
        print(f"generated part {index + 1}/{count} in {info['generated_in_s']} s", file=sys.stderr)
        made.append({**info, "path": folder / info["file"]})
    return made


# -- the measurements (each in a child process: python scale.py --child KIND --db DB ...) ----------
def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Any, repeat: int) -> dict[str, Any]:
    """A first call, then the median of ``repeat`` more; returns the times and the last result."""
    started = time.perf_counter()
    result = call()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return {"first_s": first, "median_s": statistics.median(times) if times else first, "result": result}


def child_ingest(db: Path, paths: list[Path]) -> dict[str, Any]:
    import dyadwatch as dw
    import dyadwatch.ingest.pipeline  # noqa: F401  (imports before the clock, as in ingest.py)

    started = time.perf_counter()
    with dw.open(db) as store:
        reports = store.ingest(paths)
    seconds = time.perf_counter() - started
    failed = [r for r in reports if r.status != "loaded"]
    if failed:
        raise SystemExit(f"ingest failed: {failed[0].error or failed[0].status}")
    return {"seconds": seconds, "kept": sum(r.rows_kept for r in reports), "peak_rss_mb": peak_rss_mb()}


def timed_pair(call: Any, baseline: Any, repeat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`timed` for a call and its baseline, their repeated calls alternated.

    Why: both take a few milliseconds, so a drift of the machine's speed while one method's runs
    are all taken and then the other's moved their ratio by a fifth from run to run (1.00× to
    1.25× for the same code); alternated, a drift hits both alike.
    """
    first_call, first_baseline = timed(call, 0), timed(baseline, 0)
    call_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(repeat):
        for method, times in ((call, call_times), (baseline, baseline_times)):
            started = time.perf_counter()
            method()
            times.append(time.perf_counter() - started)
    for first, times in ((first_call, call_times), (first_baseline, baseline_times)):
        first["median_s"] = statistics.median(times) if times else first["first_s"]
    return first_call, first_baseline


def child_series(db: Path, repeat: int) -> dict[str, Any]:
    import dyadwatch as dw

    with dw.open(db, read_only=True) as store:
        api, sql = timed_pair(lambda: store.series(*DYAD), lambda: store.con.execute(SQL, list(DYAD)).df(), repeat)
    events = int(api["result"]["events"].sum())
    if events != int(sql["result"]["events"].sum()):
        raise SystemExit(f"the API counted {events} events, the SQL {int(sql['result']['events'].sum())}")
    return {
        "api_first_s": api["first_s"],
        "api_s": api["median_s"],
        "sql_first_s": sql["first_s"],
        "sql_s": sql["median_s"],
        "events": events,
    }


def child_spark(db: Path, parquet: Path, repeat: int) -> dict[str, Any]:
    import dyadwatch as dw
    from dyadwatch import backends

    started = time.perf_counter()
    with dw.open(db, read_only=True) as store:
        store.export_events(parquet, "parquet")
    exported = time.perf_counter() - started
    started = time.perf_counter()
    session = backends.spark_session(master=f"local[{os.cpu_count() or 2}]", memory="2g")
    start_up = time.perf_counter() - started
    try:
        spark = timed(lambda: backends.spark_series(parquet, *DYAD, session=session), repeat)
    finally:
        session.stop()
    return {
        "export_s": exported,
        "startup_s": start_up,
        "spark_first_s": spark["first_s"],
        "spark_s": spark["median_s"],
        "events": int(spark["result"]["events"].sum()),
    }


def measure(kind: str, db: Path, extra: list[str]) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--db", str(db), *extra]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{kind} run failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def spark_available() -> bool:
    from importlib.util import find_spec

    return find_spec("pyspark") is not None and shutil.which("java") is not None


# -- the report -----------------------------------------------------------------------------------
def chart(points: list[dict[str, Any]], svg: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    millions = [p["rows"] / 1e6 for p in points]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(millions, [p["ingest_s"] for p in points], "o-", color="tab:blue", label="ingest time")
    left.set_xlabel("generated GDELT rows (millions)")
    left.set_ylabel("ingest (s)", color="tab:blue")
    memory = left.twinx()
    memory.plot(millions, [p["peak_rss_mb"] for p in points], "s--", color="tab:orange", label="peak memory")
    memory.set_ylabel("peak memory of the load (MB)", color="tab:orange")
    memory.set_ylim(bottom=0)
    left.set_ylim(bottom=0)
    left.set_title("Ingest: time and peak memory")
    right.plot(millions, [p["api_s"] for p in points], "o-", label="Store.series (Python API)")
    right.plot(millions, [p["sql_s"] for p in points], "s--", label="hand-written DuckDB SQL")
    if all("spark_s" in p for p in points):
        right.plot(millions, [p["spark_s"] for p in points], "^-", label="Spark local (Parquet)")
    right.axhline(TARGET_SERIES_S, color="grey", linewidth=0.8, linestyle=":", label="1 s target")
    right.set_yscale("log")
    right.set_xlabel("generated GDELT rows (millions)")
    right.set_ylabel("seconds (median)")
    right.set_title(f"Monthly series {DYAD[0]} → {DYAD[1]}")
    right.legend(fontsize=8)
    figure.tight_layout()
    svg.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(svg, format="svg", metadata={"Date": None})
    plt.close(figure)


def markdown(points: list[dict[str, Any]], svg: Path, doc: Path, note: str) -> str:
    import platform

    largest = points[-1]
    vs_sql = [p["api_s"] / p["sql_s"] for p in points]
    per_million = [p["ingest_s"] / (p["rows"] / 1e6) for p in points]
    lines = [
        BEGIN,
        "## Scale (issue 14)",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} with `make bench-scale` "
        f"(`benchmarks/scale.py`) on {os.cpu_count()} cores, Python {platform.python_version()}. {note}".rstrip(),
        "",
        f"![ingest time and memory, series time against rows]({os.path.relpath(svg, doc.parent)})",
        "",
        "| rows | files | MB zipped | ingest (s) | s per M rows | peak memory | series, API (s) "
        "| series, SQL (s) | API / SQL | series, Spark (s) | Spark start-up (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point, ratio, rate in zip(points, vs_sql, per_million, strict=True):
        spark = f"{point['spark_s']:.2f}" if "spark_s" in point else "–"
        start_up = f"{point['startup_s']:.1f}" if "startup_s" in point else "–"
        lines.append(
            f"| {point['rows'] / 1e6:g} M | {point['files']} | {point['bytes'] / 1e6:,.0f} | {point['ingest_s']:.1f} "
            f"| {rate:.2f} | {point['peak_rss_mb']:,.0f} MB | {point['api_s']:.3f} | {point['sql_s']:.3f} "
            f"| {ratio:.2f}× | {spark} | {start_up} |"
        )
    series_met = largest["api_s"] <= TARGET_SERIES_S
    ratio_met = max(vs_sql) <= TARGET_VS_SQL
    lines += [
        "",
        f"- series at {largest['rows'] / 1e6:g} M rows: **{largest['api_s']:.3f} s** through the API "
        f"(target ≤ {TARGET_SERIES_S:g} s{'' if largest['rows'] >= 16_000_000 else ' at 16 M'}: "
        f"{'met' if series_met else 'missed'} here); first call {largest['api_first_s']:.3f} s",
        f"- API / hand-written SQL: **{max(vs_sql):.2f}×** at worst (target ≤ {TARGET_VS_SQL}×: "
        f"{'met' if ratio_met else 'missed'}); both give {largest['events']:,} events at the largest size",
        f"- ingest: {min(per_million):.2f}–{max(per_million):.2f} s per million rows (linear when these "
        f"agree); peak memory {min(p['peak_rss_mb'] for p in points):,.0f}–"
        f"{max(p['peak_rss_mb'] for p in points):,.0f} MB (flat when these agree)",
        "- series times are the median of repeated calls after a first one (API and SQL alternated), each size "
        "in a fresh process; "
        "Spark reads a Parquet export of the store (`dyadwatch export events --format parquet`), its "
        "session start-up not included in the series time",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1,4,16", help="millions of rows, comma-separated (default 1,4,16)")
    parser.add_argument("--part-rows", type=int, default=1_000_000, help="rows per generated file (default 1 M)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--repeat", type=int, default=21, help="series runs after the first, API and SQL alternated (median reported)"
    )
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark measurement")
    parser.add_argument("--cache", type=Path, default=CACHE, help="generated files (default build/scale)")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown report (default docs/benchmarks.md)")
    parser.add_argument("--svg", type=Path, default=None, help="chart (default benchmarks-scale.svg beside --doc)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON here")
    parser.add_argument("--note", default="", help="a sentence for the report (for example the machine's load)")
    parser.add_argument("--child", choices=("ingest", "series", "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parquet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "ingest":
        print(json.dumps(child_ingest(args.db, args.paths)))
        return 0
    if args.child == "series":
        print(json.dumps(child_series(args.db, args.repeat)))
        return 0
    if args.child == "spark":
        print(json.dumps(child_spark(args.db, args.parquet, args.repeat)))
        return 0

    sizes = [round(float(size) * 1e6) for size in args.sizes.split(",")]
    if any(size % args.part_rows or size <= 0 for size in sizes):
        parser.error(f"every size must be a positive multiple of --part-rows ({args.part_rows})")
    sizes.sort()
    use_spark = not args.no_spark and spark_available()
    if not args.no_spark and not use_spark:
        print(
            "Spark skipped: PySpark or Java missing (pip install 'dyadwatch[spark]'; make java-deps)", file=sys.stderr
        )
    made = parts(sizes[-1] // args.part_rows, args.part_rows, args.cache, args.seed)
    points = []
    with tempfile.TemporaryDirectory(dir=args.cache) as scratch:
        for size in sizes:
            chosen = made[: size // args.part_rows]
            paths = [part["path"] for part in chosen]
            for path in paths:  # the page cache, warm for every size alike
                path.read_bytes()
            db = Path(scratch) / f"scale-{size}.duckdb"
            ingest = measure("ingest", db, [str(p) for p in paths])
            expected = sum(part["kept"] for part in chosen)
            if ingest["kept"] != expected:
                raise SystemExit(f"ingest kept {ingest['kept']} rows, the generator expects {expected}")
            series = measure("series", db, ["--repeat", str(args.repeat)])
            if series["events"] != sum(part["pair"] for part in chosen):
                raise SystemExit(f"the series counted {series['events']} events, the generator expects more")
            point: dict[str, Any] = {
                "rows": sum(part["rows"] for part in chosen),
                "files": len(paths),
                "bytes": sum(part["bytes"] for part in chosen),
                "ingest_s": ingest["seconds"],
                "peak_rss_mb": ingest["peak_rss_mb"],
                **series,
            }
            if use_spark:
                parquet = Path(scratch) / f"scale-{size}.parquet"
                spark_repeat = str(max(1, min(args.repeat, 5) // 2))  # each Spark call takes ~1 s
                spark = measure("spark", db, ["--parquet", str(parquet), "--repeat", spark_repeat])
                if spark["events"] != series["events"]:
                    raise SystemExit(f"Spark counted {spark['events']} events, DuckDB {series['events']}")
                point.update({k: v for k, v in spark.items() if k != "events"})
            for leftover in Path(scratch).iterdir():  # the stores of one size are not needed for the next
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
            print(
                f"{point['rows']:>11,} rows: ingest {point['ingest_s']:6.1f} s, {point['peak_rss_mb']:5.0f} MB; "
                f"series API {point['api_s']:.3f} s, SQL {point['sql_s']:.3f} s"
                + (f", Spark {point['spark_s']:.2f} s" if "spark_s" in point else ""),
                file=sys.stderr,
            )
            points.append(point)
    svg = args.svg or args.doc.with_name("benchmarks-scale.svg")
    chart(points, svg)
    section = markdown(points, svg, args.doc, args.note)
    write_section(args.doc, "scale", section)
    if args.json:
        args.json.write_text(json.dumps({"points": points}, indent=1), encoding="utf-8")
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
