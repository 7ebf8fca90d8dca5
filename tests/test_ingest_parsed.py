"""GDELT lines split by pyarrow while a file is prepared (``readers.parse_gdelt``) load exactly as
DuckDB's CSV reader loads them: the same events, rejects and counts, on generated files, the real
GDELT 1.0 sample and hand-made rows with every quirk the readers handle. A file that pyarrow
cannot split, or whose typed fields do not all convert, goes through DuckDB's reader, whose
rejects name the line and the reason."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import dyadwatch as dw
from dyadwatch.ingest import readers
from dyadwatch.ingest.pipeline import load_prepared, prepare_for_load, register_lookups
from dyadwatch.testing import write_gdelt2
from dyadwatch.testing.gdelt import gdelt2_row

ROOT = Path(__file__).parent
GDELT1_SAMPLE = ROOT / "data" / "gdelt1-export-sample" / "events.csv"


QUIRKS = [
    gdelt2_row(1),
    gdelt2_row(2, Actor2Code="IGOUNOKID", Actor2CountryCode="", Actor2KnownGroupCode="KID", Actor2Name="UNICEF"),
    gdelt2_row(3, Actor2Code="IGOASN", Actor2CountryCode="", Actor2Name="ASEAN"),
    gdelt2_row(4, Actor2Code="ROMGOV", Actor2CountryCode="ROM", Actor2Name="ROMANIA"),
    gdelt2_row(5, Actor2Code="", Actor2CountryCode="", Actor2Name=""),
    gdelt2_row(6, GoldsteinScale="11.0"),  # a problem: outside -10..10
    gdelt2_row(7, EventCode=""),  # a problem: no event code
    gdelt2_row(8, DATEADDED=""),  # a problem: the row was cut short
    gdelt2_row(9, GoldsteinScale=""),  # a problem: no score
    gdelt2_row(10, NumMentions="", AvgTone=""),  # weight 1, tone missing
    gdelt2_row(11, Actor1Name="NA", Actor2Name="NULL"),  # text, not missing
    gdelt2_row(12, Actor1Name="김정은 KIM JONG UN", SOURCEURL='https://news.example/ü?q=1&r="2"'),
    gdelt2_row(1, SQLDATE="20190315"),  # the same event id again: a duplicate
    gdelt2_row(13, QuadClass="4", GoldsteinScale="-10.0", EventCode="190"),
    gdelt2_row(14, Actor1Code="USA", Actor1CountryCode="USA", Actor1Name="UNITED STATES"),  # outside the focus
    gdelt2_row(15, Actor1Name="MENTIONS PRK", Actor1Code="FRA", Actor1CountryCode="FRA"),  # PRK, not an actor
]


def load_with_and_without_parsing(
    path: Path, tmp_path: Path, focus: str = "PRK", *, splits: bool = True, **options: Any
) -> list[Any]:
    """Load ``path`` into two new stores, with the fields split ahead and with DuckDB's reader.

    ``splits``: whether the preparation is expected to hand over split fields (else the file
    goes to DuckDB's reader both times, and the test checks that it does)."""
    results = []
    for parse_ahead in (True, False):
        with dw.open(tmp_path / f"parse-{parse_ahead}.duckdb") as store:
            register_lookups(store.con)
            filter_focus = "ALL" if options.pop("check_all_rows", False) else focus
            prepared = prepare_for_load(path, tmp_path / "work", fmt="auto", focus=filter_focus)
            if parse_ahead:
                # The test compares two paths, not one twice (or, for a file that must not be
                # split ahead, checks that it is not).
                assert (prepared.parsed is not None) is splits
            prepared.parsed = prepared.parsed if parse_ahead else None
            report = load_prepared(store.con, prepared, started=datetime.now(), focus=focus, **options)
            counts = {k: v for k, v in report.to_dict().items() if k not in ("seconds", "load_id")}
            events = store.con.execute("SELECT * EXCLUDE (load_id) FROM events ORDER BY event_id").fetchall()
            rejects = store.con.execute("SELECT line, reason, raw FROM rejects ORDER BY line, reason").fetchall()
            totals = store.con.execute("SELECT source, date, events FROM daily_totals ORDER BY date").fetchall()
            results.append((counts, events, rejects, totals))
    assert results[0] == results[1]
    return list(results[0])


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_quirky_rows_load_the_same_either_way(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "20190314120000.export.CSV"
    path.write_bytes((newline.join(QUIRKS) + newline).encode("utf-8"))
    counts, events, rejects, _ = load_with_and_without_parsing(path, tmp_path)
    assert counts["status"] == "loaded" and counts["rows_read"] == len(QUIRKS)
    assert (counts["rows_kept"], counts["rows_rejected"], counts["rows_duplicate"]) == (9, 4, 1)
    assert counts["rows_outside_focus"] == 2
    assert {reason for _, reason, _ in rejects} == {
        "GoldsteinScale outside -10..10",
        "missing EventCode",
        "wrong column count: expected 61 tab-separated fields",
        "missing GoldsteinScale",
    }
    by_id = {row[0]: row for row in events}
    assert by_id["gdelt2:2"][4] == "IGOKID" and by_id["gdelt2:3"][4] == "IGOASN" and by_id["gdelt2:4"][4] == "ROU"
    assert by_id["gdelt2:11"][5:7] == ("NA", "NULL")


def test_an_id_written_with_a_leading_zero_is_the_same_event(tmp_path: Path) -> None:
    """``0123`` and ``123`` are one GLOBALEVENTID: the ids counted ahead (as numbers) repeat, and
    the second row is a duplicate, as with DuckDB's reader; with distinct ids, none is."""
    path = tmp_path / "20190314120000.export.CSV"
    rows = [gdelt2_row(123), gdelt2_row(7), gdelt2_row(124)]
    path.write_text("\n".join([*rows, gdelt2_row(123, GLOBALEVENTID="0123")]) + "\n")
    parsed = readers.parse_gdelt(path, 2)
    assert parsed is not None and readers.fields_convert(parsed)
    assert readers.id_numbers(parsed) == (False, 7, 124)
    counts, events, *_ = load_with_and_without_parsing(path, tmp_path)
    assert (counts["rows_kept"], counts["rows_duplicate"]) == (3, 1)
    assert sorted(row[0] for row in events) == ["gdelt2:123", "gdelt2:124", "gdelt2:7"]
    path.write_text("\n".join(rows) + "\n")
    parsed = readers.parse_gdelt(path, 2)
    assert parsed is not None and readers.id_numbers(parsed) == (True, 7, 124)
    counts, events, *_ = load_with_and_without_parsing(path, tmp_path / "distinct")
    assert (counts["rows_kept"], counts["rows_duplicate"]) == (3, 0)


@pytest.mark.parametrize("focus", ["PRK", "ALL"])
def test_generated_files_load_the_same_either_way(tmp_path: Path, focus: str) -> None:
    generated = write_gdelt2(tmp_path / "gen", 3000, files=1, compress="zip", duplicate_share=0.02, seed=7)
    counts, events, _, totals = load_with_and_without_parsing(generated.files[0], tmp_path, focus=focus)
    assert counts["rows_read"] == 3000 and len(events) == counts["rows_kept"] > 0
    assert sum(count for _, _, count in totals) == 3000


def test_dedupe_and_checking_every_row_load_the_same_either_way(tmp_path: Path) -> None:
    generated = write_gdelt2(tmp_path / "gen", 2000, files=1, compress=None, reemit_share=0.05, seed=11)
    counts, *_ = load_with_and_without_parsing(generated.files[0], tmp_path, dedupe=True, check_all_rows=True)
    assert counts["rows_reemitted"] > 0


def test_the_real_gdelt1_sample_is_left_to_duckdb(tmp_path: Path) -> None:
    """201 of its rows have 57 fields (backfiles): pyarrow does not split it, DuckDB pads them."""
    assert readers.parse_gdelt(GDELT1_SAMPLE, 1) is None
    with dw.open(tmp_path / "store.duckdb") as store:
        report = store.ingest([GDELT1_SAMPLE])[0]
        assert (report.rows_read, report.rows_kept, report.rows_rejected) == (710, 2, 0)
        # The range of its ids, counted by the load itself (the preparing thread did not split it).
        number = "CAST(split_part(event_id, ':', 2) AS BIGINT)"
        stored = store.con.execute(f"SELECT 'gdelt1', min({number}), max({number}) FROM events").fetchall()
        assert store.con.execute("SELECT source, id_min, id_max FROM load_id_ranges").fetchall() == stored
        assert stored[0][1] < stored[0][2]


def test_a_value_that_does_not_convert_is_rejected_by_duckdb_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "20190314120000.export.CSV"
    lines = [gdelt2_row(1), gdelt2_row(2, SQLDATE="20190231"), gdelt2_row(3, QuadClass="5"), gdelt2_row(4)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = readers.parse_gdelt(path, 2)
    assert parsed is not None and parsed.num_rows == 4  # pyarrow splits it; the types do not convert
    counts, events, rejects, _ = load_with_and_without_parsing(path, tmp_path, splits=False)
    assert [row[0] for row in events] == ["gdelt2:1", "gdelt2:4"]
    assert [line for line, _, _ in rejects] == [2, 3]
    # DuckDB 2.0 names the wrong column for the second (the projected index): the value is right.
    assert "SQLDATE" in rejects[0][1] and '"20190231"' in rejects[0][1] and '"5"' in rejects[1][1]
    assert counts["rows_rejected"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        gdelt2_row(2) + "\textra",
        "\t".join(gdelt2_row(2).split("\t")[:60]),
        gdelt2_row(2).replace("CHINA", "CH\udcffNA"),
    ],
    ids=["62 fields", "60 fields", "bad UTF-8"],
)
def test_a_line_pyarrow_cannot_split_leaves_the_file_to_duckdb(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "20190314120000.export.CSV"
    text = "\n".join([gdelt2_row(1), bad, gdelt2_row(3)]) + "\n"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    assert readers.parse_gdelt(path, 2) is None
    with dw.open(tmp_path / "store.duckdb") as store:
        report = store.ingest([path])[0]
        rejects = store.rejects()
    assert (report.rows_kept, report.rows_rejected) == (2, 1)
    assert rejects["line"].tolist() == [2]


@pytest.mark.parametrize(
    ("field", "value", "converts"),
    [
        ("GLOBALEVENTID", "1000989321", True),
        ("GLOBALEVENTID", "007", True),
        ("GLOBALEVENTID", "1234567890123456789", False),  # DuckDB reads it; the strict test leaves it to DuckDB
        ("SQLDATE", "20190314", True),
        ("SQLDATE", "20190231", False),  # no such day
        ("SQLDATE", "09990314", False),  # outside the years checked
        ("QuadClass", "5", False),
        ("GoldsteinScale", "-10.0", True),
        ("GoldsteinScale", "1e1", False),
        ("NumMentions", "", True),  # empty: NULL, weight 1
        ("AvgTone", "-3.57142857142857", True),
        ("AvgTone", " 1.5", False),
    ],
)
def test_fields_that_surely_convert_are_used_as_split(tmp_path: Path, field: str, value: str, converts: bool) -> None:
    """``readers.fields_convert`` accepts only forms DuckDB's casts surely convert; a file with
    any other form still loads, through DuckDB's reader, exactly as it would have."""
    path = tmp_path / "20190314120000.export.CSV"
    path.write_text("\n".join([gdelt2_row(1), gdelt2_row(2, **{field: value})]) + "\n", encoding="utf-8")
    parsed = readers.parse_gdelt(path, 2)
    assert parsed is not None and readers.fields_convert(parsed) is converts
    load_with_and_without_parsing(path, tmp_path, splits=converts)
