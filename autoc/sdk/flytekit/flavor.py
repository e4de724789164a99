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
    from autoc.sdk.flytekit.image import as_pyflyte_sees_it

    return OutputFlavor(sdk="flytekit", version=version, execute=("pyflyte-execute",),
                        fast_execute=("pyflyte-fast-execute",), resolver_locations=RESOLVER_LOCATIONS,
                        image_spec=as_pyflyte_sees_it, default_image=default_image(version),
                        image_runtime=image_runtime(version), quirks=PYFLYTE_QUIRKS)


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
