"""The command line: help that teaches, exit codes CI can trust, json output, atomic and archived output."""

from __future__ import annotations

import json
import tarfile

import pytest
from click.testing import CliRunner

from autoc.cli.main import cli, main
from tests.conftest import EXAMPLES, run_autoc
from tests.golden import load_dir

IMAGE = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


def test_top_level_help_lists_every_command():
    p = run_autoc("--help")
    for cmd in ("serialize", "register", "build-image", "execute", "config"):
        assert cmd in p.stdout
    assert "autoc serialize ./workflows" in p.stdout


@pytest.mark.parametrize("cmd", ["serialize", "register", "build-image", "execute"])
def test_each_command_has_help(cmd):
    p = run_autoc(cmd, "--help")
    assert "Usage: autoc " + cmd in p.stdout


def test_serialize_examples_text_output(tmp_path):
    p = run_autoc("serialize", EXAMPLES / "workflows", "-o", tmp_path / "out", *IMAGE)
    n, w = (len(list((tmp_path / "out").glob(f"*_{k}.pb"))) for k in (1, 2))
    total = sum(f.stat().st_size for f in (tmp_path / "out").glob("*.pb"))
    assert w >= 4
    assert p.stdout.strip().startswith(f"Wrote {n} tasks, {w} workflows")
    assert p.stdout.strip().endswith(f" to {tmp_path / 'out'} ({total:,} bytes).")


def test_verbose_prints_source_root_and_modules(tmp_path):
    p = run_autoc("-v", "serialize", EXAMPLES / "workflows", "-o", tmp_path / "out", *IMAGE)
    assert f"source root: {EXAMPLES}" in p.stderr
    assert "module workflows.sub.etl" in p.stderr


def test_json_output_lists_tasks_files_and_digests(tmp_path):
    import hashlib

    p = run_autoc("serialize", EXAMPLES / "workflows", "-o", tmp_path / "out", "--output", "json", *IMAGE)
    data = json.loads(p.stdout)
    assert data["ok"] is True and data["errors"] == []
    first = data["tasks"][0]
    assert first["task"] == "workflows.basic.add" and first["file"].lstrip("0") == "_workflows.basic.add_1.pb"
    blob = (tmp_path / "out" / first["file"]).read_bytes()
    assert first["sha256"] == hashlib.sha256(blob).hexdigest() and first["bytes"] == len(blob)
    assert data["total_bytes"] == sum(t["bytes"] for t in data["tasks"])


def test_archive_holds_the_same_files_and_is_reproducible(tmp_path):
    run_autoc("serialize", EXAMPLES / "workflows", "-o", tmp_path / "out", "--archive", tmp_path / "a.tgz", *IMAGE)
    run_autoc("serialize", EXAMPLES / "workflows", "--archive", tmp_path / "b.tgz", *IMAGE)
    assert (tmp_path / "a.tgz").read_bytes() == (tmp_path / "b.tgz").read_bytes()
    with tarfile.open(tmp_path / "a.tgz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert members == {p.name: p.read_bytes() for p in (tmp_path / "out").glob("*.pb")}


def test_failure_exits_nonzero_without_traceback_and_leaves_output_untouched(unique_pkg, tmp_path):
    pkg = unique_pkg({"ok.py": "from autoc import task\n@task\ndef fine() -> None:\n    pass\n",
                      "bad.py": "x = 1\ny = undefined_name\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "0_old.task_1.pb").write_bytes(b"previous run")
    p = run_autoc("serialize", pkg, "-o", out, *IMAGE, check=False)
    assert p.returncode == 1
    assert f"{pkg / 'bad.py'}:2:" in p.stderr
    assert "NameError: name 'undefined_name' is not defined" in p.stderr
    assert "Traceback" not in p.stderr
    assert [f.name for f in out.iterdir()] == ["0_old.task_1.pb"]
    p = run_autoc("-v", "serialize", pkg, "-o", out, *IMAGE, check=False)
    assert "Traceback" in p.stderr


def test_keep_going_reports_all_and_json_carries_errors(unique_pkg, tmp_path):
    pkg = unique_pkg({"a.py": "raise ValueError('first')\n", "b.py": "raise ValueError('second')\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "--keep-going", "--output", "json", *IMAGE, check=False)
    assert p.returncode == 1
    errors = json.loads(p.stdout)["errors"]
    assert [e["where"] for e in errors] == [f"{pkg / 'a.py'}:1", f"{pkg / 'b.py'}:1"]
    assert not (tmp_path / "out").exists()


def test_stale_files_from_a_previous_run_are_removed_but_others_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "99_gone.task_1.pb").write_bytes(b"old")
    (out / "notes.txt").write_text("mine")
    run_autoc("serialize", EXAMPLES / "workflows", "-o", out, *IMAGE)
    assert not (out / "99_gone.task_1.pb").exists() and (out / "notes.txt").read_text() == "mine"
    assert not [p for p in out.iterdir() if p.name.startswith(".autoc-")]


def test_usage_errors_exit_2(tmp_path):
    p = run_autoc("serialize", EXAMPLES / "workflows", *IMAGE, check=False)
    assert p.returncode == 2 and "nothing to write" in p.stderr and "--out-dir" in p.stderr
    p = run_autoc("serialize", EXAMPLES / "workflows", "-o", tmp_path, "--image", "a:1", "--image", "b:2",
                  check=False)
    assert p.returncode == 2 and "Only one default image" in p.stderr
    p = run_autoc("serialize", tmp_path / "missing", "-o", tmp_path, check=False)
    assert p.returncode == 2 and "does not exist" in p.stderr


def test_no_tasks_found_is_a_failure(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "x = 1\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", *IMAGE, check=False)
    assert p.returncode == 1 and "no tasks were found" in p.stderr


def test_image_from_environment_variable(tmp_path):
    run_autoc("serialize", EXAMPLES / "workflows" / "sub", "-o", tmp_path / "out",
              env={"AUTOC_IMAGE": "ghcr.io/acme/env:7"})
    spec = next(iter(load_dir(tmp_path / "out").values()))
    assert spec.template.container.image == "ghcr.io/acme/env:7"


def test_click_runner_in_process(tmp_path):
    """The same command through click's runner: the library path without a subprocess."""
    runner = CliRunner()
    result = runner.invoke(cli, ["serialize", str(EXAMPLES / "workflows" / "sub"), "-o", str(tmp_path / "o"), *IMAGE])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "o").glob("*.pb")) == ["0_workflows.sub.etl.extract_1.pb",
                                                                       "1_workflows.sub.etl.load_1.pb"]


def test_main_returns_exit_codes(tmp_path, capsys):
    assert main(["serialize", str(EXAMPLES / "workflows"), *IMAGE]) == 2
    assert "nothing to write" in capsys.readouterr().err


def test_pickled_types_are_warned_about_at_serialize_time(tmp_path):
    p = run_autoc("serialize", EXAMPLES / "workflows" / "basic.py", "-o", tmp_path / "out", *IMAGE,
                  "--source-root", EXAMPLES)
    assert "warning:" in p.stderr and "task workflows.basic.everything input 'raw' (bytes) travels as a pickle" \
        in p.stderr
    p = run_autoc("serialize", EXAMPLES / "workflows" / "basic.py", "-o", tmp_path / "out", *IMAGE,
                  "--source-root", EXAMPLES, "--output", "json")
    assert any("input 'raw'" in w for w in json.loads(p.stdout)["warnings"])
