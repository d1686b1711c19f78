"""The house rules, checked on the source: no import cycles, no private names across modules, long
functions say why, Streamlit only in the app's pieces, and docs/architecture.md names every module.

Read with :mod:`ast` (nothing is imported), so a rule broken in a rarely run path is caught too.
Function-level (lazy) imports count as dependencies: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "explorer"
LONG_FUNCTION_LINES = 80
# A long function passes when its docstring has a paragraph that starts with this and says why.
LONG_MARKER = "Long because"
# Current long functions without such a paragraph, each with the reason it stays (for now). The test
# fails when one of them gets short (remove it here) or a new long function appears.
LONG_EXCEPTIONS = {
    "explorer.cli._parser": "the CLI's declaration: one block per command, read top to bottom as the help",
    "explorer.render.picture.build_scene": "owned by the map work of issue 11 (being split there)",
    "explorer.render.picture.render_png": "owned by the map work of issue 11 (drawing order in one place)",
    "explorer.render.mapview.build_map": "owned by the map work of issue 11 (layers added in drawing order)",
    "explorer.render.export_map.export_map_html": "owned by the map work of issue 11 (the page in order)",
    "explorer.corpus.candidates.resolve_when": "one ordered cascade of date rules; the order is the logic",
}
# Only these may import Streamlit: the map builder and everything below the app stay usable without it.
STREAMLIT_MODULES = {
    "app",
    "explorer.app.page",
    "explorer.app.app_state",
    "explorer.app.user_articles",
    "explorer.app.evidence_map",  # the map + evidence panel as a Streamlit component
    "explorer.app.page_frame",  # the page's constant CSS, drawn before anything heavy is imported
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


SOURCES = {module_name(p): p for p in [*sorted(PACKAGE.rglob("*.py")), ROOT / "app.py"]}
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in SOURCES.items()}


def imported_modules(name: str) -> dict[str, int]:
    """Project modules ``name`` imports (``from pkg import module`` counts as the module), by line."""
    found: dict[str, int] = {}
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "explorer":
                    found.setdefault(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "explorer":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.setdefault(full if full in SOURCES else node.module, node.lineno)
    found.pop(name, None)
    return found


def cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each as a list of names."""
    graph = {name: [m for m in imported_modules(name) if m in SOURCES] for name in SOURCES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return groups


def test_no_import_cycles() -> None:
    assert cycles() == []


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(name: str) -> list[str]:
    """``from x import _y`` and ``x._y`` (x a project module imported here) from another module."""
    found = []
    aliases: dict[str, str] = {}
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "explorer":
            for alias in node.names:
                if is_private(alias.name) and node.module != name:
                    found.append(f"{SOURCES[name].name}:{node.lineno}: from {node.module} import {alias.name}")
                full = f"{node.module}.{alias.name}"
                if full in SOURCES:
                    aliases[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in SOURCES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(TREES[name]):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and is_private(node.attr)
        ):
            found.append(f"{SOURCES[name].name}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return found


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_private_names_across_modules(name: str) -> None:
    assert private_uses(name) == []


def long_functions() -> dict[str, tuple[int, str]]:
    """Qualified name -> (lines, docstring) of every function longer than the limit."""
    found = {}
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > LONG_FUNCTION_LINES:
                    found[f"{name}.{node.name}"] = (lines, ast.get_docstring(node) or "")
    return found


def test_long_functions_say_why() -> None:
    unexplained = {
        name: lines
        for name, (lines, doc) in long_functions().items()
        if name not in LONG_EXCEPTIONS and not any(p.strip().startswith(LONG_MARKER) for p in doc.split("\n\n"))
    }
    assert unexplained == {}, f"over {LONG_FUNCTION_LINES} lines: split them or say why ({LONG_MARKER} ...)"


def test_listed_exceptions_are_current() -> None:
    long = long_functions()
    assert sorted(name for name in LONG_EXCEPTIONS if name not in long) == [], "short now: drop from the list"


def test_streamlit_only_in_the_app() -> None:
    importers = set()
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(m.split(".")[0] in ("streamlit", "streamlit_folium") for m in modules):
                importers.add(name)
    assert importers <= STREAMLIT_MODULES, importers - STREAMLIT_MODULES


def test_architecture_doc_names_every_module() -> None:
    """docs/architecture.md's table has one row per module (`explorer/x/y.py`), and no stale rows."""
    import re

    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `(explorer/[a-z_/]+\.py|app\.py)` \|", doc, flags=re.MULTILINE))
    modules = {
        str(path.relative_to(ROOT))
        for path in SOURCES.values()
        if path.name != "__init__.py" or path == ROOT / "app.py"
    }
    assert sorted(modules - rows) == [], "modules missing from docs/architecture.md"
    assert sorted(rows - modules) == [], "rows for modules that no longer exist"
