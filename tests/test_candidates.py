"""Fact candidates: keyword rules, negation, hypotheticals, civilian uses, relative dates, counts,
curated overlap and candidate contradictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
        ("Troops held drills on Matua in November 2013.", "exercise", ["matua"], "2013-11", "exercise"),
        ("The destroyer arrived at Kunashir on May 10, 2019.", "warship", ["kunashir"], "2019-05-10", "arriving"),
        (
            "В ноябре на Итурупе были развернуты ракетные комплексы «Бал».",
            "coastal_missile_system",
            ["iturup"],
            "2016-11",
            "deployed",
        ),
        ("В прошлом году на Итурупе прошли учения.", "exercise", ["iturup"], "2016", "exercise"),
        (
            "ロシア軍は11月、択捉島に地対艦ミサイルを配備した。",
            "coastal_missile_system",
            ["iturup"],
            "2016-11",
            "deployed",
        ),
        ("昨年、国後島で演習を実施した。", "exercise", ["kunashir"], "2016", "exercise"),
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


# --- Dates, systems, predicates and exclusions for new articles -----------------------------------------


@pytest.mark.parametrize(
    ("phrase", "article", "future", "when", "precision"),
    [
        ("in early March", "2026-03-12", False, "2026-03", "month"),
        ("in mid-December", "2026-01-05", False, "2025-12", "month"),
        ("in November last year", "2026-01-09", False, "2025-11", "month"),
        ("в ноябре прошлого года", "2026-01-15", False, "2025-11", "month"),
        ("в конце октября прошлого года", "2026-01-22", False, "2025-10", "month"),
        ("в начале марта", "2026-03-14", False, "2026-03", "month"),
        ("во второй половине февраля", "2026-02-03", True, "2026-02", "month"),
        ("昨年12月に配備", "2026-01-10", False, "2025-12", "month"),
        ("今月上旬", "2026-03-15", False, "2026-03", "month"),
        ("1月下旬に搬入", "2026-02-19", False, "2026-01", "month"),
        ("令和7年12月", None, False, "2025-12", "month"),
        ("平成28年", None, False, "2016", "year"),
        ("on Monday", "2026-04-02", False, "2026-03-30", "day"),
        ("в понедельник", "2026-04-02", False, "2026-03-30", "day"),
        ("will arrive on Monday", "2026-04-02", True, "2026-04-06", "day"),
        ("three days ago", "2026-01-10", False, "2026-01-07", "day"),
        ("5 дней назад", "2026-01-10", False, "2026-01-05", "day"),
        ("3日前", "2026-01-10", False, "2026-01-07", "day"),
        ("18日、発表した", "2026-02-19", False, "2026-02-18", "day"),
        ("25日、発表した", "2026-02-19", False, "2026-01-25", "day"),
    ],
)
def test_more_relative_dates(phrase, article, future, when, precision) -> None:
    found = resolve_when(phrase, article, future=future)
    assert (found.when, found.precision) == (when, precision), found
    assert found.basis


def test_relative_dates_without_an_article_date_stay_unknown() -> None:
    for phrase in ("in early March", "в ноябре прошлого года", "今月上旬", "on Monday", "three days ago"):
        assert resolve_when(phrase, None).when is None, phrase


@given(st.text(max_size=120), st.sampled_from([None, "2026-01-10", "2026-03", "2026"]), st.booleans())
def test_resolve_when_never_raises(text, article, future) -> None:
    found = resolve_when(text, article, future=future)
    assert found.precision in {"day", "month", "year", "unknown"}


@pytest.mark.parametrize(
    ("sentence", "category", "count"),
    [
        ("Russia has placed two battalions of S-300V4 air defence systems on combat duty on Iturup.", "air_defence", 2),
        ("ロシア国防省は、地対空ミサイル「Ｓ３００Ｖ４」の３個大隊が択捉島に展開したと報じた。", "air_defence", 3),
        ("Звено истребителей Су-35 перебазировано на остров Итуруп.", "fighter_aircraft", None),
        ("A border post was built on Kunashir.", "border_post", None),
        ("Russia's Pacific Fleet began an exercise near Matua with warships.", "exercise", None),
    ],
)
def test_systems_gazetteer_categories_and_counts(tmp_path, gazetteer, linker, sentence, category, count) -> None:
    rows = found(tmp_path, gazetteer, linker, sentence, "2026-03-12")
    assert [(row["category"], row["count"]) for row in rows] == [(category, count)]


@pytest.mark.parametrize(
    "sentence",
    [
        "Troops on Iturup held a ski relay race on Sunday.",  # daily life
        "The garrison on Shikotan opened a new school and a bakery.",
        "Военнослужащие гарнизона на Итурупе провели турнир по мини-футболу.",
        "色丹島の部隊で、住民向けの病院が開業した。",
        "Japan protested against the missiles on Kunashir.",  # a protest alone: no deployment predicate
        "The S-400 is a Russian air defence system; Iturup is an island.",  # no predicate
    ],
)
def test_daily_life_and_predicate_less_sentences_are_not_candidates(tmp_path, gazetteer, linker, sentence) -> None:
    assert found(tmp_path, gazetteer, linker, sentence, "2026-03-12") == []


def test_a_feature_or_an_anaphor_gives_the_place(tmp_path, gazetteer, linker) -> None:
    rows = found(
        tmp_path,
        gazetteer,
        linker,
        "Russia placed missiles on Iturup.\nThe launchers were deployed near Burevestnik airfield.\n"
        "More launchers were deployed on the island in March.",
        "2026-03-12",
    )
    assert [sorted(set(row["where"]) & {"iturup"}) for row in rows] == [["iturup"]] * 3


def test_exercises_are_not_compared_and_agreeing_accounts_are_not_flagged() -> None:
    from explorer.corpus.candidates import contradictions

    def row(file, category, when, count=None, start=0):
        return {"id": f"{file}.{start}", "file": file, "start": start, "end": start + 10, "what": category,
                "category": category, "where": ["matua"], "when": when, "count": count, "quote": "q", "specific": True}  # fmt: skip

    exercises = [row("a", "exercise", "2026-02"), row("b", "exercise", "2026-03-30")]
    assert contradictions(exercises) == []
    agreeing = [row("a", "air_defence", "2026-03", 2), row("b", "air_defence", "2026-03-12", 2)]
    assert contradictions(agreeing) == []
    counts = [row("a", "air_defence", "2026-03", 2), row("b", "air_defence", "2026-03", 3)]
    assert [c["why"] for c in contradictions(counts)] == ["a counts 2; b counts 3"]
