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

A table that fits unwrapped has a fixed layout, on a terminal (with Rich's two styles) or off one:
:func:`plain_table` writes it without loading Rich at all (the command line's simple queries then
never import it), and declines anything whose layout it cannot vouch for.
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_BOLD, _ITALIC, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"  # Rich's table.header and table.title styles
# Rich's HEAVY_HEAD box, the default of rich.table.Table: the lines of a table without row lines.
_TOP, _HEAD, _HEAD_RULE, _BODY, _BOTTOM = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "└─┴┘")


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


def _narrow(text: str) -> bool:
    """Printable text that takes one cell a character, as Rich counts cells, holds no Rich markup
    (``[``) or emoji code (``:``) and neither starts nor ends with a space: ASCII, or narrow and
    ambiguous-width letters and signs (→, é)."""
    if not _plain(text) or text != text.strip():
        return False  # Rich strips the spaces that end a cell's line, which moves a right-justified cell
    return text.isascii() or all(
        unicodedata.east_asian_width(char) in ("Na", "N", "H", "A")
        and not unicodedata.combining(char)
        and unicodedata.category(char) not in ("Mn", "Me", "Cf", "So", "Sk")
        for char in text
    )


def table_layout(pipe_width: int) -> tuple[int, bool] | None:
    """The width Rich would give a table on stdout and whether it would style it, by Rich's own rules,
    or None where only Rich can tell (notebooks, IDLE, a Windows console).

    Off a terminal (Console.is_terminal: TTY_COMPATIBLE=1 or a non-empty FORCE_COLOR make one, else
    isatty()): ``pipe_width`` and no styles. On one (Console.size, Console.color_system): COLUMNS, or
    the size of stdin, stdout or stderr, or 80; styled (a bold header, an italic title) but on a
    dumb terminal.
    """
    if "ipykernel" in sys.modules or "idlelib" in sys.modules:
        return None
    compatible, force = os.environ.get("TTY_COMPATIBLE"), os.environ.get("FORCE_COLOR")
    if compatible == "0" or (compatible != "1" and (force == "" if force is not None else not _isatty())):
        return pipe_width, False
    if sys.platform == "win32":  # Rich's legacy Windows console
        return None
    if os.environ.get("TERM", "").strip().lower() in ("dumb", "unknown"):
        return 80, False
    width = 0
    for descriptor in (0, 1, 2):  # Rich asks stdin, stdout and stderr, in this order
        try:
            width = os.get_terminal_size(descriptor).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        width = int(columns)
    return width or 80, True


def _isatty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def plain_table(
    title: str | None,
    columns: Sequence[Mapping[str, Any]],
    cells: Sequence[Sequence[str]],
    width: int,
    *,
    styled: bool = False,
) -> str | None:
    """The table exactly as Rich prints it, without loading Rich, or None.

    Why: Rich's import and layout are a fifth of a simple ``dyadwatch series | …``. Off a terminal
    Rich adds no styles, and a table of plain one-cell-a-character text that fits ``width`` unwrapped
    has a fixed layout: each column as wide as its widest cell, header or ``min_width``, one space
    of padding each side, the HEAVY_HEAD box, the title centred above. Anything else (a cell to wrap,
    wide or combining characters, markup, another justification, no rows): None, and Rich lays it out.
    ``styled`` adds what Rich adds on a terminal: the header bold, the title italic (ANSI SGR 1 and 3).
    ``tests/test_tables.py`` compares this with Rich on generated tables, on and off a terminal.
    """
    headers = [str(column.get("header", "")) for column in columns]
    rows = [headers, *cells]
    justify = [column.get("justify", "left") for column in columns]
    if not cells or not columns or any(len(row) != len(columns) for row in cells):
        return None
    if any(side not in ("left", "right") for side in justify) or any(set(c) - _KNOWN_OPTIONS for c in columns):
        return None
    if not all(_narrow(text) for row in rows for text in row) or (title is not None and not _narrow(title)):
        return None
    sizes = [
        max(max(len(row[i]) for row in rows), int(column.get("min_width") or 0)) for i, column in enumerate(columns)
    ]
    total = sum(sizes) + 3 * len(sizes) + 1
    if total > width or (title and len(title) > total):
        return None

    def rule(box: str) -> str:
        return box[0] + box[2].join(box[1] * (size + 2) for size in sizes) + box[3]

    def line(box: str, row: Sequence[str], bold: bool = False) -> str:
        aligned = [
            text.ljust(size) if side == "left" else text.rjust(size)
            for text, size, side in zip(row, sizes, justify, strict=True)
        ]
        # Rich styles the padding and the text as three runs of the header style
        parts = [f"{_BOLD} {_RESET}{_BOLD}{text}{_RESET}{_BOLD} {_RESET}" if bold else f" {text} " for text in aligned]
        return box[0] + box[2].join(parts) + box[3]

    lines = []
    if title:
        left = (total - len(title)) // 2
        centred = " " * left + title + " " * (total - len(title) - left)
        lines.append(f"{_ITALIC}{centred}{_RESET}" if styled else centred)
    lines += [rule(_TOP), line(_HEAD, headers, bold=styled), rule(_HEAD_RULE)]
    lines += [line(_BODY, row) for row in cells]
    lines.append(rule(_BOTTOM))
    return "\n".join(lines) + "\n"


#: The column options :func:`plain_table` lays out as Rich does (overflow only matters when wrapping).
_KNOWN_OPTIONS = frozenset({"header", "justify", "min_width", "overflow"})


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
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


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
