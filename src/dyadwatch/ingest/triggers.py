"""Trigger data: dated outside events that may set off North Korean provocations (issue 13).

Three small referenced lists in ``dyadwatch/data/triggers`` (compiled by the dyadwatch
developers, Apache-2.0; see ``data/PROVENANCE.md``):

* ``un_resolutions``: UN Security Council resolutions on the DPRK (number, adoption day, ``kind``:
  sanctions, renewal, condemnation or other, the UN ``document``), every renewal of the Panel of
  Experts until 2023, and the vetoed drafts of 2022 and 2024 (``adopted`` no, no number);
* ``exercises``: US–ROK combined exercises with start and end, ``precision`` day or month (a month
  row's window is the whole months) and ``status`` held, scaled-down or suspended;
* ``elections``: South Korean and US presidential elections, with their polling day.

Each file opens with ``#`` lines that state its scope ("complete for …", "sample of …"):
:func:`scope` returns them (``dyadwatch sources`` shows them). :func:`triggers` returns one table
of windows (``kind, name, start, end, reference``) for ``dyadwatch provocations``: adopted
resolutions other than Panel renewals (a renewal is scheduled, not a reaction; a vetoed draft
changed nothing) and exercises that were held (suspensions are left out). UN resolutions and
exercises are also loaded as events by ``dyadwatch demo`` (sources ``un_resolutions`` and
``exercises``, with an empty ``actor2`` like the provocation list, so dyad series leave them out);
an election is not an act between states, so
elections are trigger data only. A malformed row is an :class:`~dyadwatch.errors.InputError`
naming the file, line and problem.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from importlib import resources

import pandas as pd

from dyadwatch.codebook import cameo_codes
from dyadwatch.days import day_message, parse_day
from dyadwatch.errors import InputError, UsageError

TRIGGER_KINDS = ("un_resolution", "exercise", "election")
EXERCISE_CODE = "150"  # CAMEO: demonstrate military or police power


RESOLUTION_KINDS = ("sanctions", "renewal", "condemnation", "other")
EXERCISE_STATUS = ("held", "scaled-down", "suspended")


def _raw(name: str) -> bytes:
    return resources.files("dyadwatch").joinpath(f"data/triggers/{name}.csv").read_bytes()


def _read(name: str) -> tuple[pd.DataFrame, str, str]:
    """The table (``#`` lines before the header are the scope note and skipped), its sha256, its path."""
    path = f"data/triggers/{name}.csv"
    raw = _raw(name)
    table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, comment=None, skiprows=_comment_lines(raw))
    return table, hashlib.sha256(raw).hexdigest(), path


def _comment_lines(raw: bytes) -> int:
    lines = raw.decode("utf-8").splitlines()
    return next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))


def scope(name: str) -> str:
    """The scope note of a trigger list (its leading ``#`` lines, joined): what it covers and what it leaves out."""
    lines = _raw(name).decode("utf-8").splitlines()
    return " ".join(line.lstrip("#").strip() for line in lines[: _comment_lines(_raw(name))])


def row_day(value: str, path: str, line: int, column: str) -> dt.date:
    """The day in ``column`` of a bundled list's ``line``; an :class:`InputError` naming the file and line."""
    try:
        return parse_day(value, column)
    except UsageError:
        raise InputError(path, f"line {line}: {day_message(column, value)}") from None


def _check_references(table: pd.DataFrame, path: str) -> None:
    for line, reference in enumerate(table["reference"], start=2):
        if not reference.strip():
            raise InputError(path, f"line {line}: every row needs a reference a reader can check")


def un_resolutions(adopted_only: bool = False) -> tuple[pd.DataFrame, str]:
    """Security Council resolutions on the DPRK and vetoed drafts.

    Columns ``number`` (0 for a draft), ``date``, ``kind`` (sanctions, renewal, condemnation,
    other), ``adopted`` (bool), ``document`` (S/RES/… or the draft's symbol), ``event_code``
    (empty for renewals and drafts, which are not loaded as events), ``summary``, ``reference``.
    ``adopted_only`` leaves the vetoed drafts out.
    """
    table, digest, path = _read("un_resolutions")
    _check_references(table, path)
    codes = cameo_codes()
    numbers: set[int] = set()
    rows = []
    first = _comment_lines(_raw("un_resolutions")) + 2
    for line, row in enumerate(table.to_dict("records"), start=first):
        if row["adopted"] not in ("yes", "no"):
            raise InputError(path, f"line {line}: adopted must be yes or no, not {row['adopted']!r}")
        adopted = row["adopted"] == "yes"
        number = int(row["number"]) if row["number"].isdigit() else -1
        if adopted and (number < 1 or number in numbers):
            raise InputError(path, f"line {line}: resolution number {row['number']!r} is not a new positive number")
        if not adopted and row["number"]:
            raise InputError(path, f"line {line}: a draft that was not adopted has no resolution number")
        if row["kind"] not in RESOLUTION_KINDS:
            raise InputError(path, f"line {line}: kind must be one of {', '.join(RESOLUTION_KINDS)}")
        loaded = adopted and row["kind"] != "renewal"
        if (row["event_code"] not in codes) if loaded else bool(row["event_code"]):
            raise InputError(
                path, f"line {line}: event code {row['event_code']!r} (a known CAMEO code for an adopted resolution "
                "other than a renewal, empty otherwise)"
            )  # fmt: skip
        if not row["document"].startswith("S/"):
            raise InputError(path, f"line {line}: document must be a UN symbol such as S/RES/1718 (2006)")
        numbers.add(number)
        rows.append(
            {**row, "number": max(number, 0), "adopted": adopted, "date": row_day(row["date"], path, line, "date")}
        )
    frame = pd.DataFrame(rows)
    resolutions = frame[frame["adopted"]]
    if not frame["date"].is_monotonic_increasing or not resolutions["number"].is_monotonic_increasing:
        raise InputError(path, "resolutions must be in order of adoption, and numbers rise with the date")
    if adopted_only:
        frame = resolutions.reset_index(drop=True)
    return frame, digest


def _trigger_resolutions() -> tuple[pd.DataFrame, str]:
    """Adopted resolutions other than Panel renewals: the trigger windows and the demo's events."""
    frame, digest = un_resolutions(adopted_only=True)
    return frame[frame["kind"] != "renewal"].reset_index(drop=True), digest


def _month(value: str, path: str, line: int, column: str, last: bool) -> dt.date:
    try:
        year, month = (int(part) for part in value.strip().split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise InputError(
            path, f"line {line}: {column} of a month-precision row must be YYYY-MM, not {value!r}"
        ) from None
    if not last:
        return first
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def exercises(held_only: bool = False) -> tuple[pd.DataFrame, str]:
    """US–ROK combined exercises: ``name, start, end, precision, status, reference`` (end on or after start).

    A ``month`` row (``start``/``end`` written ``YYYY-MM``) spans the whole months: ``start`` is the
    first day of its month, ``end`` the last day of its month. ``held_only`` leaves suspensions out.
    """
    table, digest, path = _read("exercises")
    _check_references(table, path)
    rows = []
    first = _comment_lines(_raw("exercises")) + 2
    for line, row in enumerate(table.to_dict("records"), start=first):
        if row["precision"] == "day":
            start, end = row_day(row["start"], path, line, "start"), row_day(row["end"], path, line, "end")
        elif row["precision"] == "month":
            start = _month(row["start"], path, line, "start", last=False)
            end = _month(row["end"], path, line, "end", last=True)
        else:
            raise InputError(path, f"line {line}: precision must be day or month, not {row['precision']!r}")
        if row["status"] not in EXERCISE_STATUS:
            raise InputError(path, f"line {line}: status must be one of {', '.join(EXERCISE_STATUS)}")
        if end < start or (end - start).days > 120:
            raise InputError(path, f"line {line}: {row['name']} ends before it starts or lasts over 120 days")
        rows.append({**row, "start": start, "end": end})
    frame = pd.DataFrame(rows)
    if held_only:
        frame = frame[frame["status"] != "suspended"].reset_index(drop=True)
    return frame, digest


def elections() -> tuple[pd.DataFrame, str]:
    """South Korean and US presidential elections: ``country, kind, date, reference``."""
    table, digest, path = _read("elections")
    _check_references(table, path)
    rows = []
    first = _comment_lines(_raw("elections")) + 2
    for line, row in enumerate(table.to_dict("records"), start=first):
        if row["country"] not in ("KOR", "USA"):
            raise InputError(path, f"line {line}: country must be KOR or USA, not {row['country']!r}")
        rows.append({**row, "date": row_day(row["date"], path, line, "date")})
    return pd.DataFrame(rows), digest


def triggers() -> pd.DataFrame:
    """All trigger windows: ``kind`` (un_resolution, exercise, election), ``name``, ``start``, ``end``, ``reference``.

    Sorted by start day.
    """
    resolutions, _ = _trigger_resolutions()
    drills, _ = exercises(held_only=True)
    polls, _ = elections()
    parts = [
        pd.DataFrame(
            {
                "kind": "un_resolution",
                "name": [f"UNSC Resolution {n}" for n in resolutions["number"]],
                "start": resolutions["date"],
                "end": resolutions["date"],
                "reference": resolutions["reference"],
            }
        ),
        pd.DataFrame(
            {
                "kind": "exercise",
                "name": drills["name"],
                "start": drills["start"],
                "end": drills["end"],
                "reference": drills["reference"],
            }
        ),  # fmt: skip
        pd.DataFrame(
            {
                "kind": "election",
                "name": [f"{c} {k} election" for c, k in zip(polls["country"], polls["kind"], strict=True)],
                "start": polls["date"],
                "end": polls["date"],
                "reference": polls["reference"],
            }
        ),
    ]
    return pd.concat(parts, ignore_index=True).sort_values(["start", "kind"], ignore_index=True)


def _event_rows(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    codes = cameo_codes()
    frame["source"] = source
    frame["actor2"] = None
    frame["actor2_name"] = None
    frame["quad_class"] = [codes[c].quad_class for c in frame["event_code"]]
    frame["goldstein"] = [codes[c].goldstein for c in frame["event_code"]]
    frame["weight"] = 1
    frame["tone"] = float("nan")
    frame["group_id"] = None
    frame["problem"] = None
    frame["line"] = range(2, len(frame) + 2)
    return frame


def resolution_events() -> tuple[pd.DataFrame, str]:
    """UN resolutions as events of ``IGOUNO`` (``un_resolutions:<number>``), for ``dyadwatch demo``.

    Adopted resolutions other than Panel renewals (the trigger rows); the file's digest covers all rows.
    """
    table, digest = _trigger_resolutions()
    frame = pd.DataFrame(
        {
            "event_id": [f"un_resolutions:{n}" for n in table["number"]],
            "date": table["date"],
            "actor1": "IGOUNO",
            "actor1_name": "UN Security Council",
            "event_code": table["event_code"],
            "summary": table["summary"],
            "reference": table["reference"],
        }
    )
    return _event_rows(frame, "un_resolutions"), digest


def exercise_events() -> tuple[pd.DataFrame, str]:
    """Exercises as events of the US on their first day (``exercises:<start>:<n>``), the span in the summary.

    Suspended exercises are not events; a month-precision exercise is stored on the first of its
    first month and its summary says the days are known to the month only.
    """
    table, digest = exercises(held_only=True)
    frame = pd.DataFrame(
        {
            "event_id": [f"exercises:{s.isoformat()}:{i}" for i, s in enumerate(table["start"], start=1)],
            "date": table["start"],
            "actor1": "USA",
            "actor1_name": "United States and South Korea (combined exercise)",
            "event_code": EXERCISE_CODE,
            "summary": [
                f"US-ROK combined exercise {n}, {s} to {e}"
                if p == "day"
                else f"US-ROK combined exercise {n}, {s:%B %Y} to {e:%B %Y} (dates known to the month only)"
                for n, s, e, p in zip(table["name"], table["start"], table["end"], table["precision"], strict=True)
            ],  # fmt: skip
            "reference": table["reference"],
        }
    )
    return _event_rows(frame, "exercises"), digest
