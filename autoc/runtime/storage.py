"""Reading and writing the files a task execution touches: local paths directly, URLs through fsspec.

``FileAccess`` knows the local sandbox and the raw output prefix (where File, Directory and pickled values
are uploaded); the type engine finds the current one with ``current_file_access()``.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Optional


def is_remote(path: str) -> bool:
    """True for URLs other than ``file://`` (``s3://``, ``gs://``, ``abfs://``, ``http://``...)."""
    return "://" in path and not path.startswith("file://")


def _local(path: str) -> str:
    return path[len("file://"):] if path.startswith("file://") else path


def filesystem(path: str):
    """The fsspec filesystem for ``path`` (the local one for plain paths); S3 honours ``FLYTE_AWS_ENDPOINT`` or
    ``AWS_ENDPOINT_URL``."""
    import fsspec

    protocol = path.split("://", 1)[0] if is_remote(path) else "file"
    kwargs = {}
    if protocol == "s3":
        endpoint = os.environ.get("FLYTE_AWS_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            kwargs["client_kwargs"] = {"endpoint_url": endpoint}
    return fsspec.filesystem(protocol, **kwargs)


def join(prefix: str, *parts: str) -> str:
    return "/".join([prefix.rstrip("/")] + [p.strip("/") for p in parts])


def read_bytes(path: str) -> bytes:
    if is_remote(path):
        with filesystem(path).open(path, "rb") as f:
            return f.read()
    with open(_local(path), "rb") as f:
        return f.read()


def exists(path: str) -> bool:
    if is_remote(path):
        return filesystem(path).exists(path)
    return os.path.exists(_local(path))


def write_bytes(path: str, data: bytes) -> None:
    """Write atomically for local paths (temp file + rename), as one object for URLs."""
    if is_remote(path):
        with filesystem(path).open(path, "wb") as f:
            f.write(data)
        return
    target = Path(_local(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".autoc-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _copy_local(src: str, dest: str, recursive: bool) -> None:
    src, dest = _local(src), _local(dest)
    if recursive:
        # a directory copied into its own subtree (a local run's working directory, which holds the local raw
        # output folder, returned as a Directory): leave the destination's branch out, or the copy never ends
        s, d = os.path.realpath(src), os.path.realpath(dest)
        first = d[len(s) + 1:].split(os.sep)[0] if d.startswith(s + os.sep) else None
        shutil.copytree(src, dest, dirs_exist_ok=True, ignore=None if first is None else (
            lambda here, names: [first] if first in names and os.path.realpath(here) == s else []))
    else:
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        shutil.copyfile(src, dest)


def download(src: str, dest: str, recursive: bool = False) -> str:
    """Copy a file (or a directory with ``recursive``) to a local path; returns ``dest``."""
    if not is_remote(src):
        _copy_local(src, dest, recursive)
    elif recursive:
        os.makedirs(dest, exist_ok=True)
        filesystem(src).get(src.rstrip("/") + "/", dest, recursive=True)
    else:
        os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
        filesystem(src).get(src, dest)
    return dest


def upload(src: str, dest: str, recursive: bool = False) -> str:
    """Copy a local file or directory to ``dest`` (a local path or URL); returns ``dest``."""
    if not is_remote(dest):
        _copy_local(src, dest, recursive)
    elif recursive:
        filesystem(dest).put(src.rstrip("/") + "/", dest.rstrip("/"), recursive=True)
    else:
        filesystem(dest).put(src, dest)
    return dest


def remove_empty_folders(root: str) -> None:
    """Remove ``root`` and the folders under it that hold nothing (what a task wrote stays)."""
    for here, _, _ in sorted(os.walk(root), key=lambda entry: -len(entry[0])):  # deepest first
        try:
            os.rmdir(here)
        except OSError:
            pass  # not empty, or already gone


class FileAccess:
    """The local sandbox plus the raw output prefix that offloaded values are written under."""

    def __init__(self, raw_output_prefix: Optional[str] = None, local_sandbox: Optional[str] = None):
        self.local_sandbox = local_sandbox or tempfile.mkdtemp(prefix="autoc-")
        self.raw_output_prefix = raw_output_prefix or os.path.join(self.local_sandbox, "raw")

    def new_remote_path(self, name: str = "") -> str:
        """A fresh location under the raw output prefix (``<prefix>/<random>[/name]``)."""
        base = join(self.raw_output_prefix, uuid.uuid4().hex)
        return join(base, name) if name else base

    def new_local_path(self, name: str = "") -> str:
        d = os.path.join(self.local_sandbox, "local", uuid.uuid4().hex)
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, name) if name else d

    # flytekit's FileAccessProvider names, for dataframe encoders and decoders written against flytekit

    @staticmethod
    def is_remote(path: str) -> bool:
        return is_remote(path)

    @staticmethod
    def join(prefix: str, *parts: str) -> str:
        return join(prefix, *parts)

    @staticmethod
    def get_random_string() -> str:
        return uuid.uuid4().hex

    def get_random_remote_directory(self) -> str:
        return self.new_remote_path()

    def get_random_local_path(self, file_path_or_file_name: Optional[str] = None) -> str:
        return self.new_local_path(os.path.basename(str(file_path_or_file_name or "")))

    @property
    def local_sandbox_dir(self) -> str:
        return self.local_sandbox

    @staticmethod
    def exists(path: str) -> bool:
        return exists(str(path))

    @staticmethod
    def get_filesystem_for_path(path: str = "", **_):
        return filesystem(path)

    # flytekit's FileAccessProvider names, for type transformers written against flytekit (autoc.types.user)

    def get_random_local_directory(self) -> str:
        return self.new_local_path()

    def get_random_remote_path(self, file_path_or_file_name: Optional[str] = None) -> str:
        return self.new_remote_path(os.path.basename(file_path_or_file_name or ""))

    @staticmethod
    def upload_directory(local_path: str, remote_path: str, **_) -> str:
        return upload(str(local_path), str(remote_path), recursive=True)

    @staticmethod
    def download_directory(remote_path: str, local_path: str, **_) -> str:
        return download(str(remote_path), str(local_path), recursive=True)

    @staticmethod
    def upload(file_path: str, to_path: str, **_) -> str:
        return upload(str(file_path), str(to_path))

    @staticmethod
    def download(remote_path: str, local_path: str, **_) -> str:
        return download(str(remote_path), str(local_path))

    @staticmethod
    def put_data(local_path: str, remote_path: str, is_multipart: bool = False, **_) -> str:
        return upload(str(local_path), str(remote_path), recursive=is_multipart)

    @staticmethod
    def get_data(remote_path: str, local_path: str, is_multipart: bool = False, **_) -> str:
        return download(str(remote_path), str(local_path), recursive=is_multipart)


_CURRENT: contextvars.ContextVar[Optional[FileAccess]] = contextvars.ContextVar("autoc_file_access", default=None)


def current_file_access() -> FileAccess:
    fa = _CURRENT.get()
    if fa is None:
        fa = FileAccess()
        _CURRENT.set(fa)
    return fa


@contextlib.contextmanager
def bound(var: contextvars.ContextVar, value):
    """``var`` holds ``value`` inside the block, whatever it held before afterwards."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)


def using_file_access(fa: FileAccess):
    return bound(_CURRENT, fa)
