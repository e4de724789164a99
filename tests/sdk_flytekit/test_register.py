"""``autoc register --sdk flytekit`` and ``pyflyte register`` on the same unmodified flytekit tree, against one
loopback FlyteAdmin (tests/admin_server): the same code bundle, the same version, the same stored specs, and
whichever tool runs second finds everything already there."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.admin_server import AdminServer
from tests.conftest import oracle_venv, run_autoc
from tests.sdk_flytekit.corpus import make_project

LIMITS = {"cpu": "64", "memory": "1Ti", "gpu": "8"}
PROJECT, DOMAIN = "flytesnacks", "development"
IMAGES = ["--image", "ghcr.io/acme/app:v1", "--image", "gpu=ghcr.io/acme/gpu:v3"]


@pytest.fixture
def proj(tmp_path) -> Path:
    """A copy of the corpus in a git repository of its own (pyflyte reads .gitignore through git and hashes
    remote.origin.url and the absolute source root into the version)."""
    root = make_project(tmp_path)
    (root / ".gitignore").write_text("*.log\n")
    (root / "app" / "debug.log").write_text("not bundled\n")
    (root / ".flyteignore").write_text("app/data/table.csv\n")
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "remote", "add", "origin", "git@github.com:acme/proj.git"], cwd=root, check=True)
    return root


def pyflyte_register(admin: AdminServer, root: Path, tmp_path: Path, *args: str, check: bool = True):
    cfg = tmp_path / "flytekit.yaml"
    cfg.write_text(f"admin:\n  endpoint: dns:///{admin.address}\n  insecure: true\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTECTL_CONFIG")}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "-c", str(cfg), "register", "--project", PROJECT,
                        "--domain", DOMAIN, *IMAGES, *args, "app"], cwd=root, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0 or not check, p.stdout[-3000:] + p.stderr[-3000:]
    return p.stdout if check else p


def autoc_register(admin: AdminServer, root: Path, *args: str) -> dict:
    p = run_autoc("register", "--sdk", "flytekit", "app", "--endpoint", admin.address, "--insecure",
                  "--project", PROJECT, "--domain", DOMAIN, "--assume-images-exist", "--output", "json", *IMAGES, *args,
                  cwd=root)
    return json.loads(p.stdout)


def creations(admin: AdminServer) -> int:
    return sum(admin.calls[m] for m in ("CreateTask", "CreateWorkflow", "CreateLaunchPlan"))


def stored(admin: AdminServer) -> dict:
    """Every entity the server holds: (kind, name, version) -> what it stores."""
    out = {("task", k.name, k.version): admin.task_spec(k.project, k.domain, k.name, k.version) for k in admin.tasks()}
    out.update({("workflow", k.name, k.version): admin.workflow(k.project, k.domain, k.name, k.version)
                for k in admin.workflows()})
    out.update({("launch_plan", k.name, k.version): admin.launch_plan(k.project, k.domain, k.name, k.version)
                for k in admin.launch_plans()})
    return out


@pytest.mark.parametrize("first", ["pyflyte", "autoc"])
def test_both_tools_register_the_same_entities_and_rerun_unchanged(tmp_path, proj, first):
    with AdminServer(platform_limits=LIMITS) as admin:
        if first == "pyflyte":
            out = pyflyte_register(admin, proj, tmp_path)
            theirs = stored(admin)
            creates, blobs = creations(admin), dict(admin.blobs)
            result = autoc_register(admin, proj)
            assert result["summary"] == {"unchanged": len(theirs)}, result
            assert creations(admin) == creates  # no create call: the listing at pyflyte's version says it all
            assert admin.blobs == blobs  # the same bundle, at the same place
            assert stored(admin) == theirs
        else:
            result = autoc_register(admin, proj)
            # auto_activate=True: activated by registering, as pyflyte does (the others are not)
            assert admin.active_versions(PROJECT, DOMAIN, "daily_report_nightly") == [result["version"]]
            assert admin.active_versions(PROJECT, DOMAIN, "app.pipelines.training") == []
            ours = stored(admin)
            p = pyflyte_register(admin, proj, tmp_path, check=False)
            out = p.stdout
            assert stored(admin) == ours  # every CreateTask answered ALREADY_EXISTS: identical specs
            assert f"Computed version is {result['version']}" in out
            if p.returncode != 0:
                # pyflyte lists a node's upstream nodes in set order, which changes from run to run: a workflow
                # with a node after two others is refused for that order alone, after pyflyte as after autoc
                # (autoc compares them as a set). Nothing else may differ.
                assert "workflow with different structure already exists" in out
                changed = re.findall(r"^(/\S+):$", out, re.M)
                assert changed and all(re.fullmatch(r"/primary/template/nodes/\d+/upstream_node_ids/\d+", c)
                                       for c in changed), changed
            theirs = ours
        assert f"Computed version is {result['version']}" in out
        kinds = [k for k, _, _ in theirs]
        # (+ maps.py, dynamic.py and eager.py: 20 tasks with 5 map tasks and 2 eager cleanup tasks, 9 workflows;
        # + filetypes.py: 5 tasks, a workflow and its launch plan; + maps.py's legacy map tasks: 3 tasks with 2
        # container_array map tasks, 2 workflows; + its array nodes over launch plans: 3 workflows, 4 launch plans)
        assert (kinds.count("task"), kinds.count("workflow"), kinds.count("launch_plan")) == (98, 38, 46)
        assert {v for _, _, v in theirs} == {result["version"]}
        add = next(s for (_, n, _), s in theirs.items() if n == "app.basic.add")
        args = list(add.template.container.args)
        assert args[:3] == ["pyflyte-fast-execute", "--additional-distribution", args[2]]
        assert args[2].endswith(".tar.gz") and args[args.index("--dest-dir") + 1] == "/root"
        bundle = admin.blobs[next(iter(admin.blobs))]
        import io
        import tarfile

        names = tarfile.open(fileobj=io.BytesIO(bundle)).getnames()
        assert "app/basic.py" in names and "requirements.txt" in names and "app/data/image-requirements.txt" in names
        assert "app/debug.log" not in names and "app/data/table.csv" not in names  # .gitignore, .flyteignore
