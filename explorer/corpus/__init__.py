"""The corpus: curated and user articles with their metadata, curated facts, fact candidates, ingest and
the full-text search index."""
