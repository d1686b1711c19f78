"""The gazetteer: every place with every name it goes by, loaded from ``geodata/gazetteer.yaml``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.readers import read_yaml
from explorer.data.schema import Gazetteer, Place


@dataclass(frozen=True)
class PlaceIndex:
    """A validated gazetteer with lookups by id and by any name."""

    data: Gazetteer
    path: Path
    by_id: dict[str, Place] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {place.id: place for place in self.data.places})

    @property
    def places(self) -> list[Place]:
        return self.data.places

    def __getitem__(self, place_id: str) -> Place:
        return self.by_id[place_id]

    def __contains__(self, place_id: object) -> bool:
        return place_id in self.by_id

    def children(self, place_id: str) -> list[Place]:
        return [place for place in self.places if place.parent == place_id]

    def covered_by(self, place_id: str) -> set[str]:
        """The place and everything it contains (members and children, recursively)."""
        seen: set[str] = set()
        todo = [place_id]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.by_id:
                continue
            seen.add(current)
            todo.extend(self.by_id[current].members)
            todo.extend(child.id for child in self.children(current))
        return seen

    def find(self, query: str) -> list[Place]:
        """Places whose id or any name matches ``query`` (any script; case, width and macrons ignored).

        Exact name matches come first, then prefix matches, then substring matches.
        """
        wanted = fold(query)
        if not wanted:
            return []
        ranked: dict[str, int] = {}
        for place in self.places:
            for candidate in [place.id, *(name.text for name in place.names)]:
                folded = fold(candidate)
                rank = 0 if folded == wanted else 1 if folded.startswith(wanted) else 2 if wanted in folded else None
                if rank is not None and rank < ranked.get(place.id, 3):
                    ranked[place.id] = rank
        return [self.by_id[place_id] for place_id in sorted(ranked, key=lambda pid: (ranked[pid], pid))]


def fold(text: str) -> str:
    """Fold text for search: NFKC (full-width to ASCII), no diacritics (ō -> o), case-folded, ё -> е."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    # Keep Japanese voicing marks: dropping them would turn ボ into ホ.
    kept = "".join(ch for ch in decomposed if not (unicodedata.combining(ch) and ch not in "\u3099\u309a"))
    return unicodedata.normalize("NFKC", kept).casefold().replace("ё", "е").strip()


def load_gazetteer(path: Path = GAZETTEER_PATH) -> PlaceIndex:
    """Load and validate the gazetteer, checking references between places too."""
    data = read_yaml(path, Gazetteer)
    index = PlaceIndex(data, path)
    check_references(index)
    return index


def check_references(index: PlaceIndex) -> None:
    """Unique ids; every parent and member an existing id. Raises :class:`DataError`."""
    seen: set[str] = set()
    for position, place in enumerate(index.places):
        where = f"places[{position}] (id {place.id!r})"
        if place.id in seen:
            raise DataError(index.path, f"duplicate id {place.id!r}", where)
        seen.add(place.id)
    for position, place in enumerate(index.places):
        where = f"places[{position}] (id {place.id!r})"
        for ref in filter(None, [place.parent, *place.members]):
            if ref not in index.by_id:
                raise DataError(index.path, f"refers to unknown place id {ref!r}", where)
