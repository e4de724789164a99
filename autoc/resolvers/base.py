"""TaskResolverMixin: how a container finds its task again from the strings written into the spec.

At serialize time ``loader_args(settings, task)`` gives strings that go after ``--`` in the container args; in
the container ``load_task(loader_args)`` turns them back into the task. The resolver itself is found by its
``location`` (``module.variable``), so resolver instances are tracked like task objects.
"""

from __future__ import annotations

import abc
from typing import List, Optional

from autoc.core.tracker import FlyteTrackedABC, TrackedInstance


class TaskResolverMixin(TrackedInstance, metaclass=FlyteTrackedABC):
    """Subclass and instantiate at module level; ``location`` is then ``module.variable``."""

    @property
    def location(self) -> str:
        return super().location

    @abc.abstractmethod
    def name(self) -> str:
        ...

    @abc.abstractmethod
    def load_task(self, loader_args: List[str]):
        """Given the strings from ``loader_args``, return the one task they name, or raise."""

    @abc.abstractmethod
    def loader_args(self, settings, t) -> List[str]:
        """Strings that identify ``t`` for ``load_task``."""

    def get_all_tasks(self) -> list:
        raise NotImplementedError

    def task_name(self, t) -> Optional[str]:
        """Optionally a custom name for ``t``; None keeps the task's own name."""
        return None
