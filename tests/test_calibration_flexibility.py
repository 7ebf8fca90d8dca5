"""Quick calibration of ``flex``: mirrored reporting, the lagged-response test's size and power, coverage."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_flexibility import SECTION

pytestmark = pytest.mark.slow


def test_flexibility_orderings_test_size_power_and_coverage() -> None:
    rates = SECTION.measure(True)
    assert not failures(rates), "\n".join(failures(rates))
