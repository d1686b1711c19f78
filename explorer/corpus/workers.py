"""The gazetteer and linker of a worker process, loaded once per process (ingest and index rebuilds)."""

from __future__ import annotations

from pathlib import Path

_worker_linker = None  # this process's Linker, set by init_worker
_LOADED: dict[tuple, tuple] = {}


def cached_gazetteer(gazetteer_path: Path):
    """(PlaceIndex, Linker) for a gazetteer file, loaded once per process while the file is unchanged."""
    from explorer.data.gazetteer import load_gazetteer
    from explorer.text.linking import Linker

    path = Path(gazetteer_path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _LOADED:
        index = load_gazetteer(path)
        _LOADED.clear()
        _LOADED[key] = (index, Linker(index.data))
    return _LOADED[key]


def init_worker(gazetteer_path: str | None) -> None:
    global _worker_linker
    _worker_linker = cached_gazetteer(Path(gazetteer_path))[1] if gazetteer_path else None


def worker_linker():
    """The Linker :func:`init_worker` set for this process, or ``None``."""
    return _worker_linker
