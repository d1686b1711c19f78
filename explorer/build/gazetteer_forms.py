"""Generate the Russian case forms of the gazetteer's names and the typo rule's word list, at build time.

    python -m explorer.build.gazetteer_forms            # report what would change (exit 1 if anything)
    python -m explorer.build.gazetteer_forms --write    # write it into geodata/gazetteer.yaml

What it does (needs requirements-dev.txt: pymorphy3, pymorphy3-dicts-ru and pyspellchecker):

* **Case forms.** For every island, islet, group and feature with a Russian official name, pymorphy3 inflects
  the name into the six cases (singular; plural for plural names such as Курильские острова), and the
  "остров X" pattern into the six cases (остров Итуруп, острова Итуруп, острову Итуруп ...; "острова X" in
  the plural for groups). Each form missing from the place's names is added as ``kind: case_form`` with its
  case and ``note: pymorphy3``. Linking never lemmatizes: it matches these forms.
* **Review.** ``geodata/case_forms_review.yaml`` is the human review of that output: names pymorphy3 misparses
  or that do not decline (Хабомаи, Шумшу, Райкоке, Маканруши, Матуа ...) only get the "остров X" pattern,
  and single forms can be rejected with a reason. A name whose first parse is not a nominative noun or
  adjective is treated as indeclinable too, and listed in the report so the review can confirm it.
* **Typo rule.** ``linking.fuzzy.never`` gets every real word one edit away from a name the typo rule covers
  (pymorphy3's Russian dictionary, pyspellchecker's English one), except forms of the gazetteer's own names.

The gazetteer file is edited as text (new lines after each place's last name; the ``never:`` list replaced),
so comments and layout stay as they are; running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from explorer.data.errors import DataError
from explorer.data.gazetteer import load_gazetteer
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.schema import FEATURE_KINDS, Gazetteer, Place
from explorer.text.linking import fuzzy_sources, normalize, one_edit_variants

REVIEW_PATH = GAZETTEER_PATH.parent / "case_forms_review.yaml"
CASES = {
    "nomn": "nominative",
    "gent": "genitive",
    "datv": "dative",
    "accs": "accusative",
    "ablt": "instrumental",
    "loct": "prepositional",
}
DECLINED_KINDS = frozenset({"island", "islet", "group", "archipelago"}) | FEATURE_KINDS


def _morph():
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover - a dev dependency
        raise SystemExit(
            'pymorphy3 is needed: pip install -r requirements-dev.txt (or the package\'s "build" extra)'
        ) from None
    return pymorphy3.MorphAnalyzer(lang="ru")


def _restore_case(form: str, model: str) -> str:
    """``form`` written with the capitals of ``model`` word by word (pymorphy3 answers in lower case)."""
    out = []
    for word, like in zip(form.split(" "), model.split(" "), strict=True):
        out.append(word[:1].upper() + word[1:] if like[:1].isupper() else word)
    return " ".join(out)


def _inflect_words(morph, words: list[str], case: str, number: str) -> list[str] | None:
    """Every word inflected when it is a nominative noun or adjective; other words (a genitive
    attribute such as Полонского) stay. ``None`` when a word that should inflect cannot."""
    out = []
    for word in words:
        parses = morph.parse(word)
        parse = next((p for p in parses if "nomn" in p.tag.grammemes), parses[0])
        if {"nomn"} <= parse.tag.grammemes and ({"NOUN"} <= parse.tag.grammemes or {"ADJF"} <= parse.tag.grammemes):
            if "Fixd" in parse.tag.grammemes:
                out.append(word.lower())
                continue
            wanted = {case, number}
            if "ADJF" in parse.tag.grammemes and number == "sing" and parse.tag.gender:
                wanted.add(parse.tag.gender)
            inflected = parse.inflect(wanted)
            if inflected is None:
                return None
            out.append(inflected.word)
        else:
            out.append(word.lower())
    return out


def declines(morph, name: str) -> bool:
    """Whether pymorphy3 reads the name's head word as a nominative noun or adjective that declines."""
    parse = morph.parse(name.split(" ")[0])[0]
    grammemes = parse.tag.grammemes
    return "nomn" in grammemes and "Fixd" not in grammemes and bool(grammemes & {"NOUN", "ADJF"})


def proposed_forms(morph, place: Place, review: dict) -> list[tuple[str, str]]:
    """(form, case label) for one place, review applied."""
    official = [n.text for n in place.names if n.lang == "ru" and n.script == "Cyrl" and n.kind == "official"]
    if not official:
        return []
    name = official[0]
    bare = re.sub(r"^(остров|острова)\s+", "", name)
    pattern_only = name != bare  # "остров Сигнальный": the pattern carries the case
    indeclinable = set(review.get("indeclinable") or ())
    plural = bool(re.search(r"(острова|ы|и)$", bare)) and place.kind in ("group", "archipelago") and " " in bare
    out: list[tuple[str, str]] = []
    words = bare.split(" ")
    generic = words[0][:1].islower()  # "аэродром Буревестник": only the generic word declines
    if not pattern_only and bare not in indeclinable and declines(morph, bare):
        plural = plural or "plur" in morph.parse(words[0])[0].tag.grammemes
        # Every case in both numbers for a singular name: a plural of an island's name is rare, but some
        # writers use it and no such form collides with another word. Plural names only decline as plurals.
        both = place.kind in ("island", "islet") and not generic
        numbers = ["plur"] if plural else ["sing", "plur"] if both else ["sing"]
        for number in numbers:
            for case, label in CASES.items():
                if generic:
                    head = _inflect_words(morph, words[:1], case, number)
                    inflected = head + words[1:] if head else None
                else:
                    inflected = _inflect_words(morph, words, case, number)
                if inflected:
                    form = " ".join(inflected)
                    tag = f"{label}{' plural' if number == 'plur' else ''}"
                    out.append((_restore_case(form, bare) if not generic else form, tag))
    if name.startswith("острова "):  # a name for several islets ("острова Дёмина")
        for case, label in CASES.items():
            islands = morph.parse("остров")[0].inflect({case, "plur"})
            out.append((f"{islands.word} {bare}", f"{label} plural (острова {bare})"))
    elif place.kind in ("island", "islet") or (pattern_only and not plural):
        for case, label in CASES.items():
            island = morph.parse("остров")[0].inflect({case, "sing"})
            out.append((f"{island.word} {bare}", f"{label} (остров {bare})"))
    if place.kind == "group" and bare in indeclinable:
        for case, label in CASES.items():
            islands = morph.parse("остров")[0].inflect({case, "plur"})
            out.append((f"{islands.word} {bare}", f"{label} plural (острова {bare})"))
    rejected = set((review.get("reject") or {}).get(place.id) or ())
    seen: set[str] = set()
    result = []
    for form, label in out:
        if form not in rejected and form.lower() not in seen:
            seen.add(form.lower())
            result.append((form, label))
    return result


def never_words(morph, gazetteer: Gazetteer) -> list[str]:
    """Real words one edit from a name of the typo rule, except forms of the gazetteer's own names."""
    try:
        from spellchecker import SpellChecker
    except ImportError:  # pragma: no cover - a dev dependency
        raise SystemExit(
            'pyspellchecker is needed: pip install -r requirements-dev.txt (or the package\'s "build" extra)'
        ) from None
    english = SpellChecker(language="en").word_frequency.dictionary
    names = {normalize(n.text)[0].strip() for p in gazetteer.places for n in p.names}
    lemmas = {normalize(n.text)[0].strip() for p in gazetteer.places for n in p.names if n.lang == "ru"}
    found: set[str] = set()
    for key, _place in fuzzy_sources(gazetteer):
        for variant in one_edit_variants(key):
            if variant in names:
                continue
            if any("а" <= ch <= "я" for ch in variant):
                if morph.word_is_known(variant) and not any(
                    p.normal_form in lemmas for p in morph.parse(variant) if "Geox" in p.tag.grammemes
                ):
                    found.add(variant)
            elif variant in english:
                found.add(variant)
    return sorted(found)


def _flow(text: str) -> str:
    return text if re.fullmatch(r"[\w\- ()/.]+", text) else '"' + text.replace('"', '\\"') + '"'


def apply(text: str, additions: dict[str, list[tuple[str, str]]], never: list[str]) -> str:
    """The gazetteer text with the new forms after each place's last name, and the new ``never`` list."""
    lines = text.split("\n")
    out: list[str] = []
    current: str | None = None
    in_names = False
    pending: list[str] = []

    def flush() -> None:
        nonlocal pending
        out.extend(pending)
        pending = []

    for line in lines:
        match = re.match(r"  - id: (\S+)$", line)
        if match:
            flush()
            current = match.group(1)
            in_names = False
        elif current and line == "    names:":
            in_names = True
        elif in_names and not line.startswith("      - "):
            in_names = False
            pending = [
                f"      - {{text: {_flow(form)}, lang: ru, script: Cyrl, kind: case_form, case: {_flow(label)}, "
                f"note: pymorphy3}}"
                for form, label in additions.get(current or "", [])
            ]
            flush()
        out.append(line)
    flush()
    body = "\n".join(out)
    block = "    never:\n" + "".join(f"      - {_flow(word)}\n" for word in never) if never else "    never: []\n"
    body, count = re.subn(r"    never:(?: \[\])?\n(?:      - .*\n)*", block, body)
    if not count:
        body = body.replace("    min_length: 6\n", "    min_length: 6\n" + block, 1)
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the forms and the word list into the gazetteer")
    parser.add_argument("--gazetteer", type=Path, default=GAZETTEER_PATH, help="gazetteer file (default: geodata/)")
    parser.add_argument("--review", type=Path, default=REVIEW_PATH, help="review file (default: geodata/)")
    args = parser.parse_args(argv)
    try:
        index = load_gazetteer(args.gazetteer)
    except DataError as err:
        print(err, file=sys.stderr)
        return 1
    review = yaml.safe_load(args.review.read_text(encoding="utf-8")) or {}
    morph = _morph()
    additions: dict[str, list[tuple[str, str]]] = {}
    for place in index.places:
        if place.kind not in DECLINED_KINDS:
            continue
        present = {normalize(n.text)[0].strip() for n in place.names}
        new = [(f, c) for f, c in proposed_forms(morph, place, review) if normalize(f)[0].strip() not in present]
        if new:
            additions[place.id] = new
        official = [n.text for n in place.names if n.lang == "ru" and n.kind == "official"]
        generic = official and (official[0][:1].islower() or " " in official[0])
        indeclinable = review.get("indeclinable") or ()
        if official and not generic and not declines(morph, official[0]) and official[0] not in indeclinable:
            print(f"review: {place.id}: {official[0]!r} read as not declining (confirm in the review file)")
    never = never_words(morph, index.data)
    text = args.gazetteer.read_text(encoding="utf-8")
    updated = apply(text, additions, never)
    for place_id, forms in additions.items():
        print(f"{place_id}: " + ", ".join(form for form, _ in forms))
    print(f"{sum(map(len, additions.values()))} new case forms; {len(never)} words in linking.fuzzy.never")
    if updated == text:
        print("the gazetteer is up to date")
        return 0
    if args.write:
        args.gazetteer.write_text(updated, encoding="utf-8")
        load_gazetteer(args.gazetteer)  # still valid
        print(f"written: {args.gazetteer}")
        return 0
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
