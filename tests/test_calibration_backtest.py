"""Quick calibration of ``backtest``: false alarms on null stores, power on planted episodes, the Brier scorer."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_backtest import SECTION, bh_expected_rejections

pytestmark = pytest.mark.slow


def test_backtest_false_alarms_power_and_brier_scores() -> None:
    rates = SECTION.measure(True)
    # every scenario the section promises is measured and carries its bound
    bounded = {(rate.scenario, rate.measure): rate.bound for rate in rates if rate.bound != "reported"}
    assert len(bounded) == 11
    assert set(bounded.values()) >= {"≤ 0.15", "≤ 0.05", "≥ 0.80", "≥ 0.95", "≥ 0.90"}
    assert not failures(rates), "\n".join(failures(rates))


def test_the_onset_bound_is_bh_s_expected_false_rejections() -> None:
    """Under the complete null BH rejects anything with probability α, and in expectation a little more."""
    expected = bh_expected_rejections(8, 0.05)
    assert 0.05 <= expected <= 0.06
    assert bh_expected_rejections(1, 0.05) == pytest.approx(0.05, abs=0.002)
