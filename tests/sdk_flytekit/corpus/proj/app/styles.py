"""The import forms a flytekit project uses besides ``from flytekit import ...``: the package's attributes and the
documented submodule paths."""

import flytekit
import flytekit.core.task
from flytekit.core.resources import Resources

task = flytekit.task


@task(requests=Resources(cpu="1"))
def via_attribute(x: int) -> int:
    return x


@flytekit.core.task.task
def via_module(x: int) -> int:
    return x
