"""The SDK version a project uses, read without importing the SDK: a pin in requirements*.txt or pyproject.toml
(in the source root or a folder above it), else the metadata of the distribution installed here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

from autoc.errors import UserInputError

_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def _project_dirs(source_root: Path) -> List[Path]:
    """The source root and the folders above it, up to the first that looks like a project's top."""
    dirs = []
    for d in [source_root, *source_root.parents]:
        dirs.append(d)
        if any((d / m).exists() for m in _MARKERS):
            break
    return dirs


def _pins(text: str, name: str) -> List[str]:
    """Exact pins of ``name`` in requirements or pyproject text: ``name==X``, ``name = "X"`` / ``"==X"``."""
    n = re.escape(name)
    found = re.findall(rf"(?im)^\s*[\"']?{n}(?:\[[^\]]*\])?\s*===?\s*([\w.+!-]+)", text)
    found += re.findall(rf"(?i)[\"']{n}(?:\[[^\]]*\])?\s*===?\s*([\w.+!-]+)\s*[;\"']", text)
    found += re.findall(rf"(?im)^\s*{n}\s*=\s*[\"']=?=?\s*(\d[\w.+!-]*)[\"']", text)  # poetry
    return list(dict.fromkeys(found))


def find_version(name: str, source_root: Path) -> Tuple[str, str]:
    """(version, where it came from), or a UserInputError saying how to state it."""
    for d in _project_dirs(source_root.resolve()):
        files = sorted(d.glob("requirements*.txt")) + [d / "pyproject.toml"]
        for f in files:
            if not f.is_file():
                continue
            pins = _pins(f.read_text(errors="replace"), name)
            if len(pins) > 1:
                raise UserInputError(f"{f} pins {name} to several versions: {', '.join(pins)}",
                                     hint=f"pass --sdk {name}==VERSION to say which one the project runs")
            if pins:
                return pins[0], str(f)
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(name)  # reads the dist-info metadata; the package is not imported
    except PackageNotFoundError:
        raise UserInputError(
            f"cannot tell which {name} version the project uses: no {name}==X pin in requirements*.txt or "
            f"pyproject.toml at or above {source_root}, and {name} is not installed here",
            hint=f"pass --sdk {name}==VERSION (or AUTOC_SDK={name}==VERSION), the version the images run") from None
    return dist.version, f"installed {name} ({dist._path if hasattr(dist, '_path') else 'site-packages'})"
