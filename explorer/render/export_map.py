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

from explorer import __version__
from explorer.corpus.atomic_files import write_output
from explorer.evidence import Evidence
from explorer.render.evidence_html import CSS as EVIDENCE_CSS
from explorer.render.evidence_html import account_html, article_label, passage_html
from explorer.render.leaflet_assets import LEAFLET_VERSION, inline_head
from explorer.render.mapview import MapAssets, RawHtml, ScriptElement, build_map, script_json
from explorer.render.naming import LabelLang, View, place_label, view_statement

GSHHG_NOTICE = (
    "Coastlines: GSHHG 2.3.6 (Wessel, P., and W. H. F. Smith, 1996, J. Geophys. Res., 101(B4), 8741–8743), "
    "LGPL-3.0-or-later, simplified by the Kuril explorer. Lines between islands are geometric conventions, "
    "not legal boundaries. Map library: Leaflet " + LEAFLET_VERSION + " (BSD-2-Clause)."
)

PAGE_CSS = """
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#111;background:#fff}
#kx-top{padding:6px 12px;border-bottom:1px solid #bbb;background:#f7f7f7}
#kx-top h1{font-size:1.15rem;margin:0 0 2px 0}
#kx-view{font-weight:600}
#kx-main{flex:1;display:flex;min-height:0}
#kx-map-wrap{flex:3;position:relative;min-width:0;min-height:320px}
#kx-map-wrap .folium-map{position:absolute!important;inset:0;width:100%!important;height:100%!important}
#kx-panel{flex:2;overflow:auto;padding:10px 14px;border-left:1px solid #bbb;min-width:260px;max-width:640px}
#kx-panel h2{margin:.2rem 0;font-size:1.3rem}
#kx-panel h3{font-size:1rem;margin:1rem 0 .3rem 0}
#kx-panel h4{font-size:.9rem;margin:.7rem 0 .2rem 0;color:#333}
#kx-panel table{border-collapse:collapse;font-size:.9rem}
#kx-panel td,#kx-panel th{border-bottom:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
#kx-pick{font-size:1rem;max-width:100%;margin:4px 0 8px 0}
#kx-lesson-bar{margin:0 0 8px 0;padding:6px;border:1px solid #0072B2;border-radius:4px;background:#EEF6FB}
#kx-lesson-bar button{font-size:1rem;padding:2px 10px}
.kx-accounts{display:flex;gap:10px;flex-wrap:wrap}
.kx-accounts>div{flex:1 1 200px;border:1px solid #ccc;border-radius:4px;padding:6px}
.kx-disagree{background:#FFF3D6;border-left:4px solid #E69F00;padding:4px 8px;margin:4px 0}
#kx-about{font-size:.78rem;color:#333;padding:4px 12px;border-top:1px solid #bbb;background:#f7f7f7}
@media (max-width:760px){#kx-main{flex-direction:column}#kx-panel{max-width:none;border-left:none;border-top:1px solid #bbb}}
@media print{
  html,body{height:auto}
  #kx-main{display:block}
  #kx-map-wrap{height:13cm;page-break-inside:avoid}
  #kx-panel{max-width:none;border:none;overflow:visible}
  #kx-pick,#kx-lesson-bar button,.leaflet-control-zoom{display:none}
  #kx-about{page-break-before:avoid}
}
"""

PAGE_SCRIPT = """
(function(){
  var map = __MAP__;
  var title = document.title;
  var panel = document.getElementById('kx-panel-body');
  var pick = document.getElementById('kx-pick');
  function template(id){ return document.getElementById(id); }
  function select(id, fromHash){
    var entry = /^[a-z0-9_]+$/.test(id) ? template('kx-place-' + id) : null;
    panel.replaceChildren();
    if(!entry){ panel.appendChild(template('kx-empty').content.cloneNode(true)); pick.value = ''; return; }
    panel.appendChild(entry.content.cloneNode(true));
    panel.querySelectorAll('[data-passages]').forEach(function(slot){
      var passages = template('kx-passages-' + slot.getAttribute('data-passages'));
      if(passages){ slot.appendChild(passages.content.cloneNode(true)); }
    });
    pick.value = id;
    document.title = entry.getAttribute('data-title') + ' — ' + title;
    if(!fromHash && location.hash !== '#' + id){
      try { history.replaceState(null, '', '#' + id); } catch (e) { location.hash = id; }
    }
  }
  var shapes = [], lines = [];
  map.eachLayer(function(layer){
    var id = layer.feature && layer.feature.properties && layer.feature.properties.id;
    if(!id){ return; }
    if(id.indexOf('treaty_') === 0){ lines.push(layer); return; }
    layer.on('click', function(){ select(id, false); });
    if(layer.setStyle){
      layer.kxStyle = {color: layer.options.color, weight: layer.options.weight, dashArray: layer.options.dashArray};
      shapes.push(layer);
    }
  });
  lines.forEach(function(line){ map.removeLayer(line); });
  var bar = document.getElementById('kx-lesson-bar');
  var steps = bar ? parseInt(bar.getAttribute('data-steps'), 10) : 0;
  var current = 0;
  function showStep(n, fromHash){
    var step = template('kx-step-' + n);
    if(!step){ return false; }
    current = n;
    panel.replaceChildren(step.content.cloneNode(true));
    pick.value = '';
    document.getElementById('kx-step-label').textContent = 'Step ' + n + ' of ' + steps;
    document.getElementById('kx-prev').disabled = n <= 1;
    document.getElementById('kx-next').disabled = n >= steps;
    var b = step.getAttribute('data-bounds').split(',').map(Number);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]]);
    var outlined = step.getAttribute('data-highlight').split(' ');
    shapes.forEach(function(layer){
      layer.setStyle(outlined.indexOf(layer.feature.properties.id) >= 0 ? {color: '#000', weight: 3.5, dashArray: null} : layer.kxStyle);
    });
    var shown = step.getAttribute('data-layers').split(' ');
    lines.forEach(function(line){
      if(shown.indexOf(line.feature.properties.id) >= 0){ map.addLayer(line); } else { map.removeLayer(line); }
    });
    document.title = step.getAttribute('data-title') + ' — ' + title;
    if(!fromHash && location.hash !== '#step-' + n){
      try { history.replaceState(null, '', '#step-' + n); } catch (e) { location.hash = 'step-' + n; }
    }
    return true;
  }
  if(bar){
    document.getElementById('kx-prev').addEventListener('click', function(){ showStep(Math.max(1, current - 1), false); });
    document.getElementById('kx-next').addEventListener('click', function(){ showStep(Math.min(steps, current + 1), false); });
  }
  pick.addEventListener('change', function(){ select(pick.value, false); });
  function fromHash(){
    var key = location.hash.replace(/^#/, '');
    try { key = decodeURIComponent(key); } catch (e) { key = ''; }  // "#%" is not valid percent-encoding
    var match = /^step-(\\d+)$/.exec(key);
    if(match && showStep(parseInt(match[1], 10), true)){ return; }
    select(key, true);
  }
  window.addEventListener('hashchange', fromHash);
  window.addEventListener('resize', function(){ map.invalidateSize(); });
  if(window.ResizeObserver){ new ResizeObserver(function(){ map.invalidateSize(); }).observe(document.getElementById('kx-map-wrap')); }
  if(location.hash.length > 1){ fromHash(); } else if(steps && !__INITIAL__){ showStep(1, false); } else { select(__INITIAL__, false); }
})();
"""


def passages_html(evidence: Evidence, place_id: str) -> str:
    """The passages that mention the place, grouped by article (escaped HTML)."""
    parts = []
    for article in evidence.articles_for(place_id):
        parts.append(f"<h4>{html.escape(article_label(article.document))}</h4>")
        parts.extend(passage_html(p) for p in article.passages)
    return "".join(parts)


def place_panel_html(evidence: Evidence, place_id: str, view: View, lang: LabelLang) -> str:
    """Everything the page shows about one place, as escaped HTML.

    Passages appear as ``<div data-passages="ID">`` placeholders that the page fills from the
    ``kx-passages-ID`` template, so a group's passages are stored once, not once per member island.
    """
    gazetteer = evidence.gazetteer
    place = gazetteer[place_id]
    e = html.escape
    parts = [f"<h2>{e(place_label(gazetteer, place, lang, view))}</h2>"]
    if place.administered_by or place.claimed_by:
        parts.append(
            f"<p><b>Administered by:</b> {e(place.administered_by or 'not recorded')}<br>"
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
    for group in evidence.containing_groups(place_id):
        n = sum(len(a.passages) for a in evidence.articles_for(group))
        if n:
            group_label = place_label(gazetteer, gazetteer[group], lang, view)
            parts.append(
                f"<details><summary>Also mentioned as part of {e(group_label)}: {n} passage{'s' if n != 1 else ''}"
                f'</summary><div data-passages="{e(group)}"></div></details>'
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


def lesson_templates(lesson, evidence: Evidence, view: View, lang: LabelLang) -> list[str]:
    """One inert ``<template>`` per lesson step, carrying the step's extent, highlights and lines.

    The file has one map, labelled in one view and language; a step written for another view says so
    (in the app, the step switches the map itself).
    """
    from explorer.render.lesson import LESSON_CSS, render_step_html, resolve_step
    from explorer.render.naming import LANG_NAMES

    gazetteer = evidence.gazetteer
    e = html.escape
    templates = [f"<style>{LESSON_CSS}</style>"]
    for index in range(len(lesson.steps)):
        step = resolve_step(lesson, index, evidence)
        (south, west), (north, east) = step.bounds
        outlined = sorted(set().union(*(gazetteer.covered_by(p) for p in step.highlight)) if step.highlight else set())
        note = ""
        if (step.view, step.lang) != (view, lang):
            note = (
                f'<p class="kx-disagree">This step is written for {e(gazetteer.data.views[step.view].label)} '
                f"with names in {e(LANG_NAMES[step.lang])}; this file shows "
                f"{e(gazetteer.data.views[view].label)} with names in {e(LANG_NAMES[lang])}.</p>"
            )
        templates.append(
            f'<template id="kx-step-{step.number}" data-title="{e(step.title)}" '
            f'data-bounds="{south},{west},{north},{east}" data-highlight="{e(" ".join(outlined))}" '
            f'data-layers="{e(" ".join(layer.id for layer in step.layers))}">'
            f"{note}{render_step_html(step, gazetteer)}</template>"
        )
    return templates


def export_map_html(
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    place: str | None = None,
    exported_on: dt.date | None = None,
    lesson=None,
) -> str:
    """The standalone page as a string (see the module docstring). With a ``lesson`` (an
    explorer.data.schema.Lesson), the page also steps through it: ``#step-3`` opens step 3."""
    gazetteer = evidence.gazetteer
    if place is not None and place not in gazetteer:
        raise ValueError(f"unknown place id {place!r}")
    overlays = None
    if lesson is not None:
        from explorer.render.lesson import load_overlays

        overlays = {"type": "FeatureCollection", "features": list(load_overlays().values())}
    fmap = build_map(evidence, view, lang, MapAssets([], []), height="100%", overlays=overlays)
    root = fmap.get_root()
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
    top = (
        '<div id="kx-top"><h1>Kuril Islands: places and what the sources say</h1>'
        f'<div id="kx-view">{e(view_statement(gazetteer, view))}</div></div>'
    )
    lesson_bar = ""
    if lesson is not None:
        lesson_bar = (
            f'<div id="kx-lesson-bar" data-steps="{len(lesson.steps)}"><b>{e(lesson.title)}</b><br>'
            '<button id="kx-prev" type="button">◀ Previous</button> <span id="kx-step-label"></span> '
            '<button id="kx-next" type="button">Next ▶</button></div>'
        )
    panel = (
        f'<aside id="kx-panel" aria-live="polite">{lesson_bar}<label for="kx-pick">Place: </label>'
        f'<select id="kx-pick"><option value="">Choose a place…</option>{options}</select>'
        '<div id="kx-panel-body"></div></aside>'
    )
    about = (
        f'<div id="kx-about">Corpus: {e(str(len(evidence.corpus.documents)))} articles ({e(files)}); '
        f"content hash sha256:{e(evidence.corpus.sha256[:16])}… · Data: {e(version)} · "
        f"Exported {e(exported_on.isoformat())} · {e(GSHHG_NOTICE)}</div>"
    )
    root.html.add_child(RawHtml(top), index=0)
    # folium draws the map div into <body>; wrap it by moving our containers around it with CSS/JS.
    root.html.add_child(RawHtml(panel + about))
    templates = [
        '<template id="kx-empty"><p>Click an island on the map or choose a place to read every '
        "passage that mentions it.</p></template>"
    ]
    for p in gazetteer.places:
        templates.append(
            f'<template id="kx-place-{e(p.id)}" data-title="{e(place_label(gazetteer, p, lang, view))}">'
            f"{place_panel_html(evidence, p.id, view, lang)}</template>"
        )
        passages = passages_html(evidence, p.id)
        if passages:
            templates.append(f'<template id="kx-passages-{e(p.id)}">{passages}</template>')
    if lesson is not None:
        templates.extend(lesson_templates(lesson, evidence, view, lang))
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
    script = PAGE_SCRIPT.replace("__MAP__", fmap.get_name()).replace("__INITIAL__", script_json(place or ""))
    fmap.add_child(ScriptElement(layout + script))  # a map child: runs after the map and its layers exist
    page = root.render()
    return page.replace("<html>", '<html lang="en">', 1).replace(
        "<head>", "<head>\n<title>Kuril Islands evidence map</title>", 1
    )


def export_map(
    out: Path,
    evidence: Evidence,
    view: View = "neutral",
    lang: LabelLang = "en",
    place: str | None = None,
    exported_on: dt.date | None = None,
    lesson=None,
) -> int:
    """Write the standalone page atomically; returns its size in bytes."""
    page = export_map_html(evidence, view, lang, place, exported_on, lesson).encode("utf-8")
    write_output(out, page)  # exclusive temp file beside out: a planted symlink is never followed
    return len(page)
