"""Property: generated valid rows survive ingest → store → export unchanged (issue 10 item 8).

Hypothesis draws rows (days, country codes, CAMEO codes, Goldstein scores in tenths, mention
counts); they are written as a file, loaded into a fresh store and exported with `dyadwatch export
events`; what comes back must be the rows that went in, row for row.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.codebook import cameo_codes
from dyadwatch.testing.gdelt import gdelt2_line

#: Countries whose ISO code is also their GDELT code (GDELT writes Romania ROM, for instance).
COUNTRIES = ("PRK", "CHN", "RUS", "USA", "KOR", "JPN", "VNM", "FRA", "DEU", "IND")
CODES = sorted(code for code in cameo_codes() if len(code) >= 3)
# A bounded budget: each example builds a store (the whole file runs in well under a minute).
BUDGET = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

days = st.dates(min_value=dt.date(1979, 1, 1), max_value=dt.date(2030, 12, 31))
tenths = st.integers(min_value=-100, max_value=100)  # Goldstein -10.0 … 10.0 in tenths


@st.composite
def dyads(draw: st.DrawFn, focus_only: bool) -> tuple[str, str]:
    first = draw(st.sampled_from(COUNTRIES))
    second = draw(st.sampled_from([c for c in COUNTRIES if c != first]))
    if focus_only and "PRK" not in (first, second):
        return ("PRK", second) if draw(st.booleans()) else (first, "PRK")
    return first, second


def event_rows(focus_only: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    row = st.fixed_dictionaries(
        {
            "date": days,
            "dyad": dyads(focus_only),
            "event_code": st.sampled_from(CODES),
            "tenths": tenths,
            "weight": st.integers(min_value=1, max_value=500),
        }
    )
    return st.lists(row, min_size=1, max_size=40)


def _export(db: Path, out: Path) -> pd.DataFrame:
    assert run(["export", "events", "--format", "csv", "--out", str(out), "--db", str(db)]) == 0
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def _tenths(text: str) -> int:
    return round(float(text) * 10)


def _as_expected(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (row["date"].isoformat(), *row["dyad"], row["event_code"], row["tenths"], row["weight"]) for row in rows
    )


def _as_exported(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(
        (day, a1, a2, code, _tenths(score), int(weight))
        for day, a1, a2, code, score, weight in zip(
            frame["date"], frame["actor1"], frame["actor2"], frame["event_code"], frame["goldstein"], frame["weight"],
            strict=True,
        )
    )  # fmt: skip


@BUDGET
@given(rows=event_rows(focus_only=False))
def test_csv_rows_with_a_map_come_back_unchanged(rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Id", "Day", "Source", "Target", "Code", "Score", "Mentions"])
            for n, row in enumerate(rows):
                writer.writerow(
                    [n, row["date"].isoformat(), *row["dyad"], row["event_code"], f"{row['tenths'] / 10:.1f}",
                     row["weight"]]
                )  # fmt: skip
        db = Path(folder) / "events.duckdb"
        mapping = "event_id=Id,date=Day,actor1=Source,actor2=Target,event_code=Code,goldstein=Score,weight=Mentions"
        assert run(["ingest", str(path), "--format", "csv", "--map", mapping, "--focus", "ALL", "--db", str(db)]) == 0
        with dw.open(db, read_only=True) as store:
            [load] = store.loads().to_dict(orient="records")
        assert load["rows_read"] == load["rows_kept"] == len(rows)
        exported = _export(db, Path(folder) / "out.csv")
        assert set(exported["source"]) == {"csv"}
        assert _as_exported(exported) == _as_expected(rows)
        assert sorted(exported["event_id"]) == sorted(f"csv:{n}" for n in range(len(rows)))


@BUDGET
@given(focus=event_rows(focus_only=True), others=event_rows(focus_only=False))
def test_gdelt_rows_come_back_unchanged_and_others_are_counted(
    focus: list[dict[str, Any]], others: list[dict[str, Any]]
) -> None:
    """Rows that name PRK are stored and exported as written; the rest are counted outside the focus."""
    outside = [row for row in others if "PRK" not in row["dyad"]]
    codes = cameo_codes()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "20190101000000.export.CSV"
        lines = [
            gdelt2_line(
                1_000_000 + n, row["date"].strftime("%Y%m%d"), *row["dyad"], row["event_code"],
                codes[row["event_code"]].quad_class, row["tenths"] / 10, row["weight"], 0.0, f"https://example.org/{n}",
            )
            for n, row in enumerate(focus + outside)
        ]  # fmt: skip
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = Path(folder) / "events.duckdb"
        assert run(["ingest", str(path), "--db", str(db)]) == 0
        with dw.open(db, read_only=True) as store:
            [load] = store.loads().to_dict(orient="records")
        assert load["rows_read"] == len(focus) + len(outside)
        assert load["rows_kept"] == len(focus) and load["rows_outside_focus"] == len(outside)
        exported = _export(db, Path(folder) / "out.csv")
        assert set(exported["source"]) == {"gdelt2"}
        assert _as_exported(exported) == _as_expected(focus)
        assert [int(q) for q in exported["quad_class"]] == [codes[c].quad_class for c in exported["event_code"]]
