"""``autoc register`` of tasks, workflows and launch plans, from the ``_1/_2/_3.pb`` files pyflyte (the oracle) writes
for tests/remote/wfdata/regflows, against the loopback FlyteAdmin (tests/admin_server), which compiles workflows at
creation as flyteadmin does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2

from tests.admin_server import AdminServer
from tests.conftest import REPO, oracle_venv, run_autoc

WFDATA = REPO / "tests" / "remote" / "wfdata"
IMAGE = "ghcr.io/acme/app:v1"
P, D = "flytesnacks", "development"
M = "regflows.flows."
TASKS = [M + n for n in ("fetch", "train", "report")]
WORKFLOWS = [M + n for n in ("prepare", "pipeline", "summary")]
PLANS = [*WORKFLOWS, "nightly", "weekly"]  # each workflow's default launch plan, and two named ones


def _oracle_env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("FLYTE")}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """What `pyflyte serialize` writes for regflows: 3 tasks, 3 workflows, 5 launch plans."""
    out = tmp_path_factory.mktemp("pyflyte")
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "regflows", "serialize", "--image", IMAGE,
                        "workflows", "-f", str(out)], cwd=WFDATA, env=_oracle_env(), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert len(list(out.glob("*.pb"))) == 11
    return out


@pytest.fixture
def admin(tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db")) as server:
        yield server


def register(admin, *args, check=False):
    return run_autoc("register", *args, "--endpoint", admin.address, "--insecure", "--output", "json", check=check)


def result(p):
    assert p.stdout, p.stderr
    return json.loads(p.stdout)


def names(keys):
    return sorted(k.name for k in keys)


def copy_files(files, tmp_path, drop=()):
    out = tmp_path / "specs"
    shutil.copytree(files, out)
    for pattern in drop:
        for f in out.glob(pattern):
            f.unlink()
    return out


def test_every_kind_is_created_and_a_rerun_writes_nothing(admin, files):
    out = result(register(admin, files, "--version", "v1", check=True))
    assert out["summary_by_kind"] == {"tasks": {"created": 3}, "workflows": {"created": 3},
                                      "launch_plans": {"created": 5}}
    assert [e["kind"] for e in out["entities"]] == ["task"] * 3 + ["workflow", "launch_plan"] * 2 + [
        "launch_plan", "launch_plan", "workflow", "launch_plan"]
    assert names(admin.tasks()) == sorted(TASKS) and names(admin.workflows()) == sorted(WORKFLOWS)
    assert names(admin.launch_plans()) == sorted(PLANS)
    writes, calls = admin.writes, admin.calls
    again = result(register(admin, files, "--version", "v1", check=True))
    assert again["summary"] == {"unchanged": 11}
    assert admin.writes == writes
    after = admin.calls
    assert all(after[m] == calls[m] for m in ("CreateTask", "CreateWorkflow", "CreateLaunchPlan"))


def test_identities_are_the_ones_pyflyte_register_sends(admin, files, tmp_path):
    """pyflyte register (the oracle) into one server, autoc register of pyflyte's files into another: every
    workflow and launch plan is stored the same, references included (project, domain, version filled in)."""
    register(admin, files, "--version", "v1", check=True)
    cfg = tmp_path / "config.yaml"
    with AdminServer(db_path=str(tmp_path / "oracle.db")) as oracle:
        cfg.write_text(f"admin:\n  endpoint: dns:///{oracle.address}\n  insecure: true\n")
        p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "-c", str(cfg), "register", "--copy", "none",
                            "--version", "v1", "--image", IMAGE, "regflows"], cwd=WFDATA, env=_oracle_env(),
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert names(oracle.workflows()) == names(admin.workflows())
        assert names(oracle.launch_plans()) == names(admin.launch_plans())
        for name in WORKFLOWS:
            ours, theirs = admin.workflow(P, D, name, "v1"), oracle.workflow(P, D, name, "v1")
            assert ours.closure.compiled_workflow == theirs.closure.compiled_workflow, name
        for name in PLANS:
            ours, theirs = admin.launch_plan(P, D, name, "v1"), oracle.launch_plan(P, D, name, "v1")
            assert (ours.id, ours.spec) == (theirs.id, theirs.spec), name
    compiled = admin.workflow(P, D, M + "summary", "v1").closure.compiled_workflow.primary.template
    node = next(n for n in compiled.nodes if n.id not in ("start-node", "end-node"))
    ref = node.workflow_node.launchplan_ref
    assert (ref.project, ref.domain, ref.name, ref.version) == (P, D, "weekly", "v1")


def test_a_changed_launch_plan_default_is_a_conflict_with_its_diff(admin, files, tmp_path):
    assert result(register(admin, files, "--version", "v1", check=True))["ok"]
    changed = copy_files(files, tmp_path)
    (path,) = changed.glob("*_nightly_3.pb")
    plan = launch_plan_pb2.LaunchPlan.FromString(path.read_bytes())
    plan.spec.default_inputs.parameters["epochs"].default.scalar.primitive.integer = 11
    path.write_bytes(plan.SerializeToString())
    p = register(admin, changed, "--version", "v1")
    assert p.returncode == 1
    out = result(p)
    assert out["summary"] == {"unchanged": 10, "conflict": 1}
    (conflict,) = [e for e in out["entities"] if e["status"] == "conflict"]
    assert conflict["kind"] == "launch_plan" and conflict["name"] == "nightly"
    assert conflict["diff"] == [{"path": "spec.default_inputs.parameters.epochs.default.scalar.primitive.integer",
                                 "server": "'10'", "local": "'11'"}]
    stored = admin.launch_plan(P, D, "nightly", "v1")
    assert stored.spec.default_inputs.parameters["epochs"].default.scalar.primitive.integer == 10
    p = run_autoc("register", changed, "--version", "v1", "--endpoint", admin.address, "--insecure", check=False)
    assert "conflict: launch plan nightly" in p.stderr and "+ local:  '11'" in p.stderr


def test_transient_faults_half_after_the_write_leave_every_entity_exactly_once(tmp_path, files):
    with AdminServer(db_path=str(tmp_path / "a.db"), unavailable_fraction=0.1, lost_answer_fraction=0.1,
                     seed=3) as admin:
        out = result(register(admin, files, "--version", "v1", "--concurrency", "4", check=True))
        assert out["summary"] == {"created": 11}
        assert names(admin.tasks()) == sorted(TASKS) and names(admin.workflows()) == sorted(WORKFLOWS)
        assert names(admin.launch_plans()) == sorted(PLANS)
        assert admin.writes == 11  # each entity stored once, by one of its attempts
        assert admin.faults.lost_answers > 0  # some writes were done and their answer lost, then retried
        creates = sum(admin.calls[m] for m in ("CreateTask", "CreateWorkflow", "CreateLaunchPlan"))
        assert creates > 11


def test_a_workflow_calling_a_launch_plan_is_created_after_it(admin, files, tmp_path):
    out = result(register(admin, files, "--version", "v1", check=True))
    weekly = admin.store.get(_key("weekly"), "launch_plans")
    summary = admin.store.get(_key(M + "summary"), "workflows")
    assert weekly.created_at < summary.created_at
    # the server would refuse it otherwise: the same workflow alone, at a version without its launch plan
    alone = copy_files(files, tmp_path, drop=["*_3.pb"])
    p = register(admin, alone, "--version", "v2")
    assert p.returncode == 1
    failed = {e["name"]: e["message"] for e in result(p)["entities"] if e["status"] == "failed"}
    assert "missing entity of type LAUNCH_PLAN" in failed[M + "summary"] and "weekly" in failed[M + "summary"]
    assert "hint: what it references is not registered at that version" in failed[M + "summary"]
    assert out["ok"]


def _key(name, version="v1"):
    from tests.admin_server.store import Key

    return Key(P, D, name, version)


def test_nothing_is_created_that_references_a_failed_entity(admin, files, tmp_path):
    broken = copy_files(files, tmp_path)
    (path,) = broken.glob("*_" + M + "fetch_1.pb")
    spec = task_pb2.TaskSpec.FromString(path.read_bytes())
    spec.template.container.image = ""  # flyteadmin: "missing image"
    path.write_bytes(spec.SerializeToString())
    p = register(admin, broken, "--version", "v1", "--keep-going")
    assert p.returncode == 1
    out = {e["name"] + "/" + e["kind"]: e for e in result(p)["entities"]}
    assert out[M + "fetch/task"]["status"] == "failed" and "missing image" in out[M + "fetch/task"]["message"]
    assert out[M + "prepare/workflow"]["status"] == "skipped"
    assert out[M + "prepare/workflow"]["message"] == f"not created: it references task {M}fetch, which failed"
    assert out[M + "pipeline/workflow"]["status"] == "skipped"  # its subworkflow's template runs fetch too
    assert out["nightly/launch_plan"]["message"] == (f"not created: it references workflow {M}pipeline, which was "
                                                     "skipped")
    assert {e["status"] for k, e in out.items() if not k.endswith("/task")} == {"skipped"}
    assert names(admin.tasks()) == [M + "report", M + "train"]
    assert admin.workflows() == [] and admin.launch_plans() == []


def test_dry_run_diff_covers_every_kind(admin, files):
    p = register(admin, files, "--version", "v1", "--dry-run", "--diff")
    assert p.returncode == 1 and result(p)["summary"] == {"would-create": 11}
    assert admin.writes == 0
    register(admin, files, "--version", "v1", check=True)
    writes = admin.writes
    p = register(admin, files, "--version", "v1", "--dry-run", "--diff")
    assert p.returncode == 0 and result(p)["summary_by_kind"] == {
        "tasks": {"unchanged": 3}, "workflows": {"unchanged": 3}, "launch_plans": {"unchanged": 5}}
    assert admin.writes == writes


def test_activating_launch_plans_makes_the_new_version_the_active_one(admin, files):
    out = result(register(admin, files, "--version", "v1", "--activate-launchplans", check=True))
    assert all(e["activated"] for e in out["launch_plans"]) and len(out["launch_plans"]) == 5
    assert admin.active_versions(P, D, "nightly") == ["v1"]
    result(register(admin, files, "--version", "v2", check=True))
    assert admin.active_versions(P, D, "nightly") == ["v1"]  # registering alone activates nothing
    result(register(admin, files, "--version", "v2", "--activate-launchplans", check=True))
    for name in PLANS:  # the scheduled nightly included: v2 fires now, v1 no longer
        assert admin.active_versions(P, D, name) == ["v2"], name
    updates = admin.calls["UpdateLaunchPlan"]
    again = result(register(admin, files, "--version", "v2", "--activate-launchplans", check=True))
    assert again["summary"] == {"unchanged": 11} and all(e["activated"] for e in again["launch_plans"])
    assert admin.calls["UpdateLaunchPlan"] == updates  # already active: no call


def test_the_default_version_is_a_digest_over_every_entity(admin, files, tmp_path):
    first = result(register(admin, files, "--dry-run"))["version"]
    changed = copy_files(files, tmp_path)
    (path,) = changed.glob("*_weekly_3.pb")
    plan = launch_plan_pb2.LaunchPlan.FromString(path.read_bytes())
    plan.spec.max_parallelism = 3
    path.write_bytes(plan.SerializeToString())
    assert result(register(admin, changed, "--dry-run"))["version"] != first
    assert result(register(admin, copy_files(files, tmp_path / "again"), "--dry-run"))["version"] == first


def test_a_pyflyte_package_archive_registers_like_its_files(admin, files, tmp_path):
    archive = tmp_path / "app.tgz"
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "regflows", "package", "--image", IMAGE,
                        "-o", str(archive)], cwd=WFDATA, env=_oracle_env(), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = result(register(admin, archive, "--version", "v1", check=True))
    assert out["summary"] == {"created": 11}  # in index order, although the archive lists its members unsorted
    assert result(register(admin, files, "--version", "v1", check=True))["summary"] == {"unchanged": 11}


def test_files_that_are_not_specs_are_refused_with_a_hint(admin, files, tmp_path):
    odd = copy_files(files, tmp_path)
    (odd / "00_notes_4.pb").write_bytes(b"")
    p = register(admin, odd, "--version", "v1")
    assert p.returncode == 2 and "00_notes_4.pb is not a Flyte spec file" in p.stderr and "hint:" in p.stderr
    (odd / "00_notes_4.pb").unlink()
    (next(odd.glob("*_nightly_3.pb"))).write_bytes(b"\xff\xff")
    p = register(admin, odd, "--version", "v1")
    assert p.returncode == 2 and "is not a flyteidl.admin.LaunchPlan" in p.stderr and "Traceback" not in p.stderr
    assert admin.writes == 0


SOURCES = '''\
from autoc import CronSchedule, LaunchPlan, task, workflow


@task
def fetch(day: str) -> str:
    return "data-" + day


@task
def train(data: str, epochs: int = 3) -> float:
    return float(len(data) * epochs)


@workflow
def prep(day: str) -> str:
    return fetch(day=day)


@workflow
def pipeline(day: str, epochs: int = 5) -> float:
    """Fetch a day of data and train on it."""
    return train(data=prep(day=day), epochs=epochs)


nightly = LaunchPlan.get_or_create(pipeline, name="nightly", default_inputs={"epochs": EPOCHS},
                                   fixed_inputs={"day": "today"}, schedule=CronSchedule(schedule="0 2 * * *"))
'''


def test_sources_register_as_pyflyte_registers_them(admin, unique_pkg, tmp_path):
    """autoc register of autoc sources and pyflyte register of the same sources (through tests/oracle_shim) store
    the same workflows and launch plans; a re-run writes nothing; a changed launch-plan default is a conflict."""
    pkg = unique_pkg({"flows.py": SOURCES.replace("EPOCHS", "10")})
    args = ("--version", "v1", "--copy", "none", "--image", IMAGE)
    out = result(register(admin, pkg, *args, check=True))
    assert out["summary_by_kind"] == {"tasks": {"created": 2}, "workflows": {"created": 2},
                                      "launch_plans": {"created": 3}}
    cfg = tmp_path / "config.yaml"
    with AdminServer(db_path=str(tmp_path / "oracle.db")) as oracle:
        cfg.write_text(f"admin:\n  endpoint: dns:///{oracle.address}\n  insecure: true\n")
        p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "-c", str(cfg), "register", "--copy", "none",
                            "--version", "v1", "--image", IMAGE, pkg.name], cwd=pkg.parent,
                           env={**_oracle_env(), "PYTHONPATH": str(REPO / "tests" / "oracle_shim")},
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert names(oracle.workflows()) == names(admin.workflows())
        assert names(oracle.launch_plans()) == names(admin.launch_plans())
        for key in admin.workflows():
            ours, theirs = (s.workflow(*key).closure.compiled_workflow for s in (admin, oracle))
            assert (ours.primary, list(ours.sub_workflows)) == (theirs.primary, list(theirs.sub_workflows)), key
        for key in admin.launch_plans():
            assert admin.launch_plan(*key).spec == oracle.launch_plan(*key).spec, key
    writes = admin.writes
    assert result(register(admin, pkg, *args, check=True))["summary"] == {"unchanged": 7}
    assert admin.writes == writes
    (pkg / "flows.py").write_text(SOURCES.replace("EPOCHS", "11"))
    p = register(admin, pkg, *args)
    assert p.returncode == 1
    (conflict,) = [e for e in result(p)["entities"] if e["status"] != "unchanged"]
    assert (conflict["kind"], conflict["name"], conflict["status"]) == ("launch_plan", "nightly", "conflict")
    assert conflict["diff"] == [{"path": "spec.default_inputs.parameters.epochs.default.scalar.primitive.integer",
                                 "server": "'10'", "local": "'11'"}]


READS = ("CreateTask", "CreateWorkflow", "CreateLaunchPlan", "GetWorkflow", "GetTask", "GetLaunchPlan")


def test_an_unchanged_rerun_at_the_content_version_neither_creates_nor_reads_workflows(admin, files, unique_pkg,
                                                                                       tmp_path):
    """At the default version (a digest of every entity) the listings say all: what the server holds under it is
    these very entities, so a re-run makes no Create call and reads no workflow, for pyflyte's files and for autoc
    sources alike; under an explicit version each listed workflow is read and compared, still without a Create."""
    pkg = unique_pkg({"flows.py": SOURCES.replace("EPOCHS", "10")})
    for tree, args, count in ((files, (), 11), (pkg, ("--copy", "none", "--image", IMAGE), 7)):
        first = result(register(admin, tree, *args, check=True))
        assert first["summary"] == {"created": count}
        calls = admin.calls
        again = result(register(admin, tree, *args, check=True))
        assert again["summary"] == {"unchanged": count} and again["version"] == first["version"]
        assert {m: admin.calls[m] - calls[m] for m in READS} == dict.fromkeys(READS, 0)
        assert {m: admin.calls[m] - calls[m] for m in ("ListTasks", "ListWorkflows", "ListLaunchPlans")} == \
            dict.fromkeys(("ListTasks", "ListWorkflows", "ListLaunchPlans"), 1)
    register(admin, files, "--version", "v1", check=True)
    calls = admin.calls
    assert result(register(admin, files, "--version", "v1", check=True))["summary"] == {"unchanged": 11}
    assert {m: admin.calls[m] - calls[m] for m in READS} == {**dict.fromkeys(READS, 0), "GetWorkflow": 3}


def test_a_changed_workflow_under_an_explicit_version_is_a_conflict_with_its_diff(admin, unique_pkg):
    """An explicit version proves nothing about content: the workflow is read and compared, and a changed body is a
    conflict naming the field (the server, which may keep its own normal form, has the last word: nothing is
    written)."""
    pkg = unique_pkg({"flows.py": SOURCES.replace("EPOCHS", "10")})
    args = ("--version", "v1", "--copy", "none", "--image", IMAGE)
    register(admin, pkg, *args, check=True)
    (pkg / "flows.py").write_text(SOURCES.replace("EPOCHS", "10").replace("epochs=epochs)", "epochs=4)"))
    writes = admin.writes
    p = register(admin, pkg, *args)
    assert p.returncode == 1
    bad = [e for e in result(p)["entities"] if e["status"] != "unchanged"]
    assert [(e["kind"], e["name"].rsplit(".", 1)[-1], e["status"]) for e in bad][0] == \
        ("workflow", "pipeline", "conflict")
    assert any("epochs" in d["path"] or "'4'" in d["local"] for d in bad[0]["diff"]), bad[0]["diff"]
    assert admin.writes == writes
