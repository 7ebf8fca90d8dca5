"""Calibration of ``dyadwatch provocations``: the lag and trigger terms, Hess's comparison, the event study.

Generated data (:mod:`dyadwatch.testing.provocations`): 20 years of provocation days from a constant
rate, a self-exciting process or a response to triggers, each with or without a slow wave in the
rate (log rate ± 1.5, 1.5 cycles) whose high years also hold most of the triggers. Each seed runs
the count model with its default time controls and without them, and the event study with both
shift schemes, so that the table shows what the time controls change.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from dyadwatch.testing.calibration import Rate, Section

START, END = "2000-01-01", "2019-12-31"
KINDS = ["exercise", "un_resolution"]
TREND, WEAK_BOOST = 1.5, 2.5
#: ``make validate`` holds sizes to the nominal 5 % at 500 seeds a scenario (issue 25 asks ≥ 500: at 200 a
#: test of exact size 5 % exceeds 0.05 in ~30 % of runs); the suite runs 30 with a sampling allowance.
FULL_SEEDS, QUICK_SEEDS = 500, 30
LEVEL, POWER = 0.05, 0.80
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
#: The event study's schemes, by the key of their p-value.
SCHEMES = {"p_value": "whole-span shifts", "p_value_local": "local shifts", "p_value_adjusted": "rate-adjusted shifts"}


def size_bound(seeds: int, level: float = LEVEL, *, allowance: bool = True) -> str:
    """``≤ level`` (the full run), or ``≤ level + 1.645·sd`` over ``seeds`` seeds (the quick run), as
    :func:`dyadwatch.testing.calibration_flexibility.size_bound`: a test of exact size ``level`` passes
    the quick check in 95 % of seed sets."""
    if not allowance:
        return f"≤ {level:.2f}"
    return f"≤ {level + 1.645 * math.sqrt(level * (1 - level) / seeds):.3f}"


def power_bound(seeds: int, power: float = POWER, *, allowance: bool = True) -> str:
    """``≥ power`` (the full run), or ``≥ power − 1.645·sd`` over ``seeds`` seeds (the quick run)."""
    if not allowance:
        return f"≥ {power:.2f}"
    return f"≥ {power - 1.645 * math.sqrt(power * (1 - power) / seeds):.3f}"


def _run(job: tuple[str, float, float, int, int]) -> dict[str, Any]:
    """One seed of one scenario: the count model's tests and verdicts, and (for the nulls and the
    trigger responses) the exercise after-window's three event-study p-values."""
    from dyadwatch.analysis.provocations import count_model, event_study, expected_daily, weekly_design
    from dyadwatch.testing.provocations import planted_provocations, trending_triggers

    process, trend, boost, seed, permutations = job
    triggers = trending_triggers(seed, START, END, trend=trend)
    days = planted_provocations(process, seed, triggers, START, END, trend=trend, boost=boost)
    design = weekly_design(days, triggers, START, END)
    model = count_model(design, KINDS)
    terms = {t["term"]: t for t in model["terms"]}
    comparison = model["comparison"]

    def below(value: float | None) -> bool:
        return value is not None and value < LEVEL

    run: dict[str, Any] = {
        "verdict": model["verdict"],
        "plain_verdict": model["without_time_controls"]["verdict"],
        "lag": below(terms["recent"]["p_value"]),
        "lag_wald": below(terms["recent"]["p_value_wald"]),
        "triggers": below(model["lr_p_triggers_given_lag"]),
        "exercise_wald": below(terms["exercise"]["p_value_wald"]),
        "joint": below(comparison["joint_lr_p"]),
        "vuong": below(comparison["p_value"]),
    }
    if process != "self_exciting":
        exercises = triggers[triggers["kind"] == "exercise"]
        study = event_study(
            days,
            exercises,
            START,
            END,
            permutations=permutations,
            seed=seed,
            expected=expected_daily(design, START, END),
        )
        after = next(r for r in study if r["side"] == "after")
        run |= {key: below(after[key]) for key in SCHEMES}
    return run


def provocation_rates(seeds: int = FULL_SEEDS, *, permutations: int = 199, allowance: bool = False) -> list[Rate]:
    """Size and power of the count model's tests and verdict, with and without time controls, and of
    the event study's three shift schemes (exercise after-window), over ``seeds`` seeds per scenario.

    Seeds run in two worker processes (the scenarios are independent; ``make validate`` at 500 seeds
    takes a few minutes that way)."""
    import multiprocessing

    jobs = [
        (process, trend, boost, seed, permutations) for _, process, trend, boost in SCENARIOS for seed in range(seeds)
    ]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = pool.map(_run, jobs, chunksize=8)
    rates: list[Rate] = []
    for index, (label, process, trend, _) in enumerate(SCENARIOS):
        runs = results[index * seeds : (index + 1) * seeds]

        def count(key: str, value: object = True, runs: list[dict[str, Any]] = runs) -> int:
            return sum(run[key] == value for run in runs)

        def add(measure: str, hits: int, bound: str, label: str = label) -> None:
            rates.append(Rate("provocations", label, measure, hits, seeds, bound))

        size = size_bound(seeds, allowance=allowance)
        if process == "none":
            add("verdict names a winner (with time controls)", seeds - count("verdict", "undecided"), size)
            add("verdict names a winner (without time controls)", seeds - count("plain_verdict", "undecided"),
                "reported")  # fmt: skip
            add("lag term, one-sided likelihood-ratio p < 0.05", count("lag"), size)
            add("lag term, Wald p < 0.05 (the test before issue 25's review)", count("lag_wald"), "reported")
            add("trigger terms together, likelihood-ratio p < 0.05", count("triggers"), "reported")
            add("exercise term, Wald p < 0.05", count("exercise_wald"), "reported")
            add("joint likelihood-ratio test (lag and triggers) p < 0.05", count("joint"), "reported")
            add("Vuong test p < 0.05, not gated", count("vuong"), "reported")
            for key, scheme in SCHEMES.items():
                bound = size if key == "p_value_adjusted" or not trend else "reported"
                add(f"event study, exercise after: {scheme} p < 0.05", count(key), bound)
            continue
        add(f"verdict {CORRECT[process]} (with time controls)", count("verdict", CORRECT[process]),
            power_bound(seeds, allowance=allowance))  # fmt: skip
        add(f"verdict {WRONG[process]}, the wrong reading (with time controls)", count("verdict", WRONG[process]),
            size)  # fmt: skip
        add(f"verdict {CORRECT[process]} (without time controls)", count("plain_verdict", CORRECT[process]),
            "reported")  # fmt: skip
        add(f"verdict {WRONG[process]} (without time controls)", count("plain_verdict", WRONG[process]), "reported")
        key = "lag" if process == "self_exciting" else "triggers"
        term = "lag term, one-sided" if key == "lag" else "trigger terms together,"
        add(f"{term} likelihood-ratio p < 0.05", count(key), "reported")
        if process == "trigger":
            for key, scheme in SCHEMES.items():
                add(f"event study, exercise after: {scheme} p < 0.05", count(key), "reported")
    return rates


#: The scenarios behind the event-study trust sentence (:data:`dyadwatch.analysis.provocations.SCHEME_TRUST`).
TRUST_CASES = {"neither, constant rate": "constant", "neither, slow wave, triggers in its high years": "drift"}


def scheme_record(rates: list[Rate], commit: str) -> dict[str, Any]:
    """The measured event-study rates the shipped trust sentence is written from (``validate.py --write``).

    Per p-value key, the hits and seeds of p < 0.05 under a constant rate and under the slow wave
    with the triggers in its high years (no response in either).
    """
    words = {f"event study, exercise after: {scheme} p < 0.05": key for key, scheme in SCHEMES.items()}
    schemes: dict[str, dict[str, list[int]]] = {}
    for rate in rates:
        if rate.scenario in TRUST_CASES and rate.measure in words:
            schemes.setdefault(words[rate.measure], {})[TRUST_CASES[rate.scenario]] = [rate.hits, rate.seeds]
    if sorted(schemes) != sorted(SCHEMES) or any(len(cases) != len(TRUST_CASES) for cases in schemes.values()):
        raise ValueError("the provocations rates lack an event-study row of the trust sentence")
    return {
        "source": "docs/validation.md, provocations: event study, exercise after-window, share of seeds with p < 0.05",
        "commit": commit,
        "schemes": schemes,
    }


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
                adjusted = row.get("p_value_adjusted")
                lines.append(
                    f"  Exercises, after-window: rate ratio {row['rate_ratio']:.2f}, whole-span shift p = "
                    f"{row['p_value']:.3f}, local shift p = {local}; against the rate expected from the time "
                    f"controls {row.get('rate_ratio_adjusted') or float('nan'):.2f}, rate-adjusted p = "
                    + ("not defined" if adjusted is None else f"{adjusted:.3f}")
                    + " (the p-value to trust when "
                    "the rate drifts)."
                )
    return lines


def _reading() -> list[str]:
    return [
        "How to read it: the verdict names a winner only when a joint likelihood-ratio test of the lag and",
        "the triggers rejects and the Vuong test of lag-only against triggers-only rejects, both at 0.05, with",
        "the time controls; the null rows bound how often it names one anyway (5 % in `make validate`, 5 % plus",
        "1.645 standard errors in the suite's 30 seeds). The lag term's test is one-sided (self-excitation is",
        "non-negative): with the spline and the month effects its coefficient is biased downwards under no",
        "memory, and the two-sided tests (the Wald row, and the joint likelihood-ratio gate) reject too often",
        "under a constant rate; they are reported, not bounded. The rows *without time controls* show why the",
        "controls are there: a slow wave alone is read as self-excitation, and a weaker trigger response under",
        "a slow wave is mostly not found. The event-study rows under the slow wave show that whole-span and",
        "local shifts are not valid tests when the triggers sit in the high years of the rate; the rate-adjusted",
        "scheme (the same shifts on observed over expected, the expectation from the time controls) is.",
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
    "likelihood-ratio test and a Vuong test (Newey–West variance) of lag-only against triggers-only;\n"
    "term tests by likelihood ratio (the lag's one-sided). Event study: exercise after-window rate ratio,\n"
    "199 whole-span circular shifts, 199 local shifts (each trigger moved 365–730 days) and 199 whole-span\n"
    "shifts of the ratio to the rate expected from the time controls. Generated data: 20 years, 40 ten-day\n"
    "exercises and 15 UN votes, drawn mostly in the high years of the slow wave when there is one.",
    measure=lambda quick: provocation_rates(QUICK_SEEDS if quick else FULL_SEEDS, allowance=quick),
    reading=_reading,
)
