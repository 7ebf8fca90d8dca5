"""Engagement strategies for the partner's side (B) of a dyad: the policy rules that ``simulate`` plays.

A strategy sees only what B can see (A's last move, in net-cooperation units NC_{A→B}) and returns
B's move this period (NC_{B→A}). Moves are expressed on B's own historical scale (:class:`MoveScale`):
"cooperate" is one standard deviation above B's historical mean, "pressure" one below, a "step" half a
standard deviation. A's move counts as *reciprocation* above ``mean_A + 0.25 sd_A`` and as
*defection* below ``mean_A − 0.5 sd_A``. These encodings are ours (methods §6, marked [ours]).

References: GRIT, Osgood (1962); tit-for-tat, Axelrod (1984); generous tit-for-tat with forgiveness
q = min(1 − (T−R)/(R−S), (R−P)/(T−P)) = 1/3 at the standard payoffs, Nowak & Sigmund (1992).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

#: GTFT's forgiveness probability at (T, R, P, S) = (5, 3, 1, 0) (Nowak & Sigmund 1992).
GTFT_FORGIVENESS = min(1 - (5 - 3) / (3 - 0), (3 - 1) / (5 - 1))


@dataclass(frozen=True)
class MoveScale:
    """The two sides' historical scales, which turn strategy words into numbers.

    ``partner_*`` describe B's moves (NC_{B→A}), ``focus_*`` A's (NC_{A→B}); ``partner_min`` and
    ``partner_max`` bound the moves B made in the estimation period (the modesty check).
    """

    partner_mean: float
    partner_sd: float
    partner_min: float
    partner_max: float
    focus_mean: float
    focus_sd: float

    @property
    def cooperate(self) -> float:
        return self.partner_mean + self.partner_sd

    @property
    def pressure(self) -> float:
        return self.partner_mean - self.partner_sd

    @property
    def step(self) -> float:
        return 0.5 * self.partner_sd

    def reciprocated(self, focus_move: float) -> bool:
        return focus_move > self.focus_mean + 0.25 * self.focus_sd

    def defected(self, focus_move: float) -> bool:
        return focus_move < self.focus_mean - 0.5 * self.focus_sd

    def major_step(self, focus_move: float) -> bool:
        """A major verified step by A: 1.5 standard deviations above its mean."""
        return focus_move >= self.focus_mean + 1.5 * self.focus_sd

    def in_kind(self, focus_move: float) -> float:
        """B's proportional answer to A's move: the same number of A's s.d. on B's scale."""
        return self.partner_mean + (focus_move - self.focus_mean) / self.focus_sd * self.partner_sd


class Strategy(ABC):
    """B's policy rule; :meth:`reset` before each run, then :meth:`move` once per period."""

    name: str = ""
    summary: str = ""
    encoding: str = ""

    def reset(self, scale: MoveScale) -> None:
        self.scale = scale

    @abstractmethod
    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        """B's move this period given A's last move (None in the first period)."""


class DenuclearizationFirst(Strategy):
    name = "denuclearization-first"
    summary = "pressure (sanctions kept) until A makes a major verified step; then cooperate while A does not defect"
    encoding = (
        "pressure = B's mean - 1 sd of NC_{B→A}; a major step = NC_{A→B} >= A's mean + 1.5 sd; after it B "
        "cooperates (mean + 1 sd) and returns to pressure after a defection"
    )

    def reset(self, scale: MoveScale) -> None:
        super().reset(scale)
        self.unlocked = False

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        if focus_last is not None:
            if not self.unlocked and self.scale.major_step(focus_last):
                self.unlocked = True
            elif self.unlocked and self.scale.defected(focus_last):
                self.unlocked = False
        return self.scale.cooperate if self.unlocked else self.scale.pressure


class PhasedTrustBuilding(Strategy):
    """GRIT (Osgood 1962): announced small unilateral steps, kept up for a while without reciprocation,
    larger when reciprocated, with precise retaliation in kind against a defection."""

    name = "phased-trust-building"
    summary = "GRIT: small announced steps, continued 3 periods unreciprocated, escalated when reciprocated"
    encoding = (
        "humanitarian/cultural steps: B's move = mean + k half-sd steps (k <= 6); k + 1 per unreciprocated "
        "period up to 3 in a row, then hold; k + 2 when A reciprocates; after a defection one in-kind answer "
        "(A's deviation in A's s.d., on B's scale) with k kept"
    )
    patience = 3
    most_steps = 6

    def reset(self, scale: MoveScale) -> None:
        super().reset(scale)
        self.steps = 0
        self.unanswered = 0

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        if focus_last is not None and self.scale.defected(focus_last):
            return self.scale.in_kind(focus_last)
        if focus_last is not None and self.scale.reciprocated(focus_last):
            self.steps += 2
            self.unanswered = 0
        elif self.unanswered < self.patience:
            self.steps += 1
            self.unanswered += 1
        self.steps = min(self.steps, self.most_steps)
        return self.scale.partner_mean + self.scale.step * self.steps


class ConditionalRelief(Strategy):
    name = "conditional-relief"
    summary = "relief step-for-step: one step of relief per verified step by A, one step back after a defection"
    encoding = (
        "sanctions relief: B's move = mean + r half-sd steps (0 <= r <= 4); r + 1 after A reciprocates "
        "(a verified step), r - 1 after A defects (snap-back); B starts at its mean (status quo)"
    )
    most_steps = 4

    def reset(self, scale: MoveScale) -> None:
        super().reset(scale)
        self.relief = 0

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        if focus_last is not None:
            if self.scale.reciprocated(focus_last):
                self.relief = min(self.relief + 1, self.most_steps)
            elif self.scale.defected(focus_last):
                self.relief = max(self.relief - 1, 0)
        return self.scale.partner_mean + self.scale.step * self.relief


class TitForTat(Strategy):
    name = "tit-for-tat"
    summary = "cooperate first, then do what A did last period (Axelrod 1984)"
    encoding = "cooperate = B's mean + 1 sd; after A defects, pressure = mean - 1 sd for one period"

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        if focus_last is not None and self.scale.defected(focus_last):
            return self.scale.pressure
        return self.scale.cooperate


class GenerousTitForTat(Strategy):
    name = "generous-tit-for-tat"
    summary = "tit-for-tat that forgives a defection with probability 1/3 (Nowak & Sigmund 1992)"
    encoding = "as tit-for-tat; after a defection B still cooperates with probability 1/3"

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        if focus_last is not None and self.scale.defected(focus_last) and rng.random() >= GTFT_FORGIVENESS:
            return self.scale.pressure
        return self.scale.cooperate


class TrackTwo(Strategy):
    name = "track-ii"
    summary = "unofficial dialogue: cheap, small, noisy cooperative signals every period, no retaliation"
    encoding = (
        "Track II is not in event data as such; encoded as B's mean + 0.25 sd plus normal noise of 0.5 sd "
        "each period (small verbal-cooperation signals, CAMEO 04 consult, whose meaning A reads unreliably)"
    )

    def move(self, focus_last: float | None, rng: np.random.Generator) -> float:
        return self.scale.partner_mean + self.scale.partner_sd * (0.25 + 0.5 * float(rng.standard_normal()))


STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (DenuclearizationFirst, PhasedTrustBuilding, ConditionalRelief, TitForTat, GenerousTitForTat, TrackTwo)
}
