"""How long a `dyadwatch watch --once` cycle takes over one day of GDELT 2.0, and an idle one (issue 30).

A day of GDELT 2.0 is 96 fifteen-minute export files. This script generates them (``--rows-per-file``
rows each, zipped like GDELT's), serves them with a ``masterfilelist.txt`` in GDELT's layout (by
default as long as GDELT's own: a line for each export, mentions and GKG file of every 15 minutes
since 2015-02-18, over a hundred MB; ``--short-list`` lists the day's files only) and a
``lastupdate.txt`` from a loopback server (pytest-httpserver) together with a webhook receiver, and
times ``dyadwatch watch --once`` in a fresh process pinned to two cores (``taskset``) on a store holding eight years of
history: listing, downloading, size and MD5 checks, loading the 96 files, ``shifts`` (9 999
permutations) and delivery to the webhook and an Atom feed. It then times the same command again
with nothing new (idle: it reads ``lastupdate.txt`` alone), and once more with ``lastupdate.txt``
answering 404, so that the idle cycle reads the whole master list, as every idle cycle did before
(issue 30's follow-up). Forecasts are left out of the timed cycle (``--no-forecasts``): the model is
refitted once a month (the backtest; see ``dyadwatch.watch.forecasts``), not every cycle; ``--forecasts``
times that first cycle of a month too. Targets: a day's cycle within 30 s, an idle one within 2 s.
Run: ``make bench-watch`` (writes the watch section of docs/benchmarks.md) or ``--print``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
DAY = "20250301"
TARGET_CYCLE_S, TARGET_IDLE_S = 30.0, 2.0


def main(argv: list[str] | None = None) -> int:
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    import dyadwatch as dw
    from dyadwatch.testing import write_gdelt2
    from dyadwatch.testing.benchdoc import host, write_section

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows-per-file", type=int, default=1_500, help="events per 15-minute file (default 1 500)")
    parser.add_argument("--files", type=int, default=96, help="files in the day (default 96)")
    parser.add_argument("--forecasts", action="store_true", help="also fit and store the forecasts in the cycle")
    parser.add_argument("--short-list", action="store_true", help="list the day's files only, not GDELT's whole list")
    parser.add_argument("--print", action="store_true", help="print the section instead of writing docs/benchmarks.md")
    args = parser.parse_args(argv)
    posts: list[bytes] = []

    def hook(request: Request) -> Response:
        posts.append(request.get_data())
        return Response("{}", status=200)

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        history = write_gdelt2(folder / "hist", 20_000, focus_share=0.5, start="2015-01-01", months=120, seed=1)
        db = folder / "events.duckdb"
        with dw.Store(db) as store:
            store.ingest(history.files, format="gdelt2")
        generated = write_gdelt2(
            folder / "gen", args.rows_per_file * args.files, files=args.files, focus_share=0.05, seed=7,
            start="2025-01-01", months=2, partners=("RUS", "CHN"), first_id=5_000_000_000,
        )  # fmt: skip
        served = {
            f"{DAY}{(i * 15) // 60:02d}{(i * 15) % 60:02d}00.export.CSV.zip": path.read_bytes()
            for i, path in enumerate(generated.files)
        }
        lines = [
            f"{len(d)} {hashlib.md5(d, usedforsecurity=False).hexdigest()} http://data.gdeltproject.org/gdeltv2/{n}\n"
            for n, d in served.items()
        ]
        newest = max(served)
        latest = lines[list(served).index(newest)] + "".join(
            f"{size} {'0' * 32} http://data.gdeltproject.org/gdeltv2/{newest[:14]}.{kind}\n"
            for size, kind in ((250_000, "mentions.CSV.zip"), (9_000_000, "gkg.csv.zip"))
        )
        listing = ("" if args.short_list else _history_lines(DAY)) + "".join(lines)
        answer_last = [True]

        def last(_: Request) -> Response:
            return Response(latest) if answer_last[0] else Response("not found", status=404)

        server = HTTPServer(threaded=True)
        server.start()
        try:
            server.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(listing)
            server.expect_request("/gdeltv2/lastupdate.txt").respond_with_handler(last)
            for name, data in served.items():
                server.expect_request(f"/gdeltv2/{name}").respond_with_data(data, content_type="application/zip")
            server.expect_request("/hook", method="POST").respond_with_handler(hook)
            day = f"{DAY[:4]}-{DAY[4:6]}-{DAY[6:]}"
            pin = ["taskset", "-c", "0,1"] if shutil.which("taskset") else []
            command = [*pin, sys.executable, "-m", "dyadwatch", "watch", "--once", "--from", day, "--to", day]
            command += ["--base-url", server.url_for("/gdeltv2"), "--db", str(db), "--webhook", server.url_for("/hook")]
            command += ["--feed", str(folder / "alerts.xml")]
            command += [] if args.forecasts else ["--no-forecasts"]
            timings = []
            for attempt in range(3):
                answer_last[0] = attempt < 2  # the third: lastupdate.txt missing, the master list read
                started = time.perf_counter()
                result = subprocess.run(command, capture_output=True, text=True, check=False)
                timings.append(time.perf_counter() - started)
                if result.returncode != 0:
                    print(result.stdout, result.stderr, file=sys.stderr)
                    return 1
                print(result.stderr.strip())
            with dw.Store(db, read_only=True) as store:
                row = store.con.execute("SELECT value FROM watch_status WHERE name = 'last_report'").fetchone()
                report = json.loads(row[0]) if row else {"already_loaded": "?"}
                counted = store.con.execute("SELECT count(*) FROM alerts").fetchone()
                alerts = counted[0] if counted else 0
        finally:
            server.stop()
    cycle, idle, idle_list = timings
    list_mb = len(listing) / 1e6
    machine = host()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    megabytes = sum(len(d) for d in served.values()) / 1e6
    text = "\n".join(
        [
            "## Watch cycle (issue 30)",
            "",
            f"`make bench-watch` ({now}; {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, "
            f"{machine['os']}, Python {machine['python']}). `dyadwatch watch --once` in a fresh process pinned "
            f"to two cores{'' if pin else ' (taskset missing: not pinned)'}, start-up included, over a loopback "
            f"server: {len(served)} files of one day ({args.rows_per_file * len(served):,} events, {megabytes:.1f} MB "
            "zipped), on a store with ten years of history (20 000 events); shifts with 9 999 permutations; "
            f"{alerts} alerts delivered to a webhook and an Atom feed"
            f"{'; forecasts fitted in the cycle' if args.forecasts else '; forecasts off (refitted once a month)'}.",
            "",
            "| cycle | seconds | target |",
            "|---|---|---|",
            f"| one day, 96 files loaded, shifts, delivery | {cycle:.1f} | ≤ {TARGET_CYCLE_S:.0f} |",
            f"| idle (nothing new): `lastupdate.txt` read | {idle:.2f} | ≤ {TARGET_IDLE_S:.0f} |",
            f"| idle, `lastupdate.txt` missing: the master list read ({list_mb:.0f} MB) | {idle_list:.2f} | — |",
            "",
            f"The master list served is {list_mb:.1f} MB ({listing.count(chr(10)):,} lines: "
            f"{'the day only' if args.short_list else 'as long as GDELT’s, every 15 minutes since 2015-02-18'}); "
            "the first cycle reads it. The idle cycle read `lastupdate.txt` alone (the newest export file "
            "already loaded: the master list is not fetched) and sent nothing; the last row is an idle cycle "
            f"that falls back to the master list, as every idle cycle did before (it found all "
            f"{report['already_loaded']} files of the day loaded).",
        ]
    )
    if args.print:
        print(text)
    else:
        write_section(DOC, "watch", text)
        print(text)
        print(f"wrote the watch section of {DOC.relative_to(ROOT)}")
    return 0


def _history_lines(day: str) -> str:
    """Lines in GDELT's layout for every 15 minutes from 2015-02-18 23:00 to the day before ``day``
    (export, mentions and GKG files, sizes and digests made up): a master list as long as GDELT's."""
    from datetime import timedelta

    moment, stop = datetime(2015, 2, 18, 23, 0), datetime.strptime(day, "%Y%m%d")
    parts: list[str] = []
    base = "http://data.gdeltproject.org/gdeltv2/"
    while moment < stop:
        stamp = moment.strftime("%Y%m%d%H%M%S")
        digest = hashlib.md5(stamp.encode(), usedforsecurity=False).hexdigest()
        parts.append(f"150383 {digest} {base}{stamp}.export.CSV.zip\n")
        parts.append(f"318084 {digest} {base}{stamp}.mentions.CSV.zip\n")
        parts.append(f"10768507 {digest} {base}{stamp}.gkg.csv.zip\n")
        moment += timedelta(minutes=15)
    return "".join(parts)


if __name__ == "__main__":
    sys.exit(main())
