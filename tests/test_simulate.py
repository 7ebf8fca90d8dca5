"""The strategy simulator (`dyadwatch simulate`): known answers on hand-made and planted models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.simulate import (
    Reaction,
    ResponseModel,
    estimate_response_model,
    play_paths,
    ranking,
    ranking_stability,
    reciprocal_model,
    simulate,
    simulate_dyad,
    unresponsive_model,
)
from dyadwatch.analysis.strategies import GTFT_FORGIVENESS, STRATEGIES
from dyadwatch.cli import run
from dyadwatch.errors import UsageError
from dyadwatch.testing.gdelt import write_gdelt2

STRATEGY_KEYS = {
    "name",
    "mean_cooperation",
    "mean_cooperation_low",
    "mean_cooperation_high",
    "breakdown_probability",
    "breakdown_low",
    "breakdown_high",
    "time_to_cooperation",
    "time_to_cooperation_low",
    "time_to_cooperation_high",
    "reached_cooperation",
    "out_of_range_share",
    "immodest_share",
    "scenario",
}


def test_against_an_unresponsive_model_every_strategy_gives_the_same_mean() -> None:
    result = simulate(unresponsive_model(), runs=200, horizon=24, seed=7)
    assert [s["name"] for s in result.strategies] == list(STRATEGIES)
    means = {s["mean_cooperation"] for s in result.strategies}
    breakdowns = {s["breakdown_probability"] for s in result.strategies}
    assert len(means) == 1 and len(breakdowns) == 1
    # ... and the shared mean is the model's own (mean 0 process): within Monte Carlo error.
    assert abs(means.pop()) < 0.2


def test_against_a_reciprocal_model_tit_for_tat_sustains_cooperation() -> None:
    result = simulate(reciprocal_model(), runs=50, horizon=20, seed=1)
    by_name = {s["name"]: s for s in result.strategies}
    tft, first = by_name["tit-for-tat"], by_name["denuclearization-first"]
    # x_t = z_{t-1}: A copies B; tit-for-tat opens with +1 s.d., so A cooperates from period 2 on.
    assert tft["mean_cooperation"] == pytest.approx(19 / 20)
    assert tft["breakdown_probability"] == 0.0
    assert tft["time_to_cooperation"] == 2.0 and tft["reached_cooperation"] == 1.0
    # Denuclearization first: B presses (-1 s.d.), A copies, the major step never comes.
    assert first["mean_cooperation"] == pytest.approx(-19 / 20)
    assert first["breakdown_probability"] == 1.0
    assert first["reached_cooperation"] == 0.0 and first["time_to_cooperation"] is None
    # GRIT's escalating steps are copied and grow to the six-step ceiling (3 s.d.), inside the range.
    grit = by_name["phased-trust-building"]
    assert grit["mean_cooperation"] > tft["mean_cooperation"]
    assert grit["out_of_range_share"] == 0.0
    # Conditional relief waits for a verified step that a pure copier never makes first.
    assert by_name["conditional-relief"]["mean_cooperation"] == 0.0


def test_moves_outside_the_historical_range_are_flagged() -> None:
    model = reciprocal_model()
    narrow = type(model.scale)(0.0, 1.0, -1.0, 1.0, 0.0, 1.0)  # B never moved beyond ±1 s.d.
    model.scale = narrow
    result = simulate(model, ["phased-trust-building", "tit-for-tat"], runs=10, horizon=12, seed=0)
    grit, tft = result.strategies
    assert grit["out_of_range_share"] == 1.0 and grit["scenario"] is True
    assert tft["out_of_range_share"] == 0.0 and tft["scenario"] is False


def test_moves_beyond_the_partners_historical_innovations_are_immodest() -> None:
    from dyadwatch.analysis.simulate import Reaction

    model = reciprocal_model()
    # B's historical rule: z_t = 0 with innovations of at most ±0.1.
    model.partner_draws = [Reaction(0.0, np.zeros(1), np.zeros(1), np.array([-0.1, 0.1]))]
    result = simulate(model, ["tit-for-tat", "conditional-relief"], runs=5, horizon=10, seed=0)
    tft, relief = result.strategies
    assert tft["immodest_share"] == 1.0 and tft["scenario"] is True
    assert relief["immodest_share"] == 0.0 and relief["scenario"] is False
    assert simulate(reciprocal_model(), ["tit-for-tat"], runs=2, horizon=3).strategies[0]["immodest_share"] is None


def test_generous_tit_for_tat_forgives_a_third_of_defections() -> None:
    assert pytest.approx(1 / 3) == GTFT_FORGIVENESS
    strategy = STRATEGIES["generous-tit-for-tat"]()
    strategy.reset(unresponsive_model().scale)
    rng = np.random.default_rng(0)
    moves = [strategy.move(-5.0, rng) for _ in range(6000)]
    assert np.mean(np.array(moves) > 0) == pytest.approx(1 / 3, abs=0.02)


def planted_reciprocal_store(path: Path, seed: int = 0, same_period: float = 0.0) -> dw.Store:
    """120 months where NC_{PRK→USA,t} = 0.8 NC_{USA→PRK,t-1} + noise (one event each way per month).

    ``same_period``: the correlation of PRK's noise with the US move of the same month (co-reported meetings).
    """
    rng = np.random.default_rng(seed)
    months = pd.date_range("2010-01-01", periods=120, freq="MS")
    partner_moves = rng.normal(0.0, 3.0, len(months)).clip(-10, 10)
    noise = same_period * partner_moves / 3.0 + np.sqrt(1 - same_period**2) * rng.normal(0.0, 1.0, len(months))
    focus_moves = np.r_[0.0, 0.8 * partner_moves[:-1]] + noise
    rows = []
    for i, month in enumerate(months):
        for a1, a2, value in (("USA", "PRK", partner_moves[i]), ("PRK", "USA", focus_moves[i].clip(-10, 10))):
            rows.append(
                {
                    "event_id": f"csv:{a1}{i}",
                    "source": "csv",
                    "date": (month + pd.Timedelta(days=9)).date(),
                    "actor1": a1,
                    "actor2": a2,
                    "actor1_name": None,
                    "actor2_name": None,
                    "event_code": "040",
                    "quad_class": 1,
                    "goldstein": float(value),
                    "weight": 1,
                    "tone": None,
                    "group_id": None,
                    "summary": "planted",
                    "reference": "planted",
                }
            )
    frame = pd.DataFrame(rows)
    frame["quad_class"] = frame["quad_class"].astype("int8")
    frame["tone"] = frame["tone"].astype(float)
    frame["group_id"] = frame["group_id"].astype(object)
    store = dw.open(path)
    store.load_frame(frame, label="planted", sha256="planted-reciprocal", fmt="csv")
    return store


def test_estimated_reciprocity_is_recovered_and_rewards_reciprocal_strategies(tmp_path: Path) -> None:
    with planted_reciprocal_store(tmp_path / "planted.duckdb") as store:
        model = estimate_response_model(store, "PRK", "USA", freq="M", draws=100, seed=0)
        result = simulate(model, runs=200, horizon=24, seed=0, focus="PRK", partner="USA")
    assert model.description["lags"] == 1
    assert model.description["reciprocity"] == pytest.approx(0.8, abs=0.15)
    assert model.description["granger_p"] < 0.001
    by_name = {s["name"]: s for s in result.strategies}
    assert by_name["tit-for-tat"]["mean_cooperation"] > by_name["denuclearization-first"]["mean_cooperation"] + 1
    assert by_name["tit-for-tat"]["breakdown_probability"] < by_name["denuclearization-first"]["breakdown_probability"]
    for strategy in result.strategies:
        assert 0.0 <= strategy["immodest_share"] <= 1.0
        assert strategy["mean_cooperation_low"] <= strategy["mean_cooperation"] <= strategy["mean_cooperation_high"]
        assert strategy["breakdown_low"] <= strategy["breakdown_probability"] <= strategy["breakdown_high"]


def correlated_pairs(n: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    first, other = rng.standard_normal((2, n))
    return first, rho * first + np.sqrt(1 - rho**2) * other


def test_joint_draws_keep_the_same_period_co_movement() -> None:
    """A without memory that ignores B: its moves are its shocks, and B's recorded moves less its
    rule's levels are B's shocks; their correlation over the runs is the residuals' (0.47 planted)."""
    focus_residuals, partner_residuals = correlated_pairs(400, 0.47, 3)
    fitted = float(np.corrcoef(focus_residuals, partner_residuals)[0, 1])
    reaction = Reaction(0.0, np.zeros(1), np.zeros(1), focus_residuals, partner_residuals)
    model = ResponseModel([reaction], unresponsive_model().scale, np.zeros(1), np.zeros(1))
    paths = play_paths(model, STRATEGIES["tit-for-tat"](), runs=200, horizon=24, seed=0)
    simulated = float(np.corrcoef(paths.focus.ravel(), (paths.partner - paths.intended).ravel())[0, 1])
    assert simulated == pytest.approx(fitted, abs=0.05)
    result = simulate(model, runs=200, horizon=24, seed=0).to_dict()
    assert result["co_movement"]["fitted"] == pytest.approx(fitted)
    assert result["co_movement"]["simulated"] == pytest.approx(simulated)
    assert result["co_movement"]["draw"].startswith("joint residual bootstrap")
    # Hand-made models without B's residuals keep B's moves exactly at the rule's level.
    assert simulate(unresponsive_model(), runs=5, horizon=4).co_movement["simulated"] is None


def test_estimated_co_movement_is_reproduced_by_the_simulation(tmp_path: Path) -> None:
    with planted_reciprocal_store(tmp_path / "planted.duckdb", same_period=0.5) as store:
        model = estimate_response_model(store, "PRK", "USA", freq="M", draws=100, seed=0)
    assert model.description["co_movement"] == pytest.approx(0.5, abs=0.15)
    result = simulate(model, runs=200, horizon=24, seed=0, focus="PRK", partner="USA")
    co_movement = result.co_movement
    assert co_movement["fitted"] == pytest.approx(model.description["co_movement"])
    assert co_movement["simulated"] == pytest.approx(co_movement["draws_mean"], abs=0.06)
    assert co_movement["simulated"] == pytest.approx(co_movement["fitted"], abs=0.1)


def test_ranking_stability_sentences_are_built_from_the_ranks() -> None:
    names = ["denuclearization-first", "tit-for-tat", "track-ii"]
    order = {"status": "ok", "ranking": names}
    flipped = {"status": "ok", "ranking": names[1:] + names[:1]}
    stable, sentence = ranking_stability({"M": flipped, "Q": flipped, "Y": order}, "Y")
    assert stable is False
    assert sentence == (
        "the ranking depends on the period: tit-for-tat first with M and Q, denuclearization-first first with Y; "
        "denuclearization-first ranks 3rd of 3 with M and Q"
    )
    lower = {"status": "ok", "ranking": [names[0], names[2], names[1]]}
    stable, sentence = ranking_stability({"M": order, "Q": lower, "Y": order}, "M")
    assert stable is False and sentence.startswith("the top strategy (denuclearization-first) is the same with M, Q")
    assert "Q: denuclearization-first > track-ii > tit-for-tat" in sentence
    missing = {"status": "insufficient_data", "reason": "too few periods"}
    stable, sentence = ranking_stability({"M": order, "Q": missing, "Y": order}, "M")
    assert stable is True
    assert sentence == (
        "the ranking is the same with M and Y: denuclearization-first > tit-for-tat > track-ii "
        "(not ranked at Q: too few periods)"
    )
    stable, sentence = ranking_stability({"M": missing, "Q": missing, "Y": order}, "Y")
    assert stable is None and "a model was fitted only with Y" in sentence


def test_the_ranking_across_frequencies_is_reported(bundled_db: Path) -> None:
    """The issue's case: on the bundled chronology denuclearization-first is first with Y, not with M."""
    with dw.Store(bundled_db, read_only=True) as store:
        result = simulate_dyad(store, "PRK", "USA", freq="Y", runs=100, seed=1)
        monthly = simulate_dyad(store, "PRK", "USA", freq="M", runs=100, seed=1, horizon=60, compare_freqs=False)
    by_freq = result.ranking_by_freq
    assert list(by_freq) == ["M", "Q", "Y"] and all(entry["status"] == "ok" for entry in by_freq.values())
    assert by_freq["Y"]["ranking"] == ranking(result.strategies)
    # The other frequencies are real runs over the same five years: M is the monthly model's own ranking.
    assert by_freq["M"]["horizon"] == 60 and by_freq["Q"]["horizon"] == 20
    assert by_freq["M"]["ranking"] == ranking(monthly.strategies)
    assert by_freq["Y"]["ranking"][0] == "denuclearization-first" != by_freq["M"]["ranking"][0]
    assert result.ranking_stable is False
    assert result.ranking_note is not None and result.ranking_note in result.notes
    assert "denuclearization-first first with Y" in result.ranking_note
    assert monthly.ranking_by_freq == {} and monthly.ranking_stable is None


def test_same_seed_same_output_different_seed_different(tmp_path: Path) -> None:
    with planted_reciprocal_store(tmp_path / "planted.duckdb") as store:
        first = simulate_dyad(store, "PRK", "USA", runs=60, seed=5).to_dict()
        again = simulate_dyad(store, "PRK", "USA", runs=60, seed=5).to_dict()
        other = simulate_dyad(store, "PRK", "USA", runs=60, seed=6).to_dict()
    assert json.dumps(first) == json.dumps(again)
    assert json.dumps(first) != json.dumps(other)


def test_little_data_gives_a_reason_not_a_number(bundled_db: Path) -> None:
    with dw.Store(bundled_db, read_only=True) as store:
        result = simulate_dyad(store, "PRK", "CHE", freq="Y", runs=20, seed=0)
    data = result.to_dict()
    assert data["status"] == "insufficient_data"
    assert data["strategies"] == []
    assert data["reason"].startswith("not enough data:") and "at least 10" in data["reason"]


def test_unknown_strategy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown strategy always-defect: choose from denuclearization-first"):
        simulate(unresponsive_model(), ["always-defect"])


def test_cli_json_on_the_built_in_data(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "PRK", "RUS", "--freq", "Y", "--runs", "50", "--seed", "2", "--format", "json"]
    assert run([*args, "--db", str(bundled_db)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "ok"
    assert [s["name"] for s in data["strategies"]] == list(STRATEGIES)
    for strategy in data["strategies"]:
        assert set(strategy) >= STRATEGY_KEYS
        assert 0.0 <= strategy["breakdown_probability"] <= 1.0
    assert data["model"]["estimated_on"]["freq"] == "Y"
    assert {"from", "to", "periods"} <= set(data["model"]["estimated_on"])
    assert any("Lucas critique" in text for text in data["limitations"])
    assert any("Track II" in text for text in data["limitations"])
    assert "mean_cooperation" in data["definitions"]
    assert set(data["ranking_by_freq"]) <= {"M", "Q", "Y"} and "Y" in data["ranking_by_freq"]
    assert isinstance(data["ranking_stable"], bool) and isinstance(data["ranking_note"], str)
    assert -1.0 <= data["co_movement"]["fitted"] <= 1.0 and -1.0 <= data["co_movement"]["simulated"] <= 1.0


def test_cli_on_loaded_gdelt_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generated = write_gdelt2(tmp_path / "raw", 6000, focus_share=0.6, months=36, partners=("CHN", "USA"), seed=4)
    db = str(tmp_path / "gdelt.duckdb")
    assert run(["ingest", *map(str, generated.files), "--db", db]) == 0
    capsys.readouterr()
    args = ["simulate", "PRK", "USA", "--runs", "40", "--seed", "1", "--strategy", "tit-for-tat"]
    assert run([*args, "--strategy", "track-ii", "--format", "json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "ok" and data["model"]["estimated_on"]["periods"] == 36
    assert [s["name"] for s in data["strategies"]] == ["tit-for-tat", "track-ii"]
    assert run(["shifts", "PRK", "--since", "2021-01-01", "--baseline-years", "2", "--format", "json", "--db", db]) == 0
    shifted = json.loads(capsys.readouterr().out)
    assert shifted["since"] == "2021-01-01" and isinstance(shifted["shifts"], list)
    # Random partners at a constant rate: no partner rises or falls.
    assert not [s for s in shifted["shifts"] if s["kind"] in ("rising_partner", "falling_partner")]
