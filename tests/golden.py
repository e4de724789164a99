"""Comparing autoc's files with pyflyte's after exactly the allowed normalisations: for TaskSpecs the entrypoint
(``autoc execute`` vs ``pyflyte-execute``), the resolver location and ``metadata.runtime``; for WorkflowSpecs the
order of ``upstream_node_ids`` (pyflyte's comes from a set)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from google.protobuf import json_format, text_format

RESOLVERS = {"autoc.resolvers.default_task_resolver", "flytekit.core.python_auto_container.default_task_resolver"}
EAGER_RESOLVERS = {"autoc.resolvers.eager.eager_failure_task_resolver",  # an eager workflow's cleanup task
                   "flytekit.core.python_function_task.eager_failure_task_resolver"}


MAP_RESOLVERS = {"autoc.resolvers.map_task.ArrayNodeMapTaskResolver",
                 "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver",
                 "autoc.resolvers.map_task.MapTaskResolver",  # flytekit's legacy (container_array) map task
                 "flytekit.core.legacy_map_task.MapTaskResolver"}


def normalize_args(args: List[str]) -> List[str]:
    """Drop the entrypoint words before ``--inputs`` and name the default resolver generically (a map task's
    resolver too, and the mapped task's resolver in its loader args)."""
    args = list(args)
    if "--inputs" not in args:  # a raw container (ContainerTask): its args are the user's
        return args
    start = args.index("--inputs")
    args = ["<entrypoint>"] + args[start:]
    i = args.index("--resolver")
    if args[i + 1] in RESOLVERS:
        args[i + 1] = "<default-resolver>"
    elif args[i + 1] in EAGER_RESOLVERS:
        args[i + 1] = "<eager-failure-resolver>"
    elif args[i + 1] in MAP_RESOLVERS:
        args[i + 1] = "<map-resolver>"
        j = args.index("resolver", i + 2)
        if args[j + 1] in RESOLVERS:
            args[j + 1] = "<default-resolver>"
    return args


HOST_PATHS = ("python_interpreter", "flytekit_virtualenv_root")


def without_host_paths(spec: task_pb2.TaskSpec, fields=HOST_PATHS) -> task_pb2.TaskSpec:
    """``pyflyte serialize`` writes its own interpreter's paths into a dynamic or eager task's settings (``_F_SS_C``:
    ``sys.executable`` and flytekit's install folder; pyflyte package/register write ``/opt/venv``): the one field
    two tools in two environments cannot share. Everything else in ``_F_SS_C`` is compared (in autoc's own flavor
    but the local source root, which autoc leaves out)."""
    import base64
    import gzip
    import io
    import json

    env = spec.template.container.env
    for e in env:
        if e.key == "_F_SS_C":
            d = json.loads(gzip.decompress(base64.b64decode(e.value)))
            for k in fields:
                d[k] = "<host path>"
            buf = io.BytesIO()
            with gzip.GzipFile(mode="wb", fileobj=buf, mtime=0) as f:
                f.write(json.dumps(d).encode())
            e.value = base64.b64encode(buf.getvalue()).decode()
    return spec


def normalize(spec: task_pb2.TaskSpec) -> task_pb2.TaskSpec:
    s = task_pb2.TaskSpec()
    s.CopyFrom(spec)
    without_host_paths(s, HOST_PATHS + ("source_root",))
    s.template.metadata.ClearField("runtime")
    if s.template.HasField("container"):
        new = normalize_args(s.template.container.args)
        del s.template.container.args[:]
        s.template.container.args.extend(new)
    if s.template.HasField("k8s_pod"):
        pod = json_format.MessageToDict(s.template.k8s_pod.pod_spec)
        for c in pod.get("containers", []):
            if "--inputs" in (c.get("args") or []):
                c["args"] = normalize_args(c["args"])
        s.template.k8s_pod.pod_spec.Clear()
        s.template.k8s_pod.pod_spec.update(pod)
    return s


def all_nodes(nodes):
    """``nodes`` and the nodes of the cases of their branch nodes, recursively."""
    for n in nodes:
        yield n
        if n.HasField("branch_node"):
            if_else = n.branch_node.if_else
            yield from all_nodes([if_else.case.then_node, *(c.then_node for c in if_else.other),
                                  *([if_else.else_node] if if_else.HasField("else_node") else [])])


def _sort_upstream(nodes) -> None:
    for n in all_nodes(nodes):  # a branch's case nodes too: pyflyte lists theirs in set order as well
        ids = sorted(n.upstream_node_ids)
        del n.upstream_node_ids[:]
        n.upstream_node_ids.extend(ids)


def normalize_workflow(spec: workflow_pb2.WorkflowSpec) -> workflow_pb2.WorkflowSpec:
    """pyflyte builds ``upstream_node_ids`` from a set (its order changes from run to run): compare them as sets."""
    s = workflow_pb2.WorkflowSpec()
    s.CopyFrom(spec)
    for t in [s.template, *s.sub_workflows]:
        _sort_upstream(t.nodes)
        if t.HasField("failure_node"):
            _sort_upstream([t.failure_node])
    return s


_KINDS = {"1": task_pb2.TaskSpec, "2": workflow_pb2.WorkflowSpec, "3": launch_plan_pb2.LaunchPlan}


def parse(path: Path):
    """A ``_1.pb`` (TaskSpec), ``_2.pb`` (WorkflowSpec) or ``_3.pb`` (LaunchPlan) file."""
    m = _KINDS[Path(path).name[-4]]()
    m.ParseFromString(Path(path).read_bytes())
    return m


def load_dir(d: Path) -> Dict[str, object]:
    return {f.name: parse(f) for f in sorted(Path(d).glob("*.pb"))}


def normalize_any(m):
    if isinstance(m, task_pb2.TaskSpec):
        return normalize(m)
    if isinstance(m, workflow_pb2.WorkflowSpec):
        return normalize_workflow(m)
    return m


def diff(a, b) -> str:
    import difflib

    ta = text_format.MessageToString(normalize_any(a)).splitlines()
    tb = text_format.MessageToString(normalize_any(b)).splitlines()
    return "\n".join(difflib.unified_diff(ta, tb, "pyflyte", "autoc", lineterm=""))


def write_project(root: Path, pkg: str, files: Dict[str, str]) -> Path:
    """A project at ``root``: the package ``pkg`` holding ``files`` (file name -> source) and a requirements.txt
    that pins the oracle's flytekit."""
    (root / pkg).mkdir(parents=True)
    (root / pkg / "__init__.py").write_text("")
    for name, source in files.items():
        (root / pkg / name).write_text(source)
    (root / "requirements.txt").write_text("flytekit==1.16.31\n")
    return root


def pyflyte_serialize(cwd: Path, pkg: str, out: Path, images: List[str], shim: bool = False) -> None:
    """``pyflyte --pkgs pkg serialize`` of the oracle into ``out`` (a new folder); with ``shim`` the oracle also finds
    autoc's names (a project written for autoc)."""
    from tests.conftest import SHIM, oracle_venv

    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC", "FLYTE_INTERNAL_IMAGE")}
    if shim:
        env["PYTHONPATH"] = str(SHIM)
    out.mkdir()
    p = subprocess.run([str(oracle_venv() / "bin" / "pyflyte"), "--pkgs", pkg, "serialize", *images, "workflows",
                        "-f", str(out)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
