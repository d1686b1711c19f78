"""Fact candidates: keyword rules, negation, hypotheticals, civilian uses, relative dates, counts,
curated overlap and candidate contradictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explorer.corpus.candidates import candidates, candidates_json, count_before, load_rules, resolve_when
from explorer.corpus.documents import load_document
from explorer.corpus.facts import load_facts
from explorer.data.paths import DEFAULT_CORPUS
from explorer.data.schema import Article


def doc(tmp_path: Path, text: str, date: str | None = "2017-03-20", name: str = "100_test.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    article = Article(file=name, date=date, date_status="printed", date_basis="test") if date else None
    return load_document(path, article)


def found(tmp_path, gazetteer, linker, text, date="2017-03-20"):
    rows, _ = candidates(doc(tmp_path, text, date), gazetteer, linker, None)
    return rows


def test_rules_are_data() -> None:
    rules = load_rules()
    assert rules.systems and rules.exclude and "moscow" in rules.ignore_places


@pytest.mark.parametrize(
    ("sentence", "category", "where", "when", "reported"),
    [
        (
            "In November, Bastion missile systems were deployed on Iturup.",
            "coastal_missile_system",
            ["iturup"],
            "2016-11",
            "deployed",
        ),
        (
            "Russia deployed S-300 air defence systems on Kunashir last year.",
            "air_defence",
            ["kunashir"],
            "2016",
            "deployed",
        ),
        ("A radar station was built on Shikotan earlier this month.", "radar", ["shikotan"], "2017-03", "deployed"),
        ("Russia plans to deploy a division on Iturup next year.", "troops", ["iturup"], "2018", "planned"),
        ("Troops held drills on Matua in November 2013.", "exercise", ["matua"], "2013-11", "held"),
        ("The destroyer arrived at Kunashir on May 10, 2019.", "warship", ["kunashir"], "2019-05-10", "arriving"),
        (
            "В ноябре на Итурупе были развернуты ракетные комплексы «Бал».",
            "coastal_missile_system",
            ["iturup"],
            "2016-11",
            "deployed",
        ),
        ("В прошлом году на Итурупе прошли учения.", "exercise", ["iturup"], "2016", "held"),
        (
            "ロシア軍は11月、択捉島に地対艦ミサイルを配備した。",
            "coastal_missile_system",
            ["iturup"],
            "2016-11",
            "deployed",
        ),
        ("昨年、国後島で演習を実施した。", "exercise", ["kunashir"], "2016", "held"),
    ],
)
def test_candidate_sentences(tmp_path, gazetteer, linker, sentence, category, where, when, reported) -> None:
    rows = found(tmp_path, gazetteer, linker, sentence)
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["category"], row["where"], row["when"], row["reported_status"]) == (category, where, when, reported)
    assert row["status"] == "candidate"
    assert row["id"] == f"candidate.100_test.{row['start']}"
    assert sentence[row["start"] : row["end"]] == row["quote"] == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "No new units were reported on Iturup.",  # negation
        "Russia has not deployed missiles on Kunashir.",
        "Russia didn't deploy missiles on Kunashir.",
        "Russia never stationed troops on Shikotan.",
        "На Итурупе не было новых ракетных комплексов.",
        "択捉島にミサイルは配備されていない。",
        "Russia could deploy missiles on Iturup.",  # hypothetical
        "Russia may deploy missiles on Iturup.",
        "Missiles on Iturup would threaten Japan.",
        "Россия могла бы разместить ракеты на Итурупе.",
        "Fishing boats left Kunashir as the destroyer passed.",  # civilian
        "The museum ship on Iturup is an old destroyer.",
        "The airport on Iturup can take troops.",
        "Tourism on Kunashir grows despite the base.",
        "Moscow deployed missiles.",  # Moscow is ignored as a place: no place left
        "The islands were quiet.",  # no place, no system
    ],
)
def test_not_candidates(tmp_path, gazetteer, linker, sentence) -> None:
    assert found(tmp_path, gazetteer, linker, sentence) == []


def test_relative_dates() -> None:
    assert resolve_when("In November, ...", "2017-03-20").when == "2016-11"
    assert "most recent November" in resolve_when("In November, ...", "2017-03-20").basis
    assert resolve_when("will deploy in November", "2017-03-20", future=True).when == "2017-11"
    assert resolve_when("earlier this month", "2017-03-20").when == "2017-03"
    assert resolve_when("last month", "2017-01-05").when == "2016-12"
    assert resolve_when("next year", "2017-03").when == "2018"
    assert resolve_when("в ноябре", "2017-03").when == "2016-11"
    assert resolve_when("в этом году", "2019-05-10").when == "2019"
    assert resolve_when("11月", "2017-03-20").when == "2016-11"
    assert resolve_when("先月", "2017-03-20").when == "2017-02"
    assert resolve_when("2016年11月22日", None).when == "2016-11-22"
    assert resolve_when("10 мая 2019", None).when == "2019-05-10"
    assert resolve_when("on March 18", "2017-03-20").when == "2017-03-18"
    unresolved = resolve_when("In November", None)
    assert unresolved.when is None and "cannot be resolved" in unresolved.basis
    assert resolve_when("in 2016", None).when == "2016"
    assert resolve_when("They may come.", "2017-03").when is None


def test_counts() -> None:
    def count(sentence: str, keyword: str) -> int | None:
        start = sentence.index(keyword)
        return count_before(sentence, start, start + len(keyword))

    assert count("Russia sent two divisions to Iturup.", "divisions") == 2
    assert count("Russia placed 4 launchers on Iturup.", "launchers") == 4
    assert count("They sent 1,200 troops.", "troops") == 1200
    assert count("Россия разместила две дивизии на Итурупе.", "дивизии") == 2
    assert count("択捉島にミサイル4基を配備", "ミサイル") == 4
    assert count("In 2016 missiles arrived.", "missiles") is None
    assert count("S-300 missiles arrived.", "missiles") is None
    assert count("Missiles arrived.", "Missiles") is None


def test_curated_sentences_are_not_candidates(tmp_path, gazetteer, linker) -> None:
    curated = load_facts(DEFAULT_CORPUS)
    seed = load_document(
        DEFAULT_CORPUS / "000_bfc62806fc5b3d83.txt",
        Article(file="000_bfc62806fc5b3d83.txt", date="2017-03-20", date_status="printed", date_basis="t"),
    )
    with_curated, _ = candidates(seed, gazetteer, linker, curated)
    without, _ = candidates(seed, gazetteer, linker, None)
    quote = "In November, land-to-air missile systems were deployed on Etorofu and Kunashiri"
    assert any(quote in row["quote"] for row in without)
    assert not any(quote in row["quote"] for row in with_curated)
    first = next(row for row in without if quote in row["quote"])
    assert first["when"] == "2016-11" and set(first["where"]) >= {"iturup", "kunashir"}


def test_contradictions_with_curated(tmp_path, gazetteer, linker) -> None:
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, folder, ignore=shutil.ignore_patterns(".*"))
    (folder / "100_a.txt").write_text(
        "Radars on Iturup\n\nIn November 2016, Bastion coastal missile systems were deployed on Iturup.",
        encoding="utf-8",
    )
    (folder / "101_b.txt").write_text(
        "Iturup\n\nTwo divisions were stationed on Iturup in March 2018.\n\n"
        "In September 2018, three divisions were stationed on Iturup.",
        encoding="utf-8",
    )
    data = candidates_json(None, folder)
    assert all(row["status"] == "candidate" for row in data["facts"])
    whys = [(c["a"]["file"], c["b"]["file"], c["why"]) for c in data["contradictions"]]
    # The candidate says coastal (surface-to-ship) missiles; curated 000 says land-to-air (air defence), same month.
    assert any(a == "100_a.txt" and b == "000_bfc62806fc5b3d83.txt" and "air_defence" in why for a, b, why in whys), (
        whys
    )
    assert any(a == b == "101_b.txt" and "dates it" in why for a, b, why in whys), whys
    for pair in data["contradictions"]:
        assert set(pair) >= {"a", "b", "why"} and set(pair["a"]) >= {"file", "quote"}


def test_seed_candidates_json_shape() -> None:
    data = candidates_json(None, DEFAULT_CORPUS)
    keys = {
        "id",
        "file",
        "what",
        "category",
        "where",
        "when",
        "when_precision",
        "when_basis",
        "count",
        "status",
        "reported_status",
        "quote",
        "prefix",
        "suffix",
        "start",
        "end",
    }
    for row in data["facts"]:
        assert keys <= set(row)
        text = (DEFAULT_CORPUS / row["file"]).read_text(encoding="utf-8")
        assert text[row["start"] : row["end"]] == row["quote"]
