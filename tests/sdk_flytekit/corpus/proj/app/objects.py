"""Task objects and a custom resolver, found again by the variable they are assigned to."""

import typing

from flytekit import PythonInstanceTask, Resources, kwtypes
from flytekit.core.interface import Interface


class Echo(PythonInstanceTask):
    """A task object: configuration goes to the constructor, inputs to execute()."""

    def __init__(self, name: str, prefix: str, **kwargs):
        super().__init__(name=name, task_config=None,
                         interface=Interface(inputs=kwtypes(message=str), outputs=kwtypes(o0=str)), **kwargs)
        self.prefix = prefix

    def execute(self, **kwargs) -> typing.Any:
        return self.prefix + kwargs["message"]


shout = Echo(name="examples.shout", prefix="!!! ", requests=Resources(cpu="1"))
whisper = Echo(name="examples.whisper", prefix="... ", environment={"QUIET": "1"})
