"""``array_node(target)``: a launch plan (or a registered task or launch plan) run once per element of its list
inputs, as a Flyte ArrayNode (flytekit's ``flytekit.core.array_node``). ``map_task(launch_plan)`` makes one too.

The call records a node whose inputs are the lists; in its ``array_node`` a node named like the target (its name
as a DNS label) calls it with the same bindings: a launch-plan node (FULL_STATE, one input file) or a reference
task node (MINIMAL_STATE, one input file per element). Flyte gives the element inputs to each sub-node
(``is_original_sub_node_interface``: the target's own interface, made lists by Flyte). Unlike a map task, nothing
new is serialized: the target is registered as it is. Called locally, every element runs in this process and the
list comes back (a failed element is None while the successes can still reach ``min_successes`` /
``min_success_ratio``).
"""

from __future__ import annotations

import math
import typing
from typing import Any, Dict, Optional

from autoc.core.interface import Interface
from autoc.core.node import NODE_ENTITY_TYPES, user_site
from autoc.errors import WorkflowDefinitionError

#: flyteidl ``ArrayNode.ExecutionMode`` and ``ArrayNode.DataMode``
MINIMAL_STATE, FULL_STATE = 0, 1
SINGLE_INPUT_FILE, INDIVIDUAL_INPUT_FILES = 0, 1


def _lists(types: Dict[str, Any]) -> Dict[str, Any]:
    return {k: typing.List[v] for k, v in types.items()}  # type: ignore


class ArraySettings:
    """How an array node runs its sub-nodes (flytekit's ``ArrayNode`` and ``ArrayNodeMapTask`` both offer these)."""

    @property
    def concurrency(self) -> Optional[int]:
        return self._concurrency

    @property
    def min_successes(self) -> Optional[int]:
        return self._min_successes

    @property
    def min_success_ratio(self) -> Optional[float]:
        return self._min_success_ratio

    @property
    def run_all_sub_nodes(self) -> bool:
        return self._run_all_sub_nodes

    def run_elements(self, count: int, run_one, keep: bool = True) -> list:
        """A local run of elements ``0 .. count-1`` through ``run_one(i)``, in order: a failed element is None while
        the successes can still reach ``min_successes`` / ``min_success_ratio`` (flytekit's local semantics);
        without ``keep`` only the failures' Nones are kept (an element without outputs)."""
        needed = count
        if self._min_successes:
            needed = self._min_successes
        elif self._min_success_ratio:
            needed = math.ceil(count * self._min_success_ratio)
        outputs, failed = [], 0
        for i in range(count):
            try:
                o = run_one(i)
                if keep:
                    outputs.append(o)
            except Exception:
                outputs.append(None)
                failed += 1
                if count - failed < needed:
                    raise
        return outputs


class ArrayNode(ArraySettings):
    """A launch plan or reference task mapped over list inputs (flytekit's ``ArrayNode``): a node of a workflow,
    never an entity of its own."""

    is_array_node = True

    def __init__(self, target, concurrency: Optional[int] = None, min_successes: Optional[int] = None,
                 min_success_ratio: Optional[float] = None, run_all_sub_nodes: bool = False,
                 where: Optional[str] = None):
        from autoc.core.launch_plan import LaunchPlan
        from autoc.core.reference import ReferenceLaunchPlan, ReferenceTask

        self.where = where = where or user_site()
        if not isinstance(target, (LaunchPlan, ReferenceLaunchPlan, ReferenceTask)):
            raise WorkflowDefinitionError(f"array_node: Only LaunchPlans and ReferenceTasks are supported for now, got "
                                          f"{target!r:.80}", where=where,
                                          hint="map a launch plan (LaunchPlan.get_or_create(wf)), a reference launch "
                                               "plan or a reference task; map a task with map_task(t)")
        self.target = target
        iface = target.python_interface
        if len(iface.outputs) > 1:
            raise WorkflowDefinitionError(f"array_node({target.name}): Only tasks with a single output are supported "
                                          f"in map tasks; it has {len(iface.outputs)}", where=where,
                                          hint="return one value (a dataclass or a tuple type) from the target")
        self._concurrency = concurrency
        self._run_all_sub_nodes = run_all_sub_nodes
        if min_successes is not None:  # it wins over the ratio, as in flytekit
            self._min_successes, self._min_success_ratio = min_successes, None
        else:
            self._min_successes = 0
            self._min_success_ratio = min_success_ratio if min_success_ratio is not None else 1.0
        fixed = set(target.fixed_inputs) if isinstance(target, LaunchPlan) else set()
        # the output is a list of the target's output type, as Flyte compiles the node (the sub-node's own
        # interface made lists); flytekit's Python-side List[Optional[T]] for a ratio below 1 is not what the
        # backend checks bindings against, so a List[T] consumer is accepted, as flyteadmin accepts it
        self._python_interface = Interface(
            inputs=_lists({k: v for k, v in iface.inputs.items() if k not in fixed}),
            outputs=_lists(iface.outputs))
        self.is_task = isinstance(target, ReferenceTask)
        self.execution_mode = MINIMAL_STATE if self.is_task else FULL_STATE
        self.data_mode = INDIVIDUAL_INPUT_FILES if self.is_task else SINGLE_INPUT_FILE

    # --- what flytekit's ArrayNode offers ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.target.name

    @property
    def flyte_entity(self):
        return self.target

    @property
    def python_interface(self) -> Interface:
        return self._python_interface

    @property
    def is_original_sub_node_interface(self) -> bool:
        return True

    @property
    def bound_inputs(self) -> set:
        return set()

    def construct_node_metadata(self):
        """The node's metadata, shared with the node inside (flytekit passes the same object to both): the target's
        whole name and empty retries."""
        from flyteidl.core import workflow_pb2

        m = workflow_pb2.NodeMetadata(name=self.target.name)
        m.retries.SetInParent()
        return m

    # --- calls -----------------------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        from autoc.core.promise import compilation_state, create_and_link_node

        if compilation_state() is not None:
            return create_and_link_node(self, args, kwargs)
        if args:
            raise WorkflowDefinitionError(f"array_node({self.name}) takes keyword arguments only", where=user_site())
        return self.local_execute(**kwargs)

    def local_execute(self, **kwargs) -> Any:
        """Every element through the target, in order (a launch plan runs its workflow with its fixed inputs)."""
        count = 0
        for k, t in self.target.python_interface.inputs.items():
            if k not in self._python_interface.inputs:
                continue
            v = kwargs.get(k)
            if not isinstance(v, list):
                raise WorkflowDefinitionError(f"array_node({self.name}): Expected a list of "
                                              f"{getattr(t, '__name__', t)} for input '{k}' but got "
                                              f"{type(v).__name__} instead", where=user_site())
            count = len(v)
            break
        outputs = self.run_elements(count, lambda i: self.target(**{k: v[i] for k, v in kwargs.items()}))
        return outputs if self._python_interface.outputs else None

    def __repr__(self) -> str:
        return f"ArrayNode({self.target!r})"


NODE_ENTITY_TYPES.append(ArrayNode)


def array_node(target, concurrency: Optional[int] = None, min_success_ratio: Optional[float] = None,
               min_successes: Optional[int] = None, run_all_sub_nodes: bool = False) -> ArrayNode:
    """Map a launch plan (or a reference launch plan or task) over list inputs:
    ``array_node(lp, concurrency=4, min_success_ratio=0.9)(x=[...])``."""
    return ArrayNode(target, concurrency=concurrency, min_successes=min_successes,
                     min_success_ratio=min_success_ratio, run_all_sub_nodes=run_all_sub_nodes, where=user_site())
