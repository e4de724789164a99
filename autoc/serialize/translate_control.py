"""Translation of the nodes that run no entity of their own: branch nodes (``conditional``) and gate nodes
(``sleep``, ``wait_for_input``, ``approve``), field for field as pyflyte writes them."""

from __future__ import annotations

from typing import Any, Callable, Optional

from flyteidl.core import condition_pb2, literals_pb2, workflow_pb2

from autoc.core.condition import BranchNode, ComparisonExpression, branch_var
from autoc.core.promise import Promise
from autoc.errors import WorkflowDefinitionError
from autoc.serialize.binding import promise_binding


def is_control(entity: Any) -> bool:
    from autoc.core.gate import Gate

    return isinstance(entity, (BranchNode, Gate))


def control_node(node, settings, node_message: Callable) -> workflow_pb2.Node:
    """The node message of a branch or gate node; ``node_message`` translates the nodes of the cases."""
    if isinstance(node.entity, BranchNode):
        return branch_node(node, settings, node_message)
    from autoc.serialize.translate_gate import gate_node

    return gate_node(node, settings)


# --- branch nodes -----------------------------------------------------------------------------------------------
def _operand(v: Any, where: Optional[str]) -> condition_pb2.Operand:
    if isinstance(v, Promise):
        return condition_pb2.Operand(var=branch_var(v))
    if v is None:
        return condition_pb2.Operand(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))
    from autoc.types.engine import to_literal

    lit = to_literal(v, type(v))
    if not lit.scalar.HasField("primitive"):
        raise WorkflowDefinitionError(f"the constant {v!r:.80} cannot be compared in a condition", where=where,
                                      hint="compare with a bool, int, float, str, datetime or timedelta")
    return condition_pb2.Operand(primitive=lit.scalar.primitive)


def boolean_expression(expr, where: Optional[str]) -> condition_pb2.BooleanExpression:
    if isinstance(expr, ComparisonExpression):
        return condition_pb2.BooleanExpression(comparison=condition_pb2.ComparisonExpression(
            operator=_COMPARISON[expr.op], left_value=_operand(expr.lhs, where),
            right_value=_operand(expr.rhs, where)))
    return condition_pb2.BooleanExpression(conjunction=condition_pb2.ConjunctionExpression(
        operator=_CONJUNCTION[expr.op], left_expression=boolean_expression(expr.lhs, where),
        right_expression=boolean_expression(expr.rhs, where)))


_COMPARISON = {"==": condition_pb2.ComparisonExpression.EQ, "!=": condition_pb2.ComparisonExpression.NEQ,
               ">": condition_pb2.ComparisonExpression.GT, ">=": condition_pb2.ComparisonExpression.GTE,
               "<": condition_pb2.ComparisonExpression.LT, "<=": condition_pb2.ComparisonExpression.LTE}
_CONJUNCTION = {"&": condition_pb2.ConjunctionExpression.AND, "|": condition_pb2.ConjunctionExpression.OR}


def _check_sources(entity: BranchNode) -> None:
    """A case's node and the conditions may use workflow inputs and nodes of the enclosing workflow, not other
    calls made inside the conditional: flytekit keeps only the node each ``then`` receives, so such a call would
    be missing from the workflow, and another case's node has not run (pyflyte writes a binding to a node that
    does not exist, or that only a case of the branch has)."""
    lost = {id(n): n for n in entity.created}
    if not lost:
        return
    for c in entity.cases:
        promises = list(c.expr.promises()) if c.expr is not None else []
        if c.node is not None:
            from autoc.core.promise import _collect_upstream

            for k, v in c.node.inputs.items():
                found: list = []
                _collect_upstream(v, c.where, k, c.node.entity, found)
                promises += [Promise("", n, None) for n in found]
            promises += [Promise("", u, None) for u in c.node.upstream_nodes]
        for p in promises:
            if p.ref_node is not None and id(p.ref_node) in lost:
                n = p.ref_node
                raise WorkflowDefinitionError(
                    f"conditional '{entity.name}': {c.stmt}(...) uses the result of "
                    f"{getattr(n.entity, 'name', n.entity)} called inside the conditional (a branch node keeps "
                    f"only the call each then() receives, and runs only one case)", where=n.where or c.where,
                    hint="make that call before conditional(...) and pass its result in")


def branch_node(node, settings, node_message: Callable) -> workflow_pb2.Node:
    entity: BranchNode = node.entity
    _check_sources(entity)
    m = workflow_pb2.Node(id=node.id)
    m.metadata.name = entity.name
    m.metadata.retries.SetInParent()
    for var, p in node.inputs.items():
        m.inputs.add(var=var).binding.CopyFrom(promise_binding(p))
    m.upstream_node_ids.extend(u.id for u in node.upstream_nodes)
    if_else = m.branch_node.if_else
    for i, c in enumerate(entity.if_cases):
        block = if_else.case if i == 0 else if_else.other.add()
        block.condition.CopyFrom(boolean_expression(c.expr, c.where))
        block.then_node.CopyFrom(node_message(c.node, settings))
    last = entity.else_case
    if last.error is not None:
        if_else.error.failed_node_id = entity.name
        if_else.error.message = last.error
    else:
        if_else.else_node.CopyFrom(node_message(last.node, settings))
    return m


def branch_leaves(nodes, nested: bool = True) -> list:
    """The nodes of the cases of the branch nodes among ``nodes`` (and of branches inside them when ``nested``)."""
    out = []
    for n in nodes:
        if isinstance(n.entity, BranchNode):
            inner = n.entity.inner_nodes()
            out.extend(inner)
            if nested:
                out.extend(branch_leaves(inner))
    return out
