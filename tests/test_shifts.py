"""Early warning (`dyadwatch shifts`): known answers on planted data, the JSON contract, the built-in data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.shifts import rate_change_p, recent_masks, shifts
from dyadwatch.cli import run
from dyadwatch.errors import UsageError
from dyadwatch.testing.events import event_frame, visit_row

SINCE = "2025-01-01"


def planted_events(seed: int) -> pd.DataFrame:
    """Monthly PRK events 2015-01 … 2025-12: steady CHN, RUS, USA (Poisson 8/month), JPN falling from 8
    to 1 after 2025-01-01, VNM new after it (Poisson 5/month), CHE with a single event, and one
    multilateral group of three partners plus a day with only two."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2015-01-01", "2025-12-01", freq="MS")
    rows = []

    def add(day: pd.Timestamp, partner: str, group: str | None = None, summary: str = "planted event") -> None:
        outgoing = rng.random() < 0.5
        reference = f"https://example.org/{len(rows)}"
        rows.append(
            visit_row(f"csv:planted-{len(rows)}", day, "PRK", partner, outgoing,
                      summary=summary, reference=reference, group_id=group)
        )  # fmt: skip

    for month in months:
        recent = month >= pd.Timestamp(SINCE)
        rates = {"CHN": 8, "RUS": 8, "USA": 8, "JPN": 1 if recent else 8, "VNM": 5 if recent else 0}
        for partner, rate in rates.items():
            for _ in range(rng.poisson(rate)):
                add(month + pd.Timedelta(days=int(rng.integers(0, 28))), partner)
    add(pd.Timestamp("2019-06-15"), "CHE")
    day = pd.Timestamp("2025-10-10")
    for partner in ("CHN", "LAO", "VNM"):
        add(day, partner, group="party-anniversary", summary=f"{partner} delegation at the anniversary")
    for partner in ("CHN", "RUS"):
        add(pd.Timestamp("2025-11-03"), partner, summary="two guests only")
    return event_frame(rows)


def planted_store(path: Path, seed: int) -> dw.Store:
    store = dw.open(path)
    store.load_frame(planted_events(seed), label="planted", sha256=f"planted-{seed}", fmt="csv")
    return store


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_new_partner_rises_and_steady_partners_do_not(tmp_path: Path, seed: int) -> None:
    with planted_store(tmp_path / "planted.duckdb", seed) as store:
        result = shifts(store, "PRK", SINCE, until="2025-12-31")
    moved = {(s["kind"], s["partner"]) for s in result.shifts if s["kind"] in ("rising_partner", "falling_partner")}
    assert ("rising_partner", "VNM") in moved
    assert ("falling_partner", "JPN") in moved
    assert not moved & {(k, p) for k in ("rising_partner", "falling_partner") for p in ("CHN", "RUS", "USA")}
    status = {p["partner"]: p for p in result.partners}
    assert status["VNM"]["new_partner"] is True and status["VNM"]["baseline_events"] == 0
    assert {status[p]["status"] for p in ("CHN", "RUS", "USA")} == {"steady"}
    vnm = next(s for s in result.shifts if s["partner"] == "VNM")
    assert vnm["evidence"]["p_adjusted"] < 0.05
    assert vnm["evidence"]["events"] and all(e["reference"] for e in vnm["evidence"]["events"])
    assert all(e["date"] >= SINCE for e in vnm["evidence"]["events"])


def test_little_history_is_reported_as_insufficient_not_as_a_number(tmp_path: Path) -> None:
    with planted_store(tmp_path / "planted.duckdb", 0) as store:
        result = shifts(store, "PRK", SINCE, until="2025-12-31")
    che = next(p for p in result.partners if p["partner"] == "CHE")
    assert che["status"] == "insufficient_data"
    assert "a test needs at least 3" in che["reason"]
    assert "rate_ratio" not in che and "p_value" not in che
    assert all(s["partner"] != "CHE" for s in result.shifts)
    assert any("CHE" in note and "not enough data" in note for note in result.notes)


def test_multilateral_event_needs_three_foreign_partners(tmp_path: Path) -> None:
    with planted_store(tmp_path / "planted.duckdb", 0) as store:
        result = shifts(store, "PRK", SINCE, until="2025-12-31")
    multilateral = [s for s in result.shifts if s["kind"] == "multilateral_event"]
    assert [s["group_id"] for s in multilateral] == ["party-anniversary"]
    assert multilateral[0]["partners"] == ["CHN", "LAO", "VNM"]
    assert multilateral[0]["date"] == "2025-10-10"
    assert len(multilateral[0]["evidence"]["events"]) == 3


def test_realignment_toward_southeast_asia_and_away_from_the_west(tmp_path: Path) -> None:
    with planted_store(tmp_path / "planted.duckdb", 0) as store:
        result = shifts(store, "PRK", SINCE, until="2025-12-31")
    blocs = {b["bloc"]: b for b in result.blocs}
    assert blocs["southeast_asia"]["status"] == "rising"
    assert blocs["southeast_asia"]["baseline_share"] == 0.0
    assert blocs["west"]["status"] == "falling"
    realigned = {s["partner"] for s in result.shifts if s["kind"] == "realignment"}
    assert {"southeast_asia", "west"} <= realigned


def test_permutation_p_value_known_answers() -> None:
    rng = np.random.default_rng(0)
    masks = recent_masks(20, 5, rng, draws=4000)
    assert masks.sum(axis=1).tolist() == [5.0] * 4000
    constant = np.full((20, 1), 3.0)
    # A constant series cannot change: every permutation is as extreme as the observed one.
    assert rate_change_p(constant, 5, masks)[0] == 1.0
    # All events in the last 5 of 20 periods: the chance of that is 1 / C(20, 5) = 1/15504.
    planted = np.zeros((20, 1))
    planted[-5:] = 4.0
    assert rate_change_p(planted, 5, masks)[0] == pytest.approx(1 / 4001)


def test_same_seed_same_output_and_usage_errors(tmp_path: Path) -> None:
    with planted_store(tmp_path / "planted.duckdb", 0) as store:
        first = shifts(store, "PRK", SINCE, seed=3).to_dict()
        second = shifts(store, "PRK", SINCE, seed=3).to_dict()
        assert json.dumps(first, default=str) == json.dumps(second, default=str)
        with pytest.raises(UsageError, match="bad date: --since must be a day like"):
            shifts(store, "PRK", "January 2025")
        with pytest.raises(UsageError, match="no dyadic events of NOR"):
            shifts(store, "NOR", SINCE)


def test_cli_json_contract_on_the_built_in_data(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        ["shifts", "PRK", "--since", SINCE, "--source", "chronology", "--format", "json", "--db", str(bundled_db)]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {"focus", "since", "shifts"} <= set(data)
    assert data["focus"] == "PRK" and data["since"] == SINCE
    for shift in data["shifts"]:
        assert {"kind", "partner", "evidence", "summary"} <= set(shift)
        assert shift["kind"] in ("rising_partner", "falling_partner", "multilateral_event", "realignment")
        assert shift["evidence"]["events"], "every shift lists the events behind it"
    anniversary = [s for s in data["shifts"] if s.get("group_id") == "wpk-80th-2025-10-10"]
    assert len(anniversary) == 1
    assert {"LAO", "RUS", "VNM"} <= set(anniversary[0]["partners"])
    assert all(e["reference"] for e in anniversary[0]["evidence"]["events"])
    statuses = {p["status"] for p in data["partners"]}
    assert "insufficient_data" in statuses


def test_cli_usage_error_exit_code(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["shifts", "PRK", "--since", "2025-02-30", "--db", str(bundled_db)]) == 2
    assert "bad date: --since must be a day like 2019-01-31 (YYYY-MM-DD)" in capsys.readouterr().err


def test_too_short_a_baseline_is_said_not_tested(tmp_path: Path) -> None:
    with planted_store(tmp_path / "planted.duckdb", 0) as store:
        result = shifts(store, "PRK", "2015-06-01", until="2015-12-31")
    assert result.partners == []
    assert not [s for s in result.shifts if s["kind"] != "multilateral_event"]
    assert any(note.startswith("not enough baseline:") for note in result.notes)


def constant_rate_events(seed: int, until: str, per_day: float = 3.0) -> pd.DataFrame:
    """PRK events with CHN and RUS at a constant Poisson rate per day, 2015-01-01 … ``until``."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2015-01-01", until, freq="D")
    rows = []
    for partner in ("CHN", "RUS"):
        counts = rng.poisson(per_day, len(days))
        for day, n in zip(days, counts, strict=True):
            for _ in range(int(n)):
                outgoing = rng.random() < 0.5
                rows.append(
                    visit_row(f"csv:constant-{len(rows)}", day, "PRK", partner, outgoing,
                              summary="constant-rate event", reference=f"https://example.org/c{len(rows)}")
                )  # fmt: skip
    return event_frame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(("until", "treatment"), [("2025-11-17", "exposure"), ("2025-11-09", "left_out")])
def test_a_partial_last_month_does_not_read_as_a_fall(tmp_path: Path, seed: int, until: str, treatment: str) -> None:
    """Constant daily rates and data ending mid-month: counted as a full month, November would hold
    about half the events of a month and flag both partners as falling (it did before issue 9)."""
    with dw.open(tmp_path / "constant.duckdb") as store:
        store.load_frame(constant_rate_events(seed, until), label="constant", sha256=f"c-{seed}-{until}", fmt="csv")
        result = shifts(store, "PRK", "2025-09-01", seed=seed)
    assert result.until == until
    assert not [s for s in result.shifts if s["kind"] in ("rising_partner", "falling_partner", "realignment")]
    assert {p["status"] for p in result.partners} == {"steady"}
    partial = result.partial_period
    assert partial is not None and partial["treatment"] == treatment
    assert partial["start"] == "2025-11-01" and partial["days"] == 30
    assert partial["days_covered"] == int(until[-2:])
    assert any(note.startswith("the last period (2025-11-01 to 2025-11-30) is covered only") for note in result.notes)
    for entry in result.partners:  # the recent rate is per full month, near 3 × 30.4
        assert 75 < entry["recent_rate"] < 110
        assert 0.8 < entry["rate_ratio"] < 1.2


def test_partial_period_treatments_and_notes(tmp_path: Path) -> None:
    with dw.open(tmp_path / "constant.duckdb") as store:
        store.load_frame(constant_rate_events(5, "2025-11-17"), label="constant", sha256="c", fmt="csv")
        scaled = shifts(store, "PRK", "2025-09-01")
        left_out = shifts(store, "PRK", "2025-09-01", until="2025-11-09")
        complete = shifts(store, "PRK", "2025-09-01", until="2025-10-31")
        nothing = shifts(store, "PRK", "2025-11-01", until="2025-11-09")
    assert any("scaled by 30/17 (exposure)" in note and "bloc shares" in note for note in scaled.notes)
    evidence_recent = scaled.to_dict()["partial_period"]
    assert evidence_recent["covered_to"] == "2025-11-17"
    chn = next(p for p in scaled.partners if p["partner"] == "CHN")
    assert chn["recent_rate"] == pytest.approx(chn["recent_events"] / (2 + 17 / 30))
    assert any("less than half: it is left out" in note for note in left_out.notes)
    chn = next(p for p in left_out.partners if p["partner"] == "CHN")
    assert chn["recent_events"] == chn["recent_rate"] * 2  # September and October only
    assert complete.partial_period is None
    assert not any("covered only" in note for note in complete.notes)
    assert nothing.partners == [] and any(note.startswith("no recent period to test") for note in nothing.notes)
