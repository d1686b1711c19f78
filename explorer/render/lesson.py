"""Lesson mode: a guided sequence of map steps a teacher walks a class through.

A lesson is data (``lessons/*.yaml``, model :class:`explorer.data.schema.Lesson`; see ``lessons/README.md``).
This module loads and checks lessons against the gazetteer, the corpus and its facts
(:func:`validate_lesson`), resolves one step into everything a page needs (:func:`resolve_step`, a
:class:`StepView`), and renders steps as escaped HTML for the app, the exported page and the printable
handout (:func:`render_step_html`, :func:`handout_html`).

Pure: no Streamlit. Every string from a data file goes through ``html.escape`` before it enters HTML.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from explorer.corpus.documents import Corpus, Document
from explorer.corpus.facts import FactSet, find_all
from explorer.data.errors import DataError
from explorer.data.gazetteer import PlaceIndex
from explorer.data.paths import GEODATA_DIR, LAYER_FILES, LESSONS_DIR
from explorer.data.readers import read_geojson, read_yaml
from explorer.data.schema import Account, Background, Citation, Event, Lesson, LessonStep, TreatyLineProperties
from explorer.evidence import Evidence
from explorer.render.evidence_html import article_label
from explorer.render.naming import LabelLang, View, place_label, view_statement

DEFAULT_LESSON = LESSONS_DIR / "kurils-101.yaml"
TREATY_LINES_PATH = GEODATA_DIR / "treaty_lines.geojson"
# The whole chain with Hokkaido and Kamchatka's tip, [[south, west], [north, east]] (as explorer.render.mapview).
KURIL_BOUNDS = ((42.9, 139.5), (51.6, 157.8))
# A lesson's map must look at this region (lat, lon); anything else is almost surely swapped lat/lon.
MAP_REGION = ((30.0, 125.0), (60.0, 165.0))
FOCUS_PADDING = 0.15  # fraction of the focus box added on every side
FOCUS_MIN_SPAN = 0.6  # degrees: a single islet still shows its neighbours
BACKGROUND_HEADING = "Background (not from the corpus)"


# --------------------------------------------------------------------------- loading


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file on its own (schema only). Raises :class:`DataError`."""
    return read_yaml(Path(path), Lesson)


def list_lessons(folder: Path = LESSONS_DIR) -> list[Path]:
    """The lesson files of a folder, in name order (``*.yaml``; hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))


def load_overlays(path: Path = TREATY_LINES_PATH) -> dict[str, dict]:
    """The overlay layers a lesson may switch on (today: the treaty lines), by id. Raises :class:`DataError`."""
    data = read_geojson(Path(path))
    return {feature["properties"]["id"]: feature for feature in data["features"]}


def overlay_collection(layer_ids: list[str] | tuple[str, ...], path: Path = TREATY_LINES_PATH) -> dict:
    """A GeoJSON FeatureCollection of the given overlay ids (unknown ids left out), for the map."""
    overlays = load_overlays(path)
    return {"type": "FeatureCollection", "features": [overlays[i] for i in layer_ids if i in overlays]}


def validate_treaty_lines(path: Path = TREATY_LINES_PATH) -> list[DataError]:
    """Problems with ``treaty_lines.geojson``: structure, properties, LineString geometry, unique ids."""
    from shapely.geometry import shape  # lazily, as in explorer.validate

    try:
        data = read_geojson(Path(path))
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    seen: set[str] = set()
    for number, feature in enumerate(data["features"]):
        props = feature["properties"]
        where = f"feature #{number} (id {props.get('id')!r})"
        try:
            TreatyLineProperties.model_validate(props)
        except Exception as err:  # pydantic's ValidationError
            problems.append(DataError(path, f"bad properties: {str(err).splitlines()[-1].strip()}", where))
            continue
        if props["id"] in seen:
            problems.append(DataError(path, "duplicate id", where))
        seen.add(props["id"])
        geometry = feature.get("geometry") or {}
        if geometry.get("type") != "LineString":
            problems.append(DataError(path, f"geometry must be a LineString, not {geometry.get('type')!r}", where))
            continue
        try:
            line = shape(geometry)
        except Exception as err:  # shapely raises several types for malformed geometry
            problems.append(DataError(path, f"geometry cannot be read: {err}", where))
            continue
        if line.is_empty or len(line.coords) < 2 or not line.is_valid:
            problems.append(DataError(path, "geometry is not a valid line of two or more points", where))
    return problems


# --------------------------------------------------------------------------- validation


def _step_where(number: int, step: LessonStep, detail: str | None = None) -> str:
    where = f"step {number} ({step.id!r})"
    return f"{where}, {detail}" if detail else where


_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "—": "-", "–": "-"})


def _loose(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTE_MARKS)).casefold()


def quote_problem(document: Document, quote: str) -> str | None:
    """Why ``quote`` cannot anchor in the article, or ``None`` when it occurs exactly once."""
    found = find_all(document.text, quote)
    if len(found) == 1:
        return None
    if len(found) > 1:
        return (
            f"quote occurs {len(found)} times in {document.file} (at {', '.join(map(str, found))}); "
            f"quote more words so it is unique: {quote!r}"
        )
    hint = ""
    if _loose(quote) in _loose(document.text):
        hint = (
            " (it is there with different quotation marks, dashes, spacing or capitals: "
            "copy the article's exact characters)"
        )
    return f"quote not found in {document.file}{hint}: {quote!r}"


def _place_problems(ids: list[str], gazetteer: PlaceIndex, field: str) -> list[str]:
    problems = []
    for place_id in ids:
        if place_id not in gazetteer:
            close = [p.id for p in gazetteer.find(place_id)[:3]]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            problems.append(f"map.{field} names unknown place id {place_id!r}{hint}")
    return problems


def validate_lesson(
    lesson_path: Path,
    gazetteer: PlaceIndex,
    corpus: Corpus,
    facts: FactSet | None,
    overlays_path: Path = TREATY_LINES_PATH,
) -> list[DataError]:
    """Every problem with one lesson file, each naming the file and the step. Never raises for bad input.

    Checked: the schema (via :func:`load_lesson`; malformed YAML, missing questions, bad bounds), place ids
    in ``focus`` and ``highlight``, overlay ``layers`` (ids of ``treaty_lines.geojson``), bounds inside the
    map region, each quote occurring exactly once in its article, each fact id in ``facts.yaml``.
    """
    lesson_path = Path(lesson_path)
    try:
        lesson = load_lesson(lesson_path)
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    try:
        overlay_ids: set[str] | None = set(load_overlays(overlays_path))
    except DataError as err:
        overlay_ids = None
        if any(step.map.layers for step in lesson.steps):
            problems.append(DataError(lesson_path, f"uses map layers, but they cannot be read: {err}"))
    accounts = {account.id: account for _, account in facts.accounts()} if facts is not None else {}
    for number, step in enumerate(lesson.steps, start=1):
        found: list[tuple[str | None, str]] = []
        for message in _place_problems(step.map.focus, gazetteer, "focus"):
            found.append((None, message))
        for message in _place_problems(step.map.highlight, gazetteer, "highlight"):
            found.append((None, message))
        if overlay_ids is not None:
            for layer in step.map.layers:
                if layer not in overlay_ids:
                    known = ", ".join(sorted(overlay_ids))
                    found.append((None, f"map.layers names unknown layer {layer!r} (known: {known})"))
        if step.map.bounds is not None and not _inside_region(step.map.bounds):
            (r_south, r_west), (r_north, r_east) = MAP_REGION
            found.append(
                (
                    None,
                    f"map.bounds {list(map(list, step.map.bounds))} fall outside the map region "
                    f"(lat {r_south}..{r_north}, lon {r_west}..{r_east}); bounds are "
                    "[[south, west], [north, east]] as [lat, lon]: latitude and longitude swapped?",
                )
            )
        for item_number, item in enumerate(step.evidence):
            detail = f"evidence[{item_number}]"
            if item.fact is not None:
                if facts is None:
                    found.append((detail, f"names fact {item.fact!r}, but the corpus has no facts.yaml"))
                elif item.fact not in accounts:
                    close = [a for a in accounts if a.startswith(item.fact.split(".")[0])][:4]
                    hint = f" (accounts of that event: {', '.join(close)})" if close else ""
                    found.append((detail, f"names unknown fact (account id) {item.fact!r}{hint}"))
                elif corpus.document(accounts[item.fact].file) is None:
                    missing = accounts[item.fact].file
                    found.append((detail, f"fact {item.fact!r} quotes {missing}, which is not in the corpus"))
                continue
            document = corpus.document(item.file or "")
            if document is None:
                found.append((detail, f"quotes {item.file!r}, which is not in the corpus ({corpus.folder})"))
                continue
            problem = quote_problem(document, item.quote or "")
            if problem:
                found.append((detail, problem))
        problems.extend(DataError(lesson_path, message, _step_where(number, step, detail)) for detail, message in found)
    return problems


def _inside_region(bounds: tuple[tuple[float, float], tuple[float, float]]) -> bool:
    (south, west), (north, east) = bounds
    (r_south, r_west), (r_north, r_east) = MAP_REGION
    return r_south <= south and north <= r_north and r_west <= west and east <= r_east


# --------------------------------------------------------------------------- resolving a step


@dataclass(frozen=True)
class PassageView:
    """A quote anchored in an article, with the passage(s) around it from ``doc.passages``."""

    file: str
    source: str  # outlet · date · headline (article_label)
    start: int  # offsets of the quote in the article's text (code points, end-exclusive)
    end: int
    quote: str
    passage_ids: tuple[str, ...]
    passage_start: int
    passage_end: int
    passage_text: str
    note: str | None = None

    def segments(self) -> tuple[str, str, str]:
        """(before, quote, after) inside the passage, unescaped."""
        offset = self.passage_start
        return (
            self.passage_text[: self.start - offset],
            self.passage_text[self.start - offset : self.end - offset],
            self.passage_text[self.end - offset :],
        )


@dataclass(frozen=True)
class FactView:
    """One account of facts.yaml: what the article says about an event, with its passage."""

    fact: str
    event: Event
    account: Account
    passage: PassageView | None
    note: str | None = None


@dataclass(frozen=True)
class LayerView:
    """An overlay the step switches on (a treaty line), with what the treaty said and its source."""

    id: str
    title: str
    year: int | None
    note: str
    source: str
    feature: dict | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StepView:
    """Everything one page needs to show a lesson step, resolved against the corpus and the geodata."""

    lesson_id: str
    lesson_title: str
    index: int  # 0-based
    total: int
    id: str
    title: str
    view: View
    lang: LabelLang
    bounds: tuple[tuple[float, float], tuple[float, float]]  # [[south, west], [north, east]], always set
    bounds_from: str  # "bounds", "focus" or "default"
    focus: tuple[str, ...]
    highlight: tuple[str, ...]
    layers: tuple[LayerView, ...]
    explanation: str
    quotes: tuple[PassageView, ...]
    facts: tuple[FactView, ...]
    background: tuple[Background, ...]
    questions: tuple[str, ...]
    problems: tuple[str, ...] = ()  # evidence that could not be resolved (the lesson was not validated)

    @property
    def number(self) -> int:
        return self.index + 1


def _passage_view(document: Document, start: int, end: int, note: str | None = None) -> PassageView:
    covering = [p for p in document.passages if p.start < end and start < p.end]
    p_start = min([start, *(p.start for p in covering)])
    p_end = max([end, *(p.end for p in covering)])
    return PassageView(
        document.file,
        article_label(document),
        start,
        end,
        document.text[start:end],
        tuple(p.id for p in covering),
        p_start,
        p_end,
        document.text[p_start:p_end],
        note,
    )


def resolve_step(lesson: Lesson, index: int, evidence: Evidence, overlays_path: Path = TREATY_LINES_PATH) -> StepView:
    """Step ``index`` (0-based) of ``lesson`` with its evidence, overlays and map bounds resolved.

    Pass the unfiltered :class:`Evidence` (a filtered one leaves out the articles it filters away; they
    are then listed in ``problems`` rather than shown). Raises ``IndexError`` for an index out of range.
    """
    if not 0 <= index < len(lesson.steps):
        raise IndexError(f"lesson {lesson.id!r} has {len(lesson.steps)} steps; there is no step {index + 1}")
    step = lesson.steps[index]
    corpus = evidence.corpus
    problems: list[str] = []
    quotes: list[PassageView] = []
    facts: list[FactView] = []
    accounts = {a.id: (e, a) for e, a in evidence.facts.accounts()} if evidence.facts is not None else {}
    for item in step.evidence:
        if item.fact is not None:
            if item.fact not in accounts:
                problems.append(f"fact {item.fact!r} is not in facts.yaml")
                continue
            event, account = accounts[item.fact]
            document = corpus.document(account.file)
            passage = None
            if document is not None and document.text[account.quote.start : account.quote.end] == account.quote.exact:
                passage = _passage_view(document, account.quote.start, account.quote.end)
            facts.append(FactView(item.fact, event, account, passage, item.note))
            continue
        document = corpus.document(item.file or "")
        if document is None:
            problems.append(f"{item.file} is not in the corpus")
            continue
        found = find_all(document.text, item.quote or "")
        if not found:
            problems.append(f"quote not found in {item.file}: {item.quote!r}")
            continue
        quotes.append(_passage_view(document, found[0], found[0] + len(item.quote or ""), item.note))
    layers: list[LayerView] = []
    if step.map.layers:
        try:
            overlays = load_overlays(overlays_path)
        except DataError as err:
            overlays = {}
            problems.append(str(err))
        for layer_id in step.map.layers:
            feature = overlays.get(layer_id)
            if feature is None:
                problems.append(f"map layer {layer_id!r} is not in {Path(overlays_path).name}")
                continue
            props = feature["properties"]
            layers.append(
                LayerView(
                    layer_id,
                    str(props.get("title", layer_id)),
                    props.get("year"),
                    str(props.get("note", "")),
                    str(props.get("source", "")),
                    feature,
                )
            )
    bounds, bounds_from = step_bounds(step, evidence.gazetteer)
    return StepView(
        lesson_id=lesson.id,
        lesson_title=lesson.title,
        index=index,
        total=len(lesson.steps),
        id=step.id,
        title=step.title,
        view=step.map.view,
        lang=step.map.lang,
        bounds=bounds,
        bounds_from=bounds_from,
        focus=tuple(step.map.focus),
        highlight=tuple(step.map.highlight),
        layers=tuple(layers),
        explanation=step.explanation,
        quotes=tuple(quotes),
        facts=tuple(facts),
        background=tuple(step.background),
        questions=tuple(step.questions),
        problems=tuple(problems),
    )


def step_bounds(step: LessonStep, gazetteer: PlaceIndex) -> tuple[tuple[tuple[float, float], tuple[float, float]], str]:
    """The step's map bounds [[south, west], [north, east]] and where they come from."""
    if step.map.bounds is not None:
        return step.map.bounds, "bounds"
    if step.map.focus:
        box = _focus_box(step.map.focus, gazetteer)
        if box is not None:
            return box, "focus"
    return KURIL_BOUNDS, "default"


_LAYER_BOXES: dict[tuple, dict[str, tuple[float, float, float, float]]] = {}


def _feature_boxes() -> dict[str, tuple[float, float, float, float]]:
    """(west, south, east, north) of every committed feature, read once per change of the files."""
    key = tuple((str(p), p.stat().st_mtime_ns) for p in LAYER_FILES.values() if p.exists())
    if key not in _LAYER_BOXES:
        boxes: dict[str, tuple[float, float, float, float]] = {}
        for path in LAYER_FILES.values():
            try:
                data = read_geojson(path)
            except DataError:
                continue
            for feature in data["features"]:
                xs: list[float] = []
                ys: list[float] = []
                _collect(feature.get("geometry", {}).get("coordinates", []), xs, ys)
                if xs:
                    boxes[feature["properties"]["id"]] = (min(xs), min(ys), max(xs), max(ys))
        _LAYER_BOXES.clear()
        _LAYER_BOXES[key] = boxes
    return _LAYER_BOXES[key]


def _collect(coords: Any, xs: list[float], ys: list[float]) -> None:
    if coords and isinstance(coords[0], (int, float)):
        xs.append(float(coords[0]))
        ys.append(float(coords[1]))
        return
    for part in coords or []:
        _collect(part, xs, ys)


def _focus_box(place_ids: list[str], gazetteer: PlaceIndex) -> tuple[tuple[float, float], tuple[float, float]] | None:
    boxes = _feature_boxes()
    wests, souths, easts, norths = [], [], [], []
    for place_id in place_ids:
        for member in sorted(gazetteer.covered_by(place_id)):
            anchor = gazetteer.by_id[member].anchor
            if member in boxes:
                west, south, east, north = boxes[member]
            elif anchor is not None:
                west, south = east, north = anchor
            else:
                continue
            wests.append(west)
            souths.append(south)
            easts.append(east)
            norths.append(north)
    if not wests:
        return None
    west, south, east, north = min(wests), min(souths), max(easts), max(norths)
    pad_x = max((east - west) * FOCUS_PADDING, (FOCUS_MIN_SPAN - (east - west)) / 2, 0.0)
    pad_y = max((north - south) * FOCUS_PADDING, (FOCUS_MIN_SPAN - (north - south)) / 2, 0.0)
    return ((round(south - pad_y, 4), round(west - pad_x, 4)), (round(north + pad_y, 4), round(east + pad_x, 4)))


# --------------------------------------------------------------------------- HTML

LESSON_CSS = """
.kx-lesson-step{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans JP",sans-serif;
 color:#111;line-height:1.45}
.kx-lesson-step h2{font-size:1.35rem;margin:.1rem 0 .4rem 0}
.kx-lesson-step h3{font-size:1rem;margin:.9rem 0 .3rem 0;text-transform:uppercase;letter-spacing:.03em;color:#333}
.kx-step-no{font-size:.85rem;color:#333;margin:0}
.kx-view{font-size:.85rem;color:#333;border-left:4px solid #999;padding:.1rem .5rem;margin:.3rem 0}
.kx-onmap{font-size:.9rem;margin:.3rem 0}
.kx-explanation p{font-size:1.05rem;margin:.3rem 0}
.kx-evidence{margin:.4rem 0 .6rem 0}
.kx-evidence blockquote{border-left:4px solid #0072B2;padding:.2rem .6rem;margin:.2rem 0;font-size:1rem}
.kx-evidence mark{background:#F0E442;color:#000;padding:0 .1em;border-bottom:2px solid #000}
.kx-evidence figcaption,.kx-cite{font-size:.85rem;color:#333}
.kx-background{border:1px dashed #555;padding:.3rem .6rem;margin:.4rem 0;background:#FAFAFA}
.kx-background p{margin:.2rem 0}
.kx-badge{font-size:.75rem;border:1px solid #555;border-radius:3px;padding:0 .3em;margin-right:.3em}
.kx-questions li{margin:.3rem 0;font-size:1.05rem}
.kx-problems{color:#8B0000;font-size:.85rem}
"""

HANDOUT_CSS = """
@page{size:A4;margin:9mm}
body{margin:0 auto;max-width:190mm;
 font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans JP",sans-serif}
.kx-page{page-break-after:always;break-after:page;padding:2mm 0}
.kx-page:last-child{page-break-after:auto;break-after:auto}
.kx-page header{font-size:.8rem;color:#333;border-bottom:1px solid #999;margin-bottom:3mm}
.kx-picture{margin:0 0 3mm 0;text-align:center}
.kx-picture>svg{width:170mm;max-width:100%;height:auto}
.kx-picture figcaption{font-size:.8rem;color:#333}
.kx-key{font-size:8pt;line-height:1.3;text-align:left;color:#111}
.kx-key svg{vertical-align:-1px}
@media print{
 .kx-lesson-step{font-size:9pt;line-height:1.25;columns:2;column-gap:6mm}
 .kx-lesson-step h2,.kx-lesson-step .kx-step-no{column-span:all}.kx-lesson-step h2{font-size:14pt}
 .kx-evidence,.kx-background,.kx-questions li{break-inside:avoid}
 [data-dense] .kx-lesson-step,[data-dense] .kx-explanation p,[data-dense] .kx-questions li,[data-dense] .kx-evidence blockquote{
  font-size:8pt;line-height:1.2}
 .kx-lesson-step h3{font-size:9pt;margin:2mm 0 1mm 0}.kx-explanation p,.kx-questions li{font-size:9pt}
 .kx-cite{overflow-wrap:anywhere}
 .kx-evidence blockquote{font-size:9pt}.kx-evidence{margin:1mm 0 2mm 0}
 .kx-view,.kx-onmap,.kx-cite,.kx-evidence figcaption{font-size:8pt}.kx-background{padding:1mm 2mm;margin:1mm 0}
}
.kx-page footer{font-size:.75rem;color:#333;border-top:1px solid #999;margin-top:4mm;padding-top:1mm}
@media screen{.kx-page{border-bottom:2px solid #ccc;margin-bottom:8mm}}
"""


def citation_text(citation: Citation) -> str:
    """One line: who, title, where in it, year, address."""
    who = ", ".join(filter(None, [citation.author, citation.publisher]))
    parts = [who, citation.title, citation.locator, str(citation.year)]
    text = ", ".join(p for p in parts if p)
    return text + (f". {citation.url}" if citation.url else "")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(' '.join(p.split()))}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


def _passage_html(passage: PassageView, label: str | None = None) -> str:
    before, quote, after = passage.segments()
    caption = f"{passage.source} · {passage.file}"
    note = f'<div class="kx-cite">{escape(passage.note)}</div>' if passage.note else ""
    return (
        '<figure class="kx-evidence">'
        f"<blockquote>{escape(before)}<mark>{escape(quote)}</mark>{escape(after)}</blockquote>"
        f"<figcaption>{escape(label) + ' — ' if label else ''}{escape(caption)}</figcaption>{note}</figure>"
    )


def _fact_html(fact: FactView) -> str:
    account = fact.account
    when = f"{account.when} ({account.when_precision})" if account.when else "date not given"
    label = f"{fact.event.title}: “{account.what}” ({account.status}, {when})"
    if fact.passage is not None:
        html = _passage_html(fact.passage, label)
    else:
        html = (
            f'<figure class="kx-evidence"><blockquote><mark>{escape(account.quote.exact)}</mark></blockquote>'
            f"<figcaption>{escape(label)} — {escape(account.file)}</figcaption></figure>"
        )
    if fact.note:
        html += f'<div class="kx-cite">{escape(fact.note)}</div>'
    return html


def render_step_html(step: StepView, gazetteer: PlaceIndex) -> str:
    """The step as an HTML fragment (wrap with ``<style>{LESSON_CSS}</style>``). All data strings escaped.

    Place names are in the step's label language and point of view; the rest of the text is English.
    """
    parts = [
        f'<section class="kx-lesson-step" data-step="{escape(step.id)}">',
        f'<p class="kx-step-no">{escape(step.lesson_title)} · step {step.number} of {step.total}</p>',
        f"<h2>{escape(step.title)}</h2>",
    ]
    if step.view in gazetteer.data.views:
        parts.append(f'<p class="kx-view">{escape(view_statement(gazetteer, step.view))}</p>')
    on_map = []
    labels = [
        place_label(gazetteer, gazetteer.by_id[p], step.lang, step.view) for p in step.highlight if p in gazetteer
    ]
    if labels:
        on_map.append("highlighted: " + ", ".join(escape(label) for label in labels))
    if step.layers:
        on_map.append(
            "lines: "
            + ", ".join(escape(layer.title) for layer in step.layers)
            + " (schematic: the treaties name islands, they do not survey a line)"
        )
    if on_map:
        parts.append(f'<p class="kx-onmap"><b>On the map</b> — {"; ".join(on_map)}</p>')
    parts.append(f'<div class="kx-explanation">{_paragraphs(step.explanation)}</div>')
    if step.quotes or step.facts:
        parts.append("<h3>From the articles</h3>")
        parts.extend(_passage_html(q) for q in step.quotes)
        parts.extend(_fact_html(f) for f in step.facts)
    if step.background or step.layers:
        parts.append(f"<h3>{escape(BACKGROUND_HEADING)}</h3>")
        for entry in step.background:
            parts.append(
                f'<aside class="kx-background"><p><span class="kx-badge">Background</span>{escape(entry.text)}</p>'
                f'<p class="kx-cite">Source: {escape(citation_text(entry.source))}</p></aside>'
            )
        for layer in step.layers:
            parts.append(
                f'<p class="kx-cite kx-layer" title="{escape(layer.note)}"><span class="kx-badge">Map line</span>'
                f"{escape(layer.title)} — schematic line through the strait; source of the treaty text: "
                f"{escape(layer.source)}</p>"
            )
    parts.append("<h3>Discuss</h3>")
    parts.append('<ol class="kx-questions">' + "".join(f"<li>{escape(q)}</li>" for q in step.questions) + "</ol>")
    if step.problems:
        parts.append('<ul class="kx-problems">' + "".join(f"<li>{escape(p)}</li>" for p in step.problems) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


class _Auto:
    def __repr__(self) -> str:
        return "AUTO"


AUTO: Any = _Auto()  # handout_html's default: use explorer.render.picture.render_svg when it is installed


def picture_bounds(step: StepView) -> tuple[float, float, float, float]:
    """The step's bounds as ``explorer.render.picture`` wants them: (min_lon, min_lat, max_lon, max_lat)."""
    (south, west), (north, east) = step.bounds
    return (west, south, east, north)


# The handout's picture: 640 units drawn 170 mm wide, so 1 unit is about 0.2 pt and text of 11 units is 8 pt.
HANDOUT_PICTURE = (640, 400)
HANDOUT_MIN_FONT = 11.0


@dataclass(frozen=True)
class HandoutPicture:
    """The handout's picture of a step, drawn with ``render_svg`` (``explorer.render.picture``'s).

    Unlike any other picture callable, handout_html may ask it for a lower picture (``fit_height``) so that a
    long step keeps to one page, and prints its legend under it.
    """

    render_svg: Callable[..., str]
    evidence: Evidence
    width: int = HANDOUT_PICTURE[0]
    height: int = HANDOUT_PICTURE[1]

    def __call__(self, step: StepView, fit_height: int | None = None) -> str:
        svg = self.render_svg(
            self.evidence,
            step.view,
            step.lang,
            highlight=frozenset(step.highlight),
            bounds=picture_bounds(step),
            width=self.width,
            height=min(self.height, fit_height or self.height),
            title="",  # the step's heading is printed beside it
            min_font=HANDOUT_MIN_FONT,
            statement=False,
            legend=False,  # printed under the picture (handout_legend_html), so it hides no land
        )
        return re.sub(r"^<\?xml[^>]*\?>\s*", "", svg)  # inline in HTML: no XML declaration


def default_picture(
    evidence: Evidence, width: int = HANDOUT_PICTURE[0], height: int = HANDOUT_PICTURE[1]
) -> HandoutPicture | None:
    """A picture callable drawing each step with ``explorer.render.picture.render_svg``, or None if there is none.

    The picture shows the step's view, label language, highlighted places and bounds; it does not draw
    the step's overlay layers (treaty lines): the handout names them under the picture instead.
    """
    try:
        from explorer.render.picture import render_svg
    except ImportError:
        return None
    return HandoutPicture(render_svg, evidence, width, height)


# A4 less the margins, in CSS px, and what a step's text takes (measured on kurils-101 in Chromium:
# about 0.22 px per character of text in two 9 pt columns; page header, footer and headings about 140 px).
HANDOUT_PAGE_PX = (297 - 2 * 9) * 96 / 25.4
HANDOUT_PX_PER_CHAR = 0.22
HANDOUT_FIXED_PX = 190  # with the legend under the picture
HANDOUT_CAPTION_PX = 30
HANDOUT_DENSE_CHARS = 3500  # longer steps print in 8 pt


def step_text_length(step_html: str) -> int:
    return len(re.sub(r"<[^>]+>", "", step_html))


def handout_picture_height(step_html: str, caption: bool = False, width: int = HANDOUT_PICTURE[0]) -> int:
    """The picture height (in picture units, drawn 170 mm across ``width`` units) that leaves room for the
    step's text on one page: the full height for a short step, down to 45 % of it for the longest."""
    text = step_text_length(step_html)
    per_char = HANDOUT_PX_PER_CHAR * (0.85 if text > HANDOUT_DENSE_CHARS else 1.0)
    room = HANDOUT_PAGE_PX - HANDOUT_FIXED_PX - per_char * text - (HANDOUT_CAPTION_PX if caption else 0)
    units = room * width / (170 * 96 / 25.4)
    return int(max(HANDOUT_PICTURE[1] * 0.45, min(HANDOUT_PICTURE[1], units)))


def handout_legend_html(gazetteer: PlaceIndex, step: StepView) -> str:
    """The picture's legend as one wrapped line of HTML under it, with the same fills (escaped)."""
    from explorer.render.mapview import COUNT_NOTE, SHADE_NOTE, claim_fill, legend_entries
    from explorer.render.picture import ATTRIBUTION, BOUNDARY_NOTE

    items = [f"<b>{escape(gazetteer.data.views[step.view].label)}</b>"]
    for entry in legend_entries(gazetteer, step.view, step.lang):
        if entry.kind == "site":
            swatch = f'<svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" fill="{entry.fill}"/></svg>'
        else:
            stripes = f'<rect width="16" height="12" fill="{claim_fill(entry.claim)}"/>' if entry.claim else ""
            dash = ' stroke-dasharray="4 2"' if entry.kind == "disputed" else ""
            swatch = (
                f'<svg width="16" height="12" aria-hidden="true"><rect width="16" height="12" fill="{entry.fill}"/>'
                f'{stripes}<rect x=".75" y=".75" width="14.5" height="10.5" fill="none" stroke="#333" stroke-width="1.5"{dash}/></svg>'
            )
        items.append(f"<span>{swatch} {escape(entry.text)}</span>")
    items.append(
        f"<span>{escape(SHADE_NOTE)}. {escape(COUNT_NOTE)}. {escape(BOUNDARY_NOTE)} {escape(ATTRIBUTION)}.</span>"
    )
    return f'<div class="kx-key">{" · ".join(items)}</div>'


def handout_html(
    lesson: Lesson,
    evidence: Evidence,
    lang: LabelLang | None = None,
    picture_svg: Callable[[StepView], str] | None = AUTO,
) -> str:
    """A printable HTML document, one page per step (CSS ``page-break-after: always``).

    ``lang`` overrides every step's label language (None: each step's own). ``picture_svg`` draws the map
    of a step as inline SVG (trusted markup, inserted as is); AUTO uses ``explorer.render.picture`` when present,
    None leaves the pictures out. A picture that fails is replaced by a note, not by a crash.
    """
    if picture_svg is AUTO:
        picture_svg = default_picture(evidence)
    gazetteer = evidence.gazetteer
    pages = []
    for index in range(len(lesson.steps)):
        step = resolve_step(lesson, index, evidence)
        if lang is not None:
            step = dataclasses.replace(step, lang=lang)
        picture = ""
        if picture_svg is not None:
            caption = ""
            if step.layers:
                caption = (
                    "<figcaption>Lines for this step, not drawn in this picture: "
                    + "; ".join(escape(layer.title) for layer in step.layers)
                    + ".</figcaption>"
                )
            try:
                fit = handout_picture_height(render_step_html(step, gazetteer), bool(caption))
                drawn = picture_svg(step, fit) if isinstance(picture_svg, HandoutPicture) else picture_svg(step)
                key = handout_legend_html(gazetteer, step) if isinstance(picture_svg, HandoutPicture) else ""
                picture = f'<figure class="kx-picture">{drawn}{key}{caption}</figure>'
            except Exception as err:  # a broken picture must not lose the handout
                picture = f'<p class="kx-problems">The map picture could not be drawn: {escape(str(err))}</p>'
        dense = ' data-dense=""' if step_text_length(render_step_html(step, gazetteer)) > HANDOUT_DENSE_CHARS else ""
        pages.append(
            f'<section class="kx-page"{dense} id="step-{escape(step.id)}">'
            f"<header>{escape(lesson.title)} — step {step.number} of {step.total}</header>"
            f"{picture}{render_step_html(step, gazetteer)}"
            f"<footer>Kuril explorer lesson {escape(lesson.id)} · quotes from the article corpus "
            f"({escape(str(len(evidence.corpus.documents)))} articles, sha256 {escape(evidence.corpus.sha256[:12])}); "
            f"“{escape(BACKGROUND_HEADING)}” marks facts from cited outside sources.</footer>"
            "</section>"
        )
    audience = f'<meta name="description" content="{escape(lesson.audience)}">' if lesson.audience else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(lesson.title)}</title>{audience}"
        f"<style>{LESSON_CSS}{HANDOUT_CSS}</style></head><body>\n" + "\n".join(pages) + "\n</body></html>\n"
    )
