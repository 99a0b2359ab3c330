"""No function in pipelines/ or models/ is longer than MAX_LINES (issue 20: "the longest function in `pipelines/`
and `models/` is ≤ 80 lines"). A function's length is its `def` line to its last line (ast: end_lineno - lineno
+ 1), decorators not counted; methods and nested functions are functions too (a nested one also counts towards
the function around it). Ruff's PLR0912/PLR0915 (pyproject.toml) bound branches and statements; this bounds size.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from pipelines.settings import REPO_ROOT

MAX_LINES = 80
ROOTS = ("pipelines", "models")


def function_lengths(source: str) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method in `source`, nested ones included."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                out.append((name, (child.end_lineno or child.lineno) - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return out


@functools.cache
def too_long(root: Path = REPO_ROOT) -> dict[tuple[str, str], int]:
    """(file relative to the repository, qualified name) → lines, for every function over MAX_LINES."""
    found = {}
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for name, n in function_lengths(path.read_text(encoding="utf-8")):
                if n > MAX_LINES:
                    found[(rel, name)] = n
    return found


def test_the_measure_counts_def_to_last_line_and_sees_methods_and_nested_functions() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES - 1))  # def line + 79 lines = 80
    source = (
        f"def fits():\n{body}\n\n"
        f"def over():\n{body}\n    return x0\n\n"
        f"class C:\n    @staticmethod\n    def method():\n"
        + "\n".join(f"    {line}" for line in body.splitlines())
        + "\n        return 1\n\n"
        "def outer():\n    def inner():\n        return 1\n    return inner\n"
    )
    lengths = dict(function_lengths(source))
    assert lengths["fits"] == MAX_LINES
    assert lengths["over"] == MAX_LINES + 1
    assert lengths["C.method"] == MAX_LINES + 1  # the decorator line is not counted
    assert lengths["outer"] == 4
    assert lengths["outer.inner"] == 2


def test_no_function_in_pipelines_or_models_is_over_80_lines() -> None:
    over = too_long()
    listed = "\n".join(f"  {path}: {name} ({n} lines)" for (path, name), n in sorted(over.items()))
    assert not over, f"functions over {MAX_LINES} lines; split them into named steps:\n{listed}"
