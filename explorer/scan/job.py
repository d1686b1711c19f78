"""The scan as a Dask job: one task per partition, the linker shipped as data, the client writes the output.

How it runs:

1. The client plans partitions (:func:`explorer.scan.archives.plan_partitions`) and builds one
   :class:`ScanKit` (the compiled ``Linker``, the gazetteer index, the candidate rules, the ids of the
   disputed places). The kit is submitted once as the input of a task, so the scheduler holds it
   pickled once; workers fetch it from each other (about 270 KB) and keep it while the scan lasts. If
   the worker holding it dies, the scheduler recomputes it from the task. No module globals.
2. One task per partition (:func:`scan_partition`, a pure function of the partition and the kit)
   returns the partition's mention rows, candidate rows, the articles that mention the disputed
   islands and its counts of records, bytes and bad records. Dask retries a task whose worker dies.
3. The client writes each result as it arrives: ``mentions/part-NNNNN.parquet``,
   ``candidates/part-NNNNN.parquet`` (named by partition, so the output does not depend on the order
   or on retries), ``articles/<id>.txt|.html`` (what ``kuril-explorer ingest <out>/articles`` takes)
   and at the end ``scan.json``. Workers need no access to the output folder, only to the archives.
"""

from __future__ import annotations

import builtins
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explorer.data.errors import DataError
from explorer.data.paths import GAZETTEER_PATH
from explorer.scan.archives import DEFAULT_PARTITION_BYTES, Bad, Partition, plan_partitions, read_partition
from explorer.scan.tables import CANDIDATES, MENTIONS, write_part

DISPUTED_GROUP = "disputed_islands"
EXAMPLES_PER_PARTITION = 5


@dataclass(frozen=True)
class ScanKit:
    """Everything a task needs besides its partition: shipped to the workers once, as data."""

    linker: Any  # explorer.text.linking.Linker, or anything with the same ``link`` method
    places: Any  # explorer.data.gazetteer.PlaceIndex (imported lazily: workers import what they use)
    rules: Any  # explorer.corpus.candidates.Rules
    disputed: frozenset[str]

    @classmethod
    def load(cls, gazetteer_path: Path = GAZETTEER_PATH, linker: Any = None) -> ScanKit:
        from explorer.corpus.candidates import load_rules
        from explorer.data.gazetteer import load_gazetteer
        from explorer.text.linking import Linker

        places = load_gazetteer(gazetteer_path)
        disputed = frozenset(places.covered_by(DISPUTED_GROUP)) if DISPUTED_GROUP in places else frozenset()
        disputed |= {place.id for place in places.places if getattr(place, "disputed", False)}
        return cls(linker or Linker(places.data), places, load_rules(), frozenset(disputed))


@dataclass
class PartitionResult:
    index: int
    records: int = 0
    input_bytes: int = 0
    mentions: list[tuple] = field(default_factory=list)
    candidates: list[tuple] = field(default_factory=list)
    articles: list[tuple[str, builtins.bytes]] = field(default_factory=list)  # (file name, content) to hand to ingest
    bad: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def scan_partition(partition: Partition, kit: ScanKit) -> PartitionResult:
    """Read, extract, link and propose candidates for one partition (runs on a worker)."""
    from explorer.corpus.candidates import candidates
    from explorer.corpus.documents import Document
    from explorer.data.schema import Article
    from explorer.scan.records import ArticleMaker
    from explorer.text.passages import split_passages

    result = PartitionResult(partition.index, input_bytes=partition.size)
    with ArticleMaker() as maker:
        for item in read_partition(partition):
            if isinstance(item, Bad):
                _count_bad(result, item)
                continue
            made = maker.make(item)
            if isinstance(made, Bad):
                _count_bad(result, made)
                continue
            result.records += 1
            passages = split_passages(made.text, made.id, made.headline)
            links = kit.linker.link(made.text, made.file, passages)
            if not links:
                continue
            for link in links:
                result.mentions.append(
                    (
                        item.source,
                        item.url,
                        made.id,
                        made.date,
                        link.place,
                        link.start,
                        link.end,
                        link.text,
                        link.rule,
                        link.passage,
                    )
                )
            if any(link.place in kit.disputed for link in links):
                result.articles.append((made.id + made.export_suffix, made.export_bytes))
            article = Article(
                file=made.file,
                headline=made.headline,
                date=made.date,
                date_status="printed" if made.date else "unknown",
                date_basis="the archive record's date" if made.date else None,
            )
            document = Document(made.file, Path(made.file), made.text, article, passages)
            rows, _ = candidates(document, kit.places, _Prelinked(links), None, rules=kit.rules)
            for row in rows:
                result.candidates.append(
                    (
                        item.source,
                        item.url,
                        made.id,
                        row["id"],
                        row["what"],
                        row["category"],
                        list(row["where"]),
                        row["when"],
                        row["when_precision"],
                        row["when_basis"],
                        row["reported_status"],
                        row["count"],
                        row["quote"],
                        row["start"],
                        row["end"],
                        row["trigger"],
                    )
                )
    return result


class _Prelinked:
    """A linker that answers with the links already made for this document (candidates links again)."""

    def __init__(self, links: list) -> None:
        self.links = links

    def link(self, text: str, file: str, passages: list | None = None) -> list:
        return self.links


def _count_bad(result: PartitionResult, bad: Bad) -> None:
    result.bad[bad.reason] += 1
    if len(result.examples) < EXAMPLES_PER_PARTITION:
        example = f"{bad.source}: {bad.reason}" + (f" ({bad.detail})" if bad.detail else "")
        result.examples.append(printable(example[:300]))


def printable(text: str) -> str:
    """``text`` with control and format characters escaped: archive data must not drive the terminal."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text)


# --- The report --------------------------------------------------------------------------------


@dataclass
class ScanReport:
    out: Path
    partitions: int = 0
    workers: int = 0
    records: int = 0
    bytes: int = 0
    mentions: int = 0
    candidates: int = 0
    articles: int = 0  # articles that mention the disputed islands, written to <out>/articles
    bad: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    refused: list[DataError] = field(default_factory=list)  # whole files that could not be read
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """1 when a record or a file was bad (the scan still wrote everything else), else 0."""
        return 1 if self.bad or self.refused else 0

    @property
    def bad_records(self) -> int:
        return sum(self.bad.values())

    def lines(self) -> list[str]:
        rate = self.bytes / 1e6 / self.seconds if self.seconds else 0.0
        out = [f"refused: {err}" for err in self.refused]
        out += [f"bad record: {example}" for example in self.examples]
        out.append(
            f"scanned {self.records:,} articles ({self.bytes / 1e6:,.1f} MB) in {self.partitions} partitions "
            f"on {self.workers} workers in {self.seconds:.1f} s ({rate:.2f} MB/s): {self.mentions:,} mentions, "
            f"{self.candidates:,} fact candidates, {self.articles:,} articles mention the disputed islands "
            f"-> {self.out / 'articles'}"
        )
        detail = ", ".join(f"{reason} {count}" for reason, count in sorted(self.bad.items()))
        out.append(f"{self.bad_records} bad records" + (f" ({detail})" if detail else "") + ", skipped")
        return out

    def as_json(self) -> dict:
        return {
            "out": str(self.out),
            "partitions": self.partitions,
            "workers": self.workers,
            "records": self.records,
            "bytes": self.bytes,
            "mentions": self.mentions,
            "candidates": self.candidates,
            "articles": self.articles,
            "bad_records": dict(sorted(self.bad.items())),
            "bad_examples": self.examples,
            "refused": [str(err) for err in self.refused],
            "seconds": round(self.seconds, 3),
        }


# --- The job -----------------------------------------------------------------------------------


def _identity(value: object) -> object:
    return value


def local_cluster(workers: int):
    """A LocalCluster of ``workers`` processes with one thread each, every port free and on 127.0.0.1."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # the scheduler's HTTP server always starts: a free port on 127.0.0.1
        silence_logs=logging.ERROR,
    )


def run_scan(
    archives: list[Path],
    out: Path,
    *,
    client=None,
    workers: int = 2,
    scheduler: str | None = None,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    gazetteer_path: Path = GAZETTEER_PATH,
    linker: Any = None,
    progress: bool = False,
) -> ScanReport:
    """Scan ``archives`` into ``out`` on Dask: ``client`` if given, else the cluster at ``scheduler``,
    else a new LocalCluster of ``workers`` workers. Raises ``ValueError`` for bad usage (an archive of
    unknown format, an ``out`` folder that is not empty) and :class:`DataError` when nothing can be read."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} is not an empty folder (the scan writes a new output folder)")
    partitions, refused = plan_partitions([Path(a) for a in archives], partition_bytes)
    if not partitions and refused:
        raise DataError(
            refused[0].file, refused[0].problem + (f" (and {len(refused) - 1} more)" if len(refused) > 1 else "")
        )
    kit = ScanKit.load(gazetteer_path, linker)
    out.mkdir(parents=True, exist_ok=True)
    report = ScanReport(out, partitions=len(partitions), refused=refused)
    own_cluster = None
    if client is None:
        from distributed import Client

        if scheduler:
            try:
                client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError) as err:
                raise DataError(scheduler, f"no Dask scheduler answers there ({err})") from None
        else:
            own_cluster = local_cluster(workers)
            client = Client(own_cluster)
    try:
        report.workers = len(client.nthreads())
        _run(client, partitions, kit, out, report, progress)
    finally:
        if own_cluster is not None:
            client.close()
            own_cluster.close()
    report.seconds = time.perf_counter() - started
    (out / "scan.json").write_text(json.dumps(report.as_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _run(client, partitions: list[Partition], kit: ScanKit, out: Path, report: ScanReport, progress: bool) -> None:
    from distributed import as_completed

    kit_future = client.submit(_identity, kit, pure=False)
    futures = [client.submit(scan_partition, part, kit_future, pure=False, retries=1) for part in partitions]
    bar = _progress_bar(len(partitions)) if progress else None
    articles = out / "articles"
    articles.mkdir(exist_ok=True)
    try:
        for future in as_completed(futures):
            try:
                result: PartitionResult = future.result()
            except Exception as err:  # a partition failed on every try (a bug, or workers that keep dying)
                part = partitions[futures.index(future)]
                raise DataError(
                    part.path, f"could not be scanned ({type(err).__name__}: {err})", f"partition {part.index}"
                ) from None
            future.release()
            write_part(out / "mentions", result.index, MENTIONS, result.mentions)
            write_part(out / "candidates", result.index, CANDIDATES, result.candidates)
            for name, content in result.articles:
                target = articles / name
                if not target.exists():  # the same article twice in an archive: written once
                    tmp = articles / f".{name}.tmp"
                    tmp.write_bytes(content)
                    tmp.replace(target)
            report.records += result.records
            report.bytes += result.input_bytes
            report.mentions += len(result.mentions)
            report.candidates += len(result.candidates)
            report.bad.update(result.bad)
            report.examples.extend(result.examples[: max(0, 20 - len(report.examples))])
            if bar:
                bar[0].advance(bar[1])
    finally:
        if bar:
            bar[0].stop()
        kit_future.release()
    report.articles = sum(1 for p in articles.iterdir() if not p.name.startswith("."))


def _progress_bar(total: int):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("scan"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("partitions"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("scan", total=total)
    bar.start()
    return bar, task
