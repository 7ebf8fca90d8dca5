"""Build ``src/dyadwatch/codebook/data/countries.csv``, the country crosswalk shipped with dyadwatch.

Run by developers only (it reads ``../shared/data``, which a user's clone does not have):

    .venv/bin/python scripts/build_crosswalk.py ../shared/data

Where each column comes from:

* ``iso3``, ``iso2``, ``iso_numeric`` and the English names: ISO 3166 via pycountry.
* ``fips`` (FIPS 10-4, the code in GDELT's geography fields) and ``cow`` / ``cow_alpha``
  (Correlates of War state numbers): the code assignments listed in openeventdata/CountryInfo
  (CountryInfo.120116.txt). Only the code numbers are taken, which are public-standard facts
  (FIPS PUB 10-4 is a US government standard; COW numbers are published by the COW project).
* ``gw``: Gleditsch & Ward (1999) numbers. They equal COW's except for the states in
  ``GW_DIFFERS`` below (Gleditsch & Ward, "A revised list of independent states since 1816",
  International Interactions 25(4), 1999).
* ``icews``: the country names ICEWS uses, read from the ICEWS sample (andybega/icews, MIT).
* Historical states and international bodies are written out by hand in ``HISTORICAL`` and
  ``IGOS`` (CAMEO IGO codes as in the CAMEO manual, design §2).
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pycountry

# Gleditsch-Ward numbers where they differ from COW (iso3 -> gw). Germany: GW keeps 260 for West
# and unified Germany; Serbia: GW 340 from 2006; Yemen: GW continues North Yemen's 678; the
# Pacific microstates GW numbers in the 970s.
GW_DIFFERS = {"DEU": 260, "SRB": 340, "YEM": 678, "KIR": 970, "NRU": 971, "TON": 972, "TUV": 973}

# COW numbers that CountryInfo leaves blank (COW's state list: Serbia continues Yugoslavia's 345).
COW_MISSING = {
    "SRB": "345",
    "USA": "2",
    "FRA": "220",
    "GBR": "200",
    "BRN": "835",
    "GNB": "404",
    "SSD": "626",
    "TLS": "860",
}
# FIPS 10-4 codes for the blocks CountryInfo files under irregular CAMEO codes, and for
# territories it has no block for (Guam, Jersey, Montserrat: seen in GDELT's geography fields).
FIPS_MISSING = {
    "FRA": "FR",
    "GBR": "UK",
    "BRN": "BX",
    "GNB": "PU",
    "SSD": "OD",
    "TLS": "TT",
    "GUM": "GQ",
    "JEY": "JE",
    "MSR": "MH",
}

# Blocks of CountryInfo.120116.txt that carry another country's codes (its MYANMAR block holds
# Mozambique's FIPS and ISO codes, GUINEA Papua New Guinea's, CONGO the DR Congo's, GUATEMALA
# Guadeloupe's FIPS, SOUTH_AFRICA Saudi Arabia's, COOK_ISLANDS the Cocos Islands'), or none
# (CYPRUS, SERBIA, the Holy See). Corrected from FIPS PUB 10-4 and the COW state list;
# tests/test_countries.py checks that no FIPS, COW or GW number is shared by two states and that
# the FIPS codes in real GDELT rows name the same country as their place names.
FIPS_FIXES = {
    "MMR": "BM",
    "GTM": "GT",
    "ZAF": "SF",
    "COG": "CF",
    "GIN": "GV",
    "COK": "CW",
    "CYP": "CY",
    "SRB": "RI",
    "VAT": "VT",
}
COW_FIXES = {"COG": ("484", "CON"), "GIN": ("438", "GUI"), "PNG": ("910", "PNG")}

# Names that data providers use and ISO does not (lower-cased at lookup).
EXTRA_ALIASES = {
    "PRK": ["North Korea", "DPRK", "DPR Korea", "Korea, North", "Democratic People's Republic of Korea"],
    "KOR": ["South Korea", "Republic of Korea", "ROK", "Korea, South"],
    "RUS": ["Russia", "Russian Federation", "Soviet Union", "USSR", "Union of Soviet Socialist Republics"],
    "USA": ["United States", "United States of America", "US", "USA", "America"],
    "GBR": ["United Kingdom", "UK", "Britain", "Great Britain"],
    "IRN": ["Iran"],
    "SYR": ["Syria"],
    "VNM": ["Vietnam", "Viet Nam", "North Vietnam", "Vietnam, Republic Of"],
    "BIH": ["Bosnia and Herzegovina", "Bosnia-Herzegovina"],
    "BHS": ["Bahamas", "Bahamas, The", "The Bahamas"],
    "LAO": ["Laos", "Lao PDR"],
    "MMR": ["Myanmar", "Burma"],
    "TWN": ["Taiwan"],
    "COD": ["Democratic Republic of Congo", "Congo, Democratic Republic of", "DR Congo"],
    "COG": ["Congo", "Republic of the Congo"],
    "CIV": ["Cote d'Ivoire", "Ivory Coast"],
    "MDA": ["Moldova", "Moldova, Republic of"],
    "MKD": ["Macedonia", "the former Yugoslav Republic of Macedonia", "North Macedonia"],
    "PSE": ["Occupied Palestinian Territory", "Palestine", "Palestinian Territory", "West Bank", "Gaza Strip"],
    "SWZ": ["Swaziland", "Eswatini"],
    "TZA": ["Tanzania"],
    "BOL": ["Bolivia"],
    "VEN": ["Venezuela"],
    "CZE": ["Czech Republic", "Czechia"],
    "VAT": ["Holy See", "Vatican", "Vatican City"],
    "TLS": ["Timor-Leste", "East Timor"],
    "HKG": ["Hong Kong"],
    "CHE": ["Switzerland"],
    "TUR": ["Turkey", "Turkiye"],
    "MNG": ["Mongolia"],
}

# iso3, name, cow, cow_alpha, gw, aliases. The Soviet Union is *not* here: design §2 stores it as RUS.
HISTORICAL = [
    ("DDR", "East Germany", 265, "GDR", 265, ["German Democratic Republic", "GDR", "East Germany"]),
    (
        "YUG",
        "Yugoslavia",
        345,
        "YUG",
        345,
        ["Yugoslavia", "Socialist Federal Republic of Yugoslavia", "Serbia and Montenegro"],
    ),
    ("CSK", "Czechoslovakia", 315, "CZE", 315, ["Czechoslovakia"]),
    ("YMD", "South Yemen", 680, "YPR", 680, ["South Yemen", "People's Democratic Republic of Yemen"]),
]

# CAMEO international-organisation codes (design §2 writes them with the IGO prefix): IGO + the
# CAMEO known-group code (CAMEO.knowngroup.txt), which is what the GDELT reader stores for an actor
# such as IGOUNOKID (known group KID) or IGOAFROAU (known group OAU).
IGOS = [
    ("IGOUNO", "United Nations", ["United Nations", "UN", "UN Security Council", "UN General Assembly"]),
    ("IGOIAE", "International Atomic Energy Agency", ["IAEA", "International Atomic Energy Agency"]),
    ("IGOASN", "Association of Southeast Asian Nations", ["ASEAN", "Association of Southeast Asian Nations"]),
    ("IGOEEC", "European Union", ["European Union", "EU", "European Community"]),
    ("IGOWFP", "World Food Programme", ["World Food Programme", "WFP"]),
    ("IGOWHO", "World Health Organization", ["World Health Organization", "WHO"]),
    ("IGOKID", "UNICEF", ["UNICEF", "United Nations Children's Fund"]),
    ("IGOHCH", "UN High Commissioner for Human Rights", ["OHCHR"]),
    ("IGOOAU", "African Union", ["African Union", "Organisation of African Unity", "Organization of African Unity"]),
    ("IGONON", "Non-Aligned Movement", ["Non-Aligned Movement", "NAM"]),
]


def country_info(path: Path) -> dict[str, dict[str, str]]:
    """Parse the CAMEO/FIPS/COW code fields of CountryInfo.txt, keyed by ISO alpha-3."""
    text = path.read_bytes().decode("latin-1")
    rows: dict[str, dict[str, str]] = {}
    for block in text.split("<Country>")[1:]:
        fields = dict(re.findall(r"<([A-Za-z0-9-]+)>([^<\n]*)</\1>", block))
        # Key by the CAMEO country code, which is the ISO alpha-3 for states; territories carry
        # their sovereign's prefix (USAGUM) and are skipped, as are blocks with a broken ISO field.
        code = fields.get("CountryCode", "").strip()
        if len(code) == 3 and code.isalpha():
            rows[code] = fields
    return rows


def icews_names(path: Path) -> set[str]:
    names: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            names.update({row["Source Country"], row["Target Country"]})
    return {n for n in names if n and n != "NA"}


def main(shared: Path, out: Path) -> None:
    info = country_info(shared / "countryinfo" / "CountryInfo.120116.txt")
    icews = icews_names(shared / "icews-sample" / "events.2018.sample.tab")
    table: list[dict[str, str]] = []
    for country in pycountry.countries:
        iso3 = country.alpha_3
        ci = info.get(iso3, {})
        cow = COW_MISSING.get(iso3, ci.get("COW-Numeric", "000").strip())
        cow_alpha = ci.get("COW-Alpha", "").strip().replace("---", "")
        cow, cow_alpha = COW_FIXES.get(iso3, (cow, cow_alpha))
        cow = str(int(cow)) if cow.isdigit() and int(cow) else ""
        gw = str(GW_DIFFERS.get(iso3, cow)) if cow else ""
        fips = FIPS_FIXES.get(iso3) or FIPS_MISSING.get(iso3, ci.get("FIPS-10", "--").strip())
        fips = "" if fips in ("--", "NOT_YET") else fips
        name = getattr(country, "common_name", None) or country.name
        aliases = {country.name, name, getattr(country, "official_name", country.name)}
        aliases.update(EXTRA_ALIASES.get(iso3, []))
        table.append(
            {
                "code": iso3,
                "kind": "state",
                "name": EXTRA_ALIASES.get(iso3, [name])[0],
                "iso2": country.alpha_2,
                "iso_numeric": country.numeric,
                "fips": fips,
                "cow": cow,
                "cow_alpha": cow_alpha,
                "gw": gw,
                "aliases": "|".join(sorted(aliases)),
            }
        )
    for iso3, name, cow_n, cow_a, gw_n, aliases in HISTORICAL:
        table.append(
            {
                "code": iso3,
                "kind": "historical",
                "name": name,
                "iso2": "",
                "iso_numeric": "",
                "fips": "",
                "cow": str(cow_n),
                "cow_alpha": cow_a,
                "gw": str(gw_n),
                "aliases": "|".join(sorted(set(aliases))),
            }
        )
    for code, name, aliases in IGOS:
        table.append(
            {
                "code": code,
                "kind": "igo",
                "name": name,
                "iso2": "",
                "iso_numeric": "",
                "fips": "",
                "cow": "",
                "cow_alpha": "",
                "gw": "",
                "aliases": "|".join(sorted(set(aliases))),
            }
        )
    known = {a.lower() for row in table for a in row["aliases"].split("|")}
    missing = sorted(n for n in icews if n.lower() not in known)
    if missing:
        raise SystemExit(f"ICEWS names with no alias in the crosswalk: {missing}")
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"wrote {len(table)} rows to {out}")


if __name__ == "__main__":
    shared_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    main(shared_dir, Path(__file__).resolve().parents[1] / "src/dyadwatch/codebook/data/countries.csv")
