"""``with_overrides`` records written into a node as pyflyte writes them: node metadata (name, timeout, retries,
interruptible, cache) for every node; resources, extended resources, container image and output aliases for task
nodes. Under ``--sdk flytekit`` pyflyte's bugs are reproduced (``settings.flavor.quirks``): an image template
written unexpanded, and a later call without ``accelerator``/``cache`` dropping an earlier call's.

On a map task's node (an ArrayNode) the records go where flytekit puts them: node metadata and task overrides into
the mapped sub-node, the ArrayNode's own metadata untouched, output aliases dropped. (flytekit writes the metadata
into the map task object, so a map task object called twice carries one call's overrides into the other; autoc
keeps them per call, which is the same as long as each ``map_task(...)`` is called once, the usual form.)"""

from __future__ import annotations

import datetime

from flyteidl.core import workflow_pb2


def apply_overrides(m: workflow_pb2.Node, node, kind: str, settings) -> None:
    records = getattr(node, "overrides", None)
    if not records:
        return
    from autoc.serialize.translate import extended_resources, resolve_image

    quirks = settings.flavor.quirks
    array = m.HasField("array_node")
    md = m.array_node.node.metadata if array else m.metadata
    resources = image = ext = aliases = pod_template = None
    for r in records:
        if r.get("task_config") is not None and "override_task_config_ignored" not in quirks:
            from autoc.errors import WorkflowDefinitionError

            raise WorkflowDefinitionError(
                f"with_overrides(task_config=...) on {node.entity.name} ({node.id}) would change nothing: Flyte's node "
                f"overrides have no task config, and the task runs with the config it was defined with (pyflyte "
                f"writes the task unchanged)",
                where=getattr(node, "override_sites", {}).get("task_config", node.where),
                hint="define a second task with that config and call it instead")
        if r.get("pod_template") is not None:
            pod_template = r["pod_template"]
        if r.get("aliases") is not None:
            aliases = [workflow_pb2.Alias(var=k, alias=v) for k, v in r["aliases"].items()]
        requests, limits = r.get("requests"), r.get("limits")
        if r.get("resources") is not None:
            from autoc.core.resources import ResourceSpec

            spec = ResourceSpec.from_multiple_resource(r["resources"])
            requests, limits = spec.requests, spec.limits
        if requests is not None or limits is not None:
            resources = override_resource_model(requests, limits)
        if r.get("container_image") is not None:
            image = r["container_image"]
            if "override_image_unexpanded" not in quirks:
                image = resolve_image(image, settings)
        new_ext = extended_resources(accelerator=r.get("accelerator"), shared_memory=r.get("shared_memory"))
        if new_ext is not None or "override_accelerator_dropped" in quirks:
            ext = new_ext
        _metadata(md, r, quirks)
    if kind != "task":
        return
    o = m.array_node.node.task_node.overrides if array else m.task_node.overrides
    if resources is not None:
        o.resources.CopyFrom(resources)
    if ext is not None:
        o.extended_resources.CopyFrom(ext)
    if image is not None:
        o.container_image = image
    if aliases and not array:
        m.output_aliases.extend(aliases)
    if pod_template is not None:
        o.pod_template.CopyFrom(_pod_override(node, pod_template, settings))


#: the order flytekit writes resource overrides in (``flytekit.core.resources.convert_resources_to_resource_model``;
#: a container's own resources come in another order, ``autoc.serialize.translate.convert_resources_to_resource_model``)
_OVERRIDE_ORDER = ("cpu", "mem", "gpu", "ephemeral_storage")


def override_resource_model(requests=None, limits=None):
    """Requests and limits of a ``with_overrides`` call as flytekit writes them: cpu, mem, gpu, ephemeral storage,
    every value that is set (``0`` too), each checked and normalised as a task's own."""
    from flyteidl.core import tasks_pb2

    from autoc.core.resources import normalize_quantity
    from autoc.errors import ResourceError
    from autoc.serialize.translate import _RESOURCE_NAMES

    r = tasks_pb2.Resources()
    for res, entries in ((requests, r.requests), (limits, r.limits)):
        for field in _OVERRIDE_ORDER if res is not None else ():
            v = getattr(res, field)
            if v is None:
                continue
            if isinstance(v, (list, tuple)):
                raise ResourceError(f"{field}={v!r} can not be a list or tuple: a (request, limit) pair is only "
                                    f"accepted by resources=...",
                                    hint="use requests=Resources(...) and limits=Resources(...), or resources=")
            entries.add(name=_RESOURCE_NAMES[field], value=normalize_quantity(field, v))
    return r


def _pod_override(node, pod_template, settings):
    """``with_overrides(pod_template=...)``: the template merged with the task's own container (image, command,
    resources, environment), as the task's own pod template is, plus its labels, annotations and primary container
    name, as pyflyte writes it."""
    from autoc.core.task import PythonAutoContainerTask
    from autoc.errors import WorkflowDefinitionError
    from autoc.serialize.translate import k8s_pod

    task = node.entity
    if not isinstance(task, PythonAutoContainerTask) and not getattr(task, "is_array_node_map_task", False):
        raise WorkflowDefinitionError(f"with_overrides(pod_template=...) on {task.name} ({node.id}): only tasks that "
                                      f"run in autoc's or flytekit's container can take a pod template",
                                      where=node.where, hint="drop the pod_template override for this call")
    if getattr(task, "is_array_node_map_task", False):  # the mapped task's container, with the map command
        pod = task._with_map_command(lambda s: k8s_pod(task._run_task, s, pod_template), settings)
    else:
        pod = k8s_pod(task, settings, pod_template)
    pod.primary_container_name = pod_template.primary_container_name
    return pod


def _metadata(md: workflow_pb2.NodeMetadata, r: dict, quirks) -> None:
    if "timeout" in r:
        t = r["timeout"]
        md.ClearField("timeout")
        t = datetime.timedelta(seconds=t) if isinstance(t, int) else t
        if t:
            md.timeout.FromTimedelta(t)
    if r.get("retries") is not None:
        md.retries.retries = r["retries"]
    if r.get("interruptible") is not None:
        md.interruptible = r["interruptible"]
    if r.get("name") is not None:
        md.name = r["name"]
    cache, version, serialize = r.get("cache"), r.get("cache_version"), r.get("cache_serialize")
    if cache is not None and not isinstance(cache, bool):  # a Cache
        version, serialize, cache = cache.version, cache.serialize, True
    if cache is not None:
        md.cacheable = cache
    elif "override_cache_dropped" in quirks:
        md.ClearField("cacheable")
    if version is not None:
        md.cache_version = version
    if serialize is not None:
        md.cache_serializable = serialize
