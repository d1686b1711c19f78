"""The exported page as its users meet it, in Debian's Chromium: clicked with the real mouse without
scrolling into view first, embedded in a report's iframe, read in every view, printed.

Every point clicked is computed from the map (the island's curated anchor through Leaflet) and must be
inside the viewport as it stands: nothing here scrolls before a click.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import expect, sync_playwright

from explorer.data.gazetteer import load_gazetteer
from explorer.evidence import Evidence
from explorer.render.export_map import export_map
from explorer.render.mapview import STATE_NAMES, claim_code
from explorer.render.viewpoints import LANGS, VIEWS

pytestmark = pytest.mark.browser
VIEWPORTS = [(1280, 720), (1440, 900)]
TIMEOUT = 30_000
GAZETTEER = load_gazetteer()
DISPUTED_ISLANDS = ["iturup", "kunashir", "shikotan", "habomai"]  # at the default zoom the islets are one target
HABOMAI_ISLETS = [p.id for p in GAZETTEER.places if p.parent == "habomai" and p.layer == "islands"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("export-browser")


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence.load()


@pytest.fixture(scope="module")
def seeds_map(export_dir: Path, evidence: Evidence) -> Path:
    out = export_dir / "map.html"
    export_map(out, evidence, exported_on=dt.date(2026, 12, 2))
    return out


@pytest.fixture()
def page_factory(browser):
    contexts = []

    def make(width: int, height: int):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.kx_errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


def report_page(folder: Path, target: str, width: int, height: int, spacer: int, name: str = "report.html") -> Path:
    """A report-like page: a heading, text, then the export in an iframe that runs past the fold."""
    host = folder / name
    text = "<p>" + "Analysts write about the islands here. " * 12 + "</p>"
    host.write_text(
        f'<!doctype html><html lang="en"><title>Report</title><body style="margin:8px;font:16px sans-serif">'
        f'<h1>Quarterly report</h1>{text}<div style="height:{spacer}px"></div>'
        f'<iframe src="{target}" title="Evidence map" style="width:{width}px;height:{height}px;border:1px solid #888">'
        f"</iframe>{text * 6}</body></html>",
        encoding="utf-8",
    )
    return host


MAP_JS = "Object.values(window).find(v => v && v instanceof L.Map)"

# The anchor of a place in the frame's viewport coordinates, once the page has laid the map out and the
# point hits something that selects that place (its land, its hit area or its label).
POINT_JS = (
    """(id) => {
  const map = """
    + MAP_JS
    + """;
  if (!map || !map.kx) return null;
  const anchor = map.kx.anchorOf(id);
  if (!anchor) return null;
  const p = map.latLngToContainerPoint(anchor);
  const r = map.getContainer().getBoundingClientRect();
  const x = r.left + p.x, y = r.top + p.y;
  const hit = document.elementFromPoint(x, y);
  return hit ? {x, y, target: map.kx.placeOf(hit)} : null;
}"""
)


def frame_offset(page, frame) -> tuple[float, float]:
    if frame is page.main_frame:
        return 0.0, 0.0
    box = page.locator("iframe").bounding_box()
    border = page.locator("iframe").evaluate("f => parseFloat(getComputedStyle(f).borderLeftWidth)")
    return box["x"] + border, box["y"] + border


def point_of(page, frame, place: str) -> tuple[float, float]:
    handle = frame.wait_for_function(
        f"(id) => {{ const v = ({POINT_JS})(id); return v && v.target === id ? v : null; }}", arg=place
    )
    point = handle.json_value()
    dx, dy = frame_offset(page, frame)
    x, y = point["x"] + dx, point["y"] + dy
    viewport = page.viewport_size
    assert 0 <= x < viewport["width"] and 0 <= y < viewport["height"], f"{place} at {x:.0f},{y:.0f} is off screen"
    return x, y


def scroll_positions(page, frame) -> tuple[float, float]:
    return page.evaluate("window.scrollY"), frame.evaluate("window.scrollY")


def assert_selected(frame, place: str) -> None:
    frame.wait_for_function(f"(id) => {MAP_JS}.kx.selected === id", arg=place)
    expect(frame.locator("#kx-panel-body h2")).to_have_attribute("data-kx-name", place, timeout=TIMEOUT)
    state = frame.evaluate(
        """(id) => {
      const map = """
        + MAP_JS
        + """;
      const widths = {};
      map.eachLayer(l => { const p = l.feature && l.feature.properties;
        if (p && p.id && l._path && l.getBounds) widths[p.id] = parseFloat(l._path.getAttribute('stroke-width')); });
      return {widths, inside: map.getBounds().contains(map.kx.bounds(id))};
    }""",
        place,
    )
    selected = GAZETTEER.covered_by(place)  # a group is selected with its members
    others = [w for pid, w in state["widths"].items() if pid not in selected and GAZETTEER.by_id[pid].disputed]
    assert state["widths"][place] > max(others), f"the selected {place} is not drawn differently: {state['widths']}"
    assert state["inside"], f"{place} is not inside the map's bounds"


def open_export(page, folder: Path, target: Path, embedded: bool, width: int, height: int, fragment: str = ""):
    """The export itself, or a report page with the export in an iframe that runs past the fold."""
    if not embedded:
        page.goto(target.as_uri() + fragment)
        frame = page.main_frame
    else:
        host = report_page(folder, target.as_uri() + fragment, min(width - 40, 1100), 700, spacer=max(0, height - 700))
        page.goto(host.as_uri())
        frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function(
        f"{MAP_JS} && {MAP_JS}.kx && document.querySelectorAll('path.leaflet-interactive').length > 30"
    )
    return frame


@pytest.mark.parametrize("width,height", VIEWPORTS)
@pytest.mark.parametrize("embedded", [False, True], ids=["page", "iframe"])
@pytest.mark.parametrize("first", ["shikotan", "iturup"])
def test_first_click_selects_without_scrolling(
    page_factory, export_dir, seeds_map, width, height, embedded, first
) -> None:
    page = page_factory(width, height)
    frame = open_export(page, export_dir, seeds_map, embedded, width, height)
    if embedded:  # the point of the test: the map frame is not wholly in view
        frame_box = page.locator("iframe").bounding_box()
        assert frame_box["y"] + frame_box["height"] > height, "the report's iframe must run past the fold"
    before = scroll_positions(page, frame)
    page.mouse.click(*point_of(page, frame, first))
    assert_selected(frame, first)
    assert scroll_positions(page, frame) == before, "the click scrolled the page"
    for place in [p for p in DISPUTED_ISLANDS if p != first]:
        page.mouse.click(*point_of(page, frame, place))
        assert_selected(frame, place)
    assert scroll_positions(page, frame) == before
    assert page.kx_errors == []


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_every_habomai_islet_selects_on_first_click(page_factory, export_dir, seeds_map, width, height):
    """At the default zoom the islets are 1 to 3 px apart and share the group's target; a deep link to
    the group zooms in until each islet is a target of its own."""
    page = page_factory(width, height)
    frame = open_export(page, export_dir, seeds_map, True, width, height, "#habomai")
    frame.wait_for_function(f"{MAP_JS}.kx.selected === 'habomai'")
    before = scroll_positions(page, frame)
    for islet in HABOMAI_ISLETS:
        page.mouse.click(*point_of(page, frame, islet))
        assert_selected(frame, islet)
    assert scroll_positions(page, frame) == before
    assert page.kx_errors == []


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_labels_select_their_place(page_factory, export_dir, seeds_map, width, height):
    page = page_factory(width, height)
    frame = open_export(page, export_dir, seeds_map, True, width, height)
    before = scroll_positions(page, frame)
    for place in ["iturup", "kunashir", "shikotan", "habomai"]:
        label = frame.locator(f'.kx-label[data-kx-id="{place}"]')
        expect(label).to_be_visible(timeout=TIMEOUT)
        box = label.bounding_box()  # in the page's viewport, iframe offset included
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        frame.wait_for_function(f"(id) => {MAP_JS}.kx.selected === id", arg=place)
    assert scroll_positions(page, frame) == before
    assert page.kx_errors == []


def test_keyboard_still_pans_and_labels_select(page_factory, seeds_map) -> None:
    page = page_factory(1280, 720)
    page.goto(seeds_map.as_uri())
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx")
    page.evaluate(f"{MAP_JS}.getContainer().focus()")
    centre = page.evaluate(f"{MAP_JS}.getCenter().lng")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"(c) => Math.abs({MAP_JS}.getCenter().lng - c) > 0.01", arg=centre)
    page.locator('.leaflet-marker-icon:has(.kx-label[data-kx-id="kunashir"])').focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"{MAP_JS}.kx.selected === 'kunashir'")


def test_pick_and_deep_link_reveal_the_place_without_redrawing(page_factory, seeds_map) -> None:
    page = page_factory(1280, 720)
    page.goto(seeds_map.as_uri() + "#shikotan")
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === 'shikotan'")
    page.evaluate(f"window.kxMarker = {MAP_JS}.getPane('overlayPane').firstChild")  # the same SVG after a pick
    zoom_default = page.evaluate(f"{MAP_JS}.getBoundsZoom([[42.9, 139.5], [51.6, 157.8]])")
    assert page.evaluate(f"{MAP_JS}.getZoom()") > zoom_default  # zoomed in to it
    assert page.evaluate(f"{MAP_JS}.getBounds().contains({MAP_JS}.kx.bounds('shikotan'))")
    page.select_option("#kx-pick", "paramushir")
    page.wait_for_function(f"{MAP_JS}.kx.selected === 'paramushir'")
    assert page.evaluate(f"{MAP_JS}.getBounds().contains({MAP_JS}.kx.bounds('paramushir'))")
    assert page.evaluate(f"window.kxMarker === {MAP_JS}.getPane('overlayPane').firstChild")


# --- Colours tell the truth in every view --------------------------------------------------------------

FILLS_JS = (
    """() => {
  const map = """
    + MAP_JS
    + """;
  const out = {land: {}, claims: {}, legend: [], drawn: []};
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!p || !l._path || !l.getBounds) return;
    const fill = l._path.getAttribute('fill');
    if (p.claimOf) { out.claims[p.claimOf] = fill; out.drawn.push(fill); }
    else if (p.id && !p.id.startsWith('treaty_')) { out.land[p.id] = fill; out.drawn.push(fill); }
  });
  document.querySelectorAll('.kx-legend .kx-row').forEach(row => out.legend.push({
    admin: row.getAttribute('data-kx-admin'), claim: row.getAttribute('data-kx-claim'), text: row.textContent,
    fill: (row.querySelector('.kx-sw-fill') || {getAttribute: () => null}).getAttribute('fill'),
    claimFill: (row.querySelector('.kx-sw-claim') || {getAttribute: () => null}).getAttribute('fill'),
  }));
  return out;
}"""
)


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_draws_administration_and_claim_as_the_legend_says(page_factory, export_dir, evidence, view):
    out = export_dir / f"view-{view}.html"
    export_map(out, evidence, view=view)
    page = page_factory(1280, 720)
    page.goto(out.as_uri())
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx")
    drawn = page.evaluate(FILLS_JS)
    legend_fills = {row["fill"] for row in drawn["legend"]} | {row["claimFill"] for row in drawn["legend"]}
    assert set(drawn["drawn"]) <= legend_fills, f"fills with no legend entry: {set(drawn['drawn']) - legend_fills}"
    checked = 0
    for place in GAZETTEER.places:
        if not place.disputed or place.id not in drawn["land"] or place.kind == "group":
            continue
        admin_rows = [r for r in drawn["legend"] if r["fill"] == drawn["land"][place.id] and r["claim"] is None]
        assert len(admin_rows) == 1 and admin_rows[0]["admin"] == place.administrator, (place.id, admin_rows)
        assert f"Administered by {STATE_NAMES[place.administrator]}" == admin_rows[0]["text"].strip()
        claim_rows = [r for r in drawn["legend"] if r["claimFill"] == drawn["claims"].get(place.id)]
        assert len(claim_rows) == 1 and claim_rows[0]["claim"] == claim_code(place) == place.claimant
        text = claim_rows[0]["text"]
        assert f"administered by {STATE_NAMES[place.administrator]}" in text
        assert f"claimed by {STATE_NAMES[place.claimant]}" in text
        checked += 1
    assert checked >= 10  # Iturup, Kunashir, Shikotan and every Habomai islet


# --- Readable maps ---------------------------------------------------------------------------------------

LABEL_BOXES_JS = """() => Array.from(document.querySelectorAll('.kx-label')).filter(el => el.offsetParent && el.getBoundingClientRect().width)
  .map(el => { const r = el.getBoundingClientRect(); return {id: el.getAttribute('data-kx-id'), x1: r.left, y1: r.top, x2: r.right, y2: r.bottom}; })"""


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_labels_never_overlap_in_any_language_and_legend_covers_no_land(
    page_factory, export_dir, evidence, width, height
) -> None:
    out = export_dir / "all-names.html"
    if not out.exists():
        from explorer.render.export_map import export_map_html
        from explorer.render.mapview import all_label_sets

        out.write_text(export_map_html(evidence, label_sets=all_label_sets()), encoding="utf-8")
    page = page_factory(width, height)
    page.goto(out.as_uri())
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx")
    for view in VIEWS:
        for lang in LANGS:
            page.evaluate(f"{MAP_JS}.kx.setNames('{view}|{lang}')")
            boxes = page.evaluate(LABEL_BOXES_JS)
            shown = {b["id"] for b in boxes}
            assert {"iturup", "kunashir", "shikotan", "habomai"} <= shown, (view, lang, shown)
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    apart = a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] or b["y2"] <= a["y1"]
                    assert apart, f"labels {a['id']} and {b['id']} overlap ({view}, {lang})"
    land = page.evaluate(
        """() => {
      const legend = document.querySelector('.kx-legend'); const r = legend.getBoundingClientRect();
      legend.style.visibility = 'hidden'; const hits = [];
      for (let x = r.left; x < r.right; x += 3) for (let y = r.top; y < r.bottom; y += 3) {
        const el = document.elementFromPoint(x, y);
        if (el && el.tagName === 'path' && el.classList.contains('leaflet-interactive')) hits.push([x, y]);
      }
      legend.style.visibility = ''; return {hits, collapsed: legend.classList.contains('kx-collapsed'), w: r.width};
    }"""
    )
    assert land["hits"] == [], f"the legend covers land at {land}"
    assert not land["collapsed"], "at this size the legend should find a corner of sea"
    assert page.locator(".leaflet-control-attribution").inner_text().strip().startswith("Leaflet")
    assert page.locator(".leaflet-control-attribution svg").count() == 0  # no flag
    counts = page.locator(".kx-legend .kx-note").inner_text()
    assert "passages that mention it" in counts


# --- The exported lesson is the lesson -------------------------------------------------------------------


@pytest.fixture(scope="module")
def lesson():
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    return load_lesson(DEFAULT_LESSON)


@pytest.fixture(scope="module")
def lesson_map(export_dir: Path, evidence: Evidence, lesson) -> Path:
    out = export_dir / "lesson.html"
    export_map(out, evidence, lesson=lesson, exported_on=dt.date(2026, 12, 2))
    return out


def test_each_lesson_step_shows_its_view_names_extent_and_lines(page_factory, lesson_map, lesson, evidence):
    from explorer.render.lesson import resolve_step
    from explorer.render.naming import place_label

    page = page_factory(1280, 720)
    page.goto(lesson_map.as_uri())
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx")
    expect(page.locator("#kx-step-label")).to_have_text(f"Step 1 of {len(lesson.steps)}", timeout=TIMEOUT)
    for number in range(1, len(lesson.steps) + 1):
        step = resolve_step(lesson, number - 1, evidence)
        if number > 1:
            page.locator("body").press("ArrowRight")  # the arrow keys step
        expect(page.locator("#kx-step-label")).to_have_text(f"Step {number} of {len(lesson.steps)}", timeout=TIMEOUT)
        state = page.evaluate(
            f"""() => {{ const m = {MAP_JS}; const names = {{}};
              document.querySelectorAll('.kx-label').forEach(el => {{
                names[el.getAttribute('data-kx-id')] = el.querySelector('.kx-name').textContent; }});
              return {{set: m.kx.set, names, lines: m.kx.shownLines, highlight: m.kx.highlight,
                       bounds: m.getBounds().pad(0.01).contains([[{step.bounds[0][0]}, {step.bounds[0][1]}],
                                                                 [{step.bounds[1][0]}, {step.bounds[1][1]}]]),
                       view: document.getElementById('kx-view-label').textContent}}; }}"""
        )
        assert state["set"] == f"{step.view}|{step.lang}", number
        for place in ("iturup", "kunashir"):
            assert state["names"][place] == place_label(evidence.gazetteer, GAZETTEER[place], step.lang, step.view)
        assert state["view"] == evidence.gazetteer.data.views[step.view].label
        assert sorted(state["lines"]) == sorted(layer.id for layer in step.layers)
        assert state["bounds"], f"step {number}: the map does not show the step's extent"
        for line in step.layers:  # each line shown carries its year and its legend entry
            expect(page.locator(f'.kx-legend [data-kx-line="{line.id}"]')).to_contain_text(
                str(line.year), timeout=TIMEOUT
            )
        assert page.locator(".kx-line-year").all_inner_texts() == [str(layer.year) for layer in step.layers]
        # Previous/Next sit with the step text, on screen.
        for button in ("#kx-prev", "#kx-next"):
            box = page.locator(button).bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720
    page.locator("body").press("ArrowLeft")
    expect(page.locator("#kx-step-label")).to_have_text(
        f"Step {len(lesson.steps) - 1} of {len(lesson.steps)}", timeout=TIMEOUT
    )
    assert page.kx_errors == []


def test_a_lesson_step_offers_the_view_switch(page_factory, lesson_map, lesson):
    number = next(n for n, s in enumerate(lesson.steps, start=1) if s.map.view == "russia")
    page = page_factory(1280, 720)
    page.goto(lesson_map.as_uri() + f"#step-{number}")
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.set.startsWith('russia|')")
    page.locator('#kx-compare button[data-view="japan"]').click()
    page.wait_for_function(f"{MAP_JS}.kx.set.startsWith('japan|')")
    expect(page.locator('.kx-label[data-kx-id="iturup"] .kx-name')).to_have_text("Etorofu", timeout=TIMEOUT)
    expect(page.locator("#kx-view-label")).to_have_text("Japan's view", timeout=TIMEOUT)
    # The facts do not change with the view: the fill is still Russia's administration.
    fills = page.evaluate(FILLS_JS)
    assert fills["land"]["iturup"] == fills["land"]["urup"]


# --- Fit for reports -----------------------------------------------------------------------------------

FRAME_SIZES = [(700, 400), (700, 520), (700, 700), (700, 900), (1000, 600)]


@pytest.mark.parametrize("frame_width,frame_height", FRAME_SIZES)
def test_embedded_export_keeps_evidence_and_island_in_view(
    page_factory, export_dir, seeds_map, frame_width, frame_height
):
    page = page_factory(1280, 1000)
    host = report_page(
        export_dir,
        seeds_map.as_uri() + "#kunashir",
        frame_width,
        frame_height,
        0,
        f"r{frame_width}x{frame_height}.html",
    )
    page.goto(host.as_uri())
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === 'kunashir'")
    expect(frame.locator("#kx-panel-body h2")).to_have_attribute("data-kx-name", "kunashir", timeout=TIMEOUT)
    frame.wait_for_function(f"{MAP_JS}.getBounds().contains({MAP_JS}.kx.bounds('kunashir'))")
    measured = frame.evaluate(
        """() => {
      const w = window.innerWidth, h = window.innerHeight;
      const clip = r => Math.max(0, Math.min(r.right, w) - Math.max(r.left, 0)) * Math.max(0, Math.min(r.bottom, h) - Math.max(r.top, 0));
      const panel = document.getElementById('kx-panel').getBoundingClientRect();
      const passage = document.querySelector('#kx-panel-body .kx-passage').getBoundingClientRect();
      return {share: clip(panel) / (w * h), passage: clip(passage) > 0, compact: document.body.classList.contains('kx-compact'),
              about: getComputedStyle(document.getElementById('kx-about')).display};
    }"""
    )
    assert measured["share"] >= 0.4, (
        f"the evidence takes {measured['share']:.0%} of a {frame_width}x{frame_height} frame"
    )
    assert measured["passage"], "no passage of Kunashir's evidence is visible in the frame"
    if frame_height < 640 or frame_width < 820:
        assert measured["compact"] and measured["about"] == "none"  # provenance behind "About this map"
        frame.locator("#kx-about-btn").click()
        expect(frame.locator("#kx-about")).to_be_visible(timeout=TIMEOUT)
        expect(frame.locator("#kx-about")).to_contain_text("GSHHG", timeout=TIMEOUT)
        expect(frame.locator("#kx-about")).to_contain_text("Point of view", timeout=TIMEOUT)


def test_compact_mode_can_be_asked_for(page_factory, seeds_map) -> None:
    page = page_factory(1440, 900)
    page.goto(seeds_map.as_uri() + "#iturup&compact")
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === 'iturup'")
    assert page.evaluate("document.body.classList.contains('kx-compact')")
    expect(page.locator("#kx-about")).to_be_hidden(timeout=TIMEOUT)
    page.goto(seeds_map.as_uri() + "#iturup")
    page.reload()
    page.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === 'iturup'")
    assert not page.evaluate("document.body.classList.contains('kx-compact')")
    expect(page.locator("#kx-about")).to_be_visible(timeout=TIMEOUT)


# --- Fit for paper -----------------------------------------------------------------------------------------

MM = 96 / 25.4  # CSS pixels per millimetre
PAPERS = {"A4": (210, 297), "Letter": (215.9, 279.4)}
PAGE_MARGIN_MM = 12  # the page's @page rule


@pytest.mark.parametrize("paper", list(PAPERS))
@pytest.mark.parametrize("landscape", [False, True], ids=["portrait", "landscape"])
@pytest.mark.parametrize("place", ["iturup", "habomai"])
def test_printed_export_shows_the_island_then_its_evidence(page_factory, seeds_map, paper, landscape, place) -> None:
    width, height = PAPERS[paper]
    if landscape:
        width, height = height, width
    page_width = round((width - 2 * PAGE_MARGIN_MM) * MM)
    page = page_factory(page_width, round((height - 2 * PAGE_MARGIN_MM) * MM))
    page.goto(seeds_map.as_uri() + f"#{place}")
    page.wait_for_function(f"(id) => {MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === id", arg=place)
    page.emulate_media(media="print")
    page.wait_for_function(
        """(id) => { const m = """
        + MAP_JS
        + """; const r = m.getContainer().getBoundingClientRect();
          let inside = true; m.eachLayer(l => { const p = l.feature && l.feature.properties;
            if (p && p.id === id && l._path && l.getBounds) { const b = l._path.getBoundingClientRect();
              inside = inside && b.left >= r.left && b.right <= r.right && b.top >= r.top && b.bottom <= r.bottom; } });
          return inside && m.getBounds().contains(m.kx.bounds(id)); }""",
        arg=place,
    )
    boxes = page.evaluate(
        """() => { const box = el => { const r = el.getBoundingClientRect(); return {x1: r.left, y1: r.top, x2: r.right, y2: r.bottom}; };
          return {map: box(document.getElementById('kx-map-wrap')),
                  passages: Array.from(document.querySelectorAll('#kx-panel-body .kx-passage')).map(box),
                  texts: Array.from(document.querySelectorAll('#kx-top, #kx-panel-body > *, #kx-about')).map(box),
                  about: box(document.getElementById('kx-about'))}; }"""
    )
    assert boxes["passages"], "the printed page shows no evidence"
    assert boxes["map"]["x2"] - boxes["map"]["x1"] >= 160 * MM - 2  # 17 cm map
    assert all(p["y1"] >= boxes["map"]["y2"] for p in boxes["passages"]), "evidence must follow the map"
    texts = boxes["texts"]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            apart = a["x2"] <= b["x1"] or b["x2"] <= a["x1"] or a["y2"] <= b["y1"] + 0.5 or b["y2"] <= a["y1"] + 0.5
            assert apart, f"printed text overlaps: {a} and {b}"
    pdf = page.pdf(format=paper, landscape=landscape)
    assert (
        pdf.startswith(b"%PDF")
        and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type /Page/") >= 1
    )


# --- The map in the app: it follows the page's ?place= --------------------------------------------------


@pytest.fixture()
def local_site(tmp_path: Path, evidence: Evidence):
    """The app's kind of map (build_map, Leaflet as data: URLs) in a same-origin iframe, served on 127.0.0.1."""
    import subprocess
    import sys
    import time
    import urllib.request

    from browser_support import free_port

    from explorer.render.leaflet_assets import data_urls
    from explorer.render.mapview import MapAssets, build_map

    (tmp_path / "map.html").write_text(build_map(evidence, assets=MapAssets(*data_urls())).get_root().render(), "utf-8")
    (tmp_path / "index.html").write_text(
        '<!doctype html><title>app</title><iframe src="map.html" style="width:900px;height:600px"></iframe>', "utf-8"
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # readiness: the server answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_app_map_follows_the_place_in_the_page_url(page_factory, local_site) -> None:
    page = page_factory(1280, 720)
    page.goto(local_site + "/index.html?place=shikotan")
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_function(f"{MAP_JS} && {MAP_JS}.kx && {MAP_JS}.kx.selected === 'shikotan'")
    assert frame.evaluate(f"{MAP_JS}.getZoom()") > frame.evaluate(
        f"{MAP_JS}.getBoundsZoom([[42.9, 139.5], [51.6, 157.8]])"
    )
    frame.evaluate(f"() => {{ window.kxSvg = {MAP_JS}.getPane('overlayPane').firstChild; }}")
    page.evaluate("history.replaceState(null, '', '?place=paramushir')")  # what the app does after a list pick
    frame.wait_for_function(f"{MAP_JS}.kx.selected === 'paramushir'")
    frame.wait_for_function(f"{MAP_JS}.getBounds().contains({MAP_JS}.kx.bounds('paramushir'))")
    assert frame.evaluate(f"window.kxSvg === {MAP_JS}.getPane('overlayPane').firstChild")  # not redrawn
