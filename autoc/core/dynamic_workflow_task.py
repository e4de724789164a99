"""``@dynamic``: a task whose body, run in the container on the real input values, builds a workflow.

Serialized it is a ``python-task`` whose container also carries the serialization settings (``_F_SS_C``, what
flytekit writes), so that the container can translate the workflow its body builds. In the container (``autoc
execute``) the body runs once on the input values with calls becoming nodes ``dn0, dn1, ...``; the nodes, the
templates of the tasks they use, their subworkflows and the output bindings are written as ``futures.pb`` (a
``DynamicJobSpec``), which Flyte then runs. A body that calls nothing writes ``outputs.pb`` directly. Called
locally (or inside a local workflow run), the body simply runs, its calls running locally too.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional

from autoc.core.seams import above
from autoc.core.task import PythonFunctionTask
from autoc.core.workflow import PythonFunctionWorkflow

DYNAMIC = "dynamic"


class DynamicTask(PythonFunctionTask):
    """A ``@dynamic`` task (flytekit's PythonFunctionTask in DYNAMIC execution mode)."""

    execution_mode = DYNAMIC

    def __init__(self, task_config, task_function: Callable, node_dependency_hints=None, **kwargs):
        super().__init__(task_config, task_function, **kwargs)
        self._node_dependency_hints = list(node_dependency_hints) if node_dependency_hints is not None else None

    @property
    def node_dependency_hints(self):
        """Tasks, workflows and launch plans the body may call: serialized (and registered) before this task."""
        return self._node_dependency_hints

    # --- serialization: the settings travel in the container's environment -----------------------------------
    def get_container(self, settings):
        return super().get_container(settings.flavor.transported(with_image_specs(settings)))

    def get_k8s_pod(self, settings):
        return super().get_k8s_pod(settings.flavor.transported(with_image_specs(settings)))

    # --- run locally: the body compiled on the values, then that workflow run (flytekit's local dynamic run) ------
    def execute(self, **kwargs) -> Any:
        """The workflow the body builds on ``kwargs``, run here: its calls are nodes (so ``create_node``, ``>>`` and
        ``with_overrides`` work, and computing on a call's result is the TypeError it is on Flyte)."""
        from autoc.core.context import ExecutionMode, current_mode

        if current_mode() == ExecutionMode.TASK_EXECUTION:  # (the container writes the DynamicJobSpec instead)
            return super().execute(**kwargs)
        return above("local_workflow").run_workflow(_DynamicWorkflow(self, kwargs), kwargs)

    # --- in the container ------------------------------------------------------------------------------------------
    def dispatch_execute(self, ctx, input_literal_map):
        """In a container (``TASK_EXECUTION``): the DynamicJobSpec the body builds (what ``futures.pb`` holds), or
        the outputs when it calls nothing, translated with the context's serialization settings (else the
        container's); elsewhere the body runs (flytekit's ``dispatch_execute``)."""
        from autoc.core.context import ExecutionMode, FlyteContextManager, current_mode

        if current_mode() != ExecutionMode.TASK_EXECUTION:
            return super().dispatch_execute(ctx, input_literal_map)
        to_idl = getattr(input_literal_map, "to_flyte_idl", None)  # (flytekit's model of it, through the face)
        lm = to_idl() if callable(to_idl) else input_literal_map
        settings = getattr(ctx or FlyteContextManager.current_context(), "serialization_settings", None) or \
            runtime_settings()
        return self.dynamic_job(above("dispatch").inputs_to_python(self, lm), settings)

    def dynamic_job(self, values: Dict[str, Any], settings):
        """The DynamicJobSpec of the workflow the body builds on ``values``, or a LiteralMap of the outputs when
        it calls nothing (flytekit's ``compile_into_workflow``)."""
        wf = _DynamicWorkflow(self, values)
        wf.compile()
        return above("translate_dynamic").dynamic_job_spec(wf, self, settings)


def with_image_specs(settings):
    """The settings with an image named by its spec id for every ImageSpec a task made so far uses (flytekit adds
    them so that the container finds the images of the tasks the body calls)."""
    import dataclasses

    from autoc.core.task import ENTITIES, PythonAutoContainerTask
    Image, ImageConfig = above("image_config").Image, above("image_config").ImageConfig

    specs = [t for t in ENTITIES if isinstance(t, PythonAutoContainerTask) and t.container_image is not None
             and not isinstance(t.container_image, str)]
    if not specs:
        return settings
    cfg = settings.image_config
    images = list(cfg.images) if cfg.images is not None else ([cfg.default_image] if cfg.default_image else [])
    for t in specs:
        img = Image.look_up_image_info(_spec_id(t.container_image, settings), t.get_image(settings))
        if img not in images:
            images.append(img)
    return dataclasses.replace(settings, image_config=ImageConfig(default_image=cfg.default_image, images=images))


def _spec_id(spec, settings) -> str:
    """The spec's id as the output flavor saw it when it named its base image (pyflyte names a spec built on another
    after that base as its own serialization left it)."""
    import dataclasses

    base = spec.base_image
    seen = getattr(base, "__dict__", {}).get("_pyflyte_specs", {}).get(
        (settings.should_fast_serialize(), settings.source_root))
    return dataclasses.replace(spec, base_image=seen).id if seen is not None else spec.id


class _DynamicWorkflow(PythonFunctionWorkflow):
    """The workflow a dynamic task's body builds on real input values (node ids ``dn0, dn1, ...``; so are those of
    a subworkflow first compiled in it)."""

    lends_node_id_prefix = True

    def __init__(self, task: DynamicTask, values: Dict[str, Any]):
        super().__init__(task.task_function)
        self._values = values

    def compile(self) -> None:
        from autoc.core.promise import CompilationState, compiling

        if self._compiled:
            return
        state = CompilationState(prefix="d", workflow=self)
        with compiling(state):
            returned = self._workflow_function(**self._values)
        self._nodes, self._output_bindings = state.nodes, self._bind_outputs(returned)
        self._compiled = True


def runtime_settings(additional_distribution: Optional[str] = None, dest_dir: Optional[str] = None):
    """What the container translates the body's workflow with: ``_F_SS_C`` (else the image from the environment),
    the execution's project and domain unless set, the task's version, and the code bundle when fast-registered
    (flytekit's ``setup_execution``)."""
    import dataclasses

    ImageConfig = above("image_config").ImageConfig
    _env = above("runtime_context")._env
    ser = above("settings")
    SERIALIZED_CONTEXT_ENV_VAR, FastSerializationSettings, SerializationSettings = \
        ser.SERIALIZED_CONTEXT_ENV_VAR, ser.FastSerializationSettings, ser.SerializationSettings

    packed = os.environ.get(SERIALIZED_CONTEXT_ENV_VAR, "")
    ss = SerializationSettings.from_transport(packed) if packed else \
        SerializationSettings(image_config=ImageConfig.auto_default_image())
    changes = {"project": ss.project or _env("FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
               "domain": ss.domain or _env("FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
               "version": _env("FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V")}
    if additional_distribution:
        changes["fast_serialization_settings"] = FastSerializationSettings(
            enabled=True, destination_dir=dest_dir, distribution_location=additional_distribution)
    return dataclasses.replace(ss, **changes)


def dynamic(_task_function: Optional[Callable] = None, node_dependency_hints=None, **kwargs):
    """``@dynamic`` / ``@dynamic(cache=True, ...)``: the arguments of ``@task``, plus ``node_dependency_hints``."""
    from autoc.core.task import task

    def wrapper(fn: Callable) -> DynamicTask:
        return task(fn, task_class=DynamicTask, node_dependency_hints=node_dependency_hints, **kwargs)

    if _task_function is not None:
        return wrapper(_task_function)
    return wrapper
