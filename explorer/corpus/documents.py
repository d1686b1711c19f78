"""A corpus: a folder of articles (``*.txt``) with their metadata (``sources.yaml``, curated, and
``ingested.yaml``, written by ``explorer ingest``; the curated entry wins).

Loading never stops at a bad article: it is skipped and reported in :attr:`Corpus.problems`, with a
message naming the file. The corpus folder is always a parameter (default ``seeds/``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from explorer.data.errors import DataError
from explorer.data.paths import ARTICLE_SUFFIXES, DEFAULT_CORPUS, INGESTED_FILE, SOURCES_FILE
from explorer.data.readers import MAX_DATA_BYTES, MAX_TEXT_BYTES, read_text, read_yaml
from explorer.data.schema import Article, Sources
from explorer.text.passages import Passage, split_passages

# ingested.yaml is generated and grows with the corpus (about 300 bytes an article).
MAX_INGESTED_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Document:
    """One article as read: its text, its metadata (``None`` when unknown) and its passages."""

    file: str
    path: Path
    text: str
    article: Article | None
    passages: list[Passage]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def stem(self) -> str:
        return Path(self.file).stem


@dataclass
class Corpus:
    folder: Path
    documents: list[Document]
    sources: Sources | None
    problems: list[DataError] = field(default_factory=list)

    def document(self, file: str) -> Document | None:
        return next((doc for doc in self.documents if doc.file == file), None)

    @property
    def sha256(self) -> str:
        """One hash of the whole corpus (file names and texts), for stating what an export shows."""
        digest = hashlib.sha256()
        for doc in sorted(self.documents, key=lambda d: d.file):
            digest.update(doc.file.encode() + b"\0" + doc.sha256.encode() + b"\n")
        return digest.hexdigest()


def load_document(
    path: Path, article: Article | None = None, max_bytes: int = MAX_TEXT_BYTES, follow_symlinks: bool = True
) -> Document:
    """Read and split one article. Raises :class:`DataError` for a file that cannot be an article."""
    text = read_text(path, max_bytes, follow_symlinks)
    passages = split_passages(text, path.stem, article.headline if article else None)
    return Document(path.name, path, text, article, passages)


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


def load_corpus(
    folder: Path = DEFAULT_CORPUS, extra_files: list[Path] | None = None, max_bytes: int = MAX_TEXT_BYTES
) -> Corpus:
    """Every readable article in ``folder`` (plus ``extra_files``), in file-name order.

    Raises :class:`DataError` only when the folder itself or its ``sources.yaml`` is unusable;
    a bad article is skipped and recorded in ``problems``.
    """
    if not folder.is_dir():
        raise DataError(folder, "is not a folder (the corpus must be a folder of .txt articles)")
    sources = load_sources(folder)
    ingested = load_sources(folder, INGESTED_FILE, MAX_INGESTED_BYTES)
    metadata = {article.file: article for article in ingested.articles} if ingested else {}
    metadata |= {article.file: article for article in sources.articles} if sources else {}  # curated wins
    paths = sorted(p for p in folder.iterdir() if p.suffix in ARTICLE_SUFFIXES and not p.name.startswith("."))
    paths += [Path(p) for p in extra_files or [] if Path(p).resolve() not in {q.resolve() for q in paths}]
    corpus = Corpus(folder, [], sources)
    for path in paths:
        try:
            # Inside the corpus a symbolic link is refused, not followed (it could point anywhere).
            inside = path.parent == folder
            corpus.documents.append(load_document(path, metadata.get(path.name), max_bytes, not inside))
        except DataError as err:
            corpus.problems.append(err)
    present = {doc.file for doc in corpus.documents} | {Path(str(err.file)).name for err in corpus.problems}
    curated = {article.file for article in sources.articles} if sources else set()
    for name in metadata:
        if name not in present:
            origin = SOURCES_FILE if name in curated else INGESTED_FILE
            corpus.problems.append(DataError(folder / origin, f"describes {name!r}, which is not in the corpus"))
    return corpus
