"""`dyadwatch sync gdelt` against a loopback HTTP server serving generated GDELT files.

The server publishes the lists in GDELT's own layouts (version 2: ``masterfilelist.txt`` with
``SIZE MD5 URL``; version 1: ``md5sums`` with ``MD5  NAME`` and ``filesizes`` with ``SIZE NAME``)
and the files themselves, some of them broken on purpose: a wrong MD5, a 404, a truncated body,
a slow answer. Expected event counts are taken here from the raw files with plain Python.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import DyadwatchError
from dyadwatch.ingest.sync import (
    FileOutcome,
    SyncSummary,
    parse_v1_lists,
    parse_v2_lastupdate,
    parse_v2_list,
    sync_gdelt,
)
from dyadwatch.testing import write_gdelt2

DATA = Path(__file__).parent / "data"
GDELT1_SAMPLE = DATA / "gdelt1-export-sample" / "events.csv"
NAMES = [  # three files on 1-2 March 2025, one on 5 March (outside --to 2025-03-04)
    "20250301000000.export.CSV.zip",
    "20250301001500.export.CSV.zip",
    "20250302000000.export.CSV.zip",
    "20250305000000.export.CSV.zip",
]
START, END = date(2025, 3, 1), date(2025, 3, 4)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def focus_rows(data: bytes, code: str = "PRK") -> int:
    """Rows of a zipped GDELT file with ``code`` as either actor's country (fields 8 and 18)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    return sum(1 for line in text.splitlines() if code in (line.split("\t")[7], line.split("\t")[17]))


@pytest.fixture(scope="module")
def gdelt_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Four generated GDELT 2.0 export zips (different rows each), keyed by their GDELT names."""
    generated = write_gdelt2(tmp_path_factory.mktemp("gen"), 8_000, files=4, focus_share=0.05, seed=3)
    return {name: path.read_bytes() for name, path in zip(NAMES, generated.files, strict=True)}


def masterfilelist(files: dict[str, bytes], overrides: dict[str, tuple[int, str]] | None = None) -> str:
    """GDELT 2.0's list: ``SIZE MD5 URL``, with the mentions and GKG files and a broken line."""
    lines = []
    for name, data in files.items():
        size, digest = (overrides or {}).get(name, (len(data), md5(data)))
        stamp = name[:14]
        lines.append(f"{size} {digest} http://data.gdeltproject.org/gdeltv2/{name}")
        lines.append(f"1234 {'a' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip")
        lines.append(f"5678 {'b' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.gkg.csv.zip")
    lines.insert(2, "")  # the real list has the odd blank or cut line
    lines.insert(3, "http://data.gdeltproject.org/gdeltv2/20250301000000.translation.export.CSV.zip")
    return "\n".join(lines) + "\n"


def serve(server: HTTPServer, files: dict[str, bytes], listing: str) -> None:
    server.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(listing, content_type="text/plain")
    for name, data in files.items():
        server.expect_request(f"/gdeltv2/{name}").respond_with_data(data, content_type="application/zip")


def file_requests(server: HTTPServer) -> list[str]:
    return [request.path for request, _ in server.log if request.path.endswith(".zip")]


def run_sync(store: dw.Store, server: HTTPServer, **options: Any) -> SyncSummary:
    settings: dict[str, Any] = {
        "version": 2,
        "start": START,
        "end": END,
        "base_url": server.url_for("/gdeltv2"),
        "jobs": 3,
        "timeout": 2.0,
        "attempts": 3,
        "retry_wait": 0.01,
    }
    settings.update(options)
    return sync_gdelt(store, **settings)


def run_sync_v1(store: dw.Store, server: HTTPServer, end: date = date(2019, 1, 2), **options: Any) -> SyncSummary:
    """A version 1 sync of January 2019 from the loopback server's ``/events`` (every country kept)."""
    settings: dict[str, Any] = {"focus": "ALL", "retry_wait": 0.01}
    settings.update(options)
    return sync_gdelt(store, version=1, start=date(2019, 1, 1), end=end, base_url=server.url_for("/events"), **settings)


# -- the published lists ------------------------------------------------------------------------
def test_v2_list_keeps_event_files_with_size_and_md5() -> None:
    text = (
        "150383 297a16b493de7cf6ca809a7cc31d0b93 http://data.gdeltproject.org/gdeltv2/20150218230000.export.CSV.zip\n"
        "318084 bb27f78ba45f69a17ea6ed7755e9f8ff http://data.gdeltproject.org/gdeltv2/20150218230000.mentions.CSV.zip\n"
        "10768507 ea8dde0beb0ba98810a92db068c0ce99 http://data.gdeltproject.org/gdeltv2/20150218230000.gkg.csv.zip\n"
        "\n"
        "broken line\n"
    )
    files = parse_v2_list(text)
    assert [(f.name, f.first_day, f.size, f.md5) for f in files] == [
        ("20150218230000.export.CSV.zip", date(2015, 2, 18), 150383, "297a16b493de7cf6ca809a7cc31d0b93")
    ]


def test_v1_lists_cover_years_months_and_days() -> None:
    md5sums = (
        "f6fcb7e955e35f93c9dae427c07b545d  GDELT.MASTERREDUCEDV2.1979-2013.zip\n"
        "7fb1b6ff781aea3d441abf512dc5e0f9  1979.zip\n"
        "c3cfe271c7f51eb8b6f8c2ad3ee6c0b0  200602.zip\n"
        "5cab38b5595365007f1e509fbaf7ecf8  20200324.export.CSV.zip\n"
    )
    filesizes = "1000 1979.zip\n2000 200602.zip\n3000 20200324.export.CSV.zip\n"
    files = {f.name: f for f in parse_v1_lists(md5sums, filesizes)}
    assert set(files) == {"1979.zip", "200602.zip", "20200324.export.CSV.zip"}
    assert (files["1979.zip"].first_day, files["1979.zip"].last_day) == (date(1979, 1, 1), date(1979, 12, 31))
    assert (files["200602.zip"].first_day, files["200602.zip"].last_day) == (date(2006, 2, 1), date(2006, 2, 28))
    assert files["20200324.export.CSV.zip"].size == 3000
    assert files["20200324.export.CSV.zip"].md5 == "5cab38b5595365007f1e509fbaf7ecf8"


# -- fetching -----------------------------------------------------------------------------------
def test_sync_loads_files_in_range_and_a_second_run_fetches_nothing(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    serve(httpserver, gdelt_files, masterfilelist(gdelt_files))
    summary = run_sync(store, httpserver)
    counts = summary.counts()
    assert {k: counts[k] for k in ("listed", "in_range", "already_loaded", "fetched", "verified", "loaded")} == {
        "listed": 4,
        "in_range": 3,
        "already_loaded": 0,
        "fetched": 3,
        "verified": 3,
        "loaded": 3,
    }
    assert counts["failed"] == 0
    expected = sum(focus_rows(gdelt_files[name]) for name in NAMES[:3])
    assert expected > 0
    assert store.count("gdelt2") == expected
    assert sorted(Path(f).name for f in store.loads()["file"]) == NAMES[:3]
    assert sorted(file_requests(httpserver)) == [f"/gdeltv2/{n}" for n in NAMES[:3]]
    # The temporary download folder is gone.
    assert not store.path.with_name(store.path.name + ".sync-tmp").exists()

    httpserver.clear_log()
    again = run_sync(store, httpserver, end=date(2025, 3, 5))
    assert file_requests(httpserver) == [f"/gdeltv2/{NAMES[3]}"]  # only the one new file
    assert (again.already_loaded, again.loaded, again.failed) == (3, 1, 0)
    assert store.count("gdelt2") == expected + focus_rows(gdelt_files[NAMES[3]])


def test_bad_files_fail_with_reasons_and_the_others_load(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    good, wrong_md5, missing, truncated = NAMES[0], NAMES[1], NAMES[2], NAMES[3]
    listing = masterfilelist(gdelt_files, {wrong_md5: (len(gdelt_files[wrong_md5]), "0" * 32)})
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(listing)
    httpserver.expect_request(f"/gdeltv2/{good}").respond_with_data(gdelt_files[good])
    httpserver.expect_request(f"/gdeltv2/{wrong_md5}").respond_with_data(gdelt_files[wrong_md5])
    httpserver.expect_request(f"/gdeltv2/{missing}").respond_with_data("not found", status=404)
    httpserver.expect_request(f"/gdeltv2/{truncated}").respond_with_data(gdelt_files[truncated][:5000])
    summary = run_sync(store, httpserver, end=date(2025, 3, 5))
    reasons = {f.name: f.reason for f in summary.failures}
    assert set(reasons) == {wrong_md5, missing, truncated}
    assert "MD5 mismatch" in str(reasons[wrong_md5])
    assert "HTTP 404" in str(reasons[missing])
    assert "size mismatch" in str(reasons[truncated]) and "5000" in str(reasons[truncated])
    assert (summary.loaded, summary.failed) == (1, 3)
    # Broken downloads were tried again (3 attempts), the 404 only once; none reached the store.
    requests = file_requests(httpserver)
    assert requests.count(f"/gdeltv2/{wrong_md5}") == 3
    assert requests.count(f"/gdeltv2/{truncated}") == 3
    assert requests.count(f"/gdeltv2/{missing}") == 1
    assert [Path(f).name for f in store.loads()["file"]] == [good]
    assert store.count("gdelt2") == focus_rows(gdelt_files[good])


def test_cli_names_failed_files_and_exits_1(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {name: gdelt_files[name] for name in NAMES[:2]}
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(masterfilelist(files))
    httpserver.expect_request(f"/gdeltv2/{NAMES[0]}").respond_with_data(files[NAMES[0]])
    httpserver.expect_request(f"/gdeltv2/{NAMES[1]}").respond_with_data("gone", status=404)
    db = str(tmp_path / "cli.duckdb")
    base = ["sync", "gdelt", "--from", "2025-03-01", "--to", "2025-03-04", "--base-url", httpserver.url_for("/gdeltv2")]
    assert run([*base, "--db", db, "--retries", "1", "--output", "json"]) == 1
    captured = capsys.readouterr()
    assert f"{NAMES[1]}: HTTP 404" in captured.err
    summary = json.loads(captured.out)
    assert (summary["in_range"], summary["loaded"], summary["failed"]) == (2, 1, 1)
    # A dry run says what it would fetch and fetches nothing.
    httpserver.clear_log()
    assert run([*base, "--db", db, "--dry-run", "--output", "json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert [(f["name"], f["status"]) for f in dry["files"]] == [(NAMES[0], "already loaded"), (NAMES[1], "would fetch")]
    assert file_requests(httpserver) == []
    # The table summary names the counts; a dry run as a table lists the files and their total size.
    assert run([*base, "--db", db, "--retries", "1"]) == 1
    table = capsys.readouterr()
    assert "already_loaded" in table.out and f"{NAMES[1]}: HTTP 404" in table.err
    assert run([*base, "--db", db, "--dry-run"]) == 0
    size = len(files[NAMES[1]])
    assert f"would fetch {NAMES[1]} ({size:,} bytes)\nwould fetch 1 files, {size / 1e6:,.1f} MB in all" in (
        capsys.readouterr().err
    )
    # Bad dates and versions are usage errors (exit 2), in one line.
    assert run(["sync", "gdelt", "--from", "March", "--db", db]) == 2
    assert "bad date: --from must be a day like" in capsys.readouterr().err
    assert run([*base, "--version", "3", "--db", db]) == 2
    assert "--version must be 1 or 2" in capsys.readouterr().err


def test_slow_server_is_retried_then_given_up(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    files = {name: gdelt_files[name] for name in NAMES[:2]}
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(masterfilelist(files))
    calls = {"n": 0}

    def slow_once(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            time.sleep(1.0)  # longer than the 0.3 s timeout: the first try times out
        return Response(files[NAMES[0]], content_type="application/zip")

    def always_slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(files[NAMES[1]], content_type="application/zip")

    httpserver.expect_request(f"/gdeltv2/{NAMES[0]}").respond_with_handler(slow_once)
    httpserver.expect_request(f"/gdeltv2/{NAMES[1]}").respond_with_handler(always_slow)
    summary = run_sync(store, httpserver, timeout=0.3, attempts=2)
    assert calls["n"] == 2
    assert [f.name for f in summary.files if f.status == "loaded"] == [NAMES[0]]
    failure = summary.failures[0]
    assert failure.name == NAMES[1] and "timed out" in str(failure.reason)


def test_interrupted_run_completes_when_run_again(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], tmp_path: Path
) -> None:
    serve(httpserver, gdelt_files, masterfilelist(gdelt_files))
    keep = tmp_path / "keep"
    keep.mkdir()
    # What a killed download leaves: a .part file, and (had it been renamed) a cut-short file.
    (keep / f"{NAMES[1]}.part").write_bytes(gdelt_files[NAMES[1]][:1000])
    (keep / NAMES[2]).write_bytes(gdelt_files[NAMES[2]][:1000])
    db = tmp_path / "resume.duckdb"
    seen: list[str] = []

    def stop_after_first(outcome: FileOutcome) -> None:
        seen.append(outcome.name)
        raise KeyboardInterrupt  # Ctrl-C after the first file loaded

    with dw.open(db) as store, pytest.raises(KeyboardInterrupt):
        run_sync(store, httpserver, keep=keep, jobs=1, on_file=stop_after_first)
    with dw.open(db) as store:
        assert len(store.loads()) == 1
        summary = run_sync(store, httpserver, keep=keep)
        assert (summary.already_loaded, summary.loaded, summary.failed) == (1, 2, 0)
        assert store.count("gdelt2") == sum(focus_rows(gdelt_files[name]) for name in NAMES[:3])
        assert store.con.execute("SELECT count(*) - count(DISTINCT event_id) FROM events").fetchone() == (0,)
    # The kept files are whole (the cut-short one was fetched again), and no .part is left.
    for name in NAMES[:3]:
        assert (keep / name).read_bytes() == gdelt_files[name]
    assert not list(keep.glob("*.part"))
    # Files verified on an earlier run are reused, not fetched again, by a new store.
    httpserver.clear_log()
    with dw.open(tmp_path / "other.duckdb") as other:
        reused = run_sync(other, httpserver, keep=keep)
    assert file_requests(httpserver) == []
    assert (reused.fetched, reused.verified, reused.loaded) == (0, 3, 3)


def test_version_1_reads_md5sums_and_filesizes(httpserver: HTTPServer, tmp_path: Path, store: dw.Store) -> None:
    lines = GDELT1_SAMPLE.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    files: dict[str, bytes] = {}
    for name, part in (("20190101.export.CSV.zip", lines[:half]), ("20190102.export.CSV.zip", lines[half:])):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name[:-4], b"".join(part))
        files[name] = buffer.getvalue()
    md5sums = "".join(f"{md5(data)}  {name}\n" for name, data in files.items()) + f"{'c' * 32}  2012.zip\n"
    filesizes = "".join(f"{len(data)} {name}\n" for name, data in files.items())
    httpserver.expect_request("/events/md5sums").respond_with_data(md5sums)
    httpserver.expect_request("/events/filesizes").respond_with_data(filesizes)
    for name, data in files.items():
        httpserver.expect_request(f"/events/{name}").respond_with_data(data)
    summary = run_sync_v1(store, httpserver, end=date(2019, 1, 31))
    assert (summary.listed, summary.in_range, summary.loaded, summary.failed) == (3, 2, 2, 0)
    loads = store.loads()
    assert set(loads["format"]) == {"gdelt1"}
    assert int(loads["rows_read"].sum()) == len([line for line in lines if line.strip()])


def test_list_that_cannot_be_read_is_one_clear_error(httpserver: HTTPServer, store: dw.Store) -> None:
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data("no", status=403)
    with pytest.raises(DyadwatchError, match="HTTP 403; check --base-url"):
        run_sync(store, httpserver)


def test_no_server_at_all_is_one_clear_error(store: dw.Store) -> None:
    # Nothing listens on port 9 (discard) of the loopback.
    with pytest.raises(DyadwatchError, match="cannot read GDELT's file list"):
        sync_gdelt(store, version=2, start=START, end=END, base_url="http://127.0.0.1:9", attempts=1, timeout=1)


# -- GDELT 1.0's published daily totals (normfiles) -------------------------------------------------
def serve_v1_sample(server: HTTPServer) -> tuple[dict[str, bytes], list[list[str]]]:
    """The GDELT 1.0 sample as two daily files with their lists; returns the files and the rows."""
    lines = GDELT1_SAMPLE.read_bytes().splitlines(keepends=True)
    files: dict[str, bytes] = {}
    for name, part in (("20190101.export.CSV.zip", lines[:350]), ("20190102.export.CSV.zip", lines[350:])):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name[:-4], b"".join(part))
        files[name] = buffer.getvalue()
    server.expect_request("/events/md5sums").respond_with_data(
        "".join(f"{md5(data)}  {name}\n" for name, data in files.items())
    )
    server.expect_request("/events/filesizes").respond_with_data(
        "".join(f"{len(data)} {name}\n" for name, data in files.items())
    )
    for name, data in files.items():
        server.expect_request(f"/events/{name}").respond_with_data(data)
    rows = [line.decode("utf-8").rstrip("\r\n").split("\t") for line in lines if line.strip()]
    return files, rows


# Generated totals in GDELT's layout: two days of the sample (20160728, 19820102) and one it lacks;
# a malformed line is skipped. 20160727 and 19820103 are not published: their counted totals stay.
PUBLISHED_DAILY = "20160728,250000\n19820102,4000\n20200101,99\nnot,a,line\n"
PUBLISHED_COUNTRY = "20160728,US,120000\n20160728,KN,35\n19820102,US,900\n"


def totals_by_day(store: dw.Store) -> dict[date, int]:
    rows = store.con.execute("SELECT date, sum(events) FROM daily_totals WHERE source = 'gdelt1' GROUP BY 1")
    return {day: int(events) for day, events in rows.fetchall()}


@pytest.mark.parametrize("loaded_before", [False, True], ids=["fetched-first", "files-loaded-before"])
def test_version_1_keeps_published_daily_totals_in_place_of_counted_ones(
    httpserver: HTTPServer, tmp_path: Path, store: dw.Store, loaded_before: bool
) -> None:
    files, rows = serve_v1_sample(httpserver)
    httpserver.expect_request("/normfiles/daily.csv").respond_with_data(PUBLISHED_DAILY)
    httpserver.expect_request("/normfiles/daily_country.csv").respond_with_data(PUBLISHED_COUNTRY)
    if loaded_before:  # counted at ingest first; the sync's published totals then replace them
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        store.ingest([tmp_path / name for name in files], focus="ALL")
    summary = run_sync_v1(store, httpserver, country_totals=True)
    assert summary.totals_days == 3 and summary.totals_note is None and summary.failed == 0
    assert summary.counts()["daily_totals"] == 3
    counted: dict[date, int] = {}
    for row in rows:
        day = date(int(row[1][:4]), int(row[1][4:6]), int(row[1][6:8]))
        counted[day] = counted.get(day, 0) + 1
    expected = {**counted, date(2016, 7, 28): 250_000, date(1982, 1, 2): 4_000, date(2020, 1, 1): 99}
    assert totals_by_day(store) == expected
    published = store.con.execute("SELECT count(*) FROM daily_totals WHERE load_id = 0").fetchone()
    assert published is not None and published[0] == 3
    by_country = store.con.execute("SELECT date, country, events FROM daily_country_totals ORDER BY 1, 2").fetchall()
    assert by_country == [
        (date(1982, 1, 2), "US", 900),
        (date(2016, 7, 28), "KN", 35),
        (date(2016, 7, 28), "US", 120_000),
    ]
    # --normalize all now divides by GDELT's published total for July 2016 plus the counted days.
    pairs = [(r[7], r[17]) for r in rows if r[1].startswith("201607") and r[7] and r[17] and r[7] != "ROM"]
    actor1, actor2 = max(set(pairs), key=pairs.count)
    series = store.series(actor1, actor2, freq="M", normalize="all", start="2016-07-01", end="2016-07-31")
    july = sum(events for day, events in expected.items() if (day.year, day.month) == (2016, 7))
    assert series["events"].iloc[0] == pytest.approx(1000 * pairs.count((actor1, actor2)) / july)


def test_version_1_without_published_totals_notes_it_and_counts_at_ingest(
    httpserver: HTTPServer, store: dw.Store
) -> None:
    _, rows = serve_v1_sample(httpserver)
    httpserver.expect_request("/normfiles/daily.csv").respond_with_data("gone", status=404)
    summary = run_sync_v1(store, httpserver)
    assert summary.loaded == 2 and summary.totals_days == 0
    assert (
        summary.totals_note is not None
        and "HTTP 404" in summary.totals_note
        and "counted at ingest" in summary.totals_note
    )
    assert sum(totals_by_day(store).values()) == len(rows)


def test_normfile_parsers_skip_what_is_not_a_total() -> None:
    from dyadwatch.ingest.sync import parse_country_totals, parse_daily_totals

    assert parse_daily_totals("20190101,5\n2019013,1\n20190230,4\nx,y\n20190102, 7\n") == {
        date(2019, 1, 1): 5,
        date(2019, 1, 2): 7,
    }
    assert parse_country_totals("20190101,US,5\n20190101,US\n20190101,KN,x\n") == [(date(2019, 1, 1), "US", 5)]


# -- lastupdate.txt first (issue 30: an idle watch cycle without the master list) ------------------
def lastupdate(name: str, data: bytes) -> str:
    """GDELT 2.0's ``lastupdate.txt``: the newest export, mentions and GKG files, ``SIZE MD5 URL``."""
    stamp = name[:14]
    return (
        f"{len(data)} {md5(data)} http://data.gdeltproject.org/gdeltv2/{name}\n"
        f"1234 {'a' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip\n"
        f"5678 {'b' * 32} http://data.gdeltproject.org/gdeltv2/{stamp}.gkg.csv.zip\n"
    )


def requested(server: HTTPServer) -> list[str]:
    return [request.path.rsplit("/", 1)[-1] for request, _ in server.log]  # in the order asked


def test_lastupdate_names_its_one_export_file_or_nothing() -> None:
    data = b"zip bytes"
    newest = parse_v2_lastupdate(lastupdate(NAMES[1], data))
    assert newest is not None and (newest.name, newest.size, newest.md5) == (NAMES[1], len(data), md5(data))
    assert parse_v2_lastupdate("<html><body>502 Bad Gateway</body></html>") is None
    assert parse_v2_lastupdate(lastupdate(NAMES[0], data) + lastupdate(NAMES[1], data)) is None  # which one?
    assert parse_v2_lastupdate("") is None


def test_a_complete_run_reads_lastupdate_instead_of_the_master_list(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    first = {name: gdelt_files[name] for name in NAMES[:2]}
    serve(httpserver, first, masterfilelist(first))
    newest = {"text": lastupdate(NAMES[1], first[NAMES[1]])}
    httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_handler(lambda _: Response(newest["text"]))
    full = run_sync(store, httpserver)
    assert (full.list_read, full.loaded, full.complete_through) == ("masterfilelist.txt", 2, NAMES[1])
    assert "lastupdate.txt" not in requested(httpserver)  # no mark given: the master list alone, as before

    httpserver.clear_log()
    idle = run_sync(store, httpserver, complete_through=full.complete_through)
    assert requested(httpserver) == ["lastupdate.txt"]
    assert (idle.list_read, idle.newest, idle.loaded) == ("lastupdate.txt", NAMES[1], 0)
    assert idle.complete_through == NAMES[1]

    # The next 15-minute file, and only it, is fetched with the size and MD5 lastupdate.txt gives.
    following, data = "20250301003000.export.CSV.zip", gdelt_files[NAMES[2]]
    httpserver.expect_request(f"/gdeltv2/{following}").respond_with_data(data)
    newest["text"] = lastupdate(following, data)
    httpserver.clear_log()
    one = run_sync(store, httpserver, complete_through=idle.complete_through)
    assert requested(httpserver) == ["lastupdate.txt", following]
    assert (one.loaded, one.failed, one.complete_through) == (1, 0, following)
    assert following in {Path(f).name for f in store.loads()["file"]}


def test_a_gap_after_the_mark_or_a_failed_file_reads_the_master_list(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    listed = {name: gdelt_files[name] for name in NAMES[:3]}
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data(masterfilelist(listed))
    httpserver.expect_request(f"/gdeltv2/{NAMES[0]}").respond_with_data(listed[NAMES[0]])
    missing = httpserver.expect_request(f"/gdeltv2/{NAMES[1]}")
    missing.respond_with_data("not found", status=404)
    httpserver.expect_request(f"/gdeltv2/{NAMES[2]}").respond_with_data(listed[NAMES[2]])
    httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_data(lastupdate(NAMES[2], listed[NAMES[2]]))
    broken = run_sync(store, httpserver)
    assert (broken.loaded, broken.failed) == (2, 1)
    assert broken.complete_through == NAMES[0]  # NAMES[2] is loaded, but NAMES[1] before it is not

    httpserver.clear_log()
    again = run_sync(store, httpserver, complete_through=broken.complete_through)
    assert "masterfilelist.txt" in requested(httpserver) and f"{NAMES[1]}" in requested(httpserver)
    assert again.list_read == "masterfilelist.txt" and again.notes == []  # a day after the mark: not a fault
    assert again.complete_through == NAMES[0]


def test_a_mark_past_the_end_of_the_range_needs_nothing_new(
    httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    later = "20250306000000.export.CSV.zip"  # published after --to 2025-03-04 and after the mark
    httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_data(lastupdate(later, b"x"))
    summary = run_sync(store, httpserver, complete_through=NAMES[3])
    assert requested(httpserver) == ["lastupdate.txt"] and summary.complete_through == NAMES[3]
    httpserver.expect_request("/gdeltv2/masterfilelist.txt").respond_with_data("")
    httpserver.clear_log()
    run_sync(store, httpserver, complete_through=NAMES[2])  # 2 March: the range goes on after it
    assert requested(httpserver) == ["lastupdate.txt", "masterfilelist.txt"]


@pytest.mark.parametrize(
    ("status", "body", "said"),
    [(404, "not found", "could not be read (HTTP 404"), (200, "<html>maintenance</html>", "names no export file")],
)
def test_lastupdate_missing_or_malformed_reads_the_master_list_with_a_note(
    status: int, body: str, said: str, httpserver: HTTPServer, gdelt_files: dict[str, bytes], store: dw.Store
) -> None:
    first = {name: gdelt_files[name] for name in NAMES[:2]}
    serve(httpserver, first, masterfilelist(first))
    httpserver.expect_request("/gdeltv2/lastupdate.txt").respond_with_data(body, status=status)
    full = run_sync(store, httpserver)
    httpserver.clear_log()
    summary = run_sync(store, httpserver, complete_through=full.complete_through)
    assert requested(httpserver) == ["lastupdate.txt", "masterfilelist.txt"]
    assert len(summary.notes) == 1 and said in summary.notes[0] and "masterfilelist.txt instead" in summary.notes[0]
    assert (summary.list_read, summary.already_loaded, summary.loaded) == ("masterfilelist.txt", 2, 0)
    assert summary.complete_through == NAMES[1]
