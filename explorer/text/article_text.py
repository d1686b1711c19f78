"""The stored form of an article's text and its content id."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def normalize_text(text: str) -> str:
    """The stored form of an article (see the module doc); its sha256 is the article's id."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


def content_id(text: str) -> str:
    """First 16 hex digits of the sha256 of the (normalized) text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
