"""Which source files an image copies, and a content digest of them that does not depend on the machine."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, List, Tuple


def list_source_files(source_root: str, mode) -> List[Tuple[str, Path]]:
    """(relative POSIX path, path) of the files under ``source_root`` that an image copies for ``mode``, sorted by
    relative path."""
    from autoc.core import sourcefiles

    root = Path(source_root)  # mode: a CopyFileDetection (spec.py, which imports this module), by its name
    if mode.name == "NO_COPY":
        return []
    if mode.name == "LOADED_MODULES":
        return [(rel, p) for rel, p, _ in sourcefiles.loaded_modules(root)]
    return [(rel, p) for rel, p, _ in sourcefiles.all_files(root)[0]]


def _digest(entries: Iterable[tuple]) -> str:
    h = hashlib.md5()
    for rel, path in entries:
        h.update(rel.encode())
        h.update(b"\0")
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(65536), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def source_digest(source_root: str, mode) -> str:
    return _digest(list_source_files(source_root, mode))


def paths_digest(paths: List[str]) -> str:
    """Digest of ``ImageSpec.copy`` entries: files by name, directories walked in sorted order."""
    entries = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for fn in sorted(filenames):
                    full = Path(dirpath) / fn
                    entries.append((f"{p}/{full.relative_to(path).as_posix()}", full))
        elif path.is_file():
            entries.append((p, path))
        else:
            from autoc.errors import ImageConfigError

            raise ImageConfigError(f"ImageSpec.copy: {p} does not exist", hint="paths are relative to the "
                                   "directory autoc runs in")
    return _digest(entries)
