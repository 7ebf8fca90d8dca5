"""Partner mentions, lexicons and the rhetoric index (issue 11), with known answers.

``tests/data/partner-mentions-labelled.csv``: 220 real KCNA headlines (130 drawn at random, seed 11,
from the English 1997-2014 headlines, 90 from the 2024 archive), labelled by hand with every country
the headline names or unmistakably refers to (by name, adjective, capital, leader, or an institution of
that state such as Chongwadae); the DPRK itself, "Korean" alone, Korean communities' organisations
(Chongryon) and multilateral talks are not partners; "Koreans in Japan" names Japan.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.rhetoric import (
    adjust_lead_lag,
    contiguous_runs,
    granger_with_gaps,
    index_frame,
    rhetoric,
    usable_rows,
)
from dyadwatch.cli import run
from dyadwatch.codebook.cameo import goldstein
from dyadwatch.codebook.lexicon import korean_counts, lexicon, score_texts
from dyadwatch.codebook.mentions import partner_dictionary, partners_of

DATA = Path(__file__).parent / "data"
MAIN = {"USA", "JPN", "KOR", "CHN", "RUS"}


def precision_recall(only: set[str] | None = None) -> tuple[float, float, int]:
    labelled = pd.read_csv(DATA / "partner-mentions-labelled.csv", keep_default_na=False)
    tp = fp = fn = 0
    for day, title, label in zip(labelled["date"], labelled["title"], labelled["partners"], strict=True):
        gold = {p for p in label.split(";") if p}
        got = set(partners_of(title, int(day[:4])))
        if only is not None:
            gold, got = gold & only, got & only
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    return tp / (tp + fp), tp / (tp + fn), len(labelled)


def test_partner_mentions_precision_and_recall_on_labelled_headlines() -> None:
    """The numbers reported in docs/rhetoric.md; a change to the dictionary must update both."""
    precision, recall, size = precision_recall()
    assert size == 220
    assert (round(precision, 3), round(recall, 3)) == (1.0, 0.943)
    precision, recall, _ = precision_recall(MAIN)
    assert (round(precision, 3), round(recall, 3)) == (1.0, 0.93)


def test_partner_mentions_known_answers() -> None:
    assert partners_of("U.S. imperialists' war moves denounced", 2003) == {"USA": "name"}
    assert set(partners_of("S. Korean puppets and Japanese reactionaries", 2003)) == {"KOR", "JPN"}
    assert partners_of("Delegation of Soviet Union arrives", 1988) == {"RUS": "name"}
    assert partners_of("Koizumi leaves Pyongyang", 2002) == {"JPN": "leader"}
    assert partners_of("Abe's remarks", 2010) == {}  # not in office in 2010
    assert partners_of("Abe's remarks", 2013) == {"JPN": "leader"}
    assert partners_of('Kim Dae Jung\'s "sunshine policy"', 2000) == {"KOR": "leader"}
    assert partners_of("Rally in South Hamgyong Province", 2024) == {}
    assert partners_of("Korean people's struggle", 1999) == {}
    assert partners_of("미제와 남조선괴뢰들", 1990) == {"USA": "korean", "KOR": "korean"}
    assert partner_dictionary().version == "partners-v2"


def test_partner_dictionary_v2_additions_known_answers() -> None:
    assert set(partners_of("Myanmar, Indonesian Figures Laud Kim Il Sung", 2012)) == {"MMR", "IDN"}
    assert partners_of("Congratulations to PM of Thailand", 2024) == {"THA": "name"}
    assert partners_of("Sihanouk arrives", 2003) == {"KHM": "leader"}
    assert partners_of("Message to Hun Sen", 2024) == {}  # prime minister until 2023
    assert partners_of("Lukashenko greeted", 2020) == {"BLR": "leader"}
    assert partners_of("Mahathir meets delegation", 2010) == {}  # between his two terms
    assert partners_of("Guinea-Bissau delegation", 2010) == {}  # not listed: no guess
    # Korean: a name inside another word is not a country.
    assert partners_of("사회주의진영국가들과 인도주의, 방법이란", 1990) == {}
    assert partners_of("영국과 이란, 인디아", 1990) == {"GBR": "korean", "IRN": "korean", "IND": "korean"}


def frame(*texts: str, language: str = "en") -> pd.DataFrame:
    return pd.DataFrame(
        {"text_id": [f"t{k}" for k in range(len(texts))], "language": language, "title": None, "text": list(texts)}
    )


def test_lexicon_counts_known_answers() -> None:
    scored = score_texts(
        frame(
            "Juche idea and self-reliance: anti-imperialist struggle against U.S. imperialists",
            "DPRK-China talks on economic cooperation and trade; agreement signed",
            "Weather forecast",
            "Sovereignty defended; talks rejected",
        )
    )
    assert scored[["ideological", "pragmatic", "juche"]].values.tolist() == [[4, 0, 1], [0, 5, 0], [0, 0, 0], [1, 1, 1]]
    assert lexicon().version == "lexicon-v1"


def test_korean_lexicon_uses_the_tokenizer() -> None:
    lex = lexicon()
    assert korean_counts("자주적인 외교와 경제협력", lex) == {"ideological": 1, "pragmatic": 2, "juche": 1}
    # 자주 as the adverb "often" is not sovereignty.
    assert korean_counts("우리는 자주 만났다", lex) == {"ideological": 0, "pragmatic": 0, "juche": 0}
    assert korean_counts("자력갱생의 혁명정신", lex)["ideological"] == 2


def test_index_formula_and_juche_share() -> None:
    scored = pd.DataFrame(
        {
            "text_id": ["a", "b", "c", "d"],
            "ideological": [3, 0, 1, 0],
            "pragmatic": [1, 2, 0, 0],
            "juche": [1, 0, 0, 0],
            "date": pd.to_datetime(["2002-09-01", "2002-09-20", "2002-09-30", "2002-10-05"]).date,
        }
    )
    mentions = pd.DataFrame({"text_id": ["a", "b", "c", "d", "a"], "partner": ["JPN", "JPN", "JPN", "JPN", "USA"]})
    rows = index_frame(scored, mentions, "M").set_index(["partner", "period"])
    september = rows.loc[("JPN", pd.Timestamp("2002-09-01"))]
    assert (september["texts"], september["ideological"], september["pragmatic"]) == (3, 4, 3)
    assert september["rhetoric_index"] == pytest.approx((4 - 3) / 7)
    assert september["juche_share"] == pytest.approx(1 / 3)
    assert np.isnan(rows.loc[("JPN", pd.Timestamp("2002-10-01")), "rhetoric_index"])  # no term: null
    assert rows.loc[("USA", pd.Timestamp("2002-09-01")), "rhetoric_index"] == pytest.approx(0.5)


def constructed_store(tmp_path: Path) -> Path:
    """Texts about Japan and the US in 2002 with known counts, and PRK's events toward them."""
    texts = pd.DataFrame(
        {
            "date": ["2002-01-10", "2002-01-20", "2002-02-05", "2002-02-06"],
            "title": [
                "Japanese imperialists and their puppets denounced",
                "DPRK-Japan talks on trade",
                "U.S. imperialists' sovereignty violation",
                "Tokyo delegation: economic cooperation talks",
            ],
        }
    )
    texts.to_csv(tmp_path / "texts.csv", index=False)
    events = pd.DataFrame(
        {
            "date": ["2002-01-03", "2002-01-04", "2002-02-02"],
            "actor1": ["PRK", "PRK", "PRK"],
            "actor2": ["JPN", "JPN", "JPN"],
            "event_code": ["036", "111", "057"],
        }
    )
    events.to_csv(tmp_path / "events.csv", index=False)
    db = tmp_path / "s.duckdb"
    assert run(["ingest-texts", str(tmp_path / "texts.csv"), "--db", str(db)]) == 0
    mapping = "date=date,actor1=actor1,actor2=actor2,event_code=event_code"
    assert run(["ingest", str(tmp_path / "events.csv"), "--format", "csv", "--map", mapping, "--db", str(db)]) == 0
    return db


def test_rhetoric_cli_json_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = constructed_store(tmp_path)
    capsys.readouterr()
    assert run(["rhetoric", "PRK", "--freq", "M", "--format", "json", "--db", str(db)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["focus"], answer["freq"], answer["lexicon_version"]) == ("PRK", "M", "lexicon-v1")
    rows = {(r["partner"], r["period"]): r for r in answer["rows"]}
    assert set(rows) == {("JPN", "2002-01-01"), ("JPN", "2002-02-01"), ("USA", "2002-02-01")}
    january = rows[("JPN", "2002-01-01")]
    assert (january["texts"], january["ideological"], january["pragmatic"]) == (2, 2, 2)
    assert january["rhetoric_index"] == 0.0 and january["juche_share"] == 0.0
    assert january["goldstein_mean"] == pytest.approx((goldstein("036") + goldstein("111")) / 2)
    february = rows[("JPN", "2002-02-01")]
    assert february["rhetoric_index"] == -1.0 and february["goldstein_mean"] == pytest.approx(goldstein("057"))
    usa = rows[("USA", "2002-02-01")]
    assert (usa["rhetoric_index"], usa["juche_share"], usa["goldstein_mean"]) == (1.0, 1.0, None)
    assert {t["partner"]: t["status"] for t in answer["lead_lag"]} == {
        "JPN": "insufficient_data",
        "USA": "insufficient_data",
    }
    # Every insufficient_data says why: the collection, its months, and the number needed.
    japan = next(t for t in answer["lead_lag"] if t["partner"] == "JPN")
    assert japan["reason"].startswith("texts: 2 of 2 months from 2002-01 to 2002-02 have both an index")
    assert "at least 36 needed" in japan["reason"]
    usa = next(t for t in answer["lead_lag"] if t["partner"] == "USA")
    assert usa["reason"] == "no events PRK → USA loaded"


def test_lead_lag_finds_words_that_move_first(tmp_path: Path) -> None:
    """Constructed: each month's rhetoric toward the US is drawn at random; the next month's
    events follow it (hostile words, conflict a month later). Words lead deeds; deeds do not lead words.
    2003 has no text: a gap of twelve months inside the collection, which no lag may cross."""
    rng = np.random.default_rng(7)
    months = pd.date_range("2000-01-01", periods=72, freq="MS")
    hostile = rng.random(len(months)) < 0.5
    titles, days, events = [], [], []
    for month, bad in zip(months, hostile, strict=True):
        for k in range(int(rng.integers(2, 5)) if month.year != 2003 else 0):
            titles.append("U.S. imperialists denounced" if bad or k == 0 else "U.S. talks on trade cooperation")
            days.append((month + pd.Timedelta(days=k)).strftime("%Y-%m-%d"))
        follow = month + pd.DateOffset(months=1)
        for k in range(int(rng.integers(2, 6))):
            code = "111" if (bad if rng.random() < 0.85 else not bad) else "057"
            events.append(((follow + pd.Timedelta(days=k)).strftime("%Y-%m-%d"), "PRK", "USA", code))
    pd.DataFrame({"date": days, "title": titles}).to_csv(tmp_path / "texts.csv", index=False)
    pd.DataFrame(events, columns=["date", "actor1", "actor2", "event_code"]).to_csv(
        tmp_path / "events.csv", index=False
    )
    with dw.open(tmp_path / "s.duckdb") as store:
        store.ingest_texts([tmp_path / "texts.csv"])
        store.ingest(
            [tmp_path / "events.csv"],
            format="csv",
            mapping="date=date,actor1=actor1,actor2=actor2,event_code=event_code",
        )
        [test] = rhetoric(store, "PRK", freq="M").lead_lag
    assert test["status"] == "ok" and test["collection"] == "texts"
    assert test["calendar"] == {"from": "2000-01", "to": "2005-12", "months": 72}
    assert test["largest_gap"] == {"after": "2002-12", "before": "2004-01", "months": 12}
    # 60 months with texts, the first before any event (deeds follow words by a month, so the event
    # series starts in February 2000): 59 in two runs of 35 and 24, each losing its first `lags` months.
    assert test["observed"] == 59 and test["runs"] == 2
    assert test["periods"] == 59 - 2 * test["lags"]
    # The bootstrap's smallest p is 1 / (999 + 1); the F distribution agrees that it is far smaller.
    assert test["words_lead_deeds_p"] == pytest.approx(0.001) and test["words_lead_deeds_p_f"] < 1e-6
    assert test["deeds_lead_words_p"] > 0.05
    assert test["words_lead_deeds_p_adjusted"] <= 0.002 and test["adjusted_over"] == 2


def test_runs_and_usable_rows_known_answers() -> None:
    observed = np.array([True, True, False, True, True, True, False, False, True])
    assert contiguous_runs(observed) == [(0, 2), (3, 6), (8, 9)]
    assert usable_rows(contiguous_runs(observed), 1).tolist() == [1, 4, 5]
    assert usable_rows(contiguous_runs(observed), 2).tolist() == [5]
    assert contiguous_runs(np.zeros(3, dtype=bool)) == []


def test_granger_with_gaps_is_the_f_test_on_rows_whose_lags_are_observed() -> None:
    """Without gaps the statistic is statsmodels' Granger F; with a gap it is the F-test of an OLS fit
    (statsmodels) on the rows whose lags lie in one run, built here independently with pandas."""
    import statsmodels.api as sm
    from statsmodels.tsa.stattools import grangercausalitytests

    rng = np.random.default_rng(4)
    words = rng.normal(size=120)
    deeds = np.r_[0.0, 0.4 * words[:-1]] + rng.normal(size=120)
    test = granger_with_gaps(deeds, words, [(0, 120)], 2, rng, draws=99)
    expected = grangercausalitytests(np.column_stack([deeds, words]), [2])[2][0]["ssr_ftest"]
    assert test.statistic == pytest.approx(expected[0]) and test.p_f == pytest.approx(expected[1])
    assert (test.df_numerator, test.df_denominator) == (expected[3], expected[2])
    # A gap from 50 to 60: the first two periods after it have no lags and are left out.
    gappy_words, gappy_deeds = words.copy(), deeds.copy()
    gappy_words[50:60] = gappy_deeds[50:60] = np.nan
    test = granger_with_gaps(gappy_deeds, gappy_words, [(0, 50), (60, 120)], 2, rng, draws=99)
    frame = pd.DataFrame({"d": gappy_deeds, "w": gappy_words})
    for lag in (1, 2):
        frame[f"d{lag}"], frame[f"w{lag}"] = frame["d"].shift(lag), frame["w"].shift(lag)
    frame = frame.dropna()
    full = sm.OLS(frame["d"], sm.add_constant(frame[["d1", "d2", "w1", "w2"]])).fit()
    restricted = sm.OLS(frame["d"], sm.add_constant(frame[["d1", "d2"]])).fit()
    f_value, p_value, _ = full.compare_f_test(restricted)
    assert len(frame) == 48 + 58
    assert test.statistic == pytest.approx(f_value) and test.p_f == pytest.approx(p_value)
    # The bootstrap p-value under a strong planted effect is the smallest possible, 1 / (99 + 1).
    assert test.p_bootstrap == pytest.approx(0.01)


def test_lead_lag_p_values_are_adjusted_across_partners_by_benjamini_hochberg() -> None:
    tests = [
        {"partner": p, "status": "ok", "collection": "c",
         "collections": [{"collection": "c", "status": "ok", "words_lead_deeds_p": w, "deeds_lead_words_p": d}]}
        for p, w, d in (("JPN", 0.01, 0.5), ("USA", 0.04, 0.03))
    ] + [{"partner": "RUS", "status": "insufficient_data", "reason": "r", "collections": []}]  # fmt: skip
    assert adjust_lead_lag(tests) == 4
    # Sorted 0.01, 0.03, 0.04, 0.5: 0.01·4/1 = 0.04, min(0.03·4/2, 0.04·4/3) = 0.0533, 0.0533, 0.5.
    assert tests[0]["words_lead_deeds_p_adjusted"] == pytest.approx(0.04)
    assert tests[0]["deeds_lead_words_p_adjusted"] == pytest.approx(0.5)
    assert tests[1]["words_lead_deeds_p_adjusted"] == pytest.approx(0.16 / 3)
    assert tests[1]["deeds_lead_words_p_adjusted"] == pytest.approx(0.16 / 3)
    assert "words_lead_deeds_p_adjusted" not in tests[2]


def test_each_collection_is_tested_apart(tmp_path: Path) -> None:
    """Two collections about the US, 1997-2002 and 2024: never joined; the short one says why it is not tested."""
    rng = np.random.default_rng(3)
    rows, events = [], []
    for collection, months in (("old", pd.date_range("1997-01-01", periods=72, freq="MS")),
                               ("new", pd.date_range("2024-01-01", periods=10, freq="MS"))):  # fmt: skip
        for month in months:
            hostile = rng.random() < 0.5
            rows.append((collection, month.strftime("%Y-%m-%d"),
                         "U.S. imperialists denounced" if hostile else "U.S. talks on trade cooperation"))  # fmt: skip
            code = "111" if rng.random() < 0.5 else "057"
            events.append(((month + pd.Timedelta(days=3)).strftime("%Y-%m-%d"), "PRK", "USA", code))
    for collection in ("old", "new"):
        chosen = [(d, t) for c, d, t in rows if c == collection]
        pd.DataFrame(chosen, columns=["date", "title"]).to_csv(tmp_path / f"{collection}.csv", index=False)
    pd.DataFrame(events, columns=["date", "actor1", "actor2", "event_code"]).to_csv(tmp_path / "ev.csv", index=False)
    with dw.open(tmp_path / "s.duckdb") as store:
        store.ingest_texts([tmp_path / "old.csv", tmp_path / "new.csv"])
        store.ingest([tmp_path / "ev.csv"], format="csv",
                     mapping="date=date,actor1=actor1,actor2=actor2,event_code=event_code")  # fmt: skip
        [test] = rhetoric(store, "PRK", freq="M", draws=99).lead_lag
    assert test["status"] == "ok" and test["collection"] == "old"
    assert test["calendar"] == {"from": "1997-01", "to": "2002-12", "months": 72}
    by_name = {c["collection"]: c for c in test["collections"]}
    assert by_name["new"]["status"] == "insufficient_data"
    assert by_name["new"]["reason"].startswith("new: 10 of 10 months from 2024-01 to 2024-10")
    assert "9 months follow another in the same run, at least 36 needed" in by_name["new"]["reason"]


def test_the_114641_headlines_are_all_scored() -> None:
    """Every headline scored and its partners found (the time it takes is measured in
    docs/rhetoric.md, not asserted here: tests never fail on timing)."""
    headlines = pd.read_csv(DATA / "kcna-1997-2014" / "kcna-headlines-1997-2014.csv.gz")
    texts = pd.DataFrame(
        {"text_id": range(len(headlines)), "language": "en", "title": headlines["title"], "text": headlines["title"]}
    )
    scored = score_texts(texts)
    mentions = sum(len(partners_of(t, int(d[:4]))) for t, d in zip(headlines["title"], headlines["date"], strict=True))
    assert len(scored) == 114641 and mentions > 30000
    assert list(scored["text_id"]) == list(texts["text_id"])
    assert scored["ideological"].sum() > 1000 and scored["pragmatic"].sum() > 1000


def test_report_shows_words_beside_deeds(
    bundled_db: Path, bundled_site: Path, events_only_db: Path, tmp_path: Path
) -> None:
    """The bundled store (chronology plus KCNA's 2024 items, as `dyadwatch demo` builds it): a
    words-and-deeds section in the overview and in the briefs of partners that texts are about;
    none in a store without texts."""
    import re

    from dyadwatch.report import build_site

    with dw.open(bundled_db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM texts").fetchone() == (1862,)
        expected = rhetoric(store, "PRK", freq="Y").rows
    index = (bundled_site / "index.html").read_text("utf-8")
    assert 'id="words"' in index and "Words and deeds" in index
    russia = expected[(expected["partner"] == "RUS") & (expected["period"] == pd.Timestamp("2024-01-01"))].iloc[0]
    brief = (bundled_site / "RUS.html").read_text("utf-8")
    row = re.search(r"<tr><td>2024</td><td class=\"num\">(\d+)</td><td class=\"num\">([^<]+)</td>", brief)
    assert row is not None
    assert int(row.group(1)) == int(russia["texts"])
    assert row.group(2) == f"{russia['rhetoric_index']:+.2f}"
    assert not re.search(r"\b(NaN|nan|None|null)\b", re.sub(r"<[^>]+>", " ", brief))
    with dw.open(events_only_db, read_only=True) as store:
        build_site(store, "PRK", tmp_path / "plain")
    assert 'id="words"' not in (tmp_path / "plain" / "index.html").read_text("utf-8")


def test_dashboard_rhetoric_api(tmp_path: Path, events_only_db: Path) -> None:
    from fastapi.testclient import TestClient

    from dyadwatch.web import create_app

    db = constructed_store(tmp_path)
    with TestClient(create_app(db)) as client:
        answer = client.get("/api/rhetoric", params={"focus": "PRK", "partners": "JPN", "freq": "M"}).json()
        assert [(r["period"], r["rhetoric_index"]) for r in answer["rows"]] == [
            ("2002-01-01", 0.0),
            ("2002-02-01", -1.0),
        ]
        assert answer["rows"][1]["goldstein_mean"] == pytest.approx(goldstein("057"))
        page = client.get("/").text
        assert 'id="words-chart"' in page
    with TestClient(create_app(events_only_db)) as client:
        response = client.get("/api/rhetoric", params={"partners": "JPN"})
        # No texts is not a bad request: 200, no rows, and the reason (the dashboard hides its panel).
        assert response.status_code == 200
        assert response.json()["rows"] == [] and response.json()["texts_loaded"] == 0
        assert "ingest-texts" in response.json()["reason"]
