"""A node of a compiled workflow: which entity it runs, what its inputs are bound to, what must run before it,
and its ``with_overrides(...)`` settings (checked and recorded here, as flytekit does in ``flytekit.core.node``).

Each ``with_overrides`` call is one record, in order: translation replays them as flytekit applies them (a later
call replaces what it names; pyflyte also drops an earlier accelerator and cache flag, which only the flytekit
flavor reproduces).

Nodes are data. Bindings stay Python values (promises, constants, lists and dicts of both) until
``autoc.serialize.translate_workflow`` turns them into flyteidl messages, type-checking them on the way.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any, Dict, List, Optional

from autoc.errors import WorkflowDefinitionError

#: entity types a workflow body may call with ``create_node`` besides tasks, workflows and launch plans, added by
#: the modules defining them (``autoc.core.reference``: ReferenceEntity), so that ``autoc.core.overrides`` checks
#: them without importing those modules back
NODE_ENTITY_TYPES: List[type] = []

#: the types of promises (``autoc.core.promise`` adds ``Promise``), which ``with_overrides`` refuses as values
PROMISE_TYPES: List[type] = []

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
        """Node-level settings (``override`` below): node_name, name, retries, timeout, interruptible, cache,
        requests, limits, resources, accelerator, shared_memory, container_image, aliases."""
        if args:
            raise WorkflowDefinitionError("with_overrides() takes keyword arguments only", where=user_site())
        return override(self, kwargs, where=user_site())

    def __repr__(self) -> str:
        return f"Node({self.id}: {getattr(self.entity, 'name', self.entity)})"


#: what a with_overrides call may name (flytekit's keywords); unknown keywords are an error
KNOWN = ("node_name", "aliases", "requests", "limits", "timeout", "retries", "interruptible", "name", "task_config",
         "container_image", "accelerator", "cache", "shared_memory", "pod_template", "resources", "cache_serialize",
         "cache_version", "cache_ignore_input_vars")


def dnsify(value: str) -> str:
    """A DNS label as flytekit makes node ids (``_dnsify``): ``_ - .`` become ``-`` (never first), other
    non-alphanumerics are dropped, an upper-case letter becomes ``-`` + lower case; a name of 63 characters or more
    is first shortened to a 10-character sha224 prefix, ``-`` and its tail."""
    import hashlib

    if len(value) >= 63:
        value = f"{hashlib.sha224(value.encode()).hexdigest()[:10]}-{value[-52:]}"
    out = []
    for ch in value:
        if ch in "_-.":
            if out and len(out) < 62:
                out.append("-")
        elif not ch.isalnum():
            continue
        elif ch.islower() or ch.isdigit():
            out.append(ch)
        else:
            if out and out[-1] != "-" and len(out) < 62:
                out.append("-")
            out.append(ch.lower())
    if out and out[-1] == "-":
        out.pop()
    return "".join(out)


def _check(kwargs: Dict[str, Any], where) -> None:
    unknown = [k for k in kwargs if k not in KNOWN]
    if unknown:
        raise WorkflowDefinitionError(f"with_overrides() got unknown keyword(s): {', '.join(sorted(unknown))}",
                                      where=where, hint="accepted: " + ", ".join(KNOWN))
    for k, v in kwargs.items():
        if isinstance(v, tuple(PROMISE_TYPES)):
            raise WorkflowDefinitionError(f"with_overrides({k}=...) cannot take a promise ({v!r})", where=where,
                                          hint="overrides are fixed when the workflow is registered; pass a "
                                               "constant")
    timeout = kwargs.get("timeout", None)
    if "timeout" in kwargs and timeout is not None and not isinstance(timeout, (int, datetime.timedelta)):
        raise WorkflowDefinitionError("with_overrides(timeout=...) takes a datetime.timedelta or int seconds",
                                      where=where)
    from autoc.core.resources import Resources

    for k in ("requests", "limits", "resources"):
        if kwargs.get(k) is not None and not isinstance(kwargs[k], Resources):
            raise WorkflowDefinitionError(f"with_overrides({k}=...) takes a Resources, got {kwargs[k]!r:.80}",
                                          where=where, hint=f"{k}=Resources(cpu='1', mem='1Gi')")
    if kwargs.get("resources") is not None and (kwargs.get("requests") is not None
                                                or kwargs.get("limits") is not None):
        raise WorkflowDefinitionError("with_overrides: `resources` can not be used together with `requests` or "
                                      "`limits`", where=where, hint="set only resources=Resources(...)")
    if kwargs.get("container_image") is not None and not isinstance(kwargs["container_image"], str):
        raise WorkflowDefinitionError("with_overrides(container_image=...) takes an image reference (a str)",
                                      where=where, hint="e.g. container_image='ghcr.io/acme/app:v2'")
    if kwargs.get("cache") is True and kwargs.get("cache_version") is None:
        raise WorkflowDefinitionError("with_overrides(cache=True) must specify the cache version when overriding",
                                      where=where, hint="cache=Cache(version='v1')")
    if kwargs.get("pod_template") is not None:
        from autoc.core.pod import PodTemplate

        if not isinstance(kwargs["pod_template"], PodTemplate):
            raise WorkflowDefinitionError(f"with_overrides(pod_template=...) takes a PodTemplate, got "
                                          f"{kwargs['pod_template']!r:.80}", where=where,
                                          hint="pod_template=PodTemplate(pod_spec=V1PodSpec(...), labels={...})")
    aliases = kwargs.get("aliases")
    if aliases is not None and not isinstance(aliases, dict):
        raise WorkflowDefinitionError("with_overrides(aliases=...) takes a dict[str, str]", where=where)
    cache = kwargs.get("cache")
    if cache is not None and not isinstance(cache, bool):
        from autoc.core.metadata import Cache

        if not isinstance(cache, Cache):
            raise WorkflowDefinitionError(f"with_overrides(cache=...) takes a bool or a Cache, got {cache!r:.80}",
                                          where=where)
        if cache.version is None:
            raise WorkflowDefinitionError("with_overrides(cache=Cache(...)) must specify the cache version when "
                                          "overriding", where=where, hint="cache=Cache(version='v1')")
        if kwargs.get("cache_serialize") is not None or kwargs.get("cache_version") is not None:
            raise WorkflowDefinitionError("cache_serialize and cache_version are deprecated next to a Cache: put "
                                          "them in the Cache object", where=where)


def override(node: Node, kwargs: Dict[str, Any], where=None) -> Node:
    """Record one ``with_overrides`` call on ``node`` (validated here, applied by translation)."""
    where = where or user_site(2)
    _check(kwargs, where)
    if kwargs.get("task_config") is not None:
        _override_task_config(node, kwargs["task_config"], where)
    if kwargs.get("node_name") is not None:
        node.id = dnsify(str(kwargs["node_name"]))
    if not hasattr(node, "overrides"):
        node.overrides = []
    node.overrides.append({k: v for k, v in kwargs.items()})
    if kwargs.get("task_config") is not None:
        node.override_sites = getattr(node, "override_sites", {})
        node.override_sites["task_config"] = where  # the line autoc's flavor refuses it at
    return node


def _override_task_config(node: Node, task_config, where) -> None:
    """``with_overrides(task_config=...)``: checked as flytekit checks it (a config of the task's config type).
    Flyte's node overrides have no field for it and pyflyte writes the task before the workflow's body changes its
    config, so it changes nothing in the specs: ``--sdk flytekit`` writes them so, autoc's own flavor refuses it at
    translation (``autoc.serialize.translate_overrides``)."""
    task = node.entity
    check = getattr(task, "_check_task_config_override", None)  # a PythonTask's
    if check is None:
        raise WorkflowDefinitionError(f"with_overrides(task_config=...) needs a task call, not "
                                      f"{getattr(task, 'name', task)!r}", where=where)
    check(task_config, where)


_IMAGE_TEMPLATE = re.compile(r"\{\{\s*\.image\.")


def is_image_template(image: str) -> bool:
    return bool(_IMAGE_TEMPLATE.search(image))


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
