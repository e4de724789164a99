"""StructuredDataset: dataframes that travel as files (parquet by default) under the raw output prefix,
wire-compatible with flytekit's StructuredDataset.

The shape is flytekit's: one transformer for every dataframe type (``StructuredDatasetTransformerEngine``), and
per (dataframe type, storage protocol, format) an encoder that writes a value and a decoder that reads one. pandas
and pyarrow handlers live in ``autoc.types.dataframes`` and are registered the first time the engine meets a
pandas or pyarrow type; other frameworks register their own (``StructuredDatasetTransformerEngine.register``).
Nothing here imports a dataframe library.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import os
import sys
import types
import typing
from abc import ABC, abstractmethod
from typing import Any, Dict, Generic, Iterator, List, Optional, Type, TypeVar, Union

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base

T = TypeVar("T")
DF = TypeVar("DF")

StructuredDatasetFormat = str
PARQUET: StructuredDatasetFormat = "parquet"
CSV: StructuredDatasetFormat = "csv"
GENERIC_FORMAT: StructuredDatasetFormat = ""
#: The registration key of handlers that work for every protocol fsspec knows (flytekit's ``"fsspec"``).
ANY_PROTOCOL = "fsspec"

#: The flyteidl messages (flytekit wraps them in model classes of the same names; encoders return these).
StructuredDatasetType = types_pb2.StructuredDatasetType
StructuredDatasetMetadata = literals_pb2.StructuredDatasetMetadata
StructuredDatasetLiteral = literals_pb2.StructuredDataset


@dataclasses.dataclass(frozen=True)
class HandlerContext:
    """What encoders and decoders get as ``ctx``: ``ctx.file_access`` names the raw output prefix, random paths
    under it and the fsspec filesystem of a path (flytekit's FileAccessProvider names)."""

    file_access: Any


def _context() -> HandlerContext:
    from autoc.storage import current_file_access

    return HandlerContext(current_file_access())


class StructuredDataset:
    """A dataframe, or a reference to one (``uri`` + ``file_format``), that a task passes on without loading.

    ``StructuredDataset(dataframe=df)`` is written by the encoder for ``type(df)``; an input opens lazily:
    ``sd.open(pd.DataFrame).all()``.
    """

    def __init__(self, dataframe: Any = None, uri: Optional[str] = None,
                 metadata: Optional[literals_pb2.StructuredDatasetMetadata] = None, **kwargs):
        self._dataframe = dataframe
        self.uri = os.fspath(uri) if uri is not None else None
        self.file_format = kwargs.pop("file_format", GENERIC_FORMAT)
        if kwargs:
            raise TypeError(f"StructuredDataset() got unexpected argument(s): {', '.join(kwargs)}")
        self._metadata = metadata
        self._literal_sd: Optional[literals_pb2.StructuredDataset] = None
        self._dataframe_type: Optional[type] = None
        self._already_uploaded = False

    @classmethod
    def columns(cls) -> Dict[str, type]:
        return {}

    @classmethod
    def column_names(cls) -> List[str]:
        return list(cls.columns())

    @property
    def dataframe(self) -> Any:
        return self._dataframe

    @property
    def metadata(self) -> Optional[literals_pb2.StructuredDatasetMetadata]:
        return self._metadata

    @property
    def literal(self) -> Optional[literals_pb2.StructuredDataset]:
        return self._literal_sd

    def open(self, dataframe_type: Type[DF]) -> "StructuredDataset":
        """Choose the dataframe type ``all()`` and ``iter()`` return."""
        self._dataframe_type = dataframe_type
        return self

    def _opened(self) -> type:
        if self._dataframe_type is None:
            raise TypeEngineError("No dataframe type set", hint="call sd.open(pd.DataFrame) (or another dataframe "
                                                                "type) before sd.all() or sd.iter()")
        return self._dataframe_type

    def _stored(self) -> literals_pb2.StructuredDataset:
        if self._literal_sd is None:
            if self._dataframe is not None:
                raise TypeEngineError("this StructuredDataset holds an in-memory dataframe, not a stored one",
                                      hint="use sd.dataframe")
            if not self.uri:
                raise TypeEngineError("this StructuredDataset has neither a dataframe nor a uri",
                                      hint="StructuredDataset(dataframe=df) or StructuredDataset(uri=..., "
                                           "file_format='parquet')")
            sdt = StructuredDatasetType(format=self.file_format or GENERIC_FORMAT)
            self._literal_sd = literals_pb2.StructuredDataset(
                uri=self.uri, metadata=StructuredDatasetMetadata(structured_dataset_type=sdt))
        if self._metadata is None:
            self._metadata = self._literal_sd.metadata
        return self._literal_sd

    def all(self) -> Any:
        """The whole dataset as the type given to ``open()`` (read now, not before)."""
        df_type = self._opened()
        if self._dataframe is not None and self._literal_sd is None and isinstance(self._dataframe, df_type):
            return self._dataframe
        return ENGINE.open_as(self._stored(), df_type, self._metadata or self._stored().metadata)

    def iter(self) -> Iterator[Any]:
        """The dataset in pieces, from decoders that return an iterator."""
        return ENGINE.iter_as(self._stored(), self._opened(), self._metadata or self._stored().metadata)

    def __repr__(self) -> str:
        what = f"dataframe={type(self._dataframe).__name__}" if self._dataframe is not None else f"uri={self.uri!r}"
        return f"{type(self).__name__}({what}, file_format={self.file_format!r})"

    # -- inside pydantic models: {"uri": ..., "file_format": ...}, as flytekit writes them --------------------------

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from autoc.types.reference_schema import reference_schema

        return reference_schema(cls, "StructuredDataset", _sd_to_dict, _sd_from_dict)


def _sd_to_dict(sd: StructuredDataset) -> Dict[str, Any]:
    lit = ENGINE.to_literal(sd, StructuredDataset).scalar.structured_dataset
    return {"uri": lit.uri, "file_format": lit.metadata.structured_dataset_type.format}


def _sd_from_dict(cls: type, d: Dict[str, Any]) -> StructuredDataset:
    if d.get("uri") is None:
        raise ValueError("StructuredDataset's uri and file format should not be None")
    sdt = StructuredDatasetType(format=d.get("file_format") or GENERIC_FORMAT)
    lit = base.scalar(structured_dataset=literals_pb2.StructuredDataset(
        uri=d["uri"], metadata=StructuredDatasetMetadata(structured_dataset_type=sdt)))
    return ENGINE.to_python(lit, cls)


class StructuredDatasetEncoder(ABC, Generic[T]):
    """Writes dataframes of ``python_type`` in ``supported_format`` to storage of ``protocol`` (None: any protocol
    fsspec knows). Register with ``StructuredDatasetTransformerEngine.register``."""

    def __init__(self, python_type: Type[T], protocol: Optional[str] = None, supported_format: Optional[str] = None):
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or GENERIC_FORMAT

    @property
    def python_type(self) -> Type[T]:
        return self._python_type

    @property
    def protocol(self) -> Optional[str]:
        return self._protocol

    @property
    def supported_format(self) -> str:
        return self._supported_format

    @abstractmethod
    def encode(self, ctx: HandlerContext, structured_dataset: StructuredDataset,
               structured_dataset_type: types_pb2.StructuredDatasetType) -> literals_pb2.StructuredDataset:
        """Write ``structured_dataset.dataframe`` (to ``structured_dataset.uri`` when set, else under
        ``ctx.file_access.raw_output_prefix``) and return the literal naming it."""


class StructuredDatasetDecoder(ABC, Generic[DF]):
    """Reads datasets of ``supported_format`` from storage of ``protocol`` (None: any) as ``python_type``."""

    def __init__(self, python_type: Type[DF], protocol: Optional[str] = None, supported_format: Optional[str] = None,
                 additional_protocols: Optional[List[str]] = None):
        self._python_type = python_type
        self._protocol = protocol.replace("://", "") if protocol else None
        self._supported_format = supported_format or GENERIC_FORMAT

    python_type = StructuredDatasetEncoder.python_type
    protocol = StructuredDatasetEncoder.protocol
    supported_format = StructuredDatasetEncoder.supported_format

    @abstractmethod
    def decode(self, ctx: HandlerContext, flyte_value: literals_pb2.StructuredDataset,
               current_task_metadata: literals_pb2.StructuredDatasetMetadata) -> Union[DF, Iterator[DF]]:
        """Read ``flyte_value.uri``; when ``current_task_metadata`` names columns, only those."""


class DuplicateHandlerError(ValueError):
    pass


def get_protocol(uri: str) -> str:
    """fsspec's protocol of a path: ``s3`` for ``s3://b/k``, ``file`` for local paths."""
    if "://" in uri:
        return uri.split("://", 1)[0]
    return "file"


def extract_cols_and_format(t: Any):
    """(type, columns or None, format, arrow schema or None) from ``Annotated[T, columns, "format", schema]``;
    other metadata (HashMethod, FlyteAnnotation, ...) is left to the engine."""
    from autoc.types.annotation import FlyteAnnotation, HashMethod

    if typing.get_origin(t) is not typing.Annotated:
        return t, None, GENERIC_FORMAT, None
    base_type, *extras = typing.get_args(t)
    cols, fmt, schema = None, GENERIC_FORMAT, None
    for a in extras:
        if isinstance(a, (HashMethod, FlyteAnnotation)):
            continue
        if isinstance(a, dict):
            if isinstance(a, collections.OrderedDict) and cols is not None:
                raise TypeEngineError(f"{t}: columns given twice", hint="annotate the columns once, with kwtypes()")
            cols = collections.OrderedDict(a)
        elif isinstance(a, str):
            if fmt:
                raise TypeEngineError(f"{t}: a format was already given ({fmt!r}), cannot use {a!r}")
            fmt = a
        elif _is_arrow_schema(a):
            if schema is not None:
                raise TypeEngineError(f"{t}: an arrow schema was already given")
            schema = a
        elif isinstance(a, type) and getattr(a, "__annotations__", None):
            cols = collections.OrderedDict(a.__annotations__)  # a dataclass or class naming the columns
    return base_type, cols, fmt, schema


def _is_arrow_schema(a: Any) -> bool:
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(a, pa.Schema)


def _column_simple(t: Any) -> Optional[int]:
    simple = {int: types_pb2.SimpleType.INTEGER, float: types_pb2.SimpleType.FLOAT,
              bool: types_pb2.SimpleType.BOOLEAN, str: types_pb2.SimpleType.STRING,
              datetime.datetime: types_pb2.SimpleType.DATETIME, datetime.timedelta: types_pb2.SimpleType.DURATION}
    if t in simple:
        return simple[t]
    if getattr(t, "__module__", None) == "numpy":
        import numpy as np

        for kind, names in ((types_pb2.SimpleType.INTEGER, ("int32", "int64", "uint32", "uint64")),
                            (types_pb2.SimpleType.FLOAT, ("float32", "float64")),
                            (types_pb2.SimpleType.BOOLEAN, ("bool_",)),
                            (types_pb2.SimpleType.DATETIME, ("datetime64",)),
                            (types_pb2.SimpleType.DURATION, ("timedelta64",)),
                            (types_pb2.SimpleType.STRING, ("bytes_", "str_", "object_"))):
            if any(t is getattr(np, n, None) for n in names):
                return kind
    return None


def _column_type(t: Any, name: str) -> types_pb2.LiteralType:
    simple = _column_simple(t)
    if simple is not None:
        return types_pb2.LiteralType(simple=simple)
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is list and args:
        return types_pb2.LiteralType(collection_type=_column_type(args[0], name))
    if origin is dict and len(args) == 2:
        return types_pb2.LiteralType(map_value_type=_column_type(args[1], name))
    raise TypeEngineError(f"column '{name}': type {base.type_name(t)} is not supported by StructuredDataset",
                          hint="use int, float, bool, str, datetime, timedelta, numpy scalar types, or lists and "
                               "dicts of them")


def _flatten(cols: Dict[str, Any], parent: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in cols.items():
        key = f"{parent}.{k}" if parent else k
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        elif dataclasses.is_dataclass(v):
            out.update(_flatten({f.name: f.type for f in dataclasses.fields(v)}, key))
        else:
            out[key] = v
    return out


def _columns(cols: Optional[Dict[str, Any]]) -> List[types_pb2.StructuredDatasetType.DatasetColumn]:
    return [types_pb2.StructuredDatasetType.DatasetColumn(name=k, literal_type=_column_type(v, k))
            for k, v in _flatten(cols or {}).items()]


HandlerMap = Dict[type, Dict[str, Dict[str, Any]]]


class StructuredDatasetTransformerEngine(base.Transformer):
    """The transformer for StructuredDataset and every dataframe type with registered handlers."""

    name = "StructuredDataset Transformer"
    wants_annotations = True

    ENCODERS: HandlerMap = {}
    DECODERS: HandlerMap = {}
    DEFAULT_PROTOCOLS: Dict[type, str] = {}
    DEFAULT_FORMATS: Dict[type, str] = {}
    Renderers: Dict[type, Any] = {}

    # -- the handler registry ------------------------------------------------------------------------------------

    @classmethod
    def register(cls, h: Union[StructuredDatasetEncoder, StructuredDatasetDecoder], default_for_type: bool = False,
                 override: bool = False, default_format_for_type: bool = False,
                 default_storage_for_type: bool = False) -> None:
        """Register an encoder or decoder (flytekit's signature). A handler without a protocol serves every
        protocol; ``default_format_for_type`` makes its format the one plain dataframes of its type are written in.
        """
        if not isinstance(h, (StructuredDatasetEncoder, StructuredDatasetDecoder)):
            raise TypeError(f"{h!r} is neither a StructuredDatasetEncoder nor a StructuredDatasetDecoder")
        if h.protocol is None:
            if default_for_type:
                raise ValueError(f"{h!r} serves every protocol, so it cannot be the default for its type")
            try:
                cls.register_for_protocol(h, ANY_PROTOCOL, False, override, default_format_for_type,
                                          default_storage_for_type)
            except DuplicateHandlerError:
                pass
        elif h.protocol == "":
            raise ValueError(f"Use None instead of empty string for registering handler {h!r}")
        else:
            cls.register_for_protocol(h, h.protocol, default_for_type, override, default_format_for_type,
                                      default_storage_for_type)

    @classmethod
    def register_for_protocol(cls, h, protocol: str, default_for_type: bool, override: bool,
                              default_format_for_type: bool, default_storage_for_type: bool) -> None:
        if protocol == "/":
            protocol = "file"
        top = cls.ENCODERS if isinstance(h, StructuredDatasetEncoder) else cls.DECODERS
        lowest = top.setdefault(h.python_type, {}).setdefault(protocol, {})
        if h.supported_format in lowest and not override:
            raise DuplicateHandlerError(
                f"Already registered a handler for {(h.python_type, protocol, h.supported_format)}")
        lowest[h.supported_format] = h
        if (default_format_for_type or default_for_type) and h.supported_format != GENERIC_FORMAT:
            if override or h.python_type not in cls.DEFAULT_FORMATS:
                cls.DEFAULT_FORMATS[h.python_type] = h.supported_format
        if (default_storage_for_type or default_for_type) and (override or h.python_type not in cls.DEFAULT_PROTOCOLS):
            cls.DEFAULT_PROTOCOLS[h.python_type] = protocol
        base.register(h.python_type, ENGINE)

    @classmethod
    def register_renderer(cls, python_type: type, renderer: Any) -> None:
        cls.Renderers[python_type] = renderer

    @classmethod
    def _finder(cls, handlers: HandlerMap, df_type: type, protocol: str, fmt: str):
        """flytekit's search: exact (type, protocol, format); then the any-protocol handlers by format, the
        generic format, the type's default format or the only one; then the protocol's generic or default one."""
        if df_type not in handlers and isinstance(df_type, type):
            base.registered_for_class(df_type)  # lazily registered handlers (pandas, pyarrow, polars)
        by_protocol = handlers.get(df_type, {})
        exact = by_protocol.get(protocol, {}).get(fmt)
        if exact is not None:
            return exact
        default = cls.DEFAULT_FORMATS.get(df_type)
        found = single = None
        anyp = by_protocol.get(ANY_PROTOCOL, {})
        if fmt in anyp:
            found = anyp[fmt]
        elif GENERIC_FORMAT in anyp:
            found = anyp[GENERIC_FORMAT]
        elif fmt == GENERIC_FORMAT and default in anyp:
            found = anyp[default]
        elif fmt == GENERIC_FORMAT and len(anyp) == 1:
            single = next(iter(anyp.values()))
        specific = by_protocol.get(protocol, {})
        for key in (GENERIC_FORMAT, default):
            if key in specific:
                return specific[key]
        if len(specific) == 1:
            single = next(iter(specific.values()))
        if found or single:
            return found or single
        kind = "encoder" if handlers is cls.ENCODERS else "decoder"
        raise TypeEngineError(f"no StructuredDataset {kind} for {base.type_name(df_type)}, protocol {protocol!r}, "
                              f"format {fmt!r}", hint=_install_hint(df_type))

    @classmethod
    def get_encoder(cls, df_type: type, protocol: str, format: str):
        return cls._finder(cls.ENCODERS, df_type, protocol, format)

    @classmethod
    def get_decoder(cls, df_type: type, protocol: str, format: str):
        return cls._finder(cls.DECODERS, df_type, protocol, format)

    # -- the transformer -----------------------------------------------------------------------------------------

    def dataset_type(self, t: Any) -> types_pb2.StructuredDatasetType:
        _, cols, fmt, schema = extract_cols_and_format(t)
        sdt = StructuredDatasetType(columns=_columns(cols), format=fmt)
        if schema is not None:
            sdt.external_schema_type = "arrow"
            sdt.external_schema_bytes = schema.to_string().encode()
        return sdt

    def literal_type(self, t):
        return types_pb2.LiteralType(structured_dataset_type=self.dataset_type(t))

    def to_literal(self, v, t):
        python_type = extract_cols_and_format(t)[0]
        sdt = self.dataset_type(t)
        declared_sd = isinstance(python_type, type) and issubclass(python_type, StructuredDataset)
        if declared_sd and not isinstance(v, StructuredDataset):
            raise TypeEngineError(f"expected a StructuredDataset instance, got {type(v).__name__}",
                                  hint="wrap the dataframe: return StructuredDataset(dataframe=df)")
        if isinstance(v, StructuredDataset):
            if v._literal_sd is not None:  # an input passed through, or a value already written
                if v.dataframe is not None and not v._already_uploaded:
                    raise TypeEngineError("a StructuredDataset cannot hold both a stored literal and a dataframe")
                return base.scalar(structured_dataset=v._literal_sd)
            if v.dataframe is None:
                return self._reference(v, sdt)
            df_type = type(v.dataframe)
            return self.encode(v, df_type, self._protocol(df_type, v.uri), sdt.format, sdt)
        if not isinstance(python_type, type) or not isinstance(v, python_type):
            raise base.wrong_value(v, python_type)
        sd = StructuredDataset(dataframe=v, metadata=StructuredDatasetMetadata(structured_dataset_type=sdt))
        return self.encode(sd, python_type, self._protocol(python_type), self.DEFAULT_FORMATS.get(python_type, ""),
                           sdt)

    def _reference(self, v: StructuredDataset, sdt) -> base.Literal:
        """``StructuredDataset(uri=...)``: a remote uri as it is, a local file or folder uploaded first."""
        from autoc import storage

        uri = v.uri
        if not uri:
            raise TypeEngineError("a StructuredDataset needs a dataframe or a uri",
                                  hint="StructuredDataset(dataframe=df) or StructuredDataset(uri='s3://...')")
        if not storage.is_remote(uri):
            local = storage._local(uri)
            if not os.path.exists(local):
                raise TypeEngineError(f"StructuredDataset uri {uri} does not exist", hint="give an existing path")
            dest = storage.current_file_access().new_remote_path(os.path.basename(local.rstrip("/")))
            uri = storage.upload(local, dest, recursive=os.path.isdir(local))
        if sdt.format == GENERIC_FORMAT and v.file_format:
            sdt.format = v.file_format
        return base.scalar(structured_dataset=literals_pb2.StructuredDataset(
            uri=uri, metadata=StructuredDatasetMetadata(structured_dataset_type=sdt)))

    def _protocol(self, df_type: type, uri: Optional[str] = None) -> str:
        if df_type in self.DEFAULT_PROTOCOLS:
            return self.DEFAULT_PROTOCOLS[df_type]
        from autoc.storage import current_file_access

        return get_protocol(uri or current_file_access().raw_output_prefix)

    def encode(self, sd: StructuredDataset, df_type: type, protocol: str, format: str,
               sdt: types_pb2.StructuredDatasetType) -> base.Literal:
        handler = self.get_encoder(df_type, protocol, format)
        written = handler.encode(_context(), sd, sdt)
        if callable(getattr(written, "to_flyte_idl", None)):  # flytekit's model (a user's encoder for flytekit)
            written = written.to_flyte_idl()
        if not isinstance(written, literals_pb2.StructuredDataset):
            raise TypeEngineError(f"encoder {type(handler).__name__} returned {type(written).__name__}",
                                  hint="an encoder returns a flyteidl.core.literals_pb2.StructuredDataset")
        if not written.metadata.HasField("structured_dataset_type"):
            written.metadata.structured_dataset_type.CopyFrom(sdt)
        written.metadata.structured_dataset_type.format = handler.supported_format
        sd._literal_sd, sd._already_uploaded = written, True
        return base.scalar(structured_dataset=written)

    def to_python(self, lit, t):
        python_type, cols, _, _ = extract_cols_and_format(t)
        kind = lit.scalar.WhichOneof("value") if lit.WhichOneof("value") == "scalar" else None
        if kind in ("binary", "generic"):  # a StructuredDataset taken out of a dataclass or model by attribute
            return _sd_from_dict(python_type, _struct_dict(lit, t))
        if kind != "structured_dataset":
            raise TypeEngineError(f"expected a structured dataset literal for {base.type_name(python_type)}, "
                                  f"got {base.describe(lit)}")
        incoming = lit.scalar.structured_dataset
        stored = incoming.metadata.structured_dataset_type
        sdt = StructuredDatasetType(columns=_columns(cols) if cols else stored.columns, format=stored.format,
                                    external_schema_type=stored.external_schema_type,
                                    external_schema_bytes=stored.external_schema_bytes)
        meta = StructuredDatasetMetadata(structured_dataset_type=sdt)
        if isinstance(python_type, type) and issubclass(python_type, StructuredDataset):
            sd = python_type(dataframe=None, uri=incoming.uri, metadata=meta, file_format=stored.format)
            sd._literal_sd = incoming
            return sd
        return self.open_as(incoming, python_type, meta)

    def open_as(self, sd: literals_pb2.StructuredDataset, df_type: type,
                updated_metadata: literals_pb2.StructuredDatasetMetadata) -> Any:
        decoder = self.get_decoder(df_type, get_protocol(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(_context(), sd, updated_metadata)
        if isinstance(result, types.GeneratorType):
            raise TypeEngineError(f"decoder {type(decoder).__name__} returned an iterator for {sd.uri}",
                                  hint="use sd.iter() for decoders that read in pieces")
        return result

    def iter_as(self, sd: literals_pb2.StructuredDataset, df_type: type,
                updated_metadata: literals_pb2.StructuredDatasetMetadata) -> Iterator[Any]:
        decoder = self.get_decoder(df_type, get_protocol(sd.uri), sd.metadata.structured_dataset_type.format)
        result = decoder.decode(_context(), sd, updated_metadata)
        if not isinstance(result, types.GeneratorType):
            raise TypeEngineError(f"decoder {type(decoder).__name__} does not read {sd.uri} in pieces",
                                  hint="use sd.all()")
        return result


def _struct_dict(lit: base.Literal, t) -> Dict[str, Any]:
    if lit.scalar.WhichOneof("value") == "binary":
        import msgpack

        return msgpack.unpackb(lit.scalar.binary.value, raw=False, strict_map_key=False)
    from google.protobuf import json_format

    return json_format.MessageToDict(lit.scalar.generic)


def _install_hint(df_type: Any) -> str:
    package = (getattr(df_type, "__module__", "") or "").partition(".")[0]
    if package in ("pandas", "pyarrow", "polars"):
        return f"pip install 'autoc[{package}]'"
    return ("register a StructuredDatasetEncoder/Decoder for it with StructuredDatasetTransformerEngine.register(), "
            "or annotate with a format that has one, e.g. Annotated[pd.DataFrame, 'parquet']")


ENGINE = StructuredDatasetTransformerEngine()
base.register(StructuredDataset, ENGINE)
