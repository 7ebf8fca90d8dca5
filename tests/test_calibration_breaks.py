"""Quick calibration of ``breaks``: false breaks and power within their bounds (make validate has more seeds)."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_breaks import SECTION

pytestmark = pytest.mark.slow


def test_break_false_alarms_and_power() -> None:
    rates = SECTION.measure(True)
    assert all(rate.seeds >= 200 for rate in rates)
    assert {rate.bound for rate in rates} >= {"≤ 0.05", "≥ 0.90"}
    assert not failures(rates), "\n".join(failures(rates))
