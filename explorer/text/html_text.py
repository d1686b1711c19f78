"""The visible text of an HTML page and what its head says (stdlib parser; nothing is fetched or run)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from explorer.text.article_text import normalize_text

_SKIP = frozenset({"script", "style", "noscript", "template"})
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
_CELL = frozenset({"td", "th"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_BREAK_BLOCK, _BREAK_LINE = "\x00B", "\x00L"


@dataclass
class HtmlText:
    """The visible text of an HTML page and what its head says."""

    text: str
    title: str | None
    h1: str | None
    meta: dict[str, str]
    visible_chars: int
    hidden_chars: int  # text inside script/style/noscript/template

    @property
    def visible_ratio(self) -> float:
        total = self.visible_chars + self.hidden_chars
        return self.visible_chars / total if total else 0.0


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.title: list[str] | None = None
        self.titles: list[str] = []
        self.h1: list[str] | None = None
        self.h1_done: str | None = None
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag in _SKIP:
                self.skip.append(tag)
            return
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if tag == "meta":
            values = {key.lower(): (value or "") for key, value in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"].strip()
            return
        if tag == "title" and self.title is None and not self.titles:
            self.title = []
            return
        if tag == "br":
            self.chunks.append(_BREAK_LINE)
        elif tag in _BLOCK:
            self.chunks.append(_BREAK_BLOCK)
        elif tag in _CELL:
            self.chunks.append(" ")
        if tag == "pre":
            self.pre += 1
        if tag == "h1" and self.h1 is None and self.h1_done is None:
            self.h1 = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag == "title" and self.title is not None:
            self.titles.append(" ".join("".join(self.title).split()))
            self.title = None
            return
        if tag == "h1" and self.h1 is not None:
            self.h1_done = " ".join("".join(self.h1).split())
            self.h1 = None
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCK:
            self.chunks.append(_BREAK_BLOCK)

    def handle_data(self, data: str) -> None:
        if self.skip:
            self.hidden += sum(1 for ch in data if not ch.isspace())
            return
        if self.title is not None:
            self.title.append(data)
            return
        if self.h1 is not None:
            self.h1.append(data)
        if self.pre:
            self.chunks.append(data.replace("\n", _BREAK_LINE))
        else:
            self.chunks.append(re.sub(r"\s+", " ", data))


_BREAKS = re.compile(r"[ \t\u00a0]*(?:\x00[BL][ \t\u00a0]*)+")


def html_to_text(markup: str) -> HtmlText:
    """Visible text of ``markup`` (paragraphs separated by blank lines) and the head's title and meta."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()

    def breaks(match: re.Match[str]) -> str:
        found = match.group()
        return "\n\n" if _BREAK_BLOCK in found else "\n" * min(2, found.count(_BREAK_LINE))

    text = _BREAKS.sub(breaks, "".join(parser.chunks))
    text = normalize_text("\n".join(line.strip() for line in text.split("\n")))
    visible = sum(1 for ch in text if not ch.isspace())
    title = parser.titles[0] if parser.titles and parser.titles[0] else None
    return HtmlText(text, title, parser.h1_done or None, parser.meta, visible, parser.hidden)


# Lines of page furniture that survive extraction ("Topics: ...", "Related: ..."): never article text.
_FURNITURE = re.compile(
    r"^(?:Topics|Tags|Related|Related articles|Read more|Read also|See also|Share|Share this|Advertisement|"
    r"Темы|Теги|Читайте также|Смотрите также|Реклама|関連記事|関連キーワード|関連ニュース|広告)\s*[:：|]?(?:\s|$)",
    re.IGNORECASE,
)


@dataclass
class ArticleText:
    """The article part of a page, as trafilatura extracts it, with what its metadata says."""

    text: str
    title: str | None
    date: str | None  # ISO date as found in the page's metadata
    sitename: str | None


def extract_article(markup: str) -> ArticleText | None:
    """The article in ``markup`` by trafilatura (precision first: menus, banners and comments left out),
    or ``None`` when trafilatura is missing, fails, or finds no article. Paragraphs are separated by blank
    lines; furniture lines ("Topics: ...") are dropped. Nothing is fetched."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - declared in requirements.txt; the stdlib parser is the fallback
        return None
    try:
        extracted = trafilatura.extract(
            markup,
            output_format="txt",
            favor_precision=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            deduplicate=False,
        )
        metadata = trafilatura.extract_metadata(markup)
    except Exception:  # noqa: BLE001 - trafilatura's parsers raise many kinds; the fallback handles the page
        return None
    if not extracted or not extracted.strip():
        return None
    lines = [line.strip() for line in extracted.split("\n")]
    kept = [line for line in lines if line and not _FURNITURE.match(line)]
    if not kept:
        return None
    title = getattr(metadata, "title", None) if metadata else None
    date = getattr(metadata, "date", None) if metadata else None
    sitename = getattr(metadata, "sitename", None) if metadata else None
    return ArticleText(normalize_text("\n\n".join(kept)), title or None, date or None, sitename or None)
