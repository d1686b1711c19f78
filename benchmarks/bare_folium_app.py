"""The peer page for ``bench_app.py``: the least a Streamlit + folium + streamlit-folium page can do with
the explorer's map — the same islands and neighbouring land, clickable, the clicked id written out.

No tiles and no CDN: Leaflet comes from the same pinned package as the explorer's, copied by
``explorer.render.leaflet_assets.static_urls`` into ``benchmarks/static/`` (Streamlit serves the ``static``
folder beside the main script; that folder ignores itself in git). Run from the repository root, so
that ``.streamlit/config.toml`` turns static serving on::

    .venv/bin/python -m streamlit run benchmarks/bare_folium_app.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from explorer.render.leaflet_assets import static_urls  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
# The map is drawn inside the component's iframe at /component/streamlit_folium.st_folium/index.html,
# so a relative URL must climb two levels to reach Streamlit's /app/static/.
STATIC_URL_PREFIX = "../../app/static"
KURIL_BOUNDS = [[42.9, 139.5], [51.6, 157.8]]


@st.cache_resource
def layers() -> dict[str, dict]:
    return {
        name: json.loads((ROOT / "geodata" / f"{name}.geojson").read_text(encoding="utf-8"))
        for name in ("region", "islands")
    }


@st.cache_resource
def leaflet() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    STATIC.mkdir(exist_ok=True)
    (STATIC / ".gitignore").write_text("*\n", encoding="utf-8")  # copied files, never committed
    return static_urls(STATIC, url_prefix=STATIC_URL_PREFIX)


st.set_page_config(page_title="Bare folium peer", layout="wide")
js, css = leaflet()
fmap = folium.Map(location=[46.8, 148.5], zoom_start=5, tiles=None)
fmap.default_js = list(js)
fmap.default_css = list(css)
for name, collection in layers().items():
    folium.GeoJson(collection, name=name, zoom_on_click=False).add_to(fmap)
fmap.fit_bounds(KURIL_BOUNDS)

value = st_folium(fmap, key="map", height=640, use_container_width=True, returned_objects=["last_active_drawing"])
drawing = (value or {}).get("last_active_drawing") or {}
clicked = (drawing.get("properties") or {}).get("id")
st.write(f"Clicked: {clicked}" if clicked else "Click an island.")
