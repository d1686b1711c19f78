"""Helpers for the real-browser tests and the app benchmark: a Streamlit server on a free local port,
Debian's Chromium through Playwright, a network guard, map clicks and failure artifacts.

Nothing here downloads anything: the browser is ``/usr/bin/chromium`` (never ``playwright install``),
servers listen on 127.0.0.1 only, and the guard fails a test on any request to another host.

Used as a pytest plugin by ``tests/test_app_browser.py`` (``pytest_plugins``): the hook below keeps
each phase's report on the test item so the ``browser_page`` fixture can save a screenshot and the
page's HTML to ``test-artifacts/`` when, and only when, the test failed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
ISLAND_PATHS = "path.leaflet-interactive"
VIEWPORT = {"width": 1600, "height": 1000}


# --- Server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


@dataclass
class StreamlitServer:
    """``streamlit run SCRIPT`` on 127.0.0.1:port, in its own process group (so it can be stopped whole)."""

    script: Path
    cwd: Path = ROOT
    script_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    started_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def start(self) -> StreamlitServer:
        self.port = self.port or free_port()
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.address",
            LOCAL_HOST,
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
        if self.script_args:
            command += ["--", *self.script_args]
        with tempfile.NamedTemporaryFile("wb", prefix="streamlit-", suffix=".log", delete=False) as log:
            self.log_path = Path(log.name)
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Poll ``/_stcore/health`` until it answers ``ok``; returns seconds since start()."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        return time.perf_counter() - self.started_at
            except OSError:
                pass
            time.sleep(0.05)  # poll interval, not a wait for readiness
        raise TimeoutError(f"{self.url} not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:] if self.log_path else ""
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        if self.log_path:
            self.log_path.unlink(missing_ok=True)


@contextmanager
def streamlit_server(
    script: Path,
    cwd: Path = ROOT,
    script_args: list[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Iterator[StreamlitServer]:
    server = StreamlitServer(Path(script), Path(cwd), list(script_args or []), dict(env or {})).start()
    try:
        server.wait_ready(timeout)
        yield server
    finally:
        server.stop()


# --- Browser ----------------------------------------------------------------------------------------


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class NetworkGuard:
    """Every failed request (network error or HTTP status >= 400) and every request to another host."""

    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page) -> NetworkGuard:
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))
        page.on("response", self._on_response)
        page.on("request", lambda request: self._check_host(request.url))
        page.on("websocket", lambda socket_: self._check_host(socket_.url))
        page.on("dialog", self._on_dialog)
        return self

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} (HTTP {response.status})")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about", "javascript"):
            return  # not a network request
        if parts.hostname != LOCAL_HOST:
            self.foreign.append(url)

    def assert_clean(self) -> None:
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.foreign, f"requests to another host: {self.foreign}"


# --- The page ----------------------------------------------------------------------------------------


def map_frame(page, timeout: float = 30_000, min_paths: int = 1, guard: NetworkGuard | None = None):
    """The st_folium iframe's Frame, once Leaflet has drawn at least ``min_paths`` island paths.

    Waits through a frame locator, which finds the iframe anew on every try, so an iframe that
    Streamlit replaces while the page settles is not waited on for ever. With a ``guard``, gives up
    as soon as a request has failed (a missing leaflet.js means the map will never be drawn).
    """
    paths = page.frame_locator(MAP_IFRAME).locator(ISLAND_PATHS).nth(min_paths - 1)
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            paths.wait_for(state="attached", timeout=500)
            break
        except Exception as err:  # playwright's TimeoutError: look for a reason, then wait on
            if guard is not None and guard.failed:
                raise AssertionError(f"the map is not drawn; failed requests: {guard.failed}") from err
            if time.monotonic() > deadline:
                raise
    frame = page.locator(MAP_IFRAME).element_handle(timeout=timeout).content_frame()
    assert frame is not None, "the map iframe has no document"
    return frame


# A point inside the feature's SVG path that a click would hit (elementFromPoint is the path itself):
# the bounding box's centre when it is on the island, else the nearest such point on a grid.
_FEATURE_POINT_JS = """
(id) => {
  const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
                    .find(m => m instanceof L.Map);
  if (!map) return null;
  const paths = [];
  map.eachLayer(layer => {
    if (layer.feature && layer.feature.properties && layer.feature.properties.id === id && layer._path)
      paths.push(layer._path);
  });
  if (!paths.length) return null;
  for (const path of paths) {
    const box = path.getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
    if (document.elementFromPoint(cx, cy) === path) return {x: cx, y: cy, layers: paths.length};
    let best = null;
    const n = 24;
    for (let i = 1; i < n; i++) for (let j = 1; j < n; j++) {
      const x = box.left + box.width * i / n, y = box.top + box.height * j / n;
      if (document.elementFromPoint(x, y) !== path) continue;
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (!best || d < best.d) best = {x, y, d};
    }
    if (best) return {x: best.x, y: best.y, layers: paths.length};
  }
  return null;  // not drawn yet (Leaflet may still be laying the map out) or covered
}
"""


def feature_point(
    page, place_id: str, timeout: float = 30_000, guard: NetworkGuard | None = None
) -> tuple[float, float]:
    """Page coordinates of a point that hits the map feature whose ``properties.id`` is ``place_id``."""
    frame = map_frame(page, timeout, guard=guard)
    iframe = page.locator(MAP_IFRAME)
    # Poll until the feature has a point that the mouse would hit: right after the paths appear,
    # Leaflet may still be laying the map out (fitBounds, labels, legend), and a point found then
    # can be wrong a moment later.
    try:
        point = frame.wait_for_function(_FEATURE_POINT_JS, arg=place_id, timeout=timeout).json_value()
    except PlaywrightTimeoutError:
        raise AssertionError(f"no visible, clickable point on {place_id} within {timeout / 1000:.0f} s") from None
    box = iframe.bounding_box()
    assert box is not None, "the map iframe is not displayed"
    return box["x"] + point["x"], box["y"] + point["y"]


def save_artifacts(page, name: str) -> list[Path]:
    """A screenshot and the HTML of the page (and of the map iframe) in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    saved = []
    try:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    except Exception as err:  # the page may be gone; the HTML may still be there
        print(f"screenshot failed: {err}")
    try:
        html = page.content()
        frames = [f for f in page.frames if f is not page.main_frame]
        for index, frame in enumerate(frames):
            try:
                html += f"\n\n<!-- frame {index}: {frame.url} -->\n{frame.content()}"
            except Exception:
                continue
        path = ARTIFACTS / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        saved.append(path)
    except Exception as err:
        print(f"saving the HTML failed: {err}")
    return saved


# --- pytest plugin --------------------------------------------------------------------------------------

_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def test_failed(item) -> bool:
    reports = item.stash.get(_REPORTS, {})
    return any(report.failed for report in reports.values())


test_failed.__test__ = False  # a helper, not a test
