"""The one reading of a day that a user or a file gives (``YYYY-MM-DD``), with one message.

Every option that takes a day (``--from``, ``--to``, ``--since``, ``--until``, ``--today``, a
selection's start and end) and every bundled list's day column goes through :func:`parse_day` or
:func:`day_message`, so a bad day reads the same wherever it was typed.
"""

from __future__ import annotations

import datetime as dt

from dyadwatch.errors import UsageError


def day_message(name: str, text: object) -> str:
    """What is wrong with ``text`` given for ``name`` (an option or a column)."""
    return f"bad date: {name} must be a day like 2019-01-31 (YYYY-MM-DD), not {text!r}"


def parse_day(text: str | dt.date, name: str) -> dt.date:
    """``text`` as a day; a :class:`~dyadwatch.errors.UsageError` with :func:`day_message` if it is not one.

    A :class:`datetime.date` passes through (a :class:`datetime.datetime` gives its day).
    """
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(day_message(name, text)) from None
