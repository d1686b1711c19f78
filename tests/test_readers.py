"""The readers: every bad file is a DataError naming it; nesting, repeats and sizes are bounded.

Hypothesis generates nested, oversized, mis-typed and escape-laden data files; whatever it makes, a
reader returns a validated model or raises :class:`DataError` whose text names the file, and never
anything else (no RecursionError, no pydantic or YAML exception, no crash).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.data.errors import DataError
from explorer.data.readers import MAX_DEPTH, json_depth, read_geojson, read_json, read_yaml
from explorer.data.schema import CandidateRules, Facts, Gazetteer, Lesson, Sources

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
MODELS = [Gazetteer, Sources, Facts, Lesson, CandidateRules]

# Text a curator would not type: template syntax, Markdown, HTML, control and bidi characters.
NASTY = st.sampled_from(
    ["{{ 7*7 }}", "{% for x in range(3) %}", "![x](http://e.invalid/x.png)", "<script>", "\x1b[2J", "\u202e", "\x00"]
)
TEXT = st.one_of(st.text(max_size=40), NASTY, st.text(min_size=190, max_size=260))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), TEXT)
KEYS = st.one_of(st.sampled_from(["version", "places", "names", "text", "id", "events", "when", "articles"]), TEXT)


def nested(leaf=SCALAR, max_leaves: int = 30):
    return st.recursive(
        leaf,
        lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
        max_leaves=max_leaves,
    )


def deep(depth: int, flow: bool) -> str:
    return ("[" * depth + "]" * depth) if flow else "\n".join("  " * i + "- " for i in range(depth)) + "x"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _read_or_refuse(path: Path, read) -> None:
    try:
        read(path)
    except DataError as err:
        assert path.name in str(err)


@settings(max_examples=60)
@given(data=nested(), model=st.sampled_from(MODELS))
def test_any_yaml_is_a_model_or_a_named_data_error(tmp_path_factory, data, model):
    path = tmp_path_factory.mktemp("yaml") / "data.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _read_or_refuse(path, lambda p: read_yaml(p, model))


@settings(max_examples=40)
@given(data=nested(), envelope=st.booleans())
def test_any_json_is_geojson_or_a_named_data_error(tmp_path_factory, data, envelope):
    if envelope:
        data = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"id": "x"}, "geometry": data}],
        }
    path = tmp_path_factory.mktemp("json") / "layer.geojson"
    path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    _read_or_refuse(path, read_geojson)


@settings(max_examples=25)
@given(depth=st.integers(min_value=1, max_value=60_000), flow=st.booleans())
def test_nesting_is_bounded_before_parsing(tmp_path_factory, depth, flow):
    folder = tmp_path_factory.mktemp("deep")
    text = deep(min(depth, 3000), flow=False) if not flow else deep(depth, flow=True)
    path = _write(folder, "deep.yaml", "version: 1\nplaces: " + ("\n" if not flow else "") + text + "\n")
    levels = depth if flow else min(depth, 3000)
    if levels + 1 > MAX_DEPTH:
        with pytest.raises(DataError, match="nests deeper than"):
            read_yaml(path, Gazetteer)
    else:
        _read_or_refuse(path, lambda p: read_yaml(p, Gazetteer))
    json_path = _write(folder, "deep.geojson", deep(depth, flow=True))
    with pytest.raises(DataError, match="nests deeper than" if depth > MAX_DEPTH else "FeatureCollection"):
        read_geojson(json_path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: 1\nb: 2\na: 3\n", "line 3, column 1: is not valid YAML: duplicate key 'a' (first at line 1)"),
        ("x: {k: 1, k: 2}\n", "duplicate key 'k' (first at line 1)"),
        ("- {id: a, id: b}\n", "duplicate key 'id'"),
        ("a: !!python/object/apply:os.system [ls]\n", "python/object"),
    ],
)
def test_yaml_duplicate_keys_and_tags_are_refused_with_the_line(tmp_path, text, problem):
    path = _write(tmp_path, "dup.yaml", text)
    with pytest.raises(DataError) as caught:
        read_yaml(path, Sources)
    assert problem in str(caught.value) and "dup.yaml" in str(caught.value)


def test_merge_keys_are_not_duplicates(tmp_path):
    from pydantic import BaseModel, ConfigDict

    class Loose(BaseModel):
        model_config = ConfigDict(extra="allow")

    path = _write(tmp_path, "m.yaml", "a: &a {x: 1}\nb:\n  <<: *a\n  x: 2\n")
    assert read_yaml(path, Loose).model_dump()["b"] == {"x": 2}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_are_refused(tmp_path, constant):
    with pytest.raises(DataError, match="not a number JSON allows"):
        read_json(_write(tmp_path, "c.json", f"[{constant}]"))


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": "[[[[[[", "b": [1, [2]]}') == 3
    assert json_depth('"\\"[[["') == 0


@pytest.mark.parametrize("kind", ["fifo", "directory", "dangling", "symlink-not-followed"])
def test_only_regular_files_are_read(tmp_path, kind):
    import os

    from explorer.data.readers import read_text

    path = tmp_path / "x.txt"
    follow = True
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block forever
    elif kind == "directory":
        path.mkdir()
    elif kind == "dangling":
        path.symlink_to(tmp_path / "missing")
    else:
        (tmp_path / "real.txt").write_text("Iturup", encoding="utf-8")
        path.symlink_to(tmp_path / "real.txt")
        follow = False
    with pytest.raises(DataError) as caught:
        read_text(path, follow_symlinks=follow)
    assert "x.txt" in str(caught.value)


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (None, "geometry is null"),
        ({"type": "Point", "coordinates": [1e999, 1]}, "finite"),  # 1e999 parses as inf
        ({"type": "Point", "coordinates": ["1", "2"]}, "finite"),
        ({"type": "Point", "coordinates": [1]}, "[longitude, latitude]"),
        ({"type": "Polygon", "coordinates": [1, 2]}, "nested lists"),
        ({"type": "Polygon", "coordinates": [[[200, 0], [0, 0], [0, 1], [200, 0]]]}, "outside longitude"),
        ({"type": "Circle", "coordinates": [1, 2]}, "is not one of"),
        ({"type": "MultiPolygon", "coordinates": []}, "nested lists"),
    ],
)
def test_geometry_structure_is_checked_for_every_consumer(tmp_path, geometry, problem):
    data = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"id": "x"}, "geometry": geometry}],
    }
    path = _write(tmp_path, "l.geojson", json.dumps(data).replace("Infinity", "1e999"))
    with pytest.raises(DataError, match=problem):
        read_geojson(path)


@pytest.mark.parametrize(
    ("date", "ok"),
    [("2016", True), ("2016-11", True), ("2016-02-29", True), ("2017-02-29", False), ("2016-13", False),
     ("2017-13-45", False), ("٢٠١٦", False), ("２０１６", False), ("2016-1", False), ("0000", False)],
)  # fmt: skip
def test_dates_are_calendar_dates_in_ascii_digits(date, ok):
    from pydantic import ValidationError

    from explorer.data.schema import Article

    fields = {"file": "a.txt", "date": date, "date_status": "printed", "date_basis": "said"}
    if ok:
        assert Article.model_validate(fields).date == date
    else:
        with pytest.raises(ValidationError):
            Article.model_validate(fields)


def test_candidate_rules_model_refuses_unknown_and_mistyped_keys(tmp_path):
    from explorer.corpus.candidates import RULES_PATH, load_rules

    text = RULES_PATH.read_text(encoding="utf-8")
    assert load_rules(RULES_PATH).systems
    for number, (broken, problem) in enumerate(
        [
            (text.replace("default_status: existing", "default_staus: existing"), "default_staus"),
            (text.replace("en: [could,", "en: [no, could,"), "should be a valid string"),
            (
                text.replace("ignore_places: [moscow, tokyo]", "ignore_places: [moscow, tokyo]\nversion: 2"),
                "duplicate key",
            ),
        ]
    ):
        path = _write(tmp_path / str(number), "candidate_rules.yaml", broken)
        with pytest.raises(DataError) as caught:
            load_rules(path)
        assert problem in str(caught.value) and "candidate_rules.yaml" in str(caught.value)
