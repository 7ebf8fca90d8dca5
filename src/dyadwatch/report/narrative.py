"""The series' questions answered in words generated from the computed numbers.

Each function takes analysis JSON (or a small frame) and returns plain sentences; where a number
cannot be computed it says so and why, never printing NaN or None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from dyadwatch.periods import FREQ_NAMES

if TYPE_CHECKING:
    from dyadwatch.selection import Selection

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
    """Words for the lower bound of flexibility."""
    if value >= 0.4:
        return "highly flexible"
    if value >= 0.2:
        return "moderately flexible"
    if value >= 0.08:
        return "somewhat flexible"
    return "rigid"


#: A Granger p at or above this says no lagged response is detectable.
GRANGER_ALPHA = 0.05


def flex_range(lower: float | None, upper: float | None) -> str:
    """ "3%–27%" (lower to upper bound), or the lower bound alone when there is no upper one."""
    if upper is None or not math.isfinite(upper):
        return percent(lower)
    return f"{percent(lower)}–{percent(upper)}"


def _interval(low: float | None, high: float | None) -> str | None:
    return f"{percent(low)}–{percent(high)}" if low is not None and high is not None else None


def how_flexible(focus_name: str, partner_name: str, row: dict[str, Any] | None, reason: str | None) -> str:
    """One paragraph on flexibility (the range between its two bounds) and responsiveness.

    ``row`` is a partner row of ``flexibility(...).to_dict()["partners"]``: ``flexibility`` (lower
    bound, the focus ordered first), ``flexibility_upper`` (the partner ordered first), their 90%
    intervals, ``co_movement`` and the Granger ``responsiveness_p``.
    """
    if row is None:
        return (
            f"How flexible {focus_name} is towards {partner_name} cannot be estimated from these data: "
            f"{reason or 'the flexibility analysis returned no estimate for this relationship'}."
        )
    lower = finite(row.get("flexibility"))
    if lower is None:
        why = row.get("reason") or row.get("status") or "the estimate is unstable"
        return f"How flexible {focus_name} is towards {partner_name} cannot be estimated: {why}."
    upper = finite(row.get("flexibility_upper"))
    share_of = (
        f"of the variation in {focus_name}'s net cooperation towards {partner_name}, six periods ahead, "
        f"follows {partner_name}'s behaviour"
    )
    if upper is not None:
        text = (
            f"Between {percent(lower)} (responses to {partner_name}'s past only) and {percent(upper)} "
            f"(if all same-period co-movement were a response) {share_of}"
        )
    else:
        text = f"{percent(lower)} {share_of} through {partner_name}'s past (no upper bound was computed)"
    low = _interval(finite(row.get("ci_low")), finite(row.get("ci_high")))
    high = _interval(finite(row.get("upper_ci_low")), finite(row.get("upper_ci_high")))
    if low and high:
        text += f" (90% bootstrap intervals: lower bound {low}, upper bound {high})"
    elif low:
        text += f" (90% bootstrap interval {low})"
    periods = row.get("n_periods")
    text += f", estimated from {periods} periods." if isinstance(periods, int) else "."
    text += f" By the lower bound, {focus_name} is {flexibility_level(lower)} towards {partner_name}."
    co_movement = finite(row.get("co_movement"))
    if co_movement is not None:
        text += (
            f" Same-period co-movement {number(co_movement, 2)}: joint meetings and mirrored reporting, "
            "which this measure does not credit to either side."
        )
    p_value = finite(row.get("responsiveness_p"))
    if p_value is not None:
        if p_value < GRANGER_ALPHA:
            text += (
                f" {capital(partner_name)}'s past conduct helps predict {focus_name}'s "
                f"(Granger test p = {p_value:.3f})."
            )
        else:
            text += (
                f" No lagged response to {partner_name} is detectable (Granger test p = {p_value:.2f}): "
                f"{partner_name}'s past conduct does not help predict {focus_name}'s."
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
            "moves within one regime (PELT on rank scores, with a penalty calibrated by permutation: "
            "a one-year spike is not a regime)."
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
    """Who ranks most and least flexible by the lower bound, with each one's range, for the overview.

    ``rows`` carry ``partner``, ``flexibility`` (lower bound), ``upper`` (or ``flexibility_upper``)
    and ``p`` (or ``responsiveness_p``).
    """
    estimated = [r for r in rows if finite(r.get("flexibility")) is not None]
    if not estimated:
        return "No relationship has enough periods for a flexibility estimate."
    ranked = sorted(estimated, key=lambda r: float(r["flexibility"]), reverse=True)

    def named(row: dict[str, Any]) -> str:
        upper = finite(row.get("upper", row.get("flexibility_upper")))
        return f"{names.get(row['partner'], row['partner'])} ({flex_range(finite(row['flexibility']), upper)})"

    text = (
        f"Ranked by the lower bound (responses to the partner's past only), {focus_name} is most flexible "
        f"towards {named(ranked[0])}"
    )
    if len(ranked) > 1:
        text += f" and least towards {named(ranked[-1])}"
    text += (
        f"; {len(ranked)} relationships have an estimate. The upper bound (the second figure) counts all "
        "same-period co-movement as a response."
    )
    undetected = [
        r for r in ranked if (p := finite(r.get("p", r.get("responsiveness_p")))) is not None and p >= GRANGER_ALPHA
    ]
    if undetected:
        text += (
            f" For {len(undetected)} of them no lagged response is detectable (Granger test p ≥ {GRANGER_ALPHA:.2f})."
        )
    return text


def selection_line(selection: Selection, sources: Sequence[str], first_year: int, last_year: int) -> str:
    """The report header's statement of its selection of events (design §9), field by field, with the
    command-line options that give the same numbers."""
    chosen = list(selection.sources)
    parts = [
        f"one value per {FREQ_NAMES[selection.freq]}",
        "sources "
        + (", ".join(chosen) if chosen else "all in the store (" + ", ".join(sources) + ")")
        # No source named leaves out the events coded from texts (design §9): say which, and how to read them.
        + "".join(f" but {name} (coded from texts: --source {name})" for name in selection.excluded_sources),
        "days "
        + (
            f"{selection.start or 'first'} to {selection.end or 'last'}"
            if selection.start or selection.end
            else f"all ({first_year}–{last_year})"
        ),
        "raw counts" if selection.normalize == "none" else f"counts per 1 000 events ({selection.normalize})",
        "bare statements (CAMEO 010) " + ("left out" if selection.drop_statements else "kept"),
    ]
    if selection.partners:
        parts.append("partners " + ", ".join(selection.partners))
    options = [f"--freq {selection.freq}", *(f"--source {name}" for name in chosen)]
    options += [f"--from {selection.start}"] if selection.start else []
    options += [f"--to {selection.end}"] if selection.end else []
    options += [f"--normalize {selection.normalize}"] if selection.normalize != "none" else []
    options += ["--drop-statements"] if selection.drop_statements else []
    options += ["--partners " + ",".join(selection.partners)] if selection.partners else []
    return "Selection: " + "; ".join(parts) + f" (on the command line: {' '.join(options)})"
