"""Reference entities: a task, launch plan or workflow already registered in Flyte, named by project, domain, name
and version, with the interface the user declares. Calling one in a workflow body records a node whose
``task_node.reference_id`` / ``workflow_node.launchplan_ref`` is that identifier, written as given; the entity is
not serialized on its own (flyteadmin finds it at registration, and refuses the workflow if it is not there).

As flytekit 1.16.31:

- the decorators take only the signature of the function (its body never runs): input defaults are dropped, so
  every input must be passed, except an ``Optional`` one, which binds None;
- the node's metadata is ``name`` (the last dotted part of the referenced name) and empty retries; a task node
  carries no overrides (``with_overrides`` changes node metadata only);
- a reference workflow cannot be called in a workflow body (pyflyte refuses it: "Reference sub-workflows are
  currently unsupported. Use reference launch plans instead."): autoc refuses it at the call's file:line;
- running a reference entity locally fails: "Remote reference entities cannot be run locally. You must mock this
  out." (``NotImplementedError``, as flytekit raises it).

Unlike flytekit, these classes are not subclasses of ``PythonTask``/``LaunchPlan``/``WorkflowBase``: they are
never entities of the project, only nodes.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Callable, Dict, Type, Union

from autoc.core.interface import Interface, transform_function_to_interface
from autoc.core.node import NODE_ENTITY_TYPES, user_site
from autoc.core.seams import above
from autoc.errors import WorkflowDefinitionError

# flyteidl ResourceType values (flytekit.models.core.identifier.ResourceType)
_TASK, _WORKFLOW, _LAUNCH_PLAN = 1, 2, 3


@dataclasses.dataclass
class Reference:
    """What a reference points to: flytekit's ``flytekit.core.reference_entity.Reference``."""

    project: str
    domain: str
    name: str
    version: str

    resource_type: typing.ClassVar[int] = 0

    def __post_init__(self):
        for f in ("project", "domain", "name", "version"):
            v = getattr(self, f)
            if not isinstance(v, str) or not v:
                raise WorkflowDefinitionError(f"a reference needs a non-empty string {f}, got {v!r}",
                                              where=user_site(),
                                              hint="reference_task(project=..., domain=..., name=..., version=...)")

    @property
    def id(self):
        """The flyteidl ``core.Identifier`` of the referenced entity."""
        from flyteidl.core import identifier_pb2

        return identifier_pb2.Identifier(resource_type=self.resource_type, project=self.project, domain=self.domain,
                                         name=self.name, version=self.version)


@dataclasses.dataclass
class TaskReference(Reference):
    resource_type: typing.ClassVar[int] = _TASK


@dataclasses.dataclass
class LaunchPlanReference(Reference):
    resource_type: typing.ClassVar[int] = _LAUNCH_PLAN


@dataclasses.dataclass
class WorkflowReference(Reference):
    resource_type: typing.ClassVar[int] = _WORKFLOW


def _reference_interface(inputs: Dict[str, Type], outputs: Dict[str, Type]) -> Interface:
    """flytekit's ``Interface(inputs=..., outputs=...)`` of bare types: no defaults, so an unpassed input is an
    error unless it is Optional (bound to None)."""
    return Interface(dict(inputs or {}), dict(outputs or {}), defaults={k: None for k in inputs or {}})


class ReferenceEntity:
    """A node-only entity naming a registered task, workflow or launch plan (flytekit's ``ReferenceEntity``)."""

    #: ``task`` or ``launch_plan`` (or ``workflow``): which kind of node calling it writes
    kind = ""

    def __init__(self, reference: Union[WorkflowReference, TaskReference, LaunchPlanReference],
                 inputs: Dict[str, Type], outputs: Dict[str, Type]):
        if not isinstance(reference, (WorkflowReference, TaskReference, LaunchPlanReference)):
            raise WorkflowDefinitionError(f"Must be one of task, workflow, or launch plan, but got {type(reference)}",
                                          where=user_site())
        self._reference = reference
        self._python_interface = _reference_interface(inputs, outputs)
        self.where = user_site()

    @property
    def reference(self) -> Reference:
        return self._reference

    @property
    def id(self):
        return self._reference.id

    @property
    def name(self) -> str:
        return self._reference.name

    @property
    def python_interface(self) -> Interface:
        return self._python_interface

    @property
    def interface(self):
        """The typed interface (flyteidl ``TypedInterface``)."""
        return above("translate").interface_message(self._python_interface)

    def construct_node_metadata(self):
        from flyteidl.core import workflow_pb2

        m = workflow_pb2.NodeMetadata(name=self.name.rsplit(".", 1)[-1])
        m.retries.SetInParent()
        return m

    def execute(self, **kwargs) -> Any:
        raise NotImplementedError("Remote reference entities cannot be run locally. You must mock this out.")

    def local_execute(self, ctx=None, **kwargs) -> Any:
        return self.execute(**kwargs)

    def compile(self, ctx, *args, **kwargs):
        from autoc.core.promise import create_and_link_node

        return create_and_link_node(self, args, kwargs)

    def __call__(self, *args, **kwargs):
        from autoc.core.promise import compilation_state

        if compilation_state() is not None:
            return self.compile(None, *args, **kwargs)
        return self.execute(**kwargs)

    def __repr__(self) -> str:
        r = self._reference
        return f"{type(self).__name__}({r.project}/{r.domain}/{r.name}@{r.version})"


NODE_ENTITY_TYPES.append(ReferenceEntity)


class ReferenceTask(ReferenceEntity):
    """A registered task (flytekit's ``ReferenceTask``)."""

    kind = "task"

    def __init__(self, project: str, domain: str, name: str, version: str, inputs: Dict[str, type],
                 outputs: Dict[str, Type]):
        super().__init__(TaskReference(project, domain, name, version), inputs, outputs)


class ReferenceLaunchPlan(ReferenceEntity):
    """A registered launch plan (flytekit's ``ReferenceLaunchPlan``)."""

    kind = "launch_plan"

    def __init__(self, project: str, domain: str, name: str, version: str, inputs: Dict[str, Type],
                 outputs: Dict[str, Type]):
        super().__init__(LaunchPlanReference(project, domain, name, version), inputs, outputs)


class ReferenceWorkflow(ReferenceEntity):
    """A registered workflow (flytekit's ``ReferenceWorkflow``). pyflyte refuses it as a node of a workflow; call a
    reference launch plan of it instead."""

    kind = "workflow"

    def __init__(self, project: str, domain: str, name: str, version: str, inputs: Dict[str, Type],
                 outputs: Dict[str, Type]):
        super().__init__(WorkflowReference(project, domain, name, version), inputs, outputs)

    def compile(self, ctx, *args, **kwargs):
        raise WorkflowDefinitionError(
            f"reference workflow {self.name}: Reference sub-workflows are currently unsupported. Use reference launch "
            f"plans instead.", where=user_site(),
            hint=f"@reference_launch_plan(project=..., domain=..., name=<a launch plan of {self.name}>, version=...)"
                 " (pyflyte refuses this call too)")


class ReferenceTemplate:
    """flytekit's ``ReferenceTemplate``: the identifier and resource type of a reference."""

    def __init__(self, id, resource_type: int) -> None:
        self._id = id
        self._resource_type = resource_type

    @property
    def id(self):
        return self._id

    @property
    def resource_type(self) -> int:
        return self._resource_type


class ReferenceSpec:
    """flytekit's ``ReferenceSpec``: what ``get_serializable`` gives for a reference entity (a template only)."""

    def __init__(self, template: ReferenceTemplate) -> None:
        self._template = template

    @property
    def template(self) -> ReferenceTemplate:
        return self._template


def _decorator(cls, project: str, domain: str, name: str, version: str) -> Callable[[Callable], ReferenceEntity]:
    def wrapper(fn: Callable) -> ReferenceEntity:
        iface = transform_function_to_interface(fn)
        entity = cls(project, domain, name, version, iface.inputs, iface.outputs)
        entity.where = user_site()
        entity.__doc__ = fn.__doc__
        entity.__wrapped__ = fn
        return entity

    return wrapper


def reference_task(project: str, domain: str, name: str, version: str) -> Callable[[Callable], ReferenceTask]:
    """``@reference_task(project=, domain=, name=, version=)`` on a function whose signature is the registered
    task's interface (its body is never run)."""
    return _decorator(ReferenceTask, project, domain, name, version)


def reference_launch_plan(project: str, domain: str, name: str,
                          version: str) -> Callable[[Callable], ReferenceLaunchPlan]:
    """``@reference_launch_plan(...)``: as :func:`reference_task`, for a registered launch plan."""
    return _decorator(ReferenceLaunchPlan, project, domain, name, version)


def reference_workflow(project: str, domain: str, name: str,
                       version: str) -> Callable[[Callable], ReferenceWorkflow]:
    """``@reference_workflow(...)``: as :func:`reference_task`, for a registered workflow (which, as in pyflyte,
    cannot be called in a workflow body: use a reference launch plan)."""
    return _decorator(ReferenceWorkflow, project, domain, name, version)


def get_reference_entity(resource_type: int, project: str, domain: str, name: str, version: str,
                         inputs: Dict[str, Type], outputs: Dict[str, Type]) -> ReferenceEntity:
    """The general form (flytekit's ``flytekit.core.reference.get_reference_entity``): the interface is given as
    ``inputs``/``outputs`` mappings (``kwtypes(...)``)."""
    cls = {_TASK: ReferenceTask, _WORKFLOW: ReferenceWorkflow, _LAUNCH_PLAN: ReferenceLaunchPlan}.get(
        int(resource_type) if isinstance(resource_type, int) else -1)
    if cls is None:
        raise WorkflowDefinitionError("Resource type must be one of task, workflow, or launch plan", where=user_site(),
                                      hint="ResourceType.TASK, ResourceType.WORKFLOW or ResourceType.LAUNCH_PLAN")
    return cls(project, domain, name, version, inputs, outputs)


def is_reference(entity: Any) -> bool:
    return isinstance(entity, ReferenceEntity)


__all__ = ["Reference", "TaskReference", "LaunchPlanReference", "WorkflowReference", "ReferenceEntity",
           "ReferenceTask", "ReferenceLaunchPlan", "ReferenceWorkflow", "reference_task", "reference_launch_plan",
           "reference_workflow", "get_reference_entity", "ReferenceTemplate", "ReferenceSpec"]
