"""``PIL.Image.Image`` as flytekit's PIL transformer writes it: a single Blob of format ``PIL.Image`` holding the
image saved as PNG, opened again with ``PIL.Image.open``. Registered the first time the engine meets an image class;
Pillow is never imported otherwise."""

from __future__ import annotations

import functools
import io

from flyteidl.core import types_pb2

from autoc.types import base

FILE_FORMAT = "PIL.Image"


class PILImageTransformer(base.Transformer):
    name = "PIL.Image"

    def literal_type(self, t):
        return types_pb2.LiteralType(blob=types_pb2.BlobType(format=FILE_FORMAT,
                                                             dimensionality=types_pb2.BlobType.SINGLE))

    def to_literal(self, v, t):
        import PIL.Image

        from autoc.storage import current_file_access, write_bytes

        if not isinstance(v, PIL.Image.Image):
            raise base.wrong_value(v, t)
        buf = io.BytesIO()
        v.save(buf, format="PNG")
        uri = current_file_access().new_remote_path("image.png")
        write_bytes(uri, buf.getvalue())
        return base.blob_literal(uri, FILE_FORMAT, types_pb2.BlobType.SINGLE)

    def to_python(self, lit, t):
        import PIL.Image

        from autoc import storage

        uri = base.expect_blob(lit, t, "a PIL.Image blob").uri
        return PIL.Image.open(storage.download(uri, storage.current_file_access().new_local_path("image.png")))


@functools.lru_cache(maxsize=None)
def register_pil() -> None:
    import PIL.Image

    base.register(PIL.Image.Image, PILImageTransformer())
