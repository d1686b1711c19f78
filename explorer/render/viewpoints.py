"""The points of view and label languages the explorer knows: their ids and display names, no data.

Kept apart from :mod:`explorer.render.naming` (which reads the gazetteer) so that the app's first
paint can check a URL's ``view`` and ``lang`` without importing the schema.
"""

from __future__ import annotations

from typing import Literal

LabelLang = Literal["en", "ja", "ru", "both"]
View = Literal["neutral", "japan", "russia"]
VIEWS: tuple[View, ...] = ("neutral", "japan", "russia")
LANGS: tuple[LabelLang, ...] = ("en", "ja", "ru", "both")
LANG_NAMES = {"en": "English", "ja": "日本語 (Japanese)", "ru": "Русский (Russian)", "both": "日本語 + Русский"}
