"""Datelines and date lines: publication date, place and outlet from the top of an article."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.text.datelines import find_dateline

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize(
    ("text", "date", "status", "place", "outlet"),
    [
        (
            "Title\n\nMOSCOW, March 12 (Reuters) - Russia said on Thursday",
            "2026-03-12",
            "inferred",
            "Moscow",
            "Reuters",
        ),
        ("TOKYO, Feb. 20 (Kyodo) -- The ministry said Friday", "2026-02-20", "inferred", "Tokyo", "Kyodo"),
        ("WASHINGTON, March 3, 2025 (AP) — Officials said", "2025-03-03", "printed", "Washington", "AP"),
        ("МОСКВА, 14 марта. /ТАСС/. Два дивизиона", "2026-03-14", "inferred", "Москва", "ТАСС"),
        ("ВЛАДИВОСТОК. 3 февраля. ИНТЕРФАКС - Корабли", "2026-02-03", "inferred", "Владивосток", "Интерфакс"),
        ("МОСКВА, 12 мар — РИА Новости. Текст", "2026-03-12", "inferred", "Москва", "РИА Новости"),
        (
            "見出し\n\n2026年2月19日 10:30\n\n【モスクワ＝共同】ロシア国防省は18日",
            "2026-02-19",
            "printed",
            "モスクワ",
            "共同",
        ),
        ("見出し\n\n令和8年3月15日\n\n本文。", "2026-03-15", "printed", None, None),
        ("Headline\n\nBy a correspondent | January 9, 2026\n\nText.", "2026-01-09", "printed", None, None),
        ("Заголовок\n\n14 марта 2025\n\nТекст.", "2025-03-14", "printed", None, None),
    ],
)
def test_dateline_formats(text, date, status, place, outlet) -> None:
    found = find_dateline(text, TODAY)
    assert found is not None
    assert (found.date, found.date_status, found.place, found.outlet) == (date, status, place, outlet)
    assert found.date_basis and found.text in text


def test_weekday_in_the_lead_picks_the_year() -> None:
    # 12 March fell on a Thursday in 2026 and 2020; the latest not after the reference wins.
    found = find_dateline("MOSCOW, March 12 (Reuters) - said on Thursday.", dt.date(2025, 12, 1))
    assert found is not None and found.date == "2020-03-12" and "Thursday" in (found.date_basis or "")


def test_a_date_after_the_reference_goes_back_a_year() -> None:
    found = find_dateline("МОСКВА, 28 декабря. /ТАСС/. Текст", dt.date(2026, 12, 2))
    assert found is not None and found.date == "2025-12-28"


@pytest.mark.parametrize(
    "text",
    [
        "【モスクワ＝共同】ロシア国防省は18日、発表した。",  # a day only: no date is guessed
        "色丹島で上陸訓練\n\nロシア太平洋艦隊は、中旬に実施したと発表した。",
        "Russia said on Thursday it had deployed missiles in March 2016.",  # a date in the body is not a dateline
    ],
)
def test_no_date_is_invented(text) -> None:
    found = find_dateline(text, TODAY)
    assert found is None or found.date is None


def test_invalid_day_gives_no_date() -> None:
    found = find_dateline("MOSCOW, Feb. 30 (Reuters) - Text", TODAY)
    assert found is not None and found.date is None


@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    found = find_dateline(text, TODAY)
    if found is not None and found.date:
        dt.date.fromisoformat(found.date)
