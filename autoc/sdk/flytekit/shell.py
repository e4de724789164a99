"""flytekit's ShellTask as pyflyte serializes it: each ShellTask makes a helper task first, named
``<module>._bash.<name>``, loaded in the container from ``flytekit.extras.tasks.shell._dummy_task_func`` and never
run (flytekit's plugin scaffolding; its source says these tasks "should not be serialized at all"). ``--sdk
flytekit`` writes and registers it as pyflyte does; autoc's own ShellTask has no helper."""

from __future__ import annotations

from typing import Tuple

from autoc.core.shell import RawShellTask as _RawShellTask
from autoc.core.shell import ShellTask as _ShellTask
from autoc.core.shell import get_raw_shell_task as _get_raw_shell_task
from autoc.core.task import PythonFunctionTask
from autoc.core.tracker import spec_module_name

_SHELL_MODULE = "flytekit.extras.tasks.shell"


def _dummy_task_func():
    """
    A Fake function to satisfy the inner PythonTask requirements
    """
    return None


_dummy_task_func.__module__ = _SHELL_MODULE


class _ShellHelperTask(PythonFunctionTask):
    def __init__(self, name: str):
        super().__init__(task_config=None, task_function=_dummy_task_func)
        self._helper_name = name

    @property
    def name(self) -> str:
        return f"{spec_module_name(self.instantiated_in)}.{self._helper_name}" if self.instantiated_in \
            else self._helper_name

    def loader_location(self) -> Tuple[str, str]:
        return _SHELL_MODULE, _dummy_task_func.__name__


class ShellTask(_ShellTask):
    __doc__ = _ShellTask.__doc__

    def __init__(self, name: str, *args, **kwargs):
        self._config_task_instance = _ShellHelperTask(f"_bash.{name}")
        super().__init__(name, *args, **kwargs)


class RawShellTask(_RawShellTask):
    __doc__ = _RawShellTask.__doc__

    def __init__(self, name: str, *args, **kwargs):
        self._config_task_instance = _ShellHelperTask(f"_bash.{name}")
        super().__init__(name, *args, **kwargs)


def get_raw_shell_task(name: str) -> RawShellTask:
    return _get_raw_shell_task(name, cls=RawShellTask)
