"""UN General Assembly voting agreement per partner and year: ``dyadwatch votes FOCUS`` (issue 12).

A second, independent measure of alignment beside the event data: every roll call records every
member's vote, so the share of roll calls on which the focus country and a partner voted alike
does not depend on what the news reported.

For focus F, partner P and year y, over the roll calls of y on which **both** voted yes, no or
abstain (absent members and non-members are no vote and leave the roll call out):

* ``votes``: the number of those roll calls;
* ``agreement``: the share on which both cast the same vote (yes–yes, no–no, abstain–abstain);
* ``agreement_lijphart``: the index of agreement of Lijphart (1963, *APSR* 57: 902–917): the same
  vote counts 1, a vote against an abstention ½ (yes–abstain, no–abstain), yes against no 0.

Per issue: the same over the roll calls the data label with an issue (:data:`ISSUES`; a roll call
may carry several labels, or none, so the issues do not add up to the whole).

The roll calls are the ``unvotes`` data (Robinson's R package, MIT; from Voeten, Strezhnev & Bailey,
*United Nations General Assembly Voting Data*, Harvard Dataverse), bundled in
``dyadwatch/data/unvotes`` and read with DuckDB straight from the ``.csv.gz`` files, once per
process. A newer release loaded with ``dyadwatch ingest-indicators --format unvotes`` is stored as
indicator rows (``un_agreement``, ``un_agreement_lijphart``) for the focus it was loaded for, and
replaces the bundled roll calls for that focus (see :func:`dyadwatch.ingest.indicators`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from dyadwatch.analysis.results import selection_json
from dyadwatch.codebook.countries import countries
from dyadwatch.codebook.rollcalls import (
    AGREEMENT,
    AGREEMENT_LIJPHART,
    ALL_ISSUES,
    BUNDLED_SOURCE,
    COLUMNS,
    ISSUES,
    agreement_frame,
    bundled_connection,
    check_codes,
    issue_name,
    typed_agreement,
)
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.store import Store


def has_indicators(store: Store) -> bool:
    """Whether the store has the ``indicators`` table (a store written by an older dyadwatch may not)."""
    row = store.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'indicators'").fetchall()
    return bool(row[0][0])


def loaded_agreement(store: Store, focus: str) -> tuple[pd.DataFrame, str] | None:
    """Agreement rows of a release loaded into the store for ``focus`` (the latest load), if any."""
    if not has_indicators(store):
        return None
    found = store.con.execute(
        "SELECT max(load_id), any_value(source) FROM indicators WHERE focus = ? AND name = ?", [focus, AGREEMENT]
    ).fetchall()[0]
    if found[0] is None:
        return None
    load_id = int(found[0])
    frame = store.con.execute(
        """SELECT partner, year, issue,
                  max(n) FILTER (WHERE name = ?) AS votes,
                  max(value) FILTER (WHERE name = ?) AS agreement,
                  max(value) FILTER (WHERE name = ?) AS agreement_lijphart
           FROM indicators WHERE focus = ? AND load_id = ? AND name IN (?, ?)
           GROUP BY partner, year, issue ORDER BY partner, year, issue""",
        [AGREEMENT, AGREEMENT, AGREEMENT_LIJPHART, focus, load_id, AGREEMENT, AGREEMENT_LIJPHART],
    ).df()
    file_row = store.con.execute("SELECT file FROM loads WHERE load_id = ?", [load_id]).fetchall()
    label = f"{found[1]} (loaded: {file_row[0][0] if file_row else f'load {load_id}'})"
    return typed_agreement(frame), label


#: A partner-year with fewer shared roll calls is left out of the rows (its agreement would rest on a
#: handful of votes: the bundled data's January 2020 has one), and named in the notes.
MIN_YEAR_VOTES = 10
#: The same for one issue's row when only issues are asked for.
MIN_ISSUE_VOTES = 3


@dataclass
class VotesResult:
    """UN voting agreement of ``focus`` with each partner per year (design §11)."""

    focus: str
    source: str
    issues: list[str]
    rows: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None
    #: The years left out of ``rows`` for too few shared roll calls (named in ``notes`` with the counts).
    left_out: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"focus","source","issues","method","rows":[{"partner","year","votes","agreement",
        "agreement_lijphart","issue"}],"notes"}``."""
        return {
            "focus": self.focus,
            "source": self.source,
            "issues": self.issues,
            "method": {
                "agreement": "share of roll calls both voted on (yes/no/abstain) with the same vote",
                "agreement_lijphart": "same vote 1, a vote against an abstention 0.5, yes against no 0 (Lijphart 1963)",
            },
            "rows": self.to_frame().to_dict(orient="records"),
            "left_out": self.left_out,
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the rows: each partner's agreement in the latest
        year with at least :data:`MIN_YEAR_VOTES` shared roll calls, and the years with fewer (not read as
        alignment)."""
        from dyadwatch.analysis.wording import listing

        rows = self.rows
        if rows.empty:
            return f"No UN roll call that {self.focus} and a chosen partner both voted on in this selection."
        overall = rows[rows["issue"] == ALL_ISSUES] if ALL_ISSUES in set(rows["issue"]) else rows
        enough = overall[overall["votes"] >= MIN_YEAR_VOTES]
        span = f"{int(rows['year'].min())}–{int(rows['year'].max())}"
        if enough.empty:
            return f"No year of {span} has {MIN_YEAR_VOTES} roll calls that {self.focus} and a partner both voted on."
        last = int(enough["year"].max())
        latest = enough[enough["year"] == last].sort_values("agreement", ascending=False)
        parts = [f"{row.partner} {row.agreement:.0%}" for row in latest.itertuples()]
        first = (
            f"Share of UN General Assembly roll calls {self.focus} voted alike with each partner, {span}; "
            f"in {last}, the latest year with at least {MIN_YEAR_VOTES} shared roll calls: {listing(parts, 6)}."
        )
        thin = sorted({int(year) for year in overall.loc[overall["votes"] < MIN_YEAR_VOTES, "year"]})
        if thin:
            verb = "rests" if len(thin) == 1 else "rest"
            first += (
                f" {listing([str(year) for year in thin], 6)} {verb} on fewer than {MIN_YEAR_VOTES} shared roll calls "
                "(shown, not to be read as a year's alignment)."
            )
        if self.left_out:
            verb = "is" if len(self.left_out) == 1 else "are"
            first += (
                f" {listing([str(year) for year in self.left_out], 6)} {verb} left out: too few shared roll calls "
                "to read as alignment."
            )
        return first

    def to_frame(self) -> pd.DataFrame:
        return self.rows.reset_index(drop=True)

    def series(self, partner: str, issue: str = ALL_ISSUES) -> pd.DataFrame:
        """One partner's rows for one issue, by year."""
        rows = self.rows
        return rows[(rows["partner"] == partner) & (rows["issue"] == issue)].sort_values("year").reset_index(drop=True)


def votes(
    store: Store | None,
    focus: str = "PRK",
    *,
    partners: Sequence[str] | None = None,
    issues: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> VotesResult:
    """UN General Assembly agreement of ``focus`` with ``partners`` (default: every member) per year.

    ``issues``: ``["all"]`` (default: every roll call), names or codes of :data:`ISSUES`, or
    ``["each"]`` for ``all`` and every issue. Reads a release loaded into ``store`` for ``focus``
    when there is one, else the bundled roll calls (``store`` may be None).
    """
    code = check_codes([focus], "focus country")[0]
    chosen = check_codes(partners, "partner") if partners else None
    wanted = _issues(issues)
    loaded = loaded_agreement(store, code) if store is not None else None
    if loaded is not None:
        frame, source = loaded
        if chosen:
            frame = frame[frame["partner"].isin(chosen)]
    else:
        cursor = bundled_connection()
        try:
            frame, source = agreement_frame(cursor, code, chosen), BUNDLED_SOURCE
        finally:
            cursor.close()
    frame = frame[frame["issue"].isin(wanted)]
    if start is not None:
        frame = frame[frame["year"] >= start]
    if end is not None:
        frame = frame[frame["year"] <= end]
    notes: list[str] = []
    if frame.empty:
        notes.append(
            f"no roll call in the data on which {code} and "
            f"{', '.join(chosen) if chosen else 'any other member'} both voted"
            + (f" on {', '.join(wanted)}" if wanted != [ALL_ISSUES] else "")
        )
    elif chosen:
        missing = sorted(set(chosen) - set(frame["partner"]))
        if missing:
            notes.append(f"no shared roll call with {', '.join(missing)} (not a UN member in those years, or no data)")
    kept, thin, threshold = _without_thin_years(frame)
    if thin:
        notes.append(
            f"left out, fewer than {threshold} shared roll calls (too few to read as alignment): " + "; ".join(thin)
        )
    left_out = sorted({int(year) for year in frame["year"]} - {int(year) for year in kept["year"]})
    return VotesResult(code, source, wanted, kept.reset_index(drop=True), notes, left_out=left_out)


def _without_thin_years(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str], int]:
    """``frame`` less its thin partner-years, those years in words ("2020: CHN 1, RUS 1") and the
    threshold used. A year is judged by its count over all roll calls (:data:`MIN_YEAR_VOTES`), and
    every issue row of a thin year goes too; when only issues are asked for, each row by its own
    count against :data:`MIN_ISSUE_VOTES` (an issue has a few roll calls a year by nature). The
    threshold is at most a quarter of the median count, so only years thin beside the others go."""
    overall = frame[frame["issue"] == ALL_ISSUES]
    counted, floor = (overall, MIN_YEAR_VOTES) if not overall.empty else (frame, MIN_ISSUE_VOTES)
    if counted.empty:
        return frame, [], floor
    # thin relative to the data too: a small release whose every year has a few roll calls keeps them
    threshold = min(floor, int(0.25 * float(counted["votes"].median())))
    few = counted[counted["votes"] < threshold]
    if few.empty:
        return frame, [], threshold
    keys = set(zip(few["partner"], few["year"], strict=True))
    keep = [(p, y) not in keys for p, y in zip(frame["partner"], frame["year"], strict=True)]
    words = [
        f"{year}: " + ", ".join(f"{p} {int(v)}" for p, v in zip(group["partner"], group["votes"], strict=True))
        for year, group in few.sort_values(["year", "partner"]).groupby("year")
    ]
    return frame[keep], words, threshold


def _issues(issues: Sequence[str] | None) -> list[str]:
    if not issues:
        return [ALL_ISSUES]
    names: list[str] = []
    for text in issues:
        if text.strip().lower() == "each":
            names += [ALL_ISSUES, *(name for name, _ in ISSUES.values())]
        else:
            names.append(issue_name(text))
    return list(dict.fromkeys(names))


def mean_agreement(result: VotesResult, partners: Sequence[str], first: int, last: int) -> dict[str, Any]:
    """Pooled agreement of a group of partners over years ``first``–``last``: roll calls weighted,
    so a year with many votes counts for more (for ``compare`` and ``shifts``)."""
    rows = result.rows
    rows = rows[
        rows["partner"].isin(list(partners))
        & (rows["issue"] == ALL_ISSUES)
        & (rows["year"] >= first)
        & (rows["year"] <= last)
    ]
    total = int(rows["votes"].sum())
    if total == 0:
        return {"from": first, "to": last, "votes": 0, "agreement": None, "agreement_lijphart": None}
    return {
        "from": first,
        "to": last,
        "votes": total,
        "agreement": float((rows["agreement"] * rows["votes"]).sum() / total),
        "agreement_lijphart": float((rows["agreement_lijphart"] * rows["votes"]).sum() / total),
    }


# -- beside the event shares: compare and shifts ------------------------------------------------------
def trade_shares(store: Store, focus: str) -> pd.DataFrame:
    """``partner, year, trade_share`` rows loaded with ``ingest-indicators --format comtrade`` (may be empty)."""
    from dyadwatch.ingest.indicators import indicator_rows

    rows = indicator_rows(store.con, focus, names=["trade_share"])
    return pd.DataFrame(
        {
            "partner": rows["partner"].astype(str),
            "year": rows["year"].astype("int64"),
            "trade_share": rows["value"].astype(float),
        }
    )


def _safe_votes(store: Store, focus: str, partners: Sequence[str] | None) -> tuple[VotesResult | None, str | None]:
    from dyadwatch.errors import DyadwatchError

    known = countries()
    try:
        return votes(store, focus, partners=[p for p in partners or () if p in known] or None), None
    except DyadwatchError as exc:
        return None, str(exc)


def compare_indicators(
    store: Store,
    focus: str,
    partners: Sequence[str],
    blocs: dict[str, tuple[str, ...]],
    bloc_event_shares: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The ``indicators`` section of ``compare``: UN vote agreement and trade share per partner and
    year, and per bloc beside the bloc's share of the focus's events (yearly periods only), so that a
    realignment seen in the news can be checked against votes and trade."""
    members = sorted({*partners, *(m for group in blocs.values() for m in group)})
    result, problem = _safe_votes(store, focus, members)
    trade = trade_shares(store, focus)
    out: dict[str, Any] = {
        "votes_source": result.source if result else None,
        "votes": [],
        "trade": [],
        "blocs": [],
        "notes": [],
    }
    if problem:
        out["notes"].append(f"no UN vote agreement: {problem}")
    rows = result.rows if result is not None else pd.DataFrame(columns=list(COLUMNS))
    overall = rows[rows["issue"] == ALL_ISSUES]
    out["votes"] = overall[overall["partner"].isin(list(partners))].drop(columns=["issue"]).to_dict(orient="records")
    out["trade"] = trade[trade["partner"].isin(list(partners))].to_dict(orient="records")
    if trade.empty:
        out["notes"].append(
            "no trade shares in the store (load them with dyadwatch ingest-indicators --format comtrade)"
        )
    event_share = {
        (name, int(str(row["period"])[:4])): row.get(name)
        for row in bloc_event_shares
        if str(row.get("period", ""))[5:10] == "01-01"
        for name in blocs
    }
    years = sorted({int(y) for y in overall["year"]} | {int(y) for y in trade["year"]})
    for name, group in blocs.items():
        for year in years:
            pooled = mean_agreement(result, group, year, year) if result is not None else {"votes": 0}
            share = trade[(trade["year"] == year) & trade["partner"].isin(list(group))]["trade_share"]
            entry = {
                "bloc": name,
                "year": year,
                "event_share": event_share.get((name, year)),
                "votes": pooled["votes"],
                "agreement": pooled.get("agreement"),
                "agreement_lijphart": pooled.get("agreement_lijphart"),
                "trade_share": float(share.sum()) if len(share) else None,
            }
            if entry["votes"] or entry["trade_share"] is not None:
                out["blocs"].append(entry)
    return out


def shift_indicators(
    store: Store,
    focus: str,
    partners: Sequence[str],
    blocs: dict[str, tuple[str, ...]] | Any,
    baseline: tuple[int, int],
    recent: tuple[int, int],
) -> dict[str, Any]:
    """The ``indicators`` section of ``shifts``: UN vote agreement (pooled over roll calls) and trade
    share in the recent years against the baseline years, per bloc and partner. Votes and trade
    are yearly and end earlier than the news (the bundled roll calls end in January 2020), so a
    window without data is said to be so, not filled in."""
    groups: dict[str, tuple[str, ...]] = {name: tuple(group) for name, group in dict(blocs).items()}
    groups.update({partner: (partner,) for partner in partners})
    members = sorted({m for group in groups.values() for m in group})
    result, problem = _safe_votes(store, focus, members)
    trade = trade_shares(store, focus)
    entries: list[dict[str, Any]] = []
    for name, group in groups.items():
        entry: dict[str, Any] = {"group": name, "kind": "bloc" if name in dict(blocs) else "partner"}
        if result is not None:
            before = mean_agreement(result, group, *baseline)
            after = mean_agreement(result, group, *recent)
            entry["agreement_baseline"], entry["agreement_recent"] = before["agreement"], after["agreement"]
            entry["votes_baseline"], entry["votes_recent"] = before["votes"], after["votes"]
            entry["agreement_change"] = (
                after["agreement"] - before["agreement"]
                if after["agreement"] is not None and before["agreement"] is not None
                else None
            )
        inside = trade[trade["partner"].isin(list(group))]
        for label, (first, last) in (("baseline", baseline), ("recent", recent)):
            span = inside[(inside["year"] >= first) & (inside["year"] <= last)]
            years = trade[(trade["year"] >= first) & (trade["year"] <= last)]["year"].nunique()
            entry[f"trade_share_{label}"] = float(span["trade_share"].sum()) / years if years else None
        entries.append(entry)
    notes = []
    if problem:
        notes.append(f"no UN vote agreement: {problem}")
    elif result is not None and not result.rows.empty:
        last_year = int(result.rows["year"].max())
        if last_year < recent[0]:
            notes.append(f"the roll calls end in {last_year}, before the recent window ({recent[0]}-{recent[1]})")
    if trade.empty:
        notes.append("no trade shares in the store (load them with dyadwatch ingest-indicators --format comtrade)")
    return {
        "baseline_years": list(baseline),
        "recent_years": list(recent),
        "votes_source": result.source if result else None,
        "groups": entries,
        "notes": notes,
    }
