"""The one entity order, used for writing files and for registering: pyflyte's.

pyflyte walks every entity in creation order and adds what an entity references before the entity itself
(a workflow's tasks, subworkflows and launch plans, node by node; a launch plan's workflow), skipping what it
has already added; each workflow met in that walk is followed by its default launch plan. Numbering files in
this order makes the name order a dependency order, which ``flytectl register files`` relies on.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

TASK, WORKFLOW, LAUNCH_PLAN = "task", "workflow", "launch_plan"
SUFFIX = {TASK: 1, WORKFLOW: 2, LAUNCH_PLAN: 3}  # flyteidl ResourceType values, the file name suffix


def kind_of(entity: Any) -> Optional[str]:
    """``task``, ``workflow``, ``launch_plan``, or None for anything else."""
    cls = entity.__class__
    kind = _KINDS.get(cls, "")
    if kind == "":
        kind = _KINDS[cls] = _kind_of_class(cls)
    return kind


_KINDS: Dict[type, Optional[str]] = {}  # (asked three times per entity of a run)


def _kind_of_class(cls: type) -> Optional[str]:
    from autoc.core.launch_plan import LaunchPlan
    from autoc.core.task import PythonTask
    from autoc.core.workflow import WorkflowBase

    if issubclass(cls, PythonTask):
        return TASK
    if issubclass(cls, WorkflowBase):
        return WORKFLOW
    if issubclass(cls, LaunchPlan):
        return LAUNCH_PLAN
    return None


def default_launch_plan(wf) -> Optional[Any]:
    """The workflow's default launch plan (named like it, defaults from its signature)."""
    from autoc.core.launch_plan import LaunchPlan

    return LaunchPlan.get_default_launch_plan(wf)


def pyflyte_order(created: Sequence[Any], default_lp: Callable[[Any], Optional[Any]] = default_launch_plan
                  ) -> List[Any]:
    """Tasks, workflows and launch plans in the order pyflyte writes them (dependencies first, each workflow
    followed by its default launch plan), without duplicates."""
    out: List[Any] = []
    seen = set()

    def visit_node(n) -> None:
        """A node's upstream nodes first (pyflyte serializes them before the node: ``b >> a`` puts b's entity
        first), then its entity."""
        if id(n) in seen:
            return
        seen.add(id(n))
        for u in n.upstream_nodes:
            visit_node(u)
        visit(n.entity)

    def visit(e) -> None:
        if id(e) in seen:
            return
        kind = kind_of(e)
        if kind == WORKFLOW:
            if "autoc.core.condition" in sys.modules:  # (a conditional's nodes exist only then)
                from autoc.core.condition import walk_nodes

                nodes = walk_nodes(e.nodes)  # the nodes of a conditional's cases too
            else:
                nodes = list(e.nodes)
            if e.failure_node is not None:
                nodes.append(e.failure_node)
            for n in nodes:
                visit_node(n)
        elif kind == LAUNCH_PLAN:
            visit(e.workflow)
        elif kind == TASK:  # a dynamic task's hints: what its body may call, registered before it
            for hint in getattr(e, "node_dependency_hints", None) or ():
                visit(hint)
        elif kind is None:
            target = getattr(e, "target", None) if getattr(e, "is_array_node", False) else None
            if target is not None:  # an array node: the launch plan it maps
                visit(target)
            return
        seen.add(id(e))
        out.append(e)

    for e in created:
        visit(e)
        wf = e if kind_of(e) == WORKFLOW else getattr(e, "eager_workflow", None)  # an eager task's workflow too
        if wf is not None:
            lp = default_lp(wf)
            if lp is not None:
                visit(lp)
    return out
