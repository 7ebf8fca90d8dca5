"""A tiny run of ``benchmarks/dashboard.py``: the report's structure and that every request got a good
answer, never its timings (those are for ``make bench-dashboard`` on a quiet machine)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "benchmarks" / "dashboard.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dashboard_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_dashboard_benchmark_smoke_run(tmp_path: Path) -> None:
    doc, numbers = tmp_path / "benchmarks.md", tmp_path / "bench.json"
    doc.write_text("# Benchmarks\n\n## Ingest (issue 2)\n\nkept as it is\n", encoding="utf-8")
    command = [sys.executable, str(SCRIPT), "--events", "20000", "--duration", "2", "--warmup", "0.5"]
    command += ["--workers", "1", "2", "--out", str(tmp_path / "out"), "--doc", str(doc), "--json", str(numbers)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr

    data = json.loads(numbers.read_text(encoding="utf-8"))
    assert data["events"] == 20_000 and data["clients"] == 8 and data["partners"] == 30
    assert [run["workers"] for run in data["runs"]] == [1, 2]
    for run in data["runs"]:
        table = run["endpoints"]
        assert set(table) == {"series", "events", "all"}
        for row in table.values():
            assert set(row) >= {"requests", "failed", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
            assert row["failed"] == 0 and row["requests"] > 0  # every request answered 200 with the right JSON
            assert row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"] <= row["max_ms"]
        assert table["all"]["requests"] == table["series"]["requests"] + table["events"]["requests"]
        assert run["problems"] == [] and run["server_cpu_s"] > 0 and run["startup_s"] > 0 and run["server_rss_mb"] > 0
        assert set(run["verdict"]) == {"rate_met", "p99_met", "worst_p99_ms"}
    assert {"cpu", "cores", "memory", "python", "duckdb", "uvicorn"} <= set(data["machine"])
    assert (tmp_path / "out" / "dashboard-20000-2024.duckdb").exists()  # the store is kept for the next run

    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n") and "## Ingest (issue 2)\n\nkept as it is" in text
    assert text.count("## Dashboard API (issue 10)") == 1
    assert "| 1 | `/api/series` |" in text and "| 2 | `/api/events` |" in text and "target ≥ 300" in text


def test_a_benchmark_section_replaces_itself_and_keeps_the_others(tmp_path: Path) -> None:
    from dyadwatch.testing.benchdoc import write_section

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Ingest (issue 2)\n\ningest numbers\n", encoding="utf-8")
    write_section(doc, "dashboard", "## Dashboard API (issue 10)\n\nfirst\n")
    doc.write_text(doc.read_text(encoding="utf-8") + "\n## Later notes\n\nlater\n", encoding="utf-8")
    write_section(doc, "dashboard", "## Dashboard API (issue 10)\n\nsecond\n")
    text = doc.read_text(encoding="utf-8")
    assert text.count("## Dashboard API (issue 10)") == 1 and "second" in text and "first" not in text
    assert "ingest numbers" in text and "## Later notes\n\nlater" in text
    assert text.index("ingest numbers") < text.index("second") < text.index("later")
