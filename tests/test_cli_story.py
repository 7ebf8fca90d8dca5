"""Issue 28 items 1-4 on the command line: every answer a sentence first, no promised column cut,
clean numbers in JSON and CSV, and a default frequency that follows the selected data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from dyadwatch.api import Store
from dyadwatch.selection import Selection, choose_freq
from dyadwatch.testing.bulk import bulk_events


# -- the default frequency (item 4) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def dense_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with PRK↔CHN dense enough for monthly periods: 6 000 events over three years."""
    path = tmp_path_factory.mktemp("dense") / "dense.duckdb"
    frame = bulk_events(6_000, seed=3, partners=("CHN",), start="2020-01-01", end="2022-12-31", growth=0.0)
    with Store(path) as store:
        store.load_frame(frame, label="dense", sha256=hashlib.sha256(b"dense").hexdigest(), fmt="csv")
    return path


def test_choose_freq_is_yearly_for_the_sparse_demo_dyads(bundled_db: Path) -> None:
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        for partners in (["CHN"], ["USA"], None):
            freq, reason = choose_freq(con, "PRK", partners)
            assert freq == "Y", reason
            assert reason.startswith("yearly:") and "under 2" in reason
    finally:
        con.close()


def test_choose_freq_is_monthly_for_a_dense_dyad(dense_db: Path) -> None:
    con = duckdb.connect(str(dense_db), read_only=True)
    try:
        freq, reason = choose_freq(con, "PRK", ["CHN"])
        assert freq == "M", reason
        assert "2020-01 to 2022-12" in reason
        # the same dyad over a selection of one rare source only is sparse again
        sparse, why = choose_freq(con, "PRK", ["CHN"], Selection(sources=("icews",), start="2022-06-01"))
        events = con.execute(
            "SELECT count(*) FROM events WHERE actor1='PRK' AND actor2='CHN' AND source='icews' AND date>='2022-06-01'"
        ).fetchone()
        assert events is not None
        months = 7
        assert sparse == ("Y" if events[0] / months < 2 else "M"), why
    finally:
        con.close()


def test_choose_freq_says_when_there_is_nothing_to_choose_from(bundled_db: Path) -> None:
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        freq, reason = choose_freq(con, "PRK", ["RUS"], Selection(start="2026-01-01"))
        assert freq == "M" and "no events of PRK→RUS" in reason
    finally:
        con.close()
