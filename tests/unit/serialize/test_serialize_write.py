"""autoc.serialize.write: pyflyte file names, atomic directory writes and reproducible archives."""

import gzip
import hashlib
import io
import tarfile

import pytest

from autoc.errors import UserInputError
from autoc.serialize.write import archive_bytes, describe, file_names, write_archive, write_directory


def test_file_names_single():
    assert file_names(["m.t"]) == ["0_m.t_1.pb"]


def test_file_names_ten_use_one_digit():
    names = file_names([f"t{i}" for i in range(10)])
    assert names[0] == "0_t0_1.pb" and names[9] == "9_t9_1.pb"


def test_file_names_eleven_use_two_digits():
    names = file_names([f"t{i}" for i in range(11)])
    assert names[0] == "00_t0_1.pb" and names[10] == "10_t10_1.pb"


def test_file_names_hundred_and_one_use_three_digits():
    assert file_names(["t"] * 100)[0] == "00_t_1.pb"
    assert file_names(["t"] * 101)[0] == "000_t_1.pb"


def test_file_names_empty():
    assert file_names([]) == []


def test_write_directory_writes_files(tmp_path):
    out = tmp_path / "out"
    write_directory(str(out), [("0_a_1.pb", b"aaa"), ("1_b_1.pb", b"bb")])
    assert (out / "0_a_1.pb").read_bytes() == b"aaa"
    assert (out / "1_b_1.pb").read_bytes() == b"bb"
    assert sorted(p.name for p in out.iterdir()) == ["0_a_1.pb", "1_b_1.pb"]  # no temp dir left behind


def test_write_directory_removes_stale_specs_but_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = ["0_old.task_1.pb", "12_x_2.pb", "3_y_3.pb"]
    kept = ["README.md", "0_x_4.pb", "x_1.pb", "0_a_1.pb.bak", "notes_1.pb"]
    for n in stale + kept:
        (out / n).write_bytes(b"old")
    (out / "9_dir_1.pb").mkdir()  # a directory matching the pattern is not a file: left alone
    write_directory(str(out), [("0_a_1.pb", b"new")])
    assert sorted(p.name for p in out.iterdir()) == sorted(kept + ["0_a_1.pb", "9_dir_1.pb"])
    assert (out / "0_a_1.pb").read_bytes() == b"new"


def test_write_directory_overwrites_existing_spec(tmp_path):
    (tmp_path / "0_a_1.pb").write_bytes(b"old")
    write_directory(str(tmp_path), [("0_a_1.pb", b"new")])
    assert (tmp_path / "0_a_1.pb").read_bytes() == b"new"


def test_write_directory_refuses_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UserInputError, match="not a directory"):
        write_directory(str(f), [("0_a_1.pb", b"x")])


def test_archive_bytes_deterministic():
    """Pinned tar bytes: the same entries give this archive on any run, host or day (the tar inside is pinned,
    not the gzip stream, whose bytes depend on the zlib build; its header is checked below)."""
    entries = [("0_a_1.pb", b"aaa"), ("1_b_1.pb", b"")]
    digest = hashlib.sha256(gzip.decompress(archive_bytes(entries))).hexdigest()
    assert digest == "45ee954adf2e158753c0695c6634da94687876c065e2da4138c4186e6d722b7c"


def test_archive_gzip_header_has_zero_mtime():
    data = archive_bytes([("0_a_1.pb", b"a")])
    assert data[:2] == b"\x1f\x8b"
    assert data[4:8] == b"\x00\x00\x00\x00"


def test_archive_members_and_headers():
    data = archive_bytes([("0_a_1.pb", b"aaa"), ("1_b_1.pb", b"bb")])
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["0_a_1.pb", "1_b_1.pb"]
        for m in members:
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode) == (0, 0, 0, "", "", 0o644)
            assert m.isfile()
        assert tar.extractfile("0_a_1.pb").read() == b"aaa"
        assert tar.extractfile("1_b_1.pb").read() == b"bb"


def test_write_archive_force_false_refuses_existing(tmp_path):
    target = tmp_path / "specs.tgz"
    target.write_bytes(b"keep me")
    with pytest.raises(UserInputError, match="already exists"):
        write_archive(str(target), [("0_a_1.pb", b"a")], force=False)
    assert target.read_bytes() == b"keep me"


def test_write_archive_writes_and_overwrites(tmp_path):
    target = tmp_path / "sub" / "specs.tgz"
    entries = [("0_a_1.pb", b"a")]
    n = write_archive(str(target), entries, force=False)
    assert target.read_bytes() == archive_bytes(entries) and n == target.stat().st_size
    write_archive(str(target), [("0_b_1.pb", b"b")])
    assert target.read_bytes() == archive_bytes([("0_b_1.pb", b"b")])
    assert [p.name for p in target.parent.iterdir()] == ["specs.tgz"]


def test_describe():
    [w] = describe(["m.t"], ["0_m.t_1.pb"], [b"abc"])
    assert (w.task, w.file, w.bytes) == ("m.t", "0_m.t_1.pb", 3)
    assert w.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_archive_accepts_long_task_file_names():
    name = file_names(["acme.ml_platform.pipelines.training.feature_engineering.transformers."
                       "normalize_numerical_features"])[0]
    assert len(name) > 100
    data = archive_bytes([(name, b"spec")])
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data)), mode="r:") as tar:
        assert tar.getnames() == [name]
        assert tar.extractfile(name).read() == b"spec"
    assert archive_bytes([(name, b"spec")]) == data
