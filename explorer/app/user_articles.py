"""The app's list of the user's own articles, each removable after a confirmation.

One function, :func:`render_user_articles`, so the page needs a single call. Curated articles are
never listed here: they cannot be removed.
"""

from __future__ import annotations

import functools
import heapq
import os
from pathlib import Path

import streamlit as st

from explorer.corpus.documents import ARTICLE_SUFFIXES, USER, article_files, corpus_view, load_sources
from explorer.corpus.removal import remove_article
from explorer.data.errors import DataError

CONFIRM_KEY = "remove_pending"
LISTED = 50  # articles listed with a Remove button
DONE_KEY = "removed_article"


def render_user_articles(folder: Path, *, with_metadata: bool = True, limit: int = LISTED) -> None:
    """Your articles (in ``folder``) with a Remove button; "Yes, remove" then deletes one. At most
    ``limit`` are listed, the newest first. Without ``with_metadata`` (a corpus read from its store)
    the list gives file names only: reading every article's metadata costs seconds at 100,000."""
    removed = st.session_state.pop(DONE_KEY, None)
    if removed:
        st.success(f"Removed {removed} from your corpus.")
    try:
        if with_metadata:
            entries = article_files(corpus_view(folder))[0]
            mine = [(e.path, e.article.headline if e.article else None) for e in entries if e.origin == USER]
            mine.sort(key=lambda item: _mtime(item[0]), reverse=True)
            count = len(mine)
        else:
            count, newest = _own_articles(folder, limit)
            mine = [(path, None) for path in newest]
    except (DataError, OSError) as err:
        st.error(f"Your corpus cannot be read: {err}")
        return
    shown = mine[:limit]
    more = f"; the newest {len(shown)} are listed" if count > len(shown) else ""
    st.caption(f"Your corpus: {folder} ({count:,} article{'' if count == 1 else 's'} of yours{more})")
    pending = st.session_state.get(CONFIRM_KEY)
    for path, headline in shown:
        name = path.name
        st.text(f"{name} · {headline or 'no headline'}")  # st.text: article data is never Markdown
        if pending != name:
            if st.button("Remove…", key=f"remove_{name}"):
                st.session_state[CONFIRM_KEY] = name
                st.rerun()
            continue
        st.warning("Remove this article from your corpus? This cannot be undone.")
        yes, no = st.columns(2)
        if yes.button("Yes, remove", key=f"remove_yes_{name}", type="primary"):
            st.session_state.pop(CONFIRM_KEY, None)
            try:
                remove_article(folder, name)
            except DataError as err:
                st.error(f"Nothing was removed: {err}")
                return
            st.session_state[DONE_KEY] = name
            st.rerun()
        if no.button("Keep it", key=f"remove_no_{name}"):
            st.session_state.pop(CONFIRM_KEY, None)
            st.rerun()


def _own_articles(folder: Path, limit: int) -> tuple[int, tuple[Path, ...]]:
    """How many article files the user's folder holds (not the curated ones) and the newest
    ``limit``, from one listing kept until the folder changes (an article added or removed):
    statting 100,000 files on every rerun costs a tenth of a second, and so does making 100,000
    objects (the garbage collector then walks the app's heap)."""
    stat = os.stat(folder)
    return _listing(str(folder), limit, stat.st_ino, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _listing(folder: str, limit: int, _inode: int, _mtime_ns: int) -> tuple[int, tuple[Path, ...]]:
    view = corpus_view(Path(folder))
    curated: set[str] = set()
    if view.curated is not None and view.curated == view.user:  # a complete corpus: skip what it curates
        sources = load_sources(view.user)
        curated = {article.file for article in sources.articles} if sources else set()
    with os.scandir(view.user) as scan:
        found = [
            (entry.stat().st_mtime_ns, entry.path)
            for entry in scan
            if entry.name.endswith(ARTICLE_SUFFIXES) and entry.name not in curated and entry.is_file()
        ]
    newest = heapq.nlargest(limit, found)
    return len(found), tuple(Path(path) for _mtime, path in newest)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
