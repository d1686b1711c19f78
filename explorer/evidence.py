"""What the explorer shows about a place: the passages that mention it, the facts located there, counts.

Built once from the gazetteer, the corpus and its facts (:meth:`Evidence.load`); filters make a
narrower :class:`Evidence` (:meth:`Evidence.filtered`) so the map and the panel always agree.
Imports no Streamlit: the app and the exports share it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar

from explorer.corpus.documents import Corpus, Document, load_corpus
from explorer.corpus.facts import FactSet, load_facts
from explorer.data.gazetteer import PlaceIndex, load_gazetteer
from explorer.data.paths import GAZETTEER_PATH
from explorer.data.schema import Account, Event
from explorer.text.dates import overlaps
from explorer.text.linking import Link, Linker
from explorer.text.passages import Passage


@dataclass(frozen=True)
class PassageEvidence:
    passage: Passage
    text: str
    mentions: list[Link]

    def segments(self) -> list[tuple[str, Link | None]]:
        """The passage cut into plain text and mentions, for highlighting (text is still unescaped)."""
        pieces: list[tuple[str, Link | None]] = []
        cursor = self.passage.start
        for link in sorted(self.mentions, key=lambda l: l.start):
            if link.start < cursor:
                continue
            pieces.append((self._slice(cursor, link.start), None))
            pieces.append((self._slice(link.start, link.end), link))
            cursor = link.end
        pieces.append((self._slice(cursor, self.passage.end), None))
        return [(text, link) for text, link in pieces if text]

    def _slice(self, start: int, end: int) -> str:
        return self.text[start - self.passage.start : end - self.passage.start]


@dataclass(frozen=True)
class ArticleEvidence:
    document: Document
    passages: list[PassageEvidence]

    @property
    def mention_count(self) -> int:
        return sum(len(p.mentions) for p in self.passages)


@dataclass(frozen=True)
class ArticleInfo:
    """What tells an article apart in a list: its file and, where known, outlet, date and headline."""

    file: str
    outlet: str | None = None
    date: str | None = None
    headline: str | None = None

    @classmethod
    def of(cls, document: Document) -> ArticleInfo:
        """The document's metadata; without a headline there, the paragraph the passage splitter took
        as the headline (what the store keeps)."""
        article = document.article
        headline = article.headline if article is not None else None
        if not headline:
            found = next((p for p in document.passages if p.kind == "headline"), None)
            headline = document.text[found.start : found.end].strip() if found is not None else None
        if article is None:
            return cls(document.file, headline=headline)
        return cls(document.file, article.outlet, article.date, headline)


@dataclass(frozen=True)
class ArticlePassages:
    """One article's passages on a page of a place's evidence."""

    article: ArticleInfo
    passages: list[PassageEvidence]


@dataclass(frozen=True)
class SourceCounts:
    """How often each article speaks of a place: ``rows`` of (article, count); when ``articles`` is
    more than the rows hold, the rows are those with the most. ``unit`` says what is counted
    ("mentions" or "passages")."""

    unit: str
    articles: int
    rows: list[tuple[ArticleInfo, int]]


def newest_first(articles: list[ArticleEvidence]) -> list[ArticleEvidence]:
    """Articles by publication date, newest first; undated ones last, in corpus order."""
    dated = [a for a in articles if a.document.article and a.document.article.date]
    undated = [a for a in articles if not (a.document.article and a.document.article.date)]
    return sorted(dated, key=lambda a: a.document.article.date or "", reverse=True) + undated  # type: ignore[union-attr]


@dataclass(frozen=True)
class TimelineEntry:
    when: str
    precision: str
    title: str
    category: str
    event: str
    files: tuple[str, ...]
    where: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    gazetteer: PlaceIndex
    corpus: Corpus
    links: list[Link]
    facts: FactSet | None
    _by_place: dict[str, list[Link]] = field(default_factory=dict, repr=False)
    # Whether every article and link is at hand (the article filter, the data exports, candidate
    # facts); False for evidence read from the store a page at a time (explorer.stored_evidence).
    lists_articles: ClassVar[bool] = True

    def __post_init__(self) -> None:
        for link in self.links:
            self._by_place.setdefault(link.place, []).append(link)

    @classmethod
    def load(cls, corpus_folder: Path | None = None, gazetteer_path: Path = GAZETTEER_PATH) -> Evidence:
        """The curated articles and the user corpus ``corpus_folder`` (default: the user's), linked."""
        gazetteer = load_gazetteer(gazetteer_path)
        corpus = load_corpus(corpus_folder)
        linker = Linker(gazetteer.data)
        links = [link for doc in corpus.documents for link in linker.link(doc.text, doc.file, doc.passages)]
        return cls(gazetteer, corpus, links, load_facts(corpus.facts_folder))

    # --- Filters ----------------------------------------------------------------------------------

    def filtered(
        self, files: set[str] | None = None, date_from: str | None = None, date_to: str | None = None
    ) -> Evidence:
        """Only the articles in ``files`` (all when None) dated within [date_from, date_to] (ISO prefixes).

        With a date bound set, articles of unknown date are left out (they cannot be placed in time).
        """
        if files is None and date_from is None and date_to is None:
            return self  # the common case on every rerun: nothing to narrow
        keep = {
            doc.file
            for doc in self.corpus.documents
            if (files is None or doc.file in files)
            and overlaps(doc.article.date if doc.article else None, date_from, date_to)
        }
        corpus = Corpus(
            self.corpus.folder,
            [d for d in self.corpus.documents if d.file in keep],
            self.corpus.sources,
            self.corpus.problems,
            self.corpus.curated_folder,
        )
        return Evidence(self.gazetteer, corpus, [l for l in self.links if l.file in keep], self.facts)

    @property
    def files(self) -> set[str]:
        return {doc.file for doc in self.corpus.documents}

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(doc.file for doc in self.corpus.documents)

    def has_file(self, file: str) -> bool:
        """Whether the article ``file`` is among the articles this evidence shows (filters applied)."""
        return file in self._file_set

    @property
    def is_empty(self) -> bool:
        """No article passes the filters."""
        return not self.corpus.documents

    def months(self) -> list[str]:
        """The months (``YYYY-MM``, or ``YYYY``) the articles are dated in, oldest first."""
        return sorted({date[:7] for date in self.article_dates()})

    @property
    def article_total(self) -> int:
        """Articles this evidence shows (filters applied)."""
        return len(self.corpus.documents)

    def outlets(self) -> list[str]:
        return sorted({d.article.outlet for d in self.corpus.documents if d.article and d.article.outlet})

    # --- Per place --------------------------------------------------------------------------------

    def links_for(self, place_id: str) -> list[Link]:
        return self._by_place.get(place_id, [])

    def articles_for(self, place_id: str) -> list[ArticleEvidence]:
        """Passages that mention the place, grouped by article (article order), each with its mentions."""
        by_file: dict[str, dict[str, list[Link]]] = {}
        for link in self.links_for(place_id):
            by_file.setdefault(link.file, {}).setdefault(link.passage or "", []).append(link)
        result = []
        for doc in self.corpus.documents:
            if doc.file not in by_file:
                continue
            passages = [
                PassageEvidence(p, doc.text[p.start : p.end], by_file[doc.file][p.id])
                for p in doc.passages
                if p.id in by_file[doc.file]
            ]
            result.append(ArticleEvidence(doc, passages))
        return result

    def passage_page(self, place_id: str, limit: int | None = None) -> tuple[int, list[ArticlePassages]]:
        """How many passages mention the place (directly), and the first ``limit`` of them (all when
        None), grouped by article, newest article first."""
        articles = newest_first(self.articles_for(place_id))
        total = sum(len(a.passages) for a in articles)
        left = total if limit is None else limit
        page = []
        for article in articles:
            if left <= 0:
                break
            shown = article.passages[:left]
            left -= len(shown)
            page.append(ArticlePassages(ArticleInfo.of(article.document), shown))
        return total, page

    def article_count(self, place_id: str) -> int:
        """Number of articles with a passage that mentions the place (directly)."""
        return len({link.file for link in self.links_for(place_id) if link.passage})

    def source_counts(self, place_id: str) -> SourceCounts:
        """Mentions of the place per article, in corpus order."""
        counts = self.counts_per_source(place_id)
        rows = [(ArticleInfo.of(d), counts[d.file]) for d in self.corpus.documents if d.file in counts]
        return SourceCounts("mentions", len(rows), rows)

    def passage_count(self, place_id: str) -> int:
        """Number of passages that mention the place (directly): what ``articles_for`` would hold,
        without building it."""
        return len({(l.file, l.passage) for l in self.links_for(place_id) if l.passage})

    def passage_counts(self) -> dict[str, int]:
        """Number of passages that mention each place (directly)."""
        return {place: len({(l.file, l.passage) for l in links}) for place, links in self._by_place.items()}

    def counts_per_source(self, place_id: str) -> Counter[str]:
        return Counter(link.file for link in self.links_for(place_id))

    def containing_groups(self, place_id: str) -> list[str]:
        """Groups the place belongs to (parents and groups listing it as a member), nearest first."""
        result: list[str] = []
        todo = [place_id]
        while todo:
            current = todo.pop(0)
            place = self.gazetteer.by_id.get(current)
            if place is None:
                continue
            owners = [p.id for p in self.gazetteer.places if current in p.members]
            for owner in ([place.parent] if place.parent else []) + owners:
                if owner not in result and owner != place_id:
                    result.append(owner)
                    todo.append(owner)
        return result

    def events_at(self, place_id: str) -> list[tuple[Event, list[Account]]]:
        """Facts located at the place (or inside it), with the accounts from articles that pass the filters."""
        if self.facts is None:
            return []
        covered = self.gazetteer.covered_by(place_id)
        result = []
        for event in self.facts.events:
            accounts = [a for a in event.accounts if self.has_file(a.file)]
            if accounts and covered & (set(event.where) | {w for a in accounts for w in a.where}):
                result.append((event, accounts))
        return result

    def timeline(self) -> list[TimelineEntry]:
        """Every dated event with the articles that report it (filtered), oldest first."""
        if self.facts is None:
            return []
        entries = []
        for event in self.facts.events:
            accounts = [a for a in event.accounts if self.has_file(a.file)]
            when = event.when or next((a.when for a in accounts if a.when), None)
            if not accounts or not when:
                continue
            precision = {4: "year", 7: "month", 10: "day"}[len(when)]
            entries.append(
                TimelineEntry(
                    when,
                    precision,
                    event.title,
                    event.category,
                    event.id,
                    tuple(sorted({a.file for a in accounts})),
                    tuple(event.where),
                )
            )
        return sorted(entries, key=lambda e: (e.when, e.event))

    def article_dates(self) -> list[str]:
        return sorted(doc.article.date for doc in self.corpus.documents if doc.article and doc.article.date)
