"""ImageSpecs: named by flytekit's tag rule, so images `pyflyte build` made are the ones the specs name."""

import os
import typing

from flytekit import ImageSpec, Resources, task
from flytekit.constants import CopyFileDetection
from flytekit.image_spec import ImageSpec as ImageSpecToo
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile

HERE = os.path.dirname(os.path.abspath(__file__))

plain = ImageSpec(name="plain", registry="localhost:5999/acme", packages=["pandas==2.2.3"],
                  python_version="3.11", env={"MODE": "prod"})
with_files = ImageSpecToo(name="with-files", registry="localhost:5999/acme", base_image="python:3.11-slim",
                          requirements=os.path.join(HERE, "data", "image-requirements.txt"),
                          copy=[os.path.join(HERE, "data")], apt_packages=["git"])
no_copy = ImageSpec(name="no-copy", registry="localhost:5999/acme", source_copy_mode=CopyFileDetection.NO_COPY,
                    tag_format="v1-{spec_hash}")
layered = ImageSpec(name="layered", registry="localhost:5999/acme", base_image=plain, packages=["scikit-learn"])


@task(container_image=plain, requests=Resources(cpu="1"))
def on_plain(f: FlyteFile) -> FlyteDirectory:
    return FlyteDirectory(HERE)


@task(container_image=with_files)
def on_files(x: int) -> typing.List[FlyteFile]:
    return []


@task(container_image=no_copy)
def on_no_copy() -> None:
    pass


@task(container_image=layered)
def on_layered(x: float) -> float:
    return x
