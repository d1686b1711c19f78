"""The language of a text, told by its script (``None`` rather than a wrong guess)."""

from __future__ import annotations

import re


def is_japanese(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF  # CJK ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or ch in "々〆ヶ"
    )


_JA_LETTERS = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f々〆ヶ]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+")
# Everything that is neither of the three scripts, nor ASCII/space/punctuation of no interest.
_OTHER_CANDIDATES = re.compile(
    r"[\x00-\u024f\u0400-\u04ff\u1e00-\u1eff\u2000-\u206f\u3000-\u303f\u3040-\u30ff"
    r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)


def detect_language(text: str) -> str | None:
    """``ru``/``ja``/``en`` by the script most of the letters are in, else ``None``.

    A Japanese character counts as three letters (one kanji is about a word). The winning script
    must hold at least 60 % of the weighted letters; mixed or other scripts give ``None``.
    """
    sample = text[:20000]
    japanese = sum(map(len, _JA_LETTERS.findall(sample)))
    cyrillic = sum(map(len, _CYRILLIC.findall(sample)))
    latin = sum(map(len, _LATIN.findall(sample)))
    other = sum(1 for ch in _OTHER_CANDIDATES.sub("", sample) if ch.isalpha())
    weights = {"en": latin, "ru": cyrillic, "ja": 3 * japanese, None: other}
    total = sum(weights.values())
    if not total:
        return None
    best = max(weights, key=lambda key: weights[key])
    return best if weights[best] >= 0.6 * total else None
