"""Evidence read from the corpus's store (the SQLite search index), not by linking the corpus at start.

At 100,000 articles, reading and linking every article takes minutes and gigabytes; the index already
holds every passage, its article's date and outlet, and the places each passage mentions. This module
reads them:

* :meth:`EvidenceStore.place_counts`: passages that mention each place (directly), for the map;
  :meth:`EvidenceStore.article_counts`: articles that mention each place;
* :meth:`EvidenceStore.passages`: one page of a place's passages, newest article first (undated
  articles last; then by file and position), with the total, optionally with the places inside it
  and a date range (the same period rule as search);
* :meth:`EvidenceStore.mentions`: the mentions inside the passages of one page (the page's passages
  linked again: a few sentences, so cheap), for highlighting.

Opening checks staleness cheaply (:func:`explorer.corpus.search_index.fresh_index_path`): a few stats
while nothing changed; the index is rebuilt when the corpus changed. Imports no Streamlit.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from explorer.corpus.search_index import fresh_index_path
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.schema import ISO_DATE_PREFIX
from explorer.text.dates import overlaps

PAGE_SIZE = 20


@dataclass(frozen=True)
class StoredPassage:
    id: str  # "<file stem>:p<paragraph>.s<sentence>", as everywhere in the explorer
    file: str
    kind: str
    start: int  # offsets in the article text
    end: int
    text: str
    places: tuple[str, ...]  # every place the passage mentions (directly)
    outlet: str | None
    date: str | None
    lang: str | None


@dataclass(frozen=True)
class PassagePage:
    place: str
    total: int  # passages that match, over all pages
    offset: int
    passages: list[StoredPassage]

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.passages) < self.total


# Newest first: a date sorts as its text (ISO prefixes); undated last; then file and position.
_ORDER = "ORDER BY p.date IS NULL, p.date DESC, p.file, p.start"
_COLUMNS = 'p.id, p.file, p.kind, p.start, p."end", p.text, p.places, p.outlet, p.date, p.lang'


_DATE = re.compile(ISO_DATE_PREFIX)


def _in_period(date: str | None, date_from: str | None, date_to: str | None) -> int:
    """SQL function: 1 when the article's date overlaps the asked range (as search filters dates)."""
    return int(bool(date) and bool(_DATE.match(date or "")) and overlaps(date, date_from, date_to))


class EvidenceStore:
    """Read-only evidence of one corpus from its index. Use as a context manager or call :meth:`close`."""

    def __init__(self, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH) -> None:
        self.corpus = Path(corpus)
        self.gazetteer_path = gazetteer_path
        path, self.rebuilt = fresh_index_path(self.corpus, gazetteer_path)
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.conn.create_function("in_period", 3, _in_period, deterministic=True)
        self._linker = None

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # --- Counts -----------------------------------------------------------------------------------

    def place_counts(self) -> dict[str, int]:
        """Passages that mention each place directly (as ``Evidence.passage_counts``)."""
        return dict(self.conn.execute("SELECT place, count(*) FROM passage_places GROUP BY place"))

    def article_counts(self) -> dict[str, int]:
        """Articles that mention each place directly."""
        sql = (
            "SELECT pp.place, count(DISTINCT p.file) FROM passage_places pp "
            "JOIN passages p ON p.rowid = pp.passage GROUP BY pp.place"
        )
        return dict(self.conn.execute(sql))

    def article_count(self) -> int:
        """Articles in the store (those with at least one passage)."""
        return self.conn.execute("SELECT count(DISTINCT file) FROM passages").fetchone()[0]

    # --- Pages ------------------------------------------------------------------------------------

    def passages(
        self,
        place: str,
        *,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        inside: bool = False,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> PassagePage:
        """One page of the passages that mention ``place`` (with ``inside``: or a place inside it),
        newest article first, and how many there are in all. Raises ``ValueError`` for a bad date."""
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None and not _DATE.match(value):
                raise ValueError(f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if inside:
            members = "SELECT pp.passage FROM passage_places pp JOIN place_cover pc ON pp.place = pc.covered WHERE pc.place = ?"
        else:
            members = "SELECT passage FROM passage_places WHERE place = ?"
        where, params = f"p.rowid IN ({members})", [place]
        if date_from or date_to:
            where += " AND in_period(p.date, ?, ?)"
            params += [date_from, date_to]
        if not (date_from or date_to) and not inside:
            total = self.conn.execute("SELECT count(*) FROM passage_places WHERE place = ?", (place,)).fetchone()[0]
        else:
            total = self.conn.execute(f"SELECT count(*) FROM passages p WHERE {where}", params).fetchone()[0]
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM passages p WHERE {where} {_ORDER} LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        found = [
            StoredPassage(pid, file, kind, start, end, text, tuple(places.split()), outlet, date, lang)
            for pid, file, kind, start, end, text, places, outlet, date, lang in rows
        ]
        return PassagePage(place, total, offset, found)

    # --- Mentions ---------------------------------------------------------------------------------

    def mentions(self, passage: StoredPassage) -> list:
        """The mentions in one passage (``explorer.text.linking.Link``, offsets in the article text)."""
        from explorer.text.linking import Link

        if self._linker is None:
            from explorer.corpus.workers import cached_gazetteer

            self._linker = cached_gazetteer(Path(self.gazetteer_path))[1]
        links = self._linker.link(passage.text, passage.file)
        return [
            Link(
                passage.file,
                l.place,
                l.start + passage.start,
                l.end + passage.start,
                l.text,
                l.kind,
                l.alias,
                l.rule,
                passage.id,
                l.flags,
                l.alias_lang,
            )
            for l in links
        ]
