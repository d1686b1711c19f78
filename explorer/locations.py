"""Where the project's files live by default. Every command takes these as overridable parameters."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GEODATA_DIR = PROJECT_ROOT / "geodata"
GAZETTEER_PATH = GEODATA_DIR / "gazetteer.yaml"
DEFAULT_CORPUS = PROJECT_ROOT / "seeds"

# Per-corpus curated files, beside the articles.
SOURCES_FILE = "sources.yaml"
FACTS_FILE = "facts.yaml"
# Metadata written by `explorer ingest` (generated, never hand-edited; sources.yaml wins over it).
INGESTED_FILE = "ingested.yaml"
# Per-corpus cache (search index, ingest lock): rebuilt when missing, kept out of git.
CACHE_DIR = ".cache"
# Which files in a corpus folder are articles.
ARTICLE_SUFFIXES = (".txt",)

LAYER_FILES = {
    "islands": GEODATA_DIR / "islands.geojson",
    "region": GEODATA_DIR / "region.geojson",
    "sites": GEODATA_DIR / "sites.geojson",
}
