"""Fact candidates: sentences that look like reports of a military system, unit or exercise at a place.

Candidates are for curators to check, never facts: each row has ``status: candidate``; the status
the sentence reports (deployed, planned, held, ...) is in ``reported_status``. Rows have the shape of
:func:`explorer.corpus.facts.facts_json`'s facts (plus ``reported_status``, ``trigger`` and ``specific``).

Rules (data: the systems gazetteer ``geodata/systems.yaml`` and ``geodata/candidate_rules.yaml``):

* a sentence (passage of kind ``sentence``/``headline``) is a candidate when it has a system, unit or
  facility of the systems gazetteer (EN/RU/JA; full-width letters read as ASCII), links at least one
  gazetteer place (``where``: every place linked in the sentence, named, a feature of an island or an
  anaphor, except ``ignore_places`` such as Moscow and Tokyo, which usually stand for governments) and has
  a deployment predicate (a status keyword: deployed, arrived, plans to, agreed, held ...; a protest alone
  is not one);
* excluded: negated sentences (no/not/never/нет/не/ない ...), hypothetical ones (could, might, may,
  would, мог, бы, かもしれ ...), civilian uses (fishing, museum, airport, tourism, ferry ...) and a
  garrison's daily life (sport, schools, shops, festivals, hospitals). Plans ("plans to deploy", "will be
  deployed") are kept, with ``reported_status: planned``; exercises get ``reported_status: exercise``;
* excluded too: a sentence that overlaps the quote of a curated account in the same file (it is
  already a fact);
* ``what``: the system keywords of the sentence, merged when adjacent ("land-to-air missile systems");
  ``category``: the first matching entry of the systems gazetteer (named systems before generic words);
* ``when``: an explicit date ("May 10, 2019", "November 2013", "в ноябре 2016 года", "2016年11月", era
  years "令和7年12月"), else a relative one resolved against the article's date: a month with a relative
  year ("November last year", "в ноябре прошлого года", "昨年12月"), a part of a month ("early March",
  "в начале марта", "1月下旬", "今月上旬"; precision month, the basis names the part), "N days ago", "last
  year", "earlier this month", month names alone (the most recent such month; the next one for a plan),
  weekdays ("on Monday") and Japanese days of the month ("18日"); else "in 2016". A state reported
  without a date (deployed, existing) holds "as of publication" (``when_source: publication``).
  ``when_basis`` says how; a relative date in an undated article stays unknown;
* ``count``: a number before the system ("two battalions of S-300V4", "4 launchers", "две дивизии") or a
  Japanese counter after it ("ミサイル4基", "３個大隊"); years and model numbers ("S-300") are not counts.

Candidate contradictions: two accounts (curated or candidate, at least one a candidate) that share a
place and a time (the same month, or the same year when one of them is only known to the year) and
disagree: on the kind of system (both specific, both military systems, different categories), on
the date (same category, same year, different months or days), or on the count (same category).
Exercises are never compared (two exercises at one place are two events), nor is a date that is only
the article's own ("as of publication").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from explorer.corpus.documents import Document
from explorer.corpus.facts import CONTEXT, FactSet, facts_json, load_facts
from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH, GEODATA_DIR
from explorer.data.readers import read_yaml
from explorer.data.schema import CandidateRules, Systems

RULES_PATH = GEODATA_DIR / "candidate_rules.yaml"
SYSTEMS_PATH = GEODATA_DIR / "systems.yaml"
SYSTEM_CATEGORIES = {"coastal_missile_system", "air_defence", "radar", "missile_defence", "warship", "troops"}
# Full-width ASCII (Ｓ３００Ｖ４, ４基) read as ASCII, one character for one, so offsets hold.
_FULLWIDTH = str.maketrans({chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})


# --- Rules -------------------------------------------------------------------------------------


def _keyword_pattern(keyword: str) -> str:
    if keyword.startswith("~"):
        return re.escape(keyword[1:])
    if any("\u3040" <= ch <= "\u9fff" for ch in keyword):
        return re.escape(keyword)
    sensitive = keyword.startswith("=")
    word = keyword.lstrip("=")
    star = word.endswith("*")
    body = re.escape(word.rstrip("*")).replace(r"\ ", r"\s+").replace(r"\-", r"[-\u2010\u2011]")
    body += r"\w*" if star else ""
    body = rf"(?<!\w){body}(?!\w)"
    return body if sensitive else f"(?i:{body})"


def _compile(group: dict) -> re.Pattern[str] | None:
    words = [w for lang in ("en", "ru", "ja") for w in group.get(lang) or []]
    odd = [w for w in words if not isinstance(w, str) or not w.strip("=~*")]
    if odd:
        raise TypeError(f"keywords must be text, not {odd!r} (quote no/yes/on/off in YAML)")
    if not words:
        return None
    # Longest first so that "missile systems" wins over "missile" at the same place.
    return re.compile("|".join(_keyword_pattern(w) for w in sorted(words, key=len, reverse=True)))


def compile_keywords(group: dict) -> re.Pattern[str] | None:
    """One pattern for the keywords of a group (``{"en": [...], "ru": [...], "ja": [...]}``) as the rules and the
    systems gazetteer use them; ``None`` when it has none. Raises TypeError for a keyword that is no text."""
    return _compile(group)


@dataclass(frozen=True)
class Rules:
    systems: list[tuple[str, bool, re.Pattern[str]]]
    status: list[tuple[str, re.Pattern[str]]]
    default_status: str
    default_by_category: dict[str, str]
    exclude: list[tuple[str, re.Pattern[str]]]
    ignore_places: frozenset[str]


def load_rules(path: Path = RULES_PATH) -> Rules:
    """Read and compile ``candidate_rules.yaml``; raises :class:`DataError` naming the problem."""
    return _load_rules(str(path))


@lru_cache(maxsize=4)
def _load_rules(path: str) -> Rules:
    # The schema model refuses unknown keys, repeated keys and non-text keywords, naming the line.
    raw = read_yaml(Path(path), CandidateRules).model_dump()
    try:
        # The systems gazetteer (geodata/systems.yaml), unless the rules file lists its own systems.
        if raw.get("systems"):
            entries, source = raw["systems"], path
        else:
            systems_path = Path(path).with_name(SYSTEMS_PATH.name)
            source = str(systems_path if systems_path.is_file() else SYSTEMS_PATH)
            entries = [
                {"category": e["category"], "specific": e["specific"], **e["names"]}
                for e in read_yaml(Path(source), Systems).model_dump()["systems"]
            ]
        systems = []
        for index, entry in enumerate(entries):
            pattern = _compile(entry)
            if pattern is None:
                raise DataError(source, "has no keywords", f"systems[{index}]")
            systems.append((entry["category"], bool(entry.get("specific", True)), pattern))
        status = [(name, p) for name, group in raw["status"].items() if (p := _compile(group))]
        exclude = [(name, p) for name, group in raw["exclude"].items() if (p := _compile(group))]
        return Rules(
            systems,
            status,
            raw.get("default_status", "existing"),
            dict(raw.get("default_status_by_category") or {}),
            exclude,
            frozenset(raw.get("ignore_places") or ()),
        )
    except (KeyError, TypeError, AttributeError, re.error) as err:
        raise DataError(path, f"is not a valid rules file ({type(err).__name__}: {err})") from None


# --- Dates -------------------------------------------------------------------------------------

_MONTHS_EN = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS_EN.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS_EN["sept"] = 9
_MONTH_EN = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_RU_GEN = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]
_RU_PREP = [
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
]
_RU_GEN_RE = "(" + "|".join(_RU_GEN) + ")"
_RU_PREP_RE = "(" + "|".join(_RU_PREP) + ")"

_RELATIVE = [  # (pattern, unit, offset)
    (r"(?i)\b(?:earlier |later )?this month\b|в этом месяце|今月", "month", 0),
    (r"(?i)\blast month\b|в прошлом месяце|先月", "month", -1),
    (r"(?i)\bnext month\b|в следующем месяце|来月", "month", 1),
    (r"(?i)\b(?:earlier |later )?this year\b|в этом году|в текущем году|今年", "year", 0),
    (r"(?i)\blast year\b|в прошлом году|昨年|去年", "year", -1),
    (r"(?i)\bnext year\b|в следующем году|в будущем году|来年", "year", 1),
]


@dataclass(frozen=True)
class When:
    when: str | None
    precision: str
    basis: str


def _article_parts(date: str | None) -> tuple[int | None, int | None, int | None]:
    if not date:
        return None, None, None
    parts = [int(p) for p in date.split("-")]
    return (parts + [None, None])[:3]  # type: ignore[return-value]


def resolve_when(sentence: str, article_date: str | None, future: bool = False) -> When:
    """The date a sentence gives, resolved against the article's date (see the module doc)."""
    year, month, day = _article_parts(article_date)
    dated = f"an article dated {article_date}" if article_date else "an undated article"

    def iso(y: int, m: int | None = None, d: int | None = None) -> str:
        return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if d else "")

    m: int
    d: int | None  # a month without a day, further down
    # Explicit dates first.
    for pattern, order in (
        (rf"\b{_MONTH_EN}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", "mdy"),
        (rf"\b(\d{{1,2}})\s+{_MONTH_EN}\s+(\d{{4}})\b", "dmy"),
        (rf"(\d{{1,2}})\s+{_RU_GEN_RE}\s+(\d{{4}})", "dmy_ru"),
        (r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "ymd"),
    ):
        match = re.search(pattern, sentence)
        if match:
            a, b, c = match.groups()
            if order == "mdy":
                y, m, d = int(c), _MONTHS_EN[a.lower()], int(b)
            elif order == "dmy":
                y, m, d = int(c), _MONTHS_EN[b.lower()], int(a)
            elif order == "dmy_ru":
                y, m, d = int(c), _RU_GEN.index(b) + 1, int(a)
            else:
                y, m, d = int(a), int(b), int(c)
            if _valid(y, m, d):
                return When(iso(y, m, d), "day", f'"{match.group().strip()}" (explicit)')
    for pattern, kind in (
        (rf"\b{_MONTH_EN},?\s+(\d{{4}})\b", "en"),
        (rf"(?i)в\s+{_RU_PREP_RE}\s+(\d{{4}})", "ru"),
        (r"(\d{4})\s*年\s*(\d{1,2})\s*月", "ja"),
    ):
        match = re.search(pattern, sentence)
        if match:
            a, b = match.groups()
            if kind == "en":
                y, m = int(b), _MONTHS_EN[a.lower()]
            elif kind == "ru":
                y, m = int(b), _RU_PREP.index(a.lower()) + 1
            else:
                y, m = int(a), int(b)
            if _valid(y, m, 1):
                return When(iso(y, m), "month", f'"{match.group().strip()}" (explicit)')
    extra = _resolve_extra(sentence, article_date, future)
    if extra is not None:
        return extra
    # Relative expressions.
    for pattern, unit, offset in _RELATIVE:
        match = re.search(pattern, sentence)
        if match:
            phrase = match.group()
            if year is None or (unit == "month" and month is None):
                return When(None, "unknown", f'"{phrase}" in {dated}: cannot be resolved')
            if unit == "year":
                return When(iso(year + offset), "year", f'"{phrase}" in {dated}: {year + offset}')
            total = year * 12 + (month - 1) + offset  # type: ignore[operator]
            resolved = iso(total // 12, total % 12 + 1)
            return When(resolved, "month", f'"{phrase}" in {dated}: {resolved}')
    # A month (maybe with a day) without a year.
    for pattern, kind in (
        (rf"\b{_MONTH_EN}(?:\s+(\d{{1,2}}))?\b(?!,?\s+\d{{4}})", "en"),
        (rf"(?i)\bв\s+{_RU_PREP_RE}\b", "ru"),
        (rf"(\d{{1,2}})\s+{_RU_GEN_RE}(?!\s+\d{{4}})", "ru_day"),
        (r"(?<![\d年])(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?", "ja"),
    ):
        for match in re.finditer(pattern, sentence):
            groups = match.groups()
            if kind == "en":
                if (
                    groups[0] == "May"
                    and not groups[1]
                    and not re.match(
                        r"(?i)(in|since|by|until|early|late|mid)\s",
                        sentence[max(0, match.start() - 6) : match.start()].strip() + " ",
                    )
                ):
                    continue  # "May" without a day and not after "in": likely the verb
                m, d = _MONTHS_EN[groups[0].lower()], int(groups[1]) if groups[1] else None
            elif kind == "ru":
                m, d = _RU_PREP.index(groups[0].lower()) + 1, None
            elif kind == "ru_day":
                m, d = _RU_GEN.index(groups[1].lower()) + 1, int(groups[0])
            else:
                m, d = int(groups[0]), int(groups[1]) if groups[1] else None
            if not 1 <= m <= 12 or (d is not None and not 1 <= d <= 31):
                continue
            phrase = match.group().strip()
            if year is None or month is None:
                return When(None, "unknown", f'"{phrase}" in {dated}: the year cannot be resolved')
            same_month_ok = d is None or day is None
            if future:
                later = m > month or (m == month and (same_month_ok or d >= day))  # type: ignore[operator]
                y, rule = (year if later else year + 1), "the next"
            else:
                earlier = m < month or (m == month and (same_month_ok or d <= day))  # type: ignore[operator]
                y, rule = (year if earlier else year - 1), "the most recent"
            if d is not None and not _valid(y, m, d):
                continue
            resolved = iso(y, m, d)
            what = calendar.month_name[m] + (f" {d}" if d else "")
            return When(resolved, "day" if d else "month", f'"{phrase}" in {dated}: {rule} {what}, {resolved}')
    late = _resolve_days(sentence, article_date, future)
    if late is not None:
        return late
    match = re.search(
        r"(?i)\b(?:in|since|by)\s+((?:19|20)\d{2})\b|в\s+((?:19|20)\d{2})\s+году|((?:19|20)\d{2})\s*年", sentence
    )
    if match:
        value = next(g for g in match.groups() if g)
        return When(value, "year", f'"{match.group().strip()}" (explicit)')
    return When(None, "unknown", "the sentence gives no date")


_PARTS = {
    "early": "early",
    "beginning of": "early",
    "mid": "mid",
    "middle of": "mid",
    "late": "late",
    "end of": "late",
    "начале": "early",
    "первой половине": "early",
    "середине": "mid",
    "конце": "late",
    "второй половине": "late",
    "上旬": "early",
    "初旬": "early",
    "初め": "early",
    "中旬": "mid",
    "下旬": "late",
    "末": "late",
}
_PART_DAYS = {"early": "days 1-10", "mid": "days 11-20", "late": "days 21 to the end"}
_PART_EN = r"([Ee]arly|[Mm]id|[Ll]ate|the beginning of|the middle of|the end of)[\s-]+"
_PART_RU = r"(начале|середине|конце|первой половине|второй половине)"
_PART_JA = r"(上旬|中旬|下旬|初旬|初め|末)"
_YEAR_WORDS = {
    "last": -1,
    "this": 0,
    "next": 1,
    "прошлого": -1,
    "этого": 0,
    "текущего": 0,
    "следующего": 1,
    "будущего": 1,
    "昨年": -1,
    "去年": -1,
    "今年": 0,
    "来年": 1,
}
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_SMALL_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_SMALL_NUMBERS.update({"два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9})
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAYS_RU = ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"]


def _part_name(raw: str | None) -> str | None:
    if not raw:
        return None
    key = raw.lower().replace("the ", "")
    return _PARTS.get(key)


def _month_when(y: int, m: int, part: str | None, phrase: str, how: str) -> When:
    iso = f"{y:04d}-{m:02d}"
    detail = f" ({part} {calendar.month_name[m]}, {_PART_DAYS[part]})" if part else ""
    return When(iso, "month", f'"{phrase}"{detail}: {how}{iso}')


def _bare_month_year(m: int, year: int, month: int, future: bool) -> int:
    """The year of a month named without one: the most recent (the next, for a plan) such month."""
    if future:
        return year if m >= month else year + 1
    return year if m <= month else year - 1


def _resolve_extra(sentence: str, article_date: str | None, future: bool) -> When | None:
    """Era years, months with a relative year, parts of months (early/mid/late, 上旬/中旬/下旬, в начале),
    "N days ago" and "yesterday". ``None`` when the sentence has none of them.

    Long because it is one ordered cascade of date rules, like :func:`resolve_when` whose middle it is: the
    first rule that matches wins (an era year, then a month with a relative year, then a part of a month,
    then "days ago"), so the order is the logic and reads top to bottom.
    """
    year, month, day = _article_parts(article_date)
    dated = f"an article dated {article_date}" if article_date else "an undated article"
    match = re.search(r"(令和|平成|昭和)\s*(\d{1,2}|元)\s*年(?:\s*(\d{1,2})\s*月)?", sentence)
    if match:
        y = _ERAS[match.group(1)] + (1 if match.group(2) == "元" else int(match.group(2)))
        if match.group(3) and 1 <= int(match.group(3)) <= 12:
            return _month_when(y, int(match.group(3)), None, match.group(), "era year, ")
        return When(f"{y:04d}", "year", f'"{match.group()}": era year {y}')
    # A month with a relative year: "in November last year", "в ноябре прошлого года", "昨年12月下旬".
    for pattern, kind in (
        (rf"(?:{_PART_EN})?{_MONTH_EN}\s+(last|this|next)\s+year\b", "en"),
        (
            rf"во?\s+(?:{_PART_RU}\s+{_RU_GEN_RE}|{_RU_PREP_RE})\s+(прошлого|этого|текущего|следующего|будущего)\s+года",
            "ru",
        ),
        (rf"(昨年|去年|今年|来年)\s*(\d{{1,2}})\s*月\s*{_PART_JA}?", "ja"),
    ):
        found = re.search(pattern, sentence, re.IGNORECASE if kind == "ru" else 0)
        if not found:
            continue
        groups = found.groups()
        if kind == "en":
            part, m, offset = _part_name(groups[0]), _MONTHS_EN[groups[1].lower()], _YEAR_WORDS[groups[2]]
        elif kind == "ru":
            part = _part_name(groups[0])
            m = _RU_GEN.index(groups[1].lower()) + 1 if groups[1] else _RU_PREP.index(groups[2].lower()) + 1
            offset = _YEAR_WORDS[groups[3].lower()]
        else:
            offset, m, part = _YEAR_WORDS[groups[0]], int(groups[1]), _part_name(groups[2])
        if not 1 <= m <= 12:
            continue
        if year is None:
            return When(None, "unknown", f'"{found.group()}" in {dated}: cannot be resolved')
        return _month_when(year + offset, m, part, found.group().strip(), f"in {dated}: ")
    # A part of a month: "in early March", "в начале марта", "1月下旬", "今月上旬".
    found = re.search(r"(今月|先月|来月)\s*" + _PART_JA, sentence)
    if found:
        if year is None or month is None:
            return When(None, "unknown", f'"{found.group()}" in {dated}: cannot be resolved')
        total = year * 12 + month - 1 + {"今月": 0, "先月": -1, "来月": 1}[found.group(1)]
        return _month_when(total // 12, total % 12 + 1, _part_name(found.group(2)), found.group(), f"in {dated}: ")
    for pattern, kind in (
        (rf"\b{_PART_EN}{_MONTH_EN}(?:,?\s+(\d{{4}}))?", "en"),
        (rf"(?i)во?\s+{_PART_RU}\s+{_RU_GEN_RE}(?:\s+(\d{{4}}))?", "ru"),
        (rf"(?:(\d{{4}})\s*年\s*)?(?<![\d])(\d{{1,2}})\s*月\s*{_PART_JA}", "ja"),
    ):
        found = re.search(pattern, sentence)
        if not found:
            continue
        groups = found.groups()
        if kind == "en":
            part, m, explicit = _part_name(groups[0]), _MONTHS_EN[groups[1].lower()], groups[2]
        elif kind == "ru":
            part, m, explicit = _part_name(groups[0]), _RU_GEN.index(groups[1].lower()) + 1, groups[2]
        else:
            explicit, m, part = groups[0], int(groups[1]), _part_name(groups[2])
        if not 1 <= m <= 12:
            continue
        if explicit:
            return _month_when(int(explicit), m, part, found.group().strip(), "explicit, ")
        if year is None or month is None:
            return When(None, "unknown", f'"{found.group().strip()}" in {dated}: the year cannot be resolved')
        y = _bare_month_year(m, year, month, future)
        return _month_when(
            y, m, part, found.group().strip(), f"in {dated}, the {'next' if future else 'most recent'}: "
        )
    # "three days ago", "3 дня назад", "3日前", "yesterday".
    found = re.search(
        r"(?i)\b(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+days\s+ago\b"
        r"|(\d{1,3}|два|три|четыре|пять|шесть|семь|восемь|девять)\s+(?:дня|дней)\s+назад"
        r"|(\d{1,3})\s*日前|\b(yesterday)\b|(вчера)|(昨日)",
        sentence,
    )
    if found:
        raw = next(g for g in found.groups() if g)
        days = 1 if raw.lower() in ("yesterday", "вчера", "昨日") else _SMALL_NUMBERS.get(raw.lower()) or int(raw)
        if year is None or month is None or day is None:
            return When(None, "unknown", f'"{found.group()}" in {dated}: needs the day of publication')
        when = dt.date(year, month, day) - dt.timedelta(days=days)
        return When(when.isoformat(), "day", f'"{found.group()}" in {dated}: {when.isoformat()}')
    return None


def _resolve_days(sentence: str, article_date: str | None, future: bool) -> When | None:
    """A weekday ("on Monday", "в понедельник") or a bare Japanese day of the month ("18日"), resolved to the
    most recent such day on or before the article's date (the next one for a plan)."""
    year, month, day = _article_parts(article_date)
    found = re.search(
        r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
        r"|\bв\s+(понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)\b",
        sentence,
    )
    if found:
        weekday = _WEEKDAYS.index(found.group(1).lower()) if found.group(1) else _WEEKDAYS_RU.index(found.group(2))
        if year is None or month is None or day is None:
            return When(None, "unknown", f'"{found.group()}" in an undated article: cannot be resolved')
        published = dt.date(year, month, day)
        shift = (weekday - published.weekday()) % 7 if future else -((published.weekday() - weekday) % 7)
        when = published + dt.timedelta(days=shift)
        rule = "the next" if future else "the most recent"
        return When(
            when.isoformat(), "day", f'"{found.group()}" in an article dated {article_date}: {rule} {when:%A}, {when}'
        )
    found = re.search(r"(?<![\d年月０-９])(\d{1,2})日(?![前間])", sentence.translate(_FULLWIDTH))
    if found and year is not None and month is not None and day is not None:
        d = int(found.group(1))
        y, m = year, month
        if not future and d > day:
            y, m = (year, month - 1) if month > 1 else (year - 1, 12)
        elif future and d < day:
            y, m = (year, month + 1) if month < 12 else (year + 1, 1)
        if _valid(y, m, d):
            iso = f"{y:04d}-{m:02d}-{d:02d}"
            return When(iso, "day", f'"{found.group()}" in an article dated {article_date}: {iso}')
    return None


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


# --- Counts ------------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "a pair of": 2,
    "a dozen": 12,
    "один": 1,
    "одна": 1,
    "одну": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
}
_COUNT_BEFORE = re.compile(
    r"(?i)(?<![\w\-–.])(\d{1,3}(?:[,\s]\d{3})*|\d+|"
    + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
    + r")\s+(?:[\w\-]+\s+){0,4}$"
)
_JA_COUNTER = re.compile(r"^[^。、]{0,6}?([0-9０-９]+|[一二三四五六七八九十]+)\s*(?:基|隻|機|個|両|人|台)")
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def count_before(sentence: str, start: int, end: int) -> int | None:
    """The number right before the system at ``sentence[start:end]``, if any."""
    match = _COUNT_BEFORE.search(sentence[max(0, start - 60) : start])
    if match:
        token = match.group(1).lower()
        if token in _NUMBER_WORDS:
            return _NUMBER_WORDS[token]
        digits = re.sub(r"[,\s]", "", token)
        if digits.isdigit():
            value = int(digits)
            if not (len(digits) == 4 and 1900 <= value <= 2100):
                return value
    ja = _JA_COUNTER.match(sentence[end : end + 12])
    if ja:
        raw = ja.group(1)
        import unicodedata

        raw = unicodedata.normalize("NFKC", raw)
        if raw.isdigit():
            return int(raw)
        if raw == "十":
            return 10
        if len(raw) == 1:
            return _KANJI_DIGITS.get(raw)
    return None


# --- Candidates --------------------------------------------------------------------------------

_YO = str.maketrans({"ё": "е", "Ё": "Е", "\u00a0": " ", "’": "'"})


def _curated_spans(curated: FactSet | None, file: str) -> list[tuple[int, int]]:
    if curated is None:
        return []
    return [(a.quote.start, a.quote.end) for _, a in curated.accounts() if a.file == file]


def candidates(
    document: Document, gazetteer, linker, curated: FactSet | None, *, rules: Rules | None = None
) -> tuple[list[dict], list[dict]]:
    """Fact candidates of one document, and their contradictions with each other and with ``curated``.

    ``gazetteer`` is a :class:`~explorer.data.gazetteer.PlaceIndex` (unknown places are dropped),
    ``linker`` a :class:`~explorer.text.linking.Linker` built from it.

    Long because it is one pass over the sentences whose ``continue`` steps are the rules, in order (inside
    a curated fact's span, excluded, no system named, no deployment predicate), and the dict it appends is
    the candidate row's one definition (``facts --candidates`` and the scan's CANDIDATES table read it).
    """
    rules = rules or load_rules()
    text = document.text
    article_date = document.article.date if document.article else None
    links = linker.link(text, document.file, document.passages)
    by_passage: dict[str, list[str]] = {}
    for link in links:
        if link.passage and link.place not in rules.ignore_places and link.place in gazetteer:
            places = by_passage.setdefault(link.passage, [])
            if link.place not in places:
                places.append(link.place)
    taken = _curated_spans(curated, document.file)
    stem = document.stem.lower()
    rows = []
    for passage in document.passages:
        if passage.kind not in ("sentence", "headline") or passage.id not in by_passage:
            continue
        if any(s < passage.end and passage.start < e for s, e in taken):
            continue
        sentence = text[passage.start : passage.end]
        plain = sentence.translate(_YO).translate(_FULLWIDTH)
        if any(pattern.search(plain) for _, pattern in rules.exclude):
            continue
        found: list[tuple] = []  # (start, end, category, specific, rule order)
        for order, (category, specific, pattern) in enumerate(rules.systems):
            found.extend((m.start(), m.end(), category, specific, order) for m in pattern.finditer(plain))
        if not found:
            continue
        best = min(found, key=lambda f: f[4])
        # What: the best keyword merged with keywords right next to it.
        spans = sorted((f[0], f[1]) for f in found)
        w_start, w_end = best[0], best[1]
        changed = True
        while changed:
            changed = False
            for s, e in spans:
                if s < w_start and 0 <= w_start - e <= 1 or w_end <= s <= w_end + 1 and e > w_end:
                    w_start, w_end = min(w_start, s), max(w_end, e)
                    changed = True
        category = best[2]
        # A deployment predicate is required (deployed, arrived, plans to, held ...): a protest alone, or a
        # system merely named, is not a report of a deployment.
        said = [name for name, pattern in rules.status if pattern.search(plain)]
        if not [name for name in said if name != "opposed"]:
            continue
        reported = said[0]
        if category == "exercise" and reported in ("held", "deployed", "existing", "opposed"):
            reported = rules.default_by_category.get("exercise", "exercise")
        when = resolve_when(sentence, article_date, future=reported == "planned")
        when_source = "text"
        if when.when is None and article_date and reported in ("deployed", "existing") and when.precision == "unknown":
            # A state reported with no date of its own holds as of the article's date.
            precision = {4: "year", 7: "month", 10: "day"}[len(article_date)]
            when = When(article_date, precision, f"as of publication ({article_date}): the sentence gives no date")
            when_source = "publication"
        start, end = passage.start, passage.end
        rows.append(
            {
                "id": f"candidate.{stem}.{start}",
                "event": None,
                "title": sentence[w_start:w_end],
                "file": document.file,
                "what": sentence[w_start:w_end],
                "category": category,
                "where": by_passage[passage.id],
                "when": when.when,
                "when_precision": when.precision,
                "when_basis": when.basis,
                "when_source": when_source,
                "who": None,
                "status": "candidate",
                "reported_status": reported,
                "count": count_before(sentence, w_start, w_end),
                "quote": sentence,
                "prefix": text[max(0, start - CONTEXT) : start],
                "suffix": text[end : end + CONTEXT],
                "start": start,
                "end": end,
                "trigger": sentence[best[0] : best[1]],
                "specific": best[3],
            }
        )
    curated_rows = facts_json(curated)["facts"] if curated else []
    return rows, contradictions(rows, curated_rows)


def _same_time(a: dict, b: dict) -> bool:
    if not a["when"] or not b["when"] or a["when"][:4] != b["when"][:4]:
        return False
    if len(a["when"]) == 4 or len(b["when"]) == 4:
        return True
    return a["when"][:7] == b["when"][:7]


def _disagreement(a: dict, b: dict) -> str | None:
    if not set(a["where"]) & set(b["where"]) or not a["when"] or not b["when"] or a["when"][:4] != b["when"][:4]:
        return None
    if "exercise" in (a["category"], b["category"]):
        return None  # two exercises at one place are two events, not two accounts of one
    if any(
        r.get("when_source") == "publication" or (r.get("when_basis") or "").startswith("As of publication")
        for r in (a, b)
    ):
        return None  # a date that is only the article's own date says nothing against another account
    specific = a.get("specific", True) and b.get("specific", True)
    if a["category"] != b["category"]:
        if specific and _same_time(a, b) and {a["category"], b["category"]} <= SYSTEM_CATEGORIES:
            return f"{a['file']} reports {a['what']!r} ({a['category']}); {b['file']} reports {b['what']!r} ({b['category']})"
        return None
    if (
        len(a["when"]) >= 7
        and len(b["when"]) >= 7
        and (a["when"][:7] != b["when"][:7] or (len(a["when"]) == len(b["when"]) == 10 and a["when"] != b["when"]))
    ):
        return f"{a['file']} dates it {a['when']}; {b['file']} dates it {b['when']}"
    if _same_time(a, b) and a.get("count") is not None and b.get("count") is not None and a["count"] != b["count"]:
        return f"{a['file']} counts {a['count']}; {b['file']} counts {b['count']}"
    return None


def contradictions(rows: list[dict], curated_rows: list[dict] | None = None) -> list[dict]:
    """Pairs that disagree (see the module doc); at least one of each pair is a candidate."""
    out = []
    pool = list(rows) + list(curated_rows or [])
    for i, a in enumerate(rows):
        for b in pool[i + 1 :]:
            if a["file"] == b["file"] and a["start"] < b["end"] and b["start"] < a["end"]:
                continue
            why = _disagreement(a, b)
            if why:
                out.append(
                    {
                        "event": b.get("event"),
                        "a": {"id": a["id"], "file": a["file"], "quote": a["quote"]},
                        "b": {"id": b["id"], "file": b["file"], "quote": b["quote"]},
                        "why": why,
                    }
                )
    return out


def candidates_report(
    files: list[Path] | None, corpus: Path | None = None, *, gazetteer_path: Path = GAZETTEER_PATH
) -> tuple[dict, list[DataError]]:
    """``{"facts": [...], "contradictions": [...]}`` for ``files`` (default: the whole corpus), and
    the files that could not be read. Contradictions are computed across all the candidates and the
    curated facts."""
    from explorer.corpus.documents import corpus_metadata, corpus_view, load_corpus, load_document
    from explorer.data.gazetteer import load_gazetteer
    from explorer.text.linking import Linker

    gazetteer = load_gazetteer(gazetteer_path)
    linker = Linker(gazetteer.data)
    view = corpus_view(corpus)
    usable = all(folder.is_dir() for folder in view.folders)
    curated = load_facts(view.facts_folder) if usable else None
    metadata = corpus_metadata(view) if usable else {}
    problems: list[DataError] = []
    documents = []
    if files:
        for path in files:
            try:
                documents.append(load_document(Path(path), metadata.get(Path(path).name)))
            except DataError as err:
                problems.append(err)
    else:
        loaded = load_corpus(corpus)
        problems.extend(loaded.problems)
        for doc in loaded.documents:
            article = metadata.get(doc.file)
            documents.append(doc if article is doc.article or article is None else load_document(doc.path, article))
    rows: list[dict] = []
    for document in documents:
        found, _ = candidates(document, gazetteer, linker, curated)
        rows.extend(found)
    curated_rows = facts_json(curated)["facts"] if curated else []
    return {"facts": rows, "contradictions": contradictions(rows, curated_rows)}, problems


def candidates_json(files: list[Path] | None, corpus: Path | None = None) -> dict:
    """What ``python -m explorer facts --candidates [FILE ...] --format json`` prints."""
    data, _ = candidates_report(files, corpus)
    return data
