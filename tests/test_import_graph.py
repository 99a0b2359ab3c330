"""The import graph of pipelines/ and models/ has no cycle (issue 20: "the import graph has no cycle").

The graph is read from the source (ast), not from what Python happens to have imported: every `import` and
`from … import` counts wherever it stands (module level, inside a function, under `if TYPE_CHECKING:`), because
function-level imports are exactly what hid the train ↔ backtest ↔ predict cycle. An edge goes to the module
named (`from a.b import c` → `a.b.c` when that is a module, else the package `a.b`); the parent packages Python
initialises on the way are not edges, so a package's `__init__` re-exporting its modules is not a cycle. A cycle
means a shared piece belongs lower down: move it into a module both sides import.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pipelines.settings import REPO_ROOT

ROOTS = ("pipelines", "models")


def modules_under(root: Path, tops: tuple[str, ...] = ROOTS) -> dict[str, Path]:
    """Dotted module name → file, for every .py under the top packages (a package is its `__init__`)."""
    found = {}
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement in `module` loads: `import a.b` → a.b; `from a.b import c` → a.b.c
    (which is a module or, when c is a name inside a.b, lands on a.b below)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{alias.name}" for alias in node.names]


def import_graph(root: Path = REPO_ROOT, tops: tuple[str, ...] = ROOTS) -> dict[str, set[str]]:
    """module → the modules of the same tree it imports anywhere in its file."""
    modules = modules_under(root, tops)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for dotted in _imported(node, name, path.name == "__init__.py"):
                parts = dotted.split(
                    "."
                )  # the longest prefix that is a module of the tree (none: outside it)
                while parts and ".".join(parts) not in modules:
                    parts.pop()
                if parts and ".".join(parts) != name:
                    graph[name].add(".".join(parts))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), as a closed path a → … → a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_path_within(component, graph) for component in sorted(components)]


def _path_within(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest closed path from the component's first module back to itself (breadth-first inside it)."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, v, start]
                if w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a component of more than one module always has one


def test_function_level_and_relative_imports_make_edges_and_a_cycle_is_named(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "risk").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.risk import train\n")
    (pkg / "risk" / "__init__.py").write_text("")
    (pkg / "risk" / "train.py").write_text("from pkg.risk.metrics import score\n")
    (pkg / "risk" / "metrics.py").write_text("def score():\n    from .backtest import run\n    return run\n")
    (pkg / "risk" / "backtest.py").write_text("import pkg.risk.train as t\n")
    (pkg / "risk" / "alone.py").write_text("from pkg.risk import metrics\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg.risk.metrics"] == {"pkg.risk.backtest"}
    assert graph["pkg.risk.alone"] == {
        "pkg.risk.metrics"
    }  # not the package pkg.risk it names the module from
    assert graph["pkg"] == {"pkg.risk.train"}
    assert cycles(graph) == [["pkg.risk.backtest", "pkg.risk.train", "pkg.risk.metrics", "pkg.risk.backtest"]]
    (pkg / "risk" / "metrics.py").write_text("def score():\n    return 1\n")
    assert cycles(import_graph(tmp_path, ("pkg",))) == []


def test_pipelines_and_models_import_without_a_cycle() -> None:
    graph = import_graph()
    assert {"models.risk.train", "pipelines.night_steps"} <= graph.keys()  # the graph sees the tree
    assert "pipelines.warehouse" in graph["pipelines.night_steps"]
    found = cycles(graph)
    listed = "\n".join("  " + " → ".join(cycle) for cycle in found)
    assert not found, f"import cycles (move the shared piece into a module both sides import):\n{listed}"
