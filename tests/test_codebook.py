"""The CAMEO codebook against GDELT's own lookup files (two real copies, tests/data/PROVENANCE.md).

The shipped table comes from the ICEWS codebook; GDELT publishes CAMEO.eventcodes.txt and
CAMEO.goldsteinscale.txt. The expected values here are read from those real files with plain
Python, never from the package.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dyadwatch.codebook import cameo_codes, goldstein, quad_class, root_code
from dyadwatch.codebook.cameo import GDELT_GOLDSTEIN, quad_class_of_root

DATA = Path(__file__).parent / "data"
LOOKUPS_2016 = DATA / "gdelt-lookups"  # moxious/gdelt copy: code 106 merged into the 1056 line
LOOKUPS_2013 = DATA / "gdelt-lookups-2013"  # mpiccirilli/UNDP-BCPR-Project copy: 106 on its own line
MERGED = re.compile(r"^(?P<description>.*?)(?P<code>\d{3,4}):\[(?P<weight>-?\d+(?:\.\d+)?)\] (?P<name>.+)$")


def read_lookup(path: Path) -> dict[str, str]:
    """A GDELT lookup file (tab-separated, header row) as {code: value}; LF or CRLF."""
    rows: dict[str, str] = {}
    lines = path.read_bytes().decode("utf-8").splitlines()
    assert lines[0].startswith("CAMEOEVENTCODE\t")
    for line in lines[1:]:
        code, value = line.split("\t")
        assert code not in rows, f"{path.name}: code {code} twice"
        rows[code] = value
    return rows


@pytest.fixture(scope="module")
def gdelt_2016() -> tuple[dict[str, str], dict[str, str]]:
    return read_lookup(LOOKUPS_2016 / "CAMEO.eventcodes.txt"), read_lookup(LOOKUPS_2016 / "CAMEO.goldsteinscale.txt")


@pytest.fixture(scope="module")
def gdelt_2013() -> tuple[dict[str, str], dict[str, str]]:
    return read_lookup(LOOKUPS_2013 / "CAMEO.eventcodes.txt"), read_lookup(LOOKUPS_2013 / "CAMEO.goldsteinscale.txt")


def test_table_has_every_cameo_code_with_root_and_quad_class() -> None:
    table = cameo_codes()
    assert len(table) == 312
    roots = {c.root_code for c in table.values()}
    assert roots == {f"{n:02d}" for n in range(1, 21)}
    for code, entry in table.items():
        assert entry.code == code
        assert code.isdigit() and len(code) in (2, 3, 4)
        assert entry.root_code == code[:2] == root_code(code)
        assert -10.0 <= entry.goldstein <= 10.0
        assert entry.name
    # GDELT 1.0 codebook, QuadClass: roots 01-05 verbal cooperation, 06-08 material cooperation,
    # 09-13 verbal conflict, 14-20 material conflict.
    assert [quad_class_of_root(f"{n:02d}") for n in range(1, 21)] == [1] * 5 + [2] * 3 + [3] * 5 + [4] * 7
    assert table["0871"].quad_class == 2 and table["0871"].root_code == "08"
    assert table["190"].quad_class == 4 and quad_class("190") == 4
    assert quad_class("999") is None and goldstein("999") is None
    with pytest.raises(ValueError, match="01 to 20"):
        quad_class_of_root("21")


def test_lookup_copies_are_plain_two_column_tables(gdelt_2016: tuple[dict[str, str], dict[str, str]]) -> None:
    codes, weights = gdelt_2016
    assert set(codes) == set(weights)
    assert len(codes) == 310  # 311 physical lines less the header


def test_code_106_is_merged_into_the_1056_line_in_one_copy(
    gdelt_2016: tuple[dict[str, str], dict[str, str]], gdelt_2013: tuple[dict[str, str], dict[str, str]]
) -> None:
    codes_2016, weights_2016 = gdelt_2016
    codes_2013, weights_2013 = gdelt_2013
    # The quirk: no row for 106 in either 2016 file, its description and weight glued to 1056's.
    assert "106" not in codes_2016 and "106" not in weights_2016
    merged = MERGED.match(codes_2016["1056"])
    assert merged is not None, codes_2016["1056"]
    assert merged["description"] == codes_2013["1056"] == "Demand de-escalation of military engagement"
    # The lost row, recovered from the merged line, equals the 2013 copy and the shipped table.
    assert merged["code"] == "106"
    assert merged["name"] == codes_2013["106"] == "Demand withdrawal"
    assert float(merged["weight"]) == float(weights_2013["106"]) == -5.0
    assert cameo_codes()["106"].goldstein == -5.0
    # Apart from that line, the two copies agree exactly.
    assert set(codes_2013) - set(codes_2016) == {"106"}
    assert {c: v for c, v in codes_2013.items() if c not in ("106", "1056")} == {
        c: v for c, v in codes_2016.items() if c != "1056"
    }
    assert {c: v for c, v in weights_2013.items() if c != "106"} == weights_2016


@pytest.mark.parametrize("copy", [LOOKUPS_2016, LOOKUPS_2013], ids=["2016", "2013"])
def test_shipped_weights_agree_with_gdelt_except_the_documented_four(copy: Path) -> None:
    weights = {c: float(v) for c, v in read_lookup(copy / "CAMEO.goldsteinscale.txt").items()}
    table = cameo_codes()
    # Every GDELT code is in the shipped table; only 1213 (and 106 where merged away) are ours alone.
    assert set(weights) <= set(table)
    assert set(table) - set(weights) == ({"1213"} if "106" in weights else {"1213", "106"})
    differing = {code: weight for code, weight in weights.items() if table[code].goldstein != weight}
    assert differing == GDELT_GOLDSTEIN


# Codes whose GDELT description differs from the shipped name in wording only ("Threaten to use
# military force" / "Threaten with military force"), and the category-10 codes where GDELT's
# lookup keeps older CAMEO labels: its 105 "Demand mediation" has children 1051-1056 "Demand
# easing of ... / de-escalation ...", which belong to CAMEO 1.1's 105 "Demand that target yields".
WORDING = {"020", "0252", "028", "032", "033", "0355", "044", "0863", "1312", "1321", "133", "137", "138", "162"}
WORDING |= {"183", "2041"}
OLDER_LABELS = {"101", "102", "103", "105", "106", "107", "108"}


def normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z]+", text.lower().replace("not specified below", "")))


def test_names_agree_with_gdelt_descriptions_but_for_the_known_differences(
    gdelt_2013: tuple[dict[str, str], dict[str, str]],
) -> None:
    descriptions, _ = gdelt_2013
    table = cameo_codes()
    differing = {code for code, text in descriptions.items() if normalised(text) != normalised(table[code].name)}
    assert differing == WORDING | OLDER_LABELS
    # The older labels are the newer ones shuffled: GDELT's 108 is CAMEO 1.1's 106, and so on.
    assert normalised(descriptions["108"]) == normalised(table["106"].name) == "demand meeting negotiation"
    assert normalised(descriptions["105"]) == normalised(table["108"].name) == "demand mediation"
    assert table["105"].name == "Demand that target yields"
    assert all(table[f"105{n}"].root_code == "10" for n in range(1, 7))


def test_names_equal_the_event_texts_of_real_icews_rows() -> None:
    """Every (CAMEO Code, Event Text) pair in the ICEWS sample matches the shipped table."""
    pairs: set[tuple[str, str]] = set()
    with (DATA / "icews-sample" / "events.2018.sample.tab").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            pairs.add((row["CAMEO Code"], row["Event Text"]))
    assert len(pairs) == 122  # distinct codes in the sample, each with one text
    table = cameo_codes()
    assert {(code, table[code].name) for code, _ in pairs} == pairs
