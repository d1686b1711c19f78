"""Ingest: bad inputs refused by name, curated files untouched, duplicates recognized, atomic writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from explorer.corpus import ingest as ingest_module
from explorer.corpus.documents import load_corpus
from explorer.corpus.ingest import INGESTED_FILE, html_to_text, ingest, load_ingested, normalize_text
from explorer.data.errors import DataError
from explorer.data.paths import DEFAULT_CORPUS

GOOD_EN = "Missiles on Iturup\n\nRussia deployed Bastion missile systems on Iturup in November, officials said.\n"
GOOD_RU = "Ракеты на Итуруп\n\nВ ноябре на Итурупе были развернуты ракетные комплексы «Бастион».\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Bytes of every curated file (sources, facts, seed articles)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file()
        and p.name != INGESTED_FILE
        and (p.suffix == ".yaml" or p.name in {q.name for q in DEFAULT_CORPUS.glob("*.txt")})
    }


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


BAD_INPUTS = {
    "latin1.txt": ("Caf\xe9 on Iturup".encode("latin-1"), "is not UTF-8"),
    "empty.txt": (b"", "is empty"),
    "blank.txt": (b"   \n\n  ", "is empty"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    "huge.txt": (b"Iturup " * 300, "too large"),
    "script.html": (
        b"<html><body><script>" + b"var a = 1;" * 80 + b"</script><p>Hi Iturup</p></body></html>",
        "mostly script",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_refused_and_rest_of_batch_ingested(corpus: Path, tmp_path: Path, name: str) -> None:
    data, message = BAD_INPUTS[name]
    before = snapshot(corpus)
    bad = write(tmp_path / "in" / name, data)
    good = write(tmp_path / "in" / "zz_good.txt", GOOD_EN)
    report = ingest([bad, good], corpus, max_bytes=1000, update_index=False)
    assert [str(err.file) for err in report.refused] == [str(bad)]
    assert message in report.refused[0].problem
    assert str(bad) in str(report.refused[0])  # the message names the file
    assert [a.source for a in report.added] == [str(good)]
    assert report.exit_code == 1
    assert snapshot(corpus) == before
    assert len(load_corpus(corpus).documents) == 6


def test_declared_encoding_accepts_legacy_text(corpus: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "cp1251.txt", GOOD_RU.encode("cp1251"))
    assert ingest([path], corpus, update_index=False).refused
    report = ingest([path], corpus, encoding="cp1251", update_index=False)
    assert len(report.added) == 1 and not report.refused
    assert (corpus / report.added[0].file).read_text(encoding="utf-8") == normalize_text(GOOD_RU)


def test_directory_recursed_for_txt_and_html(corpus: Path, tmp_path: Path) -> None:
    write(tmp_path / "in" / "a.txt", GOOD_EN)
    write(tmp_path / "in" / "sub" / "b.HTML", f"<html><body><p>{GOOD_RU}</p></body></html>")
    write(tmp_path / "in" / "notes.md", "ignored")
    write(tmp_path / "in" / ".hidden" / "c.txt", "ignored too")
    report = ingest([tmp_path / "in"], corpus, update_index=False)
    assert sorted(Path(a.source).name for a in report.added) == ["a.txt", "b.HTML"]
    assert report.exit_code == 0


def test_same_article_twice_is_not_duplicated(corpus: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "a.txt", GOOD_EN)
    copy = write(tmp_path / "b.txt", GOOD_EN.replace("\n", "\r\n") + "\n\n")  # same text once normalized
    report = ingest([first, copy], corpus, update_index=False)
    assert len(report.added) == 1
    added = report.added[0].file
    assert report.skipped[0].file == added
    again = ingest([first], corpus, update_index=False)
    assert not again.added
    assert again.skipped[0].reason == f"already in corpus as {added}"
    assert added.startswith("005_") and added == f"005_{report.added[0].id}.txt"
    entries = load_ingested(corpus).articles
    assert [a.file for a in entries] == [added]


def test_a_curated_article_is_recognized(corpus: Path, tmp_path: Path) -> None:
    seed = sorted(DEFAULT_CORPUS.glob("*.txt"))[0]
    report = ingest([seed], corpus, update_index=False)
    assert not report.added
    assert report.skipped[0].reason == f"already in corpus as {seed.name}"


def test_metadata_written_separately(corpus: Path, tmp_path: Path) -> None:
    before = snapshot(corpus)
    page = write(
        tmp_path / "p.html",
        """<!doctype html><html lang="en"><head><title>T | Site</title>
        <meta property="og:site_name" content="Kyodo"><meta property="article:published_time" content="2016-11-22T09:00:00Z">
        </head><body><h1>Missiles deployed on Kunashir</h1><p>Russia deployed Bal missile systems on Kunashir.</p></body></html>""",
    )
    ja = write(
        tmp_path / "ja.txt", "択捉島に地対艦ミサイルを配備\n\nロシア国防省は択捉島にミサイルを配備したと発表した。"
    )
    report = ingest([page, ja], corpus, metadata={"note": "batch 1"}, update_index=False)
    assert snapshot(corpus) == before
    articles = {a.file: a for a in load_ingested(corpus).articles}
    html_article = articles[report.added[0].file]
    assert html_article.headline == "Missiles deployed on Kunashir"
    assert (
        html_article.outlet == "Kyodo" and html_article.date == "2016-11-22" and html_article.date_status == "printed"
    )
    assert html_article.language == "en" and html_article.note == "batch 1"
    assert articles[report.added[1].file].language == "ja"
    assert articles[report.added[1].file].outlet is None


def test_bad_metadata_is_a_usage_error(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown metadata"):
        ingest([write(tmp_path / "a.txt", GOOD_EN)], corpus, metadata={"colour": "red"})
    with pytest.raises(ValueError, match="invalid metadata"):
        ingest([write(tmp_path / "a.txt", GOOD_EN)], corpus, metadata={"date": "March 2017"})


def test_html_stripping() -> None:
    page = html_to_text(
        "<html><head><title>Title</title><style>p{}</style></head><body>"
        "<script>document.write('<p>no</p>')</script><noscript>Enable JS</noscript><template><p>tpl</p></template>"
        "<h1>Head&amp;line</h1><p>One &laquo;two&raquo;\n   three</p><div>Four<br>five</div>"
        "<ul><li>a</li><li>b</li></ul><pre>x\n  y</pre></body></html>"
    )
    assert (
        page.text == "Head&line\n\nOne «two» three\n\nFour\nfive\n\na\n\nb\n\nx\ny"
    )  # <pre> keeps its lines (not their indentation)
    assert page.title == "Title" and page.h1 == "Head&line"
    assert "no" not in page.text.split() and "Enable" not in page.text and "tpl" not in page.text


def test_interrupted_ingest_leaves_whole_articles(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    before = snapshot(corpus)
    inputs = [
        write(tmp_path / f"in{i}.txt", f"Article {i} on Iturup\n\nRussia deployed {i} missiles on Iturup.")
        for i in range(5)
    ]
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(ingest_module.os, "replace", failing_replace)
    with pytest.raises(DataError, match="cannot be written"):
        ingest(inputs, corpus, update_index=False)
    monkeypatch.setattr(ingest_module.os, "replace", real_replace)

    assert snapshot(corpus) == before
    assert not [p for p in corpus.iterdir() if p.name.startswith(".ingest-")]
    loaded = load_corpus(corpus)
    assert not loaded.problems
    expected = {normalize_text(p.read_text()) for p in inputs}
    new = [d for d in loaded.documents if d.file not in before]
    assert len(new) == 2 and all(d.text in expected for d in new)  # whole articles only

    report = ingest(inputs, corpus, update_index=False)  # resume: the two are recognized
    assert len(report.skipped) == 2 and len(report.added) == 3
    assert len(load_ingested(corpus).articles) == 5
    assert snapshot(corpus) == before


def test_article_without_metadata_is_reconciled(corpus: Path, tmp_path: Path) -> None:
    report = ingest([write(tmp_path / "a.txt", GOOD_EN)], corpus, update_index=False)
    (corpus / INGESTED_FILE).unlink()  # as if the ingest died between the article and its metadata
    assert load_corpus(corpus).document(report.added[0].file) is not None  # still a valid article
    again = ingest([write(tmp_path / "b.txt", GOOD_RU)], corpus, update_index=False)
    assert any("rebuilt" in note for note in again.notes)
    files = [a.file for a in load_ingested(corpus).articles]
    assert files == [report.added[0].file, again.added[0].file]


@pytest.mark.parametrize("in_flight", [3, ingest_module.IN_FLIGHT], ids=["windows of 3", "one window"])
def test_parallel_ingest_matches_serial(corpus: Path, tmp_path: Path, monkeypatch, in_flight: int) -> None:
    """The worker processes get the articles a window at a time (their results wait in memory): the
    articles, their order and their names are those of a serial ingest."""
    monkeypatch.setattr(ingest_module, "IN_FLIGHT", in_flight)
    texts = [GOOD_EN, GOOD_RU, "択捉島で演習\n\nロシア軍は択捉島で演習を実施した。"] * 4
    inputs = [write(tmp_path / "in" / f"{i}.txt", t + f"\n\nItem {i}.") for i, t in enumerate(texts)]
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    serial = ingest(inputs, corpus, jobs=1)
    parallel = ingest(inputs, other, jobs=2)
    assert len(parallel.added) == len(texts)
    assert [a.file for a in serial.added] == [a.file for a in parallel.added]
    from explorer.corpus.search_index import search

    assert [h.passage for h in search(corpus, "Итуруп")] == [h.passage for h in search(other, "Итуруп")]


def test_batch_links_match_the_cli_path(tmp_path: Path, linker) -> None:
    """Linking in worker processes (the batch / cluster path) gives the links the `links` command gives."""
    from explorer.corpus.documents import load_document
    from explorer.corpus.search_index import article_rows

    texts = [p.read_text(encoding="utf-8") for p in sorted(DEFAULT_CORPUS.glob("*.txt"))]
    texts += [GOOD_EN, GOOD_RU, "択捉島に地対艦ミサイルを配備\n\n国後島と色丹島、歯舞群島。"]
    inputs = [write(tmp_path / "in" / f"{i:03d}.txt", normalize_text(t)) for i, t in enumerate(texts)]
    options = ingest_module.Options()
    batch = list(ingest_module.prepare_all(inputs, options, jobs=2, gazetteer=str(ingest_module.GAZETTEER_PATH)))
    assert all(status == "ok" for status, _ in batch)
    for path, (_, prepared) in zip(inputs, batch, strict=True):
        document = load_document(path)  # what the CLI does: load_document, then Linker.link
        from explorer.text.passages import split_passages

        passages = split_passages(document.text, "_", prepared.fields.get("headline"))
        links = linker.link(document.text, document.file, passages)
        expected: dict[str, set[str]] = {}
        for link in links:
            expected.setdefault(link.passage.split(":", 1)[1], set()).add(link.place)
        got = {row[0]: set(row[5].split()) for row in prepared.rows if row[5]}
        assert got == expected, path
        assert prepared.rows == article_rows(document.text, prepared.fields.get("headline"), linker)
