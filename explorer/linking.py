"""Find every mention of every gazetteer place in a text, and say why each one matched.

Linking is a pure function of the gazetteer and the document (:meth:`Linker.link`), so it can run in
worker processes or on a cluster. Imports are light on purpose: the ``links`` command must start fast.

How a mention is found:

1. The text is normalized for matching, keeping a map back to the original offsets: lower case,
   non-breaking and other spaces to a plain space, curly quotes to straight ones, ё to е, soft hyphens
   dropped, and a word hyphenated across a line break ("Kuna-\\nshir") joined.
2. One Aho-Corasick scan finds every alias, implicit phrase and blocker (``not_names``) at once.
3. Latin and Cyrillic matches must sit on word boundaries; Japanese matches are character-level.
4. Overlapping candidates resolve leftmost-longest. A blocker that wins ("Kuril Lake",
   "Severo-Kurilsk") links nothing; a name right after a vessel word ("the ship Kunashir") links nothing.

Each :class:`Link` carries the ``alias`` that matched and the ``rule``: ``exact`` (an official name),
``variant`` (a variant, historic or group name, or a reading), ``case_form`` (a Russian inflection),
``script`` (Japanese script, matched character by character) or ``implicit`` (a phrase with no name),
plus ``flags`` for what normalization it needed (``case``, ``possessive``, ``hyphenated``,
``typography``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass
from typing import Literal

import ahocorasick

from explorer.passages import Passage, PassageLocator
from explorer.schema import Gazetteer

Rule = Literal["exact", "variant", "case_form", "script", "implicit"]

# One code point to one code point, so offsets survive (str.translate runs in C).
_TYPOGRAPHY = {
    0x00A0: " ", 0x2007: " ", 0x202F: " ", 0x2009: " ", 0x200A: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ",
    0x2018: "'", 0x2019: "'", 0x201B: "'", 0x02BC: "'", 0x2032: "'",
    0x201C: '"', 0x201D: '"', 0x201E: '"', 0x00AB: '"', 0x00BB: '"',
    0x2010: "-", 0x2011: "-", 0x2012: "-", 0x2013: "-", 0x2014: "-", 0x2212: "-",
    0x0451: "е", 0x0401: "е",  # ё/Ё -> е: Russian text writes Зеленый and Зелёный alike
    0x000A: " ", 0x000D: " ", 0x0009: " ",
}
_TRANSLATION = str.maketrans({key: value for key, value in _TYPOGRAPHY.items()})
# Deletions: a soft hyphen anywhere; a hyphen + line break (+ indent) inside a lower-case word.
_DELETIONS = re.compile(r"\u00ad|(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
_POSSESSIVE = re.compile(r"['\u2019]s\b")


@dataclass(frozen=True, slots=True)
class Link:
    file: str
    place: str
    start: int
    end: int
    text: str
    kind: Literal["explicit", "implicit"]
    alias: str
    rule: Rule
    passage: str | None
    flags: tuple[str, ...] = ()
    alias_lang: str | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["flags"] = list(self.flags)
        return data


@dataclass(frozen=True, slots=True)
class _Pattern:
    place: str | None  # None: a blocker
    alias: str
    rule: Rule | None
    kind: Literal["explicit", "implicit", "blocked"]
    word_bounded: bool
    lang: str | None
    reason: str | None = None


def normalize(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Matching form of ``text`` and a breakpoint map to original offsets (None when 1:1).

    The map is a sorted list of ``(normalized_offset, shift)``: from that normalized offset on,
    ``original = normalized + shift``.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # e.g. "İ" lowers to two code points: lower one by one
        lowered = "".join(ch.lower()[0] for ch in text)
    lowered = lowered.translate(_TRANSLATION)
    if "\u00ad" not in text and "\n" not in text:
        return lowered, None
    pieces: list[str] = []
    breaks: list[tuple[int, int]] = []
    cursor = shift = 0
    for match in _DELETIONS.finditer(text):
        begin, stop = match.span()
        # "Severo-\nKurilsk" keeps its hyphen (a compound); "Kuna-\nshir" loses it (a wrapped word).
        keep_hyphen = match.group() != "\u00ad" and text[stop].isupper()
        pieces.append(lowered[cursor:begin])
        if keep_hyphen:
            pieces.append("-")
        shift += (stop - begin) - keep_hyphen
        breaks.append((stop - shift, shift))
        cursor = stop
    if not breaks:
        return lowered, None
    pieces.append(lowered[cursor:])
    return "".join(pieces), breaks


def _to_original(offset: int, breaks: list[tuple[int, int]] | None) -> int:
    if not breaks:
        return offset
    index = bisect_right(breaks, (offset, float("inf"))) - 1
    return offset + (breaks[index][1] if index >= 0 else 0)


def _is_word_char(ch: str) -> bool:
    # Japanese and Chinese characters never form a word boundary problem for Latin/Cyrillic names.
    return ch.isalnum() and ord(ch) < 0x3000 or ch == "_"


def _rule_for(name_kind: str, script: str) -> Rule:
    if script == "Jpan":
        return "script"
    if name_kind == "case_form":
        return "case_form"
    if name_kind == "official":
        return "exact"
    return "variant"


class Linker:
    """A compiled matcher for one gazetteer. Build once, link many documents."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[_Pattern]] = {}

        def add(surface: str, pattern: _Pattern) -> None:
            key, _ = normalize(surface)
            table.setdefault(key.strip(), []).append(pattern)

        for place in gazetteer.places:
            for name in place.names:
                if name.link:
                    bounded = name.script != "Jpan"
                    add(name.text, _Pattern(place.id, name.text, _rule_for(name.kind, name.script), "explicit", bounded, name.lang))
            for phrase in place.implicit:
                add(phrase.text, _Pattern(place.id, phrase.text, "implicit", "implicit", phrase.lang != "ja", phrase.lang))
            for blocker in place.not_names:
                bounded = not any("\u3000" <= ch <= "\u9fff" for ch in blocker.text)
                add(blocker.text, _Pattern(None, blocker.text, None, "blocked", bounded, None, blocker.reason))
        for key, patterns in table.items():
            self._automaton.add_word(key, (len(key), tuple(patterns)))
        self._automaton.make_automaton()
        self.alias_count = len(table)
        vessel_words = [re.escape(normalize(word)[0]) for word in gazetteer.linking.vessel_prefixes]
        self._vessel_before = (
            re.compile(r"(?:^|[^\w])(?:" + "|".join(vessel_words) + r")[\s\"'«]*$") if vessel_words else None
        )
        suffixes = [re.escape(normalize(word)[0]) for word in gazetteer.linking.non_place_suffixes]
        self._suffix_after = re.compile(r"^\s*(?:" + "|".join(suffixes) + r")(?!\w)") if suffixes else None

    def link(self, text: str, file: str, passages: list[Passage] | None = None) -> list[Link]:
        """Every mention in ``text``, in order; ``text[link.start:link.end] == link.text`` always."""
        normalized, breaks = normalize(text)
        candidates = self._candidates(normalized)
        if not candidates:
            return []
        locator = PassageLocator(passages) if passages else None
        links: list[Link] = []
        for start, end, pattern in _leftmost_longest(candidates):
            if pattern.kind == "blocked" or self._is_vessel_or_object(normalized, start, end):
                continue
            o_start, o_end = _to_original(start, breaks), _to_original(end - 1, breaks) + 1
            surface = text[o_start:o_end]
            passage = locator.at(o_start) if locator else None
            links.append(
                Link(
                    file=file,
                    place=pattern.place,  # type: ignore[arg-type]  # blockers were skipped above
                    start=o_start,
                    end=o_end,
                    text=surface,
                    kind=pattern.kind,  # type: ignore[arg-type]
                    alias=pattern.alias,
                    rule=pattern.rule,  # type: ignore[arg-type]
                    passage=passage.id if passage else None,
                    flags=_flags(surface, pattern.alias, text, o_end, end - start),
                    alias_lang=pattern.lang,
                )
            )
        return links

    def _candidates(self, normalized: str) -> list[tuple[int, int, _Pattern]]:
        found = []
        size = len(normalized)
        for last, (length, patterns) in self._automaton.iter(normalized):
            start, end = last - length + 1, last + 1
            for pattern in patterns:
                if pattern.word_bounded and (
                    (start > 0 and _is_word_char(normalized[start - 1]))
                    or (end < size and _is_word_char(normalized[end]))
                ):
                    continue
                found.append((start, end, pattern))
        return found

    def _is_vessel_or_object(self, normalized: str, start: int, end: int) -> bool:
        if self._vessel_before and self._vessel_before.search(normalized, max(0, start - 40), start):
            return True
        return bool(self._suffix_after and self._suffix_after.match(normalized[end : end + 40]))


def _leftmost_longest(candidates: list[tuple[int, int, _Pattern]]) -> list[tuple[int, int, _Pattern]]:
    """Non-overlapping candidates: earliest start first, the longest at a start, blockers on ties."""
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[2].kind != "blocked"))
    chosen = []
    reach = -1
    for candidate in candidates:
        if candidate[0] >= reach:
            chosen.append(candidate)
            reach = candidate[1]
    return chosen


def _flags(surface: str, alias: str, text: str, end: int, normalized_length: int) -> tuple[str, ...]:
    flags = []
    if len(surface) != normalized_length:
        flags.append("hyphenated")
    plain_surface, plain_alias = surface.translate(_TRANSLATION), alias.translate(_TRANSLATION)
    if "hyphenated" not in flags and plain_surface != surface:
        flags.append("typography")
    if plain_surface != plain_alias and plain_surface.lower() == plain_alias.lower():
        flags.append("case")
    if _POSSESSIVE.match(text, end):
        flags.append("possessive")
    return tuple(flags)
