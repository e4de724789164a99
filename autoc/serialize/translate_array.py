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
