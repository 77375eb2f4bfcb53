"""The packages import one way (README, Layout): bot → scheduler → handlers → knowledge.

Every import counts: at the top of a module, inside a function, and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler", "handlers", "knowledge")
ALLOWED = {
    "bot": {"scheduler", "handlers", "knowledge"},
    "scheduler": {"handlers", "knowledge"},
    "handlers": {"knowledge"},
    "knowledge": set(),
}


def imports_of(source: str, module: str) -> set[str]:
    """Absolute names of everything ``source`` (the module ``module``) imports, relative ones resolved."""
    here = module.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level] if node.level else []
            found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def package_edges() -> dict[str, dict[str, set[str]]]:
    """For each package, the other packages it imports and the files that import them."""
    edges: dict[str, dict[str, set[str]]] = {p: {} for p in PACKAGES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for imported in imports_of(path.read_text(encoding="utf-8"), module):
                top = imported.split(".")[0]
                if top in PACKAGES and top != package:
                    edges[package].setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return edges


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":  # on the current path: back to where the cycle began
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_no_import_cycle_between_packages() -> None:
    edges = package_edges()
    cycle = find_cycle({p: set(targets) for p, targets in edges.items()})
    assert cycle is None, "package import cycle " + " -> ".join(cycle or [])


def test_packages_import_one_way_only() -> None:
    wrong = [
        f"{package} imports {target} in {', '.join(sorted(files))}"
        for package, targets in package_edges().items()
        for target, files in sorted(targets.items())
        if target not in ALLOWED[package]
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("edges", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_find_cycle(edges: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(edges) == cycle


def test_imports_in_functions_and_under_type_checking_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.config import Settings\n"
        "def f():\n    import scheduler.jobs\n"
        "from .texts import t\n"
        "from . import texts\n"
    )
    assert imports_of(source, "handlers.probe") >= {
        "bot.config",
        "scheduler.jobs",
        "handlers.texts",
        "handlers",
    }
