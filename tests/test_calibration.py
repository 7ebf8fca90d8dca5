"""The calibration machinery itself: bounds read as written, reported rates kept out of checks.

Each method's quick calibration (the same measurements as ``make validate`` with fewer seeds) is in
``tests/test_calibration_<method>.py``.
"""

from __future__ import annotations

import pytest

from dyadwatch.testing.calibration import SECTION_KEYS, Rate, bounded, failures, sections, within_bound


def test_bounds_are_read_as_written() -> None:
    assert within_bound(Rate("m", "s", "x", 5, 100, "≤ 0.05"))
    assert not within_bound(Rate("m", "s", "x", 6, 100, "≤ 0.05"))
    assert within_bound(Rate("m", "s", "x", 90, 100, "≥ 0.90"))
    assert not within_bound(Rate("m", "s", "x", 89, 100, "≥ 0.90"))
    low, high = Rate("m", "s", "x", 10, 100, "reported").interval
    assert 0.05 < low < 0.10 < high < 0.18  # Wilson interval around 0.10


def test_a_reported_rate_is_never_a_pass() -> None:
    reported = Rate("m", "s", "x", 100, 100, "reported")
    with pytest.raises(ValueError, match="reported"):
        within_bound(reported)
    assert bounded([reported]) == []
    assert failures([reported, Rate("m", "s", "y", 6, 100, "≤ 0.05")]) == ["m: s: y = 0.060 (bound ≤ 0.05)"]


def test_every_section_is_registered_once() -> None:
    found = sections()
    assert [section.key for section in found] == list(SECTION_KEYS)
