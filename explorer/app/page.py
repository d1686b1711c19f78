"""Streamlit pieces of the explorer page. ``app.py`` arranges them; the logic lives in evidence/app_state.

Behaviour worth knowing:

* The corpus, its links and facts are loaded once per corpus state and cached (an added or edited
  article reloads them). The map is rebuilt each run from cached layers (see :func:`page_map`); a
  click on it reruns the script but does not change the map.
* The selected place is ``st.session_state["place"]``: the map click, the list and the search box
  all write it; the URL query mirrors it (and the view, language and filters) after every run.
"""

from __future__ import annotations

import os
import sys
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer.app.app_state import AppState
from explorer.data.errors import DataError
from explorer.data.gazetteer import PlaceIndex
from explorer.data.layers import load_layers
from explorer.data.paths import DEFAULT_CORPUS
from explorer.evidence import Evidence
from explorer.render.evidence_html import account_html, article_label, passage_html, styled
from explorer.render.inert import escape_markdown
from explorer.render.mapview import MapAssets, build_map
from explorer.render.naming import LabelLang, View, place_label

CORPUS_ENV = "KURIL_CORPUS"


def corpus_folder(argv: list[str] | None = None) -> Path:
    """``streamlit run app.py -- --corpus DIR``, else ``$KURIL_CORPUS``, else ``seeds/``."""
    args = sys.argv[1:] if argv is None else argv
    if "--corpus" in args and args.index("--corpus") + 1 < len(args):
        return Path(args[args.index("--corpus") + 1])
    return Path(os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS)


def _fingerprint(folder: Path) -> tuple:
    """Changes when an article or metadata file changes, so the cache reloads them. Hidden entries
    (the search index in ``.cache/``) do not count: building the index must not relink the corpus."""
    try:
        return tuple(
            sorted(
                (p.name, p.stat().st_mtime_ns, p.stat().st_size)
                for p in folder.iterdir()
                if not p.name.startswith(".") and p.is_file()
            )
        )
    except OSError:
        return ()


@st.cache_resource(show_spinner="Reading the corpus and linking places…")
def _load(folder: str, fingerprint: tuple) -> Evidence | DataError:
    try:
        load_layers()  # a bad layer file stops the app here with its name, not in the map with a traceback
        return Evidence.load(Path(folder))
    except DataError as err:  # shown as a message, never a traceback
        return err


def load_evidence(folder: Path) -> Evidence | DataError:
    return _load(str(folder), _fingerprint(folder))


def page_map(evidence: Evidence, state: AppState, tiles: bool, assets: MapAssets, step=None):
    """A freshly built map for this run (in lesson mode, set by the step).

    Built anew on purpose: ``st_folium`` rewrites a map's ids while rendering it, so a cached map
    object renders differently the second time, which changes the component's identity and loses the
    click. Fresh maps from the same inputs render identically, so the component (and its click state)
    survives reruns; only a change of view, language, filters or lesson step remounts it.
    """
    if step is None:
        return build_map(evidence, state.view, state.lang, assets, online_tiles=tiles)
    from explorer.render.lesson import overlay_collection

    return build_map(
        evidence,
        step.view,
        step.lang,
        assets,
        online_tiles=tiles,
        bounds=step.bounds,
        highlight=frozenset(step.highlight),
        overlays=overlay_collection([layer.id for layer in step.layers]),
    )


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
        st.warning(f"A lesson file was skipped: {escape_markdown(problem)}")
    return lessons


def lesson_step_controls(lesson, evidence: Evidence):
    """Previous / Next and a list of steps; returns the resolved step (explorer.render.lesson.StepView)."""
    from explorer.render.lesson import resolve_step

    total = len(lesson.steps)
    st.session_state.step = min(max(int(st.session_state.get("step", 1)), 1), total)

    def move(delta: int) -> None:
        st.session_state.step = min(max(st.session_state.step + delta, 1), total)

    back, forward = st.columns(2)
    back.button("◀ Previous", on_click=move, args=(-1,), disabled=st.session_state.step <= 1, width="stretch")
    forward.button("Next ▶", on_click=move, args=(1,), disabled=st.session_state.step >= total, width="stretch")
    number = st.selectbox(
        "Step", list(range(1, total + 1)), key="step", format_func=lambda n: f"{n}. {lesson.steps[n - 1].title}"
    )
    return resolve_step(lesson, number - 1, evidence)


def render_lesson_step(step, gazetteer: PlaceIndex) -> None:
    from explorer.render.lesson import LESSON_CSS, render_step_html

    st.subheader(f"Step {step.number} of {step.total}: {escape_markdown(step.title)}")
    st.html(f"<style>{LESSON_CSS}</style>" + render_step_html(step, gazetteer))
    for problem in step.problems:
        st.warning(escape_markdown(problem))
    st.divider()


def render_handout_download(lesson, evidence: Evidence) -> None:
    from explorer.render.export_map import export_map_html
    from explorer.render.lesson import handout_html

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


def render_names(gazetteer: PlaceIndex, place_id: str) -> None:
    place = gazetteer[place_id]
    rows = [
        {
            "language": {"en": "English", "ja": "Japanese", "ru": "Russian"}[n.lang],
            "name": n.text,
            "kind": n.kind,
            "detail": ", ".join(filter(None, [n.romanization, n.case, "uncertain" if n.uncertain else None, n.note])),
        }
        for n in place.names
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 300))


def render_status(gazetteer: PlaceIndex, place_id: str) -> None:
    place = gazetteer[place_id]
    if place.administered_by or place.claimed_by:
        st.markdown(
            f"**Administered by:** {_plain(place.administered_by or 'not recorded')}  \n"
            f"**Claimed by:** {_plain(place.claimed_by or 'no other claimant recorded')}"
        )


def _plain(text: str) -> str:
    """Text from data for st.markdown: markdown and HTML characters escaped."""
    special = "\\`*_{}[]()#+-.!|<>~$"
    return "".join("\\" + ch if ch in special else ch for ch in text)


def render_counts(evidence: Evidence, place_id: str) -> None:
    counts = evidence.counts_per_source(place_id)
    if not counts:
        return
    rows = [
        {"article": article_label(doc), "mentions": counts[doc.file]}
        for doc in evidence.corpus.documents
        if doc.file in counts
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def render_passages(evidence: Evidence, place_id: str, label: str) -> None:
    articles = evidence.articles_for(place_id)
    if not articles:
        st.info(
            f"No passage in the selected articles mentions {escape_markdown(label)}. Widen the article or date filters to see more."
        )
        return
    total = sum(len(a.passages) for a in articles)
    st.markdown(
        f"**{total} passage{'s' if total != 1 else ''} in {len(articles)} article{'s' if len(articles) != 1 else ''}**"
    )
    for article in articles:
        st.markdown(f"##### {_plain(article_label(article.document))}")
        st.html(styled("".join(passage_html(p) for p in article.passages)))


def render_group_mentions(
    evidence: Evidence, place_id: str, gazetteer: PlaceIndex, lang: LabelLang, view: View
) -> None:
    for group in evidence.containing_groups(place_id):
        articles = evidence.articles_for(group)
        if not articles:
            continue
        count = sum(len(a.passages) for a in articles)
        name = place_label(gazetteer, gazetteer[group], lang, view)
        with st.expander(f"Also mentioned as part of {name}: {count} passage{'s' if count != 1 else ''}"):
            for article in articles:
                st.markdown(f"**{_plain(article_label(article.document))}**")
                st.html(styled("".join(passage_html(p) for p in article.passages)))


def render_facts(evidence: Evidence, place_id: str) -> None:
    events = evidence.events_at(place_id)
    if not events:
        st.caption("No deployment or meeting in the curated facts is located here (in the selected articles).")
        return
    for event, accounts in events:
        disagree = " — sources disagree" if event.disagreements else ""
        st.markdown(f"**{_plain(event.title)}** ({_plain(event.when or 'date not given')}){disagree}")
        columns = st.columns(len(accounts)) if len(accounts) <= 3 else [st.container() for _ in accounts]
        for column, account in zip(columns, accounts, strict=True):
            with column:
                st.html(styled(account_html(account, evidence.corpus.document(account.file))))
        for pair in event.disagreements:
            st.warning(f"Disagreement: {escape_markdown(pair.why)}", icon="⚖️")


@st.cache_data(show_spinner=False)
def _candidate_facts(folder: str, fingerprint: tuple) -> list[dict]:
    from explorer.corpus.candidates import candidates_report

    data, _problems = candidates_report(None, Path(folder))  # unreadable files are already warned about
    return data["facts"]


def render_candidates(folder: Path, evidence: Evidence, place_id: str) -> None:
    """Sentences that look like unrecorded deployment facts at this place: for a curator to review,
    never written anywhere by the app."""
    covered = evidence.gazetteer.covered_by(place_id)
    found = [
        c
        for c in _candidate_facts(str(folder), _fingerprint(folder))
        if c["file"] in evidence.files and covered & set(c["where"])
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
    :func:`timeline_selection`)."""
    import altair as alt

    entries = evidence.timeline()
    if not entries:
        st.info("No dated event in the selected articles.")
        return
    frame = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(e.when + "-01" * ((10 - len(e.when)) // 3)),
                "when": e.when,
                "event": e.event,
                "title": e.title,
                "kind": "meeting" if e.category == "meeting" else "deployment / military",
                "sources": len(e.files),
            }
            for e in entries
        ]
    )
    pick = alt.selection_point(name="pick", fields=["event"])
    chart = (
        alt.Chart(frame)
        .mark_point(size=160, filled=True)
        .encode(
            x=alt.X("date:T", title="date (as precise as the sources allow)"),
            y=alt.Y("kind:N", title=None),
            shape=alt.Shape("kind:N", legend=None),
            color=alt.Color("kind:N", scale=alt.Scale(range=["#0072B2", "#D55E00"]), legend=None),
            tooltip=["when", "title", "sources"],
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
        )
        .add_params(pick)
        .properties(height=160)
    )
    st.altair_chart(chart, width="stretch", on_select="rerun", key="timeline")


def timeline_selection() -> list[str] | None:
    """Event ids picked on the timeline, read from its widget state.

    The chart is drawn below the map, but its selection filters the map too: a pick triggers a
    rerun, and this reads it at the top of that run.
    """
    event = st.session_state.get("timeline")
    selection = event.get("selection", {}) if hasattr(event, "get") else {}
    picked = selection.get("pick", []) if hasattr(selection, "get") else []
    ids = [item["event"] for item in picked if isinstance(item, dict) and "event" in item]
    return ids or None


@st.cache_resource(show_spinner=False)
def map_assets(app_dir: Path) -> MapAssets:
    """Leaflet served by Streamlit from ``static/`` (copied from the pinned package); data URLs if that fails."""
    from explorer.render.leaflet_assets import data_urls, static_urls

    try:
        # Relative to the st_folium iframe (/component/streamlit_folium.st_folium/index.html), so it
        # also works under server.baseUrlPath; a bare "app/static" would 404 inside the iframe.
        js, css = static_urls(app_dir / "static", url_prefix="../../app/static")
    except OSError:  # a read-only checkout: fall back to inlining (about 216 KB more per rerun)
        js, css = data_urls()
    return MapAssets(js, css)


def render_downloads(evidence: Evidence, state: AppState) -> None:
    """Download buttons for what is on screen (filters, view, language, selected place).

    Each file is generated only when its button is clicked (``data`` is a callable) and the click
    does not rerun the page, so the buttons cost nothing on a map click.
    """
    from explorer.render.export_map import export_map_html
    from explorer.render.exports import FORMATS, export_bytes
    from explorer.render.picture import render_png, render_svg

    highlight = frozenset([state.place]) if state.place else frozenset()
    stem = f"kuril-explorer-{state.view}-{state.lang}" + (f"-{state.place}" if state.place else "")
    st.download_button(
        "Evidence map (one HTML file, works offline)",
        data=lambda: export_map_html(evidence, state.view, state.lang, state.place).encode("utf-8"),
        file_name=f"{stem}.html",
        mime="text/html",
        on_click="ignore",
        width="stretch",
        help="Leaflet, the islands and every passage in one file: open it from disk or embed it in a report.",
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
    for fmt, (suffix, mime, description, _writer) in FORMATS.items():
        st.download_button(
            f"Data: {description}",
            data=lambda fmt=fmt: export_bytes(evidence, fmt),
            file_name=f"kuril-explorer{suffix}",
            mime=mime,
            on_click="ignore",
            width="stretch",
        )


def render_upload(folder: Path) -> None:
    """Add articles to the corpus in use. Each upload is ingested once; the corpus then reloads
    (its cache key is the folder's file list), and curated files are never touched."""
    import tempfile

    from explorer.corpus.ingest import ingest

    uploads = st.file_uploader(
        "Add articles (.txt or .html)",
        type=["txt", "html", "htm"],
        accept_multiple_files=True,
        key="uploads",
        help="Plain text or web pages; duplicates are recognised; bad files are refused with the reason.",
    )
    done: set[str] = st.session_state.setdefault("ingested_uploads", set())
    fresh = [upload for upload in uploads or [] if upload.file_id not in done]
    if not fresh:
        return
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
            st.error(f"Nothing was added: {escape_markdown(str(err))}")
            return
    done.update(upload.file_id for upload in fresh)
    for added in report.added:
        st.success(
            escape_markdown(f"Added {Path(added.source).name} as {added.file} ({added.language or 'language unknown'})")
        )
    for skipped in report.skipped:
        st.info(escape_markdown(f"{Path(skipped.source).name}: {skipped.reason}"))
    for refused in report.refused:
        st.error(f"Refused {escape_markdown(str(refused))}")


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
        only_place = st.checkbox(f"Only passages about {escape_markdown(label)}", key="fulltext_place")
    outlets = sorted({d.article.outlet for d in evidence.corpus.documents if d.article and d.article.outlet})
    outlet = (
        st.selectbox("Outlet", outlets, index=None, key="fulltext_outlet", placeholder="any outlet")
        if outlets
        else None
    )
    if not query.strip():
        return
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
        st.error(f"Search failed: {escape_markdown(str(err))}")
        return
    if not hits:
        st.info(f"No passage contains {escape_markdown(repr(query))}.")
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
