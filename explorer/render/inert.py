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

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})


def escape_html(text: str) -> str:
    """``text`` for an HTML context, with ``{`` and ``}`` as character references (same look)."""
    return html.escape(text).translate(_BRACES)


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

    def render(self, **kwargs) -> None:
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
