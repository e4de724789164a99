"""``create_node(entity, **inputs)`` in a workflow body, and the names of ``.with_overrides(...)``: node-level
settings (node id and name, retries, timeout, interruptible, cache, resources, accelerator, shared memory, image)
are checked and recorded on the ``Node`` by ``autoc.core.node`` (``Node.with_overrides``, as flytekit's
``flytekit.core.node``) and written into the workflow spec by translation, as flytekit writes them.
``override``, ``dnsify``, ``KNOWN``, ``is_image_template`` and ``node_of`` are re-exported from where they live."""

from __future__ import annotations

from autoc.core.node import (KNOWN, NODE_ENTITY_TYPES, Node, dnsify, is_image_template, override,  # noqa: F401
                             user_site)
from autoc.core.promise import node_of  # noqa: F401
from autoc.errors import WorkflowDefinitionError


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


__all__ = ["create_node", "dnsify", "override"]
