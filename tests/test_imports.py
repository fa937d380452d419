"""The package's modules import each other without a circle.

Every ``import`` of a ``keras_vis`` module counts, at the top of a file or inside a function: a
circle through a function-level import still means two modules that cannot be understood, tested
or moved one without the other, and it only waits for someone to hoist the import to fail at
start-up. Imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "keras_vis"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def module_names(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package, dotted name -> file (a package is its ``__init__.py``)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every Import / ImportFrom node that can run: anywhere but under ``if TYPE_CHECKING``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` (at ``path``) imports.

    ``from a.b import c`` names the module ``a.b.c`` where there is one, else ``a.b`` (``c`` is
    then a name inside it). Parent packages, which Python initialises first anyway, are not edges:
    counting them would make every package a circle with its own submodules.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:  # relative: climb level - 1 packages above this one
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        for target in targets:
            # ``import a.b.c`` with no module ``a.b.c`` (an attribute): the nearest module above.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    modules = module_names(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module (Tarjan's algorithm),
    each written as the path that closes it: ``[a, b, c, a]``."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle(graph, set(component)) for component in components]


def _circle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, within the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & component):
                if nxt == start:
                    return paths[node] + [start]
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"no circle in {sorted(component)}")  # a component always has one


def layer_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between the package's layers: each subpackage (``keras_vis.data``,
    ``keras_vis.training``...) taken as one node, each top-level module as itself."""
    def layer(module: str) -> str:
        return ".".join(module.split(".")[:2])

    layers: dict[str, set[str]] = {}
    for module, targets in graph.items():
        layers.setdefault(layer(module), set()).update(
            layer(t) for t in targets if layer(t) != layer(module))
    return layers


def test_the_package_has_no_import_circle():
    circles = find_cycles(import_graph())
    assert not circles, "import circles in keras_vis:\n" + "\n".join(" -> ".join(c) for c in circles)


def test_the_subpackages_are_layers():
    """Between subpackages too: training may use inference's scoring, or inference may use
    training's pieces, not both (shared pieces go to the lower one)."""
    graph = import_graph()
    circles = find_cycles(layer_graph(graph))
    why = [" -> ".join(c) + "\n    " + "\n    ".join(
        f"{a} imports {b}" for a, b in _crossings(graph, c)) for c in circles]
    assert not circles, "import circles between keras_vis subpackages:\n" + "\n".join(why)


def _crossings(graph: dict[str, set[str]], circle: list[str]) -> list[tuple[str, str]]:
    """The module imports behind each step of a circle between layers."""
    steps = set(zip(circle, circle[1:]))
    return sorted((a, b) for a, targets in graph.items() for b in targets
                  if (".".join(a.split(".")[:2]), ".".join(b.split(".")[:2])) in steps)


def test_the_walk_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .low import helper\n")
    (package / "sub" / "low.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from keras_vis import top\n")
    (package / "top.py").write_text("def f():\n    from keras_vis.sub import low\n")
    (package / "loop_a.py").write_text("import keras_vis.loop_b.name\n")
    (package / "loop_b.py").write_text("def g():\n    from . import loop_a\n")
    graph = import_graph(package)
    assert graph["keras_vis.sub"] == {"keras_vis.sub.low"}
    assert graph["keras_vis.sub.low"] == set()  # TYPE_CHECKING only
    assert graph["keras_vis.top"] == {"keras_vis.sub.low"}
    assert find_cycles(graph) == [["keras_vis.loop_a", "keras_vis.loop_b", "keras_vis.loop_a"]]


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c", "a"]]),
])
def test_find_cycles(graph, expected):
    assert find_cycles(graph) == expected
