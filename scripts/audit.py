"""Audit checklist (issue 26): a random sample of rows from every bundled list, for a human check.

    make audit SEED=3            # or: python scripts/audit.py --seed 3 --n 30 --per-list 10

draws ``--n`` records of the chronology and ``--per-list`` rows of each other list (the trigger
lists, the episodes, the provocation and missile-test lists) with ``random.Random(seed)`` over rows
in file order, and writes ``build/audit/checklist-<seed>.md``: one table per list with the row
(file and line or date), the claim, the reference, and an empty verdict column to fill in with
**wrong**, **questionable** or **confirmed** (and the source used). The same seed gives the same
sample; the last audit's counts are recorded in ``docs/chronology-format.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from dyadwatch.ingest import chronology, lists, triggers

ROOT = Path(__file__).resolve().parent.parent

Row = tuple[str, str, str]  # where, claim, reference


def chronology_rows() -> list[Row]:
    rows = []
    for rel in chronology.relationships():
        for index, record in enumerate(rel.records, start=1):
            when = record.date.strftime("%Y-%m") if record.date_precision == "month" else record.date.isoformat()
            claim = f"{when} {record.actor1}→{record.actor2} {record.event_code}: {record.summary}"
            rows.append((f"chronology/{rel.stem}.yaml #{index}", claim, record.reference))
    return rows


def resolution_rows() -> list[Row]:
    frame, _ = triggers.un_resolutions()
    return [
        (
            f"un_resolutions {r['document']}",
            f"{r['date']} ({r['kind']}, adopted {'yes' if r['adopted'] else 'no'}): {r['summary']}",
            r["reference"],
        )
        for r in frame.to_dict("records")
    ]


def exercise_rows() -> list[Row]:
    frame, _ = triggers.exercises()
    return [
        (
            f"exercises {r['name']}",
            f"{r['start']} to {r['end']} (precision {r['precision']}, {r['status']})",
            r["reference"],
        )
        for r in frame.to_dict("records")
    ]


def election_rows() -> list[Row]:
    frame, _ = triggers.elections()
    return [
        (
            f"elections {r['country']} {r['date'].year}",
            f"{r['country']} {r['kind']} election on {r['date']}",
            r["reference"],
        )
        for r in frame.to_dict("records")
    ]


def episode_rows() -> list[Row]:
    raw = resources.files("dyadwatch").joinpath("data/episodes/episodes_v1.csv").read_text("utf-8")
    table = list(csv.DictReader(io.StringIO(raw)))
    return [
        (f"episodes_v1.csv line {i}", f"{r['partner']} {r['kind']} from {r['start']}: {r['name']}", r["reference"])
        for i, r in enumerate(table, start=2)
    ]


def provocation_rows() -> list[Row]:
    frame, _ = lists.provocations()
    return [
        (f"provocations line {r['line']}", f"{r['date']}: {r['summary']}", r["reference"])
        for r in frame.to_dict("records")
    ]


def missile_rows() -> list[Row]:
    frame, _ = lists.missile_tests()
    return [
        (f"missile_tests #{r['line']}", f"{r['date']}: {r['summary']}", r["reference"])
        for r in frame.to_dict("records")
    ]


#: Every bundled list of dated claims, in the order of the checklist (the KCNA texts and the UN roll
#: calls are source documents, not claims of ours, and are not sampled).
LISTS: dict[str, Callable[[], list[Row]]] = {
    "chronology": chronology_rows,
    "un_resolutions": resolution_rows,
    "exercises": exercise_rows,
    "elections": election_rows,
    "episodes": episode_rows,
    "provocations": provocation_rows,
    "missile_tests": missile_rows,
}


def sample(seed: int, n: int = 30, per_list: int = 10) -> dict[str, list[Row]]:
    """The rows drawn for ``seed``: ``n`` of the chronology, ``per_list`` of every other list (all, if fewer)."""
    rng = random.Random(seed)
    drawn = {}
    for name, read in LISTS.items():
        rows = read()
        k = min(n if name == "chronology" else per_list, len(rows))
        picks = sorted(rng.sample(range(len(rows)), k))
        drawn[name] = [rows[i] for i in picks]
    return drawn


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def checklist(seed: int, n: int = 30, per_list: int = 10) -> str:
    """The checklist as Markdown."""
    out = [
        f"# Audit checklist, seed {seed}",
        "",
        f"{n} chronology records and {per_list} rows of every other bundled list, drawn with "
        f"`random.Random({seed})` (`make audit SEED={seed}`). For each row, check the claim against the "
        "reference (or a better source) and write **wrong**, **questionable** or **confirmed** with the "
        "source used; record the counts in `docs/chronology-format.md` (Audit).",
        "",
    ]
    for name, rows in sample(seed, n, per_list).items():
        out += [
            f"## {name} ({len(rows)} rows)",
            "",
            "| # | row | claim | reference | verdict |",
            "|---|---|---|---|---|",
        ]
        out += [f"| {i} | {_cell(w)} | {_cell(c)} | {_cell(r)} | |" for i, (w, c, r) in enumerate(rows, start=1)]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=30, help="chronology records to draw")
    parser.add_argument("--per-list", type=int, default=10, help="rows to draw from each other list")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "audit")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path: Path = args.out / f"checklist-{args.seed}.md"
    path.write_text(checklist(args.seed, args.n, args.per_list), encoding="utf-8")
    print(path)
    return path


if __name__ == "__main__":
    main()
