"""A task class with its own config type: ``PythonAutoContainerTask[Config]``, as flytekit plugins are written."""

import dataclasses
import typing

from autoc import Interface, PythonAutoContainerTask, kwtypes


@dataclasses.dataclass
class Repeat:
    times: int


class Repeater(PythonAutoContainerTask[Repeat]):
    def __init__(self, name: str, task_config: Repeat, **kwargs):
        super().__init__(name=name, task_config=task_config,
                         interface=Interface(inputs=kwtypes(word=str), outputs=kwtypes(o0=str)), **kwargs)

    def execute(self, **kwargs) -> typing.Any:
        return kwargs["word"] * self.task_config.times


thrice = Repeater(name="workflows.generic.thrice", task_config=Repeat(times=3))
