"""Task resolvers. ``default_task_resolver`` lives here so its location is ``autoc.resolvers.default_task_resolver``."""

from autoc.resolvers.base import TaskResolverMixin
from autoc.resolvers.default import DefaultTaskResolver
from autoc.resolvers.notebook import (DefaultNotebookTaskResolver, PickledEntity, PickledEntityMetadata,
                                      pickle_entities)

default_task_resolver = DefaultTaskResolver()
default_notebook_task_resolver = DefaultNotebookTaskResolver()

__all__ = ["TaskResolverMixin", "DefaultTaskResolver", "DefaultNotebookTaskResolver", "PickledEntity",
           "PickledEntityMetadata", "default_task_resolver", "default_notebook_task_resolver", "pickle_entities"]
