"""Encoders and decoders for pandas, pyarrow and polars dataframes (optional extras: ``autoc[pandas]``,
``autoc[pyarrow]``, ``autoc[polars]``). The engine calls ``register_<framework>()`` the first time it meets such a
dataframe type, so a task without dataframes never imports any of them.

The files are flytekit's: parquet as ``<uri>/00000`` (a folder holding one part), CSV as ``<uri>/.csv``, under a
fresh folder of the raw output prefix unless the StructuredDataset names a uri.
"""

from __future__ import annotations

import functools
from typing import Any, List, Optional

from flyteidl.core import literals_pb2, types_pb2

from autoc.errors import TypeEngineError
from autoc.types.structured import (CSV, PARQUET, StructuredDataset, StructuredDatasetDecoder,
                                    StructuredDatasetEncoder, StructuredDatasetTransformerEngine)


def _target(ctx, sd: StructuredDataset) -> str:
    """The folder a value is written to (created when local)."""
    from autoc import storage

    uri = sd.uri or ctx.file_access.get_random_remote_directory()
    if not storage.is_remote(uri):
        import os

        os.makedirs(storage._local(uri), exist_ok=True)
    return uri


def _fs_and_path(path: str):
    """(fsspec filesystem or None for local paths, the path that filesystem takes)."""
    from autoc import storage

    if not storage.is_remote(path):
        return None, storage._local(path)
    fs = storage.filesystem(path)
    return fs, fs._strip_protocol(path)


def _columns(meta: literals_pb2.StructuredDatasetMetadata) -> Optional[List[str]]:
    cols = [c.name for c in meta.structured_dataset_type.columns]
    return cols or None


def _written(uri: str, sdt: types_pb2.StructuredDatasetType, fmt: str) -> literals_pb2.StructuredDataset:
    out = types_pb2.StructuredDatasetType()
    out.CopyFrom(sdt)
    out.format = fmt
    return literals_pb2.StructuredDataset(uri=uri, metadata=literals_pb2.StructuredDatasetMetadata(
        structured_dataset_type=out))


def _write_arrow(table, uri: str, **options) -> None:
    import pyarrow.parquet as pq

    from autoc import storage

    fs, path = _fs_and_path(storage.join(uri, f"{0:05}"))
    if fs is None:
        pq.write_table(table, path, **options)
    else:
        with fs.open(path, "wb") as f:
            pq.write_table(table, f, **options)


def _read_arrow(uri: str, columns: Optional[List[str]]):
    import pyarrow.parquet as pq

    fs, path = _fs_and_path(uri)
    try:
        return pq.read_table(path, columns=columns, filesystem=fs)
    except (KeyError, ValueError) as e:
        if columns:
            raise TypeEngineError(f"cannot read columns {columns} from {uri}: {e}",
                                  hint="the annotation's kwtypes() must name columns the dataset has") from e
        raise


class PandasToParquetEncodingHandler(StructuredDatasetEncoder):
    def __init__(self):
        import pandas as pd

        super().__init__(pd.DataFrame, None, PARQUET)

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        import pyarrow as pa

        uri = _target(ctx, structured_dataset)
        # what DataFrame.to_parquet does, with flytekit's timestamp options
        table = pa.Table.from_pandas(structured_dataset.dataframe)
        _write_arrow(table, uri, coerce_timestamps="us", allow_truncated_timestamps=False)
        return _written(uri, structured_dataset_type, PARQUET)


class ParquetToPandasDecodingHandler(StructuredDatasetDecoder):
    def __init__(self):
        import pandas as pd

        super().__init__(pd.DataFrame, None, PARQUET)

    def decode(self, ctx, flyte_value, current_task_metadata):
        import pandas as pd

        fs, path = _fs_and_path(flyte_value.uri)
        columns = _columns(current_task_metadata)
        try:
            return pd.read_parquet(path, columns=columns, filesystem=fs)
        except (KeyError, ValueError) as e:
            if columns:
                raise TypeEngineError(f"cannot read columns {columns} from {flyte_value.uri}: {e}",
                                      hint="the annotation's kwtypes() must name columns the dataset has") from e
            raise


class PandasToCSVEncodingHandler(StructuredDatasetEncoder):
    def __init__(self):
        import pandas as pd

        super().__init__(pd.DataFrame, None, CSV)

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        from autoc import storage

        uri = _target(ctx, structured_dataset)
        fs, path = _fs_and_path(storage.join(uri, ".csv"))
        if fs is None:
            structured_dataset.dataframe.to_csv(path, index=False)
        else:
            with fs.open(path, "w") as f:
                structured_dataset.dataframe.to_csv(f, index=False)
        return _written(uri, structured_dataset_type, CSV)


class CSVToPandasDecodingHandler(StructuredDatasetDecoder):
    def __init__(self):
        import pandas as pd

        super().__init__(pd.DataFrame, None, CSV)

    def decode(self, ctx, flyte_value, current_task_metadata):
        import pandas as pd

        from autoc import storage

        fs, path = _fs_and_path(storage.join(flyte_value.uri, ".csv"))
        columns = _columns(current_task_metadata)
        if fs is None:
            return pd.read_csv(path, usecols=columns)
        with fs.open(path, "r") as f:
            return pd.read_csv(f, usecols=columns)


class ArrowToParquetEncodingHandler(StructuredDatasetEncoder):
    def __init__(self):
        import pyarrow as pa

        super().__init__(pa.Table, None, PARQUET)

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        uri = _target(ctx, structured_dataset)
        _write_arrow(structured_dataset.dataframe, uri)
        return _written(uri, structured_dataset_type, PARQUET)


class ParquetToArrowDecodingHandler(StructuredDatasetDecoder):
    def __init__(self):
        import pyarrow as pa

        super().__init__(pa.Table, None, PARQUET)

    def decode(self, ctx, flyte_value, current_task_metadata):
        return _read_arrow(flyte_value.uri, _columns(current_task_metadata))


class PolarsToParquetEncodingHandler(StructuredDatasetEncoder):
    def __init__(self):
        import polars as pl

        super().__init__(pl.DataFrame, None, PARQUET)

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        uri = _target(ctx, structured_dataset)
        _write_arrow(structured_dataset.dataframe.to_arrow(), uri)
        return _written(uri, structured_dataset_type, PARQUET)


class ParquetToPolarsDecodingHandler(StructuredDatasetDecoder):
    def __init__(self):
        import polars as pl

        super().__init__(pl.DataFrame, None, PARQUET)

    def decode(self, ctx, flyte_value, current_task_metadata):
        import polars as pl

        return pl.from_arrow(_read_arrow(flyte_value.uri, _columns(current_task_metadata)))


def _register(*handlers: Any) -> None:
    for h in handlers:
        StructuredDatasetTransformerEngine.register(h, default_format_for_type=True)


@functools.lru_cache(maxsize=None)
def register_pandas() -> None:
    _require("pandas", "pyarrow")
    _register(PandasToParquetEncodingHandler(), ParquetToPandasDecodingHandler())
    StructuredDatasetTransformerEngine.register(PandasToCSVEncodingHandler())
    StructuredDatasetTransformerEngine.register(CSVToPandasDecodingHandler())


def register_csv_handlers() -> None:
    """flytekit's ``flytekit.types.structured.register_csv_handlers``: pandas DataFrames to and from CSV (autoc
    registers them with the other pandas handlers when it first meets a DataFrame; calling it does so now)."""
    register_pandas()


@functools.lru_cache(maxsize=None)
def register_arrow() -> None:
    _require("pyarrow")
    _register(ArrowToParquetEncodingHandler(), ParquetToArrowDecodingHandler())


@functools.lru_cache(maxsize=None)
def register_polars() -> None:
    _require("polars", "pyarrow")
    _register(PolarsToParquetEncodingHandler(), ParquetToPolarsDecodingHandler())


def _require(*packages: str) -> None:
    import importlib

    for p in packages:
        try:
            importlib.import_module(p)
        except ImportError as e:
            raise TypeEngineError(f"dataframes need {p}, which is not installed ({e})",
                                  hint=f"pip install 'autoc[{packages[0]}]'") from None
