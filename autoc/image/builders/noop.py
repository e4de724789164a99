"""The ``noop`` builder: builds nothing; the spec's ``base_image`` is the image its tasks run as, used as is."""

from __future__ import annotations

from typing import Optional

from autoc.errors import ImageConfigError
from autoc.image.builder import ImageSpecBuilder, require_image


class NoOpBuilder(ImageSpecBuilder):
    """The reference is ``base_image`` (as flytekit's noop builder returns it); it must exist."""

    builder_type = "noop"
    supported_fields = frozenset({"base_image", "runtime_packages", "python_version"})
    built_status = "as-is"

    def image_reference(self, image_spec) -> str:
        if not isinstance(image_spec.base_image, str) or not image_spec.base_image:
            raise ImageConfigError(f"ImageSpec {image_spec.name}: base_image must be a string to use the noop image "
                                   f"builder (the existing image it names is used as is)", hint='ImageSpec(base_image="ghcr.io/acme/base:3.11", '
                                                                      'builder="noop")')
        return image_spec.base_image

    def should_build(self, image_spec, assume_exists: bool = False) -> bool:
        from autoc.image.registry import image_exists

        ref = self.image_reference(image_spec)
        require_image(ref, image_exists(ref), assume_exists, prefix="noop builder: ",
                      missing_hint="push it first, or use the docker builder")
        return True

    def build_image(self, image_spec) -> Optional[str]:
        return self.image_reference(image_spec)  # should_build, which always runs first, checked that it exists

    def plan(self, image_spec) -> str:
        return f"# builder 'noop': {self.image_reference(image_spec)} is used as is; nothing is built\n"
