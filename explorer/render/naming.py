"""Labels by language and point of view, chosen from the gazetteer's names by fixed rules.

The rules (documented in README, "Naming and point of view"):

* ``ja`` / ``ru``: the place's first official name in that language; ``both``: Japanese and Russian
  side by side.
* ``en``: under the Japanese view a disputed place takes its shortest romanized Japanese name
  (Etorofu), under the Russian view its English/romanized Russian name (Iturup), and under the
  neutral view both, the administering state's name first ("Iturup / Etorofu"), or one name when
  it already contains the other ("Habomai Islands"). Undisputed places keep their English name.
* The four disputed groups together take the name each view gives them (``views`` in the gazetteer).
"""

from __future__ import annotations

import re
from typing import Literal

from explorer.data.gazetteer import PlaceIndex
from explorer.data.schema import Place
from explorer.render.viewpoints import LabelLang, View

# Which place stands for "the four disputed groups together" (its label comes from the view).
DISPUTED_GROUP = "disputed_islands"
_ISLAND_SUFFIX = re.compile(r"[-\s]?(tō|to|guntō|gunto|shotō|shoto)$")


def romanized(place: Place, lang: Literal["ja", "ru", "en"]) -> str | None:
    """The place's Latin-script name of that origin: for Japanese the shortest (Etorofu, not
    Etorofu-tō), otherwise the first official one."""
    candidates = [n for n in place.names if n.lang == lang and n.script == "Latn" and n.kind != "case_form"]
    if not candidates:
        return None
    if lang == "ja":
        shortest = min(candidates, key=lambda n: (n.uncertain, len(n.text), n.text)).text
        # "Shikotan-tō" -> "Shikotan" when the place also goes by the bare name (in any language).
        stem = _ISLAND_SUFFIX.sub("", shortest)
        return stem if stem != shortest and any(n.text == stem for n in place.names) else shortest
    return sorted(candidates, key=lambda n: n.kind != "official")[0].text


def english_label(place: Place, view: View) -> str:
    japanese = romanized(place, "ja")
    other = romanized(place, "en") or romanized(place, "ru") or place.label("en")
    if not place.disputed or japanese is None:
        return other
    if view == "japan":
        return japanese
    if view == "russia" or other.lower().startswith(japanese.lower()):  # "Habomai Islands" already says "Habomai"
        return other
    return f"{other} / {japanese}"


def place_label(gazetteer: PlaceIndex, place: Place, lang: LabelLang, view: View) -> str:
    if place.id == DISPUTED_GROUP:
        return group_label(gazetteer, lang, view)
    if lang == "en":
        return english_label(place, view)
    if lang == "both":
        return f"{_native(place, 'ja')} / {_native(place, 'ru')}"
    return _native(place, lang)


def _native(place: Place, lang: Literal["ja", "ru"]) -> str:
    script = "Jpan" if lang == "ja" else "Cyrl"
    names = [n for n in place.names if n.lang == lang and n.script == script and n.kind != "case_form"]
    names.sort(key=lambda n: n.kind != "official")
    return names[0].text if names else english_label(place, "neutral")


def group_label(gazetteer: PlaceIndex, lang: LabelLang, view: View) -> str:
    wording = gazetteer.data.views[view].group_name
    if lang == "both":
        return f"{wording['ja']} / {wording['ru']}"
    return wording[lang]


def view_statement(gazetteer: PlaceIndex, view: View) -> str:
    """The sentence every page shows so that the reader always knows which view is on screen."""
    wording = gazetteer.data.views[view]
    return f"Point of view: {wording.label}. {wording.description}"
