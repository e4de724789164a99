"""The JSON schema of a plain dataclass, as ``mashumaro.jsonschema.build_json_schema(t).to_dict()`` gives it,
without importing mashumaro's schema builder.

flytekit stores mashumaro's schema in a dataclass's LiteralType metadata, and autoc must store the same. Importing
``mashumaro.jsonschema`` costs about 70 ms (it compiles its own models) and each schema about 1.5 ms (every field
default is serialized through a dataclass made for it), which is a fifth of serializing a thousand tasks. Here the
common case is built directly: dataclasses with no base class, no mashumaro configuration and no field metadata,
whose fields are int, float, bool, str, None, lists, dicts, unions and such dataclasses, with defaults that are
plain values of a declared type. Anything else returns None and mashumaro builds the schema, so the result is
always mashumaro's (tests compare the two over generated dataclasses).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, Dict, List, Optional

_PRIMITIVES = {int: "integer", float: "number", bool: "boolean", str: "string", type(None): "null"}
_UNIONS = (typing.Union, types.UnionType)


class _Unsupported(Exception):
    pass


def dataclass_schema(t: Any) -> Optional[Dict[str, Any]]:
    """mashumaro's schema of dataclass ``t``, or None when ``t`` is outside the cases built here."""
    try:
        return _dataclass(t, set())
    except _Unsupported:
        return None


def _dataclass(t: Any, building: set) -> Dict[str, Any]:
    if not isinstance(t, type) or not dataclasses.is_dataclass(t) or t in building:
        raise _Unsupported  # (a recursive dataclass gets $defs and $ref from mashumaro)
    if t.__bases__ != (object,) or hasattr(t, "Config") or getattr(t, "__parameters__", ()):
        raise _Unsupported  # inherited fields, mashumaro mixins and configs, generics
    try:
        hints = typing.get_type_hints(t, include_extras=True)  # (Annotated constraints: mashumaro's)
    except Exception:
        raise _Unsupported from None
    building.add(t)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for f in dataclasses.fields(t):
        if not f.init or f.metadata or f.name not in hints:
            raise _Unsupported  # (metadata may carry aliases, descriptions or serialization options)
        schema = _schema(hints[f.name], building)
        if f.default is not dataclasses.MISSING:
            schema["default"] = _default(f.default, hints[f.name])
        elif f.default_factory is dataclasses.MISSING:
            required.append(f.name)
        properties[f.name] = schema
    building.discard(t)
    out: Dict[str, Any] = {"type": "object", "title": t.__name__}
    if properties:
        out["properties"] = properties
    out["additionalProperties"] = False
    if required:
        out["required"] = required
    return out


def _schema(tp: Any, building: set) -> Dict[str, Any]:
    if typing.get_origin(tp) is typing.Annotated:  # (unhashable when it carries kwtypes)
        raise _Unsupported
    if tp in _PRIMITIVES:
        return {"type": _PRIMITIVES[tp]}
    if tp is None:
        return {"type": "null"}
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in _UNIONS:
        return {"anyOf": [_schema(a, building) for a in args]}
    if origin is list and len(args) == 1:
        return {"type": "array", "items": _schema(args[0], building)}
    if origin is dict and len(args) == 2:
        return {"type": "object", "additionalProperties": _schema(args[1], building),
                "propertyNames": _schema(args[0], building)}
    if origin is None and reference_kind(tp) is not None:
        return _reference_schema(reference_kind(tp))
    if origin is None and dataclasses.is_dataclass(tp):
        return _dataclass(tp, building)
    raise _Unsupported  # Any, bare list or dict, tuples, sets, enums, datetimes, Annotated, Literal, ...


def _default(value: Any, tp: Any) -> Any:
    """A plain default of one of the field's declared primitive types is written as it is (mashumaro serializes it
    through a dataclass of that field, which leaves such values alone)."""
    allowed = set(typing.get_args(tp)) if typing.get_origin(tp) in _UNIONS else {tp}
    if type(value) not in _PRIMITIVES or type(value) not in allowed:
        raise _Unsupported
    if isinstance(value, float) and not math.isfinite(value):
        raise _Unsupported
    return value


#: autoc's classes stored by reference, as (module, class) -> the flytekit dataclass they stand for
_REFERENCES = {("autoc.types.files", "Directory"): "FlyteDirectory", ("autoc.types.files", "File"): "FlyteFile",
               ("autoc.types.structured", "StructuredDataset"): "StructuredDataset"}


def reference_kind(tp: Any) -> Optional[str]:
    """"FlyteFile", "FlyteDirectory" or "StructuredDataset" for autoc's File, Directory, StructuredDataset and
    their subclasses (typed files), else None. In flytekit they are dataclasses, so a dataclass holding one gets
    their object schema (named after flytekit's class, whatever the subclass)."""
    for c in getattr(tp, "__mro__", ()) if isinstance(tp, type) else ():
        kind = _REFERENCES.get((c.__module__, c.__qualname__))
        if kind is not None:
            return kind
    return None


def _reference_schema(kind: str) -> Dict[str, Any]:
    """mashumaro's schema of flytekit's FlyteFile / FlyteDirectory / StructuredDataset dataclass."""
    def anyof(*types_, default=None):
        return {"anyOf": list(types_), "default": default}

    path = anyof({"type": "string"}, {"type": "string", "format": "path"})
    properties = {
        "FlyteFile": {"path": path, "metadata": anyof({"type": "object", "additionalProperties": {"type": "string"},
                                                       "propertyNames": {"type": "string"}}, {"type": "null"})},
        "FlyteDirectory": {"path": path},
        "StructuredDataset": {"uri": anyof({"type": "string"}, {"type": "null"}),
                              "file_format": anyof({"type": "string"}, {"type": "null"}, default="")},
    }[kind]
    return {"type": "object", "title": kind, "properties": properties, "additionalProperties": False}


def mashumaro_schema(t: Any) -> Dict[str, Any]:
    """mashumaro's schema of dataclass ``t`` (what flytekit stores), with File, Directory and StructuredDataset
    fields described as flytekit's dataclasses of those names."""
    from mashumaro.jsonschema import build_json_schema
    from mashumaro.jsonschema.models import JSONSchema
    from mashumaro.jsonschema.plugins import BasePlugin

    class _References(BasePlugin):
        def get_schema(self, instance, ctx, schema=None):
            kind = reference_kind(instance.origin_type)
            if kind is None:
                return None
            return JSONSchema.from_dict(_reference_schema(kind))

    return build_json_schema(t, plugins=[_References()]).to_dict()
