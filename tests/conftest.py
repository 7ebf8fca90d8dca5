"""Shared fixtures: fresh stores in temporary folders, and the package's own generators."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

import dyadwatch as dw

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_store_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the user's real store: $DYADWATCH_DB points into the test's tmp dir."""
    monkeypatch.setenv("DYADWATCH_DB", str(tmp_path / "default.duckdb"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[dw.Store]:
    with dw.open(tmp_path / "events.duckdb") as opened:
        yield opened


@pytest.fixture
def kcna_store(tmp_path: Path) -> Callable[..., dw.Store]:
    """Make a store (``store.duckdb`` in the test's tmp dir) from KCNA headline rows.

    ``make(rows, name="kcna.csv", code=True)``: the rows (a header first: date, title, language,
    link) are written as a quoted CSV file ``name``, loaded with ``ingest_texts`` and, unless
    ``code`` is false, coded with ``code_texts``. The store is returned open.
    """

    def make(rows: Sequence[Sequence[str]], *, name: str = "kcna.csv", code: bool = True) -> dw.Store:
        source = tmp_path / name
        source.write_text("\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n", encoding="utf-8")
        opened = dw.open(tmp_path / "store.duckdb")
        opened.ingest_texts([source], format="csv")
        if code:
            dw.code_texts(opened)
        return opened

    return make


@pytest.fixture
def httpserver() -> Iterator[HTTPServer]:
    """A threaded loopback server (pytest-httpserver's own is not), so that a slow answer does not
    hold up the other downloads; one per test."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per session from all bundled data (as `dyadwatch demo` does)."""
    from dyadwatch.ingest.bundled import load_bundled

    path = tmp_path_factory.mktemp("bundled") / "demo.duckdb"
    with dw.open(path) as opened:
        load_bundled(opened)
    return path


@pytest.fixture(scope="session")
def events_only_db(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled store without its KCNA texts and the events coded from them: what a user who
    loads only events has."""
    import shutil

    path = tmp_path_factory.mktemp("events-only") / "demo.duckdb"
    shutil.copyfile(bundled_db, path)
    with dw.open(path) as opened:
        for table in ("text_scores", "texts_partners", "texts", "coded_events", "texts_coding"):
            opened.con.execute(f"DELETE FROM {table}")
        opened.con.execute("DELETE FROM events WHERE source = 'kcna'")
        opened.con.execute("DELETE FROM loads WHERE format LIKE 'texts:%'")
        assert opened.con.execute("SELECT count(*) FROM texts").fetchone() == (0,)
    return path


@pytest.fixture(scope="session")
def bundled_site(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report site (with its PDF) built once per session from the bundled store.

    Shared read-only by the report, browser and rhetoric tests: a build takes ~25 s here, and
    each of them used to make its own. A test that changes a site builds its own.
    """
    from dyadwatch.report import build_site

    out = tmp_path_factory.mktemp("bundled-site")
    with dw.open(bundled_db, read_only=True) as opened:
        index = build_site(opened, "PRK", out, pdf=True)
    assert index == out / "index.html"
    return out
