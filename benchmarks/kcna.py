"""KCNA coder benchmark: how long ``dyadwatch code-texts`` takes on the 1997-2014 headlines, and its peak memory.

Run it with ``make bench-kcna`` (or ``.venv/bin/python benchmarks/kcna.py --help``). It

1. loads the headlines (``tests/data/kcna-1997-2014/kcna-headlines-1997-2014.csv.gz``, GPL-3:
   read here, never copied into the package) into a fresh store in a child process (the load is
   timed but is not the coder's);
2. codes them in another fresh child process (``dw.code_texts``: rules, model, DuckDB writes),
   which reports its wall time, its CPU time and its peak resident memory (``ru_maxrss``), so
   the load's memory does not count;
3. does the same with the coder of ``--before`` (a git revision, its ``src`` exported to a
   temporary folder) on the headlines of ``--before-year`` (the coder before issue 27's speed
   work took ~8 ms a headline, 15 minutes for all of them), and the current coder on that year
   too, so the two are compared in one run on one machine;
4. writes the "KCNA coder" section of ``docs/benchmarks.md`` between ``<!-- kcna:begin -->`` and
   ``<!-- kcna:end -->``.

Targets (issue 27): all 114,641 headlines in ≤ 60 s on 2 cores, peak memory ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dyadwatch.testing.benchdoc import host, write_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
HEADLINES = ROOT / "tests" / "data" / "kcna-1997-2014" / "kcna-headlines-1997-2014.csv.gz"
TARGET_S, TARGET_MB = 60.0, 1024.0

CHILD = r"""
import json, resource, sys, time
import dyadwatch as dw
step, db, source = sys.argv[1:4]
store = dw.open(db)
started, cpu = time.perf_counter(), time.process_time()
if step == "load":
    report = store.ingest_texts([source], format="csv")[0]
    out = {"texts": report.rows_kept}
else:
    report = dw.code_texts(store)
    out = {"texts": report.texts_read, "coded": report.texts_coded, "events": report.events}
out.update(seconds=time.perf_counter() - started, cpu_seconds=time.process_time() - cpu,
           peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
store.close()
print(json.dumps(out))
"""


def child(step: str, db: Path, source: Path, src: Path) -> dict[str, Any]:
    """One step in a fresh interpreter whose ``dyadwatch`` comes from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, step, str(db), str(source)], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} with {src} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def year_file(year: int, folder: Path) -> Path:
    """The headlines of one year, as a CSV of the same columns."""
    import pandas as pd

    path = folder / f"kcna-headlines-{year}.csv.gz"
    headlines = pd.read_csv(HEADLINES, dtype=str, keep_default_na=False)
    headlines[headlines["date"].str.startswith(f"{year}-")].to_csv(path, index=False)
    return path


def measure(label: str, source: Path, src: Path, folder: Path) -> dict[str, Any]:
    db = folder / f"{label}.duckdb"
    load = child("load", db, source, src)
    code = child("code", db, source, src)
    return {"label": label, "load_s": round(load["seconds"], 1), **{k: round(v, 1) if isinstance(v, float) else v
                                                                     for k, v in code.items()}}  # fmt: skip


def export(revision: str, folder: Path) -> Path:
    """``src`` of ``revision`` in ``folder`` (``git archive``)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder / "src"


def section(rows: list[dict[str, Any]], before: str, year: int) -> str:
    machine = host()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    full = next(r for r in rows if r["label"] == "all, now")
    verdict = "within" if full["seconds"] <= TARGET_S and full["peak_mb"] <= TARGET_MB else "outside"
    lines = [
        "## KCNA coder (issue 27)",
        "",
        f"`make bench-kcna` ({now}; {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, "
        f"{machine['os']}, Python {machine['python']}). `dw.code_texts` in a fresh process on a store "
        "holding the loaded headlines; the load is timed apart. Wall time on a shared machine; the CPU "
        "time grows less with the load.",
        "",
        "| run | texts | coded | events | coding s | CPU s | peak MB | load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['texts']:,} | {r['coded']:,} | {r['events']:,} | {r['seconds']} | "
            f"{r['cpu_seconds']} | {r['peak_mb']:.0f} | {r['load_s']} |"
        )
    same = [r for r in rows if r["label"].startswith(str(year))]
    if len(same) == 2:
        old, new = same
        lines += ["", f"On the {year} headlines the coder of `{before}` took {old['seconds']} s, this one "
                  f"{new['seconds']} s ({old['seconds'] / max(new['seconds'], 0.01):.0f}× faster)."]  # fmt: skip
        if old["coded"] != new["coded"]:
            lines[-1] += (
                f" It codes {old['coded'] - new['coded']:,} fewer texts ({old['events'] - new['events']:,} fewer "
                "events): the old model look-up counted a word bucket twice when a headline's next hashed n-gram "
                "was missing from the model; the batch look-up counts exact matches only, as the model was trained."
            )
    lines += [
        "",
        f"All 1997-2014 headlines: {full['seconds']} s and {full['peak_mb']:.0f} MB at the peak, {verdict} the "
        f"targets of {TARGET_S:.0f} s and {TARGET_MB:.0f} MB.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="9dca149", help="git revision of the coder to compare with ('' for none)")
    parser.add_argument("--before-year", type=int, default=2012)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    if not HEADLINES.exists():
        raise SystemExit(f"{HEADLINES} is missing (the GPL-3 headlines are test data, not in the package)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="dw-bench-kcna-") as tmp:
        folder = Path(tmp)
        now_src = ROOT / "src"
        one_year = year_file(args.before_year, folder)
        if args.before:
            old_src = export(args.before, folder / "before")
            rows.append(measure(f"{args.before_year}, {args.before}", one_year, old_src, folder))
            rows.append(measure(f"{args.before_year}, now", one_year, now_src, folder))
        rows.append(measure("all, now", HEADLINES, now_src, folder))
    for row in rows:
        print(json.dumps(row))
    text = section(rows, args.before, args.before_year)
    if args.no_write:
        print(text)
    else:
        write_section(DOC, "kcna", text)
        print(f"wrote the kcna section of {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
