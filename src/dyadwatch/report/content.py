"""What the report shows, gathered from a store: relationships, yearly series, events, shares.

Numbers come from the store (``store.series``, the events table) and from the analyses through
:mod:`dyadwatch.report.analyses`; nothing here formats text or draws charts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from dyadwatch.codebook.countries import countries
from dyadwatch.errors import UsageError
from dyadwatch.report.analyses import Outcome, relationship_breaks
from dyadwatch.selection import Selection

if TYPE_CHECKING:
    from dyadwatch.api import Store

#: A relationship gets its own brief when the store holds at least this many dyadic events of it
#: (both directions, all sources). The bundled chronology is sparse (a few events a year at most),
#: so ten events is about the least that supports a yearly timeline and a sentence about regimes.
MIN_BRIEF_EVENTS = 10
#: Charts and numbers use one value per year: the chronology has too few events per month.
FREQ = "Y"
#: The selection of events (design §9) behind every number of the report by default, stated in each
#: page's header: one value per year, every source and day in the store, raw counts, bare statements
#: kept. ``dyadwatch report --source/--from/--to/--drop-statements`` narrows it (always yearly).
SELECTION = Selection(freq=FREQ)
#: The chronology table of a brief lists at most this many events (the most recent referenced ones
#: first when a large event feed such as GDELT is loaded).
MAX_TABLE_ROWS = 400
#: Partner shares are shown per span of this many years.
SHARE_SPAN_YEARS = 5
#: Partners drawn separately in the shares chart; the rest are pooled as "others".
SHARE_TOP_PARTNERS = 7
ERA_KEYS: tuple[tuple[str, str], ...] = (
    ("all", "All years"),
    ("kim-il-sung", "Kim Il Sung (to July 1994)"),
    ("kim-jong-il", "Kim Jong Il (1994–2011)"),
    ("kim-jong-un", "Kim Jong Un (from December 2011)"),
)
#: Leader eras, drawn as dividers on every timeline.
ERA_STARTS: tuple[tuple[str, dt.date], ...] = (
    ("Kim Jong Il", dt.date(1994, 7, 8)),
    ("Kim Jong Un", dt.date(2011, 12, 17)),
)


def display_name(code: str) -> str:
    """A country's or organisation's name for people; the code itself if unknown."""
    known = countries().get(code)
    if known is None:
        return code
    if code == "RUS":
        return "Russia (Soviet Union to 1991)"
    return known.name


@dataclass
class Relationship:
    """One relationship of the focus country and everything its brief needs."""

    focus: str
    partner: str
    name: str
    n_events: int
    first_year: int
    last_year: int
    sources: list[str]
    series: pd.DataFrame  # yearly, both directions: year, events, cooperation, conflict, goldstein_sum
    events: pd.DataFrame  # date, actor1, actor2, summary, reference, goldstein, quad_class, source
    events_total: int
    breaks: Outcome
    flex_by_era: dict[str, Outcome] = field(default_factory=dict)

    @property
    def page(self) -> str:
        return f"{self.partner}.html"


@dataclass
class Overview:
    """The numbers behind the overview page."""

    focus: str
    name: str
    relationships: list[Relationship]
    flexibility: Outcome
    shares: pd.DataFrame  # span label (rows) × partner name (columns), shares summing to 1
    concentration: pd.DataFrame  # span, events, hhi, effective_partners
    shifts: Outcome
    shifts_since: str | None
    patterns: Outcome
    sources: list[str]
    others: list[tuple[str, int]]  # relationships below the brief threshold: (name, events)
    share_partners: list[str] = field(default_factory=list)  # the partners the shares chart draws, by code


def report_selection(selection: Selection | None) -> Selection:
    """The report's selection: :data:`SELECTION` by default; a yearly one as given."""
    if selection is None:
        return SELECTION
    if selection.freq != FREQ:
        raise UsageError("the report counts events per year (its charts and briefs are yearly): use freq Y")
    if selection.normalize != "none" or selection.partners:
        raise UsageError("the report uses raw counts over every partner: choose sources, dates or statements only")
    return selection


def focus_events(selection: Selection, *, dyadic: bool = True) -> tuple[str, list[Any]]:
    """SQL (after WHERE) for the focus's events under ``selection``, with parameters after the focus's
    two: by default its dyadic events (a partner other than itself), with ``dyadic=False`` all of them."""
    narrowed, params = selection.sql_where()
    dyad = " AND actor1 IS NOT NULL AND actor2 IS NOT NULL AND actor2 <> '' AND actor1 <> actor2" if dyadic else ""
    return f"(actor1 = ? OR actor2 = ?){dyad}{narrowed}", params


def partner_counts(store: Store, focus: str, selection: Selection = SELECTION) -> list[tuple[str, int]]:
    """The focus's partners with their dyadic events under ``selection``, most events first."""
    where, params = focus_events(selection)
    rows = store.con.execute(
        f"""SELECT CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner, count(*) AS n FROM events
            WHERE {where} GROUP BY partner ORDER BY n DESC, partner""",
        [focus, focus, focus, *params],
    ).fetchall()
    return [(str(code), int(n)) for code, n in rows]


def yearly_series(store: Store, focus: str, partner: str, selection: Selection = SELECTION) -> pd.DataFrame:
    """Both directions together, one row per year from the first to the last event."""
    frame = store.series(focus, partner, undirected=True, selection=selection)
    frame = frame.assign(year=pd.to_datetime(frame["period"]).dt.year)
    return frame[["year", "events", "cooperation", "conflict", "goldstein_sum", "goldstein_mean"]]


def dyad_events(store: Store, focus: str, partner: str, selection: Selection = SELECTION) -> tuple[pd.DataFrame, int]:
    """The dyad's events for the chronology table (capped), and how many there are in all."""
    narrowed, chosen = selection.sql_where()
    condition = f"((actor1 = ? AND actor2 = ?) OR (actor1 = ? AND actor2 = ?)){narrowed}"
    params = [focus, partner, partner, focus, *chosen]
    row = store.con.execute(f"SELECT count(*) FROM events WHERE {condition}", params).fetchone()
    total = int(row[0]) if row else 0
    frame: pd.DataFrame = store.con.execute(
        f"""SELECT * FROM (
                SELECT date, actor1, actor2, summary, reference, goldstein, quad_class, source, event_id
                FROM events WHERE {condition}
                ORDER BY (source = 'chronology') DESC, (coalesce(reference, '') <> '') DESC, date DESC
                LIMIT ?)
            ORDER BY date, event_id""",
        [*params, MAX_TABLE_ROWS],
    ).df()
    return frame, total


def relationship(store: Store, focus: str, partner: str, selection: Selection = SELECTION) -> Relationship:
    """Gather one relationship's series, events and break analysis."""
    series = yearly_series(store, focus, partner, selection)
    events, total = dyad_events(store, focus, partner, selection)
    active = series[series["events"] > 0]["year"]
    return Relationship(
        focus=focus,
        partner=partner,
        name=display_name(partner),
        n_events=total,
        first_year=int(active.min()),
        last_year=int(active.max()),
        sources=sorted(set(events["source"])),
        series=series,
        events=events,
        events_total=total,
        breaks=relationship_breaks(store, focus, partner, selection),
    )


def partner_shares(
    store: Store, focus: str, top: list[str], selection: Selection = SELECTION
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shares of the focus's dyadic events per span of years, and concentration (HHI) per span.

    HHI_t = Σ_P s²_{P,t} (Hirschman 1964; design §8), and 1/HHI the effective number of partners.
    """
    where, params = focus_events(selection)
    frame = store.con.execute(
        f"""SELECT CAST(floor(year(date) / ?) * ? AS INTEGER) AS span,
                  CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner, count(*) AS n,
                  min(year(date)) AS first, max(year(date)) AS last
           FROM events WHERE {where} GROUP BY ALL""",
        [SHARE_SPAN_YEARS, SHARE_SPAN_YEARS, focus, focus, focus, *params],
    ).df()
    if frame.empty:
        return pd.DataFrame(), pd.DataFrame(columns=["span", "events", "hhi", "effective_partners"])
    totals = frame.groupby("span")["n"].sum()
    frame["share"] = frame["n"] / frame["span"].map(totals)
    hhi = frame.assign(square=frame["share"] ** 2).groupby("span")["square"].sum()
    concentration = pd.DataFrame(
        {"span": totals.index, "events": totals.to_numpy(), "hhi": hhi.reindex(totals.index).to_numpy()}
    )
    concentration["effective_partners"] = 1.0 / concentration["hhi"]
    frame["group"] = frame["partner"].where(frame["partner"].isin(top), "others")
    shares = frame.pivot_table(index="span", columns="group", values="share", aggfunc="sum", fill_value=0.0)
    order = [code for code in top if code in shares.columns] + (["others"] if "others" in shares.columns else [])
    shares = shares[order].rename(columns=lambda code: "others" if code == "others" else display_name(code))
    first, last = int(frame["first"].min()), int(frame["last"].max())

    def label(span: int) -> str:
        """The span's years, clipped to the years with data (1948–1949, not 1945–1949)."""
        return f"{max(span, first)}–{min(span + SHARE_SPAN_YEARS - 1, last)}"

    shares.index = [label(int(span)) for span in shares.index]
    concentration["span"] = [label(int(span)) for span in concentration["span"]]
    return shares, concentration


def last_dyadic_date(store: Store, focus: str, selection: Selection = SELECTION) -> dt.date | None:
    where, params = focus_events(selection)
    row = store.con.execute(f"SELECT max(date) FROM events WHERE {where}", [focus, focus, *params]).fetchone()
    return pd.Timestamp(row[0]).date() if row and row[0] is not None else None


def flex_row(outcome: Outcome, partner: str) -> dict[str, Any] | None:
    """The ``partners`` row of a flexibility result for ``partner``, if present."""
    if outcome.data is None:
        return None
    for row in outcome.data.get("partners", []):
        if row.get("partner") == partner:
            return dict(row)
    return None


def sources_in(store: Store, focus: str, selection: Selection = SELECTION) -> list[str]:
    where, params = focus_events(selection, dyadic=False)
    rows = store.con.execute(
        f"SELECT DISTINCT source FROM events WHERE {where} ORDER BY source", [focus, focus, *params]
    ).fetchall()
    return [str(r[0]) for r in rows]
