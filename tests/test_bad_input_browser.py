"""Markdown and template payloads from data files in a real browser: nothing is fetched, nothing runs.

Data files (facts, sources, articles, and for the exported page the gazetteer and treaty lines too)
are filled with Markdown images and links pointing at a host that does not exist; every request that
leaves 127.0.0.1 (or file://) is aborted and counted. A rendered image or link would show up there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytest.register_assert_rewrite("browser_support")
from app_page import component_frame, place_point  # noqa: E402
from browser_support import (  # noqa: E402
    ROOT,
    VIEWPORT,
    launch_chromium,
    streamlit_server,
)
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from test_bad_input import FIXED_KEYS, _poison, poisoned_data, run_cli  # noqa: E402

from explorer.data.paths import CURATED_CORPUS  # noqa: E402

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000
HOST = "kx-markdown.invalid"
MARKDOWN = [
    f"![kx image](http://{HOST}/image.png)",
    f"[kx link](http://{HOST}/link)",
    f"<img src='http://{HOST}/tag.png'>",
    f"http://{HOST}/bare",
]


class RequestCounter:
    """Aborts and records every request that is not to 127.0.0.1 or a local file."""

    def __init__(self) -> None:
        self.outside: list[str] = []

    def attach(self, context) -> RequestCounter:
        context.route("**/*", self._route)
        return self

    def _route(self, route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in ("file", "data", "blob", "about") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


def markdown_corpus(tmp_path: Path) -> Path:
    """The seeds with a Markdown image, link, tag and URL in every free-text field and in an article."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    for name in ("sources.yaml", "facts.yaml"):
        data = yaml.safe_load((corpus / name).read_text(encoding="utf-8"))
        data = _poison(data, MARKDOWN, [0], FIXED_KEYS)
        (corpus / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (corpus / "900_markdown.txt").write_text(
        "Markdown On Iturup\n\n" + " ".join(f"Iturup {m}." for m in MARKDOWN) + "\n", encoding="utf-8"
    )
    return corpus


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def test_app_fetches_nothing_from_markdown_in_data(tmp_path, browser):
    corpus = markdown_corpus(tmp_path)
    with streamlit_server(ROOT / "app.py", ROOT, script_args=["--corpus", str(corpus)], timeout=120) as server:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        counter = RequestCounter().attach(context)
        page = context.new_page()
        page.goto(server.url + "/")
        frame = component_frame(page, TIMEOUT_MS)  # the map and the evidence panel, one component
        page.mouse.click(*place_point(page, "iturup", TIMEOUT_MS))
        expect(frame.locator(".kx-passage", has_text="kx image").first).to_be_visible(timeout=TIMEOUT_MS)
        for tab in ("Facts", "Names", "Counts per source"):
            frame.locator(".kx-tabs button", has_text=tab).first.click(timeout=TIMEOUT_MS)
        # The Markdown shows as text, and what the browser received holds no image or link to the host.
        body = page.content() + frame.content()
        rendered = re.findall(rf'.{{200}}(?:src|href)="http://{re.escape(HOST)}.{{40}}', body)
        assert not rendered, rendered[:3]
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        context.close()
    assert counter.outside == [], counter.outside


def test_exported_page_fetches_nothing_and_shows_payloads_as_text(tmp_path, browser):
    marker = tmp_path / "MARKER"
    gazetteer, corpus = poisoned_data(tmp_path, marker, MARKDOWN)
    out = tmp_path / "map.html"
    done = run_cli(
        ["export-map", str(out), "--gazetteer", str(gazetteer), "--corpus", str(corpus), "--place", "iturup"]
    )
    assert done.returncode == 0, done.stderr
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    counter = RequestCounter().attach(context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(out.as_uri() + "#%")  # "#%" threw URIError once
    expect(page.locator("path.leaflet-interactive").first).to_be_attached(timeout=TIMEOUT_MS)
    visible = page.inner_text("body")
    assert "{{ 7*7 }}" in visible and not re.search(r"P1 49 end", visible)
    assert errors == [], errors
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    context.close()
    assert counter.outside == [], counter.outside
    assert not marker.exists()
