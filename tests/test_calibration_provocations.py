"""Quick calibration of ``provocations``: the verdict's false readings and its power, two seeds a scenario."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_provocations import SECTION

pytestmark = pytest.mark.slow


def test_provocation_verdicts_within_their_bounds() -> None:
    rates = SECTION.measure(True)
    assert {rate.bound for rate in rates} >= {"≤ 0.10", "≥ 0.50"}
    assert not failures(rates), "\n".join(failures(rates))
