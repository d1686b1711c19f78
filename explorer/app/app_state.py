"""The app's state and its URL form, without Streamlit: parsing, defaults and the deep-link round trip.

The state lives in the URL query so a link reopens exactly the same view::

    ?place=iturup&view=japan&lang=ja&articles=000,002&from=2017-01&to=2017-12
    ?lesson=kurils-101&step=3            (lesson mode: the step sets view, language and extent)
    ?event=kunashir-bastion-2016          (events picked on the timeline; comma-separated ids)

``articles`` lists file stems' leading ids (``000``) or full base names; unknown values are ignored
(a shared link must never crash the app), and the value actually shown is written back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from explorer.render.viewpoints import LANGS, VIEWS, LabelLang, View

_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")  # ASCII digits only


@dataclass(frozen=True)
class AppState:
    place: str | None = None
    view: View = "neutral"
    lang: LabelLang = "en"
    articles: tuple[str, ...] | None = None  # None: every article
    date_from: str | None = None
    date_to: str | None = None
    lesson: str | None = None  # a lesson id: lesson mode
    step: int = 1  # 1-based, as people count steps
    events: tuple[str, ...] | None = None  # events picked on the timeline (None: no pick)


def _article_key(file: str) -> str:
    return file.split("_", 1)[0] if "_" in file else file


def parse_query(
    query: dict[str, str | list[str]],
    places: set[str],
    files: list[str],
    lessons: dict[str, int] | None = None,
    events: set[str] | None = None,
) -> AppState:
    """AppState from URL query values; anything unknown or malformed falls back to the default.

    ``lessons`` maps each known lesson id to its number of steps; ``events`` holds the known event ids.
    """

    def one(name: str) -> str | None:
        value = query.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        return value.strip() if isinstance(value, str) and value.strip() else None

    place = one("place")
    view = one("view")
    lang = one("lang")
    articles = None
    raw_articles = one("articles")
    if raw_articles:
        wanted = {token.strip() for token in raw_articles.split(",") if token.strip()}
        chosen = tuple(f for f in files if f in wanted or _article_key(f) in wanted)
        articles = chosen or None
    date_from, date_to = one("from"), one("to")
    lesson = one("lesson")
    lesson = lesson if lessons and lesson in lessons else None
    step_text = one("step") or "1"
    # ASCII digits, a few of them: "²".isdigit() is True but int("²") raises, and int() of 5,000
    # digits raises too (Python's limit on int conversion).
    step = int(step_text) if re.fullmatch(r"[0-9]{1,6}", step_text) else 1
    step = min(max(step, 1), lessons[lesson]) if lesson and lessons else 1
    raw_events = one("event")
    picked = None
    if raw_events and events:
        wanted = {token.strip() for token in raw_events.split(",")}
        picked = tuple(sorted({token for token in wanted if token in events})) or None
    return AppState(
        events=picked,
        lesson=lesson,
        step=step,
        place=place if place in places else None,
        view=view if view in VIEWS else "neutral",
        lang=lang if lang in LANGS else "en",
        articles=articles,
        date_from=date_from if date_from and _DATE.match(date_from) else None,
        date_to=date_to if date_to and _DATE.match(date_to) else None,
    )


def to_query(state: AppState, files: list[str]) -> dict[str, str]:
    """The URL query for ``state``; defaults are left out so links stay short."""
    query: dict[str, str] = {}
    if state.place:
        query["place"] = state.place
    if state.view != "neutral":
        query["view"] = state.view
    if state.lang != "en":
        query["lang"] = state.lang
    if state.articles is not None and set(state.articles) != set(files):
        keys = [_article_key(f) for f in state.articles]
        # Short ids only when they are unambiguous in this corpus.
        unique = len({_article_key(f) for f in files}) == len(files)
        query["articles"] = ",".join(keys if unique else state.articles)
    if state.date_from:
        query["from"] = state.date_from
    if state.date_to:
        query["to"] = state.date_to
    if state.lesson:
        query["lesson"] = state.lesson
        query["step"] = str(state.step)
    elif state.events:
        query["event"] = ",".join(state.events)
    return query


def slider_range(saved: object, months: list[str]) -> tuple[str, str]:
    """The date slider's value: ``saved`` (the slider's state, or the URL's range) when it is two of ``months``
    in order; otherwise the whole range (the months changed under it, or the state is not a range)."""
    if isinstance(saved, list | tuple) and len(saved) == 2 and all(month in months for month in saved):
        low, high = saved
        if low <= high:
            return low, high
    return months[0], months[-1]


def slider_bounds(date_from: str | None, date_to: str | None, months: list[str]) -> tuple[str, str]:
    """The date slider's stops for bounds from the URL: the first month at or after ``date_from``
    and the last at or before ``date_to``; the whole range when a bound is missing."""
    low = next((m for m in months if m >= date_from[:7]), months[-1]) if date_from else months[0]
    high = next((m for m in reversed(months) if m <= date_to[:7]), months[0]) if date_to else months[-1]
    return low, high
