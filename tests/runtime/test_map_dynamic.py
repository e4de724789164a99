"""Map tasks and dynamic tasks in the container: each serialized by its tool (autoc's own face, and pyflyte over the
same modules through the oracle shim) and run with exactly its serialized container args and environment, as Flyte
runs it (``{{.input}}``, ``{{.outputPrefix}}``, ... filled): ``autoc execute`` against ``pyflyte-map-execute`` /
``pyflyte-execute`` from the oracle. A map element's ``outputs.pb`` and a dynamic task's ``futures.pb`` /
``outputs.pb`` must be equal (for futures, apart from the entrypoint, resolver and runtime each tool writes into the
task templates, and upstream ids as sets)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from flyteidl.core import dynamic_job_pb2, literals_pb2

from tests.conftest import EXAMPLES, SHIM, oracle_venv, run_autoc
from tests.golden import load_dir, normalize_args
from autoc.types import engine

IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]
EXECUTION = {"FLYTE_INTERNAL_EXECUTION_PROJECT": "flytesnacks", "FLYTE_INTERNAL_EXECUTION_DOMAIN": "development",
             "FLYTE_INTERNAL_TASK_VERSION": "v7", "FLYTE_INTERNAL_EXECUTION_ID": "exec1"}


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    """name (without index) -> (autoc's TaskSpec, pyflyte's TaskSpec) for the examples."""
    ours, theirs = tmp_path_factory.mktemp("autoc"), tmp_path_factory.mktemp("pyflyte")
    run_autoc("serialize", EXAMPLES / "workflows", "-o", ours, *IMAGES)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(SHIM)
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "workflows", "serialize", *IMAGES,
                        "workflows", "-f", str(theirs)], cwd=EXAMPLES, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    a = {k.split("_", 1)[1]: v for k, v in load_dir(ours).items() if k.endswith("_1.pb")}
    b = {k.split("_", 1)[1]: v for k, v in load_dir(theirs).items() if k.endswith("_1.pb")}
    return {k: (a[k], b[k]) for k in a if k in b}


def _inputs(path: Path, values: dict, types: dict) -> Path:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].CopyFrom(engine.to_literal(v, types[k]))
    path.write_bytes(lm.SerializeToString())
    return path


def _run(spec, inputs: Path, out: Path, oracle: bool, extra_env=None) -> Path:
    """Run the spec's container args (templates filled) with its environment; returns the output prefix."""
    out.mkdir(parents=True)
    fill = {"{{.input}}": str(inputs), "{{.outputPrefix}}": str(out), "{{.rawOutputDataPrefix}}": str(out / "raw"),
            "{{.checkpointOutputPrefix}}": str(out / "cp"), "{{.prevCheckpointPrefix}}": '""'}
    args = [fill.get(a, a) for a in spec.template.container.args]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "_F_SS_C")}
    env.update(EXECUTION)
    env.update({e.key: e.value for e in spec.template.container.env})
    env.update(extra_env or {})
    if oracle:
        env["PYTHONPATH"] = str(SHIM)
        args[0] = str(oracle_venv() / "bin" / args[0])
    else:
        assert args[:2] == ["autoc", "execute"]
        args[0] = str(Path(os.sys.executable).with_name("autoc"))
    p = subprocess.run(args, cwd=EXAMPLES, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    return out


def _named(specs, prefix: str):
    return next(v for k, v in specs.items() if k.startswith(prefix))


@pytest.mark.parametrize("task, inputs, types, index", [
    ("workflows.maps.map_square_", {"x": [3, 4, 5, 6]}, {"x": list[int]}, 2),
    ("workflows.maps.map_scale_", {"x": [1, 2, 7], "factor": 2.0, "label": "double"},
     {"x": list[int], "factor": float, "label": str}, 1),
    # flytekit's legacy (container_array) map task, the partial binding offset
    ("workflows.maps.map_cube_7a86", {"x": [1, 2, 3], "offset": 1}, {"x": list[int], "offset": int}, 2),
])
def test_a_map_element_runs_like_flytekit_s(specs, tmp_path, task, inputs, types, index):
    ours, theirs = _named(specs, task)
    assert ours.template.container.args[:2] == ["autoc", "execute"]
    assert theirs.template.container.args[0] == "pyflyte-map-execute"
    args = list(ours.template.container.args)
    legacy = "cube" in task
    assert args[args.index("--resolver") + 1] == ("autoc.resolvers.map_task.MapTaskResolver" if legacy else
                                                  "autoc.resolvers.map_task.ArrayNodeMapTaskResolver")
    assert (ours.template.type == "container_array") == legacy
    infile = _inputs(tmp_path / "inputs.pb", inputs, types)
    # the index: the variable BATCH_JOB_ARRAY_INDEX_VAR_NAME names, plus BATCH_JOB_ARRAY_INDEX_OFFSET
    env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX": "1",
           "BATCH_JOB_ARRAY_INDEX_OFFSET": str(index - 1)}
    a = _run(ours, infile, tmp_path / "a", oracle=False, extra_env=env)
    b = _run(theirs, infile, tmp_path / "b", oracle=True, extra_env=env)
    if legacy:  # the array plugin reads each element's outputs under <prefix>/<index>/
        assert os.listdir(a) == os.listdir(b) == [str(index)]
        a, b = a / str(index), b / str(index)
    assert (a / "outputs.pb").read_bytes() and sorted(os.listdir(a)) == ["outputs.pb"]
    mine = literals_pb2.LiteralMap.FromString((a / "outputs.pb").read_bytes())
    assert mine == literals_pb2.LiteralMap.FromString((b / "outputs.pb").read_bytes())
    element = {k: v[index] if k == "x" else v for k, v in inputs.items()}
    expected = element["x"] ** 2 if "square" in task else element["x"] ** 3 + element["offset"] if legacy else \
        element["x"] * element["factor"]
    assert engine.to_python(mine.literals["o0"], type(expected)) == expected


def test_a_map_element_outside_the_list_is_an_error_document(specs, tmp_path):
    ours, _ = _named(specs, "workflows.maps.map_square_")
    infile = _inputs(tmp_path / "inputs.pb", {"x": [1]}, {"x": list[int]})
    out = _run(ours, infile, tmp_path / "a", oracle=False, extra_env={"BATCH_JOB_ARRAY_INDEX_OFFSET": "3"})
    from flyteidl.core import errors_pb2

    doc = errors_pb2.ErrorDocument.FromString((out / "error.pb").read_bytes())
    assert "array index 3 is outside input 'x' (1 items)" in doc.error.message
    assert not (out / "outputs.pb").exists()


def _normalized_job(data: bytes) -> dynamic_job_pb2.DynamicJobSpec:
    job = dynamic_job_pb2.DynamicJobSpec.FromString(data)
    for t in job.tasks:
        t.metadata.ClearField("runtime")
        new = normalize_args(t.container.args)
        del t.container.args[:]
        t.container.args.extend(new)
    for wf_nodes in [job.nodes, *[w.nodes for w in job.subworkflows]]:
        for n in wf_nodes:
            ids = sorted(n.upstream_node_ids)
            del n.upstream_node_ids[:]
            n.upstream_node_ids.extend(ids)
    return job


@pytest.mark.parametrize("task, n, nodes", [("fan_out", 3, 4), ("nested", 2, 3)])
def test_dynamic_futures_equal_flytekit_s(specs, tmp_path, task, n, nodes):
    ours, theirs = specs[f"workflows.dynamic.{task}_1.pb"]
    assert any(e.key == "_F_SS_C" for e in ours.template.container.env)
    infile = _inputs(tmp_path / "inputs.pb", {"n": n}, {"n": int})
    a = _run(ours, infile, tmp_path / "a", oracle=False)
    b = _run(theirs, infile, tmp_path / "b", oracle=True)
    assert sorted(os.listdir(a)) == ["futures.pb"]
    mine = dynamic_job_pb2.DynamicJobSpec.FromString((a / "futures.pb").read_bytes())
    assert len(mine.nodes) == nodes == mine.min_successes and mine.nodes[0].id == "dn0"
    assert {t.id.version for t in mine.tasks} == {"v7"} and {t.id.project for t in mine.tasks} == {"flytesnacks"}
    assert all(t.container.args[:2] == ["autoc", "execute"] for t in mine.tasks)
    if task == "nested":
        assert [w.id.name for w in mine.subworkflows] == ["workflows.dynamic.inc_twice"]
        assert mine.nodes[-1].HasField("array_node")
    assert _normalized_job((a / "futures.pb").read_bytes()) == _normalized_job((b / "futures.pb").read_bytes())


def test_dynamic_body_without_calls_writes_outputs(specs, tmp_path):
    ours, theirs = specs["workflows.dynamic.constant_1.pb"]
    infile = _inputs(tmp_path / "inputs.pb", {"n": 4}, {"n": int})
    a = _run(ours, infile, tmp_path / "a", oracle=False)
    b = _run(theirs, infile, tmp_path / "b", oracle=True)
    assert sorted(os.listdir(a)) == ["outputs.pb"]
    mine = literals_pb2.LiteralMap.FromString((a / "outputs.pb").read_bytes())
    assert mine == literals_pb2.LiteralMap.FromString((b / "outputs.pb").read_bytes())
    assert mine.literals["o0"].scalar.primitive.integer == 8


def test_an_eager_task_is_refused_in_autoc_s_container_and_locally(specs, tmp_path):
    """autoc does not run eager tasks (flytekit's controller drives them): an error document says so, rather than
    running the body some other way."""
    from flyteidl.core import errors_pb2

    from autoc.errors import AutocError

    ours, _ = specs["workflows.eager.add_twice_1.pb"]
    assert ours.template.metadata.is_eager and any(e.key == "_F_SS_C" for e in ours.template.container.env)
    infile = _inputs(tmp_path / "inputs.pb", {"x": 1, "label": "a"}, {"x": int, "label": str})
    out = _run(ours, infile, tmp_path / "a", oracle=False)
    doc = errors_pb2.ErrorDocument.FromString((out / "error.pb").read_bytes())
    assert "autoc does not run @eager tasks" in doc.error.message and doc.error.code.startswith("USER:")
    assert not (out / "outputs.pb").exists()
    cleanup, _ = specs["workflows.eager.add_twice-cleanup_1.pb"]
    assert cleanup.template.type == "eager_failure_handler_task"
    done = _run(cleanup, infile, tmp_path / "c", oracle=False)  # nothing to stop: autoc started no executions
    assert sorted(os.listdir(done)) == ["outputs.pb"]

    import sys

    sys.path.insert(0, str(EXAMPLES))
    try:
        from workflows.eager import add_twice

        with pytest.raises(AutocError, match="autoc does not run @eager tasks"):
            add_twice(x=1)
    finally:
        sys.path.remove(str(EXAMPLES))



DISPATCH = '''
import json, os, tempfile, typing
from flytekit import dynamic, map_task, task
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.core import context_manager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal, LiteralMap, LiteralOffloadedMetadata


@task
def say_hello(name: str) -> str:
    return f"hello {name}!"


@dynamic
def greet_all(names: typing.List[str]) -> typing.List[str]:
    return [say_hello(name=n) for n in names]


def run():
    out = []
    ctx = context_manager.FlyteContextManager.current_context()
    with context_manager.FlyteContextManager.with_context(ctx.with_execution_state(
            ctx.execution_state.with_params(mode=context_manager.ExecutionState.Mode.TASK_EXECUTION))) as ctx:
        lt = TypeEngine.to_literal_type(typing.List[str])
        names = TypeEngine.to_literal(ctx, ["a", "b", "c"], typing.List[str], lt)
        path = os.path.join(tempfile.mkdtemp(), "literal.pb")
        with open(path, "wb") as f:
            f.write(names.to_flyte_idl().SerializeToString())
        offloaded = Literal(offloaded_metadata=LiteralOffloadedMetadata(uri=path, inferred_type=lt))
        os.environ["BATCH_JOB_ARRAY_INDEX_VAR_NAME"] = "IDX"
        for index in ("0", "2"):
            os.environ["IDX"] = index
            for lm in (LiteralMap({"name": names}), LiteralMap({"name": offloaded})):
                res = map_task(say_hello).dispatch_execute(ctx, lm)
                out.append([sorted(res.literals), res.literals["o0"].scalar.primitive.string_value])
        settings = SerializationSettings(project="p", domain="d", version="v",
                                         image_config=ImageConfig.auto(img_name="ghcr.io/a/b:1"))
        with context_manager.FlyteContextManager.with_context(ctx.with_serialization_settings(settings)) as ctx:
            spec = greet_all.dispatch_execute(ctx, LiteralMap({"names": names}))  # the DynamicJobSpec
            out.append([[n.id for n in spec.nodes], [t.id.name for t in spec.tasks], len(spec.outputs)])
    return out
'''

RUN = '''
import importlib, json, sys
sys.path.insert(0, {root!r})
if {face!r}:
    from autoc.sdk.flytekit.imports import flytekit_imports
    with flytekit_imports("1.16.31"):
        m = importlib.import_module("dispatched")
else:
    m = importlib.import_module("dispatched")
print(json.dumps(m.run()))
'''


def test_a_map_task_dispatched_in_a_container_runs_one_element_like_flytekit_s(tmp_path):
    """``dispatch_execute`` of a map task in TASK_EXECUTION (what a container does with it): the element at the
    array index, its own output, also when Flyte offloaded the list; of a dynamic task: its DynamicJobSpec
    (flytekit's tests; the same module through the face and in flytekit)."""
    import json
    import subprocess
    import sys

    from tests.conftest import run_oracle

    (tmp_path / "dispatched.py").write_text(DISPATCH)
    ours = subprocess.run([sys.executable, "-c", RUN.format(root=str(tmp_path), face=True)], cwd=tmp_path,
                          capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr
    theirs = run_oracle(RUN.format(root=str(tmp_path), face=False), cwd=tmp_path)
    assert json.loads(ours.stdout.strip().splitlines()[-1]) == json.loads(theirs) == \
        [[["o0"], "hello a!"]] * 2 + [[["o0"], "hello c!"]] * 2 + [[["dn0", "dn1", "dn2"], ["dispatched.say_hello"], 1]]
