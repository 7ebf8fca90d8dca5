"""Known answers for the dyad VAR and the flexibility metrics (dyadwatch.analysis.var, flexibility)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from dyadwatch.analysis.dyads import FocusPanel
from dyadwatch.analysis.flexibility import (
    DEPRECATED_ALIASES,
    NUMBER_KEYS,
    compare_frequencies,
    dyad_flexibility,
    panel_flexibility,
    sign_flips,
)
from dyadwatch.analysis.var import (
    DyadVar,
    _lagged_regressors,
    _wald_no_lagged_response,
    bootstrap_vars,
    fevd_shares,
    fit_dyad_var,
    kilian_bootstrap,
    lagged_response_test,
)
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.testing import focus_rows, planted_reciprocity
from dyadwatch.testing.series import planted_var, var_with_focus_first_share


def test_planted_reciprocity_is_detected() -> None:
    p_values = []
    for seed in range(60):
        frame = planted_reciprocity(120, response=0.5, seed=seed).frame
        p_values.append(fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"]).granger_p)
    assert np.mean(np.array(p_values) < 0.01) >= 0.95


def test_planted_indifference_is_not_detected_beyond_the_nominal_rate() -> None:
    # H0 true in every seed: the share with p < 0.05 should be near 5%; allow up to 10% over 100 seeds
    # (binomial sd ≈ 2.2 points), and at most 4% below 0.01.
    p_values = np.array(
        [
            fit_dyad_var(f["focus_to_partner"], f["partner_to_focus"]).granger_p
            for f in (planted_reciprocity(120, response=0.0, seed=seed).frame for seed in range(100))
        ]
    )
    assert np.mean(p_values < 0.05) <= 0.10
    assert np.mean(p_values < 0.01) <= 0.04


def test_var_recovers_the_planted_coefficients() -> None:
    frame = planted_reciprocity(2000, response=0.5, inertia=0.3, seed=7).frame
    var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
    assert var.lags == 1
    assert var.inertia == pytest.approx(0.3, abs=0.05)
    assert var.reciprocity == pytest.approx(0.5, abs=0.05)
    assert var.stable
    # Analytic check with uncorrelated unit shocks: x responds 0 at h = 0, then 0.5, 0.5·(0.3 + 0.3), …
    assert var.responsiveness(1) == pytest.approx(0.5, abs=0.07)


def test_generalised_fevd_rows_sum_to_one_and_do_not_depend_on_order() -> None:
    frame = planted_reciprocity(200, response=0.4, seed=2).frame
    var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"], lags=2)
    swapped = fit_dyad_var(frame["partner_to_focus"], frame["focus_to_partner"], lags=2)
    assert swapped.generalised_fevd()[1, 0] == pytest.approx(var.generalised_fevd()[0, 1])
    assert swapped.generalised_irf()[:, 1, 0] == pytest.approx(var.generalised_irf()[:, 0, 1])
    # At h = 0 a one-s.d. own shock moves a variable by its own s.d.
    assert var.generalised_irf()[0, 0, 0] == pytest.approx(np.sqrt(var.sigma[0, 0]))


def test_cholesky_orderings_and_co_movement() -> None:
    frame = planted_reciprocity(300, response=0.4, mirrored=0.5, seed=5).frame
    var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"], lags=2)
    swapped = fit_dyad_var(frame["partner_to_focus"], frame["focus_to_partner"], lags=2)
    # Focus first: a partner shock has no same-period effect on the focus country.
    assert var.orthogonal_irf()[0, 0, 1] == 0.0
    # The partner-first share is the focus-first share of the swapped system seen from the other side.
    assert swapped.cholesky_fevd(focus_first=False)[1, 0] == pytest.approx(var.focus_first())
    assert swapped.focus_first() == pytest.approx(var.cholesky_fevd(focus_first=False)[1, 0])
    assert var.co_movement == pytest.approx(swapped.co_movement)
    assert var.co_movement == pytest.approx(0.5, abs=0.12)
    assert var.orthogonal_irf()[0, 0, 0] == pytest.approx(np.sqrt(var.sigma[0, 0]))
    # The batched shares (bootstrap replicates, true parameters) agree with the model's own methods.
    first, partner, response = fevd_shares(var.coefficients, var.sigma)
    assert (float(first), float(partner), float(response)) == pytest.approx(
        (var.focus_first(), var.partner_first(), var.responsiveness())
    )


def _known_var(a: float, b: float, c: float, rho: float) -> DyadVar:
    """A DyadVar with given VAR(1) slopes [[a, b], [0, c]] and unit-variance shocks with correlation rho."""
    data = np.zeros((3, 2))
    coefficients = np.array([[[a, b], [0.0, c]]])
    sigma = np.array([[1.0, rho], [rho, 1.0]])
    return DyadVar(1, np.zeros(2), coefficients, sigma, np.zeros((2, 2)), data)


def test_two_step_shares_match_the_analytic_formula_and_need_not_be_ordered() -> None:
    """Over 2 steps of a VAR(1) with unit shocks of correlation ρ, x's variance is 1 + a² + 2abρ + b²;
    z's share is b²(1 − ρ²) with x first and ρ² + (aρ + b)² with z first (Lütkepohl 2005 §2.3.3).
    With a = 0.9, b = 0.5, ρ = −0.3 the focus-first share is the larger: 0.2275 vs 0.1429 (÷ 1.34):
    the two orderings are not a lower and an upper bound (issue 25)."""
    a, b, c, rho = 0.9, 0.5, 0.5, -0.3
    var = _known_var(a, b, c, rho)
    total = 1 + a**2 + 2 * a * b * rho + b**2
    assert var.focus_first(2) == pytest.approx(b**2 * (1 - rho**2) / total)
    assert var.partner_first(2) == pytest.approx((rho**2 + (a * rho + b) ** 2) / total)
    assert var.focus_first(2) > var.partner_first(2)
    assert var.flexibility(2) == var.focus_first(2) and var.flexibility_upper(2) == var.partner_first(2)


def test_a_dgp_with_a_known_focus_first_share() -> None:
    for share in (0.05, 0.1, 0.3):
        slopes, sigma = var_with_focus_first_share(share)
        assert float(fevd_shares(slopes, sigma)[0]) == pytest.approx(share, abs=1e-9)
        assert slopes[0, 0, 1] > 0
    slopes, sigma = var_with_focus_first_share(0.0)
    assert slopes[0, 0, 1] == 0.0 and float(fevd_shares(slopes, sigma)[0]) == 0.0
    # A long sample from it gives back the share (the generator simulates the system it was given).
    slopes, sigma = var_with_focus_first_share(0.3)
    long = planted_var(slopes, sigma, 4000, seed=1).frame
    fitted = fit_dyad_var(long["focus_to_partner"], long["partner_to_focus"], lags=1)
    assert fitted.focus_first() == pytest.approx(0.3, abs=0.03)


def test_wald_statistic_matches_statsmodels() -> None:
    from statsmodels.tsa.api import VAR

    frame = planted_reciprocity(100, response=0.2, seed=3).frame
    data = np.column_stack([frame["focus_to_partner"], frame["partner_to_focus"]])
    for lags in (1, 2):
        ours = _wald_no_lagged_response(_lagged_regressors(data[np.newaxis], lags), data[np.newaxis, lags:, 0], lags)
        theirs = VAR(data).fit(lags).test_causality(caused=0, causing=1, kind="wald").test_statistic
        assert float(ours[0]) == pytest.approx(float(theirs), rel=1e-9)


def test_lagged_response_test_rejects_a_response_and_not_its_absence() -> None:
    rejected, kept = 0, 0
    for seed in range(20):
        strong = planted_reciprocity(120, response=0.5, seed=seed).frame
        var = fit_dyad_var(strong["focus_to_partner"], strong["partner_to_focus"])
        rejected += lagged_response_test(var, 99, np.random.default_rng(seed)).p_value < 0.05
        null = planted_reciprocity(120, response=0.0, mirrored=0.7, seed=seed).frame
        var = fit_dyad_var(null["focus_to_partner"], null["partner_to_focus"])
        kept += lagged_response_test(var, 99, np.random.default_rng(seed)).p_value >= 0.05
    assert rejected == 20
    assert kept >= 17  # 20 seeds at size 5 %: P(more than 3 rejections) ≈ 0.016


def test_kilian_correction_removes_the_persistence_bias() -> None:
    """OLS under-estimates persistence in short samples (Pope 1990); bootstrap-after-bootstrap
    (Kilian 1998) moves the estimate back toward the truth and keeps it stable."""
    truth = np.array([[[0.85, 0.0], [0.0, 0.85]]])
    raw, corrected = [], []
    for seed in range(40):
        frame = planted_var(truth, np.eye(2), 50, seed=seed).frame
        var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"], lags=1)
        kilian = kilian_bootstrap(var, 100, np.random.default_rng(seed))
        raw.append(var.inertia)
        corrected.append(float(kilian.coefficients[0, 0, 0]))
        assert np.max(np.abs(np.linalg.eigvals(kilian.coefficients[0]))) < 1.0
        assert 0 < kilian.kept <= 100
    assert np.mean(raw) < 0.85 - 0.05  # the bias is there …
    assert abs(np.mean(corrected) - 0.85) < abs(np.mean(raw) - 0.85) / 2  # … and mostly removed


def test_mirrored_reporting_is_not_flexibility() -> None:
    """Issue 9's known answer: 70% of each period's news reported from both sides, no lagged response.

    The old generalised FEVD gave about 0.33 here (0.40 on the reviewer's series); focus_first must
    stay below 0.1 in (nearly) every seed while co_movement shows the shared reporting.
    """
    seeds = range(100)
    lower, upper, co = [], [], []
    for seed in seeds:
        frame = planted_reciprocity(120, response=0.0, mirrored=0.7, seed=seed).frame
        var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
        lower.append(var.focus_first())
        upper.append(var.partner_first())
        co.append(var.co_movement)
    assert np.mean(np.array(lower) < 0.1) >= 0.95
    assert np.mean(co) == pytest.approx(0.7, abs=0.05)
    assert np.mean(upper) > 0.3  # what the order-free measure would have credited


def test_lagged_response_gives_flexibility_with_an_interval_above_zero() -> None:
    excluded, mirrored_excluded = 0, 0
    seeds = range(40)
    for seed in seeds:
        frame = planted_reciprocity(120, response=0.5, seed=seed).frame
        result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=200, seed=seed)
        excluded += result.status == "ok" and (result.values["focus_first_ci_low"] or 0.0) > 0.05
        null = planted_reciprocity(120, response=0.0, mirrored=0.7, seed=seed).frame
        other = dyad_flexibility(null["focus_to_partner"], null["partner_to_focus"], draws=200, seed=seed)
        mirrored_excluded += other.status == "ok" and (other.values["focus_first_ci_low"] or 0.0) > 0.05
    assert excluded / len(seeds) >= 0.85
    assert mirrored_excluded / len(seeds) <= 0.05


def test_bootstrap_drops_explosive_draws() -> None:
    # A model at the edge of stability: a share of its replicates come out explosive and must go.
    frame = planted_reciprocity(60, response=0.3, seed=0).frame
    fitted = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"], lags=1)
    var = dataclasses.replace(fitted, coefficients=np.array([[[0.995, 0.1], [0.0, 0.5]]]))
    assert var.stable
    kept = list(bootstrap_vars(var, 200, np.random.default_rng(1)))
    assert 0 < len(kept) < 200
    assert all(replicate.stable for replicate in kept)


def test_bootstrap_is_reproducible_and_keeps_the_lag_order() -> None:
    frame = planted_reciprocity(100, response=0.5, seed=4).frame
    var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
    first = [r.flexibility() for r in bootstrap_vars(var, 20, np.random.default_rng(9))]
    second = [r.flexibility() for r in bootstrap_vars(var, 20, np.random.default_rng(9))]
    assert first == second and len(first) == 20
    assert all(r.lags == var.lags for r in bootstrap_vars(var, 3, np.random.default_rng(1)))


def test_var_refuses_short_or_constant_series() -> None:
    with pytest.raises(InsufficientDataError, match="at least 12"):
        fit_dyad_var(np.arange(5.0), np.arange(5.0))
    with pytest.raises(InsufficientDataError, match="constant"):
        fit_dyad_var(np.ones(40), np.random.default_rng(0).normal(size=40))


def test_flexibility_metrics_on_planted_dyads() -> None:
    reciprocal = planted_reciprocity(150, response=0.6, seed=11).frame
    result = dyad_flexibility(reciprocal["focus_to_partner"], reciprocal["partner_to_focus"], draws=100)
    values = result.values
    assert result.status == "ok" and result.lags == 1
    assert values["responsiveness_p"] is not None and values["responsiveness_p"] < 0.01
    assert values["lagged_response_p"] is not None and values["lagged_response_p"] < 0.02
    assert result.ci_at_zero is False
    assert values["focus_first_ci_low"] <= values["focus_first"] <= values["focus_first_ci_high"]  # type: ignore[operator]
    assert values["focus_first_ci_low"] > 0.05  # type: ignore[operator]
    assert values["partner_first_ci_low"] <= values["partner_first"] <= values["partner_first_ci_high"]  # type: ignore[operator]
    assert values["responsiveness_ci_low"] > 0  # type: ignore[operator]
    assert abs(values["co_movement"]) < 0.3  # type: ignore[arg-type]
    assert values["responsiveness"] > 0  # type: ignore[operator]
    assert result.max_root == pytest.approx(0.3, abs=0.15)  # the roots of [[0.3, 0.6], [0, 0.3]]
    # Symmetric linear response: both halves of z carry the same positive slope.
    assert values["accommodation"] == pytest.approx(0.6, abs=0.3)
    assert values["punishment"] == pytest.approx(0.6, abs=0.3)
    row = result.to_dict()
    # The deprecated keys carry the new numbers (named here, not read from the mapping under test).
    assert (row["flexibility"], row["ci_low"], row["ci_high"]) == (
        row["focus_first"],
        row["focus_first_ci_low"],
        row["focus_first_ci_high"],
    )
    assert (row["flexibility_upper"], row["upper_ci_low"], row["upper_ci_high"]) == (
        row["partner_first"],
        row["partner_first_ci_low"],
        row["partner_first_ci_high"],
    )
    assert set(DEPRECATED_ALIASES) | {"rigidity"} <= set(row)
    assert row["rigidity"] == pytest.approx(1 - row["focus_first"])
    indifferent = planted_reciprocity(150, response=0.0, seed=11).frame
    other = dyad_flexibility(indifferent["focus_to_partner"], indifferent["partner_to_focus"], draws=100)
    assert other.status == "ok"
    assert other.values["focus_first"] < values["focus_first"]  # type: ignore[operator]


def test_interval_reaches_zero_only_when_the_test_does_not_reject() -> None:
    """The boundary: a true share of 0 is in the interval exactly when the lagged-response test keeps H0."""
    seen = set()
    for seed in range(12):
        frame = planted_reciprocity(120, response=0.0, seed=seed).frame
        result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=100, seed=seed)
        p_value, low = result.values["lagged_response_p"], result.values["focus_first_ci_low"]
        assert result.status == "ok" and p_value is not None and low is not None
        assert result.ci_at_zero == (p_value >= 0.10)
        assert (low == 0.0) == (p_value >= 0.10)
        seen.add(result.ci_at_zero)
    assert seen == {True, False} or seen == {True}


def test_explosive_dyads_are_reported_unstable() -> None:
    """Issue 25: `unstable` was never seen. A system with a root of 1.04 is fitted as explosive."""
    frame = planted_var([[[1.04, 0.2], [0.0, 0.5]]], np.eye(2), 80, seed=0, burn_in=0).frame
    result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=50)
    assert result.status == "unstable"
    assert result.max_root is not None and result.max_root >= 1.0
    assert f"modulus {result.max_root:.3f}" in (result.reason or "")
    assert result.to_dict()["max_root"] == result.max_root
    assert all(result.values[key] is None for key in NUMBER_KEYS)
    stable = planted_var([[[0.9, 0.2], [0.0, 0.5]]], np.eye(2), 80, seed=0).frame
    assert dyad_flexibility(stable["focus_to_partner"], stable["partner_to_focus"], draws=50).status == "ok"


def test_activity_threshold_is_a_share_of_the_span() -> None:
    """120 periods with events in 20 % of them each way (24 periods, three times the old count of 8):
    too sparse; at 30 % each way, enough."""
    rng = np.random.default_rng(0)
    frame = planted_reciprocity(120, response=0.5, seed=0).frame
    x, z = frame["focus_to_partner"].to_numpy(), frame["partner_to_focus"].to_numpy()
    for share, status in ((0.2, "insufficient_data"), (0.3, "ok")):
        active = int(share * 120)
        out_events = np.zeros(120)
        out_events[rng.choice(120, active, replace=False)] = 1
        in_events = np.zeros(120)
        in_events[rng.choice(120, active, replace=False)] = 1
        result = dyad_flexibility(x, z, out_events=out_events, in_events=in_events, draws=20)
        assert result.status == status, share
        assert result.to_dict()["active_share_out"] == pytest.approx(share)
        if status != "ok":
            assert f"{active} ({share:.0%}) with events from the focus country" in (result.reason or "")
            assert "25% of them" in (result.reason or "")


def test_sign_flips_need_both_intervals_to_exclude_zero() -> None:
    up = {"status": "ok", "responsiveness": 0.5, "ci_low": 0.1, "ci_high": 0.9}
    down = {"status": "ok", "responsiveness": -0.5, "ci_low": -0.9, "ci_high": -0.1}
    vague = {"status": "ok", "responsiveness": -0.5, "ci_low": -0.9, "ci_high": 0.1}
    missing = {"status": "insufficient_data", "responsiveness": None, "ci_low": None, "ci_high": None}
    assert sign_flips({"Y": up, "Q": down, "M": vague}, "Y") == ["Q"]
    assert sign_flips({"Y": down, "Q": up}, "Y") == ["Q"]
    assert sign_flips({"Y": up, "Q": vague, "M": missing}, "Y") == []
    assert sign_flips({"Y": vague, "Q": up}, "Y") == []
    assert sign_flips({"Y": up, "Q": up}, "Y") == []


def test_compare_frequencies_flags_a_sign_flip_in_the_output() -> None:
    """One partner answers in kind at one frequency and inversely at another: flagged, with a note."""
    yearly = {"USA": planted_reciprocity(60, response=0.6, seed=1, freq="Y", start="1960-01-01").frame}
    quarterly = {"USA": planted_reciprocity(160, response=-0.6, seed=2, freq="Q", start="1960-01-01").frame}
    panel_y = FocusPanel("PRK", "Y", "none", False, focus_rows(yearly))
    panel_q = FocusPanel("PRK", "Q", "none", False, focus_rows(quarterly))
    result = panel_flexibility(panel_y, draws=50)
    compare_frequencies(result, {"Q": panel_q}, draws=50)
    row = result.to_dict()["partners"][0]
    assert row["sign_flip"] == ["Q"]
    assert row["responsiveness_by_freq"]["Y"]["ci_low"] > 0 > row["responsiveness_by_freq"]["Q"]["ci_high"]
    assert any(note.startswith("sign flip: USA's responsiveness") and "quarter" in note for note in result.notes)
    same = panel_flexibility(panel_y, draws=50)
    compare_frequencies(same, {"Y": panel_y}, draws=50)
    assert same.to_dict()["partners"][0]["sign_flip"] == []
    assert any("no partner's sign flips" in note for note in same.notes)


def test_asymmetric_response_is_recovered() -> None:
    # F answers hostility (z < 0) strongly and ignores cooperation: punishment ≈ 0.8, accommodation ≈ 0.
    rng = np.random.default_rng(3)
    z = rng.normal(size=400)
    x = np.zeros(400)
    for t in range(1, 400):
        x[t] = 0.2 * x[t - 1] + 0.8 * min(z[t - 1], 0.0) + rng.normal(scale=0.5)
    values = dyad_flexibility(x, z, draws=50).values
    assert values["punishment"] == pytest.approx(0.8, abs=0.15)
    assert values["accommodation"] == pytest.approx(0.0, abs=0.15)
    assert values["punishment_p"] < 0.001  # type: ignore[operator]


@pytest.mark.parametrize(
    ("x", "z", "status", "text"),
    [
        ([], [], "insufficient_data", "0 periods"),
        ([1.0], [2.0], "insufficient_data", "1 periods"),
        ([2.0] * 60, list(np.tile([1.0, -1.0], 30)), "insufficient_data", "constant"),
    ],
)
def test_edge_cases_give_a_status_not_a_number(x: list[float], z: list[float], status: str, text: str) -> None:
    result = dyad_flexibility(x, z, draws=20)
    assert result.status == status
    assert text in (result.reason or "")
    assert all(result.values[key] is None for key in NUMBER_KEYS)


def test_sparse_dyad_says_insufficient() -> None:
    x = np.zeros(80)
    x[[5, 30, 60]] = 3.0
    z = np.zeros(80)
    z[[6, 31, 61, 70]] = 2.0
    result = dyad_flexibility(x, z)
    assert result.status == "insufficient_data"
    assert "3 (4%) with events from the focus country and 4 (5%) from the partner" in (result.reason or "")
    assert result.to_dict()["focus_first"] is None and result.to_dict()["flexibility"] is None


def test_wide_intervals_are_reported_as_unstable() -> None:
    short = planted_reciprocity(26, response=0.3, inertia=0.5, seed=0).frame
    result = dyad_flexibility(short["focus_to_partner"], short["partner_to_focus"], draws=200, max_ci_width=0.3)
    assert result.status == "unstable"
    assert "wide (more than 0.3)" in (result.reason or "")
    assert result.values["focus_first"] is None and result.values["focus_first_ci_low"] is None
    long = planted_reciprocity(400, response=0.3, inertia=0.5, seed=0).frame
    assert dyad_flexibility(long["focus_to_partner"], long["partner_to_focus"], max_ci_width=0.3).status == "ok"


def _panel(n_periods: int = 240) -> FocusPanel:
    pairs = {
        "CHN": planted_reciprocity(n_periods, response=0.6, seed=1, start="1990-01-01").frame,
        "RUS": planted_reciprocity(n_periods, response=0.0, seed=2, start="1990-01-01").frame,
    }
    return FocusPanel("PRK", "M", "none", False, focus_rows(pairs))


def test_panel_flexibility_whole_span_eras_regimes_and_windows() -> None:
    panel = _panel()
    whole = panel_flexibility(panel, draws=50).to_dict()
    rows = {row["partner"]: row for row in whole["partners"]}
    assert rows["CHN"]["responsiveness_p"] < 0.01
    assert rows["RUS"]["responsiveness_p"] > 0.01
    assert rows["CHN"]["n_periods"] == 240 and rows["CHN"]["subset"] == "all"
    by_era = panel_flexibility(panel, draws=20, by="era", partners=["CHN"]).to_dict()["partners"]
    # 1990-01 … 2009-12. A period belongs to the era in which it starts: July 1994 (Kim Il Sung died on
    # the 8th) is the last Kim Il Sung month, so 1990-01 … 1994-07 = 55 months, then 185.
    assert [(r["subset"], r["n_periods"]) for r in by_era] == [("kim-il-sung", 55), ("kim-jong-il", 185)]
    rolling = panel_flexibility(panel, draws=20, by="rolling", partners=["CHN"]).to_dict()["partners"]
    assert [r["n_periods"] for r in rolling] == [120, 120, 120]
    assert rolling[1]["start"] == "1995-01-01"
    regimes = panel_flexibility(panel, draws=20, by="regime", partners=["CHN"]).to_dict()["partners"]
    assert sum(r["n_periods"] for r in regimes) == 240
    only_era = panel_flexibility(panel, draws=20, era="kim-jong-il", partners=["RUS"]).to_dict()["partners"]
    assert only_era[0]["start"] == "1994-08-01" and only_era[0]["n_periods"] == 185


def test_yearly_rolling_windows_are_long_enough_and_reach_the_end() -> None:
    pairs = {"CUB": planted_reciprocity(65, response=0.5, seed=3, freq="Y", start="1960-01-01").frame}
    panel = FocusPanel("PRK", "Y", "none", False, focus_rows(pairs))
    result = panel_flexibility(panel, draws=10, by="rolling")
    windows = result.to_dict()["partners"]
    # Ten years would be too short for a VAR (24 periods), so windows are 24 years, moved by 12,
    # plus one that ends with the data: 1960, 1972, 1984, 1996 and 2001.
    assert [(w["start"], w["n_periods"]) for w in windows] == [
        ("1960-01-01", 24),
        ("1972-01-01", 24),
        ("1984-01-01", 24),
        ("1996-01-01", 24),
        ("2001-01-01", 24),
    ]
    assert windows[-1]["end"] == "2024-01-01"
    assert any("windows of 24 periods moved by 12" in note for note in result.notes)


def test_unknown_partner_and_bad_options() -> None:
    panel = _panel(60)
    row = panel_flexibility(panel, partners=["USA"], draws=10).to_dict()["partners"][0]
    assert row["status"] == "insufficient_data" and "no events between PRK and USA" in row["reason"]
    with pytest.raises(UsageError, match="--era must be one of"):
        panel_flexibility(panel, era="kim-jong-nam")
    with pytest.raises(UsageError, match="--by must be one of"):
        panel_flexibility(panel, by="decade")


def test_result_frame_and_notes() -> None:
    result = panel_flexibility(_panel(60), draws=10)
    frame = result.to_frame()
    assert list(frame["partner"]) == ["CHN", "RUS"]
    rows = {row["partner"]: row for row in result.to_dict()["partners"]}
    for partner in ("CHN", "RUS"):  # the frame shows the result's own numbers, row by row
        shown = frame[frame["partner"] == partner].iloc[0]
        assert shown["focus_first"] == rows[partner]["focus_first"]
        assert shown["lagged_response_p"] == rows[partner]["lagged_response_p"]
    joined = " ".join(result.notes)
    assert "normalisation: none" in joined and "CAMEO 010" in joined and "BIC" in joined
    assert "not bounds" in joined and "Kilian" in joined and "25% of them" in joined


def test_bundled_chronology_rows_follow_the_activity_rule(bundled_db: Path) -> None:
    """On the bundled chronology every row is estimated or refused by the stated rule, and its
    frequency comparison is consistent with its own intervals (a method check, not a finding)."""
    import dyadwatch as dw

    store = dw.open(str(bundled_db), read_only=True)
    result = dw.flexibility(store, "PRK", freq="Y", partners=["CHN", "USA", "JPN"], draws=50).to_dict()
    store.close()
    for row in result["partners"]:
        dense = min(row["active_share_out"], row["active_share_in"]) >= 0.25
        assert (row["status"] != "insufficient_data") == dense, row["partner"]
        assert set(row["responsiveness_by_freq"]) == {"M", "Q", "Y"}
        assert row["sign_flip"] == sign_flips(row["responsiveness_by_freq"], "Y")
        if row["status"] == "ok":
            assert row["focus_first_ci_low"] <= row["focus_first"] <= row["focus_first_ci_high"]
    assert any(note.startswith("frequencies: responsiveness also estimated") for note in result["notes"])
