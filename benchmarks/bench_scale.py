"""Scale benchmark: the explorer's evidence at 5 and at 100,000 articles, and the exported page's size.

    python benchmarks/bench_scale.py [--sizes 5,100000] [--workdir DIR] [--pages 5,100,1000] [--no-browser]

Corpora: the 5 curated seed articles, and N synthetic articles (``benchmarks/synthetic.py``) ingested
in ten batches, each with its own date (so "newest first" has something to sort), with the search
index (the store) built by the ingest. A corpus already in ``--workdir`` with the right number of
articles is reused (building 100,000 takes minutes); the report says so.

Per corpus, in one run, the store path (:mod:`explorer.corpus.evidence_store`) against the path the
app takes today (``Evidence.load``: read and link the whole corpus), each in a fresh process:

* open: open the store and get the map's counts (passages per place) / ``Evidence.load`` +
  ``passage_counts()``;
* first page: the first page (20 passages, newest first, with the total) of a place's passages /
  ``articles_for(place)``.

Ratios: each figure at N articles over the same figure at 5 articles (the issue's targets: open at
most 2x, first page at most 1.5x). ``Evidence.load`` at 100,000 is skipped unless ``--legacy-all``
(it holds every link in memory).

Exported page (``explorer.render.export_map``): bytes at 5, 100 and 1,000 articles (the seeds plus
synthetic ones), and the time until Chromium has drawn it (load event, islands' paths present).
Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUTLETS = ["Kyodo", "TASS", "NHK", "Interfax", "Asahi", "RIA Novosti", "Reuters", "Sakhalin.info", "Nikkei", "RT"]
BATCHES = 10
PLACE = "iturup"


def write_corpus_directly(size: int, corpus: Path, *, seed: int = 0, jobs: int = 2) -> dict:
    """The same articles and batch metadata as :func:`build_corpus_folder`, written straight to disk
    (article files and ``ingested.yaml``), then one index build: minutes instead of an hour at 100,000
    on a loaded machine. Not an ingest: for measuring the store, not ingest."""
    from benchmarks.synthetic import CorpusBuilder
    from explorer.corpus.metadata import dump_sources
    from explorer.corpus.search_index import build_index
    from explorer.data.gazetteer import load_gazetteer
    from explorer.data.schema import Article
    from explorer.text.article_text import normalize_text

    marker = corpus / ".cache" / f"bench-scale-{size}-{seed}-0.done"
    if marker.exists():
        return json.loads(marker.read_text()) | {"reused": True}
    if corpus.exists() and any(corpus.iterdir()):
        raise SystemExit(f"{corpus} exists and is not a corpus this benchmark built; remove it or pick --workdir")
    corpus.mkdir(parents=True, exist_ok=True)
    builder = CorpusBuilder(load_gazetteer().data, seed=seed)
    started = time.perf_counter()
    per_batch = -(-size // BATCHES)
    articles = []
    for number in range(size):
        batch = number // per_batch
        text = normalize_text(builder.document(number).text)
        name = f"{number:06d}.txt"
        (corpus / name).write_text(text, encoding="utf-8")
        first = text.split("\n", 1)[0].strip()
        articles.append(
            Article(
                file=name,
                headline=first if first and len(first) <= 200 else None,
                outlet=OUTLETS[batch % len(OUTLETS)],
                date=f"{2015 + batch}-{batch % 12 + 1:02d}-15",
                date_status="printed",
                date_basis="declared at ingest",
            )
        )
    (corpus / "ingested.yaml").write_bytes(dump_sources(articles))
    written = time.perf_counter() - started
    build_index(corpus, jobs=jobs)
    info = {
        "size": size,
        "seed": seed,
        "written_s": round(written, 1),
        "index_s": round(time.perf_counter() - started - written, 1),
    }
    marker.write_text(json.dumps(info))
    return info


def build_corpus_folder(size: int, corpus: Path, *, seed: int = 0, jobs: int = 2, with_seeds: bool = False) -> dict:
    """Ingest ``size`` synthetic articles into ``corpus`` (ten dated batches; with ``with_seeds`` the
    five curated articles first); reuse it when already built."""
    from benchmarks.synthetic import CorpusBuilder
    from explorer.corpus.ingest import ingest
    from explorer.data.gazetteer import load_gazetteer

    marker = corpus / ".cache" / f"bench-scale-{size}-{seed}-{int(with_seeds)}.done"
    if marker.exists():
        return json.loads(marker.read_text()) | {"reused": True}
    if corpus.exists() and any(corpus.iterdir()):
        # Never delete a folder this benchmark did not finish building: it may be someone's corpus,
        # or a corpus built by another version of this script.
        raise SystemExit(f"{corpus} exists and is not a corpus this benchmark built; remove it or pick --workdir")
    if with_seeds:
        shutil.copytree(ROOT / "seeds", corpus, ignore=shutil.ignore_patterns(".cache"), dirs_exist_ok=True)
    else:
        corpus.mkdir(parents=True, exist_ok=True)
    if size == 0:
        info = {"size": 0, "seed": seed, "ingest_s": 0.0}
        marker.parent.mkdir(exist_ok=True)
        marker.write_text(json.dumps(info))
        return info
    builder = CorpusBuilder(load_gazetteer().data, seed=seed)
    started = time.perf_counter()
    per_batch = -(-size // BATCHES)
    number = 0
    with tempfile.TemporaryDirectory(prefix="bench-scale-input-") as tmp:
        for batch in range(BATCHES):
            if number >= size:
                break
            inputs = Path(tmp) / f"batch-{batch}"
            inputs.mkdir()
            for _ in range(min(per_batch, size - number)):
                (inputs / f"{number:06d}.txt").write_text(builder.document(number).text, encoding="utf-8")
                number += 1
            metadata = {"date": f"{2015 + batch}-{batch % 12 + 1:02d}-15", "outlet": OUTLETS[batch % len(OUTLETS)]}
            report = ingest([inputs], corpus, jobs=jobs, metadata=metadata)
            if report.refused:
                raise SystemExit(f"ingest refused {len(report.refused)} synthetic articles: {report.refused[0]}")
            shutil.rmtree(inputs)
    info = {"size": size, "seed": seed, "ingest_s": round(time.perf_counter() - started, 1)}
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(json.dumps(info))
    return info


# --- Measurements, each in a fresh process ---------------------------------------------------------

_STORE_PROBE = """
import json, sys, time
t0 = time.perf_counter()
from explorer.corpus import search_index
from explorer.corpus.evidence_store import EvidenceStore
corpus, places, full = sys.argv[1], sys.argv[2].split(","), sys.argv[3] == "1"
if full:
    search_index.STAMP_MAX_AGE = 0.0  # the staleness check statts every article, as at the first start
t1 = time.perf_counter()
store = EvidenceStore(corpus)
counts = store.place_counts()
t2 = time.perf_counter()
store.mentions(store.passages(places[0], limit=1).passages[0])  # loads the gazetteer and builds the linker once
t3 = time.perf_counter()
first = {}
for place in places:
    s = time.perf_counter()
    page = store.passages(place, limit=20)
    m = time.perf_counter()
    mentions = sum(len(store.mentions(p)) for p in page.passages)
    first[place] = {"ms": (time.perf_counter() - s) * 1000, "query_ms": (m - s) * 1000, "total": page.total}
print(json.dumps({"import_ms": (t1 - t0) * 1000, "open_counts_ms": (t2 - t1) * 1000, "linker_ms": (t3 - t2) * 1000,
                  "places": len(counts), "articles": store.article_count(), "first": first}))
"""

_LEGACY_PROBE = """
import json, sys, time
t0 = time.perf_counter()
from explorer.evidence import Evidence
corpus, places = sys.argv[1], sys.argv[2].split(",")
t1 = time.perf_counter()
evidence = Evidence.load(__import__("pathlib").Path(corpus))
counts = evidence.passage_counts()
t2 = time.perf_counter()
first = {}
for place in places:
    s = time.perf_counter()
    articles = evidence.articles_for(place)
    first[place] = {"ms": (time.perf_counter() - s) * 1000, "total": sum(len(a.passages) for a in articles)}
print(json.dumps({"import_ms": (t1 - t0) * 1000, "open_counts_ms": (t2 - t1) * 1000, "places": len(counts),
                  "articles": len(evidence.corpus.documents), "first": first}))
"""


def probe(script: str, *args: str, repeat: int = 1) -> dict:
    """Run ``script`` in a fresh Python ``repeat`` times; the run with the median open time."""
    runs = []
    for _ in range(repeat):
        result = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, check=False, timeout=3600
        )
        if result.returncode:
            lines = result.stderr.strip().splitlines()
            raise SystemExit(f"probe failed: {lines[-1] if lines else result.returncode}")
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return sorted(runs, key=lambda r: r["open_counts_ms"])[len(runs) // 2]


def rare_place(big: Path, small: Path) -> str:
    """The place with the fewest passages in ``big`` among those ``small`` mentions: a page's worst case."""
    from explorer.corpus.evidence_store import EvidenceStore

    with EvidenceStore(small) as store:
        present = {place for place, count in store.place_counts().items() if count}
    with EvidenceStore(big) as store:
        counts = store.place_counts()
    return min((count, place) for place, count in counts.items() if place in present)[1]


def search_calls(corpus: Path, query: str, place: str | None, repeat: int = 20) -> tuple[float, float]:
    """Median ms of one search: opening the index per call (the old search()) and search() now."""
    import statistics

    from explorer.corpus.search_index import SearchIndex, search

    search(corpus, "missile")  # the first call checks fully and writes the stamp
    old, new = [], []
    for _ in range(repeat):
        s = time.perf_counter()
        with SearchIndex(corpus) as index:  # what search() did on every call before
            index.search(query, place=place)
        old.append(time.perf_counter() - s)
        s = time.perf_counter()
        search(corpus, query, place=place)
        new.append(time.perf_counter() - s)
    return statistics.median(old) * 1000, statistics.median(new) * 1000


def page_figures(corpus: Path) -> dict:
    """The exported page of ``corpus``: its bytes, and ms until Chromium has drawn the islands."""
    from explorer.evidence import Evidence
    from explorer.render.export_map import export_map

    evidence = Evidence.load(corpus)
    out = corpus.parent / f"{corpus.name}.html"
    size = export_map(out, evidence)
    figures = {"articles": len(evidence.corpus.documents), "bytes": size}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return figures | {"chromium_ms": None}
    sys.path.insert(0, str(ROOT / "tests"))
    from browser_support import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            times = []
            for _ in range(3):
                s = time.perf_counter()
                page.goto(out.as_uri(), wait_until="load")
                page.wait_for_selector("path.leaflet-interactive", timeout=60_000)
                times.append((time.perf_counter() - s) * 1000)
            figures["chromium_ms"] = sorted(times)[1]
        finally:
            browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="the big corpus (default 100000 articles)")
    parser.add_argument("--pages", default="5,100,1000", help="corpus sizes for the exported page (default 5,100,1000)")
    parser.add_argument("--legacy-max", type=int, default=2000, help="run Evidence.load only up to this size")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="build the big corpus by writing its files and metadata, then one index build (not through ingest)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure; the median (default 3)")
    parser.add_argument("--no-browser", action="store_true", help="do not open the exported pages in Chromium")
    parser.add_argument("--build", type=int, metavar="N", help="only build (or reuse) the N-article corpus, then stop")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kuril-bench-scale")
    parser.add_argument("--jobs", type=int, default=2, help="ingest worker processes when building (default 2)")
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, workdir={args.workdir}"
    )
    if args.build:
        print(build_corpus_folder(args.build, args.workdir / f"corpus-{args.build}", jobs=args.jobs))
        return 0

    small = args.workdir / "corpus-seeds"
    build_corpus_folder(0, small, with_seeds=True)
    big = args.workdir / f"corpus-{args.size}"
    if args.direct:
        info = write_corpus_directly(args.size, big, jobs=args.jobs)
    else:
        info = build_corpus_folder(args.size, big, jobs=args.jobs)
    print(f"big corpus: {args.size:,} synthetic articles, {'reused' if info.get('reused') else 'built'}: {info}")
    from explorer.corpus.evidence_store import EvidenceStore

    started = time.perf_counter()
    with EvidenceStore(big) as store:
        if store.synced:  # the first open after the ingest: the store's tables are built from the index
            print(f"evidence store built from the search index in {time.perf_counter() - started:.1f} s")
    rare = rare_place(big, small)
    places = f"{PLACE},{rare}"

    print(
        "\nStore (EvidenceStore, fresh process each, median of --repeat; warm OS cache): open + map counts; first page"
        " of 20 (newest first, with total) + its mentions, in brackets the SQL query alone; linker built apart"
    )
    print(
        f"{'articles':>9} {'how':<34} {'open+counts ms':>15} {'page ' + PLACE + ' ms':>17} {'page ' + rare + ' ms':>24}"
    )
    figures = {}
    for label, corpus in (("seeds", small), ("big", big)):
        probe(_STORE_PROBE, str(corpus), places, "0")  # writes the stamp
        for how, full in (("store, stamp fresh", "0"), ("store, full staleness check", "1")):
            r = probe(_STORE_PROBE, str(corpus), places, full, repeat=args.repeat)
            figures[(label, how)] = r
            print(
                f"{r['articles']:>9} {how:<34} {r['open_counts_ms']:15.1f} {_page(r, PLACE):>17} {_page(r, rare):>24}"
                f"   totals {r['first'][PLACE]['total']:,} / {r['first'][rare]['total']:,}; linker {r['linker_ms']:.0f} ms"
            )
        size = figures[(label, "store, stamp fresh")]["articles"]
        if size <= args.legacy_max:
            r = probe(_LEGACY_PROBE, str(corpus), places, repeat=args.repeat)
            figures[(label, "legacy")] = r
            print(
                f"{r['articles']:>9} {'Evidence.load (links everything)':<34} {r['open_counts_ms']:15.1f} "
                f"{r['first'][PLACE]['ms']:17.1f} {r['first'][rare]['ms']:24.1f}"
            )
    a, b = figures[("seeds", "store, stamp fresh")], figures[("big", "store, stamp fresh")]
    print(
        f"ratios {b['articles']:,} / {a['articles']} articles (stamp fresh): open+counts {b['open_counts_ms'] / a['open_counts_ms']:.1f}x, "
        f"first page {PLACE} {b['first'][PLACE]['ms'] / a['first'][PLACE]['ms']:.1f}x, "
        f"first page {rare} {b['first'][rare]['ms'] / max(a['first'][rare]['ms'], 1e-3):.1f}x"
    )

    print(f"\nsearch() at {b['articles']:,} articles, median of 20 calls: opening the index per call (before) / now")
    for query, place in (("missile", "iturup"), ("Etorofu", None), ("qqzzxq", None)):
        old, new = search_calls(big, query, place)
        label = (
            f"{query!r}"
            + (f" place={place}" if place else "")
            + (" (no hit: the call's overhead)" if query == "qqzzxq" else "")
        )
        print(f"  {label:<44} {old:8.1f} ms / {new:8.1f} ms  ({old / new:.1f}x)")

    print("\nExported page (explorer.render.export_map, the seeds plus synthetic articles)")
    print(f"{'articles':>9} {'bytes':>12} {'Chromium ms':>12}")
    for n in (int(x) for x in args.pages.split(",")):
        corpus = args.workdir / f"page-{n}"
        build_corpus_folder(max(0, n - 5), corpus, jobs=args.jobs, with_seeds=True)
        r = page_figures(corpus) if not args.no_browser else page_figures_no_browser(corpus)
        ms = f"{r['chromium_ms']:.0f}" if r.get("chromium_ms") is not None else "-"
        print(f"{r['articles']:>9} {r['bytes']:>12,} {ms:>12}")
    return 0


def _page(r: dict, place: str) -> str:
    first = r["first"][place]
    return f"{first['ms']:.1f}" + (f" ({first['query_ms']:.1f})" if "query_ms" in first else "")


def page_figures_no_browser(corpus: Path) -> dict:
    from explorer.evidence import Evidence
    from explorer.render.export_map import export_map

    evidence = Evidence.load(corpus)
    return {
        "articles": len(evidence.corpus.documents),
        "bytes": export_map(corpus.parent / f"{corpus.name}.html", evidence),
    }


if __name__ == "__main__":
    raise SystemExit(main())
