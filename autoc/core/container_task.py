"""``ContainerTask``: a raw container (any image, any command; neither autoc nor flytekit inside it). Flyte
writes the inputs into ``input_data_dir`` and reads the outputs from files in ``output_data_dir`` (one file per
output, named like it); ``{{.inputs.x}}`` in the command is replaced by the input's value."""

from __future__ import annotations

import datetime
import enum
import os
import re
from typing import Any, Dict, List, Optional, Type

from autoc.core.interface import Interface
from autoc.core.metadata import TaskMetadata
from autoc.core.node import user_site
from autoc.core.resources import Resources, build_resource_spec
from autoc.core.security import Secret, SecurityContext
from autoc.core.seams import above
from autoc.core.task import PythonTask
from autoc.errors import TaskDefinitionError


class ContainerTask(PythonTask):
    """``ContainerTask(name=, image=, command=[...], inputs=kwtypes(...), outputs=kwtypes(...),
    input_data_dir="/var/inputs", output_data_dir="/var/outputs", arguments=, metadata_format=, io_strategy=,
    requests=, limits=, resources=, secret_requests=, environment=, metadata=TaskMetadata(...))``."""

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
        if not isinstance(command, (str, list, tuple)) or not all(isinstance(c, str) for c in command):
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
        self._cmd = command if isinstance(command, str) else list(command)  # a str: refused when used (_command)
        self._where = where
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
        return self._command()

    def _command(self) -> List[str]:
        """The command, refused where it is used (serialized or run) when it is one string: flytekit accepts it
        and pyflyte writes one argument per character (``command="echo"`` becomes ``e c h o``)."""
        if isinstance(self._cmd, str):
            raise TaskDefinitionError(f"ContainerTask {self.name}: command must be a list of strings, got the "
                                      f"string {self._cmd!r} (pyflyte would write one argument per character)",
                                      where=self._where, hint=f"command={self._cmd.split()!r}")
        return list(self._cmd)

    def _string_to_timedelta(self, s: str) -> datetime.timedelta:
        """A ``str(timedelta)`` a container wrote as an output (flytekit's name for it)."""
        return _timedelta(s, "")

    @property
    def arguments(self) -> Optional[List[str]]:
        return self._args

    def get_image(self, settings) -> str:
        return above("translate").resolve_image(self._image, settings, task_name=self.name)

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

        pod = above("translate").k8s_pod(self, settings)
        spec = json_format.MessageToDict(pod.pod_spec)
        for c in spec.get("containers") or []:
            if c.get("name") == self.pod_template.primary_container_name:
                c["command"] = self._command()
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

        convert_resources_to_resource_model = above("translate").convert_resources_to_resource_model

        c = tasks_pb2.Container(image=self.get_image(settings), command=self._command(), args=self._args or [])
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
        """Run the image here with Docker, as flytekit's local run does: ``{{.inputs.x}}`` in the command replaced
        by the value (anywhere in an argument, case-insensitively, as Flyte replaces it), a file or directory
        input named ``<input_data_dir>/x`` mounted there, and the outputs read back from the files the container
        wrote into ``output_data_dir``."""
        import tempfile

        from autoc.errors import UserInputError
        from autoc.types.files import File

        in_dir = os.path.normpath(self._input_data_dir) if self._input_data_dir else ""
        out_dir = os.path.normpath(self._output_data_dir) if self._output_data_dir else ""
        if self._outputs and not out_dir:
            raise UserInputError(f"ContainerTask {self.name} has outputs but no output_data_dir to read them from")
        local_out = tempfile.mkdtemp(prefix="autoc-raw-container-")
        volumes = {local_out: {"bind": out_dir or "/var/outputs", "mode": "rw"}}
        commands = []
        for arg in self._command() + (self._args or []):
            key = arg[len(in_dir) + 1:] if in_dir and arg.startswith(in_dir + "/") else None
            if key in kwargs and isinstance(kwargs[key], File):
                volumes[os.path.abspath(kwargs[key].download())] = {"bind": f"{in_dir}/{key}", "mode": "rw"}
                commands.append(arg)
                continue

            def value(m):
                name = m.group(1)
                if name not in kwargs:
                    raise UserInputError(f"ContainerTask {self.name}: {m.group(0)} names no input",
                                         hint=f"the inputs are {sorted(kwargs)}")
                if isinstance(kwargs[name], File):
                    raise UserInputError(f"ContainerTask {self.name}: file input {name} in {arg!r}",
                                         hint=f"name it by its path, {in_dir or '/var/inputs'}/{name} (Flyte writes "
                                              f"files there; propeller does not template them)")
                return str(kwargs[name])

            commands.append(_INPUT_TEMPLATE.sub(value, arg))
        code, logs = _docker_run(self.container_image if isinstance(self.container_image, str)
                                 else self.container_image.image_name(), commands, volumes)
        if self.local_logs or code != 0:
            print(logs)
        if code != 0:
            raise UserInputError(f"ContainerTask {self.name}: the container exited with code {code}",
                                 hint=f"its output:\n{logs[-2000:]}")
        values = [_read_output(os.path.join(local_out, k), t) for k, t in (self._outputs or {}).items()]
        if not values:
            return None
        return values[0] if len(values) == 1 else tuple(values)


_INPUT_TEMPLATE = re.compile(r"{{\s*\.inputs\.(\w+)\s*}}", re.IGNORECASE)


def _docker_run(image: str, command: List[str], volumes: Dict[str, Dict[str, str]]):
    """(exit code, logs) of ``docker run image command`` with ``volumes`` (pulled first when missing)."""
    import docker

    client = docker.from_env()
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        client.images.pull(image)
    c = client.containers.run(image, command=command, volumes=volumes, detach=True)
    try:
        code = c.wait()["StatusCode"]
        return code, c.logs().decode(errors="replace")
    finally:
        c.remove(force=True)


def _read_output(path: str, t: Type) -> Any:
    """An output the container wrote: a file or directory as such, a primitive parsed from the file's text as
    flytekit parses it (``false`` is False, ISO datetimes, ``str(timedelta)``)."""
    from autoc.errors import UserInputError
    from autoc.types.files import File

    if isinstance(t, type) and issubclass(t, File):
        return t(path)
    if not os.path.exists(path):
        raise UserInputError(f"the container wrote no output file {os.path.basename(path)}",
                             hint="write each output into output_data_dir, in a file named like the output")
    text = open(path).read()
    if t is bool:
        return text.strip().lower() != "false"
    if t is datetime.datetime:
        return datetime.datetime.fromisoformat(text.strip())
    if t is datetime.timedelta:
        return _timedelta(text, os.path.basename(path))
    return t(text)


def _timedelta(text: str, output: str) -> datetime.timedelta:
    from autoc.errors import UserInputError

    m = re.match(r"(?:(\d+) days?, )?(?:(\d+):)?(\d+):(\d+)(?:\.(\d+))?", text.strip())
    if not m:
        raise UserInputError(f"output {output}: {text!r} is not a timedelta")
    d, h, mi, s, us = (int(g) if g else 0 for g in m.groups())
    return datetime.timedelta(days=d, hours=h, minutes=mi, seconds=s, microseconds=us)


__all__ = ["ContainerTask"]
