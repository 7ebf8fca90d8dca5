"""Dashboard benchmark: requests/s and latency of ``/api/series`` and ``/api/events`` over HTTP.

Run it with ``make bench-dashboard`` (or ``.venv/bin/python benchmarks/dashboard.py --help``). It

1. generates a store of ``--events`` events (default 1 000 000) with the project's generator
   (:func:`dyadwatch.testing.bulk.write_bulk_store`: North Korea with 30 partners, 1990-2024, loaded
   through ``Store.load_frame``), cached in ``benchmarks/out/``;
2. starts the real server, ``dyadwatch serve`` (uvicorn), in a child process on 127.0.0.1 and waits
   until it answers;
3. drives it with ``--clients`` (default 8) concurrent clients, each a thread with its own
   keep-alive connection, for ``--warmup`` seconds (not counted) and then ``--duration`` seconds,
   over a seeded mix of what the dashboard asks: the series of a partner (both directions or one,
   month, quarter or year, all days or a range of years, sometimes one source or no bare
   statements) and the events of a dyad (all of them, or those of one clicked period);
4. checks every answer (HTTP 200, JSON with the expected keys), prints requests/s and the p50, p95
   and p99 latency per endpoint against the targets (≥ 300 requests/s, p99 ≤ 50 ms), and writes
   them with the machine and its load to its own section of ``docs/benchmarks.md``.

The clients run on the same machine as the server, so they take CPU from it: the numbers are those
of the whole loop on loopback. Nothing here runs in the test suite but a tiny smoke run
(``tests/test_benchmark.py``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson

from dyadwatch.testing.benchdoc import host, write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Dashboard API (issue 10)"
ENDPOINTS = ("series", "events")
TARGET_RATE = 300.0  # requests/s, all endpoints together
TARGET_P99_MS = 50.0  # for each endpoint
FOCUS = "PRK"
SOURCES = ("gdelt1", "gdelt2", "icews")
FIRST_YEAR, LAST_YEAR = 1990, 2024  # the generated store's span


# -- the store -----------------------------------------------------------------------------------
def store(events: int, seed: int, out: Path) -> Path:
    """The generated store (made once, then reused: the file name says what it holds)."""
    from dyadwatch.testing.bulk import write_bulk_store

    path = out / f"dashboard-{events}-{seed}.duckdb"
    if path.exists():
        return path
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    count = write_bulk_store(partial, events, seed=seed)
    if count != events:
        raise SystemExit(f"the generated store holds {count} events, not {events}")
    partial.rename(path)
    print(f"generated {events:,} events in {time.perf_counter() - started:.0f} s: {path}", file=sys.stderr)
    return path


# -- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    db: Path, port: int, workers: int = 1, timeout: float = 300.0
) -> tuple[subprocess.Popen[bytes], float]:
    """``dyadwatch serve`` in a child process; returns it once it answers, and the seconds that took."""
    command = [sys.executable, "-m", "dyadwatch", "serve", "--db", str(db), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    started = time.perf_counter()
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            error = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise SystemExit(f"the server stopped (exit {server.returncode}): {error.strip()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", f"/api/series?a={FOCUS}&b=CHN&freq=Y")
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return server, time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"the server did not answer within {timeout:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def process_tree(pid: int) -> list[Path]:
    """/proc folders of a process and its children (the ``--workers`` processes); none off Linux."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
        except OSError:  # a process that ended meanwhile
            continue
        if stat.parent.name == str(pid) or parent == str(pid):
            found.append(stat.parent)
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children, from Linux /proc; 0 elsewhere."""
    total = 0.0
    for folder in process_tree(pid):
        try:
            fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def resident_mb(pid: int) -> float:
    """Resident memory of a process and its children in MB (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for folder in process_tree(pid):
        try:
            lines = (folder / "status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) / 1024 for line in lines if line.startswith("VmRSS:"))
    return round(total, 1)


# -- the requests --------------------------------------------------------------------------------
def partners(port: int) -> list[str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", f"/api/partners?focus={FOCUS}")
    body = json.loads(connection.getresponse().read())
    connection.close()
    return [row["code"] for row in body["partners"]]


def series_request(rng: random.Random, codes: list[str]) -> str:
    """What the dashboard's chart asks: a partner, a frequency, maybe a range, source or filter."""
    params: dict[str, str] = {"a": FOCUS, "b": rng.choice(codes), "freq": rng.choice("MQY")}
    if rng.random() < 0.6:
        params["undirected"] = "true"
    if rng.random() < 0.5:
        first = rng.randint(FIRST_YEAR, LAST_YEAR)
        params["from"] = f"{first}-01-01"
        params["to"] = f"{rng.randint(first, LAST_YEAR)}-12-31"
    if rng.random() < 0.2:
        params["source"] = rng.choice(SOURCES)
    if rng.random() < 0.1:
        params["drop_statements"] = "true"
    return "/api/series?" + urlencode(params)


def events_request(rng: random.Random, codes: list[str]) -> str:
    """What the events list asks: a dyad's first events, or those of a clicked month, quarter or year."""
    params: dict[str, str] = {"a": FOCUS, "b": rng.choice(codes), "limit": rng.choice(("100", "500"))}
    if rng.random() < 0.7:
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        period = rng.choice("MQY")
        if period == "Y":
            params["from"], params["to"] = f"{year}-01-01", f"{year}-12-31"
        else:
            months = 1 if period == "M" else 3
            first = rng.randrange(0, 12, months) + 1
            last_month_end = datetime(year + (first + months > 12), (first + months - 1) % 12 + 1, 1).toordinal() - 1
            params["from"] = f"{year}-{first:02d}-01"
            params["to"] = datetime.fromordinal(last_month_end).strftime("%Y-%m-%d")
    if rng.random() < 0.1:
        params["source"] = rng.choice(SOURCES)
    return "/api/events?" + urlencode(params)


def client(
    port: int, codes: list[str], seed: int, warm_until: float, stop_at: float, results: list[tuple[str, float, str]]
) -> None:
    """One client: requests back to back on one keep-alive connection until ``stop_at``.

    Records (endpoint, seconds, problem) for every request sent after ``warm_until``; problem is
    empty for a good answer."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        endpoint = "series" if rng.random() < 0.5 else "events"
        path = series_request(rng, codes) if endpoint == "series" else events_request(rng, codes)
        sent = time.perf_counter()
        if sent >= stop_at:
            break
        problem = ""
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            took = time.perf_counter() - sent
            if response.status != 200:
                problem = f"HTTP {response.status} for {path}: {body[:300].decode(errors='replace')}"
            else:
                data = orjson.loads(body)
                if endpoint not in data or (endpoint == "events" and data["count"] != len(data["events"])):
                    problem = f"unexpected answer for {path}: {body[:300].decode(errors='replace')}"
        except (OSError, http.client.HTTPException, orjson.JSONDecodeError) as exc:
            took = time.perf_counter() - sent
            problem = f"{type(exc).__name__} for {path}: {exc}"
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if sent >= warm_until:
            results.append((endpoint, took, problem))
    connection.close()


def drive(
    port: int, server_pid: int, codes: list[str], clients: int, warmup: float, duration: float, seed: int
) -> dict[str, Any]:
    """Run the clients; the requests/s, latencies and CPU time of the measured part."""
    results: list[tuple[str, float, str]] = []  # list.append is atomic under the GIL
    warm_until = time.perf_counter() + warmup
    stop_at = warm_until + duration
    threads = [
        threading.Thread(target=client, args=(port, codes, seed * 1000 + n, warm_until, stop_at, results))
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, warm_until - time.perf_counter()))
    server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
    for thread in threads:
        thread.join()
    measured = time.perf_counter() - warm_until
    server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - client_cpu
    table: dict[str, Any] = {}
    for endpoint in (*ENDPOINTS, "all"):
        times = sorted(t for e, t, _ in results if endpoint in (e, "all"))
        failed = [p for e, _, p in results if endpoint in (e, "all") and p]
        table[endpoint] = {
            "requests": len(times),
            "failed": len(failed),
            "requests_per_s": round(len(times) / measured, 1),
            **percentiles(times),
        }
    problems = [p for _, _, p in results if p]
    return {
        "seconds": round(measured, 2),
        "endpoints": table,
        "server_cpu_s": round(server_cpu, 2),
        "client_cpu_s": round(client_cpu, 2),
        "problems": problems[:10],
    }


def percentiles(times: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of sorted ``times``, in milliseconds (nearest rank)."""
    if not times:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}

    def rank(share: float) -> float:
        return round(1000 * times[min(len(times) - 1, max(0, int(share * len(times) + 0.5) - 1))], 2)

    return {"p50_ms": rank(0.50), "p95_ms": rank(0.95), "p99_ms": rank(0.99), "max_ms": round(1000 * times[-1], 2)}


# -- the machine and the report ------------------------------------------------------------------
def machine() -> dict[str, str]:
    import duckdb
    import fastapi
    import uvicorn

    return {
        **host(),
        "duckdb": duckdb.__version__,
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
    }


def load_average() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0


def verdict(run: dict[str, Any]) -> dict[str, Any]:
    """The run against the targets: all requests/s and the worst endpoint's p99."""
    rate = run["endpoints"]["all"]["requests_per_s"]
    worst = max(run["endpoints"][endpoint]["p99_ms"] for endpoint in ENDPOINTS)
    return {"rate_met": rate >= TARGET_RATE, "p99_met": worst <= TARGET_P99_MS, "worst_p99_ms": worst}


def markdown(report: dict[str, Any], host: dict[str, str]) -> str:
    runs = report["runs"]
    workers = " ".join(str(run["workers"]) for run in runs)
    lines = [
        SECTION,
        "",
        f"Measured {report['when']} with `make bench-dashboard` (`benchmarks/dashboard.py --events "
        f"{report['events']} --clients {report['clients']} --workers {workers} --duration {report['duration']:g}`).",
        "",
        f"**Machine:** {host['cpu']}, {host['cores']} cores, {host['memory']} memory; {host['os']}; "
        f"Python {host['python']}, DuckDB {host['duckdb']}, FastAPI {host['fastapi']}, uvicorn {host['uvicorn']}. "
        f"Load average (1 minute) before each run: {', '.join(str(run['load_before']) for run in runs)}. The "
        "clients run on the same machine and take CPU from the server.",
        "",
        f"**Data and load:** a generated store of {report['events']:,} events (`dyadwatch.testing.bulk`: North "
        f"Korea and {report['partners']} partners, {FIRST_YEAR}-{LAST_YEAR}, GDELT 1.0/2.0 and ICEWS rows in date "
        f"order), served by `dyadwatch serve --workers N`. {report['clients']} clients on keep-alive connections "
        f"send requests back to back for {report['duration']:g} s after {report['warmup']:g} s of warm-up: half "
        "series (a partner, M/Q/Y, both directions or one, in half of them a range of years, sometimes one source "
        "or no bare statements), half events (a dyad's first 100 or 500, most for one clicked month, quarter or "
        "year). Every answer is checked (HTTP 200, the expected JSON).",
        "",
        "| workers | endpoint | requests | failed | requests/s | p50 | p95 | p99 | max |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for endpoint in (*ENDPOINTS, "all"):
            row = run["endpoints"][endpoint]
            name = f"`/api/{endpoint}`" if endpoint != "all" else "**all**"
            lines.append(
                f"| {run['workers']} | {name} | {row['requests']:,} | {row['failed']} | {row['requests_per_s']:,} "
                f"| {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms | {row['p99_ms']:.1f} ms | {row['max_ms']:.1f} ms |"
            )
    lines.append("")
    for run in runs:
        met = run["verdict"]
        lines.append(
            f"- {run['workers']} worker{'s' if run['workers'] > 1 else ''}: "
            f"**{run['endpoints']['all']['requests_per_s']:,} requests/s** (target ≥ {TARGET_RATE:g}: "
            f"{'met' if met['rate_met'] else 'missed'}), worst p99 **{met['worst_p99_ms']:.1f} ms** (target ≤ "
            f"{TARGET_P99_MS:g} ms: {'met' if met['p99_met'] else 'missed'}); the server answered "
            f"{run['startup_s']:.1f} s after it was started (reading the store into memory); CPU in the measured "
            f"{run['seconds']:g} s: server {run['server_cpu_s']:.1f} s, clients {run['client_cpu_s']:.1f} s; server "
            f"memory (RSS, all processes) {run['server_rss_mb']:,.0f} MB"
        )
    lines.append("")
    return "\n".join(lines)



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the store (default 1 000 000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds (default 30)")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server processes, one run each (default: 1 2)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring (default 3)")
    parser.add_argument("--out", type=Path, default=OUT, help="cache of generated stores (default benchmarks/out)")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown report to write (default docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    db = store(args.events, args.seed, args.out)
    runs: list[dict[str, Any]] = []
    codes: list[str] = []
    for workers in args.workers:
        port = free_port()
        load_before = load_average()
        server, startup = start_server(db, port, workers)
        try:
            codes = partners(port)
            print(f"{workers} worker(s) up in {startup:.1f} s; {len(codes)} partners; driving...", file=sys.stderr)
            run = drive(port, server.pid, codes, args.clients, args.warmup, args.duration, args.seed)
            run["server_rss_mb"] = resident_mb(server.pid)
        finally:
            stop_server(server)
        run.update(workers=workers, startup_s=round(startup, 2), load_before=load_before)
        run["verdict"] = verdict(run)
        runs.append(run)
    report = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "events": args.events,
        "clients": args.clients,
        "duration": args.duration,
        "warmup": args.warmup,
        "partners": len(codes),
        "runs": runs,
    }
    host = machine()
    text = markdown(report, host)
    write_section(args.doc, "dashboard", text)
    if args.json:
        args.json.write_text(json.dumps({**report, "machine": host}, indent=1), encoding="utf-8")
    print(text)
    problems = [problem for run in runs for problem in run["problems"]]
    for problem in problems:
        print(f"failed: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
