"""Pod templates: sidecars, volumes and the primary container merged with the task's own settings."""

from kubernetes.client import (V1Container, V1EnvVar, V1PodSpec, V1ResourceRequirements, V1Toleration, V1Volume,
                               V1VolumeMount)

import flytekit
from flytekit import PodTemplate
from flytekit.core.resources import Resources

task = flytekit.task

template = PodTemplate(
    primary_container_name="main",
    labels={"app": "trainer"},
    annotations={"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
    pod_spec=V1PodSpec(
        containers=[
            V1Container(name="main", env=[V1EnvVar(name="FROM_POD", value="1")],
                        volume_mounts=[V1VolumeMount(name="scratch", mount_path="/scratch")]),
            V1Container(name="sidecar", image="ghcr.io/acme/sidecar:1",
                        resources=V1ResourceRequirements(requests={"cpu": "100m"})),
        ],
        volumes=[V1Volume(name="scratch")],
        tolerations=[V1Toleration(key="gpu", operator="Exists", effect="NoSchedule")],
    ),
)


@task(pod_template=template, requests=Resources(cpu="1", mem="2Gi"), environment={"STAGE": "dev"})
def in_pod(x: int) -> int:
    return x


@task(pod_template=PodTemplate(pod_spec=V1PodSpec(containers=[], node_selector={"pool": "cpu"})))
def default_primary() -> None:
    pass
