"""Comparing autoc's files with pyflyte's after exactly the allowed normalisations: for TaskSpecs the entrypoint
(``autoc execute`` vs ``pyflyte-execute``), the resolver location and ``metadata.runtime``; for WorkflowSpecs the
order of ``upstream_node_ids`` (pyflyte's comes from a set)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
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
