"""Commands that build the store from the bundled data and publish: demo, sources, report, cite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from dyadwatch.cli.groups import app
from dyadwatch.cli.options import (
    PATH,
    Freq,
    OutFormat,
    build_selection,
    check_country,
    db_option,
    drop_statements_option,
    format_option,
    from_option,
    open_store,
    source_option,
    to_option,
)
from dyadwatch.cli.output import print_frame, say
from dyadwatch.errors import UsageError


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

    with Store(db) as store:
        _load_bundled(store)
        from dyadwatch.report import build_site
        from dyadwatch.report.site import site_is_current

        if not force and site_is_current(store, "PRK", out_dir):
            say(f"site unchanged (same store content and options): {out_dir}; --force rewrites it")
        try:
            index = build_site(store, "PRK", out_dir, skip_unchanged=not force)
        except ReportError as exc:  # exit 1, one line; the store is built, the site left as it was
            raise ReportError(f"{exc} (the store {store.path} is built; {out_dir} was left as it was)") from exc
    sys.stdout.write(f"{index}\n")


def _load_bundled(store: Any) -> None:
    """Loads the bundled data into ``store`` (what is already there is not loaded again) and says
    what it added, and how many events were coded from KCNA's texts."""
    from dyadwatch.ingest.bundled import load_bundled

    reports = load_bundled(store)
    events = sum(r.rows_kept for r in reports if not r.format.startswith("texts"))
    texts = sum(r.rows_kept for r in reports if r.format.startswith("texts") and r.format != "texts:coded")
    say(f"bundled data: {len(reports)} files, {events} new events, {texts} new texts, store {store.path}")
    kcna = store.count("kcna")
    say(f"{kcna} events coded from KCNA's texts (left out unless named: --source kcna)")


@app.command()
@format_option()
def sources(output: OutFormat) -> None:
    """List the datasets bundled with dyadwatch: coverage, licence and provenance."""
    import pandas as pd

    print_frame(pd.DataFrame(_bundled_rows()), output, "bundled datasets")


def _bundled_rows() -> list[dict[str, Any]]:
    """One row per bundled dataset: name, title, coverage, scope (the trigger lists), licence, provenance."""
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
    return rows


# -- outputs: report, cite (issue 6; dyadwatch.report) ------------------------------------------
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

    focus = check_country(focus, "FOCUS")
    selection = build_selection(Freq.Y, source, date_from, date_to, drop_statements=drop_statements)
    with open_store(db) as store:
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
