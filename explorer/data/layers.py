"""The committed GeoJSON layers (islands, region, sites), read once per process. Light: no folium."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from explorer.data.paths import LAYER_FILES
from explorer.data.readers import read_geojson


@cache
def load_layers(paths: tuple[tuple[str, Path], ...] = tuple(LAYER_FILES.items())) -> dict[str, dict]:
    """Layer name -> FeatureCollection, as committed in geodata/."""
    return {name: read_geojson(path) for name, path in paths}
