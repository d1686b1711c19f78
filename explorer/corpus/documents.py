"""A corpus: what the explorer shows, the curated articles and the user's own, each labelled.

Folders. A corpus folder holds articles (``*.txt``) with their metadata: ``sources.yaml`` (curated)
and ``ingested.yaml`` (written by ``ingest`` and the app's upload box; the curated entry wins).
What a command shows for a user corpus folder (``--corpus``, ``$KURIL_CORPUS`` or the default, see
:func:`explorer.data.paths.resolve_corpus`) is its :class:`CorpusView`:

* normally the curated seeds shipped in the package (their ``sources.yaml`` and ``facts.yaml``)
  followed by the user folder's articles;
* a folder that has its own ``sources.yaml`` or ``facts.yaml`` is a complete corpus (a copy of the
  seeds being curated, a test fixture) and is shown instead of the shipped seeds.

Labels: an article is ``curated`` when a ``sources.yaml`` of the view describes it, else ``user``.
File names are unique across the view: a user article named like a curated one is skipped and
reported (``ingest`` numbers new articles after the curated ones, so it never makes one). Facts are
read from the curated folder only, so every fact stays anchored to a curated file.

Loading never stops at a bad article: it is skipped and reported in :attr:`Corpus.problems`, with a
message naming the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from explorer.data.errors import DataError
from explorer.data.paths import (
    ARTICLE_SUFFIXES,
    CURATED_CORPUS,
    FACTS_FILE,
    INGESTED_FILE,
    SOURCES_FILE,
    resolve_corpus,
)
from explorer.data.readers import MAX_DATA_BYTES, MAX_TEXT_BYTES, read_text, read_yaml
from explorer.data.schema import Article, Sources
from explorer.text.passages import Passage, split_passages

# ingested.yaml is generated and grows with the corpus (about 300 bytes an article).
MAX_INGESTED_BYTES = 512 * 1024 * 1024

CURATED = "curated"
USER = "user"
ORIGINS = (CURATED, USER)


@dataclass(frozen=True)
class Document:
    """One article as read: its text, its metadata (``None`` when unknown), its passages and origin."""

    file: str
    path: Path
    text: str
    article: Article | None
    passages: list[Passage]
    origin: str = USER  # CURATED or USER

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def stem(self) -> str:
        return Path(self.file).stem

    @property
    def curated(self) -> bool:
        return self.origin == CURATED


@dataclass(frozen=True)
class CorpusView:
    """The folders a corpus is read from: ``curated`` (sources and facts) then ``user`` (may be the same)."""

    user: Path
    curated: Path | None

    @property
    def folders(self) -> list[Path]:
        if self.curated is None or _same(self.curated, self.user):
            return [self.user]
        return [self.curated, self.user]

    @property
    def facts_folder(self) -> Path:
        """The folder whose ``facts.yaml`` the explorer shows."""
        return self.curated if self.curated is not None else self.user


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def is_complete_corpus(folder: Path) -> bool:
    """A folder with its own curated files is shown on its own, instead of the shipped seeds."""
    return (folder / SOURCES_FILE).exists() or (folder / FACTS_FILE).exists()


def corpus_view(folder: Path | None = None, curated: Path | None = CURATED_CORPUS) -> CorpusView:
    """What the explorer shows for the user corpus ``folder`` (see the module doc)."""
    user = resolve_corpus(folder)
    if curated is None or is_complete_corpus(user) or _same(user, curated):
        return CorpusView(user, user if curated is not None or is_complete_corpus(user) else None)
    return CorpusView(user, Path(curated))


@dataclass
class Corpus:
    folder: Path  # the user corpus: where ingest and uploads write, and where the search index lives
    documents: list[Document]
    sources: Sources | None  # the curated sources.yaml
    problems: list[DataError] = field(default_factory=list)
    curated_folder: Path | None = None  # holds the curated sources.yaml and facts.yaml

    def document(self, file: str) -> Document | None:
        return next((doc for doc in self.documents if doc.file == file), None)

    @property
    def facts_folder(self) -> Path:
        return self.curated_folder if self.curated_folder is not None else self.folder

    def of_origin(self, origin: str) -> list[Document]:
        return [doc for doc in self.documents if doc.origin == origin]

    @property
    def sha256(self) -> str:
        """One hash of the whole corpus (file names and texts), for stating what an export shows."""
        digest = hashlib.sha256()
        for doc in sorted(self.documents, key=lambda d: d.file):
            digest.update(doc.file.encode() + b"\0" + doc.sha256.encode() + b"\n")
        return digest.hexdigest()


def load_document(
    path: Path,
    article: Article | None = None,
    max_bytes: int = MAX_TEXT_BYTES,
    origin: str = USER,
    follow_symlinks: bool = True,
) -> Document:
    """Read and split one article. Raises :class:`DataError` for a file that cannot be an article."""
    text = read_text(path, max_bytes, follow_symlinks)
    passages = split_passages(text, path.stem, article.headline if article else None)
    return Document(path.name, path, text, article, passages, origin)


def load_sources(folder: Path, file_name: str = SOURCES_FILE, max_bytes: int = MAX_DATA_BYTES) -> Sources | None:
    """The corpus's metadata file (``sources.yaml`` or ``ingested.yaml``), or ``None`` when absent."""
    path = folder / file_name
    if not path.exists():
        return None
    sources = read_yaml(path, Sources, max_bytes)
    seen: set[str] = set()
    for index, article in enumerate(sources.articles):
        if article.file in seen:
            raise DataError(path, f"lists {article.file!r} twice", f"articles[{index}]")
        seen.add(article.file)
    return sources


@dataclass(frozen=True)
class ArticleFile:
    """One article file of a view, before it is read."""

    path: Path
    article: Article | None
    origin: str


def _article_paths(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in ARTICLE_SUFFIXES
        and not p.name.startswith(".")
        and not p.is_dir()  # FIFOs, links, devices are refused by name when read
    )


def article_files(view: CorpusView) -> tuple[list[ArticleFile], list[DataError], Sources | None]:
    """Every article file of the view with its metadata and origin, the problems with the folders'
    metadata (an entry for a missing file, a name taken twice), and the curated ``sources.yaml``.

    Raises :class:`DataError` when a folder or a ``sources.yaml`` is unusable.
    """
    files: list[ArticleFile] = []
    problems: list[DataError] = []
    curated_sources: Sources | None = None
    taken: dict[str, Path] = {}
    for folder in view.folders:
        if not folder.is_dir():
            raise DataError(folder, "is not a folder (the corpus must be a folder of .txt articles)")
        sources = load_sources(folder)
        if view.curated is not None and _same(folder, view.curated):
            curated_sources = sources
        ingested = load_sources(folder, INGESTED_FILE, MAX_INGESTED_BYTES)
        metadata = {article.file: article for article in ingested.articles} if ingested else {}
        curated = {article.file for article in sources.articles} if sources else set()
        metadata |= {article.file: article for article in sources.articles} if sources else {}  # curated wins
        present = set()
        for path in _article_paths(folder):
            present.add(path.name)
            if path.name in taken:
                problems.append(
                    DataError(path, f"has the same name as the curated article {taken[path.name]}; it is not shown")
                )
                continue
            taken[path.name] = path
            files.append(ArticleFile(path, metadata.get(path.name), CURATED if path.name in curated else USER))
        for name in metadata:
            if name not in present:
                origin = SOURCES_FILE if name in curated else INGESTED_FILE
                problems.append(DataError(folder / origin, f"describes {name!r}, which is not in the corpus"))
    return files, problems, curated_sources


def corpus_metadata(view: CorpusView) -> dict[str, Article]:
    """Metadata by file name over the whole view (what ``ingest`` wrote, overlaid by the curated)."""
    files, _problems, _sources = article_files(view)
    return {entry.path.name: entry.article for entry in files if entry.article is not None}


def load_corpus(
    folder: Path | None = None,
    extra_files: list[Path] | None = None,
    max_bytes: int = MAX_TEXT_BYTES,
    *,
    curated: Path | None = CURATED_CORPUS,
) -> Corpus:
    """The curated articles and the user's (``folder``, default the user corpus), in that order,
    each in file-name order, plus ``extra_files``; ``curated=None`` reads ``folder`` alone.

    Raises :class:`DataError` only when a folder itself or a ``sources.yaml`` is unusable;
    a bad article is skipped and recorded in ``problems``.
    """
    view = corpus_view(folder, curated)
    entries, problems, sources = article_files(view)
    known = {entry.path.resolve() for entry in entries}
    entries += [ArticleFile(Path(p), None, USER) for p in extra_files or [] if Path(p).resolve() not in known]
    corpus = Corpus(view.user, [], sources, [], view.curated)
    curated_texts: dict[str, str] = {}
    for entry in entries:
        try:
            # Inside a corpus folder a symbolic link is refused, not followed (it could point anywhere).
            inside = entry.path.parent in view.folders
            doc = load_document(entry.path, entry.article, max_bytes, entry.origin, follow_symlinks=not inside)
        except DataError as err:
            corpus.problems.append(err)
            continue
        if doc.curated:
            curated_texts.setdefault(doc.sha256, doc.file)
        elif doc.sha256 in curated_texts:
            corpus.problems.append(
                DataError(
                    entry.path, f"has the same text as the curated article {curated_texts[doc.sha256]}; shown once"
                )
            )
            continue
        corpus.documents.append(doc)
    corpus.problems += problems
    return corpus
