"""Type transformers written by users against flytekit's interface (``flytekit.extend.TypeTransformer``), registered
with ``TypeEngine.register``: used for interfaces (``serialize``), local runs and ``autoc execute`` like autoc's own.

flytekit's transformer methods take a context and flytekit's literal models: ``get_literal_type(t)`` returns a
``LiteralType``, ``to_literal(ctx, python_val, python_type, expected)`` a ``Literal`` (built from ``Scalar``,
``Blob``, ``BlobMetadata``, ... — autoc's models are read-only views over the flyteidl messages, so they are the
messages), ``to_python_value(ctx, lv, expected_python_type)`` reads one. The adapter below registers such a
transformer into autoc's registry; ``ctx.file_access`` offers flytekit's FileAccessProvider names over autoc's
storage (the raw output prefix of the running task)."""

from __future__ import annotations

from typing import Any, Generic, List, Optional, Type, TypeVar

from autoc.errors import TypeEngineError
from autoc.types import base

T = TypeVar("T")


def _model(msg):
    from autoc.sdk.flytekit.models import Model

    return Model(msg)


def _message(value, what: str, expected_type):
    from autoc.sdk.flytekit.models import unwrap

    msg = unwrap(value)
    if not isinstance(msg, expected_type):
        raise TypeEngineError(f"{what} returned {type(value).__name__}, not a {expected_type.__name__}",
                              hint=f"return a {expected_type.__name__} (from flytekit.models or flytekit)")
    return msg


class TransformerContext:
    """The ``ctx`` a user's transformer gets: ``file_access`` (flytekit's FileAccessProvider names over autoc's
    storage) and the rest of the current FlyteContext."""

    def __init__(self):
        from autoc.runtime.storage import current_file_access

        self.file_access = current_file_access()

    def __getattr__(self, name: str):
        from autoc.core.context import FlyteContextManager

        return getattr(FlyteContextManager.current_context(), name)


class TypeTransformer(Generic[T]):
    """flytekit's ``TypeTransformer[T]``: subclass it, implement ``get_literal_type``, ``to_literal`` and
    ``to_python_value``, and ``TypeEngine.register(MyTransformer())``."""

    def __init__(self, name: str, t: Type[T], enable_type_assertions: bool = True, hash_overridable: bool = False):
        self._name = name
        self._t = t
        self._type_assertions_enabled = enable_type_assertions
        self._hash_overridable = hash_overridable

    @property
    def name(self) -> str:
        return self._name

    @property
    def python_type(self) -> Type[T]:
        return self._t

    @property
    def type_assertions_enabled(self) -> bool:
        return self._type_assertions_enabled

    @property
    def is_async(self) -> bool:
        return False

    def assert_type(self, t: Type[T], v: T) -> None:
        if not hasattr(t, "__origin__") and not isinstance(v, t):
            raise TypeEngineError(f"Type of Val '{v}' is not an instance of {t}")

    def get_literal_type(self, t: Type[T]):
        raise NotImplementedError(f"{type(self).__name__} must implement get_literal_type")

    def to_literal(self, ctx, python_val: T, python_type: Type[T], expected):
        raise NotImplementedError(f"Conversion to Literal for python type {python_type} not implemented")

    def to_python_value(self, ctx, lv, expected_python_type: Type[T]) -> Optional[T]:
        raise NotImplementedError(f"Conversion to python value for {expected_python_type} not implemented")

    def guess_python_type(self, literal_type) -> Type[T]:
        raise ValueError(f"Transformer {self} cannot reverse {literal_type}")

    def to_html(self, ctx, python_val: T, expected_python_type: Type[T]) -> str:
        return str(python_val)

    def __repr__(self) -> str:
        return f"{self._name} Transforms ({self._t}) to Flyte native"

    def __str__(self) -> str:
        return str(self.__repr__())


class UserTransformer(base.Transformer):
    """A flytekit-style transformer seen by autoc's engine."""

    def __init__(self, user: TypeTransformer):
        self.user = user
        self.name = user.name

    def literal_type(self, t: Any):
        from flyteidl.core import types_pb2

        return _message(self.user.get_literal_type(t), f"{self.name}.get_literal_type", types_pb2.LiteralType)

    def to_literal(self, v: Any, t: Any):
        from flyteidl.core import literals_pb2

        if self.user.type_assertions_enabled:
            try:
                self.user.assert_type(t, v)
            except (TypeError, ValueError) as e:
                raise TypeEngineError(str(e)) from e
        lit = self.user.to_literal(TransformerContext(), v, t, _model(self.literal_type(t)))
        return _message(lit, f"{self.name}.to_literal", literals_pb2.Literal)

    def accepts(self, v: Any, t: Any) -> bool:
        """Whether ``v`` passes the user's ``assert_type`` (or assertions are off)."""
        if not self.user.type_assertions_enabled:
            return True
        try:
            self.user.assert_type(t, v)
        except (TypeError, ValueError):
            return False
        return True

    def variant_to_literal(self, v: Any, t: Any):
        """``v`` as a variant of a Union, as flytekit's union transformer converts it: the user's ``to_literal``
        without ``assert_type`` (so a value it accepts makes a union with another variant that accepts it
        ambiguous, as in flytekit), any error it raises meaning "not this variant"."""
        from flyteidl.core import literals_pb2

        try:
            lit = self.user.to_literal(TransformerContext(), v, t, _model(self.literal_type(t)))
        except Exception as e:
            raise TypeEngineError(f"{self.name}: {e}") from e
        return _message(lit, f"{self.name}.to_literal", literals_pb2.Literal)

    def to_python(self, lit: Any, t: Any) -> Any:
        return self.user.to_python_value(TransformerContext(), _model(lit), t)

    # flytekit's names on the adapter give the user's own methods
    def get_literal_type(self, t: Any):
        return self.user.get_literal_type(t)

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        return self.user.to_python_value(ctx, lv, expected_python_type)


def register(transformer: TypeTransformer, additional_types: Optional[List[type]] = None) -> None:
    """``TypeEngine.register``: the transformer handles its ``python_type`` (and ``additional_types``)."""
    if isinstance(transformer, base.Transformer):  # one of autoc's own (flytekit plugins written for autoc)
        adapted = transformer
    elif isinstance(transformer, TypeTransformer):
        adapted = UserTransformer(transformer)
    else:
        raise TypeEngineError(f"TypeEngine.register needs a TypeTransformer, got {transformer!r:.80}",
                              hint="subclass flytekit.extend.TypeTransformer (autoc.TypeTransformer)")
    types = [getattr(transformer, "python_type", None), *(additional_types or [])]
    if types[0] is None:
        raise TypeEngineError(f"{transformer!r:.80} names no python_type", hint="TypeTransformer(name, t=MyType)")
    for t in types:
        base.register(t, adapted)


def user_transformer(tr: base.Transformer):
    """The object a user registered (flytekit's ``TypeEngine.get_transformer`` gives it back)."""
    return tr.user if isinstance(tr, UserTransformer) else tr
