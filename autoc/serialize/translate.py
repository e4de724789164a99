"""Translation: a pure function of (task, settings) -> flyteidl messages. No I/O happens here.

Field for field this writes what ``pyflyte serialize`` writes. What names the SDK in the container (entrypoint,
resolver location, ``metadata.runtime``, how an ImageSpec is named) comes from ``settings.flavor``
(``autoc.sdk.flavor``): autoc's by default, flytekit's under ``--sdk flytekit``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from flyteidl.admin import description_entity_pb2, task_pb2 as admin_task_pb2
from flyteidl.core import identifier_pb2, tasks_pb2

from autoc.core.resources import ResourceSpec
from autoc.errors import TaskDefinitionError

from autoc.sdk.flavor import REMOTE_PACKAGE_PATH  # noqa: F401 - register imports it from here
_RESOURCE_NAMES = {"cpu": tasks_pb2.Resources.CPU, "gpu": tasks_pb2.Resources.GPU,
                   "mem": tasks_pb2.Resources.MEMORY, "ephemeral_storage": tasks_pb2.Resources.EPHEMERAL_STORAGE}
_POD_RESOURCE_KEYS = {"cpu": "cpu", "gpu": "gpu", "mem": "memory", "ephemeral_storage": "ephemeral-storage"}


# --- interface: with the Interface it describes (autoc.core.interface), imported from here too --------------
from autoc.core.interface import _variable_map, interface_message, typed_interface  # noqa: E402,F401


# --- image and command ---------------------------------------------------------------------------------------------
def resolve_image(container_image, settings, task_name: str = "") -> str:
    """The image reference a task's container names (``get_registerable_container_image``), an ImageSpec seen as
    the output flavor names it."""
    from autoc.image.config import get_registerable_container_image

    if container_image is not None and not isinstance(container_image, str):
        container_image = settings.flavor.container_image(container_image, settings)
    return get_registerable_container_image(container_image, settings.image_config, task_name)


def default_command(task, settings) -> List[str]:
    """``<entrypoint> --inputs {{.input}} ... --resolver <location> -- <loader args>``."""
    resolver = task.task_resolver
    return settings.flavor.command(resolver, list(resolver.loader_args(settings, task)), settings)


# --- resources ---------------------------------------------------------------------------------------------------
def effective_resources(task, settings) -> ResourceSpec:
    """The task's ResourceSpec, or the settings' default when the task sets neither requests nor limits."""
    spec = task.resources
    if settings.default_resources is not None and not spec.requests.entries() and not spec.limits.entries():
        return settings.default_resources
    return spec


def convert_resources_to_resource_model(requests=None, limits=None) -> tasks_pb2.Resources:
    """Requests and limits (``Resources``) as the flyteidl message a container carries."""
    r = tasks_pb2.Resources()
    for field, value in requests.entries() if requests is not None else ():
        r.requests.add(name=_RESOURCE_NAMES[field], value=value)
    for field, value in limits.entries() if limits is not None else ():
        r.limits.add(name=_RESOURCE_NAMES[field], value=value)
    return r


def _environment(task, settings) -> Dict[str, str]:
    env = dict(settings.env or {})
    env.update(task.environment or {})
    img = task.container_image
    if img is not None and not isinstance(img, str) and getattr(img, "runtime_packages", None):
        env["_F_RUNTIME_PACKAGES"] = " ".join(img.runtime_packages)
    return env


def container(task, settings) -> tasks_pb2.Container:
    c = tasks_pb2.Container(image=task.get_image(settings), args=task.get_command(settings))
    res = effective_resources(task, settings)
    c.resources.CopyFrom(convert_resources_to_resource_model(res.requests, res.limits))
    for k, v in _environment(task, settings).items():
        c.env.add(key=k, value=v)
    return c


def extended_resources(accelerator=None, shared_memory=None) -> Optional[tasks_pb2.ExtendedResources]:
    """The GPU accelerator and shared memory of a task (flytekit's ``construct_extended_resources``)."""
    if accelerator is None and not shared_memory:
        return None
    er = tasks_pb2.ExtendedResources()
    if accelerator is not None:
        er.gpu_accelerator.CopyFrom(accelerator.to_flyte_idl())
    if shared_memory:
        er.shared_memory.mount_path = "/dev/shm"
        er.shared_memory.mount_name = "flyte-shared-memory"
        if isinstance(shared_memory, str):
            er.shared_memory.size_limit = shared_memory
    return er


def k8s_pod(task, settings, pod_template=None) -> tasks_pb2.K8sPod:
    """The pod template with the task's container merged into its primary container (appended if absent); a
    container's image may be a template, a string or an ImageSpec, as a task's may. ``pod_template``: another
    template than the task's (a node's ``with_overrides(pod_template=...)``)."""
    pt = pod_template or task.pod_template
    spec = pt.pod_spec_dict()
    containers = spec.setdefault("containers", [])
    if not any(c.get("name") == pt.primary_container_name for c in containers):
        containers.append({"name": pt.primary_container_name})
    image = task.get_image(settings)
    res = effective_resources(task, settings)
    env = _environment(task, settings)
    for c in containers:
        if c.get("name") == pt.primary_container_name:
            c["image"] = resolve_image(c["image"], settings, task.name) if c.get("image") else image
            c["command"] = []
            c["args"] = task.get_command(settings)
            limits = {_POD_RESOURCE_KEYS[f]: v for f, v in res.limits.entries()}
            requests = {_POD_RESOURCE_KEYS[f]: v for f, v in res.requests.entries()}
            if limits or requests:
                c["resources"] = {"limits": limits, "requests": requests}
            c["env"] = [{"name": k, "value": v} for k, v in env.items()] + list(c.get("env") or [])
        else:
            if not c.get("image"):
                raise TaskDefinitionError(
                    f"task {task.name}: pod template container {c.get('name')!r} has no image",
                    where=getattr(task, "definition_site", None),
                    hint="give every sidecar container an image (flytekit silently uses the task's default image)")
            c["image"] = resolve_image(c["image"], settings, task.name)
    pod = tasks_pb2.K8sPod()
    pod.pod_spec.update(spec)
    pod.metadata.SetInParent()
    pod.metadata.labels.update(pt.labels or {})
    pod.metadata.annotations.update(pt.annotations or {})
    return pod


# --- the template and the spec -----------------------------------------------------------------------------------
def identifier(resource_type: int, name: str, settings) -> identifier_pb2.Identifier:
    """An entity id: offline serialization leaves project, domain and version empty, as pyflyte does."""
    return identifier_pb2.Identifier(resource_type=resource_type, project=settings.project or "",
                                     domain=settings.domain or "", name=name, version=settings.version or "")


def task_template(task, settings) -> tasks_pb2.TaskTemplate:
    tt = tasks_pb2.TaskTemplate(type=task.task_type, task_type_version=task.task_type_version)
    tt.id.CopyFrom(identifier(identifier_pb2.TASK, task.name, settings))
    md = task.metadata
    tt.metadata.CopyFrom(md.to_taskmetadata_model(runtime=settings.flavor.runtime_metadata()))
    if task.enable_deck:
        tt.metadata.generates_deck.value = True
    tt.interface.CopyFrom(typed_interface(task))
    custom = task.get_custom(settings)
    if custom:
        tt.custom.update(custom)
    pod = task.get_k8s_pod(settings)
    if pod is not None:
        tt.k8s_pod.CopyFrom(pod)
    else:
        c = task.get_container(settings)
        if c is not None:
            tt.container.CopyFrom(c)
        sql = task.get_sql(settings)
        if sql is not None:
            if c is not None:
                raise TaskDefinitionError(f"task {task.name}: at most one of container, k8s_pod or sql can be set")
            tt.sql.CopyFrom(sql)
    sec = task.security_context
    if sec is not None and sec.secrets:
        tt.security_context.CopyFrom(sec.to_flyte_idl())
    er = task.get_extended_resources(settings)
    if er is not None:
        tt.extended_resources.CopyFrom(er)
    for k, v in (task.get_config(settings) or {}).items():
        tt.config[k] = v
    return tt


def description(entity) -> Optional[description_entity_pb2.DescriptionEntity]:
    """The docstring's descriptions over ``docs=Documentation(...)`` (``entity.docs``, flytekit's rule)."""
    docs = entity.docs
    return docs.to_flyte_idl() if docs is not None else None


def task_spec(task, settings) -> admin_task_pb2.TaskSpec:
    """The admin ``TaskSpec`` flyteadmin and ``flytectl register files`` accept."""
    spec = admin_task_pb2.TaskSpec(template=task_template(task, settings))
    d = description(task)
    if d is not None:
        spec.description.CopyFrom(d)
    return spec
