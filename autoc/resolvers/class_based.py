"""ClassStorageTaskResolver: a resolver that holds its tasks and names each by its index (for tasks that no module
variable holds, such as tasks a class or a plugin makes); the container imports the resolver by its location and
asks it for the task at that index."""

from __future__ import annotations

from typing import List

from autoc.errors import TaskDefinitionError, TaskLoadError
from autoc.resolvers.base import TaskResolverMixin


class ClassStorageTaskResolver(TaskResolverMixin):
    """``resolver.add(task)`` at import time, in the same order wherever the module is imported."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mapping: list = []

    def name(self) -> str:
        return "ClassStorageTaskResolver"

    def get_all_tasks(self) -> list:
        return self.mapping

    def add(self, t) -> None:
        self.mapping.append(t)

    def load_task(self, loader_args: List[str]):
        if len(loader_args) != 1 or not loader_args[0].isdigit() or int(loader_args[0]) >= len(self.mapping):
            raise TaskLoadError(f"Unable to load task, received ambiguous loader args {loader_args}, expected one "
                                f"index below {len(self.mapping)}",
                                hint="the resolver's module must add the same tasks in the container as when the "
                                     "spec was written")
        return self.mapping[int(loader_args[0])]

    def loader_args(self, settings, t) -> List[str]:
        if t not in self.mapping:
            raise TaskDefinitionError(f"task {getattr(t, 'name', t)} was not added to {self.name()}",
                                      hint="call resolver.add(task) before serializing it")
        return [str(self.mapping.index(t))]
