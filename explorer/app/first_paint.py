"""The map drawn as soon as a fresh app process gets its first page, from data an earlier run saved.

Why: before it can build the map, a fresh process imports folium (and pandas through it), pydantic
and the gazetteer, and reads the corpus: about 1.5 s on a 2-core machine, during which the page is
empty. What the map-and-evidence component draws for an unfiltered Explore page depends only on the
code, the curated data, the user's corpus, the point of view, the label language and the tiles
switch, so the component's data (:func:`explorer.app.evidence_map.component_data`) is saved under a
key made of all of them, and a later process draws it before importing any of that. The rest of
the page then loads as usual; its own map call sends the same data (same key), so the map is not
drawn twice.

What is kept and when:

* saved by the normal path (:func:`save`) for unfiltered Explore states only: no lesson, article,
  date or event filter (what a fresh page or a shared ``?place=`` link shows);
* read (:func:`draw`) only on a session's first run, and only when the URL asks for nothing but
  ``place``, ``view`` and ``lang``;
* the key covers every file of the package, the curated data and the user's corpus folder by name,
  size and modification time, and the versions of the packages that render the map, so any change
  is a miss, never a stale map;
* kept in the user's cache folder (``~/.cache/kuril-explorer/first-paint`` on Linux, or
  ``$XDG_CACHE_HOME``), never in the corpus: a shared corpus cannot carry one. At most
  :data:`KEEP` files; a damaged or foreign file is ignored (the page takes the normal path).

Imports only the standard library, Streamlit and the component (no folium, pandas or pydantic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from explorer import __version__
from explorer.data.paths import (
    CURATED_CORPUS,
    FACTS_FILE,
    GEODATA_DIR,
    INGESTED_FILE,
    LESSONS_DIR,
    SOURCES_FILE,
    first_paint_dir,
)
from explorer.render.viewpoints import LANGS, VIEWS

FORMAT = "1"  # bump when the saved data's shape changes
KEEP = 24  # saved states kept (three views by four label languages, for two corpora)
MAX_BYTES = 64 * 1024 * 1024
# URL parameters the first paint can honour; any other one (a lesson, a filter) takes the normal path.
URL_KEYS = frozenset({"place", "view", "lang"})
# How the component's page names a file of the app's static folder (explorer.app.page.map_assets).
STATIC_URL_PREFIX = "../../app/static/"
_PACKAGE = Path(__file__).resolve().parents[1]
# Packages whose version changes what the map looks like (an upgrade makes a new first paint).
RENDERING_PACKAGES = ("streamlit", "folium", "branca", "django-js-lib-leaflet")
_REQUIRED = {"map": dict, "assets": dict, "panels": dict, "passages": dict, "labels": dict, "covered": dict}


def _files(root: Path, follow_links: bool, recursive: bool = True) -> Iterator[tuple[str, int, int]]:
    """(relative path, size, mtime) of every file under ``root`` (only its own files unless
    ``recursive``); hidden entries and caches skipped."""
    for folder, dirs, names in os.walk(root, followlinks=follow_links):
        dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".") and d not in {"__pycache__", "curated"})
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            with contextlib.suppress(OSError):
                stat = path.stat()
                yield str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def state_key(corpus: Path, view: str, lang: str, tiles: bool) -> str:
    """The key of one saved state: the code, the data, the corpus folder and the state, hashed."""
    parts: list[object] = [FORMAT, __version__, sys.version_info[:2], view, lang, tiles]
    parts.append([_installed(name) for name in RENDERING_PACKAGES])
    parts.append(list(_files(_PACKAGE, follow_links=False)))
    for root in (GEODATA_DIR, CURATED_CORPUS, LESSONS_DIR):
        parts.append(list(_files(root, follow_links=True)))
    with contextlib.suppress(OSError):
        corpus = corpus.resolve()
    # The corpus is the files in its folder (explorer.corpus.documents lists no subfolder).
    parts += [str(corpus), _corpus_part(corpus) if corpus.is_dir() else None]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


# Up to this many files the key has each file's size and mtime; above it (statting 100,000 files
# takes 1.5 s, before anything is drawn) their names, the folder's and the metadata files' stats.
# Articles are added, removed and replaced through a rename, which changes the folder; one edited in
# place is then not seen by the key, and the page, which compares what it drew with its own data,
# replaces the paint in the same visit.
STAT_EACH_UP_TO = 5_000


def _corpus_part(corpus: Path) -> list:
    with os.scandir(corpus) as scan:
        names = sorted(entry.name for entry in scan if not entry.name.startswith(".") and entry.is_file())
    if len(names) <= STAT_EACH_UP_TO:
        return list(_files(corpus, follow_links=False, recursive=False))
    stats = []
    for path in (corpus, corpus / SOURCES_FILE, corpus / INGESTED_FILE, corpus / FACTS_FILE):
        with contextlib.suppress(OSError):
            stat = path.stat()
            stats.append((path.name, stat.st_ino, stat.st_size, stat.st_mtime_ns))
    return [names, stats]


def saveable(query: dict[str, str]) -> bool:
    """Whether a page with this URL query may be drawn from (and saved as) a first paint."""
    return set(query) <= URL_KEYS


def load(key: str, folder: Path | None = None) -> tuple[str, dict] | None:
    """The saved component data for ``key`` (its text and its parsed form), or None when there is
    none or it does not look like ours. A saved file is the key on its first line, then the data."""
    path = (folder or first_paint_dir()) / f"{key}.json"
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        first, text = path.read_text(encoding="utf-8").split("\n", 1)
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if first != key or not isinstance(data, dict):
        return None
    if any(not isinstance(data.get(name), kind) for name, kind in _REQUIRED.items()):
        return None
    return text, data


def save(key: str, data: str, folder: Path | None = None) -> None:
    """Keep ``data`` (from :func:`explorer.app.evidence_map.component_data`, made with ``key``) for
    the next process; keeps the newest :data:`KEEP` files. Never fails the page: a read-only or full
    cache folder only means the next start takes the normal path."""
    folder = folder or first_paint_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp", delete=False) as out:
            out.write(f"{key}\n{data}")
        os.replace(out.name, folder / f"{key}.json")
        saved = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in saved[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(NameError, OSError):
            Path(out.name).unlink(missing_ok=True)


def query_state(query: dict[str, str]) -> tuple[str | None, str, str] | None:
    """(place, view, lang) from a URL the first paint can honour, else None. The place is checked
    against the saved data's places by :func:`saved_data`; view and language against the known ids."""
    if not saveable(query):
        return None
    view = (query.get("view") or "neutral").strip()
    lang = (query.get("lang") or "en").strip()
    if view not in VIEWS or lang not in LANGS:
        return None
    place = (query.get("place") or "").strip() or None
    return place, view, lang


def saved_data(corpus: Path, query: dict[str, str], static_dir: Path) -> tuple[str, str | None] | None:
    """(component data, selected place) for a fresh page with this URL, when a first paint is saved.

    The map's Leaflet files must still be in ``static_dir`` (served as ``app/static``): the saved
    data only names them.
    """
    state = query_state(query)
    if state is None:
        return None
    place, view, lang = state
    saved = load(state_key(corpus, view, lang, tiles=False))
    if saved is None:
        return None
    text, data = saved
    for url in [*data["assets"].get("js", []), *data["assets"].get("css", [])]:
        if not isinstance(url, str):
            return None
        if url.startswith("data:"):
            continue
        relative = url.removeprefix(STATIC_URL_PREFIX)
        if relative == url or ".." in Path(relative).parts or not (static_dir / relative).is_file():
            return None
    return text, place if place in data["labels"] else None
