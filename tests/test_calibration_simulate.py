"""Quick calibration of ``simulate``: the joint draw keeps the co-movement; a planted advantage is ranked first."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_simulate import SECTION

pytestmark = pytest.mark.slow


def test_simulate_co_movement_and_planted_ranking() -> None:
    rates = SECTION.measure(True)
    assert {rate.bound for rate in rates} >= {"≥ 0.95", "≥ 0.90"}
    assert not failures(rates), "\n".join(failures(rates))
