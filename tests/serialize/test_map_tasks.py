"""map_task / array_node_map_task against pyflyte 1.16.31, in both faces: a module mapping one partial from two
workflows, a task object, min_successes and run_all_sub_nodes. pyflyte writes a map task once per ``map_task(...)``
call (the same file twice here); ``--sdk flytekit`` does the same, autoc's own flavor writes it once. Mistakes are
refused with the call's file:line."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHIM, oracle_venv, run_autoc, serialize_refused
from tests.golden import diff, load_dir

MODULE = '''
import functools
import typing
from {imp} import task, workflow, map_task, PythonInstanceTask, PodTemplate, Resources
{imp2}


@task(pod_template=PodTemplate(primary_container_name="main", labels={{"a": "b"}}), requests=Resources(cpu="1"),
      environment={{"K": "V"}})
def in_pod(x: int) -> int:
    return x


@task(retries=1, interruptible=True)
def scale(x: int, factor: float = 1.0) -> float:
    return x * factor


class Echo(PythonInstanceTask):
    def __init__(self, name):
        super().__init__(name=name, task_config=None, interface=Interface(inputs={{"x": int}}, outputs={{"o0": int}}))

    def execute(self, x: int) -> int:
        return x


echo = Echo(name="echo")
double = functools.partial(scale, factor=2.0)


@workflow
def first(xs: typing.List[int]) -> typing.List[float]:
    return map_task(double)(x=xs)


@workflow
def second(xs: typing.List[int]) -> typing.List[float]:
    return map_task(double)(x=xs)


@workflow
def options(xs: typing.List[int]) -> typing.List[typing.Optional[int]]:
    map_task(scale, min_successes=2, run_all_sub_nodes=True)(x=xs, factor=[1.0, 2.0])
    map_task(in_pod)(x=xs)
    return array_node_map_task(echo, min_success_ratio=0.75)(x=xs)
'''


def _project(tmp_path: Path, flytekit: bool) -> Path:
    root = tmp_path / ("fk" if flytekit else "ac")
    (root / "mp").mkdir(parents=True)
    (root / "mp" / "__init__.py").write_text("")
    imp2 = "from flytekit.core.array_node_map_task import array_node_map_task\n" \
           "from flytekit.core.interface import Interface" if flytekit else \
        "from autoc import array_node_map_task, Interface"
    (root / "mp" / "m.py").write_text(MODULE.format(imp="flytekit" if flytekit else "autoc", imp2=imp2))
    return root


def _pyflyte(root: Path, out: Path, shim: bool) -> dict:
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if shim:
        env["PYTHONPATH"] = str(SHIM)
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "mp", "serialize", "--image",
                        "ghcr.io/a/b:1", "workflows", "-f", str(out)], cwd=root, env=env, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    return load_dir(out)


def test_flytekit_face_writes_every_map_task_call_as_pyflyte_does(tmp_path):
    root = _project(tmp_path, flytekit=True)
    theirs = _pyflyte(root, tmp_path / "p", shim=False)
    run_autoc("serialize", "--sdk", "flytekit==1.16.31", "mp", "-o", tmp_path / "a", "-i", "ghcr.io/a/b:1", cwd=root)
    ours = load_dir(tmp_path / "a")
    assert sorted(ours) == sorted(theirs)
    assert {k: v for k, v in ours.items()} == theirs
    maps = [k for k in ours if k.endswith("-arraynode_1.pb")]
    assert len(maps) == 5 and len({k.split("_", 1)[1] for k in maps}) == 4  # the partial's map task twice
    pod = next(v for k, v in ours.items() if "map_in_pod_" in k).template
    assert pod.k8s_pod.pod_spec["containers"][0]["args"][0] == "pyflyte-map-execute"
    assert any("python-task.map_echo_" in k for k in maps)  # a task object: named by its task type and variable


def test_autoc_face_writes_a_repeated_map_task_once_and_equal_to_pyflyte_s(tmp_path):
    root = _project(tmp_path, flytekit=False)
    theirs = _pyflyte(root, tmp_path / "p", shim=True)
    run_autoc("serialize", "mp", "-o", tmp_path / "a", "-i", "ghcr.io/a/b:1", cwd=root)
    ours = load_dir(tmp_path / "a")

    def by_name(files: dict) -> dict:
        return {re.sub(r"^\d+_", "", k): v for k, v in files.items()}

    assert len(ours) == len(theirs) - 1
    assert list(by_name(ours)) == list(dict.fromkeys(re.sub(r"^\d+_", "", k) for k in sorted(theirs)))
    a, b = by_name(ours), by_name(theirs)
    bad = {k: diff(b[k], a[k]) for k in a if diff(b[k], a[k])}
    assert not bad, bad
    options = a["mp.m.options_2.pb"].template.nodes
    arr = options[0].array_node
    assert arr.min_success_ratio == 1.0 and not arr.HasField("min_successes")  # the ratio wins, as in pyflyte
    assert arr.run_all_sub_nodes and list(arr.bound_inputs) == []
    assert arr.node.metadata.retries.retries == 1 and arr.node.metadata.interruptible
    assert options[2].array_node.min_success_ratio == 0.75
    assert options[2].array_node.execution_mode == 1  # FULL_STATE: a subclass of a task class, as in pyflyte


@pytest.mark.parametrize("body, text", [
    ("@task\ndef two(x: int) -> typing.Tuple[int, int]:\n    return x, x\n\nm = map_task(two)\n",
     "only tasks with a single output can be mapped"),
    ("m = map_task(functools.partial(scale, 2))\n", "with positional arguments"),
    ("m = map_task(functools.partial(scale, nope=2))\n", "binds unknown input(s) nope"),
    ("from autoc import dynamic\n\n@dynamic\ndef d(x: int) -> int:\n    return x\n\nm = map_task(d)\n",
     "map_task needs a task"),
    ("from autoc import LaunchPlan\n\n@workflow\ndef w(x: int, y: int) -> typing.Tuple[float, float]:\n"
     "    return scale(x=x), scale(x=y)\n\nm = map_task(LaunchPlan.get_or_create(w))\n",
     "m.w): Only tasks with a single output"),  # a launch plan is mapped by an ArrayNode
    # flytekit's legacy map task (a ValueError in flytekit too)
    ("from autoc.core import legacy_map_task\n\nm = legacy_map_task.map_task(functools.partial(scale, factor=[1.0]))\n",
     "the partial binds input 'factor' to a list"),
    ("from autoc.core import legacy_map_task\n\n@workflow\ndef w(x: int) -> float:\n    return scale(x=x)\n\n"
     "m = legacy_map_task.map_task(w)\n", "map_task needs a task"),
])
def test_what_cannot_be_mapped_is_refused_at_its_line(unique_pkg, tmp_path, body, text):
    head = "import functools\nimport typing\nfrom autoc import task, workflow, map_task\n\n@task\n" \
           "def scale(x: int, factor: float = 1.0) -> float:\n    return x * factor\n\n"
    pkg = unique_pkg({"m.py": head + body})
    err = serialize_refused(pkg, tmp_path)
    line = (head + body).splitlines().index(next(x for x in (head + body).splitlines() if "map_task(" in x)) + 1
    assert f"m.py:{line}:" in err and text in err, err


def test_both_faces_register_their_map_tasks_and_rerun_unchanged(tmp_path):
    """Into the loopback FlyteAdmin, which compiles each ArrayNode against its registered map task: a repeated map
    task (``--sdk flytekit`` sends it once per call, as pyflyte does) is accepted, and a second run changes nothing."""
    import json

    from tests.admin_server import AdminServer

    for flytekit in (False, True):
        root = _project(tmp_path, flytekit=flytekit)
        sdk = ["--sdk", "flytekit==1.16.31"] if flytekit else []
        with AdminServer() as admin:
            runs = [json.loads(run_autoc("register", *sdk, "mp", "--endpoint", admin.address, "--insecure",
                                         "--project", "flytesnacks", "--domain", "development", "--version", "v1",
                                         "--copy", "none", "--assume-images-exist", "--output", "json",
                                         "-i", "ghcr.io/a/b:1", cwd=root).stdout) for _ in range(2)]
            maps = [e for e in runs[0]["entities"] if e["name"].endswith("-arraynode")]
            assert len(maps) == (5 if flytekit else 4) and len({e["name"] for e in maps}) == 4
            assert runs[0]["ok"] and set(runs[1]["summary"]) == {"unchanged"}
            assert admin.calls["CreateWorkflow"] >= 3


REFERENCES = '''
import typing
from {imp} import reference_launch_plan, reference_task, workflow
{imp2}


@reference_task(project="p", domain="d", name="ref.t", version="v1")
def ref_t(x: int) -> int:
    ...


@reference_launch_plan(project="p", domain="d", name="ref.lp", version="v2")
def ref_lp(x: int, label: str) -> str:
    ...


@workflow
def over_refs(xs: typing.List[int], labels: typing.List[str]) -> typing.List[str]:
    ys = array_node(ref_t, concurrency=3)(x=xs)
    return map_task(ref_lp, min_success_ratio=0.5)(x=ys, label=labels).with_overrides(retries=1)
'''


@pytest.mark.parametrize("flytekit", [False, True])
def test_array_nodes_over_reference_entities_are_pyflyte_s(tmp_path, flytekit):
    """array_node / map_task over a reference task (MINIMAL_STATE, one input file per element) and a reference
    launch plan: the nodes pyflyte writes, in both faces (a reference is not serialized on its own)."""
    root = tmp_path / "proj"
    (root / "rf").mkdir(parents=True)
    (root / "rf" / "__init__.py").write_text("")
    imp2 = "from flytekit import map_task\nfrom flytekit.core.array_node import array_node" if flytekit else \
        "from autoc import array_node, map_task"
    (root / "rf" / "m.py").write_text(REFERENCES.format(imp="flytekit" if flytekit else "autoc", imp2=imp2))
    out = tmp_path / "p"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if not flytekit:
        env["PYTHONPATH"] = str(SHIM)
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "rf", "serialize", "--image",
                        "ghcr.io/a/b:1", "workflows", "-f", str(out)], cwd=root, env=env, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    theirs = load_dir(out)
    run_autoc("serialize", *(["--sdk", "flytekit==1.16.31"] if flytekit else []), "rf", "-o", tmp_path / "a",
              "-i", "ghcr.io/a/b:1", cwd=root)
    ours = load_dir(tmp_path / "a")
    assert sorted(ours) == sorted(theirs) == ["0_rf.m.over_refs_2.pb", "1_rf.m.over_refs_3.pb"]
    bad = {k: diff(theirs[k], ours[k]) for k in ours if diff(theirs[k], ours[k])}
    assert not bad, bad
    first, second = ours["0_rf.m.over_refs_2.pb"].template.nodes
    assert first.array_node.node.task_node.reference_id.name == "ref.t" and first.array_node.data_mode == 1
    assert second.array_node.node.workflow_node.launchplan_ref.version == "v2"
    assert second.array_node.node.metadata.retries.retries == 1 and second.array_node.execution_mode == 1
