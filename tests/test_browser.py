"""The report site and the dashboard in a real browser (headless Chromium, Debian package).

One Chromium session for the module; the site (with its PDF) is built once from the bundled data.
"""

from __future__ import annotations

import io
import re
import shutil
import socket
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pandas as pd
import pytest
import uvicorn
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from dyadwatch.report.site import PDF_NAME
from dyadwatch.web import create_app

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1000",
)
SHOWN_MISSING = re.compile(r"\b(NaN|undefined|None|null)\b")


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(f"{names[0]} is not installed: run `make browser-deps` (Debian chromium, chromium-driver)")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    profile = tempfile.mkdtemp(prefix="dyadwatch-chromium-")
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(_binary("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def site(bundled_site: Path) -> Path:
    """The session's bundled site with its PDF (conftest), read only."""
    return bundled_site


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def non_blank(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that are not the background (top-left) colour."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int64).reshape(-1, 3)
    # One integer a colour (0xRRGGBB): the same count as unique rows, without numpy's slow row sort.
    colours = len(np.unique((pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]))
    inked = int((np.abs(pixels - pixels[0]).sum(axis=1) > 60).sum())
    return colours, inked / len(pixels)


def check_page(driver: WebDriver, url: str) -> int:
    """Open a page; assert no console errors, no missing numbers shown, no empty table, charts drawn."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    text = driver.find_element(By.TAG_NAME, "body").text
    assert not SHOWN_MISSING.search(text), (url, SHOWN_MISSING.search(text))
    for body in driver.find_elements(By.TAG_NAME, "tbody"):
        assert body.find_elements(By.TAG_NAME, "tr"), url
    images = driver.find_elements(By.CSS_SELECTOR, "figure.chart img")
    for image in images:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
        loaded = driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image)
        assert loaded and loaded > 100, (url, image.get_attribute("src"))
        assert image.get_attribute("alt"), url
        colours, inked = non_blank(image.screenshot_as_png)
        assert colours > 20 and inked > 0.01, (url, image.get_attribute("src"), colours, inked)
    assert console_errors(driver) == [], url
    return len(images)


def test_every_page_opens_cleanly_with_charts(browser: WebDriver, site: Path) -> None:
    pages = sorted(site.glob("*.html"))
    assert len(pages) >= 10  # index, methods and at least eight briefs
    charts = {page.name: check_page(browser, page.as_uri()) for page in pages}
    assert charts["index.html"] >= 3
    assert all(count >= 1 for name, count in charts.items() if name not in ("index.html", "methods.html"))


def test_dark_mode_keeps_charts_light_and_text_readable(browser: WebDriver, site: Path) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    try:
        browser.get((site / "CHN.html").as_uri())
        background = browser.execute_script("return getComputedStyle(document.documentElement).backgroundColor")
        ink = browser.execute_script("return getComputedStyle(document.body).color")
        chart = browser.execute_script(
            "return getComputedStyle(document.querySelector('figure.chart img')).backgroundColor"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    dark = [int(v) for v in re.findall(r"\d+", background)[:3]]
    light = [int(v) for v in re.findall(r"\d+", ink)[:3]]
    assert sum(dark) < 150 and sum(light) > 500
    assert chart == "rgb(255, 255, 255)"


def pdf_bookmarks(path: Path) -> list[str]:
    """The bookmark titles of a PDF (WeasyPrint writes them in compressed object streams)."""
    raw = path.read_bytes()
    assert raw.startswith(b"%PDF-") and raw.rstrip().endswith(b"%%EOF")
    inflated = []
    for match in re.finditer(rb"stream\r?\n", raw):
        end = raw.find(b"endstream", match.end())
        try:
            inflated.append(zlib.decompress(raw[match.end() : end]))
        except zlib.error:
            continue
    objects = raw + b"".join(inflated)
    assert b"/Type /Pages" in objects and b"/Outlines" in objects
    titles = []
    for found in re.findall(rb"/Title\s*(\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f]+>)", objects):
        if found.startswith(b"<"):
            titles.append(bytes.fromhex(found[1:-1].decode()).decode("utf-16"))
        else:
            titles.append(found[1:-1].decode("latin-1"))
    return titles


def test_pdf_has_one_section_per_relationship(site: Path) -> None:
    briefs = [p for p in site.glob("*.html") if p.name not in ("index.html", "methods.html")]
    titles = pdf_bookmarks(site / PDF_NAME)
    sections = [t for t in titles if t.startswith("The DPRK and ")]
    assert len(sections) == len(briefs) >= 8
    assert any(t.startswith("The DPRK and China") for t in sections)


def test_pdf_opens_in_chromium(browser: WebDriver, site: Path) -> None:
    browser.get_log("browser")
    browser.get((site / PDF_NAME).as_uri())
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.execute_script("return document.contentType") == "application/pdf"
    assert console_errors(browser) == []


@pytest.fixture(scope="module")
def server(bundled_db: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(bundled_db), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def wait_ready(driver: WebDriver) -> None:
    """Wait until the dashboard has drawn the current view (its status line says so)."""
    WebDriverWait(driver, 60).until(
        lambda d: (
            d.find_element(By.ID, "status").get_attribute("data-ready") == "true"
            or d.find_element(By.ID, "status").text.startswith("Could")
        )
    )
    assert browser_state_ok(driver), driver.find_element(By.ID, "status").text


def browser_state_ok(driver: WebDriver) -> bool:
    return driver.find_element(By.ID, "status").get_attribute("data-ready") == "true"


def set_day(driver: WebDriver, input_id: str, day: str) -> None:
    """Type a day into a date input (its text format depends on the browser's locale, its value not)."""
    driver.execute_script(
        "const input = document.getElementById(arguments[0]); input.value = arguments[1];"
        "input.dispatchEvent(new Event('change', {bubbles: true}));",
        input_id,
        day,
    )


def chosen(driver: WebDriver, container: str) -> list[str]:
    boxes = driver.find_elements(By.CSS_SELECTOR, f"#{container} input[type=checkbox]")
    return [str(box.get_attribute("value")) for box in boxes if box.is_selected()]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def shown_events(driver: WebDriver) -> list[list[str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#events tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def test_dashboard_two_partners_a_range_a_period_and_a_shared_address(browser: WebDriver, server: str) -> None:
    browser.get_log("browser")
    browser.get(server + "/")
    wait_ready(browser)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#partners input")) >= 8
    assert len(chosen(browser, "partners")) == 1  # the partner with the most events, until one chooses
    # two partners
    for box in browser.find_elements(By.CSS_SELECTOR, "#partners input:checked"):
        box.click()
        wait_for_text(browser, "status", "Choose at least one partner")
    for code in ("CHN", "RUS"):
        browser.find_element(By.CSS_SELECTOR, f"#partners input[value='{code}']").click()
    WebDriverWait(browser, 60).until(lambda d: "2 partners" in d.find_element(By.ID, "status").text)
    wait_ready(browser)
    # a date range, quarters, and one source fewer
    set_day(browser, "from", "1990-01-01")
    set_day(browser, "to", "2019-12-31")
    Select(browser.find_element(By.ID, "freq")).select_by_value("Q")
    browser.find_element(By.CSS_SELECTOR, "#sources input[value='provocations']").click()
    WebDriverWait(browser, 60).until(lambda d: "quarterly" in d.find_element(By.ID, "status").text)
    wait_ready(browser)
    sources = chosen(browser, "sources")
    assert "provocations" not in sources and "chronology" in sources
    state = query_of(browser.current_url)
    # the address lists the partners in the dashboard's own order (the partner list's, by events)
    assert sorted(state["partners"][0].split(",")) == ["CHN", "RUS"]
    assert state["from"] == ["1990-01-01"] and state["to"] == ["2019-12-31"]
    assert state["freq"] == ["Q"] and state["source"] == [",".join(sources)]
    # the chart: one row of bars per partner, every bar a quarter inside the range
    bars = browser.execute_script(
        "return document.getElementById('chart').data.filter(t => t.type === 'bar').map(t => [t.name, t.x])"
    )
    assert sorted(name for name, _ in bars) == ["China", "Russia (Soviet Union to 1991)"]
    periods = [day for _, days in bars for day in days]
    assert periods and all(
        "1990-01-01" <= day <= "2019-10-01" and day[5:7] in ("01", "04", "07", "10") for day in periods
    )
    colours, inked = non_blank(browser.find_element(By.ID, "chart").screenshot_as_png)
    assert colours > 3 and inked > 0.01
    # click the tallest bar: that quarter's events are listed, with their references
    paths = browser.find_elements(By.CSS_SELECTOR, "#chart g.trace.bars g.point path")
    tallest = max(paths, key=lambda path: path.size["height"])
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", tallest)
    ActionChains(browser).move_to_element(tallest).pause(0.3).click().perform()
    WebDriverWait(browser, 30).until(lambda d: "period" in query_of(d.current_url))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#events tr"))
    state = query_of(browser.current_url)
    period, partner = state["period"][0], state["period_partner"][0]
    assert partner in ("CHN", "RUS")
    quarter_end = (pd.Timestamp(period) + pd.offsets.QuarterEnd(0)).date().isoformat()
    expected = httpx.get(
        server + "/api/events",
        params={"a": "PRK", "b": partner, "from": period, "to": quarter_end, "source": ",".join(sources), "limit": 500},
    ).json()
    events = shown_events(browser)
    assert len(events) == expected["count"] > 0
    assert [row[0] for row in events] == [event["date"] for event in expected["events"]]
    assert all(period <= row[0] <= quarter_end and row[3] in sources for row in events)
    assert [row[4] for row in events] == [event["reference"] or "" for event in expected["events"]]
    assert any(row[4] for row in events)  # the chronology gives a reference for its events
    label = f"{period[:4]} Q{(int(period[5:7]) - 1) // 3 + 1}"
    assert label in browser.find_element(By.ID, "events-title").text
    # the flexibility table: a tested partner shows its test and both readings with their intervals; one
    # with too little data (quarters of the chronology are mostly empty) shows its reason instead
    WebDriverWait(browser, 90).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#flex-rows tr")) == 2)
    flex = {
        row.get_attribute("data-partner"): (row.get_attribute("data-status"), row.text)
        for row in browser.find_elements(By.CSS_SELECTOR, "#flex-rows tr")
    }
    assert set(flex) == {"CHN", "RUS"}
    tested = re.compile(r"p [=<] [\d.]+, (none )?detectable \d+% \d+%–\d+% \d+% \d+%–\d+%")
    for status, text in flex.values():
        if status == "ok":
            assert tested.search(text), text
        else:
            assert re.search(r"Not tested \((too little data|the estimate is unstable)\): \d+ periods", text), text
    said = browser.find_element(By.ID, "flex").text
    # one, two or none of the partners may have enough quarters (it follows the bundled chronology)
    assert re.search(r"chosen partners? tested", said) or "No chosen partner has enough data to test" in said, said
    assert not re.search(r"\bbounds?\b", said + " ".join(text for _, text in flex.values()), re.IGNORECASE)
    # votes and texts are bundled: the UN panel shows; the words panel shows and says that the
    # bundled texts (2024) fall outside the chosen years instead of drawing an empty chart
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "votes-panel").is_displayed())
    WebDriverWait(browser, 30).until(lambda d: "in these years" in d.find_element(By.ID, "words-caption").text)
    assert browser.find_element(By.ID, "words-panel").is_displayed()
    WebDriverWait(browser, 60).until(lambda d: "in the DPRK's relations" in d.find_element(By.ID, "shifts-note").text)
    assert not SHOWN_MISSING.search(browser.find_element(By.TAG_NAME, "body").text)
    # everything came from this server: the page, the API and plotly.js with its licence
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert server + "/vendor/plotly.min.js" in loaded
    assert all(url.startswith(server + "/") for url in loaded), loaded
    scripts = [s.get_attribute("src") for s in browser.find_elements(By.TAG_NAME, "script")]
    assert scripts == [server + "/vendor/plotly.min.js", server + "/static/dashboard.js", server + "/static/watch.js"]
    licence = str(browser.find_element(By.ID, "plotly-licence").get_attribute("href"))
    assert licence.startswith(server) and "MIT License" in httpx.get(licence).text
    assert console_errors(browser) == []

    # the address reopens the same view in a fresh tab: partners, days, period, sources, events
    address = browser.current_url
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    try:
        browser.get(address)
        wait_ready(browser)
        assert sorted(chosen(browser, "partners")) == ["CHN", "RUS"]
        assert chosen(browser, "sources") == sources
        assert [browser.find_element(By.ID, name).get_attribute("value") for name in ("from", "to", "freq")] == [
            "1990-01-01",
            "2019-12-31",
            "Q",
        ]
        WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#events tr")) == len(events))
        assert shown_events(browser) == events
        assert browser.current_url == address
        assert console_errors(browser) == []
    finally:
        browser.close()
        browser.switch_to.window(first)


def wait_for_text(driver: WebDriver, element_id: str, text: str) -> None:
    WebDriverWait(driver, 30).until(lambda d: text in d.find_element(By.ID, element_id).text)


def tick_labels(driver: WebDriver, chart: str) -> list[str]:
    """The x-axis tick labels plotly drew in ``chart``."""
    return [str(t) for t in driver.execute_script(
        "return [...document.querySelectorAll(`#${arguments[0]} .xtick text`)].map(t => t.textContent)", chart
    )]  # fmt: skip


YEAR_LABEL = re.compile(r"^\d{4}$")


def test_dashboard_defaults_recent_box_and_the_russia_turn(browser: WebDriver, server: str) -> None:
    """Issue 28 item 6: with no period named the dashboard asks what the command line asks (the
    period choose_freq picks; shifts at the command's own default), fills the "Recent since" box,
    shows each chosen partner's rate test (the Russia turn with China and Russia chosen) and each
    partner's breaks in the analysis's own words."""
    browser.get_log("browser")
    browser.get(server + "/?partners=CHN,RUS")
    wait_ready(browser)
    # the reason names the dyads in the order the dashboard lists its partners (by events)
    in_order = ",".join(chosen(browser, "partners"))
    assert sorted(in_order.split(",")) == ["CHN", "RUS"]
    chosen_freq = httpx.get(
        server + "/api/default-freq", params={"focus": "PRK", "partners": in_order, "undirected": "true"}
    ).json()
    assert browser.find_element(By.ID, "freq").get_attribute("value") == ""
    word = {"Y": "yearly", "Q": "quarterly", "M": "monthly"}[chosen_freq["freq"]]
    status = browser.find_element(By.ID, "status").text
    assert "periods" in status and word in status and chosen_freq["reason"].split(" (--freq")[0] in status
    assert "freq" not in query_of(browser.current_url)
    # the "Recent since" box shows the day the shifts are counted from
    sources = httpx.get(server + "/api/sources").json()
    since = f"{sources['dyadic_last'][:4]}-01-01"
    WebDriverWait(browser, 60).until(lambda d: "in the DPRK's relations" in d.find_element(By.ID, "shifts-note").text)
    assert browser.find_element(By.ID, "since").get_attribute("value") == since
    assert "since" not in query_of(browser.current_url)
    cli_default = httpx.get(server + "/api/shifts", params={"focus": "PRK", "since": since}).json()
    rows = {row["partner"]: row for row in cli_default["partners"]}
    lines = {
        li.get_attribute("data-partner"): (li.get_attribute("data-status"), li.text)
        for li in browser.find_elements(By.CSS_SELECTOR, "#shifts-partners li")
    }
    assert set(lines) == {"CHN", "RUS"}
    assert lines["RUS"][0] == rows["RUS"]["status"] == "rising", lines
    assert f"{rows['RUS']['rate_ratio']:.1f} times the baseline" in lines["RUS"][1]
    assert lines["CHN"][0] == rows["CHN"]["status"]
    shifts = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#shifts > li")]
    russia = next(s for s in cli_default["shifts"] if s["kind"] == "rising_partner" and s["partner"] == "RUS")
    assert any(text.startswith(f"rising: {russia['summary']}") for text in shifts), shifts
    # each partner's breaks: the analysis's own summary sentence
    said = {li.get_attribute("data-partner"): li.text for li in browser.find_elements(By.CSS_SELECTOR, "#breaks > li")}
    for code, name in (("CHN", "China"), ("RUS", "Russia")):
        answer = httpx.get(
            server + "/api/breaks",
            params={
                "a": "PRK",
                "b": code,
                "undirected": "true",
                "metric": "goldstein_sum",
                "freq": chosen_freq["freq"],
            },
        ).json()
        assert answer["summary"] and said[code].startswith(f"{name}") and answer["summary"] in said[code]
    assert "stands out" not in browser.find_element(By.ID, "breaks").text
    # the box keeps a day one types, and the address records it
    set_day(browser, "since", "2024-01-01")
    WebDriverWait(browser, 60).until(lambda d: query_of(d.current_url).get("since") == ["2024-01-01"])
    assert console_errors(browser) == []


def test_dashboard_axes_label_periods_not_instants(browser: WebDriver, server: str) -> None:
    """Issue 28 item 6: the words-and-deeds axis never shows a time of day (one yearly point read
    ``23:59:59.999 Dec 31, 2023``), and yearly UN-vote points are labelled by year in a quarterly view
    (they read ``Jan 2017, Apr 2017``)."""
    browser.get_log("browser")
    browser.get(server + "/?partners=CHN,RUS&freq=Y")
    wait_ready(browser)
    WebDriverWait(browser, 60).until(lambda d: tick_labels(d, "words-chart"))
    words = tick_labels(browser, "words-chart")
    assert words and all(YEAR_LABEL.match(label) for label in words), words
    browser.get(server + "/?partners=CHN,RUS&freq=Q&from=2016-01-01&to=2019-12-31")
    wait_ready(browser)
    WebDriverWait(browser, 60).until(lambda d: tick_labels(d, "votes-chart"))
    votes = tick_labels(browser, "votes-chart")
    assert votes and all(YEAR_LABEL.match(label) for label in votes), votes
    assert len(votes) == len(set(votes))  # one label a year, never the same year twice
    # the quarterly chart of the view itself: ticks at quarter starts, no time of day
    quarters = tick_labels(browser, "chart")
    assert quarters and not any(":" in label for label in quarters), quarters
    assert console_errors(browser) == []
