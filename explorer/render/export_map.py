"""A standalone evidence map: ONE HTML file that works from disk with no network and no server.

Leaflet, its CSS and images, the geometry and the evidence are all inside the file. A reader clicks
an island (or picks it from the list) and a panel in the page shows its names, who administers and
claims it, every passage that mentions it (source, date, highlighted mention) and the facts located
there. ``map.html#iturup`` opens with Iturup selected; the page works inside an ``<iframe>`` and
resizes with it; printing gives the map and the selected island's evidence.

Safety: the panel's HTML is built in Python with every data string escaped (explorer.render.evidence_html)
and kept in inert ``<template>`` elements that the page clones; no article text is ever inside a
JavaScript string. Content goes into the page through :class:`mapview.RawHtml`, never folium.Element,
which would run ``{{ ... }}`` in data as Jinja.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from explorer import __version__
from explorer.corpus.atomic_files import write_output
from explorer.evidence import Evidence
from explorer.render.evidence_html import CSS as EVIDENCE_CSS
from explorer.render.evidence_html import account_html, article_label, part_of_html, passage_html
from explorer.render.leaflet_assets import LEAFLET_VERSION, inline_head
from explorer.render.mapview import MapAssets, RawHtml, ScriptElement, all_label_sets, build_map, script_json
from explorer.render.naming import place_label, view_statement
from explorer.render.viewpoints import VIEWS, LabelLang, View

GSHHG_NOTICE = (
    "Coastlines: GSHHG 2.3.6 (Wessel, P., and W. H. F. Smith, 1996, J. Geophys. Res., 101(B4), 8741–8743), "
    "LGPL-3.0-or-later, simplified by the Kuril explorer. Lines between islands are geometric conventions, "
    "not legal boundaries. Map library: Leaflet " + LEAFLET_VERSION + " (BSD-2-Clause)."
)

PAGE_CSS = """
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111;background:#fff}
#kx-top{padding:3px 10px;border-bottom:1px solid #bbb;background:#f7f7f7;position:relative}
#kx-titlebar{display:flex;align-items:center;gap:.6em;min-width:0}
#kx-top h1{font-size:1.05rem;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;min-width:0}
#kx-view-label{font-weight:600;white-space:nowrap}
#kx-about-btn{margin-left:auto;font-size:.85rem;white-space:nowrap}
#kx-view{font-size:.85rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer}
#kx-view.kx-open{white-space:normal}
#kx-main{flex:1;display:flex;min-height:0}
#kx-map-wrap{flex:1 1 auto;position:relative;min-width:0;min-height:200px}
#kx-map-wrap .folium-map{position:absolute!important;inset:0;width:100%!important;height:100%!important}
#kx-panel{flex:0 0 45%;box-sizing:border-box;overflow:auto;padding:8px 12px;border-left:1px solid #bbb;max-width:640px}
#kx-panel h2{margin:.2rem 0;font-size:1.25rem}
#kx-panel h3{font-size:1rem;margin:.8rem 0 .3rem 0}
#kx-panel h4{font-size:.9rem;margin:.6rem 0 .2rem 0;color:#333}
#kx-panel table{border-collapse:collapse;font-size:.9rem}
#kx-panel td,#kx-panel th{border-bottom:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
#kx-pick{font-size:1rem;max-width:100%;margin:2px 0 6px 0}
#kx-lesson-bar{margin:0 0 8px 0;padding:6px;border:1px solid #0072B2;border-radius:4px;background:#EEF6FB}
#kx-lesson-bar button{font-size:1rem;padding:2px 10px}
#kx-lesson-nav{display:flex;align-items:center;gap:.5em;flex-wrap:wrap;margin-top:4px}
#kx-compare{font-size:.9rem;margin-top:4px}
.kx-accounts{display:flex;gap:10px;flex-wrap:wrap}
.kx-accounts>div{flex:1 1 200px;border:1px solid #ccc;border-radius:4px;padding:6px}
.kx-disagree{background:#FFF3D6;border-left:4px solid #E69F00;padding:4px 8px;margin:4px 0}
.kx-more{font-style:italic;color:#333}
#kx-about{font-size:.78rem;color:#333;padding:4px 12px;border-top:1px solid #bbb;background:#f7f7f7}
#kx-about-statement{display:none}
body.kx-compact #kx-view,body.kx-in-step #kx-view{display:none}
body.kx-compact #kx-top h1{font-size:.95rem}
body.kx-compact #kx-about{display:none}
body.kx-compact #kx-panel{font-size:.86rem;padding:4px 8px}
body.kx-compact #kx-panel h2{font-size:1.05rem;margin:0}
body.kx-compact #kx-panel h3{font-size:.9rem;margin:.4rem 0 .2rem 0}
body.kx-compact #kx-panel h4{margin:.3rem 0 .1rem 0}
body.kx-compact #kx-pick{font-size:.86rem;margin:0 0 2px 0}
body.kx-compact .kx-held{font-size:.78rem;margin:.2rem 0}
body.kx-about-open #kx-about{display:block;position:fixed;left:8px;right:8px;top:34px;max-height:70%;overflow:auto;
  z-index:2000;border:1px solid #555;border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.3);background:#fff;font-size:.85rem}
body.kx-about-open #kx-about-statement{display:block;font-weight:600;margin-bottom:4px}
@media (max-width:560px){#kx-main{flex-direction:column}#kx-map-wrap{flex:0 0 52%}
  #kx-panel{flex:1 1 auto;max-width:none;border-left:none;border-top:1px solid #bbb}}
@page{margin:12mm}
@media print{
  html,body{height:auto;display:block}
  #kx-top{background:none;border:none;padding:0 0 2mm 0}
  #kx-view{white-space:normal}
  #kx-main{display:block}
  #kx-map-wrap{width:17cm;height:11cm;flex:none;border:1px solid #999;break-inside:avoid;page-break-inside:avoid}
  #kx-panel{max-width:none;border:none;overflow:visible;padding:2mm 0 0 0}
  #kx-pick,#kx-about-btn,#kx-lesson-bar button,#kx-compare,.leaflet-control-zoom{display:none!important}
  body.kx-compact #kx-view,body.kx-compact #kx-about{display:block}
  #kx-about,body.kx-about-open #kx-about{position:static;display:block;box-shadow:none;border:none;border-top:1px solid #999;
    max-height:none;background:none;break-inside:avoid}
  .kx-accounts>div{break-inside:avoid}
}
"""

PAGE_SCRIPT = """
(function(){
  var map = __MAP__;
  var kx = map.kx;
  var cfg = __PAGE__;
  var title = document.title;
  var body = document.body;
  var panel = document.getElementById('kx-panel-body');
  var pick = document.getElementById('kx-pick');
  function template(id){ return document.getElementById(id); }
  function hashParams(){
    var raw = location.hash.replace(/^#/, '');
    try { raw = decodeURIComponent(raw); } catch (e) { raw = ''; }  // "#%" is not valid percent-encoding
    return raw.split('&');
  }
  var params = hashParams();
  function compactWanted(){
    return params.indexOf('compact') >= 0 || window.innerHeight < 640 || window.innerWidth < 820;
  }
  function setCompact(){ body.classList.toggle('kx-compact', compactWanted()); }
  setCompact();
  document.getElementById('kx-about-btn').addEventListener('click', function(){
    var open = body.classList.toggle('kx-about-open');
    this.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
  document.getElementById('kx-view').addEventListener('click', function(){ this.classList.toggle('kx-open'); });
  function names(){ return kx.currentNames ? kx.currentNames() : {}; }
  function rename(){
    var set = cfg.views[kx.set.split('|')[0]];
    if (set) {
      document.getElementById('kx-view-label').textContent = set.label;
      document.getElementById('kx-view').textContent = set.statement;
      document.getElementById('kx-about-statement').textContent = set.statement;
    }
    var texts = names();
    panel.querySelectorAll('[data-kx-name]').forEach(function(el){
      var t = texts[el.getAttribute('data-kx-name')];
      if (t) { el.textContent = t; }
    });
    Array.prototype.forEach.call(pick.options, function(option){
      if (option.value && texts[option.value]) { option.textContent = texts[option.value]; }
    });
  }
  function select(id, how){
    var entry = /^[a-z0-9_]+$/.test(id) ? template('kx-place-' + id) : null;
    body.classList.remove('kx-in-step');
    panel.replaceChildren();
    kx.select(entry ? id : null, {reveal: how !== 'click'});
    if(!entry){ panel.appendChild(template('kx-empty').content.cloneNode(true)); pick.value = ''; return; }
    panel.appendChild(entry.content.cloneNode(true));
    panel.querySelectorAll('[data-passages]').forEach(function(slot){
      var passages = template('kx-passages-' + slot.getAttribute('data-passages'));
      if(passages){ slot.appendChild(passages.content.cloneNode(true)); }
    });
    rename();
    panel.parentNode.scrollTop = 0;
    pick.value = id;
    document.title = (names()[id] || entry.getAttribute('data-title')) + ' \\u2014 ' + title;
    if(how !== 'hash' && location.hash !== '#' + id){
      try { history.replaceState(null, '', '#' + id + (params.indexOf('compact') >= 0 ? '&compact' : '')); } catch (e) { location.hash = id; }
    }
  }
  map.on('kxselect', function(e){ select(e.id, 'click'); });
  var bar = document.getElementById('kx-lesson-bar');
  var steps = bar ? parseInt(bar.getAttribute('data-steps'), 10) : 0;
  var current = 0;
  function showStep(n, fromHash){
    var step = template('kx-step-' + n);
    if(!step){ return false; }
    current = n;
    body.classList.add('kx-in-step');  // the step states its view itself: not twice on screen
    panel.replaceChildren(step.content.cloneNode(true));
    panel.parentNode.scrollTop = 0;
    pick.value = '';
    kx.select(null);
    document.getElementById('kx-step-label').textContent = 'Step ' + n + ' of ' + steps;
    document.getElementById('kx-prev').disabled = n <= 1;
    document.getElementById('kx-next').disabled = n >= steps;
    var view = step.getAttribute('data-view'), lang = step.getAttribute('data-lang');
    kx.setNames(view + '|' + lang);
    var compare = document.getElementById('kx-compare');
    compare.querySelectorAll('button').forEach(function(b){ b.setAttribute('aria-pressed', b.getAttribute('data-view') === view ? 'true' : 'false'); });
    var b = step.getAttribute('data-bounds').split(',').map(Number);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {animate: false});
    kx.setHighlight(step.getAttribute('data-highlight').split(' ').filter(Boolean));
    kx.setLines(step.getAttribute('data-layers').split(' ').filter(Boolean));
    rename();
    document.title = step.getAttribute('data-title') + ' \\u2014 ' + title;
    if(!fromHash && location.hash !== '#step-' + n){
      try { history.replaceState(null, '', '#step-' + n); } catch (e) { location.hash = 'step-' + n; }
    }
    return true;
  }
  if(bar){
    document.getElementById('kx-prev').addEventListener('click', function(){ showStep(Math.max(1, current - 1), false); });
    document.getElementById('kx-next').addEventListener('click', function(){ showStep(Math.min(steps, current + 1), false); });
    document.getElementById('kx-compare').querySelectorAll('button').forEach(function(button){
      button.addEventListener('click', function(){
        var lang = kx.set.split('|')[1];
        kx.setNames(button.getAttribute('data-view') + '|' + lang);
        document.getElementById('kx-compare').querySelectorAll('button').forEach(function(b){ b.setAttribute('aria-pressed', b === button ? 'true' : 'false'); });
        rename();
      });
    });
    document.addEventListener('keydown', function(e){
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
      var target = e.target;
      if (target === map.getContainer() || (target.closest && target.closest('.leaflet-container, select, input, textarea'))) { return; }
      if (e.key === 'ArrowRight' || e.key === 'PageDown') { if (current < steps) { showStep(current + 1, false); } e.preventDefault(); }
      if (e.key === 'ArrowLeft' || e.key === 'PageUp') { if (current > 1) { showStep(current - 1, false); } e.preventDefault(); }
    });
  }
  pick.addEventListener('change', function(){ select(pick.value, 'pick'); });
  function fromHash(){
    params = hashParams();
    setCompact();
    var key = params[0];
    var match = /^step-(\\d+)$/.exec(key);
    if(match && showStep(parseInt(match[1], 10), true)){ return; }
    select(key, 'hash');
  }
  window.addEventListener('hashchange', fromHash);
  function fit(){
    map.invalidateSize({pan: false});
    setCompact();
    if (kx.selected) { kx.reveal(kx.selected); }
    kx.relayout();
  }
  window.addEventListener('resize', fit);
  if (window.ResizeObserver) { new ResizeObserver(fit).observe(document.getElementById('kx-map-wrap')); }
  // Printing lays the map out at its print size: fit the selected place into it.
  window.addEventListener('beforeprint', fit);
  window.addEventListener('afterprint', fit);
  if (window.matchMedia) {
    var printing = window.matchMedia('print');
    if (printing.addEventListener) { printing.addEventListener('change', fit); }
  }
  if(params[0]){ fromHash(); } else if(steps && !__INITIAL__){ showStep(1, false); } else { select(__INITIAL__, 'hash'); }
})();
"""

DEFAULT_MAX_PASSAGES = 25  # per place in the file; the rest are counted, not copied


def newest_passages(evidence: Evidence, place_id: str, limit: int | None) -> tuple[list[tuple], int]:
    """The place's passages as (article, passage), newest article first, at most ``limit``; and how many
    were left out. Articles without a date come last, in corpus order."""
    articles = evidence.articles_for(place_id)
    dated = sorted(range(len(articles)), key=lambda i: _newest_first(articles[i].document))
    chosen: list[tuple] = []
    total = 0
    for index in dated:
        for passage in articles[index].passages:
            total += 1
            if limit is None or len(chosen) < limit:
                chosen.append((articles[index], passage))
    return chosen, total - len(chosen)


def _newest_first(document) -> tuple:
    """Sort key: dated articles newest first (ISO dates, so character order is date order), then the rest."""
    date = document.article.date if document.article is not None and document.article.date else ""
    return (date == "", tuple(-ord(ch) for ch in date))


def passages_html(evidence: Evidence, place_id: str, limit: int | None = DEFAULT_MAX_PASSAGES) -> str:
    """The passages that mention the place, grouped by article, newest first, at most ``limit`` (escaped
    HTML); a last line counts the passages left out."""
    chosen, left_out = newest_passages(evidence, place_id, limit)
    parts = []
    previous = None
    for article, passage in chosen:
        if article is not previous:
            parts.append(f"<h4>{html.escape(article_label(article.document))}</h4>")
            previous = article
        parts.append(passage_html(passage))
    if left_out:
        parts.append(
            f'<p class="kx-more">and {left_out} more passage{"s" if left_out != 1 else ""} in the explorer '
            "(this page keeps the newest)</p>"
        )
    return "".join(parts)


def place_panel_html(evidence: Evidence, place_id: str, view: View, lang: LabelLang) -> str:
    """Everything the page shows about one place, as escaped HTML.

    Passages appear as ``<div data-passages="ID">`` placeholders that the page fills from the
    ``kx-passages-ID`` template, so a group's passages are stored once, not once per member island.
    Names carry ``data-kx-name`` so the page can show them in the label set on screen.
    """
    gazetteer = evidence.gazetteer
    place = gazetteer[place_id]
    e = html.escape
    parts = [f'<h2 data-kx-name="{e(place_id)}">{e(place_label(gazetteer, place, lang, view))}</h2>']
    if place.administered_by or place.claimed_by:
        parts.append(
            f'<p class="kx-held"><b>Administered by:</b> {e(place.administered_by or "not recorded")}<br>'
            f"<b>Claimed by:</b> {e(place.claimed_by or 'no other claimant recorded')}</p>"
        )
    articles = evidence.articles_for(place_id)
    count = sum(len(a.passages) for a in articles)
    parts.append(
        f"<h3>Passages that mention it ({count} in {len(articles)} article{'s' if len(articles) != 1 else ''})</h3>"
    )
    parts.append(
        f'<div data-passages="{e(place_id)}"></div>'
        if articles
        else "<p>No passage in this corpus mentions it by name.</p>"
    )
    parts.append(
        part_of_html(
            evidence,
            place_id,
            lambda g: f'<span data-kx-name="{e(g)}">{e(place_label(gazetteer, gazetteer[g], lang, view))}</span>',
        )
    )
    events = evidence.events_at(place_id)
    parts.append(f"<h3>Deployments and meetings located here ({len(events)})</h3>")
    for event, accounts in events:
        parts.append(f'<p><b>{e(event.title)}</b> ({e(event.when or "date not given")})</p><div class="kx-accounts">')
        parts.extend(f"<div>{account_html(a, evidence.corpus.document(a.file))}</div>" for a in accounts)
        parts.append("</div>")
        parts.extend(f'<div class="kx-disagree">Sources disagree: {e(pair.why)}</div>' for pair in event.disagreements)
    names = "".join(
        f"<tr><td>{e({'en': 'English', 'ja': 'Japanese', 'ru': 'Russian'}[n.lang])}</td><td>{e(n.text)}</td>"
        f"<td>{e(n.kind)}{' (uncertain)' if n.uncertain else ''}</td></tr>"
        for n in place.names
        if n.kind != "case_form"
    )
    parts.append(
        f"<details><summary>All names ({len(place.names)} including Russian case forms)</summary>"
        f"<table><tr><th>language</th><th>name</th><th>kind</th></tr>{names}</table></details>"
    )
    return "".join(parts)


def lesson_templates(lesson, evidence: Evidence) -> list[str]:
    """One inert ``<template>`` per lesson step, carrying the step's view, label language, extent,
    highlights and lines; the page switches the map to them (the file holds every label set)."""
    from explorer.render.lesson import LESSON_CSS, render_step_html, resolve_step

    gazetteer = evidence.gazetteer
    e = html.escape
    templates = [f"<style>{LESSON_CSS}</style>"]
    for index in range(len(lesson.steps)):
        step = resolve_step(lesson, index, evidence)
        (south, west), (north, east) = step.bounds
        outlined = sorted(set().union(*(gazetteer.covered_by(p) for p in step.highlight)) if step.highlight else set())
        templates.append(
            f'<template id="kx-step-{step.number}" data-title="{e(step.title)}" '
            f'data-view="{e(step.view)}" data-lang="{e(step.lang)}" '
            f'data-bounds="{south},{west},{north},{east}" data-highlight="{e(" ".join(outlined))}" '
            f'data-layers="{e(" ".join(layer.id for layer in step.layers))}">'
            f"{render_step_html(step, gazetteer)}</template>"
        )
    return templates


def export_map_html(
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    place: str | None = None,
    exported_on: dt.date | None = None,
    lesson=None,
    max_passages: int | None = DEFAULT_MAX_PASSAGES,
    label_sets: list[tuple[View, LabelLang]] | None = None,
) -> str:
    """The standalone page as a string (see the module docstring). With a ``lesson`` (an
    explorer.data.schema.Lesson), the page also steps through it: ``#step-3`` opens step 3.

    ``max_passages`` caps the passages copied into the file per place (newest first; None: all), so
    the page stays small whatever the corpus; the panel says how many more the explorer holds.
    ``label_sets`` adds (view, lang) name sets the page can switch to (a lesson gets all of them).
    """
    gazetteer = evidence.gazetteer
    if place is not None and place not in gazetteer:
        raise ValueError(f"unknown place id {place!r}")
    if max_passages is not None and max_passages < 1:
        raise ValueError("max_passages must be at least 1 (or None for all)")
    overlays = None
    sets = list(label_sets or [])
    shown_lines: list[str] | None = None
    if lesson is not None:
        from explorer.render.lesson import load_overlays

        overlays = {"type": "FeatureCollection", "features": list(load_overlays().values())}
        sets = all_label_sets()
        shown_lines = []
    fmap = build_map(
        evidence,
        view,
        lang,
        MapAssets([], []),
        height="100%",
        overlays=overlays,
        label_sets=sets,
        shown_lines=shown_lines,
        follow_url_place=False,
    )
    root: Any = fmap.get_root()  # a branca Figure (typed as Element: no .header/.html)
    root.header.add_child(RawHtml(inline_head()), name="leaflet_inline", index=0)
    root.header.add_child(RawHtml(f"<style>{PAGE_CSS}{EVIDENCE_CSS}</style>"))
    e = html.escape
    exported_on = exported_on or dt.date.today()
    files = ", ".join(doc.file for doc in evidence.corpus.documents)
    version = f"gazetteer v{gazetteer.data.version}, explorer {__version__}"
    options = "".join(
        f'<option value="{e(p.id)}">{e(place_label(gazetteer, p, lang, view))}</option>'
        for p in sorted(gazetteer.places, key=lambda p: (not p.disputed, p.kind == "islet", p.id))
    )
    wording = gazetteer.data.views[view]
    top = (
        '<div id="kx-top"><div id="kx-titlebar"><h1>Kuril Islands: places and what the sources say</h1>'
        f'<span id="kx-view-label">{e(wording.label)}</span>'
        '<button id="kx-about-btn" type="button" aria-expanded="false" aria-controls="kx-about">About this map</button>'
        f'</div><div id="kx-view" title="Click to read it all">{e(view_statement(gazetteer, view))}</div></div>'
    )
    lesson_bar = ""
    if lesson is not None:
        compare = "".join(
            f'<button type="button" data-view="{e(v)}" aria-pressed="false">{e(gazetteer.data.views[v].label)}</button> '
            for v in VIEWS
        )
        lesson_bar = (
            f'<div id="kx-lesson-bar" data-steps="{len(lesson.steps)}"><b>{e(lesson.title)}</b>'
            '<div id="kx-lesson-nav"><button id="kx-prev" type="button">◀ Previous</button>'
            '<span id="kx-step-label"></span><button id="kx-next" type="button">Next ▶</button>'
            "<small>(or the arrow keys)</small></div>"
            f'<div id="kx-compare">Compare views: {compare}</div></div>'
        )
    panel = (
        f'<aside id="kx-panel" aria-live="polite">{lesson_bar}<label for="kx-pick">Place: </label>'
        f'<select id="kx-pick"><option value="">Choose a place…</option>{options}</select>'
        '<div id="kx-panel-body"></div></aside>'
    )
    about = (
        f'<div id="kx-about" role="region" aria-label="About this map">'
        f'<div id="kx-about-statement">{e(view_statement(gazetteer, view))}</div>'
        f"Corpus: {e(str(len(evidence.corpus.documents)))} articles ({e(_short_files(files))}); "
        f"content hash sha256:{e(evidence.corpus.sha256[:16])}… · Data: {e(version)} · "
        f"Exported {e(exported_on.isoformat())} · {e(GSHHG_NOTICE)}</div>"
    )
    root.html.add_child(RawHtml(top), index=0)
    # folium draws the map div into <body>; wrap it by moving our containers around it with CSS/JS.
    root.html.add_child(RawHtml(panel + about))
    templates = [
        '<template id="kx-empty"><p>Click an island or its name on the map, or choose a place, to read every '
        "passage that mentions it.</p></template>"
    ]
    for p in gazetteer.places:
        templates.append(
            f'<template id="kx-place-{e(p.id)}" data-title="{e(place_label(gazetteer, p, lang, view))}">'
            f"{place_panel_html(evidence, p.id, view, lang)}</template>"
        )
        passages = passages_html(evidence, p.id, max_passages)
        if passages:
            templates.append(f'<template id="kx-passages-{e(p.id)}">{passages}</template>')
    if lesson is not None:
        templates.extend(lesson_templates(lesson, evidence))
    root.html.add_child(RawHtml("\n".join(templates)))
    layout = (
        "(function(){var main=document.createElement('div');main.id='kx-main';"
        "var wrap=document.createElement('div');wrap.id='kx-map-wrap';"
        f"var mapDiv=document.getElementById({script_json(fmap.get_name())});"
        "var panel=document.getElementById('kx-panel');mapDiv.parentNode.insertBefore(main,mapDiv);"
        "wrap.appendChild(mapDiv);main.appendChild(wrap);main.appendChild(panel);"
        "document.body.appendChild(document.getElementById('kx-about'));"
        f"{fmap.get_name()}.invalidateSize();}})();"
    )
    page_cfg = {
        "views": {v: {"label": gazetteer.data.views[v].label, "statement": view_statement(gazetteer, v)} for v in VIEWS}
    }
    script = (
        PAGE_SCRIPT.replace("__MAP__", fmap.get_name())
        .replace("__PAGE__", script_json(page_cfg))
        .replace("__INITIAL__", script_json(place or ""))
    )
    fmap.add_child(ScriptElement(layout + script))  # a map child: runs after the map and its layers exist
    page = root.render()
    return page.replace("<html>", '<html lang="en">', 1).replace(
        "<head>", "<head>\n<title>Kuril Islands evidence map</title>", 1
    )


def _short_files(files: str, limit: int = 400) -> str:
    """The corpus's file list, cut for a large corpus (the hash identifies it exactly)."""
    return files if len(files) <= limit else files[:limit].rsplit(", ", 1)[0] + ", …"


def export_map(
    out: Path,
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    place: str | None = None,
    exported_on: dt.date | None = None,
    lesson=None,
    max_passages: int | None = DEFAULT_MAX_PASSAGES,
) -> int:
    """Write the standalone page atomically; returns its size in bytes."""
    page = export_map_html(evidence, view, lang, place, exported_on, lesson, max_passages).encode("utf-8")
    write_output(out, page)  # exclusive temp file beside out: a planted symlink is never followed
    return len(page)
