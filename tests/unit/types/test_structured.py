"""The StructuredDataset handler registry: a third-party dataframe type plugs in with flytekit's
encoder/decoder shape, polars works as an optional extra, and the lookup order is flytekit's."""

from __future__ import annotations

import json
import typing
from typing import Annotated

import pytest

from autoc import (StructuredDataset, StructuredDatasetDecoder, StructuredDatasetEncoder,
                   StructuredDatasetTransformerEngine, kwtypes)
from autoc.runtime.storage import FileAccess, using_file_access
from autoc.types import engine
from autoc.types.structured import StructuredDatasetLiteral, StructuredDatasetMetadata


class Rows(list):
    """A toy dataframe: a list of dicts."""


class RowsToJsonl(StructuredDatasetEncoder):
    def __init__(self):
        super().__init__(Rows, None, "jsonl")

    def encode(self, ctx, structured_dataset, structured_dataset_type):
        uri = structured_dataset.uri or ctx.file_access.get_random_remote_directory()
        fs = ctx.file_access.get_filesystem_for_path(uri)
        fs.makedirs(uri, exist_ok=True)
        with fs.open(ctx.file_access.join(uri, "rows.jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in structured_dataset.dataframe)
        return StructuredDatasetLiteral(uri=uri, metadata=StructuredDatasetMetadata(
            structured_dataset_type=structured_dataset_type))


class JsonlToRows(StructuredDatasetDecoder):
    def __init__(self):
        super().__init__(Rows, None, "jsonl")

    def decode(self, ctx, flyte_value, current_task_metadata):
        cols = [c.name for c in current_task_metadata.structured_dataset_type.columns]
        fs = ctx.file_access.get_filesystem_for_path(flyte_value.uri)
        with fs.open(ctx.file_access.join(flyte_value.uri, "rows.jsonl")) as f:
            rows = [json.loads(line) for line in f]
        return Rows({k: r[k] for k in cols} if cols else r for r in rows)


@pytest.fixture(scope="module", autouse=True)
def rows_handlers():
    StructuredDatasetTransformerEngine.register(RowsToJsonl(), default_format_for_type=True)
    StructuredDatasetTransformerEngine.register(JsonlToRows(), default_format_for_type=True)


def test_a_registered_dataframe_type_round_trips(tmp_path):
    data = Rows([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}])
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        assert engine.to_literal_type(Rows).structured_dataset_type.format == ""
        lit = engine.to_literal(data, Rows)
        sd = lit.scalar.structured_dataset
        assert sd.metadata.structured_dataset_type.format == "jsonl"
        assert len(list((tmp_path / "raw").glob("*/rows.jsonl"))) == 1
        assert engine.to_python(lit, Rows) == data
        assert engine.to_python(lit, Annotated[Rows, kwtypes(a=int)]) == [{"a": 1}, {"a": 2}]
        opened = engine.to_python(lit, StructuredDataset).open(Rows).all()
        assert opened == data
        assert engine.to_python(engine.to_literal([data], typing.List[Rows]), typing.List[Rows]) == [data]


def test_registering_twice_is_refused_unless_overridden():
    from autoc.types.structured import DuplicateHandlerError

    with pytest.raises(DuplicateHandlerError):
        StructuredDatasetTransformerEngine.register_for_protocol(RowsToJsonl(), "fsspec", False, False, False, False)
    StructuredDatasetTransformerEngine.register(RowsToJsonl(), override=True)
    with pytest.raises(ValueError, match="Use None instead of empty string"):
        StructuredDatasetTransformerEngine.register(RowsToJsonlOnProtocol(""))


class RowsToJsonlOnProtocol(RowsToJsonl):
    def __init__(self, protocol):
        StructuredDatasetEncoder.__init__(self, Rows, protocol, "jsonl")
        self._protocol = protocol


def test_polars_is_an_optional_extra(tmp_path):
    import polars as pl  # in the test extra: a missing install fails, it is not skipped
    import pandas as pd

    df = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        lit = engine.to_literal(df, pl.DataFrame)
        assert lit.scalar.structured_dataset.metadata.structured_dataset_type.format == "parquet"
        assert engine.to_python(lit, pl.DataFrame).equals(df)
        assert engine.to_python(lit, pd.DataFrame).to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
        sd = StructuredDataset(dataframe=df)
        assert engine.to_python(engine.to_literal(sd, StructuredDataset), Annotated[pl.DataFrame, kwtypes(b=str)]) \
            .columns == ["b"]
