"""End to end: ``autoc serialize`` -> the container args from the .pb -> templates filled the way Flyte fills
them -> run as a subprocess -> outputs.pb read back by flytekit. And the same over S3 (a real S3-compatible
server on loopback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2
from google.protobuf import json_format

from autoc.types import engine
from tests.conftest import EXAMPLES, REPO, SHIM, run_autoc, run_oracle
from tests.golden import load_dir

WRITE_INPUTS = """
import sys
sys.path[:0] = [{examples!r}, {shim!r}]
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
{setup}
ctx = FlyteContextManager.current_context()
lm = TypeEngine.dict_to_literal_map(ctx, VALUES, TYPES)
open({path!r}, "wb").write(lm.to_flyte_idl().SerializeToString())
"""

READ_OUTPUTS = """
import sys
sys.path[:0] = [{examples!r}, {shim!r}]
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flyteidl.core import literals_pb2
{setup}
pb = literals_pb2.LiteralMap(); pb.ParseFromString(open({path!r}, "rb").read())
got = TypeEngine.literal_map_to_kwargs(FlyteContextManager.current_context(), LiteralMap.from_flyte_idl(pb), TYPES)
assert got == EXPECTED, (got, EXPECTED)
print("OK")
"""


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    out = tmp_path_factory.mktemp("specs")
    run_autoc("serialize", EXAMPLES / "workflows", "-o", out, "--image", "ghcr.io/acme/app:v1", "--image",
              "gpu=ghcr.io/acme/gpu:v3")
    return {s.template.id.name: s for f, s in load_dir(out).items() if f.endswith("_1.pb")}


def container_args(spec) -> list:
    if spec.template.HasField("container"):
        return list(spec.template.container.args)
    pod = json_format.MessageToDict(spec.template.k8s_pod.pod_spec)
    primary = spec.template.config["primary_container_name"]
    return next(c["args"] for c in pod["containers"] if c["name"] == primary)


def fill(args, tmp_path, inputs) -> list:
    """What Flyte's propeller does with the templates."""
    values = {"{{.input}}": str(inputs), "{{.outputPrefix}}": str(tmp_path / "out"),
              "{{.rawOutputDataPrefix}}": str(tmp_path / "raw"),
              "{{.checkpointOutputPrefix}}": str(tmp_path / "cp"), "{{.prevCheckpointPrefix}}": ""}
    return [values.get(a, a) for a in args]


def run_in_container(args, cwd=EXAMPLES, env=None):
    assert args[:2] == ["autoc", "execute"]
    full_env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", **(env or {}))
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True)


def oracle(template, **kw) -> str:
    """Fill ``template`` and run it with flytekit's Python; its last line of output."""
    return run_oracle(template.format(examples=str(EXAMPLES), shim=str(SHIM), **kw), cwd=Path("/"))


CASES = {
    "workflows.basic.add": ("VALUES = {'a': 2, 'b': 3}; TYPES = {'a': int, 'b': int}",
                            "TYPES = {'o0': int}; EXPECTED = {'o0': 5}"),
    "workflows.basic.greet": ("VALUES = {'name': 'Ada'}; TYPES = {'name': str}",
                              "TYPES = {'o0': str}; EXPECTED = {'o0': 'Hello Ada.'}"),
    "workflows.basic.describe": ("VALUES = {'values': [1.0, 3.0]}; import typing; TYPES = {'values': typing.List[float]}",
                                 "TYPES = {'mean': float, 'count': int}; EXPECTED = {'mean': 2.0, 'count': 2}"),
    "workflows.basic.split": ("VALUES = {'text': 'a b'}; TYPES = {'text': str}",
                              "TYPES = {'o0': str, 'o1': int}; EXPECTED = {'o0': 'a b', 'o1': 2}"),
    "workflows.basic.modern": ("VALUES = {'xs': [1, 2], 'm': {'k': ['v']}}; TYPES = {'xs': list[int], "
                               "'m': dict[str, list[str]]}", "TYPES = {'o0': list[str]}; EXPECTED = {'o0': ['1', '2']}"),
    "examples.shout": ("VALUES = {'message': 'hi'}; TYPES = {'message': str}",
                       "TYPES = {'o0': str}; EXPECTED = {'o0': '!!! hi'}"),
    "workflows.pods.in_pod": ("VALUES = {'x': 7}; TYPES = {'x': int}", "TYPES = {'o0': int}; EXPECTED = {'o0': 7}"),
    "workflows.text.__init__.count_words": ("VALUES = {'text': 'a b c'}; TYPES = {'text': str}",
                                            "TYPES = {'o0': int, 'o1': str}; EXPECTED = {'o0': 3, 'o1': 'A B C'}"),
    "workflows.text.reverse": ("VALUES = {'text': 'abc'}; TYPES = {'text': str}",
                               "TYPES = {'o0': str}; EXPECTED = {'o0': 'cba'}"),
    "workflows.generic.thrice": ("VALUES = {'word': 'ab'}; TYPES = {'word': str}",
                                 "TYPES = {'o0': str}; EXPECTED = {'o0': 'ababab'}"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_serialized_args_run_and_flytekit_reads_the_outputs(specs, tmp_path, name):
    setup_in, setup_out = CASES[name]
    inputs = tmp_path / "inputs.pb"
    oracle(WRITE_INPUTS, setup=setup_in, path=str(inputs))
    p = run_in_container(fill(container_args(specs[name]), tmp_path, inputs))
    assert p.returncode == 0 and not (tmp_path / "out" / "error.pb").exists(), p.stderr
    assert "OK" in oracle(READ_OUTPUTS, setup=setup_out, path=str(tmp_path / "out" / "outputs.pb"))


def test_dataclass_inputs_written_by_flytekit(specs, tmp_path):
    setup = ("import datetime\nfrom workflows.basic import Shape, Point, Color\n"
             "VALUES = dict(i=1, f=2.0, s='s', b=True, raw=b'x', when=datetime.datetime(2024, 1, 1), "
             "day=datetime.date(2024, 1, 2), how_long=datetime.timedelta(seconds=5), names=['n'], nested=[[1]], "
             "scores={'a': 1.0}, loose={'k': [1, None]}, maybe=None, either='e', color=Color.RED, "
             "shape=Shape([Point(1.0, 2.0)], Color.GREEN, {'m': 1}), shapes={'s': Shape([], Color.RED)})\n"
             "import typing\nfrom workflows.basic import everything\n"
             "TYPES = typing.get_type_hints(everything.task_function)\nTYPES.pop('return')")
    inputs = tmp_path / "inputs.pb"
    oracle(WRITE_INPUTS, setup=setup, path=str(inputs))
    p = run_in_container(fill(container_args(specs["workflows.basic.everything"]), tmp_path, inputs))
    assert p.returncode == 0 and (tmp_path / "out" / "outputs.pb").read_bytes() == b"", p.stderr


# --- S3 -----------------------------------------------------------------------------------------------------------
def _s3_execute(env, task_name, inputs, prefix):
    return run_autoc("execute", "--inputs", inputs, "--output-prefix", f"{prefix}/out",
                     "--raw-output-data-prefix", f"{prefix}/raw", "--resolver", "autoc.resolvers.default_task_resolver",
                     "--", "task-module", "tests.runtime.rtpkg.tasks", "task-name", task_name, cwd=REPO, env=env)


def test_s3_inputs_outputs_and_files(s3):
    fs, env = s3
    lm = literals_pb2.LiteralMap()
    lm.literals["text"].CopyFrom(engine.to_literal("in the bucket", str))
    fs.pipe("autoc-test/run1/inputs.pb", lm.SerializeToString())
    _s3_execute(env, "write_file", "s3://autoc-test/run1/inputs.pb", "s3://autoc-test/run1")
    out = literals_pb2.LiteralMap()
    out.ParseFromString(fs.cat("autoc-test/run1/out/outputs.pb"))
    uri = out.literals["o0"].scalar.blob.uri
    assert uri.startswith("s3://autoc-test/run1/raw/")
    assert fs.cat(uri) == b"in the bucket"

    lm2 = literals_pb2.LiteralMap()
    lm2.literals["f"].CopyFrom(out.literals["o0"])
    fs.pipe("autoc-test/run2/inputs.pb", lm2.SerializeToString())
    _s3_execute(env, "read_file", "s3://autoc-test/run2/inputs.pb", "s3://autoc-test/run2")
    back = literals_pb2.LiteralMap()
    back.ParseFromString(fs.cat("autoc-test/run2/out/outputs.pb"))
    assert engine.to_python(back.literals["o0"], str) == "in the bucket"


def test_s3_missing_inputs_write_error_document_to_s3(s3):
    from flyteidl.core import errors_pb2

    fs, env = s3
    _s3_execute(env, "add", "s3://autoc-test/nowhere/inputs.pb", "s3://autoc-test/run3")
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(fs.cat("autoc-test/run3/out/error.pb"))
    assert doc.error.code == "SYSTEM:InputsNotFound"
    assert not fs.exists("autoc-test/run3/out/outputs.pb")
