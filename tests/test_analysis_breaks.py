"""Known answers for regime-change detection (dyadwatch.analysis.breaks, costs)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dyadwatch.analysis.breaks import breaks, detect_breaks, markov_regimes, regime_r2
from dyadwatch.analysis.costs import CostPoisson, mbic_penalty
from dyadwatch.errors import UsageError
from dyadwatch.testing import planted_breaks

PLANTED = (40, 80)


def _score(found: list[int]) -> tuple[int, int]:
    """(planted breaks found within ±2 periods, breaks far from any planted one)."""
    hits = sum(any(abs(f - t) <= 2 for f in found) for t in PLANTED)
    false_alarms = sum(not any(abs(f - t) <= 2 for t in PLANTED) for f in found)
    return hits, false_alarms


@pytest.mark.parametrize(
    ("kind", "levels", "metric", "method"),
    [
        ("normal", (0.0, 2.0, -1.0), "goldstein_mean", "pelt"),
        ("normal", (0.0, 2.0, -1.0), "goldstein_mean", "binseg"),
        ("poisson", (5.0, 12.0, 6.0), "events", "pelt"),
    ],
)
def test_planted_breaks_are_found_with_few_false_alarms(
    kind: str, levels: tuple[float, ...], metric: str, method: str
) -> None:
    seeds = range(40)
    hits = false_alarms = null_alarms = 0
    for seed in seeds:
        planted = planted_breaks(120, PLANTED, levels, kind=kind, seed=seed)
        found = [b.index for b in breaks(planted.frame, metric=metric, method=method).breaks]
        h, f = _score(found)
        hits, false_alarms = hits + h, false_alarms + f
        flat = planted_breaks(120, (), (levels[0],), kind=kind, seed=10_000 + seed)
        null_alarms += bool(breaks(flat.frame, metric=metric, method=method).breaks)
    assert hits / (2 * len(seeds)) >= 0.9  # recall within ±2 periods
    assert false_alarms / len(seeds) <= 0.25  # spurious breaks per series
    assert null_alarms / len(seeds) <= 0.1  # series without a break that get one


def test_break_carries_means_dates_and_regime_r2() -> None:
    planted = planted_breaks(60, (30,), (0.0, 5.0), noise=0.5, seed=3)
    result = breaks(planted.frame)
    assert result.status == "ok" and result.freq == "M"
    assert len(result.breaks) == 1
    found = result.breaks[0]
    assert abs(found.index - 30) <= 2
    assert found.date == planted.frame["period"].iloc[found.index].isoformat()
    assert found.before_mean == pytest.approx(0.0, abs=0.4)
    assert found.after_mean == pytest.approx(5.0, abs=0.4)
    assert result.regime_r2 is not None and result.regime_r2 > 0.9
    assert result.penalty == pytest.approx(3 * math.log(60))
    sweep = {row["factor"]: row for row in result.penalty_sweep}
    assert sweep[1.0]["n_breaks"] == 1 and sweep[1.0]["penalty"] == pytest.approx(result.penalty)
    counts = [row["n_breaks"] for row in result.penalty_sweep]
    assert counts == sorted(counts, reverse=True)  # a larger penalty never finds more breaks here


def test_regime_r2_hand_worked() -> None:
    # Two flat regimes explain everything; y = [0, 0, 2, 2], mean 1: between = 4·1 = total.
    assert regime_r2(np.array([0.0, 0.0, 2.0, 2.0]), [2]) == pytest.approx(1.0)
    # y = [0, 2, 0, 2] split in halves: both halves have mean 1, so nothing is explained.
    assert regime_r2(np.array([0.0, 2.0, 0.0, 2.0]), [2]) == pytest.approx(0.0)
    # y = [0, 0, 0, 4] split [0,0] | [0,4]: means 0 and 2, grand mean 1: between 2·1 + 2·1 = 4, total 3 + 9 = 12.
    assert regime_r2(np.array([0.0, 0.0, 0.0, 4.0]), [2]) == pytest.approx(4 / 12)
    assert regime_r2(np.array([3.0, 3.0, 3.0]), []) is None


def test_poisson_cost_hand_worked() -> None:
    cost = CostPoisson(min_size=1).fit(np.array([1.0, 2.0, 3.0, 0.0]))
    # S = 6, n = 3: 2·6·log 3 − 2·6·log 6 = −12·log 2
    assert cost.error(0, 3) == pytest.approx(-12 * math.log(2))
    assert cost.error(3, 4) == 0.0  # an all-zero segment
    with pytest.raises(ValueError, match="no negative"):
        CostPoisson().fit(np.array([1.0, -1.0]))
    assert mbic_penalty(100) == pytest.approx(3 * math.log(100))


def test_edge_cases_say_why() -> None:
    empty = pd.DataFrame({"period": [], "events": [], "goldstein_mean": []})
    result = breaks(empty, freq="Y")
    assert result.status == "insufficient_data" and result.breaks == []
    assert "periods" in (result.reason or "")
    one = pd.DataFrame({"period": [pd.Timestamp("2000-01-01").date()], "events": [3], "goldstein_mean": [1.0]})
    assert breaks(one, freq="Y").status == "insufficient_data"
    constant = planted_breaks(40, (), (2.0,), noise=0.0).frame
    flat = breaks(constant)
    assert flat.status == "ok" and flat.breaks == [] and flat.regime_r2 is None
    assert any("constant" in note for note in flat.notes)
    assert detect_breaks(np.zeros(10)) == []


def test_bad_arguments_raise_usage_errors() -> None:
    frame = planted_breaks(30, (), (0.0,)).frame
    with pytest.raises(UsageError, match="metric must be one of"):
        breaks(frame, metric="tone")
    with pytest.raises(UsageError, match="pelt or binseg"):
        breaks(frame, method="dynp")
    with pytest.raises(UsageError, match="columns period and goldstein_sum"):
        breaks(frame.drop(columns=["goldstein_sum"]), metric="goldstein_sum")


def test_nearby_events_prefer_the_dyad_and_stay_within_two_periods() -> None:
    planted = planted_breaks(48, (24,), (0.0, 4.0), noise=0.3, seed=0, freq="Y", start="1970-01-01")
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["1993-06-01", "1995-03-01", "1996-12-31", "1997-01-01", "1980-01-01"]),
            "actor1": ["PRK", None, "CHN", "PRK", "PRK"],
            "actor2": ["CHN", None, "PRK", "CHN", "CHN"],
            "summary": ["talks", "a missile test", "aid", "too late", "too early"],
            "reference": ["r1", "r2", "r3", "r4", "r5"],
            "source": ["chronology", "provocations", "chronology", "chronology", "chronology"],
        }
    )
    result = breaks(planted.frame, events=events, actor1="PRK", actor2="CHN")
    assert result.freq == "Y"
    (found,) = result.breaks
    assert found.date == "1994-01-01"
    # ±2 years around 1994 is 1992-01-01 … 1996-12-31
    assert [e.summary for e in found.nearby_events] == ["talks", "a missile test", "aid"]
    assert found.to_dict()["nearby_events"][0] == {
        "date": "1993-06-01",
        "summary": "talks",
        "reference": "r1",
        "source": "chronology",
    }


def test_markov_switching_recovers_two_levels() -> None:
    planted = planted_breaks(120, (40, 80), (0.0, 4.0, 0.0), noise=0.7, seed=5)
    values = planted.frame["goldstein_mean"].to_numpy()
    labels = [p.isoformat() for p in planted.frame["period"]]
    regimes = markov_regimes(values, labels)
    assert regimes.status == "ok"
    assert sorted(regimes.means) == pytest.approx([0.0, 4.0], abs=0.4)
    assert len(regimes.switches) >= 2
    assert min(regimes.expected_durations) > 5
    short = markov_regimes(values[:10], labels[:10])
    assert short.status == "insufficient_data" and "20" in (short.reason or "")


def test_to_dict_has_the_design_keys() -> None:
    result = breaks(planted_breaks(60, (30,), (0.0, 5.0), seed=2).frame, markov=True)
    data = result.to_dict()
    for key in ("actor1", "actor2", "freq", "metric", "method", "breaks", "regime_r2", "status", "notes"):
        assert key in data
    assert set(data["breaks"][0]) >= {"date", "before_mean", "after_mean", "nearby_events"}
    assert data["markov"]["status"] == "ok"
    assert list(result.to_frame().columns)[:3] == ["date", "before_mean", "after_mean"]
