"""``dyadwatch code-texts`` on a store (issue 27): events in the one schema, idempotent re-coding,
version replacement in one transaction, bad input counted and named, uncoded texts found by
``search-texts``, and the command's output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.ingest import code_texts as module
from dyadwatch.ingest.code_texts import code_texts

ROWS = [
    ("date", "title", "language", "link"),
    ("1997-06-19", "Greetings to Nepalese Foreign Minister", "en", "http://kcna/1"),
    ("1997-06-19", "Greetings to Nepalese Foreign Minister", "en", "http://kcna/2"),  # one item under two topics
    ("1998-07-17", "Gift to Kim Jong Il from Nigerian head of state", "en", "http://kcna/3"),
    ("2002-12-07", "U.S. hostile policy blasted", "en", "http://kcna/4"),
    ("2004-03-16", "U.S. and S. Korean Warmongers' Arms Buildup against North under Fire", "en", "http://kcna/5"),
    ("1997-01-02", "Secy. Kim Jong Il inspects KPA unit 938", "en", "http://kcna/6"),
    ("2008-05-05", "Gift to Kim Jong Il from Vishwanath", "en", "http://kcna/7"),
    ("1999-02-13", "Saludo al Rey de Jordania", "es", "http://kcna/8"),
    ("", "Greetings to Cameroonian President", "en", "http://kcna/9"),  # no date: rejected when loaded
]


@pytest.fixture()
def store(kcna_store: Callable[..., dw.Store]) -> dw.Store:
    return kcna_store(ROWS, name="kcna-sample.csv", code=False)


def test_events_in_the_shared_schema(store: dw.Store) -> None:
    report = dw.code_texts(store)
    events = store.con.execute(
        "SELECT e.actor1, e.actor2, e.event_code, e.goldstein, e.quad_class, e.source, c.plover_type, "
        "c.coder_version, c.text_id "
        "FROM events e JOIN coded_events c USING (event_id) ORDER BY e.date, e.actor2"
    ).fetchall()
    assert [(a, b, code, float(g), q, src, t) for a, b, code, g, q, src, t, _, _ in events] == [
        ("PRK", "NPL", "051", 3.4, 1, "kcna", "SUPPORT"),
        ("NGA", "PRK", "051", 3.4, 1, "kcna", "SUPPORT"),
        ("PRK", "USA", "111", -2.0, 3, "kcna", "ACCUSE"),
        ("PRK", "KOR", "111", -2.0, 3, "kcna", "ACCUSE"),
        ("PRK", "USA", "111", -2.0, 3, "kcna", "ACCUSE"),
    ]
    assert all(row[7] == report.coder_version for row in events)
    assert store.con.execute(
        "SELECT count(*) FROM texts WHERE text_id IN (SELECT text_id FROM coded_events)"
    ).fetchone() == (4,)
    assert store.con.execute("SELECT count(*) FROM events WHERE reference = 'http://kcna/3'").fetchone() == (1,)
    assert (report.texts_read, report.texts_coded, report.events, report.texts_duplicate) == (8, 4, 5, 1)
    # Goldstein metrics work on the coded events like on any other source, once it is named: a
    # selection naming no source leaves text-coded events out (design §9)
    series = store.series("PRK", "USA", freq="Y", sources=["kcna"])
    assert float(series["goldstein_sum"].sum()) == -4.0
    assert float(store.series("PRK", "USA", freq="Y")["goldstein_sum"].sum()) == 0.0


def test_bad_input_is_counted_and_named(store: dw.Store) -> None:
    report = code_texts(store)
    assert report.rejected_at_load == 1  # the record without a date, rejected by ingest-texts
    assert report.uncoded_reasons == {"not English": 1, "unknown partner name": 1}
    assert any("Vishwanath" in example for example in report.uncoded_examples)
    assert (report.texts_no_event, report.texts_duplicate) == (1, 1)  # the inspection (domestic); the repeated item
    assert (
        report.texts_coded + report.texts_no_event + report.texts_uncoded + report.texts_duplicate == report.texts_read
    )
    stored = dict(store.con.execute("SELECT status, count(*) FROM texts_coding GROUP BY status").fetchall())
    assert stored == {"coded": 4, "no_event": 2, "uncoded": 2}


def test_uncoded_texts_keep_their_reason_for_search_texts(store: dw.Store) -> None:
    code_texts(store)
    found = store.search_texts("Vishwanath")
    assert list(found["coding"]) == ["uncoded: unknown partner name 'Vishwanath'"]
    both = sorted(store.search_texts("Nepalese")["coding"])
    assert both[0] == "coded: 1 event" and both[1].startswith("no event: same headline and day as kcna-sample:")


def test_recoding_is_idempotent(store: dw.Store) -> None:
    first = code_texts(store)
    before = store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
    again = code_texts(store)
    assert (again.texts_skipped, again.events, again.replaced_events) == (first.texts_read, 0, 0)
    assert store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone() == before
    assert store.con.execute("SELECT count(*) FROM texts_coding").fetchone() == (first.texts_read,)


def test_a_new_version_replaces_the_source_in_one_transaction(store: dw.Store, monkeypatch: pytest.MonkeyPatch) -> None:
    old = code_texts(store, version="test-v1")
    old_ids = store.con.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "record_load", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        code_texts(store, version="test-v2")
    assert store.con.execute("SELECT event_id FROM events ORDER BY event_id").fetchall() == old_ids
    assert store.con.execute("SELECT DISTINCT coder_version FROM coded_events").fetchall() == [("test-v1",)]
    monkeypatch.undo()

    new = code_texts(store, version="test-v2")
    assert new.replaced_events == old.events and new.texts_skipped == 0
    assert store.con.execute("SELECT DISTINCT coder_version FROM coded_events").fetchall() == [("test-v2",)]
    assert store.con.execute("SELECT DISTINCT coder_version FROM texts_coding").fetchall() == [("test-v2",)]
    assert store.con.execute("SELECT count(*) FROM events").fetchone() == (new.events,)
    assert store.con.execute("SELECT count(*) FROM loads WHERE format = 'texts:coded'").fetchone() == (1,)


def test_the_command(store: dw.Store, capsys: pytest.CaptureFixture[str]) -> None:
    path = store.path
    store.close()
    assert run(["code-texts", "--db", str(path)]) == 0
    printed = capsys.readouterr()
    assert "texts read" in printed.out and "unknown partner name" in printed.out + printed.err
    assert run(["code-texts", "--db", str(path), "--output", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["texts_skipped"], summary["events"], summary["source"]) == (8, 0, "kcna")
    assert run(["search-texts", "Vishwanath", "--db", str(path), "--format", "json"]) == 0
    assert "uncoded: unknown partner name" in capsys.readouterr().out


def test_no_texts_is_a_clear_error(tmp_path: Path) -> None:
    with dw.open(tmp_path / "empty.duckdb") as empty, pytest.raises(dw.InsufficientDataError, match="ingest-texts"):
        code_texts(empty)
