"""False-alarm rates and power of dyadwatch's detectors and estimators, measured over many seeds.

Each method's scenarios live in a module of their own, ``dyadwatch.testing.calibration_<key>``,
which defines one :class:`Section`: the scenarios (null data, where a method must stay quiet, and
planted data, where it must find what was planted), the rates they give with their bounds, and the
text ``docs/validation.md`` shows around them. ``make validate`` (``scripts/validate.py``) runs every
section with its full seed counts; ``tests/test_calibration*.py`` run the quick version and fail
when a bounded rate leaves its bound.

A rate marked ``reported`` has no bound: it describes the method (for example a power curve below
the bound's size of effect) and is never part of a pass/fail check.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A detected break counts as a hit within this many periods of the planted one.
TOLERANCE = 2

#: The sections of docs/validation.md, in order: ``dyadwatch.testing.calibration_<key>.SECTION``.
SECTION_KEYS = ("breaks", "flexibility", "provocations", "backtest", "rhetoric", "simulate", "shifts")


@dataclass(frozen=True)
class Rate:
    """One measured rate: ``hits`` of ``seeds`` runs, and what the scenario and the rate mean."""

    method: str
    scenario: str
    measure: str
    hits: int
    seeds: int
    bound: str

    @property
    def value(self) -> float:
        return self.hits / self.seeds if self.seeds else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson 95% interval of the rate (Wilson 1927), so readers see the sampling error."""
        if not self.seeds:
            return float("nan"), float("nan")
        z, n, p = 1.959964, self.seeds, self.value
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {
            "method": self.method,
            "scenario": self.scenario,
            "measure": self.measure,
            "rate": self.value,
            "ci_low": low,
            "ci_high": high,
            "hits": self.hits,
            "seeds": self.seeds,
            "bound": self.bound,
        }


def count_hits(seeds: Iterable[int], outcome: Callable[[int], bool]) -> tuple[int, int]:
    """How many of ``seeds`` give a true ``outcome``, and how many seeds there were."""
    chosen = list(seeds)
    return sum(bool(outcome(seed)) for seed in chosen), len(chosen)


@dataclass(frozen=True)
class Section:
    """One method's part of docs/validation.md: its scenarios, measured, and the text around them.

    ``measure(quick)`` runs the scenarios: ``quick=True`` with the suite's seed counts (seconds),
    ``quick=False`` with ``make validate``'s (the counts the page reports). ``reading()`` returns the
    Markdown lines shown below the table ("How to read it", results on the bundled data); it may
    compute them, and is only called by ``make validate``.
    """

    key: str
    title: str
    method: str
    measure: Callable[[bool], list[Rate]]
    reading: Callable[[], list[str]]
    #: For a reading written from the measured rates: hands it rates measured earlier (a saved run),
    #: so that ``scripts/validate.py --reread`` can write the reading again without measuring.
    remember: Callable[[list[Rate]], None] | None = None


def sections(keys: Iterable[str] = ()) -> list[Section]:
    """The sections of docs/validation.md named by ``keys`` (every one when empty), in page order."""
    wanted = set(keys) or set(SECTION_KEYS)
    unknown = wanted - set(SECTION_KEYS)
    if unknown:
        raise ValueError(f"no calibration section {sorted(unknown)}; the sections are {', '.join(SECTION_KEYS)}")
    found: list[Section] = []
    for key in (key for key in SECTION_KEYS if key in wanted):
        module = importlib.import_module(f"dyadwatch.testing.calibration_{key}")
        found.append(module.SECTION)
    return found


def within_bound(rate: Rate) -> bool:
    """Whether a measured rate satisfies its stated bound; a ``reported`` rate has none (ValueError)."""
    if rate.bound == "reported":
        raise ValueError(f"{rate.measure!r} is reported, not bounded: leave it out of pass/fail checks")
    sign, number = rate.bound.split()
    return rate.value <= float(number) if sign == "≤" else rate.value >= float(number)


def bounded(rates: Iterable[Rate]) -> list[Rate]:
    """The rates that carry a bound (the ones a check can fail on)."""
    return [rate for rate in rates if rate.bound != "reported"]


def failures(rates: Iterable[Rate]) -> list[str]:
    """One line for each bounded rate that leaves its bound (empty when every bound holds)."""
    return [
        f"{rate.method}: {rate.scenario}: {rate.measure} = {rate.value:.3f} (bound {rate.bound})"
        for rate in bounded(rates)
        if not within_bound(rate)
    ]
