"""The linker: each rule, each negative, and offsets that always hold (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
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
        "Порт Северо-Курильске стоит.",
        "the head of the Habomai fishing cooperative",  # a blocker pattern: name + following words
        "Nemuro's Habomai district fishermen",
        "根室市の歯舞漁協",
        "択捉型巡視船が警戒",  # a ship class
        "Он торгует кетой и горбушей.",  # кетой: the instrumental of кета (chum salmon)
        "улов кеты вырос",
        "ユジノサハリンスクで",
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
            assert link.alias and link.rule in {
                "exact",
                "variant",
                "case_form",
                "script",
                "implicit",
                "feature",
                "anaphora",
                "fuzzy",
            }
            assert (link.kind == "implicit") == (link.rule in {"implicit", "feature", "anaphora"})
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
        "Kurilsk",
        "Итуру́п",
        "Shikotna",
        "the island",
        " islands",
        "同島",
        "両島",
        "на острове",
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
    previous_end, previous_span = -1, (-1, -1)
    for link in links:
        assert text[link.start : link.end] == link.text
        assert 0 <= link.start < link.end <= len(text)
        # Sorted and non-overlapping, except the island a feature or an anaphor stands for (same span).
        assert link.start >= previous_end or (link.start, link.end) == previous_span
        previous_end, previous_span = link.end, (link.start, link.end)


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


# --- Features, anaphora, typos, forms ----------------------------------------------------------------


def implicit_of(linker: Linker, text: str) -> list[tuple[str, str, str]]:
    return [(place, surface, rule) for place, surface, rule, kind in mentions(linker, text) if kind == "implicit"]


@pytest.mark.parametrize(
    ("text", "feature", "island"),
    [
        ("The town of Kurilsk.", "kurilsk", "iturup"),
        ("Yuzhno-Kurilsk harbour.", "yuzhno_kurilsk", "kunashir"),
        ("в Южно-Курильске", "yuzhno_kurilsk", "kunashir"),
        ("紗那の港", "kurilsk", "iturup"),
        ("古釜布の港", "yuzhno_kurilsk", "kunashir"),
        ("斜古丹の病院", "malokurilskoye", "shikotan"),
        ("天寧飛行場", "burevestnik_airfield", "iturup"),
        ("near Burevestnik airfield", "burevestnik_airfield", "iturup"),
        ("Жители Крабозаводского", "krabozavodskoye", "shikotan"),
        ("в поселке Горячие Ключи", "goryachiye_klyuchi", "iturup"),
        ("Гражданский аэропорт Итуруп", "iturup_airport", "iturup"),
        ("near Mendeleyevo Airport", "mendeleyevo_airport", "kunashir"),
        ("the fleet left Hitokappu Bay", "kasatka_bay", "iturup"),
    ],
)
def test_a_feature_is_an_implicit_mention_of_its_island(linker, text, feature, island) -> None:
    links = linker.link(text, "t.txt")
    assert [(link.place, link.kind) for link in links] == [(feature, "explicit"), (island, "implicit")]
    assert links[1].rule == "feature" and (links[0].start, links[0].end) == (links[1].start, links[1].end)


@pytest.mark.parametrize(
    "text",
    [
        "Burevestnik cruise missile tests",  # the missile, not the airfield
        "泊村の原発",  # Tomari on Hokkaido
        "天寧寺の住職",  # a temple
        "Habomai district of Nemuro",  # the look-alike is its own place, never the islands
    ],
)
def test_features_do_not_link_their_look_alikes_to_an_island(linker, text) -> None:
    assert not [p for p in places(linker, text) if p in {"iturup", "kunashir", "shikotan", "habomai"}], text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia deployed missiles on Iturup. The island is the largest.", [("iturup", "The island", "anaphora")]),
        ("Ракеты на Итурупе. На острове построены казармы.", [("iturup", "острове", "anaphora")]),
        ("択捉島に配備した。同島では建設が続く。", [("iturup", "同島", "anaphora")]),
        ("択捉島と国後島。両島には兵士がいる。", [("iturup", "両島", "anaphora"), ("kunashir", "両島", "anaphora")]),
        ("The Habomai Islands lie close. The islands are flat.", [("habomai", "The islands", "anaphora")]),
    ],
)
def test_anaphora_links_the_unambiguous_antecedent(linker, text, expected) -> None:
    assert implicit_of(linker, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Iturup and Kunashir were mentioned. The island is big.",  # two islands: ambiguous
        "The island is big.",  # nothing named before
        "Hokkaido is large. The island nation protested.",  # not an anaphor
        "Iturup was named. We sailed to the island of Hokkaido.",  # 'of' + a name follows
        "Итуруп был назван. На острове Хоккайдо прошли учения.",  # a name follows
        "択捉島だけ。両島には兵士がいる。",  # dual needs two islands
    ],
)
def test_anaphora_stays_silent_when_ambiguous(linker, text) -> None:
    assert [p for p, _, rule in implicit_of(linker, text) if rule == "anaphora"] == [], text


def test_anaphora_never_crosses_articles(linker) -> None:
    linker.link("Iturup is big.", "a.txt")
    assert implicit_of(linker, "The island is big.") == []


@pytest.mark.parametrize(
    ("text", "place", "alias"),
    [
        ("Officials on Shikotna said", "shikotan", "Shikotan"),
        ("troops on Kunashri", "kunashir", "Kunashir"),
        ("остров Шикотна", "shikotan", "Шикотан"),
        ("Paramushyr", "paramushir", "Paramushir"),
    ],
)
def test_one_letter_typos_link_as_possible_misspellings(linker, text, place, alias) -> None:
    links = [link for link in linker.link(text, "t.txt") if link.rule == "fuzzy"]
    assert [(link.place, link.alias) for link in links] == [(place, alias)]
    assert "misspelling" in links[0].flags


@pytest.mark.parametrize(
    "text",
    [
        "the shikotna was lower case",  # a typo is still written with a capital
        "Itur",  # too short to guess
        "Urupa",  # names under six letters get no typo rule
    ],
)
def test_fuzzy_rule_stays_away_from_short_or_lower_case_words(linker, text) -> None:
    assert [link for link in linker.link(text, "t.txt") if link.rule == "fuzzy"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Iturup and Urup islands", ["iturup", "urup"]),
        ("на острове Итуру́п", ["iturup"]),  # a printed stress mark
        ("Кунасири и Эторофу", ["kunashir", "iturup"]),  # the Japanese names in Cyrillic
        ("国後(くなしり)島", ["kunashir", "kunashir"]),  # an inline reading
        ("patrols in the Sea of Okhotsk", ["sea_of_okhotsk"]),
        ("над Охотским морем", ["sea_of_okhotsk"]),
        ("a THAAD battery in South Korea", ["south_korea"]),
        ("на Корейском полуострове", ["korean_peninsula"]),
        ("учения у Курил", ["kurils"]),
        ("Кетой и Симушир", ["ketoy", "simushir"]),
    ],
)
def test_forms_and_places_added_for_new_articles(linker, text, expected) -> None:
    assert places(linker, text) == expected


def test_stress_marks_keep_offsets(linker) -> None:
    text = "Ракеты на Итуру́пе."
    (link,) = linker.link(text, "t.txt")
    assert text[link.start : link.end] == "Итуру́пе" and link.place == "iturup"


def test_linker_pickles_and_links_the_same(linker) -> None:
    import pickle

    text = "Officials on Shikotna. Residents of Kurilsk said the island was calm."
    assert pickle.loads(pickle.dumps(linker)).link(text, "t") == linker.link(text, "t")


# --- The scan: leftmost-longest keys, whichever automaton the gazetteer's size picks ----------------------

_KEY_PIECES = st.sampled_from(["a", "b", "ab", "ba", "c", " ", "-", "к", "и", "島", "択捉", "x y", "'"])
_TEXT_PIECES = st.sampled_from(
    ["a", "b", "c", " ", "-", "к", "и", "島", "択", "捉", "x", "y", "'", ".", "\n", "q", "é", "\ud800"]
)


def _leftmost_longest(keys: list[str], text: str) -> list[tuple[int, int, int]]:
    """The definition, one position at a time: the longest key starting at the leftmost place that has one,
    then on from its end."""
    found = []
    at = 0
    while at < len(text):
        here = [(len(key), index) for index, key in enumerate(keys) if text.startswith(key, at)]
        if here:
            length, index = max(here)
            found.append((index, at, at + length))
            at += length
        else:
            at += 1
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.lists(_KEY_PIECES, min_size=1, max_size=4).map("".join), min_size=1, max_size=12, unique=True),
    st.lists(_TEXT_PIECES, max_size=60).map("".join),
)
@example(["a", "ab"], "xab")  # a shorter key first: the longer one still wins
@example(["bc", "abcd"], "abcx")  # the longer key fails: the key inside it
@example(["ab", "bcd"], "abcd")  # leftmost before longest
@example(["択捉", "択捉島"], "択捉島の")
def test_scan_finds_the_leftmost_longest_keys(keys: list[str], text: str) -> None:
    """Keys inside keys, a key whose suffix is a key, Japanese and a lone surrogate (scanned as U+FFFD), with the
    DFA and with the NFA a large gazetteer gets."""
    from explorer.text import linking

    expected = _leftmost_longest(keys, text)
    assert linking.find_keys(linking.scan_automaton(keys), text) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linking, "DFA_MAX_KEY_CHARS", 0)
        assert linking.find_keys(linking.scan_automaton(keys), text) == expected


def test_a_text_with_a_lone_surrogate_links_around_it(linker) -> None:
    """Text decoded with surrogateescape can hold one; the Rust scan needs UTF-8 and must not fail on it."""
    text = "Patrols near Iturup\udcff and Kunashir. 択捉島の港"
    assert places(linker, text) == places(linker, text.replace("\udcff", "\ufffd")) == ["iturup", "kunashir", "iturup"]
