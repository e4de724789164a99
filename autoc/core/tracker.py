"""Left-hand-side name tracking: which module created an object, and which variable in it holds the object.

A tracked object records the module (and file:line) of the first ``<module>`` frame on the stack when it is
created. After that module has finished importing, ``find_lhs()`` finds the variable that holds it. Unlike
flytekit, autoc prefers the first name bound (not the alphabetically first alias), and explains failures: the
object was made inside a function, kept in a list, or created by ``python file.py`` (``__main__``).
"""

from __future__ import annotations

import abc
import contextvars
import inspect
import os
import sys
from typing import Any, Optional, Tuple

from autoc.errors import TaskDefinitionError

def _creation_site() -> Tuple[Optional[str], Optional[str], Optional[int]]:
    """(module name, file, line) of the outermost-first ``<module>`` frame, i.e. the module being imported."""
    frame = inspect.currentframe()
    try:
        while frame is not None:
            if frame.f_code.co_name == "<module>":
                g = frame.f_globals
                return g.get("__name__"), g.get("__file__"), frame.f_lineno
            frame = frame.f_back
        return None, None, None
    finally:
        del frame


class InstanceTrackingMeta(type):
    """Metaclass that records where each instance was created."""

    def __call__(cls, *args, **kwargs):
        o = super().__call__(*args, **kwargs)
        o._instantiated_in, o._module_file, o._instantiated_line = _creation_site()
        return o


class FlyteTrackedABC(InstanceTrackingMeta, abc.ABCMeta):
    """Combined metaclass so that tracked classes can also be abstract base classes."""


class TrackedInstance(metaclass=InstanceTrackingMeta):
    """An object whose variable name in its module is discovered after import (task objects, resolvers)."""

    _instantiated_in: Optional[str] = None
    _module_file: Optional[str] = None
    _instantiated_line: Optional[int] = None

    def __init__(self, *args, **kwargs):
        self._lhs: Optional[str] = None
        super().__init__()

    @property
    def instantiated_in(self) -> Optional[str]:
        return self._instantiated_in

    @property
    def creation_site(self) -> str:
        """``file:line`` where the object was created, for error messages."""
        return f"{self._module_file or '<unknown file>'}:{self._instantiated_line or '?'}"

    @property
    def lhs(self) -> str:
        if self._lhs is None:
            self._lhs = self.find_lhs()
        return self._lhs

    @property
    def location(self) -> str:
        """``module.variable``: how another process finds this object, e.g. ``--resolver`` values."""
        return f"{self.instantiated_in}.{self.lhs}"

    def find_lhs(self) -> str:
        if self._lhs is not None:
            return self._lhs
        module = self._instantiated_in
        check_importable_module(module, self, self.creation_site)
        name = find_variable(module, self)
        if name is None:
            raise TaskDefinitionError(
                f"cannot find the variable that holds {type(self).__name__} object in module {module}",
                where=self.creation_site,
                hint="assign the object to a module-level variable (x = MyTask(...)) at the top level of the "
                     "module; objects created inside functions, loops or containers (lists, dicts) cannot be "
                     "found again when the container starts",
            )
        self._lhs = name
        return name


def spec_module_name(module: str) -> str:
    """The module name written into task names and loader args. pyflyte names a module from its file path, so
    the code of a package's ``__init__.py`` is ``pkg.__init__`` (not ``pkg``); autoc writes the same names so
    that moving a project from pyflyte does not rename its entities."""
    f = getattr(sys.modules.get(module), "__file__", None)
    if f and os.path.basename(f) == "__init__.py" and not module.endswith(".__init__"):
        return module + ".__init__"
    return module


def import_spec_module(name: str):
    """Import a module named as ``spec_module_name`` names it: ``pkg.__init__`` is the package ``pkg`` itself
    (importing ``pkg.__init__`` literally would run the package's code a second time, as a separate module)."""
    import importlib

    return importlib.import_module(name[:-len(".__init__")] if name.endswith(".__init__") else name)


def check_importable_module(module: Optional[str], obj: Any, where: str) -> None:
    """The module name written into a spec must be importable by name: never empty, never ``__main__``."""
    if not module:
        raise TaskDefinitionError(f"cannot tell which module defines {obj!r}", where=where,
                                  hint="define the task in a module file and serialize that file or its folder")
    if module == "__main__":
        raise TaskDefinitionError(
            f"{obj!r} was defined in a script run as __main__, which a container cannot import by name",
            where=where,
            hint="run `autoc serialize path/to/file.py` instead of running the file with python",
        )


def find_variable(module_name: str, obj: Any) -> Optional[str]:
    """First module-level name (in definition order) bound to ``obj``, or None."""
    mod = sys.modules.get(module_name)
    if mod is None:
        import importlib

        mod = importlib.import_module(module_name)
    for k, v in vars(mod).items():
        if v is obj:
            return k
    return None


#: set while autoc writes specs for a project (``autoc serialize``, ``register``: ``autoc.serialize.to_entities``):
#: a task defined inside a function is then refused. Otherwise one defined inside a test function of a test module
#: (flytekit's ``istestfunction``, which flytekit accepts there) is named by its module and function name, as
#: flytekit names it, for unit tests that serialize it in memory (``get_serializable``, ``get_container``)
STRICT_LOADER_PATHS: contextvars.ContextVar = contextvars.ContextVar("autoc_strict_loader_paths", default=False)


def strict_loader_paths(fn):
    """``fn`` with STRICT_LOADER_PATHS set while it runs."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = STRICT_LOADER_PATHS.set(True)
        try:
            return fn(*args, **kwargs)
        finally:
            STRICT_LOADER_PATHS.reset(token)

    return wrapper


def nesting_problem(fn) -> Optional[str]:
    """Why a function cannot be found by ``module.name`` (defined in a function or a class), or None."""
    qual = getattr(fn, "__qualname__", fn.__name__)
    if "<locals>" in qual:
        outer = qual.split(".<locals>")[0]
        return f"defined inside function {outer}()"
    if "." in qual:
        return f"defined inside class {qual.rsplit('.', 1)[0]}"
    return None


def isnested(func) -> bool:
    """Whether ``func`` is defined inside another function (flytekit's test: the code's CO_NESTED flag)."""
    code = getattr(func, "__code__", None)
    return code is not None and bool(code.co_flags & inspect.CO_NESTED)


def istestfunction(func) -> bool:
    """Whether ``func`` is defined in a test module (``test_*`` or ``*_test``)."""
    mod = inspect.getmodule(func)
    name = mod.__name__.rsplit(".", 1)[-1] if mod else ""
    return name.startswith("test_") or name.endswith("_test")


def extract_task_module(f: Any) -> Tuple[str, str, str, str]:
    """(full name, module, variable, absolute file) of a task or tracked object."""
    if hasattr(f, "loader_location"):
        mod, var = f.loader_location()
        return f"{mod}.{var}", mod, var, f._module_file or ""
    if isinstance(f, TrackedInstance):
        lhs = f.lhs
        mod = spec_module_name(f.instantiated_in)
        return f"{mod}.{lhs}", mod, lhs, f._module_file or ""
    mod = getattr(f, "__module__", None)
    if mod is None:
        raise TaskDefinitionError(f"Unable to determine module of {f}")
    mod = spec_module_name(mod)
    return f"{mod}.{f.__name__}", mod, f.__name__, inspect.getfile(f)
