"""Tasks and a workflow in a package's own ``__init__.py``: pyflyte names them ``workflows.text.__init__.<name>``
and loads the tasks with ``task-module workflows.text.__init__``; autoc writes the same names."""

import typing

from autoc import Interface, PythonInstanceTask, kwtypes, task, workflow


@task
def count_words(text: str) -> (int, str):
    """Count the words of a text; a tuple expression as the annotation gives two outputs, o0 and o1."""
    return len(text.split()), text.upper()


class Reverse(PythonInstanceTask[None]):
    """A task class generic in its (here: no) task config, as flytekit's task classes are."""

    def __init__(self, name: str, **kwargs):
        super().__init__(name=name, task_config=None,
                         interface=Interface(inputs=kwtypes(text=str), outputs=kwtypes(o0=str)), **kwargs)

    def execute(self, **kwargs) -> typing.Any:
        return kwargs["text"][::-1]


reverse = Reverse(name="workflows.text.reverse")


@workflow
def shout(text: str) -> str:
    """A workflow in a package's __init__.py (named workflows.text.__init__.shout), calling an instance task."""
    _, upper = count_words(text=text)
    return reverse(text=upper)


@workflow
def backwards(text: str) -> str:
    return reverse(text=text)
