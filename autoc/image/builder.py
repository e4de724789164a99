"""The image builder plugin interface: what the engine asks of a builder, and nothing else.

The engine and every builder import this module; it imports neither of them (hatchling's plugin shape). A builder
is an ``ImageSpecBuilder`` subclass, or any object with flytekit's builder methods (``build_image``, optionally
``should_build``), which ``adapt`` wraps.
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
from typing import Any, Callable, FrozenSet, Optional, Tuple

from autoc.errors import ImageConfigError
from autoc.image.runtime import AUTOC_RUNTIME, ImageRuntime

#: ImageSpec fields every builder honours (naming and picking the image), on top of its ``supported_fields``.
ALWAYS_SUPPORTED = frozenset({"name", "registry", "platform", "builder", "tag_format"})


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
    """Builds (and pushes) the image an ImageSpec describes.

    - ``image_reference(spec)``: the reference tasks using ``spec`` run as. Pure (no build, no network):
      serialize, register and build-image all ask it, so it must name what ``build_image`` pushes.
    - ``supported_fields``: the ImageSpec fields it honours; a spec setting any other is refused rather than
      silently built without it (None: the builder checks fields itself).
    - ``plan(spec)``: what ``build-image --dry-run`` prints (for the docker builder, the Dockerfile).
    """

    builder_type: str = ""
    supported_fields: Optional[FrozenSet[str]] = frozenset()
    #: Status of a spec this builder "built": "built", or "as-is" for a builder that uses an existing image.
    built_status: str = "built"
    #: Run options the engine sets on the builder it picks, before it builds.
    offline: bool = False
    #: what runs the container command, installed into the image (the output flavor's ``image_runtime``)
    runtime: ImageRuntime = AUTOC_RUNTIME
    progress: Callable[[str], None] = staticmethod(lambda line: None)  # every line of build output
    steps: Callable[[str], None] = staticmethod(lambda line: None)  # one line per finished step, with its time
    #: What the last build pushed, for the engine to report.
    last_digest: Optional[str] = None

    @abc.abstractmethod
    def build_image(self, image_spec) -> Optional[str]:
        """Build and push; return the pushed reference (None: ``image_reference(image_spec)``)."""

    def image_reference(self, image_spec) -> str:
        return image_spec.image_name()

    def should_build(self, image_spec, assume_exists: bool = False) -> bool:
        """Build when the image is missing or a push is forced; "could not tell" never counts as "exists"."""
        from autoc.image.registry import image_exists

        ref = self.image_reference(image_spec)
        exists = require_image(ref, image_exists(ref), assume_exists)
        return image_spec.is_force_push if exists else True

    def unsupported_fields(self, image_spec) -> Tuple[str, ...]:
        if self.supported_fields is None:
            return ()
        allowed = ALWAYS_SUPPORTED | set(self.supported_fields)
        return tuple(f.name for f in dataclasses.fields(image_spec)
                     if getattr(image_spec, f.name) is not None and f.name not in allowed)

    def plan(self, image_spec) -> str:
        """A human-readable account of what a build would do (``--dry-run``)."""
        return f"# builder {self.builder_type!r} builds {self.image_reference(image_spec)}\n"


class FlytekitShapedBuilder(ImageSpecBuilder):
    """A builder written for flytekit (``build_image``, optionally ``should_build``, ``image_reference``), seen
    through autoc's interface. It checks the spec's fields itself, as it does under flytekit."""

    supported_fields = None

    def __init__(self, name: str, target: Any):
        self.builder_type = getattr(target, "builder_type", None) or name
        self.target = target
        if isinstance(target, ImageSpecBuilder):  # an autoc builder with flytekit's should_build keeps its fields
            self.supported_fields = target.supported_fields
            self.built_status = target.built_status

    def build_image(self, image_spec) -> Optional[str]:
        return self.target.build_image(image_spec)

    def image_reference(self, image_spec) -> str:
        own = getattr(self.target, "image_reference", None)
        return own(image_spec) if callable(own) else image_spec.image_name()

    def should_build(self, image_spec, assume_exists: bool = False) -> bool:
        own = getattr(self.target, "should_build", None)
        if not callable(own):
            return super().should_build(image_spec, assume_exists)
        if "assume_exists" in inspect.signature(own).parameters:
            return own(image_spec, assume_exists=assume_exists)
        return own(image_spec)  # flytekit's signature

    def plan(self, image_spec) -> str:
        own = getattr(self.target, "plan", None)
        return own(image_spec) if callable(own) else super().plan(image_spec)


def adapt(name: str, builder: Any) -> ImageSpecBuilder:
    """``builder`` as an ImageSpecBuilder: itself, or wrapped when it only has flytekit's methods (or overrides
    ``should_build`` with flytekit's signature)."""
    if isinstance(builder, ImageSpecBuilder) and "assume_exists" in inspect.signature(builder.should_build).parameters:
        return builder
    if not callable(getattr(builder, "build_image", None)):
        raise ImageConfigError(f"image builder {name!r} ({type(builder).__name__}) has no build_image method",
                               hint="a builder is an object with build_image(image_spec) (flytekit's interface), "
                                    "or a subclass of autoc.ImageSpecBuilder")
    return FlytekitShapedBuilder(name, builder)
