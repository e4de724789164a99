"""Extending the type system and the task kinds as flytekit users do (``flytekit.extend``): a ``TypeTransformer``
registered with ``TypeEngine.register`` building flytekit's literal models, and a ``PythonTask`` subclass with its
own task type, ``get_custom`` and ``get_config``. Serialized as pyflyte 1.16.31 does in both faces, run locally as
flytekit runs it, run by ``autoc execute``, and registered into the loopback FlyteAdmin."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flyteidl.core import literals_pb2

from tests.admin_server import AdminServer
from tests.conftest import run_autoc, run_face_and_oracle, run_local_both, run_oracle
from tests.golden import diff, load_dir, pyflyte_serialize, write_project
from tests.sdk_flytekit.corpus import as_flytekit

EXT = '''
import os
import tempfile
import typing
from pathlib import Path

from autoc import (Blob, BlobMetadata, BlobType, FlyteContext, Interface, Literal, LiteralType, PythonTask, Scalar,
                   TaskMetadata, TypeEngine, TypeTransformer, task, workflow)


class Bag:
    """A folder of files: a multipart blob in Flyte."""

    def __init__(self, base_dir: typing.Optional[str] = None):
        self.base_dir = base_dir or tempfile.mkdtemp()

    def add(self, name: str, text: str) -> None:
        Path(self.base_dir, name).write_text(text)

    def read(self) -> typing.List[str]:
        return [Path(self.base_dir, n).read_text() for n in sorted(os.listdir(self.base_dir))]


class BagTransformer(TypeTransformer[Bag]):
    _TYPE_INFO = BlobType(format="binary", dimensionality=BlobType.BlobDimensionality.MULTIPART)

    def __init__(self):
        super().__init__(name="bag-transform", t=Bag)

    def get_literal_type(self, t: typing.Type[Bag]) -> LiteralType:
        return LiteralType(blob=self._TYPE_INFO)

    def to_literal(self, ctx: FlyteContext, python_val: Bag, python_type: typing.Type[Bag],
                   expected: LiteralType) -> Literal:
        assert expected.blob.dimensionality == BlobType.BlobDimensionality.MULTIPART
        remote_dir = ctx.file_access.get_random_remote_directory()
        ctx.file_access.upload_directory(python_val.base_dir, remote_dir)
        return Literal(scalar=Scalar(blob=Blob(uri=remote_dir, metadata=BlobMetadata(type=self._TYPE_INFO))))

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type: typing.Type[Bag]) -> Bag:
        local_dir = ctx.file_access.get_random_local_directory()
        ctx.file_access.download_directory(lv.scalar.blob.uri, local_dir)
        return Bag(base_dir=local_dir)


TypeEngine.register(BagTransformer())


@task
def fill(n: int) -> Bag:
    b = Bag()
    for i in range(n):
        b.add(f"f{i}", f"line {i}")
    return b


@task
def read(b: Bag) -> typing.List[str]:
    return b.read()


@workflow
def bags(n: int = 3) -> typing.List[str]:
    return read(b=fill(n=n))


class Sensor(PythonTask):
    """A task kind of the user's own: its type, custom and config go into the task template."""

    def __init__(self, name: str, poll: int, **kwargs):
        super().__init__(task_type="my-sensor", name=name, task_config=None,
                         interface=Interface(inputs={"path": str}, outputs={"path": str}), **kwargs)
        self._poll = poll

    def get_custom(self, settings) -> typing.Dict[str, typing.Any]:
        return {"poll": self._poll, "mode": "watch"}

    def get_config(self, settings) -> typing.Dict[str, str]:
        return {"sensor": "files"}

    def execute(self, **kwargs) -> typing.Any:
        return kwargs["path"]


sensor = Sensor(name="my-sensor", poll=5, metadata=TaskMetadata(retries=2))


@workflow
def sensed(p: str) -> str:
    return sensor(path=p)
'''
IMAGES = ["--image", "a/b:1"]


def _project(root: Path, source: str) -> Path:
    return write_project(root, "xpkg", {"ext.py": source})


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("ext")
    own = _project(base / "own", EXT)
    face = _project(base / "face", as_flytekit(EXT))
    pyflyte_serialize(face, "xpkg", base / "pyflyte", IMAGES)
    run_autoc("serialize", "xpkg", "-o", base / "autoc", *IMAGES, cwd=own)
    run_autoc("serialize", "--sdk", "flytekit", "xpkg", "-o", base / "face-out", *IMAGES, cwd=face)
    return {k: {re.sub(r"^\d+_", "", n): m for n, m in load_dir(base / k).items()}
            for k in ("pyflyte", "autoc", "face-out")} | {"base": base}


@pytest.mark.parametrize("flavor", ["face-out", "autoc"])
def test_user_transformers_and_task_kinds_serialize_as_pyflyte_does(outputs, flavor):
    theirs, ours = outputs["pyflyte"], outputs[flavor]
    assert sorted(theirs) == sorted(ours)
    assert not {k: diff(v, ours[k]) for k, v in theirs.items() if diff(v, ours[k])}
    fill = ours["xpkg.ext.fill_1.pb"].template
    assert fill.interface.outputs.variables["o0"].type.blob.dimensionality == 1  # MULTIPART, from the transformer
    sensor = ours["my-sensor_1.pb"].template
    assert sensor.type == "my-sensor" and dict(sensor.config) == {"sensor": "files"}
    assert sensor.custom["poll"] == 5 and sensor.custom["mode"] == "watch" and not sensor.HasField("container")
    assert sensor.metadata.retries.retries == 2


LOCAL = '''
import json
from xpkg.ext import bags, fill, read
print(json.dumps([bags(), bags(n=1), read(b=fill(n=2))]))
'''


def test_local_runs_use_the_transformer_as_flytekit_does(outputs, tmp_path):
    ours, theirs = run_local_both(LOCAL, outputs["base"] / "face", outputs["base"] / "own", tmp_path)
    assert ours == theirs
    assert json.loads(theirs) == [["line 0", "line 1", "line 2"], ["line 0"], ["line 0", "line 1"]]


def _execute(base: Path, tmp: Path, task: str, inputs: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    (tmp / "inputs.pb").write_bytes(inputs.SerializeToString())
    out = tmp / "out"
    p = run_autoc("execute", "--inputs", tmp / "inputs.pb", "--output-prefix", out, "--raw-output-data-prefix",
                  tmp / "raw", "--resolver", "autoc.resolvers.default_task_resolver", "--", "task-module", "xpkg.ext",
                  "task-name", task, cwd=base / "own", check=False)
    assert p.returncode == 0, p.stderr
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((out / "outputs.pb").read_bytes())
    return lm


def test_autoc_execute_converts_with_the_users_transformer(outputs, tmp_path):
    base = outputs["base"]
    inputs = literals_pb2.LiteralMap()
    inputs.literals["n"].scalar.primitive.integer = 2
    (tmp_path / "a").mkdir()
    filled = _execute(base, tmp_path / "a", "fill", inputs).literals["o0"]
    blob = filled.scalar.blob
    assert blob.metadata.type.dimensionality == 1 and blob.uri.startswith(str(tmp_path / "a" / "raw"))
    assert sorted(os.listdir(blob.uri)) == ["f0", "f1"]  # uploaded by the transformer under the raw output prefix
    given = literals_pb2.LiteralMap()
    given.literals["b"].CopyFrom(filled)
    (tmp_path / "b").mkdir()
    out = _execute(base, tmp_path / "b", "read", given).literals["o0"]
    assert [lit.scalar.primitive.string_value for lit in out.collection.literals] == ["line 0", "line 1"]


def test_they_register_into_the_loopback_admin(outputs, tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db")) as admin:
        p = run_autoc("register", outputs["base"] / "autoc", "--version", "v1", "--endpoint", admin.address,
                      "--insecure", "--output", "json", check=False)
        assert p.returncode == 0, p.stdout + p.stderr
        res = json.loads(p.stdout)
        assert res["summary_by_kind"]["tasks"] == {"created": 3} and res["summary_by_kind"]["workflows"] == \
            {"created": 2}
        wf = admin.workflow("flytesnacks", "development", "xpkg.ext.sensed", "v1").closure.compiled_workflow
        assert [t.template.type for t in wf.tasks] == ["my-sensor"]
        assert wf.tasks[0].template.custom["poll"] == 5


SEEN = '''
import typing

from autoc import FlyteContext, Literal, LiteralType, Scalar, TypeEngine, TypeTransformer, task, workflow
from flyteidl.core import literals_pb2, types_pb2


class Seen:
    def __init__(self, what: str = ""):
        self.what = what


class SeenTransformer(TypeTransformer[Seen]):
    """Writes the execution mode the context it is handed says, while it converts."""

    def __init__(self):
        super().__init__(name="seen", t=Seen)

    def get_literal_type(self, t: typing.Type[Seen]) -> LiteralType:
        return LiteralType(simple=types_pb2.STRING)

    def to_literal(self, ctx: FlyteContext, python_val: Seen, python_type, expected: LiteralType) -> Literal:
        mode = ctx.execution_state.mode
        return Literal(scalar=Scalar(primitive=literals_pb2.Primitive(string_value=str(mode and mode.name))))

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type) -> Seen:
        return Seen(lv.scalar.primitive.string_value)


TypeEngine.register(SeenTransformer())


@task
def make() -> Seen:
    return Seen()


@workflow
def wf() -> Seen:
    return make()
'''


def test_a_users_transformer_reads_the_current_flytecontext_as_in_flytekit(tmp_path):
    """The ``ctx`` a user's transformer gets is the current FlyteContext beyond ``file_access`` (autoc.types.user
    reaches core's context manager above the type engine by name): its execution mode as flytekit's local runs say."""
    run = "from spkg.m import make, wf\nprint(make().what, wf().what)\n"
    for name, source in (("own", SEEN), ("face", as_flytekit(SEEN))):
        (tmp_path / name / "spkg").mkdir(parents=True)
        (tmp_path / name / "spkg" / "__init__.py").write_text("")
        (tmp_path / name / "spkg" / "m.py").write_text(source)
        (tmp_path / name / "run.py").write_text(run)
    theirs = run_oracle(tmp_path / "face" / "run.py", cwd=tmp_path / "face")
    p = subprocess.run([sys.executable, "run.py"], capture_output=True, text=True, cwd=tmp_path / "own")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().splitlines()[-1] == theirs == "LOCAL_TASK_EXECUTION LOCAL_WORKFLOW_EXECUTION"


#: ``Annotated[T, SomeTransformer()]``: the transformer in the annotation converts that one parameter (flytekit looks
#: there before its registry), for the interface, the literal and the value read back, also in a local run
ANNOTATED = '''
import json, typing
from typing_extensions import Annotated
from flytekit import task, workflow
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.annotation import TypeAnnotation
from flytekit.models.literals import Literal, Primitive, Scalar
from flytekit.models.types import LiteralType, SimpleType


class AsJson(TypeTransformer[dict]):
    def get_literal_type(self, t):
        return LiteralType(simple=SimpleType.STRING, annotation=TypeAnnotation(annotations={"protocol": "json"}))

    def to_literal(self, ctx, python_val, python_type, expected):
        return Literal(scalar=Scalar(primitive=Primitive(string_value=json.dumps(python_val, sort_keys=True))))

    def to_python_value(self, ctx, lv, expected_python_type):
        return json.loads(lv.scalar.primitive.string_value)


JsonDict = Annotated[typing.Dict[str, int], AsJson(name="json", t=typing.Dict[str, int])]


@task
def bump(d: JsonDict) -> JsonDict:
    return {k: v + 1 for k, v in d.items()}


@workflow
def twice(d: JsonDict) -> JsonDict:
    return bump(d=bump(d=d))


ctx = FlyteContextManager.current_context()
lt = TypeEngine.to_literal_type(JsonDict)
lit = TypeEngine.to_literal(ctx, {"b": 2, "a": 1}, JsonDict, lt)
print(json.dumps([lt.to_flyte_idl().SerializeToString(deterministic=True).hex(),
                  lit.to_flyte_idl().SerializeToString(deterministic=True).hex(),
                  TypeEngine.to_python_value(ctx, lit, JsonDict), twice(d={"a": 1}),
                  type(TypeEngine.get_transformer(JsonDict)).__name__,
                  TypeEngine.to_literal_type(typing.List[JsonDict]).to_flyte_idl().SerializeToString().hex()]))
'''


def test_a_transformer_in_annotated_converts_that_type_as_in_flytekit(tmp_path):
    ours, theirs = run_face_and_oracle(tmp_path, "annotated_json", ANNOTATED)
    assert ours == theirs
    assert ours[2] == {"a": 1, "b": 2} and ours[3] == {"a": 3} and ours[4] == "AsJson"


def test_autoc_transformer_objects_in_annotated():
    import typing

    from flyteidl.core import types_pb2

    from autoc import TypeEngine, TypeTransformer
    from autoc.types.engine import PickleTransformer, get_transformer, to_literal_type, uses_pickle

    class Upper(TypeTransformer[str]):
        def get_literal_type(self, t):
            return types_pb2.LiteralType(simple=types_pb2.SimpleType.STRING, metadata={"upper": True})

    upper = Upper(name="upper", t=str)
    t = typing.Annotated[str, upper]
    assert to_literal_type(t).metadata["upper"] is True and not to_literal_type(str).metadata
    assert TypeEngine.get_transformer(t).user is upper  # (autoc's own TypeEngine gives its adapter)
    pickled = typing.Annotated[int, PickleTransformer()]
    assert isinstance(get_transformer(pickled), PickleTransformer) and uses_pickle(pickled)
    assert to_literal_type(pickled).blob.format == "PythonPickle"


#: a Union with a variant of the user's transformer: flytekit checks the value against the variants' assert_type once,
#: then converts with each variant unchecked (two that convert it are ambiguous; any error means "not this one")
UNION_USER = '''
import json, typing
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine, TypeTransformer
from flytekit.models.literals import Literal, Primitive, Scalar
from flytekit.models.types import LiteralType, SimpleType


class UnsignedInt:
    def __init__(self, x):
        self.val = x


class UnsignedIntTransformer(TypeTransformer[UnsignedInt]):
    def __init__(self):
        super().__init__("UnsignedInt", UnsignedInt)

    def get_literal_type(self, t):
        return LiteralType(simple=SimpleType.INTEGER)

    def to_literal(self, ctx, python_val, python_type, expected):
        if type(python_val) != int:
            raise KeyError("Expected an integer")  # (not a TypeError: any error means "not this variant")
        if python_val < 0:
            raise ValueError("Expected a non-negative integer")
        return Literal(scalar=Scalar(primitive=Primitive(integer=python_val)))

    def to_python_value(self, ctx, lv, expected_python_type):
        return UnsignedInt(lv.scalar.primitive.integer)


TypeEngine.register(UnsignedIntTransformer())
ctx = FlyteContextManager.current_context()
out = []
for t, v in [(typing.Union[int, UnsignedInt], 3), (typing.Union[int, UnsignedInt], -3),
             (typing.Union[str, UnsignedInt], 3), (typing.Union[str, UnsignedInt], "x")]:
    try:
        lit = TypeEngine.to_literal(ctx, v, t, TypeEngine.to_literal_type(t))
        out.append(lit.scalar.union.stored_type.structure.tag)
    except TypeError as e:
        out.append("Ambiguous" if "Ambiguous choice of variant" in str(e) else "TypeError")
print(json.dumps(out))
'''


def test_a_union_with_a_users_transformer_chooses_as_flytekit(tmp_path):
    ours, theirs = run_face_and_oracle(tmp_path, "union_user", UNION_USER)
    assert ours == theirs == ["Ambiguous", "int", "TypeError", "str"]


#: flytekit's SimpleTransformer with two converter functions: a user's simple type (in a Union, a list, a local run)
SIMPLE_USER = '''
import json, typing
from flytekit import task, workflow
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import SimpleTransformer, TypeEngine
from flytekit.models.literals import Literal, Primitive, Scalar
from flytekit.models.types import LiteralType, SimpleType


class MyInt:
    def __init__(self, x):
        self.val = x

    def __eq__(self, other):
        return isinstance(other, MyInt) and other.val == self.val


TypeEngine.register(SimpleTransformer("MyInt", MyInt, LiteralType(simple=SimpleType.INTEGER),
                                      lambda x: Literal(scalar=Scalar(primitive=Primitive(integer=x.val))),
                                      lambda x: MyInt(x.scalar.primitive.integer)))


@task
def double(x: MyInt) -> typing.List[MyInt]:
    return [x, MyInt(x.val * 2)]


@workflow
def wf(x: MyInt) -> typing.List[MyInt]:
    return double(x=x)


ctx = FlyteContextManager.current_context()
hexed = lambda m: m.to_flyte_idl().SerializeToString(deterministic=True).hex()
pt = typing.Union[int, MyInt]
lt = TypeEngine.to_literal_type(pt)
out = [hexed(lt), hexed(TypeEngine.to_literal_type(typing.List[MyInt]))]
for v in (3, MyInt(10)):
    lit = TypeEngine.to_literal(ctx, v, pt, lt)
    back = TypeEngine.to_python_value(ctx, lit, pt)
    out.append([hexed(lit), back if isinstance(back, int) else ["MyInt", back.val]])
out.append([x.val for x in wf(x=MyInt(4))])
try:
    TypeEngine.to_literal(ctx, 3, MyInt, TypeEngine.to_literal_type(MyInt))
    out.append("accepted")
except (TypeError, ValueError, AssertionError) as e:
    out.append(type(e).__mro__[1].__name__ if False else "refused")
print(json.dumps(out))
'''


def test_a_simple_transformer_with_converters_as_flytekit(tmp_path):
    ours, theirs = run_face_and_oracle(tmp_path, "simple_user", SIMPLE_USER)
    assert ours == theirs
    assert ours[3][1] == ["MyInt", 10] and ours[4] == [4, 8] and ours[5] == "refused"


def test_autoc_simple_transformer_takes_converters():
    from flyteidl.core import literals_pb2, types_pb2

    from autoc.types.engine import SimpleTransformer, get_transformer, to_literal, to_python

    class Celsius(float):
        pass

    tr = SimpleTransformer("Celsius", Celsius, types_pb2.LiteralType(simple=types_pb2.SimpleType.FLOAT),
                           lambda c: literals_pb2.Literal(scalar=literals_pb2.Scalar(
                               primitive=literals_pb2.Primitive(float_value=float(c)))),
                           lambda lit: Celsius(lit.scalar.primitive.float_value))
    assert type(get_transformer(int)) is SimpleTransformer and isinstance(tr, SimpleTransformer)
    assert to_python(tr.to_literal(Celsius(1.5), Celsius), Celsius) == 1.5
    assert to_literal(2, int).scalar.primitive.integer == 2  # (the built-in ones unchanged)
