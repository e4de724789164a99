"""File and Directory: values that travel as Blob literals (uploaded to the raw output prefix, downloaded
lazily on first use), wire-compatible with flytekit's FlyteFile and FlyteDirectory."""

from __future__ import annotations

import os
from typing import Any, Optional

from flyteidl.core import types_pb2

from autoc.errors import TypeEngineError
from autoc.types import engine


class File(os.PathLike):
    """A file path that may live remotely. ``open()``, ``download()`` and ``os.fspath()`` fetch it on demand.

    ``File["csv"]`` declares a format (written into the Blob type).
    """

    extension = ""

    def __init__(self, path: "str | os.PathLike", remote_source: Optional[str] = None):
        self.path = os.fspath(path)
        self.remote_source = remote_source
        self._downloaded = remote_source is None

    def __class_getitem__(cls, fmt: str):
        return type(f"{cls.__name__}[{fmt}]", (cls,), {"extension": str(fmt).lstrip(".")})

    def download(self) -> str:
        if not self._downloaded:
            from autoc.runtime import storage

            storage.download(self.remote_source, self.path, recursive=self._recursive)
            self._downloaded = True
        return self.path

    _recursive = False

    def __fspath__(self) -> str:
        return self.download()

    def open(self, mode: str = "r", **kwargs):
        return open(self.download(), mode, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, File) and (self.remote_source or self.path) == (other.remote_source or other.path)

    def __hash__(self) -> int:
        return hash(self.remote_source or self.path)

    def __repr__(self) -> str:
        src = f", remote_source={self.remote_source!r}" if self.remote_source else ""
        return f"{type(self).__name__}({self.path!r}{src})"


class Directory(File):
    """A directory that may live remotely; ``download()`` fetches all of it."""

    _recursive = True

    def listdir(self):
        return sorted(os.listdir(self.download()))


class _BlobTransformer(engine.Transformer):
    def __init__(self, name: str, cls: type, dimensionality: int):
        self.name, self.cls, self.dimensionality = name, cls, dimensionality

    def _format(self, t) -> str:
        return getattr(t, "extension", "") or ""

    def literal_type(self, t):
        return types_pb2.LiteralType(blob=types_pb2.BlobType(format=self._format(t),
                                                             dimensionality=self.dimensionality))

    def to_literal(self, v: Any, t):
        from autoc.runtime import storage

        if isinstance(v, File) and v.remote_source is not None:
            uri = v.remote_source
        elif isinstance(v, (str, os.PathLike)):
            path = v.path if isinstance(v, File) else os.fspath(v)
            if storage.is_remote(path):
                uri = path
            else:
                multipart = self.dimensionality == types_pb2.BlobType.MULTIPART
                if not (os.path.isdir(path) if multipart else os.path.isfile(path)):
                    kind = "directory" if multipart else "file"
                    raise TypeEngineError(f"{path} is not a {kind}", hint=f"return an existing {kind}")
                fa = storage.current_file_access()
                uri = fa.new_remote_path() if multipart else fa.new_remote_path(os.path.basename(path))
                storage.upload(path, uri, recursive=multipart)
        else:
            raise engine._wrong_value(v, t)
        return engine.blob_literal(uri, self._format(t), self.dimensionality)

    def to_python(self, lit, t):
        from autoc.runtime import storage

        uri = engine.expect_blob(lit, t).uri
        cls = t if isinstance(t, type) and issubclass(t, File) else self.cls
        if not storage.is_remote(uri):
            return cls(storage._local(uri))
        local = storage.current_file_access().new_local_path(os.path.basename(uri.rstrip("/")) or "data")
        return cls(local, remote_source=uri)


FILE = _BlobTransformer("FlyteFilePath", File, types_pb2.BlobType.SINGLE)
DIRECTORY = _BlobTransformer("FlyteDirectory", Directory, types_pb2.BlobType.MULTIPART)
engine.register(File, FILE)
engine.register(Directory, DIRECTORY)
engine.register(os.PathLike, FILE)
