"""Writing specs: ``{idx}_{name}_{1|2|3}.pb`` files or a gzip tar of them, atomically and byte-for-byte
reproducibly."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import math
import os
import re
import tarfile
import tempfile
from pathlib import Path
from typing import List, Sequence, Tuple

from autoc.errors import UserInputError

_OUR_FILE = re.compile(r"^\d+_.+_[123]\.pb$")


@dataclasses.dataclass(frozen=True)
class WrittenFile:
    task: str  # the entity's name (a task, workflow or launch plan)
    file: str
    bytes: int
    sha256: str
    kind: str = "task"


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


def serialize_specs(specs) -> List[bytes]:
    return [s.SerializeToString(deterministic=True) for s in specs]


def _write(path: Path, data: bytes) -> None:
    # No fsync per file (5,000 of them dominated the run on disk): the rename makes each file appear whole.
    with open(path, "wb") as f:
        f.write(data)


def write_directory(out_dir: str, entries: Sequence[Tuple[str, bytes]]) -> None:
    """Write every file under a temporary name, then rename them into place and remove stale autoc files, so an
    interrupted run never leaves a half-written .pb."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output {out_dir} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".autoc-", dir=out))
    try:
        for name, data in entries:
            _write(tmp / name, data)
        keep = {name for name, _ in entries}
        for name, _ in entries:
            os.replace(tmp / name, out / name)
        for old in out.iterdir():
            if old.is_file() and _OUR_FILE.match(old.name) and old.name not in keep:
                old.unlink()
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()


def archive_bytes(entries: Sequence[Tuple], mtime: int = 0, compresslevel: int = 9) -> bytes:
    """A gzip'd tar with fixed mtimes, owners and modes: the same input gives the same bytes. Entries are
    ``(name, data)`` (mode 0644) or ``(name, data, mode)``."""
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
    from autoc.runtime.storage import write_bytes

    target = Path(path)
    if target.exists() and not force:
        raise UserInputError(f"{path} already exists", hint="pass --force to overwrite it")
    data = archive_bytes(entries)
    write_bytes(str(target), data)  # atomic: a temp file renamed over the target
    return len(data)


def describe(entities: Sequence, files: Sequence[str], blobs: Sequence[bytes]) -> List[WrittenFile]:
    return [WrittenFile(*_name_kind(e)[:1], f, len(b), hashlib.sha256(b).hexdigest(), _name_kind(e)[1])
            for e, f, b in zip(entities, files, blobs)]
