"""The one seam between the authoring model and the layers above it.

``core`` imports nothing above it (ARCHITECTURE.md; ``tests/test_import_graph.py`` checks it). A few methods
that flytekit's API puts on core's objects do their work above core: a task's ``get_container`` / ``get_k8s_pod``
(and the command, image and extended resources around them) and a launch plan's ``parameters`` are translation's,
running a task or a workflow locally is the runtime's, the default resolver is a resolver. They delegate through
``above(name)``: the module doing that work, named once in ``ABOVE`` and imported the first time it is asked for,
as ``autoc.types.base.LAZY`` names the modules of lazily registered transformers.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Dict

#: what core delegates -> the module above core that does it
ABOVE: Dict[str, str] = {
    "translate": "autoc.serialize.translate",
    "translate_launch_plan": "autoc.serialize.translate_launch_plan",
    "order": "autoc.serialize.order",
    "dispatch": "autoc.runtime.dispatch",
    "local_workflow": "autoc.runtime.local_workflow",
    "resolvers": "autoc.resolvers",
    "map_task_resolver": "autoc.resolvers.map_task",
    "eager_resolver": "autoc.resolvers.eager",
    "translate_dynamic": "autoc.serialize.translate_dynamic",
    "settings": "autoc.serialize.settings",
    "runtime_context": "autoc.runtime.context",
    "runtime_errors": "autoc.runtime.errors",
    "image_config": "autoc.image.config",
    "flytekit_flavor": "autoc.sdk.flytekit.flavor",
}
_LOADED: Dict[str, ModuleType] = {}


def above(name: str) -> ModuleType:
    """The module ``ABOVE[name]``, imported on first use."""
    module = _LOADED.get(name)
    if module is None:
        module = _LOADED[name] = importlib.import_module(ABOVE[name])
    return module
