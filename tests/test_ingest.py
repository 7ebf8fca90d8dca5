"""Loading event files: exact totals, idempotence, formats, focus, dedupe and the real samples.

Expected values come from outside the loader: the generator's own totals
(:func:`dyadwatch.testing.write_gdelt2`), counts taken here from the raw files with plain Python,
and the numbers in tests/data/PROVENANCE.md.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.ingest.formats import GDELT1_COLUMNS, GDELT2_COLUMNS
from dyadwatch.testing import GeneratedFiles, write_gdelt2

DATA = Path(__file__).parent / "data"
GDELT1_SAMPLE = DATA / "gdelt1-export-sample" / "events.csv"
ICEWS_SAMPLE = DATA / "icews-sample" / "events.2018.sample.tab"
TOTALS = ["events", "goldstein_sum", "q1", "q2", "q3", "q4"]


# -- helpers: the raw files read with plain Python ------------------------------------------------
def raw_lines(path: Path) -> list[str]:
    """The text lines of a generated file, whatever its compression."""
    data = path.read_bytes()
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            data = archive.read(archive.namelist()[0])
    elif path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()


def raw_gdelt2(files: list[Path]) -> list[dict[str, str]]:
    return [dict(zip(GDELT2_COLUMNS, line.split("\t"), strict=True)) for path in files for line in raw_lines(path)]


def store_totals(store: dw.Store) -> pd.DataFrame:
    """Dyad-month totals of everything in the store, in the generator's ``expected`` layout."""
    frame: pd.DataFrame = store.con.execute("""
        SELECT actor1, actor2, CAST(date_trunc('month', date) AS DATE) AS period, count(*) AS events,
               sum(goldstein) AS goldstein_sum,
               count(*) FILTER (WHERE quad_class = 1) AS q1, count(*) FILTER (WHERE quad_class = 2) AS q2,
               count(*) FILTER (WHERE quad_class = 3) AS q3, count(*) FILTER (WHERE quad_class = 4) AS q4
        FROM events GROUP BY ALL ORDER BY actor1, actor2, period""").df()
    return normalised(frame)


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["actor1", "actor2", "period", *TOTALS]].copy()
    out["actor1"] = out["actor1"].astype(str)
    out["actor2"] = out["actor2"].astype(str)
    out["period"] = pd.to_datetime(out["period"]).dt.date
    for column in ("events", "q1", "q2", "q3", "q4"):
        out[column] = out[column].astype("int64")
    out["goldstein_sum"] = out["goldstein_sum"].astype(float).round(6)
    return out.sort_values(["actor1", "actor2", "period"]).reset_index(drop=True)


def assert_reconciles(report: dw.LoadReport) -> None:
    accounted = (
        report.rows_kept
        + report.rows_outside_focus
        + report.rows_duplicate
        + report.rows_reemitted
        + report.rows_rejected
    )
    assert report.reconciles and report.rows_read == accounted, report


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFiles:
    """Three zipped GDELT 2.0 files with exact duplicates and re-emitted rows across them."""
    return write_gdelt2(
        tmp_path_factory.mktemp("gdelt2"),
        30_000,
        files=3,
        focus_share=0.1,
        duplicate_share=0.04,
        reemit_share=0.03,
        seed=11,
    )


# -- exact totals and idempotence -----------------------------------------------------------------
def test_dyad_month_totals_equal_the_generators(store: dw.Store, generated: GeneratedFiles) -> None:
    reports = store.ingest(generated.files)
    assert [r.status for r in reports] == ["loaded"] * 3
    assert [r.format for r in reports] == ["gdelt2"] * 3
    for report in reports:
        assert_reconciles(report)
        assert report.rows_rejected == 0
    pd.testing.assert_frame_equal(store_totals(store), normalised(generated.expected))
    # Every line is accounted for across the files, against the generator's own counts.
    assert sum(r.rows_read for r in reports) == generated.rows
    assert sum(r.rows_outside_focus for r in reports) == generated.rows - generated.focus_rows
    assert sum(r.rows_kept for r in reports) == int(generated.expected["events"].sum()) == store.count()
    assert sum(r.rows_kept + r.rows_duplicate for r in reports) == generated.focus_rows
    assert sum(r.rows_reemitted for r in reports) == 0  # counted only with --dedupe
    # The loads table holds the same accounting, one row per file.
    loads = store.loads()
    assert loads["rows_kept"].tolist() == [r.rows_kept for r in reports]
    assert loads["file"].tolist() == [str(f) for f in generated.files]


def test_series_api_equals_the_generators_totals(store: dw.Store, generated: GeneratedFiles) -> None:
    store.ingest(generated.files)
    expected = normalised(generated.expected)
    for actor1, actor2 in (("PRK", "CHN"), ("RUS", "PRK"), ("PRK", "USA")):
        mine = expected[(expected.actor1 == actor1) & (expected.actor2 == actor2)].set_index("period")
        series = store.series(actor1, actor2, freq="M").set_index("period")
        # Every month from the first to the last event, zeros where the generator wrote none.
        assert len(series) == 24
        both = series.join(mine[TOTALS].add_suffix("_expected"), how="left").fillna(0)
        for column in TOTALS:
            assert both[column].tolist() == pytest.approx(both[f"{column}_expected"].tolist(), abs=1e-9), column
        assert (series["cooperation"] == series["q1"] + series["q2"]).all()


def test_loading_again_adds_nothing(store: dw.Store, generated: GeneratedFiles, tmp_path: Path) -> None:
    first = store.ingest(generated.files)
    before = store_totals(store)
    again = store.ingest(generated.files)
    assert [r.status for r in again] == ["already loaded"] * 3
    assert [r.load_id for r in again] == [r.load_id for r in first]
    assert sum(r.rows_kept for r in again) == 0
    # The same bytes under another name are recognised by their digest.
    renamed = tmp_path / "renamed.export.CSV.zip"
    renamed.write_bytes(generated.files[0].read_bytes())
    assert store.ingest([renamed])[0].status == "already loaded"
    # Different bytes holding events already stored: read, counted as duplicates, nothing added.
    overlap = tmp_path / "overlap.export.CSV"
    overlap.write_text("\n".join(raw_lines(generated.files[1])[:500]) + "\n", encoding="utf-8")
    report = store.ingest([overlap])[0]
    assert report.status == "loaded" and report.rows_read == 500
    assert report.rows_kept == 0 and report.rows_duplicate + report.rows_outside_focus == 500
    assert_reconciles(report)
    pd.testing.assert_frame_equal(store_totals(store), before)
    assert len(store.loads()) == 4
    assert_ids_unique(store)


def assert_ids_unique(store: dw.Store) -> None:
    """No event id twice: the loader's guarantee (design §3), with no index behind it."""
    ((rows, ids),) = store.con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall()
    assert rows == ids > 0


def test_a_store_made_with_the_old_primary_key_still_loads(tmp_path: Path, generated: GeneratedFiles) -> None:
    """Stores created before the key was dropped keep it; loading into them works as before."""
    import duckdb

    from dyadwatch.schema import DDL

    path = tmp_path / "old.duckdb"
    old_ddl = DDL.replace("event_id    VARCHAR NOT NULL,", "event_id    VARCHAR PRIMARY KEY,")
    assert old_ddl != DDL
    with duckdb.connect(str(path)) as con:
        con.execute(old_ddl)
    with dw.open(path) as store:
        first = store.ingest(generated.files)
        overlap = tmp_path / "overlap.export.CSV"
        overlap.write_text("\n".join(raw_lines(generated.files[1])[:500]) + "\n", encoding="utf-8")
        again = store.ingest([overlap])[0]
        assert [r.status for r in first] == ["loaded"] * 3 and again.rows_kept == 0
        assert sum(r.rows_kept for r in first) == store.count()
        assert_ids_unique(store)
        keys = store.con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'PRIMARY KEY'"
        ).fetchall()
        assert keys == [(1,)]


@pytest.mark.parametrize("compress", ["zip", "gz", None], ids=["zip", "gz", "plain"])
def test_zip_gz_and_plain_files_give_the_same_totals(tmp_path: Path, compress: str | None) -> None:
    files = write_gdelt2(tmp_path / "in", 4_000, files=2, focus_share=0.2, compress=compress, seed=5)
    assert all(f.suffix == {"zip": ".zip", "gz": ".gz", None: ".CSV"}[compress] for f in files.files)
    with dw.open(tmp_path / "s.duckdb") as store:
        reports = store.ingest(files.files)
        assert [r.format for r in reports] == ["gdelt2", "gdelt2"]
        pd.testing.assert_frame_equal(store_totals(store), normalised(files.expected))


def test_crlf_line_ends_and_a_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    files = write_gdelt2(tmp_path / "in", 3_000, files=1, focus_share=0.3, compress=None, seed=8)
    lf = files.files[0].read_bytes()
    crlf = tmp_path / "crlf-bom.export.CSV"
    crlf.write_bytes(b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n"))
    with dw.open(tmp_path / "s.duckdb") as store:
        report = store.ingest([crlf])[0]
        assert (report.format, report.rows_read, report.rows_rejected) == ("gdelt2", 3_000, 0)
        assert_reconciles(report)
        pd.testing.assert_frame_equal(store_totals(store), normalised(files.expected))
        # No stray carriage return survives in the last column.
        assert store.con.execute("SELECT count(*) FROM events WHERE reference LIKE '%' || chr(13)").fetchone() == (0,)


def test_icews_with_crlf_and_bom_loads_like_the_original(tmp_path: Path) -> None:
    variant = tmp_path / "events.crlf.tab"
    variant.write_bytes(b"\xef\xbb\xbf" + ICEWS_SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    with dw.open(tmp_path / "a.duckdb") as original, dw.open(tmp_path / "b.duckdb") as converted:
        plain = original.ingest([ICEWS_SAMPLE])[0]
        other = converted.ingest([variant])[0]
        assert other.format == "icews"
        assert (other.rows_read, other.rows_kept, other.rows_rejected) == (plain.rows_read, plain.rows_kept, 0)
        columns = "event_id, date, actor1, actor2, actor1_name, actor2_name, event_code, goldstein, reference"
        query = f"SELECT {columns} FROM events ORDER BY event_id"
        assert converted.con.execute(query).fetchall() == original.con.execute(query).fetchall()


# -- focus and dedupe -----------------------------------------------------------------------------
def test_the_load_gives_duckdb_its_threads_back(store: dw.Store, generated: GeneratedFiles) -> None:
    """Files split ahead load on one DuckDB thread; the store's setting is restored afterwards,
    for the analyses that follow in the same session (the demo, a notebook)."""
    store.con.execute("SET threads = 3")
    reports = store.ingest(generated.files)
    assert [r.status for r in reports] == ["loaded"] * 3
    assert store.con.execute("SELECT current_setting('threads')").fetchall() == [(3,)]


def test_focus_all_keeps_everything(store: dw.Store, generated: GeneratedFiles) -> None:
    reports = store.ingest(generated.files, focus="ALL")
    assert sum(r.rows_outside_focus for r in reports) == 0
    assert sum(r.rows_duplicate for r in reports) == generated.duplicate_rows
    assert store.count() == generated.rows - generated.duplicate_rows
    assert set(store.loads()["focus"]) == {"ALL"}
    assert_ids_unique(store)


def test_focus_on_another_country(store: dw.Store, generated: GeneratedFiles) -> None:
    rows = raw_gdelt2(generated.files)
    china = {r["GLOBALEVENTID"] for r in rows if "CHN" in (r["Actor1CountryCode"], r["Actor2CountryCode"])}
    reports = store.ingest(generated.files, focus="chn")
    assert store.count() == len(china)
    assert sum(r.rows_kept + r.rows_duplicate for r in reports) == sum(
        1 for r in rows if "CHN" in (r["Actor1CountryCode"], r["Actor2CountryCode"])
    )
    assert set(store.loads()["focus"]) == {"CHN"}


def test_dedupe_removes_reemitted_rows_and_reports_how_many(store: dw.Store, generated: GeneratedFiles) -> None:
    reports = store.ingest(generated.files, focus="ALL", dedupe=True)
    for report in reports:
        assert_reconciles(report)
    # Across files a copy can be both: an exact duplicate of an event not loaded yet and a
    # re-emission of one loaded from an earlier file. The sum is exact; each part nearly so.
    removed = sum(r.rows_reemitted + r.rows_duplicate for r in reports)
    assert removed == generated.reemitted_rows + generated.duplicate_rows
    assert 0 <= sum(r.rows_reemitted for r in reports) - generated.reemitted_rows <= 0.01 * generated.reemitted_rows
    assert store.count() == generated.rows - generated.duplicate_rows - generated.reemitted_rows
    # The rule: one row per day, actors, event code and source URL remains.
    left = store.con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM events GROUP BY date, actor1, actor2, event_code, reference "
        "HAVING count(*) > 1)"
    ).fetchone()
    assert left == (0,)
    assert set(store.loads()["dedupe"]) == {True}


def test_dedupe_in_one_file_counts_from_the_raw_rows(tmp_path: Path) -> None:
    """Expected counts by plain Python over the raw rows: unique ids, then unique dedupe keys."""
    one = write_gdelt2(tmp_path / "in", 20_000, focus_share=0.2, duplicate_share=0.05, reemit_share=0.05, seed=4)
    rows = raw_gdelt2(one.files)
    focus = [r for r in rows if "PRK" in (r["Actor1CountryCode"], r["Actor2CountryCode"])]
    unique_ids = {r["GLOBALEVENTID"]: r for r in focus}

    def key(r: dict[str, str]) -> tuple[str, ...]:
        return (r["SQLDATE"], r["Actor1CountryCode"], r["Actor2CountryCode"], r["EventCode"], r["SOURCEURL"])

    lowest: dict[tuple[str, ...], int] = {}
    for r in unique_ids.values():
        lowest[key(r)] = min(lowest.get(key(r), 1 << 62), int(r["GLOBALEVENTID"]))
    with dw.open(tmp_path / "s.duckdb") as store:
        report = store.ingest(one.files, dedupe=True)[0]
        assert_reconciles(report)
        assert report.rows_duplicate == len(focus) - len(unique_ids) > 0
        assert report.rows_reemitted == len(unique_ids) - len(lowest) > 0
        assert report.rows_kept == store.count() == len(lowest)
        # The lowest event id of each group is the one kept.
        stored = {
            int(e.removeprefix("gdelt2:")) for (e,) in store.con.execute("SELECT event_id FROM events").fetchall()
        }
        assert stored == set(lowest.values())
    # Without --dedupe the same file keeps the re-emitted rows.
    with dw.open(tmp_path / "t.duckdb") as store:
        report = store.ingest(one.files)[0]
        assert (report.rows_reemitted, report.rows_kept) == (0, len(unique_ids))


# -- the real samples -----------------------------------------------------------------------------
def gdelt1_sample() -> list[list[str]]:
    with GDELT1_SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_real_gdelt1_sample_loads_with_no_row_rejected(store: dw.Store) -> None:
    rows = gdelt1_sample()
    widths = collections.Counter(len(r) for r in rows)
    assert widths == {58: 509, 57: 201}  # as tests/data/PROVENANCE.md says
    at = {name: i for i, name in enumerate(GDELT1_COLUMNS)}
    korea = [r for r in rows if "PRK" in (r[at["Actor1CountryCode"]], r[at["Actor2CountryCode"]])]
    assert len(korea) == 2

    report = store.ingest([GDELT1_SAMPLE])[0]
    assert (report.format, report.status) == ("gdelt1", "loaded")
    assert (report.rows_read, report.rows_rejected, report.rows_kept) == (710, 0, 2)
    assert report.rows_outside_focus == 708
    assert store.rejects().empty

    events = store.events().set_index("event_id")
    for r in korea:
        stored = events.loc[f"gdelt1:{r[at['GLOBALEVENTID']]}"]
        assert (stored.actor1, stored.actor2) == (r[at["Actor1CountryCode"]], r[at["Actor2CountryCode"]])
        assert stored.actor1_name == r[at["Actor1Name"]] and stored.actor2_name == r[at["Actor2Name"]]
        assert stored.event_code == r[at["EventCode"]]
        assert stored.goldstein == float(r[at["GoldsteinScale"]])  # kept as given
        assert stored.quad_class == int(r[at["QuadClass"]])
        assert stored.weight == int(r[at["NumMentions"]])
        assert stored.tone == pytest.approx(float(r[at["AvgTone"]]))
        assert pd.Timestamp(stored.date).strftime("%Y%m%d") == r[at["SQLDATE"]]
        assert stored.reference == (r[at["SOURCEURL"]] if len(r) == 58 else None)
    assert sorted(events.actor1 + ">" + events.actor2) == ["KOR>PRK", "USA>PRK"]


def test_real_gdelt1_sample_with_focus_all(store: dw.Store) -> None:
    rows = gdelt1_sample()
    report = store.ingest([GDELT1_SAMPLE], focus="ALL")[0]
    ids = [r[0] for r in rows]
    assert report.rows_kept == len(set(ids)) == store.count()
    assert report.rows_duplicate == len(ids) - len(set(ids))
    # The 201 backfile rows (57 fields, no SOURCEURL) load with no reference.
    assert store.con.execute("SELECT count(*) FROM events WHERE reference IS NULL").fetchone() == (
        sum(1 for r in rows if len(r) == 57),
    )
    # International organisations are stored as IGO + CAMEO known group (design §2).
    igo = dict(store.con.execute("SELECT event_id, actor1 FROM events WHERE actor1 LIKE 'IGO%'").fetchall())
    at = {name: i for i, name in enumerate(GDELT1_COLUMNS)}
    expected = {
        f"gdelt1:{r[0]}": "IGO" + r[at["Actor1KnownGroupCode"]] for r in rows if r[at["Actor1Code"]].startswith("IGO")
    }
    assert igo == expected and "gdelt1:564137468" in igo and igo["gdelt1:564137468"] == "IGOEEC"


# Partners as ICEWS names them, written out by hand (not through the crosswalk under test).
ICEWS_ISO = {
    "North Korea": "PRK",
    "United States": "USA",
    "Russian Federation": "RUS",
    "South Korea": "KOR",
    "Japan": "JPN",
    "Singapore": "SGP",
    "India": "IND",
    "Libya": "LBY",
    "United Kingdom": "GBR",
    "NA": None,
}


def test_real_icews_sample_maps_north_korea_rows_to_the_right_partners(store: dw.Store) -> None:
    with ICEWS_SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    korea = [r for r in rows if "North Korea" in (r["Source Country"], r["Target Country"])]
    assert (len(rows), len(korea)) == (3705, 475)  # tests/data/PROVENANCE.md
    expected = collections.Counter((ICEWS_ISO[r["Source Country"]], ICEWS_ISO[r["Target Country"]]) for r in korea)

    report = store.ingest([ICEWS_SAMPLE])[0]
    assert (report.format, report.rows_read, report.rows_rejected, report.rows_kept) == ("icews", 3705, 0, 475)
    assert_reconciles(report)
    stored = collections.Counter(
        (a1, a2) for a1, a2 in store.con.execute("SELECT actor1, actor2 FROM events").fetchall()
    )
    assert stored == expected
    assert stored[("PRK", "RUS")] == 38 and stored[("RUS", "PRK")] == 42
    # Intensity is kept as the Goldstein score; names and the story reference as given.
    by_id = {r["Event ID"]: r for r in korea}
    for event_id, goldstein, name, reference in store.con.execute(
        "SELECT event_id, goldstein, actor1_name, reference FROM events"
    ).fetchall():
        raw = by_id[event_id.removeprefix("icews:")]
        assert float(goldstein) == float(raw["Intensity"]) and name == raw["Source Name"]
        assert reference == f"{raw['Publisher']}, story {raw['Story ID']}"


def test_format_is_detected_from_content_not_name(tmp_path: Path) -> None:
    disguised = {
        "a.txt": GDELT1_SAMPLE.read_bytes(),
        "b.dat": ICEWS_SAMPLE.read_bytes(),
    }
    files = write_gdelt2(tmp_path / "g", 100, compress=None, seed=2)
    disguised["c.tsv"] = files.files[0].read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner.name", GDELT1_SAMPLE.read_bytes())
    disguised["d.zip"] = buffer.getvalue()
    paths = []
    for name, data in disguised.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    with dw.open(tmp_path / "s.duckdb") as store:
        reports = store.ingest(paths, focus="ALL")
    assert [r.format for r in reports] == ["gdelt1", "icews", "gdelt2", "gdelt1"]
    assert [r.rows_rejected for r in reports] == [0, 0, 0, 0]
    # The zip holds the same rows as a.txt (other bytes, so it is read): all duplicates.
    assert (reports[3].status, reports[3].rows_read, reports[3].rows_duplicate) == ("loaded", 710, 710)


def test_a_gdelt_file_whose_ids_lie_outside_the_stored_ranges_skips_no_duplicate(tmp_path: Path) -> None:
    """Each GDELT load keeps the range of its event ids (``load_id_ranges``). A later file whose
    ids lie outside every stored range is inserted without the scan of all stored ids; one whose
    range overlaps, or a store whose loads have no range (made before the table), still finds
    every id already stored."""
    from dyadwatch.ingest.pipeline import _ids_may_be_stored

    first = write_gdelt2(tmp_path / "a", 3000, files=1, compress=None, seed=3, first_id=1_000_000)
    later = write_gdelt2(tmp_path / "b", 3000, files=1, compress=None, seed=4, first_id=2_000_000)
    mixed = tmp_path / "mixed.export.CSV"  # half of the first file's lines, then all of the later one's
    mixed.write_text("\n".join(raw_lines(first.files[0])[::2] + raw_lines(later.files[0])) + "\n", encoding="utf-8")
    halves = [dict(zip(GDELT2_COLUMNS, line.split("\t"), strict=True)) for line in raw_lines(first.files[0])[::2]]
    repeated = sum("PRK" in (row["Actor1CountryCode"], row["Actor2CountryCode"]) for row in halves)
    assert repeated > 50
    for clear_ranges in (False, True):
        with dw.open(tmp_path / f"store-{clear_ranges}.duckdb") as store:
            (loaded,) = store.ingest([first.files[0]])
            ranges = store.con.execute("SELECT source, id_min, id_max FROM load_id_ranges").fetchall()
            number = "CAST(split_part(event_id, ':', 2) AS BIGINT)"
            ids = store.con.execute(f"SELECT min({number}), max({number}) FROM events").fetchall()
            assert ranges == [("gdelt2", *ids[0])] and 1_000_000 <= ids[0][0] < ids[0][1] < 1_003_000
            assert not _ids_may_be_stored(store.con, "gdelt2", 2_000_000, 2_003_000)
            assert _ids_may_be_stored(store.con, "gdelt2", ids[0][1], 2_003_000)
            if clear_ranges:  # as in a store made before load_id_ranges: every later load checks all ids
                store.con.execute("DELETE FROM load_id_ranges")
                assert _ids_may_be_stored(store.con, "gdelt2", 2_000_000, 2_003_000)
            (again,) = store.ingest([mixed])
            assert again.rows_duplicate == repeated and again.rows_kept == later.focus_rows
            assert_reconciles(again)
            assert_ids_unique(store)
            assert store.count() == loaded.rows_kept + later.focus_rows


def test_generated_files_in_id_order_hold_consecutive_blocks(tmp_path: Path) -> None:
    """``ids_in_file_order`` (as GDELT numbers its files; the ingest benchmark uses it): the same
    rows as the shuffled files, each file the next block of ids; loaded, their id ranges follow
    one another and the repeated rows are still found."""
    shuffled = write_gdelt2(tmp_path / "s", 4_000, files=4, compress=None, duplicate_share=0.02, seed=9)
    ordered = write_gdelt2(
        tmp_path / "o", 4_000, files=4, compress=None, duplicate_share=0.02, seed=9, ids_in_file_order=True
    )
    rows = {kind: [line for f in g.files for line in raw_lines(f)] for kind, g in (("s", shuffled), ("o", ordered))}
    assert sorted(rows["s"]) == sorted(rows["o"]) and ordered.focus_rows == shuffled.focus_rows
    blocks = [[int(line.split("\t", 1)[0]) for line in raw_lines(f)] for f in ordered.files]
    assert all(block == sorted(block) for block in blocks)
    assert all(before[-1] <= after[0] for before, after in zip(blocks, blocks[1:], strict=False))
    spans = [[int(line.split("\t", 1)[0]) for line in raw_lines(f)] for f in shuffled.files]
    assert min(max(span) for span in spans) > max(min(span) for span in spans)  # shuffled: they overlap
    with dw.open(tmp_path / "store.duckdb") as store:
        reports = store.ingest(ordered.files)
        assert sum(r.rows_duplicate for r in reports) == ordered.focus_rows - sum(r.rows_kept for r in reports) > 0
        assert_ids_unique(store)
        ranges = store.con.execute("SELECT id_min, id_max FROM load_id_ranges ORDER BY load_id").fetchall()
        assert len(ranges) == 4 and all(low <= high for low, high in ranges)
        assert all(before[1] <= after[0] for before, after in zip(ranges, ranges[1:], strict=False))
