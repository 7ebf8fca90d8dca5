"""Fetch GDELT event files from GDELT's published file lists and load them (design §12).

GDELT publishes, beside its event files, a list of them with their MD5 digests:

* **GDELT 2.0** (every 15 minutes since 2015-02-18): ``masterfilelist.txt``, one line per file,
  ``SIZE MD5 URL`` separated by single spaces; the event files are ``YYYYMMDDHHMMSS.export.CSV.zip``
  (the list also names ``.mentions.CSV.zip`` and ``.gkg.csv.zip`` files, which are skipped).
* **GDELT 1.0** (1979 to today): ``md5sums`` (``MD5  NAME``, the two-space layout of ``md5sum``)
  and ``filesizes`` (``SIZE NAME``) beside the files in ``/events/``; the files are ``YYYY.zip``
  (1979-2005), ``YYYYMM.zip`` (2006 to March 2013) and ``YYYYMMDD.export.CSV.zip`` (daily since
  2013-04-01). The reduced ``GDELT.MASTERREDUCEDV2.1979-2013.zip`` is skipped.

**The newest file first.** GDELT 2.0 also publishes ``lastupdate.txt`` beside the master list:
three ``SIZE MD5 URL`` lines naming the newest export, mentions and gkg files, rewritten every 15
minutes. The master list grows by three lines every 15 minutes (over a hundred MB by now), so a
caller that syncs the same range again and again (``dyadwatch watch``) passes ``complete_through``,
the newest listed file up to which every file in range was loaded (``SyncSummary.complete_through``
of its last run over the same range). The sync then reads ``lastupdate.txt`` first: if its export
file is not newer than that (or the range ended before it), nothing is new and the master list is
not read; if it is the very next 15-minute file, only that file is fetched (with the size and MD5
``lastupdate.txt`` gives); otherwise, or when ``lastupdate.txt`` cannot be read or names no export
file (a note says so), the master list is read as without ``complete_through``. Without
``complete_through`` (``sync gdelt``, a catch-up) nothing changes: the master list alone is read.

A file is in range when the period its name covers (a 15-minute batch, a day, a month or a year)
overlaps ``--from``..``--to``; files are named by the day GDELT published them, so a few events
in a file carry an earlier date. Files are always fetched from ``base_url`` + the file's name (the
URLs in the list point at GDELT, and a mirror or a test server keeps the same names).

Each file is downloaded to ``NAME.part``, its size and MD5 are checked against the list, and
only then is it renamed to ``NAME`` and loaded through the normal ingest path (one transaction per
file, the focus filter, the ``loads`` table). A killed sync therefore leaves at worst a ``.part``
file, which is never loaded; run again, it fetches what is missing. A file counts as already
loaded when the ``loads`` table holds a load of a file with the same name (GDELT's names are
unique), so a second run fetches nothing it has.

**Daily totals.** ``--normalize all`` divides by all GDELT events of the period. For GDELT 1.0,
GDELT publishes these totals beside the event files, in ``normfiles/`` (documented on GDELT's data
page as its "normalization files"): ``daily.csv`` (lines ``YYYYMMDD,COUNT``: all events of the day)
and ``daily_country.csv`` (lines ``YYYYMMDD,CC,COUNT``, ``CC`` the FIPS 10-4 code of where the event
took place, ActionGeo). ``sync gdelt --version 1`` fetches ``daily.csv`` and keeps it in the
store's ``daily_totals`` (``load_id`` 0, :data:`PUBLISHED`); for a day it covers, the totals
counted while loading files are replaced and no longer added (the published count is the whole
day, whatever files were loaded). With ``country_totals`` (``--country-totals``) it also keeps
``daily_country.csv`` in ``daily_country_totals``. A list that cannot be fetched is noted in the
summary and the sync goes on; without published totals (and always for GDELT 2.0, for which GDELT
publishes none) the totals are those counted at ingest from every row's date.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import tenacity

from dyadwatch.errors import DyadwatchError, UsageError
from dyadwatch.store import atomic

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: GDELT's published locations (design §12).
DEFAULT_BASE_URLS: dict[int, str] = {
    1: "http://data.gdeltproject.org/events",
    2: "http://data.gdeltproject.org/gdeltv2",
}
V2_LIST = "masterfilelist.txt"
V2_LAST = "lastupdate.txt"
#: GDELT 2.0 publishes a batch of files every 15 minutes, stamped on that grid.
V2_STEP = timedelta(minutes=15)
V1_MD5S = "md5sums"
V1_SIZES = "filesizes"
#: GDELT 1.0's published daily totals, in a folder beside ``events/``.
NORMFILES = "normfiles"
DAILY_TOTALS = "daily.csv"
COUNTRY_TOTALS = "daily_country.csv"
#: The ``load_id`` of daily totals published by GDELT (those counted at ingest carry their load's id).
PUBLISHED = 0

_V2_EVENTS = re.compile(r"^(\d{14})\.export\.CSV\.zip$")
_V1_DAILY = re.compile(r"^(\d{8})\.export\.CSV\.zip$")
_V1_MONTHLY = re.compile(r"^(\d{6})\.zip$")
_V1_YEARLY = re.compile(r"^(\d{4})\.zip$")
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class RemoteFile:
    """One event file of GDELT's list: its name, the period it covers, its size and MD5."""

    name: str
    first_day: date
    last_day: date
    size: int | None
    md5: str | None


@dataclass
class FileOutcome:
    """What became of one file in range."""

    name: str
    status: str  # "already loaded", "would fetch", "loaded", "failed"
    bytes: int = 0
    reason: str | None = None
    rows_kept: int = 0


@dataclass
class SyncSummary:
    """Counts for the whole run; ``files`` holds one outcome per file in range."""

    version: int
    base_url: str
    start: str
    end: str
    listed: int = 0
    in_range: int = 0
    already_loaded: int = 0
    fetched: int = 0
    verified: int = 0
    loaded: int = 0
    failed: int = 0
    bytes_fetched: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    totals_days: int = 0  # days of GDELT's published daily totals kept (version 1)
    totals_note: str | None = None  # why none were kept, when they were wanted
    list_read: str | None = None  # the list read: masterfilelist.txt, lastupdate.txt or md5sums
    newest: str | None = None  # the export file lastupdate.txt named, when it was read
    complete_through: str | None = None  # version 2: every file in range up to this one is loaded
    notes: list[str] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def counts(self) -> dict[str, Any]:
        """The one-row summary (listed, in range, already loaded, fetched, verified, loaded, failed;
        for version 1 also the days of published daily totals kept)."""
        counts: dict[str, Any] = {
            "listed": self.listed,
            "in_range": self.in_range,
            "already_loaded": self.already_loaded,
            "fetched": self.fetched,
            "verified": self.verified,
            "loaded": self.loaded,
            "failed": self.failed,
            "megabytes": round(self.bytes_fetched / 1e6, 1),
            "seconds": round(self.seconds, 1),
        }
        if self.version == 1:
            counts["daily_totals"] = self.totals_days
        return counts


class SyncError(DyadwatchError):
    """GDELT's file list cannot be read (the network is down, a wrong --base-url)."""


class VerifyError(Exception):
    """A download whose size or MD5 differs from the list (retried: it may be a broken transfer)."""


class _Transient(Exception):
    """An HTTP status worth retrying (429, 5xx)."""


# -- the published lists -----------------------------------------------------------------------
def _period(version: int, name: str) -> tuple[date, date] | None:
    """The days a file covers, from its name; None for files that are not event files."""
    if version == 2:
        match = _V2_EVENTS.match(name)
        if not match:
            return None
        stamp = match.group(1)
        try:
            day = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
        except ValueError:
            return None
        return day, day
    try:
        if match := _V1_DAILY.match(name):
            text = match.group(1)
            day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            return day, day
        if match := _V1_MONTHLY.match(name):
            text = match.group(1)
            first = date(int(text[:4]), int(text[4:6]), 1)
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, following - timedelta(days=1)
        if match := _V1_YEARLY.match(name):
            year = int(match.group(1))
            return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None
    return None


def parse_v2_list(text: str) -> list[RemoteFile]:
    """Event files in a GDELT 2.0 ``masterfilelist.txt`` (``SIZE MD5 URL`` per line)."""
    files: list[RemoteFile] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or not _MD5.match(parts[1]):
            continue  # the real list has a few blank or broken lines; they name no usable file
        name = parts[2].rsplit("/", 1)[-1]
        period = _period(2, name)
        if period:
            files.append(RemoteFile(name, period[0], period[1], int(parts[0]), parts[1].lower()))
    return files


def parse_v2_lastupdate(text: str) -> RemoteFile | None:
    """The export file of GDELT 2.0's ``lastupdate.txt`` (``SIZE MD5 URL`` lines for the newest
    export, mentions and gkg files); None unless exactly one line names an export file, since a
    page that is not the list (an error page, a cut-off body) must not pass for "nothing new"."""
    exports = parse_v2_list(text)
    return exports[0] if len(exports) == 1 else None


def _stamp(name: str) -> datetime | None:
    """The time in a GDELT 2.0 export file's name (``YYYYMMDDHHMMSS``)."""
    match = _V2_EVENTS.match(name)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None


def parse_v1_lists(md5sums: str, filesizes: str | None) -> list[RemoteFile]:
    """Event files in GDELT 1.0's ``md5sums`` (``MD5  NAME``) with sizes from ``filesizes`` (``SIZE NAME``)."""
    sizes: dict[str, int] = {}
    for line in (filesizes or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            sizes[parts[1]] = int(parts[0])
    files: list[RemoteFile] = []
    for line in md5sums.splitlines():
        parts = line.split()
        if len(parts) != 2 or not _MD5.match(parts[0]):
            continue
        name = parts[1].lstrip("*")  # md5sum marks binary mode with '*'
        period = _period(1, name)
        if period:
            files.append(RemoteFile(name, period[0], period[1], sizes.get(name), parts[0].lower()))
    return files


def _day_of(text: str) -> date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def parse_daily_totals(text: str) -> dict[date, int]:
    """GDELT's ``normfiles/daily.csv``: ``YYYYMMDD,COUNT`` per line; other lines are skipped."""
    totals: dict[date, int] = {}
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) == 2 and (day := _day_of(parts[0])) is not None and parts[1].strip().isdigit():
            totals[day] = int(parts[1])
    return totals


def parse_country_totals(text: str) -> list[tuple[date, str, int]]:
    """GDELT's ``normfiles/daily_country.csv``: ``YYYYMMDD,CC,COUNT`` per line (CC: FIPS 10-4)."""
    rows: list[tuple[date, str, int]] = []
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) == 3 and (day := _day_of(parts[0])) is not None and parts[2].strip().isdigit():
            rows.append((day, parts[1].strip(), int(parts[2])))
    return rows


def normfiles_url(base: str) -> str:
    """Where GDELT 1.0's daily totals are: ``normfiles/`` beside the ``events/`` folder of ``base``."""
    return base.rstrip("/").rsplit("/", 1)[0] + "/" + NORMFILES


def keep_published_totals(
    store: Store, daily: dict[date, int], countries: list[tuple[date, str, int]] | None, source: str = "gdelt1"
) -> None:
    """Store GDELT's published totals in one transaction, in place of those counted for the same days."""
    import pandas as pd

    con = store.con
    frame = pd.DataFrame({"date": list(daily), "events": list(daily.values())})
    con.register("dw_published_df", frame)
    try:
        with atomic(con):
            con.execute(
                "DELETE FROM daily_totals WHERE source = ? AND date IN (SELECT date FROM dw_published_df)", [source]
            )
            con.execute(f"INSERT INTO daily_totals SELECT ?, date, events, {PUBLISHED} FROM dw_published_df", [source])
            if countries is not None:
                by_country = pd.DataFrame(countries, columns=["date", "country", "events"])
                con.register("dw_country_df", by_country)
                con.execute("DELETE FROM daily_country_totals WHERE source = ?", [source])
                con.execute(
                    "INSERT INTO daily_country_totals SELECT ?, date, country, events FROM dw_country_df", [source]
                )
                con.unregister("dw_country_df")
    finally:
        con.unregister("dw_published_df")


def _fetch_totals(
    client: httpx.Client, base: str, retrying: tenacity.Retrying, store: Store, country_totals: bool
) -> tuple[int, str | None]:
    """Fetch and keep GDELT 1.0's published daily totals; (days kept, or 0 and why not)."""
    folder = normfiles_url(base)
    try:
        daily = parse_daily_totals(_get_text(client, f"{folder}/{DAILY_TOTALS}", retrying))
        countries = (
            parse_country_totals(_get_text(client, f"{folder}/{COUNTRY_TOTALS}", retrying)) if country_totals else None
        )
    except (SyncError, httpx.TransportError, _Transient) as exc:
        return 0, f"published daily totals not fetched ({_reason(exc)}); totals counted at ingest are used"
    if not daily:
        return 0, f"{folder}/{DAILY_TOTALS} holds no YYYYMMDD,COUNT lines; totals counted at ingest are used"
    keep_published_totals(store, daily, countries)
    return len(daily), None


# -- downloading -------------------------------------------------------------------------------
def _retrying(attempts: int, wait: float) -> tenacity.Retrying:
    """Retry transient failures (timeouts, dropped connections, 429/5xx, a broken transfer)."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, attempts)),
        wait=tenacity.wait_exponential(multiplier=wait, max=max(wait, 30.0)),
        retry=tenacity.retry_if_exception_type((httpx.TransportError, _Transient, VerifyError)),
        reraise=True,
    )


def _get_text(client: httpx.Client, url: str, retrying: tenacity.Retrying) -> str:
    for attempt in retrying.copy():
        with attempt:
            response = client.get(url)
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise SyncError(f"{url}: HTTP {response.status_code}; check --base-url")
            return response.text
    raise AssertionError("unreachable")  # pragma: no cover - tenacity re-raises


def _download(
    client: httpx.Client, url: str, remote: RemoteFile, target: Path, on_bytes: Callable[[int], None] | None
) -> int:
    """One attempt: stream ``url`` to ``target.part``, check it, rename it; returns bytes written."""
    part = target.with_name(target.name + ".part")
    digest = hashlib.md5(usedforsecurity=False)
    written = 0
    try:
        with client.stream("GET", url) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FileNotFoundError(f"HTTP {response.status_code}")
            with part.open("wb") as handle:
                for chunk in response.iter_bytes(CHUNK):
                    handle.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if on_bytes:
                        on_bytes(len(chunk))
        _verify(remote, written, digest.hexdigest())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(target)
    return written


def _verify(remote: RemoteFile, size: int, md5: str) -> None:
    if remote.size is not None and size != remote.size:
        raise VerifyError(f"size mismatch: the list says {remote.size} bytes, the download has {size} (truncated?)")
    if remote.md5 is not None and md5 != remote.md5:
        raise VerifyError(f"MD5 mismatch: the list says {remote.md5}, the download has {md5}")


def _matches(remote: RemoteFile, path: Path) -> bool:
    """A file already on disk (``--keep``) that passes the size and MD5 checks is not fetched again."""
    if not path.is_file():
        return False
    if remote.size is not None and path.stat().st_size != remote.size:
        return False
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return remote.md5 is None or digest.hexdigest() == remote.md5


def _reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.TransportError):
        return f"connection failed ({type(exc).__name__}: {exc})"
    return str(exc) or type(exc).__name__


def _newest_only(
    client: httpx.Client, base: str, known: str, end: date, summary: SyncSummary
) -> list[RemoteFile] | None:
    """Read ``lastupdate.txt`` after a run complete through ``known``: ``[]`` when nothing in range
    is new, ``[newest]`` when the newest is the only file after ``known``, None when the master list
    must be read (a note says why when ``lastupdate.txt`` failed). One try only: the master list is
    the fallback, so a retry here would only delay it."""
    known_at = _stamp(known)
    if known_at is None:
        return None
    url = f"{base}/{V2_LAST}"
    try:
        response = client.get(url)
        failure = None if response.status_code == 200 else f"HTTP {response.status_code}"
    except httpx.TransportError as exc:
        failure = _reason(exc)
    if failure is not None:
        summary.notes.append(f"{url} could not be read ({failure}); read {V2_LIST} instead")
        return None
    newest = parse_v2_lastupdate(response.text)
    newest_at = _stamp(newest.name) if newest else None
    if newest is None or newest_at is None:
        summary.notes.append(f"{url} names no export file (malformed); read {V2_LIST} instead")
        return None
    summary.list_read = V2_LAST
    summary.newest = newest.name
    if newest_at <= known_at or known_at.date() > end:
        return []  # nothing published since, or the range ended before the last complete run
    if newest_at - known_at == V2_STEP:
        return [newest]
    return None  # more than one file (or a gap) since: only the master list says which


def _complete_through(listed: list[RemoteFile], summary: SyncSummary, known: str | None) -> str | None:
    """The newest listed file up to which every file in range is loaded: the files before the first
    that failed (``known`` counts as listed and loaded: the run before was complete through it)."""
    failed = {outcome.name for outcome in summary.files if outcome.status == "failed"}
    blocked = min(failed, default=None)
    names = [remote.name for remote in listed] + ([known] if known else [])
    return max((name for name in names if blocked is None or name < blocked), default=None)


def loaded_names(store: Store) -> set[str]:
    """Names (last path component) of every file the store has loaded."""
    rows = store.con.execute("SELECT DISTINCT file FROM loads").fetchall()
    return {re.split(r"[\\/]", str(row[0]))[-1] for row in rows}


@dataclass
class _Fetched:
    remote: RemoteFile
    path: Path | None
    bytes: int = 0
    error: str | None = None


def sync_gdelt(
    store: Store,
    *,
    version: int,
    start: date,
    end: date,
    base_url: str | None = None,
    jobs: int = 4,
    keep: Path | None = None,
    dry_run: bool = False,
    focus: str = "PRK",
    totals: bool = True,
    country_totals: bool = False,
    timeout: float = 60.0,
    attempts: int = 4,
    retry_wait: float = 1.0,
    on_plan: Callable[[int], None] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    transport: httpx.BaseTransport | None = None,
    complete_through: str | None = None,
) -> SyncSummary:
    """Fetch the GDELT event files published for ``start``..``end`` that the store lacks, and load them.

    ``jobs`` downloads run at once while the loaded files go into the store one at a time (DuckDB
    has one writer). ``keep`` keeps the verified files there (and reuses them on the next run);
    without it they are removed once loaded. A file that fails (HTTP error, size or MD5 mismatch
    after ``attempts`` tries, an unreadable archive) is reported with its reason and the others
    still load. ``on_plan`` gets the number of files to fetch, ``on_file`` each outcome, and
    ``on_bytes`` the bytes as they arrive (the progress bar). For version 1, ``totals`` fetches
    GDELT's published daily totals (and ``country_totals`` those per country) first (see above).
    ``complete_through`` (version 2; see above) reads ``lastupdate.txt`` before the master list.
    """
    import time

    base = _checked_base(version, start, end, jobs, base_url)
    began = time.monotonic()
    summary = SyncSummary(version=version, base_url=base, start=start.isoformat(), end=end.isoformat(), dry_run=dry_run)
    with _client(jobs, timeout, transport) as client:
        sync = _Sync(store, version, client, base, _retrying(attempts, retry_wait), summary)
        listed, newest_only = _list_files(sync, complete_through, end, dry_run)
        todo = _to_fetch(sync, listed, start, end, dry_run)
        if dry_run:
            summary.seconds = time.monotonic() - began
            return summary
        if version == 1 and totals:
            summary.totals_days, summary.totals_note = _fetch_totals(client, base, sync.retrying, store, country_totals)
        if on_plan:
            on_plan(len(todo))
        _fetch_and_load(sync, todo, focus=focus, jobs=jobs, keep=keep, on_file=on_file, on_bytes=on_bytes)
    summary.failed = len(summary.failures)
    if version == 2:
        known = complete_through if newest_only else None  # the master list stands on its own
        summary.complete_through = _complete_through(listed, summary, known)
    summary.seconds = time.monotonic() - began
    return summary


def _checked_base(version: int, start: date, end: date, jobs: int, base_url: str | None) -> str:
    """The base URL to read (without a trailing slash), once the options are checked: each wrong
    one is a usage error naming the option."""
    if version not in DEFAULT_BASE_URLS:
        raise UsageError(f"--version must be 1 or 2, not {version}")
    if end < start:
        raise UsageError(f"--to {end} is before --from {start}")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    base = (base_url or DEFAULT_BASE_URLS[version]).rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise UsageError(f"--base-url must start with http:// or https://, not {base!r}")
    return base


def _client(jobs: int, timeout: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    """The HTTP client of one sync: a connection for each download job and one for the lists."""
    limits = httpx.Limits(max_connections=jobs + 1, max_keepalive_connections=jobs + 1)
    return httpx.Client(timeout=httpx.Timeout(timeout), limits=limits, follow_redirects=True, transport=transport)


@dataclass(frozen=True)
class _Sync:
    """What every step of one sync works with: the store, the GDELT version, where and how to read
    GDELT (client, base URL, retry policy), and the summary being filled in."""

    store: Store
    version: int
    client: httpx.Client
    base: str
    retrying: tenacity.Retrying
    summary: SyncSummary


def _list_files(sync: _Sync, complete_through: str | None, end: date, dry_run: bool) -> tuple[list[RemoteFile], bool]:
    """The files GDELT lists, and whether they are only the newest (``complete_through``; see
    :func:`_newest_only`); a list that cannot be read is a :class:`SyncError` telling what to check."""
    client, base, retrying, summary = sync.client, sync.base, sync.retrying, sync.summary
    newest_only = (
        _newest_only(client, base, complete_through, end, summary)
        if sync.version == 2 and complete_through and not dry_run
        else None
    )
    try:
        if newest_only is not None:
            listed = newest_only
        elif sync.version == 2:
            summary.list_read = V2_LIST
            listed = parse_v2_list(_get_text(client, f"{base}/{V2_LIST}", retrying))
        else:
            summary.list_read = V1_MD5S
            md5s = _get_text(client, f"{base}/{V1_MD5S}", retrying)
            try:
                sizes: str | None = _get_text(client, f"{base}/{V1_SIZES}", retrying)
            except SyncError:
                sizes = None  # the MD5 alone still proves the download whole
            listed = parse_v1_lists(md5s, sizes)
    except (httpx.TransportError, _Transient) as exc:
        raise SyncError(
            f"cannot read GDELT's file list at {base}: {_reason(exc)}; check the network or --base-url"
        ) from None
    return listed, newest_only is not None


def _to_fetch(sync: _Sync, listed: list[RemoteFile], start: date, end: date, dry_run: bool) -> list[RemoteFile]:
    """The listed files of ``start``..``end`` the store lacks, by name; the others are counted (and,
    on a dry run, the ones to fetch too) in the summary."""
    summary = sync.summary
    summary.listed = len(listed)
    wanted = sorted(
        {f.name: f for f in listed if f.first_day <= end and f.last_day >= start}.values(), key=lambda f: f.name
    )
    summary.in_range = len(wanted)
    have = loaded_names(sync.store)
    todo: list[RemoteFile] = []
    for remote in wanted:
        if remote.name in have:
            summary.already_loaded += 1
            summary.files.append(FileOutcome(remote.name, "already loaded"))
        else:
            todo.append(remote)
    if dry_run:
        for remote in todo:
            summary.files.append(FileOutcome(remote.name, "would fetch", bytes=remote.size or 0))
    return todo


def _fetch_and_load(
    sync: _Sync,
    todo: list[RemoteFile],
    *,
    focus: str,
    jobs: int,
    keep: Path | None,
    on_file: Callable[[FileOutcome], None] | None,
    on_bytes: Callable[[int], None] | None,
) -> None:
    """Download ``todo`` with ``jobs`` threads into ``keep`` (else a scratch folder removed at the
    end) and load each verified file as it arrives, one at a time; each outcome goes to the summary."""
    store, summary = sync.store, sync.summary
    folder = keep if keep is not None else store.path.with_name(store.path.name + ".sync-tmp")
    folder.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="dyadwatch-sync") as pool:
            futures: list[Future[_Fetched]] = [pool.submit(_fetch, sync, folder, remote, on_bytes) for remote in todo]
            try:
                for result in _completed(futures):
                    outcome = _load_one(store, result, sync.version, focus, summary, lock)
                    if keep is None and result.path is not None:
                        result.path.unlink(missing_ok=True)
                    summary.files.append(outcome)
                    if on_file:
                        on_file(outcome)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


def _fetch(sync: _Sync, folder: Path, remote: RemoteFile, on_bytes: Callable[[int], None] | None) -> _Fetched:
    """Download one file into ``folder`` and verify it, with retries; a file verified there on an
    earlier run (``--keep``) is reused, and a failure is returned with its reason, not raised."""
    target = folder / remote.name
    if _matches(remote, target):
        return _Fetched(remote, target)  # verified on an earlier run (--keep)
    target.unlink(missing_ok=True)
    try:
        for attempt in sync.retrying.copy():
            with attempt:
                size = _download(sync.client, f"{sync.base}/{remote.name}", remote, target, on_bytes)
        return _Fetched(remote, target, bytes=size)
    except Exception as exc:  # every failure is reported per file; the others go on
        return _Fetched(remote, None, error=_reason(exc))


def _completed(futures: list[Future[_Fetched]]) -> Iterator[_Fetched]:
    for future in as_completed(futures):
        yield future.result()


def _load_one(
    store: Store, result: _Fetched, version: int, focus: str, summary: SyncSummary, lock: threading.Lock
) -> FileOutcome:
    from dyadwatch.ingest.pipeline import ingest_files  # pandas loads only once a file is to load

    name = result.remote.name
    if result.path is None:
        return FileOutcome(name, "failed", reason=result.error)
    with lock:
        summary.fetched += 1 if result.bytes else 0
        summary.verified += 1
        summary.bytes_fetched += result.bytes
    reports = ingest_files(store, [result.path], fmt=f"gdelt{version}", focus=focus)
    report = reports[0]
    if report.status == "failed":
        return FileOutcome(name, "failed", bytes=result.bytes, reason=report.error)
    if report.status == "already loaded":  # the same bytes loaded before under another name
        summary.already_loaded += 1
        return FileOutcome(name, "already loaded", bytes=result.bytes)
    summary.loaded += 1
    return FileOutcome(name, "loaded", bytes=result.bytes, rows_kept=report.rows_kept)
