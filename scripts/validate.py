"""Measure the false-alarm rates and power of every detector and estimator; write docs/validation.md.

Run with ``make validate``: every section of :mod:`dyadwatch.testing.calibration` with its full seed
counts. Without ``--write`` the page and its figure go to ``build/validation/`` and no tracked file
changes; ``make validate-write`` (``--write``) regenerates ``docs/validation.md`` and
``docs/validation-rates.svg``. The quick version of the same measurements is
``tests/test_calibration*.py``, which fails when a bounded rate leaves its bound.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: Okabe–Ito colours, one per method in the figure.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def _machine() -> str:
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or "unknown processor"
    import os

    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _table(rates: list[object], first: int = 1) -> list[str]:
    from dyadwatch.testing.calibration import Rate, within_bound

    lines = [
        "| # | scenario | measure | rate | 95% interval | seeds | bound | holds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, rate in enumerate(rates, start=first):
        assert isinstance(rate, Rate)
        low, high = rate.interval
        holds = "—" if rate.bound == "reported" else "yes" if within_bound(rate) else "**no**"
        lines.append(
            f"| {number} | {rate.scenario} | {rate.measure} | {rate.value:.3f} | {low:.3f}–{high:.3f} | {rate.seeds} | "
            f"{rate.bound} | {holds} |"
        )
    return lines


def _figure(rates: list[object], path: Path) -> None:
    """One dot per rate with its Wilson interval, bounds as ticks: an SVG a reader can glance at."""
    import matplotlib

    matplotlib.use("Agg")
    import textwrap

    import matplotlib.pyplot as plt

    from dyadwatch.testing.calibration import Rate

    chosen = [r for r in rates if isinstance(r, Rate)]
    fig, ax = plt.subplots(figsize=(11, 0.5 * len(chosen) + 1.2))
    for row, rate in enumerate(reversed(chosen)):
        low, high = rate.interval
        colour = PALETTE[sorted({r.method for r in chosen}).index(rate.method) % len(PALETTE)]
        ax.plot([low, high], [row, row], color=colour, lw=2)
        ax.plot([rate.value], [row], "o", color=colour)
        if rate.bound != "reported":
            ax.plot([float(rate.bound.split()[1])], [row], "|", color="black", ms=12)
    labels = [
        textwrap.fill(f"{len(chosen) - k}. {r.method}: {r.measure} — {r.scenario}", 90)
        for k, r in enumerate(reversed(chosen))
    ]
    ax.set_yticks(range(len(chosen)), labels, fontsize=6.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("rate over seeds (dot), 95% interval (line), bound (black tick)")
    fig.tight_layout()
    fig.savefig(path, format="svg")
    plt.close(fig)


#: Every run keeps each section it measured here, so ``--reuse KEY`` can assemble a page without
#: measuring that section again (the page then names the commit each section was measured at).
#: ``$DYADWATCH_VALIDATION_DIR`` moves the untracked output (the page, its figure, the saved sections)
#: elsewhere; the tests use it so that they never touch a developer's build/validation/.
OUT_DIR = Path(os.environ.get("DYADWATCH_VALIDATION_DIR", ROOT / "build" / "validation"))
SAVED = OUT_DIR / "sections"


@dataclass(frozen=True)
class MeasuredSection:
    """One section's rates and reading, as a worker process returns them (picklable, unlike a Section)."""

    key: str
    title: str
    method: str
    rates: list[Any]
    reading: list[str]
    commit: str
    seconds: float
    quick: bool

    def save(self) -> None:
        SAVED.mkdir(parents=True, exist_ok=True)
        record = {**asdict(self), "rates": [asdict(rate) for rate in self.rates]}
        (SAVED / f"{self.key}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, key: str, quick: bool) -> MeasuredSection:
        from dyadwatch.testing.calibration import Rate

        path = SAVED / f"{key}.json"
        if not path.exists():
            raise SystemExit(f"--reuse {key}: no saved measurement at {path}; run without --reuse first")
        record = json.loads(path.read_text(encoding="utf-8"))
        if record["quick"] != quick:
            kind = "quick" if record["quick"] else "full"
            raise SystemExit(f"--reuse {key}: the saved measurement used the {kind} seed counts; rerun it")
        return cls(**{**record, "rates": [Rate(**rate) for rate in record["rates"]]})


def _run_section(key: str, quick: bool) -> MeasuredSection:
    from dyadwatch.testing.calibration import sections

    (section,) = sections([key])
    begin = time.perf_counter()
    rates = section.measure(quick)
    middle = time.perf_counter()
    reading = section.reading()
    seconds = time.perf_counter() - begin
    print(f"{key}: {len(rates)} rates in {middle - begin:.0f} s, reading in {seconds - (middle - begin):.0f} s",
          file=sys.stderr)  # fmt: skip
    measured = MeasuredSection(
        key, section.title, section.method, list(rates), list(reading), _commit(), seconds, quick
    )
    measured.save()
    return measured


def _reread(key: str, quick: bool) -> MeasuredSection:
    """A saved measurement of ``key`` with its method text and reading written again from today's code
    and data (the rates, their commit and their time kept)."""
    from dyadwatch.testing.calibration import sections

    (section,) = sections([key])
    saved = MeasuredSection.load(key, quick)
    if section.remember is not None:
        section.remember(list(saved.rates))
    reading = list(section.reading())
    print(f"{key}: reading written again from the rates measured at {saved.commit}", file=sys.stderr)
    return replace(saved, reading=reading, method=section.method)


#: The measured event-study rates behind the trust sentence the package prints (it never reads build/).
TRUST_FILE = ROOT / "src" / "dyadwatch" / "data" / "calibration" / "event_study.json"


def _write_trust(part: MeasuredSection) -> None:
    from dyadwatch.testing.calibration_provocations import scheme_record

    record = scheme_record(part.rates, part.commit)
    TRUST_FILE.parent.mkdir(parents=True, exist_ok=True)
    TRUST_FILE.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TRUST_FILE.relative_to(ROOT)} (the event-study trust sentence's numbers)", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the suite's seed counts (minutes less, wider intervals)")
    parser.add_argument(
        "--write",
        action="store_true",
        help="write docs/validation.md and its figure (without it they go to build/validation/, and no tracked "
        "file changes)",
    )
    parser.add_argument("--only", action="append", default=[], help="run only this section (repeatable), e.g. breaks")
    parser.add_argument("--jobs", type=int, default=2, help="sections measured at once, one process each (default 2)")
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        help="take this section from its last saved measurement (build/validation/sections/) instead of measuring "
        "it again (repeatable); the page names the commit it was measured at",
    )
    parser.add_argument(
        "--reread",
        action="append",
        default=[],
        help="take this section's rates from its last saved measurement but write its reading again from "
        "today's code and data (the tables on the bundled chronology), without measuring (repeatable)",
    )
    args = parser.parse_args()
    out = ROOT / "docs" / "validation.md" if args.write else OUT_DIR / "validation.md"
    out.parent.mkdir(parents=True, exist_ok=True)

    from dyadwatch.testing.calibration import failures, sections

    started = time.perf_counter()
    keys = [section.key for section in sections(args.only)]
    # Each section (its rates and its reading) runs in a worker process of its own, so `--jobs 2`
    # keeps both cores busy; the page is assembled in the registry's order whatever finishes first.
    done = {key: MeasuredSection.load(key, args.quick) for key in keys if key in args.reuse}
    done.update({key: _reread(key, args.quick) for key in keys if key in args.reread})
    fresh = [key for key in keys if key not in done]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done.update(zip(fresh, pool.map(_run_section, fresh, [args.quick] * len(fresh)), strict=True))
    measured = [done[key] for key in keys]
    everything = [rate for part in measured for rate in part.rates]
    figure = out.with_name("validation-rates.svg")
    _figure(everything, figure)
    parts: list[str] = []
    first = 1
    for part in measured:
        when = f"Measured at commit `{part.commit}` in {part.seconds / 60:.1f} minutes."
        parts += [f"## {part.title}", "", part.method, "", when, "", *_table(part.rates, first), "", *part.reading, ""]
        first += len(part.rates)
    elapsed = time.perf_counter() - started
    failed = failures(everything)

    template = (ROOT / "scripts" / "validation_template.md").read_text(encoding="utf-8")
    page = template.format(
        date=dt.date.today().isoformat(),
        machine=_machine(),
        commit=_commit(),
        minutes=f"{elapsed / 60:.1f}",
        figure=figure.name,
        seeds="the suite's (quick) seed counts" if args.quick else "the full seed counts",
        sections="\n".join(parts).rstrip() + "\n",
        verdict="Every bounded rate holds its bound."
        if not failed
        else f"**{len(failed)} bounded rates leave their bounds:** " + "; ".join(failed) + ".",
    )
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out} and {figure} in {elapsed / 60:.1f} min", file=sys.stderr)
    if args.write and not args.quick and "provocations" in done:
        _write_trust(done["provocations"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
