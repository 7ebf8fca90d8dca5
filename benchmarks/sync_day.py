"""How long `dyadwatch sync gdelt` takes for one day of GDELT 2.0, over a loopback HTTP server.

A day of GDELT 2.0 is 96 fifteen-minute export files. This script generates them with the
project's generator (``--rows-per-file`` rows each, zipped like GDELT's), serves them with a
``masterfilelist.txt`` in GDELT's layout from a local server (pytest-httpserver), and times
``dyadwatch sync gdelt --from DAY --to DAY --base-url ...`` into a new store: listing,
downloading four at a time, size and MD5 checks, and the load of every file. The network is the
loopback, so the time is dyadwatch's own work; a real sync adds the transfer of the day's
megabytes from GDELT. Run: ``.venv/bin/python benchmarks/sync_day.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY = "20250301"


def main(argv: list[str] | None = None) -> int:
    from pytest_httpserver import HTTPServer

    from dyadwatch.testing import write_gdelt2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows-per-file", type=int, default=1_500, help="events per 15-minute file (default 1 500)")
    parser.add_argument("--files", type=int, default=96, help="files in the day (default 96)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        generated = write_gdelt2(folder / "gen", args.rows_per_file * args.files, files=args.files, seed=7)
        served: dict[str, bytes] = {}
        for index, path in enumerate(generated.files):
            minutes = index * 15
            served[f"{DAY}{minutes // 60:02d}{minutes % 60:02d}00.export.CSV.zip"] = path.read_bytes()
        listing = "".join(
            f"{len(data)} {hashlib.md5(data, usedforsecurity=False).hexdigest()} http://data.gdeltproject.org/gdeltv2/{name}\n"
            for name, data in served.items()
        )
        server = HTTPServer(threaded=True)
        server.start()
        try:
            server.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(listing)
            for name, data in served.items():
                server.expect_request(f"/gdeltv2/{name}").respond_with_data(data, content_type="application/zip")
            day = f"{DAY[:4]}-{DAY[4:6]}-{DAY[6:]}"
            command = [sys.executable, "-m", "dyadwatch", "sync", "gdelt", "--from", day, "--to", day]
            command += ["--base-url", server.url_for("/gdeltv2"), "--db", str(folder / "day.duckdb")]
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - started
        finally:
            server.stop()
    if result.returncode != 0:
        print(result.stdout, result.stderr, file=sys.stderr)
        return 1
    megabytes = sum(len(data) for data in served.values()) / 1e6
    print(result.stdout)
    print(
        f"one day: {len(served)} files, {args.rows_per_file * len(served):,} events, {megabytes:.1f} MB zipped; "
        f"`dyadwatch sync gdelt` took {seconds:.1f} s over the loopback (command start-up included)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
