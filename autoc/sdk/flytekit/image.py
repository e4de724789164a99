"""flytekit's ImageSpec tag rule, so images built by ``pyflyte build`` (or a flytekit builder plugin) are the ones
autoc names: the same fields hash (``ImageSpec.id``), but copied files are digested as flytekit digests them, and
``pyflyte serialize`` (not fast) copies the loaded modules into every spec that does not say otherwise."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import site
import sys
from typing import List, Optional, Tuple

from autoc.image.builder import ImageSpecBuilder as _AutocBuilder
from autoc.image.spec import CopyFileDetection, ImageSpec as _AutocImageSpec


def _file_in(file: str, directory: str) -> bool:
    try:
        return os.path.commonpath([file, directory]) == directory
    except ValueError:
        return False


def _update(hasher, path: str, rel: str) -> None:
    """flytekit's per-file digest step: the bytes, then the relative path without separators."""
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            hasher.update(chunk)
    hasher.update("".join(rel.split(os.sep)).encode("utf-8"))


def loaded_module_files(source_root: str) -> List[str]:
    """The files of the imported modules under ``source_root`` that are not installed packages, sorted."""
    from autoc.core.sourcefiles import LOADED_ELSEWHERE

    if LOADED_ELSEWHERE:  # the flytekit engine loaded the modules: its list is the run's
        return sorted({f for f in LOADED_ELSEWHERE if _file_in(f, source_root)})
    invalid = [sys.prefix, sys.base_prefix, site.getusersitepackages(), *site.getsitepackages()]
    files = []
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if not f or any(_file_in(f, d) for d in invalid) or not _file_in(f, source_root):
            continue
        files.append(f)
    return sorted(files)


def _all_files(source_root: str) -> List[str]:
    """Every file under ``source_root`` but ``.git`` and what the ignore files exclude, in os.walk order."""
    from pathlib import Path

    from autoc.core.sourcefiles import Ignore

    ignore = Ignore(Path(source_root))
    out = []
    for root, dirs, files in os.walk(source_root):
        dirs[:] = [d for d in dirs if d != ".git"]
        for fn in sorted(files):
            full = os.path.join(root, fn)
            rel = os.path.relpath(full, source_root).replace(os.sep, "/")
            if os.path.exists(full) and not ignore.match(rel, False) and not fn.endswith((".pyc", ".pyo")):
                out.append(full)
    return sorted(out)


def source_digest(source_root: str, mode: CopyFileDetection) -> str:
    """md5 over the copied files as flytekit's ``ls_files`` computes it."""
    files = loaded_module_files(source_root) if mode == CopyFileDetection.LOADED_MODULES else _all_files(source_root)
    h = hashlib.md5()
    for f in files:
        _update(h, f, os.path.relpath(f, source_root))
    return h.hexdigest()


def copy_digest(paths: List[str]) -> str:
    """md5 over ``ImageSpec.copy`` as flytekit's ``compute_digest``: directories walked, files under their name."""
    h = hashlib.md5()
    for src in paths:
        if os.path.isdir(src):
            for root, _, files in os.walk(src):
                for fn in sorted(files):
                    full = os.path.join(root, fn)
                    if os.path.exists(full):
                        _update(h, full, os.path.relpath(full, src))
        elif os.path.exists(src):
            _update(h, src, os.path.basename(src))
    return h.hexdigest()


class ImageSpec(_AutocImageSpec):
    """``flytekit.ImageSpec`` under ``--sdk flytekit``: autoc's ImageSpec with flytekit's tag rule."""

    def _source_digest(self, source_root: str, mode: CopyFileDetection) -> str:
        return source_digest(source_root, mode)

    def _copy_digest(self, paths: List[str]) -> str:
        return copy_digest(paths)


class ImageSpecBuilder(_AutocBuilder):
    """``flytekit.image_spec.ImageSpecBuilder``: a builder written for flytekit checks the spec's fields itself (autoc's
    own builders declare the fields they honour)."""

    supported_fields = None


def _copy_handling(spec: _AutocImageSpec, settings) -> Tuple[Optional[str], Optional[CopyFileDetection]]:
    """(source root, copy mode) pyflyte gives ``spec`` under ``settings``: a spec that names a copy mode gets the
    settings' source root when it has none; without fast registration, one that says nothing about copying
    copies the loaded modules of its (else the settings') source root."""
    root, mode = spec.source_root, spec.source_copy_mode
    if mode is not None:
        if mode != CopyFileDetection.NO_COPY and root is None:
            root = settings.source_root
    elif not settings.should_fast_serialize() and (settings.source_root is not None or root is not None):
        root = root if root is not None else settings.source_root
        mode = CopyFileDetection.LOADED_MODULES
    return root, mode


def update_image_spec_copy_handling(image_spec: _AutocImageSpec, settings) -> None:
    """flytekit's helper of the same name, which sets the copy handling on the user's spec in place (autoc's
    serializer makes a new spec instead, ``as_pyflyte_sees_it``); the spec's name is computed again after it."""
    root, mode = _copy_handling(image_spec, settings)
    for field, value in (("source_root", root), ("source_copy_mode", mode)):
        object.__setattr__(image_spec, field, value)
    for cached in ("id", "tag", "_pyflyte_specs"):
        image_spec.__dict__.pop(cached, None)


def as_pyflyte_sees_it(spec: _AutocImageSpec, settings) -> _AutocImageSpec:
    """The spec ``pyflyte serialize`` names: without fast registration, a spec that says nothing about copying
    copies the loaded modules of the source root.

    flytekit does this by mutating the user's spec when a task using it is serialized, so a spec built on another
    (``base_image=spec``) is named after that base as pyflyte had left it at that moment. autoc makes new specs and
    remembers them on the original, per (fast, source root), to name them the same way."""
    key = (settings.should_fast_serialize(), settings.source_root)
    memo = spec.__dict__.setdefault("_pyflyte_specs", {})
    if key in memo:
        return memo[key]
    root, mode = _copy_handling(spec, settings)
    base = spec.base_image
    if isinstance(base, _AutocImageSpec):
        base = base.__dict__.get("_pyflyte_specs", {}).get(key, base)
    new = spec
    if (root, mode, base) != (spec.source_root, spec.source_copy_mode, spec.base_image):
        new = dataclasses.replace(spec, source_root=root, source_copy_mode=mode, base_image=base)
    memo[key] = new
    return new
