"""Calibration of ``dyadwatch breaks``: false breaks on series without change, power on planted ones.

Two groups of scenarios. The first is issue 9's: series without memory (dense Gaussian, sparse
yearly and monthly counts), a one-period spike, a rate change in sparse counts, two planted shifts
in a dense series. The second is issue 25's: series *with* memory, trend and season and no change
(AR(1) Goldstein series and INAR(1) event counts with φ = 0.5 and 0.7, activity that doubles
steadily over the span, persistent on/off activity, a month-of-year cycle), each yearly (78
periods) and monthly (240), and the same memory with a planted level shift of 2 marginal s.d.
Monthly series are read as ``breaks --freq M`` reads them: with their months, so that a seasonal
adjustment can apply. Generators: :mod:`dyadwatch.testing.series`. Each planted scenario with
memory is also read, on the same seeds, by the reference tests of
:mod:`dyadwatch.testing.oracle_breaks` (the oracle knows the date and φ; the date-search reference
knows φ), so that the page can say whether issue 25's 90 % is within any test's reach.

``make validate`` runs every scenario with :data:`FULL_SEEDS` seeds (planted ones with
:data:`FULL_POWER_SEEDS`); the suite (``tests/test_calibration_breaks.py``) runs the same with
fewer seeds. Scenarios run in parallel processes, one per core.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from dyadwatch.analysis.costs import TEST_LEVEL
from dyadwatch.testing import oracle_breaks as oracle
from dyadwatch.testing.calibration import TOLERANCE, Rate, Section
from dyadwatch.testing.series import (
    ar1_series,
    inar_series,
    onoff_series,
    planted_breaks,
    seasonal_series,
    sparse_series,
    trend_series,
)

#: Seeds per scenario in ``make validate`` (null families: at least 500, as issue 25 asks) and in the suite.
FULL_SEEDS = 500
FULL_POWER_SEEDS = 300
#: The reported stress rows (trends beyond the calibrated range) need fewer, and so does the
#: "before" table of the reading (issue 9's detector on the families with memory).
STRESS_SEEDS = 200
BEFORE_SEEDS = 100
QUICK_SEEDS = 200
QUICK_DEPENDENT_SEEDS = 100
QUICK_POWER_SEEDS = 60
#: Planted shifts in series with memory count as found within this many periods ("detected"); the
#: dating measure uses :data:`TOLERANCE` (±2), as issue 9's scenarios do.
WIDE_TOLERANCE = 5
#: Activity growth over the span in the trend families: bounded (doubling) and reported (four-fold).
TREND_RATIO = 2.0
STRESS_RATIO = 4.0
#: Mean events per period of the INAR(1) families: yearly like the chronology (45 % of years
#: active), monthly like a thin monthly series (11 % of months active).
INAR_MEAN = {"Y": 0.6, "M": 0.12}
#: The planted shift, in marginal s.d. of the series without change.
SHIFT_SD = 2.0
#: Issue 25 asks for 90 % power on these shifts. That bound is kept where the detector meets it
#: (measured in make validate). Keys: (frequency, scenario, φ).
POWER_REQUIRED = 0.90
POWER_BOUNDS: dict[tuple[str, str, float], float] = {
    ("M", "shift", 0.5): POWER_REQUIRED, ("M", "shift", 0.7): POWER_REQUIRED, ("M", "regime", 0.5): POWER_REQUIRED,
}  # fmt: skip
#: Elsewhere the detection power is bounded below by this share of the oracle's power on the same
#: seeds (the oracle knows the date and φ: see :mod:`dyadwatch.testing.oracle_breaks`). The shares
#: are set a little under what ``make validate`` measured, so that they guard against a weaker
#: detector; they are not issue 25's 90 %, which docs/validation.md says is not met there.
RELATIVE_POWER: dict[tuple[str, str, float], float] = {
    ("Y", "shift", 0.5): 0.82, ("Y", "shift", 0.7): 0.55, ("Y", "regime", 0.5): 0.22, ("Y", "counts", 0.5): 0.40,
    ("Y", "counts", 0.7): 0.40, ("M", "counts", 0.5): 0.80, ("M", "counts", 0.7): 0.60,
}  # fmt: skip
#: Marks a detection measure whose bound is resolved from the oracle (:func:`_detection_bound`).
RELATIVE = "relative"
#: The detector's minimum segment (its default), also the reference tests' edge.
MIN_SIZE = 3
#: Null series behind the reference tests' critical values (make validate; the suite).
FULL_BANK = 2000
QUICK_BANK = 1000
ORACLE_MEASURE = {
    "ar1": "oracle: step at the known date(s), φ known (GLS t-test, 5 %)",
    "inar": "oracle: step at the known date, φ known (mean difference, null-simulated 5 %)",
}
SEARCH_MEASURE = {
    "ar1": "reference: step at an unknown date, φ known (GLS sup-test, null-simulated 5 %)",
    "inar": "reference: step at an unknown date, φ known (mean difference sup-test, null-simulated 5 %)",
}
REGIME_SEARCH_MEASURE = "reference: a regime at unknown edges, φ known (GLS sup-test over regimes, null-simulated 5 %)"
#: A "tolerance" meaning: the series got any break at all (detection).
ANY = -1

Values = np.ndarray[Any, np.dtype[np.float64]]
Made = tuple[Values, Values | None]


# -- the series of each scenario (module-level functions, so that worker processes can run them) ---
def _months(n_periods: int) -> Values:
    return np.asarray(np.arange(n_periods) % 12 + 1, dtype=float)


def _frame_values(frame: Any, metric: str, freq: str) -> Made:
    values = frame[metric].to_numpy(dtype=float)
    return values, (_months(len(values)) if freq == "M" else None)


def _length(freq: str) -> int:
    return 78 if freq == "Y" else 240


def _start(freq: str) -> str:
    return "1948-01-01" if freq == "Y" else "2000-01-01"


def _gaussian(seed: int) -> Made:
    return _frame_values(planted_breaks(120, (), (0.0,), seed=seed).frame, "goldstein_mean", "M")


def _sparse_yearly(metric: str, seed: int) -> Made:
    share = float(np.random.default_rng(10_000 + seed).uniform(0.3, 0.5))
    return _frame_values(sparse_series(78, active_share=share, seed=seed).frame, metric, "Y")


def _sparse_monthly(metric: str, seed: int) -> Made:
    frame = sparse_series(240, active_share=0.1, seed=seed, freq="M", start="2000-01-01").frame
    return _frame_values(frame, metric, "M")


def _spike(seed: int) -> Made:
    values = planted_breaks(78, (), (0.0,), seed=seed).frame["goldstein_mean"].to_numpy(copy=True)
    values[39] += 30.0
    return values, None


def _ar1(freq: str, phi: float, seed: int) -> Made:
    frame = ar1_series(_length(freq), phi, seed=seed, freq=freq, start=_start(freq)).frame
    return _frame_values(frame, "goldstein_mean", freq)


def _ar1_seasonal(seed: int) -> Made:
    return _frame_values(ar1_series(240, 0.5, season=1.0, seed=seed).frame, "goldstein_mean", "M")


def _inar(freq: str, phi: float, metric: str, seed: int) -> Made:
    frame = inar_series(_length(freq), phi, mean=INAR_MEAN[freq], seed=seed, freq=freq, start=_start(freq)).frame
    return _frame_values(frame, metric, freq)


def _trend(freq: str, kind: str, ratio: float, metric: str, seed: int) -> Made:
    low = 0.5 if freq == "Y" else 0.1
    frame = trend_series(
        _length(freq), low=low, high=low * ratio, kind=kind, seed=seed, freq=freq, start=_start(freq)
    ).frame
    return _frame_values(frame, metric, freq)


def _onoff(freq: str, seed: int) -> Made:
    return _frame_values(onoff_series(_length(freq), seed=seed, freq=freq, start=_start(freq)).frame, "events", freq)


def _seasonal(seed: int) -> Made:
    return _frame_values(seasonal_series(240, seed=seed).frame, "events", "M")


def _shift_at(freq: str, seed: int) -> int:
    n = _length(freq)
    return int(np.random.default_rng(30_000 + seed).integers(n // 4, 3 * n // 4 + 1))


def _ar1_shift(freq: str, phi: float, seed: int) -> tuple[Values, Values | None, list[int]]:
    where = _shift_at(freq, seed)
    planted = ar1_series(
        _length(freq), phi, shift=SHIFT_SD, break_index=where, seed=seed, freq=freq, start=_start(freq)
    )
    values, seasons = _frame_values(planted.frame, "goldstein_mean", freq)
    return values, seasons, planted.break_indices


def _ar1_regime(freq: str, phi: float, seed: int) -> tuple[Values, Values | None, list[int]]:
    n = _length(freq)
    planted = ar1_series(
        n, phi, shift=SHIFT_SD, break_index=n // 3, until=2 * n // 3, seed=seed, freq=freq, start=_start(freq)
    )
    values, seasons = _frame_values(planted.frame, "goldstein_mean", freq)
    return values, seasons, planted.break_indices


def _inar_shift(freq: str, phi: float, seed: int) -> tuple[Values, Values | None, list[int]]:
    where = _shift_at(freq, seed)
    planted = inar_series(
        _length(freq), phi, mean=INAR_MEAN[freq], shift=SHIFT_SD, break_index=where, seed=seed, freq=freq,
        start=_start(freq),
    )  # fmt: skip
    values, seasons = _frame_values(planted.frame, "events", freq)
    return values, seasons, planted.break_indices


def _rate_change(metric: str, seed: int) -> tuple[Values, Values | None, list[int]]:
    where = int(np.random.default_rng(20_000 + seed).integers(20, 58))
    frame = sparse_series(78, rates=(0.3, 7.0), break_indices=(where,), seed=seed).frame
    return frame[metric].to_numpy(dtype=float), None, [where]


def _two_shifts(seed: int) -> tuple[Values, Values | None, list[int]]:
    planted = planted_breaks(120, (40, 80), (0.0, 2.0, -1.0), seed=seed)
    values, seasons = _frame_values(planted.frame, "goldstein_mean", "M")
    return values, seasons, planted.break_indices


# -- scenarios -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Null:
    """A series without change: the rate of series with any break, against ``bound``."""

    scenario: str
    make: Callable[[int], Made]
    bound: str = "≤ 0.05"
    dependent: bool = True
    stress: bool = False


@dataclass(frozen=True)
class Planted:
    """Series with planted breaks; ``measures`` are (label, tolerance or None for extra breaks, bound)."""

    scenario: str
    make: Callable[[int], tuple[Values, Values | None, list[int]]]
    measures: tuple[tuple[str, int | None, str], ...]
    dependent: bool = True
    #: (process "ar1" or "inar", frequency, φ): the generating process the reference tests know.
    reference: tuple[str, str, float] | None = None
    #: The key of the detection measure's bound in :data:`POWER_BOUNDS` / :data:`RELATIVE_POWER`.
    power_key: tuple[str, str, float] | None = None


FREQ_WORDS = {"Y": "yearly, 78 periods", "M": "monthly, 240 periods"}


def null_scenarios() -> list[Null]:
    """Every no-change scenario, issue 9's first."""
    scenarios = [
        Null("dense Gaussian monthly, 120 periods, no change (goldstein_mean)", _gaussian, dependent=False),
        Null("sparse yearly, 78 periods, 30–50% active, 1–3 events, no change (events)",
             partial(_sparse_yearly, "events"), dependent=False),
        Null("sparse monthly, 240 periods, 10% active, no change (events)", partial(_sparse_monthly, "events"),
             dependent=False),
        Null("sparse yearly, 78 periods, 30–50% active, 1–3 events, no change (goldstein_sum)",
             partial(_sparse_yearly, "goldstein_sum"), dependent=False),
        Null("sparse monthly, 240 periods, 10% active, no change (goldstein_sum)",
             partial(_sparse_monthly, "goldstein_sum"), dependent=False),
        Null("dense Gaussian, 78 periods, one 30σ spike and no change (goldstein_mean)", _spike, dependent=False),
    ]  # fmt: skip
    for freq in ("Y", "M"):
        words = FREQ_WORDS[freq]
        for phi in (0.5, 0.7):
            scenarios.append(Null(f"AR(1) φ = {phi}, dense, {words}, no change (goldstein_mean)",
                                  partial(_ar1, freq, phi)))  # fmt: skip
        for phi in (0.5, 0.7):
            scenarios.append(Null(f"INAR(1) φ = {phi}, sparse counts ({INAR_MEAN[freq]} a period), {words}, "
                                  "no change (events)", partial(_inar, freq, phi, "events")))  # fmt: skip
        scenarios.append(Null(f"INAR(1) φ = 0.7, sparse counts, {words}, no change (goldstein_sum)",
                              partial(_inar, freq, 0.7, "goldstein_sum")))  # fmt: skip
        for kind in ("linear", "exponential"):
            scenarios.append(Null(f"activity doubling over the span ({kind} trend), {words}, no change (events)",
                                  partial(_trend, freq, kind, TREND_RATIO, "events")))  # fmt: skip
        scenarios.append(Null(f"activity doubling (exponential trend), {words}, no change (goldstein_sum)",
                              partial(_trend, freq, "exponential", TREND_RATIO, "goldstein_sum")))  # fmt: skip
        scenarios.append(Null(f"persistent on/off activity (stay probability 0.8), {words}, no change (events)",
                              partial(_onoff, freq)))  # fmt: skip
    scenarios.append(Null("month-of-year cycle in activity (×19 from trough to peak), monthly, 240 periods, "
                          "no change (events)", _seasonal))  # fmt: skip
    scenarios.append(Null("AR(1) φ = 0.5 with a month-of-year cycle of ±1 s.d., monthly, 240 periods, no change "
                          "(goldstein_mean)", _ar1_seasonal))  # fmt: skip
    for freq in ("Y", "M"):
        for kind in ("linear", "exponential"):
            scenarios.append(Null(f"activity four-fold over the span ({kind} trend), {FREQ_WORDS[freq]}, no change "
                                  "(events): beyond the calibrated range", partial(_trend, freq, kind, STRESS_RATIO,
                                                                                   "events"), bound="reported",
                                  stress=True))  # fmt: skip
    return scenarios


def planted_scenarios() -> list[Planted]:
    """Every scenario with planted breaks, issue 9's first."""
    near = f"break found within ±{TOLERANCE} periods"
    scenarios = [
        Planted("sparse yearly, 0.3 → 7 events a year at a random year (events)", partial(_rate_change, "events"),
                ((near, TOLERANCE, "≥ 0.90"),), dependent=False),
        Planted("sparse yearly, 0.3 → 7 events a year at a random year (goldstein_sum)",
                partial(_rate_change, "goldstein_sum"), ((near, TOLERANCE, "reported"),), dependent=False),
        Planted("dense Gaussian monthly, shifts 0 → 2 → −1 σ at 40 and 80 of 120", _two_shifts,
                ((f"planted breaks found within ±{TOLERANCE}", TOLERANCE, "≥ 0.90"),
                 ("extra breaks per series (hits = extra breaks in all series)", None, "≤ 0.25")), dependent=False),
    ]  # fmt: skip
    detected = "series with a break (detection)"
    wide = f"shift found within ±{WIDE_TOLERANCE} periods"
    edges = f"regime edges found within ±{WIDE_TOLERANCE}"
    for freq in ("Y", "M"):
        words = FREQ_WORDS[freq]
        for phi in (0.5, 0.7):
            bound = RELATIVE
            scenarios.append(
                Planted(
                    f"AR(1) φ = {phi}, dense, {words}: one shift of 2 s.d. at a random period of the middle half",
                    partial(_ar1_shift, freq, phi),
                    ((detected, ANY, bound), (wide, WIDE_TOLERANCE, "reported")),
                    reference=("ar1", freq, phi),
                    power_key=(freq, "shift", phi),
                )
            )
            if phi == 0.5:
                scenarios.append(
                    Planted(
                        f"AR(1) φ = {phi}, dense, {words}: a regime 2 s.d. up over the middle third",
                        partial(_ar1_regime, freq, phi),
                        (
                            (detected, ANY, RELATIVE),
                            (edges, WIDE_TOLERANCE, "reported"),
                        ),
                        reference=("ar1", freq, phi),
                        power_key=(freq, "regime", phi),
                    )
                )
            scenarios.append(
                Planted(
                    f"INAR(1) φ = {phi}, sparse counts, {words}: events up by 2 s.d. at a random period of the "
                    "middle half",
                    partial(_inar_shift, freq, phi),
                    (
                        (detected, ANY, RELATIVE),
                        (wide, WIDE_TOLERANCE, "reported"),
                    ),
                    reference=("inar", freq, phi),
                    power_key=(freq, "counts", phi),
                )
            )
    return scenarios  # fmt: skip


# -- measuring -------------------------------------------------------------------------------------
def _found(values: Values, seasons: Values | None) -> list[int]:
    from dyadwatch.analysis.breaks import detect_breaks

    return detect_breaks(values, seasons=seasons)


def _count_null(make: Callable[[int], Made], seeds: Sequence[int]) -> int:
    return sum(bool(_found(*make(seed))) for seed in seeds)


def _null_values(process: str, freq: str, phi: float, seed: int) -> Values:
    """One series of a scenario's process without change: goldstein_mean (AR(1)) or events (INAR(1))."""
    n = _length(freq)
    if process == "ar1":
        return ar1_series(n, phi, seed=seed).frame["goldstein_mean"].to_numpy(dtype=float)
    return inar_series(n, phi, mean=INAR_MEAN[freq], seed=seed).frame["events"].to_numpy(dtype=float)


def _reference_bank(process: str, freq: str, phi: float, size: int) -> oracle.NullBank:
    """The reference tests' null bank: GLS with the true φ on AR(1) series, the plain step (φ = 0) on counts."""
    bank = np.array([_null_values(process, freq, phi, oracle.NULL_SEED + k) for k in range(size)])
    return oracle.null_bank(bank, phi if process == "ar1" else 0.0, MIN_SIZE)


def _count_planted(
    make: Callable[[int], tuple[Values, Values | None, list[int]]], tolerances: tuple[int | None, ...],
    seeds: Sequence[int], reference: tuple[str, str, float] | None = None, bank: int = 0,
) -> tuple[list[int], int, tuple[int, int, bool] | None]:  # fmt: skip
    """Per measure: planted breaks found within its tolerance (None: breaks far from every planted one).

    With a ``reference`` (process, frequency, φ) also the seeds where the oracle and the date-search
    reference (over dates for one shift, over pairs of edges for a regime) reject no change, from a null
    bank of ``bank`` series, and whether the planted change was one shift.
    """
    hits = [0] * len(tolerances)
    planted_total = 0
    known = search = 0
    null = _reference_bank(*reference, bank) if reference is not None else None
    single = True
    for seed in seeds:
        values, seasons, planted = make(seed)
        found = _found(values, seasons)
        planted_total += len(planted)
        for k, tolerance in enumerate(tolerances):
            if tolerance is None:
                hits[k] += sum(not any(abs(f - t) <= TOLERANCE for t in planted) for f in found)
            elif tolerance == ANY:
                hits[k] += bool(found)
            else:
                hits[k] += sum(any(abs(f - t) <= tolerance for f in found) for t in planted)
        if reference is not None and null is not None:
            single = len(planted) == 1
            if reference[0] == "ar1":
                known += oracle.gaussian_rejects(values, planted, reference[2])
            else:
                known += oracle.known_date_rejects(values, planted, null)
            search += oracle.search_rejects(values, null) if single else oracle.regime_search_rejects(values, null)
    references = None if reference is None else (known, search, single)
    return hits, planted_total, references


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def break_rates(
    seeds: int = QUICK_SEEDS,
    *,
    dependent_seeds: int = QUICK_DEPENDENT_SEEDS,
    power_seeds: int = QUICK_POWER_SEEDS,
    first_seed: int = 0,
    workers: int | None = None,
    bank: int = QUICK_BANK,
    allowance: bool = True,
) -> list[Rate]:
    """False-alarm rates (any break in a series without change) and power of :func:`detect_breaks`.

    Issue 9's scenarios use ``seeds`` seeds, the no-change families with memory ``dependent_seeds``,
    the planted shifts on memory ``power_seeds``.
    """
    nulls = null_scenarios()
    planted = planted_scenarios()

    def span(scenario: Null | Planted) -> range:
        count = seeds if not scenario.dependent else dependent_seeds if isinstance(scenario, Null) else power_seeds
        if isinstance(scenario, Null) and scenario.stress:
            count = min(count, STRESS_SEEDS)
        return range(first_seed, first_seed + count)

    jobs: list[Any] = [(_count_null, (s.make, span(s))) for s in nulls]
    jobs += [
        (_count_planted, (s.make, tuple(t for _, t, _ in s.measures), span(s), s.reference, bank)) for s in planted
    ]
    pool = workers if workers is not None else _workers()
    if pool > 1:
        with ProcessPoolExecutor(pool) as executor:
            futures = [executor.submit(function, *arguments) for function, arguments in jobs]
            results = [future.result() for future in futures]
    else:
        results = [function(*arguments) for function, arguments in jobs]
    rates = [
        Rate("breaks", s.scenario, "series with any break", int(hits), len(span(s)), s.bound)
        for s, hits in zip(nulls, results[: len(nulls)], strict=True)
    ]
    for s, (hits, total, references) in zip(planted, results[len(nulls) :], strict=True):
        runs = len(span(s))
        oracle_rate = references[0] / runs if references is not None else None
        for (measure, tolerance, bound), count in zip(s.measures, hits, strict=True):
            per_series = tolerance is None or tolerance == ANY
            if bound == RELATIVE:
                measure, bound = _detection_bound(s.power_key, oracle_rate, runs, allowance)
            rates.append(Rate("breaks", s.scenario, measure, count, runs if per_series else total, bound))
        if references is not None and s.reference is not None:
            known, search, single = references
            process = s.reference[0]
            rates.append(Rate("breaks", s.scenario, ORACLE_MEASURE[process], known, runs, "reported"))
            label = SEARCH_MEASURE[process] if single else REGIME_SEARCH_MEASURE
            rates.append(Rate("breaks", s.scenario, label, search, runs, "reported"))
    return rates


def _detection_bound(
    key: tuple[str, str, float] | None, oracle_rate: float | None, seeds: int, allowance: bool
) -> tuple[str, str]:
    """The detection measure's label and bound: issue 25's 0.90 where it holds, else a share of the oracle's power.

    ``allowance`` (the suite's few seeds) lowers a bound by 1.645 s.d. of a rate at the bound over
    ``seeds`` seeds, so that a detector exactly at its bound passes the quick check in 95 % of seed sets.
    """
    label = "series with a break (detection)"
    if key is None or oracle_rate is None:
        return label, "reported"
    if key in POWER_BOUNDS:
        level = POWER_BOUNDS[key]
    elif key in RELATIVE_POWER:
        level = RELATIVE_POWER[key] * oracle_rate
        label += f"; bound {RELATIVE_POWER[key]:.2f} × the oracle's power"
    else:
        return label, "reported"
    if allowance:
        level -= 1.645 * math.sqrt(level * (1.0 - level) / seeds)
    return label, f"≥ {level:.3f}" if allowance else f"≥ {level:.2f}"


#: The rates of the last :func:`_measure` in this process: the reading's power paragraph is written from them.
_MEASURED: list[Rate] = []


def remember(rates: list[Rate]) -> None:
    """The rates the reading's power paragraph is written from: those of the last :func:`_measure`
    in this process, or a saved run's (``scripts/validate.py --reread breaks``)."""
    _MEASURED[:] = rates


def _measure(quick: bool) -> list[Rate]:
    if quick:
        rates = break_rates()
    else:
        rates = break_rates(
            FULL_SEEDS, dependent_seeds=FULL_SEEDS, power_seeds=FULL_POWER_SEEDS, bank=FULL_BANK, allowance=False
        )
    _MEASURED[:] = rates
    return rates


# -- the bundled chronology ------------------------------------------------------------------------
#: The partners of the bundled-chronology table and the dated turning points beside which its
#: breaks are read (year, what happened). Only well-documented events.
BUNDLED_PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN")
LANDMARKS: dict[str, tuple[tuple[int, str], ...]] = {
    "CHN": ((1961, "treaty of friendship"), (1992, "China–ROK normalisation"), (2018, "Kim's first visits to Beijing"),
            (2019, "Xi in Pyongyang")),
    "RUS": ((1961, "Soviet treaty of friendship"), (1990, "USSR–ROK relations"), (2000, "Putin in Pyongyang"),
            (2019, "Putin–Kim summit, Vladivostok"), (2023, "Putin–Kim summit, Vostochny"),
            (2024, "Putin in Pyongyang, partnership treaty")),
    "USA": ((1994, "Agreed Framework"), (2000, "Albright in Pyongyang"), (2018, "Singapore summit"),
            (2019, "Hanoi summit")),
    "KOR": ((1972, "joint communiqué"), (2000, "first inter-Korean summit"), (2007, "second inter-Korean summit"),
            (2018, "three inter-Korean summits")),
    "JPN": ((2002, "Koizumi in Pyongyang"), (2004, "Koizumi's second visit")),
}  # fmt: skip
METRIC_ORDER = ("events", "goldstein_sum", "goldstein_mean")


def bundled_findings() -> dict[str, dict[str, Any]]:
    """What ``breaks PRK <partner> --freq Y`` finds on the bundled chronology, per partner and metric."""
    import tempfile
    from pathlib import Path

    import dyadwatch as dw
    from dyadwatch.analysis.breaks import dyad_breaks
    from dyadwatch.ingest.bundled import load_bundled

    found: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        store = dw.open(str(Path(folder) / "chronology.duckdb"))
        load_bundled(store)
        for partner in BUNDLED_PARTNERS:
            found[partner] = {
                metric: dyad_breaks(store, "PRK", partner, freq="Y", metric=metric).to_dict() for metric in METRIC_ORDER
            }
        store.close()
    return found


def _years(result: dict[str, Any]) -> list[int]:
    return [int(item["date"][:4]) for item in result["breaks"]]


def _cell(result: dict[str, Any]) -> str:
    if result["status"] != "ok":
        return f"— ({result['status']})"
    years = _years(result)
    if years:
        return ", ".join(str(year) for year in years)
    candidate = result.get("candidate") or {}
    if not candidate:
        return "none"
    return f"none (strongest {candidate['date'][:4]}: gain {candidate['gain']:.1f} < β {result['penalty']:.1f})"


def _comparison(partner: str, results: dict[str, dict[str, Any]]) -> str:
    """One generated sentence: which dated turning points a break (or the strongest candidate) falls near."""
    found: dict[int, list[str]] = {}
    near_candidates: dict[int, list[str]] = {}
    for metric, result in results.items():
        for year in _years(result):
            found.setdefault(year, []).append(metric)
        if not result["breaks"] and result.get("candidate"):
            near_candidates.setdefault(int(result["candidate"]["date"][:4]), []).append(metric)

    def near(years: dict[int, list[str]]) -> list[str]:
        return [
            f"{year} ({what})" for year, what in LANDMARKS[partner] if any(abs(year - y) <= TOLERANCE for y in years)
        ]

    parts = []
    if found:
        listed = ", ".join(f"{year} ({', '.join(metrics)})" for year, metrics in sorted(found.items()))
        hits = near(found)
        parts.append(f"breaks in {listed}: " + (f"within ±{TOLERANCE} years of {'; '.join(hits)}" if hits
                                                 else "none within ±2 years of a dated turning point"))  # fmt: skip
    else:
        parts.append("no break with any metric")
    close = near(near_candidates)
    if close:
        parts.append(f"the strongest candidates below the penalty lie near {'; '.join(close)}")
    missed = [str(year) for year, _ in LANDMARKS[partner] if not any(abs(year - y) <= TOLERANCE for y in found)]
    if missed:
        parts.append(f"turning points without a break: {', '.join(missed)}")
    return f"- **{partner}**: " + "; ".join(parts) + "."


def _bundled_lines() -> list[str]:
    findings = bundled_findings()
    lines = [
        "| partner | periods | " + " | ".join(METRIC_ORDER) + " | dated turning points |",
        "|---|---|" + "---|" * len(METRIC_ORDER) + "---|",
    ]
    for partner, results in findings.items():
        marks = "; ".join(f"{year} {what}" for year, what in LANDMARKS[partner])
        cells = " | ".join(_cell(results[metric]) for metric in METRIC_ORDER)
        lines.append(f"| {partner} | {results['events']['n_periods']} | {cells} | {marks} |")
    lines += ["", *[_comparison(partner, results) for partner, results in findings.items()], ""]
    example = findings["USA"]["goldstein_sum"]
    lines += [
        "What `dyadwatch breaks PRK USA --freq Y --metric goldstein_sum` prints above its table:",
        "",
        f"> {example['summary']}",
    ]
    return lines


def _old_detector(values: Values, seasons: Values | None) -> list[int]:
    """Issue 9's detector: the penalty max(MBIC, permutation floor) calibrated on independent noise."""
    from dyadwatch.analysis.costs import mbic_penalty, normal_scores, pelt_mean, permutation_penalty

    if np.ptp(values) == 0:
        return []
    scores = normal_scores(values)
    return pelt_mean(scores, min_size=3, penalty=max(mbic_penalty(len(scores)), permutation_penalty(scores)))


def _count_old(make: Callable[[int], Made], seeds: Sequence[int]) -> int:
    return sum(bool(_old_detector(*make(seed))) for seed in seeds)


def _before_lines(seeds: int = BEFORE_SEEDS) -> list[str]:
    """The same no-change families with memory, read by issue 9's detector (generated at validate time)."""
    chosen = [s for s in null_scenarios() if s.dependent]
    span = range(seeds)
    with ProcessPoolExecutor(_workers()) as executor:
        counts = list(executor.map(_count_old, [s.make for s in chosen], [span] * len(chosen)))
    lines = ["| scenario (no change) | issue 9's detector: series with any break |", "|---|---|"]
    for scenario, count in zip(chosen, counts, strict=True):
        low, high = Rate("breaks", "", "", count, seeds, "reported").interval
        lines.append(f"| {scenario.scenario} | {count / seeds:.3f} ({low:.3f}–{high:.3f}) |")
    return lines


def _rate_text(rate: Rate) -> str:
    low, high = rate.interval
    return f"{rate.value:.2f} ({low:.2f}–{high:.2f})"


def power_lines(rates: Sequence[Rate]) -> list[str]:
    """One generated line per planted scenario with memory: the detector beside the reference tests.

    Issue 25's requirement (90 % power) is said to hold, to be out of reach (the oracle, which knows
    the date and φ, stays below 90 %: on Gaussian AR(1) series it is the most powerful unbiased test,
    on counts a linear reference), or to be missed by the detector (the oracle reaches it).
    """
    lines = []
    for scenario in planted_scenarios():
        if scenario.reference is None:
            continue
        mine = [rate for rate in rates if rate.scenario == scenario.scenario]
        detector = next((r for r in mine if r.measure.startswith("series with a break")), None)
        known = next((r for r in mine if r.measure.startswith("oracle")), None)
        search = next((r for r in mine if r.measure.startswith("reference")), None)
        if detector is None or known is None:
            continue
        parts = [f"detector {_rate_text(detector)}, oracle {_rate_text(known)}"]
        if search is not None:
            parts.append(f"date unknown, φ known {_rate_text(search)}")
        if detector.value >= POWER_REQUIRED:
            verdict = f"issue 25's {POWER_REQUIRED:.0%} holds"
        elif known.value < POWER_REQUIRED and scenario.reference[0] == "ar1":
            verdict = (
                f"no unbiased test reaches {POWER_REQUIRED:.0%} at this length and memory, even knowing the date "
                f"and φ: the oracle (the most powerful of them) finds {known.value:.0%}"
            )
        elif known.value < POWER_REQUIRED:
            verdict = (
                f"even knowing the date and φ the oracle finds {known.value:.0%}: {POWER_REQUIRED:.0%} is out of "
                "reach for the linear reference, and the detector is not held to it here"
            )
        else:
            verdict = f"the oracle reaches {POWER_REQUIRED:.0%}, the detector (φ and date unknown) does not"
            if search is not None and search.value < POWER_REQUIRED:
                verdict += f"; without the date even a test that knows φ stays below {POWER_REQUIRED:.0%}"
        lines.append(f"  - {scenario.scenario}: {'; '.join(parts)}. {verdict[0].upper()}{verdict[1:]}.")
    return lines


def _reading() -> list[str]:
    return [
        "How to read it:",
        "- **Memory.** Issue 9's scenarios are independent from period to period; real dyad series are not,",
        "  and a penalty calibrated on independent noise finds breaks in many series with memory and no",
        "  change. The detector now models memory: on dense series a test for any change in AR(1) noise (φ",
        "  estimated under each hypothesis), on sparse ones a penalty floor from surrogates that keep the",
        "  series' values and memory; a seasonal adjustment on monthly series, and a choice between a steady",
        "  trend and regimes",
        f"  (`docs/methods.md` §2). Issue 9's detector on the same families without change, {BEFORE_SEEDS} seeds each:",
        "",
        *_before_lines(),
        "",
        "- **A shift of 2 s.d.** is 2 × the *marginal* s.d. of the series without change (what a reader",
        "  sees: for AR(1) series the s.d. of the stationary process, not of its innovations; for INAR(1)",
        "  counts √mean, added as independent Poisson events). Issue 25 asks for 90 % power on these shifts.",
        "  Whether any method can have it depends on the length and the memory, so each planted scenario is",
        "  also read by two reference tests on the same seeds (`dyadwatch.testing.oracle_breaks`,",
        "  `docs/methods.md` §2): the **oracle** knows the date (the regime's edges) and φ and tests that",
        "  step at 5 %; the **date-search reference** knows φ but not the date (for a regime, neither edge:",
        "  the largest |t| over every pair of edges). The detector knows neither φ nor the date(s)",
        "  and also decides how many breaks there are. Where the detector is short of 90 %, its row is",
        "  bounded by a share of the oracle's power on the same seeds (stated in the row), a little under",
        "  what was measured, so that a weaker detector fails; that is a guard, not issue 25's 90 %:",
        "",
        *power_lines(_MEASURED),
        "",
        "  Dating is looser than on independent series: memory smears where a shift begins.",
        "- **Trends.** A steady rise in activity is not a regime change: a doubling over the span is",
        "  calibrated. A four-fold rise over 78 years is reported, not bounded: at that size a steady",
        "  trend and a single mid-series shift fit a yearly series about equally well, and a trend",
        "  penalty low enough to absorb it would also lose issue 9's rate change (0.3 → 7 events a year).",
        "- **Sparse series.** Issue 9: the old noise scale collapsed when most periods are empty; ranks and",
        "  the permutation (now surrogate) floor keep runs of active periods among empty ones from",
        '  becoming regimes. A single period 30 s.d. out is only "the largest rank".',
        "- **What the detector does not see well.** A change in *rate* shows in `events`, much less in",
        '  `goldstein_sum` when events of both signs are mixed. Use `--metric events` to ask "did the',
        '  relationship get busier?".',
        "",
        "### On the bundled chronology (yearly, PRK → partner)",
        "",
        "What `breaks PRK <partner> --freq Y --metric <metric>` finds, with the calibrated penalty. When",
        "nothing is found, the strongest single candidate and its gain are shown (a lone break needs a gain",
        "above β); the dated turning points are for comparison, not an answer key:",
        "",
        *_bundled_lines(),
    ]


SECTION = Section(
    key="breaks",
    title="Regime changes (`dyadwatch breaks`)",
    method="Method (see `docs/methods.md` §2): the normal scores of the series' ranks. Dense series: a\n"
    "likelihood-ratio test of one shift or one interior regime against none in AR(1) noise (φ estimated under\n"
    f"each hypothesis; critical value at {TEST_LEVEL * 100:g} % from a bootstrap at the median-unbiased φ), then Bai & "
    "Perron's\n"
    "sequential test within the regimes. Sparse series: PELT, penalty the larger of MBIC and a surrogate floor\n"
    "(the 99th percentile of the best gain of one break or one burst over 499 series with the observed values\n"
    "and the fitted memory). Monthly scores adjusted for a month-of-year pattern when one is found; a steady\n"
    "trend is preferred to regimes when it fits better after penalties. Minimum segment 3 periods.",
    measure=_measure,
    reading=_reading,
    remember=remember,
)
