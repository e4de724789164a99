"""``FlyteSchema`` (flytekit's deprecated predecessor of StructuredDataset): a folder of parquet files with typed
columns, traveling as a Schema literal. ``FlyteSchema[kwtypes(a=int, b=str)]`` declares the columns written into its
``SchemaType``; a pandas DataFrame returned for it is written as flytekit writes one (``<folder>/00000``)."""

from __future__ import annotations

import datetime
import enum
import os
from typing import Any, Dict, List, Optional, Type

from flyteidl.core import literals_pb2, types_pb2
from mashumaro.types import SerializableType

from autoc.errors import TypeEngineError
from autoc.types import base

_Column = types_pb2.SchemaType.SchemaColumn
_COLUMN_TYPES = {float: _Column.FLOAT, int: _Column.INTEGER, bool: _Column.BOOLEAN, str: _Column.STRING,
                 datetime.datetime: _Column.DATETIME, datetime.timedelta: _Column.DURATION}
#: numpy's scalar types, by name (numpy is imported only by modules that use it)
_NUMPY_TYPES = {"int32": _Column.INTEGER, "int64": _Column.INTEGER, "uint32": _Column.INTEGER,
                "uint64": _Column.INTEGER, "float32": _Column.FLOAT, "float64": _Column.FLOAT, "bool_": _Column.BOOLEAN,
                "datetime64": _Column.DATETIME, "timedelta64": _Column.DURATION, "bytes_": _Column.STRING,
                "str_": _Column.STRING, "object_": _Column.STRING}


class SchemaFormat(enum.Enum):
    PARQUET = "parquet"


class SchemaOpenMode(enum.Enum):
    READ = "r"
    WRITE = "w"


class FlyteSchema(SerializableType):
    """A folder of parquet files; ``open()`` gives a reader (``all()``) or writer (``write(df)``) of DataFrames. As a
    field of a mashumaro dataclass it is ``{"remote_path": uri}`` (uploaded first), as flytekit writes it."""

    _columns: Dict[str, type] = {}
    _format = SchemaFormat.PARQUET

    @classmethod
    def columns(cls) -> Dict[str, type]:
        return dict(cls._columns)

    @classmethod
    def column_names(cls) -> List[str]:
        return list(cls._columns)

    @classmethod
    def format(cls) -> SchemaFormat:
        return cls._format

    def __class_getitem__(cls, columns: Optional[Dict[str, type]], fmt: SchemaFormat = SchemaFormat.PARQUET):
        if not columns:
            return FlyteSchema
        if not isinstance(columns, dict):
            raise TypeEngineError(f"FlyteSchema[{columns!r}]: the columns must be a mapping of names to types",
                                  hint="write FlyteSchema[kwtypes(name=type, ...)]")
        if not isinstance(fmt, SchemaFormat):
            raise TypeEngineError(f"FlyteSchema format {fmt!r} is not a SchemaFormat")
        for name, t in columns.items():
            _column_type(t, name)
        # readable name; the qualified name is the one flytekit's local _TypedSchema has (mashumaro's generated
        # code names a SerializableType field's class by it)
        return type("FlyteSchema[" + ", ".join(f"{k}: {getattr(v, '__name__', v)}" for k, v in columns.items()) + "]",
                    (FlyteSchema,), {"_columns": dict(columns), "_format": fmt, "__module__": __name__,
                                     "__qualname__": "FlyteSchema.__class_getitem__.<locals>._TypedSchema"})

    def __init__(self, local_path: Optional[str] = None, remote_path: Optional[str] = None,
                 supported_mode: SchemaOpenMode = SchemaOpenMode.WRITE, downloader=None):
        from autoc import storage

        if supported_mode == SchemaOpenMode.READ and remote_path is None:
            raise ValueError("a FlyteSchema to read needs its remote_path")
        self.local_path = local_path or storage.current_file_access().new_local_path()
        self.remote_path = remote_path
        self.supported_mode = supported_mode
        self._downloaded = supported_mode == SchemaOpenMode.WRITE

    def _serialize(self) -> Dict[str, Optional[str]]:
        lit = _SchemaTransformer().to_literal(self, type(self))
        return {"remote_path": lit.scalar.schema.uri}

    @classmethod
    def _deserialize(cls, value: Dict[str, Optional[str]]) -> "FlyteSchema":
        uri = (value or {}).get("remote_path")
        if uri is None:
            raise ValueError("FlyteSchema's path should not be None")
        schema = literals_pb2.Schema(uri=uri, type=schema_type(cls))
        lit = literals_pb2.Literal(scalar=literals_pb2.Scalar(schema=schema))
        return _SchemaTransformer().to_python(lit, cls)

    def open(self, dataframe_fmt: Optional[type] = None, override_mode: Optional[SchemaOpenMode] = None):
        """A reader (mode READ: ``all()``, iteration over the files' DataFrames) or a writer (``write(df, ...)``)."""
        mode = override_mode or self.supported_mode
        if mode == SchemaOpenMode.READ:
            if not self._downloaded and self.remote_path:
                from autoc import storage

                storage.download(self.remote_path, self.local_path, recursive=True)
                self._downloaded = True
            return _Reader(self.local_path, self.columns())
        return _Writer(self.local_path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(local_path={self.local_path!r}, remote_path={self.remote_path!r})"


class _Reader:
    def __init__(self, folder: str, columns: Dict[str, type]):
        self.folder, self.columns = folder, list(columns) or None

    def _files(self) -> List[str]:
        return sorted(os.path.join(self.folder, f) for f in os.listdir(self.folder) if not f.startswith("."))

    def __iter__(self):
        import pandas

        for f in self._files():
            yield pandas.read_parquet(f, columns=self.columns)

    def all(self, **kwargs):
        import pandas

        frames = list(self)
        return pandas.concat(frames, ignore_index=True) if len(frames) != 1 else frames[0]


class _Writer:
    def __init__(self, folder: str):
        self.folder, self._count = folder, 0

    def write(self, *dfs, **kwargs) -> None:
        os.makedirs(self.folder, exist_ok=True)
        for df in dfs:
            df.to_parquet(os.path.join(self.folder, f"{self._count:05}"), coerce_timestamps="us",
                          allow_truncated_timestamps=False, **kwargs)
            self._count += 1


def _column_type(t: Any, name: str) -> int:
    if t in _COLUMN_TYPES:
        return _COLUMN_TYPES[t]
    if getattr(t, "__module__", "") == "numpy" and getattr(t, "__name__", "") in _NUMPY_TYPES:
        return _NUMPY_TYPES[t.__name__]
    raise TypeEngineError(f"FlyteSchema column {name!r}: type {getattr(t, '__name__', t)} is not supported",
                          hint="columns are int, float, bool, str, datetime, timedelta (or numpy's scalar types)")


def schema_type(t: Type[FlyteSchema]) -> types_pb2.SchemaType:
    return types_pb2.SchemaType(columns=[_Column(name=k, type=_column_type(v, k)) for k, v in t.columns().items()])


class _SchemaTransformer(base.Transformer):
    name = "FlyteSchema Transformer"

    def literal_type(self, t):
        return types_pb2.LiteralType(schema=schema_type(t))

    def to_literal(self, v: Any, t):
        from autoc import storage

        fa = storage.current_file_access()
        if isinstance(v, FlyteSchema):
            if v.supported_mode == SchemaOpenMode.READ and not v._downloaded:
                uri = v.remote_path  # never read here: pass it on as it is
            else:
                uri = v.remote_path or fa.new_remote_path()
                storage.upload(v.local_path, uri, recursive=True)
        elif type(v).__module__.partition(".")[0] == "pandas" and type(v).__name__ == "DataFrame":
            local = fa.new_local_path()
            _Writer(local).write(v)
            uri = storage.upload(local, fa.new_remote_path(), recursive=True)
        else:
            raise base.wrong_value(v, t)
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(schema=literals_pb2.Schema(uri=uri,
                                                                                            type=schema_type(t))))

    def to_python(self, lit, t):
        if not lit.scalar.HasField("schema"):
            raise TypeEngineError(f"expected a schema literal for {t.__name__}, got {lit.WhichOneof('value')}")
        return t(remote_path=lit.scalar.schema.uri, supported_mode=SchemaOpenMode.READ)


base.register(FlyteSchema, _SchemaTransformer())
