"""Reference entities (``reference_task``, ``reference_launch_plan``, ``reference_workflow``,
``get_reference_entity``): nodes naming registered entities, as pyflyte 1.16.31 writes them, in both faces; the
mistakes pyflyte refuses are refused at their line; the workflows register into the loopback FlyteAdmin only
when what they reference is registered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.admin_server import AdminServer
from tests.conftest import run_autoc, run_local_both, run_oracle, serialize_refused
from tests.golden import diff, load_dir, pyflyte_serialize, write_project
from tests.sdk_flytekit.corpus import as_flytekit

#: the entities the references name, registered first
PROVIDER = '''
import typing
from autoc import LaunchPlan, task, workflow


@task
def normalize(csv_url: str, column_names: typing.List[str], n: typing.Optional[int] = None) -> str:
    return csv_url


@task
def no_io():
    pass


@task
def pair(a: int, b: str) -> typing.Tuple[int, str]:
    return a, b


@workflow
def squares(a: int, b: str) -> typing.Tuple[int, str]:
    return pair(a=a, b=b)


squares_lp = LaunchPlan.get_or_create(squares, name="squares_lp")
'''

REFS = '''
import datetime
import typing
from autoc import (LaunchPlan, Resources, conditional, create_node, get_reference_entity, kwtypes,
                   reference_launch_plan, reference_task, reference_workflow, task, workflow)


@reference_task(project="flytesnacks", domain="development", name="rpkg.provider.normalize", version="v1")
def normalize(csv_url: str, column_names: typing.List[str], n: typing.Optional[int] = 3) -> str:
    """The registered task's interface (the body never runs; the default is dropped, as pyflyte drops it)."""
    ...


@reference_task(project="flytesnacks", domain="development", name="rpkg.provider.no_io",
                version="{{ registration.version }}")
def no_io():
    ...


@reference_launch_plan(project="flytesnacks", domain="development", name="squares_lp", version="v1")
def squares(a: int, b: str) -> typing.Tuple[int, str]:
    ...


@reference_workflow(project="flytesnacks", domain="development", name="rpkg.provider.squares", version="v1")
def squares_wf(a: int, b: str) -> typing.Tuple[int, str]:
    return 1, "a"


# a launch plan of a registered workflow: its workflow_id is the reference's id
squares_again = LaunchPlan.get_or_create(squares_wf, name="squares_again", default_inputs={"b": "x"})

pair = get_reference_entity(1, "flytesnacks", "development", "rpkg.provider.pair", "v1",
                            inputs=kwtypes(a=int, b=str), outputs=kwtypes(o0=int, o1=str))


@task
def inc(a: int) -> int:
    return a + 1


@workflow
def wf(x: int = 2) -> str:
    no_io()
    y = inc(a=x)
    i, s = squares(a=y, b="hi")
    return normalize(csv_url="https://a.b/c.csv", column_names=["A", s], n=i)


@workflow
def optional_unbound(x: int) -> str:  # an Optional input may be left out: bound to None
    return normalize(csv_url="s3://b/c.csv", column_names=[])


@workflow
def branched(x: int) -> int:
    return conditional("big").if_(x > 10).then(pair(a=x, b="big").o0).else_().then(inc(a=x))


@workflow
def created(x: int) -> int:
    first = create_node(no_io)
    p = create_node(pair, a=x, b="c").with_overrides(retries=3, name="paired", timeout=datetime.timedelta(minutes=2),
                                                       requests=Resources(cpu="2"))
    first >> p
    return p.o0
'''
IMAGES = ["--image", "a/b:1"]


def _project(root: Path, files: dict) -> Path:
    return write_project(root, "rpkg", files)


def _pyflyte(cwd: Path, out: Path) -> None:
    pyflyte_serialize(cwd, "rpkg", out, IMAGES)


def _strip(d: dict) -> dict:
    return {re.sub(r"^\d+_", "", n): m for n, m in d.items()}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("refs")
    files = {"refs.py": REFS}
    own = _project(base / "own", files)
    face = _project(base / "face", {k: as_flytekit(v) for k, v in files.items()})
    _pyflyte(face, base / "pyflyte")
    run_autoc("serialize", "rpkg", "-o", base / "autoc", *IMAGES, cwd=own)
    run_autoc("serialize", "--sdk", "flytekit", "rpkg", "-o", base / "face-out", *IMAGES, cwd=face)
    return {k: _strip(load_dir(base / k)) for k in ("pyflyte", "autoc", "face-out")} | {"base": base}


@pytest.mark.parametrize("flavor", ["face-out", "autoc"])
def test_reference_nodes_are_pyflytes_in_both_faces(outputs, flavor):
    theirs, ours = outputs["pyflyte"], outputs[flavor]
    assert sorted(theirs) == sorted(ours)
    assert not {k: diff(v, ours[k]) for k, v in theirs.items() if diff(v, ours[k])}
    # the referenced entities are nodes only: no file of their own
    assert not [k for k in ours if any(n in k for n in ("normalize", "no_io", "squares", "pair"))
                and k != "squares_again_3.pb"]
    wf_id = ours["squares_again_3.pb"].spec.workflow_id
    assert (wf_id.project, wf_id.name, wf_id.version) == ("flytesnacks", "rpkg.provider.squares", "v1")
    nodes = ours["rpkg.refs.wf_2.pb"].template.nodes
    assert [n.id for n in nodes] == ["n0", "n1", "n2", "n3"]
    ref = nodes[0].task_node.reference_id
    assert (ref.project, ref.domain, ref.name, ref.version) == ("flytesnacks", "development", "rpkg.provider.no_io",
                                                                "{{ registration.version }}")
    assert not nodes[0].task_node.HasField("overrides") and nodes[0].metadata.name == "no_io"
    assert nodes[2].workflow_node.launchplan_ref.name == "squares_lp"
    assert nodes[1].task_node.reference_id.name == "rpkg.refs.inc" and not nodes[1].task_node.reference_id.project
    unbound = ours["rpkg.refs.optional_unbound_2.pb"].template.nodes[0]
    n = [b.binding.scalar.union for b in unbound.inputs if b.var == "n"]
    assert len(n) == 1 and n[0].value.scalar.WhichOneof("value") == "none_type"
    case = ours["rpkg.refs.branched_2.pb"].template.nodes[0].branch_node.if_else.case.then_node
    assert case.task_node.reference_id.name == "rpkg.provider.pair"
    created = ours["rpkg.refs.created_2.pb"].template.nodes
    assert (created[1].metadata.name, created[1].metadata.retries.retries, created[1].metadata.timeout.seconds) == \
        ("paired", 3, 120)
    assert not created[1].task_node.HasField("overrides")  # pyflyte writes no overrides on a reference task node


HEAD = "import typing\nfrom autoc import reference_launch_plan, reference_task, reference_workflow, workflow\n\n" \
       "@reference_workflow(project='p', domain='d', name='w', version='v')\ndef rw(a: int) -> int:\n" \
       "    return a\n\n@reference_task(project='p', domain='d', name='t', version='v')\n" \
       "def rt(a: int, b: str = 'x') -> int:\n    ...\n\n"


@pytest.mark.parametrize("body, line, text", [
    ("    return rw(a=x)\n", 14, "Reference sub-workflows are currently unsupported. Use reference launch plans"),
    ("    return rt(a=x)\n", 14, "required input 'b' (str) of t is not given"),
    ("    return rt(a='s', b='x')\n", 14, "input 'a' of reference task t (n0): the constant 's' does not fit int"),
    ("    return rt(x, 'a', 3)\n", 14, "takes"),
])
def test_reference_mistakes_name_their_line(unique_pkg, tmp_path, body, line, text):
    pkg = unique_pkg({"m.py": HEAD + "@workflow\ndef wf(x: int) -> int:\n" + body})
    err = serialize_refused(pkg, tmp_path)
    assert f"m.py:{line}:\nerror: " in err and text in err, err


LOCAL = '''
import json
from rpkg.refs import normalize, wf
out = []
for call in (lambda: normalize(csv_url="a", column_names=[], n=1), lambda: wf(x=1)):
    try:
        call()
    except Exception as e:
        out.append(f"{type(e).__name__}: {e}")
print(json.dumps(out))
'''


def test_running_a_reference_locally_fails_as_in_flytekit(outputs, tmp_path):
    ours, theirs = run_local_both(LOCAL, outputs["base"] / "face", outputs["base"] / "own", tmp_path)
    assert ours == theirs and json.loads(ours) == ["NotImplementedError: Remote reference entities cannot be run "
                                                   "locally. You must mock this out."] * 2


IMPORTS = """
from flytekit.core.reference_entity import ReferenceEntity, TaskReference
from flytekit.core.task import ReferenceTask
from flytekit.core.launch_plan import ReferenceLaunchPlan
from flytekit.core.workflow import ReferenceWorkflow
from flytekit.core.reference import get_reference_entity
from flytekit.models.core.identifier import ResourceType
from flytekit import kwtypes, reference_task, reference_launch_plan, reference_workflow, LaunchPlanReference
t = get_reference_entity(ResourceType.TASK, "p", "d", "a.b", "v", inputs=kwtypes(x=int), outputs={})
lp = get_reference_entity(ResourceType.LAUNCH_PLAN, "p", "d", "lp", "v", inputs={}, outputs={})
assert isinstance(t, ReferenceTask) and isinstance(t, ReferenceEntity)
assert isinstance(lp, ReferenceLaunchPlan) and not isinstance(lp, ReferenceWorkflow)
assert isinstance(t.reference, TaskReference) and isinstance(lp.reference, LaunchPlanReference)
print(t.name, list(t.python_interface.inputs), t.id.resource_type, t.id.version, t.id.project)
"""


def test_the_classes_import_from_flytekits_paths(tmp_path):
    import contextlib
    import io

    from autoc.sdk.flytekit.imports import flytekit_imports

    theirs = run_oracle(IMPORTS, cwd=tmp_path)
    out = io.StringIO()
    with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
        exec(compile(IMPORTS, "<face>", "exec"), {})
    assert out.getvalue().strip() == theirs == "a.b ['x'] 1 v p"


# --- registration ------------------------------------------------------------------------------------------------

@pytest.fixture
def admin(tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db")) as server:
        yield server


def _register(admin, path, version):
    p = run_autoc("register", path, "--version", version, "--endpoint", admin.address, "--insecure", "--output",
                  "json", check=False)
    return p, json.loads(p.stdout) if p.stdout else None


WRONG = """
from autoc import reference_task, workflow


@reference_task(project="flytesnacks", domain="development", name="rpkg.provider.pair", version="v1")
def pair(a: str, b: str) -> int:
    ...


@workflow
def wrong(x: str) -> int:
    return pair(a=x, b="b")
"""


def test_workflows_with_references_register_only_when_what_they_reference_is_registered(outputs, admin, tmp_path):
    refs = outputs["base"] / "autoc"
    p, res = _register(admin, refs, "r1")
    assert p.returncode == 1 and "created" not in res["summary_by_kind"]["workflows"], p.stdout
    failed = {e["name"]: e["message"].replace(": ", ":") for e in res["entities"] if e["status"] == "failed"}
    assert failed["squares_again"].startswith('NOT_FOUND:missing entity of type WORKFLOW with identifier project:'
                                              '"flytesnacks" domain:"development" name:"rpkg.provider.squares" '
                                              'version:"v1"'), failed
    workflows = [m for n, m in failed.items() if n.startswith("rpkg.refs.")]
    assert workflows and all("failed to compile workflow" in m and "missing entity of type TASK" in m
                             for m in workflows), failed
    provider = _project(tmp_path / "provider", {"provider.py": PROVIDER})
    run_autoc("serialize", "rpkg", "-o", tmp_path / "provider-out", *IMAGES, cwd=provider)
    p, _ = _register(admin, tmp_path / "provider-out", "v1")
    assert p.returncode == 0, p.stdout
    p, res = _register(admin, refs, "v1")  # no_io's {{ registration.version }} becomes v1
    assert p.returncode == 0 and res["summary_by_kind"]["workflows"] == {"created": 4}, p.stdout
    assert res["summary_by_kind"]["launch_plans"]["created"] == 5  # the default ones and squares_again
    lp = admin.launch_plan("flytesnacks", "development", "squares_again", "v1")
    assert lp.spec.workflow_id.name == "rpkg.provider.squares" and "b" in lp.closure.expected_inputs.parameters
    wf = admin.workflow("flytesnacks", "development", "rpkg.refs.wf", "v1").closure.compiled_workflow.primary.template
    nodes = {n.id: n for n in wf.nodes}  # flyteadmin's compiled form adds start-node and end-node
    assert nodes["n0"].task_node.reference_id.version == "v1"
    assert nodes["n2"].workflow_node.launchplan_ref.name == "squares_lp"
    # a reference whose declared interface does not match the registered task's is refused by the compiler
    wrong = _project(tmp_path / "wrong", {"wrong.py": WRONG})
    run_autoc("serialize", "rpkg", "-o", tmp_path / "wrong-out", *IMAGES, cwd=wrong)
    p, res = _register(admin, tmp_path / "wrong-out", "v1")
    assert p.returncode == 1, p.stdout
    message = [e["message"] for e in res["entities"] if e["status"] == "failed"][0]
    assert "failed to compile workflow" in message and "MismatchingTypes" in message, message
