"""Command line of the Kuril explorer: validate the data, rebuild the geodata, list links and facts.

Every problem with an input file is printed as ``file: where: problem`` on stderr; no command prints
a traceback for bad input. Exit codes: 0 all good, 1 some input was refused or invalid, 2 usage.
The JSON printed by ``links`` and ``facts`` is a stable contract (see README).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from explorer import __version__
from explorer.data.errors import DataError
from explorer.data.paths import CORPUS_ENV, GAZETTEER_PATH, GEODATA_DIR, resolve_corpus
from explorer.data.readers import is_text_encoding
from explorer.render.viewpoints import LANGS, VIEWS
from explorer.terminal import EscapingStream


def main(argv: list[str] | None = None) -> int:
    stdout, stderr = sys.stdout, sys.stderr
    # Everything printed goes through the one way out: control characters from data shown escaped.
    sys.stdout, sys.stderr = EscapingStream(stdout), EscapingStream(stderr)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _run(argv: list[str] | None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse: --help/--version (0) or a usage error (2), already printed
        return int(stop.code or 0)
    try:
        if hasattr(args, "corpus"):
            args.corpus = resolve_corpus(args.corpus)
            if not args.corpus.is_dir():
                raise DataError(args.corpus, "is not a folder (the corpus must be a folder of .txt articles)")
        return args.run(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as err:  # a file we write or a folder we list, named by the OS
        where = err.filename if err.filename is not None else "a file"
        print(f"error: {where}: {err.strerror or err}", file=sys.stderr)
        return 1
    except (RecursionError, MemoryError) as err:
        print(f"error: the input is too deeply nested or too large ({type(err).__name__})", file=sys.stderr)
        return 1
    except Exception as err:  # a bug of ours: still one line, never a traceback on a user's terminal
        first = str(err).splitlines()[0] if str(err) else ""
        print(f"error: internal error ({type(err).__name__}: {first[:300]}); please report it", file=sys.stderr)
        return 1


class UsageError(ValueError):
    """A bad option value: exit 2, with one line naming the option."""


MAX_PICTURE_SIDE = 8000  # pixels; 20000x20000 would need 1.6 GB of RGBA


def _count(text: str) -> int:
    """argparse type: a whole number >= 1 of at most 9 digits."""
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 999999999, not {text[:40]!r}")
    return int(text)


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, not {text[:40]!r}")
    return value


def _text_encoding(text: str) -> str:
    """argparse type: a codec that decodes bytes to text (rot13 and base64 are not)."""
    if not is_text_encoding(text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a known text encoding (e.g. utf-8, cp1251)")
    return text


def _picture_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*[xX]\s*([0-9]{1,6})\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"must look like 1200x900, not {text[:40]!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= MAX_PICTURE_SIDE and 16 <= height <= MAX_PICTURE_SIDE):
        raise argparse.ArgumentTypeError(f"each side must be 16 to {MAX_PICTURE_SIDE} pixels, not {text[:40]!r}")
    return width, height


def _parser() -> argparse.ArgumentParser:
    prog = "kuril-explorer" if Path(sys.argv[0]).name == "kuril-explorer" else "python -m explorer"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def corpus_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--corpus",
            type=Path,
            default=None,
            metavar="DIR",
            help=f"your corpus: the folder your articles are added to and read from, shown with the curated "
            f"ones (default: ${CORPUS_ENV}, else the user data folder; a folder with its own sources.yaml "
            "is shown instead of the curated seeds)",
        )

    def gazetteer_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--gazetteer",
            type=Path,
            default=GAZETTEER_PATH,
            metavar="PATH",
            help="gazetteer YAML file (default: geodata/gazetteer.yaml)",
        )

    def format_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--format", choices=["table", "json"], default="table", help="table for people (default), json for tools"
        )

    def view_options(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--view",
            choices=VIEWS,
            default="neutral",
            help="point of view for labels, group names, legend and shading (default: neutral)",
        )
        command.add_argument(
            "--lang",
            choices=LANGS,
            default="en",
            help="language of place labels (default: en; both = Japanese and Russian)",
        )

    validate = commands.add_parser("validate", help="check every data file; exit 1 naming each problem")
    gazetteer_option(validate)
    corpus_option(validate)
    validate.add_argument(
        "--geodata",
        type=Path,
        default=GEODATA_DIR,
        metavar="DIR",
        help="folder holding islands/region/sites.geojson and systems.yaml (default: geodata/; without a "
        "systems.yaml there, the curated one is checked, as fact candidates then read it)",
    )
    validate.set_defaults(run=_validate)

    build = commands.add_parser(
        "build-geodata", help="regenerate geodata/*.geojson from GSHHG (needs requirements-dev.txt)"
    )
    gazetteer_option(build)
    build.add_argument("--out", type=Path, default=GEODATA_DIR, metavar="DIR", help="output folder (default: geodata/)")
    build.set_defaults(run=_build_geodata)

    links = commands.add_parser("links", help="every mention of every place in the corpus (or in FILEs)")
    corpus_option(links)
    gazetteer_option(links)
    format_option(links)
    links.add_argument(
        "files", nargs="*", type=Path, metavar="FILE", help="link only these files (they need not be in the corpus)"
    )
    links.set_defaults(run=_links)

    facts = commands.add_parser("facts", help="the curated facts with their quotes, and where sources disagree")
    corpus_option(facts)
    gazetteer_option(facts)
    format_option(facts)
    facts.add_argument(
        "--candidates",
        action="store_true",
        help="propose facts the curated file does not hold yet (status: candidate), for review",
    )
    facts.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="with --candidates: only these articles (default: the whole corpus)",
    )
    facts.set_defaults(run=_facts)

    ingest = commands.add_parser("ingest", help="add articles (.txt, .html) to a corpus; bad files are refused, named")
    ingest.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR", help="articles, or folders to search")
    corpus_option(ingest)
    ingest.add_argument(
        "--encoding",
        type=_text_encoding,
        help="decode inputs with this encoding instead of UTF-8 (e.g. cp1251, shift_jis)",
    )
    ingest.add_argument(
        "--max-bytes", type=_count, default=None, metavar="N", help="refuse files larger than N bytes (default: 5 MB)"
    )
    ingest.add_argument(
        "--min-visible",
        type=_ratio,
        default=None,
        metavar="RATIO",
        help="refuse HTML whose visible text is below this share of the file (default: 0.2)",
    )
    ingest.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata for every article of this batch (outlet=..., date=2019-05-10, language=ru)",
    )
    ingest.add_argument("--jobs", type=_count, default=1, metavar="N", help="worker processes for parsing and linking")
    ingest.add_argument("--no-index", action="store_true", help="do not update the search index")
    ingest.add_argument("--durable", action="store_true", help="fsync every article (slower, safer on power loss)")
    format_option(ingest)
    ingest.set_defaults(run=_ingest)

    search = commands.add_parser("search", help="full-text search of every passage (English, Russian, Japanese)")
    search.add_argument("query", metavar="QUERY", help="words to find (any script); search syntax is not interpreted")
    corpus_option(search)
    search.add_argument("--place", metavar="ID", help="only passages that mention this place or a place inside it")
    search.add_argument("--outlet", help="only articles from this outlet")
    search.add_argument(
        "--from", dest="date_from", metavar="DATE", help="only articles dated on or after (2017, 2017-03)"
    )
    search.add_argument("--to", dest="date_to", metavar="DATE", help="only articles dated on or before")
    search.add_argument("--limit", type=_count, default=50, help="at most this many results (default: 50)")
    format_option(search)
    search.set_defaults(run=_search)

    scan = commands.add_parser(
        "scan", help="find the articles that mention the places in news archives (JSON Lines, Parquet, WARC), on Dask"
    )
    scan.add_argument(
        "archives",
        nargs="+",
        type=Path,
        metavar="ARCHIVE",
        help="archive files: .jsonl/.ndjson(.gz) with id,url,date,title,text; .parquet; .warc(.gz)",
    )
    scan.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="new (or empty) folder for the Parquet tables and articles",
    )
    scan.add_argument(
        "--workers", type=int, default=2, metavar="N", help="worker processes of the local Dask cluster (default: 2)"
    )
    scan.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this existing Dask cluster instead of a local one (its workers must read the archives)",
    )
    scan.add_argument(
        "--partition-size",
        type=float,
        default=32.0,
        metavar="MB",
        help="split archives into pieces of about this many megabytes (default: 32)",
    )
    gazetteer_option(scan)
    format_option(scan)
    scan.set_defaults(run=_scan)

    export_map = commands.add_parser(
        "export-map", help="write ONE self-contained HTML evidence map (works offline, from disk)"
    )
    export_map.add_argument("out", type=Path, metavar="OUT.html", help="file to write")
    corpus_option(export_map)
    gazetteer_option(export_map)
    export_map.add_argument("--place", metavar="ID", help="place selected when the page opens (a gazetteer id)")
    view_options(export_map)
    export_map.add_argument(
        "--lesson",
        metavar="ID_OR_FILE",
        help="also step through a lesson in the page (an id from lessons/ or a lesson YAML file)",
    )
    export_map.add_argument(
        "--max-passages",
        type=_positive_int,
        default=25,
        metavar="N",
        help="passages kept per place, newest first; the page counts the rest (default 25)",
    )
    export_map.set_defaults(run=_export_map)

    from explorer.render.exports import FORMATS  # light: the writers import geopandas only when they run

    export = commands.add_parser(
        "export", help="the data in formats other tools read (GeoJSON, GeoPackage, CSV, JSON-LD)"
    )
    export.add_argument(
        "--format",
        required=True,
        choices=[*FORMATS, "all"],
        help="; ".join(f"{name}: {spec[2]}" for name, spec in FORMATS.items()) + "; all: every format",
    )
    export.add_argument("out", type=Path, metavar="OUT", help="file to write, or a folder (required for --format all)")
    corpus_option(export)
    gazetteer_option(export)
    export.set_defaults(run=_export)

    picture = commands.add_parser("export-picture", help="a static map picture (PNG or SVG) for slides and print")
    picture.add_argument("out", type=Path, metavar="OUT.png|OUT.svg", help="file to write; the suffix picks the format")
    corpus_option(picture)
    gazetteer_option(picture)
    view_options(picture)
    picture.add_argument(
        "--highlight",
        metavar="ID",
        action="append",
        default=[],
        help="outline this place (a gazetteer id); repeat for more",
    )
    picture.add_argument(
        "--size",
        metavar="WxH",
        type=_picture_size,
        default=(1200, 900),
        help=f"picture size in pixels, each side 16 to {MAX_PICTURE_SIDE} (default: 1200x900)",
    )
    picture.add_argument("--title", help="title drawn on the picture")
    picture.set_defaults(run=_export_picture)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from explorer.validate import validate_all

    layers = {name: args.geodata / f"{name}.geojson" for name in ("islands", "region", "sites")}
    systems = args.geodata / "systems.yaml"
    report = validate_all(args.gazetteer, layers, args.corpus, systems_path=systems if systems.is_file() else None)
    for line in report.checked:
        print(f"ok: {line}")
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    if report.ok:
        print("valid")
    return 0 if report.ok else 1


def _build_geodata(args: argparse.Namespace) -> int:
    from explorer.build.geodata_build import run

    return run(args.gazetteer, args.out)


def _links(args: argparse.Namespace) -> int:
    from explorer.corpus.documents import load_corpus, load_document
    from explorer.data.gazetteer import load_gazetteer
    from explorer.text.linking import Linker

    linker = Linker(load_gazetteer(args.gazetteer).data)
    problems: list[DataError] = []
    if args.files:
        try:
            corpus = load_corpus(args.corpus)
        except DataError:  # the FILEs are linked anyway; metadata is only a bonus
            corpus = None
        documents = []
        for path in args.files:
            known = corpus.document(path.name) if corpus else None
            try:
                documents.append(load_document(path, known.article if known else None))
            except DataError as err:
                problems.append(err)
    else:
        corpus = load_corpus(args.corpus)
        documents, problems = corpus.documents, corpus.problems
    links = [link for doc in documents for link in linker.link(doc.text, doc.file, doc.passages)]
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if args.format == "json":
        json.dump({"links": [link.as_json() for link in links]}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print_table(
            ["file", "span", "place", "kind", "rule", "alias", "text"],
            [
                [l.file, f"{l.start}-{l.end}", l.place, l.kind, l.rule, l.alias, l.text.replace("\n", "⏎")]
                for l in links
            ],
        )
        print(f"{len(links)} links in {len(documents)} files")
    return 1 if problems else 0


def _facts(args: argparse.Namespace) -> int:
    from explorer.corpus.facts import facts_json, load_facts

    if args.candidates:
        return _candidates(args)
    if args.files:
        print("error: FILE arguments go with --candidates", file=sys.stderr)
        return 2
    from explorer.corpus.documents import corpus_view

    folder = corpus_view(args.corpus).facts_folder
    facts = load_facts(folder)
    if facts is None:
        raise DataError(folder, "has no facts.yaml")
    data = facts_json(facts)
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    _print_table(
        ["id", "file", "when", "status", "where", "what"],
        [[f["id"], f["file"], f["when"] or "?", f["status"], ",".join(f["where"]), f["what"]] for f in data["facts"]],
    )
    print(f"\n{len(data['contradictions'])} disagreements between sources:")
    for pair in data["contradictions"]:
        print(f"- {pair['event']}: {pair['why']}")
    return 0


def _candidates(args: argparse.Namespace) -> int:
    from explorer.corpus.candidates import candidates_report

    data, problems = candidates_report(args.files or None, args.corpus, gazetteer_path=args.gazetteer)
    for problem in problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if args.format == "json":
        json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        _print_table(
            ["id", "when", "reported", "where", "what"],
            [
                [f["id"], f.get("when") or "?", f.get("reported_status", ""), ",".join(f["where"]), f["what"]]
                for f in data["facts"]
            ],
        )
        print(
            f"{len(data['facts'])} candidate facts (for review: nothing was written), "
            f"{len(data['contradictions'])} possible contradictions"
        )
    return 1 if problems else 0


def _ingest(args: argparse.Namespace) -> int:
    from explorer.corpus.ingest import ingest

    options = {
        "jobs": args.jobs,
        "encoding": args.encoding,
        "update_index": not args.no_index,
        "durable": args.durable,
        "progress": args.format == "table" and sys.stderr.isatty(),
    }
    if args.max_bytes is not None:
        options["max_bytes"] = args.max_bytes
    if args.min_visible is not None:
        options["min_visible_ratio"] = args.min_visible
    try:
        metadata = dict(item.split("=", 1) for item in args.meta) if args.meta else None
        report = ingest(args.paths, args.corpus, metadata=metadata, **options)
    except ValueError as err:  # bad --meta or --encoding: a usage error
        print(f"error: {err}", file=sys.stderr)
        return 2
    for problem in report.refused:
        print(f"refused: {problem}", file=sys.stderr)
    if args.format == "json":
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print("\n".join(report.lines()))
    return report.exit_code


def _search(args: argparse.Namespace) -> int:
    from explorer.corpus.search_index import SearchIndex

    with SearchIndex(args.corpus) as index:
        try:
            hits = index.search(
                args.query,
                place=args.place,
                outlet=args.outlet,
                date_from=args.date_from,
                date_to=args.date_to,
                limit=args.limit,
            )
        except ValueError as err:  # a malformed date
            print(f"error: {err}", file=sys.stderr)
            return 2
        for note in index.notes:
            print(f"note: {note}", file=sys.stderr)
    if args.format == "json":
        json.dump(
            {"query": args.query, "hits": [hit.as_json() for hit in hits]}, sys.stdout, ensure_ascii=False, indent=1
        )
        print()
        return 0
    for hit in hits:
        print(
            f"{hit.rank:>3}. {hit.file} {hit.passage} [{hit.date or 'date unknown'}, {hit.outlet or 'outlet unknown'}]"
        )
        print(f"     {hit.snippet.replace(chr(10), ' ')}")
    print(f"{len(hits)} passages")
    return 0


def _scan(args: argparse.Namespace) -> int:
    from explorer.scan.job import run_scan

    if args.workers < 1 or args.partition_size <= 0:
        print("error: --workers and --partition-size must be positive", file=sys.stderr)
        return 2
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        print(f"error: --scheduler must look like tcp://HOST:PORT, not {args.scheduler!r}", file=sys.stderr)
        return 2
    try:
        report = run_scan(
            args.archives,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            partition_bytes=max(1, int(args.partition_size * 1024 * 1024)),
            gazetteer_path=args.gazetteer,
            progress=args.format == "table" and sys.stderr.isatty(),
        )
    except ValueError as err:  # an archive of unknown format, an output folder in use
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # the output folder cannot be written, an archive cannot be read
        print(f"error: {err.filename or args.out}: {err.strerror or err}", file=sys.stderr)
        return 1
    if args.format == "json":
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        lines = report.lines()
        for line in lines[:-2]:
            print(line, file=sys.stderr)
        print("\n".join(lines[-2:]))
    return report.exit_code


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _export_map(args: argparse.Namespace) -> int:
    from explorer.evidence import Evidence
    from explorer.render.export_map import export_map

    evidence = Evidence.load(args.corpus, args.gazetteer)
    if args.place is not None and args.place not in evidence.gazetteer:
        raise DataError(args.gazetteer, f"has no place with id {args.place!r} (see geodata/README.md for the ids)")
    for problem in evidence.corpus.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    lesson = None
    if args.lesson:
        from explorer.render.lesson import LESSONS_DIR, load_lesson

        candidate = Path(args.lesson)
        lesson = load_lesson(
            candidate if candidate.suffix in (".yaml", ".yml") else LESSONS_DIR / f"{args.lesson}.yaml"
        )
    size = export_map(
        args.out, evidence, args.view, args.lang, args.place, lesson=lesson, max_passages=args.max_passages
    )
    print(
        f"wrote {args.out}: {size:,} bytes ({len(evidence.corpus.documents)} articles, view {args.view}, labels {args.lang})"
    )
    return 1 if evidence.corpus.problems else 0


def _export(args: argparse.Namespace) -> int:
    from explorer.evidence import Evidence
    from explorer.render.exports import export

    evidence = Evidence.load(args.corpus, args.gazetteer)
    for problem in evidence.corpus.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if args.format == "all":
        args.out.mkdir(parents=True, exist_ok=True)
    for path in export(evidence, args.format, args.out):
        if path.is_dir():  # the article texts the JSON-LD's targets point to
            print(f"wrote {path}/: {sum(1 for _ in path.iterdir())} article texts")
        else:
            print(f"wrote {path}: {path.stat().st_size:,} bytes")
    return 1 if evidence.corpus.problems else 0


def _export_picture(args: argparse.Namespace) -> int:
    from explorer.corpus.atomic_files import write_output
    from explorer.evidence import Evidence
    from explorer.render.picture import png_font_note, render_png, render_svg

    width, height = args.size
    suffix = args.out.suffix.lower()
    if suffix not in (".png", ".svg"):
        print(f"error: {args.out} must end in .png or .svg", file=sys.stderr)
        return 2
    evidence = Evidence.load(args.corpus, args.gazetteer)
    unknown = [place for place in args.highlight if place not in evidence.gazetteer]
    if unknown:
        raise DataError(args.gazetteer, f"has no place with id {', '.join(map(repr, unknown))}")
    options = dict(
        view=args.view,
        lang=args.lang,
        highlight=frozenset(args.highlight),
        width=width,
        height=height,
        title=args.title,
    )
    if suffix == ".svg":
        write_output(args.out, render_svg(evidence, **options).encode("utf-8"))
    else:
        note = png_font_note(args.lang)
        if note:
            print(f"note: {note}", file=sys.stderr)
        write_output(args.out, render_png(evidence, **options))
    print(f"wrote {args.out}: {args.out.stat().st_size:,} bytes")
    return 0


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [min(60, max([len(h)] + [len(str(row[i])) for row in rows])) for i, h in enumerate(header)]
    for row in [header, *rows]:
        print("  ".join(str(cell)[:60].ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
