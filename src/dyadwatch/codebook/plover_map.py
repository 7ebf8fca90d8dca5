"""PLOVER type (and mode) → the CAMEO code stored in ``events.event_code``, with its Goldstein weight.

Events coded from texts (``dyadwatch code-texts``, issue 27) are typed in PLOVER, the ontology of
the PLOVER manual (``PLOVER_MANUAL.tex``: 16 types, modes per type). Every analysis of dyadwatch
reads CAMEO codes, Goldstein weights and quad classes, so each type is stored as the CAMEO code it
corresponds to, chosen from the PLOVER project's own CAMEO → PLOVER table (``CAMEO2PLOVER-2021.txt``)
read backwards: the generic code of the CAMEO root that the type's codes sit under, or a more
specific code where the mode says more (CONSULT *visit* is 042 "Make a visit", *phone* is 041).
The Goldstein weight and quad class are then the CAMEO codebook's for that code
(:mod:`dyadwatch.codebook.cameo`), exactly as for GDELT or ICEWS events, so a Goldstein series of
``kcna`` events is on the same scale as the others. The PLOVER type and mode are kept beside the
event (table ``coded_events``).

Two choices the PLOVER table leaves open:

* SUPPORT spans CAMEO 050-057. Most KCNA SUPPORT items are messages, greetings and praise, so the
  type maps to 051 "Praise or endorse" (3.4), not 057 "Sign formal agreement" (8.0), which would
  weigh every birthday greeting like a treaty.
* CONCEDE and RETREAT share root 08; CONCEDE maps to 080 "Yield", RETREAT to 084 "Return, release".
  SANCTION maps to 160 "Reduce relations"; ASSAULT to 190 "Use conventional military force" (the
  military root, since KCNA's ASSAULT items are shelling and armed clashes, not street violence).
"""

from __future__ import annotations

from dataclasses import dataclass

from dyadwatch.codebook.cameo import cameo_codes
from dyadwatch.codebook.plover import PLOVER_QUAD

#: The CAMEO code of each PLOVER type (see the module docstring for the choices).
PLOVER_TO_CAMEO: dict[str, str] = {
    "AGREE": "030",
    "CONSULT": "040",
    "SUPPORT": "051",
    "CONCEDE": "080",
    "COOPERATE": "060",
    "AID": "070",
    "RETREAT": "084",
    "REQUEST": "100",
    "ACCUSE": "111",
    "REJECT": "120",
    "THREATEN": "130",
    "PROTEST": "140",
    "SANCTION": "160",
    "MOBILIZE": "150",
    "COERCE": "170",
    "ASSAULT": "190",
}

#: Where a mode names a more specific CAMEO code than its type's.
PLOVER_MODE_TO_CAMEO: dict[tuple[str, str], str] = {
    ("CONSULT", "visit"): "042",
    ("CONSULT", "phone"): "041",
    ("ACCUSE", "allege"): "112",
    ("REQUEST", "change"): "104",
    ("REQUEST", "meet"): "106",
    ("REJECT", "meet"): "125",
    ("THREATEN", "violence"): "138",
    ("PROTEST", "demo"): "141",
    ("MOBILIZE", "troops"): "152",
    ("SANCTION", "withdraw"): "161",
    ("COERCE", "arrest"): "173",
    ("COERCE", "seize"): "171",
    ("RETREAT", "release"): "0841",
    ("ASSAULT", "heavy-weapons"): "194",
}

PLOVER_TYPES: tuple[str, ...] = tuple(PLOVER_TO_CAMEO)


@dataclass(frozen=True)
class CameoEquivalent:
    """What a PLOVER type and mode are stored as: CAMEO code, root, Goldstein weight, quad class."""

    code: str
    root: str
    goldstein: float
    quad_class: int


def cameo_for(plover_type: str, mode: str | None = None) -> CameoEquivalent:
    """The CAMEO code, Goldstein weight and quad class a PLOVER type (and mode) is stored as.

    A ValueError for a type that is not one of the 16 PLOVER types.
    """
    category = plover_type.strip().upper()
    if category not in PLOVER_TO_CAMEO:
        raise ValueError(f"not a PLOVER type: {plover_type!r} (use one of {', '.join(PLOVER_TYPES)})")
    code = PLOVER_MODE_TO_CAMEO.get((category, (mode or "").strip().lower()), PLOVER_TO_CAMEO[category])
    entry = cameo_codes()[code]
    return CameoEquivalent(code, entry.root_code, entry.goldstein, entry.quad_class)


def mapping_rows() -> list[tuple[str, str, str, float, int, int]]:
    """(type, mode, CAMEO code, Goldstein, CAMEO quad class, PLOVER quad class) for the docs table."""
    rows = []
    for category in PLOVER_TYPES:
        modes = [""] + [mode for (cat, mode) in PLOVER_MODE_TO_CAMEO if cat == category]
        for mode in modes:
            equivalent = cameo_for(category, mode)
            rows.append(
                (category, mode, equivalent.code, equivalent.goldstein, equivalent.quad_class, PLOVER_QUAD[category])
            )
    return rows
