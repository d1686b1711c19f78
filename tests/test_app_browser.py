"""The explorer in a real browser: Debian's Chromium driving ``streamlit run app.py`` on 127.0.0.1.

Run with ``.venv/bin/python -m pytest -m browser tests/test_app_browser.py``. Clicks are made with the
real mouse on the first screen, never after scrolling anything into view, at 1280x720 (a classroom
projector) and 1440x900. Each test ends by asserting that no request failed and none went to a host
other than 127.0.0.1. On failure, a screenshot and the page's HTML are saved in ``test-artifacts/``;
the README's picture (1280x720, Kunashir selected) is saved as ``test-artifacts/explorer.png`` on every
run, and copied over ``docs/explorer.png`` when ``KX_UPDATE_DOCS=1`` is set (a test run never changes
the checkout otherwise).
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
import yaml

pytest.register_assert_rewrite("browser_support", "app_page")
from app_page import (  # noqa: E402
    COMPONENT_IFRAME,
    MAP_JS,
    component,
    component_frame,
    label_point,
    place_centre,
    place_point,
    place_state,
    scroll_state,
    wait_until_idle,
)
from browser_support import (  # noqa: E402
    ARTIFACTS,
    ROOT,
    NetworkGuard,
    launch_chromium,
    save_artifacts,
    streamlit_server,
    test_failed,
)
from playwright.sync_api import expect, sync_playwright  # noqa: E402 (assert rewriting must be registered first)

pytest_plugins = ["browser_support"]  # the report hook behind the failure artifacts
pytestmark = pytest.mark.browser

APP = ROOT / "app.py"
TIMEOUT_MS = 30_000
PROJECTOR = {"width": 1280, "height": 720}
LAPTOP = {"width": 1440, "height": 900}
HABOMAI_ISLETS = (
    "akiyuri_anuchina",
    "harukaru_demina",
    "shibotsu_zelenyy",
    "suisho_tanfilyeva",
    "taraku_polonskogo",
    "todo_oskolki",
    "yuri_yuriy",
)
DISPUTED = ("iturup", "kunashir", "shikotan", "habomai")
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


def _page(browser, request, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    guard = NetworkGuard().attach(page)
    return context, page, guard


@pytest.fixture
def projector_page(playwright_browser, request):
    """A 1280x720 page in a fresh context with the network guard; artifacts saved if the test fails."""
    context, page, guard = _page(playwright_browser, request, PROJECTOR)
    yield page, guard
    if test_failed(request.node):
        for path in save_artifacts(page, re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)):
            print(f"saved {path}")
    context.close()


def _gazetteer():
    from explorer.data.gazetteer import load_gazetteer

    return load_gazetteer()


def _labels() -> dict[str, str]:
    from explorer.render.naming import place_label

    gazetteer = _gazetteer()
    return {p.id: place_label(gazetteer, p, "en", "neutral") for p in gazetteer.places}


LABELS = _labels()
COVERED = {p.id: sorted(_gazetteer().covered_by(p.id)) for p in _gazetteer().places}


def _view_label(view: str) -> str:
    gazetteer = yaml.safe_load((ROOT / "geodata" / "gazetteer.yaml").read_text(encoding="utf-8"))
    return gazetteer["views"][view]["label"]


def _header(page):
    return component(page).locator("#kx-body h2.kx-place-title")


def _in_first_screen(page, locator, viewport) -> bool:
    """The element's box lies in the page's first screen (its iframe's offset included)."""
    box = locator.bounding_box(timeout=TIMEOUT_MS)
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] and box["x"] >= 0


def _assert_selected(page, place: str, viewport) -> None:
    expect(_header(page)).to_have_text(LABELS[place], timeout=TIMEOUT_MS)
    state = place_state(page, place, COVERED[place])
    assert state["mine"] and min(state["mine"]) > max(state["others"]), f"{place} is not drawn as selected: {state}"
    assert state["inView"], f"the map's bounds do not contain {place}"
    own = component(page).locator(f'#kx-body section[data-tab=passages] > div[data-passages="{place}"] .kx-passage')
    first = own.locator("mark").first
    if own.count():
        expect(first).to_be_visible(timeout=TIMEOUT_MS)
        assert _in_first_screen(page, first, viewport), "the first highlighted passage is not in the first screen"


def test_map_draws_offline_with_the_view_stated(app_server, projector_page):
    page, guard = projector_page
    page.goto(app_server.url + "/")
    frame = component_frame(page, TIMEOUT_MS)
    assert frame.evaluate("window.L.version") == "1.9.4"
    expect(page.locator(".kx-top summary")).to_contain_text(
        f"Point of view: {_view_label('neutral')}.", timeout=TIMEOUT_MS
    )
    expect(component(page).locator(".kx-legend .kx-legend-title")).to_have_text(
        _view_label("neutral"), timeout=TIMEOUT_MS
    )
    guard.assert_clean()


def test_first_screen_holds_map_and_evidence_side_by_side(app_server, projector_page):
    """At 1280x720, without scrolling: the four disputed groups, the place's header and its first
    highlighted passage; the title and the point of view take one line each."""
    page, guard = projector_page
    page.goto(app_server.url + "/?place=kunashir")
    expect(_header(page)).to_have_text(LABELS["kunashir"], timeout=TIMEOUT_MS)
    component_frame(page, TIMEOUT_MS)
    for place in DISPUTED:
        x, y = place_point(page, place, TIMEOUT_MS)
        assert 0 <= x <= PROJECTOR["width"] and 0 <= y <= PROJECTOR["height"], f"{place} is off the first screen"
    mark = component(page).locator("#kx-body .kx-passage mark").first
    expect(mark).to_be_visible(timeout=TIMEOUT_MS)
    assert _in_first_screen(page, _header(page), PROJECTOR)
    assert _in_first_screen(page, mark, PROJECTOR)
    map_box = component(page).locator("#kx-map-wrap").bounding_box(timeout=TIMEOUT_MS)
    panel_box = component(page).locator("#kx-panel").bounding_box(timeout=TIMEOUT_MS)
    assert map_box["x"] + map_box["width"] <= panel_box["x"] + 1, "map and evidence are not side by side"
    for selector in (".kx-top h1", ".kx-top summary"):
        box = page.locator(selector).bounding_box(timeout=TIMEOUT_MS)
        line = page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
        assert box["height"] < 1.6 * line, f"{selector} takes more than one line"
    # Counts and names: their last column is inside the panel, not cut off.
    panel_right = panel_box["x"] + panel_box["width"]
    for tab, cell in (("counts", "th.kx-num"), ("names", "th:last-child")):
        component(page).locator(f"button[data-tab={tab}]").click(timeout=TIMEOUT_MS)
        last = component(page).locator(f"section[data-tab={tab}] {cell}").first
        expect(last).to_be_visible(timeout=TIMEOUT_MS)
        box = last.bounding_box(timeout=TIMEOUT_MS)
        assert box["x"] + box["width"] <= panel_right, f"the {tab} table's last column is cut off"
    component(page).locator("button[data-tab=passages]").click(timeout=TIMEOUT_MS)
    # The passages scroll inside the panel: the map does not move.
    before = component(page).locator("#kx-map-wrap").bounding_box(timeout=TIMEOUT_MS)
    component(page).locator("#kx-panel").evaluate("e => e.scrollBy(0, 400)")
    after = component(page).locator("#kx-map-wrap").bounding_box(timeout=TIMEOUT_MS)
    assert before == after
    guard.assert_clean()


def _zoom_in_with_the_wheel(page, point: tuple[float, float], zoom: float) -> None:
    """Turn the mouse wheel over ``point`` until the map's zoom reaches ``zoom`` (Leaflet keeps the
    point under the pointer)."""
    for _ in range(12):
        if place_state(page, "habomai")["zoom"] >= zoom:
            return
        page.mouse.move(*point)
        page.mouse.wheel(0, -120)
        page.wait_for_timeout(350)  # Leaflet's wheel debounce and zoom animation; then measured again
    raise AssertionError(f"the wheel did not zoom the map to {zoom}")


@pytest.mark.parametrize("viewport", [PROJECTOR, LAPTOP], ids=["1280x720", "1440x900"])
def test_one_click_selects_every_disputed_island_without_scrolling(app_server, playwright_browser, request, viewport):
    context, page, guard = _page(playwright_browser, request, viewport)
    try:
        page.goto(app_server.url + "/")
        component_frame(page, TIMEOUT_MS)
        for place in ("iturup", "kunashir", "shikotan", "habomai", *HABOMAI_ISLETS):
            if place == HABOMAI_ISLETS[0]:
                _zoom_in_with_the_wheel(
                    page, place_centre(page, "habomai"), 8
                )  # as a reader does to tell the islets apart
            x, y = place_point(page, place, TIMEOUT_MS)
            before = scroll_state(page)
            page.mouse.click(x, y)
            expect(_header(page)).to_have_text(LABELS[place], timeout=TIMEOUT_MS)
            assert scroll_state(page) == before, f"the page scrolled on the click on {place}"
            _assert_selected(page, place, viewport)
            page.wait_for_url(re.compile(rf"[?&]place={place}(&|$)"), timeout=TIMEOUT_MS)
        guard.assert_clean()
    except Exception:
        save_artifacts(page, f"one-click-{viewport['width']}x{viewport['height']}")
        raise
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PROJECTOR, LAPTOP], ids=["1280x720", "1440x900"])
def test_a_click_on_a_label_selects_its_place(app_server, playwright_browser, request, viewport):
    context, page, guard = _page(playwright_browser, request, viewport)
    try:
        page.goto(app_server.url + "/")
        component_frame(page, TIMEOUT_MS)
        for text, place in (("Shikotan", "shikotan"), ("Habomai Islands", "habomai")):
            before = scroll_state(page)
            page.mouse.click(*label_point(page, text, TIMEOUT_MS))
            expect(_header(page)).to_have_text(LABELS[place], timeout=TIMEOUT_MS)
            assert scroll_state(page) == before
            _assert_selected(page, place, viewport)
        guard.assert_clean()
    except Exception:
        save_artifacts(page, f"label-click-{viewport['width']}x{viewport['height']}")
        raise
    finally:
        context.close()


def test_a_place_from_the_list_is_shown_without_redrawing_the_map(app_server, projector_page):
    """Chosen in the list: the map zooms to it and outlines it; the map is the same one (not remounted)."""
    page, guard = projector_page
    page.goto(app_server.url + "/")
    frame = component_frame(page, TIMEOUT_MS)
    frame.evaluate("window.__sameDocument = 'yes'")
    zoom_before = place_state(page, "shikotan")["zoom"]
    page.get_by_role("combobox", name="Place", exact=True).click(timeout=TIMEOUT_MS)
    page.get_by_role("option", name=LABELS["shikotan"], exact=True).click(timeout=TIMEOUT_MS)
    expect(_header(page)).to_have_text(LABELS["shikotan"], timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => { const f = document.querySelector('" + COMPONENT_IFRAME.replace("'", "\\'") + "');"
        " const w = f && f.contentWindow; const m = w && Object.keys(w).filter(k => k.startsWith('map_'))"
        ".map(k => w[k]).find(x => x instanceof w.L.Map); return m && m.getZoom() > " + str(zoom_before) + "; }",
        timeout=TIMEOUT_MS,
    )
    state = place_state(page, "shikotan", COVERED["shikotan"])
    assert state["inView"] and min(state["mine"]) > max(state["others"])
    assert component_frame(page, TIMEOUT_MS).evaluate("window.__sameDocument") == "yes", "the map was remounted"
    page.wait_for_url(re.compile(r"[?&]place=shikotan(&|$)"), timeout=TIMEOUT_MS)
    guard.assert_clean()


def test_back_and_forward_restore_the_place(app_server, projector_page):
    page, guard = projector_page
    page.goto(app_server.url + "/")
    component_frame(page, TIMEOUT_MS)
    for place in ("iturup", "kunashir"):
        page.mouse.click(*place_point(page, place, TIMEOUT_MS))
        expect(_header(page)).to_have_text(LABELS[place], timeout=TIMEOUT_MS)
        page.wait_for_url(re.compile(rf"[?&]place={place}(&|$)"), timeout=TIMEOUT_MS)
    page.go_back(timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"), timeout=TIMEOUT_MS)
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    expect(page.get_by_role("combobox", name="Place", exact=True)).to_have_value(LABELS["iturup"], timeout=TIMEOUT_MS)
    # As a person would: Forward once the page has settled. Pressed while the rerun after Back is still
    # running, Forward was lost once under load (a history entry pushed by that rerun).
    wait_until_idle(page, TIMEOUT_MS)
    page.go_forward(timeout=TIMEOUT_MS)
    expect(_header(page)).to_have_text(LABELS["kunashir"], timeout=TIMEOUT_MS)
    guard.assert_clean()


def test_search_by_russian_name(app_server, projector_page):
    page, guard = projector_page
    page.goto(app_server.url + "/")
    search = page.get_by_label("Find a place by any of its names")
    search.fill("Итуруп", timeout=TIMEOUT_MS)
    search.press("Enter", timeout=TIMEOUT_MS)
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    expect(component(page).locator(".kx-passage", has_text="Etorofu").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"), timeout=TIMEOUT_MS)
    guard.assert_clean()


def test_lesson_on_a_projector(app_server, projector_page):
    """Step title and point of view once each; Previous/Next beside the step; arrow keys step; a view switch."""
    page, guard = projector_page
    page.goto(app_server.url + "/?lesson=kurils-101&step=1")
    frame = component_frame(page, TIMEOUT_MS)
    lesson = yaml.safe_load((ROOT / "lessons" / "kurils-101.yaml").read_text(encoding="utf-8"))
    titles = [step["title"] for step in lesson["steps"]]
    label = component(page).locator("#kx-step-label")
    expect(label).to_have_text(f"Step 1 of {len(titles)}", timeout=TIMEOUT_MS)
    expect(component(page).locator(".kx-lesson-step h2")).to_have_text(titles[0], timeout=TIMEOUT_MS)
    next_button = component(page).locator("#kx-next")
    assert _in_first_screen(page, next_button, PROJECTOR)
    next_button.click(timeout=TIMEOUT_MS)
    expect(label).to_have_text(f"Step 2 of {len(titles)}", timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]step=2(&|$)"), timeout=TIMEOUT_MS)
    # The step's own map: its treaty line shown, its places outlined (applied in the page, no redraw).
    shown_lines = frame.evaluate(
        "() => { const m = " + MAP_JS + "; const ids = []; m.eachLayer(l => { const id = l.feature &&"
        " l.feature.properties.id; if (id && id.startsWith('treaty_')) ids.push(id); }); return ids; }"
    )
    assert shown_lines == [lesson["steps"][1]["map"]["layers"][0]], shown_lines
    outlined = place_state(page, "urup")
    assert outlined["mine"] and min(outlined["mine"]) >= 3.5, outlined
    page.mouse.click(640, 5)  # the page, not the map, has the keyboard
    page.keyboard.press("ArrowRight")
    expect(label).to_have_text(f"Step 3 of {len(titles)}", timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]step=3(&|$)"), timeout=TIMEOUT_MS)
    page.keyboard.press("ArrowLeft")
    expect(label).to_have_text(f"Step 2 of {len(titles)}", timeout=TIMEOUT_MS)
    # Once each, on the whole screen (the page and the component).
    text = page.locator("body").inner_text(timeout=TIMEOUT_MS) + frame.locator("body").inner_text(timeout=TIMEOUT_MS)
    assert text.count(titles[1]) == 1, "the step title is shown more than once"
    statement = page.locator(".kx-top summary").inner_text(timeout=TIMEOUT_MS)
    assert text.count(statement) == 1, "the point of view is shown more than once"
    # The view switch: Japan's view relabels the map.
    component(page).locator("#kx-lesson-bar button[data-view=japan]").click(timeout=TIMEOUT_MS)
    expect(page.locator(".kx-top summary")).to_contain_text(_view_label("japan"), timeout=TIMEOUT_MS)
    expect(component(page).locator(".kx-legend .kx-legend-title")).to_have_text(
        _view_label("japan"), timeout=TIMEOUT_MS
    )
    # A click on an island during the lesson shows its evidence under the step, without scrolling the page.
    before = scroll_state(page)
    page.mouse.click(*place_point(page, "shikotan", TIMEOUT_MS))
    expect(_header(page)).to_be_visible(timeout=TIMEOUT_MS)
    assert scroll_state(page) == before
    guard.assert_clean()


def test_hostile_corpus_is_shown_as_text(hostile_server, projector_page):
    page, guard = projector_page
    page.add_init_script("window.__pwned = undefined;")  # nothing set by the page itself
    page.goto(hostile_server.url + "/")
    page.mouse.click(*place_point(page, "iturup", TIMEOUT_MS))
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    passages = component(page).locator(".kx-passage")
    expect(passages.filter(has_text="<script>").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(passages.filter(has_text="onerror=").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(passages.filter(has_text="${window.__pwned=1}").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"), timeout=TIMEOUT_MS)
    frame = component_frame(page, TIMEOUT_MS)
    for where in (page, frame):
        assert where.evaluate("typeof window.__pwned") == "undefined", f"script ran in {where.url}"
    assert component(page).locator("mark", has_text="Iturup").count() > 0
    assert not guard.dialogs, f"dialogs fired: {guard.dialogs}"
    guard.assert_clean()


def test_screenshot_for_the_readme(app_server, projector_page):
    """docs/explorer.png: the app at 1280x720 with Kunashir clicked (what a class sees first)."""
    page, guard = projector_page
    page.goto(app_server.url + "/")
    page.mouse.click(*place_point(page, "kunashir", TIMEOUT_MS))
    expect(_header(page)).to_have_text(LABELS["kunashir"], timeout=TIMEOUT_MS)
    page.wait_for_url(re.compile(r"[?&]place=kunashir(&|$)"), timeout=TIMEOUT_MS)
    page.mouse.move(1, 700)  # off the map: no hover tooltip in the picture
    page.wait_for_timeout(300)  # the hover style's fade; the picture is not an assertion
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer.png"))
    if os.environ.get("KX_UPDATE_DOCS") == "1":
        shutil.copyfile(ARTIFACTS / "explorer.png", ROOT / "docs" / "explorer.png")
    guard.assert_clean()


def test_small_islands_have_a_generous_hit_area(app_server, projector_page):
    page, guard = projector_page
    page.goto(app_server.url + "/")
    frame = component_frame(page, TIMEOUT_MS)
    # A point 3-8 px outside a small island's outline box (sea, within reach of a shaky hand) that
    # belongs to that island's hit area, at the default zoom.
    found = frame.evaluate(
        """([ids, mapJs]) => {
          const map = eval(mapJs);
          for (const id of ids) {
            let b = null;
            map.eachLayer(l => { if (l.feature && l._path && l.feature.properties.id === id
                                     && l.options.pane !== 'kxHit') b = l._path.getBoundingClientRect(); });
            if (!b) continue;
            for (const d of [3, 5, 8]) for (const [x, y] of [[b.right + d, b.top + b.height / 2],
                [b.left - d, b.top + b.height / 2], [b.left + b.width / 2, b.top - d],
                [b.left + b.width / 2, b.bottom + d]]) {
              const e = document.elementFromPoint(x, y);
              // the component's hit strokes, or the map builder's hit circles (map.kx, shared with the export)
              if (e && (e.getAttribute('data-kx-hit') === id || (map.kx && map.kx.placeOf(e) === id))) return {id, x, y};
            }
          }
          return null;
        }""",
        [["shikotan", *HABOMAI_ISLETS], MAP_JS],
    )
    assert found, "no small island has a hit area outside its outline"
    frame_box = page.locator(COMPONENT_IFRAME).bounding_box(timeout=TIMEOUT_MS)
    page.mouse.click(frame_box["x"] + found["x"], frame_box["y"] + found["y"])
    expect(_header(page)).to_have_text(LABELS[found["id"]], timeout=TIMEOUT_MS)
    guard.assert_clean()


def test_the_keyboard_pans_the_map_after_a_click(app_server, projector_page):
    """A click gives the map the keyboard (Chromium focuses the clicked <path>; the map takes it back)."""
    page, guard = projector_page
    page.goto(app_server.url + "/")
    frame = component_frame(page, TIMEOUT_MS)
    page.mouse.click(*place_point(page, "iturup", TIMEOUT_MS))
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    centre = frame.evaluate("() => " + MAP_JS + ".getCenter().lng")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([sel, lng]) => { const w = document.querySelector(sel).contentWindow;"
        " const m = Object.keys(w).filter(k => k.startsWith('map_')).map(k => w[k]).find(x => x instanceof w.L.Map);"
        " return m.getCenter().lng > lng; }",
        arg=[COMPONENT_IFRAME, centre],
        timeout=10_000,
    )
    guard.assert_clean()


def test_a_fresh_server_draws_the_saved_first_paint_once(playwright_browser, request, tmp_path):
    """A second process finds the first paint the first one saved (its own cache folder here): the map
    and ``?place=`` are drawn before the corpus loads, the page's own map call then sends the same map
    (not drawn again), and the first click selects."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    with streamlit_server(APP, ROOT, env=env) as first:
        context, page, guard = _page(playwright_browser, request, PROJECTOR)
        page.goto(first.url + "/")
        component_frame(page, TIMEOUT_MS)
        expect(page.get_by_role("combobox", name="Place", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        guard.assert_clean()
        context.close()
    assert list((tmp_path / "cache").rglob("*.json")), "the first process saved no first paint"
    with streamlit_server(APP, ROOT, env=env) as second:
        context, page, guard = _page(playwright_browser, request, PROJECTOR)
        try:
            page.goto(second.url + "/?place=kunashir")
            frame = component_frame(page, TIMEOUT_MS)
            expect(_header(page)).to_have_text(LABELS["kunashir"], timeout=TIMEOUT_MS)
            frame.evaluate("() => { window.__firstMap = " + MAP_JS + "; }")
            key = frame.locator("#kx-map-host").get_attribute("data-map-key")
            # The rest of the page: the controls above the map and the timeline below it.
            expect(page.get_by_role("combobox", name="Place", exact=True)).to_have_value(
                LABELS["kunashir"], timeout=TIMEOUT_MS
            )
            expect(page.get_by_text("Timeline of dated events")).to_be_visible(timeout=TIMEOUT_MS)
            assert frame.evaluate("() => window.__firstMap === " + MAP_JS), "the map was drawn a second time"
            assert frame.locator("#kx-map-host").get_attribute("data-map-key") == key
            page.mouse.click(*place_point(page, "iturup", TIMEOUT_MS))
            _assert_selected(page, "iturup", PROJECTOR)
            page.wait_for_url(re.compile(r"[?&]place=iturup(&|$)"), timeout=TIMEOUT_MS)
            guard.assert_clean()
        finally:
            if test_failed(request.node):
                save_artifacts(page, "first-paint")
            context.close()


@pytest.fixture(scope="module")
def many_articles_server(tmp_path_factory):
    """The app over a corpus of 40 dated articles about Iturup (more than one page of passages)."""
    from explorer.corpus.ingest import ingest

    drafts, corpus = tmp_path_factory.mktemp("drafts"), tmp_path_factory.mktemp("many-corpus")
    for n in range(40):
        (drafts / f"a{n:02d}.txt").write_text(
            f"MOSCOW, January {1 + n % 28}, 2020 (Reuters) - Report number {n} on a patrol near Iturup.\n",
            encoding="utf-8",
        )
    ingest([drafts], corpus, update_index=False)
    with streamlit_server(APP, ROOT, script_args=["--corpus", str(corpus)]) as server:
        yield server


def test_show_more_brings_the_next_passages_without_redrawing_the_map(many_articles_server, projector_page):
    page, guard = projector_page
    page.goto(many_articles_server.url + "/?place=iturup")
    frame = component_frame(page, TIMEOUT_MS)
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    own = component(page).locator('#kx-body section[data-tab=passages] > div[data-passages="iturup"] .kx-passage')
    expect(own).to_have_count(30, timeout=TIMEOUT_MS)
    frame.evaluate("() => { window.__firstMap = " + MAP_JS + "; }")
    before = scroll_state(page)
    component(page).locator('button[data-kx-more="iturup"]').click(timeout=TIMEOUT_MS)
    expect(own).to_have_count(44, timeout=TIMEOUT_MS)  # the 40 articles and the seeds' 4 passages
    assert frame.evaluate("() => window.__firstMap === " + MAP_JS), "the map was drawn again"
    assert scroll_state(page) == before, "the page scrolled (only the panel may)"
    expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
    guard.assert_clean()


@pytest.fixture(scope="module")
def store_server(tmp_path_factory):
    """The app reading its evidence from the store (``--evidence store``), over a user corpus of 40
    dated reports about Iturup beside the seeds: more passages than a panel shows at first."""
    from explorer.corpus.ingest import ingest

    corpus, drafts = tmp_path_factory.mktemp("store-corpus"), tmp_path_factory.mktemp("store-drafts")
    for n in range(40):
        (drafts / f"r{n:02d}.txt").write_text(
            f"MOSCOW, March {1 + n % 28}, 2022 (Reuters) - Report number {n} on a patrol near Iturup.\n",
            encoding="utf-8",
        )
    assert len(ingest([drafts], corpus).added) == 40
    with streamlit_server(APP, ROOT, script_args=["--corpus", str(corpus), "--evidence", "store"]) as server:
        yield server


def _wheel_into_view(page, locator, viewport) -> dict:
    """Scroll the evidence panel with the mouse wheel, as a reader does, until ``locator`` is on screen."""
    panel = component(page).locator("#kx-panel").bounding_box(timeout=TIMEOUT_MS)  # the scrolling box
    assert panel is not None
    page.mouse.move(panel["x"] + panel["width"] / 2, panel["y"] + panel["height"] / 2)
    for _ in range(120):
        box = locator.bounding_box(timeout=TIMEOUT_MS)
        if box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]:
            return box
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(50)
    raise AssertionError("the wheel never brought it into view")


@pytest.mark.parametrize("viewport", [PROJECTOR, LAPTOP], ids=["1280x720", "1440x900"])
def test_on_the_store_a_click_shows_the_newest_passages_and_more_on_request(
    store_server, playwright_browser, request, viewport
):
    context, page, guard = _page(playwright_browser, request, viewport)
    try:
        page.goto(store_server.url + "/")
        component_frame(page, TIMEOUT_MS)
        before = scroll_state(page)
        x, y = place_point(page, "iturup", TIMEOUT_MS)
        page.mouse.click(x, y)
        expect(_header(page)).to_have_text(LABELS["iturup"], timeout=TIMEOUT_MS)
        assert scroll_state(page) == before, "the page scrolled on the click"
        _assert_selected(page, "iturup", viewport)
        passages = component(page).locator('#kx-body div[data-passages="iturup"] .kx-passage')
        expect(passages).to_have_count(30, timeout=TIMEOUT_MS)
        expect(passages.first).to_contain_text("Report number")  # the newest articles (2022) first
        more = component(page).locator('#kx-body button[data-kx-more="iturup"]')
        # It sits below the first 30 passages: the reader scrolls the panel with the wheel to reach it.
        box = _wheel_into_view(page, more, viewport)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(passages).to_have_count(44, timeout=TIMEOUT_MS)  # 40 reports and the seeds' four
        # A group's passages ("Also mentioned as part of …", folded) are drawn when it is opened.
        group = component(page).locator("#kx-body section[data-tab=passages] details").first
        expect(group.locator(".kx-passage")).to_have_count(0)
        summary = group.locator("summary")
        _wheel_into_view(page, summary, viewport)
        box = summary.bounding_box(timeout=TIMEOUT_MS)
        page.mouse.click(box["x"] + 20, box["y"] + box["height"] / 2)
        expect(group.locator(".kx-passage").first).to_be_visible(timeout=TIMEOUT_MS)
        x, y = place_point(page, "kunashir", TIMEOUT_MS)
        page.mouse.click(x, y)
        expect(_header(page)).to_have_text(LABELS["kunashir"], timeout=TIMEOUT_MS)
        guard.assert_clean()
    except Exception:
        save_artifacts(page, f"store-{viewport['width']}x{viewport['height']}")
        raise
    finally:
        context.close()
