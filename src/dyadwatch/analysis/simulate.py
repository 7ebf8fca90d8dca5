"""The engagement-strategy simulator: ``dyadwatch simulate A B`` (issue 5; methods §6).

A's reaction function is estimated, B's policy is a rule we choose, and the two are kept apart so
that a hand-made response model (unresponsive, perfectly reciprocal) can be plugged in:

* :class:`Reaction` is one draw of A's equation of the dyad VAR (Goldstein & Freeman 1991),
  x_t = c + Σ_i a_i x_{t−i} + Σ_i b_i z_{t−i} + u_t, with x = NC_{A→B} and z = NC_{B→A}, plus the
  residuals its shocks are resampled from.
* :class:`ResponseModel` holds many such draws (the point estimate and residual-bootstrap refits,
  Runkle 1987), the starting history and the historical scale of both sides' moves.
* :mod:`dyadwatch.analysis.strategies` holds B's rules; :func:`simulate` plays each rule against the
  model for ``runs`` runs of ``horizon`` periods, replacing B's equation by the rule (methods §6.2).

Shocks are drawn **jointly** (issue 25, item 6): each period of a run resamples one row of the
fitted residuals, (u_A, u_B) together, a joint residual bootstrap (Runkle 1987; Lütkepohl 2005 §3.7
resamples residual vectors, not components). A's move gets u_A; B's recorded move is its rule's level
plus u_B. The two directions' residuals are correlated in the same period (both sides of one meeting
are reported; ``DyadVar.co_movement``), and drawing them apart would discard that co-movement: the
simulated record would be one the data never showed. The co-movement is kept as common noise, not
read as A answering B within the period (the lower-bound reading of design §8).

Every strategy meets the same parameter draws and the same shock rows in run r (common random
numbers), so differences between strategies come from the strategies, not from luck. Runs in which
B's rule needs moves outside B's historical range are flagged: they are scenarios, not forecasts
(the modesty check of Leeper & Zha 2003). :func:`simulate_dyad` also ranks the strategies at the
other frequencies (M, Q, Y) and says when the ranking turns over (VAR results depend on the
aggregation interval, Shellman 2004).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dyadwatch.analysis.results import selection_json
from dyadwatch.analysis.strategies import STRATEGIES, MoveScale, Strategy
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.analysis.var import DyadVar
    from dyadwatch.store import Store

FloatArray = NDArray[np.float64]

#: Each direction needs events in this many periods before a model is fitted at all.
MIN_ACTIVE_PERIODS = 10
#: Consecutive periods below the conflict line that count as a breakdown, per frequency.
BREAKDOWN_RUN = {"M": 3, "Q": 2, "Y": 2}
#: Default horizons: two years, in periods.
DEFAULT_HORIZON = {"M": 24, "Q": 8, "Y": 5}
#: Central interval reported across runs.
INTERVAL = (0.05, 0.95)
#: The frequencies at which :func:`simulate_dyad` checks the ranking, and each one's months per period.
RANKING_FREQS = ("M", "Q", "Y")
MONTHS_PER_PERIOD = {"M": 1, "Q": 3, "Y": 12}

LIMITATIONS = (
    "Lucas critique: A's reaction function was estimated under the policies B actually followed; a new "
    "policy rule can change A's expectations and so the function itself (Leeper & Zha 2003). Results are "
    "credible only for modest interventions; runs with B moves outside the historical range are flagged.",
    "Sanctions relief, humanitarian steps and Track II dialogue are not in event data as such: they are "
    "encoded as levels of B's net cooperation NC_{B→A} (Goldstein units; see each strategy's encoding), "
    "i.e. as if they produced the cooperative events (CAMEO 04-08) such steps generate.",
    "A responds only through the lags of the reduced-form VAR; contemporaneous reactions, third parties "
    "(China, South Korea) and domestic politics are outside the model.",
    "Event data measure reported behaviour: coverage changes and media attention enter the series.",
)


@dataclass(frozen=True)
class Reaction:
    """One draw of A's equation: x_t = intercept + own·x_{t−1…t−p} + partner·z_{t−1…t−p} + u_t."""

    intercept: float
    own: FloatArray  # (p,): own[i] multiplies x_{t−1−i}
    partner: FloatArray  # (p,): partner[i] multiplies z_{t−1−i}
    residuals: FloatArray  # shocks are resampled from these
    #: The other direction's residuals in the same rows (same periods), so that a resampled row gives
    #: a shock pair with the fitted same-period correlation; None: the other side has no noise.
    partner_residuals: FloatArray | None = None

    @property
    def lags(self) -> int:
        return int(self.own.shape[0])

    def respond(self, focus_history: FloatArray, partner_history: FloatArray, shock: float) -> float:
        """A's next move given the histories (most recent last, at least ``lags`` long)."""
        p = self.lags
        own = float(self.own @ focus_history[::-1][:p])
        partner = float(self.partner @ partner_history[::-1][:p])
        return self.intercept + own + partner + shock

    @property
    def shock_correlation(self) -> float | None:
        """Same-period correlation of the two directions' residuals (None without the other side's)."""
        if self.partner_residuals is None or len(self.residuals) < 3:
            return None
        if np.ptp(self.residuals) == 0 or np.ptp(self.partner_residuals) == 0:
            return None
        return float(np.corrcoef(self.residuals, self.partner_residuals)[0, 1])


@dataclass
class ResponseModel:
    """A's estimated (or hand-made) reaction: parameter draws, start history, the moves' scale."""

    draws: list[Reaction]
    scale: MoveScale
    start_focus: FloatArray  # A's last observed moves, oldest first (length >= lags)
    start_partner: FloatArray  # B's last observed moves
    description: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: B's own historical equation per draw (z_t on its own and A's lags), for the modesty check of
    #: the implied innovations; None for hand-made models.
    partner_draws: list[Reaction] | None = None

    @property
    def lags(self) -> int:
        return max(d.lags for d in self.draws)


def unresponsive_model(persistence: float = 0.5, noise: float = 1.0, lags: int = 1) -> ResponseModel:
    """A hand-made A that ignores B entirely: x_t = persistence·x_{t−1} + N(0, noise²) shocks."""
    rng = np.random.default_rng(12345)
    own = np.zeros(lags)
    own[0] = persistence
    reaction = Reaction(0.0, own, np.zeros(lags), rng.normal(0.0, noise, 500))
    scale = MoveScale(0.0, 1.0, -3.0, 3.0, 0.0, 1.0)
    return ResponseModel([reaction], scale, np.zeros(lags), np.zeros(lags), {"kind": "unresponsive (hand-made)"})


def reciprocal_model(lags: int = 1) -> ResponseModel:
    """A hand-made, perfectly reciprocal A without noise: x_t = z_{t−1}."""
    partner = np.zeros(lags)
    partner[0] = 1.0
    reaction = Reaction(0.0, np.zeros(lags), partner, np.zeros(1))
    scale = MoveScale(0.0, 1.0, -3.0, 3.0, 0.0, 1.0)
    return ResponseModel([reaction], scale, np.zeros(lags), np.zeros(lags), {"kind": "perfectly reciprocal"})


def estimate_response_model(
    store: Store,
    focus: str,
    partner: str,
    *,
    freq: str = "M",
    start: str | None = None,
    end: str | None = None,
    draws: int = 200,
    max_lags: int = 4,
    seed: int = 0,
    selection: Selection | None = None,
) -> ResponseModel:
    """A's reaction function from the dyad VAR of the store's data, with bootstrap parameter draws.

    Raises :class:`InsufficientDataError` when either direction has events in fewer than
    :data:`MIN_ACTIVE_PERIODS` periods, or the VAR cannot be fitted.
    """
    from dyadwatch.analysis.dyads import focus_panel

    sel = resolve(selection, freq=freq, start=start, end=end)
    freq = sel.freq
    focus, partner = focus.upper(), partner.upper()
    # The same panel of focus-partner series as flexibility and the VAR (one query, one normalisation);
    # a --from/--to window is filled in full, as the series are.
    panel = focus_panel(store, focus, selection=sel.with_(partners=(partner,)))
    pair = panel.pair(
        partner,
        pd.Timestamp(sel.start) if sel.start else None,
        pd.Timestamp(sel.end) if sel.end else None,
    )
    if not len(pair):
        raise InsufficientDataError(f"no events between {focus} and {partner} in the store")
    periods = pd.DatetimeIndex(pair["period"])
    active_a = int((pair["out_events"] > 0).sum())
    active_b = int((pair["in_events"] > 0).sum())
    if min(active_a, active_b) < MIN_ACTIVE_PERIODS:
        raise InsufficientDataError(
            f"{focus}→{partner} has events in {active_a} and {partner}→{focus} in {active_b} of {len(pair)} "
            f"periods (freq {freq}); the response model needs at least {MIN_ACTIVE_PERIODS} in each direction. "
            "Use a coarser --freq, or load denser data (GDELT, ICEWS)"
        )
    x = pair["focus_to_partner"].to_numpy(dtype=float)
    z = pair["partner_to_focus"].to_numpy(dtype=float)
    model = response_model_from_series(
        x, z, draws=draws, max_lags=max_lags, seed=seed, focus=focus, partner=partner, active=(active_a, active_b)
    )
    estimated_on = {
        "from": periods[0].date().isoformat(),
        "to": periods[-1].date().isoformat(),
        "freq": freq,
        "periods": len(periods),
        "active_periods_focus": active_a,
        "active_periods_partner": active_b,
    }
    # "estimated_on" second, as the JSON has always shown it.
    kind = model.description.pop("kind")
    model.description = {"kind": kind, "estimated_on": estimated_on, **model.description}
    return model


def response_model_from_series(
    x: FloatArray,
    z: FloatArray,
    *,
    draws: int = 200,
    max_lags: int = 4,
    seed: int = 0,
    focus: str = "A",
    partner: str = "B",
    active: tuple[int, int] | None = None,
) -> ResponseModel:
    """A's reaction function from the two series x = NC_{A→B} and z = NC_{B→A} (one value per period).

    The estimation step of :func:`estimate_response_model` without the store, so that generated
    series can be simulated directly (calibration). ``active`` (periods with events each way) adds
    the notes about sparse data. Raises :class:`InsufficientDataError` when the VAR cannot be fitted.
    """
    from dyadwatch.analysis.var import bootstrap_vars, fit_dyad_var

    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    var = fit_dyad_var(x, z, max_lags=max_lags)
    rng = np.random.default_rng(seed)
    fitted = [var, *bootstrap_vars(var, draws - 1, rng)]
    stable = [v for v in fitted if v.stable]
    notes: list[str] = []
    if not var.stable:
        notes.append("the estimated VAR is not stable (explosive): every result is a scenario, not a forecast")
    if len(stable) < len(fitted):
        notes.append(f"{len(fitted) - len(stable)} of {len(fitted)} bootstrap draws were explosive and left out")
    kept = stable or [var]
    reactions = _reactions(kept, 0)
    # B's historical rule, written from B's side (own = B's lags, partner = A's lags).
    partner_rules = _reactions(kept, 1)
    scale = MoveScale(
        partner_mean=float(z.mean()),
        partner_sd=float(z.std(ddof=1)),
        partner_min=float(z.min()),
        partner_max=float(z.max()),
        focus_mean=float(x.mean()),
        focus_sd=float(x.std(ddof=1)),
    )
    description = _description(var, focus, partner, len(reactions))
    notes.extend(_sparse_notes(active, len(x)))
    notes.extend(_reaction_notes(var, focus, partner))
    p = var.lags
    return ResponseModel(reactions, scale, x[-p:].copy(), z[-p:].copy(), description, notes, partner_rules)


def _reactions(kept: Sequence[DyadVar], side: int) -> list[Reaction]:
    """One side's equation of each kept VAR draw as its reaction function: ``side`` 0 is A (own = A's
    lags, partner = B's), 1 is B written from B's side."""
    other = 1 - side
    return [
        Reaction(
            float(v.intercept[side]),
            v.coefficients[:, side, side].copy(),
            v.coefficients[:, side, other].copy(),
            v.residuals[:, side].copy(),
            v.residuals[:, other].copy(),
        )
        for v in kept
    ]


def _description(var: DyadVar, focus: str, partner: str, parameter_draws: int) -> dict[str, Any]:
    """What the response model is: the VAR, its lag order and observations, its key numbers and draws."""
    return {
        "kind": f"bivariate VAR({var.lags}) of NC_{{{focus}→{partner}}} and NC_{{{partner}→{focus}}} "
        "(Goldstein sums per period), lag order by BIC; A's equation used as its reaction function, "
        "parameters and residuals by residual bootstrap",
        "lags": var.lags,
        "n_obs": var.n_obs,
        "granger_p": var.granger_p,
        "reciprocity": var.reciprocity,
        "inertia": var.inertia,
        "co_movement": var.co_movement,
        "stable": var.stable,
        "parameter_draws": parameter_draws,
    }


def _sparse_notes(active: tuple[int, int] | None, periods: int) -> list[str]:
    """Notes when most periods are empty, or few have events in the sparser direction (``active``)."""
    notes: list[str] = []
    if active is not None:
        active_a, active_b = active
        if min(active_a, active_b) < 0.3 * periods:
            notes.append(
                f"most periods have no events ({active_a} and {active_b} of {periods} active): the VAR is "
                "fitted largely to empty periods; a coarser --freq or a shorter --from/--to window may fit better"
            )
        if min(active_a, active_b) < 40:
            notes.append(
                f"the model rests on {min(active_a, active_b)} periods with events in the sparser direction: a "
                "weak model; read the comparison as qualitative, check it at another --freq (aggregation changes "
                "VAR results, Shellman 2004), and prefer monthly GDELT or ICEWS data"
            )
    return notes


def _reaction_notes(var: DyadVar, focus: str, partner: str) -> list[str]:
    """Notes on the estimated reaction: an inverse response, or a partner that does not predict the focus."""
    notes: list[str] = []
    if var.reciprocity < 0:
        notes.append(
            f"the estimated reaction is an inverse response (sum of {focus}'s coefficients on {partner}'s lags = "
            f"{var.reciprocity:.2f} < 0: more cooperation after pressure; Goldstein & Pevehouse 1997), so "
            "pressure-first rules score well in this model; this is the pattern most exposed to the Lucas critique"
        )
    if math.isfinite(var.granger_p) and var.granger_p > 0.1:
        notes.append(
            f"in the data {partner}'s behaviour does not significantly predict {focus}'s (Granger p = "
            f"{var.granger_p:.2f}); strategies can then differ little"
        )
    return notes


@dataclass
class SimulationResult:
    """Per-strategy outcomes of :func:`simulate`, with the model, definitions and limitations."""

    focus: str
    partner: str
    runs: int
    horizon: int
    seed: int
    freq: str
    strategies: list[dict[str, Any]]
    model: dict[str, Any]
    definitions: dict[str, Any]
    status: str = "ok"
    reason: str | None = None
    limitations: list[str] = field(default_factory=lambda: list(LIMITATIONS))
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None
    #: How the shocks were drawn and their same-period correlation, fitted and simulated.
    co_movement: dict[str, Any] = field(default_factory=dict)
    #: Per frequency: the strategies ranked by mean cooperation, or why no model could be fitted.
    ranking_by_freq: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: True when every frequency ranked gives the same order; None when fewer than two could be ranked.
    ranking_stable: bool | None = None
    #: The sentence that says whether the ranking holds across frequencies (generated from the ranks).
    ranking_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of design §4 (``strategies`` with ``name``, ``mean_cooperation``, ...), extended."""
        return {
            "focus": self.focus,
            "partner": self.partner,
            "status": self.status,
            "reason": self.reason,
            "freq": self.freq,
            "runs": self.runs,
            "horizon": self.horizon,
            "seed": self.seed,
            "model": self.model,
            "definitions": self.definitions,
            "strategies": self.strategies,
            "co_movement": self.co_movement,
            "ranking_by_freq": self.ranking_by_freq,
            "ranking_stable": self.ranking_stable,
            "ranking_note": self.ranking_note,
            "limitations": self.limitations,
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the strategies' outcomes and the ranking check."""
        from dyadwatch.analysis.periods import FREQ_NAMES
        from dyadwatch.analysis.wording import num

        if self.status != "ok" or not self.strategies:
            return f"No simulation of {self.partner}'s strategies toward {self.focus}: {self.reason or 'no model'}."
        word = FREQ_NAMES.get(self.freq, self.freq)
        ranked = sorted(self.strategies, key=lambda s: -(s.get("mean_cooperation") or -math.inf))
        best, worst = ranked[0], ranked[-1]

        def outcome(strategy: dict[str, Any]) -> str:
            return (
                f"{strategy['name']} {num(strategy.get('mean_cooperation'), 2)} "
                f"(90% {num(strategy.get('mean_cooperation_low'), 2)} to "
                f"{num(strategy.get('mean_cooperation_high'), 2)})"
            )

        first = (
            f"Against {self.focus}'s response estimated from the {self.focus}↔{self.partner} {word}ly series, "
            f"{self.runs} runs of {self.horizon} {word}s: the highest mean cooperation is {outcome(best)}, "
            f"the lowest {outcome(worst)}."
        )
        overlap = (best.get("mean_cooperation_low") is not None and worst.get("mean_cooperation_high") is not None
                   and best["mean_cooperation_low"] <= worst["mean_cooperation_high"])  # fmt: skip
        second = (
            " The best and worst intervals overlap: the ranking is not a clear answer."
            if overlap
            else " The best and worst intervals do not overlap."
        )
        third = f" {self.ranking_note[0].upper()}{self.ranking_note[1:]}." if self.ranking_note else ""
        return first + second + third

    def to_frame(self) -> pd.DataFrame:
        columns = [
            "name",
            "mean_cooperation",
            "mean_cooperation_low",
            "mean_cooperation_high",
            "breakdown_probability",
            "time_to_cooperation",
            "reached_cooperation",
            "out_of_range_share",
        ]
        return pd.DataFrame([{c: s.get(c) for c in columns} for s in self.strategies], columns=columns)


def _longest_run(flags: NDArray[np.bool_]) -> int:
    best = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        best = max(best, current)
    return best


def _wilson(successes: int, trials: int, z: float = 1.6449) -> tuple[float, float]:
    """Wilson score interval (90 %) for a Monte Carlo share."""
    if trials == 0:
        return (float("nan"), float("nan"))
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Paths:
    """The simulated runs of one strategy (runs × horizon arrays), before they are summarised.

    ``focus_shocks`` and ``partner_shocks`` are the drawn shock pair of each period: A's move less
    what A's equation predicts from the histories, and B's recorded move less its rule's level.
    """

    focus: FloatArray  # A's moves NC_{A→B}
    partner: FloatArray  # B's recorded moves NC_{B→A}: the rule's level plus B's shock
    intended: FloatArray  # B's rule's levels (what the strategy chose)
    focus_shocks: FloatArray
    immodest: NDArray[np.bool_]  # (runs,)

    @property
    def partner_shocks(self) -> FloatArray:
        """B's shocks, read off the paths: its recorded moves less its rule's levels."""
        return np.asarray(self.partner - self.intended, dtype=np.float64)

    @property
    def shock_correlation(self) -> float | None:
        """Same-period correlation of the two sides' shocks over every simulated period (None when one is constant)."""
        a, b = self.focus_shocks.ravel(), self.partner_shocks.ravel()
        if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return None
        return float(np.corrcoef(a, b)[0, 1])


def play_paths(model: ResponseModel, strategy: Strategy, *, runs: int, horizon: int, seed: int) -> Paths:
    """Play one strategy against the model: the simulated paths of every run.

    Run r uses parameter draw r mod (number of draws) and shock stream r of ``seed``, the same for
    every strategy; B's own randomness (GTFT, Track II) has a separate stream. Each period draws one
    residual row of the draw (a joint residual bootstrap): A's shock and B's shock come from the same
    historical period, so their same-period correlation is the fitted one.
    """
    scale = model.scale
    p = model.lags
    focus_paths = np.zeros((runs, horizon))
    partner_paths = np.zeros((runs, horizon))
    intended_paths = np.zeros((runs, horizon))
    focus_shocks = np.zeros((runs, horizon))
    partner_shocks = np.zeros((runs, horizon))
    # Leeper & Zha's modesty check: B's move minus what B's historical equation predicts is the
    # innovation the strategy needs; beyond the historical residuals' range the run is immodest.
    immodest = np.zeros(runs, dtype=bool)
    root = np.random.SeedSequence(seed)
    focus_seeds = root.spawn(runs)
    partner_seeds = np.random.SeedSequence([seed, 1]).spawn(runs)
    for r in range(runs):
        reaction = model.draws[r % len(model.draws)]
        rule = model.partner_draws[r % len(model.partner_draws)] if model.partner_draws else None
        shock_rng = np.random.default_rng(focus_seeds[r])
        rows = shock_rng.integers(0, len(reaction.residuals), size=horizon)
        focus_shocks[r] = reaction.residuals[rows]
        if reaction.partner_residuals is not None:
            partner_shocks[r] = reaction.partner_residuals[rows]
        own_rng = np.random.default_rng(partner_seeds[r])
        strategy.reset(scale)
        focus_history = np.concatenate([model.start_focus[-p:], np.zeros(horizon)])
        partner_history = np.concatenate([model.start_partner[-p:], np.zeros(horizon)])
        last: float | None = None
        for t in range(horizon):
            level = strategy.move(last, own_rng)
            intended_paths[r, t] = level
            if rule is not None and not immodest[r]:
                # The check is on the rule's level: B's shock is historical noise by construction.
                innovation = level - rule.respond(partner_history[: p + t], focus_history[: p + t], 0.0)
                low_shock, high_shock = rule.residuals.min(), rule.residuals.max()
                immodest[r] = not (low_shock - 1e-9 <= innovation <= high_shock + 1e-9)
            partner_history[p + t] = level + partner_shocks[r, t]
            # A reacts to B's moves up to last period (the VAR's lags), so this period's move of B
            # enters A's next move; the same-period link is the shared shock row only.
            x = reaction.respond(focus_history[: p + t], partner_history[: p + t], float(focus_shocks[r, t]))
            focus_history[p + t] = x
            last = x
        focus_paths[r] = focus_history[p:]
        partner_paths[r] = partner_history[p:]
    return Paths(focus_paths, partner_paths, intended_paths, focus_shocks, immodest)


def summarise(
    paths: Paths, strategy: Strategy, scale: MoveScale, *, breakdown_run: int = 3, modesty_checked: bool = True
) -> dict[str, Any]:
    """The outcome dictionary of one strategy from its simulated paths."""
    cooperation_line = scale.focus_mean + 0.5 * scale.focus_sd
    conflict_line = scale.focus_mean - 0.5 * scale.focus_sd
    focus_paths, immodest = paths.focus, paths.immodest
    runs = focus_paths.shape[0]
    run_means = focus_paths.mean(axis=1)
    breakdowns = np.array([_longest_run(path < conflict_line) >= breakdown_run for path in focus_paths])
    reached = focus_paths >= cooperation_line
    first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, -1)
    hit = first[first > 0]
    tolerance = 1e-9 * max(1.0, abs(scale.partner_max), abs(scale.partner_min))
    # The range check is on the rule's levels, as the modesty check: B's shock is historical noise.
    levels = paths.intended
    outside = ((levels > scale.partner_max + tolerance) | (levels < scale.partner_min - tolerance)).any(axis=1)
    low, high = np.quantile(run_means, INTERVAL)
    breakdown_low, breakdown_high = _wilson(int(breakdowns.sum()), runs)
    inside = ~outside
    return {
        "name": strategy.name,
        "summary": strategy.summary,
        "encoding": strategy.encoding,
        "mean_cooperation": float(run_means.mean()),
        "mean_cooperation_low": float(low),
        "mean_cooperation_high": float(high),
        "cooperative_share": float(reached.mean()),
        "breakdown_probability": float(breakdowns.mean()),
        "breakdown_low": breakdown_low,
        "breakdown_high": breakdown_high,
        "time_to_cooperation": float(np.median(hit)) if len(hit) else None,
        "time_to_cooperation_low": float(np.quantile(hit, INTERVAL[0])) if len(hit) else None,
        "time_to_cooperation_high": float(np.quantile(hit, INTERVAL[1])) if len(hit) else None,
        "reached_cooperation": float(len(hit) / runs),
        "mean_partner_move": float(levels.mean()),
        "out_of_range_share": float(outside.mean()),
        "mean_cooperation_in_range": float(run_means[inside].mean()) if inside.any() else None,
        "immodest_share": float(immodest.mean()) if modesty_checked else None,
        "scenario": bool(outside.mean() > 0.5 or immodest.mean() > 0.5),
    }


def play(
    model: ResponseModel,
    strategy: Strategy,
    *,
    runs: int,
    horizon: int,
    seed: int,
    breakdown_run: int = 3,
) -> dict[str, Any]:
    """Play one strategy against the model; the outcome dictionary of one strategy (:func:`summarise`)."""
    paths = play_paths(model, strategy, runs=runs, horizon=horizon, seed=seed)
    return summarise(
        paths, strategy, model.scale, breakdown_run=breakdown_run, modesty_checked=model.partner_draws is not None
    )


def simulate(
    model: ResponseModel,
    strategies: Sequence[str] | None = None,
    *,
    runs: int = 200,
    horizon: int = 24,
    seed: int = 0,
    freq: str = "M",
    focus: str = "A",
    partner: str = "B",
) -> SimulationResult:
    """Play the named strategies (default: all of :data:`STRATEGIES`) against ``model``."""
    names = _strategy_names(strategies, runs, horizon)
    breakdown_run = BREAKDOWN_RUN.get(freq, 3)
    scale = model.scale
    outcomes = []
    simulated_correlation: float | None = None
    for name in names:
        strategy = STRATEGIES[name]()
        paths = play_paths(model, strategy, runs=runs, horizon=horizon, seed=seed)
        # Common random numbers: every strategy meets the same shock rows, so one measurement serves all.
        simulated_correlation = paths.shock_correlation
        outcomes.append(
            summarise(
                paths, strategy, scale, breakdown_run=breakdown_run, modesty_checked=model.partner_draws is not None
            )
        )
    co_movement = _co_movement(model, runs, simulated_correlation, focus, partner)
    definitions = _definitions(scale, breakdown_run, focus, partner)
    notes = list(model.notes)
    from dyadwatch.analysis.periods import FREQ_NAMES

    notes.append(f"time_to_cooperation and horizon count {FREQ_NAMES.get(freq, freq)}s")
    spread = [o["mean_cooperation"] for o in outcomes]
    if len(spread) > 1:
        notes.append(
            f"strategies differ by {max(spread) - min(spread):.3g} in mean cooperation against a spread of "
            f"{np.mean([o['mean_cooperation_high'] - o['mean_cooperation_low'] for o in outcomes]):.3g} across runs"
        )
    return SimulationResult(
        focus=focus,
        partner=partner,
        runs=runs,
        horizon=horizon,
        seed=seed,
        freq=freq,
        strategies=outcomes,
        model=model.description,
        definitions=definitions,
        notes=notes,
        co_movement=co_movement,
    )


def _strategy_names(strategies: Sequence[str] | None, runs: int, horizon: int) -> list[str]:
    """The strategies to play (default: all of :data:`STRATEGIES`), after checking them, the runs and the horizon."""
    names = list(strategies) if strategies else list(STRATEGIES)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise UsageError(f"unknown strategy {', '.join(unknown)}: choose from {', '.join(STRATEGIES)}")
    if runs < 1 or horizon < 1:
        raise UsageError("--runs and --horizon must be at least 1")
    return names


def _co_movement(
    model: ResponseModel, runs: int, simulated_correlation: float | None, focus: str, partner: str
) -> dict[str, Any]:
    """How the shocks were drawn and their same-period correlation: fitted, the mean over the draws the
    runs used, and simulated (the last two only when the model has the partner's residuals)."""
    fitted_correlation = model.draws[0].shock_correlation
    used = {r % len(model.draws) for r in range(runs)}
    draw_correlations = [c for c in (model.draws[k].shock_correlation for k in sorted(used)) if c is not None]
    return {
        "draw": "joint residual bootstrap: each period resamples one row of the fitted residuals, "
        f"{focus}'s and {partner}'s shocks together; {partner}'s recorded move = its rule's level + its shock"
        if fitted_correlation is not None
        else f"{focus}'s shocks only (the model has no residuals for {partner})",
        "fitted": fitted_correlation,
        # The bootstrap draws' own residual correlations scatter around the point estimate; runs cycle
        # through the draws, so their mean is what the simulated correlation estimates.
        "draws_mean": float(np.mean(draw_correlations)) if draw_correlations else None,
        "simulated": simulated_correlation if fitted_correlation is not None else None,
    }


def _definitions(scale: MoveScale, breakdown_run: int, focus: str, partner: str) -> dict[str, Any]:
    """What each outcome of a simulation means, with the lines and scales it is measured against."""
    return {
        "mean_cooperation": f"mean over the horizon of {focus}'s simulated net cooperation NC_{{{focus}→{partner}}} "
        "(Goldstein sum per period), averaged over runs; _low/_high: 5th and 95th percentiles across runs",
        "cooperation_line": scale.focus_mean + 0.5 * scale.focus_sd,
        "conflict_line": scale.focus_mean - 0.5 * scale.focus_sd,
        "breakdown_probability": f"share of runs with {breakdown_run} or more consecutive periods of "
        f"{focus}'s NC below the conflict line (its mean - 0.5 sd); _low/_high: 90% Wilson interval",
        "time_to_cooperation": f"median period of the first {focus} move at or above the cooperation line (its "
        "mean + 0.5 sd), among runs that reach it (reached_cooperation: their share)",
        "out_of_range_share": f"share of runs in which {partner}'s strategy needs a move outside {partner}'s "
        f"historical range [{scale.partner_min:.3g}, {scale.partner_max:.3g}]; such runs are scenarios, "
        "not forecasts (scenario = true when more than half of the runs are out of range or immodest)",
        "immodest_share": f"share of runs in which some move of {partner}'s strategy differs from what "
        f"{partner}'s own estimated VAR equation predicts by more than any historical residual (the "
        "modesty check of Leeper & Zha 2003 on innovations); null for hand-made models",
        "partner_scale": {"mean": scale.partner_mean, "sd": scale.partner_sd},
        "focus_scale": {"mean": scale.focus_mean, "sd": scale.focus_sd},
        "co_movement": f"same-period correlation of {focus}'s and {partner}'s shocks: fitted = of the estimated "
        "VAR's residuals; draws_mean = the mean over the parameter draws the runs used; simulated = of the "
        "shock pairs over every simulated period (close to draws_mean when the draw keeps the co-movement)",
        "ranking_by_freq": "per frequency (M, Q, Y, where the data allow a model), the strategies ordered by "
        "mean_cooperation, highest first, over the same span of calendar time; ranking_stable: whether the "
        "order is the same at every frequency ranked (null when fewer than two could be)",
    }


def ranking(outcomes: Sequence[dict[str, Any]]) -> list[str]:
    """Strategy names by mean cooperation, highest first (ties keep the order they were played in)."""
    return [o["name"] for o in sorted(outcomes, key=lambda o: -float(o["mean_cooperation"]))]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ranking_stability(by_freq: dict[str, dict[str, Any]], freq: str) -> tuple[bool | None, str]:
    """Whether the strategies' order is the same at every frequency ranked, and the sentence that says so.

    ``by_freq`` maps a frequency to ``{"status", "ranking"}`` (or ``{"status", "reason"}``); ``freq``
    is the one asked for, whose top strategy is followed to the other frequencies when the top changes.
    The sentence is built from the ranks alone.
    """
    ranked = {f: entry["ranking"] for f, entry in by_freq.items() if entry.get("status") == "ok"}
    missing = [f"{f}: {entry['reason']}" for f, entry in by_freq.items() if entry.get("status") != "ok"]
    tail = f" (not ranked at {'; '.join(missing)})" if missing else ""
    if len(ranked) < 2:
        only = f"only with {_joined(list(ranked))}" if ranked else "at no frequency"
        return None, f"the ranking's stability across M, Q and Y could not be checked: a model was fitted {only}{tail}"
    freqs = list(ranked)
    tops: dict[str, list[str]] = {}
    for f, order in ranked.items():
        tops.setdefault(order[0], []).append(f)
    if len(tops) > 1:
        firsts = [f"{name} first with {_joined(fs)}" for name, fs in tops.items()]
        sentence = "the ranking depends on the period: " + ", ".join(firsts)
        reference = ranked.get(freq, ranked[freqs[0]])[0]
        places: dict[str, list[str]] = {}
        for f, order in ranked.items():
            if order[0] != reference and reference in order:
                places.setdefault(f"{_ordinal(order.index(reference) + 1)} of {len(order)}", []).append(f)
        elsewhere = [f"{place} with {_joined(fs)}" for place, fs in places.items()]
        if elsewhere:
            sentence += f"; {reference} ranks " + ", ".join(elsewhere)
        return False, sentence + tail
    if len({tuple(order) for order in ranked.values()}) > 1:
        orders = "; ".join(f"{f}: {' > '.join(order)}" for f, order in ranked.items())
        top = next(iter(tops))
        return (
            False,
            f"the top strategy ({top}) is the same with {_joined(freqs)}, but the order below it changes ({orders})"
            + tail,
        )
    order = " > ".join(next(iter(ranked.values())))
    return True, f"the ranking is the same with {_joined(freqs)}: {order}" + tail


def simulate_dyad(
    store: Store,
    focus: str,
    partner: str,
    strategies: Sequence[str] | None = None,
    *,
    runs: int = 200,
    seed: int = 0,
    horizon: int | None = None,
    freq: str = "M",
    start: str | None = None,
    end: str | None = None,
    selection: Selection | None = None,
    compare_freqs: bool = True,
) -> SimulationResult:
    """Estimate A's reaction function from the store and play B's strategies against it.

    When the dyad has too little data the result has ``status = "insufficient_data"``, a reason and
    no strategies: no number is made up. With ``compare_freqs`` the same strategies are also played
    against the models fitted at the other frequencies of :data:`RANKING_FREQS`, over the same span
    of calendar time, and the result says whether the ranking holds (``ranking_by_freq``,
    ``ranking_stable``, ``ranking_note``, and a note when it does not).
    """
    sel = resolve(selection, freq=freq, start=start, end=end)
    freq = sel.freq
    focus, partner = focus.upper(), partner.upper()
    steps = horizon if horizon is not None else DEFAULT_HORIZON[freq]
    names = _strategy_names(strategies, runs, steps)
    freqs = [freq, *(f for f in RANKING_FREQS if f != freq)] if compare_freqs else [freq]
    by_freq, primary, reason = _play_at_each(store, focus, partner, names, sel, freqs, steps, runs, seed)
    ordered = {f: by_freq[f] for f in RANKING_FREQS if f in by_freq}
    stable, sentence = ranking_stability(ordered, freq) if compare_freqs and len(names) > 1 else (None, None)
    if primary is None:
        primary = _no_model(focus, partner, runs, steps, seed, freq, reason)
    primary.selection = sel
    if compare_freqs and len(names) > 1:
        primary.ranking_by_freq, primary.ranking_stable, primary.ranking_note = ordered, stable, sentence
        if stable is False and sentence:
            primary.notes.append(sentence)
    return primary


def _play_at_each(
    store: Store,
    focus: str,
    partner: str,
    names: list[str],
    sel: Selection,
    freqs: list[str],
    steps: int,
    runs: int,
    seed: int,
) -> tuple[dict[str, dict[str, Any]], SimulationResult | None, str]:
    """Fit the model and play the strategies at each of ``freqs`` (the first is the result's own):
    each frequency's ranking or why it has none, the first frequency's result (None without a model)
    and the first reason a model could not be fitted."""
    freq = freqs[0]
    draws = min(max(runs, 50), 500)
    months = steps * MONTHS_PER_PERIOD[freq]
    by_freq: dict[str, dict[str, Any]] = {}
    primary: SimulationResult | None = None
    reason = ""
    for other in freqs:
        # The same calendar span at every frequency (at least two periods), so ranks compare like with like.
        other_steps = steps if other == freq else max(2, round(months / MONTHS_PER_PERIOD[other]))
        try:
            model = estimate_response_model(
                store, focus, partner, draws=draws, seed=seed, selection=sel.with_(freq=other)
            )
        except InsufficientDataError as exc:
            by_freq[other] = {"status": "insufficient_data", "reason": str(exc), "horizon": other_steps}
            reason = reason or str(exc)
            continue
        played = simulate(
            model, names, runs=runs, horizon=other_steps, seed=seed, freq=other, focus=focus, partner=partner
        )
        by_freq[other] = {
            "status": "ok",
            "horizon": other_steps,
            "ranking": ranking(played.strategies),
            "mean_cooperation": {o["name"]: o["mean_cooperation"] for o in played.strategies},
        }
        if other == freq:
            primary = played
    return by_freq, primary, reason


def _no_model(focus: str, partner: str, runs: int, steps: int, seed: int, freq: str, reason: str) -> SimulationResult:
    """The answer when no model could be fitted at the result's frequency: no strategies, and why."""
    return SimulationResult(
        focus=focus,
        partner=partner,
        runs=runs,
        horizon=steps,
        seed=seed,
        freq=freq,
        strategies=[],
        model={},
        definitions={},
        status="insufficient_data",
        reason=f"not enough data: {reason}",
        notes=[f"not enough data: {reason}"],
    )
