"""The flytekit import face: while user modules are imported, ``import flytekit`` and the documented paths under
it (``names.MODULES``) are answered with autoc's objects.

Nothing is installed as ``flytekit``: a finder first on ``sys.meta_path`` makes the modules for the duration of
discovery, and ``sys.modules`` gets back whatever ``flytekit*`` entries it had before (a real flytekit in the same
environment is never imported and keeps working). An import autoc does not implement is an error naming the import
and the user's file:line.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import logging
import os
import sys
import types
from typing import Dict, Iterator, List, Optional

from autoc.errors import AutocError
from autoc.sdk.flytekit.names import MODULES

#: ``from flytekit import logger``
logger = logging.getLogger("flytekit")

_ROOTS = ("flytekit", "flytekitplugins")
_AUTOC_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class UnsupportedImport(AutocError, ImportError):
    """An import of flytekit that autoc does not answer (an ImportError too, so ``try: ... except ImportError``
    in user code keeps working)."""


def _is_flytekit(name: str) -> bool:
    return any(name == r or name.startswith(r + ".") for r in _ROOTS)


def user_site() -> Optional[str]:
    """file:line of the innermost frame that is neither the import system nor autoc."""
    f = sys._getframe(1)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith("<") and not os.path.abspath(fn).startswith(_AUTOC_DIR + os.sep) \
                and "importlib" not in fn:
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return None


#: every unsupported import raised while the face is open, caught by user code or not (``--engine auto`` reads it)
RAISED: List["UnsupportedImport"] = []


def unsupported(what: str) -> UnsupportedImport:
    err = UnsupportedImport(
        f"{what}: autoc does not implement this part of flytekit", where=user_site(),
        hint="this project needs pyflyte for now (serialize/register it with pyflyte), or remove the use; "
             "what --sdk flytekit answers is listed in autoc's README (Unmodified flytekit projects)")
    RAISED.append(err)
    return err


def _resolve(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


class Missing:
    """Lenient mode only (running flytekit's own tests through the face): a name autoc does not implement, which
    fails where it is used instead of where it is imported."""

    def __init__(self, name: str):
        self._name = name

    def __call__(self, *args, **kwargs):
        raise unsupported(self._name)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Missing(f"{self._name}.{attr}")

    def __getitem__(self, item):
        """``FlyteSchema[kwtypes(...)]`` at module level, even as a field of a mashumaro dataclass there: a class
        that fails where it is used."""
        from mashumaro.types import SerializableType

        name = f"{self._name}[...]"

        def fail(*args, **kwargs):
            raise unsupported(name)

        return type(name, (SerializableType,), {"__init__": fail, "_serialize": fail,
                                                "_deserialize": classmethod(fail)})

    def __mro_entries__(self, bases):
        raise unsupported(self._name)


class FlytekitModule(types.ModuleType):
    """One of flytekit's modules as autoc answers it: names resolve on first use."""

    _lenient = False

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        target = MODULES.get(self.__name__, {}).get(name)
        if target is None and f"{self.__name__}.{name}" in MODULES:  # ``from flytekit.core import tracker``
            return importlib.import_module(f"{self.__name__}.{name}")
        try:
            if target is None:
                raise unsupported(f"{self.__name__}.{name}")
            try:
                value = _resolve(target)
            except AttributeError:
                raise unsupported(f"{self.__name__}.{name} (not in autoc yet)") from None
        except UnsupportedImport:
            if not self._lenient:
                raise
            value = Missing(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(MODULES.get(self.__name__, {})))


class _Finder:
    """A meta path finder and the loader of what it finds (the protocol needs no base class; importlib.abc would
    import importlib.resources and its modules into every run)."""

    def __init__(self, version: str, lenient: bool = False):
        self.version = version
        self.lenient = lenient

    def find_spec(self, fullname, path=None, target=None):
        if not _is_flytekit(fullname):
            return None
        if fullname not in MODULES and not self.lenient:
            raise unsupported(f"import {fullname}")
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        m = FlytekitModule(spec.name)
        m._lenient = self.lenient
        return m

    def exec_module(self, module) -> None:
        module.__path__ = []
        if module.__name__ == "flytekit":
            module.__version__ = self.version


#: the flytekit versions of the faces open now (innermost last), and of the last one opened
_OPEN: List[str] = []
_LAST: List[str] = []


def face_version() -> Optional[str]:
    """The flytekit version the face answering imports now (else the last one) speaks for."""
    return (_OPEN or _LAST or [None])[-1]


@contextlib.contextmanager
def flytekit_imports(version: str, lenient: bool = False) -> Iterator[None]:
    """Answer flytekit's imports with autoc's objects inside the block; restore ``sys.modules`` after it.
    ``lenient`` (for running flytekit's own tests): what autoc lacks fails when used, not when imported."""
    saved: Dict[str, types.ModuleType] = {k: sys.modules.pop(k) for k in list(sys.modules) if _is_flytekit(k)}
    finder = _Finder(version, lenient)
    if not _OPEN:
        RAISED.clear()
    sys.meta_path.insert(0, finder)
    _OPEN.append(version)
    _LAST[:] = [version]
    try:
        yield
    finally:
        _OPEN.pop()
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if _is_flytekit(k)]:
            del sys.modules[k]
        sys.modules.update(saved)
