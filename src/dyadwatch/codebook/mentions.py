"""Which partner a text is about (design §10, ``texts_partners``).

A versioned dictionary in package data (``codebook/data/partners-v2.json``) lists, per country,
its names, adjectives, capital and other metonyms ("Pentagon", "Kremlin"), historical names
("Soviet" → RUS, as design §2 stores the Soviet Union) and leaders with their years in office.
A leader's name counts only when the text's year is within one of the terms listed, so "Abe" in
2010 is not read as Japan's prime minister. English terms are case-sensitive regular expressions
on word boundaries (KCNA writes "south Korea" and "S. Korean", both listed); Korean terms (the
New Year addresses) are regular-expression fragments matched as substrings, since Korean attaches
particles to nouns; a lookbehind keeps a short name from matching inside another word. Precision and
recall on hand-labelled KCNA headlines are in ``docs/rhetoric.md``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

PARTNERS_FILE = "data/partners-v2.json"


@dataclass(frozen=True)
class Leader:
    """A leader's name and one term in office (first and last year, inclusive)."""

    partner: str
    name: str
    first: int
    last: int


@dataclass(frozen=True)
class PartnerDictionary:
    """The compiled dictionary: one alternation for names, one for Korean, leaders by name."""

    version: str
    names: re.Pattern[str]
    korean: re.Pattern[str] | None
    leaders: re.Pattern[str] | None
    by_group: dict[str, str]
    terms: dict[str, list[Leader]]

    def partners_of(self, text: str, year: int | None = None) -> dict[str, str]:
        """Partner code → how it was found (``name``, ``korean`` or ``leader``) in ``text``."""
        found: dict[str, str] = {}
        for match in self.names.finditer(text):
            found.setdefault(self.by_group[str(match.lastgroup)], "name")
        if self.korean is not None and _has_hangul(text):
            for match in self.korean.finditer(text):
                found.setdefault(self.by_group[str(match.lastgroup)], "korean")
        if self.leaders is not None:
            for match in self.leaders.finditer(text):
                for leader in self.terms[match.group(0)]:
                    if year is None or leader.first <= year <= leader.last:
                        found.setdefault(leader.partner, "leader")
        return found


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text[:2000])


@functools.cache
def partner_dictionary() -> PartnerDictionary:
    """The bundled dictionary, compiled once."""
    raw = json.loads(resources.files("dyadwatch.codebook").joinpath(PARTNERS_FILE).read_text("utf-8"))
    return build_dictionary(raw)


def build_dictionary(raw: dict[str, object]) -> PartnerDictionary:
    """Compile a dictionary in the layout of ``partners-v2.json``."""
    partners = raw["partners"]
    assert isinstance(partners, dict)
    name_parts: list[str] = []
    korean_parts: list[str] = []
    by_group: dict[str, str] = {}
    terms: dict[str, list[Leader]] = {}
    for code, entry in partners.items():
        group = f"p_{code}"
        by_group[group] = code
        # Longest first, so "Soviet Union" wins over "Soviet" (both map to the same code anyway).
        names = sorted(entry.get("names", []), key=len, reverse=True)
        if names:
            name_parts.append(f"(?P<{group}>{'|'.join(names)})")
        korean = entry.get("ko", [])
        if korean:
            korean_parts.append(f"(?P<{group}>{'|'.join(korean)})")
        for leader in entry.get("leaders", []):
            terms.setdefault(leader["name"], []).append(
                Leader(code, leader["name"], int(leader["from"]), int(leader["to"]))
            )
    # Word boundaries that also hold beside punctuation such as "U.S." (\b fails after a final dot).
    names_re = re.compile(r"(?<!\w)(?:" + "|".join(name_parts) + r")(?![\w])")
    korean_re = re.compile("|".join(korean_parts)) if korean_parts else None
    leaders_re = (
        re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in sorted(terms, key=len, reverse=True)) + r")\b")
        if terms
        else None
    )
    return PartnerDictionary(str(raw["version"]), names_re, korean_re, leaders_re, by_group, terms)


def partners_of(text: str, year: int | None = None) -> dict[str, str]:
    """Partners ``text`` is about, with the bundled dictionary (see :class:`PartnerDictionary`)."""
    return partner_dictionary().partners_of(text, year)
