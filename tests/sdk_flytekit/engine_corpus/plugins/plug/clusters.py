"""A Dask cluster task (flytekitplugins-dask)."""

from flytekit import Resources, task, workflow
from flytekitplugins.dask import Dask, Scheduler, WorkerGroup


@task(task_config=Dask(scheduler=Scheduler(requests=Resources(cpu="1")),
                       workers=WorkerGroup(number_of_workers=3, limits=Resources(mem="4Gi"))))
def crunch(n: int) -> int:
    return n * 2


@workflow
def cluster_wf(n: int = 10) -> int:
    return crunch(n=n)
