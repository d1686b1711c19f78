"""Evidence read from the store shows what the in-memory evidence shows: the same counts, the same
panels (the same passages, newest first, with the same highlights), the same facts and timeline,
under the same filters; and the app runs on it."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.app.panel_html import PAGE_SIZE, all_panels
from explorer.corpus.ingest import ingest
from explorer.evidence import Evidence
from explorer.stored_evidence import StoredEvidence, chosen_backend, open_evidence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import build_corpus  # noqa: E402

COUNTS_TAB = re.compile(r'<section class="kx-tab" data-tab="counts".*?</section>', re.S)


@pytest.fixture(scope="module", params=["beside the seeds", "a complete corpus"])
def corpus(request, tmp_path_factory, gazetteer) -> Path:
    """60 synthetic articles in five dated batches and one undated batch, ingested into a user corpus
    shown beside the curated seeds, or into a copy of the seeds (a corpus with its own sources.yaml)."""
    folder = tmp_path_factory.mktemp("stored") / "corpus"
    if request.param == "a complete corpus":
        shutil.copytree(ROOT / "seeds", folder, ignore=shutil.ignore_patterns(".cache"))
    else:
        folder.mkdir()
    docs = build_corpus(gazetteer.data, 60, seed=5)
    for batch in range(6):
        inputs = tmp_path_factory.mktemp(f"batch{batch}")
        for doc in docs[batch * 10 : batch * 10 + 10]:
            (inputs / doc.file).write_text(doc.text, encoding="utf-8")
        metadata = {"date": f"20{12 + batch}-0{batch + 1}-1{batch}", "outlet": f"Outlet {batch}"} if batch < 5 else None
        assert not ingest([inputs], folder, metadata=metadata).refused
    return folder


@pytest.fixture(scope="module")
def both(corpus: Path) -> tuple[Evidence, StoredEvidence]:
    return Evidence.load(corpus), StoredEvidence.open(corpus)


FILTERS = [
    pytest.param({}, id="unfiltered"),
    pytest.param({"date_from": "2014", "date_to": "2015-12"}, id="two years"),
    pytest.param({"date_from": "2017-03"}, id="from a month"),
    pytest.param({"date_to": "2013-02-11"}, id="up to a day"),
    pytest.param({"files": "reporting"}, id="the articles a timeline pick keeps"),
    pytest.param({"files": "reporting", "date_from": "2019"}, id="files and dates"),
]


def narrowed(evidence: Evidence, filters: dict) -> Evidence:
    files = None
    if filters.get("files") == "reporting":
        files = {f for entry in evidence.timeline() for f in entry.files} | {"000_bfc62806fc5b3d83.txt"}
    return evidence.filtered(files, filters.get("date_from"), filters.get("date_to"))


@pytest.mark.parametrize("filters", FILTERS)
def test_counts_facts_and_timeline_are_the_in_memory_ones(both, filters: dict) -> None:
    memory, stored = (narrowed(e, filters) for e in both)
    assert stored.passage_counts() == memory.passage_counts()
    for place in memory.gazetteer.by_id:
        assert stored.passage_count(place) == memory.passage_count(place)
        assert stored.article_count(place) == memory.article_count(place), place
        assert stored.events_at(place) == memory.events_at(place)
    assert stored.timeline() == memory.timeline()
    assert stored.is_empty == memory.is_empty
    assert stored.outlets() == both[0].outlets()


def test_months_are_the_articles_months(both) -> None:
    memory, stored = both
    assert stored.months() == memory.months()
    batches = {f"20{12 + batch}-0{batch + 1}" for batch in range(5)}
    assert batches | {"2013-11", "2017-03", "2019-05"} <= set(stored.months())  # and the seeds' months


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(("view", "lang"), [("neutral", "en"), ("japan", "ja"), ("russia", "ru")])
def test_panels_are_the_in_memory_panels(both, filters: dict, view: str, lang: str) -> None:
    """Byte for byte, but the counts tab: the store counts passages per article (the articles with
    the most), the in-memory evidence mentions (every article)."""
    memory, stored = (narrowed(e, filters) for e in both)
    shown = {"disputed_islands": 2 * PAGE_SIZE, "iturup": 1}
    memory_panels, memory_passages = all_panels(memory, view, lang, shown)  # type: ignore[arg-type]
    stored_panels, stored_passages = all_panels(stored, view, lang, shown)  # type: ignore[arg-type]
    assert stored_passages == memory_passages
    assert stored_panels.keys() == memory_panels.keys()
    for place, html in memory_panels.items():
        assert COUNTS_TAB.sub("", stored_panels[place]) == COUNTS_TAB.sub("", html), place


def test_pages_are_newest_first_and_counted(both) -> None:
    memory, stored = both
    total, page = stored.passage_page("disputed_islands", PAGE_SIZE)
    assert total == memory.passage_count("disputed_islands") > PAGE_SIZE
    assert sum(len(article.passages) for article in page) == PAGE_SIZE
    dates = [article.article.date for article in page]
    assert [d for d in dates if d] == sorted((d for d in dates if d), reverse=True)
    assert stored.passage_page("disputed_islands", PAGE_SIZE) == memory.passage_page("disputed_islands", PAGE_SIZE)


def test_the_counts_tab_lists_the_articles_with_most_passages(both) -> None:
    memory, stored = both
    counts = stored.source_counts("iturup")
    assert counts.unit == "passages"
    assert counts.articles == memory.article_count("iturup")
    expected = {}
    for article in memory.articles_for("iturup"):
        expected[article.document.file] = len(article.passages)
    assert [n for _a, n in counts.rows] == sorted(expected.values(), reverse=True)[: len(counts.rows)]
    assert all(expected[article.file] == n for article, n in counts.rows)


@pytest.mark.parametrize("call", ["files", "links_for", "articles_for", "counts_per_source"])
def test_what_would_read_every_article_is_refused_not_faked(both, call: str) -> None:
    stored = both[1]
    with pytest.raises(NotImplementedError):
        if call == "files":
            _ = stored.files
        else:
            getattr(stored, call)("iturup")


def test_the_backend_follows_the_article_count(monkeypatch, corpus: Path) -> None:
    import explorer.stored_evidence as module

    assert chosen_backend(corpus) == "memory"
    monkeypatch.setattr(module, "STORE_FROM_ARTICLES", 10)
    assert chosen_backend(corpus) == "store"
    assert isinstance(open_evidence(corpus), StoredEvidence)
    assert not isinstance(open_evidence(corpus, "memory"), StoredEvidence)


@pytest.mark.parametrize("change", ["removed", "rewritten"])
def test_an_article_changed_after_indexing_loses_its_highlights_not_the_page(tmp_path, change: str) -> None:
    """Until the store is reopened it shows the indexed passages; their highlights never come from
    another text (offsets from a rewritten article would mark the wrong words)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("Russia deployed missiles on Iturup.\n", encoding="utf-8")
    assert ingest([inputs], folder).added
    stored = StoredEvidence.open(folder)
    (added,) = folder.glob("*.txt")
    if change == "removed":
        added.unlink()
    else:
        added.write_text("Iturup. Russia deployed missiles on Iturup.\n", encoding="utf-8")
    total, page = stored.passage_page("iturup", 100)  # the store still lists it until it is reopened
    assert total == stored.passage_count("iturup")
    (mine,) = [article for article in page if article.article.file == added.name]
    assert mine.passages[0].mentions == []


# --- The app on the store (KURIL_EVIDENCE=store) ---------------------------------------------------

from tests.test_app import args, click, notices, page_html, report, shown, start, widget  # noqa: E402


def comparable(at) -> dict:
    """What the component draws, but the counts tab (see test_panels_are_the_in_memory_panels)."""
    drawn = args(at)
    return {
        "panels": {place: COUNTS_TAB.sub("", html) for place, html in drawn["panels"].items()},
        "passages": drawn["passages"],
        "selected": drawn["selected"],
    }


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"place": "iturup"},
        {"place": "kunashir", "from": "2019-01"},
        {"place": "iturup", "event": "foreign-ministers-2019-moscow"},
        {"place": "shikotan", "view": "russia", "lang": "ru"},
    ],
)
def test_the_app_draws_from_the_store_what_it_draws_from_memory(monkeypatch, query: dict) -> None:
    monkeypatch.setenv("KURIL_EVIDENCE", "memory")
    memory = start(query)
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    stored = start(query)
    assert comparable(stored) == comparable(memory)
    # The same map (counts, labels, layers); its element ids name the corpus state, which differs.
    ids = re.compile(r"_[0-9a-f]{32}")
    assert ids.sub("_ID", args(stored)["map"]["script"]) == ids.sub("_ID", args(memory)["map"]["script"])


def test_the_app_on_the_store_filters_by_date_not_by_article_list(monkeypatch) -> None:
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start({"place": "iturup"})
    assert not [w for w in at.multiselect if w.label == "Articles"]
    assert any("read from the corpus's store" in c.value for c in at.caption)
    assert widget(at, "select_slider", "Articles published between").value == ("2013-11", "2019-05")
    widget(at, "select_slider", "Articles published between").set_value(("2019-05", "2019-05")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "land-to-air" not in shown(at) and "the islands of Iturup" in shown(at)
    widget(at, "select_slider", "Articles published between").set_value(("2013-11", "2013-11")).run()
    assert "No passage in the selected articles mentions" in shown(at)
    click(at, "kunashir")
    assert args(at)["selected"] == "kunashir"


def test_the_app_on_the_store_offers_what_it_can_export(monkeypatch) -> None:
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start({"place": "iturup"})
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Map picture (PNG)" in labels and "Map picture (SVG)" in labels
    assert not any(label.startswith(("Evidence map", "Data:")) for label in labels)
    assert any("kuril-explorer export-map" in c.value for c in at.caption)
    expander = next(e for e in at.expander if e.label.startswith("Candidate facts for review"))
    assert "facts --candidates" in "".join(c.value for c in expander.caption)


def test_the_app_on_the_store_pages_a_place_with_many_passages(monkeypatch, tmp_path: Path, user_corpus: Path) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    for n in range(40):
        (drafts / f"a{n:02d}.txt").write_text(
            f"MOSCOW, January {1 + n % 28}, 2021 (Reuters) - Report number {n} on a patrol near Iturup.\n",
            encoding="utf-8",
        )
    assert len(ingest([drafts], user_corpus).added) == 40
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start({"place": "iturup"})
    first = args(at)["passages"]["iturup"]
    assert first.count('class="kx-passage') == PAGE_SIZE and 'data-kx-more="iturup"' in first
    map_key = args(at)["map"]["key"]
    report(at, place="iturup", more="iturup")
    more = args(at)["passages"]["iturup"]
    assert more.count('class="kx-passage') == 44  # 40 reports and the four seed passages
    assert args(at)["map"]["key"] == map_key


def test_a_removed_article_leaves_the_store_without_a_rebuilt_index(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    """A removal deletes the article's rows from the index in place; the store, which extends itself by an
    ingest's new passages, must be built again from the index, not extended (it would keep the article)."""
    from explorer.corpus import search_index
    from explorer.corpus.metadata import load_ingested
    from explorer.corpus.removal import remove_article

    folder = tmp_path / "corpus"
    shutil.copytree(corpus, folder)
    stored = StoredEvidence.open(folder)  # the store, in step with the index
    counts = stored.passage_counts()
    place = max(counts, key=counts.__getitem__)
    ingested = {article.file for article in load_ingested(folder).articles}  # type: ignore[union-attr]
    removed = next(g.article.file for g in stored.passage_page(place, 1000)[1] if g.article.file in ingested)
    with monkeypatch.context() as patch:
        patch.setattr(search_index, "build_index", lambda *a, **k: pytest.fail("the index was rebuilt"))
        remove_article(folder, removed)
        stored = StoredEvidence.open(folder)
    memory = Evidence.load(folder)
    assert not stored.has_file(removed)
    assert removed not in {g.article.file for g in stored.passage_page(place, 1000)[1]}
    assert stored.passage_counts() == memory.passage_counts() != counts
    assert stored.months() == memory.months() and stored.outlets() == memory.outlets()
    for view, lang in (("neutral", "en"), ("russia", "ru")):
        memory_panels, memory_passages = all_panels(memory, view, lang)
        stored_panels, stored_passages = all_panels(stored, view, lang)  # type: ignore[arg-type]
        assert stored_passages == memory_passages
        assert {p: COUNTS_TAB.sub("", html) for p, html in stored_panels.items()} == {
            p: COUNTS_TAB.sub("", html) for p, html in memory_panels.items()
        }


def test_an_upload_reaches_the_store_at_once(monkeypatch, user_corpus: Path) -> None:
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start({"place": "iturup"})
    assert "Итурупе</mark>" not in shown(at)
    at.file_uploader(key="uploads").set_value(
        [("new.txt", "Новые ракеты на Итурупе, сообщили в Москве.\n".encode(), "text/plain")]
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Added new.txt" in notices(at)
    assert "Итурупе</mark>" in shown(at)


def test_the_search_box_shows_a_place_page_from_the_store(monkeypatch) -> None:
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start()
    widget(at, "text_input", "Search the passages (any language)").input("Etorofu").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Understood as the place Iturup / Etorofu" in notices(at)
    assert "land-to-air missile systems" in page_html(at)


def test_lesson_mode_runs_on_the_store(monkeypatch) -> None:
    from explorer.render.lesson import DEFAULT_LESSON, load_lesson

    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    lesson = load_lesson(DEFAULT_LESSON)
    monkeypatch.setenv("KURIL_EVIDENCE", "memory")
    memory = start({"lesson": lesson.id})
    monkeypatch.setenv("KURIL_EVIDENCE", "store")
    at = start({"lesson": lesson.id})
    assert args(at)["lesson"]["steps"] == args(memory)["lesson"]["steps"]
    report(at, step=2)
    assert args(at)["lesson"]["current"] == 2


@pytest.mark.parametrize("place", ["iturup", "disputed_islands", "habomai", "no_such_place"])
def test_the_kept_counts_per_article_are_the_scanned_ones(both, place: str) -> None:
    """Unfiltered, the articles with most passages come from a table kept at sync; filtered, from a
    scan: a filter that keeps every article gives the same list."""
    memory, stored = both
    every = frozenset(memory.files)
    assert stored.store is not None
    assert stored.store.source_counts(place, limit=7) == stored.store.source_counts(place, files=every, limit=7)


ISO_PREFIX = st.builds(
    lambda y, m, d, n: f"{y:04d}-{m:02d}-{d:02d}"[: (4, 7, 10)[n]],
    st.integers(1990, 2030),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 2),
)


@settings(max_examples=400, deadline=None)
@given(date=st.none() | ISO_PREFIX, date_from=st.none() | ISO_PREFIX, date_to=st.none() | ISO_PREFIX)
def test_the_stores_date_condition_is_overlaps(date, date_from, date_to) -> None:
    """The store filters dates in SQL (so a place's rows are read by a key range); it keeps exactly
    what explorer.text.dates.overlaps keeps, for both of its tables."""
    import sqlite3

    from explorer.corpus.evidence_store import sql_filters
    from explorer.text.dates import overlaps

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE o(undated INTEGER, date TEXT, file TEXT)")
    conn.execute("CREATE TABLE p(date TEXT, file TEXT)")
    conn.execute("INSERT INTO o VALUES (?, ?, 'f')", (int(date is None), date or ""))
    conn.execute("INSERT INTO p VALUES (?, 'f')", (date,))
    expected = overlaps(date, date_from, date_to)
    for table in ("o", "p"):
        where, params = sql_filters(table, (date_from, date_to), None)
        kept = conn.execute(f"SELECT count(*) FROM {table} WHERE 1{where}", params).fetchone()[0]
        assert kept == int(expected), (table, where)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        ([], None, "auto"),
        (["--evidence", "store"], None, "store"),
        (["--corpus", "x", "--evidence", "memory"], "store", "memory"),
        ([], "store", "store"),
        (["--evidence", "<script>"], None, "auto"),
        (["--evidence"], "nonsense", "auto"),
    ],
)
def test_the_evidence_option(monkeypatch, argv: list[str], env: str | None, expected: str) -> None:
    from explorer.app.page_frame import evidence_option

    if env is None:
        monkeypatch.delenv("KURIL_EVIDENCE", raising=False)
    else:
        monkeypatch.setenv("KURIL_EVIDENCE", env)
    assert evidence_option(argv) == expected


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ({"date_from": "2013"}, {"date_to": "2016-06"}),
        ({"date_from": "2014-02", "date_to": "2017"}, {"date_from": "2013", "date_to": "2016-05-14"}),
        ({"files": "reporting"}, {"date_from": "2019"}),
    ],
)
def test_filtering_twice_narrows_as_in_memory(both, first: dict, then: dict) -> None:
    memory, stored = (narrowed(narrowed(e, first), then) for e in both)
    assert stored.passage_counts() == memory.passage_counts()
    assert stored.timeline() == memory.timeline()
