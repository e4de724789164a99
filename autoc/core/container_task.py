"""``ContainerTask``: a raw container (any image, any command; neither autoc nor flytekit inside it). Flyte
writes the inputs into ``input_data_dir`` and reads the outputs from files in ``output_data_dir`` (one file per
output, named like it); ``{{.inputs.x}}`` in the command is replaced by the input's value."""

from __future__ import annotations

import enum
from typing import Any, Dict, List, Optional, Type

from autoc.core.interface import Interface
from autoc.core.metadata import TaskMetadata
from autoc.core.node import user_site
from autoc.core.resources import Resources, build_resource_spec
from autoc.core.security import Secret, SecurityContext
from autoc.core.task import PythonTask
from autoc.errors import TaskDefinitionError


class ContainerTask(PythonTask):
    """``ContainerTask(name=, image=, command=[...], inputs=kwtypes(...), outputs=kwtypes(...),
    input_data_dir="/var/inputs", output_data_dir="/var/outputs", arguments=, metadata_format=, io_strategy=,
    requests=, limits=, resources=, secret_requests=, environment=, metadata=TaskMetadata(...))``."""

    _serialized_alone = True

    class MetadataFormat(enum.Enum):
        JSON = 0
        YAML = 1
        PROTO = 2

    class IOStrategy(enum.Enum):
        """How inputs are downloaded and outputs uploaded (flyteidl's IOStrategy; flytekit's enum has aliased
        values, so its UPLOAD_* members are its DOWNLOAD_* ones: autoc keeps them apart)."""
        DOWNLOAD_EAGER = ("download_mode", 0)
        DOWNLOAD_STREAM = ("download_mode", 1)
        DO_NOT_DOWNLOAD = ("download_mode", 2)
        UPLOAD_ON_EXIT = ("upload_mode", 0)
        UPLOAD_EAGER = ("upload_mode", 1)
        DO_NOT_UPLOAD = ("upload_mode", 2)

    def __init__(self, name: str, image: Any, command: List[str], inputs: Optional[Dict[str, Type]] = None,
                 metadata: Optional[TaskMetadata] = None, arguments: Optional[List[str]] = None,
                 outputs: Optional[Dict[str, Type]] = None, requests: Optional[Resources] = None,
                 limits: Optional[Resources] = None, input_data_dir: Optional[str] = None,
                 output_data_dir: Optional[str] = None, metadata_format: "ContainerTask.MetadataFormat" = None,
                 io_strategy: Optional["ContainerTask.IOStrategy"] = None,
                 secret_requests: Optional[List[Secret]] = None, pod_template=None,
                 pod_template_name: Optional[str] = None, local_logs: bool = False,
                 resources: Optional[Resources] = None, **kwargs):
        where = user_site()
        if image is None or not (isinstance(image, str) or hasattr(image, "image_name")):
            raise TaskDefinitionError(f"ContainerTask {name}: image must be an image reference or an ImageSpec, "
                                      f"got {image!r}", where=where)
        if not isinstance(command, (list, tuple)) or not all(isinstance(c, str) for c in command):
            raise TaskDefinitionError(f"ContainerTask {name}: command must be a list of strings", where=where,
                                      hint='command=["./run.sh", "{{.inputs.x}}", "/var/outputs"]')
        sec_ctx = None
        if secret_requests:
            for s in secret_requests:
                if not isinstance(s, Secret):
                    raise TaskDefinitionError(f"ContainerTask {name}: secret {s!r} should be a Secret",
                                              where=where)
            sec_ctx = SecurityContext(secrets=list(secret_requests))
        metadata = metadata or TaskMetadata()
        metadata.pod_template_name = pod_template_name  # flytekit's: the argument always wins
        super().__init__(task_type="raw-container", name=name, interface=Interface(inputs, outputs),
                         metadata=metadata, task_config=None, security_ctx=sec_ctx, **kwargs)
        self._image = image
        self._cmd = list(command)
        self._args = list(arguments) if arguments is not None else None
        self._input_data_dir = input_data_dir
        self._output_data_dir = output_data_dir
        self._outputs = outputs
        self._md_format = metadata_format or ContainerTask.MetadataFormat.JSON
        self._io_strategy = io_strategy
        self._resources = build_resource_spec(requests, limits, resources)
        self._resources.check(name, where=where)
        self.local_logs = local_logs
        self.pod_template = pod_template

    @property
    def resources(self):
        return self._resources

    @property
    def container_image(self):
        return self._image

    @property
    def command(self) -> List[str]:
        return list(self._cmd)

    @property
    def arguments(self) -> Optional[List[str]]:
        return self._args

    def get_image(self, settings) -> str:
        from autoc.serialize.translate import resolve_image

        return resolve_image(self._image, settings, task_name=self.name)

    def get_command(self, settings) -> List[str]:
        """The container's args (its command is ``command``)."""
        return list(self._args or [])

    def get_container(self, settings):
        if self.pod_template is not None:
            return None
        return self._container(settings)

    def get_k8s_pod(self, settings):
        """The pod template with this container as its primary container (image, command, args, resources, env),
        and the data config."""
        if self.pod_template is None:
            return None
        from google.protobuf import json_format

        from autoc.serialize.translate import k8s_pod

        pod = k8s_pod(self, settings)
        spec = json_format.MessageToDict(pod.pod_spec)
        for c in spec.get("containers") or []:
            if c.get("name") == self.pod_template.primary_container_name:
                c["command"] = list(self._cmd)
        pod.pod_spec.Clear()
        pod.pod_spec.update(spec)
        pod.data_config.CopyFrom(self._container(settings).data_config)
        return pod

    def get_config(self, settings) -> Dict[str, str]:
        if self.pod_template is None:
            return {}
        return {"primary_container_name": self.pod_template.primary_container_name}

    def _container(self, settings):
        from flyteidl.core import tasks_pb2

        from autoc.serialize.translate import convert_resources_to_resource_model

        c = tasks_pb2.Container(image=self.get_image(settings), command=self._cmd, args=self._args or [])
        c.resources.CopyFrom(convert_resources_to_resource_model(self._resources.requests, self._resources.limits))
        for k, v in {**(settings.env or {}), **self.environment}.items():
            c.env.add(key=k, value=v)
        dc = c.data_config
        dc.enabled = True
        dc.input_path = self._input_data_dir or ""
        dc.output_path = self._output_data_dir or ""
        dc.format = self._md_format.value
        if self._io_strategy is not None:
            field, value = self._io_strategy.value
            setattr(dc.io_strategy, field, value)
        return c

    def execute(self, **kwargs) -> Any:
        from autoc.errors import UserInputError

        raise UserInputError(f"ContainerTask {self.name} runs its image on Flyte; autoc does not run it locally",
                             hint="register the workflow and run it on Flyte, or call the tasks around it alone")


__all__ = ["ContainerTask"]
