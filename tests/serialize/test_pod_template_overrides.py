"""``with_overrides(pod_template=..., task_config=...)`` as pyflyte 1.16.31 writes them: a node's pod template is
the template merged with the task's own container (image, command, resources, environment) in
``task_node.overrides.pod_template``; a task config override changes nothing in pyflyte's specs (``--sdk flytekit``
writes them so, autoc's own flavor refuses it at its line)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.protobuf import json_format

from tests.admin_server import AdminServer
from tests.conftest import run_autoc, serialize_refused
from tests.golden import diff, load_dir, normalize_args, pyflyte_serialize, write_project
from tests.sdk_flytekit.corpus import as_flytekit

PODS = '''
from kubernetes.client import V1Container, V1EnvVar, V1PodSpec, V1Toleration

from autoc import PodTemplate, Resources, task, workflow


@task(requests=Resources(cpu="1", mem="1Gi"), environment={"A": "1"})
def inc(x: int) -> int:
    return x + 1


@task(pod_template=PodTemplate(labels={"own": "yes"}))
def podded(x: int) -> int:
    return x


@workflow
def wf(x: int) -> int:
    a = inc(x=x).with_overrides(pod_template=PodTemplate(
        pod_spec=V1PodSpec(containers=[V1Container(name="primary", env=[V1EnvVar(name="B", value="2")])],
                           tolerations=[V1Toleration(key="gpu", operator="Exists")]),
        labels={"team": "ml"}, annotations={"x": "y"}))
    b = inc(x=a).with_overrides(pod_template=PodTemplate(primary_container_name="main")).with_overrides(retries=1)
    c = podded(x=b).with_overrides(pod_template=PodTemplate(pod_spec=V1PodSpec(containers=[
        V1Container(name="side", image="busybox:1")])))
    return inc(x=c).with_overrides(pod_template=PodTemplate(pod_spec=None))
'''
CONFIGURED = '''
import dataclasses
import typing

from autoc import Interface, PythonTask, workflow


@dataclasses.dataclass
class Cfg:
    level: int = 1


class Tuned(PythonTask[Cfg]):
    def __init__(self, name: str, task_config: Cfg, **kwargs):
        super().__init__(task_type="tuned", name=name, task_config=task_config,
                         interface=Interface(inputs={"x": int}, outputs={"o0": int}), **kwargs)

    def get_custom(self, settings) -> typing.Dict[str, typing.Any]:
        return {"level": self.task_config.level}


tuned = Tuned(name="tuned", task_config=Cfg(level=1))


@workflow
def configured(x: int) -> int:
    return tuned(x=x).with_overrides(task_config=Cfg(level=7))
'''
IMAGES = ["--image", "a/b:1"]


def _project(root: Path, files: dict) -> Path:
    return write_project(root, "ppkg", files)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("pods")
    face = _project(base / "face", {"pods.py": as_flytekit(PODS), "configured.py": as_flytekit(CONFIGURED)})
    own = _project(base / "own", {"pods.py": PODS})
    pyflyte_serialize(face, "ppkg", base / "pyflyte", IMAGES)
    run_autoc("serialize", "--sdk", "flytekit", "ppkg", "-o", base / "face-out", *IMAGES, cwd=face)
    run_autoc("serialize", "ppkg", "-o", base / "autoc", *IMAGES, cwd=own)
    return {k: {re.sub(r"^\d+_", "", n): m for n, m in load_dir(base / k).items()}
            for k in ("pyflyte", "face-out", "autoc")} | {"base": base}


def test_sdk_flytekit_writes_pyflytes_pod_template_and_task_config_overrides(outputs):
    theirs, ours = outputs["pyflyte"], outputs["face-out"]
    assert sorted(theirs) == sorted(ours)
    assert not {k: diff(v, ours[k]) for k, v in theirs.items() if diff(v, ours[k])}
    assert ours["tuned_1.pb"].template.custom["level"] == 1  # the override changed nothing, as in pyflyte
    nodes = ours["ppkg.pods.wf_2.pb"].template.nodes
    first = nodes[0].task_node.overrides.pod_template
    assert dict(first.metadata.labels) == {"team": "ml"} and first.primary_container_name == "primary"
    (primary,) = json_format.MessageToDict(first.pod_spec)["containers"]
    assert [e["name"] for e in primary["env"]] == ["A", "B"] and primary["resources"]["requests"]["cpu"] == "1"
    assert primary["image"] == "a/b:1" and primary["args"][0] == "pyflyte-execute"
    assert nodes[1].task_node.overrides.pod_template.primary_container_name == "main"
    assert nodes[1].metadata.retries.retries == 1  # a later with_overrides keeps the pod template
    side, _ = json_format.MessageToDict(nodes[2].task_node.overrides.pod_template.pod_spec)["containers"]
    assert side == {"image": "busybox:1", "name": "side"}


def _entrypoints_normalized(spec):
    """The override pod's primary container args as tests/golden normalizes a task's (autoc's entrypoint)."""
    for n in spec.template.nodes:
        pod = n.task_node.overrides.pod_template
        if pod.HasField("pod_spec"):
            d = json_format.MessageToDict(pod.pod_spec)
            for c in d.get("containers", []):
                if "--inputs" in c.get("args", []):
                    c["args"] = normalize_args(c["args"])
            pod.pod_spec.Clear()
            pod.pod_spec.update(d)
    return spec


def test_autoc_flavor_writes_the_same_pod_template_overrides(outputs):
    theirs, ours = outputs["pyflyte"], outputs["autoc"]
    names = [k for k in theirs if "configured" not in k and "tuned" not in k]
    assert sorted(names) == sorted(ours)
    wf = "ppkg.pods.wf_2.pb"
    args = json_format.MessageToDict(ours[wf].template.nodes[0].task_node.overrides.pod_template.pod_spec)[
        "containers"][0]["args"]
    assert args[:args.index("--inputs")] == list(ours["ppkg.pods.inc_1.pb"].template.container.args)[:2]
    assert "autoc" in args[0] and "pyflyte-execute" not in args  # the task's own (autoc) entrypoint
    assert not diff(_entrypoints_normalized(theirs[wf]), _entrypoints_normalized(ours[wf]))
    assert not {k: diff(theirs[k], ours[k]) for k in names if k != wf and diff(theirs[k], ours[k])}


HEAD = CONFIGURED.replace("@workflow\ndef configured(x: int) -> int:\n    return tuned(x=x).with_overrides(task_config="
                          "Cfg(level=7))\n", "")


@pytest.mark.parametrize("body, text", [
    ("    return tuned(x=x).with_overrides(task_config=Cfg(level=7))\n",
     "with_overrides(task_config=...) on tuned (n0) would change nothing"),
    ("    return tuned(x=x).with_overrides(task_config={'level': 7})\n",
     "can't change the type of the task config of tuned (Cfg, not dict)"),
    ("    from autoc import PodTemplate\n    return tuned(x=x).with_overrides(pod_template=PodTemplate())\n",
     "only tasks that run in autoc's or flytekit's container can take a pod template"),
    ("    return tuned(x=x).with_overrides(pod_template={'containers': []})\n",
     "with_overrides(pod_template=...) takes a PodTemplate"),
])
def test_override_mistakes_name_their_line(unique_pkg, tmp_path, body, text):
    source = HEAD + "\n@workflow\ndef wf(x: int) -> int:\n" + body
    line = source.count("\n")
    pkg = unique_pkg({"m.py": source})
    err = serialize_refused(pkg, tmp_path)
    assert f"m.py:{line}:\nerror: " in err and text in err, err


def test_pod_template_overrides_register_into_the_loopback_admin(outputs, tmp_path):
    with AdminServer(db_path=str(tmp_path / "admin.db")) as admin:
        p = run_autoc("register", outputs["base"] / "autoc", "--version", "v1", "--endpoint", admin.address,
                      "--insecure", "--output", "json", check=False)
        assert p.returncode == 0, p.stdout + p.stderr
        assert json.loads(p.stdout)["summary_by_kind"]["workflows"] == {"created": 1}
        wf = admin.workflow("flytesnacks", "development", "ppkg.pods.wf", "v1").closure.compiled_workflow
        pod = {n.id: n for n in wf.primary.template.nodes}["n0"].task_node.overrides.pod_template
        assert pod.metadata.annotations["x"] == "y" and pod.pod_spec["tolerations"][0]["key"] == "gpu"
