"""flytekit's map-task resolvers as flytekit code sees them: ``name()`` is flytekit's location (the one pyflyte
writes after ``--resolver``); loading and loader args are autoc's."""

from __future__ import annotations

from autoc.resolvers import map_task as _autoc
from autoc.sdk.flytekit.names import RESOLVER_LOCATIONS


class ArrayNodeMapTaskResolver(_autoc.ArrayNodeMapTaskResolver):
    def name(self) -> str:
        return RESOLVER_LOCATIONS[self.location]


class MapTaskResolver(_autoc.MapTaskResolver):
    def name(self) -> str:
        return RESOLVER_LOCATIONS[self.location]
