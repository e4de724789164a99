"""ImageSpecs as `autoc build-image --sdk flytekit` must name them: as pyflyte serialize (the loaded modules copied
into a spec that says nothing about copying) and pyflyte package --fast (nothing copied) name them."""

import os

from flytekit import ImageSpec, task, workflow
from flytekit.constants import CopyFileDetection

HERE = os.path.dirname(os.path.abspath(__file__))
REGISTRY = "localhost:5999/acme"
BASE = "localbase/python:3.11"

plain = ImageSpec(name="plain", registry=REGISTRY, base_image=BASE, env={"MODE": "prod"})
all_files = ImageSpec(name="all-files", registry=REGISTRY, base_image=BASE, source_root=os.path.dirname(HERE),
                      source_copy_mode=CopyFileDetection.ALL)
rooted = ImageSpec(name="rooted", registry=REGISTRY, base_image=BASE, source_root=os.path.dirname(HERE))
with_copy = ImageSpec(name="with-copy", registry=REGISTRY, base_image=BASE, copy=["shop/data"],
                      packages=["six==1.16.0"])
no_copy = ImageSpec(name="no-copy", registry=REGISTRY, base_image=BASE, source_copy_mode=CopyFileDetection.NO_COPY)
pinned = ImageSpec(name="pinned", registry=REGISTRY, base_image=BASE,
                   requirements=os.path.join(HERE, "data", "image-requirements.txt"))
layered = ImageSpec(name="layered", registry=REGISTRY, base_image=plain, packages=["six"])


@task(container_image=plain)
def on_plain(x: int) -> int:
    return x


@task(container_image=all_files)
def on_all_files(x: int) -> int:
    return x


@task(container_image=rooted)
def on_rooted(x: int) -> int:
    return x


@task(container_image=with_copy)
def on_with_copy(x: int) -> int:
    return x


@task(container_image=no_copy)
def on_no_copy(x: int) -> int:
    return x


@task(container_image=pinned)
def on_pinned(x: int) -> int:
    return x


@task(container_image=layered)
def on_layered(x: int) -> int:
    return x


@workflow
def chain(x: int) -> int:
    return on_layered(x=on_pinned(x=on_no_copy(x=on_with_copy(x=on_rooted(x=on_all_files(x=on_plain(x=x)))))))
