"""The language of a text: ``en``, ``ja``, ``ru`` or ``None`` ("unknown" rather than a wrong guess).

The script decides first; each language then has to show itself:

* Japanese: kanji and kana, with hiragana or katakana making at least 5 % of them (Chinese has none);
* Russian: Cyrillic with ы or э and none of Ukrainian і ї є ґ, Belarusian ў, Serbian ђ ј љ њ ћ џ;
* English: Latin script where the commonest English words make at least 8 % of the words.

Text that passes the script test but not the language test goes to langdetect (restricted to the answer
the script allows, and only with probability >= 0.9), so German, French, Spanish come out unknown, not
"en". langdetect is imported lazily and runs only on those doubtful texts (most texts never need it).
"""

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
    if best is None or weights[best] < 0.6 * total:
        return None
    if best == "ja":
        kana = len(_KANA.findall(sample))
        return "ja" if kana >= 0.05 * japanese else None
    if best == "ru":
        if _OTHER_CYRILLIC.search(sample):
            return _langdetect(sample, "ru")
        return "ru" if _RUSSIAN_ONLY.search(sample) else _langdetect(sample, "ru")
    head = sample[:5000].lower()
    words = _WORDS.findall(head)
    common = sum(1 for word in words if word in _ENGLISH_COMMON)
    accented = len(_ACCENTED.findall(head))  # é, ü, ñ, ß ...: rare in English, common in its neighbours
    if words and common >= 0.08 * len(words) and accented <= 0.005 * latin:
        return "en"
    return _langdetect(sample, "en")


_KANA = re.compile(r"[\u3040-\u30ff]")
_RUSSIAN_ONLY = re.compile(r"[ыэЫЭ]")
_OTHER_CYRILLIC = re.compile(r"[іїєґўђјљњћџІЇЄҐЎЂЈЉЊЋЏ]")
_WORDS = re.compile(r"[a-z\u00df-\u00f6\u00f8-\u00ff]+")
_ACCENTED = re.compile(r"[\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f]")
_ENGLISH_COMMON = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "was",
        "by",
        "said",
        "at",
        "from",
        "it",
        "be",
        "has",
        "have",
        "are",
        "were",
        "its",
        "an",
        "which",
        "will",
        "not",
        "this",
        "but",
        "or",
        "their",
        "they",
        "had",
    ]
)


def _langdetect(sample: str, allowed: str) -> str | None:
    """``allowed`` when langdetect is sure of it (p >= 0.9), else ``None``."""
    try:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:  # pragma: no cover - declared in requirements.txt
        return None
    DetectorFactory.seed = 0  # deterministic answers
    try:
        ranked = detect_langs(sample[:2000])
    except LangDetectException:
        return None
    best = ranked[0] if ranked else None
    return allowed if best is not None and best.lang == allowed and best.prob >= 0.9 else None
