"""The overview's first screen: what changed in the last twelve months, partner by partner, with its
evidence and its uncertainty (from the shifts analysis), then the series' three questions (how
flexible, when it bent, when it hardened) answered in sentences generated from the results.

Every sentence is built from a result's numbers; countries are named, never given by code, and no
key of a result (``china_russia``, ``rising_partner``) reaches the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from dyadwatch.report import charts, narrative
from dyadwatch.report.analyses import Outcome

#: How many events of a shift's evidence the first screen quotes.
EVIDENCE_SHOWN = 1
#: How many relationships' strongest candidates an empty answer names.
CANDIDATES_SHOWN = 3


def _listed(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _p(value: Any) -> str:
    p = narrative.finite(value)
    return "not computed" if p is None else narrative.wald_p(p)


def _day(value: Any) -> str:
    return pd.Timestamp(str(value)).strftime("%-d %B %Y")


def _months(count: Any) -> str:
    return f"{count} month{'s' if count != 1 else ''}" if isinstance(count, int) else "the months"


def bloc_name(key: str, members: Sequence[str], names: dict[str, str]) -> str:
    """A bloc said in words: its members' names when three or fewer ("China and Russia"), otherwise
    its key's words and how many of its countries have events ("the West bloc (8 countries with
    events)")."""
    if 0 < len(members) <= 3:
        return _listed([names.get(code, code) for code in members])
    words = " ".join(part.capitalize() for part in key.replace("-", "_").split("_") if part)
    return f"the {words} bloc ({len(members)} countries with events)"


def _evidence(events: Sequence[dict[str, Any]], names: dict[str, str]) -> list[dict[str, str]]:
    """The latest :data:`EVIDENCE_SHOWN` evidence events: date, who → whom, what, reference."""
    latest = sorted(events, key=lambda e: str(e.get("date")), reverse=True)[:EVIDENCE_SHOWN]
    return [
        {
            "date": str(e.get("date"))[:10],
            "direction": f"{names.get(str(e.get('actor1')), str(e.get('actor1')))} → "
            f"{names.get(str(e.get('actor2')), str(e.get('actor2')))}",
            "summary": str(e.get("summary") or "no summary recorded"),
            "reference": str(e.get("reference") or "no reference given"),
        }
        for e in latest
    ]


def _partner_item(shift: dict[str, Any], tested: int, names: dict[str, str], palette: charts.Palette) -> dict[str, Any]:
    code = str(shift.get("partner"))
    name = names.get(code, code)
    evidence = shift.get("evidence") or {}
    recent, baseline = evidence.get("recent") or {}, evidence.get("baseline") or {}
    rising = shift.get("kind") == "rising_partner"
    ratio = narrative.finite(evidence.get("rate_ratio"))
    before = narrative.finite(evidence.get("baseline_rate"))
    after = narrative.finite(evidence.get("recent_rate"))
    if evidence.get("new_partner") or ratio is None:
        change = "events where the baseline had none"
    else:
        change = (
            f"{narrative.number(ratio)} times the earlier rate"
            if ratio >= 1
            else (f"{narrative.percent(ratio)} of the earlier rate")
        )
    numbers = (
        f"{recent.get('events')} events in {_months(recent.get('periods'))} ({narrative.number(after, 2)} a month) "
        f"against {baseline.get('events')} in the {_months(baseline.get('periods'))} before "
        f"({narrative.number(before, 2)} a month): {change}."
    )
    uncertainty = (
        f"Adjusted {_p(evidence.get('p_adjusted'))} (unadjusted {_p(evidence.get('p_value'))}; permutation test "
        f"over months, Benjamini–Hochberg over {tested} partners)."
    )
    return {
        "colours": [(code, palette.colours[code])] if code in palette.colours else [],
        "title": f"{narrative.capital(name)}: {'more' if rising else 'fewer'} events with the DPRK",
        "numbers": numbers,
        "uncertainty": uncertainty,
        "evidence": _evidence(evidence.get("events") or [], names),
    }


def _bloc_item(shift: dict[str, Any], blocs: int, names: dict[str, str], palette: charts.Palette) -> dict[str, Any]:
    evidence = shift.get("evidence") or {}
    members = [str(code) for code in shift.get("partners") or []]
    bloc = bloc_name(str(shift.get("partner")), members, names)
    recent_share = narrative.finite(evidence.get("recent_share")) or 0.0
    baseline_share = narrative.finite(evidence.get("baseline_share")) or 0.0
    numbers = (
        f"{evidence.get('recent_events')} of the DPRK's {evidence.get('recent_total')} dyadic events "
        f"({narrative.percent(recent_share)}) against {evidence.get('baseline_events')} of "
        f"{evidence.get('baseline_total')} ({narrative.percent(baseline_share)}) in the baseline."
    )
    uncertainty = (
        f"Adjusted {_p(evidence.get('p_adjusted'))} (unadjusted {_p(evidence.get('p_value'))}; permutation test "
        f"over months, Benjamini–Hochberg over {blocs} blocs)."
    )
    return {
        "colours": [(code, palette.colours[code]) for code in members if code in palette.colours],
        "title": f"{narrative.capital(bloc)}: a {'larger' if recent_share >= baseline_share else 'smaller'} share of "
        "the DPRK's events",
        "numbers": numbers,
        "uncertainty": uncertainty,
        "evidence": _evidence(evidence.get("events") or [], names),
    }


def gatherings_sentence(shifts: Sequence[dict[str, Any]], names: dict[str, str]) -> str | None:
    """The events at which the DPRK met three or more foreign partners, in one sentence with each
    date and the partners (the shifts analysis's ``multilateral_event`` entries)."""
    said = []
    for shift in shifts:
        if shift.get("kind") != "multilateral_event":
            continue
        dates = (shift.get("evidence") or {}).get("dates") or [shift.get("date")]
        members = [names.get(str(code), str(code)) for code in shift.get("partners") or []]
        said.append(f"{_day(dates[0])} ({_listed(members)})")
    if not said:
        return None
    return f"The DPRK met three or more foreign partners at one event on {_listed(said)}."


def _steady(name: str, row: dict[str, Any]) -> str:
    """ "China (rate ratio 2.3, p = 0.38)"; "Japan (no events in the twelve months, p = 0.97)"."""
    ratio = narrative.finite(row.get("rate_ratio"))
    if ratio == 0:
        said = "no events in the twelve months"
    elif ratio is None:
        said = "no events in the baseline"
    else:
        said = f"rate ratio {narrative.number(ratio)}"
    return f"{name} ({said}, {_p(row.get('p_adjusted'))})"


def changes(outcome: Outcome, names: dict[str, str], palette: charts.Palette) -> dict[str, Any]:
    """The first screen's twelve months: ``changes_intro`` (the windows compared), ``changes``
    (one item per partner or bloc that changed: title, numbers, uncertainty, evidence),
    ``changes_gatherings`` (the events with three or more partners), ``changes_steady`` (the
    partners with a brief and no detectable change, each with its rate ratio and adjusted p),
    ``changes_untested`` and ``changes_missing``."""
    empty: dict[str, Any] = {
        "changes_intro": None,
        "changes": [],
        "changes_steady": None,
        "changes_untested": None,
        "changes_gatherings": None,
    }
    data = outcome.data
    if data is None:
        return {**empty, "changes_missing": outcome.reason or "the shift analysis returned no result"}
    rows = data.get("partners") or []
    tested = [row for row in rows if row.get("status") != "insufficient_data"]
    blocs = [bloc for bloc in data.get("blocs") or [] if bloc.get("status") != "insufficient_data"]
    items: list[dict[str, Any]] = []
    for shift in data.get("shifts") or []:
        kind = shift.get("kind")
        if kind in ("rising_partner", "falling_partner"):
            items.append(_partner_item(shift, len(tested), names, palette))
        elif kind == "realignment":
            items.append(_bloc_item(shift, len(blocs), names, palette))
    return {
        "changes_intro": _changes_intro(data, len(tested), len(blocs)),
        "changes": items,
        "changes_steady": _steady_text(tested, names, palette),
        "changes_untested": _untested_text(rows, names),
        "changes_gatherings": gatherings_sentence(data.get("shifts") or [], names),
        "changes_missing": None,
    }


def _changes_intro(data: dict[str, Any], tested: int, blocs: int) -> str | None:
    """The windows compared (the recent window of the first shift that has one, else the result's
    ``until``), the test's threshold and how many partners and blocs were tested; None when a
    window's end is unknown."""
    window = next(
        (
            s.get("evidence", {}).get("recent")
            for s in data.get("shifts") or []
            if s.get("kind") != "multilateral_event"
        ),
        None,
    )
    until = (window or {}).get("to") or data.get("until")
    return (
        f"{_day(data['since'])} to {_day(until)} against the baseline from {_day(data['baseline_from'])}, month "
        f"by month: a partner's rate of events or a bloc's share is named when its adjusted p is below "
        f"{data.get('alpha')} ({tested} partners and {blocs} blocs had enough events to test)."
        if data.get("since") and data.get("baseline_from") and until
        else None
    )


def _steady_text(tested: list[dict[str, Any]], names: dict[str, str], palette: charts.Palette) -> str | None:
    """The tested partners with a brief (a colour and a name) and no rise or fall, each with its rate
    ratio and adjusted p; None when there is none."""
    steady = [
        row
        for row in tested
        if row.get("status") not in ("rising", "falling")
        and str(row.get("partner")) in palette.colours
        and str(row.get("partner")) in names
    ]
    return (
        "No detectable change in the rate of events (adjusted p beside each) for "
        + _listed([_steady(names[str(row["partner"])], row) for row in steady])
        + "."
        if steady
        else None
    )


def _untested_text(rows: list[dict[str, Any]], names: dict[str, str]) -> str | None:
    """The partners with too few months to test, named, so that no change is read into them; None
    when every partner was tested."""
    untested = [str(row.get("partner")) for row in rows if row.get("status") == "insufficient_data"]
    return (
        f"Too few months with events to test {len(untested)} partner{'s' if len(untested) != 1 else ''}: "
        + _listed([names.get(code, code) for code in untested])
        + "; no rise or fall is claimed for them."
        if untested
        else None
    )


def _strongest_candidates(relationships: Sequence[Any], way: str) -> list[tuple[float, str]]:
    """(gain / penalty, "Russia, 2022 (gain 16.2 against a penalty of 24.4)") for each relationship
    whose strongest rejected break candidate points ``way`` ("up" or "down"), strongest first."""
    found = []
    for item in relationships:
        data = item.breaks.data
        if not data or data.get("breaks"):
            continue
        candidate = data.get("candidate") or {}
        gain, penalty = narrative.finite(candidate.get("gain")), narrative.finite(data.get("penalty"))
        direction = narrative.candidate_direction(data, item.series)
        if gain is None or not penalty or direction is None or direction[0] != way:
            continue
        said = (
            f"{item.name}, {str(candidate['date'])[:4]} (gain {narrative.number(gain)} against a penalty of "
            f"{narrative.number(penalty)})"
        )
        found.append((gain / penalty, said))
    return sorted(found, reverse=True)


def break_answer(relationships: Sequence[Any], way: str) -> str:
    """The overview's answer to "when did it bend?" (``way`` "up") or "when did it harden?" ("down"):
    the breaks of that direction across the relationships, latest first; with none, the strongest
    candidates that point that way and how far each falls short."""
    towards = "more cooperation" if way == "up" else "more conflict"
    found: list[tuple[int, str]] = []
    analysed = [item for item in relationships if item.breaks.data is not None]
    for item in analysed:
        bent, hardened = narrative.breaks_split(item.breaks.data)
        for b in bent if way == "up" else hardened:
            year = int(str(b["date"])[:4])
            found.append(
                (
                    year,
                    f"{item.name} from {year} (mean net cooperation per year "
                    f"{narrative.number(narrative.finite(b['before_mean']), signed=True)} before, "
                    f"{narrative.number(narrative.finite(b['after_mean']), signed=True)} after)",
                )
            )
    if not analysed:
        return f"No relationship has a break analysis, so no break towards {towards} can be dated."
    if found:
        found.sort(reverse=True)
        return f"Breaks towards {towards}, latest first: " + "; ".join(text for _, text in found) + "."
    text = (
        f"No relationship's yearly net cooperation breaks towards {towards} at the calibrated penalty "
        f"({len(analysed)} relationships analysed)."
    )
    candidates = _strongest_candidates(analysed, way)
    if candidates:
        shown = [said for _, said in candidates[:CANDIDATES_SHOWN]]
        text += (
            f" The strongest candidate{'s' if len(shown) > 1 else ''} pointing that way, closest to the penalty first: "
            + "; ".join(shown)
            + "."
        )
    else:
        text += f" No relationship's strongest candidate points towards {towards}."
    return text
