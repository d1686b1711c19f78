"""Read files from disk safely: every way a file can be bad becomes a :class:`DataError`.

One reader per kind of file: text (articles), YAML (curated data, validated against a model)
and GeoJSON. None of them ever writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from explorer.data.errors import DataError

# An article or a data file above this size is refused rather than read: a 100 MB "article" is a
# mistake (a dump, a binary), and reading it would stall the app.
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_DATA_BYTES = 20 * 1024 * 1024

Model = TypeVar("Model", bound=BaseModel)
# libyaml's safe loader parses the gazetteer in a fifth of the time; same data, same error marks.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """Return the file's text, UTF-8 decoded exactly as stored (no newline translation).

    Offsets everywhere in the project index into this string.
    """
    data = read_bytes(path, max_bytes)
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
    return text


def read_yaml(path: Path, model: type[Model], max_bytes: int = MAX_DATA_BYTES) -> Model:
    """Parse a YAML file and validate it against ``model``; errors name the line or the field."""
    text = read_text(path, max_bytes)
    try:
        raw = yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise DataError(path, f"is not valid YAML: {problem}", where) from None
    if not isinstance(raw, dict):
        raise DataError(path, f"must hold a mapping at the top level, not {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        raise DataError(path, _describe_validation(err, raw)) from None


def read_geojson(path: Path, max_bytes: int = MAX_DATA_BYTES) -> dict:
    """Parse a GeoJSON FeatureCollection (structure only; geometry checks live in validate)."""
    text = read_text(path, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(path, f"is not valid JSON: {err.msg}", f"line {err.lineno}, column {err.colno}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError(path, "must be a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError(path, "has no 'features' list")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DataError(path, "is not a GeoJSON Feature", f"feature #{index}")
        if not isinstance(feature.get("properties"), dict) or "id" not in feature["properties"]:
            raise DataError(path, "has no properties.id", f"feature #{index}")
    return data


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused before reading if over ``max_bytes``; never empty."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DataError(path, f"is too large ({size:,} bytes; the limit is {max_bytes:,})")
        with path.open("rb") as handle:
            # Read one byte past the limit: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DataError(path, "does not exist") from None
    except IsADirectoryError:
        raise DataError(path, "is a directory, not a file") from None
    except PermissionError:
        raise DataError(path, "cannot be read (permission denied)") from None
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror})") from None
    if len(data) > max_bytes:
        raise DataError(path, f"is too large (over {max_bytes:,} bytes)")
    if not data:
        raise DataError(path, "is empty (0 bytes)")
    return data


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
