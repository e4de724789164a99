"""The type engine against flytekit in both directions: same LiteralTypes, flytekit's literals read by autoc,
autoc's literals read by flytekit, each to an equal value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flyteidl.core import interface_pb2, literals_pb2

from autoc.types import engine
from tests.conftest import run_oracle
from tests.types.cases import CASES

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def flytekit_written(tmp_path_factory):
    d = tmp_path_factory.mktemp("fk")
    run_oracle(HERE / "oracle.py", "write", str(d), cwd=d)
    lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
    lm.ParseFromString((d / "inputs.pb").read_bytes())
    vm.ParseFromString((d / "types.pb").read_bytes())
    return lm, vm


@pytest.mark.parametrize("name", list(CASES))
def test_literal_types_agree(flytekit_written, name):
    _, vm = flytekit_written
    t, _ = CASES[name]
    assert engine.to_literal_type(t) == vm.variables[name].type


@pytest.mark.parametrize("name", list(CASES))
def test_autoc_reads_flytekit_literals(flytekit_written, name):
    lm, _ = flytekit_written
    t, expected = CASES[name]
    assert engine.to_python(lm.literals[name], t) == expected


def test_flytekit_reads_autoc_literals(tmp_path):
    lm = literals_pb2.LiteralMap()
    for name, (t, v) in CASES.items():
        lm.literals[name].CopyFrom(engine.to_literal(v, t))
    path = tmp_path / "outputs.pb"
    path.write_bytes(lm.SerializeToString())
    line = run_oracle(HERE / "oracle.py", "read", str(path), cwd=tmp_path)
    assert line.startswith("RESULT "), line
    result = json.loads(line[len("RESULT "):])
    assert result == {name: "ok" for name in CASES}


@pytest.mark.parametrize("name", [n for n in CASES if n not in ("bytes",)])
def test_autoc_literals_equal_flytekits(flytekit_written, name):
    """Byte-level: the same literal message flytekit writes (pickles differ only by their random location)."""
    lm, _ = flytekit_written
    t, v = CASES[name]
    assert engine.to_literal(v, t) == lm.literals[name]


def test_naive_datetime_is_taken_as_utc():
    import datetime

    lit = engine.to_literal(datetime.datetime(2024, 1, 2, 3, 4, 5), datetime.datetime)
    assert lit.scalar.primitive.datetime.seconds == 1704164645
    back = engine.to_python(lit, datetime.datetime)
    assert back == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


def test_older_struct_form_of_dataclass_is_read():
    from google.protobuf import struct_pb2

    from tests.types.cases import Point

    s = struct_pb2.Struct()
    s.update({"x": 1.0, "y": 2.0})
    lit = literals_pb2.Literal(scalar=literals_pb2.Scalar(generic=s))
    assert engine.to_python(lit, Point) == Point(1.0, 2.0)


def test_wrong_values_are_errors_naming_the_type():
    from autoc.errors import TypeEngineError

    with pytest.raises(TypeEngineError, match="expected a value of type int"):
        engine.to_literal("x", int)
    with pytest.raises(TypeEngineError, match=r"does not fit Optional\[int\]: expected a value of type int"):
        import typing

        engine.to_literal(1.5, typing.Optional[int])  # (Optional's one variant gives the reason)
