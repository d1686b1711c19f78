"""Finding a place by what someone typed: any name, any script, with suggestions for a near miss.

No Streamlit here: the place box and the full-text search both use :func:`lookup`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from explorer.data.gazetteer import PlaceIndex, fold

SUGGESTION_CUTOFF = 75.0  # rapidfuzz WRatio: one-letter typos of island names score well above this


@dataclass(frozen=True)
class Lookup:
    query: str
    place: str | None  # the place understood, when a name matched
    exact: bool  # the query is one of the place's names (not only a part of one)
    suggestions: tuple[str, ...] = ()  # place ids that come close, when nothing matched


def lookup(gazetteer: PlaceIndex, query: str, limit: int = 3) -> Lookup:
    """The place ``query`` names (exact name first, then prefix, then substring, as
    :meth:`PlaceIndex.find`), or up to ``limit`` suggestions by similarity of names."""
    text = query.strip()
    if not fold(text):
        return Lookup(text, None, False)
    found = gazetteer.find(text)
    if found:
        place = found[0]
        wanted = fold(text)
        exact = wanted in {fold(place.id), *(fold(name.text) for name in place.names)}
        return Lookup(text, place.id, exact)
    choices = {(place.id, fold(name.text)): fold(name.text) for place in gazetteer.places for name in place.names}
    ranked = process.extract(fold(text), choices, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=SUGGESTION_CUTOFF)
    suggestions: list[str] = []
    for _match, _score, (place_id, _name) in ranked:
        if place_id not in suggestions:
            suggestions.append(place_id)
    return Lookup(text, None, False, tuple(suggestions[:limit]))
