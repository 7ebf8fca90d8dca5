"""Write the "On the bundled chronology" part of ``docs/early-warning-and-strategies.md`` §3 from one
backtest run on the bundled data: the rules' table, every episode, the probabilistic scores, and
the reading, each sentence generated from the numbers (issue 26 item 5: a deeper chronology changes
them, and they are rewritten, not edited by hand).

Usage: ``.venv/bin/python scripts/backtest_doc.py [--db build/backtest-doc.duckdb] [--check]``:
builds a store from the bundled data (as ``dyadwatch demo`` does), runs

    dyadwatch backtest PRK --episodes bundled --from 1990-01-01 --to 2025-12-31 --source chronology

(about three minutes on two cores) and rewrites the part between the ``backtest-bundled`` markers.
``--check`` writes nothing and exits 1 when the page differs from what the run gives.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

import dyadwatch as dw
from dyadwatch.analysis.backtest import BacktestResult, backtest
from dyadwatch.testing.benchdoc import fresh_bundled_store, page_arguments, write_or_check

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "early-warning-and-strategies.md"
SECTION = "backtest-bundled"
COMMAND = "dyadwatch backtest PRK --episodes bundled --from 1990-01-01 --to 2025-12-31 --source chronology"
BLOCS = {"china_russia": "China + Russia", "southeast_asia": "Southeast Asia", "west": "the West"}
RULES = {
    "calendar": "calendar (rising, five partners, every January)",
    "persistence": "persistence (reads the episode list)",
}


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _signed(value: float) -> str:
    return f"{value:.3f}".replace("-", "−")


def _rules_table(result: BacktestResult) -> list[str]:
    """One row per rule, dyadwatch first: onsets, false alarms (a year), precision, both recalls."""
    rows = [
        "| rule | alarm onsets | false (a year) | precision | recall without the defining rows | recall with them |",
        "|---|---|---|---|---|---|",
    ]
    detected = sum(e["detected"] for e in result.episodes)
    rows.append(
        f"| dyadwatch (`shifts` replayed) | {result.onsets} | {result.false_alarms} "
        f"({_number(result.false_alarms_per_year)}) | {_number(result.precision)} | "
        f"**{_number(result.recall)}** ({detected} of {len(result.episodes)}) | {_number(result.recall_in_sample)} |"
    )
    for name, rule in result.baselines.items():
        label = RULES.get(name) or (
            f"naive ratio (θ = {result.settings['naive_threshold']:.2f}, {rule['alarm_onsets']} onsets "
            f"against {result.onsets})"
        )
        delay = f" (delay {rule['median_delay_months']:g})" if name == "persistence" else ""
        rows.append(
            f"| {label} | {rule['alarm_onsets']} | {rule['false_alarms']} ({_number(rule['false_alarms_per_year'])}) "
            f"| {_number(rule['precision'])} | {_number(rule['recall'])}{delay} | {_number(rule['recall_in_sample'])} |"
        )
    return rows


def _episode_table(result: BacktestResult) -> list[str]:
    rows = ["| episode | start | detected at (without defining rows) | delay | with them |", "|---|---|---|---|---|"]
    for episode in result.episodes:
        by = episode["detected_by"] or ""
        how = f" ({by})" if by.startswith("realignment") else ""
        at = f"{episode['detected_at']}{how}" if episode["detected_at"] else "—"
        delay = episode["delay_months"] if episode["delay_months"] is not None else "—"
        rows.append(
            f"| {episode['name']} ({episode['partner']} {episode['kind']}) | {episode['start']} | {at} | {delay} "
            f"| {episode['detected_at_in_sample'] or '—'} |"
        )
    return rows


def _probability_table(result: BacktestResult) -> tuple[list[str], str]:
    scores = result.probabilistic["by_horizon"]
    names = list(next(iter(scores.values()))["forecasters"])
    rows = ["| horizon | " + " | ".join(n.replace("_", " ") for n in names) + " |", "|---" * (len(names) + 1) + "|"]
    for horizon, entry in scores.items():
        cells = [f"{f['brier']:.5f} ({_signed(f['brier_skill'])})" for f in entry["forecasters"].values()]
        rows.append(f"| {horizon} month(s): Brier (skill) | " + " | ".join(cells) + " |")
    first = next(iter(scores.values()))
    onsets = ", ".join(str(e["onsets"]) for e in scores.values())
    rates = ", ".join(f"{100 * e['base_rate']:.2f} %" for e in scores.values())
    lead = (
        f"Probabilities, scored from {first['scored_from']} ({first['units']} partner-direction-months; onsets "
        f"within {', '.join(scores)} months: {onsets}; base rates {rates}):"
    )
    return rows, lead


def _mcnemar(result: BacktestResult, rule: str) -> tuple[int, int, float]:
    """Episodes only dyadwatch detects, only the baseline detects, and the exact McNemar p-value
    (a two-sided binomial test on the discordant episodes): is the difference in recall beyond chance?"""
    ours = {e["name"] for e in result.episodes if e["detected"]}
    theirs = set(result.baselines[rule].get("detected_episodes") or [])
    only_ours, only_theirs = len(ours - theirs), len(theirs - ours)
    discordant = only_ours + only_theirs
    p = stats.binomtest(only_ours, discordant, 0.5).pvalue if discordant else 1.0
    return only_ours, only_theirs, float(p)


def _recall_reading(result: BacktestResult) -> str:
    episodes = len(result.episodes)
    found = [e for e in result.episodes if e["detected"]]
    in_sample = [e for e in result.episodes if e["detected_in_sample"]]
    only_with = sorted(e["name"] for e in in_sample if not e["detected"])
    text = (
        f"* **Without its own rows, the detector finds {len(found)} of {episodes} episodes** (recall "
        f"{_number(result.recall)}; {len(in_sample)} with the defining rows left in"
        + (f", of which {len(only_with)} only with them: {', '.join(only_with)})." if only_with else ").")
    )
    for rule in ("calendar", "naive_ratio"):
        ours, theirs, p = _mcnemar(result, rule)
        baseline = result.baselines[rule]
        text += (
            f" Against the {rule.replace('_', ' ')} rule (recall {_number(baseline['recall'])}, "
            f"{_number(baseline['false_alarms_per_year'])} false alarms a year against "
            f"{_number(result.false_alarms_per_year)}): {ours} episode(s) only dyadwatch finds, {theirs} only the rule "
            f"finds, exact McNemar p = {p:.2f}" + (" — beyond chance." if p < 0.05 else " — not beyond chance.")
        )
    return text + f" With {episodes} episodes, one episode moves recall by {1 / episodes:.2f}."


def _delay_reading(result: BacktestResult) -> str:
    delays = sorted((e["delay_months"], e["name"]) for e in result.episodes if e["detected"])
    if not delays:
        return "* **No episode is found without its defining rows**, so no delay can be read."
    persistence = result.baselines["persistence"]["median_delay_months"]
    return (
        f"* **What is found is found {delays[0][0]} to {delays[-1][0]} months after the start** "
        f"({', '.join(f'{name} {months}' for months, name in delays)}); persistence, a reader who learns of "
        f"an episode once it has started, would flag it {persistence:g} month(s) in."
    )


def _fall_reading(result: BacktestResult) -> str:
    """The smallest p-value of a fall over the replay, and inside each falling episode's window."""
    units = result.units
    falls = units[units["falling"] == 1.0]
    flagged = [a for a in result.alarms if a["onset"] and a["direction"] == "falling"]
    by_partner = [a for a in flagged if a["kind"] != "realignment"]
    best = falls.loc[falls["evidence"].idxmax()] if len(falls) else None
    text = f"* **{len(by_partner)} partner fall(s) flagged in {result.years:.0f} years** (with the low-rate test on)"
    if best is not None:
        text += (
            f"; the smallest p-value of a fall (either test, before adjustment) was "
            f"{10 ** -float(best['evidence']):.2f} ({best['partner']}, {pd.Timestamp(best['as_of']):%B %Y})"
        )
    windows = []
    for episode in (e for e in result.episodes if e["kind"] == "falling"):
        start = pd.Timestamp(episode["start"])
        inside = falls[
            (falls["partner"] == episode["partner"])
            & (pd.to_datetime(falls["as_of"]) > start)
            & (pd.to_datetime(falls["as_of"]) <= start + pd.DateOffset(months=12))
        ]
        if len(inside):
            windows.append(f"{10 ** -float(inside['evidence'].max()):.2f} ({episode['name']})")
    if windows:
        text += f"; the smallest within each falling episode's 12-month window: {', '.join(windows)}"
    return text + (
        " (from the replay's units, `BacktestResult.units`, column `evidence` = −log10 p). In a chronology where most "
        "months hold no event with a partner, six quiet months are ordinary; a fall needs a dense source (GDELT, "
        "ICEWS, POLECAT) or a longer window."
    )


def _realignment_reading(result: BacktestResult) -> str:
    onsets = [a for a in result.alarms if a["onset"] and a["kind"] == "realignment"]
    matched = [a for a in onsets if a["matches"]]
    unmatched = [
        f"{BLOCS.get(a['partner'], a['partner'])} {a['direction']} {a['as_of'][:7]}" for a in onsets if not a["matches"]
    ]
    text = f"* **Realignment alarms count for their members.** {len(matched)} of {len(onsets)} realignment onsets match"
    text += (
        " an episode ("
        + "; ".join(
            f"{BLOCS.get(a['partner'], a['partner'])} {a['direction']} {a['as_of'][:7]}: {', '.join(a['matches'])}"
            for a in matched
        )
        + ")"
        if matched
        else " no episode"
    )
    return text + (f"; the others match none ({', '.join(unmatched)})." if unmatched else ".")


def _skill_reading(result: BacktestResult) -> str:
    scores = result.probabilistic["by_horizon"]
    skills = [f["brier_skill"] for e in scores.values() for f in e["forecasters"].values()]
    counts = [e["onsets"] for e in scores.values()]
    last = list(scores.values())[-1]
    table = last["forecasters"]["dyadwatch"]["reliability"]
    high = [b for b in table if b["low"] >= 0.02 and b["n"]]
    low = [b for b in table if b["high"] <= 0.01 and b["n"]]
    any_skill = max(skills) > 0
    text = (
        f"* **{'Some forecaster has' if any_skill else 'No forecaster has'} probabilistic skill.** Every Brier "
        f"skill score lies between {_signed(min(skills))} and {_signed(max(skills))}, with {min(counts)} to "
        f"{max(counts)} onsets in {last['units']} units."
    )
    if high and low:
        text += (
            f" dyadwatch's reliability table at {list(scores)[-1]} months: the {sum(b['n'] for b in high)} forecasts "
            f"of 2 % or more saw {sum(b['onsets'] for b in high)} onset(s); the {sum(b['n'] for b in low)} below 1 % "
            f"saw {sum(b['onsets'] for b in low)}."
        )
    return text


def section(result: BacktestResult, events: int) -> str:
    """The whole part between the markers, from one run."""
    rules, (probabilities, lead) = _rules_table(result), _probability_table(result)
    lines = [
        f"Every number below comes from one command, on the store `dyadwatch demo` builds from the bundled "
        f"chronology ({events} events), and every sentence of the reading is generated from it "
        f"(`python scripts/backtest_doc.py` rewrites this part; the run takes about three minutes):",
        "",
        "```bash",
        f"{COMMAND} --format json",
        "```",
        "",
        f"{result.steps} steps over {result.years:.0f} years, all four rules scored by `score_alarms`:",
        "",
        *rules,
        "",
        *_episode_table(result),
        "",
        lead,
        "",
        *probabilities,
        "",
        "What the numbers say:",
        "",
        _recall_reading(result),
        _delay_reading(result),
        _fall_reading(result),
        _realignment_reading(result),
        _skill_reading(result),
        '* The list was not extended after seeing the alarms; "false" still means "not in the list written '
        'beforehand".',
        "",
        "The numbers rest on a hand-made chronology with a few records a month at most; with monthly GDELT or "
        "ICEWS data loaded (`dyadwatch ingest`), run the same command without `--source chronology`.",
    ]
    return "\n".join(lines)


def run(db: Path) -> tuple[BacktestResult, int]:
    """A fresh store from the bundled data at ``db`` and the documented backtest on it."""
    fresh_bundled_store(db)
    with dw.open(db, read_only=True) as store:
        events = int(store.con.execute("SELECT count(*) FROM events WHERE source = 'chronology'").fetchone()[0])
        result = backtest(store, "PRK", "bundled", date_from="1990-01-01", date_to="2025-12-31", sources=["chronology"])
    return result, events


def main() -> int:
    arguments = page_arguments(__doc__, ROOT / "build" / "backtest-doc.duckdb")
    result, events = run(arguments.db)
    return write_or_check(DOC, SECTION, section(result, events), check=arguments.check, root=ROOT)


if __name__ == "__main__":
    sys.exit(main())
