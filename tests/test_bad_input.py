"""Every file, upload and URL is data, never code (issue 10): the adversarial suite.

Three parts:

* template payloads (Jinja, a shell-running expression) put into every string field of every data
  file: exports and the app show them literally and nothing runs;
* ``tests/fixtures/bad/``: one case per failure, run through every CLI command: the exit code, one
  line naming the input, no traceback, no signal death, within a time limit;
* hypothesis: nested, oversized, mis-typed and escape-laden data files through the readers.
"""

from __future__ import annotations

import contextlib
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


def poisoned_data(tmp_path: Path, marker: Path, extra: list[str] | None = None) -> tuple[Path, Path]:
    """(gazetteer, corpus) copies of the curated data with a payload in every free-text field."""
    texts = payloads(marker) + (extra or [])
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


# --- tests/fixtures/bad/ through every CLI command ----------------------------------------------------

GAZETTEER_COMMANDS = {
    "validate": lambda g, out: ["validate", "--gazetteer", str(g), "--geodata", str(GEODATA_DIR)],
    "links": lambda g, out: ["links", "--gazetteer", str(g)],
    "facts": lambda g, out: ["facts", "--candidates", "--gazetteer", str(g)],
    "export-map": lambda g, out: ["export-map", str(out / "m.html"), "--gazetteer", str(g)],
    "export": lambda g, out: ["export", "--format", "geojson", str(out / "e.geojson"), "--gazetteer", str(g)],
    "export-picture": lambda g, out: ["export-picture", str(out / "p.svg"), "--gazetteer", str(g)],
}
CORPUS_COMMANDS = {
    "validate": lambda c, out: ["validate", "--corpus", str(c)],
    "links": lambda c, out: ["links", "--corpus", str(c)],
    "facts": lambda c, out: ["facts", "--corpus", str(c)],
    "search": lambda c, out: ["search", "Iturup", "--corpus", str(c)],
    "export-map": lambda c, out: ["export-map", str(out / "m.html"), "--corpus", str(c)],
    "export": lambda c, out: ["export", "--format", "csv-links", str(out / "l.csv"), "--corpus", str(c)],
    "export-picture": lambda c, out: ["export-picture", str(out / "p.png"), "--corpus", str(c)],
    "ingest": lambda c, out: ["ingest", str(BAD / "ansi-escapes.txt"), "--corpus", str(c)],
}


def generated_bad(tmp_path: Path, name: str) -> Path:
    """The bad cases too big to commit, made the same way every time."""
    path = tmp_path / name
    base = (BAD / "gazetteer-nan-anchor.yaml").read_text(encoding="utf-8").replace("[.nan, 55.7]", "[37.6, 55.7]")
    if name == "gazetteer-deep.yaml":  # libyaml died with SIGSEGV near 25,000 levels
        path.write_text(base + "extra: " + "[" * 30_000 + "]" * 30_000 + "\n", encoding="utf-8")
    elif name == "gazetteer-deep-block.yaml":
        path.write_text(base + "extra:\n" + "- " * 30_000 + "x\n", encoding="utf-8")
    elif name == "gazetteer-long-name.yaml":  # 1,000,000 characters crashed pyahocorasick
        path.write_text(base.replace("text: Moscow", "text: " + "Moskva" * 166_667), encoding="utf-8")
    elif name == "islands-deep.geojson":  # RecursionError in validate
        path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    else:
        raise KeyError(name)
    return path


GAZETTEER_CASES = {
    "gazetteer-duplicate-key.yaml": "line 22, column 5: is not valid YAML: duplicate key 'names' (first at line 20)",
    "gazetteer-unknown-key.yaml": "nmaes",
    "gazetteer-nan-anchor.yaml": "finite number",
    "gazetteer-not-a-mapping.yaml": "must hold a mapping",
    "gazetteer-python-tag.yaml": "python/object",
    "gazetteer-billion-laughs.yaml": "Extra inputs are not permitted",
    "gazetteer-binary.yaml": "binary",
    "gazetteer-deep.yaml": "nests deeper than 64 levels",
    "gazetteer-deep-block.yaml": "nests deeper than 64 levels",
    "gazetteer-long-name.yaml": "at most 200 characters",
    "missing.yaml": "does not exist",
}


def gazetteer_case(tmp_path: Path, name: str) -> Path:
    if (BAD / name).exists():
        return BAD / name
    if name == "missing.yaml":
        return tmp_path / name
    return generated_bad(tmp_path, name)


def check(done: subprocess.CompletedProcess, names: str, problem: str | None, codes=(1,)) -> None:
    """One clear failure: the exit code, the input named, the problem said, no traceback."""
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in codes, (done.returncode, done.stderr[-2000:])
    if done.returncode != 0:
        assert names in done.stderr, done.stderr[-2000:]
        if problem:
            assert problem in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("command", list(GAZETTEER_COMMANDS))
@pytest.mark.parametrize("case", list(GAZETTEER_CASES))
def test_bad_gazetteer_through_every_command(tmp_path, case, command):
    gazetteer = gazetteer_case(tmp_path, case)
    done = run_cli(GAZETTEER_COMMANDS[command](gazetteer, tmp_path), timeout=120)
    check(done, gazetteer.name, GAZETTEER_CASES[case])
    assert not Path("/tmp/kuril-marker").exists()


GEOJSON_CASES = {
    "islands-truncated.geojson": "is not valid JSON",
    "islands-nan.geojson": "NaN is not a number JSON allows",
    "islands-string-coordinates.geojson": "finite numbers",
    "islands-null-geometry.geojson": "geometry is null",
    "islands-centroid-outside.geojson": "centroid [-70.0, -40.0] is outside the region",
    "islands-not-geojson.geojson": "must be a GeoJSON FeatureCollection",
    "islands-deep.geojson": "nests deeper than 64 levels",
}


@pytest.mark.parametrize("case", list(GEOJSON_CASES))
def test_bad_geojson_layer_is_named_by_validate(tmp_path, case):
    geodata = tmp_path / "geodata"
    shutil.copytree(GEODATA_DIR, geodata)
    source = BAD / case if (BAD / case).exists() else generated_bad(tmp_path, case)
    shutil.copyfile(source, geodata / "islands.geojson")
    done = run_cli(["validate", "--geodata", str(geodata)])
    check(done, "islands.geojson", GEOJSON_CASES[case])


@pytest.mark.parametrize("case", ["islands-nan.geojson", "islands-null-geometry.geojson", "islands-deep.geojson"])
def test_bad_layer_refused_by_the_reader_every_consumer_uses(tmp_path, case):
    from explorer.data.errors import DataError
    from explorer.data.readers import read_geojson

    source = BAD / case if (BAD / case).exists() else generated_bad(tmp_path, case)
    with pytest.raises(DataError) as caught:
        read_geojson(source)
    assert source.name in str(caught.value)


def bad_corpus(tmp_path: Path, case: str) -> tuple[Path, str, str]:
    """A copy of the seeds with one defect: (folder, the name the message must give, the problem)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    if case == "fifo":
        os.mkfifo(corpus / "900_fifo.txt")
        return corpus, "900_fifo.txt", "FIFO"
    if case == "dangling-symlink":
        (corpus / "901_gone.txt").symlink_to(tmp_path / "nowhere.txt")
        return corpus, "901_gone.txt", "symbolic link"
    if case == "symlink-out":
        (corpus / "902_passwd.txt").symlink_to("/etc/passwd")
        return corpus, "902_passwd.txt", "symbolic link"
    if case == "zero-width":
        shutil.copyfile(BAD / "zero-width-only.txt", corpus / "903_zw.txt")
        return corpus, "903_zw.txt", "no letters or digits"
    facts = corpus / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    if case == "month-13":
        facts.write_text(text.replace("when: '2016-11'", "when: '2016-13'", 1), encoding="utf-8")
        return corpus, "facts.yaml", "'2016-13' is not a calendar date"
    if case == "arabic-indic-digits":
        facts.write_text(text.replace("when: '2016-11'", "when: '٢٠١٦-١١'", 1), encoding="utf-8")
        return corpus, "facts.yaml", "should match pattern"
    if case == "duplicate-key-sources":
        shutil.copyfile(BAD / "sources-duplicate-key.yaml", corpus / "sources.yaml")
        return corpus, "sources.yaml", "duplicate key 'articles'"
    raise KeyError(case)


CORPUS_CASES = [
    "fifo",
    "dangling-symlink",
    "symlink-out",
    "zero-width",
    "month-13",
    "arabic-indic-digits",
    "duplicate-key-sources",
]


@pytest.mark.parametrize("command", list(CORPUS_COMMANDS))
@pytest.mark.parametrize("case", CORPUS_CASES)
def test_bad_corpus_through_every_command(tmp_path, case, command):
    corpus, name, problem = bad_corpus(tmp_path, case)
    out = tmp_path / "out"
    out.mkdir()
    done = run_cli(CORPUS_COMMANDS[command](corpus, out), timeout=180)
    # Commands that read the broken part say so (exit 1); the others may succeed. None may hang,
    # die or print a traceback, and /etc/passwd is never read as an article.
    strict = command == "validate"
    check(done, name, problem if strict else None, codes=(1,) if strict else (0, 1))
    assert "root:x:0:0" not in done.stdout + "".join(p.read_text(errors="replace") for p in out.rglob("*.*"))


USAGE_CASES = {
    "size-0x0": (["export-picture", "{out}/p.png", "--size", "0x0"], "--size"),
    "size-20000": (["export-picture", "{out}/p.png", "--size", "20000x20000"], "--size"),
    "size-text": (["export-picture", "{out}/p.png", "--size", "big"], "--size"),
    "encoding-rot13": (["ingest", str(BAD / "ansi-escapes.txt"), "--corpus", "{out}", "--encoding", "rot13"], "rot13"),
    "limit-zero": (["search", "x", "--limit", "0"], "--limit"),
    "limit-5000-digits": (["search", "x", "--limit", "9" * 5000], "--limit"),
    "jobs-superscript": (["ingest", "x.txt", "--jobs", "²"], "--jobs"),
    "min-visible-nan": (["ingest", "x.txt", "--min-visible", "nan"], "--min-visible"),
    "picture-suffix": (["export-picture", "{out}/p.gif"], "p.gif"),
    "no-command": ([], "COMMAND"),
}


@pytest.mark.parametrize("case", list(USAGE_CASES))
def test_bad_usage_exits_2_naming_the_parameter(tmp_path, case):
    args, named = USAGE_CASES[case]
    done = run_cli([arg.replace("{out}", str(tmp_path)) for arg in args])
    assert done.returncode == 2, done.stderr
    assert named in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr) < 3000


@pytest.mark.parametrize("where", ["missing-folder", "is-a-folder"])
@pytest.mark.parametrize("command", ["export-map", "export-picture"])
def test_exports_into_a_missing_folder_or_onto_a_folder(tmp_path, where, command):
    target = tmp_path / "nope" / "out.svg" if where == "missing-folder" else tmp_path
    if command == "export-map":
        target = target.with_suffix(".html") if where == "missing-folder" else tmp_path
    done = run_cli([command, str(target)])
    check(done, str(target), "cannot be written" if where == "missing-folder" else None, codes=(1, 2))


@pytest.mark.parametrize("charset", ["base64", "rot13", "undefined"])
def test_meta_charset_that_is_not_a_text_encoding_is_refused_and_the_batch_goes_on(tmp_path, charset):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = tmp_path / "good.txt"
    good.write_text("Missiles on Iturup\n\nThe ministry said missiles were deployed on Iturup.\n", encoding="utf-8")
    bad = BAD / f"meta-charset-{charset}.html"
    done = run_cli(["ingest", str(bad), str(good), "--corpus", str(corpus), "--no-index"])
    check(done, bad.name, f"'{charset}'")
    assert len(list(corpus.glob("*.txt"))) == 1  # the good article of the same batch was added


def test_ansi_escapes_in_an_article_never_reach_the_terminal(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert run_cli(["ingest", str(BAD / "ansi-escapes.txt"), "--corpus", str(corpus)]).returncode == 0
    for args in (["search", "Iturup"], ["links"]):
        done = run_cli([*args, "--corpus", str(corpus)])
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\u202e" not in done.stdout
        assert "\\x1b" in done.stdout or "\\u202e" in done.stdout or args[0] == "links"


def test_fifo_given_to_ingest_is_refused_by_name_without_opening_it(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    os.mkfifo(inputs / "pipe2.txt")
    (inputs / "evil.txt").symlink_to("/etc/passwd")
    (inputs / "ok.txt").write_text("Missiles on Iturup\n\nThey were deployed on Iturup.\n", encoding="utf-8")
    done = run_cli(["ingest", str(fifo), str(inputs), "--corpus", str(corpus)], timeout=60)
    check(done, "pipe.txt", "FIFO")
    assert "pipe2.txt" in done.stderr and "evil.txt" in done.stderr and "not followed" in done.stderr
    assert [p.read_text(encoding="utf-8").strip() for p in corpus.glob("*.txt")] == [
        "Missiles on Iturup\n\nThey were deployed on Iturup."
    ]


@pytest.mark.parametrize("case", ["cache-is-a-file", "lock-is-a-folder"])
def test_cache_taken_by_the_wrong_kind_of_file(tmp_path, case):
    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    if case == "cache-is-a-file":
        (corpus / ".cache").write_text("not a folder")
    else:
        (corpus / ".cache" / "ingest.lock").mkdir(parents=True)
    for args in (["ingest", str(BAD / "ansi-escapes.txt")], ["search", "Iturup"]):
        done = run_cli([*args, "--corpus", str(corpus)])
        assert "Traceback" not in done.stderr
        if case == "cache-is-a-file" or args[0] == "ingest":
            check(done, ".cache", "remove it")


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` and the folders in it unwritable, even for root (``chattr +i``; chmod otherwise)."""
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, folders)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, folders)], check=True)
    else:
        for path in folders:
            path.chmod(0o555)
        try:
            yield
        finally:
            for path in folders:
                path.chmod(0o755)


@pytest.mark.parametrize("cache", ["no-cache", "with-cache"])
def test_ingest_into_a_read_only_corpus(tmp_path, cache):
    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    if cache == "with-cache":
        run_cli(["search", "Iturup", "--corpus", str(corpus)])
    before = sorted(p.name for p in corpus.rglob("*"))
    with read_only(corpus):
        done = run_cli(["ingest", str(BAD / "ansi-escapes.txt"), "--corpus", str(corpus)])
        check(done, str(corpus), "cannot be")
        searched = run_cli(["search", "Iturup", "--corpus", str(corpus)])
        assert "Traceback" not in searched.stderr and searched.returncode in (0, 1)
    assert sorted(p.name for p in corpus.rglob("*")) == before


# --- The app (AppTest): payloads stay text, bad files are skipped with a message ----------------------

APP = ROOT / "app.py"


@pytest.fixture()
def app_data(monkeypatch):
    """Point the app at a gazetteer and a corpus (AppTest runs the script in this process)."""
    import streamlit as st

    from explorer import stored_evidence
    from explorer.evidence import Evidence

    def use(gazetteer: Path, corpus: Path):
        monkeypatch.setattr(Evidence.load.__func__, "__defaults__", (CURATED_CORPUS, gazetteer))
        monkeypatch.setattr(stored_evidence.open_evidence, "__defaults__", ("auto", gazetteer))
        monkeypatch.setenv("KURIL_CORPUS", str(corpus))
        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    st.cache_resource.clear()
    st.cache_data.clear()


def run_app(query: dict[str, str] | None = None):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def click_place(app, place: str) -> None:
    component = app.get("component_instance")[0]
    key = json.loads(component.proto.json_args)["key"]
    app.session_state[key] = {"last_active_drawing": {"type": "Feature", "properties": {"id": place}}}
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def notices(app, kinds: tuple[str, ...] = ("warning", "error")) -> str:
    """Every message the app shows: Streamlit's alerts and the app's own escaped notices (``page.notice``)."""
    from html import unescape

    css = {"warning": 'class="kx-notice"', "error": 'class="kx-notice kx-error"'}
    texts = [str(e.value) for kind in kinds for e in app.get(kind)]
    texts += [
        unescape(e.proto.body)
        for e in app.get("html")
        if any(css[kind] in e.proto.body for kind in kinds if kind in css)
    ]
    return shown(" ".join(texts))


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown text (backslash escapes removed)."""
    import re

    return re.sub(r"\\(.)", r"\1", str(markdown))


MARKDOWN_KINDS = ("markdown", "caption", "warning", "info", "error", "success", "header", "subheader", "title")


def markdown_texts(app) -> list[str]:
    """Every string the app hands to Streamlit's Markdown renderer, labels of widgets included."""
    texts = []
    for kind in MARKDOWN_KINDS:
        texts.extend(str(element.value) for element in app.get(kind))
    for kind in ("radio", "selectbox", "checkbox", "multiselect", "button", "text_input", "select_slider"):
        for widget in app.get(kind):
            texts.append(str(getattr(widget, "label", "")))
            if kind == "radio":  # radio options are Markdown; selectbox and multiselect options are plain
                texts.extend(str(option) for option in getattr(widget, "options", []) or [])
    return texts


def all_app_text(app) -> str:
    parts = markdown_texts(app)
    parts += [element.proto.body for element in app.get("html")]
    parts += [element.proto.json_args for element in app.get("component_instance")]  # the map's script and panels
    return "\n".join(parts)


def test_app_shows_template_payloads_as_text_and_runs_nothing(tmp_path, app_data):
    marker = tmp_path / "MARKER"
    gazetteer, corpus = poisoned_data(tmp_path, marker)
    app_data(gazetteer, corpus)
    app = run_app()
    click_place(app, "iturup")
    text = all_app_text(app)
    assert not marker.exists(), "a shell command from a data file ran in the app"
    assert "P1 {{ 7*7 }} end" in text or "P1 &#123;&#123; 7*7 &#125;&#125; end" in text
    assert "P1 49 end" not in text and "P2 xxx end" not in text


IMAGE = "![kx](http://example.invalid/kx.png)"


def test_app_renders_no_markdown_from_data(tmp_path, app_data):
    """A Markdown image or link in any data string must reach Streamlit's Markdown escaped."""
    gazetteer, corpus = poisoned_data(tmp_path, tmp_path / "MARKER")
    for path in (gazetteer, corpus / "facts.yaml", corpus / "sources.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("P1 {{ 7*7 }} end", IMAGE).replace("P2 {%", "[kx](http://example.invalid/) {%"))
    app_data(gazetteer, corpus)
    app = run_app()
    click_place(app, "iturup")
    offenders = [t for t in markdown_texts(app) if "](http://example.invalid" in t]
    assert not offenders, offenders[:5]
    html = "\n".join(element.proto.body for element in app.get("html"))
    assert '<img src="http://example.invalid' not in html and 'href="http://example.invalid' not in html


def _bad_app_corpus(tmp_path: Path, case: str) -> tuple[Path, str]:
    corpus, name, _ = bad_corpus(tmp_path, case)
    return corpus, name


@pytest.mark.parametrize("case", CORPUS_CASES)
def test_app_warns_about_a_bad_corpus_file_and_goes_on(tmp_path, app_data, case):
    from explorer.data.paths import GAZETTEER_PATH

    corpus, name = _bad_app_corpus(tmp_path, case)
    app_data(GAZETTEER_PATH, corpus)
    app = run_app()
    messages = notices(app)
    if case in ("month-13", "arabic-indic-digits", "duplicate-key-sources"):
        assert name in messages, messages[:2000]  # facts.yaml / sources.yaml: named, not silently used
    else:
        assert name in messages and app.get("component_instance"), messages[:2000]  # the map is still drawn


@pytest.mark.parametrize(
    "case",
    ["gazetteer-deep.yaml", "gazetteer-duplicate-key.yaml", "gazetteer-long-name.yaml", "gazetteer-nan-anchor.yaml"],
)
def test_app_with_a_bad_gazetteer_stops_with_a_message(tmp_path, app_data, case):
    gazetteer = gazetteer_case(tmp_path, case)
    app_data(gazetteer, CURATED_CORPUS)
    app = run_app()
    assert gazetteer.name in notices(app, ("error",)), notices(app)


@pytest.mark.parametrize("step", ["²", "9" * 5000, "-1", "1e9", "٣", "0x10", "１"])
def test_app_lesson_step_from_the_url_never_raises(step):
    app = run_app({"lesson": "kurils-101", "step": step})
    assert app.get("component_instance")


def test_app_state_parses_hostile_steps_and_dates():
    from explorer.app.app_state import parse_query

    for step in ("²", "9" * 5000, "１", "٣"):
        state = parse_query({"lesson": "l", "step": step}, set(), [], {"l": 3})
        assert state.step == 1
    state = parse_query({"from": "٢٠١٧", "to": "2017-13"}, set(), [], {})
    assert state.date_from is None and state.date_to is None


def test_app_uploads_with_long_and_repeated_names_are_kept_or_refused_by_name(tmp_path, app_data):
    from explorer.data.paths import GAZETTEER_PATH

    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    app_data(GAZETTEER_PATH, corpus)
    app = run_app()
    long_name = "k" * 300 + ".txt"
    app.file_uploader(key="uploads").set_value(
        [
            ("same.txt", b"Missiles on Iturup\n\nFirst text about Iturup.\n", "text/plain"),
            ("same.txt", b"Missiles on Kunashir\n\nSecond text about Kunashir.\n", "text/plain"),
            (long_name, b"Radar on Shikotan\n\nA radar on Shikotan was shown.\n", "text/plain"),
        ]
    ).run()
    assert not app.exception, [e.value for e in app.exception]
    added = sorted(p.read_text(encoding="utf-8") for p in corpus.glob("*.txt") if p.name[:3] >= "005")
    assert any("First text" in t for t in added) and any("Second text" in t for t in added)
    assert any("Shikotan" in t for t in added)


# --- Disk full during ingest ------------------------------------------------------------------------


@pytest.mark.parametrize("fails", ["third-article", "metadata"])
def test_disk_full_during_ingest_leaves_articles_and_metadata_consistent(tmp_path, monkeypatch, fails):
    import errno

    from explorer.corpus import ingest as ingest_module
    from explorer.corpus.documents import load_corpus
    from explorer.corpus.metadata import load_ingested
    from explorer.data.errors import DataError

    corpus = tmp_path / "corpus"
    shutil.copytree(CURATED_CORPUS, corpus, ignore=shutil.ignore_patterns(".cache"))
    inputs = []
    for number in range(5):
        path = tmp_path / f"in{number}.txt"
        path.write_text(f"Report {number} on Iturup\n\nMissiles number {number} on Iturup.\n", encoding="utf-8")
        inputs.append(path)
    real_write = ingest_module.atomic_write
    writes: list[str] = []

    def full_disk(path: Path, data: bytes, durable: bool = True) -> None:
        writes.append(path.name)
        articles = [name for name in writes if name.endswith(".txt")]
        if (fails == "third-article" and path.suffix == ".txt" and len(articles) == 3) or (
            fails == "metadata" and path.name == "ingested.yaml"
        ):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, durable)

    monkeypatch.setattr(ingest_module, "atomic_write", full_disk)
    with pytest.raises(DataError) as caught:
        ingest_module.ingest(inputs, corpus, update_index=False)
    assert "No space left on device" in str(caught.value)
    monkeypatch.setattr(ingest_module, "atomic_write", real_write)
    loaded = load_corpus(corpus)
    assert loaded.problems == []
    new = sorted(p.name for p in corpus.glob("*.txt") if p.name not in {a.file for a in loaded.sources.articles})
    described = {a.file for a in (load_ingested(corpus) or Sources_empty()).articles}
    assert set(new) == described  # every article has its metadata and no metadata lacks its article
    assert len(new) == (2 if fails == "third-article" else 0)
    # The next ingest adds the rest, each once.
    report = ingest_module.ingest(inputs, corpus, update_index=False)
    assert len(report.added) + len(report.skipped) == 5
    assert len([p for p in corpus.glob("*.txt")]) == 5 + 5


def Sources_empty():  # noqa: N802 (stands in for an absent ingested.yaml)
    from explorer.data.schema import Sources

    return Sources(version=1, articles=[])


@pytest.mark.parametrize("case", ["islands-truncated.geojson", "islands-null-geometry.geojson", "islands-nan.geojson"])
def test_app_with_a_bad_layer_file_stops_with_a_message(monkeypatch, app_data, case):
    import explorer.app.page as page_module
    import explorer.render.mapview as mapview_module
    from explorer.data.paths import GAZETTEER_PATH
    from explorer.data.readers import read_geojson

    def bad_layers(*args, **kwargs):
        return {"islands": read_geojson(BAD / case)}

    app_data(GAZETTEER_PATH, CURATED_CORPUS)
    monkeypatch.setattr(page_module, "load_layers", bad_layers)
    monkeypatch.setattr(mapview_module, "load_layers", bad_layers)
    app = run_app()
    assert case in notices(app, ("error",)), notices(app)
