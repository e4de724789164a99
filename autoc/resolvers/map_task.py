"""The map-task resolver: ``vars <bound inputs> resolver <the mapped task's resolver> <its loader args>``.

flytekit's ``ArrayNodeMapTaskResolver`` args, read back the same way: the mapped task is loaded by its own resolver
and wrapped again as a map task with those bound inputs (the element to run is chosen by the array index).
"""

from __future__ import annotations

from typing import List

from autoc.core.timeit import timeit
from autoc.errors import AutocError


class ArrayNodeMapTaskResolver:
    """Loads a map task from its container args; ``location`` names the class (the container instantiates it)."""

    location = "autoc.resolvers.map_task.ArrayNodeMapTaskResolver"

    def name(self) -> str:
        return self.location

    def loader_args(self, settings, t) -> List[str]:
        inner = t.python_function_task
        resolver = inner.task_resolver
        return ["vars", ",".join(sorted(t.bound_inputs)), "resolver", settings.flavor.resolver_location(resolver),
                *resolver.loader_args(settings, inner)]

    @timeit("Load map task")
    def load_task(self, loader_args: List[str], max_concurrency: int = 0):
        args = list(loader_args)
        if len(args) < 4 or args[0] != "vars" or args[2] != "resolver":
            raise AutocError(f"map task resolver: expected 'vars V resolver R ...', got {' '.join(args)!r}",
                             hint="the container args after '--' must be those written by autoc serialize")
        from autoc.runtime.execute import load_resolver

        inner = load_resolver(args[3]).load_task(loader_args=args[4:])
        bound = {v for v in args[1].split(",") if v}
        return self._map_task_class()(inner, bound_inputs=bound)

    def _map_task_class(self):
        from autoc.core.array_node_map_task import ArrayNodeMapTask

        return ArrayNodeMapTask


class MapTaskResolver(ArrayNodeMapTaskResolver):
    """The resolver of flytekit's legacy map task (``container_array``): the same args, loaded as a
    ``MapPythonTask``."""

    location = "autoc.resolvers.map_task.MapTaskResolver"

    def _map_task_class(self):
        from autoc.core.legacy_map_task import MapPythonTask

        return MapPythonTask
