"""The explorer against a bare Streamlit + folium page drawing the same islands: start-up and click cost.

Measured for both apps in one run::

    .venv/bin/python benchmarks/bench_app.py [--starts 3] [--clicks 10] [--apptest-clicks 20] [--steps 8] [--json FILE]

* cold start: from launching ``streamlit run`` to the island paths drawn in Chromium (the browser is
  launched once beforehand and not counted). The explorer's first server runs with an empty cache
  folder (``XDG_CACHE_HOME``, a new temporary folder each run), so nothing is saved: that is its
  "first start". The next ``--starts`` - 1 servers are fresh processes that find the first paint the
  first one saved (:mod:`explorer.app.first_paint`): their median is the "cold start" the target is
  about. The peer is started the same way (it saves nothing);
* browser click: from a real mouse click on an island (the button going down) to the animation frame
  in which the evidence is drawn (the explorer: the place's header and its first highlighted passage
  in the panel; the peer: its ``Clicked: <id>`` line), timed by the page's own clock, alternating
  Iturup and Kunashir. Targets: the explorer's median click at most 0.5x the peer's, its cold start
  at most 1.0x;
* lesson step (the explorer only): from a click on "Next" beside the step text to the step's text on
  screen, and to the step's map (view, extent, highlights, lines) drawn;
* AppTest rerun: script time of the rerun after a simulated map click (``streamlit.testing``, no
  browser or websocket), alternating islands. The target is under 150 ms for the explorer.

Servers listen on 127.0.0.1 only; the browser is Debian's ``/usr/bin/chromium``; any request that
fails or leaves 127.0.0.1 is reported and makes the run fail.
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from app_page import component_frame, place_point  # noqa: E402
from browser_support import (  # noqa: E402
    VIEWPORT,
    NetworkGuard,
    StreamlitServer,
    feature_point,
    launch_chromium,
    map_frame,
    save_artifacts,
)

EXPLORER = ROOT / "app.py"
BARE = ROOT / "benchmarks" / "bare_folium_app.py"
TARGET_RERUN_MS = 150.0
TARGET_CLICK_RATIO = 0.5
TARGET_START_RATIO = 1.0
CLICKED = ("iturup", "kunashir")
TIMEOUT_MS = 60_000

# The click is timed by the page's own clock, as a person sees it: from the mouse button going down
# (captured where the click lands: the explorer's component, or st_folium's iframe) to the animation
# frame in which the evidence is drawn (for the explorer: the place's header and its first
# highlighted passage in the panel; for the peer: its "Clicked: <id>" line). Both documents are on
# one origin and read one clock (performance.timeOrigin + now). Timing from Python instead would add
# Playwright's own round trips, which wait behind the page's work after the click.
_CLOCK_JS = """
(target) => {
  const root = window.parent === window ? window : window.parent;
  root.__kxClock = root.__kxClock || {down: 0, shown: []};
  document.addEventListener('mousedown', e => { root.__kxClock.down = performance.timeOrigin + e.timeStamp; }, true);
  if (!target) return;
  const seen = () => {
    let label = null;
    if (target === 'explorer') {
      const h = document.querySelector('#kx-body h2.kx-place-title');
      const mark = document.querySelector('#kx-body .kx-passage mark');
      label = h && mark ? h.textContent.trim() : null;
    } else {
      const line = [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
        .map(e => e.textContent.trim()).find(t => t.startsWith('Clicked: '));
      label = line ? line.slice('Clicked: '.length) : null;
    }
    if (label) requestAnimationFrame(() => root.__kxClock.shown.push([label, performance.timeOrigin + performance.now()]));
  };
  new MutationObserver(seen).observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""
_CLICK_MS_JS = """
(label) => {
  const c = window.__kxClock;
  const hit = c && c.down && c.shown.find(([l, t]) => l === label && t > c.down);
  return hit ? hit[1] - c.down : false;
}
"""


@dataclass
class AppFigures:
    name: str
    first_start_s: float | None = None
    cold_start_s: list[float] = field(default_factory=list)
    health_s: list[float] = field(default_factory=list)
    click_ms: list[float] = field(default_factory=list)
    step_text_ms: list[float] = field(default_factory=list)
    step_map_ms: list[float] = field(default_factory=list)
    apptest_first_run_ms: float | None = None
    apptest_rerun_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def labels_for_clicks() -> dict[str, str]:
    from explorer.data.gazetteer import load_gazetteer
    from explorer.render.naming import place_label

    gazetteer = load_gazetteer()
    return {place: place_label(gazetteer, gazetteer[place], "en", "neutral") for place in CLICKED}


def _install_clock(page, figures: AppFigures, guard) -> None:
    if figures.name == "explorer":
        component_frame(page, TIMEOUT_MS).evaluate(_CLOCK_JS, "explorer")
    else:
        map_frame(page, TIMEOUT_MS, guard=guard).evaluate(_CLOCK_JS, None)  # the button goes down here
        page.evaluate(_CLOCK_JS, "bare")  # and the line appears here


def _click_ms(page, figures: AppFigures, place: str, labels: dict[str, str]) -> float:
    """Milliseconds from the button going down to the evidence drawn, by the page's clock."""
    expected = labels[place] if figures.name == "explorer" else place
    return float(page.wait_for_function(_CLICK_MS_JS, arg=expected, timeout=TIMEOUT_MS).json_value())


def browser_figures(
    browser,
    script: Path,
    figures: AppFigures,
    attempt: int,
    starts: int,
    clicks: int,
    labels: dict[str, str],
    cache: Path,
    env: dict[str, str] | None = None,
) -> None:
    """One start of one app (``attempt`` of ``starts``); the clicks are timed on the last one.
    ``env``: more environment for the server (``KURIL_CORPUS``: which corpus it shows)."""
    if figures.problems:
        return  # an earlier start of this app failed: its figures would not be comparable
    server = StreamlitServer(script, ROOT, env={"XDG_CACHE_HOME": str(cache), **(env or {})}).start()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    guard = NetworkGuard().attach(page)
    try:
        figures.health_s.append(server.wait_ready(60))
        page.goto(server.url + "/")
        if figures.name == "explorer":
            component_frame(page, TIMEOUT_MS, min_paths=30)
        else:
            map_frame(page, TIMEOUT_MS, min_paths=30, guard=guard)
        started = time.perf_counter() - server.started_at
        if attempt == 0:
            figures.first_start_s = started
        else:
            figures.cold_start_s.append(started)
        if attempt == starts - 1:  # clicks on the last server, warmed up by one click per island
            _install_clock(page, figures, guard)
            for index in range(clicks + len(CLICKED)):
                place = CLICKED[index % len(CLICKED)]
                if figures.name == "explorer":  # no scrolling: the map is in the first screen
                    x, y = place_point(page, place, TIMEOUT_MS)
                else:
                    x, y = feature_point(page, place, TIMEOUT_MS, guard)
                page.evaluate("() => { window.__kxClock.shown = []; }")
                page.mouse.click(x, y)
                elapsed = _click_ms(page, figures, place, labels)
                if index >= len(CLICKED):
                    figures.click_ms.append(elapsed)
    except Exception as err:  # report and go on: the other app's figures are still worth having
        figures.problems.append(f"browser run {attempt + 1}: {type(err).__name__}: {str(err).splitlines()[0]}")
        saved = save_artifacts(page, f"bench-{figures.name}-run{attempt + 1}")
        figures.problems += [f"saved {path.relative_to(ROOT)}" for path in saved]
    finally:
        figures.problems += [f"failed request: {r}" for r in guard.failed]
        figures.problems += [f"request to another host: {r}" for r in guard.foreign]
        context.close()
        server.stop()


# The page's clock again: the button going down, then the frame in which the step's text is drawn
# and the last frame in which the map is drawn for that step (its extent, outlines and lines; after
# a redraw when the step changes the view), once the server has caught up with the step.
_STEP_CLOCK_JS = """
() => {
  const c = window.__kxStep = {down: 0, text: [], drawn: [], ready: []};
  document.addEventListener('mousedown', e => { c.down = performance.timeOrigin + e.timeStamp; }, true);
  const stamp = (list, value) => requestAnimationFrame(() => list.push([value, performance.timeOrigin + performance.now()]));
  new MutationObserver(() => {
    const label = document.getElementById('kx-step-label');
    if (label) stamp(c.text, label.textContent);
  }).observe(document.getElementById('kx-lesson'), {childList: true, subtree: true});
  const host = document.getElementById('kx-map-host');
  new MutationObserver(records => records.forEach(r => {
    const value = host.getAttribute(r.attributeName);
    if (r.attributeName === 'data-step-drawn') stamp(c.drawn, value.split('|')[0]);
    else stamp(c.ready, value);  // after the drawn stamp of the same render, in frame order
  })).observe(host, {attributes: true, attributeFilter: ['data-step-drawn', 'data-step-ready']});
}
"""
_STEP_MS_JS = """
(n) => {
  const c = window.__kxStep;
  const text = c.text.find(([v, t]) => v.startsWith('Step ' + n + ' ') && t > c.down);
  const ready = c.ready.some(([v]) => v === String(n));
  const drawn = c.drawn.filter(([v, t]) => v === String(n) && t > c.down);
  return text && ready && drawn.length ? [text[1] - c.down, drawn[drawn.length - 1][1] - c.down] : false;
}
"""


def lesson_figures(browser, figures: AppFigures, steps: int) -> None:
    """Next, clicked with the mouse, ``steps`` times: time to the step's text and to its map."""
    server = StreamlitServer(EXPLORER, ROOT).start()
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    guard = NetworkGuard().attach(page)
    try:
        server.wait_ready(60)
        page.goto(server.url + "/?lesson=kurils-101&step=1")
        frame = component_frame(page, TIMEOUT_MS, min_paths=30)
        frame.wait_for_function("() => !!document.getElementById('kx-step-label')", timeout=TIMEOUT_MS)
        frame.evaluate(_STEP_CLOCK_JS)
        for n in range(2, steps + 2):
            button = frame.locator("#kx-next").bounding_box(timeout=TIMEOUT_MS)  # page coordinates
            frame.evaluate("() => { const c = window.__kxStep; c.text = []; c.drawn = []; c.ready = []; }")
            page.mouse.click(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
            text_ms, map_ms = frame.wait_for_function(_STEP_MS_JS, arg=n, timeout=TIMEOUT_MS).json_value()
            figures.step_text_ms.append(text_ms)
            figures.step_map_ms.append(map_ms)
    except Exception as err:
        figures.problems.append(f"lesson run: {type(err).__name__}: {str(err).splitlines()[0]}")
    finally:
        figures.problems += [f"failed request: {r}" for r in guard.failed]
        context.close()
        server.stop()


def apptest_figures(script: Path, figures: AppFigures, clicks: int, labels: dict[str, str]) -> None:
    import logging

    from streamlit.testing.v1 import AppTest

    # AppTest runs scripts outside a server; Streamlit says so at every cached call.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    at = AppTest.from_file(str(script.resolve()), default_timeout=120)
    began = time.perf_counter()
    at.run()
    figures.apptest_first_run_ms = (time.perf_counter() - began) * 1000
    if at.exception:
        figures.problems.append(f"AppTest first run raised: {at.exception[0].value}")
        return
    element = at.get("component_instance")[0]
    key = json.loads(element.proto.json_args)["key"]
    for index in range(clicks + len(CLICKED)):
        place = CLICKED[index % len(CLICKED)]
        if figures.name == "explorer":  # what the map component reports on a click
            at.session_state[key] = {"place": place, "token": f"bench:{index}"}
        else:
            at.session_state[key] = {
                "last_active_drawing": {"type": "Feature", "properties": {"id": place}, "geometry": None}
            }
        began = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - began) * 1000
        if at.exception:
            figures.problems.append(f"AppTest click on {place} raised: {at.exception[0].value}")
            return
        if figures.name == "explorer":
            raw = json.loads(at.get("component_instance")[0].proto.json_args)
            args = {**json.loads(raw["data"]), "selected": raw["selected"]}
            shown = (
                [args["selected"]]
                if html.escape(labels[place]) in args["panels"].get(args["selected"] or "", "")
                else []
            )
            expected = place
        else:
            shown = [m.value for m in at.markdown]
            expected = f"Clicked: {place}"
        if expected not in shown:
            figures.problems.append(f"AppTest click on {place}: {expected!r} not shown (shown: {shown})")
            return
        if index >= len(CLICKED):  # the first click per island is the warm-up
            figures.apptest_rerun_ms.append(elapsed)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: float | None, digits: int = 0) -> str:
    return "failed" if value is None else f"{value:.{digits}f}"


def table(explorer: AppFigures, bare: AppFigures, args: argparse.Namespace) -> str:
    rows = [
        ("first start, nothing saved: launch -> map drawn (s)", explorer.first_start_s, bare.first_start_s, 2),
        (
            f"cold start: launch -> map drawn (s, median of {args.starts - 1})",
            _median(explorer.cold_start_s),
            _median(bare.cold_start_s),
            2,
        ),
        (
            f"  of which: launch -> /_stcore/health ok (s, median of {args.starts})",
            _median(explorer.health_s),
            _median(bare.health_s),
            2,
        ),
        (
            f"browser: click -> panel shows it (ms, median of {args.clicks})",
            _median(explorer.click_ms),
            _median(bare.click_ms),
            0,
        ),
        (
            f"browser: click -> panel shows it (ms, max of {args.clicks})",
            max(explorer.click_ms, default=None),
            max(bare.click_ms, default=None),
            0,
        ),
        (
            f"lesson: Next -> step text (ms, median of {len(explorer.step_text_ms)})",
            _median(explorer.step_text_ms),
            None,
            0,
        ),
        (
            f"lesson: Next -> step map drawn (ms, median of {len(explorer.step_map_ms)})",
            _median(explorer.step_map_ms),
            None,
            0,
        ),
        ("AppTest: first run (ms)", explorer.apptest_first_run_ms, bare.apptest_first_run_ms, 0),
        (
            f"AppTest: rerun after a click (ms, mean of {args.apptest_clicks})",
            statistics.fmean(explorer.apptest_rerun_ms) if explorer.apptest_rerun_ms else None,
            statistics.fmean(bare.apptest_rerun_ms) if bare.apptest_rerun_ms else None,
            1,
        ),
        (
            f"AppTest: rerun after a click (ms, median of {args.apptest_clicks})",
            _median(explorer.apptest_rerun_ms),
            _median(bare.apptest_rerun_ms),
            1,
        ),
        (
            f"AppTest: rerun after a click (ms, max of {args.apptest_clicks})",
            max(explorer.apptest_rerun_ms, default=None),
            max(bare.apptest_rerun_ms, default=None),
            1,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure':<{width}}  {'explorer':>9}  {'bare':>9}  {'ratio':>6}", "-" * (width + 32)]
    for title, mine, peer, digits in rows:
        ratio = f"{mine / peer:.2f}" if mine is not None and peer else "-"
        peer_text = "-" if title.startswith("lesson") else _fmt(peer, digits)  # the peer has no lesson
        lines.append(f"{title:<{width}}  {_fmt(mine, digits):>9}  {peer_text:>9}  {ratio:>6}")
    mean = statistics.fmean(explorer.apptest_rerun_ms) if explorer.apptest_rerun_ms else None
    verdict = "no figure" if mean is None else ("met" if mean < TARGET_RERUN_MS else "MISSED")
    lines.append(f"target: the explorer's rerun after a click under {TARGET_RERUN_MS:.0f} ms of script time: {verdict}")
    for title, mine, peer, target in (
        ("click -> evidence", _median(explorer.click_ms), _median(bare.click_ms), TARGET_CLICK_RATIO),
        ("cold start -> map drawn", _median(explorer.cold_start_s), _median(bare.cold_start_s), TARGET_START_RATIO),
    ):
        if mine is None or not peer:
            lines.append(f"target: {title} at most {target:.1f}x the bare page: no figure")
        else:
            verdict = "met" if mine / peer <= target else "MISSED"
            lines.append(f"target: {title} at most {target:.1f}x the bare page: {mine / peer:.2f}x, {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--starts",
        type=int,
        default=4,
        help="fresh servers per app: the first start, then the cold starts (at least 2)",
    )
    parser.add_argument("--clicks", type=int, default=10, help="timed browser clicks per app")
    parser.add_argument("--apptest-clicks", type=int, default=20, help="timed AppTest clicks per app")
    parser.add_argument("--steps", type=int, default=8, help="timed lesson steps (Next) in the explorer")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.starts < 2:
        parser.error("--starts must be at least 2: one first start and at least one cold start")

    from playwright.sync_api import sync_playwright

    labels = labels_for_clicks()
    explorer, bare = AppFigures("explorer"), AppFigures("bare")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # The two apps' starts alternate (explorer, peer, explorer, ...), so a machine that slows
            # down or speeds up during the run weighs on both alike.
            with tempfile.TemporaryDirectory(prefix="kx-bench-cache-") as cache:
                for attempt in range(args.starts):
                    for figures, script in ((explorer, EXPLORER), (bare, BARE)):
                        browser_figures(
                            browser, script, figures, attempt, args.starts, args.clicks, labels, Path(cache)
                        )
            lesson_figures(browser, explorer, args.steps)
        finally:
            browser.close()
    for figures, script in ((explorer, EXPLORER), (bare, BARE)):
        apptest_figures(script, figures, args.apptest_clicks, labels)

    print(table(explorer, bare, args))
    problems = [f"{f.name}: {p}" for f in (explorer, bare) for p in f.problems]
    for problem in problems:
        print(f"PROBLEM {problem}")
    if args.json:
        args.json.write_text(json.dumps([asdict(explorer), asdict(bare)], indent=2), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
