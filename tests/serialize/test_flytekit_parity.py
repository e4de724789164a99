"""Cases where autoc once wrote something else than pyflyte (issue 19, "Serialization"), each module written in autoc's
face and in flytekit's (derived by ``as_flytekit``), serialized by pyflyte (the oracle), by ``autoc serialize`` and
by ``autoc serialize --sdk flytekit``: the same files in the same order, the same messages (``--sdk flytekit``: with
no normalisation; autoc's face: apart from the entrypoint, resolver and runtime)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_autoc
from tests.golden import diff
from tests.sdk_flytekit.corpus import as_flytekit
from tests.sdk_flytekit.test_serialize import load_dir, pyflyte

IMAGES = ["--image", "ghcr.io/acme/app:v1"]

MODULES = {
    # 1. a workflow's outputs in the order its NamedTuple declares them (b before a), not sorted
    "outputs.py": '''
import typing
from autoc import task, workflow

Out = typing.NamedTuple("Out", [("b", int), ("a", int)])


@task
def one() -> int:
    return 1


@workflow
def named() -> Out:
    return Out(b=one(), a=one())


@workflow
def pair() -> typing.Tuple[str, int]:
    return "x", one()
''',
    # 2. `second >> first` between launch-plan calls: pyflyte serializes a node's upstream nodes first
    "chain.py": '''
from autoc import LaunchPlan, task, workflow


@task
def t1() -> int:
    return 1


@workflow
def sub_a():
    t1()


@workflow
def sub_b():
    t1()


@workflow
def chain_lps():
    first = LaunchPlan.get_or_create(sub_a, "lp_a")()
    second = LaunchPlan.get_or_create(sub_b, "lp_b")()
    second >> first
''',
    # 3. numpy.ndarray through flytekit's NumpyArray transformer (not a pickle)
    "arrays.py": '''
import typing
import numpy as np
from typing_extensions import Annotated
from autoc import kwtypes, task


@task
def double(a: np.ndarray, b: Annotated[np.ndarray, kwtypes(allow_pickle=True)]) -> typing.List[np.ndarray]:
    return [a * 2, b]
''',
    # 3. flytekit's other built-in transformers: protobuf messages, TextIO/BinaryIO inputs, iterators
    "builtins.py": '''
import typing
from flyteidl.core import errors_pb2
from google.protobuf import struct_pb2
from autoc import JSON, task


@task
def builtins(e: errors_pb2.ContainerError, s: struct_pb2.Struct, text: typing.TextIO, data: typing.BinaryIO,
             xs: typing.Iterator[int]) -> typing.Tuple[typing.Iterator[JSON], errors_pb2.ContainerError]:
    return iter([{"a": 1}]), e


@task
def generics(seq: typing.Sequence[int], fn: typing.Callable[[int], int], it: typing.Iterable[str]) -> int:
    return fn(len(seq))  # (pickles, as flytekit writes them)
''',
    # 4. JSON schemas of dataclasses holding files, folders and datasets
    "holders.py": '''
import typing
from dataclasses import dataclass, field
from typing_extensions import Annotated
from autoc import FlyteDirectory, FlyteFile, StructuredDataset, kwtypes, task


@dataclass
class WithFile:
    f: FlyteFile
    n: int = 0


@dataclass
class WithDir:
    d: FlyteDirectory
    maybe: typing.Optional[FlyteFile] = None


@dataclass
class WithSD:
    sd: StructuredDataset
    files: typing.List[FlyteFile] = field(default_factory=list)


@dataclass
class WithColumns:
    sd: Annotated[StructuredDataset, kwtypes(a=int)]


@task
def holders(a: WithFile, b: WithDir, c: WithSD, d: WithColumns) -> int:
    return a.n
''',
    # 5. a subworkflow called without its list/dict defaults: they are bound as constants
    "defaults.py": '''
import typing
from autoc import task, workflow


@task
def total(xs: typing.List[int], d: typing.Dict[str, int]) -> int:
    return sum(xs) + sum(d.values())


@workflow
def sub(a: int, xs: typing.List[int] = [1, 2], d: typing.Dict[str, int] = {"k": 3}) -> int:
    return total(xs=xs, d=d)


@workflow
def parent(a: int) -> int:
    return sub(a=a)


@workflow
def parent_positional(a: int) -> int:
    return sub(a, [5])
''',
    # 6. Annotated[T, "some string"]: the string is ignored (postponed annotations too)
    "annotated.py": '''
from __future__ import annotations

import typing
from dataclasses import dataclass
from typing_extensions import Annotated
from autoc import task, workflow


@dataclass
class Tagged:
    a: int
    b: Annotated[str, "str tag"]


@task
def t(x: Annotated[int, "some string"], y: typing.List[Annotated[int, "tag"]]) -> Annotated[str, "another", 3]:
    return str(x)


@task
def nt(a: int) -> typing.NamedTuple("OutputA", a=Annotated[int, "metadata-a"]):
    return a + 2


@task
def tagged(x: Annotated[Tagged, "tag"]) -> Tagged:
    return x


@workflow
def wf(x: Annotated[int, "doc"] = 3) -> str:
    return t(x=x, y=[x])
''',
    # 7. Optional[PydanticModel] as a field: the union variant carries its tag only, no dataclass_type
    "models.py": '''
import typing
from dataclasses import dataclass
from pydantic import BaseModel
from autoc import task


class Inner(BaseModel):
    x: int = 0


class Outer(BaseModel):
    inner: typing.Optional[Inner] = None
    n: int = 1


@dataclass
class Point:
    x: int = 0


@dataclass
class Holder:
    p: typing.Optional[Point] = None


@task
def models(o: Outer, h: Holder, maybe: typing.Optional[Point] = None) -> typing.Optional[Inner]:
    return o.inner
''',
}


def _project(root: Path, flytekit: bool) -> Path:
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    for name, text in MODULES.items():
        (root / "app" / name).write_text(as_flytekit(text) if flytekit else text)
    return root


def _short(files: dict) -> dict:
    return {re.sub(r"^\d+_", "", k): v for k, v in files.items()}


@pytest.fixture(scope="module")
def outs(tmp_path_factory):
    fk = _project(tmp_path_factory.mktemp("fkproj"), flytekit=True)
    own = _project(tmp_path_factory.mktemp("autocproj"), flytekit=False)
    py_out, fk_out, own_out = (tmp_path_factory.mktemp(n) for n in ("pyflyte", "sdk", "own"))
    pyflyte("--pkgs", "app", "serialize", *IMAGES, "workflows", "-f", str(py_out), cwd=fk)
    sdk = run_autoc("serialize", "--sdk", "flytekit==1.16.31", "app", "-o", fk_out, *IMAGES, cwd=fk)
    mine = run_autoc("serialize", "app", "-o", own_out, *IMAGES, cwd=own)
    return {"pyflyte": load_dir(py_out), "sdk": load_dir(fk_out), "own": load_dir(own_out),
            "stderr": sdk.stderr + mine.stderr}


def test_sdk_flytekit_writes_pyflytes_files_message_for_message(outs):
    assert list(outs["sdk"]) == list(outs["pyflyte"])
    bad = [name for name, m in outs["pyflyte"].items() if outs["sdk"][name] != m]
    assert not bad, "\n".join(f"{n}:\n{diff(outs['pyflyte'][n], outs['sdk'][n])}" for n in bad)


def test_autoc_face_writes_the_same_files_and_fields(outs):
    assert list(outs["own"]) == list(outs["pyflyte"])
    diffs = {name: diff(m, outs["own"][name]) for name, m in outs["pyflyte"].items()}
    bad = {k: v for k, v in diffs.items() if v}
    assert not bad, "\n\n".join(f"{k}:\n{v}" for k, v in bad.items())


def test_only_what_flytekit_pickles_is_pickled_and_schemas_are_written(outs):
    pickled = sorted({line.split(" input ")[1].split()[0] for line in outs["stderr"].splitlines()
                      if "travels as a pickle" in line and " input " in line})
    assert pickled == ["'fn'", "'it'", "'seq'"]
    assert "no JSON schema for dataclass With" not in outs["stderr"]


def test_what_the_comparison_covers(outs):
    """The cases really exercise each item (so the equality above cannot pass on an empty set)."""
    own = _short(outs["own"])
    named = own["app.outputs.named_2.pb"].template
    assert [o.var for o in named.outputs] == ["b", "a"]
    names = list(own)
    assert names.index("lp_b_3.pb") < names.index("lp_a_3.pb")
    arr = own["app.arrays.double_1.pb"].template.interface
    assert arr.inputs.variables["a"].type.blob.format == "NumpyArray"
    assert arr.outputs.variables["o0"].type.collection_type.blob.format == "NumpyArray"
    builtins = own["app.builtins.builtins_1.pb"].template.interface
    assert builtins.inputs.variables["e"].type.metadata["pb_type"] == "flyteidl.core.errors_pb2.ContainerError"
    assert builtins.inputs.variables["text"].type.blob.format == "text/plain"
    assert builtins.inputs.variables["xs"].type.collection_type.simple == 1  # INTEGER
    assert builtins.outputs.variables["o0"].type.blob.format == "jsonl"
    schema = own["app.holders.holders_1.pb"].template.interface.inputs.variables
    assert schema["a"].type.metadata["properties"]["f"]["title"] == "FlyteFile"
    assert schema["c"].type.metadata["properties"]["sd"]["title"] == "StructuredDataset"
    assert schema["d"].type.metadata["properties"]["sd"]["title"] == "StructuredDataset"
    parent = own["app.defaults.parent_2.pb"].template.nodes[0]
    bound = {b.var: b.binding for b in parent.inputs}
    assert [x.scalar.primitive.integer for x in bound["xs"].collection.bindings] == [1, 2]
    assert bound["d"].map.bindings["k"].scalar.primitive.integer == 3
    positional = {b.var: b.binding for b in own["app.defaults.parent_positional_2.pb"].template.nodes[0].inputs}
    assert [x.scalar.primitive.integer for x in positional["xs"].collection.bindings] == [5]
    assert own["app.annotated.t_1.pb"].template.interface.inputs.variables["x"].type.simple == 1  # INTEGER
    models = own["app.models.models_1.pb"].template.interface
    inner = models.inputs.variables["o"].type.structure.dataclass_type["inner"].union_type.variants[0]
    assert inner.structure.tag == "Pydantic Transformer" and not inner.structure.dataclass_type
    maybe = models.inputs.variables["maybe"].type.union_type.variants[0]
    assert maybe.structure.tag == "Object-Dataclass-Transformer" and not maybe.structure.dataclass_type
