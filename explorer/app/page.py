"""Streamlit pieces of the explorer page. ``app.py`` arranges them; the logic lives in evidence/app_state.

Behaviour worth knowing:

* The corpus, its links and facts are loaded once per corpus state and cached (an added or edited
  article reloads them, and an upload reruns the page at once). The map and every place's panel are
  built once per view, language, filters and lesson step (:func:`render_map_and_evidence`); a click
  changes none of these, so it costs no rebuild and the map is never redrawn.
* The selected place is ``st.session_state["place"]``: the map click (reported by the component),
  the list and the place box all write it; the URL query mirrors it (and the view, language,
  filters, timeline pick and lesson step) after every run, and Back/Forward bring it back.
* Text from data reaches the page only as escaped HTML (:func:`notice`, explorer.app.panel_html) or
  with Markdown escaped (:func:`_plain`), never as Markdown.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from functools import partial
from html import escape as html_escape
from pathlib import Path

import streamlit as st

from explorer.app import first_paint, page_frame
from explorer.app.app_state import AppState, slider_bounds
from explorer.app.first_paint import STATIC_URL_PREFIX
from explorer.app.panel_html import PAGE_SIZE, PANEL_CSS, all_panels, passages_block
from explorer.app.place_lookup import lookup
from explorer.data.errors import DataError
from explorer.data.gazetteer import PlaceIndex
from explorer.data.layers import load_layers
from explorer.evidence import Evidence
from explorer.render.evidence_html import styled
from explorer.render.mapview import MapAssets
from explorer.render.naming import LabelLang, View, place_label, view_statement


def _fingerprint(folder: Path) -> tuple:
    """Changes when an article or metadata file changes, so the cache reloads them. Hidden entries
    (the search index in ``.cache/``) do not count: building the index must not relink the corpus."""
    from explorer.corpus.documents import corpus_view

    try:
        return tuple(
            sorted(
                (str(part), p.name, p.stat().st_mtime_ns, p.stat().st_size)
                for part in corpus_view(folder).folders
                for p in part.iterdir()
                if not p.name.startswith(".") and p.is_file()
            )
        )
    except OSError:
        return ()


@st.cache_resource(show_spinner="Reading the corpus and linking places…")
def _load(folder: str, fingerprint: tuple, backend: str) -> Evidence | DataError:
    from explorer.stored_evidence import open_evidence

    try:
        load_layers()  # a bad layer file stops the app here with its name, not in the map with a traceback
        return open_evidence(Path(folder), "store" if backend == "store" else "memory")
    except DataError as err:  # shown as a message, never a traceback
        return err


@functools.lru_cache(maxsize=16)
def _backend(folder: str, asked: str, folder_state: tuple) -> str:
    from explorer.stored_evidence import chosen_backend

    return chosen_backend(Path(folder), asked)  # type: ignore[arg-type]


def evidence_backend(folder: Path) -> str:
    """ "memory" or "store" for ``folder``: as ``--evidence`` asks, else by its article count (see
    :mod:`explorer.stored_evidence`), counted again only when the folder changes (an article added or
    removed)."""
    try:
        stat = os.stat(folder)
        folder_state: tuple = (stat.st_ino, stat.st_mtime_ns)
    except OSError:
        folder_state = ()
    return _backend(str(folder), page_frame.evidence_option(), folder_state)


def corpus_fingerprint(folder: Path) -> tuple:
    """What the cached evidence and the map depend on in the corpus. In memory: every article file's
    size and mtime. From the store: a few stats (:func:`explorer.corpus.search_index.quick_stamp`) and
    the index file's identity, never one per article: an article edited in place, rather than added
    or removed, shows once the store is brought up to date (by search, or the next start)."""
    if evidence_backend(folder) != "store":
        return _fingerprint(folder)
    from explorer.corpus.search_index import index_path, quick_stamp

    try:
        stat = index_path(folder).stat()
        index: tuple = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except OSError:
        index = ()
    return ("store", quick_stamp(folder), index)


def load_evidence(folder: Path) -> Evidence | DataError:
    """The evidence of the curated articles and ``folder``'s, loaded once per corpus state."""
    return _load(str(folder), corpus_fingerprint(folder), evidence_backend(folder))


@st.cache_resource(show_spinner=False)
def _lessons(fingerprint: tuple) -> tuple[dict, list[str]]:
    from explorer.render.lesson import list_lessons, load_lesson

    found, problems = {}, []
    for path in list_lessons():
        try:
            lesson = load_lesson(path)
            found[lesson.id] = lesson
        except DataError as err:
            problems.append(str(err))
    return found, problems


def available_lessons() -> dict:
    """Lesson id -> Lesson for every valid file in lessons/ (a broken file is reported, not fatal)."""
    from explorer.render.lesson import LESSONS_DIR

    lessons, problems = _lessons(_fingerprint(LESSONS_DIR))
    for problem in problems:
        notice(f"A lesson file was skipped: {problem}", "warning")
    return lessons


def render_handout_download(lesson, evidence: Evidence) -> None:
    from explorer.render.export_map import export_map_html
    from explorer.render.lesson import handout_html

    if not evidence.lists_articles:
        st.caption(
            "This corpus is read from its store: the lesson as one HTML file comes from the command line, "
            "`kuril-explorer export-map --lesson ID`."
        )
        return
    st.download_button(
        "Lesson as one HTML file (steps through it offline)",
        data=lambda: export_map_html(evidence, lesson=lesson).encode("utf-8"),
        file_name=f"{lesson.id}.html",
        mime="text/html",
        on_click="ignore",
        width="stretch",
    )
    st.download_button(
        "Lesson handout (printable HTML, one page per step)",
        data=lambda: handout_html(lesson, evidence).encode("utf-8"),
        file_name=f"{lesson.id}-handout.html",
        mime="text/html",
        on_click="ignore",
        width="stretch",
    )


def place_options(gazetteer: PlaceIndex, lang: LabelLang, view: View) -> dict[str, str]:
    """id -> label for the place list, disputed groups first, then the chain, land and sites."""
    order = {"disputed": 0, "island": 1, "islet": 2, "group": 3, "archipelago": 3, "land": 4, "site": 5, "city": 6}
    places = sorted(
        gazetteer.places, key=lambda p: (0 if p.disputed and p.kind != "islet" else order.get(p.kind, 7), p.id)
    )
    return {p.id: place_label(gazetteer, p, lang, view) for p in places}


def _plain(text: str) -> str:
    """Text from data for st.markdown: markdown and HTML characters escaped."""
    special = "\\`*_{}[]()#+-.!|<>~$"
    return "".join("\\" + ch if ch in special else ch for ch in text)


@st.cache_data(show_spinner=False)
def _candidate_facts(folder: str, fingerprint: tuple) -> list[dict]:
    from explorer.corpus.candidates import candidates_report

    data, _problems = candidates_report(None, Path(folder))  # unreadable files are already warned about
    return data["facts"]


def render_candidates(folder: Path, evidence: Evidence, place_id: str) -> None:
    """Sentences that look like unrecorded deployment facts at this place: for a curator to review,
    never written anywhere by the app."""
    if not evidence.lists_articles:
        with st.expander("Candidate facts for review"):
            st.caption(
                "This corpus is read from its store, and proposing candidates reads every article: "
                "`kuril-explorer facts --candidates` lists them (`kuril-explorer scan` does it for an archive)."
            )
        return
    covered = evidence.gazetteer.covered_by(place_id)
    found = [
        c
        for c in _candidate_facts(str(folder), _fingerprint(folder))
        if evidence.has_file(c["file"]) and covered & set(c["where"])
    ]
    with st.expander(f"Candidate facts for review: {len(found)} (not curated)"):
        st.caption(
            "Sentences that report a system, unit, base, radar or exercise here and are not in facts.yaml. "
            "Negated, hypothetical and civilian sentences are left out. Nothing is saved."
        )
        for candidate in found:
            when = candidate.get("when") or "date not given"
            st.markdown(
                f"**{_plain(candidate['what'])}** · {_plain(candidate.get('reported_status') or '?')} · "
                f"{_plain(when)} · {_plain(candidate['file'])}"
            )
            st.html(styled(f'<blockquote class="kx-quote">{html_escape(candidate["quote"])}</blockquote>'))


def render_timeline(evidence: Evidence) -> None:
    """The dated events as a chart people can read at a glance; selecting a point filters (see
    :func:`timeline_pick`).

    A Vega-Lite spec written out (no altair, no pandas): the chart is below the fold, and on a cold
    start importing altair competed with the browser drawing the map. Data are values, never markup.
    """
    entries = evidence.timeline()
    if not entries:
        notice("No dated event in the selected articles.")
        return
    values = [
        {
            "date": e.when + "-01" * ((10 - len(e.when)) // 3),
            "when": e.when,
            "event": e.event,
            "title": e.title,
            "kind": "meeting" if e.category == "meeting" else "deployment / military",
            "sources": len(e.files),
        }
        for e in entries
    ]
    spec = {
        "data": {"values": values},
        "mark": {"type": "point", "size": 160, "filled": True},
        "params": [{"name": "pick", "select": {"type": "point", "fields": ["event"]}}],
        "encoding": {
            "x": {"field": "date", "type": "temporal", "title": "date (as precise as the sources allow)"},
            "y": {"field": "kind", "type": "nominal", "title": None},
            "shape": {"field": "kind", "type": "nominal", "legend": None},
            "color": {
                "field": "kind",
                "type": "nominal",
                "scale": {"range": ["#0072B2", "#D55E00"]},
                "legend": None,
            },
            "tooltip": [{"field": "when"}, {"field": "title"}, {"field": "sources"}],
            "opacity": {"condition": {"param": "pick", "value": 1.0}, "value": 0.35},
        },
        "height": 160,
    }
    st.vega_lite_chart(spec, width="stretch", on_select="rerun", key="timeline", selection_mode="pick")


@st.cache_resource(show_spinner=False)
def map_assets(app_dir: Path) -> MapAssets:
    """Leaflet served by Streamlit from ``static/`` (copied from the pinned package); data URLs if that fails."""
    from explorer.render.leaflet_assets import data_urls, static_urls

    try:
        # Relative to the component's iframe (/component/explorer.app.evidence_map.evidence_map/index.html),
        # so it also works under server.baseUrlPath; a bare "app/static" would 404 inside the iframe.
        js, css = static_urls(app_dir / "static", url_prefix=STATIC_URL_PREFIX.rstrip("/"))
    except OSError:  # a read-only checkout: fall back to inlining (about 216 KB more per rerun)
        js, css = data_urls()
    return MapAssets(js, css)


def render_downloads(evidence: Evidence, state: AppState) -> None:
    """Download buttons for what is on screen (filters, view, language, selected place).

    Each file is generated only when its button is clicked (``data`` is a callable) and the click
    does not rerun the page, so the buttons cost nothing on a map click. Evidence read from the
    store offers the map pictures only: the page and data exports hold every passage.
    """
    from explorer.render.picture import render_png, render_svg

    highlight = frozenset([state.place]) if state.place else frozenset()
    stem = f"kuril-explorer-{state.view}-{state.lang}" + (f"-{state.place}" if state.place else "")
    if evidence.lists_articles:
        _render_full_downloads(evidence, state, stem)
    else:
        st.caption(
            "This corpus is read from its store a page at a time, so the page and data exports, which hold "
            "every passage, come from the command line: `kuril-explorer export-map` and `kuril-explorer export`."
        )
    picture_png, picture_svg = st.columns(2)
    picture_png.download_button(
        "Map picture (PNG)",
        data=lambda: render_png(evidence, state.view, state.lang, highlight=highlight),
        file_name=f"{stem}.png",
        mime="image/png",
        on_click="ignore",
        width="stretch",
    )
    picture_svg.download_button(
        "Map picture (SVG)",
        data=lambda: render_svg(evidence, state.view, state.lang, highlight=highlight).encode("utf-8"),
        file_name=f"{stem}.svg",
        mime="image/svg+xml",
        on_click="ignore",
        width="stretch",
    )


def _render_full_downloads(evidence: Evidence, state: AppState, stem: str) -> None:
    from explorer.render.export_map import export_map_html
    from explorer.render.exports import FORMATS, export_bytes

    st.download_button(
        "Evidence map (one HTML file, works offline)",
        data=lambda: export_map_html(evidence, state.view, state.lang, state.place).encode("utf-8"),
        file_name=f"{stem}.html",
        mime="text/html",
        on_click="ignore",
        width="stretch",
        help="Leaflet, the islands and every passage in one file: open it from disk or embed it in a report.",
    )
    for fmt, (suffix, mime, description, _writer) in FORMATS.items():
        st.download_button(
            f"Data: {description}",
            data=partial(export_bytes, evidence, fmt),
            file_name=f"kuril-explorer{suffix}",
            mime=mime,
            on_click="ignore",
            width="stretch",
        )


def render_upload(folder: Path, evidence: Evidence) -> None:
    """Add articles to the user corpus ``folder`` (never the curated data). Each upload is ingested
    once; the corpus then reloads (its cache key is the folders' file lists). Below: the user's
    articles, each removable after a confirmation."""
    from explorer.app.user_articles import render_user_articles

    uploads = st.file_uploader(
        "Add articles (.txt or .html)",
        type=["txt", "html", "htm"],
        accept_multiple_files=True,
        key="uploads",
        help="Plain text or web pages; duplicates are recognised; bad files are refused with the reason.",
    )
    done: set[str] = st.session_state.setdefault("ingested_uploads", set())
    fresh = [upload for upload in uploads or [] if upload.file_id not in done]
    if fresh:
        _ingest_uploads(folder, fresh, done)
    render_upload_messages()
    render_user_articles(folder, with_metadata=evidence.lists_articles)


def _ingest_uploads(folder: Path, fresh: list, done: set[str]) -> None:
    import tempfile

    from explorer.corpus.ingest import ingest

    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for number, upload in enumerate(fresh):
            # One folder per upload: two uploads with the same name are both kept. The name is cut to
            # what a file system takes (a 300-character name raised "File name too long").
            path = Path(scratch) / str(number) / upload_file_name(upload.name)
            path.parent.mkdir()
            path.write_bytes(upload.getvalue())
            paths.append(path)
        try:
            report = ingest(paths, folder)
        except DataError as err:
            notice(f"Nothing was added: {err}", "error")
            return
    done.update(upload.file_id for upload in fresh)
    messages = [
        ("info", f"Added {Path(a.source).name} as {a.file} ({a.language or 'language unknown'})") for a in report.added
    ]
    messages += [("info", f"{Path(skipped.source).name}: {skipped.reason}") for skipped in report.skipped]
    messages += [("error", f"Refused {refused}") for refused in report.refused]
    st.session_state.upload_messages = messages
    if report.added:
        st.rerun()  # the map and the panel were drawn from the old corpus earlier in this run


def render_upload_messages() -> None:
    for kind, text in st.session_state.get("upload_messages", []):
        notice(text, kind)


def upload_file_name(name: str, limit: int = 120) -> str:
    """A safe base name for an uploaded file: no folders, not empty, at most ``limit`` characters."""
    base = Path(name.replace("\\", "/")).name.strip().lstrip(".") or "upload.txt"
    suffix = Path(base).suffix[:10]
    return base if len(base) <= limit else base[: limit - len(suffix)] + suffix


def render_fulltext_search(folder: Path, evidence: Evidence, state: AppState) -> None:
    """Search every passage by word, in any of the three languages, within the selected place (if
    ticked), an outlet and the sidebar's date range; results show the passage in context."""
    from html import escape

    from explorer.corpus.search_index import search

    gazetteer = evidence.gazetteer
    query = st.text_input("Search the passages (any language)", key="fulltext", placeholder="missile, ракеты, 配備…")
    only_place = False
    if state.place:
        label = place_label(gazetteer, gazetteer[state.place], state.lang, state.view)
        only_place = st.checkbox(f"Only passages about {_plain(label)}", key="fulltext_place")
    outlets = evidence.outlets()
    outlet = (
        st.selectbox("Outlet", outlets, index=None, key="fulltext_outlet", placeholder="any outlet")
        if outlets
        else None
    )
    if not query.strip():
        return
    understood = lookup(gazetteer, query)
    if understood.place and understood.exact:
        render_understood_place(evidence, understood.place, state)
    try:
        hits = search(
            folder,
            query,
            place=state.place if only_place else None,
            outlet=outlet,
            date_from=state.date_from,
            date_to=state.date_to,
            limit=20,
        )
    except (DataError, ValueError) as err:
        notice(f"Search failed: {err}", "error")
        return
    if not hits:
        notice(f"No passage contains the words {query!r}.")
        return
    st.caption(f"{len(hits)} passage{'s' if len(hits) != 1 else ''}, best first")
    for hit in hits:
        cuts, cursor = [], 0
        for start, end in hit.marks:
            cuts.append(escape(hit.snippet[cursor:start]) + f"<mark>{escape(hit.snippet[start:end])}</mark>")
            cursor = end
        cuts.append(escape(hit.snippet[cursor:]))
        places = ", ".join(place_label(gazetteer, gazetteer[p], "en", "neutral") for p in hit.places if p in gazetteer)
        meta = f"{hit.outlet or 'outlet unknown'} · {hit.date or 'date unknown'} · {hit.file}"
        st.html(
            styled(
                f'<div class="kx-passage">{"".join(cuts)}</div>'
                f'<div class="kx-why">{escape(meta)}' + (f" · mentions {escape(places)}" if places else "") + "</div>"
            )
        )


# --- Layout: the first screen -------------------------------------------------------------------------


def notice(text: str, kind: str = "info") -> None:
    """A message whose text may come from data: escaped HTML, never Markdown."""
    css = {"warning": "kx-notice", "error": "kx-notice kx-error"}.get(kind, "kx-notice kx-info")
    st.html(f'<div class="{css}" role="status">{html_escape(text)}</div>')


def render_top(gazetteer: PlaceIndex, view: View) -> None:
    """The title and the point of view, one line each; the whole statement opens on a click."""
    statement = view_statement(gazetteer, view)
    label = gazetteer.data.views[view].label
    st.html(
        '<div class="kx-top"><h1>Kuril Islands: the places and what the sources say</h1>'
        f'<details class="kx-pov"><summary>{html_escape(statement)}</summary>'
        f'<div class="kx-pov-full">This page shows: <b>{html_escape(label)}</b>. A view changes names and '
        "wording, never who administers or who claims a place.</div></details></div>"
    )


def apply_url_state(parsed: AppState, files: list[str], months: list[str], first: bool, has_lessons: bool) -> None:
    """Put what the URL says into the widgets' state: on the first run, and after Back/Forward."""
    state = st.session_state
    state.place = parsed.place
    state.view = parsed.view
    state.lang = parsed.lang
    state.url_events = parsed.events
    if first or parsed.articles is not None or "articles" in state:
        state.articles = list(parsed.articles or files)
    if len(months) > 1:
        # The slider takes the URL's range: drop its own state, and app.py draws it from dates_from_url.
        state.dates_from_url = slider_bounds(parsed.date_from, parsed.date_to, months)
        if "dates" in state:
            del state["dates"]
    if has_lessons:
        state.mode = "Lesson" if parsed.lesson else "Explore"
        if parsed.lesson:
            state.lesson = parsed.lesson
            state.step = parsed.step
            state.lesson_view = None


def show_more_passages(place_id: str) -> None:
    """The reader asked for the next :data:`PAGE_SIZE` passages of ``place_id`` (kept for the session)."""
    shown = dict(st.session_state.get("shown_passages", {}))
    shown[place_id] = shown.get(place_id, PAGE_SIZE) + PAGE_SIZE
    st.session_state.shown_passages = shown


def lesson_step(lesson, evidence: Evidence):
    """The lesson step the page shows (``st.session_state.step``, kept within the lesson), resolved."""
    total = len(lesson.steps)
    st.session_state.step = min(max(int(st.session_state.get("step", 1)), 1), total)
    return _resolved_step(lesson, st.session_state.step - 1, evidence)


def lesson_step_select(lesson) -> int:
    """The step list in the sidebar (Previous/Next and the arrow keys live beside the step text);
    drawn after :func:`lesson_step` has settled ``st.session_state.step``. Returns the step number."""
    total = len(lesson.steps)
    return st.selectbox(
        "Step", list(range(1, total + 1)), key="step", format_func=lambda n: f"{n}. {lesson.steps[n - 1].title}"
    )


def resync_if_widgets_differ(drawn: list, expected: list) -> None:
    """The page is built from the widgets' state before the widgets are drawn (the map goes first);
    if a widget reports another value than that state said, rerun once so the page shows what the
    widgets show. Once per difference: a widget that kept disagreeing must not loop the page."""
    if drawn == expected:
        st.session_state.pop("widget_resync", None)
        return
    signature = repr((drawn, expected))
    if st.session_state.get("widget_resync") != signature:
        st.session_state.widget_resync = signature
        st.rerun()


def _resolved_step(lesson, index: int, evidence: Evidence):
    from explorer.render.lesson import resolve_step

    return resolve_step(lesson, index, evidence)


def search_place(gazetteer: PlaceIndex) -> None:
    """The place box: select the place a name names, or clear the selection and say what came close."""
    found = lookup(gazetteer, st.session_state.get("search", ""))
    st.session_state.search_problem = None
    if found.place:
        st.session_state.place = found.place
    elif found.query:
        st.session_state.place = None  # never leave the previous place under a name that was not found
        st.session_state.search_problem = found


def _pick_suggestion(place_id: str) -> None:
    st.session_state.place = place_id
    st.session_state.search_problem = None


def render_search_problem(gazetteer: PlaceIndex, lang: LabelLang, view: View) -> None:
    found = st.session_state.get("search_problem")
    if not found:
        return
    if found.suggestions:
        notice(f"No place is called “{found.query}”. Did you mean:", "warning")
        columns = st.columns(max(len(found.suggestions), 3))
        for column, place_id in zip(columns, found.suggestions, strict=False):
            column.button(
                _plain(place_label(gazetteer, gazetteer[place_id], lang, view)),
                key=f"suggest-{place_id}",
                on_click=_pick_suggestion,
                args=(place_id,),
            )
    else:
        notice(
            f"No place is called “{found.query}”, and no name comes close. Try another spelling or script.", "warning"
        )


def timeline_pick() -> list[str] | None:
    """Events picked on the timeline: the chart's selection when it changed, else the URL's ``event``."""
    event = st.session_state.get("timeline")
    selection = event.get("selection", {}) if event is not None and hasattr(event, "get") else {}
    picked = selection.get("pick", []) if hasattr(selection, "get") else []
    chart = tuple(item["event"] for item in picked if isinstance(item, dict) and "event" in item)
    if chart != st.session_state.get("last_chart_pick", ()):
        st.session_state.last_chart_pick = chart
        st.session_state.url_events = chart or None
    events = st.session_state.get("url_events")
    return list(events) if events else None


def _clear_pick() -> None:
    st.session_state.url_events = None


def render_pick_notice(evidence: Evidence, picked: list[str]) -> None:
    titles = [entry.title for entry in evidence.timeline() if entry.event in picked]
    left, right = st.columns([5, 1], vertical_alignment="center")
    with left:
        notice("Only the articles that report: " + "; ".join(titles or picked))
    right.button("Show all articles", on_click=_clear_pick, key="clear_pick")


@st.cache_resource(show_spinner=False, max_entries=48)
def _component_data(
    _evidence: Evidence,
    key: tuple,
    _assets: MapAssets,
    tiles: bool,
    _first_paint_key: Callable[[], str] | None,
    shown: tuple[tuple[str, int], ...] = (),
) -> str:
    """The component's data (the map and every place's panel) for one set of inputs (``key``), as
    :func:`explorer.app.evidence_map.component_data`; cached so that a click, which changes none of
    them, costs no rebuild. With ``_first_paint_key`` (called only here, on a cache miss: it stats
    every file of the corpus) it is also saved for the next process's first paint
    (:mod:`explorer.app.first_paint`).

    In lesson mode the map holds every treaty line and no step's extent or outline: the page applies
    those per step (as the exported lesson does), so stepping redraws the map only when the view or
    the label language changes.
    """
    from explorer.app.evidence_map import component_data, map_spec
    from explorer.render.evidence_html import CSS as EVIDENCE_CSS
    from explorer.render.lesson import LESSON_CSS
    from explorer.render.mapview import build_map

    _fingerprint_, view, lang, _articles, _dates, _events, lesson_id = key
    overlays = None
    if lesson_id is not None:
        from explorer.render.lesson import load_overlays

        overlays = {"type": "FeatureCollection", "features": list(load_overlays().values())}
    # The component outlines the selected place itself; the builder polling ?place= raced its clicks.
    fmap = build_map(_evidence, view, lang, _assets, online_tiles=tiles, overlays=overlays, follow_url_place=False)
    gazetteer = _evidence.gazetteer
    # ``shown``: places whose reader asked for more passages (not in the map's key: no redraw).
    panels, passages = all_panels(_evidence, view, lang, dict(shown))
    data = component_data(
        # The map's key names its content; it is the same in every process (the first paint's map
        # and the page's own are then one map, not drawn twice).
        spec=map_spec(fmap, "|".join(map(str, key)) + f"|{tiles}", keep_view=lesson_id is None),
        assets={"js": [url for _name, url in _assets.js], "css": [url for _name, url in _assets.css]},
        panels=panels,
        passages=passages,
        labels={p.id: place_label(gazetteer, p, lang, view) for p in gazetteer.places},
        covered={p.id: sorted(gazetteer.covered_by(p.id)) for p in gazetteer.places},
        disputed=sorted(p.id for p in gazetteer.places if p.disputed),
        intro=INTRO_HTML,
        css=EVIDENCE_CSS + PANEL_CSS + LESSON_CSS,
    )
    if _first_paint_key is not None:
        first_paint.save(_first_paint_key(), data)
    return data


@st.cache_resource(show_spinner=False, max_entries=8)
def _lesson_payload(_lesson, _evidence: Evidence, key: tuple) -> list[dict]:
    from explorer.render.lesson import render_step_html, resolve_step

    steps = []
    gazetteer = _evidence.gazetteer
    for index in range(len(_lesson.steps)):
        resolved = resolve_step(_lesson, index, _evidence)
        (south, west), (north, east) = resolved.bounds
        outlined = set().union(*(gazetteer.covered_by(p) for p in resolved.highlight)) if resolved.highlight else set()
        steps.append(
            {
                "html": render_step_html(resolved, gazetteer),
                "bounds": [south, west, north, east],
                "highlight": sorted(outlined),
                "layers": [layer.id for layer in resolved.layers],
            }
        )
    return steps


INTRO_HTML = (
    '<div class="kx-intro"><h2 class="kx-place-title">Click an island</h2>'
    "<p>Click an island on the map, choose a place in the list above, or type any of its names "
    "(択捉, Итуруп, Etorofu…) to read every passage that mentions it, with the mention highlighted.</p>"
    "<p>The sidebar (›, top left) holds the article and date filters, the lesson mode, downloads and "
    "the upload of new articles.</p></div>"
)


def _map_args(
    evidence: Evidence, state: AppState, tiles: bool, app_dir: Path, folder: Path, step=None, lesson=None
) -> tuple[str, dict | None]:
    """The component's data for ``state`` (built once per view, language, filters and lesson) and
    its lesson argument."""
    assets = map_assets(app_dir)
    fingerprint = corpus_fingerprint(folder)
    key = (
        # The folder too: two corpus folders may hold the same files, but each has its own first paint.
        hashlib.sha256(repr((str(folder), fingerprint)).encode()).hexdigest()[:16],
        state.view,
        state.lang,
        state.articles,
        (state.date_from, state.date_to),
        state.events,
        state.lesson,
    )
    shown = tuple(sorted(st.session_state.get("shown_passages", {}).items()))
    unfiltered = state.lesson is None and state.articles is None and state.date_from is None and state.events is None
    saved_as = (
        partial(first_paint.state_key, folder, state.view, state.lang, tiles) if unfiltered and not shown else None
    )
    data = _component_data(evidence, key, assets, tiles, saved_as, shown)
    lesson_args = None
    if lesson is not None and step is not None:
        views = [[v, evidence.gazetteer.data.views[v].label] for v in ("neutral", "japan", "russia")]
        lesson_args = {
            "steps": _lesson_payload(lesson, evidence, (lesson.id, hash(fingerprint))),
            "current": step.number,
            "view": state.view,
            "views": views,
        }
    return data, lesson_args


def render_map_and_evidence(
    evidence: Evidence, state: AppState, tiles: bool, app_dir: Path, folder: Path, step=None, lesson=None
) -> None:
    """The map and the evidence panel (one component; see explorer.app.evidence_map)."""
    from explorer.app.evidence_map import evidence_map

    data, lesson_args = _map_args(evidence, state, tiles, app_dir, folder, step, lesson)
    evidence_map(data, selected=state.place, ack=st.session_state.get("map_ack"), lesson=lesson_args)


def first_paint_current(
    early: tuple[str, str | None], evidence: Evidence, state: AppState, tiles: bool, app_dir: Path, folder: Path
) -> bool:
    """After a first paint (:mod:`explorer.app.first_paint`): whether what it drew is what the page
    would draw now. Builds the page's own data (so the next click's rerun finds it cached)."""
    data, _lesson = _map_args(evidence, state, tiles, app_dir, folder)
    if data != early[0]:  # saved by other code or for other data: replace it
        first_paint.save(first_paint.state_key(folder, state.view, state.lang, tiles), data)
    return data == early[0] and state.place == early[1]


def render_understood_place(evidence: Evidence, place_id: str, state: AppState) -> None:
    """A query that is a place's name, in any script: say which place, and show its newest passages
    (the map's panel pages through the rest)."""
    gazetteer = evidence.gazetteer
    label = place_label(gazetteer, gazetteer[place_id], state.lang, state.view)
    count = evidence.passage_count(place_id)
    left, right = st.columns([4, 1], vertical_alignment="center")
    with left:
        notice(
            f"Understood as the place {label}: {count} passage{'s' if count != 1 else ''} in the selected "
            "articles mention it by any of its names (below), then the passages that contain the words."
        )
    right.button("Show it on the map", key="fulltext_select", on_click=_pick_suggestion, args=(place_id,))
    if count:
        block = passages_block(evidence, place_id, state.view, set(), PAGE_SIZE, more_button=False)
        st.html(f"<style>{PANEL_CSS}</style>" + styled(block))
