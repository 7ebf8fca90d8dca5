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

import pytest
import uvicorn
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import dyadwatch as dw
from dyadwatch.report import build_site
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


@pytest.fixture(scope="module")
def site(bundled_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-site")
    with dw.open(bundled_db, read_only=True) as store:
        build_site(store, "PRK", out, pdf=True)
    return out


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def non_blank(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that are not the background (top-left) colour."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.getdata())
    background = pixels[0]
    colours = len(set(pixels))
    inked = sum(1 for pixel in pixels if sum(abs(a - b) for a, b in zip(pixel, background, strict=True)) > 60)
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


def test_dashboard_draws_from_the_api(browser: WebDriver, server: str) -> None:
    browser.get_log("browser")
    browser.get(server + "/")
    WebDriverWait(browser, 30).until(lambda d: "events shown" in d.find_element(By.ID, "status").text)
    options = browser.find_elements(By.CSS_SELECTOR, "#partner option")
    assert len(options) >= 8
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart rect")
    assert len(bars) > 10
    assert browser.find_elements(By.CSS_SELECTOR, "#events tr")
    colours, inked = non_blank(browser.find_element(By.ID, "chart").screenshot_as_png)
    assert colours > 3 and inked > 0.01
    text = browser.find_element(By.TAG_NAME, "body").text
    assert not SHOWN_MISSING.search(text)
    # a different partner and period redraw the chart
    browser.find_element(By.CSS_SELECTOR, "#partner option[value='CHN']").click()
    WebDriverWait(browser, 30).until(lambda d: "China" in d.find_element(By.ID, "chart-title").text)
    # The store has no texts: the words panel hides itself (no failed request, no empty chart).
    WebDriverWait(browser, 30).until(lambda d: not d.find_element(By.ID, "words-panel").is_displayed())
    assert console_errors(browser) == []
    scripts = [s.get_attribute("src") for s in browser.find_elements(By.TAG_NAME, "script")]
    assert all(src.startswith(server) for src in scripts)
