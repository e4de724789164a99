"""A real Docker engine, registry and base image for the image tests (started by scripts/services, which .ci/run
also runs). They never skip: a missing service is a failure."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="session")
def services():
    p = subprocess.run(["bash", str(REPO / "scripts" / "services")], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"scripts/services could not start Docker and the registry:\n{p.stderr[-3000:]}")
    env = {}
    for word in shlex.split(p.stdout.strip().split("\n")[-1])[1:]:
        k, v = word.split("=", 1)
        env[k] = v
    os.environ.update(env)
    yield env
    # vfs keeps a full copy of every layer: drop the images the tests built (the registry keeps its copies)
    docker = ["/usr/bin/docker"]
    refs = subprocess.run(docker + ["images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True,
                          text=True).stdout.split()
    ours = [r for r in refs if "/autoc-e2e-" in r or "/autoc-secret-" in r or "/autoc-bench-" in r]
    if ours:
        subprocess.run(docker + ["rmi", "-f", *ours], capture_output=True)
    subprocess.run(docker + ["image", "prune", "-f"], capture_output=True)
    subprocess.run(docker + ["builder", "prune", "-af"], capture_output=True)
