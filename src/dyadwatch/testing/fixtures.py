"""The test suite's shared fixtures, each built once per test run however many workers run it.

The demo store (all bundled data, as ``dyadwatch demo`` loads it), the same store without its KCNA
texts, and the report site with its PDF are read-only for the tests that use them. Under
pytest-xdist every worker used to build its own; now the first process to take a folder's lock
builds it, and the others wait for it and read what it built (the pattern pytest-xdist documents).

``python -m dyadwatch.testing.fixtures ROOT`` builds all three under ROOT. ``tests/conftest.py``
starts it beside the workers at the beginning of a ``pytest -n N`` run, so the builds overlap the
tests that need none of them instead of a worker standing idle at the lock.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

BUNDLED = "bundled"
EVENTS_ONLY = "events-only"
SITE = "bundled-site"
DONE = ".built"


def built_once(root: Path, name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``ROOT/shared-NAME``, filled by ``build(folder)`` unless another process did.

    A build that fails leaves no mark, so the next process to ask tries again (and raises alike).
    """
    from filelock import FileLock

    out = root / f"shared-{name}"
    with FileLock(str(root / f"shared-{name}.lock")):
        if not (out / DONE).exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            build(out)
            (out / DONE).touch()
    return out


def build_bundled(folder: Path) -> Path:
    """``FOLDER/demo.duckdb``: a store of all bundled data, as ``dyadwatch demo`` loads it."""
    from dyadwatch.api import open as open_store
    from dyadwatch.ingest.bundled import load_bundled

    path = folder / "demo.duckdb"
    with open_store(path) as opened:
        load_bundled(opened)
    return path


def build_events_only(folder: Path, bundled_db: Path) -> Path:
    """``FOLDER/demo.duckdb``: the bundled store without its KCNA texts and the events coded from
    them (what a user who loads only events has)."""
    from dyadwatch.api import open as open_store

    path = folder / "demo.duckdb"
    shutil.copyfile(bundled_db, path)
    with open_store(path) as opened:
        for table in ("text_scores", "texts_partners", "texts", "coded_events", "texts_coding"):
            opened.con.execute(f"DELETE FROM {table}")
        opened.con.execute("DELETE FROM events WHERE source = 'kcna'")
        opened.con.execute("DELETE FROM loads WHERE format LIKE 'texts:%'")
        left = opened.con.execute("SELECT count(*) FROM texts").fetchone()
    if left != (0,):
        raise RuntimeError(f"the events-only store still holds texts: {left}")
    return path


def build_bundled_site(folder: Path, bundled_db: Path) -> Path:
    """``FOLDER/site``: the PRK report site with its PDF, from the bundled store."""
    from dyadwatch.api import open as open_store
    from dyadwatch.report import build_site

    out = folder / "site"
    with open_store(bundled_db, read_only=True) as opened:
        index = build_site(opened, "PRK", out, pdf=True)
    if index != out / "index.html":
        raise RuntimeError(f"the report site's index is {index}, not {out / 'index.html'}")
    return out


def shared_bundled(root: Path) -> Path:
    return built_once(root, BUNDLED, build_bundled) / "demo.duckdb"


def shared_events_only(root: Path) -> Path:
    bundled_db = shared_bundled(root)
    return built_once(root, EVENTS_ONLY, lambda folder: build_events_only(folder, bundled_db)) / "demo.duckdb"


def shared_site(root: Path) -> Path:
    bundled_db = shared_bundled(root)
    return built_once(root, SITE, lambda folder: build_bundled_site(folder, bundled_db)) / "site"


BUILDERS: dict[str, Callable[[Path], Path]] = {
    BUNDLED: shared_bundled,
    SITE: shared_site,
    EVENTS_ONLY: shared_events_only,
}


def main(argv: list[str]) -> int:
    """``ROOT [NAME ...]``: build the named shared fixtures (all three by default) under ROOT."""
    names = argv[1:] or list(BUILDERS)
    if not argv or any(name not in BUILDERS for name in names):
        print(f"usage: python -m dyadwatch.testing.fixtures ROOT [{' | '.join(BUILDERS)} ...]", file=sys.stderr)
        return 2
    root = Path(argv[0])
    for name in names:
        BUILDERS[name](root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
