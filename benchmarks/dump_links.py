"""Dump every passage and every link the project makes on fixed inputs, to check that a speed change changes nothing.

    python -m benchmarks.dump_links OUT.txt [--docs N] [--seed S]

Inputs: the seed articles (as the ``links`` command reads them, with their passages), the development
set's articles (prepared as ``ingest`` prepares them), the linking benchmark's synthetic corpus (with and
without passages) and the message catalogs the false-link measure uses. Every passage (id, kind, start,
end, paragraph) and every link (all fields) is written one per line, so two dumps compare with ``cmp``
or ``diff``; the last line is a SHA-256 of everything above it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.false_links import catalog_texts  # noqa: E402
from benchmarks.synthetic import build_corpus  # noqa: E402
from explorer.corpus.documents import load_corpus  # noqa: E402
from explorer.data.gazetteer import load_gazetteer  # noqa: E402
from explorer.data.paths import CURATED_CORPUS  # noqa: E402
from explorer.text.linking import Linker  # noqa: E402
from explorer.text.passages import Passage, split_passages  # noqa: E402

DEVSET = ROOT / "devset"


def _lines(label: str, text: str, passages: list[Passage] | None, linker: Linker) -> Iterable[str]:
    for passage in passages or ():
        assert text[passage.start : passage.end], passage
        yield f"{label}\tP\t{tuple(passage)!r}"
    for link in linker.link(text, label, passages):
        assert text[link.start : link.end] == link.text, link
        yield f"{label}\tL\t{tuple(link)!r}"


def dump(docs: int, seed: int) -> Iterable[str]:
    gazetteer = load_gazetteer().data
    linker = Linker(gazetteer)
    for doc in load_corpus(CURATED_CORPUS, curated=None).documents:
        yield from _lines(f"seed/{doc.file}", doc.text, doc.passages, linker)
        yield from _lines(f"seed-split/{doc.file}", doc.text, split_passages(doc.text, doc.path.stem), linker)
    import yaml

    from explorer.corpus.ingest import Options, prepare

    gold = yaml.safe_load((DEVSET / "gold.yaml").read_text(encoding="utf-8"))
    options = Options(reference_date=str(gold.get("reference_date") or "") or None)
    for path in sorted((DEVSET / "articles").iterdir()):
        prepared = prepare(path, options)
        passages = split_passages(prepared.text, path.stem, prepared.fields.get("headline"))
        yield from _lines(f"devset/{path.name}", prepared.text, passages, linker)
    for doc in build_corpus(gazetteer, docs, seed):
        yield from _lines(f"bench/{doc.file}", doc.text, None, linker)
        yield from _lines(f"bench-split/{doc.file}", doc.text, split_passages(doc.text, doc.file[:-4]), linker)
    for lang, text in catalog_texts(Path("/usr/share/locale")).items():
        yield from _lines(f"catalogs/{lang}", text, None, linker)
        yield from _lines(f"catalogs-split/{lang}", text, split_passages(text, lang), linker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument(
        "--docs", type=int, default=10_000, help="synthetic documents (default 10000, as the benchmark)"
    )
    parser.add_argument("--seed", type=int, default=0, help="synthetic corpus seed (default 0, as the benchmark)")
    args = parser.parse_args(argv)
    digest = hashlib.sha256()
    count = 0
    with args.out.open("w", encoding="utf-8") as handle:
        for line in dump(args.docs, args.seed):
            handle.write(line + "\n")
            digest.update(line.encode("utf-8") + b"\n")
            count += 1
        handle.write(f"# {count} lines, sha256 {digest.hexdigest()}\n")
    print(f"{count} lines, sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
