"""Print ``SCAN_ORDER`` for explorer/text/linking.py: the characters of normalized English, Russian and Japanese
text, most frequent first.

    python -m benchmarks.scan_order [--locale-dir /usr/share/locale] [--top 200]

The text: the installed message catalogs (the same real EN/RU/JA sentences ``benchmarks.false_links`` uses,
not the benchmark's corpus), normalized as the linker normalizes, each language weighted alike. The linker
lists every trie node's children in this order, so the character a scan meets most often is found first
(pyahocorasick looks a child up by a linear search). The order changes speed only, never what is found.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.false_links import catalog_texts  # noqa: E402
from explorer.text.linking import normalize  # noqa: E402


def scan_order(texts: dict[str, str], top: int) -> str:
    """The ``top`` most frequent characters of ``texts`` (normalized), each language weighted alike."""
    weight: Counter = Counter()
    for text in texts.values():
        counts = Counter(normalize(text)[0])
        total = sum(counts.values()) or 1
        for ch, count in counts.items():
            weight[ch] += count / total
    ranked = sorted(weight.items(), key=lambda item: (-item[1], item[0]))
    return "".join(ch for ch, _ in ranked[:top] if ch.isprintable())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locale-dir", type=Path, default=Path("/usr/share/locale"), help="where the .mo catalogs are")
    parser.add_argument("--top", type=int, default=200, help="how many characters (default 200)")
    args = parser.parse_args(argv)
    texts = catalog_texts(args.locale_dir)
    if sum(len(text) for text in texts.values()) < 500_000:
        print(f"not enough text under {args.locale_dir}: install some translations", file=sys.stderr)
        return 2
    order = scan_order(texts, args.top)
    print("SCAN_ORDER = (")
    for at in range(0, len(order), 50):
        print(f"    {order[at : at + 50]!r}")
    print(")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
