"""Measure the false-alarm rates and power of every detector and estimator; write docs/validation.md.

Run with ``make validate`` (a few minutes on two cores). The quick version of the same
measurements is ``tests/test_calibration.py`` (200 seeds per break scenario), which fails when a
rate leaves its bound. Besides the generated scenarios, the page shows what the change of the
flexibility definition (issue 9) does on the bundled chronology: the order-free generalised FEVD
used before against the two Cholesky bounds used now, from the same fitted VARs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN", "CUB")


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
        holds = "yes" if within_bound(rate) else "**no**"
        lines.append(
            f"| {number} | {rate.scenario} | {rate.measure} | {rate.value:.3f} | {low:.3f}–{high:.3f} | {rate.seeds} | "
            f"{rate.bound} | {holds if rate.bound != 'reported' else '—'} |"
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
        colour = {"breaks": "#0072B2", "flexibility": "#D55E00", "shifts": "#009E73"}[rate.method]
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


def _bundled_flexibility() -> list[str]:
    """Old (generalised FEVD) against new (Cholesky bounds) flexibility on the bundled chronology, yearly."""
    import dyadwatch as dw
    from dyadwatch.analysis.dyads import focus_panel
    from dyadwatch.analysis.var import HORIZON, fit_dyad_var, lag_cap
    from dyadwatch.ingest.bundled import load_bundled

    with tempfile.TemporaryDirectory() as folder:
        store = dw.open(str(Path(folder) / "chronology.duckdb"))
        load_bundled(store)
        result = dw.flexibility(store, "PRK", freq="Y", partners=list(PARTNERS)).to_dict()
        panel = focus_panel(store, "PRK", "Y", partners=list(PARTNERS))
        lines = [
            "| partner | periods | generalised FEVD (before) | flexibility (lower) | flexibility_upper | "
            "co_movement | Granger p | status |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in result["partners"]:
            pair = panel.pair(row["partner"])
            before = "—"
            if row["status"] == "ok":
                var = fit_dyad_var(
                    pair["focus_to_partner"], pair["partner_to_focus"], max_lags=lag_cap(len(pair), 4)
                )
                before = f"{var.generalised_fevd(HORIZON)[0, 1]:.2f}"

            def number(key: str, row: dict[str, object] = row) -> str:
                value = row.get(key)
                return f"{value:.2f}" if isinstance(value, float) else "—"

            lines.append(
                f"| {row['partner']} | {row['n_periods']} | {before} | {number('flexibility')} "
                f"({number('ci_low')}–{number('ci_high')}) | {number('flexibility_upper')} | "
                f"{number('co_movement')} | {number('responsiveness_p')} | {row['status']} |"
            )
        store.close()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--break-seeds", type=int, default=1000)
    parser.add_argument("--flex-seeds", type=int, default=300)
    parser.add_argument("--interval-seeds", type=int, default=100)
    parser.add_argument("--shift-seeds", type=int, default=500)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "validation.md")
    args = parser.parse_args()

    from dyadwatch.testing.calibration import break_rates, flexibility_rates, shift_rates, within_bound

    started = time.perf_counter()
    sections = {}
    for name, run in (
        ("breaks", lambda: break_rates(args.break_seeds)),
        ("flexibility", lambda: flexibility_rates(args.flex_seeds, interval_seeds=args.interval_seeds)),
        ("shifts", lambda: shift_rates(args.shift_seeds)),
    ):
        begin = time.perf_counter()
        sections[name] = run()
        print(f"{name}: {time.perf_counter() - begin:.0f} s", file=sys.stderr)
    everything = [rate for rates in sections.values() for rate in rates]
    figure = args.out.with_name("validation-rates.svg")
    _figure(everything, figure)
    bundled = _bundled_flexibility()
    elapsed = time.perf_counter() - started
    failures = [rate for rate in everything if not within_bound(rate)]

    template = (ROOT / "scripts" / "validation_template.md").read_text(encoding="utf-8")
    page = template.format(
        date=dt.date.today().isoformat(),
        machine=_machine(),
        commit=_commit(),
        minutes=f"{elapsed / 60:.1f}",
        figure=figure.name,
        breaks="\n".join(_table(list(sections["breaks"]))),
        flexibility="\n".join(_table(list(sections["flexibility"]), 1 + len(sections["breaks"]))),
        shifts="\n".join(_table(list(sections["shifts"]), 1 + len(sections["breaks"]) + len(sections["flexibility"]))),
        bundled="\n".join(bundled),
        verdict="Every rate holds its bound."
        if not failures
        else f"**{len(failures)} of {len(everything)} rates leave their bounds.**",
    )
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out} and {figure} in {elapsed / 60:.1f} min", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
