"""No import cycles: every module of the shop can be read from the bottom up.

A module-level cycle makes the import order matter (the second module of the ring sees
the first half-initialised); a lazy import inside a function only hides one. The whole
house is checked for module-level cycles, and the mail machinery - where lazy imports
once hid outbox <-> newsletter_mail <-> worker - for cycles of any kind.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ktaishop", "models", "carrier_compat", "storefront", "admin", "migrations")
Graph = dict[str, set[str]]


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages`` under ``root``."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _statements(body: list[ast.stmt], inside_functions: bool) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported (with ``inside_functions``:
    every statement). ``if TYPE_CHECKING:`` blocks never run."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not inside_functions:
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ExceptHandler):
                yield from _statements(child.body, inside_functions)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                stmts = [s for s in block if isinstance(s, ast.stmt)]
                yield from _statements(stmts, inside_functions)


def _targets(node: ast.stmt, name: str, is_package: bool, known: dict[str, Path]) -> set[str]:
    """Our modules one import statement names (``from pkg import sub`` names pkg.sub)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        anchor = here[: len(here) - (node.level - 1)]
        base = ".".join(anchor + ([node.module] if node.module else []))
    targets = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in known:
            targets.add(f"{base}.{alias.name}")
        elif base in known:
            targets.add(base)
    return targets


def import_graph(known: dict[str, Path], inside_functions: bool = False) -> Graph:
    """Who imports whom among ``known``: module-level imports, or every import."""
    graph: Graph = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        graph[name] = set()
        for node in _statements(tree.body, inside_functions):
            graph[name] |= _targets(node, name, is_package, known)
        graph[name].discard(name)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """The groups of modules that import each other round in a ring (Tarjan's SCCs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_level_import_cycle_in_the_house():
    found = cycles(import_graph(modules(ROOT, PACKAGES)))
    assert found == [], f"modules importing each other at import time: {found}"


def test_the_mail_machinery_has_no_cycle_even_through_lazy_imports():
    known = modules(ROOT, PACKAGES)
    mail = {name: path for name, path in known.items() if name.startswith("ktaishop.mail")}
    graph = import_graph(known, inside_functions=True)
    found = cycles({name: graph[name] & mail.keys() for name in mail})
    assert found == [], f"mail modules importing each other, lazily or not: {found}"


def test_the_checker_sees_a_cycle_and_tells_lazy_imports_apart(tmp_path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("from . import outbox\n")
    (package / "outbox.py").write_text("from shop.builders import build\n")
    (package / "builders.py").write_text(
        "try:\n    from .outbox import send\nexcept ImportError:\n    pass\n")
    (package / "worker.py").write_text("from . import outbox\n\ndef tick():\n"
                                       "    from shop import worker\n    import shop.outbox\n")
    known = modules(tmp_path, ("shop",))
    assert cycles(import_graph(known)) == [["shop.builders", "shop.outbox"]]
    (package / "builders.py").write_text("def send():\n    from .outbox import send\n")
    assert cycles(import_graph(known)) == []
    assert cycles(import_graph(known, inside_functions=True)) == [["shop.builders",
                                                                    "shop.outbox"]]
