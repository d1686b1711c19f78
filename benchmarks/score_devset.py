"""Score what the explorer makes of new articles against the hand-made gold of ``devset/``.

Every article goes through what a user's article goes through: ``ingest``'s :func:`prepare` (HTML
cleaning, headline, date, outlet, language), passage splitting, linking and fact candidates. The
scores are printed per article and in total:

* explicit mentions: precision, recall and F1 of (sentence, place) pairs named in the text (features
  of islands are scored apart; a link outside every gold sentence is a false positive);
* implicit references: share of (sentence, island or group) pairs found without a name, and the
  implicit links that point at a place the sentence does not refer to;
* features: share of (sentence, feature) pairs found;
* traps: look-alikes, ship classes, fish and page furniture that must not link (false links per trap);
* fact candidates: recall of the core deployments, precision of all candidates, right month;
* contradictions across articles: gold conflicts flagged, false alarms;
* ingest metadata: publication date, outlet and language recovered; language detection on short
  texts in other languages (``devset/lang``).

Run: ``python -m benchmarks.score_devset`` (``--json`` for machine-readable output, ``--verbose`` to
list every miss and false link).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

DEVSET = Path(__file__).resolve().parent.parent / "devset"


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _span_of(quote: str, text: str, passages: list) -> tuple[int, int] | None:
    """The sentence span (union of the passages the quote touches) of a gold quote."""
    at = text.find(quote)
    if at < 0:
        return None
    end = at + len(quote)
    touched = [p for p in passages if p.start < end and at < p.end]
    if not touched:
        return at, end
    return min(p.start for p in touched), max(p.end for p in touched)


def score(devset: Path = DEVSET, verbose: bool = False) -> dict:
    from explorer.corpus import candidates as cand
    from explorer.corpus.documents import Document
    from explorer.corpus.ingest import Options, prepare
    from explorer.data.errors import DataError
    from explorer.data.gazetteer import load_gazetteer
    from explorer.data.schema import Article
    from explorer.text.language import detect_language
    from explorer.text.linking import Linker
    from explorer.text.passages import split_passages

    gold = yaml.safe_load((devset / "gold.yaml").read_text(encoding="utf-8"))
    feature_ids = set(gold.get("feature_ids") or ())
    gazetteer = load_gazetteer()
    linker = Linker(gazetteer.data)
    totals: dict[str, float] = defaultdict(float)
    notes: list[str] = []
    all_rows: list[dict] = []
    row_to_gold: dict[str, str] = {}
    per_article = {}

    for name, entry in gold["articles"].items():
        path = devset / "articles" / name
        try:
            try:
                options = Options(reference_date=str(gold.get("reference_date") or "") or None)
            except TypeError:  # an older explorer (before datelines): scored as it is
                options = Options()
            prepared = prepare(path, options)
            text, fields = prepared.text, prepared.fields
        except DataError as err:  # a refused article: every gold item of it is missed
            notes.append(f"{name}: refused by ingest: {err}")
            text, fields = "", {}
        stem = Path(name).stem
        passages = split_passages(text, stem, fields.get("headline"))
        links = linker.link(text, name, passages)
        # The closing label line ("[Test article written for the Kuril explorer development set ...]") names
        # the project, not a place: links in it are not scored.
        label = text.find("devset/README.md")
        if label >= 0:
            label_start = text.rfind("\n", 0, label) + 1
            links = [link for link in links if link.start < label_start]

        # --- metadata
        if entry.get("date"):
            totals["dated"] += 1
            got = fields.get("date")
            if got == str(entry["date"]):
                totals["date_ok"] += 1
            else:
                notes.append(f"{name}: date {got!r}, gold {entry['date']}")
        elif fields.get("date"):
            totals["date_false"] += 1
            notes.append(f"{name}: date {fields.get('date')!r} found in an undated article")
        if entry.get("outlet"):
            totals["outlets"] += 1
            got = fields.get("outlet") or ""
            if got and (entry["outlet"].lower() in got.lower() or got.lower() in entry["outlet"].lower()):
                totals["outlet_ok"] += 1
            else:
                notes.append(f"{name}: outlet {got!r}, gold {entry['outlet']}")
        totals["languages"] += 1
        if fields.get("language") == entry.get("language"):
            totals["language_ok"] += 1
        else:
            notes.append(f"{name}: language {fields.get('language')!r}, gold {entry.get('language')}")

        # --- links by gold sentence
        spans = []
        for sentence in entry.get("sentences") or ():
            span = _span_of(sentence["quote"], text, passages)
            if span is None:
                notes.append(f"{name}: gold quote not in the prepared text: {sentence['quote']!r}")
                span = (-1, -1)
            spans.append((span, sentence))
        predicted: dict[int, dict[str, set]] = defaultdict(lambda: {"explicit": set(), "implicit": set(), "all": set()})
        outside_explicit: list = []
        outside_implicit: list = []
        for link in links:
            index = next((i for i, ((s, e), _) in enumerate(spans) if s <= link.start < e), None)
            kind = "explicit" if link.kind == "explicit" and link.place not in feature_ids else "implicit"
            if index is None:
                (outside_explicit if kind == "explicit" else outside_implicit).append(link)
                continue
            predicted[index][kind].add(link.place)
            predicted[index]["all"].add(link.place)
        tp = fp = fn = imp_gold = imp_found = imp_false = feat_gold = feat_found = 0
        for index, (_span, sentence) in enumerate(spans):
            gold_explicit = set(sentence.get("explicit") or ())
            gold_implicit = set(sentence.get("implicit") or ())
            gold_features = set(sentence.get("features") or ())
            got = predicted[index]
            got_explicit = got["explicit"] - feature_ids
            tp += len(got_explicit & gold_explicit)
            fp += len(got_explicit - gold_explicit)
            fn += len(gold_explicit - got_explicit)
            imp_gold += len(gold_implicit)
            imp_found += len(gold_implicit & got["all"])
            wrong = got["implicit"] - gold_implicit - gold_explicit - gold_features - feature_ids
            imp_false += len(wrong)
            feat_gold += len(gold_features)
            feat_found += len(gold_features & got["all"])
            if verbose:
                for place in sorted(gold_explicit - got_explicit):
                    notes.append(f"{name}: missed explicit {place} in {sentence['quote'][:50]!r}")
                for place in sorted(got_explicit - gold_explicit):
                    notes.append(f"{name}: false explicit {place} in {sentence['quote'][:50]!r}")
                for place in sorted(gold_implicit - got["all"]):
                    notes.append(f"{name}: missed implicit {place} in {sentence['quote'][:50]!r}")
                for place in sorted(wrong):
                    notes.append(f"{name}: false implicit {place} in {sentence['quote'][:50]!r}")
                for place in sorted(gold_features - got["all"]):
                    notes.append(f"{name}: missed feature {place} in {sentence['quote'][:50]!r}")
        fp += len(outside_explicit)
        imp_false += len([link for link in outside_implicit if link.place not in feature_ids])
        if verbose:
            for link in outside_explicit + outside_implicit:
                notes.append(f"{name}: link outside the gold sentences: {link.place} {link.text!r} at {link.start}")

        # --- traps
        trap_hits = 0
        for trap in entry.get("traps") or ():
            totals["traps"] += 1
            at = text.find(trap["text"])
            fired = False
            while at >= 0:
                end = at + len(trap["text"])
                if any(link.place in trap["places"] and link.start < end and at < link.end for link in links):
                    fired = True
                at = text.find(trap["text"], at + 1)
            if fired:
                trap_hits += 1
                notes.append(f"{name}: trap fired: {trap['text'][:60]!r}")

        # --- fact candidates
        article = Article(file=name, **{k: v for k, v in fields.items() if k in Article.model_fields})
        document = Document(name, path, text, article, passages)
        rows, _ = cand.candidates(document, gazetteer, linker, None)
        gold_facts = []
        for fact in entry.get("facts") or ():
            at = text.find(fact["quote"])
            gold_facts.append((at, fact))
        matched_core = right_month = month_gold = status_ok = 0
        correct_rows = 0
        for row in rows:
            hit = next((f for at, f in gold_facts if at >= 0 and row["start"] <= at < row["end"]), None)
            if hit is not None:
                correct_rows += 1
                row_to_gold[row["id"]] = hit["id"]
            elif verbose:
                notes.append(f"{name}: false candidate: {row['quote'][:70]!r}")
        for at, fact in gold_facts:
            row = next((r for r in rows if r["start"] <= at < r["end"]), None) if at >= 0 else None
            if fact.get("core"):
                totals["core"] += 1
                if row is None:
                    if verbose:
                        notes.append(f"{name}: missed fact {fact['id']}")
                    continue
                matched_core += 1
                if fact.get("when"):
                    month_gold += 1
                    if (row.get("when") or "")[:7] == str(fact["when"])[:7]:
                        right_month += 1
                    elif verbose:
                        notes.append(f"{name}: {fact['id']} when {row.get('when')!r}, gold {fact['when']}")
                if row.get("reported_status") == fact.get("status"):
                    status_ok += 1
        totals["core_found"] += matched_core
        totals["month_gold"] += month_gold
        totals["month_ok"] += right_month
        totals["status_ok"] += status_ok
        totals["rows"] += len(rows)
        totals["rows_ok"] += correct_rows
        all_rows.extend(rows)
        for key, value in (
            ("tp", tp),
            ("fp", fp),
            ("fn", fn),
            ("imp_gold", imp_gold),
            ("imp_found", imp_found),
            ("imp_false", imp_false),
            ("feat_gold", feat_gold),
            ("feat_found", feat_found),
            ("trap_hits", trap_hits),
        ):
            totals[key] += value
        per_article[name] = {
            "explicit_f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "implicit_recall": _ratio(imp_found, imp_gold),
            "traps_fired": trap_hits,
            "candidates": len(rows),
            "core_found": matched_core,
            "date": fields.get("date"),
            "outlet": fields.get("outlet"),
            "language": fields.get("language"),
        }

    # --- contradictions across articles
    flagged_pairs = set()
    for found in cand.contradictions(all_rows, []):
        a, b = row_to_gold.get(found["a"]["id"]), row_to_gold.get(found["b"]["id"])
        flagged_pairs.add(frozenset((a or found["a"]["id"], b or found["b"]["id"])))
    gold_pairs = {}
    for item in gold.get("contradictions") or ():
        for pair in item["pairs"]:
            gold_pairs[frozenset(pair)] = item["id"]
    flagged = {gold_pairs[p] for p in flagged_pairs if p in gold_pairs}
    false_alarms = [sorted(p) for p in flagged_pairs if p not in gold_pairs]
    for pair in false_alarms:
        notes.append(f"false alarm: {pair[0]} vs {pair[-1]}")

    # --- language detection on other languages
    lang_ok = lang_total = 0
    for name, expected in (gold.get("languages") or {}).items():
        lang_total += 1
        got = detect_language((devset / "lang" / name).read_text(encoding="utf-8"))
        if got == expected:
            lang_ok += 1
        else:
            notes.append(f"lang/{name}: detected {got!r}, gold {expected!r}")

    t = totals
    precision = _ratio(t["tp"], t["tp"] + t["fp"])
    recall = _ratio(t["tp"], t["tp"] + t["fn"])
    result = {
        "explicit": {
            "precision": precision,
            "recall": recall,
            "f1": _ratio(2 * t["tp"], 2 * t["tp"] + t["fp"] + t["fn"]),
        },
        "implicit": {"recall": _ratio(t["imp_found"], t["imp_gold"]), "gold": t["imp_gold"], "false": t["imp_false"]},
        "features": {"recall": _ratio(t["feat_found"], t["feat_gold"]), "gold": t["feat_gold"]},
        "traps": {
            "count": t["traps"],
            "false_links": t["trap_hits"],
            "per_20": _ratio(20 * t["trap_hits"], t["traps"]),
        },
        "facts": {
            "core": t["core"],
            "recall": _ratio(t["core_found"], t["core"]),
            "precision": _ratio(t["rows_ok"], t["rows"]),
            "candidates": t["rows"],
            "right_month": _ratio(t["month_ok"], t["month_gold"]),
            "status_agrees": _ratio(t["status_ok"], t["core_found"]),
        },
        "contradictions": {
            "gold": len(gold.get("contradictions") or ()),
            "flagged": len(flagged),
            "false_alarms": len(false_alarms),
        },
        "ingest": {
            "dated": t["dated"],
            "dates_recovered": t["date_ok"],
            "dates_invented": t["date_false"],
            "outlets": f"{int(t['outlet_ok'])}/{int(t['outlets'])}",
            "languages": f"{int(t['language_ok'])}/{int(t['languages'])}",
            "language_short_texts": f"{lang_ok}/{lang_total}",
        },
        "articles": per_article,
        "notes": notes,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=DEVSET, help="the dev-set folder (default: devset/)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every miss, false link and false alarm")
    args = parser.parse_args(argv)
    result = score(args.devset, verbose=args.verbose)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    e, i, f, tr, c, g = (result[k] for k in ("explicit", "implicit", "facts", "traps", "contradictions", "ingest"))
    print(
        f"explicit mentions   P {_fmt(e['precision'])}  R {_fmt(e['recall'])}  F1 {_fmt(e['f1'])}   (target F1 >= 0.97)"
    )
    print(
        f"implicit references recall {_fmt(i['recall'])} of {int(i['gold'])}, {int(i['false'])} false   (target >= 0.7)"
    )
    print(f"features            recall {_fmt(result['features']['recall'])} of {int(result['features']['gold'])}")
    print(
        f"traps               {int(tr['false_links'])} false links in {int(tr['count'])} traps "
        f"({_fmt(tr['per_20'])} per 20; target <= 1)"
    )
    print(
        f"fact candidates     recall {_fmt(f['recall'])} of {int(f['core'])} core, precision {_fmt(f['precision'])} "
        f"of {int(f['candidates'])}, right month {_fmt(f['right_month'])}, status agrees {_fmt(f['status_agrees'])}"
        "   (targets 0.8 / 0.7 / 0.8)"
    )
    print(
        f"contradictions      {c['flagged']} of {c['gold']} flagged, {c['false_alarms']} false alarms   "
        "(target >= 3 of 4, <= 1 false alarm)"
    )
    print(
        f"ingest              dates {int(g['dates_recovered'])}/{int(g['dated'])} ({int(g['dates_invented'])} invented), "
        f"outlets {g['outlets']}, languages {g['languages']}, short texts {g['language_short_texts']}"
    )
    for note in result["notes"]:
        print("  -", note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
