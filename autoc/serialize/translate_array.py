"""The ArrayNode of a map task's node, field for field as pyflyte writes it.

The node that calls a map task carries the bindings; inside its ``array_node`` a node named like the map task
(same bindings, no upstream ids, the mapped task's retries and timeout) runs it, with the map's parallelism,
success criteria, execution mode and bound (not mapped) inputs.
"""

from __future__ import annotations

from flyteidl.core import identifier_pb2, workflow_pb2


def map_task_array_node(task, bindings, settings) -> workflow_pb2.ArrayNode:
    from autoc.serialize.translate import identifier

    sub = workflow_pb2.Node(id=task.name)
    sub.metadata.CopyFrom(task.sub_node_metadata)
    sub.metadata.retries.SetInParent()
    sub.inputs.extend(bindings)
    sub.task_node.reference_id.CopyFrom(identifier(identifier_pb2.TASK, task.name, settings))
    sub.task_node.overrides.SetInParent()
    a = workflow_pb2.ArrayNode(node=sub, execution_mode=task.execution_mode,
                               run_all_sub_nodes=task.run_all_sub_nodes)
    if task.concurrency is not None:
        a.parallelism = task.concurrency
    if task.min_successes is not None:  # one of the two (a oneof): the ratio wins when both are set, as in pyflyte
        a.min_successes = task.min_successes
    if task.min_success_ratio is not None:
        a.min_success_ratio = task.min_success_ratio
    a.is_original_sub_node_interface.value = task.is_original_sub_node_interface
    a.is_original_sub_node_interface.SetInParent()
    a.bound_inputs.extend(sorted(task.bound_inputs))
    return a


def array_node_message(node, settings, bindings) -> workflow_pb2.Node:
    """The node of an ``array_node(target)`` call (``autoc.core.array_node``), as pyflyte writes it: the lists bound
    on the node and on the node inside, which calls the target (named by its name as a DNS label, no upstream ids);
    one metadata for both (the target's name, empty retries, then the node's overrides)."""
    from autoc.core.overrides import dnsify
    from autoc.core.reference import ReferenceEntity
    from autoc.serialize.translate import identifier

    entity = node.entity
    target = entity.target
    m = workflow_pb2.Node(id=node.id)
    m.metadata.CopyFrom(entity.construct_node_metadata())
    m.inputs.extend(bindings(node.inputs, entity.python_interface.inputs, f"array node {entity.name} ({node.id})",
                             "input", node.where))
    m.upstream_node_ids.extend(u.id for u in node.upstream_nodes)
    if getattr(node, "overrides", None):
        from autoc.serialize.translate_overrides import apply_overrides

        apply_overrides(m, node, "array", settings)  # node metadata only, as flytekit applies them
    sub = workflow_pb2.Node(id=dnsify(target.name))
    sub.metadata.CopyFrom(m.metadata)
    sub.inputs.extend(m.inputs)
    if isinstance(target, ReferenceEntity):
        if target.kind == "task":
            sub.task_node.reference_id.CopyFrom(target.id)
        else:
            sub.workflow_node.launchplan_ref.CopyFrom(target.id)
    else:
        sub.workflow_node.launchplan_ref.CopyFrom(identifier(identifier_pb2.LAUNCH_PLAN, target.name, settings))
    a = m.array_node
    a.node.CopyFrom(sub)
    if entity.concurrency is not None:
        a.parallelism = entity.concurrency
    if entity.min_success_ratio is not None:
        a.min_success_ratio = entity.min_success_ratio
    else:
        a.min_successes = entity.min_successes
    a.execution_mode = entity.execution_mode
    a.data_mode = entity.data_mode
    a.is_original_sub_node_interface.value = entity.is_original_sub_node_interface
    a.run_all_sub_nodes = entity.run_all_sub_nodes
    return m
