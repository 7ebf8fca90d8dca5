"""The compiled line scan (``dyadwatch.ingest._linescan``, built by setup.py) against the numpy
scan it replaces: on real and generated GDELT text and on awkward texts, cut into blocks in many
ways, both must give the same lines, blank and CR LF counts, days, focus lines and line numbers.
The line-by-line reference itself is in tests/test_ingest_scan.py, which runs both scans."""

from __future__ import annotations

import io
import random
import shutil
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from dyadwatch.ingest import source
from dyadwatch.ingest.source import BLOCK, TextScan, _text_blocks

DATA = Path(__file__).parent / "data"


def compiler_found() -> bool:
    """Whether the C compiler this Python was built with is on the PATH (what setup.py uses)."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(compiler) is not None


def test_the_scan_is_compiled_where_a_compiler_is() -> None:
    """setup.py's extension is optional: an install without a compiler falls back to numpy. With
    one (CI, and `make test` here), a missing module means the build broke, which must not pass
    unnoticed as a slower load."""
    assert (source._linescan is not None) is compiler_found()
    assert TextScan.COMPILED is (source._linescan is not None)


def scan_with(compiled: bool, text: bytes, cuts: list[int], needle: bytes | None = b"PRK") -> dict[str, object]:
    """Everything a scan of ``text`` (fed in pieces ending at ``cuts``) reports."""
    original = TextScan.COMPILED
    TextScan.COMPILED = compiled
    try:
        out = io.BytesIO()
        scan = TextScan(count_days=True, needle=needle, out=out if needle else None)
    finally:
        TextScan.COMPILED = original
    assert scan._compiled is compiled
    for start, stop in zip([0, *cuts], [*cuts, len(text)], strict=True):
        scan.feed(text[start:stop])
    scan.finish()
    return {
        "lines": scan.lines,
        "blank": scan.blank,
        "crlf": scan.crlf,
        "physical": scan.physical,
        "mixed": scan.mixed_newlines,
        "days": scan.day_counts,
        "kept": scan.kept.tolist(),
        "copied": out.getvalue(),
    }


def same_both_ways(text: bytes, cuts: list[int], needle: bytes | None = b"PRK") -> dict[str, object]:
    compiled = scan_with(True, text, cuts, needle)
    assert compiled == scan_with(False, text, cuts, needle)
    return compiled


def every(size: int, text: bytes) -> list[int]:
    return list(range(size, len(text), size))


def test_real_and_generated_gdelt_text_scan_the_same(tmp_path: Path) -> None:
    from dyadwatch.testing import write_gdelt2

    assert source._linescan is not None
    generated = write_gdelt2(tmp_path / "gen", 20_000, files=1, seed=5)
    texts = {
        "generated GDELT 2.0": b"".join(_text_blocks(generated.files[0], "zip")),
        "a real GDELT 1.0 export sample": (DATA / "gdelt1-export-sample" / "events.csv").read_bytes(),
    }
    for name, text in texts.items():
        for cuts in (every(BLOCK, text), every(65_536, text), every(4_099, text)):
            found = same_both_ways(text, cuts)
            assert found["kept"] and found["days"], name  # the comparison covers focus lines and days
    crlf = texts["a real GDELT 1.0 export sample"].replace(b"\n", b"\r\n")
    assert same_both_ways(crlf, every(10_007, crlf))["crlf"] == crlf.count(b"\n")


@pytest.mark.parametrize(
    "text",
    [
        b"\n\n\n",  # blank lines only
        b"\r\n\r\n",  # CR LF blank lines
        b"no newline at all, PRK",  # one unterminated line with the needle at its very end
        b"1\t20190101\tx\nPRK",  # the needle alone on an unterminated last line
        b"12345678901234\t20190101\tPRK\n123456789012345\t20190101\tPRK\n",  # ids of 14 and 15 characters
        b"1\t20190101\t\n1\t2019010\t\n\t20190101\tx\n1\t20190101\n",  # 11 bytes; short; no id; no closing tab
        b"PR\nK\nPRK\rPRK\r\nRK\n",  # the needle cut by newlines, and twice on a line
        b"x" * 30_000 + b"PRK\n" + b"7\t20200229\tPRK\n" * 3,  # one long line, then short ones
    ],
)
@pytest.mark.parametrize("cut", [1, 2, 7, 4096])
def test_awkward_texts_scan_the_same(text: bytes, cut: int) -> None:
    same_both_ways(text, every(cut, text))
    same_both_ways(text, every(cut, text), needle=None)


@pytest.mark.parametrize("seed", range(30))
def test_random_bytes_scan_the_same(seed: int) -> None:
    """Text drawn from the few bytes the scan looks at (newline, CR, tab, digits, the needle's
    letters), so that every rule meets every neighbour."""
    rng = random.Random(seed)
    alphabet = b"\n\n\r\t\t0123PRKx"
    text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 5000)))
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 30)))) if len(text) > 1 else []
    same_both_ways(text, cuts)


def test_outputs_that_are_too_small_or_of_the_wrong_kind_are_refused() -> None:
    """Guards of the C function (TextScan always passes room for the worst case)."""
    assert source._linescan is not None
    scan = source._linescan.scan
    text = b"1\t20190101\tPRK\n" * 10
    kept, copy, keys = np.empty(10, np.int64), np.empty(len(text), np.uint8), np.empty(10, np.uint64)
    assert scan(text, b"PRK", True, kept, copy, keys) == (10, 0, 0, 10, len(text), 10)
    assert keys[0].tobytes() == b"20190101" and kept.tolist() == list(range(10))
    with pytest.raises(ValueError, match="too small"):
        scan(text, b"PRK", True, np.empty(9, np.int64), copy, keys)
    with pytest.raises(ValueError, match="too small"):
        scan(text, b"PRK", True, kept, np.empty(len(text) - 1, np.uint8), keys)
    with pytest.raises(ValueError, match="too small"):
        scan(text, b"PRK", True, kept, copy, np.empty(9, np.uint64))
    with pytest.raises(TypeError, match="items of 8 bytes"):
        scan(text, b"PRK", True, np.empty(20, np.int32), copy, keys)
    # A last line without a newline (TextScan always adds one) still counts, and is copied as it is.
    assert scan(b"\r\n1\t20190101\tPRK", b"PRK", True, kept, copy, keys) == (2, 1, 1, 1, 14, 1)
    assert copy[:14].tobytes() == b"1\t20190101\tPRK" and kept[0] == 1
    read_only = np.empty(10, np.int64)
    read_only.flags.writeable = False
    with pytest.raises((ValueError, BufferError), match="read-only|not writable"):
        scan(text, b"PRK", True, read_only, copy, keys)


@pytest.mark.parametrize("focus", ["PRK", "ALL"])
def test_files_load_the_same_with_either_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, focus: str) -> None:
    """End to end, through ``Store.ingest``: generated zips, one of them with CR LF line ends and a
    flagged row, give the same store with the C scan as with numpy's (an install without a
    compiler loads what one with a compiler does)."""
    import zipfile

    import dyadwatch as dw
    from dyadwatch.testing import write_gdelt2
    from dyadwatch.testing.gdelt import gdelt2_row
    from dyadwatch.testing.loads import load_tables

    generated = write_gdelt2(tmp_path / "gen", 30_000, files=3, ids_in_file_order=True, seed=11)
    odd = tmp_path / "gen" / "20190101000000.export.CSV.zip"
    lines = [gdelt2_row(9_000_000 + i, SQLDATE="20190105") for i in range(50)]
    lines.insert(20, gdelt2_row(9_000_100, SQLDATE="20190231"))  # no such day: rejected, line 21
    with zipfile.ZipFile(odd, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20190101000000.export.CSV", "\r\n".join(lines) + "\r\n")
    files = [*generated.files, odd]
    found = []
    for compiled in (True, False):
        monkeypatch.setattr(TextScan, "COMPILED", compiled)
        with dw.open(tmp_path / f"compiled-{compiled}.duckdb") as store:
            reports = store.ingest(files, focus=focus)
            timeless = [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in reports]
            found.append((timeless, load_tables(store)))
    assert found[0] == found[1]
    loaded, tables = found[0]
    assert [r["status"] for r in loaded] == ["loaded"] * 4
    assert sum(r["rows_read"] for r in loaded) == 30_051
    assert tables["rejects"] and tables["rejects"][0][1] == 21  # the original line, whatever was skipped
    if focus == "PRK":
        assert len(tables["events"]) == generated.focus_rows + 50
