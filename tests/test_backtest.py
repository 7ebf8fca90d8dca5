"""`dyadwatch backtest`: known answers on generated stores, the episodes file, the CLI contract."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.backtest import (
    MAIN_PARTNERS,
    Episode,
    backtest,
    brier,
    brier_skill,
    calendar_alarms,
    defining_events,
    matched_threshold,
    naive_ratio_alarms,
    onset_probabilities,
    persistence_alarms,
    probabilistic_scores,
    read_episodes,
    reliability_table,
    score_alarms,
)
from dyadwatch.analysis.shifts import low_rate_p, rate_change_p, recent_masks, shifts
from dyadwatch.cli import run
from dyadwatch.errors import InputError, UsageError
from dyadwatch.testing import rate_events
from dyadwatch.testing.backtest import STEADY, generated_store
from dyadwatch.testing.events import event_frame, visit_row

PLANTED = [
    Episode("vnm-rise", "VNM", "rising", dt.date(2023, 3, 1)),
    Episode("jpn-fall", "JPN", "falling", dt.date(2023, 9, 1)),
]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_planted_rise_and_fall_are_detected_within_a_few_months(tmp_path: Path, seed: int) -> None:
    with generated_store(tmp_path / "planted.duckdb", seed, planted=True) as store:
        result = backtest(store, "PRK", PLANTED, date_from="2023-01-01", date_to="2024-06-30", seed=seed)
    episodes = {e["name"]: e for e in result.episodes}
    rise, fall = episodes["vnm-rise"], episodes["jpn-fall"]
    assert rise["detected"] and 1 <= rise["delay_months"] <= 3
    assert fall["detected"] and 1 <= fall["delay_months"] <= 6
    assert rise["detected_at"] > "2023-03-01"  # never before the data could show it
    assert result.recall == 1.0
    # the steady partners raise no alarm that any episode explains, and few at all
    steady = [a for a in result.alarms if a["onset"] and a["partner"] in STEADY]
    assert all(not a["matches"] for a in steady)
    assert len(steady) <= 2
    matched = [a for a in result.alarms if a["matches"]]
    assert {a["partner"] for a in matched if a["kind"] != "realignment"} == {"VNM", "JPN"}
    # a bloc's realignment matches only the episode of a member partner in the same direction
    expected = {"southeast_asia": ("rising", ["vnm-rise"]), "west": ("falling", ["jpn-fall"])}
    for alarm in matched:
        if alarm["kind"] == "realignment":
            assert (alarm["direction"], alarm["matches"]) == expected[alarm["partner"]]


def test_a_null_store_gives_few_false_alarms(tmp_path: Path) -> None:
    """Five steady partners and three blocs tested every month: measured at about 0.8 alarm onsets a
    year over ten seeds (2021-2024, issue 13); no seed here should exceed 2 a year."""
    rates = []
    for seed in (0, 2, 4):
        with generated_store(tmp_path / f"null{seed}.duckdb", seed, planted=False) as store:
            result = backtest(store, "PRK", [], date_from="2023-01-01", date_to="2024-12-31", seed=seed)
        assert result.recall is None and result.steps == 24
        rates.append(result.false_alarms_per_year)
    assert max(rates) <= 2.0
    assert sum(rates) / len(rates) <= 1.5


def test_only_data_before_each_step_is_used(tmp_path: Path) -> None:
    """Events after the replay's end change nothing: every step ends the day before its as-of day."""
    with generated_store(tmp_path / "planted.duckdb", 0, planted=True) as store:
        full = backtest(store, "PRK", PLANTED, date_from="2023-02-01", date_to="2023-08-31", seed=1).to_dict()
        store.con.execute("DELETE FROM events WHERE date >= DATE '2023-08-01'")
        cut = backtest(store, "PRK", PLANTED, date_from="2023-02-01", date_to="2023-08-31", seed=1).to_dict()
    assert json.dumps(full["alarms"]) == json.dumps(cut["alarms"])
    assert full["episodes"] == cut["episodes"]


def test_same_seed_same_output(tmp_path: Path) -> None:
    with generated_store(tmp_path / "planted.duckdb", 3, planted=True) as store:
        first = backtest(store, "PRK", PLANTED, date_from="2023-01-01", date_to="2023-12-31", seed=7).to_dict()
        second = backtest(store, "PRK", PLANTED, date_from="2023-01-01", date_to="2023-12-31", seed=7).to_dict()
        with pytest.raises(UsageError, match="--to"):
            backtest(store, "PRK", PLANTED, date_from="2023-01-01", date_to="2022-12-31")
        with pytest.raises(UsageError, match="--window"):
            backtest(store, "PRK", PLANTED, date_from="2023-01-01", date_to="2023-12-31", freq="Q", window_months=4)
    assert json.dumps(first) == json.dumps(second)


def test_bundled_episodes_load_with_references() -> None:
    episodes = read_episodes("bundled")
    names = {e.name for e in episodes}
    assert {"china-rok-normalisation-1992", "russia-summit-2019", "russia-turn-2023", "laos-2025"} <= names
    assert all(e.reference for e in episodes)
    assert all(e.kind in ("rising", "falling", "realignment") for e in episodes)
    china = next(e for e in episodes if e.name == "china-rok-normalisation-1992")
    assert (china.partner, china.kind, china.start.isoformat()) == ("CHN", "falling", "1992-08-24")


def test_bad_episodes_files_are_named_line_by_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,partner,kind,start\na,CHN,up,2020-01-01\nb,RUS,rising,2020-13-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: kind must be .*line 3: bad date: start must be a day like"):
        read_episodes(bad)
    header = tmp_path / "header.csv"
    header.write_text("name,country,start\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks column"):
        read_episodes(header)
    with pytest.raises(InputError, match="not found"):
        read_episodes(tmp_path / "missing.csv")


def test_cli_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with generated_store(tmp_path / "planted.duckdb", 0, planted=True):
        pass
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("name,partner,kind,start\nvnm-rise,VNM,rising,2023-03-01\n", encoding="utf-8")
    db = str(tmp_path / "planted.duckdb")
    args = ["backtest", "PRK", "--episodes", str(episodes), "--from", "2023-01-01", "--to", "2023-12-31"]
    assert run([*args, "--format", "json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"episodes", "alarms", "false_alarms_per_year", "precision", "recall"} <= set(data)
    (episode,) = data["episodes"]
    assert {"name", "partner", "kind", "start", "detected", "detected_at", "delay_months"} <= set(episode)
    assert episode["detected"] is True
    assert {"calendar", "naive_ratio", "persistence"} == set(data["baselines"])
    assert set(data["skill"]["alarms"]) == set(data["baselines"])
    assert data["skill"]["alarms"]["calendar"]["recall"] == data["recall"] - data["baselines"]["calendar"]["recall"]
    assert data["probabilistic"]["by_horizon"]["6"]["reason"].startswith("no step has onsets of 3")
    assert run([*args, "--db", db]) == 0
    out = capsys.readouterr()
    printed = out.out
    assert "vnm-rise" in printed and "alarm onsets" in printed and "recall 1.00" in printed
    assert "beside the baselines" in printed and "naive_ratio" in printed and "persistence" in printed
    assert "no probabilistic score at 6 month(s)" in out.err
    assert run(["backtest", "PRK", "--episodes", str(tmp_path / "none.csv"), "--from", "2023-01-01",
                "--to", "2023-12-31", "--db", db]) == 1  # fmt: skip
    assert "not found" in capsys.readouterr().err


def test_the_documented_2018_detections_on_the_bundled_chronology(bundled_db: Path) -> None:
    """docs/early-warning-and-strategies.md §3 (written by scripts/backtest_doc.py from the 1990-2025 run):
    its episode table gives, for each episode of 2018-19, the detection that a replay of those months
    finds, with and without the rows that define the episode (a replay's detection of an episode reads
    only the steps of its own window, so the short replay gives the long run's answer)."""
    with dw.open(bundled_db, read_only=True) as store:
        result = backtest(store, "PRK", "bundled", date_from="2017-10-01", date_to="2019-03-31", sources=["chronology"])
    doc = (Path(__file__).resolve().parent.parent / "docs" / "early-warning-and-strategies.md").read_text("utf-8")
    table = [line for line in doc.splitlines() if line.startswith("| ") and "-20" in line]
    rows = {line.split(" (")[0].strip("| "): line for line in table}
    assert len(result.episodes) == 4
    for episode in result.episodes:
        at = episode["detected_at"] or "—"
        by = f" ({episode['detected_by']})" if (episode["detected_by"] or "").startswith("realignment") else ""
        delay = episode["delay_months"] if episode["delay_months"] is not None else "—"
        expected = (
            f"| {episode['name']} ({episode['partner']} {episode['kind']}) | {episode['start']} | {at}{by} | {delay} "
            f"| {episode['detected_at_in_sample'] or '—'} |"
        )
        assert rows.get(episode["name"]) == expected, (episode["name"], rows.get(episode["name"]), expected)


# -- issue 25: realignment scored against member partners, a low-rate test, leave-one-out, baselines ------
D = dt.date
STEPS = [D(2023, m, 1) for m in range(1, 13)]
SCORING = {"horizon_months": 3, "date_from": D(2023, 1, 1), "date_to": D(2023, 12, 31)}


def _alarm(day: dt.date, kind: str, partner: str, direction: str) -> dict[str, str]:
    return {"as_of": day.isoformat(), "kind": kind, "partner": partner, "direction": direction}


def test_a_realignment_alarm_is_scored_against_its_member_partners_episodes() -> None:
    episodes = [
        Episode("rus-rise", "RUS", "rising", D(2023, 2, 10)),
        Episode("usa-fall", "USA", "falling", D(2023, 6, 5)),
    ]
    alarms = [
        _alarm(D(2023, 3, 1), "realignment", "china_russia", "rising"),  # RUS is a member, same way: a hit
        _alarm(D(2023, 7, 1), "realignment", "china_russia", "falling"),  # USA is no member: false
        _alarm(D(2023, 8, 1), "realignment", "west", "rising"),  # USA is a member, but it fell: false
        _alarm(D(2023, 9, 1), "realignment", "west", "falling"),  # the fall: a hit
    ]
    score = score_alarms(alarms, episodes, STEPS, **SCORING)
    assert [a["matches"] for a in score.alarms] == [["rus-rise"], [], [], ["usa-fall"]]
    assert (score.onsets, score.false_alarms, score.precision, score.recall) == (4, 2, 0.5, 1.0)
    detected = {e["name"]: (e["detected_at"], e["detected_by"]) for e in score.episodes}
    assert detected == {
        "rus-rise": ("2023-03-01", "realignment china_russia"),
        "usa-fall": ("2023-09-01", "realignment west"),
    }


def test_onsets_are_counted_once_and_an_episode_outside_the_range_still_explains_an_alarm() -> None:
    before = Episode("old-rise", "CHN", "rising", D(2022, 12, 15))
    alarms = [_alarm(d, "rising_partner", "CHN", "rising") for d in STEPS[:3]] + [
        _alarm(STEPS[4], "rising_partner", "CHN", "rising")  # a gap at May: a second onset, outside the window
    ]
    score = score_alarms(alarms, [before], STEPS, **SCORING)
    assert [a["onset"] for a in score.alarms] == [True, False, False, True]
    assert [bool(a["matches"]) for a in score.alarms] == [True, True, True, False]
    assert (score.onsets, score.false_alarms, score.recall) == (2, 1, None)  # the episode starts before 2023


def test_the_low_rate_test_is_the_one_sided_test_of_a_fall() -> None:
    """A partner with a visit-like cluster in 40 % of 120 baseline months, silent for the 12 recent ones:
    the distance test also counts windows with twice the expected events as extreme, the one-sided test
    does not, and its p-value is at most half the two-sided one (about 0.6 ** 12 = 0.002 at best)."""
    for seed in range(6):
        rng = np.random.default_rng(seed)
        periods, recent = 132, 12
        steady = np.where(rng.random((periods, 3)) < 0.4, rng.integers(1, 4, (periods, 3)), 0).astype(float)
        silent = steady[:, :1].copy()
        silent[-recent:] = 0.0
        counts = np.hstack([silent, steady])
        masks = recent_masks(periods, recent, np.random.default_rng(0), 1999)
        low, two_sided = low_rate_p(counts, recent, masks), rate_change_p(counts, recent, masks)
        assert low[0] <= two_sided[0] / 2 and low[0] < 0.025
        assert (low[1:] > 0.025).all()  # the steady partners are not low


def test_shifts_with_the_low_rate_test_flags_a_silent_partner_the_two_sided_test_leaves(tmp_path: Path) -> None:
    """GBR at 0.5 events a month for 13 years, then silent for a year (seed 3: two-sided adjusted p 0.10,
    low-rate 0.02)."""
    rates: dict[str, list[tuple[str, float]]] = {p: [("2010-01-01", 6.0)] for p in STEADY}
    rates["GBR"] = [("2010-01-01", 0.5), ("2023-01-01", 0.0)]
    with dw.open(tmp_path / "silent.duckdb") as store:
        store.load_frame(rate_events(3, "2010-01-01", "2023-12-31", rates), label="g", sha256="silent", fmt="csv")
        plain = shifts(store, "PRK", "2023-01-01", until="2023-12-31", permutations=999, with_indicators=False)
        low = shifts(store, "PRK", "2023-01-01", until="2023-12-31", permutations=999, with_indicators=False,
                     low_rate=True)  # fmt: skip
    assert not [s for s in plain.shifts if s["kind"] == "falling_partner"]
    falls = [s for s in low.shifts if s["kind"] == "falling_partner"]
    assert [(s["partner"], s["evidence"]["test"]) for s in falls] == [("GBR", "low_rate")]
    assert falls[0]["evidence"]["recent"]["events"] == 0 and falls[0]["evidence"]["events"]
    assert {e["partner"]: e["status"] for e in low.partners} == {"CHN": "steady", "GBR": "falling", "RUS": "steady",
                                                                  "USA": "steady"}  # fmt: skip
    # everything else is as without the test
    assert [s for s in low.shifts if s not in falls] == plain.shifts


def lone_visit_store(path: Path) -> dw.Store:
    """Steady CHN, RUS, USA, and Laos with one event a year, then six rows citing one report of a state
    visit: two on 2023-05-10..11 and two in each of the next two months (the only sign of the episode)."""
    rates: dict[str, list[tuple[str, float]]] = {p: [("2010-01-01", 6.0)] for p in STEADY}
    frame = rate_events(0, "2010-01-01", "2023-12-31", rates)
    rows = [
        visit_row(f"csv:lao-{year}", pd.Timestamp(f"{year}-06-15"), "PRK", "LAO", True, summary="yearly", reference="x")
        for year in range(2010, 2023)
    ] + [
        visit_row(f"csv:visit-{i}", pd.Timestamp("2023-05-10") + pd.DateOffset(months=i // 2, days=i % 2), "PRK",
                  "LAO", i % 2 == 0, summary="state visit and its sequels", reference="Laotian Times, 11 May 2023")
        for i in range(6)
    ]  # fmt: skip
    store = dw.open(path)
    store.load_frame(pd.concat([frame, event_frame(rows)], ignore_index=True), label="g", sha256="lao", fmt="csv")
    return store


def test_an_episode_defined_only_by_its_rows_is_not_detected_through_them(tmp_path: Path) -> None:
    episode = Episode("lao-visit", "LAO", "rising", D(2023, 5, 10), "Laotian Times, 11 May 2023 (state visit)")
    with lone_visit_store(tmp_path / "lao.duckdb") as store:
        assert defining_events(store, "PRK", episode) == sorted(f"csv:visit-{i}" for i in range(6))
        out = backtest(store, "PRK", [episode], date_from="2023-04-01", date_to="2023-09-30", seed=1)
        kept = backtest(store, "PRK", [episode], date_from="2023-04-01", date_to="2023-09-30", seed=1,
                        leave_out_defining=False)  # fmt: skip
    (row,) = out.episodes
    assert row["defining_events"] == 6
    assert row["detected_in_sample"] and row["detected_at_in_sample"] == "2023-07-01"  # the rows alone do it
    assert not row["detected"] and out.recall == 0.0 and out.recall_in_sample == 1.0
    assert kept.episodes[0]["detected"] and kept.recall == 1.0


def test_defining_rows_are_found_by_date_and_by_citation(tmp_path: Path) -> None:
    rows = [
        visit_row("csv:a", pd.Timestamp("2019-02-27"), "PRK", "USA", True, summary="summit opens",
                  reference="Wikipedia, '2019 North Korea–United States Hanoi Summit'"),
        visit_row("csv:b", pd.Timestamp("2019-03-20"), "PRK", "USA", True, summary="later, same source",
                  reference="Wikipedia, '2019 North Korea–United States Hanoi Summit'; AP"),
        visit_row("csv:c", pd.Timestamp("2019-03-20"), "PRK", "USA", True, summary="later, other source",
                  reference="Reuters, 20 March 2019"),
        visit_row("csv:d", pd.Timestamp("2019-02-28"), "PRK", "CHN", True, summary="other partner",
                  reference="Wikipedia, '2019 North Korea–United States Hanoi Summit'"),
    ]  # fmt: skip
    reference = "Wikipedia, '2019 North Korea-United States Hanoi Summit'"
    episode = Episode("hanoi", "USA", "falling", D(2019, 3, 1), reference)  # the row of 02-27: 2 days before
    with dw.open(tmp_path / "d.duckdb") as store:
        store.load_frame(event_frame(rows), label="d", sha256="d", fmt="csv")
        assert defining_events(store, "PRK", episode) == ["csv:a", "csv:b"]
        assert defining_events(store, "PRK", Episode("x", "USA", "falling", D(2019, 3, 20), "Reuters")) == [
            "csv:b", "csv:c"]  # fmt: skip


def test_the_baselines_are_the_stated_rules() -> None:
    rising = Episode("chn-rise", "CHN", "rising", D(2023, 3, 5))
    calendar = calendar_alarms(STEPS)
    assert [(a["as_of"], a["partner"]) for a in calendar] == [("2023-01-01", p) for p in MAIN_PARTNERS]
    persistence = persistence_alarms([rising], STEPS, 3)
    assert [a["as_of"] for a in persistence] == ["2023-04-01", "2023-05-01", "2023-06-01"]
    score = score_alarms(persistence, [rising], STEPS, **SCORING)
    assert (score.onsets, score.precision, score.recall, score.episodes[0]["delay_months"]) == (1, 1.0, 1.0, 1)
    assert score_alarms(calendar, [rising], STEPS, **SCORING).recall == 0.0  # January is before the start


def test_the_naive_threshold_matches_the_alarm_count_without_the_episodes() -> None:
    steps = [D(2020, m, 1) for m in range(1, 13)]
    ratios = pd.DataFrame(
        {"A": np.log([1, 3, 1, 3, 1, 3, 1, 1, 1, 1, 1, 1]), "B": np.log([1, 1, 1, 1, 1, 1, 8, 1, 8, 1, 8, 1])},
        index=[d.isoformat() for d in steps],
    )
    assert matched_threshold(ratios, steps, 3) == pytest.approx(8.0, rel=0.05)  # only B's three spikes
    assert matched_threshold(ratios, steps, 6) == pytest.approx(3.0, rel=0.05)  # A's and B's
    alarms = naive_ratio_alarms(ratios, 2.0)
    assert {(a["partner"], a["direction"]) for a in alarms} == {("A", "rising"), ("B", "rising")}
    assert len(naive_ratio_alarms(-ratios, 2.0)) == 6 and naive_ratio_alarms(-ratios, 2.0)[0]["direction"] == "falling"


# -- probabilistic scores ---------------------------------------------------------------------------
def test_brier_and_skill_on_known_answers() -> None:
    rng = np.random.default_rng(0)
    outcome = (rng.random(500) < 0.1).astype(float)
    assert brier(outcome, outcome) == 0.0
    assert brier_skill(outcome, outcome) == 1.0
    assert brier_skill(np.full(500, outcome.mean()), outcome) == pytest.approx(0.0, abs=1e-12)
    assert brier(np.full(4, 0.5), [0, 1, 0, 1]) == 0.25
    assert brier_skill(np.full(4, 0.5), [0, 0, 0, 1]) == pytest.approx(1 - 0.25 / 0.1875)
    assert brier_skill([0.2, 0.2], [1, 1]) is None  # the base rate is perfect: no ratio
    with pytest.raises(UsageError):
        brier([0.1], [0, 1])


def test_the_reliability_table_bins_forecasts_and_counts_outcomes() -> None:
    table = reliability_table([0.0, 0.005, 0.015, 0.3, 0.3, 1.0], [0, 0, 1, 1, 0, 1])
    filled = {(r["low"], r["high"]): (r["n"], r["mean_forecast"], r["observed_rate"]) for r in table if r["n"]}
    assert filled == {
        (0.0, 0.01): (2, pytest.approx(0.0025), 0.0),
        (0.01, 0.02): (1, pytest.approx(0.015), 1.0),
        (0.2, 0.5): (2, pytest.approx(0.3), 0.5),
        (0.5, 1.0): (1, 1.0, 1.0),
    }
    assert sum(r["n"] for r in table) == 6 and [r["mean_forecast"] for r in table if not r["n"]] == [None] * 3


def synthetic_units(seed: int, months: int = 120) -> pd.DataFrame:
    """Units whose 3-month onsets follow a known logistic law of ``evidence`` (high evidence: onset likely)."""
    rng = np.random.default_rng(seed)
    days = [d.date().isoformat() for d in pd.date_range("2000-01-01", periods=months, freq="MS")]
    frame = pd.DataFrame([(d, p, "rising") for d in days for p in "ABCDE"], columns=["as_of", "partner", "direction"])
    frame["falling"] = 0.0
    frame["evidence"] = rng.exponential(1.0, len(frame))
    frame["onset_3"] = (rng.random(len(frame)) < 1 / (1 + np.exp(-(-4 + 1.5 * frame["evidence"])))).astype(float)
    return frame


def test_onset_probabilities_learn_from_the_past_only() -> None:
    units = synthetic_units(1)
    found = onset_probabilities(units, "2009-01-01", 3).set_index("partner")
    evidence = units[units["as_of"] == "2009-01-01"].set_index("partner")["evidence"]
    # ordered as the evidence is, and near the law that made the outcomes
    assert list(found["probability"].sort_values().index) == list(evidence.sort_values().index)
    law = 1 / (1 + np.exp(-(-4 + 1.5 * evidence)))
    assert np.abs(found["probability"] - law).max() < 0.1
    assert found["training_units"].iloc[0] == 5 * (12 * 8 + 10)  # as-of days up to 2008-10-01
    # outcomes not yet known on the day change nothing
    later = units.copy()
    later.loc[pd.to_datetime(later["as_of"]) > pd.Timestamp("2008-10-01"), "onset_3"] = 1.0
    again = onset_probabilities(later, "2009-01-01", 3).set_index("partner")
    assert np.allclose(again["probability"], found["probability"])
    empty = onset_probabilities(units.assign(onset_3=0.0), "2009-01-01", 3)
    assert empty["probability"].isna().all()  # nothing to learn from: no number


def test_probabilistic_scores_rank_an_informed_forecaster_above_the_base_rate() -> None:
    units = synthetic_units(2)
    units["calendar"] = 0.0
    units["log_ratio"] = units["evidence"] + np.random.default_rng(3).normal(0, 3, len(units))  # a noisy copy
    units["persistence_3"] = 0.0
    days = sorted({dt.date.fromisoformat(d) for d in units["as_of"]})
    entry = probabilistic_scores(units, days, horizons=[3])["by_horizon"]["3"]
    scores = {name: s["brier_skill"] for name, s in entry["forecasters"].items()}
    assert scores["dyadwatch"] > 0.1 > scores["naive_ratio"] > scores["base_rate"] - 0.02
    assert abs(scores["base_rate"]) < 0.02 and abs(scores["calendar"]) < 0.02
    assert entry["units"] == 5 * len([d for d in days if d >= dt.date.fromisoformat(entry["scored_from"])])
