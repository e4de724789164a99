"""Sensors: tasks that wait until a condition holds (``FileSensor``: a path exists). Flyte runs them in its
connector service (flytekit's sensor engine), not in a task container: the spec names the sensor's module and
class, which that service imports."""

from __future__ import annotations

import collections
import datetime
import inspect
import typing
from typing import Any, Dict, Optional, Union

from autoc.core.interface import Interface
from autoc.core.metadata import TaskMetadata
from autoc.core.node import user_site
from autoc.core.task import PythonTask
from autoc.errors import TaskDefinitionError


class BaseSensor(PythonTask):
    """Subclass it and define ``async def poke(self, **inputs) -> bool`` (the inputs are the task's inputs)."""

    #: (module, class) the connector imports; None: this class's own
    _SENSOR_CLASS: Optional[typing.Tuple[str, str]] = None

    def __init__(self, name: str, timeout: Optional[Union[datetime.timedelta, int]] = None, sensor_config=None,
                 task_type: str = "sensor", **kwargs):
        hints = typing.get_type_hints(self.poke, include_extras=True)
        inputs = collections.OrderedDict((k, hints.get(k)) for k in inspect.signature(self.poke).parameters)
        metadata = kwargs.pop("metadata", None)
        if metadata is not None and timeout is not None:
            if metadata.timeout is not None:
                raise TaskDefinitionError(f"sensor {name}: You cannot set both timeout and metadata parameters at "
                                          f"the same time in the sensor", where=user_site(),
                                          hint="give timeout= or metadata=TaskMetadata(timeout=...), not both")
            metadata.timeout = timeout
            metadata.__post_init__()
        elif metadata is None:
            metadata = TaskMetadata(timeout=timeout) if timeout else TaskMetadata()
        super().__init__(task_type=task_type, name=name, task_config=None, interface=Interface(inputs=inputs),
                         metadata=metadata, **kwargs)
        self._sensor_config = sensor_config

    async def poke(self, **kwargs) -> bool:
        raise NotImplementedError

    def get_custom(self, settings) -> Dict[str, Any]:
        module, cls = self._SENSOR_CLASS or (type(self).__module__, type(self).__name__)
        config = self._sensor_config.to_dict() if self._sensor_config else None
        return {"sensor_module": module, "sensor_name": cls, "sensor_config": config, "inputs": None}

    def execute(self, **kwargs) -> Any:
        import asyncio

        return asyncio.run(self.poke(**kwargs))


class FileSensor(BaseSensor):
    """``FileSensor(name=, timeout=)``; called with ``path=`` (local, or a remote URL such as s3://...)."""

    # the connector runs flytekit's FileSensor in both flavors (autoc's class is not in the connector's image)
    _SENSOR_CLASS = ("flytekit.sensor.file_sensor", "FileSensor")

    def __init__(self, name: str, timeout: Optional[Union[datetime.timedelta, int]] = None, **kwargs):
        super().__init__(name=name, timeout=timeout, **kwargs)

    async def poke(self, path: str) -> bool:
        import fsspec

        fs, p = fsspec.core.url_to_fs(path)
        return fs.exists(p)


__all__ = ["BaseSensor", "FileSensor"]
