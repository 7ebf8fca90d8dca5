"""The dashboard's JSON API (design §7) through FastAPI's TestClient: answers, and 4xx for bad input."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import dyadwatch as dw
from dyadwatch.errors import StoreError
from dyadwatch.web import create_app


@pytest.fixture(scope="module")
def client(bundled_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(bundled_db)) as opened:
        yield opened


def test_dashboard_page_and_assets_are_local(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/static/dashboard.js", "/static/dashboard.css"):
        assert client.get(asset).status_code == 200


def test_plotly_is_served_from_the_installed_package_with_its_licence(client: TestClient) -> None:
    page = client.get("/").text
    assert '<script src="/vendor/plotly.min.js">' in page and 'href="/vendor/plotly-LICENSE.txt"' in page
    shipped = Path(str(metadata.distribution("plotly").locate_file("plotly/package_data/plotly.min.js")))
    served = client.get("/vendor/plotly.min.js")
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    assert served.content == shipped.read_bytes()
    licence = client.get("/vendor/plotly-LICENSE.txt")
    assert licence.status_code == 200 and licence.headers["content-type"].startswith("text/plain")
    version = re.search(r"plotly\.js v(\S+)", shipped.read_text(encoding="utf-8")[:200])
    assert version and f"plotly.js {version.group(1)}" in licence.text
    assert "MIT License" in licence.text and "Permission is hereby granted" in licence.text


def test_plotly_is_gzipped_for_a_browser_that_accepts_it(client: TestClient) -> None:
    shipped = Path(str(metadata.distribution("plotly").locate_file("plotly/package_data/plotly.min.js"))).read_bytes()
    with client.stream("GET", "/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip, deflate"}) as packed:
        wire = b"".join(packed.iter_raw())
        assert packed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in packed.headers["vary"]
    assert gzip.decompress(wire) == shipped and len(wire) < len(shipped) / 2
    plain = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == shipped


def test_sources(client: TestClient, bundled_db: Path) -> None:
    body = client.get("/api/sources").json()
    with dw.open(bundled_db, read_only=True) as store:
        counts = dict(store.con.execute("SELECT source, count(*) FROM events GROUP BY source").fetchall())
    assert {row["source"]: row["events"] for row in body["sources"]} == counts
    assert [row["events"] for row in body["sources"]] == sorted(counts.values(), reverse=True)
    chronology = next(row for row in body["sources"] if row["source"] == "chronology")
    assert chronology["first"] == "1948-10-12" and chronology["first"] <= chronology["last"]
    last = max(row["last"] for row in body["sources"])
    assert body["focus"] == "PRK" and body["dyadic_first"] <= body["dyadic_last"] <= last
    unknown = client.get("/api/sources", params={"focus": "XYZ"})
    assert unknown.status_code == 400 and "XYZ" in unknown.json()["error"]


def test_series(client: TestClient) -> None:
    body = client.get("/api/series", params={"a": "PRK", "b": "CHN", "freq": "Y"}).json()
    assert body["actor1"] == "PRK" and body["freq"] == "Y"
    first = body["series"][0]
    assert set(first) >= {"period", "events", "goldstein_sum", "goldstein_mean", "cooperation", "conflict"}
    assert first["period"] == "1949-01-01"
    assert sum(row["events"] for row in body["series"]) > 10


def test_events_are_limited_and_filtered(client: TestClient) -> None:
    body = client.get("/api/events", params={"a": "PRK", "b": "CHN", "from": "2000-01-01", "limit": 5}).json()
    assert body["count"] == 5 == len(body["events"])
    assert all(e["date"] >= "2000-01-01" and {e["actor1"], e["actor2"]} == {"PRK", "CHN"} for e in body["events"])
    everything = client.get("/api/events", params={"limit": 5000}).json()
    assert 1000 < everything["count"] <= 5000


def test_analyses(client: TestClient) -> None:
    breaks = client.get("/api/breaks", params={"a": "PRK", "b": "CHN", "freq": "Y", "metric": "goldstein_sum"}).json()
    assert breaks["actor1"] == "PRK" and breaks["status"] == "ok" and isinstance(breaks["breaks"], list)
    both = client.get(
        "/api/breaks", params={"a": "PRK", "b": "CHN", "freq": "Y", "metric": "goldstein_sum", "undirected": "true"}
    ).json()
    assert both["status"] == "ok" and both["n_periods"] == 77  # 1949-2025, both directions
    # whether a break is found is the analysis's business (tests/test_analysis_breaks.py); here: the
    # undirected series (both directions summed) is the one analysed
    assert [s["mean"] for s in both["segments"]] != [s["mean"] for s in breaks["segments"]]
    flex = client.get("/api/flex", params={"focus": "PRK"}).json()
    assert flex["focus"] == "PRK" and any(p["partner"] == "CHN" for p in flex["partners"])
    shifts = client.get("/api/shifts", params={"focus": "PRK", "since": "2024-06-01"}).json()
    assert shifts["since"] == "2024-06-01" and isinstance(shifts["shifts"], list)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/events", {"limit": 0}, 422),
        ("/api/events", {"limit": 5001}, 422),
        ("/api/events", {"a": "PRK", "from": "2025-13-45"}, 400),
        ("/api/events", {"b": "CHN"}, 400),
        ("/api/events", {"a": "PRK", "from": "yesterday"}, 422),
        ("/api/series", {"a": "PRK' OR 1=1 --", "b": "CHN"}, 422),
        ("/api/series", {"a": "PRK"}, 422),
        ("/api/series", {"a": "PRK", "b": "CHN", "freq": "W"}, 422),
        ("/api/breaks", {"a": "PRK", "b": "CHN", "metric": "tone"}, 400),
        ("/api/shifts", {"focus": "PRK", "since": "2031-01-01"}, 400),
        # found by tests/test_api_fuzz.py (were 500s): a --from after the data, a --since before pandas' days
        ("/api/shifts", {"focus": "PRK", "from": "2030-01-01"}, 400),
        ("/api/shifts", {"focus": "PRK", "since": "0005-01-01"}, 400),
        ("/api/flex", {"focus": "P"}, 422),
    ],
)
def test_bad_parameters_get_4xx_json(client: TestClient, path: str, params: dict[str, str | int], status: int) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.json()["error"]


def test_missing_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no event store"):
        create_app(tmp_path / "absent.duckdb")


def test_the_store_stays_unchanged(client: TestClient, bundled_db: Path) -> None:
    before = bundled_db.stat().st_mtime_ns
    client.get("/api/events", params={"limit": 10})
    client.get("/api/series", params={"a": "PRK", "b": "USA"})
    assert bundled_db.stat().st_mtime_ns == before


def test_dashboard_shows_the_test_and_two_readings(client: TestClient) -> None:
    """Issue 25: the dashboard reads the new keys (the test, the two readings, their intervals,
    co-movement, status and reason, sign flips), never the deprecated aliases, and calls no share a bound."""
    page = client.get("/").text
    assert 'id="flex"' in page and 'id="flex-chart"' in page
    head = page[page.index('id="flex-title"') : page.index('id="flex-rows"')]
    assert "Lagged response (bootstrap Wald p)" in head and "Focus first" in head and "Partner first" in head
    script = client.get("/static/dashboard.js").text
    flex = script[script.index("// ---- flexibility") : script.index("// ---- shifts")]
    for key in (
        "lagged_response_p", "focus_first_ci_low", "focus_first_ci_high", "partner_first_ci_low",
        "partner_first_ci_high", "co_movement", "sign_flip", "responsiveness_by_freq", "row.status", "row.reason",
    ):  # fmt: skip
        assert key in flex, key
    for alias in ("row.flexibility", "flexibility_upper", "row.ci_low", "row.ci_high", "upper_ci_", "rigidity"):
        assert alias not in flex, alias
    assert "responsiveness_p" not in flex  # the asymptotic F-test is not what the words report
    assert "respond to ${name}'s past events (bootstrap Wald ${waldP(p)})" in flex
    assert "show no detectable response to ${name}'s past events" in flex
    assert "if the DPRK's same-period moves are counted as its own" in flex
    assert "if they are credited to ${name}" in flex
    assert "the p-values are not adjusted for testing ${count} partners" in flex
    assert not re.search(r"\bbounds?\b", head + flex, re.IGNORECASE)
    # the order of partners and of the summary comes from the test, never from a share
    orders = re.findall(r"\.sort\((.*?)\);", flex)
    assert len(orders) == 2 and all("lagged_response_p" in order and "_first" not in order for order in orders)
    # Sweden: a partner with events in under a quarter of the years (Japan was one until issue 26's rows)
    flexed = client.get("/api/flex", params={"focus": "PRK", "partners": "USA,SWE", "freq": "Y", "draws": 20}).json()
    rows = {row["partner"]: row for row in flexed["partners"]}
    assert rows["SWE"]["status"] == "insufficient_data" and "25%" in rows["SWE"]["reason"]
    assert rows["USA"]["status"] == "ok" and rows["USA"]["lagged_response_p"] is not None


def test_undirected_breaks_keep_the_selection(client: TestClient) -> None:
    """Issue 29 item 3: both directions' breaks echo the selection and its normalisation (they said
    ``"selection": null`` and "normalisation: none" whatever the URL asked)."""
    params = {"a": "PRK", "b": "CHN", "freq": "Y", "metric": "goldstein_sum", "undirected": "true"}
    for normalize, drop in (("focus", "true"), ("all", "false")):
        body = client.get("/api/breaks", params={**params, "normalize": normalize, "drop_statements": drop}).json()
        assert body["selection"] is not None, body
        assert body["selection"]["normalize"] == normalize and body["selection"]["drop_statements"] == (drop == "true")
        assert body["normalize"] == normalize
        rule = "left out" if drop == "true" else "kept"
        assert f"normalisation: {normalize}; bare statements (CAMEO 010) {rule}" in body["notes"]
        # the summary names the dyad both ways: the series analysed sums both directions
        assert "PRK↔CHN" in body["summary"] and "PRK→CHN" not in body["summary"], body["summary"]


def test_without_freq_the_api_picks_the_command_lines_period(client: TestClient, bundled_db: Path) -> None:
    """Issue 28 item 6: a URL without ``freq`` gets the period ``choose_freq`` picks (as a command
    without ``--freq``), says why, and /api/default-freq tells the dashboard the same."""
    from dyadwatch.selection import Selection, choose_freq

    with dw.open(bundled_db, read_only=True) as store:
        expected = choose_freq(store.con, "PRK", ["CHN"], Selection(), undirected=True)
        directed = choose_freq(store.con, "PRK", ["CHN"], Selection())
        both = choose_freq(store.con, "PRK", ["CHN", "RUS"], Selection(), undirected=True)
    series = client.get("/api/series", params={"a": "PRK", "b": "CHN", "undirected": "true"}).json()
    assert (series["freq"], series["freq_reason"]) == expected
    assert series["selection"]["freq"] == expected[0]
    breaks = client.get("/api/breaks", params={"a": "PRK", "b": "CHN"}).json()
    assert (breaks["freq"], breaks["freq_reason"]) == directed
    chosen = client.get("/api/default-freq", params={"focus": "PRK", "partners": "CHN,RUS", "undirected": "true"})
    assert chosen.status_code == 200 and (chosen.json()["freq"], chosen.json()["reason"]) == both
    # a named period is kept and no reason is given
    named = client.get("/api/series", params={"a": "PRK", "b": "CHN", "freq": "Q"}).json()
    assert named["freq"] == "Q" and "freq_reason" not in named
    bad = client.get("/api/default-freq", params={"partners": "CHN,QQQ"})
    assert bad.status_code == 400 and "QQQ" in bad.json()["error"]
