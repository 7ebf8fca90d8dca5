"""``dyadwatch export``: tables written out as CSV, JSON or Parquet."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dyadwatch.cli.groups import export_app
from dyadwatch.cli.options import (
    PATH,
    ExportFormat,
    Freq,
    OutFormat,
    ValueChoice,
    build_selection,
    db_option,
    format_option,
    from_option,
    open_store,
    parse_names,
    source_option,
    to_option,
)
from dyadwatch.cli.output import print_frame, say
from dyadwatch.errors import UsageError

if TYPE_CHECKING:  # pandas loads only in the commands that use it (start-up time)
    import pandas as pd


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
    selection = build_selection(Freq.M, source, date_from, date_to)
    sources, date_from, date_to = list(selection.sources) or None, selection.start, selection.end
    with open_store(db) as store:
        if out_path is None:
            if format is ExportFormat.parquet:
                raise UsageError("--format parquet needs --out PATH")
            frame = store.events(source=sources, start=date_from, end=date_to, exclude=selection.excluded_sources)
            _write_events(frame, format)
            return
        rows = store.export_events(
            out_path, format.value, source=sources, start=date_from, end=date_to, exclude=selection.excluded_sources
        )
        say(f"wrote {rows} events to {out_path}")


def _write_events(frame: pd.DataFrame, format: ExportFormat) -> None:
    """The events on stdout as CSV, or as JSON records (days in ISO form, one field a line)."""
    if format is ExportFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")


@export_app.command("rejects")
@format_option(OutFormat.csv)
@db_option
def export_rejects(output: OutFormat, db: Path | None) -> None:
    """Rows that were rejected at load time, with file, line and reason."""
    with open_store(db) as store:
        print_frame(store.rejects(), output, "rejected rows")


@export_app.command("loads")
@format_option()
@db_option
def export_loads(output: OutFormat, db: Path | None) -> None:
    """The load history: one row per file with its row accounting."""
    with open_store(db) as store:
        print_frame(store.loads(), output, "loads")


@export_app.command("indicators")
@click.option("--focus", default="PRK", help="Country the indicators are about.")
@click.option("--name", help="Only these indicators, comma-separated (e.g. trade_share,trade_hhi).")
@format_option(OutFormat.csv)
@db_option
def export_indicators(focus: str, name: str | None, output: OutFormat, db: Path | None) -> None:
    """The indicators table (design §11): focus, partner, year, name, value, n, source, issue, load_id."""
    with open_store(db) as store:
        frame = store.indicators(focus, names=parse_names(name))
    print_frame(frame, output, f"indicators of {focus.upper()}")
