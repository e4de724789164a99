"""``with_overrides`` records written into a node as pyflyte writes them: node metadata (name, timeout, retries,
interruptible, cache) for every node; resources, extended resources, container image and output aliases for task
nodes. Under ``--sdk flytekit`` pyflyte's bugs are reproduced (``settings.flavor.quirks``): an image template
written unexpanded, and a later call without ``accelerator``/``cache`` dropping an earlier call's."""

from __future__ import annotations

import datetime

from flyteidl.core import workflow_pb2


def apply_overrides(m: workflow_pb2.Node, node, kind: str, settings) -> None:
    records = getattr(node, "overrides", None)
    if not records:
        return
    from autoc.serialize.translate import convert_resources_to_resource_model, extended_resources, resolve_image

    quirks = settings.flavor.quirks
    md = m.metadata
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
            resources = convert_resources_to_resource_model(requests, limits)
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
    o = m.task_node.overrides
    if resources is not None:
        o.resources.CopyFrom(resources)
    if ext is not None:
        o.extended_resources.CopyFrom(ext)
    if image is not None:
        o.container_image = image
    if aliases:
        m.output_aliases.extend(aliases)
    if pod_template is not None:
        o.pod_template.CopyFrom(_pod_override(node, pod_template, settings))


def _pod_override(node, pod_template, settings):
    """``with_overrides(pod_template=...)``: the template merged with the task's own container (image, command,
    resources, environment), as the task's own pod template is, plus its labels, annotations and primary container
    name, as pyflyte writes it."""
    from autoc.core.task import PythonAutoContainerTask
    from autoc.errors import WorkflowDefinitionError
    from autoc.serialize.translate import k8s_pod

    task = node.entity
    if not isinstance(task, PythonAutoContainerTask):
        raise WorkflowDefinitionError(f"with_overrides(pod_template=...) on {task.name} ({node.id}): only tasks that "
                                      f"run in autoc's or flytekit's container can take a pod template",
                                      where=node.where, hint="drop the pod_template override for this call")
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
