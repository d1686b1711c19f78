"""Lesson mode: the lesson file validates, broken lessons are named precisely, steps resolve, HTML is
escaped, the handout has one page per step, and the schematic treaty lines lie in their straits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from explorer.data.errors import DataError
from explorer.render.lesson import (
    DEFAULT_LESSON,
    TREATY_LINES_PATH,
    handout_html,
    load_lesson,
    render_step_html,
    resolve_step,
    validate_lesson,
    validate_treaty_lines,
)

ROOT = Path(__file__).resolve().parents[1]
GEODATA = ROOT / "geodata"


@pytest.fixture(scope="module")
def evidence():
    from explorer.evidence import Evidence

    return Evidence.load()


@pytest.fixture(scope="module")
def lesson():
    return load_lesson(DEFAULT_LESSON)


def _validate(path: Path, evidence) -> list[DataError]:
    return validate_lesson(path, evidence.gazetteer, evidence.corpus, evidence.facts)


def _broken(tmp_path: Path, change) -> Path:
    """A copy of the shipped lesson with one change applied to its parsed YAML."""
    data = yaml.safe_load(DEFAULT_LESSON.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shipped lesson


def test_shipped_lesson_validates(evidence) -> None:
    assert _validate(DEFAULT_LESSON, evidence) == []


def test_shipped_lesson_covers_the_brief(lesson) -> None:
    ids = [step.id for step in lesson.steps]
    assert ids[:3] == ["where", "shimoda-1855", "st-petersburg-1875"]
    assert lesson.steps[0].map.view == "neutral" and lesson.steps[0].map.lang == "both"
    assert {"treaty_1855"} <= set(lesson.steps[1].map.layers)
    assert "treaty_1875" in lesson.steps[2].map.layers
    views = {step.map.view for step in lesson.steps}
    assert {"japan", "russia", "neutral"} <= views
    for step in lesson.steps:
        assert 1 <= len(step.questions) <= 3
        sentences = len(re.findall(r"[.!?](?:\s|$)", step.explanation))
        assert 2 <= sentences <= 5, f"step {step.id}: explanations are 2-4 sentences ({sentences})"
        for entry in step.background:
            assert entry.source.title and (entry.source.publisher or entry.source.author)
    quotes = {(e.file, e.quote) for step in lesson.steps for e in step.evidence if e.quote}
    facts = {e.fact for step in lesson.steps for e in step.evidence if e.fact}
    assert {"kurils-missiles-2016.000", "kurils-missiles-2016.002"} <= facts
    assert any("four Russian Kuril Islands" in q for _, q in quotes)
    assert any("Northern Territories" in q for _, q in quotes)
    assert any("islands claimed by both countries" in q for _, q in quotes)


# --------------------------------------------------------------------------- broken lessons


def _only(problems: list[DataError]) -> DataError:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_unknown_place_is_named_with_file_and_step(tmp_path: Path, evidence) -> None:
    path = _broken(tmp_path, lambda d: d["steps"][1]["map"]["highlight"].append("atlantis"))
    problem = _only(_validate(path, evidence))
    assert Path(problem.file) == path
    assert "step 2 ('shimoda-1855')" in problem.where
    assert "unknown place id 'atlantis'" in problem.problem


def test_quote_not_in_article_names_step_and_file(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][0]["evidence"][1]["quote"] = "the islands were sold in 1867"

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "step 1 ('where'), evidence[1]" in problem.where
    assert "quote not found in 001_47c0697c2c071386.txt" in problem.problem
    assert "sold in 1867" in str(problem)


def test_quote_with_straight_quotation_marks_gets_a_hint(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][0]["evidence"][1]["quote"] = "known in Japan as the 'Northern Territories'"

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "different quotation marks" in problem.problem


def test_ambiguous_quote_is_refused(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][0]["evidence"][0]["file"] = "001_47c0697c2c071386.txt"
        d["steps"][0]["evidence"][0]["quote"] = "peace treaty"

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "occurs" in problem.problem and "times in 001_47c0697c2c071386.txt" in problem.problem


def test_quote_from_a_file_outside_the_corpus(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][0]["evidence"][0]["file"] = "999_missing.txt"

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "step 1 ('where')" in problem.where and "'999_missing.txt', which is not in the corpus" in problem.problem


def test_unknown_fact_is_named(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][6]["evidence"][0]["fact"] = "kurils-missiles-2016.009"

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "step 7 ('deployments-2016'), evidence[0]" in problem.where
    assert "unknown fact (account id) 'kurils-missiles-2016.009'" in problem.problem
    assert "kurils-missiles-2016.000" in problem.problem  # the hint lists the event's accounts


def test_unknown_layer_is_named(tmp_path: Path, evidence) -> None:
    path = _broken(tmp_path, lambda d: d["steps"][1]["map"]["layers"].append("treaty_1905"))
    problem = _only(_validate(path, evidence))
    assert "step 2 ('shimoda-1855')" in problem.where and "unknown layer 'treaty_1905'" in problem.problem


@pytest.mark.parametrize("questions", [[], None, ["   "]])
def test_missing_questions_are_refused(tmp_path: Path, evidence, questions) -> None:
    def change(d):
        if questions is None:
            del d["steps"][2]["questions"]
        else:
            d["steps"][2]["questions"] = questions

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert Path(problem.file).name == "broken.yaml"
    assert "steps[2] (id 'st-petersburg-1875').questions" in problem.problem


@pytest.mark.parametrize(
    ("bounds", "words"),
    [
        ([[46.8, 151.2], [44.0, 145.5]], "south-west of the second"),
        ([[44.0, 145.5, 1.0], [46.8, 151.2]], "steps[1] (id 'shimoda-1855').map.bounds"),
        ([[145.5, 44.0], [151.2, 46.8]], "latitudes in -90..90"),
    ],
)
def test_invalid_bounds_are_refused(tmp_path: Path, evidence, bounds, words) -> None:
    def change(d):
        d["steps"][1]["map"]["bounds"] = bounds

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert words in str(problem)


def test_bounds_outside_the_region_suggest_swapped_coordinates(tmp_path: Path, evidence) -> None:
    def change(d):
        d["steps"][1]["map"]["bounds"] = [[10.0, 40.0], [20.0, 50.0]]

    problem = _only(_validate(_broken(tmp_path, change), evidence))
    assert "step 2 ('shimoda-1855')" in problem.where and "swapped" in problem.problem


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path, evidence) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nid: x\ntitle: [unclosed\nsteps: []\n", encoding="utf-8")
    problem = _only(_validate(path, evidence))
    assert Path(problem.file) == path and "not valid YAML" in problem.problem and problem.where.startswith("line ")


def test_unknown_key_in_a_step_is_refused(tmp_path: Path, evidence) -> None:
    problem = _only(_validate(_broken(tmp_path, lambda d: d["steps"][3].update(explaination="typo")), evidence))
    assert "steps[3] (id 'war-1945').explaination" in problem.problem


def test_background_without_citation_is_refused(tmp_path: Path, evidence) -> None:
    problem = _only(_validate(_broken(tmp_path, lambda d: d["steps"][1]["background"][0].pop("source")), evidence))
    assert "background[0].source" in problem.problem


def test_missing_file_is_one_problem(tmp_path: Path, evidence) -> None:
    problem = _only(_validate(tmp_path / "nope.yaml", evidence))
    assert "does not exist" in problem.problem


# --------------------------------------------------------------------------- resolving and rendering


def test_resolve_every_step(lesson, evidence) -> None:
    for index, step in enumerate(lesson.steps):
        view = resolve_step(lesson, index, evidence)
        assert view.problems == (), (step.id, view.problems)
        assert view.number == index + 1 and view.total == len(lesson.steps)
        (south, west), (north, east) = view.bounds
        assert 30 <= south < north <= 60 and 125 <= west < east <= 165
        assert len(view.quotes) + len(view.facts) == len(step.evidence)
        for quote in view.quotes:
            document = evidence.corpus.document(quote.file)
            assert document.text[quote.start : quote.end] == quote.quote
            assert quote.passage_start <= quote.start < quote.end <= quote.passage_end
            assert quote.passage_ids and all(pid.startswith(Path(quote.file).stem) for pid in quote.passage_ids)
            before, exact, after = quote.segments()
            assert exact == quote.quote and before + exact + after == quote.passage_text
        for fact in view.facts:
            assert fact.account.id == fact.fact and fact.passage is not None
            assert fact.passage.quote == fact.account.quote.exact
        assert [layer.id for layer in view.layers] == step.map.layers
    with pytest.raises(IndexError):
        resolve_step(lesson, len(lesson.steps), evidence)


def test_focus_bounds_cover_the_focus_places(lesson, evidence) -> None:
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "deployments-2016")
    (south, west), (north, east) = resolve_step(lesson, index, evidence).bounds
    # Iturup reaches 148.89E 45.56N, Kunashir's south-west tip is near 145.4E 43.6N.
    assert west < 145.5 and east > 148.9 and south < 43.7 and north > 45.5


def test_render_step_escapes_hostile_text(tmp_path: Path, lesson, evidence) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    step = lesson.steps[0].model_copy(update={"explanation": hostile + " & more.", "questions": [hostile]})
    evil = lesson.model_copy(update={"title": hostile, "steps": [step]})
    view = resolve_step(evil, 0, evidence)
    from dataclasses import replace

    from explorer.render.lesson import PassageView

    quote = view.quotes[0]
    bad_quote = PassageView(
        quote.file, hostile, 0, len(hostile), hostile, ("x:p0.s0",), 0, len(hostile), hostile, note=hostile
    )
    html = render_step_html(replace(view, quotes=(bad_quote,)), evidence.gazetteer)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&amp; more." in html
    page = handout_html(evil, evidence, picture_svg=None)
    assert "<script" not in page and "<img" not in page


def test_render_step_shows_background_marked_and_cited(lesson, evidence) -> None:
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "declaration-1956")
    html = render_step_html(resolve_step(lesson, index, evidence), evidence.gazetteer)
    assert "Background (not from the corpus)" in html
    assert "United Nations Treaty Series, vol. 263" in html and "Article 9" in html
    assert "<mark>" in html  # the quote is marked inside its passage


def test_render_step_uses_the_step_view_for_names(lesson, evidence) -> None:
    japan = next(i for i, s in enumerate(lesson.steps) if s.map.view == "japan")
    russia = next(i for i, s in enumerate(lesson.steps) if s.map.view == "russia")
    japan_html = render_step_html(resolve_step(lesson, japan, evidence), evidence.gazetteer)
    russia_html = render_step_html(resolve_step(lesson, russia, evidence), evidence.gazetteer)
    on_map = lambda html: re.search(r'<p class="kx-onmap">(.*?)</p>', html).group(1)  # noqa: E731
    assert "Etorofu" in on_map(japan_html) and "Iturup" not in on_map(japan_html)
    assert "Iturup" in on_map(russia_html) and "Etorofu" not in on_map(russia_html)


def test_handout_has_one_page_per_step(lesson, evidence) -> None:
    page = handout_html(lesson, evidence, picture_svg=None)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<section class="kx-page"') == len(lesson.steps)
    assert "page-break-after:always" in page
    assert page.count("Background (not from the corpus)") >= 4


def test_handout_uses_the_picture_callable_and_language_override(lesson, evidence) -> None:
    seen = []

    def picture(step):
        seen.append((step.id, step.lang))
        return f'<svg data-step="{step.id}"></svg>'

    page = handout_html(lesson, evidence, lang="ru", picture_svg=picture)
    assert [s for s, _ in seen] == [step.id for step in lesson.steps]
    assert {lang for _, lang in seen} == {"ru"}
    assert page.count("<svg data-step=") == len(lesson.steps)
    assert "Итуруп" in page


def test_handout_survives_a_failing_picture(lesson, evidence) -> None:
    def picture(step):
        raise RuntimeError("<no font>")

    page = handout_html(lesson, evidence, picture_svg=picture)
    assert page.count("could not be drawn: &lt;no font&gt;") == len(lesson.steps)


# --------------------------------------------------------------------------- treaty lines


def _shapes():
    from shapely.geometry import shape

    lines = {f["id"]: f for f in json.loads(TREATY_LINES_PATH.read_text(encoding="utf-8"))["features"]}
    islands = {f["id"]: shape(f["geometry"]) for f in json.loads((GEODATA / "islands.geojson").read_text())["features"]}
    region = {f["id"]: shape(f["geometry"]) for f in json.loads((GEODATA / "region.geojson").read_text())["features"]}
    return lines, islands, region


def _metres(geom):
    from explorer.build.geodata_build import _apply, _transformers

    return _apply(_transformers()[0], geom)


def test_treaty_lines_file_is_valid() -> None:
    assert validate_treaty_lines() == []
    lines, _, _ = _shapes()
    assert set(lines) == {"treaty_1855", "treaty_1875"}
    for feature in lines.values():
        props = feature["properties"]
        assert feature["geometry"]["type"] == "LineString" and props["kind"] == "treaty_line"
        assert props["schematic"] is True and "https://" in props["source"] and props["note"].endswith(".")
    assert lines["treaty_1855"]["properties"]["year"] == 1855
    assert lines["treaty_1875"]["properties"]["year"] == 1875


def test_treaty_1855_lies_in_the_strait_between_iturup_and_urup() -> None:
    from shapely.geometry import LineString, Point, shape

    lines, islands, _ = _shapes()
    line = shape(lines["treaty_1855"]["geometry"])
    assert line.is_valid and not line.intersects(islands["iturup"]) and not line.intersects(islands["urup"])
    line_m, iturup_m, urup_m = _metres(line), _metres(islands["iturup"]), _metres(islands["urup"])
    midpoint = line_m.interpolate(0.5, normalized=True)
    d_iturup, d_urup = midpoint.distance(iturup_m), midpoint.distance(urup_m)
    assert abs(d_iturup - d_urup) < 500, "the middle of the line is equally far from both islands"
    gap = iturup_m.distance(urup_m)
    assert d_iturup < 0.6 * gap, "the middle of the line is in the gap, not off to the side"
    # The line separates the islands: it crosses the segment joining their centroids.
    assert line_m.intersects(LineString([iturup_m.centroid, urup_m.centroid]))
    # Every point of the line is about equally far from both islands (an equidistance line).
    for x, y in line_m.coords:
        p = Point(x, y)
        assert abs(p.distance(iturup_m) - p.distance(urup_m)) < 50
    assert 60_000 < line_m.length < 150_000


def test_treaty_1875_lies_between_shumshu_and_kamchatka() -> None:
    import shapely
    from shapely.geometry import LineString, shape

    lines, islands, region = _shapes()
    line = shape(lines["treaty_1875"]["geometry"])
    kamchatka = shapely.intersection(region["asia_mainland"], shapely.box(155.5, 50.5, 163.0, 56.0))
    assert not line.intersects(islands["shumshu"]) and not line.intersects(kamchatka)
    assert not any(line.intersects(geom) for geom in islands.values())
    line_m, shumshu_m, kamchatka_m = _metres(line), _metres(islands["shumshu"]), _metres(kamchatka)
    midpoint = line_m.interpolate(0.5, normalized=True)
    assert abs(midpoint.distance(shumshu_m) - midpoint.distance(kamchatka_m)) < 1500
    assert midpoint.distance(shumshu_m) < 10_000  # in the First Kuril Strait (about 11 km wide)
    from shapely.ops import nearest_points

    cape_lopatka = nearest_points(kamchatka_m, shumshu_m)[0]
    assert line_m.intersects(LineString([shumshu_m.centroid, cape_lopatka]))


def test_treaty_lines_replay_from_the_committed_geometry() -> None:
    """The committed file is exactly what the build computes from the committed islands and region."""
    from explorer.build.geodata_build import build_treaty_lines, dumps

    islands = json.loads((GEODATA / "islands.geojson").read_text(encoding="utf-8"))
    region = json.loads((GEODATA / "region.geojson").read_text(encoding="utf-8"))
    collection, figures = build_treaty_lines(islands, region)
    assert dumps(collection) == TREATY_LINES_PATH.read_text(encoding="utf-8")
    report = json.loads((GEODATA / "build-report.json").read_text(encoding="utf-8"))
    assert report["treaty_lines"]["lines"] == figures


def test_treaty_lines_need_their_islands() -> None:
    from explorer.build.geodata_build import build_treaty_lines

    empty = {"type": "FeatureCollection", "features": []}
    with pytest.raises(DataError, match="iturup"):
        build_treaty_lines(empty, empty)
    collection, figures = build_treaty_lines(empty, empty, skip_missing=True)
    assert collection["features"] == [] and all("skipped" in f for f in figures)


@pytest.mark.browser
def test_printed_handout_is_one_page_per_step_with_a_readable_map(lesson, evidence, tmp_path) -> None:
    """In Chromium's print layout on A4: every step fits one page (the PDF has exactly one page per step,
    so none is empty), each map is at least 16 cm wide and its smallest text at least 8 pt."""
    import re as regex

    from playwright.sync_api import sync_playwright

    from explorer.render.lesson import handout_html

    page_html = tmp_path / "handout.html"
    page_html.write_text(handout_html(lesson, evidence), encoding="utf-8")
    mm = 96 / 25.4
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": round((210 - 18) * mm), "height": round((297 - 18) * mm)})
            page.goto(page_html.as_uri())
            page.emulate_media(media="print")
            measured = page.evaluate(
                """() => Array.from(document.querySelectorAll('.kx-page')).map(p => {
                  const svg = p.querySelector('.kx-picture > svg');
                  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                  const sizes = Array.from(svg.querySelectorAll('text')).map(t => parseFloat(t.getAttribute('font-size')) * scale);
                  return {height: p.getBoundingClientRect().height, width: svg.getBoundingClientRect().width,
                          smallest: Math.min(...sizes), labels: sizes.length};
                })"""
            )
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert len(measured) == len(lesson.steps)
    for number, step in enumerate(measured, start=1):
        assert step["height"] <= (297 - 18) * mm, f"step {number} runs over its page ({step['height']:.0f} px)"
        assert step["width"] >= 160 * mm, f"step {number}'s map is {step['width'] / mm:.0f} mm wide"
        assert step["labels"] and step["smallest"] >= 8 * 96 / 72 - 0.01, (
            f"step {number}: text of {step['smallest']:.1f} px"
        )
    assert len(regex.findall(rb"/Type\s*/Page[^s]", pdf)) == len(lesson.steps)
