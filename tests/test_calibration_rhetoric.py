"""Quick calibration of the lead-lag tests of ``rhetoric``: size, power, gaps, collections, BH across partners."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_rhetoric import SECTION

pytestmark = pytest.mark.slow


def test_rhetoric_size_power_and_adjustment() -> None:
    rates = SECTION.measure(True)
    assert {rate.bound for rate in rates} >= {"≤ 0.10", "≥ 0.90"}
    assert not failures(rates), "\n".join(failures(rates))
