"""The report site built from the bundled data: pages, links, charts, words instead of NaN, citations."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import dyadwatch as dw
from dyadwatch.cli import run
from dyadwatch.errors import InsufficientDataError, ReportError, UsageError
from dyadwatch.ingest import chronology
from dyadwatch.report import analyses, build_site, citations, content, narrative
from dyadwatch.report.content import MIN_BRIEF_EVENTS

FORBIDDEN = re.compile(r"\b(NaN|nan|None|undefined|null)\b")


class Page(HTMLParser):
    """Collects what the tests look at: text, links, images, table bodies and their row counts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.tbody_rows: list[int] = []
        self.ids: list[str] = []
        self._in_tbody = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        elif tag == "img":
            self.images.append(found)
        elif tag == "script":
            self.scripts.append(str(found.get("src") or "inline"))
        elif tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(str(found.get("href")))
        elif tag == "tbody":
            self._in_tbody = True
            self.tbody_rows.append(0)
        elif tag == "tr" and self._in_tbody:
            self.tbody_rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_tbody = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture
def site(bundled_site: Path) -> Path:
    """The session's bundled site (conftest), read only."""
    return bundled_site


def briefs(site: Path) -> list[Path]:
    return sorted(p for p in site.glob("*.html") if p.name not in ("index.html", "methods.html"))


def test_one_brief_per_relationship_with_enough_events(site: Path, bundled_db: Path) -> None:
    with dw.open(bundled_db, read_only=True) as store:
        # The report reads every source but the events coded from KCNA's texts (design §9); the
        # store's partner list (the dashboard's choices) counts them too.
        expected = [
            str(code)
            for (code,) in store.con.execute(
                "SELECT CASE WHEN actor1 = 'PRK' THEN actor2 ELSE actor1 END AS partner FROM events "
                "WHERE (actor1 = 'PRK' OR actor2 = 'PRK') AND actor1 IS NOT NULL AND actor2 IS NOT NULL "
                "AND actor1 <> actor2 AND source <> 'kcna' GROUP BY 1 HAVING count(*) >= ?",
                [MIN_BRIEF_EVENTS],
            ).fetchall()
        ]
    pages = briefs(site)
    assert len(pages) >= 8
    assert sorted(p.stem for p in pages) == sorted(expected)
    index_links = set(parse(site / "index.html").links)
    assert {p.name for p in pages} <= index_links
    assert "methods.html" in index_links


def test_pages_never_show_missing_numbers_or_empty_tables(site: Path) -> None:
    for path in site.glob("*.html"):
        page = parse(path)
        text = " ".join(page.text)
        assert not FORBIDDEN.search(text), (path.name, FORBIDDEN.search(text))
        assert all(rows > 0 for rows in page.tbody_rows), path.name


def test_every_page_header_states_the_selection(site: Path, bundled_db: Path) -> None:
    """Design §9: the report's header says which events every number comes from."""
    with dw.open(bundled_db, read_only=True) as store:
        sources = content.sources_in(store, "PRK")
    for path in site.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        header = html[html.index('class="masthead"') : html.index("</header>")]
        assert "Selection: one value per year; sources all in the store (" + ", ".join(sources) + ")" in header
        assert "raw counts; bare statements (CAMEO 010) kept" in header and "--freq Y)" in header, path.name


def test_the_selection_line_names_every_choice() -> None:
    from dyadwatch.selection import Selection

    chosen = Selection(
        freq="Q", sources=("gdelt2", "chronology"), start="2000-01-01", normalize="focus", drop_statements=True,
        partners=("CHN",),
    )  # fmt: skip
    line = narrative.selection_line(chosen, ["chronology", "gdelt2", "icews"], 1990, 2024)
    assert line == (
        "Selection: one value per quarter; sources gdelt2, chronology; days 2000-01-01 to last; counts per 1 000 "
        "events (focus); bare statements (CAMEO 010) left out; partners CHN (on the command line: --freq Q "
        "--source gdelt2 --source chronology --from 2000-01-01 --normalize focus --drop-statements --partners CHN)"
    )


def test_every_page_ends_with_references(site: Path) -> None:
    for path in site.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert 'id="references"' in html, path.name
        tail = html[html.index('id="references"') :]
        assert tail.count('<li id="ref-') >= 2, path.name
        assert "main>" not in tail  # the references come after the page's content
    china = (site / "CHN.html").read_text(encoding="utf-8")
    assert "ref-goldstein1992" in china and "ref-killick2012pelt" in china and "ref-dyadwatch_chronology" in china


def test_charts_are_embedded_svg_with_alt_text_and_no_network(site: Path) -> None:
    for path in site.glob("*.html"):
        page = parse(path)
        assert page.scripts == [], path.name
        assert page.stylesheets == ["style.css"], path.name
        for image in page.images:
            source = str(image["src"])
            assert not source.startswith(("http:", "https:", "//")), source
            assert image.get("alt") and len(str(image["alt"])) > 20, (path.name, source)
            svg = (site / source).read_text(encoding="utf-8")
            assert svg.startswith("<svg") and "<path" in svg
            assert not re.search(r"(href|src)=\"(https?:)?//|url\((https?:)?//", svg), source
    china = parse(site / "CHN.html")
    assert any("CHN-timeline" in str(i["src"]) for i in china.images)
    assert any("overview-breaks" in str(i["src"]) for i in parse(site / "index.html").images)


def test_brief_answers_the_questions_from_numbers(site: Path, bundled_db: Path) -> None:
    page = parse(site / "CHN.html")
    text = " ".join(page.text)
    for heading in ("How flexible?", "When did it bend?", "When did it harden?", "The largest departures"):
        assert heading in text
    with dw.open(bundled_db, read_only=True) as store:
        events = store.events(actor="PRK", partner="CHN")
    assert f"The store holds {len(events)} events between the DPRK and China" in text
    assert "methods.html" in page.links
    # the chronology table lists every event with its reference
    assert page.tbody_rows[-1] == len(events)
    assert events["reference"].iloc[0][:40] in text


def test_overview_sections(site: Path) -> None:
    page = parse(site / "index.html")
    for section in ("flexibility", "breaks", "shares", "shifts", "briefs"):
        assert section in page.ids
    text = " ".join(page.text)
    assert "Partner shares over time" in text and "Shifts in the last twelve months" in text
    # issue 13: when it hardens, from the bundled provocation lists and trigger data (docs/methods.md §8)
    assert "hardens" in page.ids and "When it hardens" in text
    # the sentences come from verdict_sentence (tests/test_provocations.py) and the event study
    assert "the data do not decide" in text or "predict the next week's provocations better" in text
    assert "with each trigger moved by 1–2 years" in text


def small_store(path: Path) -> Path:
    """A store with two relationships from the chronology (Cuba, Vietnam): quick to report on."""
    with dw.open(path) as store:
        for relationship in chronology.relationships():
            if relationship.stem in ("cuba", "vietnam"):
                store.load_frame(
                    chronology.to_frame(relationship), label=relationship.stem, sha256=relationship.sha256,
                    fmt="chronology",
                )  # fmt: skip
    return path


def test_data_limits_are_said_in_words_and_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def too_short(*args: object, **kwargs: object) -> None:
        raise InsufficientDataError("only 5 periods; a dyad VAR needs at least 24")

    monkeypatch.setattr(analyses, "flexibility", too_short)
    monkeypatch.setattr(analyses, "find_breaks", lambda *a, **k: {"status": "insufficient_data", "reason": "3 years"})
    monkeypatch.setattr(analyses, "compare", lambda *a, **k: {"status": "unstable", "reason": "too few pairs"})
    db = small_store(tmp_path / "small.duckdb")
    out = tmp_path / "site"
    assert run(["report", "PRK", "--db", str(db), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "index.html")
    text = " ".join(parse(out / "index.html").text)
    assert "No flexibility ranking can be shown: only 5 periods; a dyad VAR needs at least 24" in text
    assert "No correlations between relationships can be shown: too few pairs" in text
    assert "The provocation analysis cannot be shown: no acts of PRK from provocations, missile_tests" in text
    brief = " ".join(parse(out / "CUB.html").text)
    assert "cannot be estimated from these data: only 5 periods" in brief
    assert "Regime changes cannot be dated for Cuba: 3 years" in brief
    assert not FORBIDDEN.search(brief)
    assert not list(out.glob(".dyadwatch-partial-*"))


def _raise(error: Exception) -> Callable[..., object]:
    def fail(*args: object, **kwargs: object) -> object:
        raise error

    return fail


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("compare", TypeError("unsupported operand"), "the comparison across relationships for PRK failed: TypeError"),
        ("find_breaks", KeyError("mean"), "the break analysis for PRK–(CUB|VNM) failed: KeyError: 'mean'"),
        ("find_shifts", UsageError("bad since"), "the shift analysis for PRK failed: UsageError: bad since"),
        ("flexibility", ValueError("x"), r"the flexibility analysis for PRK( \(era [a-z-]+\))? failed: ValueError"),
    ],
)
def test_an_analysis_bug_stops_the_report_with_exit_1(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    error: Exception,
    message: str,
) -> None:
    """Not a data limit but a failure: one line naming section and partner, exit 1, the folder untouched."""
    db = small_store(tmp_path / "small.duckdb")
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous, complete site", encoding="utf-8")
    monkeypatch.setattr(analyses, name, _raise(error))
    assert run(["report", "PRK", "--db", str(db), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.search("error: report: " + message, captured.err), captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous, complete site"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]  # no briefs, charts or staging left
    with dw.open(db, read_only=True) as store, pytest.raises(ReportError, match=message):
        build_site(store, "PRK", tmp_path / "direct")
    assert not (tmp_path / "direct" / "index.html").exists()


def test_demo_exits_1_when_an_analysis_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(analyses, "find_breaks", _raise(TypeError("'NoneType' object is not iterable")))
    out = tmp_path / "demo-site"
    assert run(["demo", "--db", str(tmp_path / "demo.duckdb"), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = captured.err.strip().splitlines()[-1]
    assert re.search(r"error: report: the break analysis for PRK–[A-Z]{3} failed: TypeError: 'NoneType'", line)
    assert "was left as it was" in line and "Traceback" not in captured.err
    assert not (out / "index.html").exists() and not list(out.iterdir())


FLEX_ROWS = [
    {
        "partner": "CUB", "status": "ok", "n_periods": 40, "flexibility": 0.03, "ci_low": 0.01, "ci_high": 0.09,
        "flexibility_upper": 0.27, "upper_ci_low": 0.15, "upper_ci_high": 0.40, "co_movement": 0.62,
        "responsiveness": 0.1, "responsiveness_p": 0.45,
    },
    {
        "partner": "VNM", "status": "ok", "n_periods": 40, "flexibility": 0.12, "ci_low": 0.05, "ci_high": 0.2,
        "flexibility_upper": 0.15, "upper_ci_low": 0.07, "upper_ci_high": 0.25, "co_movement": 0.1,
        "responsiveness": 0.3, "responsiveness_p": 0.01,
    },
]  # fmt: skip


def test_flexibility_is_shown_as_a_range_and_ranked_by_the_lower_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyses, "flexibility", lambda *a, **k: {"focus": "PRK", "partners": FLEX_ROWS})
    with dw.open(small_store(tmp_path / "small.duckdb"), read_only=True) as store:
        index = build_site(store, "PRK", tmp_path / "site")
    page = parse(index)
    text = " ".join(page.text)
    assert "Ranked by the lower bound (responses to the partner's past only)" in text
    vietnam = content.display_name("VNM")
    assert f"most flexible towards {vietnam} (12%–15%) and least towards Cuba (3%–27%)" in text
    assert "For 1 of them no lagged response is detectable" in text
    assert text.index(vietnam + " ") < text.index("Cuba ", text.index("Lower bound (past only)"))
    for words in ("Upper bound (with co-movement)", "Same-period co-movement", "0.62", "15%–40%"):
        assert words in text
    brief = " ".join(parse(tmp_path / "site" / "CUB.html").text)
    assert (
        "Between 3% (responses to Cuba's past only) and 27% (if all same-period co-movement were a response)" in brief
    )
    assert "Same-period co-movement 0.62: joint meetings and mirrored reporting" in brief
    assert "No lagged response to Cuba is detectable (Granger test p = 0.45)" in brief
    assert "lower bound 1%–9%, upper bound 15%–40%" in brief
    chart = (tmp_path / "site" / "charts" / "overview-flexibility.svg").read_text(encoding="utf-8")
    assert "upper bound: with same-period co-movement" in chart
    assert not FORBIDDEN.search(text + brief)


def test_no_relationship_is_a_usage_error(store: dw.Store, tmp_path: Path) -> None:
    with pytest.raises(dw.UsageError, match="no relationship"):
        build_site(store, "PRK", tmp_path / "empty")


def test_narrative_words_follow_the_numbers() -> None:
    row = {
        "partner": "CHN",
        "flexibility": 0.25,
        "ci_low": 0.1,
        "ci_high": 0.4,
        "flexibility_upper": 0.5,
        "upper_ci_low": 0.3,
        "upper_ci_high": 0.6,
        "co_movement": 0.4,
        "responsiveness_p": 0.01,
        "n_periods": 40,
    }
    text = narrative.how_flexible("the DPRK", "China", row, None)
    assert "the DPRK is moderately flexible towards China" in text and "p = 0.010" in text
    assert "Between 25% (responses to China's past only) and 50% (if all same-period" in text
    assert "lower bound 10%–40%, upper bound 30%–60%" in text and "co-movement 0.40" in text
    assert "China's past conduct helps predict" in text and "No lagged response" not in text
    quiet = narrative.how_flexible("the DPRK", "China", {**row, "responsiveness_p": 0.6}, None)
    assert "No lagged response to China is detectable (Granger test p = 0.60)" in quiet
    # before the upper bound is computed: the lower bound alone, said to be one
    alone = {k: v for k, v in row.items() if k in ("flexibility", "ci_low", "ci_high", "n_periods")}
    text = narrative.how_flexible("the DPRK", "China", alone, None)
    assert text.startswith("25% of the variation") and "no upper bound was computed" in text
    assert "(90% bootstrap interval 10%–40%)" in text and not FORBIDDEN.search(text)
    missing = narrative.how_flexible("The DPRK", "China", None, "only 5 periods")
    assert "cannot be estimated" in missing and "only 5 periods" in missing
    bent, hardened = narrative.when_it_changed(
        "China",
        {
            "n_periods": 30,
            "breaks": [{"date": "1990-01-01", "before_mean": 1.0, "after_mean": -2.0, "nearby_events": []}],
        },
        None,
    )
    assert "No break towards more cooperation" in bent and "1990" in hardened and "−2.0" in hardened
    series = pd.DataFrame(
        {"year": [2000, 2001, 2002, 2003], "events": [1, 1, 1, 1], "goldstein_sum": [1.0, 1.5, -20.0, 1.0]}
    )
    events = pd.DataFrame(
        {"date": pd.to_datetime(["2002-05-01"]), "summary": ["A clash"], "reference": ["r"], "goldstein": [-10.0]}
    )
    found = narrative.departures(series, events)
    assert [d.year for d in found] == [2001, 2002]  # sorted by year; years at the median are no departure
    clash = found[1]
    assert clash.net == -20.0 and clash.typical == 1.0 and clash.events[0]["summary"] == "A clash"
    assert "more conflictual" in narrative.departure_sentence(clash)
    assert "more cooperative" in narrative.departure_sentence(found[0])


def test_bibtex_entries_are_complete() -> None:
    text = citations.bibtex()
    assert text.count("@") == len(citations.REFERENCES)
    assert text.count("{") == text.count("}")
    assert "@article{goldstein1992," in text and "doi" in text
    for reference in citations.REFERENCES.values():
        readable = reference.text()
        assert "{" not in readable and "\\" not in readable and "--" not in readable, readable
        assert reference.field("year") in readable and reference.used_for


def test_cite_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["cite", "--key", "killick2012pelt"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("@article{killick2012pelt,") and "Killick" in printed
    assert run(["cite", "--key", "nonsense"]) == 2


def test_pdf_without_weasyprint_writes_nothing(
    bundled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint now raises ImportError
    out = tmp_path / "site"
    assert run(["report", "PRK", "--db", str(bundled_db), "--out", str(out), "--pdf"]) == 2
    assert "--pdf needs WeasyPrint" in capsys.readouterr().err
    assert not out.exists()


def test_the_pdf_is_named_as_the_readme_says() -> None:
    from dyadwatch.report.site import PDF_NAME

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert PDF_NAME == "dyadwatch-report.pdf" and PDF_NAME in readme and "series.pdf" not in readme


def test_report_command_on_an_empty_store_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with dw.open(tmp_path / "empty.duckdb"):
        pass
    assert run(["report", "PRK", "--db", str(tmp_path / "empty.duckdb"), "--out", str(tmp_path / "site")]) == 2
    assert "no relationship of PRK" in capsys.readouterr().err
    assert run(["report", "PRK", "--db", str(tmp_path / "absent.duckdb"), "--out", str(tmp_path / "site")]) == 1


def test_report_narrowed_by_source_and_dates(
    bundled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10: `report` takes the selection options; every brief, table and header follows them."""
    from dyadwatch.selection import Selection

    out = tmp_path / "narrow"
    chosen = ["--source", "chronology", "--from", "1991-01-01", "--to", "2020-12-31", "--drop-statements"]
    common = ["report", "PRK", "--db", str(bundled_db), "--out", str(out)]
    assert run([*common, *chosen]) == 0
    selection = Selection(freq="Y", sources=("chronology",), start="1991-01-01", end="2020-12-31", drop_statements=True)
    with dw.open(bundled_db, read_only=True) as store:
        counted = dict(content.partner_counts(store, "PRK", selection))
        everything = dict(content.partner_counts(store, "PRK"))
    expected = sorted(code for code, n in counted.items() if n >= MIN_BRIEF_EVENTS)
    assert expected and sorted(p.stem for p in briefs(out)) == expected
    assert sum(counted.values()) < sum(everything.values())  # the options narrowed something
    for path in briefs(out):
        html = path.read_text(encoding="utf-8")
        header = html[html.index('class="masthead"') : html.index("</header>")]
        assert "--source chronology --from 1991-01-01 --to 2020-12-31" in header and "--drop-statements" in header
        assert f"of the {counted[path.stem]} events of this relationship" in html
        days = re.findall(r'<td class="date">(\d{4}-\d{2}-\d{2})', html)
        assert days and all("1991-01-01" <= day <= "2020-12-31" for day in days), path.name
    # The build hash holds the selection: the same options find the site current, others do not.
    from dyadwatch.report.site import site_is_current

    with dw.open(bundled_db, read_only=True) as store:
        assert site_is_current(store, "PRK", out, selection=selection)
        assert not site_is_current(store, "PRK", out)  # the default selection: rebuilt, not "unchanged"
    capsys.readouterr()
    assert run([*common, *chosen]) == 0 and "unchanged" in capsys.readouterr().err


def test_report_selection_that_leaves_no_relationship_is_a_usage_error(
    bundled_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "PRK", "--db", str(bundled_db), "--out", str(tmp_path / "site"), "--from", "2090-01-01"]
    assert run(args) == 2
    assert "under the chosen --source/--from/--to" in capsys.readouterr().err
    assert not (tmp_path / "site" / "index.html").exists()
