"""``conditional(name).if_(...).then(...).elif_(...).then(...).else_().then(...) / .fail(msg)``: branch nodes.

As in flytekit, a conditional section opens a compilation state of its own when it starts (same id prefix, node
ids counted from ``n0`` again): the calls made in its cases become nodes there, and only the node each ``then``
receives is kept as that case's node. When the last case ends the section is closed and one branch node joins the
enclosing workflow, named ``{prefix}n{count}``, with the promises its conditions read as inputs (named
``{node id}.{output}``, ``.x`` for a workflow input) and the outputs every case has in common.

Comparisons of promises (``==``, ``<``, ``is_true()``, ``is_none()`` ...) make expressions, ``&`` and ``|`` join
them; an expression is never a Python bool, so ``if p == 1:`` in a body stays an error at its line.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any, List, Optional, Tuple, Union

from autoc.core.node import Node, user_site
from autoc.errors import WorkflowDefinitionError

#: flyteidl ``ComparisonExpression.Operator`` by Python operator
COMPARISON_OPS = {"==": 0, "!=": 1, ">": 2, ">=": 3, "<": 4, "<=": 5}
#: flyteidl ``ConjunctionExpression.LogicalOperator``
CONJUNCTION_OPS = {"&": 0, "|": 1}

_CONSTANTS = (bool, int, float, str, datetime.datetime, datetime.timedelta, enum.Enum, type(None))


class _Expression:
    def __and__(self, other):
        return ConjunctionExpression(self, "&", other)

    def __or__(self, other):
        return ConjunctionExpression(self, "|", other)

    def __bool__(self):
        from autoc.core.node import not_supported

        raise not_supported(f"testing the truth of {self!r} in the workflow body", where=user_site(),
                            hint="a comparison of promises is a condition: use it in conditional(name).if_(...); "
                                 "join conditions with & and |, not `and`/`or`/`not`")


class ComparisonExpression(_Expression):
    """``lhs op rhs``: each side a promise or a constant (bool, int, float, str, datetime, timedelta, an enum member
    (compared as its string value) or None)."""

    def __init__(self, lhs: Any, op: str, rhs: Any):
        from autoc.core.promise import Promise

        for side in (lhs, rhs):
            if not isinstance(side, Promise) and not isinstance(side, _CONSTANTS):
                raise WorkflowDefinitionError(
                    f"a condition can compare promises with constants of a primitive type, not {side!r:.80}",
                    where=user_site(), hint="compare with a bool, int, float, str, datetime, timedelta or None")
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def promises(self) -> List[Any]:
        from autoc.core.promise import Promise

        return [p for p in (self.lhs, self.rhs) if isinstance(p, Promise)]

    def eval(self, value_of) -> bool:
        from autoc.core.promise import Promise

        lhs, rhs = [value_of(v) if isinstance(v, Promise) else v for v in (self.lhs, self.rhs)]
        return {"==": lambda: lhs == rhs, "!=": lambda: lhs != rhs, ">": lambda: lhs > rhs,
                ">=": lambda: lhs >= rhs, "<": lambda: lhs < rhs, "<=": lambda: lhs <= rhs}[self.op]()

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


class ConjunctionExpression(_Expression):
    """``lhs & rhs`` or ``lhs | rhs`` of two expressions."""

    def __init__(self, lhs: Any, op: str, rhs: Any):
        for side in (lhs, rhs):
            if not isinstance(side, _Expression):
                raise WorkflowDefinitionError(
                    f"& and | join comparisons of promises, not {side!r:.80}", where=user_site(),
                    hint="write (p > 1) & (p < 5), with the parentheses")
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def promises(self) -> List[Any]:
        return self.lhs.promises() + self.rhs.promises()

    def eval(self, value_of) -> bool:
        left = self.lhs.eval(value_of)
        if self.op == "&":
            return left and self.rhs.eval(value_of)
        return left or self.rhs.eval(value_of)

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


Expression = Union[ComparisonExpression, ConjunctionExpression]


class ConditionError(WorkflowDefinitionError, AssertionError):
    """A condition that is not one (a bare promise, None, a bool, another value): autoc's error, and an
    AssertionError as flytekit's (code written for flytekit may catch that)."""


class Case:
    """One ``if_``/``elif_``/``else_`` of a section: its condition (None for ``else_``) and what ``then`` got."""

    def __init__(self, section: "ConditionalSection", expr: Optional[Expression], stmt: str):
        from autoc.core.promise import Promise

        if expr is None and stmt != "else_":
            raise ConditionError(f"Required an expression received None for condition:{section.name}.{stmt}(...)",
                                 where=user_site(), hint="for example .if_((x > 1) & (x < 10))")
        if expr is not None and not isinstance(expr, _Expression):
            if isinstance(expr, bool):
                what = f"an evaluated expression ({expr}); `and`/`or`/`not`/`is` cannot build conditions"
            elif isinstance(expr, Promise):
                what = f"a bare promise {expr!r}; write {stmt}(p.is_true()) or compare it"
            else:
                what = f"{expr!r:.80}"
            raise ConditionError(f"conditional '{section.name}'.{stmt}(...) needs a comparison of promises "
                                 f"(<, <=, >, >=, ==, !=) or a conjunction of them (&, |), got {what}",
                                 where=user_site(), hint="for example .if_((x > 1) & (x < 10))")
        self.section, self.expr, self.stmt = section, expr, stmt
        self.output: Any = None
        self.node: Optional[Node] = None
        self.error: Optional[str] = None
        self.where = user_site()

    def then(self, p: Any):
        """What this case runs: the result of a call (its node becomes the case's node)."""
        from autoc.core.promise import _node_of

        node = _node_of(p)
        if node is None:
            raise WorkflowDefinitionError(
                f"conditional '{self.section.name}'.{self.stmt}(...).then() needs the result of a call of a task, "
                f"workflow, launch plan or conditional, got {p!r:.80}", where=user_site(),
                hint="write .then(t(x=x)); to pass a value through, call a task that returns it")
        self.output, self.node = p, node
        return self.section._end_case(self)

    def fail(self, message: str):
        """The else case fails the workflow with ``message``."""
        if self.stmt != "else_":
            raise WorkflowDefinitionError(f"conditional '{self.section.name}': only else_() can fail()",
                                          where=user_site(), hint=".else_().fail('message')")
        self.error = message
        return self.section._end_case(self)

    def __repr__(self) -> str:
        return f"{self.stmt}({self.expr!r})"


class Condition:
    """What a finished non-final case returns: more ``elif_``s or the ``else_``."""

    def __init__(self, section: "ConditionalSection"):
        self._section = section

    def elif_(self, expr: Expression) -> Case:
        return self._section._start_case(Case(self._section, expr, "elif_"))

    def else_(self) -> Case:
        return self._section._start_case(Case(self._section, None, "else_"), last=True)

    def __repr__(self) -> str:
        return f"conditional({self._section.name}) " + "".join(repr(c) for c in self._section.cases)


class BranchNode:
    """The entity of a branch node: the cases (condition, node), the else node or the error message."""

    def __init__(self, name: str, cases: List[Case]):
        self.name = name
        self.cases = cases
        self.output_types: dict = {}
        self.created: List[Node] = []  # every node the calls inside the section made (kept or not)

    @property
    def if_cases(self) -> List[Case]:
        return self.cases[:-1]

    @property
    def else_case(self) -> Case:
        return self.cases[-1]

    def inner_nodes(self) -> List[Node]:
        return [c.node for c in self.cases if c.node is not None]

    def condition_promises(self) -> List[Any]:
        """The promises the conditions read, once each by (node, output), in the order flytekit merges them."""
        seen, out = set(), []
        for c in self.if_cases:
            for p in c.expr.promises():
                key = (id(p.ref_node), p.var)
                if key not in seen:
                    seen.add(key)
                    out.append(p)
        return out

    def __repr__(self) -> str:
        return f"BranchNode({self.name})"


def branch_var(p) -> str:
    """The name a branch node gives the promise ``p`` among its inputs: ``{node id}.{output}``."""
    return f"{p.ref_node.id if p.ref_node is not None else ''}.{p.var}"


class ConditionalSection:
    """``conditional(name)``: open until its ``else_`` case ends."""

    def __init__(self, name: str):
        from autoc.core.context import FlyteContextManager
        from autoc.core.promise import CompilationState, compilation_state

        outer = compilation_state()
        if outer is None:
            raise WorkflowDefinitionError(f"conditional('{name}') can only be used inside a workflow body",
                                          where=user_site(2),
                                          hint="call it in the body of an @workflow function")
        if not isinstance(name, str) or not name:
            raise WorkflowDefinitionError(f"conditional() needs a name (a non-empty str), got {name!r}",
                                          where=user_site(2))
        self.name = name
        self.cases: List[Case] = []
        self.where = user_site(2)
        self._outer = outer
        self._last = False
        self.state = CompilationState(prefix=outer.prefix, workflow=outer.workflow)
        self.state.section = self
        ctx = FlyteContextManager.current_context().with_compilation_state(self.state).build()
        FlyteContextManager.push_context(ctx)

    def if_(self, expr: Expression) -> Case:
        if self.cases:
            raise WorkflowDefinitionError(f"conditional '{self.name}' already has its if_", where=user_site())
        return self._start_case(Case(self, expr, "if_"))

    def _start_case(self, c: Case, last: bool = False) -> Case:
        if self._last:
            raise WorkflowDefinitionError(f"conditional '{self.name}' is already finished by its else_",
                                          where=user_site(2))
        self._last = last
        self.cases.append(c)
        return c

    def _end_case(self, c: Case):
        if not self._last:
            return Condition(self)
        from autoc.core.context import FlyteContextManager

        FlyteContextManager.pop_context()
        return self._add_branch_node()

    def _add_branch_node(self):
        from autoc.core.promise import Promise, _output_tuple_class

        entity = BranchNode(self.name, list(self.cases))
        entity.created = list(self.state.nodes)
        outer = self._outer
        inputs = {branch_var(p): Promise(p.var, p.ref_node, p.python_type, p.attr_path)
                  for p in entity.condition_promises()}
        upstream = []
        for p in inputs.values():
            if p.ref_node is not None and p.ref_node not in upstream:
                upstream.append(p.ref_node)
        node = Node(f"{outer.prefix}n{len(outer.nodes)}", entity, dict(sorted(inputs.items())), upstream,
                    len(outer.nodes), self.where)
        outer.add_node(node)
        outputs = self._output_vars()
        if not outputs:
            from autoc.core.promise import VoidPromise

            return VoidPromise(node.id, node)
        first = next(c.output for c in self.cases if c.error is None)
        types = {p.var: p.python_type for p in (first if isinstance(first, tuple) else (first,))}
        entity.output_types = {v: types[v] for v in outputs}
        promises = [Promise(v, node, types[v]) for v in outputs]
        if len(promises) == 1:
            return promises[0]
        return _output_tuple_class("DefaultNamedTupleOutput", tuple(outputs))(*promises)

    def _output_vars(self) -> Optional[List[str]]:
        """The outputs every case has (flytekit's ``compute_output_vars``); none when a case has no outputs."""
        from autoc.core.promise import VoidPromise

        names: Optional[List[str]] = None
        for c in self.cases:
            if c.error is not None:
                continue
            if isinstance(c.output, VoidPromise):
                return []
            these = [p.var for p in c.output] if isinstance(c.output, tuple) else [c.output.var]
            names = these if names is None else [v for v in names if v in these]
        return names or []


def conditional(name: str) -> ConditionalSection:
    """Start a conditional section in a workflow body: ``conditional("name").if_(x > 1).then(t(x=x))...``."""
    return ConditionalSection(name)


def unfinished_section(state) -> Optional[ConditionalSection]:
    """The conditional section still open after a body ran (a missing ``else_``), if any."""
    from autoc.core.promise import compilation_state

    current = compilation_state()
    section = getattr(current, "section", None) if current is not state else None
    return section


def walk_nodes(nodes) -> List[Node]:
    """``nodes`` and, for branch nodes, the nodes of their cases, recursively (depth first, in order)."""
    out = []
    for n in nodes:
        out.append(n)
        if isinstance(n.entity, BranchNode):
            out.extend(walk_nodes(n.entity.inner_nodes()))
    return out


__all__ = ["BranchNode", "Case", "ComparisonExpression", "ConditionalSection", "ConjunctionExpression",
           "conditional", "walk_nodes"]
