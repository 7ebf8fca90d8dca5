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
from dyadwatch.report import analyses, build_site, charts, citations, content, narrative, story
from dyadwatch.report import site as site_module
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
        # the brief reads every source but the events coded from KCNA's texts (design §9)
        events = store.events(actor="PRK", partner="CHN", exclude=("kcna",))
    assert f"The store holds {len(events)} events between the DPRK and China" in text
    assert "methods.html" in page.links
    # the chronology lists every event with its reference: the first 20 in view, the rest on demand
    html = (site / "CHN.html").read_text(encoding="utf-8")
    chronology = html[html.index('id="chronology"') : html.index('class="how-to-read"', html.index('id="chronology"'))]
    assert chronology.count('<td class="date">') == len(events) > site_module.EVENTS_SHOWN
    shown, rest = chronology.split('<details class="more-events">')
    assert shown.count('<td class="date">') == site_module.EVENTS_SHOWN
    assert rest.count('<td class="date">') == len(events) - site_module.EVENTS_SHOWN
    assert events["reference"].iloc[0][:40] in text
    # the summary of each question comes first, bend and harden from different results
    summary = html[html.index('id="summary"') : html.index("</section>", html.index('id="summary"'))]
    assert html.index('id="summary"') < html.index('id="answers"') < html.index('id="chronology"')
    answers = re.findall(r"<dd>(.*?)</dd>", summary, flags=re.S)
    assert len(answers) == 3 and answers[1] != answers[2]
    assert "towards more cooperation" in answers[1] and "towards more conflict" in answers[2]


def test_overview_sections(site: Path) -> None:
    page = parse(site / "index.html")
    for section in ("changes", "answers", "flexibility", "breaks", "shares", "unchanged", "briefs"):
        assert section in page.ids
    # the first things on the page: the twelve months' changes, then the three answers, then the methods
    assert page.ids.index("changes") < page.ids.index("answers") < page.ids.index("flexibility")
    text = " ".join(page.text)
    assert "Partner shares over time" in text and "What changed in the last twelve months" in text
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "calibrated by permutation" not in html and "china_russia" not in html and "rising_partner" not in html
    # Russia's rise in the bundled data, said with its counts, its adjusted p and its evidence
    changes = html[html.index('id="changes"') : html.index('id="answers"')]
    assert re.search(
        r"Russia \(Soviet Union to 1991\): more events with the DPRK</h3>\s*<p>\d+ events in 12 months", changes
    )
    assert "Adjusted p = " in changes and "Latest: 20" in changes
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
    assert "When the relationship with Cuba bent towards cooperation cannot be dated: 3 years" in brief
    assert "When the relationship with Cuba hardened cannot be dated: 3 years" in brief
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


def _flex_row(partner: str, **values: object) -> dict[str, object]:
    """A partner row of ``flexibility(...).to_dict()``, with deprecated aliases holding numbers of their
    own (93%, 91%–97%, 96%, ...): the pages must read the new keys and never print those."""
    row: dict[str, object] = {
        "partner": partner, "subset": "all", "status": "ok", "reason": None, "n_periods": 40,
        "sign_flip": [], "responsiveness_by_freq": None,
        "flexibility": 0.93, "ci_low": 0.91, "ci_high": 0.97, "flexibility_upper": 0.96,
        "upper_ci_low": 0.94, "upper_ci_high": 0.98, "rigidity": 0.07,
    }  # fmt: skip
    row.update(values)
    return row


FLEX_ROWS = [
    # no detectable response, though both shares are larger than Viet Nam's (and focus first > partner first)
    _flex_row(
        "CUB", focus_first=0.31, focus_first_ci_low=0.12, focus_first_ci_high=0.44, partner_first=0.27,
        partner_first_ci_low=0.15, partner_first_ci_high=0.40, co_movement=0.62, lagged_response_p=0.45,
        responsiveness=0.1, responsiveness_ci_low=-0.2, responsiveness_ci_high=0.4, responsiveness_p=0.01,
    ),
    # a detectable response (the asymptotic responsiveness_p says otherwise: the bootstrap test is read),
    # reciprocal by year and inverse by month
    _flex_row(
        "VNM", focus_first=0.12, focus_first_ci_low=0.05, focus_first_ci_high=0.2, partner_first=0.15,
        partner_first_ci_low=0.07, partner_first_ci_high=0.25, co_movement=0.1, lagged_response_p=0.012,
        responsiveness=0.3, responsiveness_ci_low=0.1, responsiveness_ci_high=0.5, responsiveness_p=0.6,
        sign_flip=["M"], responsiveness_by_freq={
            "M": {"status": "ok", "responsiveness": -0.2, "ci_low": -0.4, "ci_high": -0.05},
            "Y": {"status": "ok", "responsiveness": 0.3, "ci_low": 0.1, "ci_high": 0.5},
        },
    ),
]  # fmt: skip
#: Cuba as the analysis reports it with too few active years: a reason and no numbers.
CUBA_TOO_SPARSE = _flex_row(
    "CUB", status="insufficient_data", focus_first=None, lagged_response_p=None, flexibility=None,
    reason="40 periods, 3 (8%) with events from the focus country and 5 (12%) from the partner; the VAR needs "
    "at least 24 periods and, each way, 25% of them and at least 8 active (here 10)",
)  # fmt: skip
#: "bound" or "bounds" as a word ("boundary", the test-inverted interval's edge at 0, is not a claim).
BOUND = re.compile(r"\bbounds?\b", re.IGNORECASE)


def flex_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, object]]) -> Path:
    """The small store's site with the flexibility analysis answering ``rows`` (yearly, horizon 6)."""
    result = {"focus": "PRK", "freq": "Y", "horizon": 6, "partners": rows}
    monkeypatch.setattr(analyses, "flexibility", lambda *a, **k: result)
    with dw.open(small_store(tmp_path / "small.duckdb"), read_only=True) as store:
        build_site(store, "PRK", tmp_path / "site")
    return tmp_path / "site"


def section(html: str, ident: str) -> str:
    """The raw HTML of ``<section id=ident>`` (or ``<aside>``) up to its end."""
    found = re.search(rf'<(section|aside) id="{ident}">(.*?)</\1>', html, re.DOTALL)
    assert found, ident
    return found.group(2)


def test_flex_leads_with_the_test_and_ranks_only_partners_that_respond(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = flex_site(tmp_path, monkeypatch, FLEX_ROWS)
    html = (site / "index.html").read_text(encoding="utf-8")
    text = " ".join(parse(site / "index.html").text)
    vietnam = content.display_name("VNM")
    assert (
        "Ranked by the bootstrap Wald test, the DPRK's events respond detectably (at 5%) to the past events of 1 of "
        f"the 2 partners tested: {vietnam} (p = 0.012); no detectable response to Cuba (p = 0.45)." in text
    )
    assert "The p-values are not adjusted for testing 2 partners" in text and "would be 10%" in text
    # the table: by the test (Viet Nam first, though Cuba's shares are larger), the new keys only
    table = text[text.index("Lagged response (bootstrap Wald p)") :]
    assert table.index(vietnam + " ") < table.index("Cuba ")
    for words in ("0.012, detectable", "0.450, none detectable", "31%", "12%–44%", "27%", "15%–40%", "0.62"):
        assert words in table, words
    flex_html = section(html, "flexibility")
    for alias in ("93%", "91%–97%", "96%", "94%–98%"):
        assert alias not in flex_html, alias
    brief = " ".join(parse(site / "CUB.html").text)
    assert (
        "The DPRK's events towards Cuba show no detectable response to Cuba's past events (bootstrap Wald p = 0.45)."
        " Read two ways, Cuba's behaviour accounts for 31% (90% interval 12%–44%) of the forecast-error variance of "
        "the DPRK's net cooperation towards Cuba 6 years ahead if the DPRK's same-period moves are counted as its "
        "own, and 27% (90% interval 15%–40%) if they are credited to Cuba; estimated from 40 years." in brief
    )
    assert "(co-movement 0.62): shared same-period reporting" in brief
    answers = section((site / "CUB.html").read_text(encoding="utf-8"), "answers")
    assert "93%" not in answers and "Granger" not in answers  # the bootstrap test, not responsiveness_p
    viet = " ".join(parse(site / "VNM.html").text)
    assert f"The DPRK's events towards {vietnam} respond to {vietnam}'s past events (bootstrap Wald p = 0.012)." in viet
    assert "It reciprocates" in viet and "responsiveness +0.30, 90% interval +0.10 to +0.50" in viet
    assert "responsiveness is +0.30 by year (90% interval +0.10 to +0.50) but −0.20 by month" in viet
    chart = (site / "charts" / "overview-flexibility.svg").read_text(encoding="utf-8")
    assert "focus first" in chart and "partner first" in chart and "(p = 0.012)" in chart
    alt = parse(site / "index.html").images
    assert any("focus first 31% (90% 12%–44%), partner first 27%" in str(i["alt"]) for i in alt)
    assert not FORBIDDEN.search(text + brief + viet)


def test_flex_text_never_calls_the_shares_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: the two shares are two identifications, not bounds; no flex text may say "bound"."""
    site = flex_site(tmp_path, monkeypatch, [*FLEX_ROWS, _flex_row("CHN", status="unstable", reason="explosive")])
    parts = [section((site / "index.html").read_text(encoding="utf-8"), "flexibility")]
    for page in ("CUB.html", "VNM.html"):
        html = (site / page).read_text(encoding="utf-8")
        parts += [section(html, "answers"), section(html, "flexibility-by-era")]
        parts.append(html[html.index('<aside class="how-to-read">') :])
    parts.append(section((site / "methods.html").read_text(encoding="utf-8"), "flexibility"))
    parts += [path.read_text(encoding="utf-8") for path in (site / "charts").glob("*flexibility.svg")]
    names = {"CUB": "Cuba", "VNM": "Viet Nam", "CHN": "China"}
    parts += [narrative.how_flexible("the DPRK", names[str(r["partner"])], r, None) for r in FLEX_ROWS]
    parts += [narrative.ranking_sentence("the DPRK", rows, names) for rows in (FLEX_ROWS, FLEX_ROWS[:1], [])]
    assert len(parts) > 10 and all("p =" in part for part in parts[-5:-1])  # the sentences were generated
    found = [(part, match) for part in parts if (match := BOUND.search(part))]
    assert not found, [part[max(m.start() - 80, 0) : m.end() + 40] for part, m in found]


def test_an_insufficient_partner_prints_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = flex_site(tmp_path, monkeypatch, [CUBA_TOO_SPARSE, FLEX_ROWS[1]])
    reason = str(CUBA_TOO_SPARSE["reason"])
    brief = " ".join(parse(site / "CUB.html").text)
    assert f"Whether the DPRK responds to Cuba's past cannot be estimated (too little data): {reason}." in brief
    assert "93%" not in brief and "Read two ways" not in brief.split("How flexible?")[1].split("When did")[0]
    text = " ".join(parse(site / "index.html").text)
    assert f"Cuba: too little data: {reason}." in text
    assert f"to the past events of the one partner tested: {content.display_name('VNM')} (p = 0.012)." in text
    assert "no adjustment for multiple tests applies" in text


def test_no_relationship_is_a_usage_error(store: dw.Store, tmp_path: Path) -> None:
    with pytest.raises(dw.UsageError, match="no relationship"):
        build_site(store, "PRK", tmp_path / "empty")


def test_narrative_words_follow_the_numbers() -> None:
    row = {
        "partner": "CHN",
        "status": "ok",
        "focus_first": 0.25,
        "focus_first_ci_low": 0.1,
        "focus_first_ci_high": 0.4,
        "partner_first": 0.2,
        "partner_first_ci_low": 0.08,
        "partner_first_ci_high": 0.35,
        "co_movement": 0.4,
        "lagged_response_p": 0.01,
        "responsiveness": -1.0,
        "responsiveness_ci_low": -2.0,
        "responsiveness_ci_high": 0.5,
        "n_periods": 40,
        "freq": "Q",
        "horizon": 6,
    }
    text = narrative.how_flexible("the DPRK", "China", row, None)
    assert text.startswith("The DPRK's events towards China respond to China's past events (bootstrap Wald p = 0.010).")
    assert "Its direction is not clear (responsiveness −1.00, 90% interval −2.00 to +0.50)." in text
    # the focus-first reading is the larger here: both are said as readings, in the same words
    assert (
        "accounts for 25% (90% interval 10%–40%) of the forecast-error variance of the DPRK's net cooperation towards "
        "China 6 quarters ahead if the DPRK's same-period moves are counted as its own, and 20% (90% interval 8%–35%) "
        "if they are credited to China; estimated from 40 quarters." in text
    )
    assert "(co-movement 0.40): shared same-period reporting" in text and "No detectable" not in text
    quiet = narrative.how_flexible("the DPRK", "China", {**row, "lagged_response_p": 0.049}, None)
    assert "(bootstrap Wald p = 0.049)" in quiet  # three decimals: never "0.05" for a p under 5%
    quiet = narrative.how_flexible("the DPRK", "China", {**row, "lagged_response_p": 0.07}, None)
    assert "show no detectable response to China's past events (bootstrap Wald p = 0.070)" in quiet  # 5%, not 10%
    quiet = narrative.how_flexible("the DPRK", "China", {**row, "lagged_response_p": 0.4}, None)
    assert "show no detectable response to China's past events (bootstrap Wald p = 0.40)" in quiet
    assert "Its direction" not in quiet and "It reciprocates" not in quiet
    explosive = "the fitted VAR is explosive: its largest companion root has modulus 1.040 (≥ 1)"
    unstable = {**row, "status": "unstable", "reason": explosive}
    text = narrative.how_flexible("the DPRK", "China", unstable, None)
    said = "Whether the DPRK responds to China's past cannot be estimated (the estimate is unstable)"
    assert text == f"{said}: {explosive}."
    missing = narrative.how_flexible("The DPRK", "China", None, "only 5 periods")
    assert "cannot be estimated" in missing and "only 5 periods" in missing
    # the ranking: none responds detectably, in one sentence; nothing to test
    names = {"CHN": "China", "KOR": "South Korea"}
    rows = [{**row, "lagged_response_p": 0.4}, {**row, "partner": "KOR", "lagged_response_p": 0.2}]
    none = narrative.ranking_sentence("the DPRK", rows, names)
    assert none.startswith("The DPRK's events show no detectable response to the past events of any of the 2 partners")
    assert "South Korea (p = 0.20) and China (p = 0.40)" in none and "not adjusted for testing 2 partners" in none
    assert none.count(". ") == 0 and none.endswith(").")
    assert narrative.ranking_sentence("the DPRK", [unstable], names).startswith("No partner has enough data to test")
    bent, hardened = narrative.when_it_changed(
        "China",
        {
            "n_periods": 30,
            "breaks": [{"date": "1990-01-01", "before_mean": 1.0, "after_mean": -2.0, "nearby_events": []}],
        },
        None,
    )
    assert "No break towards more cooperation" in bent and "1990" in hardened and "−2.0" in hardened
    # no break at all: each answer from its own results, the candidate under the question it answers
    yearly = pd.DataFrame(
        {
            "year": [2000, 2001, 2002, 2003, 2004, 2005],
            "events": [1] * 6,
            "goldstein_sum": [5.0, 6.0, 5.0, 1.0, -9.0, 0.0],
        }
    )
    quiet = {"n_periods": 6, "breaks": [], "penalty": 12.0, "candidate": {"date": "2003-01-01", "gain": 4.0}}
    bent, hardened = narrative.when_it_changed("China", quiet, None, yearly)
    assert bent != hardened
    assert "would mark a move towards more conflict" in hardened and "(gain 4.0 against 12.0)" in hardened
    assert "The strongest candidate of either kind, 2003, points towards more conflict." in bent
    assert "The most cooperative year was 2001" in bent and "The most conflictual year was 2004" in hardened
    assert narrative.named("No regime change in PRK→CHN 1949–2025", {"PRK": "the DPRK", "CHN": "China"}) == (
        "No regime change in the DPRK → China 1949–2025"
    )
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


def test_the_twelve_months_are_said_by_partner_with_evidence_and_uncertainty() -> None:
    """story.changes: names for codes and bloc keys, the counts, both p-values, the latest evidence."""
    evidence_event = {
        "date": "2025-06-04",
        "actor1": "RUS",
        "actor2": "PRK",
        "summary": "A visit.",
        "reference": "Ref 1",
    }
    data = {
        "since": "2024-11-12", "until": "2025-11-12", "baseline_from": "2014-11-12", "alpha": 0.05,
        "partners": [
            {"partner": "RUS", "status": "rising", "rate_ratio": 7.2, "p_adjusted": 0.0016, "p_value": 0.0001},
            {"partner": "CHN", "status": "steady", "rate_ratio": 2.3, "p_adjusted": 0.38, "p_value": 0.2},
            {"partner": "JPN", "status": "steady", "rate_ratio": 0.0, "p_adjusted": 0.97, "p_value": 0.9},
            {"partner": "CHE", "status": "insufficient_data"},
        ],
        "blocs": [{"bloc": "china_russia", "status": "rising"}, {"bloc": "west", "status": "steady"}],
        "shifts": [
            {"kind": "rising_partner", "partner": "RUS", "partners": ["RUS"], "evidence": {
                "baseline": {"from": "2014-11-12", "to": "2024-11-11", "periods": 120, "events": 39},
                "recent": {"from": "2024-11-12", "to": "2025-10-31", "periods": 12, "events": 28},
                "baseline_rate": 0.325, "recent_rate": 2.333, "rate_ratio": 7.18, "p_value": 0.0001,
                "p_adjusted": 0.0016, "events": [evidence_event, {**evidence_event, "date": "2025-01-02"}]}},
            {"kind": "realignment", "partner": "china_russia", "partners": ["CHN", "RUS"], "evidence": {
                "baseline_events": 78, "baseline_total": 290, "recent_events": 37, "recent_total": 57,
                "baseline_share": 0.269, "recent_share": 0.649, "p_value": 0.0002, "p_adjusted": 0.0006,
                "events": []}},
            {"kind": "multilateral_event", "partner": "BLR, CHN, RUS", "partners": ["BLR", "CHN", "RUS"],
             "evidence": {"dates": ["2025-09-03"], "events": []}},
        ],
    }  # fmt: skip
    names = {"PRK": "the DPRK", "RUS": "Russia", "CHN": "China", "JPN": "Japan", "BLR": "Belarus", "CHE": "Switzerland"}
    palette = charts.Palette.of(["CHN", "RUS", "JPN"], names)
    said = story.changes(analyses.Outcome(data), names, palette)
    russia, bloc = said["changes"]
    assert russia["title"] == "Russia: more events with the DPRK"
    assert russia["numbers"] == (
        "28 events in 12 months (2.33 a month) against 39 in the 120 months before (0.33 a month): "
        "7.2 times the earlier rate."
    )
    assert (
        russia["uncertainty"].startswith("Adjusted p = 0.002 (unadjusted p < 0.001;")
        and "over 3 partners" in russia["uncertainty"]
    )
    assert russia["evidence"] == [
        {"date": "2025-06-04", "direction": "Russia → the DPRK", "summary": "A visit.", "reference": "Ref 1"}
    ]  # the latest only
    assert russia["colours"] == [("RUS", palette.colours["RUS"])]
    assert bloc["title"] == "China and Russia: a larger share of the DPRK's events"
    assert "37 of the DPRK's 57 dyadic events (65%) against 78 of 290 (27%)" in bloc["numbers"]
    assert said["changes_gatherings"] == (
        "The DPRK met three or more foreign partners at one event on 3 September 2025 (Belarus, China and Russia)."
    )
    assert said["changes_steady"] == (
        "No detectable change in the rate of events (adjusted p beside each) for China (rate ratio 2.3, p = 0.38) "
        "and Japan (no events in the twelve months, p = 0.97)."
    )
    assert said["changes_untested"].startswith("Too few months with events to test 1 partner: Switzerland")
    assert "china_russia" not in str(said) and "rising_partner" not in str(said)
    missing = story.changes(analyses.Outcome(None, "no dyadic events in the store"), names, palette)
    assert missing["changes_missing"] == "no dyadic events in the store" and missing["changes"] == []


def test_the_lead_lag_sentence_names_the_collection_and_the_adjusted_p() -> None:
    from dyadwatch.report.rhetoric import lead_lag_sentence

    test = {
        "partner": "CHN", "status": "ok", "collection": "kcna", "periods": 40, "lags": 2,
        "words_lead_deeds_p": 0.012, "words_lead_deeds_p_adjusted": 0.048,
        "deeds_lead_words_p": 0.3, "deeds_lead_words_p_adjusted": 0.6, "adjusted_over": 20,
    }  # fmt: skip
    assert lead_lag_sentence(test) == (
        "Lead and lag, month by month, within the kcna collection of texts (40 months, 2 lags): words before deeds "
        "p = 0.012 (Benjamini–Hochberg adjusted 0.048), deeds before words p = 0.300 (Benjamini–Hochberg adjusted "
        "0.600) (Granger tests, adjusted over 20 tests; precedence, not cause: a common calendar can move both)."
    )
    unadjusted = {key: value for key, value in test.items() if "adjusted" not in key}
    assert "p = 0.012 (not adjusted)" in str(lead_lag_sentence(unadjusted))
    assert lead_lag_sentence({"status": "insufficient_data", "reason": "kcna: 7 months"}) == (
        "No lead–lag test: kcna: 7 months."
    )
    assert lead_lag_sentence(None) is None
