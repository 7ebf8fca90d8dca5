"""One watcher per store: a lock file beside the store, held with ``fcntl.flock``.

Why a lock file and not DuckDB's own lock: the watcher closes the store between cycles (so that the
dashboard and ``dyadwatch shifts`` can read it), and DuckDB's lock lasts only while the file is open.
The kernel drops a ``flock`` when its process dies, even by ``kill -9``, so a crashed watcher never
leaves a stale lock; the PID written into the file names the holder in the message.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from dyadwatch.errors import DyadwatchError


class WatchLockedError(DyadwatchError):
    """Another watcher holds the store's watch lock."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".watch.lock")


class WatchLock:
    """``with WatchLock(db):`` holds the watch lock of the store at ``db`` or raises :class:`WatchLockedError`."""

    def __init__(self, db: Path) -> None:
        self.path = lock_path(db)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise WatchLockedError(
                f"another dyadwatch watch (PID {holder}) is running on this store ({self.path}); stop it "
                "first, or pass --db with another store"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WatchLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
