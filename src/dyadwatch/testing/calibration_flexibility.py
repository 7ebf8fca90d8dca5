"""Calibration of ``dyadwatch flex``: mirrored reporting must not read as flexibility; a lagged response must."""

from __future__ import annotations

import tempfile
from pathlib import Path

from dyadwatch.testing.calibration import Rate, Section, count_hits
from dyadwatch.testing.series import planted_reciprocity


def flexibility_rates(seeds: int = 100, *, draws: int = 200, interval_seeds: int = 40) -> list[Rate]:
    """Mirrored reporting must not read as flexibility; a lagged response must."""
    from dyadwatch.analysis.flexibility import dyad_flexibility
    from dyadwatch.analysis.var import fit_dyad_var

    rates: list[Rate] = []
    mirrored = "120 months, no lagged response, 70% of news reported from both sides"
    lagged = "120 months, F answers P's last month (coefficient 0.5), no mirroring"

    def point(seed: int, response: float, mirrored: float = 0.0) -> tuple[float, float, float]:
        frame = planted_reciprocity(120, seed=seed, response=response, mirrored=mirrored).frame
        var = fit_dyad_var(frame["focus_to_partner"], frame["partner_to_focus"])
        return var.flexibility(), var.flexibility_upper(), var.co_movement

    estimates = [point(seed, response=0.0, mirrored=0.7) for seed in range(seeds)]
    rates.append(Rate("flexibility", mirrored, "flexibility ≥ 0.1 (a false reading of flexibility)",
                      sum(low >= 0.1 for low, _, _ in estimates), seeds, "≤ 0.05"))  # fmt: skip
    rates.append(Rate("flexibility", mirrored, "co_movement ≥ 0.5 (the mirroring is shown)",
                      sum(co >= 0.5 for _, _, co in estimates), seeds, "≥ 0.90"))  # fmt: skip
    rates.append(Rate("flexibility", mirrored, "flexibility_upper ≥ 0.3 (what an order-free measure credits)",
                      sum(up >= 0.3 for _, up, _ in estimates), seeds, "reported"))  # fmt: skip
    responding = [point(seed, response=0.5) for seed in range(seeds)]
    rates.append(Rate("flexibility", lagged, "flexibility ≥ 0.1",
                      sum(low >= 0.1 for low, _, _ in responding), seeds, "≥ 0.90"))  # fmt: skip

    def interval_excludes_zero(seed: int, response: float, mirrored: float = 0.0) -> bool:
        frame = planted_reciprocity(120, seed=seed, response=response, mirrored=mirrored).frame
        result = dyad_flexibility(frame["focus_to_partner"], frame["partner_to_focus"], draws=draws, seed=seed)
        return result.status == "ok" and (result.values["ci_low"] or 0.0) > 0.05

    hits, n = count_hits(range(interval_seeds), lambda seed: interval_excludes_zero(seed, response=0.5))
    rates.append(Rate("flexibility", lagged, "90% interval above 0.05", hits, n, "≥ 0.85"))
    hits, n = count_hits(range(interval_seeds), lambda seed: interval_excludes_zero(seed, response=0.0, mirrored=0.7))
    rates.append(Rate("flexibility", mirrored, "90% interval above 0.05", hits, n, "≤ 0.05"))
    return rates


#: The partners of the bundled-chronology table.
BUNDLED_PARTNERS = ("CHN", "RUS", "USA", "KOR", "JPN", "CUB")


def _bundled_table() -> list[str]:
    """Old (generalised FEVD) against new (Cholesky bounds) flexibility on the bundled chronology, yearly."""
    import dyadwatch as dw
    from dyadwatch.analysis.dyads import focus_panel
    from dyadwatch.analysis.var import HORIZON, fit_dyad_var, lag_cap
    from dyadwatch.ingest.bundled import load_bundled

    with tempfile.TemporaryDirectory() as folder:
        store = dw.open(str(Path(folder) / "chronology.duckdb"))
        load_bundled(store)
        result = dw.flexibility(store, "PRK", freq="Y", partners=list(BUNDLED_PARTNERS)).to_dict()
        panel = focus_panel(store, "PRK", "Y", partners=list(BUNDLED_PARTNERS))
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


def _reading() -> list[str]:
    return [
        "How to read it: with 70 % of each period's news reported from both sides and no lagged response,",
        'the order-free measure used before credited the partner with about a third of the variance; the',
        'lower bound stays near zero while `co_movement` shows the shared reporting. A real lagged response',
        'is found, with an interval that excludes zero, in most seeds.',
        "",
        "### On the bundled chronology (yearly), before and after",
        "",
        "The same fitted VARs, read the old way (generalised FEVD, order-free) and the new way (the two",
        "Cholesky bounds, with the 90 % bootstrap interval of the lower bound):",
        "",
        *_bundled_table(),
        "",
        'The reading "Pyongyang is most flexible toward Seoul" rested on the generalised share: most of it',
        "is same-period co-movement (a meeting reported from both sides in the same year), which the new",
        "definition does not credit to either side.",
    ]


SECTION = Section(
    key="flexibility",
    title="Flexibility (`dyadwatch flex`)",
    method=(
        "Method (see `docs/methods.md` §2.2): bivariate VAR; `flexibility` = share of the focus country's\n"
        "6-step forecast-error variance due to the partner's shocks with the focus country ordered first\n"
        '(the partner reaches it only through its past: a lower bound); `flexibility_upper` = the same with\n'
        'the partner ordered first; `co_movement` = correlation of the same-period residuals.'
    ),
    measure=lambda quick: flexibility_rates(100, draws=100, interval_seeds=30)
    if quick
    else flexibility_rates(300, interval_seeds=100),
    reading=_reading,
)
