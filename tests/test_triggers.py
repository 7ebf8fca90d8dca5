"""Trigger data (issue 13): UN Security Council resolutions, US-ROK exercises, elections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import dyadwatch as dw
from dyadwatch.ingest import triggers

CHRONOLOGY = Path(dw.__file__).parent / "data" / "chronology" / "united_nations.yaml"


SANCTIONS = [1695, 1718, 1874, 2087, 2094, 2270, 2321, 2356, 2371, 2375, 2397]
RENEWALS = [1928, 1985, 2050, 2141, 2207, 2276, 2345, 2407, 2464, 2515, 2569, 2627, 2680]


def test_every_security_council_resolution_on_the_dprk_with_its_day() -> None:
    frame, _ = triggers.un_resolutions(adopted_only=True)
    numbers = dict(zip(frame["number"], frame["date"], strict=True))
    assert sorted(numbers) == sorted([82, 83, 84, 85, 88, 90, 702, 825, *SANCTIONS, *RENEWALS])
    assert numbers[1718] == dt.date(2006, 10, 14)
    assert numbers[2397] == dt.date(2017, 12, 22)
    assert numbers[1928] == dt.date(2010, 6, 7) and numbers[2680] == dt.date(2023, 3, 23)
    kinds = dict(zip(frame["number"], frame["kind"], strict=True))
    assert {n for n, k in kinds.items() if k == "sanctions"} == set(SANCTIONS)
    assert {n for n, k in kinds.items() if k == "renewal"} == set(RENEWALS)
    assert all(f"Resolution {n}" in s for n, s in zip(frame["number"], frame["summary"], strict=True))
    assert all(
        d == f"S/RES/{n} ({day.year})"
        for n, d, day in zip(frame["number"], frame["document"], frame["date"], strict=True)
    )
    # the same day and reference as the checked chronology record, for each resolution it records
    records = yaml.safe_load(CHRONOLOGY.read_text(encoding="utf-8"))["events"]
    in_chronology = []
    for number, day, reference in zip(frame["number"], frame["date"], frame["reference"], strict=True):
        found = [r for r in records if f"Security Council Resolution {number} " in r["summary"]]
        if found:
            (record,) = found
            assert record["date"] == day and record["reference"] == reference
            in_chronology.append(number)
    assert in_chronology == [82, 83, 84, 702, 825, *SANCTIONS]


def test_the_vetoed_drafts_are_listed_without_a_number() -> None:
    frame, _ = triggers.un_resolutions()
    drafts = frame[~frame["adopted"]]
    assert list(zip(drafts["date"], drafts["document"], drafts["kind"], strict=True)) == [
        (dt.date(2022, 5, 26), "S/2022/431", "sanctions"),
        (dt.date(2024, 3, 28), "S/2024/255", "renewal"),
    ]
    assert (drafts["number"] == 0).all() and (drafts["event_code"] == "").all()


def test_every_list_states_its_scope() -> None:
    assert triggers.scope("un_resolutions").startswith("Security Council resolutions on the DPRK")
    assert "complete for" in triggers.scope("un_resolutions").lower()
    assert "sample" in triggers.scope("exercises") and "month" in triggers.scope("exercises")
    assert "complete for" in triggers.scope("elections").lower()


def test_exercises_have_both_days_and_a_reference() -> None:
    frame, _ = triggers.exercises()
    assert len(frame) == 25 and frame["reference"].str.strip().astype(bool).all()
    assert (frame["end"] >= frame["start"]).all()
    ufs = frame.set_index("name").loc["Ulchi Freedom Shield 2023"]
    assert (ufs["start"], ufs["end"]) == (dt.date(2023, 8, 21), dt.date(2023, 8, 31))
    assert frame.groupby("status").size().to_dict() == {"held": 17, "scaled-down": 5, "suspended": 3}
    # A month-precision row's window is the whole months.
    team_spirit = frame.set_index("name").loc["Team Spirit 1986"]
    assert (team_spirit["start"], team_spirit["end"], team_spirit["precision"]) == (
        dt.date(1986, 2, 1),
        dt.date(1986, 4, 30),
        "month",
    )
    held, _ = triggers.exercises(held_only=True)
    assert len(held) == 22 and "suspended" not in set(held["status"])


def test_a_month_row_with_a_day_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from dyadwatch.errors import InputError

    bad = pd.DataFrame(
        {"name": ["X"], "start": ["1986-02-10"], "end": ["1986-04"], "precision": ["month"], "status": ["held"],
         "reference": ["AP, 11 February 1986"]}
    )  # fmt: skip
    monkeypatch.setattr(triggers, "_read", lambda name: (bad, "x", f"data/triggers/{name}.csv"))
    with pytest.raises(InputError, match="YYYY-MM"):
        triggers.exercises()


def test_elections_and_the_trigger_table() -> None:
    polls, _ = triggers.elections()
    assert set(polls["country"]) == {"KOR", "USA"}
    kor = sorted(d for c, d in zip(polls["country"], polls["date"], strict=True) if c == "KOR")
    assert kor[-3:] == [dt.date(2017, 5, 9), dt.date(2022, 3, 9), dt.date(2025, 6, 3)]
    table = triggers.triggers()
    # Trigger windows: adopted resolutions other than renewals, exercises that were held.
    assert table.groupby("kind").size().to_dict() == {"election": 19, "exercise": 22, "un_resolution": 19}
    assert table["start"].is_monotonic_increasing
    assert table["reference"].str.strip().astype(bool).all()


def test_loaded_as_unilateral_events(store: dw.Store) -> None:
    for loader, fmt, n in (
        (triggers.resolution_events, "un_resolutions", 19),
        (triggers.exercise_events, "exercises", 22),
    ):
        frame, digest = loader()
        report = store.load_frame(frame, label=fmt, sha256=digest, fmt=fmt)
        assert report.rows_kept == n and report.rows_rejected == 0
    rows = store.con.execute(
        "SELECT source, count(*), count(actor2), min(reference) <> '' FROM events GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [("exercises", 22, 0, True), ("un_resolutions", 19, 0, True)]
    month = store.con.execute("SELECT date, summary FROM events WHERE summary LIKE '%Team Spirit 1986%'").fetchone()
    assert month is not None and month[0] == dt.date(1986, 2, 1) and "known to the month only" in month[1]
    assert store.con.execute("SELECT actor1 FROM events WHERE event_id = 'un_resolutions:1718'").fetchone() == (
        "IGOUNO",
    )


def test_a_row_without_a_reference_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from dyadwatch.errors import InputError

    bad = pd.DataFrame({"country": ["KOR"], "kind": ["presidential"], "date": ["2022-03-09"], "reference": [" "]})
    monkeypatch.setattr(triggers, "_read", lambda name: (bad, "x", f"data/triggers/{name}.csv"))
    with pytest.raises(InputError, match="line 2: every row needs a reference"):
        triggers.elections()


def test_sources_shows_each_lists_scope(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from dyadwatch.cli import run

    assert run(["sources", "--format", "json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    for name in ("un_resolutions", "exercises", "elections"):
        assert listed[name]["scope"] == triggers.scope(name) and listed[name]["scope"]
    assert "sample" in listed["exercises"]["scope"]
