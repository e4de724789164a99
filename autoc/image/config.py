"""Image and ImageConfig: the named images (``--image name=uri``) a serialization may refer to."""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

from autoc.errors import ImageConfigError

DEFAULT_IMAGE_NAME = "default"
#: Environment variables naming the default image, first match wins.
DEFAULT_IMAGE_ENV = ("AUTOC_IMAGE", "FLYTE_INTERNAL_IMAGE")

_TEMPLATE = re.compile(r"({{\s*\.image[s]?(?:\.([a-zA-Z0-9_-]+))(?:\.([a-zA-Z0-9_-]+))?\s*}})", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Image:
    """A named image reference: ``fqn`` (repository) plus a ``tag`` or a ``digest``."""

    name: str
    fqn: str
    tag: Optional[str] = None
    digest: Optional[str] = None

    def __post_init__(self):
        if self.tag and self.digest:
            raise ImageConfigError(f"image {self.name}: cannot specify both tag and digest")

    @property
    def full(self) -> str:
        if self.digest:
            return f"{self.fqn}@{self.digest}"
        if self.tag:
            return f"{self.fqn}:{self.tag}"
        return self.fqn

    @property
    def version(self) -> Optional[str]:
        return self.digest or self.tag

    @staticmethod
    def look_up_image_info(name: str, image_identifier: str, allow_no_tag_or_digest: bool = False) -> "Image":
        """Parse ``repo[:tag]`` or ``repo@digest``; a tag must not contain ``/`` (``localhost:5000/x`` has none)."""
        fqn, tag, digest = _parse_image_identifier(image_identifier)
        if not fqn:
            raise ImageConfigError(f"image {name}: {image_identifier!r} is not an image reference")
        if not (tag or digest) and not allow_no_tag_or_digest:
            raise ImageConfigError(f"Incorrectly formatted image {image_identifier}, missing tag or digest",
                                   hint=f"add a tag, e.g. {image_identifier}:v1")
        return Image(name=name, fqn=fqn, tag=tag, digest=digest)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def _parse_image_identifier(ident: str) -> Tuple[str, Optional[str], Optional[str]]:
    ident = ident.strip()
    if "@" in ident:
        fqn, digest = ident.rsplit("@", 1)
        return fqn, None, digest
    if ":" in ident:
        fqn, tag = ident.rsplit(":", 1)
        if "/" not in tag:
            return fqn, tag, None
    return ident, None, None


@dataclasses.dataclass
class ImageConfig:
    """A default image plus named images, looked up by ``{{.image.NAME...}}`` templates and ImageSpec ids."""

    default_image: Optional[Image] = None
    images: Optional[List[Image]] = None

    def find_image(self, name: str) -> Optional[Image]:
        for i in ([self.default_image] if self.default_image else []) + (self.images or []):
            if i.name == name:
                return i
        return None

    @staticmethod
    def validate_image(_: Any, param: str, values: tuple) -> "ImageConfig":
        """Parse ``--image`` values: ``uri`` or ``default=uri`` for the default, ``name=uri`` for the others.
        Duplicate names are errors (flytekit keeps the first silently)."""
        default: Optional[Image] = None
        others: List[Image] = []
        seen: Dict[str, str] = {}
        for v in values:
            if "=" in v:
                name, uri = v.split("=", 1)
            else:
                name, uri = DEFAULT_IMAGE_NAME, v
            if name in seen:
                if name == DEFAULT_IMAGE_NAME:
                    raise ImageConfigError(f"Only one default image can be specified. Received multiple "
                                           f"{seen[name]} & {v} for {param}")
                raise ImageConfigError(f"image name {name!r} given twice for {param}: {seen[name]} and {v}",
                                       hint="give every --image name=uri a distinct name")
            seen[name] = v
            img = Image.look_up_image_info(name, uri, allow_no_tag_or_digest=False)
            if name == DEFAULT_IMAGE_NAME:
                default = img
            else:
                others.append(img)
        if default is None:
            default = default_image_from_env()
        return ImageConfig.create_from(default, others)

    @classmethod
    def create_from(cls, default_image: Optional[Image], other_images: Optional[List[Image]] = None) -> "ImageConfig":
        if default_image and not isinstance(default_image, Image):
            raise ImageConfigError(f"Default image should be of type Image or None not {type(default_image)}",
                                   hint=f"ImageConfig.auto_default_image(), ImageConfig.from_images("
                                        f"{default_image!r:.60}) or Image.look_up_image_info('default', ...)")
        images = ([default_image] if default_image else []) + list(other_images or [])
        return cls(default_image=default_image, images=images)

    @classmethod
    def from_images(cls, default_image: Optional[str] = None, m: Optional[Dict[str, str]] = None) -> "ImageConfig":
        """``ImageConfig.from_images("ghcr.io/x/app:v1", {"gpu": "ghcr.io/x/gpu:v3"})``."""
        d = Image.look_up_image_info(DEFAULT_IMAGE_NAME, default_image) if default_image else None
        others = [Image.look_up_image_info(k, v, allow_no_tag_or_digest=True) for k, v in (m or {}).items()]
        return cls.create_from(d, others)

    @classmethod
    def auto(cls, config_file: Optional[str] = None, img_name: Optional[str] = None) -> "ImageConfig":
        """The default image from ``img_name``; named images from the config file's ``images:`` section."""
        d = Image.look_up_image_info(DEFAULT_IMAGE_NAME, img_name) if img_name else None
        others = [Image.look_up_image_info(k, v, allow_no_tag_or_digest=True)
                  for k, v in _images_from_config(config_file).items()]
        return cls.create_from(d, others)

    @classmethod
    def auto_default_image(cls) -> "ImageConfig":
        return cls.create_from(default_image_from_env())

    def to_dict(self) -> Dict[str, Any]:
        return {"default_image": self.default_image.to_dict() if self.default_image else None,
                "images": [i.to_dict() for i in self.images] if self.images is not None else None}

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], **kwargs) -> "ImageConfig":
        di = d.get("default_image")
        return cls(default_image=Image(**di) if di else None,
                   images=[Image(**i) for i in d["images"]] if d.get("images") is not None else None)

    @classmethod
    def from_json(cls, s, **kwargs) -> "ImageConfig":
        return cls.from_dict(json.loads(s))

    @classmethod
    def schema(cls, **kwargs) -> Dict[str, Any]:
        return {"type": "object", "properties": {"default_image": {"type": ["object", "null"]},
                                                 "images": {"type": ["array", "null"]}}}


def default_image_from_env() -> Optional[Image]:
    for var in DEFAULT_IMAGE_ENV:
        v = os.environ.get(var)
        if v:
            return Image.look_up_image_info(DEFAULT_IMAGE_NAME, v)
    return None


def _images_from_config(config_file: Optional[str]) -> Dict[str, str]:
    if not config_file:
        return {}
    if config_file.endswith((".yaml", ".yml")):
        import yaml

        with open(config_file) as f:
            return dict((yaml.safe_load(f) or {}).get("images") or {})
    import configparser

    cp = configparser.ConfigParser()
    cp.read(config_file)
    return dict(cp["images"]) if cp.has_section("images") else {}


def resolve_image_template(image: str, cfg: ImageConfig, task_name: str = "") -> str:
    """Fill ``{{.image.NAME.fqn}}`` / ``{{.image.NAME.version}}`` / ``{{.image.NAME}}`` from ``cfg``."""
    matches = _TEMPLATE.findall(image)
    task = f"task {task_name}: " if task_name else ""
    for whole, name, attr in matches:
        img = cfg.find_image(name)
        if img is None:
            known = ", ".join(i.name for i in cfg.images or []) or "none"
            raise ImageConfigError(f"{task}image {name!r} in {image!r} is not configured",
                                   hint=f"pass --image {name}=REPO:TAG (configured: {known})")
        if attr == "fqn":
            value = img.fqn
        elif attr == "version":
            value = img.version or (cfg.default_image.version if cfg.default_image else None)
            if not value:
                raise ImageConfigError(f"{task}image {name!r} has no tag or digest for {whole}",
                                       hint=f"pass --image {name}=REPO:TAG")
            if ":" in value:  # a digest: "repo:{{..version}}" becomes "repo@sha256:..."
                image = image.replace(":" + whole, "@" + value)
        elif attr == "":
            if not img.version:
                raise ImageConfigError(f"{task}image {name!r} has no tag or digest for {whole}",
                                       hint=f"pass --image {name}=REPO:TAG")
            value = img.full
        else:
            raise ImageConfigError(f"{task}only fqn and version are supported replacements, "
                                   f"{attr} is not supported")
        image = image.replace(whole, value)
    return image


def get_registerable_container_image(img: Any, cfg: Optional[ImageConfig], task_name: str = "") -> str:
    """The reference a container image setting names under ``cfg`` (flytekit's helper of the same name): an
    ImageSpec's ``--image ID=...`` override, else the reference its builder names (nothing is built: autoc builds
    with ``autoc build-image``); a ``{{.image...}}`` template filled from ``cfg``; a plain string; or, for none,
    the default image."""
    if img is not None and not isinstance(img, str):
        from autoc.image.engine import ImageBuildEngine

        found = cfg.find_image(img.id) if cfg else None
        return found.full if found is not None else ImageBuildEngine.reference(img)
    if img:
        return resolve_image_template(img, cfg, task_name)
    if cfg is None or cfg.default_image is None:
        what = f"task {task_name} has no container image" if task_name else "no container image is given"
        raise ImageConfigError(f"{what} and no default image is configured",
                               hint="pass --image REPO:TAG (or set AUTOC_IMAGE), or give the task container_image=")
    return cfg.default_image.full
