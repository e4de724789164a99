"""flytekit constructs autoc does not implement yet. Each is importable under flytekit's name and refuses to be
used, naming the user's file:line, so a module that needs one fails loudly instead of serializing a wrong
workflow (pyflyte accepts them; autoc would otherwise drop the branches, the map or the dynamic body)."""

from __future__ import annotations

from autoc.core.node import not_supported, user_site

_HINT = "keep the workflow linear (task, subworkflow and launch plan calls), or serialize this module with pyflyte " \
        "for now"


def _refuse(construct: str, hint: str = _HINT):
    raise not_supported(construct, where=user_site(2), hint=hint)


def conditional(*args, **kwargs):
    """flytekit's ``conditional(name).if_(...).then(...)``: not supported yet."""
    _refuse("conditional() (branch nodes)", "decide inside a task and return the result, or keep this workflow in "
                                            "pyflyte for now")


def map_task(*args, **kwargs):
    """flytekit's ``map_task(task)``: not supported yet."""
    _refuse("map_task (array nodes)", "write a task that loops over the list, or keep this workflow in pyflyte "
                                      "for now")


def array_node(*args, **kwargs):
    _refuse("array_node")


def dynamic(*args, **kwargs):
    """flytekit's ``@dynamic``: not supported yet."""
    _refuse("@dynamic (dynamic workflows)", "build the workflow statically with @workflow, or keep this one in "
                                            "pyflyte for now")


def eager(*args, **kwargs):
    """flytekit's ``@eager``: not supported yet."""
    _refuse("@eager workflows", "use @workflow, or keep this one in pyflyte for now")


def wait_for_input(*args, **kwargs):
    _refuse("wait_for_input() (gate nodes)")


def approve(*args, **kwargs):
    _refuse("approve() (gate nodes)")


def sleep(*args, **kwargs):
    _refuse("sleep() (gate nodes)")


class ImperativeWorkflow:
    """flytekit's imperative ``Workflow(name=...)`` builder: not supported yet."""

    def __init__(self, *args, **kwargs):
        _refuse("ImperativeWorkflow (Workflow(name=...).add_entity)", "write the workflow as an @workflow function")


Workflow = ImperativeWorkflow

