"""KCNA against the chronology (issue 27 item 5) and delegations by kind (item 6), on a small store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.analysis.delegations import delegations
from dyadwatch.analysis.kcna_check import kcna_coverage
from dyadwatch.cli import run
from dyadwatch.errors import InsufficientDataError

HEADLINES = [
    ("date", "title", "language", "link"),
    ("2000-06-13", "Kim Jong Il Meets Chinese Military Delegation", "en", "k/1"),
    ("2000-06-20", "Chinese Military Delegation Leaves", "en", "k/2"),
    ("2000-07-01", "WPK Delegation Leaves for Russia", "en", "k/3"),
    ("2001-03-02", "U.S. hostile policy blasted", "en", "k/4"),
    ("2001-05-05", "Greetings to Nepalese Foreign Minister", "en", "k/5"),
]
# (event_id, date, actor1, actor2, event_code, quad_class, summary)
CHRONOLOGY = [
    ("c1", "2000-06-11", "CHN", "PRK", "042", 1, "A Chinese military delegation visits"),  # KCNA 2 days later
    ("c2", "2000-07-05", "PRK", "RUS", "042", 1, "A WPK delegation goes to Moscow"),  # KCNA 4 days before: not
    ("c3", "2001-03-03", "PRK", "USA", "111", 3, "Pyongyang accuses Washington"),  # same side
    ("c4", "2001-05-05", "PRK", "NPL", "172", 4, "A sanction on Nepal"),  # greeting is cooperation: not
    ("c5", "2016-01-06", "PRK", "USA", "190", 4, "Outside the coded texts' days"),
]


@pytest.fixture()
def store(kcna_store: Callable[..., dw.Store]) -> dw.Store:
    opened = kcna_store(HEADLINES)
    for event_id, day, a1, a2, code, quad, summary in CHRONOLOGY:
        opened.con.execute(
            "INSERT INTO events (event_id, source, date, actor1, actor2, event_code, quad_class, goldstein, weight, "
            "summary, load_id) VALUES (?, 'chronology', ?, ?, ?, ?, ?, 0, 1, ?, 0)",
            [event_id, day, a1, a2, code, quad, summary],
        )
    return opened


def test_reported_needs_partner_side_and_window(store: dw.Store) -> None:
    result = kcna_coverage(
        store, periods=(("2000-01", "2000-01-01", "2001-12-31"), ("2024", "2024-01-01", "2024-12-31"))
    )
    table = {row.partner: (row.chronology, row.reported) for row in result.by_partner.itertuples()}
    assert table == {"CHN": (1, 1), "RUS": (1, 0), "USA": (1, 1), "NPL": (1, 0)}
    assert sorted(result.unreported["summary"]) == ["A WPK delegation goes to Moscow", "A sanction on Nepal"]
    assert result.spans["2000-01"] == ("2000-06-13", "2001-05-05")
    assert "no texts coded" in str(result.spans["2024"])
    wider = kcna_coverage(store, periods=(("x", "2000-01-01", "2001-12-31"),), window=5)
    assert wider.by_partner.set_index("partner")["reported"].to_dict()["RUS"] == 1


def test_delegations_by_kind_and_way(store: dw.Store) -> None:
    table = delegations(store)
    rows = {(r.partner, r.year, r.way, r.kind): (r.items, r.visits) for r in table.itertuples()}
    assert rows[("CHN", 2000, "received", "military")] == (2, 1)  # "Kim Jong Il Meets …": received, not sent
    assert rows[("RUS", 2000, "sent", "party")] == (1, 1)
    assert all(kind != "other" for (_, _, _, kind) in rows)
    with pytest.raises(InsufficientDataError, match="no delegations with JPN"):
        delegations(store, partners=("JPN",))


def test_commands(store: dw.Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = store.path
    store.close()
    assert run(["kcna-check", "--db", str(path), "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["partner"] for r in data["by_partner"]} == {"CHN", "RUS", "USA", "NPL"}
    assert run(["delegations", "PRK", "--partners", "CHN", "--db", str(path), "--output", "json"]) == 0
    assert {r["kind"] for r in json.loads(capsys.readouterr().out)} == {"military"}
