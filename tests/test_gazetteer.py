"""The gazetteer: completeness for the disputed groups in three languages, neutrality, lookup by any name."""

from __future__ import annotations

import re

import pytest

DISPUTED = ["iturup", "kunashir", "shikotan", "habomai"]
KANA = re.compile(r"[\u3040-\u30ff]")
KANJI = re.compile(r"[\u4e00-\u9fff]")


def names(place, lang=None, script=None, kind=None):
    return [
        n
        for n in place.names
        if (lang is None or n.lang == lang)
        and (script is None or n.script == script)
        and (kind is None or n.kind == kind)
    ]


@pytest.mark.parametrize("place_id", DISPUTED)
def test_disputed_group_has_names_in_three_languages(gazetteer, place_id: str) -> None:
    place = gazetteer[place_id]
    assert names(place, "en"), "an English name"
    japanese = names(place, "ja", "Jpan")
    assert any(KANJI.search(n.text) for n in japanese), "a kanji name"
    assert any(KANA.search(n.text) for n in japanese), "a kana reading"
    assert any(n.text.endswith(("島", "群島", "諸島")) for n in japanese), "a form with 島"
    assert any(not n.text.endswith(("島", "群島", "諸島")) for n in japanese), "a form without 島"
    hepburn = [n.text for n in names(place, "ja", "Latn")]
    assert any(re.search(r"[ōū]", t) for t in hepburn), "a Hepburn form with macrons"
    assert any(not re.search(r"[ōū]", t) for t in hepburn), "a Hepburn form without macrons"
    assert names(place, "ru", "Cyrl"), "a Cyrillic name"
    # The English name of a Russian-administered island is its BGN/PCGN romanization (Iturup).
    assert any(n.romanization == "BGN/PCGN" for n in names(place, script="Latn")), "a BGN/PCGN romanization"


@pytest.mark.parametrize("place_id", ["iturup", "kunashir", "shikotan"])
def test_russian_case_forms_are_listed(gazetteer, place_id: str) -> None:
    cases = {n.case.split()[0] for n in names(gazetteer[place_id], "ru", "Cyrl", "case_form") if n.case}
    assert {"genitive", "prepositional"} <= cases, cases


@pytest.mark.parametrize("place_id", DISPUTED + ["disputed_islands"])
def test_disputed_places_say_who_administers_and_who_claims(gazetteer, place_id: str) -> None:
    place = gazetteer[place_id]
    assert place.disputed and place.administered_by and place.claimed_by
    assert (place.administrator, place.claimant) == ("RU", "JP")


def test_habomai_islets_carry_both_their_japanese_and_russian_names(gazetteer) -> None:
    islets = [p for p in gazetteer.places if p.parent == "habomai" and p.kind == "islet"]
    assert len(islets) >= 5
    for islet in islets:
        assert names(islet, "ja", "Jpan") and names(islet, "ru", "Cyrl"), islet.id
    taraku = gazetteer["taraku_polonskogo"]
    assert "多楽島" in [n.text for n in taraku.names] and "остров Полонского" in [n.text for n in taraku.names]


def test_group_names_of_both_sides(gazetteer) -> None:
    texts = {n.text for n in gazetteer["disputed_islands"].names}
    assert {"Northern Territories", "北方領土", "Southern Kurils", "Южные Курилы"} <= texts
    kurils = {n.text for n in gazetteer["kurils"].names}
    assert {"Kuril Islands", "Kuriles", "Курильские острова", "Курильских островов", "千島列島"} <= kurils


@pytest.mark.parametrize(
    ("look_alike", "place_id"),
    [("Kuril Lake", "kurils"), ("Severo-Kurilsk", "kurils"), ("Shakotan", "shikotan")],
)
def test_look_alikes_are_recorded_with_a_reason(gazetteer, look_alike: str, place_id: str) -> None:
    recorded = {n.text: n.reason for n in gazetteer[place_id].not_names}
    assert recorded.get(look_alike)


def test_views_name_the_groups_in_three_languages(gazetteer) -> None:
    for view in ("neutral", "japan", "russia"):
        wording = gazetteer.data.views[view]
        assert set(wording.group_name) == {"en", "ja", "ru"} and wording.description


@pytest.mark.parametrize(
    ("query", "place_id"),
    [
        ("択捉", "iturup"),
        ("Итуруп", "iturup"),
        ("Etorofu", "iturup"),
        ("etorofu-to", "iturup"),
        ("ＩＴＵＲＵＰ", "iturup"),
        ("Итурупе", "iturup"),
        ("くなしり", "kunashir"),
        ("Polonskogo", "taraku_polonskogo"),
        ("Полонского", "taraku_polonskogo"),
        ("Зелёный", "shibotsu_zelenyy"),
        ("Зеленый", "shibotsu_zelenyy"),
        ("Northern Territories", "disputed_islands"),
    ],
)
def test_find_by_any_name(gazetteer, query: str, place_id: str) -> None:
    assert gazetteer.find(query)[0].id == place_id


def test_find_nothing(gazetteer) -> None:
    assert gazetteer.find("") == [] and gazetteer.find("Atlantis") == []


# --- Features of the islands, patterns, anaphora, typos ---------------------------------------------

FEATURES = [
    "kurilsk",
    "yuzhno_kurilsk",
    "malokurilskoye",
    "krabozavodskoye",
    "goryachiye_klyuchi",
    "burevestnik_airfield",
    "iturup_airport",
    "reidovo",
    "kitovy",
    "golovnino",
    "mendeleyevo_airport",
    "kasatka_bay",
]


@pytest.mark.parametrize("place_id", FEATURES)
def test_feature_has_island_sourced_point_and_three_languages(gazetteer, place_id: str) -> None:
    from explorer.data.schema import FEATURE_KINDS

    place = gazetteer[place_id]
    assert place.kind in FEATURE_KINDS
    assert gazetteer[place.parent].kind == "island", "a feature's parent is its island"
    assert place.location_source and place.location_uncertainty_km, "a public source and an uncertainty"
    # Drawn as a point when its coordinate is good to a few km; an uncertain one stays off the map.
    assert place.anchor and place.layer == ("sites" if place.location_uncertainty_km < 5 else "none")
    # Within about 30 km of its island's anchor: a wrong sign or a swapped lon/lat shows here.
    lon, lat = place.anchor
    island_lon, island_lat = gazetteer[place.parent].anchor
    assert abs(lon - island_lon) < 1.0 and abs(lat - island_lat) < 0.7
    assert {n.lang for n in place.names} == {"en", "ja", "ru"}


@pytest.mark.parametrize(
    ("place_id", "historic"),
    [
        ("kurilsk", "紗那"),
        ("yuzhno_kurilsk", "古釜布"),
        ("malokurilskoye", "斜古丹"),
        ("burevestnik_airfield", "天寧飛行場"),
    ],
)
def test_feature_keeps_its_pre_1945_japanese_name(gazetteer, place_id: str, historic: str) -> None:
    assert historic in [n.text for n in gazetteer[place_id].names if n.kind == "historic"]


def test_a_feature_kind_without_a_parent_is_refused() -> None:
    from pydantic import ValidationError

    from explorer.data.schema import Place

    with pytest.raises(ValidationError, match="needs a parent"):
        Place(
            id="x", kind="town", layer="none", names=[{"text": "X", "lang": "en", "script": "Latn", "kind": "official"}]
        )


def test_blocker_pattern_needs_words_and_rejects_unknown_keys() -> None:
    from pydantic import ValidationError

    from explorer.data.schema import BlockerPattern

    with pytest.raises(ValidationError, match="preceded_by or followed_by"):
        BlockerPattern(names=["Habomai"], reason="r")
    with pytest.raises(ValidationError):
        BlockerPattern(names=["Habomai"], followed_by=["port"], reason="r", typo_key=1)


def test_linking_rules_in_the_data(gazetteer) -> None:
    rules = gazetteer.data.linking
    assert rules.blocker_patterns and all(p.reason for p in rules.blocker_patterns)
    assert {a.lang for a in rules.anaphora.phrases} == {"en", "ja", "ru"}
    assert rules.fuzzy.enabled and rules.fuzzy.min_length >= 6
    names = {n.text.lower() for p in gazetteer.places for n in p.names}
    assert not names & {w.lower() for w in rules.fuzzy.never}, "a real name listed as a word to never match"


@pytest.mark.parametrize("place_id", ["sea_of_okhotsk", "south_korea", "korean_peninsula"])
def test_places_named_in_deployment_reports(gazetteer, place_id: str) -> None:
    assert {n.lang for n in gazetteer[place_id].names} == {"en", "ja", "ru"}


def test_committed_case_forms_and_word_list_are_what_the_build_makes(capsys) -> None:
    """Replayable: `python -m explorer.build.gazetteer_forms` finds nothing to add (exit 0)."""
    from explorer.build.gazetteer_forms import main

    assert main([]) == 0, capsys.readouterr().out


def test_generated_forms_follow_the_review() -> None:
    from explorer.build.gazetteer_forms import _morph, proposed_forms
    from explorer.data.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    morph = _morph()
    review = {"indeclinable": ["Хабомаи"], "reject": {}}
    habomai = [form for form, _ in proposed_forms(morph, gazetteer["habomai"], review)]
    assert "Хабомае" not in habomai and "островах Хабомаи" in habomai
    iturup = dict(proposed_forms(morph, gazetteer["iturup"], review))
    assert {"Итурупа", "Итурупе", "острову Итуруп", "островом Итуруп"} <= set(iturup)
