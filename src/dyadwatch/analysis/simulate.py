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

Every strategy meets the same parameter draws and the same shocks of A in run r (common random
numbers), so differences between strategies come from the strategies, not from luck. Runs in which
B's rule needs moves outside B's historical range are flagged: they are scenarios, not forecasts
(the modesty check of Leeper & Zha 2003).
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

    @property
    def lags(self) -> int:
        return int(self.own.shape[0])

    def respond(self, focus_history: FloatArray, partner_history: FloatArray, shock: float) -> float:
        """A's next move given the histories (most recent last, at least ``lags`` long)."""
        p = self.lags
        own = float(self.own @ focus_history[::-1][:p])
        partner = float(self.partner @ partner_history[::-1][:p])
        return self.intercept + own + partner + shock


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
    from dyadwatch.analysis.var import bootstrap_vars, fit_dyad_var

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
    reactions = [
        Reaction(
            float(v.intercept[0]),
            v.coefficients[:, 0, 0].copy(),
            v.coefficients[:, 0, 1].copy(),
            v.residuals[:, 0].copy(),
        )
        for v in kept
    ]
    # B's historical rule, written from B's side (own = B's lags, partner = A's lags).
    partner_rules = [
        Reaction(
            float(v.intercept[1]),
            v.coefficients[:, 1, 1].copy(),
            v.coefficients[:, 1, 0].copy(),
            v.residuals[:, 1].copy(),
        )
        for v in kept
    ]
    scale = MoveScale(
        partner_mean=float(z.mean()),
        partner_sd=float(z.std(ddof=1)),
        partner_min=float(z.min()),
        partner_max=float(z.max()),
        focus_mean=float(x.mean()),
        focus_sd=float(x.std(ddof=1)),
    )
    description = {
        "kind": f"bivariate VAR({var.lags}) of NC_{{{focus}→{partner}}} and NC_{{{partner}→{focus}}} "
        "(Goldstein sums per period), lag order by BIC; A's equation used as its reaction function, "
        "parameters and residuals by residual bootstrap",
        "estimated_on": {
            "from": periods[0].date().isoformat(),
            "to": periods[-1].date().isoformat(),
            "freq": freq,
            "periods": len(periods),
            "active_periods_focus": active_a,
            "active_periods_partner": active_b,
        },
        "lags": var.lags,
        "n_obs": var.n_obs,
        "granger_p": var.granger_p,
        "reciprocity": var.reciprocity,
        "inertia": var.inertia,
        "stable": var.stable,
        "parameter_draws": len(reactions),
    }
    if min(active_a, active_b) < 0.3 * len(periods):
        notes.append(
            f"most periods have no events ({active_a} and {active_b} of {len(periods)} active): the VAR is "
            "fitted largely to empty periods; a coarser --freq or a shorter --from/--to window may fit better"
        )
    if min(active_a, active_b) < 40:
        notes.append(
            f"the model rests on {min(active_a, active_b)} periods with events in the sparser direction: a weak "
            "model; read the comparison as qualitative, check it at another --freq (aggregation changes VAR "
            "results, Shellman 2004), and prefer monthly GDELT or ICEWS data"
        )
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
    p = var.lags
    return ResponseModel(reactions, scale, x[-p:].copy(), z[-p:].copy(), description, notes, partner_rules)


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
            "limitations": self.limitations,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

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


def play(
    model: ResponseModel,
    strategy: Strategy,
    *,
    runs: int,
    horizon: int,
    seed: int,
    breakdown_run: int = 3,
) -> dict[str, Any]:
    """Play one strategy against the model; the outcome dictionary of one strategy.

    Run r uses parameter draw r mod (number of draws) and shock stream r of ``seed`` for A, the same
    for every strategy; B's own randomness (GTFT, Track II) has a separate stream.
    """
    scale = model.scale
    cooperation_line = scale.focus_mean + 0.5 * scale.focus_sd
    conflict_line = scale.focus_mean - 0.5 * scale.focus_sd
    p = model.lags
    focus_paths = np.zeros((runs, horizon))
    partner_paths = np.zeros((runs, horizon))
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
        shocks = reaction.residuals[shock_rng.integers(0, len(reaction.residuals), size=horizon)]
        own_rng = np.random.default_rng(partner_seeds[r])
        strategy.reset(scale)
        focus_history = np.concatenate([model.start_focus[-p:], np.zeros(horizon)])
        partner_history = np.concatenate([model.start_partner[-p:], np.zeros(horizon)])
        last: float | None = None
        for t in range(horizon):
            z = strategy.move(last, own_rng)
            partner_history[p + t] = z
            if rule is not None and not immodest[r]:
                innovation = z - rule.respond(partner_history[: p + t], focus_history[: p + t], 0.0)
                low_shock, high_shock = rule.residuals.min(), rule.residuals.max()
                immodest[r] = not (low_shock - 1e-9 <= innovation <= high_shock + 1e-9)
            # A reacts to B's moves up to last period (the VAR's lags), so this period's move of B
            # enters A's next move.
            x = reaction.respond(focus_history[: p + t], partner_history[: p + t], float(shocks[t]))
            focus_history[p + t] = x
            last = x
        focus_paths[r] = focus_history[p:]
        partner_paths[r] = partner_history[p:]
    run_means = focus_paths.mean(axis=1)
    breakdowns = np.array([_longest_run(path < conflict_line) >= breakdown_run for path in focus_paths])
    reached = focus_paths >= cooperation_line
    first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, -1)
    hit = first[first > 0]
    tolerance = 1e-9 * max(1.0, abs(scale.partner_max), abs(scale.partner_min))
    outside = ((partner_paths > scale.partner_max + tolerance) | (partner_paths < scale.partner_min - tolerance)).any(
        axis=1
    )
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
        "mean_partner_move": float(partner_paths.mean()),
        "out_of_range_share": float(outside.mean()),
        "mean_cooperation_in_range": float(run_means[inside].mean()) if inside.any() else None,
        "immodest_share": float(immodest.mean()) if model.partner_draws else None,
        "scenario": bool(outside.mean() > 0.5 or immodest.mean() > 0.5),
    }


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
    names = list(strategies) if strategies else list(STRATEGIES)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise UsageError(f"unknown strategy {', '.join(unknown)}: choose from {', '.join(STRATEGIES)}")
    if runs < 1 or horizon < 1:
        raise UsageError("--runs and --horizon must be at least 1")
    breakdown_run = BREAKDOWN_RUN.get(freq, 3)
    outcomes = [
        play(model, STRATEGIES[n](), runs=runs, horizon=horizon, seed=seed, breakdown_run=breakdown_run) for n in names
    ]
    scale = model.scale
    definitions = {
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
    }
    notes = list(model.notes)
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
    )


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
) -> SimulationResult:
    """Estimate A's reaction function from the store and play B's strategies against it.

    When the dyad has too little data the result has ``status = "insufficient_data"``, a reason and
    no strategies: no number is made up.
    """
    sel = resolve(selection, freq=freq, start=start, end=end)
    freq = sel.freq
    focus, partner = focus.upper(), partner.upper()
    steps = horizon if horizon is not None else DEFAULT_HORIZON[freq]
    names = list(strategies) if strategies else list(STRATEGIES)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise UsageError(f"unknown strategy {', '.join(unknown)}: choose from {', '.join(STRATEGIES)}")
    if runs < 1 or steps < 1:
        raise UsageError("--runs and --horizon must be at least 1")
    try:
        model = estimate_response_model(
            store, focus, partner, draws=min(max(runs, 50), 500), seed=seed, selection=sel
        )
    except InsufficientDataError as exc:
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
            reason=f"not enough data: {exc}",
            notes=[f"not enough data: {exc}"],
            selection=sel,
        )
    result = simulate(model, names, runs=runs, horizon=steps, seed=seed, freq=freq, focus=focus, partner=partner)
    result.selection = sel
    return result
