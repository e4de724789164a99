"""flytekit's first map task (``flytekit.core.legacy_map_task``): a ``container_array`` task run by Flyte's array
plugin, not an ArrayNode.

``flytekit.map_task`` makes an ArrayNode (``autoc.core.array_node_map_task``); this older kind is still public in
flytekit 1.16 under ``flytekit.core.legacy_map_task.map_task`` and serialized by pyflyte: a task of its own named
``<module>.map_<fn>_<md5 of the bound inputs>`` (no ``-arraynode``), type ``container_array`` version 1, custom
``{"parallelism": "N", "minSuccessRatio": r}`` (flyteidl's ``ArrayJob`` as JSON), the mapped task's container with
the map command, called from a plain task node. In the container, and locally, it runs as the ArrayNode map task
does (one element by the array index; every element in order).
"""

from __future__ import annotations

import functools
import hashlib
from typing import List, Optional, Set

from autoc.core.array_node_map_task import ArrayNodeMapTask
from autoc.core.node import user_site
from autoc.core.seams import above
from autoc.core.task import PythonTask
from autoc.errors import TaskDefinitionError

CONTAINER_ARRAY_TASK = "container_array"


class MapPythonTask(ArrayNodeMapTask):
    """A task mapped over its list inputs by the array plugin (flytekit's ``MapPythonTask``)."""

    is_array_node_map_task = False
    #: each ``map_task(...)`` call is a task of its own, written once per call by pyflyte (as ArrayNode map tasks)
    is_map_task = True

    def __init__(self, python_function_task, concurrency: Optional[int] = None,
                 min_success_ratio: Optional[float] = None, bound_inputs: Optional[Set[str]] = None,
                 where: Optional[str] = None, **kwargs):
        where = where or user_site()
        if isinstance(python_function_task, functools.partial):
            for k, v in python_function_task.keywords.items():
                if isinstance(v, list):
                    raise TaskDefinitionError(f"map_task: the partial binds input '{k}' to a list; map tasks do not "
                                              f"support partial tasks with lists as inputs", where=where,
                                              hint="map over that input instead, or use flytekit.map_task (an "
                                                   "ArrayNode), which binds lists")
        kwargs.pop("max_concurrency", None)  # flytekit's resolver passes it; the container's element needs none
        super().__init__(python_function_task, concurrency=concurrency, min_success_ratio=min_success_ratio,
                         bound_inputs=bound_inputs, where=where, **kwargs)
        self._task_type = CONTAINER_ARRAY_TASK
        self._hash = hashlib.md5(",".join(sorted(self.bound_inputs)).encode()).hexdigest()

    @property
    def name(self) -> str:
        """``<module>.map_<function>_<md5 of the sorted bound inputs>`` (flytekit's name)."""
        return super().name[:-len("-arraynode")]

    @property
    def run_task(self):
        return self._run_task

    def construct_node_metadata(self):
        """A plain task node's metadata (this map task is not an ArrayNode)."""
        return PythonTask.construct_node_metadata(self)

    def get_command(self, settings) -> List[str]:
        resolver = above("map_task_resolver").MapTaskResolver()
        return settings.flavor.command(resolver, resolver.loader_args(settings, self), settings,
                                       execute=settings.flavor.map_execute)

    def get_custom(self, settings):
        """flyteidl's ``ArrayJob`` as JSON: ``parallelism`` (a string, left out when 0 or unset) and
        ``minSuccessRatio``."""
        from flyteidl.plugins import array_job_pb2
        from google.protobuf import json_format

        job = array_job_pb2.ArrayJob(parallelism=self.concurrency or 0)
        if self.min_success_ratio is not None:
            job.min_success_ratio = self.min_success_ratio
        return json_format.MessageToDict(job)


def map_task(task_function, concurrency: int = 0, min_success_ratio: float = 1.0, **kwargs) -> MapPythonTask:
    """flytekit's legacy ``map_task`` (``flytekit.core.legacy_map_task``): a ``container_array`` task over
    ``task_function``'s list inputs; ``flytekit.map_task`` (an ArrayNode) is the one to use in new code."""
    return MapPythonTask(task_function, concurrency=concurrency, min_success_ratio=min_success_ratio,
                         where=kwargs.pop("where", None) or user_site(), **kwargs)
