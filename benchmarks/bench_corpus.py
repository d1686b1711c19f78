"""Corpus-growth benchmark: ingest synthetic articles, then time full-text search at each size.

    python benchmarks/bench_corpus.py [--sizes 10000,100000] [--quick] [--jobs N] [--queries 50]
                                      [--seed S] [--tracemalloc] [--workdir DIR]

For each size N: N synthetic articles (``benchmarks/synthetic.py``: seed sentences and hand-written
Russian/Japanese/English sentences, mixed about 50/25/25) are written to an input folder, then
ingested into an empty corpus with ``explorer.corpus.ingest.ingest`` (parsing, linking, writing, metadata and
the search index, as the CLI does). Reported: wall time, MB/s of input text, articles/s, peak RSS of
this process and of its worker processes (``resource.getrusage``), and with ``--tracemalloc`` the
Python heap peak of this process (slower). Then ``--queries`` searches (EN/RU/JA words, some with a
place, outlet or date filter): median and p95 latency, once on an open index (the query itself) and
once through ``search()`` (which also checks the corpus fingerprint: a directory scan).

``--quick`` runs 500 articles. Sizes are a flag because 100,000 articles take long on a small
machine; the report says what actually ran. Timings are not asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import CorpusBuilder  # noqa: E402
from explorer.corpus.ingest import ingest  # noqa: E402
from explorer.corpus.search_index import SearchIndex, search  # noqa: E402
from explorer.data.gazetteer import load_gazetteer  # noqa: E402

QUERIES = [
    ("missile", {}),
    ("missile systems", {}),
    ("Kuril Islands", {}),
    ("peace treaty", {}),
    ("Etorofu", {}),
    ("ракеты", {}),
    ("Итуруп", {}),
    ("Курильских островах", {}),
    ("учения", {}),
    ("землетрясение", {}),
    ("択捉", {}),
    ("北方領土", {}),
    ("ミサイル", {}),
    ("国後島", {}),
    ("配備", {}),
    ("missile", {"place": "iturup"}),
    ("Итуруп", {"place": "kurils"}),
    ("択捉", {"place": "iturup"}),
    ("talks", {"date_from": "2017-01", "date_to": "2017-12"}),
    ("Lavrov", {"outlet": "Kyodo"}),
]


def _rss_mb(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / 1024 if platform.system() != "Darwin" else peak / 1024 / 1024


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_size(size: int, args: argparse.Namespace, gazetteer, workdir: Path) -> dict:
    inputs = workdir / f"input-{size}"
    corpus = workdir / f"corpus-{size}"
    for folder in (inputs, corpus):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    builder = CorpusBuilder(gazetteer.data, seed=args.seed)
    started = time.perf_counter()
    total_bytes = 0
    for number in range(size):
        document = builder.document(number)
        data = document.text.encode("utf-8")
        total_bytes += len(data)
        (inputs / f"{number:06d}.txt").write_bytes(data)
    generated = time.perf_counter() - started

    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    report = ingest([inputs], corpus, jobs=args.jobs, progress=args.progress)
    seconds = time.perf_counter() - started
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()

    queries = [QUERIES[i % len(QUERIES)] for i in range(args.queries)]
    with SearchIndex(corpus) as index:
        passages = index.count()
        index.search("warm up")
        open_times, hits = [], 0
        for query, filters in queries:
            t0 = time.perf_counter()
            hits += len(index.search(query, limit=50, **filters))
            open_times.append(time.perf_counter() - t0)
    call_times = []
    for query, filters in queries:
        t0 = time.perf_counter()
        search(corpus, query, limit=50, **filters)
        call_times.append(time.perf_counter() - t0)
    index_bytes = (corpus / ".cache" / "search.sqlite3").stat().st_size
    result = {
        "size": size,
        "added": len(report.added),
        "skipped": len(report.skipped),
        "refused": len(report.refused),
        "input_mb": total_bytes / 2**20,
        "generate_s": generated,
        "ingest_s": seconds,
        "mb_per_s": total_bytes / 2**20 / seconds,
        "articles_per_s": size / seconds,
        "rss_self_mb": _rss_mb(resource.RUSAGE_SELF),
        "rss_children_mb": _rss_mb(resource.RUSAGE_CHILDREN),
        "heap_peak_mb": heap_peak,
        "passages": passages,
        "index_mb": index_bytes / 2**20,
        "query_median_ms": statistics.median(open_times) * 1000,
        "query_p95_ms": _percentile(open_times, 0.95) * 1000,
        "search_call_median_ms": statistics.median(call_times) * 1000,
        "search_call_p95_ms": _percentile(call_times, 0.95) * 1000,
        "mean_hits": hits / len(queries),
    }
    if not args.keep:
        shutil.rmtree(inputs, ignore_errors=True)
        shutil.rmtree(corpus, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts (default 10000,100000)")
    parser.add_argument("--quick", action="store_true", help="one run of 500 articles")
    parser.add_argument("--jobs", type=int, default=1, help="ingest worker processes (default 1)")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tracemalloc", action="store_true", help="also measure the Python heap peak (slower)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar while ingesting")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to write inputs and corpora (default: a temp dir)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and corpora")
    args = parser.parse_args(argv)
    sizes = [500] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    gazetteer = load_gazetteer()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, jobs={args.jobs}, queries={args.queries}, "
        f"seed={args.seed}, workdir={workdir}"
    )
    header = (
        f"{'articles':>9} {'input MB':>9} {'ingest s':>9} {'MB/s':>6} {'art/s':>7} {'RSS MB':>7} {'workers':>8} "
        f"{'heap MB':>8} {'passages':>9} {'index MB':>9} {'q med ms':>9} {'q p95 ms':>9} {'call med':>9} {'call p95':>9}"
    )
    print(header)
    for size in sizes:
        r = run_size(size, args, gazetteer, workdir)
        heap = f"{r['heap_peak_mb']:8.1f}" if r["heap_peak_mb"] is not None else f"{'-':>8}"
        print(
            f"{r['size']:>9} {r['input_mb']:9.1f} {r['ingest_s']:9.1f} {r['mb_per_s']:6.2f} {r['articles_per_s']:7.0f} "
            f"{r['rss_self_mb']:7.0f} {r['rss_children_mb']:8.0f} {heap} {r['passages']:>9} {r['index_mb']:9.1f} "
            f"{r['query_median_ms']:9.2f} {r['query_p95_ms']:9.2f} {r['search_call_median_ms']:9.2f} "
            f"{r['search_call_p95_ms']:9.2f}",
            flush=True,
        )
        if r["added"] + r["skipped"] != size or r["refused"]:
            print(f"  note: {r['added']} added, {r['skipped']} duplicates, {r['refused']} refused")
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
