"""The explorer in a real browser: Debian's Chromium driving ``streamlit run app.py`` on 127.0.0.1.

Run with ``.venv/bin/python -m pytest -m browser tests/test_app_browser.py``. Each test ends by
asserting that no request failed and none went to a host other than 127.0.0.1. On failure, a
screenshot and the page's HTML are saved in ``test-artifacts/``; ``test-artifacts/explorer.png``
(Iturup selected, 1600x1000) is written on every run for the README.
"""

from __future__ import annotations

import re

import pytest
import yaml

pytest.register_assert_rewrite("browser_support")
from browser_support import (  # noqa: E402
    ARTIFACTS,
    ROOT,
    VIEWPORT,
    NetworkGuard,
    click_feature,
    feature_point,
    launch_chromium,
    map_frame,
    save_artifacts,
    streamlit_server,
    test_failed,
)
from playwright.sync_api import expect, sync_playwright  # noqa: E402 (assert rewriting must be registered first)

pytest_plugins = ["browser_support"]  # the report hook behind the failure artifacts
pytestmark = pytest.mark.browser

APP = ROOT / "app.py"
TIMEOUT_MS = 30_000
PWNED = "window.__pwned=1"
HOSTILE_TEXT = """Hostile article {n}: <script>window.__pwned=1</script> about Iturup.

The ministers flew to Iturup and then to Kunashir, where <img src=x onerror="window.__pwned=1"> was written on a wall.

A `backtick` and ${{window.__pwned=1}} and </script><script>alert(1)</script> sat beside Etorofu in this line.
"""


@pytest.fixture(scope="module")
def playwright_browser():
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app_server():
    with streamlit_server(APP, ROOT) as server:
        yield server


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("hostile-corpus")
    for n in (1, 2):
        (corpus / f"00{n}_hostile.txt").write_text(HOSTILE_TEXT.format(n=n), encoding="utf-8")
    with streamlit_server(APP, ROOT, script_args=["--corpus", str(corpus)]) as server:
        yield server


@pytest.fixture
def browser_page(playwright_browser, request):
    """A page in a fresh context with the network guard attached; artifacts saved if the test fails."""
    context = playwright_browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    guard = NetworkGuard().attach(page)
    yield page, guard
    if test_failed(request.node):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for path in save_artifacts(page, name):
            print(f"saved {path}")
    context.close()


def _view_label(view: str) -> str:
    gazetteer = yaml.safe_load((ROOT / "geodata" / "gazetteer.yaml").read_text(encoding="utf-8"))
    return gazetteer["views"][view]["label"]


def _place_header(page, label: str):
    return page.get_by_role("heading", name=label, exact=True)


def test_map_draws_offline(app_server, browser_page):
    page, guard = browser_page
    page.goto(app_server.url + "/")
    frame = map_frame(page, TIMEOUT_MS, min_paths=30, guard=guard)
    assert frame.evaluate("typeof window.L") == "object"
    assert frame.evaluate("window.L.version") == "1.9.4"
    assert frame.locator("path.leaflet-interactive").count() >= 30
    # The full statement of the view is above the map; the legend names the view.
    expect(page.get_by_text(f"Point of view: {_view_label('neutral')}.")).to_be_visible()
    expect(frame.locator(".kx-legend .kx-legend-title")).to_have_text(_view_label("neutral"))
    guard.assert_clean()


def test_click_iturup_shows_its_passages(app_server, browser_page):
    page, guard = browser_page
    page.goto(app_server.url + "/")
    click_feature(page, "iturup", TIMEOUT_MS, guard)
    expect(_place_header(page, "Iturup / Etorofu")).to_be_visible()
    expect(page.locator(".kx-passage", has_text="Etorofu").first).to_be_visible()
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"))
    guard.assert_clean()
    ARTIFACTS.mkdir(exist_ok=True)
    page.mouse.move(1, 1)  # off the map: no hover tooltip in the picture
    page.screenshot(path=str(ARTIFACTS / "explorer.png"))


def test_deep_link_opens_kunashir_in_japans_view(app_server, browser_page):
    page, guard = browser_page
    page.goto(app_server.url + "/?place=kunashir&view=japan&lang=ja")
    expect(_place_header(page, "国後島")).to_be_visible()
    label = _view_label("japan")
    expect(page.get_by_text(f"Point of view: {label}.")).to_be_visible()
    expect(page.get_by_role("radio", name=label, exact=True)).to_be_checked()
    frame = map_frame(page, TIMEOUT_MS, guard=guard)
    expect(frame.locator(".kx-legend .kx-legend-title")).to_have_text(label)
    assert "place=kunashir" in page.url and "view=japan" in page.url and "lang=ja" in page.url
    guard.assert_clean()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, VIEWPORT], ids=["1280x800", "1600x1000"])
def test_disputed_islands_can_be_clicked(app_server, playwright_browser, viewport):
    """Each disputed island has a point a click reaches (not under the legend or another control)."""
    context = playwright_browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    guard = NetworkGuard().attach(page)
    try:
        page.goto(app_server.url + "/")
        map_frame(page, TIMEOUT_MS, min_paths=30, guard=guard)
        hidden = []
        for place in ("iturup", "kunashir", "shikotan", "habomai"):
            try:
                feature_point(page, place, TIMEOUT_MS, guard)
            except AssertionError:
                hidden.append(place)
        assert not hidden, f"no point of {hidden} can be clicked at {viewport['width']}x{viewport['height']}"
        guard.assert_clean()
    except Exception:
        save_artifacts(page, f"disputed-islands-{viewport['width']}x{viewport['height']}")
        raise
    finally:
        context.close()


def test_search_by_russian_name(app_server, browser_page):
    page, guard = browser_page
    page.goto(app_server.url + "/")
    search = page.get_by_label("Find a place by any of its names")
    search.fill("Итуруп")
    search.press("Enter")
    expect(_place_header(page, "Iturup / Etorofu")).to_be_visible()
    expect(page.locator(".kx-passage", has_text="Etorofu").first).to_be_visible()
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"))
    guard.assert_clean()


def test_hostile_corpus_is_shown_as_text(hostile_server, browser_page):
    page, guard = browser_page
    page.add_init_script("window.__pwned = undefined;")  # nothing set by the page itself
    page.goto(hostile_server.url + "/")
    click_feature(page, "iturup", TIMEOUT_MS, guard)
    expect(_place_header(page, "Iturup / Etorofu")).to_be_visible()
    passages = page.locator(".kx-passage")
    expect(passages.filter(has_text="<script>").first).to_be_visible()
    expect(passages.filter(has_text="onerror=").first).to_be_visible()
    expect(passages.filter(has_text="${window.__pwned=1}").first).to_be_visible()
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"))
    # The map (labels, tooltips, legend) is built from the same corpus: nothing ran there either.
    frame = map_frame(page, TIMEOUT_MS, guard=guard)
    expect(frame.locator(".leaflet-tooltip")).to_contain_text("Iturup / Etorofu")  # hovered by the click
    for where in (page, frame):
        assert where.evaluate("typeof window.__pwned") == "undefined", f"script ran in {where.url}"
    assert page.locator("mark", has_text="Iturup").count() > 0
    assert not guard.dialogs, f"dialogs fired: {guard.dialogs}"
    guard.assert_clean()
