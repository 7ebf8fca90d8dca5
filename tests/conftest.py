"""Shared fixtures: fresh stores in temporary folders, and the package's own generators."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import dyadwatch as dw
from dyadwatch.testing import fixtures

DATA = Path(__file__).parent / "data"


_MODULE_FIXTURE = re.compile(r"""scope\s*=\s*["']module["']""")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`pytest -n N --dist loadgroup` (make test): the tests of a file that use a fixture of module
    scope (a Spark session, a browser, a served site, a coded store) go to one worker, so that the
    fixture is built once instead of once per worker; every other test is sent alone, its file's
    other tests included.
    Biggest groups go first, and the files that use a shared fixture (the demo store, the site)
    after all the others, so the workers have work while that is built beside them.

    The controller sees only test ids, so it reads each test file's text. (A test id that carries
    xdist's ``@group`` suffix keeps that group; under pytest 9, xdist 3.8 no longer adds it, so
    ``xdist_group`` marks alone do not group.)
    """
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    texts: dict[str, str] = {}
    users: dict[str, set[str] | None] = {}
    shared = [name for used_by in _FIXTURE_NAMES.values() for name in used_by]

    def text_of(nodeid: str) -> str:
        file = nodeid.split("::", 1)[0]
        if file not in texts:
            path = config.rootpath / file
            texts[file] = path.read_text("utf-8") if path.suffix == ".py" and path.is_file() else ""
        return texts[file]

    class ByModuleFixture(LoadGroupScheduling):  # type: ignore[misc]
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return str(super()._split_scope(nodeid))
            file = nodeid.split("::", 1)[0]
            if not _MODULE_FIXTURE.search(text_of(nodeid)):
                return nodeid
            if file not in users:
                users[file] = _module_fixture_users(text_of(nodeid))
            needing = users[file]
            parts = nodeid.split("::")
            name = parts[1].split("[", 1)[0] if len(parts) == 2 else None
            # A test that needs none of the file's module fixtures is sent alone, so a long group
            # (33 CLI answers, a browser session) does not hold every other test of its file.
            return nodeid if needing is not None and name is not None and name not in needing else file

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:
                self.ordered = True
                later = [
                    scope
                    for scope, unit in self.workqueue.items()
                    if any(word in text_of(nodeid) for nodeid in unit for word in shared)
                ]
                for scope in later:
                    self.workqueue.move_to_end(scope)
            super()._assign_work_unit(node)

    return ByModuleFixture(config, log)


def _module_fixture_users(text: str) -> set[str] | None:
    """The test functions of a test file that use one of its module-scoped fixtures, directly or
    through another fixture of the file; None (every test of the file together) where that cannot
    be read from the file: an autouse module fixture, ``usefixtures``, or text that does not parse."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    if "usefixtures" in text or "getfixturevalue" in text:
        return None
    fixtures: dict[str, tuple[set[str], bool]] = {}  # name: (its arguments, module-scoped)
    tests: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = {arg.arg for arg in (*node.args.args, *node.args.kwonlyargs)}
        for decorator in node.decorator_list:
            said = ast.unparse(decorator)
            if "fixture" in said:
                module = bool(_MODULE_FIXTURE.search(said))
                if (module and "autouse" in said) or "name=" in said:
                    return None
                fixtures[node.name] = (args, module)
        if node.name.startswith("test"):
            tests[node.name] = args
    needing = {name for name, (_, module) in fixtures.items() if module}
    grown = True
    while grown:
        more = {name for name, (args, _) in fixtures.items() if args & needing} - needing
        needing |= more
        grown = bool(more)
    return {name for name, args in tests.items() if args & needing}


def _shared_root(factory: pytest.TempPathFactory) -> Path | None:
    """Under xdist, the folder of this run (the parent of every worker's base temporary folder)
    where the shared fixtures are built once; None without xdist."""
    return factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else None


_FIXTURE_NAMES = {
    fixtures.BUNDLED: ("bundled_db", "events_only_db", "bundled_site"),
    fixtures.SITE: ("bundled_site",),
    fixtures.EVENTS_ONLY: ("events_only_db",),
}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The xdist controller starts ``python -m dyadwatch.testing.fixtures`` beside the workers to
    build the shared fixtures that the chosen test files use, while the workers run the tests
    that need none of them (make test sends those first). A worker that needs a fixture before it
    is built waits at its lock; if the build fails, the worker tries again and its test fails."""
    config = session.config
    if os.environ.get("PYTEST_XDIST_WORKER") or config.pluginmanager.getplugin("dsession") is None:
        return
    text = "".join(path.read_text("utf-8") for path in _test_files(config))
    names = [name for name, used_by in _FIXTURE_NAMES.items() if any(word in text for word in used_by)]
    if not names:
        return
    factory: pytest.TempPathFactory = getattr(config, "_tmp_path_factory")  # noqa: B009 (pytest keeps it private)
    root = factory.getbasetemp()  # under xdist, the parent of every worker's base folder
    env = {**os.environ, "DYADWATCH_DB": str(root / "shared-default.duckdb")}
    with (root / "shared-build.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dyadwatch.testing.fixtures", str(root), *names], stdout=log, stderr=log, env=env
        )
    config.stash[_BUILDER] = proc


def pytest_unconfigure(config: pytest.Config) -> None:
    """A run that ends before the build does (``-x``, an interrupt) stops it."""
    proc = config.stash.get(_BUILDER, None)
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=60)


_BUILDER = pytest.StashKey["subprocess.Popen[bytes]"]()


def _test_files(config: pytest.Config) -> list[Path]:
    """The test files that the command line names (its folders searched for test_*.py)."""
    files: list[Path] = []
    for arg in config.args or [str(config.rootpath / "tests")]:
        path = Path(arg.split("::", 1)[0])
        path = path if path.is_absolute() else config.invocation_params.dir / path
        if path.is_dir():
            files.extend(sorted(path.rglob("test_*.py")))
        elif path.suffix == ".py" and path.is_file():
            files.append(path)
    return files


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
    """A store built once per test run from all bundled data (as `dyadwatch demo` does); the tests
    open it read-only (the xdist workers share the file)."""
    root = _shared_root(tmp_path_factory)
    if root is None:
        return fixtures.build_bundled(tmp_path_factory.mktemp("bundled"))
    return fixtures.shared_bundled(root)


@pytest.fixture(scope="session")
def events_only_db(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled store without its KCNA texts and the events coded from them: what a user who
    loads only events has."""
    root = _shared_root(tmp_path_factory)
    if root is None:
        return fixtures.build_events_only(tmp_path_factory.mktemp("events-only"), bundled_db)
    return fixtures.shared_events_only(root)


@pytest.fixture(scope="session")
def bundled_site(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report site (with its PDF) built once per test run from the bundled store.

    Shared read-only by the report, browser and rhetoric tests (and by the xdist workers): a build
    takes ~25 s here, and each of them used to make its own. A test that changes a site builds its
    own.
    """
    root = _shared_root(tmp_path_factory)
    if root is None:
        return fixtures.build_bundled_site(tmp_path_factory.mktemp("bundled-site"), bundled_db)
    return fixtures.shared_site(root)
