"""The user's corpus apart from the curated data: every command and the app read both, labelled,
and write only to the user corpus (``--corpus``/``KURIL_CORPUS``/the user data folder)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.corpus.documents import CURATED, USER, load_corpus
from explorer.corpus.ingest import ingest
from explorer.corpus.removal import remove_article
from explorer.data.errors import DataError
from explorer.data.paths import CURATED_CORPUS, CURATED_ROOT, INGESTED_FILE

ROOT = Path(__file__).resolve().parents[1]
SEED_NAMES = sorted(p.name for p in CURATED_CORPUS.glob("*.txt"))
NEW = "Lighthouse on Shikotan\n\nA new lighthouse was built on Shikotan, the garrison's paper said.\n"


def tree_bytes(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder`` (hidden ones too), links followed: files by content, folders as None."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.resolve().rglob("*")):
        found[str(path.relative_to(folder.resolve()))] = path.read_bytes() if path.is_file() else None
    return found


def explorer(*args: str, env_corpus: Path | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ)
    if env_corpus is not None:
        env["KURIL_CORPUS"] = str(env_corpus)
    return subprocess.run(
        [sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


@pytest.fixture()
def article(tmp_path: Path) -> Path:
    path = tmp_path / "inbox" / "radar.txt"
    path.parent.mkdir()
    path.write_text(NEW, encoding="utf-8")
    return path


def test_ingest_by_default_writes_the_user_corpus_and_never_the_curated(user_corpus: Path, article: Path) -> None:
    before = {name: tree_bytes(CURATED_ROOT / name) for name in ("seeds", "geodata", "lessons")}
    result = explorer("ingest", str(article))  # no --corpus: $KURIL_CORPUS (the fixture's empty folder)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout
    search = explorer("search", "lighthouse", "--format", "json")
    assert search.returncode == 0, search.stderr
    assert {hit["file"].split("_")[0] for hit in json.loads(search.stdout)["hits"]} == {"005"}
    assert {name: tree_bytes(CURATED_ROOT / name) for name in before} == before
    added = sorted(p.name for p in user_corpus.glob("*.txt"))
    assert len(added) == 1 and added[0].startswith("005_")  # numbered after the curated 000-004
    assert (user_corpus / INGESTED_FILE).exists() and (user_corpus / ".cache" / "search.sqlite3").exists()


def test_the_explorer_shows_both_each_labelled(user_corpus: Path, article: Path) -> None:
    report = ingest([article], user_corpus, update_index=False)
    corpus = load_corpus()
    assert [doc.file for doc in corpus.documents] == [*SEED_NAMES, report.added[0].file]
    assert [doc.origin for doc in corpus.documents] == [CURATED] * len(SEED_NAMES) + [USER]
    assert corpus.facts_folder == CURATED_CORPUS and corpus.folder == user_corpus and not corpus.problems
    from explorer.evidence import Evidence
    from explorer.render.evidence_html import article_label

    evidence = Evidence.load()
    labels = {doc.file: article_label(doc) for doc in evidence.corpus.documents}
    assert labels[report.added[0].file].endswith("· your article")
    assert all(labels[name].endswith("· curated") for name in SEED_NAMES)
    assert evidence.facts is not None and {a.file for _, a in evidence.facts.accounts()} <= set(SEED_NAMES)
    assert any(a.document.file == report.added[0].file for a in evidence.articles_for("shikotan"))


def test_a_curated_text_is_a_duplicate_and_the_curated_folder_is_refused(user_corpus: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes((CURATED_CORPUS / SEED_NAMES[0]).read_bytes())
    report = ingest([copy], user_corpus, update_index=False)
    assert not report.added and "curated" in report.skipped[0].reason and SEED_NAMES[0] in report.skipped[0].reason
    for target in (CURATED_CORPUS, ROOT / "seeds", CURATED_ROOT):
        result = explorer("ingest", str(copy), "--corpus", str(target))
        assert result.returncode == 1 and "curated data" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(DataError, match="curated"):
        remove_article(CURATED_CORPUS, SEED_NAMES[0])


def test_a_user_file_named_like_a_curated_one_is_reported_not_shown(user_corpus: Path) -> None:
    (user_corpus / SEED_NAMES[0]).write_text("Iturup, but not the curated text.", encoding="utf-8")
    (user_corpus / "mine.txt").write_bytes((CURATED_CORPUS / SEED_NAMES[1]).read_bytes())
    corpus = load_corpus()
    assert [doc.file for doc in corpus.documents] == SEED_NAMES
    assert all(doc.origin == CURATED for doc in corpus.documents)
    messages = sorted(str(problem) for problem in corpus.problems)
    assert any(SEED_NAMES[0] in m and "same name as the curated" in m for m in messages)
    assert any("mine.txt" in m and "same text as the curated" in m for m in messages)
    from explorer.corpus.search_index import search

    # Search shows what load_corpus shows: the curated article, not the user's copy or namesake.
    hits = search(user_corpus, "Iturup", limit=500)
    assert hits and {hit.file for hit in hits} <= set(SEED_NAMES)
    assert {hit.file for hit in search(user_corpus, "curated text")} == set()


COMMANDS = {
    "validate": [],
    "links": ["--format", "json"],
    "facts": ["--format", "json"],
    "facts --candidates": ["--candidates", "--format", "json"],
    "ingest": ["{article}"],
    "search": ["lighthouse"],
    "export-map": ["{out}/map.html"],
    "export": ["--format", "csv-links", "{out}/links.csv"],
    "export-picture": ["{out}/map.svg"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_honours_kuril_corpus(command: str, tmp_path: Path, article: Path) -> None:
    """Pointing KURIL_CORPUS at a file (not a folder) makes every corpus command say so, naming it."""
    not_a_folder = tmp_path / "corpus-is-a-file"
    not_a_folder.write_text("", encoding="utf-8")
    args = [a.format(article=article, out=tmp_path) for a in COMMANDS[command]]
    result = explorer(command.split()[0], *args, env_corpus=not_a_folder)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert str(not_a_folder) in result.stderr and "not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_user_article_reaches_every_reader(tmp_path: Path, article: Path) -> None:
    """Through ``--corpus``: links, validate, search, candidates and the exports all see the user article."""
    corpus = tmp_path / "mine"
    corpus.mkdir()
    assert explorer("ingest", str(article), "--corpus", str(corpus)).returncode == 0
    name = next(corpus.glob("*.txt")).name
    links = json.loads(explorer("links", "--corpus", str(corpus), "--format", "json").stdout)["links"]
    assert {l["file"] for l in links} >= {name, *SEED_NAMES}
    validate = explorer("validate", "--corpus", str(corpus))
    assert validate.returncode == 0 and "1 user articles" in validate.stdout, validate.stderr
    assert name in explorer("search", "lighthouse", "--corpus", str(corpus)).stdout
    out = tmp_path / "all"
    assert explorer("export", "--format", "all", str(out), "--corpus", str(corpus)).returncode == 0
    assert name in (out / "kuril-explorer.links.csv").read_text(encoding="utf-8")
    assert explorer("export-map", str(tmp_path / "m.html"), "--corpus", str(corpus)).returncode == 0
    assert "Lighthouse on Shikotan" in (tmp_path / "m.html").read_text(encoding="utf-8")


def test_remove_article_drops_the_file_and_its_metadata(user_corpus: Path, article: Path) -> None:
    name = ingest([article], user_corpus, update_index=False).added[0].file
    for bad in ("../x.txt", ".hidden.txt", "sources.yaml", "nope.txt"):
        with pytest.raises(DataError):
            remove_article(user_corpus, bad)
    remove_article(user_corpus, name)
    assert not (user_corpus / name).exists()
    assert name not in (user_corpus / INGESTED_FILE).read_text(encoding="utf-8")
    assert [doc.file for doc in load_corpus().documents] == SEED_NAMES


def test_app_upload_then_remove_after_confirmation(user_corpus: Path) -> None:
    from streamlit.testing.v1 import AppTest

    before = tree_bytes(CURATED_CORPUS)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.file_uploader(key="uploads").set_value([("radar.txt", NEW.encode(), "text/plain")]).run()
    assert not at.exception, [e.value for e in at.exception]
    name = next(user_corpus.glob("*.txt")).name
    assert tree_bytes(CURATED_CORPUS) == before
    at.run()  # the reloaded corpus lists the article as the user's, removable
    assert any(name in t.value for t in at.text)
    at.button(key=f"remove_{name}").click().run()
    assert (user_corpus / name).exists()  # one click only asks
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key=f"remove_yes_{name}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not (user_corpus / name).exists()
    assert any(name in s.value and "Removed" in s.value for s in at.success)
    assert tree_bytes(CURATED_CORPUS) == before
