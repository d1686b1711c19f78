"""The app's logic through Streamlit's AppTest: clicks, filters, switches, deep links, bad corpora."""

from __future__ import annotations

import json
import re
from html import escape as html_escape
from html import unescape as html_unescape
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.app.panel_html import PAGE_SIZE

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


_TOKENS = iter(range(1, 1_000_000))


def args(at: AppTest) -> dict:
    """The arguments the map-and-evidence component was drawn with."""
    components = at.get("component_instance")
    assert len(components) == 1, "exactly one map component"
    return component_args(components[0])


def component_args(component) -> dict:
    """A component's arguments with its ``data`` and ``lesson`` strings decoded (as the page does)."""
    raw = json.loads(component.proto.json_args)
    data = json.loads(raw.pop("data"))
    lesson = raw.pop("lesson", None)
    return {**data, **raw, "lesson": json.loads(lesson) if lesson else None}


def report(at: AppTest, **value) -> None:
    """Simulate the component reporting a click (``place=``), a lesson step (``step=``) or a view."""
    at.session_state["evidence_map"] = {**value, "token": f"test:{next(_TOKENS)}"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def click(at: AppTest, place: str) -> None:
    report(at, place=place)


def shown(at: AppTest) -> str:
    """The panel the page shows for the selected place: its HTML with its passages filled in."""
    a = args(at)
    panel = a["panels"].get(a["selected"] or "", "")
    return re.sub(r'<div data-passages="([a-z0-9_]+)"></div>', lambda m: a["passages"].get(m.group(1), ""), panel)


def header(at: AppTest) -> str | None:
    match = re.search(r'<h2 class="kx-place-title">(.*?)</h2>', shown(at))
    return html_unescape(match.group(1)) if match else None


def page_html(at: AppTest) -> str:
    """Everything drawn with st.html (notices, the top line, search results) and the shown panel."""
    return "\n".join(element.proto.body for element in at.get("html")) + shown(at)


def notices(at: AppTest) -> str:
    return " ".join(
        html_unescape(re.sub(r"<[^>]+>", "", e.proto.body)) for e in at.get("html") if "kx-notice" in e.proto.body
    )


def statement(at: AppTest) -> str:
    top = next(e.proto.body for e in at.get("html") if 'class="kx-top"' in e.proto.body)
    return html_unescape(re.search(r"<summary>(.*?)</summary>", top).group(1))


def widget(at: AppTest, kind: str, label: str):
    return next(w for w in getattr(at, kind) if w.label == label)


def test_app_starts_without_a_selection() -> None:
    at = start()
    assert "Kuril Islands" in page_html(at)
    assert statement(at).startswith("Point of view: Neutral")
    assert widget(at, "selectbox", "Place").value is None
    assert args(at)["selected"] is None
    assert "Click an island" in args(at)["intro"]


def test_map_uses_local_leaflet_only() -> None:
    at = start()
    assets = args(at)["assets"]
    links = assets["js"] + assets["css"]
    assert links and all(link.startswith("../../app/static/") for link in links), links
    assert (ROOT / "static" / "leaflet-1.9.4" / "leaflet.js").is_file()
    script = args(at)["map"]["script"]
    assert "L.map(" in script and "http" not in args(at)["map"]["styles"]


def test_click_on_iturup_shows_its_passages() -> None:
    at = start()
    click(at, "iturup")
    assert header(at) == "Iturup / Etorofu"
    assert args(at)["selected"] == "iturup"
    html = shown(at)
    assert "<mark" in html and "Etorofu</mark>" in html
    assert "land-to-air missile systems" in html  # the 000 passage and the fact's account
    assert "surface-to-ship missiles" in html  # the disagreeing account, side by side
    assert dict(at.query_params)["place"] in ("iturup", ["iturup"])


def test_a_click_changes_neither_the_map_nor_the_panels() -> None:
    """The page keeps its map across a click: only the selection and its acknowledgement change."""
    at = start()
    before = args(at)
    click(at, "kunashir")
    after = args(at)
    assert before["map"] == after["map"] and before["panels"] == after["panels"]
    assert after["selected"] == "kunashir" and after["ack"] == at.session_state["map_ack"]


def test_an_old_report_is_applied_once() -> None:
    """The component's value stays in the session: a later pick in the list must win over it."""
    at = start()
    click(at, "kunashir")
    at.session_state["place"] = "shikotan"
    at.run()
    assert args(at)["selected"] == "shikotan"


def test_implicit_and_explicit_mentions_are_told_apart() -> None:
    at = start({"place": "disputed_islands"})
    html = shown(at)
    assert 'class="kx-implicit"' in html and "implicit reference" in html


@pytest.mark.parametrize("value", ["atlantis", "<script>", None, 7])
def test_a_click_on_something_unknown_is_ignored(value) -> None:
    at = start()
    click(at, value)
    assert widget(at, "selectbox", "Place").value is None


@pytest.mark.parametrize(
    ("query", "label", "view_label_fragment"),
    [
        ({"place": "iturup", "view": "japan", "lang": "en"}, "Etorofu", "Japan"),
        ({"place": "iturup", "view": "russia", "lang": "en"}, "Iturup", "Russia"),
        ({"place": "iturup", "view": "japan", "lang": "ja"}, "択捉島", "Japan"),
        ({"place": "kunashir", "lang": "ru"}, "Кунашир", "eutral"),
        ({"place": "taraku_polonskogo", "lang": "both"}, "多楽島 / остров Полонского", "eutral"),
    ],
)
def test_deep_links_open_exactly_that_view(query, label, view_label_fragment) -> None:
    at = start(query)
    assert header(at) == label
    assert view_label_fragment in statement(at)
    assert widget(at, "selectbox", "Point of view").value == query.get("view", "neutral")
    assert widget(at, "selectbox", "Place names").value == query.get("lang", "en")


def test_group_name_follows_the_view() -> None:
    japan = start({"place": "disputed_islands", "view": "japan"})
    russia = start({"place": "disputed_islands", "view": "russia"})
    assert "Northern Territories" in header(japan)
    assert "Southern Kurils" in header(russia)


def test_bad_query_values_fall_back_to_defaults() -> None:
    at = start({"place": "<script>", "view": "mars", "lang": "xx", "from": "yesterday", "articles": "nope"})
    assert widget(at, "selectbox", "Place").value is None
    assert widget(at, "selectbox", "Point of view").value == "neutral"
    assert len(widget(at, "multiselect", "Articles").value) == 5


def test_switching_view_changes_labels_and_url() -> None:
    at = start({"place": "kunashir"})
    assert header(at) == "Kunashir / Kunashiri"
    widget(at, "selectbox", "Point of view").set_value("japan").run()
    assert header(at) == "Kunashiri"
    assert dict(at.query_params).get("view") in ("japan", ["japan"])
    assert "Japan" in statement(at)


def test_back_or_forward_in_the_browser_restores_the_place() -> None:
    """A changed URL that the app did not write (Back/Forward) sets the place again."""
    at = start({"place": "iturup"})
    click(at, "kunashir")
    assert dict(at.query_params)["place"] in ("kunashir", ["kunashir"])
    at.query_params["place"] = "iturup"  # what the browser's Back puts in the URL
    at.run()
    assert widget(at, "selectbox", "Place").value == "iturup"
    assert args(at)["selected"] == "iturup"


def test_article_filter_narrows_the_passages() -> None:
    at = start({"place": "iturup"})
    assert header(at) == "Iturup / Etorofu"
    widget(at, "multiselect", "Articles").set_value(["001_47c0697c2c071386.txt"]).run()
    html = shown(at)
    assert "the islands of Iturup" in html
    assert "land-to-air" not in html  # 000 is filtered out: its passage and its fact account


def test_article_labels_are_distinguishable() -> None:
    at = start()
    articles = widget(at, "multiselect", "Articles")
    labels = list(articles.options)  # as shown: formatted by the app
    assert len(set(labels)) == len(labels)
    assert all(re.search(r"#\d{3}$", label) for label in labels), labels


def test_date_filter_narrows_the_passages() -> None:
    at = start({"place": "iturup", "from": "2019-01"})
    html = shown(at)
    assert "the islands of Iturup" in html  # 001, 2019-05
    assert "land-to-air" not in html  # 000, 2017-03-20


def test_the_date_slider_keeps_its_range_and_shows_the_urls() -> None:
    at = start({"place": "iturup", "from": "2019-01"})
    slider = widget(at, "select_slider", "Articles published between")
    assert slider.value == ("2019-05", "2019-05")
    click(at, "kunashir")
    click(at, "iturup")
    assert widget(at, "select_slider", "Articles published between").value == ("2019-05", "2019-05")
    assert "the islands of Iturup" in shown(at) and "land-to-air" not in shown(at)
    widget(at, "select_slider", "Articles published between").set_value(("2017-03", "2019-05")).run()
    click(at, "shikotan")
    slider = widget(at, "select_slider", "Articles published between")
    assert slider.value == ("2017-03", "2019-05")
    # The page may drop a widget during a rerun a click cuts short and draw it again from its default: the
    # default is the current range, not the URL's or the whole one.
    assert [slider.options[int(index)] for index in slider.proto.default] == ["2017-03", "2019-05"]
    assert at.query_params["from"] in ("2017-03", ["2017-03"])


def test_a_date_range_of_months_the_corpus_no_longer_has_falls_back_to_the_whole_range() -> None:
    at = start({"place": "iturup"})
    whole = widget(at, "select_slider", "Articles published between").value
    at.session_state["dates"] = ("1999-01", "1999-02")  # as after the articles of those months were removed
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widget(at, "select_slider", "Articles published between").value == whole


def test_empty_filter_shows_a_clear_empty_state() -> None:
    at = start({"place": "iturup"})
    widget(at, "multiselect", "Articles").set_value([]).run()
    assert not at.exception
    assert "No article matches these filters" in notices(at)
    assert "No passage in the selected articles mentions" in shown(at)


@pytest.mark.parametrize("query", ["択捉", "Итуруп", "Etorofu", "etorofu-to", "ＩＴＵＲＵＰ", "Итурупе"])
def test_search_finds_a_place_by_any_name(query: str) -> None:
    at = start()
    widget(at, "text_input", "Find a place by any of its names").input(query).run()
    assert widget(at, "selectbox", "Place").value == "iturup"
    assert args(at)["selected"] == "iturup"


def test_a_name_not_found_clears_the_place_and_suggests() -> None:
    at = start({"place": "kunashir"})
    widget(at, "text_input", "Find a place by any of its names").input("Shikotn").run()
    assert widget(at, "selectbox", "Place").value is None  # not Kunashir under the typo
    assert "No place is called “Shikotn”" in notices(at)
    suggestion = next(b for b in at.button if b.label == "Shikotan")
    suggestion.click().run()
    assert widget(at, "selectbox", "Place").value == "shikotan"
    widget(at, "text_input", "Find a place by any of its names").input("qqqqzz").run()
    assert "no name comes close" in notices(at)


def test_every_place_can_be_picked_from_the_list_without_error() -> None:
    at = start()
    from explorer.data.gazetteer import load_gazetteer

    assert len(widget(at, "selectbox", "Place").options) == len(load_gazetteer().places)
    for place in load_gazetteer().places:
        at.session_state["place"] = place.id
        at.run()
        assert not at.exception, (place.id, [e.value for e in at.exception])
        assert widget(at, "selectbox", "Place").value == place.id
        assert header(at)  # the place's label heads the panel


def test_facts_tab_counts_disagreements_and_passages_are_marked() -> None:
    at = start({"place": "iturup"})
    html = shown(at)
    tab = re.search(r'data-tab="facts"[^>]*>(Facts \([^<]*)</button>', html).group(1)
    assert re.search(r"\d+ disagreements?\)", tab), tab
    assert "⚖ sources disagree on what this reports" in html
    assert 'data-tab="counts"' in html and 'class="kx-num"' in html


def _explanations(html: str) -> str:
    """The app's own words about names: match explanations, mark titles, the Names tab's kinds."""
    whys = re.findall(r'<div class="kx-why">(.*?)</div>', html)
    titles = re.findall(r'<mark[^>]* title="([^"]*)"', html)
    names = re.search(r'<section class="kx-tab" data-tab="names".*?</section>', html).group(0)
    return " ".join(whys + titles + [names])


def test_match_explanation_names_language_and_kind_without_official_in_the_neutral_view() -> None:
    neutral = _explanations(shown(start({"place": "iturup"})))
    assert "official" not in neutral
    assert "Japanese variant, Latin script, Hepburn" in neutral
    assert "English standard name, Latin script, BGN/PCGN" in neutral
    japan = _explanations(shown(start({"place": "iturup", "view": "japan"})))
    assert "Japanese variant, Latin script, Hepburn" in japan  # Etorofu is still a variant spelling


def test_hostile_corpus_is_shown_as_text(monkeypatch) -> None:
    at = start({"place": "iturup"}, corpus=HOSTILE, monkeypatch=monkeypatch)
    a = args(at)
    everything = json.dumps(a["panels"], ensure_ascii=False) + json.dumps(a["passages"], ensure_ascii=False)
    assert "&lt;script&gt;window.__pwned" in shown(at)
    assert "<script>window" not in everything and "<img src=x" not in everything and "<svg" not in everything
    script = a["map"]["script"]
    assert "<script>window" not in script and "${alert" not in script
    for element in at.get("markdown"):  # nothing from the corpus reaches Markdown unescaped
        assert not re.search(r"(?<!\\)<(img|script)", element.value)


def test_bad_articles_are_skipped_with_a_message(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Missiles on Iturup.", encoding="utf-8")
    (corpus / "latin1.txt").write_bytes("Kunashiri café".encode("latin-1"))
    (corpus / "empty.txt").write_bytes(b"")
    at = start({"place": "iturup"}, corpus=corpus, monkeypatch=monkeypatch)
    warnings = notices(at)
    assert "latin1.txt" in warnings and "not UTF-8" in warnings
    assert "empty.txt" in warnings
    assert "Missiles on" in shown(at)


def test_an_unusable_corpus_stops_with_a_message(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "sources.yaml").write_text("version: 1\narticles: [unclosed\n", encoding="utf-8")
    at = start(corpus=corpus, monkeypatch=monkeypatch)
    errors = notices(at)
    assert "The explorer cannot start" in errors and "sources.yaml" in errors and "not valid YAML" in errors


def test_lesson_mode_steps_through_every_step() -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    at = start({"lesson": lesson.id})
    assert widget(at, "radio", "Mode").value == "Lesson"
    for number, step in enumerate(lesson.steps, start=1):
        lesson_args = args(at)["lesson"]
        assert lesson_args["current"] == number and len(lesson_args["steps"]) == len(lesson.steps)
        assert html_escape(step.questions[0]) in lesson_args["steps"][number - 1]["html"]
        assert statement(at).startswith("Point of view:")  # the view is always stated, once, on top
        assert dict(at.query_params).get("step") in (str(number), [str(number)])
        if number < len(lesson.steps):
            report(at, step=number + 1)  # Next (button or arrow key) in the component
    report(at, step=len(lesson.steps) + 5)  # out of range: ignored
    assert args(at)["lesson"]["current"] == len(lesson.steps)


def test_lesson_step_sets_the_view_and_the_switch_overrides_it() -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    number = next(n for n, s in enumerate(lesson.steps, start=1) if s.map.view == "japan")
    at = start({"lesson": lesson.id, "step": str(number)})
    assert "Japan" in statement(at)
    report(at, view="russia")
    assert "Russia" in statement(at)
    assert "Russia" in args(at)["map"]["script"]  # the legend is worded by the view
    report(at, step=number + 1)  # a new step applies its own view again
    assert lesson.steps[number].map.view in ("japan", "russia", "neutral")
    with_lines = next(n for n, s in enumerate(lesson.steps, start=1) if s.map.layers)
    at = start({"lesson": lesson.id, "step": str(with_lines)})
    assert "treaty_18" in args(at)["map"]["script"]


def test_background_is_marked_as_not_from_the_corpus() -> None:
    from explorer.render.lesson import BACKGROUND_HEADING, DEFAULT_LESSON, load_lesson

    lesson = load_lesson(DEFAULT_LESSON)
    number = next(n for n, s in enumerate(lesson.steps, start=1) if s.background)
    at = start({"lesson": lesson.id, "step": str(number)})
    assert BACKGROUND_HEADING in args(at)["lesson"]["steps"][number - 1]["html"]


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
    at = start({"place": "iturup"}, corpus=corpus_copy, monkeypatch=monkeypatch)
    assert "Итурупе</mark>" not in shown(at)
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
    messages = notices(at)
    assert "Added new.txt" in messages and "Added page.html" in messages
    assert "latin1.txt" in messages and "UTF-8" in messages
    assert "dup.txt" in messages and "already" in messages
    for name, data in curated.items():
        assert (corpus_copy / name).read_bytes() == data, f"{name} was changed"
    # At once, in the same interaction: Iturup's panel shows the new Russian sentence.
    assert "Итурупе</mark>" in shown(at)


def test_fulltext_search_box(corpus_copy: Path, monkeypatch) -> None:
    at = start(corpus=corpus_copy, monkeypatch=monkeypatch)
    widget(at, "text_input", "Search the passages (any language)").input("surface-to-ship").run()
    assert not at.exception, [e.value for e in at.exception]
    html = page_html(at)
    assert "<mark>" in html and "Etorofu" in html
    widget(at, "text_input", "Search the passages (any language)").input('") NOT *').run()
    assert not at.exception


@pytest.mark.parametrize("query", ["Итуруп", "択捉", "Etorofu"])
def test_fulltext_search_by_a_place_name_in_any_script_finds_its_passages(
    corpus_copy: Path, monkeypatch, query: str
) -> None:
    at = start(corpus=corpus_copy, monkeypatch=monkeypatch)
    widget(at, "text_input", "Search the passages (any language)").input(query).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Understood as the place Iturup / Etorofu" in notices(at)
    assert "land-to-air missile systems" in page_html(at)  # an English passage about Iturup
    next(b for b in at.button if b.label == "Show it on the map").click().run()
    assert args(at)["selected"] == "iturup"


def test_picking_an_event_on_the_timeline_keeps_only_its_sources_and_lives_in_the_url() -> None:
    at = start({"place": "iturup"})
    assert any("Timeline" in s.value for s in at.subheader)
    at.session_state["timeline"] = {"selection": {"pick": [{"event": "foreign-ministers-2019-moscow"}]}}
    at.run()
    assert not at.exception
    html = shown(at)
    assert "the islands of Iturup" in html  # 001 reports the 2019 meeting
    assert "land-to-air" not in html  # 000 does not
    assert "1 passage in 1 article" in html
    assert dict(at.query_params).get("event") in ("foreign-ministers-2019-moscow", ["foreign-ministers-2019-moscow"])
    assert "Only the articles that report" in notices(at)
    # The link reopens the same pick.
    again = start({"place": "iturup", "event": "foreign-ministers-2019-moscow"})
    assert "land-to-air" not in shown(again) and "the islands of Iturup" in shown(again)
    next(b for b in again.button if b.label == "Show all articles").click().run()
    assert "land-to-air" in shown(again)
    assert "event" not in dict(again.query_params)


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
    assert "radar stations on Iturup" in page_html(at)
    assert (corpus_copy / "facts.yaml").read_bytes() == before


def test_fulltext_search_filters_by_place_and_outlet(corpus_copy: Path, monkeypatch) -> None:
    at = start({"place": "kunashir"}, corpus=corpus_copy, monkeypatch=monkeypatch)
    widget(at, "text_input", "Search the passages (any language)").input("missile").run()
    search_html = "\n".join(e.proto.body for e in at.get("html"))
    everywhere = search_html.count("<mark>")
    next(c for c in at.checkbox if c.label.startswith("Only passages about")).check().run()
    about_kunashir = "\n".join(e.proto.body for e in at.get("html")).count("<mark>")
    assert 0 < about_kunashir < everywhere
    widget(at, "selectbox", "Outlet").set_value("KUNA").run()
    assert not at.exception
    assert "KUNA" in page_html(at) or "No passage contains" in notices(at)


def test_back_from_lesson_mode_every_article_is_selected_again() -> None:
    """The article list is not drawn in lesson mode (Streamlit then forgets its value); back in Explore
    it shows every article, and the map shows what the list shows."""
    at = start()
    files = widget(at, "multiselect", "Articles").value
    assert files
    widget(at, "radio", "Mode").set_value("Lesson").run()
    assert not at.exception and args(at)["lesson"] is not None
    widget(at, "radio", "Mode").set_value("Explore").run()
    assert not at.exception
    assert widget(at, "multiselect", "Articles").value == files
    assert "No article matches these filters" not in notices(at)
    assert args(at)["lesson"] is None


@pytest.fixture()
def many_iturup_articles(tmp_path: Path, user_corpus: Path) -> Path:
    """40 of the user's articles about Iturup, each with a dated dateline (2020-01-01 to 2020-02-09)."""
    from explorer.corpus.ingest import ingest

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    for n in range(40):
        day = f"2020-{1 + n // 31:02d}-{1 + n % 31:02d}"
        month = "January" if n < 31 else "February"
        (drafts / f"a{n:02d}.txt").write_text(
            f"MOSCOW, {month} {1 + n % 31}, 2020 (Reuters) - Report number {n} ({day}) on a patrol near Iturup.\n",
            encoding="utf-8",
        )
    report = ingest([drafts], user_corpus, update_index=False)
    assert len(report.added) == 40, report
    return user_corpus


def test_a_place_with_many_passages_shows_the_newest_then_more_on_request(many_iturup_articles: Path) -> None:
    at = start({"place": "iturup"})
    first = args(at)["passages"]["iturup"]
    assert first.count('class="kx-passage') == PAGE_SIZE
    assert "Report number 39 " in first and "Report number 0 " not in first  # newest article first
    assert 'data-kx-more="iturup"' in first and f"The newest {PAGE_SIZE} of" in first
    map_key = args(at)["map"]["key"]
    report(at, place="iturup", more="iturup")
    more = args(at)["passages"]["iturup"]
    assert more.count('class="kx-passage') > PAGE_SIZE and "Report number 0 " in more
    assert args(at)["map"]["key"] == map_key, "asking for more passages must not redraw the map"
    report(at, place="iturup", more="<script>")  # not a place: ignored
    assert args(at)["passages"]["iturup"] == more
