"""The app's list of the user's own articles, each removable after a confirmation.

One function, :func:`render_user_articles`, so the page needs a single call. Curated articles are
never listed here: they cannot be removed.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer.corpus.documents import USER, article_files, corpus_view
from explorer.corpus.removal import remove_article
from explorer.data.errors import DataError

CONFIRM_KEY = "remove_pending"
DONE_KEY = "removed_article"


def render_user_articles(folder: Path) -> None:
    """Your articles (in ``folder``) with a Remove button; "Yes, remove" then deletes one."""
    removed = st.session_state.pop(DONE_KEY, None)
    if removed:
        st.success(f"Removed {removed} from your corpus.")
    try:
        entries = article_files(corpus_view(folder))[0]
    except DataError as err:
        st.error(f"Your corpus cannot be read: {err}")
        return
    mine = [entry for entry in entries if entry.origin == USER]
    st.caption(f"Your corpus: {folder} ({len(mine)} article{'' if len(mine) == 1 else 's'} of yours)")
    pending = st.session_state.get(CONFIRM_KEY)
    for entry in mine:
        name = entry.path.name
        headline = entry.article.headline if entry.article and entry.article.headline else "no headline"
        st.text(f"{name} · {headline}")  # st.text: article data is never Markdown
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
