"""One selection of events (design §9): which sources, which days, which period, how counted.

Every command and function that reads events takes one :class:`Selection` rather than its own
copy of ``--source/--from/--to/--freq/--normalize/--drop-statements/--partners``, so the same
selection gives the same numbers on the command line, in Python and over HTTP. It is checked when
it is made: an unknown frequency, date, source or country code is a :class:`UsageError` that says
what would work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from dyadwatch.days import parse_day
from dyadwatch.errors import UsageError

# The one frequency table and check live in dyadwatch.periods; re-exported here for callers of the selection.
from dyadwatch.periods import FREQS as FREQS
from dyadwatch.periods import PANDAS_FREQ as PANDAS_FREQ
from dyadwatch.periods import check_freq as check_freq

NORMALIZE = ("none", "focus", "all")
#: CAMEO 010 "make statement, not specified below": the bulk of machine-coded GDELT rows and
#: nearly content-free; ``drop_statements=True`` leaves it out.
BARE_STATEMENT_CODES = ("010",)


def _day(text: str | dt.date | None, name: str) -> str | None:
    if text is None or text == "":
        return None
    if isinstance(text, dt.date):
        return text.isoformat()
    return parse_day(text, name).isoformat()


def _tuple(values: str | Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    return tuple(v.strip() for v in values if v and v.strip())


@dataclass(frozen=True)
class Selection:
    """Which events an analysis reads and how they are counted (design §9).

    ``sources`` empty means every source except the text-coded ones
    (:data:`dyadwatch.schema.TEXT_CODED_SOURCES`: events ``code-texts`` made from KCNA's words),
    which are read only when named (``--source kcna``); ``start``/``end`` are inclusive ISO days;
    ``partners`` empty means every partner (where an analysis has partners).
    """

    freq: str = "M"
    sources: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    normalize: str = "none"
    drop_statements: bool = False
    partners: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        from dyadwatch.codebook.countries import check_code
        from dyadwatch.schema import SOURCES

        check_freq(self.freq)
        if self.normalize not in NORMALIZE:
            raise UsageError(f"--normalize must be none, focus or all, not {self.normalize!r}")
        object.__setattr__(self, "sources", tuple(dict.fromkeys(s.lower() for s in _tuple(self.sources))))
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown:
            raise UsageError(f"unknown source {', '.join(unknown)}: use one of {', '.join(SOURCES)} (repeat --source)")
        start, end = _day(self.start, "--from"), _day(self.end, "--to")
        if start and end and start > end:
            raise UsageError(f"--from {start} is after --to {end}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        partners = tuple(check_code(p, "--partners") for p in _tuple(self.partners))
        object.__setattr__(self, "partners", tuple(dict.fromkeys(partners)))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Selection:
        """A selection from URL query values or JSON (``from``/``to`` or ``start``/``end``)."""
        known = {
            "freq": values.get("freq") or "M",
            "sources": values.get("sources", values.get("source")),
            "start": values.get("start", values.get("from")),
            "end": values.get("end", values.get("to")),
            "normalize": values.get("normalize") or "none",
            "drop_statements": str(values.get("drop_statements", "false")).lower() in ("1", "true", "yes", "on"),
            "partners": values.get("partners"),
        }
        return cls(**known)

    def with_(self, **changes: Any) -> Selection:
        """A copy with some fields changed (checked again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The selection as JSON: every output states what it was computed from."""
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["partners"] = list(self.partners)
        return data

    def describe(self) -> str:
        """One line for a table title or a report header."""
        parts = [self.freq]
        if self.sources:
            parts.append("sources " + "+".join(self.sources))
        if self.start or self.end:
            parts.append(f"{self.start or '…'} to {self.end or '…'}")
        if self.normalize != "none":
            parts.append(f"per 1 000 events ({self.normalize})")
        if self.drop_statements:
            parts.append("bare statements left out")
        if self.partners:
            parts.append("partners " + ",".join(self.partners))
        return "; ".join(parts)

    def query(self) -> dict[str, str]:
        """URL query parameters for the dashboard and the HTTP API."""
        params = {"freq": self.freq}
        if self.sources:
            params["source"] = ",".join(self.sources)
        if self.start:
            params["from"] = self.start
        if self.end:
            params["to"] = self.end
        if self.normalize != "none":
            params["normalize"] = self.normalize
        if self.drop_statements:
            params["drop_statements"] = "true"
        if self.partners:
            params["partners"] = ",".join(self.partners)
        return params

    # -- which sources ---------------------------------------------------------------------------------
    @property
    def excluded_sources(self) -> tuple[str, ...]:
        """Sources left out although not named: the text-coded ones when no source is named, else none."""
        from dyadwatch.schema import TEXT_CODED_SOURCES

        return () if self.sources else TEXT_CODED_SOURCES

    def reads(self, source: str) -> bool:
        """Whether events of ``source`` are in this selection (the one rule every reader applies)."""
        return source in self.sources if self.sources else source not in self.excluded_sources

    def source_sql(self, column: str = "source") -> str:
        """The source filter as literal SQL (``AND …``) for queries built without bound parameters."""
        return source_sql(self.sources, column)

    # -- applied to an Ibis events table ------------------------------------------------------------
    def base(self, events: Any) -> Any:
        """Events of the chosen sources: what ``normalize`` divides by (all days, statements kept).

        A table without a ``source`` column (GDELT's BigQuery table mapped by ``backends``) holds one
        source only, and no text-coded one: the default exclusion has nothing to drop there.
        """
        if "source" not in events.columns and not self.sources:
            return events
        if self.sources:
            events = events.filter(events.source.isin(list(self.sources)))
        else:
            events = events.filter(~events.source.isin(list(self.excluded_sources)))
        return events

    def apply(self, events: Any) -> Any:
        """Events of the chosen sources and days, bare statements left out on request."""
        import ibis

        table = self.base(events)
        if self.drop_statements:
            table = table.filter(~table.event_code.isin(BARE_STATEMENT_CODES))
        if self.start:
            table = table.filter(table.date >= ibis.date(self.start))
        if self.end:
            table = table.filter(table.date <= ibis.date(self.end))
        return table

    def sql_where(self) -> tuple[str, list[Any]]:
        """The same filter as SQL (``AND …`` clauses, to follow a WHERE) with bound parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        names = self.sources or self.excluded_sources
        clauses.append(f"source {'' if self.sources else 'NOT '}IN ({', '.join('?' for _ in names)})")
        params += list(names)
        if self.drop_statements:
            clauses.append("event_code NOT IN (" + ", ".join(f"'{c}'" for c in BARE_STATEMENT_CODES) + ")")
        dates, days = self.date_clauses()
        return "".join(f" AND {c}" for c in clauses + dates), params + days

    def date_clauses(self, column: str = "date") -> tuple[list[str], list[Any]]:
        """The date range as SQL clauses on ``column`` with their bound parameters (events or texts)."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.start:
            clauses.append(f"{column} >= CAST(? AS DATE)")
            params.append(self.start)
        if self.end:
            clauses.append(f"{column} <= CAST(? AS DATE)")
            params.append(self.end)
        return clauses, params


def source_sql(sources: Iterable[str] | None, column: str = "source") -> str:
    """``AND column IN (named)``, or with none named ``AND column NOT IN (text-coded)``, as literal SQL.

    For the readers that take a plain list of sources (backtest, shifts) rather than a
    :class:`Selection`: the same rule, written once."""
    from dyadwatch.schema import TEXT_CODED_SOURCES

    names = list(dict.fromkeys(_tuple(sources)))
    quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in (names or TEXT_CODED_SOURCES))
    return f" AND {column} {'' if names else 'NOT '}IN ({quoted})"


def resolve(selection: Selection | None, **defaults: Any) -> Selection:
    """``selection`` if given, else one made from an entry point's keyword arguments."""
    if selection is not None:
        return selection
    values = {k: v for k, v in defaults.items() if v is not None}
    return Selection(**values)


#: Events a month per dyad below which the default frequency is yearly (issue 28 item 4).
DENSE_PER_MONTH = 2.0


def choose_freq(
    con: Any,
    focus: str,
    partners: Iterable[str] | None = None,
    selection: Selection | None = None,
    *,
    undirected: bool = False,
) -> tuple[str, str]:
    """The default frequency for the selected events of ``focus`` toward ``partners`` (all when
    none), with the reason in words: "Y" where they average under 2 events a month per dyad, else "M"."""
    sel = selection or Selection()
    store_con = getattr(con, "con", con)  # a Store or a DuckDB connection
    code = focus.upper()
    named = [p.upper() for p in _tuple(partners)] if partners is not None else list(sel.partners)
    if undirected:  # the partner is whichever side is not the focus
        pair, pair_params = "CASE WHEN actor1 = ? THEN actor2 ELSE actor1 END", [code]
        condition, params = "(actor1 = ? OR actor2 = ?)", [code, code]
    else:
        pair, pair_params = "actor2", []
        condition, params = "actor1 = ?", [code]
    if named:
        condition += f" AND {pair} IN ({', '.join('?' for _ in named)})"
        params += pair_params + named
    where, more = sel.sql_where()
    sql = (
        f"SELECT count(*), count(DISTINCT {pair}), min(date), max(date) FROM events "
        f"WHERE {condition} AND actor2 <> actor1{where}"
    )
    select_params = pair_params + params + more
    row = store_con.execute(sql, select_params).fetchone()
    events, dyads, first, last = row or (0, 0, None, None)
    arrow = "↔" if undirected else "→"
    who = f"{code}{arrow}{'+'.join(named)}" if named else f"{code}{arrow}its partners"
    if not events or first is None or last is None:
        return "M", f"monthly: no events of {who} in this selection to choose a frequency from"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    rate = events / (max(int(dyads), 1) * months)
    per = "dyad" if int(dyads) == 1 else f"dyad ({dyads} dyads)"
    span = f"{first:%Y-%m} to {last:%Y-%m}"
    if rate < DENSE_PER_MONTH:
        return "Y", (
            f"yearly: {who} averages {rate:.2g} events a month per {per} over {span}, "
            f"under {DENSE_PER_MONTH:g} (--freq M or Q to choose)"
        )
    return "M", (
        f"monthly: {who} averages {rate:.3g} events a month per {per} over {span}, "
        f"at least {DENSE_PER_MONTH:g} (--freq Q or Y to choose)"
    )


def at_chosen_freq(
    con: Any,
    selection: Selection,
    focus: str,
    partners: Iterable[str] | None = None,
    *,
    given: str | None = None,
    undirected: bool = False,
) -> tuple[Selection, str | None]:
    """``selection`` as it is when the user named a frequency (``given``: ``--freq`` or the URL's
    ``freq``), else at the one :func:`choose_freq` picks, with its reason. The command line and the
    HTTP API both ask this, so that the same question gets the same period."""
    if given:
        return selection, None
    freq, reason = choose_freq(con, focus, partners, selection, undirected=undirected)
    return selection.with_(freq=freq), reason
