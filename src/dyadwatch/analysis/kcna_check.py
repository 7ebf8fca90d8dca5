"""What KCNA reported of the chronology, and what it chose not to say (issue 27 item 5).

The chronology (source ``chronology``) is compiled from many outlets; KCNA's events (source
``kcna``, from ``dyadwatch code-texts``) are what Pyongyang itself said. For each chronology
event between North Korea and a partner, it counts as *reported* when a KCNA event of the same
partner (either direction) and a *compatible* type lies within ``window`` days: compatible means
the same side of CAMEO's quad classes, cooperation (1-2) or conflict (3-4); a chronology "visit"
met by a KCNA "talks" counts, a chronology sanction met by a KCNA greeting does not.

Only chronology events inside the days KCNA's coded texts cover are checked (a period with no
coded text is reported as such, never as a share of zero); each period is cut to the first and
last day of its coded texts, widened by the window (a KCNA item can report an event of the days
before its first item). The events KCNA never reported are listed: what Pyongyang chose not
to say is itself evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from dyadwatch.errors import InsufficientDataError

if TYPE_CHECKING:
    from dyadwatch.store import Store

FOCUS = "PRK"
#: The periods of issue 27: the GPL-3 headlines of 1997-2014 and the bundled CC0 items of 2024.
PERIODS: tuple[tuple[str, str, str], ...] = (
    ("1997-2014", "1997-01-01", "2014-12-31"),
    ("2024", "2024-01-01", "2024-12-31"),
)
COMPATIBLE = "same side of the quad classes: cooperation (1-2) or conflict (3-4)"


@dataclass
class KcnaCoverage:
    """Per period and partner: chronology events, those KCNA reported, the share; the rest listed."""

    window_days: int
    source: str
    compatible: str
    #: label → (first day, last day) actually checked, or the reason the period was not checked.
    spans: dict[str, tuple[str, str] | str]
    by_partner: pd.DataFrame  # period, partner, chronology, reported, share
    unreported: pd.DataFrame  # period, date, partner, actor1, actor2, event_code, quad_class, summary, reference
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``--format json``)."""
        return {
            "window_days": self.window_days,
            "source": self.source,
            "compatible": self.compatible,
            "spans": {k: list(v) if isinstance(v, tuple) else v for k, v in self.spans.items()},
            "by_partner": self.by_partner.to_dict(orient="records"),
            "unreported": self.unreported.assign(date=self.unreported["date"].astype(str)).to_dict(orient="records"),
            "notes": self.notes,
        }


def _span(con: duckdb.DuckDBPyConnection, source: str, first: str, last: str) -> tuple[str, str] | None:
    """First and last day of the texts coded for ``source`` within [first, last]."""
    row = con.execute(
        "SELECT min(t.date), max(t.date) FROM texts t JOIN texts_coding c USING (text_id) "
        "WHERE c.source = ? AND t.date BETWEEN ? AND ?",
        [source, first, last],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return str(row[0]), str(row[1])


def kcna_coverage(
    store: Store | duckdb.DuckDBPyConnection,
    *,
    periods: tuple[tuple[str, str, str], ...] = PERIODS,
    window: int = 3,
    partners: tuple[str, ...] = (),
    source: str = "kcna",
    reference: str = "chronology",
) -> KcnaCoverage:
    """The share of ``reference`` events that ``source`` reported, per period and partner (see the
    module docstring); ``partners`` empty: every partner the chronology has in the period."""
    con = store if isinstance(store, duckdb.DuckDBPyConnection) else store.con
    known = con.execute("SELECT count(*) FROM texts_coding WHERE source = ?", [source]).fetchone()
    if not known or not known[0]:
        raise InsufficientDataError(
            f"no texts coded for source {source!r}: load KCNA texts with `dyadwatch ingest-texts` and "
            "code them with `dyadwatch code-texts` first"
        )
    spans: dict[str, tuple[str, str] | str] = {}
    tables, missing = [], []
    for label, first, last in periods:
        span = _span(con, source, first, last)
        if span is None:
            spans[label] = f"no texts coded for {source} between {first} and {last}"
            continue
        spans[label] = span
        checked = _checked_events(con, source, reference, span, window, partners)
        if checked.empty:
            continue
        checked.insert(0, "period", label)
        tables.append(
            checked.groupby(["period", "partner"], as_index=False)
            .agg(chronology=("event_id", "size"), reported=("reported", "sum"))
            .assign(reported=lambda f: f["reported"].astype(int))
        )
        missing.append(checked[~checked["reported"]].drop(columns=["reported", "event_id"]))
    columns = ["period", "partner", "chronology", "reported", "share"]
    by_partner = (
        pd.concat(tables, ignore_index=True).assign(share=lambda f: (f["reported"] / f["chronology"]).round(3))
        if tables
        else pd.DataFrame(columns=columns)
    )
    by_partner = by_partner.sort_values(["period", "chronology", "partner"], ascending=[True, False, True])
    unreported = (
        pd.concat(missing, ignore_index=True)
        if missing
        else pd.DataFrame(columns=["period", "date", "partner", "actor1", "actor2", "event_code", "quad_class",
                                   "summary", "reference"])
    )  # fmt: skip
    notes = _period_notes(spans, by_partner, window)
    return KcnaCoverage(window, source, COMPATIBLE, spans, by_partner.reset_index(drop=True), unreported, notes)


def _checked_events(
    con: duckdb.DuckDBPyConnection,
    source: str,
    reference: str,
    span: tuple[str, str],
    window: int,
    partners: tuple[str, ...],
) -> pd.DataFrame:
    """The ``reference`` events of the focus country in ``span`` (of ``partners`` when named), each
    marked ``reported`` when ``source`` has an event with the same partner within ``window`` days and
    on the same side (cooperation or conflict)."""
    only = f"AND partner IN ({', '.join('?' * len(partners))})" if partners else ""
    return con.execute(
        f"""
        WITH chron AS (
            SELECT event_id, date, CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner,
                   actor1, actor2, event_code, quad_class, summary, reference
            FROM events
            WHERE source = ? AND (actor1 = ? OR actor2 = ?) AND actor1 <> actor2
                  AND date BETWEEN CAST(? AS DATE) - {int(window)} AND CAST(? AS DATE) + {int(window)}
        ),
        said AS (
            SELECT date, CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END AS partner, quad_class
            FROM events
            WHERE source = ? AND (actor1 = ? OR actor2 = ?) AND date BETWEEN CAST(? AS DATE) - {int(window)}
                  AND CAST(? AS DATE) + {int(window)}
        )
        SELECT c.*, EXISTS (
            SELECT 1 FROM said s
            WHERE s.partner = c.partner AND abs(date_diff('day', s.date, c.date)) <= {int(window)}
              AND (s.quad_class <= 2) = (c.quad_class <= 2)
        ) AS reported
        FROM chron c WHERE true {only}
        ORDER BY c.date, c.partner, c.event_id
        """,
        [FOCUS, reference, FOCUS, FOCUS, *span, FOCUS, source, FOCUS, FOCUS, *span, *partners],
    ).df()


def _period_notes(spans: dict[str, tuple[str, str] | str], by_partner: pd.DataFrame, window: int) -> list[str]:
    """One note per period: its partners and chronology events reported, or why it has none."""
    return [
        f"{label}: {len(by_partner[by_partner['period'] == label])} partners, "
        f"{int(by_partner.loc[by_partner['period'] == label, 'reported'].sum())} of "
        f"{int(by_partner.loc[by_partner['period'] == label, 'chronology'].sum())} chronology events reported "
        f"within {window} days"
        if isinstance(span, tuple)
        else f"{label}: {span}"
        for label, span in spans.items()
    ]
