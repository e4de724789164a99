"""``.with_overrides(...)`` on a call in a workflow body and ``create_node(entity, **inputs)``: node-level
settings (node id and name, retries, timeout, interruptible, cache, resources, accelerator, shared memory, image)
recorded on the ``Node`` and written into the workflow spec by translation, as flytekit writes them.

Each ``with_overrides`` call is one record, in order: translation replays them as flytekit applies them (a later
call replaces what it names; pyflyte also drops an earlier accelerator and cache flag, which only the flytekit
flavor reproduces)."""

from __future__ import annotations

import datetime
import re
from typing import Any, Dict

from autoc.core.node import NODE_ENTITY_TYPES, Node, user_site
from autoc.errors import WorkflowDefinitionError

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
    from autoc.core.promise import Promise

    unknown = [k for k in kwargs if k not in KNOWN]
    if unknown:
        raise WorkflowDefinitionError(f"with_overrides() got unknown keyword(s): {', '.join(sorted(unknown))}",
                                      where=where, hint="accepted: " + ", ".join(KNOWN))
    for k, v in kwargs.items():
        if isinstance(v, Promise):
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


def node_of(value, where) -> Node:
    from autoc.core.promise import _node_of

    node = _node_of(value)
    if node is None:
        raise WorkflowDefinitionError(f"with_overrides() needs the result of a call in this workflow body, got "
                                      f"{value!r:.80}", where=where)
    return node


class NodeCreationError(WorkflowDefinitionError, AssertionError):
    """A ``create_node`` call flytekit refuses with its ``FlyteAssertion`` (an AssertionError): autoc's error, and
    an AssertionError too, which ``FlyteAssertion`` names through the face."""


def create_node(entity, *args, **kwargs) -> Node:
    """Call ``entity`` in the workflow body and return its node: order it with ``>>``, read outputs as
    ``node.o0`` (or ``node.outputs['o0']``), override it with ``.with_overrides(...)``."""
    from autoc.core.promise import VoidPromise, compilation_state

    where = user_site()
    if args:
        raise NodeCreationError(f"create_node({getattr(entity, 'name', entity)}, ...): only keyword "
                                      f"arguments pass inputs ({len(args)} positional given)", where=where,
                                      hint="create_node(t, x=1)")
    from autoc.core.seams import above

    if above("order").kind_of(entity) is None and not isinstance(entity, tuple(NODE_ENTITY_TYPES)):
        raise WorkflowDefinitionError(f"create_node() needs a task, workflow or launch plan, got {entity!r:.80}",
                                      where=where)
    state = compilation_state()
    if state is None:
        raise WorkflowDefinitionError("create_node() can only be used inside a workflow body", where=where,
                                      hint="call it in the body of an @workflow function")
    outputs = entity(**kwargs)
    node = state.nodes[-1]
    node.outputs = {}
    if isinstance(outputs, VoidPromise):
        return node
    names = list(entity.python_interface.outputs)
    values = [getattr(outputs, n) for n in names] if isinstance(outputs, tuple) else [outputs]
    for name, value in zip(names, values):
        if name in vars(node) or hasattr(type(node), name):
            raise NodeCreationError(f"create_node({entity.name}): the node already has an attribute "
                                    f"'{name}'; rename that output", where=where)
        setattr(node, name, value)
        node.outputs[name] = value
    return node


_IMAGE_TEMPLATE = re.compile(r"\{\{\s*\.image\.")


def is_image_template(image: str) -> bool:
    return bool(_IMAGE_TEMPLATE.search(image))


__all__ = ["create_node", "dnsify", "override"]
