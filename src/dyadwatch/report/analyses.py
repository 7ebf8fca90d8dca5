"""The report's one door to ``dyadwatch.analysis``: each call returns the analysis's ``to_dict()``
JSON (design §4) or, when the analysis is missing or the data cannot support it, a reason in words.

The pages only ever see :class:`Outcome`, so a section can say "too few years to estimate" instead
of printing NaN, and the site still builds while an analysis module is absent.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dyadwatch.errors import DyadwatchError

if TYPE_CHECKING:
    from dyadwatch.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """An analysis result as JSON (``data``), or ``None`` and the ``reason`` why not."""

    data: dict[str, Any] | None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.data is not None


def _function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found = getattr(importlib.import_module(f"dyadwatch.analysis.{module}"), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def _run(label: str, call: Callable[[], Any]) -> Outcome:
    """Call an analysis; turn its deliberate errors and ``insufficient_data`` status into a reason."""
    try:
        result = call()
    except DyadwatchError as exc:
        return Outcome(None, str(exc))
    except Exception as exc:  # an analysis bug must not take the whole report down
        log.warning("%s failed: %s", label, exc, exc_info=True)
        return Outcome(None, f"the {label} could not be computed ({type(exc).__name__}: {exc})")
    data = result.to_dict() if hasattr(result, "to_dict") else result
    if not isinstance(data, dict):
        return Outcome(None, f"the {label} returned no result")
    if data.get("status") not in (None, "ok"):
        return Outcome(None, str(data.get("reason") or f"the {label} reports {data.get('status')}"))
    return Outcome(data)


MISSING = "this installation of dyadwatch has no {} analysis yet (module dyadwatch.analysis.{})"


def relationship_breaks(store: Store, focus: str, partner: str, freq: str = "Y") -> Outcome:
    """Regimes of net cooperation (Goldstein sum, both directions) between ``focus`` and ``partner``."""
    breaks = _function("breaks", "breaks")
    built_in = _function("breaks", "built_in_events")
    if breaks is None or built_in is None:
        return Outcome(None, MISSING.format("break", "breaks"))

    def call() -> Any:
        series = store.series(focus, partner, freq, undirected=True)
        return breaks(
            series,
            metric="goldstein_sum",
            freq=freq,
            events=built_in(store, focus, partner),
            actor1=focus,
            actor2=partner,
        )

    return _run("break analysis", call)


def focus_flexibility(store: Store, focus: str, freq: str = "Y", era: str = "all") -> Outcome:
    """Flexibility and responsiveness of ``focus`` towards every partner (design §4 ``flex``)."""
    flexibility = _function("flexibility", "flexibility")
    if flexibility is None:
        return Outcome(None, MISSING.format("flexibility", "flexibility"))
    return _run("flexibility analysis", lambda: flexibility(store, focus, freq=freq, era=era))


def focus_patterns(store: Store, focus: str, freq: str = "Y") -> Outcome:
    """Patterns across relationships (design §4 ``compare``)."""
    compare = _function("patterns", "compare")
    if compare is None:
        return Outcome(None, MISSING.format("comparison", "patterns"))
    return _run("comparison across relationships", lambda: compare(store, focus, freq=freq))


def focus_shifts(store: Store, focus: str, since: str) -> Outcome:
    """Shifts in ``focus``'s relations since ``since`` (design §4 ``shifts``)."""
    shifts = _function("shifts", "shifts")
    if shifts is None:
        return Outcome(None, MISSING.format("shifts", "shifts"))
    return _run("shift analysis", lambda: shifts(store, focus, since=since))
