"""Python type -> flyteidl LiteralType, one transformer per family of types.

The LiteralTypes (and the union tags, which are the transformer names) are the ones flytekit's TypeEngine
writes, so specs and literals interoperate. Results are cached per type: callers must copy (``CopyFrom``)
before mutating.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import logging
import typing
from typing import Any, Dict, Optional, Tuple

from flyteidl.core import types_pb2

from autoc.errors import TypeEngineError

logger = logging.getLogger("autoc")

LiteralType = types_pb2.LiteralType
SimpleType = types_pb2.SimpleType

CACHE_KEY_METADATA = "cache-key-metadata"
SERIALIZATION_FORMAT = "serialization-format"
MESSAGEPACK = "msgpack"
PYTHON_PICKLE_FORMAT = "PythonPickle"


class Transformer:
    """One family of Python types: its name (used as union tag) and its LiteralType."""

    name = ""

    def literal_type(self, t: Any) -> LiteralType:
        raise NotImplementedError


class SimpleTransformer(Transformer):
    def __init__(self, name: str, python_type: type, simple: int):
        self.name, self.python_type, self.simple = name, python_type, simple

    def literal_type(self, t):
        return LiteralType(simple=self.simple)


class ListTransformer(Transformer):
    name = "Typed List"

    def literal_type(self, t):
        args = typing.get_args(t)
        if not args:
            raise TypeEngineError(f"{_type_name(t)} needs an item type", hint="use list[int], list[str], ...")
        return LiteralType(collection_type=to_literal_type(args[0]))


class DictTransformer(Transformer):
    name = "Typed Dict"

    def literal_type(self, t):
        args = typing.get_args(t)
        if args and args[0] is str:
            return LiteralType(map_value_type=to_literal_type(args[1]))
        lt = LiteralType(simple=SimpleType.STRUCT)
        _set_msgpack_annotation(lt)
        return lt


class UnionTransformer(Transformer):
    name = "Typed Union"

    def literal_type(self, t):
        variants = []
        for arg in typing.get_args(t):
            v = LiteralType()
            v.CopyFrom(to_literal_type(arg))
            v.structure.tag = get_transformer(arg).name
            variants.append(v)
        return LiteralType(union_type=types_pb2.UnionType(variants=variants))


class EnumTransformer(Transformer):
    name = "DefaultEnumTransformer"

    def literal_type(self, t):
        values = [m.value for m in t]
        if not values or not all(isinstance(v, str) for v in values):
            raise TypeEngineError(f"enum {t.__name__}: only enums whose values are strings are supported",
                                  hint=f'give every member of {t.__name__} a string value, e.g. RED = "red"')
        return LiteralType(enum_type=types_pb2.EnumType(values=values))


class LiteralValuesTransformer(Transformer):
    """``typing.Literal["a", "b"]``: the base type's simple type, with the values as an annotation."""

    name = "LiteralTypeTransformer"
    _SIMPLE = {str: SimpleType.STRING, int: SimpleType.INTEGER, float: SimpleType.FLOAT, bool: SimpleType.BOOLEAN,
               datetime.datetime: SimpleType.DATETIME, datetime.timedelta: SimpleType.DURATION}

    def literal_type(self, t):
        vals = list(typing.get_args(t))
        base = type(vals[0])
        if not all(type(v) is base for v in vals) or base not in self._SIMPLE:
            raise TypeEngineError(f"{t}: all values of a Literal must share one simple type")
        lt = LiteralType(simple=self._SIMPLE[base])
        lt.annotation.annotations.update({"literal_values": vals})
        return lt


class DataclassTransformer(Transformer):
    name = "Object-Dataclass-Transformer"

    def literal_type(self, t):
        lt = LiteralType(simple=SimpleType.STRUCT)
        schema = _json_schema(t)
        if schema:
            lt.metadata.update(schema)
        _set_msgpack_annotation(lt)
        lt.structure.tag = ""
        hints = typing.get_type_hints(t)
        for f in dataclasses.fields(t):
            try:
                lt.structure.dataclass_type[f.name].CopyFrom(to_literal_type(hints.get(f.name, f.type)))
            except TypeEngineError as e:
                logger.debug("field %s of %s has no literal type: %s", f.name, t, e)
        # flytekit always sets the structure message, even for a dataclass with no convertible fields
        lt.structure.SetInParent()
        return lt


class PickleTransformer(Transformer):
    name = "FlytePickle"

    def literal_type(self, t):
        lt = LiteralType(blob=types_pb2.BlobType(format=PYTHON_PICKLE_FORMAT,
                                                 dimensionality=types_pb2.BlobType.SINGLE))
        lt.metadata.update({"python_class_name": str(t)})
        return lt


class RestrictedTransformer(Transformer):
    def __init__(self, name: str, hint: str):
        self.name, self.hint = name, hint

    def literal_type(self, t):
        raise TypeEngineError(f"{_type_name(t)} is not supported as a task input or a single output", hint=self.hint)


_SIMPLE = {
    int: SimpleTransformer("int", int, SimpleType.INTEGER),
    float: SimpleTransformer("float", float, SimpleType.FLOAT),
    bool: SimpleTransformer("bool", bool, SimpleType.BOOLEAN),
    str: SimpleTransformer("str", str, SimpleType.STRING),
    datetime.datetime: SimpleTransformer("datetime", datetime.datetime, SimpleType.DATETIME),
    datetime.date: SimpleTransformer("date", datetime.date, SimpleType.DATETIME),
    datetime.timedelta: SimpleTransformer("timedelta", datetime.timedelta, SimpleType.DURATION),
    type(None): SimpleTransformer("none", type(None), SimpleType.NONE),
}
_LIST, _DICT, _UNION = ListTransformer(), DictTransformer(), UnionTransformer()
_ENUM, _DATACLASS, _PICKLE = EnumTransformer(), DataclassTransformer(), PickleTransformer()
_LITERAL = LiteralValuesTransformer()
_TUPLE = RestrictedTransformer("non typed tuple", "return several values as tuple[int, str] (outputs o0, o1) or a "
                                                  "NamedTuple; as an input use a list or a dataclass")
_NAMEDTUPLE = RestrictedTransformer("named tuple", "NamedTuples name a task's outputs; as an input use a dataclass")

#: Extra transformers registered by other parts of autoc (File, Directory, ...) or plugins, by Python type.
REGISTRY: Dict[Any, Transformer] = {}


def register(python_type: Any, transformer: Transformer) -> None:
    REGISTRY[python_type] = transformer
    _CACHE.clear()


def _is_union(t) -> bool:
    origin = typing.get_origin(t)
    if origin is typing.Union:
        return True
    import types as _types

    return isinstance(t, _types.UnionType)


def get_transformer(t: Any) -> Transformer:
    """The transformer for a Python type; unknown classes fall back to pickle (as flytekit does)."""
    if t is None:
        t = type(None)
    origin = typing.get_origin(t)
    if origin is typing.Annotated:
        return get_transformer(typing.get_args(t)[0])
    if t in REGISTRY if _hashable(t) else False:
        return REGISTRY[t]
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return _ENUM
    if origin is typing.Literal:
        return _LITERAL
    if _is_union(t):
        return _UNION
    if origin in (list, collections.abc.Sequence, typing.List) or t in (list, typing.List):
        return _LIST
    if origin in (dict, typing.Dict) or t in (dict, typing.Dict):
        return _DICT
    if origin in (tuple, typing.Tuple) or t in (tuple, typing.Tuple):
        return _TUPLE
    if isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields"):
        return _NAMEDTUPLE
    if _hashable(t) and t in _SIMPLE:
        return _SIMPLE[t]
    if isinstance(t, type):
        for base in t.__mro__[1:]:
            if base in REGISTRY:
                return REGISTRY[base]
            if base in _SIMPLE and base is not object:
                return _SIMPLE[base]
        if dataclasses.is_dataclass(t):
            return _DATACLASS
        return _PICKLE
    if t is typing.Any:
        return _PICKLE
    if isinstance(t, (typing.TypeVar, str)) or origin is not None:
        raise TypeEngineError(f"{_type_name(t)} cannot be converted to a Flyte type",
                              hint="annotate with a concrete type such as int, list[str], a dataclass or a class")
    raise TypeEngineError(f"{t!r} is not a type", hint="annotate parameters and the return value with types")


_CACHE: Dict[Any, LiteralType] = {}


def to_literal_type(t: Any) -> LiteralType:
    """The LiteralType flytekit writes for ``t`` (cached; do not mutate the result)."""
    key = t if _hashable(t) else None
    if key is not None:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
    lt = get_transformer(t).literal_type(t)
    if key is not None:
        _CACHE[key] = lt
    return lt


def uses_pickle(t: Any) -> bool:
    """True when ``t`` (or something inside it) travels as a pickle."""
    tr = get_transformer(t)
    if tr is _PICKLE:
        return True
    if tr in (_LIST, _DICT, _UNION):
        return any(uses_pickle(a) for a in typing.get_args(t) if a is not str or tr is not _DICT)
    return False


def _hashable(t) -> bool:
    try:
        hash(t)
        return True
    except TypeError:
        return False


def _type_name(t) -> str:
    return getattr(t, "__name__", None) or str(t)


def _set_msgpack_annotation(lt: LiteralType) -> None:
    lt.annotation.annotations.update({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MESSAGEPACK}})


def _json_schema(t) -> Optional[dict]:
    """The JSON schema flytekit stores in a dataclass's metadata (mashumaro's draft 2020-12 builder)."""
    try:
        from mashumaro.jsonschema import build_json_schema

        return build_json_schema(t).to_dict()
    except Exception as e:  # a schema is informational: flytekit logs and continues without one
        logger.warning("no JSON schema for dataclass %s: %s", _type_name(t), e)
        return None


def interface_types(t: Any) -> Tuple[str, ...]:
    """Names of the transformers involved (for diagnostics)."""
    return (get_transformer(t).name,)
