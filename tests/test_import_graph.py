"""autoc's import graph: no module imports itself back (directly or through others), and core imports nothing
above it (ARCHITECTURE.md's layers). Every ``import`` statement counts, at module level or inside a function (a
function-level import still ties the two modules together); those under ``if TYPE_CHECKING:`` do not."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List

import autoc

ROOT = Path(autoc.__file__).resolve().parent


def _modules() -> Dict[str, Path]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                skip.update(id(n) for n in ast.walk(stmt))
    return skip


def import_graph() -> Dict[str, Dict[str, str]]:
    """module -> {imported autoc module: "file:line" of the first import statement naming it}."""
    modules = _modules()
    graph: Dict[str, Dict[str, str]] = {m: {} for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        skip = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                # ``from package import submodule`` imports the submodule; ``from module import name`` the module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rpartition(".")[0]
                if target in modules and target != name:
                    graph[name].setdefault(target, f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return graph


def cycles(graph: Dict[str, Dict[str, str]]) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, edges = work[-1]
            w = next(edges, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph[w])))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _describe(graph, component) -> str:
    members = set(component)
    return "\n".join(f"  {a} -> {b}  ({site})" for a in component for b, site in sorted(graph[a].items())
                     if b in members)


def test_the_graph_sees_imports_at_module_and_function_level():
    graph = import_graph()
    assert "autoc.core.interface" in graph["autoc.core.task"]  # module level
    assert "autoc.types.engine" in graph["autoc.core.interface"]  # inside a function
    assert "autoc.serialize.discover" in graph["autoc.serialize"]  # absolute, from a package's __init__
    assert cycles({"a": {"b": ""}, "b": {"c": ""}, "c": {"a": ""}, "d": {"a": ""}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ""}, "b": {}}) == []


def test_no_import_cycles_among_autoc_modules():
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles (break them through a registry or a seam such as autoc.core.seams):\n" + \
        "\n".join(_describe(graph, c) for c in found)


def test_the_cycles_of_issue_19_stay_broken():
    graph = import_graph()
    for a, b in [("autoc.core.task", "autoc.serialize.translate"),
                 ("autoc.core.workflow", "autoc.runtime.local_workflow"),
                 ("autoc.image.source", "autoc.image.spec"), ("autoc.sdk.flavor", "autoc.sdk.flytekit.flavor"),
                 ("autoc.types.engine", "autoc.types.files"), ("autoc.types.files", "autoc.types.basemodel")]:
        assert b not in graph[a], f"{a} imports {b} again ({graph[a][b]})"


def test_core_imports_nothing_above_it():
    """core (the authoring model) may import core, autoc.errors, the type engine and the package root's version;
    translation, the runtime and resolvers are reached through ``autoc.core.seams``."""
    allowed = ("autoc.core", "autoc.errors", "autoc.types")
    bad = [f"{site}: {module} imports {target}"
           for module, targets in import_graph().items() if module.startswith("autoc.core")
           for target, site in targets.items()
           if target != "autoc" and not any(target == a or target.startswith(a + ".") for a in allowed)]
    assert not bad, "\n".join(bad)


def test_the_seams_name_modules_that_exist():
    from autoc.core.seams import ABOVE, above

    modules = _modules()
    assert all(target in modules for target in ABOVE.values())
    assert above("translate").container.__module__ == "autoc.serialize.translate"
