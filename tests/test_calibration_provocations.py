"""Quick calibration of ``provocations``: 30 seeds a scenario, sizes and powers with a sampling allowance.

``make validate`` runs 500 seeds a scenario and holds the sizes to 5 % and the powers to 80 % exactly;
here a test of exact size 5 % (or power 80 %) passes in 95 % of seed sets (1.645 standard errors).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from dyadwatch.analysis.provocations import SCHEME_TRUST, scheme_trust
from dyadwatch.testing.calibration import bounded, failures
from dyadwatch.testing.calibration_provocations import (
    QUICK_SEEDS,
    SCHEMES,
    SECTION,
    TRUST_CASES,
    power_bound,
    size_bound,
)

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


def _page_rates() -> dict[tuple[str, str], tuple[float, int]]:
    """(scenario, measure) → (rate, seeds) of the provocations section of docs/validation.md."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "validation.md").read_text(encoding="utf-8")
    section = page.split("## Provocations", 1)[1].split("\n## ", 1)[0]
    found = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0].isdigit():
            found[(cells[1], cells[2])] = (float(cells[3]), int(cells[5]))
    return found


def test_the_shipped_trust_numbers_are_the_pages() -> None:
    """The event-study trust sentence's numbers (shipped with the package) are docs/validation.md's."""
    shipped = json.loads(files("dyadwatch").joinpath("data/calibration/event_study.json").read_text(encoding="utf-8"))
    page = _page_rates()
    assert set(shipped["schemes"]) == set(SCHEMES)
    for key, cases in shipped["schemes"].items():
        for scenario, case in TRUST_CASES.items():
            hits, seeds = cases[case]
            rate, page_seeds = page[(scenario, f"event study, exercise after: {SCHEMES[key]} p < 0.05")]
            assert (seeds, round(hits / seeds, 3)) == (page_seeds, rate), (key, case)
    assert scheme_trust(shipped) == SCHEME_TRUST


def test_the_trust_sentence_follows_the_measured_rates() -> None:
    """Generated, not fixed: other measured rates give another sentence."""
    measured = {"p_value": [25, 500], "p_value_local": [31, 500], "p_value_adjusted": [28, 500]}
    drift = {"p_value": [202, 500], "p_value_local": [276, 500], "p_value_adjusted": [4, 500]}
    record = {"schemes": {key: {"constant": measured[key], "drift": drift[key]} for key in measured}}
    sentence = scheme_trust(record)
    assert "only p_value_adjusted does" in sentence and "40.4% and 55.2%" in sentence
    record["schemes"]["p_value"]["drift"] = [20, 500]
    assert "only whole-span shifts and p_value_adjusted does" in scheme_trust(record)
    record["schemes"]["p_value_local"]["constant"] = [60, 500]
    changed = scheme_trust(record)
    assert "only whole-span shifts and p_value_adjusted hold their level" in changed and "12.0%" in changed
    for key in measured:
        record["schemes"][key]["drift"] = [100, 500]
    assert "none does" in scheme_trust(record)
