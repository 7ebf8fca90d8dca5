"""The bundled chronology: one YAML file per relationship, validated, loaded like any source.

Each record must carry a reference a reader can check; the schema below rejects a record with a
future or impossible date, a code missing from the CAMEO codebook, an unknown country, or an
empty reference (issue 3). The file format is described in ``docs/chronology-format.md``.

Issue 26: :data:`KINDS` is the table of recurring kinds of event and the one code each gets
(``docs/chronology-format.md`` prints it; ``tests/test_chronology.py`` holds every record of those
kinds to it), and :func:`visit_repeats` finds a visit told by more than one arrival or host record.

Two optional fields (issue 9): ``date_precision: month`` for an event known only to the month
(written ``1978-03``; stored on the first of the month with :data:`MONTH_ONLY_NOTE` appended to
its summary, so the events schema is unchanged), and ``summit: true`` for a leader-level meeting,
which :func:`summit_records` hands to the ``summit`` condition of the circumstances analysis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
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
        # libyaml's parser (when PyYAML was built with it) with the same safe constructor: the same
        # data, eight times faster; the 66 bundled files are read by every demo, ingest and report.
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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


# --- issue 26: one code per kind ------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A recurring kind of event, how a record of it is recognised, and the one code it gets.

    A record is of this kind when its summary matches ``pattern`` and not ``exclude`` (and, where
    ``only_codes`` is set, its code is one of those: a rule that depends on the act as coded, such
    as "talks held on a later day of a visit", not on the arrival record of the same visit).
    ``codes`` are the allowed codes (usually one; a second one is named in ``rule``).
    """

    name: str
    codes: tuple[str, ...]
    rule: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None = None
    only_codes: tuple[str, ...] | None = None

    def matches(self, record: ChronologyRecord) -> bool:
        if self.only_codes is not None and record.event_code not in self.only_codes:
            return False
        if not self.pattern.search(record.summary):
            return False
        return self.exclude is None or not self.exclude.search(record.summary)


def _re(pattern: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


#: Sanctions resolutions of the Security Council (the numbers of ``triggers/un_resolutions.csv``
#: with kind ``sanctions``).
SANCTIONS_RESOLUTIONS = ("1695", "1718", "1874", "2087", "2094", "2270", "2321", "2356", "2371", "2375", "2397")

#: The table of recurring kinds (``docs/chronology-format.md``, "One code per kind").
KINDS: tuple[Kind, ...] = (
    Kind(
        "visit (arrival)",
        ("042", "043"),
        "visitor 042 → host and host 043 → visitor, both dated on the day of arrival; one record of "
        "each per visit (later days are talks, signings or meetings)",
        _re(r"^$"),  # recognised by its code: see visit_repeats()
    ),
    Kind(
        "talks on a visit or at a meeting",
        ("046",),
        "046 engage in negotiation, for talks recorded on their own (not the arrival record)",
        _re(r"\b(hold|holds|held) (summit |official |formal )?talks\b"),
        only_codes=("040", "044", "046", "050", "051"),
    ),
    Kind(
        "message of greeting",
        ("051",),
        "051 praise or endorse, sender → addressee (a message that carries a proposal takes the "
        "proposal's code, e.g. 036 intent to meet)",
        _re(r"\bmessages?\b.*\b(anniversary|birthday|New Year|national day)\b"),
        exclude=_re(r"\b(ready to visit|invit\w*|propos\w*)\b"),
    ),
    Kind(
        "guest at a military parade",
        ("017", "044"),
        "017 engage in symbolic act, guest → host, dated on the parade day, one record per guest; two "
        "guests meeting at a third state's parade: 044",
        _re(r"\bparade\b"),
        exclude=_re(r"\b(sidelines|after the|before)\b"),
    ),
    Kind(
        "hotline cut",
        ("161",),
        "161 reduce or break diplomatic relations, the side that cuts or stops answering → the other",
        _re(r"\b(cuts?|severs?|stops answering)\b.*\b(hotlines?|communication lines)\b"),
    ),
    Kind(
        "hotline reopened",
        ("050",),
        "050 engage in diplomatic cooperation, each side that restores the line → the other",
        _re(r"\b(reopens?|restores?|restore|resumes?)\b.*\b(hotlines?|communication lines)\b"),
    ),
    Kind(
        "expulsion of a diplomat",
        ("174",),
        "174 expel or deport individuals, expelling state → the diplomat's state",
        _re(r"persona non grata|\bexpels? .*\b(ambassador|diplomats?)\b"),
    ),
    Kind(
        "third state recognises Seoul",
        ("161",),
        "161, partner → PRK: the end of exclusive recognition of Pyongyang",
        _re(r"establish(es)? (full )?diplomatic (relations|ties) with (South Korea|Seoul)"),
    ),
    Kind(
        "diplomatic relations established with the DPRK",
        ("054",),
        "054 grant diplomatic recognition, both directions",
        _re(r"\bestablish\w* (full )?diplomatic relations\b"),
        exclude=_re(r"with (South Korea|Seoul)"),
    ),
    Kind(
        "veto that protects the DPRK",
        ("050",),
        "050, vetoing state → PRK, one record per vetoing state and no IGOUNO record",
        _re(r"\bveto"),
    ),
    Kind(
        "Security Council sanctions resolution",
        ("163",),
        "163 impose embargo, boycott or sanctions, IGOUNO → PRK and each member's vote for it → PRK",
        _re(rf"Security Council Resolution ({'|'.join(SANCTIONS_RESOLUTIONS)})\b"),
    ),
    Kind(
        "Security Council demand to cease fire (Resolution 82)",
        ("1056",),
        "1056 demand de-escalation of military engagement",
        _re(r"Security Council Resolution 82\b"),
    ),
    Kind(
        "treaty signed",
        ("057",),
        "057 sign formal agreement, each signatory → the other",
        _re(r"\bsign\w*\b.*\btreaty\b"),
        exclude=_re(r"\b(ratif\w*|anniversary)\b"),
    ),
    Kind(
        "aid pledged",
        ("0333",),
        "0333 express intent to provide humanitarian aid, donor → PRK (an aid delivery: 073)",
        _re(r"\b(pledges?|announces?|will donate|offers?)\b.*\b(aid|rice|food|tonnes)\b"),
        exclude=_re(r"communiqu"),
    ),
)


def kind_of(record: ChronologyRecord) -> Kind | None:
    """The first kind of :data:`KINDS` whose description the record matches (None: no recurring kind)."""
    for kind in KINDS:
        if kind.matches(record):
            return kind
    return None


def visit_repeats(rels: list[Relationship], days: int = 7) -> list[tuple[str, ChronologyRecord, ChronologyRecord]]:
    """Pairs of arrival (042) or host (043) records of one visit: same file, code and direction within ``days``.

    A visit has one of each, dated on the day of arrival (issue 26); a second one is a later day
    of the same visit coded as if the guest arrived again.
    """
    found = []
    for rel in rels:
        records = sorted((r for r in rel.records if r.event_code in ("042", "043")), key=lambda r: r.date)
        for i, first in enumerate(records):
            for later in records[i + 1 :]:
                if (later.date - first.date).days > days:
                    break
                if (later.event_code, later.actor1, later.actor2) == (first.event_code, first.actor1, first.actor2):
                    found.append((rel.stem, first, later))
    return found


# --- issue 26: weak references, counted so that their number can only go down ----------------------

_MONTH_NAMES = "January|February|March|April|May|June|July|August|September|October|November|December"
_REFERENCE_DAY = re.compile(rf"\b(\d{{1,2}}) ({_MONTH_NAMES}) (\d{{4}})\b")
#: Outlets that relay KCNA for Pyongyang (Chongryon's papers and sites, Pyongyang's own portals).
_RELAY = re.compile(
    r"\b(Korea News Service|KNS|Choson Sinbo|People's Korea|Uriminzokkiri|Naenara|kcna\.co\.jp|KCNA Watch)\b"
)
#: Why a reference is weak (the checks of :func:`weak_references`).
WEAKNESSES = {
    "wikipedia_only": "cites Wikipedia only",
    "bare_outlet_date": "a bare 'outlet, date' with no title, author or document",
    "pyongyang_relay": "a pro-Pyongyang relay of KCNA",
    "announced_before": "only reports dated before the event (an announcement, not the act)",
}


def _reference_days(reference: str) -> list[dt.date]:
    days = []
    months = _MONTH_NAMES.split("|")
    for day, month, year in _REFERENCE_DAY.findall(reference):
        try:
            days.append(dt.date(int(year), months.index(month) + 1, int(day)))
        except ValueError:
            continue
    return days


def weaknesses(record: ChronologyRecord) -> list[str]:
    """The keys of :data:`WEAKNESSES` that apply to a record's reference (empty: none found)."""
    ref = record.reference
    found = []
    if ref.startswith("Wikipedia") and ";" not in ref:
        found.append("wikipedia_only")
    if ";" not in ref and re.fullmatch(rf"[^,;()']+, (\d{{1,2}} )?({_MONTH_NAMES}) \d{{4}}", ref):
        found.append("bare_outlet_date")
    if _RELAY.search(ref):
        found.append("pyongyang_relay")
    days = _reference_days(ref)
    if days and record.date_precision == "day" and max(days) < record.date:
        found.append("announced_before")
    return found


def weak_references(rels: list[Relationship] | None = None) -> dict[str, list[tuple[str, ChronologyRecord]]]:
    """Records with a weak reference, by weakness (a record can be in several lists)."""
    result: dict[str, list[tuple[str, ChronologyRecord]]] = {key: [] for key in WEAKNESSES}
    for rel in relationships() if rels is None else rels:
        for record in rel.records:
            for key in weaknesses(record):
                result[key].append((rel.stem, record))
    return result
