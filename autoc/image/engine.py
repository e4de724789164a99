"""ImageBuildEngine: a registry of named image builders; picks one per ImageSpec and builds each spec once.

Builders are classes with one abstract method (``build_image``); third-party builders register through the
``autoc.image_builders`` entry-point group and are not imported until a build happens.
"""

from __future__ import annotations

import abc
import dataclasses
import time
from typing import Callable, Dict, FrozenSet, Optional, Tuple

from autoc.errors import ImageConfigError

#: ImageSpec fields every builder honours (naming and picking the image), on top of its ``supported_fields``.
ALWAYS_SUPPORTED = frozenset({"name", "registry", "platform", "builder", "tag_format"})


def distinct_image_specs(tasks) -> list:
    """Distinct ImageSpecs of ``tasks`` (by reference), in task order."""
    from autoc.image.spec import ImageSpec

    seen = {}
    for t in tasks:
        img = getattr(t, "container_image", None)
        if isinstance(img, ImageSpec):
            seen.setdefault(img.image_name(), img)
    return list(seen.values())


def require_image(what: str, exists: Optional[bool], assume_exists: bool, *, prefix: str = "",
                  missing_hint: Optional[str] = None) -> bool:
    """Whether the image ``what`` names exists, from a registry's tri-state answer (``image_exists``,
    ``ImageSpec.exist``). "Could not tell" (None) is an error unless ``assume_exists``, which counts it as existing
    (as flytekit does). With ``missing_hint``, a missing image is an error too."""
    if exists is None:
        if not assume_exists:
            raise ImageConfigError(f"{prefix}could not tell whether {what} exists in its registry",
                                   hint="check the registry address and credentials, or pass --assume-images-exist")
        return True
    if not exists and missing_hint is not None:
        raise ImageConfigError(f"{prefix}{what} does not exist in its registry", hint=missing_hint)
    return exists


class ImageSpecBuilder(abc.ABC):
    """Builds (and pushes) the image an ImageSpec describes. ``supported_fields`` lists the ImageSpec fields it
    honours; a spec that sets any other field is refused rather than silently built without it."""

    builder_type: str = ""
    supported_fields: FrozenSet[str] = frozenset()
    #: Run options the engine sets on the builder it picks, before it builds.
    offline: bool = False
    progress: Callable[[str], None] = staticmethod(lambda line: None)
    #: What the last build pushed, for the engine to report.
    last_digest: Optional[str] = None

    @abc.abstractmethod
    def build_image(self, image_spec) -> Optional[str]:
        """Build and push; return the pushed reference when it differs from ``image_spec.image_name()``."""

    def should_build(self, image_spec, assume_exists: bool = False) -> bool:
        """Build when the image is missing or a push is forced; "could not tell" never counts as "exists"."""
        exists = require_image(image_spec.image_name(), image_spec.exist(), assume_exists)
        return image_spec.is_force_push if exists else True

    def unsupported_fields(self, image_spec) -> Tuple[str, ...]:
        allowed = ALWAYS_SUPPORTED | set(self.supported_fields)
        return tuple(f.name for f in dataclasses.fields(image_spec)
                     if getattr(image_spec, f.name) is not None and f.name not in allowed)


class NoOpBuilder(ImageSpecBuilder):
    """Builds nothing: the spec's ``base_image`` is the image, and it must exist."""

    builder_type = "noop"
    supported_fields = frozenset({"base_image", "runtime_packages", "python_version"})

    def should_build(self, image_spec, assume_exists: bool = False) -> bool:
        from autoc.image.registry import image_exists

        if not isinstance(image_spec.base_image, str):
            raise ImageConfigError("base_image must be a string to use the noop image builder")
        require_image(image_spec.base_image, image_exists(image_spec.base_image), assume_exists,
                      prefix="noop builder: ", missing_hint="push it first, or use the docker builder")
        return True

    def build_image(self, image_spec) -> Optional[str]:
        return image_spec.base_image  # should_build, which always runs first, checked that it exists


@dataclasses.dataclass(frozen=True)
class BuildRecord:
    """What happened to one image in a run."""

    reference: str
    digest: Optional[str]
    status: str  # "built" or "skipped"
    seconds: float
    builder: str


class ImageBuildEngine:
    """The registry of builders (``register``/``get_registry``) and ``build(spec)``."""

    _REGISTRY: Dict[str, Tuple[ImageSpecBuilder, int]] = {}
    _IMAGE_NAME_TO_REAL_NAME: Dict[str, str] = {}
    _BUILT: Dict[str, BuildRecord] = {}
    _plugins_loaded = False

    @classmethod
    def register(cls, builder_type: str, image_spec_builder: ImageSpecBuilder, priority: int = 5) -> None:
        cls._REGISTRY[builder_type] = (image_spec_builder, priority)

    @classmethod
    def get_registry(cls) -> Dict[str, Tuple[ImageSpecBuilder, int]]:
        if "docker" not in cls._REGISTRY:
            from autoc.image.builders.docker import DockerImageBuilder  # no Docker SDK import until a build

            docker_builder = DockerImageBuilder()
            cls._REGISTRY.setdefault("docker", (docker_builder, 1))
            cls._REGISTRY.setdefault("default", (docker_builder, 1))  # flytekit's name for its default builder
        cls._load_plugins()
        return cls._REGISTRY

    @classmethod
    def _load_plugins(cls) -> None:
        if cls._plugins_loaded:
            return
        cls._plugins_loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group="autoc.image_builders"):
            obj = ep.load()
            builder = obj() if isinstance(obj, type) else obj
            cls.register(getattr(builder, "builder_type", ep.name) or ep.name, builder,
                         getattr(builder, "priority", 5))

    @classmethod
    def _get_builder(cls, name: Optional[str]) -> ImageSpecBuilder:
        reg = cls.get_registry()
        if name is None:
            if not reg:
                raise ImageConfigError("There is no image builder registered.",
                                       hint="ImageBuildEngine.register(name, builder, priority), or install a "
                                            "package that provides one (entry-point group autoc.image_builders)")
            return max(reg.values(), key=lambda bp: bp[1])[0]
        if name not in reg:
            raise ImageConfigError(f"Image builder {name} is not registered.",
                                   hint=f"registered builders: {', '.join(sorted(reg)) or 'none'}")
        return reg[name][0]

    @classmethod
    def build(cls, image_spec) -> Optional[str]:
        """Build ``image_spec`` unless it exists (or was built in this run); return the pushed reference."""
        from autoc.core.context import is_registration_mode

        if not is_registration_mode():
            return None
        return cls.build_record(image_spec).reference

    @classmethod
    def build_record(cls, image_spec, assume_exists: bool = False, offline: bool = False,
                     progress: Optional[Callable[[str], None]] = None) -> BuildRecord:
        """Build (base images first) unless the image exists; each distinct spec at most once per process.
        ``offline`` and ``progress`` are handed to whichever builder the spec gets."""
        from autoc.image.spec import ImageSpec

        key = image_spec.image_name()
        if key in cls._BUILT:
            return cls._BUILT[key]
        if isinstance(image_spec.base_image, ImageSpec):
            cls.build_record(image_spec.base_image, assume_exists, offline, progress)
        builder = cls._get_builder(image_spec.builder)
        builder.offline = offline
        builder.progress = progress if progress is not None else (lambda line: None)
        bad = builder.unsupported_fields(image_spec)
        if bad:
            raise ImageConfigError(f"ImageSpec {image_spec.name}: builder {builder.builder_type!r} does not "
                                   f"support {', '.join(bad)}", hint="remove those fields or pick another builder")
        started = time.monotonic()
        status, reference, digest = "skipped", key, None
        if builder.should_build(image_spec, assume_exists=assume_exists):
            pushed = builder.build_image(image_spec)
            status = "built"
            digest = builder.last_digest
            if pushed is not None and pushed != key:
                cls._IMAGE_NAME_TO_REAL_NAME[key] = pushed
                reference = pushed
        if digest is None and image_spec.registry:
            from autoc.image.registry import manifest_digest

            digest = manifest_digest(reference)
        record = BuildRecord(reference, digest, status, time.monotonic() - started, builder.builder_type)
        cls._BUILT[key] = record
        return record


ImageBuildEngine.register("noop", NoOpBuilder(), 0)
