"""No traceback for any input: each bad input is one error line with a hint and the documented exit code
(2 bad usage, 3 authentication); nothing bad is accepted silently; stdout stays one JSON document; config files
are read strictly (issue 9)."""

from __future__ import annotations

import json
import os

import pytest

from tests.admin_server import AdminServer
from tests.conftest import EXAMPLES, run_autoc

SMALL = EXAMPLES / "workflows" / "sub"
IMAGES = ["-i", "ghcr.io/acme/app:v1"]


def assert_clean_error(p, code, *words):
    assert p.returncode == code, (p.returncode, p.stderr)
    assert "Traceback" not in p.stderr and "Aborted" not in p.stderr, p.stderr
    assert "error" in p.stderr.lower() and "hint" in p.stderr.lower() or "Error:" in p.stderr, p.stderr
    for w in words:
        assert w in p.stderr, (w, p.stderr)


# --- register's spec readers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["empty", "random", "truncated"])
def test_a_bad_tgz_is_a_usage_error(tmp_path, kind):
    good = tmp_path / "good.tgz"
    run_autoc("serialize", SMALL, *IMAGES, "--archive", good)
    data = {"empty": b"", "random": os.urandom(3000), "truncated": good.read_bytes()[:200]}[kind]
    bad = tmp_path / "specs.tgz"
    bad.write_bytes(data)
    p = run_autoc("register", bad, "--dry-run", "--version", "v1", check=False)
    assert_clean_error(p, 2, "specs.tgz", "not a readable .tgz")


def test_a_task_name_too_long_for_a_file_name(tmp_path):
    (tmp_path / "longname.py").write_text(f"from autoc import task\n\n@task\ndef {'x' * 250}() -> None:\n    pass\n")
    p = run_autoc("serialize", tmp_path / "longname.py", *IMAGES, "-o", tmp_path / "out", check=False)
    assert_clean_error(p, 1, "longname." + "x" * 250, "shorten")
    assert not (tmp_path / "out").exists()


# --- settings -----------------------------------------------------------------------------------------------------
def show(*args, env=None):
    return run_autoc("config", "show", "--output", "json", *args, check=False, env=env)


def test_retries_setting_that_is_not_a_number(tmp_path):
    p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--endpoint", "127.0.0.1:1",
                  "--insecure", check=False, env={"AUTOC_ADMIN_RETRIES": "abc"})
    assert_clean_error(p, 2, "AUTOC_ADMIN_RETRIES='abc'")


@pytest.mark.parametrize("content, words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", ["not a text file"]),
    (b"- admin\n- task\n", ["top level is a list, not a mapping"]),
    (b"just a string\n", ["not a mapping"]),
    (b"admin: [1, 2]\n", ["admin is a list"]),
    (b"admin:\n  endpoint: 12345\n", ["admin.endpoint", "12345", "not an endpoint"]),
    (b"admin:\n  insecure: yes-please\n", ["admin.insecure", "'yes-please' is not true or false"]),
])
def test_config_files_are_read_strictly(tmp_path, content, words):
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(content)
    p = show("--config", cfg)
    assert_clean_error(p, 2, str(cfg), *words)


def test_environment_booleans_are_strict():
    p = show(env={"FLYTE_PLATFORM_INSECURE": "maybe"})
    assert_clean_error(p, 2, "FLYTE_PLATFORM_INSECURE", "'maybe' is not true or false")
    assert json.loads(show(env={"FLYTE_PLATFORM_INSECURE": "yes"}).stdout)["insecure"]["value"] is True


def test_config_show_json_has_json_booleans_and_lists(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("admin:\n  endpoint: h:1\n  insecure: true\n  scopes: [all, offline]\n")
    out = json.loads(show("--config", cfg).stdout)
    assert out["insecure"]["value"] is True and out["insecure_skip_verify"]["value"] is False
    assert out["scopes"]["value"] == ["all", "offline"] and out["ca_cert_file_path"]["value"] is None


@pytest.mark.parametrize("endpoint, expected, insecure", [
    ("https://flyte.example.com", "flyte.example.com:443", False),
    ("https://flyte.example.com:8443/", "flyte.example.com:8443", False),
    ("http://localhost:30080", "localhost:30080", True),
    ("dns:///flyte.example.com:81", "flyte.example.com:81", False),
])
def test_endpoints_with_a_scheme(endpoint, expected, insecure):
    out = json.loads(show("--endpoint", endpoint).stdout)
    assert out["endpoint"]["value"] == expected and out["insecure"]["value"] is insecure


def test_https_endpoint_registers_over_tls(tmp_path):
    import subprocess

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    tls = ((tmp_path / "key.pem").read_bytes(), (tmp_path / "cert.pem").read_bytes())
    with AdminServer(db_path=str(tmp_path / "a.db"), tls=tls) as admin:
        p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--endpoint",
                      f"https://{admin.address}", "--ca-cert", tmp_path / "cert.pem", "--output", "json", check=False)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["summary"] == {"created": 2}
        p = run_autoc("config", "show", "--endpoint", f"https://{admin.address}", "--insecure", check=False)
        assert_clean_error(p, 2, "asks for TLS")


@pytest.mark.parametrize("token, what", [
    ("abc\ndef", "a line break"), ("abc\x01def", "a control character"), ("abcé", "a non-ASCII character"),
    ("a" * 100_000, "100,000 bytes"),
])
def test_tokens_a_header_cannot_carry(tmp_path, token, what):
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="good") as admin:
        p = run_autoc("register", SMALL, *IMAGES, "--copy", "none", "--version", "v1", "--endpoint", admin.address,
                      "--insecure", check=False, env={"AUTOC_TOKEN": token})
    assert_clean_error(p, 3, "AUTOC_TOKEN", what)
    assert token not in p.stderr


# --- usage errors that used to be accepted ------------------------------------------------------------------------
def test_empty_version_is_bad_usage(tmp_path):
    p = run_autoc("serialize", SMALL, *IMAGES, "-o", tmp_path / "out", "--version", "", check=False)
    assert p.returncode == 2 and "--version" in p.stderr and "must not be empty" in p.stderr
    p = run_autoc("register", SMALL, *IMAGES, "--dry-run", "--version", "", check=False)
    assert p.returncode == 2 and "--version" in p.stderr and "must not be empty" in p.stderr


def test_negative_bundle_size_is_bad_usage():
    p = run_autoc("register", SMALL, *IMAGES, "--dry-run", "--max-bundle-size", "-1", check=False)
    assert p.returncode == 2 and "--max-bundle-size" in p.stderr


# --- output a program reads ---------------------------------------------------------------------------------------
def noisy_package(tmp_path):
    pkg = tmp_path / "noisy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("print('hello from __init__')\n")
    (pkg / "jobs.py").write_text("import os\nprint('importing jobs')\nos.system('echo from a subprocess')\n"
                                 "from autoc import task\n\n@task\ndef job() -> None:\n    print('never called')\n")
    return pkg


def test_json_stdout_stays_one_document_when_modules_print(tmp_path):
    pkg = noisy_package(tmp_path)
    p = run_autoc("serialize", pkg, *IMAGES, "-o", tmp_path / "out", "--output", "json")
    assert json.loads(p.stdout)["ok"] is True
    assert "importing jobs" in p.stderr and "from a subprocess" in p.stderr
    p = run_autoc("register", pkg, *IMAGES, "--dry-run", "--output", "json")
    assert json.loads(p.stdout)["summary"] == {"would-register": 1}
    assert "hello from __init__" in p.stderr


def test_execute_leaves_no_empty_temporary_folder(tmp_path):
    from flyteidl.core import literals_pb2

    from autoc.types import engine
    from tests.conftest import REPO

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    lm = literals_pb2.LiteralMap()
    lm.literals["a"].CopyFrom(engine.to_literal(1, int))
    (tmp_path / "inputs.pb").write_bytes(lm.SerializeToString())
    for task in ("add", "boom", "nothing"):
        run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / f"out-{task}",
                  "--raw-output-data-prefix", tmp_path / "raw", "--resolver", "autoc.resolvers.default_task_resolver",
                  "--", "task-module", "tests.runtime.rtpkg.tasks", "task-name", task, cwd=REPO,
                  env={"TMPDIR": str(tmp)})
    assert (tmp_path / "out-add" / "outputs.pb").exists() and (tmp_path / "out-boom" / "error.pb").exists()
    assert list(tmp.iterdir()) == []
