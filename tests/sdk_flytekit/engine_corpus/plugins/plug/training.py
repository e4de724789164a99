"""Kubeflow PyTorch jobs (flytekitplugins-kfpytorch): task types with their own custom config."""

from flytekit import ImageSpec, Resources, task, workflow
from flytekitplugins.kfpytorch import Master, PyTorch, RunPolicy, Worker

trainer_image = ImageSpec(name="trainer", registry="localhost:30000", packages=["flytekitplugins-kfpytorch"])


@task(task_config=PyTorch(master=Master(requests=Resources(cpu="1")), worker=Worker(replicas=3, requests=Resources(cpu="2")),
                          run_policy=RunPolicy(backoff_limit=2)),
      container_image=trainer_image)
def train(epochs: int) -> float:
    return 0.1 * epochs


@task(task_config=PyTorch(worker=Worker(replicas=2)))
def finetune(epochs: int) -> float:
    return 0.2 * epochs


@workflow
def training(epochs: int = 3) -> float:
    finetune(epochs=epochs)
    return train(epochs=epochs)
