"""Search: each language, filters, hostile query syntax, stale index rebuilt, ingest keeps it fresh."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.corpus.ingest import ingest
from explorer.corpus.search_index import SearchIndex, index_path, is_fresh, parse_query, search
from explorer.data.paths import DEFAULT_CORPUS

RU = (
    "Ракеты на Итурупе\n\nВ ноябре на Итурупе были развернуты ракетные комплексы «Бастион».\n\n"
    "Министр заявил, что ракеты защитят острова."
)
JA = "択捉島にミサイル配備\n\nロシア国防省は択捉島に地対艦ミサイルを配備したと発表した。"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One indexed corpus for the read-only tests (built once: building loads the gazetteer)."""
    tmp_path = tmp_path_factory.mktemp("search")
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, folder, ignore=shutil.ignore_patterns(".*"))
    ru = tmp_path / "ru.html"
    ru.write_text(
        '<html><head><meta property="og:site_name" content="TASS">'
        '<meta property="article:published_time" content="2016-11-25"></head><body>'
        + "".join(f"<p>{p}</p>" for p in RU.split("\n\n"))
        + "</body></html>",
        encoding="utf-8",
    )
    ja = tmp_path / "ja.txt"
    ja.write_text(JA, encoding="utf-8")
    report = ingest([ru, ja], folder)
    assert len(report.added) == 2
    return folder


@pytest.fixture()
def corpus(built: Path) -> Path:
    return built


@pytest.fixture()
def own_corpus(built: Path, tmp_path: Path) -> Path:
    """A private copy for tests that change the corpus."""
    folder = tmp_path / "corpus"
    shutil.copytree(built, folder)
    return folder


def files(hits) -> set[str]:
    return {hit.file.split("_")[0] for hit in hits}


def test_english(corpus: Path) -> None:
    hits = search(corpus, "missile")
    assert hits and all("missile" in hit.snippet.lower() for hit in hits)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    hit = next(h for h in hits if h.file.startswith("000") and "Etorofu" in h.snippet)
    text = (corpus / hit.file).read_text(encoding="utf-8")
    assert text[hit.start : hit.end] == hit.snippet
    s, e = hit.marks[0]
    assert hit.snippet[s:e].lower().startswith("missile")


def test_russian_words_and_inflections(corpus: Path) -> None:
    hits = search(corpus, "ракеты")
    assert files(hits) == {"005"} and len(hits) == 2
    iturup = search(corpus, "Итуруп")  # a prefix: finds Итурупе
    assert len(iturup) == 2 and all("iturup" in h.places for h in iturup)
    assert {h.lang for h in iturup} == {"ru"} and {h.outlet for h in iturup} == {"TASS"}


def test_japanese_two_characters(corpus: Path) -> None:
    hits = search(corpus, "択捉")
    assert files(hits) == {"006"} and len(hits) == 2
    hit = hits[0]
    s, e = hit.marks[0]
    assert hit.snippet[s:e] == "択捉"
    assert search(corpus, "地対艦ミサイル")[0].passage.endswith(":p1.s0")
    assert search(corpus, "島") and not search(corpus, "択国")


def test_filters(corpus: Path) -> None:
    everything = search(corpus, "missile", limit=500)
    iturup = search(corpus, "missile", place="iturup")
    assert iturup and len(iturup) < len(everything)
    assert any("Etorofu" in h.snippet for h in iturup)  # an alias links to iturup
    kurils = search(corpus, "", place="kurils", limit=500)  # a place includes the places inside it
    assert {"iturup", "kurils"} <= {p for h in kurils for p in h.places}
    assert any("kurils" not in h.places for h in kurils)
    assert search(corpus, "ракеты", outlet="tass") and not search(corpus, "ракеты", outlet="Kyodo")
    assert files(search(corpus, "missile", date_from="2019-01", limit=500)) == {"001"}
    assert files(search(corpus, "missile", date_from="2013", date_to="2013-12-31", limit=500)) == {"003"}
    in_2016 = search(corpus, "Итуруп", date_from="2016-11-01", date_to="2016-11-30")
    assert files(in_2016) == {"005"}
    assert not search(corpus, "Итуруп", place="shikotan")
    assert not search(corpus, "missile", place="no_such_place")
    with pytest.raises(ValueError):
        search(corpus, "missile", date_from="March")


@pytest.mark.parametrize(
    "query",
    [
        '"',
        ")",
        "(",
        "*",
        "NOT",
        "missile NOT",
        'a"b',
        "OR AND",
        "NEAR(",
        "-",
        "^",
        ":",
        "text:missile",
        "{cjk}",
        "'",
        "\\",
        "",
        "   ",
        "\x00",
        "択捉 AND",
        "col : x*",
    ],
)
def test_query_syntax_never_raises(corpus: Path, query: str) -> None:
    search(corpus, query)


def test_query_words_are_literal() -> None:
    terms = parse_query('missile NOT "Iturup" S-300 択捉島')
    assert [t.fts() for t in terms] == [
        'text : "missile"*',
        'text : "not"*',
        'text : "iturup"*',
        'text : "s 300"',
        'cjk : "択捉 捉島"',
    ]


def test_stale_index_rebuilt(own_corpus: Path) -> None:
    corpus = own_corpus
    assert is_fresh(corpus)
    with SearchIndex(corpus) as index:
        assert not index.rebuilt
    extra = corpus / "099_manual.txt"
    extra.write_text("Radar station on Shikotan\n\nA new radar station was built on Shikotan.", encoding="utf-8")
    assert not is_fresh(corpus)
    with SearchIndex(corpus) as index:
        assert index.rebuilt
        assert {h.file for h in index.search("radar", place="shikotan")} == {"099_manual.txt"}
    extra.write_text("Nothing here about Shikotan.", encoding="utf-8")
    os.utime(extra, ns=(1, 1))  # a changed mtime and size makes the index stale
    assert not search(corpus, "radar", place="shikotan")
    extra.unlink()
    index_path(corpus).write_bytes(b"not a database")
    assert search(corpus, "ракеты")  # a broken cache is rebuilt


def test_ingest_updates_a_fresh_index_in_place(own_corpus: Path, tmp_path: Path) -> None:
    corpus = own_corpus
    path = index_path(corpus)
    inode = path.stat().st_ino
    new = tmp_path / "new.txt"
    new.write_text("Shikotan exercise\n\nTroops held an exercise on Shikotan.", encoding="utf-8")
    ingest([new], corpus)
    assert path.stat().st_ino == inode and is_fresh(corpus)
    with SearchIndex(corpus) as index:
        assert not index.rebuilt
        assert index.search("exercise", place="shikotan")


def _searched(corpus: Path) -> dict[str, list[tuple[str, str]]]:
    """What a few queries find, as (passage id, snippet) in rank order."""
    with SearchIndex(corpus, rebuild=False) as index:
        return {
            q: [(h.passage, h.snippet) for h in index.search(q)]
            for q in ("ракеты", "択捉", "ミサイル", "missile", "島")
        }


def test_removing_an_article_updates_a_fresh_index_in_place(own_corpus: Path, monkeypatch) -> None:
    """No rebuild (minutes at 100,000 articles): the article's rows go, and the index then equals a rebuild."""
    from explorer.corpus import search_index
    from explorer.corpus.removal import remove_article

    corpus = own_corpus
    path = index_path(corpus)
    inode = path.stat().st_ino
    removed = next(h.file for h in search(corpus, "地対艦ミサイル"))  # Japanese: its FTS rows hold grams
    kept_rows = [row for row in _index_rows(corpus) if row[1] != removed]
    with monkeypatch.context() as patch:
        patch.setattr(search_index, "build_index", lambda *a, **k: pytest.fail("the index was rebuilt"))
        remove_article(corpus, removed)
        assert is_fresh(corpus) and path.stat().st_ino == inode
        assert _index_rows(corpus) == kept_rows
        assert not search(corpus, "地対艦ミサイル")
        in_place = _searched(corpus)
        conn = sqlite3.connect(path)
        conn.execute("INSERT INTO fts(fts) VALUES('integrity-check')")  # raises when the FTS index is corrupt
        # Every token left in the FTS index belongs to a passage still there (a rowid the next ingest reuses
        # would otherwise inherit the removed passage's words).
        conn.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, instance)")
        indexed = {row[0] for row in conn.execute("SELECT DISTINCT doc FROM temp.vocab")}
        assert indexed and indexed <= {row[0] for row in conn.execute("SELECT rowid FROM passages")}
        links = conn.execute("SELECT count(*) FROM passage_places").fetchone()
        conn.close()
    search_index.build_index(corpus)
    assert [row[1:] for row in _index_rows(corpus)] == [row[1:] for row in kept_rows]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM passage_places").fetchone() == links
    conn.close()
    assert _searched(corpus) == in_place and in_place["ракеты"]


def test_removing_an_article_leaves_a_stale_index_to_the_next_search(own_corpus: Path, monkeypatch) -> None:
    from explorer.corpus import search_index
    from explorer.corpus.removal import remove_article

    corpus = own_corpus
    removed = next(h.file for h in search(corpus, "ракеты"))
    (corpus / "099_manual.txt").write_text("Radar on Shikotan\n\nA radar was built on Shikotan.", encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(search_index, "build_index", lambda *a, **k: pytest.fail("rebuilt by the removal"))
        remove_article(corpus, removed)
    assert not is_fresh(corpus)
    assert not search(corpus, "ракеты") and search(corpus, "radar")


def test_an_unwritable_index_location_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for article in (Path(__file__).resolve().parents[1] / "seeds").glob("*.txt"):
        shutil.copy(article, corpus)
    (corpus / ".cache").write_text("a file where the cache folder should be", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "search", "missile", "--corpus", str(corpus)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 1
    assert ".cache" in result.stderr and "search index" in result.stderr and "Traceback" not in result.stderr


# --- The index heals (issue 10): corruption, kill -9, a search while an ingest runs ------------------

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "explorer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: {args} {done.stderr[-500:]}"
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done


def _articles(folder: Path, count: int, words: int = 400) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        body = " ".join(f"word{number}x{i}" for i in range(words))
        path = folder / f"a{number:04d}.txt"
        path.write_text(f"Article {number} on Iturup\n\nMissiles on Iturup, say {body}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def _index_rows(corpus: Path) -> list[tuple]:
    with SearchIndex(corpus, rebuild=False) as index:
        return index.conn.execute('SELECT id, file, start, "end", places FROM passages ORDER BY id').fetchall()


def test_garbled_pages_past_page_8_are_detected_and_rebuilt(own_corpus: Path) -> None:
    before = files(search(own_corpus, "missile"))
    path = index_path(own_corpus)
    size = path.stat().st_size
    assert size > 12 * 4096, "the index must be big enough to garble past page 8"
    with path.open("r+b") as handle:
        handle.seek(8 * 4096)
        handle.write(os.urandom(size - 8 * 4096))
    done = _cli("search", "missile", "--corpus", str(own_corpus))
    assert done.returncode == 0, done.stderr
    assert "corrupt" in done.stderr and "rebuilt" in done.stderr
    assert files(search(own_corpus, "missile")) == before


def test_a_file_that_is_not_a_database_is_rebuilt(own_corpus: Path) -> None:
    search(own_corpus, "missile")
    index_path(own_corpus).write_bytes(b"garbage" * 1000)
    done = _cli("search", "Iturup", "--corpus", str(own_corpus))
    assert done.returncode == 0 and "rebuilt" in done.stderr, done.stderr
    assert "passages" in done.stdout


KILL_IN_TRANSACTION = """
import os, signal, sys
from pathlib import Path
from explorer.corpus.search_index import IndexUpdate
update = IndexUpdate.open(Path(sys.argv[1]))
rows = [("p%d.s1" % i, "paragraph", 0, 10, "Iturup missile %d " % i * 50, "iturup") for i in range(20000)]
update.add("999_fake.txt", rows, None)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_kill_9_inside_the_index_transaction_then_search_and_ingest(own_corpus: Path, tmp_path: Path) -> None:
    search(own_corpus, "missile")
    expected = _index_rows(own_corpus)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_IN_TRANSACTION, str(own_corpus)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=180,
    )
    assert killed.returncode == -signal.SIGKILL
    done = _cli("search", "missile", "--corpus", str(own_corpus))
    assert done.returncode == 0, done.stderr
    assert _index_rows(own_corpus) == expected  # the cut transaction left nothing behind
    new = _articles(tmp_path / "new", 2)
    done = _cli("ingest", *map(str, new), "--corpus", str(own_corpus))
    assert done.returncode == 0, done.stderr
    assert len(search(own_corpus, "word1x3")) == 1


@pytest.mark.parametrize("delay", [0.3, 0.9, 1.6, 2.5])
def test_kill_9_during_ingest_then_search_and_ingest_agree_with_a_rebuild(
    own_corpus: Path, tmp_path: Path, delay: float
) -> None:
    search(own_corpus, "missile")
    new = _articles(tmp_path / "new", 120)
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer", "ingest", str(tmp_path / "new"), "--corpus", str(own_corpus)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.kill()
    process.wait(timeout=60)
    assert _cli("search", "missile", "--corpus", str(own_corpus)).returncode == 0
    done = _cli("ingest", *map(str, new), "--corpus", str(own_corpus))
    assert done.returncode == 0, done.stderr
    articles = sorted(p.name for p in own_corpus.glob("*.txt"))
    assert len(articles) == 5 + 2 + 120  # the seeds, the two of the fixture, every new one once
    rows = _index_rows(own_corpus)
    shutil.rmtree(own_corpus / ".cache")
    search(own_corpus, "missile")
    assert rows == _index_rows(own_corpus)  # the healed index equals a rebuild


def test_search_while_an_ingest_runs(own_corpus: Path, tmp_path: Path) -> None:
    search(own_corpus, "missile")
    _articles(tmp_path / "new", 300)
    process = subprocess.Popen(
        [sys.executable, "-m", "explorer", "ingest", str(tmp_path / "new"), "--corpus", str(own_corpus)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    searches = 0
    try:
        while process.poll() is None or searches < 3:
            done = _cli("search", "Iturup", "--corpus", str(own_corpus), "--format", "json")
            assert done.returncode == 0, done.stderr
            assert json.loads(done.stdout)["hits"]
            searches += 1
    finally:
        process.wait(timeout=300)
    assert process.returncode == 0, process.stderr.read()
    assert searches >= 3
    assert len(search(own_corpus, "word299x1")) == 1  # the ingest's index update landed
