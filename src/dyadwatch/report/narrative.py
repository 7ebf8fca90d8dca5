"""The series' questions answered in words generated from the computed numbers.

Each function takes analysis JSON (or a small frame) and returns plain sentences; where a number
cannot be computed it says so and why, never printing NaN or None.
"""

from __future__ import annotations

import math
import re
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


#: The level at which a bootstrap Wald p counts as a detectable lagged response: the level at which
#: the test's size and power are measured (``docs/validation.md``), so "detectable" means what was
#: calibrated, not an interval's lower end.
RESPONSE_LEVEL = 0.05

#: How a partner row's ``status`` is said when it carries no numbers.
DATA_LIMIT_WORDS = {"insufficient_data": "too little data", "unstable": "the estimate is unstable"}


def wald_p(value: float) -> str:
    """A bootstrap p-value for prose: "p = 0.015", "p = 0.58", "p < 0.001".

    Three decimals below 0.1, so that a p just under the 5 % level never prints as "0.05".
    """
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}" if value < 0.1 else f"p = {value:.2f}"


def responds(row: dict[str, Any]) -> bool | None:
    """Whether the lagged-response test rejects at :data:`RESPONSE_LEVEL`; None when the row was not tested."""
    p = finite(row.get("lagged_response_p"))
    if row.get("status", "ok") != "ok" or p is None:
        return None
    return p < RESPONSE_LEVEL


def _interval(low: float | None, high: float | None) -> str | None:
    return f"{percent(low)}–{percent(high)}" if low is not None and high is not None else None


def _reading(row: dict[str, Any], key: str) -> str:
    """A share with its 90% interval: "24% (90% interval 9%–45%)"."""
    span = _interval(finite(row.get(f"{key}_ci_low")), finite(row.get(f"{key}_ci_high")))
    return percent(finite(row.get(key))) + (f" (90% interval {span})" if span else "")


def horizon_words(data: dict[str, Any]) -> str:
    """ "6 years ahead" from a result's (or row's) ``horizon`` and ``freq``; empty when not given."""
    horizon = data.get("horizon")
    unit = FREQ_NAMES.get(str(data.get("freq")), "period")
    return f"{horizon} {unit}s ahead" if isinstance(horizon, int) else ""


def _variance(focus_name: str, partner_name: str, row: dict[str, Any]) -> str:
    """ "forecast-error variance of F's net cooperation towards P 6 years ahead" (the horizon when given)."""
    ahead = horizon_words(row)
    return f"forecast-error variance of {focus_name}'s net cooperation towards {partner_name}" + (
        f" {ahead}" if ahead else ""
    )


def _signed(value: Any) -> str:
    return number(finite(value), 2, signed=True)


def sign_flip_sentence(partner_name: str, row: dict[str, Any]) -> str | None:
    """The frequencies at which responsiveness changes sign (``sign_flip``), said with each estimate."""
    flips = [str(freq) for freq in row.get("sign_flip") or []]
    by_freq: dict[str, Any] = row.get("responsiveness_by_freq") or {}
    if not flips or not all(freq in by_freq for freq in flips):
        return None
    own = row.get("freq") if row.get("freq") in by_freq else next((f for f in by_freq if f not in flips), None)

    def said(freq: str) -> str:
        entry = by_freq[freq]
        return (
            f"{_signed(entry.get('responsiveness'))} by {FREQ_NAMES.get(freq, freq)} "
            f"(90% interval {_signed(entry.get('ci_low'))} to {_signed(entry.get('ci_high'))})"
        )

    first = f"{said(str(own))} but " if own is not None else ""
    return (
        f"The sign of the response to {partner_name} flips with the aggregation interval: responsiveness is "
        f"{first}{' and '.join(said(freq) for freq in flips)}, each interval excluding zero, so the direction "
        "depends on whether months, quarters or years are counted (Shellman 2004); read neither alone."
    )


def _direction(focus_name: str, partner_name: str, row: dict[str, Any]) -> str:
    """Which way a detected response goes, when the responsiveness interval excludes zero."""
    value = finite(row.get("responsiveness"))
    low, high = finite(row.get("responsiveness_ci_low")), finite(row.get("responsiveness_ci_high"))
    if value is None or low is None or high is None:
        return ""
    said = f"responsiveness {_signed(value)}, 90% interval {_signed(low)} to {_signed(high)}"
    if low > 0:
        return f" It reciprocates: more cooperation from {partner_name} is followed by more from {focus_name} ({said})."
    if high < 0:
        return (
            f" It runs the other way: more cooperation from {partner_name} is followed by less from "
            f"{focus_name} ({said})."
        )
    return f" Its direction is not clear ({said})."


def how_flexible(focus_name: str, partner_name: str, row: dict[str, Any] | None, reason: str | None) -> str:
    """One paragraph on whether ``focus_name`` responds to ``partner_name``'s past, and by how much.

    ``row`` is a partner row of ``flexibility(...).to_dict()["partners"]`` (optionally with the
    result's ``horizon`` and ``freq``). The paragraph leads with the bootstrap Wald test
    (``lagged_response_p``), because that, not an interval's lower end, answers "does it respond at
    all?"; then the two FEVD shares as two readings (``focus_first``, ``partner_first``, each with
    its interval), which differ in who is credited with same-period moves, neither a floor nor a
    ceiling for the other; then ``co_movement`` and a sign flip across frequencies. An ``insufficient_data`` or
    ``unstable`` row prints its reason instead of numbers.
    """
    if row is None:
        return (
            f"Whether {focus_name} responds to {partner_name}'s past cannot be estimated from these data: "
            f"{reason or 'the flexibility analysis returned no estimate for this relationship'}."
        )
    status = str(row.get("status") or "ok")
    focus_first = finite(row.get("focus_first"))
    if status != "ok" or focus_first is None:
        words = DATA_LIMIT_WORDS.get(status, status.replace("_", " "))
        why = row.get("reason") or reason or "the analysis gave no reason"
        return f"Whether {focus_name} responds to {partner_name}'s past cannot be estimated ({words}): {why}."
    p = finite(row.get("lagged_response_p"))
    if p is None:
        text = f"The lagged-response test could not be computed for {partner_name}."
    elif p < RESPONSE_LEVEL:
        text = (
            f"{capital(focus_name)}'s events towards {partner_name} respond to {partner_name}'s past events "
            f"(bootstrap Wald {wald_p(p)})." + _direction(focus_name, partner_name, row)
        )
    else:
        text = (
            f"{capital(focus_name)}'s events towards {partner_name} show no detectable response to "
            f"{partner_name}'s past events (bootstrap Wald {wald_p(p)})."
        )
    text += (
        f" Read two ways, {partner_name}'s behaviour accounts for {_reading(row, 'focus_first')} of the "
        f"{_variance(focus_name, partner_name, row)} if {focus_name}'s same-period moves are counted as its own, "
        f"and {_reading(row, 'partner_first')} if they are credited to {partner_name}"
    )
    periods = row.get("n_periods")
    freq = FREQ_NAMES.get(str(row.get("freq")))
    unit = f"{freq}s" if freq else "periods"
    text += f"; estimated from {periods} {unit}." if isinstance(periods, int) else "."
    co_movement = finite(row.get("co_movement"))
    if co_movement is not None:
        text += (
            f" The two directions' surprises move together within a period (co-movement {number(co_movement, 2)}): "
            f"shared same-period reporting, such as joint meetings or one event reported from both sides, which "
            "the data cannot attribute to either side; the two readings differ in whom they credit with it."
        )
    flip = sign_flip_sentence(partner_name, row)
    return text + (f" {flip}" if flip else "")


def flexible_summary(partner_name: str, row: dict[str, Any] | None, paragraph: str) -> str:
    """The brief's one-line answer to "how flexible?": the test's verdict (the paragraph's first
    sentence) and, when estimated, the two readings of the partner's share with their intervals."""
    verdict = first_sentence(paragraph)
    if not row or str(row.get("status") or "ok") != "ok" or finite(row.get("focus_first")) is None:
        return verdict
    return (
        f"{verdict} {capital(partner_name)}'s share of the DPRK's forecast-error variance: "
        f"{_reading(row, 'focus_first')} focus first, {_reading(row, 'partner_first')} partner first."
    )


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


def candidate_direction(data: dict[str, Any], series: pd.DataFrame | None) -> tuple[str, float, float] | None:
    """Which way the break analysis's strongest rejected candidate points: ("up" or "down", the mean
    yearly net cooperation before it, after it), from the yearly ``series`` (``year``,
    ``goldstein_sum``); ``None`` without a candidate or a series."""
    candidate = data.get("candidate") or {}
    if series is None or not candidate.get("date") or "goldstein_sum" not in series:
        return None
    year = int(str(candidate["date"])[:4])
    before = series.loc[series["year"] < year, "goldstein_sum"]
    after = series.loc[series["year"] >= year, "goldstein_sum"]
    if before.empty or after.empty:
        return None
    low, high = float(before.mean()), float(after.mean())
    return ("up" if high >= low else "down"), low, high


def _extreme_year(series: pd.DataFrame | None, most: str) -> str:
    """ "The most cooperative year was 2018 (net cooperation +41.5; the median year with events +2.0)." """
    if series is None or "goldstein_sum" not in series:
        return ""
    active = series[series["events"] > 0] if "events" in series else series
    if len(active) < 3:
        return ""
    values = active["goldstein_sum"].to_numpy()
    position = int(values.argmax() if most == "cooperative" else values.argmin())
    value, typical = float(values[position]), float(active["goldstein_sum"].median())
    if (most == "cooperative" and value <= typical) or (most == "conflictual" and value >= typical):
        return ""
    return (
        f" The most {most} year was {int(active['year'].iloc[position])} (net cooperation "
        f"{number(value, signed=True)}; the median year with events {number(typical, signed=True)})."
    )


def when_it_changed(
    partner_name: str, data: dict[str, Any] | None, reason: str | None, series: pd.DataFrame | None = None
) -> tuple[str, str]:
    """Paragraphs for "when it bent" and "when it hardened", each from its own results: the breaks
    towards cooperation and the most cooperative year, the breaks towards conflict and the most
    conflictual year. With no break at all, each says so and places the strongest candidate under the
    question its direction answers (with the gain and the penalty it falls short of)."""
    if data is None:
        why = reason or "no break analysis"
        return (
            f"When the relationship with {partner_name} bent towards cooperation cannot be dated: {why}."
            + _extreme_year(series, "cooperative"),
            f"When the relationship with {partner_name} hardened cannot be dated: {why}."
            + _extreme_year(series, "conflictual"),
        )
    bent, hardened = breaks_split(data)
    periods = data.get("n_periods")
    span = f"in the {periods} years of the series" if isinstance(periods, int) else "in the series"
    if not bent and not hardened:
        candidate, penalty = data.get("candidate") or {}, finite(data.get("penalty"))
        gain, way = finite(candidate.get("gain")), candidate_direction(data, series)
        said = {"up": "", "down": ""}
        if candidate.get("date") and gain is not None and penalty is not None and way is not None:
            year = str(candidate["date"])[:4]
            towards = "more cooperation" if way[0] == "up" else "more conflict"
            said[way[0]] = (
                f" The strongest candidate, {year}, would mark a move towards {towards} (mean net cooperation per "
                f"year {number(way[1], signed=True)} before, {number(way[2], signed=True)} from {year}) but falls "
                f"short of the calibrated penalty (gain {number(gain)} against {number(penalty)})."
            )
            other = "up" if way[0] == "down" else "down"
            said[other] = f" The strongest candidate of either kind, {year}, points towards {towards}."
        bent_text = f"No break towards more cooperation stands out {span}." + said["up"]
        hardened_text = f"No break towards more conflict stands out {span}." + said["down"]
    else:
        bent_text = (
            "It bent towards cooperation " + " It bent again ".join(_break_sentence(b) for b in bent)
            if bent
            else f"No break towards more cooperation was detected {span}."
        )
        hardened_text = (
            "It hardened " + " It hardened again ".join(_break_sentence(b) for b in hardened)
            if hardened
            else f"No break towards more conflict was detected {span}."
        )
    return bent_text + _extreme_year(series, "cooperative"), hardened_text + _extreme_year(series, "conflictual")


def first_sentence(text: str) -> str:
    """A paragraph's first sentence: up to the first full stop followed by a space and a capital
    letter (numbers such as "0.015" and "p < 0.001" stay whole)."""
    found = re.search(r"\.\s+(?=[A-Z])", text)
    return text[: found.start() + 1] if found else text


def named(text: str, names: dict[str, str]) -> str:
    """``text`` with the country codes of ``names`` written as names ("PRK→CHN" -> "the DPRK → China"),
    its first letter upper-cased: for an analysis's ``summary``, which names countries by code."""

    def name(match: re.Match[str]) -> str:
        return names.get(match.group(0), match.group(0))

    text = re.sub(r"\s*→\s*", " → ", text)
    return capital(re.sub(r"\b[A-Z]{3}\b", name, text))


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
    """The overview's ranking: only partners with a detectable lagged response, ordered by the test.

    ``rows`` are partner rows of the flexibility result (``partner``, ``status``,
    ``lagged_response_p``). A partner counts as tested when its row is ``ok`` with a p-value; it is
    ranked only when the bootstrap Wald test rejects at :data:`RESPONSE_LEVEL`, smallest p first.
    The shares are not ranked: they are two readings, neither a floor nor a ceiling. The result offers no
    multiple-testing adjustment, so the sentence says how many partners were tested and that the
    p-values are unadjusted, with the chance that one of that many tests passes with no response.
    """
    tested = sorted(
        (row for row in rows if responds(row) is not None),
        key=lambda row: (float(row["lagged_response_p"]), str(row.get("partner"))),
    )
    if not tested:
        return f"No partner has enough data to test whether {focus_name} responds to its past events."

    def named(row: dict[str, Any]) -> str:
        return f"{names.get(row['partner'], row['partner'])} ({wald_p(float(row['lagged_response_p']))})"

    def listed(items: list[dict[str, Any]]) -> str:
        said = [named(row) for row in items]
        return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]

    count = len(tested)
    partners = "the one partner tested" if count == 1 else f"the {count} partners tested"
    detected = [row for row in tested if responds(row)]
    level = f"{RESPONSE_LEVEL:.0%}"
    unadjusted = (
        f"the p-values are not adjusted for testing {count} partners: if none responded, the chance that at least "
        f"one of {count} tests passes at {level} would be {1 - (1 - RESPONSE_LEVEL) ** count:.0%}"
        if count > 1
        else "one partner tested, so no adjustment for multiple tests applies"
    )
    if not detected:
        return (
            f"{capital(focus_name)}'s events show no detectable response to the past events of any of {partners} "
            f"(bootstrap Wald test at {level}: {listed(tested)}; {unadjusted})."
        )
    rest = [row for row in tested if not responds(row)]
    text = (
        f"Ranked by the bootstrap Wald test, {focus_name}'s events respond detectably (at {level}) to the past "
        f"events of {partners if count == 1 else f'{len(detected)} of {partners}'}: {listed(detected)}"
    )
    text += f"; no detectable response to {listed(rest)}." if rest else "."
    return text + f" {capital(unadjusted)}."


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
