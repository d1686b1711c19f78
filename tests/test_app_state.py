"""The URL state: parsing never fails, round trips, and slider bounds (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.app.app_state import AppState, parse_query, slider_bounds, slider_range, to_query
from explorer.app.evidence_map import read_event

FILES = ["000_a.txt", "001_b.txt", "002_c.txt"]
PLACES = {"iturup", "kunashir", "habomai"}
LESSONS = {"kurils-101": 11}
EVENTS = {"missiles-2016", "meeting-2019"}
# Characters a URL query can carry that matter here: ids, dates, separators, digits, markup, other scripts.
_QUERY_CHARS = "abcdefghijklmnopqrstuvwxyz_0123456789-,.<>/'\" 択捉Итуруп"

states = st.builds(
    AppState,
    place=st.sampled_from([None, *sorted(PLACES)]),
    view=st.sampled_from(["neutral", "japan", "russia"]),
    lang=st.sampled_from(["en", "ja", "ru", "both"]),
    articles=st.one_of(
        st.none(),
        st.lists(st.sampled_from(FILES), min_size=1, unique=True).map(
            lambda chosen: tuple(f for f in FILES if f in chosen)
        ),
    ),
    date_from=st.sampled_from([None, "2013", "2017-03", "2017-03-20"]),
    date_to=st.sampled_from([None, "2019", "2019-05"]),
    lesson=st.sampled_from([None, "kurils-101"]),
    step=st.integers(min_value=1, max_value=11),
    events=st.one_of(st.none(), st.sets(st.sampled_from(sorted(EVENTS)), min_size=1).map(lambda e: tuple(sorted(e)))),
)


@given(states)
def test_query_round_trip(state: AppState) -> None:
    back = parse_query(to_query(state, FILES), PLACES, FILES, LESSONS, EVENTS)
    expected_articles = None if state.articles is None or set(state.articles) == set(FILES) else state.articles
    assert back.place == state.place and back.view == state.view and back.lang == state.lang
    assert back.articles == expected_articles
    assert (back.date_from, back.date_to) == (state.date_from, state.date_to)
    assert back.lesson == state.lesson
    assert back.step == (state.step if state.lesson else 1)
    assert back.events == (None if state.lesson else state.events)  # a lesson shows every article


@given(
    st.dictionaries(
        st.sampled_from(["place", "view", "lang", "articles", "from", "to", "lesson", "step", "event", "x"]),
        st.one_of(st.text(_QUERY_CHARS, max_size=30), st.lists(st.text(_QUERY_CHARS, max_size=10), max_size=3)),
    )
)
def test_any_query_parses_to_a_valid_state(query: dict) -> None:
    state = parse_query(query, PLACES, FILES, LESSONS, EVENTS)
    assert state.place in PLACES | {None}
    assert state.events is None or set(state.events) <= EVENTS
    assert state.view in ("neutral", "japan", "russia") and state.lang in ("en", "ja", "ru", "both")
    assert state.articles is None or set(state.articles) <= set(FILES)
    assert 1 <= state.step <= 11


MONTHS = ["2013-11", "2017-03", "2019-05"]


@given(
    st.one_of(st.none(), st.sampled_from(["2010", "2013-11", "2015-01", "2017-03-20", "2019-05", "2020"])),
    st.one_of(st.none(), st.sampled_from(["2010", "2013-11", "2015-01", "2017-03-20", "2019-05", "2020"])),
)
def test_slider_bounds_are_months_of_the_corpus(date_from, date_to) -> None:
    low, high = slider_bounds(date_from, date_to, MONTHS)
    assert low in MONTHS and high in MONTHS
    if date_from is None:
        assert low == MONTHS[0]
    if date_to is None:
        assert high == MONTHS[-1]


@pytest.mark.parametrize(
    ("saved", "expected"),
    [
        (("2017-03", "2019-05"), ("2017-03", "2019-05")),
        (["2013-11", "2013-11"], ("2013-11", "2013-11")),
        (None, ("2013-11", "2019-05")),
        (("2019-05", "2013-11"), ("2013-11", "2019-05")),  # reversed
        (("2012-01", "2019-05"), ("2013-11", "2019-05")),  # a month the corpus no longer has
        (("2013-11",), ("2013-11", "2019-05")),
        ("2013-11", ("2013-11", "2019-05")),
        ((["2013-11"], "2019-05"), ("2013-11", "2019-05")),  # unhashable: not a month
    ],
)
def test_the_date_slider_gets_a_range_of_the_corpus_months(saved, expected) -> None:
    assert slider_range(saved, MONTHS) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"place": "iturup", "token": "ab12:3"}, ("iturup", None, None)),
        ({"step": 4, "token": "ab12:4"}, (None, 4, None)),
        ({"view": "japan", "token": "ab12:5"}, (None, None, "japan")),
        ({"place": "treaty_1855", "step": 99, "view": "mars", "token": "ab12:6"}, (None, None, None)),
        ({"place": "<script>", "step": True, "token": "ab12:7"}, (None, None, None)),
    ],
)
def test_map_reports_accept_only_known_values(value, expected) -> None:
    event = read_event(value, PLACES, steps=11)
    assert event is not None and (event.place, event.step, event.view) == expected


@given(
    st.one_of(
        st.none(),
        st.text(max_size=20),
        st.integers(),
        st.dictionaries(st.text(max_size=8).filter(lambda k: k != "token"), st.text(max_size=8)),
    )
)
def test_malformed_map_reports_are_ignored(value) -> None:
    assert read_event(value, PLACES, steps=11) is None
    assert read_event({"place": "iturup", "token": value}, PLACES) is None or isinstance(value, str)
