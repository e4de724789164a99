"""DataFrames (StructuredDataset), pydantic models, typed files and Annotated values against flytekit, in both
directions, with the values stored locally and on a real S3-compatible server: the same LiteralTypes, flytekit's
literals read by autoc and autoc's read by flytekit (each checked against the value written), the same literal
metadata and cache hashes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from flyteidl.core import interface_pb2, literals_pb2

from autoc.runtime.storage import FileAccess, using_file_access
from autoc.types import engine
from tests.conftest import run_oracle
from tests.types.frame_cases import cases, frame, frame_hash

HERE = Path(__file__).parent


@pytest.fixture(params=["local", "s3"])
def prefix(request, tmp_path):
    """Where both tools write offloaded values: a local folder, or a bucket on the loopback S3 server."""
    if request.param == "local":
        return str(tmp_path / "raw")
    request.getfixturevalue("s3")
    return f"s3://autoc-test/{uuid.uuid4().hex}/raw"


def _autoc_cases(tmp_path):
    return cases(str(tmp_path / "autoc-files"))


def _flytekit_wrote(tmp_path, prefix):
    run_oracle(HERE / "frame_oracle.py", "write", str(tmp_path), prefix, cwd=tmp_path)
    lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
    lm.ParseFromString((tmp_path / "inputs.pb").read_bytes())
    vm.ParseFromString((tmp_path / "types.pb").read_bytes())
    return lm, vm


def test_flytekit_writes_autoc_reads(tmp_path, prefix):
    lm, vm = _flytekit_wrote(tmp_path, prefix)
    ours = _autoc_cases(tmp_path)
    assert set(lm.literals) == set(ours)
    with using_file_access(FileAccess(prefix, str(tmp_path / "sandbox"))):
        for name, (t, _, check) in ours.items():
            assert engine.to_literal_type(t) == vm.variables[name].type, name
            assert check(engine.to_python(lm.literals[name], t)) is None, name
    sd = lm.literals["df_columns"].scalar.structured_dataset
    assert sd.uri.startswith(prefix.rstrip("/") + "/") and sd.metadata.structured_dataset_type.format == "parquet"


def test_autoc_writes_flytekit_reads(tmp_path, prefix):
    out = literals_pb2.LiteralMap()
    with using_file_access(FileAccess(prefix, str(tmp_path / "sandbox"))):
        for name, (t, v, _) in _autoc_cases(tmp_path).items():
            out.literals[name].CopyFrom(engine.to_literal(v, t))
    path = tmp_path / "outputs.pb"
    path.write_bytes(out.SerializeToString())
    line = run_oracle(HERE / "frame_oracle.py", "read", str(tmp_path), prefix, str(path), cwd=tmp_path)
    assert line.startswith("RESULT "), line
    result = json.loads(line[len("RESULT "):])
    if prefix.startswith("s3://"):
        # flytekit 1.16's ParquetToArrowDecodingHandler strips the protocol and reads without a filesystem, so it
        # cannot read any pyarrow.Table from S3, its own included (test_flytekit_cannot_read_its_own_s3_arrow)
        assert result.pop("arrow").startswith("error: FileNotFoundError")
        out.literals.pop("arrow")
    assert result == {name: "ok" for name in out.literals}


def test_flytekit_cannot_read_its_own_s3_arrow(tmp_path, s3):
    prefix = f"s3://autoc-test/{uuid.uuid4().hex}/raw"
    lm, _ = _flytekit_wrote(tmp_path, prefix)
    only = literals_pb2.LiteralMap()
    only.literals["arrow"].CopyFrom(lm.literals["arrow"])
    (tmp_path / "theirs.pb").write_bytes(only.SerializeToString())
    line = run_oracle(HERE / "frame_oracle.py", "read", str(tmp_path), prefix, str(tmp_path / "theirs.pb"),
                      cwd=tmp_path)
    assert json.loads(line[len("RESULT "):])["arrow"].startswith("error: FileNotFoundError")


def test_same_literals_as_flytekit_apart_from_locations(tmp_path, prefix):
    """Metadata, formats, hashes and the msgpack of plain models are flytekit's; only the random uris differ."""
    theirs, _ = _flytekit_wrote(tmp_path, prefix)
    with using_file_access(FileAccess(prefix, str(tmp_path / "sandbox"))):
        ours = {n: engine.to_literal(v, t) for n, (t, v, _) in _autoc_cases(tmp_path).items()}
    for name in ("df", "df_columns", "arrow", "sd", "sd_columns", "sd_csv", "df_hashed"):
        a, b = ours[name], theirs.literals[name]
        assert a.scalar.structured_dataset.metadata == b.scalar.structured_dataset.metadata, name
        assert a.hash == b.hash, name
        assert a.scalar.structured_dataset.uri.startswith(prefix.rstrip("/") + "/"), name
    assert ours["df_hashed"].hash == frame_hash(frame()) != ""
    assert ours["hashed_str"] == theirs.literals["hashed_str"] and ours["hashed_str"].hash == "h-v"
    for name in ("model", "models", "annotated_int", "annotated_list"):
        assert ours[name] == theirs.literals[name], name
    for name in ("csv_file", "csv_dir"):
        assert ours[name].scalar.blob.metadata == theirs.literals[name].scalar.blob.metadata, name
