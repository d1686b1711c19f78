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
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.corpus.search_index import fresh_index_path
from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.schema import ISO_DATE_PREFIX
from explorer.text.dates import span

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
STORE_VERSION = "3"
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
CREATE TABLE by_article(
    place TEXT NOT NULL, file TEXT NOT NULL, passages INTEGER NOT NULL, undated INTEGER NOT NULL, date TEXT NOT NULL,
    PRIMARY KEY(place, file)) WITHOUT ROWID;
CREATE INDEX by_article_most ON by_article(place, passages DESC, undated, date DESC, file);
CREATE TABLE months(month TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE outlets(outlet TEXT PRIMARY KEY) WITHOUT ROWID;
"""
_FILL = """
INSERT OR IGNORE INTO ordered
SELECT pp.place, 0, p.date IS NULL, coalesce(p.date, ''), p.file, p.start, p.rowid
FROM idx.passage_places pp JOIN idx.passages p ON p.rowid = pp.passage WHERE p.rowid > :after;
INSERT OR IGNORE INTO months
SELECT DISTINCT substr(date, 1, 7) FROM idx.passages WHERE rowid > :after AND date IS NOT NULL;
INSERT OR IGNORE INTO outlets SELECT DISTINCT outlet FROM idx.passages WHERE rowid > :after AND outlet IS NOT NULL;
INSERT OR IGNORE INTO ordered
SELECT pc.place, 1, p.date IS NULL, coalesce(p.date, ''), p.file, p.start, p.rowid
FROM idx.place_cover pc JOIN idx.passage_places pp ON pp.place = pc.covered JOIN idx.passages p ON p.rowid = pp.passage
WHERE p.rowid > :after AND pc.place IN (SELECT place FROM idx.place_cover GROUP BY place HAVING count(*) > 1);
"""


Period = tuple[str | None, str | None]


def sql_filters(table: str, period: Period, files: frozenset[str] | None) -> tuple[str, list]:
    """SQL conditions (each after " AND") and parameters for a date range and a set of files.

    ``table`` is the alias of the table filtered: ``"o"`` for the store's tables (an ``undated`` flag,
    ``date`` empty when unknown), ``"p"`` for the index's passages (``date`` NULL when unknown).

    A date overlaps the range as :func:`explorer.text.dates.overlaps` says, written in SQL (an ISO
    prefix padded to its first and last day, every month 31 days) with a plain range on the date
    before it, so that a place's rows in ``ordered`` are read by a range of its primary key.
    """
    where, params = "", []
    date_from, date_to = period
    if date_from or date_to:
        where += f" AND {table}.undated = 0" if table == "o" else f" AND {table}.date IS NOT NULL"
    if date_from:
        first = span(date_from)[0]
        where += f" AND {table}.date >= ? AND ({table}.date || substr('-12-31', length({table}.date) - 3)) >= ?"
        params += [first[:4], first]
    if date_to:
        last = span(date_to)[1]
        where += f" AND {table}.date <= ? AND ({table}.date || substr('-01-01', length({table}.date) - 3)) <= ?"
        params += [last, last]
    if files is not None:
        where += f" AND {table}.file IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(files)))
    return where, params


def _uri(path: Path, mode: str | None = None) -> str:
    """An SQLite URI for ``path`` (percent-encoded: a folder named "a?b#c" stays a folder)."""
    return Path(path).resolve().as_uri() + (f"?mode={mode}" if mode else "")


def _index_identity(path: Path) -> tuple[str, str]:
    """(generation, generation:fingerprint:last passage) of the search index: an ingest appends in place
    and stores a new fingerprint; a rebuild is a new file (inode), a removal deletes in place and counts
    itself, and either is a new generation the store cannot extend. Read through SQLite, not from the
    file's size and mtime: in WAL mode an ingest's pages wait in the ``-wal`` file, and the main file is
    unchanged."""
    inode = str(path.stat().st_ino)
    with contextlib.closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('fingerprint', 'removals')"))
        last = conn.execute("SELECT coalesce(max(rowid), 0) FROM passages").fetchone()[0]
    removals = meta.get("removals")
    generation = f"{inode}:{removals}" if removals else inode  # as before for an index never removed from
    return generation, f"{generation}:{meta.get('fingerprint', '')}:{last}"


def _sync_store(index: Path, store: Path) -> bool:
    """Bring the store up to date with the index; True when it was (re)built or extended.

    Same index file, grown by an ingest (which only appends passages): the new passages are added.
    Another index file (a rebuild), or an article removed from it: the store is built anew in a temp file
    and renamed into place.
    """
    generation, identity = _index_identity(index)
    meta: dict[str, str] = {}
    if store.exists():
        try:
            with contextlib.closing(sqlite3.connect(_uri(store, "ro"), uri=True)) as conn:
                meta = dict(conn.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError:
            meta = {}
    if meta.get("version") == STORE_VERSION and meta.get("index") == identity:
        return False
    incremental = meta.get("version") == STORE_VERSION and meta.get("inode") == generation  # "inode": its old name
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
            conn.execute(
                "INSERT INTO by_article SELECT place, file, count(*), min(undated), max(date) FROM ordered "
                "WHERE inside = 0 AND passage > ? GROUP BY place, file ON CONFLICT(place, file) DO UPDATE SET "
                "passages = passages + excluded.passages",
                (after,),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("version", STORE_VERSION), ("inode", generation), ("index", identity), ("max_rowid", str(new_max))],
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

    def __init__(self, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, linker: Any = None) -> None:
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
        self._linker = linker
        self._links: dict[str, list] = {}
        self._folders: list[Path] | None = None
        self._lock = threading.Lock()  # one connection, shared by the app's threads: one query at a time
        self._groups = {row[0] for row in self._query("SELECT DISTINCT place FROM counts WHERE inside = 1")}

    def _query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

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
        rows = self._query(f"SELECT place, inside, {column} FROM counts")
        direct = {place: count for place, flag, count in rows if not flag}
        if inside:
            direct |= {place: count for place, flag, count in rows if flag}
        return sorted(direct.items())

    def article_count(self) -> int:
        """Articles in the store (those with at least one passage)."""
        return self._query("SELECT count(DISTINCT file) FROM idx.passages")[0][0]

    def filtered_counts(self, period: Period = (None, None), files: frozenset[str] | None = None) -> dict[str, int]:
        """Passages that mention each place directly, in the articles within ``period`` (and among
        ``files`` when given): a range of each place's rows, or the passages of the files."""
        if files is not None:
            return dict(Counter(place for _file, _date, places in self._file_rows(period, files) for place in places))
        where, params = sql_filters("o", period, None)
        counts = {}
        for (place,) in self._query("SELECT place FROM counts WHERE inside = 0"):
            found = self._query(
                f"SELECT count(*) FROM ordered o WHERE o.place = ? AND o.inside = 0{where}", [place, *params]
            )
            if found[0][0]:
                counts[place] = found[0][0]
        return counts

    def _file_rows(self, period: Period, files: frozenset[str]) -> list[tuple[str, str | None, list[str]]]:
        """(file, date, places) of every passage of ``files`` within ``period`` (read by file)."""
        where, params = sql_filters("p", period, files)
        rows = self._query(f"SELECT p.file, p.date, p.places FROM idx.passages p WHERE 1{where}", params)
        return [(file, date, places.split()) for file, date, places in rows]

    def source_counts(
        self, place: str, period: Period = (None, None), files: frozenset[str] | None = None, limit: int = 20
    ) -> tuple[int, list[tuple[str, int]]]:
        """How many articles have passages that mention ``place`` directly, and the ``limit`` with the
        most: (file, passages), most first (then newest, then by file)."""
        limit = max(0, int(limit))
        # One row per (place, article) in by_article: a filter reads the place's rows, most passages
        # first, until it has ``limit``; the total counts the place's articles that pass.
        where, params = sql_filters("o", period, files)
        if where:
            total = self._query(f"SELECT count(*) FROM by_article o WHERE o.place = ?{where}", [place, *params])
        else:
            total = self._query("SELECT articles FROM counts WHERE place = ? AND inside = 0", (place,))
        top = self._query(
            f"SELECT o.file, o.passages FROM by_article o WHERE o.place = ?{where} "
            "ORDER BY o.passages DESC, o.undated, o.date DESC, o.file LIMIT ?",
            [place, *params, limit],
        )
        return (total[0][0] if total else 0), [(file, count) for file, count in top]

    def article_info(self, file: str) -> tuple[str | None, str | None, str | None]:
        """(outlet, date, headline) of the article ``file``, as its passages carry them: the headline
        is its headline passage (the metadata's headline, or the paragraph taken as one)."""
        rows = self._query(
            "SELECT outlet, date, (SELECT text FROM idx.passages WHERE file = ?1 AND kind = 'headline' "
            "ORDER BY start LIMIT 1) FROM idx.passages WHERE file = ?1 LIMIT 1",
            (file,),
        )
        if not rows:
            return None, None, None
        outlet, date, headline = rows[0]
        return outlet, date, headline.strip() if headline else None

    def months(self) -> list[str]:
        """The months (``YYYY-MM``; ``YYYY`` for articles dated to the year) articles are dated in."""
        return [row[0] for row in self._query("SELECT month FROM months ORDER BY month")]

    def outlets(self) -> list[str]:
        """Every outlet named in the articles' metadata, sorted."""
        return [row[0] for row in self._query("SELECT outlet FROM outlets ORDER BY outlet")]

    def article_date(self, file: str) -> tuple[bool, str | None]:
        """(whether the store holds the article ``file``, its date)."""
        rows = self._query("SELECT date FROM idx.passages WHERE file = ? LIMIT 1", (file,))
        return (True, rows[0][0]) if rows else (False, None)

    def any_article(self, period: Period = (None, None), files: frozenset[str] | None = None) -> bool:
        """Whether any article passes the filters."""
        where, params = sql_filters("p", period, files)
        return bool(self._query(f"SELECT 1 FROM idx.passages p WHERE 1{where} LIMIT 1", params))

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
        files: frozenset[str] | None = None,
    ) -> PassagePage:
        """One page of the passages that mention ``place`` (with ``inside``: or a place inside it),
        newest article first, and how many there are in all; only in ``files`` when given. Raises
        ``ValueError`` for a bad date."""
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None and not _DATE.match(value):
                raise ValueError(f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        offset, limit = max(0, int(offset)), max(0, int(limit))
        flag = int(inside and place in self._groups)
        where, params = "o.place = ? AND o.inside = ?", [place, flag]
        if date_from or date_to or files is not None:
            extra, extra_params = sql_filters("o", (date_from, date_to), files)
            where += extra
            params += extra_params
            total = self._query(f"SELECT count(*) FROM ordered o WHERE {where}", params)[0][0]
        else:
            found_total = self._query("SELECT passages FROM counts WHERE place = ? AND inside = ?", params)
            total = found_total[0][0] if found_total else 0
        rows = self._query(
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

    def passage_evidence(self, passage: StoredPassage, places: str | set[str] | None = None):
        """The passage as :class:`explorer.evidence.PassageEvidence` (what the panels render) with its
        mentions; only those of ``places`` when given (``Evidence.articles_for(place)`` keeps the place's)."""
        from explorer.evidence import PassageEvidence
        from explorer.text.passages import Passage

        span = Passage(passage.id, passage.kind, passage.start, passage.end, _paragraph(passage.id))  # type: ignore[arg-type]
        keep = {places} if isinstance(places, str) else places
        mentions = [link for link in self.mentions(passage) if keep is None or link.place in keep]
        return PassageEvidence(span, passage.text, mentions)

    def mentions(self, passage: StoredPassage) -> list:
        """The mentions in one passage (``explorer.text.linking.Link``, offsets in the article text).

        The passage's article is linked whole, with the passages the index holds for it: some rules
        (anaphora, a feature's island) read the rest of the paragraph, so a passage linked alone can
        differ. Only that article's file is read (no listing of the corpus).
        """
        return [link for link in self._article_links(passage.file) if link.passage == passage.id]

    def _article_links(self, file: str) -> list:
        if file not in self._links:
            from explorer.data.readers import read_text
            from explorer.text.passages import Passage

            path = self.article_path(file)
            rows = self._query(
                'SELECT id, kind, start, "end", text FROM idx.passages WHERE file = ? ORDER BY start', (file,)
            )
            if path is None or not rows:
                return []
            try:
                text = read_text(path, follow_symlinks=False)
            except DataError:
                return []  # removed since the index was built: no highlight, never a crash
            if any(text[start:end] != stored for _pid, _kind, start, end, stored in rows):
                return []  # changed since the index was built: its offsets no longer fit the passages shown
            spans = [Passage(pid, kind, start, end, _paragraph(pid)) for pid, kind, start, end, _text in rows]
            if len(self._links) >= 512:  # a page touches a few articles; keep the memory bounded
                self._links.clear()
            self._links[file] = self.linker().link(text, file, spans)
        return self._links[file]

    def linker(self) -> Any:
        """The linker the mentions come from (built from the gazetteer on first use)."""
        if self._linker is None:
            from explorer.corpus.workers import cached_gazetteer

            self._linker = cached_gazetteer(Path(self.gazetteer_path))[1]
        return self._linker

    def article_path(self, file: str) -> Path | None:
        """The article file named ``file`` in the curated folder or the user's (as the index lists
        them), or None: never a path outside them, never a symbolic link."""
        if self._folders is None:
            from explorer.corpus.documents import corpus_view

            self._folders = list(corpus_view(self.corpus).folders)
        if "/" in file or "\\" in file or file.startswith("."):
            return None
        for folder in self._folders:
            path = folder / file
            if path.is_file() and not path.is_symlink():
                return path
        return None


def _paragraph(passage_id: str) -> int:
    """The paragraph number in a passage id ("<stem>:p<paragraph>.s<sentence>")."""
    return int(passage_id.rsplit(":p", 1)[1].split(".", 1)[0])
