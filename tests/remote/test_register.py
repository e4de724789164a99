"""``autoc register`` end to end through the CLI (a subprocess) against a real gRPC AdminService and
DataProxyService on loopback (tests/admin_server), which applies flyteadmin's rules."""

from __future__ import annotations

import json
import shutil
import stat

import pytest

from tests.admin_server import AdminServer
from tests.conftest import EXAMPLES, run_autoc

IMAGES = ["-i", "ghcr.io/acme/app:v1", "-i", "gpu=ghcr.io/acme/gpu:v3"]
SMALL = EXAMPLES / "workflows" / "sub"  # two tasks


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    """How many tasks, workflows and launch plans `autoc serialize` writes for examples/workflows: what
    registering that folder must create."""
    out = tmp_path_factory.mktemp("serialized")
    run_autoc("serialize", EXAMPLES / "workflows", "-o", out, *IMAGES)
    count = {kind: len(list(out.glob(f"*_{n}.pb"))) for n, kind in enumerate(("tasks", "workflows", "launch_plans"), 1)}
    assert count["tasks"] >= 40 and count["workflows"] >= 8 and count["launch_plans"] >= count["workflows"]
    return count


@pytest.fixture
def admin(tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db"), platform_limits={"cpu": "64", "memory": "1Ti", "gpu": "8"}) \
            as server:
        yield server


def register(admin, *args, check=False, env=None):
    return run_autoc("register", *args, "--endpoint", admin.address, "--insecure", "--output", "json",
                     check=check, env=env)


def result(p):
    assert p.stdout, p.stderr
    return json.loads(p.stdout)


def test_register_then_reregister_is_all_unchanged(admin, written):
    first = result(register(admin, EXAMPLES / "workflows", *IMAGES, check=True))
    assert first["ok"] and first["summary_by_kind"] == {k: {"created": n} for k, n in written.items()}
    assert len(admin.workflows()) == written["workflows"] and len(admin.launch_plans()) == written["launch_plans"]
    n_tasks = written["tasks"]
    assert len(admin.tasks()) == n_tasks
    uploads = admin.writes - first["summary"]["created"] - admin.calls["UpdateLaunchPlan"]  # (auto_activate=True)
    assert admin.calls["CreateTask"] == n_tasks
    second = result(register(admin, EXAMPLES / "workflows", *IMAGES, check=True))
    assert second["summary"] == {"unchanged": first["summary"]["created"]} and second["version"] == first["version"]
    # the server's own listing at this version says so: no write at all (flytekit sends 4 CreateTask per task)
    assert admin.calls["CreateTask"] == n_tasks and admin.calls["ListTasks"] == 2
    assert admin.calls["CreateWorkflow"] == written["workflows"]
    assert admin.calls["CreateLaunchPlan"] == written["launch_plans"]
    assert uploads == 1


def test_version_is_a_portable_content_digest(admin, tmp_path):
    copy = tmp_path / "elsewhere" / "workflows"
    shutil.copytree(EXAMPLES / "workflows", copy, ignore=shutil.ignore_patterns("__pycache__"))
    a = result(register(admin, EXAMPLES / "workflows", *IMAGES, "--dry-run"))
    b = result(register(admin, copy, *IMAGES, "--dry-run"))
    assert a["version"] == b["version"]
    (copy / "sub" / "etl.py").write_text((copy / "sub" / "etl.py").read_text() + "\n# changed\n")
    c = result(register(admin, copy, *IMAGES, "--dry-run"))
    assert c["version"] != a["version"]


def test_fast_registration_uploads_the_bundle_and_points_the_specs_at_it(admin):
    out = result(register(admin, SMALL, *IMAGES, check=True))
    bundle = out["bundle"]
    assert bundle["files"] == ["workflows/__init__.py", "workflows/sub/__init__.py", "workflows/sub/etl.py"]
    assert bundle["distribution"] in admin.blobs
    spec = admin.task_spec("flytesnacks", "development", "workflows.sub.etl.extract", out["version"])
    args = list(spec.template.container.args)
    assert args[:6] == ["autoc", "execute", "--additional-distribution", bundle["distribution"], "--dest-dir",
                        "/root"]


def test_conflict_shows_a_field_diff_and_fails(admin, tmp_path):
    pkg = tmp_path / "conflict_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "jobs.py").write_text("from autoc import task, Resources\n\n@task(retries=1)\ndef job() -> None:\n"
                                 "    pass\n")
    assert result(register(admin, pkg, *IMAGES, "--version", "v1", "--copy", "none", check=True))["ok"]
    (pkg / "jobs.py").write_text("from autoc import task, Resources\n\n@task(retries=5)\ndef job() -> None:\n"
                                 "    pass\n")
    p = register(admin, pkg, *IMAGES, "--version", "v1", "--copy", "none")
    assert p.returncode == 1
    (task,) = result(p)["tasks"]
    assert task["status"] == "conflict"
    assert {"path": "metadata.retries.retries", "server": "1", "local": "5"} in task["diff"]


def test_dry_run_makes_no_calls_and_diff_only_reads(admin, written):
    n_tasks = written["tasks"]
    p = register(admin, EXAMPLES / "workflows", *IMAGES, "--dry-run")
    assert p.returncode == 0 and result(p)["summary_by_kind"]["tasks"] == {"would-register": n_tasks}
    assert list(result(p)["summary"]) == ["would-register"]
    assert sum(admin.calls.values()) == 0
    p = register(admin, EXAMPLES / "workflows", *IMAGES, "--dry-run", "--diff")
    assert p.returncode == 1 and result(p)["summary_by_kind"]["tasks"] == {"would-create": n_tasks}
    assert list(result(p)["summary"]) == ["would-create"]
    assert admin.writes == 0 and admin.calls["CreateTask"] == 0
    register(admin, EXAMPLES / "workflows", *IMAGES, check=True)
    writes = admin.writes
    p = register(admin, EXAMPLES / "workflows", *IMAGES, "--dry-run", "--diff")
    assert p.returncode == 0 and result(p)["summary_by_kind"]["tasks"] == {"unchanged": n_tasks}
    assert list(result(p)["summary"]) == ["unchanged"]
    assert admin.writes == writes


def test_servers_that_cannot_list_by_version_are_asked_task_by_task(admin, monkeypatch):
    import tests.admin_server.validate as validate

    def refuse(filters):
        raise validate.invalid("filters are not supported")

    monkeypatch.setattr(validate, "version_filter", refuse)
    assert result(register(admin, SMALL, *IMAGES, check=True))["summary"] == {"created": 2}
    assert result(register(admin, SMALL, *IMAGES, check=True))["summary"] == {"unchanged": 2}
    assert admin.calls["CreateTask"] == 4


def test_transient_unavailability_loses_nothing_and_duplicates_nothing(tmp_path, written):
    n_tasks = written["tasks"]
    with AdminServer(db_path=str(tmp_path / "a.db"), unavailable_fraction=0.2, seed=7,
                     platform_limits={"cpu": "64", "memory": "1Ti", "gpu": "8"}) as admin:
        out = result(register(admin, EXAMPLES / "workflows", *IMAGES, "--concurrency", "8", check=True))
        assert out["summary_by_kind"]["tasks"] == {"created": n_tasks} and list(out["summary"]) == ["created"]
        assert len(admin.tasks()) == n_tasks and len(set(admin.tasks())) == n_tasks
        assert admin.calls["CreateTask"] > n_tasks  # some calls were refused and retried


def test_validation_failure_is_reported_with_the_servers_message(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db")) as admin:  # flyteadmin's default limits: cpu 2
        p = register(admin, EXAMPLES / "workflows" / "options.py", "--source-root", EXAMPLES, *IMAGES,
                     "--keep-going")
        assert p.returncode == 1
        failed = {t["name"]: t["message"] for t in result(p)["tasks"] if t["status"] == "failed"}
        assert "greater than current limit set in the platform configuration" in failed["workflows.options.train"]
        assert result(p)["summary"]["created"] >= 10


def test_without_keep_going_registration_stops_after_a_failure(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db")) as admin:
        p = register(admin, EXAMPLES / "workflows" / "options.py", "--source-root", EXAMPLES, *IMAGES,
                     "--concurrency", "1")
        statuses = [t["status"] for t in result(p)["tasks"]]
        assert p.returncode == 1 and "failed" in statuses and "skipped" in statuses


def test_registers_serialized_files_and_archives(admin, tmp_path):
    run_autoc("serialize", SMALL, "-o", tmp_path / "out", "--archive", tmp_path / "pkg.tgz", *IMAGES)
    out = result(register(admin, tmp_path / "out", "--version", "files1", check=True))
    assert out["summary"] == {"created": 2} and out["bundle"] is None
    out = result(register(admin, tmp_path / "pkg.tgz", "--version", "files1", check=True))
    assert out["summary"] == {"unchanged": 2}


def test_missing_or_wrong_token_is_a_clear_authentication_error(tmp_path):
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="s3cret-token") as admin:
        p = register(admin, SMALL, *IMAGES, "--copy", "none", "--version", "v1")
        assert p.returncode == 3 and "UNAUTHENTICATED" in p.stderr and "AUTOC_TOKEN" in p.stderr
        p = register(admin, SMALL, *IMAGES, "--copy", "none", "--version", "v1", env={"AUTOC_TOKEN": "wrong"})
        assert p.returncode == 3 and "wrong" not in p.stderr + p.stdout
        p = register(admin, SMALL, *IMAGES, "--copy", "none", "--version", "v1",
                     env={"AUTOC_TOKEN": "s3cret-token"})
        assert p.returncode == 0 and "s3cret-token" not in p.stderr + p.stdout


def test_token_from_an_external_command(tmp_path):
    script = tmp_path / "token.sh"
    script.write_text("#!/bin/sh\necho cmd-token\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    cfg = tmp_path / "config.yaml"
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="cmd-token") as admin:
        cfg.write_text(f"admin:\n  endpoint: dns:///{admin.address}\n  insecure: true\n  command: [{script}]\n")
        p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--config", cfg, check=False)
        assert p.returncode == 0, p.stderr


def test_oauth2_client_credentials_against_the_advertised_token_endpoint(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("client-pass\n")
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="issued-token",
                     oauth_clients={"ci-bot": "client-pass"}) as admin:
        cfg = tmp_path / "config.yaml"
        cfg.write_text(f"admin:\n  endpoint: {admin.address}\n  insecure: true\n  authType: ClientSecret\n"
                       f"  clientId: ci-bot\n  clientSecretLocation: {secret}\n")
        p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--config", cfg, check=False)
        assert p.returncode == 0, p.stderr
        secret.write_text("wrong-pass")
        p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v2", "--config", cfg, check=False)
        assert p.returncode == 3 and "refused the client credentials" in p.stderr and "wrong-pass" not in p.stderr


def test_config_precedence_flags_over_env_over_file(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("admin:\n  endpoint: dns:///from-file:81\n  insecure: true\ntask:\n  project: fileproj\n")
    env = {"FLYTECTL_CONFIG": str(cfg)}
    show = json.loads(run_autoc("config", "show", "--output", "json", env=env).stdout)
    assert show["endpoint"]["value"] == "from-file:81" and "FLYTECTL_CONFIG" in show["endpoint"]["source"]
    assert show["project"]["value"] == "fileproj"
    env["FLYTE_PLATFORM_URL"] = "from-env:82"
    show = json.loads(run_autoc("config", "show", "--output", "json", env=env).stdout)
    assert show["endpoint"] == {"value": "from-env:82", "source": "env FLYTE_PLATFORM_URL"}
    show = json.loads(run_autoc("config", "show", "--output", "json", "--endpoint", "from-flag:83",
                                "--config", cfg, env=env).stdout)
    assert show["endpoint"] == {"value": "from-flag:83", "source": "flag"}
    assert show["insecure"]["value"] is True


def test_bundle_all_honours_ignore_files_and_explains(tmp_path, admin):
    root = tmp_path / "proj"
    (root / "pkgall").mkdir(parents=True)
    (root / "pkgall" / "__init__.py").write_text("")
    (root / "pkgall" / "jobs.py").write_text("from autoc import task\n\n@task\ndef j() -> None:\n    pass\n")
    (root / "pkgall" / "data.csv").write_text("a\n")
    (root / "secrets.env").write_text("X=1\n")
    (root / "build").mkdir()
    (root / "build" / "big.bin").write_bytes(b"0" * 1000)
    (root / ".gitignore").write_text("build/\n")
    (root / ".flyteignore").write_text("*.env\n")
    p = run_autoc("register", root / "pkgall", *IMAGES, "--copy", "all", "--dry-run", "--explain-bundle")
    assert "+ pkgall/data.csv" in p.stdout and "+ pkgall/jobs.py" in p.stdout
    assert "- build/" in p.stdout and ".gitignore: build/" in p.stdout
    assert "- secrets.env" in p.stdout and ".flyteignore: *.env" in p.stdout
    p = run_autoc("register", root / "pkgall", *IMAGES, "--copy", "all", "--dry-run", "--max-bundle-size", "0",
                  check=False)
    assert p.returncode == 1 and "over the limit" in p.stderr


def test_images_must_exist_before_registering(admin, tmp_path):
    (tmp_path / "imgtask.py").write_text(
        "from autoc import ImageSpec, task\nimg = ImageSpec(name='x', registry='127.0.0.1:1', base_image='b:1')\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    p = register(admin, tmp_path / "imgtask.py", "--copy", "none", "--version", "v1")
    assert p.returncode == 1 and "could not tell whether image 127.0.0.1:1/x:" in p.stderr
    assert admin.calls["CreateTask"] == 0
    out = result(register(admin, tmp_path / "imgtask.py", "--copy", "none", "--version", "v1",
                          "--assume-images-exist", check=True))
    assert out["summary"] == {"created": 1}


def test_text_output_ends_with_a_summary_table(admin):
    p = run_autoc("register", SMALL, *IMAGES, "--endpoint", admin.address, "--insecure")
    lines = p.stdout.strip().splitlines()
    assert lines[-2].startswith("2 tasks, version ") and lines[-1].split() == ["created", "2"]
    assert "created         task         workflows.sub.etl.extract" in p.stderr


def test_a_task_that_cannot_be_translated_stops_the_run_before_any_write(admin, tmp_path):
    pkg = tmp_path / "halfbad"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from autoc import task\n\n@task\ndef fine() -> None:\n    pass\n")
    (pkg / "b.py").write_text("from autoc import task\n\n@task(container_image='{{.image.nope.fqn}}:1')\n"
                              "def broken() -> None:\n    pass\n")
    for copy in ("none", "auto"):
        p = register(admin, pkg, *IMAGES, "--copy", copy, "--version", "v1")
        assert p.returncode == 1 and "image 'nope'" in p.stderr
    assert admin.writes == 0 and admin.tasks() == [] and not admin.blobs


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (openssl), as (key, cert, cert path)."""
    import subprocess

    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")], check=True, capture_output=True)
    return (d / "key.pem").read_bytes(), (d / "cert.pem").read_bytes(), d / "cert.pem"


def test_tls_is_the_default_and_a_custom_ca_is_trusted(tmp_path, tls_pair):
    key, cert, cert_path = tls_pair
    with AdminServer(db_path=str(tmp_path / "a.db"), tls=(key, cert)) as admin:
        args = ["register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--endpoint", admin.address,
                "--output", "json"]
        p = run_autoc(*args, "--ca-cert", cert_path, check=False)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["summary"] == {"created": 2}
        p = run_autoc(*args, check=False, env={"GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": "/dev/null"})
        assert p.returncode == 1 and admin.calls["CreateTask"] == 2  # the untrusted certificate: no call arrived
        assert "TLS with 127.0.0.1" in p.stderr and "--ca-cert" in p.stderr and "Traceback" not in p.stderr


def test_unreachable_server_is_a_clear_error(tmp_path):
    p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--endpoint", "127.0.0.1:1",
                  "--insecure", check=False, env={"AUTOC_ADMIN_RETRIES": "1"})
    assert p.returncode == 1 and "cannot reach FlyteAdmin at 127.0.0.1:1" in p.stderr
    assert "Traceback" not in p.stderr
