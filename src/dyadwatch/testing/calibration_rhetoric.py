"""Calibration of the lead-lag tests of ``dyadwatch rhetoric``: size, power, gaps and spliced collections.

Generated monthly series, one dyad per seed: the index (words) is white noise, net cooperation
(deeds) an AR(1), d_t = 0.6 d_{t−1} + β w_{t−1} + e_t. β = 0 is the null; β > 0 plants words → deeds.
A third of the months have no index value (no text about the partner), at random. The production
path is measured (:func:`dyadwatch.analysis.rhetoric.collection_test`: the full calendar, missing
months missing, bootstrap p-values), and beside it the spliced test used before (months without an
index dropped, the rest joined end to end, collections too), through the same F statistic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dyadwatch.testing.calibration import Rate, Section

ALPHA = 0.05
MISSING = 1 / 3


def _series(rng: np.random.Generator, months: int, beta: float, level: float = 0.0) -> tuple[Any, Any]:
    words = rng.normal(0.0, 0.5, months)
    deeds = np.zeros(months)
    shocks = rng.normal(0.0, 1.0, months)
    for t in range(1, months):
        deeds[t] = 0.6 * deeds[t - 1] + beta * words[t - 1] + shocks[t]
    return words + level, deeds + 2.5 * level


def _spliced_p(words: Any, deeds: Any, rng: np.random.Generator, draws: int) -> tuple[float, float]:
    """The old test: months without an index dropped and the rest joined into one run (lags by AIC)."""
    from dyadwatch.analysis.rhetoric import choose_lags, granger_with_gaps

    keep = ~np.isnan(words)
    w, d = words[keep], deeds[keep]
    runs = [(0, len(w))]
    lags = choose_lags(w, d, runs, max(1, min(6, len(w) // 10)))
    return (
        granger_with_gaps(d, w, runs, lags, rng, draws).p_bootstrap,
        granger_with_gaps(w, d, runs, lags, rng, draws).p_bootstrap,
    )


def _test(segments: list[tuple[str, Any, Any]], rng: np.random.Generator, draws: int) -> dict[str, Any]:
    """The production lead-lag test on generated collections placed one after another from 1997-01.

    A segment named ``gap`` has deeds but no texts; every other segment is a collection tested on its
    own calendar, and the test with the most usable months is the partner's (as :func:`lead_lag` does).
    """
    from dyadwatch.analysis.rhetoric import CollectionIndex, collection_test

    start = pd.Timestamp("1997-01-01")
    nets, collections = [], []
    for name, words, deeds in segments:
        periods = pd.date_range(start, periods=len(words), freq="MS")
        nets.append(pd.Series(deeds, index=periods))
        if name != "gap":
            index = pd.Series(words, index=periods).dropna()
            collections.append(CollectionIndex(name, index, periods[0], periods[-1]))
        start = periods[-1] + pd.DateOffset(months=1)
    net = pd.concat(nets)
    done = [r for r in (collection_test(net, c, "M", rng, draws) for c in collections) if r["status"] == "ok"]
    return max(done, key=lambda r: r["periods"]) if done else {"status": "insufficient_data"}


def rhetoric_rates(seeds: int = 200, *, draws: int = 499) -> list[Rate]:
    """Size and power of the lead-lag test, with a gap in the middle and with two spliced collections."""
    rates: list[Rate] = []
    base = "monthly index (white noise, a third of months missing) and net cooperation (AR(1) 0.6)"
    for kind, label in (
        ("plain", "180 months, one collection"),
        ("gap", "180 months, one collection, 24 months without texts in the middle"),
        ("collections", "two collections (150 and 60 months) 112 months apart, index +1 and deeds +2.5 in the second"),
    ):
        null = [_one_run(seed, 0.0, kind, draws) for seed in range(seeds)]
        rates += _size_rates(f"{base}; {label}; no relation", null, seeds)
        planted = [_one_run(seed, 1.5, kind, draws) for seed in range(seeds)]
        rates += _power_rates(f"{base}; {label}; words → deeds planted, β = 1.5", planted, seeds)
    return rates


def _hide(rng: np.random.Generator, words: Any) -> Any:
    """The index with a third of its months missing (no text about the partner), at random."""
    return np.where(rng.random(len(words)) < MISSING, np.nan, words)


def _segments(rng: np.random.Generator, beta: float, kind: str) -> list[tuple[str, Any, Any]]:
    """The generated collections of one run of scenario ``kind`` (``plain``, ``gap`` or ``collections``)."""
    if kind == "plain":
        words, deeds = _series(rng, 180, beta)
        return [("headlines", _hide(rng, words), deeds)]
    if kind == "gap":
        words, deeds = _series(rng, 180, beta)
        words = _hide(rng, words)
        words[80:104] = np.nan  # two years without texts in the middle of the collection
        return [("headlines", words, deeds)]
    # two collections 112 months apart, levels differing as headlines and full texts do
    old_words, old_deeds = _series(rng, 150, beta)
    gap_words, gap_deeds = _series(rng, 112, beta)
    new_words, new_deeds = _series(rng, 60, beta, level=1.0)
    return [
        ("headlines", _hide(rng, old_words), old_deeds),
        ("gap", np.full(112, np.nan), gap_deeds),
        ("full-texts", _hide(rng, new_words), new_deeds),
    ]


def _one_run(seed: int, beta: float, kind: str, draws: int) -> tuple[bool, bool, bool, bool]:
    """One seed's verdicts: words → deeds and deeds → words at ``ALPHA``, by the production test and
    by the spliced one."""
    rng = np.random.default_rng(seed)
    segments = _segments(rng, beta, kind)
    test = _test(segments, rng, draws)
    words_all = np.concatenate([s[1] for s in segments])
    deeds_all = np.concatenate([s[2] for s in segments])
    spliced = _spliced_p(words_all, deeds_all, rng, draws)
    ok = test["status"] == "ok"
    return (
        ok and test["words_lead_deeds_p"] < ALPHA,
        ok and test["deeds_lead_words_p"] < ALPHA,
        spliced[0] < ALPHA,
        spliced[1] < ALPHA,
    )


def _size_rates(scenario: str, null: list[tuple[bool, bool, bool, bool]], seeds: int) -> list[Rate]:
    """The rates of a scenario with no relation: each direction of the production test, and the
    spliced test's deeds → words."""
    return [
        Rate("rhetoric", scenario, f"words → deeds p < {ALPHA} (bootstrap)", sum(r[0] for r in null), seeds, "≤ 0.10"),
        Rate("rhetoric", scenario, f"deeds → words p < {ALPHA} (bootstrap)", sum(r[1] for r in null), seeds, "≤ 0.10"),
        Rate(
            "rhetoric",
            scenario,
            f"deeds → words p < {ALPHA}, spliced test (before)",
            sum(r[3] for r in null),
            seeds,
            "reported",
        ),
    ]


def _power_rates(scenario: str, planted: list[tuple[bool, bool, bool, bool]], seeds: int) -> list[Rate]:
    """The rates of a scenario with words → deeds planted: the production test's and the spliced test's."""
    return [
        Rate(
            "rhetoric",
            scenario,
            f"words → deeds p < {ALPHA} (bootstrap)",
            sum(r[0] for r in planted),
            seeds,
            "≥ 0.90",
        ),
        Rate(
            "rhetoric",
            scenario,
            f"words → deeds p < {ALPHA}, spliced test (before)",
            sum(r[2] for r in planted),
            seeds,
            "reported",
        ),
    ]


def adjustment_rates(seeds: int = 200, *, draws: int = 499, partners: int = 5) -> list[Rate]:
    """Five partners with no relation: how often any of the ten tests is flagged, raw and after BH."""
    from statsmodels.stats.multitest import multipletests

    from dyadwatch.analysis.rhetoric import CollectionIndex, collection_test

    periods = pd.date_range("1997-01-01", periods=180, freq="MS")
    raw = adjusted = 0
    for seed in range(seeds):
        rng = np.random.default_rng([seed, 25])
        p_values = []
        for _ in range(partners):
            words, deeds = _series(rng, 180, 0.0)
            words = np.where(rng.random(180) < MISSING, np.nan, words)
            indexed = CollectionIndex("headlines", pd.Series(words, index=periods).dropna(), periods[0], periods[-1])
            test = collection_test(pd.Series(deeds, index=periods), indexed, "M", rng, draws)
            p_values += [test["words_lead_deeds_p"], test["deeds_lead_words_p"]]
        raw += min(p_values) < ALPHA
        adjusted += bool((multipletests(p_values, method="fdr_bh")[1] < ALPHA).any())
    scenario = f"{partners} partners, 180 months each, no relation ({2 * partners} tests)"
    return [
        Rate("rhetoric", scenario, "runs with any test p < 0.05, unadjusted", raw, seeds, "reported"),
        Rate("rhetoric", scenario, "runs with any test flagged after Benjamini–Hochberg", adjusted, seeds, "≤ 0.10"),
    ]


def _reading() -> list[str]:
    return [
        "How to read it: on the full calendar the bootstrap test keeps its size whether months are missing at",
        "random, a stretch of two years has no texts, or a second collection with another level follows; the",
        "spliced test used before (months without texts dropped, collections joined) is shown beside it. Two",
        "collections whose index and deeds sit at different levels make the spliced test find deeds → words",
        "where there is none; kept apart, they do not. With five partners, unadjusted p-values flag some",
        "partner in about two runs of five; Benjamini–Hochberg brings that back to the nominal level.",
    ]


SECTION = Section(
    key="rhetoric",
    title="Words and deeds (`dyadwatch rhetoric`, lead and lag)",
    method="Method (see `docs/rhetoric.md`): per partner and text collection, the monthly index and net\n"
    "cooperation on the collection's full calendar; Granger F-tests both ways on the months whose lags all\n"
    "lie in one contiguous run, lag order by AIC, p-values by residual bootstrap under the null, adjusted\n"
    "across partners, collections and directions (Benjamini–Hochberg). Generated data: white-noise index\n"
    "with a third of the months missing, AR(1) net cooperation, words → deeds planted at β = 1.5.",
    measure=lambda quick: (
        rhetoric_rates(60, draws=199) + adjustment_rates(60, draws=199)
        if quick
        else rhetoric_rates(200) + adjustment_rates(200)
    ),
    reading=_reading,
)
