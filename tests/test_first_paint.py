"""The first paint: keys that change with every input, saved files that are checked before use, and
the page drawn from one (AppTest) matching the page's own."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from test_app import start

from explorer.app import first_paint

ROOT = Path(__file__).resolve().parents[1]
VALID = {
    "map": {"key": "k"},
    "assets": {"js": [], "css": []},
    "panels": {},
    "passages": {},
    "labels": {},
    "covered": {},
}


def _article(folder: Path, name: str, text: str = "Iturup and Kunashir.\n") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_key_is_stable_while_nothing_changes(tmp_path):
    _article(tmp_path, "010_a.txt")
    assert first_paint.state_key(tmp_path, "neutral", "en", False) == first_paint.state_key(
        tmp_path, "neutral", "en", False
    )


@pytest.mark.parametrize(
    "other",
    [("japan", "en", False), ("neutral", "ja", False), ("neutral", "en", True), ("russia", "both", False)],
)
def test_the_key_changes_with_the_state(tmp_path, other):
    assert first_paint.state_key(tmp_path, "neutral", "en", False) != first_paint.state_key(tmp_path, *other)


@pytest.mark.parametrize("change", ["add", "edit", "remove"])
def test_the_key_changes_with_the_corpus(tmp_path, change):
    article = _article(tmp_path, "010_a.txt")
    before = first_paint.state_key(tmp_path, "neutral", "en", False)
    if change == "add":
        _article(tmp_path, "011_b.txt")
    elif change == "edit":
        article.write_text("Shikotan, a longer text.\n", encoding="utf-8")
        os.utime(article, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    else:
        article.unlink()
    assert first_paint.state_key(tmp_path, "neutral", "en", False) != before


@pytest.mark.parametrize("change", ["add", "remove", "replace", "ingested"])
def test_a_big_corpus_keys_on_names_and_metadata(tmp_path, monkeypatch, change):
    """Above STAT_EACH_UP_TO files the key does not stat every article: what ingest and removal do
    (add, remove, rename into place, rewrite ingested.yaml) still changes it."""
    monkeypatch.setattr(first_paint, "STAT_EACH_UP_TO", 1)
    article = _article(tmp_path, "010_a.txt")
    _article(tmp_path, "011_b.txt")
    (tmp_path / "ingested.yaml").write_text("articles: []\n", encoding="utf-8")
    before = first_paint.state_key(tmp_path, "neutral", "en", False)
    if change == "add":
        _article(tmp_path, "012_c.txt")
    elif change == "remove":
        article.unlink()
    elif change == "replace":
        replacement = _article(tmp_path, ".010_a.txt.tmp")
        os.replace(replacement, article)
    else:
        (tmp_path / "ingested.yaml").write_text("articles: []\n# more\n", encoding="utf-8")
    assert first_paint.state_key(tmp_path, "neutral", "en", False) != before


def test_the_key_differs_between_corpus_folders(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert first_paint.state_key(one, "neutral", "en", False) != first_paint.state_key(two, "neutral", "en", False)


def test_a_saved_paint_is_read_back(tmp_path):
    data = json.dumps(VALID)
    first_paint.save("abc", data, tmp_path)
    assert first_paint.load("abc", tmp_path) == (data, VALID)


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty
        "abc",  # the key alone
        "other\n" + json.dumps(VALID),  # written for another key
        "abc\n{not json",
        "abc\n[1, 2]",  # not an object
        "abc\n" + json.dumps({**VALID, "panels": "<script>"}),  # a field of the wrong type
        "abc\n" + json.dumps({k: v for k, v in VALID.items() if k != "map"}),  # a field missing
        "abc\n" + "[" * 100_000,  # nested beyond the parser's limit
    ],
)
def test_a_damaged_or_foreign_file_is_ignored(tmp_path, content):
    (tmp_path / "abc.json").write_text(content, encoding="utf-8")
    assert first_paint.load("abc", tmp_path) is None


def test_an_oversized_file_is_not_read(tmp_path, monkeypatch):
    first_paint.save("abc", json.dumps(VALID), tmp_path)
    monkeypatch.setattr(first_paint, "MAX_BYTES", 10)
    assert first_paint.load("abc", tmp_path) is None


@given(st.binary(max_size=300))
def test_any_bytes_in_a_saved_file_never_raise(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("paint")
    (folder / "abc.json").write_bytes(content)
    loaded = first_paint.load("abc", folder)
    assert loaded is None or isinstance(loaded[1], dict)


def test_only_the_newest_files_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(first_paint, "KEEP", 3)
    for n in range(6):
        first_paint.save(f"k{n}", json.dumps(VALID), tmp_path)
        os.utime(tmp_path / f"k{n}.json", ns=(n * 10**9, n * 10**9))
    first_paint.save("k6", json.dumps(VALID), tmp_path)
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == ["k4", "k5", "k6"]


def test_a_cache_folder_that_cannot_be_written_is_not_an_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    first_paint.save("abc", json.dumps(VALID), blocked / "first-paint")  # no exception
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, (None, "neutral", "en")),
        ({"place": " kunashir ", "view": "japan", "lang": "ja"}, ("kunashir", "japan", "ja")),
        ({"view": "other"}, None),
        ({"lang": "xx"}, None),
        ({"place": "iturup", "lesson": "kurils-101"}, None),
        ({"articles": "000"}, None),
        ({"event": "x"}, None),
        ({"from": "2016"}, None),
    ],
)
def test_only_plain_explore_urls_take_the_first_paint(query, expected):
    assert first_paint.query_state(query) == expected


def _save_for(corpus: Path, assets: dict, labels: dict | None = None) -> None:
    data = {**VALID, "assets": assets, "labels": labels or {"kunashir": "Kunashir"}}
    first_paint.save(first_paint.state_key(corpus, "neutral", "en", False), json.dumps(data))


@pytest.mark.parametrize(
    "url",
    [
        "../../app/static/../../../etc/passwd",  # outside the static folder
        "../../app/static/missing.js",  # a file that is not there
        "https://cdn.example.invalid/leaflet.js",  # not the static folder at all
    ],
)
def test_a_saved_paint_naming_files_outside_the_static_folder_is_not_drawn(tmp_path, user_corpus, url):
    static = tmp_path / "static"
    static.mkdir()
    _save_for(user_corpus, {"js": [url], "css": []})
    assert first_paint.saved_data(user_corpus, {}, static) is None


def test_a_saved_paint_is_drawn_with_a_known_place_only(tmp_path, user_corpus):
    static = tmp_path / "static" / "leaflet"
    static.mkdir(parents=True)
    (static / "leaflet.js").write_text("//", encoding="utf-8")
    _save_for(user_corpus, {"js": ["../../app/static/leaflet/leaflet.js"], "css": []})
    assert first_paint.saved_data(user_corpus, {"place": "kunashir"}, tmp_path / "static")[1] == "kunashir"
    assert first_paint.saved_data(user_corpus, {"place": "<script>"}, tmp_path / "static")[1] is None


# --- The app (AppTest) -------------------------------------------------------------------------


def _component(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def test_the_first_run_saves_a_paint_and_a_new_session_draws_the_same(user_corpus):
    first = _component(start())
    key = first_paint.state_key(user_corpus, "neutral", "en", False)
    saved = first_paint.load(key)
    assert saved is not None and saved[0] == first["data"], "the page's data was saved for the next process"
    again = _component(start({"place": "kunashir"}))
    assert again["data"] == first["data"] and again["selected"] == "kunashir"


def test_a_stale_paint_is_replaced_by_the_page_own_in_the_same_visit(user_corpus):
    real = _component(start())["data"]
    stale = {**json.loads(real), "intro": "<p>stale</p>"}
    first_paint.save(first_paint.state_key(user_corpus, "neutral", "en", False), json.dumps(stale))
    shown = _component(start())
    assert shown["data"] == real, "the page drew its own data after the stale first paint"
    assert first_paint.load(first_paint.state_key(user_corpus, "neutral", "en", False))[0] == real, "and saved it"


def test_a_filtered_url_never_takes_the_first_paint(user_corpus, monkeypatch):
    start()  # saves the unfiltered page
    monkeypatch.setattr(first_paint, "load", lambda *a, **k: pytest.fail("a filtered page read a first paint"))
    at = start({"articles": "000"})
    assert json.loads(_component(at)["data"])["map"]["key"]


def test_the_first_paint_imports_nothing_heavy():
    """What app.py imports before it draws a first paint loads no folium, pandas, numpy or pydantic (they
    take about 1.5 s in a fresh process; the first paint exists so as not to wait for them)."""
    import subprocess
    import sys

    code = (
        "import sys; import explorer.app.page_frame, explorer.app.first_paint, explorer.app.evidence_map; "
        "print(sorted(m for m in ('folium', 'pandas', 'numpy', 'pydantic', 'yaml', 'geopandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("lesson", [None, {"steps": [], "current": 1}])
def test_the_component_gets_only_strings(monkeypatch, lesson):
    """Streamlit checks every non-string component argument for a dataframe, which imports pandas."""
    from explorer.app import evidence_map

    seen: dict = {}
    monkeypatch.setattr(evidence_map, "_component", lambda **kwargs: seen.update(kwargs))
    evidence_map.evidence_map(json.dumps(VALID), selected="iturup", ack=None, lesson=lesson)
    sent = {k: v for k, v in seen.items() if k not in ("key", "default")}
    assert all(v is None or isinstance(v, str) for v in sent.values()), sent


def test_the_key_ignores_subfolders_of_the_corpus(tmp_path):
    """The corpus is the files in its folder; a big subfolder (``--corpus ~/Documents``) is not walked."""
    _article(tmp_path, "010_a.txt")
    before = first_paint.state_key(tmp_path, "neutral", "en", False)
    (tmp_path / "drafts").mkdir()
    _article(tmp_path / "drafts", "x.txt")
    assert first_paint.state_key(tmp_path, "neutral", "en", False) == before


def test_the_key_changes_when_a_package_that_draws_the_map_is_upgraded(tmp_path, monkeypatch):
    before = first_paint.state_key(tmp_path, "neutral", "en", False)
    real = first_paint._installed
    monkeypatch.setattr(first_paint, "_installed", lambda name: "99.0" if name == "folium" else real(name))
    assert first_paint.state_key(tmp_path, "neutral", "en", False) != before
