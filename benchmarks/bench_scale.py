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


def build_corpus_folder(size: int, corpus: Path, *, seed: int = 0, jobs: int = 2) -> dict:
    """Ingest ``size`` synthetic articles into ``corpus`` (ten dated batches); reuse it when already built."""
    from benchmarks.synthetic import CorpusBuilder
    from explorer.corpus.ingest import ingest
    from explorer.data.gazetteer import load_gazetteer

    marker = corpus / ".cache" / f"bench-scale-{size}-{seed}.done"
    if marker.exists():
        return json.loads(marker.read_text())
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    builder = CorpusBuilder(load_gazetteer().data, seed=seed)
    started = time.perf_counter()
    per_batch = -(-size // BATCHES)
    number = 0
    with tempfile.TemporaryDirectory(prefix="bench-scale-input-") as tmp:
        for batch in range(BATCHES):
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
    marker.write_text(json.dumps(info))
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=int, metavar="N", help="only build (or reuse) the N-article corpus")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "kuril-bench-scale")
    parser.add_argument("--jobs", type=int, default=2, help="ingest worker processes when building (default 2)")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, workdir={args.workdir}")
    if args.build:
        print(build_corpus_folder(args.build, args.workdir / f"corpus-{args.build}", jobs=args.jobs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
