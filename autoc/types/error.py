"""``FlyteError``: what a workflow's failure handler (``on_failure``) receives about the failed node.

Its LiteralType is the simple ``ERROR`` type and its literal the ``error`` scalar, as flytekit writes them. The
transformer registers itself when this module is imported, which any annotation naming FlyteError does first.
"""

from __future__ import annotations

import dataclasses

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base


@dataclasses.dataclass
class FlyteError:
    message: str
    failed_node_id: str


class ErrorTransformer(base.Transformer):
    name = "FlyteError"

    def literal_type(self, t):
        return types_pb2.LiteralType(simple=types_pb2.ERROR)

    def to_literal(self, v, t):
        if type(v) is not FlyteError:
            raise TypeEngineError(f"expected a FlyteError, got {type(v).__name__} {v!r:.80}")
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(
            error=types_pb2.Error(message=v.message, failed_node_id=v.failed_node_id)))

    def to_python(self, lit, t):
        if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "error":
            raise TypeEngineError("expected an error literal for FlyteError")
        return FlyteError(message=lit.scalar.error.message, failed_node_id=lit.scalar.error.failed_node_id)


base.register(FlyteError, ErrorTransformer())
