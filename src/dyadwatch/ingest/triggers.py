"""Trigger data: dated outside events that may set off North Korean provocations (issue 13).

Three small referenced lists in ``dyadwatch/data/triggers`` (compiled by the dyadwatch
developers, Apache-2.0; see ``data/PROVENANCE.md``):

* ``un_resolutions``: every UN Security Council resolution on the DPRK, its number and adoption
  day, with the summary and reference of the matching (checked) chronology record;
* ``exercises``: US–ROK combined exercises with start and end days, only where a published
  source gives both (Team Spirit and most years before 2013 are left out for that reason);
* ``elections``: South Korean and US presidential elections, with their polling day.

:func:`triggers` returns them as one table of windows (``kind, name, start, end, reference``)
for ``dyadwatch provocations``. UN resolutions and exercises are also loaded as events by
``dyadwatch demo`` (sources ``un_resolutions`` and ``exercises``, with an empty ``actor2`` like the
provocation list, so dyad series leave them out); an election is not an act between states, so
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
from dyadwatch.errors import InputError

TRIGGER_KINDS = ("un_resolution", "exercise", "election")
EXERCISE_CODE = "150"  # CAMEO: demonstrate military or police power


def _read(name: str) -> tuple[pd.DataFrame, str, str]:
    path = f"data/triggers/{name}.csv"
    raw = resources.files("dyadwatch").joinpath(path).read_bytes()
    table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    return table, hashlib.sha256(raw).hexdigest(), path


def _day(value: str, path: str, line: int, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(path, f"line {line}: {column} must be a day like 2017-08-21, not {value!r}") from None


def _check_references(table: pd.DataFrame, path: str) -> None:
    for line, reference in enumerate(table["reference"], start=2):
        if not reference.strip():
            raise InputError(path, f"line {line}: every row needs a reference a reader can check")


def un_resolutions() -> tuple[pd.DataFrame, str]:
    """Security Council resolutions on the DPRK: ``number, date, event_code, summary, reference``."""
    table, digest, path = _read("un_resolutions")
    _check_references(table, path)
    codes = cameo_codes()
    numbers: set[int] = set()
    rows = []
    for line, row in enumerate(table.to_dict("records"), start=2):
        number = int(row["number"]) if row["number"].isdigit() else -1
        if number < 1 or number in numbers:
            raise InputError(path, f"line {line}: resolution number {row['number']!r} is not a new positive number")
        if row["event_code"] not in codes:
            raise InputError(path, f"line {line}: unknown CAMEO code {row['event_code']!r}")
        numbers.add(number)
        rows.append({**row, "number": number, "date": _day(row["date"], path, line, "date")})
    frame = pd.DataFrame(rows)
    if not frame["date"].is_monotonic_increasing or not frame["number"].is_monotonic_increasing:
        raise InputError(path, "resolutions must be in order of adoption, and numbers rise with the date")
    return frame, digest


def exercises() -> tuple[pd.DataFrame, str]:
    """US–ROK combined exercises: ``name, start, end, reference`` (end on or after start)."""
    table, digest, path = _read("exercises")
    _check_references(table, path)
    rows = []
    for line, row in enumerate(table.to_dict("records"), start=2):
        start, end = _day(row["start"], path, line, "start"), _day(row["end"], path, line, "end")
        if end < start or (end - start).days > 120:
            raise InputError(path, f"line {line}: {row['name']} ends before it starts or lasts over 120 days")
        rows.append({**row, "start": start, "end": end})
    return pd.DataFrame(rows), digest


def elections() -> tuple[pd.DataFrame, str]:
    """South Korean and US presidential elections: ``country, kind, date, reference``."""
    table, digest, path = _read("elections")
    _check_references(table, path)
    rows = []
    for line, row in enumerate(table.to_dict("records"), start=2):
        if row["country"] not in ("KOR", "USA"):
            raise InputError(path, f"line {line}: country must be KOR or USA, not {row['country']!r}")
        rows.append({**row, "date": _day(row["date"], path, line, "date")})
    return pd.DataFrame(rows), digest


def triggers() -> pd.DataFrame:
    """All trigger windows: ``kind`` (un_resolution, exercise, election), ``name``, ``start``, ``end``, ``reference``.

    Sorted by start day.
    """
    resolutions, _ = un_resolutions()
    drills, _ = exercises()
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
    """UN resolutions as events of ``IGOUNO`` (``un_resolutions:<number>``), for ``dyadwatch demo``."""
    table, digest = un_resolutions()
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
    """Exercises as events of the US on their first day (``exercises:<start>:<n>``), the span in the summary."""
    table, digest = exercises()
    frame = pd.DataFrame(
        {
            "event_id": [f"exercises:{s.isoformat()}:{i}" for i, s in enumerate(table["start"], start=1)],
            "date": table["start"],
            "actor1": "USA",
            "actor1_name": "United States and South Korea (combined exercise)",
            "event_code": EXERCISE_CODE,
            "summary": [
                f"US-ROK combined exercise {n}, {s} to {e}"
                for n, s, e in zip(table["name"], table["start"], table["end"], strict=True)
            ],  # fmt: skip
            "reference": table["reference"],
        }
    )
    return _event_rows(frame, "exercises"), digest
