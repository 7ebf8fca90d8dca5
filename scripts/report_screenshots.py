"""Screenshots and layout checks of the report site in headless Chromium (issue 28).

    python scripts/report_screenshots.py [--site DIR] [--out docs]

builds the demo report (the bundled data, as ``dyadwatch demo`` does) unless ``--site`` names a
built one, then for the overview and the Russia and China briefs, at 1024 and 1440 px wide:
saves the first screen as ``docs/report-<page>-<width>.png`` and prints the layout checks of
:func:`layout` (horizontal scroll, overlapping figures, rows shown, internal labels in prose,
partner colours). ``tests/test_report_browser.py`` runs the same :func:`layout` on the test
session's site. Needs Chromium and chromedriver (``make browser-deps``) and selenium.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

WIDTHS = (1024, 1440)
#: The first screen: what a reader sees before scrolling.
SCREEN_HEIGHT = 900
PAGES = {"overview": "index.html", "russia": "RUS.html", "china": "CHN.html"}
#: A word joined by an underscore (``china_russia``, ``rising_partner``): a result's key, not prose.
INTERNAL_LABEL = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")

#: Measured in the page: its widths, the top of the twelve-month section, every figure's
#: rectangle, what pokes out of the column, the tables wider than their box, the chronology's
#: rows shown, the visible prose (without code and links that print an address) and each
#: partner swatch's colour.
MEASURE = """
const box = (el) => { const r = el.getBoundingClientRect();
  return {x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
const shown = (el) => el.getClientRects().length > 0 && !el.closest('details:not([open])');
const changes = document.getElementById('changes');
const chronology = [...document.querySelectorAll('table.chronology tbody tr')].filter(shown);
const prose = document.querySelector('main').cloneNode(true);
prose.querySelectorAll('code, pre, a[href^="http"], details:not([open]) > :not(summary)').forEach(e => e.remove());
const swatches = [...document.querySelectorAll('.swatch')].map(s => ({
  name: (s.parentElement.textContent || '').trim().slice(0, 80), colour: getComputedStyle(s).backgroundColor}));
return {
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  clientWidth: document.documentElement.clientWidth,
  changesTop: changes ? box(changes).y : null,
  figures: [...document.querySelectorAll('figure.chart img')].map(e => ({src: e.getAttribute('src'), ...box(e),
    natural: e.naturalWidth})),
  overflowing: [...document.querySelectorAll('main *')].filter(e => shown(e) && !e.closest('.table-wrap')
    && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map(e => e.tagName + '.'
    + e.className).slice(0, 10),
  scrolledTables: [...document.querySelectorAll('.table-wrap')].filter(e => shown(e)
    && e.scrollWidth > e.clientWidth + 1).map(e => (e.closest('section') || {}).id + ': ' + e.scrollWidth + ' px'),
  chronologyRows: chronology.length,
  prose: prose.innerText,
  swatches: swatches,
};
"""


def start_browser(width: int = WIDTHS[0], height: int = SCREEN_HEIGHT) -> tuple[WebDriver, str]:
    """Headless Chromium (the Debian package) with its window ``width`` × ``height``; returns the
    driver and its profile folder (remove it after ``driver.quit()``)."""
    options = webdriver.ChromeOptions()
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not found or not driver_path:
        raise RuntimeError("chromium and chromedriver are not installed: run `make browser-deps`")
    options.binary_location = found
    profile = tempfile.mkdtemp(prefix="dyadwatch-screens-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    resize(driver, width, height)
    return driver, profile


def resize(driver: WebDriver, width: int, height: int = SCREEN_HEIGHT) -> None:
    """Make the page's viewport (not the window) ``width`` × ``height`` CSS pixels."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def layout(driver: WebDriver, site: Path, page: str, width: int) -> dict[str, Any]:
    """Open ``site/page`` at ``width`` px and measure it (:data:`MEASURE`), with the figures that
    overlap one another and the internal labels found in the visible prose."""
    resize(driver, width)
    driver.get((site / page).resolve().as_uri())
    driver.execute_script("return document.fonts.ready")
    measured: dict[str, Any] = driver.execute_script(MEASURE)
    boxes = measured["figures"]
    measured["overlaps"] = [(a["src"], b["src"]) for k, a in enumerate(boxes) for b in boxes[k + 1 :] if overlap(a, b)]
    measured["internal_labels"] = sorted(set(INTERNAL_LABEL.findall(measured.pop("prose"))))
    return measured


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two boxes (x, y, w, h) share any area."""
    return (
        a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]
    )


def screenshot(driver: WebDriver, site: Path, page: str, width: int, target: Path) -> None:
    """The first screen of ``site/page`` at ``width`` px as a PNG."""
    resize(driver, width)
    driver.get((site / page).resolve().as_uri())
    driver.execute_script("return document.fonts.ready")
    target.write_bytes(driver.get_screenshot_as_png())


def build_demo(folder: Path) -> Path:
    """The report of the bundled data, as ``dyadwatch demo`` builds it, in ``folder/site``."""
    import dyadwatch as dw
    from dyadwatch.ingest.bundled import load_bundled
    from dyadwatch.report.site import build_site

    with dw.open(folder / "demo.duckdb") as store:
        load_bundled(store)
        build_site(store, "PRK", folder / "site")
    return folder / "site"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built report site (default: build the demo's)")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where the PNGs go (default: docs)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dyadwatch-report-"))
    site = args.site or build_demo(work)
    driver, profile = start_browser()
    failed = False
    try:
        for label, page in PAGES.items():
            for width in WIDTHS:
                target = args.out / f"report-{label}-{width}.png"
                screenshot(driver, site, page, width, target)
                found = layout(driver, site, page, width)
                problems = [
                    f"page {found['scrollWidth']} px wide" if found["scrollWidth"] > found["innerWidth"] else "",
                    f"overlapping {found['overlaps']}" if found["overlaps"] else "",
                    f"internal labels {found['internal_labels']}" if found["internal_labels"] else "",
                ]
                problems = [p for p in problems if p]
                failed = failed or bool(problems)
                summary = {k: found[k] for k in ("scrollWidth", "innerWidth", "changesTop", "chronologyRows")}
                print(f"{target}: {json.dumps(summary)}" + (f"  PROBLEMS: {'; '.join(problems)}" if problems else ""))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
