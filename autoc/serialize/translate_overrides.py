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
    resources = image = ext = aliases = None
    for r in records:
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
