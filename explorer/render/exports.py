"""Write the curated data in the formats other tools read: GeoJSON, GeoPackage, CSV and JSON-LD.

Every function takes an :class:`~explorer.evidence.Evidence` (filtered or not) and returns bytes, or
writes a path; :func:`export` does either for a format named in :data:`FORMATS`. Output is
deterministic: the same evidence gives the same bytes (no timestamps unless one is passed in).
Formats, fields and choices are documented in ``docs/exports.md``.

Facts follow the evidence's filter: only accounts from articles in ``evidence.files`` are written.

The data is written as data: nothing is HTML-escaped in CSV or JSON. CSV cells that a spreadsheet
would run as a formula (starting with ``= + - @``, a tab or a carriage return, after any leading
apostrophes) get one leading apostrophe; :func:`csv_cell_value` undoes it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from explorer import __version__
from explorer.corpus.facts import facts_json, make_quote
from explorer.data.layers import load_layers
from explorer.data.schema import Place
from explorer.evidence import Evidence
from explorer.text.linking import Link

URN = "urn:kuril-explorer"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# Where write_jsonld puts the article texts its targets point to (relative to the export).
ARTICLES_DIR = "kuril-explorer-articles"
SOFTWARE = {"id": f"{URN}:software", "type": "Software", "name": f"Kuril explorer {__version__}"}
CURATORS = {"id": f"{URN}:curators", "type": "Organization", "name": "Kuril explorer curators (facts.yaml)"}
COORDINATE_DECIMALS = 6
# GeoPackage requires a last-change time in gpkg_contents; this fixed one keeps the file reproducible.
GPKG_DEFAULT_TIMESTAMP = "2000-01-01T00:00:00.000Z"
GPKG_VERSION = "1.2"

LINK_COLUMNS = ["file", "place", "start", "end", "text", "kind", "alias", "rule", "passage", "flags", "alias_lang"]
FACT_COLUMNS = [
    "id",
    "event",
    "title",
    "file",
    "what",
    "category",
    "where",
    "when",
    "when_precision",
    "when_basis",
    "who",
    "status",
    "count",
    "quote",
    "prefix",
    "suffix",
    "start",
    "end",
]
PLACE_PROPERTIES = [
    "id",
    "layer",
    "kind",
    "parent",
    "disputed",
    "administrator",
    "claimant",
    "administered_by",
    "claimed_by",
    "name_en",
    "name_ja",
    "name_ru",
    "all_names",
    "area_km2",
    "passages",
    "mentions",
    "facts",
]
LIST_SEPARATOR = ";"  # flags and where in CSV
NAMES_SEPARATOR = " | "  # all_names in GeoPackage (GeoJSON keeps an array)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# --- GeoJSON --------------------------------------------------------------------------------------


def place_features(evidence: Evidence) -> list[dict]:
    """One GeoJSON feature per place of the islands, region and sites layers, with export properties.

    ``all_names`` is a list here; features without a gazetteer entry are left out.
    """
    gazetteer = evidence.gazetteer
    passages = evidence.passage_counts()
    features = []
    for layer in ("islands", "region", "sites"):
        for feature in load_layers()[layer]["features"]:
            source = feature["properties"]
            place = gazetteer.by_id.get(source["id"])
            if place is None:
                continue
            properties = {
                "id": place.id,
                "layer": layer,
                "kind": place.kind,
                "parent": place.parent,
                "disputed": place.disputed,
                "administrator": place.administrator,
                "claimant": place.claimant,
                "administered_by": place.administered_by,
                "claimed_by": place.claimed_by,
                "name_en": _official(place, "en"),
                "name_ja": _official(place, "ja"),
                "name_ru": _official(place, "ru"),
                "all_names": _all_names(place),
                "area_km2": source.get("area_km2"),
                "passages": passages.get(place.id, 0),
                "mentions": len(evidence.links_for(place.id)),
                "facts": sum(len(accounts) for _, accounts in evidence.events_at(place.id)),
            }
            features.append(
                {
                    "type": "Feature",
                    "id": place.id,
                    "properties": properties,
                    "geometry": _round_geometry(feature["geometry"]),
                }
            )
    return features


def geojson_bytes(evidence: Evidence) -> bytes:
    """An RFC 7946 FeatureCollection (lon/lat on WGS84, CCW outer rings, no ``crs`` member), UTF-8."""
    collection = {"type": "FeatureCollection", "features": place_features(evidence)}
    return (json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _official(place: Place, lang: str) -> str | None:
    """The first official name in ``lang`` (any script), else its first name in ``lang``, else None."""
    names = sorted((name for name in place.names if name.lang == lang), key=lambda name: name.kind != "official")
    return names[0].text if names else None


def _all_names(place: Place) -> list[str]:
    seen: list[str] = []
    for name in place.names:
        if name.text not in seen:
            seen.append(name.text)
    return seen


def _round_geometry(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, (int, float)):
            rounded = round(float(value), COORDINATE_DECIMALS)
            return 0.0 if rounded == 0 else rounded  # no "-0.0"
        return [walk(item) for item in value]

    if geometry["type"] == "GeometryCollection":
        return {"type": geometry["type"], "geometries": [_round_geometry(g) for g in geometry["geometries"]]}
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


# --- GeoPackage -----------------------------------------------------------------------------------


def write_gpkg(evidence: Evidence, path: Path, timestamp: str | None = None) -> Path:
    """A GeoPackage with layers ``places`` (islands and region polygons) and ``sites`` (points).

    EPSG:4326, the same properties as the GeoJSON (``all_names`` joined with " | "). GeoPackage
    stores a last-change time; it is ``timestamp`` (ISO 8601, e.g. ``2024-05-01T12:00:00.000Z``) or
    the fixed :data:`GPKG_DEFAULT_TIMESTAMP`, so the same evidence gives the same file.
    """
    import geopandas
    import pyogrio

    path = Path(path)
    if path.exists():
        path.unlink()  # a fresh file: appending layers to an old one would not be reproducible
    features = place_features(evidence)
    for feature in features:
        feature["properties"]["all_names"] = NAMES_SEPARATOR.join(feature["properties"]["all_names"])
    layers = {
        "places": [f for f in features if f["properties"]["layer"] in ("islands", "region")],
        "sites": [f for f in features if f["properties"]["layer"] == "sites"],
    }
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": timestamp or GPKG_DEFAULT_TIMESTAMP})
    try:
        for name, rows in layers.items():
            frame = geopandas.GeoDataFrame.from_features(rows, crs="EPSG:4326", columns=[*PLACE_PROPERTIES, "geometry"])
            frame = frame.astype({"passages": "int64", "mentions": "int64", "facts": "int64", "disputed": "bool"})
            # GeoPackage 1.2, not the 1.4 of the GDAL in the pyogrio wheel: GDAL 3.6 (Debian 12, many
            # QGIS installs) warns on 1.4 and its validate_gpkg.py fails (rtree trigger).
            options = {"dataset_options": {"VERSION": GPKG_VERSION}} if not path.exists() else {}
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", **options)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return path


def gpkg_bytes(evidence: Evidence, timestamp: str | None = None) -> bytes:
    """The GeoPackage as bytes (written to a temporary file first: SQLite needs a file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return write_gpkg(evidence, Path(folder) / "places.gpkg", timestamp).read_bytes()


# --- CSV ------------------------------------------------------------------------------------------


def csv_safe(value: object) -> str:
    """A cell's text: None -> "", lists joined with ";", and a formula-looking text defused with ``'``."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = LIST_SEPARATOR.join(str(item) for item in value)
    else:
        text = str(value)
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text


def csv_cell_value(cell: str) -> str:
    """Undo :func:`csv_safe`'s apostrophe: the exact text that was exported."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_TRIGGERS):
        return cell[1:]
    return cell


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(row[column]) for column in columns])
    # UTF-8 with a byte-order mark: Excel reads UTF-8 only with it; LibreOffice, pandas and csv take both.
    return buffer.getvalue().encode("utf-8-sig")


def link_rows(links: list[Link]) -> list[dict]:
    return [link.as_json() for link in links]


def csv_links_bytes(evidence: Evidence) -> bytes:
    """Every link, one row each, columns :data:`LINK_COLUMNS`."""
    return _csv(LINK_COLUMNS, link_rows(evidence.links))


def fact_rows(evidence: Evidence) -> list[dict]:
    """``facts_json``'s facts for the accounts from articles in the evidence (none without facts)."""
    if evidence.facts is None:
        return []
    files = evidence.files
    return [row for row in facts_json(evidence.facts)["facts"] if row["file"] in files]


def csv_facts_bytes(evidence: Evidence) -> bytes:
    """Every fact account, one row each, columns :data:`FACT_COLUMNS` (``where`` joined with ";")."""
    return _csv(FACT_COLUMNS, fact_rows(evidence))


# --- JSON-LD (W3C Web Annotation) -----------------------------------------------------------------


def source_urn(file: str) -> str:
    return f"{URN}:corpus:{quote(file, safe='')}"


def place_urn(place_id: str) -> str:
    return f"{URN}:place:{place_id}"


def article_href(file: str, articles_dir: str = ARTICLES_DIR) -> str:
    """The relative URL of an article's text written beside the export (``<articles_dir>/<file>``)."""
    return f"{quote(articles_dir)}/{quote(file, safe='')}"


def default_created() -> str:
    """Now (UTC, to the second), or ``$SOURCE_DATE_EPOCH`` when set (reproducible builds' convention)."""
    import datetime as dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Annotator:
    """Builds one annotation at a time (the export streams them; nothing holds them all)."""

    def __init__(self, evidence: Evidence, created: str, articles_dir: str) -> None:
        self.created = created
        self.articles_dir = articles_dir
        self.documents = {doc.file: doc for doc in evidence.corpus.documents}

    def source(self, file: str) -> str:
        """Where a client can open the article: its URL when known, else the text beside the export."""
        document = self.documents.get(file)
        url = document.article.url if document and document.article else None
        return url or article_href(file, self.articles_dir)

    def target(self, file: str, start: int, end: int, quoted: dict | None = None) -> dict:
        if quoted is None:
            document = self.documents.get(file)
            quoted = make_quote(document.text, start, end) if document else {"exact": "", "prefix": "", "suffix": ""}
        return {
            "source": self.source(file),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": quoted["exact"],
                    "prefix": quoted["prefix"],
                    "suffix": quoted["suffix"],
                },
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        }

    def link(self, link: Link) -> dict:
        why = f"rule: {link.rule}; alias: {link.alias}; kind: {link.kind}"
        if link.flags:
            why += f"; flags: {','.join(link.flags)}"
        body: list[dict] = [
            {"type": "SpecificResource", "source": place_urn(link.place), "purpose": "identifying"},
            {"type": "TextualBody", "value": why, "format": "text/plain", "purpose": "tagging"},
        ]
        return {
            "id": f"{URN}:link:{quote(link.file, safe='')}:{link.start}-{link.end}:{link.place}",
            "type": "Annotation",
            "motivation": "identifying",
            "creator": SOFTWARE,
            "created": self.created,
            "body": body,
            "target": self.target(link.file, link.start, link.end),
        }

    def fact(self, row: dict) -> dict:
        when = row["when"] or "date unknown"
        value = f"{row['what']} — status: {row['status']}; when: {when}"
        if row["who"]:
            value += f"; who: {row['who']}"
        if row["count"] is not None:
            value += f"; count: {row['count']}"
        body: list[dict] = [
            {"type": "TextualBody", "value": value, "format": "text/plain", "purpose": "describing"},
            {"type": "TextualBody", "value": row["category"], "format": "text/plain", "purpose": "tagging"},
            *(
                {"type": "SpecificResource", "source": place_urn(place), "purpose": "identifying"}
                for place in row["where"]
            ),
        ]
        quoted = {"exact": row["quote"], "prefix": row["prefix"], "suffix": row["suffix"]}
        return {
            "id": f"{URN}:fact:{quote(row['id'], safe='')}",
            "type": "Annotation",
            "motivation": "describing",
            "creator": CURATORS,
            "created": self.created,
            "body": body,
            "target": self.target(row["file"], row["start"], row["end"], quoted),
        }


def annotation_items(
    evidence: Evidence, created: str | None = None, articles_dir: str = ARTICLES_DIR
) -> Iterator[dict]:
    """One annotation per link (identifying), then one per fact account (describing), lazily."""
    annotator = _Annotator(evidence, created or default_created(), articles_dir)
    for link in evidence.links:
        yield annotator.link(link)
    for row in fact_rows(evidence):
        yield annotator.fact(row)


def jsonld_chunks(evidence: Evidence, created: str | None = None, articles_dir: str = ARTICLES_DIR) -> Iterator[str]:
    """The ``AnnotationCollection`` as text pieces, one annotation per piece (memory stays bounded)."""
    created = created or default_created()
    collection_id = f"{URN}:annotations:{evidence.corpus.sha256}"
    total = len(evidence.links) + len(fact_rows(evidence))
    label = "Kuril explorer: place mentions and fact accounts"
    head = {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "creator": SOFTWARE,
        "created": created,
    }
    page = {
        "id": f"{collection_id}:page:0",
        "type": "AnnotationPage",
        "partOf": {"id": collection_id, "type": "AnnotationCollection", "label": label, "total": total},
        "startIndex": 0,
    }
    dump = json.dumps
    yield dump(head, ensure_ascii=False)[:-1] + ',\n "first": ' + dump(page, ensure_ascii=False)[:-1] + ', "items": ['
    separator = "\n  "
    for item in annotation_items(evidence, created, articles_dir):
        yield separator + dump(item, ensure_ascii=False, separators=(",", ":"))
        separator = ",\n  "
    yield "\n ]}}\n"


def jsonld_bytes(evidence: Evidence, created: str | None = None, articles_dir: str = ARTICLES_DIR) -> bytes:
    """A W3C Web Annotation ``AnnotationCollection`` with all annotations on one ``AnnotationPage``.

    Its id names the corpus by hash, so the same data gives the same id. ``created`` (ISO 8601) is
    the collection's and every annotation's; by default :func:`default_created`.
    """
    return "".join(jsonld_chunks(evidence, created, articles_dir)).encode("utf-8")


def write_jsonld(evidence: Evidence, path: Path, created: str | None = None) -> list[Path]:
    """Stream the JSON-LD to ``path`` and write the texts it points to into ``<stem>-articles/``
    beside it (those without a URL), so every target opens. Returns both paths."""
    path = Path(path)
    articles_dir = f"{path.stem}-articles"
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for chunk in jsonld_chunks(evidence, created, articles_dir):
            out.write(chunk)
    folder = path.parent / articles_dir
    folder.mkdir(exist_ok=True)
    for document in evidence.corpus.documents:
        if not (document.article and document.article.url):
            (folder / document.file).write_text(document.text, encoding="utf-8", newline="")
    return [path, folder]


# --- One entry point ------------------------------------------------------------------------------


def _writer(render: Callable[[Evidence], bytes]) -> Callable[[Evidence, Path], list[Path]]:
    def write(evidence: Evidence, path: Path) -> list[Path]:
        path.write_bytes(render(evidence))
        return [path]

    return write


# format -> (file suffix, MIME type, description, writer)
FORMATS: dict[str, tuple[str, str, str, Callable[[Evidence, Path], list[Path]]]] = {
    "geojson": (".geojson", "application/geo+json", "places with names and counts (RFC 7946)", _writer(geojson_bytes)),
    "gpkg": (
        ".gpkg",
        "application/geopackage+sqlite3",
        "places and sites as a GeoPackage (QGIS)",
        lambda e, p: [write_gpkg(e, p)],
    ),
    "csv-links": (".links.csv", "text/csv", "every place mention in the articles", _writer(csv_links_bytes)),
    "csv-facts": (".facts.csv", "text/csv", "every fact account with its quote", _writer(csv_facts_bytes)),
    "jsonld": (".jsonld", "application/ld+json", "W3C Web Annotations of mentions and facts", write_jsonld),
}


def export_bytes(evidence: Evidence, fmt: str) -> bytes:
    """The export as bytes (for download buttons). Raises ValueError for an unknown format."""
    renderers: dict[str, Callable[[Evidence], bytes]] = {
        "geojson": geojson_bytes,
        "gpkg": gpkg_bytes,
        "csv-links": csv_links_bytes,
        "csv-facts": csv_facts_bytes,
        "jsonld": jsonld_bytes,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    return renderers[fmt](evidence)


def export(evidence: Evidence, fmt: str, out: Path) -> list[Path]:
    """Write format ``fmt`` (a key of :data:`FORMATS`, or ``all``) and return the files written.

    ``out`` is the file to write; when it is an existing folder (always, for ``all``) each format
    goes inside it as ``kuril-explorer<suffix>``.
    """
    out = Path(out)
    if fmt == "all":
        out.mkdir(parents=True, exist_ok=True)
        return [path for name in FORMATS for path in export(evidence, name, out)]
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)}, all)")
    suffix, _, _, write = FORMATS[fmt]
    path = out / f"kuril-explorer{suffix}" if out.is_dir() else out
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(evidence, path)
