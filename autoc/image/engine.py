"""ImageBuildEngine: a registry of named image builders; picks one per ImageSpec, names the reference the spec runs
as, and builds each spec once.

Builders implement ``autoc.image.builder`` (or only flytekit's ``build_image``); third-party builders register
through the ``autoc.image_builders`` entry-point group and are not imported until an ImageSpec needs a builder.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from autoc.errors import ImageConfigError
from autoc.image.builder import (ALWAYS_SUPPORTED, ImageSpecBuilder, adapt,  # noqa: F401 (public names)
                                 require_image)
from autoc.image.builders.noop import NoOpBuilder
from autoc.image.runtime import AUTOC_RUNTIME, ImageRuntime

ENTRY_POINT_GROUP = "autoc.image_builders"


def distinct_image_specs(tasks, view: Optional[Callable[[Any], Any]] = None) -> list:
    """Distinct ImageSpecs of ``tasks`` (by image name), in task order: each task's ``container_image`` and the
    images of its pod template's containers. ``view``: the spec a task's container names, given the task's (the
    output flavor's ``container_image``; e.g. pyflyte copies the loaded modules into specs that say nothing)."""
    from autoc.image.spec import ImageSpec

    seen: Dict[str, Any] = {}
    for t in tasks:
        images = [getattr(t, "container_image", None)]
        pod = getattr(t, "pod_template", None)
        if pod is not None:
            images += [c.get("image") for c in pod.pod_spec_dict().get("containers") or []]
        for img in images:
            if isinstance(img, ImageSpec):
                img = view(img) if view is not None else img
                seen.setdefault(img.image_name(), img)
    return list(seen.values())


def plugin_entry_points(group: str = ENTRY_POINT_GROUP) -> list:
    """The ``group`` entry points of the installed distributions, read from their ``entry_points.txt`` directly:
    importing ``importlib.metadata`` and its ``entry_points`` took 0.1-0.6 s here, paid by every serialize of a
    task with an ImageSpec; this takes milliseconds. The first distribution of a name on sys.path wins, as with
    importlib."""
    import os
    import re
    import sys

    header = f"[{group}]"
    seen, found = set(), []
    for base in sys.path:
        try:
            names = sorted(os.listdir(base or "."))
        except OSError:
            continue
        for n in names:
            if not n.endswith((".dist-info", ".egg-info")):
                continue
            dist = re.sub(r"[-_.]+", "-", n.rsplit(".", 1)[0].split("-")[0]).lower()
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(base or ".", n, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:
                continue
            if header not in text:
                continue
            section = text.split(header, 1)[1].split("\n[", 1)[0]
            for line in section.splitlines():
                name, eq, value = line.partition("=")
                if eq and not line.lstrip().startswith(("#", ";")):
                    from importlib.metadata import EntryPoint  # a slow import: only when there is a plugin

                    found.append(EntryPoint(name.strip(), value.strip(), group))
    return found


@dataclasses.dataclass(frozen=True)
class BuildRecord:
    """What happened to one image in a run."""

    reference: str
    digest: Optional[str]
    status: str  # "built", "skipped" (it exists) or "as-is" (a builder such as noop that builds nothing)
    seconds: float
    builder: str


@dataclasses.dataclass(frozen=True)
class Choice:
    """The builder picked for a spec, and why."""

    name: str
    builder: ImageSpecBuilder
    reason: str


class ImageBuildEngine:
    """The registry of builders (``register``/``get_registry``), the one answer to "which reference does this
    spec run as" (``reference``), and ``build(spec)``."""

    _REGISTRY: Dict[str, Tuple[Any, int]] = {}
    _ORIGIN: Dict[str, str] = {}
    _IMAGE_NAME_TO_REAL_NAME: Dict[str, str] = {}
    _BUILT: Dict[str, BuildRecord] = {}
    _plugins_loaded = False

    @classmethod
    def register(cls, builder_type: str, image_spec_builder: Any, priority: int = 5, *,
                 origin: str = "ImageBuildEngine.register") -> None:
        """Register a builder: an ``ImageSpecBuilder`` or any object with flytekit's ``build_image``."""
        adapt(builder_type, image_spec_builder)  # refuses an object that cannot build, now rather than later
        cls._REGISTRY[builder_type] = (image_spec_builder, priority)
        cls._ORIGIN[builder_type] = origin

    @classmethod
    def get_registry(cls) -> Dict[str, Tuple[Any, int]]:
        if "docker" not in cls._REGISTRY:
            from autoc.image.builders.docker import DockerImageBuilder  # no Docker SDK import until a build

            docker_builder = DockerImageBuilder()
            for name in ("docker", "default"):  # "default": flytekit's name for its default builder
                if name not in cls._REGISTRY:
                    cls.register(name, docker_builder, 1, origin="built in")
        cls._load_plugins()
        return cls._REGISTRY

    @classmethod
    def _load_plugins(cls) -> None:
        if cls._plugins_loaded:
            return
        cls._plugins_loaded = True
        for ep in plugin_entry_points():
            try:
                obj = ep.load()
            except Exception as e:  # a broken plugin must not hide the others, nor crash without a word
                raise ImageConfigError(f"image builder plugin {ep.name} ({ep.value}) failed to load: {e}",
                                       hint=f"fix or uninstall the package providing the {ENTRY_POINT_GROUP} entry "
                                            f"point {ep.name!r}") from e
            builder = obj() if isinstance(obj, type) else obj
            cls.register(getattr(builder, "builder_type", None) or ep.name, builder,
                         getattr(builder, "priority", 5), origin=f"entry point {ep.value}")

    @classmethod
    def describe_builders(cls) -> List[Tuple[str, int, str]]:
        """(name, priority, origin) of every registered builder, highest priority first (the default first)."""
        reg = cls.get_registry()
        order = sorted(reg, key=lambda n: -reg[n][1])  # stable: among equals, the first registered wins, as in max
        return [(n, reg[n][1], cls._ORIGIN.get(n, "ImageBuildEngine._REGISTRY")) for n in order]

    @classmethod
    def choose(cls, image_spec) -> Choice:
        """The builder for ``image_spec``: the one it names, else the registered one of highest priority."""
        reg = cls.get_registry()
        name = image_spec.builder
        if name is None:
            if not reg:
                raise ImageConfigError("There is no image builder registered.",
                                       hint="ImageBuildEngine.register(name, builder, priority), or install a "
                                            f"package that provides one (entry-point group {ENTRY_POINT_GROUP})")
            name = max(reg, key=lambda n: reg[n][1])
            reason = (f"highest priority ({reg[name][1]}) of the registered builders; "
                      f"pick another with ImageSpec(builder=...)")
        elif name not in reg:
            raise ImageConfigError(f"ImageSpec {image_spec.name}: image builder {name} is not registered.",
                                   hint=f"registered builders: {', '.join(sorted(reg)) or 'none'}")
        else:
            reason = f"ImageSpec(builder={name!r})"
        return Choice(name, adapt(name, reg[name][0]), reason)

    @classmethod
    def _view(cls, image_spec):
        """The spec as builders see it: a base ImageSpec replaced by the reference it runs as (as flytekit)."""
        from autoc.image.spec import ImageSpec

        if isinstance(image_spec.base_image, ImageSpec):
            return image_spec._with_base_reference(cls.reference(image_spec.base_image))
        return image_spec

    @classmethod
    def reference(cls, image_spec) -> str:
        """The image reference tasks using ``image_spec`` run as: the one answer serialize, register and
        build-image (and its --dry-run) share. Pure: asks the spec's builder, builds nothing."""
        return cls.choose(image_spec).builder.image_reference(cls._view(image_spec))

    @classmethod
    def _checked(cls, image_spec, offline: bool, progress: Optional[Callable[[str], None]],
                 steps: Optional[Callable[[str], None]] = None, runtime: Optional[ImageRuntime] = None) -> Choice:
        choice = cls.choose(image_spec)
        builder = choice.builder
        bad = builder.unsupported_fields(image_spec)
        if bad:
            raise ImageConfigError(f"ImageSpec {image_spec.name}: builder {choice.name!r} does not support "
                                   f"{', '.join(bad)}", hint="remove those fields or pick another builder")
        builder.offline = offline
        builder.runtime = runtime if runtime is not None else AUTOC_RUNTIME
        builder.progress = progress if progress is not None else (lambda line: None)
        builder.steps = steps if steps is not None else (lambda line: None)
        return choice

    @classmethod
    def plan(cls, image_spec, offline: bool = False, runtime: Optional[ImageRuntime] = None
             ) -> Tuple[str, Choice, str]:
        """(reference, builder choice, what a build would do) with every check a real build makes before it
        builds, and no build, push or registry request (``build-image --dry-run``). ``runtime``: what runs the
        container command (the output flavor's; autoc's by default)."""
        choice = cls._checked(image_spec, offline, None, runtime=runtime)
        view = cls._view(image_spec)
        return choice.builder.image_reference(view), choice, choice.builder.plan(view)

    @classmethod
    def build(cls, image_spec) -> Optional[str]:
        """Build ``image_spec`` unless it exists (or was built in this run); return its reference."""
        from autoc.core.context import is_registration_mode

        if not is_registration_mode():
            return None
        return cls.build_record(image_spec).reference

    @classmethod
    def build_record(cls, image_spec, assume_exists: bool = False, offline: bool = False,
                     progress: Optional[Callable[[str], None]] = None,
                     steps: Optional[Callable[[str], None]] = None,
                     runtime: Optional[ImageRuntime] = None) -> BuildRecord:
        """Build (base images first) unless the image exists; each distinct spec at most once per process.
        ``offline``, ``progress`` (every output line), ``steps`` (one line per finished step) and ``runtime``
        (what runs the container command: the output flavor's, autoc's by default) are handed to whichever
        builder the spec gets."""
        from autoc.image.spec import ImageSpec

        key = image_spec.image_name()
        if key in cls._BUILT:
            return cls._BUILT[key]
        if isinstance(image_spec.base_image, ImageSpec):
            cls.build_record(image_spec.base_image, assume_exists, offline, progress, steps, runtime)
        choice = cls._checked(image_spec, offline, progress, steps, runtime)
        builder, view = choice.builder, cls._view(image_spec)
        reference = builder.image_reference(view)
        started = time.monotonic()
        status, digest = "skipped", None
        if builder.should_build(view, assume_exists=assume_exists):
            builder.last_digest = None
            pushed = builder.build_image(view)
            status, digest = builder.built_status, builder.last_digest
            if pushed is not None and pushed != reference:
                raise ImageConfigError(
                    f"ImageSpec {image_spec.name}: builder {choice.name!r} pushed {pushed}, but its "
                    f"image_reference() names {reference}, the reference serialize and register write",
                    hint="give the builder an image_reference(image_spec) method that returns what build_image "
                         "pushes (autoc names images without building them)")
        if reference != key:
            cls._IMAGE_NAME_TO_REAL_NAME[key] = reference
        if digest is None and (image_spec.registry or reference != key):
            from autoc.image.registry import manifest_digest

            digest = manifest_digest(reference)
        record = BuildRecord(reference, digest, status, time.monotonic() - started, choice.name)
        cls._BUILT[key] = record
        return record


ImageBuildEngine.register("noop", NoOpBuilder(), 0, origin="built in")
