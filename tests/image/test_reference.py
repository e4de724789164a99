"""The reference an ImageSpec runs as is its builder's answer, the same for serialize, register, build-image and
build-image --dry-run; ImageSpecs as pod-template container images. No Docker needed."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from autoc import ImageSpec, PodTemplate
from autoc.image.engine import ImageBuildEngine, distinct_image_specs
from autoc.image.config import ImageConfig
from autoc.serialize import SerializationSettings, serialize
from tests.admin_server import AdminServer
from tests.conftest import SHIM, oracle_venv, run_autoc
from tests.golden import diff, load_dir

BASE = "ghcr.io/acme/base:3.11"
NOOP_MODULE = f'''
from kubernetes.client import V1Container, V1PodSpec
from autoc import ImageSpec, PodTemplate, task

base = ImageSpec(name="base", base_image="{BASE}", builder="noop")
side = ImageSpec(name="side", base_image="ghcr.io/acme/side:2", builder="noop")


@task(container_image=base)
def plain(x: int) -> int:
    return x


@task(pod_template=PodTemplate(pod_spec=V1PodSpec(containers=[V1Container(name="primary", image=base),
                                                              V1Container(name="sidecar", image=side)])))
def in_pod(x: int) -> int:
    return x
'''


def images_of(spec):
    from google.protobuf import json_format

    t = spec.template
    if t.HasField("container"):
        return [t.container.image]
    return [c.get("image") for c in json_format.MessageToDict(t.k8s_pod.pod_spec)["containers"]]


def test_noop_spec_and_pod_template_images_serialize_as_pyflyte_does(tmp_path):
    (tmp_path / "noopmod.py").write_text(NOOP_MODULE)
    (tmp_path / "flyte").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME",)}
    env["PYTHONPATH"] = str(SHIM)
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", "noopmod", "serialize", "--image",
                        "ghcr.io/a/b:1", "workflows", "-f", "flyte"], cwd=tmp_path, env=env, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    run_autoc("serialize", "noopmod.py", "-o", "autoc", "--image", "ghcr.io/a/b:1", cwd=tmp_path)
    flyte, ours = load_dir(tmp_path / "flyte"), load_dir(tmp_path / "autoc")
    assert sorted(flyte) == sorted(ours)
    for name in flyte:
        assert diff(flyte[name], ours[name]) == "", name
    assert [images_of(ours[n]) for n in sorted(ours)] == [[BASE], [BASE, "ghcr.io/acme/side:2"]]


def settings():
    return SerializationSettings(image_config=ImageConfig.validate_image(None, "--image", ("ghcr.io/a/b:1",)))


def specs_of(pkg, tmp_path):
    out = tmp_path / "out"
    result = serialize([str(pkg)], settings(), out_dir=str(out))
    by_file = load_dir(out)
    return {f.task.rsplit(".", 1)[-1]: by_file[f.file] for f in result.files}


def test_dict_pod_spec_with_an_imagespec(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": "from autoc import ImageSpec, PodTemplate, task\n"
                                f"img = ImageSpec(name='x', registry='localhost:5000', base_image='b:1')\n"
                                "pt = PodTemplate(pod_spec={'containers': [{'name': 'primary', 'image': img}, "
                                "{'name': 'side', 'image': img}]})\n"
                                "@task(pod_template=pt)\ndef t() -> None:\n    pass\n"})
    spec = specs_of(pkg, tmp_path)["t"]
    ref = ImageSpec(name="x", registry="localhost:5000", base_image="b:1").image_name()
    assert images_of(spec) == [ref, ref]


def test_pod_template_version_hash_counts_an_imagespec_by_its_name():
    from kubernetes.client import V1Container, V1PodSpec

    def pt(spec):
        return PodTemplate(pod_spec=V1PodSpec(containers=[V1Container(name="primary", image=spec)]))

    a, b = ImageSpec(name="a", base_image="b:1"), ImageSpec(name="a", base_image="b:2")
    assert pt(a).version_hash() == pt(ImageSpec(name="a", base_image="b:1")).version_hash()
    assert pt(a).version_hash() != pt(b).version_hash()
    assert pt(a).to_dict()["pod_spec"]["containers"][0]["image"] is a
    as_dict = PodTemplate(pod_spec={"containers": [{"name": "primary", "image": a}]})
    assert len(as_dict.version_hash()) == 64


def test_build_image_finds_pod_template_images(unique_pkg):
    pkg = unique_pkg({"m.py": NOOP_MODULE})
    p = run_autoc("build-image", pkg, "--dry-run", "--output", "json")
    plans = json.loads(p.stdout)["images"]
    assert [(i["reference"], i["builder"], i["status"]) for i in plans] == [
        (BASE, "noop", "as-is"), ("ghcr.io/acme/side:2", "noop", "as-is")]
    assert "used as is" in plans[0]["plan"] and "built" not in plans[0]["plan"].replace("nothing is built", "")


class Named:
    """A builder whose image goes elsewhere than the spec's own name, and says so without building."""

    builder_type = "named"

    def __init__(self):
        self.built = []

    def image_reference(self, image_spec):
        return f"registry.example/named/{image_spec.name}:v7"

    def should_build(self, image_spec):  # flytekit's signature
        return True

    def build_image(self, image_spec):
        self.built.append(image_spec.name)
        return self.image_reference(image_spec)


@pytest.fixture
def clean_engine():
    saved = dict(ImageBuildEngine._REGISTRY)
    ImageBuildEngine._BUILT.clear()
    yield
    ImageBuildEngine._REGISTRY.clear()
    ImageBuildEngine._REGISTRY.update(saved)
    ImageBuildEngine._BUILT.clear()


def test_plugin_reference_is_what_serialize_writes_and_build_reports(unique_pkg, tmp_path, clean_engine):
    builder = Named()
    ImageBuildEngine.register("named", builder)
    pkg = unique_pkg({"m.py": "from autoc import ImageSpec, task\n"
                                "img = ImageSpec(name='job', base_image='b:1', builder='named')\n"
                                "@task(container_image=img)\ndef t() -> None:\n    pass\n"})
    assert images_of(specs_of(pkg, tmp_path)["t"]) == ["registry.example/named/job:v7"]
    record = ImageBuildEngine.build_record(ImageSpec(name="job", base_image="b:1", builder="named"))
    assert (record.reference, record.status, builder.built) == ("registry.example/named/job:v7", "built", ["job"])


def test_a_builder_pushing_elsewhere_than_it_names_is_an_error(clean_engine):
    class Liar:
        def should_build(self, image_spec):
            return True

        def build_image(self, image_spec):
            return "registry.example/somewhere/else:1"

    ImageBuildEngine.register("liar", Liar())
    from autoc.errors import ImageConfigError

    with pytest.raises(ImageConfigError, match="pushed registry.example/somewhere/else:1, but its image_reference"):
        ImageBuildEngine.build_record(ImageSpec(name="l", base_image="b:1", builder="liar"))


def test_register_checks_and_writes_the_builders_reference(tmp_path):
    """noop: register asks the registry for the base image (not flytekit:<hash>) and registers it."""
    (tmp_path / "nooptask.py").write_text(
        "from autoc import ImageSpec, task\n"
        "img = ImageSpec(name='n', base_image='127.0.0.1:1/acme/base:3.11', builder='noop')\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    with AdminServer(db_path=str(tmp_path / "admin.db")) as admin:
        args = ["register", tmp_path / "nooptask.py", "--endpoint", admin.address, "--insecure", "--output", "json",
                "--copy", "none", "--version", "v1"]
        p = run_autoc(*args, check=False)
        assert p.returncode == 1 and "could not tell whether image 127.0.0.1:1/acme/base:3.11 exists" in p.stderr
        out = json.loads(run_autoc(*args, "--assume-images-exist").stdout)
        assert out["summary"] == {"created": 1}
        (key,) = admin.tasks()
        spec = admin.task_spec(key.project, key.domain, key.name, key.version)
        assert spec.template.container.image == "127.0.0.1:1/acme/base:3.11"


def test_dry_run_makes_the_checks_a_build_makes(tmp_path):
    for spec, message in [("ImageSpec(name='u', builder='nope')", "image builder nope is not registered"),
                          ("ImageSpec(name='c', base_image='b:1', conda_packages=['numpy'])",
                           "builder 'docker' does not support conda_packages"),
                          ("ImageSpec(name='n', builder='noop')",
                           "base_image must be a string to use the noop image builder")]:
        (tmp_path / "m.py").write_text(f"from autoc import ImageSpec, task\nimg = {spec}\n"
                                       "@task(container_image=img)\ndef t() -> None:\n    pass\n")
        dry = run_autoc("build-image", tmp_path / "m.py", "--dry-run", check=False, cwd=tmp_path)
        real = run_autoc("build-image", tmp_path / "m.py", check=False, cwd=tmp_path,
                         env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
        assert dry.returncode == real.returncode == 1, (dry.stderr, real.stderr)
        assert message in dry.stderr and message in real.stderr, (dry.stderr, real.stderr)
        assert "Traceback" not in dry.stderr + real.stderr


def test_build_image_without_a_docker_engine_is_one_error_line(tmp_path):
    (tmp_path / "m.py").write_text("from autoc import ImageSpec, task\n"
                                   "img = ImageSpec(name='e', base_image='b:1')\n"
                                   "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    p = run_autoc("build-image", tmp_path / "m.py", "--assume-images-exist", check=False, cwd=tmp_path,
                  env={"DOCKER_HOST": "unix:///nonexistent/docker.sock", "FLYTE_FORCE_PUSH_IMAGE_SPEC": "1"})
    assert p.returncode == 1
    errors = [ln for ln in p.stderr.splitlines() if ln.startswith("error:")]
    assert errors == [next(ln for ln in p.stderr.splitlines() if ln.startswith("error:"))]
    assert "cannot reach a Docker engine at unix:///nonexistent/docker.sock" in errors[0]
    assert "DOCKER_HOST" in p.stderr and "Traceback" not in p.stderr and len(p.stderr.splitlines()) <= 4


def test_distinct_image_specs_include_pod_template_images_once():
    from types import SimpleNamespace

    a, b = ImageSpec(name="a", base_image="b:1"), ImageSpec(name="b", base_image="b:1")
    tasks = [SimpleNamespace(container_image=a, pod_template=None),
             SimpleNamespace(container_image="x:1",
                             pod_template=PodTemplate(pod_spec={"containers": [{"name": "p", "image": a},
                                                                               {"name": "s", "image": b},
                                                                               {"name": "t", "image": "s:1"}]}))]
    assert distinct_image_specs(tasks) == [a, b]
