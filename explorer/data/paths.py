"""Where the project's files live by default. Every command takes these as overridable parameters.

The curated data (geodata, seeds, lessons) ships inside the package: ``explorer/curated/`` holds links to
the top-level folders in a source checkout, and the wheel carries copies. It is found with
``importlib.resources`` so every command works from any folder, installed or not. It is read-only: the
user's own articles live in a separate user corpus (``user_corpus_dir``).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CURATED_ROOT = Path(str(files("explorer") / "curated"))
GEODATA_DIR = CURATED_ROOT / "geodata"
GAZETTEER_PATH = GEODATA_DIR / "gazetteer.yaml"
LESSONS_DIR = CURATED_ROOT / "lessons"
# The curated corpus: the five seed articles, their metadata and facts. Never written by any command.
CURATED_CORPUS = CURATED_ROOT / "seeds"
DEFAULT_CORPUS = CURATED_CORPUS

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

CORPUS_ENV = "KURIL_CORPUS"


def user_corpus_dir() -> Path:
    """The user's own corpus: ``$KURIL_CORPUS`` if set, else the platform's user data folder."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("kuril-explorer", appauthor=False) / "corpus"
