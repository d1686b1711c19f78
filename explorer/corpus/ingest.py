"""Add articles (plain text or HTML) to a corpus folder, safely and without touching curated files.

What an ingest does, for each input file (a directory is searched recursively for ``*.txt``,
``*.html`` and ``*.htm``; hidden files and folders are skipped):

1. Read it with a size limit and refuse it, naming the file, when it is empty, binary, not in the
   declared encoding (UTF-8 unless ``encoding`` says otherwise; an HTML file's own
   ``<meta charset>`` counts as a declaration) or, for HTML, mostly script (less than
   ``min_visible_ratio`` of its text content is visible text). A refused file never stops the batch.
2. HTML: keep the visible text (stdlib :mod:`html.parser`; ``script``/``style``/``noscript``/
   ``template`` dropped, entities decoded, block elements separated by blank lines, ``<br>`` a line
   break, ``<pre>`` keeps its line breaks). The headline is the first ``<h1>``, else ``og:title``, else
   ``<title>``; when it is not already a paragraph of the visible text it is put first, so the
   article file opens with its headline like the seeds do.
3. Normalize the text (BOM dropped, CRLF/CR to LF, NFC, trailing spaces removed, runs of blank lines
   collapsed to one, outer whitespace stripped). The article's id is
   ``sha256(normalized UTF-8 text)[:16]``; the same article ingested twice (as text or HTML, from
   any path) has the same id and is skipped ("already in corpus as X").
4. Write ``NNN_<id>.txt`` (NNN: the next number after the highest in the folder, at least three
   digits, like the seeds ``000_...`` to ``004_...``), then its metadata to ``ingested.yaml`` (the
   :class:`~explorer.data.schema.Sources` schema). ``sources.yaml``, ``facts.yaml`` and existing article
   files are never written.

Metadata: headline as above (for text, the first line when it is at most 200 characters); outlet
from ``og:site_name``; date from ``article:published_time`` (``date_status: printed``, the basis says
it is the HTML meta tag); language by script (Cyrillic -> ru, kana/kanji -> ja, Latin -> en,
otherwise unknown). Everything else stays unknown. ``metadata`` overrides these for the whole batch.

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
import hashlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml
from pydantic import ValidationError

from explorer.corpus.documents import MAX_INGESTED_BYTES, load_sources
from explorer.data.errors import DataError
from explorer.data.paths import CACHE_DIR, GAZETTEER_PATH, INGESTED_FILE
from explorer.data.readers import MAX_TEXT_BYTES, read_bytes
from explorer.data.schema import Article, Sources

LOCK_FILE = "ingest.lock"
INPUT_SUFFIXES = (".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
MIN_VISIBLE_RATIO = 0.2
FLUSH_SECONDS = 30.0
HEADLINE_MAX = 200
ARTICLE_NAME = re.compile(r"^(\d+)_([0-9a-f]{16})\.txt$")
_TMP_PREFIX = ".ingest-"

_HEADER = """\
# Metadata of ingested articles (explorer.data.schema.Sources), written by `python -m explorer ingest`.
# Generated: do not edit by hand. To curate an article, copy its entry to sources.yaml (which wins).
"""


# --- Text helpers ------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """The stored form of an article (see the module doc); its sha256 is the article's id."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


def content_id(text: str) -> str:
    """First 16 hex digits of the sha256 of the (normalized) text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _is_japanese(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF  # CJK ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or ch in "々〆ヶ"
    )


_JA_LETTERS = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヶ]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")
# Everything that is neither of the three scripts, nor ASCII/space/punctuation of no interest.
_OTHER_CANDIDATES = re.compile(
    r"[\x00-\u024f\u0400-\u04ff\u1e00-\u1eff\u2000-\u206f\u3000-\u303f\u3040-\u30ff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)


def detect_language(text: str) -> str | None:
    """``ru``/``ja``/``en`` by the script most of the letters are in, else ``None``.

    A Japanese character counts as three letters (one kanji is about a word). The winning script
    must hold at least 60 % of the weighted letters; mixed or other scripts give ``None``.
    """
    sample = text[:20000]
    japanese = sum(map(len, _JA_LETTERS.findall(sample)))
    cyrillic = sum(map(len, _CYRILLIC.findall(sample)))
    latin = sum(map(len, _LATIN.findall(sample)))
    other = sum(1 for ch in _OTHER_CANDIDATES.sub("", sample) if ch.isalpha())
    weights = {"en": latin, "ru": cyrillic, "ja": 3 * japanese, None: other}
    total = sum(weights.values())
    if not total:
        return None
    best = max(weights, key=lambda key: weights[key])
    return best if weights[best] >= 0.6 * total else None


# --- HTML --------------------------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "noscript", "template"})
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
_CELL = frozenset({"td", "th"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_BREAK_BLOCK, _BREAK_LINE = "\x00B", "\x00L"


@dataclass
class HtmlText:
    """The visible text of an HTML page and what its head says."""

    text: str
    title: str | None
    h1: str | None
    meta: dict[str, str]
    visible_chars: int
    hidden_chars: int  # text inside script/style/noscript/template

    @property
    def visible_ratio(self) -> float:
        total = self.visible_chars + self.hidden_chars
        return self.visible_chars / total if total else 0.0


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.title: list[str] | None = None
        self.titles: list[str] = []
        self.h1: list[str] | None = None
        self.h1_done: str | None = None
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag in _SKIP:
                self.skip.append(tag)
            return
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if tag == "meta":
            values = {key.lower(): (value or "") for key, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"].strip()
            return
        if tag == "title" and self.title is None and not self.titles:
            self.title = []
            return
        if tag == "br":
            self.chunks.append(_BREAK_LINE)
        elif tag in _BLOCK:
            self.chunks.append(_BREAK_BLOCK)
        elif tag in _CELL:
            self.chunks.append(" ")
        if tag == "pre":
            self.pre += 1
        if tag == "h1" and self.h1 is None and self.h1_done is None:
            self.h1 = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "title" and self.title is not None:
            self.titles.append(" ".join("".join(self.title).split()))
            self.title = None
            return
        if tag == "h1" and self.h1 is not None:
            self.h1_done = " ".join("".join(self.h1).split())
            self.h1 = None
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK:
            self.chunks.append(_BREAK_BLOCK)

    def handle_data(self, data: str) -> None:
        if self.skip:
            self.hidden += sum(1 for ch in data if not ch.isspace())
            return
        if self.title is not None:
            self.title.append(data)
            return
        if self.h1 is not None:
            self.h1.append(data)
        if self.pre:
            self.chunks.append(data.replace("\n", _BREAK_LINE))
        else:
            self.chunks.append(re.sub(r"\s+", " ", data))


_BREAKS = re.compile(r"[ \t\u00a0]*(?:\x00[BL][ \t\u00a0]*)+")


def html_to_text(markup: str) -> HtmlText:
    """Visible text of ``markup`` (paragraphs separated by blank lines) and the head's title and meta."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()

    def breaks(match: re.Match[str]) -> str:
        found = match.group()
        return "\n\n" if _BREAK_BLOCK in found else "\n" * min(2, found.count(_BREAK_LINE))

    text = _BREAKS.sub(breaks, "".join(parser.chunks))
    text = normalize_text("\n".join(line.strip() for line in text.split("\n")))
    visible = sum(1 for ch in text if not ch.isspace())
    title = parser.titles[0] if parser.titles and parser.titles[0] else None
    return HtmlText(text, title, parser.h1_done or None, parser.meta, visible, parser.hidden)


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
            try:
                encoding = codecs.lookup(charset.group(1).decode("ascii")).name
                declared_by = "its <meta charset>"
            except LookupError:
                raise DataError(
                    path, f"declares an unknown charset {charset.group(1).decode('ascii', 'replace')!r}"
                ) from None
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
    controls = len(_CONTROLS.findall(text, 0, 65536))
    if "\x00" in text or controls > max(8, len(text[:65536]) // 100):
        raise DataError(path, "looks like a binary file (it is full of control characters), not text")
    if not text.strip():
        raise DataError(path, "is empty (no text besides whitespace)")
    return kind, text


def prepare(path: Path, options: Options = Options()) -> Prepared:
    """Read one input and build its article text and metadata. Raises :class:`DataError`."""
    kind, raw = _read_input(path, options)
    fields: dict = {}
    if kind == "html":
        page = html_to_text(raw)
        if page.visible_chars == 0:
            raise DataError(path, "has no visible text (the HTML holds only markup, script or style)")
        if page.visible_ratio < options.min_visible_ratio:
            raise DataError(
                path,
                f"is mostly script or style: only {page.visible_ratio:.0%} of its text is visible "
                f"(the minimum is {options.min_visible_ratio:.0%})",
            )
        text = page.text
        headline = page.h1 or page.meta.get("og:title") or page.title
        if headline:
            headline = " ".join(headline.split())
            if headline not in (para.strip() for para in text.split("\n\n")):
                text = f"{headline}\n\n{text}"
            fields["headline"] = headline
        outlet = page.meta.get("og:site_name")
        if outlet:
            fields["outlet"] = outlet
            fields["outlet_basis"] = f'HTML meta og:site_name "{outlet}"'
        published = page.meta.get("article:published_time", "")
        date = re.match(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", published)
        if date and _valid_date(date.group()):
            fields["date"] = date.group()
            fields["date_status"] = "printed"
            fields["date_basis"] = f'HTML meta article:published_time "{published}"'
    else:
        text = normalize_text(raw)
        first = text.split("\n", 1)[0].strip()
        if first and len(first) <= HEADLINE_MAX:
            fields["headline"] = first
    language = detect_language(text)
    if language:
        fields["language"] = language
    fields.update(dict(options.overrides))
    return Prepared(str(path), kind, text, content_id(text), fields)


def _valid_date(value: str) -> bool:
    parts = [int(p) for p in value.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def check_metadata(metadata: dict | None) -> tuple[tuple[str, object], ...]:
    """Validate batch metadata overrides (Article fields but ``file``); raises ``ValueError``."""
    if not metadata:
        return ()
    fields = dict(metadata)
    unknown = set(fields) - (set(Article.model_fields) - {"file"})
    if unknown:
        raise ValueError(
            f"unknown metadata field(s): {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(set(Article.model_fields) - {'file'}))})"
        )
    if fields.get("date"):
        fields.setdefault("date_status", "printed")
        fields.setdefault("date_basis", "declared at ingest")
    try:
        Article(file="check.txt", **fields)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'metadata'}: {e['msg']}" for e in err.errors())
        raise ValueError(f"invalid metadata: {problems}") from None
    return tuple(fields.items())


# --- Inputs ------------------------------------------------------------------------------------


def collect_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[DataError]]:
    """Files to ingest (directories searched recursively, sorted) and the paths refused outright."""
    files: list[Path] = []
    refused: list[DataError] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in INPUT_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                refused.append(DataError(path, "is a folder with no .txt, .html or .htm files"))
        elif path.exists():
            found = [path]
        else:
            refused.append(DataError(path, "does not exist"))
            continue
        for item in found:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                files.append(item)
    return files, refused


# --- Metadata files ----------------------------------------------------------------------------


def load_ingested(folder: Path) -> Sources | None:
    """The corpus's ``ingested.yaml`` (validated as :class:`Sources`), or ``None`` when absent."""
    return load_sources(folder, INGESTED_FILE, MAX_INGESTED_BYTES)


def article_metadata(folder: Path) -> dict[str, Article]:
    """Metadata by file name: ``ingested.yaml`` overlaid by the curated ``sources.yaml`` (curated wins)."""
    from explorer.corpus.documents import load_sources

    merged: dict[str, Article] = {}
    ingested = load_ingested(folder)
    if ingested:
        merged.update((article.file, article) for article in ingested.articles)
    sources = load_sources(folder)
    if sources:
        merged.update((article.file, article) for article in sources.articles)
    return merged


def _atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a hidden temp file in the same folder and ``os.replace``.

    ``durable`` also fsyncs the data before the rename (survives a power cut, ~10-20 ms per file on
    ordinary disks); without it the file is still whole or absent if the process dies.
    """
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_UMASK: list[int] = []


def _umask() -> int:
    if not _UMASK:
        current = os.umask(0o022)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]


def _dump_sources(articles: list[Article]) -> bytes:
    rows = [article.model_dump(exclude_defaults=True) | {"file": article.file} for article in articles]
    rows = [{"file": row.pop("file"), **row} for row in rows]
    body = yaml.dump(
        {"version": 1, "articles": rows},
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=False,
        width=120,
    )
    return (_HEADER + body).encode("utf-8")


@contextlib.contextmanager
def _corpus_lock(corpus: Path) -> Iterator[None]:
    cache = corpus / CACHE_DIR
    cache.mkdir(exist_ok=True)
    with open(cache / LOCK_FILE, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; one ingest at a time is the user's job
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DataError(corpus, "another ingest is running on this corpus (its lock is held)") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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

_worker_linker = None
_LOADED: dict[tuple, tuple] = {}


def cached_gazetteer(gazetteer_path: Path):
    """(PlaceIndex, Linker) for a gazetteer file, loaded once per process while the file is unchanged."""
    from explorer.data.gazetteer import load_gazetteer
    from explorer.text.linking import Linker

    path = Path(gazetteer_path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        index = load_gazetteer(path)
        _LOADED.clear()
        _LOADED[key] = (index, Linker(index.data))
    return _LOADED[key]


def _init_worker(gazetteer_path: str | None) -> None:
    global _worker_linker
    _worker_linker = cached_gazetteer(Path(gazetteer_path))[1] if gazetteer_path else None


def _prepare_job(job: tuple[str, Options]) -> tuple[str, object]:
    """Worker entry: ``("ok", Prepared)`` or ``("refused", (file, problem, where))`` (picklable)."""
    path, options = job
    try:
        prepared = prepare(Path(path), options)
    except DataError as err:
        return "refused", (str(err.file), err.problem, err.where)
    if _worker_linker is not None:
        from explorer.corpus.search_index import article_rows

        rows = article_rows(prepared.text, prepared.fields.get("headline"), _worker_linker)
        prepared = Prepared(prepared.source, prepared.kind, prepared.text, prepared.id, prepared.fields, rows)
    return "ok", prepared


def _prepare_all(files: list[Path], options: Options, jobs: int, gazetteer: str | None) -> Iterator[tuple[str, object]]:
    work = [(str(path), options) for path in files]
    if jobs <= 1 or len(work) < 2:
        _init_worker(gazetteer)
        try:
            yield from map(_prepare_job, work)
        finally:
            _init_worker(None)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(gazetteer,)) as pool:
        yield from pool.imap(_prepare_job, work, chunksize=max(1, min(64, len(work) // (jobs * 8) or 1)))


# --- The corpus state --------------------------------------------------------------------------


@dataclass
class _State:
    corpus: Path
    entries: dict[str, Article]  # ingested.yaml, by file
    by_id: dict[str, str]  # content id -> file
    next_number: int
    dirty: bool = False


def _existing_state(corpus: Path, report: IngestReport) -> _State:
    """Read the corpus, remove stale temp files, and reconcile ``ingested.yaml`` with the articles."""
    for stale in corpus.glob(_TMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            stale.unlink()
            report.notes.append(f"removed {stale.name}, a temporary file left by an interrupted ingest")
    from explorer.corpus.documents import load_sources

    curated = {article.file for article in (load_sources(corpus) or Sources(version=1, articles=[])).articles}
    ingested = load_ingested(corpus)
    entries = {article.file: article for article in ingested.articles} if ingested else {}
    state = _State(corpus, {}, {}, 0)
    numbers = [-1]
    present = set()
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
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not an article the corpus can load; nothing to compare against
        normalized = normalize_text(text)
        key = content_id(normalized)
        state.by_id.setdefault(key, path.name)
        if match and path.name not in curated and key == match.group(2) and normalized == text:
            # Written by an ingest that stopped before its metadata: rebuild the entry from the text.
            first = text.split("\n", 1)[0].strip()
            fields = {"headline": first} if first and len(first) <= HEADLINE_MAX else {}
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


def _flush(state: _State) -> None:
    if state.dirty:
        _atomic_write(state.corpus / INGESTED_FILE, _dump_sources(list(state.entries.values())))
        state.dirty = False


# --- Ingest ------------------------------------------------------------------------------------


def ingest(
    paths: list[Path],
    corpus: Path,
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
    """Add the articles in ``paths`` (files or folders) to the corpus folder ``corpus``.

    Returns what was added, skipped (already in the corpus) and refused (with the reason, naming
    the file). Raises :class:`DataError` only when the corpus itself is unusable or a write fails
    (the corpus then holds whole articles only), and ``ValueError`` for bad ``metadata`` or
    ``encoding`` (usage errors). With ``update_index`` the search index (``<corpus>/.cache/``) is
    brought up to date: rebuilt first when stale, then the new passages added. ``durable`` fsyncs
    every article before its rename (power-cut safe, slow); by default only ``ingested.yaml`` is
    fsynced, and the folder is synced once at the end.
    """
    started = time.perf_counter()
    corpus = Path(corpus)
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

    with _corpus_lock(corpus):
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
        ok = False
        try:
            for position, (status, payload) in enumerate(_prepare_all(files, options, jobs, linking)):
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
                    reason = (
                        f"same text as {earlier}, added in this batch as {existing}"
                        if earlier
                        else f"already in corpus as {existing}"
                    )
                    report.skipped.append(Skipped(str(source), existing, reason))
                    continue
                name = f"{state.next_number:03d}_{prepared.id}.txt"
                try:
                    _atomic_write(corpus / name, prepared.text.encode("utf-8"), durable)
                except OSError as err:
                    raise DataError(
                        corpus / name,
                        f"cannot be written ({err.strerror or err}); the ingest stopped "
                        f"after adding {len(report.added)} article(s)",
                    ) from err
                state.next_number += 1
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
                    last_flush = time.monotonic()
            ok = True
        finally:
            if bar:
                bar[0].stop()
            try:
                _flush(state)
            except OSError as err:
                if ok:
                    raise DataError(corpus / INGESTED_FILE, f"cannot be written ({err.strerror or err})") from err
            if report.added and not durable:
                _sync_folder(corpus)
            if index is not None:
                if ok:
                    index.commit()
                else:
                    index.abort()
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
        console=Console(stderr=True),
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
