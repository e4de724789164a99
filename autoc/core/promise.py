"""Compile mode: a workflow body runs once on promises, and every task, workflow or launch plan it calls
becomes a node.

A ``Promise`` stands for a value that exists only when the workflow runs: a workflow input or a node's output
(optionally with an attribute path, ``p.x`` or ``p["k"]``). Calling an entity while a ``CompilationState`` is on
the context records a ``Node`` whose inputs are the Python values passed (promises, constants, and lists/dicts
mixing both) and returns promises for its outputs. Nothing here converts or type-checks values: that is
translation's job (``autoc.serialize.translate_workflow``), which reports the call's file:line.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime
import enum
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from autoc.core.node import PROMISE_TYPES, Node, not_supported, user_site
from autoc.errors import WorkflowDefinitionError


@dataclasses.dataclass
class CompilationState:
    """The nodes recorded so far while one workflow body runs; ``prefix`` starts every node id (``f`` for the
    failure node)."""

    prefix: str = ""
    nodes: List[Node] = dataclasses.field(default_factory=list)
    workflow: Any = None
    section: Any = None  # the conditional section this state records the cases of (autoc.core.condition)

    def add_node(self, n: Node) -> None:
        self.nodes.append(n)


def compilation_state() -> Optional[CompilationState]:
    from autoc.core.context import FlyteContextManager

    return FlyteContextManager.current_context().compilation_state


@contextlib.contextmanager
def compiling(state: CompilationState) -> Iterator[CompilationState]:
    from autoc.core.context import FlyteContextManager

    ctx = FlyteContextManager.current_context().with_compilation_state(state)
    with FlyteContextManager.with_context(ctx):
        yield state


class _Ordered:
    """What every call result in a workflow body can do: order its node before another (``a >> b``)."""

    def __rshift__(self, other):
        runs_before(self, other)
        return other

    def runs_before(self, other):
        runs_before(self, other)
        return other

    def with_overrides(self, *args, **kwargs):
        """Override settings of the node this value comes from (``Node.with_overrides``); returns this value."""
        where = user_site()
        node_of(self, where).with_overrides(*args, **kwargs)
        return self


class Promise(_Ordered):
    """A workflow input (``node is None``) or an output of a node, with the Python type of that variable."""

    def __init__(self, var: str, node: Optional[Node], python_type: Any,
                 attr_path: Tuple[Union[str, int], ...] = ()):
        self._var = var
        self._node = node
        self._python_type = python_type
        self._attr_path = tuple(attr_path)

    @property
    def var(self) -> str:
        return self._var

    @property
    def ref_node(self) -> Optional[Node]:
        """The node whose output this is; None for a workflow input. (Few names here: ``p.name`` etc. are
        attribute paths into the value.)"""
        return self._node

    @property
    def python_type(self) -> Any:
        """The declared type of the variable (before ``attr_path``)."""
        return self._python_type

    @property
    def attr_path(self) -> Tuple[Union[str, int], ...]:
        return self._attr_path

    @property
    def is_ready(self) -> bool:
        return False

    def __getattr__(self, key: str) -> "Promise":
        if key.startswith("_"):  # dunder/private look-ups (copy, pickle, hasattr(x, "_fields")) are not attributes
            raise AttributeError(key)
        return Promise(self._var, self._node, self._python_type, self._attr_path + (key,))

    def __getitem__(self, key: Union[str, int]) -> "Promise":
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise WorkflowDefinitionError(f"a promise can be indexed by a string or an integer, not {key!r}",
                                          where=user_site())
        return Promise(self._var, self._node, self._python_type, self._attr_path + (key,))

    def __bool__(self):
        raise not_supported(
            f"using {self} in an if/while, `and`/`or` or `not`", where=user_site(),
            hint="a workflow body runs once, at import, on placeholders: decide with "
                 "conditional(name).if_(...).then(...).else_()..., or move the decision into a task")

    def __iter__(self):
        raise WorkflowDefinitionError(f"{self} is a promise: it cannot be iterated in the workflow body",
                                      where=user_site(),
                                      hint="pass the whole value to a task, or run a task on every item with "
                                           "map_task(t)(x=p); index single items as p[0]")

    # comparisons make conditions for conditional() (autoc.core.condition), as in flytekit
    def _compare(self, op: str, other):
        return ComparisonExpression(self, op, other)

    def __eq__(self, other):
        return self._compare("==", other)

    def __ne__(self, other):
        return self._compare("!=", other)

    def __gt__(self, other):
        return self._compare(">", other)

    def __ge__(self, other):
        return self._compare(">=", other)

    def __lt__(self, other):
        return self._compare("<", other)

    def __le__(self, other):
        return self._compare("<=", other)

    def is_(self, v: bool):
        return self._compare("==", v)

    def is_true(self):
        return self._compare("==", True)

    def is_false(self):
        return self._compare("==", False)

    def is_none(self):
        return self._compare("==", None)

    def __and__(self, other):
        raise WorkflowDefinitionError(f"{self} & ...: & joins conditions, not promises", where=user_site(),
                                      hint="compare first: (p == 1) & (q.is_true())")

    __or__ = __and__

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        src = f"{self._node.id}.{self._var}" if self._node is not None else f"input {self._var}"
        path = "".join(f".{a}" if isinstance(a, str) else f"[{a}]" for a in self._attr_path)
        return f"Promise({src}{path})"


PROMISE_TYPES.append(Promise)


class VoidPromise(_Ordered):
    """What calling an entity without outputs returns in a workflow body: it can only be ordered (``>>``)."""

    def __init__(self, entity_name: str, node: Optional[Node] = None):
        self.task_name = entity_name
        self.ref_node = node

    def __repr__(self) -> str:
        return f"VoidPromise({self.task_name})"


def _node_of(x) -> Optional[Node]:
    if isinstance(x, Node):
        return x
    if isinstance(x, (Promise, VoidPromise)):
        return x.ref_node
    nodes = {id(n): n for n in (_node_of(v) for v in x) if n is not None} if isinstance(x, tuple) else {}
    if len(nodes) == 1:  # all outputs of one node
        return next(iter(nodes.values()))
    return None


def node_of(value, where) -> Node:
    node = _node_of(value)
    if node is None:
        raise WorkflowDefinitionError(f"with_overrides() needs the result of a call in this workflow body, got "
                                      f"{value!r:.80}", where=where)
    return node


def runs_before(a, b) -> None:
    """``a >> b``: the node behind ``b`` waits for the node behind ``a``."""
    na, nb = _node_of(a), _node_of(b)
    if na is None or nb is None:
        bad = a if na is None else b
        raise WorkflowDefinitionError(f"`>>`/runs_before needs outputs of calls in this workflow body, got {bad!r}",
                                      where=user_site(), hint="write first_call >> second_call with the values "
                                                              "two calls returned")
    na.runs_before(nb)


_OUTPUT_TUPLES: Dict[Tuple[str, Tuple[str, ...]], type] = {}


def _output_tuple_class(name: str, fields: Tuple[str, ...]) -> type:
    """A namedtuple of promises that can also be ordered with ``>>`` (the whole node)."""
    cls = _OUTPUT_TUPLES.get((name, fields))
    if cls is None:
        base = collections.namedtuple(name, fields)  # type: ignore[misc]
        cls = type(name, (base,), {
            "__slots__": (), "__rshift__": lambda self, other: (runs_before(self, other), other)[1],
            "runs_before": lambda self, other: (runs_before(self, other), other)[1],
            "with_overrides": lambda self, *a, **k: (_Ordered.with_overrides(self, *a, **k), self)[1],
        })
        _OUTPUT_TUPLES[(name, fields)] = cls
    return cls


# Comparisons of promises (``p == 1``, ``p < q``, ``is_true()`` ...) make expressions for ``conditional()``
# (``autoc.core.condition``, which uses them), as in flytekit's ``flytekit.core.promise``.

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
        raise not_supported(f"testing the truth of {self!r} in the workflow body", where=user_site(),
                            hint="a comparison of promises is a condition: use it in conditional(name).if_(...); "
                                 "join conditions with & and |, not `and`/`or`/`not`")


class ComparisonExpression(_Expression):
    """``lhs op rhs``: each side a promise or a constant (bool, int, float, str, datetime, timedelta, an enum member
    (compared as its string value) or None)."""

    def __init__(self, lhs: Any, op: str, rhs: Any):
        for side in (lhs, rhs):
            if not isinstance(side, Promise) and not isinstance(side, _CONSTANTS):
                raise WorkflowDefinitionError(
                    f"a condition can compare promises with constants of a primitive type, not {side!r:.80}",
                    where=user_site(), hint="compare with a bool, int, float, str, datetime, timedelta or None")
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def promises(self) -> List[Any]:
        return [p for p in (self.lhs, self.rhs) if isinstance(p, Promise)]

    def eval(self, value_of) -> bool:
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


def bind_arguments(entity, args: tuple, kwargs: Dict[str, Any], where: Optional[str]) -> Dict[str, Any]:
    """Positional arguments onto the interface's input names with the one binder of calls
    (``autoc.core.interface.bind_inputs``); a wrong call is a WorkflowDefinitionError naming the call's line."""
    from autoc.core.interface import bind_inputs
    from autoc.errors import CallError

    try:
        return bind_inputs(entity.name, entity.python_interface, args, kwargs, require_all=False)
    except CallError as e:
        raise WorkflowDefinitionError(e.message, where=where, hint=e.hint) from None


def _is_optional(t) -> bool:
    import types
    import typing

    return (typing.get_origin(t) is typing.Union or isinstance(t, types.UnionType)) and \
        type(None) in typing.get_args(t)


def _collect_upstream(value, where: Optional[str], var: str, entity, found: List[Node]) -> None:
    """Nodes whose outputs ``value`` uses; rejects values that cannot be bound (multi-output tuples, void)."""
    if isinstance(value, Promise):
        if value.ref_node is not None and value.ref_node not in found:
            found.append(value.ref_node)
    elif isinstance(value, VoidPromise):
        raise WorkflowDefinitionError(
            f"input '{var}' of {entity.name} gets the result of {value.task_name}, which has no outputs",
            where=where, hint="to order the two calls without data, write first >> second")
    elif isinstance(value, tuple):
        raise WorkflowDefinitionError(
            f"input '{var}' of {entity.name} cannot receive a tuple {value!r:.80}", where=where,
            hint="a call with several outputs returns a tuple: unpack it (a, b = t()) or pick one (t().o0)")
    elif isinstance(value, (list, set, frozenset)):
        for v in value:
            _collect_upstream(v, where, var, entity, found)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_upstream(v, where, var, entity, found)


def create_and_link_node(entity, args: tuple = (), kwargs: Optional[Dict[str, Any]] = None,
                         state: Optional[CompilationState] = None, where: Optional[str] = None,
                         inputs_interface=None, defaults_given: bool = False):
    """Record a node calling ``entity`` in the workflow being compiled; return promises for its outputs.
    ``defaults_given``: the entity's defaults count as passed in the call, mutable ones included (a workflow: flytekit
    fills its defaults into the call and binds them as constants; a task's list or dict default is refused)."""
    state = state or compilation_state()
    if state is None:
        raise WorkflowDefinitionError(f"{entity.name}: nodes can only be created inside a workflow body")
    where = where or user_site()
    iface = inputs_interface or entity.python_interface
    given = bind_arguments(entity, args, kwargs or {}, where)
    inputs: Dict[str, Any] = {}
    upstream: List[Node] = []
    for k in sorted(iface.inputs):
        if k in given:
            v = given[k]
        elif k in iface.defaults and (iface.defaults[k] is not None or _is_optional(iface.inputs[k])):
            v = iface.defaults[k]
            if isinstance(v, (list, dict, set)) and not defaults_given:
                raise WorkflowDefinitionError(
                    f"input '{k}' of {entity.name} has a mutable default ({type(v).__name__}), which flytekit "
                    f"refuses too", where=where, hint=f"pass {k}=... explicitly, or default to None")
        else:
            raise WorkflowDefinitionError(
                f"required input '{k}' ({getattr(iface.inputs[k], '__name__', iface.inputs[k])}) of "
                f"{entity.name} is not given", where=where, hint=f"pass {k}=... in the call")
        _collect_upstream(v, where, k, entity, upstream)
        inputs[k] = v
    node = Node(f"{state.prefix}n{len(state.nodes)}", entity, inputs, upstream, len(state.nodes), where)
    state.add_node(node)
    return node_outputs(node, entity.python_interface)


def node_outputs(node: Node, iface):
    """Promises for a node's outputs: one promise, a namedtuple of them, or a VoidPromise."""
    outputs = iface.outputs
    if not outputs:
        return VoidPromise(node.entity.name, node)
    promises = [Promise(name, node, t) for name, t in outputs.items()]
    if len(promises) == 1 and iface.output_tuple is None:
        return promises[0]
    name = iface.output_tuple_name or "DefaultNamedTupleOutput"
    return _output_tuple_class(name, tuple(outputs))(*promises)
