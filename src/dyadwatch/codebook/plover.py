"""PLOVER event categories: quad class and conflict–cooperation score (POLECAT's ontology).

Both come from the PLOVER manual (``PLOVER_MANUAL.tex`` of openeventdata/PLOVER, CC BY-SA 4.0;
the tests read a copy in ``tests/data/plover``), described in Halterman, Bagozzi, Beger, Schrodt &
Scarborough (2023), "PLOVER and POLECAT: A New Political Event Ontology and Dataset":

* **Quad class**: each category's chapter ends with its "Quad category"; AGREE, CONSULT,
  SUPPORT and CONCEDE are verbal cooperation (1); COOPERATE, AID and RETREAT material cooperation
  (2); REQUEST, ACCUSE, REJECT and THREATEN verbal conflict (3); PROTEST, SANCTION, MOBILIZE,
  COERCE and ASSAULT material conflict (4).
* **Score**: the table "PLOVER conflict–cooperation scores" (``tab:ploverscores``), one score
  per category and one per category and mode, on the Goldstein −10…+10 scale. A mode the table
  lists gets its own score; any other mode gets its category's.

One deliberate reading: the table prints ACCUSE's category score as **3**, while its modes are
−2 (disapprove) and −3.5 (investigate, allege), its quad category is verbal conflict and the
manual's earlier table (commented out in the source) gave −2.0. The printed 3 is evidently a lost
minus sign, so ACCUSE is scored **−3** here.
"""

from __future__ import annotations

#: Quad class of each PLOVER category (the "Quad category" line of its chapter).
PLOVER_QUAD: dict[str, int] = {
    "AGREE": 1,
    "CONSULT": 1,
    "SUPPORT": 1,
    "CONCEDE": 1,
    "COOPERATE": 2,
    "AID": 2,
    "RETREAT": 2,
    "REQUEST": 3,
    "ACCUSE": 3,
    "REJECT": 3,
    "THREATEN": 3,
    "PROTEST": 4,
    "SANCTION": 4,
    "MOBILIZE": 4,
    "COERCE": 4,
    "ASSAULT": 4,
}

#: Category scores of table ``tab:ploverscores`` (ACCUSE: −3, see the module docstring).
PLOVER_SCORE: dict[str, float] = {
    "AGREE": 2.5,
    "CONSULT": 2.5,
    "SUPPORT": 5.0,
    "CONCEDE": 4.5,
    "COOPERATE": 9.5,
    "AID": 10.0,
    "RETREAT": 6.5,
    "REQUEST": 0.0,
    "ACCUSE": -3.0,
    "REJECT": -2.0,
    "THREATEN": -3.5,
    "PROTEST": -5.0,
    "SANCTION": -6.0,
    "MOBILIZE": -5.5,
    "COERCE": -7.0,
    "ASSAULT": -9.0,
}

#: Category + mode scores of the same table (modes in lower case, as POLECAT writes them).
PLOVER_MODE_SCORE: dict[tuple[str, str], float] = {
    ("CONSULT", "visit"): 4.0,
    ("CONSULT", "third-party"): 1.0,
    ("CONSULT", "multilateral"): 4.0,
    ("CONSULT", "phone"): 1.5,
    ("RETREAT", "withdraw"): 8.0,
    ("RETREAT", "release"): 6.5,
    ("RETREAT", "disarm"): 10.0,
    ("RETREAT", "ceasefire"): 7.5,
    ("RETREAT", "access"): 6.5,
    ("RETREAT", "resign"): 4.5,
    ("REQUEST", "assist"): 0.5,
    ("REQUEST", "change"): -1.0,
    ("REQUEST", "yield"): -1.0,
    ("REQUEST", "meet"): 0.0,
    ("ACCUSE", "disapprove"): -2.0,
    ("ACCUSE", "investigate"): -3.5,
    ("ACCUSE", "allege"): -3.5,
    ("REJECT", "assist"): -1.5,
    ("REJECT", "change"): -2.0,
    ("REJECT", "yield"): -2.0,
    ("REJECT", "meet"): -2.0,
    ("THREATEN", "restrict"): -3.0,
    ("THREATEN", "arrest"): -3.5,
    ("THREATEN", "relations"): -3.5,
    ("THREATEN", "expel"): -3.5,
    ("THREATEN", "territory"): -4.0,
    ("THREATEN", "violence"): -3.5,
    ("PROTEST", "demo"): -5.0,
    ("PROTEST", "riot"): -7.0,
    ("PROTEST", "strike"): -5.0,
    ("PROTEST", "hunger"): -4.5,
    ("PROTEST", "boycott"): -4.5,
    ("PROTEST", "obstruct"): -4.5,
    ("SANCTION", "convict"): -6.0,
    ("SANCTION", "expel"): -5.5,
    ("SANCTION", "withdraw"): -6.0,
    ("SANCTION", "discontinue"): -6.0,
    ("MOBILIZE", "troops"): -6.5,
    ("MOBILIZE", "weapons"): -6.5,
    ("MOBILIZE", "police"): -5.5,
    ("MOBILIZE", "militia"): -6.0,
    ("COERCE", "seize"): -7.0,
    ("COERCE", "restrict"): -7.0,
    ("COERCE", "censor"): -6.5,
    ("COERCE", "curfew"): -6.5,
    ("COERCE", "martial-law"): -7.5,
    ("COERCE", "arrest"): -7.0,
    ("COERCE", "deport"): -7.0,
    ("COERCE", "withhold"): -7.0,
    ("COERCE", "misinformation"): -6.5,
    ("COERCE", "cyber"): -7.0,
    ("ASSAULT", "abduct"): -8.5,
    ("ASSAULT", "beat"): -7.5,
    ("ASSAULT", "torture"): -8.5,
    ("ASSAULT", "sexual"): -8.5,
    ("ASSAULT", "targeted"): -9.5,
    ("ASSAULT", "destroy"): -8.5,
    ("ASSAULT", "primitive"): -8.0,
    ("ASSAULT", "firearms"): -9.0,
    ("ASSAULT", "explosives"): -9.0,
    ("ASSAULT", "suicide-attack"): -9.5,
    ("ASSAULT", "aerial"): -9.5,
    ("ASSAULT", "drone"): -9.5,
    ("ASSAULT", "heavy-weapons"): -9.5,
    ("ASSAULT", "crowd-control"): -7.5,
    ("ASSAULT", "unconventional"): -10.0,
}


def normal_mode(mode: str | None) -> str:
    """POLECAT's mode text in the table's spelling: lower case, words joined by hyphens."""
    return "-".join((mode or "").strip().lower().replace("_", " ").split())


def plover_score(event_type: str, mode: str | None = None) -> float | None:
    """The manual's score for a category and mode (the category's when the mode has none)."""
    category = event_type.strip().upper()
    return PLOVER_MODE_SCORE.get((category, normal_mode(mode)), PLOVER_SCORE.get(category))


def plover_rows() -> list[tuple[str, str, int, float]]:
    """(category, mode, quad class, score) rows for a SQL lookup; mode ``''`` is the category's row."""
    rows = [(category, "", PLOVER_QUAD[category], score) for category, score in PLOVER_SCORE.items()]
    rows += [(category, mode, PLOVER_QUAD[category], score) for (category, mode), score in PLOVER_MODE_SCORE.items()]
    return rows
