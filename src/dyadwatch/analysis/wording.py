"""Numbers and lists in the sentences that state each analysis's answer (issue 28: every answer a
sentence first). Every sentence is built from a result's numbers with these, never a fixed claim."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def num(value: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant figures (thousands grouped), or "—" where there is none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 10**digits:
        return f"{number:,.0f}"
    return f"{number:.{digits}g}"


def pvalue(value: Any) -> str:
    """``p 0.032``, ``p < 0.001`` or ``p —``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "p —"
    return "p < 0.001" if float(value) < 0.001 else f"p {float(value):.3f}"


def listing(items: Sequence[str], limit: int = 5) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit`` items, the first ones and how many more."""
    shown = list(items[:limit])
    more = len(items) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 partner``, ``3 partners``."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"
