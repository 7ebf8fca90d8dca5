"""The options many commands share, declared once (help, defaults, types), and their choices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, TypeVar

import click

from dyadwatch.errors import UsageError


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
    """``--freq``; with no default, the frequency is chosen from the selected data (:func:`auto_freq`)."""
    if default is None:  # the same help everywhere (design §9); the default says how it is chosen
        return click.option(
            "--freq",
            type=ValueChoice(Freq),
            default=None,
            show_default="from the data: Y under 2 events a month per dyad, else M",
            help="Period: M month, Q quarter, Y year.",
        )
    return click.option("--freq", type=ValueChoice(Freq), default=default, help="Period: M month, Q quarter, Y year.")


def auto_freq(
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


def build_selection(
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
        partners=tuple(parse_codes(partners) or ()),
    )


def parse_codes(text: str | None) -> list[str] | None:
    if not text:
        return None
    codes = [code.strip().upper() for code in text.split(",") if code.strip()]
    if not codes:
        raise UsageError("--partners needs ISO alpha-3 codes separated by commas, e.g. CHN,RUS")
    return codes


def parse_names(text: str | None) -> list[str] | None:
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    return names or None


def check_country(code: str, what: str) -> str:
    """A country argument checked against the crosswalk: an unknown code is a usage error (exit 2)."""
    from dyadwatch.codebook.countries import check_code

    return check_code(code, what)


def open_store(db: Path | None, read_only: bool = True) -> Any:
    from dyadwatch.api import Store

    return Store(db, read_only=read_only)
