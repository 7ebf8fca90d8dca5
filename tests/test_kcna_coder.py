"""The KCNA headline coder (issue 27): parties, direction, types, no-event headlines, the model,
the PLOVER → CAMEO mapping and the hand labels it is evaluated on."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dyadwatch.codebook.countries import countries
from dyadwatch.codebook.kcna_actors import mentions
from dyadwatch.codebook.plover import PLOVER_QUAD
from dyadwatch.codebook.plover_map import PLOVER_TYPES, cameo_for
from dyadwatch.ingest.kcna_coder import bundled_model, code_headline, normalise, train

LABELS = Path(__file__).parent / "data" / "kcna_labels.csv"
SECOND = Path(__file__).parent / "data" / "kcna_labels_second_pass.csv"


def codes(headline: str, year: int) -> list[str]:
    return [m.code for m in mentions(headline, year)]


@pytest.mark.parametrize(
    ("headline", "year", "expected"),
    [
        ("S. Korean professors vow to wage campaign", 1997, ["KOR"]),  # never the North's "Korean"
        ("Anti-Japanese War heroes remembered", 2005, []),  # history, not a party
        ("Kim Jong Il receives Kampuchean delegation", 1998, ["PRK", "KHM"]),
        ("Zairean President greeted", 1997, ["COD"]),
        ("Yugoslav ambassador gives reception", 1999, ["YUG"]),
        ("Japan's moves against Chongryon denounced", 2007, ["JPN", "PRK"]),
        ("Puppet Prosecution's Repressive Action Blasted", 2008, ["KOR"]),
        ("Talks Held between Kim Yong Nam and Wu Bangguo", 2003, ["PRK", "CHN"]),
        ("WFP donates aid equipment", 2000, ["IGOWFP"]),
        ("DPRK-US Military Working Contact Made", 2010, ["PRK", "USA"]),
    ],
)
def test_parties_named_in_kcna_language(headline: str, year: int, expected: list[str]) -> None:
    assert codes(headline, year) == expected


def test_a_one_word_leader_counts_only_in_office() -> None:
    assert codes("Abe's remarks assailed", 2013) == ["JPN"]
    assert codes("Abe's remarks assailed", 2010) == []
    assert codes("Kim Dae Jung's visit discussed", 2006) == ["KOR"]  # a full name: any year


@pytest.mark.parametrize(
    ("headline", "year", "actor", "target", "plover_type", "mode"),
    [
        ("Greetings to Nepalese Foreign Minister", 1997, "PRK", "NPL", "SUPPORT", ""),
        ("Gift to Kim Jong Il from Nigerian head of state", 1998, "NGA", "PRK", "SUPPORT", ""),
        ("Russian Delegation Arrives", 2024, "RUS", "PRK", "CONSULT", "visit"),
        ("Pak Ui Chun Leaves for Russia", 2010, "PRK", "RUS", "CONSULT", "visit"),
        ("Japan's moves to distort its history under fire", 2001, "PRK", "JPN", "ACCUSE", "disapprove"),
        ("DPRK's Songun Politics Praised in Peru", 2009, "PER", "PRK", "SUPPORT", ""),
        ("DPRK's Stand against U.S.-S. Korean War Exercises Hailed in Peru", 2009, "PER", "PRK", "SUPPORT", ""),
        ("Lee Group's Confrontation with DPRK Denounced by Chongryon", 2010, "PRK", "KOR", "ACCUSE", "disapprove"),
        ("Pullback of U.S. Forces from S. Korea urged", 2002, "PRK", "USA", "REQUEST", "change"),
        ("KCNA warns Japan against revival of militarism", 2000, "PRK", "JPN", "THREATEN", ""),
        ("Humanitarian aid to DPRK from U.S.", 2002, "USA", "PRK", "AID", ""),
    ],
)
def test_who_acts_and_what(headline: str, year: int, actor: str, target: str, plover_type: str, mode: str) -> None:
    coding = code_headline(headline, year)
    assert coding.status == "coded", coding.reason
    event = coding.events[0]
    assert (event.actor, event.target, event.plover_type, event.mode) == (actor, target, plover_type, mode)


def test_one_event_per_foreign_party() -> None:
    coding = code_headline("U.S. and S. Korean Warmongers' Arms Buildup against North under Fire", 2004)
    assert [(e.actor, e.target) for e in coding.events] == [("PRK", "USA"), ("PRK", "KOR")]


@pytest.mark.parametrize(
    "headline",
    [
        "Kim Jong Il inspects KPA unit 938",  # domestic
        "51 unionists arrested in s. Korea",  # a foreign country's own affairs
        "China Supports Russia's WTO Membership",  # no DPRK party
        "Repression of Reunification Movement Criticized in S. Korea",
        "Kim Jong Il receives senior officials of Chongryon",  # Chongryon is the DPRK's side
    ],
)
def test_no_interaction_no_event(headline: str) -> None:
    assert code_headline(headline, 2005).status == "no_event"


def test_uncoded_with_reasons() -> None:
    unknown = code_headline("Gift to Kim Jong Il from Vishwanath", 2008)
    assert (unknown.status, unknown.reason) == ("uncoded", "unknown partner name 'Vishwanath'")
    spanish = code_headline("Saludo al Presidente de Nepal", 1999, language="es")
    assert spanish.status == "uncoded" and "not English" in spanish.reason


def test_the_model_learns_wording_not_countries() -> None:
    texts = (
        ["<foreign> delegation arrives"] * 5 + ["<foreign> war moves flayed"] * 5 + ["bumper harvest in province"] * 5
    )
    labels = ["CONSULT"] * 5 + ["ACCUSE"] * 5 + ["NONE"] * 5
    model = train(texts, labels)
    found = mentions("Vietnamese Delegation Arrives", 2024)
    probabilities = dict(
        zip(model.classes, model.probabilities([normalise("Vietnamese Delegation Arrives", found)])[0], strict=True)
    )
    assert max(probabilities, key=probabilities.__getitem__) == "CONSULT"
    assert normalise("Vietnamese Delegation Arrives", found) == " <foreign>  delegation arrives"


def test_the_model_alone_codes_what_no_rule_covers() -> None:
    texts = ["<prk> gratitude <foreign>"] * 8 + ["harvest"] * 8
    model = train(texts, ["SUPPORT"] * 8 + ["NONE"] * 8)
    coding = code_headline("Kim Jong Un Gratitude Syrian", 2024, model=model)
    assert coding.events and coding.events[0].method == "model" and coding.events[0].plover_type == "SUPPORT"
    assert code_headline("Kim Jong Un Gratitude Syrian", 2024).status == "no_event"  # the rules alone: no cue


def test_the_bundled_model_ships_and_knows_the_types() -> None:
    model = bundled_model()
    assert model is not None and "NONE" in model.classes and {"SUPPORT", "CONSULT", "ACCUSE"} <= set(model.classes)
    row = model.probabilities(["greetings to <foreign> foreign minister"])[0]
    assert model.classes[int(row.argmax())] == "SUPPORT"


def test_plover_types_map_to_cameo_codes_and_goldstein() -> None:
    assert len(PLOVER_TYPES) == 16 and set(PLOVER_TYPES) == set(PLOVER_QUAD)
    visit = cameo_for("CONSULT", "visit")
    assert (visit.code, visit.root, visit.goldstein, visit.quad_class) == ("042", "04", 1.9, 1)
    assert cameo_for("ACCUSE", "disapprove").code == "111" and cameo_for("ACCUSE").goldstein == -2.0
    assert cameo_for("ASSAULT").goldstein == -10.0
    for plover_type in PLOVER_TYPES:  # every type's root is where the PLOVER table puts its codes
        assert 1 <= int(cameo_for(plover_type).root) <= 20
    with pytest.raises(ValueError, match="not a PLOVER type"):
        cameo_for("PRAISE")


def test_the_labels_are_many_stratified_and_well_formed() -> None:
    labels = pd.read_csv(LABELS, keep_default_na=False, dtype=str)
    assert len(labels) >= 600 and labels["item"].is_unique
    assert set(labels["plover_type"]) <= set(PLOVER_TYPES) | {"NONE"}
    years = labels["date"].str[:4]
    assert set(years) >= {str(y) for y in range(1997, 2015)} | {"2024"}
    assert labels.groupby(years).size().min() >= 20
    known = set(countries())
    events = labels[labels["plover_type"] != "NONE"]
    for actor, target in zip(events["actor"], events["target"], strict=True):
        assert "PRK" in (actor, target)
        assert set((actor + ";" + target).split(";")) <= known
    second = pd.read_csv(SECOND, keep_default_na=False, dtype=str)
    assert len(second) >= 100 and set(second["item"]) <= set(labels["item"])


HOLDOUT = Path(__file__).parent / "data" / "kcna_labels_holdout.csv"
#: Type accuracy of the shipped coder (rules + shipped model) on the 150 held-out labels, measured
#: once when they were committed (127 of 150 right; docs/kcna-events.md, "Held-out check").
HOLDOUT_ACCURACY = 127 / 150
#: Room for a deliberate change to cost a few items: 0.03 is about 4-5 of the 150 headlines.
HOLDOUT_MARGIN = 0.03


def test_regression_guard_type_accuracy_on_the_held_out_labels() -> None:
    """REGRESSION GUARD, not an estimate: the held-out labels (never used to tune the rules) stay
    scored by the coder as shipped, and a change that breaks the coder fails here. The honest
    out-of-sample figure, with its interval, is in docs/kcna-events.md; raise HOLDOUT_ACCURACY only
    by re-measuring, never by tuning the rules on these labels (that would make them in-sample)."""
    labels = pd.read_csv(HOLDOUT, keep_default_na=False, dtype=str)
    assert len(labels) == 150
    assert not set(labels["headline"]) & set(pd.read_csv(LABELS, keep_default_na=False, dtype=str)["headline"])
    model = bundled_model()
    assert model is not None
    right = 0
    for headline, day, kind in zip(labels["headline"], labels["date"], labels["plover_type"], strict=True):
        coding = code_headline(headline, int(day[:4]), model=model)
        right += (coding.events[0].plover_type if coding.events else "NONE") == kind
    assert right / len(labels) >= HOLDOUT_ACCURACY - HOLDOUT_MARGIN, f"{right} of {len(labels)} right"
