"""Issue 3: the bundled chronology is valid, referenced, broad, and loads through the ingest path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import InputError
from dyadwatch.ingest import chronology, lists
from dyadwatch.ingest.bundled import load_bundled

REQUIRED_PARTNERS = {
    "RUS",
    "CHN",
    "JPN",
    "USA",
    "KOR",
    "VNM",
    "LAO",
    "MNG",
    "CUB",
    "SYR",
    "IRN",
    "CHE",
    "SWE",
    "DDR",
    "DEU",
    "POL",
    "CSK",
    "ROU",
    "YUG",
    "IDN",
    "EGY",
    "PAK",
    "IND",
    "GBR",
    "MMR",
    "SGP",
    "MYS",
    "BLR",
    "IGOUNO",
}


@pytest.fixture(scope="module")
def records() -> list[tuple[str, chronology.ChronologyRecord]]:
    return [(rel.stem, record) for rel in chronology.relationships() for record in rel.records]


def partner_of(record: chronology.ChronologyRecord) -> str:
    return record.actor2 if record.actor1 == "PRK" else record.actor1


def test_coverage_is_broad(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    assert len(records) >= 600
    partners = {partner_of(r) for _, r in records}
    assert len(partners) >= 25
    assert partners >= REQUIRED_PARTNERS, sorted(REQUIRED_PARTNERS - partners)
    decades = Counter(r.date.year // 10 * 10 for _, r in records)
    assert all(decades[d] > 0 for d in range(1940, 2030, 10)), decades
    codes = cameo = [r.event_code for _, r in records]
    assert cameo, codes
    quads = Counter(dw.codebook.quad_class(r.event_code) for _, r in records)
    assert quads[1] + quads[2] > 100 and quads[3] + quads[4] > 50, quads
    directions = Counter(r.actor1 == "PRK" for _, r in records)
    assert directions[True] > 100 and directions[False] > 100


def test_every_record_is_referenced_and_dated(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    today = dt.date.today()
    for stem, record in records:
        assert len(record.reference) >= 10, (stem, record)
        assert record.date <= today
        assert record.event_code in dw.codebook.cameo_codes()


def test_recent_repositioning_is_there(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    recent = [r for _, r in records if r.date.year == 2025]
    assert {partner_of(r) for r in recent} >= {"VNM", "LAO", "CHN", "RUS"}
    anniversary = {partner_of(r) for _, r in records if r.group_id == "wpk-80th-2025-10-10"}
    assert anniversary >= {"CHN", "RUS", "VNM"}, anniversary
    parade = {partner_of(r) for _, r in records if r.group_id == "beijing-parade-2025-09-03"}
    assert "CHN" in parade
    treaty = [r for _, r in records if r.date == dt.date(2024, 6, 19) and partner_of(r) == "RUS"]
    assert any(r.event_code == "057" for r in treaty), "the 19 June 2024 treaty signing with Russia"


def test_every_relationship_loads_through_the_ingest_path(tmp_path: Path) -> None:
    with dw.open(tmp_path / "c.duckdb") as store:
        for relationship in chronology.relationships():
            report = store.load_frame(
                chronology.to_frame(relationship), label=relationship.stem, sha256=relationship.sha256, fmt="chronology"
            )
            assert report.status == "loaded"
            assert report.rows_kept == len(relationship.records) and report.rows_rejected == 0
            assert report.reconciles
        stored = store.events(source="chronology")
        assert stored["reference"].str.len().min() >= 10
        assert stored["event_id"].is_unique


def _write(tmp_path: Path, events: list[dict[str, object]]) -> Path:
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump({"partner": "CHN", "name": "China", "events": events}), encoding="utf-8")
    return path


GOOD = {
    "date": "1961-07-11",
    "actor1": "PRK",
    "actor2": "CHN",
    "event_code": "057",
    "summary": "The two states sign a treaty of friendship.",
    "reference": "Treaty of Friendship, 11 July 1961",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2999-01-01"}, "in the future"),
        ({"date": "1984-09"}, "date"),
        ({"date": "1961-02-30"}, "date"),
        ({"event_code": "999"}, "not in the codebook"),
        ({"actor2": "XXX"}, "unknown actor"),
        ({"reference": ""}, "reference"),
        ({"actor1": "CHN"}, "one actor must be PRK"),
    ],
)
def test_validation_rejects_bad_records(tmp_path: Path, change: dict[str, str], message: str) -> None:
    path = _write(tmp_path, [{**GOOD, **change}])
    with pytest.raises(InputError) as caught:
        chronology.read_relationship(path)  # type: ignore[arg-type]  # a Path is a Traversable
    assert "test.yaml" in str(caught.value) and message in str(caught.value)


def test_validation_rejects_duplicates(tmp_path: Path) -> None:
    path = _write(tmp_path, [GOOD, dict(GOOD, summary="The same event entered a second time.")])
    with pytest.raises(InputError, match="duplicate event"):
        chronology.read_relationship(path)  # type: ignore[arg-type]


def test_list_counts_match_their_files(tmp_path: Path) -> None:
    raw = resources.files("dyadwatch").joinpath("data/provocations/north_korea_provocations_1958_present.csv")
    provocation_rows = list(csv.DictReader(io.StringIO(raw.read_text("utf-8"))))
    tests_json = json.loads(resources.files("dyadwatch").joinpath("data/missile_tests/test.en.json").read_text("utf-8"))
    missile_rows = [t for year in tests_json["timeBins"] for t in year["data"]]
    day_dated = [t for t in missile_rows if len(t["date"]) == 10]
    with dw.open(tmp_path / "b.duckdb") as store:
        reports = {r.format: r for r in load_bundled(store)}
        assert reports["provocations"].rows_read == len(provocation_rows) == 493
        assert store.count("provocations") == len(provocation_rows)
        assert reports["missile_tests"].rows_read == len(missile_rows) == 339
        assert store.count("missile_tests") == len(day_dated)
        assert reports["missile_tests"].rows_rejected == len(missile_rows) - len(day_dated)
        assert "not a full YYYY-MM-DD day" in store.rejects()["reason"].iloc[0]
        unilateral = store.con.execute(
            "SELECT count(*) FROM events WHERE source IN ('provocations', 'missile_tests') AND actor2 IS NOT NULL"
        ).fetchone()
        assert unilateral == (0,)
        # Loading the bundled data again adds nothing.
        again = load_bundled(store)
        assert all(r.status == "already loaded" for r in again)


def test_provocation_codes_are_documented_keywords() -> None:
    assert lists.provocation_code("Hijacking of South Korean Plane") == "181"
    assert lists.provocation_code("Artillery Fire") == "194"
    assert lists.provocation_code("Intercontinental Ballistic Missile") == "150"
    assert lists.provocation_code("Balloon-floating Trash") == "170"


def test_cli_export_lists_the_chronology(bundled_db: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert run(["export", "events", "--source", "chronology", "--format", "csv", "--db", str(bundled_db)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode("utf-8"))))
    assert len(rows) >= 600
    assert all(row["reference"].strip() for row in rows)
    partners = {row["actor2"] if row["actor1"] == "PRK" else row["actor1"] for row in rows}
    assert len(partners) >= 25


def test_cli_sources_lists_licences(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["sources", "--format", "json"]) == 0
    listed = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"chronology", "provocations", "missile_tests", "unvotes"}
    assert "MIT" in listed["unvotes"]["licence"] and listed["unvotes"]["records"] == 6203
    assert "CC0" in listed["provocations"]["licence"] and "Apache" in listed["missile_tests"]["licence"]
    assert listed["provocations"]["records"] == 493
