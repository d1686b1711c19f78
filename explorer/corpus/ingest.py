"""Add articles (plain text or HTML) to a corpus folder, safely and without touching curated files.

What an ingest does, for each input file (a directory is searched recursively for ``*.txt``,
``*.html`` and ``*.htm``; hidden files and folders are skipped):

1. Read it with a size limit and refuse it, naming the file, when it is empty, binary, not in the
   declared encoding (UTF-8 unless ``encoding`` says otherwise; an HTML file's own
   ``<meta charset>`` counts as a declaration) or, for HTML, mostly script (less than
   ``min_visible_ratio`` of its text content is visible text). A refused file never stops the batch.
2. HTML: the article as trafilatura extracts it (precision first: menus, cookie banners, comments and
   "Topics:" lines left out); when trafilatura finds no article, the fallback keeps the visible text
   (stdlib :mod:`html.parser`; ``script``/``style``/``noscript``/
   ``template`` dropped, entities decoded, block elements separated by blank lines, ``<br>`` a line
   break, ``<pre>`` keeps its line breaks). The headline is the first ``<h1>``, else ``og:title``, else
   ``<title>``; when it is not already a paragraph of the visible text it is put first, so the
   article file opens with its headline like the seeds do.
3. Normalize the text (BOM dropped, CRLF/CR to LF, NFC, trailing spaces removed, runs of blank lines
   collapsed to one, outer whitespace stripped). The article's id is
   ``sha256(normalized UTF-8 text)[:16]``; the same article ingested twice (as text or HTML, from
   any path) has the same id and is skipped ("already in corpus as X").
4. Write ``NNN_<id>.txt`` (NNN: the next number after the highest among the curated articles and
   the user corpus, at least three digits, so the seeds keep ``000_...`` to ``004_...`` and the
   user's articles start at ``005_...``: names stay unique when the two are shown together), then its
   metadata to ``ingested.yaml`` (the :class:`~explorer.data.schema.Sources` schema).
   ``sources.yaml``, ``facts.yaml`` and existing article files are never written.

Where: the user corpus (``corpus``; ``None`` means :func:`explorer.data.paths.resolve_corpus`'s
default). The curated data shipped with the package is refused as a target, and an article whose
text is already curated is skipped like any duplicate.

Metadata: headline as above (for text, the first line when it is at most 200 characters); outlet
from ``og:site_name`` (else the site name trafilatura finds, else the dateline's agency); date from
``article:published_time`` (``date_status: printed``, the basis says it is the HTML meta tag), else the
date trafilatura finds in the page's metadata, else the dateline or a date line at the top of the text
(:mod:`explorer.text.datelines`: printed, or inferred with the basis saying how); the dateline itself in
``dateline``; language by :func:`explorer.text.language.detect_language` (unknown rather than wrong).
Everything else stays unknown. ``metadata`` overrides these for the whole batch.

Safety: every write goes to a hidden temporary file in the same folder, then :func:`os.replace`. The
article is written before its metadata, so an interrupted ingest leaves whole articles only; an
article without metadata is still a valid article, and the next ingest reconciles it (it gets an
``ingested.yaml`` entry rebuilt from its text). Metadata is flushed at the end, every
:data:`FLUSH_SECONDS` and when the ingest stops on an error. One ingest at a time per corpus
(a lock file in ``<corpus>/.cache/``).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from explorer.corpus.atomic_files import TMP_PREFIX, atomic_write, corpus_lock
from explorer.corpus.documents import corpus_view, load_sources
from explorer.corpus.metadata import article_metadata, check_metadata, dump_sources, load_ingested, valid_date
from explorer.corpus.workers import init_worker, worker_linker
from explorer.data.errors import DataError
from explorer.data.paths import CACHE_DIR, GAZETTEER_PATH, INGESTED_FILE, is_curated, resolve_corpus
from explorer.data.readers import MAX_TEXT_BYTES, file_kind_problem, is_text_encoding, read_bytes
from explorer.data.schema import Article, Sources
from explorer.terminal import unescaped
from explorer.text.article_text import content_id, normalize_text
from explorer.text.datelines import find_dateline
from explorer.text.html_text import extract_article, html_to_text
from explorer.text.language import detect_language

INPUT_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
MIN_VISIBLE_RATIO = 0.2
MIN_ARTICLE_CHARS = 200  # below this, trafilatura's extract is trusted only if it holds half the page's text
FLUSH_SECONDS = 30.0
IN_FLIGHT = 2_000  # articles handed to the worker processes at once (their results wait in memory)
HEADLINE_MAX = 200
ARTICLE_NAME = re.compile(r"^(\d+)_([0-9a-f]{16})\.txt$")


# --- Reading one input -------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One input read, checked and turned into an article (not yet written)."""

    source: str
    kind: str  # "text" or "html"
    text: str
    id: str
    fields: dict  # Article fields other than ``file``
    rows: list[tuple] | None = None  # search-index rows (passage-id suffix, kind, start, end, text, places)


@dataclass(frozen=True)
class Options:
    max_bytes: int = MAX_TEXT_BYTES
    encoding: str | None = None
    min_visible_ratio: float = MIN_VISIBLE_RATIO
    overrides: tuple[tuple[str, object], ...] = ()
    reference_date: str | None = None  # ISO date a dateline's missing year is inferred against (default: today)


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _read_input(path: Path, options: Options) -> tuple[str, str]:
    """(kind, decoded text) of one input; raises :class:`DataError` naming the file."""
    data = read_bytes(path, options.max_bytes)
    head = data[:2048].lstrip().lower()
    kind = "html" if path.suffix.lower() in HTML_SUFFIXES or head.startswith((b"<!doctype html", b"<html")) else "text"
    encoding = options.encoding
    declared_by = "--encoding"
    if encoding is None and kind == "html":
        charset = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", data[:4096], re.IGNORECASE)
        if charset:
            declared = charset.group(1).decode("ascii", "replace")[:40]
            try:
                encoding = codecs.lookup(declared).name
                if not is_text_encoding(encoding):  # base64, rot13, ... are codecs, not text encodings
                    raise LookupError(declared)
                declared_by = "its <meta charset>"
            except LookupError:
                raise DataError(path, f"declares an unknown or non-text charset {declared!r}") from None
    utf8 = encoding is None or codecs.lookup(encoding).name == "utf-8"
    if utf8 and b"\x00" in data[:8192]:
        raise DataError(path, "looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig" if utf8 else encoding)  # type: ignore[arg-type]
    except UnicodeDecodeError as err:
        if utf8:
            raise DataError(
                path,
                f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start} cannot be decoded); "
                "declare its encoding with --encoding",
            ) from None
        raise DataError(path, f"is not {encoding} text as {declared_by} says (offset {err.start})") from None
    except (UnicodeError, LookupError) as err:  # the "undefined" codec refuses everything
        raise DataError(path, f"cannot be decoded as {encoding} ({declared_by}): {err}") from None
    controls = len(_CONTROLS.findall(text, 0, 65536))
    if "\x00" in text or controls > max(8, len(text[:65536]) // 100):
        raise DataError(path, "looks like a binary file (it is full of control characters), not text")
    if not text.strip():
        raise DataError(path, "is empty (no text besides whitespace)")
    if not any(ch.isalnum() for ch in text):
        raise DataError(path, "has no letters or digits (only spaces, punctuation or invisible characters)")
    return kind, text


def prepare(path: Path, options: Options = Options()) -> Prepared:
    """Read one input and build its article text and metadata. Raises :class:`DataError`."""
    kind, raw = _read_input(path, options)
    fields: dict = {}
    if kind == "html":
        page = html_to_text(raw)
        article = extract_article(raw)
        # trafilatura's article when it is a real article (a page that is mostly script is fine then), or
        # holds half of an ordinary page's text; else the stdlib stripper's visible text, with its checks.
        letters = _letters(article.text) if article is not None else 0
        if article is not None and (
            letters >= MIN_ARTICLE_CHARS
            or (page.visible_ratio >= options.min_visible_ratio and letters >= 0.5 * page.visible_chars)
        ):
            text = article.text
        else:
            article = None
            if page.visible_chars == 0:
                raise DataError(path, "has no visible text (the HTML holds only markup, script or style)")
            if page.visible_ratio < options.min_visible_ratio:
                raise DataError(
                    path,
                    f"is mostly script or style: only {page.visible_ratio:.0%} of its text is visible "
                    f"(the minimum is {options.min_visible_ratio:.0%}), and no article could be extracted",
                )
            text = page.text
        headline = page.h1 or page.meta.get("og:title") or (article.title if article else None) or page.title
        if headline:
            headline = " ".join(headline.split())
            if headline not in (para.strip() for para in text.split("\n\n")):
                text = f"{headline}\n\n{text}"
            fields["headline"] = headline
        outlet = page.meta.get("og:site_name")
        if outlet:
            fields["outlet"] = outlet
            fields["outlet_basis"] = f'HTML meta og:site_name "{outlet}"'
        elif article and article.sitename:
            fields["outlet"] = article.sitename
            fields["outlet_basis"] = f'HTML metadata (site name found by trafilatura) "{article.sitename}"'
        published = page.meta.get("article:published_time", "")
        date = re.match(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", published)
        if date and valid_date(date.group()):
            fields["date"] = date.group()
            fields["date_status"] = "printed"
            fields["date_basis"] = f'HTML meta article:published_time "{published}"'
        elif article and article.date:
            found = re.match(r"\d{4}-\d{2}-\d{2}", article.date)
            if found and valid_date(found.group()):
                fields["date"] = found.group()
                fields["date_status"] = "printed"
                fields["date_basis"] = f'HTML metadata (publication date found by trafilatura) "{article.date}"'
    else:
        text = normalize_text(raw)
        first = text.split("\n", 1)[0].strip()
        if first and len(first) <= HEADLINE_MAX:
            fields["headline"] = first
    dateline_fields(text, fields, options.reference_date)
    language = detect_language(text)
    if language:
        fields["language"] = language
    fields.update(dict(options.overrides))
    return Prepared(str(path), kind, text, content_id(text), fields)


def dateline_fields(text: str, fields: dict, reference_date: str | None = None) -> None:
    """Fill ``dateline``, and ``date``/``outlet`` when still unknown, from the article's dateline."""
    reference = dt.date.fromisoformat(reference_date) if reference_date else None
    found = find_dateline(text, reference)
    if found is None:
        return
    fields.setdefault("dateline", found.text.strip())
    if "date" not in fields and found.date:
        fields["date"] = found.date
        fields["date_status"] = found.date_status
        fields["date_basis"] = found.date_basis
    if "outlet" not in fields and found.outlet:
        fields["outlet"] = found.outlet
        fields["outlet_basis"] = f'dateline "{found.text.strip()}"'


def _letters(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


# --- Inputs ------------------------------------------------------------------------------------


def collect_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[DataError]]:
    """Files to ingest (directories searched recursively, sorted) and the paths refused outright.

    Inside a folder, only regular files are taken: a FIFO, socket or device is refused by name (never
    opened), and a symbolic link is refused unless it points to a file inside that same folder.
    """
    files: list[Path] = []
    refused: list[DataError] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found, problems = _folder_inputs(path)
            refused.extend(problems)
            if not found and not problems:
                refused.append(DataError(path, "is a folder with no .txt, .html or .htm files"))
        elif path.exists() or path.is_symlink():
            found = [path]  # named by the user: read_bytes refuses what is not a regular file
        else:
            refused.append(DataError(path, "does not exist"))
            continue
        for item in found:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                files.append(item)
    return files, refused


def _folder_inputs(folder: Path) -> tuple[list[Path], list[DataError]]:
    found: list[Path] = []
    refused: list[DataError] = []
    root = folder.resolve()
    for current, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        for name in sorted(names):
            item = Path(current) / name
            if name.startswith(".") or item.suffix.lower() not in INPUT_SUFFIXES:
                continue
            try:
                info = item.lstat()
            except OSError as err:
                refused.append(DataError(item, f"cannot be read ({err.strerror or err})"))
                continue
            if stat.S_ISLNK(info.st_mode):
                target = item.resolve()
                if not target.is_relative_to(root):
                    refused.append(DataError(item, f"is a symbolic link out of {folder}; not followed"))
                    continue
                try:
                    info = target.stat()
                except OSError:
                    refused.append(DataError(item, "is a symbolic link to a file that does not exist"))
                    continue
            problem = file_kind_problem(info.st_mode)
            if problem:
                refused.append(DataError(item, problem))
                continue
            found.append(item)
    return sorted(found), refused


# --- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    source: str
    file: str
    id: str
    headline: str | None
    language: str | None


@dataclass(frozen=True)
class Skipped:
    source: str
    file: str  # the article already in the corpus
    reason: str


@dataclass
class IngestReport:
    corpus: Path
    added: list[Added] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: list[DataError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # reconciliation and index messages
    bytes_read: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when nothing was refused, else 1 (the CLI's convention for refused input)."""
        return 1 if self.refused else 0

    def lines(self) -> list[str]:
        """Human-readable report, one line per file, then a summary line."""
        out = [f"added: {a.source} -> {a.file}" for a in self.added]
        out += [f"skipped: {s.source}: {s.reason}" for s in self.skipped]
        out += [f"refused: {err}" for err in self.refused]
        out += [f"note: {note}" for note in self.notes]
        out.append(f"{len(self.added)} added, {len(self.skipped)} skipped (duplicates), {len(self.refused)} refused")
        return out

    def as_json(self) -> dict:
        return {
            "corpus": str(self.corpus),
            "added": [a.__dict__ for a in self.added],
            "skipped": [s.__dict__ for s in self.skipped],
            "refused": [{"file": str(e.file), "problem": e.problem, "message": str(e)} for e in self.refused],
            "notes": self.notes,
        }


# --- Workers -----------------------------------------------------------------------------------


def _prepare_job(job: tuple[str, Options]) -> tuple[str, object]:
    """Worker entry: ``("ok", Prepared)`` or ``("refused", (file, problem, where))`` (picklable)."""
    path, options = job
    try:
        prepared = prepare(Path(path), options)
    except DataError as err:
        return "refused", (str(err.file), err.problem, err.where)
    linker = worker_linker()
    if linker is not None:
        from explorer.corpus.search_index import article_rows

        rows = article_rows(prepared.text, prepared.fields.get("headline"), linker)
        prepared = Prepared(prepared.source, prepared.kind, prepared.text, prepared.id, prepared.fields, rows)
    return "ok", prepared


def prepare_all(files: list[Path], options: Options, jobs: int, gazetteer: str | None) -> Iterator[tuple[str, object]]:
    work = [(str(path), options) for path in files]
    if jobs <= 1 or len(work) < 2:
        init_worker(gazetteer)
        try:
            yield from map(_prepare_job, work)
        finally:
            init_worker(None)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    # A window of articles at a time: Pool.imap queues every result its workers finish, and while this
    # process writes (and rewrites ingested.yaml) the workers run ahead, so without a bound a
    # 100,000-article ingest held most of the corpus's texts and index rows in memory at once.
    window = max(IN_FLIGHT, jobs)
    chunksize = max(1, min(64, min(window, len(work)) // (jobs * 8) or 1))
    with context.Pool(jobs, initializer=init_worker, initargs=(gazetteer,)) as pool:
        for begin in range(0, len(work), window):
            yield from pool.imap(_prepare_job, work[begin : begin + window], chunksize=chunksize)


# --- The corpus state --------------------------------------------------------------------------


@dataclass
class _State:
    corpus: Path
    entries: dict[str, Article]  # ingested.yaml, by file
    by_id: dict[str, str]  # content id -> file
    next_number: int
    dirty: bool = False
    curated: set[str] = field(default_factory=set)  # names of the curated articles shown beside it


def _existing_state(corpus: Path, report: IngestReport) -> _State:
    """Read the corpus, remove stale temp files, and reconcile ``ingested.yaml`` with the articles."""
    for stale in corpus.glob(TMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            stale.unlink()
            report.notes.append(f"removed {stale.name}, a temporary file left by an interrupted ingest")
    curated = {article.file for article in (load_sources(corpus) or Sources(version=1, articles=[])).articles}
    ingested = load_ingested(corpus)
    entries = {article.file: article for article in ingested.articles} if ingested else {}
    state = _State(corpus, {}, {}, 0)
    numbers = [-1]
    present = set()
    for folder in corpus_view(corpus).folders[:-1]:  # the curated articles shown beside this corpus
        for path in sorted(folder.glob("*.txt")):
            match = ARTICLE_NAME.match(path.name)
            if match:
                numbers.append(int(match.group(1)))
            with contextlib.suppress(OSError, UnicodeDecodeError):
                state.by_id.setdefault(content_id(normalize_text(path.read_bytes().decode("utf-8"))), path.name)
                state.curated.add(path.name)
    for path in sorted(corpus.iterdir()):
        if path.suffix != ".txt" or path.name.startswith(".") or not path.is_file():
            continue
        present.add(path.name)
        match = ARTICLE_NAME.match(path.name)
        if match:
            numbers.append(int(match.group(1)))
        if match and path.name in entries:
            state.by_id.setdefault(match.group(2), path.name)  # written by an ingest: the name is the hash
            continue
        try:
            text = read_bytes(path, MAX_TEXT_BYTES, follow_symlinks=False).decode("utf-8")
        except (DataError, UnicodeDecodeError):
            continue  # not an article the corpus can load; nothing to compare against
        normalized = normalize_text(text)
        key = content_id(normalized)
        state.by_id.setdefault(key, path.name)
        if match and path.name not in curated and key == match.group(2) and normalized == text:
            # Written by an ingest that stopped before its metadata: rebuild the entry from the text.
            first = text.split("\n", 1)[0].strip()
            fields: dict = {"headline": first} if first and len(first) <= HEADLINE_MAX else {}
            dateline_fields(text, fields)
            language = detect_language(text)
            if language:
                fields["language"] = language
            fields["note"] = "Metadata rebuilt from the text after an interrupted ingest."
            entries[path.name] = Article(file=path.name, **fields)
            state.dirty = True
            report.notes.append(f"{path.name}: article had no metadata (interrupted ingest); rebuilt from its text")
    for name in list(entries):
        if name not in present:
            del entries[name]
            state.dirty = True
            report.notes.append(f"{INGESTED_FILE}: dropped the entry for {name}, which is no longer in the corpus")
    state.entries = entries
    state.next_number = max(numbers) + 1
    return state


def _remove_articles(corpus: Path, names: list[str]) -> int:
    removed = 0
    for name in names:
        with contextlib.suppress(OSError):
            (corpus / name).unlink()
            removed += 1
    return removed


def _flush(state: _State) -> None:
    if state.dirty:
        atomic_write(state.corpus / INGESTED_FILE, dump_sources(list(state.entries.values())))
        state.dirty = False


# --- Ingest ------------------------------------------------------------------------------------


def ingest(
    paths: list[Path],
    corpus: Path | None = None,
    *,
    max_bytes: int = MAX_TEXT_BYTES,
    jobs: int = 1,
    metadata: dict | None = None,
    progress: bool = False,
    encoding: str | None = None,
    min_visible_ratio: float = MIN_VISIBLE_RATIO,
    gazetteer_path: Path | None = GAZETTEER_PATH,
    update_index: bool = True,
    durable: bool = False,
) -> IngestReport:
    """Add the articles in ``paths`` (files or folders) to the user corpus folder ``corpus``
    (default: :func:`explorer.data.paths.resolve_corpus`; never the curated data).

    Returns what was added, skipped (already in the corpus) and refused (with the reason, naming
    the file). Raises :class:`DataError` only when the corpus itself is unusable or a write fails
    (the corpus then holds whole articles only), and ``ValueError`` for bad ``metadata`` or
    ``encoding`` (usage errors). With ``update_index`` the search index (``<corpus>/.cache/``) is
    brought up to date: rebuilt first when stale, then the new passages added. ``durable`` fsyncs
    every article before its rename (power-cut safe, slow); by default only ``ingested.yaml`` is
    fsynced, and the folder is synced once at the end.

    Long because it is one transaction: the lock, the index update and the flush of the metadata
    must see every article of the loop, and the ``finally`` that keeps the corpus whole on an error
    has to wrap all of it; split up, that guarantee would be spread over several functions.
    """
    started = time.perf_counter()
    corpus = resolve_corpus(corpus)
    if is_curated(corpus):
        raise DataError(
            corpus,
            "is the curated data shipped with the explorer, which no command changes; add articles to "
            "your own corpus (--corpus DIR or KURIL_CORPUS; by default the user data folder)",
        )
    if not corpus.is_dir():
        raise DataError(corpus, "is not a folder (the corpus must be a folder of .txt articles)")
    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
    if not 0 <= min_visible_ratio <= 1:
        raise ValueError("min_visible_ratio must be between 0 and 1")
    options = Options(max_bytes, encoding, min_visible_ratio, check_metadata(metadata))
    report = IngestReport(corpus)
    files, report.refused = collect_inputs(paths)

    with corpus_lock(corpus):
        state = _existing_state(corpus, report)
        index = None
        if update_index and gazetteer_path is not None:
            from explorer.corpus.search_index import IndexUpdate

            try:
                index = IndexUpdate.open(corpus, gazetteer_path)
            except DataError as err:
                report.notes.append(f"search index not updated: {err}")
        linking = str(gazetteer_path) if index is not None else None
        bar = _progress(len(files)) if progress else None
        last_flush = time.monotonic()
        batch_ids: dict[str, str] = {}
        unflushed: list[str] = []  # articles written since ingested.yaml was last written
        flush_error: DataError | None = None
        ok = False
        try:
            for position, (status, payload) in enumerate(prepare_all(files, options, jobs, linking)):
                if bar:
                    bar[0].advance(bar[1])
                source = files[position]
                if status == "refused":
                    report.refused.append(DataError(*payload))  # type: ignore[misc]
                    continue
                prepared: Prepared = payload  # type: ignore[assignment]
                report.bytes_read += len(prepared.text.encode("utf-8"))
                existing = state.by_id.get(prepared.id)
                if existing:
                    earlier = batch_ids.get(prepared.id)
                    if earlier:
                        reason = f"same text as {earlier}, added in this batch as {existing}"
                    elif existing in state.curated:
                        reason = f"already in corpus as {existing} (a curated article)"
                    else:
                        reason = f"already in corpus as {existing}"

                    report.skipped.append(Skipped(str(source), existing, reason))
                    continue
                name = f"{state.next_number:03d}_{prepared.id}.txt"
                try:
                    atomic_write(corpus / name, prepared.text.encode("utf-8"), durable)
                except OSError as err:
                    raise DataError(
                        corpus / name,
                        f"cannot be written ({err.strerror or err}); the ingest stopped "
                        f"after adding {len(report.added)} article(s)",
                    ) from err
                state.next_number += 1
                unflushed.append(name)
                state.by_id[prepared.id] = name
                batch_ids[prepared.id] = str(source)
                article = Article(file=name, **prepared.fields)
                state.entries[name] = article
                state.dirty = True
                report.added.append(Added(str(source), name, prepared.id, article.headline, article.language))
                if index is not None and prepared.rows is not None:
                    index.add(name, prepared.rows, article)
                if time.monotonic() - last_flush > FLUSH_SECONDS:
                    _flush(state)
                    unflushed.clear()
                    last_flush = time.monotonic()
            ok = True
        finally:
            if bar:
                bar[0].stop()
            try:
                _flush(state)
                unflushed.clear()
            except OSError as err:
                # Disk full or read-only: an article without its metadata would lose what this batch
                # knew about it (--meta, the HTML's outlet and date), so take those articles back out.
                removed = _remove_articles(corpus, unflushed)
                ok = False
                flush_error = DataError(
                    corpus / INGESTED_FILE,
                    f"cannot be written ({err.strerror or err}); the {removed} article(s) it would have "
                    "described were taken back out, so every article keeps its metadata",
                )
            if report.added and not durable:
                _sync_folder(corpus)
            if index is not None:
                if ok:
                    index.commit()
                else:
                    index.abort()
            if flush_error is not None:
                raise flush_error
    report.seconds = time.perf_counter() - started
    return report


def _sync_folder(corpus: Path) -> None:
    """Flush the new articles to disk once (cheaper than one fsync per article)."""
    with contextlib.suppress(OSError, AttributeError):
        os.sync()


def _progress(total: int):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=unescaped(sys.stderr)),  # the bar draws with escape codes of its own
        transient=True,
    )
    task = bar.add_task("ingest", total=total)
    bar.start()
    return bar, task


__all__ = [
    "INGESTED_FILE",
    "CACHE_DIR",
    "Added",
    "IngestReport",
    "Skipped",
    "article_metadata",
    "collect_inputs",
    "content_id",
    "detect_language",
    "html_to_text",
    "ingest",
    "load_ingested",
    "normalize_text",
    "prepare",
]
