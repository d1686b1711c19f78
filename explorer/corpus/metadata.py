"""Article metadata of a corpus folder: ``ingested.yaml`` (generated) overlaid by ``sources.yaml`` (curated)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import ValidationError

from explorer.corpus.documents import MAX_INGESTED_BYTES, load_sources
from explorer.data.paths import INGESTED_FILE
from explorer.data.schema import Article, Sources

HEADER = """\
# Metadata of ingested articles (explorer.data.schema.Sources), written by `python -m explorer ingest`.
# Generated: do not edit by hand. To curate an article, copy its entry to sources.yaml (which wins).
"""


def load_ingested(folder: Path) -> Sources | None:
    """The corpus's ``ingested.yaml`` (validated as :class:`Sources`), or ``None`` when absent."""
    return load_sources(folder, INGESTED_FILE, MAX_INGESTED_BYTES)


def article_metadata(folder: Path) -> dict[str, Article]:
    """Metadata by file name: ``ingested.yaml`` overlaid by the curated ``sources.yaml`` (curated wins)."""
    merged: dict[str, Article] = {}
    ingested = load_ingested(folder)
    if ingested:
        merged.update((article.file, article) for article in ingested.articles)
    sources = load_sources(folder)
    if sources:
        merged.update((article.file, article) for article in sources.articles)
    return merged


def valid_date(value: str) -> bool:
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


def dump_sources(articles: list[Article]) -> bytes:
    rows = [article.model_dump(exclude_defaults=True) | {"file": article.file} for article in articles]
    rows = [{"file": row.pop("file"), **row} for row in rows]
    body = yaml.dump(
        {"version": 1, "articles": rows},
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        allow_unicode=True,
        sort_keys=False,
        width=120,
    )
    return (HEADER + body).encode("utf-8")
