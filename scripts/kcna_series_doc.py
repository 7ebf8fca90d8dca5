"""Write the "Monthly KCNA series beside the chronology" section of ``docs/kcna-events.md`` (issue 27
item 7) from the real 1997-2014 headlines (GPL-3 test data, read, never shipped).

Usage: ``.venv/bin/python scripts/kcna_series_doc.py [--draws 199]``: loads the bundled data (the
chronology among it) and the headlines into a temporary store, codes every text, and for China,
Russia, Japan, the US and South Korea puts the monthly KCNA series (``--source kcna --freq M``)
beside the chronology's yearly answers (``--source chronology --freq Y``), 1997-2014: breaks with
their dates, flexibility with its intervals and lagged-response test, the 2000 and 2002 peaks and
the turn after 2008, and where the two disagree. Every number comes from the package's functions;
the section is rewritten between ``<!-- kcna-series:begin -->`` / ``<!-- kcna-series:end -->``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import dyadwatch as dw
from dyadwatch.analysis.breaks import dyad_breaks
from dyadwatch.analysis.flexibility import flexibility
from dyadwatch.ingest.bundled import load_bundled
from dyadwatch.selection import Selection
from dyadwatch.testing.benchdoc import write_section

ROOT = Path(__file__).resolve().parents[1]
NAME = "kcna-headlines-1997-2014.csv.gz"
PLACES = (ROOT.parent / "shared" / "data" / "kcna-1997-2014" / NAME, ROOT / "tests" / "data" / "kcna-1997-2014" / NAME)
DOC = ROOT / "docs" / "kcna-events.md"
FIVE = ("CHN", "RUS", "JPN", "USA", "KOR")
NAMES = {"CHN": "China", "RUS": "Russia", "JPN": "Japan", "USA": "the US", "KOR": "South Korea"}
START, END = "1997-01-01", "2014-12-31"
BEFORE, AFTER = (2003, 2007), (2009, 2014)  # the turn after 2008: five years before against six after
COMMAND = "python scripts/kcna_series_doc.py"


def markdown(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return head + "\n".join("| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False))


def break_dates(result: Any, freq: str) -> tuple[list[str], str]:
    """The breaks' dates (months or years, with the direction of the change), or why there are none."""
    data = result.to_dict()
    if data["status"] != "ok":
        return [], f"{data['status']}: {data['reason']}"
    cut = 7 if freq == "M" else 4
    dates = [f"{str(b['date'])[:cut]} {'▲' if b['after_mean'] >= b['before_mean'] else '▼'}" for b in data["breaks"]]
    return dates, ", ".join(dates) or "none"


def flex_cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "not estimated"
    if row["status"] != "ok":
        return f"{row['status']}: {row['reason']}"

    def share(key: str) -> str:
        return f"{row[key]:.2f} [{row[key + '_ci_low']:.2f}, {row[key + '_ci_high']:.2f}]"

    p = row.get("lagged_response_p")
    return f"p = {p:.3f}; focus first {share('focus_first')}; partner first {share('partner_first')}"


def yearly(store: dw.Store, partner: str, source: str) -> pd.DataFrame:
    """Events and net cooperation (Goldstein sum) per year, both directions, 1997-2014, per 1 000
    events of the DPRK in the same source (``--normalize focus``): KCNA's output grows over the
    years (and the chronology's coverage varies), so raw counts would rank late years first."""
    chosen = Selection(freq="Y", sources=(source,), start=START, end=END, normalize="focus")
    frame = store.series("PRK", partner, undirected=True, selection=chosen)
    frame = frame.assign(year=pd.to_datetime(frame["period"]).dt.year).set_index("year")
    return frame.reindex(range(1997, 2015), fill_value=0)[["events", "goldstein_sum"]]


def peak_cell(frame: pd.DataFrame, year: int) -> str:
    """Events per 1 000 in ``year``, its rank among 1997-2014 (1 = most) and the peak year."""
    rank = int(frame["events"].rank(ascending=False, method="min")[year])
    return f"{frame['events'][year]:.0f} (rank {rank}; peak {frame['events'].idxmax()})"


def turn(frame: pd.DataFrame) -> tuple[float, float]:
    """Mean net cooperation per year before and after 2008."""
    low, high = (frame.loc[a:b, "goldstein_sum"].mean() for a, b in (BEFORE, AFTER))
    return float(low), float(high)


def near(years: list[int], others: list[int], slack: int = 1) -> list[int]:
    return [y for y in years if not any(abs(y - o) <= slack for o in others)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=199, help="Bootstrap draws of flex (the CLI's default 200).")
    args = parser.parse_args()
    headlines = next((path for path in PLACES if path.exists()), None)
    if headlines is None:
        raise SystemExit(f"no {NAME} in {' or '.join(str(p.parent) for p in PLACES)}")
    started = time.time()
    with tempfile.TemporaryDirectory() as folder, dw.open(Path(folder) / "kcna-series.duckdb") as store:
        load_bundled(store)
        store.ingest_texts([headlines], format="csv")
        dw.code_texts(store)
        kcna = Selection(freq="M", sources=("kcna",), start=START, end=END)
        chron = Selection(freq="Y", sources=("chronology",), start=START, end=END)
        flex_k = {r["partner"]: r for r in flexibility(store, "PRK", partners=list(FIVE), draws=args.draws,
                                                       selection=kcna).to_dict()["partners"]}  # fmt: skip
        flex_c = {r["partner"]: r for r in flexibility(store, "PRK", freq="Y", partners=list(FIVE), draws=args.draws,
                                                       selection=chron).to_dict()["partners"]}  # fmt: skip
        breaks_rows, flex_rows, peak_rows, turn_rows, disagree = [], [], [], [], []
        for partner in FIVE:
            name = NAMES[partner]
            k_dates, k_text = break_dates(dyad_breaks(store, "PRK", partner, freq="M", selection=kcna), "M")
            c_dates, c_text = break_dates(dyad_breaks(store, "PRK", partner, freq="Y", selection=chron), "Y")
            breaks_rows.append((name, k_text, c_text))
            k_years, c_years = [int(d[:4]) for d in k_dates], [int(d[:4]) for d in c_dates]
            if c_years and near(c_years, k_years):
                disagree.append(f"{name}: the chronology's break(s) {near(c_years, k_years)} have no KCNA break "
                                "within a year")  # fmt: skip
            if k_years and near(k_years, c_years):
                disagree.append(f"{name}: KCNA's break(s) in {sorted(set(near(k_years, c_years)))} have no "
                                "chronology break within a year")  # fmt: skip
            flex_rows.append((name, flex_cell(flex_k.get(partner)), flex_cell(flex_c.get(partner))))
            fk, fc = flex_k.get(partner) or {}, flex_c.get(partner) or {}
            if fk.get("status") == fc.get("status") == "ok":
                k_resp, c_resp = fk["lagged_response_p"] < 0.05, fc["lagged_response_p"] < 0.05
                if k_resp != c_resp:
                    disagree.append(
                        f"{name}: the lagged-response test is {'' if k_resp else 'not '}significant at 5% on "
                        f"KCNA's months (p = {fk['lagged_response_p']:.3f}) but {'' if c_resp else 'not '}on the "
                        f"chronology's years (p = {fc['lagged_response_p']:.3f})"
                    )
            k_year, c_year = yearly(store, partner, "kcna"), yearly(store, partner, "chronology")
            peak_rows.append((name, peak_cell(k_year, 2000), peak_cell(c_year, 2000), peak_cell(k_year, 2002),
                              peak_cell(c_year, 2002)))  # fmt: skip
            k_turn, c_turn = turn(k_year), turn(c_year)
            turn_rows.append((name, f"{k_turn[0]:+.1f} → {k_turn[1]:+.1f}", f"{c_turn[0]:+.1f} → {c_turn[1]:+.1f}"))
            k_down, c_down = k_turn[1] < k_turn[0], c_turn[1] < c_turn[0]
            if k_down != c_down:
                disagree.append(f"{name}: after 2008 net cooperation {'falls' if k_down else 'rises'} in KCNA's "
                                f"events but {'falls' if c_down else 'rises'} in the chronology's")  # fmt: skip
        counts = store.con.execute(
            "SELECT source, count(*) FROM events WHERE date BETWEEN ? AND ? AND source IN ('kcna', 'chronology') "
            "AND (actor1 = 'PRK' OR actor2 = 'PRK') GROUP BY 1 ORDER BY 1",
            [START, END],
        ).fetchall()
    seconds = time.time() - started
    span = f"{BEFORE[0]}-{BEFORE[1]} → {AFTER[0]}-{AFTER[1]}"
    text = "\n".join(
        [
            "## Monthly KCNA series beside the chronology, 1997-2014 (issue 27 item 7)",
            "",
            f"Generated by `{COMMAND} --draws {args.draws}` ({seconds:.0f} s): a temporary store with the bundled "
            f"data and the 1997-2014 headlines, every text coded; events of the DPRK 1997-2014: "
            + ", ".join(f"{source} {n}" for source, n in counts)
            + ". KCNA: `--source kcna --freq M --from 1997-01-01 --to 2014-12-31`; the chronology: "
            "`--source chronology --freq Y` over the same days (it records a few events a year, so its "
            "answers are yearly). Without `--source` neither command reads KCNA's events (design §9).",
            "",
            "### Breaks (`dyadwatch breaks PRK P`, metric goldstein_mean, DPRK → partner)",
            "",
            "▲: the new regime's mean is higher (more cooperative), ▼ lower.",
            "",
            markdown(pd.DataFrame(breaks_rows, columns=["partner", "KCNA, monthly", "chronology, yearly"])),
            "",
            f"### Flexibility (`dyadwatch flex PRK --partners {','.join(FIVE)} --draws {args.draws}`)",
            "",
            "The lagged-response p (bootstrap Wald test of the partner's lags) and the partner's share of the "
            "DPRK's forecast-error variance read two ways, with 90% intervals.",
            "",
            markdown(pd.DataFrame(flex_rows, columns=["partner", "KCNA, monthly", "chronology, yearly"])),
            "",
            "### The 2000 and 2002 peaks (events per year with the partner, both directions, per 1 000 events "
            "of the DPRK in the same source: `--normalize focus --freq Y`)",
            "",
            markdown(
                pd.DataFrame(
                    peak_rows, columns=["partner", "KCNA 2000", "chronology 2000", "KCNA 2002", "chronology 2002"]
                )
            ),  # fmt: skip
            "",
            f"### The turn after 2008 (mean net cooperation per year, Goldstein sum per 1 000 events of the "
            f"DPRK in the same source, {span})",
            "",
            markdown(pd.DataFrame(turn_rows, columns=["partner", "KCNA", "chronology"])),
            "",
            "### Where they disagree",
            "",
            *([f"* {line}." for line in disagree] or ["* Nowhere on these measures."]),
        ]
    )
    write_section(DOC, "kcna-series", text)
    print(f"wrote the kcna-series section of {DOC.relative_to(ROOT)} in {seconds:.0f} s")


if __name__ == "__main__":
    main()
