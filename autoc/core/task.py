"""The authoring model: PythonTask, PythonAutoContainerTask, PythonFunctionTask, PythonInstanceTask and @task.

Task objects hold data. ``autoc.serialize.translate`` turns them into flyteidl messages; the ``get_*`` methods
the flytekit API offers delegate to it so both paths give the same answer.
"""

from __future__ import annotations

import datetime
import functools
import sys
from typing import Any, Callable, Dict, Generic, List, Optional, Tuple, TypeVar, Union

from autoc.core.accelerators import BaseAccelerator
from autoc.core.interface import Docstring, Interface, bind_inputs, transform_function_to_interface, typed_interface
from autoc.core.metadata import Cache, TaskMetadata, VersionParameters
from autoc.core.pod import PodTemplate
from autoc.core.resources import Resources, ResourceSpec, build_resource_spec
from autoc.core.seams import above
from autoc.core.security import Secret, SecurityContext
from autoc.core.tracker import (FlyteTrackedABC, TrackedInstance, check_importable_module, find_variable,
                                nesting_problem, spec_module_name, STRICT_LOADER_PATHS, istestfunction)
from autoc.errors import AutocError, TaskDefinitionError, ValidationError, WorkflowDefinitionError, location_of

T = TypeVar("T")

#: Every task created in this process, in creation order.
ENTITIES: List["PythonTask"] = []


class PythonTask(TrackedInstance, Generic[T], metaclass=FlyteTrackedABC):
    """Base class of every task with a Python-native interface; generic in its task config, as in flytekit
    (``class MyTask(PythonInstanceTask[MyConfig])``)."""

    def __init__(self, task_type: str, name: str, task_config: Optional[T] = None,
                 interface: Optional[Interface] = None, environment: Optional[Dict[str, str]] = None,
                 disable_deck: Optional[bool] = None, enable_deck: Optional[bool] = None,
                 deck_fields: Optional[Tuple[Any, ...]] = None, metadata: Optional[TaskMetadata] = None,
                 security_ctx: Optional[SecurityContext] = None, docs: Optional[Docstring] = None,
                 task_type_version: int = 0, **kwargs):
        super().__init__()
        if kwargs:
            raise TaskDefinitionError(f"Unrecognized argument(s) for task {name}: {sorted(kwargs)}",
                                      hint="see `help(autoc.task)` for the accepted arguments")
        if disable_deck is not None and enable_deck is not None:
            raise ValidationError("only one of disable_deck and enable_deck may be set",
                                  hint="use enable_deck=True (disable_deck is deprecated)")
        self._task_type = task_type
        self._name = name
        self._task_config = task_config
        self._python_interface = interface or Interface()
        self._environment = dict(environment or {})
        self._metadata = metadata or TaskMetadata()
        self._security_ctx = security_ctx
        self._docs = docs
        self._task_type_version = task_type_version
        self._enable_deck = bool(enable_deck) if enable_deck is not None else (
            disable_deck is False)
        self._deck_fields = tuple(deck_fields or ())
        ENTITIES.append(self)

    # --- properties offered by the flytekit API ----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def task_type(self) -> str:
        return self._task_type

    @property
    def task_type_version(self) -> int:
        return self._task_type_version

    @property
    def task_config(self):
        return self._task_config

    def _check_task_config_override(self, task_config, where) -> None:
        """``with_overrides(task_config=...)`` on a node calling this task (``autoc.core.overrides`` asks the task,
        so that it need not import this module): a config of this task's config type, as flytekit checks it."""
        if not isinstance(task_config, type(self.task_config)):
            raise WorkflowDefinitionError(f"with_overrides(task_config=...): can't change the type of the task config "
                                          f"of {self.name} ({type(self.task_config).__name__}, not "
                                          f"{type(task_config).__name__})", where=where,
                                          hint="pass a config of the task's own config type")

    @property
    def python_interface(self) -> Interface:
        return self._python_interface

    @property
    def interface(self):
        """The typed interface as a flyteidl ``TypedInterface``."""
        return typed_interface(self)

    @property
    def metadata(self) -> TaskMetadata:
        return self._metadata

    @property
    def security_context(self) -> Optional[SecurityContext]:
        return self._security_ctx

    @property
    def environment(self) -> Dict[str, str]:
        return self._environment

    @property
    def docs(self):
        """The Documentation the task is described by: its docstring's descriptions over ``docs=`` (flytekit's)."""
        from autoc.core.documentation import Documentation, merged_documentation

        given, docstring = self._docs, self._python_interface.docstring
        if not isinstance(given, Documentation):  # a Docstring given as docs: the descriptions' source
            given, docstring = None, docstring if docstring is not None else given
        return merged_documentation(given, docstring)

    @property
    def enable_deck(self) -> bool:
        return self._enable_deck

    @property
    def disable_deck(self) -> bool:
        return not self._enable_deck

    @property
    def deck_fields(self) -> Tuple[Any, ...]:
        return self._deck_fields

    def get_input_types(self) -> Dict[str, type]:
        return dict(self._python_interface.inputs)

    def get_type_for_input_var(self, k: str, v: Any = None) -> type:
        return self._python_interface.inputs[k]

    def get_type_for_output_var(self, k: str, v: Any = None) -> type:
        return self._python_interface.outputs[k]

    # --- serialization hooks (overridden by container tasks and plugins) -----------------------------------------
    def get_custom(self, settings) -> Optional[Dict[str, Any]]:
        return None

    def get_config(self, settings) -> Optional[Dict[str, str]]:
        return {}

    def get_container(self, settings):
        return None

    def get_k8s_pod(self, settings):
        return None

    def get_sql(self, settings):
        return None

    def get_extended_resources(self, settings):
        return None

    # --- execution -----------------------------------------------------------------------------------------------
    def pre_execute(self, user_params):
        return user_params

    def post_execute(self, user_params, rval: Any) -> Any:
        return rval

    def execute(self, **kwargs) -> Any:
        raise NotImplementedError(f"task {self.name} does not implement execute()")

    def local_execution_mode(self):
        from autoc.core.context import ExecutionMode

        return ExecutionMode.LOCAL_TASK_EXECUTION

    def dispatch_execute(self, ctx, input_literal_map):
        """Literal inputs -> Python values -> execute -> literal outputs (see autoc.runtime)."""
        return above("dispatch").dispatch_execute(self, input_literal_map)

    def local_execute(self, ctx=None, **kwargs):
        """Run the task in this process through the same literal round trip as in a container."""
        return above("dispatch").local_execute(self, **kwargs)

    def sandbox_execute(self, ctx, input_literal_map):
        return self.dispatch_execute(ctx, input_literal_map)

    def compile(self, ctx, *args, **kwargs):
        """A node calling this task in the workflow being compiled (what calling it in a workflow body does)."""
        from autoc.core.promise import create_and_link_node

        return create_and_link_node(self, args, kwargs)

    def construct_node_metadata(self):
        from flyteidl.core import workflow_pb2

        m = workflow_pb2.NodeMetadata(name=self.name.rsplit(".", 1)[-1], retries=self._metadata.retry_strategy)
        if self._metadata.timeout:
            m.timeout.FromTimedelta(self._metadata.timeout)
        if self._metadata.interruptible is not None:
            m.interruptible = self._metadata.interruptible
        return m

    def __call__(self, *args, **kwargs):
        """Run the task here, as flytekit does: ``add(1, 2)`` or ``add(a=1, b=2)``; inside a workflow body, record a
        node and return promises."""
        from autoc.core.promise import compilation_state

        if compilation_state() is not None:
            return self.compile(None, *args, **kwargs)
        try:
            return self.local_execute(**bind_inputs(f"task {self.name}", self._python_interface, args, kwargs))
        except AutocError as e:  # a value that cannot be converted: point at the call
            if e.where is None:
                from autoc.core.node import user_site

                e.where = user_site()
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r})"


class PythonAutoContainerTask(PythonTask[T], metaclass=FlyteTrackedABC):
    """A task that runs the user's Python code inside a container whose image and command autoc fills in."""

    def __init__(self, name: str, task_config: Optional[T] = None, task_type: str = "python-task",
                 container_image: Optional[Union[str, Any]] = None, requests: Optional[Resources] = None,
                 limits: Optional[Resources] = None, environment: Optional[Dict[str, str]] = None,
                 task_resolver=None, secret_requests: Optional[List[Secret]] = None,
                 pod_template: Optional[PodTemplate] = None, pod_template_name: Optional[str] = None,
                 accelerator: Optional[BaseAccelerator] = None, shared_memory: Optional[Union[bool, str]] = None,
                 resources: Optional[Resources] = None, labels: Optional[Dict[str, str]] = None,
                 annotations: Optional[Dict[str, str]] = None, **kwargs):
        sec_ctx = None
        if secret_requests:
            if isinstance(secret_requests, Secret):
                secret_requests = [secret_requests]
            sec_ctx = SecurityContext(secrets=list(secret_requests))
        metadata: TaskMetadata = kwargs.pop("metadata", None) or TaskMetadata()
        # flytekit overwrites metadata.pod_template_name unconditionally; autoc keeps an explicit metadata value.
        if pod_template_name is not None or metadata.pod_template_name is None:
            metadata.pod_template_name = pod_template_name
        if labels is not None:
            metadata.labels = labels
        if annotations is not None:
            metadata.annotations = annotations
        super().__init__(task_type=task_type, name=name, task_config=task_config, security_ctx=sec_ctx,
                         environment=environment, metadata=metadata, **kwargs)
        if container_image is not None and not isinstance(container_image, str) \
                and not hasattr(container_image, "image_name"):
            raise TaskDefinitionError(f"task {name}: container_image must be a string or an ImageSpec, "
                                      f"got {type(container_image).__name__}")
        self._container_image = container_image
        self._resources = build_resource_spec(requests, limits, resources)
        self._resources.check(name, where=self._definition_site())
        if accelerator is not None and not isinstance(accelerator, BaseAccelerator):
            raise TaskDefinitionError(f"task {name}: accelerator must be a GPUAccelerator, e.g. autoc.T4")
        if shared_memory is not None and shared_memory is not False and shared_memory is not True \
                and not isinstance(shared_memory, str):
            raise TaskDefinitionError(f"task {name}: shared_memory must be True or a size such as '2Gi'")
        if isinstance(shared_memory, str):
            from autoc.core.resources import normalize_quantity

            normalize_quantity("shared_memory", shared_memory)
        self._accelerator = accelerator
        self._shared_memory = shared_memory
        self._pod_template = pod_template
        self._task_resolver = task_resolver
        self._get_command_fn: Optional[Callable] = None

    def _definition_site(self) -> Optional[str]:
        return None

    @property
    def container_image(self):
        return self._container_image

    @property
    def resources(self) -> ResourceSpec:
        return self._resources

    @property
    def accelerator(self) -> Optional[BaseAccelerator]:
        return self._accelerator

    @property
    def shared_memory(self):
        return self._shared_memory

    @property
    def pod_template(self) -> Optional[PodTemplate]:
        return self._pod_template

    @property
    def task_resolver(self):
        if self._task_resolver is None:
            return above("resolvers").default_task_resolver
        return self._task_resolver

    def set_resolver(self, resolver) -> None:
        """Use another TaskResolverMixin (e.g. the notebook resolver) to load this task in the container."""
        self._task_resolver = resolver

    def loader_location(self) -> Tuple[str, str]:
        """(module, variable) by which the default resolver imports this task in the container."""
        check_importable_module(self.instantiated_in, self, self.creation_site)
        lhs = self.find_lhs()
        return spec_module_name(self.instantiated_in), lhs

    # --- command -------------------------------------------------------------------------------------------------
    def get_default_command(self, settings) -> List[str]:
        return above("translate").default_command(self, settings)

    def get_command(self, settings) -> List[str]:
        if self._get_command_fn is not None:
            return self._get_command_fn(settings)
        return self.get_default_command(settings)

    def set_command_fn(self, get_command_fn: Optional[Callable] = None) -> None:
        """Replace how the container args are built (e.g. another entrypoint); reset with reset_command_fn()."""
        self._get_command_fn = get_command_fn

    def reset_command_fn(self) -> None:
        self._get_command_fn = None

    # --- serialization -------------------------------------------------------------------------------------------
    def get_image(self, settings) -> str:
        return above("translate").resolve_image(self._container_image, settings, task_name=self.name)

    def get_container(self, settings):
        if self._pod_template is not None:
            return None
        return above("translate").container(self, settings)

    def get_k8s_pod(self, settings):
        if self._pod_template is None:
            return None
        return above("translate").k8s_pod(self, settings)

    def get_config(self, settings) -> Optional[Dict[str, str]]:
        if self._pod_template is None:
            return {}
        return {"primary_container_name": self._pod_template.primary_container_name}

    def get_extended_resources(self, settings):
        return above("translate").extended_resources(self._accelerator, self._shared_memory)


class PythonFunctionTask(PythonAutoContainerTask[T], metaclass=FlyteTrackedABC):
    """A task made from a Python function by ``@task``."""

    def __init__(self, task_config: Optional[T], task_function: Callable, task_type: str = "python-task",
                 ignore_input_vars: Optional[List[str]] = None, task_resolver=None,
                 pickle_untyped: bool = False, docs=None, **kwargs):
        """``docs``: a Documentation (flytekit's), or a Docstring to read instead of the function's."""
        if not callable(task_function):
            raise TaskDefinitionError(f"@task needs a function, got {task_function!r}")
        self._task_function = task_function
        docstring = docs if isinstance(docs, Docstring) else Docstring(callable_=task_function)
        interface = transform_function_to_interface(task_function, docstring=docstring,
                                                    pickle_untyped=pickle_untyped)
        name = f"{spec_module_name(task_function.__module__)}.{task_function.__name__}"
        super().__init__(name=name, task_config=task_config, task_type=task_type, interface=interface,
                         task_resolver=task_resolver, docs=None if isinstance(docs, Docstring) else docs,
                         **kwargs)
        functools.update_wrapper(self, task_function)

    def _definition_site(self) -> Optional[str]:
        return location_of(getattr(self, "_task_function", None))

    @property
    def task_function(self) -> Callable:
        return self._task_function

    @property
    def definition_site(self) -> str:
        return location_of(self._task_function) or self.creation_site

    def loader_location(self) -> Tuple[str, str]:
        """The function's module and name when that name holds this task (the ``@task`` case); otherwise the
        variable this task was assigned to (``bar = task(foo)``), which flytekit gets wrong."""
        fn = self._task_function
        where = self.definition_site
        problem = nesting_problem(fn)
        module = fn.__module__
        check_importable_module(module, self, where)
        if problem is None and getattr(sys.modules.get(module), fn.__name__, None) is self:
            return spec_module_name(module), fn.__name__
        if problem and "<locals>" in fn.__qualname__ and not STRICT_LOADER_PATHS.get() and istestfunction(fn):
            return spec_module_name(module), fn.__name__  # in a unit test (in memory), as flytekit names it
        if self._lhs is None and self.instantiated_in and self.instantiated_in != "__main__":
            var = find_variable(self.instantiated_in, self)
            if var is not None:
                self._lhs = var
        if self._lhs is not None:
            module = spec_module_name(self.instantiated_in)
            self._name = f"{module}.{self._lhs}"
            return module, self._lhs
        if problem:
            raise TaskDefinitionError(f"task {fn.__name__} is {problem}; the container could not import it",
                                      where=where, hint="define @task functions at the top level of a module")
        raise TaskDefinitionError(f"task {self.name}: no module-level variable holds this task", where=where,
                                  hint="decorate a top-level function with @task, or assign the result of "
                                       "task(fn) to a module-level variable")

    def find_lhs(self) -> str:
        return self.loader_location()[1]

    @property
    def location(self) -> str:
        m, v = self.loader_location()
        return f"{m}.{v}"

    def execute(self, **kwargs) -> Any:
        return self._task_function(**kwargs)


class PythonInstanceTask(PythonAutoContainerTask[T], metaclass=FlyteTrackedABC):
    """A task object (not a function): subclasses implement ``execute(**kwargs)``; the object is found again in
    the container by the module-level variable it is assigned to."""

    def __init__(self, name: str, task_config: Optional[T] = None, task_type: str = "python-task",
                 task_resolver=None, **kwargs):
        super().__init__(name=name, task_config=task_config, task_type=task_type, task_resolver=task_resolver,
                         **kwargs)


_TASK_ARGS = ("task_config", "cache", "retries", "interruptible", "deprecated", "timeout", "container_image",
              "environment", "requests", "limits", "secret_requests", "task_resolver", "docs", "disable_deck",
              "enable_deck", "deck_fields", "pod_template", "pod_template_name", "accelerator", "pickle_untyped",
              "shared_memory", "resources", "labels", "annotations", "cache_serialize", "cache_version",
              "cache_ignore_input_vars")


def task(_task_function: Optional[Callable] = None, task_config: Optional[T] = None,
         cache: Union[bool, Cache] = False, retries: int = 0, interruptible: Optional[bool] = None,
         deprecated: str = "", timeout: Union[datetime.timedelta, int] = 0,
         container_image: Optional[Union[str, Any]] = None, environment: Optional[Dict[str, str]] = None,
         requests: Optional[Resources] = None, limits: Optional[Resources] = None,
         secret_requests: Optional[List[Secret]] = None, task_resolver=None, docs=None,
         disable_deck: Optional[bool] = None, enable_deck: Optional[bool] = None,
         deck_fields: Optional[Tuple[Any, ...]] = None, pod_template: Optional[PodTemplate] = None,
         pod_template_name: Optional[str] = None, accelerator: Optional[BaseAccelerator] = None,
         pickle_untyped: bool = False, shared_memory: Optional[Union[bool, str]] = None,
         resources: Optional[Resources] = None, labels: Optional[Dict[str, str]] = None,
         annotations: Optional[Dict[str, str]] = None, **kwargs):
    """Make a container task from a function: ``@task`` or ``@task(retries=2, requests=Resources(cpu="1"))``.

    ``cache=True`` needs ``cache_version``; ``timeout`` is seconds or a timedelta; ``resources`` takes
    (request, limit) tuples; the docstring becomes the task's description.
    """
    cache_serialize = kwargs.pop("cache_serialize", None)
    cache_version = kwargs.pop("cache_version", None)
    cache_ignore_input_vars = kwargs.pop("cache_ignore_input_vars", None)
    task_class = kwargs.pop("task_class", PythonFunctionTask)  # @dynamic makes its own class through task()
    hints = kwargs.pop("node_dependency_hints", None)
    if hints is not None and task_class is PythonFunctionTask:
        raise TaskDefinitionError("node_dependency_hints should only be used on dynamic tasks",
                                  hint="remove node_dependency_hints (a static task's dependencies are known when "
                                       "it is serialized), or make the task @dynamic")
    extra = {} if task_class is PythonFunctionTask else {"node_dependency_hints": hints}
    if kwargs:
        raise TaskDefinitionError(f"Unrecognized argument(s) for task: {sorted(kwargs)}",
                                  hint=f"accepted arguments: {', '.join(_TASK_ARGS)}")

    def wrapper(fn: Callable) -> PythonFunctionTask:
        nonlocal cache, cache_serialize, cache_version, cache_ignore_input_vars
        where = location_of(fn)
        if isinstance(cache, Cache):
            if cache_serialize is not None or cache_version is not None or cache_ignore_input_vars is not None:
                raise TaskDefinitionError("cache_serialize, cache_version, and cache_ignore_input_vars are "
                                          "deprecated. Please use Cache object", where=where,
                                          hint="put them into Cache(version=..., serialize=..., ignored_inputs=...)")
            cache_version = cache.get_version(VersionParameters(func=fn, container_image=container_image,
                                                                pod_template=pod_template,
                                                                pod_template_name=pod_template_name))
            cache_serialize = cache.serialize
            cache_ignore_input_vars = cache.get_ignored_inputs()
            cache = True
        try:
            metadata = TaskMetadata(cache=bool(cache), cache_serialize=bool(cache_serialize),
                                    cache_version=cache_version or "",
                                    cache_ignore_input_vars=tuple(cache_ignore_input_vars or ()),
                                    retries=retries, interruptible=interruptible, deprecated=deprecated,
                                    timeout=timeout)
        except AutocError as e:
            e.where = e.where or where
            e.message = f"task {fn.__module__}.{fn.__name__}: {e.message}"
            raise
        return task_class(task_config, fn, **extra, metadata=metadata, container_image=container_image,
                                  environment=environment, requests=requests, limits=limits,
                                  secret_requests=secret_requests, task_resolver=task_resolver, docs=docs,
                                  disable_deck=disable_deck, enable_deck=enable_deck, deck_fields=deck_fields,
                                  pod_template=pod_template, pod_template_name=pod_template_name,
                                  accelerator=accelerator, pickle_untyped=pickle_untyped,
                                  shared_memory=shared_memory, resources=resources, labels=labels,
                                  annotations=annotations)

    if _task_function is not None:
        return wrapper(_task_function)
    return wrapper
