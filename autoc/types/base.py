"""The transformer interface and the registry every family of types registers into.

The engine (``engine.py``) dispatches on Python types; families that live in their own modules (File and Directory,
StructuredDataset and its dataframe handlers, pydantic models) subclass ``Transformer`` here and ``register`` their
types, so nothing imports the engine back. Transformers for third-party classes (pandas, pyarrow, pydantic, polars)
are registered *lazily*: the engine imports the registering module only when it meets such a class, so ``autoc
execute`` never imports pandas for a task without DataFrames.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Optional

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError

LiteralType = types_pb2.LiteralType
Literal = literals_pb2.Literal


class Transformer:
    """One family of Python types: its name (used as union tag), its LiteralType, and value conversions."""

    name = ""
    #: True: receives ``Annotated[T, ...]`` whole (StructuredDataset reads columns and format from it); otherwise
    #: the engine strips the annotation first.
    wants_annotations = False

    def __init_subclass__(cls, **kwargs):
        """A subclass's ``to_literal(v, t)`` also answers flytekit's call ``to_literal(ctx, python_val,
        python_type, expected)`` (code written against flytekit calling a transformer directly), giving the
        Literal as flytekit's model."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("to_literal")
        if own is None or getattr(own, "_flytekit_call", False):
            return

        def to_literal(self, v, t, *flytekit, _own=own):
            if not flytekit:
                return _own(self, v, t)
            from autoc.sdk.flytekit.models import Model

            return Model(_own(self, t, flytekit[0]))  # (ctx, python_val, python_type, expected)

        to_literal._flytekit_call = True
        to_literal.__doc__, to_literal.__qualname__ = own.__doc__, own.__qualname__
        cls.to_literal = to_literal

    def literal_type(self, t: Any) -> LiteralType:
        raise NotImplementedError

    def to_literal(self, v: Any, t: Any) -> Literal:
        raise TypeEngineError(f"values of {type_name(t)} cannot be converted to literals")

    def to_python(self, lit: Literal, t: Any) -> Any:
        raise TypeEngineError(f"literals cannot be converted to {type_name(t)}")

    # flytekit's names, for code written against flytekit's TypeTransformer (its model objects are accepted)
    def get_literal_type(self, t: Any) -> Any:
        """The LiteralType read as flytekit's model (an unset message is None; ``to_flyte_idl()`` gives it)."""
        from autoc.sdk.flytekit.models import Model

        return Model(self.literal_type(t))

    def to_python_value(self, ctx: Any, lv: Any, expected_python_type: Any) -> Any:
        return self.to_python(lv.to_flyte_idl() if hasattr(lv, "to_flyte_idl") else lv, expected_python_type)


#: Transformers registered by other parts of autoc (File, Directory, StructuredDataset, ...) or plugins.
REGISTRY: Dict[Any, Transformer] = {}
#: ``(value, type) -> value`` steps a dataclass (or dict) goes through before it is encoded, registered by the modules
#: whose values need them (files.py: a str path given for a File field becomes a File, as flytekit converts it).
BEFORE_ENCODE: List[Callable[[Any, Any], Any]] = []
#: ``"<top-level package>.<class qualname>"`` of a third-party class -> ``"module:function"`` registering its
#: transformer (called once, the first time the engine meets the class or a subclass).
LAZY: Dict[str, str] = {
    "os.PathLike": "autoc.types.files:register",  # File and Directory (the engine does not import files.py)
    "pandas.DataFrame": "autoc.types.dataframes:register_pandas",
    "pyarrow.Table": "autoc.types.dataframes:register_arrow",
    "polars.DataFrame": "autoc.types.dataframes:register_polars",
    "pydantic.BaseModel": "autoc.types.basemodel:register_pydantic",
    "numpy.ndarray": "autoc.types.arrays:register_numpy",
    "google.Message": "autoc.types.protobuf:register_protobuf",
    "typing.TextIO": "autoc.types.streams:register_streams",
    "typing.BinaryIO": "autoc.types.streams:register_streams",
    "PIL.Image": "autoc.types.images:register_pil",
    "sklearn.BaseEstimator": "autoc.types.notyet:register_sklearn",
    "torch.Tensor": "autoc.types.notyet:register_torch_tensor",
    "torch.Module": "autoc.types.notyet:register_torch_module",
    "keras.Model": "autoc.types.notyet:register_keras",
}
_LAZY_PACKAGES = {k.partition(".")[0] for k in LAZY}
#: Called after every registration (the engine clears its LiteralType cache).
ON_CHANGE: List[Callable[[], None]] = []


def register(python_type: Any, transformer: Transformer) -> None:
    REGISTRY[python_type] = transformer
    for fn in ON_CHANGE:
        fn()


_FUNCTIONS: Dict[str, Callable] = {}


def lazy_function(target: str) -> Callable:
    """The function ``target`` names (``"module:function"``), imported on first use: how the engine reaches a
    family module that calls back into the engine (``Iterator[...]``) without the two importing each other."""
    fn = _FUNCTIONS.get(target)
    if fn is None:
        module, _, function = target.partition(":")
        fn = _FUNCTIONS[target] = getattr(importlib.import_module(module), function)
    return fn


def register_lazy(class_path: str, target: str) -> None:
    """Call ``target`` (``"module:function"``, which calls ``register``) the first time a subclass of
    ``class_path`` (``"<top-level package>.<qualname>"``, e.g. ``"polars.DataFrame"``) is converted."""
    LAZY[class_path] = target
    _LAZY_PACKAGES.add(class_path.partition(".")[0])


def registered_for_class(t: type) -> Optional[Transformer]:
    """The transformer registered for ``t`` or its nearest base class, importing lazily registered ones."""
    for base in t.__mro__:
        tr = REGISTRY.get(base)
        if tr is not None:
            return tr
        package = (getattr(base, "__module__", None) or "").partition(".")[0]
        if package in _LAZY_PACKAGES:
            target = LAZY.get(f"{package}.{base.__qualname__}")
            if target is not None:
                module, _, function = target.partition(":")
                getattr(importlib.import_module(module), function)()
                tr = REGISTRY.get(base)
                if tr is not None:
                    return tr
    return None


def scalar(**kw) -> Literal:
    return Literal(scalar=literals_pb2.Scalar(**kw))


def describe(lit: Literal) -> str:
    kind = lit.WhichOneof("value")
    if kind == "scalar":
        kind = f"scalar.{lit.scalar.WhichOneof('value')}"
        if lit.scalar.WhichOneof("value") == "primitive":
            kind += f".{lit.scalar.primitive.WhichOneof('value')}"
    return kind or "an empty literal"


def type_name(t) -> str:
    return getattr(t, "__name__", None) or str(t)


def wrong_value(v, t) -> TypeEngineError:
    return TypeEngineError(f"expected a value of type {type_name(t)}, got {type(v).__name__} {v!r:.80}")


def blob_literal(uri: str, fmt: str, dimensionality: int) -> Literal:
    """A Blob literal pointing at ``uri`` (pickles, File, Directory)."""
    meta = literals_pb2.BlobMetadata(type=types_pb2.BlobType(format=fmt, dimensionality=dimensionality))
    return scalar(blob=literals_pb2.Blob(metadata=meta, uri=uri))


def expect_blob(lit: Literal, t, what: str = "a blob literal") -> literals_pb2.Blob:
    """The Blob a literal holds; a TypeEngineError ("expected <what> for <t>") when it holds something else."""
    if lit.WhichOneof("value") != "scalar" or lit.scalar.WhichOneof("value") != "blob":
        raise TypeEngineError(f"expected {what} for {type_name(t)}, got {describe(lit)}")
    return lit.scalar.blob
