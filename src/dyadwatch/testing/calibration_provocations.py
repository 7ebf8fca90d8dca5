"""Calibration of ``dyadwatch provocations``: the lag and trigger terms, Hess's comparison, the event study.

Generated data (:mod:`dyadwatch.testing.provocations`): 20 years of provocation days from a constant
rate, a self-exciting process or a response to triggers, each with or without a slow wave in the
rate (log rate ± 1.5, 1.5 cycles) whose high years also hold most of the triggers. Each seed runs
the count model with its default time controls and without them, and the event study with both
shift schemes, so that the table shows what the time controls change.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from dyadwatch.testing.calibration import Rate, Section

START, END = "2000-01-01", "2019-12-31"
KINDS = ["exercise", "un_resolution"]
TREND, WEAK_BOOST = 1.5, 2.5
FULL_SEEDS, QUICK_SEEDS = 12, 2
#: (label, process, trend, boost): the scenarios, nulls first.
SCENARIOS = (
    ("neither, constant rate", "none", 0.0, 1.0),
    ("neither, slow wave, triggers in its high years", "none", TREND, 1.0),
    ("self-exciting (branching 0.6)", "self_exciting", 0.0, 1.0),
    ("self-exciting, slow wave", "self_exciting", TREND, 1.0),
    ("trigger response × 5", "trigger", 0.0, 5.0),
    ("trigger response × 2.5, slow wave", "trigger", TREND, WEAK_BOOST),
)
CORRECT = {"none": "undecided", "self_exciting": "self_exciting", "trigger": "trigger_driven"}
WRONG = {"self_exciting": "trigger_driven", "trigger": "self_exciting"}


def _run(process: str, trend: float, boost: float, seed: int, permutations: int) -> dict[str, Any]:
    from dyadwatch.analysis.provocations import count_model, event_study, weekly_design
    from dyadwatch.testing.provocations import planted_provocations, trending_triggers

    triggers = trending_triggers(seed, START, END, trend=trend)
    days = planted_provocations(process, seed, triggers, START, END, trend=trend, boost=boost)
    model = count_model(weekly_design(days, triggers, START, END), KINDS)
    study = event_study(days, triggers, START, END, permutations=permutations, seed=seed)
    after = next(r for r in study if (r["trigger"], r["side"]) == ("exercise", "after"))
    terms = {t["term"]: t for t in model["terms"]}

    def significant(term: str) -> bool:
        return terms[term]["p_value"] is not None and terms[term]["p_value"] < 0.05

    return {
        "verdict": model["verdict"],
        "plain_verdict": model["without_time_controls"]["verdict"],
        "lag": significant("recent"),
        "trigger": significant("exercise") or significant("un_resolution"),
        "whole_span": after["p_value"] is not None and after["p_value"] < 0.05,
        "local": after["p_value_local"] is not None and after["p_value_local"] < 0.05,
    }


def provocation_rates(seeds: int = FULL_SEEDS, *, permutations: int = 199) -> list[Rate]:
    """Size and power of the count model's terms, of the verdict with and without time controls, and
    of the event study's two shift schemes (exercise after-window), over ``seeds`` seeds per scenario."""
    rates: list[Rate] = []
    for label, process, trend, boost in SCENARIOS:
        runs = [_run(process, trend, boost, seed, permutations) for seed in range(seeds)]

        def count(key: str, value: object = True, runs: list[dict[str, Any]] = runs) -> int:
            return sum(run[key] == value for run in runs)

        def add(measure: str, hits: int, bound: str, label: str = label) -> None:
            rates.append(Rate("provocations", label, measure, hits, seeds, bound))

        if process == "none":
            add("verdict names a winner (with time controls)", seeds - count("verdict", "undecided"), "≤ 0.10")
            add("verdict names a winner (without time controls)", seeds - count("plain_verdict", "undecided"),
                "reported")  # fmt: skip
            add("lag term p < 0.05", count("lag"), "reported")
            add("a trigger term p < 0.05 (exercise or UN)", count("trigger"), "reported")
            add("event study, exercise after: whole-span shifts p < 0.05", count("whole_span"), "reported")
            add("event study, exercise after: local shifts p < 0.05", count("local"), "reported")
            continue
        add(f"verdict {CORRECT[process]} (with time controls)", count("verdict", CORRECT[process]), "≥ 0.50")
        add(f"verdict {WRONG[process]}, the wrong reading (with time controls)", count("verdict", WRONG[process]),
            "≤ 0.10")  # fmt: skip
        add(f"verdict {CORRECT[process]} (without time controls)", count("plain_verdict", CORRECT[process]),
            "reported")  # fmt: skip
        key = "lag" if process == "self_exciting" else "trigger"
        add(f"{'lag' if key == 'lag' else 'a trigger'} term p < 0.05", count(key), "reported")
        if process == "trigger":
            add("event study, exercise after: whole-span shifts p < 0.05", count("whole_span"), "reported")
            add("event study, exercise after: local shifts p < 0.05", count("local"), "reported")
    return rates


def _bundled_lines() -> list[str]:
    """The verdict sentences and the exercise event study on the bundled lists, computed now."""
    import dyadwatch as dw
    from dyadwatch.analysis.provocations import provocations
    from dyadwatch.ingest.bundled import load_bundled

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder, dw.open(Path(folder) / "demo.duckdb") as store:
        load_bundled(store)
        result = provocations(store, "PRK")
    for period in result.periods:
        model = period["count_model"]
        if not model:
            continue
        plain = model["without_time_controls"]
        lines.append(
            f"- **{period['name']}** ({period['provocation_days']} provocation days): {model['verdict_sentence']}"
        )
        lines.append(
            f"  Without time controls: verdict `{plain['verdict']}`, AIC lag only {plain['aic']['lag_only']:.1f} / "
            f"triggers only {plain['aic']['triggers_only']:.1f}, Vuong z = {plain['comparison']['z']:.2f}."
        )
        for row in period["event_study"]:
            if row["trigger"] == "exercise" and row["side"] == "after":
                local = "not defined" if row["p_value_local"] is None else f"{row['p_value_local']:.3f}"
                lines.append(
                    f"  Exercises, after-window: rate ratio {row['rate_ratio']:.2f}, whole-span shift p = "
                    f"{row['p_value']:.3f}, local shift p = {local}."
                )
    return lines


def _reading() -> list[str]:
    return [
        "How to read it: the verdict names a winner only when a joint likelihood-ratio test of the lag and",
        "the triggers rejects and the Vuong test of lag-only against triggers-only rejects, both at 0.05, with",
        "the time controls; the null rows bound how often it names one anyway. The rows *without time controls*",
        "show why the controls are there: a slow wave alone is read as self-excitation, and a weaker trigger",
        "response under a slow wave is not found. The event-study rows under the slow wave show that neither",
        "shift scheme is a valid test when the triggers sit in the high years of the rate: the whole-span scheme",
        "compares eras, and the local one (each trigger moved by 1–2 years) still moves triggers away from",
        "a peak of the rate; read both beside the count model, which holds the trend fixed.",
        "Year effects in place of the spline bias the lag term downwards (Nickell 1981; within a year whose",
        "total is fitted exactly, weeks after many provocations must have fewer): in trials with a constant",
        "rate the lag coefficient averaged about −0.29 with year effects against −0.14 with the spline.",
        "",
        "### On the bundled lists (`dyadwatch provocations PRK`, computed when this page was built)",
        "",
        *_bundled_lines(),
    ]


SECTION = Section(
    key="provocations",
    title="Provocations (`dyadwatch provocations`)",
    method="Method (see `docs/methods.md` §8): weekly provocation days, negative binomial regression on\n"
    "log(1 + provocation days in the previous 4 weeks) and trigger-window indicators, with a cubic B-spline\n"
    "in time (one degree of freedom per 4 years) and month-of-year effects; verdict from a joint\n"
    "likelihood-ratio test and a Vuong test (Newey–West variance) of lag-only against triggers-only.\n"
    "Event study: exercise after-window rate ratio, 199 whole-span circular shifts and 199 local shifts\n"
    "(each trigger moved 365–730 days). Generated data: 20 years, 40 ten-day exercises and 15 UN\n"
    "votes, drawn mostly in the high years of the slow wave when there is one.",
    measure=lambda quick: provocation_rates(QUICK_SEEDS if quick else FULL_SEEDS),
    reading=_reading,
)
