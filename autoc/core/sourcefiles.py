"""Which source files ship (in an image or a code bundle), and why: one answer for both.

``loaded_modules`` are the files of the modules imported from under the source root; ``all`` is every file
under it, less what ``.gitignore``, ``.dockerignore`` and ``.flyteignore`` exclude (and caches, VCS folders
and compiled files).
"""

from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

IGNORE_FILES = (".gitignore", ".dockerignore", ".flyteignore")
ALWAYS_SKIPPED = {".git", "__pycache__", ".venv", ".mypy_cache", ".pytest_cache", ".oracle-venv"}
COMPILED = (".pyc", ".pyo")


class Ignore:
    """The patterns of the ignore files at the source root (gitignore-style: ``*``, ``dir/``, ``/anchored``, ``!``)."""

    def __init__(self, root: Path):
        self.rules: List[Tuple[str, str, bool]] = []  # (file, pattern, negated)
        for name in IGNORE_FILES:
            p = root / name
            if p.is_file():
                for line in p.read_text().splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        neg = line.startswith("!")
                        self.rules.append((name, line[1:] if neg else line, neg))

    def match(self, rel: str, is_dir: bool) -> Optional[str]:
        """The rule (``file: pattern``) that excludes ``rel``, or None."""
        verdict = None
        for src, pat, neg in self.rules:
            if pat.endswith("/") and not is_dir:
                # a directory pattern excludes files below a matching directory
                if not any(self._hit(pat.rstrip("/"), "/".join(rel.split("/")[:i]))
                           for i in range(1, rel.count("/") + 1)):
                    continue
            elif not self._hit(pat.rstrip("/"), rel):
                continue
            verdict = None if neg else f"{src}: {pat}"
        return verdict

    @staticmethod
    def _hit(pat: str, rel: str) -> bool:
        if pat.startswith("/"):
            return fnmatch.fnmatch(rel, pat[1:])
        if "/" in pat.strip("/"):
            return fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, "*/" + pat)
        return any(fnmatch.fnmatch(part, pat) for part in rel.split("/"))


#: module files another interpreter loaded for this run (the flytekit engine's), as if imported here
LOADED_ELSEWHERE: List[str] = []


def loaded_modules(root: Path) -> List[Tuple[str, Path, str]]:
    """(relative path, path, reason) of every imported module's file under ``root``, sorted."""
    root = root.resolve()
    out = {}
    for f in LOADED_ELSEWHERE:  # the flytekit engine loaded the modules: its list is the run's
        p = Path(f).resolve()
        if p.is_file() and root in p.parents:
            out[p.relative_to(root).as_posix()] = (p, "loaded by the flytekit engine")
    if LOADED_ELSEWHERE:
        return [(rel, p, why) for rel, (p, why) in sorted(out.items())]
    for name, m in list(sys.modules.items()):
        f = getattr(m, "__file__", None)
        if not f:
            continue
        p = Path(f).resolve()
        if p.is_file() and root in p.parents and "site-packages" not in p.parts:
            out[p.relative_to(root).as_posix()] = (p, f"loaded module {name}")
    return [(rel, p, why) for rel, (p, why) in sorted(out.items())]


def all_files(root: Path) -> Tuple[List[Tuple[str, Path, str]], List[Tuple[str, str]]]:
    """(kept: (relative path, path, reason), dropped: (relative path, reason)), both sorted."""
    root = root.resolve()
    ignore = Ignore(root)
    kept, dropped = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for d in sorted(dirnames):
            why = "always skipped" if d in ALWAYS_SKIPPED else ignore.match(prefix + d, True)
            if why:
                dropped.append((prefix + d + "/", why))
                dirnames.remove(d)
        dirnames.sort()
        for fn in sorted(filenames):
            p = Path(dirpath) / fn
            why = "compiled file" if fn.endswith(COMPILED) else ignore.match(prefix + fn, False)
            if why is None and (p.is_symlink() or not p.is_file()):
                why = "not a regular file"
            if why:
                dropped.append((prefix + fn, why))
            else:
                kept.append((prefix + fn, p, "in the source root"))
    return sorted(kept), sorted(dropped)
