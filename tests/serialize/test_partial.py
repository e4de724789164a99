"""Tasks, workflows and launch plans called through ``functools.partial`` in a workflow body, as flytekit allows:
the same files as pyflyte writes for the same module (keyword and positional partials, made at module level or in
the body, of a task, a subworkflow and a launch plan), and the same local results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import SHIM, run_autoc, run_oracle
from tests.golden import diff, load_dir

MODULE = '''
import functools
import typing

from autoc import LaunchPlan, task, workflow


@task
def add(a: int, b: int, c: str = "x") -> int:
    return a + b + len(c)


@task
def scale(values: typing.List[int], factor: float) -> float:
    return sum(values) * factor


@workflow
def inner(a: int, b: int = 1) -> int:
    return add(a=a, b=b)


plus_two = functools.partial(add, b=2)
seven_plus = functools.partial(add, 7)
inner_b5 = functools.partial(inner, b=5)
inner_lp = LaunchPlan.get_or_create(inner, name="partial_mod_inner_lp", default_inputs={"b": 3})
via_lp = functools.partial(inner_lp, b=4)


@workflow
def outer(a: int) -> float:
    x = plus_two(a=a)
    in_body = functools.partial(add, c="body")
    y = in_body(a=x, b=a)
    z = seven_plus(b=y)
    w = inner_b5(a=z)
    v = via_lp(a=w)
    nested = functools.partial(functools.partial(scale, factor=0.5))
    return nested(values=[x, y, z, w, v])
'''

LOCAL = """
import json, sys
sys.path[:0] = sys.argv[1:]
import partial_mod
print(json.dumps([partial_mod.outer(a=3), partial_mod.inner_b5(a=1), partial_mod.via_lp(a=2)]))
"""


def test_partial_calls_serialize_as_pyflyte_serializes_them(oracle_python, tmp_path):
    src = tmp_path / "src"
    (src / "partial_pkg").mkdir(parents=True)
    (src / "partial_pkg" / "__init__.py").write_text("")
    (src / "partial_pkg" / "partial_mod.py").write_text(MODULE)
    theirs_dir, ours_dir = tmp_path / "pyflyte", tmp_path / "autoc"
    theirs_dir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(SHIM))
    p = subprocess.run([str(oracle_python.with_name("pyflyte")), "--pkgs", "partial_pkg", "serialize", "--image",
                        "ghcr.io/a/b:1", "workflows", "-f", str(theirs_dir)], cwd=src, env=env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    run_autoc("serialize", src / "partial_pkg", "-o", ours_dir, "--image", "ghcr.io/a/b:1")
    theirs, ours = load_dir(theirs_dir), load_dir(ours_dir)
    assert sorted(ours) == sorted(theirs)
    assert any(n.endswith("partial_pkg.partial_mod.outer_2.pb") for n in ours)
    bad = {k: d for k, d in ((k, diff(theirs[k], ours[k])) for k in theirs) if d}
    assert not bad, "\n\n".join(f"{k}:\n{v}" for k, v in bad.items())
    outer = next(v for k, v in ours.items() if k.endswith("outer_2.pb")).template
    kinds = [n.WhichOneof("target") for n in outer.nodes]
    assert kinds == ["task_node", "task_node", "task_node", "workflow_node", "workflow_node", "task_node"]
    assert outer.nodes[2].inputs[0].binding.scalar.primitive.integer == 7  # the positional partial's value
    assert outer.nodes[4].workflow_node.launchplan_ref.name == "partial_mod_inner_lp"


def test_partial_calls_run_locally_as_flytekit_runs_them(tmp_path):
    (tmp_path / "partial_mod.py").write_text(MODULE)
    theirs = json.loads(run_oracle(LOCAL, str(SHIM), str(tmp_path), cwd=tmp_path))
    p = subprocess.run([sys.executable, "-c", LOCAL, str(tmp_path)], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1]) == theirs
