"""``ShellTask``: a task that runs a shell script in the task's image, with ``{inputs.x}`` / ``{outputs.y}`` /
``{ctx.working_directory}`` filled in (Python ``str.format`` syntax) and ``OutputLocation`` outputs (files or
directories the script writes). It is a ``PythonInstanceTask``: the container loads it by its module variable and
``execute`` runs the script (``autoc execute`` in autoc's images)."""

from __future__ import annotations

import dataclasses
import datetime
import os
import string
import subprocess
import typing
from typing import Any, Dict, List, Optional, Type

from autoc.core.interface import Interface
from autoc.core.node import user_site
from autoc.core.seams import above
from autoc.core.task import PythonInstanceTask, T
from autoc.errors import TaskDefinitionError


@dataclasses.dataclass
class ProcessResult:
    """The return code, standard output and standard error of a finished script."""

    returncode: int
    output: str
    error: str


@dataclasses.dataclass
class OutputLocation:
    """An output of a ShellTask: ``var`` of type ``var_type`` (a File or Directory class), found at ``location``
    after the script ran; ``location`` may use the inputs: ``"{inputs.name}.tar.gz"``."""

    var: str
    var_type: Type
    location: typing.Union[os.PathLike, str]


class AttrDict(dict):
    """A dict whose keys are attributes too (``{inputs.x}`` in a script)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self


class _Formatter(string.Formatter):
    def format_field(self, value, format_spec):
        from autoc.types.files import File

        if isinstance(value, File):  # a file or directory input: fetched, then named by its local path
            value.download()
            return value.path
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        return super().format_field(value, format_spec)


def interpolate(template: str, inputs: Optional[Dict[str, Any]] = None,
                outputs: Optional[Dict[str, Any]] = None) -> str:
    """``template`` with ``{inputs.x}``, ``{outputs.y}`` and ``{ctx.working_directory}`` filled in."""
    args = {"inputs": AttrDict(inputs or {}), "outputs": AttrDict(outputs or {}),
            "ctx": above("runtime_context").current_context()}
    try:
        return _Formatter().format(template, **args)
    except (KeyError, AttributeError) as e:
        raise ValueError(f"Variable {e} in the script is not one of the task's inputs or outputs "
                         f"({sorted(inputs or {})}, {sorted(outputs or {})})") from None


def subproc_execute(command: typing.Union[List[str], str], **kwargs) -> ProcessResult:
    """Run a command, capturing its output; a failure raises RuntimeError with its stderr (flytekit's)."""
    kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, "check": True, **kwargs}
    try:
        r = subprocess.run(command, **kwargs)
        return ProcessResult(r.returncode, r.stdout, r.stderr)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"Command: {e.cmd}\nFailed with return code {e.returncode}:\n{e.stderr}") from None
    except FileNotFoundError as e:
        raise RuntimeError(f"Process failed because the executable could not be found: {e}. Does the task's "
                           f"image have it?") from None


def _run_script(script: str, shell: str) -> ProcessResult:
    p = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE, shell=True, text=True,
                         executable=shell)
    out, err = p.communicate()
    for line in out.splitlines():
        print(line)
    return ProcessResult(p.wait(), "".join(out.splitlines()), err)


class ShellTask(PythonInstanceTask[T]):
    """``ShellTask(name=, script= | script_file=, inputs=kwtypes(...), output_locs=[OutputLocation(...)],
    shell="/bin/sh", debug=False)``; other arguments as for any container task (``requests=``,
    ``container_image=``, ``environment=``, ...)."""

    def __init__(self, name: str, debug: bool = False, script: Optional[str] = None,
                 script_file: Optional[str] = None, task_config: T = None, shell: str = "/bin/sh",
                 inputs: Optional[Dict[str, Type]] = None, output_locs: Optional[List[OutputLocation]] = None,
                 **kwargs):
        where = user_site()
        if script and script_file:
            raise TaskDefinitionError(f"ShellTask {name}: give either script or script_file, not both", where=where)
        if not script and not script_file:
            raise TaskDefinitionError(f"ShellTask {name}: a script or a script_file is needed", where=where,
                                      hint='ShellTask(name=..., script="echo {inputs.x}", inputs=kwtypes(x=str))')
        if script_file:
            if not os.path.exists(script_file):
                raise TaskDefinitionError(f"ShellTask {name}: script_file {script_file} does not exist",
                                          where=where)
            script_file = os.path.abspath(script_file)
        if task_config is not None:
            raise TaskDefinitionError(f"ShellTask {name}: task_config {type(task_config).__name__} is not supported",
                                      where=where, hint="leave task_config out (flytekit accepts only the pod "
                                                        "plugin's Pod config here; use pod_template= instead)")
        self._script = script
        self._script_file = script_file
        self._debug = debug
        self._shell = shell
        self._output_locs = list(output_locs or [])
        self._process_result: Optional[ProcessResult] = None
        outputs = self._validate_output_locs(name, where)
        super().__init__(name=name, task_config=task_config, task_type="python-task",
                         interface=Interface(inputs=inputs, outputs=outputs), **kwargs)

    def _validate_output_locs(self, name: str, where: Optional[str]) -> Dict[str, Type]:
        from autoc.types.files import File

        outputs = {}
        for v in self._output_locs:
            if not isinstance(v, OutputLocation):
                raise TaskDefinitionError(f"ShellTask {name}: every output is an OutputLocation, got {v!r}",
                                          where=where)
            if v.location is None:
                raise TaskDefinitionError(f"ShellTask {name}: output {v.var} has no location", where=where)
            if not (isinstance(v.var_type, type) and issubclass(v.var_type, File)):
                raise TaskDefinitionError(f"ShellTask {name}: output {v.var} is a {v.var_type!r}; a ShellTask's "
                                          f"outputs are files or directories", where=where,
                                          hint="var_type=FlyteFile or FlyteDirectory (or a format of them)")
            outputs[v.var] = v.var_type
        return outputs

    @property
    def result(self) -> Optional[ProcessResult]:
        return self._process_result

    @property
    def script(self) -> Optional[str]:
        return self._script

    @property
    def script_file(self) -> Optional[str]:
        return self._script_file

    @property
    def output_locs(self) -> List[OutputLocation]:
        return list(self._output_locs)

    def execute(self, **kwargs) -> Any:
        """Fill in the script, run it, and return the output locations as files/directories; a non-zero exit
        raises RecoverableException (Flyte retries it, as flytekit's)."""
        RecoverableException = above("runtime_errors").RecoverableException

        if self._script_file:
            with open(self._script_file) as f:
                self._script = f.read()
        outputs = {v.var: interpolate(os.fspath(v.location), inputs=kwargs) for v in self._output_locs}
        script = interpolate(self._script, inputs=kwargs, outputs=outputs)
        if self._debug:
            print(f"\n==============================================\n\n{script}\n"
                  f"\n==============================================\n")
        self._process_result = r = _run_script(script, self._shell)
        if r.returncode != 0:
            listing = "\n-".join(sorted(os.listdir(".")))
            raise RecoverableException(f"Failed to Execute Script, return-code {r.returncode} \n"
                                       f"Current directory contents: .\n-{listing}\n"
                                       f"StdOut: {r.output}\nStdErr: {r.error}\n")
        values = tuple(v.var_type(outputs[v.var]) for v in self._output_locs)
        if not values:
            return None
        return values[0] if len(values) == 1 else values


class RawShellTask(ShellTask):
    """A ShellTask whose script is a template for running another script with environment variables and
    arguments chosen at run time: ``{inputs.export_env}`` becomes ``export K=V`` lines from an ``env`` dict input.
    Made by ``get_raw_shell_task(name)``; a failing script raises ``subprocess.CalledProcessError``."""

    @staticmethod
    def make_export_string_from_env_dict(d: Dict[str, str]) -> str:
        return "\n".join(f"export {k}={v}" for k, v in d.items())

    def execute(self, **kwargs) -> Any:
        if self._script_file:
            with open(self._script_file) as f:
                self._script = f.read()
        outputs = {v.var: interpolate(os.fspath(v.location), inputs=kwargs) for v in self._output_locs}
        if isinstance(kwargs.get("env"), dict):
            kwargs["export_env"] = self.make_export_string_from_env_dict(kwargs["env"])
        script = interpolate(self._script, inputs=kwargs, outputs=outputs)
        if self._debug:
            print(f"\n==============================================\n\n{script}\n"
                  f"\n==============================================\n")
        subprocess.check_call(script, shell=True)
        values = tuple(v.var_type(outputs[v.var]) for v in self._output_locs)
        if not values:
            return None
        return values[0] if len(values) == 1 else values


_RAW_SCRIPT = """
#!/bin/bash

set -uex

cd {ctx.working_directory}

{inputs.export_env}

bash {inputs.script_file} {inputs.script_args}
"""


def get_raw_shell_task(name: str, cls: type = RawShellTask) -> RawShellTask:
    """A RawShellTask running ``bash <script_file> <script_args>`` with the ``env`` input exported, in the
    working directory, which is its output ``out`` (a directory)."""
    from autoc.types.files import Directory

    return cls(name=name, debug=True, inputs={"env": Dict[str, str], "script_args": str, "script_file": str},
               output_locs=[OutputLocation(var="out", var_type=Directory, location="{ctx.working_directory}")],
               script=_RAW_SCRIPT)


__all__ = ["ShellTask", "RawShellTask", "get_raw_shell_task", "OutputLocation", "ProcessResult", "subproc_execute"]
