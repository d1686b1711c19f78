"""The app at 5 and at 100,000 articles, in one run: start to map drawn, and click to first passage.

    .venv/bin/python benchmarks/bench_app_scale.py [--size 100000] [--workdir DIR] [--starts 4] [--clicks 10]

Two corpora: the five curated articles (an empty user corpus beside them: the app links them in
memory), and ``--size`` synthetic articles written beside them with their metadata and indexed once
(``bench_scale.write_corpus_directly``; reused from ``--workdir`` when already built). Above
``explorer.stored_evidence.STORE_FROM_ARTICLES`` articles the app reads the store instead of linking.
The store is built (or brought up to date) once before the timed starts, as the first start after an
index rebuild does; that build is timed and reported apart.

Per corpus, with ``bench_app.browser_figures`` (the same browser, servers on 127.0.0.1, starts
alternating between the corpora):

* first start: a fresh server with nothing saved (``XDG_CACHE_HOME`` a new empty folder), launch ->
  the islands' paths drawn in Chromium;
* cold start: the median of the next ``--starts`` - 1 fresh servers, which find the first paint the
  first one saved (:mod:`explorer.app.first_paint`);
* click: a real mouse click on an island -> the place's header and its first highlighted passage
  drawn, by the page's clock (the median of ``--clicks``, alternating Iturup and Kunashir).

Ratios: each figure at ``--size`` over the same figure at 5 articles. Targets (issue 13): start at
most 2x, click at most 1.5x. Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from browser_support import launch_chromium  # noqa: E402

from benchmarks.bench_app import EXPLORER, AppFigures, browser_figures, labels_for_clicks  # noqa: E402
from benchmarks.bench_scale import write_corpus_directly  # noqa: E402

TARGET_START_RATIO = 2.0
TARGET_CLICK_RATIO = 1.5


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def table(small: AppFigures, big: AppFigures, size: int) -> str:
    rows = [
        ("first start, nothing saved: launch -> map drawn (s)", small.first_start_s, big.first_start_s, 2),
        ("cold start, first paint saved: launch -> map drawn (s, median)", *_medians(small, big, "cold_start_s"), 2),
        ("click -> first passage drawn (ms, median)", *_medians(small, big, "click_ms"), 0),
    ]
    targets = [TARGET_START_RATIO, TARGET_START_RATIO, TARGET_CLICK_RATIO]
    lines = [f"| measure | 5 articles | {size:,} articles | ratio | target |", "|---|---:|---:|---:|---|"]
    for (label, a, b, digits), target in zip(rows, targets, strict=True):
        shown = ["–" if v is None else f"{v:.{digits}f}" for v in (a, b)]
        if a and b is not None:
            ratio = b / a
            lines.append(
                f"| {label} | {shown[0]} | {shown[1]} | {ratio:.2f} | ≤ {target}×: {'MET' if ratio <= target else 'NOT MET'} |"
            )
        else:
            lines.append(f"| {label} | {shown[0]} | {shown[1]} | – | ≤ {target}× |")
    return "\n".join(lines)


def _medians(small: AppFigures, big: AppFigures, name: str) -> tuple[float | None, float | None]:
    return _median(getattr(small, name)), _median(getattr(big, name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="articles in the big corpus (default 100000)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kuril-bench-scale")
    parser.add_argument("--starts", type=int, default=4, help="fresh servers per corpus: the first, then cold starts")
    parser.add_argument("--clicks", type=int, default=10, help="timed browser clicks per corpus")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the index build (default 2)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    if args.starts < 2:
        parser.error("--starts must be at least 2: one first start and at least one cold start")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, workdir={args.workdir}"
    )
    small_corpus = args.workdir / "corpus-empty"
    small_corpus.mkdir(parents=True, exist_ok=True)
    big_corpus = args.workdir / f"corpus-{args.size}"
    info = write_corpus_directly(args.size, big_corpus, jobs=args.jobs)
    print(f"big corpus: {args.size:,} synthetic articles, {'reused' if info.get('reused') else 'built'}: {info}")

    from explorer.stored_evidence import StoredEvidence, chosen_backend

    backends = {name: chosen_backend(folder) for name, folder in (("small", small_corpus), ("big", big_corpus))}
    print(f"backends the app chooses: 5 articles -> {backends['small']}, {args.size:,} -> {backends['big']}")
    started = time.perf_counter()
    StoredEvidence.open(big_corpus).store.close()  # type: ignore[union-attr]
    print(f"store brought up to date before the starts: {time.perf_counter() - started:.1f} s")

    from playwright.sync_api import sync_playwright

    labels = labels_for_clicks()
    small, big = AppFigures("explorer"), AppFigures("explorer")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            with tempfile.TemporaryDirectory(prefix="kx-bench-cache-") as cache:
                for attempt in range(args.starts):
                    for figures, corpus in ((small, small_corpus), (big, big_corpus)):
                        browser_figures(
                            browser,
                            EXPLORER,
                            figures,
                            attempt,
                            args.starts,
                            args.clicks,
                            labels,
                            Path(cache),
                            env={"KURIL_CORPUS": str(corpus)},
                        )
        finally:
            browser.close()
    print(table(small, big, args.size))
    problems = [f"{name}: {p}" for name, f in (("5 articles", small), (f"{args.size}", big)) for p in f.problems]
    for problem in problems:
        print(f"PROBLEM {problem}")
    if args.json:
        args.json.write_text(json.dumps({"small": asdict(small), "big": asdict(big)}, indent=2), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
