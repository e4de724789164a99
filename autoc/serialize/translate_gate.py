"""Gate nodes as pyflyte writes them: the gate's name and timeout in the node metadata, and a sleep, signal or
approve condition."""

from __future__ import annotations

from flyteidl.core import workflow_pb2

from autoc.core.gate import DEFAULT_TIMEOUT, Gate
from autoc.serialize.binding import promise_binding


def gate_node(node, settings) -> workflow_pb2.Node:
    gate: Gate = node.entity
    m = workflow_pb2.Node(id=node.id)
    m.metadata.name = gate.name
    timeout = gate.timeout
    if timeout is None and "sleep_gate_timeout" in settings.flavor.quirks:
        timeout = DEFAULT_TIMEOUT  # pyflyte gives a sleep gate a one-hour node timeout, whatever it sleeps
    if timeout:
        m.metadata.timeout.FromTimedelta(timeout)
    m.metadata.retries.SetInParent()
    for var, p in node.inputs.items():
        m.inputs.add(var=var).binding.CopyFrom(promise_binding(p))
    m.upstream_node_ids.extend(u.id for u in node.upstream_nodes)
    if gate.kind == "sleep":
        m.gate_node.sleep.duration.FromTimedelta(gate.sleep_duration)
    elif gate.kind == "signal":
        from autoc.types.engine import to_literal_type

        m.gate_node.signal.signal_id = gate.name
        m.gate_node.signal.type.CopyFrom(to_literal_type(gate.input_type))
        m.gate_node.signal.output_variable_name = "o0"
    else:
        m.gate_node.approve.signal_id = gate.name
    return m
