"""The unmodified flytekit project the ``--sdk flytekit`` tests serialize and register.

``corpus/proj`` holds what only a flytekit project has (ImageSpecs named by flytekit's tag rule, pyflyte's naming
quirks, data files, the flytekit pin); the rest is ``examples/workflows`` with its imports written the way a
flytekit user writes them, derived when a test makes the project, so the two never drift apart.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from tests.conftest import EXAMPLES

CORPUS = Path(__file__).parent / "corpus" / "proj"
PACKAGE = "app"
#: examples/workflows files that are part of the project (as app/...)
FROM_EXAMPLES = ("basic.py", "options.py", "pipelines.py", "launchplans.py", "handlers.py", "pods.py", "objects.py",
                 "sub/__init__.py", "sub/etl.py",
                 "branches.py", "gates.py", "overrides.py", "imperative.py",
                 "maps.py", "dynamic.py", "eager.py", "filetypes.py")
#: where a flytekit user imports the names flytekit does not offer at its top level (the others: ``from flytekit``)
FLYTEKIT_PATHS = {"A100": "flytekit.extras.accelerators", "T4": "flytekit.extras.accelerators",
                  "Identity": "flytekit.models.security", "RawOutputDataConfig": "flytekit.models.common",
                  "FlyteError": "flytekit.types.error", "Interface": "flytekit.core.interface",
                  "JSON": "flytekit.types.iterator",
                  "create_node": "flytekit.core.node_creation", "Echo": "flytekit.core.task",
                  "array_node_map_task": "flytekit.core.array_node_map_task",
                  "ArrayNodeMapTask": "flytekit.core.array_node_map_task",
                  "array_node": "flytekit.core.array_node", "ArrayNode": "flytekit.core.array_node",
                  "ShellTask": "flytekit.extras.tasks.shell", "OutputLocation": "flytekit.extras.tasks.shell",
                  "SQLite3Task": "flytekit.extras.sqlite3.task", "SQLite3Config": "flytekit.extras.sqlite3.task",
                  "FileSensor": "flytekit.sensor",
                  "TypeEngine": "flytekit.extend", "TypeTransformer": "flytekit.extend",
                  "PythonTask": "flytekit.extend",
                  **{n: "flytekit.types.file" for n in (
                      "CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile", "JPEGImageFile", "JSONLFile",
                      "ONNXFile", "PDFFile", "PNGImageFile", "PythonNotebook", "PythonPickledFile", "SVGImageFile",
                      "TFRecordFile")},
                  "TensorboardLogs": "flytekit.types.directory", "TFRecordsDirectory": "flytekit.types.directory",
                  "FlyteSchema": "flytekit.types.schema",
                  "IgnoreOutputs": "flytekit.core.base_task", "BatchSize": "flytekit.core.type_engine",
                  "FlyteRecoverableException": "flytekit.exceptions.user"}
#: autoc modules other than ``autoc`` itself, and flytekit's module for them
FLYTEKIT_MODULES = {"autoc.testing": "flytekit.testing",
                    "autoc.core.legacy_map_task": "flytekit.core.legacy_map_task"}


def as_flytekit(source: str, package: str = PACKAGE) -> str:
    """``source`` with ``from autoc import ...`` written as flytekit imports and ``from workflows.x import ...`` as
    ``from <package>.x import ...``."""
    lines = source.splitlines(keepends=True)
    for node in reversed(ast.parse(source).body):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        if node.module == "autoc":
            by_module: dict = {}
            for a in node.names:
                name = a.name if a.asname is None else f"{a.name} as {a.asname}"
                by_module.setdefault(FLYTEKIT_PATHS.get(a.name, "flytekit"), []).append(name)
            new = "".join(f"from {m} import {', '.join(names)}\n" for m, names in sorted(by_module.items()))
        elif node.module in FLYTEKIT_MODULES:
            new = f"from {FLYTEKIT_MODULES[node.module]} import " \
                  f"{', '.join(a.name if a.asname is None else f'{a.name} as {a.asname}' for a in node.names)}\n"
        elif node.module.split(".")[0] == "workflows":
            new = f"from {package}{node.module[len('workflows'):]} import " \
                  f"{', '.join(a.name if a.asname is None else f'{a.name} as {a.asname}' for a in node.names)}\n"
        else:
            continue
        lines[node.lineno - 1:node.end_lineno] = [new]
    out = "".join(lines)
    if {n.module.split(".")[0] for n in ast.walk(ast.parse(out)) if isinstance(n, ast.ImportFrom) and n.module} \
            & {"autoc"}:
        raise ValueError("examples/workflows imports autoc in a form as_flytekit does not rewrite")
    return out


def make_project(dest: Path) -> Path:
    """The project in ``dest/proj`` (its package is ``app``)."""
    root = dest / "proj"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("__pycache__"))
    for rel in FROM_EXAMPLES:
        target = root / PACKAGE / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(as_flytekit((EXAMPLES / "workflows" / rel).read_text()))
    return root
