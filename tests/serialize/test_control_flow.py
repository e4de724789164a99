"""Conditionals and gate nodes beyond the bundled examples: pyflyte's quirks (reproduced under --sdk flytekit,
fixed in autoc's flavor), the errors a body can make with them (file:line), and local runs against flytekit's."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SHIM, run_autoc, run_oracle, serialize_refused
from tests.golden import diff, load_dir, pyflyte_serialize, write_project
from tests.sdk_flytekit.corpus import as_flytekit

QUIRKS = '''
import datetime
import enum
import typing

from kubernetes.client import V1Container, V1PodSpec

from autoc import T4, Cache, Echo, PodTemplate, Resources, conditional, map_task, sleep, task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def sub(x: int) -> int:
    return inc(x=x)


@workflow
def deep(x: int, y: int) -> int:
    return (conditional("outer").if_(x > 0)
            .then(conditional("inner").if_(y > 0).then(sub(x=x)).else_().then(inc(x=y)))
            .else_().then(inc(x=x)))


@workflow
def napping(x: int) -> int:
    s = sleep(datetime.timedelta(minutes=5))
    i = inc(x=x)
    s >> i
    return i


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@task
def paint(c: Color) -> int:
    return len(c.value)


@workflow
def colored(c: Color) -> int:  # an enum member in a condition is compared as its string value
    return conditional("color").if_(c == Color.RED).then(paint(c=c)).else_().then(paint(c=Color.GREEN))


echo = Echo(name="echo", inputs={"x": int})


@workflow
def echoed(x: int) -> int:  # an Echo task (no container: Flyte's echo plugin passes the input through) in a case
    return conditional("small").if_(x < 10).then(echo(x=x)).else_().then(inc(x=x))


@workflow
def overridden_gate_and_branch(x: int) -> int:  # with_overrides on a gate and on a conditional: node metadata
    s = sleep(datetime.timedelta(minutes=1)).with_overrides(name="nap", timeout=120)
    v = (conditional("c").if_(x > 1).then(inc(x=x)).else_().then(inc(x=2))
         .with_overrides(retries=2, name="cond", node_name="my_cond"))
    s >> v
    return v


@workflow
def overridden(x: int) -> int:
    a = inc(x=x).with_overrides(container_image="{{.image.gpu.fqn}}:{{.image.gpu.version}}")
    return inc(x=a).with_overrides(accelerator=T4, cache=Cache(version="v1")).with_overrides(retries=2)


@task
def shout(s: str) -> str:
    return s.upper()


@workflow
def mapped_overridden(xs: typing.List[str], x: int) -> typing.List[str]:
    # on a map task: node metadata and task overrides into the mapped sub-node; resources in flytekit's order
    ys = map_task(shout)(s=xs).with_overrides(
        requests=Resources(mem="100Mi", ephemeral_storage="500Mi", cpu="1"), limits=Resources(cpu="2"),
        timeout=60, retries=3, name="mapped", interruptible=True)
    inc(x=x).with_overrides(resources=Resources(ephemeral_storage="1Gi", gpu="1", mem=("1Gi", "2Gi"), cpu="1"))
    return ys


@workflow
def mapped_pod(xs: typing.List[str]) -> typing.List[str]:  # a pod template on a map task: its map command merged
    return map_task(shout)(s=xs).with_overrides(pod_template=PodTemplate(
        pod_spec=V1PodSpec(containers=[V1Container(name="primary")]), labels={"team": "ml"}))
'''
IMAGES = ["--image", "a/b:1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


def _project(root: Path, source: str) -> Path:
    return write_project(root, "qpkg", {"quirks.py": source})


def _pyflyte(cwd: Path, out: Path, shim: bool) -> None:
    pyflyte_serialize(cwd, "qpkg", out, IMAGES, shim)


@pytest.fixture(scope="module")
def quirk_outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("quirks")
    own = _project(base / "own", QUIRKS)
    face = _project(base / "face", as_flytekit(QUIRKS))
    _pyflyte(face, base / "pyflyte", shim=False)
    run_autoc("serialize", "qpkg", "-o", base / "autoc", *IMAGES, cwd=own)
    run_autoc("serialize", "--sdk", "flytekit", "qpkg", "-o", base / "face-out", *IMAGES, cwd=face)
    return {k: {re.sub(r"^\d+_", "", n): m for n, m in load_dir(base / k).items()}
            for k in ("pyflyte", "autoc", "face-out")}


def test_sdk_flytekit_reproduces_pyflytes_quirks_exactly(quirk_outputs):
    theirs, ours = quirk_outputs["pyflyte"], quirk_outputs["face-out"]
    assert sorted(theirs) == sorted(ours)
    assert not {k: diff(v, ours[k]) for k, v in theirs.items() if diff(v, ours[k])}
    deep = ours["qpkg.quirks.deep_2.pb"]
    assert [t.id.name for t in deep.sub_workflows] == []  # pyflyte leaves out a nested branch's subworkflow
    sleep_node = ours["qpkg.quirks.napping_2.pb"].template.nodes[0]
    assert sleep_node.metadata.timeout.seconds == 3600 and sleep_node.gate_node.sleep.duration.seconds == 300
    echo = ours["echo_1.pb"].template
    assert echo.type == "echo" and not echo.HasField("container") and list(echo.interface.outputs.variables) == ["o0"]
    nap, cond = ours["qpkg.quirks.overridden_gate_and_branch_2.pb"].template.nodes
    assert (nap.metadata.name, nap.metadata.timeout.seconds) == ("nap", 120)
    assert (cond.id, cond.metadata.name, cond.metadata.retries.retries) == ("my-cond", "cond", 2)
    color = ours["qpkg.quirks.colored_2.pb"].template.nodes[0].branch_node.if_else.case.condition.comparison
    assert color.right_value.primitive.string_value == "red" and color.left_value.var == ".c"
    first, second = ours["qpkg.quirks.overridden_2.pb"].template.nodes
    assert first.task_node.overrides.container_image == "{{.image.gpu.fqn}}:{{.image.gpu.version}}"
    assert not second.task_node.overrides.HasField("extended_resources")  # dropped by the second with_overrides
    assert not second.metadata.HasField("cacheable") and second.metadata.cache_version == "v1"
    mapped, plain = ours["qpkg.quirks.mapped_overridden_2.pb"].template.nodes
    sub = mapped.array_node.node
    assert not mapped.metadata.HasField("timeout") and mapped.metadata.name.endswith("-arraynode")
    assert (sub.metadata.name, sub.metadata.timeout.seconds, sub.metadata.retries.retries) == ("mapped", 60, 3)
    assert [(e.name, e.value) for e in sub.task_node.overrides.resources.requests] == [(1, "1"), (3, "100Mi"),
                                                                                       (5, "500Mi")]
    assert [e.name for e in plain.task_node.overrides.resources.requests] == [1, 3, 2, 5]  # cpu mem gpu storage
    pod = ours["qpkg.quirks.mapped_pod_2.pb"].template.nodes[0].array_node.node.task_node.overrides.pod_template
    assert pod.metadata.labels["team"] == "ml" and pod.primary_container_name == "primary"
    assert pod.pod_spec["containers"][0]["args"][0] == "pyflyte-map-execute"


def _map_pod_entrypoint_normalized(spec):
    """A map node's override pod: its primary container's args as tests/golden normalizes a task's."""
    from google.protobuf import json_format

    from tests.golden import normalize_args

    for n in spec.template.nodes:
        pod = n.array_node.node.task_node.overrides.pod_template
        if pod.HasField("pod_spec"):
            d = json_format.MessageToDict(pod.pod_spec)
            for c in d.get("containers", []):
                c["args"] = normalize_args(c.get("args", []))
            pod.pod_spec.Clear()
            pod.pod_spec.update(d)
    return spec


def test_autoc_flavor_fixes_them_and_nothing_else(quirk_outputs):
    theirs, ours = quirk_outputs["pyflyte"], quirk_outputs["autoc"]
    assert sorted(theirs) == sorted(ours)
    deep, napping = ours["qpkg.quirks.deep_2.pb"], ours["qpkg.quirks.napping_2.pb"]
    assert [t.id.name for t in deep.sub_workflows] == ["qpkg.quirks.sub"]
    assert not napping.template.nodes[0].metadata.HasField("timeout")
    inner = deep.template.nodes[0].branch_node.if_else.case.then_node
    assert inner.id == "n0" and inner.branch_node.if_else.case.then_node.workflow_node.sub_workflow_ref.name == \
        "qpkg.quirks.sub"
    overridden = ours["qpkg.quirks.overridden_2.pb"]
    first, second = overridden.template.nodes
    assert first.task_node.overrides.container_image == "ghcr.io/acme/gpu:v3"
    assert second.task_node.overrides.extended_resources.gpu_accelerator.device == "nvidia-tesla-t4"
    assert second.metadata.cacheable and second.metadata.retries.retries == 2
    fixed = {"qpkg.quirks.deep_2.pb", "qpkg.quirks.napping_2.pb", "qpkg.quirks.overridden_2.pb"}
    pods = {"qpkg.quirks.mapped_pod_2.pb"}  # the map command in the override pod: autoc's own entrypoint
    assert not {k: diff(v, ours[k]) for k, v in theirs.items() if k not in fixed | pods and diff(v, ours[k])}
    for k in pods:
        assert not diff(_map_pod_entrypoint_normalized(theirs[k]), _map_pod_entrypoint_normalized(ours[k]))
    # with the fixes undone, the three workflows are pyflyte's too
    del deep.sub_workflows[:]
    napping.template.nodes[0].metadata.timeout.FromSeconds(3600)
    first.task_node.overrides.container_image = "{{.image.gpu.fqn}}:{{.image.gpu.version}}"
    second.task_node.overrides.ClearField("extended_resources")
    second.metadata.ClearField("cacheable")
    assert not [k for k in fixed if diff(theirs[k], ours[k])]


HEAD = "import datetime\nimport typing\nfrom autoc import task, workflow, conditional, approve, sleep, " \
       "wait_for_input, create_node\n\n@task\ndef double(x: int) -> int:\n    return 2 * x\n\n" \
       "@task\ndef nothing():\n    pass\n\n"


@pytest.mark.parametrize("body, line, text", [
    ("    y = double(x=x)\n    if y == 1:\n        return y\n    return x\n", 16, "testing the truth of"),
    ("    if x > 2 and x < 5:\n        return x\n    return double(x=x)\n", 15, "testing the truth of"),
    ("    return conditional('c').if_(x == 1).then(double(x=x))\n", 15, "conditional 'c' is not finished"),
    ("    return conditional('c').if_(x).then(double(x=x)).else_().then(double(x=x))\n", 15, "a bare promise"),
    ("    return conditional('c').if_(None).then(double(x=x)).else_().then(double(x=x))\n", 15,
     "Required an expression received None for condition:c.if_(...)"),
    ("    return conditional('c').if_(x == 1).then(x).else_().then(double(x=x))\n", 15,
     "needs the result of a call"),
    ("    return conditional('c').if_(x == [1]).then(double(x=x)).else_().then(double(x=x))\n", 15,
     "constants of a primitive type"),
    ("    return conditional('c').if_(x == 1).fail('no')\n", 15, "only else_() can fail()"),
    ("    return conditional('c').if_(double(x=x) == 2).then(double(x=x)).else_().then(double(x=3))\n", 15,
     "called inside the conditional"),
    ("    return conditional('c').if_(x == 1).then(double(x=double(x=x))).else_().then(double(x=3))\n", 15,
     "called inside the conditional"),
    ("    a = None\n    return conditional('c').if_(x == 1).then(a := double(x=x)).else_().then(double(x=a))\n",
     16, "called inside the conditional"),
    ("    return approve(x, 'ok', timeout=datetime.timedelta(minutes=1))\n", 15,
     "workflow inputs cannot be passed to approval nodes"),
    ("    approve(nothing(), 'ok', timeout=datetime.timedelta(minutes=1))\n    return x\n", 15,
     "needs one output of a call"),
    ("    sleep(5)\n    return x\n", 15, "sleep(duration) must be a datetime.timedelta"),
    ("    return (x > 1) & x\n", 15, "& and | join comparisons"),
    ("    return double(x=x).with_overrides(retries=x)\n", 15, "with_overrides(retries=...) cannot take a promise"),
    ("    return double(x=x).with_overrides(retry=3)\n", 15, "unknown keyword(s): retry"),
    ("    return double(x=x).with_overrides(node_name='efn')\n", 15, "Node efn is reserved for the failure node"),
    ("    return double(x=x).with_overrides(cache=True)\n", 15, "must specify the cache version"),
    ("    return double(x=x).with_overrides(requests={'cpu': '1'})\n", 15, "takes a Resources"),
    ("    return double(x=x).with_overrides(timeout='1h')\n", 15, "datetime.timedelta or int seconds"),
    ("    return double(x=x).with_overrides(pod_template=1)\n", 15, "with_overrides(pod_template=...) takes a PodTemplate"),
    ("    n = create_node(double, x)\n    return n.o0\n", 15, "only keyword arguments pass inputs"),
    ("    n = create_node(print, x=x)\n    return n.o0\n", 15, "needs a task, workflow or launch plan"),
])
def test_mistakes_with_conditions_and_gates_name_their_line(unique_pkg, tmp_path, body, line, text):
    pkg = unique_pkg({"m.py": HEAD + "@workflow\ndef wf(x: int) -> int:\n" + body})
    err = serialize_refused(pkg, tmp_path)
    assert f"m.py:{line}:\nerror: " in err and text in err, err


def test_conditional_outside_a_workflow_is_refused_at_its_line(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": HEAD + "c = conditional('top')\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "-i", "a:1", check=False)
    assert p.returncode == 1 and "m.py:13:\nerror: conditional('top') can only be used inside a workflow body" \
        in p.stderr, p.stderr


LOCAL = '''
import json
from workflows.branches import fractions, nested, odd_or_sub, say
from workflows.overrides import created, tuned
from workflows.imperative import wb
out = [wb(in1="hi"), tuned(n=1), created(n=5), fractions(x=0.5), fractions(x=2.0), fractions(x=-1.0),
       nested(x=0.3, n=2), nested(x=0.7, n=2), nested(x=3.0, n=3), odd_or_sub(x=3.0, n=3), odd_or_sub(x=3.0, n=7), odd_or_sub(x=3.0, n=2), say(n=0),
       say(n=1, word="x")]
try:
    fractions(x=0.0)
except Exception as e:
    out.append(f"{type(e).__name__}: {e}")
print(json.dumps(out))
'''


def test_local_runs_of_conditionals_overrides_and_imperative_workflows_give_flytekits_results(tmp_path):
    """The same calls of examples/workflows/branches.py, overrides.py and imperative.py, run locally by flytekit
    (the oracle) and by autoc."""
    from tests.conftest import EXAMPLES, run_local_both

    ours, theirs = run_local_both(LOCAL, EXAMPLES, EXAMPLES, tmp_path)
    assert ours == theirs
    assert '"result: 0.6"' in ours and "ValueError: x must be in" in ours and '["HI!", 2, ["HI!", "HI!!"]]' in ours


@pytest.mark.parametrize("code, line, text", [
    ("wb = Workflow(name='w')\nwb.add_workflow_input('a', int)\nwb.add_workflow_input('a', int)\n", 15,
     "Input a has already been specified"),
    ("wb = Workflow(name='w')\nn = wb.add_entity(double, x=1)\nwb.add_workflow_output('o', [n.outputs['o0']])\n", 15,
     "you must specify the python_type"),
    ("wb = Workflow(name='w')\nwb.add_workflow_input('a', str)\nwb.add_entity(double, x=wb.inputs['a'])\n", 15,
     "expects int but gets workflow input 'a' of type str"),
])
def test_imperative_mistakes_name_their_line(unique_pkg, tmp_path, code, line, text):
    pkg = unique_pkg({"m.py": HEAD.replace("create_node", "create_node, Workflow") + code})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "-i", "a:1", check=False)
    assert p.returncode == 1 and f"m.py:{line}:\nerror: " in p.stderr and text in p.stderr, p.stderr


GATES = '''
import datetime
import io
import json
import sys
import typing

from autoc import approve, dynamic, sleep, task, wait_for_input, workflow


@task
def double(x: int) -> int:
    return 2 * x


@workflow
def gated(x: int) -> typing.Tuple[int, int, bool, typing.List[int]]:
    nap = sleep(datetime.timedelta(minutes=5))
    d = double(x=x)
    nap >> d
    n = wait_for_input("n", timeout=datetime.timedelta(hours=1), expected_type=int)
    ok = wait_for_input("ok", timeout=datetime.timedelta(hours=1), expected_type=bool)
    xs = wait_for_input("xs", timeout=datetime.timedelta(hours=1), expected_type=typing.List[int])
    return double(x=approve(d, "approve-d", timeout=datetime.timedelta(hours=1))), double(x=n), ok, xs


@dynamic
def dyn(x: int) -> int:
    n = wait_for_input("n", timeout=datetime.timedelta(hours=1), expected_type=int)
    return double(x=approve(double(x=n), "approve", timeout=datetime.timedelta(hours=1)))


@workflow
def dyn_wf(x: int) -> int:
    return dyn(x=x)


out = []
for stdin, call in [("3\\nno\\n[1, 2]\\ny\\n", lambda: gated(x=5)), ("x\\n4\\nyes\\n[]\\n\\n", lambda: gated(x=1)),
                    ("2\\ny\\n", lambda: dyn_wf(x=1)), ("3\\nn\\n", lambda: dyn_wf(x=1))]:
    sys.stdin, real = io.StringIO(stdin), sys.stdout
    sys.stdout = io.StringIO()
    try:
        result = call()
    except Exception as e:
        result = [ln[ln.index("User did not"):] for ln in str(e).splitlines() if "did not approve" in ln]
    shown, sys.stdout = sys.stdout.getvalue(), real
    out.append([result, sys.stdin.read(), shown])
print(json.dumps(out))
'''


def test_gates_in_local_runs_read_stdin_as_flytekits(tmp_path):
    """A local run announces a sleep, reads a signal's value from stdin (again after a bad value) and asks for an
    approval (Enter approves; a refusal fails the run), in workflows and in a @dynamic body run locally: the same
    prompts, results and input consumed as flytekit's local run (the oracle)."""
    import sys

    script = tmp_path / "gates.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(SHIM)!r})\n" + GATES)
    theirs = run_oracle(script, cwd=tmp_path)
    p = subprocess.run([sys.executable, "-c", GATES], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    ours = p.stdout.strip().splitlines()[-1]
    assert ours == theirs
    face = ("from autoc.sdk.flytekit.imports import flytekit_imports\nwith flytekit_imports('1.16.31'):\n    exec("
            f"{as_flytekit(GATES)!r})\n")  # the same module written for flytekit, through the face
    p = subprocess.run([sys.executable, "-c", face], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == theirs
    import json

    results = [r[0] for r in json.loads(ours)]
    assert results[:3] == [[20, 6, False, [1, 2]], [4, 8, True, []], 8]
    assert results[3] == ["User did not approve the transaction for gate node approve"]


def test_a_local_run_reports_a_mistake_in_the_body_before_a_missing_input():
    """flytekit compiles a workflow at its decorator, so a bad with_overrides is what a call without its inputs
    reports (flytekit's ValueError says "... either a datetime.timedelta or int seconds"); autoc compiles at the
    first use and now does so before it checks the inputs."""
    from autoc import task, workflow

    @task
    def t1(a: str) -> str:
        return a

    with pytest.raises(ValueError, match="datetime.timedelta or int seconds"):
        @workflow
        def my_wf(a: str) -> str:
            return t1(a=a).with_overrides(timeout="foo")

        my_wf()


def test_a_condition_that_is_not_one_is_also_an_assertion_error_as_in_flytekit():
    from autoc import conditional, task, workflow
    from autoc.errors import WorkflowDefinitionError

    @task
    def yes() -> bool:
        return True

    for cond in (lambda: yes(), lambda: None, lambda: True):
        @workflow
        def wf() -> bool:
            return conditional("c").if_(cond()).then(yes()).else_().then(yes())

        with pytest.raises(AssertionError) as e:
            wf()
        assert isinstance(e.value, WorkflowDefinitionError) and "test_control_flow.py:" in e.value.where


OUTPUTS = '''
import json
import typing

from autoc import Workflow, task, workflow


@task
def two(a: int) -> typing.Tuple[int, str]:
    return a + 1, str(a)


@workflow
def plain(a: int) -> typing.Tuple[int, str]:
    return two(a=a)


wb = Workflow(name="imperative")
wb.add_workflow_input("a", int)
n = wb.add_entity(two, a=wb.inputs["a"])
wb.add_workflow_output("total", n.outputs["o0"])
wb.add_workflow_output("text", n.outputs["o1"])

out = []
for r in (plain(a=1), wb(a=2)):
    out.append([type(r).__name__, list(r._fields), list(r), r[0], getattr(r, r._fields[1])])
print(json.dumps(out))
'''


def test_a_local_run_of_a_workflow_with_several_outputs_gives_flytekits_named_tuple(tmp_path):
    """flytekit's local run returns a workflow's outputs as a DefaultNamedTupleOutput named by the outputs (an
    imperative workflow's r.total); autoc's did a plain tuple."""
    import sys

    script = tmp_path / "outputs.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(SHIM)!r})\n" + OUTPUTS)
    theirs = run_oracle(script, cwd=tmp_path)
    p = subprocess.run([sys.executable, "-c", OUTPUTS], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == theirs
    assert '["DefaultNamedTupleOutput", ["total", "text"], [3, "2"], 3, "2"]' in theirs


REGISTERED = '''
import datetime
import typing

from autoc import Resources, approve, map_task, sleep, task, wait_for_input, workflow


@task
def shout(s: str) -> str:
    return s.upper()


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def mapped_and_gated(xs: typing.List[str], x: int) -> typing.List[str]:
    ys = map_task(shout)(s=xs).with_overrides(requests=Resources(mem="100Mi", ephemeral_storage="500Mi", cpu="1"),
                                              timeout=60, retries=3, name="mapped")
    nap = sleep(datetime.timedelta(minutes=1))
    n = wait_for_input("n", timeout=datetime.timedelta(hours=1), expected_type=int)
    a = inc(x=approve(inc(x=n), "ok", timeout=datetime.timedelta(hours=1))).with_overrides(
        resources=Resources(ephemeral_storage="1Gi", gpu="1", mem=("1Gi", "2Gi"), cpu="1"))
    nap >> a
    return ys
'''


@pytest.mark.parametrize("face", ["own", "face"])
def test_overridden_map_and_gate_nodes_register_into_the_test_flyteadmin(tmp_path, face):
    """The test server compiles workflows as flyteadmin does: a map task's node with its overrides in the sub-node,
    gate nodes and resource overrides register in both faces."""
    import json

    from tests.admin_server import AdminServer

    root = _project(tmp_path, REGISTERED if face == "own" else as_flytekit(REGISTERED))
    args = ["register", "qpkg", "--project", "flytesnacks", "--domain", "development", "--assume-images-exist",
            "--output", "json", "-i", "a/b:1"] + (["--sdk", "flytekit"] if face == "face" else [])
    with AdminServer() as admin:
        p = run_autoc(*args, "--endpoint", admin.address, "--insecure", cwd=root)
        assert json.loads(p.stdout)["workflows"][0]["status"] == "created"
        assert {w.name for w in admin.workflows()} == {"qpkg.quirks.mapped_and_gated"}
