"""Trigger data (issue 13): UN Security Council resolutions, US-ROK exercises, elections."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

import dyadwatch as dw
from dyadwatch.ingest import triggers

CHRONOLOGY = Path(dw.__file__).parent / "data" / "chronology" / "united_nations.yaml"


def test_every_security_council_resolution_on_the_dprk_with_its_day() -> None:
    frame, _ = triggers.un_resolutions()
    numbers = dict(zip(frame["number"], frame["date"], strict=True))
    assert list(numbers) == [82, 83, 84, 702, 825, 1695, 1718, 1874, 2087, 2094, 2270, 2321, 2356, 2371, 2375, 2397]
    assert numbers[1718] == dt.date(2006, 10, 14)
    assert numbers[2397] == dt.date(2017, 12, 22)
    assert all(f"Resolution {n}" in s for n, s in zip(frame["number"], frame["summary"], strict=True))
    # the same day and reference as the checked chronology record
    records = yaml.safe_load(CHRONOLOGY.read_text(encoding="utf-8"))["events"]
    for number, day, reference in zip(frame["number"], frame["date"], frame["reference"], strict=True):
        (record,) = [r for r in records if f"Security Council Resolution {number} " in r["summary"]]
        assert record["date"] == day and record["reference"] == reference


def test_exercises_have_both_days_and_a_reference() -> None:
    frame, _ = triggers.exercises()
    assert len(frame) == 16 and frame["reference"].str.strip().astype(bool).all()
    assert (frame["end"] >= frame["start"]).all()
    ufs = frame.set_index("name").loc["Ulchi Freedom Shield 2023"]
    assert (ufs["start"], ufs["end"]) == (dt.date(2023, 8, 21), dt.date(2023, 8, 31))
    assert not frame["name"].str.startswith("Team Spirit").any()  # no sourced days: left out


def test_elections_and_the_trigger_table() -> None:
    polls, _ = triggers.elections()
    assert set(polls["country"]) == {"KOR", "USA"}
    kor = sorted(d for c, d in zip(polls["country"], polls["date"], strict=True) if c == "KOR")
    assert kor[-3:] == [dt.date(2017, 5, 9), dt.date(2022, 3, 9), dt.date(2025, 6, 3)]
    table = triggers.triggers()
    assert table.groupby("kind").size().to_dict() == {"election": 19, "exercise": 16, "un_resolution": 16}
    assert table["start"].is_monotonic_increasing
    assert table["reference"].str.strip().astype(bool).all()


def test_loaded_as_unilateral_events(store: dw.Store) -> None:
    for loader, fmt in ((triggers.resolution_events, "un_resolutions"), (triggers.exercise_events, "exercises")):
        frame, digest = loader()
        report = store.load_frame(frame, label=fmt, sha256=digest, fmt=fmt)
        assert report.rows_kept == 16 and report.rows_rejected == 0
    rows = store.con.execute(
        "SELECT source, count(*), count(actor2), min(reference) <> '' FROM events GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [("exercises", 16, 0, True), ("un_resolutions", 16, 0, True)]
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
