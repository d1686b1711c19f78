"""Scan benchmark: `kuril-explorer scan` throughput on 1 and 2 Dask workers, against serial in-process work.

    python benchmarks/bench_scan.py [--articles 3000] [--pages 600] [--workdir DIR]
                                    [--month-pages 20000000] [--workers-list 8,32,128] [--core-hour-usd 0.04]

Archives: a JSON Lines file of ``--articles`` articles and a WARC.gz of ``--pages`` HTML pages (the
same kind of text inside a page with navigation, script and a footer, as CC-NEWS pages carry). A
share ``--mention-share`` of the articles are synthetic Kuril news (``benchmarks/synthetic.py``); the
rest are other news (seed sentences that name no place), as in a general news archive where only a
small share mentions the islands. For each archive, in one run:

* peer 1, bare linking: ``Linker.link`` over the texts in this process (linking only, no reading);
* peer 2, serial scan: every partition through :func:`explorer.scan.job.scan_partition` in this
  process (reading, extraction, linking, candidates; no Dask);
* the Dask job (:func:`explorer.scan.job.run_scan`) on a LocalCluster of 1 and of 2 workers
  (127.0.0.1, one thread each), the cluster started before the clock starts (start-up timed apart).

Printed: seconds, MB/s of archive bytes, records/s, and the 2-worker/1-worker speed-up. Then a
projection on paper for a month of CC-NEWS: ``--month-pages`` pages at the measured WARC pages/s per
worker, for each worker count in ``--workers-list``, assuming linear scaling (the measured 1->2 ratio
says how far that holds here) and ``--core-hour-usd`` per worker-hour (an assumption, not a quote).
The machine's other load is not controlled: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARTITION_BYTES = 1 << 18  # 256 KB partitions: several per worker even on the small archives


def page_html(text: str, number: int) -> bytes:
    """A news page around ``text``: head with meta tags, navigation, script, the article, a footer."""
    import html

    title, _, body = text.partition("\n\n")
    paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in body.split("\n\n"))
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(25))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} | Example News</title>"
        f'<meta property="og:site_name" content="Example News">'
        f'<meta property="article:published_time" content="2019-{number % 12 + 1:02d}-10T08:00:00Z">'
        "<script>window.dataLayer=[];" + "var a=1;" * 300 + "</script><style>body{margin:0}" + "p{}" * 200 + "</style>"
        f"</head><body><nav><ul>{nav}</ul></nav><article><h1>{html.escape(title)}</h1>\n{paras}</article>"
        "<footer>© Example News. All rights reserved. Terms | Privacy | Contact</footer></body></html>"
    ).encode()


def build_archives(workdir: Path, articles: int, pages: int, seed: int, share: float) -> tuple[Path, Path, list[str]]:
    import random

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from benchmarks.synthetic import CorpusBuilder, build_corpus
    from explorer.data.gazetteer import load_gazetteer
    from explorer.text.linking import Linker

    gazetteer = load_gazetteer().data
    linker = Linker(gazetteer)
    plain = [s for s in CorpusBuilder(gazetteer, seed).seed_sentences if not linker.link(s, "s.txt")]
    rng = random.Random(seed)
    docs = build_corpus(gazetteer, articles + pages, seed=seed)
    texts = []
    for doc in docs:  # a share of the articles mention the places; the rest is other news
        if rng.random() < share:
            texts.append(doc.text)
        else:
            paras = [" ".join(rng.choices(plain, k=rng.randint(2, 4))) for _ in range(rng.randint(3, 10))]
            texts.append(" ".join(rng.choice(plain).split()[:8]).rstrip(".,") + "\n\n" + "\n\n".join(paras) + "\n")
    jsonl = workdir / "news.jsonl"
    with jsonl.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts[:articles]):
            record = {
                "id": str(i),
                "url": f"https://example.org/{i}",
                "date": f"2019-{i % 12 + 1:02d}-10",
                "text": text,
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    warc = workdir / "news.warc.gz"
    with warc.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i, text in enumerate(texts[articles:]):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            payload = io.BytesIO(page_html(text, i))
            writer.write_record(
                writer.create_warc_record(f"https://example.com/{i}", "response", payload=payload, http_headers=http)
            )
    return jsonl, warc, texts[:articles]


def bare_linking(texts: list[str]) -> float:
    from explorer.scan.job import ScanKit
    from explorer.text.linking import Linker

    linker: Linker = ScanKit.load().linker  # type: ignore[assignment]
    started = time.perf_counter()
    for i, text in enumerate(texts):
        linker.link(text, f"{i}.txt")
    return time.perf_counter() - started


def serial_scan(archive: Path) -> tuple[float, int]:
    from explorer.scan.archives import plan_partitions
    from explorer.scan.job import ScanKit, scan_partition

    kit = ScanKit.load()
    partitions, _ = plan_partitions([archive], PARTITION_BYTES)
    started = time.perf_counter()
    records = sum(scan_partition(part, kit).records for part in partitions)
    return time.perf_counter() - started, records


def dask_scan(archive: Path, client, workdir: Path) -> tuple[float, int, int]:
    from explorer.scan.job import run_scan

    out = workdir / f"out-{time.monotonic_ns()}"
    started = time.perf_counter()
    report = run_scan([archive], out, client=client, partition_bytes=PARTITION_BYTES)
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return seconds, report.records, report.partitions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000, help="JSON Lines articles (default 3000)")
    parser.add_argument("--pages", type=int, default=600, help="WARC pages (default 600)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the median is printed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--mention-share", type=float, default=0.1, help="share of articles that mention the places (default 0.1)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where to write the archives (default: temp)")
    parser.add_argument("--month-pages", type=float, default=20e6, help="pages in a month of CC-NEWS (assumed)")
    parser.add_argument("--workers-list", default="8,32,128", help="worker counts for the projection")
    parser.add_argument("--core-hour-usd", type=float, default=0.04, help="cost of one worker (1 vCPU) for an hour")
    args = parser.parse_args(argv)

    from distributed import Client

    from explorer.scan.job import local_cluster

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-scan-"))
    workdir.mkdir(parents=True, exist_ok=True)
    jsonl, warc, texts = build_archives(workdir, args.articles, args.pages, args.seed, args.mention_share)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"JSON Lines {jsonl.stat().st_size / 1e6:.1f} MB ({args.articles} articles), "
        f"WARC.gz {warc.stat().st_size / 1e6:.1f} MB ({args.pages} pages), partitions of {PARTITION_BYTES >> 10} KB"
    )

    def median(fn):
        runs = [fn() for _ in range(args.repeat)]
        return sorted(runs, key=lambda r: r[0] if isinstance(r, tuple) else r)[len(runs) // 2]

    rows = []
    text_mb = sum(len(t.encode()) for t in texts) / 1e6
    seconds = median(lambda: bare_linking(texts))
    rows.append(("jsonl", "bare Linker.link, in process", seconds, text_mb, len(texts), "-"))
    results: dict[tuple[str, str], float] = {}
    for name, archive in (("jsonl", jsonl), ("warc", warc)):
        mb = archive.stat().st_size / 1e6
        seconds, records = median(lambda archive=archive: serial_scan(archive))
        rows.append((name, "serial scan_partition, in process", seconds, mb, records, "-"))
        results[(name, "serial")] = seconds
    for workers in (1, 2):
        started = time.perf_counter()
        cluster = local_cluster(workers)
        client = Client(cluster)
        client.wait_for_workers(workers)
        startup = time.perf_counter() - started
        try:
            for name, archive in (("jsonl", jsonl), ("warc", warc)):
                dask_scan(archive, client, workdir)  # warm-up: workers import explorer and fetch the kit
                seconds, records, partitions = median(
                    lambda archive=archive, client=client: dask_scan(archive, client, workdir)
                )
                mb = archive.stat().st_size / 1e6
                rows.append(
                    (name, f"Dask, {workers} worker(s) (start-up {startup:.1f} s)", seconds, mb, records, partitions)
                )
                results[(name, str(workers))] = seconds
        finally:
            client.close()
            cluster.close()

    print(f"{'archive':<7} {'how':<44} {'seconds':>8} {'MB/s':>7} {'records/s':>10} {'partitions':>10}")
    for name, how, seconds, mb, records, partitions in rows:
        print(f"{name:<7} {how:<44} {seconds:8.2f} {mb / seconds:7.2f} {records / seconds:10.0f} {partitions!s:>10}")
    for name in ("jsonl", "warc"):
        print(
            f"{name}: 2 workers / 1 worker speed-up {results[(name, '1')] / results[(name, '2')]:.2f}x; "
            f"2 workers vs serial in process {results[(name, 'serial')] / results[(name, '2')]:.2f}x"
        )

    per_worker = args.pages / results[("warc", "1")]
    scaling = results[("warc", "1")] / results[("warc", "2")] / 2  # efficiency of the second worker here
    print(
        f"\nProjection on paper (not run): {args.month_pages:,.0f} CC-NEWS pages/month at {per_worker:.0f} pages/s "
        f"per worker (this run's 1-worker WARC figure), linear scaling (this run: {scaling:.0%} efficiency from 1 to 2), "
        f"${args.core_hour_usd}/worker-hour (assumed):"
    )
    for workers in (int(w) for w in args.workers_list.split(",")):
        hours = args.month_pages / (per_worker * workers) / 3600
        print(
            f"  {workers:>4} workers: {hours:7.1f} h wall, {hours * workers:8.0f} worker-hours, ~${hours * workers * args.core_hour_usd:,.0f}"
        )
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
