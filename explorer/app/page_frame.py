"""The page's frame, known before anything heavy is imported: the corpus folder from the command
line and the page's constant CSS. The app draws its first paint (:mod:`explorer.app.first_paint`)
with these alone; :mod:`explorer.app.page` holds everything that needs the corpus.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import streamlit as st

from explorer.data.paths import resolve_corpus


def corpus_folder(argv: list[str] | None = None) -> Path:
    """The user corpus: ``streamlit run app.py -- --corpus DIR``, else ``$KURIL_CORPUS``, else the
    user data folder. The curated articles are always shown beside it (and never written)."""
    args = sys.argv[1:] if argv is None else argv
    if "--corpus" in args and args.index("--corpus") + 1 < len(args):
        return Path(args[args.index("--corpus") + 1])
    return resolve_corpus(None)


def evidence_option(argv: list[str] | None = None) -> str:
    """How the app reads the evidence: ``streamlit run app.py -- --evidence memory|store|auto``, else
    ``$KURIL_EVIDENCE``, else ``auto`` (in memory up to a few thousand articles, from the store above;
    see :mod:`explorer.stored_evidence`). An unknown value means ``auto``."""
    args = sys.argv[1:] if argv is None else argv
    value = os.environ.get("KURIL_EVIDENCE", "auto")
    if "--evidence" in args and args.index("--evidence") + 1 < len(args):
        value = args[args.index("--evidence") + 1]
    return value if value in ("auto", "memory", "store") else "auto"


# Constant CSS (never built from data): a compact top so the map and the evidence fit in the first
# screen at 1280x720; the title and the point of view take one line each.
PAGE_CSS = """
<style>
[data-testid="stHeader"]{height:2.5rem;min-height:2.5rem;background:rgba(255,255,255,.9)}
[data-testid="stMainBlockContainer"]{padding-top:2.7rem;padding-bottom:1.5rem}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]{gap:.55rem}
.kx-top h1{font-size:1.45rem;line-height:1.25;margin:0;padding:0;white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis}
.kx-top details{font-size:.95rem;margin:2px 0 0 0}
.kx-top summary{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer;list-style-position:inside}
.kx-top details[open] summary{white-space:normal}
.kx-top .kx-pov-full{margin:.2rem 0 .2rem 1rem;max-width:70rem}
.kx-notice{border-left:4px solid #E69F00;background:#FFF8E6;padding:.35rem .7rem;margin:0;font-size:.95rem}
.kx-notice.kx-error{border-color:#D55E00;background:#FDEDE6}
.kx-notice.kx-info{border-color:#0072B2;background:#EEF6FB}
</style>
"""


def inject_css() -> None:
    """The page's constant CSS (a compact top, notices)."""
    st.html(PAGE_CSS)
