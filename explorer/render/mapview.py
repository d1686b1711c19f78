"""Build the folium map from the project's own geometry: no tiles, no CDN, no Streamlit.

The same builder serves the app (through ``st_folium``) and the standalone HTML export. Every string
that comes from a data file is HTML-escaped before it enters the map, and strings put into JavaScript
are JSON-encoded with ``<`` written as ``\\u003c``, so neither markup nor ``</script>`` nor
``${...}`` in data can run. No folium part that needs jQuery (``folium.Popup``) is used.

Colours are the Okabe–Ito palette, told apart by colour-blind readers; disputed areas also carry a
dashed outline, so nothing depends on colour alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import folium
from branca.element import Element
from jinja2 import Template

from explorer.data.gazetteer import PlaceIndex
from explorer.data.layers import load_layers
from explorer.data.schema import Place
from explorer.evidence import Evidence
from explorer.render.inert import InertGeoJson, ScriptElement, escape_html
from explorer.render.naming import LabelLang, View, place_label

# Okabe–Ito colours by administering state; the disputed colour is the neutral view's.
STATE_COLOURS = {"JP": "#56B4E9", "RU": "#E69F00", "KR": "#BBBBBB"}
OTHER_COLOUR = "#CCCCCC"
DISPUTED_COLOUR = "#CC79A7"
SITE_COLOUR = "#0072B2"
SEA_COLOUR = "#F4F8FB"
KURIL_BOUNDS = [[42.9, 139.5], [51.6, 157.8]]
LABELLED_KINDS = {"island", "group", "land"}
MIN_LABEL_AREA_KM2 = 150.0


@dataclass(frozen=True)
class MapAssets:
    """Where the page gets Leaflet from: (name, url) lists for folium's ``default_js``/``default_css``."""

    js: list[tuple[str, str]]
    css: list[tuple[str, str]]


def script_json(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element and inside a JS template literal."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("`", "\\u0060")
        .replace("$", "\\u0024")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def fill_colour(place: Place, view: View) -> str:
    if place.disputed:
        if view == "neutral":
            return DISPUTED_COLOUR
        state = place.claimant if view == "japan" else place.administrator
        return STATE_COLOURS.get(state or "", OTHER_COLOUR)
    return STATE_COLOURS.get(place.administrator or "", OTHER_COLOUR)


def legend_html(gazetteer: PlaceIndex, view: View, lang: LabelLang) -> str:
    """A compact legend worded by the view (escaped: the wording comes from the gazetteer).

    The full statement of the view is shown above the map; the legend names the view and the shading.
    """
    wording = gazetteer.data.views[view]
    group = place_label(gazetteer, gazetteer["disputed_islands"], lang, view) if "disputed_islands" in gazetteer else ""
    disputed_colour = {"neutral": DISPUTED_COLOUR, "japan": STATE_COLOURS["JP"], "russia": STATE_COLOURS["RU"]}[view]
    rows = [
        (f"background:{disputed_colour};border:2px dashed #222", f"{group} (dashed outline)"),
        (f"background:{STATE_COLOURS['JP']}", "Administered by Japan"),
        (f"background:{STATE_COLOURS['RU']}", "Administered by Russia"),
        (f"background:{SITE_COLOUR};border-radius:50%", "Site named in the sources"),
    ]
    items = "".join(
        f'<div class="kx-row"><span class="kx-swatch" style="{style}"></span>{escape_html(text)}</div>'
        for style, text in rows
    )
    return (
        f'<div class="kx-legend-title">{escape_html(wording.label)}</div>{items}'
        '<div class="kx-note">Stronger fill: mentioned in the selected articles. '
        "Coastlines: GSHHG 2.3.6 (LGPL-3.0+).</div>"
    )


class RawHtml(Element):
    """HTML placed in a page as it is. ``folium.Element(text)`` would compile ``text`` as a Jinja
    template (so ``{{ ... }}`` in data would run at export time); this passes it as a value."""

    _template = Template("{{ this.content }}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self.content = content


MAP_CSS = """
.kx-legend{background:rgba(255,255,255,.94);padding:8px 10px;border:1px solid #555;border-radius:4px;
  font:13px/1.3 system-ui,sans-serif;max-width:240px;color:#111}
.kx-legend-title{font-weight:600;margin-bottom:4px}
.kx-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.kx-swatch{display:inline-block;width:16px;height:12px;flex:none}
.kx-note{margin-top:4px;font-size:11px;color:#333}
.kx-label-icon{background:none;border:none}
.kx-label{font:600 13px/1.1 system-ui,sans-serif;color:#111;white-space:nowrap;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff}
.kx-label.kx-disputed{font-size:15px}
.kx-label .kx-count{font-weight:400;color:#333}
path.leaflet-interactive:focus{outline:none}
.leaflet-container{background:#F4F8FB}
"""


def build_map(
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    assets: MapAssets | None = None,
    online_tiles: bool = False,
    height: str = "100%",
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    highlight: frozenset[str] = frozenset(),
    overlays: dict | None = None,
) -> folium.Map:
    """The evidence map. Features carry ``properties.id`` (the gazetteer id): clicking one reports it.

    The map depends only on its arguments and the evidence's counts, never on the selection, so a
    click does not change it (``st_folium`` keeps its state while the map stays the same).
    A lesson step passes ``bounds`` ([south, west], [north, east]), places to ``highlight`` (groups are
    expanded to their members) and ``overlays``, a FeatureCollection of treaty lines.
    """
    gazetteer = evidence.gazetteer
    outlined = set().union(*(gazetteer.covered_by(place) for place in highlight)) if highlight else set()
    counts = evidence.passage_counts()
    fmap = folium.Map(
        location=[46.8, 148.5],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        height=height,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    if assets is not None:
        # Per instance: Map.add_js_link would change the class-wide list for every later map.
        fmap.default_js = list(assets.js)
        fmap.default_css = list(assets.css)
    if online_tiles:
        folium.TileLayer("OpenStreetMap", name="Online tiles (needs a network)", overlay=False).add_to(fmap)

    layers = load_layers()
    styles: dict[str, dict] = {}
    for layer in ("region", "islands"):
        collection = _decorate(layers[layer], gazetteer, counts, view, lang)
        for feature in collection["features"]:
            place = gazetteer.by_id.get(feature["properties"]["id"])
            if place is None:
                continue
            mentioned = counts.get(place.id, 0) > 0
            styles[place.id] = {
                "fillColor": fill_colour(place, view),
                "color": "#222" if place.disputed else "#666",
                "weight": 2 if place.disputed else 0.8,
                "dashArray": "6 4" if place.disputed else None,
                "fillOpacity": 0.85 if mentioned else (0.45 if layer == "islands" else 0.35),
            }
            if place.id in outlined:
                styles[place.id].update(color="#000", weight=3.5, dashArray=None)
        InertGeoJson(
            collection,
            name="Kuril Islands" if layer == "islands" else "Neighbouring land",
            style_function=lambda feature, styles=styles: styles.get(feature["properties"]["id"], {}),
            highlight_function=lambda feature: {"weight": 3, "color": "#000"},
            tooltip=folium.GeoJsonTooltip(fields=["label", "summary"], labels=False, sticky=True),
            zoom_on_click=False,
        ).add_to(fmap)
    sites = _decorate(layers["sites"], gazetteer, counts, view, lang)
    if sites["features"]:
        InertGeoJson(
            sites,
            name="Sites named in the sources",
            marker=folium.CircleMarker(
                radius=7, fill=True, fill_color=SITE_COLOUR, fill_opacity=0.9, color="#fff", weight=2
            ),
            tooltip=folium.GeoJsonTooltip(fields=["label", "summary"], labels=False, sticky=True),
        ).add_to(fmap)
    if overlays and overlays.get("features"):
        InertGeoJson(
            _escaped_overlays(overlays),
            name="Historical lines",
            style_function=lambda feature: {"color": "#000", "weight": 3, "dashArray": "10 6"},
            tooltip=folium.GeoJsonTooltip(fields=["title", "note"], labels=False, sticky=True),
        ).add_to(fmap)
    _add_labels(fmap, layers, gazetteer, counts, view, lang)
    _add_legend(fmap, gazetteer, view, lang)
    fmap.get_root().header.add_child(RawHtml(f"<style>{MAP_CSS}</style>"))  # type: ignore[attr-defined]  # a Figure
    fmap.fit_bounds([list(corner) for corner in bounds] if bounds else KURIL_BOUNDS)
    if online_tiles:
        folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def _decorate(collection: dict, gazetteer: PlaceIndex, counts: dict[str, int], view: View, lang: LabelLang) -> dict:
    """The layer with properties holding the escaped label and hover summary (geometry shared, not copied)."""
    features = []
    for feature in collection["features"]:
        place = gazetteer.by_id.get(feature["properties"]["id"])
        if place is None:
            continue
        # Only what the page uses: the id a click reports, and what a hover shows.
        props = {"id": place.id}
        count = counts.get(place.id, 0)
        summary = f"{count} passage{'s' if count != 1 else ''} in the selected articles"
        if place.disputed and place.administered_by and place.claimed_by:
            summary += f" · administered by {place.administered_by}; claimed by {place.claimed_by}"
        props["label"] = escape_html(place_label(gazetteer, place, lang, view))
        props["summary"] = escape_html(summary)
        features.append({"type": "Feature", "id": props["id"], "properties": props, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "features": features}


def _escaped_overlays(collection: dict) -> dict:
    """Treaty lines with only the escaped text their tooltip shows."""
    features = []
    for feature in collection["features"]:
        props = feature["properties"]
        shown = {key: escape_html(str(props.get(key) or "")) for key in ("title", "note")}
        features.append(
            {"type": "Feature", "properties": {"id": props["id"], **shown}, "geometry": feature["geometry"]}
        )
    return {"type": "FeatureCollection", "features": features}


def _label_point(feature: dict) -> tuple[float, float] | None:
    centroid = feature["properties"].get("centroid")
    if centroid:
        return centroid[1], centroid[0]
    geometry = feature.get("geometry") or {}
    if geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return lat, lon
    return None


def _add_labels(fmap, layers, gazetteer: PlaceIndex, counts, view: View, lang: LabelLang) -> None:
    """Permanent labels for the larger islands, the disputed groups and the land, drawn by one script."""
    labels = []
    for layer in ("region", "islands"):
        for feature in layers[layer]["features"]:
            props = feature["properties"]
            place = gazetteer.by_id.get(props["id"])
            point = _label_point(feature)
            if place is None or point is None or place.kind not in LABELLED_KINDS:
                continue
            if not place.disputed and (props.get("area_km2") or 0) < MIN_LABEL_AREA_KM2 and layer == "islands":
                continue
            count = counts.get(place.id, 0)
            text = escape_html(place_label(gazetteer, place, lang, view))
            badge = f' <span class="kx-count">({count})</span>' if count else ""
            css = "kx-label kx-disputed" if place.disputed else "kx-label"
            labels.append([point[0], point[1], f'<div class="{css}">{text}{badge}</div>'])
    code = (
        f"(function(){{var labels={script_json(labels)};labels.forEach(function(l){{"
        "L.marker([l[0],l[1]],{icon:L.divIcon({html:l[2],className:'kx-label-icon',iconSize:null}),"
        f"interactive:false,keyboard:false}}).addTo({fmap.get_name()});}});}})();"
    )
    fmap.add_child(ScriptElement(code))


def _add_legend(fmap: folium.Map, gazetteer: PlaceIndex, view: View, lang: LabelLang) -> None:
    content = script_json(legend_html(gazetteer, view, lang))
    code = (
        "(function(){var legend=L.control({position:'topleft'});"
        "legend.onAdd=function(){var d=L.DomUtil.create('div','kx-legend');d.innerHTML=" + content + ";"
        "L.DomEvent.disableClickPropagation(d);return d;};"
        f"legend.addTo({fmap.get_name()});}})();"
    )
    fmap.add_child(ScriptElement(code))
