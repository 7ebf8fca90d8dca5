"""Quick calibration of ``breaks``: false breaks and power within their bounds (make validate has more seeds)."""

from __future__ import annotations

import pytest

from dyadwatch.testing import calibration_breaks
from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_breaks import (
    QUICK_DEPENDENT_SEEDS,
    QUICK_POWER_SEEDS,
    QUICK_SEEDS,
    SECTION,
    break_rates,
    null_scenarios,
)

pytestmark = pytest.mark.slow

#: The no-change families issue 25 asks for, each yearly and monthly (seasonality: monthly only).
FAMILIES = ("AR(1) φ = 0.5", "AR(1) φ = 0.7", "INAR(1) φ = 0.5", "INAR(1) φ = 0.7", "linear trend",
            "exponential trend", "persistent on/off")  # fmt: skip


def test_break_false_alarms_and_power() -> None:
    rates = SECTION.measure(True)
    issue9 = [rate for rate in rates if not any(word in rate.scenario for word in ("AR(1)", "activity", "cycle"))]
    assert {rate.seeds for rate in issue9} <= {QUICK_SEEDS, 2 * QUICK_SEEDS}
    dependent = [rate for rate in rates if rate not in issue9]
    assert {rate.seeds for rate in dependent} <= {QUICK_DEPENDENT_SEEDS, QUICK_POWER_SEEDS, 2 * QUICK_POWER_SEEDS}
    assert {rate.bound for rate in rates} >= {"≤ 0.05", "≥ 0.90", "reported"}
    # Every family without change is bounded, yearly and monthly.
    nulls = [rate for rate in rates if rate.measure == "series with any break" and rate.bound == "≤ 0.05"]
    for family in FAMILIES:
        for words in ("yearly, 78 periods", "monthly, 240 periods"):
            assert any(family in rate.scenario and words in rate.scenario for rate in nulls), (family, words)
    assert any("month-of-year cycle" in rate.scenario for rate in nulls)
    # Power on memory is bounded where issue 25's 90 % holds (monthly dense shifts).
    assert any("AR(1)" in rate.scenario and rate.bound == "≥ 0.90" for rate in rates)
    assert not failures(rates), "\n".join(failures(rates))


def test_the_calibration_fails_a_detector_that_ignores_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dependent families have teeth: the old detector leaves their bounds (issue 25's finding)."""
    monkeypatch.setattr(calibration_breaks, "_found", calibration_breaks._old_detector)
    chosen = [s for s in null_scenarios() if s.scenario.startswith(("AR(1) φ = 0.5, dense, yearly", "persistent"))]
    monkeypatch.setattr(calibration_breaks, "null_scenarios", lambda: chosen)
    monkeypatch.setattr(calibration_breaks, "planted_scenarios", list)
    rates = break_rates(dependent_seeds=60, workers=1)
    assert len(rates) == 3 and len(failures(rates)) >= 2, [rate.value for rate in rates]
