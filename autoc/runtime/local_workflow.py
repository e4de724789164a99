"""Running a workflow in this process: the compiled nodes in order, each task through the literal round trip.

The graph that is serialized is the graph that runs: the body is not executed again, so a local run exercises
exactly the bindings (promises, constants, attribute paths) that Flyte will see.
"""

from __future__ import annotations

from typing import Any, Dict

from autoc.core.promise import Promise
from autoc.errors import AutocError, TypeEngineError, WorkflowDefinitionError
from autoc.types import engine


def _round_trip(owner: str, kind: str, name: str, value: Any, t: Any) -> Any:
    try:
        return engine.to_python(engine.to_literal(value, t), t)
    except AutocError as e:
        e.message = f"{owner}, {kind} '{name}': {e.message}"
        raise


def _outputs_as_dict(entity, result: Any) -> Dict[str, Any]:
    iface = entity.python_interface
    names = list(iface.outputs)
    if not names:
        return {}
    if len(names) == 1 and iface.output_tuple is None:
        return {names[0]: result}
    return dict(zip(names, result))


def _follow(value: Any, path) -> Any:
    for a in path:
        if isinstance(value, (dict, list, tuple)) and not hasattr(value, "_fields"):
            value = value[a]
        elif isinstance(a, int):
            value = value[a]
        else:
            value = getattr(value, a)
    return value


def _resolve(v: Any, inputs: Dict[str, Any], results: Dict[Any, Dict[str, Any]]) -> Any:
    if isinstance(v, Promise):
        if v.ref_node is not None and v.ref_node not in results:  # a call made inside a conditional's condition
            _execute(v.ref_node, inputs, results)
        base = inputs[v.var] if v.ref_node is None else results[v.ref_node][v.var]
        return _follow(base, v.attr_path)
    if isinstance(v, list):
        return [_resolve(x, inputs, results) for x in v]
    if isinstance(v, dict):
        return {k: _resolve(x, inputs, results) for k, x in v.items()}
    return v


def _read_as(p: Any, value: Any, node, name: str) -> Any:
    """The value of a promise as the input it is bound to reads it in Flyte: the upstream's literal (of its declared
    type) read back with the input's type, as flytekit's local runs pass them. Only when the two types differ."""
    down = node.entity.python_interface.inputs.get(name)
    if not isinstance(p, Promise) or p.attr_path or down is None or p.python_type is None or p.python_type == down:
        return value
    try:
        return engine.to_python(engine.to_literal(value, p.python_type), down)
    except AutocError as e:
        src = f"output '{p.var}' of {p.ref_node.entity.name} ({p.ref_node.id})" if p.ref_node is not None \
            else f"workflow input '{p.var}'"
        e.message = (f"{node.entity.name} ({node.id}), input '{name}': {src} of type {_type_name(p.python_type)} "
                     f"cannot be read as {_type_name(down)}: {e.message}")
        e.hint = e.hint or "declare the same type on both sides (flyteadmin refuses this binding at registration)"
        raise


def _type_name(t: Any) -> str:
    return t.__name__ if isinstance(t, type) and not getattr(t, "__args__", None) else str(t).replace("typing.", "")


def _run_node(entity, kwargs: Dict[str, Any]) -> Any:
    from autoc.core.task import PythonTask
    from autoc.core.workflow import WorkflowBase

    from autoc.core.reference import ReferenceEntity

    if isinstance(entity, (PythonTask, WorkflowBase, ReferenceEntity)) or getattr(entity, "is_array_node", False):
        return entity.local_execute(**kwargs)  # a reference fails as in flytekit
    wf = getattr(entity, "workflow", None)  # a launch plan runs its workflow with its fixed inputs
    if isinstance(wf, WorkflowBase):
        return wf.local_execute(**{**dict(getattr(entity, "fixed_inputs", None) or {}), **kwargs})
    raise WorkflowDefinitionError(f"cannot run {entity!r} locally")


def _execute(node, inputs: Dict[str, Any], results: Dict[Any, Dict[str, Any]]) -> None:
    """Run one node (results are kept by node: the nodes of a conditional's cases reuse ids)."""
    from autoc.core.condition import BranchNode
    from autoc.core.gate import Gate

    entity = node.entity
    if isinstance(entity, BranchNode):
        results[node] = _run_branch(entity, inputs, results)
        return
    args = {k: _resolve(v, inputs, results) for k, v in node.inputs.items()}
    if isinstance(entity, Gate):
        results[node] = run_gate(entity, args)
        return
    args = {k: _read_as(v, args[k], node, k) for k, v in node.inputs.items()}
    results[node] = _outputs_as_dict(entity, _run_node(entity, args))


def run_gate(gate, args: Dict[str, Any]) -> Dict[str, Any]:
    """A gate in a local run, as flytekit runs it: a sleep is only announced; a signal is read from stdin (asked
    for again until it parses as its type); an approval asks on stdin (Enter approves) and passes its value on, or
    fails the run. Returns the gate's outputs."""
    import click

    if gate.kind == "sleep":
        click.echo(f'{click.style("[Sleep Gate]", fg="yellow")} '
                   f'{click.style(f"Simulating Sleep for {gate.sleep_duration}", fg="cyan")}')
        return {}
    if gate.kind == "signal":
        msg = click.style("[Input Gate] ", fg="yellow") + click.style(
            f"Waiting for input @{gate.name} of type {gate.input_type}", fg="cyan")
        value = click.prompt(msg, type=_click_type(gate.input_type))
        return {"o0": _round_trip(f"gate {gate.name}", "input", "o0", value, gate.input_type)}
    (var, value), = args.items()
    msg = click.style("[Approval Gate] ", fg="yellow") + click.style(
        f"@{gate.name} Approve {click.style(str(value), fg='green')}?", fg="cyan")
    if not click.confirm(msg, default=True):
        from autoc.errors import UserInputError

        raise UserInputError(f"User did not approve the transaction for gate node {gate.name}",
                             hint="answer y (or press Enter) to approve")
    return {var: value}


def _click_type(t: Any):
    """How a signal's value is typed in: click's own types for bool, int, float, str and datetime (as flytekit's
    prompt reads them), JSON for the rest (lists, dicts, dataclasses), checked against the type."""
    import datetime
    import json

    import click

    simple = {bool: click.BOOL, int: click.INT, float: click.FLOAT, str: click.STRING}
    if t in simple:
        return simple[t]
    if t is datetime.datetime:
        return click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"])

    class _Json(click.ParamType):
        name = "json"

        def convert(self, value, param, ctx):
            try:
                v = json.loads(value) if isinstance(value, str) else value
                return engine.to_python(engine.to_literal(v, t), t)
            except (ValueError, AutocError) as e:
                self.fail(f"{value!r} is not a {t}: {e}", param, ctx)

    return _Json()


def _run_branch(entity, inputs: Dict[str, Any], results: Dict[Any, Dict[str, Any]]) -> Dict[str, Any]:
    """The first case whose condition holds (else the else case): its node's outputs, or its error (a
    ValueError with the message, as flytekit raises it locally)."""
    def value_of(p):
        return _resolve(p, inputs, results)

    chosen = next((c for c in entity.if_cases if c.expr.eval(value_of)), entity.else_case)
    if chosen.error is not None:
        raise ValueError(chosen.error)
    _execute(chosen.node, inputs, results)
    out = results[chosen.node]
    return {v: out[v] for v in entity.output_types}


def run_workflow(wf, kwargs: Dict[str, Any]) -> Any:
    """Run ``wf`` with Python inputs; returns its outputs as a call of the workflow function would."""
    from autoc.core.context import ExecutionMode, execution_mode

    wf.compile()  # a mistake in the body first, as flytekit (which compiles at the decorator) reports it
    iface = wf.python_interface
    owner = f"workflow {wf.name}"
    inputs: Dict[str, Any] = {}
    for name, t in iface.inputs.items():
        if name in kwargs:
            inputs[name] = _round_trip(owner, "input", name, kwargs[name], t)
        elif name in iface.defaults:
            inputs[name] = iface.defaults[name]
        else:
            raise TypeEngineError(f"{owner}: required input '{name}' is not given",
                                  hint="its inputs are: " + ", ".join(iface.inputs))
    results: Dict[Any, Dict[str, Any]] = {}
    with execution_mode(ExecutionMode.LOCAL_WORKFLOW_EXECUTION):
        node = None
        try:
            for node in wf.nodes:
                try:
                    _execute(node, inputs, results)
                except AutocError as e:  # a value the node cannot take or give: point at its call in the body
                    e.where = e.where or node.where
                    raise
        except Exception as e:
            handler = wf.failure_node
            if handler is not None:
                args = {k: _resolve(v, inputs, {}) for k, v in handler.inputs.items()}
                if "err" in handler.entity.python_interface.inputs:
                    from autoc.types.error import FlyteError

                    args["err"] = FlyteError(message=str(e), failed_node_id=node.id if node is not None else "")
                _run_node(handler.entity, args)
            raise
        out = {k: _round_trip(owner, "output", k, _resolve(v, inputs, results), iface.outputs[k])
               for k, v in wf.output_bindings.items()}
    if not out:
        return None
    if len(out) == 1 and iface.output_tuple is None:
        return next(iter(out.values()))
    if iface.output_tuple is not None:
        return iface.output_tuple(**out)
    return _default_named_tuple(tuple(out))(**out)  # flytekit's: outputs read by name too (r.o0, r.total)


def _default_named_tuple(names):
    """flytekit's ``DefaultNamedTupleOutput`` for these output names (one class per set of names)."""
    import collections

    cls = _NAMED_TUPLES.get(names)
    if cls is None:
        cls = _NAMED_TUPLES[names] = collections.namedtuple("DefaultNamedTupleOutput", names)
    return cls


_NAMED_TUPLES: Dict[tuple, type] = {}

