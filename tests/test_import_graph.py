"""autoc's import graph: no module imports itself back (directly or through others), and each package imports only
the packages below it in ``LAYERS`` (README's "Layout"). Every ``import`` statement counts, at module level or inside
a function (a function-level import still ties the two modules together); those under ``if TYPE_CHECKING:`` do not.
Where a lower layer needs a service only a higher one provides, it names that module in one registry and imports it
on first use: ``autoc.core.seams.ABOVE`` (core), ``autoc.sdk.FACES`` / ``autoc.sdk.flavor.FLAVORS`` (the SDK faces),
``autoc.types.user.CONTEXT_MANAGER`` (the FlyteContext a user's type transformer reads)."""

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


#: autoc's packages, lowest first: each imports only those before it (a module belongs to the longest name that
#: prefixes it). ``autoc`` is the package's ``__init__`` alone (the version; the public names are re-exported from
#: their modules lazily, by name, so it imports nothing).
LAYERS = [
    "autoc",  # __version__; public names by name (lazy)
    "autoc.errors",  # the errors users can cause
    "autoc.storage",  # local paths and fsspec URLs, the current FileAccess
    "autoc.types",  # the type engine: python type <-> LiteralType / Literal, flytekit's literal models as views
    "autoc.core",  # the authoring model: tasks, workflows, launch plans, context; upward only through core.seams
    "autoc.image",  # ImageSpec, ImageConfig, ImageBuildEngine and builders
    "autoc.runtime",  # what runs a task: autoc execute, local workflow runs, the runtime context
    "autoc.resolvers",  # how a container finds its task again
    "autoc.sdk",  # --sdk: which face, its version, its output flavor (the faces themselves are named in sdk.FACES)
    "autoc.serialize",  # discovery, translation to flyteidl, the entity order, writing
    "autoc.remote",  # registration: config, gRPC client, code bundle
    "autoc.sdk.flytekit",  # the flytekit face: import paths, its flavor, its engine (the project's own flytekit)
    "autoc.testing",  # helpers for users' tests
    "autoc.cli",  # one module per command
]


def layer_of(module: str) -> str:
    return max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default="?")


def test_every_module_belongs_to_a_layer():
    assert [m for m in import_graph() if layer_of(m) == "?"] == []
    assert layer_of("autoc.sdk.flytekit.engine") == "autoc.sdk.flytekit" and layer_of("autoc.sdk.flavor") == "autoc.sdk"
    assert layer_of("autoc") == "autoc" and layer_of("autoc.core.task") == "autoc.core"


def upward_imports(graph: Dict[str, Dict[str, str]]) -> List[str]:
    """``site: module (layer) imports target (layer)`` for every import of a package above the importer's."""
    rank = {p: i for i, p in enumerate(LAYERS)}
    return sorted(f"{site}: {module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
                  for module, targets in graph.items() for target, site in targets.items()
                  if rank[layer_of(target)] > rank[layer_of(module)])


def test_each_package_imports_only_packages_below_it():
    bad = upward_imports(import_graph())
    assert not bad, "imports of a higher layer (move the code down, or name the service in a registry; moved: " \
        "autoc.runtime.storage is autoc.storage, autoc.sdk.flytekit.models is autoc.types.models; serialize and " \
        "remote reach the flytekit face through autoc.sdk.face('flytekit', 'engine' | 'registration' | ...)):\n" + \
        "\n".join(bad)


def test_the_layer_check_sees_an_upward_import():
    graph = {"autoc.types.files": {"autoc.runtime.storage": "autoc/types/files.py:9"},
             "autoc.serialize.engines": {"autoc.sdk.flytekit.engine": "autoc/serialize/engines.py:5",
                                         "autoc.sdk.flavor": "autoc/serialize/engines.py:6"},
             "autoc.sdk.flytekit.engine": {"autoc.remote.entities": "autoc/sdk/flytekit/engine.py:1"}}
    assert upward_imports(graph) == [
        "autoc/serialize/engines.py:5: autoc.serialize.engines (autoc.serialize) imports autoc.sdk.flytekit.engine "
        "(autoc.sdk.flytekit)",
        "autoc/types/files.py:9: autoc.types.files (autoc.types) imports autoc.runtime.storage (autoc.runtime)"]


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
    """core (the authoring model) may import core, autoc.errors, storage, the type engine and the package root's
    version (the layers below it); translation, the runtime and resolvers are reached through ``autoc.core.seams``."""
    allowed = ("autoc.core", "autoc.errors", "autoc.storage", "autoc.types")
    bad = [f"{site}: {module} imports {target}"
           for module, targets in import_graph().items() if module.startswith("autoc.core")
           for target, site in targets.items()
           if target != "autoc" and not any(target == a or target.startswith(a + ".") for a in allowed)]
    assert not bad, "\n".join(bad)


def test_the_seams_name_modules_that_exist():
    from autoc.core.seams import ABOVE, above
    from autoc.sdk import FACES, face
    from autoc.sdk.flavor import FLAVORS
    from autoc.types.user import CONTEXT_MANAGER

    modules = _modules()
    assert all(target in modules for target in ABOVE.values())
    assert above("translate").container.__module__ == "autoc.serialize.translate"
    assert all(target in modules for services in FACES.values() for target in services.values())
    assert face("flytekit", "engine").FlytekitEngine.__module__ == "autoc.sdk.flytekit.engine"
    assert all(target.partition(":")[0] in modules for target in FLAVORS.values())
    assert CONTEXT_MANAGER.partition(":")[0] in modules
