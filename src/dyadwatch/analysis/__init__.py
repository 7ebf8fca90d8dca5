"""Measurements of the focus country's relationships (issue 4; design §8, methods.md).

* :func:`breaks` / :func:`dyad_breaks`: regime changes in a dyad series (PELT or binary
  segmentation on rank scores, penalty max(MBIC, permutation floor); optional Markov-switching second opinion).
* :func:`flexibility` / :func:`dyad_flexibility`: responsiveness, flexibility, inertia,
  accommodation and punishment per partner, from the dyad VAR of :mod:`.var`.
* :func:`circumstances`: how responsiveness differs under named conditions.
* :func:`compare`: correlations, shared breaks, concentration, bloc shares and alignment.
* :func:`shifts`: early warning of repositioning (rising/falling partners, multilateral events,
  realignment) since a date (issue 5).
* :func:`simulate_dyad`: engagement strategies played against the dyad's estimated response model.
"""

from dyadwatch.analysis.breaks import BreaksResult, breaks, dyad_breaks
from dyadwatch.analysis.circumstances import CircumstancesResult, circumstances
from dyadwatch.analysis.flexibility import DyadFlexibility, FlexibilityResult, dyad_flexibility, flexibility
from dyadwatch.analysis.patterns import CompareResult, alignment_score, compare, effective_partners, hhi
from dyadwatch.analysis.periods import ERAS
from dyadwatch.analysis.shifts import ShiftsResult, shifts
from dyadwatch.analysis.simulate import SimulationResult, simulate_dyad
from dyadwatch.analysis.strategies import STRATEGIES
from dyadwatch.analysis.var import DyadVar, fit_dyad_var

__all__ = [
    "ERAS",
    "BreaksResult",
    "CircumstancesResult",
    "CompareResult",
    "DyadFlexibility",
    "DyadVar",
    "FlexibilityResult",
    "STRATEGIES",
    "ShiftsResult",
    "SimulationResult",
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
    "shifts",
    "simulate_dyad",
]
