"""Calibration of ``dyadwatch flex``: the two orderings, the lagged-response test and the intervals.

Scenarios (issue 9, issue 25):

* mirrored reporting (70 % of each period's news from both sides, no lagged response) must not read
  as a focus-first share, and a real lagged response must;
* the bootstrap Wald test of "no lagged response" must hold its size at zero response (plain,
  mirrored and sparse zero-inflated series) and have power at a 0.3 coefficient;
* the bias-corrected 90 % interval of the focus-first share is measured for coverage at true shares
  0, 0.05, 0.1 and 0.3, from VAR(1) systems whose share is known analytically
  (:func:`dyadwatch.testing.series.var_with_focus_first_share`);
* how often the focus-first share exceeds the partner-first one in random stable systems (why the
  old names "lower/upper bound" were wrong).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from dyadwatch.testing.calibration import Rate, Section, count_hits
from dyadwatch.testing.series import (
    PlantedDyad,
    planted_reciprocity,
    planted_var,
    sparse_series,
    var_with_focus_first_share,
)

#: Nominal level of the lagged-response test, and its one-sided allowance for sampling error over the
#: seeds (1.645 binomial s.d., so a test of exact size 5 % passes 95 % of seed sets).
TEST_LEVEL = 0.05
#: The true focus-first shares at which coverage is measured (issue 25).
COVERAGE_SHARES = (0.0, 0.05, 0.1, 0.3)
#: Coverage bound: nominal 0.90; measured 0.8–0.9 at 120 periods (percentile intervals of a skewed
#: share under-cover), so the suite guards against worse than this, and the page shows each rate.
COVERAGE_BOUND = 0.75


def size_bound(seeds: int, level: float = TEST_LEVEL, *, allowance: bool = True) -> str:
    """The bound of a rejection rate at zero response over ``seeds`` seeds.

    ``make validate`` (500 seeds) holds the measured size to the nominal level itself ("≤ 0.05", as
    issue 25 asks); the suite's quick run, with fewer seeds, adds a one-sided allowance for sampling
    error ("≤ level + 1.645·sd"), so a test of exact size 5 % passes 95 % of seed sets there.
    """
    if not allowance:
        return f"≤ {level:.2f}"
    return f"≤ {level + 1.645 * np.sqrt(level * (1 - level) / seeds):.3f}"


def random_ordering_rate(systems: int = 20_000, seed: int = 25) -> Rate:
    """How often focus_first > partner_first in random stable VAR(1) systems (issue 25 found 2,358 of 20,000).

    Slopes uniform on (−1, 1) (stable ones kept), residual correlation uniform on (−0.95, 0.95),
    residual s.d. uniform on (0.5, 2). Reported: it describes the two identifications, it bounds nothing.
    """
    from dyadwatch.analysis.var import companion_max_root, fevd_shares

    rng = np.random.default_rng(seed)
    slopes = rng.uniform(-1.0, 1.0, size=(3 * systems, 1, 2, 2))
    slopes = slopes[companion_max_root(slopes) < 1.0][:systems]
    correlation = rng.uniform(-0.95, 0.95, systems)
    scale = rng.uniform(0.5, 2.0, size=(systems, 2))
    sigma = np.empty((systems, 2, 2))
    sigma[:, 0, 0], sigma[:, 1, 1] = scale[:, 0] ** 2, scale[:, 1] ** 2
    sigma[:, 0, 1] = sigma[:, 1, 0] = correlation * scale[:, 0] * scale[:, 1]
    focus_first, partner_first, _ = fevd_shares(slopes, sigma)
    return Rate(
        "flexibility",
        f"{systems} random stable VAR(1) systems (true parameters, no estimation)",
        "focus_first > partner_first (the old 'lower bound' above the 'upper')",
        int(np.count_nonzero(focus_first > partner_first)),
        systems,
        "reported",
    )


def _test_p(frame: Any, draws: int, seed: int) -> float:
    from dyadwatch.analysis.var import fit_dyad_var, lagged_response_test

    var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
    return lagged_response_test(var, draws, np.random.default_rng(seed)).p_value


def lagged_response_rates(seeds: int, draws: int, *, size_allowance: bool = True) -> list[Rate]:
    """Size of the bootstrap Wald test at zero response, and its power at a 0.3 coefficient.

    ``size_allowance``: whether the size bounds allow for the sampling error of few seeds (see
    :func:`size_bound`); ``make validate`` runs without it.
    """
    rates: list[Rate] = []
    scenarios: list[tuple[str, Callable[[int], PlantedDyad]]] = [
        ("120 months, no lagged response, no mirroring", lambda s: planted_reciprocity(120, response=0.0, seed=s)),
        (
            "120 months, no lagged response, 70% of news reported from both sides",
            lambda s: planted_reciprocity(120, response=0.0, mirrored=0.7, seed=s),
        ),
    ]
    for scenario, make in scenarios:

        def rejects(seed: int, make: Callable[[int], PlantedDyad] = make) -> bool:
            return _test_p(make(seed).frame, draws, seed) < TEST_LEVEL

        hits, n = count_hits(range(seeds), rejects)
        rates.append(Rate("flexibility", scenario, "lagged-response test rejects at 5% (size)", hits, n,
                          size_bound(n, allowance=size_allowance)))  # fmt: skip

    def sparse_rejects(seed: int) -> bool:
        from dyadwatch.analysis.var import fit_dyad_var, lagged_response_test

        x, z = (
            sparse_series(120, active_share=0.25, seed=2 * seed + side, freq="M", start="2000-01-01")
            .frame["goldstein_sum"]
            .to_numpy(dtype=float)
            for side in (0, 1)
        )
        var = fit_dyad_var(x, z)
        return lagged_response_test(var, draws, np.random.default_rng(seed)).p_value < TEST_LEVEL

    hits, n = count_hits(range(seeds), sparse_rejects)
    rates.append(Rate("flexibility", "120 months, independent sparse series, 25% active periods each way",
                      "lagged-response test rejects at 5% (size at the activity threshold)", hits, n,
                      size_bound(n, allowance=size_allowance)))  # fmt: skip
    hits, n = count_hits(
        range(seeds), lambda s: _test_p(planted_reciprocity(120, response=0.3, seed=s).frame, draws, s) < TEST_LEVEL
    )
    rates.append(Rate("flexibility", "120 months, F answers P's last month (coefficient 0.3), no mirroring",
                      "lagged-response test rejects at 5% (power)", hits, n, "≥ 0.80"))  # fmt: skip
    return rates


def coverage_rates(seeds: int, draws: int) -> list[Rate]:
    """Coverage of the focus-first 90% interval (as ``dyad_flexibility`` reports it) at known true shares."""
    from dyadwatch.analysis.flexibility import dyad_flexibility

    rates: list[Rate] = []
    for share in COVERAGE_SHARES:
        slopes, sigma = var_with_focus_first_share(share)

        def covers(seed: int, share: float = share, slopes: Any = slopes, sigma: Any = sigma) -> bool:
            frame = planted_var(slopes, sigma, 120, seed=seed).frame
            result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=draws, seed=seed)
            low, high = result.values["focus_first_ci_low"], result.values["focus_first_ci_high"]
            return result.status == "ok" and low is not None and high is not None and low <= share <= high

        hits, n = count_hits(range(seeds), covers)
        label = f"{share:g} (boundary)" if share == 0 else f"{share:g}"
        rates.append(Rate("flexibility",
                          f"120 months, VAR(1), true focus_first = {label}, response b = {slopes[0, 0, 1]:.3f}, "
                          "residual correlation 0.3",
                          "90% interval covers the true focus_first (nominal 0.90)", hits, n,
                          f"≥ {COVERAGE_BOUND:.2f}"))  # fmt: skip
    return rates


def flexibility_rates(
    seeds: int = 100,
    *,
    draws: int = 200,
    interval_seeds: int = 40,
    test_seeds: int = 500,
    test_draws: int = 199,
    coverage_seeds: int = 300,
    coverage_draws: int = 200,
    size_allowance: bool = True,
) -> list[Rate]:
    """Every rate of the section: orderings, mirrored reporting, lagged response, the test, coverage."""
    from dyadwatch.analysis.flexibility import dyad_flexibility
    from dyadwatch.analysis.var import fit_dyad_var

    rates: list[Rate] = [random_ordering_rate()]
    mirrored = "120 months, no lagged response, 70% of news reported from both sides"
    lagged = "120 months, F answers P's last month (coefficient 0.5), no mirroring"

    def point(seed: int, response: float, mirrored: float = 0.0) -> tuple[float, float, float]:
        frame = planted_reciprocity(120, seed=seed, response=response, mirrored=mirrored).frame
        var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
        return var.focus_first(), var.partner_first(), var.co_movement

    estimates = [point(seed, response=0.0, mirrored=0.7) for seed in range(seeds)]
    rates.append(Rate("flexibility", mirrored, "focus_first ≥ 0.1 (a false reading of a response)",
                      sum(low >= 0.1 for low, _, _ in estimates), seeds, "≤ 0.05"))  # fmt: skip
    rates.append(Rate("flexibility", mirrored, "co_movement ≥ 0.5 (the mirroring is shown)",
                      sum(co >= 0.5 for _, _, co in estimates), seeds, "≥ 0.90"))  # fmt: skip
    rates.append(Rate("flexibility", mirrored, "partner_first ≥ 0.3 (what an order-free measure credits)",
                      sum(up >= 0.3 for _, up, _ in estimates), seeds, "reported"))  # fmt: skip
    responding = [point(seed, response=0.5) for seed in range(seeds)]
    rates.append(Rate("flexibility", lagged, "focus_first ≥ 0.1",
                      sum(low >= 0.1 for low, _, _ in responding), seeds, "≥ 0.90"))  # fmt: skip

    def interval_excludes_zero(seed: int, response: float, mirrored: float = 0.0) -> bool:
        frame = planted_reciprocity(120, seed=seed, response=response, mirrored=mirrored).frame
        result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=draws, seed=seed)
        return result.status == "ok" and (result.values["focus_first_ci_low"] or 0.0) > 0.05

    hits, n = count_hits(range(interval_seeds), lambda seed: interval_excludes_zero(seed, response=0.5))
    rates.append(Rate("flexibility", lagged, "focus_first 90% interval above 0.05", hits, n, "≥ 0.85"))
    hits, n = count_hits(range(interval_seeds), lambda seed: interval_excludes_zero(seed, response=0.0, mirrored=0.7))
    rates.append(Rate("flexibility", mirrored, "focus_first 90% interval above 0.05", hits, n, "≤ 0.05"))
    rates += lagged_response_rates(test_seeds, test_draws, size_allowance=size_allowance)
    rates += coverage_rates(coverage_seeds, coverage_draws)
    return rates


#: The partners of the bundled-chronology table.
BUNDLED_PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN", "CUB")


def _number(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, float) else "—"


def _by_freq(row: dict[str, Any]) -> str:
    """Responsiveness at each frequency, as `Y +0.42 [+0.10, +0.80]` or `Q insufficient_data`."""
    parts = []
    for freq, entry in (row.get("responsiveness_by_freq") or {}).items():
        if entry["status"] == "ok":
            parts.append(f"{freq} {entry['responsiveness']:+.2f} [{entry['ci_low']:+.2f}, {entry['ci_high']:+.2f}]")
        else:
            parts.append(f"{freq} {entry['status']}")
    return "; ".join(parts) or "—"


def _bundled_table() -> list[str]:
    """Old (generalised FEVD) against the two Cholesky orderings on the bundled chronology, yearly."""
    import dyadwatch as dw
    from dyadwatch.analysis.dyads import focus_panel
    from dyadwatch.analysis.var import HORIZON, fit_dyad_var, lag_cap
    from dyadwatch.ingest.bundled import load_bundled

    with tempfile.TemporaryDirectory() as folder:
        store = dw.open(str(Path(folder) / "chronology.duckdb"))
        load_bundled(store)
        result = dw.flexibility(store, "PRK", freq="Y", partners=list(BUNDLED_PARTNERS)).to_dict()
        panel = focus_panel(store, "PRK", "Y", partners=list(BUNDLED_PARTNERS))
        lines = [
            "| partner | periods | active out / in | generalised FEVD (before) | focus_first (90 %) | partner_first | "
            "co_movement | lagged-response p | responsiveness by frequency | sign flip | status |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in result["partners"]:
            pair = panel.pair(row["partner"])
            before = "—"
            if row["status"] == "ok":
                var = fit_dyad_var(pair["focus_to_partner"], pair["partner_to_focus"], max_lags=lag_cap(len(pair), 4))
                before = f"{var.generalised_fevd(HORIZON)[0, 1]:.2f}"
            active = f"{row['active_share_out']:.0%} / {row['active_share_in']:.0%}" if row["n_periods"] else "—"
            lines.append(
                f"| {row['partner']} | {row['n_periods']} | {active} | {before} | {_number(row['focus_first'])} "
                f"({_number(row['focus_first_ci_low'])}–{_number(row['focus_first_ci_high'])}) | "
                f"{_number(row['partner_first'])} | {_number(row['co_movement'])} | "
                f"{_number(row['lagged_response_p'])} | {_by_freq(row)} | {', '.join(row['sign_flip']) or 'none'} | "
                f"{row['status']} |"
            )
        store.close()
    return lines


def _reading() -> list[str]:
    return [
        "How to read it: `focus_first` and `partner_first` are two identifications of the same VAR, not",
        "bounds: the first row counts random stable systems in which the focus-first share is the larger",
        "(issue 25 found 2,358 of 20,000 with its own draw). With 70 % of each period's news reported from",
        "both sides and no lagged response, the order-free measure used before credited the partner with",
        "about a third of the variance; `focus_first` stays near zero while `co_movement` shows the shared",
        "reporting. Whether the focus country responds to the partner's past at all is the bootstrap Wald",
        "test (`lagged_response_p`): over 500 seeds its size rows must stay at or below 5 % (the suite's",
        "quick run, with fewer seeds, allows 1.645 binomial s.d. of sampling error above 5 %), at zero",
        "response with and without mirroring and on sparse series at the 25 % activity threshold; its power",
        "at a 0.3 coefficient must reach 0.80.",
        "",
        "Coverage rows: the 90 % interval is Kilian's bootstrap-after-bootstrap percentile interval; a true",
        "share of exactly 0 is on the boundary, where no percentile interval of positive replicates reaches",
        "it, so the interval's lower end is set to 0 when the test does not reject at 10 %: its coverage",
        "at 0 is one minus the test's rejection rate at 10 %. Where a row is below 0.90 the interval",
        "under-covers (the share's sampling distribution is skewed near small values); the bound",
        f"{COVERAGE_BOUND:.2f} is what the suite enforces, not a claim of nominal coverage.",
        "",
        "### On the bundled chronology (yearly), before and after",
        "",
        "The same fitted VARs, read the old way (generalised FEVD, order-free) and the new way (the two",
        "Cholesky orderings, with the bias-corrected 90 % interval of the focus-first share), with",
        "responsiveness at every frequency the data allow (a partner needs events in 25 % of periods each",
        "way):",
        "",
        *_bundled_table(),
        "",
        'The reading "Pyongyang is most flexible toward Seoul" rested on the generalised share: most of it',
        "is same-period co-movement (a meeting reported from both sides in the same year), which neither",
        "ordering credits to Seoul's past.",
    ]


SECTION = Section(
    key="flexibility",
    title="Flexibility (`dyadwatch flex`)",
    method="Method (see `docs/methods.md` §3): bivariate VAR; `focus_first` = share of the focus country's\n"
    "6-step forecast-error variance due to the partner's shocks with the focus country ordered first\n"
    "(the partner reaches it only through its past); `partner_first` = the same with the partner ordered\n"
    "first; neither bounds the other. `co_movement` = correlation of the same-period residuals;\n"
    "`lagged_response_p` = residual-bootstrap Wald test of no lagged response (restricted VAR);\n"
    "intervals by Kilian's (1998) bootstrap-after-bootstrap.",
    measure=lambda quick: (
        flexibility_rates(100, draws=100, interval_seeds=30, test_seeds=150, test_draws=99, coverage_seeds=80)
        if quick
        else flexibility_rates(
            300, interval_seeds=100, test_seeds=500, test_draws=199, coverage_seeds=500, size_allowance=False
        )
    ),
    reading=_reading,
)
