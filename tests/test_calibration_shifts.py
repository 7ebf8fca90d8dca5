"""Quick calibration of ``shifts``: false flags across partners and power at a fourfold rise."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_shifts import SECTION

pytestmark = pytest.mark.slow


def test_shift_false_alarms_and_power() -> None:
    rates = SECTION.measure(True)
    assert {rate.bound for rate in rates} >= {"≤ 0.10", "≥ 0.90"}
    assert not failures(rates), "\n".join(failures(rates))
