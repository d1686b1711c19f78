"""Full-text search over every passage of the corpus, with SQLite FTS5 (stdlib ``sqlite3``).

The index covers what the explorer shows for a user corpus (the curated articles and the user's,
:func:`explorer.corpus.documents.corpus_view`). It is a cache in the user corpus:
``<corpus>/.cache/search.sqlite3`` (never in the package: :func:`explorer.data.paths.index_dir`). It is
rebuilt when missing or stale; stale means the corpus fingerprint stored in it (the folders, and the
names, sizes and modification times of their articles, ``sources.yaml`` and ``ingested.yaml``, plus
the sha256 of the gazetteer file and the index schema version) differs from the current one. An ingest adds its
articles to a fresh index in place. A rebuild writes a temp file and renames it over the old index,
so a reader never sees a half-built one.

Tokenizing. One FTS5 table (contentless; the text lives in ``passages``) with two columns, both
tokenized by ``unicode61 remove_diacritics 2`` (case and diacritics folded, ё = е):

* ``text``: the passage as written; Latin and Cyrillic words are tokens.
* ``cjk``: every run of Japanese characters (kana, kanji) written as its overlapping bigrams, then
  its single characters, separated by spaces. Japanese has no spaces, and ``unicode61`` would make a
  whole run one token. The ``trigram`` tokenizer (SQLite >= 3.34; here 3.40) was the alternative, but
  a trigram index cannot match a query shorter than three characters, and the Japanese names of the
  disputed islands are two (択捉, 国後, 色丹, 歯舞); bigrams match any length.

Queries are plain words, never FTS5 syntax: the query is cut into words (runs of letters and digits;
punctuation, quotes, ``*``, ``NOT``, parentheses are just text), each word becomes a quoted FTS5
string, and all words must match (AND). A Latin/Cyrillic word of three or more characters matches as
a word prefix ("missile" finds "missiles", "Итуруп" finds "Итурупе"); a Japanese word matches as a
phrase of its bigrams anywhere ("択捉" finds "択捉島に"). A query with no words returns no hits.

Filters: ``place`` (a gazetteer id) keeps passages that mention the place or any place inside it
(its members and children, recursively: ``place=kurils`` finds a passage that only names Iturup;
``place=iturup`` finds "Etorofu", an alias of Iturup, but not a passage that only says "the Kuril
Islands"). ``outlet`` (case-insensitive, exact), ``date_from``/``date_to`` (ISO ``YYYY[-MM[-DD]]``,
inclusive, compared as periods: an article dated ``2017-03`` is inside ``date_from=2017-03-15``);
passages of undated articles are left out when a date filter is given.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from explorer.corpus.atomic_files import try_corpus_lock
from explorer.corpus.documents import CURATED, article_files, corpus_metadata, corpus_view
from explorer.data.errors import DataError
from explorer.data.paths import ARTICLE_SUFFIXES, GAZETTEER_PATH, INGESTED_FILE, SOURCES_FILE, index_dir
from explorer.data.readers import read_text
from explorer.data.schema import ISO_DATE_PREFIX, Article
from explorer.text.dates import overlaps
from explorer.text.language import detect_language, is_japanese
from explorer.text.passages import split_passages

INDEX_FILE = "search.sqlite3"
SCHEMA_VERSION = "1"
SNIPPET_CHARS = 240
_DATE = re.compile(ISO_DATE_PREFIX)

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE passages(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, file TEXT NOT NULL, kind TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL, places TEXT NOT NULL,
    outlet TEXT, date TEXT, lang TEXT);
CREATE INDEX passages_file ON passages(file);
CREATE TABLE passage_places(place TEXT NOT NULL, passage INTEGER NOT NULL, PRIMARY KEY(place, passage)) WITHOUT ROWID;
CREATE TABLE place_cover(place TEXT NOT NULL, covered TEXT NOT NULL, PRIMARY KEY(place, covered)) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(text, cjk, content='', tokenize='unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True)
class SearchHit:
    passage: str  # passage id, "<file stem>:p<paragraph>.s<sentence>"
    file: str
    kind: str
    start: int  # offsets of the passage in the article text
    end: int
    snippet: str  # the passage, or a window of it around the first match ("…" marks a cut)
    marks: tuple[tuple[int, int], ...]  # spans of the matched words inside ``snippet``
    rank: int  # 1 = best
    score: float  # FTS5 bm25 (lower is better); 0.0 for filter-only listings
    places: tuple[str, ...]
    outlet: str | None
    date: str | None
    lang: str | None

    def as_json(self) -> dict:
        data = dict(self.__dict__)
        data["marks"] = [list(mark) for mark in self.marks]
        data["places"] = list(self.places)
        return data


# --- Helpers -----------------------------------------------------------------------------------


def index_path(corpus: Path) -> Path:
    return index_dir(Path(corpus)) / INDEX_FILE


def require_fts5() -> None:
    """Raise :class:`DataError` when this Python's SQLite has no FTS5."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as conn:
            conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    except sqlite3.OperationalError as err:
        raise DataError(
            f"sqlite3 {sqlite3.sqlite_version}",
            f"has no usable FTS5 full-text search ({err}); search needs a Python built with SQLite >= 3.27 and FTS5",
        ) from None


def _is_cjk(ch: str) -> bool:
    return is_japanese(ch) and ch.isalpha()


_CJK_RUN = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヶ]+")


def cjk_grams(text: str) -> str:
    """The ``cjk`` column: bigrams of each Japanese run, then all single Japanese characters."""
    bigrams: list[str] = []
    unigrams: list[str] = []
    for run in _CJK_RUN.findall(text):
        bigrams.extend(run[i : i + 2] for i in range(len(run) - 1))
        unigrams.extend(run)
    return " ".join(bigrams + unigrams)


def fingerprint(corpus: Path, gazetteer_path: Path | None = GAZETTEER_PATH) -> str:
    """Hash of what the index depends on (see the module doc)."""
    digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
    entries = []
    # Folders by role (curated, user), not by path: a copied corpus keeps its index fresh.
    for role, folder in enumerate(corpus_view(Path(corpus)).folders):
        entries.append(f"folder {role}\n")
        with os.scandir(folder) as scan:
            for entry in scan:
                name = entry.name
                if name.startswith("."):
                    continue
                if name.endswith(ARTICLE_SUFFIXES) or name in (SOURCES_FILE, INGESTED_FILE):
                    stat = entry.stat(follow_symlinks=False)  # a dangling or planted link is not an article
                    entries.append(f"{role}\0{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    for line in sorted(entries):
        digest.update(line.encode())
    if gazetteer_path is not None:
        try:
            digest.update(b"gazetteer " + hashlib.sha256(Path(gazetteer_path).read_bytes()).hexdigest().encode())
        except OSError:
            digest.update(b"gazetteer missing")
    return digest.hexdigest()


def article_rows(text: str, headline: str | None, linker) -> list[tuple]:
    """Index rows for one article: (passage-id suffix, kind, start, end, text, places).

    The same function serves the ingest (in worker processes) and a rebuild, so both give the same
    passages and the same links: passages from :func:`split_passages` with the article's headline,
    places from ``Linker.link`` (a pure function of gazetteer and text).
    """
    passages = split_passages(text, "_", headline)
    places: dict[str, set[str]] = {}
    for link in linker.link(text, "_.txt", passages):
        if link.passage:
            places.setdefault(link.passage, set()).add(link.place)
    return [
        (p.id.split(":", 1)[1], p.kind, p.start, p.end, text[p.start : p.end], " ".join(sorted(places.get(p.id, ()))))
        for p in passages
    ]


def _article_files(corpus: Path) -> list[Path]:
    """The article files the explorer shows for ``corpus`` (curated first), names unique."""
    return [entry.path for entry in article_files(corpus_view(corpus))[0] if not entry.path.is_symlink()]


def _curated_files(corpus: Path) -> list[Path]:
    return [entry.path for entry in article_files(corpus_view(corpus))[0] if entry.origin == CURATED]


# --- Writing -----------------------------------------------------------------------------------


# How long a connection waits for another one's lock before it reports the index busy.
BUSY_SECONDS = 30.0


def _connect(path: Path, wal: bool = True) -> sqlite3.Connection:
    """A writing connection. WAL: searches read the last committed index while an ingest writes,
    and a transaction cut by ``kill -9`` is rolled back by the next connection."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS)
    conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def is_corrupt(err: sqlite3.DatabaseError) -> bool:
    """A damaged file (rebuild it), as opposed to a busy or locked one (wait, or report)."""
    text = str(err).lower()
    return not isinstance(err, sqlite3.OperationalError) or "malformed" in text or "not a database" in text


def _open_reader(path: Path) -> sqlite3.Connection:
    """A connection that only reads. Opened read-write when it can be, because only such a
    connection recovers a WAL or a journal left by a killed writer; read-only otherwise."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_SECONDS, check_same_thread=False)
        conn.execute("PRAGMA query_only=1")
        conn.execute("SELECT count(*) FROM meta").fetchone()
        return conn
    except sqlite3.OperationalError:
        pass
    conn = sqlite3.connect(
        Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_SECONDS, check_same_thread=False
    )
    conn.execute("SELECT count(*) FROM meta").fetchone()
    return conn


class _Writer:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        row = conn.execute("SELECT max(rowid) FROM passages").fetchone()
        self.next_rowid = (row[0] or 0) + 1

    def add(self, file: str, rows: list[tuple], article: Article | None, text_for_lang: str | None = None) -> None:
        stem = Path(file).stem
        outlet = article.outlet if article else None
        date = article.date if article else None
        lang: str | None = article.language if article and article.language else None
        if lang is None:
            lang = detect_language(text_for_lang if text_for_lang is not None else " ".join(r[4] for r in rows))
        passages: list[tuple] = []
        fts: list[tuple] = []
        links: list[tuple[str, int]] = []
        for suffix, kind, start, end, text, places in rows:
            rowid = self.next_rowid
            self.next_rowid += 1
            passages.append((rowid, f"{stem}:{suffix}", file, kind, start, end, text, places, outlet, date, lang))
            fts.append((rowid, text, cjk_grams(text)))
            links.extend((place, rowid) for place in places.split())
        self.conn.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?)", passages)
        self.conn.executemany("INSERT INTO fts(rowid, text, cjk) VALUES (?,?,?)", fts)
        self.conn.executemany("INSERT OR IGNORE INTO passage_places VALUES (?,?)", links)


def _load_place_index(gazetteer_path: Path):
    from explorer.corpus.workers import cached_gazetteer

    return cached_gazetteer(Path(gazetteer_path))[0]


def _rebuild_job(job: tuple[str, str | None]) -> tuple[str, str | None, list[tuple] | None]:
    from explorer.corpus.workers import worker_linker

    path, headline = job
    try:
        text = read_text(Path(path), follow_symlinks=False)  # inside the corpus, links are never followed
    except DataError:
        return path, None, None
    return path, text, article_rows(text, headline, worker_linker())


def build_index(corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, jobs: int = 1) -> Path:
    """(Re)build the index of every readable article shown for ``corpus``; returns its path.

    Articles that cannot be read are left out (``validate`` reports them). Built in a temp file,
    then renamed over the old index.
    """
    require_fts5()
    corpus = Path(corpus)
    places = _load_place_index(gazetteer_path)
    metadata = corpus_metadata(corpus_view(corpus))
    target = index_path(corpus)
    stamp = fingerprint(corpus, gazetteer_path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(".search-*.tmp"):  # left by a killed rebuild (we hold the lock)
            with contextlib.suppress(OSError):
                stale.unlink()
        fd, tmp = tempfile.mkstemp(prefix=".search-", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as err:  # a read-only corpus, or .cache taken by a file
        raise DataError(
            target.parent,
            f"cannot hold the search index ({err.strerror}); the corpus folder must be writable to search it",
        ) from None
    try:
        conn = _connect(Path(tmp), wal=False)
        try:
            conn.executescript(_SCHEMA)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO place_cover VALUES (?,?)",
                [(place.id, covered) for place in places.places for covered in places.covered_by(place.id)],
            )
            writer = _Writer(conn)
            files = _article_files(corpus)
            jobs_list = [(str(p), (metadata[p.name].headline if p.name in metadata else None)) for p in files]
            curated = {p.name for p in _curated_files(corpus)}
            curated_texts: set[str] = set()
            for path, text, rows in _rebuild_results(jobs_list, gazetteer_path, jobs):
                if rows is not None:
                    name = Path(path).name
                    digest = hashlib.sha256((text or "").encode("utf-8")).hexdigest()
                    if name in curated:
                        curated_texts.add(digest)
                    elif digest in curated_texts:
                        continue  # a user copy of a curated text: load_corpus shows it once, so does search
                    writer.add(name, rows, metadata.get(name), text)
            conn.executemany("INSERT INTO meta VALUES (?,?)", [("fingerprint", stamp), ("schema", SCHEMA_VERSION)])
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")  # stored in the file: every later connection uses it
        finally:
            conn.close()
        # A WAL or journal beside the old index belongs to the old file: replayed onto the new one
        # it would garble it. The caller holds the corpus lock, so no writer is using them.
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{suffix}")
        os.replace(tmp, target)
    except (OSError, sqlite3.Error) as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DataError(target, f"the search index could not be written ({err})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _rebuild_results(jobs_list, gazetteer_path: Path, jobs: int) -> Iterator[tuple]:
    from explorer.corpus import workers

    if jobs <= 1 or len(jobs_list) < 2:
        workers.init_worker(str(gazetteer_path))
        try:
            yield from map(_rebuild_job, jobs_list)
        finally:
            workers.init_worker(None)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(jobs, initializer=workers.init_worker, initargs=(str(gazetteer_path),)) as pool:
        yield from pool.imap(_rebuild_job, jobs_list, chunksize=32)


def _stored_fingerprint(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return None
    return rows.get("fingerprint") if rows.get("schema") == SCHEMA_VERSION else None


def is_fresh(corpus: Path, gazetteer_path: Path = GAZETTEER_PATH) -> bool:
    stored = _stored_fingerprint(index_path(corpus))
    return stored is not None and stored == fingerprint(corpus, gazetteer_path)


def ensure_index(
    corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, jobs: int = 1, locked: bool = False
) -> tuple[Path, bool]:
    """The index path, rebuilding it when missing or stale; the bool says whether it was rebuilt.

    A rebuild takes the corpus's writer lock (``locked``: the caller holds it already). When an
    ingest holds it, the index is used as it stands (it is whole: the ingest commits at its end);
    only when there is none yet does this wait for the ingest to finish.
    """
    corpus = Path(corpus)
    if not corpus.is_dir():
        raise DataError(corpus, "is not a folder (the corpus must be a folder of .txt articles)")
    require_fts5()
    if is_fresh(corpus, gazetteer_path):
        return index_path(corpus), False
    if locked:
        return build_index(corpus, gazetteer_path, jobs=jobs), True
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        with try_corpus_lock(corpus) as held:
            if held:
                if is_fresh(corpus, gazetteer_path):  # built by the writer we waited for
                    return index_path(corpus), False
                return build_index(corpus, gazetteer_path, jobs=jobs), True
        if _stored_fingerprint(index_path(corpus)) is not None:
            return index_path(corpus), False  # an ingest is writing; its last committed index is whole
        if time.monotonic() > deadline:
            raise DataError(corpus, "an ingest is running and there is no search index yet; try again when it ends")
        time.sleep(0.2)


# --- A cheap staleness check (long-lived readers: search(), the evidence store) ------------------

STAMP_FILE = "search.stamp"
STAMP_MAX_AGE = 300.0  # seconds a stamp is trusted before the full fingerprint is checked again


def quick_stamp(corpus: Path, gazetteer_path: Path | None = GAZETTEER_PATH) -> str:
    """What changes whenever a command changes the corpus, from a few stats (never one per article).

    The corpus folder's mtime (an article added, removed or renamed: every command writes through a
    rename), the metadata files and the gazetteer. An article edited in place is not seen here: the
    full :func:`fingerprint` catches it when the stamp is older than :data:`STAMP_MAX_AGE`.
    """
    parts = []
    folders = corpus_view(Path(corpus)).folders  # the curated folder and the user's
    watched = [f for folder in folders for f in (folder, folder / SOURCES_FILE, folder / INGESTED_FILE)]
    for path in [*watched, gazetteer_path]:
        try:
            stat = os.stat(path) if path is not None else None
        except OSError:
            stat = None
        parts.append(f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}" if stat else "-")
    return "|".join(parts)


def _file_id(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}"


def fresh_index_path(corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, jobs: int = 1) -> tuple[Path, bool]:
    """Like :func:`ensure_index`, without statting every article when nothing changed.

    After a full check the index's ``search.stamp`` records the :func:`quick_stamp` and the index
    file's identity; while both hold (and the stamp is younger than :data:`STAMP_MAX_AGE`), the index
    is taken as fresh. Otherwise the full :func:`ensure_index` runs and a new stamp is written.
    """
    import json
    import time

    corpus = Path(corpus)
    path = index_path(corpus)
    stamp_path = path.with_name(STAMP_FILE)
    quick = quick_stamp(corpus, gazetteer_path)
    try:
        recorded = json.loads(stamp_path.read_text(encoding="utf-8"))
        if (
            recorded.get("quick") == quick
            and recorded.get("index") is not None
            and recorded.get("index") == _file_id(path)
            and 0 <= time.time() - float(recorded.get("checked", 0)) < STAMP_MAX_AGE
        ):
            return path, False
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    checked = time.time()
    path, rebuilt = ensure_index(corpus, gazetteer_path, jobs=jobs)
    if quick_stamp(corpus, gazetteer_path) == quick:  # nothing changed while checking: the stamp is true
        record = {"quick": quick, "index": _file_id(path), "checked": checked}
        with contextlib.suppress(OSError):
            tmp = stamp_path.with_name(f".{STAMP_FILE}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(record), encoding="utf-8")
            os.replace(tmp, stamp_path)
    return path, rebuilt


class IndexUpdate:
    """Add articles to a fresh index inside one transaction (used by :func:`explorer.corpus.ingest.ingest`)."""

    def __init__(self, corpus: Path, gazetteer_path: Path, conn: sqlite3.Connection) -> None:
        self.corpus, self.gazetteer_path, self.conn = corpus, gazetteer_path, conn
        self.writer = _Writer(conn)

    @classmethod
    def open(cls, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH) -> IndexUpdate:
        """Open for writing; the caller holds the corpus lock. A corrupt index is rebuilt first."""
        path, _ = ensure_index(corpus, gazetteer_path, locked=True)
        try:
            conn = _connect(path)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("SELECT max(rowid) FROM passages").fetchone()
        except sqlite3.DatabaseError:
            path = build_index(corpus, gazetteer_path)
            conn = _connect(path)
            conn.execute("BEGIN IMMEDIATE")
        return cls(Path(corpus), gazetteer_path, conn)

    @classmethod
    def open_if_fresh(cls, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH) -> IndexUpdate | None:
        """Open for writing when the index is there and fresh, else ``None`` (the next search builds it
        anyway); the caller holds the corpus lock. For a change that must not cost a rebuild (a removal)."""
        corpus = Path(corpus)
        if not is_fresh(corpus, gazetteer_path):
            return None
        try:
            conn = _connect(index_path(corpus))
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError:
            return None
        return cls(corpus, gazetteer_path, conn)

    def add(self, file: str, rows: list[tuple], article: Article | None) -> None:
        self.writer.add(file, rows, article)

    def remove(self, file: str) -> int:
        """Drop every passage of the article ``file``; returns how many. The FTS table is contentless, so each
        row is deleted with the values it was indexed with (the passage's text and its Japanese grams)."""
        rows = self.conn.execute("SELECT rowid, text, places FROM passages WHERE file = ?", (file,)).fetchall()
        self.conn.executemany(
            "INSERT INTO fts(fts, rowid, text, cjk) VALUES('delete', ?, ?, ?)",
            [(rowid, text, cjk_grams(text)) for rowid, text, _ in rows],
        )
        self.conn.executemany(
            "DELETE FROM passage_places WHERE place = ? AND passage = ?",
            [(place, rowid) for rowid, _, places in rows for place in places.split()],
        )
        self.conn.execute("DELETE FROM passages WHERE file = ?", (file,))
        # Readers that extend what they derived from the index by its new passages (the evidence store) must
        # start again after a removal: the count of removals tells them.
        self.conn.execute(
            "INSERT INTO meta VALUES ('removals', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )
        return len(rows)

    def commit(self) -> None:
        """Store the corpus's new fingerprint and commit (call after the articles are on disk)."""
        stamp = fingerprint(self.corpus, self.gazetteer_path)
        self.conn.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (stamp,))
        self.conn.execute("COMMIT")
        self.conn.close()

    def abort(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()


# --- Querying ----------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Term:
    column: str  # "text" or "cjk"
    tokens: tuple[str, ...]
    prefix: bool
    surface: str = ""

    def fts(self) -> str:
        phrase = '"' + " ".join(self.tokens).replace('"', '""') + '"'
        return f"{self.column} : {phrase}{'*' if self.prefix else ''}"


def parse_query(query: str) -> list[_Term]:
    """Plain words to FTS5 terms; nothing in ``query`` is FTS5 syntax."""
    terms: list[_Term] = []
    for chunk in query.split():
        pieces = re.split(f"({_CJK_RUN.pattern})", chunk)
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            if index % 2:  # a Japanese run
                tokens = (piece,) if len(piece) == 1 else tuple(piece[i : i + 2] for i in range(len(piece) - 1))
                terms.append(_Term("cjk", tokens, False, piece))
            else:
                words = tuple(word.lower() for word in _WORD.findall(piece))
                if words:
                    terms.append(_Term("text", words, len(words[-1]) >= 3 and not words[-1].isdigit()))
    return terms


def _fold_map(text: str) -> tuple[str, list[int]]:
    """Text folded like the tokenizer (case, diacritics, ё) and each folded char's original index."""
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        if ch.isascii():
            folded = ch.lower()
        else:
            decomposed = unicodedata.normalize("NFKD", ch)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c) or c in "\u3099\u309a").casefold()
            folded = folded.replace("ё", "е") or ch
        out.append(folded)
        where.extend([index] * len(folded))
    return "".join(out), where


def _marks(text: str, terms: list[_Term]) -> list[tuple[int, int]]:
    folded, where = _fold_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        if term.column == "cjk":
            pattern = re.escape(_fold_map(term.surface)[0])
        else:
            words = [re.escape(_fold_map(token)[0]) for token in term.tokens]
            pattern = r"(?<!\w)" + r"\W+".join(words) + (r"\w*" if term.prefix else r"(?!\w)")
        for match in re.finditer(pattern, folded):
            if match.end() > match.start():
                spans.append((where[match.start()], where[match.end() - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _snippet(text: str, marks: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    flat = " ".join(text.split()) if "\n" in text or "  " in text else None
    if flat is not None and len(flat) == len(text):
        text = flat
    elif flat is not None:  # keep offsets: replace each whitespace char by a space
        text = "".join(" " if ch.isspace() else ch for ch in text)
    if len(text) <= SNIPPET_CHARS:
        return text, tuple(marks)
    first = marks[0][0] if marks else 0
    begin = max(0, min(first - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
    if begin > 0:
        space = text.find(" ", begin, begin + 20)
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > begin else end
    lead = "…" if begin > 0 else ""
    shift = len(lead) - begin
    inside = tuple((s + shift, e + shift) for s, e in marks if s >= begin and e <= end)
    return lead + text[begin:end] + ("…" if end < len(text) else ""), inside


def _in_period(date: str | None, date_from: str | None, date_to: str | None) -> int:
    """SQL function: 1 when the passage's article date overlaps the asked range (explorer.text.dates)."""
    return int(date is not None and bool(_DATE.match(date)) and overlaps(date, date_from, date_to))


class SearchIndex:
    """An open, fresh index of one corpus. Use as a context manager or call :meth:`close`."""

    def __init__(
        self, corpus: Path, gazetteer_path: Path = GAZETTEER_PATH, *, rebuild: bool = True, jobs: int = 1
    ) -> None:
        self.corpus = Path(corpus)
        self.gazetteer_path = gazetteer_path
        self.notes: list[str] = []  # what was done to the index on the way (rebuilt, healed)
        self.can_rebuild, self.jobs = rebuild, jobs
        if rebuild:
            fresh_before = is_fresh(self.corpus, gazetteer_path)
            path, self.rebuilt = ensure_index(self.corpus, gazetteer_path, jobs=jobs)
            if self.rebuilt:
                self.notes.append(f"rebuilt the search index {path} (it was missing, stale or unreadable)")
            elif not fresh_before and not is_fresh(self.corpus, gazetteer_path):
                self.notes.append("an ingest is running: searched the index as it last committed")
        else:
            require_fts5()
            path, self.rebuilt = index_path(self.corpus), False
            if not path.exists():
                raise DataError(path, "does not exist (build the search index first)")
        self.path = path
        self.conn = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection:
        try:
            conn = _open_reader(path)
        except sqlite3.DatabaseError as err:
            if not is_corrupt(err):
                raise DataError(path, f"the search index cannot be read ({err})") from None
            conn = self._heal(err)
        conn.create_function("in_period", 3, _in_period, deterministic=True)
        return conn

    def _heal(self, err: sqlite3.DatabaseError) -> sqlite3.Connection:
        """Rebuild an index SQLite calls corrupt, once; say so in :attr:`notes`."""
        if not self.can_rebuild:
            raise DataError(self.path, f"the search index cannot be read ({err})") from None
        with try_corpus_lock(self.corpus) as held:
            if not held:
                raise DataError(
                    self.path, f"the search index cannot be read ({err}) and an ingest is running; try again"
                ) from None
            self.path = build_index(self.corpus, self.gazetteer_path, jobs=self.jobs)
        self.rebuilt = True
        self.notes.append(f"the search index was corrupt ({err}); rebuilt {self.path}")
        conn = _open_reader(self.path)
        conn.create_function("in_period", 3, _in_period, deterministic=True)
        return conn

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def search(
        self,
        query: str,
        place: str | None = None,
        outlet: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int = 50,
    ) -> list[SearchHit]:
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None and not _DATE.match(value):
                raise ValueError(f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        terms = parse_query(query or "")
        where: list[str] = []
        params: list[object] = []
        if place:
            where.append(
                "p.rowid IN (SELECT pp.passage FROM passage_places pp JOIN place_cover pc "
                "ON pp.place = pc.covered WHERE pc.place = ?)"
            )
            params.append(place)
        if outlet:
            where.append("p.outlet = ? COLLATE NOCASE")
            params.append(outlet)
        if date_from or date_to:
            where.append("in_period(p.date, ?, ?)")
            params += [date_from, date_to]
        columns = 'p.id, p.file, p.kind, p.start, p."end", p.text, p.places, p.outlet, p.date, p.lang'
        if terms:
            sql = (
                f"SELECT {columns}, bm25(fts) AS score FROM fts JOIN passages p ON p.rowid = fts.rowid "
                f"WHERE fts MATCH ? {''.join(' AND ' + w for w in where)} ORDER BY score, p.rowid LIMIT ?"
            )
            params = [" AND ".join(term.fts() for term in terms), *params, max(0, int(limit))]
        elif where:
            sql = f"SELECT {columns}, 0.0 FROM passages p WHERE {' AND '.join(where)} ORDER BY p.rowid LIMIT ?"
            params.append(max(0, int(limit)))
        else:
            return []
        try:
            rows = self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as err:  # garbled pages: found only when a query reads them
            if not is_corrupt(err):
                raise DataError(self.path, f"the search index cannot be read ({err})") from None
            self.conn.close()
            self.conn = self._heal(err)
            rows = self.conn.execute(sql, params).fetchall()
        hits = []
        for rank, row in enumerate(rows, start=1):
            pid, file, kind, start, end, text, places, outlet_, date, lang, score = row
            snippet, marks = _snippet(text, _marks(text, terms))
            hits.append(
                SearchHit(
                    pid,
                    file,
                    kind,
                    start,
                    end,
                    snippet,
                    marks,
                    rank,
                    float(score),
                    tuple(places.split()),
                    outlet_,
                    date,
                    lang,
                )
            )
        return hits

    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM passages").fetchone()[0]


def search(
    corpus: Path,
    query: str,
    place: str | None = None,
    outlet: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    limit: int = 50,
    *,
    gazetteer_path: Path = GAZETTEER_PATH,
) -> list[SearchHit]:
    """Search the corpus's passages (index rebuilt first when missing or stale). See the module doc.

    The index stays open between calls (:func:`open_index`); each call checks staleness cheaply.
    """
    with _OPEN_LOCK:
        return open_index(corpus, gazetteer_path).search(query, place, outlet, date_from, date_to, limit)


_OPEN: dict[tuple[str, str], tuple[SearchIndex, str | None]] = {}  # the long-lived indexes, by corpus
_OPEN_LOCK = threading.RLock()
_OPEN_MAX = 4


def open_index(corpus: Path, gazetteer_path: Path = GAZETTEER_PATH) -> SearchIndex:
    """A long-lived open index of ``corpus``, fresh by :func:`fresh_index_path`; reopened when the
    index file changed (rebuilt, or updated by an ingest). Do not close it: the next call reuses it."""
    key = (str(Path(corpus).resolve()), str(gazetteer_path))
    with _OPEN_LOCK:
        path, _ = fresh_index_path(Path(corpus), gazetteer_path)
        identity = _file_id(path)
        cached = _OPEN.get(key)
        if cached is not None and cached[1] == identity:
            return cached[0]
        if cached is not None:
            cached[0].close()
        elif len(_OPEN) >= _OPEN_MAX:
            _OPEN.pop(next(iter(_OPEN)))[0].close()
        index = SearchIndex(Path(corpus), gazetteer_path, rebuild=False)
        _OPEN[key] = (index, identity)
        return index
