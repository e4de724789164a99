"""``map_task(t)`` / ``array_node_map_task(t)``: one task run once per element of its list inputs, as a Flyte
ArrayNode.

A map task is a task of its own (``<module>.map_<fn>_<md5>-arraynode``, the interface with every unbound input and
the output made a list) whose container runs the mapped task on one element: the array index comes from the
environment (``BATCH_JOB_ARRAY_INDEX_VAR_NAME`` names the variable, plus ``BATCH_JOB_ARRAY_INDEX_OFFSET``), as
flytekit's map-task resolver reads it. ``functools.partial(t, k=v)`` binds ``k`` for every element (a bound input
is passed whole, not indexed). Called locally, every element runs in this process and the list comes back.
"""

from __future__ import annotations

import functools
import hashlib
import os
import typing
from typing import Any, Dict, List, Optional, Set

from autoc.core.array_node import ArraySettings
from autoc.core.interface import Interface
from autoc.core.node import user_site
from autoc.core.seams import above
from autoc.core.task import PythonFunctionTask, PythonInstanceTask, PythonTask
from autoc.errors import TaskDefinitionError

#: flyteidl ``ArrayNode.ExecutionMode``
MINIMAL_STATE, FULL_STATE = 0, 1


def _list_types(types: Dict[str, Any], bound: Set[str], optional: bool = False) -> Dict[str, Any]:
    """Every unbound variable as ``List[T]`` (``List[Optional[T]]`` with ``optional``); unchanged when none is
    unbound (flytekit's rule: its check for "already all lists" only ever holds then)."""
    if all(k in bound for k in types):
        return dict(types)
    return {k: v if k in bound else typing.List[typing.Optional[v] if optional else v]  # type: ignore[misc]
            for k, v in types.items()}


class ArrayNodeMapTask(ArraySettings, PythonTask):
    """A task mapped over its list inputs (flytekit's ``ArrayNodeMapTask``): serialized as a task of its own and an
    ArrayNode in the workflows that call it."""

    is_array_node_map_task = True

    def __init__(self, python_function_task, concurrency: Optional[int] = None,
                 min_successes: Optional[int] = None, min_success_ratio: Optional[float] = None,
                 bound_inputs: Optional[Set[str]] = None, bound_inputs_values: Optional[Dict[str, Any]] = None,
                 run_all_sub_nodes: bool = False, where: Optional[str] = None, **kwargs):
        where = where or user_site()
        self._partial = None
        target = python_function_task
        if isinstance(target, functools.partial):
            if target.args:
                raise TaskDefinitionError("map_task over a functools.partial with positional arguments",
                                          where=where, hint="bind the inputs by keyword: "
                                                            "functools.partial(t, name=value)")
            self._partial, target = target, target.func
        kind = getattr(target, "execution_mode", None)
        if not isinstance(target, (PythonFunctionTask, PythonInstanceTask)) or kind not in (None, "default"):
            raise TaskDefinitionError(
                f"map_task needs a task (@task or a task object), got {target!r:.80}", where=where,
                hint="map a @task function; @dynamic and @eager tasks, workflows and launch plans cannot be mapped "
                     "by autoc")
        inner_iface = target.python_interface
        if len(inner_iface.outputs) > 1:
            raise TaskDefinitionError(f"map_task({target.name}): only tasks with a single output can be mapped, it "
                                      f"has {len(inner_iface.outputs)}", where=where,
                                      hint="return one value (a dataclass or a tuple type) from the mapped task")
        if bound_inputs and bound_inputs_values and set(bound_inputs) != set(bound_inputs_values):
            raise TaskDefinitionError("bound_inputs and bound_inputs_values should have the same keys if both set",
                                      where=where)
        bound = set(bound_inputs or ())
        if self._partial is not None:
            unknown = sorted(set(self._partial.keywords) - set(inner_iface.inputs))
            if unknown:
                raise TaskDefinitionError(f"map_task({target.name}): the partial binds unknown input(s) "
                                          f"{', '.join(unknown)}", where=where,
                                          hint=f"its inputs are: {', '.join(inner_iface.inputs)}")
            bound.update(self._partial.keywords)
        self._bound_inputs_values = dict(bound_inputs_values or {})
        bound.update(self._bound_inputs_values)
        self._bound_inputs = bound
        optional = min_success_ratio is not None and min_success_ratio != 1 and len(inner_iface.outputs) == 1
        iface = Interface(inputs=_list_types(inner_iface.inputs, bound),
                          outputs=_list_types(inner_iface.outputs, set(), optional))
        self._run_task = target
        self._concurrency = concurrency
        self._min_successes = min_successes
        self._min_success_ratio = min_success_ratio
        self._run_all_sub_nodes = run_all_sub_nodes
        self._hash = hashlib.md5(f"{','.join(sorted(bound))}{concurrency}{min_successes}{min_success_ratio}"
                                 .encode()).hexdigest()
        self._where = where
        self._execution_mode = MINIMAL_STATE if type(target) in (PythonFunctionTask, PythonInstanceTask) \
            else FULL_STATE
        kwargs.setdefault("metadata", target.metadata)
        kwargs.setdefault("security_ctx", target.security_context)
        super().__init__(task_type=target.task_type, name="", interface=iface, task_type_version=1, **kwargs)

    # --- what flytekit's ArrayNodeMapTask offers -----------------------------------------------------------------
    @property
    def name(self) -> str:
        """``<module>.map_<function>_<md5 of bound inputs and options>-arraynode`` (flytekit's name)."""
        t = self._run_task
        if isinstance(t, PythonFunctionTask):
            from autoc.core.tracker import spec_module_name

            mod, f = spec_module_name(t.task_function.__module__), t.task_function.__name__
        else:
            mod, f = t.task_type, t.lhs
        return f"{mod}.map_{f}_{self._hash}-arraynode"

    @property
    def python_function_task(self):
        return self._run_task

    @property
    def bound_inputs(self) -> Set[str]:
        return self._bound_inputs

    @property
    def execution_mode(self) -> int:
        return self._execution_mode

    @property
    def is_original_sub_node_interface(self) -> bool:
        return False

    @property
    def definition_site(self) -> str:
        return self._where or self.creation_site

    @property
    def docs(self):
        return None

    def construct_node_metadata(self):
        """The metadata of the ArrayNode itself (only its name); the mapped node's is ``sub_node_metadata``."""
        from flyteidl.core import workflow_pb2

        return workflow_pb2.NodeMetadata(name=self.name)

    @property
    def sub_node_metadata(self):
        m = super().construct_node_metadata()
        m.name = self.name
        return m

    # --- serialization: the mapped task's container, with the map command ----------------------------------------
    def get_command(self, settings) -> List[str]:
        resolver = above("map_task_resolver").ArrayNodeMapTaskResolver()
        return settings.flavor.command(resolver, resolver.loader_args(settings, self), settings,
                                       execute=settings.flavor.map_execute)

    def _with_map_command(self, fn, settings):
        t = self._run_task
        t.set_command_fn(self.get_command)
        try:
            return fn(settings)
        finally:
            t.reset_command_fn()

    def get_container(self, settings):
        return self._with_map_command(self._run_task.get_container, settings)

    def get_k8s_pod(self, settings):
        return self._with_map_command(self._run_task.get_k8s_pod, settings)

    def get_sql(self, settings):
        return self._with_map_command(self._run_task.get_sql, settings)

    def get_custom(self, settings):
        return self._run_task.get_custom(settings) or {}

    def get_config(self, settings):
        return self._run_task.get_config(settings)

    def get_extended_resources(self, settings):
        return self._run_task.get_extended_resources(settings)

    # --- calls -----------------------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self._partial is not None:
            kwargs = {**self._partial.keywords, **kwargs}
        kwargs.update(self._bound_inputs_values)
        return super().__call__(*args, **kwargs)

    def execute(self, **kwargs) -> Any:
        """A local run: the mapped task on every element, in order; a failed element is None while the successes
        can still reach ``min_successes`` / ``min_success_ratio`` (flytekit's local semantics)."""
        inner = self._run_task
        count = 0
        for k in inner.python_interface.inputs:
            if isinstance(kwargs.get(k), list) and k not in self._bound_inputs:
                count = len(kwargs[k])
                break
        return self.run_elements(count, lambda i: inner.execute(
            **{k: v[i] if isinstance(v, list) and k not in self._bound_inputs else v for k, v in kwargs.items()}),
            keep=bool(self.python_interface.outputs))

    # --- in the container: one element --------------------------------------------------------------------------
    def dispatch_execute(self, ctx, input_literal_map):
        """In a container (``TASK_EXECUTION``) the mapped task on this array index's element, its own outputs (what
        flytekit's map task gives there); otherwise every element, the lists."""
        from autoc.core.context import ExecutionMode, current_mode

        if current_mode() == ExecutionMode.TASK_EXECUTION:
            to_idl = getattr(input_literal_map, "to_flyte_idl", None)  # (flytekit's model of it, through the face)
            task, one = self.array_element(to_idl() if callable(to_idl) else input_literal_map)
            return task.dispatch_execute(ctx, one)
        return super().dispatch_execute(ctx, input_literal_map)

    def array_element(self, lm):
        """(the mapped task, its inputs for this array index): unbound inputs are indexed, bound ones passed whole."""
        from flyteidl.core import literals_pb2

        from autoc.errors import TypeEngineError
        system_error = above("runtime_errors").system_error

        index = array_index()
        one = literals_pb2.LiteralMap()
        for k in self.python_interface.inputs:
            if k not in lm.literals:
                raise system_error("InputConversionError", TypeEngineError(
                    f"map task {self.name}: input '{k}' is missing from the inputs"))
            v = lm.literals[k]
            if k in self._bound_inputs:
                one.literals[k].CopyFrom(v)
                continue
            if v.WhichOneof("value") == "offloaded_metadata" and v.offloaded_metadata.uri:
                v = literals_pb2.Literal.FromString(_storage().read_bytes(v.offloaded_metadata.uri))  # (Flyte's)
            if v.WhichOneof("value") != "collection":
                raise system_error("InputConversionError", TypeEngineError(
                    f"map task {self.name}: input '{k}' must be a list to map over, got a {v.WhichOneof('value')}"))
            items = v.collection.literals
            if not 0 <= index < len(items):
                raise system_error("InputConversionError", TypeEngineError(
                    f"map task {self.name}: array index {index} is outside input '{k}' ({len(items)} items)",
                    hint="the index is BATCH_JOB_ARRAY_INDEX_OFFSET plus the variable BATCH_JOB_ARRAY_INDEX_VAR_NAME "
                         "names"))
            one.literals[k].CopyFrom(items[index])
        return self._run_task, one


def array_index() -> int:
    """This element's index: ``$BATCH_JOB_ARRAY_INDEX_OFFSET`` plus the variable ``$BATCH_JOB_ARRAY_INDEX_VAR_NAME``
    names (flytekit's ``_compute_array_job_index``)."""
    env = os.environ
    return int(env.get("BATCH_JOB_ARRAY_INDEX_OFFSET", "0")) + \
        int(env.get(env.get("BATCH_JOB_ARRAY_INDEX_VAR_NAME", "0"), "0"))


def map_task(target, concurrency: Optional[int] = None, min_successes: Optional[int] = None,
             min_success_ratio: float = 1.0, run_all_sub_nodes: bool = False, **kwargs) -> ArrayNodeMapTask:
    """Map a task over its list inputs: ``map_task(t, concurrency=4, min_success_ratio=0.9)(x=[...])``; a
    ``functools.partial`` binds inputs for every element. A launch plan or a reference task is mapped by an
    ``array_node`` (``autoc.core.array_node``)."""
    from autoc.core.launch_plan import LaunchPlan
    from autoc.core.reference import ReferenceLaunchPlan, ReferenceTask

    if isinstance(target, (LaunchPlan, ReferenceLaunchPlan, ReferenceTask)):  # an ArrayNode over it (flytekit's rule)
        from autoc.core.array_node import ArrayNode

        return ArrayNode(target, concurrency=concurrency, min_successes=min_successes,
                         min_success_ratio=min_success_ratio, run_all_sub_nodes=run_all_sub_nodes, where=user_site())
    return ArrayNodeMapTask(target, concurrency=concurrency, min_successes=min_successes,
                            min_success_ratio=min_success_ratio, run_all_sub_nodes=run_all_sub_nodes,
                            where=kwargs.pop("where", None) or user_site(), **kwargs)


def array_node_map_task(task_function, concurrency: Optional[int] = None, min_success_ratio: float = 1.0,
                        run_all_sub_nodes: bool = False, **kwargs) -> ArrayNodeMapTask:
    """flytekit's ``array_node_map_task``: ``map_task`` over a task."""
    return ArrayNodeMapTask(task_function, concurrency=concurrency, min_success_ratio=min_success_ratio,
                            run_all_sub_nodes=run_all_sub_nodes, where=kwargs.pop("where", None) or user_site(),
                            **kwargs)


def _storage():
    """``autoc.storage`` (below core), imported on first use."""
    from autoc import storage

    return storage
