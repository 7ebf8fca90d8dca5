"""The country crosswalk: CAMEO, ISO alpha-3/alpha-2, FIPS 10-4, COW and Gleditsch-Ward, names.

Independent sources: GDELT's CAMEO.country.txt, the place names GDELT writes beside its FIPS
codes in real rows, the country names of the real ICEWS sample, and the published code lists
(FIPS PUB 10-4, the COW state list, Gleditsch & Ward 1999) for the Korean peninsula.
"""

from __future__ import annotations

import collections
import csv
import re
from pathlib import Path

import pytest

from dyadwatch.codebook import countries, country, to_code
from dyadwatch.codebook.countries import CAMEO_DIFFERS
from dyadwatch.errors import UsageError
from dyadwatch.ingest.formats import GDELT1_COLUMNS

DATA = Path(__file__).parent / "data"
# CAMEO's regions and "unknown" are no country; Baghdad and the Netherlands Antilles have no
# ISO 3166-1 code today.
CAMEO_NOT_STATES = {"AFR", "ASA", "BLK", "CRB", "CAU", "CFR", "CAS", "CEU", "EIN", "EAF", "EEU", "EUR", "LAM"}
CAMEO_NOT_STATES |= {"MEA", "MDT", "NAF", "NMR", "PGS", "SCN", "SAM", "SAS", "SEA", "SAF", "WAF", "WST", "0"}
CAMEO_NOT_STATES |= {"BAG", "ANT"}


def gdelt1_rows() -> list[dict[str, str]]:
    rows = []
    with (DATA / "gdelt1-export-sample" / "events.csv").open(encoding="utf-8", newline="") as handle:
        for fields in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows.append(dict(zip(GDELT1_COLUMNS, fields, strict=False)))
    return rows


def icews_rows() -> list[dict[str, str]]:
    with (DATA / "icews-sample" / "events.2018.sample.tab").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_the_korean_peninsula_in_every_system() -> None:
    north, south = countries()["PRK"], countries()["KOR"]
    assert (north.iso2, north.fips, north.cow, north.gw, north.kind) == ("KP", "KN", 731, 731, "state")
    assert (south.iso2, south.fips, south.cow, south.gw, south.kind) == ("KR", "KS", 732, 732, "state")
    assert to_code("KN", "fips") == "PRK" and to_code("KS", "fips") == "KOR"
    assert to_code(731, "cow") == "PRK" and to_code("732", "gw") == "KOR"
    for name in ("North Korea", "DPRK", "Democratic People's Republic of Korea", "Korea, North", "prk"):
        assert to_code(name) == "PRK", name
    for name in ("South Korea", "Republic of Korea", "ROK", "Korea, South"):
        assert to_code(name) == "KOR", name
    # "Korea" alone is ambiguous and must not be guessed.
    assert to_code("Korea") is None


def test_historical_states_and_the_soviet_union() -> None:
    # Design §2: the Soviet Union is stored as RUS; other historical states keep ISO 3166-3 codes.
    for name in ("Soviet Union", "USSR", "Russian Federation", "Russia"):
        assert to_code(name) == "RUS", name
    assert "SUN" not in countries()
    for code, name, cow in (("DDR", "East Germany", 265), ("YUG", "Yugoslavia", 345), ("CSK", "Czechoslovakia", 315)):
        entry = countries()[code]
        assert (entry.kind, entry.name, entry.cow) == ("historical", name, cow)
        assert to_code(name) == code
    assert to_code("German Democratic Republic") == "DDR"
    # Shared numbers resolve to the current state: COW 345 is Serbia's (continuing Yugoslavia).
    assert to_code(345, "cow") == "SRB"
    assert to_code(260, "gw") == "DEU" and to_code(265, "cow") == "DDR"


def test_igo_codes_are_cameo_known_groups() -> None:
    igos = {code: entry for code, entry in countries().items() if entry.kind == "igo"}
    assert {"IGOUNO", "IGOIAE", "IGOASN", "IGOEEC", "IGOWFP"} <= set(igos)
    # IGO + a CAMEO known-group code, the part of GDELT's IGOUNOKID or IGOAFROAU that says which body.
    lines = (DATA / "gdelt-lookups" / "CAMEO.knowngroup.txt").read_text(encoding="utf-8").splitlines()
    groups = [line.split("\t") for line in lines[1:]]
    labels = dict(groups)
    assert [code for code, _ in groups].count("CEM") == 2  # a quirk of this copy: CEM listed twice
    for code, entry in igos.items():
        assert code.startswith("IGO") and len(code) == 6
        assert code[3:] in labels, code
        # The known group's label and the crosswalk's names share a significant word.
        ours = {word for name in (entry.name, *entry.aliases) for word in re.findall(r"[a-z]+", name.lower())}
        theirs = set(re.findall(r"[a-z]+", labels[code[3:]].lower()))
        assert (ours & theirs) - {"of", "for", "the", "and"}, (code, labels[code[3:]])
    assert to_code("United Nations") == "IGOUNO" and to_code("UN") == "IGOUNO"
    assert to_code("IAEA") == "IGOIAE" and to_code("ASEAN") == "IGOASN" and to_code("EU") == "IGOEEC"
    assert to_code("UNO") == "IGOUNO"  # the CAMEO known-group code without the prefix
    # GDELT's known-group codes name the same bodies (CAMEO.knowngroup.txt: UNO, IAE, ASN, EEC, WFP).
    assert country("IGOWFP").name == "World Food Programme"


def test_codes_are_unique_across_states() -> None:
    table = countries().values()
    for system in ("iso2", "fips", "cow", "gw"):
        seen: dict[object, list[str]] = collections.defaultdict(list)
        for entry in table:
            value = getattr(entry, system)
            if value is not None and entry.kind == "state":
                seen[value].append(entry.code)
        assert {v: c for v, c in seen.items() if len(c) > 1} == {}, system


def test_cameo_country_codes_resolve_to_the_same_place() -> None:
    """Each of GDELT's CAMEO country codes resolves to a crosswalk row of the same country."""
    lines = (DATA / "gdelt-lookups" / "CAMEO.country.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "CODE\tLABEL"
    cameo = dict(line.split("\t") for line in lines[1:])
    assert len(cameo) == 263 and cameo["PRK"] == "North Korea" and cameo["KOR"] == "South Korea"
    resolved = {code: to_code(code) for code in cameo if code not in CAMEO_NOT_STATES}
    assert [code for code, iso in resolved.items() if iso is None] == []
    # Where CAMEO and ISO disagree, the CAMEO label names the ISO row (Romania: ROM -> ROU).
    assert {code: iso for code, iso in resolved.items() if code != iso} == CAMEO_DIFFERS
    assert to_code(cameo["ROM"]) == "ROU" and to_code(cameo["MTN"]) == "MNE" and to_code(cameo["TMP"]) == "TLS"
    # And where the CAMEO label is a name the crosswalk knows, it is the same country.
    named = {code: to_code(label) for code, label in cameo.items() if code in resolved and to_code(label)}
    assert len(named) > 200
    assert {code: iso for code, iso in named.items() if resolved[code] != iso} == {}
    # CAMEO's regions are no country and no organisation.
    assert {region: to_code(region) for region in CAMEO_NOT_STATES if to_code(region)} == {}


def test_fips_codes_in_real_gdelt_rows_name_the_same_country_as_their_place_names() -> None:
    """GDELT writes ``Geo_CountryCode`` (FIPS 10-4) beside ``Geo_FullName``; both must agree."""
    pairs = set()
    for row in gdelt1_rows():
        for block in ("Actor1Geo_", "Actor2Geo_", "ActionGeo_"):
            # Type 1 is a country: its full name is the country's name, with no commas to split.
            if row[block + "Type"] == "1":
                pairs.add((row[block + "CountryCode"], row[block + "FullName"]))
    assert len(pairs) > 50
    mismatched = {(fips, name, to_code(fips, "fips"), to_code(name)) for fips, name in pairs}
    assert {m for m in mismatched if m[2] is None or m[2] != m[3]} == set()


def test_every_country_name_in_the_icews_sample_is_known() -> None:
    names = collections.Counter()
    for row in icews_rows():
        names.update([row["Source Country"], row["Target Country"]])
    names.pop("NA", None)  # ICEWS writes NA where an actor has no country
    assert len(names) > 50
    unknown = sorted(name for name in names if to_code(name) is None)
    assert unknown == []
    assert to_code("Russian Federation") == "RUS" and to_code("United States") == "USA"
    assert to_code("North Korea") == "PRK" and to_code("South Korea") == "KOR"


def test_unknown_country_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown country or organisation 'Atlantis'"):
        country("Atlantis")
    assert country("north korea").code == "PRK"


def test_the_quick_code_check_knows_exactly_the_crosswalk() -> None:
    """``known_codes`` reads only the first field of each line: the same codes as the whole table."""
    from dyadwatch.codebook.countries import known_codes

    assert known_codes() == frozenset(countries()) and len(known_codes()) > 250
