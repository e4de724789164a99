"""The binding to a promise, as every node kind writes it (task, branch and gate nodes share it)."""

from __future__ import annotations

from flyteidl.core import literals_pb2

from autoc.core.promise import Promise


def promise_binding(p: Promise) -> literals_pb2.BindingData:
    """A binding to a promise: its node (``""`` for a workflow input), output and attribute path."""
    b = literals_pb2.BindingData()
    b.promise.var = p.var
    b.promise.node_id = p.ref_node.id if p.ref_node is not None else ""
    for a in p.attr_path:
        if isinstance(a, int):
            b.promise.attr_path.add(int_value=a)
        else:
            b.promise.attr_path.add(string_value=a)
    return b
