"""``autoc build-image --sdk flytekit`` names every ImageSpec image as pyflyte does (copy, source_root, NO_COPY,
requirements, an ImageSpec base), fast or not, and plans images that run flytekit at the project's version, not autoc.
``--dry-run`` (no build) against the oracle's ``pyflyte serialize`` / ``pyflyte package --fast`` on the same tree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from flyteidl.admin import task_pb2

from tests.admin_server import AdminServer
from tests.conftest import oracle_venv, run_autoc

CORPUS = Path(__file__).parent / "corpus" / "imgproj"
REGISTRY = "localhost:5999/acme/"
FLYTEKIT = "1.16.31"


@pytest.fixture(scope="module")
def proj(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("imgproj") / "imgproj"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def pyflyte(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC")}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"  # cannot tell whether images exist: builds nothing
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "shop", *args], cwd=root, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]


def spec_images(files) -> set:
    return {im for im in (task_pb2.TaskSpec.FromString(f.read_bytes()).template.container.image for f in files)
            if im.startswith(REGISTRY)}


@pytest.fixture(scope="module")
def pyflyte_images(proj, tmp_path_factory) -> dict:
    """The ImageSpec references in pyflyte's specs: serialize (not fast), package --fast."""
    out = tmp_path_factory.mktemp("pyflyte")
    (out / "plain").mkdir()
    pyflyte(proj, "serialize", "workflows", "-f", str(out / "plain"))
    pyflyte(proj, "package", "--fast", "-o", str(out / "fast.tgz"))
    with tarfile.open(out / "fast.tgz") as t:
        t.extractall(out / "fast", filter="data")
    return {"plain": spec_images((out / "plain").glob("*_1.pb")), "fast": spec_images((out / "fast").glob("*_1.pb"))}


def dry_run(root: Path, *args: str) -> dict:
    p = run_autoc("build-image", "--sdk", f"flytekit=={FLYTEKIT}", "shop", "--dry-run", "--output", "json", *args,
                  cwd=root)
    return {re.match(r".*/([\w-]+):", i["reference"]).group(1): i for i in json.loads(p.stdout)["images"]}


@pytest.mark.parametrize("kind", ["plain", "fast"])
def test_images_are_named_as_pyflyte_names_them(proj, pyflyte_images, kind):
    ours = dry_run(proj, *(["--fast"] if kind == "fast" else []))
    assert len(ours) == 7
    assert {i["reference"] for i in ours.values()} == pyflyte_images[kind]


def test_serialize_and_build_image_name_the_same_images(proj, tmp_path):
    run_autoc("serialize", "--sdk", f"flytekit=={FLYTEKIT}", "shop", "-o", tmp_path / "out", cwd=proj)
    assert spec_images((tmp_path / "out").glob("*_1.pb")) == {i["reference"] for i in dry_run(proj).values()}


@pytest.mark.parametrize("offline", [False, True])
def test_the_planned_images_run_flytekit_not_autoc(proj, offline):
    plans = {name: i["plan"] for name, i in dry_run(proj, *(["--offline"] if offline else [])).items()}
    install = (f"--no-index --find-links /tmp/autoc/flytekit/wheels flytekit=={FLYTEKIT} && rm -rf /tmp/autoc"
               if offline else f"--disable-pip-version-check flytekit=={FLYTEKIT}\n")
    for name, plan in plans.items():
        assert "autoc-build/autoc" not in plan and ".whl" not in plan, plan
        assert 'FLYTE_SDK_RICH_TRACEBACKS="0"' in plan and 'PYTHONPATH="/root"' in plan
        assert plan.splitlines()[2] == "WORKDIR /root"
        if name == "pinned":  # its requirements name flytekit: that pin is what the image gets, nothing is added
            assert "/tmp/autoc/flytekit" not in plan and f"flytekit=={FLYTEKIT}" not in plan
            assert "-r /tmp/autoc/packages/requirements.txt" in plan
        else:
            assert plan.count(install) == 1, plan
    assert 'MODE="prod"' in plans["plain"] and "COPY src/ /root/" in plans["plain"]  # loaded modules, as pyflyte
    assert "COPY src/ /root/" not in plans["no-copy"]
    assert "COPY shop/data /root/shop/data/" in plans["with-copy"]
    # autoc's layer order: the spec's packages, then the runtime (flytekit), then the copied files
    lines = plans["with-copy"].splitlines()
    at = [next(i for i, ln in enumerate(lines) if key in ln)
          for key in ("-r /tmp/autoc/packages/requirements.txt", f"flytekit=={FLYTEKIT}", "COPY shop/data")]
    assert at == sorted(at), plans["with-copy"]


def test_a_spec_pinning_another_flytekit_is_warned_about(proj):
    p = run_autoc("build-image", "--sdk", f"flytekit=={FLYTEKIT}", "shop", "--dry-run", cwd=proj)
    warnings = [ln for ln in p.stderr.splitlines() if ln.startswith("warning:")]
    assert warnings == [f"warning: ImageSpec pinned installs flytekit==1.16.30 itself, but its tasks' specs name "
                        f"flytekit=={FLYTEKIT} (--sdk): the image runs 1.16.30; pass --sdk flytekit==1.16.30, or "
                        f"drop the spec's pin"], p.stderr


def test_a_layered_image_starts_from_its_base_as_pyflyte_names_it(proj):
    for args in ([], ["--fast"]):
        images = dry_run(proj, *args)
        assert images["layered"]["plan"].splitlines()[0] == f"FROM {images['plain']['reference']}"


def test_autoc_wheel_option_is_refused_for_a_flytekit_image(tmp_path):
    (tmp_path / "one.py").write_text(
        "from flytekit import ImageSpec, task\n"
        "img = ImageSpec(name='w', registry='localhost:5999', base_image='b:1', "
        "builder_options={'autoc_wheel': 'autoc-0.1.0-py3-none-any.whl'})\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    p = run_autoc("build-image", "--sdk", f"flytekit=={FLYTEKIT}", tmp_path / "one.py", "--dry-run", cwd=tmp_path,
                  check=False)
    assert p.returncode == 1 and "autoc_wheel puts autoc into the image" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_register_names_the_build_image_command_for_a_missing_image(services, tmp_path):
    name = f"autoc-e2e-missing-{uuid.uuid4().hex[:8]}"
    (tmp_path / "gone.py").write_text(
        "from flytekit import ImageSpec, task\n"
        f"img = ImageSpec(name='{name}', registry='{services['AUTOC_REGISTRY']}', base_image='b:1')\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    with AdminServer() as admin:
        for args, command in ((["--copy", "none", "--version", "v1"], f"flytekit=={FLYTEKIT}`"),
                              ([], f"flytekit=={FLYTEKIT} --fast`")):
            p = run_autoc("register", "--sdk", f"flytekit=={FLYTEKIT}", "gone.py", "--endpoint", admin.address,
                          "--insecure", "-p", "flytesnacks", "-d", "development", *args, cwd=tmp_path, check=False)
            assert p.returncode == 1 and f"{name}:" in p.stderr and "does not exist" in p.stderr, p.stderr
            assert f"autoc build-image --sdk {command}" in p.stderr, p.stderr
        assert admin.calls["CreateTask"] == 0
