"""Kuril explorer: click an island, read the evidence. ``streamlit run app.py [-- --corpus DIR]``.

Layout and widgets only; what is shown comes from explorer.evidence, explorer.render.mapview,
explorer.render.lesson, explorer.app (the map-and-evidence component, its panel HTML, the URL state)
and the data files. Two modes: Explore (filters, any place) and Lesson (a teacher steps through a
lesson file; each step sets the view, labels and extent).

At 1280x720 the first screen holds the title, the point of view (one line each), the place box and
the map beside the selected place's evidence; everything else is below or in the sidebar. A fresh
process first draws the map an earlier one saved (explorer.app.first_paint), then loads the rest.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from explorer.app import first_paint, page_frame
from explorer.app.evidence_map import COMPONENT_KEY, evidence_map

APP_DIR = Path(__file__).parent

st.set_page_config(
    page_title="Kuril Islands explorer", page_icon="🗾", layout="wide", initial_sidebar_state="collapsed"
)
page_frame.inject_css()
folder = page_frame.corpus_folder()
above_map = st.container()  # title, point of view, place box and notices: filled below, shown above the map
map_slot = st.container()

# --- First paint: a fresh process draws the map saved by an earlier one before loading anything ------
early = None
if "start" not in st.session_state:
    early = first_paint.saved_data(folder, st.query_params.to_dict(), APP_DIR / "static")
    if early is not None:
        with map_slot:
            evidence_map(early[0], selected=early[1], ack=None)

# Everything below needs the gazetteer and the corpus: importing folium, pandas and pydantic takes
# about 1.5 s in a fresh process, which the first paint above does not wait for.
from dataclasses import replace  # noqa: E402

from explorer.app import page  # noqa: E402
from explorer.app.app_state import AppState, parse_query, slider_range, to_query  # noqa: E402
from explorer.app.evidence_map import read_event  # noqa: E402
from explorer.app.panel_html import article_choice_label  # noqa: E402
from explorer.data.errors import DataError  # noqa: E402
from explorer.evidence import ArticleInfo  # noqa: E402
from explorer.render.viewpoints import LANG_NAMES, LANGS, VIEWS  # noqa: E402

evidence = page.load_evidence(folder)
if isinstance(evidence, DataError):
    with above_map:
        page.notice(f"The explorer cannot start: {evidence}", "error")
    st.stop()
with above_map:
    for problem in evidence.corpus.problems:
        page.notice(f"Skipped a file: {problem}", "warning")
gazetteer = evidence.gazetteer
places = set(gazetteer.by_id)
# Evidence read from the store (a corpus of thousands of articles) does not list its articles: no
# article filter then, only dates (explorer.stored_evidence).
documents = evidence.corpus.documents if evidence.lists_articles else []
files = [doc.file for doc in documents]
labels = {doc.file: article_choice_label(ArticleInfo.of(doc)) for doc in documents}
months = evidence.months()
lessons = page.available_lessons()
event_ids = {event.event for event in evidence.timeline()}

# --- Where we are: the URL on the first run and after Back/Forward; then the map's reports ----------
query_now = st.query_params.to_dict()
if "start" not in st.session_state or query_now != st.session_state.get("written_query"):
    parsed = parse_query(
        query_now, places, files, {lid: len(lesson.steps) for lid, lesson in lessons.items()}, event_ids
    )
    page.apply_url_state(parsed, files, months, first="start" not in st.session_state, has_lessons=bool(lessons))
    st.session_state.start = parsed
lesson_for_event = (
    lessons.get(st.session_state.get("lesson") or "") if st.session_state.get("mode") == "Lesson" else None
)
event = read_event(st.session_state.get(COMPONENT_KEY), places, len(lesson_for_event.steps) if lesson_for_event else 0)
if event is not None and event.token != st.session_state.get("map_ack"):
    st.session_state.map_ack = event.token
    if event.place:
        st.session_state.place = event.place
    if event.step:
        st.session_state.step = event.step
        st.session_state.lesson_view = None
    if event.view:
        st.session_state.lesson_view = event.view
    if event.more:
        page.show_more_passages(event.more)

known = st.session_state.setdefault("known_files", files)
if known != files:  # articles were added (upload) or removed: new ones join the selection
    if "articles" in st.session_state:
        kept = set(st.session_state.articles) | (set(files) - set(known))
        st.session_state.articles = [f for f in files if f in kept]
    st.session_state.known_files = files

# --- What the page shows, read from the widgets' state before any widget is drawn --------------------
# The map goes out first: the browser loads each widget's code before it reaches an element sent after
# them (about a second on a first start). The widgets are drawn after the map, above it and in the
# sidebar, from this same state (page.resync_if_widgets_differ reruns once if one reports otherwise).
modes = ["Explore", "Lesson"] if lessons else ["Explore"]
if st.session_state.get("mode") not in modes:
    st.session_state.mode = modes[0]
mode = st.session_state.mode
lesson = step = None
if mode == "Lesson":
    if st.session_state.get("lesson") not in lessons:
        st.session_state.lesson = next(iter(lessons))
    lesson = lessons[st.session_state.lesson]
    step = page.lesson_step(lesson, evidence)
    chosen, dates = files, None
else:
    if "articles" not in st.session_state:  # the list was not drawn in the last run (lesson mode)
        st.session_state.articles = list(files)
    chosen = list(st.session_state.articles)
    dates = None
    if len(months) > 1:
        dates = slider_range(st.session_state.get("dates") or st.session_state.get("dates_from_url"), months)
tiles = bool(st.session_state.get("tiles", False))
if lesson is not None and step is not None:
    view = st.session_state.get("lesson_view") or step.view
    lang = step.lang
else:
    view = st.session_state.get("view", "neutral")
    lang = st.session_state.get("lang", "en")
options = page.place_options(gazetteer, lang, view)
if st.session_state.get("place") not in options:
    st.session_state.place = None

full_range = dates is None or (dates[0] == months[0] and dates[-1] == months[-1])
articles = None if lesson is not None or set(chosen) == set(files) else tuple(chosen)
state = AppState(
    place=st.session_state.place,
    view=view,
    lang=lang,
    articles=articles,
    date_from=None if full_range else dates[0],
    date_to=None if full_range else dates[-1],
    lesson=lesson.id if lesson else None,
    step=step.number if step else 1,
    events=None,
)
selected = evidence.filtered(
    set(state.articles) if state.articles is not None else None, state.date_from, state.date_to
)
filtered = selected
picked = page.timeline_pick() if lesson is None else None
if picked:
    reporting = {f for entry in selected.timeline() if entry.event in picked for f in entry.files}
    filtered = evidence.filtered(reporting, state.date_from, state.date_to)
state = replace(state, events=tuple(picked) if picked else None)

# --- The map and the evidence, side by side, filling the screen -------------------------------------
with map_slot:
    if early is None:
        page.render_map_and_evidence(filtered, state, tiles, APP_DIR, folder, step, lesson)
    elif not page.first_paint_current(early, filtered, state, tiles, APP_DIR, folder):
        st.rerun()  # the saved first paint differs from what the page shows now: draw the page's own

# Streamlit's page can drop a widget it was drawing when a click interrupts a rerun; drawn again, the
# widget starts from its default and reports it (the article filter emptied itself after quick clicks
# on the map). Writing each widget's state before it is drawn sends its value along with it. The date slider
# is a range slider only when drawn with a range as ``value``, so its value goes as that instead: its current
# range, which is then also what a redraw starts from.
for widget_key in ("place", "view", "lang", "mode", "lesson", "articles", "tiles"):
    if widget_key in st.session_state:
        st.session_state[widget_key] = st.session_state[widget_key]

# --- Top: title and point of view, one line each; then the place box (shown above the map) ------------
with above_map:
    page.render_top(gazetteer, view)
    controls = st.columns([3, 3, 2, 2] if lesson is None else [1, 1], gap="small", vertical_alignment="bottom")
    with controls[0]:
        st.selectbox(
            "Place",
            list(options),
            key="place",
            format_func=options.get,
            placeholder="Choose a place (or click the map)",
            label_visibility="collapsed",
        )
    with controls[1]:
        st.text_input(
            "Find a place by any of its names",
            key="search",
            on_change=page.search_place,
            args=(gazetteer,),
            placeholder="Find a place: 択捉, Итуруп, Etorofu, Habomai…",
            label_visibility="collapsed",
        )
    if lesson is None:
        with controls[2]:
            st.selectbox(
                "Point of view",
                VIEWS,
                key="view",
                format_func=lambda v: gazetteer.data.views[v].label,
                label_visibility="collapsed",
            )
        with controls[3]:
            st.selectbox("Place names", LANGS, key="lang", format_func=LANG_NAMES.get, label_visibility="collapsed")
    page.render_search_problem(gazetteer, lang, view)
    if picked:
        page.render_pick_notice(selected, picked)
    if lesson is None and filtered.is_empty:
        page.notice(
            "No article matches these filters: the map shows no mentions. Widen the article or date filters.", "warning"
        )

# --- Sidebar: mode, lesson, filters, downloads, uploads -------------------------------------------
with st.sidebar:
    drawn = [st.radio("Mode", modes, key="mode", horizontal=True)]
    if mode == "Lesson":
        drawn.append(st.selectbox("Lesson", list(lessons), key="lesson", format_func=lambda i: lessons[i].title))
        drawn.append(page.lesson_step_select(lesson))
    else:
        st.header("Filters")
        if evidence.lists_articles:
            drawn.append(st.multiselect("Articles", files, key="articles", format_func=labels.get))
        else:
            st.caption(
                f"{evidence.article_total:,} articles, read from the corpus's store: too many to list here. "
                "Narrow them by date, or search the passages below the map."
            )
        if len(months) > 1:
            drawn.append(
                tuple(st.select_slider("Articles published between", options=months, key="dates", value=dates))
            )
    drawn.append(st.toggle("Online map tiles (needs a network)", key="tiles"))
expected = [mode]
if lesson is not None and step is not None:
    expected += [lesson.id, step.number]
else:
    if evidence.lists_articles:
        expected.append(chosen)
    if dates is not None:
        expected.append(dates)
expected.append(tiles)
page.resync_if_widgets_differ(drawn, expected)

# --- Below the fold: search every passage, the timeline, candidate facts -----------------------------
with st.expander("Full-text search of every passage"):
    page.render_fulltext_search(folder, filtered, state)
if lesson is None:
    st.subheader("Timeline of dated events in the selected articles")
    st.caption("Select a point to keep only the articles that report it; select it again (or empty space) to clear.")
    page.render_timeline(selected)
if state.place:
    page.render_candidates(folder, filtered, state.place)
if step is not None:
    for problem in step.problems:
        page.notice(problem, "warning")

with st.sidebar:
    st.header("Export what is shown")
    page.render_downloads(filtered, state)
    if lesson is not None:
        page.render_handout_download(lesson, evidence)
    st.header("Grow the corpus")
    page.render_upload(folder, evidence)

query = to_query(state, files)
st.session_state.written_query = query
if query != st.query_params.to_dict():
    st.query_params.from_dict(query)
