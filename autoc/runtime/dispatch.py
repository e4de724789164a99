"""Running a task in this process. The literal round trip (inputs.pb -> values -> outputs.pb) is the
type-engine issue's work; until then a local call runs the function directly."""

from __future__ import annotations


def local_execute(task, **kwargs):
    missing = [k for k in task.python_interface.inputs if k not in kwargs and k not in task.python_interface.defaults]
    if missing:
        from autoc.errors import TaskDefinitionError

        raise TaskDefinitionError(f"task {task.name} is missing input(s): {', '.join(missing)}")
    return task.execute(**kwargs)


def dispatch_execute(task, input_literal_map):
    raise NotImplementedError("dispatch_execute needs the type engine's value conversions (not implemented yet)")
