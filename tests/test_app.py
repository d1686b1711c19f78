"""The app's logic through Streamlit's AppTest: clicks, filters, switches, deep links, bad corpora."""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"  # absolute: AppTest.from_file resolves relative paths against this file
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def start(query: dict[str, str] | None = None, corpus: Path | None = None, monkeypatch=None) -> AppTest:
    if corpus is not None:
        monkeypatch.setenv("KURIL_CORPUS", str(corpus))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, place: str) -> None:
    """Simulate st_folium reporting a click on the GeoJSON feature with properties.id == place."""
    component = at.get("component_instance")[0]
    key = json.loads(component.proto.json_args)["key"]
    at.session_state[key] = {"last_active_drawing": {"type": "Feature", "properties": {"id": place}, "geometry": None}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def panel_html(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def headers(at: AppTest) -> list[str]:
    return [h.value for h in at.header]


def widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def test_app_starts_without_a_selection() -> None:
    at = start()
    assert at.title[0].value.startswith("Kuril Islands")
    assert any("Point of view" in info.value for info in at.info)
    assert widget(at, "selectbox", "Place").value is None
    assert at.get("component_instance"), "the map component is missing"


def test_map_uses_local_leaflet_only() -> None:
    at = start()
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    links = args["js_links"] + args["css_links"]
    assert links and all(link.startswith("../../app/static/") for link in links), links
    assert (ROOT / "static" / "leaflet-1.9.4" / "leaflet.js").is_file()
    assert args["returned_objects"] == ["last_active_drawing"]


def test_click_on_iturup_shows_its_passages() -> None:
    at = start()
    click(at, "iturup")
    assert "Iturup / Etorofu" in headers(at)
    html = panel_html(at)
    assert "<mark" in html and "Etorofu</mark>" in html
    assert "land-to-air missile systems" in html  # the 000 passage and the fact's account
    assert "surface-to-ship missiles" in html  # the disagreeing account, side by side
    assert at.query_params["place"] == ["iturup"] or at.query_params["place"] == "iturup"


def test_map_stays_the_same_across_a_click() -> None:
    """st_folium keys its component by the map's content: the click must not change the map."""
    at = start()
    before = json.loads(at.get("component_instance")[0].proto.json_args)["key"]
    click(at, "kunashir")
    after = json.loads(at.get("component_instance")[0].proto.json_args)["key"]
    assert before == after


def test_implicit_and_explicit_mentions_are_told_apart() -> None:
    at = start({"place": "disputed_islands"})
    html = panel_html(at)
    assert 'class="kx-implicit"' in html and "implicit reference" in html


def test_a_click_on_something_unknown_is_ignored() -> None:
    at = start()
    click(at, "atlantis")
    assert widget(at, "selectbox", "Place").value is None


@pytest.mark.parametrize(
    ("query", "header", "view_label_fragment"),
    [
        ({"place": "iturup", "view": "japan", "lang": "en"}, "Etorofu", "Japan"),
        ({"place": "iturup", "view": "russia", "lang": "en"}, "Iturup", "Russia"),
        ({"place": "iturup", "view": "japan", "lang": "ja"}, "択捉島", "Japan"),
        ({"place": "kunashir", "lang": "ru"}, "Кунашир", "eutral"),
        ({"place": "taraku_polonskogo", "lang": "both"}, "多楽島 / остров Полонского", "eutral"),
    ],
)
def test_deep_links_open_exactly_that_view(query, header, view_label_fragment) -> None:
    at = start(query)
    assert header in headers(at)
    statement = next(info.value for info in at.info if "Point of view" in info.value)
    assert view_label_fragment in statement
    assert widget(at, "radio", "Point of view").value == query.get("view", "neutral")
    assert widget(at, "selectbox", "Place names").value == query.get("lang", "en")


def test_group_name_follows_the_view() -> None:
    japan = start({"place": "disputed_islands", "view": "japan"})
    russia = start({"place": "disputed_islands", "view": "russia"})
    assert any("Northern Territories" in h for h in headers(japan))
    assert any("Southern Kurils" in h for h in headers(russia))


def test_bad_query_values_fall_back_to_defaults() -> None:
    at = start({"place": "<script>", "view": "mars", "lang": "xx", "from": "yesterday", "articles": "nope"})
    assert widget(at, "selectbox", "Place").value is None
    assert widget(at, "radio", "Point of view").value == "neutral"
    assert len(widget(at, "multiselect", "Articles").value) == 5


def test_switching_view_changes_labels_and_url() -> None:
    at = start({"place": "kunashir"})
    assert "Kunashir / Kunashiri" in headers(at)
    widget(at, "radio", "Point of view").set_value("japan").run()
    assert "Kunashiri" in headers(at)
    assert dict(at.query_params).get("view") in ("japan", ["japan"])


def test_article_filter_narrows_the_passages() -> None:
    at = start({"place": "iturup"})
    assert "Iturup / Etorofu" in headers(at)
    widget(at, "multiselect", "Articles").set_value(["001_47c0697c2c071386.txt"]).run()
    html = panel_html(at)
    assert "the islands of Iturup" in html
    assert "land-to-air" not in html  # 000 is filtered out: its passage and its fact account


def test_date_filter_narrows_the_passages() -> None:
    at = start({"place": "iturup", "from": "2019-01"})
    html = panel_html(at)
    assert "the islands of Iturup" in html  # 001, 2019-05
    assert "land-to-air" not in html  # 000, 2017-03-20


def test_empty_filter_shows_a_clear_empty_state() -> None:
    at = start({"place": "iturup"})
    widget(at, "multiselect", "Articles").set_value([]).run()
    assert not at.exception
    messages = [w.value for w in at.warning] + [i.value for i in at.info]
    assert any("No article matches these filters" in m for m in messages)
    assert any("No passage in the selected articles mentions" in m for m in messages)


@pytest.mark.parametrize("query", ["択捉", "Итуруп", "Etorofu", "etorofu-to", "ＩＴＵＲＵＰ", "Итурупе"])
def test_search_finds_a_place_by_any_name(query: str) -> None:
    at = start()
    widget(at, "text_input", "Find a place by any of its names").input(query).run()
    assert widget(at, "selectbox", "Place").value == "iturup"


def test_every_place_can_be_picked_from_the_list_without_error() -> None:
    at = start()
    from explorer.data.gazetteer import load_gazetteer

    assert len(widget(at, "selectbox", "Place").options) == len(load_gazetteer().places)
    for place in load_gazetteer().places:
        at.session_state["place"] = place.id
        at.run()
        assert not at.exception, (place.id, [e.value for e in at.exception])
        assert widget(at, "selectbox", "Place").value == place.id
        assert headers(at)[0]  # the place's label heads the panel


def test_hostile_corpus_is_shown_as_text(monkeypatch) -> None:
    at = start({"place": "iturup"}, corpus=HOSTILE, monkeypatch=monkeypatch)
    html = panel_html(at)
    assert "&lt;script&gt;window.__pwned" in html
    assert "<script>window" not in html and "<img src=x" not in html and "<svg" not in html
    markdown = " ".join(m.value for m in at.markdown)
    # Markdown shows "\<img" as the text "<img"; an unescaped "<img" would be markup.
    assert "\\<img" in markdown
    assert not re.search(r"(?<!\\)<(img|script)", markdown)
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert "<script>window" not in script and "${alert" not in script


def test_bad_articles_are_skipped_with_a_message(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Missiles on Iturup.", encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("Kunashiri café".encode("latin-1"))
    (corpus / "empty.txt").write_bytes(b"")
    at = start({"place": "iturup"}, corpus=corpus, monkeypatch=monkeypatch)
    warnings = " ".join(w.value for w in at.warning)
    assert "latin1.txt" in warnings and "not UTF-8" in warnings
    assert "empty.txt" in warnings
    assert "Missiles on" in panel_html(at)


def test_an_unusable_corpus_stops_with_a_message(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.yaml").write_text("version: 1\narticles: [unclosed\n", encoding="utf-8")
    at = start(corpus=corpus, monkeypatch=monkeypatch)
    errors = " ".join(e.value for e in at.error)
    assert "sources.yaml" in errors and "not valid YAML" in errors


def test_lesson_mode_steps_through_every_step() -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    at = start({"lesson": lesson.id})
    assert widget(at, "radio", "Mode").value == "Lesson"
    for number, step in enumerate(lesson.steps, start=1):
        assert at.subheader[0].value == f"Step {number} of {len(lesson.steps)}: {step.title}"
        statement = next(info.value for info in at.info if "Point of view" in info.value)
        assert at.session_state["start"] is not None and statement  # the view is always stated
        html = panel_html(at)
        assert html_escape(step.questions[0]) in html
        assert dict(at.query_params).get("step") in (str(number), [str(number)])
        if number < len(lesson.steps):
            next(b for b in at.button if b.label == "Next ▶").click().run()
            assert not at.exception, [e.value for e in at.exception]
    assert next(b for b in at.button if b.label == "Next ▶").disabled


def test_lesson_step_sets_the_view_and_draws_treaty_lines() -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    number, step = next((n, s) for n, s in enumerate(lesson.steps, start=1) if s.map.view == "japan")
    at = start({"lesson": lesson.id, "step": str(number)})
    statement = next(info.value for info in at.info if "Point of view" in info.value)
    assert "Japan" in statement
    with_lines = next(n for n, s in enumerate(lesson.steps, start=1) if s.map.layers)
    at = start({"lesson": lesson.id, "step": str(with_lines)})
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert "treaty_18" in script


def test_background_is_marked_as_not_from_the_corpus() -> None:
    from explorer.render.lesson import BACKGROUND_HEADING, DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    number = next(n for n, s in enumerate(lesson.steps, start=1) if s.background)
    at = start({"lesson": lesson.id, "step": str(number)})
    assert BACKGROUND_HEADING in panel_html(at)


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "seeds", folder, ignore=shutil.ignore_patterns(".cache"))
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_upload_box_ingests_good_files_and_refuses_bad_ones(corpus_copy: Path, monkeypatch) -> None:
    curated = {p.name: p.read_bytes() for p in corpus_copy.iterdir() if p.is_file()}
    at = start(corpus=corpus_copy, monkeypatch=monkeypatch)
    uploader = at.file_uploader(key="uploads")
    uploader.set_value(
        [
            ("new.txt", "Новые ракеты на Итурупе, сообщили в Москве.\n".encode(), "text/plain"),
            (
                "page.html",
                b"<html><head><title>Kunashir report</title><script>evil()</script></head>"
                b"<body><h1>Kunashir report</h1><p>Troops on Kunashir were reviewed.</p></body></html>",
                "text/html",
            ),
            ("latin1.txt", "Kunashiri café".encode("latin-1"), "text/plain"),
            ("dup.txt", (corpus_copy / "000_bfc62806fc5b3d83.txt").read_bytes(), "text/plain"),
        ]
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    successes = " ".join(s.value for s in at.success)
    assert "new.txt" in successes and "page.html" in successes
    assert any("latin1.txt" in e.value and "UTF-8" in e.value for e in at.error)
    assert any("dup.txt" in i.value and "already" in i.value for i in at.info)
    for name, data in curated.items():
        assert (corpus_copy / name).read_bytes() == data, f"{name} was changed"
    # The new articles are now part of the evidence: Iturup's panel shows the Russian sentence.
    at.session_state["place"] = "iturup"
    at.run()
    assert "Итурупе</mark>" in panel_html(at)


def test_fulltext_search_box(corpus_copy: Path, monkeypatch) -> None:
    at = start(corpus=corpus_copy, monkeypatch=monkeypatch)
    widget(at, "text_input", "Search the passages (any language)").input("surface-to-ship").run()
    assert not at.exception, [e.value for e in at.exception]
    html = panel_html(at)
    assert "<mark>" in html and "Etorofu" in html
    widget(at, "text_input", "Search the passages (any language)").input('") NOT *').run()
    assert not at.exception


def test_picking_an_event_on_the_timeline_keeps_only_its_sources() -> None:
    at = start({"place": "iturup"})
    assert any("Timeline" in s.value for s in at.subheader)
    at.session_state["timeline"] = {"selection": {"pick": [{"event": "foreign-ministers-2019-moscow"}]}}
    at.run()
    assert not at.exception
    html = panel_html(at)
    assert "the islands of Iturup" in html  # 001 reports the 2019 meeting
    assert "land-to-air" not in html  # 000 does not
    assert any(m.value == "**1 passage in 1 article**" for m in at.markdown)


def test_candidate_facts_are_shown_for_review_only(corpus_copy: Path, monkeypatch) -> None:
    (corpus_copy / "005_new.txt").write_text(
        "TOKYO, May 3 (TEST) -- Russia deployed two new radar stations on Iturup in April, officials said.\n",
        encoding="utf-8",
    )
    before = (corpus_copy / "facts.yaml").read_bytes()
    at = start({"place": "iturup"}, corpus=corpus_copy, monkeypatch=monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    expander = next(e for e in at.expander if e.label.startswith("Candidate facts for review"))
    assert not expander.label.endswith(": 0 (not curated)")
    assert "radar stations on Iturup" in panel_html(at)
    assert (corpus_copy / "facts.yaml").read_bytes() == before


def test_fulltext_search_filters_by_place_and_outlet(corpus_copy: Path, monkeypatch) -> None:
    at = start({"place": "kunashir"}, corpus=corpus_copy, monkeypatch=monkeypatch)
    widget(at, "text_input", "Search the passages (any language)").input("missile").run()
    everywhere = panel_html(at).count("<mark>")  # search hits; the place panel's marks carry attributes
    next(c for c in at.checkbox if c.label.startswith("Only passages about")).check().run()
    about_kunashir = panel_html(at).count("<mark>")
    assert 0 < about_kunashir < everywhere
    widget(at, "selectbox", "Outlet").set_value("KUNA").run()
    assert not at.exception
    assert "KUNA" in panel_html(at) or "No passage contains" in " ".join(i.value for i in at.info)
