"""GDELT files ready one after another load together, in one transaction (``pipeline._load_together``):
the store and the reports are exactly those of loading the files one by one, and any case the
shared load does not handle (a flagged row, ids repeated or already stored, a file loaded before,
a database error) falls back to the one-by-one path having changed nothing. An interruption
leaves both files of the transaction absent, and a re-run loads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

import dyadwatch as dw
from dyadwatch.ingest import pipeline
from dyadwatch.testing import write_gdelt2
from dyadwatch.testing.gdelt import gdelt2_row
from dyadwatch.testing.loads import load_tables


def write_export(folder: Path, name: str, ids: range, *extra: str) -> Path:
    """A plain GDELT 2.0 export file: a North Korea row for each id, one US-only row, then ``extra``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [gdelt2_row(i, SQLDATE=f"201903{10 + i % 5}") for i in ids]
    lines.append(gdelt2_row(ids.stop + 500, Actor1Code="USA", Actor1CountryCode="USA", Actor1Name="UNITED STATES"))
    path = folder / f"{name}.export.CSV"
    path.write_text("\n".join([*lines, *extra]) + "\n", encoding="utf-8")
    return path


def ingest(
    db: Path, batches: list[list[Path]], together: int, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[list[dict[str, Any]], dict[str, list[Any]], list[bool]]:
    """Ingest each batch of files in turn with ``LOAD_TOGETHER = together``: the reports (without
    their timings), the store's contents, and for each shared load tried whether it loaded."""
    shared: list[bool] = []
    real = pipeline._load_together

    def spy(*args: Any, **kwargs: Any) -> list[pipeline.LoadReport] | None:
        reports = real(*args, **kwargs)
        shared.append(reports is not None)
        return reports

    monkeypatch.setattr(pipeline, "LOAD_TOGETHER", together)
    monkeypatch.setattr(pipeline, "_load_together", spy)
    with dw.open(db) as store:
        reports = [report for batch in batches for report in store.ingest(batch, **options)]
        contents = load_tables(store)
    monkeypatch.undo()
    return [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in reports], contents, shared


def same_either_way(
    tmp_path: Path, batches: list[list[Path]], monkeypatch: pytest.MonkeyPatch, **options: Any
) -> tuple[list[dict[str, Any]], dict[str, list[Any]], list[bool]]:
    """Load the batches into two new stores, files together and one by one; both must agree."""
    reports, contents, shared = ingest(tmp_path / "together.duckdb", batches, 2, monkeypatch, **options)
    one_by_one = ingest(tmp_path / "one-by-one.duckdb", batches, 1, monkeypatch, **options)
    assert one_by_one[2] == []  # no shared load was tried
    assert (reports, contents) == one_by_one[:2]
    return reports, contents, shared


@pytest.mark.parametrize("focus", ["PRK", "ALL"])
def test_files_in_id_order_load_in_pairs_exactly_as_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, focus: str
) -> None:
    generated = write_gdelt2(tmp_path / "gen", 6000, files=5, ids_in_file_order=True, seed=5)
    reports, contents, shared = same_either_way(tmp_path, [list(generated.files)], monkeypatch, focus=focus)
    assert shared == [True, True]  # files 1+2 and 3+4 together; the fifth on its own
    assert [r["status"] for r in reports] == ["loaded"] * 5
    assert [r["load_id"] for r in reports] == sorted({r["load_id"] for r in reports})  # one id each, in order
    assert sum(r["rows_read"] for r in reports) == 6000
    assert len(contents["events"]) == sum(r["rows_kept"] for r in reports) > 0
    if focus == "PRK":
        assert len(contents["events"]) == generated.focus_rows
    assert sum(row[2] for row in contents["daily_totals"]) == 6000
    assert len(contents["load_id_ranges"]) == 5 and {row[0] for row in contents["load_id_ranges"]} == {
        r["load_id"] for r in reports
    }


def test_a_re_run_loads_nothing_and_says_already_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generated = write_gdelt2(tmp_path / "gen", 2000, files=2, ids_in_file_order=True, seed=6)
    files = list(generated.files)
    reports, contents, shared = same_either_way(tmp_path, [files, files], monkeypatch)
    assert shared == [True, False]  # the second time, both files were loaded before
    assert [r["status"] for r in reports] == ["loaded", "loaded", "already loaded", "already loaded"]
    assert len(contents["loads"]) == 2


CASES = {
    # case: (whether a shared load is tried, the statuses)
    "flagged row": ([False], ["loaded", "loaded"]),
    "an id twice in one file": ([], ["loaded", "loaded"]),
    "ids of the first file repeated": ([False], ["loaded", "loaded"]),
    "same file twice": ([False], ["loaded", "already loaded"]),
    "one loaded before": ([False], ["loaded", "already loaded", "loaded"]),
    "ids stored before": ([False], ["loaded", "loaded", "loaded"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_what_a_shared_load_does_not_handle_loads_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    data = tmp_path / "data"
    first = write_export(data, "20190314120000", range(1, 11))
    extra = {
        "flagged row": [gdelt2_row(30, GoldsteinScale="11.0")],  # rejected, naming its line (12)
        "an id twice in one file": [gdelt2_row(12, SQLDATE="20190315")],  # not even tried together
        "ids of the first file repeated": [gdelt2_row(5), gdelt2_row(6)],  # duplicates of stored rows
    }.get(case, [])
    second = write_export(data, "20190314121500", range(11, 21), *extra)
    batches = {
        "same file twice": [[first, first]],
        "one loaded before": [[first], [first, second]],
        # A third file, loaded first, whose ids (15-17) lie within the second's.
        "ids stored before": [[write_export(data, "20190314110000", range(15, 18))], [first, second]],
    }.get(case, [[first, second]])
    reports, contents, shared = same_either_way(tmp_path, batches, monkeypatch)
    expected_shared, expected_statuses = CASES[case]
    assert shared == expected_shared
    assert [r["status"] for r in reports] == expected_statuses
    last = reports[-1]
    if case == "flagged row":
        assert (last["rows_kept"], last["rows_rejected"]) == (10, 1)
        assert last["reject_examples"][0].startswith("line 12: GoldsteinScale outside")
        assert [row[1:3] for row in contents["rejects"]] == [(12, "GoldsteinScale outside -10..10")]
    elif case == "an id twice in one file":
        assert (last["rows_kept"], last["rows_duplicate"]) == (10, 1)
    elif case == "ids of the first file repeated":
        assert (last["rows_kept"], last["rows_duplicate"]) == (10, 2)
    elif case == "ids stored before":
        assert (last["rows_kept"], last["rows_duplicate"]) == (7, 3)
    assert len(contents["events"]) == len({row[0] for row in contents["events"]})  # no event twice


def test_a_database_error_in_a_shared_load_loads_the_files_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = write_gdelt2(tmp_path / "gen", 3000, files=2, ids_in_file_order=True, seed=8)
    real = pipeline._record_days

    def fail_when_shared(con: duckdb.DuckDBPyConnection, files: Any, fmt: str) -> None:
        if len(files) > 1:  # the shared load's daily totals, after its events were inserted
            raise duckdb.IOException("disk full (injected)")
        real(con, files, fmt)

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "_record_days", fail_when_shared)
        reports, contents, shared = ingest(tmp_path / "failing.duckdb", [list(generated.files)], 2, patched)
    assert shared == [False]  # rolled back, then loaded one by one
    assert [r["status"] for r in reports] == ["loaded", "loaded"]
    expected = ingest(tmp_path / "one-by-one.duckdb", [list(generated.files)], 1, monkeypatch)
    # The same, but for the load ids: those the rolled-back load drew are not drawn again
    # (DuckDB's sequences, like PostgreSQL's, do not roll back), so these are 3 and 4.
    assert [r["load_id"] for r in reports] == [3, 4] and [r["load_id"] for r in expected[0]] == [1, 2]
    assert renumbered(reports, contents, {3: 1, 4: 2}) == expected[:2]


def renumbered(
    reports: list[dict[str, Any]], contents: dict[str, list[Any]], load_ids: dict[int, int]
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """The reports and the store's contents with the load ids changed as ``load_ids`` says."""
    at = {"events": -1, "loads": 0, "rejects": 0, "daily_totals": -1, "load_id_ranges": 0}  # the load id's column
    tables = {
        name: [tuple(load_ids[v] if i == at[name] % len(row) else v for i, v in enumerate(row)) for row in rows]
        for name, rows in contents.items()
    }
    return [{**r, "load_id": load_ids[r["load_id"]]} for r in reports], tables


def test_an_interrupted_shared_load_leaves_both_files_absent_and_a_re_run_loads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = write_gdelt2(tmp_path / "gen", 3000, files=3, ids_in_file_order=True, seed=9)
    files = list(generated.files)
    real = pipeline._record_loads

    def interrupt_when_shared(con: duckdb.DuckDBPyConnection, loads: Any, focus: str, dedupe: bool) -> None:
        if len(loads) > 1:  # the last statement before the commit
            raise KeyboardInterrupt
        real(con, loads, focus, dedupe)

    db = tmp_path / "store.duckdb"
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "_record_loads", interrupt_when_shared)
        with dw.open(db) as store, pytest.raises(KeyboardInterrupt):
            store.ingest(files)
        with dw.open(db) as store:
            assert load_tables(store) == {name: [] for name in load_tables(store)}  # neither file, nothing else
            assert not store.workdir.exists() or not any(store.workdir.iterdir())  # no scratch copy left
    reports, contents, shared = ingest(db, [files], 2, monkeypatch)
    assert shared == [True] and [r["status"] for r in reports] == ["loaded"] * 3
    expected = ingest(tmp_path / "one-by-one.duckdb", [files], 1, monkeypatch)
    # The ids drawn by the rolled-back load (1, 2) are not drawn again.
    assert renumbered(reports, contents, {3: 1, 4: 2, 5: 3}) == expected[:2]
