"""Turn a path into plain text that DuckDB can read in parallel, checking it on the way.

Every problem with the file itself (missing, a directory, empty, a truncated or corrupt archive)
becomes an :class:`~dyadwatch.errors.InputError` naming the file. Compressed files (``.zip``,
``.gz``) are streamed to a temporary plain file; at the same time, and for plain files in one
extra pass, the data lines are counted so that every row can be accounted for afterwards
(lines read = kept + outside focus + duplicate + rejected).
"""

from __future__ import annotations

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


@dataclass
class PreparedFile:
    """A file ready for DuckDB: its plain-text path, the original's digest, and its line count."""

    original: Path
    plain: Path
    sha256: str
    lines: int
    compressed: bool

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


def prepare(path: Path, workdir: Path, on_bytes: ProgressCallback | None = None) -> PreparedFile:
    """Check ``path``, decompress it into ``workdir`` when needed, and count its data lines."""
    check_path(path)
    digest = sha256_of(path)
    counter = LineCounter()
    kind = _kind(path)
    if kind == "plain":
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                counter.feed(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
        if counter.lines == 0:
            raise InputError(path, "holds no data lines (only blank lines)")
        return PreparedFile(path, path, digest, counter.lines, compressed=False)
    workdir.mkdir(parents=True, exist_ok=True)
    plain = workdir / f"{digest[:16]}.txt"
    try:
        with _open_member(path, kind) as stream, plain.open("wb") as out:
            while chunk := stream.read(CHUNK):
                counter.feed(chunk)
                out.write(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
    except (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile, OSError) as exc:
        plain.unlink(missing_ok=True)
        if isinstance(exc, InputError):
            raise
        raise InputError(path, f"corrupt or truncated {kind} archive ({exc}); fetch it again") from None
    if counter.lines == 0:
        plain.unlink(missing_ok=True)
        raise InputError(path, "archive holds no data lines")
    return PreparedFile(path, plain, digest, counter.lines, compressed=True)


def release(prepared: PreparedFile) -> None:
    """Remove the temporary plain copy of a compressed file."""
    if prepared.compressed:
        prepared.plain.unlink(missing_ok=True)


def clean_workdir(workdir: Path) -> None:
    """Remove leftovers of an interrupted load (a process killed mid-file leaves its temp copy)."""
    if workdir.exists():
        shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
