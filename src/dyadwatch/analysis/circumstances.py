"""Under what circumstances does the focus country respond to a partner: interactions with named conditions.

Specification (methods.md §2.4 (c); Ward & Rajmaira 1992 for time-varying responsiveness), for each
partner P and condition C (a 0/1 indicator per period)::

    x_t = α + φ x_{t−1} + β z_{t−1} + γ C_t + δ (z_{t−1} · C_t) + ε_t

with x = NC_{F→P}, z = NC_{P→F}. β is the lag-1 response to the partner when C is off, β + δ when
it is on, δ the difference (p-value from Newey–West HAC standard errors, 2 lags), γ the shift in
F's level under C. The ``pooled`` row stacks all partners with enough data, with partner fixed
effects (own intercepts) and standard errors clustered by partner.

Conditions built in (dates in :mod:`dyadwatch.analysis.periods`):
``era:<leader>`` (that leader's era vs the others), ``sanctions`` (UNSC 1718 in force, from
14 Oct 2006), ``nuclear_test_window`` (periods overlapping ±3 months around a nuclear test in the
bundled provocations list), ``summit`` (periods with a leader-level summit of the dyad: the
records flagged ``summit: true`` in the bundled chronology, see ``docs/chronology-format.md``),
``partner_hostile`` (the partner's NC toward F was negative in t−1); and any ``name=FROM:TO``
windows the user passes.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dyadwatch.analysis.dyads import FocusPanel, focus_panel
from dyadwatch.analysis.periods import ERAS, FREQ_NAMES, UNSC_1718, period_start
from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

MIN_PERIODS = 24
MIN_ACTIVE = 8
#: Each state of a condition needs this many periods for its own slope.
MIN_STATE_PERIODS = 6
NUCLEAR_TEST_MONTHS = 3

SPECIFICATION = (
    "x_t = α + φ·x_{t−1} + β·z_{t−1} + γ·C_t + δ·z_{t−1}·C_t + ε_t, x = NC focus→partner, z = NC partner→focus "
    "(Goldstein sums per period); OLS, Newey–West (2 lags) standard errors per partner; the pooled row adds "
    "partner intercepts and clusters standard errors by partner"
)
CAVEATS = [
    "associations, not causes: a condition can coincide with other changes (a leader's era is also a decade of "
    "media coverage); the coefficients do not say which",
    "one lag only: responses slower than one period are missed at monthly frequency and merged at yearly",
    "periods without events count as NC = 0, so sparse series (the bundled chronology) tie responsiveness to "
    "whether both sides were reported at all",
    "a condition that is on in few periods gives wide intervals; rows with fewer than "
    f"{MIN_STATE_PERIODS} periods in either state are not estimated",
    "the pooled row's standard errors are clustered by partner: with fewer than about ten partners its "
    "p-value is rough (conservative or erratic)",
    "the nuclear-test and summit windows come from the bundled lists and chronology and are only as complete "
    "as they are",
]


@dataclass
class ConditionRow:
    condition: str
    partner: str
    status: str
    reason: str | None = None
    n_periods: int = 0
    n_on: int = 0
    responsiveness_off: float | None = None
    responsiveness_on: float | None = None
    difference: float | None = None
    difference_p: float | None = None
    level_shift: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CircumstancesResult:
    focus: str
    freq: str
    normalize: str
    drop_statements: bool
    conditions: dict[str, str]  # name -> definition
    rows: list[ConditionRow]
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "freq": self.freq,
            "normalize": self.normalize,
            "drop_statements": self.drop_statements,
            "specification": SPECIFICATION,
            "caveats": CAVEATS,
            "conditions": [{"name": k, "definition": v} for k, v in self.conditions.items()],
            "rows": [row.to_dict() for row in self.rows],
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the rows: how many condition-partner rows could
        be estimated and which differences in responsiveness are significant at 5%."""
        from dyadwatch.analysis.wording import listing, num, plural, pvalue

        if not self.rows:
            return f"No condition could be estimated for {self.focus}: no partner has events in this selection."
        ok = [row for row in self.rows if row.status == "ok"]
        first = (
            f"{len(ok)} of {plural(len(self.rows), 'condition-partner row')} of {self.focus} have enough "
            f"{FREQ_NAMES.get(self.freq, self.freq)}ly data for an estimate"
            + ("." if len(ok) == len(self.rows) else " (reasons for the others in the table).")
        )
        if not ok:
            return first
        tested = [row for row in ok if row.difference_p is not None]
        significant = sorted(
            (row for row in tested if (row.difference_p or 0.0) < 0.05), key=lambda r: r.difference_p or 0.0
        )
        if not significant:
            return (
                f"{first} No difference in responsiveness between a condition and its absence is significant "
                f"at 5% ({len(tested)} tested, none adjusted for multiple tests)."
            )
        parts = [
            f"{row.condition} for {row.partner} ({num(row.difference, 2)}, {pvalue(row.difference_p)})"
            for row in significant
        ]
        return (
            f"{first} Responsiveness differs under the condition, at 5% and unadjusted for the {len(tested)} "
            f"tests, in {len(significant)}: {listing(parts, 4)}."
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([row.to_dict() for row in self.rows])


def parse_windows(specs: list[str]) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """``name=FROM:TO[,FROM:TO…]`` (dates YYYY-MM-DD) into named windows."""
    out: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for spec in specs:
        name, _, ranges = spec.partition("=")
        if not name or not ranges:
            raise UsageError(f"--condition {spec!r}: write NAME=FROM:TO, e.g. talks=2018-03-01:2019-02-28")
        for piece in ranges.split(","):
            start, _, end = piece.partition(":")
            try:
                window = (pd.Timestamp(start), pd.Timestamp(end))
            except ValueError:
                raise UsageError(f"--condition {spec!r}: dates must be YYYY-MM-DD") from None
            if window[1] < window[0]:
                raise UsageError(f"--condition {spec!r}: the window ends before it starts")
            out.setdefault(name.strip(), []).append(window)
    return out


def _overlaps(periods: pd.Series, windows: list[tuple[pd.Timestamp, pd.Timestamp]], freq: str) -> np.ndarray[Any, Any]:
    """1 for periods that overlap any window."""
    from dyadwatch.analysis.periods import period_offset

    starts = pd.to_datetime(periods)
    ends = starts + period_offset(freq)
    flags = np.zeros(len(starts), dtype=float)
    for low, high in windows:
        flags = np.maximum(flags, ((starts <= high) & (ends > low)).to_numpy(dtype=float))
    return flags


def nuclear_tests(store: Store) -> list[pd.Timestamp]:
    """Dates of nuclear tests in the bundled provocations list."""
    rows = store.con.execute(
        "SELECT DISTINCT date FROM events WHERE source = 'provocations' AND summary ILIKE '%nuclear test%' ORDER BY 1"
    ).fetchall()
    return [pd.Timestamp(r[0]) for r in rows]


def summit_dates(store: Store | None, focus: str) -> pd.DataFrame:
    """Leader-level summits of the focus country: (date, partner) rows flagged ``summit: true``.

    The flag is set by hand in the bundled chronology for in-person meetings of North Korea's top
    leader with the partner's head of state, head of government or ruling-party leader (letters,
    calls, envoys and ministers do not count). It is a fact about the dyad, not about what the
    store holds, so ``store`` is not read.
    """
    from dyadwatch.ingest.chronology import summit_records

    return summit_records(focus)


def _fit(frame: pd.DataFrame, pooled: bool) -> dict[str, float] | None:
    import statsmodels.api as sm

    design = pd.DataFrame(
        {
            "x_lag": frame["x_lag"],
            "z_lag": frame["z_lag"],
            "condition": frame["condition"],
            "interaction": frame["z_lag"] * frame["condition"],
        }
    )
    if pooled:
        design = pd.concat([design, pd.get_dummies(frame["partner"], dtype=float)], axis=1)
    else:
        design.insert(0, "const", 1.0)
    if np.linalg.matrix_rank(design.to_numpy(dtype=float)) < design.shape[1]:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.OLS(frame["x"].to_numpy(dtype=float), design.to_numpy(dtype=float))
        if pooled:
            groups = pd.factorize(frame["partner"])[0]
            fitted = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        else:
            fitted = model.fit(cov_type="HAC", cov_kwds={"maxlags": 2})
    names = list(design.columns)
    params = dict(zip(names, np.asarray(fitted.params), strict=True))
    pvalues = dict(zip(names, np.asarray(fitted.pvalues), strict=True))
    return {
        "beta": float(params["z_lag"]),
        "delta": float(params["interaction"]),
        "delta_p": float(pvalues["interaction"]),
        "gamma": float(params["condition"]),
    }


def _row(condition: str, partner: str, frame: pd.DataFrame, pooled: bool = False) -> ConditionRow:
    n_on = int(frame["condition"].sum())
    row = ConditionRow(condition, partner, "ok", None, len(frame), n_on)
    if n_on < MIN_STATE_PERIODS or len(frame) - n_on < MIN_STATE_PERIODS:
        row.status = "insufficient_data"
        row.reason = f"the condition holds in {n_on} of {len(frame)} periods; each state needs {MIN_STATE_PERIODS}"
        return row
    estimate = _fit(frame, pooled)
    if estimate is None:
        row.status = "insufficient_data"
        row.reason = "the regressors are collinear (e.g. the partner never acts while the condition holds)"
        return row
    row.responsiveness_off = estimate["beta"]
    row.responsiveness_on = estimate["beta"] + estimate["delta"]
    row.difference = estimate["delta"]
    row.difference_p = estimate["delta_p"]
    row.level_shift = estimate["gamma"]
    return row


def panel_circumstances(
    panel: FocusPanel,
    *,
    partners: list[str] | None = None,
    nuclear_test_dates: list[pd.Timestamp] | None = None,
    summits: pd.DataFrame | None = None,
    windows: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] | None = None,
    conditions: list[str] | None = None,
) -> CircumstancesResult:
    """The condition table for a :class:`FocusPanel` (see :func:`circumstances`)."""
    freq = panel.freq
    definitions = _definitions(nuclear_test_dates, summits, windows, conditions)
    names = [p.upper() for p in partners] if partners else panel.partners()
    frames, skipped = _partner_frames(panel, names)
    rows: list[ConditionRow] = []
    for name in definitions:
        stacked = []
        for partner, frame in frames.items():
            flags = _condition(name, frame, freq, nuclear_test_dates, summits, windows, partner)
            with_flag = frame.assign(condition=flags)
            stacked.append(with_flag)
            rows.append(_row(name, partner, with_flag))
        for partner, reason in skipped.items():
            rows.append(ConditionRow(name, partner, "insufficient_data", reason))
        if len(stacked) >= 2:
            rows.append(_row(name, "pooled", pd.concat(stacked, ignore_index=True), pooled=True))
        else:
            rows.append(
                ConditionRow(
                    name, "pooled", "insufficient_data", f"{len(stacked)} partner(s) with enough data; needs 2"
                )
            )
    notes = [
        f"frequency: one value per {FREQ_NAMES[freq]}",
        f"normalisation: {panel.normalize}; bare statements (CAMEO 010) "
        f"{'left out' if panel.drop_statements else 'kept'}",
        "method: " + SPECIFICATION,
    ]
    return CircumstancesResult(
        panel.focus, freq, panel.normalize, panel.drop_statements, definitions, rows, notes, panel.selection
    )


def _definitions(
    nuclear_test_dates: list[pd.Timestamp] | None,
    summits: pd.DataFrame | None,
    windows: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] | None,
    conditions: list[str] | None,
) -> dict[str, str]:
    """Every condition that can be tested with these inputs and what it means, narrowed to
    ``conditions`` when given (an unknown name raises a :class:`UsageError` listing the known ones)."""
    definitions: dict[str, str] = {}
    for era in ERAS:
        definitions[f"era:{era.name}"] = f"the period starts in the era of {era.label}"
    definitions["sanctions"] = "UN Security Council Resolution 1718 sanctions in force (from 14 October 2006)"
    if nuclear_test_dates:
        definitions["nuclear_test_window"] = (
            f"the period overlaps ±{NUCLEAR_TEST_MONTHS} months around a nuclear test "
            f"({', '.join(d.date().isoformat() for d in nuclear_test_dates)})"
        )
    if summits is not None:
        definitions["summit"] = (
            "a leader-level summit of the dyad (a record flagged summit: true in the bundled chronology) "
            "falls in the period"
        )
    definitions["partner_hostile"] = "the partner's net cooperation toward the focus country was negative in t−1"
    for name, spans in (windows or {}).items():
        definitions[name] = "user window(s): " + ", ".join(f"{a.date()}–{b.date()}" for a, b in spans)
    if conditions:
        unknown = [c for c in conditions if c not in definitions]
        if unknown:
            raise UsageError(f"unknown condition(s) {', '.join(unknown)}; choose from {', '.join(definitions)}")
        definitions = {k: v for k, v in definitions.items() if k in conditions}
    return definitions


def _partner_frames(panel: FocusPanel, names: list[str]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Per partner with enough data, its regression frame (x, its lag and the partner's lag); per
    partner without, the reason it is left out."""
    frames: dict[str, pd.DataFrame] = {}
    skipped: dict[str, str] = {}
    for partner in names:
        pair = panel.pair(partner)
        active_out, active_in = int((pair["out_events"] > 0).sum()), int((pair["in_events"] > 0).sum())
        if len(pair) < MIN_PERIODS or min(active_out, active_in) < MIN_ACTIVE:
            skipped[partner] = (
                f"{len(pair)} periods, {active_out}/{active_in} active (focus/partner); "
                f"needs {MIN_PERIODS} periods and {MIN_ACTIVE} active each way"
            )
            continue
        frames[partner] = pd.DataFrame(
            {
                "period": pair["period"].iloc[1:].to_numpy(),
                "x": pair["focus_to_partner"].iloc[1:].to_numpy(),
                "x_lag": pair["focus_to_partner"].iloc[:-1].to_numpy(),
                "z_lag": pair["partner_to_focus"].iloc[:-1].to_numpy(),
                "partner": partner,
            }
        )
    return frames, skipped


def _condition(
    name: str,
    frame: pd.DataFrame,
    freq: str,
    tests: list[pd.Timestamp] | None,
    summits: pd.DataFrame | None,
    windows: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] | None,
    partner: str,
) -> np.ndarray[Any, Any]:
    periods = pd.to_datetime(frame["period"])
    if name.startswith("era:"):
        era = next(e for e in ERAS if e.name == name[4:])
        return periods.map(era.contains).to_numpy(dtype=float)
    if name == "sanctions":
        return (periods >= period_start(UNSC_1718, freq)).to_numpy(dtype=float)
    if name == "nuclear_test_window":
        spans = [
            (d - pd.DateOffset(months=NUCLEAR_TEST_MONTHS), d + pd.DateOffset(months=NUCLEAR_TEST_MONTHS))
            for d in tests or []
        ]
        return _overlaps(frame["period"], spans, freq)
    if name == "summit":
        dates = [] if summits is None else list(summits.loc[summits["partner"] == partner, "date"])
        return _overlaps(frame["period"], [(d, d) for d in dates], freq)
    if name == "partner_hostile":
        return (frame["z_lag"] < 0).to_numpy(dtype=float)
    return _overlaps(frame["period"], (windows or {})[name], freq)


def circumstances(
    store: Store,
    focus: str = "PRK",
    *,
    freq: str = "M",
    partners: list[str] | None = None,
    conditions: list[str] | None = None,
    windows: list[str] | None = None,
    normalize: str = "none",
    drop_statements: bool = False,
    selection: Selection | None = None,
) -> CircumstancesResult:
    """How the focus country's lag-1 response to each partner differs when a condition holds.

    ``windows`` are user conditions ``name=FROM:TO[,FROM:TO]``; ``conditions`` picks rows by name.
    """
    parsed = parse_windows(windows or [])
    for name in parsed:
        if not re.fullmatch(r"[A-Za-z][\w-]*", name):
            raise UsageError(f"condition name {name!r}: use letters, digits, - and _")
    code = focus.upper()
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements, partners=partners)
    panel = focus_panel(store, code, selection=sel)
    return panel_circumstances(
        panel,
        partners=list(sel.partners) or None,
        nuclear_test_dates=nuclear_tests(store),
        summits=summit_dates(store, code),
        windows=parsed,
        conditions=conditions,
    )
