"""FlyteSchema against flytekit's: the same literal types, and each side reads the DataFrames the other wrote (a
folder of parquet files under the raw output prefix). BatchSize leaves the annotated type's literal type alone."""

from __future__ import annotations

import datetime
from typing import Annotated

import pandas as pd
import pytest
from flyteidl.core import interface_pb2, literals_pb2

from autoc import BatchSize, FlyteDirectory, FlyteSchema, SchemaOpenMode, kwtypes
from autoc.errors import TypeEngineError
from autoc.runtime.storage import FileAccess, using_file_access
from autoc.types import engine
from tests.conftest import run_oracle

Typed = FlyteSchema[kwtypes(name=str, n=int, x=float, ok=bool, at=datetime.datetime, took=datetime.timedelta)]

FLYTEKIT_WRITES = """
import datetime
from typing import Annotated
import pandas as pd
from flytekit import FlyteDirectory, kwtypes
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import BatchSize, TypeEngine
from flytekit.types.schema import FlyteSchema
from flyteidl.core import literals_pb2, interface_pb2
Typed = FlyteSchema[kwtypes(name=str, n=int, x=float, ok=bool, at=datetime.datetime, took=datetime.timedelta)]
ctx = FlyteContextManager.current_context()
vm = interface_pb2.VariableMap()
for name, t in [("plain", FlyteSchema), ("typed", Typed), ("batched", Annotated[FlyteDirectory, BatchSize(10)])]:
    vm.variables[name].type.CopyFrom(TypeEngine.to_literal_type(t).to_flyte_idl())
open("types.pb", "wb").write(vm.SerializeToString())
df = pd.DataFrame({"name": ["a", "b"], "n": [1, 2]})
lit = TypeEngine.to_literal(ctx, df, FlyteSchema[kwtypes(name=str, n=int)], None)
open("lit.pb", "wb").write(lit.to_flyte_idl().SerializeToString())
"""

FLYTEKIT_READS = """
import pandas as pd
from flytekit import kwtypes
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal
from flytekit.types.schema import FlyteSchema
from flyteidl.core import literals_pb2
pb = literals_pb2.Literal(); pb.ParseFromString(open("ours.pb", "rb").read())
s = TypeEngine.to_python_value(FlyteContextManager.current_context(), Literal.from_flyte_idl(pb),
                               FlyteSchema[kwtypes(name=str, n=int)])
df = s.open(pd.DataFrame).all()
print("RESULT", df["name"].tolist(), df["n"].tolist())
"""


def test_literal_types_are_flytekits(tmp_path):
    run_oracle(FLYTEKIT_WRITES, cwd=tmp_path)
    vm = interface_pb2.VariableMap()
    vm.ParseFromString((tmp_path / "types.pb").read_bytes())
    assert engine.to_literal_type(FlyteSchema) == vm.variables["plain"].type
    assert vm.variables["plain"].type.HasField("schema")
    assert engine.to_literal_type(Typed) == vm.variables["typed"].type
    assert len(vm.variables["typed"].type.schema.columns) == 6
    assert engine.to_literal_type(Annotated[FlyteDirectory, BatchSize(10)]) == vm.variables["batched"].type
    assert BatchSize(10).val == 10


def test_autoc_reads_flytekits_schema(tmp_path):
    run_oracle(FLYTEKIT_WRITES, cwd=tmp_path)
    lit = literals_pb2.Literal()
    lit.ParseFromString((tmp_path / "lit.pb").read_bytes())
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        s = engine.to_python(lit, FlyteSchema[kwtypes(name=str, n=int)])
        assert s.supported_mode == SchemaOpenMode.READ and s.remote_path == lit.scalar.schema.uri
        df = s.open(pd.DataFrame).all()
    assert df.to_dict("list") == {"name": ["a", "b"], "n": [1, 2]}


def test_flytekit_reads_autocs_schema(tmp_path):
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        lit = engine.to_literal(pd.DataFrame({"name": ["x", "y", "z"], "n": [7, 8, 9]}),
                                FlyteSchema[kwtypes(name=str, n=int)])
    assert lit.scalar.schema.uri.startswith(str(tmp_path / "raw"))
    assert [c.name for c in lit.scalar.schema.type.columns] == ["name", "n"]
    (tmp_path / "ours.pb").write_bytes(lit.SerializeToString())
    assert run_oracle(FLYTEKIT_READS, cwd=tmp_path) == "RESULT ['x', 'y', 'z'] [7, 8, 9]"


def test_a_schema_read_and_passed_on_keeps_its_location(tmp_path):
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        first = engine.to_literal(pd.DataFrame({"n": [1]}), FlyteSchema[kwtypes(n=int)])
        s = engine.to_python(first, FlyteSchema[kwtypes(n=int)])
        again = engine.to_literal(s, FlyteSchema[kwtypes(n=int)])
    assert again.scalar.schema.uri == first.scalar.schema.uri


def test_bad_columns_are_errors():
    with pytest.raises(TypeEngineError, match="column 'c': type list is not supported"):
        FlyteSchema[kwtypes(c=list)]
    with pytest.raises(TypeEngineError, match="must be a mapping"):
        FlyteSchema[["a"]]
    assert FlyteSchema[{}] is FlyteSchema and FlyteSchema[kwtypes(n=int)].column_names() == ["n"]



def test_a_flyteschema_field_of_a_mashumaro_dataclass_is_its_remote_path():
    """flytekit's FlyteSchema is a mashumaro SerializableType: a dataclass holding one can be declared, and its
    field reads ``{"remote_path": uri}`` (flytekit's test_type_engine declares one at import)."""
    import dataclasses

    import pytest
    from mashumaro.mixins.json import DataClassJSONMixin

    from autoc import FlyteSchema, kwtypes

    result = dataclasses.make_dataclass("Result", [("schema", FlyteSchema[kwtypes(some_str=str)])],
                                        bases=(DataClassJSONMixin,))
    with pytest.raises(ValueError, match="invalid value") as e:
        result.from_dict({"schema": {"remote_path": None}})
    assert "path should not be None" in str(e.value.__context__ or e.value.__cause__)
