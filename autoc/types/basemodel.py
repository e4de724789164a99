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
import os
from typing import Any, Callable, Dict

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base, engine

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


def _path_property() -> Dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "string", "format": "path"}], "default": None, "title": "Path"}


def _optional_string(title: str, default: Any) -> Dict[str, Any]:
    return {"anyOf": [{"type": "string"}, {"type": "null"}], "default": default, "title": title}


#: The JSON schemas flytekit's FlyteFile, FlyteDirectory and StructuredDataset give inside a model's schema.
JSON_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "FlyteFile": {"properties": {"path": _path_property(), "metadata": {
        "anyOf": [{"additionalProperties": {"type": "string"}, "type": "object"}, {"type": "null"}],
        "default": None, "title": "Metadata"}}, "title": "FlyteFile", "type": "object"},
    "FlyteDirectory": {"properties": {"path": _path_property()}, "title": "FlyteDirectory", "type": "object"},
    "StructuredDataset": {
        "description": "This is the user facing StructuredDataset class. Please don't confuse it with the "
                       "literals.StructuredDataset\nclass (that is just a model, a Python class representation of "
                       "the protobuf).",
        "properties": {"uri": _optional_string("Uri", None), "file_format": _optional_string("File Format", "")},
        "title": "StructuredDataset", "type": "object"},
}


def reference_schema(cls: type, kind: str, to_dict: Callable[[Any], Dict[str, Any]],
                     from_dict: Callable[[type, Dict[str, Any]], Any], title: str = ""):
    """The pydantic core schema of a value stored by reference (``kind``: one of JSON_SCHEMAS): written to JSON as
    ``to_dict(value)`` (uploading it), read from such a dict lazily, described as flytekit describes it (under
    ``title``, flytekit's class name, when it is not ``kind``)."""
    from pydantic_core import core_schema

    def validate(v: Any) -> Any:
        if isinstance(v, cls):
            return v
        if isinstance(v, dict):
            return from_dict(cls, v)
        if isinstance(v, (str, os.PathLike)):
            return cls(v)
        raise ValueError(f"expected {cls.__name__}, a path or a {{'path': ...}} mapping, got {type(v).__name__}")

    title = title or kind
    schema = dict(JSON_SCHEMAS[kind], title=title)
    return core_schema.no_info_plain_validator_function(
        validate, ref=f"{title}:autoc",
        serialization=core_schema.plain_serializer_function_ser_schema(to_dict, when_used="json"),
        metadata={"pydantic_js_functions": [lambda _s, _h: json.loads(json.dumps(schema))]})
