"""Write §6 of ``docs/methods.md`` ("Worked example on the bundled data") from the bundled data: each
command as a user types it, the answer it prints first (its generated ``summary``) and the numbers
behind it, every sentence generated from the command's JSON (issue 26 item 5: a deeper chronology
moves the numbers, and the page is rewritten from them, not edited by hand).

Usage: ``.venv/bin/python scripts/methods_example_doc.py [--db build/methods-doc.duckdb] [--check]``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from dyadwatch.cli import run as run_cli
from dyadwatch.testing.benchdoc import fresh_bundled_store, page_arguments, write_or_check

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "methods.md"
SECTION = "methods-worked-example"
BREAKS = ["breaks", "PRK", "CUB", "--freq", "Y", "--metric", "events", "--markov"]
FLEX = ["flex", "PRK", "--freq", "Y", "--partners", "CHN,RUS,USA,KOR,JPN"]
COMPARE = ["compare", "PRK"]


def answer(db: Path, arguments: list[str]) -> dict[str, Any]:
    """The JSON a command prints (``--format json``), run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli([*arguments, "--db", str(db), "--format", "json"])
    if code != 0:
        raise SystemExit(f"dyadwatch {' '.join(arguments)} exited {code}: {err.getvalue()}")
    body: dict[str, Any] = json.loads(out.getvalue())
    return body


def _command(arguments: list[str]) -> list[str]:
    return ["```", f"dyadwatch {' '.join(arguments)} --db demo.duckdb --format json", "```", ""]


def breaks_part(body: dict[str, Any]) -> list[str]:
    model, markov = body["model"], body.get("markov") or {}
    memory = model.get("memory") or {}
    lines = [*_command(BREAKS), f"> {body['summary']}", ""]
    facts = (
        f"The series has {body['n_periods']} yearly periods; the model is `{model['kind']}` "
        f"(memory: AR(1) φ {memory.get('phi', model.get('ar_coefficient', 0)):.2f}, long-run variance "
        f"{memory.get('long_run_ratio', 1):.2f} times the variance); "
        f"the calibrated penalty is β = {body['penalty']:.1f}"
    )
    if body.get("candidate"):
        facts += f", the strongest candidate {body['candidate']['date'][:4]} with gain {body['candidate']['gain']:.1f}"
    lines.append(facts + ".")
    if markov.get("status") == "ok":
        means, durations = markov["regime_means"], markov["expected_durations"]
        lines[-1] += (
            f" The two-regime Markov model separates a mean of {means[0]:.2f} events a year (expected duration "
            f"{durations[0]:.1f} years) from {means[1]:.2f} ({durations[1]:.1f} years), switching "
            f"{len(markov['switches'])} times."
        )
    lines += [
        "",
        "How to read it: an empty `breaks` list is an answer (no change at the calibrated penalty), and the "
        "sentence names the strongest candidate and the penalty it would need; `penalty_sweep` shows what a "
        "lower penalty would report; `model` says which cost was used and why (sparse counts: rank scores with "
        "a penalty from surrogates that keep the series' memory).",
        "",
    ]
    return lines


def _flex_line(row: dict[str, Any]) -> str:
    if row["status"] != "ok":
        return f"* {row['partner']}: `{row['status']}`: {row['reason']}."
    return (
        f"* {row['partner']}: focus_first {row['focus_first']:.2f} (90 % interval {row['focus_first_ci_low']:.2f}–"
        f"{row['focus_first_ci_high']:.2f}), partner_first {row['partner_first']:.2f}, co-movement "
        f"{row['co_movement']:.2f}; does PRK respond to the partner's past? bootstrap Wald p = "
        f"{row['lagged_response_p']:.3f} ({row['n_periods']} years)."
    )


def flex_part(body: dict[str, Any]) -> list[str]:
    return [
        *_command(FLEX),
        f"> {body['summary']}",
        "",
        *(_flex_line(row) for row in body["partners"]),
        "",
        "How to read it: the two shares order the same variance two ways and neither bounds the other; whether "
        "PRK responds at all is the Wald test's question, with its size measured in `docs/validation.md`. A partner "
        "below the activity threshold gets `insufficient_data` with the counts; monthly flexibility needs GDELT or "
        "ICEWS data (`dyadwatch ingest`).",
        "",
    ]


def compare_part(body: dict[str, Any]) -> list[str]:
    years = [row for row in body["concentration"] if row["events"]][-2:]
    concentration = "; ".join(
        f"{row['period'][:4]}: {row['events']:g} events toward {row['partners']} partners, HHI {row['hhi']:.2f} "
        f"({row['effective_partners']:.1f} effective partners)"
        for row in years
    )
    aligned = [row for row in body["alignment"] if row["status"] == "ok"]
    return [
        *_command(COMPARE),
        f"> {body['summary']}",
        "",
        f"Concentration in the last two years with events: {concentration}. `alignment` is measured for "
        f"{len(aligned)} of {len(body['alignment'])} partners"
        + ("" if aligned else " (the store holds only events involving the DPRK; load with `--focus ALL`)")
        + ".",
        "",
        "The numbers move as the chronology grows (`python scripts/methods_example_doc.py` rewrites this "
        "section from the bundled data); they illustrate how to read the output, not findings.",
    ]


def section(db: Path) -> str:
    lines = ["```", "dyadwatch demo --db demo.duckdb", "```", ""]
    lines += breaks_part(answer(db, BREAKS)) + flex_part(answer(db, FLEX)) + compare_part(answer(db, COMPARE))
    return "\n".join(lines)


def main() -> int:
    arguments = page_arguments(__doc__, ROOT / "build" / "methods-doc.duckdb")
    db = fresh_bundled_store(arguments.db)
    return write_or_check(DOC, SECTION, section(db), check=arguments.check, root=ROOT)


if __name__ == "__main__":
    sys.exit(main())
