"""Evidence read from the corpus's store, for corpora too big to link whenever the app starts.

:class:`StoredEvidence` answers what the map and the panels ask of :class:`explorer.evidence.Evidence`
(counts per place, a page of a place's passages newest first, the articles that speak of a place most,
the facts and the timeline) from :class:`explorer.corpus.evidence_store.EvidenceStore`: opening it
reads a few tables, whatever the corpus size, and a page links only its own articles again to
highlight the mentions. It holds in memory only the articles the curated facts and lessons quote.

What it does not do, because it would read every article: list the articles (the app's article filter
and the data exports need the in-memory evidence) or give every link (:meth:`links_for`,
:meth:`articles_for`, :attr:`files` raise ``NotImplementedError``). :func:`open_evidence` chooses:
the in-memory evidence up to :data:`STORE_FROM_ARTICLES` articles, the store above.
Imports no Streamlit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal

from explorer.corpus.documents import (
    ARTICLE_SUFFIXES,
    CURATED,
    USER,
    Corpus,
    Document,
    corpus_view,
    load_corpus,
    load_document,
    load_sources,
)
from explorer.corpus.evidence_store import EvidenceStore, Period
from explorer.corpus.facts import load_facts
from explorer.corpus.workers import cached_gazetteer
from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH
from explorer.evidence import ArticleInfo, ArticlePassages, Evidence, SourceCounts
from explorer.text.dates import overlaps, span
from explorer.text.linking import Link

Backend = Literal["auto", "memory", "store"]
BACKENDS: tuple[Backend, ...] = ("auto", "memory", "store")
# Up to this many articles the app links the corpus in memory when it starts (about a second at
# 2,000 articles) and keeps the features that list every article; above it, it reads the store.
STORE_FROM_ARTICLES = 2_000
SOURCE_ROWS = 20  # articles listed in a place's "Counts per source" tab


def article_file_count(folder: Path | None) -> int:
    """Article files in the corpus ``folder`` and the curated folder beside it: names only, no stat
    and no metadata read (a few milliseconds at 100,000 articles)."""
    count = 0
    for part in corpus_view(folder).folders:
        try:
            with os.scandir(part) as scan:
                count += sum(1 for entry in scan if entry.name.endswith(ARTICLE_SUFFIXES))
        except OSError:
            continue
    return count


def chosen_backend(folder: Path | None, backend: Backend = "auto") -> Literal["memory", "store"]:
    """The backend for ``folder``: as asked, or by the article count when ``auto``."""
    if backend != "auto":
        return backend
    return "store" if article_file_count(folder) > STORE_FROM_ARTICLES else "memory"


def open_evidence(folder: Path | None, backend: Backend = "auto", gazetteer_path: Path = GAZETTEER_PATH) -> Evidence:
    """The explorer's evidence for the user corpus ``folder`` (and the curated articles): linked in
    memory (:meth:`Evidence.load`) or read from the store (:meth:`StoredEvidence.open`)."""
    if chosen_backend(folder, backend) == "store":
        return StoredEvidence.open(folder, gazetteer_path)
    return Evidence.load(folder, gazetteer_path)


@dataclass(frozen=True)
class StoredEvidence(Evidence):
    """Evidence from the store (see the module doc). ``corpus`` holds only the quoted articles."""

    store: EvidenceStore | None = None
    period: Period = (None, None)
    only_files: frozenset[str] | None = None
    _memo: dict = field(default_factory=dict, repr=False, compare=False)
    lists_articles: ClassVar[bool] = False

    @classmethod
    def open(cls, corpus_folder: Path | None = None, gazetteer_path: Path = GAZETTEER_PATH) -> StoredEvidence:
        """Open the store of ``corpus_folder`` (built or brought up to date first; see
        :class:`EvidenceStore`) and read the facts and the articles they quote."""
        gazetteer, linker = cached_gazetteer(Path(gazetteer_path))
        view = corpus_view(corpus_folder)
        store = EvidenceStore(view.user, gazetteer_path, linker=linker)
        corpus = _quoted_corpus(view.user, view.curated)
        facts = load_facts(corpus.facts_folder)
        quoted = {account.file for event in facts.events for account in event.accounts} if facts else set()
        known = {doc.file for doc in corpus.documents}
        for file in sorted(quoted - known):
            document = _load_one(store, file)
            if document is not None:
                corpus.documents.append(document)
        return cls(gazetteer, corpus, [], facts, store=store)

    @property
    def _store(self) -> EvidenceStore:
        assert self.store is not None, "StoredEvidence needs a store"
        return self.store

    # --- Filters ----------------------------------------------------------------------------------

    def filtered(
        self, files: set[str] | None = None, date_from: str | None = None, date_to: str | None = None
    ) -> StoredEvidence:
        """The same store, narrowed to ``files`` and the period (as :meth:`Evidence.filtered`: an
        already narrowed one is narrowed further)."""
        if files is None and date_from is None and date_to is None:
            return self
        only = frozenset(files) if files is not None else None
        if only is not None and self.only_files is not None:
            only &= self.only_files
        elif only is None:
            only = self.only_files
        period = (_later(self.period[0], date_from), _earlier(self.period[1], date_to))
        corpus = Corpus(
            self.corpus.folder,
            [d for d in self.corpus.documents if _passes(d, only, period)],
            self.corpus.sources,
            self.corpus.problems,
            self.corpus.curated_folder,
        )
        return replace(self, corpus=corpus, period=period, only_files=only, _memo={})

    @property
    def _filtered(self) -> bool:
        return self.only_files is not None or self.period != (None, None)

    def has_file(self, file: str) -> bool:
        key = ("has", file)
        if key not in self._memo:
            present, date = self._store.article_date(file)
            self._memo[key] = (
                present
                and (self.only_files is None or file in self.only_files)
                and overlaps(date, self.period[0], self.period[1])
            )
        return bool(self._memo[key])

    @property
    def is_empty(self) -> bool:
        return not self._store.any_article(self.period, self.only_files)

    @property
    def article_total(self) -> int:
        """Articles in the store (the filters are not applied: counting them would read every one)."""
        if "total" not in self._memo:
            self._memo["total"] = self._store.article_count()
        return int(self._memo["total"])

    def months(self) -> list[str]:
        return self._store.months()

    def outlets(self) -> list[str]:
        return self._store.outlets()

    def article_dates(self) -> list[str]:
        """The months articles are dated in (the store keeps months, not every date)."""
        return self._store.months()

    # --- Per place --------------------------------------------------------------------------------

    @cached_property
    def _counts(self) -> dict[str, int]:
        if self._filtered:
            return self._store.filtered_counts(self.period, self.only_files)
        return self._store.place_counts()

    def passage_counts(self) -> dict[str, int]:
        return dict(self._counts)

    def passage_count(self, place_id: str) -> int:
        return self._counts.get(place_id, 0)

    def article_count(self, place_id: str) -> int:
        if not self._filtered:
            return self._store.article_counts().get(place_id, 0)
        return self.source_counts(place_id).articles

    def source_counts(self, place_id: str) -> SourceCounts:
        """Passages that mention the place per article, the :data:`SOURCE_ROWS` articles with the most."""
        key = ("sources", place_id)
        if key not in self._memo:
            total, rows = self._store.source_counts(place_id, self.period, self.only_files, SOURCE_ROWS)
            found = [(self._article_info(file), count) for file, count in rows]
            self._memo[key] = SourceCounts("passages", total, found)
        return self._memo[key]

    def passage_page(self, place_id: str, limit: int | None = None) -> tuple[int, list[ArticlePassages]]:
        """The first ``limit`` passages (default 100) that mention the place, newest article first,
        grouped by article, and how many there are."""
        page = self._store.passages(
            place_id,
            limit=100 if limit is None else limit,
            date_from=self.period[0],
            date_to=self.period[1],
            files=self.only_files,
        )
        grouped: list[ArticlePassages] = []
        for passage in page.passages:
            evidence = self._store.passage_evidence(passage, place_id)
            if grouped and grouped[-1].article.file == passage.file:
                grouped[-1].passages.append(evidence)
            else:
                grouped.append(ArticlePassages(self._article_info(passage.file), [evidence]))
        return page.total, grouped

    def _article_info(self, file: str) -> ArticleInfo:
        key = ("info", file)
        if key not in self._memo:
            self._memo[key] = ArticleInfo(file, *self._store.article_info(file))
        return self._memo[key]

    @property
    def files(self) -> set[str]:
        raise NotImplementedError("StoredEvidence does not list every article; use has_file()")

    def links_for(self, place_id: str) -> list[Link]:
        raise NotImplementedError("StoredEvidence reads passages a page at a time; use passage_page()")

    def articles_for(self, place_id: str):
        raise NotImplementedError("StoredEvidence reads passages a page at a time; use passage_page()")

    def counts_per_source(self, place_id: str):
        raise NotImplementedError("StoredEvidence counts passages per article; use source_counts()")


def _later(one: str | None, other: str | None) -> str | None:
    """The later of two lower bounds (ISO prefixes, compared by their first day)."""
    if one is None or other is None:
        return other if one is None else one
    return max(one, other, key=lambda bound: span(bound)[0])


def _earlier(one: str | None, other: str | None) -> str | None:
    """The earlier of two upper bounds (compared by their last day)."""
    if one is None or other is None:
        return other if one is None else one
    return min(one, other, key=lambda bound: span(bound)[1])


def _passes(document: Document, files: frozenset[str] | None, period: Period) -> bool:
    date = document.article.date if document.article else None
    return (files is None or document.file in files) and overlaps(date, period[0], period[1])


def _quoted_corpus(user: Path, curated: Path | None) -> Corpus:
    """The curated articles when they have their own folder (a handful: the facts and lessons quote
    them), else none; the user's articles stay in the store."""
    if curated is not None and curated != user:
        corpus = load_corpus(curated, curated=None)
        return Corpus(user, corpus.documents, corpus.sources, corpus.problems, curated)
    sources = load_sources(user)
    return Corpus(user, [], sources, [], curated)


def _load_one(store: EvidenceStore, file: str) -> Document | None:
    """One article a fact quotes, read from whichever corpus folder holds it (None when none does)."""
    path = store.article_path(file)
    if path is None:
        return None
    sources = load_sources(path.parent)
    article = next((a for a in sources.articles if a.file == file), None) if sources else None
    try:  # an article its folder's sources.yaml lists is curated (as explorer.corpus.documents says)
        return load_document(path, article, origin=CURATED if article else USER, follow_symlinks=False)
    except DataError:
        return None
