"""Protobuf messages as flytekit's ProtobufTransformer writes them: a STRUCT LiteralType naming the message class
(``metadata.pb_type``), the value as a generic Struct of the message's JSON form (a ``ListValue`` as a collection of
its items). Registered by the engine the first time it meets a message class."""

from __future__ import annotations

import functools

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base

PB_FIELD_KEY = "pb_type"


class ProtobufTransformer(base.Transformer):
    name = "Protobuf-Transformer"

    def literal_type(self, t):
        lt = types_pb2.LiteralType(simple=types_pb2.SimpleType.STRUCT)
        lt.metadata.update({PB_FIELD_KEY: f"{t.__module__}.{t.__name__}"})
        return lt

    def to_literal(self, v, t):
        from google.protobuf import json_format, struct_pb2

        if not isinstance(v, t):
            raise base.wrong_value(v, t)
        if type(v) is struct_pb2.ListValue:  # flytekit: a collection of the items' literals
            from autoc.types import engine

            return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(
                literals=[engine.to_literal(x, type(x)) for x in v]))
        generic = struct_pb2.Struct()
        generic.update(json_format.MessageToDict(v))
        return base.scalar(generic=generic)

    def to_python(self, lit, t):
        from google.protobuf import json_format

        if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "generic":
            raise TypeEngineError(f"expected a generic literal for the protobuf message {t.__name__}, got "
                                  f"{base.describe(lit)}")
        return json_format.ParseDict(json_format.MessageToDict(lit.scalar.generic), t())


@functools.lru_cache(maxsize=None)
def register_protobuf() -> None:
    from google.protobuf.message import Message

    base.register(Message, ProtobufTransformer())
