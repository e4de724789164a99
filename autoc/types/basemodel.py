"""pydantic v2 models (optional extra ``autoc[pydantic]``), wire-compatible with flytekit's PydanticTransformer:
a STRUCT LiteralType carrying the model's JSON schema, values as msgpack of the model's JSON. File, Directory and
StructuredDataset fields travel as flytekit writes them (``{"path": uri}``, ``{"uri": ..., "file_format": ...}``),
uploaded when the model is written and fetched only when opened.

Registered by the engine the first time it meets a BaseModel subclass; pydantic is never imported otherwise.
"""

from __future__ import annotations

import functools
import json
import logging

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base, engine
# (apart, importing nothing of the engine: files.py and structured.py use them too)
from autoc.types.reference_schema import JSON_SCHEMAS, reference_schema  # noqa: F401

logger = logging.getLogger("autoc")


class PydanticTransformer(base.Transformer):
    name = "Pydantic Transformer"

    def literal_type(self, t):
        lt = types_pb2.LiteralType(simple=types_pb2.SimpleType.STRUCT)
        try:
            lt.metadata.update(t.model_json_schema())
        except Exception as e:
            raise TypeEngineError(f"pydantic cannot build the JSON schema of {t.__name__}: {e}",
                                  hint="every field needs a type pydantic can describe") from e
        for name, info in t.model_fields.items():
            try:
                lt.structure.dataclass_type[name].CopyFrom(engine.to_literal_type(info.annotation))
            except TypeEngineError as e:  # flytekit logs and leaves the field out
                logger.debug("field %s of %s has no literal type: %s", name, t.__name__, e)
        lt.structure.SetInParent()
        engine._set_msgpack_annotation(lt)
        return lt

    def to_literal(self, v, t):
        import msgpack

        if not isinstance(v, t):
            raise base.wrong_value(v, t)
        try:
            data = json.loads(v.model_dump_json())  # through JSON, as flytekit does (enums, dates, nested files)
        except TypeEngineError:
            raise
        except Exception as e:
            raise TypeEngineError(f"cannot write {type(v).__name__} as JSON: {e}") from e
        return base.scalar(binary=literals_pb2.Binary(value=msgpack.packb(data), tag=engine.MESSAGEPACK))

    def to_python(self, lit, t):
        kind = lit.scalar.WhichOneof("value") if lit.WhichOneof("value") == "scalar" else None
        if kind == "binary":
            import msgpack

            if lit.scalar.binary.tag != engine.MESSAGEPACK:
                raise TypeEngineError(f"unsupported binary tag {lit.scalar.binary.tag!r} for {t.__name__}")
            text = json.dumps(msgpack.unpackb(lit.scalar.binary.value, raw=False, strict_map_key=False))
        elif kind == "generic":
            from google.protobuf import json_format

            text = json_format.MessageToJson(lit.scalar.generic)
        else:
            raise TypeEngineError(f"expected a binary or generic literal for {t.__name__}, got {base.describe(lit)}")
        try:
            return t.model_validate_json(text, strict=False, context={"deserialize": True})
        except Exception as e:
            raise TypeEngineError(f"cannot read {t.__name__} from the literal: {e}") from e


@functools.lru_cache(maxsize=None)
def register_pydantic() -> None:
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - the engine only calls this for classes from pydantic
        raise TypeEngineError("pydantic models need pydantic>=2", hint="pip install 'autoc[pydantic]'") from None
    if not hasattr(BaseModel, "model_json_schema"):
        raise TypeEngineError("pydantic models need pydantic>=2", hint="pip install 'autoc[pydantic]'")
    base.register(BaseModel, PydanticTransformer())
