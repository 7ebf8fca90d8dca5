"""The dyadwatch exception hierarchy.

Every error a user can cause derives from :class:`DyadwatchError`; the command line prints its
message on one line (no traceback) and exits with :attr:`DyadwatchError.exit_code`::

    DyadwatchError                 anything dyadwatch raises on purpose
    ├── InputError                 a file that cannot be read as event data (exit 1)
    ├── UsageError                 arguments that do not make sense (exit 2)
    ├── StoreError                 the event store cannot be opened or written (exit 1)
    │   └── StoreLockedError       another process holds the store's write lock
    ├── InsufficientDataError      too few events or periods to compute a number honestly
    └── ReportError                an analysis failed while building the report (a bug, exit 1)
"""

from __future__ import annotations

from pathlib import Path


class DyadwatchError(Exception):
    """Root of all deliberate dyadwatch errors; the message says what to do next."""

    exit_code = 1


class InputError(DyadwatchError):
    """A file cannot be loaded: missing, a directory, empty, corrupt, or of an unknown format."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UsageError(DyadwatchError):
    """The arguments cannot work together (an unknown country code, a bad date, a bad column map)."""

    exit_code = 2


class StoreError(DyadwatchError):
    """The event store cannot be opened or changed."""


class StoreLockedError(StoreError):
    """Another process is writing to the store (DuckDB allows one writer per file)."""

    def __init__(self, path: str | Path, detail: str = "") -> None:
        self.path = str(path)
        holder = f" ({detail})" if detail else ""
        super().__init__(
            f"{self.path} is locked by another dyadwatch process{holder}; wait for it to finish, "
            "or pass --db with another store path"
        )


class InsufficientDataError(DyadwatchError):
    """The data cannot support the requested number; the message says how much more is needed."""


class ReportError(DyadwatchError):
    """An analysis failed for a reason other than the data (a bug) while the report was built.

    The message names the section and the relationship, e.g. "report: the break analysis for
    PRK–CHN failed: TypeError: ..."; no half-written site is left behind.
    """
