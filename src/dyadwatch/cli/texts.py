"""Commands that read the loaded texts: kcna-check, delegations, search-texts, rhetoric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dyadwatch.cli.groups import app
from dyadwatch.cli.options import (
    Freq,
    OutFormat,
    db_option,
    format_option,
    freq_option,
    open_store,
    output_option,
    parse_codes,
    parse_names,
    partners_option,
)
from dyadwatch.cli.output import print_frame, print_json, print_result, quiet_option, say


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
        result = kcna_coverage(store, window=window, partners=tuple(parse_codes(partners) or ()))
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
            store, focus=focus.upper(), partners=tuple(parse_codes(partners) or ()), start=date_from, end=date_to
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
    with open_store(db) as store:
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
        say_embedding_cost(embedding_model)
    with open_store(db) as store:
        result = run_rhetoric(
            store,
            focus,
            freq=freq.value,
            partners=parse_codes(partners),
            start=date_from,
            end=date_to,
            collections=parse_names(collection),
            embedding=embedding,
            embedding_model=embedding_model,
        )
    print_result(result, output, f"rhetoric of {result.focus} ({result.lexicon_version})")
    if output is OutFormat.table:
        _say_lead_lag(result.lead_lag)


def _say_lead_lag(tests: list[dict[str, Any]]) -> None:
    """Each partner's Granger tests both ways on stderr (p, and adjusted across partners), or why it was not tested."""
    for test in tests:
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


def say_embedding_cost(model: str) -> None:
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
