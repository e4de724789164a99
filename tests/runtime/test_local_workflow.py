"""Calling a workflow runs it locally: its nodes in order, each task through the literal round trip. The bundled
example workflows print the same results under autoc as under flytekit's local execution."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXAMPLES, SHIM, run_oracle

SCRIPT = """
import sys
sys.path[:0] = {paths!r}
from workflows.pipelines import training, report, numbers, nested, backfill
from workflows.handlers import guarded, documented
show = lambda x: print("R:", repr(tuple(x) if type(x).__name__ == "DefaultNamedTupleOutput" else x))
show(training(day="d"))
show(report(day="d", note="n"))
show(report("d"))
show(numbers(3))
show(nested(day="d"))
show(backfill())
show(guarded(day="g"))
show(documented(day="z"))
from workflows.maps import sum_of_squares, doubled, tolerant, cubes_on_the_array_plugin, offset_cubes
from workflows.maps import tripled
from workflows.dynamic import uses_dynamic, nested, constant
show(sum_of_squares(xs=[1, 2, 3]))
show(doubled(xs=[1, 2]))
show(tolerant(xs=[1, -1, 2], factors=[1.0, 3.0, 0.5], labels=["a", "b", "c"]))
show(cubes_on_the_array_plugin(xs=[1, 2, 3], offsets=[0, 1, 2]))
show(offset_cubes(xs=[2, 3]))
from autoc import array_node
show(array_node(tripled, min_successes=1)(x=[5]))
show(uses_dynamic(n=3))
show(nested(n=2))
show(constant(n=4))
print("R: END")
"""


def test_examples_run_locally_with_flytekit_s_results():
    ours = subprocess.run([sys.executable, "-c", SCRIPT.format(paths=[str(EXAMPLES)])], cwd=EXAMPLES,
                          capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr
    script = SCRIPT.format(paths=[str(SHIM), str(EXAMPLES)])  # `from autoc import ...` maps to flytekit
    theirs = run_oracle(f"import subprocess, sys\np = subprocess.run([sys.executable, '-c', {script!r}], "
                        "capture_output=True, text=True)\nprint(repr(p.stdout))", cwd=EXAMPLES)
    expected = [line for line in eval(theirs).splitlines() if line.startswith("R:")]  # noqa: S307 - our output
    assert expected[-1] == "R: END" and len(expected) == 18
    assert "R: [1.0, None, 1.0]" in expected  # a failed map element is None within min_success_ratio
    assert "R: [1, 9, 29]" in expected and "R: [9, 28]" in expected  # the legacy map task's
    assert "R: [15.0]" in expected  # an array node over a launch plan
    assert [line for line in ours.stdout.splitlines() if line.startswith("R:")] == expected
    assert "R: Scores(accuracy=0.952" in ours.stdout and "R: (3, '3')" in ours.stdout


def test_a_workflow_file_runs_as_a_script(tmp_path):
    script = tmp_path / "pipeline.py"
    script.write_text("from autoc import task, workflow\n\n@task\ndef inc(x: int) -> int:\n    return x + 1\n\n"
                      "@workflow\ndef wf(x: int = 1) -> int:\n    return inc(x=inc(x=x))\n\n"
                      "if __name__ == '__main__':\n    print(wf(x=5), wf(), wf(2))\n")
    p = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == "7 3 4\n", p.stderr


def test_an_array_node_in_a_workflow_runs_locally_where_flytekit_s_local_run_fails():
    """flytekit 1.16.31 runs an ``array_node`` locally only on constant lists: inside a workflow run its inputs are
    promises and it raises "Expected a list of <class 'int'> but got <class '...Promise'> instead". autoc maps the
    values (README, Workflows: a deliberate difference)."""
    script = ("import sys\nsys.path[:0] = {paths!r}\nfrom workflows.maps import fan_out, fan_out_twice\n"
              "print(fan_out(xs=[1, 2]), fan_out_twice(xs=[1, 2], factors=[1.0, 2.0]))\n")
    ours = subprocess.run([sys.executable, "-c", script.format(paths=[str(EXAMPLES)])], cwd=EXAMPLES,
                          capture_output=True, text=True)
    assert ours.returncode == 0 and ours.stdout == "[3.0, 6.0] [1.0, 8.0]\n", ours.stderr
    theirs = run_oracle(f"import subprocess, sys\np = subprocess.run([sys.executable, '-c', "
                        f"{script.format(paths=[str(SHIM), str(EXAMPLES)])!r}], capture_output=True, text=True)\n"
                        "print(p.returncode, 'but got' in p.stderr and 'Promise' in p.stderr)", cwd=EXAMPLES)
    assert theirs.split() == ["1", "True"]
