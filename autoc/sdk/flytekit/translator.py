"""``flytekit.tools.translator`` as the face answers it: the serializable form of an entity, from autoc's
translation (``autoc.serialize``), read as flytekit's models."""

from __future__ import annotations

from typing import Any, Dict, Optional

from autoc.sdk.flytekit.models import Model


def get_serializable(entity_mapping: Dict[Any, Any], settings, entity, options: Optional[Any] = None) -> Model:
    """The TaskSpec, WorkflowSpec or LaunchPlan of ``entity``; ``entity_mapping`` gets it and, first, what it
    references (a workflow's tasks, subworkflows and launch plans), as flytekit fills it. A task defined inside a test
    function is written as flytekit writes it (``autoc.core.tracker.STRICT_LOADER_PATHS``)."""
    from autoc.errors import AutocError
    from autoc.serialize import _translate
    from autoc.serialize.order import kind_of, pyflyte_order

    from autoc.core.reference import ReferenceEntity, ReferenceSpec, ReferenceTemplate

    if isinstance(entity, ReferenceEntity):  # a reference is a template naming the registered entity, no spec
        entity_mapping[entity] = ReferenceSpec(ReferenceTemplate(entity.id, entity.reference.resource_type))
        return entity_mapping[entity]
    if kind_of(entity) is None:
        raise AutocError(f"{entity!r} is not a task, workflow or launch plan autoc can serialize",
                         hint="pass an object made by @task, @workflow or LaunchPlan.get_or_create")
    for e in pyflyte_order([entity], default_lp=lambda wf: None):
        if e not in entity_mapping:
            entity_mapping[e] = Model(_translate(kind_of(e), e, settings), _declared_order(e))
    return entity_mapping[entity]


def get_serializable_task(entity_mapping: Dict[Any, Any], settings, entity, options: Optional[Any] = None) -> Model:
    """The TaskSpec of the task ``entity``."""
    return get_serializable(entity_mapping, settings, entity, options)


def _declared_order(entity) -> Optional[dict]:
    """The order ``entity`` declares its inputs and outputs in (a protobuf map keeps none)."""
    interface = getattr(entity, "python_interface", None)
    if interface is None:
        return None
    return {"inputs": list(interface.inputs), "outputs": list(interface.outputs)}
