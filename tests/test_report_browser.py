"""The report's layout in a real browser (headless Chromium), issue 28: the overview leads with the
twelve months' changes, nothing scrolls sideways at 1024 or 1440 px, no figure overlaps another,
a brief's chronology shows 20 rows until asked for the rest, no result key appears in the prose,
and every partner has one colour on every chart and beside its name.

The measurements are those of ``scripts/report_screenshots.py`` (which also takes the screenshots
in docs/report.md), run here on the test session's site.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from dyadwatch.report import charts

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "report_screenshots.py"
PAGES = ("index.html", "RUS.html", "CHN.html")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


screens = _script()


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    started, profile = screens.start_browser()
    try:
        yield started
    finally:
        started.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def measured(driver: WebDriver, bundled_site: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Every page of :data:`PAGES` measured at both widths."""
    return {
        (page, width): screens.layout(driver, bundled_site, page, width) for page in PAGES for width in screens.WIDTHS
    }


@pytest.mark.parametrize("width", screens.WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_no_horizontal_scroll_and_no_overlap(
    measured: dict[tuple[str, int], dict[str, Any]], page: str, width: int
) -> None:
    found = measured[(page, width)]
    assert found["innerWidth"] == width
    assert found["scrollWidth"] <= found["innerWidth"], (page, width, found["scrollWidth"])
    assert found["overflowing"] == [], (page, width)  # nothing pokes out of the column
    assert found["scrolledTables"] == [], (page, width)  # and no table needs its box's own scroll bar
    assert len(found["figures"]) >= 1
    assert found["overlaps"] == [], (page, width)
    for figure in found["figures"]:  # every chart drawn, inside the page
        assert figure["natural"] > 100 and figure["x"] >= 0 and figure["x"] + figure["w"] <= width + 0.5, figure


@pytest.mark.parametrize("width", screens.WIDTHS)
def test_the_overview_leads_with_the_twelve_months(
    measured: dict[tuple[str, int], dict[str, Any]], driver: WebDriver, bundled_site: Path, width: int
) -> None:
    found = measured[("index.html", width)]
    assert found["changesTop"] is not None and found["changesTop"] < screens.SCREEN_HEIGHT
    screens.layout(driver, bundled_site, "index.html", width)
    changes = driver.find_element(By.ID, "changes")
    answers = driver.find_element(By.ID, "answers")
    methods = driver.find_element(By.CSS_SELECTOR, "#flexibility .how-to-read")
    # the first change is on the first screen, with its numbers, its uncertainty and its evidence
    first = changes.find_element(By.CSS_SELECTOR, "ol.changes > li")
    assert first.location["y"] + 60 < screens.SCREEN_HEIGHT
    text = first.text
    assert re.search(r"\d+ events in 12 months", text) and "Adjusted p" in text and "Latest: 20" in text
    # then the three answers, then the method text
    questions = [e.text for e in answers.find_elements(By.TAG_NAME, "dt")]
    assert questions == ["How flexible?", "When did it bend?", "When did it harden?"]
    assert changes.location["y"] < methods.location["y"] and answers.location["y"] < methods.location["y"]
    if width >= 1280:  # side by side: the answers begin on the first screen too
        assert answers.location["y"] < screens.SCREEN_HEIGHT


@pytest.mark.parametrize("page", ("RUS.html", "CHN.html"))
def test_a_brief_leads_with_its_answers_and_shows_twenty_events(
    measured: dict[tuple[str, int], dict[str, Any]], driver: WebDriver, bundled_site: Path, page: str
) -> None:
    assert measured[(page, 1024)]["chronologyRows"] == 20
    screens.layout(driver, bundled_site, page, 1024)
    summary = driver.find_element(By.ID, "summary")
    assert summary.location["y"] < screens.SCREEN_HEIGHT
    answers = {e.text: e for e in summary.find_elements(By.TAG_NAME, "dd")}
    bent, hardened = (e.text for e in summary.find_elements(By.TAG_NAME, "dd")[1:3])
    assert len(answers) == 3 and bent != hardened  # two questions, two different answers
    # the rest of the chronology opens on demand
    rows = driver.find_elements(By.CSS_SELECTOR, "details.more-events tbody tr")
    assert rows
    driver.find_element(By.CSS_SELECTOR, "details.more-events > summary").click()
    shown = driver.execute_script(screens.MEASURE)["chronologyRows"]
    assert shown == 20 + len(rows)
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 1024


def test_no_result_key_in_the_prose(driver: WebDriver, bundled_site: Path) -> None:
    pages = sorted(bundled_site.glob("*.html"))
    found = {page.name: screens.layout(driver, bundled_site, page.name, 1024)["internal_labels"] for page in pages}
    assert {name: labels for name, labels in found.items() if labels} == {}
    # the check reads what a reader sees: a key written into a page is found
    driver.execute_script("document.querySelector('main p').textContent += ' china_russia'")
    assert "china_russia" in screens.INTERNAL_LABEL.findall(driver.execute_script(
        "return document.querySelector('main').innerText"
    ))  # fmt: skip


def svg_partner_colours(svg: str) -> dict[str, set[str]]:
    """Per partner code, the colours of its marked groups (``partner-<code>-…``) in one chart,
    white (bar edges) and "none" left out."""
    found: dict[str, set[str]] = {}
    for match in re.finditer(r'<g id="partner-([A-Z]+)-[^"]*">(.*?)</g>', svg, flags=re.S):
        colours = set(re.findall(r"(?:fill|stroke): (#[0-9a-fA-F]{6})", match.group(2))) - {"#ffffff"}
        found.setdefault(match.group(1), set()).update(c.lower() for c in colours)
    return found


def _hex(rgb: str) -> str:
    red, green, blue = (int(v) for v in re.findall(r"\d+", rgb)[:3])
    return f"#{red:02x}{green:02x}{blue:02x}"


def test_one_colour_per_partner_on_every_chart_and_page(driver: WebDriver, bundled_site: Path) -> None:
    by_partner: dict[str, set[str]] = {}
    charts_of: dict[str, set[str]] = {}
    for path in sorted((bundled_site / "charts").glob("*.svg")):
        for code, colours in svg_partner_colours(path.read_text(encoding="utf-8")).items():
            by_partner.setdefault(code, set()).update(colours)
            charts_of.setdefault(code, set()).add(path.stem)
    assert {code: colours for code, colours in by_partner.items() if len(colours) != 1} == {}
    # the big partners are drawn in several charts (shares, UN votes, breaks, flexibility, their brief)
    assert sum(len(names) >= 3 for names in charts_of.values()) >= 4, charts_of
    assert {"overview-shares", "overview-votes", "overview-breaks"} <= charts_of["CHN"]
    worn = [next(iter(c)) for c in by_partner.values()]
    assert len(set(worn)) == len(worn)  # no two partners share a colour
    # the pages' swatches use the same colour as the charts
    for page in PAGES:
        screens.layout(driver, bundled_site, page, 1024)
        swatches = driver.execute_script(
            "return [...document.querySelectorAll('.swatch')].map(s => [s.dataset.partner, "
            "getComputedStyle(s).backgroundColor])"
        )
        assert swatches, page
        for code, rgb in swatches:
            if code in by_partner:
                assert by_partner[code] == {_hex(rgb)}, (page, code)


def test_the_votes_legend_sits_outside_the_plot() -> None:
    lines = [("China", [2000, 2001, 2002], [0.9, 0.95, 0.92]), ("United States", [2000, 2001, 2002], [0.1, 0.2, 0.1])]
    palette = charts.Palette.of(["CHN", "USA"], {"CHN": "China", "USA": "United States"})
    figure = charts.agreement_figure(lines, title="t", palette=palette)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = figure.axes[0]
    legend = axes.get_legend()
    assert legend is not None
    plot, box = axes.get_window_extent(renderer), legend.get_window_extent(renderer)
    assert box.x0 >= plot.x1  # right of the plot: it covers no line
    assert [line.get_color() for line in axes.get_lines()] == [palette.colour("CHN"), palette.colour("USA")]
