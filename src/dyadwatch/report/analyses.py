"""The report's one door to ``dyadwatch.analysis``: each call returns the analysis's ``to_dict()``
JSON (design §4) or, when the data cannot support it, a reason in words.

The pages only ever see :class:`Outcome`, so a section can say "too few years to estimate" instead
of printing NaN. Only *deliberate* data limits become reasons: a result whose ``status`` is one of
:data:`DATA_LIMITS`, or an :class:`~dyadwatch.errors.InsufficientDataError`. Anything else an
analysis raises (a ``TypeError``, a ``UsageError`` from arguments the report passed, ...) is a bug:
it is raised again as :class:`~dyadwatch.errors.ReportError` naming the section and the
relationship, and the report is not written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dyadwatch.analysis.breaks import breaks as find_breaks
from dyadwatch.analysis.breaks import built_in_events
from dyadwatch.analysis.flexibility import flexibility
from dyadwatch.analysis.patterns import compare
from dyadwatch.analysis.shifts import shifts as find_shifts
from dyadwatch.errors import InsufficientDataError, ReportError
from dyadwatch.jsonable import jsonable
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.api import Store

#: Statuses with which an analysis says, on purpose, that the data cannot support a number.
DATA_LIMITS = ("insufficient_data", "unstable")


@dataclass(frozen=True)
class Outcome:
    """An analysis result as JSON (``data``), or ``None`` and the ``reason`` why not."""

    data: dict[str, Any] | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.data is not None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _run(section: str, subject: str, call: Callable[[], Any]) -> Outcome:
    """Call an analysis for ``subject`` (``PRK–CHN`` or ``PRK``); data limits become a reason.

    Raises :class:`ReportError` ("report: the <section> for <subject> failed: <Type>: <message>")
    for every other exception and for a result that is not a dict or has an unknown status.
    """

    def failed(detail: str) -> ReportError:
        return ReportError(_one_line(f"report: the {section} for {subject} failed: {detail}"))

    try:
        result = call()
    except InsufficientDataError as exc:
        return Outcome(None, str(exc))
    except Exception as exc:
        raise failed(f"{type(exc).__name__}: {exc}") from exc
    data = jsonable(result.to_dict() if hasattr(result, "to_dict") else result)
    if not isinstance(data, dict):
        raise failed(f"it returned {type(data).__name__}, not a result")
    status = data.get("status")
    if status in (None, "ok"):
        return Outcome(data)
    if status in DATA_LIMITS:
        return Outcome(None, str(data.get("reason") or f"the {section} reports {status}"))
    raise failed(f"it returned the unknown status {status!r}")


def relationship_breaks(store: Store, focus: str, partner: str, selection: Selection) -> Outcome:
    """Regimes of net cooperation (Goldstein sum, both directions) between ``focus`` and ``partner``."""

    def call() -> Any:
        series = store.series(focus, partner, undirected=True, selection=selection)
        return find_breaks(
            series,
            metric="goldstein_sum",
            freq=selection.freq,
            events=built_in_events(store, focus, partner),
            actor1=focus,
            actor2=partner,
        )

    return _run("break analysis", f"{focus}–{partner}", call)


def focus_flexibility(store: Store, focus: str, selection: Selection, era: str = "all") -> Outcome:
    """Flexibility and responsiveness of ``focus`` towards every partner (design §4 ``flex``)."""
    subject = focus if era == "all" else f"{focus} (era {era})"
    return _run("flexibility analysis", subject, lambda: flexibility(store, focus, era=era, selection=selection))


def focus_patterns(store: Store, focus: str, selection: Selection) -> Outcome:
    """Patterns across relationships (design §4 ``compare``)."""
    return _run("comparison across relationships", focus, lambda: compare(store, focus, selection=selection))


def focus_shifts(store: Store, focus: str, since: str, selection: Selection) -> Outcome:
    """Shifts in ``focus``'s relations since ``since`` (design §4 ``shifts``): the report's selection, monthly."""
    monthly = dataclasses.replace(selection, freq="M")
    return _run("shift analysis", focus, lambda: find_shifts(store, focus, since=since, selection=monthly))
