"""A seeded fuzz corpus over every reader of untrusted bytes: the .pb/.tgz readers of ``autoc register``,
``inputs.pb`` in ``autoc execute``, the config loader and code-bundle extraction.

The corpus is generated from valid seeds by seeded mutations (bit flips, truncation, insertion, deletion,
duplication, splicing; for archives also mutations of the tar before compression, and random member lists with
links, ``..`` and absolute names): the same cases on every run and every machine. Each reader must give a
result or its documented error (``UserInputError``, ``UnsafeArchive``, an error.pb with a classified code);
anything else is a traceback a user would see. Extraction must never create a file outside its destination.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import tarfile
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, literals_pb2

from autoc.errors import UserInputError
from autoc.remote.config import load_settings
from autoc.remote.register import read_spec_files
from autoc.runtime.extract import UnsafeArchive, extract
from autoc.serialize.write import archive_bytes
from tests.conftest import REPO, run_autoc

SEED = 13
CASES = int(os.environ.get("AUTOC_FUZZ_CASES", "1500"))  # per reader (execute: a quarter)


def mutate(rng: random.Random, data: bytes, others=()) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip bits
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # truncate
            del b[pos:]
        elif op == 2:  # insert random bytes
            b[pos:pos] = rng.randbytes(rng.randint(1, 64))
        elif op == 3:  # delete a range
            del b[pos:pos + rng.randint(1, 64)]
        elif op == 4 and b:  # duplicate a range
            j = rng.randrange(len(b))
            b[pos:pos] = b[j:j + rng.randint(1, 256)]
        elif op == 5 and others:  # splice with another seed
            other = rng.choice(others)
            b = b[:pos] + bytearray(other[rng.randrange(len(other) + 1):])
        elif op == 6 and b:  # interesting bytes
            b[rng.randrange(len(b))] = rng.choice([0, 0x7F, 0x80, 0xFF, 0x2F, 0x2E])
        elif op == 7:  # all random
            b = bytearray(rng.randbytes(rng.randint(0, 512)))
    return bytes(b)


def inside(path: Path, dest: Path) -> bool:
    resolved, root = os.path.realpath(path), str(dest.resolve())
    return resolved == root or resolved.startswith(root + os.sep)


# --- seeds ---------------------------------------------------------------------------------------------------------
def spec_seeds():
    from autoc.image.config import ImageConfig
    from autoc.serialize import SerializationSettings, to_specs
    from autoc.serialize.discover import discover

    found = discover([str(REPO / "examples" / "workflows" / "sub")])
    images = ImageConfig.validate_image(None, "--image", ("ghcr.io/acme/app:v1",))
    _, specs, _ = to_specs(found.tasks, SerializationSettings(image_config=images, source_root=str(found.source_root)))
    return [s.SerializeToString(deterministic=True) for s in specs]


def tar_bytes(members) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "lnk": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = payload or ""
            tar.addfile(info)
    return raw.getvalue()


def random_members(rng: random.Random):
    names = ["a", "b", "s/t", "s/t/u", "k", "..", "../x", "/abs", "a/../..", "./c", "d/e/f", "ESCAPED"]
    members = []
    for _ in range(rng.randint(1, 8)):
        name = "/".join(rng.choice(names) for _ in range(rng.randint(1, 3)))
        kind = rng.choice(["file", "file", "dir", "sym", "sym", "lnk", "fifo"])
        target = "/".join(rng.choice(names + [".", "..", "../.."]) for _ in range(rng.randint(1, 4)))
        members.append((name, kind, b"ESCAPED" if kind == "file" else target))
    members.append((rng.choice(["k", "s/t/u", "a", "b"]) + "/ESCAPED", "file", b"x"))
    return members


# --- readers -------------------------------------------------------------------------------------------------------
def test_register_readers_of_pb_and_tgz(tmp_path):
    rng = random.Random(SEED)
    seeds = spec_seeds()
    tgz = archive_bytes([(f"{i}_t{i}_1.pb", s) for i, s in enumerate(seeds)])
    tar = gzip.decompress(tgz)
    outcomes = {"read": 0, "refused": 0}
    for n in range(CASES):
        kind = n % 3
        if kind == 0:
            path, data = tmp_path / f"{n}_x_1.pb", mutate(rng, rng.choice(seeds), seeds)
        elif kind == 1:
            path, data = tmp_path / f"c{n}.tgz", mutate(rng, tgz)
        else:
            path, data = tmp_path / f"c{n}.tgz", gzip.compress(mutate(rng, tar), mtime=0)
        path.write_bytes(data)
        try:
            read_spec_files([str(path)])
            outcomes["read"] += 1
        except UserInputError:
            outcomes["refused"] += 1
        path.unlink()
    assert outcomes["refused"] > CASES // 10 and sum(outcomes.values()) == CASES


def test_execute_inputs(tmp_path):
    from autoc.runtime.execute import ExecuteArgs, run_execute
    from autoc.types import engine

    rng = random.Random(SEED)
    good = literals_pb2.LiteralMap()
    good.literals["a"].CopyFrom(engine.to_literal(5, int))
    good.literals["b"].CopyFrom(engine.to_literal(7, int))
    seeds = [good.SerializeToString(), engine.to_literal([1.5, 2.0], list[float]).SerializeToString()]
    codes = set()
    n_cases = max(CASES // 4, 50)
    for n in range(n_cases):
        inputs, out = tmp_path / f"in{n}.pb", tmp_path / f"out{n}"
        inputs.write_bytes(mutate(rng, rng.choice(seeds), seeds))
        task = rng.choice(["add", "stats", "boom"])
        outcome = run_execute(ExecuteArgs(str(inputs), str(out), "autoc.resolvers.default_task_resolver",
                                          ["task-module", "tests.runtime.rtpkg.tasks", "task-name", task]))
        if outcome.error is None:
            assert (out / "outputs.pb").exists()
            continue
        doc = errors_pb2.ErrorDocument.FromString((out / "error.pb").read_bytes())
        assert doc.error.code != "SYSTEM:Unknown", doc.error.message
        codes.add(doc.error.code)
    assert "SYSTEM:CorruptInputs" in codes


CONFIG_VALUES = ["true", "false", "yes-please", "12345", "host:1", "dns:///h:2", "https://h", "http://h:80/x",
                 "[a, b]", "{x: 1}", "~", "''", "\"\\x00\"", "!!binary aGk=", "&a x", "*a", "- 1", ":", "0x1F",
                 "1e400", "'ü'", "|\n  block"]
CONFIG_KEYS = ["endpoint", "insecure", "insecureSkipVerify", "caCertFilePath", "authType", "clientId",
               "clientSecretLocation", "scopes", "command", "audience"]


def config_text(rng: random.Random) -> str:
    lines = ["admin:"] + [f"  {rng.choice(CONFIG_KEYS)}: {rng.choice(CONFIG_VALUES)}" for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.5:
        lines += ["task:", f"  project: {rng.choice(CONFIG_VALUES)}", f"  domain: {rng.choice(CONFIG_VALUES)}"]
    return "\n".join(lines) + "\n"


def test_config_loader(tmp_path):
    rng = random.Random(SEED)
    cfg = tmp_path / "config.yaml"
    loaded = refused = 0
    for n in range(CASES):
        text = config_text(rng).encode()
        cfg.write_bytes(mutate(rng, text) if n % 2 else text)
        try:
            settings = load_settings({}, env={"HOME": str(tmp_path)}, config_file=str(cfg))
            assert isinstance(settings.endpoint, str) and isinstance(settings.insecure, bool)
            loaded += 1
        except UserInputError as e:
            assert str(cfg) in e.message or "--" in e.message, e.message  # names the file (or the flag)
            refused += 1
    assert loaded and refused


def test_bundle_extraction(tmp_path):
    rng = random.Random(SEED)
    files = [("pkg/__init__.py", "file", b""), ("pkg/mod.py", "file", b"X = 1\n"), ("pkg/l", "sym", "mod.py"),
             ("pkg/h", "lnk", "pkg/mod.py"), ("pkg/d", "dir", None)]
    tar = tar_bytes(files)
    outside = tmp_path / "outside"
    results = {"extracted": 0, "refused": 0}
    for n in range(CASES):
        if n % 3 == 0:
            data = gzip.compress(tar_bytes(random_members(rng)), mtime=0)
        elif n % 3 == 1:
            data = gzip.compress(mutate(rng, tar), mtime=0)
        else:
            data = mutate(rng, tar)  # plain tar: "r:*" reads it too
        case = outside / f"c{n}"
        dest = case / "x" / "y" / "dest"
        dest.mkdir(parents=True)
        archive = case / "bundle.tar.gz"
        archive.write_bytes(data)
        try:
            extract(str(archive), str(dest))
            results["extracted"] += 1
        except UnsafeArchive:
            results["refused"] += 1
        stray = [p for p in case.rglob("*") if p != archive and dest not in p.parents and p != dest
                 and p not in dest.parents]
        assert stray == [], f"case {n} wrote outside the destination: {stray}"
        for p in dest.rglob("*"):
            if p.is_symlink():
                assert inside(p, dest), f"case {n}: link {p} leads out"
    assert results["extracted"] and results["refused"]


@pytest.mark.parametrize("n", range(8))
def test_cli_register_never_shows_a_traceback(tmp_path, n):
    """The same corpus through the real CLI, a few cases: an error line and exit 2, never a traceback."""
    rng = random.Random(SEED + n)
    tgz = archive_bytes([(f"{i}_t{i}_1.pb", s) for i, s in enumerate(spec_seeds())])
    data = [b"", os.urandom(64), tgz[: len(tgz) // 2]][n] if n < 3 else mutate(rng, tgz)
    path = tmp_path / "specs.tgz"
    path.write_bytes(data)
    p = run_autoc("register", path, "--dry-run", "--version", "v1", check=False)
    assert "Traceback" not in p.stderr and "Aborted" not in p.stderr, p.stderr
    assert p.returncode in (0, 2), p.stderr
