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
   "Severo-Kurilsk") links nothing; nor does a name right after a vessel word ("the ship Kunashir",
   "巡視船「えとろふ」": only spaces and opening quotes between) or right before a non-place suffix
   ("Kunashir-class", "択捉丸": only spaces and closing quotes between). Vessel and suffix words are
   keys of the same automaton, so all of this is one scan.

Each :class:`Link` carries the ``alias`` that matched and the ``rule``: ``exact`` (an official name),
``variant`` (a variant, historic or group name, or a reading), ``case_form`` (a Russian inflection),
``script`` (Japanese script, matched character by character) or ``implicit`` (a phrase with no name),
plus ``flags`` for what normalization it needed (``case``, ``possessive``, ``hyphenated``,
``typography``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Literal, NamedTuple

import ahocorasick

from explorer.data.schema import Gazetteer
from explorer.text.passages import Passage, PassageLocator

Rule = Literal["exact", "variant", "case_form", "script", "implicit"]

# One code point to one code point, so offsets survive. Applied with str.replace on the characters
# present (a dict str.translate is several times slower on non-ASCII text).
_TYPOGRAPHY = (
    ("\u00a0", " "),
    ("\u2007", " "),
    ("\u202f", " "),
    ("\u2009", " "),
    ("\u200a", " "),
    ("\u3000", " "),
    ("\u2002", " "),
    ("\u2003", " "),
    ("\n", " "),
    ("\r", " "),
    ("\t", " "),
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201b", "'"),
    ("\u02bc", "'"),
    ("\u2032", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u201e", '"'),
    ("\u00ab", '"'),
    ("\u00bb", '"'),
    ("\u2010", "-"),
    ("\u2011", "-"),
    ("\u2012", "-"),
    ("\u2013", "-"),
    ("\u2014", "-"),
    ("\u2212", "-"),
    ("ё", "е"),  # Russian text writes Зеленый and Зелёный alike (upper-case Ё is lowered first)
)
_REPLACEMENT = dict(_TYPOGRAPHY)
_SPECIAL = re.compile("[" + "".join(re.escape(ch) for ch in _REPLACEMENT if ch != "\n") + "]")
_TRANSLATION = str.maketrans(_REPLACEMENT)  # for short strings (flags)
# Deletions: a soft hyphen anywhere; a hyphen + line break (+ indent) between two letters. The
# regex starts with a literal, so re's fast prefix search applies (an alternation would defeat it).
_HYPHEN_BREAK = re.compile(r"-[ \t]*\r?\n[ \t]*")
# Between a vessel word and the name, and between the name and a suffix, only these may stand.
OPENING = frozenset(" \"'「『（(")
CLOSING = frozenset(" \"'」』）)")


# Letters, digits and underscore of the spaced scripts. Japanese characters are not among them:
# Japanese names match character by character, and a Latin name may touch Japanese text.
# A set, so the boundary test in the hot loop is one lookup.
WORD_CHARS = frozenset(ch for ch in map(chr, range(0x3000)) if ch.isalnum() or ch == "_")


def is_word_char(ch: str) -> bool:
    """Whether ``ch`` is a letter, digit or underscore of a spaced script (see WORD_CHARS)."""
    return ch in WORD_CHARS


class Link(NamedTuple):
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
        data = self._asdict()
        data["flags"] = list(self.flags)
        return data


def normalize(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """Matching form of ``text`` and a breakpoint map to original offsets (None when 1:1).

    The map is a sorted list of ``(normalized_offset, shift)``: from that normalized offset on,
    ``original = normalized + shift``.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # e.g. "İ" lowers to two code points: lower one by one
        lowered = "".join(ch.lower()[0] for ch in text)
    lowered = lowered.replace("\n", " ")
    # One regex pass finds which of the other characters occur; usually none or one or two.
    for ch in set(_SPECIAL.findall(lowered)):
        lowered = lowered.replace(ch, _REPLACEMENT[ch])
    deletions = _deletions(text)
    if not deletions:
        return lowered, None
    pieces: list[str] = []
    breaks: list[tuple[int, int]] = []
    cursor = shift = 0
    for begin, stop, keep_hyphen in deletions:
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


def _deletions(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, keep a hyphen) of what normalize drops, in text order.

    "Kuna-\\nshir" loses hyphen and line break (a wrapped word); "Severo-\\nKurilsk" keeps its hyphen
    (a compound: the next letter is a capital); a soft hyphen always goes.
    """
    found = []
    if "\u00ad" in text:
        at = text.find("\u00ad")
        while at != -1:
            found.append((at, at + 1, False))
            at = text.find("\u00ad", at + 1)
    for match in _HYPHEN_BREAK.finditer(text):
        begin, stop = match.span()
        if begin and stop < len(text) and text[begin - 1].isalpha() and text[stop].isalpha():
            found.append((begin, stop, text[stop].isupper()))
    found.sort()
    return found


def _to_original(offset: int, breaks: list[tuple[int, int]] | None) -> int:
    if not breaks:
        return offset
    index = bisect_right(breaks, (offset, float("inf"))) - 1
    return offset + (breaks[index][1] if index >= 0 else 0)


def _rule_for(name_kind: str, script: str) -> Rule:
    if script == "Jpan":
        return "script"
    if name_kind == "case_form":
        return "case_form"
    if name_kind == "official":
        return "exact"
    return "variant"


# What one automaton key stands for. A key is one normalized surface: a name or phrase of some
# place (first in gazetteer order wins when two places share a surface), a blocker, a vessel word
# or a suffix word.
_NAME, _BLOCKER, _VESSEL, _SUFFIX = range(4)


class Linker:
    """A compiled matcher for one gazetteer. Build once, link many documents."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        entries: dict[str, tuple] = {}

        def add(surface: str, role: int, payload: tuple = ()) -> None:
            key = normalize(surface)[0].strip()
            if not key:
                return
            previous = entries.get(key)
            # A blocker beats a name with the same surface; otherwise the first entry stays.
            if previous is None or (role == _BLOCKER and previous[2] == _NAME):
                japanese = any("\u3040" <= ch <= "\u9fff" for ch in key)
                left = not japanese and is_word_char(key[0])
                right = not japanese and is_word_char(key[-1])
                entries[key] = (len(key), left, right, role, payload)

        for place in gazetteer.places:
            for name in place.names:
                if name.link:
                    add(
                        name.text,
                        _NAME,
                        (place.id, name.text, _rule_for(name.kind, name.script), "explicit", name.lang, {}),
                    )
            for phrase in place.implicit:
                add(phrase.text, _NAME, (place.id, phrase.text, "implicit", "implicit", phrase.lang, {}))
            for blocker in place.not_names:
                add(blocker.text, _BLOCKER)
        for word in gazetteer.linking.vessel_prefixes:
            add(word, _VESSEL)
        for word in gazetteer.linking.non_place_suffixes:
            add(word, _SUFFIX)
        self._automaton = ahocorasick.Automaton()
        for key, value in entries.items():
            self._automaton.add_word(key, value)
        self._automaton.make_automaton()
        self.alias_count = len(entries)

    def link(self, text: str, file: str, passages: list[Passage] | None = None) -> list[Link]:
        """Every mention in ``text``, in order; ``text[link.start:link.end] == link.text`` always."""
        normalized, breaks = normalize(text)
        size = len(normalized)
        locator = PassageLocator(passages) if passages else None
        text_size = len(text)
        links: list[Link] = []
        last_end = -1  # normalized end of the last link made (a suffix right after it undoes it)
        after_vessel = -1  # where a name would have to start to be a vessel's name
        # iter_long yields the leftmost-longest non-overlapping keys in text order, resolved in C.
        # A longest key that fails its word boundary therefore hides a shorter key starting with it
        # ("kuril islands" in "kuril islandsx"); the benchmark's per-alias reference agrees with
        # this on its whole corpus.
        for last, (length, left, right, role, payload) in self._automaton.iter_long(normalized):
            start = last - length + 1
            end = last + 1
            if left and start and normalized[start - 1] in WORD_CHARS:
                continue
            if right and end < size and normalized[end] in WORD_CHARS:
                continue
            if role:  # not a name: a vessel word, a suffix or a blocker (names are the common case)
                if role == _VESSEL:
                    while end < size and normalized[end] in OPENING:
                        end += 1
                    after_vessel = end
                elif role == _SUFFIX:
                    while start and normalized[start - 1] in CLOSING:
                        start -= 1
                    if start == last_end:
                        links.pop()
                        last_end = -1
                continue
            if start == after_vessel:
                continue
            if breaks:
                o_start, o_end = _to_original(start, breaks), _to_original(end - 1, breaks) + 1
                hyphenated = o_end - o_start != end - start
            else:
                o_start, o_end, hyphenated = start, end, False
            surface = text[o_start:o_end]
            place, alias, rule, kind, lang, flag_cache = payload  # flags by surface, per alias
            flags = None if hyphenated else flag_cache.get(surface)
            if flags is None:
                flags = _flags(surface, alias, hyphenated)
                if not hyphenated and len(flag_cache) < 1000:
                    flag_cache[surface] = flags
            if (
                o_end < text_size
                and text[o_end] in "'’"
                and text.startswith(("'s", "’s"), o_end)
                and (o_end + 2 >= text_size or not is_word_char(text[o_end + 2]))
            ):
                flags += ("possessive",)
            found = locator.at(o_start) if locator else None
            passage = found.id if found else None
            # tuple.__new__ skips the NamedTuple's Python-level __new__: this loop runs per mention.
            links.append(
                _new_tuple(Link, (file, place, o_start, o_end, surface, kind, alias, rule, passage, flags, lang))
            )
            last_end = end
        return links


_new_tuple = tuple.__new__


def _flags(surface: str, alias: str, hyphenated: bool) -> tuple[str, ...]:
    """What normalization the match needed: hyphenated, typography, case."""
    flags = []
    if hyphenated:
        flags.append("hyphenated")
    plain_surface, plain_alias = surface.translate(_TRANSLATION), alias.translate(_TRANSLATION)
    if not hyphenated and plain_surface != surface:
        flags.append("typography")
    if plain_surface != plain_alias and plain_surface.lower() == plain_alias.lower():
        flags.append("case")
    return tuple(flags)
