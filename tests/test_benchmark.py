"""A tiny run of ``benchmarks/ingest.py``: the report's structure and its row accounting, never its
timings (those are for ``make bench`` on a quiet machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_benchmark_script_smoke_run(tmp_path: Path) -> None:
    doc, numbers = tmp_path / "benchmarks.md", tmp_path / "bench.json"
    doc.write_text("# Benchmarks\n\n## Another section\n\nkept as it is\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "benchmarks" / "ingest.py"), "--rows", "20000", "--files", "2"]
    command += ["--repeat", "1", "--out", str(tmp_path / "out"), "--doc", str(doc), "--json", str(numbers)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr

    data = json.loads(numbers.read_text(encoding="utf-8"))
    assert data["data"]["rows"] == 20_000 and len(data["data"]["files"]) == 2
    assert set(data["methods"]) == {"unzip", "pandas", "ingest"}
    for method in data["methods"].values():
        assert set(method) >= {
            "seconds",
            "cpu_seconds",
            "rows_per_s",
            "compressed_mb_per_s",
            "uncompressed_mb_per_s",
            "peak_rss_mb",
        }
        assert method["seconds"] > 0 and method["peak_rss_mb"] > 0
    # Both loaders kept exactly the generator's North Korea rows (the script refuses otherwise).
    kept = {data["methods"][m]["kept"] for m in ("pandas", "ingest")}
    assert kept == {data["data"]["expected_kept"]}
    assert {"cpu", "cores", "memory", "python", "duckdb"} <= set(data["machine"])
    from dyadwatch.ingest.source import TextScan

    scan = "compiled (C)" if TextScan.COMPILED else "numpy (the C scan was not built on this machine)"
    assert data["machine"]["scan"] == scan  # the report says which scan ran (tests/test_linescan.py)
    assert data["ingest_vs_unzip"] > 0 and data["pandas_vs_ingest"] > 0

    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n") and "## Another section\n\nkept as it is" in text
    assert text.count("## Ingest (issue 2)") == 1
    assert "| (c) `dyadwatch ingest` |" in text and "target ≤ 1.0×" in text and "target ≥ 5.0×" in text
    assert f"dyadwatch's line scan: {scan}." in text
    # A second run replaces its own section and leaves the other one alone.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    again = doc.read_text(encoding="utf-8")
    assert again.count("## Ingest (issue 2)") == 1 and "kept as it is" in again
    assert (tmp_path / "out").is_dir() and not list((tmp_path / "out").glob("tmp*"))  # scratch removed


@pytest.mark.slow
def test_scale_script_smoke_run(tmp_path: Path) -> None:
    """``benchmarks/scale.py`` at two tiny sizes without Spark: its section lands between its markers."""
    doc, numbers = tmp_path / "benchmarks.md", tmp_path / "scale.json"
    doc.write_text("# Benchmarks\n\n## Ingest (issue 2)\n\nkept as it is\n", encoding="utf-8")
    command = [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--sizes", "0.01,0.02", "--part-rows", "10000"]
    command += ["--no-spark", "--repeat", "1", "--cache", str(tmp_path / "cache"), "--doc", str(doc)]
    command += ["--json", str(numbers)]
    for _ in range(2):  # the second run reuses the generated files and replaces its own section
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    points = json.loads(numbers.read_text(encoding="utf-8"))["points"]
    assert [p["rows"] for p in points] == [10_000, 20_000] and [p["files"] for p in points] == [1, 2]
    for point in points:
        assert point["ingest_s"] > 0 and point["peak_rss_mb"] > 0 and point["api_s"] > 0 and point["sql_s"] > 0
    assert points[1]["events"] > points[0]["events"] > 0  # the same dyad, twice the files
    text = doc.read_text(encoding="utf-8")
    assert text.count("<!-- scale:begin -->") == 1 and text.count("<!-- scale:end -->") == 1
    assert "kept as it is" in text and "| 0.02 M | 2 |" in text
    assert (tmp_path / "benchmarks-scale.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert len(list((tmp_path / "cache").glob("part-*"))) == 2  # generated once
