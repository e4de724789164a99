"""Gate nodes: ``sleep(duration)``, ``wait_for_input(name, timeout, expected_type)`` and
``approve(promise, name, timeout)``. A gate runs nothing: Flyte waits (a timer, a signal, an approval) and
passes a value on. Each call in a workflow body records one node, as in flytekit."""

from __future__ import annotations

import datetime
from typing import Any, Optional

from autoc.core.interface import Interface
from autoc.core.node import user_site
from autoc.errors import WorkflowDefinitionError

#: the node timeout flytekit gives a gate that names none (``sleep``): one hour
DEFAULT_TIMEOUT = datetime.timedelta(hours=1)


class Gate:
    """A gate: a sleep (``sleep_duration``), a signal of ``input_type`` or an approval of one upstream value."""

    def __init__(self, name: str, input_type: Any = None, upstream_item: Any = None,
                 sleep_duration: Optional[datetime.timedelta] = None,
                 timeout: Optional[datetime.timedelta] = None, _local: bool = False):
        self.name = name
        self.input_type = input_type
        self.upstream_item = upstream_item
        self.sleep_duration = sleep_duration
        self.timeout = timeout  # None: flytekit's one hour (written under --sdk flytekit only)
        if sleep_duration:
            self.python_interface = Interface()
        elif input_type is not None:
            self.python_interface = Interface(outputs={"o0": input_type})
        elif _local:  # an approval run at once in a local @dynamic body: no node, no interface
            self.python_interface = None
        else:
            var, t = upstream_item.var, _output_type(upstream_item)
            self.python_interface = Interface(inputs={var: t}, outputs={var: t})

    @property
    def kind(self) -> str:
        return "sleep" if self.sleep_duration else "signal" if self.input_type is not None else "approve"

    def __repr__(self) -> str:
        return f"Gate({self.kind} {self.name})"


def _output_type(p) -> Any:
    node = p.ref_node
    return node.entity.python_interface.outputs[p.var]


def _duration(value, what: str, where: Optional[str]) -> datetime.timedelta:
    if isinstance(value, datetime.timedelta):
        return value
    raise WorkflowDefinitionError(f"{what} must be a datetime.timedelta, got {value!r:.80}", where=where,
                                  hint="e.g. datetime.timedelta(minutes=10)")


def _add(gate: Gate, where: Optional[str], **inputs):
    from autoc.core.promise import CompilationState, compilation_state, create_and_link_node

    state: Optional[CompilationState] = compilation_state()
    if state is None and _in_local_run():  # a @dynamic body run locally: the gate runs now, as in flytekit
        from autoc.core.seams import above

        return above("local_workflow").run_gate(gate, inputs).get("o0")  # a sleep gives nothing
    if state is None:
        raise WorkflowDefinitionError(f"{gate.kind} gate '{gate.name}' can only be used inside a workflow body",
                                      where=where, hint="call it in the body of an @workflow function")
    return create_and_link_node(gate, (), inputs, state=state, where=where)


def _in_local_run() -> bool:
    from autoc.core.context import FlyteContextManager

    state = FlyteContextManager.current_context().execution_state
    return state is not None and state.mode is not None and state.is_local_execution()


def sleep(duration: datetime.timedelta):
    """A gate that waits ``duration`` before the nodes after it run (order them with ``>>``)."""
    where = user_site()
    return _add(Gate("sleep-gate", sleep_duration=_duration(duration, "sleep(duration)", where)), where)


def wait_for_input(name: str, timeout: datetime.timedelta, expected_type: Any):
    """A gate that waits for a value of ``expected_type`` sent as signal ``name``; returns it."""
    where = user_site()
    if expected_type is None:
        raise WorkflowDefinitionError(f"wait_for_input('{name}') needs expected_type", where=where)
    from autoc.types.engine import to_literal_type
    from autoc.errors import AutocError

    try:
        to_literal_type(expected_type)
    except AutocError as e:
        raise WorkflowDefinitionError(f"wait_for_input('{name}'): {e.message}", where=where, hint=e.hint) from e
    return _add(Gate(name, input_type=expected_type,
                     timeout=_duration(timeout, f"wait_for_input('{name}') timeout", where)), where)


def approve(upstream_item, name: str, timeout: datetime.timedelta):
    """A gate that passes ``upstream_item`` (one output of an earlier call) on once someone approves it."""
    from autoc.core.promise import Promise, compilation_state

    where = user_site()
    if compilation_state() is None and _in_local_run() and upstream_item is not None:  # a local @dynamic body:
        from autoc.core.seams import above  # the value itself, asked about now

        gate = Gate(name, timeout=timeout, _local=True)
        return above("local_workflow").run_gate(gate, {"o0": upstream_item})["o0"]
    if not isinstance(upstream_item, Promise):
        raise WorkflowDefinitionError(f"approve(..., '{name}') needs one output of a call, got {upstream_item!r:.80}",
                                      where=where, hint="approval works on a value: pass t(...) or one of its "
                                                        "outputs, not a call without outputs or a tuple")
    if upstream_item.ref_node is None:
        raise WorkflowDefinitionError(f"approve(..., '{name}'): workflow inputs cannot be passed to approval nodes",
                                      where=where, hint="approve the output of a call")
    gate = Gate(name, upstream_item=upstream_item,
                timeout=_duration(timeout, f"approve(..., '{name}') timeout", where))
    return _add(gate, where, **{upstream_item.var: upstream_item})


__all__ = ["Gate", "approve", "sleep", "wait_for_input"]
