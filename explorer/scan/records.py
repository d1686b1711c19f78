"""One archive record as the article ``ingest`` would make of it: the same text, headline and id.

* A text record (JSON Lines, Parquet): the title, when it is not already a paragraph of the text, is
  put first (as ``ingest`` does for an HTML headline), then the text is normalized like an ingested
  ``.txt`` (:func:`explorer.text.article_text.normalize_text`); the headline is the first line when it
  is at most :data:`explorer.corpus.ingest.HEADLINE_MAX` characters, as ``ingest`` takes it from a
  ``.txt``. The article is exported as ``<id>.txt``: ingesting it gives the same text, so the same
  passages and the same mentions.
* A WARC page: the HTML goes through :func:`explorer.corpus.ingest.prepare` itself (charset, visible
  text, headline, ``article:published_time``), and the page is exported as ``<id>.html``.

The article id is ingest's content id (sha256 of the text), so passage ids read ``<id>:p1.s0``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from explorer.corpus.ingest import HEADLINE_MAX, prepare
from explorer.corpus.metadata import valid_date
from explorer.data.errors import DataError
from explorer.scan.archives import Bad, Record
from explorer.text.article_text import content_id, normalize_text


@dataclass(frozen=True)
class ScannedArticle:
    id: str
    text: str
    headline: str | None
    date: str | None
    export_suffix: str  # ".txt" or ".html": how the article is handed to ingest
    export_bytes: bytes

    @property
    def file(self) -> str:
        return f"{self.id}.txt"


def record_date(value: str | None) -> str | None:
    """The ISO ``YYYY[-MM[-DD]]`` prefix of an archive's date field (``2019-05-10T08:00Z``), if valid."""
    if not value:
        return None
    for size in (10, 7, 4):
        prefix = value.strip()[:size]
        if len(prefix) == size and valid_date(prefix):
            return prefix
    return None


class ArticleMaker:
    """Turns records into articles; holds a scratch folder for WARC pages (``prepare`` reads a file)."""

    def __init__(self) -> None:
        self._scratch: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> ArticleMaker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()

    def make(self, record: Record) -> ScannedArticle | Bad:
        if record.html is not None:
            return self._from_html(record)
        raw = record.text or ""
        if "\x00" in raw:
            return Bad(record.source, "binary text", "the text contains NUL characters")
        text = normalize_text(raw)
        title = " ".join((record.title or "").split())
        if title and title not in (para.strip() for para in text.split("\n\n")):
            text = normalize_text(f"{title}\n\n{text}")
        if not text:
            return Bad(record.source, "no text", "the text is only whitespace")
        first = text.split("\n", 1)[0].strip()
        headline = first if first and len(first) <= HEADLINE_MAX else None
        return ScannedArticle(content_id(text), text, headline, record_date(record.date), ".txt", text.encode("utf-8"))

    def _from_html(self, record: Record) -> ScannedArticle | Bad:
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="kuril-scan-")
        page = Path(self._scratch.name) / "page.html"
        page.write_bytes(record.html or b"")
        try:
            prepared = prepare(page)
        except DataError as err:
            return Bad(record.source, "page refused", err.problem)
        finally:
            os.unlink(page)
        return ScannedArticle(
            prepared.id,
            prepared.text,
            prepared.fields.get("headline"),
            prepared.fields.get("date"),
            ".html",
            record.html or b"",
        )
