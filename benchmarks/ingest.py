"""Ingest benchmark: ``dyadwatch ingest`` against plain decompression and a pandas loader.

Run it with ``make bench`` (or ``.venv/bin/python benchmarks/ingest.py --help``). It

1. generates ``--rows`` GDELT 2.0 rows (default 2 000 000) as zipped export files with the
   project's generator (:func:`dyadwatch.testing.write_gdelt2`), cached in ``benchmarks/out/``;
2. times, on the same files, each in its own child process and ``--repeat`` times (median):
   (a) plain decompression, ``unzip -p FILE > /dev/null`` for every file (the floor: any loader
       must at least inflate the data), (b) a straightforward pandas loader (``read_csv`` with tab
       separator, no header, the GDELT column names; keep North Korea's rows; insert them into a
       DuckDB table) and (c) ``Store.ingest`` through the Python API (North Korea focus, the default);
3. prints rows/s and MB/s (compressed and uncompressed), the ratios against the targets
   (ingest within 1.0x the time of decompression, at least 5x faster than pandas), the peak
   resident memory of each loader, and the machine, and writes all of it to ``docs/benchmarks.md``.

Nothing here runs in the test suite but a tiny smoke run (``tests/test_benchmark.py``).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dyadwatch.testing.benchdoc import host, write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
TARGET_VS_UNZIP = 1.0  # ingest may take at most this many times the decompression time
TARGET_VS_PANDAS = 5.0  # and must be at least this many times faster than pandas
METHODS = ("unzip", "pandas", "ingest")
SECTION = "## Ingest (issue 2)"


# -- data -----------------------------------------------------------------------------------------
def dataset(rows: int, files: int, seed: int, out: Path) -> dict[str, Any]:
    """Generate (or reuse) the zipped GDELT 2.0 files; their sizes and the expected totals."""
    from dyadwatch.testing import write_gdelt2

    # Each file holds the next block of event ids, as GDELT's files do ("ordered"; until
    # 2026-11-30 the rows were shuffled across the files, which real files never are).
    folder = out / f"gdelt2-{rows}-{files}-{seed}-ordered"
    manifest = folder / "manifest.json"
    if manifest.exists():
        info: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        if all((folder / name).exists() for name in info["files"]):
            return {**info, "paths": [folder / name for name in info["files"]]}
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    generated = write_gdelt2(
        folder, rows, files=files, focus_share=0.05, duplicate_share=0.0, seed=seed, ids_in_file_order=True
    )
    info = {
        "rows": generated.rows,
        "files": [p.name for p in generated.files],
        "focus_rows": generated.focus_rows,
        "expected_kept": int(generated.expected["events"].sum()),
        "compressed_bytes": generated.bytes,
        "uncompressed_bytes": sum(zipfile.ZipFile(p).infolist()[0].file_size for p in generated.files),
        "generated_in_s": round(time.perf_counter() - started, 1),
        "seed": seed,
    }
    manifest.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return {**info, "paths": list(generated.files)}


# -- the three loaders (each runs in a child process: python ingest.py --child METHOD ...) -------
def run_unzip(paths: list[Path]) -> int:
    """Inflate every file to nowhere; returns the number of lines (for a sanity check)."""
    if shutil.which("unzip"):
        for path in paths:
            subprocess.run(["unzip", "-p", str(path)], stdout=subprocess.DEVNULL, check=True)
        return 0
    # No unzip on this machine: the same work with Python's zlib (reported in the results).
    for path in paths:
        with zipfile.ZipFile(path) as archive, archive.open(archive.infolist()[0]) as stream:
            while stream.read(8 << 20):
                pass
    return 0


def run_pandas(paths: list[Path], db: Path) -> int:
    """A straightforward loader: pandas reads each file whole, filters, DuckDB stores the rows."""
    import duckdb
    import pandas as pd

    from dyadwatch.ingest.formats import GDELT2_COLUMNS

    con = duckdb.connect(str(db))
    con.execute("""CREATE TABLE events (event_id VARCHAR PRIMARY KEY, date DATE, actor1 VARCHAR, actor2 VARCHAR,
                   event_code VARCHAR, quad_class TINYINT, goldstein DOUBLE, weight INTEGER, tone DOUBLE,
                   reference VARCHAR)""")
    kept = 0
    for path in paths:
        frame = pd.read_csv(
            path, sep="\t", header=None, names=list(GDELT2_COLUMNS), quoting=csv.QUOTE_NONE, dtype={"EventCode": str}
        )
        focus = frame[(frame["Actor1CountryCode"] == "PRK") | (frame["Actor2CountryCode"] == "PRK")]
        con.register("focus", focus)
        con.execute("""INSERT INTO events SELECT 'gdelt2:' || GLOBALEVENTID,
                       strptime(CAST(SQLDATE AS VARCHAR), '%Y%m%d'), Actor1CountryCode, Actor2CountryCode,
                       EventCode, QuadClass, GoldsteinScale, NumMentions, AvgTone, SOURCEURL FROM focus""")
        con.unregister("focus")
        kept += len(focus)
    con.close()
    return kept


def run_ingest(paths: list[Path], db: Path) -> int:
    """``dyadwatch ingest`` through the Python API, with the defaults a user gets."""
    import dyadwatch as dw

    with dw.open(db) as store:
        reports = store.ingest(paths)
    failed = [r for r in reports if r.status != "loaded"]
    if failed:
        raise SystemExit(f"ingest failed: {failed[0].error or failed[0].status}")
    return sum(r.rows_kept for r in reports)


def peak_rss_mb() -> float:
    """The peak resident memory of this process (and of the children it waited for), in MB."""
    own = 0.0
    status = Path("/proc/self/status")
    if status.exists():  # VmHWM: this process's own high-water mark since it started
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    else:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # unzip
    return max(own, children)


def child(method: str, paths: list[Path], db: Path) -> None:
    """Run one loader and print its time (the work only, not Python's start-up) as JSON."""
    # Import each loader's libraries before the clock starts: start-up is not loading work, and
    # both Python loaders (pandas, dyadwatch) pay the same import of pandas and DuckDB.
    if method != "unzip":
        import duckdb  # noqa: F401
        import pandas  # noqa: F401

        import dyadwatch  # noqa: F401
        import dyadwatch.ingest.pipeline  # noqa: F401

    started, cpu_before = time.perf_counter(), cpu_seconds()
    kept = {"unzip": lambda: run_unzip(paths), "pandas": lambda: run_pandas(paths, db)}.get(
        method, lambda: run_ingest(paths, db)
    )()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "kept": kept, "peak_rss_mb": peak_rss_mb()}))


def cpu_seconds() -> float:
    """CPU time (user + system) of this process's threads and of the children it waited for.

    Beside the wall-clock time it shows the work done: on a busy machine the wall clock of a
    loader that uses both cores stretches more than its CPU time.
    """
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(method: str, paths: list[Path], scratch: Path) -> dict[str, Any]:
    """One timed run in a fresh child process."""
    db = scratch / f"{method}-{time.monotonic_ns()}.duckdb"
    command = [sys.executable, str(Path(__file__).resolve()), "--child", method, "--db", str(db)]
    result = subprocess.run(command + [str(p) for p in paths], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{method} run failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    for leftover in scratch.glob(db.name + "*"):
        leftover.unlink()
    return measured


# -- the machine and the report ------------------------------------------------------------------
def scanner() -> str:
    """Which line scan the ingest runs here: the compiled one, or numpy where it was not built."""
    from dyadwatch.ingest.source import TextScan

    return "compiled (C)" if TextScan.COMPILED else "numpy (the C scan was not built on this machine)"


def machine() -> dict[str, str]:
    import duckdb
    import pandas as pd

    return {
        **host(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "unzip": "unzip -p" if shutil.which("unzip") else "Python zipfile (no unzip on this machine)",
        "scan": scanner(),
    }


def summarise(data: dict[str, Any], runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    rows, packed, plain = data["rows"], data["compressed_bytes"], data["uncompressed_bytes"]
    table = {}
    for method, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        table[method] = {
            "seconds": round(seconds, 3),
            "all_seconds": [round(r["seconds"], 3) for r in results],
            "rows_per_s": round(rows / seconds),
            "compressed_mb_per_s": round(packed / 1e6 / seconds, 1),
            "uncompressed_mb_per_s": round(plain / 1e6 / seconds, 1),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
            "cpu_seconds": round(statistics.median(r.get("cpu_seconds", 0.0) for r in results), 3),
            "kept": results[0]["kept"],
        }
    ingest = table["ingest"]["seconds"]
    return {
        "methods": table,
        "ingest_vs_unzip": round(ingest / table["unzip"]["seconds"], 2),
        "pandas_vs_ingest": round(table["pandas"]["seconds"] / ingest, 2),
    }


def markdown(data: dict[str, Any], summary: dict[str, Any], host: dict[str, str], repeat: int) -> str:
    methods = summary["methods"]
    names = {
        "unzip": "(a) plain decompression",
        "pandas": "(b) pandas `read_csv` → DuckDB",
        "ingest": "(c) `dyadwatch ingest`",
    }
    vs_unzip, vs_pandas = summary["ingest_vs_unzip"], summary["pandas_vs_ingest"]
    lines = [
        SECTION,
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} with `make bench` "
        f"(`benchmarks/ingest.py`, median of {repeat} runs, each in a fresh process).",
        "",
        f"**Machine:** {host['cpu']}, {host['cores']} cores, {host['memory']} memory; {host['os']}; "
        f"Python {host['python']}, DuckDB {host['duckdb']}, pandas {host['pandas']}; decompression: {host['unzip']}; "
        f"dyadwatch's line scan: {host['scan']}.",
        "",
        f"**Data:** {data['rows']:,} generated GDELT 2.0 rows (61 columns) in {len(data['files'])} zipped export "
        "files, each holding the next block of event ids as GDELT's files do, "
        f"{data['compressed_bytes'] / 1e6:,.0f} MB zipped, {data['uncompressed_bytes'] / 1e6:,.0f} MB of text; "
        f"{data['focus_rows']:,} rows involve North Korea (the default focus), and every loader kept exactly those "
        f"({data['expected_kept']:,} by the generator's count).",
        "",
        "| method | seconds | CPU seconds | rows/s | MB/s zipped | MB/s text | peak memory (RSS) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for method in METHODS:
        m = methods[method]
        lines.append(
            f"| {names[method]} | {m['seconds']:.2f} | {m['cpu_seconds']:.2f} | {m['rows_per_s']:,} "
            f"| {m['compressed_mb_per_s']:,} "
            f"| {m['uncompressed_mb_per_s']:,} | {m['peak_rss_mb']:,.0f} MB |"
        )
    lines += [
        "",
        f"- ingest / decompression time: **{vs_unzip:.2f}×** (target ≤ {TARGET_VS_UNZIP}×: "
        f"{'met' if vs_unzip <= TARGET_VS_UNZIP else 'missed'})",
        f"- pandas / ingest time: **{vs_pandas:.2f}×** (target ≥ {TARGET_VS_PANDAS}×: "
        f"{'met' if vs_pandas >= TARGET_VS_PANDAS else 'missed'})",
        f"- peak memory of the ingest: {methods['ingest']['peak_rss_mb']:,.0f} MB for all {len(data['files'])} "
        f"files, {summary['ingest_partial']['peak_rss_mb']:,.0f} MB for the first "
        f"{summary['ingest_partial']['files']} (files of the same size; DuckDB runs with a 1 GB memory limit and "
        "spills beyond it; archives are inflated block by block, and only the focus country's lines are kept, "
        "in a scratch file)",
        "- all runs (s): "
        + "; ".join(f"{method} {', '.join(map(str, methods[method]['all_seconds']))}" for method in METHODS),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_000_000, help="rows to generate (default 2 000 000)")
    parser.add_argument("--files", type=int, default=8, help="number of zipped files (default 8)")
    parser.add_argument("--seed", type=int, default=2024)
    # Five: on the 2-core VM the same run varies by up to 20 % from minute to minute.
    parser.add_argument("--repeat", type=int, default=5, help="runs per method; the median is reported")
    parser.add_argument("--out", type=Path, default=OUT, help="cache of generated files (default benchmarks/out)")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown report to write (default docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON here")
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.paths, args.db)
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    data = dataset(args.rows, args.files, args.seed, args.out)
    paths: list[Path] = data.pop("paths")
    print(
        f"{data['rows']:,} rows in {len(paths)} files, {data['compressed_bytes'] / 1e6:,.0f} MB zipped",
        file=sys.stderr,
    )
    for path in paths:  # warm the page cache so that no method pays for the first disk read
        path.read_bytes()
    runs: dict[str, list[dict[str, Any]]] = {method: [] for method in METHODS}
    with tempfile.TemporaryDirectory(dir=args.out) as scratch:
        for attempt in range(args.repeat):
            for method in METHODS:  # interleaved, so that drift in the machine hits all alike
                result = measure(method, paths, Path(scratch))
                runs[method].append(result)
                print(f"run {attempt + 1}: {method:7s} {result['seconds']:7.2f} s", file=sys.stderr)
        # Bounded memory: loading a quarter of the files (each as large) needs about as much.
        part = paths[: max(1, len(paths) // 4)]
        partial_rss = measure("ingest", part, Path(scratch))["peak_rss_mb"]
    for method in ("pandas", "ingest"):
        kept = {r["kept"] for r in runs[method]}
        if kept != {data["expected_kept"]}:
            raise SystemExit(f"{method} kept {sorted(kept)} rows, the generator expects {data['expected_kept']}")
    summary = summarise(data, runs)
    summary["ingest_partial"] = {"files": len(part), "peak_rss_mb": round(partial_rss, 1)}
    host = machine()
    report = markdown(data, summary, host, args.repeat)
    write_section(args.doc, "ingest", report)
    if args.json:
        args.json.write_text(json.dumps({"data": data, "machine": host, **summary}, indent=1), encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
