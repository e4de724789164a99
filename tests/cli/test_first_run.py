"""What a first run trips over: JSON on every exit, NO_COLOR, files skipped for their names, -v anywhere, bad
--image values as bad usage, an execute failure printed once."""

from __future__ import annotations

import json
import os
import pty
import subprocess

import pytest
from flyteidl.core import literals_pb2

from tests.conftest import AUTOC, EXAMPLES, REPO, run_autoc

IMAGE = ["--image", "ghcr.io/acme/app:v1"]
TASK = "from autoc import task\n\n@task\ndef f(a: int) -> int:\n    return a\n"


def _json(p: subprocess.CompletedProcess) -> dict:
    assert p.stdout.strip(), p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize("args, code, words", [
    (["--image", "not an image"], 2, "--image: Incorrectly formatted image"),
    (["--image", "a:1", "--image", "b:2"], 2, "Only one default image"),
    (["--image", "a:1", "--no-such-flag"], 2, "No such option"),
])
def test_serialize_json_on_usage_errors(tmp_path, unique_pkg, args, code, words):
    pkg = unique_pkg({"m.py": TASK})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "--output", "json", *args, check=False)
    doc = _json(p)
    assert p.returncode == code and doc["ok"] is False and words in doc["errors"][0]["message"]
    assert words in p.stderr  # and the person reading the log sees it too


def test_serialize_json_on_the_first_error_without_keep_going(tmp_path, unique_pkg):
    pkg = unique_pkg({"a.py": TASK, "b.py": "from autoc import task\n\n@task\ndef g(x) -> int:\n    return 1\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "--output", "json", *IMAGE, check=False)
    doc = _json(p)
    assert p.returncode == 1 and doc["ok"] is False
    assert doc["errors"][0]["where"].endswith("b.py:3") and "has no type annotation" in doc["errors"][0]["message"]
    assert not (tmp_path / "out").exists()


def test_serialize_json_never_lists_files_that_were_not_written(tmp_path, unique_pkg):
    pkg = unique_pkg({"a.py": TASK, "b.py": "from autoc import task\n\n@task\ndef g(x) -> int:\n    return 1\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "--output", "json", "--keep-going", *IMAGE, check=False)
    doc = _json(p)
    assert p.returncode == 1 and doc["ok"] is False and doc["tasks"] == [] and doc["total_bytes"] == 0
    assert not (tmp_path / "out").exists()


def test_serialize_json_when_no_task_is_found(tmp_path, unique_pkg):
    pkg = unique_pkg({"m.py": "x = 1\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "--output", "json", *IMAGE, check=False)
    doc = _json(p)
    assert p.returncode == 1 and doc["ok"] is False and doc["errors"][0]["message"] == "no tasks were found"


def test_files_that_are_not_module_names_are_skipped_with_a_warning(tmp_path, unique_pkg):
    pkg = unique_pkg({"ok.py": TASK, "my-tasks.py": TASK.replace("def f", "def g"), "2nd.py": TASK,
                      "my-pkg/__init__.py": TASK, ".#ok.py": ""})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", *IMAGE)
    warnings = [line for line in p.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3, p.stderr
    assert f"{pkg / 'my-tasks.py'}: skipped: 'my-tasks' is not a valid Python module name" in p.stderr
    assert "rename the file (e.g. to my_tasks.py)" in p.stderr
    assert "rename the file (e.g. to _2nd.py)" in p.stderr
    assert f"{pkg / 'my-pkg'}: skipped" in p.stderr and "rename the package (e.g. to my_pkg)" in p.stderr
    doc = _json(run_autoc("serialize", pkg, "-o", tmp_path / "out", "--output", "json", *IMAGE))
    assert sum("my-tasks.py" in w for w in doc["warnings"]) == 1


def _run_on_a_terminal(args, env) -> bytes:
    """Run autoc with stdout and stderr on a pseudo-terminal, where colour is on unless NO_COLOR says no."""
    master, slave = pty.openpty()
    p = subprocess.Popen([str(AUTOC), *map(str, args)], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=120)
    os.close(master)
    return out


def test_no_color_is_honoured_by_error_and_warning_lines(tmp_path, unique_pkg):
    pkg = unique_pkg({"my-tasks.py": TASK, "b.py": "from autoc import task\n\n@task\ndef g(x) -> int:\n    return 1\n"})
    args = ["serialize", pkg, "-o", tmp_path / "out", "--keep-going", *IMAGE]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = _run_on_a_terminal(args, env)
    assert b"\x1b[" in coloured and b"has no type annotation" in coloured  # the check below can see colour
    plain = _run_on_a_terminal(args, dict(env, NO_COLOR="1"))
    assert b"has no type annotation" in plain and b"warning:" in plain and b"error(s)" in plain
    assert b"\x1b" not in plain
    usage = _run_on_a_terminal(["serialize", pkg, "-o", tmp_path / "out", "--image", "bad image"],
                               dict(env, NO_COLOR="1"))
    assert b"Incorrectly formatted image" in usage and b"\x1b" not in usage


@pytest.mark.parametrize("cmd", [["serialize"], ["register"], ["build-image"], ["execute"], ["config", "show"]])
def test_verbose_is_accepted_after_every_command(cmd):
    p = run_autoc(*cmd, "-v", "--help")
    assert p.returncode == 0 and "-v, --verbose" in p.stdout


def test_verbose_after_the_command_shows_detail_and_tracebacks(tmp_path, unique_pkg):
    p = run_autoc("serialize", EXAMPLES / "workflows" / "sub", "-o", tmp_path / "out", *IMAGE, "-v")
    assert f"source root: {EXAMPLES}" in p.stderr
    pkg = unique_pkg({"b.py": "from autoc import task\n\n@task\ndef g(x) -> int:\n    return 1\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "o2", *IMAGE, "-v", check=False)
    assert p.returncode == 1 and "Traceback" in p.stderr
    p = run_autoc("serialize", pkg, "-o", tmp_path / "o2", *IMAGE, check=False)
    assert p.returncode == 1 and "Traceback" not in p.stderr


def test_an_execute_failure_is_printed_once(tmp_path):
    (tmp_path / "inputs.pb").write_bytes(literals_pb2.LiteralMap().SerializeToString())
    p = run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out",
                  "--resolver", "autoc.resolvers.default_task_resolver", "--", "task-module",
                  "tests.runtime.rtpkg.tasks", "task-name", "no_such_task", cwd=REPO)
    assert (tmp_path / "out" / "error.pb").exists()
    assert p.stderr.count("has no task named 'no_such_task'") == 1, p.stderr



def test_register_refuses_a_bad_image_as_bad_usage(tmp_path, unique_pkg):
    pkg = unique_pkg({"m.py": TASK})
    p = run_autoc("register", pkg, "--image", "not an image", "--dry-run", "--output", "json", check=False)
    assert p.returncode == 2 and "--image: Incorrectly formatted image" in p.stderr
    assert _json(p)["ok"] is False


def test_a_run_that_finds_no_task_leaves_the_earlier_set_in_place(tmp_path, unique_pkg):
    run_autoc("serialize", unique_pkg({"m.py": TASK}), "-o", tmp_path / "out", *IMAGE)
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    p = run_autoc("serialize", unique_pkg({"m.py": "x = 1\n"}), "-o", tmp_path / "out", *IMAGE, check=False)
    assert p.returncode == 1 and "no tasks were found" in p.stderr and "nothing was written" in p.stderr
    assert before and sorted(p.name for p in (tmp_path / "out").iterdir()) == before
