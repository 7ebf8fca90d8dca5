"""Write the worked example of ``docs/early-warning-and-strategies.md`` §1 ("the 2025 repositioning in
the built-in data") from the bundled data: the command's output as printed, then the reading, each
sentence generated from the result (issue 26 item 5: a deeper chronology changes the numbers, and the
page is rewritten from them, not edited by hand).

Usage: ``.venv/bin/python scripts/shifts_doc.py [--db build/shifts-doc.duckdb] [--check]``: builds a
store from the bundled data (as ``dyadwatch demo`` does), runs ``dyadwatch shifts PRK --since
2025-01-01`` monthly and quarterly, and rewrites the part between the ``shifts-2025`` markers.
``--check`` writes nothing and exits 1 when the page differs from what the run gives.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any

import dyadwatch as dw
from dyadwatch.analysis.shifts import ShiftsResult, shifts
from dyadwatch.cli import run as run_cli
from dyadwatch.selection import Selection
from dyadwatch.testing.benchdoc import fresh_bundled_store, page_arguments, write_or_check

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "early-warning-and-strategies.md"
SECTION = "shifts-2025"
SINCE = "2025-01-01"
BASELINE_END = "2024-12"
#: The partners the reading names even when they are not flagged: the five main ones and the
#: memo's Southeast Asian outreach.
NAMED = ("CHN", "RUS", "USA", "KOR", "JPN", "VNM", "LAO")
BLOCS = {"china_russia": "China + Russia", "southeast_asia": "Southeast Asia", "west": "the West"}
EVIDENCE_SHOWN = 6


def _months(count: float) -> str:
    return f"{count:g} month{'s' if count != 1 else ''}"


def _console(db: Path) -> str:
    """The table ``dyadwatch shifts PRK --since 2025-01-01`` prints, with ``COLUMNS`` set wide so that the
    terminal the script runs in does not change the page (the CLI caps its tables at its own width)."""
    os.environ["COLUMNS"] = "160"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli(["shifts", "PRK", "--since", SINCE, "--db", str(db)])
    if code != 0:
        raise SystemExit(f"dyadwatch shifts exited {code}: {err.getvalue()}")
    return out.getvalue().rstrip() + ("\n" + err.getvalue().rstrip() if err.getvalue().strip() else "")


def _bloc_lines(result: ShiftsResult) -> list[str]:
    lines = []
    for bloc in result.blocs:
        if "baseline_share" not in bloc:
            continue
        name = BLOCS.get(bloc["bloc"], bloc["bloc"])
        name = name[0].upper() + name[1:]
        verdict = {"rising": "rose", "falling": "fell"}.get(bloc["status"], "changed, but not significantly,")
        lines.append(
            f"* **{name}'s share** of PRK's dyadic events {verdict} from {bloc['baseline_share']:.0%} "
            f"({bloc['baseline_events']} of {bloc['baseline_total']}, baseline) to {bloc['recent_share']:.0%} "
            f"({bloc['recent_events']} of {bloc['recent_total']}, recent window); "
            f"adjusted p = {bloc['p_adjusted']:.2g}."
        )
    return lines


def _evidence(shift: dict[str, Any]) -> str:
    events = shift["evidence"]["events"]
    shown = [f"{e['date']}: {e['summary'].rstrip('.')}" for e in events[:EVIDENCE_SHOWN]]
    more = f"; and {len(events) - EVIDENCE_SHOWN} more" if len(events) > EVIDENCE_SHOWN else ""
    return "; ".join(shown) + more


def _partner_lines(result: ShiftsResult) -> list[str]:
    lines = []
    for shift in result.shifts:
        if shift["kind"] not in ("rising_partner", "falling_partner"):
            continue
        evidence = shift["evidence"]
        recent, baseline = evidence["recent"], evidence["baseline"]
        lines.append(
            f"* **{shift['partner']}** {'rose' if shift['kind'] == 'rising_partner' else 'fell'} "
            f"{evidence['rate_ratio']:.1f}-fold ({recent['events']} events in {_months(recent['exposure_periods'])} "
            f"against {baseline['events']} in {_months(baseline['periods'])}; adjusted p = "
            f"{evidence['p_adjusted']:.2g}). The events of the recent window: {_evidence(shift)}."
        )
    return lines


def _unflagged_lines(result: ShiftsResult) -> list[str]:
    flagged = {s["partner"] for s in result.shifts if s["kind"] in ("rising_partner", "falling_partner")}
    rows = {p["partner"]: p for p in result.partners}
    lines = []
    for code in NAMED:
        row = rows.get(code)
        if code in flagged or row is None:
            continue
        if row["status"] == "insufficient_data":
            lines.append(f"{code} (not tested: {row['reason']})")
            continue
        plural = "s" if row["recent_events"] != 1 else ""
        lines.append(
            f"{code} ({row['recent_events']} event{plural} in the recent window against {row['baseline_events']} in "
            f"the baseline, ratio {row['rate_ratio']:.2g}, raw p = {row['p_value']:.2g}, "
            f"adjusted {row['p_adjusted']:.2g})"
        )
    if not lines:
        return []
    return [
        "* **Not flagged:** " + "; ".join(lines) + ". The screen detects departures from a partner's own past "
        "(its 2015–2024 months, summit seasons included), not a level judged high or low."
    ]


def _multilateral_lines(result: ShiftsResult) -> list[str]:
    occasions = [s for s in result.shifts if s["kind"] == "multilateral_event"]
    if not occasions:
        return ["* **No multilateral occasion** (three or more foreign partners on one occasion) in the window."]
    named = "; ".join(f"{s['date']} ({s.get('group_id') or 'same day'}: {s['partner']})" for s in occasions)
    return [f"* **{len(occasions)} multilateral occasion(s):** {named}."]


def _flag(shift: dict[str, Any]) -> str:
    """A shift in a few words: "RUS rising", "China + Russia share rising"."""
    if shift["kind"] != "realignment":
        return f"{shift['partner']} {shift['kind'].split('_')[0]}"
    evidence = shift["evidence"]
    way = "rising" if evidence["recent_share"] > evidence["baseline_share"] else "falling"
    return f"{BLOCS.get(shift['partner'], shift['partner'])} share {way}"


def _flags(result: ShiftsResult) -> set[str]:
    return {_flag(s) for s in result.shifts if s["kind"] != "multilateral_event"}


def _frequency_line(monthly: ShiftsResult, quarterly: ShiftsResult) -> str:
    by_month, by_quarter = _flags(monthly), _flags(quarterly)
    same = sorted(by_month & by_quarter)
    text = f"* **At quarterly periods** (`--freq Q`) the flags that stay: {', '.join(same) or 'none'}"
    if by_month - by_quarter:
        text += f"; monthly only: {', '.join(sorted(by_month - by_quarter))}"
    if by_quarter - by_month:
        text += f"; quarterly only: {', '.join(sorted(by_quarter - by_month))}"
    if quarterly.partial_period:
        partial = quarterly.partial_period
        text += f" (the last quarter is covered for {partial['days_covered']} of its {partial['days']} days, left out)"
    return text + (
        ". A finding that depends on the frequency is a lead to check, not a result." if by_month != by_quarter else "."
    )


def section(db: Path, monthly: ShiftsResult, quarterly: ShiftsResult) -> str:
    partial = monthly.partial_period
    window = (
        f"(monthly periods; baseline {monthly.baseline_from[:7]} – {BASELINE_END}; recent window "
        f"{SINCE[:7]} – {monthly.until[:7]}"
        + (
            f", the last month, covered for {partial['days_covered']} of its {partial['days']} days, "
            "left out of the tests"
            if partial and partial["treatment"] == "left_out"
            else ""
        )
        + "; the chronology as bundled: `python scripts/shifts_doc.py` rewrites this part from it.)"
    )
    reading = [
        *_bloc_lines(monthly),
        *_partner_lines(monthly),
        *_unflagged_lines(monthly),
        *_multilateral_lines(monthly),
        _frequency_line(monthly, quarterly),
    ]
    return "\n".join([
        "```console",
        "$ dyadwatch demo                      # builds the store from the bundled chronology",
        f"$ dyadwatch shifts PRK --since {SINCE}",
        _console(db),
        "```",
        "",
        window,
        "",
        "What the numbers say (every sentence generated from the result above):",
        "",
        *reading,
    ])  # fmt: skip


def main() -> int:
    arguments = page_arguments(__doc__, ROOT / "build" / "shifts-doc.duckdb")
    db = fresh_bundled_store(arguments.db)
    with dw.open(db, read_only=True) as store:
        monthly = shifts(store, "PRK", since=SINCE)
        quarterly = shifts(store, "PRK", since=SINCE, selection=Selection(freq="Q"))
    return write_or_check(DOC, SECTION, section(db, monthly, quarterly), check=arguments.check, root=ROOT)


if __name__ == "__main__":
    sys.exit(main())
