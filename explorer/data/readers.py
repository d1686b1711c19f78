"""Read files from disk safely: every way a file can be bad becomes a :class:`DataError`.

One reader per kind of file: text (articles), YAML (curated data, validated against a model)
and GeoJSON. None of them ever writes.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from explorer.data.errors import DataError

# An article or a data file above this size is refused rather than read: a 100 MB "article" is a
# mistake (a dump, a binary), and reading it would stall the app.
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_DATA_BYTES = 20 * 1024 * 1024

# Nesting deeper than this is refused before parsing: curated files nest at most 9 levels (a GeoJSON
# MultiPolygon); libyaml dies with SIGSEGV near 25,000 and json raises RecursionError near 1,000.
MAX_DEPTH = 64

Model = TypeVar("Model", bound=BaseModel)
# libyaml's safe loader parses the gazetteer in a fifth of the time; same data, same error marks.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _CheckedLoader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, refusing a mapping that repeats a key (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: construct_mapping below says so
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {str(key)[:80]!r} (first at line {first})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def is_text_encoding(name: str) -> bool:
    """Whether ``name`` is a codec that decodes bytes to text (rot13, base64 and undefined are not)."""
    try:
        b"ab".decode(name)
    except UnicodeDecodeError:
        return True  # a real text encoding that merely cannot decode these two bytes (utf-32)
    except (LookupError, UnicodeError, TypeError, ValueError):
        return False
    return True


def read_text(
    path: Path, max_bytes: int = MAX_TEXT_BYTES, follow_symlinks: bool = True, require_words: bool = True
) -> str:
    """Return the file's text, UTF-8 decoded exactly as stored (no newline translation).

    Offsets everywhere in the project index into this string. ``require_words`` refuses text with no
    letter or digit (an "article" of zero-width characters); data files are checked by their parser.
    """
    data = read_bytes(path, max_bytes, follow_symlinks)
    if b"\x00" in data[:8192]:
        raise DataError(path, "looks like a binary file (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(
            path, f"is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start} cannot be decoded)"
        ) from None
    if not text.strip():
        raise DataError(path, "is empty (no text besides whitespace)")
    if require_words and not any(ch.isalnum() for ch in text):
        raise DataError(path, "has no letters or digits (only spaces, punctuation or invisible characters)")
    return text


def read_yaml(path: Path, model: type[Model], max_bytes: int = MAX_DATA_BYTES) -> Model:
    """Parse a YAML file and validate it against ``model``; errors name the line or the field.

    Refused before any object is built: nesting deeper than :data:`MAX_DEPTH`. Refused while
    building: a repeated key in a mapping (with both lines).
    """
    text = read_text(path, max_bytes, require_words=False)
    try:
        _check_yaml_depth(path, text)
        raw = yaml.load(text, Loader=_CheckedLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise DataError(path, f"is not valid YAML: {problem}", where) from None
    except RecursionError:
        raise DataError(path, f"nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(raw, dict):
        raise DataError(path, f"must hold a mapping at the top level, not {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise DataError(path, _describe_validation(err, raw)) from None


def _check_yaml_depth(path: Path, text: str) -> None:
    """Walk libyaml's events (a flat stream, no recursion) and stop at the first level too deep."""
    depth = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                where = f"line {mark.line + 1}" if mark is not None else None
                raise DataError(path, f"nests deeper than {MAX_DEPTH} levels", where)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text``, without parsing it (linear)."""
    brackets = re.sub(r"[^\[\]{}]+", "", _JSON_STRING.sub("", text))
    return max(itertools.accumulate(_BRACKET_STEP[ord(ch)] for ch in brackets), default=0)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(path: Path, max_bytes: int = MAX_DATA_BYTES) -> object:
    """Parse a JSON file: size and nesting limited before parsing; NaN and Infinity refused."""
    text = read_text(path, max_bytes, require_words=False)
    if json_depth(text) > MAX_DEPTH:
        raise DataError(path, f"nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise DataError(path, f"is not valid JSON: {err.msg}", f"line {err.lineno}, column {err.colno}") from None
    except ValueError as err:
        raise DataError(path, f"is not valid JSON: {err}") from None
    except RecursionError:
        raise DataError(path, f"nests deeper than {MAX_DEPTH} levels") from None


def read_geojson(path: Path, max_bytes: int = MAX_DATA_BYTES) -> dict:
    """Parse a GeoJSON FeatureCollection; every feature has properties.id and a readable geometry.

    Geometry is checked for structure here (type, coordinate nesting, finite numbers) so that no
    consumer meets a null geometry, a string or a NaN; validity and bounds are checked by validate.
    """
    data = read_json(path, max_bytes)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError(path, "must be a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError(path, "has no 'features' list")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DataError(path, "is not a GeoJSON Feature", f"feature #{index}")
        props = feature.get("properties")
        if not isinstance(props, dict) or not isinstance(props.get("id"), str):
            raise DataError(path, "has no properties.id (text)", f"feature #{index}")
        problem = geometry_problem(feature.get("geometry"))
        if problem:
            raise DataError(path, problem, f"feature #{index} (id {props['id'][:80]!r})")
    return data


# Nesting of coordinates by geometry type: a Point is [x, y], a MultiPolygon [[[[x, y], ...]]].
_COORDINATE_DEPTH = {
    "Point": 0,
    "LineString": 1,
    "MultiPoint": 1,
    "Polygon": 2,
    "MultiLineString": 2,
    "MultiPolygon": 3,
}


def geometry_problem(geometry: object) -> str | None:
    """What is wrong with a GeoJSON geometry's structure, or None (finite lon/lat pairs, no nulls)."""
    if geometry is None:
        return "geometry is null"
    if not isinstance(geometry, dict) or geometry.get("type") not in _COORDINATE_DEPTH:
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return f"geometry type {str(kind)[:40]!r} is not one of {', '.join(_COORDINATE_DEPTH)}"
    level: list[Any] = [geometry.get("coordinates")]
    for _ in range(_COORDINATE_DEPTH[geometry["type"]]):
        if not all(isinstance(item, list) and item for item in level):
            return f"{geometry['type']} coordinates are not nested lists as GeoJSON wants"
        level = [inner for item in level for inner in item]
    for position in level:
        if not isinstance(position, list) or len(position) not in (2, 3):
            return "a position is not [longitude, latitude]"
        if not all(type(number) in (int, float) and math.isfinite(number) for number in position):
            return f"a position holds something other than finite numbers: {str(position)[:80]}"
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return f"a position is outside longitude -180..180, latitude -90..90: {position[:2]}"
    return None


def read_bytes(path: Path, max_bytes: int, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file, refused before reading if over ``max_bytes``; never empty.

    A FIFO, socket or device is refused by name before it is opened (opening a FIFO blocks until a
    writer comes); the file is then opened without blocking and checked again, so a swap between
    the check and the open cannot slip one in. ``follow_symlinks=False`` refuses a symbolic link.
    """
    path = Path(path)
    try:
        info = path.stat() if follow_symlinks else path.lstat()
    except FileNotFoundError:
        if path.is_symlink():
            raise DataError(path, "is a symbolic link to a file that does not exist") from None
        raise DataError(path, "does not exist") from None
    except PermissionError:
        raise DataError(path, "cannot be read (permission denied)") from None
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror or err})") from None
    problem = file_kind_problem(info.st_mode)
    if problem:
        raise DataError(path, problem)
    if info.st_size > max_bytes:
        raise DataError(path, f"is too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except PermissionError:
        raise DataError(path, "cannot be read (permission denied)") from None
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror or err})") from None
    with os.fdopen(descriptor, "rb") as handle:
        problem = file_kind_problem(os.fstat(descriptor).st_mode)
        if problem:
            raise DataError(path, problem)
        try:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
        except OSError as err:
            raise DataError(path, f"cannot be read ({err.strerror or err})") from None
    if len(data) > max_bytes:
        raise DataError(path, f"is too large (over {max_bytes:,} bytes)")
    if not data:
        raise DataError(path, "is empty (0 bytes)")
    return data


def file_kind_problem(mode: int) -> str | None:
    """Why a file of this ``st_mode`` is not read as data (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    kinds = {
        stat.S_ISDIR: "is a directory, not a file",
        stat.S_ISLNK: "is a symbolic link (links are not followed here)",
        stat.S_ISFIFO: "is a FIFO (named pipe), not a regular file; refused",
        stat.S_ISSOCK: "is a socket, not a regular file; refused",
        stat.S_ISCHR: "is a character device, not a regular file; refused",
        stat.S_ISBLK: "is a block device, not a regular file; refused",
    }
    return next((problem for test, problem in kinds.items() if test(mode)), "is not a regular file; refused")


def _describe_validation(err: ValidationError, raw: dict) -> str:
    """Turn pydantic's errors into lines a curator can act on: the field path, the id, the problem."""
    lines = []
    for item in err.errors()[:10]:
        location = _location(item["loc"], raw)
        lines.append(f"{location}: {item['msg']}")
    more = err.error_count() - len(lines)
    if more > 0:
        lines.append(f"... and {more} more problem(s)")
    return "invalid data:\n  " + "\n  ".join(lines)


def _location(loc: tuple, raw: object) -> str:
    """``places[3].names[0].lang`` plus the id of the record when there is one (``places[3] 'iturup'``)."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                parts[-1] += f" (id {node['id']!r})"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "top level"
