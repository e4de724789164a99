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
from typing import Any, Dict, Optional

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base
from autoc.types.base import REGISTRY, Transformer, register  # noqa: F401 (the registry's public names)

logger = logging.getLogger("autoc")

LiteralType = types_pb2.LiteralType
SimpleType = types_pb2.SimpleType
Literal = literals_pb2.Literal

CACHE_KEY_METADATA = "cache-key-metadata"
SERIALIZATION_FORMAT = "serialization-format"
MESSAGEPACK = "msgpack"
PYTHON_PICKLE_FORMAT = "PythonPickle"


_scalar, _describe, _type_name, _wrong_value = base.scalar, base.describe, base.type_name, base.wrong_value
blob_literal, expect_blob = base.blob_literal, base.expect_blob


def _primitive(lit: Literal, t) -> literals_pb2.Primitive:
    if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "primitive":
        raise TypeEngineError(f"expected a primitive literal for {_type_name(t)}, got {_describe(lit)}")
    return lit.scalar.primitive


_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


class SimpleTransformer(Transformer):
    def __new__(cls, name: str, python_type: type, simple: Any, to_literal_transformer: Any = None,
                from_literal_transformer: Any = None):
        """flytekit's ``SimpleTransformer(name, t, lt, to_literal_fn, from_literal_fn)`` (a user's simple type,
        converted by two functions) is a ``_ConvertingTransformer``."""
        if to_literal_transformer is not None or from_literal_transformer is not None:
            cls = _ConvertingTransformer
        return super().__new__(cls)

    def __init__(self, name: str, python_type: type, simple: int):
        self.name, self.python_type, self.simple = name, python_type, simple

    @property
    def base_type(self) -> type:  # flytekit's name
        return self.python_type

    def literal_type(self, t):
        return LiteralType(simple=self.simple)

    def to_literal(self, v, t):
        pt = self.python_type
        if pt is type(None):
            if v is not None:
                raise _wrong_value(v, t)
            return _scalar(none_type=literals_pb2.Void())
        if pt is float and isinstance(v, int) and not isinstance(v, bool):  # flytekit refuses it too
            raise TypeEngineError(f"expected a value of type float, got int {v!r:.80}",
                                  hint=f"write {v}.0 or float(...): flytekit refuses an int for a float")
        if pt is datetime.date and isinstance(v, datetime.datetime) or not isinstance(v, pt) \
                or (pt is int and isinstance(v, bool)):
            raise _wrong_value(v, t)
        prim = literals_pb2.Primitive()
        if pt is int:
            if not _INT64_MIN <= v <= _INT64_MAX:
                raise TypeEngineError(f"{v} does not fit a Flyte integer (64-bit signed, -2**63 to 2**63-1)",
                                      hint="pass a smaller number, or a str or float if it must be this large")
            prim.integer = v
        elif pt is float:
            prim.float_value = v
        elif pt is bool:
            prim.boolean = v
        elif pt is str:
            prim.string_value = v
        elif pt is datetime.datetime:
            utc = v.astimezone(datetime.timezone.utc) if v.tzinfo else v
            prim.datetime.FromDatetime(utc.replace(tzinfo=None))
        elif pt is datetime.date:
            prim.datetime.FromDatetime(datetime.datetime.combine(v, datetime.time.min))
        else:
            prim.duration.FromTimedelta(v)
        return _scalar(primitive=prim)

    def to_python(self, lit, t):
        pt = self.python_type
        if pt is type(None):
            if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "none_type":
                return None
            raise TypeEngineError(f"expected a none literal, got {_describe(lit)}")
        prim = _primitive(lit, t)
        kind = prim.WhichOneof("value")
        if pt is int and kind == "float_value" and prim.float_value.is_integer():
            return int(prim.float_value)  # the Flyte console sends numbers as floats
        if pt is float and kind == "integer":
            return float(prim.integer)
        expected = {int: "integer", float: "float_value", bool: "boolean", str: "string_value",
                    datetime.datetime: "datetime", datetime.date: "datetime", datetime.timedelta: "duration"}[pt]
        if kind != expected:
            raise TypeEngineError(f"expected a {expected} literal for {_type_name(t)}, got {_describe(lit)}")
        if pt is datetime.datetime:
            return prim.datetime.ToDatetime(tzinfo=datetime.timezone.utc)
        if pt is datetime.date:
            return prim.datetime.ToDatetime().date()
        if pt is datetime.timedelta:
            return prim.duration.ToTimedelta()
        return getattr(prim, kind)


class ListTransformer(Transformer):
    name = "Typed List"

    def literal_type(self, t):
        args = typing.get_args(t)
        if not args:
            raise TypeEngineError(f"{_type_name(t)} needs an item type", hint="use list[int], list[str], ...")
        return LiteralType(collection_type=to_literal_type(args[0]))

    def to_literal(self, v, t):
        if not isinstance(v, list):
            raise _wrong_value(v, t)
        (item,) = typing.get_args(t)
        convert = _item_to_literal(item)
        return Literal(collection=literals_pb2.LiteralCollection(literals=[convert(x) for x in v]))

    def to_python(self, lit, t):
        if lit.WhichOneof("value") != "collection":
            raise TypeEngineError(f"expected a collection literal for {_type_name(t)}, got {_describe(lit)}")
        (item,) = typing.get_args(t)
        tr, inner, _ = _resolve(item)  # once, not per item
        return [tr.to_python(x, inner) for x in lit.collection.literals]


def _allows_pickle(t: Any) -> typing.Tuple[Any, bool]:
    """``(T, allow_pickle)`` of ``Annotated[T, kwtypes(allow_pickle=True)]`` (flytekit reads the first ordered dict
    in the annotation), ``(t, False)`` for anything else."""
    if typing.get_origin(t) is not typing.Annotated:
        return t, False
    inner, *extras = typing.get_args(t)
    options = next((x for x in extras if isinstance(x, collections.OrderedDict)), {})
    return inner, bool(options.get("allow_pickle", False))


class DictTransformer(Transformer):
    name = "Typed Dict"
    wants_annotations = True  # (``Annotated[dict, kwtypes(allow_pickle=True)]``)

    def literal_type(self, t):
        t, _ = _allows_pickle(t)
        args = typing.get_args(t)
        if args and args[0] is str:
            return LiteralType(map_value_type=to_literal_type(args[1]))
        lt = LiteralType(simple=SimpleType.STRUCT)
        _set_msgpack_annotation(lt)
        return lt

    def to_literal(self, v, t):
        t, allow_pickle = _allows_pickle(t)
        if not isinstance(v, dict):
            raise _wrong_value(v, t)
        args = typing.get_args(t)
        if args and args[0] is str:
            if not all(isinstance(k, str) for k in v):
                raise TypeEngineError(f"{_type_name(t)} needs string keys, got {v!r:.80}")
            convert = _item_to_literal(args[1])
            return Literal(map=literals_pb2.LiteralMap(literals={k: convert(x) for k, x in v.items()}))
        try:
            return _scalar(binary=literals_pb2.Binary(value=_msgpack_encode(v, t), tag=MESSAGEPACK))
        except TypeEngineError:
            if not allow_pickle:
                raise
        # as flytekit: a pickle file under the raw output prefix, named by a Struct {"pickle_file": uri}
        import cloudpickle
        from google.protobuf import struct_pb2

        from autoc.runtime.storage import current_file_access, write_bytes

        uri = current_file_access().new_remote_path()
        write_bytes(uri, cloudpickle.dumps(v))
        generic = struct_pb2.Struct()
        generic.update({"pickle_file": uri})
        lit = _scalar(generic=generic)
        lit.metadata["format"] = "pickle"
        return lit

    def to_python(self, lit, t):
        t, _ = _allows_pickle(t)
        if lit.metadata.get("format") == "pickle" and lit.WhichOneof("value") == "scalar" \
                and lit.scalar.WhichOneof("value") == "generic":  # a dict flytekit or autoc pickled
            import cloudpickle

            from autoc.runtime.storage import read_bytes

            return cloudpickle.loads(read_bytes(lit.scalar.generic.fields["pickle_file"].string_value))
        args = typing.get_args(t)
        if args and args[0] is str:
            if lit.WhichOneof("value") != "map":
                raise TypeEngineError(f"expected a map literal for {_type_name(t)}, got {_describe(lit)}")
            tr, inner, _ = _resolve(args[1])
            return {k: tr.to_python(x, inner) for k, x in lit.map.literals.items()}
        return _decode_struct(lit, t)


_ENCODERS: Dict[Any, Any] = {}  # building a mashumaro codec costs milliseconds: one per type, as flytekit keeps


def _msgpack_encode(v, t) -> bytes:
    try:
        encoder = _ENCODERS.get(t) if _hashable(t) else None
        if encoder is None:
            from mashumaro.codecs.msgpack import MessagePackEncoder

            from autoc.types.references import dialect

            encoder = MessagePackEncoder(t, default_dialect=dialect())
            if _hashable(t):
                _ENCODERS[t] = encoder
        for prepare in base.BEFORE_ENCODE:  # (files.py: str paths given for File/Directory fields become Files)
            v = prepare(v, t)
        return encoder.encode(v)
    except Exception as e:
        raise TypeEngineError(f"cannot encode {type(v).__name__} as {_type_name(t)}: {e}") from e


def _decode_struct(lit: Literal, t) -> Any:
    """A dataclass or untyped dict from msgpack binary (flytekit >= 1.14) or a JSON Struct (older writers)."""
    kind = lit.scalar.WhichOneof("value") if lit.WhichOneof("value") == "scalar" else None
    try:
        if kind == "binary":
            if lit.scalar.binary.tag != MESSAGEPACK:
                raise TypeEngineError(f"unsupported binary tag {lit.scalar.binary.tag!r} for {_type_name(t)}")
            import msgpack
            from mashumaro.codecs.msgpack import MessagePackDecoder

            from autoc.types.references import dialect

            return MessagePackDecoder(t, default_dialect=dialect(), pre_decoder_func=lambda b: msgpack.unpackb(
                b, raw=False, strict_map_key=False)).decode(lit.scalar.binary.value)
        if kind == "generic":
            from google.protobuf import json_format
            from mashumaro.codecs.json import JSONDecoder

            from autoc.types.references import dialect

            return JSONDecoder(t, default_dialect=dialect()).decode(json_format.MessageToJson(lit.scalar.generic))
    except TypeEngineError:
        raise
    except Exception as e:
        raise TypeEngineError(f"cannot decode {_type_name(t)} from the literal: {e}") from e
    raise TypeEngineError(f"expected a binary or generic literal for {_type_name(t)}, got {_describe(lit)}")


class _ConvertingTransformer(SimpleTransformer):
    """A type converted by two functions, as flytekit's ``SimpleTransformer`` with converters: the value must be
    of exactly that type, ``to_literal_transformer(v)`` gives the Literal and ``from_literal_transformer(lit)`` the
    value back (a Literal read with flytekit's model conventions)."""

    def __init__(self, name: str, python_type: type, lt: Any, to_literal_transformer: Any,
                 from_literal_transformer: Any):
        from autoc.types.user import _message

        self.name, self.python_type = name, python_type
        self._lt = _message(lt, f"SimpleTransformer {name!r}: its literal type", LiteralType)
        self._to, self._from = to_literal_transformer, from_literal_transformer

    def literal_type(self, t):
        return self._lt

    def to_literal(self, v, t):
        from autoc.types.user import _message

        if type(v) is not self.python_type:
            raise TypeEngineError(f"Expected value of type {self.python_type} but got '{v!r:.80}' of type {type(v)}")
        return _message(self._to(v), f"SimpleTransformer {self.name!r}: to_literal_transformer", Literal)

    def to_python(self, lit, t):
        from autoc.types.user import _model

        if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "union":
            lit = lit.scalar.union.value
        v = self._from(_model(lit))
        if type(v) is not self.python_type:
            raise TypeEngineError(f"Cannot convert literal {_describe(lit)} to {self.python_type}: "
                                  f"from_literal_transformer gave {type(v)}")
        return v


class UnionTransformer(Transformer):
    name = "Typed Union"

    def literal_type(self, t):
        return LiteralType(union_type=types_pb2.UnionType(
            variants=[_variant_type(arg, get_transformer(arg)) for arg in typing.get_args(t)]))

    def to_literal(self, v, t):
        matches, errors, accepted = [], [], False
        for arg in typing.get_args(t):
            tr = get_transformer(arg)
            variant = getattr(tr, "variant_to_literal", None)  # a user's transformer: called as flytekit's union does
            try:
                matches.append((arg, tr, to_literal(v, arg) if variant is None else variant(v, arg)))
                accepted = accepted or variant is None
            except (TypeEngineError, TypeError, ValueError) as e:
                errors.append((arg, e))
            # as flytekit, the value must pass one variant's type check (a user transformer's assert_type) before
            # the variants' conversions, which do not check, choose
            accepted = accepted or arg is typing.Any or variant is not None and tr.accepts(v, arg)
        if matches and not accepted:
            errors += [(a, TypeEngineError(f"{v!r:.80} is not a {_type_name(a)}")) for a, _, _ in matches]
            matches = []
        if matches and dataclasses.is_dataclass(v):  # flytekit encodes a dataclass into any dataclass variant whose
            matches += [(a, None, None) for a, _ in errors if _same_fields(type(v), a)]  # fields it has
        name = _union_name(t)
        if len(matches) > 1:  # as flytekit: a str that is also an enum's value is the str; any other choice is
            exact = [m for m in matches if m[0] is str] if type(v) is str else []  # ambiguous
            if len(exact) != 1:
                raise TypeEngineError(f"Ambiguous choice of variant for union type {name}: {v!r:.80} fits "
                                      f"{', '.join(_type_name(m[0]) for m in matches)}",
                                      hint="the variants are structurally the same for this value (flytekit refuses "
                                           "it too): make them differ, or declare the one type meant")
            matches = exact
        if not matches:
            own = [(a, e) for a, e in errors if _instance_of(v, a)] or [(a, e) for a, e in errors
                                                                         if a is not type(None)]
            if len(own) == 1:  # the value is of that variant's type (or Optional's one): its error is the cause
                a, e = own[0]
                raise TypeEngineError(f"{v!r:.80} does not fit {name}: {getattr(e, 'message', e)}",
                                      hint=getattr(e, "hint", None))
            raise TypeEngineError(f"{v!r:.80} matches no variant of {name}")
        arg, tr, lit = matches[0]
        return _scalar(union=literals_pb2.Union(value=lit, type=_variant_type(arg, tr)))

    def to_python(self, lit, t):
        args = typing.get_args(t)
        if lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "union":
            u = lit.scalar.union
            candidates = [a for a in args if get_transformer(a).name == u.type.structure.tag] or list(args)
            if len(candidates) > 1:
                bare = _without_tag(u.type)
                exact = [a for a in candidates if _without_tag(to_literal_type(a)) == bare]
                candidates = exact or candidates
            inner = u.value
        else:
            candidates, inner = list(args), lit
        errors = []
        for a in candidates:
            try:
                return to_python(inner, a)
            except (TypeEngineError, TypeError, ValueError) as e:
                errors.append(f"{_type_name(a)}: {e}")
        tag = lit.scalar.union.type.structure.tag if lit.WhichOneof("value") == "scalar" \
            and lit.scalar.WhichOneof("value") == "union" else None
        raise TypeEngineError(f"Cannot convert from {_describe(lit)} to {_type_name(t)} (using tag {tag}): no variant "
                              f"reads it ({'; '.join(errors)})")  # (flytekit's opening words)


def _variant_type(arg, tr: Transformer) -> LiteralType:
    """A union variant's LiteralType: its structure is only the tag (flytekit replaces the whole structure, so a
    dataclass or pydantic variant carries no ``dataclass_type``)."""
    v = LiteralType()
    v.CopyFrom(to_literal_type(arg))
    v.structure.Clear()
    v.structure.tag = tr.name
    return v


def _without_tag(lt: LiteralType) -> LiteralType:
    out = LiteralType()
    out.CopyFrom(lt)
    out.ClearField("structure")
    return out


def _union_name(t) -> str:
    return str(t).replace("typing.", "")


def _same_fields(have: type, want: Any) -> bool:
    """Whether every field of dataclass ``want`` is a field of dataclass ``have``, with the same type."""
    if not (isinstance(want, type) and dataclasses.is_dataclass(want)):
        return False
    try:
        mine, theirs = typing.get_type_hints(have), typing.get_type_hints(want)
    except Exception:  # unresolvable annotations: not comparable
        return False
    return all(f.name in mine and mine[f.name] == theirs.get(f.name) for f in dataclasses.fields(want))


def _instance_of(v, t) -> bool:
    cls = typing.get_origin(t) or t
    return isinstance(cls, type) and cls is not object and isinstance(v, cls)


class EnumTransformer(Transformer):
    name = "DefaultEnumTransformer"

    def literal_type(self, t):
        values = [m.value for m in t]
        if not values or not all(isinstance(v, str) for v in values):
            raise TypeEngineError(f"enum {t.__name__}: only enums whose values are strings are supported",
                                  hint=f'give every member of {t.__name__} a string value, e.g. RED = "red"')
        return LiteralType(enum_type=types_pb2.EnumType(values=values))

    def to_literal(self, v, t):
        value = v.value if isinstance(v, enum.Enum) else v
        if not isinstance(value, str) or value not in [m.value for m in t]:
            raise TypeEngineError(f"{v!r} is not a member of enum {t.__name__}",
                                  hint=f"one of: {', '.join(m.value for m in t)}")
        return _scalar(primitive=literals_pb2.Primitive(string_value=value))

    def to_python(self, lit, t):
        value = _primitive(lit, t).string_value
        try:
            return t(value)
        except ValueError:
            raise TypeEngineError(f"{value!r} is not a member of enum {t.__name__}") from None


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

    def to_literal(self, v, t):
        if v not in typing.get_args(t):
            raise TypeEngineError(f"{v!r} is not one of {typing.get_args(t)}")
        base = type(typing.get_args(t)[0])
        return _SIMPLE[base].to_literal(v, base)

    def to_python(self, lit, t):
        base = type(typing.get_args(t)[0])
        return _SIMPLE[base].to_python(lit, base)


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

    def to_literal(self, v, t):
        if isinstance(v, dict) and isinstance(t, type) and dataclasses.is_dataclass(t):
            return _dict_as_dataclass(v, t)
        if not dataclasses.is_dataclass(v) or not isinstance(v, t):
            raise _wrong_value(v, t)
        if _json_mixin(t):  # its own to_json (a subclass keeps its fields), as flytekit writes it
            import json

            import msgpack

            return _scalar(binary=literals_pb2.Binary(value=msgpack.packb(json.loads(v.to_json())), tag=MESSAGEPACK))
        return _scalar(binary=literals_pb2.Binary(value=_msgpack_encode(v, t), tag=MESSAGEPACK))

    def to_python(self, lit, t):
        if _json_mixin(t) and lit.WhichOneof("value") == "scalar" and lit.scalar.WhichOneof("value") == "binary" \
                and lit.scalar.binary.tag == MESSAGEPACK:
            import json

            import msgpack

            try:
                return t.from_json(json.dumps(msgpack.unpackb(lit.scalar.binary.value, strict_map_key=False)))
            except Exception as e:
                raise TypeEngineError(f"cannot decode {_type_name(t)} from the literal: {e}") from e
        return _decode_struct(lit, t)


def _dict_as_dataclass(v: dict, t: type) -> Literal:
    """A dict given for a dataclass, as flytekit takes it: its keys are the fields (an Optional one may be left
    out), each value of exactly the field's type (a nested dict for a dataclass field checked the same way), and
    the dict itself is written (msgpack), to be read back as the dataclass."""
    _check_dict_fields(v, t)
    import msgpack

    try:
        packed = msgpack.packb(v)
    except (TypeError, ValueError) as e:
        raise TypeEngineError(f"cannot write the dict given for {_type_name(t)}: {e}",
                              hint=f"pass a {_type_name(t)} instance") from e
    return _scalar(binary=literals_pb2.Binary(value=packed, tag=MESSAGEPACK))


def _check_dict_fields(v: dict, t: type) -> None:
    try:
        hints = typing.get_type_hints(t)
    except Exception:  # (unresolvable annotations: the declared ones)
        hints = {}
    fields = {f.name: hints.get(f.name, f.type) for f in dataclasses.fields(t)}

    def optional(ft) -> bool:
        return _is_union(ft) and type(None) in typing.get_args(ft)

    skip = {k for k, ft in fields.items() if optional(ft)}
    missing, extra = sorted(set(fields) - skip - set(v)), sorted(set(v) - skip - set(fields))
    if missing or extra:
        said = "; ".join(x for x in (missing and f"missing {missing}", extra and f"not fields {extra}") if x)
        raise TypeEngineError(f"the dict given for {_type_name(t)} does not match its fields: {said}",
                              hint=f"give exactly the fields of {_type_name(t)}, or a {_type_name(t)} instance")
    for k, x in v.items():
        ft = fields.get(k)
        if ft is None:
            continue
        if isinstance(x, dict):
            if isinstance(ft, type) and dataclasses.is_dataclass(ft):
                _check_dict_fields(x, ft)
            elif ft is not dict:  # (flytekit fails on a dict for any other field type)
                raise TypeEngineError(f"field {k!r} of {_type_name(t)}: a dict cannot be checked against "
                                      f"{_type_name(ft)}", hint=f"pass a {_type_name(t)} instance")
            continue
        want = [a for a in typing.get_args(ft) if a is not type(None)][0] if optional(ft) else ft
        if type(x) is not want:
            raise TypeEngineError(f"field {k!r} of {_type_name(t)}: expected {_type_name(want)}, got "
                                  f"{type(x).__name__} {x!r:.60}", hint=f"pass a {_type_name(t)} instance")


def _json_mixin(t) -> bool:
    """A dataclass with mashumaro's DataClassJSONMixin and a discriminator (checked without importing mashumaro),
    which flytekit writes and reads with the class's own to_json/from_json. (Other dataclasses, mixins included, go
    through autoc's codec, which uploads their File, Directory and StructuredDataset fields as flytekit does.)"""
    return isinstance(t, type) and getattr(getattr(t, "Config", None), "discriminator", None) is not None \
        and any(c.__name__ == "DataClassJSONMixin" and c.__module__.startswith("mashumaro.") for c in t.__mro__)


class PickleTransformer(Transformer):
    name = "FlytePickle"

    def literal_type(self, t):
        lt = LiteralType(blob=types_pb2.BlobType(format=PYTHON_PICKLE_FORMAT,
                                                 dimensionality=types_pb2.BlobType.SINGLE))
        lt.metadata.update({"python_class_name": str(t)})
        return lt

    def to_literal(self, v, t):
        import cloudpickle

        from autoc.runtime.storage import current_file_access, write_bytes

        if v is None:
            raise TypeEngineError("Cannot pickle None Value.", hint="use Optional[...] for values that may be None")
        uri = current_file_access().new_remote_path()
        write_bytes(uri, cloudpickle.dumps(v))
        return blob_literal(uri, PYTHON_PICKLE_FORMAT, types_pb2.BlobType.SINGLE)

    def to_python(self, lit, t):
        import cloudpickle

        from autoc.runtime.storage import read_bytes

        return cloudpickle.loads(read_bytes(expect_blob(lit, t, "a pickle blob").uri))


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
        inner, *extras = typing.get_args(t)
        given = next((x for x in extras if _is_transformer(x)), None)  # ``Annotated[T, SomeTransformer()]``
        return get_transformer(inner) if given is None else _given_transformer(given)
    if _hashable(t) and t in REGISTRY:
        return REGISTRY[t]
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return _ENUM
    if origin is typing.Literal:
        return _LITERAL
    if _is_union(t):
        return _UNION
    if origin in (list, typing.List) or t in (list, typing.List):
        return _LIST
    if origin is collections.abc.Iterator:  # (iterators.py calls back into the engine: named, not imported)
        return base.lazy_function("autoc.types.iterators:transformer_for")(t)
    if origin in (dict, typing.Dict) or t in (dict, typing.Dict):
        return _DICT
    if origin in (tuple, typing.Tuple) or t in (tuple, typing.Tuple):
        return _TUPLE
    if isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields"):
        return _NAMEDTUPLE
    if _hashable(t) and t in _SIMPLE:
        return _SIMPLE[t]
    if isinstance(t, type):
        registered = base.registered_for_class(t)
        if registered is not None:
            return registered
        for b in t.__mro__[1:]:
            if b in _SIMPLE and b is not object:
                return _SIMPLE[b]
        if dataclasses.is_dataclass(t):
            return _DATACLASS
        return _PICKLE
    if t is typing.Any:
        return _PICKLE
    if origin is not None and not isinstance(t, str):  # Sequence[int], Callable[..., int], Iterable[str], ...: as
        return _PICKLE                                  # flytekit, every other generic travels as a pickle
    if isinstance(t, (typing.TypeVar, str)):
        raise TypeEngineError(f"{_type_name(t)} cannot be converted to a Flyte type",
                              hint="annotate with a concrete type such as int, list[str], a dataclass or a class")
    raise TypeEngineError(f"{t!r} is not a type", hint="annotate parameters and the return value with types")


def _is_transformer(x: Any) -> bool:
    if isinstance(x, Transformer):
        return True
    from autoc.types.user import TypeTransformer

    return isinstance(x, TypeTransformer)


def _given_transformer(x: Any) -> Transformer:
    """The transformer an ``Annotated[T, transformer]`` names, as flytekit takes it: it receives the whole
    ``Annotated`` type (a flytekit-style one through autoc's adapter, made once per object)."""
    if isinstance(x, Transformer):
        return x
    adapted = x.__dict__.get("_autoc_adapter")
    if adapted is None:
        from autoc.types.user import UserTransformer

        adapted = UserTransformer(x)
        adapted.wants_annotations = True
        x.__dict__["_autoc_adapter"] = adapted
    return adapted


_CACHE: Dict[Any, LiteralType] = {}


def to_literal_type(t: Any) -> LiteralType:
    """The LiteralType flytekit writes for ``t`` (cached; do not mutate the result)."""
    # Union[A, B] == Union[B, A] (and likewise Literal), so the key must also carry the written order; a plain
    # class is its own key (no repr on every lookup of the commonest variables: int, str, a dataclass)
    key = t if type(t) is type else (t, repr(t)) if _hashable(t) else None
    if key is not None:
        hit = _CACHE.get(key)
        if hit is not None:
            return hit
    tr, inner, extras = _resolve(t)
    data = _flyte_annotation(extras, t)
    if extras and tr is _ENUM or data is not None and tr in (_DICT, _DATACLASS):
        kind = {_ENUM: "enums", _DICT: "dicts"}.get(tr, "dataclasses")
        raise TypeEngineError(f"{t}: flytekit does not support {'annotations' if tr is _ENUM else 'FlyteAnnotations'} "
                              f"on {kind}, so neither does autoc", hint=f"drop the Annotated[...] around {inner}")
    lt = tr.literal_type(inner)
    if data is not None:
        merged = LiteralType()
        merged.CopyFrom(lt)
        merged.annotation.annotations.update(data)
        lt = merged
    if key is not None:
        _CACHE[key] = lt
    return lt


base.ON_CHANGE.append(_CACHE.clear)


def _resolve(t: Any) -> typing.Tuple[Transformer, Any, tuple]:
    """(transformer, the type it receives, the Annotated metadata): ``Annotated[T, ...]`` reaches the transformer
    as ``T`` unless it reads annotations itself (StructuredDataset's columns and format)."""
    tr = get_transformer(t)
    if typing.get_origin(t) is not typing.Annotated:
        return tr, t, ()
    inner, *extras = typing.get_args(t)
    while typing.get_origin(inner) is typing.Annotated:  # (Python flattens nested Annotated; kept for safety)
        inner, *more = typing.get_args(inner)
        extras = more + extras
    return tr, (t if tr.wants_annotations else inner), tuple(extras)


def _flyte_annotation(extras: tuple, t: Any) -> Optional[dict]:
    from autoc.types.annotation import FlyteAnnotation

    found = [x.data for x in extras if isinstance(x, FlyteAnnotation)]
    if len(found) > 1:
        raise TypeEngineError(f"more than one FlyteAnnotation in {t}", hint="merge them into one FlyteAnnotation")
    if found and not isinstance(found[0], dict):  # (flytekit fails later, when it writes the Struct)
        raise TypeEngineError(f"a FlyteAnnotation must hold a dict, got {type(found[0]).__name__} ({t})",
                              hint='e.g. FlyteAnnotation({"key": ["a", "b"]})')
    if found and CACHE_KEY_METADATA in found[0]:
        raise TypeEngineError(f"a FlyteAnnotation cannot contain '{CACHE_KEY_METADATA}' ({t})",
                              hint="that key is written by the type engine itself")
    return found[0] if found else None


def uses_pickle(t: Any) -> bool:
    """True when ``t`` (or something inside it) travels as a pickle."""
    tr = get_transformer(t)
    if typing.get_origin(t) is typing.Annotated and not isinstance(tr, PickleTransformer):
        t = typing.get_args(t)[0]
    if isinstance(tr, PickleTransformer):  # (also one given in Annotated[T, ...])
        return True
    if tr in (_LIST, _DICT, _UNION):
        return any(uses_pickle(a) for a in typing.get_args(t))
    return False


def _hashable(t) -> bool:
    try:
        hash(t)
        return True
    except TypeError:
        return False


def _set_msgpack_annotation(lt: LiteralType) -> None:
    lt.annotation.annotations.update({CACHE_KEY_METADATA: {SERIALIZATION_FORMAT: MESSAGEPACK}})


def _json_schema(t) -> Optional[dict]:
    """The JSON schema flytekit stores in a dataclass's metadata (mashumaro's draft 2020-12 builder)."""
    from autoc.types.jsonschema import dataclass_schema

    schema = dataclass_schema(t)  # the common cases, without importing mashumaro's builder
    if schema is not None:
        return schema
    try:
        from autoc.types.jsonschema import mashumaro_schema

        return mashumaro_schema(t)
    except Exception as e:  # a schema is informational: flytekit logs and continues without one
        logger.warning("no JSON schema for dataclass %s: %s", _type_name(t), e)
        return None


def to_literal(v: Any, t: Any) -> Literal:
    """A Python value of declared type ``t`` as the Literal flytekit writes (with the ``hash`` of a
    ``HashMethod`` in ``Annotated[T, HashMethod(fn)]``)."""
    tr, inner, extras = _resolve(t)
    lit = tr.to_literal(v, inner)
    if extras:
        from autoc.types.annotation import HashMethod

        method = next((x for x in extras if isinstance(x, HashMethod)), None)
        if method is not None:
            lit.hash = method.calculate(v)
    return lit


def _item_to_literal(t: Any):
    """``to_literal(·, t)`` with the transformer looked up once (for the items of a list or map)."""
    tr, inner, extras = _resolve(t)
    if extras:
        return lambda v: to_literal(v, t)
    return lambda v: tr.to_literal(v, inner)


def to_python(lit: Literal, t: Any) -> Any:
    """The Python value of declared type ``t`` held by a Literal written by autoc or flytekit (or offloaded by Flyte:
    the literal is then read from its uri first)."""
    tr, inner, _ = _resolve(t)
    if lit.WhichOneof("value") == "offloaded_metadata":
        lit = _offloaded(lit.offloaded_metadata, t)
    return tr.to_python(lit, inner)


def _offloaded(meta: literals_pb2.LiteralOffloadedMetadata, t: Any) -> Literal:
    """The literal Flyte offloaded to ``meta.uri`` (a serialized Literal), as flytekit reads it."""
    from autoc.runtime.storage import read_bytes

    if not meta.uri:
        raise TypeEngineError(f"an offloaded literal for {_type_name(t)} has no uri",
                              hint="the literal's offloaded_metadata must name where the literal was written")
    return Literal.FromString(read_bytes(meta.uri))


class TypeEngine:
    """flytekit's ``TypeEngine`` entry points over autoc's transformers (flytekit's context argument is accepted;
    autoc's conversions do not need one)."""

    @staticmethod
    def get_transformer(python_type: Any) -> Transformer:
        return get_transformer(python_type)

    @staticmethod
    def register(transformer: Any, additional_types: Optional[list] = None) -> None:
        """A user's ``TypeTransformer`` (flytekit's interface, ``autoc.types.user``) for its ``python_type``."""
        from autoc.types.user import register

        register(transformer, additional_types)

    @staticmethod
    def register_additional_type(transformer: Any, additional_type: Any, override: bool = False) -> None:
        """``transformer`` (already registered or not) also handles ``additional_type``; a type with a transformer
        of its own keeps it unless ``override``."""
        from autoc.types import base
        from autoc.types.user import UserTransformer, TypeTransformer

        if additional_type in base.REGISTRY and not override:
            return
        base.register(additional_type, UserTransformer(transformer) if isinstance(transformer, TypeTransformer)
                      else transformer)

    @staticmethod
    def to_literal_type(python_type: Any) -> LiteralType:
        return to_literal_type(python_type)

    @staticmethod
    def to_literal(ctx: Any, python_val: Any, python_type: Any, expected: Optional[LiteralType] = None) -> Literal:
        return to_literal(python_val, python_type)

    @staticmethod
    def to_python_value(ctx: Any, lv: Literal, expected_python_type: Any) -> Any:
        return to_python(lv, expected_python_type)
