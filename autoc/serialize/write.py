"""Writing specs: ``{idx}_{name}_{1|2|3}.pb`` files or a gzip tar of them, atomically and byte-for-byte
reproducibly."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import os
import re
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from autoc.errors import UserInputError

_OUR_FILE = re.compile(r"^\d+_.+_[123]\.pb$")


@dataclasses.dataclass(frozen=True)
class WrittenFile:
    task: str  # the entity's name (a task, workflow or launch plan)
    file: str
    bytes: int
    sha256: str
    kind: str = "task"
    where: Optional[str] = None  # file:line of the Python object that made it, when the engine said


_SUFFIX = {"task": 1, "workflow": 2, "launch_plan": 3}


def _name_kind(e) -> Tuple[str, str]:
    return (e, "task") if isinstance(e, str) else (e.name, e.kind)


def file_names(entities: Sequence) -> List[str]:
    """pyflyte's names: the index zero-padded to ceil(log10(N)) digits, the entity name, then ``_1.pb`` (task),
    ``_2.pb`` (workflow) or ``_3.pb`` (launch plan). Items are ``autoc.serialize.Entity`` objects or task names."""
    width = math.ceil(math.log10(len(entities))) if entities else 0
    out = []
    for i, e in enumerate(entities):
        name, kind = _name_kind(e)
        out.append(f"{str(i).zfill(width)}_{name}_{_SUFFIX[kind]}.pb")
    return out


MAX_FILE_NAME_BYTES = 255  # NAME_MAX on Linux and macOS


def file_name_errors(entities: Sequence, files: Sequence[str]) -> list:
    """An entity whose file name the filesystem cannot hold is an error naming it (not an OSError later)."""
    from autoc.errors import TaskDefinitionError

    out = []
    for e, file in zip(entities, files):
        name, kind = _name_kind(e)
        if len(file.encode()) > MAX_FILE_NAME_BYTES:
            out.append(TaskDefinitionError(
                f"{kind.replace('_', ' ')} {name} ({len(name)} characters) makes a file name of "
                f"{len(file.encode())} bytes, over the {MAX_FILE_NAME_BYTES} a filesystem allows",
                hint="shorten its name (the module path and the function or variable name), or write only --archive"))
    return out


def serialize_specs(specs) -> List[bytes]:
    return [s.SerializeToString(deterministic=True) for s in specs]


def write_directory(out_dir: str, entries: Sequence[Tuple[str, bytes]]):
    """Replace the ``.pb`` set in ``out_dir`` as a whole (see ``autoc.serialize.swapdir``): an interrupted or
    concurrent run never leaves a mix, and autoc's files the new set does not have are removed (returned, with
    the leftover folders of runs that did not finish, in a ``Swapped``). Other files stay."""
    from autoc.serialize.swapdir import replace_set

    return replace_set(out_dir, entries, lambda name: bool(_OUR_FILE.match(name)))


def archive_bytes(entries: Sequence[Tuple], mtime: int = 0, compresslevel: int = 9) -> bytes:
    """A gzip'd tar with fixed mtimes, owners and modes: the same input gives the same bytes. Entries are
    ``(name, data)`` (mode 0644) or ``(name, data, mode)``."""
    import gzip
    import tarfile  # with shutil, ~10 ms: only for archives and bundles

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, *mode in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), mtime, mode[0] if mode else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=compresslevel, mtime=0)


def write_archive(path: str, entries: Sequence[Tuple[str, bytes]], force: bool = True) -> int:
    from autoc.storage import write_bytes

    target = Path(path)
    if target.exists() and not force:
        raise UserInputError(f"{path} already exists", hint="pass --force to overwrite it")
    data = archive_bytes(entries)
    write_bytes(str(target), data)  # atomic: a temp file renamed over the target
    return len(data)


def describe(entities: Sequence, files: Sequence[str], blobs: Sequence[bytes]) -> List[WrittenFile]:
    return [WrittenFile(*_name_kind(e)[:1], f, len(b), hashlib.sha256(b).hexdigest(), _name_kind(e)[1],
                        getattr(e, "where", None)) for e, f, b in zip(entities, files, blobs)]
