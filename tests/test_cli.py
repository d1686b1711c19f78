"""The command-line contract: ``links`` and ``facts`` JSON, FILE arguments, messages for bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
LINK_KEYS = {"file", "place", "start", "end", "text", "kind", "alias", "rule", "passage"}
FACT_KEYS = {"id", "file", "what", "where", "when", "quote", "start", "end", "status"}


def explorer(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=cwd)


def test_links_json_contract(gazetteer) -> None:
    result = explorer("links", "--format", "json")
    assert result.returncode == 0, result.stderr
    links = json.loads(result.stdout)["links"]
    assert len(links) > 40
    texts = {p.name: p.read_bytes().decode("utf-8") for p in SEEDS.glob("*.txt")}
    for link in links:
        assert link.keys() >= LINK_KEYS
        assert texts[link["file"]][link["start"] : link["end"]] == link["text"]
        assert link["place"] in gazetteer
        assert link["kind"] in {"explicit", "implicit"}
        assert link["passage"].startswith(Path(link["file"]).stem + ":")


def test_links_table_is_readable() -> None:
    result = explorer("links")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[:4] == ["file", "span", "place", "kind"]
    assert "links in 5 files" in result.stdout


def test_links_takes_files_outside_the_corpus(tmp_path: Path) -> None:
    article = tmp_path / "mine.txt"
    article.write_text("Новые системы на Итурупе и на Кунашире.\n択捉島にも。", encoding="utf-8")
    result = explorer("links", str(article), "--format", "json")
    assert result.returncode == 0, result.stderr
    found = [(l["file"], l["place"], l["text"], l["rule"]) for l in json.loads(result.stdout)["links"]]
    assert found == [
        ("mine.txt", "iturup", "Итурупе", "case_form"),
        ("mine.txt", "kunashir", "Кунашире", "case_form"),
        ("mine.txt", "iturup", "択捉島", "script"),
    ]


def test_links_uses_corpus_metadata_for_corpus_files() -> None:
    result = explorer("links", str(SEEDS / "003_260243f7335ccbaa.txt"), "--format", "json")
    links = json.loads(result.stdout)["links"]
    assert {l["file"] for l in links} == {"003_260243f7335ccbaa.txt"}


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("latin1.txt", "Kunashiri café".encode("latin-1"), "not UTF-8"),
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02\x03PK", "binary"),
    ],
)
def test_bad_files_are_named_and_skipped(tmp_path: Path, name: str, content: bytes, phrase: str) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    good.write_text("Iturup.", encoding="utf-8")
    result = explorer("links", str(bad), str(good), "--format", "json")
    assert result.returncode == 1
    assert name in result.stderr and phrase in result.stderr
    assert "Traceback" not in result.stderr
    assert [l["file"] for l in json.loads(result.stdout)["links"]] == ["good.txt"]


def test_corpus_option_and_missing_corpus(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Shikotan and the Habomai islets", encoding="utf-8")
    result = explorer("links", "--corpus", str(tmp_path), "--format", "json")
    links = json.loads(result.stdout)["links"]
    # The user corpus is shown after the curated articles, which are always there.
    assert [l["place"] for l in links if l["file"] == "a.txt"] == ["shikotan", "habomai"]
    assert {l["file"] for l in links} == {"a.txt"} | {p.name for p in SEEDS.glob("*.txt")}
    missing = explorer("links", "--corpus", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "nope" in missing.stderr and "not a folder" in missing.stderr


def test_facts_json_contract() -> None:
    result = explorer("facts", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    texts = {p.name: p.read_bytes().decode("utf-8") for p in SEEDS.glob("*.txt")}
    assert data["facts"]
    for fact in data["facts"]:
        assert fact.keys() >= FACT_KEYS
        assert texts[fact["file"]][fact["start"] : fact["end"]] == fact["quote"]
        assert isinstance(fact["where"], list)
        assert fact["when"] is None or fact["when"][:4].isdigit()
    for pair in data["contradictions"]:
        assert {"a", "b", "why"} <= pair.keys()
        for side in (pair["a"], pair["b"]):
            assert side["quote"] in texts[side["file"]]


def test_facts_record_the_missile_disagreement() -> None:
    data = json.loads(explorer("facts", "--format", "json").stdout)
    quotes = {(c["a"]["quote"], c["b"]["quote"]) for c in data["contradictions"]}
    assert any(
        "land-to-air" in a and "surface-to-ship" in b or "surface-to-ship" in a and "land-to-air" in b
        for a, b in quotes
    )
    missiles = [f for f in data["facts"] if "land-to-air" in f["what"]]
    assert missiles and missiles[0]["when"] == "2016-11" and set(missiles[0]["where"]) == {"iturup", "kunashir"}


def test_facts_without_a_facts_file(tmp_path: Path) -> None:
    # A folder with its own sources.yaml is a complete corpus, shown instead of the curated seeds.
    (tmp_path / "sources.yaml").write_text("version: 1\narticles: []\n", encoding="utf-8")
    result = explorer("facts", "--corpus", str(tmp_path))
    assert result.returncode == 1 and "facts.yaml" in result.stderr


def test_links_command_imports_nothing_heavy() -> None:
    code = (
        "import sys, runpy; sys.argv=['explorer','links','--format','json'];"
        "import explorer.cli as c; c.main(sys.argv[1:]);"
        "heavy=[m for m in ('streamlit','geopandas','shapely','folium','pandas') if m in sys.modules];"
        "print('HEAVY', heavy, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in result.stderr, result.stderr[-500:]


def test_every_option_of_every_command_has_help() -> None:
    import argparse

    from explorer.cli import _parser

    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) >= {"validate", "build-geodata", "links", "facts"}
    for name, command in commands.choices.items():
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"
