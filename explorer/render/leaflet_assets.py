"""Leaflet from the pinned PyPI package ``django-js-lib-leaflet`` (Leaflet 1.9.4, BSD-2-Clause), never a CDN.

Three ways to hand it to a page, for the three places a map is shown:

* :func:`static_urls` — copy the files into the app's ``static/`` folder (Streamlit serves it at
  ``/app/static/...`` when ``enableStaticServing`` is on) and return those URLs;
* :func:`data_urls` — ``data:`` URLs, for when no folder can be written;
* :func:`inline_head` — ``<style>``/``<script>`` elements for a standalone HTML file.
"""

from __future__ import annotations

import base64
import filecmp
import importlib.util
import shutil
from functools import cache
from pathlib import Path

LEAFLET_VERSION = "1.9.4"
_PACKAGE = "js_lib_leaflet"
_SUBDIR = ("static", "js_lib_leaflet")


@cache
def leaflet_dir() -> Path:
    """Folder with ``leaflet.js``, ``leaflet.css`` and ``images/`` inside site-packages."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("django-js-lib-leaflet is not installed: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))).joinpath(*_SUBDIR)
    if not (folder / "leaflet.js").is_file():
        raise RuntimeError(f"leaflet.js is missing from {folder}; reinstall django-js-lib-leaflet")
    return folder


def static_urls(
    static_dir: Path, url_prefix: str = "app/static"
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Copy Leaflet into ``static_dir/leaflet-<version>/`` (when changed) and return (js, css) for folium."""
    target = static_dir / f"leaflet-{LEAFLET_VERSION}"
    source = leaflet_dir()
    names = ["leaflet.js", "leaflet.css"] + [f"images/{p.name}" for p in (source / "images").iterdir()]
    for name in names:
        destination = target / name
        if not destination.exists() or not filecmp.cmp(source / name, destination, shallow=False):
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, destination)
    base = f"{url_prefix}/leaflet-{LEAFLET_VERSION}"
    return [("leaflet", f"{base}/leaflet.js")], [("leaflet_css", f"{base}/leaflet.css")]


@cache
def _css_with_inline_images() -> str:
    css = (leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")
    for image in sorted((leaflet_dir() / "images").glob("*.png")):
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        css = css.replace(f"images/{image.name}", f"data:image/png;base64,{encoded}")
    return css


@cache
def data_urls() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) as ``data:`` URLs: no file is written and nothing is fetched."""
    js = base64.b64encode((leaflet_dir() / "leaflet.js").read_bytes()).decode("ascii")
    css = base64.b64encode(_css_with_inline_images().encode("utf-8")).decode("ascii")
    return [("leaflet", f"data:text/javascript;base64,{js}")], [("leaflet_css", f"data:text/css;base64,{css}")]


@cache
def inline_head() -> str:
    """Leaflet's CSS (images inlined) and JS as elements to put in a standalone page's ``<head>``."""
    script = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<style>{_css_with_inline_images()}</style>\n<script>{script}</script>"
