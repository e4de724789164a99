"""Against a real Docker engine and registry (scripts/services): the existence check, building and pushing an
image for a task, running the task in that image with ``autoc execute``, and BuildKit secrets."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import typing
import uuid

import pytest
from flyteidl.admin import task_pb2
from flyteidl.core import literals_pb2

from autoc import ImageSpec
from autoc.image.registry import head_manifest
from autoc.types import engine
from tests.conftest import run_autoc

MODULE = '''
import os
import typing
from autoc import CopyFileDetection, ImageSpec, task

image = ImageSpec(name="{name}", registry=os.environ.get("AUTOC_REGISTRY", "127.0.0.1:5000"),
                  base_image=os.environ.get("AUTOC_BASE_IMAGE", "localbase/python:3.11"),
                  env={{"GREETING": "hello from the image"}}, source_root=os.path.dirname(os.path.abspath(__file__)),
                  source_copy_mode=CopyFileDetection.LOADED_MODULES)


@task(container_image=image)
def shout(words: typing.List[str]) -> str:
    return os.environ["GREETING"] + ": " + " ".join(w.upper() for w in words)


from autoc import dynamic, map_task, workflow  # noqa: E402


@workflow
def shout_all(groups: typing.List[typing.List[str]]) -> typing.List[str]:
    return map_task(shout)(words=groups)


@dynamic(container_image=image)
def shout_each(words: typing.List[str]) -> typing.List[str]:
    return [shout(words=[w]) for w in words]
'''


def docker(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run(["/usr/bin/docker", *args], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def project(services, tmp_path_factory):
    root = tmp_path_factory.mktemp("imgproj")
    name = f"autoc-e2e-{uuid.uuid4().hex[:8]}"
    (root / "imgjobs.py").write_text(MODULE.format(name=name))
    return root


@pytest.fixture(scope="module")
def first_build(project):
    p = run_autoc("build-image", project, "--offline", "--output", "json", cwd=project)
    return json.loads(p.stdout)


def test_build_pushes_the_image_with_its_digest(first_build, services):
    (image,) = first_build["images"]
    assert first_build["ok"] and image["status"] == "built" and image["builder"] == "docker"
    assert image["reference"].startswith(services["AUTOC_REGISTRY"] + "/autoc-e2e-")
    exists, digest = head_manifest(image["reference"])
    assert exists is True and digest == image["digest"] and digest.startswith("sha256:")


def test_second_run_skips_and_reports_the_same_digest(first_build, project):
    again = json.loads(run_autoc("build-image", project, "--offline", "--output", "json", cwd=project).stdout)
    (image,) = again["images"]
    assert image["status"] == "skipped" and image["digest"] == first_build["images"][0]["digest"]


def test_a_source_only_change_rebuilds_only_the_source_layer(first_build, project, tmp_path):
    """BuildKit builds it, one line per step with its duration (off a terminal), and every layer but the
    source's comes from the cache."""
    changed = tmp_path / "changed"
    shutil.copytree(project, changed, ignore=shutil.ignore_patterns("__pycache__"))
    (changed / "imgjobs.py").write_text((changed / "imgjobs.py").read_text() + "\n# a source-only change\n")
    p = run_autoc("build-image", changed, "--offline", "--output", "json", cwd=changed)
    (image,) = json.loads(p.stdout)["images"]
    try:
        assert image["status"] == "built" and image["reference"] != first_build["images"][0]["reference"]
        steps = [ln.strip() for ln in p.stderr.splitlines() if re.match(r"^  \[\d+/\d+\] ", ln)]
        assert steps, p.stderr
        rebuilt = [s for s in steps if not s.endswith("  cached") and not s.startswith("[1/")]
        assert rebuilt and all(s.split("] ", 1)[1].startswith("COPY src/ /root/") for s in rebuilt), steps
        assert re.search(r"COPY src/ /root/  \d+\.\ds$", rebuilt[0])
        assert re.search(r"^  exporting to image  \d+\.\ds$", p.stderr, re.M)
    finally:
        docker("image", "rm", image["reference"], check=False)


def test_serialize_names_exactly_the_pushed_reference(first_build, project, tmp_path):
    run_autoc("serialize", project, "-o", tmp_path / "out", cwd=project)
    spec = task_pb2.TaskSpec()
    spec.ParseFromString(next((tmp_path / "out").glob("*.pb")).read_bytes())
    assert spec.template.container.image == first_build["images"][0]["reference"]


def test_the_task_runs_in_its_image(first_build, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    lm = literals_pb2.LiteralMap()
    lm.literals["words"].CopyFrom(engine.to_literal(["a", "b"], typing.List[str]))
    (data / "inputs.pb").write_bytes(lm.SerializeToString())
    os.chmod(data, 0o777)
    p = docker("run", "--rm", "--network", "none", "-v", f"{data}:/data", first_build["images"][0]["reference"],
               "autoc", "execute", "--inputs", "/data/inputs.pb", "--output-prefix", "/data/out",
               "--raw-output-data-prefix", "/data/raw", "--resolver", "autoc.resolvers.default_task_resolver", "--",
               "task-module", "imgjobs", "task-name", "shout", check=False)
    assert p.returncode == 0, p.stderr
    out = literals_pb2.LiteralMap()
    out.ParseFromString((data / "out" / "outputs.pb").read_bytes())
    assert engine.to_python(out.literals["o0"], str) == "hello from the image: A B"


def test_exist_is_tri_state(first_build, services):
    ref = first_build["images"][0]["reference"]
    assert head_manifest(ref)[0] is True
    assert head_manifest(ref.rsplit(":", 1)[0] + ":no-such-tag")[0] is False
    assert head_manifest("127.0.0.1:1/nothing/here:tag")[0] is None
    unreachable = ImageSpec(name="x", registry="127.0.0.1:1", base_image="b:1")
    assert unreachable.exist() is None


def test_unknown_existence_stops_the_build_unless_assumed(services, tmp_path):
    (tmp_path / "unreach.py").write_text(
        "from autoc import ImageSpec, task\n"
        "img = ImageSpec(name='u', registry='127.0.0.1:1', base_image='b:1')\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    p = run_autoc("build-image", tmp_path, check=False, cwd=tmp_path)
    assert p.returncode == 1 and "could not tell whether 127.0.0.1:1/u:" in p.stderr
    assert "--assume-images-exist" in p.stderr
    p = run_autoc("build-image", tmp_path, "--assume-images-exist", "--output", "json", cwd=tmp_path)
    assert json.loads(p.stdout)["images"][0]["status"] == "skipped"


def test_dry_run_builds_nothing(services, tmp_path):
    (tmp_path / "dryjobs.py").write_text(MODULE.format(name=f"autoc-dry-{uuid.uuid4().hex[:8]}"))
    p = run_autoc("build-image", tmp_path, "--dry-run", "--output", "json", cwd=tmp_path)
    (plan,) = json.loads(p.stdout)["images"]
    assert plan["plan"].startswith("FROM localbase/python:3.11") and "COPY src/ /root/" in plan["plan"]
    assert head_manifest(plan["reference"])[0] is False
    assert docker("image", "inspect", plan["reference"], check=False).returncode != 0


def test_pip_secret_never_lands_in_the_image(services, tmp_path):
    secret = tmp_path / "pip.conf"
    secret.write_text("[global]\n# TOPSECRET-a81f\n")
    (tmp_path / "sec.py").write_text(
        "import os\nfrom autoc import ImageSpec, task\n"
        f"img = ImageSpec(name='autoc-secret-{uuid.uuid4().hex[:8]}', registry=os.environ['AUTOC_REGISTRY'], "
        "base_image=os.environ['AUTOC_BASE_IMAGE'], "
        f"pip_secret_mounts=[({str(secret)!r}, '/etc/pip.conf')])\n"
        "@task(container_image=img)\ndef t() -> None:\n    pass\n")
    p = run_autoc("build-image", tmp_path, "--offline", "--output", "json", cwd=tmp_path)
    ref = json.loads(p.stdout)["images"][0]["reference"]
    saved = tmp_path / "image.tar"
    docker("save", "-o", str(saved), ref)
    found = False
    with tarfile.open(saved) as outer:
        for m in outer.getmembers():
            if m.isfile() and b"TOPSECRET-a81f" in outer.extractfile(m).read():
                found = True
    assert not found


def test_a_map_element_and_a_dynamic_task_run_in_their_image(first_build, project, tmp_path):
    """The map task's and the dynamic task's serialized container args and environment, run in the image as Flyte
    runs them: the element the array index names (from the environment), and the dynamic body's futures.pb."""
    from flyteidl.core import dynamic_job_pb2

    from tests.golden import load_dir

    run_autoc("serialize", project, "-o", tmp_path / "out", cwd=project)
    specs = {k.split("_", 1)[1]: v for k, v in load_dir(tmp_path / "out").items() if k.endswith("_1.pb")}
    mapped = next(v for k, v in specs.items() if k.startswith("imgjobs.map_shout_"))
    dyn = specs["imgjobs.shout_each_1.pb"]
    reference = first_build["images"][0]["reference"]
    assert mapped.template.container.image == dyn.template.container.image == reference
    for name, spec, values, types, env in (
            ("map", mapped, {"words": [["a"], ["b", "c"], ["d"]]}, {"words": typing.List[typing.List[str]]},
             {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": "AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX": "1"}),
            ("dyn", dyn, {"words": ["x", "y"]}, {"words": typing.List[str]},
             {"FLYTE_INTERNAL_TASK_VERSION": "v1", "FLYTE_INTERNAL_EXECUTION_PROJECT": "p",
              "FLYTE_INTERNAL_EXECUTION_DOMAIN": "d"})):
        data = tmp_path / name
        data.mkdir()
        lm = literals_pb2.LiteralMap()
        for k, v in values.items():
            lm.literals[k].CopyFrom(engine.to_literal(v, types[k]))
        (data / "inputs.pb").write_bytes(lm.SerializeToString())
        os.chmod(data, 0o777)
        fill = {"{{.input}}": "/data/inputs.pb", "{{.outputPrefix}}": "/data/out",
                "{{.rawOutputDataPrefix}}": "/data/raw", "{{.checkpointOutputPrefix}}": "/data/cp",
                "{{.prevCheckpointPrefix}}": '""'}
        env.update({e.key: e.value for e in spec.template.container.env})
        flags = [x for k, v in env.items() for x in ("-e", f"{k}={v}")]
        p = docker("run", "--rm", "--network", "none", "-v", f"{data}:/data", *flags, reference,
                   *[fill.get(a, a) for a in spec.template.container.args], check=False)
        assert p.returncode == 0, p.stderr
        if name == "map":
            out = literals_pb2.LiteralMap.FromString((data / "out" / "outputs.pb").read_bytes())
            assert engine.to_python(out.literals["o0"], str) == "hello from the image: B C"
        else:
            job = dynamic_job_pb2.DynamicJobSpec.FromString((data / "out" / "futures.pb").read_bytes())
            assert [n.id for n in job.nodes] == ["dn0", "dn1"] and len(job.outputs[0].binding.collection.bindings) == 2
            (task,) = job.tasks
            assert task.id.name == "imgjobs.shout" and task.id.version == "v1" and task.container.image == reference
