"""The output flavor: what the container runs and what the spec says made it.

Two flavors exist: autoc's (``autoc execute``, autoc's resolver, runtime ``autoc``) and flytekit's (``pyflyte-execute``,
flytekit's resolver location, runtime ``flytekit``), chosen once by ``--sdk``. Translation asks the flavor in
``settings.flavor``; it never tests which flavor it has.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, List, Mapping, Optional, Tuple

from autoc.image.runtime import AUTOC_RUNTIME, ImageRuntime

# stand for the code bundle's URL and destination while they are not known (flytekit writes the same)
REMOTE_PACKAGE_PATH = "{{ .remote_package_path }}"
DEST_DIR = "{{ .dest_dir }}"
_TASK_ARGS = ("--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}",
              "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
              "--checkpoint-path", "{{.checkpointOutputPrefix}}", "--prev-checkpoint", "{{.prevCheckpointPrefix}}")


@dataclasses.dataclass(frozen=True)
class OutputFlavor:
    """Everything in a serialized spec that names the SDK running in the container."""

    sdk: str
    version: str
    #: the words before ``--inputs``
    execute: Tuple[str, ...]
    #: for fast registration: a separate entrypoint that unpacks the bundle, then ``--`` and ``execute``;
    #: None: ``execute`` itself takes ``--additional-distribution`` and ``--dest-dir``
    fast_execute: Optional[Tuple[str, ...]] = None
    #: where the container finds autoc's own resolvers, by their autoc location
    resolver_locations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    #: an ImageSpec as this SDK's serializer sees it (e.g. flytekit copies the loaded modules when not fast)
    image_spec: Optional[Callable] = None
    #: the image of tasks that name none when no default image is given (flytekit's published image)
    default_image: Optional[str] = None
    #: what ``build-image`` installs into an ImageSpec image to run ``execute`` (autoc, or flytekit at ``version``)
    image_runtime: ImageRuntime = AUTOC_RUNTIME
    #: pyflyte's bugs this flavor reproduces in the specs it writes (names in ``PYFLYTE_QUIRKS``); autoc's has none
    quirks: frozenset = frozenset()

    def resolver_location(self, resolver) -> str:
        loc = resolver.location
        return self.resolver_locations.get(loc, loc)

    def command(self, resolver, loader_args: List[str], settings) -> List[str]:
        """The container args: entrypoint, the task's templates, ``--resolver R -- loader args``."""
        args = list(self.execute)
        if settings.should_fast_serialize():
            fss = settings.fast_serialization_settings
            fast = ["--additional-distribution", fss.distribution_location or REMOTE_PACKAGE_PATH,
                    "--dest-dir", fss.destination_dir or DEST_DIR]
            args = [*self.fast_execute, *fast, "--", *args] if self.fast_execute else [*args, *fast]
        return args + [*_TASK_ARGS, "--resolver", self.resolver_location(resolver), "--", *loader_args]

    def runtime_metadata(self):
        """``RuntimeMetadata`` naming the SDK and its version (one message per flavor; callers copy it)."""
        m = self.__dict__.get("_runtime")
        if m is None:
            from flyteidl.core import tasks_pb2

            m = tasks_pb2.RuntimeMetadata(type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version=self.version,
                                          flavor="python")
            self.__dict__["_runtime"] = m
        return m

    def container_image(self, spec, settings):
        """The ImageSpec whose ``image_name()`` the container names."""
        return self.image_spec(spec, settings) if self.image_spec is not None else spec


#: pyflyte 1.16's bugs that ``--sdk flytekit`` writes as pyflyte does (autoc's own flavor fixes them):
#: subworkflows called in a branch of a nested conditional left out of ``sub_workflows``; a one-hour node timeout
#: on every ``sleep`` gate; a ``with_overrides(container_image=...)`` template written unexpanded; a later
#: ``with_overrides`` without ``accelerator`` (or ``cache``) dropping an earlier one's.
PYFLYTE_QUIRKS = frozenset({"nested_branch_subworkflows", "sleep_gate_timeout", "override_image_unexpanded",
                            "override_accelerator_dropped", "override_cache_dropped"})


def autoc_flavor() -> OutputFlavor:
    from autoc import __version__

    return OutputFlavor(sdk="autoc", version=__version__, execute=("autoc", "execute"))


AUTOC = autoc_flavor()


def flavor_of(sdk: str, version: Optional[str] = None) -> OutputFlavor:
    """The one chooser: the output flavor of an SDK face (``--sdk``, or the face user code imported its
    ``SerializationSettings`` from)."""
    if sdk == "autoc":
        return AUTOC
    from autoc.sdk.flytekit.flavor import flytekit_flavor

    return flytekit_flavor(version)
