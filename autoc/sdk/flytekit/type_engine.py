"""``flytekit.core.type_engine.TypeEngine`` as flytekit code sees it: autoc's type engine, with flytekit's models
(``autoc.sdk.flytekit.models``, read-only views over the same flyteidl messages) going in and coming out."""

from __future__ import annotations

import typing
from typing import Any, Dict, Optional

from flyteidl.core import interface_pb2, literals_pb2

from autoc.errors import TypeEngineError
from autoc.sdk.flytekit.models import Model, unwrap
from autoc.types import engine


class TypeEngine(engine.TypeEngine):
    #: flytekit's cache of converted values, which its tests clear; autoc caches LiteralTypes only (clearing them
    #: is harmless)
    _LITERAL_CACHE = engine._CACHE
    #: the registry itself (flytekit code unregisters with ``del TypeEngine._REGISTRY[T]``; a user's transformer is
    #: held through autoc's adapter) and the dataclass transformer the engine falls back to
    _REGISTRY = engine.REGISTRY
    _DATACLASS_TRANSFORMER = engine._DATACLASS

    @classmethod
    def lazy_import_transformers(cls) -> None:
        """Nothing to do: autoc registers the transformers of optional libraries when it first meets their types."""

    @staticmethod
    def get_transformer(python_type: Any) -> Any:
        """The transformer of ``python_type``: a user's registered ``TypeTransformer`` is given back as itself."""
        from autoc.types.user import user_transformer

        return user_transformer(engine.get_transformer(python_type))

    @staticmethod
    def to_literal_type(python_type: Any) -> Model:
        return Model(engine.to_literal_type(python_type))

    @staticmethod
    def to_literal(ctx: Any, python_val: Any, python_type: Any, expected: Any = None) -> Model:
        return Model(engine.to_literal(python_val, python_type))

    @staticmethod
    def to_python_value(ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        return engine.to_python(unwrap(lv), expected_python_type)

    @classmethod
    def named_tuple_to_variable_map(cls, t: Any) -> Model:
        """The outputs of a NamedTuple: variables described by their position, as flytekit describes them."""
        return Model(interface_pb2.VariableMap(variables={
            name: interface_pb2.Variable(type=engine.to_literal_type(vt), description=str(i))
            for i, (name, vt) in enumerate(t.__annotations__.items())}))

    @staticmethod
    def dict_to_literal_map(ctx: Any, d: Dict[str, Any], type_hints: Optional[Dict[str, Any]] = None) -> Model:
        hints = type_hints or {}
        return Model(literals_pb2.LiteralMap(literals={
            k: engine.to_literal(v, hints.get(k, type(v))) for k, v in d.items()}))

    @staticmethod
    def literal_map_to_kwargs(ctx: Any, lm: Any, python_types: Optional[Dict[str, Any]] = None,
                              literal_types: Any = None) -> Dict[str, Any]:
        literals = unwrap(lm).literals
        types = python_types or {}
        missing = [k for k in literals if k not in types]
        if missing:
            raise ValueError(f"no python type for the literal(s) {', '.join(missing)}")
        out = {}
        for k in literals:
            try:
                out[k] = engine.to_python(literals[k], types[k])
            except TypeError as e:  # (TypeEngineError too) named as flytekit names it
                raise TypeEngineError(
                    f"Error converting input '{k}':\nLiteral value: {literals[k]!r:.300}\nExpected Python type: "
                    f"{types[k]!r}\nException: {getattr(e, 'message', e)}", hint=getattr(e, "hint", None)) from e
        return out


#: flytekit's transformer instances for the simple types
IntTransformer, FloatTransformer, BoolTransformer, StrTransformer = (engine.get_transformer(t)
                                                                     for t in (int, float, bool, str))


def is_annotated(t: Any) -> bool:
    return typing.get_origin(t) is typing.Annotated


def get_underlying_type(t: Any) -> Any:
    """The type inside ``Annotated[...]``, or ``t`` itself."""
    return typing.get_args(t)[0] if is_annotated(t) else t
