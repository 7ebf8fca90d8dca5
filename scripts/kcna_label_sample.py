"""Draw the KCNA headlines to be labelled by hand (issue 27): stratified by year and by a rough type.

Why a rough type: a plain random draw of KCNA headlines is two-thirds domestic news, so the rarer
event types (THREATEN, AID, RETREAT …) would get a handful of examples. Each year's headlines are
put in a bucket by a few keywords (``ROUGH_BUCKETS``; deliberately crude and separate from the
coder, so that the labels are not the coder's output) and the draw takes the same number from each
bucket where it can. The labels themselves are written by a person reading each headline
(``docs/kcna-events.md``, "Labelling guidelines"); this script only picks which ones.

Usage::

    python scripts/kcna_label_sample.py --old ../shared/data/kcna-1997-2014/kcna-headlines-1997-2014.csv.gz \
        --new src/dyadwatch/data/texts/kcna-headlines-2024-11-11.json.gz --out build/kcna_sample.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import re
from pathlib import Path

import pandas as pd

ROUGH_BUCKETS: tuple[tuple[str, str], ...] = (
    ("visit", r"delegation|arrives|leaves|visit|receives|meets|talks|ambassador|credentials"),
    ("message", r"message|greeting|congratulat|condolence|thank|gift|floral|wreath|sympathy"),
    ("hostile", r"denounc|condemn|censur|slam|assail|flay|rap|blast|warn|threat|protest|reject|refut|criticiz"),
    ("force", r"drill|exercise|war |military|attack|sanction|detain|arrest|spy|intrusion|fire|troops"),
    ("support", r"support|solidarity|seminar|praise|juche|book|exhibition|aid|relief|donat|agreement|signed"),
    ("other", r""),
)


def rough_bucket(headline: str) -> str:
    """The first bucket whose keywords occur in the lower-cased headline."""
    lower = headline.lower()
    for name, pattern in ROUGH_BUCKETS:
        if not pattern or re.search(pattern, lower):
            return name
    return "other"


#: Cues of the rarer PLOVER types, for a second draw over all years (``--rare``): without it the
#: labels hold a few examples each of AID, THREATEN, REQUEST, REJECT, MOBILIZE, COERCE, ASSAULT …
RARE_CUES = (
    r"\b(aid|relief|donat\w*|food assistance)\b",
    r"\bwarn\w*|countermeasure|retaliat|merciless|sea of fire",
    r"\burged?\b|\bdemand\w*|calls? for|\brequest",
    r"\breject\w*|refus\w*|refut\w*|never accept|rebuff",
    r"\bdrills?\b|exercises?|maneuv|manoeuv|deploy",
    r"\bsanction|embargo|freez",
    r"\b(detain|arrest|seiz|captur|spy|espionage|expel)\w*",
    r"\b(attack|shell|fired|killed|intrusion|infiltrat)\w*",
    r"\b(releas|repatriat|remains|return\w* of)\w*",
    r"\b(agree\w*|accord|invit\w*|will visit|to visit|trade|joint venture|cooperation)\b",
)


def draw_rare(frame: pd.DataFrame, per_cue: int, seed: int, taken: set[str]) -> pd.DataFrame:
    """``per_cue`` rows for each of :data:`RARE_CUES` that name a foreign party, not already drawn."""
    rng = random.Random(seed + 1)
    picked: list[int] = []
    foreign = frame["headline"].str.contains(
        r"U\.S\.|US\b|Japan|S\. Korea|[Ss]outh Korea|China|Chinese|Russia|UN\b|Korea", regex=True
    )
    for cue in RARE_CUES:
        rows = [
            k
            for k in frame.index[frame["headline"].str.contains(cue, case=False, regex=True) & foreign]
            if frame.at[k, "headline"] not in taken and k not in picked
        ]
        rng.shuffle(rows)
        picked.extend(rows[:per_cue])
    return frame.loc[picked]


def draw(frame: pd.DataFrame, per_stratum: int, seed: int) -> pd.DataFrame:
    """``per_stratum`` rows of each year, spread evenly over the rough buckets."""
    rng = random.Random(seed)
    picked = []
    for _year, group in frame.groupby("year", sort=True):
        buckets = {name: list(rows.index) for name, rows in group.groupby("bucket")}
        for rows in buckets.values():
            rng.shuffle(rows)
        chosen: list[int] = []
        while len(chosen) < per_stratum and any(buckets.values()):
            for name in sorted(buckets, key=str):
                if buckets[name] and len(chosen) < per_stratum:
                    chosen.append(buckets[name].pop())
        picked.extend(chosen)
    return frame.loc[picked]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="kcna-headlines-1997-2014.csv.gz (GPL-3)")
    parser.add_argument("--new", type=Path, required=True, help="the bundled 2023-24 KCNA JSON (CC0)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-year-old", type=int, default=20)
    parser.add_argument("--new-count", type=int, default=260)
    parser.add_argument("--rare", type=int, default=8, help="extra rows per rare-type cue, 1997-2014 and 2024 alike")
    parser.add_argument("--seed", type=int, default=27)
    args = parser.parse_args()

    old = pd.read_csv(args.old)
    old = old[old["english"].astype(str) == "True"].drop_duplicates("title")
    old = pd.DataFrame({"source": "kcna-1997-2014", "date": old["date"], "headline": old["title"],
                        "link": old["story_link"]})  # fmt: skip
    old["year"] = old["date"].str[:4]
    with gzip.open(args.new, "rt", encoding="utf-8") as handle:
        items = json.load(handle)
    new = pd.DataFrame({"source": "kcna-2024", "date": [i["date_str"] for i in items],
                        "headline": [" ".join(str(i["headline"]).split()) for i in items],
                        "link": [i["link"] for i in items]})  # fmt: skip
    new = new.drop_duplicates("headline")
    new["year"] = "2024"
    for part in (old, new):
        part["bucket"] = part["headline"].map(rough_bucket)
    sample = pd.concat([draw(old, args.per_year_old, args.seed), draw(new, args.new_count, args.seed)])
    both = pd.concat([old, new], ignore_index=True)
    sample = pd.concat([sample, draw_rare(both, args.rare, args.seed, set(sample["headline"]))])
    sample = sample.reset_index(drop=True)
    sample.insert(0, "item", range(1, len(sample) + 1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample[["item", "source", "date", "headline", "link", "bucket"]].to_csv(
        args.out, index=False, quoting=csv.QUOTE_MINIMAL
    )
    print(f"{len(sample)} headlines -> {args.out}")


if __name__ == "__main__":
    main()
