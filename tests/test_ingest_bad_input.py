"""Bad input: malformed rows go to ``rejects`` (file, line, reason) while the rest of the file
loads; a file that cannot be read at all gets one clear line naming it (exit 1), a usage error
exits 2, and no traceback is ever shown. The lock error is one line too.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import InputError, StoreLockedError
from dyadwatch.ingest.formats import GDELT2_COLUMNS
from dyadwatch.testing import write_gdelt2

DATA = Path(__file__).parent / "data"
ICEWS_SAMPLE = DATA / "icews-sample" / "events.2018.sample.tab"
GDELT1_SAMPLE = DATA / "gdelt1-export-sample" / "events.csv"
COLUMN = {name: i for i, name in enumerate(GDELT2_COLUMNS)}


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "dyadwatch", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "COLUMNS": "60"},  # a narrow terminal must not wrap the error line
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """stderr holds exactly one line naming the problem, and no traceback."""
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


# -- malformed rows -------------------------------------------------------------------------------
def set_field(line: bytes, name: str, value: bytes) -> bytes:
    fields = line.split(b"\t")
    fields[COLUMN[name]] = value
    return b"\t".join(fields)


Breaker = Callable[[bytes], bytes]
MALFORMED: dict[str, tuple[Breaker, str]] = {
    "too few columns": (lambda line: b"\t".join(line.split(b"\t")[:60]), "Expected Number of Columns: 61 Found: 60"),
    "too many columns": (lambda line: line + b"\textra", "Expected Number of Columns: 61 Found: 62"),
    "impossible date": (lambda line: set_field(line, "SQLDATE", b"20190231"), 'Could not convert string "20190231"'),
    "non-numeric score": (lambda line: set_field(line, "GoldsteinScale", b"high"), 'Could not convert string "high"'),
    "bad utf-8": (lambda line: set_field(line, "Actor1Name", b"PY\xffNGYANG"), "Invalid unicode"),
    "score out of range": (lambda line: set_field(line, "GoldsteinScale", b"42.0"), "GoldsteinScale outside -10..10"),
    "missing event code": (lambda line: set_field(line, "EventCode", b""), "missing EventCode"),
}


@pytest.fixture(scope="module")
def clean_lines(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """300 valid GDELT 2.0 lines, every one involving North Korea."""
    files = write_gdelt2(tmp_path_factory.mktemp("clean"), 300, focus_share=1.0, compress=None, seed=21)
    return files.files[0].read_bytes().splitlines()


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.parametrize("line_ending", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_a_malformed_row_is_rejected_with_file_line_and_reason(
    tmp_path: Path, clean_lines: list[bytes], case: str, line_ending: bytes
) -> None:
    breaker, reason = MALFORMED[case]
    lines = list(clean_lines)
    lines[41] = breaker(lines[41])  # line 42 of the file
    path = tmp_path / "bad.export.CSV"
    path.write_bytes(line_ending.join(lines) + line_ending)
    with dw.open(tmp_path / "s.duckdb") as store:
        report = store.ingest([path], format="gdelt2")[0]
        assert report.status == "loaded"
        assert (report.rows_read, report.rows_rejected, report.rows_kept) == (300, 1, 299)
        assert report.reconciles
        rejects = store.rejects()
        assert len(rejects) == 1
        row = rejects.iloc[0]
        assert (row.file, int(row.line), int(row.load_id)) == (str(path), 42, report.load_id)
        assert reason in row.reason
        assert row.raw.split("\t")[0] == lines[41].split(b"\t")[0].decode()  # the event id of that line
        assert report.reject_examples[0].startswith("line 42: ")
        assert store.count() == 299


def test_every_kind_of_malformed_row_in_one_file(tmp_path: Path, clean_lines: list[bytes]) -> None:
    lines = list(clean_lines)
    broken = {}
    for offset, (case, (breaker, reason)) in enumerate(MALFORMED.items()):
        number = 10 + 20 * offset
        lines[number - 1] = breaker(lines[number - 1])
        broken[number] = (case, reason)
    path = tmp_path / "many.export.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with dw.open(tmp_path / "s.duckdb") as store:
        report = store.ingest([path])[0]
        assert report.format == "gdelt2"  # detected despite the damage
        assert (report.rows_rejected, report.rows_kept) == (len(MALFORMED), 300 - len(MALFORMED))
        rejects = store.rejects()
        assert [int(n) for n in rejects["line"]] == sorted(broken)
        for number, reason in zip(rejects["line"], rejects["reason"], strict=True):
            assert broken[int(number)][1] in reason, (number, reason)


def test_malformed_rows_in_the_real_samples(tmp_path: Path) -> None:
    """Break one line of each real sample: that line is rejected, every other line loads."""
    gdelt = GDELT1_SAMPLE.read_bytes().split(b"\n")
    fields = gdelt[99].split(b"\t")
    fields[1] = b"20161345"  # line 100: month 13
    gdelt[99] = b"\t".join(fields)
    icews = ICEWS_SAMPLE.read_bytes().split(b"\n")
    fields = icews[250].split(b"\t")
    fields[7] = b"very"  # line 251: Intensity not a number
    icews[250] = b"\t".join(fields)
    (tmp_path / "g.csv").write_bytes(b"\n".join(gdelt))
    (tmp_path / "i.tab").write_bytes(b"\n".join(icews))
    with dw.open(tmp_path / "s.duckdb") as store:
        g, i = store.ingest([tmp_path / "g.csv", tmp_path / "i.tab"], focus="ALL")
        assert (g.format, g.rows_read, g.rows_rejected, g.rows_kept + g.rows_duplicate) == ("gdelt1", 710, 1, 709)
        assert (i.format, i.rows_read, i.rows_rejected, i.rows_kept + i.rows_duplicate) == ("icews", 3705, 1, 3704)
        rejects = store.rejects()
        assert [(Path(f).name, int(n)) for f, n in zip(rejects["file"], rejects["line"], strict=True)] == [
            ("g.csv", 100),
            ("i.tab", 251),
        ]
        assert 'Could not convert string "20161345"' in rejects["reason"].iloc[0]
        assert 'Could not convert string "very"' in rejects["reason"].iloc[1]


@pytest.mark.parametrize("compress", [None, "gz"], ids=["plain", "gz"])
def test_mixed_line_ends_load_as_if_all_were_lf(tmp_path: Path, compress: str | None) -> None:
    """A file mixing CR LF and LF line ends (files concatenated from two systems) loads like the
    same file with LF ends only: same events, same rejected line, nothing lost. DuckDB's reader
    alone refuses it ("state machine reached an invalid state")."""
    lines = [line.rstrip(b"\r") for line in ICEWS_SAMPLE.read_bytes().split(b"\n") if line]
    fields = lines[250].split(b"\t")
    fields[7] = b"very"  # line 251: Intensity not a number
    lines[250] = b"\t".join(fields)
    lf = b"".join(line + b"\n" for line in lines)
    mixed = b"".join(line + (b"\r\n" if number % 3 == 0 else b"\n") for number, line in enumerate(lines))
    loaded = []
    for name, text in (("lf.tab", lf), ("mixed.tab", mixed)):
        path = tmp_path / (name + (".gz" if compress else ""))
        path.write_bytes(gzip.compress(text) if compress else text)
        with dw.open(tmp_path / f"{name}.duckdb") as store:
            (report,) = store.ingest([path], focus="ALL")
            assert report.status == "loaded", report.error
            events = store.con.execute("SELECT * EXCLUDE (load_id) FROM events ORDER BY event_id").fetchall()
            loaded.append(
                (report.rows_read, report.rows_kept, report.rows_rejected, events, list(store.rejects()["line"]))
            )
    assert loaded[0] == loaded[1]
    assert loaded[1][:3] == (3705, 3704, 1) and loaded[1][4] == [251]
    assert not list((tmp_path).glob("*.ingest-tmp/*"))  # the LF copy is gone with the load


# -- files that cannot be read --------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gdelt2(tmp_path_factory.mktemp("good"), 5_000, focus_share=0.2, seed=31).files[0]


def _two_members() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.CSV", "1\t2\n")
        archive.writestr("b.CSV", "1\t2\n")
    return buffer.getvalue()


def bad_files(folder: Path, good_zip: Path) -> Iterator[tuple[str, Path, str]]:
    """(case, path, text the error must contain) for each kind of unreadable file."""
    data = good_zip.read_bytes()
    cases: dict[str, tuple[bytes | None, str, str]] = {
        "truncated zip": (data[: len(data) // 2], "cut.export.CSV.zip", "corrupt or truncated zip archive"),
        "truncated gz": (gzip.compress(data * 3)[:-4000], "cut.export.CSV.gz", "corrupt or truncated gzip archive"),
        "corrupt gz": (None, "crc.export.CSV.gz", "corrupt or truncated gzip archive"),
        "corrupt zip member": (None, "crc.export.CSV.zip", "corrupt or truncated zip archive"),
        "not an archive": (b"<html>404 Not Found</html>\n", "page.export.CSV.zip", "is not a valid zip archive"),
        "zip of two files": (_two_members(), "two.zip", "zip archive holds 2 files"),
        "empty file": (b"", "empty.CSV", "is empty (0 bytes)"),
        "only blank lines": (b"\n\n\r\n", "blank.CSV", "holds no data lines"),
        "unknown format": (b"just prose\nno delimiters at all\n", "notes.txt", "format not recognised"),
    }
    for case, (content, name, message) in cases.items():
        path = folder / name
        if case == "corrupt gz":
            raw = bytearray(gzip.compress(data, compresslevel=1))
            raw[-8] ^= 0xFF  # the stored CRC no longer matches
            content = bytes(raw)
        elif case == "corrupt zip member":
            raw = bytearray(data)
            middle = len(raw) // 2
            raw[middle : middle + 64] = bytes(64)  # zeroes inside the deflate stream
            content = bytes(raw)
        assert content is not None
        path.write_bytes(content)
        yield case, path, message
    (folder / "a-folder").mkdir()
    yield "directory", folder / "a-folder", "is a directory"
    yield "missing path", folder / "no-such-file.CSV.zip", "no such file"


def test_each_unreadable_file_is_reported_and_the_others_still_load(tmp_path: Path, good_zip: Path) -> None:
    cases = list(bad_files(tmp_path, good_zip))
    with dw.open(tmp_path / "s.duckdb") as store:
        reports = store.ingest([good_zip] + [path for _, path, _ in cases] + [GDELT1_SAMPLE])
        assert reports[0].status == reports[-1].status == "loaded"
        for (case, path, message), report in zip(cases, reports[1:-1], strict=True):
            assert report.status == "failed", case
            assert report.error is not None and report.error.startswith(f"{path}: "), (case, report.error)
            assert message in report.error, (case, report.error)
            assert "\n" not in report.error
        assert len(store.loads()) == 2  # failed files leave no trace in the store
        # A failed file's scratch copy is gone.
        assert not store.workdir.exists()


def test_input_error_from_the_api(tmp_path: Path) -> None:
    from dyadwatch.ingest.pipeline import load_file

    with dw.open(tmp_path / "s.duckdb") as store, pytest.raises(InputError) as caught:
        load_file(store.con, tmp_path / "absent.zip", workdir=tmp_path / "w")
    assert (caught.value.path, caught.value.reason) == (str(tmp_path / "absent.zip"), "no such file")


@pytest.mark.slow
def test_cli_one_line_and_exit_1_for_each_unreadable_file(tmp_path: Path, good_zip: Path) -> None:
    db = tmp_path / "s.duckdb"
    for case, path, message in bad_files(tmp_path, good_zip):
        result = cli("ingest", "--db", db, path)
        assert result.returncode == 1, (case, result.stderr)
        line = assert_one_clean_line(result, str(path), message)
        assert line.startswith("error: "), line
    # With a good file beside a bad one: the good one loads, the run still exits 1.
    result = cli("ingest", "--db", db, good_zip, tmp_path / "no-such-file.CSV.zip", "--output", "csv")
    assert result.returncode == 1
    assert_one_clean_line(result, "no-such-file.CSV.zip: no such file")
    summary = result.stdout.splitlines()
    assert summary[0].startswith("file,format,status,read,kept")
    assert summary[1].split(",")[2] == "loaded" and summary[2].split(",")[2] == "failed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "--format", "polecatx", "x.CSV"], "unknown format 'polecatx'"),
        (["ingest", "--no-such-option", "x.CSV"], "No such option '--no-such-option'"),
        (["ingest"], "Missing argument"),
        (["ingest", "--format", "csv", "DATA/icews"], "a csv file needs --map"),
        (["ingest", "--format", "csv", "--map", "date=Event Date", "DATA/icews"], "--map must name actor1"),
        (["series", "PRK", "CHN", "--freq", "W"], "'W' is not one of"),
        (["export", "events", "--format", "parquet"], "--format parquet needs --out PATH"),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("DATA/icews", str(ICEWS_SAMPLE)) for a in args]
    if args[0] != "no-such-command":
        args += ["--db", str(tmp_path / "s.duckdb")]
    if args[:2] == ["export", "events"]:
        with dw.open(tmp_path / "s.duckdb"):
            pass  # an (empty) store to export from
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    # The in-process entry point gives the same code.
    assert run(args) == 2


# -- the write lock -------------------------------------------------------------------------------
HOLDER = """
import sys, dyadwatch
store = dyadwatch.open(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def locked_store(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A store whose write lock another process holds until the test ends."""
    db = tmp_path / "held.duckdb"
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as holder:  # the context closes the pipes (an unclosed pipe is a ResourceWarning, an error here)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
            yield db, holder.pid
        finally:
            holder.kill()
            holder.wait(timeout=30)


def test_lock_error_from_the_api(locked_store: tuple[Path, int]) -> None:
    db, pid = locked_store
    with pytest.raises(StoreLockedError) as caught:
        dw.open(db)
    message = str(caught.value)
    assert message.startswith(f"{db} is locked by another dyadwatch process")
    assert "\n" not in message and "--db" in message
    assert f"PID {pid}" in message or "PID" not in message  # DuckDB names the holder where it can


def test_lock_error_on_the_command_line(locked_store: tuple[Path, int], good_zip: Path) -> None:
    db, _ = locked_store
    result = cli("ingest", "--db", db, good_zip)
    assert result.returncode == 1
    assert_one_clean_line(result, "error: ", str(db), "is locked by another dyadwatch process")
    assert result.stdout == ""


def test_rejects_name_original_lines_when_only_focus_rows_are_parsed(tmp_path: Path) -> None:
    """GDELT rows without the focus code are counted, not parsed (``FocusFilter``): a malformed
    North Korea row still gets its line in the original file, while a malformed row between two
    other countries counts as outside the focus, and is rejected once the focus is ALL."""
    generated = write_gdelt2(tmp_path / "gen", 2_000, focus_share=0.1, compress=None, seed=5)
    lines = generated.files[0].read_bytes().splitlines()
    focus_numbers = [n for n, line in enumerate(lines, start=1) if b"PRK" in line]
    other_numbers = [n for n, line in enumerate(lines, start=1) if b"PRK" not in line]
    bad_focus, bad_other = focus_numbers[len(focus_numbers) // 2], other_numbers[-7]
    for number in (bad_focus, bad_other):
        lines[number - 1] = set_field(lines[number - 1], "SQLDATE", b"20190231")
    path = tmp_path / "mixed.export.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with dw.open(tmp_path / "focus.duckdb") as store:
        report = store.ingest([path])[0]
        assert report.reconciles and report.rows_read == 2_000
        assert report.rows_rejected == 1 and report.rows_kept == len(focus_numbers) - 1
        assert [int(n) for n in store.rejects()["line"]] == [bad_focus]
    with dw.open(tmp_path / "all.duckdb") as store:
        report = store.ingest([path], focus="ALL")[0]
        assert report.rows_rejected == 2 and report.rows_kept == 2_000 - 2
        assert sorted(int(n) for n in store.rejects()["line"]) == sorted([bad_focus, bad_other])
    with dw.open(tmp_path / "checked.duckdb") as store:
        report = store.ingest([path], check_all_rows=True)[0]
        assert report.rows_rejected == 2 and report.rows_kept == len(focus_numbers) - 1
        assert sorted(int(n) for n in store.rejects()["line"]) == sorted([bad_focus, bad_other])


def test_focus_filter_only_where_the_code_is_on_the_line() -> None:
    from dyadwatch.ingest.source import _filter_needle

    gdelt_line = b"\t".join([b"1", b"20190101"] + [b"x"] * 59) + b"\n"
    assert _filter_needle(gdelt_line, "auto", "PRK") == (b"PRK", "gdelt2")
    assert _filter_needle(gdelt_line, "auto", "ROU")[0] is None  # GDELT writes Romania as ROM
    assert _filter_needle(gdelt_line, "auto", "IGOUNO")[0] is None  # organisations: IGO + group codes
    assert _filter_needle(gdelt_line, "auto", "ALL")[0] is None
    assert _filter_needle(gdelt_line, "gdelt1", "PRK")[0] is None  # forced into another format


def test_a_csv_without_map_is_named_and_the_other_files_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ingest a.tab b.csv`: the CSV (detected, no --map) fails with its name; the ICEWS file loads."""
    own = tmp_path / "b.csv"
    own.write_text("Date,Src,Tgt,Code\n2019-01-01,PRK,CHN,042\n", encoding="utf-8")
    icews = DATA / "icews-sample" / "events.2018.sample.tab"
    db = tmp_path / "nk.duckdb"
    assert run(["ingest", "--db", str(db), str(icews), str(own), "--output", "json"]) == 1
    captured = capsys.readouterr()
    assert f"{own}: a csv file needs --map" in captured.err
    with dw.open(db, read_only=True) as store:
        assert store.count("icews") == 475
        assert store.loads()["file"].str.endswith("events.2018.sample.tab").sum() == 1
