"""`dyadwatch backtest`: known answers on generated stores, the episodes file, the CLI contract."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.analysis.backtest import Episode, backtest, read_episodes
from dyadwatch.cli import run
from dyadwatch.errors import InputError, UsageError
from dyadwatch.testing import rate_events

STEADY = ("CHN", "RUS", "USA")


def generated_store(path: Path, seed: int, planted: bool) -> dw.Store:
    """PRK with CHN, RUS, USA steady at 6 events a month, 2010-2024; when ``planted``, VNM rises from
    0.2 to 6 a month on 2023-03-01 and JPN falls from 8 to 0.5 on 2023-09-01 (steady at 6 otherwise)."""
    rates: dict[str, list[tuple[str, float]]] = {p: [("2010-01-01", 6.0)] for p in STEADY}
    if planted:
        rates["VNM"] = [("2010-01-01", 0.2), ("2023-03-01", 6.0)]
        rates["JPN"] = [("2010-01-01", 8.0), ("2023-09-01", 0.5)]
    else:
        rates["VNM"] = [("2010-01-01", 6.0)]
        rates["JPN"] = [("2010-01-01", 6.0)]
    store = dw.open(path)
    store.load_frame(
        rate_events(seed, "2010-01-01", "2024-12-31", rates), label="generated", sha256=f"g-{seed}-{planted}", fmt="csv"
    )
    return store


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
    assert {a["partner"] for a in matched} == {"VNM", "JPN"}


def test_a_null_store_gives_few_false_alarms(tmp_path: Path) -> None:
    """Five steady partners and three blocs tested every month: measured at about 0.8 alarm onsets a
    year over ten seeds (2021-2024, issue 13); no seed here should exceed 2 a year."""
    rates = []
    for seed in (0, 2, 4):
        with generated_store(tmp_path / f"null{seed}.duckdb", seed, planted=False) as store:
            result = backtest(store, "PRK", [], date_from="2023-01-01", date_to="2024-12-31", seed=seed)
        assert result.recall is None and result.steps == 24
        assert result.false_alarms == result.onsets  # with no episodes every onset is false
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
    with pytest.raises(InputError, match=r"line 2: kind must be .*line 3: start must be a date"):
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
    assert run([*args, "--db", db]) == 0
    printed = capsys.readouterr().out
    assert "vnm-rise" in printed and "alarm onsets" in printed and "recall 1.00" in printed
    assert run(["backtest", "PRK", "--episodes", str(tmp_path / "none.csv"), "--from", "2023-01-01",
                "--to", "2023-12-31", "--db", db]) == 1  # fmt: skip
    assert "not found" in capsys.readouterr().err


def test_the_documented_2018_detections_on_the_bundled_chronology(bundled_db: Path) -> None:
    """docs/early-warning-and-strategies.md §3: the 2018 summitry is caught four months late."""
    with dw.open(bundled_db, read_only=True) as store:
        result = backtest(store, "PRK", "bundled", date_from="2017-10-01", date_to="2019-03-31", sources=["chronology"])
    found = {e["name"]: (e["detected_at"], e["delay_months"]) for e in result.episodes}
    assert found["inter-korean-thaw-2018"] == ("2018-05-01", 4)
    assert found["us-summitry-2018"] == ("2018-07-01", 4)
    assert found["china-summitry-2018"] == ("2018-07-01", 4)
    assert found["hanoi-collapse-2019"] == (None, None)
