"""All of a focus country's dyad series in one query: the input of flexibility, circumstances and compare.

One grouped Ibis query (events × actor1 × actor2 × period) replaces two ``store.series`` calls per
partner, so 25 partners cost one round trip. Counts are normalised exactly as
:func:`dyadwatch.series.dyad_series` does (per 1 000 events of the focus country, or of all
events, in the period) and CAMEO 010 is left out on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from dyadwatch.analysis.periods import period_index
from dyadwatch.selection import Selection, resolve
from dyadwatch.series import volume_expr

if TYPE_CHECKING:
    from dyadwatch.store import Store

VALUE_COLUMNS = ("events", "goldstein_sum", "q1", "q2", "q3", "q4")


@dataclass
class FocusPanel:
    """Directed dyad rows of one focus country: partner, direction (out = F→P, in = P→F), period, counts."""

    focus: str
    freq: str
    normalize: str
    drop_statements: bool
    rows: pd.DataFrame  # partner, direction, period (Timestamp), events, goldstein_sum, q1..q4
    selection: Selection | None = None

    def partners(self) -> list[str]:
        """Partners, most events (both directions) first."""
        totals = self.rows.groupby("partner")["events"].sum().sort_values(ascending=False, kind="stable")
        return [str(p) for p in totals.index]

    def pair(self, partner: str, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
        """One row per period of the partner's span (first to last event, either direction), zeros filled.

        Columns: period, focus_to_partner, partner_to_focus (Goldstein sums, NC), out_events, in_events.
        """
        rows = self.rows[self.rows["partner"] == partner]
        columns = ["period", "focus_to_partner", "partner_to_focus", "out_events", "in_events"]
        if rows.empty:
            return pd.DataFrame(columns=columns)
        first = start if start is not None else rows["period"].min()
        last = end if end is not None else rows["period"].max()
        index = period_index(first, last, self.freq)
        frame = pd.DataFrame({"period": index})
        for direction, value_name, count_name in (
            ("out", "focus_to_partner", "out_events"),
            ("in", "partner_to_focus", "in_events"),
        ):
            part = rows[rows["direction"] == direction].set_index("period")
            frame[value_name] = part["goldstein_sum"].reindex(index, fill_value=0.0).to_numpy(dtype=float)
            frame[count_name] = part["events"].reindex(index, fill_value=0.0).to_numpy(dtype=float)
        return frame[columns]


def focus_panel(
    store: Store,
    focus: str = "PRK",
    freq: str = "M",
    *,
    normalize: str = "none",
    drop_statements: bool = False,
    partners: list[str] | None = None,
    selection: Selection | None = None,
) -> FocusPanel:
    """Every dyad series of ``focus`` (both directions) at ``freq``, as one long frame.

    ``selection`` (design §9) wins over the separate keyword arguments when given."""
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements, partners=partners)
    freq, normalize = sel.freq, sel.normalize
    code = focus.upper()
    events = store.ibis()
    table = events.filter(
        ((events.actor1 == code) & events.actor2.notnull() & (events.actor2 != "") & (events.actor2 != code))
        | ((events.actor2 == code) & events.actor1.notnull() & (events.actor1 != "") & (events.actor1 != code))
    )
    table = sel.apply(table)
    if sel.partners:  # only the chosen partners' rows (the normalisation base below still counts all)
        chosen = list(sel.partners)
        table = table.filter(table.actor1.isin(chosen) | table.actor2.isin(chosen))
    table = table.mutate(period=table.date.truncate(freq))
    quad = table.quad_class
    raw = (
        table.group_by(["actor1", "actor2", "period"])
        .aggregate(
            events=table.count(),
            goldstein_sum=table.goldstein.sum(),
            q1=(quad == 1).sum(),
            q2=(quad == 2).sum(),
            q3=(quad == 3).sum(),
            q4=(quad == 4).sum(),
        )
        .execute()
    )
    raw["period"] = pd.to_datetime(raw["period"])
    raw["direction"] = (raw["actor1"] == code).map({True: "out", False: "in"})
    raw["partner"] = raw["actor2"].where(raw["actor1"] == code, raw["actor1"])
    for column in VALUE_COLUMNS:
        raw[column] = raw[column].fillna(0).astype(float)
    if sel.partners:
        raw = raw[raw["partner"].isin(list(sel.partners))]
    if normalize != "none" and len(raw):
        base = volume_expr(events, code if normalize == "focus" else None, freq, sel).execute()
        base["period"] = pd.to_datetime(base["period"])
        merged = raw.merge(base, on="period", how="left")
        scale = 1000.0 / merged["base"].where(merged["base"] > 0)
        for column in VALUE_COLUMNS:
            raw[column] = (merged[column] * scale).fillna(0.0).to_numpy()
    rows = raw[["partner", "direction", "period", *VALUE_COLUMNS]].sort_values(["partner", "direction", "period"])
    return FocusPanel(code, freq, normalize, sel.drop_statements, rows.reset_index(drop=True), sel)
