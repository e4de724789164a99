"""Shared fixtures: paths, the flytekit oracle environment, and running the real ``autoc`` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHIM = REPO / "tests" / "oracle_shim"
AUTOC = Path(sys.executable).with_name("autoc")


def oracle_venv() -> Path:
    """The flytekit oracle venv (made by scripts/setup-dev). Missing is a failure, not a skip."""
    venv = Path(os.environ.get("AUTOC_ORACLE_VENV", REPO / ".oracle-venv"))
    if not (venv / "bin" / "pyflyte").exists():
        pytest.fail(f"flytekit oracle venv not found at {venv}; run scripts/setup-dev")
    return venv


@pytest.fixture(scope="session")
def oracle_python() -> Path:
    return oracle_venv() / "bin" / "python"


def run_oracle(script: str | Path, *args: str, cwd: Path) -> str:
    """Run ``script`` (source text, or a Path to a script file) with flytekit's Python (none of this
    environment's PYTHONPATH); returns its last line of output, "" if it printed nothing."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "FLYTE_FORCE_PUSH_IMAGE_SPEC")}
    source = [str(script)] if isinstance(script, Path) else ["-c", script]
    r = subprocess.run([str(oracle_venv() / "bin" / "python"), *source, *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        pytest.fail(f"the flytekit oracle failed:\n{r.stderr[-3000:]}")
    lines = r.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def run_local_both(source: str, face_path: Path, own_path: Path, cwd: Path) -> tuple:
    """The last output line of ``source`` run by flytekit (the oracle) with ``face_path`` (a flytekit project) first
    on its path, and by autoc's Python with ``own_path`` (the same project written for autoc): (ours, theirs)."""
    script = cwd / "local.py"
    script.write_text(f"import sys\nsys.path[:0] = [{str(SHIM)!r}, {str(face_path)!r}]\n" + source)
    theirs = run_oracle(script, cwd=cwd)
    p = subprocess.run([sys.executable, "-c", f"import sys\nsys.path.insert(0, {str(own_path)!r})\n" + source],
                       capture_output=True, text=True, cwd=cwd)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().splitlines()[-1], theirs


def run_face_and_oracle(tmp_path, name: str, source: str):
    """What the script ``source`` prints as JSON, run through autoc's flytekit face and by flytekit 1.16.31; the
    transformers it registers are forgotten afterwards (the registration is the script's own)."""
    import contextlib
    import io
    import runpy

    from autoc.sdk.flytekit.imports import flytekit_imports
    from autoc.types import base

    script = tmp_path / f"{name}.py"
    script.write_text(source)
    theirs = json.loads(run_oracle(script, cwd=tmp_path))
    out, saved = io.StringIO(), dict(base.REGISTRY)
    try:
        with flytekit_imports("1.16.31"), contextlib.redirect_stdout(out):
            runpy.run_path(str(script), run_name=name)
    finally:
        base.REGISTRY.clear()
        base.REGISTRY.update(saved)
        for fn in base.ON_CHANGE:
            fn()
    return json.loads(out.getvalue()), theirs


def run_autoc(*args, cwd=None, env=None, check=True) -> subprocess.CompletedProcess:
    """Run the installed ``autoc`` console script as a real subprocess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([str(AUTOC), *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"autoc {' '.join(map(str, args))} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def serialize_refused(pkg, tmp_path) -> str:
    """``autoc serialize pkg`` that must fail cleanly: exit 1, no traceback, nothing written; its stderr."""
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "-i", "a:1", check=False)
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "out").exists(), p.stderr
    return p.stderr


@pytest.fixture
def unique_pkg(tmp_path):
    """A fresh, importable package name under tmp_path (modules stay in sys.modules between tests)."""

    def make(files: dict) -> Path:
        name = f"pkg_{uuid.uuid4().hex[:8]}"
        root = tmp_path / name
        root.mkdir()
        (root / "__init__.py").write_text("")
        for rel, text in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        return root

    return make


@pytest.fixture(scope="module")
def s3():
    """A real S3-compatible server on loopback (moto) with bucket autoc-test; autoc and flytekit (both read
    FLYTE_AWS_*) point at it through the environment. Yields (s3fs filesystem, env)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "FLYTE_AWS_ENDPOINT": f"http://{host}:{port}", "FLYTE_AWS_ACCESS_KEY_ID": "testing",
           "FLYTE_AWS_SECRET_ACCESS_KEY": "testing"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": env["FLYTE_AWS_ENDPOINT"]})
    if not fs.exists("autoc-test"):  # (moto's backend is per process: a later module's server sees the bucket)
        fs.mkdir("autoc-test")
    try:
        yield fs, env
    finally:
        server.stop()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
