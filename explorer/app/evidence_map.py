"""The app's map and evidence panel: one Streamlit component that draws the map AND the clicked
place's evidence in the browser, then tells Streamlit what was chosen.

Why a component of our own rather than ``st_folium``: with ``st_folium`` a click travels to the
server, reruns the script and only then shows the passages (about 0.5 s). Here the page already
holds every place's panel as inert, escaped HTML (:mod:`explorer.app.panel_html`), so a click shows
the evidence at once; the value sent back (``{"place": ..., "token": ...}``) keeps Streamlit's
state, the URL and the downloads in step. Choosing a place elsewhere (list, search, deep link,
Back) arrives as ``selected`` in the arguments: the map pans and zooms to it without being redrawn.

The map itself is :func:`explorer.render.mapview.build_map` rendered by folium (so its colours,
legend and labels are the exported page's); the component runs that script in its own document
with Leaflet from the app's ``static/`` folder (no CDN). The frontend is plain JavaScript speaking
Streamlit's component protocol (``evidence_map_frontend/index.html``); nothing is built with npm.

Values from the page are data: :func:`read_event` accepts only known place ids, step numbers in
range and known views.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit.components.v1 as components

from explorer.render.viewpoints import VIEWS

if TYPE_CHECKING:
    import folium

FRONTEND = Path(__file__).resolve().parent / "evidence_map_frontend"
COMPONENT_KEY = "evidence_map"
_component = components.declare_component("evidence_map", path=str(FRONTEND))

_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL)
_MAP_DIV = re.compile(r'<div class="folium-map" id="[A-Za-z0-9_]+" ?></div>')


@dataclass(frozen=True)
class MapEvent:
    """What the page reported: a place chosen on the map or in its panel, a lesson step, a view."""

    token: str
    place: str | None = None
    step: int | None = None
    view: str | None = None
    cleared: bool = False
    more: str | None = None  # the place whose next passages the reader asked for


def map_spec(fmap: folium.Map, key: str, keep_view: bool) -> dict:
    """The folium map as the pieces the component needs: its styles, its ``<div>``, its script and
    the name of the JavaScript variable holding the ``L.Map``.

    ``key`` names the map's content (view, language, filters, step): the page rebuilds its map only
    when the key changes. ``keep_view``: keep the reader's pan and zoom across such a rebuild.
    """
    page = fmap.get_root().render()
    head = page.split("<head>", 1)[1].split("</head>", 1)[0]
    body = page.split("<body>", 1)[1].split("</body>", 1)[0]
    tail = page.split("</body>", 1)[1]
    script = tail.split("<script>", 1)[1].rsplit("</script>", 1)[0]
    divs = _MAP_DIV.findall(body)
    return {
        "key": key,
        "name": fmap.get_name(),
        "styles": "".join(_STYLE.findall(head)),
        "div": divs[0] if divs else f'<div class="folium-map" id="{fmap.get_name()}"></div>',
        "script": script,
        "keep_view": keep_view,
    }


def component_data(
    *,
    spec: dict,
    assets: dict,
    panels: dict[str, str],
    passages: dict[str, str],
    labels: dict[str, str],
    covered: dict[str, list[str]],
    disputed: list[str],
    intro: str,
    css: str,
) -> str:
    """Everything the component draws that a click does not change, as one JSON string.

    One string rather than a dict per argument: Streamlit checks every non-string argument for a
    dataframe, and that check imports pandas (about 0.6 s in a fresh process), which the first paint
    (:mod:`explorer.app.first_paint`) must not wait for. The page parses it once per change.
    """
    data = {
        "map": spec,
        "assets": assets,
        "panels": panels,
        "passages": passages,
        "labels": labels,
        "covered": covered,
        "disputed": disputed,
        "intro": intro,
        "css": css,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def evidence_map(data: str, *, selected: str | None, ack: str | None, lesson: dict | None = None) -> object:
    """Draw the component (key :data:`COMPONENT_KEY`) with ``data`` from :func:`component_data` and
    return its last value. ``selected``: the place the server holds as chosen; ``ack``: the token of
    the page's last report the server has seen; ``lesson``: the lesson's steps and the current one."""
    return _component(
        data=data,
        selected=selected,
        ack=ack,
        lesson=json.dumps(lesson, ensure_ascii=False) if lesson is not None else None,
        key=COMPONENT_KEY,
        default=None,
    )


def read_event(value: object, places: set[str], steps: int = 0) -> MapEvent | None:
    """The component's value as a :class:`MapEvent`, or None when it is missing or malformed."""
    if not isinstance(value, dict):
        return None
    token = value.get("token")
    if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9]{1,32}:[0-9]{1,9}", token):
        return None
    place = value.get("place")
    step = value.get("step")
    view = value.get("view")
    more = value.get("more")
    return MapEvent(
        token=token,
        place=place if isinstance(place, str) and place in places else None,
        step=step if isinstance(step, int) and not isinstance(step, bool) and 1 <= step <= steps else None,
        view=view if isinstance(view, str) and view in VIEWS else None,
        cleared=value.get("place", "") is None and "place" in value,
        more=more if isinstance(more, str) and more in places else None,
    )
