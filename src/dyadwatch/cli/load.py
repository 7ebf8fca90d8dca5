"""Commands that load data into the store: ingest, ingest-indicators, sync gdelt, ingest-texts, code-texts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dyadwatch.cli.groups import app, sync_app
from dyadwatch.cli.options import PATH, OutFormat, db_option, output_option
from dyadwatch.cli.output import print_frame, print_json, progress_bar, say, say_error, shown_files
from dyadwatch.days import parse_day
from dyadwatch.errors import UsageError

if TYPE_CHECKING:  # pandas loads only in the commands that use it (start-up time)
    import pandas as pd


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
    from dyadwatch.api import Store

    with Store(db) as store, progress_bar() as progress:
        reports = store.ingest(
            files,
            format=format,
            focus=focus,
            dedupe=dedupe,
            mapping=map_,
            date_format=date_format,
            check_all_rows=check_all_rows,
            on_file=partial(_file_progress, progress),
        )
    _print_loads(reports, _summary(reports), output, "ingest summary", hidden=["error"])


def _file_progress(progress: Any, path: Path) -> Callable[[str, float], None]:
    """A line of the progress bar for one file being loaded, and the hook that moves it: parsing
    fills the line, the phases before it (reading, checking) its first 30%."""
    task = progress.add_task(f"{path.name}: reading", total=1.0)

    def hook(phase: str, done: float) -> None:
        progress.update(task, description=f"{path.name}: {phase}", completed=done if phase == "parsing" else done * 0.3)

    return hook


def _summary(reports: Sequence[Any]) -> pd.DataFrame:
    """The loads' summary: one row per file with its row accounting (``ingest.pipeline.iter_summary``)."""
    import pandas as pd

    from dyadwatch.ingest.pipeline import iter_summary

    return pd.DataFrame(iter_summary(reports))


def _print_loads(
    reports: Sequence[Any], summary: pd.DataFrame, output: OutFormat, title: str, hidden: list[str]
) -> None:
    """The loading commands' summary: a table (without the ``hidden`` columns, files as the user
    would type them) or every column as JSON/CSV; then, whatever the format, each file that failed
    in one line on stderr (with a table, up to three rejected rows each); exit 1 if any failed."""
    if output is OutFormat.table:
        print_frame(shown_files(summary.drop(columns=hidden)), output, title)
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
    from dyadwatch.api import Store

    with Store(db) as store:
        reports = store.ingest_indicators(files, format=format, focus=focus)
    summary = _summary(reports)
    if summary.empty:
        raise UsageError("no files given")
    _print_loads(reports, summary, output, "ingest-indicators summary", hidden=["error", "duplicate", "reemitted"])


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

    from dyadwatch.api import Store
    from dyadwatch.ingest.sync import sync_gdelt as run_sync

    start = parse_day(from_, "--from")
    end = parse_day(to, "--to") if to else date.today()
    with Store(db) as store, progress_bar() as progress:
        on_plan, on_file = _sync_progress(progress)
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
    _print_sync(summary, output, f"sync gdelt {version}: {start} to {end}", dry_run)


def _sync_progress(progress: Any) -> tuple[Callable[[int], None], Callable[[Any], None]]:
    """The progress bar's line for the GDELT files, and its two hooks: the count once the plan is
    known, then one step per file done (with its name)."""
    task = progress.add_task("GDELT files", total=None)

    def on_plan(count: int) -> None:
        progress.update(task, total=count, description=f"GDELT files: 0/{count}")

    def on_file(outcome: Any) -> None:
        progress.advance(task)
        done = int(progress.tasks[0].completed)
        progress.update(task, description=f"GDELT files: {done}/{progress.tasks[0].total} ({outcome.name})")

    return on_plan, on_file


def _print_sync(summary: Any, output: OutFormat, title: str, dry_run: bool) -> None:
    """The sync's summary (JSON, or its counts as a table or CSV; a dry run's table lists the files
    it would fetch and their size), its note on the daily totals, each failed file on stderr, and
    exit 1 if any failed."""
    import pandas as pd

    if output is OutFormat.json:
        print_json(summary.to_dict())
    else:
        print_frame(pd.DataFrame([summary.counts()]), output, title)
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
    from dyadwatch.api import Store

    with Store(db) as store:
        reports = store.ingest_texts(files, format=format, mapping=mapping, collection=collection)
    summary = _summary(reports).drop(columns=["outside_focus", "reemitted"])
    _print_loads(reports, summary, output, "ingest-texts summary", hidden=["error"])


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
    from dyadwatch.api import Store
    from dyadwatch.ingest.code_texts import code_texts as run_coder

    with Store(db) as store:
        report = run_coder(store, collection=collection, source=source, use_model=not rules_only)
    _print_coding(report, output)


def _print_coding(report: Any, output: OutFormat) -> None:
    """The coder's report: JSON as is, CSV as one flat row (nested values as JSON), or a table of
    its counts followed on stderr by why texts stayed uncoded, examples, and the rows rejected at load."""
    import json

    import pandas as pd

    if output is OutFormat.json:
        print_json(report.to_dict())
        return
    if output is not OutFormat.table:
        flat = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in report.to_dict().items()}
        print_frame(pd.DataFrame([flat]), output)
        return
    rows = _coding_counts(report)
    print_frame(pd.DataFrame(rows, columns=["what", "count"]), output, f"code-texts {report.coder_version}")
    for reason, count in report.uncoded_reasons.items():
        say(f"{count} texts: {reason}", "uncoded", "yellow")
    for example in report.uncoded_examples:
        say(example, "uncoded", "yellow")
    if report.rejected_at_load:
        say(f"{report.rejected_at_load} records of these loads were rejected by ingest-texts (rejects table)", "note:")


def _coding_counts(report: Any) -> list[tuple[str, int]]:
    """The coder's counts, each with what it counts, in the order the texts went through it."""
    return [
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
