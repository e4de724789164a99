"""SDK faces: which import paths user code is written against (``--sdk``), and the output flavor that goes with it.

``autoc`` (the default) is autoc's own names. ``flytekit`` answers ``from flytekit import ...`` with autoc's objects
during discovery (``autoc.sdk.flytekit``) and writes what pyflyte writes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import re
from pathlib import Path
from types import ModuleType
from typing import Dict, Optional

from autoc.errors import UserInputError

SDKS = ("autoc", "flytekit")
#: What each SDK face besides autoc's own names provides -> the module providing it. A face (``autoc.sdk.flytekit``)
#: sits above serialization and registration, which ask it for these services by name through ``face()`` (imported
#: the first time a run needs one, plugin-style, as ``autoc.core.seams`` does for core and ``autoc.sdk.flavor.FLAVORS``
#: for the output flavor), so nothing below the faces imports them.
FACES: Dict[str, Dict[str, str]] = {"flytekit": {
    "imports": "autoc.sdk.flytekit.imports",  # its import paths, answered while user modules are imported
    "quirks": "autoc.sdk.flytekit.quirks",  # its serializer's task names and loaders, kept where autoc's differ
    "engine": "autoc.sdk.flytekit.engine",  # the project's own flytekit, run in the project's interpreter
    "registration": "autoc.sdk.flytekit.registration",  # its register command's code bundle, version, git repo
}}
_SPEC = re.compile(r"^\s*(?P<name>[A-Za-z_][\w-]*)\s*(?:==\s*(?P<version>[\w.+!-]+))?\s*$")


@dataclasses.dataclass(frozen=True)
class Sdk:
    """``flytekit`` or ``flytekit==1.16.31`` (``--sdk`` / ``AUTOC_SDK``); the version is found in the project when
    not stated."""

    name: str = "autoc"
    version: Optional[str] = None
    #: where the version came from (``--sdk``, a requirements file, an installed distribution)
    source: str = ""

    @classmethod
    def parse(cls, text: Optional[str]) -> "Sdk":
        if not text:
            return cls()
        m = _SPEC.match(text)
        if m is None or m.group("name").lower() not in SDKS:
            raise UserInputError(f"--sdk {text!r} is not an SDK autoc can read",
                                 hint="--sdk flytekit, or --sdk flytekit==1.16.31 to state the version")
        name, version = m.group("name").lower(), m.group("version")
        if name == "autoc" and version:
            raise UserInputError("--sdk autoc takes no version", hint="--sdk autoc (or leave --sdk out)")
        return cls(name, version, "--sdk" if version else "")

    @property
    def is_default(self) -> bool:
        return self.name == "autoc"

    def for_project(self, source_root: Path) -> "Sdk":
        """This SDK with its version settled: as stated, else pinned by the project, else installed here."""
        if self.is_default or self.version:
            return self
        from autoc.sdk.version import find_version

        version, source = find_version(self.name, Path(source_root))
        return dataclasses.replace(self, version=version, source=source)

    def imports(self, source_root: Path):
        """A context manager answering this SDK's import paths while user modules are imported."""
        if self.is_default:
            return contextlib.nullcontext()
        return face(self.name, "imports").flytekit_imports(self.for_project(source_root).version)

    def keep_pyflyte_output(self, tasks) -> list:
        """After discovery: where autoc would name or load a task differently from this SDK's serializer, keep
        the SDK's way (identity with what is registered already matters more); one warning per task kept."""
        if self.is_default:
            return []
        return face(self.name, "quirks").keep_pyflyte_names(tasks)

    @property
    def flavor(self):
        """The output flavor (needs a settled version: call ``for_project`` first)."""
        from autoc.sdk.flavor import flavor_of

        return flavor_of(self.name, self.version)

    def __str__(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name


def face(sdk: str, service: str) -> ModuleType:
    """The module providing ``service`` of the SDK face ``sdk`` (``FACES``), imported on first use."""
    return importlib.import_module(FACES[sdk][service])


def no_flytekit_hint() -> str:
    return ("this module imports flytekit: pass --sdk flytekit (or set AUTOC_SDK=flytekit) and autoc answers "
            "flytekit's imports itself, without installing or importing flytekit")
