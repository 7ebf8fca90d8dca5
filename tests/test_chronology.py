"""Issue 3: the bundled chronology is valid, referenced, broad, and loads through the ingest path.

Issue 9: one CAMEO code per recurring kind of event, month-only dates said as such, summits flagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import InputError
from dyadwatch.ingest import chronology, lists
from dyadwatch.ingest.bundled import KCNA_2024, load_bundled
from dyadwatch.ingest.lists import MONTH_ONLY
from dyadwatch.ingest.texts import EMPTY_TEXT

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
        ({"date": "1984-09-15", "date_precision": "month"}, "date_precision month"),
        ({"date": "1984-13", "date_precision": "month"}, "YYYY-MM"),
        ({"date_precision": "year"}, "date_precision"),
        ({"summit": True, "event_code": "111"}, "summit"),
    ],
)
def test_validation_rejects_bad_records(tmp_path: Path, change: dict[str, object], message: str) -> None:
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
        # Tests dated to the month only are left out on purpose, counted with their reason: not rejects.
        month_only = reports["missile_tests"]
        assert (month_only.rows_rejected, month_only.rows_skipped) == (0, len(missile_rows) - len(day_dated)) == (0, 8)
        assert month_only.skipped == {MONTH_ONLY: 8} and month_only.reconciles
        unilateral = store.con.execute(
            "SELECT count(*) FROM events WHERE source IN ('provocations', 'missile_tests') AND actor2 IS NOT NULL"
        ).fetchone()
        assert unilateral == (0,)
        # The CC0 KCNA items of 2024 load as texts (2 111 items; 249 have no story text and are left out,
        # counted with their reason; nothing of the bundled data is a reject).
        kcna = reports["texts:kcna-json"]
        items = json.loads(gzip.decompress(KCNA_2024.read_bytes()))
        empty = sum(1 for item in items if not (item.get("story_text") or "").strip())
        assert (kcna.rows_read, kcna.rows_kept) == (len(items), len(items) - empty) == (2111, 1862)
        assert (kcna.rows_rejected, kcna.skipped, kcna.reconciles) == (0, {EMPTY_TEXT: 249}, True)
        assert store.rejects().empty
        assert store.con.execute("SELECT sum(rows_skipped) FROM loads").fetchone() == (257,)
        assert store.con.execute("SELECT count(*) FROM texts WHERE collection = 'kcna'").fetchone() == (1862,)
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
    assert set(listed) == {
        "chronology", "provocations", "missile_tests", "un_resolutions", "exercises", "elections", "kcna_2024",
        "unvotes",
    }  # fmt: skip
    assert "CC0" in listed["kcna_2024"]["licence"] and listed["kcna_2024"]["records"] == 2111
    assert (listed["kcna_2024"]["first"][:10], listed["kcna_2024"]["last"][:10]) == ("2023-12-24", "2024-11-10")
    assert "MIT" in listed["unvotes"]["licence"] and listed["unvotes"]["records"] == 6203
    assert "CC0" in listed["provocations"]["licence"] and "Apache" in listed["missile_tests"]["licence"]
    assert listed["provocations"]["records"] == 493


# --- issue 9: validity of the coding --------------------------------------------------------------

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
KIMS = ("Kim Il Sung", "Kim Jong Il", "Kim Jong Un")
#: Third states establishing relations with Seoul, ending exclusive recognition of Pyongyang.
SEOUL_RECOGNITION = re.compile(r"establish(es)? (full )?diplomatic (relations|ties) with (South Korea|Seoul)")
#: A vote in the Security Council that protects North Korea.
VETO = re.compile(r"\bveto", re.IGNORECASE)
#: Security Council resolutions imposing or tightening sanctions on North Korea (number and day).
SANCTIONS_RESOLUTIONS = {
    "1695": "2006-07-15",
    "1718": "2006-10-14",
    "1874": "2009-06-12",
    "2087": "2013-01-22",
    "2094": "2013-03-07",
    "2270": "2016-03-02",
    "2321": "2016-11-30",
    "2356": "2017-06-02",
    "2371": "2017-08-05",
    "2375": "2017-09-11",
    "2397": "2017-12-22",
}
#: The adopting body's row (``Security Council Resolution 1718 …``) or a member's vote for it.
SANCTIONS_VOTE = re.compile(
    r"Security Council Resolution (\d{4})\b|\b(votes? for|backs|supports|joins the unanimous)\b.*"
    r"\b(sanctions|Security Council)\b"
)


def test_recognition_of_seoul_is_one_code(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    found = {
        (partner_of(r), r.date.isoformat()): r.event_code for _, r in records if SEOUL_RECOGNITION.search(r.summary)
    }
    assert set(found) == {
        ("HUN", "1989-02-01"),
        ("POL", "1989-11-01"),
        ("YUG", "1989-12-27"),
        ("CSK", "1990-03-22"),
        ("BGR", "1990-03-23"),
        ("ROU", "1990-03-30"),
        ("RUS", "1990-09-30"),
        ("CHN", "1992-08-24"),
        ("CUB", "2024-02-14"),
    }, found
    assert set(found.values()) == {"161"}, found
    assert all(r.actor2 == "PRK" for _, r in records if SEOUL_RECOGNITION.search(r.summary))


def test_security_council_vetoes_are_one_code(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    vetoes = [r for _, r in records if VETO.search(r.summary)]
    assert {(r.actor1, r.date.isoformat()) for r in vetoes} == {
        ("CHN", "2022-05-26"),
        ("RUS", "2022-05-26"),
        ("RUS", "2024-03-28"),
    }
    # The vetoing state's act toward PRK (050), never an IGOUNO row: the UN did nothing to PRK.
    assert {r.event_code for r in vetoes} == {"050"} and all(r.actor2 == "PRK" for r in vetoes)
    panel_of_experts = [r for _, r in records if r.date == dt.date(2024, 3, 28)]
    assert [(r.actor1, r.event_code) for r in panel_of_experts] == [("RUS", "050")]


def test_sanctions_resolutions_are_one_code(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    matched = [r for _, r in records if SANCTIONS_VOTE.search(r.summary)]
    for record in matched:
        number = SANCTIONS_VOTE.search(record.summary).group(1)  # type: ignore[union-attr]
        if number is not None:  # a numbered resolution: only the sanctions ones are in the table
            if number not in SANCTIONS_RESOLUTIONS:
                continue
            assert SANCTIONS_RESOLUTIONS[number] == record.date.isoformat(), record
        assert record.date.isoformat() in SANCTIONS_RESOLUTIONS.values(), record
        assert record.event_code == "163", record
        assert record.actor2 == "PRK", record
    by_day = Counter((partner_of(r), r.date.isoformat()) for r in matched if r.event_code == "163")
    # Each sanctions resolution: the Security Council's row and the votes of China and Russia.
    for day in SANCTIONS_RESOLUTIONS.values():
        assert {p for p, d in by_day if d == day} == {"IGOUNO", "CHN", "RUS"}, day
    assert len(by_day) == 3 * len(SANCTIONS_RESOLUTIONS)


def test_individual_codings_from_issue_9(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    by_key = {(partner_of(r), r.date.isoformat()): r for _, r in records}
    assert by_key[("IGOUNO", "1950-06-25")].event_code == "1056"  # Resolution 82: cease fire, withdraw
    # No reactor cooperation dated on the day of the Israeli strike on Al Kibar.
    assert ("SYR", "2007-09-06") not in by_key
    assert by_key[("USA", "2008-04-24")].event_code == "112"  # the US statement that told of it


def test_month_only_dates_are_flagged_and_not_placeholder_days(
    records: list[tuple[str, chronology.ChronologyRecord]],
) -> None:
    month_only = [(stem, r) for stem, r in records if r.date_precision == "month"]
    assert [(stem, r.date) for stem, r in month_only] == [
        ("china", dt.date(1957, 11, 1)),  # Kim meets Mao in Moscow: Puzanov's record of 12 November gives no day
        ("china", dt.date(1983, 6, 1)),  # Kim Jong Il's first China visit (both records): 1-13 June unconfirmed
        ("china", dt.date(1983, 6, 1)),
        ("china", dt.date(1984, 11, 1)),  # Kim Jong Il's unofficial visit: Yu Hongjun (2019) gives the month only
        ("pakistan", dt.date(1978, 3, 1)),
        ("russia", dt.date(1966, 12, 1)),  # Kim's unofficial visit: a GDR note of 1967 dates it to December 1966 only
        ("russia", dt.date(1966, 12, 1)),
        ("russia", dt.date(1973, 4, 1)),  # Supreme Soviet-SPA letters: the Great Soviet Encyclopedia gives the month
        ("russia", dt.date(1981, 2, 1)),  # Li Jong Ok at the CPSU 26th Congress: a newsreel gives "the third day" only
        ("russia", dt.date(1987, 7, 1)),  # fisheries agreement: Seoul's Foreign Ministry profile gives "1987.7" only
        ("yugoslavia", dt.date(1977, 8, 1)),  # Tito's visit: the sources give the day he left, not his arrival
        ("yugoslavia", dt.date(1977, 8, 1)),
    ]
    for _, record in records:
        if record.date_precision == "day":
            # A day-dated record must not say in its summary that only the month is known.
            assert not re.search(rf"\(({MONTHS}) \d{{4}}\)", record.summary), record
        else:
            assert record.date.day == 1
            assert record.stored_summary.endswith(chronology.MONTH_ONLY_NOTE)


def test_month_only_record_is_stored_on_the_first_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, [{**GOOD, "date": "1978-03", "date_precision": "month"}])
    relationship = chronology.read_relationship(path)  # type: ignore[arg-type]
    assert relationship.records[0].date == dt.date(1978, 3, 1)
    frame = chronology.to_frame(relationship)
    assert frame["date"].iloc[0] == dt.date(1978, 3, 1)
    assert frame["summary"].iloc[0] == GOOD["summary"] + " (date known to the month only)"
    assert frame["event_id"].iloc[0] == "chronology:test:1978-03-01:PRK-CHN:057"
    # Written as the first of the month, it is the same record.
    same = chronology.read_relationship(_write(tmp_path, [{**GOOD, "date": "1978-03-01", "date_precision": "month"}]))  # type: ignore[arg-type]
    assert same.records == relationship.records
    # A day-dated record is stored as written.
    plain = chronology.to_frame(chronology.read_relationship(_write(tmp_path, [GOOD])))  # type: ignore[arg-type]
    assert plain["summary"].iloc[0] == GOOD["summary"]


def _top_leader(day: dt.date) -> str:
    if day < dt.date(1994, 7, 8):
        return "Kim Il Sung"
    return "Kim Jong Il" if day < dt.date(2011, 12, 17) else "Kim Jong Un"


def test_summits_are_leader_meetings(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    flagged = [r for _, r in records if r.summit]
    assert len(flagged) >= 100
    for record in flagged:
        assert record.event_code[:2] in {"04", "05"}, record
        assert _top_leader(record.date) in record.summary, record
        # Not letters, calls, envoys or ministers.
        assert not re.search(r"letter|message|telephone|phone|envoy|Foreign Minister", record.summary), record
    summits = {(partner_of(r), r.date.isoformat()) for r in flagged}
    assert summits >= {
        ("CHN", "2018-03-26"),
        ("USA", "2018-06-12"),
        ("KOR", "2000-06-13"),
        ("RUS", "2019-04-25"),
        ("RUS", "2023-09-13"),
        ("RUS", "2024-06-19"),
    }
    # Visits without a leader-level meeting: the Chinese foreign minister (1992), an envoy (2013),
    # a Politburo member (2015), the NPC chairman (2024), Mongolia's president whom Kim did not meet.
    for partner, day in [("CHN", "1992-07-15"), ("CHN", "2013-05-24"), ("CHN", "2015-10-10"), ("CHN", "2024-04-13")]:
        assert (partner, day) not in summits
    assert not any(partner_of(r) == "MNG" and r.date.year == 2013 for r in flagged)
    # Kim Jong Il met foreign leaders before 1994, but was not yet the top leader.
    assert ("CHN", "1988-09-07") not in summits


def test_a_kim_meeting_a_foreign_minister_is_not_a_summit(tmp_path: Path) -> None:
    summit = {
        **GOOD,
        "date": "2023-09-13",
        "actor2": "RUS",
        "event_code": "046",
        "summary": "Kim Jong Un and Putin hold summit talks at Vostochny.",
        "summit": True,
    }
    minister = {
        **GOOD,
        "date": "2023-10-19",
        "actor2": "RUS",
        "event_code": "043",
        "summary": "Kim Jong Un receives Foreign Minister Lavrov in Pyongyang.",
    }
    relationship = chronology.read_relationship(_write(tmp_path, [summit, minister]))  # type: ignore[arg-type]
    found = chronology.summit_records("PRK", [relationship])
    assert list(found["date"].dt.date) == [dt.date(2023, 9, 13)] and list(found["partner"]) == ["RUS"]
    # In the bundled chronology too: Lavrov's visit of 19 October 2023 is not a summit.
    bundled = chronology.summit_records()
    russia = set(bundled.loc[bundled["partner"] == "RUS", "date"].dt.date)
    assert dt.date(2023, 9, 13) in russia and dt.date(2023, 10, 19) not in russia
    assert chronology.summit_records("KOR").empty  # the chronology is about North Korea


# --- issue 26: one code per kind, one arrival record per visit, the summit rule, weak references ---

DOCS = Path(__file__).resolve().parent.parent / "docs" / "chronology-format.md"


def _kind_table() -> dict[str, tuple[str, ...]]:
    """The rows of the kinds table in docs/chronology-format.md: kind -> codes."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### One code per kind", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0] not in ("kind", "---") and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = tuple(re.findall(r"`(\d{3,4})`", cells[1]))
    return rows


def test_the_kind_table_in_the_docs_is_the_one_the_tests_use() -> None:
    assert _kind_table() == {k.name: k.codes for k in chronology.KINDS}


def test_every_record_of_a_recurring_kind_has_the_kinds_code(
    records: list[tuple[str, chronology.ChronologyRecord]],
) -> None:
    wrong = []
    counted: Counter[str] = Counter()
    for stem, record in records:
        kind = chronology.kind_of(record)
        if kind is None:
            continue
        counted[kind.name] += 1
        if record.event_code not in kind.codes:
            wrong.append((kind.name, stem, record.date.isoformat(), record.actor1, record.actor2, record.event_code))
    assert not wrong, wrong
    # Each kind the table names is found in the data (so a pattern that stopped matching shows up).
    assert set(counted) >= {k.name for k in chronology.KINDS} - {"visit (arrival)"}, counted
    # A parade guest stands at the host's parade: guest -> host (-> PRK in Pyongyang, PRK -> abroad).
    parade = [r for _, r in records if chronology.kind_of(r) is not None and r.event_code == "017"]
    assert parade and all(
        (r.actor1 if re.search(r"Moscow|Beijing|Tiananmen", r.summary) else r.actor2) == "PRK" for r in parade
    ), parade


@pytest.mark.parametrize(
    ("summary", "code"),
    [
        ("North Korea reopens the Panmunjom hotline after a long silence.", "040"),
        ("North Korea stops answering the hotlines in protest.", "160"),
        ("Li Zhanshu stands with Kim Jong Un at the military parade in Pyongyang.", "042"),
        ("Security Council Resolution 2397 cuts refined-petroleum imports.", "111"),
        ("The two ministers hold talks in Hanoi.", "040"),
    ],
)
def test_a_record_with_another_code_for_its_kind_is_caught(summary: str, code: str) -> None:
    record = chronology.ChronologyRecord.model_validate(
        {**GOOD, "actor1": "PRK", "actor2": "KOR", "summary": summary, "event_code": code}
    )
    kind = chronology.kind_of(record)
    assert kind is not None and record.event_code not in kind.codes


def test_one_arrival_and_one_host_record_per_visit(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    assert chronology.visit_repeats(chronology.relationships()) == []
    # Tito 1977 and Nong Duc Manh 2007 are dated at their arrival (Tito's to the month: the
    # sources give only the day he left).
    tito = [r for s, r in records if s == "yugoslavia" and r.date.year == 1977 and r.event_code in ("042", "043")]
    assert {(r.date, r.date_precision) for r in tito} == {(dt.date(1977, 8, 1), "month")}
    manh = {
        r.event_code: r.date
        for s, r in records
        if s == "vietnam"
        and dt.date(2007, 10, 16) <= r.date <= dt.date(2007, 10, 18)
        and r.event_code in ("042", "043")
    }
    assert manh["042"] == manh["043"] == dt.date(2007, 10, 16)


NOT_A_MEETING = re.compile(
    r"letter|message|telephone|phone|envoy|publicly|passed to|writes|replies|instructions|funeral"
)
ARRIVAL_ONLY = re.compile(r"\b(arriv\w*|lands|crosses|enters)\b")
#: Partner leaders named in the chronology's summit records (heads of state, government or ruling party).
LEADERS = (
    "Xi Jinping", "Hu Jintao", "Jiang Zemin", "Mao Zedong", "Putin", "Medvedev", "Koizumi", "Lee Hsien Loong",
    "Moon Jae-in", "Kim Dae-jung", "Roh Moo-hyun", "Trump", "Honecker", "Ceaușescu", "Sukarno", "Fidel Castro",
    "Díaz-Canel", "To Lam", "Nguyen Phu Trong", "Ho Chi Minh", "Tito", "Lukashenko", "Thongloun", "Zhou Enlai",
    "Zhao Ziyang", "Li Xiannian", "Pham Van Dong", "Kádár", "Husák",
)  # fmt: skip


def test_the_summit_flag_follows_one_rule(records: list[tuple[str, chronology.ChronologyRecord]]) -> None:
    flagged = [(s, r) for s, r in records if r.summit]

    def names_leader(record: chronology.ChronologyRecord) -> bool:
        return any(name in record.summary for name in LEADERS)

    met = {(r.partner, r.date) for _, r in flagged if names_leader(r)}
    # An arrival record is flagged only on a day the two leaders met (said by it or by the other record).
    arrival_only = [
        (s, r.date.isoformat())
        for s, r in flagged
        if ARRIVAL_ONLY.search(r.summary) and not names_leader(r) and (r.partner, r.date) not in met
    ]
    assert not arrival_only, arrival_only
    # A meeting record that names the Kim of the day and the partner's leader is flagged.
    missing = [
        (s, r.date.isoformat(), r.event_code)
        for s, r in records
        if not r.summit
        and r.event_code[:2] in ("04", "05")
        and _top_leader(r.date) in r.summary
        and any(name in r.summary for name in LEADERS)
        and not ARRIVAL_ONLY.search(r.summary)  # arrival records: the check above
        and not NOT_A_MEETING.search(r.summary)
    ]
    assert not missing, missing
    summits = {(r.partner, r.date.isoformat()) for _, r in flagged}
    assert {("JPN", "2002-09-17"), ("SGP", "2018-06-10")} <= summits
    # Chinese arrival days without a meeting are not summits (as Russian ones were not); with one, they are.
    for day in ("1989-11-05", "2025-09-02"):
        assert ("CHN", day) not in summits, day
    assert {("CHN", "1953-11-12"), ("CHN", "1987-05-21"), ("CHN", "1991-10-04")} <= summits
    assert ("RUS", "2019-04-24") not in summits


#: Ceilings on weak references (issue 26): lower them as references are improved, never raise them.
WEAK_REFERENCE_CEILINGS = {"wikipedia_only": 96, "bare_outlet_date": 247, "pyongyang_relay": 5, "announced_before": 12}


def test_weak_references_are_listed_and_can_only_go_down() -> None:
    weak = chronology.weak_references()
    counts = {key: len(found) for key, found in weak.items()}
    assert counts.keys() == WEAK_REFERENCE_CEILINGS.keys()
    assert all(counts[k] <= WEAK_REFERENCE_CEILINGS[k] for k in counts), counts
    bad = chronology.ChronologyRecord.model_validate({**GOOD, "reference": "Wikipedia, 'Some article'"})
    assert chronology.weaknesses(bad) == ["wikipedia_only"]
    early = chronology.ChronologyRecord.model_validate({**GOOD, "reference": "Reuters, 9 July 1961"})
    assert chronology.weaknesses(early) == ["bare_outlet_date", "announced_before"]
