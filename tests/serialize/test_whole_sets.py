"""``serialize -o DIR`` replaces the set as a whole: real SIGINTs during the swap, real concurrent processes
(different versions, thousands of stale files), a SIGKILLed run's leftovers cleaned by the next run, and a
warning naming the stale files removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from flyteidl.admin import task_pb2

from tests.conftest import AUTOC

PER_MODULE = 500


def make_package(root: Path, name: str, n: int) -> Path:
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for m in range(0, n, PER_MODULE):
        body = ["from autoc import task\n"]
        for i in range(m, min(n, m + PER_MODULE)):
            body.append(f"@task\ndef t{i}(a: int) -> int:\n    return a + {i}\n")
        (pkg / f"mod{m // PER_MODULE:03d}.py").write_text("\n".join(body))
    return pkg


def start(pkg: Path, out: Path, *args) -> subprocess.Popen:
    return subprocess.Popen([str(AUTOC), "serialize", str(pkg), "-o", str(out), "-i", "img:1", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=pkg.parent)


def serialize(pkg: Path, out: Path, *args) -> subprocess.CompletedProcess:
    p = start(pkg, out, *args)
    stdout, stderr = p.communicate(timeout=300)
    return subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)


def listing(out: Path) -> set:
    return set(os.listdir(out))


def versions(out: Path) -> set:
    return {task_pb2.TaskSpec.FromString(p.read_bytes()).template.id.version for p in out.glob("*.pb")}


def no_leftovers(out: Path) -> None:
    assert [p.name for p in out.parent.iterdir() if ".autoc-" in p.name] == []
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    """Two packages whose sets share no file name: old and new (1,000 tasks each), and their listings."""
    root = tmp_path_factory.mktemp("sets")
    old, new = make_package(root, "oldpkg", 1000), make_package(root, "newpkg", 1000)
    sets = {}
    for pkg in (old, new):
        p = serialize(pkg, root / f"ref_{pkg.name}")
        assert p.returncode == 0, p.stderr
        sets[pkg.name] = listing(root / f"ref_{pkg.name}")
    assert not sets["oldpkg"] & sets["newpkg"]
    return old, new, sets["oldpkg"], sets["newpkg"]


def test_sigint_as_the_new_set_appears_leaves_one_whole_set(tmp_path, two_sets):
    """The moment a file of the new set shows in DIR, SIGINT: DIR is then the new set, whole (today it was a mix)."""
    old, new, old_set, new_set = two_sets
    for trial in range(2):
        out = tmp_path / f"out{trial}"
        assert serialize(old, out).returncode == 0
        p = start(new, out)
        while p.poll() is None and not listing(out) & new_set:
            pass
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=120)
        assert "Traceback" not in stderr
        assert listing(out) in (old_set, new_set), f"a mix: {len(listing(out) & new_set)} new files"
        if p.returncode != 0:  # the interrupt arrived before the run ended: it says so, and what DIR holds
            assert p.returncode == 130 and "interrupted" in stderr and "new set" in stderr, stderr


def test_sigint_at_any_moment_leaves_one_whole_set(tmp_path, two_sets):
    old, new, old_set, new_set = two_sets
    out = tmp_path / "out"
    assert serialize(old, out).returncode == 0
    t0 = time.monotonic()
    assert serialize(new, tmp_path / "timing").returncode == 0
    duration = time.monotonic() - t0
    outcomes = set()
    for fraction in (0.5, 0.85, 0.95, 1.0):
        p = start(new if len(outcomes) % 2 == 0 else old, out)
        time.sleep(duration * fraction)
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=120)
        assert "Traceback" not in stderr
        assert listing(out) in (old_set, new_set)
        if p.returncode:
            assert p.returncode == 130 and "interrupted" in stderr, stderr
            outcomes.add("earlier set" if "earlier set" in stderr else "new set")
    assert serialize(new, out).returncode == 0
    assert listing(out) == new_set
    no_leftovers(out)


def test_concurrent_runs_with_different_versions_leave_one_whole_set(tmp_path):
    pkg = make_package(tmp_path, "verpkg", 500)
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("kept")
    expected = None
    for round_ in range(3):
        for i in range(2000):  # stale files of an earlier, bigger set: today 2 of 10 runs crashed on them
            (out / f"{i:04d}_gone.t{i}_1.pb").write_bytes(b"")
        runs = [start(pkg, out, "--version", f"v{round_}-{k}") for k in range(4)]
        results = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
        for code, stderr in results:
            assert code == 0, stderr
            assert "Traceback" not in stderr
        files = listing(out) - {"README.md"}
        expected = expected or files
        assert files == expected and len(files) == 500
        assert len(versions(out)) == 1, f"round {round_}: a mix of versions {versions(out)}"
        assert (out / "README.md").read_text() == "kept"
    no_leftovers(out)


def test_a_killed_run_leaves_the_set_and_the_next_run_cleans_up(tmp_path, two_sets):
    old, new, old_set, new_set = two_sets
    out = tmp_path / "out"
    assert serialize(old, out).returncode == 0
    p = start(new, out)
    # kill it while it writes its new set (its temporary folder holds files)
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        temps = [d for d in list(out.parent.iterdir()) + list(out.iterdir()) if d.is_dir() and ".autoc-" in d.name]
        if any(len(os.listdir(d)) > 50 for d in temps if d.exists()):
            break
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert listing(out) - {n for n in listing(out) if n.startswith(".")} in (old_set, new_set)
    nxt = serialize(new, out, "--output", "json")
    assert nxt.returncode == 0, nxt.stderr
    assert listing(out) == new_set
    no_leftovers(out)
    warnings = json.loads(nxt.stdout)["warnings"]
    assert any("did not finish" in w for w in warnings), warnings


def test_stale_files_are_named_in_a_warning(tmp_path):
    a = make_package(tmp_path, "stalepkg", 3)
    out = tmp_path / "out"
    assert serialize(a, out).returncode == 0
    (a / "mod000.py").write_text("from autoc import task\n\n@task\ndef t0(a: int) -> int:\n    return a\n")
    p = serialize(a, out)
    assert p.returncode == 0
    assert "removed 2 .pb file(s)" in p.stderr and "stalepkg.mod000.t1_1.pb" in p.stderr, p.stderr
    q = serialize(a, out, "--output", "json")
    assert json.loads(q.stdout)["warnings"] == []
