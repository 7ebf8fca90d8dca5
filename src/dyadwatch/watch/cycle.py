"""One watch cycle (design §14): sync → ingest and code new files → ``shifts`` → alerts → forecasts.

Why each step is safe to kill (``kill -9`` at any point leaves a store the next cycle reads right):

* GDELT files load one transaction each (:func:`dyadwatch.ingest.sync.sync_gdelt`), folders of
  texts and CSV files through the ingest, which skips a file already loaded (by its SHA-256); a
  killed cycle loads at worst one file less, and the next fetches it.
* The cycle analyses only when the store changed since the last analysis: ``watch_status`` keeps the
  newest ``load_id`` analysed (with the settings), written in the same transaction as the alerts. A
  cycle killed after loading and before that transaction leaves the mark behind, so the next cycle
  analyses (and alerts) even if nothing new arrived; one killed after it finds nothing to do.
* Alerts and their pending deliveries are written in one transaction before any is sent
  (:mod:`dyadwatch.watch.alerts`); sending then records each outcome, so a cycle killed in between
  sends what is still pending next time, and an alert already recorded is never opened again.

Idle (nothing new loaded, nothing pending): the cycle reads GDELT's ``lastupdate.txt`` (a few hundred
bytes), finds its newest export file no newer than the mark of the last complete sync
(``watch_status.gdelt_complete_through``), checks for stale data and stops — no master list (over a
hundred MB), no analysis, nothing sent. The mark is the newest listed file up to which every file in
range was loaded; it holds for the same version, base URL and range (``--from``, and ``--to`` or "up
to now") and while no GDELT load has left the store, and is written only after the files are loaded,
so a killed cycle leaves the old mark and the next one reads the master list.

``DYADWATCH_WATCH_PAUSE_AT`` (tests only) names a point where the cycle stops for a minute — one of
:data:`PAUSE_POINTS`, or ``loaded:N`` after the N-th loaded file — so a test can kill it there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadwatch.errors import DyadwatchError, UsageError
from dyadwatch.watch import alerts as alert_state
from dyadwatch.watch import forecasts as forecast_store
from dyadwatch.watch.channels import Channel, DeliveryError, write_feed

if TYPE_CHECKING:
    import duckdb

    from dyadwatch.api import Store

PAUSE_POINTS = ("after_sync", "after_alerts", "after_delivery")
#: ``watch_status`` name of the last complete GDELT sync (see the module docstring).
SYNC_MARK = "gdelt_complete_through"
#: GDELT 2.0 publishes every 15 minutes: a few hours without a new file means something is wrong.
DEFAULT_STALE_AFTER = dt.timedelta(hours=6)


def _pause(point: str) -> None:
    if os.environ.get("DYADWATCH_WATCH_PAUSE_AT") == point:
        sys.stderr.write(f"paused at {point}\n")
        sys.stderr.flush()
        time.sleep(60)


def utcnow() -> dt.datetime:
    """Now, UTC, naive (DuckDB's TIMESTAMP), to the second."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


@dataclass
class WatchConfig:
    """What a cycle does: the data to fetch, the analysis (the stated selection) and the channels."""

    db: Path
    start: dt.date
    end: dt.date | None = None  # None: today (UTC)
    gdelt: bool = True
    version: int = 2
    base_url: str | None = None
    jobs: int = 4
    timeout: float = 60.0
    attempts: int = 4
    retry_wait: float = 1.0
    focus: str = "PRK"
    texts: Path | None = None  # a folder of new KCNA texts (kcna-json), ingested and coded
    csv: Path | None = None  # a folder of new CSV event files (dyadwatch's csv layout)
    window_months: int = 6
    baseline_years: int = 10
    alpha: float = 0.05
    sources: tuple[str, ...] = ()
    permutations: int = 9999
    stale_after: dt.timedelta = DEFAULT_STALE_AFTER
    forecasts: bool = True
    forecast_years: int = 10
    episodes: str = "bundled"
    feed: Path | None = None
    channels: list[Channel] = field(default_factory=list)

    def selection_text(self) -> str:
        """The stated selection, as alerts and status report it."""
        sources = ",".join(self.sources) or "all but kcna"
        return (
            f"focus {self.focus}; monthly; recent {self.window_months} months against the {self.baseline_years} "
            f"years before; sources {sources}; alpha {self.alpha} after Benjamini-Hochberg; low-rate test on"
        )

    def settings_key(self) -> str:
        text = json.dumps(
            [self.focus, self.window_months, self.baseline_years, self.alpha, list(self.sources), self.permutations]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class CycleReport:
    """What one cycle did (printed as the cycle's summary, kept in ``watch_status``)."""

    started: str
    seconds: float = 0.0
    listed: int = 0
    list_read: str | None = None  # lastupdate.txt on an idle cycle, masterfilelist.txt otherwise
    loaded: int = 0
    already_loaded: int = 0
    failed_files: list[dict[str, str]] = field(default_factory=list)
    sync_error: str | None = None
    analysed: bool = False
    data_until: str | None = None
    opened: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    delivered: int = 0
    undelivered: list[dict[str, Any]] = field(default_factory=list)
    forecasts: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return not self.loaded and not self.analysed and not self.delivered and not self.undelivered

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "idle": self.idle}


# -- status ------------------------------------------------------------------------------------
def get_status(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return {str(k): v for k, v in con.execute("SELECT name, value FROM watch_status").fetchall()}


def _set_status(con: duckdb.DuckDBPyConnection, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        con.execute(
            "INSERT INTO watch_status VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [name, value],
        )


def _latest_load(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()
    return int(row[0]) if row else 0


def _data_until(con: duckdb.DuckDBPyConnection, focus: str, sources: tuple[str, ...]) -> dt.date | None:
    from dyadwatch.selection import Selection

    sel = Selection(sources=sources)
    row = con.execute(
        "SELECT max(date) FROM events WHERE (actor1 = ? OR actor2 = ?) AND actor2 IS NOT NULL AND actor2 <> '' "
        "AND actor1 <> actor2" + sel.source_sql(),
        [focus, focus],
    ).fetchone()
    return row[0] if row and row[0] is not None else None


# -- the cycle -----------------------------------------------------------------------------------
def run_cycle(
    config: WatchConfig,
    store: Store,
    *,
    now: Callable[[], dt.datetime] = utcnow,
    say: Callable[[str], None] = lambda _: None,
) -> CycleReport:
    """One cycle over an open, writable ``store``; see the module docstring."""
    began = time.monotonic()
    start_time = now()
    report = CycleReport(started=start_time.isoformat(timespec="seconds"))
    con = store.con
    status = get_status(con)
    if status.get("watching_since") is None:
        _set_status(con, {"watching_since": start_time.isoformat(timespec="seconds")})
        status = get_status(con)

    _load_new(config, store, report, say)
    _pause("after_sync")

    loaded_mark = f"{_latest_load(con)}:{config.settings_key()}"
    if status.get("last_new_data_at") is None or report.loaded:
        status["last_new_data_at"] = start_time.isoformat(timespec="seconds")
        _set_status(con, {"last_new_data_at": status["last_new_data_at"]})
    until = _data_until(con, config.focus, config.sources)
    report.data_until = until.isoformat() if until else None
    channels = _channel_targets(config)
    if loaded_mark != status.get("analysed"):
        _analyse(config, store, report, until, loaded_mark, channels, now(), say)

    _check_stale(config, con, report, status, channels, start_time)  # measured at the cycle's start
    _pause("after_alerts")
    _deliver(config, con, report, now(), say)
    _pause("after_delivery")
    report.seconds = time.monotonic() - began
    _set_status(
        con,
        {
            "last_cycle_at": start_time.isoformat(timespec="seconds"),
            "last_cycle_seconds": f"{report.seconds:.2f}",
            "last_data_day": report.data_until,
            "last_error": report.sync_error,
            "selection": config.selection_text(),
            "last_report": json.dumps(report.to_dict()),
        },
    )
    return report


def _sync_range(config: WatchConfig) -> list[Any]:
    """What a sync mark holds for: version, base URL, ``--from`` and ``--to`` (or "open": up to now)."""
    from dyadwatch.ingest.sync import DEFAULT_BASE_URLS

    base = (config.base_url or DEFAULT_BASE_URLS.get(config.version, "")).rstrip("/")
    return [config.version, base, config.start.isoformat(), config.end.isoformat() if config.end else "open"]


def _gdelt_loads(con: duckdb.DuckDBPyConnection, version: int) -> int:
    row = con.execute("SELECT count(*) FROM loads WHERE format = ?", [f"gdelt{version}"]).fetchone()
    return int(row[0]) if row else 0


def _sync_mark(con: duckdb.DuckDBPyConnection, config: WatchConfig) -> str | None:
    """The file the last sync of this range was complete through, if that still holds: the same
    range, and no fewer GDELT loads than then (a load removed by hand voids it)."""
    text = get_status(con).get(SYNC_MARK)
    try:
        mark = json.loads(text) if text else None
    except ValueError:
        return None
    if not isinstance(mark, dict) or mark.get("range") != _sync_range(config):
        return None
    if not isinstance(mark.get("loads"), int) or _gdelt_loads(con, config.version) < mark["loads"]:
        return None
    name = mark.get("file")
    return name if isinstance(name, str) else None


def _load_new(config: WatchConfig, store: Store, report: CycleReport, say: Callable[[str], None]) -> None:
    """Sync GDELT and ingest the configured folders; a failure is recorded, never raised."""
    from dyadwatch.ingest.sync import FileOutcome, SyncError, sync_gdelt

    pause_after = os.environ.get("DYADWATCH_WATCH_PAUSE_AT", "")
    loaded_files = 0

    def on_file(outcome: FileOutcome) -> None:
        nonlocal loaded_files
        if outcome.status == "loaded":
            loaded_files += 1
            if pause_after == f"loaded:{loaded_files}":
                _pause(pause_after)

    if config.gdelt:
        end = config.end or dt.datetime.now(dt.UTC).date()
        try:
            summary = sync_gdelt(
                store, version=config.version, start=config.start, end=max(end, config.start),
                base_url=config.base_url, jobs=config.jobs, focus=config.focus, timeout=config.timeout,
                attempts=config.attempts, retry_wait=config.retry_wait, on_file=on_file,
                complete_through=_sync_mark(store.con, config),
            )  # fmt: skip
        except SyncError as exc:
            report.sync_error = str(exc)
            say(f"sync failed: {exc}")
        else:
            report.listed = summary.listed
            report.list_read = summary.list_read
            report.notes.extend(summary.notes)
            if summary.complete_through:
                mark = {
                    "range": _sync_range(config), "file": summary.complete_through,
                    "loads": _gdelt_loads(store.con, config.version),
                }  # fmt: skip
                _set_status(store.con, {SYNC_MARK: json.dumps(mark)})
            report.loaded += summary.loaded
            report.already_loaded += summary.already_loaded
            for outcome in summary.failures:
                report.failed_files.append({"file": outcome.name, "reason": outcome.reason or "failed"})
    folders = [(config.csv, "csv"), (config.texts, "texts")]
    for folder, what in folders:
        if folder is None:
            continue
        if not folder.is_dir():
            report.notes.append(f"--{what} {folder} is not a folder; nothing loaded from it")
            continue
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            continue
        loads = store.ingest(files, format="csv", focus=config.focus) if what == "csv" else store.ingest_texts(files)
        for load in loads:
            if load.status == "loaded":
                report.loaded += 1
            elif load.status == "failed":
                report.failed_files.append({"file": str(load.file), "reason": load.error or "failed"})
        if what == "texts" and any(load.status == "loaded" for load in loads):
            from dyadwatch.ingest.code_texts import code_texts

            code_texts(store)


def _channel_targets(config: WatchConfig) -> list[tuple[str, str]]:
    targets = [(channel.name, channel.target) for channel in config.channels]
    if config.feed is not None:
        targets.insert(0, ("feed", str(config.feed)))
    return targets


def _analyse(
    config: WatchConfig, store: Store, report: CycleReport, until: dt.date | None, mark: str,
    channels: list[tuple[str, str]], at: dt.datetime, say: Callable[[str], None],
) -> None:  # fmt: skip
    """Shifts on the fresh data, then the alert transitions and the mark, in one transaction."""
    from dyadwatch.analysis.shifts import shifts
    from dyadwatch.selection import Selection

    con = store.con
    report.analysed = True
    seen: list[alert_state.Candidate] = []
    if until is None:
        report.notes.append(f"no dyadic events of {config.focus} in the store yet; nothing to analyse")
    else:
        index = until.year * 12 + until.month - 1 - (config.window_months - 1)
        since = dt.date(index // 12, index % 12 + 1, 1)
        try:
            result = shifts(
                store, config.focus, since, until=until, baseline_years=config.baseline_years, alpha=config.alpha,
                selection=Selection(sources=config.sources), permutations=config.permutations,
                with_indicators=False, low_rate=True,
            )  # fmt: skip
        except DyadwatchError as exc:
            report.notes.append(f"shifts: {exc}")
        else:
            seen = alert_state.candidates(result)
            report.notes.extend(note for note in result.notes if note.startswith(("not enough", "no recent")))
    transition = alert_state.reconcile(
        con, config.focus, seen, alert_state.SHIFT_KINDS, at, report.data_until, channels, {"analysed": mark}
    )
    report.opened += transition.opened
    report.cleared += transition.cleared
    if config.forecasts and until is not None:
        _forecast(config, store, report, until, at, say)


def _forecast(
    config: WatchConfig, store: Store, report: CycleReport, until: dt.date, at: dt.datetime, say: Callable[[str], None]
) -> None:
    version = forecast_store.code_version()
    as_of = forecast_store.as_of_day(until)
    rows = forecast_store.stored_for(store.con, config.focus, as_of, version)
    if not rows:
        try:
            as_of, rows = forecast_store.compute_probabilities(
                store, config.focus, until, years=config.forecast_years, episodes=config.episodes,
                sources=config.sources,
            )  # fmt: skip
        except DyadwatchError as exc:
            report.notes.append(f"no forecast this cycle: {exc}")
            return
    if not rows:
        report.notes.append(
            "no forecast this cycle: the backtest's training data hold too few episode onsets "
            f"within --forecast-years {config.forecast_years}: give more years, or an --episodes list with more"
        )
        return
    report.forecasts = forecast_store.record(store.con, config.focus, at, as_of, until, rows, version)


def _check_stale(
    config: WatchConfig, con: duckdb.DuckDBPyConnection, report: CycleReport, status: dict[str, str | None],
    channels: list[tuple[str, str]], at: dt.datetime,
) -> None:  # fmt: skip
    """Open the stale-data alert when no new data came for ``stale_after``; clear it when data come."""
    since_text = status.get("last_new_data_at")
    since = dt.datetime.fromisoformat(since_text) if since_text else at
    stale = at - since >= config.stale_after
    seen = []
    if stale:
        reason = (
            f"the source could not be read ({report.sync_error})"
            if report.sync_error
            else "no new file was published or loaded"
        )
        seen = [alert_state.stale_candidate(config.focus, since, report.data_until, reason)]
    transition = alert_state.reconcile(con, config.focus, seen, (alert_state.STALE,), at, report.data_until, channels)
    report.opened += transition.opened
    report.cleared += transition.cleared


def _deliver(
    config: WatchConfig, con: duckdb.DuckDBPyConnection, report: CycleReport, at: dt.datetime,
    say: Callable[[str], None],
) -> None:  # fmt: skip
    """Send every pending (or failed) delivery of a configured channel and record each outcome."""
    pending = con.execute(
        "SELECT alert_id, channel, target, attempts FROM alert_deliveries WHERE status <> 'delivered' "
        "ORDER BY alert_id, channel"
    ).fetchall()
    by_name = {(channel.name, channel.target): channel for channel in config.channels}
    feed_ids: list[tuple[int, int]] = []
    records = {a["id"]: a for a in alert_state.alert_records(con, "alert_id IN (SELECT alert_id FROM alert_deliveries "
                                                                 "WHERE status <> 'delivered')")}  # fmt: skip
    for alert_id, name, target, attempts in pending:
        if name == "feed":
            if config.feed is not None and target == str(config.feed):
                feed_ids.append((int(alert_id), int(attempts)))
            continue
        channel = by_name.get((name, target))
        if channel is None:
            continue  # a channel no longer configured: left pending for when it is
        try:
            channel.send(records[int(alert_id)])
        except DeliveryError as exc:
            _record(con, int(alert_id), name, target, int(attempts) + 1, str(exc), None)
            report.undelivered.append({"alert": int(alert_id), "channel": name, "reason": str(exc)})
            say(f"alert {alert_id} not delivered by {name}: {exc} (sent again next cycle)")
        else:
            _record(con, int(alert_id), name, target, int(attempts) + 1, None, at)
            report.delivered += 1
    if config.feed is not None and (feed_ids or not config.feed.exists() or report.cleared):
        try:
            write_feed(config.feed, alert_state.alert_records(con), at.isoformat(timespec="seconds"))
        except DeliveryError as exc:
            for alert_id, attempts in feed_ids:
                _record(con, alert_id, "feed", str(config.feed), attempts + 1, str(exc), None)
                report.undelivered.append({"alert": alert_id, "channel": "feed", "reason": str(exc)})
            say(str(exc))
        else:
            for alert_id, attempts in feed_ids:
                _record(con, alert_id, "feed", str(config.feed), attempts + 1, None, at)
                report.delivered += 1


def _record(
    con: duckdb.DuckDBPyConnection, alert_id: int, channel: str, target: str, attempts: int, error: str | None,
    delivered_at: dt.datetime | None,
) -> None:  # fmt: skip
    con.execute(
        "UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, delivered_at = ? "
        "WHERE alert_id = ? AND channel = ? AND target = ?",
        ["delivered" if delivered_at else "failed", attempts, error, delivered_at, alert_id, channel, target],
    )


# -- the loop ------------------------------------------------------------------------------------
def parse_every(text: str) -> dt.timedelta:
    """``15m``, ``1h``, ``90s``, ``1d`` as a time span."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise UsageError(f"{text!r} is not a time span; use a whole number and s, m, h or d, e.g. 15m")
    return dt.timedelta(seconds=int(text[:-1]) * units[text[-1]])


def watch_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The watcher's status and alert history, as the dashboard shows it."""
    status = get_status(con)
    text = status.get("last_report")
    last = json.loads(text) if text else None
    return {
        "watching_since": status.get("watching_since"),
        "last_cycle_at": status.get("last_cycle_at"),
        "last_cycle_seconds": status.get("last_cycle_seconds"),
        "last_data_day": status.get("last_data_day"),
        "last_new_data_at": status.get("last_new_data_at"),
        "next_run_at": status.get("next_run_at"),
        "last_error": status.get("last_error"),
        "selection": status.get("selection"),
        "last_cycle": last,
        "alerts": alert_state.alert_records(con),
    }


def watch(
    config: WatchConfig,
    *,
    once: bool,
    every: dt.timedelta = dt.timedelta(minutes=15),
    stop: Any = None,
    say: Callable[[str], None] = lambda _: None,
    on_report: Callable[[CycleReport], None] = lambda _: None,
    max_cycles: int | None = None,
) -> CycleReport | None:
    """Run cycles under the store's watch lock: one (``once``), or one every ``every`` until ``stop``
    (a ``threading.Event``, set by SIGTERM) is set. The store is opened for each cycle and closed
    after it, so the dashboard and other commands can read it between cycles; a store held by
    another writer skips the cycle (said), the next one tries again. Returns the last cycle's report."""
    import threading

    from dyadwatch.api import Store
    from dyadwatch.errors import StoreLockedError
    from dyadwatch.watch.lock import WatchLock

    stop = stop or threading.Event()
    last: CycleReport | None = None
    cycles = 0
    with WatchLock(config.db):
        while True:
            began = time.monotonic()
            try:
                with Store(config.db) as store:
                    last = run_cycle(config, store, say=say)
                    if not once:
                        following = utcnow() + every - dt.timedelta(seconds=time.monotonic() - began)
                        _set_status(store.con, {"next_run_at": following.isoformat(timespec="seconds")})
                    else:
                        _set_status(store.con, {"next_run_at": None})
                on_report(last)
            except StoreLockedError as exc:
                if once:
                    raise
                say(f"cycle skipped: {exc}")
            cycles += 1
            if once or (max_cycles is not None and cycles >= max_cycles):
                return last
            if stop.wait(max(0.0, every.total_seconds() - (time.monotonic() - began))):
                say("stopped (SIGTERM): the last cycle finished, the store is consistent")
                return last
