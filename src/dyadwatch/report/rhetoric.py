"""Words and deeds in the report (issue 11): a section in each brief and on the overview.

Kept apart from :mod:`dyadwatch.report.site`, which only wires it in: :func:`gather_rhetoric` once
per site (yearly index for the tables, monthly for the lead-lag tests), :func:`brief_rhetoric` per
brief and :func:`overview_rhetoric` for the index page. Where the store has no texts the section
is left out (``words_present`` false); every other key is always present.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from dyadwatch.analysis.rhetoric import RhetoricResult, rhetoric
from dyadwatch.errors import DyadwatchError
from dyadwatch.report.analyses import Outcome

if TYPE_CHECKING:
    from dyadwatch.api import Store


def _has_texts(store: Store) -> bool:
    try:
        return int(store.con.execute("SELECT count(*) FROM texts").fetchall()[0][0]) > 0
    except Exception:  # noqa: BLE001 - a store from before texts existed has no table: no section
        return False


def gather_rhetoric(store: Store, focus: str) -> Outcome:
    """Yearly and monthly rhetoric results (``data["yearly"]``, ``data["monthly"]``), or why not."""
    if not _has_texts(store):
        return Outcome(None, "no texts loaded (dyadwatch ingest-texts)")
    try:
        return Outcome({"yearly": rhetoric(store, focus, freq="Y"), "monthly": rhetoric(store, focus, freq="M")})
    except DyadwatchError as exc:
        return Outcome(None, str(exc))


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _lead_lag(result: RhetoricResult, partner: str) -> dict[str, Any] | None:
    return next((t for t in result.lead_lag if t["partner"] == partner), None)


def _p(value: Any) -> str:
    number = _number(value)
    return "not computed" if number is None else f"{number:.3f}"


def lead_lag_sentence(test: dict[str, Any] | None) -> str | None:
    """The brief's lead-lag sentence from one partner's test (``lead_lag`` of the monthly result):
    the text collection it ran in, its months and lags, and each direction's p with its
    Benjamini–Hochberg adjusted p; or why there is no test. ``None`` when there is no entry."""
    if test is None:
        return None
    if test.get("status") != "ok":
        return f"No lead–lag test: {test.get('reason') or 'the analysis gave no reason'}."
    collection = test.get("collection")
    within = f"within the {collection} collection of texts" if collection else "within one collection of texts"

    def direction(key: str, words: str) -> str:
        adjusted = test.get(f"{key}_p_adjusted")
        return f"{words} p = {_p(test.get(f'{key}_p'))}" + (
            f" (Benjamini–Hochberg adjusted {_p(adjusted)})" if _number(adjusted) is not None else " (not adjusted)"
        )

    over = test.get("adjusted_over")
    return (
        f"Lead and lag, month by month, {within} ({test.get('periods')} months, {test.get('lags')} lags): "
        f"{direction('words_lead_deeds', 'words before deeds')}, {direction('deeds_lead_words', 'deeds before words')}"
        f" (Granger tests{f', adjusted over {over} tests' if over else ''}; precedence, not cause: a common "
        "calendar can move both)."
    )


def brief_rhetoric(outcome: Outcome, partner: str, name: str) -> dict[str, Any]:
    """``words_present``, ``words_rows`` (per year), ``words_test`` with its sentence
    (:func:`lead_lag_sentence`) and ``words_missing`` for one brief."""
    if outcome.data is None:
        return {
            "words_present": False,
            "words_rows": [],
            "words_test": None,
            "words_test_sentence": None,
            "words_missing": outcome.reason,
        }
    yearly: RhetoricResult = outcome.data["yearly"]
    rows = yearly.rows[yearly.rows["partner"] == partner]
    records = [
        {
            "year": int(row["period"].year),
            "texts": int(row["texts"]),
            "index": _number(row["rhetoric_index"]),
            "juche_share": _number(row["juche_share"]),
            "goldstein_mean": _number(row["goldstein_mean"]),
        }
        for row in rows.to_dict(orient="records")
    ]
    missing = None if records else f"no loaded text is about {name}"
    test = _lead_lag(outcome.data["monthly"], partner)
    return {
        "words_present": True,
        "words_rows": records,
        "words_test": test,
        "words_test_sentence": lead_lag_sentence(test),
        "words_missing": missing,
        "words_lexicon": yearly.lexicon_version,
    }


def overview_rhetoric(outcome: Outcome, partners: list[str], names: dict[str, str]) -> dict[str, Any]:
    """``words_present`` and ``words_rows``: per partner, texts, mean index and the lead-lag test."""
    if outcome.data is None:
        return {"words_present": False, "words_rows": [], "words_missing": outcome.reason}
    yearly: RhetoricResult = outcome.data["yearly"]
    rows = []
    for partner in partners:
        own = yearly.rows[yearly.rows["partner"] == partner]
        if own.empty:
            continue
        terms = own["ideological"].sum() + own["pragmatic"].sum()
        rows.append(
            {
                "partner": partner,
                "name": names.get(partner, partner),
                "page": f"{partner}.html",
                "texts": int(own["texts"].sum()),
                "index": float((own["ideological"].sum() - own["pragmatic"].sum()) / terms) if terms else None,
                "juche_share": float((own["juche_share"] * own["texts"]).sum() / own["texts"].sum()),
                "test": _lead_lag(outcome.data["monthly"], partner),
            }
        )
    return {
        "words_present": True,
        "words_rows": rows,
        "words_missing": None if rows else "no loaded text is about a partner with a brief",
        "words_lexicon": yearly.lexicon_version,
    }
