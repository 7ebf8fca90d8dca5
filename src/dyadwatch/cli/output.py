"""What the commands print: tables, JSON, CSV and the lines on stderr."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dyadwatch.cli.options import (
    OutFormat,
    columns_option,
    db_option,
    drop_statements_option,
    format_option,
    from_option,
    normalize_option,
    source_option,
    to_option,
)
from dyadwatch.errors import UsageError

# Start-up time (issue 10, issue 14): only Click loads with the cli modules. pandas, DuckDB, Rich (its
# console, tables and progress bars) and the analysis layer are imported inside the commands that
# use them, so `--help` and a simple `series` never load them, and an error line needs no Rich.
if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.progress import Progress

#: A command function (what a decorator takes and gives back).
F = TypeVar("F", bound=Callable[..., Any])

# Tables fit 100 characters (a pipe or a file gets 100, not Rich's 80); long texts wrap in their cells.
TABLE_WIDTH = 100
#: The columns each table shows by default: the ones that answer the question and fit 100 characters.
#: ``--columns`` chooses others (``all`` for every one); ``--format json|csv`` has everything.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "series": ("period", "events", "goldstein_sum", "goldstein_mean", "cooperation", "conflict"),
    "flex": (
        "partner", "subset", "status", "focus_first", "focus_first_ci_low", "focus_first_ci_high", "partner_first",
        "lagged_response_p", "responsiveness_p", "sign_flip", "reason",
    ),
    "circumstances": (
        "condition", "partner", "status", "n_periods", "responsiveness_off", "responsiveness_on", "difference",
        "difference_p",
    ),
    "compare": (
        "period", "events", "partners", "hhi", "effective_partners", "china_russia", "southeast_asia", "west", "other",
    ),
    "simulate": (
        "name", "mean_cooperation", "mean_cooperation_low", "mean_cooperation_high", "breakdown_probability",
        "time_to_cooperation",
    ),
    # The event study: the rate ratio and its p-values, raw and adjusted for time (the rates
    # themselves are in --format csv and json).
    "provocations": (
        "period", "trigger", "side", "triggers", "provocation_days_in_window", "rate_ratio", "p_value",
        "p_value_local", "rate_ratio_adjusted", "p_value_adjusted",
    ),
}  # fmt: skip


@cache
def stdout_console() -> Console:
    """Rich's console for tables on stdout, made on first use: 100 characters wide off a terminal."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=TABLE_WIDTH)


@cache
def stderr_console() -> Console:
    """Rich's console on stderr, for progress bars; soft_wrap keeps a line one line however narrow."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def progress_bar() -> Progress:
    """Rich's progress bar on stderr (what, bar, share done, time taken) for the loading commands:
    shown only on a terminal, and gone when done."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=stderr_console(),
        disable=not stderr_console().is_terminal,
        transient=True,
    )


def say(message: str, label: str = "", color: str | None = None) -> None:
    """One line on stderr: ``label`` (coloured on a terminal, plain in a pipe or with $NO_COLOR) and
    ``message`` as given, never wrapped (for grep and log files) and never read as markup."""
    if label:
        styled = click.style(label, fg=color, dim=color is None)
        message = f"{styled} {message}"
    click.echo(message, err=True, color=False if os.environ.get("NO_COLOR") else None)


def say_error(message: str) -> None:
    say(message, "error:", "red")


def print_json(data: Any) -> None:
    import json

    from dyadwatch.jsonable import jsonable

    sys.stdout.write(json.dumps(jsonable(data), indent=2, ensure_ascii=False) + "\n")


def column_names(available: Sequence[Any], chosen: str | None, default: Sequence[str] | None = None) -> list[Any]:
    """The columns asked for (``--columns``), else the curated default (those present, in order), else all."""
    if chosen is not None and chosen.strip().lower() == "all":
        return list(available)
    if chosen:
        names = [name.strip() for name in chosen.split(",") if name.strip()]
        unknown = [name for name in names if name not in available]
        if unknown:
            raise UsageError(f"unknown column {', '.join(unknown)}: choose from {', '.join(map(str, available))}")
        return names
    if default:
        return [name for name in default if name in available]
    return list(available)


def choose_columns(frame: pd.DataFrame, chosen: str | None, default: Sequence[str] | None = None) -> pd.DataFrame:
    """The columns asked for (``--columns``), else the curated default (those present, in order)."""
    return frame[column_names(list(frame.columns), chosen, default)]


def print_frame(
    frame: pd.DataFrame,
    fmt: OutFormat,
    title: str | None = None,
    *,
    columns: str | None = None,
    default: Sequence[str] | None = None,
) -> None:
    """A frame as a Rich table (curated columns, at most 100 characters wide, texts wrapped), JSON or CSV
    (every column unless ``--columns`` names some)."""
    if fmt is OutFormat.csv:
        from dyadwatch.jsonable import clean_float

        # floats to 12 significant digits, as in JSON: no binary residue (6.000000000000001)
        def clean(value: Any) -> str:
            return repr(clean_float(float(value)))

        text = choose_columns(frame, columns).to_csv(index=False, float_format=clean)
        sys.stdout.write(text)
    elif fmt is OutFormat.json:
        import json

        print_json(json.loads(frame.to_json(orient="records", date_format="iso")))
    else:
        import pandas as pd

        shown = choose_columns(frame, columns, default)
        numeric = [pd.api.types.is_numeric_dtype(shown[column]) for column in shown.columns]
        _print_table(title, [str(column) for column in shown.columns], numeric, shown.itertuples(index=False))


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    fmt: OutFormat,
    title: str | None = None,
    *,
    numeric: Collection[str],
    columns: str | None = None,
    default: Sequence[str] | None = None,
) -> None:
    """Plain rows (dicts with the columns ``names``; ``numeric`` those holding numbers) as a table or
    CSV, byte for byte what :func:`print_frame` prints for the same DataFrame, without loading pandas."""
    if fmt is OutFormat.json:
        raise ValueError("print_rows writes tables and CSV; JSON goes through print_frame")
    if fmt is OutFormat.csv:
        import csv

        shown = column_names(names, columns)
        writer = csv.writer(sys.stdout, lineterminator="\n")  # floats as repr(), like pandas' to_csv
        writer.writerow(shown)
        writer.writerows([_csv_value(row[name]) for name in shown] for row in rows)
    else:
        shown = column_names(names, columns, default)
        _print_table(title, shown, [name in numeric for name in shown], ([row[n] for n in shown] for row in rows))


def _csv_value(value: Any) -> Any:
    """A CSV field: floats to 12 significant digits (as in JSON and pandas' CSV here), the rest as is."""
    if isinstance(value, float):
        from dyadwatch.jsonable import clean_float

        cleaned = clean_float(float(value))
        return "" if cleaned is None else cleaned
    return value


def _print_table(
    title: str | None, names: Sequence[str], numeric: Sequence[bool], rows: Iterable[Iterable[Any]]
) -> None:
    """Rows as a Rich table at most 100 characters wide: numbers right-aligned, each numeric column
    to the same decimals (3 significant figures of its largest value); short texts (codes, file
    names) keep their width, long ones wrap; no header is ever broken. Where the columns do not fit
    the width, one block per row (:func:`record_layout`) instead: no column is ever cut."""
    from dyadwatch.tables import plain_table, print_table, table_layout

    raw = [list(row) for row in rows]
    formats = [column_format([row[i] for row in raw]) if is_number else _cell for i, is_number in enumerate(numeric)]
    cells = [[show(value) for show, value in zip(formats, row, strict=True)] for row in raw]
    # Each column's width without its header: numbers as wide as the widest, texts up to 24 (then
    # wrapped at spaces, never narrower than their longest word).
    bodies: list[int] = []
    for index, is_number in enumerate(numeric):
        longest = max((len(row[index]) for row in cells), default=0)
        words = max((len(part) for row in cells for part in row[index].split()), default=0)
        bodies.append(longest if is_number else max(min(max(longest, 4), 24), words))
    layout = table_layout(TABLE_WIDTH)
    room = min(layout[0] if layout is not None else stdout_console().width, TABLE_WIDTH)
    # Headers whole where the table fits so; else split after their underscores (never inside a word).
    headers = list(names)
    if cells and _table_width(headers, bodies) > room:
        headers = [split_header(name, body) for name, body in zip(names, bodies, strict=True)]
    if cells and _table_width(headers, bodies) > room:
        sys.stdout.write(record_layout(title, names, cells, room))
        return
    columns: list[dict[str, Any]] = []
    for header, body, is_number in zip(headers, bodies, numeric, strict=True):
        width = max([body, *map(len, header.split("\n"))])
        justify = "right" if is_number else "left"
        columns.append({"header": header, "justify": justify, "overflow": "fold", "min_width": width})
    # What Rich would print here, written without loading it where the layout is simple (dyadwatch.tables).
    if layout is not None:
        plain = plain_table(title, columns, cells, room, styled=layout[1])
        if plain is not None:
            sys.stdout.write(plain)
            return
    console = stdout_console()
    print_table(console, title, columns, cells, min(console.width, TABLE_WIDTH))


def _table_width(headers: Sequence[str], bodies: Sequence[int]) -> int:
    """Characters a table needs: each column as wide as its body or its header's longest line,
    one space of padding each side and the box's vertical lines."""
    widths = [max([body, *map(len, header.split("\n"))]) for header, body in zip(headers, bodies, strict=True)]
    return sum(widths) + 3 * len(widths) + 1


def split_header(name: str, width: int) -> str:
    """``name`` on lines of at most ``width`` characters, broken only after an underscore (a header
    is never broken inside a word; a part longer than ``width`` keeps its own line)."""
    parts = [part + "_" for part in name.split("_")[:-1]] + [name.split("_")[-1]]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append(part)
        else:
            lines[-1] += part
    return "\n".join(lines)


def shown_files(summary: Any) -> Any:
    """A load summary's ``file`` column as the user would type it: relative to the working folder
    when the file is below it, else absolute. The store keeps absolute paths (``loads.file``) and
    JSON/CSV output says them as stored; only the table shortens them, so that a file name is not
    wrapped across lines."""
    import os

    here = Path.cwd()

    def shown(path: str) -> str:
        try:
            return os.path.relpath(path, here) if Path(path).is_relative_to(here) else path
        except ValueError:  # another drive (Windows)
            return path

    return summary.assign(file=summary["file"].map(shown)) if "file" in summary else summary


def record_layout(title: str | None, names: Sequence[str], cells: Sequence[Sequence[str]], width: int) -> str:
    """One block per row, a column a line (name, then its value, wrapped to ``width``): the layout of
    a table too wide for the terminal, so that no column is cut."""
    import textwrap

    key = max(len(name) for name in names)
    room = max(width - key - 2, 20)
    lines = [title, "=" * min(len(title), width)] if title else []
    for number, row in enumerate(cells, start=1):
        lines.append(f"-- row {number} of {len(cells)} --")
        for name, value in zip(names, row, strict=True):
            wrapped = textwrap.wrap(value, room, break_on_hyphens=False) or [""]
            lines.append(f"{name.ljust(key)}  {wrapped[0]}".rstrip())
            lines += [" " * (key + 2) + more for more in wrapped[1:]]
    return "\n".join(lines) + "\n"


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def _missing(value: Any) -> bool:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return True
    pandas = sys.modules.get("pandas")  # its missing values can only be here once it is loaded
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def column_format(values: Sequence[Any]) -> Callable[[Any], str]:
    """How one numeric column's values are shown: whole numbers as they are, other numbers all to
    the decimals that give its largest value 3 significant figures (thousands grouped from 1 000)."""
    numbers = [float(v) for v in values if not _missing(v) and not _is_bool(v) and isinstance(v, float)]
    if not numbers or all(n.is_integer() for n in numbers):
        return _cell
    largest = max((abs(n) for n in numbers if n), default=0.0)
    decimals = 0 if largest >= 1000 or largest == 0 else min(max(2 - math.floor(math.log10(largest)), 0), 6)

    def show(value: Any) -> str:
        if _missing(value) or _is_bool(value) or not isinstance(value, float | int):
            return _cell(value)
        text = f"{value:,.{decimals}f}"
        if value and float(text.replace(",", "")) == 0:  # too small for the column's decimals
            bound = f"{10.0**-decimals:.{decimals}f}" if decimals else "1"
            return f"<{bound}" if value > 0 else f">-{bound}"
        return text

    return show


def _cell(value: Any) -> str:
    if _is_bool(value):
        return "yes" if value else "no"
    if _missing(value):
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def quiet() -> bool:
    """Whether ``--quiet`` was given: the sentences above a table are left out."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.meta.get("dyadwatch.quiet"))


def _set_quiet(context: click.Context, _: click.Parameter, value: bool) -> bool:
    context.meta["dyadwatch.quiet"] = value
    return value


quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    expose_value=False,
    callback=_set_quiet,
    help="Only the table: leave out the sentences above it (JSON keeps them as summary).",
)


def analysis_options(function: F) -> F:
    """The options every analysis of the event series shares, in one place and one order: the
    selection (``--normalize``, ``--drop-statements``, ``--source``, ``--from``, ``--to``) and the
    result's printing (``--columns``, ``--quiet``, ``--format``, ``--db``)."""
    for option in reversed(
        (
            normalize_option, drop_statements_option, source_option(), from_option(), to_option(),
            columns_option, quiet_option, format_option(), db_option,
        )
    ):  # fmt: skip
        function = option(function)
    return function


def say_answer(*sentences: str | None) -> None:
    """The answer in words, one line above a table on stdout (not with --quiet; JSON carries it as
    ``summary``); one line, as the terminal wraps it, so that ``head -1`` and grep find it whole."""
    text = " ".join(s.strip() for s in sentences if s and s.strip())
    if text and not quiet():
        click.echo(text)


def chosen_sentence(reason: str | None) -> str | None:
    """The default frequency's choice as a sentence (:func:`dyadwatch.selection.choose_freq`'s reason)."""
    return f"Frequency chosen from the data, {reason}." if reason else None


def print_result(
    result: Any,
    fmt: OutFormat,
    title: str,
    columns: str | None = None,
    command: str = "",
    *,
    chosen: str | None = None,
    details: Callable[[], None] | None = None,
) -> None:
    """An analysis result (:class:`dyadwatch.analysis.results.AnalysisResult`): ``to_dict()`` as JSON
    (design §4, with the selection it used, its ``summary`` and, where the frequency was chosen from
    the data, ``freq_chosen``), else the summary in words above ``to_frame()`` as a table (or CSV),
    then under a table what ``details`` prints (further tables and the notes) or else the ``notes``."""
    summary = getattr(result, "summary", None)
    if fmt is OutFormat.json:
        data = result.to_dict()
        if summary and "summary" not in data:
            data["summary"] = summary
        if chosen:
            data["freq_reason"] = chosen_sentence(chosen)
        print_json(data)
    else:
        if fmt is OutFormat.table:
            # the answer (one to three sentences) on its own line, then the period's choice on the next
            say_answer(summary)
            say_answer(chosen_sentence(chosen))
        print_frame(result.to_frame(), fmt, title, columns=columns, default=TABLE_COLUMNS.get(command))
        if fmt is OutFormat.table and details is not None:
            details()
        elif fmt is OutFormat.table:
            for note in result.notes:
                say(note, "note:")
