"""Rich tables of many rows, printed quickly and byte for byte as Rich prints them.

Rich lays out every cell through its renderer, about a millisecond a cell here: the 900 monthly
rows of ``dyadwatch series PRK CHN`` took longer to print than everything else the command does.
A table whose cells are plain text that fits its column on one line has a simple body: each line
is the cells padded to the column widths between the box's vertical lines. So Rich renders the
title, the header and two representative rows (per column, the longest cell and the cell with the
longest word: together they measure each column as all the rows do, so Rich picks the same widths),
and the other body lines are written in the layout of those two, after checking that this module's
layout reproduces them exactly. When the check fails, or a cell holds markup, emoji codes or
control characters, or the console is one this shortcut does not know, Rich renders the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console


def print_table(
    console: Console,
    title: str | None,
    columns: Sequence[Mapping[str, Any]],
    cells: Sequence[Sequence[str]],
    width: int,
) -> None:
    """Print a ``rich.table.Table(title=title, show_lines=False)`` with ``columns`` (keyword
    arguments of ``add_column``) and rows of ``cells`` (strings) on ``console``, ``width`` wide."""
    fast = _fast_render(console, title, columns, cells, width)
    if fast is None:
        console.print(_table(title, columns, cells), width=width)
    else:
        console.file.write(fast)
        console.file.flush()


def _table(title: str | None, columns: Sequence[Mapping[str, Any]], rows: Sequence[Sequence[str]]) -> Any:
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(**column)
    for row in rows:
        table.add_row(*row)
    return table


def _plain(text: str) -> bool:
    """Printable text without Rich markup (``[``) or emoji codes (``:``), which Rich would change."""
    return text.isprintable() and "[" not in text and ":" not in text


def _width(text: str) -> int:
    """Cells the text takes on a terminal: printable ASCII one a character (len() is many times
    faster than Rich's cell_len, which it equals there)."""
    return len(text) if text.isascii() else cell_len(text)


def _longest_word(text: str) -> int:
    return max(map(_width, text.split()), default=0)


def _fast_render(
    console: Console,
    title: str | None,
    columns: Sequence[Mapping[str, Any]],
    cells: Sequence[Sequence[str]],
    width: int,
) -> str | None:
    """The table as Rich would print it, or None where this shortcut cannot vouch for that."""
    if len(cells) < 3 or not columns or console.legacy_windows or console.is_jupyter or console.record:
        return None
    justify = [column.get("justify", "left") for column in columns]
    if any(side not in ("left", "right") for side in justify) or any(len(row) != len(columns) for row in cells):
        return None
    if not all(_plain(value) for row in cells for value in row):
        return None
    by_length = [max((row[i] for row in cells), key=_width) for i in range(len(columns))]
    by_word = [max((row[i] for row in cells), key=_longest_word) for i in range(len(columns))]
    with console.capture() as capture:
        console.print(_table(title, columns, [by_length, by_word]), width=width)
    lines = capture.get().split("\n")
    if len(lines) < 5 or lines[-1] != "":
        return None
    first, second, bottom = lines[-4], lines[-3], lines[-2]
    if "\x1b" in first + second + bottom or len(bottom) < 3:
        return None
    # The bottom border gives the column widths: runs of its horizontal line between the dividers.
    inner = bottom[1:-1]
    horizontal = inner[0]
    dividers = {char for char in inner if char != horizontal}
    if len(dividers) > 1:
        return None
    spans = inner.split(dividers.pop()) if dividers else [inner]
    if len(spans) != len(columns) or any(len(span) < 2 or set(span) != {horizontal} for span in spans):
        return None
    inside = [len(span) - 2 for span in spans]  # padding: one space each side
    left, right = first[0], first[-1]
    vertical = first[len(spans[0]) + 1] if len(columns) > 1 else ""

    def line(row: Sequence[str]) -> str:
        parts = []
        for value, room, side in zip(row, inside, justify, strict=True):
            pad = " " * (room - _width(value))
            parts.append(f" {value}{pad} " if side == "left" else f" {pad}{value} ")
        return left + vertical.join(parts) + right

    if line(by_length) != first or line(by_word) != second:
        return None  # a cell wrapped, or the layout is not the one assumed here
    head = "\n".join(lines[:-4])
    return head + "\n" + "\n".join(line(row) for row in cells) + "\n" + bottom + "\n"
