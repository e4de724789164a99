"""Discovery: paths -> source root -> module names -> imported modules -> tasks, workflows and launch plans,
in a stable order.

The source root is the nearest directory, at or above each path, that is not a package (has no
``__init__.py``); module names are dotted paths relative to it, so ``src/`` layouts and single files work.
Modules are imported in the order ``pkgutil.walk_packages`` gives (depth first, by file name), which is the
order pyflyte numbers its files in.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from autoc.errors import AutocError, DiscoveryError, UserInputError


@dataclasses.dataclass
class ModuleFailure:
    module: str
    file: str
    error: AutocError


@dataclasses.dataclass
class Discovery:
    source_root: Path
    modules: List[str]
    tasks: list
    failures: List[ModuleFailure]
    entities: list = dataclasses.field(default_factory=list)  # tasks, workflows, launch plans; creation order
    #: the SDK face the modules were imported through, its version settled (``autoc.sdk.Sdk``)
    sdk: object = None
    warnings: List[str] = dataclasses.field(default_factory=list)


def find_source_root(path: Path) -> Path:
    """The nearest directory at or above ``path`` that has no ``__init__.py``."""
    d = path if path.is_dir() else path.parent
    while (d / "__init__.py").is_file() and d.parent != d:
        d = d.parent
    return d


def module_name(file: Path, source_root: Path) -> str:
    """Dotted module name of a file or package directory relative to the source root."""
    rel = file.resolve().relative_to(source_root.resolve())
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__.py":
        parts.pop()
    elif parts and parts[-1].endswith(".py"):
        parts[-1] = parts[-1][:-3]
    if not parts or not all(p.isidentifier() for p in parts):
        raise UserInputError(f"{file} cannot be imported as a module from source root {source_root}",
                             hint="file and directory names must be valid Python identifiers; pass --source-root "
                                  "to choose where module names start")
    return ".".join(parts)


def _not_a_module_name(path: Path) -> str:
    """The warning for a file or package that is skipped because its name is not a Python module name."""
    stem = path.stem if path.suffix == ".py" else path.name
    fixed = "".join(c if c.isalnum() or c == "_" else "_" for c in stem)
    fixed = f"_{fixed}" if fixed[:1].isdigit() else fixed
    kind = "file" if path.suffix == ".py" else "package"
    new = f"{fixed}.py" if path.suffix == ".py" else fixed
    return (f"{path}: skipped: {stem!r} is not a valid Python module name, so its tasks cannot be imported "
            f"by name; rename the {kind} (e.g. to {new})")


def _walk(directory: Path, prefix: str, skipped: Optional[List[str]] = None,
          pkgutil_names: bool = False) -> List[str]:
    """Module names under ``directory`` in ``pkgutil.walk_packages`` order: sorted by file name, a subpackage's
    modules right after the subpackage. Directories without ``__init__.py`` are skipped, as pkgutil does; files
    and packages whose names are not module names are skipped and a warning for each goes to ``skipped``.
    ``pkgutil_names`` (``--sdk flytekit``): every name ``pkgutil`` yields counts, as pyflyte imports them, also one
    that is not an identifier (``calculate-area.py``; ``importlib`` imports it by that name); only names with a dot
    are skipped."""
    skipped = [] if skipped is None else skipped
    out: List[str] = []
    try:
        entries = sorted(os.listdir(directory))
    except OSError as e:
        raise UserInputError(f"cannot list {directory}: {e.strerror}") from e
    seen = set()

    def valid(name: str) -> bool:
        return "." not in name if pkgutil_names else name.isidentifier()

    for fn in entries:
        full = directory / fn
        if fn.endswith(".py") and full.is_file():
            name = fn[:-3]
            if not valid(name) and not fn.startswith("."):
                skipped.append(_not_a_module_name(full))
            if name == "__init__" or name in seen or not valid(name) or not name:
                continue
            seen.add(name)
            out.append(prefix + name)
        elif full.is_dir() and not fn.startswith(".") and (full / "__init__.py").is_file():
            if "." in fn or not valid(fn):
                skipped.append(_not_a_module_name(full))
                continue
            if fn in seen:
                continue
            seen.add(fn)
            out.append(prefix + fn)
            out.extend(_walk(full, prefix + fn + ".", skipped, pkgutil_names))
    return out


def list_modules(paths: Sequence[str], source_root: Optional[str] = None,
                 skipped: Optional[List[str]] = None, pkgutil_names: bool = False) -> Tuple[Path, List[str]]:
    """The source root and every module to import for ``paths`` (files or directories), without duplicates;
    a warning for each file skipped for its name goes to ``skipped``. ``pkgutil_names``: the modules of a folder
    are every name pyflyte imports (``--sdk flytekit``, see ``_walk``)."""
    if not paths:
        raise UserInputError("no paths given", hint="autoc serialize ./workflows (a folder, a package or a .py file)")
    resolved = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise UserInputError(f"{p}: no such file or directory")
        if path.is_file() and path.suffix != ".py":
            raise UserInputError(f"{p} is not a Python file", hint="pass .py files or folders")
        resolved.append(path.resolve())
    if source_root:
        root = Path(source_root).resolve()
        if not root.is_dir():
            raise UserInputError(f"--source-root {source_root} is not a directory")
    else:
        roots = {find_source_root(p) for p in resolved}
        if len(roots) > 1:
            raise UserInputError(f"the paths have different source roots: {', '.join(sorted(map(str, roots)))}",
                                 hint="pass --source-root DIR, the folder module names are relative to")
        root = roots.pop()
    modules: List[str] = []
    for p in resolved:
        if root != p and root not in p.parents:
            raise UserInputError(f"{p} is outside the source root {root}", hint="pass a --source-root above it")
        if p.is_file():
            modules.append(module_name(p, root))
        elif p == root:
            modules.extend(_walk(p, "", skipped, pkgutil_names))
        elif (p / "__init__.py").is_file():
            pkg = module_name(p, root)
            modules.append(pkg)
            modules.extend(_walk(p, pkg + ".", skipped, pkgutil_names))
        else:
            modules.extend(_walk(p, module_name(p / "__init__.py", root) + ".", skipped, pkgutil_names))
    return root, list(dict.fromkeys(modules))


def _user_frame(exc: BaseException, root: Path) -> Optional[str]:
    """file:line of the innermost traceback frame inside the source root."""
    where = None
    for fs in traceback.extract_tb(exc.__traceback__):
        try:
            if root in Path(fs.filename).resolve().parents:
                where = f"{fs.filename}:{fs.lineno}"
        except OSError:
            continue
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    return where


def _hidden_cause(exc: BaseException) -> Optional[AutocError]:
    """An import the face does not answer (an ImportError) that user code caught and then failed in handling:
    the real cause of ``exc``, which would otherwise hide behind the handler's own error."""
    seen, e = set(), exc.__context__
    while e is not None and id(e) not in seen:
        if isinstance(e, AutocError) and isinstance(e, ImportError):
            return e
        seen.add(id(e))
        e = e.__context__
    return None


def import_module(name: str, root: Path, sdk=None) -> None:
    """Import one module; any failure becomes a DiscoveryError naming the file:line and the original error."""
    expected = root.joinpath(*name.split("."))
    try:
        mod = importlib.import_module(name)
    except AutocError as e:
        e.where = e.where or _user_frame(e, root)
        raise
    except BaseException as e:  # noqa: B902 - user code may raise anything, SystemExit included
        if isinstance(e, KeyboardInterrupt):
            raise
        hidden = _hidden_cause(e)
        if hidden is not None:  # ``try: <unsupported import> except ImportError: <fallback that fails>``
            hidden.where = hidden.where or _user_frame(hidden, root)
            hidden.message += f" (the fallback import after `except ImportError` failed too: {type(e).__name__}: {e})"
            raise hidden from e
        hint = "fix the error above; run `python -c 'import " + name + "'` from the source root to reproduce it"
        if isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] == "flytekit" \
                and (sdk is None or sdk.is_default):
            from autoc.sdk import no_flytekit_hint

            hint = no_flytekit_hint()
        raise DiscoveryError(f"module {name} failed to import: {type(e).__name__}: {e}",
                             where=_user_frame(e, root) or str(expected) + ".py", hint=hint) from e
    f = getattr(mod, "__file__", None)
    if f is not None:
        actual = Path(f).resolve()
        if actual not in (expected.with_suffix(".py"), expected / "__init__.py"):
            raise DiscoveryError(f"module name {name} is taken by {actual}, not the file under {root}",
                                 hint="rename your module or package so it does not shadow an installed one")


def discover(paths: Sequence[str], source_root: Optional[str] = None, keep_going: bool = False,
             sdk=None) -> Discovery:
    """Import every module under ``paths`` and return the tasks they define, in import order. ``sdk``
    (``autoc.sdk.Sdk``) says which import paths the modules use (``--sdk flytekit``)."""
    import gc

    from autoc.sdk import Sdk

    skipped: List[str] = []
    root, modules = list_modules(paths, source_root, skipped, pkgutil_names=sdk is not None and not sdk.is_default)
    sdk = (sdk or Sdk()).for_project(root)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # importing builds many long-lived objects; cyclic GC passes over them are wasted work
    try:
        with sdk.imports(root):
            found = _discover(root, modules, keep_going, sdk)
        found.sdk = sdk
        found.warnings = list(dict.fromkeys(skipped)) + sdk.keep_pyflyte_output(found.tasks)
        return found
    finally:
        if gc_was_enabled:
            gc.enable()


def _discover(root: Path, modules: List[str], keep_going: bool, sdk) -> Discovery:
    from autoc.core.task import ENTITIES, PythonAutoContainerTask, PythonTask
    from autoc.serialize.order import TASK, kind_of

    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    first_new = len(ENTITIES)
    failures: List[ModuleFailure] = []
    for name in modules:
        before = len(ENTITIES)
        try:
            import_module(name, root, sdk)
        except AutocError as e:
            # tasks the failed module made before it broke are gone with it: never serialize or report them
            ENTITIES[before:] = [t for t in ENTITIES[before:] if t.instantiated_in != name]
            if not keep_going:
                raise
            failures.append(ModuleFailure(name, str(root.joinpath(*name.split("."))), e))
            continue
        for module, e in compile_workflows(ENTITIES, before, root):
            if not keep_going:
                raise e
            failures.append(ModuleFailure(module, str(root.joinpath(*module.split("."))), e))
    wanted = set(modules)
    made = [t for t in ENTITIES[:first_new] if t.instantiated_in in wanted]
    made += ENTITIES[first_new:]
    # every task object in the order it was made, as pyflyte (flytekit's FlyteEntities): task types without user
    # code in a container, Echo and users' own PythonTask subclasses too, used by a workflow or not
    entities = [e for e in dict.fromkeys(made) if isinstance(e, PythonTask) or kind_of(e) not in (None, TASK)]
    tasks = [t for t in entities if isinstance(t, PythonAutoContainerTask)]
    return Discovery(root, modules, tasks, failures, entities)


def compile_workflows(entities: list, start: int, root: Path) -> List[Tuple[str, AutocError]]:
    """Run the body of every workflow made since ``entities[start]`` (bodies are lazy), so that errors surface
    now, named by the workflow's module. Broken workflows, and launch plans of them, are removed from
    ``entities``; returns (module, error) for each."""
    from autoc.core.workflow import WorkflowBase

    broken, errors = set(), []
    for e in entities[start:]:
        if isinstance(e, WorkflowBase):
            try:
                e.compile()
            except AutocError as err:
                err.where = err.where or _user_frame(err, root)
                broken.add(id(e))
                errors.append((e.instantiated_in or "?", err))
    if broken:
        entities[start:] = [e for e in entities[start:]
                            if id(e) not in broken and id(getattr(e, "workflow", None)) not in broken]
    return errors
