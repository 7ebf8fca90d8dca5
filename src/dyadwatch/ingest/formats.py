"""What each supported file format looks like, and how to tell them apart from the content.

Column names follow the GDELT 1.0 and 2.0 event codebooks and the ICEWS header row (design §2).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

_GDELT_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_GDELT_HEAD = (
    ("GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate")
    + tuple(f"Actor1{c}" for c in _GDELT_ACTOR)
    + tuple(f"Actor2{c}" for c in _GDELT_ACTOR)
    + (
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
    )
)


def _geo(prefix: str, adm2: bool) -> tuple[str, ...]:
    fields = ["Type", "FullName", "CountryCode", "ADM1Code"] + (["ADM2Code"] if adm2 else [])
    fields += ["Lat", "Long", "FeatureID"]
    return tuple(f"{prefix}Geo_{f}" for f in fields)


#: GDELT 1.0: 57 columns in the 1979-2013 backfiles, 58 (adds SOURCEURL) in daily files since April 2013.
GDELT1_COLUMNS: tuple[str, ...] = (
    _GDELT_HEAD + _geo("Actor1", False) + _geo("Actor2", False) + _geo("Action", False) + ("DATEADDED", "SOURCEURL")
)
#: GDELT 2.0: 61 columns (ADM2 codes added to each geography block).
GDELT2_COLUMNS: tuple[str, ...] = (
    _GDELT_HEAD + _geo("Actor1", True) + _geo("Actor2", True) + _geo("Action", True) + ("DATEADDED", "SOURCEURL")
)

#: The ICEWS columns dyadwatch reads (the files have more; they are ignored).
ICEWS_REQUIRED: tuple[str, ...] = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Country",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Country",
)

#: The POLECAT columns dyadwatch needs (besides ``Intensity`` or ``Event Intensity``); the files have
#: 40 or more, e.g. ``Event ID, Event Date, Event Type, Event Mode, Intensity, Quad Code, Contexts,
#: Actor Name, Actor Country, Actor COW, …, Recipient Name, Recipient Country, …, Language, Version``.
POLECAT_REQUIRED: tuple[str, ...] = (
    "Event ID",
    "Event Date",
    "Event Type",
    "Event Mode",
    "Actor Name",
    "Actor Country",
    "Recipient Name",
    "Recipient Country",
)

FORMATS: tuple[str, ...] = ("gdelt1", "gdelt2", "icews", "polecat", "csv")

# The GDELT formats and their version numbers (1.0: 57/58 fields, 2.0: 61): the one place that
# ties a format name to a version, for the readers and the event ids ("gdelt2:<GLOBALEVENTID>").
GDELT_VERSIONS: dict[str, int] = {"gdelt1": 1, "gdelt2": 2}


def gdelt_version(fmt: str | None) -> int | None:
    """The GDELT version (1 or 2) of a format name, or None when it is not a GDELT format."""
    return GDELT_VERSIONS.get(fmt or "")


@dataclass(frozen=True)
class Detected:
    """The outcome of format detection: the format and why it was chosen."""

    format: str
    reason: str


def detect_format(head: bytes) -> Detected | None:
    """Guess a file's format from its first bytes (a few lines), or None when nothing fits.

    GDELT files have no header and a fixed number of tab-separated fields: 57 or 58 for GDELT
    1.0, 61 for 2.0, with a numeric event id and an eight-digit SQLDATE first. ICEWS files have a
    tab-separated header starting with ``Event ID`` and naming ``CAMEO Code``; POLECAT files one
    starting with ``Event ID`` and naming ``Event Type`` and ``Event Mode``. Anything else with a comma- or
    tab-separated header is a ``csv`` that needs ``--map``.
    """
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line.rstrip("\r") for line in text.split("\n")[:50] if line.strip()]
    # The last line of a partial read may be cut short: judge on complete lines where possible.
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]
    if not lines:
        return None
    first = lines[0].split("\t")
    if first[0] == "Event ID" and "CAMEO Code" in first:
        return Detected("icews", "tab-separated header starting with 'Event ID'")
    if first[0] == "Event ID" and "Event Type" in first and "Event Mode" in first:
        return Detected("polecat", "tab-separated header with 'Event ID', 'Event Type' and 'Event Mode' (POLECAT)")
    # Judge GDELT by most lines, not all: one malformed row near the top must go to the rejects
    # like any other, not make the whole file unrecognisable.
    rows = [line.split("\t") for line in lines]
    widths = Counter(len(r) for r in rows if r[0].isdigit() and len(r) > 1 and len(r[1]) == 8 and r[1].isdigit())
    if widths.total() > len(rows) / 2:
        if widths[57] + widths[58] > len(rows) / 2:
            return Detected(
                "gdelt1", f"{sorted(w for w in widths if w in (57, 58))} tab-separated fields per line (GDELT 1.0)"
            )
        if widths[61] > len(rows) / 2:
            return Detected("gdelt2", "61 tab-separated fields per line (GDELT 2.0)")
        return None
    if "," in lines[0] or "\t" in lines[0]:
        return Detected("csv", "delimited text with a header row")
    return None
