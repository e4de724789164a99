"""Workflow authoring: compile mode records nodes and bindings; calling a workflow runs it locally through the
literal round trip."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from autoc import FlyteError, task, workflow
from autoc.core.promise import Promise, VoidPromise
from autoc.errors import AutocError, WorkflowDefinitionError

CALLS: typing.List[str] = []


class Pair(typing.NamedTuple):
    total: int
    label: str


@task
def inc(x: int, by: int = 1) -> int:
    CALLS.append(f"inc {x}")
    return x + by


@task
def label(n: int) -> Pair:
    CALLS.append(f"label {n}")
    return Pair(n, f"#{n}")


@task
def both(a: int, b: str) -> typing.Tuple[int, str]:
    return a, b


@task
def noop() -> None:
    CALLS.append("noop")


@task
def bad() -> int:
    return "not an int"  # type: ignore[return-value]


@workflow
def chain(x: int, by: int = 10) -> Pair:
    a = inc(x=x, by=by)
    b = inc(a)  # positional, the task's default for `by`
    first = noop()
    second = noop()
    second >> first
    return label(n=b)


@workflow
def outer(x: int) -> typing.Tuple[int, str]:
    p = chain(x=x)
    return both(a=p.total, b=p.label)


@workflow
def broken() -> int:
    return bad()


def test_compile_records_nodes_bindings_and_order():
    nodes = chain.nodes
    assert [n.id for n in nodes] == ["n0", "n1", "n2", "n3", "n4"]
    assert [n.entity for n in nodes] == [inc, inc, noop, noop, label]
    n0, n1, first, second, last = nodes
    assert set(n0.inputs) == {"x", "by"} and isinstance(n0.inputs["x"], Promise) and n0.inputs["x"].ref_node is None
    assert n1.inputs["by"] == 1 and n1.inputs["x"].ref_node is n0 and n1.upstream_nodes == [n0]
    assert first.upstream_nodes == [second] and last.upstream_nodes == [n1]
    outs = chain.output_bindings
    assert list(outs) == ["total", "label"] and outs["total"].ref_node is last and outs["label"].var == "label"


def test_local_run_executes_every_node_in_order_through_literals():
    CALLS.clear()
    assert chain(x=1) == Pair(12, "#12")
    assert CALLS == ["inc 1", "inc 11", "noop", "noop", "label 12"]
    assert outer(2) == (13, "#13")


def test_local_run_reports_the_task_that_returned_the_wrong_type():
    with pytest.raises(AutocError, match="bad"):
        broken()


def test_local_run_checks_its_inputs():
    with pytest.raises(AutocError, match="required input 'x'"):
        chain()
    with pytest.raises(AutocError, match="input 'x'"):
        chain(x="one")
    with pytest.raises(AutocError, match="unexpected keyword argument"):
        chain(y=1)


def test_void_and_multi_output_promises():
    @workflow
    def w() -> None:
        a = noop()
        b = both(a=1, b="x")
        assert isinstance(a, VoidPromise) and b.o0.var == "o0" and b[1].var == "o1"
        a >> b

    w.compile()
    assert w.nodes[1].upstream_nodes == [w.nodes[0]]


def test_void_output_cannot_be_an_input():
    @workflow
    def w() -> None:
        inc(x=noop())

    with pytest.raises(WorkflowDefinitionError, match="has no outputs"):
        w.compile()


HANDLED: typing.List[tuple] = []


@task
def on_err(x: int, err: typing.Optional[FlyteError] = None) -> None:
    HANDLED.append((x, err.failed_node_id if err else None, "boom" in err.message if err else None))


@task
def boom(x: int) -> int:
    raise ValueError("boom")


@workflow(on_failure=on_err)
def fragile(x: int) -> int:
    return boom(x=inc(x=x))


def test_failure_handler_is_the_failure_node_and_runs_locally_with_the_error():
    assert fragile.failure_node.id == "fn0" and fragile.failure_node.entity is on_err
    assert fragile.failure_node.inputs["err"] is None and fragile.failure_node.inputs["x"].var == "x"
    HANDLED.clear()
    with pytest.raises(Exception, match="boom"):
        fragile(x=1)
    assert HANDLED == [(1, "n1", True)]


def test_failure_handler_must_take_the_workflow_inputs():
    @task
    def wrong(y: int) -> None:
        pass

    @workflow(on_failure=wrong)
    def w(x: int) -> None:
        noop()

    with pytest.raises(WorkflowDefinitionError, match="must take the workflow's inputs"):
        w.compile()


def test_docs_must_be_documentation():
    with pytest.raises(WorkflowDefinitionError, match="docs must be a Documentation"):
        workflow(docs="text")(lambda: None)


@dataclasses.dataclass
class Odd:
    node: int
    name: str


@task
def odd() -> Odd:
    return Odd(1, "a")


def test_dataclass_fields_named_like_promise_internals_are_attribute_paths():
    @workflow
    def w() -> int:
        return inc(x=odd().node)

    assert w.output_bindings["o0"].ref_node.inputs["x"].attr_path == ("node",)
    assert w() == 2


def test_a_handler_workflow_first_compiled_as_a_failure_node_keeps_its_own_node_ids():
    @workflow
    def handler(x: int) -> None:
        noop()

    @workflow(on_failure=handler)
    def w(x: int) -> None:
        noop()

    assert w.failure_node.id == "fn0" and [n.id for n in handler.nodes] == ["n0"]


def test_recursive_workflows_are_refused_at_the_call():
    @workflow
    def again(x: int) -> int:
        return again(x=x)

    with pytest.raises(WorkflowDefinitionError, match="calls itself") as e:
        again.compile()
    assert e.value.where.endswith(f"test_core_workflow.py:{again.function.__code__.co_firstlineno + 2}")

    @workflow
    def ping(x: int) -> int:
        return pong(x=x)

    @workflow
    def pong(x: int) -> int:
        return ping(x=x)

    with pytest.raises(WorkflowDefinitionError, match="calls itself"):
        ping.compile()
    with pytest.raises(WorkflowDefinitionError, match="calls itself"):
        pong.compile()
