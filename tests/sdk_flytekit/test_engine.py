"""The flytekit engine (``--sdk flytekit --engine flytekit|auto --python PATH``) against real flytekit in separate
environments: the oracle venv (flytekit 1.16.31) and the plugins venv (flytekit 1.16.31 with four PyPI plugins:
kfpytorch, dask, bigquery, pandera; made by scripts/setup-dev). What autoc writes equals what ``pyflyte`` writes
there (parsed messages equal, upstream node ids as a set at every depth); ``autoc register`` of it into the loopback
FlyteAdmin stores every entity once, a re-run creates nothing, and 20% injected UNAVAILABLE changes neither."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2

from tests.admin_server import AdminServer
from tests.conftest import REPO, oracle_venv, run_autoc

CORPUS = Path(__file__).parent / "engine_corpus"
KINDS = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}
P, D = "flytesnacks", "development"


def plugins_venv() -> Path:
    """flytekit 1.16.31 and the plugins (scripts/setup-dev makes it). Missing is a failure, not a skip."""
    venv = Path(os.environ.get("AUTOC_PLUGINS_VENV", REPO / ".plugins-venv"))
    if not (venv / "bin" / "pyflyte").exists():
        pytest.fail(f"plugins venv not found at {venv}; run scripts/setup-dev")
    return venv


def _sort_upstream(nodes) -> None:
    for n in nodes:
        ids = sorted(n.upstream_node_ids)
        del n.upstream_node_ids[:]
        n.upstream_node_ids.extend(ids)
        if n.HasField("branch_node"):
            ie = n.branch_node.if_else
            inner = [ie.case.then_node, *(c.then_node for c in ie.other)]
            _sort_upstream(inner + ([ie.else_node] if ie.HasField("else_node") else []))
        if n.HasField("array_node"):
            _sort_upstream([n.array_node.node])


def parse(name: str, data: bytes):
    """The message of a ``_1/_2/_3.pb`` file; pyflyte lists upstream node ids in set order (compared as sets)."""
    m = KINDS[name[-4]].FromString(data)
    if isinstance(m, workflow_pb2.WorkflowSpec):
        for t in [m.template, *m.sub_workflows]:
            _sort_upstream(list(t.nodes) + ([t.failure_node] if t.HasField("failure_node") else []))
    return m


def load_dir(d: Path) -> dict:
    return {f.name: parse(f.name, f.read_bytes()) for f in sorted(Path(d).glob("*.pb"))}


def assert_same(theirs: dict, ours: dict) -> None:
    assert sorted(ours) == sorted(theirs)
    different = [name for name in theirs if theirs[name] != ours[name]]
    assert different == []


def pyflyte(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # no Docker engine: flytekit cannot tell whether an ImageSpec image exists, assumes it does and builds nothing
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC",
                                                            "FLYTECTL_CONFIG")}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    p = subprocess.run([str(venv / "bin" / "pyflyte"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return p


def copy_of(tmp_path_factory, name: str) -> Path:
    root = tmp_path_factory.mktemp(name) / name
    shutil.copytree(CORPUS / name, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module", autouse=True)
def answer_cache(tmp_path_factory):
    """The engine's answer cache of these tests' runs, apart from the user's."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield Path(os.environ["XDG_CACHE_HOME"]) / "autoc" / "engine"
    if old is None:
        os.environ.pop("XDG_CACHE_HOME")
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    return copy_of(tmp_path_factory, "proj")


@pytest.fixture(scope="module")
def plugins(tmp_path_factory) -> Path:
    return copy_of(tmp_path_factory, "plugins")


@pytest.fixture(scope="module")
def oracle() -> str:
    return str(oracle_venv() / "bin" / "python")


def serialize(root: Path, pkg: str, out: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run_autoc("serialize", "--sdk", "flytekit", pkg, "-o", out, "--output", "json", *args, cwd=root,
                     check=check)


# --- serialize -----------------------------------------------------------------------------------------------------

def test_auto_meets_what_the_face_does_not_build_and_writes_pyflytes_files(proj, oracle, tmp_path):
    (tmp_path / "py").mkdir()
    pyflyte(oracle_venv(), "--pkgs", "eng", "serialize", "workflows", "-f", str(tmp_path / "py"), cwd=proj)
    p = serialize(proj, "eng", tmp_path / "autoc", "--python", oracle)
    result = json.loads(p.stdout)
    assert result["ok"] and result["engine"] == f"flytekit 1.16.31 ({oracle})"
    # the first construct the face met, where: the flytekit.remote import at constructs.py:11
    assert result["engine_reason"] == f"{proj}/eng/constructs.py:11: import flytekit.remote"
    lines = [line for line in p.stderr.splitlines() if line.startswith("autoc: ")]
    assert lines == [f"autoc: {proj}/eng/constructs.py:11: import flytekit.remote: the face does not cover this yet, "
                     f"so the whole run was made by flytekit 1.16.31 ({oracle})"]
    theirs, ours = load_dir(tmp_path / "py"), load_dir(tmp_path / "autoc")
    assert_same(theirs, ours)
    where = {f["task"]: f["where"] for f in result["tasks"] if f["kind"] == "task"}
    assert where["eng.constructs.square"] == f"{proj}/eng/constructs.py:15"  # the (decorated) function behind each
    kinds = {n.WhichOneof("target") for m in ours.values() if isinstance(m, workflow_pb2.WorkflowSpec)
             for n in m.template.nodes}
    assert {"array_node", "branch_node", "gate_node", "task_node", "workflow_node"} <= kinds
    types = {m.template.type for m in ours.values() if isinstance(m, task_pb2.TaskSpec)}
    assert types == {"python-task", "raw-container", "sqlite", "eager_failure_handler_task"}
    assert sum(name.endswith("_1.pb") for name in ours) == 14


def test_the_archive_is_pyflyte_packages(proj, oracle, tmp_path):
    pyflyte(oracle_venv(), "--pkgs", "eng", "package", "-o", str(tmp_path / "py.tgz"), cwd=proj)
    run_autoc("serialize", "--sdk", "flytekit", "--engine", "flytekit", "--python", oracle, "eng", "--archive",
              tmp_path / "autoc.tgz", cwd=proj)

    def members(path: Path) -> dict:
        with tarfile.open(path) as tar:
            return {m.name: parse(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()}

    assert_same(members(tmp_path / "py.tgz"), members(tmp_path / "autoc.tgz"))


def test_an_import_caught_by_except_importerror_sends_the_run_to_flytekit(proj, oracle, tmp_path):
    (tmp_path / "py").mkdir()
    pyflyte(oracle_venv(), "--pkgs", "eng.fallback", "serialize", "workflows", "-f", str(tmp_path / "py"), cwd=proj)
    result = json.loads(serialize(proj, "eng/fallback.py", tmp_path / "autoc", "--python", oracle).stdout)
    assert result["engine_reason"] == (f"{proj}/eng/fallback.py:6: import flytekit.remote (caught by the "
                                       "module's `except ImportError`)")
    assert_same(load_dir(tmp_path / "py"), load_dir(tmp_path / "autoc"))
    assert any(name.endswith("eng.fallback.tables_1.pb") for name in os.listdir(tmp_path / "autoc"))


def test_the_face_alone_refuses_and_says_where(proj, oracle, tmp_path):
    p = run_autoc("serialize", "--sdk", "flytekit", "eng", "-o", tmp_path / "out", "--engine", "face", "--python",
                  oracle, cwd=proj, check=False)
    assert p.returncode == 1 and not (tmp_path / "out").exists()
    assert f"{proj}/eng/constructs.py:11:\nerror: import flytekit.remote: autoc does not implement" in p.stderr


def test_without_a_usable_flytekit_the_refusal_names_the_plugin_to_install(plugins, tmp_path):
    no_flytekit = str(REPO / ".venv" / "bin" / "python")  # autoc's own: no flytekit there
    p = run_autoc("serialize", "--sdk", "flytekit", "plug", "-o", tmp_path / "out", "--python", no_flytekit,
                  cwd=plugins, check=False)
    assert p.returncode == 1 and not (tmp_path / "out").exists()
    assert f"{plugins}/plug/clusters.py:4:" in p.stderr and "import flytekitplugins" in p.stderr
    assert f"`{no_flytekit} -m pip install flytekit flytekitplugins-dask`" in p.stderr
    # forcing the engine there says what is missing
    p = run_autoc("serialize", "--sdk", "flytekit", "--engine", "flytekit", "plug", "-o", tmp_path / "out",
                  "--python", no_flytekit, cwd=plugins, check=False)
    assert p.returncode == 1 and "cannot run the flytekit engine: ModuleNotFoundError" in p.stderr


def test_a_plugin_missing_in_the_engines_interpreter_is_named(plugins, oracle, tmp_path):
    p = run_autoc("serialize", "--sdk", "flytekit", "plug", "-o", tmp_path / "out", "--python", oracle,
                  cwd=plugins, check=False)
    assert p.returncode == 1
    assert f"{plugins}/plug/clusters.py:4:" in p.stderr and "No module named 'flytekitplugins'" in p.stderr
    assert "hint: install flytekitplugins-dask in the engine's interpreter" in p.stderr


def test_four_pypi_plugins_serialize_as_pyflyte_does(plugins, tmp_path):
    venv = plugins_venv()
    (tmp_path / "py").mkdir()
    pyflyte(venv, "--pkgs", "plug", "serialize", "workflows", "-f", str(tmp_path / "py"), cwd=plugins)
    p = run_autoc("-v", "serialize", "--sdk", "flytekit", "--engine", "flytekit", "plug", "-o", tmp_path / "autoc",
                  env={"AUTOC_PYTHON": str(venv / "bin" / "python")}, cwd=plugins)
    assert f"engine: flytekit 1.16.31 ({venv}/bin/python)" in p.stderr
    theirs, ours = load_dir(tmp_path / "py"), load_dir(tmp_path / "autoc")
    assert_same(theirs, ours)
    tasks = {m.template.id.name: m.template for m in ours.values() if isinstance(m, task_pb2.TaskSpec)}
    assert tasks["plug.training.train"].type == "pytorch" and tasks["plug.clusters.crunch"].type == "dask"
    assert tasks["plug.warehouse.orders"].type == "bigquery_query_job_task"
    assert tasks["plug.training.train"].custom["workerReplicas"]["replicas"] == 3
    assert "localhost:30000/trainer:" in str(tasks["plug.training.train"].k8s_pod.pod_spec)


# --- register ------------------------------------------------------------------------------------------------------

def register(admin: AdminServer, root: Path, pkg: str, python: str, *args: str, check: bool = True):
    p = run_autoc("register", "--sdk", "flytekit", pkg, "--endpoint", admin.address, "--insecure", "-p", P, "-d", D,
                  "--python", python, "--assume-images-exist", "--output", "json", *args, cwd=root, check=check)
    return json.loads(p.stdout)


def stored(admin: AdminServer) -> list:
    return sorted([("task", k.name, k.version) for k in admin.tasks()]
                  + [("workflow", k.name, k.version) for k in admin.workflows()]
                  + [("launch_plan", k.name, k.version) for k in admin.launch_plans()])


def creations(admin: AdminServer) -> int:
    return sum(admin.calls[m] for m in ("CreateTask", "CreateWorkflow", "CreateLaunchPlan"))


def test_register_plugins_after_pyflyte_register_finds_everything_unchanged(plugins, tmp_path):
    venv = plugins_venv()
    python = str(venv / "bin" / "python")
    with AdminServer() as admin:
        cfg = tmp_path / "flytekit.yaml"
        cfg.write_text(f"admin:\n  endpoint: dns:///{admin.address}\n  insecure: true\n")
        pyflyte(venv, "-c", str(cfg), "register", "--project", P, "--domain", D, "plug", cwd=plugins)
        theirs, creates = stored(admin), creations(admin)
        assert len(theirs) == 12
        result = register(admin, plugins, "plug", python)
        assert result["summary"] == {"unchanged": 12} and result["engine"].startswith("flytekit 1.16.31")
        assert creations(admin) == creates and result["version"] == theirs[0][2]


def test_register_plugins_once_rerun_unchanged_and_under_faults(plugins, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no answer from the tests before
    python = str(plugins_venv() / "bin" / "python")
    with AdminServer() as admin:
        first = register(admin, plugins, "plug", python)
        assert first["summary"] == {"created": 12}
        assert len(stored(admin)) == 12 and admin.writes == 12 + 1  # every entity once, and the bundle
        again = register(admin, plugins, "plug", python)
        assert again["summary"] == {"unchanged": 12} and again["version"] == first["version"]
        assert creations(admin) == 12
        # the unchanged tree: the engine's earlier answer, no flytekit started
        assert again["engine"] == f"flytekit 1.16.31 ({python}, its answer for this unchanged tree)"
        assert first["engine"] == f"flytekit 1.16.31 ({python})"
        (plugins / "plug" / "clusters.py").write_text((plugins / "plug" / "clusters.py").read_text() + "\n")
        edited = register(admin, plugins, "plug", python)  # a source changed: flytekit runs again
        assert edited["engine"] == first["engine"] and edited["version"] != first["version"]
        assert edited["summary"] == {"created": 12}
    with AdminServer(unavailable_fraction=0.2, seed=7) as admin:
        result = register(admin, plugins, "plug", python, "--concurrency", "4")
        assert result["summary"] == {"created": 12} and result["version"] == edited["version"]
        assert len(stored(admin)) == 12 and admin.writes == 12 + 1
        assert creations(admin) > 12  # some calls were refused and retried


def test_register_array_branch_gate_dynamic_eager_and_reference_entities(proj, oracle, tmp_path):
    with AdminServer(unavailable_fraction=0.2, seed=11) as admin:
        # what refs.py references: registered first, at the version it names
        base = register(admin, proj, "eng/constructs.py", oracle, "--version", "v1")
        assert set(base["summary"]) == {"created"}
        n_base = len(stored(admin))
        result = register(admin, proj, "eng", oracle)
        assert result["engine_reason"] == f"{proj}/eng/constructs.py:11: import flytekit.remote"
        assert result["summary"] == {"created": 30}, [e for e in result["entities"] if e["status"] != "created"]
        assert len(stored(admin)) == n_base + 30
        stored_wf = admin.workflow(P, D, "eng.refs.uses_references", result["version"])
        assert stored_wf is not None
        again = register(admin, proj, "eng", oracle)
        assert again["summary"] == {"unchanged": 30}
        assert len(stored(admin)) == n_base + 30


def test_register_a_module_that_fails_to_import_is_the_error_not_the_server_asked_meanwhile(plugins, tmp_path):
    """The modules load while autoc makes the bundle and asks the server where it goes: a module that failed to
    import is the run's error, at once, even when the server cannot be reached; nothing is written."""
    root = tmp_path / "broken"
    shutil.copytree(plugins, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "plug" / "zz_broken.py").write_text("from flytekitplugins.dask import Dask\n\nraise RuntimeError('on purpose')\n")
    python = str(plugins_venv() / "bin" / "python")
    args = ("register", "--sdk", "flytekit", "plug", "--insecure", "-p", P, "-d", D, "--python", python)
    p = run_autoc(*args, "--endpoint", "127.0.0.1:1", cwd=root, check=False)
    assert p.returncode == 1, p.stderr
    assert f"{root}/plug/zz_broken.py:3" in p.stderr
    assert "error: module plug.zz_broken failed to import: RuntimeError: on purpose" in p.stderr
    assert "cannot reach FlyteAdmin" not in p.stderr  # (no retries of the upload location asked meanwhile)
    with AdminServer() as admin:
        p = run_autoc(*args, "--endpoint", admin.address, cwd=root, check=False)
        assert p.returncode == 1 and "plug.zz_broken failed to import" in p.stderr
        assert admin.writes == 0 and stored(admin) == []


def test_a_prestarted_engine_is_taken_over_once_and_one_nobody_took_is_stopped(oracle):
    from autoc.sdk.flytekit import engine as fk

    fk.prestart(oracle)
    started = fk._PRESTARTED[oracle]
    with fk.FlytekitEngine(oracle) as engine:  # takes the running program over: no second one
        assert engine._proc is started and engine.usable and engine.flytekit_version == "1.16.31"
        assert oracle not in fk._PRESTARTED
        with fk.FlytekitEngine(oracle) as other:
            assert other._proc is not started and other.usable
    assert started.poll() == 0  # closed, it exited by itself
    fk.prestart(oracle)
    left = fk._PRESTARTED[oracle]
    fk._stop_prestarted()  # (at exit) the one nobody took
    assert left.poll() is not None and not fk._PRESTARTED


def test_register_starts_no_flytekit_for_an_unchanged_tree(plugins, tmp_path, monkeypatch):
    """register starts the engine before it imports the rest of itself, but not when the engine's answer for the
    unchanged tree is there (the re-run needs no flytekit)."""
    from autoc.serialize.engines import prestart_register
    from autoc.sdk import Sdk
    from autoc.sdk.flytekit import engine as fk

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    python = str(plugins_venv() / "bin" / "python")
    with AdminServer() as admin:
        register(admin, plugins, "plug", python)
    monkeypatch.chdir(plugins)
    args = (["plug"], None, Sdk.parse("flytekit"), None, python, (), P, D, None, "all")
    prestart_register(*args)  # the answer above, for the same request
    assert python not in fk._PRESTARTED
    prestart_register(*args[:6], "another-project", *args[7:])  # another request: the engine will be asked
    assert python in fk._PRESTARTED
    fk._stop_prestarted()


def test_a_python_that_does_not_exist_is_said_not_a_traceback(plugins, tmp_path):
    missing = str(tmp_path / "no" / "bin" / "python")
    reg = ("register", "--sdk", "flytekit", "plug", "--endpoint", "127.0.0.1:1", "--insecure", "-p", P, "-d", D,
           "--python", missing)
    for args, code, said in [
            (reg, 1, f"`{missing} -m pip install flytekit flytekitplugins-dask`"),  # auto: the face's refusal
            ((*reg, "--engine", "flytekit"), 2, f"error: --python {missing}: no such interpreter"),
            (("serialize", "--sdk", "flytekit", "plug", "-o", tmp_path / "out", "--python", missing), 1,
             f"`{missing} -m pip install flytekit flytekitplugins-dask`")]:
        p = run_autoc(*args, cwd=plugins, check=False)
        assert p.returncode == code and said in p.stderr and "Traceback" not in p.stderr, p.stderr


# --- build-image ---------------------------------------------------------------------------------------------------

def test_build_image_plans_the_image_flytekits_specs_name(plugins, tmp_path):
    python = str(plugins_venv() / "bin" / "python")
    p = run_autoc("build-image", "--sdk", "flytekit", "plug", "--python", python, "--dry-run", "--output", "json",
                  cwd=plugins)
    assert f"{plugins}/plug/clusters.py:4: import flytekitplugins.dask: the face does not cover this yet" in p.stderr
    plans = json.loads(p.stdout)["images"]
    serialize(plugins, "plug", tmp_path / "out", "--python", python)
    train = load_dir(tmp_path / "out")[next(n for n in os.listdir(tmp_path / "out") if "train_1" in n)]
    named = {c["image"] for c in train.template.k8s_pod.pod_spec["containers"]}
    assert [plan["reference"] for plan in plans] == sorted(named) and len(named) == 1
    # the loaded modules the engine reported are what the image copies; flytekit at the engine's version runs it
    assert "COPY src/ /root/" in plans[0]["plan"] and "flytekit==1.16.31" in plans[0]["plan"]


def test_a_caught_import_without_flytekit_keeps_the_faces_answer_and_says_so(proj, tmp_path):
    no_flytekit = str(REPO / ".venv" / "bin" / "python")
    p = run_autoc("serialize", "--sdk", "flytekit", "eng/fallback.py", "-o", tmp_path / "out", "--python",
                  no_flytekit, cwd=proj)
    assert [f.name for f in sorted((tmp_path / "out").glob("*.pb"))] == ["0_eng.fallback.count_1.pb"]
    assert (f"warning: {proj}/eng/fallback.py:6: import flytekit.remote (caught by the module's `except "
            "ImportError`): the face answered the fallback, pyflyte may not;") in p.stderr
    assert f"`{no_flytekit} -m pip install flytekit`" in p.stderr
