"""Measurements of the focus country's relationships (issue 4; design §8, methods.md).

* :func:`breaks` / :func:`dyad_breaks`: regime changes in a dyad series (PELT or binary
  segmentation, MBIC penalty; optional Markov-switching second opinion).
* :func:`flexibility` / :func:`dyad_flexibility`: responsiveness, flexibility, inertia,
  accommodation and punishment per partner, from the dyad VAR of :mod:`.var`.
* :func:`circumstances`: how responsiveness differs under named conditions.
* :func:`compare`: correlations, shared breaks, concentration, bloc shares and alignment.
"""

from dyadwatch.analysis.breaks import BreaksResult, breaks, dyad_breaks
from dyadwatch.analysis.circumstances import CircumstancesResult, circumstances
from dyadwatch.analysis.flexibility import DyadFlexibility, FlexibilityResult, dyad_flexibility, flexibility
from dyadwatch.analysis.patterns import CompareResult, alignment_score, compare, effective_partners, hhi
from dyadwatch.analysis.periods import ERAS
from dyadwatch.analysis.var import DyadVar, fit_dyad_var

__all__ = [
    "ERAS",
    "BreaksResult",
    "CircumstancesResult",
    "CompareResult",
    "DyadFlexibility",
    "DyadVar",
    "FlexibilityResult",
    "alignment_score",
    "breaks",
    "circumstances",
    "compare",
    "dyad_breaks",
    "dyad_flexibility",
    "effective_partners",
    "fit_dyad_var",
    "flexibility",
    "hhi",
]
