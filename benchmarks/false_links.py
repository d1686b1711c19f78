"""False links on large non-Kuril text: how often the linker fires where no Kuril place can be meant.

    python -m benchmarks.false_links [--locale-dir /usr/share/locale] [--show 20]

The text: the message catalogs installed on the machine (``<locale-dir>/{ru,ja}/LC_MESSAGES/*.mo``, read with
:mod:`gettext`), real sentences of software messages in Russian and Japanese, with their English originals
(the msgids), several MB that never mention the Kurils. Every link found there is a false link (except a
few genuine place names of general use, listed per place so they can be judged). The typo rule's target is
at most one false link per MB.
"""

from __future__ import annotations

import argparse
import gettext
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from explorer.data.gazetteer import load_gazetteer  # noqa: E402
from explorer.text.linking import Linker  # noqa: E402

TARGET_PER_MB = 1.0


def catalog_texts(locale_dir: Path) -> dict[str, str]:
    """{"en": ..., "ru": ..., "ja": ...}: the msgids (English) and translations of every catalog."""
    texts: dict[str, list[str]] = {"en": [], "ru": [], "ja": []}
    seen_en: set[str] = set()
    for lang in ("ru", "ja"):
        for path in sorted((locale_dir / lang / "LC_MESSAGES").glob("*.mo")):
            try:
                with path.open("rb") as handle:
                    catalog = gettext.GNUTranslations(handle)
            except (OSError, UnicodeDecodeError, ValueError):  # a broken or foreign catalog is skipped
                continue
            for key, value in catalog._catalog.items():  # noqa: SLF001 - the stdlib keeps the table there
                msgid = key[0] if isinstance(key, tuple) else key
                if isinstance(msgid, str) and msgid and msgid not in seen_en:
                    seen_en.add(msgid)
                    texts["en"].append(msgid)
                if isinstance(value, str) and value:
                    texts[lang].append(value)
    return {lang: "\n\n".join(parts) for lang, parts in texts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locale-dir", type=Path, default=Path("/usr/share/locale"), help="where the .mo catalogs are")
    parser.add_argument("--show", type=int, default=20, help="how many false links to list (default 20)")
    args = parser.parse_args(argv)
    texts = catalog_texts(args.locale_dir)
    total_mb = sum(len(t.encode("utf-8")) for t in texts.values()) / 1e6
    if total_mb < 0.5:
        print(f"not enough text under {args.locale_dir} ({total_mb:.2f} MB): install some translations")
        return 2
    linker = Linker(load_gazetteer().data)
    by_rule: Counter = Counter()
    examples: list[str] = []
    for lang, text in texts.items():
        mb = len(text.encode("utf-8")) / 1e6
        links = linker.link(text, f"catalogs-{lang}")
        rules = Counter(link.rule for link in links)
        by_rule.update(rules)
        print(f"{lang}: {mb:.2f} MB, {len(links)} links: " + ", ".join(f"{r} {n}" for r, n in rules.most_common()))
        for link in links:
            if len(examples) < args.show:
                around = text[max(0, link.start - 30) : link.end + 30].replace("\n", " ")
                examples.append(f"  [{lang}] {link.rule:<9} {link.place:<18} {link.text!r} in …{around}…")
    fuzzy = by_rule.get("fuzzy", 0)
    print(f"total {total_mb:.2f} MB: {sum(by_rule.values())} links, {fuzzy} by the typo rule "
          f"({fuzzy / total_mb:.2f} per MB; target <= {TARGET_PER_MB:.0f} per MB: "
          f"{'MET' if fuzzy / total_mb <= TARGET_PER_MB else 'NOT MET'})")  # fmt: skip
    print("first links (every one of them is a false link unless the text really names the place):")
    print("\n".join(examples) or "  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
