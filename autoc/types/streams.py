"""``typing.TextIO`` and ``typing.BinaryIO`` inputs as flytekit's transformers take them: a single Blob (format
``text/plain`` / ``application/octet-stream``) downloaded and opened for reading. As in flytekit, they cannot be
outputs (return a File instead). Registered the first time the engine meets either type."""

from __future__ import annotations

import functools
import typing

from flyteidl.core import types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base


class _StreamTransformer(base.Transformer):
    def __init__(self, name: str, fmt: str, mode: str):
        self.name, self.format, self.mode = name, fmt, mode

    def literal_type(self, t):
        return types_pb2.LiteralType(blob=types_pb2.BlobType(format=self.format,
                                                             dimensionality=types_pb2.BlobType.SINGLE))

    def to_literal(self, v, t):
        raise TypeEngineError(f"{self.name} values cannot be written (flytekit cannot either)",
                              hint="write the data to a file and return File (FlyteFile) instead")

    def to_python(self, lit, t):
        from autoc import storage

        uri = base.expect_blob(lit, t).uri
        local = storage.download(uri, storage.current_file_access().new_local_path("stream"))
        return open(local, self.mode)


@functools.lru_cache(maxsize=None)
def register_streams() -> None:
    base.register(typing.TextIO, _StreamTransformer("TextIO", "text/plain", "r"))
    base.register(typing.BinaryIO, _StreamTransformer("BinaryIO", "application/octet-stream", "rb"))
