"""One country crosswalk: ISO alpha-3 (dyadwatch's code), ISO alpha-2, FIPS 10-4, COW and
Gleditsch-Ward numbers, and every name data providers use.

The trap this module exists for: ICEWS names countries ("Russian Federation", "North Korea"),
GDELT uses CAMEO codes (``PRK``) in actor fields but FIPS codes (``KN``) in its geography fields,
and COW/GW numbers (731 North Korea, 732 South Korea) key the peace-science datasets. Design §2
stores the Soviet Union as ``RUS``; East Germany, Yugoslavia and Czechoslovakia keep their ISO
3166-3 codes (``DDR``, ``YUG``, ``CSK``); international bodies use CAMEO IGO codes (``IGOUNO``).
The table is built by ``scripts/build_crosswalk.py`` (provenance in ``data/PROVENANCE.md``).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from dyadwatch.errors import UsageError


@dataclass(frozen=True)
class Country:
    """One row of the crosswalk."""

    code: str
    kind: str  # "state", "historical" or "igo"
    name: str
    iso2: str | None
    fips: str | None
    cow: int | None
    gw: int | None
    aliases: tuple[str, ...]


#: CAMEO country codes (GDELT's ``Actor1CountryCode``) that are not the ISO alpha-3 code of the same
#: place, from GDELT's CAMEO.country.txt. The GDELT reader and :func:`to_code` translate them, so
#: that GDELT's Romania (``ROM``) meets the chronology's (``ROU``).
CAMEO_DIFFERS: dict[str, str] = {"ROM": "ROU", "MTN": "MNE", "TMP": "TLS", "IMY": "IMN", "WSB": "PSE", "GZS": "PSE"}


def _int_or_none(text: str) -> int | None:
    return int(text) if text else None


@functools.cache
def _crosswalk_text() -> str:
    """The crosswalk file (``data/countries.csv``), read once for :func:`countries` and :func:`known_codes`."""
    return resources.files("dyadwatch.codebook").joinpath("data/countries.csv").read_text("utf-8")


@functools.cache
def countries() -> dict[str, Country]:
    """The crosswalk keyed by dyadwatch code (ISO alpha-3 or IGO code)."""
    table: dict[str, Country] = {}
    for row in csv.DictReader(io.StringIO(_crosswalk_text())):
        table[row["code"]] = Country(
            code=row["code"],
            kind=row["kind"],
            name=row["name"],
            iso2=row["iso2"] or None,
            fips=row["fips"] or None,
            cow=_int_or_none(row["cow"]),
            gw=_int_or_none(row["gw"]),
            aliases=tuple(row["aliases"].split("|")),
        )
    return table


@functools.cache
def _lookup() -> dict[str, str]:
    """Every way of naming a country, lower-cased, to its dyadwatch code."""
    index: dict[str, str] = {}
    # States first, so that a historical alias never shadows a current state.
    ordered = sorted(countries().values(), key=lambda c: {"state": 0, "historical": 1, "igo": 2}[c.kind])
    for entry in ordered:
        keys = [entry.code, entry.name, *entry.aliases]
        if entry.kind == "igo":
            keys.append(entry.code.removeprefix("IGO"))
        for key in keys:
            index.setdefault(key.lower(), entry.code)
    for cameo, iso3 in CAMEO_DIFFERS.items():
        index.setdefault(cameo.lower(), iso3)
    return index


@functools.cache
def _by_number(system: str) -> dict[int, str]:
    index: dict[int, str] = {}
    for entry in countries().values():
        number = entry.cow if system == "cow" else entry.gw
        # Prefer current states over historical ones that share a number.
        if number is not None and (number not in index or entry.kind == "state"):
            index[number] = entry.code
    return index


@functools.cache
def _by_fips() -> dict[str, str]:
    return {entry.fips: entry.code for entry in countries().values() if entry.fips}


def to_code(value: str | int, system: str = "auto") -> str | None:
    """Translate a name, ISO/CAMEO code, FIPS code, COW or GW number to a dyadwatch code.

    ``system`` is ``"auto"`` (codes and names), ``"fips"``, ``"cow"`` or ``"gw"``. Returns None
    when the value is unknown, so that callers can keep the raw name instead of guessing.
    """
    if system in ("cow", "gw"):
        return _by_number(system).get(int(value))
    text = str(value).strip()
    if system == "fips":
        return _by_fips().get(text.upper())
    return _lookup().get(text.lower())


def country(value: str) -> Country:
    """The crosswalk row for a code or name; raises :class:`UsageError` for an unknown one."""
    code = to_code(value)
    if code is None:
        raise UsageError(f"unknown country or organisation {value!r}: use an ISO alpha-3 code such as PRK, CHN, RUS")
    return countries()[code]


def suggest(value: str, limit: int = 3) -> list[str]:
    """The known codes nearest to ``value``, as ``"RUS (Russia)"``: a name or alias maps to its
    code first, then the closest codes and names by spelling (:mod:`difflib`)."""
    import difflib

    table = countries()
    found: list[str] = []
    exact = to_code(value)
    if exact is not None:
        found.append(exact)
    index = _lookup()
    text = value.strip().lower()
    # A code-like value is compared with codes, a longer one with names and aliases.
    keys = [k for k in index if (len(k) <= 3) == (len(text) <= 3)]
    if len(text) <= 3:  # codes: letters in the same place count most (RUA → RUS, not USA)
        scored = [(sum(a == b for a, b in zip(text, key, strict=False)), key) for key in keys]
        close = [key for score, key in sorted(scored, key=lambda item: (-item[0], item[1])) if score >= 2]
    else:
        close = difflib.get_close_matches(text, keys, n=limit * 3, cutoff=0.6)
    for key in close:
        code = index[key]
        if code not in found:
            found.append(code)
    return [f"{code} ({table[code].name})" for code in found[:limit] if code in table]


@functools.cache
def known_codes() -> frozenset[str]:
    """The crosswalk's codes alone: the first field of each line, without building its rows (the
    check of a command's country argument costs ~1 ms instead of ~10)."""
    return frozenset(line.split(",", 1)[0] for line in _crosswalk_text().splitlines()[1:] if line)


def check_code(value: str, option: str = "country") -> str:
    """``value`` as a known dyadwatch code (upper-cased); a :class:`UsageError` naming the code and
    the nearest known ones otherwise ("Russia" → "did you mean RUS (Russia)?")."""
    code = str(value).strip().upper()
    if code in known_codes() or code in CAMEO_DIFFERS:
        return CAMEO_DIFFERS.get(code, code)
    hints = suggest(str(value))
    hint = f"; did you mean {' or '.join(hints)}?" if hints else "; use an ISO alpha-3 code such as PRK, CHN, RUS"
    raise UsageError(f"{option}: unknown country code {str(value).strip()!r}{hint}")
