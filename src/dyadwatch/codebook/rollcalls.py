"""The roll-call codebook: UN General Assembly issue labels, vote codes, member codes, and the
agreement measure over roll calls (design §11).

Moved here from :mod:`dyadwatch.analysis.votes` (which re-exports every name) so that the ingest of
a newer ``unvotes`` release (:mod:`dyadwatch.ingest.indicators`) and the analysis read one codebook
without the ingest importing the analysis layer (design §6). See :mod:`dyadwatch.analysis.votes` for
the measure's definition (agreement, Lijphart's index) and the data's provenance.
"""

from __future__ import annotations

import difflib
import functools
import threading
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dyadwatch.codebook.countries import countries, to_code
from dyadwatch.errors import UsageError

#: The issue labels of the roll calls: the data's short code, our name (the ``issue`` column) and
#: the data's own label. ``all`` means every roll call, labelled or not.
ISSUES: dict[str, tuple[str, str]] = {
    "me": ("palestinian_conflict", "Palestinian conflict"),
    "nu": ("nuclear_weapons", "Nuclear weapons and nuclear material"),
    "di": ("arms_control", "Arms control and disarmament"),
    "hr": ("human_rights", "Human rights"),
    "co": ("colonialism", "Colonialism"),
    "ec": ("economic_development", "Economic development"),
}
ALL_ISSUES = "all"
#: Indicator names in the ``indicators`` table (design §11).
AGREEMENT = "un_agreement"
AGREEMENT_LIJPHART = "un_agreement_lijphart"
COLUMNS = ("partner", "year", "issue", "votes", "agreement", "agreement_lijphart")
BUNDLED_SOURCE = "unvotes (bundled: dgrtwo/unvotes 7eb7034, roll calls 1946-01-01 to 2020-01-14)"

#: Alpha-2 codes of the roll-call data that are not (or no longer) in ISO 3166-1, and the names of
#: members the data give without a code, mapped to dyadwatch codes (design §2: historical states
#: keep their ISO 3166-3 codes; the Soviet Union is already ``RU``, Russia, in the data).
HISTORICAL_ALPHA2: dict[str, str] = {"CS": "CSK", "YU": "YUG", "DD": "DDR", "YD": "YMD"}
NAMES_WITHOUT_CODE: dict[str, str] = {"Yemen Arab Republic": "YEM", "Federal Republic of Germany": "DEU"}
#: Vote codes accepted from newer releases: words, or Voeten's numbers (1 yes, 2 abstain, 3 no,
#: 8 absent, 9 not a member; the last two are no vote).
VOTE_WORDS: dict[str, str | None] = {
    "yes": "yes",
    "no": "no",
    "abstain": "abstain",
    "abstention": "abstain",
    "1": "yes",
    "2": "abstain",
    "3": "no",
    "8": None,
    "9": None,
    "absent": None,
    "not a member": None,
}


def issue_name(text: str) -> str:
    """The ``issue`` value for a user's ``--issue``: ``all``, a short code (``nu``), our name
    (``nuclear_weapons``, ``nuclear-weapons``) or a unique word of the label (``nuclear``)."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    if wanted == ALL_ISSUES:
        return ALL_ISSUES
    if wanted in ISSUES:
        return ISSUES[wanted][0]
    names = [name for name, _ in ISSUES.values()]
    if wanted in names:
        return wanted
    matches = [name for name, label in ISSUES.values() if wanted and wanted in f"{name}_{label.lower()}"]
    if len(matches) == 1:
        return matches[0]
    raise UsageError(
        f"unknown --issue {text!r}: use all, each, or one of {', '.join(names)} (or the short codes "
        f"{', '.join(ISSUES)})"
    )


def check_codes(codes: Iterable[str], what: str = "country code") -> list[str]:
    """Upper-cased dyadwatch codes; an unknown one is a usage error naming the nearest known codes."""
    table = countries()
    checked: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if code in table:
            checked.append(code)
            continue
        translated = to_code(raw)
        if translated is not None:
            checked.append(translated)
            continue
        near = difflib.get_close_matches(code, list(table), n=3, cutoff=0.5)
        hint = f"; nearest known: {', '.join(near)}" if near else ""
        raise UsageError(f"unknown {what} {raw!r}: use an ISO alpha-3 code such as PRK, CHN, RUS{hint}")
    return checked


@functools.cache
def alpha2_index() -> dict[str, str]:
    """ISO alpha-2 → dyadwatch code, with the historical codes the roll calls use."""
    index = {c.iso2: c.code for c in countries().values() if c.iso2 and c.kind == "state"}
    index.update(HISTORICAL_ALPHA2)
    return index


def country_of(alpha2: str | None, name: str | None) -> str | None:
    """The dyadwatch code of a roll-call member (alpha-2 code, else its name); None if unknown."""
    code = (alpha2 or "").strip().upper()
    if code:
        found = alpha2_index().get(code)
        if found is None and len(code) == 3 and code in countries():
            found = code
        return found
    text = (name or "").strip()
    return NAMES_WITHOUT_CODE.get(text) or (to_code(text) if text else None)


def data_dir() -> Path:
    """The folder of the bundled roll calls (inside the installed package)."""
    with resources.as_file(resources.files("dyadwatch").joinpath("data/unvotes")) as folder:
        return Path(folder)


# -- the bundled roll calls, loaded once per process --------------------------------------------------
_LOCK = threading.Lock()


@functools.cache
def _bundled() -> duckdb.DuckDBPyConnection:
    folder = data_dir()
    return roll_call_tables(
        folder / "un_votes.csv.gz", folder / "un_roll_calls.csv.gz", folder / "un_roll_call_issues.csv.gz"
    )


def bundled_connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the in-memory tables ``rc_votes``, ``rc_calls``, ``rc_issues`` of the bundled data."""
    with _LOCK:
        return _bundled().cursor()


def roll_call_tables(votes: Path, calls: Path, issues: Path | None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the roll calls of well-formed unvotes files, codes mapped to ISO3.

    Tables: ``rc_votes(rcid, code, vote)`` (only yes / no / abstain), ``rc_calls(rcid, year)``,
    ``rc_issues(rcid, issue)``. Every column is read as text (``NA`` is Namibia, not a null).
    """
    con = duckdb.connect()
    con.execute("SET threads = 2")

    def scan(path: Path) -> str:
        return f"read_csv('{str(path).replace(chr(39), chr(39) * 2)}', header = true, all_varchar = true)"

    con.execute(f"CREATE TEMP TABLE raw_votes AS SELECT rcid, country, country_code, vote FROM {scan(votes)}")
    pairs = con.execute("SELECT DISTINCT country_code, country FROM raw_votes").fetchall()
    mapping = pd.DataFrame(
        [(code, name, country_of(code, name)) for code, name in pairs], columns=["country_code", "country", "code"]
    )
    con.register("dw_member_codes", mapping)
    con.execute("""
        CREATE TABLE rc_votes AS
        SELECT CAST(v.rcid AS INTEGER) AS rcid, m.code, lower(v.vote) AS vote
        FROM raw_votes v JOIN dw_member_codes m
          ON m.country_code IS NOT DISTINCT FROM v.country_code AND m.country IS NOT DISTINCT FROM v.country
        WHERE m.code IS NOT NULL AND lower(v.vote) IN ('yes', 'no', 'abstain')
    """)
    con.unregister("dw_member_codes")
    con.execute("DROP TABLE raw_votes")
    con.execute(
        f"CREATE TABLE rc_calls AS SELECT CAST(rcid AS INTEGER) AS rcid, year(CAST(date AS DATE)) AS year "
        f"FROM {scan(calls)}"
    )
    issue_codes = pd.DataFrame([(short, name) for short, (name, _) in ISSUES.items()], columns=["short", "issue"])
    con.register("dw_issue_codes", issue_codes)
    if issues is not None:
        con.execute(f"""CREATE TABLE rc_issues AS SELECT DISTINCT CAST(i.rcid AS INTEGER) AS rcid, c.issue
            FROM {scan(issues)} i JOIN dw_issue_codes c ON c.short = lower(i.short_name)""")
    else:
        con.execute("CREATE TABLE rc_issues (rcid INTEGER, issue VARCHAR)")
    con.unregister("dw_issue_codes")
    return con


def agreement_frame(con: duckdb.DuckDBPyConnection, focus: str, partners: Sequence[str] | None = None) -> pd.DataFrame:
    """Per partner, year and issue (``all`` and each label): votes, agreement, agreement_lijphart.

    ``con`` holds ``rc_votes``, ``rc_calls`` and ``rc_issues`` (:func:`roll_call_tables`). A member
    with two votes on one roll call (not in the data; guarded anyway) counts once, its first vote.
    """
    where = ""
    params: list[Any] = [focus, focus]
    if partners:
        where = f"AND code IN ({', '.join('?' for _ in partners)})"
        params += list(partners)
    sql = f"""
        WITH cast_votes AS (
            SELECT rcid, code, any_value(vote) AS vote FROM rc_votes GROUP BY rcid, code),
        mine AS (SELECT rcid, vote FROM cast_votes WHERE code = ?),
        theirs AS (SELECT rcid, code AS partner, vote FROM cast_votes WHERE code <> ? {where}),
        pairs AS (
            SELECT t.partner, c.year, m.rcid,
                   CASE WHEN m.vote = t.vote THEN 1.0 ELSE 0.0 END AS same,
                   CASE WHEN m.vote = t.vote THEN 1.0
                        WHEN m.vote = 'abstain' OR t.vote = 'abstain' THEN 0.5 ELSE 0.0 END AS lijphart
            FROM mine m JOIN theirs t USING (rcid) JOIN rc_calls c USING (rcid)),
        labelled AS (
            SELECT partner, year, 'all' AS issue, same, lijphart FROM pairs
            UNION ALL
            SELECT p.partner, p.year, i.issue, p.same, p.lijphart FROM pairs p JOIN rc_issues i USING (rcid))
        SELECT partner, year, issue, count(*) AS votes, avg(same) AS agreement, avg(lijphart) AS agreement_lijphart
        FROM labelled GROUP BY partner, year, issue
        ORDER BY partner, year, issue
    """
    frame = con.execute(sql, params).df()
    return typed_agreement(frame)


def typed_agreement(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "partner": frame["partner"].astype(str),
            "year": frame["year"].astype("int64"),
            "issue": frame["issue"].astype(str),
            "votes": frame["votes"].astype("int64"),
            "agreement": frame["agreement"].astype(float),
            "agreement_lijphart": frame["agreement_lijphart"].astype(float),
        },
        columns=list(COLUMNS),
    )
    return out.reset_index(drop=True)
