"""File and Directory against flytekit's FlyteFile and FlyteDirectory: same literal types, and each side reads
the other's literals (the blobs are uploaded to a raw output prefix and fetched on first use)."""

from __future__ import annotations

from pathlib import Path

from flyteidl.core import literals_pb2, types_pb2

from autoc import Directory, File
from autoc.runtime.storage import FileAccess, using_file_access
from autoc.types import engine
from tests.conftest import run_oracle

FLYTEKIT_WRITES = """
import os
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.types.file import FlyteFile
from flytekit.types.directory import FlyteDirectory
from flyteidl.core import literals_pb2, interface_pb2
os.makedirs("d/sub", exist_ok=True)
open("data.csv", "w").write("a,b\\n1,2\\n"); open("d/x.txt", "w").write("x"); open("d/sub/y.txt", "w").write("y")
ctx = FlyteContextManager.current_context()
lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
for name, t, v in [("f", FlyteFile, FlyteFile("data.csv")), ("csv", FlyteFile["csv"], FlyteFile("data.csv")),
                   ("d", FlyteDirectory, FlyteDirectory("d"))]:
    lt = TypeEngine.to_literal_type(t)
    lm.literals[name].CopyFrom(TypeEngine.to_literal(ctx, v, t, lt).to_flyte_idl())
    vm.variables[name].type.CopyFrom(lt.to_flyte_idl())
open("lits.pb", "wb").write(lm.SerializeToString()); open("types.pb", "wb").write(vm.SerializeToString())
"""

FLYTEKIT_READS = """
import os, sys
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.models.literals import LiteralMap
from flytekit.types.file import FlyteFile
from flytekit.types.directory import FlyteDirectory
from flyteidl.core import literals_pb2
pb = literals_pb2.LiteralMap(); pb.ParseFromString(open("ours.pb", "rb").read())
ctx = FlyteContextManager.current_context()
lm = LiteralMap.from_flyte_idl(pb)
f = TypeEngine.to_python_value(ctx, lm.literals["f"], FlyteFile)
d = TypeEngine.to_python_value(ctx, lm.literals["d"], FlyteDirectory)
d.download()
print("RESULT", open(f.download()).read(), sorted(os.listdir(d.path)))
"""


def test_literal_types_and_flytekit_literals(tmp_path):
    run_oracle(FLYTEKIT_WRITES, cwd=tmp_path)
    from flyteidl.core import interface_pb2

    lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
    lm.ParseFromString((tmp_path / "lits.pb").read_bytes())
    vm.ParseFromString((tmp_path / "types.pb").read_bytes())
    assert engine.to_literal_type(File) == vm.variables["f"].type
    assert engine.to_literal_type(File["csv"]) == vm.variables["csv"].type
    assert engine.to_literal_type(Directory) == vm.variables["d"].type
    assert vm.variables["d"].type.blob.dimensionality == types_pb2.BlobType.MULTIPART

    f = engine.to_python(lm.literals["f"], File)
    assert Path(f).read_text() == "a,b\n1,2\n"
    d = engine.to_python(lm.literals["d"], Directory)
    assert sorted(p.name for p in Path(d.download()).rglob("*.txt")) == ["x.txt", "y.txt"]


def test_flytekit_reads_autoc_files(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "note.txt").write_text("from autoc")
    (tmp_path / "src" / "dir").mkdir()
    (tmp_path / "src" / "dir" / "one").write_text("1")
    with using_file_access(FileAccess(str(tmp_path / "raw"), str(tmp_path / "sandbox"))):
        lm = literals_pb2.LiteralMap()
        lm.literals["f"].CopyFrom(engine.to_literal(File(tmp_path / "src" / "note.txt"), File))
        lm.literals["d"].CopyFrom(engine.to_literal(Directory(tmp_path / "src" / "dir"), Directory))
    assert lm.literals["f"].scalar.blob.uri.startswith(str(tmp_path / "raw"))
    (tmp_path / "ours.pb").write_bytes(lm.SerializeToString())
    assert run_oracle(FLYTEKIT_READS, cwd=tmp_path) == "RESULT from autoc ['one']"


def test_missing_file_is_an_error():
    import pytest

    from autoc.errors import TypeEngineError

    with pytest.raises(TypeEngineError, match="is not a file"):
        engine.to_literal(File("/no/such/file"), File)


#: flytekit's constructor arguments and file formats, the same code in flytekit and through the face: where the
#: file goes (``remote_path=`` / ``remote_directory=``, ``False``: not uploaded), a URL read on first use
#: (``_remote_source``), ``downloader=noop``, the literal's ``metadata``, ``FileExt`` formats with a dot
CONSTRUCTORS = """
import json, os, tempfile
from typing_extensions import Annotated
from flytekit import FlyteDirectory, FlyteFile
from flytekit.core.context_manager import FlyteContextManager
from flytekit.core.type_engine import TypeEngine
from flytekit.types.file import FileExt
from flytekit.types.file.file import noop

ctx = FlyteContextManager.current_context()
d = tempfile.mkdtemp()
src, dest = os.path.join(d, "a.txt"), os.path.join(d, "dest", "b.txt")
open(src, "w").write("x")


def lit(v, t):
    return TypeEngine.to_literal(ctx, v, t, TypeEngine.to_literal_type(t))


def rel(uri):
    return os.path.relpath(uri, d) if uri.startswith(d) else uri


TGZ = FlyteFile[Annotated[str, FileExt("tar.gz")]]
to_dest = FlyteFile(src, remote_path=dest, metadata={"k": "v"})
remote = FlyteFile("s3://bucket/key.txt")
back = TypeEngine.to_python_value(ctx, lit(remote, FlyteFile), FlyteFile)
os.makedirs(os.path.join(d, "dd"))
open(os.path.join(d, "dd", "x"), "w").write("1")
to_dir = FlyteDirectory(os.path.join(d, "dd"), remote_directory=os.path.join(d, "destdir"))
out = {
    "ext": [TGZ.extension(), FileExt.check_and_convert_to_str(Annotated[str, FileExt("tar.gz")]),
            FileExt.check_and_convert_to_str("csv"), str(FileExt("a.b")),
            TypeEngine.to_literal_type(TGZ).to_flyte_idl().SerializeToString().hex()],
    "remote_path": [rel(lit(to_dest, FlyteFile).scalar.blob.uri), open(dest).read(), rel(to_dest.remote_path),
                    dict(lit(to_dest, FlyteFile).metadata),
                    TypeEngine.to_python_value(ctx, lit(to_dest, FlyteFile), FlyteFile).metadata],
    "not_uploaded": rel(lit(FlyteFile(src, remote_path=False), FlyteFile).scalar.blob.uri),
    "noop": [rel(os.fspath(FlyteFile(src, downloader=noop))), rel(FlyteFile(src, downloader=noop).download())],
    "url": [remote.path, remote.remote_source, remote._remote_source, remote.downloaded,
            lit(remote, FlyteFile).scalar.blob.uri, back._remote_source, back.remote_source],
    "dir": [rel(lit(to_dir, FlyteDirectory).scalar.blob.uri), sorted(os.listdir(os.path.join(d, "destdir"))),
            rel(to_dir.remote_directory),
            rel(lit(FlyteDirectory(os.path.join(d, "dd"), remote_directory=False), FlyteDirectory).scalar.blob.uri)],
}
print(json.dumps(out))
"""


def test_flytekit_constructor_arguments_and_file_ext_as_flytekit(tmp_path):
    import contextlib
    import io
    import json

    from autoc.sdk.flytekit.imports import flytekit_imports

    theirs = json.loads(run_oracle(CONSTRUCTORS, cwd=tmp_path))
    out = io.StringIO()
    with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out), \
            using_file_access(FileAccess(local_sandbox=str(tmp_path / "sandbox"))):
        exec(compile(CONSTRUCTORS, "<face>", "exec"), {})
    ours = json.loads(out.getvalue())
    assert ours == theirs
    assert ours["remote_path"][:2] == ["dest/b.txt", "x"] and ours["url"][1] == "s3://bucket/key.txt"
    assert ours["ext"][0] == "tar.gz" and ours["not_uploaded"] == "a.txt"


def test_autoc_names_take_the_same_arguments(tmp_path):
    from autoc import FileExt

    (tmp_path / "a.txt").write_text("x")
    dest = tmp_path / "out" / "b.txt"
    with using_file_access(FileAccess(local_sandbox=str(tmp_path / "sandbox"))):
        lit = engine.to_literal(File(tmp_path / "a.txt", remote_path=str(dest)), File)
    assert lit.scalar.blob.uri == str(dest) and dest.read_text() == "x"
    assert File["tar.gz"] is File[__import__("typing").Annotated[str, FileExt("tar.gz")]]
    remote = File("s3://bucket/k")
    assert remote.remote_source == remote._remote_source == "s3://bucket/k" and not remote.downloaded
