"""The package's import graph: no cycles, and nothing below the top layer imports the package root.

The rule (ARCHITECTURE.md, "Import direction"): module A *imports* module B when A's
source says ``import B``, ``from B import name`` or ``from P import B`` (B a submodule of
P), relative forms included, **at module level or inside a function**: a lazy import
still makes A depend on B. Imports under ``if TYPE_CHECKING:`` do not count (they never
run), nor do ``importlib.import_module`` strings, nor the parent packages Python
initialises on the way to a submodule (``tariffsim.data.catalog`` runs
``tariffsim/data/__init__.py`` first; that is not an edge).

1. Among the modules of ``src/tariffsim`` this graph has no cycle. Edges into the package
   root are left to rule 2: the root imports the models for its public API, so each of
   them closes a cycle.
2. Only the top layer (``cli``, ``web``, ``replicate``, ``__main__``) imports the package
   root; the version lives in ``tariffsim._version``.
"""

from __future__ import annotations

import ast
import functools
import itertools
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "tariffsim"
TOP_LAYER = ("tariffsim.cli", "tariffsim.web", "tariffsim.replicate", "tariffsim.__main__")


def modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / ROOT).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


class _Imports(ast.NodeVisitor):
    """The package modules one module imports, each with the first line that does."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.edges: dict[str, int] = {}

    def _add(self, target: str, line: int) -> None:
        if target in self.known:
            self.edges.setdefault(target, line)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.package
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node.lineno)


@functools.cache
def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line}."""
    mods = modules()
    graph = {}
    for module, path in mods.items():
        visitor = _Imports(module, path.name == "__init__.py", set(mods))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        visitor.edges.pop(module, None)
        graph[module] = visitor.edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other: strongly connected components of more than one
    module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle inside a strongly connected component: a readable witness for the failure message."""
    members = set(component)
    path = [component[0]]
    while True:
        nxt = next(m for m in sorted(graph[path[-1]]) if m in members)
        if nxt in path:
            return [*path[path.index(nxt):], nxt]
        path.append(nxt)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["e", "e2"]]
    assert cycle_through(["a", "b", "c"], graph) == ["a", "b", "c", "a"]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_relative_and_submodule_imports():
    source = textwrap.dedent("""
        from typing import TYPE_CHECKING
        from . import worlds
        from .importers import _base
        from tariffsim import errors

        if TYPE_CHECKING:
            from tariffsim.world import World

        def lazy():
            import tariffsim.results
            from ..models import simulate
    """)
    known = {"tariffsim", "tariffsim.data", "tariffsim.data.worlds", "tariffsim.data.importers",
             "tariffsim.data.importers._base", "tariffsim.errors", "tariffsim.world", "tariffsim.results",
             "tariffsim.models"}
    visitor = _Imports("tariffsim.data.catalog", False, known)
    visitor.visit(ast.parse(source))
    assert set(visitor.edges) == {"tariffsim.data.worlds", "tariffsim.data.importers._base", "tariffsim.errors",
                                  "tariffsim.results", "tariffsim.models"}
    graph = import_graph()
    assert graph["tariffsim.data.baseline"].keys() >= {"tariffsim.data.catalog", "tariffsim.world"}
    assert "tariffsim.data.worlds" in graph["tariffsim.data"]  # a package's __init__ importing a submodule


def test_no_import_cycles():
    graph = import_graph()
    edges = {module: {t for t in targets if t != ROOT} for module, targets in graph.items()}
    found = cycles(edges)
    described = []
    for group in found:
        path = cycle_through(group, edges)
        described.append(", ".join(group) + "; e.g. "
                         + " -> ".join(f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(path))
                         + f" -> {path[-1]}")
    assert not found, "modules that import each other:\n" + "\n".join(described)


def test_only_the_top_layer_imports_the_package_root():
    graph = import_graph()
    below = {module: targets[ROOT] for module, targets in graph.items()
             if ROOT in targets and module != ROOT and not module.startswith(TOP_LAYER)}
    assert not below, (
        "import the version from tariffsim._version and the rest from its own module: "
        + ", ".join(f"{m} (line {line})" for m, line in sorted(below.items())))
