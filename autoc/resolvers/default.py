"""DefaultTaskResolver: ``task-module <module> task-name <variable>``, loaded with importlib."""

from __future__ import annotations

from typing import List

from autoc.core.timeit import timeit
from autoc.core.tracker import import_spec_module
from autoc.errors import AutocError
from autoc.resolvers.base import TaskResolverMixin


class DefaultTaskResolver(TaskResolverMixin):
    """Finds a task by the module that defines it and the module-level variable that holds it."""

    def name(self) -> str:
        return "DefaultTaskResolver"

    def loader_args(self, settings, task) -> List[str]:
        module, var = task.loader_location()
        return ["task-module", module, "task-name", var]

    @timeit("Load task")
    def load_task(self, loader_args: List[str]):
        args = list(loader_args)
        if len(args) < 4 or args[0] != "task-module" or args[2] != "task-name":
            raise AutocError(f"default resolver: expected 'task-module M task-name T', got {' '.join(args)!r}",
                             hint="the container args after '--' must be those written by autoc serialize")
        module = import_spec_module(args[1])
        try:
            return getattr(module, args[3])
        except AttributeError:
            raise AutocError(f"module {args[1]} has no task named {args[3]!r}",
                             hint="the image may hold an older version of the code than the registered spec") \
                from None
