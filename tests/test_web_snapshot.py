"""The dashboard's in-memory copy of a store answers exactly what the store answers.

``dyadwatch.web.snapshot`` serves ``/api/series`` and ``/api/events`` from arrays; every number must
equal :func:`dyadwatch.series.dyad_series` and :meth:`dyadwatch.Store.events` to the last bit, for
any selection, on the bundled store and on one with GDELT daily totals (``--normalize all``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dyadwatch as dw
from dyadwatch.selection import Selection
from dyadwatch.testing import write_gdelt2
from dyadwatch.testing.bulk import bulk_events
from dyadwatch.web import create_app
from dyadwatch.web.snapshot import DISPLAY_FIELDS, Snapshots, StoreSnapshot


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """GDELT 2.0 files (so ``daily_totals`` has rows) plus generated GDELT 1.0, 2.0 and ICEWS rows."""
    folder = tmp_path_factory.mktemp("mixed")
    files = write_gdelt2(folder / "gdelt", 4000, files=2, focus_share=0.4, start="2016-03-01", months=30, seed=5)
    path = folder / "mixed.duckdb"
    with dw.open(path) as store:
        assert all(report.status == "loaded" for report in store.ingest(files.files))
        extra = bulk_events(3000, seed=9, start="2010-01-01", end="2019-12-31")
        extra.loc[::97, "goldstein"] = None  # a few events without a score or a quad class
        extra.loc[::89, "quad_class"] = None
        store.load_frame(extra, label="extra", sha256=hashlib.sha256(b"extra").hexdigest(), fmt="csv")
    return path


@pytest.fixture(scope="module", params=["bundled", "mixed"])
def stores(
    request: pytest.FixtureRequest, bundled_db: Path, mixed_db: Path
) -> Iterator[tuple[dw.Store, StoreSnapshot]]:
    path = bundled_db if request.param == "bundled" else mixed_db
    snapshot = StoreSnapshot.read(path)
    assert snapshot is not None
    with dw.open(path, read_only=True) as store:
        yield store, snapshot


def expected_series(store: dw.Store, a: str, b: str, selection: Selection, undirected: bool) -> list[dict[str, Any]]:
    frame = store.series(a, b, selection=selection, undirected=undirected)
    # a period without events has no goldstein_mean: NaN in the frame, None in the rows both paths hand out
    return [
        {**{str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()},
         "period": row["period"].isoformat()}
        for row in frame.to_dict("records")
    ]  # fmt: skip


def expected_events(store: dw.Store, **filters: Any) -> list[dict[str, Any]]:
    frame = store.events(**filters)[list(DISPLAY_FIELDS)].astype(object)
    rows = [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]
    for row in rows:
        row["date"] = row["date"].date().isoformat()
        for key, value in row.items():
            if isinstance(value, float) and value != value:  # NaN: a missing score or quad class
                row[key] = None
        if row["quad_class"] is not None:
            row["quad_class"] = int(row["quad_class"])
    return rows


PARTNERS = ["CHN", "RUS", "USA", "JPN", "KOR", "MNG", "FRA", "ATA"]
DAYS = st.dates(min_value=dt.date(1948, 6, 1), max_value=dt.date(2026, 6, 30)).map(dt.date.isoformat)


@st.composite
def selections(draw: st.DrawFn) -> Selection:
    start, end = draw(st.none() | DAYS), draw(st.none() | DAYS)
    if start and end and start > end:
        start, end = end, start
    return Selection(
        freq=draw(st.sampled_from("MQY")),
        sources=tuple(
            draw(st.sets(st.sampled_from(["chronology", "gdelt1", "gdelt2", "icews", "polecat", "kcna"]), max_size=2))
        ),
        start=start,
        end=end,
        normalize=draw(st.sampled_from(["none", "none", "focus", "all"])),
        drop_statements=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(selection=selections(), partner=st.sampled_from(PARTNERS), undirected=st.booleans(), backwards=st.booleans())
def test_series_equal_the_stores(
    stores: tuple[dw.Store, StoreSnapshot], selection: Selection, partner: str, undirected: bool, backwards: bool
) -> None:
    store, snapshot = stores
    a, b = (partner, "PRK") if backwards else ("PRK", partner)
    assert snapshot.series(a, b, selection, undirected=undirected) == expected_series(
        store, a, b, selection, undirected
    )


def test_series_of_busy_dyads_equal_the_stores(stores: tuple[dw.Store, StoreSnapshot]) -> None:
    """Whole series, every frequency and normalisation: long float sums and many periods."""
    store, snapshot = stores
    for partner in ("CHN", "RUS", "USA"):
        for freq in "MQY":
            for normalize in ("none", "focus", "all"):
                selection = Selection(freq=freq, normalize=normalize)
                got = snapshot.series("PRK", partner, selection, undirected=True)
                assert got == expected_series(store, "PRK", partner, selection, True)
                assert sum(row["events"] for row in got) > 0


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    actor=st.none() | st.sampled_from(["PRK", "CHN", "KOR"]),
    partner=st.none() | st.sampled_from(PARTNERS),
    sources=st.sets(st.sampled_from(["chronology", "gdelt2", "icews", "provocations", "kcna"]), max_size=2),
    start=st.none() | DAYS,
    end=st.none() | DAYS,
    limit=st.sampled_from([1, 7, 100, 5000]),
)
def test_events_equal_the_stores(
    stores: tuple[dw.Store, StoreSnapshot],
    actor: str | None,
    partner: str | None,
    sources: set[str],
    start: str | None,
    end: str | None,
    limit: int,
) -> None:
    store, snapshot = stores
    if actor is None:
        partner = None
    names = tuple(sorted(sources))
    got = snapshot.events(actor=actor, partner=partner, sources=names, start=start, end=end, limit=limit)
    # None named: every source but the text-coded (KCNA) ones, as the selection reads (design §9).
    left_out = Selection(sources=names).excluded_sources
    assert [json.loads(row) for row in got] == expected_events(
        store, actor=actor, partner=partner, source=list(names) or None, start=start, end=end, limit=limit,
        exclude=left_out,
    )  # fmt: skip


def test_the_copy_is_read_again_when_the_store_changes(tmp_path: Path) -> None:
    path = tmp_path / "events.duckdb"
    with dw.open(path) as store:
        store.load_frame(bulk_events(500, seed=1), label="one", sha256="1" * 64, fmt="csv")
    snapshots = Snapshots(path)
    first = snapshots.get()
    assert first is not None and first.count == 500 and snapshots.fresh() == (True, first)
    with dw.open(path) as store:  # the server never holds the file: a writer can load meanwhile
        store.load_frame(bulk_events(300, seed=2), label="two", sha256="2" * 64, fmt="csv")
    assert snapshots.fresh() == (False, None)
    second = snapshots.get()
    assert second is not None and second is not first and second.count == 800


def test_a_store_too_large_to_copy_is_served_from_duckdb(bundled_db: Path) -> None:
    """Above the limit the app answers from DuckDB: the same JSON as from the copy."""
    queries: list[tuple[str, dict[str, str | int]]] = [
        ("/api/series", {"a": "PRK", "b": "CHN", "freq": "Q", "undirected": "true", "normalize": "focus"}),
        ("/api/series", {"a": "PRK", "b": "RUS", "from": "1990-02-03", "to": "2001-05-06", "source": "chronology"}),
        ("/api/events", {"a": "PRK", "b": "CHN", "from": "2000-01-01", "limit": 50}),
        ("/api/events", {"limit": 300, "source": "provocations,chronology"}),
    ]
    with (
        TestClient(create_app(bundled_db)) as copied,
        TestClient(create_app(bundled_db, max_events_in_memory=0)) as sql,
    ):
        for path, params in queries:
            fast, slow = copied.get(path, params=params), sql.get(path, params=params)
            assert fast.status_code == slow.status_code == 200
            assert fast.json() == slow.json() and fast.json()[path.rsplit("/", 1)[1]]
