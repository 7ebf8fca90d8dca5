"""UN votes and trade dependence (issue 12): ``dyadwatch votes``, ``ingest-indicators``, the
indicators beside compare and shifts, the report and ``/api/votes``.

The hand-checked values come from the bundled roll calls (``shared/data/PROVENANCE.md``): with
China 0.97 in 1992 and 0.84 in 2019, with Russia 0.42 in 1992 and 0.78 in 2019. "With the United
States 0.04-0.13 throughout" does not hold for every year in the data: 1999 (0.029), 2001 (0.016)
and 2004 (0.026) are lower; the test pins those values instead of forcing the claim.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.analysis.votes import votes
from dyadwatch.cli import run
from dyadwatch.codebook.rollcalls import ISSUES, agreement_frame, roll_call_tables
from dyadwatch.errors import UsageError

YEARS = range(1991, 2020)


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return votes(None, "PRK", partners=["CHN", "RUS", "USA"], issues=["each"]).to_frame()


def value(frame: pd.DataFrame, partner: str, year: int, issue: str = "all", column: str = "agreement") -> float:
    row = frame[(frame["partner"] == partner) & (frame["year"] == year) & (frame["issue"] == issue)]
    assert len(row) == 1, (partner, year, issue)
    return float(row[column].iloc[0])


# -- the bundled roll calls ------------------------------------------------------------------------
def test_hand_checked_values(bundled: pd.DataFrame) -> None:
    assert value(bundled, "CHN", 1992) == pytest.approx(0.97, abs=0.01)
    assert value(bundled, "CHN", 2019) == pytest.approx(0.84, abs=0.01)
    assert value(bundled, "RUS", 1992) == pytest.approx(0.42, abs=0.01)
    assert value(bundled, "RUS", 2019) == pytest.approx(0.78, abs=0.01)


def test_united_states_low_throughout(bundled: pd.DataFrame) -> None:
    usa = {year: value(bundled, "USA", year) for year in YEARS}
    outside = {year: round(v, 3) for year, v in usa.items() if not 0.03 <= v <= 0.14}
    # What the data say (the issue's "0.04-0.13 throughout" misses three years, all lower still).
    assert outside == {1999: 0.029, 2001: 0.016, 2004: 0.026}
    assert all(0.01 <= v <= 0.14 for v in usa.values())
    assert value(bundled, "USA", 1992) == pytest.approx(0.09, abs=0.01)


def test_every_year_1991_to_2019_for_the_three(bundled: pd.DataFrame) -> None:
    overall = bundled[bundled["issue"] == "all"]
    for partner in ("CHN", "RUS", "USA"):
        years = set(overall[overall["partner"] == partner]["year"])
        assert set(YEARS) <= years, partner
        assert (overall[overall["partner"] == partner]["votes"] >= 1).all()


def _reference_counts(year: int, partner_alpha2: str) -> tuple[Counter[str], Counter[str]]:
    """Roll calls per issue on which KP and the partner both voted, and how many alike: plain Python."""
    folder = resources.files("dyadwatch").joinpath("data/unvotes")

    def rows(name: str) -> list[dict[str, str]]:
        with resources.as_file(folder.joinpath(name)) as path, gzip.open(path, "rt", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    dated = {r["rcid"] for r in rows("un_roll_calls.csv.gz") if r["date"].startswith(str(year))}
    cast: dict[tuple[str, str], str] = {}
    for r in rows("un_votes.csv.gz"):
        if r["rcid"] in dated and r["country_code"] in ("KP", partner_alpha2):
            cast[(r["rcid"], r["country_code"])] = r["vote"]
    both = {rcid for rcid in dated if (rcid, "KP") in cast and (rcid, partner_alpha2) in cast}
    total, alike = Counter[str](), Counter[str]()
    labels = [(r["rcid"], r["short_name"]) for r in rows("un_roll_call_issues.csv.gz")]
    for rcid, short in [*((rcid, "all") for rcid in both), *((rcid, s) for rcid, s in labels if rcid in both)]:
        name = ISSUES[short][0] if short in ISSUES else "all"
        total[name] += 1
        alike[name] += cast[(rcid, "KP")] == cast[(rcid, partner_alpha2)]
    return total, alike


def test_per_issue_counts_match_a_plain_count(bundled: pd.DataFrame) -> None:
    total, alike = _reference_counts(2019, "CN")
    assert total["all"] == 79 and total["nuclear_weapons"] > 0 and total["human_rights"] > 0
    for issue, count in total.items():
        assert value(bundled, "CHN", 2019, issue, "votes") == count, issue
        assert value(bundled, "CHN", 2019, issue) == pytest.approx(alike[issue] / count), issue
    issues = set(bundled["issue"])
    assert issues == {"all", *(name for name, _ in ISSUES.values())}
    # A roll call may carry several labels or none: the issues need not add up to the whole.
    assert sum(total[name] for name, _ in ISSUES.values()) != total["all"]


def test_issue_option_selects_one_issue() -> None:
    result = votes(None, "PRK", partners=["CHN"], issues=["nuclear"])
    assert set(result.rows["issue"]) == {"nuclear_weapons"}
    assert result.issues == ["nuclear_weapons"]
    with pytest.raises(UsageError, match="unknown --issue"):
        votes(None, "PRK", issues=["fishing"])
    with pytest.raises(UsageError, match="XYZ"):
        votes(None, "PRK", partners=["XYZ"])


# -- constructed roll calls: the Lijphart index --------------------------------------------------------
def write_release(folder: Path, votes_rows: list[str], calls: list[str], issues: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "un_votes.csv", folder / "un_roll_calls.csv"]
    files[0].write_text("rcid,country,country_code,vote\n" + "\n".join(votes_rows) + "\n", encoding="utf-8")
    files[1].write_text("rcid,session,date\n" + "\n".join(calls) + "\n", encoding="utf-8")
    if issues is not None:
        files.append(folder / "un_roll_call_issues.csv")
        files[2].write_text("rcid,short_name,issue\n" + "\n".join(issues) + "\n", encoding="utf-8")
    return files


#: Four roll calls in 2001: North Korea yes/yes/no/abstain; China yes/abstain/abstain/no; the US
#: no/no/yes/abstain (and absent, Voeten's 8, on a fifth).
CONSTRUCTED = [
    "1,North Korea,KP,yes",
    "1,China,CN,yes",
    "1,United States,US,no",
    "2,North Korea,KP,yes",
    "2,China,CN,abstain",
    "2,United States,US,no",
    "3,North Korea,KP,no",
    "3,China,CN,abstain",
    "3,United States,US,yes",
    "4,North Korea,KP,abstain",
    "4,China,CN,no",
    "4,United States,US,abstain",
    "5,North Korea,KP,yes",
    "5,China,CN,yes",
    "5,United States,US,8",
]
CALLS = ["1,56,2001-10-01", "2,56,2001-10-02", "3,56,2001-10-03", "4,56,2001-10-04", "5,56,2001-10-05"]


def test_lijphart_on_constructed_votes(tmp_path: Path) -> None:
    files = write_release(
        tmp_path, CONSTRUCTED, CALLS, ["1,nu,Nuclear weapons and nuclear material", "2,hr,Human rights"]
    )
    con = roll_call_tables(*files)
    frame = agreement_frame(con, "PRK").set_index(["partner", "issue"])
    china, usa = frame.loc[("CHN", "all")], frame.loc[("USA", "all")]
    # China: same, yes-abstain, no-abstain, abstain-no, same → agreement 2/5, Lijphart (1+.5+.5+.5+1)/5.
    assert china["votes"] == 5
    assert china["agreement"] == pytest.approx(2 / 5)
    assert china["agreement_lijphart"] == pytest.approx(3.5 / 5)
    # The US: yes-no, yes-no, no-yes, abstain-abstain; absent on the fifth → 4 votes, 1 alike.
    assert usa["votes"] == 4
    assert usa["agreement"] == pytest.approx(1 / 4)
    assert usa["agreement_lijphart"] == pytest.approx(1 / 4)
    assert frame.loc[("CHN", "nuclear_weapons"), "votes"] == 1
    assert frame.loc[("CHN", "human_rights"), "agreement_lijphart"] == pytest.approx(0.5)


def test_loaded_release_replaces_the_bundled_roll_calls(tmp_path: Path) -> None:
    files = write_release(tmp_path / "release", CONSTRUCTED, CALLS)
    with dw.open(tmp_path / "store.duckdb") as store:
        reports = store.ingest_indicators(files, format="unvotes")
        assert [r.status for r in reports] == ["loaded", "loaded"]
        assert reports[0].rows_read == 15 and reports[0].rows_kept == 14 and reports[0].rows_outside_focus == 1
        result = votes(store, "PRK", partners=["CHN", "USA"])
        assert "loaded" in result.source
        assert result.rows.set_index("partner").loc["CHN", "agreement_lijphart"] == pytest.approx(0.7)
        stored = store.indicators("PRK", names=["un_agreement"])
        assert set(stored["partner"]) == {"CHN", "USA"} and set(stored["n"]) == {4, 5}
        # Loading the same files again adds nothing.
        again = store.ingest_indicators(files, format="unvotes")
        assert [r.status for r in again] == ["already loaded", "already loaded"]
        assert len(store.indicators("PRK")) == len(store.con.execute("SELECT * FROM indicators").df())
        assert len(store.loads()) == 2
        # Another focus still reads the bundled data.
        assert "bundled" in votes(store, "CHN", partners=["RUS"]).source


def test_bad_rows_of_a_release_are_rejected_with_reasons(tmp_path: Path) -> None:
    bad = [
        *CONSTRUCTED,
        "x7,North Korea,KP,yes",
        "1,Atlantis,QQ,yes",
        "2,Russia,RU,maybe",
        "99,Russia,RU,yes",
    ]
    files = write_release(tmp_path, bad, [*CALLS, "6,56,not a date"], ["1,zz,Fishing", "1,nu,Nuclear weapons"])
    with dw.open(tmp_path / "store.duckdb") as store:
        reports = {Path(r.file).name: r for r in store.ingest_indicators(files)}
        assert all(r.reconciles for r in reports.values())
        assert reports["un_votes.csv"].rows_rejected == 4
        assert reports["un_roll_calls.csv"].rows_rejected == 1
        assert reports["un_roll_call_issues.csv"].rows_rejected == 1
        rejects = store.rejects()
        reasons = dict(zip(rejects["line"].astype(int).astype(str) + ":" + rejects["file"].map(lambda f: Path(f).name),
                           rejects["reason"], strict=True))  # fmt: skip
        assert "not a whole number" in reasons["17:un_votes.csv"]
        assert "unknown country code 'QQ'" in reasons["18:un_votes.csv"]
        assert "unknown vote 'maybe'" in reasons["19:un_votes.csv"]
        assert "roll call 99 is not in the roll-call file" in reasons["20:un_votes.csv"]
        assert "not a date" in reasons["7:un_roll_calls.csv"]
        assert "unknown issue 'zz'" in reasons["2:un_roll_call_issues.csv"]
        assert rejects["raw"].str.contains("Atlantis").any()
        # The rest loaded.
        assert votes(store, "PRK", partners=["CHN"]).rows.iloc[0]["votes"] == 5


def test_an_incomplete_release_is_a_usage_error(tmp_path: Path) -> None:
    files = write_release(tmp_path, CONSTRUCTED, CALLS)
    with dw.open(tmp_path / "store.duckdb") as store, pytest.raises(UsageError, match="roll calls"):
        store.ingest_indicators(files[:1], format="unvotes")


# -- trade: Comtrade-style mirror statistics ----------------------------------------------------------
def write_trade(
    path: Path, rows: list[tuple[str, str, int, str, float | str]], header: str = "reporter,partner,year,flow,value"
) -> Path:
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


TRADE = [
    ("CHN", "PRK", 2019, "import", 200.0),  # PRK exports to China
    ("CHN", "PRK", 2019, "export", 600.0),  # PRK imports from China
    ("RUS", "PRK", 2019, "export", 150.0),
    ("RUS", "PRK", 2019, "import", 50.0),
    ("IND", "PRK", 2019, "export", 0.0),
    ("CHN", "USA", 2019, "export", 5e11),  # not North Korea's trade
    ("PRK", "CHN", 2019, "export", 999.0),  # the DPRK's own report: not used
    ("CHN", "PRK", 2018, "export", 100.0),
]


def test_comtrade_mirror_flows_and_shares(tmp_path: Path) -> None:
    path = write_trade(tmp_path / "trade.csv", TRADE)
    with dw.open(tmp_path / "store.duckdb") as store:
        (report,) = store.ingest_indicators([path], format="comtrade")
        assert report.status == "loaded" and report.reconciles
        assert (report.rows_kept, report.rows_outside_focus, report.rows_rejected) == (6, 2, 0)
        rows = store.indicators("PRK").set_index(["name", "partner", "year"])["value"]
        assert rows[("trade_exports", "CHN", 2019)] == 200.0
        assert rows[("trade_imports", "CHN", 2019)] == 600.0
        assert rows[("trade_exports", "RUS", 2019)] == 50.0 and rows[("trade_imports", "RUS", 2019)] == 150.0
        shares = store.indicators("PRK", names=["trade_share"])
        for year, group in shares.groupby("year"):
            assert group["value"].sum() == pytest.approx(1.0), year
        assert rows[("trade_share", "CHN", 2019)] == pytest.approx(0.8)
        assert rows[("trade_share", "RUS", 2019)] == pytest.approx(0.2)
        assert rows[("trade_hhi", "ALL", 2019)] == pytest.approx(0.8**2 + 0.2**2)
        assert rows[("trade_total", "ALL", 2019)] == 1000.0
        assert rows[("trade_share", "CHN", 2018)] == 1.0
        again = store.ingest_indicators([path], format="comtrade")
        assert again[0].status == "already loaded"
        assert len(store.indicators("PRK")) == len(rows)


def test_comtrade_real_column_names_and_a_later_file(tmp_path: Path) -> None:
    first = write_trade(tmp_path / "a.csv", TRADE[:4])
    later = write_trade(
        tmp_path / "b.csv",
        [("RUS", "PRK", 2019, "Export", 600.0), ("RUS", "PRK", 2019, "Import", 200.0)],
        header="reporterISO,partnerISO,refYear,flowDesc,primaryValue",
    )
    with dw.open(tmp_path / "store.duckdb") as store:
        store.ingest_indicators([first, later])  # auto-detected
        shares = store.indicators("PRK", names=["trade_share"]).set_index("partner")["value"]
        # Russia's later figures replace its earlier ones: 800 of 1 600.
        assert shares["RUS"] == pytest.approx(0.5) and shares["CHN"] == pytest.approx(0.5)


def test_comtrade_bad_rows_rejected_and_the_rest_loaded(tmp_path: Path) -> None:
    rows: list[tuple[str, str, int, str, float | str]] = [
        ("CHN", "PRK", 2019, "import", 200.0),
        ("XXX", "PRK", 2019, "import", 5.0),
        ("RUS", "PRK", 2019, "re-export", 5.0),
        ("RUS", "PRK", 2019, "export", "lots"),
        ("RUS", "PRK", 2019, "export", -3.0),
        ("CHN", "PRK", 2019, "import", 7.0),
        ("RUS", "PRK", 2019, "export", 300.0),
    ]
    path = write_trade(tmp_path / "bad.csv", rows)
    path.write_text(path.read_text(encoding="utf-8") + "VNM,PRK,20x9,export,3\n", encoding="utf-8")
    with dw.open(tmp_path / "store.duckdb") as store:
        (report,) = store.ingest_indicators([path], format="comtrade")
        assert report.reconciles and report.rows_rejected == 6 and report.rows_kept == 2
        reasons = dict(zip(store.rejects()["line"].astype(int), store.rejects()["reason"], strict=True))
        assert "unknown reporter 'XXX'" in reasons[3]
        assert "neither import nor export" in reasons[4]
        assert "'lots'" in reasons[5] and "'-3.0'" in reasons[6]
        assert "duplicate of line 2" in reasons[7]
        assert "year '20x9'" in reasons[9]
        shares = store.indicators("PRK", names=["trade_share"]).set_index("partner")["value"]
        assert shares["CHN"] == pytest.approx(0.4) and shares["RUS"] == pytest.approx(0.6)


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    good = write_trade(tmp_path / "trade.csv", TRADE)
    with dw.open(tmp_path / "store.duckdb") as store:
        reports = store.ingest_indicators([tmp_path / "missing.csv", odd, good])
        assert [r.status for r in reports] == ["failed", "failed", "loaded"]
        assert "no such file" in str(reports[0].error) and "not recognised" in str(reports[1].error)


# -- the command line ---------------------------------------------------------------------------------
def test_cli_votes_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(["votes", "PRK", "--partners", "CHN,RUS,USA", "--format", "csv", "--db", str(tmp_path / "no.db")]) == 0
    frame = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out), keep_default_na=False)
    assert list(frame.columns) == ["partner", "year", "issue", "votes", "agreement", "agreement_lijphart"]
    for partner in ("CHN", "RUS", "USA"):
        assert set(YEARS) <= set(frame[frame["partner"] == partner]["year"])
    row = frame[(frame["partner"] == "RUS") & (frame["year"] == 1992)].iloc[0]
    assert row["votes"] == 66 and round(row["agreement"], 2) == 0.42


def test_cli_votes_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["votes", "PRK", "--partners", "CHN", "--issue", "nu,hr", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["focus"] == "PRK" and data["issues"] == ["nuclear_weapons", "human_rights"]
    assert {row["issue"] for row in data["rows"]} == {"nuclear_weapons", "human_rights"}
    assert set(data["rows"][0]) == {"partner", "year", "issue", "votes", "agreement", "agreement_lijphart"}
    assert run(["votes", "PRK", "--partners", "USA", "--from", "2019", "--to", "2019"]) == 0
    out = capsys.readouterr().out
    assert "USA" in out and "2019" in out and "0.05" in out


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["votes", "PRK", "--partners", "CHN,QQQ"]) == 2
    assert "unknown partner 'QQQ'" in capsys.readouterr().err
    assert run(["votes", "PRK", "--issue", "fishing"]) == 2
    assert "unknown --issue" in capsys.readouterr().err
    assert run(["ingest-indicators", "x.csv", "--format", "gdp"]) == 2
    assert "unknown format 'gdp'" in capsys.readouterr().err


def test_cli_ingest_indicators(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "store.duckdb")
    good = write_trade(tmp_path / "trade.csv", TRADE)
    assert run(["ingest-indicators", str(good), "--format", "comtrade", "--db", db, "-o", "json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary["status"] == "loaded" and summary["kept"] == 6
    assert run(["ingest-indicators", str(tmp_path / "nope.csv"), "--db", db]) == 1
    assert "nope.csv: no such file" in capsys.readouterr().err
    assert run(["export", "indicators", "--name", "trade_hhi", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "trade_hhi,0.68" in out and "ALL,2019" in out


# -- beside the events: compare, shifts, report, dashboard -------------------------------------------
def test_compare_and_shifts_report_votes_beside_event_shares(bundled_db: Path) -> None:
    from dyadwatch.analysis.patterns import compare
    from dyadwatch.analysis.shifts import shifts

    with dw.open(bundled_db, read_only=True) as store:
        compared = compare(store, "PRK", freq="Y", partners=["CHN", "RUS", "USA"]).to_dict()
        shifted = shifts(store, "PRK", since="2015-01-01", until="2019-12-31", freq="Y").to_dict()
    section = compared["indicators"]
    assert {"votes", "trade", "blocs", "notes"} <= set(section)
    chn = {(r["partner"], r["year"]): r["agreement"] for r in section["votes"]}
    assert chn[("CHN", 1992)] == pytest.approx(0.97, abs=0.01)
    bloc = next(r for r in section["blocs"] if r["bloc"] == "china_russia" and r["year"] == 2019)
    assert bloc["event_share"] is not None and bloc["agreement"] == pytest.approx(126 / 156)
    groups = {g["group"]: g for g in shifted["indicators"]["groups"]}
    assert shifted["indicators"]["recent_years"] == [2015, 2019]
    assert groups["china_russia"]["votes_recent"] > 0 and groups["china_russia"]["agreement_baseline"] is not None
    assert "shifts" in shifted and "bloc_shares" in compared  # the existing keys are kept


@pytest.mark.slow
def test_briefs_and_overview_chart_agreement(bundled_site: Path) -> None:
    assert (bundled_site / "charts" / "CHN-votes.svg").exists()
    assert (bundled_site / "charts" / "overview-votes.svg").exists()
    brief = (bundled_site / "CHN.html").read_text(encoding="utf-8")
    assert 'id="votes"' in brief and "84%" in brief and "charts/CHN-votes.svg" in brief
    overview = (bundled_site / "index.html").read_text(encoding="utf-8")
    assert 'id="votes"' in overview and "charts/overview-votes.svg" in overview


def test_api_votes(bundled_db: Path) -> None:
    from fastapi.testclient import TestClient

    from dyadwatch.web import create_app

    client = TestClient(create_app(bundled_db))
    response = client.get("/api/votes", params={"focus": "PRK", "partners": "CHN,USA", "issue": "all"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert {r["partner"] for r in rows} == {"CHN", "USA"}
    assert next(r for r in rows if r["partner"] == "CHN" and r["year"] == 2019)["agreement"] == pytest.approx(
        0.835, abs=0.001
    )
    bad = client.get("/api/votes", params={"partners": "CHN,QQQ"})
    assert bad.status_code == 400 and "QQQ" in bad.json()["error"]
    assert client.get("/api/votes", params={"partners": "CHN;DROP"}).status_code == 422
    assert client.get("/api/votes", params={"issue": "fishing"}).status_code == 400
    page = client.get("/").text
    assert "votes-panel" in page


def test_a_year_on_a_handful_of_roll_calls_is_left_out_and_named() -> None:
    """Issue 28: the bundled roll calls end in January 2020, one roll call; that year is no alignment."""
    from dyadwatch.analysis.votes import MIN_YEAR_VOTES

    result = votes(None, "PRK", partners=["CHN", "RUS"], issues=["each"])
    rows = result.rows
    assert 2020 not in set(rows["year"])  # no row of any issue for the thin year
    assert (rows[rows["issue"] == "all"]["votes"] >= MIN_YEAR_VOTES).all()
    assert any(note.startswith(f"left out, fewer than {MIN_YEAR_VOTES}") and "2020: CHN 1, RUS 1" in note
               for note in result.notes)  # fmt: skip
    issue_only = votes(None, "PRK", partners=["CHN"], issues=["nuclear_weapons"])
    assert 2001 in set(issue_only.rows["year"])  # 8 nuclear roll calls: an issue row is judged by its own count
    assert (issue_only.rows["votes"] >= 3).all()
