"""Turn a path into plain text that DuckDB can read, checking and counting it on the way.

Every problem with the file itself (missing, a directory, empty, a truncated or corrupt archive)
becomes an :class:`~dyadwatch.errors.InputError` naming the file. Compressed files (``.zip``,
``.gz``) are inflated with ISA-L (the ``isal`` package: 2-3x faster than zlib, and like zlib it
releases the GIL, so several files inflate at once on several cores). One pass over the text
(:class:`TextScan`) counts the data lines, so that every row can be accounted for afterwards
(lines read = kept + outside focus + duplicate + rejected), counts GDELT rows per day, and, for
GDELT files with a single-country focus, copies only the lines naming that country.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import mmap
import os
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
from isal import igzip, igzip_lib, isal_zlib

from dyadwatch.errors import InputError
from dyadwatch.ingest.formats import GDELT_VERSIONS, detect_format

try:  # the scan in C (setup.py builds it where a C compiler is found); numpy does the same without it
    from dyadwatch.ingest import _linescan
except ImportError:  # pragma: no cover - depends on how the package was installed
    _linescan = None  # type: ignore[assignment]  # the stub types the module; None means not built

CHUNK = 1024 * 1024  # 1 MiB of compressed input (or of a file being hashed) per read
# Inflated text is scanned in blocks of up to 2 MiB: large enough that numpy's per-call costs
# vanish, small enough that the blocks and numpy's temporaries of two files in flight stay in the
# shared cache. Measured on make bench's files (2 cores, 12-16 interleaved runs each): 2 MiB took
# ~5 % less time and ~7 % less CPU than 4 MiB; 1.5 MiB and 3 MiB were no better, 1 MiB slower.
BLOCK = 2 * 1024 * 1024
ProgressCallback = Callable[[int], None]
_ARCHIVE_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    cast("type[BaseException]", igzip_lib.IsalError),  # isal_zlib.error; its stub calls it an instance
    EOFError,
    gzip.BadGzipFile,
    OSError,
)


# glibc's mallopt(3) parameters (malloc.h): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_malloc_tuned = False


def keep_freed_blocks() -> bool:
    """Let glibc's malloc reuse freed block-sized buffers instead of returning them to the kernel.

    Why: every 2 MiB block of inflated text, and numpy's temporaries of the same size, is a
    large allocation, which glibc serves with a fresh ``mmap`` (or from a heap it trims back
    after each free): the kernel then zero-fills every page again on first touch. Measured on
    the benchmark's files, that was ~19 000 page faults and ~80 ms of system time per 65 MB
    file, a third of its preparation (``benchmarks/ingest.py``; see docs/benchmarks.md). With
    allocations up to 32 MiB served from the heap, and up to 64 MiB of freed memory kept there,
    the same buffers are reused. It raises the process's resident memory by at most those
    64 MiB per malloc arena. Only glibc has ``mallopt``; elsewhere (macOS, musl) this does
    nothing and returns False. Idempotent; process-wide, as malloc is.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return True
    import ctypes

    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")  # glibc only: musl's mallopt is a stub
    except (AttributeError, ValueError, OSError):  # no confstr, or not this name (macOS, musl)
        glibc = None
    if not glibc:
        return False
    mallopt = ctypes.CDLL(None).mallopt
    _malloc_tuned = bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 64 << 20))
    return _malloc_tuned


class TextScan:
    """One pass over a file's text, fed in blocks: lines, GDELT rows per day, the focus lines.

    * **Lines**: non-blank lines (LF or CRLF ends; a last line without a newline counts), because
      DuckDB's CSV reader skips blank lines and they are not rows read.
    * **Days** (``count_days``): GDELT rows per day, from the SQLDATE field (second on each line),
      of *all* rows whatever the focus: the base of ``--normalize all`` (per 1 000 of all GDELT
      events that day). The date is read from a 24-byte window at the start of every line (a
      numeric event id, a tab, eight digits, a tab); a line that does not look like that is not
      counted.
    * **Focus lines** (``needle``): only the lines that contain the focus code are copied to
      ``out``, and ``kept`` remembers their line numbers in the original file, so that rejects
      still name the original line. A GDELT row can involve North Korea only if ``PRK`` appears
      on its line, and usually fewer than one row in twenty does; parsing just those rows is what
      makes a load cost little more than inflating the file. The other rows are counted as
      outside the focus without being parsed.

    Written by hand because no library counts lines and a field over a stream, or filters lines
    while keeping their numbers, without parsing every line. Two implementations do the same:

    * **compiled** (``_linescan.c``, when the install could build it; :data:`COMPILED`): one pass
      per block in C, each line visited once, with the GIL released. On make bench's files it
      took a quarter to a third of numpy's time, and the whole load ~0.7 of it (docs/benchmarks.md);
    * **numpy**: a few passes over the block's bytes and a few dozen calls on its lines'
      positions (the large ones release the GIL), and one slice per focus line to copy it; no
      Python runs per line. It is the reference the tests hold the compiled scan to.
    """

    WINDOW = 24  # an event id of up to 14 characters, a tab, eight digits, a tab
    TALLY_BATCH = 1 << 20  # date keys counted at once (8 MB)
    #: The needle's first letter counts as common once it is more than this share of the bytes
    #: of a block of at least ``LETTER_SAMPLE`` bytes; from then on its places are found with
    #: numpy's ``flatnonzero`` instead of :func:`_sparse_positions`.
    COMMON_LETTER = 1 / 512
    LETTER_SAMPLE = 65536
    #: Scan in C when the compiled module is there (read when a scan starts; tests turn it off).
    COMPILED = _linescan is not None

    def __init__(self, *, count_days: bool = False, needle: bytes | None = None, out: IO[bytes] | None = None) -> None:
        if needle is not None and out is None:
            raise ValueError("a focus filter needs an output file")
        self.count_days = count_days
        self.needle = needle
        self.out = out
        self.physical = 0  # lines processed so far, blank ones included (original line numbers)
        self.blank = 0
        self.crlf = 0  # lines ending in CR LF (the others end in LF, or are a last line without one)
        self._unterminated = 0  # 1 when the last line has no newline (it ends in neither)
        self._day_keys: list[np.ndarray] = []  # per batch: each distinct 8-byte date field, as a word
        self._day_tallies: list[np.ndarray] = []  # and how many lines carry it
        self._day_pending: list[np.ndarray] = []  # each line's date field, not yet counted
        self._kept: list[np.ndarray] = []
        self._carry = b""  # a line cut by the end of the previous block
        self._rare_letter = True  # the needle's first letter, until a large block shows it common
        self._compiled = self.COMPILED
        self._outputs = (np.zeros(0, np.int64), np.zeros(0, np.uint8), np.zeros(0, np.uint64))  # _scan_compiled's
        self._room = -1  # the longest text ``_outputs`` has room for (none yet)

    @property
    def lines(self) -> int:
        """Non-blank lines seen so far (call :meth:`finish` first to count a last unterminated line)."""
        return self.physical - self.blank

    @property
    def mixed_newlines(self) -> bool:
        """Some lines end in CR LF and others in LF alone: DuckDB's CSV reader refuses such a file."""
        return 0 < self.crlf < self.physical - self._unterminated

    @property
    def day_counts(self) -> dict[int, int]:
        """GDELT rows per day (YYYYMMDD as an int) over all blocks fed so far."""
        self._fold_days()  # the keys not yet counted (this changes no count, only where it is kept)
        if not self._day_keys:
            return {}
        keys, where = np.unique(np.concatenate(self._day_keys), return_inverse=True)
        tallies = np.bincount(where, weights=np.concatenate(self._day_tallies), minlength=len(keys))
        # The eight bytes of each key, first byte lowest: a date only if all are ASCII digits.
        digits = ((keys[:, None] >> (np.arange(8, dtype=np.uint64) * np.uint64(8))) & np.uint64(0xFF)).astype(np.int64)
        is_date = ((digits >= 48) & (digits <= 57)).all(axis=1)
        days = (digits[is_date] - 48) @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
        return dict(zip(days.tolist(), tallies[is_date].astype(np.int64).tolist(), strict=True))

    @property
    def kept(self) -> np.ndarray:
        """The original line number of each line copied to ``out``."""
        return np.concatenate(self._kept) if self._kept else np.zeros(0, dtype=np.int64)

    def feed(self, chunk: bytes) -> None:
        last = chunk.rfind(b"\n")
        if last == -1:
            self._carry += chunk
            return
        carry, self._carry = self._carry, chunk[last + 1 :]
        if self._compiled:
            # A call into C costs next to nothing, so the line cut by the previous block is
            # scanned on its own and the rest of the block in place, without copying it.
            lines = memoryview(chunk)[: last + 1]
            if carry:
                first = chunk.find(b"\n")
                self._scan_compiled(carry + chunk[: first + 1])
                lines = lines[first + 1 :]
            if len(lines):
                self._scan_compiled(lines)
            return
        if not carry:
            self._scan(np.frombuffer(chunk, dtype=np.uint8, count=last + 1))
            return
        # The line cut by the previous block's end is scanned with this block: a copy of the
        # block, by numpy (which releases the GIL for it, where joining bytes holds it), costs
        # less than the scan's ~80 numpy calls spent on that one line on its own (~0.3 ms a
        # block; make bench: ~1.51 -> ~1.47 s, three A/Bs).
        joined = np.concatenate((np.frombuffer(carry, dtype=np.uint8), np.frombuffer(chunk, dtype=np.uint8)))
        self._scan(joined[: len(carry) + last + 1])

    def finish(self) -> None:
        if self._carry:
            joined = self._carry + b"\n"
            self._carry = b""
            self._unterminated = 0 if joined.endswith(b"\r\n") else 1
            if self._compiled:
                self._scan_compiled(joined)
            else:
                self._scan(np.frombuffer(joined, dtype=np.uint8))

    def _scan_compiled(self, text: bytes | memoryview) -> None:
        """:meth:`_scan`'s work in C (``_linescan.scan``), for ``text`` of whole lines."""
        assert _linescan is not None
        size = len(text)
        needle = self.needle or b""  # set only with an output file (__init__)
        if size > self._room:
            # Room for the worst case (a focus line holds the needle and a newline; a dated row
            # at least 12 bytes), once a file, of which a few per cent is ever written.
            self._room = size
            self._outputs = (
                _untouched(size // (len(needle) + 1) + 1 if needle else 1, np.int64),
                _untouched(size if needle else 1, np.uint8),
                _untouched(size // 12 + 1 if self.count_days else 1, np.uint64),
            )
        kept, copy, keys = self._outputs
        lines, blank, crlf, kept_count, copied, key_count = _linescan.scan(
            text, needle, self.count_days, kept, copy, keys
        )
        self.blank += blank
        self.crlf += crlf
        if key_count:
            self._pend_days(keys[:key_count].copy())  # a copy: ``keys`` is written again by the next call
        if kept_count and self.out is not None:
            self._kept.append(self.physical + kept[:kept_count] + 1)
            self.out.write(copy[:copied].data)
        self.physical += lines

    def _scan(self, text: np.ndarray) -> None:
        """Process ``text`` (bytes as numpy ``uint8``), whole lines: its last byte is a newline."""
        ends = np.flatnonzero(text == 10)
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        lengths = ends - starts
        shortest = int(lengths.min())
        if shortest <= 1:  # blank: nothing before the newline, or a lone "\r" (a CRLF blank line)
            short = np.flatnonzero(lengths <= 1)  # few: only these lines' first bytes are read
            self.blank += int(np.count_nonzero((lengths[short] == 0) | (text[starts[short]] == 13)))
        if self.count_days:
            self._count_days(text, starts, lengths, shortest)
        if self.needle is not None and self.out is not None:
            self._copy_focus_lines(text, starts, ends)
        # The byte before each newline (the block's first line may be empty: its end is byte 0).
        self.crlf += int(np.count_nonzero(text[np.maximum(ends - 1, 0)] == 13))
        self.physical += len(ends)

    def _count_days(self, text: np.ndarray, starts: np.ndarray, lengths: np.ndarray, shortest: int) -> None:
        size = len(text)
        guess = int(np.argmax(text[: self.WINDOW] == 9))
        at_guess = np.zeros(0, dtype=np.int64)  # lines whose first tab is known to sit at ``guess``
        if size >= 64 and 1 <= guess <= 14:
            # Event ids mostly have the same number of digits throughout a file, so the first tab
            # sits at the same offset on most lines: test that offset on all lines at once (a tab
            # there, none in the id before it), and search the 24-byte window only elsewhere.
            words = _words(text)
            # The lines long enough for an id, a tab, a date and a tab: usually all of them.
            candidates = None if shortest > guess + 9 else np.flatnonzero(lengths > guess + 9)
            first = starts if candidates is None else starts[candidates]
            fast = text[first + guess] == 9
            if guess >= 8:  # two overlapping 8-byte words cover the id
                fast &= ~_has_byte(words[first], 9) & ~_has_byte(words[first + guess - 8], 9)
            else:
                mask = np.uint64((1 << (8 * guess)) - 1)
                fast &= ~_has_byte(words[first] & mask, 9)
            if candidates is None and fast.all():
                # Every line as expected (the usual case): each date starts after the guessed tab.
                first = first + (guess + 1)
                self._tally(text, first[text[first + 8] == 9])
                return
            at_guess = np.flatnonzero(fast) if candidates is None else candidates[fast]
        tab = np.zeros(len(starts), dtype=np.int64)  # offset of each line's first tab; 0: none usable
        tab[at_guess] = guess
        slow = np.ones(len(starts), dtype=bool)
        slow[at_guess] = False
        others = np.flatnonzero(slow)
        if len(others):
            window = text[np.minimum(starts[others, None] + np.arange(self.WINDOW), size - 1)]
            is_tab = window == 9
            tab[others] = np.where(is_tab.any(axis=1), np.argmax(is_tab, axis=1), 0)
        # The tab after 1..14 id characters; the eight date bytes and the closing tab inside the line.
        rows = np.flatnonzero((tab >= 1) & (tab + 10 <= self.WINDOW) & (tab + 9 < lengths))
        first = starts[rows] + tab[rows] + 1  # each date's first byte
        self._tally(text, first[text[first + 8] == 9])

    def _tally(self, text: np.ndarray, first: np.ndarray) -> None:
        """Count the dates whose first bytes are at ``first`` (each followed by a tab)."""
        if not len(first) or len(text) < 8:
            return
        self._pend_days(_words(text)[first])

    def _pend_days(self, keys: np.ndarray) -> None:
        """Gather date keys (each line's eight date bytes as one 64-bit word) to be counted."""
        # Counted in batches: one sort of up to TALLY_BATCH keys instead of one per block, in
        # bounded memory (8 bytes a line); only the distinct keys are decoded, in day_counts
        # (those not eight digits are not dates).
        self._day_pending.append(keys)
        if sum(map(len, self._day_pending)) >= self.TALLY_BATCH:
            self._fold_days()

    def _fold_days(self) -> None:
        """Count the keys gathered so far into ``_day_keys`` and ``_day_tallies``."""
        if self._day_pending:
            values, counts = np.unique(np.concatenate(self._day_pending), return_counts=True)
            self._day_keys.append(values)
            self._day_tallies.append(counts)
            self._day_pending = []

    def _copy_focus_lines(self, text: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        assert self.needle is not None and self.out is not None
        # Every place the needle starts, found with numpy (which releases the GIL, so the other
        # files' threads keep running; ``bytes.find`` in a loop holds it and took twice as long):
        # the positions of its first byte, narrowed by each following byte in turn.
        needle = self.needle
        first_letter = text[: len(text) - len(needle) + 1] == needle[0]
        if self._rare_letter:
            hits = _sparse_positions(first_letter)
            # Word by word pays where the letter is rare (the bench's generated text: one P in
            # ~1 400 bytes). Real GDELT text has ~2 capital P's a line (one in ~200 bytes), and
            # there numpy's own flatnonzero is as fast or faster (docs/benchmarks.md).
            if len(text) >= self.LETTER_SAMPLE and len(hits) > len(text) * self.COMMON_LETTER:
                self._rare_letter = False
        else:
            hits = np.flatnonzero(first_letter)
        for offset in range(1, len(needle)):
            hits = hits[text[hits + offset] == needle[offset]]
        if not len(hits):
            return
        # The line holding each hit (its first newline at or after it; the needle holds none),
        # once per line: hits come in order, so a line's hits are neighbours.
        index = np.searchsorted(ends, hits)
        index = index[np.concatenate(([True], index[1:] != index[:-1]))]
        self._kept.append(self.physical + index + 1)
        view = text.data  # the block's bytes as a memoryview (no copy)
        first, last = starts[index].tolist(), (ends[index] + 1).tolist()
        self.out.write(b"".join([view[a:b] for a, b in zip(first, last, strict=True)]))


def _untouched(count: int, dtype: type[np.generic]) -> np.ndarray:
    """An array of ``count`` items in fresh pages of its own, which take memory only once written.

    Why not ``np.empty``: with :func:`keep_freed_blocks`, an allocation of this size comes from
    the heap, whose pages are reused and stay resident. The scan's worst-case outputs (~8 MB a
    file, of which a few per cent is written) raised the peak memory of a 16 M-row load by
    ~35 MB that way (benchmarks/scale.py's files, six runs: 427-449 MB, against 386-411 MB).
    """
    size = max(count, 1) * np.dtype(dtype).itemsize
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype, count=count)


def _words(text: np.ndarray) -> np.ndarray:
    """Every run of eight bytes of ``text`` as a little-endian 64-bit word (an overlapping view, no copy)."""
    return np.ndarray(shape=(len(text) - 7,), dtype="<u8", buffer=text, strides=(1,))


_EIGHT = np.arange(8)


def _sparse_positions(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(mask)`` for a mask with few true values, about three times as fast.

    Why: numpy's ``flatnonzero`` visits every byte of the mask. Here the mask is first read as
    64-bit words, eight bytes a step, and only the few words that are not zero are looked into.
    For a focus code's first letter (a thousand or so in 2 MiB of text) it took ~6 ms instead of
    ~20 ms a 65 MB file (``benchmarks/ingest.py``); for dense masks (newlines, or the capital P's
    of real GDELT text) it is slower, so :class:`TextScan` stops using it there.
    """
    whole = len(mask) // 8 * 8
    words = np.flatnonzero(mask[:whole].view(np.uint64) != 0)
    candidates = (words[:, None] * 8 + _EIGHT).ravel()
    found: np.ndarray = candidates[mask[candidates]]
    if whole == len(mask):
        return found
    return np.concatenate((found, whole + np.flatnonzero(mask[whole:])))


_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)


def _has_byte(words: np.ndarray, byte: int) -> np.ndarray:
    """Whether each 64-bit word holds ``byte``: the classic exact SWAR test for a zero byte, on
    ``word XOR byte repeated eight times`` (a masked-off zero byte becomes ``byte``, never zero)."""
    flipped = words ^ (np.uint64(byte) * _ONES)
    found: np.ndarray = ((flipped - _ONES) & ~flipped & _HIGHS) != 0
    return found


@dataclass
class PreparedFile:
    """A file ready for DuckDB: its plain-text path, the original's digest, and its line count.

    When ``line_map`` is set, ``plain`` holds only the lines that can involve the focus country
    (see :class:`TextScan`) and ``line_map[i]`` is the original line number of its line ``i+1``.
    """

    original: Path
    plain: Path
    sha256: str
    lines: int
    scratch: bool  # ``plain`` is a temporary copy (inflated or filtered), removed by :func:`release`
    line_map: np.ndarray | None = None
    detected_format: str | None = None
    day_counts: dict[int, int] | None = None  # GDELT rows per YYYYMMDD, all rows (TextScan)
    # ``plain``'s GDELT fields already split by pyarrow in the preparing thread (readers.parse_gdelt).
    parsed: Any = None
    # No GLOBALEVENTID (as a number) repeats in ``parsed``: the load then need not count distinct ids.
    parsed_ids_unique: bool = False
    # The lowest and highest GLOBALEVENTID in ``parsed`` (None when it has none).
    parsed_id_range: tuple[int, int] | None = None

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


def _zip_member(archive: zipfile.ZipFile, path: Path) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise InputError(
            path,
            f"zip archive holds {len(members)} files; dyadwatch reads archives "
            "with exactly one data file (unzip it and load the files one by one)",
        )
    return members[0]


def _zip_blocks(path: Path) -> Iterator[bytes]:
    """The inflated text of a one-file zip archive, in blocks of at most :data:`BLOCK` bytes.

    ``zipfile`` reads the archive's directory; the member's deflate stream itself is inflated
    with ISA-L, and its CRC-32 and size are checked against the directory as ``zipfile`` would.
    Members stored in another way (bzip2, LZMA, encrypted) go through ``zipfile`` itself.
    """
    with zipfile.ZipFile(path) as archive:
        member = _zip_member(archive, path)
        if member.compress_type != zipfile.ZIP_DEFLATED or member.flag_bits & 0x1:
            with archive.open(member) as stream:
                while block := stream.read(BLOCK):
                    yield block
            return
    with path.open("rb") as handle:
        handle.seek(member.header_offset)
        header = handle.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        handle.seek(member.header_offset + 30 + name_length + extra_length)
        # A raw deflate stream, as zip stores it. This decompressor keeps the input it has not
        # used yet, where zlib's interface (``unconsumed_tail``) hands it back as a new bytes
        # object each time a block is full: copying up to 1 MiB of input for every 2 MiB block
        # made inflating and checking a 65 MB file take ~46 ms instead of ~36 ms (make bench's files).
        inflate = igzip_lib.IgzipDecompressor(flag=igzip_lib.DECOMP_DEFLATE)
        left, crc, size = member.compress_size, 0, 0
        while not inflate.eof:
            piece = b""
            if inflate.needs_input:  # the input so far is inflated: read the next piece
                piece = handle.read(min(CHUNK, left))
                if not piece:
                    raise EOFError("the compressed data ends early")
                left -= len(piece)
            block = inflate.decompress(piece, BLOCK)
            if block:
                crc = isal_zlib.crc32(block, crc)
                size += len(block)
                yield block
        if size != member.file_size or crc != member.CRC:
            raise zipfile.BadZipFile("inflated data does not match the archive's size and CRC-32")


def _text_blocks(path: Path, kind: str) -> Generator[bytes, None, None]:
    """The file's (inflated) text in blocks of at most :data:`BLOCK` bytes."""
    if kind == "zip":
        yield from _zip_blocks(path)
        return
    opened = path.open("rb") if kind == "plain" else igzip.open(path, "rb")
    with opened as stream:
        while block := stream.read(BLOCK):
            yield block


def _create_scratch(workdir: Path, digest: str) -> tuple[Path, IO[bytes]]:
    """A new scratch file named after the digest; the same file given twice gets a second name.

    Created exclusively, because files are prepared in parallel: two threads must never write
    (or one remove) the copy that DuckDB is reading for the other.
    """
    for number in range(1000):
        path = workdir / (f"{digest[:16]}.txt" if number == 0 else f"{digest[:16]}-{number}.txt")
        try:
            return path, path.open("xb")
        except FileExistsError:
            continue
    raise InputError(workdir, "too many scratch copies of the same file; remove the folder and load again")


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


FILTERABLE_FORMATS = tuple(GDELT_VERSIONS)  # the formats whose lines the focus filter can skip


def _filter_needle(first: bytes, fmt: str, focus: str) -> tuple[bytes | None, str | None]:
    """The focus code to filter on (GDELT files with a single-country focus), and the sniffed format."""
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
    path: Path,
    workdir: Path,
    on_bytes: ProgressCallback | None = None,
    *,
    fmt: str = "auto",
    focus: str = "ALL",
    gate: contextlib.AbstractContextManager[Any] = contextlib.nullcontext(),
) -> PreparedFile:
    """Check ``path``, decompress it into ``workdir`` when needed, and count its data lines.

    For GDELT files with a single-country ``focus``, only the lines naming that country are copied
    (:class:`TextScan`); every line is still counted. Safe to run in several threads at once.
    Each block is inflated and scanned inside ``gate`` (a semaphore shared with the thread that
    writes to the store; see :func:`dyadwatch.ingest.pipeline.load_many`), when one is given.
    """
    check_path(path)
    digest = sha256_of(path)
    kind = _kind(path)
    workdir.mkdir(parents=True, exist_ok=True)
    state = _Scanning()
    try:
        _scan_blocks(path, kind, workdir, digest, state, fmt=fmt, focus=focus, gate=gate, on_bytes=on_bytes)
    except _ARCHIVE_ERRORS as exc:
        _remove(state.plain)
        raise InputError(path, f"corrupt or truncated {kind} archive ({exc}); fetch it again") from None
    except BaseException:
        _remove(state.plain)
        raise
    scan, plain = state.scan, state.plain
    if scan is None or scan.lines == 0:
        _remove(plain)
        raise InputError(
            path, "holds no data lines (only blank lines)" if kind == "plain" else "archive holds no data lines"
        )
    if scan.mixed_newlines:
        plain = _lf_only_copy(plain if plain is not None else path, plain, workdir, digest)
    return PreparedFile(
        path,
        plain if plain is not None else path,
        digest,
        scan.lines,
        scratch=plain is not None,
        line_map=scan.kept if scan.needle is not None else None,
        detected_format=state.sniffed,
        day_counts=scan.day_counts if scan.count_days else None,
    )


@dataclass
class _Scanning:
    """What :func:`prepare` has made of a file so far: its scan, once the first block is read, and
    its scratch copy, once created (kept here at once, so that a failure removes it)."""

    scan: TextScan | None = None
    plain: Path | None = None  # the scratch copy, once created
    sniffed: str | None = None
    copy_all: bool = False  # an inflated archive, unfiltered


def _scan_blocks(
    path: Path,
    kind: str,
    workdir: Path,
    digest: str,
    state: _Scanning,
    *,
    fmt: str,
    focus: str,
    gate: contextlib.AbstractContextManager[Any],
    on_bytes: ProgressCallback | None,
) -> None:
    """Read the file block by block into ``state``: the first block decides the filter and whether
    a scratch copy is written; each block is inflated and scanned inside ``gate``."""
    with contextlib.ExitStack() as stack:
        blocks = stack.enter_context(contextlib.closing(_text_blocks(path, kind)))
        while True:
            with gate:  # the inflating (in next) and the scanning of one block
                block = next(blocks, None)
                if block is None:
                    break
                if state.scan is None:
                    needle, state.sniffed = _filter_needle(block, fmt, focus)
                    out: IO[bytes] | None = None
                    if needle is not None or kind != "plain":
                        state.plain, handle = _create_scratch(workdir, digest)
                        out = stack.enter_context(handle)
                    state.copy_all = out is not None and needle is None
                    count_days = state.sniffed in FILTERABLE_FORMATS and fmt in ("auto", state.sniffed)
                    state.scan = TextScan(count_days=count_days, needle=needle, out=out)
                scan = state.scan
                if state.copy_all and scan.out is not None:
                    scan.out.write(block)
                scan.feed(block)
                if on_bytes:
                    on_bytes(len(block))
        if state.scan is not None:
            state.scan.finish()


def _lf_only_copy(source: Path, plain: Path | None, workdir: Path, digest: str) -> Path:
    """A scratch copy of ``source`` with LF line ends only, replacing the scratch copy ``plain``.

    Windows and Unix line ends in one file (files concatenated, or edited on both): DuckDB's
    reader stops at the first change ("state machine reached an invalid state"), so the text
    is read from a copy with LF ends only. Line numbers do not change.
    """
    normalised, handle = _create_scratch(workdir, digest)
    try:
        with handle, source.open("rb") as text:
            _write_lf_only(text, handle)
    except BaseException:
        _remove(normalised)
        raise
    finally:
        _remove(plain)
    return normalised


def _write_lf_only(text: IO[bytes], out: IO[bytes]) -> None:
    """Copy ``text`` to ``out`` with every CR LF written as LF (a CR alone is kept)."""
    carry = b""
    while block := text.read(BLOCK):
        block = carry + block
        carry = b"\r" if block.endswith(b"\r") else b""  # its LF may start the next block
        out.write(block[: len(block) - len(carry)].replace(b"\r\n", b"\n"))
    out.write(carry)


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def release(prepared: PreparedFile) -> None:
    """Remove the temporary plain copy (an inflated archive or a focus-filtered file)."""
    if prepared.scratch:
        prepared.plain.unlink(missing_ok=True)


def clean_workdir(workdir: Path) -> None:
    """Remove leftovers of an interrupted load (a process killed mid-file leaves its temp copy)."""
    if workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
