"""Quick calibration: false-alarm rates and power stay within their bounds (issue 9).

The same measurements as ``make validate`` (which writes ``docs/validation.md`` with more seeds),
with at least 200 seeds for every break scenario. Each rate has its bound in
:mod:`dyadwatch.testing.calibration`; a method whose rate leaves its bound fails here.
"""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import Rate, break_rates, flexibility_rates, shift_rates, within_bound

pytestmark = pytest.mark.slow


def _check(rates: list[Rate]) -> None:
    failed = [f"{r.scenario}: {r.measure} = {r.value:.3f} (bound {r.bound})" for r in rates if not within_bound(r)]
    assert not failed, "\n".join(failed)


def test_break_false_alarms_and_power_over_200_seeds() -> None:
    rates = break_rates(200)
    assert all(rate.seeds >= 200 for rate in rates)
    assert {rate.bound for rate in rates} >= {"≤ 0.05", "≥ 0.90"}
    _check(rates)


def test_flexibility_mirrored_reporting_and_lagged_response() -> None:
    _check(flexibility_rates(100, draws=100, interval_seeds=30))


def test_shift_false_alarms_and_power() -> None:
    _check(shift_rates(200, permutations=499))


def test_bounds_are_read_as_written() -> None:
    assert within_bound(Rate("m", "s", "x", 5, 100, "≤ 0.05"))
    assert not within_bound(Rate("m", "s", "x", 6, 100, "≤ 0.05"))
    assert within_bound(Rate("m", "s", "x", 90, 100, "≥ 0.90"))
    assert not within_bound(Rate("m", "s", "x", 89, 100, "≥ 0.90"))
    low, high = Rate("m", "s", "x", 10, 100, "reported").interval
    assert 0.05 < low < 0.10 < high < 0.18  # Wilson interval around 0.10
