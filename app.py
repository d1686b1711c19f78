"""Kuril explorer: click an island, read the evidence. ``streamlit run app.py [-- --corpus DIR]``.

Layout and widgets only; what is shown comes from explorer.evidence, explorer.render.mapview, explorer.render.lesson
and the data files. Two modes: Explore (filters, any place) and Lesson (a teacher steps through a
lesson file; each step sets the view, labels and extent).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from explorer.app import page
from explorer.app.app_state import AppState, clicked_place, parse_query, slider_bounds, to_query
from explorer.data.errors import DataError
from explorer.render.evidence_html import article_label
from explorer.render.inert import escape_markdown
from explorer.render.naming import LANG_NAMES, LANGS, VIEWS, place_label, view_statement

st.set_page_config(page_title="Kuril Islands explorer", page_icon="🗾", layout="wide")

folder = page.corpus_folder()
evidence = page.load_evidence(folder)
if isinstance(evidence, DataError):
    st.error(f"The explorer cannot start: {escape_markdown(str(evidence))}")
    st.stop()
for problem in evidence.corpus.problems:
    st.warning(f"Skipped a file: {escape_markdown(str(problem))}")
gazetteer = evidence.gazetteer
files = [doc.file for doc in evidence.corpus.documents]
labels = {doc.file: article_label(doc) for doc in evidence.corpus.documents}
months = sorted({d[:7] for d in evidence.article_dates()})
lessons = page.available_lessons()

if "start" not in st.session_state:  # first run of a session: the URL decides where we start
    st.session_state.start = parse_query(
        st.query_params.to_dict(),
        set(gazetteer.by_id),
        files,
        {lesson_id: len(lesson.steps) for lesson_id, lesson in lessons.items()},
    )
    st.session_state.place = st.session_state.start.place
    st.session_state.step = st.session_state.start.step
start: AppState = st.session_state.start
known = st.session_state.setdefault("known_files", files)
if known != files:  # articles were added (upload) or removed: new ones join the selection
    if "articles" in st.session_state:
        kept = set(st.session_state.articles) | (set(files) - set(known))
        st.session_state.articles = [f for f in files if f in kept]
    st.session_state.known_files = files


def _search() -> None:
    matches = gazetteer.find(st.session_state.search)
    if matches:
        st.session_state.place = matches[0].id


with st.sidebar:
    modes = ["Explore", "Lesson"] if lessons else ["Explore"]
    mode = st.radio("Mode", modes, key="mode", horizontal=True, index=1 if start.lesson and lessons else 0)
    lesson = step = None
    if mode == "Lesson":
        lesson_id = st.selectbox(
            "Lesson",
            list(lessons),
            key="lesson",
            format_func=lambda i: lessons[i].title,
            index=list(lessons).index(start.lesson) if start.lesson in lessons else 0,
        )
        lesson = lessons[lesson_id]
        step = page.lesson_step_controls(lesson, evidence)
        view, lang = step.view, step.lang
        st.caption(
            f"This step shows: {escape_markdown(gazetteer.data.views[view].label)}, names in {LANG_NAMES[lang]}."
        )
        chosen, dates = files, None
    else:
        st.header("View")
        view = st.radio(
            "Point of view",
            VIEWS,
            key="view",
            index=VIEWS.index(start.view),
            format_func=lambda v: escape_markdown(gazetteer.data.views[v].label),
        )
        lang = st.selectbox("Place names", LANGS, key="lang", index=LANGS.index(start.lang), format_func=LANG_NAMES.get)
        st.header("Filters")
        chosen = st.multiselect(
            "Articles", files, key="articles", default=list(start.articles or files), format_func=labels.get
        )
        dates = None
        if len(months) > 1:
            dates = st.select_slider(
                "Articles published between",
                options=months,
                key="dates",
                value=slider_bounds(start.date_from, start.date_to, months),
            )
    tiles = st.toggle("Online map tiles (needs a network)", value=False, key="tiles")

full_range = dates is None or (dates[0] == months[0] and dates[-1] == months[-1])
state = AppState(
    place=st.session_state.place,
    view=view,
    lang=lang,
    articles=None if set(chosen) == set(files) else tuple(chosen),
    date_from=None if full_range else dates[0],
    date_to=None if full_range else dates[-1],
    lesson=lesson.id if lesson else None,
    step=step.number if step else 1,
)

st.title("Kuril Islands: the places and what the sources say")
st.info(escape_markdown(view_statement(gazetteer, view)))

selected = evidence.filtered(
    set(state.articles) if state.articles is not None else None, state.date_from, state.date_to
)
filtered = selected  # narrowed further by a pick on the timeline
picked = page.timeline_selection() if lesson is None else None
if lesson is None:
    if picked:
        reporting = {f for entry in selected.timeline() if entry.event in picked for f in entry.files}
        filtered = evidence.filtered(reporting, state.date_from, state.date_to)
    if not filtered.files:
        st.warning("No article matches these filters: the map shows no mentions. Widen the article or date filters.")

map_column, panel_column = st.columns([3, 2], gap="medium")
with map_column:
    fmap = page.page_map(filtered, state, tiles, page.map_assets(Path(__file__).parent), step)
    value = st_folium(fmap, key="map", height=640, use_container_width=True, returned_objects=["last_active_drawing"])
    clicked = clicked_place(value, set(gazetteer.by_id))
    if clicked and clicked != st.session_state.get("last_click"):
        st.session_state.last_click = clicked
        st.session_state.place = clicked

with panel_column:
    if step is not None:
        page.render_lesson_step(step, gazetteer)
    with st.expander("Full-text search of every passage"):
        page.render_fulltext_search(folder, evidence, state)
    st.text_input(
        "Find a place by any of its names",
        key="search",
        on_change=_search,
        placeholder="択捉, Итуруп, Etorofu, Habomai…",
    )
    options = page.place_options(gazetteer, lang, view)
    place_id = st.selectbox(
        "Place",
        list(options),
        key="place",
        format_func=options.get,
        index=None,
        placeholder="Click an island on the map, or choose one here",
    )
    if place_id is None:
        st.markdown(
            "Click an island on the map, choose it in the list, or type any of its names above "
            "to read every passage that mentions it."
        )
    else:
        label = place_label(gazetteer, gazetteer[place_id], lang, view)
        st.header(escape_markdown(label))
        page.render_status(gazetteer, place_id)
        passages_tab, facts_tab, names_tab, counts_tab = st.tabs(["Passages", "Facts", "Names", "Counts per source"])
        with passages_tab:
            page.render_passages(filtered, place_id, label)
            page.render_group_mentions(filtered, place_id, gazetteer, lang, view)
        with names_tab:
            page.render_names(gazetteer, place_id)
        with facts_tab:
            page.render_facts(filtered, place_id)
            page.render_candidates(folder, filtered, place_id)
        with counts_tab:
            page.render_counts(filtered, place_id)

if lesson is None:
    st.subheader("Timeline of dated events in the selected articles")
    st.caption("Select a point to keep only the articles that report it; select it again (or empty space) to clear.")
    page.render_timeline(selected)

state = AppState(place_id, view, lang, state.articles, state.date_from, state.date_to, state.lesson, state.step)
with st.sidebar:
    st.header("Export what is shown")
    page.render_downloads(filtered, state)
    if lesson is not None:
        page.render_handout_download(lesson, evidence)
    st.header("Grow the corpus")
    page.render_upload(folder)

query = to_query(state, files)
if query != st.query_params.to_dict():
    st.query_params.from_dict(query)
