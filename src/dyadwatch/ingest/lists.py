"""The two real public lists shipped with dyadwatch, as unilateral North Korean acts.

* ``provocations``: the CSIS Beyond Parallel Database of North Korean Provocations, 1958-2026
  (scraped by stiles/north-korea-provocations, CC0 1.0).
* ``missile_tests``: North Korean missile flight tests, 1984-2026, based on the CNS North Korea
  Missile Test Database (nagix/nk-missile-tests, Apache-2.0).

Both are stored with an empty ``actor2`` (design §3): dyad series leave them out, analyses use
them as context (nuclear-test windows, provocation cycles). CAMEO has no code for "a missile
test"; the mapping below is ours and documented in ``docs/methods.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from importlib import resources

import pandas as pd

from dyadwatch.codebook import cameo_codes

# Keyword in the CSIS "event" label -> CAMEO code. First match wins; order matters.
PROVOCATION_CODES: tuple[tuple[str, str], ...] = (
    ("cyber", "176"),  # attack cybernetically
    ("hijack", "181"),  # abduct, hijack, or take hostage
    ("kidnap", "181"),
    ("abduct", "181"),
    ("assassinat", "186"),  # assassinate
    ("bomb", "183"),  # conduct suicide, car, or other non-military bombing
    ("terror", "183"),
    ("artillery", "194"),  # fight with artillery and tanks
    ("fire", "190"),  # use conventional military force (exchanges of fire, shootings)
    ("ambush", "190"),
    ("sinking", "190"),
    ("attack", "190"),
    ("balloon", "170"),  # coerce (trash balloons)
    ("declar", "138"),  # threaten to use military force (no-sail zones, boundary claims)
)
DEFAULT_PROVOCATION_CODE = "150"  # demonstrate military or police power (launches, tests, incursions)
MISSILE_TEST_CODE = "150"
#: Why a missile test dated to the month only is left out (counted in the load report, not a reject).
MONTH_ONLY = "tests dated to the month only left out (every stored event needs its day, design §3)"


def provocation_code(event: str) -> str:
    label = event.lower()
    for keyword, code in PROVOCATION_CODES:
        if keyword in label:
            return code
    return DEFAULT_PROVOCATION_CODE


def _file(name: str) -> bytes:
    return resources.files("dyadwatch").joinpath(f"data/{name}").read_bytes()


def _rows_with_ids(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    # Several acts can share a day; number them in file order so ids stay stable.
    seen: Counter[str] = Counter()
    ids = []
    for day in frame["date"].astype(str):
        seen[day] += 1
        ids.append(f"{source}:{day}:{seen[day]}")
    frame["event_id"] = ids
    return frame


def _finish(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    codes = cameo_codes()
    frame["source"] = source
    frame["actor1"] = "PRK"
    frame["actor2"] = None
    frame["actor1_name"] = "North Korea"
    frame["actor2_name"] = None
    frame["quad_class"] = [codes[c].quad_class for c in frame["event_code"]]
    frame["goldstein"] = [codes[c].goldstein for c in frame["event_code"]]
    frame["weight"] = 1
    frame["tone"] = float("nan")
    frame["group_id"] = None
    # A few early tests are dated to the month only ("1984-09"): not a bad row, but every stored
    # event needs its day (design §3), so the row is left out on purpose and counted with that reason.
    parsed = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    frame["skip"] = [None if ok else MONTH_ONLY for ok in parsed.notna()]
    frame["date"] = [d.date() if not pd.isna(d) else None for d in parsed]
    return frame


def provocations() -> tuple[pd.DataFrame, str]:
    """The CSIS provocations list as staging rows, and the file's sha256."""
    raw = _file("provocations/north_korea_provocations_1958_present.csv")
    table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    frame = pd.DataFrame(
        {
            "date": table["date"],
            "event_code": [provocation_code(e) for e in table["event"]],
            "summary": (table["type"] + ": " + table["event"]).str.strip(),
            "reference": [
                (
                    "CSIS Beyond Parallel, Database of North Korean Provocations"
                    + (f"; {url.split(',')[0].strip()}" if url else "")
                )
                for url in table["resources"]
            ],
            "line": range(2, len(table) + 2),
        }
    )
    return _finish(_rows_with_ids(frame, "provocations"), "provocations"), hashlib.sha256(raw).hexdigest()


def missile_tests() -> tuple[pd.DataFrame, str]:
    """The CNS-based missile-test list as staging rows, and a digest of its three files."""
    tests_raw = _file("missile_tests/test.en.json")
    names = json.loads(_file("missile_tests/missile.en.json"))
    facilities = json.loads(_file("missile_tests/facility.en.json"))
    rows = []
    for year in json.loads(tests_raw)["timeBins"]:
        for test in year["data"]:
            missile = names.get(test["missile"], {}).get("name", test["missile"])
            site = facilities.get(test["facility"], {}).get("name", test["facility"])
            rows.append(
                {
                    "date": test["date"],
                    "event_code": MISSILE_TEST_CODE,
                    "summary": f"Missile flight test: {missile} from {site} (outcome: {test['outcome']})",
                    "reference": "CNS North Korea Missile Test Database (James Martin Center for Nonproliferation "
                    "Studies / NTI), via nagix/nk-missile-tests",
                }
            )
    frame = pd.DataFrame(rows)
    frame["line"] = range(1, len(frame) + 1)
    digest = hashlib.sha256(tests_raw + _file("missile_tests/missile.en.json")).hexdigest()
    return _finish(_rows_with_ids(frame, "missile_tests"), "missile_tests"), digest
