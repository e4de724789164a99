"""Every @task option that changes the spec."""

import datetime

from flytekit import Cache, Resources, Secret, task
from flytekit.extras.accelerators import A100, T4


@task(requests=Resources(cpu="500m", mem="1Gi"), limits=Resources(cpu="2", mem="4Gi", gpu="1"),
      environment={"MODE": "prod", "LEVEL": "3"})
def train(epochs: int) -> float:
    return 0.0


@task(resources=Resources(cpu=("1", "2"), mem="2Gi", ephemeral_storage="10Gi"))
def tuples(x: int) -> int:
    return x


@task(retries=3, interruptible=True, timeout=600, deprecated="use train instead")
def flaky(x: int) -> int:
    return x


@task(interruptible=False, timeout=datetime.timedelta(minutes=5, seconds=30))
def steady(x: int) -> int:
    return x


@task(cache=True, cache_version="1.2", cache_serialize=True, cache_ignore_input_vars=("seed",))
def cached(data: str, seed: int) -> str:
    return data


@task(cache=Cache(version="v7", serialize=False, ignored_inputs="noise"))
def cached_obj(x: int, noise: int) -> int:
    return x


@task(secret_requests=[Secret(group="aws", key="token"),
                       Secret(group="db", key="password", group_version="v1",
                              mount_requirement=Secret.MountType.ENV_VAR, env_var="DB_PASSWORD")])
def secretive() -> None:
    pass


@task(accelerator=T4, requests=Resources(gpu="1"), limits=Resources(gpu="1"))
def on_t4() -> None:
    pass


@task(accelerator=A100.partition_1g_5gb, shared_memory=True)
def on_mig() -> None:
    pass


@task(accelerator=A100.unpartitioned, shared_memory="2Gi")
def on_whole_a100() -> None:
    pass


@task(accelerator=A100)
def on_a100() -> None:
    pass


@task(pod_template_name="big-nodes")
def templated_pod() -> None:
    pass


@task(container_image="ghcr.io/acme/special:2024.1")
def own_image() -> None:
    pass


@task(container_image="{{.image.gpu.fqn}}:{{.image.gpu.version}}")
def gpu_image() -> None:
    pass


@task(container_image="{{.image.gpu.fqn}}:{{.image.default.version}}")
def mixed_image() -> None:
    pass


@task(labels={"team": "ml"}, annotations={"owner": "ada@example.com"})
def labelled() -> None:
    pass


@task(enable_deck=True)
def with_deck() -> None:
    pass
