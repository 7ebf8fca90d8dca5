"""Issue 28's small ingest things: a failed first ingest leaves no store behind, and rows left out on
purpose (an empty text, an event dated to the month only) are counted with their reason, not rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.ingest.texts import EMPTY_TEXT


def test_a_failed_first_ingest_leaves_no_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "new.duckdb"
    assert run(["ingest", str(tmp_path / "missing.csv"), "--db", str(db)]) == 1
    assert "missing.csv" in capsys.readouterr().err + capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no store, no .wal, no scratch folder
    assert run(["ingest-texts", str(tmp_path / "missing.json"), "--db", str(db)]) == 1
    assert not db.exists()


def test_a_failed_ingest_keeps_a_store_that_was_there(tmp_path: Path) -> None:
    db = tmp_path / "kept.duckdb"
    with dw.open(db):
        pass  # made on purpose, empty: not this ingest's to remove
    assert run(["ingest", str(tmp_path / "missing.csv"), "--db", str(db)]) == 1
    assert db.exists()


def test_a_new_store_with_one_load_is_kept_and_empty_texts_are_skipped_not_rejected(tmp_path: Path) -> None:
    texts = tmp_path / "texts.csv"
    texts.write_text(
        "date,title,text\n2024-01-02,Talks with China,Delegation visits Beijing for talks.\n"
        '2024-01-03,Headline only,""\n2024-01-04,Another,"   "\nsoon,Bad date,Some words.\n',
        "utf-8",
    )
    db = tmp_path / "texts.duckdb"
    with dw.open(db) as store:
        (report,) = store.ingest_texts([texts], format="csv", mapping="date=date,title=title,text=text")
        failed = store.ingest([tmp_path / "missing.csv"])
        rejects = store.rejects()
        loads = store.loads()
    assert failed[0].status == "failed" and db.exists()
    assert (report.rows_read, report.rows_kept, report.rows_skipped, report.rows_rejected) == (4, 1, 2, 1)
    assert report.skipped == {EMPTY_TEXT: 2} and report.reconciles
    assert list(rejects["line"]) == [5]  # only the bad date is a bad row
    assert int(loads["rows_skipped"].sum()) == 2


def test_unknown_codes_are_rejected_at_ingest_with_file_line_and_reason(tmp_path: Path) -> None:
    """The query commands refuse an unknown country code (design §6) and the schema holds ISO alpha-3
    or IGO codes and CAMEO codes (design §3): such a row is a reject at load time, named, not kept."""
    events = tmp_path / "events.csv"
    events.write_text(
        "day,a,b,code,url\n2019-02-27,PRK,USA,043,https://example.org/1\n2019-02-28,PRK,XXX,043,https://example.org/2\n"
        "2019-03-01,PRK,CHN,999,https://example.org/3\n2019-03-02,ZZZ,CHN,043,https://example.org/4\n",
        "utf-8",
    )
    with dw.open(tmp_path / "codes.duckdb") as store:
        (report,) = store.ingest(
            [events], format="csv", focus="ALL", mapping="date=day,actor1=a,actor2=b,event_code=code,reference=url"
        )
        rejects = store.rejects()
        kept = store.events()
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (4, 1, 3)
    assert list(kept["actor2"]) == ["USA"]
    assert list(zip(rejects["line"], rejects["reason"], strict=True)) == [
        (3, "actor2 XXX is not a known country or IGO code (design §3)"),
        (4, "event code 999 is not a CAMEO code"),
        (5, "actor1 ZZZ is not a known country or IGO code (design §3)"),
    ]
    assert set(rejects["file"]) == {str(events)}


def test_every_load_records_its_file_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundled_db: Path
) -> None:
    """One form in ``loads.file`` (and so in ``rejects``' file): absolute, for a file named relative to
    the folder the command ran in and for the bundled data alike."""
    (tmp_path / "texts.csv").write_text("date,title,text\n2024-01-02,Talks,Delegation visits Beijing.\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    with dw.open(tmp_path / "rel.duckdb") as store:
        (report,) = store.ingest_texts(["texts.csv"], format="csv", mapping="date=date,title=title,text=text")
    assert report.file == str(tmp_path / "texts.csv")
    with dw.open(bundled_db, read_only=True) as store:
        loads = store.loads()
    files = list(loads[loads["format"] != "texts:coded"]["file"])  # code-texts' load names no file
    assert len(files) > 30 and all(Path(f).is_absolute() and Path(f).exists() for f in files)
