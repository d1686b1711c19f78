"""Split an article into passages (headline, dateline, caption, sentence) with character offsets.

Offsets index the text as read (UTF-8 decoded, code points, end-exclusive): ``text[p.start:p.end]``
is the passage. Passage ids are ``<file stem>:p<paragraph>.s<sentence>`` and only depend on the text,
so they are stable across runs.

Paragraphs are runs of lines; a line break continues the paragraph only when the text is clearly
hard-wrapped (the next line starts in lower case, or the line ends in a hyphenated word), so headlines
and one-paragraph-per-line news copy stay apart.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import product
from typing import Literal, NamedTuple

PassageKind = Literal["headline", "dateline", "caption", "sentence"]

# Words that end with a period but do not end a sentence ("U.S.", "Feb.", "Mr.", "N. Korea").
ABBREVIATIONS = frozenset(
    [
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "u.s.s.r",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "cmdr",
        "adm",
        "sgt",
        "st",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "sen",
        "rep",
        "pres",
        "fig",
        "vol",
        "est",
        "г",
        "гг",
        "т.е",
        "т.д",
        "т.п",
        "им",
        "ул",
        "пос",
        "о",
        "ст",
    ]
)

# Paragraph-level patterns. A dateline opens news copy: "TOKYO, March 20 (KUNA) --", "TOKYO —".
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\- ]{1,40}|[А-ЯЁ][А-ЯЁ.'\- ]{1,40})"
    r"(?:,\s*[A-Z][a-z]+\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"(?:\s*\([^)\n]{1,40}\))?"
    r"\s*(?:--|–|—|-)\s*"
)
_DATELINE_SECOND = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ.'- ЁАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
# Case-sensitive alternatives on purpose: an IGNORECASE search is several times slower here.
CAPTION_MARKERS = re.compile(r"\((?:[Ff]ile )?(?:[Pp]hoto|PHOTO)\b|(?:Photo|PHOTO) [Cc]redit:|\b[Фф]ото\b|写真")

# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, then space. The
# Western pattern alone starts with a character set, which re scans fast; the alternation with
# Japanese punctuation is used only for paragraphs that contain some.
_WESTERN_END = r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-ZА-ЯЁ0-9\u3000-\u9fff])"
_SENTENCE_END_WESTERN = re.compile(_WESTERN_END)
_SENTENCE_END = re.compile(_WESTERN_END + r"|[。！？]+[」』）]*")
# The same, and group 1 spans the whitespace after the end (a lookahead: the matches are unchanged), so
# group 1 ends where the next sentence begins.
_BREAK_WESTERN = re.compile("(?:" + _WESTERN_END + r")(?=(\s*))")
_BREAK = re.compile("(?:" + _WESTERN_END + r"|[。！？]+[」』）]*)(?=(\s*))")
_JAPANESE_STOPS = ("。", "！", "？")
_WESTERN_STOPS = (".", "!", "?", "…")  # what _WESTERN_END starts with
_WORD_BEFORE = re.compile(r"([A-Za-zА-Яа-яЁё.]+)$")


class Passage(NamedTuple):
    """One passage: ``text[start:end]`` in paragraph ``paragraph``. Immutable and hashable; a NamedTuple
    rather than a frozen dataclass because an article has one per sentence and it is built ~4x faster."""

    id: str
    kind: PassageKind
    start: int
    end: int
    paragraph: int


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, trailing whitespace excluded."""
    spans: list[tuple[int, int]] = []
    p_start = p_end = -1  # the paragraph so far (-1: none)
    block_start = 0
    # Blocks between empty lines first: an empty line ends the paragraph, and most blocks are one line
    # (news copy), which needs no line loop. Offsets by lengths: a regex match object per line cost more.
    for block in text.split("\n\n"):
        at = block_start
        block_start += len(block) + 2
        if p_start >= 0:  # the empty line before this block ends the paragraph
            spans.append((p_start, p_end))
            p_start = -1
        if "\n" not in block:
            content = block.rstrip()
            if content:
                p_start, p_end = at + len(block) - len(block.lstrip()), at + len(content)
            continue
        line_start = at
        for raw in block.split("\n"):
            at = line_start
            line_start += len(raw) + 1
            content = raw.rstrip()
            if not content:  # a blank line ends the paragraph
                if p_start >= 0:
                    spans.append((p_start, p_end))
                    p_start = -1
                continue
            start = at + len(raw) - len(raw.lstrip())
            end = at + len(content)
            # Indexes, not slices: slicing the paragraph so far for every line made hard-wrapped text
            # quadratic (a 5 MB article took 158 s).
            if p_start >= 0 and _continues(text, p_start, p_end, start):
                p_end = end
            else:
                if p_start >= 0:
                    spans.append((p_start, p_end))
                p_start, p_end = start, end
    if p_start >= 0:
        spans.append((p_start, p_end))
    return spans


def _continues(text: str, previous_start: int, previous_end: int, line_start: int) -> bool:
    """Whether the line at ``line_start`` continues the paragraph ``text[previous_start:previous_end]``
    (hard-wrapped) rather than starting a new one. Constant time."""
    first = text[line_start]
    hyphenated = (
        text[previous_end - 1] == "-" and previous_end - previous_start > 1 and text[previous_end - 2].isalpha()
    )
    if hyphenated and first.isalpha():
        return True  # a word hyphenated across the line break: "Kuna-\nshir"
    return first.islower()


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text[start:end]``."""
    # str.find with bounds: no slice of the paragraph is made.
    japanese = text.find("。", start, end) >= 0 or text.find("！", start, end) >= 0 or text.find("？", start, end) >= 0
    found = [
        match.span() for match in (_SENTENCE_END if japanese else _SENTENCE_END_WESTERN).finditer(text, start, end)
    ]
    return _sentences_between(text, start, end, found, 0)


def sentence_ends(text: str) -> list[tuple[int, int]]:
    """(start, end) of every candidate sentence end in the whole text, in one regex pass.

    The same ends as :func:`sentences` finds paragraph by paragraph: an end cannot span a paragraph break
    (it holds no whitespace), and the only extra ones, at the very end of a paragraph, where the whole
    text lets the lookahead see the next paragraph, close the same span as the paragraph's end does.
    """
    return list(zip(*_sentence_end_spans(text), strict=True))


def _stop_positions(text: str) -> tuple[bool, list[int]]:
    """Whether the text has Japanese stops, and where every stop is, in order: each sentence-end match
    starts on one, so the pattern is tried only there (re's own scan tries it at every character when
    the pattern starts with an alternation, and its lookahead is slow)."""
    japanese = "。" in text or "！" in text or "？" in text
    candidates: list[int] = []
    for stop in _JAPANESE_STOPS + _WESTERN_STOPS if japanese else _WESTERN_STOPS:
        at = text.find(stop)
        while at >= 0:
            candidates.append(at)
            at = text.find(stop, at + 1)
    candidates.sort()
    return japanese, candidates


def _sentence_end_spans(text: str) -> tuple[list[int], list[int]]:
    """The starts and the ends of :func:`sentence_ends`, as two lists."""
    japanese, candidates = _stop_positions(text)
    pattern = _SENTENCE_END if japanese else _SENTENCE_END_WESTERN
    # What pattern.finditer(text) yields, found faster (see _stop_positions). A match covers a run of
    # stops: the stops it covers are skipped, as finditer skips them.
    starts: list[int] = []
    ends: list[int] = []
    match = pattern.match
    after = 0
    for at in candidates:
        if at >= after:
            found = match(text, at)
            if found is not None:
                after = found.end()
                starts.append(at)
                ends.append(after)
    return starts, ends


def _sentence_breaks(text: str) -> tuple[list[int], list[int], list[int]]:
    """The sentence ends of :func:`split_passages`: where each starts and stops, and where the next sentence
    may begin (the first non-space at or after the stop), with abbreviation dots already left out.

    The same ends as :func:`_sentence_end_spans` less those :func:`_is_abbreviation` rejects, asked with
    the text's start for the sentence's: the answer is the same, since a sentence starts at a paragraph
    start, after a dateline's dash or after whitespace, so the word before a dot never runs back past it.
    """
    japanese, candidates = _stop_positions(text)
    match = (_BREAK if japanese else _BREAK_WESTERN).match
    dots: list[int] = []
    stops: list[int] = []
    nexts: list[int] = []
    after = 0
    for at in candidates:
        if at >= after:
            found = match(text, at)
            if found is not None:
                after, begin = found.span(1)
                # Most dots end a word no abbreviation ends like (its last two or three characters tell): no call.
                if (
                    text[at] == "."
                    and text[at - 2 : at] not in _NOT_ABBREVIATION_PAIRS
                    and text[at - 3 : at] not in _NOT_ABBREVIATION_TRIPLES
                    and _is_abbreviation(text, 0, at)
                ):
                    continue
                dots.append(at)
                stops.append(after)
                nexts.append(begin)
    return dots, stops, nexts


def _sentences_between(
    text: str, start: int, end: int, found: list[tuple[int, int]], first: int
) -> list[tuple[int, int]]:
    """Sentences of ``text[start:end]`` from the sentence ends ``found[first:]`` (sorted by start)."""
    spans: list[tuple[int, int]] = []
    begin = start
    for index in range(first, len(found)):
        dot, stop = found[index]
        if dot >= end:
            break
        if dot < start:
            continue
        if text[dot] == "." and _is_abbreviation(text, begin, dot):
            continue
        spans.append((begin, stop))
        begin = stop
        while begin < end and text[begin].isspace():
            begin += 1
    if begin < end:
        spans.append((begin, end))
    # Only a span that starts on whitespace can be blank (the others start where the skip above stopped).
    return [(s, e) for s, e in spans if not text[s].isspace() or text[s:e].strip()]


# The characters _WORD_BEFORE matches, for the loop below that finds the same word without a regex.
_ABBREVIATION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.ЁЕё") | frozenset(
    chr(code) for code in range(ord("А"), ord("я") + 1)
)


# The last two letters of every abbreviation of two letters or more, and the last three of those of three or more.
_ABBREVIATION_ENDINGS = frozenset(word[-2:] for word in ABBREVIATIONS if len(word) > 1)
_ABBREVIATION_ENDINGS_3 = frozenset(word[-3:] for word in ABBREVIATIONS if len(word) > 2)
# Two lower-case letters before a dot that rule out an abbreviation (they end like none): what
# _is_abbreviation's first test decides, as one set lookup with no call. Lower case only, so the sets stay
# small and quick to build at import; other words take the call.
_LOWER_CASE = sorted(char for char in _ABBREVIATION_CHARS if char.islower())
_NOT_ABBREVIATION_PAIRS = frozenset(
    pair for pair in map("".join, product(_LOWER_CASE, repeat=2)) if pair not in _ABBREVIATION_ENDINGS
)
# And three characters, for words whose last two end like an abbreviation ("deployed", "missiles"): a
# lower-case letter or a dot before them, the three ending like no abbreviation of three letters or more.
_NOT_ABBREVIATION_TRIPLES = frozenset(
    first + pair
    for pair in _ABBREVIATION_ENDINGS
    if pair[-1].islower()
    for first in [*_LOWER_CASE, "."]
    if first + pair not in _ABBREVIATION_ENDINGS_3
)


def _is_abbreviation(text: str, begin: int, dot: int) -> bool:
    # Only the word before the dot matters: look back a bounded window, not to the sentence start.
    # (The same word as _WORD_BEFORE.search(text, max(begin, dot - 24), dot), found by a short loop.)
    low = max(begin, dot - 24)
    if dot - 2 >= low:
        # Most words are told apart by their last two letters, without the loop: a word of two letters
        # or more (no dots stripped from its end) is an abbreviation only if it ends like one.
        last = text[dot - 1]
        if last not in _ABBREVIATION_CHARS:
            return False
        if last != "." and text[dot - 2] in _ABBREVIATION_CHARS:
            if text[dot - 2 : dot].lower() not in _ABBREVIATION_ENDINGS:
                return False
            # "deployed", "missiles": common endings of abbreviations too ("wed", "pres"), not of three letters.
            if (
                dot - 3 >= low
                and text[dot - 3] in _ABBREVIATION_CHARS
                and text[dot - 3 : dot].lower() not in _ABBREVIATION_ENDINGS_3
            ):
                return False
    at = dot
    while at > low and text[at - 1] in _ABBREVIATION_CHARS:
        at -= 1
    if at == dot:
        return False
    token = text[at:dot].lower().rstrip(".")
    # A single capital letter ("N. Korean", "John S. McCain") is an initial.
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def split_passages(text: str, stem: str, headline: str | None = None) -> list[Passage]:
    """Every passage of an article, in text order.

    ``headline`` (from the article's metadata) marks the paragraph that is the headline; without it
    the first short line with no terminal punctuation is taken as the headline.
    """
    # What :func:`sentences` does per paragraph, done once for the whole text: this runs for every article
    # the ``links`` command reads (benchmarks/bench_linking.py), so the sentence ends (abbreviations left
    # out, next starts known) are found in one pass, and each paragraph takes its run of them by bisection.
    # Passages are built without NamedTuple's Python-level __new__.
    result: list[Passage] = []
    append = result.append
    dots, stops, nexts = _sentence_breaks(text)
    next_end = 0  # the first end not before the current paragraph (both come in text order)
    wanted = headline.strip() if headline else None
    headline_found = False
    marks = _caption_marks(text)  # most articles have none: no caption test per paragraph
    for number, (p_start, p_end) in enumerate(paragraphs(text)):
        if not headline_found:
            body = text[p_start:p_end]
            if body.strip() == wanted if wanted is not None else _looks_like_headline(body):
                headline_found = True
                append(_new_passage(Passage, (f"{stem}:p{number}.s0", "headline", p_start, p_end, number)))
                continue
        # A mark holds no whitespace, and a paragraph ends before whitespace: a mark that starts in the
        # paragraph lies in it.
        if (
            marks
            and bisect_left(marks, p_end) > bisect_left(marks, p_start)
            and CAPTION_MARKERS.search(text[p_start:p_end])
        ):
            append(_new_passage(Passage, (f"{stem}:p{number}.s0", "caption", p_start, p_end, number)))
            continue
        prefix = f"{stem}:p{number}.s"
        index = 0
        # A dateline's second character is a capital, a dot, an apostrophe, a hyphen or a space: most
        # paragraphs are told apart by that, without the regex.
        if p_start + 1 < p_end and text[p_start + 1] in _DATELINE_SECOND:
            body = text[p_start:p_end]
            dateline = DATELINE.match(body)
            if dateline and dateline.end() < len(body):
                stop = p_start + len(dateline.group().rstrip(" -–—"))
                append(_new_passage(Passage, (f"{prefix}0", "dateline", p_start, stop, number)))
                index = 1
                p_start += dateline.end()
        first = bisect_left(dots, p_start, next_end)
        next_end = bisect_left(dots, p_end, first)
        # Sentence numbers as strings from a table (half the cost of formatting each one).
        numbers = _NUMBERS if next_end - first < len(_NUMBERS) - 1 else [str(n) for n in range(next_end - first + 2)]
        # A paragraph (after its dateline) and every sentence start on a non-space character, so no
        # sentence is blank; only the last end's next start may fall at or past the paragraph's end.
        begin = p_start
        for end in range(first, next_end):
            append(_new_passage(Passage, (prefix + numbers[index], "sentence", begin, stops[end], number)))
            index += 1
            begin = nexts[end]
        if begin < p_end:
            append(_new_passage(Passage, (prefix + numbers[index], "sentence", begin, p_end, number)))
    return result


_NUMBERS = [str(n) for n in range(256)]
_new_passage = tuple.__new__  # Passage(...) without the NamedTuple's Python-level __new__


def _caption_marks(text: str) -> list[int]:
    """Sorted starts of the words every CAPTION_MARKERS match holds ("hoto", "HOTO", "фото", "Фото",
    "写真"): only a paragraph with one is searched with the regex (the slow part)."""
    words = ["hoto", "HOTO"]
    # A search for one character is several times faster than for a word: the rarer words are looked for
    # only in a text that holds their first letter.
    if "ф" in text:
        words.append("фото")
    if "Ф" in text:
        words.append("Фото")
    if "写" in text:
        words.append("写真")
    marks: list[int] = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            marks.append(at)
            at = text.find(word, at + 1)
    marks.sort()
    return marks


def _looks_like_headline(body: str) -> bool:
    # Tried on every paragraph until one is taken: the last character rules out most of them, before the
    # split into words (a blank body has no words, so it is no headline either way).
    stripped = body.rstrip()
    if not stripped or stripped[-1] in ".!?:;,。" or "\n" in body:
        return False
    return 3 <= len(body.split(None, 25)) <= 25  # 26 parts: more than 25 words


class PassageLocator:
    """Find the passage that holds an offset in O(log n)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._starts = [passage.start for passage in passages]

    def at(self, offset: int) -> Passage | None:
        index = bisect_right(self._starts, offset) - 1
        if index >= 0 and offset < self.passages[index].end:
            return self.passages[index]
        return None
