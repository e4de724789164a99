"""``@eager``: an async task whose body drives other tasks as separate executions (flytekit's eager workflows).

Serialized as pyflyte serializes it: four entities. The task itself (``is_eager``, a deck, the serialization
settings in ``_F_SS_C``), a ``<name>-cleanup`` task (type ``eager_failure_handler_task``, flytekit's failure
resolver), a workflow named like the task that runs it with the cleanup task as its failure node, and that
workflow's default launch plan.

Running one needs flytekit's controller (FlyteRemote, an execution per call): autoc does not run eager tasks, in
its images or locally, and says so with an error rather than doing something else.
"""

from __future__ import annotations

from typing import Callable, Optional

from autoc.core.interface import Interface
from autoc.core.seams import above
from autoc.core.task import PythonAutoContainerTask, PythonFunctionTask
from autoc.core.workflow import WorkflowBase
from autoc.errors import TaskDefinitionError

EAGER = "eager"
FAILURE_HANDLER_TASK_TYPE = "eager_failure_handler_task"

_NOT_RUN = ("autoc does not run @eager tasks: each call in the body is a separate Flyte execution driven by "
            "flytekit's FlyteRemote controller")
_NOT_RUN_HINT = "register the project with `--sdk flytekit` and run it on flytekit's images, or rewrite it as " \
                "@workflow/@dynamic"


class EagerException(Exception):
    """flytekit's ``EagerException`` (raised in an eager body when a call fails): code that catches it imports."""


class EagerTask(PythonFunctionTask):
    """An ``@eager`` task (flytekit's ``EagerAsyncPythonFunctionTask``)."""

    execution_mode = EAGER

    def __init__(self, task_config, task_function: Callable, node_dependency_hints=None, **kwargs):
        import inspect

        if not inspect.iscoroutinefunction(task_function):
            from autoc.errors import location_of

            raise TaskDefinitionError(f"@eager needs an async function, {task_function.__name__} is not",
                                      where=location_of(task_function), hint="write `async def ...`")
        if kwargs.get("enable_deck") is None and kwargs.get("disable_deck") is None:
            kwargs["enable_deck"] = True  # an eager task has a deck unless told otherwise, as in flytekit
        super().__init__(task_config, task_function, **kwargs)
        self.metadata.is_eager = True
        self._node_dependency_hints = list(node_dependency_hints) if node_dependency_hints is not None else None
        self._workflow: Optional[WorkflowBase] = None

    @property
    def node_dependency_hints(self):
        return self._node_dependency_hints

    @property
    def eager_workflow(self) -> WorkflowBase:
        """The workflow pyflyte writes for this task (named like it), with the cleanup task as failure node."""
        if self._workflow is None:
            self._workflow = _EagerWorkflow(self)
        return self._workflow

    def _settings(self, settings):
        """With ``_F_SS_C``; pyflyte adds the ImageSpec images to the settings when it serializes a dynamic task and
        keeps them (it mutates its settings): an eager task made after a dynamic task carries them too."""
        from autoc.core.dynamic_workflow_task import DynamicTask, with_image_specs
        from autoc.core.task import ENTITIES

        for e in ENTITIES:
            if e is self:
                break
            if isinstance(e, DynamicTask):
                settings = with_image_specs(settings)
                break
        return settings.flavor.transported(settings)

    def get_container(self, settings):
        return super().get_container(self._settings(settings))

    def get_k8s_pod(self, settings):
        return super().get_k8s_pod(self._settings(settings))

    def execute(self, **kwargs):
        from autoc.errors import AutocError

        raise AutocError(f"task {self.name}: {_NOT_RUN}", where=self.definition_site, hint=_NOT_RUN_HINT)


class EagerFailureHandlerTask(PythonAutoContainerTask):
    """``<eager task>-cleanup``: flytekit's failure handler of an eager workflow (it stops the executions the eager
    task started; autoc starts none). Loaded in the container without the eager task's interface, it takes
    whatever inputs it is given, as flytekit's does."""

    ignores_inputs = True

    def __init__(self, name: str, container_image=None, inputs=None, **kwargs):
        super().__init__(name=name, task_type=FAILURE_HANDLER_TASK_TYPE, container_image=container_image,
                         interface=Interface(inputs=dict(inputs or {}), outputs={}),
                         task_resolver=above("eager_resolver").eager_failure_task_resolver, **kwargs)

    def execute(self, **kwargs):
        import logging

        logging.getLogger("autoc").warning("eager cleanup: %s, so there is nothing to stop", _NOT_RUN)


class _EagerWorkflow(WorkflowBase):
    """One node running the eager task, its outputs the workflow's; the cleanup task as failure node ``efn``."""

    def __init__(self, task: EagerTask):
        iface = task.python_interface
        super().__init__(task.name, Interface(inputs=dict(iface.inputs), outputs=dict(iface.outputs)))
        self._task = task
        self._cleanup = EagerFailureHandlerTask(f"{task.name}-cleanup", container_image=task.container_image,
                                                inputs=iface.inputs)

    @property
    def definition_site(self) -> str:
        return self._task.definition_site

    def compile(self) -> None:
        from autoc.core.node import Node
        from autoc.core.promise import CompilationState, Promise, compiling, create_and_link_node

        if self._compiled:
            return
        inputs = {k: Promise(k, None, t) for k, t in self.python_interface.inputs.items()}
        state = CompilationState(prefix="", workflow=self)
        with compiling(state):
            returned = create_and_link_node(self._task, (), dict(inputs), state=state, where=self.definition_site)
        names = list(self.python_interface.outputs)
        if len(names) == 1 and not isinstance(returned, tuple):
            returned = (returned,)
        self._output_bindings = dict(zip(names, returned)) if names else {}
        self._nodes = state.nodes
        self._failure_node = Node("efn", self._cleanup, dict(inputs), [], 0, self.definition_site)
        self._compiled = True


def eager(_fn: Optional[Callable] = None, node_dependency_hints=None, **kwargs):
    """``@eager`` / ``@eager(...)``: the arguments of ``@task`` (flytekit's ``remote=``, ``client_secret_group=``,
    ``client_secret_key=`` configure its controller, which autoc does not run: they are accepted and not used)."""
    from autoc.core.task import task

    for k in ("remote", "client_secret_group", "client_secret_key", "client_secret_env_var"):
        kwargs.pop(k, None)

    def wrapper(fn: Callable) -> EagerTask:
        return task(fn, task_class=EagerTask, node_dependency_hints=node_dependency_hints, **kwargs)

    if _fn is not None:
        return wrapper(_fn)
    return wrapper
