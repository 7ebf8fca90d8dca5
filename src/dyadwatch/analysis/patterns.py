"""What the focus country's relationships have in common (``dyadwatch compare``).

* ``correlations``: Pearson correlation of NC_{F→P} between every two partners over the periods both
  relationships span (a common driver moves them together).
* ``shared_breaks``: breaks of NC_{F→P} (PELT, :mod:`breaks`) grouped across partners when they fall
  within ``window`` periods of each other: two or more partners = a ``common`` shock, one = ``bilateral``.
* ``concentration``: HHI_t = Σ_P s²_{P,t}, s = F's events toward P / all F's dyadic events in t, for
  all and for cooperative (quad 1–2) events, and the effective number of partners 1/HHI_t
  (Herfindahl–Hirschman; methods.md §4.1).
* ``bloc_shares``: the share of F's events (and cooperative events) toward China + Russia and
  toward Southeast Asia (ASEAN members) in each period.
* ``alignment``: S = 1 − 2·Σ_k |x_{F,k} − x_{P,k}| / (K·20) over the K third parties both F and P act
  toward, x = mean Goldstein score (Signorino & Ritter 1999, *ISQ* 43: 115–144, absolute-distance
  form, Δ = 20 the Goldstein range; the event-data analogue of methods.md §4.2). S ∈ [−1, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dyadwatch.analysis.blocs import BLOCS
from dyadwatch.analysis.breaks import detect_breaks
from dyadwatch.analysis.dyads import FocusPanel, focus_panel
from dyadwatch.analysis.periods import FREQ_NAMES, period_index
from dyadwatch.analysis.results import selection_json
from dyadwatch.errors import UsageError
from dyadwatch.selection import Selection, resolve

if TYPE_CHECKING:
    from dyadwatch.store import Store

GOLDSTEIN_RANGE = 20.0
MIN_OVERLAP = 12
MIN_ACTIVE = 6
MIN_THIRD_PARTIES = 3


def hhi(counts: Mapping[str, float] | pd.Series) -> float | None:
    """Σ s², s = count / total; None when there are no events (0/0)."""
    values = np.asarray(list(counts.values()) if isinstance(counts, Mapping) else counts, dtype=float)
    total = values.sum()
    if total <= 0:
        return None
    shares = values / total
    return float((shares**2).sum())


def effective_partners(concentration: float | None) -> float | None:
    """1 / HHI: the number of equally weighted partners with the same concentration."""
    return None if not concentration else 1.0 / concentration


def alignment_score(focus_means: Mapping[str, float], partner_means: Mapping[str, float]) -> tuple[float | None, int]:
    """Signorino–Ritter S over the third parties in both mappings, and their number K."""
    shared = sorted(set(focus_means) & set(partner_means))
    if not shared:
        return None, 0
    distance = sum(abs(focus_means[k] - partner_means[k]) for k in shared)
    return 1.0 - 2.0 * distance / (len(shared) * GOLDSTEIN_RANGE), len(shared)


@dataclass
class CompareResult:
    focus: str
    freq: str
    window: int
    normalize: str
    drop_statements: bool
    correlations: list[dict[str, Any]]
    shared_breaks: list[dict[str, Any]]
    concentration: list[dict[str, Any]]
    bloc_shares: list[dict[str, Any]]
    alignment: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    #: UN vote agreement and trade share beside the event shares (issue 12; analysis/votes.py).
    indicators: dict[str, Any] = field(default_factory=dict)
    #: The selection of events the result was computed from (design §9); in to_dict() as "selection".
    selection: Selection | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "freq": self.freq,
            "window": self.window,
            "normalize": self.normalize,
            "drop_statements": self.drop_statements,
            "correlations": self.correlations,
            "shared_breaks": self.shared_breaks,
            "concentration": self.concentration,
            "bloc_shares": self.bloc_shares,
            "alignment": self.alignment,
            "summary": self.summary,
            "notes": self.notes,
            "selection": selection_json(self.selection),
            "indicators": self.indicators,
        }

    @property
    def summary(self) -> str:
        """The answer in one to three sentences, from the result: concentration and bloc shares in
        the latest period with events, significant correlations and shared breaks."""
        from dyadwatch.analysis.wording import listing, num, plural, pvalue

        active = [row for row in self.concentration if row.get("events")]
        if not active:
            return f"No events of {self.focus} toward a partner in this selection: nothing to compare."
        word = FREQ_NAMES.get(self.freq, self.freq)
        last = active[-1]
        shares = next((row for row in self.bloc_shares if row["period"] == last["period"]), {})
        named: list[tuple[str, float]] = [(bloc, float(shares[bloc])) for bloc in BLOCS if shares.get(bloc) is not None]
        other = 1.0 - sum(value for _, value in named) if named else None
        words = {"china_russia": "China+Russia", "southeast_asia": "Southeast Asia", "west": "the West"}
        blocs = ", ".join(f"{words.get(bloc, bloc)} {value:.0%}" for bloc, value in named)
        first = (
            f"{self.focus}'s events went to {plural(int(last['partners']), 'partner')} in the latest {word} with "
            f"events ({last['period'][: 4 if self.freq == 'Y' else 7]}): HHI {num(last['hhi'], 2)}, "
            f"{num(last['effective_partners'], 2)} effective partners"
            + (f"; shares {blocs}, other {other:.0%}." if named and other is not None else ".")
        )
        tested = [row for row in self.correlations if row.get("status") == "ok"]
        significant = [row for row in tested if row.get("p_value") is not None and row["p_value"] < 0.05]
        if tested:
            strongest = max(tested, key=lambda row: abs(row["correlation"]))
            second = (
                f" {len(significant)} of {plural(len(tested), 'partner pair')} with enough data correlate at 5% "
                f"(unadjusted; strongest {strongest['a']}–{strongest['b']} r {num(strongest['correlation'], 2)}, "
                f"{pvalue(strongest['p_value'])})."
            )
        else:
            second = f" No pair of partners has enough {word}s with events to correlate."
        common = [row for row in self.shared_breaks if row.get("kind") == "common"]
        clusters = [f"{row['date'][:7]} ({', '.join(row['partners'])})" for row in common]
        third = (
            f" Breaks shared by two or more partners: {listing(clusters, 3)}."
            if common
            else f" No break is shared by two or more partners within {self.window} {word}s."
        )
        return first + second + third

    def to_frame(self) -> pd.DataFrame:
        """Concentration and bloc shares per period, with ``other`` (the partners in no bloc) so
        that the shares add to 1 (correlations, shared breaks and alignment are in the JSON and
        are printed by the command line as their own tables)."""
        concentration = pd.DataFrame(self.concentration)
        blocs = pd.DataFrame(self.bloc_shares)
        if concentration.empty:
            return concentration
        if blocs.empty:
            return concentration
        for suffix in ("", "_cooperative"):
            named = [f"{bloc}{suffix}" for bloc in BLOCS if f"{bloc}{suffix}" in blocs]
            if named:
                blocs[f"other{suffix}"] = (1.0 - blocs[named].sum(axis=1, min_count=len(named))).clip(lower=0.0)
        return concentration.merge(blocs, on="period", how="left")


def _correlations(panel: FocusPanel, partners: list[str]) -> list[dict[str, Any]]:
    from scipy import stats

    pairs = {p: panel.pair(p).set_index("period") for p in partners}
    out = []
    for i, a in enumerate(partners):
        for b in partners[i + 1 :]:
            common = pairs[a].index.intersection(pairs[b].index)
            row: dict[str, Any] = {"a": a, "b": b, "n_periods": len(common), "correlation": None, "p_value": None}
            x = pairs[a].loc[common, "focus_to_partner"].to_numpy(dtype=float)
            y = pairs[b].loc[common, "focus_to_partner"].to_numpy(dtype=float)
            active = min(int(np.count_nonzero(x)), int(np.count_nonzero(y)))
            if len(common) < MIN_OVERLAP or active < MIN_ACTIVE or np.ptp(x) == 0 or np.ptp(y) == 0:
                row["status"] = "insufficient_data"
                row["reason"] = (
                    f"{len(common)} shared periods, {active} active; needs {MIN_OVERLAP} and {MIN_ACTIVE} active each"
                )
            else:
                result = stats.pearsonr(x, y)
                row.update(status="ok", reason=None, correlation=float(result[0]), p_value=float(result[1]))
            out.append(row)
    return out


def group_breaks(found: Mapping[str, list[pd.Timestamp]], window: int, freq: str) -> list[dict[str, Any]]:
    """Cluster break dates across partners: a cluster starts at its earliest break and takes every break
    within ``window`` periods of it; two or more partners make a common shock."""
    from dyadwatch.analysis.periods import period_offset

    items = sorted((date, partner) for partner, dates in found.items() for date in dates)
    clusters: list[dict[str, Any]] = []
    limit = period_offset(freq) * window
    while items:
        first = items[0][0]
        members = [(d, p) for d, p in items if d <= first + limit]
        items = items[len(members) :]
        names = sorted({p for _, p in members})
        clusters.append(
            {
                "date": first.date().isoformat(),
                "end": members[-1][0].date().isoformat(),
                "partners": names,
                "breaks": [{"partner": p, "date": d.date().isoformat()} for d, p in members],
                "kind": "common" if len(names) >= 2 else "bilateral",
            }
        )
    return clusters


def _shared_breaks(panel: FocusPanel, partners: list[str], window: int) -> list[dict[str, Any]]:
    found: dict[str, list[pd.Timestamp]] = {}
    for partner in partners:
        pair = panel.pair(partner)
        if int((pair["out_events"] > 0).sum()) < MIN_ACTIVE:
            continue
        starts = detect_breaks(pair["focus_to_partner"].to_numpy(dtype=float), metric="goldstein_sum", min_size=3)
        found[partner] = [pd.Timestamp(pair["period"].iloc[s]) for s in starts]
    return group_breaks(found, window, panel.freq)


def _concentration(panel: FocusPanel) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    out = panel.rows[panel.rows["direction"] == "out"].copy()
    if out.empty:
        return [], []
    out["events"] = out["events"].astype(float)
    out["cooperative"] = (out["q1"] + out["q2"]).astype(float)
    index = period_index(out["period"].min(), out["period"].max(), panel.freq)
    allev = out.pivot_table(index="period", columns="partner", values="events", aggfunc="sum", fill_value=0.0)
    coop = out.pivot_table(index="period", columns="partner", values="cooperative", aggfunc="sum", fill_value=0.0)
    allev, coop = allev.reindex(index, fill_value=0.0), coop.reindex(index, fill_value=0.0)
    columns = [str(c) for c in allev.columns]
    all_values, coop_values = allev.to_numpy(dtype=float), coop.to_numpy(dtype=float)
    members_at = {bloc: [k for k, c in enumerate(columns) if c in members] for bloc, members in BLOCS.items()}
    concentration, blocs = [], []
    for position, period in enumerate(index):
        row_all, row_coop = all_values[position], coop_values[position]
        h_all, h_coop = hhi(pd.Series(row_all)), hhi(pd.Series(row_coop))
        total, total_coop = float(row_all.sum()), float(row_coop.sum())
        label = period.date().isoformat()
        concentration.append(
            {
                "period": label,
                "events": total,
                "partners": int(np.count_nonzero(row_all)),
                "hhi": h_all,
                "effective_partners": effective_partners(h_all),
                "hhi_cooperative": h_coop,
                "effective_partners_cooperative": effective_partners(h_coop),
            }
        )
        shares: dict[str, Any] = {"period": label}
        for bloc, inside in members_at.items():
            shares[bloc] = float(row_all[inside].sum()) / total if total > 0 else None
            shares[f"{bloc}_cooperative"] = float(row_coop[inside].sum()) / total_coop if total_coop > 0 else None
        blocs.append(shares)
    return concentration, blocs


def third_party_means(
    store: Store, actor: str, exclude: tuple[str, ...], drop_statements: bool, selection: Selection | None = None
) -> dict[str, float]:
    """Mean Goldstein score of ``actor`` toward each other country over the selection (whole store by default)."""
    sel = resolve(selection, drop_statements=drop_statements)
    where, params = sel.sql_where()
    rows = store.con.execute(
        f"""SELECT actor2, avg(goldstein) FROM events
            WHERE actor1 = ? AND actor2 IS NOT NULL AND actor2 <> '' AND goldstein IS NOT NULL {where}
            GROUP BY actor2""",
        [actor, *params],
    ).fetchall()
    return {str(k): float(v) for k, v in rows if k not in exclude}


def _alignment(store: Store, focus: str, partners: list[str], selection: Selection) -> list[dict[str, Any]]:
    out = []
    for partner in partners:
        mine = third_party_means(store, focus, (focus, partner), selection.drop_statements, selection)
        theirs = third_party_means(store, partner, (focus, partner), selection.drop_statements, selection)
        score, shared = alignment_score(mine, theirs)
        row: dict[str, Any] = {"partner": partner, "alignment": None, "third_parties": shared}
        if shared < MIN_THIRD_PARTIES:
            row["status"] = "insufficient_data"
            row["reason"] = (
                f"{shared} third parties that both {focus} and {partner} act toward; needs {MIN_THIRD_PARTIES} "
                "(a store loaded with --focus PRK keeps only events involving PRK; load with --focus ALL)"
            )
        else:
            row.update(status="ok", reason=None, alignment=score)
        out.append(row)
    return out


def compare(
    store: Store,
    focus: str = "PRK",
    *,
    freq: str = "Y",
    window: int = 2,
    partners: list[str] | None = None,
    max_partners: int = 12,
    normalize: str = "none",
    drop_statements: bool = False,
    selection: Selection | None = None,
) -> CompareResult:
    """Patterns across the focus country's relationships (see the module docstring).

    Correlations, shared breaks and alignment use ``partners`` or the ``max_partners`` with most events;
    concentration and bloc shares use every partner.
    """
    if window < 0:
        raise UsageError("--window must be 0 or more periods")
    code = focus.upper()
    sel = resolve(selection, freq=freq, normalize=normalize, drop_statements=drop_statements, partners=partners)
    freq, normalize, drop_statements = sel.freq, sel.normalize, sel.drop_statements
    # Concentration and bloc shares use every partner, so the panel is not cut to ``partners``.
    panel = focus_panel(store, code, selection=sel.with_(partners=()))
    chosen = list(sel.partners) if sel.partners else panel.partners()[:max_partners]
    concentration, blocs = _concentration(panel)
    notes = [
        f"frequency: one value per {FREQ_NAMES[freq]}; NC = Goldstein sum of {code} → partner",
        f"normalisation: {normalize} (shares and HHI do not change with it); bare statements (CAMEO 010) "
        f"{'left out' if drop_statements else 'kept'}",
        f"partners compared: {', '.join(chosen) if chosen else 'none'}; breaks within {window} periods are grouped",
        "alignment: Signorino–Ritter S on mean Goldstein toward shared third parties, whole span",
    ]
    from dyadwatch.analysis.votes import compare_indicators

    return CompareResult(
        code,
        freq,
        window,
        normalize,
        drop_statements,
        _correlations(panel, chosen),
        _shared_breaks(panel, chosen, window),
        concentration,
        blocs,
        _alignment(store, code, chosen, sel),
        notes,
        compare_indicators(store, code, chosen, BLOCS, blocs if freq == "Y" else ()),
        sel,
    )
