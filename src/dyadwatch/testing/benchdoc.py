"""One section of ``docs/benchmarks.md`` per benchmark script, rewritten in place.

Each script (``benchmarks/*.py``) owns the text between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``; the notes a person writes outside the markers are kept when a script runs again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of the section ``name``."""
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def write_section(doc: Path, name: str, section: str) -> None:
    """Put ``section`` between the markers of ``name`` in ``doc`` (appended when they are missing);
    everything else in ``doc`` stays as it is. ``section`` may carry the markers itself."""
    begin, end = markers(name)
    body = section.strip("\n")
    if not body.startswith(begin):
        body = f"{begin}\n{body}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        before, _, rest = text.partition(begin)
        _, _, after = rest.partition(end)
        text = before + body + after
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def host() -> dict[str, str]:
    """The machine a benchmark ran on (processor, cores, memory, OS, Python), for its report."""
    import os
    import platform

    cpu, memory = platform.processor() or platform.machine(), "?"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def fresh_bundled_store(db: Path) -> Path:
    """A new store at ``db`` with the bundled data, as ``dyadwatch demo`` loads it (an old file is
    replaced): what the scripts that write a page's numbers from the bundled lists run on."""
    import dyadwatch as dw
    from dyadwatch.ingest.bundled import load_bundled

    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    with dw.open(db) as store:
        load_bundled(store)
    return db


def write_or_check(doc: Path, name: str, section: str, *, check: bool, root: Path) -> int:
    """Put ``section`` between the markers of ``name`` in ``doc`` and say so; with ``check``, write
    nothing and say whether ``doc`` already holds it (exit status 1 when it does not)."""
    begin, end = markers(name)
    body = f"{begin}\n{section}\n{end}"
    where = doc.relative_to(root) if doc.is_relative_to(root) else doc
    if check:
        fresh = body in (doc.read_text(encoding="utf-8") if doc.exists() else "")
        print(f"the {name} part of {where} is " + ("up to date" if fresh else "out of date"))
        return 0 if fresh else 1
    write_section(doc, name, body)
    print(f"wrote the {name} part of {where}")
    return 0


def page_arguments(description: str | None, db: Path) -> Any:
    """The command line of a script that writes a page's numbers: ``--db`` (the store it builds,
    default ``db``) and ``--check`` (write nothing; exit 1 if the page is out of date)."""
    import argparse

    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=db, help="the store built from the bundled data")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the page is out of date")
    return parser.parse_args()
