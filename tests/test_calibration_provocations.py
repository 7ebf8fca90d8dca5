"""Quick calibration of ``provocations``: 30 seeds a scenario, sizes and powers with a sampling allowance.

``make validate`` runs 200 seeds a scenario and holds the sizes to 5 % and the powers to 80 % exactly;
here a test of exact size 5 % (or power 80 %) passes in 95 % of seed sets (1.645 standard errors).
"""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import bounded, failures
from dyadwatch.testing.calibration_provocations import QUICK_SEEDS, SECTION, power_bound, size_bound

pytestmark = pytest.mark.slow


def test_provocation_sizes_and_powers_within_their_bounds() -> None:
    rates = SECTION.measure(True)
    assert all(rate.seeds == QUICK_SEEDS for rate in rates)
    bounds = {rate.bound for rate in bounded(rates)}
    assert bounds == {size_bound(QUICK_SEEDS), power_bound(QUICK_SEEDS)}
    measures = {rate.measure for rate in bounded(rates)}
    assert "lag term, one-sided likelihood-ratio p < 0.05" in measures
    assert "event study, exercise after: rate-adjusted shifts p < 0.05" in measures
    assert not failures(rates), "\n".join(failures(rates))


def test_bounds_account_for_the_seed_count() -> None:
    assert size_bound(200, allowance=False) == "≤ 0.05" and power_bound(200, allowance=False) == "≥ 0.80"
    assert size_bound(30) == "≤ 0.115" and power_bound(30) == "≥ 0.680"
