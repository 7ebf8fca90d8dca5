"""Known answers for the conditions table (dyadwatch.analysis.circumstances)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.circumstances import (
    circumstances,
    nuclear_tests,
    panel_circumstances,
    parse_windows,
    summit_dates,
)
from dyadwatch.analysis.dyads import FocusPanel
from dyadwatch.errors import UsageError
from dyadwatch.ingest import chronology
from dyadwatch.testing import focus_rows, planted_reciprocity

WINDOW = (pd.Timestamp("2004-01-01"), pd.Timestamp("2007-12-31"))


def _conditional_pair(seed: int, response_on: float, n_periods: int = 144) -> pd.DataFrame:
    """F answers P's last month with 0.1 outside the window and ``response_on`` inside it."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2000-01-01", periods=n_periods, freq="MS")
    on = ((periods >= WINDOW[0]) & (periods <= WINDOW[1])).astype(float)
    z = rng.normal(size=n_periods)
    x = np.zeros(n_periods)
    for t in range(1, n_periods):
        x[t] = 0.2 * x[t - 1] + (0.1 + (response_on - 0.1) * on[t]) * z[t - 1] + rng.normal(scale=0.5)
    return pd.DataFrame({"period": periods.date, "focus_to_partner": x, "partner_to_focus": z})


def test_planted_conditional_response_is_found_and_absent_one_is_not() -> None:
    pairs = {"CHN": _conditional_pair(1, 0.9), "RUS": _conditional_pair(2, 0.9), "VNM": _conditional_pair(3, 0.1)}
    panel = FocusPanel("PRK", "M", "none", False, focus_rows(pairs))
    result = panel_circumstances(panel, windows={"talks": [WINDOW]}, conditions=["talks"])
    rows = {row.partner: row for row in result.rows}
    for partner in ("CHN", "RUS"):
        assert rows[partner].status == "ok"
        assert rows[partner].difference == pytest.approx(0.8, abs=0.25)
        assert rows[partner].difference_p is not None and rows[partner].difference_p < 0.01
    # Pooled: two of three partners change by 0.8, so the common slope changes by about 0.53.
    assert rows["pooled"].difference == pytest.approx(0.8 * 2 / 3, abs=0.15)
    assert rows["pooled"].n_periods == 3 * 143
    assert rows["CHN"].responsiveness_off == pytest.approx(0.1, abs=0.15)
    assert rows["CHN"].responsiveness_on == pytest.approx(0.9, abs=0.25)
    assert rows["VNM"].difference_p is not None and rows["VNM"].difference_p > 0.01
    assert rows["CHN"].n_on == 48 and rows["CHN"].n_periods == 143


def test_built_in_conditions_count_the_right_periods() -> None:
    pairs = {"CHN": planted_reciprocity(120, seed=1).frame, "RUS": planted_reciprocity(120, seed=2).frame}
    panel = FocusPanel("PRK", "M", "none", False, focus_rows(pairs))
    summits = pd.DataFrame({"date": pd.to_datetime(["2001-05-20", "2005-03-03"]), "partner": ["CHN", "RUS"]})
    result = panel_circumstances(panel, nuclear_test_dates=[pd.Timestamp("2006-10-09")], summits=summits)
    counts = {(row.condition, row.partner): row.n_on for row in result.rows}
    # 2000-02 … 2009-12 after the lag: 119 periods
    assert counts[("sanctions", "CHN")] == 39  # 2006-10 … 2009-12
    assert counts[("nuclear_test_window", "CHN")] == 7  # 2006-07 … 2007-01 overlap ±3 months of 9 Oct 2006
    assert counts[("era:kim-jong-il", "CHN")] == 119
    assert counts[("summit", "CHN")] == 1 and counts[("summit", "RUS")] == 1
    status = {(row.condition, row.partner): row.status for row in result.rows}
    assert status[("summit", "CHN")] == "insufficient_data"  # one summit month cannot carry a slope
    assert status[("era:kim-il-sung", "pooled")] == "insufficient_data"
    assert status[("sanctions", "pooled")] == "ok"
    data = result.to_dict()
    assert set(data) >= {"focus", "freq", "specification", "caveats", "conditions", "rows", "notes"}
    assert "δ" in data["specification"] and len(data["caveats"]) >= 3


def test_sparse_partners_are_named_with_a_reason() -> None:
    pairs = {"CHN": planted_reciprocity(120, seed=1).frame, "MNG": planted_reciprocity(12, seed=2).frame}
    panel = FocusPanel("PRK", "M", "none", False, focus_rows(pairs))
    rows = panel_circumstances(panel, conditions=["sanctions"]).rows
    mongolia = next(row for row in rows if row.partner == "MNG")
    assert mongolia.status == "insufficient_data" and "needs 24 periods" in (mongolia.reason or "")
    pooled = next(row for row in rows if row.partner == "pooled")
    assert pooled.status == "insufficient_data" and "needs 2" in (pooled.reason or "")


def test_windows_and_condition_names_are_checked() -> None:
    parsed = parse_windows(["talks=2018-03-01:2019-02-28,2019-06-30:2019-06-30"])
    assert parsed["talks"][1] == (pd.Timestamp("2019-06-30"), pd.Timestamp("2019-06-30"))
    with pytest.raises(UsageError, match="NAME=FROM:TO"):
        parse_windows(["talks"])
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_windows(["talks=spring:summer"])
    with pytest.raises(UsageError, match="ends before it starts"):
        parse_windows(["talks=2019-01-01:2018-01-01"])
    panel = FocusPanel("PRK", "M", "none", False, focus_rows({"CHN": planted_reciprocity(30).frame}))
    with pytest.raises(UsageError, match="unknown condition"):
        panel_circumstances(panel, conditions=["eclipse"])


def test_nuclear_tests_from_the_bundled_list(bundled_db: Path) -> None:
    with dw.open(bundled_db, read_only=True) as store:
        dates = [d.date().isoformat() for d in nuclear_tests(store)]
    # The six DPRK nuclear tests.
    assert dates == ["2006-10-09", "2009-05-25", "2013-02-12", "2016-01-06", "2016-09-09", "2017-09-03"]


def test_summits_are_the_flagged_leader_meetings(bundled_db: Path) -> None:
    """Issue 9 item 4: summit periods come from ``summit: true``, not from any 04x event naming a Kim."""
    with dw.open(bundled_db, read_only=True) as store:
        summits = summit_dates(store, "PRK")
        # What the old rule (CAMEO 04x, summary naming a Kim or a summit) would have counted.
        loose = store.con.execute(
            """SELECT DISTINCT year(date) FROM events WHERE source = 'chronology'
               AND 'CHN' IN (actor1, actor2) AND event_code LIKE '04%'
               AND regexp_matches(summary, 'summit|Kim Il Sung|Kim Jong Il|Kim Jong Un', 'i')"""
        ).fetchall()
        result = circumstances(store, "PRK", freq="Y", partners=["CHN", "RUS"], conditions=["summit"])
        assert summit_dates(store, "USA").empty  # the chronology is about North Korea
    assert summits.equals(chronology.summit_records("PRK"))
    china = summits.loc[summits["partner"] == "CHN", "date"]
    years = set(china.dt.year)
    # Kim Il Sung, Kim Jong Il and Kim Jong Un met China's leaders in about a third of the years since 1949.
    assert 15 <= len(years) <= 30 and len(years) < len(loose), (sorted(years), len(loose))
    assert {1961, 2000, 2018, 2019, 2025} <= years
    # 1992 is a summit year (Yang Shangkun in Pyongyang, 13 April), not only Qian Qichen's visit of July.
    assert not years & {2013, 2015, 2024}  # an envoy, a Politburo member, Zhao Leji
    russia = set(summits.loc[summits["partner"] == "RUS", "date"].dt.date.astype(str))
    assert {"2019-04-25", "2023-09-13", "2024-06-19"} <= russia and "2023-10-19" not in russia  # not Lavrov
    rows = {row.partner: row for row in result.rows}
    assert "leader-level summit" in result.conditions["summit"]
    # At yearly frequency the condition is on in exactly the summit years (all after the first, lagged, year).
    assert rows["CHN"].status == "ok" and rows["CHN"].n_on == len(years)
