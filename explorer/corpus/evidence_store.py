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

import contextlib
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.corpus.search_index import fresh_index_path
from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.schema import ISO_DATE_PREFIX
from explorer.text.dates import overlaps

if TYPE_CHECKING:  # built lazily (cached_gazetteer) when the app gives none
    from explorer.text.linking import Linker

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


_DATE = re.compile(ISO_DATE_PREFIX)
STORE_FILE = "evidence.sqlite3"
STORE_VERSION = "1"
_COLUMNS = 'p.id, p.file, p.kind, p.start, p."end", p.text, p.places, p.outlet, p.date, p.lang'

# The store's own tables, derived from the search index: every (place, passage) pair in the page
# order (newest first: undated last, then date descending, then file and position), so a page is a
# walk along the primary key whatever the corpus size. ``inside`` = 1 rows hold a group's passages
# through the places inside it. ``counts`` holds the totals.
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE ordered(
    place TEXT NOT NULL, inside INTEGER NOT NULL, undated INTEGER NOT NULL, date TEXT NOT NULL,
    file TEXT NOT NULL, start INTEGER NOT NULL, passage INTEGER NOT NULL,
    PRIMARY KEY(place, inside, undated, date DESC, file, start)) WITHOUT ROWID;
CREATE TABLE counts(
    place TEXT NOT NULL, inside INTEGER NOT NULL, passages INTEGER NOT NULL, articles INTEGER NOT NULL,
    PRIMARY KEY(place, inside)) WITHOUT ROWID;
"""
_FILL = """
INSERT OR IGNORE INTO ordered
SELECT pp.place, 0, p.date IS NULL, coalesce(p.date, ''), p.file, p.start, p.rowid
FROM idx.passage_places pp JOIN idx.passages p ON p.rowid = pp.passage WHERE p.rowid > :after;
INSERT OR IGNORE INTO ordered
SELECT pc.place, 1, p.date IS NULL, coalesce(p.date, ''), p.file, p.start, p.rowid
FROM idx.place_cover pc JOIN idx.passage_places pp ON pp.place = pc.covered JOIN idx.passages p ON p.rowid = pp.passage
WHERE p.rowid > :after AND pc.place IN (SELECT place FROM idx.place_cover GROUP BY place HAVING count(*) > 1);
"""


def _in_period(date: str | None, date_from: str | None, date_to: str | None) -> int:
    """SQL function: 1 when the article's date overlaps the asked range (as search filters dates)."""
    return int(bool(date) and bool(_DATE.match(date or "")) and overlaps(date, date_from, date_to))


def _uri(path: Path, mode: str | None = None) -> str:
    """An SQLite URI for ``path`` (percent-encoded: a folder named "a?b#c" stays a folder)."""
    return Path(path).resolve().as_uri() + (f"?mode={mode}" if mode else "")


def _index_identity(path: Path) -> tuple[str, str]:
    """(inode, inode:size:mtime) of the search index: an ingest appends in place, a rebuild is a new file."""
    stat = path.stat()
    return str(stat.st_ino), f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def _sync_store(index: Path, store: Path) -> bool:
    """Bring the store up to date with the index; True when it was (re)built or extended.

    Same index file, grown by an ingest (which only appends passages): the new passages are added.
    Another index file (a rebuild): the store is built anew in a temp file and renamed into place.
    """
    inode, identity = _index_identity(index)
    meta: dict[str, str] = {}
    if store.exists():
        try:
            with contextlib.closing(sqlite3.connect(_uri(store, "ro"), uri=True)) as conn:
                meta = dict(conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:
            meta = {}
    if meta.get("version") == STORE_VERSION and meta.get("index") == identity:
        return False
    incremental = meta.get("version") == STORE_VERSION and meta.get("inode") == inode
    target = store
    if not incremental:
        fd, tmp = tempfile.mkstemp(prefix=".evidence-", suffix=".tmp", dir=store.parent)
        os.close(fd)
        target = Path(tmp)
    try:
        conn = sqlite3.connect(_uri(target), uri=True, isolation_level=None)
        conn.execute("ATTACH DATABASE ? AS idx", (_uri(index, "ro"),))
        try:
            if not incremental:
                conn.executescript(_SCHEMA)
            conn.execute("BEGIN IMMEDIATE")
            after = int(meta.get("max_rowid", 0)) if incremental else 0
            new_max = conn.execute("SELECT coalesce(max(rowid), 0) FROM idx.passages").fetchone()[0]
            for statement in _FILL.strip().split(";\n"):
                conn.execute(statement.rstrip(";"), {"after": after})
            # New passages belong to new articles (an ingest never changes one), so counts add up.
            conn.execute(
                "INSERT INTO counts SELECT place, inside, count(*), count(DISTINCT file) FROM ordered "
                "WHERE passage > ? GROUP BY place, inside ON CONFLICT(place, inside) DO UPDATE SET "
                "passages = passages + excluded.passages, articles = articles + excluded.articles",
                (after,),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("version", STORE_VERSION), ("inode", inode), ("index", identity), ("max_rowid", str(new_max))],
            )
            conn.execute("COMMIT")
        finally:
            conn.close()
        if not incremental:
            os.replace(target, store)
    except BaseException:
        if not incremental:
            with contextlib.suppress(OSError):
                os.unlink(target)
        raise
    return True


class EvidenceStore:
    """Read-only evidence of one corpus from its store. Use as a context manager or call :meth:`close`.

    The store is ``<corpus>/.cache/evidence.sqlite3``, derived from the search index (a cache too): built
    when missing, extended after an ingest, rebuilt after the index was. ``linker``: the app's own
    :class:`~explorer.text.linking.Linker`, if it has one (else one is built at the first :meth:`mentions`).
    """

    def __init__(self, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, linker: Linker | None = None) -> None:
        self.corpus = Path(corpus)
        self.gazetteer_path = gazetteer_path
        index, self.rebuilt = fresh_index_path(self.corpus, gazetteer_path)
        store = index.with_name(STORE_FILE)
        try:
            self.synced = _sync_store(index, store)
        except (OSError, sqlite3.Error) as err:
            raise DataError(store, f"the evidence store could not be written ({err})") from None
        self.conn = sqlite3.connect(_uri(store, "ro"), uri=True, check_same_thread=False)
        self.conn.execute("ATTACH DATABASE ? AS idx", (_uri(index, "ro"),))
        self.conn.create_function("in_period", 3, _in_period, deterministic=True)
        self._linker = linker
        self._links: dict[str, list] = {}
        self._groups = {row[0] for row in self.conn.execute("SELECT DISTINCT place FROM counts WHERE inside = 1")}

    def __enter__(self) -> EvidenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # --- Counts -----------------------------------------------------------------------------------

    def place_counts(self, inside: bool = False) -> dict[str, int]:
        """Passages that mention each place directly (as ``Evidence.passage_counts``); with ``inside``,
        a group's count includes the passages of the places inside it (each passage once)."""
        return {place: count for place, count in self._counts(inside, "passages")}

    def article_counts(self, inside: bool = False) -> dict[str, int]:
        """Articles that mention each place directly (with ``inside``: or a place inside it)."""
        return {place: count for place, count in self._counts(inside, "articles")}

    def _counts(self, inside: bool, column: str) -> list[tuple[str, int]]:
        rows = self.conn.execute(f"SELECT place, inside, {column} FROM counts").fetchall()
        direct = {place: count for place, flag, count in rows if not flag}
        if inside:
            direct |= {place: count for place, flag, count in rows if flag}
        return sorted(direct.items())

    def article_count(self) -> int:
        """Articles in the store (those with at least one passage)."""
        return self.conn.execute("SELECT count(DISTINCT file) FROM idx.passages").fetchone()[0]

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
        flag = int(inside and place in self._groups)
        where, params = "o.place = ? AND o.inside = ?", [place, flag]
        if date_from or date_to:
            where += " AND in_period(nullif(o.date, ''), ?, ?)"
            params += [date_from, date_to]
            total = self.conn.execute(f"SELECT count(*) FROM ordered o WHERE {where}", params).fetchone()[0]
        else:
            row = self.conn.execute("SELECT passages FROM counts WHERE place = ? AND inside = ?", params).fetchone()
            total = row[0] if row else 0
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM ordered o JOIN idx.passages p ON p.rowid = o.passage WHERE {where} "
            "ORDER BY o.place, o.inside, o.undated, o.date DESC, o.file, o.start LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        found = [
            StoredPassage(pid, file, kind, start, end, text, tuple(places.split()), outlet, date, lang)
            for pid, file, kind, start, end, text, places, outlet, date, lang in rows
        ]
        return PassagePage(place, total, offset, found)

    # --- Mentions ---------------------------------------------------------------------------------

    def mentions(self, passage: StoredPassage) -> list:
        """The mentions in one passage (``explorer.text.linking.Link``, offsets in the article text).

        The passage's article is linked whole, as the index was built: some rules (anaphora, a
        feature's island) read the rest of the paragraph, so a passage linked alone can differ.
        """
        return [link for link in self._article_links(passage.file) if link.passage == passage.id]

    def _article_links(self, file: str) -> list:
        if file not in self._links:
            from explorer.corpus.documents import article_files, corpus_view, load_document
            from explorer.corpus.workers import cached_gazetteer

            if self._linker is None:
                self._linker = cached_gazetteer(Path(self.gazetteer_path))[1]
            entries = {entry.path.name: entry for entry in article_files(corpus_view(self.corpus))[0]}
            entry = entries.get(file)
            if entry is None:
                return []
            document = load_document(entry.path, entry.article, origin=entry.origin, follow_symlinks=False)
            if len(self._links) >= 64:  # one page touches a few articles; keep the memory bounded
                self._links.clear()
            self._links[file] = self._linker.link(document.text, document.file, document.passages)
        return self._links[file]
