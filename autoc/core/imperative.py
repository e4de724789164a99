"""Imperative workflows: ``Workflow(name)`` built call by call (``add_workflow_input``, ``add_entity`` /
``add_task`` / ``add_subwf`` / ``add_launch_plan``, ``add_workflow_output``, ``add_on_failure_handler``), the same
workflow a function body records, named exactly as given (flytekit adds no module prefix)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from autoc.core.interface import Interface
from autoc.core.node import Node, user_site
from autoc.core.promise import CompilationState, Promise, compiling
from autoc.core.workflow import WorkflowBase, WorkflowFailurePolicy
from autoc.errors import WorkflowDefinitionError


class ImperativeWorkflow(WorkflowBase):
    """``Workflow(name=...)``: nodes are added one call at a time; outputs keep the order they are added in."""

    def __init__(self, name: str, failure_policy: Optional[WorkflowFailurePolicy] = None,
                 interruptible: bool = False):
        if not isinstance(name, str) or not name:
            raise WorkflowDefinitionError(f"Workflow(name=...) needs a name, got {name!r}", where=user_site())
        super().__init__(name, Interface(), failure_policy=failure_policy, interruptible=interruptible)
        self._state = CompilationState(prefix="", workflow=self)
        self._inputs: Dict[str, Promise] = {}
        self._compiled = True  # nothing to run: the nodes are added as the module runs

    @property
    def compilation_state(self) -> CompilationState:
        return self._state

    @property
    def nodes(self):
        return self._state.nodes

    @property
    def inputs(self) -> Dict[str, Promise]:
        """The workflow inputs added so far, by name: pass them to ``add_entity(t, x=wf.inputs["x"])``."""
        return self._inputs

    def compile(self) -> None:
        pass

    def _with_interface(self, inputs=None, outputs=None) -> None:
        iface = self._python_interface
        self._python_interface = Interface(inputs={**iface.inputs, **(inputs or {})},
                                           outputs={**iface.outputs, **(outputs or {})})

    def add_workflow_input(self, input_name: str, python_type: Any) -> Promise:
        where = user_site()
        if input_name in self._inputs:
            raise WorkflowDefinitionError(f"Input {input_name} has already been specified for wf {self.name}.",
                                          where=where)
        self._with_interface(inputs={input_name: python_type})
        self._inputs[input_name] = Promise(input_name, None, python_type)
        return self._inputs[input_name]

    def add_entity(self, entity, **kwargs) -> Node:
        """A node calling ``entity`` (a task, workflow or launch plan) with ``kwargs``; returns the node
        (``node.outputs["o0"]``)."""
        from autoc.core.overrides import create_node
        from autoc.core.promise import compilation_state

        if compilation_state() is not None:
            raise WorkflowDefinitionError(f"workflow {self.name}: add_entity() cannot be called inside a workflow "
                                          f"body", where=user_site())
        with compiling(self._state):
            return create_node(entity, **kwargs)

    def add_task(self, task, **kwargs) -> Node:
        return self.add_entity(task, **kwargs)

    def add_launch_plan(self, launch_plan, **kwargs) -> Node:
        return self.add_entity(launch_plan, **kwargs)

    def add_subwf(self, sub_wf, **kwargs) -> Node:
        return self.add_entity(sub_wf, **kwargs)

    def add_workflow_output(self, output_name: str, p, python_type: Any = None) -> None:
        """Output ``output_name`` bound to ``p`` (a node output, or a list/dict of them with ``python_type``)."""
        where = user_site()
        if output_name in self._python_interface.outputs:
            raise WorkflowDefinitionError(f"Output {output_name} already exists in workflow {self.name}",
                                          where=where)
        if python_type is None:
            if isinstance(p, (list, dict)):
                raise WorkflowDefinitionError(
                    f"If specifying a list or dict of Promises, you must specify the python_type type for "
                    f"{output_name}", where=where, hint="e.g. python_type=typing.List[int]")
            if not isinstance(p, Promise):
                raise WorkflowDefinitionError(f"add_workflow_output('{output_name}', ...) needs a node output or a "
                                              f"workflow input, got {p!r:.80}", where=where)
            python_type = p.python_type if p.ref_node is None else \
                p.ref_node.entity.python_interface.outputs[p.var]
        self._with_interface(outputs={output_name: python_type})
        self._output_bindings[output_name] = p

    def add_on_failure_handler(self, entity) -> Node:
        """``entity`` (a task or workflow taking this workflow's inputs) runs when the workflow fails."""
        from autoc.core.promise import create_and_link_node

        state = CompilationState(prefix="", workflow=self)
        with compiling(state):
            create_and_link_node(entity, (), dict(self._inputs), state=state, where=user_site())
        self._failure_node = state.nodes[0]
        self._failure_node.id = "efn"  # flytekit's id for an imperative workflow's failure node
        self._on_failure = entity
        return self._failure_node

    def ready(self) -> bool:
        """Whether every input is used by a node (flytekit's check)."""
        used = {id(v) for n in self.nodes for v in n.inputs.values()}
        return all(id(p) in used for p in self._inputs.values())

    @property
    def definition_site(self) -> str:
        return self.creation_site


Workflow = ImperativeWorkflow

__all__ = ["ImperativeWorkflow", "Workflow"]
