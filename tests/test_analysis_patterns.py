"""Hand-worked answers for compare: HHI, effective partners, alignment, shared breaks, bloc shares."""

from __future__ import annotations

import pandas as pd
import pytest

from dyadwatch.analysis.dyads import FocusPanel
from dyadwatch.analysis.patterns import (
    _concentration,
    _correlations,
    _shared_breaks,
    alignment_score,
    effective_partners,
    group_breaks,
    hhi,
)
from dyadwatch.testing import focus_rows, planted_breaks, planted_reciprocity


def test_hhi_and_effective_partners_hand_worked() -> None:
    assert hhi({"CHN": 2, "RUS": 2}) == pytest.approx(0.5)
    assert effective_partners(0.5) == pytest.approx(2.0)
    # 3 of 4 events with China, 1 with Russia: 0.75² + 0.25² = 0.625; 1 / 0.625 = 1.6
    assert hhi({"CHN": 3, "RUS": 1}) == pytest.approx(0.625)
    assert effective_partners(hhi({"CHN": 3, "RUS": 1})) == pytest.approx(1.6)
    assert hhi({"CHN": 5}) == pytest.approx(1.0)
    assert hhi({"CHN": 0, "RUS": 0}) is None and hhi({}) is None
    assert effective_partners(None) is None


def test_alignment_hand_worked() -> None:
    # Shared third parties USA and JPN: |5 − 5| + |−5 − 5| = 10; S = 1 − 2·10 / (2·20) = 0.5 (ZAF not shared)
    assert alignment_score({"USA": 5.0, "JPN": -5.0}, {"USA": 5.0, "JPN": 5.0, "ZAF": 1.0}) == (
        pytest.approx(0.5),
        2,
    )
    assert alignment_score({"USA": -3.0}, {"USA": -3.0}) == (pytest.approx(1.0), 1)
    assert alignment_score({"USA": 10.0}, {"USA": -10.0}) == (pytest.approx(-1.0), 1)
    assert alignment_score({"USA": 1.0}, {"JPN": 1.0}) == (None, 0)


def test_group_breaks_common_vs_bilateral() -> None:
    found = {
        "CHN": [pd.Timestamp("2006-01-01"), pd.Timestamp("2018-01-01")],
        "RUS": [pd.Timestamp("2007-01-01")],
        "VNM": [pd.Timestamp("2012-01-01")],
    }
    clusters = group_breaks(found, window=2, freq="Y")
    assert [(c["date"], c["partners"], c["kind"]) for c in clusters] == [
        ("2006-01-01", ["CHN", "RUS"], "common"),
        ("2012-01-01", ["VNM"], "bilateral"),
        ("2018-01-01", ["CHN"], "bilateral"),
    ]
    assert clusters[0]["end"] == "2007-01-01"
    # window 0: only breaks in the same period are shared
    assert [c["kind"] for c in group_breaks(found, window=0, freq="Y")] == ["bilateral"] * 4
    assert group_breaks({}, window=2, freq="Y") == []


def _rows(partner: str, direction: str, period: str, events: float, q1: float = 0.0, q4: float = 0.0) -> dict:
    return {
        "partner": partner,
        "direction": direction,
        "period": pd.Timestamp(period),
        "events": events,
        "goldstein_sum": 0.0,
        "q1": q1,
        "q2": 0.0,
        "q3": 0.0,
        "q4": q4,
    }


def test_concentration_and_bloc_shares_hand_worked() -> None:
    rows = pd.DataFrame(
        [
            # 2000: CHN 6 (4 cooperative), RUS 2 (2 cooperative), VNM 2 (0 cooperative) → total 10
            _rows("CHN", "out", "2000-01-01", 6, q1=4, q4=2),
            _rows("RUS", "out", "2000-01-01", 2, q1=2),
            _rows("VNM", "out", "2000-01-01", 2, q4=2),
            _rows("VNM", "in", "2000-01-01", 50, q1=50),  # incoming events do not count
            # 2002: VNM only
            _rows("VNM", "out", "2002-01-01", 3, q1=3),
        ]
    )
    panel = FocusPanel("PRK", "Y", "none", False, rows)
    concentration, blocs = _concentration(panel)
    assert [c["period"] for c in concentration] == ["2000-01-01", "2001-01-01", "2002-01-01"]
    first, empty, last = concentration
    assert first["events"] == 10 and first["partners"] == 3
    assert first["hhi"] == pytest.approx(0.6**2 + 0.2**2 + 0.2**2)  # 0.44
    assert first["effective_partners"] == pytest.approx(1 / 0.44)
    assert first["hhi_cooperative"] == pytest.approx((4 / 6) ** 2 + (2 / 6) ** 2)
    assert empty["hhi"] is None and empty["effective_partners"] is None and empty["partners"] == 0
    assert last["hhi"] == pytest.approx(1.0)
    assert blocs[0]["china_russia"] == pytest.approx(0.8)
    assert blocs[0]["southeast_asia"] == pytest.approx(0.2)
    assert blocs[0]["china_russia_cooperative"] == pytest.approx(1.0)
    assert blocs[1]["china_russia"] is None
    assert blocs[2]["southeast_asia"] == pytest.approx(1.0)


def test_planted_common_break_is_shared_and_correlations_found() -> None:
    common = {}
    for k, partner in enumerate(("CHN", "RUS", "VNM")):
        levels = (0.0, 4.0) if partner != "VNM" else (0.0, 0.0)
        planted = planted_breaks(60, (30,) if partner != "VNM" else (), levels[: 2 if partner != "VNM" else 1], seed=k)
        frame = pd.DataFrame(
            {
                "period": planted.frame["period"],
                "focus_to_partner": planted.frame["goldstein_mean"],
                "partner_to_focus": planted_reciprocity(60, seed=k).frame["partner_to_focus"],
            }
        )
        common[partner] = frame
    panel = FocusPanel("PRK", "M", "none", False, focus_rows(common))
    clusters = _shared_breaks(panel, ["CHN", "RUS", "VNM"], window=2)
    shared = [c for c in clusters if c["kind"] == "common"]
    assert len(shared) == 1 and shared[0]["partners"] == ["CHN", "RUS"]
    assert abs(pd.Timestamp(shared[0]["date"]) - pd.Timestamp("2002-07-01")) <= pd.Timedelta(days=62)
    correlations = {(c["a"], c["b"]): c for c in _correlations(panel, ["CHN", "RUS", "VNM"])}
    assert correlations[("CHN", "RUS")]["correlation"] > 0.7  # the shared shift dominates both series
    assert abs(correlations[("CHN", "VNM")]["correlation"]) < 0.4
    assert correlations[("CHN", "RUS")]["n_periods"] == 60


def test_correlation_needs_overlap() -> None:
    pairs = {
        "CHN": planted_reciprocity(10, seed=1).frame,
        "RUS": planted_reciprocity(10, seed=2, start="2010-01-01").frame,
    }
    (row,) = _correlations(FocusPanel("PRK", "M", "none", False, focus_rows(pairs)), ["CHN", "RUS"])
    assert row["status"] == "insufficient_data" and row["correlation"] is None
    assert "0 shared periods" in row["reason"]
