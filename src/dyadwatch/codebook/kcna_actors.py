"""Who a KCNA headline names: foreign parties (ISO alpha-3 or CAMEO IGO codes) and the North Korean side.

The coder of ``dyadwatch code-texts`` (issue 27) needs more than :mod:`dyadwatch.codebook.mentions`
(which partners a text is about): it needs *where* each party is named, so that the rules can tell
"Greetings **to** Nepalese Foreign Minister" from "Gift **from** Nigerian head of state", and it
needs the North Korean side, which KCNA names in its own ways (the WPK, the KPA, Rodong Sinmun,
KCNA itself, ministers by name, Chongryon and the Koreans in Japan, which the issue counts as North
Korean). One dictionary, built from three sources:

* the crosswalk's names and aliases (``countries.csv``: "Russian Federation", "Burma", "GDR"),
* the partner dictionary's names, adjectives, capitals and leaders (``partners-v2.json``),
* ``kcna-actors-v1.json``: demonyms and capitals the other two lack, historical names (Kampuchea,
  Zaire, Yugoslav, Czechoslovak), UN bodies, ASEAN, the EU, KCNA's idioms ("puppets" and
  "Chongwadae" are South Korea's), officials on both sides, and phrases that name no party
  ("Anti-Japanese War", "Korean War", "Koreans in China").

Matching is case-sensitive on word boundaries, longest term first, and a term never matches inside
a longer one already taken, so "S. Korean" is South Korea and never the "Korean" of the North. A
leader with a one-word name ("Abe", "Bush") counts only within his terms, one year either side; a
full name ("Kim Dae Jung") counts in any year.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources

from dyadwatch.codebook.countries import countries

ACTORS_FILE = "data/kcna-actors-v1.json"
PARTNERS_FILE = "data/partners-v2.json"
#: The code of North Korea's side.
PRK = "PRK"
#: The code of a phrase that names no party ("Korean War"); such spans are matched and dropped.
NOT_A_PARTY = "-"


@dataclass(frozen=True)
class Mention:
    """One party named in a headline: its code, where it stands, and the words."""

    code: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ActorDictionary:
    """The compiled dictionary: one alternation of every term, each term's code, leaders by name."""

    version: str
    pattern: re.Pattern[str]
    codes: dict[str, str]
    leaders: dict[str, list[tuple[str, int, int]]]
    #: Every term compiled once, in the order of ``codes`` (re's own cache holds 512 patterns and
    #: thrashed on the 963 terms: 30 ms a headline, 95 % of the coder's time).
    compiled: tuple[tuple[re.Pattern[str], str], ...] = field(default=(), compare=False)
    #: Words → code of the terms matched as regexes (year-independent, so cached per words).
    _resolved: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.compiled:
            object.__setattr__(self, "compiled", tuple((re.compile(t), c) for t, c in self.codes.items()))

    def mentions(self, headline: str, year: int | None = None) -> list[Mention]:
        """Every party named in ``headline``, left to right; phrases that name none are left out."""
        found: list[Mention] = []
        for match in self.pattern.finditer(headline):
            words = match.group(0)
            code = self.codes.get(words)
            if code is None:  # a regex term: find which one matched
                code = self._code_of(words, year)
            if code is None or code == NOT_A_PARTY:
                continue
            found.append(Mention(code, match.start(), match.end(), words))
        return found

    def _code_of(self, words: str, year: int | None) -> str | None:
        if words in self.leaders:
            for partner, first, last in self.leaders[words]:
                if year is None or first - 1 <= year <= last + 1:
                    return partner
            return None
        if words not in self._resolved:
            self._resolved[words] = next((code for term, code in self.compiled if term.fullmatch(words)), None)
        return self._resolved[words]


def _is_regex(term: str) -> bool:
    return any(ch in term for ch in "\\[]?*+(){}|")


def build_actor_dictionary(
    actors: dict[str, object], partners: dict[str, object], crosswalk: dict[str, tuple[str, ...]]
) -> ActorDictionary:
    """Compile the dictionary from the three sources (see the module docstring); later sources
    do not override a term an earlier one gave: KCNA's own list first, then the partners, then
    the crosswalk."""
    terms: dict[str, str] = {}

    def add(term: str, code: str) -> None:
        if term and term not in terms:
            terms[term] = code

    for term in actors.get("not_parties", []):  # type: ignore[attr-defined]
        add(re.escape(term), NOT_A_PARTY)
    for term in actors.get("prk", []):  # type: ignore[attr-defined]
        add(term, PRK)
    for code, names in actors.get("foreign", {}).items():  # type: ignore[attr-defined]
        for term in names:
            add(term, code)
    leaders: dict[str, list[tuple[str, int, int]]] = {}
    for code, entry in partners.get("partners", {}).items():  # type: ignore[attr-defined]
        for term in entry.get("names", []):
            add(term, code)
        for leader in entry.get("leaders", []):
            name = leader["name"]
            if " " in name:  # a full name: the country's in any year
                add(re.escape(name), code)
            else:
                leaders.setdefault(name, []).append((code, int(leader["from"]), int(leader["to"])))
    for leader in actors.get("leaders", []):  # type: ignore[attr-defined]
        leaders.setdefault(leader["name"], []).append((leader["partner"], int(leader["from"]), int(leader["to"])))
    for code, names in crosswalk.items():
        for name in names:
            if len(name) > 3 and "," not in name:  # codes and inverted names ("Congo, Republic of") are not prose
                add(re.escape(name), code)
    plain = {term: code for term, code in terms.items() if not _is_regex(term)}
    regex = {term: code for term, code in terms.items() if _is_regex(term)}
    # Literal terms are stored unescaped for the exact look-up; every term joins one alternation.
    literal = {re.sub(r"\\(.)", r"\1", term): code for term, code in plain.items()}
    alternatives = sorted(
        [*plain, *regex, *(re.escape(name) for name in leaders)],
        key=lambda t: len(re.sub(r"\\(.)", r"\1", t)),
        reverse=True,
    )
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(alternatives) + r")(?![\w])")
    return ActorDictionary(str(actors.get("version", "")), pattern, {**literal, **regex}, leaders)


@functools.cache
def actor_dictionary() -> ActorDictionary:
    """The bundled dictionary, compiled once."""
    package = resources.files("dyadwatch.codebook")
    actors = json.loads(package.joinpath(ACTORS_FILE).read_text("utf-8"))
    partners = json.loads(package.joinpath(PARTNERS_FILE).read_text("utf-8"))
    crosswalk = {
        code: (entry.name, *entry.aliases)
        for code, entry in countries().items()
        if code != PRK and entry.kind in ("state", "historical", "igo")
    }
    return build_actor_dictionary(actors, partners, crosswalk)


def mentions(headline: str, year: int | None = None) -> list[Mention]:
    """Parties named in ``headline`` with the bundled dictionary (see :class:`ActorDictionary`)."""
    return actor_dictionary().mentions(headline, year)
