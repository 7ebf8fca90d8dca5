"""A real ``kill -9`` of a loading process, then a clean re-run (design §3: one transaction per file).

The loader runs as a child process (the command line, as a user would run it) over three large
zipped files. The test watches the loader's scratch folder, where each archive is inflated before
DuckDB reads it and whose copy is removed only after the file's transaction commits: when the
first file's copy is gone and the second's is complete, the second file is in its database phase.
The test waits half as long as the first file's database phase took (less on a retry, if the
second file was already committed by then), sends SIGKILL, then checks that what the store holds
is whole and that the same command, run again, completes the load.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.ingest.source import sha256_of
from dyadwatch.testing import GeneratedFiles, write_gdelt2

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    # About 50 MB of text per file: a second or so of database work each on a laptop.
    return write_gdelt2(
        tmp_path_factory.mktemp("big"), 450_000, files=3, focus_share=0.05, duplicate_share=0.01, seed=99
    )


def wait_for(condition: object, process: subprocess.Popen[bytes], timeout: float = 120.0) -> float:
    """Poll ``condition()`` every few milliseconds; the time it became true. Fails if the loader ends."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic()
        assert process.poll() is None, "the loader finished before the test could interrupt it"
        time.sleep(0.002)
    raise AssertionError("timed out waiting for the loader")


def kill_inside_the_second_file(db: Path, files: list[Path], fraction: float) -> list[str] | None:
    """Start the loader, SIGKILL it ``fraction`` of the first file's database phase after the
    second file's copy is complete; the command, or None if the second file had already
    committed by then (the window was missed: the caller tries again, sooner)."""
    scratch = db.with_name(db.name + ".ingest-tmp")  # Store.workdir
    copies = [scratch / f"{sha256_of(f)[:16]}.txt" for f in files]
    sizes = [zipfile.ZipFile(f).infolist()[0].file_size for f in files]
    command = [sys.executable, "-m", "dyadwatch", "ingest", "--db", str(db), "--focus", "ALL", "--output", "json"]
    command += [str(f) for f in files]

    loader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:

        def complete(i: int) -> bool:
            try:
                return copies[i].stat().st_size == sizes[i]
            except FileNotFoundError:
                return False

        first_ready = wait_for(lambda: complete(0), loader)
        first_committed = wait_for(lambda: not copies[0].exists(), loader)
        wait_for(lambda: complete(1), loader)
        time.sleep((first_committed - first_ready) * fraction)
        # Still inside the second file's work: its copy is released only after its commit.
        if loader.poll() is not None or not copies[1].exists():
            return None
        os.kill(loader.pid, signal.SIGKILL)
    finally:
        if loader.poll() is None:
            loader.kill()
        loader.wait(timeout=60)
    assert loader.returncode == -signal.SIGKILL
    return command


def test_kill_9_mid_load_then_rerun_completes(tmp_path: Path, big_files: GeneratedFiles) -> None:
    # The second file's database phase is shorter than the first's when its preparation ran
    # beside the first file's load: a kill timed from the first can come too late. Each miss is
    # retried with a shorter wait, down to none (the second file's copy still there: not committed).
    for attempt, fraction in enumerate((0.5, 0.25, 0.1, 0.0)):
        db = tmp_path / f"attempt-{attempt}" / "nk.duckdb"
        db.parent.mkdir()
        command = kill_inside_the_second_file(db, big_files.files, fraction)
        if command is not None:
            break
    else:
        raise AssertionError("the second file finished before every kill")
    scratch = db.with_name(db.name + ".ingest-tmp")

    # The store opens (DuckDB replays or drops its log) and holds only whole files.
    with dw.open(db) as store:
        loads = store.loads()
        assert loads["file"].tolist() == [str(big_files.files[0])]
        per_load = dict(store.con.execute("SELECT load_id, count(*) FROM events GROUP BY load_id").fetchall())
        assert per_load == dict(zip(loads["load_id"], loads["rows_kept"], strict=True))
        assert int(loads.iloc[0].rows_read) == big_files.rows // 3
        assert store.rejects().empty

    # The same command again: the first file is skipped, the interrupted one and the last load.
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    summary = pd.read_json(io.StringIO(rerun.stdout))
    assert summary["status"].tolist() == ["already loaded", "loaded", "loaded"]
    assert not scratch.exists()  # the killed run's scratch copy was cleaned up

    with dw.open(db, read_only=True) as store:
        loads = store.loads()
        assert loads["file"].tolist() == [str(f) for f in big_files.files]
        assert int(loads["rows_read"].sum()) == big_files.rows
        assert store.count() == big_files.rows - big_files.duplicate_rows
        per_load = dict(store.con.execute("SELECT load_id, count(*) FROM events GROUP BY load_id").fetchall())
        assert per_load == dict(zip(loads["load_id"], loads["rows_kept"], strict=True))
        # The dyad-month totals of North Korea's events are the generator's.
        totals = store.con.execute("""
            SELECT actor1, actor2, CAST(date_trunc('month', date) AS DATE) AS period, count(*) AS events,
                   round(sum(goldstein), 6) AS goldstein_sum
            FROM events WHERE actor1 = 'PRK' OR actor2 = 'PRK' GROUP BY ALL ORDER BY ALL""").df()
    expected = big_files.expected.sort_values(["actor1", "actor2", "period"]).reset_index(drop=True)
    assert list(zip(totals.actor1, totals.actor2, pd.to_datetime(totals.period).dt.date, strict=True)) == list(
        zip(expected.actor1, expected.actor2, expected.period, strict=True)
    )
    assert totals["events"].tolist() == expected["events"].tolist()
    assert totals["goldstein_sum"].tolist() == pytest.approx(expected["goldstein_sum"].tolist(), abs=1e-6)
