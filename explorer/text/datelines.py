"""Publication date, place and outlet from the opening of a news article, in English, Russian and Japanese.

News copy says where and when it was filed, and by whom, in a dateline or a date line near the top:

* ``MOSCOW, March 12 (Reuters) -``, ``TOKYO, Feb. 20 (Kyodo) --``, ``WASHINGTON, March 3, 2026 (AP) —``;
* ``МОСКВА, 14 марта. /ТАСС/.``, ``ВЛАДИВОСТОК. 3 февраля. ИНТЕРФАКС -``, ``МОСКВА, 12 мар — РИА Новости.``;
* ``【モスクワ＝共同】`` (the day follows in the lead: ``…は18日、``);
* a date on a line of its own or in a byline near the top: ``January 9, 2026``, ``2026年2月19日 10:30``,
  ``令和8年3月15日``, ``14 марта 2026``.

:func:`find_dateline` returns what it found and how sure it is. A date with its year printed is
``printed``. A dateline without a year gets one ``inferred``: the year in which the printed day fell on the
weekday the lead names ("said on Thursday"), else the most recent such day not after ``reference`` (the
ingest date); the basis says which. A Japanese dateline gives only a day: without a printed date line
nearby, no date is given. Nothing is guessed from the article's body.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

HEAD_CHARS = 1500  # datelines and date lines sit at the very top

_MONTHS_EN = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_EN = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
# Genitive month names and the agencies' abbreviations (12 мар, 3 фев).
_MONTH_RU = (
    r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|"
    r"янв|фев|мар|апр|июн|июл|авг|сен|окт|ноя|дек)\.?"
)
_WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAYS_RU = ["понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень"]
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_OUTLETS = {
    "ИНТЕРФАКС": "Интерфакс",
    "ТАСС": "ТАСС",
    "РИА НОВОСТИ": "РИА Новости",
    "AP": "AP",
    "AFP": "AFP",
    "REUTERS": "Reuters",
    "KYODO": "Kyodo",
}

_EN_DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Z.'’ -]{{1,40}}?)(?:, [A-Z][A-Za-z.]+)?,\s+{_MONTH_EN}\s+(?P<day>\d{{1,2}})"
    rf"(?:,\s+(?P<year>\d{{4}}))?\s+\((?P<outlet>[A-Za-z][\w .&-]{{0,30}})\)\s*[-–—]+",
    re.MULTILINE,
)
_EN_PLACE_ONLY = re.compile(
    r"^(?P<place>[A-Z][A-Z.'’ -]{1,40}?)\s+\((?P<outlet>[A-Za-z][\w .&-]{0,30})\)\s*[-–—]+", re.MULTILINE
)
_RU_TASS = re.compile(
    rf"^(?P<place>[А-ЯЁ][А-ЯЁ -]{{1,40}}?),\s+(?P<day>\d{{1,2}})\s+{_MONTH_RU}(?:\s+(?P<year>\d{{4}}))?\.?\s*"
    r"(?:/(?P<outlet>[^/\n]{1,40})/|[-–—]\s*(?P<outlet2>[А-ЯЁA-Z][\w ]{1,30}?)\.)",
    re.MULTILINE,
)
_RU_INTERFAX = re.compile(
    rf"^(?P<place>[А-ЯЁ][А-ЯЁ -]{{1,40}}?)\.\s+(?P<day>\d{{1,2}})\s+{_MONTH_RU}(?:\s+(?P<year>\d{{4}}))?\.?\s+"
    r"(?P<outlet>ИНТЕРФАКС(?:-[А-ЯЁ]+)?)\s*[-–—]",
    re.MULTILINE,
)
_JA_DATELINE = re.compile(r"【(?P<place>[^＝=】\n]{1,20})[＝=]?(?P<outlet>共同|時事|ロイター|AFP|ＡＦＰ|ＡＰ|AP)】")
_JA_DAY = re.compile(r"(?<![\d０-９月])(?P<day>[0-9０-９]{1,2})日")
# Date lines: a full date with its year, on a line of its own or after a byline bar.
_FULL_DATES = [
    (re.compile(rf"\b{_MONTH_EN}\s+(\d{{1,2}}),\s+(\d{{4}})\b"), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})\s+{_MONTH_EN}\s+(\d{{4}})\b"), "dmy"),
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "iso"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "ymd"),
    (re.compile(r"(令和|平成|昭和)\s*(\d{1,2}|元)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), "era"),
    (re.compile(rf"(\d{{1,2}})\s+{_MONTH_RU}\s+(\d{{4}})"), "dmy_ru"),
]


@dataclass(frozen=True)
class Dateline:
    """What the top of an article says about its filing. ``date`` is ISO (``YYYY-MM-DD``) or ``None``."""

    text: str  # the dateline or date line as printed
    place: str | None
    outlet: str | None
    date: str | None
    date_status: str  # "printed", "inferred" or "unknown"
    date_basis: str | None


def _digits(value: str) -> int:
    return int(value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _ru_month(token: str) -> int:
    """1-12 for a Russian month name in the genitive or its agency abbreviation (мар, фев), else 0."""
    return _RU_MONTH_STEMS.get(token.lower().rstrip(".")[:3], 0)


_RU_MONTH_STEMS = {
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "мая": 5,
    "май": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}


def full_date_line(head: str) -> tuple[str, dt.date] | None:
    """The first full date (year included) in the first lines of ``head``: (as printed, date)."""
    for line in head.split("\n")[:6]:
        if len(line) > 120:  # a paragraph of text, not a date line
            continue
        for pattern, order in _FULL_DATES:
            match = pattern.search(line)
            if not match:
                continue
            groups = match.groups()
            if order == "mdy":
                date = _valid(int(groups[2]), _MONTHS_EN[groups[0].lower()], int(groups[1]))
            elif order == "dmy":
                date = _valid(int(groups[2]), _MONTHS_EN[groups[1].lower()], int(groups[0]))
            elif order == "iso" or order == "ymd":
                date = _valid(int(groups[0]), int(groups[1]), int(groups[2]))
            elif order == "era":
                year = 1 if groups[1] == "元" else int(groups[1])
                date = _valid(_ERAS[groups[0]] + year, int(groups[2]), int(groups[3]))
            else:
                date = _valid(int(groups[2]), _ru_month(groups[1]), int(groups[0]))
            if date:
                return match.group(), date
    return None


def _weekday_named(text: str) -> int | None:
    lowered = text.lower()
    for index, name in enumerate(_WEEKDAYS_EN):
        if re.search(rf"\b{name}\b", lowered):
            return index
    for index, stem in enumerate(_WEEKDAYS_RU):
        if re.search(rf"\bв\s+{stem}", lowered):
            return index
    return None


def _infer_year(month: int, day: int, lead: str, reference: dt.date) -> tuple[dt.date, str] | None:
    weekday = _weekday_named(lead)
    if weekday is not None:
        for year in range(reference.year, reference.year - 12, -1):
            date = _valid(year, month, day)
            if date and date <= reference and date.weekday() == weekday:
                name = _WEEKDAYS_EN[weekday].capitalize()
                return date, f"year inferred: the latest {date:%B} {day} on a {name} (the weekday the lead names)"
    for year in (reference.year, reference.year - 1):
        date = _valid(year, month, day)
        if date and date <= reference:
            return date, f"year inferred: the most recent {date:%B} {day} not after {reference.isoformat()}"
    return None


def _outlet_name(raw: str) -> str:
    raw = raw.strip()
    return _OUTLETS.get(raw.upper(), raw)


def find_dateline(text: str, reference: dt.date | None = None) -> Dateline | None:
    """The dateline or date line at the top of ``text`` (see the module doc), or ``None``."""
    reference = reference or dt.date.today()
    head = text[:HEAD_CHARS]
    printed = full_date_line(head)

    def with_date(raw: str, place: str | None, outlet: str | None, month: int, day: int, year: str | None) -> Dateline:
        if printed:
            return Dateline(raw, place, outlet, printed[1].isoformat(), "printed", f'date line "{printed[0]}"')
        if year:
            date = _valid(int(year), month, day)
            if date:
                return Dateline(raw, place, outlet, date.isoformat(), "printed", f'dateline "{raw.strip()}"')
        lead = head[head.find(raw) + len(raw) :][:400]
        inferred = _infer_year(month, day, lead, reference) if month else None
        if inferred:
            return Dateline(
                raw, place, outlet, inferred[0].isoformat(), "inferred", f'dateline "{raw.strip()}"; {inferred[1]}'
            )
        return Dateline(raw, place, outlet, None, "unknown", None)

    match = _EN_DATELINE.search(head)
    if match:
        month = _MONTHS_EN[match.group(2).lower()]
        return with_date(
            match.group(), match.group("place").strip().title(), _outlet_name(match.group("outlet")), month,
            int(match.group("day")), match.group("year"),
        )  # fmt: skip
    for pattern in (_RU_TASS, _RU_INTERFAX):
        match = pattern.search(head)
        if match:
            outlet = match.groupdict().get("outlet") or match.groupdict().get("outlet2") or ""
            return with_date(
                match.group(), match.group("place").strip().title(), _outlet_name(outlet),
                _ru_month(match.group(3)), int(match.group("day")), match.group("year"),
            )  # fmt: skip
    match = _JA_DATELINE.search(head)
    if match:
        place, outlet = match.group("place"), match.group("outlet")
        if printed:
            return Dateline(
                match.group(), place, outlet, printed[1].isoformat(), "printed", f'date line "{printed[0]}"'
            )
        return Dateline(match.group(), place, outlet, None, "unknown", None)
    match = _EN_PLACE_ONLY.search(head)
    if match:
        place, outlet = match.group("place").strip().title(), _outlet_name(match.group("outlet"))
        if printed:
            return Dateline(
                match.group(), place, outlet, printed[1].isoformat(), "printed", f'date line "{printed[0]}"'
            )
        return Dateline(match.group(), place, outlet, None, "unknown", None)
    if printed:
        return Dateline(printed[0], None, None, printed[1].isoformat(), "printed", f'date line "{printed[0]}"')
    return None
