"""The one-pass text scan behind every load (``TextScan``) against a plain-Python reading of the
same text: line counts, GDELT rows per day and the focus lines with their original numbers must
not depend on where the blocks are cut, on blank or CRLF lines, or on event ids of mixed lengths.
Also the ISA-L zip reader against ``zipfile``, and its checks of a damaged archive."""

from __future__ import annotations

import io
import platform
import random
import re
import sys
import zipfile
from pathlib import Path

import pytest

from dyadwatch.errors import InputError
from dyadwatch.ingest.source import TextScan, _sparse_positions, _text_blocks, keep_freed_blocks, prepare

DATA = Path(__file__).parent / "data"
DATE = re.compile(rb"^[^\t]{1,14}\t(\d{8})\t")  # an id of up to 14 characters


def reference(text: bytes, needle: bytes) -> tuple[int, dict[int, int], list[int], bytes]:
    """Lines (not blank), rows per day, focus line numbers and the focus lines, line by line."""
    physical = text.split(b"\n")
    if physical and physical[-1] == b"":
        physical.pop()  # the text ends with a newline
    lines = sum(1 for line in physical if line not in (b"", b"\r"))
    days: dict[int, int] = {}
    for line in physical:
        if match := DATE.match(line):
            days[int(match.group(1))] = days.get(int(match.group(1)), 0) + 1
    kept = [number for number, line in enumerate(physical, start=1) if needle in line]
    copied = b"".join(physical[number - 1] + b"\n" for number in kept)
    return lines, days, kept, copied


def random_text(rng: random.Random) -> bytes:
    id_length = rng.randint(1, 12)
    rows = []
    for _ in range(rng.randint(1, 400)):
        roll = rng.random()
        if roll < 0.05:
            rows.append(b"")
        elif roll < 0.08:
            rows.append(b"\r")
        elif roll < 0.1:
            rows.append(b"not a row, PRK named")
        elif roll < 0.12:
            rows.append(b"12\t2019010\tshort date")
        elif roll < 0.13:
            rows.append(b"PRKPRK\tPRK twice, then a line that ends in PR")  # one copy of the line
            rows.append(b"K starts this line: no match across the newline\tPR")
        else:
            # Mostly one id length (the fast path), sometimes another (the window search).
            length = id_length if rng.random() < 0.9 else rng.randint(1, 15)
            alphabet = "0123456789\t" if rng.random() < 0.02 else "0123456789"  # now and then a tab inside
            event_id = "".join(rng.choice(alphabet) for _ in range(length)).encode()
            day = b"2019%02d%02d" % (rng.randint(1, 12), rng.randint(1, 28))
            actor = rng.choice([b"PRK", b"PRK\tPRKGOV", b"FRA", b"FRA", b"FRA", b"FRA", b"PR", b"RK"])
            end = b"\r" if rng.random() < 0.1 else b""
            rows.append(event_id + b"\t" + day + b"\t201901\t" + actor + b"\tx" + end)
    return b"\n".join(rows) + (b"\n" if rng.random() < 0.7 else b"")


@pytest.mark.parametrize("scanner", ["compiled", "numpy, rare letter", "numpy, common letter"])
@pytest.mark.parametrize("seed", range(40))
def test_scan_matches_a_line_by_line_reading(seed: int, scanner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan in C, and numpy's with both ways of finding the needle's first letter: word by
    word throughout ("rare", as these small texts never reach the sample size), or numpy's
    flatnonzero from the second block on. For odd seeds the day keys are counted after every
    block, not once at the end."""
    monkeypatch.setattr(TextScan, "COMPILED", scanner == "compiled")
    if scanner == "numpy, common letter":
        monkeypatch.setattr(TextScan, "LETTER_SAMPLE", 0)
        monkeypatch.setattr(TextScan, "COMMON_LETTER", 0.0)
    if seed % 2:
        monkeypatch.setattr(TextScan, "TALLY_BATCH", 1)
    rng = random.Random(seed)
    text = random_text(rng)
    cuts = sorted(rng.sample(range(len(text) + 1), min(len(text), rng.randint(0, 12))))
    out = io.BytesIO()
    scan = TextScan(count_days=True, needle=b"PRK", out=out)
    for start, stop in zip([0, *cuts], [*cuts, len(text)], strict=True):
        scan.feed(text[start:stop])
    scan.finish()
    lines, days, kept, copied = reference(text, b"PRK")
    terminated = text.split(b"\n")[:-1]  # the lines with a newline (a last line without one ends in neither)
    crlf = sum(1 for line in terminated if line.endswith(b"\r"))
    assert scan.mixed_newlines == (0 < crlf < len(terminated))
    assert scan.lines == lines
    assert scan.day_counts == days
    assert scan.kept.tolist() == kept
    assert out.getvalue() == copied


def test_the_first_letter_is_rare_in_generated_text_and_common_in_real_gdelt_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bench's generated rows keep the word-by-word search; GDELT's own rows (a real export
    sample, two capital P's a line) switch to numpy's flatnonzero, and find the same lines."""
    from dyadwatch.testing import write_gdelt2

    generated = write_gdelt2(tmp_path / "gen", 2000, files=1, seed=3)
    real = (DATA / "gdelt1-export-sample" / "events.csv").read_bytes()
    monkeypatch.setattr(TextScan, "COMPILED", False)  # the choice is the numpy scan's
    for text, common in ((b"".join(_text_blocks(generated.files[0], "zip")), False), (real, True)):
        assert len(text) >= 2 * TextScan.LETTER_SAMPLE
        out = io.BytesIO()
        scan = TextScan(needle=b"PRK", out=out)
        block = 2 * TextScan.LETTER_SAMPLE  # each block's whole lines are still a sample's worth
        for start in range(0, len(text), block):
            scan.feed(text[start : start + block])
        scan.finish()
        assert scan._rare_letter is not common
        _, _, kept, copied = reference(text, b"PRK")
        assert kept and scan.kept.tolist() == kept
        assert out.getvalue() == copied


@pytest.mark.parametrize("seed", range(20))
def test_sparse_positions_are_flatnonzeros(seed: int) -> None:
    """Word by word, every true byte is found: masks of every length modulo 8, sparse and dense,
    starting at an odd offset, with a true byte first, last, or in a word's last byte."""
    import numpy as np

    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 200))
    mask = rng.random(size + 1) < [0.0, 0.01, 0.2, 1.0][seed % 4]
    if size and seed % 3 == 0:
        mask[[1, size, min(8, size)]] = True
    mask = mask[1:]  # a view starting one byte in
    assert _sparse_positions(mask).tolist() == np.flatnonzero(mask).tolist()


def test_scan_of_a_file_with_no_date_field_counts_lines_only() -> None:
    scan = TextScan(count_days=True)
    scan.feed(b"Event ID\tEvent Date\n1\t2019-01-01\n\n2\t2019-01-02")
    scan.finish()
    assert scan.lines == 3 and scan.day_counts == {}


def write_zip(path: Path, text: bytes, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("events.CSV", text)
    return path


def test_zip_blocks_inflate_what_zipfile_reads(tmp_path: Path) -> None:
    from dyadwatch.ingest.source import BLOCK

    rng = random.Random(7)
    text = b"".join(random_text(rng) for _ in range(300))
    text = text * (3 * BLOCK // len(text) + 1)  # several blocks, and several pieces of input for each
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2):
        path = write_zip(tmp_path / f"m{method}.zip", text, method)
        blocks = list(_text_blocks(path, "zip"))
        assert b"".join(blocks) == text
        assert len(blocks) > 3 and max(len(block) for block in blocks) <= BLOCK


def test_a_deflate_stream_cut_short_is_reported(tmp_path: Path) -> None:
    """The archive's directory says the compressed data is shorter than the stream: the stream
    ends before its end mark, and the file is reported, not loaded in part."""
    import struct

    good = write_zip(tmp_path / "good.zip", b"".join(random_text(random.Random(4)) for _ in range(50)))
    data = bytearray(good.read_bytes())
    info = zipfile.ZipFile(good).infolist()[0]
    directory = data.rfind(b"PK\x01\x02")  # the member's entry in the central directory
    struct.pack_into("<I", data, directory + 20, info.compress_size // 2)  # its compressed size
    cut = tmp_path / "cut.zip"
    cut.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt or truncated zip archive"):
        prepare(cut, tmp_path / "work", focus="PRK")


def test_a_damaged_archive_is_reported_and_leaves_no_scratch_copy(tmp_path: Path) -> None:
    text = b"".join(random_text(random.Random(3)) for _ in range(50))
    good = write_zip(tmp_path / "good.zip", text)
    data = bytearray(good.read_bytes())
    info = zipfile.ZipFile(good).infolist()[0]
    data[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF  # a flipped byte in the deflate data
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    workdir = tmp_path / "work"
    with pytest.raises(InputError, match="corrupt or truncated zip archive"):
        prepare(bad, workdir, focus="PRK")
    assert not list(workdir.iterdir())


def test_freed_blocks_are_kept_for_reuse_on_glibc() -> None:
    """The load asks glibc to keep freed block-sized buffers (``keep_freed_blocks``): on glibc the
    call must reach ``mallopt`` and succeed, once or many times; elsewhere it does nothing."""
    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert keep_freed_blocks() is on_glibc
    assert keep_freed_blocks() is on_glibc


def test_prepare_takes_the_gate_for_each_block_and_releases_it(tmp_path: Path) -> None:
    """``prepare`` inflates and scans each block inside the gate it is given (the semaphore the
    preparing threads share with the store's writer), and holds it at no other time."""
    import contextlib

    from dyadwatch.testing import write_gdelt2

    generated = write_gdelt2(tmp_path / "gen", 60_000, files=1, compress="zip", seed=3)
    held: list[int] = []

    class CountingGate(contextlib.AbstractContextManager[None]):
        inside = 0

        def __enter__(self) -> None:
            self.inside += 1
            held.append(self.inside)

        def __exit__(self, *exc: object) -> None:
            self.inside -= 1

    gate = CountingGate()
    prepared = prepare(generated.files[0], tmp_path / "work", focus="PRK", gate=gate)
    blocks = len(list(_text_blocks(generated.files[0], "zip")))
    assert blocks >= 2  # the file spans several blocks, so the count means something
    assert len(held) == blocks + 1  # each block, then the call that finds no more
    assert set(held) == {1} and gate.inside == 0
    assert prepared.lines == 60_000
