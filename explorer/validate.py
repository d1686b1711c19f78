"""Check every data file against the schema and against each other. Reports, never fixes.

What is checked: the gazetteer (schema, unique ids, references), each GeoJSON layer (structure,
ids known to the gazetteer and unique, geometry valid and inside the region, RFC 7946 winding and
precision, size budget), the candidate rules and the systems gazetteer (schema, unique ids, every
entry's names compiled), the corpus (sources.yaml, articles readable, facts anchored), and the
lessons (their places, layers, quotes and facts) with the treaty-line layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from explorer.corpus.documents import load_corpus
from explorer.corpus.facts import check_anchors, load_facts
from explorer.data.errors import DataError
from explorer.data.gazetteer import PlaceIndex, load_gazetteer
from explorer.data.paths import GAZETTEER_PATH, LAYER_FILES
from explorer.data.readers import read_geojson, read_yaml
from explorer.data.schema import FeatureProperties, Systems

# (min lon, min lat, max lon, max lat): the Kuril chain and its neighbours, Korea to Kamchatka.
REGION = (125.0, 30.0, 165.0, 60.0)
SIZE_BUDGETS = {"islands": 250_000, "region": 150_000, "sites": 50_000}
MAX_DECIMALS = 6
_NUMBER = re.compile(r"-?\d+\.(\d+)")


@dataclass
class Report:
    problems: list[DataError] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_all(
    gazetteer_path: Path = GAZETTEER_PATH,
    layers: dict[str, Path] | None = None,
    corpus_folder: Path | None = None,
    lessons: bool = True,
    *,
    check_corpus: bool = True,
    systems_path: Path | None = None,
) -> Report:
    """Check the gazetteer, the layers, the candidate rules, the systems gazetteer (``systems_path``, default
    ``geodata/systems.yaml``), the corpus (the curated articles and the user corpus ``corpus_folder``,
    default the user's; ``check_corpus=False`` skips it) and the lessons."""
    report = Report()
    try:
        index = load_gazetteer(gazetteer_path)
        report.checked.append(f"{gazetteer_path}: {len(index.places)} places")
    except DataError as err:
        report.problems.append(err)
        index = None
    seen_ids: dict[str, Path] = {}
    for layer, path in (layers if layers is not None else LAYER_FILES).items():
        problems = validate_layer(path, layer, index, seen_ids)
        report.problems.extend(problems)
        if not problems:
            report.checked.append(f"{path}: layer {layer!r} valid")
    if index is not None:
        drawn = set(seen_ids)
        for place in index.places:
            if (
                place.layer != "none"
                and place.id not in drawn
                and not (layers is not None and place.layer not in layers)
            ):
                report.problems.append(
                    DataError(
                        index.path, f"is on layer {place.layer!r} but no geometry has its id", f"place {place.id!r}"
                    )
                )
    if index is not None:
        report.problems.extend(_anchor_problems(index))
    report.problems.extend(validate_candidate_rules(report))
    report.problems.extend(validate_systems(report, systems_path))
    if check_corpus:
        report.problems.extend(validate_corpus(corpus_folder, index, report))
    if lessons and index is not None and check_corpus:
        report.problems.extend(validate_lessons(index, corpus_folder, report))
    return report


def _anchor_problems(index: PlaceIndex) -> list[DataError]:
    """Anchors of drawn places lie in the region (a typo of a sign puts an island in Patagonia)."""
    problems = []
    for place in index.places:
        if place.anchor is not None and place.layer != "none" and not _in_region(*place.anchor):
            problems.append(
                DataError(
                    index.path, f"anchor {list(place.anchor)} is outside the region {REGION}", f"place {place.id!r}"
                )
            )
    return problems


def _in_region(lon: float, lat: float) -> bool:
    return REGION[0] <= lon <= REGION[2] and REGION[1] <= lat <= REGION[3]


def validate_candidate_rules(report: Report, path: Path | None = None) -> list[DataError]:
    """``candidate_rules.yaml`` against its schema, and every keyword compiled."""
    from explorer.corpus.candidates import RULES_PATH, load_rules

    path = path or RULES_PATH
    try:
        load_rules(path)
    except DataError as err:
        return [err]
    report.checked.append(f"{path}: candidate rules valid")
    return []


def validate_systems(report: Report, path: Path | None = None) -> list[DataError]:
    """``systems.yaml``, the systems gazetteer fact candidates read: its schema, unique ids, and the names of
    every entry compiled as the candidates compile them (an entry without names would match nothing)."""
    from explorer.corpus.candidates import SYSTEMS_PATH, compile_keywords

    path = path or SYSTEMS_PATH
    try:
        systems = read_yaml(path, Systems)
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    first: dict[str, int] = {}
    for number, entry in enumerate(systems.systems):
        where = f"systems[{number}] (id {entry.id!r})"
        if entry.id in first:
            problems.append(DataError(path, f"duplicate id (also systems[{first[entry.id]}])", where))
        first.setdefault(entry.id, number)
        try:
            pattern = compile_keywords(entry.names.model_dump())
        except (TypeError, re.error) as err:
            problems.append(DataError(path, f"bad names: {err}", where))
            continue
        if pattern is None:
            problems.append(DataError(path, "has no names in any language", where))
    if not problems:
        report.checked.append(f"{path}: {len(systems.systems)} systems valid")
    return problems


def validate_lessons(index: PlaceIndex, corpus_folder: Path | None, report: Report) -> list[DataError]:
    """Every lesson file (places, layers, quotes, facts) and the treaty-line layer it draws on."""
    from explorer.render.lesson import list_lessons, validate_lesson, validate_treaty_lines

    problems = validate_treaty_lines()
    try:
        corpus = load_corpus(corpus_folder)
        facts = load_facts(corpus.facts_folder)
    except DataError as err:
        return [*problems, err]
    for path in list_lessons():
        found = validate_lesson(path, index, corpus, facts)
        problems.extend(found)
        if not found:
            report.checked.append(f"{path}: lesson valid")
    return problems


def validate_layer(path: Path, layer: str, index: PlaceIndex | None, seen_ids: dict[str, Path]) -> list[DataError]:
    """Problems with one GeoJSON layer file."""
    from shapely.geometry import shape  # lazily: the links command must not pay for shapely
    from shapely.validation import explain_validity

    try:
        data = read_geojson(path)
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    size = path.stat().st_size
    budget = SIZE_BUDGETS.get(layer)
    if budget and size > budget:
        problems.append(DataError(path, f"is {size:,} bytes, over its budget of {budget:,}"))
    if "crs" in data:
        problems.append(DataError(path, "has a 'crs' member; RFC 7946 GeoJSON is always WGS 84 lon/lat"))
    text = path.read_text(encoding="utf-8")
    too_precise = next((m.group() for m in _NUMBER.finditer(text) if len(m.group(1)) > MAX_DECIMALS), None)
    if too_precise:
        problems.append(DataError(path, f"has coordinates with more than {MAX_DECIMALS} decimals (e.g. {too_precise})"))
    for number, feature in enumerate(data["features"]):
        props = feature["properties"]
        where = f"feature #{number} (id {props.get('id')!r})"
        try:
            FeatureProperties.model_validate(props)
        except Exception as err:  # pydantic's ValidationError; worded below
            lines = str(err).splitlines()
            problems.append(DataError(path, f"bad properties: {' '.join(line.strip() for line in lines[1:3])}", where))
            continue
        centroid = props.get("centroid")
        if centroid is not None and not _in_region(*centroid):
            problems.append(DataError(path, f"centroid {list(centroid)} is outside the region {REGION}", where))
        place_id = props["id"]
        if place_id in seen_ids:
            problems.append(DataError(path, f"duplicate id (also in {seen_ids[place_id].name})", where))
        seen_ids[place_id] = path
        if index is not None and place_id not in index:
            problems.append(DataError(path, "id is not in the gazetteer", where))
        try:
            geometry = shape(feature.get("geometry") or {})
        except Exception as err:  # shapely raises several types for malformed geometry
            problems.append(DataError(path, f"geometry cannot be read: {err}", where))
            continue
        if geometry.is_empty:
            problems.append(DataError(path, "geometry is empty", where))
            continue
        if not geometry.is_valid:
            problems.append(DataError(path, f"geometry is invalid: {explain_validity(geometry)}", where))
        minx, miny, maxx, maxy = geometry.bounds
        if minx < REGION[0] or miny < REGION[1] or maxx > REGION[2] or maxy > REGION[3]:
            problems.append(DataError(path, f"geometry leaves the region {REGION}: bounds {geometry.bounds}", where))
        for ring_problem in _winding_problems(geometry):
            problems.append(DataError(path, ring_problem, where))
    return problems


def _winding_problems(geometry) -> list[str]:
    polygons = getattr(geometry, "geoms", [geometry])
    problems = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        if not polygon.exterior.is_ccw:
            problems.append("an exterior ring is clockwise (RFC 7946 wants counter-clockwise)")
        if any(ring.is_ccw for ring in polygon.interiors):
            problems.append("a hole is counter-clockwise (RFC 7946 wants clockwise)")
    return problems


def validate_corpus(folder: Path | None, index: PlaceIndex | None, report: Report) -> list[DataError]:
    try:
        corpus = load_corpus(folder)
        facts = load_facts(corpus.facts_folder)
    except DataError as err:
        return [err]
    problems = list(corpus.problems)
    curated, user = (len(corpus.of_origin(origin)) for origin in ("curated", "user"))
    report.checked.append(
        f"{corpus.facts_folder}: {curated} curated articles" + (" with sources.yaml" if corpus.sources else "")
    )
    if corpus.folder != corpus.facts_folder or user:
        report.checked.append(f"{corpus.folder}: {user} user articles")
    if facts is not None and index is not None:
        anchor_problems = check_anchors(facts, corpus, set(index.by_id))
        problems.extend(anchor_problems)
        if not anchor_problems:
            report.checked.append(f"{facts.path}: {len(facts.accounts())} accounts anchored")
    return problems
