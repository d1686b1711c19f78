"""Remove one of the user's own articles from a user corpus (the app's "Remove" button).

Only articles of the user corpus can go: a curated article (shipped with the package, or described
by a ``sources.yaml``) is refused, and so is any name that is not a plain article file of the
folder. The article file is deleted and its ``ingested.yaml`` entry dropped under the corpus's
ingest lock. A fresh search index loses that article's passages in the same step (a rebuild relinks the
whole corpus: minutes at 100,000 articles); a missing or stale one is rebuilt on the next search, as
before. The index's new fingerprint is stored after the files changed, so a failure in between leaves
it stale, never wrong.
"""

from __future__ import annotations

from pathlib import Path

from explorer.corpus.atomic_files import atomic_write, corpus_lock
from explorer.corpus.documents import load_sources
from explorer.corpus.metadata import dump_sources, load_ingested
from explorer.corpus.search_index import IndexUpdate
from explorer.data.errors import DataError
from explorer.data.paths import ARTICLE_SUFFIXES, INGESTED_FILE, is_curated


def remove_article(corpus: Path, file: str) -> None:
    """Delete the user article ``file`` (a bare file name) from ``corpus``; raises :class:`DataError`."""
    corpus = Path(corpus)
    if is_curated(corpus):
        raise DataError(corpus, "is the curated data shipped with the explorer; nothing is removed from it")
    path = corpus / file
    if Path(file).name != file or not file.endswith(ARTICLE_SUFFIXES) or file.startswith("."):
        raise DataError(path, "is not an article file name of the corpus")
    sources = load_sources(corpus)
    if sources and any(article.file == file for article in sources.articles):
        raise DataError(path, "is a curated article (sources.yaml describes it); only your own articles can be removed")
    with corpus_lock(corpus):
        if not path.is_file():
            raise DataError(path, "is not in the corpus (already removed?)")
        ingested = load_ingested(corpus)
        index = IndexUpdate.open_if_fresh(corpus)
        try:
            path.unlink()
            if ingested and any(article.file == file for article in ingested.articles):
                kept = [article for article in ingested.articles if article.file != file]
                atomic_write(corpus / INGESTED_FILE, dump_sources(kept))
            if index is not None:
                index.remove(file)
                index.commit()
        except BaseException:
            if index is not None:
                index.abort()
            raise
