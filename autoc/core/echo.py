"""``Echo(name, inputs={...})``: a task whose outputs are its inputs (``o0, o1, ...``). Flyte's echo plugin passes
the values through without a container (the task has none); a local run returns the inputs."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

from autoc.core.interface import Interface, default_output_name
from autoc.core.task import PythonTask


class Echo(PythonTask):
    _TASK_TYPE = "echo"

    def __init__(self, name: str, inputs: Optional[Dict[str, Type]] = None, **kwargs):
        outputs = {default_output_name(i): t for i, t in enumerate((inputs or {}).values())}
        super().__init__(task_type=self._TASK_TYPE, name=name, interface=Interface(inputs=inputs, outputs=outputs),
                         **kwargs)

    def execute(self, **kwargs) -> Any:
        values = list(kwargs.values())
        return values[0] if len(values) == 1 else tuple(values)


__all__ = ["Echo"]
