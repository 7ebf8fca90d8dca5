"""The CAMEO event-code table: description, Goldstein score, root code and quad class.

The table shipped in ``codebook/data/cameo-codes.csv`` is the ICEWS CAMEO codebook from
andybega/icews (MIT; see ``codebook/data/PROVENANCE.md``). It has 312 codes with Goldstein (1992)
weights on the CAMEO scale. GDELT's own lookup files agree on every code except four weights
(``GDELT_GOLDSTEIN``), and GDELT lacks code 1213; one public copy of GDELT's lookup even merges
code 106 into the 1056 line. GDELT's descriptions of 101-103 and 105-108 are older CAMEO labels
(its 108 "Demand meeting, negotiation" is 106 here); the names here are CAMEO 1.1's, as ICEWS
rows print them. The tests check all of this against the real files.

Quad classes are not in the codebook; they follow from the root code with the GDELT convention
(roots 01-05 verbal cooperation, 06-08 material cooperation, 09-13 verbal conflict, 14-20
material conflict; GDELT 1.0 codebook, field QuadClass). A provider's own QuadClass is kept as
given; this derivation only fills gaps (design §2).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

# Where GDELT's CAMEO.goldsteinscale.txt differs from the ICEWS codebook (code -> GDELT weight).
GDELT_GOLDSTEIN = {"016": -2.0, "022": 3.2, "164": -7.0, "165": -6.5}


@dataclass(frozen=True)
class CameoCode:
    """One CAMEO event code."""

    code: str
    name: str
    goldstein: float
    root_code: str
    quad_class: int


def quad_class_of_root(root: str) -> int:
    """Quad class (1-4) of a two-digit CAMEO root code, by the GDELT convention."""
    number = int(root)
    if not 1 <= number <= 20:
        raise ValueError(f"CAMEO root codes run from 01 to 20, not {root!r}")
    if number <= 5:
        return 1
    if number <= 8:
        return 2
    if number <= 13:
        return 3
    return 4


@functools.cache
def cameo_codes() -> dict[str, CameoCode]:
    """All CAMEO codes, keyed by the code as text ("057", "0871")."""
    # The ICEWS copy is latin-1 (its example sentences hold mis-decoded characters).
    raw = resources.files("dyadwatch.codebook").joinpath("data/cameo-codes.csv").read_bytes()
    table: dict[str, CameoCode] = {}
    for row in csv.DictReader(io.StringIO(raw.decode("latin-1"))):
        code = row["code"].strip()
        table[code] = CameoCode(
            code=code,
            name=row["name"].strip(),
            goldstein=float(row["goldstein"]),
            root_code=row["root_code"].strip(),
            quad_class=quad_class_of_root(row["root_code"]),
        )
    return table


def root_code(code: str) -> str:
    """The two-digit root of a CAMEO code ("0871" -> "08")."""
    return code[:2]


def goldstein(code: str) -> float | None:
    """The Goldstein weight of a CAMEO code, or None for a code not in the codebook."""
    entry = cameo_codes().get(code)
    return entry.goldstein if entry else None


def quad_class(code: str) -> int | None:
    """The quad class of a CAMEO code, or None when its root is not a CAMEO root."""
    try:
        return quad_class_of_root(root_code(code))
    except ValueError:
        return None
