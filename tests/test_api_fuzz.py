"""Property-based fuzz of the dashboard's HTTP API (design §7): never a 5xx, and every 4xx says why.

Every GET endpoint of the app's own OpenAPI schema is called with query strings that Hypothesis
draws per parameter from its schema: values that fit the declared pattern or range, values that
mean something here (known and unknown codes, impossible days, sources, metrics), values just
outside a range, and arbitrary text; optional parameters are sometimes left out. Two real stores
are served: a small one (three partners, generated events, a few texts) and an empty one.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dyadwatch as dw
from dyadwatch.testing.events import rate_events
from dyadwatch.web import create_app

#: Values that work on the small store, by kind of parameter: a query made of these reaches the
#: analysis itself (dates may still come in the wrong order, partners may have no events).
GOOD: dict[str, list[Any]] = {
    "code": ["PRK", "CHN", "RUS", "USA", "prk", "KOR"],
    "date": ["2025-01-01", "2024-06-30", "2013-02-01", "2012-01-01", "2020-02-29", "2025-06-30", "2030-01-01"],
    "freq": ["M", "Q", "Y"],
    "metric": ["goldstein_sum", "goldstein_mean", "events"],
    "source": ["csv", "chronology", "csv,chronology"],
    "normalize": ["none", "focus", "all"],
    "partners": ["CHN", "CHN,RUS", "usa,rus,chn", "KOR"],
    "issue": ["all", "each", "nuclear_weapons", "human_rights,arms_control"],
    "bool": ["true", "false", "1", "0"],
}
#: Values that should be refused (or that test the edges): unknown codes, impossible days, typos.
BAD: dict[str, list[Any]] = {
    "code": ["XYZ", "IGOUNO", "Russia", "", "PR K"],
    "date": ["1900-01-01", "9999-12-31", "2025-02-30", "2024-13-01", "", "2025-1-1"],
    "freq": ["m", "W", ""],
    "metric": ["cooperation_share", "tone", "period", "x"],
    "source": ["gdelt2,csv", "CSV", "bogus", ",", ""],
    "normalize": ["per", ""],
    "partners": ["XYZ", "CHN,XYZ", "CHN,,RUS", "IGOUNO", "PRK"],
    "issue": ["bogus", "-", ""],
    "bool": ["yes", "no", "on", "maybe", ""],
}
#: Which lists of :data:`GOOD` and :data:`BAD` a parameter draws from, by name.
KIND = {
    "a": "code",
    "b": "code",
    "focus": "code",
    "from": "date",
    "to": "date",
    "since": "date",
    "freq": "freq",
    "metric": "metric",
    "source": "source",
    "normalize": "normalize",
    "partners": "partners",
    "issue": "issue",
}
#: Examples per endpoint and store; DYADWATCH_FUZZ_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("DYADWATCH_FUZZ_EXAMPLES", "10"))
#: Bootstrap draws cost time in /api/flex: only a few good ones (and the values just outside the range).
FEW_DRAWS, BAD_DRAWS = [0, 1, 2, 3], [-1, 1001, "x"]


def _schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a parameter's JSON schema (``anyOf`` for optional ones, arrays' items), no null."""
    options = [option.get("items", option) for option in schema.get("anyOf", [schema])]
    return [option for option in options if option.get("type") != "null"]


def _kind(name: str, schema: dict[str, Any]) -> str | None:
    if name in KIND:
        return KIND[name]
    return "bool" if any(option.get("type") == "boolean" for option in _schemas(schema)) else None


def good_values(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that fit the parameter's schema and mean something for the small store."""
    if name == "draws":
        return st.sampled_from(FEW_DRAWS)
    choices: list[st.SearchStrategy[Any]] = []
    kind = _kind(name, schema)
    if kind:
        choices.append(st.sampled_from(GOOD[kind]))
    for option in _schemas(schema):
        if option.get("type") == "integer":
            choices.append(st.integers(int(option.get("minimum", -(10**6))), int(option.get("maximum", 10**6))))
        elif option.get("pattern") and not kind:
            choices.append(st.from_regex(option["pattern"], fullmatch=True))
    if kind == "date":
        choices.append(st.dates(dt.date(2010, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat))
    return st.one_of(*choices) if choices else st.text(max_size=12)


def bad_values(name: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the API should refuse with a 4xx (or take at the edge of what it accepts)."""
    if name == "draws":
        return st.sampled_from(BAD_DRAWS)
    choices: list[st.SearchStrategy[Any]] = [st.text(max_size=12)]
    kind = _kind(name, schema)
    if kind:
        choices.append(st.sampled_from(BAD[kind]))
    for option in _schemas(schema):
        if option.get("type") == "integer":
            low, high = int(option.get("minimum", -(10**6))), int(option.get("maximum", 10**6))
            choices.append(st.sampled_from([low - 1, high + 1, 2**63, -(2**63)]))
        if option.get("pattern"):
            # fits the pattern, but is mostly not a real code, day or name
            choices.append(st.from_regex(option["pattern"], fullmatch=True))
    return st.one_of(*choices)


def _named(name: str, values: list[Any]) -> list[tuple[str, Any]]:
    return [(name, value) for value in values]


def query_strategy(parameters: list[dict[str, Any]]) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """A query string as (name, value) pairs: each parameter left out, given once, or (lists) repeated.

    Half the queries use only good values, so they reach the analyses; in the other half each value
    is bad one time in three.
    """

    def query(clean: bool) -> st.SearchStrategy[list[tuple[str, Any]]]:
        parts: list[st.SearchStrategy[list[tuple[str, Any]]]] = []
        for parameter in parameters:
            if parameter.get("in") != "query":
                continue
            name, schema = parameter["name"], parameter.get("schema", {})
            good = good_values(name, schema)
            values = good if clean else st.one_of(good, good, bad_values(name, schema))
            repeated = any(option.get("type") == "array" for option in schema.get("anyOf", [schema]))
            drawn = st.lists(values, min_size=1 if parameter.get("required") else 0, max_size=3 if repeated else 1)
            parts.append(drawn.map(functools.partial(_named, name)))
        return st.tuples(*parts).map(lambda groups: [pair for group in groups for pair in group])

    return st.booleans().flatmap(query)


def _small_store(path: Path, folder: Path) -> None:
    """Three partners over thirteen years of generated visits (with a rise), and a few texts."""
    events = rate_events(
        seed=7,
        start="2012-01-01",
        end="2025-06-30",
        rates={
            "CHN": [("2012-01-01", 2.0), ("2024-01-01", 6.0)],
            "RUS": [("2012-01-01", 1.0)],
            "USA": [("2012-01-01", 0.5)],
        },
    )
    days = pd.date_range("2015-01-01", "2025-06-01", freq="MS")
    titles = [
        "Talks with China on trade cooperation"
        if i % 3
        else "Russian imperialists denounced by the revolutionary people"
        for i in range(len(days))
    ]
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "title": titles}).to_csv(folder / "texts.csv", index=False)
    with dw.open(path) as store:
        store.load_frame(events, label="generated", sha256="fuzz-small-store", fmt="csv")
        store.ingest_texts([folder / "texts.csv"])


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    folder = tmp_path_factory.mktemp("fuzz")
    small, empty = folder / "small.duckdb", folder / "empty.duckdb"
    _small_store(small, folder)
    dw.open(empty).close()
    with TestClient(create_app(small)) as on_small, TestClient(create_app(empty)) as on_empty:
        yield {"small": on_small, "empty": on_empty}


def get_endpoints() -> list[tuple[str, list[dict[str, Any]]]]:
    """Every GET path of the API with its parameters, from the app's own OpenAPI schema."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schema.duckdb"
        dw.open(path).close()
        schema = create_app(path).openapi()
    return [
        (path, item["get"].get("parameters", [])) for path, item in sorted(schema["paths"].items()) if "get" in item
    ]


ENDPOINTS = get_endpoints()


def test_the_schema_lists_every_endpoint() -> None:
    paths = {path for path, _ in ENDPOINTS}
    assert paths >= {
        "/api/partners",
        "/api/sources",
        "/api/series",
        "/api/breaks",
        "/api/flex",
        "/api/shifts",
        "/api/votes",
        "/api/rhetoric",
        "/api/events",
        "/api/delegations",
    }


@pytest.mark.parametrize("store", ["small", "empty"])
@pytest.mark.parametrize(("path", "parameters"), ENDPOINTS, ids=[path for path, _ in ENDPOINTS])
def test_no_query_string_gets_a_server_error(
    clients: dict[str, TestClient], store: str, path: str, parameters: list[dict[str, Any]]
) -> None:
    client = clients[store]

    # Few examples per endpoint and store: 9 endpoints x 2 stores stay within about a minute on two
    # shared cores; a server error is shrunk and reported with its query string.
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(query=query_strategy(parameters))
    def check(query: list[tuple[str, Any]]) -> None:
        response = client.get(path, params=query)
        assert response.status_code < 500, (path, query, response.text)
        body = response.json()
        if response.status_code >= 400:
            assert isinstance(body.get("error"), str) and body["error"], (path, query, body)
        else:
            assert response.status_code == 200 and isinstance(body, dict), (path, query, body)

    check()
