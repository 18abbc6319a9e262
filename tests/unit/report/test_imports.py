"""The report reads results and never reaches model code: a check of the import graph.

Every import a report module makes (at module level or inside functions, not under
``TYPE_CHECKING``) is followed through the package, parent packages included, since Python
runs them. The root package ``tariffsim`` is not followed: its ``__init__`` re-exports the
public API, and a report module may take only ``__version__`` from it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tariffsim

SRC = Path(tariffsim.__file__).resolve().parent
MODEL_CODE = ("tariffsim.models", "tariffsim.games", "tariffsim.uncertainty", "tariffsim.estimate",
              "tariffsim.results", "tariffsim.scenario", "tariffsim.shock", "tariffsim.replicate")


def module_file(name: str) -> Path | None:
    path = SRC.joinpath(*name.split(".")[1:])
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def imports(name: str) -> tuple[set[str], set[str]]:
    """(modules of tariffsim imported by module ``name``, names taken from the root package)."""
    path = module_file(name)
    assert path is not None, name
    found: set[str] = set()
    from_root: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            if base == "tariffsim":
                from_root.update(alias.name for alias in node.names)
            for alias in node.names:
                if module_file(f"{base}.{alias.name}") is not None:
                    found.add(f"{base}.{alias.name}")

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m.startswith("tariffsim.")}, from_root


def report_modules() -> list[str]:
    return sorted(f"tariffsim.report.{p.stem}" for p in (SRC / "report").glob("*.py") if p.stem != "__init__")


def reachable(start: list[str]) -> dict[str, str]:
    """Module → the module that imported it, for everything reachable from ``start``."""
    parent: dict[str, str] = {m: "" for m in start}
    todo = list(start)
    while todo:
        current = todo.pop()
        if module_file(current) is None:
            continue
        direct, _ = imports(current)
        parts = current.split(".")
        direct |= {".".join(parts[:k]) for k in range(2, len(parts))}  # parent packages run first
        for module in direct:
            if module not in parent:
                parent[module] = current
                todo.append(module)
    return parent


def test_report_modules_never_reach_model_code():
    modules = report_modules()
    assert {"tariffsim.report.html", "tariffsim.report.static", "tariffsim.report.runs",
            "tariffsim.report.views", "tariffsim.report.run"} <= set(modules)
    parent = reachable(modules)
    assert "tariffsim.data.catalog" in parent  # the walk does follow imports
    bad = sorted(m for m in parent if m.startswith(MODEL_CODE))
    chains = []
    for module in bad:
        chain = [module]
        while parent.get(chain[-1]):
            chain.append(parent[chain[-1]])
        chains.append(" <- ".join(chain))
    assert not bad, "report code reaches model code: " + "; ".join(chains)


def test_report_modules_take_only_the_version_from_the_root_package():
    for module in report_modules():
        _, from_root = imports(module)
        assert from_root <= {"__version__"}, (module, from_root)


def test_importing_the_report_package_imports_no_plotting_library():
    code = ("import sys, tariffsim.report, tariffsim.report.html, tariffsim.report.static, tariffsim.report.runs, "
            "tariffsim.cli; print(sorted(m for m in ('plotly', 'matplotlib', 'duckdb') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"
