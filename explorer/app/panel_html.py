"""The evidence panel of the app's map component, as escaped HTML fragments (no Streamlit, no JavaScript).

The component draws the clicked place's panel in the browser, without a round trip to the server, so
every place's panel is sent to it up front as inert HTML: every string from an article or a data
file goes through ``html.escape`` here, and the page only clones these fragments (``<template>``),
never builds markup from data in JavaScript. Passages are stored once per place and referenced by
``<div data-passages="ID">`` so a group's passages are not repeated for each member island.

Tabs in a place's panel: Passages (first, so the first highlighted passage sits right under the
header), Facts (with the number of disagreements), Names, Counts per source.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from explorer.data.gazetteer import PlaceIndex
from explorer.data.schema import Account, Event, Name, Place
from explorer.evidence import ArticleInfo, Evidence, PassageEvidence, SourceCounts
from explorer.render.evidence_html import account_html, part_of_html
from explorer.render.naming import LabelLang, View, place_label

LANGUAGE_NAMES = {"en": "English", "ja": "Japanese", "ru": "Russian"}
SCRIPT_NAMES = {"Latn": "Latin script", "Jpan": "Japanese script", "Cyrl": "Cyrillic"}
# How a name's kind is worded in a match explanation. "official" is one state's word for its own
# name: the neutral view says "standard" instead, so neither side's name reads as the real one.
KIND_WORDS = {
    "official": "standard name",
    "variant": "variant",
    "historic": "historic name",
    "group": "group name",
    "case_form": "case form",
    "reading": "kana reading",
}
IMPLICIT_WORD = "implicit reference"

PANEL_CSS = """
.kx-more-line{margin:.6rem 0;font-size:.9rem;color:#222}
.kx-more-line button{font:inherit;padding:2px 10px;cursor:pointer}
.kx-head h2{margin:0 0 2px 0;font-size:1.3rem;line-height:1.25}
.kx-status{margin:0 0 4px 0;font-size:.9rem;color:#222}
.kx-tabs{display:flex;gap:2px;border-bottom:1px solid #999;margin:4px 0 6px 0;flex-wrap:wrap}
.kx-tabs button{font:inherit;font-size:.82rem;border:1px solid #999;border-bottom:none;background:#f2f2f2;
  padding:2px 6px;border-radius:4px 4px 0 0;cursor:pointer;color:#111;white-space:nowrap}
.kx-tabs button[aria-selected=true]{background:#fff;font-weight:600;position:relative;top:1px}
.kx-tab[hidden]{display:none}
.kx-article{font-size:.9rem;margin:.5rem 0 .1rem 0;color:#222}
.kx-disputed-mark{display:inline-block;font-size:.75rem;background:#FFF3D6;border:1px solid #E69F00;
  border-radius:3px;padding:0 .35em;margin:0 .3em .1em 0;color:#111}
.kx-table{border-collapse:collapse;font-size:.88rem;width:100%;table-layout:auto}
.kx-table td,.kx-table th{border-bottom:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top;
  overflow-wrap:anywhere}
.kx-table td.kx-num,.kx-table th.kx-num{text-align:right;white-space:nowrap;overflow-wrap:normal}
.kx-accounts{display:flex;gap:8px;flex-wrap:wrap}
.kx-accounts>div{flex:1 1 180px;border:1px solid #ccc;border-radius:4px;padding:5px}
.kx-disagree{background:#FFF3D6;border-left:4px solid #E69F00;padding:3px 8px;margin:4px 0}
.kx-none{color:#333;font-size:.95rem}
"""


def article_choice_label(article: ArticleInfo) -> str:
    """A label that tells articles apart: outlet (or headline), date, short id.

    Two articles from an unknown outlet on the same day still differ by headline and id.
    """
    short_id = article.file.split("_", 1)[0] if "_" in article.file else article.file[:12]
    first = article.outlet or _shorten(article.headline or article.file, 48)
    parts = [first, article.date or "date unknown"]
    if article.outlet and article.headline:
        parts.append(_shorten(article.headline, 40))
    parts.append(f"#{short_id}")
    return " · ".join(parts)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _alias_name(gazetteer: PlaceIndex, place_id: str, alias: str) -> Name | None:
    place = gazetteer.by_id.get(place_id)
    if place is None:
        return None
    folded = alias.casefold()
    return next((n for n in place.names if n.text.casefold() == folded), None)


def match_words(gazetteer: PlaceIndex, place_id: str, alias: str, rule: str, view: View) -> str:
    """Why a mention matched, in words: the alias's language, script and kind ("Japanese variant,
    Latin script, Hepburn"). "official" is said only in the view of the state whose language it is."""
    if rule == "implicit":
        return IMPLICIT_WORD
    name = _alias_name(gazetteer, place_id, alias)
    if name is None:
        return "name in the gazetteer"
    kind = KIND_WORDS.get(name.kind, name.kind)
    own = {"japan": "ja", "russia": "ru"}.get(view)
    if name.kind == "official" and own == name.lang:
        kind = "official name"
    details = [f"{LANGUAGE_NAMES.get(name.lang, name.lang)} {kind}", SCRIPT_NAMES.get(name.script, name.script)]
    details += [d for d in (name.romanization, name.case) if d]
    if name.uncertain:
        details.append("attribution uncertain")
    return ", ".join(details)


def passage_html(
    gazetteer: PlaceIndex, evidence: PassageEvidence, view: View, disputed: bool = False, place_id: str = ""
) -> str:
    """The passage with its mentions highlighted, a mark when sources disagree about an event it
    reports, and why each mention matched."""
    parts = []
    for text, link in evidence.segments():
        if link is None:
            parts.append(escape(text))
        else:
            css = ' class="kx-implicit"' if link.kind == "implicit" else ""
            title = match_words(gazetteer, link.place, link.alias, link.rule, view)
            parts.append(f'<mark{css} title="{escape(title)}">{escape(text)}</mark>')
    why = "; ".join(
        f"“{escape(link.text)}” matched “{escape(link.alias)}” "
        f"({escape(match_words(gazetteer, link.place, link.alias, link.rule, view))}"
        + (f", {escape(', '.join(link.flags))}" if link.flags else "")
        + f')<span class="kx-kind">{escape(link.kind)}</span>'
        for link in evidence.mentions
    )
    kind = (
        "" if evidence.passage.kind == "sentence" else f'<span class="kx-kind">{escape(evidence.passage.kind)}</span> '
    )
    mark = (
        f'<button type="button" class="kx-disputed-mark" data-goto="facts" data-place="{escape(place_id)}">'
        "⚖ sources disagree on what this reports</button><br>"
        if disputed
        else ""
    )
    return (
        f'<div class="kx-passage" id="{escape(evidence.passage.id)}">{mark}{kind}{"".join(parts)}</div>'
        f'<div class="kx-why">{why}</div>'
    )


def disputed_passages(evidence: Evidence, place_id: str) -> set[tuple[str, str]]:
    """(file, passage id) of passages holding the quote of an account whose event has a disagreement."""
    found: set[tuple[str, str]] = set()
    for event, accounts in evidence.events_at(place_id):
        if not event.disagreements:
            continue
        for account in accounts:
            document = evidence.corpus.document(account.file)
            if document is None:
                continue
            start = account.quote.start
            end = account.quote.end
            if document.text[start:end] != account.quote.exact:
                start = document.text.find(account.quote.exact)
                end = start + len(account.quote.exact)
                if start < 0:
                    continue
            found.update((document.file, p.id) for p in document.passages if p.start < end and start < p.end)
    return found


PAGE_SIZE = 30  # passages a place's panel shows before "Show more"


def passages_block(
    evidence: Evidence,
    place_id: str,
    view: View,
    disputed: set[tuple[str, str]],
    limit: int | None = None,
    *,
    more_button: bool = True,
) -> str:
    """The passages that mention the place, grouped by article, newest article first, escaped. With
    ``limit``, the first ``limit`` passages, then how many there are and a "Show more" button
    (``data-kx-more``: the page asks the server for the next ones), or without ``more_button`` a
    pointer to the map's panel."""
    parts = []
    total, page = evidence.passage_page(place_id, limit)
    for article in page:
        parts.append(f'<h4 class="kx-article">{escape(article_choice_label(article.article))}</h4>')
        parts.extend(
            passage_html(
                evidence.gazetteer,
                p,
                view,
                (article.article.file, p.passage.id) in disputed,
                place_id,
            )
            for p in article.passages
        )
    if limit is not None and total > limit:
        more = min(PAGE_SIZE, total - limit)
        button = (
            f'<button type="button" data-kx-more="{escape(place_id)}">Show {more:,} more</button>'
            if more_button
            else "The place's panel beside the map shows the rest."
        )
        parts.append(f'<p class="kx-more-line">The newest {limit:,} of {total:,} passages. {button}</p>')
    return "".join(parts)


def _tab(name: str, title: str, selected: bool) -> str:
    return (
        f'<button type="button" role="tab" data-tab="{name}" aria-selected="{str(selected).lower()}">{title}</button>'
    )


def place_panel(evidence: Evidence, place_id: str, view: View, lang: LabelLang) -> str:
    """Everything the panel shows about one place (see the module docstring)."""
    gazetteer = evidence.gazetteer
    place = gazetteer[place_id]
    label = place_label(gazetteer, place, lang, view)
    parts = [f'<header class="kx-head"><h2 class="kx-place-title">{escape(label)}</h2>']
    if place.administered_by or place.claimed_by:
        parts.append(
            f'<p class="kx-status"><b>Administered by:</b> {escape(place.administered_by or "not recorded")} · '
            f"<b>Claimed by:</b> {escape(place.claimed_by or 'no other claimant recorded')}</p>"
        )
    parts.append("</header>")
    count = evidence.passage_count(place_id)
    article_count = evidence.article_count(place_id) if count else 0
    events = evidence.events_at(place_id)
    disagreements = sum(len(event.disagreements) for event, _ in events)
    facts_title = f"Facts ({len(events)}" + (
        f" · {disagreements} disagreement{'s' if disagreements != 1 else ''})" if disagreements else ")"
    )
    parts.append(
        '<div class="kx-tabs" role="tablist">'
        + _tab("passages", f"Passages ({count})", True)
        + _tab("facts", escape(facts_title), False)
        + _tab("names", f"Names ({len(place.names)})", False)
        + _tab("counts", "Counts per source", False)
        + "</div>"
    )
    parts.append(_passages_tab(evidence, place_id, label, article_count, count, view, lang))
    parts.append(_facts_tab(evidence, events))
    parts.append(_names_tab(place))
    parts.append(_counts_tab(evidence.source_counts(place_id) if count else None))
    return "".join(parts)


def _passages_tab(
    evidence: Evidence, place_id: str, label: str, article_count: int, count: int, view: View, lang: LabelLang
) -> str:
    gazetteer = evidence.gazetteer
    parts = ['<section class="kx-tab" data-tab="passages">']
    if article_count:
        parts.append(
            f'<p class="kx-count-line">{count} passage{"s" if count != 1 else ""} in {article_count} '
            f"article{'s' if article_count != 1 else ''}</p>"
            f'<div data-passages="{escape(place_id)}"></div>'
        )
    else:
        parts.append(
            f'<p class="kx-none">No passage in the selected articles mentions {escape(label)}. '
            "Widen the article or date filters to see more.</p>"
        )
    parts.append(part_of_html(evidence, place_id, lambda g: escape(place_label(gazetteer, gazetteer[g], lang, view))))
    parts.append("</section>")
    return "".join(parts)


def _facts_tab(evidence: Evidence, events: list[tuple[Event, list[Account]]]) -> str:
    parts = ['<section class="kx-tab" data-tab="facts" hidden>']
    if not events:
        parts.append('<p class="kx-none">No deployment or meeting in the curated facts is located here.</p>')
    for event, accounts in events:
        flag = " — sources disagree" if event.disagreements else ""
        parts.append(
            f"<p><b>{escape(event.title)}</b> ({escape(event.when or 'date not given')}){flag}</p>"
            '<div class="kx-accounts">'
        )
        parts.extend(f"<div>{account_html(a, evidence.corpus.document(a.file))}</div>" for a in accounts)
        parts.append("</div>")
        parts.extend(
            f'<div class="kx-disagree">⚖ Disagreement: {escape(pair.why)}</div>' for pair in event.disagreements
        )
    parts.append("</section>")
    return "".join(parts)


def _names_tab(place: Place) -> str:
    rows = "".join(
        f"<tr><td>{escape(LANGUAGE_NAMES.get(n.lang, n.lang))}</td><td>{escape(n.text)}</td>"
        f"<td>{escape(KIND_WORDS.get(n.kind, n.kind))}</td><td>"
        + escape(", ".join(filter(None, [n.romanization, n.case, "uncertain" if n.uncertain else None, n.note])))
        + "</td></tr>"
        for n in place.names
    )
    return (
        '<section class="kx-tab" data-tab="names" hidden><table class="kx-table">'
        "<tr><th>language</th><th>name</th><th>kind</th><th>detail</th></tr>"
        f"{rows}</table></section>"
    )


def _counts_tab(counts: SourceCounts | None) -> str:
    parts = ['<section class="kx-tab" data-tab="counts" hidden>']
    if counts is not None and counts.rows:
        if counts.articles > len(counts.rows):
            parts.append(
                f'<p class="kx-count-line">The {len(counts.rows)} of {counts.articles:,} articles with the most '
                f"{escape(counts.unit)}.</p>"
            )
        rows = "".join(
            f'<tr><td>{escape(article_choice_label(article))}</td><td class="kx-num">{count:,}</td></tr>'
            for article, count in counts.rows
        )
        parts.append(
            f'<table class="kx-table"><tr><th>article</th><th class="kx-num">{escape(counts.unit)}</th></tr>'
            f"{rows}</table>"
        )
    else:
        parts.append('<p class="kx-none">No mention in the selected articles.</p>')
    parts.append("</section>")
    return "".join(parts)


def all_panels(
    evidence: Evidence, view: View, lang: LabelLang, shown: Mapping[str, int] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """(place id -> panel HTML, place id -> passages HTML) for every place in the gazetteer. Each
    place's passages stop after :data:`PAGE_SIZE` (or ``shown[place]``), newest article first."""
    panels: dict[str, str] = {}
    passages: dict[str, str] = {}
    for place in evidence.gazetteer.places:
        panels[place.id] = place_panel(evidence, place.id, view, lang)
        if evidence.passage_count(place.id):
            limit = (shown or {}).get(place.id, PAGE_SIZE)
            passages[place.id] = passages_block(evidence, place.id, view, disputed_passages(evidence, place.id), limit)
    return panels, passages
