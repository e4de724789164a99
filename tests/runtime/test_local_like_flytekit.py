"""Local runs of tasks and workflows give what flytekit 1.16.31's local runs give (a value, or a refusal), in both
SDK faces: the module written with ``from autoc import ...`` (flytekit reads it through tests/oracle_shim) and the
same module written with ``from flytekit import ...`` (autoc reads it through its import face). Where autoc differs
on purpose (an int flytekit's local run accepts but no Flyte literal can hold), the test says so and the README
(Workflows) explains it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import SHIM, run_oracle

MODULE = '''
import dataclasses
import os
import typing
{imports}

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.txt")
OutputA = typing.NamedTuple("OutputA", a=int)


@task
def bare(a: int) -> OutputA:
    return a + 2  # item 8: flytekit wraps a bare value into the one-field NamedTuple


@workflow
def wf_bare(a: int) -> OutputA:
    return bare(a=a)


@workflow
def wf_field(a: int) -> int:
    return bare(a=a).a


@workflow
def documented(a: int) -> int:
    """Doc of documented."""
    return wf_field(a=a)


@dataclasses.dataclass
class Paths:
    f: FlyteFile
    d: FlyteDirectory
    maybe: typing.Optional[FlyteFile] = None
    many: typing.List[FlyteFile] = dataclasses.field(default_factory=list)


@task
def make_paths() -> Paths:
    return Paths(f=PATH, d=HERE, maybe=PATH, many=[PATH, PATH])  # item 10: plain str paths


@task
def read_paths(p: Paths) -> str:
    with open(p.f) as f, open(p.maybe) as g:
        return f.read() + g.read() + str(len(p.many)) + str("data.txt" in os.listdir(p.d))


@task
def read_optional(p: typing.Optional[Paths]) -> str:
    with open(p.many[0]) as f:
        return f.read()


@workflow
def wf_paths() -> str:
    return read_paths(p=make_paths())


@task
def strings() -> typing.Dict[str, str]:
    return {{"a": "5"}}


@task
def untyped(d: dict) -> str:
    return repr(d["a"])


@workflow
def wf_dict() -> str:
    return untyped(d=strings())  # item 11: a map literal cannot be read as an untyped dict


@task
def double(x: float) -> float:
    return x * 2


@task
def three() -> int:
    return 3


@workflow
def wf_float(a: float) -> float:
    return double(x=a)


@workflow
def wf_int_output() -> float:
    return double(x=three())


@task
def echo(a: int) -> int:
    return a


@workflow
def wf_int(a: int) -> int:
    return echo(a=a)


@dataclasses.dataclass
class A:
    x: int


@dataclasses.dataclass
class B:
    x: int


@dataclasses.dataclass
class C:
    y: str


@task
def which(v: typing.Union[A, B]) -> str:
    return type(v).__name__


@task
def which_c(v: typing.Union[A, C]) -> str:
    return type(v).__name__


def plan(n: int):
    return LaunchPlan.get_or_create(wf_int, "lp_clash", default_inputs={{"a": n}})  # item 15: the clashing call


@workflow
def wf_plans() -> int:
    return plan(2)()


def clash():
    plan(1)
    return wf_plans()


def meta(w):
    return [w.__name__, w.__qualname__, w.__doc__, w.__module__, w.__wrapped__.__name__]


@task
def shout(s: str) -> str:
    return s.upper() + "!"


@dynamic
def dyn_nodes(s: str, n: int) -> str:
    """A dynamic body is a workflow on its values: its calls are nodes (>>, with_overrides)."""
    first = shout(s=s)
    second = shout(s=first).with_overrides(retries=n)
    first >> second
    return second if n > 1 else first


@dynamic
def dyn_len(s: str) -> int:
    x = shout(s=s)
    return 5 if len(x) > 3 else 0  # a promise has no length: a TypeError, as on Flyte


CASES = {{
    "bare task": lambda: bare(a=1),
    "dynamic nodes": lambda: [dyn_nodes(s="a", n=2), dyn_nodes(s="b", n=1)],
    "dynamic computing on a promise": lambda: dyn_len(s="abcd"),
    "bare workflow": lambda: wf_bare(a=1),
    "bare field": lambda: wf_field(a=1),
    "workflow metadata": lambda: meta(documented),
    "str paths, task to task": lambda: read_paths(p=make_paths()),
    "str paths, workflow": wf_paths,
    "str paths, call": lambda: read_paths(p=Paths(f=PATH, d=HERE, maybe=PATH, many=[PATH])),
    "str paths in Optional": lambda: read_optional(p=Paths(f=PATH, d=HERE, many=[PATH])),
    "no path in Optional": lambda: read_optional(p=Paths(f=5, d=HERE, many=[PATH])),
    "Dict[str, str] into dict": wf_dict,
    "dict value into dict": lambda: untyped(d=strings()),
    "int for float, task": lambda: double(x=1),
    "int for float, workflow": lambda: wf_float(a=1),
    "float for float": lambda: wf_float(a=1.5),
    "int output into float": wf_int_output,
    "union of same dataclasses": lambda: which(v=A(x=1)),
    "union of other dataclasses": lambda: which_c(v=C(y="c")),
    "int64 bound": lambda: wf_int(a=2 ** 63 - 1),
    "launch plan clash": clash,
}}
'''

RUNNER = '''
import importlib, json, sys
sys.path.insert(0, {root!r})
if {face!r}:
    from autoc.sdk.flytekit.imports import flytekit_imports
    with flytekit_imports("1.16.31"):
        m = importlib.import_module({name!r})
else:
    m = importlib.import_module({name!r})
out = {{}}
for k, fn in m.CASES.items():
    try:
        out[k] = ["ok", repr(fn())]
    except Exception as e:
        out[k] = ["error", type(e).__name__, str(e)]
try:
    out["int beyond int64"] = ["ok", repr(m.wf_int(a=2 ** 63))]
except Exception as e:
    out["int beyond int64"] = ["error", type(e).__name__, str(e)]
print(json.dumps(out))
'''

IMPORTS = {"autoc": "from autoc import FlyteDirectory, FlyteFile, LaunchPlan, dynamic, task, workflow",
           "flytekit": "from flytekit import FlyteDirectory, FlyteFile, LaunchPlan, dynamic, task, workflow"}


def _module(tmp_path, face: str) -> tuple:
    name = f"local_like_{face}"
    (tmp_path / "data.txt").write_text("hello")
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE.format(imports=IMPORTS[face])))
    return name, tmp_path / f"{name}.py"


def _ours(tmp_path, name: str, face: bool) -> dict:
    p = subprocess.run([sys.executable, "-c", RUNNER.format(root=str(tmp_path), face=face, name=name)],
                       cwd=tmp_path, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _theirs(tmp_path, name: str, face: str) -> dict:
    script = RUNNER.format(root=str(tmp_path), face=False, name=name)
    if face == "autoc":  # `from autoc import ...` maps onto flytekit
        script = f"import sys\nsys.path.insert(0, {str(SHIM)!r})\n" + script
    return json.loads(run_oracle(script, cwd=tmp_path))


@pytest.fixture(scope="module", params=["autoc", "flytekit"])
def both(request, tmp_path_factory):
    face = request.param
    tmp = tmp_path_factory.mktemp(face)
    name, path = _module(tmp, face)
    return face, path, _ours(tmp, name, face == "flytekit"), _theirs(tmp, name, face)


def _line_of(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_values_and_refusals_are_flytekit_s(both):
    face, path, ours, theirs = both
    assert set(ours) == set(theirs)
    for case in theirs:
        if case == "int beyond int64":
            continue
        assert ours[case][0] == theirs[case][0], (face, case, ours[case], theirs[case])
        if theirs[case][0] == "ok":
            assert ours[case][1] == theirs[case][1], (face, case)
    expected = {"bare task": "OutputA(a=3)", "bare field": "3", "str paths, workflow": "'hellohello2True'",
                "int output into float": "6.0", "dict value into dict": "\"'5'\"",
                "dynamic nodes": "['A!!', 'B!']",
                "workflow metadata": "['documented', 'documented', 'Doc of documented.', "
                                     f"'local_like_{face}', 'documented']"}
    for case, value in expected.items():  # (what both gave: the comparison above cannot pass vacuously)
        assert ours[case] == ["ok", value], case
    for case in ("Dict[str, str] into dict", "int for float, task", "int for float, workflow",
                 "union of same dataclasses", "launch plan clash", "no path in Optional",
                 "dynamic computing on a promise"):
        assert ours[case][0] == "error", case


def test_refusals_name_the_call_and_the_cause(both):
    face, path, ours, _ = both
    _, kind, message = ours["Dict[str, str] into dict"]
    assert kind == "TypeEngineError"
    assert f"{path}:{_line_of(path, 'return untyped(d=strings())')}:" in message
    assert "input 'd': output 'o0' of" in message and "Dict[str, str] cannot be read as dict" in message
    assert "flytekit refuses an int for a float" in ours["int for float, workflow"][2]
    assert "Ambiguous choice of variant" in ours["union of same dataclasses"][2]
    message = ours["no path in Optional"][2]  # the cause, not "matches no variant"
    assert "does not fit Optional[" in message and "cannot encode Paths" in message, message
    _, kind, message = ours["launch plan clash"]
    assert kind == "LaunchPlanError"
    assert message.startswith(f"{path}:{_line_of(path, 'return LaunchPlan.get_or_create')}: ")


def test_an_int_beyond_64_bits_is_refused_at_the_call(both):
    """flytekit's local run passes 2**63 through (its models hold Python ints); no Flyte literal can carry it, so
    the same run fails in a cluster. autoc refuses it where it is passed: the workflow, the input, the line."""
    face, path, ours, theirs = both
    assert theirs["int beyond int64"] == ["ok", str(2 ** 63)]
    _, kind, message = ours["int beyond int64"]
    assert kind == "TypeEngineError"
    assert f"workflow local_like_{face}.wf_int, input 'a': {2 ** 63} does not fit a Flyte integer" in message
    call = RUNNER.splitlines().index('    out["int beyond int64"] = ["ok", repr(m.wf_int(a=2 ** 63))]') + 1
    assert message.startswith(f"<string>:{call}: ")  # the runner's call (a ``python -c`` script)
