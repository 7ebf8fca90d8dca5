"""How flexible is the focus country toward each partner: responsiveness, flexibility, inertia, asymmetry.

Definitions (design §8; methods.md §2.2, §2.4, §8): from the bivariate dyad VAR of
:mod:`dyadwatch.analysis.var` on net cooperation x = NC_{F→P}, z = NC_{P→F}

* ``flexibility`` F_P(6): share of x's 6-step forecast-error variance due to z shocks with the focus
  country ordered first in a Cholesky decomposition (Sims 1980; Lütkepohl 2005 §2.3.2): the partner
  reaches the focus country only through its past, so two sides reporting one meeting in the same
  period count for nothing. A bootstrap 90% interval (``ci_low``, ``ci_high``); ``rigidity`` =
  1 − flexibility.
* ``flexibility_upper``: the same share with the partner ordered first (``upper_ci_low``,
  ``upper_ci_high``): the most that same-period co-movement could add. The truth lies between.
* ``co_movement``: correlation of the two residuals in the same period; reported, credited to no one.
  Issue 9 showed why: with 70% of events reported from both sides and no lagged response at all, the
  order-free generalised FEVD (Pesaran & Shin 1998) gave 0.40, more than a partner that truly drives
  the focus country.
* ``responsiveness`` ρ_P(6): cumulative orthogonalised response of x over h = 0…6 to a one-s.d.
  shock in z, F ordered first, so through lags only (> 0 reciprocity, < 0 inverse response;
  Goldstein & Pevehouse 1997), with a bootstrap 90% interval; ``responsiveness_p``: Granger F-test p
  that z helps predict x (Goldstein & Freeman 1991).
* ``inertia``: Σ_i A_i[x, x], the own-lag sum ("bureaucratic routine", Goldstein & Freeman 1991;
  "memory", Ward & Rajmaira 1992).
* ``accommodation`` β⁺ and ``punishment`` β⁻ from
  x_t = α + Σφ_i x_{t−i} + β⁺ Σ max(z_{t−i}, 0) + β⁻ Σ min(z_{t−i}, 0) + ε (OLS, HC1 p-values), in
  the spirit of Frank et al. (2018, *Sci. Adv.*): β⁻ > 0 answers hostility in kind, β⁻ < 0 is defiance.

Subsets ("under what circumstances", Ward & Rajmaira's time-varying view): leader eras, regimes
between breaks of NC_{F→P} (PELT, :mod:`breaks`), and rolling windows. A partner with too few
periods, too few active periods, an explosive VAR or a bootstrap interval too wide to read gets a
``status`` and ``reason`` and no numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dyadwatch.analysis.breaks import detect_breaks
from dyadwatch.analysis.dyads import FocusPanel, focus_panel
from dyadwatch.analysis.periods import ERAS, FREQ_NAMES, era_named
from dyadwatch.analysis.results import selection_json
from dyadwatch.analysis.var import HORIZON, bootstrap_vars, fit_dyad_var, lag_cap
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Fewest periods in the span, and fewest with events in each direction, before a VAR is attempted.
MIN_PERIODS = 24
MIN_ACTIVE = 8
#: A 90% bootstrap interval of flexibility wider than this is reported as "unstable".
MAX_CI_WIDTH = 0.6
#: Rolling windows: ten years (or ``min_periods`` periods if that is longer), moved by half a window.
ROLLING_WINDOW = {"M": 120, "Q": 40, "Y": 10}
BY_CHOICES = ("none", "era", "regime", "rolling")
NUMBER_KEYS = (
    "flexibility",
    "ci_low",
    "ci_high",
    "flexibility_upper",
    "upper_ci_low",
    "upper_ci_high",
    "co_movement",
    "rigidity",
    "responsiveness",
    "responsiveness_ci_low",
    "responsiveness_ci_high",
    "responsiveness_p",
    "inertia",
    "accommodation",
    "accommodation_p",
    "punishment",
    "punishment_p",
)


@dataclass
class DyadFlexibility:
    """The flexibility metrics of one dyad over one span (``status`` ok, insufficient_data or unstable)."""

    status: str
    reason: str | None = None
    n_periods: int = 0
    active_out: int = 0
    active_in: int = 0
    lags: int | None = None
    values: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(NUMBER_KEYS))
    bootstrap_kept: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "n_periods": self.n_periods,
            "active_periods_out": self.active_out,
            "active_periods_in": self.active_in,
            "lags": self.lags,
            "bootstrap_kept": self.bootstrap_kept,
            **self.values,
        }


def _asymmetry(x: np.ndarray[Any, Any], z: np.ndarray[Any, Any], lags: int) -> dict[str, float | None]:
    """β⁺ (accommodation) and β⁻ (punishment) with HC1 p-values; None where a part never varies."""
    import statsmodels.api as sm

    n = len(x)
    own = [x[lags - i : n - i] for i in range(1, lags + 1)]
    positive = sum(np.maximum(z[lags - i : n - i], 0.0) for i in range(1, lags + 1))
    negative = sum(np.minimum(z[lags - i : n - i], 0.0) for i in range(1, lags + 1))
    columns = [np.ones(n - lags), *own]
    names: list[str] = []
    for name, column in (("accommodation", positive), ("punishment", negative)):
        if np.ptp(np.asarray(column)) > 0:
            columns.append(np.asarray(column, dtype=float))
            names.append(name)
    out: dict[str, float | None] = {
        "accommodation": None,
        "accommodation_p": None,
        "punishment": None,
        "punishment_p": None,
    }
    if not names:
        return out
    try:
        fitted = sm.OLS(x[lags:], np.column_stack(columns)).fit(cov_type="HC1")
    except (np.linalg.LinAlgError, ValueError):
        return out
    for k, name in enumerate(names):
        position = 1 + lags + k
        out[name] = float(fitted.params[position])
        out[f"{name}_p"] = float(fitted.pvalues[position])
    return out


def dyad_flexibility(
    focus_to_partner: Any,
    partner_to_focus: Any,
    *,
    out_events: Any | None = None,
    in_events: Any | None = None,
    max_lags: int = 4,
    draws: int = 200,
    seed: int = 0,
    min_periods: int = MIN_PERIODS,
    min_active: int = MIN_ACTIVE,
    horizon: int = HORIZON,
    max_ci_width: float = MAX_CI_WIDTH,
) -> DyadFlexibility:
    """All flexibility metrics of one dyad from its two net-cooperation series (equal length, one per period).

    ``out_events``/``in_events`` (event counts) decide which periods are active; without them a
    non-zero NC counts as active.
    """
    x = np.asarray(focus_to_partner, dtype=float)
    z = np.asarray(partner_to_focus, dtype=float)
    active_out = int(np.count_nonzero(np.asarray(out_events if out_events is not None else x, dtype=float)))
    active_in = int(np.count_nonzero(np.asarray(in_events if in_events is not None else z, dtype=float)))
    result = DyadFlexibility("ok", None, len(x), active_out, active_in)
    if len(x) < min_periods or min(active_out, active_in) < min_active:
        result.status = "insufficient_data"
        result.reason = (
            f"{len(x)} periods, {active_out} with events from the focus country and {active_in} from the "
            f"partner; the VAR needs at least {min_periods} periods and {min_active} active periods each "
            "way (try a coarser --freq, a longer span or more data)"
        )
        return result
    try:
        var = fit_dyad_var(x, z, max_lags=lag_cap(len(x), max_lags))
    except InsufficientDataError as exc:
        result.status, result.reason = "insufficient_data", str(exc)
        return result
    result.lags = var.lags
    if not var.stable:
        result.status = "unstable"
        result.reason = "the fitted VAR is explosive (a companion root on or outside the unit circle)"
        return result
    rng = np.random.default_rng(seed)
    flexibility_draws, upper_draws, response_draws = [], [], []
    for replicate in bootstrap_vars(var, draws, rng):  # explosive replicates are dropped there
        flexibility_draws.append(replicate.flexibility(horizon))
        upper_draws.append(replicate.flexibility_upper(horizon))
        response_draws.append(replicate.responsiveness(horizon))
    result.bootstrap_kept = len(flexibility_draws)
    if draws > 0 and len(flexibility_draws) < draws / 2:
        result.status, result.reason = "unstable", "most bootstrap replicates were degenerate or explosive"
        return result
    values = result.values
    values["flexibility"] = var.flexibility(horizon)
    values["flexibility_upper"] = var.flexibility_upper(horizon)
    values["co_movement"] = var.co_movement
    values["rigidity"] = 1.0 - var.flexibility(horizon)
    values["responsiveness"] = var.responsiveness(horizon)
    values["responsiveness_p"] = var.granger_p if np.isfinite(var.granger_p) else None
    values["inertia"] = var.inertia
    if flexibility_draws:
        # Percentile intervals, 90% as in design §8.
        values["ci_low"], values["ci_high"] = (float(v) for v in np.percentile(flexibility_draws, [5, 95]))
        values["upper_ci_low"], values["upper_ci_high"] = (float(v) for v in np.percentile(upper_draws, [5, 95]))
        low, high = np.percentile(response_draws, [5, 95])
        values["responsiveness_ci_low"], values["responsiveness_ci_high"] = float(low), float(high)
        width = float(values["ci_high"] or 0.0) - float(values["ci_low"] or 0.0)
        if width > max_ci_width:
            result.status = "unstable"
            result.reason = (
                f"the bootstrap 90% interval of flexibility is {width:.2f} wide (more than {max_ci_width}); "
                "the data cannot pin it down"
            )
            result.values = dict.fromkeys(NUMBER_KEYS)
            return result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values.update(_asymmetry(x, z, var.lags))
    return result


@dataclass
class PartnerFlexibility:
    partner: str
    subset: str  # all, an era name, "regime k", "window k"
    start: str | None
    end: str | None
    metrics: DyadFlexibility

    def to_dict(self) -> dict[str, Any]:
        """The row of design §4 ``flex``: who and when, then the metrics."""
        return {
            "partner": self.partner,
            "subset": self.subset,
            "start": self.start,
            "end": self.end,
            **self.metrics.to_dict(),
        }


@dataclass
class FlexibilityResult:
    focus: str
    freq: str
    era: str
    by: str
    normalize: str
    drop_statements: bool
    draws: int
    partners: list[PartnerFlexibility]
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "freq": self.freq,
            "era": self.era,
            "by": self.by,
            "normalize": self.normalize,
            "drop_statements": self.drop_statements,
            "horizon": HORIZON,
            "bootstrap_draws": self.draws,
            "partners": [row.to_dict() for row in self.partners],
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    def to_frame(self) -> pd.DataFrame:
        keys = ["partner", "subset", "start", "end", "status", "n_periods", "lags", "flexibility", "ci_low", "ci_high"]
        keys += ["flexibility_upper", "co_movement", "responsiveness", "responsiveness_p", "inertia"]
        keys += ["accommodation", "punishment", "reason"]
        rows = [{k: v for k, v in item.items() if k in keys} for item in self.to_dict()["partners"]]
        frame = pd.DataFrame(rows, columns=keys)
        frame["lags"] = frame["lags"].astype("Int64")
        return frame


def _label(moment: pd.Timestamp) -> str:
    return moment.date().isoformat()


def _subsets(pair: pd.DataFrame, by: str, freq: str, min_size: int) -> list[tuple[str, pd.DataFrame]]:
    """The spans to estimate on: the whole pair, each era, each regime or each rolling window."""
    if by == "none":
        return [("all", pair)]
    if by == "era":
        out = []
        for era in ERAS:
            mask = pair["period"].map(era.contains)
            if mask.any():
                out.append((era.name, pair[mask.to_numpy()]))
        return out
    if by == "regime":
        starts = detect_breaks(
            pair["focus_to_partner"].to_numpy(dtype=float), metric="goldstein_sum", min_size=min_size
        )
        bounds = [0, *starts, len(pair)]
        return [(f"regime {k + 1}", pair.iloc[b:e]) for k, (b, e) in enumerate(pairwise(bounds))]
    window = max(ROLLING_WINDOW[freq], min_size)
    step = max(window // 2, 1)
    if len(pair) <= window:
        return [("window 1", pair)]
    starts = list(range(0, len(pair) - window + 1, step))
    if starts[-1] + window < len(pair):  # a last window that ends with the data
        starts.append(len(pair) - window)
    return [(f"window {k + 1}", pair.iloc[begin : begin + window]) for k, begin in enumerate(starts)]


def panel_flexibility(
    panel: FocusPanel,
    *,
    partners: list[str] | None = None,
    era: str = "all",
    by: str = "none",
    draws: int = 200,
    seed: int = 0,
    max_lags: int = 4,
    min_periods: int = MIN_PERIODS,
    min_active: int = MIN_ACTIVE,
) -> FlexibilityResult:
    """Flexibility for each partner of a :class:`FocusPanel` (see :func:`flexibility`)."""
    if by not in BY_CHOICES:
        raise UsageError(f"--by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    chosen_era = era_named(era)
    names = [p.upper() for p in partners] if partners else panel.partners()
    rows: list[PartnerFlexibility] = []
    # Regimes need room for a VAR on each side of a break.
    regime_min = max(min_periods, 6)
    for partner in names:
        pair = panel.pair(partner)
        if chosen_era is not None and len(pair):
            pair = pair[pair["period"].map(chosen_era.contains).to_numpy()]
        if pair.empty:
            metrics = DyadFlexibility("insufficient_data", f"no events between {panel.focus} and {partner}")
            rows.append(PartnerFlexibility(partner, "all", None, None, metrics))
            continue
        for subset, span in _subsets(pair.reset_index(drop=True), by, panel.freq, regime_min):
            metrics = dyad_flexibility(
                span["focus_to_partner"],
                span["partner_to_focus"],
                out_events=span["out_events"],
                in_events=span["in_events"],
                max_lags=max_lags,
                draws=draws,
                seed=seed,
                min_periods=min_periods,
                min_active=min_active,
            )
            start, end = (
                (_label(span["period"].iloc[0]), _label(span["period"].iloc[-1])) if len(span) else (None, None)
            )
            rows.append(PartnerFlexibility(partner, subset, start, end, metrics))
    notes = [
        f"frequency: one value per {FREQ_NAMES[panel.freq]}; series NC = Goldstein sums in each direction, "
        "zeros in periods without events, over each partner's span (first to last event)",
        f"normalisation: {panel.normalize}; bare statements (CAMEO 010) "
        f"{'left out' if panel.drop_statements else 'kept'}",
        f"method: bivariate VAR, lag order by BIC (at most {max_lags}); flexibility = FEVD share at h = {HORIZON} "
        "with the focus country ordered first (the partner acts only through its past: a lower bound); "
        "flexibility_upper = the same with the partner first (all same-period co-movement credited to it); "
        "co_movement = same-period residual correlation, credited to neither; Granger F-test; "
        f"{draws} residual-bootstrap draws for 90% intervals, explosive draws dropped (seed {seed})",
        f"a partner needs {min_periods} periods and {min_active} active periods each way; a flexibility "
        f"interval wider than {MAX_CI_WIDTH} is reported as unstable",
    ]
    if chosen_era is not None:
        notes.append(f"era: {chosen_era.label}")
    if by == "era":
        notes.append("by era: one row per leader era (a period belongs to the era in which it starts)")
    elif by == "regime":
        notes.append(
            f"by regime: spans between breaks of NC focus→partner (PELT on rank scores, at least {regime_min} periods)"
        )
    elif by == "rolling":
        window = max(ROLLING_WINDOW[panel.freq], regime_min)
        notes.append(f"by rolling: windows of {window} periods moved by {max(window // 2, 1)}")
    return FlexibilityResult(
        panel.focus, panel.freq, era, by, panel.normalize, panel.drop_statements, draws, rows, notes, panel.selection
    )


def flexibility(
    store: Store,
    focus: str = "PRK",
    *,
    freq: str = "M",
    partners: list[str] | None = None,
    era: str = "all",
    by: str = "none",
    normalize: str = "none",
    drop_statements: bool = False,
    draws: int = 200,
    seed: int = 0,
    max_lags: int = 4,
    min_periods: int = MIN_PERIODS,
    min_active: int = MIN_ACTIVE,
    selection: Selection | None = None,
) -> FlexibilityResult:
    """Flexibility of ``focus`` toward each partner in the store (all partners, most events first).

    ``era`` restricts to one leader's era; ``by`` splits into eras, break-defined regimes or rolling
    windows (ten years, or ``min_periods`` periods if longer; step half a window). On the sparse bundled
    chronology use ``freq="Y"``; ``min_periods`` and ``min_active`` set when a partner has enough data.
    """
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements, partners=partners)
    panel = focus_panel(store, focus, selection=sel)
    return panel_flexibility(
        panel,
        partners=list(sel.partners) or None,
        era=era,
        by=by,
        draws=draws,
        seed=seed,
        max_lags=max_lags,
        min_periods=min_periods,
        min_active=min_active,
    )
