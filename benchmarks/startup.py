"""Start-up benchmark: how long ``dyadwatch --help`` and ``dyadwatch series PRK CHN`` take, end to end.

Run it with ``make bench-startup`` (or ``.venv/bin/python benchmarks/startup.py --help``). It

1. builds the demo store once (the bundled data, as ``dyadwatch demo`` loads it, without the
   report site) in ``benchmarks/out/startup-demo.duckdb``, or uses ``--db``;
2. runs each command ``--repeat`` times in a fresh process (interleaved, so that drift in the
   machine hits all alike) and takes the median wall time and the median CPU time (user + system
   of the child, from ``wait4``; on a busy machine the wall time grows, the CPU time much less);
3. lists the heavy libraries each command imports (``python -X importtime``): none is the aim;
4. writes a "Start-up" section into ``docs/benchmarks.md`` between ``<!-- startup:begin -->`` and
   ``<!-- startup:end -->``, leaving the other sections as they are.

Targets (issues 10 and 14): ``series PRK CHN`` on the demo store ≤ 0.4 s, ``--help`` ≤ 0.3 s.
Nothing here runs in the test suite but a tiny smoke run (``tests/test_startup.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dyadwatch.testing.benchdoc import host, markers, write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = markers("startup")
#: Libraries that a simple command should not load (each costs 0.1-0.5 s to import).
HEAVY = (
    "pandas", "numpy", "pyarrow", "ibis", "sqlglot", "statsmodels", "scipy", "ruptures", "matplotlib", "fastapi",
    "uvicorn", "jinja2", "httpx",
)  # fmt: skip
TERMINAL = "{terminal}"  # an argument list holding this runs with FORCE_COLOR=1 and COLUMNS=100
#: name → (arguments of ``python -m dyadwatch``, target seconds or None). ``{db}`` is the store.
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "dyadwatch --help": (["--help"], 0.3),
    "dyadwatch series PRK CHN": (["series", "PRK", "CHN", "--db", "{db}"], 0.4),
    # As on a terminal: FORCE_COLOR makes Rich (and so dyadwatch) print the table with its styles.
    "dyadwatch series PRK CHN, as on a 100-column terminal": ([TERMINAL, "series", "PRK", "CHN", "--db", "{db}"], None),
    "dyadwatch series PRK CHN --format csv": (["series", "PRK", "CHN", "--format", "csv", "--db", "{db}"], None),
    "dyadwatch series PRK CHN --format json": (["series", "PRK", "CHN", "--format", "json", "--db", "{db}"], None),
}
FLOOR = "python -c pass"  # the interpreter alone: what no command can go below


def demo_store(path: Path) -> Path:
    """The demo store (all bundled data), built once; ``dyadwatch demo`` also writes the site."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    code = (
        "import sys, dyadwatch as dw\nfrom dyadwatch.ingest.bundled import load_bundled\n"
        "with dw.open(sys.argv[1]) as store:\n    load_bundled(store)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(partial)], env=_env(), check=True)
    partial.rename(path)
    return path


def _env(terminal: bool = False) -> dict[str, str]:
    """This checkout's sources first on the path, so the numbers are for this code; bytecode
    written and used as on a user's machine (a setting PYTHONDONTWRITEBYTECODE, as some CI and
    sandbox images set, would recompile the cli package on every run: ~60 ms that no installation pays)."""
    src = str(ROOT / "src")
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": src + (os.pathsep + path if path else "")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if terminal:  # a terminal 100 columns wide (on 80 the table's headers wrap, and Rich lays them out)
        env.update(FORCE_COLOR="1", COLUMNS="100")
    return env


def _command(args: list[str], db: Path) -> list[str]:
    args = [arg for arg in args if arg != TERMINAL]
    if args == ["-c", "pass"]:
        return [sys.executable, *args]
    return [sys.executable, "-m", "dyadwatch", *(arg.replace("{db}", str(db)) for arg in args)]


def timed_run(command: list[str], terminal: bool = False) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run in a fresh process; output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=_env(terminal), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {process.returncode}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def heavy_imports(command: list[str], terminal: bool = False) -> list[str]:
    """The libraries of :data:`HEAVY` that ``command`` imports (from ``python -X importtime``)."""
    traced = [command[0], "-X", "importtime", *command[1:]]
    env = _env(terminal)
    done = subprocess.run(traced, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return sorted(set(imported_modules(done.stderr)) & set(HEAVY))


def imported_modules(importtime: str) -> list[str]:
    """Top-level package names in ``-X importtime`` output (lines ``import time: self | cumulative | name``)."""
    names = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":  # the header line
                names.append(name.split(".")[0])
    return names


def measure(db: Path, repeat: int) -> dict[str, Any]:
    commands = {FLOOR: (["-c", "pass"], None), **COMMANDS}
    for args, _ in commands.values():  # one warm-up each: the page cache and .pyc files, not counted
        timed_run(_command(args, db), TERMINAL in args)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    load_before = os.getloadavg()[0]
    for attempt in range(repeat):
        for name, (args, _) in commands.items():
            wall, cpu = timed_run(_command(args, db), TERMINAL in args)
            walls[name].append(wall)
            cpus[name].append(cpu)
        print(f"run {attempt + 1}: " + ", ".join(f"{walls[n][-1]:.2f}" for n in commands), file=sys.stderr)
    results = {}
    for name, (args, target) in commands.items():
        wall = statistics.median(walls[name])
        results[name] = {
            "wall_s": round(wall, 3),
            "cpu_s": round(statistics.median(cpus[name]), 3),
            "min_wall_s": round(min(walls[name]), 3),
            "all_wall_s": [round(value, 3) for value in walls[name]],
            "target_s": target,
            "met": None if target is None else wall <= target,
            "heavy_imports": heavy_imports(_command(args, db), TERMINAL in args),
        }
    return {"commands": results, "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)]}


def machine() -> dict[str, str]:
    import duckdb

    # Click deprecates its __version__ attribute; the installed distribution says it.
    versions = {"duckdb": duckdb.__version__, "click": _version("click"), "rich": _version("rich")}
    return {**host(), **versions}


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def markdown(numbers: dict[str, Any], host: dict[str, str], repeat: int, db: Path) -> str:
    low, high = numbers["load_average"]
    lines = [
        BEGIN,
        "## Start-up (issues 10 and 14)",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} with `make bench-startup` "
        f"(`benchmarks/startup.py`, median of {repeat} runs, each a fresh `python -m dyadwatch` process; "
        f"store: the demo store, `{db.name}`; bytecode written and reused, as after an installation).",
        "",
        f"**Machine:** {host['cpu']}, {host['cores']} cores, {host['memory']} memory; {host['os']}; "
        f"Python {host['python']}, DuckDB {host['duckdb']}, Click {host['click']}, Rich {host['rich']}. "
        f"Load average (1 min) {low} before the runs, {high} after: with more than {host['cores']} the wall "
        "times include waiting for a core, and the CPU times (user + system of the child) are the steadier figure.",
        "",
        "| command | wall (median) | CPU (median) | fastest | target | heavy libraries imported |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, result in numbers["commands"].items():
        target = result["target_s"]
        verdict = "—" if target is None else f"≤ {target} s: {'met' if result['met'] else 'missed'}"
        heavy = ", ".join(result["heavy_imports"]) or "none"
        lines.append(
            f"| `{name}` | {result['wall_s']:.3f} s | {result['cpu_s']:.3f} s | {result['min_wall_s']:.3f} s "
            f"| {verdict} | {heavy} |"
        )
    lines += [
        "",
        "`--help` loads Click alone (the command line is plain Click: no Typer, no pydantic, no Rich). Off a "
        "terminal (here: output to a pipe) the table of `series` is printed without Rich "
        "(`dyadwatch.tables.plain_table`: Rich's layout, compared with Rich's output in the tests), so it loads "
        "Click and DuckDB, as its CSV does; on a terminal wide enough it is printed the same way with Rich's "
        "styles (the row run with FORCE_COLOR=1 and COLUMNS=100), and where its headers must wrap (80 columns) "
        "Rich lays it out. pandas, "
        "Ibis, statsmodels and the rest are imported inside the commands that use them, `import dyadwatch` loads "
        "its names on first use (PEP 562), `series` prints the store's rows without pandas, and long tables skip "
        "Rich's per-cell layout (`dyadwatch.tables`); `--format json` writes the same rows without pandas too.",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=None, help="store to query (default: the demo store, built once)")
    parser.add_argument("--repeat", type=int, default=11, help="runs per command; the median is reported")
    parser.add_argument("--out", type=Path, default=OUT, help="where the demo store is kept (default benchmarks/out)")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown report to write (default docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    db = args.db if args.db is not None else demo_store(args.out / "startup-demo.duckdb")
    if not db.exists():
        parser.error(f"--db {db}: no such store")
    numbers = measure(db, args.repeat)
    host = machine()
    write_section(args.doc, "startup", markdown(numbers, host, args.repeat, db))
    if args.json:
        args.json.write_text(json.dumps({**numbers, "machine": host, "repeat": args.repeat}, indent=1) + "\n")
    for name, result in numbers["commands"].items():
        heavy = ", ".join(result["heavy_imports"]) or "no heavy imports"
        print(f"{name:42s} wall {result['wall_s']:.3f} s  cpu {result['cpu_s']:.3f} s  ({heavy})")
    print(f"wrote {args.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
