"""The explorer's page as a real browser sees it: its map-and-evidence component, points a mouse can
hit on a place, the page's scroll position. Shared by tests/test_app_browser.py and
benchmarks/bench_app.py.

Nothing here scrolls anything into view: a test clicks where a person would, on the first screen.
"""

from __future__ import annotations

import time

COMPONENT_IFRAME = 'iframe[title="explorer.app.evidence_map.evidence_map"]'
ISLAND_PATHS = "path.leaflet-interactive"

# The Leaflet map inside the component's document.
MAP_JS = "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(m => m instanceof L.Map)"

# A point inside the place's own SVG path (not its wider hit area) that the mouse would hit: the
# bounding box's centre when it is on the path, else the nearest such point on a grid.
_PLACE_POINT_JS = (
    """
(id) => {
  const map = """
    + MAP_JS
    + """;
  if (!map) return null;
  const paths = [];
  map.eachLayer(layer => {
    if (layer.feature && layer.feature.properties && layer.feature.properties.id === id && layer._path
        && layer.options.pane !== 'kxHit') paths.push(layer._path);
  });
  for (const path of paths) {
    const box = path.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    if (document.elementFromPoint(cx, cy) === path) return {x: cx, y: cy};
    let best = null;
    const n = 24;
    for (let i = 0; i <= n; i++) for (let j = 0; j <= n; j++) {
      const x = box.left + box.width * i / n, y = box.top + box.height * j / n;
      if (document.elementFromPoint(x, y) !== path) continue;
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (!best || d < best.d) best = {x, y, d};
    }
    if (best) return {x: best.x, y: best.y};
  }
  return null;
}
"""
)

# The style Leaflet gave the paths of the place (and of the places it covers), the others' stroke widths, and whether the map's
# current bounds contain the place.
PLACE_STATE_JS = (
    """
([id, covered]) => {
  const map = """
    + MAP_JS
    + """;
  const mine = [], others = [];
  let bounds = null;
  map.eachLayer(layer => {
    if (!layer.feature || !layer._path || layer.options.pane === 'kxHit') return;
    const width = parseFloat(layer._path.getAttribute('stroke-width'));
    if (covered.includes(layer.feature.properties.id)) {
      mine.push(width);
      const b = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng(), layer.getLatLng()]);
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    } else others.push(width);
  });
  return {mine, others, inView: !!bounds && map.getBounds().contains(bounds.getCenter()),
          zoom: map.getZoom()};
}
"""
)

# Everything that can scroll the page: the window and any scrolled element (Streamlit scrolls an
# inner container, not the window).
SCROLL_JS = """
() => [window.scrollY, ...[...document.querySelectorAll('*')].filter(e => e.scrollTop > 0)
                             .map(e => (e.getAttribute('data-testid') || e.tagName) + ':' + e.scrollTop)]
"""


def component(page):
    """The component's frame locator (for ``expect``)."""
    return page.frame_locator(COMPONENT_IFRAME)


def component_frame(page, timeout: float = 30_000, min_paths: int = 30):
    """The component's Frame once Leaflet has drawn at least ``min_paths`` paths."""
    component(page).locator(ISLAND_PATHS).nth(min_paths - 1).wait_for(state="attached", timeout=timeout)
    frame = page.locator(COMPONENT_IFRAME).element_handle(timeout=timeout).content_frame()
    assert frame is not None, "the component's iframe has no document"
    return frame


def place_point(page, place_id: str, timeout: float = 30_000) -> tuple[float, float]:
    """Page coordinates of a point on the place's island (no scrolling)."""
    frame = component_frame(page, timeout)
    deadline = time.monotonic() + timeout / 1000
    point = None
    while point is None:
        point = frame.evaluate(_PLACE_POINT_JS, place_id)
        if point is None:
            assert time.monotonic() < deadline, f"no point of {place_id} can be clicked"
            page.wait_for_timeout(100)  # the map may still be laying itself out
    box = page.locator(COMPONENT_IFRAME).bounding_box()
    assert box is not None, "the component is not displayed"
    return box["x"] + point["x"], box["y"] + point["y"]


def label_point(page, text: str, timeout: float = 30_000) -> tuple[float, float]:
    """Page coordinates of the middle of the map label that starts with ``text``."""
    label = component(page).locator(".kx-label", has_text=text).first
    label.wait_for(state="visible", timeout=timeout)
    inner = label.bounding_box()
    assert inner is not None
    return inner["x"] + min(inner["width"] / 3, 30), inner["y"] + inner["height"] / 2


def scroll_state(page) -> list:
    return page.evaluate(SCROLL_JS)


def place_state(page, place_id: str, covered: list[str] | None = None) -> dict:
    """Stroke widths of the place's paths (and of the places it covers) and of all others; whether
    the map's bounds contain the place; the zoom."""
    return component_frame(page).evaluate(PLACE_STATE_JS, [place_id, covered or [place_id]])


_PLACE_CENTRE_JS = (
    """
(id) => {
  const map = """
    + MAP_JS
    + """;
  let bounds = null;
  map.eachLayer(layer => {
    if (layer.feature && layer.feature.properties.id === id && layer.getBounds && layer.options.pane !== 'kxHit') {
      const b = layer.getBounds();
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    }
  });
  if (!bounds) return null;
  const p = map.latLngToContainerPoint(bounds.getCenter()), box = map.getContainer().getBoundingClientRect();
  return {x: box.left + p.x, y: box.top + p.y};
}
"""
)


def place_centre(page, place_id: str) -> tuple[float, float]:
    """Page coordinates of the centre of the place's bounding box (on the island or not)."""
    point = component_frame(page).evaluate(_PLACE_CENTRE_JS, place_id)
    assert point is not None, f"{place_id} is not on the map"
    box = page.locator(COMPONENT_IFRAME).bounding_box()
    return box["x"] + point["x"], box["y"] + point["y"]


def wait_until_idle(page, timeout: float = 30_000) -> None:
    """Until the app's script is not running (Streamlit marks its root ``data-test-script-state``)."""
    page.locator('[data-test-script-state="notRunning"]').first.wait_for(state="attached", timeout=timeout)
