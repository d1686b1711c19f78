"""Evidence as HTML fragments: every piece of text from an article or data file goes through ``html.escape``.

Shared by the app (``st.html``) and the exports, so escaping is decided in one place. Mentions are
``<mark>`` elements: explicit ones solid-underlined, implicit ones dash-underlined and labelled, so the
distinction never rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from explorer.corpus.documents import Document
from explorer.data.schema import Account
from explorer.evidence import Evidence, PassageEvidence

RULE_WORDS = {
    "exact": "standard name",  # not "official": one state's word for its own name (see app.panel_html)
    "variant": "variant name",
    "case_form": "Russian case form",
    "script": "Japanese script",
    "implicit": "implicit reference",
    "feature": "a place on the island",
    "anaphora": "refers back to the island named before",
    "fuzzy": "possible misspelling",
}

CSS = """
/* em, not rem: the text follows its container (a compact embedded page sets a smaller size) */
.kx-passage{font-size:1.05em;line-height:1.5;margin:.2rem 0 .1rem 0}
.kx-passage mark{background:#F0E442;color:#000;padding:0 .1em;border-bottom:2px solid #000}
.kx-passage mark.kx-implicit{background:#D9ECF7;border-bottom:2px dashed #0072B2}
.kx-why{font-size:.85em;color:#333;margin:0 0 .6rem 0}
.kx-kind{font-size:.75rem;border:1px solid #555;border-radius:3px;padding:0 .3em;margin-left:.3em}
.kx-quote{border-left:4px solid #0072B2;padding:.2rem .6rem;margin:.3rem 0;font-size:1em;line-height:1.45}
.kx-meta{font-size:.85em;color:#333}
@media print{.kx-passage,.kx-why{break-inside:avoid}}
"""


ORIGIN_WORDS = {"curated": "curated", "user": "your article"}


def article_label(document: Document) -> str:
    """Outlet · date (printed/inferred) · headline · origin (curated, or the user's own article),
    with "unknown" where the metadata does not say."""
    article = document.article
    origin = ORIGIN_WORDS.get(document.origin, document.origin)
    if article is None:
        return f"{document.file} · outlet unknown · date unknown · {origin}"
    outlet = article.outlet or "outlet unknown"
    date = f"{article.date} ({article.date_status})" if article.date else "date unknown"
    headline = article.headline or document.file
    return f"{outlet} · {date} · {headline} · {origin}"


MAX_PASSAGE_CHARS = 1200  # a passage longer than this is shown as a window around its first mention
MAX_WHY = 6  # mentions explained under a passage; the rest are counted


def trimmed(evidence: PassageEvidence, max_chars: int = MAX_PASSAGE_CHARS) -> tuple[PassageEvidence, bool, bool]:
    """The passage cut to ``max_chars`` around its first mention (a run-on "passage" of a broken or
    hostile article can be megabytes), with whether text was cut before and after."""
    passage = evidence.passage
    if passage.end - passage.start <= max_chars:
        return evidence, False, False
    first = min((link.start for link in evidence.mentions), default=passage.start)
    start = max(passage.start, first - max_chars // 4)
    end = min(passage.end, start + max_chars)
    mentions = [link for link in evidence.mentions if start <= link.start and link.end <= end]
    window = passage._replace(start=start, end=end)  # Passage is a NamedTuple
    text = evidence.text[start - passage.start : end - passage.start]
    return PassageEvidence(window, text, mentions), start > passage.start, end < passage.end


def passage_html(evidence: PassageEvidence, max_chars: int = MAX_PASSAGE_CHARS) -> str:
    """The passage with its mentions highlighted, then why each mention matched (at most ``MAX_WHY``
    explained; a long passage is cut to ``max_chars`` around its first mention, and says so)."""
    shown, cut_before, cut_after = trimmed(evidence, max_chars)
    parts = ["… " if cut_before else ""]
    for text, link in shown.segments():
        if link is None:
            parts.append(escape(text))
        else:
            css = ' class="kx-implicit"' if link.kind == "implicit" else ""
            parts.append(f'<mark{css} title="{escape(RULE_WORDS[link.rule])}">{escape(text)}</mark>')
    if cut_after:
        length = evidence.passage.end - evidence.passage.start
        parts.append(f" … <i>(passage of {length:,} characters, cut)</i>")
    explained: list[str] = []
    seen: set[tuple] = set()
    for link in evidence.mentions:
        key = (link.text, link.alias, link.rule, link.kind, link.flags)
        if key in seen:
            continue
        seen.add(key)
        if len(explained) == MAX_WHY:
            break
        explained.append(
            f"“{escape(link.text)}” matched “{escape(link.alias)}” ({escape(RULE_WORDS[link.rule])}"
            + (f", {escape(', '.join(link.flags))}" if link.flags else "")
            + f')<span class="kx-kind">{escape(link.kind)}</span>'
        )
    why = "; ".join(explained)
    if len(evidence.mentions) > len(explained):
        why += f" ({len(evidence.mentions):,} mentions in all)"
    kind = (
        "" if evidence.passage.kind == "sentence" else f'<span class="kx-kind">{escape(evidence.passage.kind)}</span> '
    )
    return (
        f'<div class="kx-passage" id="{escape(evidence.passage.id)}">{kind}{"".join(parts)}</div>'
        f'<div class="kx-why">{why}</div>'
    )


def account_html(account: Account, document: Document | None) -> str:
    """One source's account of an event: its words, status and date, and the quote that says so."""
    source = article_label(document) if document else account.file
    when = f"{account.when} ({account.when_precision})" if account.when else "date not given"
    return (
        f'<div class="kx-meta">{escape(source)}</div>'
        f"<div><b>{escape(account.what)}</b> — {escape(account.status)}, {escape(when)}</div>"
        f'<blockquote class="kx-quote">{escape(account.quote.exact)}</blockquote>'
        + (f'<div class="kx-meta">{escape(account.when_basis)}</div>' if account.when_basis else "")
    )


def part_of_html(evidence: Evidence, place_id: str, group_name: Callable[[str], str]) -> str:
    """ "Also mentioned as part of GROUP: N passages", folded, for each group containing the place
    whose passages mention it; the passages are filled in from ``<div data-passages="GROUP">``.
    ``group_name(group_id)`` gives the group's name as escaped HTML (the app and the export word it
    differently)."""
    parts = []
    for group in evidence.containing_groups(place_id):
        n = evidence.passage_count(group)
        if n:
            parts.append(
                f"<details><summary>Also mentioned as part of {group_name(group)}: "
                f'{n} passage{"s" if n != 1 else ""}</summary><div data-passages="{escape(group)}"></div></details>'
            )
    return "".join(parts)


def styled(fragment: str) -> str:
    return f"<style>{CSS}</style>{fragment}"
