"""The resolver of an eager workflow's cleanup task (``eager failure handler``: the task needs nothing else)."""

from __future__ import annotations

from typing import List

from autoc.resolvers.base import TaskResolverMixin


class EagerFailureTaskResolver(TaskResolverMixin):
    def name(self) -> str:
        return "eager_failure_task_resolver"

    def loader_args(self, settings, t) -> List[str]:
        return ["eager", "failure", "handler"]

    def load_task(self, loader_args: List[str]):
        from autoc.core.eager import EagerFailureHandlerTask

        return EagerFailureHandlerTask(name="no_input_default_cleanup_task", inputs={})


eager_failure_task_resolver = EagerFailureTaskResolver()
