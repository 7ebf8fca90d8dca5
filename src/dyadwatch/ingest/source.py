"""Turn a path into plain text that DuckDB can read in parallel, checking it on the way.

Every problem with the file itself (missing, a directory, empty, a truncated or corrupt archive)
becomes an :class:`~dyadwatch.errors.InputError` naming the file. Compressed files (``.zip``,
``.gz``) are streamed to a temporary plain file; at the same time, and for plain files in one
extra pass, the data lines are counted so that every row can be accounted for afterwards
(lines read = kept + outside focus + duplicate + rejected).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from dyadwatch.errors import InputError

CHUNK = 1024 * 1024  # 1 MiB: inflated chunks stay in the CPU cache while they are counted
ProgressCallback = Callable[[int], None]


class LineCounter:
    """Counts non-blank lines in a byte stream fed in chunks (LF or CRLF line ends).

    DuckDB's CSV reader skips blank lines, so they are not counted as rows read. Written by hand
    because no library counts lines over a stream without decoding it; numpy keeps it fast.
    """

    def __init__(self) -> None:
        self.newlines = 0
        self.blank = 0
        self._previous = b"\n"  # the file start behaves like the end of a previous line
        self._last_byte = b""

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.newlines += chunk.count(b"\n")
        edge = self._previous[-2:]
        # Blank lines are rare: look for them byte by byte only when a chunk can hold one (a
        # substring search is ~50x faster than the array pass, which is most of a file's cost).
        # A one-byte search (memchr) is nearly free: without a "\r" there is no "\n\r\n" to look for.
        joint = edge + chunk[:2]
        carriage = b"\r" in chunk
        if b"\n\n" in chunk or b"\n\n" in joint or (carriage and b"\n\r\n" in chunk) or b"\n\r\n" in joint:
            window = np.frombuffer(edge + chunk, dtype=np.uint8)
            is_nl = window == 10
            # A blank line is a "\n" directly after a "\n", or after "\r" that follows a "\n".
            after_nl = np.zeros_like(is_nl)
            after_nl[1:] = is_nl[:-1]
            after_cr_nl = np.zeros_like(is_nl)
            after_cr_nl[2:] = (window[1:-1] == 13) & is_nl[:-2]
            blank = is_nl & (after_nl | after_cr_nl)
            self.blank += int(blank[len(edge) :].sum())
        self._previous = edge + chunk[-2:] if len(chunk) < 2 else chunk[-2:]
        self._last_byte = chunk[-1:]

    @property
    def lines(self) -> int:
        """Non-blank lines seen so far (a last line without a newline counts)."""
        trailing = 1 if self._last_byte not in (b"", b"\n") else 0
        return self.newlines + trailing - self.blank


class FocusFilter:
    """Copies only the lines that contain the focus code, remembering their original line numbers.

    For GDELT files only: a row can involve North Korea only if ``PRK`` appears on its line (in the
    actor country fields), and usually fewer than one row in twenty does. Parsing and validating
    just those rows is what makes a load cost little more than decompression; the other rows are
    counted as outside the focus without being parsed (so a malformed row that could not involve
    the focus country is not reported as rejected). Written by hand because the line numbers of the
    kept rows must survive the copy, so that rejects still name the line of the original file.
    """

    def __init__(self, needle: bytes, out: IO[bytes]) -> None:
        self.needle = needle
        self.out = out
        self.carry = b""
        self.lines_before = 0  # physical lines of the original already processed
        self.kept: list[int] = []  # original line number of each line written

    def feed(self, chunk: bytes) -> None:
        block = self.carry + chunk
        cut = block.rfind(b"\n") + 1
        self.carry = block[cut:]
        self._scan(block[:cut])

    def _scan(self, block: bytes) -> None:
        pieces: list[bytes] = []
        newlines = 0
        last = 0
        position = block.find(self.needle)
        while position != -1:
            start = block.rfind(b"\n", 0, position) + 1
            end = block.find(b"\n", position) + 1 or len(block)
            newlines += block.count(b"\n", last, start)
            last = start
            self.kept.append(self.lines_before + newlines + 1)
            pieces.append(block[start:end])
            position = block.find(self.needle, end)
        if pieces:
            self.out.write(b"".join(pieces))
        self.lines_before += block.count(b"\n")

    def finish(self) -> None:
        if self.carry:
            self._scan(self.carry + (b"" if self.carry.endswith(b"\n") else b"\n"))
            self.carry = b""


class DayCounter:
    """Counts GDELT rows per day (the SQLDATE field, second on each line) over a stream of chunks.

    These daily totals of *all* rows, whatever the focus, are the base of ``--normalize all``
    (per 1 000 of all GDELT events that day). The focus filter skips parsing the other rows, so
    the dates are read here, with numpy, from a 24-byte window at the start of every line: the
    numeric event id, a tab, eight digits, a tab. A line that does not look like that is not
    counted. Written by hand for the same reason as :class:`FocusFilter`: no library counts a
    field over a stream without parsing every line.
    """

    WINDOW = 24  # an event id of up to 13 digits, a tab, eight digits, a tab

    def __init__(self) -> None:
        self.carry = b""
        self.counts: dict[int, int] = {}

    def feed(self, chunk: bytes) -> None:
        block = self.carry + chunk
        cut = block.rfind(b"\n") + 1
        self.carry = block[cut:]
        self._scan(block[:cut])

    def finish(self) -> None:
        if self.carry:
            self._scan(self.carry + b"\n")
            self.carry = b""

    def _scan(self, block: bytes) -> None:
        if not block:
            return
        data = np.frombuffer(block, dtype=np.uint8)
        starts = np.concatenate(([0], np.flatnonzero(data == 10)[:-1] + 1))
        padded = np.concatenate((data, np.zeros(self.WINDOW, dtype=np.uint8)))
        window = padded[starts[:, None] + np.arange(self.WINDOW)]
        is_tab = window == 9
        first_tab = np.argmax(is_tab, axis=1)
        first_newline = np.where((window == 10).any(axis=1), np.argmax(window == 10, axis=1), self.WINDOW)
        usable = is_tab.any(axis=1) & (first_tab >= 1) & (first_tab + 10 <= self.WINDOW)
        usable &= first_tab + 9 < first_newline
        rows = np.flatnonzero(usable)
        if not len(rows):
            return
        tab = first_tab[rows]
        digits = window[rows[:, None], tab[:, None] + 1 + np.arange(8)].astype(np.int64) - 48
        closing = window[rows, tab + 9]
        good = ((digits >= 0) & (digits <= 9)).all(axis=1) & (closing == 9)
        values = digits[good] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
        days, counts = np.unique(values, return_counts=True)
        for day, count in zip(days.tolist(), counts.tolist(), strict=True):
            self.counts[day] = self.counts.get(day, 0) + count


@dataclass
class PreparedFile:
    """A file ready for DuckDB: its plain-text path, the original's digest, and its line count.

    When ``line_map`` is set, ``plain`` holds only the lines that can involve the focus country
    (see :class:`FocusFilter`) and ``line_map[i]`` is the original line number of its line ``i+1``.
    """

    original: Path
    plain: Path
    sha256: str
    lines: int
    scratch: bool  # ``plain`` is a temporary copy (inflated or filtered), removed by :func:`release`
    line_map: np.ndarray | None = None
    detected_format: str | None = None
    day_counts: dict[int, int] | None = None  # GDELT rows per YYYYMMDD, all rows (DayCounter)

    def original_line(self, line: int | None) -> int | None:
        """The line number in the original file of line ``line`` of ``plain``."""
        if line is None or self.line_map is None:
            return line
        return int(self.line_map[line - 1])

    def head(self, size: int = 65536) -> bytes:
        with self.plain.open("rb") as handle:
            return handle.read(size)


def check_path(path: Path) -> None:
    """Raise :class:`InputError` for a path that cannot be a data file."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory; pass the files inside it (for example dir/*.zip)")
    if path.stat().st_size == 0:
        raise InputError(path, "is empty (0 bytes)")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _open_member(path: Path, kind: str) -> Iterator[IO[bytes]]:
    """Open the decompressed stream of a ``.zip`` (exactly one member) or ``.gz`` file."""
    # By the magic number, not zipfile.is_zipfile(): a truncated zip has lost its central
    # directory, and must be reported as a broken zip rather than tried as gzip.
    if kind == "zip":
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise InputError(
                    path,
                    f"zip archive holds {len(members)} files; dyadwatch reads archives "
                    "with exactly one data file (unzip it and load the files one by one)",
                )
            with archive.open(members[0]) as stream:
                yield stream
    else:
        with gzip.open(path, "rb") as gz_stream:
            yield gz_stream  # type: ignore[misc]  # GzipFile is a binary IO


def _kind(path: Path) -> str:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"PK\x03\x04":
        return "zip"
    if path.suffix.lower() in (".zip", ".gz"):
        raise InputError(
            path,
            f"is named {path.suffix} but is not a valid {path.suffix[1:]} archive "
            "(truncated download?); fetch it again",
        )
    return "plain"


FILTERABLE_FORMATS = ("gdelt1", "gdelt2")


def _filter_needle(first: bytes, fmt: str, focus: str) -> tuple[bytes | None, str | None]:
    """The focus code to filter on (GDELT files with a single-country focus), and the sniffed format."""
    from dyadwatch.ingest.formats import detect_format

    detected = detect_format(first[:65536])
    sniffed = detected.format if detected else None
    # Filter only what the content itself shows to be GDELT (and, with --format, the same GDELT):
    # a file forced into the wrong format must still have every row checked and rejected.
    if sniffed not in FILTERABLE_FORMATS or fmt not in ("auto", sniffed):
        return None, sniffed
    # Only a state whose GDELT (CAMEO) country code is its ISO code can be found by its code on the
    # line: GDELT writes Romania as ROM, and organisations as IGO + group codes (IGOUNOKID).
    from dyadwatch.codebook.countries import CAMEO_DIFFERS

    code = focus.upper()
    if code == "ALL" or len(code) != 3 or not code.isalpha() or code in CAMEO_DIFFERS.values() or code in CAMEO_DIFFERS:
        return None, sniffed
    return code.encode("ascii"), sniffed


def prepare(
    path: Path, workdir: Path, on_bytes: ProgressCallback | None = None, *, fmt: str = "auto", focus: str = "ALL"
) -> PreparedFile:
    """Check ``path``, decompress it into ``workdir`` when needed, and count its data lines.

    For GDELT files with a single-country ``focus``, only the lines naming that country are copied
    (:class:`FocusFilter`); every line is still counted.
    """
    check_path(path)
    digest = sha256_of(path)
    counter = LineCounter()
    kind = _kind(path)
    workdir.mkdir(parents=True, exist_ok=True)
    plain = workdir / f"{digest[:16]}.txt"
    needle: bytes | None = None
    sniffed: str | None = None
    line_filter: FocusFilter | None = None
    days: DayCounter | None = None
    wrote_copy = False
    try:
        with contextlib.ExitStack() as stack:
            stream: IO[bytes] = (
                stack.enter_context(path.open("rb"))
                if kind == "plain"
                else stack.enter_context(_open_member(path, kind))
            )
            first = True
            out: IO[bytes] | None = None
            while chunk := stream.read(CHUNK):
                if first:
                    first = False
                    needle, sniffed = _filter_needle(chunk, fmt, focus)
                    if sniffed in FILTERABLE_FORMATS and fmt in ("auto", sniffed):
                        days = DayCounter()
                    if needle is not None or kind != "plain":
                        out = stack.enter_context(plain.open("wb"))
                        wrote_copy = True
                        if needle is not None:
                            line_filter = FocusFilter(needle, out)
                counter.feed(chunk)
                if days is not None:
                    days.feed(chunk)
                if line_filter is not None:
                    line_filter.feed(chunk)
                elif out is not None:
                    out.write(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
            if line_filter is not None:
                line_filter.finish()
            if days is not None:
                days.finish()
    except (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile, OSError) as exc:
        plain.unlink(missing_ok=True)
        raise InputError(path, f"corrupt or truncated {kind} archive ({exc}); fetch it again") from None
    if counter.lines == 0:
        plain.unlink(missing_ok=True)
        raise InputError(
            path, "holds no data lines (only blank lines)" if kind == "plain" else "archive holds no data lines"
        )
    return PreparedFile(
        path,
        plain if wrote_copy else path,
        digest,
        counter.lines,
        scratch=wrote_copy,
        line_map=np.asarray(line_filter.kept, dtype=np.int64) if line_filter is not None else None,
        detected_format=sniffed,
        day_counts=days.counts if days is not None else None,
    )


def release(prepared: PreparedFile) -> None:
    """Remove the temporary plain copy (an inflated archive or a focus-filtered file)."""
    if prepared.scratch:
        prepared.plain.unlink(missing_ok=True)


def clean_workdir(workdir: Path) -> None:
    """Remove leftovers of an interrupted load (a process killed mid-file leaves its temp copy)."""
    if workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
