"""Running a task: literal inputs -> Python values -> the task -> literal outputs.

``autoc execute`` and a plain local call (``add(a=1, b=2)``) go through the same round trip, so a type mistake
shows up on a laptop rather than in the cluster.
"""

from __future__ import annotations

import collections
import functools
from typing import Any, Dict, Tuple

from flyteidl.core import literals_pb2

from autoc.errors import AutocError, TypeEngineError
from autoc.runtime.errors import PhaseError, system_error, user_code_error
from autoc.types import engine


def inputs_to_python(task, lm: literals_pb2.LiteralMap) -> Dict[str, Any]:
    """Python values for every input present in the map; absent inputs fall back to the function defaults."""
    iface = task.python_interface
    unknown = sorted(set(lm.literals) - set(iface.inputs))
    if unknown:
        raise system_error("InputConversionError", TypeEngineError(
            f"task {task.name} has no input(s) named {', '.join(unknown)}", hint=_inputs_hint(iface)))
    values = {}
    for name, t in iface.inputs.items():
        if name not in lm.literals:
            if name in iface.defaults:
                continue
            raise system_error("InputConversionError", TypeEngineError(f"task {task.name}: input '{name}' is missing",
                                                                       hint=_inputs_hint(iface)))
        try:
            values[name] = engine.to_python(lm.literals[name], t)
        except (AutocError, TypeError, ValueError) as e:
            raise system_error("InputConversionError",
                               TypeEngineError(f"task {task.name}, input '{name}': {e}")) from e
    return values


def _inputs_hint(iface) -> str:
    from autoc.core.interface import describe_inputs

    return f"the inputs are: {describe_inputs(iface)}"


def _output_values(task, rval: Any) -> Dict[str, Any]:
    outputs = task.python_interface.outputs
    names = list(outputs)
    if not names:
        return {}
    if len(names) == 1 and not _is_namedtuple_return(task):
        return {names[0]: rval}
    if len(names) == 1 and not isinstance(rval, tuple):  # `-> NamedTuple("Out", a=int)` returning a bare value:
        return {names[0]: rval}  # flytekit takes it as the one field
    if not isinstance(rval, tuple) or len(rval) != len(names):
        raise TypeEngineError(f"task {task.name} declares {len(names)} outputs ({', '.join(names)}) but returned "
                              f"{type(rval).__name__} {rval!r:.80}",
                              hint=f"return a tuple of {len(names)} values, in the order of the annotation")
    return dict(zip(names, rval))


def _is_namedtuple_return(task) -> bool:
    return task.python_interface.output_tuple is not None


def outputs_to_literals(task, rval: Any) -> literals_pb2.LiteralMap:
    """Every output as a Literal; any failure is an OutputConversionError and nothing is returned."""
    try:
        values = _output_values(task, rval)
        lm = literals_pb2.LiteralMap()
        for name, t in task.python_interface.outputs.items():
            lm.literals[name].CopyFrom(engine.to_literal(values[name], t))
        return lm
    except (AutocError, TypeError, ValueError) as e:
        raise system_error("OutputConversionError", TypeEngineError(f"task {task.name}: {e}")) from e


def call_task(task, values: Dict[str, Any]) -> Any:
    """pre_execute, execute, post_execute; exceptions from user code become USER errors."""
    try:
        params = task.pre_execute(None)
        rval = task.execute(**values)
        return task.post_execute(params, rval)
    except PhaseError:
        raise
    except Exception as e:  # the user's code may raise anything
        raise user_code_error(e) from e


def dispatch_execute(task, input_literal_map: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
    return outputs_to_literals(task, call_task(task, inputs_to_python(task, input_literal_map)))


def local_execute(task, **kwargs) -> Any:
    """Call a task in this process through the literal round trip; returns its Python outputs."""
    from autoc.core.context import ExecutionMode, FlyteContextManager, execution_mode
    from autoc.core.interface import bind_inputs
    from autoc.runtime.context import current_context

    iface = task.python_interface
    kwargs = bind_inputs(f"task {task.name}", iface, (), kwargs)
    lm = literals_pb2.LiteralMap()
    for name, v in kwargs.items():
        try:
            lm.literals[name].CopyFrom(engine.to_literal(v, iface.inputs[name]))
        except AutocError as e:
            e.message = f"task {task.name}, input '{name}': {e.message}"
            raise
    # As in flytekit: a task called inside a local run (a workflow's, another task's) sees that run's mode; a
    # call that starts a run (from plain Python, or from a task running in a container) is LOCAL_TASK_EXECUTION.
    state = FlyteContextManager.current_context().execution_state
    mode = state.mode if state.is_local_execution() else ExecutionMode.LOCAL_TASK_EXECUTION
    with execution_mode(mode, user_space_params=current_context()):
        try:
            out = dispatch_execute(task, lm)
        except PhaseError as e:
            raise e.cause
        values = {k: engine.to_python(out.literals[k], t) for k, t in iface.outputs.items()}
    if not values:
        return None
    if len(values) == 1 and not _is_namedtuple_return(task):
        return next(iter(values.values()))
    if iface.output_tuple is not None:
        return iface.output_tuple(**values)
    return _default_output_tuple(tuple(values))(**values)


@functools.lru_cache(maxsize=None)
def _default_output_tuple(names: Tuple[str, ...]) -> type:
    """What flytekit returns for several outputs without a NamedTuple: ``DefaultNamedTupleOutput(o0=.., o1=..)``."""
    return collections.namedtuple("DefaultNamedTupleOutput", names)
