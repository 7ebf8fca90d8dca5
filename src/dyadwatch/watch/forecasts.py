"""Forecasts kept and scored (design §14): every cycle's probabilities, append-only and hash-chained.

Each cycle that saw new data writes, per partner, direction and horizon, the probability that an
episode of that partner and direction starts within the horizon (the ``dyadwatch`` forecaster of the
backtest, :func:`dyadwatch.analysis.backtest.onset_probabilities`, fitted on the past only), with the
time it was made, its as-of day, the data's last day and the code version. Each row's ``hash`` is the
SHA-256 of its canonical JSON (sorted keys, the fields of :data:`HASHED`) together with the previous
row's hash, so a row changed or removed after the fact breaks the chain; ``forecasts score`` checks
the chain before it scores, and says so.

Scoring counts each as-of day's first forecast only (later cycles of the same month repeat it with
more data behind them; counting them all would weigh busy months more), once its horizon has
passed: the outcome is whether an episode of that partner and direction (the episode list, bundled
or given) started in [as-of day, as-of day + horizon months).

The backtest that fits the model replays ``shifts`` month by month over ``years`` years (about four
seconds a year on the bundled chronology), so a cycle fits it once per as-of day (the first of the
month) and later cycles of that month reuse its probabilities.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dyadwatch.errors import UsageError

if TYPE_CHECKING:
    import duckdb

    from dyadwatch.store import Store

GENESIS = "0" * 64
HASHED = ("made_at", "as_of", "data_until", "code_version", "focus", "partner", "kind", "horizon_months", "probability")
COLUMNS = ("seq", *HASHED, "prev_hash", "hash")


def code_version() -> str:
    """The installed dyadwatch version (what made the forecast)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"dyadwatch {version('dyadwatch')}"
    except PackageNotFoundError:  # pragma: no cover - a source tree without an install
        from dyadwatch import __version__

        return f"dyadwatch {__version__}"


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the row's :data:`HASHED` fields."""
    canonical = json.dumps({k: row[k] for k in HASHED}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def as_of_day(data_until: dt.date) -> dt.date:
    """The as-of day of a forecast made on data up to ``data_until``: the first of the next month
    when the data cover their whole month, else the first of their month (what the backtest steps on)."""
    following = data_until + dt.timedelta(days=1)
    return following.replace(day=1) if following.day == 1 else data_until.replace(day=1)


def compute_probabilities(
    store: Store,
    focus: str,
    data_until: dt.date,
    *,
    years: int = 10,
    episodes: str | Path = "bundled",
    sources: tuple[str, ...] = (),
    permutations: int = 199,
) -> tuple[dt.date, list[dict[str, Any]]]:
    """(as-of day, rows of partner, kind, horizon_months, probability) from a backtest over the
    ``years`` before; rows without a probability (too few training onsets) are left out."""
    from dyadwatch.analysis.backtest import backtest

    as_of = as_of_day(data_until)
    result = backtest(
        store, focus, episodes, date_from=as_of.replace(year=as_of.year - years), date_to=as_of,
        sources=list(sources) or None, permutations=permutations, leave_out_defining=False,
    )  # fmt: skip
    rows: list[dict[str, Any]] = []
    for horizon, entries in result.probabilities_now.items():
        for entry in entries:
            if entry.get("probability") is None:
                continue
            rows.append(
                {"partner": entry["partner"], "kind": entry["direction"], "horizon_months": int(horizon),
                 "probability": float(entry["probability"])}
            )  # fmt: skip
    return as_of, rows


def stored_for(con: duckdb.DuckDBPyConnection, focus: str, as_of: dt.date, version: str) -> list[dict[str, Any]]:
    """The probabilities already stored for this as-of day by this code version (the latest cycle's)."""
    latest = con.execute(
        "SELECT max(made_at) FROM forecasts WHERE focus = ? AND as_of = ? AND code_version = ?",
        [focus, as_of, version],
    ).fetchone()
    if latest is None or latest[0] is None:
        return []
    rows = con.execute(
        "SELECT partner, kind, horizon_months, probability FROM forecasts WHERE focus = ? AND as_of = ? "
        "AND code_version = ? AND made_at = ? ORDER BY seq",
        [focus, as_of, version, latest[0]],
    ).fetchall()
    return [{"partner": p, "kind": k, "horizon_months": int(h), "probability": float(v)} for p, k, h, v in rows]


def record(
    con: duckdb.DuckDBPyConnection,
    focus: str,
    made_at: dt.datetime,
    as_of: dt.date,
    data_until: dt.date,
    rows: list[dict[str, Any]],
    version: str,
) -> int:
    """Append ``rows`` to ``forecasts``, each chained to the one before, in one transaction."""
    if not rows:
        return 0
    from dyadwatch.store import atomic  # DuckDB loads with the store, not with this module

    with atomic(con):
        last = con.execute("SELECT seq, hash FROM forecasts ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        for row in sorted(rows, key=lambda r: (r["partner"], r["kind"], r["horizon_months"])):
            seq += 1
            full = {
                "made_at": made_at.isoformat(timespec="seconds"), "as_of": as_of.isoformat(),
                "data_until": data_until.isoformat(), "code_version": version, "focus": focus,
                "partner": row["partner"], "kind": row["kind"], "horizon_months": int(row["horizon_months"]),
                "probability": round(float(row["probability"]), 6),
            }  # fmt: skip
            digest = row_hash(full, prev)
            con.execute(
                "INSERT INTO forecasts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [seq, made_at, as_of, data_until, focus, full["partner"], full["kind"], full["horizon_months"],
                 full["probability"], version, prev, digest],
            )  # fmt: skip
            prev = digest
    return len(rows)


def rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every stored forecast in chain order, fields as hashed (ISO dates, the made_at to the second)."""
    found = con.execute(f"SELECT {', '.join(COLUMNS)} FROM forecasts ORDER BY seq").fetchall()
    out = []
    for values in found:
        row = dict(zip(COLUMNS, values, strict=True))
        row["made_at"] = row["made_at"].isoformat(timespec="seconds")
        row["as_of"] = row["as_of"].isoformat()
        row["data_until"] = row["data_until"].isoformat()
        row["horizon_months"] = int(row["horizon_months"])
        row["probability"] = float(row["probability"])
        out.append(row)
    return out


@dataclass
class ChainCheck:
    """Whether the stored forecasts are as written: ``ok``, rows checked, and the first broken row."""

    ok: bool
    rows: int
    broken_at: int | None = None
    reason: str | None = None


def verify_chain(records: list[dict[str, Any]]) -> ChainCheck:
    prev = GENESIS
    for position, row in enumerate(records, start=1):
        if row["seq"] != position:
            return ChainCheck(False, len(records), row["seq"], f"row {position} is missing (seq jumps to {row['seq']})")
        if row["prev_hash"] != prev:
            return ChainCheck(False, len(records), row["seq"], "its prev_hash is not the hash of the row before")
        if row_hash(row, prev) != row["hash"]:
            reason = "its fields do not give its hash (changed after the fact)"
            return ChainCheck(False, len(records), row["seq"], reason)
        prev = row["hash"]
    return ChainCheck(True, len(records))


@dataclass
class ForecastScore:
    """The stored forecasts against the episodes that came true: per horizon, Brier score, skill
    against the base rate, reliability; the chain check; how many are still pending."""

    chain: ChainCheck
    episodes: str
    today: str
    by_horizon: dict[str, Any] = field(default_factory=dict)
    pending: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain.__dict__, "episodes": self.episodes, "today": self.today,
            "by_horizon": self.by_horizon, "pending": self.pending, "notes": self.notes,
        }  # fmt: skip


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def score(
    con: duckdb.DuckDBPyConnection, episodes: str | Path = "bundled", today: dt.date | None = None
) -> ForecastScore:
    """Score every stored forecast whose horizon has passed by ``today`` (default: today)."""
    from dyadwatch.analysis.backtest import brier, brier_skill, read_episodes, reliability_table

    today = today or dt.datetime.now(dt.UTC).date()
    records = rows(con)
    result = ForecastScore(verify_chain(records), str(episodes), today.isoformat())
    if not result.chain.ok:
        result.notes.append(
            f"the forecast chain is broken at row {result.chain.broken_at}: {result.chain.reason}; "
            "the record has been altered, so the scores below are of altered rows"
        )
    starts: dict[tuple[str, str], list[dt.date]] = {}
    for episode in read_episodes(episodes):
        starts.setdefault((episode.partner, episode.kind), []).append(episode.start)
    first: dict[tuple[str, str, str, str, int], dict[str, Any]] = {}
    for row in records:
        key = (row["focus"], row["as_of"], row["partner"], row["kind"], row["horizon_months"])
        first.setdefault(key, row)
    by_horizon: dict[int, tuple[list[float], list[float]]] = {}
    for (_, as_of_text, partner, kind, horizon), row in first.items():
        as_of = dt.date.fromisoformat(as_of_text)
        end = _add_months(as_of, horizon)
        if end > today:
            result.pending += 1
            continue
        came = any(as_of <= s < end for s in starts.get((partner, kind), []))
        forecasts, outcomes = by_horizon.setdefault(horizon, ([], []))
        forecasts.append(row["probability"])
        outcomes.append(1.0 if came else 0.0)
    for horizon in sorted(by_horizon):
        p, y = by_horizon[horizon]
        result.by_horizon[str(horizon)] = {
            "forecasts": len(p), "onsets": int(sum(y)), "base_rate": sum(y) / len(y),
            "brier": brier(p, y), "brier_skill": brier_skill(p, y), "reliability": reliability_table(p, y),
        }  # fmt: skip
    if not result.by_horizon:
        result.notes.append(
            f"no stored forecast has reached its horizon by {today} ({result.pending} pending); "
            "scores come once the months they forecast have passed"
        )
    return result


def export_csv(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> str:
    """Every stored forecast as CSV (chain order, with the hashes); written to ``path`` when given."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows(con):
        writer.writerow(row)
    text = buffer.getvalue()
    if path is not None:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    return text
