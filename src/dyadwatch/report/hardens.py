"""The overview's "When it hardens" section (issue 13), from :mod:`dyadwatch.analysis.provocations`.

Kept apart from :mod:`dyadwatch.report.site`, which only wires it in. Every key is always present
(the templates are strict); when the store has no provocation lists the section says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dyadwatch.errors import DyadwatchError

if TYPE_CHECKING:
    from dyadwatch.api import Store

#: Fewer permutations than the command's default keep the report quick; the p-values are rounded.
REPORT_PERMUTATIONS = 199
TERM_NAMES = {
    "recent": "provocations in the previous four weeks (per unit of log(1 + days))",
    "exercise": "a week in or within 30 days after a US–ROK exercise",
    "un_resolution": "a week within 30 days after a UN Security Council resolution",
    "election": "a week within 30 days after a South Korean or US presidential election",
}
TRIGGER_NAMES = {"exercise": "US–ROK exercises", "un_resolution": "UN resolutions", "election": "elections"}
PERIOD_NAMES = {"hess_2012_2016": "2012–2016 (Hess's period)", "1990_2025": "1990–2025"}


def _p(value: float | None) -> str:
    return "not defined" if value is None else f"{value:.3f}"


def overview_hardens(store: Store, focus: str) -> dict[str, Any]:
    """``hardens_rows`` (period, term, rate ratio and interval, with time controls), ``hardens_sentences``
    (per period: Hess's comparison from :func:`~dyadwatch.analysis.provocations.verdict_sentence`, and
    the event study's ratios with both permutation p-values), ``hardens_verdict`` (the comparison of
    the last, longest period, for the overview's first screen) and ``hardens_missing``."""
    from dyadwatch.analysis.provocations import SCHEME_WORDS, provocations, shipped_trust, verdict_sentence

    # the command line's note names the third p-value by its result key; the page says which it is in words
    trust = shipped_trust({**SCHEME_WORDS, "p_value_adjusted": "the third (trend-and-season) p-value"})

    try:
        result = provocations(store, focus, permutations=REPORT_PERMUTATIONS)
    except DyadwatchError as exc:
        return {"hardens_rows": [], "hardens_sentences": [], "hardens_verdict": None, "hardens_missing": str(exc)}
    rows: list[dict[str, Any]] = []
    sentences: list[str] = []
    verdicts: list[str] = []
    for period in result.periods:
        name = PERIOD_NAMES.get(period["name"], period["name"])
        model = period["count_model"]
        if not model:
            continue
        for term in model["terms"]:
            if term["term"] == "const":
                continue
            rows.append(
                {
                    "period": name,
                    "term": TERM_NAMES.get(term["term"], term["term"]),
                    "irr": term["irr"],
                    "low": term["irr_low"],
                    "high": term["irr_high"],
                }
            )
        sentences.append(
            f"{name}: {period['provocation_days']} days with a provocation or missile test; " + verdict_sentence(model)
        )
        verdicts.append(sentences[-1])
        after = [row for row in period["event_study"] if row["side"] == "after" and row["p_value"] is not None]
        if after:
            sentences.append(
                f"{name}, provocation days after each kind of trigger against other days (rate ratio; calendar-shift "
                "p-values over the whole period / with each trigger moved by 1–2 years / over the whole period on "
                "the ratio to the rate expected from the trend and the season): "
                + "; ".join(
                    f"{TRIGGER_NAMES.get(row['trigger'], row['trigger'])} {row['rate_ratio']:.2f} "
                    f"({_p(row['p_value'])} / {_p(row['p_value_local'])} / {_p(row.get('p_value_adjusted'))})"
                    for row in after
                )
                + f"; {trust}."
            )
    return {
        "hardens_rows": rows,
        "hardens_sentences": sentences,
        "hardens_verdict": verdicts[-1] if verdicts else None,  # the longest period, listed last
        "hardens_missing": None,
    }
