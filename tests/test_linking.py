"""The linker: each rule, each negative, and offsets that always hold (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.text.linking import Linker, normalize
from explorer.text.passages import split_passages


def mentions(linker: Linker, text: str) -> list[tuple[str, str, str, str]]:
    links = linker.link(text, "t.txt", split_passages(text, "t"))
    for link in links:
        assert text[link.start : link.end] == link.text
    return [(link.place, link.text, link.rule, link.kind) for link in links]


def places(linker: Linker, text: str) -> list[str]:
    return [place for place, *_ in mentions(linker, text)]


# --- Each rule, on the real gazetteer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place", "surface", "rule"),
    [
        ("Russia deployed missiles on Iturup last year.", "iturup", "Iturup", "exact"),
        ("missiles on ITURUP", "iturup", "ITURUP", "exact"),
        ("deployed on Etorofu and elsewhere", "iturup", "Etorofu", "variant"),
        ("Etorofu-tō is the largest", "iturup", "Etorofu-tō", "variant"),
        ("Kunashiri Island lies close to Hokkaido", "kunashir", "Kunashiri Island", "variant"),
        ("Iturup's airport", "iturup", "Iturup", "exact"),
        ("Iturup’s airport", "iturup", "Iturup", "exact"),
        ("ракеты на Итурупе", "iturup", "Итурупе", "case_form"),
        ("возле Шикотана", "shikotan", "Шикотана", "case_form"),
        ("на Курильских островах", "kurils", "Курильских островах", "case_form"),
        ("択捉島に配備", "iturup", "択捉島", "script"),
        ("択捉に配備", "iturup", "択捉", "script"),
        ("エトロフに配備", "iturup", "エトロフ", "script"),
        ("色丹島と歯舞群島", "shikotan", "色丹島", "script"),
        ("the Kuril Islands chain", "kurils", "Kuril Islands", "exact"),
        ("the Kuril\u00a0Islands", "kurils", "Kuril\u00a0Islands", "exact"),
        ("missiles on Kuna-\nshir were", "kunashir", "Kuna-\nshir", "exact"),
        ("known in Japan as the ‘Northern Territories’", "disputed_islands", "Northern Territories", "variant"),
        ("in the Southern Kurils", "disputed_islands", "Southern Kurils", "variant"),
        ("多楽島", "taraku_polonskogo", "多楽島", "script"),
    ],
)
def test_explicit_rules(linker, text, place, surface, rule) -> None:
    found = mentions(linker, text)
    assert (place, surface, rule, "explicit") in found, found


def test_rule_reports_case_and_typography_flags(linker) -> None:
    text = "ITURUP’s and Kuril\u00a0Islands and Kuna-\nshir"
    flags = {link.text: set(link.flags) for link in linker.link(text, "t")}
    assert flags["ITURUP"] >= {"case", "possessive"}
    assert "typography" in flags["Kuril\u00a0Islands"]
    assert "hyphenated" in flags["Kuna-\nshir"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("tension over the disputed islands grew", "disputed_islands"),
        ("Etorofu and Kunashiri, the largest of the four islands.", "disputed_islands"),
        ("the four islands remain under dispute", "disputed_islands"),
    ],
)
def test_implicit_references(linker, text, place) -> None:
    implicit = [(p, s) for p, s, rule, kind in mentions(linker, text) if kind == "implicit"]
    assert implicit and all(p == place for p, _ in implicit)


def test_longest_implicit_phrase_wins(linker) -> None:
    found = mentions(linker, "the largest of the four islands")
    assert [(s, k) for _, s, _, k in found] == [("the largest of the four islands", "implicit")]


# --- Negatives ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Fishing on Kuril Lake, far to the north.",
        "The Kurile Lake sockeye run.",
        "A port call at Severo-Kurilsk.",
        "Порт Северо-Курильска.",
        "Rafting on the Shakotan peninsula.",
        "積丹半島の海",
        "The town of Kurilsk.",
        "Yuzhno-Kurilsk harbour.",
        "the ship Kunashir sailed",
        'the ferry "Iturup" arrived',
        "судно Шикотан",
        "海上保安庁の巡視船くなしりが入港した",  # a Japanese vessel word right before the name
        "巡視船「えとろふ」が出港",  # ... with the name in Japanese quotes
        "漁船択捉丸が帰港",  # a ship-name suffix right after the name
        "A Kunashir-class patrol boat",
        "A visit from Iturupov.",  # a longer word is not the name
        "Unrelated Urupa text",
    ],
)
def test_look_alikes_do_not_link(linker, text) -> None:
    assert places(linker, text) == [], text


def test_urup_is_not_found_inside_iturup(linker) -> None:
    assert places(linker, "Iturup") == ["iturup"]


def test_severo_kurilsk_hyphenated_across_a_line_is_still_blocked(linker) -> None:
    assert places(linker, "near Severo-\nKurilsk today") == []


def test_every_match_explains_itself(linker, corpus) -> None:
    for doc in corpus.documents:
        for link in linker.link(doc.text, doc.file, doc.passages):
            assert link.alias and link.rule in {"exact", "variant", "case_form", "script", "implicit"}
            assert (link.kind == "implicit") == (link.rule == "implicit")
            assert link.passage and link.passage.startswith(doc.stem + ":")


def test_seed_corpus_mentions(linker, corpus) -> None:
    found = {
        (link.file[:3], link.place, link.text)
        for doc in corpus.documents
        for link in linker.link(doc.text, doc.file, doc.passages)
    }
    expected = {
        ("000", "iturup", "Etorofu"),
        ("000", "kunashir", "Kunashiri"),
        ("000", "disputed_islands", "the largest of the four islands"),
        ("000", "kurils", "Kuril Islands"),
        ("000", "disputed_islands", "the disputed islands"),
        ("001", "iturup", "Iturup"),
        ("001", "kunashir", "Kunashir"),
        ("001", "shikotan", "Shikotan"),
        ("001", "habomai", "Habomai"),
        ("001", "disputed_islands", "Northern Territories"),
        ("002", "iturup", "Etorofu"),
        ("002", "habomai", "Habomai islets"),
        ("002", "hokkaido", "Hokkaido"),
        ("003", "kurils", "Kuril Islands"),
    }
    assert expected <= found, expected - found


# --- Offsets: properties over generated text ------------------------------------------------------

_words = st.sampled_from(
    [
        "Iturup",
        "ITURUP",
        "Etorofu",
        "Kunashiri",
        "Kunashir",
        "Kuna-\nshir",
        "Kuril Islands",
        "Kuril\u00a0Islands",
        "Kuril Lake",
        "Severo-Kurilsk",
        "Итурупе",
        "на",
        "Курильских островах",
        "択捉島",
        "エトロフ",
        "の",
        "’s",
        "'s",
        "the four islands",
        "the",
        "ship",
        "İ",
        "ß",
        "\u00ad",
        "Habomai",
        "Shikotan",
        "Shakotan",
        "x",
        "-",
        "\n",
        " ",
        "\u00a0",
        "“",
        "”",
        ".",
        ",",
        "ё",
        "Ё",
    ]
)
generated = st.lists(_words, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(generated)
def test_offsets_always_hold(linker, text: str) -> None:
    links = linker.link(text, "gen.txt", split_passages(text, "gen"))
    previous_end = -1
    for link in links:
        assert text[link.start : link.end] == link.text
        assert 0 <= link.start < link.end <= len(text)
        assert link.start >= previous_end  # sorted and non-overlapping
        previous_end = link.end


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_offsets_hold_on_arbitrary_unicode(linker, text: str) -> None:
    for link in linker.link(text, "any.txt"):
        assert text[link.start : link.end] == link.text


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["Iturup", "Итуруп", "択捉島", "Etorofu"]), min_size=1, max_size=5),
    st.sampled_from([" ", ", ", ".\n", "; ", "\n\n", "\u00a0", " and "]),
)
def test_every_separated_name_is_found(linker, names: list[str], separator: str) -> None:
    assert places(linker, separator.join(names)) == ["iturup"] * len(names)


@given(st.text(max_size=100))
def test_normalize_keeps_a_consistent_offset_map(text: str) -> None:
    normalized, breaks = normalize(text)
    if breaks is None:
        assert len(normalized) == len(text)
    else:
        assert len(normalized) == len(text) - breaks[-1][1]


def test_japanese_names_next_to_japanese_text_still_link(linker) -> None:
    assert places(linker, "ロシアは択捉島に配備した") == ["iturup"]
    assert places(linker, "国後の住民") == ["kunashir"]
