"""Branch and gate nodes (and overridden nodes, imperative workflows) registered into the loopback FlyteAdmin (tests/admin_server), which compiles them as
flytepropeller's compiler does: autoc's specs of examples/workflows/branches.py and gates.py are accepted, and the
workflows flyteadmin refuses (pyflyte's nested-branch subworkflow left out, an is_none() condition, a comparison of
a float with an int constant, a case binding to a node that does not exist) are refused."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from flyteidl.admin import workflow_pb2

from tests.admin_server import AdminServer
from tests.conftest import EXAMPLES, oracle_venv, run_autoc
from tests.sdk_flytekit.corpus import as_flytekit

P, D = "flytesnacks", "development"


@pytest.fixture
def admin(tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db")) as server:
        yield server


def register(admin, path, check=False):
    p = run_autoc("register", path, "--version", "v1", "--endpoint", admin.address, "--insecure", "--output", "json",
                  check=check)
    return p, json.loads(p.stdout) if p.stdout else None


def serialize(tmp_path, *modules, flavor=()):
    pkg = tmp_path / "proj" / "workflows"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for m in modules:
        (pkg / m).write_text((EXAMPLES / "workflows" / m).read_text())
    out = tmp_path / "out"
    run_autoc("serialize", *flavor, "workflows", "-o", out, "-i", "ghcr.io/acme/app:v1", cwd=tmp_path / "proj")
    return out


def user_nodes(template):
    """The template's own nodes: flyteadmin's compiled form adds start-node and end-node."""
    return [n for n in template.nodes if n.id not in ("start-node", "end-node")]


def test_autocs_branches_gates_overrides_and_imperative_workflows_register_and_compile(admin, tmp_path):
    out = serialize(tmp_path, "branches.py", "gates.py", "overrides.py", "imperative.py")
    p, res = register(admin, out)
    assert p.returncode == 0, p.stderr
    assert res["summary_by_kind"]["workflows"] == {"created": 11}
    tuned = admin.workflow(P, D, "workflows.overrides.tuned", "v1").closure.compiled_workflow.primary.template
    assert [n.id for n in user_nodes(tuned)] == ["first", "n1", "n2", "sub-flow"]
    assert user_nodes(tuned)[0].task_node.overrides.extended_resources.gpu_accelerator.device == "nvidia-tesla-t4"
    imperative = admin.workflow(P, D, "imperative_workflow", "v1").closure.compiled_workflow.primary.template
    assert [b.var for b in imperative.outputs] == ["shouted", "count", "both"] and \
        imperative.failure_node.id == "efn"
    wf = admin.workflow(P, D, "workflows.branches.nested", "v1").closure.compiled_workflow.primary.template
    outer = user_nodes(wf)[1].branch_node.if_else
    assert outer.case.then_node.branch_node.if_else.case.then_node.task_node.reference_id.version == "v1"
    assert outer.else_node.workflow_node.launchplan_ref.name == "branches_squared"
    gates = admin.workflow(P, D, "workflows.gates.reviewed", "v1").closure.compiled_workflow.primary.template
    assert [n.WhichOneof("target") for n in user_nodes(gates)] == ["task_node", "gate_node", "gate_node", "task_node"]


QUIRKY = '''
import typing
from autoc import Echo, conditional, task, workflow

echo = Echo(name="echo", inputs={"x": int})


@task
def inc(x: int) -> int:
    return x + 1


@task
def maybe(x: int) -> typing.Optional[int]:
    return x or None


@task
def half(v: float) -> float:
    return v / 2


@workflow
def sub(x: int) -> int:
    return inc(x=x)


@workflow
def deep(x: int, y: int) -> int:
    return (conditional("outer").if_(x > 0)
            .then(conditional("inner").if_(y > 0).then(sub(x=x)).else_().then(inc(x=y)))
            .else_().then(inc(x=x)))


@workflow
def echoed(x: int) -> int:
    return conditional("small").if_(x < 10).then(echo(x=x)).else_().then(inc(x=x))


@workflow
def none_check(x: int) -> typing.Optional[int]:
    m = maybe(x=x)
    return conditional("n").if_(m.is_none()).then(maybe(x=1)).else_().then(maybe(x=2))


@workflow
def int_vs_float(v: float) -> float:
    return conditional("f").if_(v > 1.5).then(half(v=v)).else_().then(half(v=1.0))
'''


def _pyflyte_out(tmp_path):
    root = tmp_path / "q"
    (root / "qpkg").mkdir(parents=True)
    (root / "qpkg" / "__init__.py").write_text("")
    (root / "qpkg" / "quirks.py").write_text(as_flytekit(QUIRKY))
    out = tmp_path / "pyflyte"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",) and not k.startswith("FLYTE")}
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "qpkg", "serialize", "--image", "a/b:1",
                        "workflows", "-f", str(out)], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return out


def _only(out, tmp_path, keep):
    d = tmp_path / f"only-{keep}"
    d.mkdir()
    for f in out.glob("*.pb"):
        name = re.sub(r"^\d+_", "", f.name)
        wf = re.fullmatch(r"qpkg\.quirks\.(\w+)_2\.pb", name)
        if name.endswith("_1.pb") or (wf is not None and wf.group(1) in keep):
            (d / f.name).write_bytes(f.read_bytes())
    return d


def test_what_flyteadmin_refuses_in_pyflytes_branches_is_refused(admin, tmp_path):
    out = _pyflyte_out(tmp_path)
    p, res = register(admin, _only(out, tmp_path, {"sub", "deep"}))
    assert p.returncode == 1
    assert "WorkflowReferenceNotFound" in p.stderr + p.stdout  # the nested branch's subworkflow is missing
    p, _ = register(admin, _only(out, tmp_path, {"none_check"}))
    assert p.returncode == 1 and "Value required [RightValue.Val]" in p.stderr + p.stdout


def test_a_condition_or_case_the_compiler_refuses(admin, tmp_path):
    """Hand-edited specs: a float compared with an int constant; a case bound to a node that does not exist."""
    out = _pyflyte_out(tmp_path)
    d = _only(out, tmp_path, {"int_vs_float"})
    (path,) = d.glob("*int_vs_float_2.pb")
    spec = workflow_pb2.WorkflowSpec.FromString(path.read_bytes())
    cmp = spec.template.nodes[0].branch_node.if_else.case.condition.comparison
    assert cmp.right_value.primitive.float_value == 1.5
    cmp.right_value.primitive.integer = 2
    path.write_bytes(spec.SerializeToString())
    p, _ = register(admin, d)
    assert p.returncode == 1 and "MismatchingTypes" in p.stderr + p.stdout
    spec.template.nodes[0].branch_node.if_else.case.condition.comparison.right_value.primitive.float_value = 1.5
    then = spec.template.nodes[0].branch_node.if_else.case.then_node
    then.inputs[0].binding.promise.node_id = "n7"
    path.write_bytes(spec.SerializeToString())
    p, _ = register(admin, d)
    assert p.returncode == 1 and "NodeReferenceNotFound" in p.stderr + p.stdout
    then.inputs[0].binding.promise.node_id = ""
    path.write_bytes(spec.SerializeToString())
    p, _ = register(admin, d)
    assert p.returncode == 0, p.stderr


def test_autocs_own_flavor_of_the_nested_subworkflow_registers(admin, tmp_path):
    root = tmp_path / "own"
    (root / "qpkg").mkdir(parents=True)
    (root / "qpkg" / "__init__.py").write_text("")
    (root / "qpkg" / "quirks.py").write_text(QUIRKY.replace("m.is_none()", "x == 0"))
    run_autoc("serialize", "qpkg", "-o", tmp_path / "out", "-i", "a/b:1", cwd=root)
    p, res = register(admin, tmp_path / "out")
    assert p.returncode == 0, p.stderr
    deep = admin.workflow(P, D, "qpkg.quirks.deep", "v1").closure.compiled_workflow
    assert [s.template.id.name for s in deep.sub_workflows] == ["qpkg.quirks.sub"]
    echoed = admin.workflow(P, D, "qpkg.quirks.echoed", "v1").closure.compiled_workflow
    assert [t.template.type for t in echoed.tasks] == ["echo", "python-task"]
