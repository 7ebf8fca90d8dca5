"""One answer, three faces (issue 28 item 6): the command line (``--format json``), the Python API
and the dashboard's HTTP API, asked the same question of the demo store, give the same numbers.

Asked of each: series, breaks, flex, shifts, votes and rhetoric, once with every option named and
once with the defaults (no ``--freq`` / ``freq``), where the faces must also pick the same period.

Before comparing, presentation-only keys are dropped (:data:`PRESENTATION`):

* ``freq_reason``: how the period was chosen, in words; the command line words it as a sentence
  for people, the HTTP API gives ``choose_freq``'s reason as it is (the period itself, ``freq``, and
  the ``selection`` are compared);
* ``summary`` of a series: the command line's sentence above its rows (the HTTP series answer has
  no sentence); analysis results carry ``summary`` in ``to_dict()`` and it is compared there;
* the wrapper of a series (``rows`` on the command line, ``series`` over HTTP, a DataFrame in
  Python): the rows themselves are compared.

The command line's and the HTTP API's JSON must be equal value for value: both write floats through
the same serialiser (``dyadwatch.jsonable``, which may round a float's last digits). The Python
API gives floats unrounded, so it is compared to them to 1e-9 relative.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection, choose_freq
from dyadwatch.web import create_app

#: Keys that say how an answer is worded or wrapped, not what it is (see the module docstring).
PRESENTATION = frozenset({"freq_reason"})
SINCE = "2025-01-01"
DRAWS = "40"


@pytest.fixture(scope="module")
def client(bundled_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(bundled_db)) as opened:
        yield opened


@pytest.fixture(scope="module")
def store(bundled_db: Path) -> Iterator[dw.Store]:
    with dw.open(bundled_db, read_only=True) as opened:
        yield opened


def cli(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> Any:
    """``dyadwatch ARGV --db DB --format json``, parsed."""
    capsys.readouterr()
    code = run([*argv, "--db", str(db), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def http(client: TestClient, path: str, **params: str) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def python(value: Any) -> Any:
    """A Python API answer as the JSON faces write it (dates as ISO text, NaN as null)."""
    return json.loads(json.dumps(jsonable(value)))


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: strip(item) for key, item in value.items() if key not in PRESENTATION}
    if isinstance(value, list):
        return [strip(item) for item in value]
    return value


def same(left: Any, right: Any, where: str = "$") -> None:
    """Equal JSON values, numbers to 1e-9 relative; the assertion names the first place they differ."""
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        assert left == right, f"{where}: {left!r} != {right!r}"
    elif isinstance(left, int | float) and isinstance(right, int | float):
        assert math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12), f"{where}: {left!r} != {right!r}"
    elif isinstance(left, dict) and isinstance(right, dict):
        assert set(left) == set(right), f"{where}: keys {sorted(set(left) ^ set(right))} in one face only"
        for key in left:
            same(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list) and isinstance(right, list):
        assert len(left) == len(right), f"{where}: {len(left)} items != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            same(a, b, f"{where}[{index}]")
    else:
        assert left == right, f"{where}: {left!r} != {right!r}"


def three(by_cli: Any, by_python: Any, by_http: Any) -> None:
    by_cli, by_python, by_http = strip(by_cli), strip(python(by_python)), strip(by_http)
    same(by_cli, by_python, "cli~python")
    same(by_cli, by_http, "cli~http")
    assert by_cli == by_http  # one serialiser behind both: the very same JSON values


# -- every option named -------------------------------------------------------------------------------
def test_series(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    selection = Selection(freq="Q", start="1990-01-01", end="2019-12-31", normalize="focus")
    by_cli = cli(capsys, bundled_db, "series", "PRK", "RUS", "--undirected", "--freq", "Q",
                 "--from", "1990-01-01", "--to", "2019-12-31", "--normalize", "focus")  # fmt: skip
    by_http = http(client, "/api/series", a="PRK", b="RUS", undirected="true", freq="Q",
                   **{"from": "1990-01-01", "to": "2019-12-31"}, normalize="focus")  # fmt: skip
    frame = store.series("PRK", "RUS", selection=selection, undirected=True)
    rows = by_cli["rows"] if isinstance(by_cli, dict) else by_cli
    assert len(rows) == 120 and sum(row["events"] for row in rows) > 0  # 30 years of quarters, not empty
    three(rows, frame.to_dict(orient="records"), by_http["series"])
    same(by_http["selection"], selection.to_dict())
    if isinstance(by_cli, dict) and "selection" in by_cli:
        same(by_cli["selection"], by_http["selection"])


def test_breaks(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    from dyadwatch.analysis.breaks import dyad_breaks

    by_cli = cli(capsys, bundled_db, "breaks", "PRK", "CHN", "--freq", "Y", "--metric", "goldstein_sum",
                 "--normalize", "focus")  # fmt: skip
    by_http = http(client, "/api/breaks", a="PRK", b="CHN", freq="Y", metric="goldstein_sum", normalize="focus")
    by_python = dyad_breaks(
        store, "PRK", "CHN", metric="goldstein_sum", selection=Selection(freq="Y", normalize="focus")
    )
    assert by_cli["status"] == "ok" and by_cli["summary"] and by_cli["selection"]["normalize"] == "focus"
    three(by_cli, by_python.to_dict(), by_http)


def test_flex(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    by_cli = cli(capsys, bundled_db, "flex", "PRK", "--freq", "Y", "--partners", "CHN,USA", "--draws", DRAWS)
    by_http = http(client, "/api/flex", focus="PRK", freq="Y", partners="CHN,USA", draws=DRAWS)
    selection = Selection(freq="Y", partners=("CHN", "USA"))
    by_python = dw.flexibility(store, "PRK", draws=int(DRAWS), seed=0, selection=selection)
    assert {row["partner"] for row in by_cli["partners"]} == {"CHN", "USA"}
    assert any(row.get("status", "ok") == "ok" and row["focus_first"] is not None for row in by_cli["partners"])
    three(by_cli, by_python.to_dict(), by_http)


def test_shifts(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    by_cli = cli(capsys, bundled_db, "shifts", "PRK", "--since", SINCE, "--freq", "M")
    by_http = http(client, "/api/shifts", focus="PRK", since=SINCE, freq="M")
    by_python = dw.shifts(store, "PRK", SINCE, selection=Selection(freq="M"))
    rising = {s["partner"] for s in by_cli["shifts"] if s["kind"] == "rising_partner"}
    assert "RUS" in rising  # the Russia turn, in every face
    three(by_cli, by_python.to_dict(), by_http)


def test_votes(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    from dyadwatch.analysis.votes import votes

    by_cli = cli(capsys, bundled_db, "votes", "PRK", "--partners", "CHN,RUS")
    by_http = http(client, "/api/votes", focus="PRK", partners="CHN,RUS")
    by_python = votes(store, "PRK", partners=["CHN", "RUS"], issues=["all"])
    assert len(by_cli["rows"]) > 40 and {row["partner"] for row in by_cli["rows"]} == {"CHN", "RUS"}
    three(by_cli, by_python.to_dict(), by_http)


def test_rhetoric(capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient) -> None:
    from dyadwatch.analysis.rhetoric import rhetoric

    by_cli = cli(capsys, bundled_db, "rhetoric", "PRK", "--partners", "CHN,RUS", "--freq", "Q")
    by_http = http(client, "/api/rhetoric", focus="PRK", partners="CHN,RUS", freq="Q")
    by_python = rhetoric(store, "PRK", freq="Q", partners=["CHN", "RUS"])
    assert any(row["texts"] for row in by_cli["rows"])
    three(by_cli, by_python.to_dict(), by_http)


# -- the defaults: the same period, chosen the same way, and the same answer ---------------------------
def test_defaults_pick_the_same_period(
    capsys: pytest.CaptureFixture[str], bundled_db: Path, store: dw.Store, client: TestClient
) -> None:
    series_cli = cli(capsys, bundled_db, "series", "PRK", "CHN", "--undirected")
    series_http = http(client, "/api/series", a="PRK", b="CHN", undirected="true")
    chosen = choose_freq(store.con, "PRK", ["CHN"], Selection(), undirected=True)[0]
    assert series_http["freq"] == series_http["selection"]["freq"] == chosen
    if isinstance(series_cli, dict) and "selection" in series_cli:
        assert series_cli["selection"]["freq"] == chosen
    same(strip(series_cli["rows"] if isinstance(series_cli, dict) else series_cli), series_http["series"])

    breaks_cli = cli(capsys, bundled_db, "breaks", "PRK", "CHN")
    breaks_http = http(client, "/api/breaks", a="PRK", b="CHN")
    assert breaks_cli["freq"] == breaks_http["freq"]
    same(strip(breaks_cli), strip(breaks_http))

    flex_cli = cli(capsys, bundled_db, "flex", "PRK", "--partners", "CHN,RUS", "--draws", DRAWS)
    flex_http = http(client, "/api/flex", focus="PRK", partners="CHN,RUS", draws=DRAWS)
    assert flex_cli["freq"] == flex_http["freq"]
    same(strip(flex_cli), strip(flex_http))

    # what the dashboard asks when no period is named: /api/default-freq for its partners
    dashboard = http(client, "/api/default-freq", focus="PRK", partners="CHN,RUS", undirected="true")
    assert dashboard["freq"] == flex_http["freq"]

    shifts_cli = cli(capsys, bundled_db, "shifts", "PRK", "--since", SINCE)
    shifts_http = http(client, "/api/shifts", focus="PRK", since=SINCE)
    assert shifts_cli["freq"] == shifts_http["freq"]
    same(strip(shifts_cli), strip(shifts_http))

    words_cli = cli(capsys, bundled_db, "rhetoric", "PRK", "--partners", "CHN,RUS")
    words_http = http(client, "/api/rhetoric", focus="PRK", partners="CHN,RUS")
    assert words_cli["freq"] == words_http["freq"]
    same(strip(words_cli), strip(words_http))
