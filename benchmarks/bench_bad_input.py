"""Cost of a pathological article against ordinary prose of the same size, in one run (issue 10).

A 5 MB article of hard-wrapped lines (every line continues the paragraph: one paragraph of 5 MB)
used to take 158 s to validate, because paragraph splitting sliced the paragraph so far for every
line. This compares it with 5 MB of ordinary prose (short paragraphs) through the steps a user runs:

* ``validate`` of a corpus holding the one article (``explorer.validate.validate_all``);
* ``links`` (``python -m explorer links --format json``, in process, output discarded);
* app load: the first ``AppTest`` run of ``app.py`` on that corpus (after a warm-up run on the seeds,
  so imports are not counted).

Each ratio (hard-wrapped / prose) must be at most 1.5; the run prints the figures and exits 1 if not::

    .venv/bin/python benchmarks/bench_bad_input.py [--mb 5] [--repeat 1] [--no-app]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_RATIO = 1.5
SENTENCES = (
    "The coastal missile systems were deployed on Iturup and Kunashir, the ministry said. Then "
    "the garrison on Shikotan received new barracks while fishing boats waited near the Habomai "
    "islets. Officials in Tokyo protested the move and Moscow said the islands were Russian "
    "territory. The exercises would continue through the autumn near Paramushir, it added."
)
WORDS = SENTENCES.split(" ")


def hard_wrapped(size: int) -> str:
    """Sentences in one paragraph, wrapped at about 70 characters so that every line starts with a
    lower-case word (each line continues the paragraph): a 5 MB paragraph of many sentences."""
    lines, line, total = ["Missiles On The Islands", ""], [], 0
    index = 0
    while total < size:
        word = WORDS[index % len(WORDS)]
        next_word = WORDS[(index + 1) % len(WORDS)]
        index += 1
        line.append(word)
        if sum(len(w) + 1 for w in line) > 70 and next_word[0].islower():
            text = " ".join(line)
            lines.append(text)
            total += len(text) + 1
            line = []
    return "\n".join(lines) + "\n"


def prose(size: int) -> str:
    """The same sentences as paragraphs of four, one paragraph per line, blank lines between."""
    sentences = " ".join(WORDS).replace(". ", ".\n").splitlines()
    paragraphs, total, index = ["Missiles On The Islands"], 0, 0
    while total < size:
        paragraph = " ".join(sentences[(index + k) % len(sentences)] for k in range(4))
        index += 4
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def corpus_with(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "big.txt").write_text(text[: 5 * 1024 * 1024 - 16], encoding="utf-8")
    return folder


def time_validate(folder: Path) -> float:
    from explorer.validate import validate_all

    started = time.perf_counter()
    report = validate_all(corpus_folder=folder, lessons=False)
    elapsed = time.perf_counter() - started
    if not any("1 articles" in line for line in report.checked):
        raise SystemExit(f"validate did not read the article: {report.problems[:3]}")
    return elapsed


def time_links(folder: Path) -> float:
    from explorer.cli import main

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["links", "--corpus", str(folder), "--format", "json"])
    elapsed = time.perf_counter() - started
    if code != 0 or '"links"' not in out.getvalue():
        raise SystemExit(f"links failed with exit code {code}")
    return elapsed


def time_app(folder: Path | None) -> float:
    from streamlit.testing.v1 import AppTest

    if folder is None:
        os.environ.pop("KURIL_CORPUS", None)
    else:
        os.environ["KURIL_CORPUS"] = str(folder)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise SystemExit(f"the app raised: {app.exception[0].message}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=5.0, help="size of each article in MB (default: 5)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step; the best is kept (default: 1)")
    parser.add_argument("--no-app", action="store_true", help="skip the AppTest step (faster)")
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="bench-bad-input-"))
    try:
        folders = {
            "hard-wrapped": corpus_with(work / "wrapped", hard_wrapped(size)),
            "prose": corpus_with(work / "prose", prose(size)),
        }
        from explorer.text.passages import paragraphs

        for name, folder in folders.items():
            text = (folder / "big.txt").read_text(encoding="utf-8")
            print(f"{name}: {len(text.encode()):,} bytes, {len(paragraphs(text)):,} paragraphs")
        steps = {"validate": time_validate, "links": time_links}
        if not args.no_app:
            time_app(None)  # warm-up: imports and the seeds, not counted
            steps["app load (AppTest)"] = time_app
        failed = False
        print(f"\n{'step':<22}{'hard-wrapped s':>16}{'prose s':>10}{'ratio':>8}")
        for step, run in steps.items():
            figures = {name: min(run(folder) for _ in range(args.repeat)) for name, folder in folders.items()}
            ratio = figures["hard-wrapped"] / figures["prose"]
            failed |= ratio > MAX_RATIO
            print(
                f"{step:<22}{figures['hard-wrapped']:>16.2f}{figures['prose']:>10.2f}{ratio:>8.2f}"
                + ("  OVER" if ratio > MAX_RATIO else "")
            )
        print(f"\ntarget: every ratio <= {MAX_RATIO}: {'FAILED' if failed else 'met'}")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
