"""DefaultNotebookTaskResolver: tasks defined interactively travel as a cloudpickled ``pkl.gz`` file."""

from __future__ import annotations

import dataclasses
import sys
from typing import Dict, List

from autoc.errors import AutocError, TaskLoadError, ValidationError
from autoc.resolvers.base import TaskResolverMixin

PICKLE_FILE_PATH = "pkl.gz"


@dataclasses.dataclass
class PickledEntityMetadata:
    """The Python version (``"3.11.7"``) that wrote the pickle."""

    python_version: str


@dataclasses.dataclass
class PickledEntity:
    """What ``pkl.gz`` holds: metadata and the tasks by name."""

    metadata: PickledEntityMetadata
    entities: Dict[str, object]


class DefaultNotebookTaskResolver(TaskResolverMixin):
    """Loads ``entity-name <name>`` from ``pkl.gz`` in the working directory."""

    def name(self) -> str:
        return "DefaultNotebookTaskResolver"

    def loader_args(self, settings, task) -> List[str]:
        return ["entity-name", task.name]

    def load_task(self, loader_args: List[str]):
        import gzip

        import cloudpickle

        if len(loader_args) < 2 or loader_args[0] != "entity-name":
            raise ValidationError(f"notebook resolver: expected 'entity-name NAME', got {' '.join(loader_args)!r}",
                                  hint="the notebook resolver's loader args are `entity-name <task name>`")
        name = loader_args[1]
        here = f"{sys.version_info.major}.{sys.version_info.minor}"
        try:
            with gzip.open(PICKLE_FILE_PATH, "rb") as f:
                entity = cloudpickle.load(f)
        except TypeError as e:
            raise TaskLoadError(f"The Python version is different from the version used to create the pickle "
                                f"file. Current Python version: {here}.",
                                hint="run the task in an image with the Python version of the notebook") from e
        if not isinstance(entity, PickledEntity):
            raise AutocError(f"The loaded data is not of the correct type. Expected PickledEntity, found "
                             f"{type(entity).__name__}")
        theirs = ".".join(entity.metadata.python_version.split(".")[:2])
        if theirs != here:
            raise TaskLoadError(f"The Python version used to create the pickle file ({theirs}) is different from "
                                f"the current Python version ({here}).",
                                hint=f"use an image with Python {theirs}")
        if name not in entity.entities:
            raise AutocError(f"Entity {name} not found in the pickled object",
                             hint=f"it holds: {', '.join(sorted(entity.entities))}")
        return entity.entities[name]


def pickle_entities(tasks, path: str = PICKLE_FILE_PATH) -> str:
    """Write ``tasks`` (set to use the notebook resolver) into a gzip'd cloudpickle, as flytekit does."""
    import gzip

    import cloudpickle

    resolver = sys.modules["autoc.resolvers"].default_notebook_task_resolver  # the package imports this module
    for t in tasks:
        t.set_resolver(resolver)
    v = sys.version_info
    payload = PickledEntity(PickledEntityMetadata(f"{v.major}.{v.minor}.{v.micro}"), {t.name: t for t in tasks})
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        cloudpickle.dump(payload, f)
    return path
