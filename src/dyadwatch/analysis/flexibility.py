"""How the focus country's behaviour toward each partner relates to the partner's: responsiveness,
the two Cholesky shares, a test of lagged response, inertia, asymmetry.

Definitions (design §8; methods.md §3): from the bivariate dyad VAR of :mod:`dyadwatch.analysis.var`
on net cooperation x = NC_{F→P}, z = NC_{P→F}

* ``focus_first``: share of x's 6-step forecast-error variance due to z shocks with the focus
  country ordered first in a Cholesky decomposition (Sims 1980; Lütkepohl 2005 §2.3.2): the partner
  reaches the focus country only through its past, so two sides reporting one meeting in the same
  period count for nothing. ``partner_first``: the same share with the partner ordered first
  (same-period co-movement credited to the partner). Issue 25: they are two identifications, not
  bounds: the focus-first share exceeds the partner-first one in a measured share of stable systems
  (``docs/validation.md``), so neither name claims an order.
* Intervals (``*_ci_low``, ``*_ci_high``, 90 %): Kilian's (1998) bootstrap-after-bootstrap, which
  removes the small-sample bias of the VAR slopes before the shares are computed. A share of exactly
  0 (no lagged response) lies on the boundary, where no percentile interval of positive replicates
  can reach it: the focus-first interval's lower end is set to 0 when the bootstrap Wald test below
  does not reject "no lagged response" at 10 % (a test-inverted confidence set for the boundary;
  ``focus_first_ci_at_zero``). Coverage at true shares 0, 0.05, 0.1, 0.3 is measured.
* ``lagged_response_p``: does the focus country respond to the partner's past at all? A residual
  bootstrap Wald (Granger) test under the restricted VAR (:func:`var.lagged_response_test`), whose
  size at zero response and power are measured in ``docs/validation.md``. ``responsiveness_p``
  keeps the asymptotic F-test p of statsmodels for comparison.
* ``co_movement``: correlation of the two residuals in the same period; reported, credited to no one.
  Issue 9 showed why: with 70% of events reported from both sides and no lagged response at all, the
  order-free generalised FEVD (Pesaran & Shin 1998) gave 0.40, more than a partner that truly drives
  the focus country.
* ``responsiveness`` ρ_P(6): cumulative orthogonalised response of x over h = 0…6 to a one-s.d.
  shock in z, F ordered first, so through lags only (> 0 reciprocity, < 0 inverse response;
  Goldstein & Pevehouse 1997), with a bias-corrected 90% interval. It is computed at the other
  frequencies too (``responsiveness_by_freq``), and a sign that flips between frequencies with both
  intervals excluding zero is flagged (``sign_flip``; Shellman 2004 on aggregation).
* ``inertia``: Σ_i A_i[x, x], the own-lag sum ("bureaucratic routine", Goldstein & Freeman 1991;
  "memory", Ward & Rajmaira 1992).
* ``accommodation`` β⁺ and ``punishment`` β⁻ from
  x_t = α + Σφ_i x_{t−i} + β⁺ Σ max(z_{t−i}, 0) + β⁻ Σ min(z_{t−i}, 0) + ε (OLS, HC1 p-values), in
  the spirit of Frank et al. (2018, *Sci. Adv.*): β⁻ > 0 answers hostility in kind, β⁻ < 0 is defiance.
* Deprecated aliases, kept in the JSON for one release (design §8): ``flexibility`` = focus_first,
  ``ci_low``/``ci_high``, ``flexibility_upper`` = partner_first, ``upper_ci_low``/``upper_ci_high``,
  ``rigidity`` = 1 − focus_first.

Subsets ("under what circumstances", Ward & Rajmaira's time-varying view): leader eras, regimes
between breaks of NC_{F→P} (PELT, :mod:`breaks`), and rolling windows. A partner with too few
periods, too small a share of active periods, an explosive VAR (largest companion root ≥ 1, given in
``max_root``) or a bootstrap interval too wide to read gets a ``status`` and ``reason`` and no numbers.
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
from dyadwatch.analysis.var import (
    HORIZON,
    DyadVar,
    KilianBootstrap,
    LaggedResponseTest,
    fevd_shares,
    fit_dyad_var,
    kilian_bootstrap,
    lag_cap,
    lagged_response_test,
)
from dyadwatch.errors import InsufficientDataError, UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

#: Fewest periods in the span before a VAR is attempted.
MIN_PERIODS = 24
#: Fewest periods with events in each direction (a count) …
MIN_ACTIVE = 8
#: … and the smallest share of the span's periods with events in each direction. A series that is
#: mostly empty periods is mostly zeros: its VAR residuals are a few spikes, and no bootstrap of
#: them describes a response (issue 25: Japan quarterly, 94 % empty, was reported ``ok``).
MIN_ACTIVE_SHARE = 0.25
#: A 90% bootstrap interval of the focus-first share wider than this is reported as "unstable".
MAX_CI_WIDTH = 0.6
#: The focus-first interval reaches 0 when the bootstrap Wald test's p is at least this (90 % set).
BOUNDARY_LEVEL = 0.10
#: Rolling windows: ten years (or ``min_periods`` periods if that is longer), moved by half a window.
ROLLING_WINDOW = {"M": 120, "Q": 40, "Y": 10}
BY_CHOICES = ("none", "era", "regime", "rolling")
#: Frequencies at which responsiveness is compared for a sign flip (coarsest last).
COMPARE_FREQS = ("M", "Q", "Y")
NUMBER_KEYS = (
    "focus_first",
    "focus_first_ci_low",
    "focus_first_ci_high",
    "partner_first",
    "partner_first_ci_low",
    "partner_first_ci_high",
    "co_movement",
    "lagged_response_wald",
    "lagged_response_p",
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
#: Deprecated aliases (one release; design §8): old name → new name (``rigidity`` is 1 − focus_first).
DEPRECATED_ALIASES = {
    "flexibility": "focus_first",
    "ci_low": "focus_first_ci_low",
    "ci_high": "focus_first_ci_high",
    "flexibility_upper": "partner_first",
    "upper_ci_low": "partner_first_ci_low",
    "upper_ci_high": "partner_first_ci_high",
}


@dataclass
class DyadFlexibility:
    """The metrics of one dyad over one span (``status`` ok, insufficient_data or unstable)."""

    status: str
    reason: str | None = None
    n_periods: int = 0
    active_out: int = 0
    active_in: int = 0
    lags: int | None = None
    values: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(NUMBER_KEYS))
    bootstrap_kept: int | None = None
    max_root: float | None = None
    #: Whether the focus-first interval's lower end is 0 because the Wald test does not reject.
    ci_at_zero: bool | None = None
    #: Responsiveness at each frequency the data allow ({freq: {status, responsiveness, ci_low, ci_high}}).
    by_freq: dict[str, dict[str, Any]] | None = None
    #: The frequencies at which responsiveness has the opposite sign, both intervals excluding zero.
    sign_flip: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        values = self.values
        aliases: dict[str, float | None] = {old: values[new] for old, new in DEPRECATED_ALIASES.items()}
        focus_first = values["focus_first"]
        aliases["rigidity"] = None if focus_first is None else 1.0 - focus_first
        return {
            "status": self.status,
            "reason": self.reason,
            "n_periods": self.n_periods,
            "active_periods_out": self.active_out,
            "active_periods_in": self.active_in,
            "active_share_out": self.active_out / self.n_periods if self.n_periods else None,
            "active_share_in": self.active_in / self.n_periods if self.n_periods else None,
            "lags": self.lags,
            "max_root": self.max_root,
            "bootstrap_kept": self.bootstrap_kept,
            **values,
            "focus_first_ci_at_zero": self.ci_at_zero,
            "responsiveness_by_freq": self.by_freq,
            "sign_flip": list(self.sign_flip),
            **aliases,
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


def _percentiles(draws: np.ndarray[Any, Any]) -> tuple[float, float]:
    """Efron percentile 90% interval of bias-corrected replicates, as Kilian (1998) reads them."""
    low, high = np.percentile(draws, [5, 95])
    return float(low), float(high)


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
    min_active_share: float = MIN_ACTIVE_SHARE,
    horizon: int = HORIZON,
    max_ci_width: float = MAX_CI_WIDTH,
) -> DyadFlexibility:
    """All metrics of one dyad from its two net-cooperation series (equal length, one per period).

    ``out_events``/``in_events`` (event counts) decide which periods are active; without them a
    non-zero NC counts as active. A partner needs ``min_periods`` periods and, each way, at least
    ``min_active`` active periods *and* a share ``min_active_share`` of the span.
    """
    x = np.asarray(focus_to_partner, dtype=float)
    z = np.asarray(partner_to_focus, dtype=float)
    active_out = int(np.count_nonzero(np.asarray(out_events if out_events is not None else x, dtype=float)))
    active_in = int(np.count_nonzero(np.asarray(in_events if in_events is not None else z, dtype=float)))
    result = DyadFlexibility("ok", None, len(x), active_out, active_in)
    if _too_few_active(result, min_periods, min_active, min_active_share):
        return result
    try:
        var = fit_dyad_var(x, z, max_lags=lag_cap(len(x), max_lags))
    except InsufficientDataError as exc:
        result.status, result.reason = "insufficient_data", str(exc)
        return result
    result.lags = var.lags
    result.max_root = var.max_root
    if not var.stable:
        result.status = "unstable"
        result.reason = (
            f"the fitted VAR is explosive: its largest companion root has modulus {var.max_root:.3f} (≥ 1), "
            "so no forecast-error variance exists to decompose"
        )
        return result
    rng = np.random.default_rng(seed)
    test = lagged_response_test(var, draws, rng)
    kilian = kilian_bootstrap(var, draws, rng)
    result.bootstrap_kept = kilian.kept
    if draws > 0 and kilian.kept < draws / 2:
        result.status = "unstable"
        result.reason = f"{draws - kilian.kept} of {draws} bootstrap replicates were degenerate or explosive"
        return result
    values = result.values
    _point_values(values, var, test, kilian, horizon)
    if kilian.kept and not _intervals(result, test, kilian, horizon, max_ci_width):
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values.update(_asymmetry(x, z, var.lags))
    return result


def _too_few_active(result: DyadFlexibility, min_periods: int, min_active: int, min_active_share: float) -> bool:
    """Whether the dyad has too few periods, or too few active ones either way, for the VAR; if so,
    the result says ``insufficient_data``, with the counts and what to try."""
    n, active_out, active_in = result.n_periods, result.active_out, result.active_in
    needed = max(min_active, int(np.ceil(min_active_share * n)))
    if n >= min_periods and min(active_out, active_in) >= needed:
        return False
    share_out = active_out / n if n else 0.0
    share_in = active_in / n if n else 0.0
    result.status = "insufficient_data"
    result.reason = (
        f"{n} periods, {active_out} ({share_out:.0%}) with events from the focus country and "
        f"{active_in} ({share_in:.0%}) from the partner; the VAR needs at least {min_periods} periods and, "
        f"each way, {min_active_share:.0%} of them and at least {min_active} active (here {needed}) "
        "(try a coarser --freq, a longer span or more data)"
    )
    return True


def _point_values(
    values: dict[str, float | None], var: DyadVar, test: LaggedResponseTest, kilian: KilianBootstrap, horizon: int
) -> None:
    """The point estimates: the bias-corrected variance shares, co-movement, the lagged-response tests
    and inertia (a p-value or Wald statistic that is not finite is left empty)."""
    focus_first, partner_first, response = (float(v) for v in fevd_shares(kilian.coefficients, kilian.sigma, horizon))
    values["focus_first"] = focus_first
    values["partner_first"] = partner_first
    values["co_movement"] = var.co_movement
    values["responsiveness"] = response
    values["responsiveness_p"] = var.granger_p if np.isfinite(var.granger_p) else None
    values["lagged_response_wald"] = test.wald if np.isfinite(test.wald) else None
    values["lagged_response_p"] = test.p_value if np.isfinite(test.p_value) else None
    values["inertia"] = float(kilian.coefficients[:, 0, 0].sum())


def _intervals(
    result: DyadFlexibility, test: LaggedResponseTest, kilian: KilianBootstrap, horizon: int, max_ci_width: float
) -> bool:
    """The bootstrap 90% intervals of the shares; False (and the result ``unstable``, its numbers
    cleared) when the focus-first interval is wider than ``max_ci_width``."""
    values = result.values
    first_draws, partner_draws, response_draws = fevd_shares(
        kilian.replicate_coefficients, kilian.replicate_sigma, horizon
    )
    low, high = _percentiles(first_draws)
    # The boundary (Andrews 2000): a share of 0 is never inside a percentile interval of positive
    # replicates; the set {0} ∪ [low, high] with 0 kept when the test does not reject at 10 % is a
    # 90 % set at the boundary. Its coverage is measured at 0, 0.05, 0.1 and 0.3.
    result.ci_at_zero = test.p_value >= BOUNDARY_LEVEL if np.isfinite(test.p_value) else None
    values["focus_first_ci_low"] = 0.0 if result.ci_at_zero else low
    values["focus_first_ci_high"] = high
    values["partner_first_ci_low"], values["partner_first_ci_high"] = _percentiles(partner_draws)
    values["responsiveness_ci_low"], values["responsiveness_ci_high"] = _percentiles(response_draws)
    width = high - float(values["focus_first_ci_low"] or 0.0)
    if width <= max_ci_width:
        return True
    result.status = "unstable"
    result.reason = (
        f"the bootstrap 90% interval of the focus-first share is {width:.2f} wide (more than "
        f"{max_ci_width}); the data cannot pin it down"
    )
    result.values = dict.fromkeys(NUMBER_KEYS)
    result.ci_at_zero = None
    return False


def _response_sign(entry: dict[str, Any]) -> int:
    """+1 / −1 when the responsiveness interval lies wholly above / below zero, else 0."""
    low, high = entry.get("ci_low"), entry.get("ci_high")
    if entry.get("status") != "ok" or low is None or high is None:
        return 0
    return 1 if low > 0 else -1 if high < 0 else 0


def sign_flips(by_freq: dict[str, dict[str, Any]], freq: str) -> list[str]:
    """The frequencies whose responsiveness has the opposite sign to ``freq``'s, both intervals excluding 0."""
    own = _response_sign(by_freq.get(freq, {}))
    if own == 0:
        return []
    return [other for other, entry in by_freq.items() if other != freq and _response_sign(entry) == -own]


def _freq_entry(metrics: DyadFlexibility) -> dict[str, Any]:
    values = metrics.values
    return {
        "status": metrics.status,
        "n_periods": metrics.n_periods,
        "responsiveness": values["responsiveness"],
        "ci_low": values["responsiveness_ci_low"],
        "ci_high": values["responsiveness_ci_high"],
        "reason": metrics.reason,
    }


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
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the rows: how many partners could be estimated,
        where the lagged response is significant (with the focus-first share and its 90% interval),
        and where the answer flips with the frequency."""
        from dyadwatch.analysis.wording import listing, num, plural, pvalue

        word = FREQ_NAMES.get(self.freq, self.freq)
        if not self.partners:
            return f"No partner of {self.focus} has events in this selection: nothing to estimate."
        ok = [row for row in self.partners if row.metrics.status == "ok"]
        rows = len(self.partners)
        unit = "partner" if self.by == "none" else "partner-span"
        first = f"{len(ok)} of {plural(rows, unit)} of {self.focus} have enough {word}ly data for an estimate" + (
            " (the others: too few periods or events, or unstable; reasons in the table)." if len(ok) < rows else "."
        )
        if not ok:
            return first

        def label(row: PartnerFlexibility) -> str:
            return row.partner if self.by == "none" else f"{row.partner} ({row.subset})"

        significant = [
            row for row in ok
            if (p := row.metrics.values.get("lagged_response_p")) is not None and p < 0.1
        ]  # fmt: skip
        if significant:
            parts = [
                f"{label(row)} {num(row.metrics.values['focus_first'], 2)} "
                f"(90% {num(row.metrics.values['focus_first_ci_low'], 2)} to "
                f"{num(row.metrics.values['focus_first_ci_high'], 2)}, "
                f"{pvalue(row.metrics.values['lagged_response_p'])})"
                for row in sorted(significant, key=lambda r: r.metrics.values["lagged_response_p"] or 1.0)
            ]
            second = (
                f"A lagged response of {self.focus} to the partner is significant at 10% for {len(significant)} "
                f"of them; focus-first share: {listing(parts, 4)}."
            )
        else:
            smallest = min(ok, key=lambda r: (r.metrics.values.get("lagged_response_p") is None,
                                              r.metrics.values.get("lagged_response_p") or 1.0))  # fmt: skip
            second = (
                f"For none of them is a lagged response of {self.focus} significant at 10% "
                f"(the smallest: {label(smallest)}, {pvalue(smallest.metrics.values.get('lagged_response_p'))}), "
                "so no focus-first share can be told from zero."
            )
        flips = [f"{label(row)} ({', '.join(row.metrics.sign_flip)})" for row in ok if row.metrics.sign_flip]
        third = (
            f" The sign of the responsiveness flips with the frequency for {listing(flips)}: read it at "
            "the frequency that fits the data."
            if flips
            else ""
        )
        return f"{first} {second}{third}"

    def to_frame(self) -> pd.DataFrame:
        keys = ["partner", "subset", "start", "end", "status", "n_periods", "lags", "max_root"]
        keys += ["focus_first", "focus_first_ci_low", "focus_first_ci_high", "partner_first", "co_movement"]
        keys += ["lagged_response_p", "responsiveness", "responsiveness_ci_low", "responsiveness_ci_high"]
        keys += ["responsiveness_p", "inertia", "accommodation", "punishment", "sign_flip", "reason"]
        keys += [*DEPRECATED_ALIASES, "rigidity"]  # deprecated (one release): --columns ci_low,… still works
        rows = [{k: v for k, v in item.items() if k in keys} for item in self.to_dict()["partners"]]
        for row in rows:
            row["sign_flip"] = ",".join(row["sign_flip"]) or None
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


def _settings(
    max_lags: int, draws: int, seed: int, min_periods: int, min_active: int, min_active_share: float
) -> dict[str, Any]:
    """The estimation settings a whole panel shares, as :func:`dyad_flexibility` keywords."""
    return {
        "max_lags": max_lags,
        "draws": draws,
        "seed": seed,
        "min_periods": min_periods,
        "min_active": min_active,
        "min_active_share": min_active_share,
    }


def _pair_in_era(panel: FocusPanel, partner: str, era: Any) -> pd.DataFrame:
    """The dyad's rows of ``panel``, only the periods inside ``era`` when one is chosen."""
    pair = panel.pair(partner)
    if era is not None and len(pair):
        pair = pair[pair["period"].map(era.contains).to_numpy()]
    return pair


def _pair_flexibility(pair: pd.DataFrame, settings: dict[str, Any]) -> DyadFlexibility:
    """:func:`dyad_flexibility` of one dyad's panel rows (both directions' sums and event counts)."""
    return dyad_flexibility(
        pair["focus_to_partner"],
        pair["partner_to_focus"],
        out_events=pair["out_events"],
        in_events=pair["in_events"],
        **settings,
    )


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
    min_active_share: float = MIN_ACTIVE_SHARE,
) -> FlexibilityResult:
    """Flexibility for each partner of a :class:`FocusPanel` (see :func:`flexibility`)."""
    if by not in BY_CHOICES:
        raise UsageError(f"--by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    chosen_era = era_named(era)
    settings = _settings(max_lags, draws, seed, min_periods, min_active, min_active_share)
    names = [p.upper() for p in partners] if partners else panel.partners()
    # Regimes need room for a VAR on each side of a break.
    regime_min = max(min_periods, 6)
    rows = _partner_rows(panel, names, chosen_era, by, regime_min, settings)
    notes = [
        f"frequency: one value per {FREQ_NAMES[panel.freq]}; series NC = Goldstein sums in each direction, "
        "zeros in periods without events, over each partner's span (first to last event)",
        f"normalisation: {panel.normalize}; bare statements (CAMEO 010) "
        f"{'left out' if panel.drop_statements else 'kept'}",
        f"method: bivariate VAR, lag order by BIC (at most {max_lags}); focus_first = FEVD share at h = {HORIZON} "
        "with the focus country ordered first (the partner acts only through its past); partner_first = the "
        "same with the partner first (same-period co-movement credited to it); the two are different "
        "identifications, not bounds, and either may be the larger; co_movement = same-period residual "
        "correlation, credited to neither",
        f"intervals: 90%, Kilian's bootstrap-after-bootstrap (bias-corrected slopes, {draws} draws per stage, "
        f"explosive draws dropped, seed {seed}); the focus-first interval reaches 0 when the bootstrap Wald "
        f"test does not reject 'no lagged response' at {BOUNDARY_LEVEL:.0%}; lagged_response_p = that test's "
        f"p ({draws} draws under the restricted VAR); responsiveness_p = the asymptotic Granger F-test",
        f"a partner needs {min_periods} periods and, each way, events in {min_active_share:.0%} of them and in "
        f"at least {min_active}; an explosive VAR (companion root ≥ 1) or a focus-first interval wider than "
        f"{MAX_CI_WIDTH} is reported as unstable",
        "deprecated keys (one release): flexibility, ci_low, ci_high = focus_first and its interval; "
        "flexibility_upper, upper_ci_low, upper_ci_high = partner_first and its interval; rigidity = 1 − focus_first",
    ]
    notes.extend(_subset_notes(chosen_era, by, regime_min, panel.freq))
    return FlexibilityResult(
        panel.focus, panel.freq, era, by, panel.normalize, panel.drop_statements, draws, rows, notes, panel.selection
    )


def _partner_rows(
    panel: FocusPanel, names: list[str], chosen_era: Any, by: str, regime_min: int, settings: dict[str, Any]
) -> list[PartnerFlexibility]:
    """One row per partner and span (:func:`_subsets`) with its metrics; a partner without events in
    the chosen era gets one ``insufficient_data`` row."""
    rows: list[PartnerFlexibility] = []
    for partner in names:
        pair = _pair_in_era(panel, partner, chosen_era)
        if pair.empty:
            metrics = DyadFlexibility("insufficient_data", f"no events between {panel.focus} and {partner}")
            rows.append(PartnerFlexibility(partner, "all", None, None, metrics))
            continue
        for subset, span in _subsets(pair.reset_index(drop=True), by, panel.freq, regime_min):
            metrics = _pair_flexibility(span, settings)
            start, end = (
                (_label(span["period"].iloc[0]), _label(span["period"].iloc[-1])) if len(span) else (None, None)
            )
            rows.append(PartnerFlexibility(partner, subset, start, end, metrics))
    return rows


def _subset_notes(chosen_era: Any, by: str, regime_min: int, freq: str) -> list[str]:
    """Notes on the era chosen and on how the spans of ``by`` were cut."""
    notes: list[str] = []
    if chosen_era is not None:
        notes.append(f"era: {chosen_era.label}")
    if by == "era":
        notes.append("by era: one row per leader era (a period belongs to the era in which it starts)")
    elif by == "regime":
        notes.append(
            f"by regime: spans between breaks of NC focus→partner (PELT on rank scores, at least {regime_min} periods)"
        )
    elif by == "rolling":
        window = max(ROLLING_WINDOW[freq], regime_min)
        notes.append(f"by rolling: windows of {window} periods moved by {max(window // 2, 1)}")
    return notes


def _flip_text(partner: str, freq: str, by_freq: dict[str, dict[str, Any]], flips: list[str]) -> str:
    def said(entry: dict[str, Any]) -> str:
        return f"{entry['responsiveness']:+.2f} (90% {entry['ci_low']:+.2f} to {entry['ci_high']:+.2f})"

    others = "; ".join(f"{said(by_freq[other])} at {FREQ_NAMES[other]}" for other in flips)
    return (
        f"sign flip: {partner}'s responsiveness is {said(by_freq[freq])} at {FREQ_NAMES[freq]} but {others}: "
        "both intervals exclude zero, so the direction of the response depends on the aggregation interval "
        "(Shellman 2004); read neither alone"
    )


def compare_frequencies(
    result: FlexibilityResult,
    panels: dict[str, FocusPanel],
    *,
    draws: int = 200,
    seed: int = 0,
    max_lags: int = 4,
    min_periods: int = MIN_PERIODS,
    min_active: int = MIN_ACTIVE,
    min_active_share: float = MIN_ACTIVE_SHARE,
) -> None:
    """Responsiveness of each whole-span row at the other frequencies (``panels``), and sign flips.

    Shellman (2004) showed that the sign of a dyadic response can change with the aggregation
    interval; issue 25 found the US and South Korea change sign between years and quarters with both
    intervals excluding zero. Each ``subset == "all"`` row gets ``responsiveness_by_freq`` and
    ``sign_flip``; one generated note says what was compared and which partners flip.
    """
    chosen_era = era_named(result.era)
    settings = _settings(max_lags, draws, seed, min_periods, min_active, min_active_share)
    compared: dict[str, int] = {}
    flipped: list[str] = []
    for row in result.partners:
        if row.subset != "all":
            continue
        by_freq = {result.freq: _freq_entry(row.metrics)}
        for freq, panel in panels.items():
            pair = _pair_in_era(panel, row.partner, chosen_era)
            if pair.empty:
                by_freq[freq] = _freq_entry(DyadFlexibility("insufficient_data", "no events"))
                continue
            metrics = _pair_flexibility(pair, settings)
            by_freq[freq] = _freq_entry(metrics)
            compared[freq] = compared.get(freq, 0) + (metrics.status == "ok")
        ordered = {freq: by_freq[freq] for freq in COMPARE_FREQS if freq in by_freq}
        row.metrics.by_freq = ordered
        row.metrics.sign_flip = sign_flips(ordered, result.freq)
        if row.metrics.sign_flip:
            flipped.append(row.partner)
            result.notes.append(_flip_text(row.partner, result.freq, ordered, row.metrics.sign_flip))
    if not panels:
        return
    rows = sum(row.subset == "all" for row in result.partners)
    estimable = ", ".join(f"{compared.get(freq, 0)} of {rows} at {FREQ_NAMES[freq]}" for freq in panels)
    if not flipped:
        result.notes.append(
            f"frequencies: responsiveness also estimated ({estimable} partners estimable); no partner's sign "
            "flips with both intervals excluding zero"
        )
    else:
        result.notes.append(
            f"frequencies: responsiveness also estimated ({estimable} partners estimable); the sign flips for "
            f"{', '.join(flipped)} (see responsiveness_by_freq)"
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
    min_active_share: float = MIN_ACTIVE_SHARE,
    compare_freqs: bool = True,
    selection: Selection | None = None,
) -> FlexibilityResult:
    """Flexibility of ``focus`` toward each partner in the store (all partners, most events first).

    ``era`` restricts to one leader's era; ``by`` splits into eras, break-defined regimes or rolling
    windows (ten years, or ``min_periods`` periods if longer; step half a window). On the sparse bundled
    chronology use ``freq="Y"``; ``min_periods``, ``min_active`` and ``min_active_share`` set when a
    partner has enough data. With ``compare_freqs`` (and ``by="none"``) responsiveness is also
    estimated at the other frequencies (monthly, quarterly, yearly) and sign flips are flagged.
    """
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements, partners=partners)
    panel = focus_panel(store, focus, selection=sel)
    result = panel_flexibility(
        panel,
        partners=list(sel.partners) or None,
        era=era,
        by=by,
        draws=draws,
        seed=seed,
        max_lags=max_lags,
        min_periods=min_periods,
        min_active=min_active,
        min_active_share=min_active_share,
    )
    if compare_freqs and by == "none":
        others = {
            other: focus_panel(store, focus, selection=sel.with_(freq=other))
            for other in COMPARE_FREQS
            if other != sel.freq
        }
        compare_frequencies(
            result,
            others,
            draws=draws,
            seed=seed,
            max_lags=max_lags,
            min_periods=min_periods,
            min_active=min_active,
            min_active_share=min_active_share,
        )
    elif compare_freqs:
        result.notes.append(f"frequencies: responsiveness is compared across frequencies only with --by none, not {by}")
    return result
