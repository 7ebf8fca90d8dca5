"""The ``dyadwatch`` command line: a thin layer over the Python API (design §4).

Every command takes ``--db`` (default ``$DYADWATCH_DB`` or the user data directory). Errors a
user can cause print one line and exit 1 (input) or 2 (usage); no traceback.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import click
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dyadwatch.errors import DyadwatchError, UsageError

app = typer.Typer(
    name="dyadwatch",
    help=(
        "Measured answers about North Korea's foreign relations from event data.\n\n"
        "Start with `dyadwatch demo` (builds a store from the bundled, sourced chronology and writes "
        "the report site), then `dyadwatch series PRK CHN` or `dyadwatch flex PRK`. Load your own "
        "GDELT or ICEWS files with `dyadwatch ingest FILES...`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
export_app = typer.Typer(help="Write tables out as CSV, JSON or Parquet.", no_args_is_help=True)
app.add_typer(export_app, name="export")

out = Console()
err = Console(stderr=True)


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


DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Event store (DuckDB file). Default: $DYADWATCH_DB or the user data directory.",
        envvar="DYADWATCH_DB",
        show_envvar=False,
    ),
]
FormatOption = Annotated[OutFormat, typer.Option("--format", "-f", help="table (Rich), json or csv.")]
FreqOption = Annotated[Freq, typer.Option("--freq", help="Period: M month, Q quarter, Y year.")]
NormalizeOption = Annotated[
    Normalize,
    typer.Option(
        "--normalize",
        help="Counts per 1 000 events of the focus country (focus) or of all events "
        "(all) in the period; none keeps raw counts.",
    ),
]
DropStatementsOption = Annotated[
    bool, typer.Option("--drop-statements", help="Leave out bare 'make statement' events (CAMEO 010).")
]


def _open(db: Path | None, read_only: bool = True) -> Any:
    from dyadwatch.store import Store

    return Store(db, read_only=read_only)


def _jsonable(value: Any) -> Any:
    """Make analysis output JSON-safe: NaN and infinities become null, dates ISO strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _jsonable(value.item())
        except (ValueError, AttributeError):
            pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_jsonable(data), indent=2, ensure_ascii=False) + "\n")


def print_frame(frame: pd.DataFrame, fmt: OutFormat, title: str | None = None) -> None:
    if fmt is OutFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is OutFormat.json:
        print_json(json.loads(frame.to_json(orient="records", date_format="iso")))
    else:
        table = Table(title=title, show_lines=False)
        for column in frame.columns:
            table.add_column(str(column), justify="right" if pd.api.types.is_numeric_dtype(frame[column]) else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*[_cell(v) for v in row])
        out.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if value is None:
        return "—"
    return str(value)


def print_result(result: Any, fmt: OutFormat, title: str) -> None:
    """Analysis results offer ``to_dict()`` (JSON of design §4) and ``to_frame()`` (tables)."""
    if fmt is OutFormat.json:
        print_json(result.to_dict())
    else:
        print_frame(result.to_frame(), fmt, title)
        notes = getattr(result, "notes", None)
        if fmt is OutFormat.table and notes:
            for note in notes:
                err.print(f"[dim]note:[/] {note}")


# -- loading -------------------------------------------------------------------------------------
@app.command()
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="GDELT 1.0/2.0 export files (.zip, .gz or plain), ICEWS files, or CSV files with --map.",
            show_default=False,
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", help="auto (detect from content), gdelt1, gdelt2, icews, csv.")
    ] = "auto",
    focus: Annotated[
        str, typer.Option("--focus", help="Keep events with this country on either side; ALL keeps everything.")
    ] = "PRK",
    dedupe: Annotated[
        bool,
        typer.Option(
            "--dedupe",
            help="Drop GDELT's re-emitted copies: rows with the same day, "
            "actors, event code and source URL as another (the lowest id is kept).",
        ),
    ] = False,
    map_: Annotated[
        str | None,
        typer.Option(
            "--map",
            help="For --format csv: field=column pairs, e.g. "
            "date=Date,actor1=Src,actor2=Tgt,event_code=Code,goldstein=Score.",
        ),
    ] = None,
    date_format: Annotated[str, typer.Option("--date-format", help="strftime format of dates in a csv.")] = "%Y-%m-%d",
    output: FormatOption = OutFormat.table,
    db: DbOption = None,
) -> None:
    """Load event files into the store, one transaction per file.

    Every line is accounted for: read = kept + outside focus + duplicate + re-emitted + rejected.
    Malformed rows go to the rejects table with file, line and reason (see `dyadwatch export
    rejects`); a file that cannot be read is named and the others still load (exit 1). Loading the
    same file again adds nothing.

    Example: dyadwatch ingest 2019*.export.CSV.zip --dedupe
    """
    from dyadwatch.store import Store

    with (
        Store(db) as store,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
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
            files, format=format, focus=focus, dedupe=dedupe, mapping=map_, date_format=date_format, on_file=on_file
        )
    from dyadwatch.ingest.pipeline import iter_summary

    summary = pd.DataFrame(iter_summary(reports))
    if output is OutFormat.table:
        print_frame(summary.drop(columns=["error"]), output, "ingest summary")
        for report in reports:
            if report.error:
                err.print(f"[red]error:[/] {report.error}")
            for example in report.reject_examples[:3]:
                err.print(f"[yellow]rejected[/] {report.file} {example}")
    else:
        print_frame(summary, output)
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(1)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the report site.")] = Path("site"),
    db: DbOption = None,
) -> None:
    """Build the store from the bundled data (chronology, provocations, missile tests) and write
    the report site. Prints the path of index.html."""
    from dyadwatch.ingest.bundled import load_bundled
    from dyadwatch.store import Store

    with Store(db) as store:
        reports = load_bundled(store)
        loaded = sum(r.rows_kept for r in reports)
        err.print(f"bundled data: {len(reports)} files, {loaded} new events, store {store.path}")
        print_frame(relationship_summary(store), OutFormat.table, "relationships in the bundled chronology")


def relationship_summary(store: Any) -> pd.DataFrame:
    """Events, first and last year and cooperation share per relationship (chronology)."""
    frame: pd.DataFrame = store.con.execute("""
        SELECT CASE WHEN actor1 = 'PRK' THEN actor2 ELSE actor1 END AS partner, count(*) AS events,
               min(year(date)) AS first_year, max(year(date)) AS last_year,
               round(avg(CASE WHEN quad_class <= 2 THEN 1.0 ELSE 0.0 END), 2) AS cooperation_share
        FROM events WHERE source = 'chronology' GROUP BY partner ORDER BY events DESC""").df()
    return frame


@app.command()
def sources(output: FormatOption = OutFormat.table) -> None:
    """List the datasets bundled with dyadwatch: coverage, licence and provenance."""
    from dyadwatch.ingest.bundled import BUNDLED, coverage

    rows = []
    cover = coverage()
    for source in BUNDLED:
        rows.append(
            {
                "name": source.name,
                "title": source.title,
                **cover[source.name],
                "licence": source.licence,
                "provenance": source.provenance,
            }
        )
    print_frame(pd.DataFrame(rows), output, "bundled datasets")


# -- export and series ---------------------------------------------------------------------------
@export_app.command("events")
def export_events(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, json or parquet.")] = ExportFormat.csv,
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source (gdelt1, icews, chronology, ...).")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="File to write; default stdout (not for parquet).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The events table with the columns of design §3.

    Example: dyadwatch export events --source chronology --format csv --out chronology.csv
    """
    with _open(db) as store:
        if out_path is None:
            if format is ExportFormat.parquet:
                raise UsageError("--format parquet needs --out PATH")
            frame = store.events(source=source, start=date_from, end=date_to)
            if format is ExportFormat.csv:
                sys.stdout.write(frame.to_csv(index=False))
            else:
                sys.stdout.write(frame.to_json(orient="records", date_format="iso", indent=1) + "\n")
            return
        rows = store.export_events(out_path, format.value, source=source, start=date_from, end=date_to)
        err.print(f"wrote {rows} events to {out_path}")


@export_app.command("rejects")
def export_rejects(output: FormatOption = OutFormat.csv, db: DbOption = None) -> None:
    """Rows that were rejected at load time, with file, line and reason."""
    with _open(db) as store:
        print_frame(store.rejects(), output, "rejected rows")


@export_app.command("loads")
def export_loads(output: FormatOption = OutFormat.table, db: DbOption = None) -> None:
    """The load history: one row per file with its row accounting."""
    with _open(db) as store:
        print_frame(store.loads(), output, "loads")


@app.command()
def series(
    actor1: Annotated[str, typer.Argument(help="Initiator, ISO alpha-3 (e.g. PRK).")],
    actor2: Annotated[str, typer.Argument(help="Target, ISO alpha-3 (e.g. CHN).")],
    freq: FreqOption = Freq.M,
    undirected: Annotated[bool, typer.Option("--undirected", help="Both directions together.")] = False,
    normalize: NormalizeOption = Normalize.none,
    drop_statements: DropStatementsOption = False,
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    output: FormatOption = OutFormat.table,
    db: DbOption = None,
) -> None:
    """The dyad series ACTOR1 → ACTOR2 per period: events, Goldstein sum and mean, quad classes.

    Example: dyadwatch series PRK CHN --freq Q --format csv
    """
    with _open(db) as store:
        frame = store.series(
            actor1,
            actor2,
            freq.value,
            undirected=undirected,
            normalize=normalize.value,
            drop_statements=drop_statements,
            start=date_from,
            end=date_to,
        )
    print_frame(frame, output, f"{actor1.upper()} → {actor2.upper()} ({freq.value})")


# -- analysis: breaks, flex, circumstances, compare (issue 4; dyadwatch.analysis) -----------------


# -- early warning and strategies: shifts, simulate (issue 5; dyadwatch.analysis) ----------------


# -- outputs: report, serve, cite (issue 6; dyadwatch.report, dyadwatch.web) ----------------------


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this directly)."""
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.UsageError as exc:
        exc.show(file=sys.stderr)
        return 2
    except click.exceptions.ClickException as exc:
        exc.show(file=sys.stderr)
        return 1
    except click.exceptions.Abort:
        err.print("interrupted")
        return 130
    except KeyboardInterrupt:
        err.print("interrupted: the file being loaded was rolled back; files loaded before it are kept")
        return 130
    except DyadwatchError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
