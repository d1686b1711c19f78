"""Every file, upload and URL is data, never code (issue 10): the adversarial suite.

Three parts:

* template payloads (Jinja, a shell-running expression) put into every string field of every data
  file: exports and the app show them literally and nothing runs;
* ``tests/fixtures/bad/``: one case per failure, run through every CLI command: the exit code, one
  line naming the input, no traceback, no signal death, within a time limit;
* hypothesis: nested, oversized, mis-typed and escape-laden data files through the readers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from explorer.data.paths import CURATED_CORPUS, GEODATA_DIR
from explorer.terminal import EscapingStream, printable

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
PYTHON = sys.executable

# --- Payloads: data that would run if anything compiled or interpreted it -------------------------


def payloads(marker: Path) -> list[str]:
    """Jinja expression, Jinja statement, and a Jinja expression that runs a shell command."""
    return [
        "P1 {{ 7*7 }} end",
        "P2 {% for x in range(3) %}x{% endfor %} end",
        "P3 {{ lipsum.__globals__.os.system('touch " + str(marker) + "') }} end",
    ]


def _poison(value: object, texts: list[str], counter: list[int], skip: frozenset[str] = frozenset()) -> object:
    """``value`` with a payload appended to every free-text string (ids and enums keep their form)."""
    if isinstance(value, dict):
        return {key: (item if key in skip else _poison(item, texts, counter, skip)) for key, item in value.items()}
    if isinstance(value, list):
        return [_poison(item, texts, counter, skip) for item in value]
    if isinstance(value, str):
        counter[0] += 1
        return f"{value} {texts[counter[0] % len(texts)]}"
    return value


# Keys whose value has a fixed form (ids, enums, dates, file names, codes, quotes that must be found in
# the article): a payload there is refused by the schema, which is tested in the validator suite.
FIXED_KEYS = frozenset(
    {
        "id", "kind", "layer", "parent", "lang", "script", "administrator", "claimant", "members", "file",
        "date", "date_status", "language", "category", "where", "when", "when_precision", "status", "a", "b",
        "exact", "prefix", "suffix", "view", "focus", "highlight", "layers", "fact", "quote", "url", "type",
        "romanization", "case", "group_name", "views", "linking", "vessel_prefixes", "non_place_suffixes",
    }
)  # fmt: skip


def poisoned_data(tmp_path: Path, marker: Path) -> tuple[Path, Path]:
    """(gazetteer, corpus) copies of the curated data with a payload in every free-text field."""
    texts = payloads(marker)
    counter = [0]
    geodata = tmp_path / "geodata"
    shutil.copytree(GEODATA_DIR, geodata)
    gazetteer = yaml.safe_load((geodata / "gazetteer.yaml").read_text(encoding="utf-8"))
    for place in gazetteer["places"]:
        for key in ("administered_by", "claimed_by", "note", "location_source"):
            if place.get(key):
                place[key] = _poison(place[key], texts, counter)
        for name in place["names"]:
            name["text"] = _poison(name["text"], texts, counter)
            if name.get("note"):
                name["note"] = _poison(name["note"], texts, counter)
    for view in gazetteer["views"].values():
        view["label"] = _poison(view["label"], texts, counter)
        view["description"] = _poison(view["description"], texts, counter)
        view["group_name"] = _poison(view["group_name"], texts, counter)
    (geodata / "gazetteer.yaml").write_text(yaml.safe_dump(gazetteer, allow_unicode=True), encoding="utf-8")
    treaty = json.loads((geodata / "treaty_lines.geojson").read_text(encoding="utf-8"))
    for feature in treaty["features"]:
        for key in ("title", "note", "source", "method"):
            if feature["properties"].get(key):
                feature["properties"][key] = _poison(feature["properties"][key], texts, counter)
    (geodata / "treaty_lines.geojson").write_text(json.dumps(treaty), encoding="utf-8")
    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    for name in ("sources.yaml", "facts.yaml"):
        data = yaml.safe_load((corpus / name).read_text(encoding="utf-8"))
        data = _poison(data, texts, counter, FIXED_KEYS)
        (corpus / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return geodata / "gazetteer.yaml", corpus


def test_escape_html_leaves_no_template_syntax():
    from explorer.render.inert import escape_html

    out = escape_html("a {{ 7*7 }} {% if 1 %} {# c #} <b>")
    assert "{" not in out and "}" not in out and "<b>" not in out
    assert out.startswith("a &#123;&#123; 7*7 &#125;&#125;")


def test_branca_compiles_macro_output_but_inert_elements_do_not(tmp_path):
    """The cause, shown with folium itself: a plain GeoJson layer renders 49; ours renders the text."""
    import folium

    from explorer.render.inert import InertGeoJson, ScriptElement

    def page(layer_class) -> str:
        fmap = folium.Map(tiles=None)
        data = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "x", "name": "Iturup {{ 7*7 }}"},
                    "geometry": {"type": "Point", "coordinates": [147.9, 45.0]},
                }
            ],
        }
        layer_class(data).add_to(fmap)
        fmap.add_child(ScriptElement("var s = 'Kunashir {{ 6*7 }}';"))
        return fmap.get_root().render()

    assert "Iturup 49" in page(folium.GeoJson)  # branca compiles data: the reason for explorer.render.inert
    safe = page(InertGeoJson)
    assert "Iturup {{ 7*7 }}" in safe and "Iturup 49" not in safe
    assert "Kunashir {{ 6*7 }}" in safe and "Kunashir 42" not in safe


def test_payloads_in_every_data_file_stay_text_in_every_export(tmp_path):
    marker = tmp_path / "MARKER"
    gazetteer, corpus = poisoned_data(tmp_path, marker)
    outputs = tmp_path / "out"
    outputs.mkdir()
    commands = [
        ["validate", "--gazetteer", str(gazetteer), "--corpus", str(corpus), "--geodata", str(gazetteer.parent)],
        ["export-map", str(outputs / "map.html"), "--lesson", "kurils-101"],
        ["export-map", str(outputs / "map-ja.html"), "--view", "japan", "--lang", "both", "--place", "iturup"],
        ["export", "--format", "all", str(outputs / "all")],
        ["export-picture", str(outputs / "pic.svg")],
        ["facts"],
        ["links"],
    ]
    for command in commands:
        if command[0] != "validate":
            command += ["--corpus", str(corpus), "--gazetteer", str(gazetteer)]
        done = run_cli(command, timeout=240)
        assert "Traceback" not in done.stderr, (command, done.stderr[-2000:])
        assert done.returncode in (0, 1), (command, done.returncode, done.stderr[-2000:])
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in outputs.rglob("*") if path.is_file()]
    joined = "\n".join(texts)
    assert not marker.exists(), "a shell command from a data file ran"
    # The payload reaches the outputs, as text (escaped for HTML/JS in pages, plain elsewhere) ...
    assert "P1 {{ 7*7 }} end" in joined or "P1 &#123;&#123; 7*7 &#125;&#125; end" in joined
    # ... and nowhere as its result.
    for text in texts:
        assert "P1 49 end" not in text
        assert "P2 xxx end" not in text


# --- Terminal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text\n", "plain text\n"),
        ("\x1b[2Jclear", "\\x1b[2Jclear"),
        ("\x1b]8;;http://evil\x07link", "\\x1b]8;;http://evil\\x07link"),
        ("bidi \u202etxt.exe", "bidi \\u202etxt.exe"),
        ("c1 \x9b31m", "c1 \\x9b31m"),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_printable_escapes_control_characters(raw, shown):
    assert printable(raw) == shown


def test_escaping_stream_wraps_every_write(capsys):
    stream = EscapingStream(sys.stdout)
    stream.write("a\x1bb\n")
    assert capsys.readouterr().out == "a\\x1bb\n"


# --- helpers ----------------------------------------------------------------------------------------


def run_cli(args: list[str], timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m explorer ARGS``; a hang fails the test, a signal death is reported as such."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KURIL_CORPUS": kwargs.pop("user_corpus", "/nonexistent-corpus")}
    done = subprocess.run(
        [PYTHON, "-m", "explorer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=kwargs.pop("cwd", ROOT),
        env=env,
        **kwargs,
    )
    assert done.returncode >= 0, f"killed by signal {signal.Signals(-done.returncode).name}: {args}"
    return done


# --- Linear paragraph splitting keeps the offsets it always gave ----------------------------------


def _reference_paragraphs(text: str) -> list[tuple[int, int]]:
    """The slicing implementation that was quadratic on hard-wrapped text, kept as the oracle."""
    import re

    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for line in re.finditer(r"[^\n]*\n?", text):
        raw = line.group()
        if not raw:
            break
        content = raw.rstrip()
        if not content.strip():
            if current:
                spans.append(current)
            current = None
            continue
        lead = len(raw) - len(raw.lstrip())
        start, end = line.start() + lead, line.start() + len(content)
        previous = text[current[0] : current[1]] if current else ""
        first = text[start]
        hyphen = previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha() and first.isalpha()
        if current and (hyphen or first.islower()):
            current = (current[0], end)
        else:
            if current:
                spans.append(current)
            current = (start, end)
    if current:
        spans.append(current)
    return spans


@given(st.lists(st.sampled_from(["a", "B", "-", " ", "\n", "\n\n", "x-", "Kuna-", "shir", "\t", "ё", "Ж", "。", ". "])))
def test_linear_paragraphs_match_the_reference(parts):
    from explorer.text.passages import paragraphs

    text = "".join(parts)
    assert paragraphs(text) == _reference_paragraphs(text)
