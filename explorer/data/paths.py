"""Where the project's files live by default. Every command takes these as overridable parameters.

Two kinds of data, kept apart:

* The curated data (geodata, seeds, lessons) ships inside the package: ``explorer/curated/`` holds
  links to the top-level folders in a source checkout, and the wheel carries copies. It is found with
  ``importlib.resources`` so every command works from any folder, installed or not. Nothing writes
  there: not ingest, not an upload, not the search index.
* The user's corpus (``user_corpus_dir``): the articles a user adds (``ingest``, the app's upload
  box) with their ``ingested.yaml``, and the search-index cache in its ``.cache/``. ``--corpus DIR``
  or ``$KURIL_CORPUS`` choose it; the default is under the platform's user data folder.
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
# Kept for callers that mean "the curated seeds" (tests copy them); no command uses it as a default.
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
APP_NAME = "kuril-explorer"


def user_corpus_dir() -> Path:
    """The user's own corpus: ``$KURIL_CORPUS`` if set, else the platform's user data folder."""
    env = os.environ.get(CORPUS_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "corpus"


def is_curated(path: Path) -> bool:
    """Whether ``path`` is (inside) the curated data shipped with the package, links resolved."""
    root = CURATED_ROOT.resolve()
    target = Path(path).resolve()
    if target == root or root in target.parents:
        return True
    # In a checkout explorer/curated/* are links: the top-level folders they point to are curated too.
    return any(
        target == real or real in target.parents
        for real in (p.resolve() for p in (GEODATA_DIR, CURATED_CORPUS, LESSONS_DIR))
    )


def resolve_corpus(folder: Path | None) -> Path:
    """The user corpus to use: ``folder`` when given (``--corpus``), else :func:`user_corpus_dir`.

    The default folder (platform or ``$KURIL_CORPUS``) is created when missing: it is ours to make.
    A folder given explicitly must exist (a typo must not silently become an empty corpus).
    """
    if folder is not None:
        return Path(folder)
    path = user_corpus_dir()
    if not path.exists() and not is_curated(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


def index_dir(corpus: Path) -> Path:
    """Where the search index and ingest lock of ``corpus`` live: its ``.cache/``; for the curated
    folder itself (``--corpus`` pointing at the seeds) the user cache folder, never the package."""
    if is_curated(corpus):
        import hashlib

        from platformdirs import user_cache_path

        key = hashlib.sha256(str(Path(corpus).resolve()).encode()).hexdigest()[:12]
        return user_cache_path(APP_NAME, appauthor=False) / f"curated-{key}"
    return Path(corpus) / CACHE_DIR


def first_paint_dir() -> Path:
    """Where the app keeps its saved first paints: the user cache folder (``$XDG_CACHE_HOME`` is
    honoured), never a corpus, so a corpus someone shares cannot carry one."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False) / "first-paint"
