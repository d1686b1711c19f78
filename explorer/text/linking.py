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

import ahocorasick_rs

from explorer.data.schema import FEATURE_KINDS, Gazetteer
from explorer.text.passages import Passage, PassageLocator

Rule = Literal["exact", "variant", "case_form", "script", "implicit", "feature", "anaphora", "fuzzy"]

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
_SPECIAL_CHARS = tuple(ch for ch in _REPLACEMENT if ch != "\n")
_TRANSLATION = str.maketrans(_REPLACEMENT)  # for short strings (flags)
# Deletions: a soft hyphen anywhere; a hyphen + line break (+ indent) between two letters. The
# regex starts with a literal, so re's fast prefix search applies (an alternation would defeat it).
_NEWLINE = re.compile("\n")
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
    # Which of the other characters occur (usually none or one or two): a C-level search each, faster
    # than one regex pass with a class of non-ASCII characters. No replacement makes another one's source.
    for ch in _SPECIAL_CHARS:
        if ch in lowered:
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
    (a compound: the next letter is a capital); a soft hyphen and a combining stress mark always go.
    """
    found = []
    # A soft hyphen, and the stress marks dictionaries print over Russian vowels (Итуру́п): combining
    # acute and grave accents. Each check is one C-level scan; most texts have none of them.
    for mark in ("\u00ad", "\u0301", "\u0300"):
        if mark in text:
            at = text.find(mark)
            while at != -1:
                found.append((at, at + 1, False))
                at = text.find(mark, at + 1)
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
# place (first in gazetteer order wins when two places share a surface), a blocker, a vessel word,
# a suffix word or an anaphor.
_NAME, _BLOCKER, _VESSEL, _SUFFIX, _ANAPHOR, _FUZZY = range(6)
FUZZY_PREFIX = 4  # letters of a name a typo must keep at its start (see Linker.__init__)
_WORD_RUN = re.compile(r"[^\W\u3000-\U0010ffff]+")  # a run of WORD_CHARS
# What a linked place can be the antecedent of: an island (islands, islets and, through their parent,
# the features of an island), a group, or neither.
_OTHER, _ISLAND, _GROUP = range(3)
_ISLAND_KINDS = frozenset({"island", "islet"})
_GROUP_KINDS = frozenset({"group", "archipelago"})
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"

# The scan: ahocorasick-rs (the Rust aho-corasick crate) finds the leftmost-longest keys in compiled code, about
# twice as fast as pyahocorasick's iter_long on the benchmark's corpus, with the same matches. Its DFA is the
# fastest kind but grows with the keys (times the byte classes): a gazetteer whose keys are longer than this in
# total (the curated one's are 14,544 characters) gets the contiguous NFA, linear in size and a little slower.
DFA_MAX_KEY_CHARS = 200_000
_SURROGATE = re.compile("[\ud800-\udfff]")  # not UTF-8: the Rust scan refuses a text that holds one


def scan_automaton(keys: list[str]) -> ahocorasick_rs.AhoCorasick:
    """A leftmost-longest matcher of ``keys``: ``find_matches_as_indexes(text)`` gives (key index, start,
    end) of the leftmost-longest non-overlapping keys, in text order, in code points."""
    small = sum(map(len, keys)) <= DFA_MAX_KEY_CHARS
    return ahocorasick_rs.AhoCorasick(
        keys,
        matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
        implementation=ahocorasick_rs.Implementation.DFA if small else ahocorasick_rs.Implementation.ContiguousNFA,
    )


def find_keys(automaton: ahocorasick_rs.AhoCorasick, text: str) -> list[tuple[int, int, int]]:
    """(key index, start, end) of the leftmost-longest keys in ``text``. A lone surrogate (not UTF-8, which
    the Rust scan needs) is read as U+FFFD, one code point for one, so offsets hold."""
    try:
        return automaton.find_matches_as_indexes(text)
    except UnicodeEncodeError:
        return automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", text))


def _antecedent_class(place, by_id: dict) -> tuple[int, str | None]:
    """(class, island id) of a place as an antecedent; features stand for their parent island."""
    if place.kind in _ISLAND_KINDS:
        return _ISLAND, place.id
    if place.kind in _GROUP_KINDS:
        return _GROUP, place.id
    if place.kind in FEATURE_KINDS and place.parent in by_id:
        parent = by_id[place.parent]
        if parent.kind in _ISLAND_KINDS:
            return _ISLAND, parent.id
        if parent.kind in _GROUP_KINDS:
            return _GROUP, parent.id
    return _OTHER, None


def fuzzy_eligible(name, key: str, min_length: int) -> bool:
    """Whether a name gets the typo rule: a Latin or Cyrillic word of ``min_length`` letters or more (letters only),
    not an inflection (typos of inflections would multiply the keys for little gain). ``key`` is the
    normalized name; the caller also requires an island, islet, group or feature."""
    return name.kind != "case_form" and name.script != "Jpan" and key.isalpha() and len(key) >= min_length


def fuzzy_sources(gazetteer: Gazetteer) -> list[tuple[str, str]]:
    """(normalized name, place id) of every name the typo rule covers (the build checks their variants
    against dictionaries to fill ``linking.fuzzy.never``)."""
    by_id = {place.id: place for place in gazetteer.places}
    out = []
    for place in gazetteer.places:
        if not _antecedent_class(place, by_id)[0]:
            continue
        for name in place.names:
            key = normalize(name.text)[0].strip()
            if name.link and fuzzy_eligible(name, key, gazetteer.linking.fuzzy.min_length):
                out.append((key, place.id))
    return out


def one_edit_variants(word: str, keep: int = FUZZY_PREFIX) -> set[str]:
    """Every string one edit from ``word``: a letter dropped, added, changed, or two neighbours swapped,
    after its first ``keep`` letters.

    The first letters stay as written, as the typo rule requires (see Linker). The build uses this list to find
    the real words one edit from a name (``linking.fuzzy.never``). The alphabet is the word's own script.
    """
    alphabet = _CYRILLIC if any("а" <= ch <= "я" for ch in word) else _LATIN
    out: set[str] = set()
    for i in range(keep, len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            out.add(head + tail[1:])
            if len(tail) > 1:
                out.add(head + tail[1] + tail[0] + tail[2:])
            for ch in alphabet:
                out.add(head + ch + tail[1:])
        for ch in alphabet:
            out.add(head + ch + tail)
    out.discard(word)
    return out


class Linker:
    """A compiled matcher for one gazetteer. Build once, link many documents."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        entries: dict[str, tuple] = {}
        rules = gazetteer.linking
        by_id = {place.id: place for place in gazetteer.places}

        def add(surface: str, role: int, payload: tuple = (), replace: bool = True) -> str:
            key = normalize(surface)[0].strip()
            if not key:
                return key
            previous = entries.get(key)
            # A blocker beats a name with the same surface; otherwise the first entry stays.
            if previous is None or (replace and role == _BLOCKER and previous[3] == _NAME):
                japanese = any("\u3040" <= ch <= "\u9fff" for ch in key)
                left = not japanese and is_word_char(key[0])
                right = not japanese and is_word_char(key[-1])
                entries[key] = (len(key), left, right, role, payload)
            return key

        fuzzy_sources: list[tuple[str, tuple]] = []
        for place in gazetteer.places:
            cls, antecedent = _antecedent_class(place, by_id)
            parent = antecedent if place.kind in FEATURE_KINDS and cls else None
            for name in place.names:
                if name.link:
                    rule = _rule_for(name.kind, name.script)
                    cache: dict | None = {} if not name.case_sensitive else None  # None: check the capital letter
                    payload = (place.id, name.text, rule, "explicit", name.lang, cache, parent, cls, antecedent)
                    key = add(name.text, _NAME, payload)
                    # "Iturup and Urup islands": a name "X Island" also stands in the plural.
                    if key.endswith(" island"):
                        add(key + "s", _NAME, payload)
                    if rules.fuzzy.enabled and cls and fuzzy_eligible(name, key, rules.fuzzy.min_length):
                        fuzzy_sources.append((key, payload))
            for phrase in place.implicit:
                add(
                    phrase.text,
                    _NAME,
                    (place.id, phrase.text, "implicit", "implicit", phrase.lang, {}, None, cls, antecedent),
                )
            for blocker in place.not_names:
                add(blocker.text, _BLOCKER)
        for pattern in rules.blocker_patterns:
            for surface in pattern.names:
                for word in pattern.preceded_by:
                    add(_join(word, surface), _BLOCKER)
                for word in pattern.followed_by:
                    add(_join(surface, word), _BLOCKER)
        for word in rules.vessel_prefixes:
            add(word, _VESSEL)
        for word in rules.non_place_suffixes:
            add(word, _SUFFIX)
        for anaphor in rules.anaphora.phrases:
            add(anaphor.text, _ANAPHOR, (anaphor.text, anaphor.number, anaphor.lang))
        # Typos: the first FUZZY_PREFIX letters of each name are keys of their own (at the start of a word). A
        # prefix is hidden by any longer key at the same place, so it is found only when no name matches there;
        # the word it starts is then compared with the names of that prefix (one edit, rapidfuzz's OSA
        # distance: a letter dropped, added, changed or two swapped). Few keys, so the scan keeps its speed.
        self._fuzzy_never = frozenset(normalize(word)[0] for word in rules.fuzzy.never)
        self._fuzzy: dict[str, list[tuple[str, tuple]]] = {}
        for key, payload in fuzzy_sources:
            # The name's payload with rule "fuzzy" and a cache of its own.
            fuzzy_payload: tuple = (*payload[:2], "fuzzy", *payload[3:5], {}, *payload[6:])
            self._fuzzy.setdefault(key[:FUZZY_PREFIX], []).append((key, fuzzy_payload))
        for prefix in self._fuzzy:
            if prefix not in entries:
                entries[prefix] = (len(prefix), True, False, _FUZZY, prefix)
        self._not_before = frozenset(normalize(word)[0] for word in rules.anaphora.not_before)
        self._paragraphs_back = rules.anaphora.paragraphs_back
        self._keys = list(entries)
        self._values = list(entries.values())
        self._automaton = scan_automaton(self._keys)
        self.alias_count = len(entries)

    # The Rust automaton does not pickle (a Dask scan ships the linker to its workers): it is built again there.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_automaton"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._automaton = scan_automaton(self._keys)

    def _typo(self, word: str, prefix: str) -> tuple | None:
        """The payload of the name ``word`` is one edit away from, or ``None`` (a real word, or no name)."""
        if word in self._fuzzy_never:
            return None
        from rapidfuzz.distance import OSA  # imported on the first possible typo only: `links` starts fast

        for key, payload in self._fuzzy[prefix]:
            if abs(len(word) - len(key)) <= 1 and word != key and OSA.distance(word, key, score_cutoff=1) <= 1:
                return payload
        return None

    def _shorter(self, normalized: str, start: int, end: int) -> tuple[int, int, tuple] | None:
        """The first key inside ``normalized[start:end - 1]`` that sits on its word boundaries: used when the
        longest key at a place fails its boundary ("Urup Island" in "Urup Islands"). Rare, so not inlined."""
        size = len(normalized)
        for index, sub_start, sub_end in find_keys(self._automaton, normalized[start : end - 1]):
            sub = self._values[index]
            sub_start += start
            sub_end += start
            if (sub[1] and sub_start and normalized[sub_start - 1] in WORD_CHARS) or (
                sub[2] and sub_end < size and normalized[sub_end] in WORD_CHARS
            ):
                continue
            return sub_start, sub_end, sub
        return None

    def link(self, text: str, file: str, passages: list[Passage] | None = None) -> list[Link]:
        """Every mention in ``text``, in order; ``text[link.start:link.end] == link.text`` always.

        A feature of an island ("Kurilsk") gives two links on the same span: the feature (explicit) and
        its island (implicit, rule ``feature``). An anaphor ("the island", "同島") gives an implicit link
        (rule ``anaphora``) to its antecedent when there is exactly one (see AnaphoraRules).

        Long because it is the hot loop, one iteration per candidate match, measured against its peers in
        benchmarks/bench_linking.py: its state lives in locals, and splitting it into helpers would add a
        call (and passing that state) per match.
        """
        normalized, breaks = normalize(text)
        size = len(normalized)
        locator: PassageLocator | None = None  # built on the first anaphor (rare)
        text_size = len(text)
        # The passage at ``cursor``, and where the next one starts, kept in locals: links come in text order,
        # so the passages are walked forward, and most links fall in the passage of the link before them.
        cursor = here_start = here_end = next_start = 0
        here_id: str | None = None
        starts: list[int] = []  # passage starts and, last, the text's size (every link starts before it)
        if passages:
            starts = [passage.start for passage in passages]
            starts.append(text_size)
            here_id, _, here_start, here_end, _ = passages[0]
            next_start = starts[1]
        links: list[Link] = []
        # (start, class, island or group id) of every place linked so far, for anaphora.
        antecedents: list[tuple[int, int, str]] = []
        last_end = -1  # normalized end of the last link made (a suffix right after it undoes it)
        last_count = 0  # how many links the last mention made (a feature makes two)
        last_antecedent = 0  # whether the last mention was recorded as an antecedent (its class)
        newlines: list[int] | None = None  # line starts, for paragraphs when no passages are given
        after_vessel = -1  # where a name would have to start to be a vessel's name
        skip_until = -1  # end of the last word linked by the typo rule
        # The leftmost-longest non-overlapping keys in text order, resolved in Rust. When the longest key at a
        # place fails its word boundary, the first shorter key inside it that fits is used ("Urup Island" in
        # "Urup Islands"); the benchmark's per-alias reference agrees on its corpus.
        values = self._values
        for index, start, end in find_keys(self._automaton, normalized):
            length, left, right, role, payload = values[index]
            if (left and start and normalized[start - 1] in WORD_CHARS) or (
                right and end < size and normalized[end] in WORD_CHARS
            ):
                shorter = self._shorter(normalized, start, end) if length > 1 else None
                if shorter is None:
                    continue
                start, end, (length, left, right, role, payload) = shorter
            if start < skip_until:
                continue  # inside a word already linked as a possible misspelling
            if role == _FUZZY:
                if not text[_to_original(start, breaks) if breaks else start].isupper():
                    continue  # a typo of a name is still written as a name: most prefix hits end here
                word_end = _WORD_RUN.match(normalized, start).end()  # type: ignore[union-attr]
                typo = self._typo(normalized[start:word_end], payload)
                if typo is None:
                    continue
                role, payload, end, skip_until = _NAME, typo, word_end, word_end
            if role:  # not a name: a vessel word, a suffix, a blocker or an anaphor
                if role == _VESSEL:
                    while end < size and normalized[end] in OPENING:
                        end += 1
                    after_vessel = end
                elif role == _SUFFIX:
                    while start and normalized[start - 1] in CLOSING:
                        start -= 1
                    if start == last_end:
                        del links[len(links) - last_count :]
                        if last_antecedent:
                            antecedents.pop()
                        last_end = -1
                elif role == _ANAPHOR:
                    if passages and locator is None:
                        locator = PassageLocator(passages)
                    if newlines is None and locator is None:
                        newlines = [m.start() for m in _NEWLINE.finditer(text)]
                    made = self._anaphor(
                        text, normalized, breaks, start, end, payload, file, locator, antecedents, newlines
                    )
                    if made:
                        links.extend(made)
                continue
            if start == after_vessel:
                continue
            if breaks:
                o_start, o_end = _to_original(start, breaks), _to_original(end - 1, breaks) + 1
                hyphenated = o_end - o_start != end - start
            else:
                o_start, o_end, hyphenated = start, end, False
            surface = text[o_start:o_end]
            place, alias, rule, kind, lang, flag_cache, parent, cls, antecedent = payload
            if flag_cache is None:  # a case-sensitive name (Кетой the island, кетой the fish)
                if not surface[:1].isupper():
                    continue
                flag_cache = {}
            elif rule == "fuzzy" and not surface[:1].isupper():
                continue  # a typo of a name is still written as a name
            flags = None if hyphenated else flag_cache.get(surface)
            if flags is None:
                flags = _flags(surface, alias, hyphenated)
                if rule == "fuzzy":
                    flags += ("misspelling",)
                if not hyphenated and len(flag_cache) < 1000:
                    flag_cache[surface] = flags
            if (
                o_end < text_size
                and text[o_end] in "'’"
                and text.startswith(("'s", "’s"), o_end)
                and (o_end + 2 >= text_size or not is_word_char(text[o_end + 2]))
            ):
                flags += ("possessive",)
            if passages:
                if next_start <= o_start:
                    cursor += 1
                    while starts[cursor + 1] <= o_start:
                        cursor += 1
                    here_id, _, here_start, here_end, _ = passages[cursor]
                    next_start = starts[cursor + 1]
                passage = here_id if here_start <= o_start < here_end else None
            else:
                passage = None
            # tuple.__new__ skips the NamedTuple's Python-level __new__: this loop runs per mention.
            links.append(
                _new_tuple(Link, (file, place, o_start, o_end, surface, kind, alias, rule, passage, flags, lang))
            )
            last_count = 1
            if parent:
                links.append(
                    _new_tuple(
                        Link,
                        (file, parent, o_start, o_end, surface, "implicit", alias, "feature", passage, flags, lang),
                    )
                )
                last_count = 2
            last_antecedent = cls
            if cls:  # paragraphs are worked out only when an anaphor needs them
                antecedents.append((o_start, cls, antecedent))
            last_end = end
        return links

    def _anaphor(
        self,
        text: str,
        normalized: str,
        breaks,
        start: int,
        end: int,
        payload: tuple,
        file: str,
        locator: PassageLocator | None,
        antecedents: list[tuple[int, int, str]],
        newlines: list[int] | None,
    ) -> list[Link]:
        """Implicit links of one anaphor to its antecedent(s), or none when ambiguous."""
        phrase, number, lang = payload
        if not antecedents:
            return []
        # "на острове Итуруп", "the island of Hokkaido", "the island nation": not an anaphor.
        rest = normalized[end : end + 40]
        following = rest.split(None, 1)[0] if rest[:1] == " " and rest.strip() else ""
        if following in self._not_before:
            return []
        if breaks:
            o_start, o_end = _to_original(start, breaks), _to_original(end - 1, breaks) + 1
        else:
            o_start, o_end = start, end
        after = text[o_end : o_end + 3].lstrip(" ")
        if after[:1].isupper() or after[:1] in '«"“':
            return []
        found = locator.at(o_start) if locator else None

        def paragraph_of(offset: int) -> int:
            if locator is not None:
                where = locator.at(offset)
                return where.paragraph if where else -1
            return bisect_right(newlines or [], offset)

        paragraph = paragraph_of(o_start)
        named = [(paragraph_of(offset), cls, place) for offset, cls, place in antecedents]
        # The nearest paragraph (this one, or up to paragraphs_back before it) that names a place decides.
        targets: list[str] = []
        for back in range(self._paragraphs_back + 1):
            wanted = paragraph - back
            islands = {place for para, cls, place in named if para == wanted and cls == _ISLAND}
            groups = {place for para, cls, place in named if para == wanted and cls == _GROUP}
            if not islands and not groups:
                continue
            if number == "singular":
                targets = sorted(islands) if len(islands) == 1 else []
            elif number == "dual":
                targets = sorted(islands) if len(islands) == 2 else []
            elif len(groups) == 1:
                targets = sorted(groups)
            else:
                targets = sorted(islands) if len(islands) >= 2 and not groups else []
            if number != "singular" or islands:
                break
        surface = text[o_start:o_end]
        passage = found.id if found else None
        return [
            _new_tuple(Link, (file, target, o_start, o_end, surface, "implicit", phrase, "anaphora", passage, (), lang))
            for target in targets
        ]


def _join(first: str, second: str) -> str:
    """Two parts of a blocker: touching in Japanese, one space apart otherwise."""
    japanese = any("\u3040" <= ch <= "\u9fff" for ch in first[-1:] + second[:1])
    return first + second if japanese else f"{first} {second}"


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
