"""The analysis commands (breaks, flex, circumstances, compare) on the bundled data and on loaded files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dyadwatch.cli import run
from dyadwatch.testing import dyad_events, planted_reciprocity

MAP = "date=date,actor1=actor1,actor2=actor2,event_code=event_code,goldstein=goldstein"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    capsys.readouterr()
    assert run(argv) == 0
    data: dict = json.loads(capsys.readouterr().out)
    return data


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store loaded from a CSV of generated events: CHN reciprocates monthly, RUS is ignored."""
    folder = tmp_path_factory.mktemp("generated")
    chn = planted_reciprocity(120, response=0.6, noise=3.0, seed=1).frame
    rus = planted_reciprocity(120, response=0.0, noise=3.0, seed=2).frame
    # A planted level shift in PRK → CHN from month 60 (2005-01), to be found by `breaks`.
    chn.loc[60:, "focus_to_partner"] += 12.0
    rows = pd.concat([dyad_events(chn, "PRK", "CHN", seed=1), dyad_events(rus, "PRK", "RUS", seed=2)])
    csv = folder / "generated.csv"
    rows.to_csv(csv, index=False)
    db = folder / "generated.duckdb"
    assert run(["ingest", str(csv), "--format", "csv", "--map", MAP, "--db", str(db)]) == 0
    return db


def test_breaks_json_on_loaded_file(generated_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["breaks", "PRK", "CHN", "--metric", "goldstein_sum", "--db", str(generated_db), "-f", "json"])
    assert {"actor1", "actor2", "freq", "metric", "method", "breaks"} <= set(data)
    assert (data["actor1"], data["actor2"], data["freq"], data["metric"], data["method"]) == (
        "PRK",
        "CHN",
        "M",
        "goldstein_sum",
        "pelt",
    )
    dates = [pd.Timestamp(b["date"]) for b in data["breaks"]]
    assert any(abs(d - pd.Timestamp("2005-01-01")) <= pd.Timedelta(days=62) for d in dates)
    for item in data["breaks"]:
        assert {"date", "before_mean", "after_mean", "nearby_events"} <= set(item)
    assert data["regime_r2"] > 0.3 and data["status"] == "ok"


def test_flex_json_on_loaded_file(generated_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["flex", "PRK", "--db", str(generated_db), "--draws", "50", "--format", "json"])
    assert {"focus", "freq", "partners"} <= set(data) and data["focus"] == "PRK" and data["freq"] == "M"
    rows = {row["partner"]: row for row in data["partners"]}
    assert set(rows) == {"CHN", "RUS"}
    for row in rows.values():
        assert {"partner", "flexibility", "responsiveness_p", "ci_low", "ci_high", "n_periods"} <= set(row)
        assert {"responsiveness", "inertia", "accommodation", "punishment", "status"} <= set(row)
        assert row["n_periods"] == 120
    assert rows["CHN"]["responsiveness_p"] < 0.01
    assert rows["RUS"]["responsiveness_p"] > 0.01
    assert rows["CHN"]["flexibility"] > rows["RUS"]["flexibility"]


def test_bundled_breaks_and_flex_say_when_data_are_short(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without --freq the sparse chronology gets yearly periods, and says why; --freq M is kept.
    chosen = _json(capsys, ["breaks", "PRK", "VNM", "--db", str(bundled_db), "--format", "json"])
    assert chosen["freq"] == "Y" and chosen["freq_reason"].startswith("Frequency chosen from the data, yearly")
    monthly = _json(capsys, ["breaks", "PRK", "VNM", "--freq", "M", "--db", str(bundled_db), "--format", "json"])
    assert monthly["freq"] == "M" and "freq_reason" not in monthly
    # Monthly chronology series are mostly empty months, and the output says so.
    assert any("have no events; their goldstein_mean is 0" in note for note in monthly["notes"])
    yearly = _json(
        capsys, ["breaks", "PRK", "CUB", "--freq", "Y", "--metric", "events", "--db", str(bundled_db), "-f", "json"]
    )
    assert yearly["freq"] == "Y" and yearly["status"] == "ok"
    for item in yearly["breaks"]:
        for event in item["nearby_events"]:
            assert {"date", "summary", "reference"} <= set(event)
    nowhere = _json(capsys, ["breaks", "PRK", "ATA", "--freq", "Y", "--db", str(bundled_db), "-f", "json"])
    assert nowhere["status"] == "insufficient_data" and nowhere["breaks"] == []
    assert "try a coarser --freq or more data" in nowhere["reason"]
    flex = _json(capsys, ["flex", "PRK", "--db", str(bundled_db), "--draws", "20", "-f", "json"])
    statuses = {row["status"] for row in flex["partners"]}
    assert "insufficient_data" in statuses and len(flex["partners"]) >= 20
    for row in flex["partners"]:
        if row["status"] != "ok":
            assert row["flexibility"] is None and row["reason"]


def test_bundled_compare_and_circumstances(bundled_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["compare", "PRK", "--db", str(bundled_db), "--format", "json"])
    assert {"focus", "freq", "correlations", "shared_breaks", "concentration", "bloc_shares", "alignment"} <= set(data)
    assert data["freq"] == "Y"
    shares = [row["hhi"] for row in data["concentration"] if row["hhi"] is not None]
    assert shares and all(0 < h <= 1 for h in shares)
    assert all(row["status"] == "insufficient_data" for row in data["alignment"])  # focus-only store
    table = _json(
        capsys,
        ["circumstances", "PRK", "--freq", "Y", "--only", "sanctions", "--db", str(bundled_db), "--format", "json"],
    )
    assert [c["name"] for c in table["conditions"]] == ["sanctions"]
    assert table["rows"] and {row["condition"] for row in table["rows"]} == {"sanctions"}


def test_csv_and_table_formats(generated_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(["flex", "PRK", "--db", str(generated_db), "--draws", "10", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("partner,subset,start,end,status") and len(lines) == 3
    assert run(["compare", "PRK", "--db", str(generated_db), "--freq", "Q", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("period,events,partners,hhi,effective_partners")


def test_usage_errors_exit_2(generated_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["breaks", "PRK", "CHN", "--metric", "tone", "--db", str(generated_db)]) == 2
    assert run(["flex", "PRK", "--era", "kim-jong-nam", "--db", str(generated_db)]) == 2
    capsys.readouterr()
    assert run(["circumstances", "PRK", "--condition", "talks", "--db", str(generated_db)]) == 2
    assert "NAME=FROM:TO" in capsys.readouterr().err
    assert run(["flex", "PRK", "--partners", ",", "--db", str(generated_db)]) == 2
