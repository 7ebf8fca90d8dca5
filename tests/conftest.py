"""Shared fixtures: fresh stores in temporary folders, and the package's own generators."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per session from all bundled data (as `dyadwatch demo` does)."""
    from dyadwatch.ingest.bundled import load_bundled

    path = tmp_path_factory.mktemp("bundled") / "demo.duckdb"
    with dw.open(path) as opened:
        load_bundled(opened)
    return path
