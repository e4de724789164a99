"""DataFrames and pydantic models through ``autoc execute``: flytekit writes a task's inputs (the DataFrame as
parquet under its raw output prefix), autoc runs the task from examples/workflows/typed.py and writes outputs under
its own prefix, flytekit reads them back; locally and on the S3 test server. Plus: remote values pass through
without being read, and tasks without DataFrames never import pandas, pyarrow or pydantic."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from autoc.runtime.storage import FileAccess, using_file_access
from autoc.types import engine
from tests.conftest import EXAMPLES, REPO, SHIM, run_autoc, run_oracle

ORACLE = """
import sys
sys.path[:0] = [{examples!r}, {shim!r}]
import datetime, pandas as pd
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flyteidl.core import literals_pb2
from workflows import typed
fa = FileAccessProvider(local_sandbox_dir={sandbox!r}, raw_output_prefix={prefix!r})
ctx0 = FlyteContextManager.current_context()
with FlyteContextManager.with_context(ctx0.with_file_access(fa)) as ctx:
    sales = pd.DataFrame({{"region": ["n", "s", "n"], "units": [1, 2, 3], "price": [10.0, 2.5, 1.0]}})
    report = typed.Report(name="r", points=[typed.Point(x=1.0, y=2.0)], created=datetime.datetime(2024, 1, 1))
    task = getattr(typed, {task!r})
    if {mode!r} == "write":
        values = {{"revenue": {{"sales": sales}}, "summarize": {{"report": report, "scale": 2.0}}}}[{task!r}]
        lm = TypeEngine.dict_to_literal_map(ctx, values, task.python_interface.inputs)
        open({path!r}, "wb").write(lm.to_flyte_idl().SerializeToString())
    else:
        pb = literals_pb2.LiteralMap(); pb.ParseFromString(open({path!r}, "rb").read())
        lm = LiteralMap.from_flyte_idl(pb)
        got = TypeEngine.literal_map_to_kwargs(ctx, lm, task.python_interface.outputs)["o0"]
        if {task!r} == "revenue":
            subset = sales[["units", "price"]]  # the input's annotation names two of the three columns
            want = subset.assign(revenue=subset.units * subset.price)
            assert got.equals(want), got
            assert pb.literals["o0"].hash == typed.frame_hash(want), pb.literals["o0"].hash
        else:
            assert got.title == "r" and open(got.data.download()).read() == "x,y\\n2.0,4.0\\n"
            assert sorted(__import__("os").listdir(got.folder.download())) == ["points.csv"]
            assert got.table.open(pd.DataFrame).all().equals(pd.DataFrame({{"x": [2.0], "y": [4.0]}}))
    print("OK")
"""


@pytest.fixture(params=["local", "s3"])
def prefix(request, tmp_path):
    if request.param == "local":
        return str(tmp_path / "bucket")
    request.getfixturevalue("s3")
    return f"s3://autoc-test/{uuid.uuid4().hex}"


def _oracle(mode, task, path, prefix, tmp_path):
    return run_oracle(ORACLE.format(examples=str(EXAMPLES), shim=str(SHIM), sandbox=str(tmp_path / "fk"),
                                    prefix=f"{prefix}/fk-raw", task=task, mode=mode, path=str(path)), cwd=tmp_path)


@pytest.mark.parametrize("task", ["revenue", "summarize"])
def test_execute_reads_flytekit_inputs_and_flytekit_reads_the_outputs(tmp_path, prefix, task):
    inputs = tmp_path / "inputs.pb"
    assert _oracle("write", task, inputs, prefix, tmp_path) == "OK"
    run_autoc("execute", "--inputs", inputs, "--output-prefix", f"{prefix}/out", "--raw-output-data-prefix",
              f"{prefix}/raw", "--checkpoint-path", f"{prefix}/cp", "--prev-checkpoint", '""', "--resolver",
              "autoc.resolvers.default_task_resolver", "--", "task-module", "workflows.typed", "task-name", task,
              cwd=EXAMPLES)
    outputs = tmp_path / "outputs.pb"
    if prefix.startswith("s3://"):
        import fsspec

        fs = fsspec.filesystem("s3", client_kwargs={"endpoint_url": __import__("os").environ["FLYTE_AWS_ENDPOINT"]})
        outputs.write_bytes(fs.cat(f"{prefix}/out/outputs.pb"))
    else:
        outputs.write_bytes(Path(prefix, "out", "outputs.pb").read_bytes())
    lm = literals_pb2.LiteralMap.FromString(outputs.read_bytes())
    written = lm.literals["o0"].scalar
    uri = written.structured_dataset.uri if task == "revenue" else None
    assert uri is None or uri.startswith(f"{prefix}/raw/")
    assert _oracle("read", task, outputs, prefix, tmp_path) == "OK"


def test_remote_values_pass_through_unread(s3, tmp_path):
    """A File, Directory or StructuredDataset input returned as it is keeps its uri; nothing is fetched until it
    is opened (these objects do not even exist)."""
    from autoc import Directory, File, StructuredDataset
    from autoc.errors import TypeEngineError

    with using_file_access(FileAccess("s3://autoc-test/raw", str(tmp_path / "sandbox"))):
        for t, lit in ((File["csv"], engine.blob_literal("s3://autoc-test/missing/a.csv", "csv", 0)),
                       (Directory, engine.blob_literal("s3://autoc-test/missing/dir", "", 1))):
            v = engine.to_python(lit, t)
            assert v.remote_source == lit.scalar.blob.uri and not Path(v.path).exists()
            assert engine.to_literal(v, t) == lit
        sd_lit = engine.to_literal(StructuredDataset(uri="s3://autoc-test/missing/sd", file_format="parquet"),
                                   StructuredDataset)
        sd = engine.to_python(sd_lit, StructuredDataset)
        assert sd.uri == "s3://autoc-test/missing/sd" and engine.to_literal(sd, StructuredDataset) == sd_lit
        import pandas as pd

        with pytest.raises(Exception):
            sd.open(pd.DataFrame).all()  # only now is the dataset read
        with pytest.raises(TypeEngineError, match="No dataframe type set"):
            engine.to_python(sd_lit, StructuredDataset).all()


def test_tasks_without_dataframes_do_not_import_dataframe_libraries():
    script = (
        "import sys\n"
        "from autoc import StructuredDataset, File, task\n"
        "from autoc.types import engine\n"
        "import typing\n"
        "engine.to_python(engine.to_literal([1, 2], typing.List[int]), typing.List[int])\n"
        "engine.to_literal_type(StructuredDataset)\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'pydantic', 'numpy', 'polars') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dataframe_mistakes_are_errors_with_hints(tmp_path):
    import typing
    from typing import Annotated

    import pandas as pd

    from autoc import StructuredDataset, kwtypes
    from autoc.errors import TypeEngineError

    df = pd.DataFrame({"a": [1]})
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        with pytest.raises(TypeEngineError, match="expected a StructuredDataset instance") as e:
            engine.to_literal(df, StructuredDataset)
        assert "StructuredDataset(dataframe=df)" in e.value.hint
        with pytest.raises(TypeEngineError, match="column 'x': type set is not supported"):
            engine.to_literal_type(Annotated[pd.DataFrame, kwtypes(x=set)])
        with pytest.raises(TypeEngineError, match="expected a value of type DataFrame"):
            engine.to_literal([1], pd.DataFrame)
        lit = engine.to_literal(df, pd.DataFrame)
        with pytest.raises(TypeEngineError, match=r"cannot read columns \['b'\]"):
            engine.to_python(lit, Annotated[pd.DataFrame, kwtypes(b=int)])
        with pytest.raises(TypeEngineError, match="no StructuredDataset encoder for"):
            engine.to_literal(StructuredDataset(dataframe=object()), StructuredDataset)
        assert engine.to_python(lit, typing.Optional[pd.DataFrame]).equals(df)


def test_a_local_dataset_by_uri_is_uploaded_under_the_raw_prefix(tmp_path):
    import pandas as pd

    from autoc import StructuredDataset

    src = tmp_path / "mine"
    src.mkdir()
    pd.DataFrame({"a": [1, 2]}).to_parquet(src / "part.parquet")
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        lit = engine.to_literal(StructuredDataset(uri=str(src), file_format="parquet"), StructuredDataset)
        sd = lit.scalar.structured_dataset
        assert sd.uri.startswith(str(tmp_path / "raw") + "/") and sd.uri.endswith("/mine")
        assert sd.metadata.structured_dataset_type.format == "parquet"
        assert engine.to_python(lit, pd.DataFrame)["a"].tolist() == [1, 2]
        assert StructuredDataset(uri=str(src), file_format="parquet").open(pd.DataFrame).all()["a"].tolist() == [1, 2]
