"""One section of ``docs/benchmarks.md`` per benchmark script, rewritten in place.

Each script (``benchmarks/*.py``) owns the text between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``; the notes a person writes outside the markers are kept when a script runs again.
"""

from __future__ import annotations

from pathlib import Path


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
