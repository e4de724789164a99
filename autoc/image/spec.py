"""ImageSpec: a declarative description of a task image, named by a deterministic content hash.

The spec is frozen: its ``id`` and ``tag`` are computed once and can never go stale, so build-image, serialize
and register always name the same reference. ``id`` follows flytekit's algorithm (md5 of the field dict), so a
spec without copied files gets the tag flytekit gives it.
"""

from __future__ import annotations

import base64
import copy as _copy
import dataclasses
import enum
import functools
import hashlib
import os
import re
import sys
from typing import Any, Dict, List, Optional, Tuple, Union

from autoc.errors import ImageConfigError


class CopyFileDetection(enum.Enum):
    """Which source files an image copies: the modules loaded from the source root, all files, or none."""

    LOADED_MODULES = 1
    ALL = 2
    NO_COPY = 3


#: set in images built from a spec to its ``id`` (``is_container``)
IMAGE_ID_ENV = "_F_IMG_ID"
_REGISTRY_RE = re.compile(r"^(localhost:\d{1,5}|([a-z\d\._-]+)(:\d{1,5})?)(/[\w\.-]+)*$")
_LIST_FIELDS = ("packages", "conda_channels", "conda_packages", "apt_packages", "pip_extra_index_url", "entrypoint",
                "commands", "runtime_packages", "copy")
_NOT_HASHED = ("pip_secret_mounts", "builder", "runtime_packages")


def _truthy_env(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "false", "0", "off", "no")


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """The image a task runs in. ``image_name()`` is ``registry/name:tag``; the tag is a hash of the spec."""

    name: str = "flytekit"
    python_version: Optional[str] = None
    builder: Optional[str] = None
    source_root: Optional[str] = None
    env: Optional[Dict[str, str]] = None
    registry: Optional[str] = None
    packages: Optional[List[str]] = None
    conda_packages: Optional[List[str]] = None
    conda_channels: Optional[List[str]] = None
    requirements: Optional[str] = None
    apt_packages: Optional[List[str]] = None
    cuda: Optional[str] = None
    cudnn: Optional[str] = None
    base_image: Optional[Union[str, "ImageSpec"]] = None
    platform: Optional[str] = None
    pip_index: Optional[str] = None
    pip_extra_index_url: Optional[List[str]] = None
    pip_secret_mounts: Optional[List[Tuple[str, str]]] = None
    pip_extra_args: Optional[str] = None
    registry_config: Optional[str] = None
    entrypoint: Optional[List[str]] = None
    commands: Optional[List[str]] = None
    tag_format: Optional[str] = None
    source_copy_mode: Optional[CopyFileDetection] = None
    copy: Optional[List[str]] = None
    python_exec: Optional[str] = None
    runtime_packages: Optional[List[str]] = None
    builder_options: Optional[Dict[str, Any]] = None
    builder_config: Optional[Dict[str, Any]] = None

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        set_("name", (self.name or "").lower())
        if not self.name:
            raise ImageConfigError("ImageSpec needs a name", hint='ImageSpec(name="trainer", ...)')
        if self.registry:
            set_("registry", self.registry.lower())
            if not _REGISTRY_RE.match(self.registry):
                raise ImageConfigError(f"Invalid container registry name {self.registry!r} in ImageSpec {self.name}",
                                       hint="use host[:port][/path], e.g. ghcr.io/acme or localhost:5000")
        if self.platform is None:
            import platform as _platform

            arm = _platform.machine() in ("arm64", "aarch64")
            set_("platform", "linux/arm64" if arm and (self.registry or "").startswith("localhost:")
                 else "linux/amd64")
        for f in _LIST_FIELDS:
            v = getattr(self, f)
            if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v)):
                raise ImageConfigError(f"ImageSpec {self.name}: {f} must be a list of strings or None",
                                       hint=f'{f}=["..."]')
        if self.pip_secret_mounts is not None:
            ok = isinstance(self.pip_secret_mounts, list) and all(
                isinstance(m, tuple) and len(m) == 2 and all(isinstance(x, str) for x in m)
                for m in self.pip_secret_mounts)
            if not ok:
                raise ImageConfigError(f"ImageSpec {self.name}: pip_secret_mounts must be a list of tuples of two "
                                       f"strings or None", hint='pip_secret_mounts=[("src", "dst")]')
        if self.builder_options is not None and not isinstance(self.builder_options, dict):
            raise ImageConfigError(f"ImageSpec {self.name}: builder_options must be a dictionary or None")
        if self.source_root is not None and self.source_copy_mode is None:
            set_("source_copy_mode", CopyFileDetection.LOADED_MODULES)  # as flytekit: a source root is copied
        if self.source_copy_mode is not None and not isinstance(self.source_copy_mode, CopyFileDetection):
            raise ImageConfigError(f"ImageSpec {self.name}: source_copy_mode must be a CopyFileDetection")
        set_("_is_force_push", _truthy_env("FLYTE_FORCE_PUSH_IMAGE_SPEC"))

    # --- identity ------------------------------------------------------------------------------------------------
    @functools.cached_property
    def id(self) -> str:
        """flytekit's spec id: urlsafe base64 of md5 over the repr of the non-None fields."""
        d = dataclasses.asdict(self, dict_factory=lambda kv: {k: v for k, v in kv
                                                              if v is not None and k not in _NOT_HASHED})
        digest = hashlib.md5(str(d).encode("utf-8")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    @functools.cached_property
    def tag(self) -> str:
        """A deterministic hash of everything that changes the image: fields, requirements file contents and
        copied files (never secrets). Computed once per process."""
        changes: Dict[str, Any] = {"registry_config": None}
        if isinstance(self.base_image, ImageSpec):
            changes["base_image"] = self.base_image.image_name()
        if self.source_copy_mode is not None and self.source_copy_mode != CopyFileDetection.NO_COPY:
            if not self.source_root:
                raise ImageConfigError(f"Field source_root for image spec {self.name} must be set when copy is set",
                                       hint="ImageSpec(source_root='.', source_copy_mode=...)")
            changes["source_root"] = self._source_digest(self.source_root, self.source_copy_mode)
        if self.copy:
            changes["copy"] = self._copy_digest(self.copy)
        if self.requirements:
            try:
                with open(self.requirements, "rb") as f:
                    changes["requirements"] = hashlib.sha1(f.read().strip()).hexdigest()
            except OSError as e:
                raise ImageConfigError(f"ImageSpec {self.name}: cannot read requirements {self.requirements}: "
                                       f"{e.strerror}") from e
        tag = _replace_quietly(self, changes).id.replace("-", "_")
        if self.tag_format:
            return self.tag_format.format(spec_hash=tag)
        return tag

    # the digests of copied files that go into the tag (the flytekit face swaps in flytekit's, autoc.sdk.flytekit)
    def _source_digest(self, source_root: str, mode: CopyFileDetection) -> str:
        from autoc.image.source import source_digest

        return source_digest(source_root, mode)

    def _copy_digest(self, paths: List[str]) -> str:
        from autoc.image.source import paths_digest

        return paths_digest(paths)

    def image_name(self) -> str:
        """``registry/name:tag`` (``name:tag`` without a registry): the spec's own name. The reference its tasks
        run as is the builder's answer (``ImageBuildEngine.reference``): the same for most builders, the base
        image for ``noop``."""
        return f"{self.registry}/{self.name}:{self.tag}" if self.registry else f"{self.name}:{self.tag}"

    def _with_base_reference(self, reference: str) -> "ImageSpec":
        """A copy whose base ImageSpec is replaced by the reference it runs as, keeping this spec's id and tag
        (what builders are given, as flytekit gives them a string base_image)."""
        self.tag, self.id  # noqa: B018 (computed on the original, carried by the copy)
        new = _copy.copy(self)
        object.__setattr__(new, "base_image", reference)
        return new

    def __hash__(self) -> int:
        return hash(self.id)

    # --- builders returning new specs ----------------------------------------------------------------------------
    def _update_attribute(self, attr_name: str, values: Union[str, List[str], Dict[str, Any]]) -> "ImageSpec":
        current = _copy.deepcopy(getattr(self, attr_name))
        if current is None:
            current = {} if isinstance(values, dict) else []
        if isinstance(values, str):
            if not isinstance(current, list):
                raise TypeError(f"Cannot append string to non-list attribute {attr_name}")
            current.append(values)
        elif isinstance(values, list):
            if not isinstance(current, list):
                raise TypeError(f"Cannot extend non-list attribute {attr_name}")
            current.extend(values)
        elif isinstance(values, dict):
            if not isinstance(current, dict):
                raise TypeError(f"Cannot update non-dict attribute {attr_name}")
            current.update(values)
        return dataclasses.replace(self, **{attr_name: current})

    def with_commands(self, commands: Union[str, List[str]]) -> "ImageSpec":
        return self._update_attribute("commands", commands)

    def with_packages(self, packages: Union[str, List[str]]) -> "ImageSpec":
        return self._update_attribute("packages", packages)

    def with_apt_packages(self, apt_packages: Union[str, List[str]]) -> "ImageSpec":
        return self._update_attribute("apt_packages", apt_packages)

    def with_copy(self, src: Union[str, List[str]]) -> "ImageSpec":
        return self._update_attribute("copy", src)

    def with_runtime_packages(self, runtime_packages: List[str]) -> "ImageSpec":
        return self._update_attribute("runtime_packages", runtime_packages)

    def with_builder_options(self, builder_options: Dict[str, Any]) -> "ImageSpec":
        return self._update_attribute("builder_options", builder_options)

    def force_push(self) -> "ImageSpec":
        """A copy that is rebuilt and pushed even when the image already exists."""
        new = dataclasses.replace(self)
        object.__setattr__(new, "_is_force_push", True)
        return new

    @property
    def is_force_push(self) -> bool:
        return self._is_force_push

    @classmethod
    def from_env(cls, *, pinned_packages: Optional[List[str]] = None, **kwargs) -> "ImageSpec":
        """A spec pinned to this interpreter's Python version and the installed versions of ``pinned_packages``."""
        from importlib.metadata import PackageNotFoundError, version

        if "python_version" in kwargs:
            raise ImageConfigError("python_version can not be used with `from_env` because it will be inferred "
                                   "from the environment")
        packages = list(kwargs.pop("packages", None) or [])
        for p in pinned_packages or []:
            try:
                packages.append(f"{p}=={version(p)}")
            except PackageNotFoundError:
                raise ImageConfigError(f"ImageSpec.from_env: package {p} is not installed here",
                                       hint=f"pip install {p}, or drop it from pinned_packages") from None
        return cls(python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
                   packages=packages, **kwargs)

    # --- run time ------------------------------------------------------------------------------------------------
    def is_container(self) -> bool:
        """Inside a container built from this spec (the builder writes ``_F_IMG_ID``); always True outside one."""
        from autoc.core.context import ExecutionMode, current_mode

        mode = current_mode()
        if mode is not None and mode != ExecutionMode.LOCAL_WORKFLOW_EXECUTION:
            return os.environ.get(IMAGE_ID_ENV) == self.id
        return True

    def exist(self) -> Optional[bool]:
        """Whether ``image_name()`` is in its registry: True, False, or None when it could not be told."""
        from autoc.image.registry import image_exists

        return image_exists(self.image_name())


def _replace_quietly(spec: ImageSpec, changes: Dict[str, Any]) -> ImageSpec:
    """A copy with some fields swapped for their content digests, skipping validation (used for hashing)."""
    new = _copy.copy(spec)
    new.__dict__.pop("id", None)
    new.__dict__.pop("tag", None)
    for k, v in changes.items():
        object.__setattr__(new, k, v)
    return new
