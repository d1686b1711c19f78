"""The archive scan: partitions read every record exactly once, the Dask job finds exactly what `links`
finds, a worker killed mid-scan changes nothing, bad records are counted and the scan goes on.

One LocalCluster (2 worker processes, 1 thread each, 127.0.0.1) serves the whole module.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.cli import main
from explorer.corpus.ingest import ingest
from explorer.scan.archives import Bad, Record, archive_format, plan_partitions, read_partition
from explorer.scan.job import ScanKit, run_scan
from explorer.scan.tables import read_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks/ is a folder of the checkout, not a package of the wheel

from benchmarks.synthetic import build_corpus  # noqa: E402

PART = 40_000  # bytes per partition: several partitions per archive


# --- Archives for the tests --------------------------------------------------------------------


def html_page(title: str, body: str, date: str | None = None, outlet: str | None = None) -> bytes:
    meta = ""
    if date:
        meta += f'<meta property="article:published_time" content="{date}">'
    if outlet:
        meta += f'<meta property="og:site_name" content="{outlet}">'
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{meta}"
        f"<script>var x = 1;</script></head><body><nav>Home | World</nav><h1>{title}</h1>{paras}</body></html>"
    ).encode()


def warc_records(pages: list[tuple[str, bytes]], gz: bool) -> list[bytes]:
    """Each page as one WARC response record (its own gzip member when ``gz``), plus a request record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = []
    for url, body in pages:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=gz)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
        writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        out.append(buffer.getvalue())
    return out


@pytest.fixture(scope="module")
def texts(gazetteer) -> list[str]:
    """Synthetic news texts that mention the disputed islands, and one that mentions no place."""
    kit = ScanKit.load()
    chosen = []
    for doc in build_corpus(gazetteer.data, 70, seed=7):
        if any(link.place in kit.disputed for link in kit.linker.link(doc.text, doc.file)):
            chosen.append(doc.text)
    assert len(chosen) > 50
    return [*chosen[:60], "A quiet day at the harbour.\n\nNothing else happened."]


@pytest.fixture(scope="module")
def archives(tmp_path_factory, texts) -> list[Path]:
    folder = tmp_path_factory.mktemp("archives")
    jsonl = folder / "news.jsonl"
    with jsonl.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts[:30]):
            title = f"Report number {i} from the islands" if i % 3 == 0 else None
            handle.write(
                json.dumps(
                    {
                        "id": f"n{i}",
                        "url": f"https://example.org/{i}",
                        "date": "2019-05-10",
                        "title": title,
                        "text": text,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        handle.write(json.dumps({"id": "quiet", "text": texts[-1]}) + "\n")
    table = pa.table(
        {
            "id": [f"p{i}" for i in range(20)],
            "url": [f"https://example.net/{i}" for i in range(20)],
            "text": texts[30:50],
        }
    )
    parquet = folder / "news.parquet"
    pq.write_table(table, parquet, row_group_size=7)
    pages = [
        (
            f"https://example.com/{i}",
            html_page(text.split("\n", 1)[0], text.split("\n\n", 1)[1], f"2020-01-0{i % 9 + 1}", "Example News"),
        )
        for i, text in enumerate(texts[50:60])
    ]
    warc = folder / "news.warc.gz"
    warc.write_bytes(b"".join(warc_records(pages, gz=True)))
    return [jsonl, parquet, warc]


@pytest.fixture(scope="module")
def client():
    from distributed import Client

    from explorer.scan.job import local_cluster

    cluster = local_cluster(2)
    with Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def baseline(client, archives, tmp_path_factory):
    out = tmp_path_factory.mktemp("scan") / "out"
    report = run_scan(archives, out, client=client, partition_bytes=PART)
    return out, report


def mention_rows(out: Path) -> list[tuple]:
    table = read_table(out / "mentions")
    return sorted(
        zip(
            *(
                table.column(name).to_pylist()
                for name in ("article", "place", "start", "end", "text", "rule", "passage")
            ),
            strict=True,
        )
    )


# --- Partitions ---------------------------------------------------------------------------------


def all_records(partitions) -> list[Record | Bad]:
    return [item for part in partitions for item in read_partition(part)]


@settings(max_examples=40)
@given(
    lines=st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30), min_size=1, max_size=25
    ),
    size=st.integers(min_value=1, max_value=200),
)
def test_jsonl_byte_ranges_read_every_line_once(tmp_path_factory, lines: list[str], size: int) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "a.jsonl"
    path.write_text(
        "".join(json.dumps({"id": str(i), "text": f"x{t}"}) + "\n" for i, t in enumerate(lines)), encoding="utf-8"
    )
    whole, _ = plan_partitions([path], 10**9)
    split, _ = plan_partitions([path], size)
    assert len(whole) == 1
    assert (
        [r.id for r in all_records(split)] == [r.id for r in all_records(whole)] == [str(i) for i in range(len(lines))]
    )


@settings(max_examples=15)
@given(count=st.integers(min_value=1, max_value=6), size=st.integers(min_value=50, max_value=3000), gz=st.booleans())
def test_warc_byte_ranges_read_every_record_once(tmp_path_factory, count: int, size: int, gz: bool) -> None:
    path = tmp_path_factory.mktemp("warc") / ("a.warc.gz" if gz else "a.warc")
    pages = [(f"https://example.com/{i}", html_page(f"Title {i}", "WARC/1.0\r\n\r\nIturup " * i)) for i in range(count)]
    path.write_bytes(b"".join(warc_records(pages, gz)))
    split, _ = plan_partitions([path], size)
    assert [r.url for r in all_records(split)] == [url for url, _ in pages]


def test_parquet_partitions_are_row_groups(archives) -> None:
    partitions, refused = plan_partitions([archives[1]])
    assert not refused
    assert [(p.start, p.end) for p in partitions] == [(0, 1), (1, 2), (2, 3)]
    assert [r.id for r in all_records(partitions)] == [f"p{i}" for i in range(20)]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.jsonl", "jsonl"),
        ("A.NDJSON.GZ", "jsonl"),
        ("b.parquet", "parquet"),
        ("c.warc.gz", "warc"),
        ("d.csv", None),
        ("e.json", None),
    ],
)
def test_archive_format_by_name(name: str, expected: str | None) -> None:
    assert archive_format(Path(name)) == expected


# --- The Dask job -------------------------------------------------------------------------------


def test_scan_finds_exactly_what_links_finds(baseline, texts, tmp_path: Path, capsys) -> None:
    out, report = baseline
    assert report.records == len(texts) and report.bad_records == 0 and report.partitions > 3
    exported = sorted(p.name for p in (out / "articles").iterdir())
    assert len(exported) == len(texts) - 1  # every article but the quiet one mentions the disputed islands
    assert sum(name.endswith(".html") for name in exported) == 10
    # Ingest what the scan exported, then ask `links` for the mentions in the new corpus.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = ingest([out / "articles"], corpus, update_index=False)
    assert not result.refused and len(result.added) == len(exported)
    capsys.readouterr()
    assert main(["links", "--corpus", str(corpus), "--format", "json"]) == 0
    links = json.loads(capsys.readouterr().out)["links"]
    from_links = sorted(
        (
            l["file"].split("_", 1)[1].removesuffix(".txt"),
            l["place"],
            l["start"],
            l["end"],
            l["text"],
            l["rule"],
            l["passage"].replace(l["file"].removesuffix(".txt"), l["file"].split("_", 1)[1].removesuffix(".txt"), 1),
        )
        for l in links
        if (corpus / l["file"]).is_file()  # `links` also shows the curated seeds beside the user corpus
    )
    assert mention_rows(out) == from_links
    assert len(from_links) > 500


def test_scan_tables_and_report(baseline) -> None:
    out, report = baseline
    mentions = read_table(out / "mentions")
    assert mentions.column_names == [
        "source",
        "url",
        "article",
        "date",
        "place",
        "start",
        "end",
        "text",
        "rule",
        "passage",
    ]
    assert report.mentions == mentions.num_rows
    sources = set(mentions.column("source").to_pylist())
    assert (
        any("news.jsonl@" in s for s in sources)
        and any("news.parquet#rg" in s for s in sources)
        and any("news.warc.gz@" in s for s in sources)
    )
    dates = set(mentions.column("date").to_pylist())
    assert "2019-05-10" in dates and "2020-01-01" in dates  # JSON Lines date field; WARC page meta
    candidates = read_table(out / "candidates")
    assert candidates.num_rows == report.candidates > 0
    assert all(w for w in candidates.column("where").to_pylist())
    summary = json.loads((out / "scan.json").read_text())
    assert summary["records"] == report.records and summary["bad_records"] == {}


class KillOnceLinker:
    """Links like the real linker, but the first call anywhere kills its worker process (SIGKILL)."""

    def __init__(self, linker, marker: Path) -> None:
        self.linker, self.marker = linker, marker

    def link(self, text, file, passages=None):
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return self.linker.link(text, file, passages)


def test_worker_killed_mid_scan_is_retried_and_output_unchanged(client, baseline, archives, tmp_path: Path) -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the wrapper travels as data, like the Linker
    pids_before = set(client.run(os.getpid).values())
    marker = tmp_path / "killed"
    out = tmp_path / "out"
    report = run_scan(
        archives, out, client=client, partition_bytes=PART, linker=KillOnceLinker(ScanKit.load().linker, marker)
    )
    killed = int(marker.read_text())
    assert killed in pids_before  # a worker of the cluster died in the middle of a partition
    client.wait_for_workers(2, timeout=60)
    assert killed not in set(client.run(os.getpid).values())
    base_out, base_report = baseline
    assert mention_rows(out) == mention_rows(base_out)
    assert read_table(out / "candidates").equals(read_table(base_out / "candidates"))
    assert sorted(p.name for p in (out / "articles").iterdir()) == sorted(
        p.name for p in (base_out / "articles").iterdir()
    )
    assert (report.records, report.mentions, report.bad_records) == (base_report.records, base_report.mentions, 0)


def test_bad_records_counted_and_scan_goes_on(client, texts, tmp_path: Path) -> None:
    jsonl = tmp_path / "bad.jsonl"
    good = [json.dumps({"id": f"g{i}", "text": t}, ensure_ascii=False).encode() for i, t in enumerate(texts[:4])]
    jsonl.write_bytes(
        b"\n".join(
            [
                good[0],
                b'{"id": "empty", "text": "  "}',
                good[1],
                b'{"id": "latin1", "text": "caf\xe9 Iturup"}',
                b"[1, 2]",
                b"{not json",
                good[2],
                b'{"id": "none"}',
                good[3],
            ]
        )
        + b"\n"
    )
    pages = [(f"https://example.com/{i}", html_page(f"Title {i}", texts[i])) for i in range(3)]
    pages.append(
        ("https://example.com/script", b"<html><body><script>" + b"x" * 5000 + b"</script><p>Iturup.</p></body></html>")
    )
    members = warc_records(pages, gz=True)
    warc = tmp_path / "cut.warc.gz"
    warc.write_bytes(members[0] + members[1][: len(members[1]) // 2] + members[2] + members[3])
    parquet = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": [texts[5], None]}), parquet)
    report = run_scan([jsonl, warc, parquet], tmp_path / "out", client=client, partition_bytes=PART)
    assert report.records == 4 + 2 + 1  # the good lines, the whole pages, the good row
    assert dict(report.bad) == {
        "no text": 3,
        "invalid UTF-8": 1,
        "not a JSON object": 1,
        "invalid JSON": 1,
        "truncated WARC record": 1,
        "page refused": 1,
    }
    assert report.exit_code == 1
    assert any("bad.jsonl@" in example and "invalid UTF-8" in example for example in report.examples)
    assert all(example.isprintable() for example in report.examples)
    summary = json.loads((tmp_path / "out" / "scan.json").read_text())
    assert summary["bad_records"]["truncated WARC record"] == 1
    lines = report.lines()
    assert lines[-1].startswith("8 bad records (") and "truncated WARC record 1" in lines[-1]


# --- The command --------------------------------------------------------------------------------


def test_cli_scan_on_its_own_local_cluster(archives, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code = main(
        ["scan", str(archives[0]), "--out", str(out), "--workers", "1", "--partition-size", "0.05", "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["workers"] == 1 and data["records"] == 31 and data["partitions"] > 1 and data["articles"] == 30


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["notes.csv"], 2, "not an archive this command reads"),
        (["missing.jsonl"], 1, "missing.jsonl: does not exist"),
        (["ok.jsonl", "--workers", "0"], 2, "must be positive"),
        (["ok.jsonl", "--scheduler", "localhost:8786"], 2, "must look like tcp://HOST:PORT"),
        (["ok.jsonl", "--out-is-full"], 2, "is not an empty folder"),
        (["broken.parquet"], 1, "is not a readable Parquet file"),
        (["ok.jsonl", "--out-in-a-file"], 1, "Not a directory"),
    ],
)
def test_cli_errors_are_one_line(tmp_path: Path, capsys, args: list[str], code: int, message: str) -> None:
    (tmp_path / "ok.jsonl").write_text('{"text": "Iturup"}\n')
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    out = tmp_path / "out"
    if "--out-in-a-file" in args:
        args = [a for a in args if a != "--out-in-a-file"]
        (tmp_path / "file").write_text("not a folder")
        out = tmp_path / "file" / "out"
    if "--out-is-full" in args:
        args = [a for a in args if a != "--out-is-full"]
        out.mkdir()
        (out / "keep.txt").write_text("mine")
    argv = [
        "scan",
        *[str(tmp_path / a) if a.endswith((".jsonl", ".csv", ".parquet")) else a for a in args],
        "--out",
        str(out),
    ]
    assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    if "--out-is-full" in " ".join(args) or (out / "keep.txt").exists():
        assert (out / "keep.txt").read_text() == "mine"


def test_gzipped_jsonl_is_one_partition(tmp_path: Path, texts) -> None:
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i, text in enumerate(texts[:5]):
            handle.write(json.dumps({"id": str(i), "text": text}) + "\n")
    partitions, _ = plan_partitions([path], 10)
    assert len(partitions) == 1
    assert [r.id for r in all_records(partitions)] == ["0", "1", "2", "3", "4"]


def test_scan_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """A smoke run of benchmarks/bench_scan.py on tiny archives (no timing is asserted)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "benchmarks/bench_scan.py", "--articles", "60", "--pages", "12", "--workdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for line in ("bare Linker.link", "serial scan_partition", "Dask, 1 worker(s)", "Dask, 2 worker(s)"):
        assert line in out, out
    assert "2 workers / 1 worker speed-up" in out and "Projection on paper (not run)" in out
