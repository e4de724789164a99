"""A task whose image autoc builds: `autoc build-image examples/images` then `autoc serialize examples/images`."""

import os
import typing
from dataclasses import dataclass

from autoc import CopyFileDetection, ImageSpec, task

REGISTRY = os.environ.get("AUTOC_REGISTRY", "localhost:5000")

image = ImageSpec(
    name="autoc-example-trainer",
    registry=REGISTRY,
    base_image=os.environ.get("AUTOC_BASE_IMAGE", "python:3.11-slim-bookworm"),
    env={"MODE": "prod"},
    source_root=os.path.dirname(os.path.abspath(__file__)),
    source_copy_mode=CopyFileDetection.LOADED_MODULES,
)


@dataclass
class Config:
    scale: float
    label: str


@task(container_image=image)
def fit(xs: typing.List[float], config: Config) -> typing.Tuple[float, str]:
    """Scale the sum of xs; report the image's MODE."""
    return sum(xs) * config.scale, f"{config.label}:{os.environ.get('MODE')}"
