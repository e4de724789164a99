"""``typing.Iterator[T]`` as flytekit's iterator transformers write it: a collection of T's literals, read back as a
lazy iterator with a length; and ``Iterator[JSON]`` (JSON values, ``from autoc import JSON``) as a JSON Lines blob
(format ``jsonl``), read back line by line."""

from __future__ import annotations

import json
import typing
from typing import Any, Dict, List, Union

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base

JSONCollection = Union[Dict[str, Any], List[Any]]
JSONScalar = Union[bool, float, int, str]
#: one JSON value (flytekit's ``flytekit.types.iterator.JSON``)
JSON = Union[JSONCollection, JSONScalar]
JSON_ITERATOR_FORMAT = "jsonl"


class FlyteIterator:
    """The items of a collection literal, converted one at a time."""

    def __init__(self, literals, item_type: Any):
        self._literals, self._item_type, self._index = literals, item_type, 0

    def __len__(self) -> int:
        return len(self._literals)

    def __iter__(self):
        self._index = 0
        return self

    def __next__(self):
        from autoc.types import engine

        if self._index >= len(self._literals):
            raise StopIteration
        self._index += 1
        return engine.to_python(self._literals[self._index - 1], self._item_type)


class JSONIterator:
    """The values of a JSON Lines file, read one line at a time."""

    def __init__(self, stream):
        self._stream = stream

    def __iter__(self):
        return self

    def __next__(self):
        for line in self._stream:
            if line.strip():
                return json.loads(line)
        self._stream.close()
        raise StopIteration


class IteratorTransformer(base.Transformer):
    name = "Typed Iterator"

    def literal_type(self, t):
        from autoc.types import engine

        args = typing.get_args(t)
        if not args:
            raise TypeEngineError(f"{base.type_name(t)} needs an item type", hint="use Iterator[int], ...")
        return types_pb2.LiteralType(collection_type=engine.to_literal_type(args[0]))

    def to_literal(self, v, t):
        from autoc.types import engine

        (item,) = typing.get_args(t)
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(
            literals=[engine.to_literal(x, item) for x in v]))

    def to_python(self, lit, t):
        if lit.WhichOneof("value") != "collection":
            raise TypeEngineError(f"expected a collection literal for {base.type_name(t)}, got {base.describe(lit)}")
        return FlyteIterator(lit.collection.literals, typing.get_args(t)[0])


class JSONIteratorTransformer(base.Transformer):
    name = "JSON Iterator"

    def literal_type(self, t):
        lt = types_pb2.LiteralType(blob=types_pb2.BlobType(format=JSON_ITERATOR_FORMAT,
                                                           dimensionality=types_pb2.BlobType.SINGLE))
        lt.metadata.update({"format": "json iterator"})
        return lt

    def to_literal(self, v, t):
        from autoc.storage import current_file_access, write_bytes

        lines = [json.dumps(x) for x in v]
        if not lines:
            raise TypeEngineError("The iterator is empty.", hint="flytekit refuses an empty Iterator[JSON] too")
        uri = current_file_access().new_remote_path("values.jsonl")
        write_bytes(uri, ("\n".join(lines) + "\n").encode())
        return base.blob_literal(uri, JSON_ITERATOR_FORMAT, types_pb2.BlobType.SINGLE)

    def to_python(self, lit, t):
        import io

        from autoc.storage import read_bytes

        return JSONIterator(io.StringIO(read_bytes(base.expect_blob(lit, t).uri).decode()))


ITERATOR, JSON_ITERATOR = IteratorTransformer(), JSONIteratorTransformer()
base.register(JSONIterator, JSON_ITERATOR)  # (a parameter annotated JSONIterator, as flytekit allows)


def transformer_for(t: Any) -> base.Transformer:
    """The transformer of ``Iterator[...]``: JSON Lines for ``Iterator[JSON]``, else a collection."""
    return JSON_ITERATOR if typing.get_args(t) == (JSON,) or t is JSONIterator else ITERATOR
