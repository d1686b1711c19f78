"""A static picture of the evidence map, as SVG or PNG, drawn from the project's own geometry.

The picture shows what the interactive map shows, with the same rules (``explorer.render.mapview``): land
shaded by ``fill_colour`` (Okabe–Ito colours) and darker where the articles mention it, disputed
areas with a dashed outline, labels in the chosen language for the chosen point of view
(``naming.place_label``), a legend headed by the point-of-view statement (``naming.view_statement``)
and the GSHHG attribution.

Projection: equirectangular with the x axis scaled by cos(latitude of the bounds' centre), so that
shapes at the map's middle latitude keep their proportions. Over the Kurils (43–51.6°N) a degree of
longitude is drawn within about 8 % of its true length relative to a degree of latitude: fine for a
picture, not for measuring.

SVG: every text that comes from data is XML-escaped and characters XML cannot hold are replaced
with U+FFFD. Fonts are named, not embedded: the viewer picks one with Japanese and Cyrillic glyphs.

PNG: Pillow, drawn at twice the size and scaled down for smooth edges. Japanese labels need a font
with CJK glyphs; one is looked for in this order: ``font_path`` if given, the PyPI package
``noto-cjk-sans-jp-regular`` (Noto Sans CJK JP, SIL OFL 1.1), Debian's Noto CJK or IPAex fonts.
Without one, ``ja`` and ``both`` labels fall back to English, the picture says so in its legend and a
warning is logged (:func:`png_font_note` gives the same sentence beforehand). Latin and Cyrillic use
DejaVu Sans (Debian ``fonts-dejavu-core``) when no CJK font is found; without any font file, Pillow's
built-in font draws English labels.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import shapely
from shapely.geometry import shape

from explorer.data.layers import load_layers
from explorer.evidence import Evidence
from explorer.render.mapview import (
    COUNT_NOTE,
    KURIL_BOUNDS,
    LABELLED_KINDS,
    MIN_LABEL_AREA_KM2,
    SEA_COLOUR,
    SITE_COLOUR,
    STATE_COLOURS,
    LegendEntry,
    claim_code,
    claim_fill,
    fill_colour,
    legend_entries,
    pattern_defs,
)
from explorer.render.naming import LabelLang, View, place_label, view_statement

log = logging.getLogger(__name__)

# (min_lon, min_lat, max_lon, max_lat): the interactive map's initial view.
DEFAULT_BOUNDS = (KURIL_BOUNDS[0][1], KURIL_BOUNDS[0][0], KURIL_BOUNDS[1][1], KURIL_BOUNDS[1][0])
ATTRIBUTION = "Coastlines: GSHHG 2.3.6, Wessel & Smith 1996 (LGPL-3.0-or-later)"
BOUNDARY_NOTE = "Lines between islands are geometric conventions, not legal boundaries."
SHADE_NOTE = "Darker fill: mentioned in the selected articles."
FONT_FAMILY = (
    "'Noto Sans CJK JP','Noto Sans JP','Source Han Sans JP',IPAexGothic,'Hiragino Sans','Yu Gothic',"
    "'DejaVu Sans',Arial,sans-serif"
)
CJK_FONT_PACKAGE = "noto-cjk-sans-jp-regular==0.0.1"
SYSTEM_CJK_FONTS = (
    "opentype/noto/NotoSansCJK-Regular.ttc",
    "opentype/noto/NotoSansCJKjp-Regular.otf",
    "opentype/ipaexfont-gothic/ipaexg.ttf",
    "truetype/ipaexfont-gothic/ipaexg.ttf",
    "opentype/ipafont-gothic/ipag.ttf",
    "truetype/ipafont-gothic/ipag.ttf",
)
SYSTEM_LATIN_FONTS = ("truetype/dejavu/DejaVuSans.ttf", "truetype/liberation/LiberationSans-Regular.ttf")
FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))

# Characters XML 1.0 cannot carry even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# --- Fonts ----------------------------------------------------------------------------------------


def _needs_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


@cache
def find_cjk_font() -> Path | None:
    """A font file with Japanese (and Latin and Cyrillic) glyphs, or None. Never touches the network."""
    spec = find_spec("noto_cjk_sans_jp_regular")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            for candidate in sorted(Path(folder).glob("*.[ot]t[fc]")):
                return candidate
    for root in FONT_ROOTS:
        for relative in SYSTEM_CJK_FONTS:
            if (root / relative).is_file():
                return root / relative
    return None


@cache
def find_latin_font() -> Path | None:
    """A font file with Latin and Cyrillic glyphs (DejaVu Sans, Liberation Sans), or None."""
    for root in FONT_ROOTS:
        for relative in SYSTEM_LATIN_FONTS:
            if (root / relative).is_file():
                return root / relative
    return None


@dataclass(frozen=True)
class FontChoice:
    path: Path | None  # None: Pillow's built-in font (Latin only)
    label_lang: LabelLang  # the language the PNG labels are drawn in
    note: str | None  # why the labels differ from the language asked for


def png_font_choice(lang: LabelLang, font_path: Path | None = None) -> FontChoice:
    """Which font the PNG uses for ``lang`` and whether its labels must fall back to English."""
    cjk = Path(font_path) if font_path else find_cjk_font()
    latin = find_latin_font()
    if lang in ("ja", "both"):
        if cjk is not None:
            return FontChoice(cjk, lang, None)
        return FontChoice(
            latin, "en", f"Labels in English: no font with Japanese glyphs here (pip install {CJK_FONT_PACKAGE})."
        )
    if lang == "ru":
        if cjk is not None or latin is not None:
            return FontChoice(cjk or latin, lang, None)
        return FontChoice(
            None, "en", "Labels in English: no font with Cyrillic glyphs here (Debian fonts-dejavu-core)."
        )
    return FontChoice(cjk or latin, lang, None)


def png_font_note(lang: LabelLang, font_path: Path | None = None) -> str | None:
    """The sentence a PNG in ``lang`` will carry when its labels fall back to English, else None."""
    return png_font_choice(lang, font_path).note


# --- The scene: everything drawn, in pixels, shared by SVG and PNG ---------------------------------


@dataclass
class Shape:
    polygons: list[tuple[list[tuple[float, float]], list[list[tuple[float, float]]]]]  # (outer ring, holes), closed

    @property
    def rings(self) -> list[list[tuple[float, float]]]:
        return [ring for outer, holes in self.polygons for ring in [outer, *holes]]

    fill: str  # the colour as drawn over the sea (PNG)
    stroke: str
    stroke_width: float
    dashed: bool
    place: str
    colour: str = ""  # the administering state's colour (SVG: with fill-opacity)
    opacity: float = 1.0
    claim: str | None = None  # the claimant drawn as stripes over the fill


@dataclass
class Dot:
    x: float
    y: float
    radius: float
    place: str


@dataclass
class Label:
    x: float
    y: float
    text: str
    size: float
    bold: bool = True
    anchor: str = "middle"  # "middle" (centred on x, y) or "start" (x, y is the top left)


@dataclass
class Scene:
    width: int
    height: int
    title: str
    description: str
    shapes: list[Shape] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend_box: tuple[float, float, float, float] = (0, 0, 0, 0)  # x, y, w, h
    # x, y, colour, dashed, kind, claim (the claimant's code for the stripes, or None), admin code
    legend_rows: list[tuple[float, float, str, bool, str, str | None, str | None]] = field(default_factory=list)
    legend_text: list[Label] = field(default_factory=list)
    header: float = 0.0


Measure = Callable[[str, float], float]


def estimate_width(text: str, size: float) -> float:
    """Text width in pixels, estimated (wide for CJK, about 0.58 em for Latin and Cyrillic)."""
    return sum(size * (1.0 if _needs_cjk(ch) else 0.58) for ch in text)


def _wrap(text: str, size: float, width: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and measure(trial, size) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _blend(colour: str, opacity: float, under: str = SEA_COLOUR) -> str:
    top = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    bottom = [int(under[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(t * opacity + b * (1 - opacity)) for t, b in zip(top, bottom, strict=True)]
    return "#" + "".join(f"{v:02X}" for v in mixed)


def build_scene(
    evidence: Evidence,
    view: View,
    lang: LabelLang,
    highlight: set[str] | frozenset[str] = frozenset(),
    bounds: tuple[float, float, float, float] | None = None,
    width: int = 1200,
    height: int = 900,
    title: str | None = None,
    measure: Measure = estimate_width,
    note: str | None = None,
    min_font: float = 0.0,
    statement: bool = True,
    legend: bool = True,
) -> Scene:
    """Lay out the picture in pixels (the projection, the shapes, the labels and the legend).

    ``min_font``: the smallest text size in picture units (a handout printing 640 units across 17 cm
    asks for 11, i.e. 8 pt); 0 scales every text with the picture. ``statement=False`` heads the legend
    with the view's name only (a handout prints the full statement beside the picture)."""
    gazetteer = evidence.gazetteer
    counts = evidence.passage_counts()
    min_lon, min_lat, max_lon, max_lat = bounds or DEFAULT_BOUNDS
    if not (min_lon < max_lon and min_lat < max_lat and min_lat >= -90 and max_lat <= 90):
        raise ValueError(f"bounds must be (min_lon, min_lat, max_lon, max_lat), got {bounds!r}")
    if width < 200 or height < 150:
        raise ValueError("the picture must be at least 200 x 150 pixels")
    k = min(width / 1200, height / 900)
    wording = gazetteer.data.views[view]
    title = title if title is not None else f"Kuril Islands: places named in the sources ({wording.label})"
    header = round(44 * k) if title else 0
    scene = Scene(width, height, title, view_statement(gazetteer, view), header=header)

    # Projection: equirectangular, x scaled by cos(lat0), fitted into the area below the header.
    lat0 = (min_lat + max_lat) / 2
    cos0 = math.cos(math.radians(lat0))
    scale = min(width / ((max_lon - min_lon) * cos0), (height - header) / (max_lat - min_lat))
    cx, cy = width / 2, header + (height - header) / 2
    lon_mid = (min_lon + max_lon) / 2

    def project(coords):
        return [(cx + (lon - lon_mid) * cos0 * scale, cy - (lat - lat0) * scale) for lon, lat in coords]

    def project_array(points):
        out = points.copy()
        out[:, 0] = cx + (points[:, 0] - lon_mid) * cos0 * scale
        out[:, 1] = cy - (points[:, 1] - lat0) * scale
        return out

    margin_lon = (max_lon - min_lon) * 0.05
    margin_lat = (max_lat - min_lat) * 0.05
    layers = load_layers()
    disputed_shapes: list[Shape] = []
    for layer in ("region", "islands"):
        for feature in layers[layer]["features"]:
            place = gazetteer.by_id.get(feature["properties"]["id"])
            if place is None or not feature.get("geometry"):
                continue
            geometry = shapely.clip_by_rect(
                shape(feature["geometry"]),
                min_lon - margin_lon,
                min_lat - margin_lat,
                max_lon + margin_lon,
                max_lat + margin_lat,
            )
            if geometry.is_empty:
                continue
            geometry = shapely.simplify(shapely.transform(geometry, project_array), 0.3, preserve_topology=True)
            polygons = [
                (_ring(polygon.exterior), [_ring(hole) for hole in polygon.interiors if len(hole.coords) >= 4])
                for polygon in _polygons(geometry)
                if len(polygon.exterior.coords) >= 4
            ]
            if not polygons:
                continue
            mentioned = counts.get(place.id, 0) > 0
            opacity = 0.85 if mentioned else (0.45 if layer == "islands" else 0.35)
            item = Shape(
                polygons,
                _blend(fill_colour(place), opacity),
                "#000000" if place.id in highlight else ("#222222" if place.disputed else "#666666"),
                (3.0 if place.id in highlight else 2.0 if place.disputed else 0.8) * max(k, 0.5),
                place.disputed,
                place.id,
                fill_colour(place),
                opacity,
                claim_code(place) if place.kind != "group" else None,
            )
            (disputed_shapes if place.disputed else scene.shapes).append(item)
    # Disputed outlines go on top, highlighted ones last, so no dash is hidden under a neighbour.
    scene.shapes += disputed_shapes
    scene.shapes.sort(key=lambda s: s.place in highlight)  # stable: keeps the order otherwise

    for feature in layers["sites"]["features"]:
        place = gazetteer.by_id.get(feature["properties"]["id"])
        geometry = feature.get("geometry") or {}
        if place is None or geometry.get("type") != "Point":
            continue
        lon, lat = geometry["coordinates"][:2]
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            continue
        ((x, y),) = project([(lon, lat)])
        scene.dots.append(Dot(round(x, 1), round(y, 1), 7 * k if place.id not in highlight else 9 * k, place.id))

    # Legend, bottom right (open Pacific south-east of the chain in the default view).
    kt = max(k, min_font / 11)  # text scale: the smallest text (11 units) is at least min_font
    legend_w = min(440 * kt, width * 0.6)
    pad = 10 * k
    text_w = legend_w - 2 * pad
    lines: list[tuple[str, float, bool, object]] = []  # text, size, bold, swatch (a LegendEntry) or None
    for line in _wrap(scene.description if statement else wording.label, 13 * kt, text_w, measure):
        lines.append((line, 13 * kt, True, None))
    row_size = (13 if statement else 11) * kt
    for entry in legend_entries(gazetteer, view, lang):
        wrapped = _wrap(entry.text, row_size, text_w - 24 * kt, measure)
        for index, line in enumerate(wrapped):
            lines.append((line, row_size, False, entry if index == 0 else "indent"))
    notes = (
        [SHADE_NOTE, COUNT_NOTE, BOUNDARY_NOTE, ATTRIBUTION]
        if statement
        else [f"{SHADE_NOTE} {COUNT_NOTE}.", ATTRIBUTION]
    )
    for sentence in [*notes, *([note] if note else [])]:
        for line in _wrap(sentence, 11 * kt, text_w, measure):
            lines.append((line, 11 * kt, False, None))
    line_gap = 1.35
    if not legend:  # the page prints the legend beside the picture (explorer.render.lesson's handout)
        lines, legend_w, pad = [], 0.0, 0.0
    legend_h = 2 * pad + sum(size * line_gap for _, size, _, _ in lines)
    lx, ly = _legend_corner(scene, width, height, legend_w, legend_h, 10 * k) if legend else (0.0, 0.0)
    scene.legend_box = (round(lx, 1), round(ly, 1), round(legend_w, 1), round(legend_h, 1))
    y = ly + pad
    for text, size, bold, row in lines:
        x = lx + pad
        if row is not None:
            if isinstance(row, LegendEntry):
                scene.legend_rows.append(
                    (
                        round(x, 1),
                        round(y + 0.15 * size, 1),
                        row.fill,
                        row.kind == "disputed",
                        row.kind,
                        row.claim,
                        row.admin,
                    )
                )
            x += 24 * kt
        scene.legend_text.append(Label(round(x, 1), round(y, 1), text, round(size, 2), bold, "start"))
        y += size * line_gap

    # Labels: the same places as the interactive map, larger and disputed first; overlapping ones are left out.
    candidates = []
    for layer in ("region", "islands"):
        for feature in layers[layer]["features"]:
            props = feature["properties"]
            place = gazetteer.by_id.get(props["id"])
            centroid = props.get("centroid")
            if place is None or not centroid or place.kind not in LABELLED_KINDS:
                continue
            if layer == "islands" and not place.disputed and (props.get("area_km2") or 0) < MIN_LABEL_AREA_KM2:
                continue
            candidates.append((not place.disputed, -(props.get("area_km2") or 0), place.id, centroid))
    for feature in layers["sites"]["features"]:
        if feature["properties"]["id"] in highlight and (feature.get("geometry") or {}).get("type") == "Point":
            candidates.append((False, 0.0, feature["properties"]["id"], feature["geometry"]["coordinates"][:2]))
    taken = [(lx, ly, lx + legend_w, ly + legend_h), (0, 0, width, header)]
    for _, _, place_id, (lon, lat) in sorted(candidates):
        place = gazetteer.by_id[place_id]
        count = counts.get(place_id, 0)
        text = place_label(gazetteer, place, lang, view) + (f" ({count})" if count else "")
        size = (15 if place.disputed else 13) * kt
        ((x, y),) = project([(lon, lat)])
        if place.kind in ("site", "city"):
            y -= 14 * k  # above the dot
        w, h = measure(text, size), size * 1.3
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if box[0] < 0 or box[2] > width or box[1] < header or box[3] > height:
            continue
        if any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
            continue
        taken.append(box)
        scene.labels.append(Label(round(x, 1), round(y, 1), text, round(size, 2), True, "middle"))
    return scene


def _legend_corner(scene: Scene, width: int, height: int, w: float, h: float, margin: float) -> tuple[float, float]:
    """The corner where the legend hides the least land (disputed land counting ten times), bottom right
    first (open Pacific in the default view)."""
    from shapely.geometry import Polygon, box

    land = [
        (Polygon(outer, holes).buffer(0), 10.0 if item.dashed else 1.0)
        for item in scene.shapes
        for outer, holes in item.polygons
    ]
    top = scene.header + margin
    corners = [
        (width - w - margin, height - h - margin),
        (width - w - margin, top),
        (margin, height - h - margin),
        (margin, top),
    ]
    best, chosen = None, corners[0]
    for x, y in corners:
        rect = box(x, y, x + w, y + h)
        hidden = sum(polygon.intersection(rect).area * weight for polygon, weight in land if polygon.intersects(rect))
        if best is None or hidden < best - 1e-6:
            best, chosen = hidden, (x, y)
    return chosen


def _ring(ring) -> list[tuple[float, float]]:
    return [(round(x, 1), round(y, 1)) for x, y in ring.coords]


def _polygons(geometry) -> list:
    if geometry.geom_type == "Polygon":
        return [geometry]
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _polygons(g)]
    return []


# --- SVG ------------------------------------------------------------------------------------------


def xml_escape(text: str) -> str:
    """Text safe in XML character data and in quoted attributes."""
    text = _XML_INVALID.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def render_svg(
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    highlight: set[str] | frozenset[str] = frozenset(),
    bounds: tuple[float, float, float, float] | None = None,
    width: int = 1200,
    height: int = 900,
    title: str | None = None,
    min_font: float = 0.0,
    statement: bool = True,
    legend: bool = True,
) -> str:
    """The picture as an SVG document (a string; write it as UTF-8). Deterministic.

    Fills say who administers (the same colours as the interactive map, in every view); stripes say who
    claims it; each matches its legend swatch exactly (``data-kx-admin``/``data-kx-claim``)."""
    scene = build_scene(
        evidence,
        view,
        lang,
        highlight,
        bounds,
        width,
        height,
        title,
        min_font=min_font,
        statement=statement,
        legend=legend,
    )
    kt = max(min(width / 1200, height / 900), min_font / 11)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="kx-title kx-desc" font-family="{xml_escape(FONT_FAMILY)}">\n',
        f'<title id="kx-title">{xml_escape(scene.title)}</title>\n',
        f'<desc id="kx-desc">{xml_escape(scene.description)}</desc>\n',
        f"<defs>{pattern_defs()}</defs>\n",
        f'<rect width="{width}" height="{height}" fill="{SEA_COLOUR}"/>\n',
        '<g stroke-linejoin="round">\n',
    ]
    _svg_shapes(scene, out)
    out.append("</g>\n<g>\n")
    for dot in scene.dots:
        out.append(
            f'<circle data-id="{xml_escape(dot.place)}" cx="{dot.x:g}" cy="{dot.y:g}" r="{dot.radius:g}" '
            f'fill="{SITE_COLOUR}" stroke="#FFFFFF" stroke-width="2"/>\n'
        )
    out.append(
        '</g>\n<g fill="#111111" stroke="#FFFFFF" stroke-width="3" paint-order="stroke" '
        'text-anchor="middle" dominant-baseline="central" font-weight="600">\n'
    )
    for label in scene.labels:
        out.append(
            f'<text x="{label.x:g}" y="{label.y:g}" font-size="{label.size:g}">{xml_escape(label.text)}</text>\n'
        )
    out.append("</g>\n")
    # Title band.
    k = min(width / 1200, height / 900)
    out.append(f'<rect width="{width}" height="{scene.header:g}" fill="#FFFFFF"/>\n')
    out.append(
        f'<text x="{12 * k:g}" y="{scene.header / 2:g}" font-size="{20 * kt:g}" font-weight="700" fill="#111111" '
        f'dominant-baseline="central">{xml_escape(scene.title)}</text>\n'
    )
    out.append("<g>")
    _svg_legend(scene, kt, out)
    out.append("</g>\n</svg>\n")
    return "".join(out)


def _svg_shapes(scene: Scene, out: list[str]) -> None:
    """Each place's fill, claim stripes and outline, appended to ``out`` in drawing order."""
    for item in scene.shapes:
        path = " ".join("M" + " L".join(f"{x:g},{y:g}" for x, y in ring[:-1]) + "Z" for ring in item.rings)
        dash = f' stroke-dasharray="{6 * item.stroke_width / 2:g} {4 * item.stroke_width / 2:g}"' if item.dashed else ""
        out.append(
            f'<path data-id="{xml_escape(item.place)}" d="{path}" fill="{item.colour}" '
            f'fill-opacity="{item.opacity:g}" fill-rule="evenodd" stroke="none"/>\n'
        )
        if item.claim:
            out.append(
                f'<path data-claim-of="{xml_escape(item.place)}" d="{path}" fill="{claim_fill(item.claim)}" '
                'fill-rule="evenodd" stroke="none"/>\n'
            )
        out.append(
            f'<path data-outline-of="{xml_escape(item.place)}" d="{path}" fill="none" '
            f'stroke="{item.stroke}" stroke-width="{item.stroke_width:g}"{dash}/>\n'
        )


def _svg_legend(scene: Scene, kt: float, out: list[str]) -> None:
    """The legend's box, swatches and text, appended to ``out`` (``kt``: the text's scale)."""
    x, y, w, h = scene.legend_box
    if w:
        out.append(
            f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="4" fill="#FFFFFF" fill-opacity="0.94" '
            'stroke="#555555"/>\n'
        )
    for sx, sy, colour, dashed, kind, claim, admin in scene.legend_rows:
        if kind == "site":
            out.append(f'<circle cx="{sx + 8 * kt:g}" cy="{sy + 6 * kt:g}" r="{6 * kt:g}" fill="{colour}"/>\n')
            continue
        box = f'x="{sx:g}" y="{sy:g}" width="{16 * kt:g}" height="{12 * kt:g}"'
        out.append(f'<rect data-kx-admin="{xml_escape(admin or "")}" {box} fill="{colour}"/>\n')
        if claim:
            out.append(f'<rect data-kx-claim="{xml_escape(claim)}" {box} fill="{claim_fill(claim)}"/>\n')
        dash = ' stroke-dasharray="4 2"' if dashed else ""
        out.append(f'<rect {box} fill="none" stroke="#333333" stroke-width="1.5"{dash}/>\n')
    for label in scene.legend_text:
        weight = ' font-weight="600"' if label.bold else ""
        out.append(
            f'<text x="{label.x:g}" y="{label.y:g}" font-size="{label.size:g}" fill="#111111" '
            f'dominant-baseline="hanging"{weight}>{xml_escape(label.text)}</text>\n'
        )


# --- PNG ------------------------------------------------------------------------------------------

SUPERSAMPLE = 2


def render_png(
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    highlight: set[str] | frozenset[str] = frozenset(),
    bounds: tuple[float, float, float, float] | None = None,
    width: int = 1200,
    height: int = 900,
    title: str | None = None,
    font_path: Path | None = None,
) -> bytes:
    """The picture as PNG bytes (Pillow). Labels fall back to English, with a note in the picture and
    a logged warning, when no font can draw the language asked for (see :func:`png_font_note`)."""
    from PIL import Image, ImageDraw, ImageFont

    choice = png_font_choice(lang, font_path)
    if choice.note:
        log.warning("PNG picture: %s", choice.note)

    bold_path = choice.path.with_name(f"{choice.path.stem}-Bold{choice.path.suffix}") if choice.path else None

    @cache
    def font(size: float, bold: bool = False):
        pixels = max(6, round(size * SUPERSAMPLE))
        if choice.path is None:
            return ImageFont.load_default(pixels)
        path = bold_path if bold and bold_path and bold_path.is_file() else choice.path
        return ImageFont.truetype(str(path), pixels)

    def measure(text: str, size: float) -> float:
        return font(size).getlength(_drawable(text, choice)) / SUPERSAMPLE

    scene = build_scene(
        evidence, view, choice.label_lang, highlight, bounds, width, height, title, measure, choice.note
    )
    s = SUPERSAMPLE
    image = Image.new("RGB", (width * s, height * s), SEA_COLOUR)
    draw = ImageDraw.Draw(image)
    for item in scene.shapes:
        for outer, holes in item.polygons:
            draw.polygon([(x * s, y * s) for x, y in outer], fill=item.fill)
            for ring in holes:
                draw.polygon([(x * s, y * s) for x, y in ring], fill=SEA_COLOUR)
        if item.claim:
            _stripe(
                image,
                [
                    ([(x * s, y * s) for x, y in o], [[(x * s, y * s) for x, y in r] for r in h])
                    for o, h in item.polygons
                ],
                STATE_COLOURS[item.claim],
                s,
            )
        line_width = max(1, round(item.stroke_width * s))
        for ring in item.rings:
            points = [(x * s, y * s) for x, y in ring]
            if item.dashed:
                for segment in _dashes(points, 6 * item.stroke_width / 2 * s, 4 * item.stroke_width / 2 * s):
                    draw.line(segment, fill=item.stroke, width=line_width)
            else:
                draw.line(points, fill=item.stroke, width=line_width, joint="curve")
    for dot in scene.dots:
        r = dot.radius * s
        draw.ellipse(
            (dot.x * s - r, dot.y * s - r, dot.x * s + r, dot.y * s + r),
            fill=SITE_COLOUR,
            outline="#FFFFFF",
            width=2 * s,
        )
    for label in scene.labels:
        draw.text(
            (label.x * s, label.y * s),
            _drawable(label.text, choice),
            font=font(label.size, True),
            fill="#111111",
            anchor="mm",
            stroke_width=2 * s,
            stroke_fill="#FFFFFF",
        )
    k = min(width / 1200, height / 900)
    draw.rectangle((0, 0, width * s, scene.header * s), fill="#FFFFFF")
    draw.text(
        (12 * k * s, scene.header / 2 * s),
        _drawable(scene.title, choice),
        font=font(20 * k, True),
        fill="#111111",
        anchor="lm",
    )
    x, y, w, h = scene.legend_box
    draw.rounded_rectangle(
        (x * s, y * s, (x + w) * s, (y + h) * s), radius=4 * s, fill="#FFFFFF", outline="#555555", width=s
    )
    for sx, sy, colour, dashed, kind, claim, _admin in scene.legend_rows:
        if kind == "site":
            r = 6 * k * s
            cxp, cyp = (sx + 8 * k) * s, (sy + 6 * k) * s
            draw.ellipse((cxp - r, cyp - r, cxp + r, cyp + r), fill=colour)
        else:
            box = (sx * s, sy * s, (sx + 16 * k) * s, (sy + 12 * k) * s)
            draw.rectangle(box, fill=colour)
            if claim:
                corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])]
                _stripe(image, [(corners, [])], STATE_COLOURS[claim], s)
            if dashed:
                corners = [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3]), (box[0], box[1])]
                for segment in _dashes(corners, 4 * s, 2 * s):
                    draw.line(segment, fill="#333333", width=2 * s)
    for label in scene.legend_text:
        draw.text(
            (label.x * s, label.y * s),
            _drawable(label.text, choice),
            font=font(label.size, label.bold),
            fill="#111111",
            anchor="la",
        )
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)  # Pillow writes no time chunk: same input, same bytes
    return buffer.getvalue()


def _stripe(image, polygons: list, colour: str, scale: int) -> None:
    """Paint 45-degree stripes of ``colour`` inside the polygons ((outer, holes) in pixels), as the SVG's
    claim pattern does (stripe 3 units wide every 7)."""
    from PIL import Image, ImageDraw

    xs = [x for outer, _ in polygons for x, _ in outer]
    ys = [y for outer, _ in polygons for _, y in outer]
    left, top = max(0, int(min(xs))), max(0, int(min(ys)))
    right, bottom = min(image.width, int(max(xs)) + 2), min(image.height, int(max(ys)) + 2)
    if right <= left or bottom <= top:
        return
    size = (right - left, bottom - top)
    mask = Image.new("L", size, 0)
    shape = ImageDraw.Draw(mask)
    for outer, holes in polygons:
        shape.polygon([(x - left, y - top) for x, y in outer], fill=255)
        for ring in holes:
            shape.polygon([(x - left, y - top) for x, y in ring], fill=0)
    stripes = Image.new("L", size, 0)
    lines = ImageDraw.Draw(stripes)
    period, width = 7 * scale * math.sqrt(2), max(1, round(3 * scale))
    offset = -(left + top) % period  # stripes continuous across shapes, as one pattern
    c = offset - size[1]
    while c < size[0] + size[1]:
        lines.line([(c, 0), (c - size[1], size[1])], fill=255, width=width)
        c += period
    from PIL import ImageChops

    image.paste(colour, (left, top, right, bottom), ImageChops.multiply(mask, stripes))


def _drawable(text: str, choice: FontChoice) -> str:
    """Text the PNG can draw: no control characters; without a font file, only what Pillow's font has."""
    text = _XML_INVALID.sub("\ufffd", text).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if choice.path is None:
        text = "".join(ch if ord(ch) < 0x250 else "?" for ch in text)
    return text


def _dashes(points: list[tuple[float, float]], on: float, off: float) -> list[list[tuple[float, float]]]:
    """The polyline cut into dashes ``on`` long with gaps ``off`` long (lengths in the points' units)."""
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    drawing, left = True, on
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        if drawing and not current:
            current = [(x0, y0)]
        while length - done > left:
            done += left
            t = done / length
            point = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
            if drawing:
                current.append(point)
                segments.append(current)
                current = []
            else:
                current = [point]
            drawing = not drawing
            left = on if drawing else off
        left -= length - done
        if drawing:
            current.append((x1, y1))
    if drawing and len(current) > 1:
        segments.append(current)
    return segments
