"""Shared fixtures: fresh stores in temporary folders, and the package's own generators."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from pytest_httpserver import HTTPServer

import dyadwatch as dw

DATA = Path(__file__).parent / "data"


_MODULE_FIXTURE = re.compile(r"""scope\s*=\s*["']module["']""")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`pytest -n N --dist loadgroup` (make test): the tests of a file that defines a fixture of
    module scope (a Spark session, a browser, a served site, a coded store) go to one worker, so
    that the fixture is built once instead of once per worker; every other test is sent alone,
    biggest groups first. (A test id that carries xdist's ``@group`` suffix keeps that group; under
    pytest 9, xdist 3.8 no longer adds it, so ``xdist_group`` marks alone do not group.)

    The controller sees only test ids, so a file is grouped when its text defines such a fixture.
    """
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    grouped: dict[str, bool] = {}

    def defines_module_fixture(file: str) -> bool:
        if file not in grouped:
            path = config.rootpath / file
            text = path.read_text("utf-8") if path.suffix == ".py" and path.is_file() else ""
            grouped[file] = bool(_MODULE_FIXTURE.search(text))
        return grouped[file]

    class ByModuleFixture(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return str(super()._split_scope(nodeid))
            file = nodeid.split("::", 1)[0]
            return file if defines_module_fixture(file) else nodeid

    return ByModuleFixture(config, log)


def _built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A folder ``name`` filled by ``build(folder)`` once per test run, shared by every worker.

    Without xdist it is an ordinary session temporary folder. Under xdist each worker's base
    temporary folder sits in one folder per run: the first worker to get the lock there builds,
    the others wait for it and then read what it built (the pattern pytest-xdist documents). A
    build that fails leaves no ``.built`` mark, so the next worker tries again (and fails alike).
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        out = factory.mktemp(name)
        build(out)
        return out
    root = factory.getbasetemp().parent
    out = root / f"shared-{name}"
    with FileLock(str(root / f"shared-{name}.lock")):
        if not (out / ".built").exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            build(out)
            (out / ".built").touch()
    return out


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
    """A store built once per test run from all bundled data (as `dyadwatch demo` does); opened
    read-only by the tests (the xdist workers share the file)."""
    from dyadwatch.ingest.bundled import load_bundled

    def build(folder: Path) -> None:
        with dw.open(folder / "demo.duckdb") as opened:
            load_bundled(opened)

    return _built_once(tmp_path_factory, "bundled", build) / "demo.duckdb"


@pytest.fixture(scope="session")
def events_only_db(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled store without its KCNA texts and the events coded from them: what a user who
    loads only events has."""

    def build(folder: Path) -> None:
        path = folder / "demo.duckdb"
        shutil.copyfile(bundled_db, path)
        with dw.open(path) as opened:
            for table in ("text_scores", "texts_partners", "texts", "coded_events", "texts_coding"):
                opened.con.execute(f"DELETE FROM {table}")
            opened.con.execute("DELETE FROM events WHERE source = 'kcna'")
            opened.con.execute("DELETE FROM loads WHERE format LIKE 'texts:%'")
            assert opened.con.execute("SELECT count(*) FROM texts").fetchone() == (0,)

    return _built_once(tmp_path_factory, "events-only", build) / "demo.duckdb"


@pytest.fixture(scope="session")
def bundled_site(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report site (with its PDF) built once per test run from the bundled store.

    Shared read-only by the report, browser and rhetoric tests (and by the xdist workers): a build
    takes ~25 s here, and each of them used to make its own. A test that changes a site builds its
    own.
    """
    from dyadwatch.report import build_site

    def build(folder: Path) -> None:
        with dw.open(bundled_db, read_only=True) as opened:
            index = build_site(opened, "PRK", folder / "site", pdf=True)
        assert index == folder / "site" / "index.html"

    return _built_once(tmp_path_factory, "bundled-site", build) / "site"
