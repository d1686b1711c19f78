"""The standalone HTML map, opened from disk in Debian's Chromium with no network."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.evidence import Evidence
from explorer.render.export_map import export_map, export_map_html

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
ARTIFACTS = ROOT / "test-artifacts"
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


@pytest.fixture(scope="module")
def seeds_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "map.html"
    export_map(out, Evidence.load(), exported_on=dt.date(2026, 11, 22))
    return out


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "hostile.html"
    export_map(out, Evidence.load(HOSTILE), place="iturup")
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records failed requests, requests off the file, script errors and dialogs."""

    def __init__(self, browser, name: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.name = name
        self.failed: list[str] = []
        self.remote: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on(
            "request", lambda r: None if r.url.startswith(("file://", "data:", "about:")) else self.remote.append(r.url)
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def check_clean(self) -> None:
        assert self.failed == [], self.failed
        assert self.remote == [], self.remote
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs

    def close(self, failed: bool) -> None:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"{self.name}.png"))
        self.context.close()


@pytest.fixture()
def watched(browser, request):
    pages: list[Watched] = []

    def make(name: str) -> Watched:
        pages.append(Watched(browser, name))
        return pages[-1]

    yield make
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else True
    for page in pages:
        page.close(failed)


_ANCHOR_POINT_JS = """([id, lat, lon]) => {
    const map = Object.values(window).find(v => v && v instanceof L.Map);
    if (!map) return null;
    const p = map.latLngToContainerPoint([lat, lon]);
    const r = map.getContainer().getBoundingClientRect();
    const x = r.x + p.x, y = r.y + p.y;
    const hit = document.elementFromPoint(x, y);
    let ours = false;
    map.eachLayer(l => { if (l._path && l._path === hit && l.feature && l.feature.properties.id === id) ours = true; });
    return ours ? {x, y} : null;  // not laid out yet, or covered: poll again
}"""


def click_place(page, place: str, frame=None) -> None:
    """Click the place's anchor (a curated point on its land), located on screen through Leaflet.

    Polls until the point hits that place's path: right after the paths appear, the page script may
    still be moving the map into its layout (and Leaflet re-laying it out).
    """
    from explorer.data.gazetteer import load_gazetteer

    lon, lat = load_gazetteer()[place].anchor
    target = frame or page
    point = target.wait_for_function(_ANCHOR_POINT_JS, arg=[place, lat, lon], timeout=30_000).json_value()
    if frame is not None:
        offset = page.locator("iframe").bounding_box()
        point = {"x": point["x"] + offset["x"] + 1, "y": point["y"] + offset["y"] + 1}  # + the iframe's border
    page.mouse.click(point["x"], point["y"])


@pytest.mark.browser
def test_opens_from_disk_offline_and_draws_islands(watched, seeds_map: Path) -> None:
    w = watched("export-load")
    w.page.goto(seeds_map.as_uri())
    w.page.wait_for_selector("path.leaflet-interactive")
    assert w.page.locator("path.leaflet-interactive").count() >= 30
    assert "Point of view:" in w.page.locator("#kx-view").inner_text()
    about = w.page.locator("#kx-about").inner_text()
    assert "GSHHG" in about and "LGPL" in about and "sha256:" in about and "2026-11-22" in about
    w.check_clean()


@pytest.mark.browser
def test_click_iturup_shows_its_passages(watched, seeds_map: Path) -> None:
    w = watched("export-click")
    w.page.goto(seeds_map.as_uri())
    w.page.wait_for_selector("path.leaflet-interactive")
    click_place(w.page, "iturup")
    w.page.wait_for_selector("#kx-panel-body h2")
    assert w.page.locator("#kx-panel-body h2").inner_text() == "Iturup / Etorofu"
    marks = w.page.locator("#kx-panel-body .kx-passage mark").all_inner_texts()
    assert "Etorofu" in marks and "Iturup" in marks
    assert "land-to-air" in w.page.locator("#kx-panel-body").inner_text()
    assert w.page.url.endswith("#iturup")
    w.check_clean()


@pytest.mark.browser
def test_fragment_selects_an_island(watched, seeds_map: Path) -> None:
    w = watched("export-hash")
    w.page.goto(seeds_map.as_uri() + "#kunashir")
    w.page.wait_for_selector("#kx-panel-body h2")
    assert w.page.locator("#kx-panel-body h2").inner_text() == "Kunashir / Kunashiri"
    w.page.evaluate("location.hash = '#shikotan'")
    w.page.wait_for_function("document.querySelector('#kx-panel-body h2').textContent === 'Shikotan'")
    w.check_clean()


@pytest.mark.browser
def test_works_inside_an_iframe_and_resizes(watched, seeds_map: Path, tmp_path: Path) -> None:
    host = tmp_path / "report.html"
    host.write_text(
        f'<!doctype html><h1>Report</h1><iframe src="{seeds_map.as_uri()}#iturup" '
        'style="width:900px;height:600px;border:1px solid"></iframe>',
        encoding="utf-8",
    )
    w = watched("export-iframe")
    w.page.goto(host.as_uri())
    frame = w.page.frame_locator("iframe")
    frame.locator("#kx-panel-body h2").wait_for()
    assert frame.locator("#kx-panel-body h2").inner_text() == "Iturup / Etorofu"
    inner = w.page.frames[1]
    width_before = inner.evaluate("document.getElementById('kx-map-wrap').getBoundingClientRect().width")
    w.page.evaluate("document.querySelector('iframe').style.width = '1200px'")
    inner.wait_for_function(
        f"document.getElementById('kx-map-wrap').getBoundingClientRect().width > {width_before + 100}"
    )
    click_place(w.page, "kunashir", frame=inner)
    inner.wait_for_function("document.querySelector('#kx-panel-body h2').textContent.startsWith('Kunashir')")
    w.check_clean()


@pytest.mark.browser
def test_print_layout_keeps_map_and_evidence(watched, seeds_map: Path) -> None:
    w = watched("export-print")
    w.page.goto(seeds_map.as_uri() + "#iturup")
    w.page.wait_for_selector("#kx-panel-body h2")
    w.page.emulate_media(media="print")
    assert w.page.locator("#kx-pick").is_hidden()
    assert w.page.locator("#kx-map-wrap").bounding_box()["height"] > 300
    assert w.page.locator("#kx-panel-body .kx-passage").first.is_visible()
    pdf = w.page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    w.check_clean()


@pytest.mark.browser
def test_hostile_corpus_shows_text_and_runs_nothing(watched, hostile_map: Path) -> None:
    w = watched("export-hostile")
    w.page.goto(hostile_map.as_uri())
    w.page.wait_for_selector("#kx-panel-body h2")
    shown = w.page.locator("#kx-panel-body").inner_text()
    for place in ("shikotan", "habomai", "kunashir"):  # the last one revealed stays in view for the click
        w.page.evaluate(f"location.hash = '#{place}'")
        w.page.wait_for_function(f"location.hash === '#{place}'")
        shown += w.page.locator("#kx-panel-body").inner_text()
    assert "<script>window.__pwned = 1" in shown  # in the headline passage
    assert "${window.__pwned=1}" in shown and "</script><script>" in shown  # near Kunashir, Shikotan
    assert "{{ jinja }}" in shown and "<img src=x" in shown
    click_place(w.page, "kunashir")  # a click also opens the island's tooltip
    w.page.wait_for_selector(".leaflet-tooltip")
    assert w.page.evaluate("typeof window.__pwned") == "undefined"
    w.check_clean()


def test_page_is_one_file_under_budget(seeds_map: Path) -> None:
    page = seeds_map.read_text(encoding="utf-8")
    # Leaflet 150 KB, the geometry, the page script, every label set, and the panels of every place
    # (features of the islands included) for the 5 articles.
    assert seeds_map.stat().st_size < 600_000
    # Links to leafletjs.com in the attribution are links, not loads; nothing is loaded from a host.
    assert not re.search(r"""src=["']https?://|<link|@import|url\(["']?https?:""", page)


def test_page_states_what_it_shows() -> None:
    page = export_map_html(Evidence.load(), view="japan", lang="ja", exported_on=dt.date(2026, 1, 2))
    assert "Point of view:" in page and "2026-01-02" in page and "000_bfc62806fc5b3d83.txt" in page
    assert "択捉島" in page


def test_match_explanations_call_no_side_s_name_the_official_one(seeds_map: Path) -> None:
    """The page serves every view, so a match explanation never calls one state's name "official"."""
    page = seeds_map.read_text(encoding="utf-8")
    assert "standard name" in page
    assert "official name" not in page


def test_hostile_text_never_reaches_a_script_or_template_unescaped(hostile_map: Path) -> None:
    page = hostile_map.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in page and "<img src=x" not in page and "<svg onload" not in page
    assert "&lt;script&gt;window.__pwned" in page
    # Jinja syntax in article text passes through as text: it was never compiled as a template.
    assert "{{ jinja }}" in page and "{% raw %}" in page
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert not any("__pwned" in script or "alert(" in script for script in scripts)


def test_cli_export_map(tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "explorer",
            "export-map",
            str(out),
            "--place",
            "kunashir",
            "--view",
            "russia",
            "--lang",
            "both",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 100_000 and "Южные Курилы" in out.read_text(encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "explorer", "export-map", str(out), "--place", "atlantis"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1 and "atlantis" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def lesson_map(tmp_path_factory) -> Path:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    out = tmp_path_factory.mktemp("export") / "lesson.html"
    export_map(out, Evidence.load(), lesson=load_lesson(DEFAULT_LESSON))
    return out


@pytest.mark.browser
def test_lesson_steps_in_the_exported_page(watched, lesson_map: Path) -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    with_lines = next(n for n, s in enumerate(lesson.steps, start=1) if s.map.layers)
    w = watched("export-lesson")
    w.page.goto(lesson_map.as_uri())
    w.page.wait_for_selector(".kx-lesson-step")
    assert w.page.locator("#kx-step-label").inner_text() == f"Step 1 of {len(lesson.steps)}"
    assert w.page.locator("#kx-prev").is_disabled()
    from explorer.render.mapview import LINE_DASH

    lines = f'path.leaflet-interactive[stroke-dasharray="{LINE_DASH}"]'
    lines_before = w.page.locator(lines).count()
    w.page.evaluate(f"location.hash = '#step-{with_lines}'")
    w.page.wait_for_function(
        f"document.getElementById('kx-step-label').textContent === 'Step {with_lines} of {len(lesson.steps)}'"
    )
    assert lesson.steps[with_lines - 1].title in w.page.locator("#kx-panel-body h2").inner_text()
    assert w.page.locator(lines).count() > lines_before  # treaty line shown
    w.page.locator("#kx-next").click()
    assert w.page.url.endswith(f"#step-{with_lines + 1}")
    click_place(w.page, "iturup")  # a click still opens a place from within the lesson
    w.page.wait_for_function("document.querySelector('#kx-panel-body h2').textContent === 'Iturup / Etorofu'")
    w.check_clean()


def test_stylesheets_sharing_the_page_define_disjoint_classes() -> None:
    """The map, evidence, page and lesson styles meet in one document: a shared class name (as the
    lesson's badge and the map's labels once did) restyles the other's elements."""
    from explorer.render.evidence_html import CSS as EVIDENCE_CSS
    from explorer.render.export_map import PAGE_CSS
    from explorer.render.lesson import LESSON_CSS
    from explorer.render.mapview import MAP_CSS

    sheets = {"lesson": LESSON_CSS, "map": MAP_CSS, "evidence": EVIDENCE_CSS, "page": PAGE_CSS}
    seen: dict[str, str] = {}
    for name, css in sheets.items():
        for cls in set(re.findall(r"\.(kx-[\w-]+)", css)):
            assert cls not in seen, f".{cls} is styled by both the {seen[cls]} and the {name} stylesheet"
            seen[cls] = name


def test_page_caps_what_one_place_holds(tmp_path: Path) -> None:
    """One hostile article (a 4.5 MB text naming Iturup 650,000 times) and 60 ordinary ones: the page
    keeps the newest passages per place (the cap is a parameter) and a window of an over-long passage,
    counts what it left out, and stays small."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "000_flood.txt").write_text("Iturup " * 650_000, encoding="utf-8")
    for n in range(1, 61):
        (corpus / f"{n:03d}_note.txt").write_text(
            f"Report {n}. Patrol boats were seen off Kunashir on day {n}. Nothing else happened.\n", encoding="utf-8"
        )
    evidence = Evidence.load(corpus)
    page = export_map_html(evidence, place="iturup", max_passages=10)
    assert len(page.encode("utf-8")) < 1_000_000, len(page.encode("utf-8"))
    assert "passage of 4,550,000 characters, cut" in page or "characters, cut" in page
    assert "650,000 mentions in all" in page
    kunashir = page.split('id="kx-passages-kunashir"', 1)[1].split("</template>", 1)[0]
    assert kunashir.count('class="kx-passage"') == 10
    total = sum(len(article.passages) for article in evidence.articles_for("kunashir"))  # the 60, and the seeds'
    assert total >= 60 and f"and {total - 10} more passages in the explorer" in kunashir
    default = export_map_html(evidence)
    assert default.split('id="kx-passages-kunashir"', 1)[1].split("</template>", 1)[0].count('class="kx-passage"') == 25
    with pytest.raises(ValueError):
        export_map_html(evidence, max_passages=0)
