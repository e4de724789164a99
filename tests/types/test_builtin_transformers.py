"""flytekit's built-in transformers that autoc has too, against flytekit both ways: numpy arrays and dataclasses
holding a File, a Directory and a StructuredDataset through ``autoc execute`` (flytekit writes the inputs, autoc runs
the task and writes the outputs under its raw prefix, flytekit reads them back to equal values); protobuf messages,
iterators and TextIO/BinaryIO inputs through the type engine."""

from __future__ import annotations

import textwrap
from pathlib import Path

import msgpack
import pytest
from flyteidl.core import literals_pb2

from tests.conftest import run_autoc, run_oracle

TYPES = '''
import dataclasses, typing
import numpy as np
from typing_extensions import Annotated
from {sdk} import kwtypes, task, FlyteFile, FlyteDirectory, StructuredDataset

Objects = Annotated[np.ndarray, kwtypes(allow_pickle=True)]


@dataclasses.dataclass
class Holder:
    f: FlyteFile
    d: FlyteDirectory
    sd: StructuredDataset
    files: typing.List[FlyteFile] = dataclasses.field(default_factory=list)
    n: int = 0


@task
def arrays(a: np.ndarray, objs: Objects) -> typing.Tuple[np.ndarray, Objects]:
    return a * 2, objs


@task
def hold(h: Holder) -> Holder:
    import os, pandas as pd
    assert open(h.f).read() == "hello" and sorted(os.listdir(h.d)) == ["inner.txt"]
    df = h.sd.open(pd.DataFrame).all()
    out = "/tmp/autoc-holder-out.txt"
    with open(out, "w") as w:
        w.write(open(h.files[0]).read() + "!")
    return Holder(f=FlyteFile(out), d=h.d, sd=StructuredDataset(dataframe=df * 10), files=[FlyteFile(out)], n=h.n + 1)
'''

ORACLE = '''
import sys, os
sys.path.insert(0, {root!r})
import numpy as np, pandas as pd
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.file import FlyteFile
from flytekit.types.directory import FlyteDirectory
from flytekit.types.structured import StructuredDataset
from flyteidl.core import literals_pb2
import fkmod
fa = FileAccessProvider(local_sandbox_dir={sandbox!r}, raw_output_prefix={prefix!r})
ctx0 = FlyteContextManager.current_context()
with FlyteContextManager.with_context(ctx0.with_file_access(fa)) as ctx:
    task = getattr(fkmod, {task!r})
    objs = np.array([{{"k": 1}}, None], dtype=object)
    if {mode!r} == "write":
        d = os.path.join({root!r}, "folder"); os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "inner.txt"), "w").write("in")
        f = os.path.join({root!r}, "hello.txt"); open(f, "w").write("hello")
        values = {{"arrays": {{"a": np.arange(6).reshape(2, 3), "objs": objs}},
                  "hold": {{"h": fkmod.Holder(f=FlyteFile(f), d=FlyteDirectory(d),
                                            sd=StructuredDataset(dataframe=pd.DataFrame({{"a": [1, 2]}})),
                                            files=[FlyteFile(f)], n=1)}}}}[{task!r}]
        lm = TypeEngine.dict_to_literal_map(ctx, values, task.python_interface.inputs)
        open({path!r}, "wb").write(lm.to_flyte_idl().SerializeToString())
    else:
        pb = literals_pb2.LiteralMap(); pb.ParseFromString(open({path!r}, "rb").read())
        got = TypeEngine.literal_map_to_kwargs(ctx, LiteralMap.from_flyte_idl(pb), task.python_interface.outputs)
        if {task!r} == "arrays":
            assert (got["o0"] == np.arange(6).reshape(2, 3) * 2).all() and got["o0"].shape == (2, 3), got
            assert list(got["o1"]) == list(objs), got
        else:
            h = got["o0"]
            assert h.n == 2 and open(h.f).read() == "hello!" and open(h.files[0]).read() == "hello!"
            assert sorted(os.listdir(h.d)) == ["inner.txt"]
            assert h.sd.open(pd.DataFrame).all().equals(pd.DataFrame({{"a": [10, 20]}}))
    print("OK")
'''


@pytest.fixture
def root(tmp_path) -> Path:
    (tmp_path / "mod.py").write_text(TYPES.format(sdk="autoc"))
    (tmp_path / "fkmod.py").write_text(TYPES.format(sdk="flytekit"))
    return tmp_path


def _oracle(mode: str, task: str, path: Path, root: Path) -> str:
    return run_oracle(ORACLE.format(root=str(root), sandbox=str(root / "fk"), prefix=str(root / "bucket" / "fk-raw"),
                                    task=task, mode=mode, path=str(path)), cwd=root)


@pytest.mark.parametrize("task", ["arrays", "hold"])
def test_execute_reads_flytekit_inputs_and_flytekit_reads_the_outputs(root, task):
    inputs = root / "inputs.pb"
    assert _oracle("write", task, inputs, root) == "OK"
    bucket = root / "bucket"
    run_autoc("execute", "--inputs", inputs, "--output-prefix", bucket / "out", "--raw-output-data-prefix",
              bucket / "raw", "--checkpoint-path", bucket / "cp", "--prev-checkpoint", '""', "--resolver",
              "autoc.resolvers.default_task_resolver", "--", "task-module", "mod", "task-name", task, cwd=root)
    outputs = bucket / "out" / "outputs.pb"
    assert not (bucket / "out" / "error.pb").exists()
    lm = literals_pb2.LiteralMap.FromString(outputs.read_bytes())
    if task == "arrays":
        blob = lm.literals["o0"].scalar.blob
        assert blob.metadata.type.format == "NumpyArray" and blob.uri.startswith(str(bucket / "raw"))
    else:
        fields = msgpack.unpackb(lm.literals["o0"].scalar.binary.value)
        assert fields["f"]["path"].startswith(str(bucket / "raw")) and fields["sd"]["file_format"] == "parquet"
        assert fields["sd"]["uri"].startswith(str(bucket / "raw")) and fields["files"][0]["path"].endswith(".txt")
    assert _oracle("read", task, outputs, root) == "OK"


def test_array_options_and_mistakes(tmp_path):
    import typing

    import numpy as np

    from autoc import kwtypes
    from autoc.errors import TypeEngineError
    from autoc.runtime.storage import FileAccess, using_file_access
    from autoc.types import engine

    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        objs = np.array([{"k": 1}], dtype=object)
        with pytest.raises(TypeEngineError, match="allow_pickle"):
            engine.to_literal(objs, np.ndarray)
        mapped = typing.Annotated[np.ndarray, kwtypes(mmap_mode="r")]
        back = engine.to_python(engine.to_literal(np.ones(3), mapped), mapped)
        assert isinstance(back, np.memmap) and back.tolist() == [1.0, 1.0, 1.0]
        with pytest.raises(TypeEngineError, match="must be kwtypes"):
            engine.to_literal(np.ones(1), typing.Annotated[np.ndarray, "a string"])
        with pytest.raises(TypeEngineError, match="expected a value of type"):
            engine.to_literal([1, 2], np.ndarray)


def test_tasks_without_arrays_do_not_import_numpy(tmp_path):
    import subprocess
    import sys

    script = textwrap.dedent("""
        import sys, typing, dataclasses
        from autoc.types import engine
        @dataclasses.dataclass
        class P:
            x: int
        engine.to_python(engine.to_literal(P(1), P), P)
        engine.to_literal_type(typing.List[int])
        print("numpy" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


VALUES_ORACLE = '''
import sys, typing
from flyteidl.core import errors_pb2, literals_pb2
from google.protobuf import struct_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.iterator import JSON
TYPES = {{"e": errors_pb2.ContainerError, "s": struct_pb2.Struct, "xs": typing.Iterator[int],
         "js": typing.Iterator[JSON], "text": typing.TextIO, "data": typing.BinaryIO}}
fa = FileAccessProvider(local_sandbox_dir={sandbox!r}, raw_output_prefix={prefix!r})
ctx0 = FlyteContextManager.current_context()
with FlyteContextManager.with_context(ctx0.with_file_access(fa)) as ctx:
    if {mode!r} == "write":
        s = struct_pb2.Struct(); s.update({{"k": [1, "v"]}})
        values = {{"e": errors_pb2.ContainerError(code="c", message="m", kind=1), "s": s, "xs": iter([1, 2, 3]),
                  "js": iter([{{"a": 1}}, [2], "x"])}}
        lm = TypeEngine.dict_to_literal_map(ctx, values, {{k: TYPES[k] for k in values}})
        open({path!r}, "wb").write(lm.to_flyte_idl().SerializeToString())
    else:
        pb = literals_pb2.LiteralMap(); pb.ParseFromString(open({path!r}, "rb").read())
        got = TypeEngine.literal_map_to_kwargs(ctx, LiteralMap.from_flyte_idl(pb), {{k: TYPES[k] for k in pb.literals}})
        assert got["e"] == errors_pb2.ContainerError(code="c", message="m", kind=1), got["e"]
        assert got["s"]["k"][1] == "v" and list(got["xs"]) == [1, 2, 3], got
        assert list(got["js"]) == [{{"a": 1}}, [2], "x"], got
        assert got["text"].read() == "some text" and got["data"].read() == b"\\x00\\x01"
    print("OK")
'''


def test_protobuf_iterator_and_stream_values_both_ways_with_flytekit(tmp_path):
    import typing

    from flyteidl.core import errors_pb2
    from google.protobuf import struct_pb2

    from autoc import JSON
    from autoc.errors import TypeEngineError
    from autoc.runtime.storage import FileAccess, using_file_access
    from autoc.types import engine

    types = {"e": errors_pb2.ContainerError, "s": struct_pb2.Struct, "xs": typing.Iterator[int],
             "js": typing.Iterator[JSON], "text": typing.TextIO, "data": typing.BinaryIO}
    script = lambda mode, path: VALUES_ORACLE.format(mode=mode, path=str(path), sandbox=str(tmp_path / "fk"),  # noqa
                                                      prefix=str(tmp_path / "fk-raw"))
    theirs = tmp_path / "theirs.pb"
    assert run_oracle(script("write", theirs), cwd=tmp_path) == "OK"
    lm = literals_pb2.LiteralMap.FromString(theirs.read_bytes())
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        got = {k: engine.to_python(lm.literals[k], types[k]) for k in lm.literals}
        assert got["e"].message == "m" and got["s"]["k"][1] == "v"
        assert len(got["xs"]) == 3 and list(got["xs"]) == [1, 2, 3] and list(got["js"]) == [{"a": 1}, [2], "x"]
        ours = literals_pb2.LiteralMap(literals={
            "e": engine.to_literal(got["e"], types["e"]), "s": engine.to_literal(got["s"], types["s"]),
            "xs": engine.to_literal(iter([1, 2, 3]), types["xs"]),
            "js": engine.to_literal(iter([{"a": 1}, [2], "x"]), types["js"])})
        assert ours.literals["e"] == lm.literals["e"] and ours.literals["xs"] == lm.literals["xs"]
        (tmp_path / "t.txt").write_text("some text")
        (tmp_path / "d.bin").write_bytes(b"\x00\x01")
        for name, path, fmt in (("text", "t.txt", "text/plain"), ("data", "d.bin", "application/octet-stream")):
            ours.literals[name].CopyFrom(engine.blob_literal(str(tmp_path / path), fmt, 0))
        assert engine.to_python(ours.literals["text"], typing.TextIO).read() == "some text"
        with pytest.raises(TypeEngineError, match="cannot be written"):
            engine.to_literal(open(tmp_path / "t.txt"), typing.TextIO)
        with pytest.raises(TypeEngineError, match="empty"):
            engine.to_literal(iter([]), typing.Iterator[JSON])
    (tmp_path / "ours.pb").write_bytes(ours.SerializeToString())
    assert run_oracle(script("read", tmp_path / "ours.pb"), cwd=tmp_path) == "OK"


REFUSALS = '''
import typing, enum, dataclasses
from typing_extensions import Annotated
from flytekit.core.annotation import FlyteAnnotation
from flytekit.core.type_engine import TypeEngine
class Color(enum.Enum):
    RED = "red"
@dataclasses.dataclass
class P:
    x: int = 0
out = []
for t in (Annotated[dict, FlyteAnnotation({"a": 1})], Annotated[typing.Dict[str, int], FlyteAnnotation({"a": 1})],
          Annotated[Color, "tag"], Annotated[P, FlyteAnnotation({"a": 1})], Annotated[P, "tag"],
          Annotated[int, FlyteAnnotation({"a": 1})]):
    try:
        TypeEngine.to_literal_type(t)
        out.append("ok")
    except ValueError:
        out.append("ValueError")
print(out)
'''


def test_annotations_flytekit_refuses_are_refused():
    import dataclasses
    import enum
    import typing

    from autoc import FlyteAnnotation
    from autoc.types import engine

    class Color(enum.Enum):
        RED = "red"

    @dataclasses.dataclass
    class P:
        x: int = 0

    ours = []
    for t in (typing.Annotated[dict, FlyteAnnotation({"a": 1})],
              typing.Annotated[typing.Dict[str, int], FlyteAnnotation({"a": 1})], typing.Annotated[Color, "tag"],
              typing.Annotated[P, FlyteAnnotation({"a": 1})], typing.Annotated[P, "tag"],
              typing.Annotated[int, FlyteAnnotation({"a": 1})]):
        try:
            engine.to_literal_type(t)
            ours.append("ok")
        except ValueError as e:
            assert "flytekit does not support" in str(e)
            ours.append("ValueError")
    assert str(ours) == run_oracle(REFUSALS, cwd=".")
    assert ours.count("ok") == 2
    with pytest.raises(ValueError, match="must hold a dict"):  # flytekit fails later, writing the Struct
        engine.to_literal_type(typing.Annotated[int, FlyteAnnotation(["a", "b"])])


def test_a_union_of_file_and_directory_reads_each_blob_as_its_kind(tmp_path):
    import typing

    from autoc import Directory, File
    from autoc.types import engine

    (tmp_path / "d").mkdir()
    (tmp_path / "f.txt").write_text("x")
    pt = typing.Union[File, Directory]
    f = engine.to_python(engine.to_literal(File(str(tmp_path / "f.txt")), File), pt)
    d = engine.to_python(engine.to_literal(Directory(str(tmp_path / "d")), Directory), pt)
    assert type(f) is File and type(d) is Directory


MIXIN = '''
import dataclasses, enum, sys
from mashumaro.config import BaseConfig
from mashumaro.mixins.json import DataClassJSONMixin
from mashumaro.types import Discriminator


class Kind(str, enum.Enum):
    BASE = "base"
    A = "a"


@dataclasses.dataclass(kw_only=True)
class Base(DataClassJSONMixin):
    class Config(BaseConfig):
        discriminator = Discriminator(field="kind", include_subtypes=True)

    n: int
    kind: Kind = Kind.BASE


@dataclasses.dataclass(kw_only=True)
class A(Base):
    extra: str
    kind: Kind = Kind.A
'''

MIXIN_ORACLE = MIXIN + '''
from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal
ctx = FlyteContextManager.current_context()
if sys.argv[1] == "write":
    lit = TypeEngine.to_literal(ctx, A(n=1, extra="x"), Base, TypeEngine.to_literal_type(Base))
    open(sys.argv[2], "wb").write(lit.to_flyte_idl().SerializeToString())
else:
    got = TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(literals_pb2.Literal.FromString(
        open(sys.argv[2], "rb").read())), Base)
    assert got == A(n=2, extra="y"), got
print("OK")
'''


def test_mashumaro_json_mixin_dataclasses_keep_their_subclass_both_ways(tmp_path):
    """A DataClassJSONMixin dataclass goes through its own to_json/from_json, as flytekit does: a discriminated
    subclass passed as its base keeps its fields and comes back as the subclass."""
    from autoc.types import engine

    (tmp_path / "mixin.py").write_text(MIXIN)
    (tmp_path / "oracle.py").write_text(MIXIN_ORACLE)
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        import mixin
    finally:
        sys.path.remove(str(tmp_path))
    assert run_oracle(tmp_path / "oracle.py", "write", str(tmp_path / "theirs.pb"), cwd=tmp_path) == "OK"
    theirs = literals_pb2.Literal.FromString((tmp_path / "theirs.pb").read_bytes())
    assert engine.to_python(theirs, mixin.Base) == mixin.A(n=1, extra="x")
    ours = engine.to_literal(mixin.A(n=2, extra="y"), mixin.Base)
    assert msgpack.unpackb(ours.scalar.binary.value) == {"n": 2, "kind": "a", "extra": "y"}
    (tmp_path / "ours.pb").write_bytes(ours.SerializeToString())
    assert run_oracle(tmp_path / "oracle.py", "read", str(tmp_path / "ours.pb"), cwd=tmp_path) == "OK"


PIL_ORACLE = '''
import sys
sys.path.append({site!r})  # Pillow from autoc's test environment (the oracle's own packages come first)
import PIL.Image
from flyteidl.core import literals_pb2
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.data_persistence import FileAccessProvider
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import Literal
fa = FileAccessProvider(local_sandbox_dir={sandbox!r}, raw_output_prefix={prefix!r})
with FlyteContextManager.with_context(FlyteContextManager.current_context().with_file_access(fa)) as ctx:
    lt = TypeEngine.to_literal_type(PIL.Image.Image)
    if {mode!r} == "write":
        lit = TypeEngine.to_literal(ctx, PIL.Image.new("RGB", (2, 3), (255, 0, 0)), PIL.Image.Image, lt)
        open({path!r}, "wb").write(lit.to_flyte_idl().SerializeToString())
    else:
        img = TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(literals_pb2.Literal.FromString(
            open({path!r}, "rb").read())), PIL.Image.Image)
        assert img.size == (3, 2) and img.getpixel((0, 0)) == (0, 0, 255), (img.size, img.getpixel((0, 0)))
    print(lt.to_flyte_idl().SerializeToString().hex())
'''


def test_pil_images_both_ways_with_flytekit(tmp_path):
    import sysconfig

    import PIL.Image

    from autoc.runtime.storage import FileAccess, using_file_access
    from autoc.types import engine

    def oracle(mode, path):
        return run_oracle(PIL_ORACLE.format(site=sysconfig.get_paths()["purelib"], sandbox=str(tmp_path / "fk"),
                                            prefix=str(tmp_path / "fk-raw"), mode=mode, path=str(path)), cwd=tmp_path)

    lt_hex = oracle("write", tmp_path / "theirs.pb")
    assert engine.to_literal_type(PIL.Image.Image).SerializeToString().hex() == lt_hex
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        img = engine.to_python(literals_pb2.Literal.FromString((tmp_path / "theirs.pb").read_bytes()), PIL.Image.Image)
        assert img.size == (2, 3) and img.getpixel((0, 0)) == (255, 0, 0)
        ours = engine.to_literal(PIL.Image.new("RGB", (3, 2), (0, 0, 255)), PIL.Image.Image)
    assert ours.scalar.blob.metadata.type.format == "PIL.Image"
    (tmp_path / "ours.pb").write_bytes(ours.SerializeToString())
    assert oracle("read", tmp_path / "ours.pb") == lt_hex


def test_classes_flytekit_has_other_transformers_for_are_refused_not_pickled(tmp_path):
    """scikit-learn, PyTorch and Keras classes (stand-in packages of the same names here: the libraries are not test
    dependencies): serialize refuses the task with its file:line instead of writing a pickle type where pyflyte
    writes its own blob."""
    from tests.conftest import run_autoc

    stand_ins = {"sklearn/__init__.py": "", "sklearn/base.py": "class BaseEstimator:\n    pass\n",
                 "torch/__init__.py": "class Tensor:\n    pass\n", "torch/nn/__init__.py": "class Module:\n    pass\n"}
    for rel, text in stand_ins.items():
        (tmp_path / "libs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "libs" / rel).write_text(text)
    for lib, annotation, fmt in (("sklearn.base", "sklearn.base.BaseEstimator", "SklearnEstimator"),
                                 ("torch", "torch.Tensor", "PyTorchTensor"), ("torch.nn", "torch.nn.Module",
                                                                               "PyTorchModule")):
        proj = tmp_path / f"proj_{fmt}"
        proj.mkdir()
        (proj / "m.py").write_text(f"import {lib}\nimport torch\nfrom autoc import task\n\n\n"
                                   f"class Sub({annotation}):\n    pass\n\n\n"
                                   f"@task\ndef t(x: Sub) -> int:\n    return 1\n")
        p = run_autoc("serialize", proj, "-o", proj / "out", "-i", "a:1", check=False,
                      env={"PYTHONPATH": str(tmp_path / "libs")})
        assert p.returncode == 1 and f"'{fmt}' blob" in p.stderr and "m.py:" in p.stderr, p.stderr
        assert "pickle" not in p.stderr and not (proj / "out").exists()


#: values flytekit takes that are not of the declared class: a dict for a dataclass (its fields checked as flytekit
#: checks them), a dict msgpack cannot write in ``Annotated[dict, kwtypes(allow_pickle=True)]`` (pickled), a File or
#: Directory only as its own kind (so a Union of both picks the right one)
TAKES = '''
import datetime, json, sys, typing
from dataclasses import dataclass
from typing_extensions import Annotated
from flytekit import kwtypes, task, FlyteFile, FlyteDirectory
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine

ctx = FlyteContextManager.current_context()
out = {}


def attempt(key, fn):
    try:
        out[key] = fn()
    except (TypeError, ValueError, AssertionError) as e:
        out[key] = "refused"


@dataclass
class Inner:
    n: int


@dataclass
class Args:
    x: int
    y: typing.Optional[str]
    inner: Inner = None


def lit(v, t):
    return TypeEngine.to_literal(ctx, v, t, TypeEngine.to_literal_type(t))


def hexed(v, t):
    return lit(v, t).to_flyte_idl().SerializeToString(deterministic=True).hex()


AP = Annotated[dict, kwtypes(allow_pickle=True)]
when = datetime.datetime(2024, 5, 5)
pickled = lit({"x": when}, AP)
out["pickled"] = [pickled.scalar.to_flyte_idl().WhichOneof("value"), dict(pickled.metadata),
                  list(json.loads(__import__("google.protobuf.json_format", fromlist=["x"]).MessageToJson(
                      pickled.scalar.generic))),
                  str(TypeEngine.to_python_value(ctx, pickled, AP))]
out["not_pickled"] = hexed({"x": 1}, AP)
attempt("plain_dict_datetime", lambda: hexed({"x": when}, dict))
out["dict_for_dataclass"] = [hexed({"x": 3, "y": "a", "inner": {"n": 1}}, Args),
                             hexed({"x": 3, "inner": {"n": 1}}, Args)]
attempt("missing_field", lambda: hexed({"y": "a"}, Args))
attempt("extra_field", lambda: hexed({"x": 3, "z": 1}, Args))
attempt("wrong_field_type", lambda: hexed({"x": "3"}, Args))
attempt("wrong_nested", lambda: hexed({"x": 3, "inner": {"n": "1"}}, Args))
U = typing.Union[str, FlyteDirectory, FlyteFile]
attempt("file_in_union", lambda: lit(FlyteFile("s3://bucket/key"), U).scalar.union.stored_type.structure.tag)
attempt("dir_in_union", lambda: lit(FlyteDirectory("s3://bucket/dir"), U).scalar.union.stored_type.structure.tag)
attempt("dir_as_file", lambda: hexed(FlyteDirectory("s3://bucket/dir"), FlyteFile))
attempt("file_as_dir", lambda: hexed(FlyteFile("s3://bucket/f"), FlyteDirectory))


@task
def x_of(a: Args) -> int:
    return a.x + a.inner.n


@task
def keep(d: AP) -> AP:
    return d


out["local_runs"] = [x_of(a={"x": 3, "y": "a", "inner": {"n": 4}}), str(keep(d={"when": when}))]
attempt("optional_left_out_run", lambda: x_of(a={"x": 3, "inner": {"n": 4}}))  # (written, but not read back)
open(sys.argv[1], "wb").write(pickled.to_flyte_idl().SerializeToString())
print(json.dumps(out))
'''


def test_values_flytekit_takes_for_a_type_as_flytekit(tmp_path):
    import contextlib
    import io
    import json
    import runpy
    import sys

    from autoc.sdk.flytekit.imports import flytekit_imports
    from autoc.types import engine

    script = tmp_path / "takes.py"
    script.write_text(TAKES)
    theirs = json.loads(run_oracle(script, str(tmp_path / "theirs.pb"), cwd=tmp_path))
    out, argv = io.StringIO(), sys.argv
    try:
        sys.argv = [str(script), str(tmp_path / "ours.pb")]
        with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
            runpy.run_path(str(script), run_name="takes")
    finally:
        sys.argv = argv
    ours = json.loads(out.getvalue())
    assert ours == theirs
    assert ours["pickled"][:3] == ["generic", {"format": "pickle"}, ["pickle_file"]]
    assert ours["file_in_union"] == "FlyteFilePath" and ours["dir_in_union"] == "FlyteDirectory"
    assert ours["missing_field"] == ours["wrong_nested"] == ours["dir_as_file"] == "refused"
    assert ours["local_runs"][0] == 7
    # each reads the other's pickled dict (flytekit's pickle file, here on the local disk)
    import datetime
    import typing

    from autoc import kwtypes

    theirs_lit = literals_pb2.Literal.FromString((tmp_path / "theirs.pb").read_bytes())
    ap = typing.Annotated[dict, kwtypes(allow_pickle=True)]
    when = {"x": datetime.datetime(2024, 5, 5)}
    assert engine.to_python(theirs_lit, ap) == engine.to_python(theirs_lit, dict) == when
    read_back = run_oracle(
        "import sys; from flytekit.core.type_engine import TypeEngine; from flytekit.models.literals import Literal;"
        "from flyteidl.core import literals_pb2; from flytekit.core.context_manager import FlyteContextManager as M;"
        "lit = Literal.from_flyte_idl(literals_pb2.Literal.FromString(open(sys.argv[1], 'rb').read()));"
        "print(TypeEngine.to_python_value(M.current_context(), lit, dict))", str(tmp_path / "ours.pb"), cwd=tmp_path)
    assert read_back == "{'x': datetime.datetime(2024, 5, 5, 0, 0)}"
