"""folium/branca elements that never compile what they render: data stays data.

branca's ``MacroElement.render`` renders an element's ``header``/``html``/``script`` macros and wraps
the resulting text in ``Element(text)``, and ``Element`` compiles its text as a Jinja template. So a
place name ``Iturup {{ 7*7 }}`` in a layer's GeoJSON became ``Iturup 49`` in the page, and
``{{ lipsum.__globals__.os.system(...) }}`` ran a command at export and on the app's first page load
(issue 10). The elements here add the macros' output as :class:`LiteralElement`, which is never
compiled; every element that carries data (layers, overlays, scripts) must be one of them.

:func:`escape_html` is the second line: it HTML-escapes text for ``innerHTML`` and also writes the
braces as character references, so even a folium part that does compile sees no template syntax, and
streamlit-folium's rewrite of ``{{'name'}}`` cannot touch data.
"""

from __future__ import annotations

import html
import re

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def escape_html(text: str) -> str:
    """``text`` for an HTML context, with ``{`` and ``}`` as character references (same look)."""
    return html.escape(text).translate(_BRACES)


# Characters that make Markdown, HTML or (in Streamlit) LaTeX anywhere in a line. Others matter only
# at the start of a line ("1.", "-", "+": lists) or after one of these ("![", "](" need "["), so they
# stay as typed: titles and messages read and compare unchanged.
_MARKDOWN_SPECIAL = set("\\`*_{}[]#<>~$&")
_LINE_START = re.compile(r"^(\s*)([0-9]+)([.)])|^(\s*)([-+])")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]):(?=/)|\bwww(?=\.)|@")


def escape_markdown(text: str) -> str:
    """``text`` for a renderer that reads Markdown (Streamlit's st.markdown, st.warning, headers, radio
    labels): every character with a Markdown or HTML meaning is backslash-escaped, so a data string
    can make no link, autolink, image, emphasis, heading, list or tag. Newlines become spaces."""
    flat = " ".join(str(text).splitlines())
    escaped = "".join(
        "\\" + ch if ch in _MARKDOWN_SPECIAL and not _intraword_underscore(flat, index) else ch
        for index, ch in enumerate(flat)
    )
    # Streamlit's GFM turns any text node holding "http://", "www." or "a@b.c" into a link, escapes
    # or not: a zero-width space after the scheme's colon, after "www" and after "@" breaks the match
    # and shows the same characters.
    escaped = _AUTOLINK.sub(lambda m: m.group() + "\u200b", escaped)
    return _LINE_START.sub(
        lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}" if m.group(2) else f"{m.group(4)}\\{m.group(5)}", escaped
    )


def _intraword_underscore(text: str, index: int) -> bool:
    """``_`` between two letters or digits (``000_bfc.txt``) makes no emphasis in CommonMark."""
    return text[index] == "_" and 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()


class LiteralElement(Element):
    """Text placed in the page as it is: rendered as a value, never parsed as a template."""

    _template = Template("{{ this.content }}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self.content = content

    def render(self, **kwargs) -> str:
        return self.content


class InertMacroElement(MacroElement):
    """``MacroElement`` whose rendered macros are added to the figure as :class:`LiteralElement`.

    Mix in *after* a folium class (``class X(folium.GeoJson, InertMacroElement)``): the folium class's
    own ``render`` runs, and its final ``super().render()`` lands here instead of in branca's.
    """

    # branca types Element.render as returning the HTML; MacroElement.render returns nothing, as here.
    def render(self, **kwargs) -> None:  # type: ignore[override]
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError("an element can only be rendered inside a Figure")
        module = self._template.module.__dict__
        for part, container in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                container.add_child(LiteralElement(str(macro(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class InertGeoJson(folium.GeoJson, InertMacroElement):
    """``folium.GeoJson`` for data: its script (which holds every property) is never compiled."""


class ScriptElement(InertMacroElement):
    """JavaScript added to the map's script as a value (its text is never parsed as a template)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
