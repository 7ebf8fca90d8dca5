"""Quick calibration of ``flex``: mirrored reporting is not flexibility, a lagged response is."""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import failures
from dyadwatch.testing.calibration_flexibility import SECTION

pytestmark = pytest.mark.slow


def test_flexibility_mirrored_reporting_and_lagged_response() -> None:
    rates = SECTION.measure(True)
    assert not failures(rates), "\n".join(failures(rates))
