"""Test-only shim: ``autoc.core.legacy_map_task`` as flytekit's module of the same name."""

from flytekit.core.legacy_map_task import MapPythonTask, MapTaskResolver, map_task  # noqa: F401
