"""The evidence store gives what the in-memory Evidence gives (counts, passages, mentions), paged newest
first with totals, and checks staleness without statting every article."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from explorer.corpus import search_index
from explorer.corpus.evidence_store import EvidenceStore
from explorer.corpus.ingest import ingest
from explorer.evidence import Evidence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import build_corpus  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, gazetteer) -> Path:
    """The seeds plus 40 synthetic articles in four dated batches and one undated batch."""
    folder = tmp_path_factory.mktemp("store") / "corpus"
    shutil.copytree(ROOT / "seeds", folder, ignore=shutil.ignore_patterns(".cache"))
    docs = build_corpus(gazetteer.data, 50, seed=3)
    for batch in range(5):
        inputs = tmp_path_factory.mktemp(f"batch{batch}")
        for doc in docs[batch * 10 : batch * 10 + 10]:
            (inputs / doc.file).write_text(doc.text, encoding="utf-8")
        metadata = {"date": f"20{10 + batch * 3}-0{batch + 1}"} if batch < 4 else None
        report = ingest([inputs], folder, metadata=metadata)
        assert not report.refused
    return folder


@pytest.fixture(scope="module")
def evidence(corpus: Path) -> Evidence:
    return Evidence.load(corpus)


def all_pages(store: EvidenceStore, place: str, size: int, **options) -> list:
    found, offset = [], 0
    while True:
        page = store.passages(place, offset=offset, limit=size, **options)
        found.extend(page.passages)
        offset += size
        if not page.has_more:
            return found


def test_counts_are_the_in_memory_counts(corpus: Path, evidence: Evidence) -> None:
    with EvidenceStore(corpus) as store:
        assert store.place_counts() == evidence.passage_counts()
        by_articles = {place: len(evidence.counts_per_source(place)) for place in evidence.passage_counts()}
        assert store.article_counts() == by_articles
        assert store.article_count() == len(evidence.corpus.documents)


@pytest.mark.parametrize("place", ["iturup", "kunashir", "shikotan", "habomai", "disputed_islands", "no_such_place"])
@pytest.mark.parametrize("size", [1, 7, 20])
def test_pages_hold_every_passage_once_newest_first(corpus: Path, evidence: Evidence, place: str, size: int) -> None:
    expected = {(a.document.file, p.passage.id, p.text) for a in evidence.articles_for(place) for p in a.passages}
    with EvidenceStore(corpus) as store:
        first = store.passages(place, limit=size)
        found = all_pages(store, place, size)
    assert first.total == len(expected) == len(found)
    assert {(p.file, p.id, p.text) for p in found} == expected
    dates = [p.date for p in found]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert all(d is None for d in dates[len(dated) :])  # undated articles last


def test_inside_and_date_filters(corpus: Path, evidence: Evidence) -> None:
    covered = evidence.gazetteer.covered_by("kurils")
    expected = {(l.file, l.passage) for place in covered for l in evidence.links_for(place)}
    with EvidenceStore(corpus) as store:
        found = all_pages(store, "kurils", 50, inside=True)
        assert {(p.file, p.id) for p in found} == expected
        dated = all_pages(store, "iturup", 50, date_from="2013", date_to="2016-12")
        assert dated and {p.date for p in dated} == {"2013-02", "2016-03"}
        with pytest.raises(ValueError, match="date_from"):
            store.passages("iturup", date_from="March")


def test_mentions_of_a_page_are_the_links_of_those_passages(corpus: Path, evidence: Evidence) -> None:
    with EvidenceStore(corpus) as store:
        for place in ("iturup", "kunashir", "kurils", "habomai"):
            for passage in all_pages(store, place, 50):
                expected = sorted(l for l in evidence.links if l.file == passage.file and l.passage == passage.id)
                assert sorted(store.mentions(passage)) == expected


def test_passage_evidence_renders_as_the_in_memory_evidence(corpus: Path, evidence: Evidence) -> None:
    expected = {p.passage.id: p for article in evidence.articles_for("iturup") for p in article.passages}
    with EvidenceStore(corpus) as store:
        for stored in all_pages(store, "iturup", 50):
            got = store.passage_evidence(stored, "iturup")
            assert got.passage == expected[stored.id].passage
            assert got.segments() == expected[stored.id].segments()
            assert len(store.passage_evidence(stored).mentions) >= len(got.mentions)


def test_open_is_cheap_until_the_corpus_changes(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    EvidenceStore(corpus).close()  # a full check; writes the stamp
    calls = []
    real = search_index.fingerprint
    monkeypatch.setattr(search_index, "fingerprint", lambda *a, **k: calls.append(1) or real(*a, **k))
    with EvidenceStore(corpus) as store:
        before = store.article_count()
    assert calls == []  # nothing changed: no article was statted
    new = tmp_path / "new.txt"
    new.write_text("Radar on Shikotan\n\nA radar was built on Shikotan this week.", encoding="utf-8")
    ingest([new], corpus)
    calls.clear()
    with EvidenceStore(corpus) as store:
        assert store.article_count() == before + 1
        assert any("radar" in p.text for p in all_pages(store, "shikotan", 50))
    assert calls  # the folder changed: the full fingerprint was checked


def test_a_stale_stamp_is_checked_again(corpus: Path, monkeypatch) -> None:
    EvidenceStore(corpus).close()
    monkeypatch.setattr(search_index, "STAMP_MAX_AGE", 0.0)
    calls = []
    real = search_index.fingerprint
    monkeypatch.setattr(search_index, "fingerprint", lambda *a, **k: calls.append(1) or real(*a, **k))
    EvidenceStore(corpus).close()
    assert calls


def test_search_reuses_one_open_index(corpus: Path, monkeypatch) -> None:
    first = search_index.search(corpus, "missile")
    opened = []
    real_init = search_index.SearchIndex.__init__
    monkeypatch.setattr(
        search_index.SearchIndex, "__init__", lambda self, *a, **k: opened.append(1) or real_init(self, *a, **k)
    )
    assert search_index.search(corpus, "missile") == first
    assert opened == []
    search_index.index_path(corpus).write_bytes(b"not a database")  # a broken cache: rebuilt, reopened
    assert search_index.search(corpus, "missile") == first
    assert opened == [1]


def snapshot(store: EvidenceStore) -> tuple:
    pages = {place: [p.id for p in all_pages(store, place, 100, inside=True)] for place in store.place_counts()}
    return store.place_counts(), store.article_counts(inside=True), pages


def test_an_ingest_extends_the_store_to_what_a_fresh_build_gives(tmp_path: Path, gazetteer) -> None:
    corpus = tmp_path / "odd ?name #1"  # a folder name that an SQLite URI must escape
    shutil.copytree(ROOT / "seeds", corpus, ignore=shutil.ignore_patterns(".cache"))
    with EvidenceStore(corpus) as store:
        assert store.synced
    inputs = tmp_path / "in"
    inputs.mkdir()
    for doc in build_corpus(gazetteer.data, 8, seed=11):
        (inputs / doc.file).write_text(doc.text, encoding="utf-8")
    ingest([inputs], corpus, metadata={"date": "2024-06"})
    store_file = search_index.index_path(corpus).with_name("evidence.sqlite3")
    inode = store_file.stat().st_ino
    with EvidenceStore(corpus) as store:
        assert store.synced and store_file.stat().st_ino == inode  # extended in place, not rebuilt
        extended = snapshot(store)
        newest = store.passages("iturup", limit=1).passages[0]
    assert newest.date == "2024-06"
    store_file.unlink()
    with EvidenceStore(corpus) as store:
        assert snapshot(store) == extended
    assert snapshot(EvidenceStore(corpus)) == extended and not EvidenceStore(corpus).synced


def test_scale_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    """A smoke run of benchmarks/bench_scale.py on a tiny corpus (no timing is asserted)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "benchmarks/bench_scale.py", "--size", "30", "--pages", "5,12", "--no-browser"]
        + ["--repeat", "1", "--legacy-max", "50", "--workdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "store, stamp fresh" in out and "Evidence.load (links everything)" in out
    # The curated seeds are shown beside every user corpus: 30 synthetic articles are 35 in all.
    assert "ratios 35 / 5 articles" in out and "search() at 35 articles" in out and "no hit" in out
    assert "       12 " in out  # the exported page of the 12-article corpus
