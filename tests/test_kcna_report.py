"""KCNA in the report and the dashboard (issue 27 items 6 and 7): the brief's section, the
delegations chart and ``/api/delegations``, shown only where the store has events coded from KCNA."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import dyadwatch as dw
from dyadwatch.report.kcna import brief_kcna, gather_kcna
from dyadwatch.selection import Selection
from dyadwatch.web.app import create_app

HEADLINES = [
    ("date", "title", "language", "link"),
    ("2000-06-13", "Kim Jong Il Meets Chinese Military Delegation", "en", "k/1"),
    ("2000-06-20", "Chinese Military Delegation Leaves", "en", "k/2"),
    ("2000-07-01", "WPK Delegation Leaves for Russia", "en", "k/3"),
    ("2001-03-02", "U.S. hostile policy blasted", "en", "k/4"),
    ("2001-03-09", "U.S. imperialists' war moves slammed", "en", "k/5"),
    ("2002-05-05", "Greetings to Chinese President", "en", "k/6"),
]


@pytest.fixture()
def store(kcna_store: Callable[..., dw.Store]) -> dw.Store:
    return kcna_store(HEADLINES)


def test_the_brief_section_counts_by_type_and_draws_both_charts(store: dw.Store) -> None:
    outcome = gather_kcna(store, "PRK")
    china = brief_kcna(outcome, "CHN", "China")
    assert china["kcna_present"] and china["kcna_missing"] is None
    assert not china["kcna_counted_elsewhere"]  # no --source: the rest of the report leaves KCNA out
    named = gather_kcna(store, "PRK", Selection(freq="Y", sources=("chronology", "kcna")))
    assert brief_kcna(named, "CHN", "China")["kcna_counted_elsewhere"]
    # Two items of one visit (7 days apart), one greeting from the DPRK; the meeting is the DPRK's
    assert {r["type"]: (r["outward"], r["inward"]) for r in china["kcna_types"]} == {
        "CONSULT": (1, 1),
        "SUPPORT": (1, 0),
    }
    assert china["kcna_total"] == 3 and china["kcna_span"] == ("2000-06-13", "2002-05-05")
    assert china["kcna_chart"].name == "CHN-kcna" and "<svg" in china["kcna_chart"].svg
    assert "3 cooperative" in china["kcna_chart"].alt and "0 conflictual" in china["kcna_chart"].alt
    assert china["kcna_visits"] == {"received": 1, "sent": 0}
    assert china["kcna_delegations_chart"].name == "CHN-delegations"
    us = brief_kcna(outcome, "USA", "the US")
    assert us["kcna_types"] == [{"type": "ACCUSE", "outward": 2, "inward": 0}]
    assert us["kcna_delegations_chart"] is None and us["kcna_visits"] is None
    assert "2 conflictual" in us["kcna_chart"].alt
    nobody = brief_kcna(outcome, "FRA", "France")
    assert nobody["kcna_present"] and nobody["kcna_chart"] is None and "France" in nobody["kcna_missing"]
    # The report's days narrow the section too.
    later = brief_kcna(gather_kcna(store, "PRK", Selection(freq="Y", start="2002-01-01")), "CHN", "China")
    assert later["kcna_total"] == 1 and later["kcna_visits"] is None


def test_no_section_without_kcna_events(tmp_path: Path) -> None:
    with dw.open(tmp_path / "empty.duckdb") as empty:
        outcome = gather_kcna(empty, "PRK")
    assert outcome.data is None and outcome.reason
    assert brief_kcna(outcome, "CHN", "China")["kcna_present"] is False


def test_api_delegations(store: dw.Store, tmp_path: Path) -> None:
    path = store.path
    store.close()
    with TestClient(create_app(path)) as client:
        answer = client.get("/api/delegations", params={"focus": "PRK", "partners": "CHN,RUS"}).json()
        assert answer["reason"] is None
        rows = {(r["partner"], r["year"], r["way"], r["kind"]): (r["items"], r["visits"]) for r in answer["rows"]}
        assert rows == {("CHN", 2000, "received", "military"): (2, 1), ("RUS", 2000, "sent", "party"): (1, 1)}
        later = client.get("/api/delegations", params={"partners": "CHN", "from": "2001-01-01"}).json()
        assert later["rows"] == [] and "no delegations with CHN" in later["reason"]
        assert client.get("/api/delegations", params={"partners": "CHINA!"}).status_code in (400, 422)
    with dw.open(tmp_path / "none.duckdb") as empty:
        empty_path = empty.path
    with TestClient(create_app(empty_path)) as client:
        answer = client.get("/api/delegations").json()
        assert answer["rows"] == [] and answer["reason"]


def test_the_dashboard_has_the_delegations_panel() -> None:
    from importlib import resources

    page = resources.files("dyadwatch.web").joinpath("static/dashboard.html").read_text("utf-8")
    script = resources.files("dyadwatch.web").joinpath("static/dashboard.js").read_text("utf-8")
    assert 'id="delegations-panel"' in page and 'id="delegations-chart"' in page
    assert '"/api/delegations"' in script and "showDelegations(view, mine);" in script


def test_the_report_header_says_kcna_is_left_out_unless_named() -> None:
    from dyadwatch.report.narrative import selection_line

    default = selection_line(Selection(freq="Y"), ["chronology"], 1990, 2024)
    assert "sources all in the store (chronology) but kcna (coded from texts: --source kcna)" in default
    named = selection_line(Selection(freq="Y", sources=("chronology", "kcna")), ["chronology", "kcna"], 1990, 2024)
    assert "sources chronology, kcna;" in named and "but kcna" not in named
