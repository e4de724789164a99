"""flytekit's output flavor: what ``pyflyte serialize`` / ``register`` write for the parts that name the SDK."""

from __future__ import annotations

import functools
import os
import sys

from autoc.image.runtime import ImageRuntime
from autoc.sdk.flavor import PYFLYTE_QUIRKS, OutputFlavor
from autoc.sdk.flytekit.names import RESOLVER_LOCATIONS


@functools.lru_cache(maxsize=None)
def flytekit_flavor(version: str) -> OutputFlavor:
    return OutputFlavor(sdk="flytekit", version=version, execute=("pyflyte-execute",),
                        fast_execute=("pyflyte-fast-execute",), resolver_locations=RESOLVER_LOCATIONS,
                        image_spec=_as_pyflyte_sees_it, default_image=default_image(version),
                        image_runtime=image_runtime(version), quirks=PYFLYTE_QUIRKS,
                        map_execute=("pyflyte-map-execute",), repeat_map_tasks=True, transport_source_root=True)


def _as_pyflyte_sees_it(spec, settings):
    """``autoc.sdk.flytekit.image.as_pyflyte_sees_it``, imported when a task has an ImageSpec (most modules have
    none: the face's ImageSpec and autoc's image builder stay unimported)."""
    from autoc.sdk.flytekit.image import as_pyflyte_sees_it

    return as_pyflyte_sees_it(spec, settings)


def image_runtime(version: str) -> ImageRuntime:
    """What flytekit's default builder puts into an ImageSpec image: flytekit at this version (unpinned for a dev
    version), unless the spec's packages name flytekit; and its environment (no rich tracebacks in task logs)."""
    requirement = "flytekit" if not version or "dev" in version else f"flytekit=={version}"
    return ImageRuntime("flytekit", requirement, env={"FLYTE_SDK_RICH_TRACEBACKS": "0"})


def default_image(version: str) -> str:
    """flytekit's published image for this Python and flytekit version (``FLYTE_INTERNAL_IMAGE`` overrides it)."""
    suffix = "latest" if not version or "dev" in version else version.replace("v", "")
    return os.environ.get("FLYTE_INTERNAL_IMAGE") or \
        f"cr.flyte.org/flyteorg/flytekit:py{sys.version_info.major}.{sys.version_info.minor}-{suffix}"


#: the flytekit release whose published image runs prebuilt flytekit tasks (SQLite3Task) in autoc's own flavor
PREBUILT_FLYTEKIT_VERSION = "1.16.31"


def prebuilt_image(flavor) -> str:
    """The image of a task that runs flytekit's own executor (SQLite3Task): flytekit's published image, of the
    project's flytekit under ``--sdk flytekit`` (as pyflyte), else of ``PREBUILT_FLYTEKIT_VERSION``."""
    return flavor.default_image or default_image(PREBUILT_FLYTEKIT_VERSION)
