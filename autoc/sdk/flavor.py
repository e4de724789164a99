"""The output flavor: what the container runs and what the spec says made it.

Two flavors exist: autoc's (``autoc execute``, autoc's resolver, runtime ``autoc``) and flytekit's (``pyflyte-execute``,
flytekit's resolver location, runtime ``flytekit``), chosen once by ``--sdk``. Translation asks the flavor in
``settings.flavor``; it never tests which flavor it has.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Callable, Dict, List, Mapping, Optional, Tuple

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
    #: the words before ``--inputs`` for a map task's element (None: ``execute``)
    map_execute: Optional[Tuple[str, ...]] = None
    #: write a map task once per ``map_task(...)`` call that made it (pyflyte), not once per name
    repeat_map_tasks: bool = False
    #: the serialization settings a dynamic or eager task carries (``_F_SS_C``) name the local source root
    #: (pyflyte); autoc's leave it out, so that a spec does not depend on where the project was checked out
    transport_source_root: bool = False

    def transported(self, settings):
        """The settings a dynamic or eager task carries into its container, in ``_F_SS_C``."""
        if self.transport_source_root or settings.source_root is None:
            return settings.with_serialized_context()
        return dataclasses.replace(settings, source_root=None).with_serialized_context()

    def resolver_location(self, resolver) -> str:
        loc = resolver.location
        return self.resolver_locations.get(loc, loc)

    def command(self, resolver, loader_args: List[str], settings,
                execute: Optional[Tuple[str, ...]] = None) -> List[str]:
        """The container args: entrypoint (``execute``, else the flavor's), the task's templates,
        ``--resolver R -- loader args``."""
        args = list(execute or self.execute)
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
#: ``with_overrides(task_config=...)`` accepted and without effect on the specs (autoc's flavor refuses it)
PYFLYTE_QUIRKS = PYFLYTE_QUIRKS | {"override_task_config_ignored"}


def autoc_flavor() -> OutputFlavor:
    from autoc import __version__

    return OutputFlavor(sdk="autoc", version=__version__, execute=("autoc", "execute"))


AUTOC = autoc_flavor()


#: The flavor of each other SDK face, as ``"module:function(version)"``: a face's package sits above this module
#: and builds its flavor from ``OutputFlavor``, so it is named here and imported when first asked for.
FLAVORS: Dict[str, str] = {"flytekit": "autoc.sdk.flytekit.flavor:flytekit_flavor"}


def flavor_of(sdk: str, version: Optional[str] = None) -> OutputFlavor:
    """The one chooser: the output flavor of an SDK face (``--sdk``, or the face user code imported its
    ``SerializationSettings`` from)."""
    if sdk == "autoc":
        return AUTOC
    module, _, function = FLAVORS[sdk].partition(":")
    return getattr(importlib.import_module(module), function)(version)
