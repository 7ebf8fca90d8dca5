"""`dyadwatch provocations`: known answers on generated sequences, and the command on the bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dyadwatch.analysis.provocations import count_model, event_study, weekly_design
from dyadwatch.cli import run
from dyadwatch.testing import provocation_sequence, trigger_calendar

START, END = "2000-01-01", "2019-12-31"
KINDS = ["exercise", "un_resolution"]


def analyse(kind: str, seed: int) -> tuple[dict[str, dict[str, float]], dict[tuple[str, str], dict[str, float]], bool]:
    triggers = trigger_calendar(seed)
    days = provocation_sequence(kind, seed, triggers, START, END)
    model = count_model(weekly_design(days, triggers, START, END), KINDS)
    study = event_study(days, triggers, START, END, permutations=199, seed=seed)
    terms = {t["term"]: t for t in model["terms"]}
    return terms, {(r["trigger"], r["side"]): r for r in study}, model["lag_predicts_better"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_pure_self_exciting_process_shows_memory_not_triggers(seed: int) -> None:
    terms, study, lag_better = analyse("self_exciting", seed)
    recent = terms["recent"]
    assert recent["irr"] > 2 and recent["irr_low"] > 1 and recent["p_value"] < 0.001
    assert lag_better  # Hess's comparison: the recent provocations predict better than the triggers
    for kind in KINDS:
        assert terms[kind]["irr_low"] < 1 < terms[kind]["irr_high"]
        assert study[(kind, "after")]["p_value"] > 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_pure_trigger_response_shows_triggers_not_memory(seed: int) -> None:
    """Five times the base rate from each trigger to 30 days after it, and no memory."""
    terms, study, lag_better = analyse("trigger", seed)
    exercise = terms["exercise"]
    assert exercise["irr_low"] > 1.5 and exercise["p_value"] < 0.001
    assert study[("exercise", "after")]["rate_ratio"] > 2 and study[("exercise", "after")]["p_value"] <= 0.01
    assert study[("exercise", "before")]["p_value"] > 0.01  # nothing before the trigger
    assert terms["recent"]["p_value"] > 0.01
    assert not lag_better


def test_neither_gives_few_false_positives_over_seeds() -> None:
    """A constant rate: over 12 seeds, each of the 3 model terms and 4 event-study tests is a
    5 % test, so about 4 of 84 come out below 0.05 by chance; more than 10 would mean a biased test."""
    false_model = false_study = 0
    for seed in range(12):
        terms, study, _ = analyse("none", seed)
        false_model += sum(terms[t]["p_value"] < 0.05 for t in ("recent", *KINDS))
        false_study += sum(row["p_value"] is not None and row["p_value"] < 0.05 for row in study.values())
    assert false_model <= 6
    assert false_study <= 6


def test_cli_on_the_bundled_lists(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["provocations", "PRK", "--permutations", "99", "--db", str(bundled_db)]
    assert run([*args, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in data["periods"]]
    assert names == ["hess_2012_2016", "1990_2025"]
    for period in data["periods"]:
        assert {r["trigger"] for r in period["event_study"]} == {"election", "exercise", "un_resolution"}
        model = period["count_model"]
        assert {t["term"] for t in model["terms"]} == {"const", "recent", "election", "exercise", "un_resolution"}
        assert set(model["aic"]) == {"lag_only", "triggers_only", "both"}
    # docs/methods.md §8: 76 provocation days in 2012-2016, 429 in 1990-2025; Hess's comparison holds
    # in both (the lag-only model fits better than the triggers-only one)
    hess, long_run = data["periods"]
    assert (hess["provocation_days"], long_run["provocation_days"]) == (76, 429)
    assert hess["count_model"]["lag_predicts_better"] and long_run["count_model"]["lag_predicts_better"]
    recent = next(t for t in hess["count_model"]["terms"] if t["term"] == "recent")
    assert recent["irr"] == pytest.approx(1.87, abs=0.01) and recent["irr_low"] > 1
    election = next(t for t in hess["count_model"]["terms"] if t["term"] == "election")
    assert election["status"] == "unstable" and election["irr"] is None
    assert run([*args, "--from", "2016-01-01", "--to", "2015-01-01"]) == 2
    assert "--to" in capsys.readouterr().err
