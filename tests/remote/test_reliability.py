"""``autoc register`` under faults injected by the loopback FlyteAdmin (tests/admin_server/faults.py): an overloaded
server, a message over its size limit, a task that never gets through, lost acknowledgements, a dead endpoint,
and exit codes CI can trust."""

from __future__ import annotations

import json
import socket
import time

from tests.admin_server import AdminServer
from tests.conftest import run_autoc

PROJECT, DOMAIN = "flytesnacks", "development"


def package(root, name, n, extra=""):
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    body = ["from autoc import task\n", extra]
    body += [f"@task\ndef t{i}(a: int) -> int:\n    return a + {i}\n" for i in range(n)]
    (pkg / "jobs.py").write_text("\n".join(body))
    return pkg


def register(admin, *args, env=None):
    return run_autoc("register", *args, "-i", "img:1", "--copy", "none", "--endpoint", admin.address, "--insecure",
                     "--output", "json", check=False, env=env)


def test_500_tasks_into_a_server_that_takes_2_calls_at_a_time(tmp_path):
    """Every task stored exactly once, exit 0: concurrency adapts to RESOURCE_EXHAUSTED (today 1-2 failed and
    ~100 were skipped)."""
    pkg = package(tmp_path, "many", 500)
    with AdminServer(db_path=str(tmp_path / "a.db"), max_concurrency=2, latency_ms=50) as admin:
        p = register(admin, pkg, "--version", "v1")
        assert p.returncode == 0, p.stderr[-3000:]
        assert json.loads(p.stdout)["summary"] == {"created": 500}
        assert len(admin.tasks()) == 500 and admin.writes == 500
        assert admin.faults.peak_concurrency == 2
        assert "overloaded" in p.stderr  # it said it lowered the concurrency


def test_a_message_over_the_server_limit_fails_at_once(tmp_path):
    """RESOURCE_EXHAUSTED for a 10 MB spec cannot be fixed by retrying (today: retried for 13.6 s)."""
    big = '@task\ndef huge(a: int) -> int:\n    """' + "x" * (10 * 1024 * 1024) + '"""\n    return a\n'
    pkg = package(tmp_path, "bigspec", 3, extra=big)
    with AdminServer(db_path=str(tmp_path / "a.db")) as admin:
        t0 = time.monotonic()
        p = register(admin, pkg, "--version", "v1", "--keep-going")
        elapsed = time.monotonic() - t0
        assert p.returncode == 1, p.stderr
        tasks = {t["name"]: t for t in json.loads(p.stdout)["tasks"]}
        assert tasks["bigspec.jobs.huge"]["status"] == "failed"
        assert "RESOURCE_EXHAUSTED" in tasks["bigspec.jobs.huge"]["message"]
        assert [t["status"] for n, t in tasks.items() if n != "bigspec.jobs.huge"] == ["created"] * 3
        assert elapsed < 8, f"took {elapsed:.1f} s: it was retried"


def test_an_exhausted_retry_is_a_failed_task_not_a_crashed_run(tmp_path):
    pkg = package(tmp_path, "doomed", 6)
    with AdminServer(db_path=str(tmp_path / "a.db"), unavailable_names=["doomed.jobs.t2"]) as admin:
        env = {"AUTOC_ADMIN_RETRY_SECONDS": "1"}
        p = register(admin, pkg, "--version", "v1", "--keep-going", env=env)
        assert p.returncode == 1, p.stderr
        out = json.loads(p.stdout)  # the JSON is printed, with every task's outcome
        assert out["summary"] == {"created": 5, "failed": 1}
        failed = [t for t in out["tasks"] if t["status"] == "failed"]
        assert failed[0]["name"] == "doomed.jobs.t2" and failed[0]["message"].startswith("UNAVAILABLE")
        assert "check --endpoint" not in p.stderr and "Traceback" not in p.stderr
        assert len(admin.tasks()) == 5
        # without --keep-going: the failure stops new calls, and still every task has an outcome and a summary
        p = run_autoc("register", pkg, "-i", "img:1", "--copy", "none", "--endpoint", admin.address, "--insecure",
                      "--version", "v2", "--concurrency", "1", check=False, env=env)
        assert p.returncode == 1
        assert "6 tasks, version v2" in p.stdout and "failed               1" in p.stdout, p.stdout
        assert "failed: task doomed.jobs.t2: UNAVAILABLE" in p.stderr


def test_already_exists_after_a_lost_acknowledgement_is_created(tmp_path):
    """The server writes, then the answer is lost (UNAVAILABLE); the retry's ALREADY_EXISTS was our own write."""
    pkg = package(tmp_path, "lostack", 30)
    with AdminServer(db_path=str(tmp_path / "a.db"), lost_answer_fraction=0.4, seed=5) as admin:
        p = register(admin, pkg, "--version", "v1")
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["summary"] == {"created": 30}
        assert len(admin.tasks()) == 30 and admin.calls["CreateTask"] > 30
        p = register(admin, pkg, "--version", "v1")  # a second run: now they are unchanged
        assert json.loads(p.stdout)["summary"] == {"unchanged": 30}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_diff_exits_2_when_the_server_cannot_be_reached_and_says_it_retries(tmp_path):
    pkg = package(tmp_path, "diffpkg", 2)
    p = run_autoc("register", pkg, "-i", "img:1", "--copy", "none", "--dry-run", "--diff", "--endpoint",
                  f"127.0.0.1:{closed_port()}", "--insecure", check=False, env={"AUTOC_ADMIN_RETRIES": "2"})
    assert p.returncode == 2, p.stderr
    assert "retrying in" in p.stderr and "(attempt 2 of 3)" in p.stderr and "(attempt 3 of 3)" in p.stderr
    assert "cannot reach FlyteAdmin" in p.stderr and "Traceback" not in p.stderr


def test_diff_exits_2_when_the_server_answers_errors(tmp_path):
    pkg = package(tmp_path, "differr", 2)
    with AdminServer(db_path=str(tmp_path / "a.db"), require_token="right") as admin:
        p = run_autoc("register", pkg, "-i", "img:1", "--copy", "none", "--dry-run", "--diff", "--endpoint",
                      admin.address, "--insecure", check=False, env={"AUTOC_TOKEN": "wrong"})
        assert p.returncode == 2, p.stderr
        assert "refused the credentials" in p.stderr and "Traceback" not in p.stderr


def test_json_is_printed_when_the_run_cannot_go_on(tmp_path):
    pkg = package(tmp_path, "deadjson", 2)
    p = run_autoc("register", pkg, "-i", "img:1", "--copy", "none", "--version", "v1", "--endpoint",
                  f"127.0.0.1:{closed_port()}", "--insecure", "--output", "json", check=False,
                  env={"AUTOC_ADMIN_RETRIES": "1"})
    assert p.returncode == 1, p.stderr
    out = json.loads(p.stdout)
    assert out["ok"] is False and "cannot reach FlyteAdmin" in out["errors"][0]["message"]
    assert "check --endpoint" in out["errors"][0]["hint"] and "cannot reach FlyteAdmin" in p.stderr


def test_a_refused_call_the_run_needs_is_an_error_line(tmp_path):
    """CreateUploadLocation refused (INVALID_ARGUMENT for an empty project): an error line, not a traceback."""
    pkg = package(tmp_path, "refused", 1)
    cfg = tmp_path / "config.yaml"
    cfg.write_text("task:\n  project: ''\n")
    with AdminServer(db_path=str(tmp_path / "a.db")) as admin:
        p = run_autoc("register", pkg, "-i", "img:1", "--version", "v1", "--endpoint", admin.address, "--insecure",
                      "--config", cfg, check=False)
        assert p.returncode == 1 and "Traceback" not in p.stderr, p.stderr
        assert "answered INVALID_ARGUMENT: project and domain are required" in p.stderr
        p = run_autoc("register", pkg, "-i", "img:1", "--dry-run", "-p", "", check=False)
        assert p.returncode == 2 and "must not be empty" in p.stderr
