"""`dyadwatch provocations`: known answers on generated sequences, and the command on the bundled data.

The generators (:mod:`dyadwatch.testing.provocations`) plant a self-exciting process, a response to
triggers, or neither, each with or without a slow wave in the rate whose high years are also the
years of most triggers (the bundled exercise list's situation, issue 25). Rates over many seeds
are in ``docs/validation.md`` (``dyadwatch.testing.calibration_provocations``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dyadwatch.analysis.provocations import (
    count_model,
    event_study,
    local_shifts,
    verdict_of,
    verdict_sentence,
    vuong_test,
    weekly_design,
)
from dyadwatch.cli import run
from dyadwatch.testing.provocations import planted_provocations, trending_triggers

START, END = "2000-01-01", "2019-12-31"
KINDS = ["exercise", "un_resolution"]
#: The slow wave of the trend scenarios (log rate ± 1.5) and the weaker trigger response planted with it.
TREND, WEAK_BOOST = 1.5, 2.5


def model_for(kind: str, seed: int, trend: float = 0.0, boost: float = 5.0) -> dict[str, Any]:
    triggers = trending_triggers(seed, START, END, trend=trend)
    days = planted_provocations(kind, seed, triggers, START, END, trend=trend, boost=boost)
    return count_model(weekly_design(days, triggers, START, END), KINDS)


def test_self_exciting_data_with_a_slow_trend_are_not_read_as_trigger_driven() -> None:
    """Seeds 0–2: never trigger-driven; self-exciting in at least two (power is in the calibration)."""
    models = [model_for("self_exciting", seed, TREND) for seed in range(3)]
    assert all(m["verdict"] != "trigger_driven" for m in models)
    found = [m for m in models if m["verdict"] == "self_exciting"]
    assert len(found) >= 2
    for model in found:
        assert model["comparison"]["favours"] == "lag" and model["comparison"]["p_value"] < 0.05
        assert "recent provocations predict the next week's provocations better" in model["verdict_sentence"]
        recent = next(t for t in model["terms"] if t["term"] == "recent")
        assert recent["irr_low"] > 1


def test_trigger_driven_data_with_a_slow_trend_are_not_read_as_self_exciting() -> None:
    """Seeds 0–2 of a weaker response (2.5 times the base rate) under the slow wave."""
    models = [model_for("trigger", seed, TREND, WEAK_BOOST) for seed in range(3)]
    assert all(m["verdict"] != "self_exciting" for m in models)
    found = [m for m in models if m["verdict"] == "trigger_driven"]
    assert len(found) >= 2
    for model in found:
        assert model["comparison"]["favours"] == "triggers" and model["comparison"]["p_value"] < 0.05
        assert "the triggers predict the next week's provocations better" in model["verdict_sentence"]
        exercise = next(t for t in model["terms"] if t["term"] == "exercise")
        assert exercise["irr_low"] > 1


@pytest.mark.parametrize("trend", [0.0, TREND])
def test_neither_process_leaves_the_data_undecided(trend: float) -> None:
    for seed in (0, 1):
        model = model_for("none", seed, trend)
        assert model["verdict"] == "undecided", (seed, model["comparison"])
        assert model["verdict_sentence"].startswith("the data do not decide")


def test_a_slow_trend_alone_is_read_as_memory_without_time_controls() -> None:
    """The issue's finding on generated data: no memory, no triggers, a slow wave; the old model
    (no time controls) names the recent provocations, the controlled one does not."""
    model = model_for("none", 0, TREND)
    plain = model["without_time_controls"]
    assert plain["verdict"] == "self_exciting"
    assert model["verdict"] == "undecided"
    assert (
        "Without time controls the comparison would read \u201crecent provocations predict better\u201d"
        in (model["verdict_sentence"])
    )


def test_vuong_test_against_a_known_value() -> None:
    """Independent differences: z is the mean over its (Newey–West) standard error; the Schwarz
    correction charges (ka − kb)/2·log n (Vuong 1989, eq. 5.7)."""
    rng = np.random.default_rng(3)
    a = rng.normal(0.1, 1.0, 400)
    b = np.zeros(400)
    plain = vuong_test(a, b)
    import statsmodels.api as sm

    expected = sm.OLS(a, np.ones(400)).fit(cov_type="HAC", cov_kwds={"maxlags": plain["hac_lags"]}).tvalues[0]
    assert plain["z"] == pytest.approx(expected)
    assert plain["hac_lags"] == int(4 * (400 / 100) ** (2 / 9))
    assert plain["p_value"] == pytest.approx(2 * stats.norm.sf(abs(expected)))
    charged = vuong_test(a, b, 3, 1, correction="schwarz")
    assert charged["z"] == pytest.approx((a.sum() - np.log(400)) / a.sum() * expected)
    assert vuong_test(b, a)["z"] == pytest.approx(-plain["z"])


def test_verdict_sentence_names_a_winner_only_when_both_tests_reject() -> None:
    model = model_for("self_exciting", 0)
    assert model["verdict"] == "self_exciting"
    for joint, vuong, expected in ((0.2, 0.001, "neither adds"), (0.001, 0.2, "but not significantly")):
        changed = {**model, "verdict": "undecided",
                   "comparison": {**model["comparison"], "joint_lr_p": joint, "p_value": vuong}}  # fmt: skip
        sentence = verdict_sentence(changed)
        assert sentence.startswith("the data do not decide") and expected in sentence


def test_a_winner_needs_both_the_joint_test_and_the_vuong_test() -> None:
    base = {"alpha": 0.05, "favours": "lag"}
    assert verdict_of({**base, "joint_lr_p": 0.001, "p_value": 0.001}) == "self_exciting"
    assert verdict_of({**base, "favours": "triggers", "joint_lr_p": 0.001, "p_value": 0.001}) == "trigger_driven"
    assert verdict_of({**base, "joint_lr_p": 0.2, "p_value": 0.001}) == "undecided"  # models not shown to differ
    assert verdict_of({**base, "joint_lr_p": 0.001, "p_value": 0.2}) == "undecided"
    assert verdict_of({**base, "joint_lr_p": None, "p_value": 0.001}) == "undecided"


def test_local_shifts_keep_the_era_whole_span_shifts_leave() -> None:
    """Five busy years (0.05 a day against 0.01) inside twenty, all exercises in the busy era's middle
    year, no response: the after-window ratio is above 1 from the era alone. Among shifts of 1–2 years
    (still in the busy era) it is ordinary; among whole-span shifts (mostly in quiet years) it is less so.
    Divided by the era's rate (the rate-adjusted scheme), the ratio is near 1 and ordinary too."""
    days = pd.date_range(START, END, freq="D")
    index = np.arange(len(days))
    rate = np.where((index >= 12 * 365) & (index < 17 * 365), 0.05, 0.01)
    whole, local = [], []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        hits = list(days[rng.random(len(days)) < rate])
        starts = sorted(rng.choice(np.arange(14 * 365, 15 * 365), 20, replace=False))
        triggers = pd.DataFrame(
            {"kind": "exercise", "name": [f"drill {i}" for i in range(20)], "start": [days[d].date() for d in starts],
             "end": [days[d + 9].date() for d in starts], "reference": "-"}
        )  # fmt: skip
        study = event_study(hits, triggers, START, END, permutations=199, expected=rate)
        after = next(r for r in study if r["side"] == "after")
        assert after["rate_ratio"] > 1.5
        assert 0.6 < after["rate_ratio_adjusted"] < 1.6 and after["p_value_adjusted"] > 0.05
        whole.append(after["p_value"])
        local.append(after["p_value_local"])
    assert all(lo > wh for lo, wh in zip(local, whole, strict=True)), (local, whole)
    assert np.mean(local) > 0.5


def test_event_study_finds_a_trigger_response_with_both_shift_schemes() -> None:
    triggers = trending_triggers(0, START, END)
    days = planted_provocations("trigger", 0, triggers, START, END)
    study = {(r["trigger"], r["side"]): r for r in event_study(days, triggers, START, END, permutations=199)}
    after = study[("exercise", "after")]
    assert after["rate_ratio"] > 2 and after["p_value"] <= 0.01 and after["p_value_local"] <= 0.01
    assert study[("exercise", "before")]["p_value_local"] > 0.01  # nothing before the trigger


def test_local_shifts_move_each_trigger_one_to_two_years_inside_the_period() -> None:
    starts = np.array([0, 400, 1000, 1800])
    shifts = local_shifts(starts, 1826, np.random.default_rng(0), 500)
    assert shifts is not None and shifts.shape == (500, 4)
    assert ((np.abs(shifts) >= 365) & (np.abs(shifts) <= 730)).all()
    moved = starts + shifts
    assert ((moved >= 0) & (moved <= 1825)).all()
    # both directions where both fit, and the triggers move independently of each other
    assert (shifts[:, 1] < 0).any() and (shifts[:, 1] > 0).any()
    assert len(np.unique(shifts[:, 1] - shifts[:, 2])) > 100
    assert local_shifts(starts, 300, np.random.default_rng(0), 10) is None  # no room in under a year


def test_neither_gives_few_false_positives_over_seeds() -> None:
    """A constant rate: every model term and event-study test is a 5 % test. The count of p < 0.05
    must stay below the binomial 99.9 % quantile for that many tests (independent seeds; the four
    event-study tests of one seed share data, so the bound is a little generous for them)."""
    model_tests = model_false = study_tests = study_false = 0
    for seed in range(20):
        triggers = trending_triggers(seed, START, END)
        days = planted_provocations("none", seed, triggers, START, END)
        for row in event_study(days, triggers, START, END, permutations=99, seed=seed):
            for key in ("p_value", "p_value_local"):
                study_tests += 1
                study_false += row[key] is not None and row[key] < 0.05
        if seed < 4:
            terms = count_model(weekly_design(days, triggers, START, END), KINDS)["terms"]
            model_tests += len(terms)
            model_false += sum(t["p_value"] is not None and t["p_value"] < 0.05 for t in terms)
    assert model_false <= stats.binom.ppf(0.999, model_tests, 0.05)
    assert study_false <= stats.binom.ppf(0.999, study_tests, 0.05)


def test_cli_on_the_bundled_lists(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["provocations", "PRK", "--permutations", "99", "--db", str(bundled_db)]
    assert run([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in data["periods"]]
    assert names == ["hess_2012_2016", "1990_2025"]
    docs = Path(__file__).resolve().parent.parent / "docs" / "methods.md"
    for period in data["periods"]:
        assert {r["trigger"] for r in period["event_study"]} == {"election", "exercise", "un_resolution"}
        assert all({"p_value", "p_value_local"} <= set(r) for r in period["event_study"])
        model = period["count_model"]
        assert {t["term"] for t in model["terms"]} == {"recent", "election", "exercise", "un_resolution"}
        assert set(model["aic"]) == {"lag_only", "triggers_only", "both", "controls_only"}
        assert model["verdict"] in ("self_exciting", "trigger_driven", "undecided")
        assert model["verdict_sentence"] == verdict_sentence(model)
        # docs/methods.md §8 quotes the generated sentence for each period (regenerate it when it changes)
        assert model["verdict_sentence"] in docs.read_text(encoding="utf-8"), period["name"]
        plain = model["without_time_controls"]
        assert {t["term"] for t in plain["terms"]} == {"const", "recent", "election", "exercise", "un_resolution"}
    assert run([*args]) == 0
    out = capsys.readouterr().out
    assert "the data do not decide" in out or "predict the next week's provocations better" in out
    assert run([*args, "--from", "2016-01-01", "--to", "2015-01-01"]) == 2
    assert "--to" in capsys.readouterr().err


def _planted_design(
    seed: int = 0, kind: str = "self_exciting"
) -> tuple[pd.DataFrame, pd.DataFrame, list[pd.Timestamp]]:
    triggers = trending_triggers(seed, START, END)
    days = planted_provocations(kind, seed, triggers, START, END)
    return weekly_design(days, triggers, START, END), triggers, days


def test_a_year_without_provocations_is_separated_and_leaves_the_other_estimates_alone() -> None:
    """With year effects, a year without any provocation has a year coefficient of −∞: its weeks are
    fitted at rate 0 and must be listed in ``separated``; every other estimate is then that of the
    fit on the weeks without that year (the limit, Albert & Anderson 1984)."""
    triggers = trending_triggers(0, START, END)
    days = [d for d in planted_provocations("self_exciting", 0, triggers, START, END) if d.year != 2010]
    design = weekly_design(days, triggers, START, END)
    with_year = count_model(design, KINDS, time_controls="year")
    without = count_model(design[design["year"] != 2010].reset_index(drop=True), KINDS, time_controls="year")
    assert "year 2010" in with_year["separated"] and "year 2010" not in without["separated"]
    assert with_year["dispersion_alpha"] == pytest.approx(without["dispersion_alpha"], rel=1e-6)
    for kept, dropped in zip(with_year["terms"], without["terms"], strict=True):
        assert kept["term"] == dropped["term"] and kept["status"] == dropped["status"] == "ok"
        assert kept["irr"] == pytest.approx(dropped["irr"], rel=1e-6)
        assert kept["p_value"] == pytest.approx(dropped["p_value"], rel=1e-5)
    # the year's weeks add nothing to the likelihood, and one parameter (the separated year) to the count
    assert with_year["aic"]["both"] == pytest.approx(without["aic"]["both"] + 2, rel=1e-9)


def test_a_trigger_kind_without_provocations_in_its_windows_is_separated() -> None:
    """No provocation in any UN window: the UN term is ``unstable`` (no number), listed in
    ``separated``, and the lag and exercise estimates are those of the fit on the other weeks."""
    design, triggers, days = _planted_design()
    design = design.assign(provocations=np.where(design["un_resolution"] > 0, 0.0, design["provocations"]))
    model = count_model(design, KINDS)
    assert "un_resolution" in model["separated"]
    un = next(t for t in model["terms"] if t["term"] == "un_resolution")
    assert un["status"] == "unstable" and un["irr"] is None
    rest = count_model(design[design["un_resolution"] == 0].reset_index(drop=True), ["exercise"])
    for name in ("recent", "exercise"):
        full = next(t for t in model["terms"] if t["term"] == name)
        kept = next(t for t in rest["terms"] if t["term"] == name)
        assert full["irr"] == pytest.approx(kept["irr"], rel=1e-6), name


def test_the_fixed_dispersion_fit_is_statsmodels_nb2() -> None:
    """The IRLS fit with α held is the maximum of statsmodels' NB2 GLM at that α, and the estimated
    α is statsmodels' NegativeBinomial maximum-likelihood estimate (log-likelihood as high, to 1e-3)."""
    import statsmodels.api as sm

    from dyadwatch.analysis.provocations import _fit, time_spline

    design, _, _ = _planted_design(1)
    y = design["provocations"].to_numpy(dtype=float)
    numeric = pd.concat([design[["recent", *KINDS]], time_spline(design)], axis=1)
    fit = _fit(y, numeric, design[["month"]])
    x = np.column_stack(
        [np.ones(len(y)), numeric.to_numpy(dtype=float), pd.get_dummies(design["month"], drop_first=True, dtype=float)]
    )
    reference = sm.NegativeBinomial(y, x).fit(disp=False, maxiter=500)
    assert fit.alpha == pytest.approx(float(reference.params[-1]), rel=2e-3)
    assert fit.llf == pytest.approx(float(reference.llf), abs=1e-3) and fit.llf >= reference.llf - 1e-6
    held = _fit(y, numeric, design[["month"]], alpha=0.5)
    glm = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=0.5)).fit()
    assert held.estimates["recent"][0] == pytest.approx(float(glm.params[1]), rel=1e-4)
    assert held.llf == pytest.approx(float(glm.llf), rel=1e-9)


def test_term_p_values_are_likelihood_ratio_tests() -> None:
    """The lag term's p is the one-sided (signed-root) likelihood-ratio test of the full model against
    the triggers-only one: Φ(−sign(b)·√LR), half the two-sided p when b > 0."""
    design, _, _ = _planted_design(2, "none")  # a memoryless rate: a p-value far from 0 and 1
    model = count_model(design, KINDS)
    recent = next(t for t in model["terms"] if t["term"] == "recent")
    two_sided = model["lr_p_lag_given_triggers"]
    expected = two_sided / 2 if recent["coefficient"] > 0 else 1 - two_sided / 2
    assert 0.01 < two_sided < 0.99
    assert recent["p_value"] == pytest.approx(expected, rel=1e-9, abs=0)
    assert recent["p_value"] != recent["p_value_wald"]


def test_vectorised_shift_schemes_match_the_one_by_one_definition() -> None:
    """Whole-span p from ``np.roll`` of the window mask, local p from each trigger moved by its own
    offset, counted one permutation at a time (Phipson & Smyth 2010)."""
    from dyadwatch.analysis.provocations import _mask, _rate_ratio

    triggers = trending_triggers(6, START, END)
    days = planted_provocations("none", 6, triggers, START, END)  # no response: p-values away from 1/100
    exercises = triggers[triggers["kind"] == "exercise"]
    row = next(r for r in event_study(days, exercises, START, END, permutations=99, seed=5) if r["side"] == "after")
    first = pd.Timestamp(START)
    n = (pd.Timestamp(END) - first).days + 1
    hits = np.zeros(n)
    hits[[(d - first).days for d in days]] = 1.0
    starts = np.array([(pd.Timestamp(s) - first).days for s in exercises["start"]])
    ends = np.array([(pd.Timestamp(e) - first).days for e in exercises["end"]])
    mask = _mask(starts, ends, n, "after", 30)
    statistic = abs(np.log(_rate_ratio(hits, mask)))
    shifts = np.random.default_rng(5).integers(1, n, 99)
    local = local_shifts(starts, n, np.random.default_rng([5, 25]), 99)
    assert local is not None

    def p(masks: list[np.ndarray[Any, Any]]) -> float:
        ratios = [_rate_ratio(hits, m) for m in masks]
        extreme = sum(not (np.isfinite(r) and r > 0) or abs(np.log(r)) >= statistic - 1e-12 for r in ratios)
        return float((extreme + 1) / (len(masks) + 1))

    assert 0.05 < row["p_value"] < 0.95 and 0.05 < row["p_value_local"] < 0.95
    assert row["p_value"] == pytest.approx(p([np.roll(mask, int(s)) for s in shifts]))
    assert row["p_value_local"] == pytest.approx(p([_mask(starts + o, ends + o, n, "after", 30) for o in local]))


def test_rate_adjusted_scheme_is_the_whole_span_scheme_under_a_flat_rate() -> None:
    """With a constant expected rate the adjusted ratio is the plain one and the adjusted p is the
    whole-span p (same shifts); under a busy era the adjusted ratio is near 1 where the plain one is not."""
    design, triggers, days = _planted_design(4, "none")
    flat = np.full((pd.Timestamp(END) - pd.Timestamp(START)).days + 1, 0.02)
    for row in event_study(days, triggers, START, END, permutations=99, seed=1, expected=flat):
        assert row["rate_ratio_adjusted"] == pytest.approx(row["rate_ratio"])
        assert row["p_value_adjusted"] == row["p_value"]
