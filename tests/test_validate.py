"""``python -m explorer validate``: passes on the repo, and names the file and the problem for each broken input.

Each broken input is a copy of the real data with one thing broken, so the fixtures follow the schema.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.data.errors import DataError
from explorer.data.readers import read_geojson, read_text, read_yaml
from explorer.data.schema import Gazetteer, Systems

ROOT = Path(__file__).resolve().parents[1]


def run_validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "explorer", "validate", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of geodata/ and seeds/ under tmp_path."""
    shutil.copytree(ROOT / "geodata", tmp_path / "geodata")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds", ignore=shutil.ignore_patterns(".cache"))
    for path in (tmp_path / "seeds").iterdir():
        path.chmod(0o644)
    return tmp_path


def validate_copy(root: Path) -> subprocess.CompletedProcess:
    return run_validate(
        "--gazetteer",
        str(root / "geodata/gazetteer.yaml"),
        "--geodata",
        str(root / "geodata"),
        "--corpus",
        str(root / "seeds"),
    )


def test_repository_data_is_valid() -> None:
    result = run_validate()
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    assert "Traceback" not in result.stderr


def test_validate_lists_the_systems_gazetteer(data_copy: Path) -> None:
    result = validate_copy(data_copy)
    assert result.returncode == 0, result.stderr
    systems = data_copy / "geodata/systems.yaml"
    entries = len(read_yaml(systems, Systems).systems)
    assert f"ok: {systems}: {entries} systems valid" in result.stdout.splitlines()


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture broken: {old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _edit_geojson(path: Path, edit) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _shift_anchor(path: Path, place_id: str) -> None:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    place = next(p for p in data["places"] if p["id"] == place_id)
    place["anchor"] = [-147.9, 45.0]  # a lost minus sign: Iturup in the Pacific off North America
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _nan_centroid(data: dict) -> None:
    data["features"][0]["properties"]["centroid"] = [float("nan"), 45.0]


def _first(data: dict, place_id: str) -> dict:
    return next(f for f in data["features"] if f["properties"]["id"] == place_id)


BROKEN = {
    "malformed gazetteer YAML": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "places:", "places: [unclosed"),
        "gazetteer.yaml",
        "not valid YAML",
    ),
    "empty gazetteer": (lambda root: (root / "geodata/gazetteer.yaml").write_bytes(b""), "gazetteer.yaml", "empty"),
    "gazetteer not UTF-8": (
        lambda root: (root / "geodata/gazetteer.yaml").write_bytes("places: Итуруп".encode("cp1251")),
        "gazetteer.yaml",
        "not UTF-8",
    ),
    "duplicate place id": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "id: kunashir\n", "id: iturup\n"),
        "gazetteer.yaml",
        "duplicate id 'iturup'",
    ),
    "unknown parent id": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "parent: habomai", "parent: habomay"),
        "gazetteer.yaml",
        "unknown place id 'habomay'",
    ),
    "name with an unknown language": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "lang: ru", "lang: russian"),
        "gazetteer.yaml",
        "lang",
    ),
    "malformed GeoJSON": (
        lambda root: (root / "geodata/islands.geojson").write_text(
            '{"type": "FeatureCollection", "features": [', encoding="utf-8"
        ),
        "islands.geojson",
        "not valid JSON",
    ),
    "empty GeoJSON": (lambda root: (root / "geodata/region.geojson").write_bytes(b""), "region.geojson", "empty"),
    "GeoJSON feature with an id unknown to the gazetteer": (
        lambda root: _edit_geojson(
            root / "geodata/islands.geojson", lambda d: _first(d, "urup")["properties"].update(id="uruppp")
        ),
        "islands.geojson",
        "not in the gazetteer",
    ),
    "duplicate GeoJSON id": (
        lambda root: _edit_geojson(
            root / "geodata/islands.geojson", lambda d: _first(d, "urup")["properties"].update(id="iturup")
        ),
        "islands.geojson",
        "duplicate id",
    ),
    "geometry outside the region": (
        lambda root: _edit_geojson(
            root / "geodata/sites.geojson",
            lambda d: d["features"][0].update(geometry={"type": "Point", "coordinates": [2.35, 48.85]}),
        ),
        "sites.geojson",
        "leaves the region",
    ),
    "invalid geometry": (
        lambda root: _edit_geojson(
            root / "geodata/islands.geojson",
            lambda d: _first(d, "urup").update(
                geometry={"type": "Polygon", "coordinates": [[[150, 45], [151, 46], [151, 45], [150, 46], [150, 45]]]}
            ),
        ),
        "islands.geojson",
        "invalid",
    ),
    "clockwise exterior ring": (
        lambda root: _edit_geojson(
            root / "geodata/islands.geojson",
            lambda d: _first(d, "urup").update(
                geometry={"type": "Polygon", "coordinates": [[[150, 45], [150, 46], [151, 46], [151, 45], [150, 45]]]}
            ),
        ),
        "islands.geojson",
        "clockwise",
    ),
    "fact quote not in its article": (
        lambda root: _replace(
            root / "seeds/facts.yaml", "exact: In November, land-to-air", "exact: In December, land-to-air"
        ),
        "facts.yaml",
        "kurils-missiles-2016",
    ),
    "sources.yaml names a missing article": (
        lambda root: _replace(root / "seeds/sources.yaml", "file: 000_bfc62806fc5b3d83.txt", "file: 999_missing.txt"),
        "sources.yaml",
        "999_missing.txt",
    ),
    "binary article in the corpus": (
        lambda root: (root / "seeds/zz_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        "zz_binary.txt",
        "binary",
    ),
    "non-UTF-8 article in the corpus": (
        lambda root: (root / "seeds/zz_latin1.txt").write_bytes("Kunashiri — café".encode("latin-1", "replace")),
        "zz_latin1.txt",
        "not UTF-8",
    ),
    # Issue 11: a second names: key under Iturup silently left it with one name.
    "repeated key in a place": (
        lambda root: _replace(
            root / "geodata/gazetteer.yaml",
            "  - id: iturup\n",
            "  - id: iturup\n    names:\n      - {text: Iturup, lang: en, script: Latn, kind: official}\n",
        ),
        "gazetteer.yaml",
        "duplicate key 'names' (first at line",
    ),
    "unknown key in a name": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "kind: official}", "kind: official, lnk: false}"),
        "gazetteer.yaml",
        "lnk",
    ),
    # Issue 10: dates, coordinates and sizes that used to pass.
    "month 13 in facts": (
        lambda root: _replace(root / "seeds/facts.yaml", "when: '2016-11'", "when: '2016-13'"),
        "facts.yaml",
        "'2016-13' is not a calendar date",
    ),
    "full-width digits in a date": (
        lambda root: _replace(root / "seeds/sources.yaml", "date: '2017-03-20'", "date: '２０１７-03-20'"),
        "sources.yaml",
        "should match pattern",
    ),
    "NaN anchor": (
        lambda root: _replace(root / "geodata/gazetteer.yaml", "anchor: [37.6173, 55.7558]", "anchor: [.nan, 55.7558]"),
        "gazetteer.yaml",
        "finite number",
    ),
    "anchor outside the region": (
        lambda root: _shift_anchor(root / "geodata/gazetteer.yaml", "iturup"),
        "gazetteer.yaml",
        "is outside the region",
    ),
    "NaN centroid": (
        lambda root: _edit_geojson(root / "geodata/islands.geojson", _nan_centroid),
        "islands.geojson",
        "not a number JSON allows",
    ),
    "null geometry": (
        lambda root: _edit_geojson(
            root / "geodata/sites.geojson", lambda data: data["features"][0].update(geometry=None)
        ),
        "sites.geojson",
        "geometry is null",
    ),
    "nesting 30,000 deep": (
        lambda root: (root / "geodata/gazetteer.yaml").write_text("places: " + "[" * 30000 + "]" * 30000),
        "gazetteer.yaml",
        "nests deeper than 64 levels",
    ),
    # Issue 12: the systems gazetteer is checked like the other data files.
    "unknown category in the systems gazetteer": (
        lambda root: _replace(root / "geodata/systems.yaml", "category: exercise", "category: picnic"),
        "systems.yaml",
        "category: Input should be",
    ),
    "repeated system id": (
        lambda root: _replace(root / "geodata/systems.yaml", "  - id: bal\n", "  - id: bastion\n"),
        "systems.yaml",
        "duplicate id (also systems[1])",
    ),
    "system without names": (
        lambda root: _replace(
            root / "geodata/systems.yaml", "names: {en: [Buk, Buk-M3], ru: [Бук*], ja: [ブーク]}", "names: {}"
        ),
        "systems.yaml",
        "(id 'buk'): has no names in any language",
    ),
    "system name that is only a marker": (
        lambda root: _replace(
            root / "geodata/systems.yaml", "names: {en: [Buk, Buk-M3], ru: [Бук*], ja: [ブーク]}", "names: {en: ['*']}"
        ),
        "systems.yaml",
        "bad names: keywords must be text",
    ),
    "empty article in the corpus": (
        lambda root: (root / "seeds/zz_empty.txt").write_bytes(b""),
        "zz_empty.txt",
        "empty",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_broken_input_is_named_without_a_traceback(data_copy: Path, case: str) -> None:
    breaker, file_name, phrase = BROKEN[case]
    breaker(data_copy)
    result = validate_copy(data_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    problem_lines = [line for line in result.stderr.splitlines() if file_name in line]
    assert problem_lines, result.stderr
    assert phrase in result.stderr, result.stderr


def test_broken_inputs_leave_curated_files_untouched(data_copy: Path) -> None:
    def curated() -> dict[str, bytes]:
        return {
            p.name: p.read_bytes() for folder in ("seeds", "geodata") for p in (ROOT / folder).iterdir() if p.is_file()
        }

    before = curated()
    (data_copy / "seeds/zz_binary.txt").write_bytes(b"\x00\x01\x02")
    validate_copy(data_copy)
    assert curated() == before


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # 100 MB, sparse: cheap to create
    with pytest.raises(DataError, match="too large"):
        read_text(huge)


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"- just\n- a list\n", "mapping at the top level"),
        (b"version: 1\nviews: {}\nplaces: []\n", "places"),
        (b"version: 1\nviews: {}\nplaces:\n  - id: Bad Id\n", "places[0]"),
        (b"\xff\xfe\x00", "binary"),
        (b"a: [1, 2\n", "line 2"),
        (b"!!python/object/apply:os.system ['true']\n", "not valid YAML"),  # safe_load refuses code
    ],
)
def test_yaml_reader_messages(tmp_path: Path, content: bytes, phrase: str) -> None:
    path = tmp_path / "gazetteer.yaml"
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_yaml(path, Gazetteer)
    assert str(path) in str(caught.value)
    assert phrase in str(caught.value)


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection"}', "features"),
        ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}', "properties.id"),
        ("[1, 2", "not valid JSON"),
    ],
)
def test_geojson_reader_messages(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "layer.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=phrase):
        read_geojson(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(DataError, match="directory"):
        read_text(tmp_path)
