"""Comparing autoc's TaskSpecs with pyflyte's after exactly the allowed normalisations: the entrypoint
(``autoc execute`` vs ``pyflyte-execute``), the resolver location and ``metadata.runtime``."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from flyteidl.admin import task_pb2
from google.protobuf import json_format, text_format

RESOLVERS = {"autoc.resolvers.default_task_resolver", "flytekit.core.python_auto_container.default_task_resolver"}


def normalize_args(args: List[str]) -> List[str]:
    """Drop the entrypoint words before ``--inputs`` and name the default resolver generically."""
    args = list(args)
    start = args.index("--inputs")
    args = ["<entrypoint>"] + args[start:]
    i = args.index("--resolver")
    if args[i + 1] in RESOLVERS:
        args[i + 1] = "<default-resolver>"
    return args


def normalize(spec: task_pb2.TaskSpec) -> task_pb2.TaskSpec:
    s = task_pb2.TaskSpec()
    s.CopyFrom(spec)
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


def load_dir(d: Path) -> Dict[str, task_pb2.TaskSpec]:
    out = {}
    for f in sorted(Path(d).glob("*.pb")):
        s = task_pb2.TaskSpec()
        s.ParseFromString(f.read_bytes())
        out[f.name] = s
    return out


def diff(a: task_pb2.TaskSpec, b: task_pb2.TaskSpec) -> str:
    import difflib

    ta = text_format.MessageToString(normalize(a)).splitlines()
    tb = text_format.MessageToString(normalize(b)).splitlines()
    return "\n".join(difflib.unified_diff(ta, tb, "pyflyte", "autoc", lineterm=""))
