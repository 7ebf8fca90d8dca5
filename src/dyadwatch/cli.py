"""The ``dyadwatch`` command line: a thin layer over the Python API (design §4).

Every command takes ``--db`` (default ``$DYADWATCH_DB`` or the user data directory). Errors a
user can cause print one line and exit 1 (input) or 2 (usage); no traceback.

Why Click directly, not Typer (start-up time, issues 10 and 14): Typer, itself built on Click,
turned every command's signature into Click parameters on each call and, from 0.29, coerced every
option through a pydantic TypeAdapter; with its Rich help that cost 0.2-0.4 s before a command
started. Click's decorators declare the same options once, at import, for the cost of Click's import.
"""

from __future__ import annotations

import atexit
import math
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from enum import Enum, StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from dyadwatch.days import parse_day
from dyadwatch.errors import DyadwatchError, UsageError

# Start-up time (issue 10, issue 14): only Click loads with this module. pandas, DuckDB, Rich (its
# console, tables and progress bars) and the analysis layer are imported inside the commands that
# use them, so `--help` and a simple `series` never load them, and an error line needs no Rich.
if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

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
}  # fmt: skip


#: The event study's columns in the default table: the rate ratio and its p-values, raw and
#: adjusted for time (the rates themselves are in --format csv and json).
PROVOCATION_COLUMNS = (
    "period", "trigger", "side", "triggers", "provocation_days_in_window", "rate_ratio", "p_value", "p_value_local",
    "rate_ratio_adjusted", "p_value_adjusted",
)  # fmt: skip


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


def say(message: str, label: str = "", color: str | None = None) -> None:
    """One line on stderr: ``label`` (coloured on a terminal, plain in a pipe or with $NO_COLOR) and
    ``message`` as given, never wrapped (for grep and log files) and never read as markup."""
    if label:
        styled = click.style(label, fg=color, dim=color is None)
        message = f"{styled} {message}"
    click.echo(message, err=True, color=False if os.environ.get("NO_COLOR") else None)


def say_error(message: str) -> None:
    say(message, "error:", "red")


class OutFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


class Freq(StrEnum):
    M = "M"
    Q = "Q"
    Y = "Y"


class Normalize(StrEnum):
    none = "none"
    focus = "focus"
    all = "all"


class Backend(StrEnum):
    duckdb = "duckdb"
    spark = "spark"
    bigquery = "bigquery"


class Metric(StrEnum):
    goldstein_mean = "goldstein_mean"
    goldstein_sum = "goldstein_sum"
    events = "events"


class BreakMethod(StrEnum):
    pelt = "pelt"
    binseg = "binseg"


class EraChoice(StrEnum):
    all = "all"
    kim_il_sung = "kim-il-sung"
    kim_jong_il = "kim-jong-il"
    kim_jong_un = "kim-jong-un"


class FlexBy(StrEnum):
    none = "none"
    era = "era"
    regime = "regime"
    rolling = "rolling"


class ValueChoice(click.Choice[Any]):
    """A choice of an enum's members, typed by their values (``kim-il-sung``), where Click ≥ 8.2
    matches member names (``kim_il_sung``); the command receives the member. Case-sensitive."""

    def normalize_choice(self, choice: object, ctx: click.Context | None) -> str:
        return super().normalize_choice(choice.value if isinstance(choice, Enum) else choice, ctx)


class OrderedGroup(click.Group):
    """A group that lists its commands in the order they were added (the order the help teaches:
    loading, then the analyses, then outputs), not sorted. An unknown name gets Click's suggestions
    of the nearest commands ("Did you mean ..."). Subgroups and commands take the same classes."""

    group_class = type

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with the first sentence of its help on up to two lines (Click cuts it to one
        line, which leaves half a sentence where the list should teach what each command does)."""
        names = self.list_commands(ctx)
        limit = 2 * (formatter.width - 6 - max((len(name) for name in names), default=0))
        rows = [
            (name, command.get_short_help_str(limit=limit))
            for name in names
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# Every command's help: defaults shown, up to 100 columns on a wide terminal (Click's default is 80).
CONTEXT = {"show_default": True, "max_content_width": TABLE_WIDTH, "help_option_names": ["--help"]}


@click.group(
    "dyadwatch",
    cls=OrderedGroup,
    context_settings=CONTEXT,
    help=(
        "Measured answers about North Korea's foreign relations from event data.\n\n"
        "Start with `dyadwatch demo` (builds a store from the bundled, sourced chronology and writes "
        "the report site), then `dyadwatch series PRK CHN` or `dyadwatch flex PRK`. Load your own "
        "GDELT or ICEWS files with `dyadwatch ingest FILES...`."
    ),
)
def app() -> None:
    """The command group; each command does its own work."""


# Added to ``app`` after the other commands, so that `dyadwatch --help` lists them last.
@click.group("export", cls=OrderedGroup)
def export_app() -> None:
    """Write tables out as CSV, JSON or Parquet."""


@click.group("sync", cls=OrderedGroup)
def sync_app() -> None:
    """Fetch published event files and load them (GDELT)."""


# -- options shared by many commands: declared once (help, defaults, types) ----------------------
#: A file or folder argument, as a Path (one instance: Click looks up a translation of its name in each).
PATH = click.Path(path_type=Path)
Decorated = TypeVar("Decorated", bound=Callable[..., Any])
Decorator = Callable[[Decorated], Decorated]


def argument(name: str, help: str, **attrs: Any) -> Decorator[Any]:
    """A positional argument with its help (listed under "Positional arguments" in --help)."""
    return click.argument(name, help=help, **attrs)


db_option = click.option(
    "--db",
    type=PATH,
    envvar="DYADWATCH_DB",
    show_envvar=False,
    help="Event store (DuckDB file). Default: $DYADWATCH_DB or the user data directory.",
)


def format_option(default: OutFormat = OutFormat.table) -> Decorator[Any]:
    """``--format/-f``: how a result is printed (the variable is ``output``)."""
    return click.option(
        "--format", "-f", "output", type=ValueChoice(OutFormat), default=default, help="table (Rich), json or csv."
    )


# The loading commands' summary: --format names the input format there (design §4), so this is --output.
output_option = click.option(
    "--output",
    "-o",
    type=ValueChoice(OutFormat),
    default=OutFormat.table,
    help="Summary as table (Rich), json or csv.",
)


def freq_option(default: Freq | None = Freq.M) -> Decorator[Any]:
    """``--freq``; with no default, the frequency is chosen from the selected data (:func:`_auto_freq`)."""
    if default is None:  # the same help everywhere (design §9); the default says how it is chosen
        return click.option(
            "--freq",
            type=ValueChoice(Freq),
            default=None,
            show_default="from the data: Y under 2 events a month per dyad, else M",
            help="Period: M month, Q quarter, Y year.",
        )
    return click.option("--freq", type=ValueChoice(Freq), default=default, help="Period: M month, Q quarter, Y year.")


def _auto_freq(
    store: Any, freq: Freq | None, selection: Any, focus: str, partners: Sequence[str] | None = None, **options: Any
) -> tuple[Any, str | None]:
    """The selection at ``--freq`` when given, else at the frequency the selected events of ``focus``
    (toward ``partners``) call for, with the reason (:func:`dyadwatch.selection.at_chosen_freq`)."""
    from dyadwatch.selection import at_chosen_freq

    given = freq.value if freq is not None else None
    return at_chosen_freq(store.con, selection, focus, partners, given=given, **options)


normalize_option = click.option(
    "--normalize",
    type=ValueChoice(Normalize),
    default=Normalize.none,
    help="Counts per 1 000 events of the focus country (focus) or of all events (all) in the period; "
    "none keeps raw counts.",
)
drop_statements_option = click.option(
    "--drop-statements", is_flag=True, help="Leave out bare 'make statement' events (CAMEO 010)."
)


def source_option(
    help: str = "Only events of this source (repeatable or comma-separated): gdelt1, gdelt2, icews, polecat, "
    "chronology, provocations, missile_tests, csv, kcna. Default: all but kcna (events coded from texts: name it).",
) -> Decorator[Any]:
    return click.option("--source", multiple=True, help=help)


def from_option(help: str = "First day, YYYY-MM-DD.", **attrs: Any) -> Decorator[Any]:
    return click.option("--from", "date_from", help=help, **attrs)


def to_option(help: str = "Last day, YYYY-MM-DD.", **attrs: Any) -> Decorator[Any]:
    return click.option("--to", "date_to", help=help, **attrs)


columns_option = click.option(
    "--columns",
    help="Columns of the table (and csv), comma-separated, or all. Default: a set that fits 100 characters.",
)
partners_option = click.option("--partners", help="Comma-separated ISO alpha-3 codes, e.g. CHN,RUS (default: all).")


def _selection(
    freq: Freq | None,
    source: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    normalize: Normalize = Normalize.none,
    drop_statements: bool = False,
    partners: str | None = None,
) -> Any:
    """The one selection of events (design §9) from the options every reading command shares."""
    from dyadwatch.selection import Selection

    names = [part for value in source for part in value.split(",")]
    return Selection(
        freq=freq.value if freq is not None else "M",
        sources=tuple(names),
        start=date_from,
        end=date_to,
        normalize=normalize.value,
        drop_statements=drop_statements,
        partners=tuple(_codes(partners) or ()),
    )


def _codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    codes = [code.strip().upper() for code in text.split(",") if code.strip()]
    if not codes:
        raise UsageError("--partners needs ISO alpha-3 codes separated by commas, e.g. CHN,RUS")
    return codes


def _names(text: str | None) -> list[str] | None:
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    return names or None


def _country(code: str, what: str) -> str:
    """A country argument checked against the crosswalk: an unknown code is a usage error (exit 2)."""
    from dyadwatch.codebook.countries import check_code

    return check_code(code, what)


def _open(db: Path | None, read_only: bool = True) -> Any:
    from dyadwatch.api import Store

    return Store(db, read_only=read_only)


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
    formats = [_column_format([row[i] for row in raw]) if is_number else _cell for i, is_number in enumerate(numeric)]
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
        headers = [_split_header(name, body) for name, body in zip(names, bodies, strict=True)]
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


def _split_header(name: str, width: int) -> str:
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


def _column_format(values: Sequence[Any]) -> Callable[[Any], str]:
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


def say_answer(*sentences: str | None) -> None:
    """The answer in words, one line above a table on stdout (not with --quiet; JSON carries it as
    ``summary``); one line, as the terminal wraps it, so that ``head -1`` and grep find it whole."""
    text = " ".join(s.strip() for s in sentences if s and s.strip())
    if text and not quiet():
        click.echo(text)


def _chosen_sentence(reason: str | None) -> str | None:
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
) -> None:
    """An analysis result (:class:`dyadwatch.analysis.results.AnalysisResult`): ``to_dict()`` as JSON
    (design §4, with the selection it used, its ``summary`` and, where the frequency was chosen from
    the data, ``freq_chosen``), else the summary in words above ``to_frame()`` as a table (or CSV),
    ``notes`` under the table."""
    summary = getattr(result, "summary", None)
    if fmt is OutFormat.json:
        data = result.to_dict()
        if summary and "summary" not in data:
            data["summary"] = summary
        if chosen:
            data["freq_reason"] = _chosen_sentence(chosen)
        print_json(data)
    else:
        if fmt is OutFormat.table:
            # the answer (one to three sentences) on its own line, then the period's choice on the next
            say_answer(summary)
            say_answer(_chosen_sentence(chosen))
        print_frame(result.to_frame(), fmt, title, columns=columns, default=TABLE_COLUMNS.get(command))
        if fmt is OutFormat.table:
            for note in result.notes:
                say(note, "note:")


# -- loading -------------------------------------------------------------------------------------
@app.command()
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=PATH,
    help="GDELT 1.0/2.0 export files (.zip, .gz or plain), ICEWS or POLECAT files, or CSV files with --map.",
)
@click.option("--format", default="auto", help="auto (detect from content), gdelt1, gdelt2, icews, polecat, csv.")
@click.option("--focus", default="PRK", help="Keep events with this country on either side; ALL keeps everything.")
@click.option(
    "--dedupe",
    is_flag=True,
    help="Drop GDELT's re-emitted copies: rows with the same day, "
    "actors, event code and source URL as another (the lowest id is kept).",
)
@click.option(
    "--map",
    "map_",
    help="For --format csv: field=column pairs, e.g. date=Date,actor1=Src,actor2=Tgt,event_code=Code,goldstein=Score.",
)
@click.option("--date-format", default="%Y-%m-%d", help="strftime format of dates in a csv.")
@click.option(
    "--check-all-rows",
    is_flag=True,
    help="Parse and validate every GDELT row. By default rows that do not name the focus country are "
    "counted as outside the focus without being parsed (much faster), so a malformed row between two "
    "other countries is not reported.",
)
@output_option
@db_option
def ingest(
    files: tuple[Path, ...],
    format: str,
    focus: str,
    dedupe: bool,
    map_: str | None,
    date_format: str,
    check_all_rows: bool,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Load event files into the store; each file is loaded whole or not at all.

    Every line is accounted for: read = kept + outside focus + duplicate + re-emitted + rejected.
    Malformed rows go to the rejects table with file, line and reason (see `dyadwatch export
    rejects`); a file that cannot be read is named and the others still load (exit 1). Loading the
    same file again adds nothing.

    \b
    Example: dyadwatch ingest 2019*.export.CSV.zip --dedupe
    """
    import pandas as pd
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from dyadwatch.api import Store

    with (
        Store(db) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            disable=not stderr_console().is_terminal,
            transient=True,
        ) as progress,
    ):

        def on_file(path: Path) -> Callable[[str, float], None]:
            task = progress.add_task(f"{path.name}: reading", total=1.0)

            def hook(phase: str, done: float) -> None:
                progress.update(
                    task, description=f"{path.name}: {phase}", completed=done if phase == "parsing" else done * 0.3
                )

            return hook

        reports = store.ingest(
            files,
            format=format,
            focus=focus,
            dedupe=dedupe,
            mapping=map_,
            date_format=date_format,
            check_all_rows=check_all_rows,
            on_file=on_file,
        )
    from dyadwatch.ingest.pipeline import iter_summary

    summary = pd.DataFrame(iter_summary(reports))
    if output is OutFormat.table:
        print_frame(shown_files(summary.drop(columns=["error"])), output, "ingest summary")
    else:
        print_frame(summary, output)
    # Whatever the summary's format, each file that failed gets one line on stderr.
    for report in reports:
        if report.error:
            say_error(report.error)
        if output is OutFormat.table:
            for example in report.reject_examples[:3]:
                say(f"{report.file} {example}", "rejected", "yellow")
    if any(r.status == "failed" for r in reports):
        raise click.exceptions.Exit(1)


@app.command(
    "ingest-indicators",
    short_help="Load dyad-year evidence into the indicators table (design §11): UN roll calls (unvotes) or "
    "Comtrade-style trade, per partner and year.",
)
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=PATH,
    help="unvotes: the votes and roll-call files of one release (+ issues); comtrade: trade CSVs.",
)
@click.option("--format", default="auto", help="auto (from the header), unvotes (UN roll calls) or comtrade (trade).")
@click.option("--focus", default="PRK", help="The country the indicators are about (ISO alpha-3).")
@output_option
@db_option
def ingest_indicators(files: tuple[Path, ...], format: str, focus: str, output: OutFormat, db: Path | None) -> None:
    """Load dyad-year evidence into the indicators table (design §11): a newer release of the UN
    roll calls (unvotes layout: rcid,country,country_code,vote + rcid,…,date,… [+ rcid,short_name,issue]),
    stored as FOCUS's agreement with every member; or UN Comtrade-style trade (reporter,partner,year,
    flow,value, or reporterISO,partnerISO,refYear,flowDesc,primaryValue), read as mirror statistics:
    trade_exports, trade_imports and trade_share per partner and year, trade_hhi and trade_total.

    Bad rows go to the rejects table with file, line and reason and the rest loads; the same file
    loaded again adds nothing; a file that cannot be read is named and the others still load (exit 1).

    \b
    Example: dyadwatch ingest-indicators --format comtrade trade-2019.csv
    Example: dyadwatch ingest-indicators --format unvotes un_votes.csv un_roll_calls.csv un_roll_call_issues.csv
    """
    import pandas as pd

    from dyadwatch.api import Store
    from dyadwatch.ingest.pipeline import iter_summary

    with Store(db) as store:
        reports = store.ingest_indicators(files, format=format, focus=focus)
    summary = pd.DataFrame(iter_summary(reports))
    if summary.empty:
        raise UsageError("no files given")
    if output is OutFormat.table:
        print_frame(
            shown_files(summary.drop(columns=["error", "duplicate", "reemitted"])), output, "ingest-indicators summary"
        )
    else:
        print_frame(summary, output)
    for report in reports:
        if report.error:
            say_error(report.error)
        if output is OutFormat.table:
            for example in report.reject_examples[:3]:
                say(f"{report.file} {example}", "rejected", "yellow")
    if any(r.status == "failed" for r in reports):
        raise click.exceptions.Exit(1)


@sync_app.command("gdelt")
@click.option("--from", "from_", required=True, help="First day (YYYY-MM-DD) of the files to fetch.")
@click.option("--to", show_default=False, help="Last day (YYYY-MM-DD), inclusive; default: today.")
@click.option("--version", type=int, default=2, help="GDELT 1 (daily files) or 2 (15-minute files).")
@click.option("--base-url", help="Where the list and the files are; default: GDELT's published location.")
@click.option("--jobs", type=int, default=4, help="Downloads at once.")
@click.option("--keep", type=PATH, help="Keep the verified files in this folder (and reuse them next time).")
@click.option("--dry-run", is_flag=True, help="Only say what would be fetched.")
@click.option("--focus", default="PRK", help="Keep events with this country on either side; ALL keeps everything.")
@click.option("--country-totals", is_flag=True, help="Version 1: also keep GDELT's daily totals per country.")
@click.option("--timeout", type=float, default=60.0, help="Seconds without data before a request fails.")
@click.option("--retries", type=int, default=4, help="Tries per file (timeouts, 5xx, broken transfers).")
@output_option
@db_option
def sync_gdelt(
    from_: str,
    to: str | None,
    version: int,
    base_url: str | None,
    jobs: int,
    keep: Path | None,
    dry_run: bool,
    focus: str,
    country_totals: bool,
    timeout: float,
    retries: int,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Fetch the GDELT event files published from --from to --to that the store lacks, and load them.

    Reads GDELT's file list (version 2: masterfilelist.txt; version 1: md5sums and filesizes),
    downloads the event files in range a few at a time, checks each one's size and MD5, and loads
    it like `dyadwatch ingest` (focus filter, one transaction per file). Run again after an
    interruption: it fetches only what is missing. A file that failed is named (exit 1). Version 1
    also keeps GDELT's published daily totals (normfiles/daily.csv), the base of --normalize all.

    \b
    Example: dyadwatch sync gdelt --from 2026-11-01 --to 2026-11-28
    """
    from datetime import date

    import pandas as pd
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from dyadwatch.api import Store
    from dyadwatch.ingest.sync import sync_gdelt as run_sync

    start = parse_day(from_, "--from")
    end = parse_day(to, "--to") if to else date.today()
    with (
        Store(db) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=stderr_console(),
            disable=not stderr_console().is_terminal,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("GDELT files", total=None)

        def on_plan(count: int) -> None:
            progress.update(task, total=count, description=f"GDELT files: 0/{count}")

        def on_file(outcome: Any) -> None:
            progress.advance(task)
            done = int(progress.tasks[0].completed)
            progress.update(task, description=f"GDELT files: {done}/{progress.tasks[0].total} ({outcome.name})")

        summary = run_sync(
            store,
            version=version,
            start=start,
            end=end,
            base_url=base_url,
            jobs=jobs,
            keep=keep,
            dry_run=dry_run,
            focus=focus,
            country_totals=country_totals,
            timeout=timeout,
            attempts=retries,
            on_plan=on_plan,
            on_file=on_file,
        )
    if output is OutFormat.json:
        print_json(summary.to_dict())
    else:
        print_frame(pd.DataFrame([summary.counts()]), output, f"sync gdelt {version}: {start} to {end}")
        if dry_run and output is OutFormat.table:
            planned = [outcome for outcome in summary.files if outcome.status == "would fetch"]
            for outcome in planned:
                say(f"would fetch {outcome.name} ({outcome.bytes:,} bytes)")
            total = sum(outcome.bytes for outcome in planned) / 1e6
            say(f"would fetch {len(planned)} files, {total:,.1f} MB in all")
    if summary.totals_note:
        say(summary.totals_note, "note:")
    for outcome in summary.failures:
        say_error(f"{outcome.name}: {outcome.reason or 'failed'}")
    if summary.failures:
        raise click.exceptions.Exit(1)


@app.command("ingest-texts")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=PATH,
    help="KCNA JSON files, CSV files, or folders of .txt files.",
)
@click.option(
    "--format",
    default="auto",
    help="auto (a folder: text-dir; .json: kcna-json; else csv), kcna-json, csv or text-dir.",
)
@click.option(
    "--map",
    "mapping",
    help="CSV columns: date=…,text=…,title=…,reference=…,language=… (a headline-only file maps no "
    "text: the title is the text).",
)
@click.option("--collection", help="Collection name (default: kcna for kcna-json, else the file or folder name).")
@output_option
@db_option
def ingest_texts(
    files: tuple[Path, ...],
    format: str,
    mapping: str | None,
    collection: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Load texts (state media, speeches) into the texts table (design §10), with the partners each
    is about (texts_partners) and its lexicon scores.

    Records without a date, with an empty text or with bytes that are not UTF-8 go to the rejects
    table with file, line and reason and the rest loads; the same file loaded again adds nothing.

    \b
    Example: dyadwatch ingest-texts headlines_2024-11-11.json
    Example: dyadwatch ingest-texts kcna-headlines-1997-2014.csv.gz --format csv --map reference=story_link
    Example: dyadwatch ingest-texts nk-newyear-speeches/ --collection newyear
    """
    import pandas as pd

    from dyadwatch.api import Store
    from dyadwatch.ingest.pipeline import iter_summary

    with Store(db) as store:
        reports = store.ingest_texts(files, format=format, mapping=mapping, collection=collection)
    summary = pd.DataFrame(iter_summary(reports)).drop(columns=["outside_focus", "reemitted"])
    if output is OutFormat.table:
        print_frame(shown_files(summary.drop(columns=["error"])), output, "ingest-texts summary")
    else:
        print_frame(summary, output)
    for report in reports:
        if report.error:
            say_error(report.error)
        if output is OutFormat.table:
            for example in report.reject_examples[:3]:
                say(f"{report.file} {example}", "rejected", "yellow")
    if any(r.status == "failed" for r in reports):
        raise click.exceptions.Exit(1)


@app.command("code-texts")
@click.option("--collection", help="Only texts of this collection (default: every loaded text).")
@click.option("--source", default="kcna", show_default=True, help="The events' source name (a text-coded source).")
@click.option("--rules-only", is_flag=True, help="Code with the rules alone, without the bundled model.")
@output_option
@db_option
def code_texts(collection: str | None, source: str, rules_only: bool, output: OutFormat, db: Path | None) -> None:
    """Code loaded texts (KCNA headlines) into events of SOURCE (design §13): actor, target, PLOVER
    type and mode, the CAMEO code and Goldstein weight the type maps to, a confidence, and the text.

    Texts with no interaction between North Korea and a foreign party give no event; a text that
    cannot be coded (not English, an unknown partner name) is kept as uncoded with its reason
    (search-texts shows it). Running again codes only new texts; a new coder version replaces the
    source's events in one transaction. Evaluation: docs/kcna-events.md.

    \b
    Example: dyadwatch code-texts
    Example: dyadwatch code-texts --collection kcna-headlines-1997-2014 --output json
    """
    import json

    import pandas as pd

    from dyadwatch.api import Store
    from dyadwatch.ingest.code_texts import code_texts as run_coder

    with Store(db) as store:
        report = run_coder(store, collection=collection, source=source, use_model=not rules_only)
    if output is OutFormat.json:
        print_json(report.to_dict())
        return
    if output is not OutFormat.table:
        flat = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in report.to_dict().items()}
        print_frame(pd.DataFrame([flat]), output)
        return
    rows = [
        ("texts read", report.texts_read),
        ("already coded (skipped)", report.texts_skipped),
        ("coded", report.texts_coded),
        ("no event", report.texts_no_event),
        ("uncoded", report.texts_uncoded),
        ("same headline twice", report.texts_duplicate),
        ("events", report.events),
        ("events of an older coder replaced", report.replaced_events),
        ("rejected when loaded", report.rejected_at_load),
    ]
    print_frame(pd.DataFrame(rows, columns=["what", "count"]), output, f"code-texts {report.coder_version}")
    for reason, count in report.uncoded_reasons.items():
        say(f"{count} texts: {reason}", "uncoded", "yellow")
    for example in report.uncoded_examples:
        say(example, "uncoded", "yellow")
    if report.rejected_at_load:
        say(f"{report.rejected_at_load} records of these loads were rejected by ingest-texts (rejects table)", "note:")


@app.command("kcna-check")
@click.option("--window", type=int, default=3, show_default=True, help="Days either side of a chronology event.")
@partners_option
@click.option("--unreported/--no-unreported", default=True, help="List the chronology events KCNA never reported.")
@output_option
@db_option
def kcna_check(window: int, partners: str | None, unreported: bool, output: OutFormat, db: Path | None) -> None:
    """How much of the chronology KCNA reported (issue 27): per period (1997-2014, 2024) and partner,
    the share of chronology events with a KCNA event of the same partner and the same side
    (cooperation or conflict) within --window days, and the events KCNA never reported.

    \b
    Example: dyadwatch kcna-check --partners CHN,RUS,JPN,USA,KOR
    """
    from dyadwatch.analysis.kcna_check import kcna_coverage
    from dyadwatch.api import Store

    with Store(db, read_only=True) as store:
        result = kcna_coverage(store, window=window, partners=tuple(_codes(partners) or ()))
    if output is OutFormat.json:
        print_json(result.to_dict())
        return
    print_frame(result.by_partner, output, f"chronology events KCNA reported within {window} days")
    if output is OutFormat.table:
        for note in result.notes:
            say(note, "kcna-check")
    if unreported and not result.unreported.empty:
        columns = ["period", "date", "partner", "event_code", "summary"]
        print_frame(result.unreported[columns], output, "chronology events KCNA never reported")


@app.command("delegations")
@click.argument("focus", default="PRK")
@partners_option
@click.option("--from", "date_from", help="First day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="Last day, YYYY-MM-DD.")
@output_option
@db_option
def delegations_cmd(
    focus: str, partners: str | None, date_from: str | None, date_to: str | None, output: OutFormat, db: Path | None
) -> None:
    """Delegations received and sent per partner, year and kind (state, party, government, military,
    parliamentary, friendship/cultural, other), from KCNA's coded events (code-texts). ``items``
    counts KCNA's items, ``visits`` runs of items no more than 7 days apart.

    \b
    Example: dyadwatch delegations PRK --partners CHN,RUS
    """
    from dyadwatch.analysis.delegations import delegations
    from dyadwatch.api import Store

    with Store(db, read_only=True) as store:
        table = delegations(
            store, focus=focus.upper(), partners=tuple(_codes(partners) or ()), start=date_from, end=date_to
        )
    if output is OutFormat.json:
        print_json(table.to_dict(orient="records"))
        return
    print_frame(table, output, f"delegations of {focus.upper()} (KCNA)")


@app.command("search-texts")
@click.argument("query", help='Words that must all occur (case-insensitive); "a phrase" in quotes.')
@click.option("--from", "date_from", help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Last day (YYYY-MM-DD).")
@click.option("--partner", help="Only texts about this country (ISO alpha-3).")
@click.option("--limit", type=int, default=20, help="At most this many texts, newest first.")
@format_option()
@db_option
def search_texts(
    query: str,
    date_from: str | None,
    date_to: str | None,
    partner: str | None,
    limit: int,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Find loaded texts by words, dates and partner (a scan; DuckDB's fts extension needs a download).

    \b
    Example: dyadwatch search-texts "Koizumi" --to 2002-12-31 --partner JPN
    """
    with _open(db) as store:
        frame = store.search_texts(query, start=date_from, end=date_to, partner=partner, limit=limit)
    if output is OutFormat.table:
        frame = frame.drop(columns=["text_id"])
    print_frame(frame, output, f"texts matching {query!r}")


@app.command(
    short_help="Words beside deeds (design §10): per partner and period, the rhetoric index of the texts "
    "about the partner beside FOCUS's events toward it; Granger tests both ways.",
)
@click.argument("focus", help="The country whose media the texts are (ISO alpha-3, e.g. PRK).")
@freq_option()
@partners_option
@click.option("--collection", help="Only these collections (comma-separated), e.g. kcna-headlines-1997-2014.")
@click.option("--from", "date_from", help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Last day (YYYY-MM-DD).")
@click.option(
    "--embedding",
    is_flag=True,
    help="Add embedding_score, the model-based score, and its agreement with the lexicon "
    "(needs the extra: pip install 'dyadwatch[embeddings]').",
)
@click.option(
    "--embedding-model",
    default="static",
    help="With --embedding: static (a distillation of the model, seconds for 100 000 headlines; "
    "built once, a minute or two, then cached) or contextual (the transformer itself, minutes).",
)
@quiet_option
@format_option()
@db_option
def rhetoric(
    focus: str,
    freq: Freq,
    partners: str | None,
    collection: str | None,
    date_from: str | None,
    date_to: str | None,
    embedding: bool,
    embedding_model: str,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Words beside deeds (design §10): per partner and period, the texts about the partner, their
    ideological and pragmatic term counts, rhetoric_index = (ideological - pragmatic) / (ideological +
    pragmatic), juche_share, and the mean Goldstein score of FOCUS's events toward the partner;
    with --freq M or Q, Granger tests both ways between the index and net cooperation.

    \b
    Example: dyadwatch rhetoric PRK --freq Y --partners JPN,USA,KOR,CHN,RUS
    """
    from dyadwatch.analysis.rhetoric import rhetoric as run_rhetoric

    if embedding:
        _say_embedding_cost(embedding_model)
    with _open(db) as store:
        result = run_rhetoric(
            store,
            focus,
            freq=freq.value,
            partners=_codes(partners),
            start=date_from,
            end=date_to,
            collections=_names(collection),
            embedding=embedding,
            embedding_model=embedding_model,
        )
    print_result(result, output, f"rhetoric of {result.focus} ({result.lexicon_version})")
    if output is OutFormat.table:
        for test in result.lead_lag:
            if test["status"] == "ok":
                words, deeds = (
                    f"p = {test[f'{d}_p']:.3f} (BH {test[f'{d}_p_adjusted']:.3f})"
                    for d in ("words_lead_deeds", "deeds_lead_words")
                )
                say(
                    f"words → deeds {words}, deeds → words {deeds} "
                    f"({test['collection']}: {test['periods']} periods, {test['lags']} lags)",
                    f"lead-lag {test['partner']}:",
                )
            else:
                say(f"not tested: {test['reason']}", f"lead-lag {test['partner']}:")


def _say_embedding_cost(model: str) -> None:
    """A note before the slow first step of ``--embedding``, so that a silent minute is not taken for a hang."""
    from dyadwatch.analysis.embedding import missing_requirement, static_cache_file

    if missing_requirement():
        return  # the analysis says what to install
    if model == "static" and not static_cache_file().is_file():
        say(
            f"building the static embedding matrix once (a minute or two here); later runs read it from "
            f"{static_cache_file()}",
            "note:",
        )
    elif model == "contextual":
        say("the contextual model reads about 2 000 word pieces a CPU-second: minutes for 100 000 texts", "note:")


@app.command()
@click.option("--out", "out_dir", type=PATH, default=Path("site"), help="Folder for the report site.")
@click.option("--force", is_flag=True, help="Rewrite the site even if nothing changed.")
@db_option
def demo(out_dir: Path, force: bool, db: Path | None) -> None:
    """Build the store from the bundled data (chronology, provocations, missile tests) and write
    the report site. Prints the path of index.html. When the store and options are unchanged since
    the last run (a content hash), the site is left as it is; --force rewrites it."""
    from dyadwatch.api import Store
    from dyadwatch.errors import ReportError
    from dyadwatch.ingest.bundled import load_bundled

    with Store(db) as store:
        reports = load_bundled(store)
        events = sum(r.rows_kept for r in reports if not r.format.startswith("texts"))
        texts = sum(r.rows_kept for r in reports if r.format.startswith("texts") and r.format != "texts:coded")
        say(f"bundled data: {len(reports)} files, {events} new events, {texts} new texts, store {store.path}")
        kcna = store.count("kcna")
        say(f"{kcna} events coded from KCNA's texts (left out unless named: --source kcna)")
        from dyadwatch.report import build_site
        from dyadwatch.report.site import site_is_current

        if not force and site_is_current(store, "PRK", out_dir):
            say(f"site unchanged (same store content and options): {out_dir}; --force rewrites it")
        try:
            index = build_site(store, "PRK", out_dir, skip_unchanged=not force)
        except ReportError as exc:  # exit 1, one line; the store is built, the site left as it was
            raise ReportError(f"{exc} (the store {store.path} is built; {out_dir} was left as it was)") from exc
    sys.stdout.write(f"{index}\n")


@app.command()
@format_option()
def sources(output: OutFormat) -> None:
    """List the datasets bundled with dyadwatch: coverage, licence and provenance."""
    import pandas as pd

    from dyadwatch.ingest.bundled import BUNDLED, coverage
    from dyadwatch.ingest.triggers import scope

    rows = []
    cover = coverage()
    for source in BUNDLED:
        rows.append(
            {
                "name": source.name,
                "title": source.title,
                **cover[source.name],
                # The trigger lists state what they cover ("complete for …", "sample of …") in their header.
                "scope": scope(source.name) if source.name in ("un_resolutions", "exercises", "elections") else "",
                "licence": source.licence,
                "provenance": source.provenance,
            }
        )
    print_frame(pd.DataFrame(rows), output, "bundled datasets")


# -- export and series ---------------------------------------------------------------------------
@export_app.command("events")
@click.option("--format", "-f", type=ValueChoice(ExportFormat), default=ExportFormat.csv, help="csv, json or parquet.")
@source_option()
@from_option()
@to_option()
@click.option("--out", "out_path", type=PATH, help="File to write; default stdout (not for parquet).")
@db_option
def export_events(
    format: ExportFormat,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    out_path: Path | None,
    db: Path | None,
) -> None:
    """The events table with the columns of design §3.

    \b
    Example: dyadwatch export events --source chronology --format csv --out chronology.csv
    """
    selection = _selection(Freq.M, source, date_from, date_to)
    sources, date_from, date_to = list(selection.sources) or None, selection.start, selection.end
    with _open(db) as store:
        if out_path is None:
            if format is ExportFormat.parquet:
                raise UsageError("--format parquet needs --out PATH")
            frame = store.events(source=sources, start=date_from, end=date_to, exclude=selection.excluded_sources)
            if format is ExportFormat.csv:
                sys.stdout.write(frame.to_csv(index=False))
            else:
                sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
            return
        rows = store.export_events(
            out_path, format.value, source=sources, start=date_from, end=date_to, exclude=selection.excluded_sources
        )
        say(f"wrote {rows} events to {out_path}")


@export_app.command("rejects")
@format_option(OutFormat.csv)
@db_option
def export_rejects(output: OutFormat, db: Path | None) -> None:
    """Rows that were rejected at load time, with file, line and reason."""
    with _open(db) as store:
        print_frame(store.rejects(), output, "rejected rows")


@export_app.command("loads")
@format_option()
@db_option
def export_loads(output: OutFormat, db: Path | None) -> None:
    """The load history: one row per file with its row accounting."""
    with _open(db) as store:
        print_frame(store.loads(), output, "loads")


@export_app.command("indicators")
@click.option("--focus", default="PRK", help="Country the indicators are about.")
@click.option("--name", help="Only these indicators, comma-separated (e.g. trade_share,trade_hhi).")
@format_option(OutFormat.csv)
@db_option
def export_indicators(focus: str, name: str | None, output: OutFormat, db: Path | None) -> None:
    """The indicators table (design §11): focus, partner, year, name, value, n, source, issue, load_id."""
    with _open(db) as store:
        frame = store.indicators(focus, names=_names(name))
    print_frame(frame, output, f"indicators of {focus.upper()}")


@app.command()
@click.argument("actor1", help="Initiator, ISO alpha-3 (e.g. PRK).")
@click.argument("actor2", help="Target, ISO alpha-3 (e.g. CHN).")
@freq_option(None)
@click.option("--undirected", is_flag=True, help="Both directions together.")
@normalize_option
@drop_statements_option
@from_option()
@to_option()
@source_option()
@click.option(
    "--backend",
    type=ValueChoice(Backend),
    default=Backend.duckdb,
    help="Where the query runs: duckdb (the store), spark (local Spark over --events, a Parquet "
    "export) or bigquery (GDELT's public table).",
)
@click.option(
    "--events",
    help="spark: Parquet file or folder from `export events --format parquet`; "
    "bigquery: project.dataset.table with GDELT's columns (default gdelt-bq.gdeltv2.events).",
)
@click.option("--show-sql", is_flag=True, help="Print the SQL the backend would run, and stop.")
@columns_option
@quiet_option
@format_option()
@db_option
def series(
    actor1: str,
    actor2: str,
    freq: Freq | None,
    undirected: bool,
    normalize: Normalize,
    drop_statements: bool,
    date_from: str | None,
    date_to: str | None,
    source: tuple[str, ...],
    backend: Backend,
    events: str | None,
    show_sql: bool,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """The dyad series ACTOR1 → ACTOR2 per period: events, Goldstein sum and mean, quad classes.

    The same query runs on the store (DuckDB), on Spark over a Parquet export, or on BigQuery
    over GDELT (design §6).

    \b
    Example: dyadwatch series PRK CHN --freq Q --format csv
    Example: dyadwatch series PRK CHN --backend spark --events events.parquet
    Example: dyadwatch series PRK CHN --backend bigquery --show-sql
    """
    actor1, actor2 = _country(actor1, "ACTOR1"), _country(actor2, "ACTOR2")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements)
    options: dict[str, Any] = {
        "undirected": undirected,
        "drop_statements": drop_statements,
        "start": selection.start,
        "end": selection.end,
        "sources": selection.sources,
    }
    if backend is Backend.spark and not events:
        raise UsageError("--backend spark needs --events PATH (a Parquet file from `export events --format parquet`)")
    if backend is Backend.duckdb and events:
        raise UsageError("--events is for --backend spark or bigquery; the duckdb backend reads --db")
    if show_sql:
        from dyadwatch import backends

        table = events or backends.GDELT_BIGQUERY_TABLE
        if backend is Backend.bigquery:
            sql = backends.bigquery_sql(actor1, actor2, selection.freq, table=table, **options)
        else:
            dialect = "duckdb" if backend is Backend.duckdb else "pyspark"
            sql = backends.series_sql(backends.unbound_events(), actor1, actor2, selection.freq, dialect, **options)
        sys.stdout.write(sql.rstrip() + "\n")
        return
    if backend is not Backend.duckdb:  # the backends module (Ibis, Spark, BigQuery) is imported only where used
        from dyadwatch import backends

        options = {"undirected": undirected, "selection": selection}
        title = f"{actor1} → {actor2} ({selection.describe()})"
        if backend is Backend.spark:
            frame = backends.spark_series(str(events), actor1, actor2, selection.freq, **options)
        else:
            table = events or backends.GDELT_BIGQUERY_TABLE
            frame = backends.bigquery_series(actor1, actor2, selection.freq, table=table, **options)
        print_frame(frame, output, title, columns=columns, default=TABLE_COLUMNS["series"])
        return
    # Rows straight from the store: no pandas on the path of a simple query.
    from dyadwatch.series import SERIES_COLUMNS, series_rows, series_summary, why_empty

    with _open(db) as store:
        selection, chosen = _auto_freq(store, freq, selection, actor1, [actor2], undirected=undirected)
        rows = series_rows(store.con, actor1, actor2, selection, undirected=undirected)
        active = any(row["events"] for row in rows)
        summary = (
            series_summary(rows, actor1, actor2, selection, undirected=undirected)
            if active
            else why_empty(store.con, actor1, actor2, selection, undirected=undirected)
        )
    title = f"{actor1} → {actor2} ({selection.describe()})"
    if output is OutFormat.json:
        # The answer in words, how the frequency was chosen, the selection, then the rows.
        reason = _chosen_sentence(chosen) if active else None
        data = {"summary": summary, "freq_reason": reason, "selection": selection.to_dict()}
        print_json({**data, "rows": rows})
        return
    chosen = chosen if active else None  # nothing to choose a frequency from
    if output is OutFormat.table:
        say_answer(summary)
        say_answer(_chosen_sentence(chosen))
    elif not active or chosen:  # CSV stays CSV: the words go to stderr
        say(" ".join(part for part in (summary if not active else "", _chosen_sentence(chosen) or "") if part), "note:")
    if rows or output is OutFormat.csv:
        numeric = SERIES_COLUMNS[1:]
        print_rows(
            rows, SERIES_COLUMNS, output, title, numeric=numeric, columns=columns, default=TABLE_COLUMNS["series"]
        )


# -- analysis: breaks, flex, circumstances, compare (issue 4; dyadwatch.analysis) -----------------
@app.command()
@click.argument("actor1", help="Initiator, ISO alpha-3 (e.g. PRK).")
@click.argument("actor2", help="Target, ISO alpha-3 (e.g. CHN).")
@freq_option(None)
@click.option(
    "--metric",
    type=ValueChoice(Metric),
    default=Metric.goldstein_mean,
    help="goldstein_mean, goldstein_sum or events; one rank-based cost serves all three.",
)
@click.option(
    "--method",
    type=ValueChoice(BreakMethod),
    default=BreakMethod.pelt,
    help="pelt (exact) or binseg (binary segmentation).",
)
@click.option("--min-size", type=click.IntRange(min=1), default=3, help="Shortest regime, in periods.")
@click.option("--markov", is_flag=True, help="Also fit a 2-regime Markov-switching model (second opinion).")
@normalize_option
@drop_statements_option
@source_option()
@from_option()
@to_option()
@columns_option
@quiet_option
@format_option()
@db_option
def breaks(
    actor1: str,
    actor2: str,
    freq: Freq | None,
    metric: Metric,
    method: BreakMethod,
    min_size: int,
    markov: bool,
    normalize: Normalize,
    drop_statements: bool,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Regime changes in the series ACTOR1 → ACTOR2, with the built-in events near each break.

    PELT on the normal scores of the ranks; memory, seasons and steady trends are modelled, so
    that they are not read as regimes (calibration: docs/validation.md; method: docs/methods.md).
    A sentence above the table gives the answer, or the strongest candidate when there is no
    break. On the bundled chronology use --freq Y.

    \b
    Example: dyadwatch breaks PRK CUB --freq Y --metric events --format json
    """
    from dyadwatch.analysis.breaks import dyad_breaks

    actor1, actor2 = _country(actor1, "ACTOR1"), _country(actor2, "ACTOR2")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements)
    with _open(db) as store:
        selection, chosen = _auto_freq(store, freq, selection, actor1, [actor2])
        result = dyad_breaks(
            store,
            actor1,
            actor2,
            metric=metric.value,
            method=method.value,
            min_size=min_size,
            markov=markov,
            selection=selection,
        )
    title = f"breaks {actor1} → {actor2} ({metric.value}, {selection.describe()})"
    # The answer in words first: the breaks found, or that there are none and the strongest candidate.
    print_result(result, output, title, columns, "breaks", chosen=chosen)
    if output is OutFormat.table and result.reason:
        say(result.reason, f"{result.status}:", "yellow")


@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@freq_option(None)
@partners_option
@click.option("--era", type=ValueChoice(EraChoice), default=EraChoice.all, help="Only one leader's era.")
@click.option(
    "--by",
    type=ValueChoice(FlexBy),
    default=FlexBy.none,
    help="Split into leader eras, break-defined regimes or rolling ten-year windows.",
)
@click.option("--draws", type=click.IntRange(min=0), default=200, help="Bootstrap draws for the 90% intervals.")
@click.option("--seed", type=click.IntRange(min=0), default=0, help="Seed of the bootstrap.")
@normalize_option
@drop_statements_option
@source_option()
@from_option()
@to_option()
@columns_option
@quiet_option
@format_option()
@db_option
def flex(
    focus: str,
    freq: Freq | None,
    partners: str | None,
    era: EraChoice,
    by: FlexBy,
    draws: int,
    seed: int,
    normalize: Normalize,
    drop_statements: bool,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Flexibility of FOCUS toward each partner: responsiveness, flexibility, inertia, asymmetry.

    A partner with too few periods or an unstable estimate gets a status and a reason, not a number.

    \b
    Example: dyadwatch flex PRK --freq Y --by era --format json
    """
    from dyadwatch.analysis.flexibility import flexibility

    focus = _country(focus, "FOCUS")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with _open(db) as store:
        selection, chosen = _auto_freq(store, freq, selection, focus, selection.partners or None, undirected=True)
        result = flexibility(store, focus, era=era.value, by=by.value, draws=draws, seed=seed, selection=selection)
    print_result(result, output, f"flexibility of {focus} ({selection.describe()})", columns, "flex", chosen=chosen)


@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@freq_option(None)
@partners_option
@click.option(
    "--condition", multiple=True, help="A named window NAME=FROM:TO[,FROM:TO], dates YYYY-MM-DD; repeat for more."
)
@click.option("--only", help="Comma-separated condition names to report (e.g. sanctions,summit).")
@normalize_option
@drop_statements_option
@source_option()
@from_option()
@to_option()
@columns_option
@quiet_option
@format_option()
@db_option
def circumstances(
    focus: str,
    freq: Freq | None,
    partners: str | None,
    condition: tuple[str, ...],
    only: str | None,
    normalize: Normalize,
    drop_statements: bool,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """How FOCUS's response to each partner changes under conditions: eras, sanctions, nuclear-test
    windows, summits, the partner's hostility, and windows you name.

    \b
    Example: dyadwatch circumstances PRK --freq Y --condition talks=2018-03-01:2019-06-30
    """
    from dyadwatch.analysis.circumstances import circumstances as run_circumstances

    names = [name.strip() for name in only.split(",") if name.strip()] if only else None
    focus = _country(focus, "FOCUS")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with _open(db) as store:
        selection, chosen = _auto_freq(store, freq, selection, focus, selection.partners or None, undirected=True)
        result = run_circumstances(store, focus, conditions=names, windows=list(condition), selection=selection)
    title = f"circumstances of {focus} ({selection.describe()})"
    print_result(result, output, title, columns, "circumstances", chosen=chosen)


@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@freq_option(Freq.Y)
@click.option(
    "--window", type=click.IntRange(min=0), default=2, help="Breaks within this many periods count as one shared break."
)
@partners_option
@normalize_option
@drop_statements_option
@source_option()
@from_option()
@to_option()
@columns_option
@quiet_option
@format_option()
@db_option
def compare(
    focus: str,
    freq: Freq,
    window: int,
    partners: str | None,
    normalize: Normalize,
    drop_statements: bool,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Patterns across FOCUS's relationships: correlations, shared breaks, partner concentration
    (HHI, effective partners), bloc shares and alignment. The first table shows concentration and
    bloc shares over time (other: partners in no bloc); the correlations, shared breaks and
    alignment follow as their own tables; --format json gives everything.

    \b
    Example: dyadwatch compare PRK --freq Y --format json
    """
    from dyadwatch.analysis.patterns import compare as run_compare

    focus = _country(focus, "FOCUS")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with _open(db) as store:
        result = run_compare(store, focus, window=window, selection=selection)
    print_result(result, output, f"{focus}: concentration and bloc shares ({selection.describe()})", columns, "compare")
    if output is OutFormat.table:  # the parts of the answer that are not per period, each its own table
        import pandas as pd

        pairs = [row for row in result.correlations if row.get("status") == "ok"]
        if pairs:
            frame = pd.DataFrame(pairs)[["a", "b", "n_periods", "correlation", "p_value"]]
            title = f"correlations of {focus}'s Goldstein sums toward each pair of partners ({len(pairs)} of "
            print_frame(frame, output, title + f"{len(result.correlations)} pairs with enough data)")
        if result.shared_breaks:
            rows = [
                {"date": row["date"], "end": row["end"], "kind": row["kind"], "partners": ",".join(row["partners"])}
                for row in result.shared_breaks
            ]
            print_frame(pd.DataFrame(rows), output, f"breaks within {window} periods of each other")
        aligned = [row for row in result.alignment if row.get("status") == "ok"]
        if aligned:
            frame = pd.DataFrame(aligned)[["partner", "alignment", "third_parties"]]
            print_frame(frame, output, "alignment toward third parties")
        elif result.alignment:
            say(str(result.alignment[0].get("reason")), "alignment:")


@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@partners_option
@click.option(
    "--issue",
    default="all",
    help="all (every roll call), each (all and every issue), or comma-separated issues: "
    "nuclear_weapons, human_rights, arms_control, colonialism, economic_development, "
    "palestinian_conflict (or the short codes me nu di hr co ec).",
)
@click.option("--from", "year_from", type=int, help="First year.")
@click.option("--to", "year_to", type=int, help="Last year.")
@columns_option
@quiet_option
@format_option()
@db_option
def votes(
    focus: str,
    partners: str | None,
    issue: str,
    year_from: int | None,
    year_to: int | None,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """UN General Assembly voting agreement of FOCUS with each partner per year: roll calls both
    voted on (votes), share voted alike (agreement) and Lijphart's index (an abstention against a
    vote counts half). From the bundled roll calls 1946-2020, or a newer release loaded with
    ingest-indicators --format unvotes.

    \b
    Example: dyadwatch votes PRK --partners CHN,RUS,USA
    Example: dyadwatch votes PRK --partners CHN --issue nuclear_weapons,human_rights --format json
    """
    from dyadwatch.analysis.votes import votes as run_votes
    from dyadwatch.api import Store, default_path

    issues = [part.strip() for part in issue.split(",") if part.strip()] or ["all"]
    path = db or default_path()
    store = Store(path, read_only=True) if path.exists() else None
    try:
        result = run_votes(store, focus, partners=_codes(partners), issues=issues, start=year_from, end=year_to)
    finally:
        if store is not None:
            store.close()
    print_result(result, output, f"UN votes: agreement of {result.focus} ({result.source})", columns, "votes")


# -- early warning and strategies: shifts, simulate (issue 5; dyadwatch.analysis) ----------------
@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@click.option("--since", required=True, help="Start of the recent window, YYYY-MM-DD.")
@click.option("--until", help="End of the recent window (default: the last event).")
@freq_option()
@click.option("--baseline-years", type=int, default=10, help="Years before --since that form each partner's baseline.")
@source_option()
@click.option("--from", "date_from", help="Baseline starts no earlier than this day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="Same as --until.")
@normalize_option
@drop_statements_option
@click.option("--alpha", type=float, default=0.05, help="Significance level after adjustment.")
@click.option("--adjust", default="fdr", help="Across partners: fdr (Benjamini-Hochberg) or holm (family-wise).")
@click.option("--seed", type=click.IntRange(min=0), default=0, help="Seed of the permutation tests.")
@columns_option
@quiet_option
@format_option()
@db_option
def shifts(
    focus: str,
    since: str,
    until: str | None,
    freq: Freq,
    baseline_years: int,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    normalize: Normalize,
    drop_statements: bool,
    alpha: float,
    adjust: str,
    seed: int,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Early warning: partners rising or falling against their own baseline, multilateral events
    (three or more foreign partners) and bloc realignment since a date, each with its evidence.

    \b
    Example: dyadwatch shifts PRK --since 2025-01-01 --format json
    """
    from dyadwatch.analysis.shifts import shifts as find_shifts

    focus = _country(focus, "FOCUS")
    if until and date_to and until != date_to:
        raise UsageError("--until and --to name the same day; give one of them")
    selection = _selection(freq, source, date_from, date_to or until, normalize, drop_statements)
    with _open(db) as store:
        result = find_shifts(
            store,
            focus,
            since,
            until=selection.end,
            baseline_years=baseline_years,
            alpha=alpha,
            adjust=adjust,
            seed=seed,
            selection=selection,
        )
    print_result(result, output, f"shifts of {result.focus} since {result.since}", columns, "shifts")


@app.command()
@click.argument("focus", help="Focus country, ISO alpha-3 (e.g. PRK).")
@click.option("--from", "date_from", required=True, help="First as-of day of the replay, YYYY-MM-DD.")
@click.option("--to", "date_to", required=True, help="Last day of the replay, YYYY-MM-DD.")
@click.option(
    "--episodes", default="bundled", help="CSV name,partner,kind,start[,reference], or 'bundled' (the referenced list)."
)
@freq_option()
@click.option("--window", type=int, default=6, help="Months of the recent window at each step.")
@click.option("--horizon", type=int, default=12, help="Months after an episode's start in which an alarm counts.")
@click.option("--baseline-years", type=int, default=10, help="Years of baseline before the window.")
@click.option(
    "--source", multiple=True, help="Only events of this source (repeatable), e.g. chronology. Default: all but kcna."
)
@click.option("--alpha", type=float, default=0.05, help="Significance level after adjustment.")
@click.option("--seed", type=click.IntRange(min=0), default=0, help="Seed of the permutation tests.")
@quiet_option
@format_option()
@db_option
def backtest(
    focus: str,
    date_from: str,
    date_to: str,
    episodes: str,
    freq: Freq,
    window: int,
    horizon: int,
    baseline_years: int,
    source: tuple[str, ...],
    alpha: float,
    seed: int,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Does the early warning work? Replays `shifts` as of each period with only the data before it
    and scores its alarms against episodes: detected, when, how late, false alarms per year,
    precision and recall.

    \b
    Example: dyadwatch backtest PRK --episodes bundled --from 1995-01-01 --to 2025-12-31 --source chronology
    """
    from dyadwatch.analysis.backtest import backtest as run_backtest

    with _open(db) as store:
        result = run_backtest(
            store,
            focus,
            episodes,
            date_from=date_from,
            date_to=date_to,
            freq=freq.value,
            window_months=window,
            horizon_months=horizon,
            baseline_years=baseline_years,
            alpha=alpha,
            sources=source or None,
            seed=seed,
        )
    if output is OutFormat.json:
        print_json(result.to_dict())
        return
    if output is OutFormat.table:
        say_answer(result.summary)
    print_frame(result.to_frame(), output, f"episodes of {result.focus}, {result.date_from} to {result.date_to}")
    if output is OutFormat.table:
        print_frame(result.alarms_frame(), output, "alarm onsets")
        precision = "—" if result.precision is None else f"{result.precision:.2f}"
        recall = "—" if result.recall is None else f"{result.recall:.2f}"
        in_sample = "—" if result.recall_in_sample is None else f"{result.recall_in_sample:.2f}"
        if quiet():  # without the summary above, the totals still close the table
            stdout_console().print(
                f"{result.steps} steps over {result.years:.1f} years: {result.onsets} alarm onsets, "
                f"{result.false_alarms} false ({result.false_alarms_per_year:.2f} per year); "
                f"precision {precision}, recall {recall} ({in_sample} with the rows that define each episode left in)",
                highlight=False,
            )
        scores = result.scores_frame().drop(columns="rule")
        print_frame(scores, output, "dyadwatch beside the baselines (one scorer)")
        for name, baseline in result.baselines.items():
            say(f"{name}: {baseline['rule']}", "baseline:")
        brier_table = result.brier_frame()
        if not brier_table.empty:
            title = "P(an episode starts within h months): Brier score, skill against the base rate"
            print_frame(brier_table, output, title)
        for h, entry in result.probabilistic.get("by_horizon", {}).items():
            if "reason" in entry:
                say(f"no probabilistic score at {h} month(s): {entry['reason']}", "note:")
        for note in result.notes:
            say(note, "note:")


@app.command()
@click.argument("focus", default="PRK", help="Focus country, ISO alpha-3.  [default: PRK]")
@click.option("--from", "date_from", help="First day (default: Hess's 2012-2016 and 1990-2025).")
@click.option("--to", "date_to", help="Last day, YYYY-MM-DD.")
@click.option("--window", type=int, default=30, help="Days before and after each trigger.")
@click.option("--source", multiple=True, help="Lists of acts (repeatable): provocations, missile_tests. Default: both.")
@click.option("--permutations", type=int, default=999, help="Random calendar shifts per test.")
@click.option("--seed", type=click.IntRange(min=0), default=0, help="Seed of the permutation tests.")
@quiet_option
@format_option()
@db_option
def provocations(
    focus: str,
    date_from: str | None,
    date_to: str | None,
    window: int,
    source: tuple[str, ...],
    permutations: int,
    seed: int,
    output: OutFormat,
    db: Path | None,
) -> None:
    """When does Pyongyang harden? Provocations around UN resolutions, US-ROK exercises and elections
    (event study with permutation tests) and a self-exciting negative binomial count model, for
    Hess's 2012-2016 and 1990-2025 (or --from/--to).

    \b
    Example: dyadwatch provocations PRK --format json
    """
    from dyadwatch.analysis.provocations import provocations as study

    if permutations < 99:
        raise UsageError("--permutations must be at least 99")
    with _open(db) as store:
        result = study(
            store,
            focus,
            date_from=date_from,
            date_to=date_to,
            sources=source or ("provocations", "missile_tests"),
            window=window,
            permutations=permutations,
            seed=seed,
        )
    if output is OutFormat.json:
        print_json(result.to_dict())
        return
    if output is OutFormat.table:
        say_answer(result.summary)
    print_frame(
        result.to_frame(), output, f"provocations of {result.focus} around triggers", default=PROVOCATION_COLUMNS
    )
    if output is OutFormat.table:
        print_frame(result.model_frame(), output, "negative binomial count model with time controls (rate ratios)")
        for period in result.periods:
            model = period.get("count_model")
            if model:
                aic = model["aic"]
                stdout_console().print(
                    f"{period['name']}: AIC lag only {aic['lag_only']:.1f}, triggers only {aic['triggers_only']:.1f}, "
                    f"both {aic['both']:.1f}; {model['verdict_sentence']}",
                    highlight=False,
                )
        for note in result.notes:
            say(note, "note:")


@app.command()
@click.argument("actor1", help="A, whose response is estimated (e.g. PRK).")
@click.argument("actor2", help="B, whose strategies are compared (e.g. USA).")
@click.option(
    "--strategy",
    multiple=True,
    help="Strategy for B (repeatable): denuclearization-first, phased-trust-building, "
    "conditional-relief, tit-for-tat, generous-tit-for-tat, track-ii. Default: all.",
)
@click.option("--runs", type=int, default=200, help="Simulated runs per strategy.")
@click.option("--seed", type=click.IntRange(min=0), default=0, help="Random seed; the same seed gives the same output.")
@click.option("--horizon", type=int, help="Periods simulated (default: two years).")
@freq_option(None)
@click.option("--from", "date_from", help="Estimate from this day, YYYY-MM-DD.")
@click.option("--to", "date_to", help="Estimate up to this day, YYYY-MM-DD.")
@source_option()
@normalize_option
@drop_statements_option
@columns_option
@quiet_option
@format_option()
@db_option
def simulate(
    actor1: str,
    actor2: str,
    strategy: tuple[str, ...],
    runs: int,
    seed: int,
    horizon: int | None,
    freq: Freq | None,
    date_from: str | None,
    date_to: str | None,
    source: tuple[str, ...],
    normalize: Normalize,
    drop_statements: bool,
    columns: str | None,
    output: OutFormat,
    db: Path | None,
) -> None:
    """Compare engagement strategies for B against A's response estimated from the dyad's data
    (VAR, bootstrapped), with the model, its period and its limits stated.

    \b
    Example: dyadwatch simulate PRK USA --freq Y --runs 500 --seed 1 --format json
    """
    from dyadwatch.analysis.simulate import simulate_dyad

    actor1, actor2 = _country(actor1, "ACTOR1"), _country(actor2, "ACTOR2")
    selection = _selection(freq, source, date_from, date_to, normalize, drop_statements)
    with _open(db) as store:
        selection, chosen = _auto_freq(store, freq, selection, actor1, [actor2], undirected=True)
        result = simulate_dyad(
            store, actor1, actor2, strategy or None, runs=runs, seed=seed, horizon=horizon, selection=selection
        )
    title = f"strategies of {result.partner} toward {result.focus}"
    print_result(result, output, title, columns, "simulate", chosen=chosen)
    if output is OutFormat.table:
        if result.status != "ok":
            say(click.style(str(result.reason), fg="yellow"))
        for limitation in result.limitations:
            say(limitation, "limit:")


# -- outputs: report, serve, cite (issue 6; dyadwatch.report, dyadwatch.web) ----------------------
@app.command()
@click.argument("focus", default="PRK", help="Focus country, ISO alpha-3.  [default: PRK]")
@click.option("--out", "out_dir", type=PATH, default=Path("site"), help="Folder for the report site.")
@click.option("--pdf", is_flag=True, help="Also write the series as one PDF, dyadwatch-report.pdf (needs WeasyPrint).")
@click.option("--force", is_flag=True, help="Rewrite the site even if nothing changed.")
@source_option()
@from_option()
@to_option()
@drop_statements_option
@db_option
def report(
    focus: str,
    out_dir: Path,
    pdf: bool,
    force: bool,
    source: tuple[str, ...],
    date_from: str | None,
    date_to: str | None,
    drop_statements: bool,
    db: Path | None,
) -> None:
    """Write the report series: index.html (all relationships compared) and one brief per relationship
    with enough events, as a static site that works offline. Prints the path of index.html.
    Where the data cannot support a number the pages say why; an analysis that fails for any other
    reason stops the report (exit 1, one line naming the section) and leaves the folder as it was.
    Every number is yearly; --source, --from, --to and --drop-statements narrow the events behind
    all of them, and each page's header states the selection.

    \b
    Example: dyadwatch report PRK --out site --pdf
    Example: dyadwatch report PRK --source chronology --from 1990-01-01 --out site-chronology
    """
    from dyadwatch.errors import ReportError
    from dyadwatch.report import build_site
    from dyadwatch.report.site import site_is_current

    focus = _country(focus, "FOCUS")
    selection = _selection(Freq.Y, source, date_from, date_to, drop_statements=drop_statements)
    with _open(db) as store:
        if not force and site_is_current(store, focus, out_dir, pdf, selection):
            say(f"site unchanged (same store content and options): {out_dir}; --force rewrites it")
        try:
            index = build_site(store, focus, out_dir, pdf=pdf, skip_unchanged=not force, selection=selection)
        except ReportError as exc:  # exit 1, one line, no traceback; nothing half-written in out_dir
            raise ReportError(f"{exc} ({out_dir} was left as it was)") from exc
    sys.stdout.write(f"{index}\n")


@app.command()
@click.option("--key", multiple=True, help="Only these references (BibTeX keys); default all.")
def cite(key: tuple[str, ...]) -> None:
    """Print the references of the datasets and methods behind dyadwatch's numbers as BibTeX.

    \b
    Example: dyadwatch cite > dyadwatch.bib
    """
    from dyadwatch.report.citations import REFERENCES, bibtex

    unknown = [k for k in key or [] if k not in REFERENCES]
    if unknown:
        raise UsageError(f"unknown reference key {', '.join(unknown)}: use one of {', '.join(REFERENCES)}")
    sys.stdout.write(bibtex(key or None))


@app.command()
@click.option("--host", default="127.0.0.1", help="Address to bind; 127.0.0.1 keeps it on this machine.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, help="TCP port.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Server processes; each keeps its own copy of the store in memory (about 400 bytes an event).",
)
@db_option
def serve(host: str, port: int, workers: int, db: Path | None) -> None:
    """The dashboard and its JSON API over the store, read-only (design §7).

    \b
    Example: dyadwatch serve --port 8000, then open http://127.0.0.1:8000/
    """
    import os

    import uvicorn

    from dyadwatch.api import default_path
    from dyadwatch.web import create_app

    path = Path(db or default_path()).expanduser().resolve()
    application = create_app(path)  # checks the store before anything is started
    say(f"dashboard on http://{host}:{port}/ (Ctrl-C stops it)")
    # No access log: a line per request costs more than answering from memory does.
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        uvicorn.run(application, **options)
    else:  # worker processes import the app by name and find the store in the environment
        os.environ["DYADWATCH_SERVE_DB"] = str(path)
        uvicorn.run("dyadwatch.web.app:app_from_environment", factory=True, workers=workers, **options)


# -- watching (design §14, issue 30) -------------------------------------------------------------
@click.group("forecasts", cls=OrderedGroup)
def forecasts_app() -> None:
    """The watcher's stored forecasts: score them against what came true, or export them."""


def _span(text: str, option: str) -> Any:
    from dyadwatch.watch.cycle import parse_every

    try:
        return parse_every(text)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc}") from None


@app.command("watch")
@click.option("--once", is_flag=True, help="One cycle, then exit (for cron or a systemd timer).")
@click.option("--every", default="15m", help="Without --once: time between cycles (s, m, h or d).")
@click.option("--from", "from_", required=True, help="First day (YYYY-MM-DD) of the GDELT files to fetch.")
@click.option("--to", help="Last day (YYYY-MM-DD) of the files to fetch; default: today (UTC).")
@click.option("--version", type=int, default=2, help="GDELT 1 (daily files) or 2 (15-minute files).")
@click.option("--base-url", help="Where GDELT's list and files are; default: GDELT's published location.")
@click.option("--no-gdelt", is_flag=True, help="Fetch nothing from GDELT (watch only --texts or --csv folders).")
@click.option("--jobs", type=int, default=4, help="Downloads at once.")
@click.option("--timeout", type=float, default=60.0, help="Seconds without data before a request fails.")
@click.option("--retries", type=int, default=4, help="Tries per file and per webhook POST (timeouts, 5xx).")
@click.option("--retry-wait", type=float, default=1.0, help="Seconds before the first retry; doubled each time.")
@click.option("--focus", default="PRK", help="The country watched (ISO alpha-3).")
@click.option("--texts", type=PATH, help="A folder of new KCNA texts (JSON) to load and code each cycle.")
@click.option("--csv", "csv_folder", type=PATH, help="A folder of new CSV event files to load each cycle.")
@click.option("--window", type=click.IntRange(1, 60), default=6, help="Months of the recent window of shifts.")
@click.option("--baseline-years", type=click.IntRange(1, 100), default=10, help="Years of the baseline.")
@click.option("--alpha", type=float, default=0.05, help="False discovery rate across partners (Benjamini-Hochberg).")
@source_option()
@click.option("--permutations", type=click.IntRange(99, 99999), default=9999, help="Permutations per test.")
@click.option("--stale-after", default="6h", help="Alert 'data are stale' after this long without new data.")
@click.option("--forecasts/--no-forecasts", default=True, help="Store each cycle's probabilities.")
@click.option("--forecast-years", type=click.IntRange(1, 80), default=10, help="Years the forecast model learns from.")
@click.option("--episodes", default="bundled", help="Episode list the forecasts are fitted on (CSV or bundled).")
@click.option("--feed", type=PATH, help="Atom feed file of the alerts (rewritten each cycle).")
@click.option("--webhook", help="POST each alert as JSON to this URL.")
@click.option("--smtp", help="Mail each alert through this SMTP server, HOST:PORT.")
@click.option("--smtp-from", default="dyadwatch@localhost", help="Sender of the alert mails.")
@click.option("--smtp-to", multiple=True, help="Recipient (repeatable or comma-separated).")
@click.option("--smtp-user", help="SMTP login; the password is read from $DYADWATCH_SMTP_PASSWORD.")
@click.option("--smtp-tls", is_flag=True, help="Upgrade the SMTP connection with STARTTLS.")
@click.option(
    "--smtp-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust this PEM file (a CA, or the server's self-signed certificate) for --smtp-tls; "
    "the certificate is always verified, against the system's CAs by default.",
)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print each alert on stdout.")
@db_option
def watch_cmd(
    once: bool, every: str, from_: str, to: str | None, version: int, base_url: str | None, no_gdelt: bool,
    jobs: int, timeout: float, retries: int, retry_wait: float, focus: str, texts: Path | None,
    csv_folder: Path | None, window: int, baseline_years: int, alpha: float, source: tuple[str, ...],
    permutations: int, stale_after: str, forecasts: bool, forecast_years: int, episodes: str, feed: Path | None,
    webhook: str | None, smtp: str | None, smtp_from: str, smtp_to: tuple[str, ...], smtp_user: str | None,
    smtp_tls: bool, smtp_ca: Path | None, to_stdout: bool, db: Path | None,
) -> None:  # fmt: skip
    """Watch for shifts: each cycle syncs GDELT (and the --texts/--csv folders), runs shifts on the
    fresh data and sends an alert once per partner and direction until that shift has cleared.

    Alerts name the partner, the direction, the rate ratio, the adjusted p, the window and the
    baseline, and the events behind it with their links; they go to --feed, --webhook, --smtp and
    --stdout, and what could not be delivered is sent again next cycle. Each cycle also stores its
    probabilities (see `dyadwatch forecasts score`). One watcher per store (a lock); SIGTERM stops
    it after the cycle under way. An idle --once (nothing new) sends nothing and exits 0; exit 1
    when the list could not be read, a file failed or an alert was not delivered.

    \b
    Example: dyadwatch watch --once --from 2026-11-01 --feed alerts.xml --webhook https://hooks.example/dw
    Example: dyadwatch watch --every 15m --from 2026-11-01 --smtp mail.example:587 --smtp-tls --smtp-to me@example.org
    """
    import signal
    import threading

    from dyadwatch.api import default_path
    from dyadwatch.watch.channels import Channel, SmtpChannel, StdoutChannel, WebhookChannel
    from dyadwatch.watch.cycle import CycleReport, WatchConfig
    from dyadwatch.watch.cycle import watch as run_watch

    start = parse_day(from_, "--from")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise UsageError(f"--webhook must start with http:// or https://, not {webhook!r}")
    channels: list[Channel] = []
    if webhook:
        channels.append(WebhookChannel(webhook, attempts=retries, wait=retry_wait, timeout=timeout))
    if smtp:
        host, _, port = smtp.rpartition(":")
        recipients = [part.strip() for value in smtp_to for part in value.split(",") if part.strip()]
        if not host or not port.isdigit():
            raise UsageError(f"--smtp must be HOST:PORT, e.g. mail.example.org:587, not {smtp!r}")
        if not recipients:
            raise UsageError("--smtp needs --smtp-to with at least one address")
        channels.append(
            SmtpChannel(
                host, int(port), smtp_from, recipients, user=smtp_user,
                password=os.environ.get("DYADWATCH_SMTP_PASSWORD"), starttls=smtp_tls, timeout=timeout, cafile=smtp_ca,
            )
        )  # fmt: skip
    if to_stdout:
        channels.append(StdoutChannel())
    config = WatchConfig(
        db=Path(db or default_path()).expanduser().resolve(), start=start, end=parse_day(to, "--to") if to else None,
        gdelt=not no_gdelt, version=version, base_url=base_url, jobs=jobs, timeout=timeout, attempts=retries,
        retry_wait=retry_wait, focus=_country(focus, "--focus"), texts=texts, csv=csv_folder, window_months=window,
        baseline_years=baseline_years, alpha=alpha, sources=tuple(p for v in source for p in v.split(",") if p),
        permutations=permutations, stale_after=_span(stale_after, "--stale-after"), forecasts=forecasts,
        forecast_years=forecast_years, episodes=episodes, feed=feed.expanduser().resolve() if feed else None,
        channels=channels,
    )  # fmt: skip
    if not 0 < alpha < 1:
        raise UsageError("--alpha must lie between 0 and 1")
    interval = _span(every, "--every")
    stop = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    troubled = False

    def on_report(report: CycleReport) -> None:
        nonlocal troubled
        for failed in report.failed_files:
            say_error(f"{failed['file']}: {failed['reason']} (the other files were loaded)")
        if report.sync_error:
            say_error(f"{report.sync_error} (tried again next cycle)")
        for note in report.notes:
            say(note, "note:")
        troubled = bool(report.failed_files or report.sync_error or report.undelivered)
        if report.idle and not report.opened:
            say(f"idle: nothing new (data until {report.data_until}); nothing sent", "watch")
            return
        say(
            f"{report.loaded} files loaded, {len(report.failed_files)} failed; data until {report.data_until}; "
            f"{len(report.opened)} alerts opened, {len(report.cleared)} cleared; {report.delivered} delivered, "
            f"{len(report.undelivered)} not; {report.forecasts} forecasts stored; {report.seconds:.1f} s",
            "watch",
        )

    if not once:
        say(f"watching {config.db} every {every} (SIGTERM or Ctrl-C stops it)")
    run_watch(config, once=once, every=interval, stop=stop, say=say, on_report=on_report)
    if once and troubled:
        raise click.exceptions.Exit(1)


@forecasts_app.command("score")
@click.option("--episodes", default="bundled", help="The episodes that came true: a CSV file, or bundled.")
@click.option("--today", help="Score the forecasts whose horizon has passed by this day (default: today).")
@format_option()
@db_option
def forecasts_score(episodes: str, today: str | None, output: OutFormat, db: Path | None) -> None:
    """Score the stored forecasts against the episodes that later came true: Brier score, skill
    against the base rate and reliability per horizon, after checking the hash chain (a forecast
    changed or removed after the fact is reported, and the command exits 1).

    \b
    Example: dyadwatch forecasts score --format json
    """
    import pandas as pd

    from dyadwatch.watch.forecasts import score

    with _open(db) as store:
        result = score(store.con, episodes, parse_day(today, "--today") if today else None)
    if output is OutFormat.json:
        print_json(result.to_dict())
    else:
        rows = [
            {"horizon_months": h, **{k: v for k, v in entry.items() if k != "reliability"}}
            for h, entry in result.by_horizon.items()
        ]
        frame = pd.DataFrame(
            rows, columns=["horizon_months", "forecasts", "onsets", "base_rate", "brier", "brier_skill"]
        )
        print_frame(frame, output, "stored forecasts scored")
    chain = result.chain
    if chain.ok:
        say(f"hash chain verified: {chain.rows} forecasts, none changed or removed; {result.pending} pending")
    else:
        say_error(f"hash chain broken at forecast {chain.broken_at}: {chain.reason}")
    for note in result.notes:
        say(note, "note:")
    if not chain.ok:
        raise click.exceptions.Exit(1)


@forecasts_app.command("export")
@click.option("--format", "-f", "fmt", type=click.Choice(["csv"]), default="csv", help="Output format.")
@click.option("--out", type=PATH, help="Write to this file (default: stdout).")
@db_option
def forecasts_export(fmt: str, out: Path | None, db: Path | None) -> None:
    """Write every stored forecast, with its hash chain, as CSV.

    \b
    Example: dyadwatch forecasts export --format csv --out forecasts.csv
    """
    from dyadwatch.watch.forecasts import export_csv

    with _open(db) as store:
        text = export_csv(store.con, out)
    if out is None:
        click.echo(text, nl=False)


app.add_command(export_app)
app.add_command(sync_app)
app.add_command(forecasts_app)


#: Commands that write to the store, file by file (each whole or absent): what Ctrl-C leaves is said.
LOADING_COMMANDS = frozenset({"ingest", "ingest-texts", "ingest-indicators", "demo", "sync", "watch"})


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = app.main(args=args, prog_name="dyadwatch", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:  # --help, and commands that exit 1 after printing their summary
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # no command: the help on stdout (as Typer did), exit 2
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return exc.exit_code
    except click.ClickException as exc:  # usage errors (exit 2): usage line, hint and "Error: ..."
        exc.show(file=sys.stderr)
        return exc.exit_code
    except click.Abort as exc:  # Click turns Ctrl-C into Abort
        loading = bool(args) and args[0] in LOADING_COMMANDS
        if isinstance(exc.__cause__, KeyboardInterrupt) and loading:
            say("interrupted: the files being loaded were rolled back; files loaded before them are kept")
        else:
            say("interrupted")
        return 130
    except DyadwatchError as exc:
        say_error(str(exc))
        return exc.exit_code


def main() -> None:
    """The ``dyadwatch`` console script (and ``python -m dyadwatch``): :func:`run`, then exit."""
    code = run()
    if threading.active_count() > 1:  # a thread still running: Python waits for it at its usual exit
        sys.exit(code)
    _exit_without_teardown(code)


def _exit_without_teardown(code: int) -> NoReturn:
    """Exit the way Python would, less its final teardown.

    Start-up time (issues 10, 14): once DuckDB has been loaded, the interpreter's teardown (freeing
    every module and DuckDB's C++ globals) takes ~50 ms, a tenth of `dyadwatch series`. By now every
    command has closed its store and files and no other thread runs; the exit handlers (``atexit``:
    logging, temporary folders, Spark's gateway) still run and stdout and stderr are flushed, then
    the process ends with ``os._exit``.
    """
    atexit._run_exitfuncs()  # what Python runs at exit before its teardown
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`dyadwatch ... | head`): nothing more can be written
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    main()
