"""Linking speed of this tree against another checkout, interleaved in one process (CPU time).

    python benchmarks/compare_linking.py --baseline /path/to/other/checkout [--docs 2000] [--rounds 5]

On a shared, busy machine the wall-clock figures of ``bench_linking.py`` swing by 2x between runs; this
runs the baseline's ``explorer/text/linking.py`` and ``passages.py`` (loaded from its files) and this tree's
side by side on the same synthetic corpus and gazetteer, alternating, and keeps each one's best CPU time. It
measures the code, not the data: both linkers get this tree's gazetteer (a linker ignores rules it does not
know).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import build_corpus  # noqa: E402
from explorer.data.gazetteer import load_gazetteer  # noqa: E402
from explorer.text.linking import Linker  # noqa: E402
from explorer.text.passages import split_passages  # noqa: E402


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout of the project")
    parser.add_argument("--docs", type=int, default=2000, help="synthetic documents (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds, best kept (default 5)")
    args = parser.parse_args(argv)
    base_linking = _load(args.baseline / "explorer" / "text" / "linking.py", "baseline_linking")
    base_passages = _load(args.baseline / "explorer" / "text" / "passages.py", "baseline_passages")
    gazetteer = load_gazetteer().data
    new, old = Linker(gazetteer), base_linking.Linker(gazetteer)
    docs = build_corpus(gazetteer, args.docs, 0)
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    runs = {
        "baseline link": lambda: [old.link(d.text, d.file) for d in docs],
        "this tree link": lambda: [new.link(d.text, d.file) for d in docs],
        "baseline split_passages": lambda: [base_passages.split_passages(d.text, d.file[:-4]) for d in docs],
        "this tree split_passages": lambda: [split_passages(d.text, d.file[:-4]) for d in docs],
        "baseline split + link": lambda: [
            old.link(d.text, d.file, base_passages.split_passages(d.text, d.file[:-4])) for d in docs
        ],
        "this tree split + link": lambda: [new.link(d.text, d.file, split_passages(d.text, d.file[:-4])) for d in docs],
    }
    best = {name: float("inf") for name in runs}
    for _ in range(args.rounds):
        for name, run in runs.items():
            began = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - began)
    print(f"{len(docs)} synthetic documents, {mb:.2f} MB; CPU time, best of {args.rounds} alternating rounds")
    for name, seconds in best.items():
        print(f"  {name:<26} {mb / seconds:6.1f} MB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
