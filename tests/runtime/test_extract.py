"""Code-bundle extraction is safe on every Python autoc accepts: real tar files (symlink chains, absolute and
``..`` names, devices, hard links), with ``tarfile.data_filter`` present and removed (Pythons 3.10.0-3.10.11 and
3.11.0-3.11.3 lack it), in-process and through ``autoc execute``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2

from autoc.runtime.extract import UnsafeArchive, extract
from tests.conftest import REPO


def inside(path: Path, dest: Path) -> bool:
    """Whether ``path`` resolves to ``dest`` or below it."""
    resolved, root = os.path.realpath(path), str(dest.resolve())
    return resolved == root or resolved.startswith(root + os.sep)


def make_tar(path: Path, members) -> Path:
    """members: (name, kind, payload) with kind file (payload bytes), dir, sym/lnk (payload: link name), dev."""
    with tarfile.open(path, "w:gz") as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            data = None
            if kind == "file":
                info.size, data = len(payload), io.BytesIO(payload)
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, payload
            elif kind == "lnk":
                info.type, info.linkname = tarfile.LNKTYPE, payload
            elif kind == "dev":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            tar.addfile(info, data)
    return path


CHAIN = [("s/t", "dir", None), ("s/t/u", "sym", ".."), ("k", "sym", "s/t/u/../.."), ("k/ESCAPED", "file", b"pwned")]
CHAIN_REORDERED = [("k", "sym", "s/t/u/../.."), ("s/t", "dir", None), ("s/t/u", "sym", ".."),
                   ("k/ESCAPED", "file", b"pwned")]
HOSTILE = {
    "symlink chain": CHAIN,
    "symlink chain, link first": CHAIN_REORDERED,
    "chain without the file": CHAIN[:3],
    "absolute name": [("/tmp/ESCAPED", "file", b"x")],
    "dot-dot name": [("a/../../ESCAPED", "file", b"x")],
    "absolute link": [("l", "sym", "/etc"), ("l/ESCAPED", "file", b"x")],
    "link up": [("l", "sym", "../"), ("l/ESCAPED", "file", b"x")],
    "write through an inner link": [("d", "dir", None), ("l", "sym", "d"), ("l/ESCAPED", "file", b"x")],
    "hard link out": [("h", "lnk", "/etc/hostname")],
    "hard link up": [("h", "lnk", "../ESCAPED")],
    "device": [("null", "dev", None)],
}


@pytest.fixture(params=["with data_filter", "data_filter removed"])
def filter_state(request, monkeypatch):
    if request.param == "data_filter removed":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
        monkeypatch.delattr(tarfile, "tar_filter", raising=False)
        monkeypatch.delattr(tarfile, "fully_trusted_filter", raising=False)
    return request.param


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_write_nothing_outside(tmp_path, filter_state, case):
    outside = tmp_path / "outside"
    dest = outside / "a" / "b" / "dest"  # the chain reaches two folders up
    dest.mkdir(parents=True)
    archive = make_tar(tmp_path / "evil.tar.gz", HOSTILE[case])
    with pytest.raises(UnsafeArchive):
        extract(str(archive), str(dest))
    escaped = [p for p in outside.rglob("*") if "ESCAPED" in p.name]
    assert escaped == []
    for p in dest.rglob("*"):  # no link that leads out is left behind
        if p.is_symlink():
            assert inside(p, dest), p


def test_ordinary_archive_is_extracted_whole(tmp_path, filter_state):
    archive = make_tar(tmp_path / "ok.tar.gz", [
        ("./pkg", "dir", None), ("pkg/__init__.py", "file", b""), ("pkg/mod.py", "file", b"X = 1\n"),
        ("pkg/alias.py", "sym", "mod.py"), ("pkg/sub/same.py", "lnk", "pkg/mod.py"), ("pkg/self", "sym", "."),
    ])
    dest = tmp_path / "dest"
    written = extract(str(archive), str(dest))
    assert (dest / "pkg" / "mod.py").read_bytes() == b"X = 1\n"
    assert os.readlink(dest / "pkg" / "alias.py") == "mod.py"
    assert (dest / "pkg" / "sub" / "same.py").read_bytes() == b"X = 1\n"
    assert not (dest / "pkg" / "sub" / "same.py").samefile(dest / "pkg" / "mod.py")  # a copy, not a link
    assert "pkg/sub/same.py" in written
    # extracting again over the first copy replaces files and links in place
    extract(str(archive), str(dest))
    assert (dest / "pkg" / "mod.py").read_bytes() == b"X = 1\n"


@pytest.mark.parametrize("data", [b"", b"\x1f\x8b\x08\x00garbage", os.urandom(4096)], ids=["empty", "gzip", "random"])
def test_not_an_archive_is_refused(tmp_path, data):
    (tmp_path / "bad.tar.gz").write_bytes(data)
    with pytest.raises(UnsafeArchive):
        extract(str(tmp_path / "bad.tar.gz"), str(tmp_path / "dest"))


_EXECUTE_WITHOUT_FILTER = """
import sys, tarfile
del tarfile.data_filter
from autoc.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_execute_refuses_the_chain_without_data_filter(tmp_path):
    """`autoc execute` on a Python without tarfile.data_filter: error.pb, and nothing written outside."""
    outside = tmp_path / "outside"
    dest = outside / "a" / "b" / "code"
    dest.mkdir(parents=True)
    bundle = make_tar(tmp_path / "fastevil.tar.gz", CHAIN)
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-c", _EXECUTE_WITHOUT_FILTER, "execute", "--inputs", str(tmp_path / "in.pb"),
                        "--output-prefix", str(out), "--additional-distribution", str(bundle), "--dest-dir", str(dest),
                        "--resolver", "autoc.resolvers.default_task_resolver", "--", "task-module", "m",
                        "task-name", "t"], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert not list(outside.rglob("ESCAPED"))
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    assert doc.error.code == "SYSTEM:CodeBundleError", doc.error.message
    assert "link" in doc.error.message, doc.error.message
