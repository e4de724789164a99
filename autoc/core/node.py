"""A node of a compiled workflow: which entity it runs, what its inputs are bound to, what must run before it.

Nodes are data. Bindings stay Python values (promises, constants, lists and dicts of both) until
``autoc.serialize.translate_workflow`` turns them into flyteidl messages, type-checking them on the way.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from autoc.errors import WorkflowDefinitionError

#: entity types a workflow body may call with ``create_node`` besides tasks, workflows and launch plans, added by
#: the modules defining them (``autoc.core.reference``: ReferenceEntity), so that ``autoc.core.overrides`` checks
#: them without importing those modules back
NODE_ENTITY_TYPES: List[type] = []

_AUTOC_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_site(skip: int = 1) -> Optional[str]:
    """``file:line`` of the innermost frame outside the autoc package: the user's call."""
    import sys

    frame = sys._getframe(skip)
    try:
        while frame is not None:
            f = frame.f_code.co_filename
            if not os.path.abspath(f).startswith(_AUTOC_DIR + os.sep) and not f.startswith("<frozen"):
                return f"{f}:{frame.f_lineno}"
            frame = frame.f_back
        return None
    finally:
        del frame


class Node:
    """One call of a task, workflow or launch plan inside a workflow body."""

    def __init__(self, id: str, entity: Any, inputs: Dict[str, Any], upstream: List["Node"], index: int,
                 where: Optional[str] = None):
        self.id = id
        self.entity = entity
        self.inputs = inputs  # input name -> bound Python value (sorted by name)
        self._upstream = upstream
        self.index = index  # creation order inside the workflow: one stable order for upstream_node_ids
        self.where = where

    @property
    def flyte_entity(self) -> Any:
        return self.entity

    @property
    def upstream_nodes(self) -> List["Node"]:
        """Nodes that must finish first, in creation order (pyflyte writes them in set order)."""
        return sorted(self._upstream, key=lambda n: n.index)

    def runs_before(self, other: "Node") -> None:
        if self is other:
            raise WorkflowDefinitionError(f"node {self.id} cannot run before itself", where=user_site())
        if self not in other._upstream:
            other._upstream.append(self)

    def __rshift__(self, other: "Node") -> "Node":
        self.runs_before(other)
        return other

    def _last_override(self, key: str) -> Any:
        return next((r[key] for r in reversed(getattr(self, "overrides", None) or []) if r.get(key) is not None),
                    None)

    @property
    def _container_image(self) -> Optional[str]:
        """The image a ``with_overrides(container_image=...)`` gave this call (flytekit's attribute name)."""
        return self._last_override("container_image")

    @property
    def _pod_template(self) -> Any:
        """The pod template a ``with_overrides(pod_template=...)`` gave this call (flytekit's attribute name)."""
        return self._last_override("pod_template")

    def with_overrides(self, *args, **kwargs):
        """Node-level settings (``autoc.core.overrides``): node_name, name, retries, timeout, interruptible, cache,
        requests, limits, resources, accelerator, shared_memory, container_image, aliases."""
        from autoc.core.overrides import override

        if args:
            raise WorkflowDefinitionError("with_overrides() takes keyword arguments only", where=user_site())
        return override(self, kwargs, where=user_site())

    def __repr__(self) -> str:
        return f"Node({self.id}: {getattr(self.entity, 'name', self.entity)})"


def not_supported(construct: str, where: Optional[str] = None, hint: Optional[str] = None) -> WorkflowDefinitionError:
    """The error for a flytekit construct autoc does not implement yet: named, located, never silently dropped."""
    err = WorkflowDefinitionError(
        f"{construct} is not supported by autoc yet",
        where=where,
        hint=hint or "keep the workflow linear (task, subworkflow and launch plan calls), or serialize this module "
                     "with pyflyte for now",
    )
    err.face_gap = True  # under --sdk flytekit --engine auto, the flytekit engine answers it
    return err
