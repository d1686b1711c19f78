"""Build the folium map from the project's own geometry: no tiles, no CDN, no Streamlit.

The same builder serves the app (through ``st_folium``) and the standalone HTML export. Every string
that comes from a data file is HTML-escaped before it enters markup, or reaches the page as JSON
(:func:`script_json`) that the page's script puts in with ``textContent``; nothing from data goes
through folium.Element or Jinja. No folium part that needs jQuery (``folium.Popup``) is used.

What the map encodes, the same in every view (a view changes names, wording and emphasis only):

* fill colour: who administers the land (Okabe–Ito colours, told apart by colour-blind readers);
* stripes in a state's colour over the fill: that state claims land another administers;
* dashed outline: a disputed place; thick solid outline: the selected place;
* stronger fill: the articles mention the place; "(3)" after a name: passages that mention it.

The page script (:data:`CONTROLLER_JS`, data-free) gives the map ``map.kx``: it keeps a click from
scrolling the page (Leaflet focuses the map on mouse-down, and that focus scrolls the page so the first
click lands on the sea), outlines the selected place and brings it into view, gives small islands a
wider hit area, places labels so that none overlap (labels select their place), moves the legend
off the land, and switches label sets, highlights and treaty lines without redrawing the map.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from dataclasses import dataclass

import folium
from branca.element import Element, Figure
from jinja2 import Template

from explorer.data.gazetteer import PlaceIndex
from explorer.data.layers import load_layers
from explorer.data.schema import FEATURE_KINDS, Place
from explorer.evidence import Evidence
from explorer.render.inert import InertGeoJson, ScriptElement, escape_html
from explorer.render.naming import place_label
from explorer.render.viewpoints import LANGS, VIEWS, LabelLang, View

# Okabe–Ito colours by administering state (and, as stripes, by claiming state).
STATE_COLOURS = {"JP": "#56B4E9", "RU": "#E69F00", "KR": "#009E73"}
STATE_NAMES = {"JP": "Japan", "RU": "Russia", "KR": "South Korea"}
OTHER_COLOUR = "#CCCCCC"
SITE_COLOUR = "#0072B2"
SEA_COLOUR = "#F4F8FB"
LINE_COLOUR = "#D55E00"
LINE_DASH = "14 5 3 5"  # dash-dot: not the disputed outline's even dashes
DISPUTED_DASH = "6 4"
SELECTED_STYLE = {"color": "#000", "weight": 5, "dashArray": None, "fillOpacity": 0.95}
HIGHLIGHT_STYLE = {"color": "#000", "weight": 3, "dashArray": None}
KURIL_BOUNDS = [[42.9, 139.5], [51.6, 157.8]]
LABELLED_KINDS = {"island", "group", "land"}
MIN_LABEL_AREA_KM2 = 150.0
# Kept for callers that still import it: the neutral view no longer has a colour of its own.
DISPUTED_COLOUR = STATE_COLOURS["RU"]
COUNT_NOTE = "(3) after a name: passages that mention it"
SHADE_NOTE = "Stronger fill: mentioned in the selected articles"
OUTLINE_NOTE = "Thick solid outline: the selected place (thinner: highlighted by a lesson step)"


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


def fill_colour(place: Place, view: View = "neutral") -> str:
    """The administering state's colour. The view is accepted and ignored on purpose: no view changes
    who administers a place."""
    del view
    return STATE_COLOURS.get(place.administrator or "", OTHER_COLOUR)


def claim_code(place: Place) -> str | None:
    """The state whose claim is drawn as stripes: a claimant other than the administrator."""
    if place.claimant and place.claimant != place.administrator and place.claimant in STATE_COLOURS:
        return place.claimant
    return None


def claim_pattern_id(code: str) -> str:
    return f"kx-claim-{code}"


def claim_fill(code: str) -> str:
    """The SVG fill that draws a claim (stripes defined by :func:`pattern_defs`)."""
    return f"url(#{claim_pattern_id(code)})"


def pattern_defs() -> str:
    """SVG ``<pattern>`` elements for the claim stripes, one per state colour (no data inside)."""
    return "".join(
        f'<pattern id="{claim_pattern_id(code)}" patternUnits="userSpaceOnUse" width="7" height="7" '
        f'patternTransform="rotate(45)"><rect width="3" height="7" fill="{colour}"/></pattern>'
        for code, colour in STATE_COLOURS.items()
    )


def _swatch(fill: str, claim: str | None = None, dashed: bool = False) -> str:
    """A legend swatch drawn with the same fills as the map (so a test can compare them)."""
    parts = [f'<rect class="kx-sw-fill" x="1" y="1" width="20" height="14" fill="{fill}"/>']
    if claim:
        parts.append(f'<rect class="kx-sw-claim" x="1" y="1" width="20" height="14" fill="{claim_fill(claim)}"/>')
    border = f' stroke-dasharray="{DISPUTED_DASH}"' if dashed else ""
    parts.append(f'<rect x="1" y="1" width="20" height="14" fill="none" stroke="#222" stroke-width="1.5"{border}/>')
    return f'<svg class="kx-sw" width="22" height="16" aria-hidden="true">{"".join(parts)}</svg>'


def drawn_places(gazetteer: PlaceIndex) -> list[Place]:
    layers = load_layers()
    ids = [f["properties"]["id"] for name in ("region", "islands") for f in layers[name]["features"]]
    return [gazetteer.by_id[i] for i in ids if i in gazetteer.by_id]


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: ``kind`` is "disputed" (fill + stripes + dashed outline), "admin", "other" or "site"."""

    kind: str
    text: str
    fill: str
    admin: str | None = None
    claim: str | None = None


def legend_entries(gazetteer: PlaceIndex, view: View, lang: LabelLang) -> list[LegendEntry]:
    """The legend's rows, one for every fill drawn, worded (and ordered) by the view; shared by the
    interactive map and the picture so both say the same."""
    places = drawn_places(gazetteer)
    group = place_label(gazetteer, gazetteer["disputed_islands"], lang, view) if "disputed_islands" in gazetteer else ""
    rows: list[LegendEntry] = []
    disputed = sorted({(p.administrator, claim_code(p)) for p in places if p.disputed and claim_code(p)}, key=str)
    for admin, claim in disputed:
        admin_name, claim_name = STATE_NAMES.get(admin or "", "not recorded"), STATE_NAMES[claim or ""]
        if view == "japan":
            text = f"{group}: claimed by {claim_name} (stripes), administered by {admin_name} (fill)"
        elif view == "russia":
            text = f"{group}: administered by {admin_name} (fill), claimed by {claim_name} (stripes)"
        else:
            text = f"{group}: administered by {admin_name} (fill), claimed by {claim_name} (stripes); dashed outline"
        rows.append(LegendEntry("disputed", text, STATE_COLOURS.get(admin or "", OTHER_COLOUR), admin, claim))
    for code in sorted({p.administrator for p in places if p.administrator in STATE_COLOURS}):
        rows.append(LegendEntry("admin", f"Administered by {STATE_NAMES[code]}", STATE_COLOURS[code], code))
    if any(p.administrator not in STATE_COLOURS for p in places):
        rows.append(LegendEntry("other", "Other land (not shaded by state)", OTHER_COLOUR, ""))
    rows.append(LegendEntry("site", "Site named in the sources", SITE_COLOUR))
    return rows


def legend_html(gazetteer: PlaceIndex, view: View, lang: LabelLang) -> str:
    """The legend, worded by the view; one row for every fill the map draws (escaped)."""
    e = html.escape
    rows: list[str] = []
    for entry in legend_entries(gazetteer, view, lang):
        if entry.kind == "site":
            swatch = (
                '<svg class="kx-sw" width="22" height="16" aria-hidden="true">'
                f'<circle cx="11" cy="8" r="6" fill="{entry.fill}" stroke="#fff" stroke-width="2"/></svg>'
            )
        else:
            swatch = _swatch(entry.fill, entry.claim, dashed=entry.kind == "disputed")
        attrs = "" if entry.admin is None else f' data-kx-admin="{e(entry.admin)}"'
        attrs += f' data-kx-claim="{e(entry.claim)}"' if entry.claim else ""
        rows.append(f'<div class="kx-row"{attrs}>{swatch}<span>{e(entry.text)}</span></div>')
    return (
        f'<div class="kx-legend-title">{e(gazetteer.data.views[view].label)}</div>{"".join(rows)}'
        f'<div class="kx-legend-lines"></div><div class="kx-note">{e(SHADE_NOTE)}. {e(COUNT_NOTE)}. '
        f"{e(OUTLINE_NOTE)}.</div>"
    )


def line_legend_row(feature: dict) -> str:
    props = feature["properties"]
    year = props.get("year")
    text = f"Boundary agreed in {year} (schematic)" if year else str(props.get("title") or props["id"])
    return (
        f'<div class="kx-row" data-kx-line="{html.escape(str(props["id"]))}"><svg class="kx-sw" width="22" height="16" '
        f'aria-hidden="true"><line x1="0" y1="8" x2="22" y2="8" stroke="{LINE_COLOUR}" stroke-width="3" '
        f'stroke-dasharray="{LINE_DASH}"/></svg><span>{html.escape(text)}</span></div>'
    )


class RawHtml(Element):
    """HTML placed in a page as it is. ``folium.Element(text)`` would compile ``text`` as a Jinja
    template (so ``{{ ... }}`` in data would run at export time); this passes it as a value."""

    _template = Template("{{ this.content }}")

    def __init__(self, content: str) -> None:
        super().__init__()
        self.content = content


MAP_CSS = """
.kx-legend{background:rgba(255,255,255,.95);padding:6px 8px;border:1px solid #555;border-radius:4px;
  font:12px/1.25 system-ui,sans-serif;max-width:250px;color:#111}
.kx-legend-title{font-weight:600;margin-bottom:3px}
.kx-legend-toggle{display:none;font:600 12px system-ui,sans-serif;cursor:pointer;border:none;background:none;padding:0}
.kx-legend.kx-collapsed .kx-legend-body{display:none}
.kx-legend.kx-collapsed .kx-legend-toggle{display:block}
.kx-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.kx-sw{flex:none}
.kx-note{margin-top:3px;font-size:11px;color:#333}
.kx-label-icon{background:none;border:none;width:auto!important;height:auto!important}
.kx-label{font:600 13px/1.15 system-ui,sans-serif;color:#111;white-space:nowrap;cursor:pointer;
  text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;padding:1px 2px}
.kx-label.kx-disputed{font-size:14px}
.kx-label .kx-count{font-weight:400;color:#333}
.kx-label.kx-selected{text-decoration:underline;text-decoration-thickness:2px}
.kx-label:focus{outline:2px solid #0072B2}
.kx-line-year{font:700 12px system-ui,sans-serif;color:#D55E00;white-space:nowrap;
  text-shadow:0 0 3px #fff,0 0 3px #fff;pointer-events:none}
path.leaflet-interactive:focus{outline:none}
@media print{.kx-legend.kx-collapsed .kx-legend-body{display:block}.kx-legend-toggle{display:none!important}}
.leaflet-container{background:#F4F8FB}
"""

# The page script. Static text with no data: everything data-driven comes in ``cfg`` (script_json).
CONTROLLER_JS = r"""
(function(map, cfg){
  var container = map.getContainer();
  // Not animated: a zoom animation still running would undo the view a selection sets next.
  map.fitBounds(cfg.bounds, {animate: false});
  // Leaflet focuses the container on mouse-down so the arrow keys pan; a plain focus() scrolls the
  // page (and a parent page) until the map is in view, and the click then lands on the sea.
  container.focus = function(options){
    HTMLElement.prototype.focus.call(container, Object.assign({}, options || {}, {preventScroll: true}));
  };
  // Chromium gives the clicked island's <path> the focus (after Leaflet focused the map), and drawing
  // the selection on top re-inserts that path, which drops the focus to <body>: the arrow keys then no
  // longer pan. Keep the focus on the map itself.
  container.addEventListener('focusin', function(e){
    if (e.target !== container && e.target.closest && e.target.closest('.leaflet-overlay-pane')) { container.focus(); }
  });
  if (map.attributionControl) { map.attributionControl.setPrefix('Leaflet'); }
  if (!document.getElementById('kx-patterns')) {
    var holder = document.createElement('div');
    holder.innerHTML = '<svg id="kx-patterns" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' + cfg.patterns + '</defs></svg>';
    document.body.appendChild(holder.firstChild);
  }
  var shapes = {}, claims = {}, lines = {}, hits = {}, labels = {};
  map.eachLayer(function(layer){
    var p = layer.feature && layer.feature.properties;
    if (!p || !layer._path) { return; }
    if (!p.id) { return; }
    if (p.id.indexOf('treaty_') === 0) { lines[p.id] = layer; return; }
    layer.kxBase = {color: layer.options.color, weight: layer.options.weight, dashArray: layer.options.dashArray,
                    fillOpacity: layer.options.fillOpacity};
    (shapes[p.id] = shapes[p.id] || []).push(layer);
  });
  // Claims: the claimed land again, as stripes in the claimant's colour, over the administrator's fill
  // (same geometry, drawn here so the file holds it once; not interactive, so clicks reach the land).
  Object.keys(cfg.claims).forEach(function(id){
    (shapes[id] || []).forEach(function(l){
      if (!l.getLatLngs) { return; }
      var c = L.polygon(l.getLatLngs(), {fillColor: 'url(#kx-claim-' + cfg.claims[id] + ')', fillOpacity: 1, stroke: false, interactive: false});
      c.feature = {type: 'Feature', properties: {claimOf: id}, geometry: null};
      claims[id] = c.addTo(map);
    });
  });
  var kx = {selected: null, highlight: [], set: cfg.set, shownLines: Object.keys(lines)};
  map.kx = kx;
  kx.currentNames = function(){ return cfg.sets[kx.set].labels; };
  function select(id){ map.fire('kxselect', {id: id}); }
  kx.bounds = function(id){
    var b = null;
    (shapes[id] || []).forEach(function(l){
      var lb = l.getBounds ? l.getBounds() : L.latLngBounds([l.getLatLng(), l.getLatLng()]);
      b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    });
    var anchor = cfg.anchors[id];
    if (!b && anchor) { b = L.latLngBounds([anchor, anchor]); }
    (cfg.members[id] || []).forEach(function(m){ var mb = kx.bounds(m); if (mb) { b = b ? b.extend(mb) : mb; } });
    return b;
  };
  // Hover outline, drawn here (folium's highlight_function would reset the selection's style on mouse-out).
  Object.keys(shapes).forEach(function(id){
    shapes[id].forEach(function(l){
      l.on('mouseover', function(){ if (id !== kx.selected) { l.setStyle({weight: 3, color: '#000'}); } });
      l.on('mouseout', function(){ restyleOne(id); });
      l.on('click', function(){ select(id); });
    });
  });
  function restyleOne(id){
    shapes[id].forEach(function(l){
      var style = Object.assign({}, l.kxBase);
      if (kx.highlight.indexOf(id) >= 0) { Object.assign(style, cfg.highlightStyle); }
      if (kx.selected && (id === kx.selected || (cfg.members[kx.selected] || []).indexOf(id) >= 0)) {
        Object.assign(style, cfg.selectedStyle);
      }
      l.setStyle(style);
    });
  }
  function restyle(){
    Object.keys(shapes).forEach(restyleOne);
    Object.keys(labels).forEach(function(id){
      labels[id].el.classList.toggle('kx-selected', id === kx.selected);
    });
  }
  // Shows the place whole, with room around it, without zooming out of what the reader chose.
  kx.reveal = function(id){
    var b = kx.bounds(id);
    if (!b) { return; }
    var size = map.getSize();
    if (!size.x || !size.y) { return; }
    var zoom = Math.min(Math.max(map.getZoom(), Math.min(map.getBoundsZoom(b.pad(1.2)), 8)), 9);
    var zoomOut = map.getBoundsZoom(b.pad(0.3));
    if (zoom > zoomOut) { zoom = zoomOut; }
    var inner = map.getBounds().pad(-0.08);
    if (zoom === map.getZoom() && inner.contains(b)) { return; }
    map.setView(b.getCenter(), zoom, {animate: false});
  };
  kx.select = function(id, options){
    kx.selected = (id && (shapes[id] || cfg.members[id] || cfg.anchors[id])) ? id : null;
    restyle();
    if (kx.selected && options && options.reveal) { kx.reveal(kx.selected); }
  };
  kx.setHighlight = function(ids){ kx.highlight = ids || []; restyle(); };
  kx.setLines = function(ids){
    kx.shownLines = ids || [];
    Object.keys(lines).forEach(function(id){
      var on = kx.shownLines.indexOf(id) >= 0;
      if (on) { map.addLayer(lines[id]); if (years[id]) { map.addLayer(years[id]); } }
      else { map.removeLayer(lines[id]); if (years[id]) { map.removeLayer(years[id]); } }
    });
    fillLegend();
  };
  // Year labels on the treaty lines.
  var years = {};
  Object.keys(lines).forEach(function(id){
    var info = cfg.lines[id];
    if (!info || !info.year) { return; }
    var el = document.createElement('div');
    el.className = 'kx-line-year';
    el.textContent = String(info.year);
    var mid = lines[id].getBounds().getCenter();
    years[id] = L.marker(mid, {icon: L.divIcon({html: el, className: 'kx-label-icon', iconSize: null, iconAnchor: [-6, 8]}), interactive: false, keyboard: false}).addTo(map);
  });
  // Legend: a control whose body the current label set fills; it moves off the land, or folds.
  var legend = L.control({position: 'bottomright'});
  var legendLines;
  // Built once: setPosition() removes and re-adds the control, calling onAdd again.
  var legendBox = L.DomUtil.create('div', 'kx-legend');
  var toggle = L.DomUtil.create('button', 'kx-legend-toggle', legendBox);
  toggle.type = 'button';
  toggle.textContent = 'Legend';
  toggle.addEventListener('click', function(){ legendBox.classList.remove('kx-collapsed'); legendBox.kxOpened = true; });
  var legendBody = L.DomUtil.create('div', 'kx-legend-body', legendBox);
  L.DomEvent.disableClickPropagation(legendBox);
  L.DomEvent.disableScrollPropagation(legendBox);
  legend.onAdd = function(){ return legendBox; };
  legend.addTo(map);
  kx.legend = legend;
  function fillLegend(){
    legendBody.innerHTML = cfg.sets[kx.set].legend;  // built in Python with every data string escaped
    legendLines = legendBody.querySelector('.kx-legend-lines');
    kx.shownLines.forEach(function(id){ if (cfg.lines[id]) { legendLines.insertAdjacentHTML('beforeend', cfg.lines[id].row); } });
    if (kx.shownLines.length && cfg.historyNote) {
      var note = document.createElement('div');
      note.className = 'kx-note';
      note.textContent = cfg.historyNote;
      legendLines.appendChild(note);
    }
  }
  // Hit areas: a transparent circle over each small island, as wide as its neighbours allow.
  cfg.hits.forEach(function(id){
    var anchor = cfg.anchors[id];
    if (!anchor) { return; }
    var c = L.circleMarker(anchor, {radius: 10, stroke: false, fill: true, fillOpacity: 0, className: 'kx-hit', bubblingMouseEvents: false});
    c.feature = {type: 'Feature', properties: {id: id}, geometry: null};
    c.on('click', function(){ select(id); });
    c.bindTooltip(function(){ return (shapes[id] && shapes[id][0].getTooltip()) ? shapes[id][0].getTooltip().getContent() : ''; }, {sticky: true});
    hits[id] = c.addTo(map);
  });
  // Islets closer together than a finger's width share one target, their group's (a click selects the
  // group and a pick zooms in to it); once they are apart, each islet has its own.
  function sizeHits(){
    var points = {};
    Object.keys(cfg.anchors).forEach(function(id){ if (shapes[id]) { points[id] = map.latLngToContainerPoint(cfg.anchors[id]); } });
    function nearestTo(p, skip){
      var best = {d: Infinity, id: null};
      Object.keys(points).forEach(function(o){ if (skip.indexOf(o) < 0) { var d = p.distanceTo(points[o]); if (d < best.d) { best = {d: d, id: o}; } } });
      return best;
    }
    var radius = {}, tightGroups = [];
    Object.keys(cfg.clusters).forEach(function(group){
      var members = cfg.clusters[group].filter(function(m){ return points[m]; });
      var tight = points[group] && members.some(function(m){ return nearestTo(points[m], [m, group]).d < 8; });
      if (tight) {
        members.forEach(function(m){ radius[m] = 0; delete points[m]; });
        tightGroups.push(group);
      } else {
        radius[group] = 0;
        delete points[group];
      }
    });
    Object.keys(hits).forEach(function(id){
      if (radius[id] !== undefined || cfg.clusters[id] || !points[id]) { return; }
      var b = kx.bounds(id), ne = map.latLngToContainerPoint(b.getNorthEast()), sw = map.latLngToContainerPoint(b.getSouthWest());
      var own = Math.max(Math.abs(ne.x - sw.x), Math.abs(ne.y - sw.y));
      radius[id] = own > 28 ? 0 : Math.max(3, Math.min(14, nearestTo(points[id], [id]).d / 2 - 1));  // a big island is its own target
    });
    tightGroups.forEach(function(group){
      var c = points[group], members = cfg.clusters[group].filter(function(m){ return cfg.anchors[m]; });
      var spread = Math.max.apply(null, members.map(function(m){ return c.distanceTo(map.latLngToContainerPoint(cfg.anchors[m])); }));
      var outside = nearestTo(c, [group]);
      var room = outside.id ? outside.d - (radius[outside.id] || 3) - 1 : Infinity;
      radius[group] = Math.max(4, Math.min(spread + 6, room));
    });
    Object.keys(radius).forEach(function(id){
      if (!hits[id]) { return; }
      hits[id].setRadius(radius[id]);
      if (hits[id]._path) { hits[id]._path.style.display = radius[id] > 0 ? '' : 'none'; }  // Leaflet draws r=0 as 1 px
    });
  }
  // Labels: DOM built with textContent; placed by priority beside their island, never over another
  // label, another island's anchor, a control or the map's edge; what cannot be placed is hidden.
  cfg.places.forEach(function(place){
    var el = document.createElement('div');
    el.className = 'kx-label' + (place.disputed ? ' kx-disputed' : '');
    el.setAttribute('data-kx-id', place.id);
    var name = document.createElement('span');
    name.className = 'kx-name';
    var count = document.createElement('span');
    count.className = 'kx-count';
    el.appendChild(name);
    el.appendChild(count);
    var marker = L.marker(place.anchor, {icon: L.divIcon({html: el, className: 'kx-label-icon', iconSize: null}), keyboard: true, riseOnHover: true});
    marker.feature = {type: 'Feature', properties: {id: place.id}, geometry: null};
    marker.on('click', function(){ select(place.id); });
    marker.addTo(map);
    // Keyboard: a label is a tab stop; Enter or Space selects its place.
    marker.getElement().setAttribute('role', 'button');
    marker.getElement().addEventListener('keydown', function(e){
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(place.id); }
    });
    labels[place.id] = {marker: marker, el: el, name: name, count: count, place: place};
  });
  function fillLabels(){
    var texts = cfg.sets[kx.set].labels;
    Object.keys(labels).forEach(function(id){
      var n = cfg.counts[id] || 0;
      labels[id].name.textContent = texts[id] || '';
      labels[id].count.textContent = n ? ' (' + n + ')' : '';
      labels[id].el.title = n ? n + ' passage' + (n === 1 ? '' : 's') + ' mention it; click to read them' : 'Click to select';
      if (labels[id].marker._icon) { labels[id].marker._icon.setAttribute('aria-label', labels[id].el.textContent); }
    });
  }
  function overlaps(a, b){ return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2; }
  function controlBoxes(){
    var origin = container.getBoundingClientRect(), out = [];
    container.querySelectorAll('.leaflet-control').forEach(function(c){
      var r = c.getBoundingClientRect();
      if (r.width && r.height) { out.push({x1: r.left - origin.left - 2, y1: r.top - origin.top - 2, x2: r.right - origin.left + 2, y2: r.bottom - origin.top + 2}); }
    });
    return out;
  }
  // Which place's land is at a point of the container, or null.
  var pathIds = new Map(), drawnShapes = [];
  Object.keys(shapes).forEach(function(id){ shapes[id].forEach(function(l){
    pathIds.set(l._path, id);
    if (l._containsPoint) { drawnShapes.push([l, id]); }
  }); });
  // Leaflet's own hit test on the shapes as drawn (projected and clipped, with its click tolerance);
  // the browser's elementFromPoint answered the same at about 0.2 ms a point, most of a layout.
  function placeAt(rect, x, y){
    var p = map.containerPointToLayerPoint([x, y]);
    for (var k = drawnShapes.length - 1; k >= 0; k--) {
      var l = drawnShapes[k][0];
      if (l._path && l._pxBounds && l._pxBounds.contains(p) && l._containsPoint(p)) { return drawnShapes[k][1]; }
    }
    return null;
  }
  // How much of other places' land a label box would hide (disputed land counts most).
  function coverScore(rect, c, own){
    var score = 0;
    var steps = Math.max(2, Math.ceil((c.x2 - c.x1) / 10));
    for (var i = 0; i <= steps; i++) {
      for (var j = 0; j <= 2; j++) {
        var id = placeAt(rect, c.x1 + 1 + (c.x2 - c.x1 - 2) * i / steps, c.y1 + 1 + (c.y2 - c.y1 - 2) * j / 2);
        if (id && own.indexOf(id) < 0) { score += cfg.disputed.indexOf(id) >= 0 ? 10 : 1; }
      }
    }
    return score;
  }
  kx.anchorOf = function(id){ return cfg.anchors[id] || null; };
  // The place a click on this element selects (its land, its hit area or its label), or null.
  kx.placeOf = function(el){
    if (pathIds.has(el)) { return pathIds.get(el); }
    var found = null;
    Object.keys(hits).forEach(function(id){ if (hits[id]._path === el) { found = id; } });
    var label = el.closest ? el.closest('.kx-label') : null;
    return found || (label ? label.getAttribute('data-kx-id') : null);
  };
  kx.layoutLabels = function(){
    var size = map.getSize();
    if (!size.x || !size.y) { return; }
    var rect = container.getBoundingClientRect();
    var canSample = rect.top >= 0 && rect.left >= 0 && rect.bottom <= window.innerHeight && rect.right <= window.innerWidth;
    var taken = controlBoxes();
    var anchors = [];
    Object.keys(cfg.anchors).forEach(function(id){
      if (!shapes[id]) { return; }
      var p = map.latLngToContainerPoint(cfg.anchors[id]);
      var r = hits[id] ? Math.max(hits[id].getRadius(), 4) : 4;
      anchors.push({id: id, x1: p.x - r, y1: p.y - r, x2: p.x + r, y2: p.y + r});
    });
    var order = Object.keys(labels).sort(function(a, b){ return labels[a].place.priority - labels[b].place.priority; });
    var sized = [];
    order.forEach(function(id){
      var icon = labels[id].marker._icon;
      if (!icon) { return; }
      icon.style.display = '';
      sized.push({id: id, icon: icon, w: icon.offsetWidth, h: icon.offsetHeight});
    });
    var pane = map.getPane('markerPane');
    pane.style.visibility = 'hidden';
    sized.forEach(function(item){
      var id = item.id, entry = labels[id], icon = item.icon, w = item.w, h = item.h;
      var a = map.latLngToContainerPoint(entry.place.anchor);
      if (a.x < 0 || a.y < 0 || a.x > size.x || a.y > size.y) { icon.style.display = 'none'; entry.shown = false; return; }
      var b = kx.bounds(id);
      var ne = map.latLngToContainerPoint(b.getNorthEast()), sw = map.latLngToContainerPoint(b.getSouthWest());
      var box = {x1: Math.max(Math.min(sw.x, ne.x), 0), y1: Math.max(Math.min(ne.y, sw.y), 0),
                 x2: Math.min(Math.max(sw.x, ne.x), size.x), y2: Math.min(Math.max(ne.y, sw.y), size.y)};
      var bw = box.x2 - box.x1, bh = box.y2 - box.y1, gap = 3;
      var candidates = [];
      if (w < bw && h < bh * 0.8) { candidates.push([a.x - w / 2, a.y - h / 2]); }
      if (!entry.place.island) {  // land: on it, near its anchor, or not at all
        candidates.push([a.x - w / 2, a.y - h / 2], [a.x - w / 2, a.y - 1.5 * h], [a.x - w / 2, a.y + 0.5 * h]);
      } else candidates.push([box.x2 + gap, a.y - h / 2], [box.x1 - gap - w, a.y - h / 2],
                      [a.x - w / 2, box.y2 + gap], [a.x - w / 2, box.y1 - gap - h],
                      [box.x2 + gap, box.y1 - h], [box.x2 + gap, box.y2], [box.x1 - gap - w, box.y1 - h], [box.x1 - gap - w, box.y2],
                      [a.x + 6, a.y - h / 2], [a.x - 6 - w, a.y - h / 2], [a.x - w / 2, a.y - h / 2]);
      var plain = candidates.length, lead = 30;
      if (entry.place.island) {  // led out: further away, joined to the island by a line
        candidates.push([box.x2 + lead, a.y - h / 2], [box.x1 - lead - w, a.y - h / 2], [a.x - w / 2, box.y2 + lead],
                        [a.x - w / 2, box.y1 - lead - h], [box.x2 + lead, box.y2 + lead / 2], [box.x1 - lead - w, box.y2 + lead / 2],
                        [box.x2 + lead, box.y1 - lead / 2 - h], [box.x1 - lead - w, box.y1 - lead / 2 - h],
                        [a.x + 2 * lead, box.y2 + lead], [a.x - 2 * lead - w, box.y2 + lead]);
      }
      var own = (cfg.members[id] || []).concat([id], cfg.parents[id] || []);
      var fits = candidates.map(function(p, i){ return {x1: p[0], y1: p[1], x2: p[0] + w, y2: p[1] + h, led: i >= plain}; }).filter(function(c){
        if (c.x1 < 2 || c.y1 < 2 || c.x2 > size.x - 2 || c.y2 > size.y - 2) { return false; }
        if (taken.some(function(t){ return overlaps(c, t); })) { return false; }
        return !anchors.some(function(t){ return overlaps(c, t); });  // every island's own point stays clickable
      });
      var chosen = null, best = Infinity;
      for (var i = 0; i < fits.length && best > 0; i++) {
        var score = (canSample ? coverScore(rect, fits[i], own) : 0) + (fits[i].led ? 3 : 0);
        if (score < best) { best = score; chosen = fits[i]; }
      }
      if (entry.leader) { map.removeLayer(entry.leader); entry.leader = null; }
      if (!chosen) { icon.style.display = 'none'; entry.shown = false; return; }
      if (chosen.led) {
        var end = L.point(Math.max(chosen.x1, Math.min(a.x, chosen.x2)), Math.max(chosen.y1, Math.min(a.y, chosen.y2)));
        entry.leader = L.polyline([map.containerPointToLatLng(a), map.containerPointToLatLng(end)],
                                  {color: '#333', weight: 1, interactive: false, className: 'kx-leader'}).addTo(map);
      }
      icon.style.marginLeft = (chosen.x1 - a.x) + 'px';
      icon.style.marginTop = (chosen.y1 - a.y) + 'px';
      entry.shown = true;
      taken.push(chosen);
    });
    pane.style.visibility = '';
  };
  // The legend goes to the first corner with no land under it; with none, it folds to a button.
  function landUnder(rect){
    // Sampled every 8 px (an islet or its hit area is bigger than that) with Leaflet's own hit test
    // on the shapes as drawn (projected, clipped, with its click tolerance): the browser's
    // elementFromPoint gave the answer at about 0.2 ms a point, a quarter of a second per layout.
    var shapes = [];
    map.eachLayer(function(l){
      if (l._containsPoint && l._path && l._pxBounds && l._path.style.display !== 'none' &&
          l._path.classList.contains('leaflet-interactive')) { shapes.push(l); }
    });
    var box = container.getBoundingClientRect();
    var nx = Math.ceil(rect.width / 8), ny = Math.ceil(rect.height / 8);
    for (var i = 0; i <= nx; i++) {
      for (var j = 0; j <= ny; j++) {
        var x = rect.left + (rect.width - 1) * i / nx - box.left, y = rect.top + (rect.height - 1) * j / ny - box.top;
        var p = map.containerPointToLayerPoint([x, y]);
        for (var k = 0; k < shapes.length; k++) {
          if (shapes[k]._pxBounds.contains(p) && shapes[k]._containsPoint(p)) { return true; }
        }
      }
    }
    return false;
  }
  kx.placeLegend = function(){
    var d = legend.getContainer(), view = container.getBoundingClientRect();
    if (view.bottom <= 0 || view.top >= window.innerHeight || !view.width) { return; }
    if (!d.kxOpened) { d.classList.remove('kx-collapsed'); }
    var corners = ['bottomright', 'topright', 'bottomleft', 'topleft'];
    for (var i = 0; i < corners.length; i++) {
      legend.setPosition(corners[i]);
      var r = d.getBoundingClientRect();
      if (r.height < view.height * 0.8 && r.width < view.width * 0.6 && r.top >= 0 && r.bottom <= window.innerHeight && !landUnder(r)) { return; }
    }
    legend.setPosition('bottomright');
    if (!d.kxOpened) { d.classList.add('kx-collapsed'); }
  };
  kx.setNames = function(set){
    if (!cfg.sets[set]) { return; }
    kx.set = set;
    fillLabels();
    fillLegend();
    kx.relayout();
  };
  kx.relayout = function(){ sizeHits(); kx.placeLegend(); kx.layoutLabels(); };
  fillLabels();
  fillLegend();
  kx.setLines(cfg.shownLines);
  kx.setHighlight(cfg.highlight);
  // Events ask for a layout in the next frame, once however many arrive: drawing the map fires
  // whenReady, a resize, moveend and load within a few milliseconds, and each layout reads the page's
  // geometry (labels, the legend's corner). Explicit calls (kx.setNames, printing) lay out at once.
  var relayoutQueued = false;
  function relayoutSoon(){
    if (relayoutQueued) { return; }
    relayoutQueued = true;
    requestAnimationFrame(function(){ relayoutQueued = false; kx.relayout(); });
  }
  map.on('zoomend moveend resize', relayoutSoon);
  map.whenReady(relayoutSoon);
  if (window.ResizeObserver) { new ResizeObserver(function(){ map.invalidateSize({pan: false}); relayoutSoon(); }).observe(container); }
  window.addEventListener('load', relayoutSoon);
  map.on('kxselect', function(e){ kx.select(e.id); });
  // In the app the map sits in a same-origin iframe and the place lives in the page's URL (?place=...):
  // follow it, so a pick from the list, a search or a deep link outlines and reveals the place without
  // the map being rebuilt. (Off in the standalone export, which uses its own #fragment.)
  if (cfg.followUrlPlace && window.parent !== window) {
    var followed;
    var follow = function(){
      var place;
      try { place = new URLSearchParams(window.parent.location.search).get('place'); } catch (e) { return false; }
      if (place !== followed) {
        followed = place;
        if (place !== kx.selected) { kx.select(place, {reveal: true}); }
      }
      return true;
    };
    setTimeout(function(){ if (follow()) { setInterval(follow, 250); } }, 0);
  }
})
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
    label_sets: Iterable[tuple[View, LabelLang]] | None = None,
    shown_lines: Iterable[str] | None = None,
    follow_url_place: bool = True,
) -> folium.Map:
    """The evidence map. Features carry ``properties.id`` (the gazetteer id): clicking one reports it.

    The map depends only on its arguments and the evidence's counts, never on the selection, so a
    click does not change it (``st_folium`` keeps its state while the map stays the same); the page
    script outlines the clicked place itself.
    A lesson step passes ``bounds`` ([south, west], [north, east]), places to ``highlight`` (groups are
    expanded to their members) and ``overlays``, a FeatureCollection of treaty lines (all shown unless
    ``shown_lines`` names some). ``label_sets`` adds other (view, lang) names the page can switch to
    with ``map.kx.setNames('japan|ja')``. With ``follow_url_place`` (the app), a map inside a same-origin
    iframe outlines and reveals the ``place`` of its parent page's URL query whenever it changes.
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
            place = gazetteer.by_id[feature["properties"]["id"]]
            mentioned = counts.get(place.id, 0) > 0
            styles[place.id] = {
                "fillColor": fill_colour(place),
                "color": "#222" if place.disputed else "#666",
                "weight": 2 if place.disputed else 0.8,
                "dashArray": DISPUTED_DASH if place.disputed else None,
                "fillOpacity": 0.85 if mentioned else (0.45 if layer == "islands" else 0.35),
            }
        InertGeoJson(
            collection,
            name="Kuril Islands" if layer == "islands" else "Neighbouring land",
            style_function=lambda feature, styles=styles: styles.get(feature["properties"]["id"], {}),
            tooltip=folium.GeoJsonTooltip(fields=["label", "summary"], labels=False, sticky=True),
            zoom_on_click=False,
        ).add_to(fmap)
    sites = _decorate(layers["sites"], gazetteer, counts, view, lang)
    # Towns, ports and airfields of an island sit on it: drawn as dots they covered the island's own
    # click point at the default zoom (Kurilsk on Iturup). They are in their island's panel instead.
    sites["features"] = [
        f for f in sites["features"] if gazetteer.by_id[f["properties"]["id"]].kind not in FEATURE_KINDS
    ]
    if sites["features"]:
        InertGeoJson(
            sites,
            name="Sites named in the sources",
            marker=folium.CircleMarker(
                radius=7, fill=True, fill_color=SITE_COLOUR, fill_opacity=0.9, color="#fff", weight=2
            ),
            tooltip=folium.GeoJsonTooltip(fields=["label", "summary"], labels=False, sticky=True),
        ).add_to(fmap)
    line_info: dict[str, dict] = {}
    if overlays and overlays.get("features"):
        InertGeoJson(
            _escaped_overlays(overlays),
            name="Historical lines",
            style_function=lambda feature: {"color": LINE_COLOUR, "weight": 3, "dashArray": LINE_DASH},
            tooltip=folium.GeoJsonTooltip(fields=["title", "note"], labels=False, sticky=True),
        ).add_to(fmap)
        for feature in overlays["features"]:
            year = feature["properties"].get("year")
            line_info[str(feature["properties"]["id"])] = {
                "year": year if isinstance(year, int) else None,
                "row": line_legend_row(feature),
            }
    sets = {(view, lang), *(label_sets or ())}
    fmap.add_child(
        ScriptElement(
            CONTROLLER_JS.strip()
            + "("
            + fmap.get_name()
            + ","
            + script_json(
                _controller_config(evidence, counts, sets, (view, lang), outlined, line_info, shown_lines, bounds)
                | {"followUrlPlace": follow_url_place}
            )
            + ");"
        )
    )
    root = fmap.get_root()
    if not isinstance(root, Figure):  # folium.Map always makes one; branca types get_root as an Element
        raise TypeError("the map is not inside a branca Figure")
    root.header.add_child(RawHtml(f"<style>{MAP_CSS}</style>"))
    if online_tiles:
        folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def set_key(view: View, lang: LabelLang) -> str:
    return f"{view}|{lang}"


def all_label_sets() -> list[tuple[View, LabelLang]]:
    return [(view, lang) for view in VIEWS for lang in LANGS]


def _controller_config(
    evidence: Evidence,
    counts: dict[str, int],
    sets: set[tuple[View, LabelLang]],
    current: tuple[View, LabelLang],
    outlined: set[str],
    line_info: dict[str, dict],
    shown_lines: Iterable[str] | None,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None,
) -> dict:
    gazetteer = evidence.gazetteer
    layers = load_layers()
    places, anchors, hits = [], {}, []
    members: dict[str, list[str]] = {}
    for place in gazetteer.places:
        covered = sorted(gazetteer.covered_by(place.id) - {place.id})
        if covered:
            members[place.id] = covered
    labelled: list[str] = []
    clusters: dict[str, list[str]] = {}
    for layer in ("region", "islands"):
        for feature in layers[layer]["features"]:
            props = feature["properties"]
            found = gazetteer.by_id.get(props["id"])
            if found is None:
                continue
            place = found
            point = place.anchor or props.get("centroid")
            if point is not None:
                anchors[place.id] = [point[1], point[0]]
            area = props.get("area_km2") or 0
            if layer == "islands" and place.kind != "group" and area < 600:
                hits.append(place.id)
                if place.parent and gazetteer.by_id[place.parent].layer == "islands":
                    clusters.setdefault(place.parent, []).append(place.id)
            if place.kind not in LABELLED_KINDS or point is None:
                continue
            if layer == "islands" and not place.disputed and area < MIN_LABEL_AREA_KM2:
                continue
            # Disputed places first, then the rest by size.
            priority = (0 if place.disputed else 1) * 1e9 - area if layer == "islands" else 5e8 - area / 1e3
            places.append(
                {
                    "id": place.id,
                    "anchor": [point[1], point[0]],
                    "disputed": place.disputed,
                    "island": layer == "islands",
                    "priority": priority,
                }
            )
            labelled.append(place.id)
    label_sets = {}
    for view, lang in sorted(sets):
        label_sets[set_key(view, lang)] = {
            "labels": {p.id: place_label(gazetteer, p, lang, view) for p in gazetteer.places},
            "legend": legend_html(gazetteer, view, lang),
        }
    return {
        "patterns": pattern_defs(),
        "sets": label_sets,
        "set": set_key(*current),
        "counts": {pid: counts.get(pid, 0) for pid in labelled},
        "places": places,
        "anchors": anchors,
        "members": members,
        "disputed": sorted(p.id for p in gazetteer.places if p.disputed),
        "parents": {p.id: sorted(set(evidence.containing_groups(p.id))) for p in gazetteer.places if p.parent},
        "hits": [g for g in clusters] + hits,
        "clusters": clusters,
        "claims": {p.id: claim_code(p) for p in gazetteer.places if p.kind != "group" and claim_code(p)},
        "lines": line_info,
        "shownLines": list(shown_lines) if shown_lines is not None else list(line_info),
        "historyNote": "Fills show who administers the islands today, not in the line's year.",
        "highlight": sorted(outlined),
        "bounds": [list(corner) for corner in bounds] if bounds else KURIL_BOUNDS,
        "selectedStyle": SELECTED_STYLE,
        "highlightStyle": HIGHLIGHT_STYLE,
    }


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
