"""Calibration of ``dyadwatch breaks``: false breaks on series without change, power on planted ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dyadwatch.testing.calibration import TOLERANCE, Rate, Section, count_hits
from dyadwatch.testing.series import planted_breaks, sparse_series

FULL_SEEDS = 1000
QUICK_SEEDS = 200


# -- breaks ----------------------------------------------------------------------------------------
def _found(values: np.ndarray[Any, Any]) -> list[int]:
    from dyadwatch.analysis.breaks import detect_breaks

    return detect_breaks(np.asarray(values, dtype=float))


def break_rates(seeds: int = 200, *, first_seed: int = 0) -> list[Rate]:
    """False-alarm rates (any break in a series without change) and power of :func:`detect_breaks`."""
    span = range(first_seed, first_seed + seeds)
    rates: list[Rate] = []

    def null(scenario: str, bound: str, make: Callable[[int], np.ndarray[Any, Any]]) -> None:
        hits, n = count_hits(span, lambda seed: bool(_found(make(seed))))
        rates.append(Rate("breaks", scenario, "series with any break", hits, n, bound))

    def gaussian(seed: int) -> np.ndarray[Any, Any]:
        return planted_breaks(120, (), (0.0,), seed=seed).frame["goldstein_mean"].to_numpy()

    def sparse_yearly(metric: str) -> Callable[[int], np.ndarray[Any, Any]]:
        def make(seed: int) -> np.ndarray[Any, Any]:
            share = float(np.random.default_rng(10_000 + seed).uniform(0.3, 0.5))
            return sparse_series(78, active_share=share, seed=seed).frame[metric].to_numpy()

        return make

    def sparse_monthly(metric: str) -> Callable[[int], np.ndarray[Any, Any]]:
        def make(seed: int) -> np.ndarray[Any, Any]:
            frame = sparse_series(240, active_share=0.1, seed=seed, freq="M", start="2000-01-01").frame
            return frame[metric].to_numpy()

        return make

    null("dense Gaussian monthly, 120 periods, no change (goldstein_mean)", "≤ 0.05", gaussian)
    for metric in ("events", "goldstein_sum"):
        null(f"sparse yearly, 78 periods, 30–50% active, 1–3 events, no change ({metric})", "≤ 0.05",
             sparse_yearly(metric))  # fmt: skip
        null(f"sparse monthly, 240 periods, 10% active, no change ({metric})", "≤ 0.05", sparse_monthly(metric))

    def spike(seed: int) -> np.ndarray[Any, Any]:
        values = planted_breaks(78, (), (0.0,), seed=seed).frame["goldstein_mean"].to_numpy(copy=True)
        values[39] += 30.0
        return values

    null("dense Gaussian, 78 periods, one 30σ spike and no change (goldstein_mean)", "≤ 0.05", spike)

    def rate_change(metric: str) -> Callable[[int], bool]:
        def outcome(seed: int) -> bool:
            where = int(np.random.default_rng(20_000 + seed).integers(20, 58))
            frame = sparse_series(78, rates=(0.3, 7.0), break_indices=(where,), seed=seed).frame
            return any(abs(found - where) <= TOLERANCE for found in _found(frame[metric].to_numpy()))

        return outcome

    for metric, bound in (("events", "≥ 0.90"), ("goldstein_sum", "reported")):
        hits, n = count_hits(span, rate_change(metric))
        rates.append(
            Rate("breaks", f"sparse yearly, 0.3 → 7 events a year at a random year ({metric})",
                 f"break found within ±{TOLERANCE} periods", hits, n, bound)
        )  # fmt: skip

    planted = (40, 80)
    recalls = false_alarms = 0
    for seed in span:
        series = planted_breaks(120, planted, (0.0, 2.0, -1.0), seed=seed).frame["goldstein_mean"].to_numpy()
        found = _found(series)
        recalls += sum(any(abs(f - t) <= TOLERANCE for f in found) for t in planted)
        false_alarms += sum(not any(abs(f - t) <= TOLERANCE for t in planted) for f in found)
    rates.append(
        Rate("breaks", "dense Gaussian monthly, shifts 0 → 2 → −1 σ at 40 and 80 of 120",
             f"planted breaks found within ±{TOLERANCE}", recalls, 2 * seeds, "≥ 0.90")
    )  # fmt: skip
    rates.append(
        Rate("breaks", "dense Gaussian monthly, shifts 0 → 2 → −1 σ at 40 and 80 of 120",
             "extra breaks per series (hits = extra breaks in all series)", false_alarms, seeds, "≤ 0.25")
    )  # fmt: skip
    return rates


def _reading() -> list[str]:
    return [
        'How to read it:',
        '- **Sparse series.** The review behind issue 9 found that 11 of 24 yearly null series (1948–2025, 40 %',
        '  active years) got at least one break, several 10–20, because the old noise scale (MAD of first',
        "  differences) collapses when most periods are empty. Ranks make the cost's null distribution the",
        "  same whatever the data's distribution, and the permutation floor covers the runs of three or four",
        '  active periods among empty ones that sparse series produce by chance.',
        '- **Spikes.** A single period 30 s.d. out is only "the largest rank": it no longer makes a regime.',
        '- **What the detector does not see well.** A change in *rate* shows in `events` (0.3 → 7 events a',
        '  year is found almost always), but much less in `goldstein_sum` when events of both signs are mixed,',
        "  as in the generator's code mix: more events of mixed sign widen the spread more than they move",
        '  the level. Use `--metric events` to ask "did the relationship get busier?".',
        '- **Not covered.** Autocorrelated series without a change (real dyad series have memory) get more',
        '  false breaks than these independent ones; seasonal reporting likewise. Read breaks with their',
        '  `penalty_sweep` and `regime_r2`.',
    ]


SECTION = Section(
    key="breaks",
    title="Regime changes (`dyadwatch breaks`)",
    method=(
        "Method (see `docs/methods.md` §3): PELT on the normal scores of the series' ranks, penalty the\n"
        'larger of MBIC (3·log n) and a permutation floor (the 99th percentile of the best gain of one break\n'
        'or one burst in 499 permutations of the series itself), minimum segment 3 periods.'
    ),
    measure=lambda quick: break_rates(QUICK_SEEDS if quick else FULL_SEEDS),
    reading=_reading,
)
