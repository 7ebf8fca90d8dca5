"""The analyses: series, breaks, flex, circumstances, compare, votes, shifts, backtest, provocations, simulate."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dyadwatch.cli.groups import app
from dyadwatch.cli.options import (
    Backend,
    BreakMethod,
    EraChoice,
    FlexBy,
    Freq,
    Metric,
    Normalize,
    OutFormat,
    ValueChoice,
    auto_freq,
    build_selection,
    check_country,
    columns_option,
    db_option,
    drop_statements_option,
    format_option,
    freq_option,
    from_option,
    normalize_option,
    open_store,
    parse_codes,
    partners_option,
    source_option,
    to_option,
)
from dyadwatch.cli.output import (
    TABLE_COLUMNS,
    analysis_options,
    chosen_sentence,
    print_frame,
    print_json,
    print_result,
    print_rows,
    quiet,
    quiet_option,
    say,
    say_answer,
    stdout_console,
)
from dyadwatch.errors import UsageError

if TYPE_CHECKING:  # pandas loads only in the commands that use it (start-up time)
    import pandas as pd


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
    actor1, actor2 = check_country(actor1, "ACTOR1"), check_country(actor2, "ACTOR2")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements)
    _check_backend(backend, events)
    if show_sql:
        sys.stdout.write(_series_sql(actor1, actor2, selection, backend, events, undirected).rstrip() + "\n")
        return
    if backend is not Backend.duckdb:  # the backends module (Ibis, Spark, BigQuery) is imported only where used
        title = f"{actor1} → {actor2} ({selection.describe()})"
        frame = _backend_series(actor1, actor2, selection, backend, events, undirected)
        print_frame(frame, output, title, columns=columns, default=TABLE_COLUMNS["series"])
        return
    with open_store(db) as store:
        selection, chosen = auto_freq(store, freq, selection, actor1, [actor2], undirected=undirected)
        rows, summary = _store_series(store, actor1, actor2, selection, undirected)
    _print_series(rows, summary, chosen, f"{actor1} → {actor2} ({selection.describe()})", selection, output, columns)


def _check_backend(backend: Backend, events: str | None) -> None:
    """``--events`` goes with the backends that read it: spark needs it, duckdb reads ``--db`` instead."""
    if backend is Backend.spark and not events:
        raise UsageError("--backend spark needs --events PATH (a Parquet file from `export events --format parquet`)")
    if backend is Backend.duckdb and events:
        raise UsageError("--events is for --backend spark or bigquery; the duckdb backend reads --db")


def _series_sql(
    actor1: str, actor2: str, selection: Any, backend: Backend, events: str | None, undirected: bool
) -> str:
    """The SQL that ``--show-sql`` prints: the series query as ``backend`` would run it, compiled offline."""
    from dyadwatch import backends

    options: dict[str, Any] = {
        "undirected": undirected,
        "drop_statements": selection.drop_statements,
        "start": selection.start,
        "end": selection.end,
        "sources": selection.sources,
    }
    if backend is Backend.bigquery:
        table = events or backends.GDELT_BIGQUERY_TABLE
        return backends.bigquery_sql(actor1, actor2, selection.freq, table=table, **options)
    dialect = "duckdb" if backend is Backend.duckdb else "pyspark"
    return backends.series_sql(backends.unbound_events(), actor1, actor2, selection.freq, dialect, **options)


def _backend_series(
    actor1: str, actor2: str, selection: Any, backend: Backend, events: str | None, undirected: bool
) -> pd.DataFrame:
    """The series run on Spark (over the Parquet export ``events``) or on BigQuery (GDELT's table)."""
    from dyadwatch import backends

    if backend is Backend.spark:
        return backends.spark_series(
            str(events), actor1, actor2, selection.freq, undirected=undirected, selection=selection
        )
    table = events or backends.GDELT_BIGQUERY_TABLE
    return backends.bigquery_series(
        actor1, actor2, selection.freq, table=table, undirected=undirected, selection=selection
    )


def _store_series(
    store: Any, actor1: str, actor2: str, selection: Any, undirected: bool
) -> tuple[list[dict[str, Any]], str]:
    """The series' rows straight from the store (no pandas on the path of a simple query) and the
    answer in words: what the rows show, or why there are none."""
    from dyadwatch.series import series_rows, series_summary, why_empty

    rows = series_rows(store.con, actor1, actor2, selection, undirected=undirected)
    if any(row["events"] for row in rows):
        return rows, series_summary(rows, actor1, actor2, selection, undirected=undirected)
    return rows, why_empty(store.con, actor1, actor2, selection, undirected=undirected)


def _print_series(
    rows: list[dict[str, Any]],
    summary: str,
    chosen: str | None,
    title: str,
    selection: Any,
    output: OutFormat,
    columns: str | None,
) -> None:
    """The store's series as JSON (summary, the frequency's choice, the selection, the rows), or the
    answer in words (stdout above a table, stderr beside CSV) and the rows as a table or CSV."""
    from dyadwatch.series import SERIES_COLUMNS

    active = any(row["events"] for row in rows)
    if output is OutFormat.json:
        # The answer in words, how the frequency was chosen, the selection, then the rows.
        reason = chosen_sentence(chosen) if active else None
        data = {"summary": summary, "freq_reason": reason, "selection": selection.to_dict()}
        print_json({**data, "rows": rows})
        return
    chosen = chosen if active else None  # nothing to choose a frequency from
    if output is OutFormat.table:
        say_answer(summary)
        say_answer(chosen_sentence(chosen))
    elif not active or chosen:  # CSV stays CSV: the words go to stderr
        say(" ".join(part for part in (summary if not active else "", chosen_sentence(chosen) or "") if part), "note:")
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
@analysis_options
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

    actor1, actor2 = check_country(actor1, "ACTOR1"), check_country(actor2, "ACTOR2")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements)
    with open_store(db) as store:
        selection, chosen = auto_freq(store, freq, selection, actor1, [actor2])
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
@analysis_options
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

    focus = check_country(focus, "FOCUS")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with open_store(db) as store:
        selection, chosen = auto_freq(store, freq, selection, focus, selection.partners or None, undirected=True)
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
@analysis_options
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
    focus = check_country(focus, "FOCUS")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with open_store(db) as store:
        selection, chosen = auto_freq(store, freq, selection, focus, selection.partners or None, undirected=True)
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
@analysis_options
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

    focus = check_country(focus, "FOCUS")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements, partners)
    with open_store(db) as store:
        result = run_compare(store, focus, window=window, selection=selection)
    print_result(result, output, f"{focus}: concentration and bloc shares ({selection.describe()})", columns, "compare")
    if output is OutFormat.table:  # the parts of the answer that are not per period, each its own table
        _print_compare_parts(result, focus, window, output)


def _print_compare_parts(result: Any, focus: str, window: int, output: OutFormat) -> None:
    """The parts of compare's answer that are not per period, each its own table: the correlations
    between pairs of partners, the breaks shared within ``window`` periods, and the alignment (or why
    there is none)."""
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
        result = run_votes(store, focus, partners=parse_codes(partners), issues=issues, start=year_from, end=year_to)
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

    focus = check_country(focus, "FOCUS")
    if until and date_to and until != date_to:
        raise UsageError("--until and --to name the same day; give one of them")
    selection = build_selection(freq, source, date_from, date_to or until, normalize, drop_statements)
    with open_store(db) as store:
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

    with open_store(db) as store:
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
    title = f"episodes of {result.focus}, {result.date_from} to {result.date_to}"
    print_result(result, output, title, command="backtest", details=partial(_print_backtest_details, result, output))


def _print_backtest_details(result: Any, output: OutFormat) -> None:
    """What a table adds under the episodes: the alarm onsets, the totals (with --quiet, where the
    summary above is left out), the scores beside the baselines with their rules, the Brier scores
    per horizon (or why there are none) and the notes."""
    print_frame(result.alarms_frame(), output, "alarm onsets")
    if quiet():  # without the summary above, the totals still close the table
        stdout_console().print(_backtest_totals(result), highlight=False)
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


def _backtest_totals(result: Any) -> str:
    """The backtest's totals in one line: steps, years, alarm onsets, false alarms, precision and
    recall (a dash where there is nothing to divide by)."""
    precision = "—" if result.precision is None else f"{result.precision:.2f}"
    recall = "—" if result.recall is None else f"{result.recall:.2f}"
    in_sample = "—" if result.recall_in_sample is None else f"{result.recall_in_sample:.2f}"
    return (
        f"{result.steps} steps over {result.years:.1f} years: {result.onsets} alarm onsets, "
        f"{result.false_alarms} false ({result.false_alarms_per_year:.2f} per year); "
        f"precision {precision}, recall {recall} ({in_sample} with the rows that define each episode left in)"
    )


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
    with open_store(db) as store:
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
    title = f"provocations of {result.focus} around triggers"
    details = partial(_print_count_models, result, output)
    print_result(result, output, title, command="provocations", details=details)


def _print_count_models(result: Any, output: OutFormat) -> None:
    """What a table adds under the event study: the count model's rate ratios, each period's AIC
    comparison with its verdict, and the notes."""
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

    actor1, actor2 = check_country(actor1, "ACTOR1"), check_country(actor2, "ACTOR2")
    selection = build_selection(freq, source, date_from, date_to, normalize, drop_statements)
    with open_store(db) as store:
        selection, chosen = auto_freq(store, freq, selection, actor1, [actor2], undirected=True)
        result = simulate_dyad(
            store, actor1, actor2, strategy or None, runs=runs, seed=seed, horizon=horizon, selection=selection
        )
    title = f"strategies of {result.partner} toward {result.focus}"
    print_result(result, output, title, columns, "simulate", chosen=chosen)
    if output is OutFormat.table:
        _say_limits(result)


def _say_limits(result: Any) -> None:
    """Under the strategies' table, on stderr: why the simulation is not ok (where it is not), then
    each limit of the model it rests on."""
    if result.status != "ok":
        say(click.style(str(result.reason), fg="yellow"))
    for limitation in result.limitations:
        say(limitation, "limit:")
