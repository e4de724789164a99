"""``numpy.ndarray`` as flytekit's NumpyArray transformer writes it: a single Blob of format ``NumpyArray`` holding
``np.save``'s ``.npy`` bytes under the raw output prefix. ``Annotated[np.ndarray, kwtypes(allow_pickle=True,
mmap_mode="r")]`` passes those options to ``np.save``/``np.load``, as flytekit does.

Registered by the engine the first time it meets an ndarray; numpy is never imported otherwise.
"""

from __future__ import annotations

import functools
import io
import typing
from collections import OrderedDict
from typing import Any, Dict, Tuple

from flyteidl.core import types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base

NUMPY_ARRAY_FORMAT = "NumpyArray"


def _options(t: Any) -> Tuple[Any, Dict[str, Any]]:
    """(the array type, the kwtypes options) of ``Annotated[np.ndarray, kwtypes(...)]``; other metadata than one
    kwtypes and HashMethods is refused (flytekit's rule)."""
    if typing.get_origin(t) is not typing.Annotated:
        return t, {}
    from autoc.types.annotation import HashMethod

    inner, *extras = typing.get_args(t)
    options: Dict[str, Any] = {}
    found = False
    for x in extras:
        if isinstance(x, OrderedDict):
            if found:
                raise TypeEngineError(f"{t}: options {dict(options)} are already given, cannot use {dict(x)} too")
            options, found = dict(x), True
        elif not isinstance(x, HashMethod):
            raise TypeEngineError(f"the metadata of {t} must be kwtypes(...) or a HashMethod, got {x!r:.80}",
                                  hint="e.g. Annotated[np.ndarray, kwtypes(allow_pickle=True)]")
    return inner, options


class NumpyArrayTransformer(base.Transformer):
    name = "Numpy Array"
    wants_annotations = True

    def literal_type(self, t):
        return types_pb2.LiteralType(blob=types_pb2.BlobType(format=NUMPY_ARRAY_FORMAT,
                                                             dimensionality=types_pb2.BlobType.SINGLE))

    def to_literal(self, v, t):
        import numpy as np

        from autoc.storage import current_file_access, write_bytes

        _, options = _options(t)
        if not isinstance(v, np.ndarray):
            raise base.wrong_value(v, t)
        buf = io.BytesIO()
        try:
            np.save(buf, v, allow_pickle=options.get("allow_pickle", False))
        except ValueError as e:  # object arrays without allow_pickle
            raise TypeEngineError(f"cannot write the array: {e}",
                                  hint="Annotated[np.ndarray, kwtypes(allow_pickle=True)] allows object arrays") from e
        uri = current_file_access().new_remote_path("array.npy")
        write_bytes(uri, buf.getvalue())
        return base.blob_literal(uri, NUMPY_ARRAY_FORMAT, types_pb2.BlobType.SINGLE)

    def to_python(self, lit, t):
        import numpy as np

        from autoc import storage

        _, options = _options(t)
        uri = base.expect_blob(lit, t, "a NumpyArray blob").uri
        allow_pickle, mmap_mode = options.get("allow_pickle", False), options.get("mmap_mode")
        if mmap_mode is not None:  # a memory map needs a file
            local = storage.download(uri, storage.current_file_access().new_local_path("array.npy"))
            return np.load(local, allow_pickle=allow_pickle, mmap_mode=mmap_mode)
        return np.load(io.BytesIO(storage.read_bytes(uri)), allow_pickle=allow_pickle)


@functools.lru_cache(maxsize=None)
def register_numpy() -> None:
    import numpy as np

    base.register(np.ndarray, NumpyArrayTransformer())
