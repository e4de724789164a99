"""Node-level settings: with_overrides (node id and name, resources, retries, timeout, interruptible, cache,
accelerator, container image) on task calls and a subworkflow call; create_node and >> between created nodes."""

import datetime

from autoc import Cache, Resources, T4, create_node, task, workflow


@task(requests=Resources(cpu="1", mem="500Mi"))
def step(n: int) -> int:
    return n + 1


@task
def setup():
    print("setting up")


@workflow
def twice(n: int) -> int:
    return step(n=step(n=n))


@workflow
def tuned(n: int) -> int:
    a = step(n=n).with_overrides(requests=Resources(cpu="2", mem="1Gi"), limits=Resources(cpu="4", mem="2Gi"),
                                 retries=3, timeout=datetime.timedelta(minutes=10), interruptible=True,
                                 name="first-step", node_name="first", cache=Cache(version="v1"), accelerator=T4)
    b = step(n=a).with_overrides(container_image="ghcr.io/acme/other:v2", cache=False)
    c = step(n=b).with_overrides(retries=1).with_overrides(timeout=60)
    return twice(n=c).with_overrides(node_name="Sub_Flow", interruptible=False)


@workflow
def created(n: int) -> int:
    first = create_node(step, n=n)
    prepare = create_node(setup)
    last = create_node(step, n=first.o0).with_overrides(retries=2)
    prepare >> first
    return last.o0
