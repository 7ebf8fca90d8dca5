"""What every analysis returns: a small protocol shared by breaks, flexibility, shifts, simulate, ...

The command line prints ``to_frame()`` as a table (or CSV) and ``to_dict()`` as JSON, the web API
answers ``to_dict()``, the report reads ``to_dict()``, and ``notes`` are what a reader needs to
know to read the numbers. ``to_dict()`` states the selection of events it was computed from
(design §9) under ``"selection"``: ``null`` for an analysis that reads no events through a
selection (UN votes; the provocations study, which has its own ``sources`` and day ranges).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from dyadwatch.selection import Selection


@runtime_checkable
class AnalysisResult(Protocol):
    """An analysis result: JSON (``to_dict``), a table (``to_frame``) and notes for the reader."""

    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready values (pass through :func:`dyadwatch.jsonable.jsonable` to dump)."""
        ...

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result (the rest is in :meth:`to_dict`)."""
        ...


def selection_json(selection: Selection | None) -> dict[str, Any] | None:
    """The ``"selection"`` entry of a result's JSON: the selection as :meth:`Selection.to_dict`, or null."""
    return selection.to_dict() if selection is not None else None
