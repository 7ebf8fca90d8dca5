"""The series' questions answered in words generated from the computed numbers.

Each function takes analysis JSON (or a small frame) and returns plain sentences; where a number
cannot be computed it says so and why, never printing NaN or None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: How many departures (unusual years) a brief describes.
DEPARTURES = 3


@dataclass(frozen=True)
class Departure:
    """A year whose net cooperation departs most from the relationship's usual level."""

    year: int
    net: float
    typical: float
    events: list[dict[str, Any]]


def number(value: float | None, digits: int = 1, signed: bool = False) -> str:
    """A finite number for prose; a dash (never NaN) for a missing one."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def p_value(value: float | None) -> str:
    """A p-value for tables: three decimals, or "< 0.001"."""
    if value is None or not math.isfinite(value):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def percent(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.0f}%"


def finite(value: Any) -> float | None:
    try:
        number_value = float(value)
    except (TypeError, ValueError):
        return None
    return number_value if math.isfinite(number_value) else None


def capital(text: str) -> str:
    """The first letter upper-cased, the rest as given ("the DPRK" -> "The DPRK")."""
    return text[:1].upper() + text[1:]


def flexibility_level(value: float) -> str:
    if value >= 0.4:
        return "highly flexible"
    if value >= 0.2:
        return "moderately flexible"
    if value >= 0.08:
        return "somewhat flexible"
    return "rigid"


def how_flexible(focus_name: str, partner_name: str, row: dict[str, Any] | None, reason: str | None) -> str:
    """One paragraph on flexibility and responsiveness towards the partner."""
    if row is None:
        return (
            f"How flexible {focus_name} is towards {partner_name} cannot be estimated from these data: "
            f"{reason or 'the flexibility analysis returned no estimate for this relationship'}."
        )
    flexibility = finite(row.get("flexibility"))
    if flexibility is None:
        why = row.get("reason") or row.get("status") or "the estimate is unstable"
        return f"How flexible {focus_name} is towards {partner_name} cannot be estimated: {why}."
    low, high = finite(row.get("ci_low")), finite(row.get("ci_high"))
    text = (
        f"{capital(focus_name)} is {flexibility_level(flexibility)} towards {partner_name}: "
        f"{percent(flexibility)} of the variation in its net cooperation towards {partner_name}, six periods "
        f"ahead, follows {partner_name}'s own behaviour"
    )
    if low is not None and high is not None:
        text += f" (bootstrap interval {percent(low)}–{percent(high)})"
    periods = row.get("n_periods")
    text += f", estimated from {periods} periods." if isinstance(periods, int) else "."
    p_value = finite(row.get("responsiveness_p"))
    if p_value is not None:
        if p_value < 0.05:
            text += f" {partner_name}'s conduct helps predict {focus_name}'s (Granger test p = {p_value:.3f})."
        else:
            text += (
                f" There is no clear evidence that {partner_name}'s conduct predicts {focus_name}'s "
                f"(Granger test p = {p_value:.2f})."
            )
    return text


def breaks_split(data: dict[str, Any] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Breaks towards cooperation ("bent") and towards conflict ("hardened")."""
    if not data:
        return [], []
    found = [b for b in data.get("breaks", []) if finite(b.get("before_mean")) is not None]
    bent = [b for b in found if float(b["after_mean"]) >= float(b["before_mean"])]
    hardened = [b for b in found if float(b["after_mean"]) < float(b["before_mean"])]
    return bent, hardened


def _break_sentence(item: dict[str, Any]) -> str:
    year = str(item["date"])[:4]
    text = (
        f"from {year}: mean net cooperation per year went from {number(finite(item['before_mean']), signed=True)} "
        f"to {number(finite(item['after_mean']), signed=True)}"
    )
    nearby = item.get("nearby_events") or []
    if nearby:
        first = nearby[0]
        text += f" (around then: {str(first['date'])[:10]}, {str(first['summary']).rstrip('.')})"
    return text + "."


def when_it_changed(partner_name: str, data: dict[str, Any] | None, reason: str | None) -> tuple[str, str]:
    """Sentences for "when it bent" and "when it hardened"."""
    if data is None:
        missing = f"Regime changes cannot be dated for {partner_name}: {reason or 'no break analysis'}."
        return missing, missing
    bent, hardened = breaks_split(data)
    periods = data.get("n_periods")
    if not bent and not hardened:
        quiet = (
            f"No regime change stands out in the {periods} years of the series: the relationship's net cooperation "
            "moves within one regime (PELT with an MBIC penalty)."
        )
        return quiet, quiet
    bent_text = (
        "It bent towards cooperation " + " It bent again ".join(_break_sentence(b) for b in bent)
        if bent
        else "No break towards more cooperation was detected."
    )
    hardened_text = (
        "It hardened " + " It hardened again ".join(_break_sentence(b) for b in hardened)
        if hardened
        else "No break towards more conflict was detected."
    )
    return bent_text, hardened_text


def departures(series: pd.DataFrame, events: pd.DataFrame, count: int = DEPARTURES) -> list[Departure]:
    """The years whose net cooperation lies furthest from the median active year, with their events."""
    active = series[series["events"] > 0]
    if len(active) < 3:
        return []
    typical = float(active["goldstein_sum"].median())
    spread = (active["goldstein_sum"] - typical).abs()
    order = spread.to_numpy().argsort(kind="stable")[::-1][:count]
    chosen: list[dict[str, Any]] = active.iloc[sorted(order)].to_dict(orient="records")  # type: ignore[assignment]
    years = pd.to_datetime(events["date"]).dt.year
    found = []
    for row in chosen:
        if abs(float(row["goldstein_sum"]) - typical) == 0:
            continue
        that_year = events[years == int(row["year"])]
        weights = that_year["goldstein"].abs().to_numpy()
        top: list[dict[str, Any]] = that_year.iloc[weights.argsort(kind="stable")[::-1][:2]].to_dict(  # type: ignore[assignment]
            orient="records"
        )
        rows = [
            {
                "date": str(pd.Timestamp(r["date"]).date()),
                "summary": str(r["summary"]),
                "reference": str(r["reference"] or ""),
            }
            for r in top
        ]
        found.append(Departure(int(row["year"]), float(row["goldstein_sum"]), typical, rows))
    return sorted(found, key=lambda item: item.year)


def departure_sentence(item: Departure) -> str:
    direction = "more cooperative" if item.net > item.typical else "more conflictual"
    text = (
        f"{item.year} was {direction} than usual: net cooperation {number(item.net, signed=True)} against a "
        f"typical year's {number(item.typical, signed=True)}."
    )
    if item.events:
        text += " What happened: " + " ".join(f"{e['summary'].rstrip('.')}." for e in item.events)
    return text


def overall(partner_name: str, series: pd.DataFrame) -> str:
    """The relationship in one sentence: span, volume, cooperation share."""
    active = series[series["events"] > 0]
    total = int(active["events"].sum())
    cooperative = int(active["cooperation"].sum())
    share = cooperative / total if total else 0.0
    return (
        f"The store holds {total} events between the DPRK and {partner_name} in {len(active)} of the "
        f"{len(series)} years from {int(series['year'].min())} to {int(series['year'].max())}; "
        f"{percent(share)} of them are cooperative (CAMEO quad classes 1–2)."
    )


def ranking_sentence(focus_name: str, rows: list[dict[str, Any]], names: dict[str, str]) -> str:
    """Who ranks most and least flexible, for the overview."""
    estimated = [r for r in rows if finite(r.get("flexibility")) is not None]
    if not estimated:
        return "No relationship has enough periods for a flexibility estimate."
    ranked = sorted(estimated, key=lambda r: float(r["flexibility"]), reverse=True)
    top, bottom = ranked[0], ranked[-1]
    text = (
        f"{focus_name} is most flexible towards {names.get(top['partner'], top['partner'])} "
        f"({percent(finite(top['flexibility']))})"
    )
    if len(ranked) > 1:
        least = names.get(bottom["partner"], bottom["partner"])
        text += f" and least towards {least} ({percent(finite(bottom['flexibility']))})"
    return text + f"; {len(ranked)} relationships have an estimate."
