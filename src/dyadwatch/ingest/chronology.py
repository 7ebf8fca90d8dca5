"""The bundled chronology: one YAML file per relationship, validated, loaded like any source.

Each record must carry a reference a reader can check; the schema below rejects a record with a
future or impossible date, a code missing from the CAMEO codebook, an unknown country, or an
empty reference (issue 3). The file format is described in ``docs/chronology-format.md``.

Two optional fields (issue 9): ``date_precision: month`` for an event known only to the month
(written ``1978-03``; stored on the first of the month with :data:`MONTH_ONLY_NOTE` appended to
its summary, so the events schema is unchanged), and ``summit: true`` for a leader-level meeting,
which :func:`summit_records` hands to the ``summit`` condition of the circumstances analysis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dyadwatch.codebook import cameo_codes, countries
from dyadwatch.errors import InputError

FOCUS = "PRK"
#: Appended to the stored summary of a record with ``date_precision: month``.
MONTH_ONLY_NOTE = " (date known to the month only)"


class ChronologyRecord(BaseModel):
    """One event of the chronology (design §3 fields, plus the mandatory ``reference``).

    ``date_precision`` is ``day`` (the default) or ``month``; a month-only date is written
    ``YYYY-MM`` (or as the first of the month) and held as the first day of that month.
    ``summit`` marks an in-person meeting of North Korea's top leader with the partner's head of
    state, head of government or ruling-party leader (a CAMEO 04x/05x record).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date
    date_precision: Literal["day", "month"] = "day"
    actor1: str
    actor2: str
    event_code: str
    summary: str = Field(min_length=10)
    reference: str = Field(min_length=10)
    group_id: str | None = None
    summit: bool = False

    @model_validator(mode="before")
    @classmethod
    def month_only_date(cls, data: Any) -> Any:
        """``date: 1978-03`` with ``date_precision: month`` means the first of March 1978."""
        if not isinstance(data, dict) or data.get("date_precision") != "month":
            return data
        value = data.get("date")
        if isinstance(value, str) and len(value.strip()) == 7:
            try:
                year, month = (int(part) for part in value.strip().split("-"))
                return {**data, "date": dt.date(year, month, 1)}
            except ValueError:
                raise ValueError(f"date {value!r}: write YYYY-MM for a month-only date") from None
        return data

    @field_validator("date")
    @classmethod
    def not_in_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today():
            raise ValueError(f"{value} is in the future")
        return value

    @field_validator("event_code", mode="before")
    @classmethod
    def known_code(cls, value: Any) -> str:
        code = str(value)
        if code not in cameo_codes():
            raise ValueError(f'CAMEO code {code!r} is not in the codebook (quote codes: "057")')
        return code

    @field_validator("actor1", "actor2")
    @classmethod
    def known_actor(cls, value: str) -> str:
        if value not in countries():
            raise ValueError(f"unknown actor code {value!r} (use ISO alpha-3 or an IGO code such as IGOUNO)")
        return value

    @model_validator(mode="after")
    def involves_focus(self) -> ChronologyRecord:
        if FOCUS not in (self.actor1, self.actor2) or self.actor1 == self.actor2:
            raise ValueError(f"one actor must be {FOCUS} and the other a partner")
        return self

    @model_validator(mode="after")
    def month_only_is_first_of_month(self) -> ChronologyRecord:
        if self.date_precision == "month" and self.date.day != 1:
            raise ValueError(f"date {self.date} has date_precision month: write it as {self.date:%Y-%m}")
        return self

    @model_validator(mode="after")
    def summit_is_a_meeting(self) -> ChronologyRecord:
        if self.summit and not self.event_code.startswith(("04", "05")):
            raise ValueError(f"summit: true needs a meeting or agreement code (04x/05x), not {self.event_code}")
        return self

    @property
    def partner(self) -> str:
        return self.actor2 if self.actor1 == FOCUS else self.actor1

    @property
    def stored_summary(self) -> str:
        """The summary as stored in the events table (month-only dates say so)."""
        return self.summary + MONTH_ONLY_NOTE if self.date_precision == "month" else self.summary


class ChronologyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str
    name: str
    notes: str | None = None
    events: list[ChronologyRecord]

    @model_validator(mode="after")
    def no_duplicates(self) -> ChronologyFile:
        seen: set[tuple[dt.date, str, str, str]] = set()
        for record in self.events:
            key = (record.date, record.actor1, record.actor2, record.event_code)
            if key in seen:
                raise ValueError(f"duplicate event {record.date} {record.actor1}->{record.actor2} {record.event_code}")
            seen.add(key)
        return self


@dataclass(frozen=True)
class Relationship:
    """One chronology file, parsed and validated."""

    stem: str
    partner: str
    name: str
    records: list[ChronologyRecord]
    sha256: str


def chronology_files() -> Iterator[Traversable]:
    folder = resources.files("dyadwatch").joinpath("data/chronology")
    yield from sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def read_relationship(file: Traversable) -> Relationship:
    """Parse and validate one chronology file; a bad record raises :class:`InputError` naming it."""
    raw = file.read_bytes()
    try:
        data = yaml.safe_load(raw)
        parsed = ChronologyFile.model_validate(data)
    except yaml.YAMLError as exc:
        raise InputError(file.name, f"not valid YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(file.name, f"{where}: {first['msg']} ({exc.error_count()} problem(s) in all)") from None
    return Relationship(
        file.name.removesuffix(".yaml"), parsed.partner, parsed.name, parsed.events, hashlib.sha256(raw).hexdigest()
    )


def relationships() -> list[Relationship]:
    return [read_relationship(f) for f in chronology_files()]


def event_id(stem: str, record: ChronologyRecord) -> str:
    return f"chronology:{stem}:{record.date.isoformat()}:{record.actor1}-{record.actor2}:{record.event_code}"


def to_frame(relationship: Relationship) -> pd.DataFrame:
    """The records of one relationship as staging rows for :meth:`Store.load_frame`."""
    codes = cameo_codes()
    names = countries()
    rows = []
    for line, record in enumerate(relationship.records, start=1):
        rows.append(
            {
                "event_id": event_id(relationship.stem, record),
                "source": "chronology",
                "date": record.date,
                "actor1": record.actor1,
                "actor2": record.actor2,
                "actor1_name": names[record.actor1].name,
                "actor2_name": names[record.actor2].name,
                "event_code": record.event_code,
                "quad_class": codes[record.event_code].quad_class,
                "goldstein": codes[record.event_code].goldstein,
                "weight": 1,
                "tone": None,
                "group_id": record.group_id,
                "summary": record.stored_summary,
                "reference": record.reference,
                "line": line,
            }
        )
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame["quad_class"] = frame["quad_class"].astype("int8")
    frame["tone"] = frame["tone"].astype(float)
    frame["group_id"] = frame["group_id"].astype(object)
    return frame


@lru_cache(maxsize=1)
def _bundled_summits() -> tuple[tuple[dt.date, str], ...]:
    return _summit_pairs(relationships())


def _summit_pairs(rels: list[Relationship]) -> tuple[tuple[dt.date, str], ...]:
    return tuple(sorted({(r.date, r.partner) for rel in rels for r in rel.records if r.summit}))


def summit_records(focus: str = FOCUS, rels: list[Relationship] | None = None) -> pd.DataFrame:
    """Leader-level summits flagged ``summit: true`` in the chronology (the bundled one by default).

    One row per (date, partner), columns ``date`` (Timestamp) and ``partner``; a summit told by
    two records (visit and host) is one row. The chronology is about North Korea, so another
    focus gets no rows.
    """
    pairs: tuple[tuple[dt.date, str], ...] = ()
    if focus.upper() == FOCUS:
        pairs = _bundled_summits() if rels is None else _summit_pairs(rels)
    frame = pd.DataFrame(list(pairs), columns=["date", "partner"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame
