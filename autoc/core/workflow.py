"""``@workflow``: a function whose body, run once on promises, records the nodes of a Flyte workflow.

The body is compiled lazily (on first use, and by discovery right after its module is imported), so a workflow
may call tasks defined below it, as in flytekit. Calling a workflow outside a body runs it locally: its nodes
run in order, each task through the same literal round trip as ``autoc execute``.
"""

from __future__ import annotations

import dataclasses
import sys
import enum
import functools
from typing import Any, Callable, Dict, List, Optional

from autoc.core.interface import Docstring, Interface, transform_function_to_interface, typed_interface
from autoc.core.node import Node, user_site
from autoc.core.promise import CompilationState, Promise, VoidPromise, compilation_state, compiling, \
    create_and_link_node
from autoc.core.seams import above
from autoc.core.tracker import InstanceTrackingMeta, TrackedInstance, spec_module_name
from autoc.errors import AutocError, ValidationError, WorkflowDefinitionError, location_of


class WorkflowFailurePolicy(enum.IntEnum):
    """What the workflow does when a node fails (flyteidl ``WorkflowMetadata.OnFailurePolicy``)."""

    FAIL_IMMEDIATELY = 0
    FAIL_AFTER_EXECUTABLE_NODES_COMPLETE = 1


@dataclasses.dataclass(frozen=True)
class WorkflowMetadata:
    """Workflow-wide options of the spec (flyteidl ``WorkflowMetadata``): what a node failure does."""

    on_failure: WorkflowFailurePolicy = WorkflowFailurePolicy.FAIL_IMMEDIATELY

    def __post_init__(self):
        if not isinstance(self.on_failure, WorkflowFailurePolicy):
            raise ValidationError(f"Failure policy {self.on_failure!r} not acceptable",
                                  hint="use WorkflowFailurePolicy.FAIL_IMMEDIATELY or "
                                       "WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE")

    def to_flyte_idl(self):
        from flyteidl.core import workflow_pb2

        return workflow_pb2.WorkflowMetadata(on_failure=int(self.on_failure))


@dataclasses.dataclass(frozen=True)
class WorkflowMetadataDefaults:
    """What every node of the workflow gets unless it says otherwise (flyteidl ``WorkflowMetadataDefaults``)."""

    interruptible: bool = False

    def __post_init__(self):
        if self.interruptible is not True and self.interruptible is not False:
            raise ValidationError(f"Interruptible must be boolean, {self.interruptible!r} invalid",
                                  hint="interruptible=True or False")

    def to_flyte_idl(self):
        from flyteidl.core import workflow_pb2

        return workflow_pb2.WorkflowMetadataDefaults(interruptible=self.interruptible)


class WorkflowBase(TrackedInstance, metaclass=InstanceTrackingMeta):
    """A workflow: name, Python interface, options, and the nodes and output bindings its compilation records."""

    def __init__(self, name: str, python_interface: Interface,
                 failure_policy: Optional[WorkflowFailurePolicy] = None, interruptible: bool = False,
                 on_failure=None, docs=None, default_options=None):
        super().__init__()
        from autoc.core.common import Options
        from autoc.core.task import ENTITIES

        if default_options is not None and not isinstance(default_options, Options):
            raise WorkflowDefinitionError(f"workflow {name}: default_options must be an Options, got "
                                          f"{default_options!r:.80}", where=self.definition_site,
                                          hint="default_options=Options(labels=Labels({...}), annotations=...)")

        if failure_policy is not None and not isinstance(failure_policy, WorkflowFailurePolicy):
            raise WorkflowDefinitionError(f"workflow {name}: failure_policy must be a WorkflowFailurePolicy, got "
                                          f"{failure_policy!r}", where=self.definition_site,
                                          hint="use WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE")
        from autoc.core.documentation import Documentation

        if docs is not None and not isinstance(docs, Documentation):
            raise WorkflowDefinitionError(f"workflow {name}: docs must be a Documentation, got {docs!r:.80}",
                                          where=self.definition_site,
                                          hint="docs=Documentation(short_description=..., "
                                               "long_description=Description(value=...))")
        if not isinstance(interruptible, bool):
            raise WorkflowDefinitionError(f"workflow {name}: interruptible must be True or False",
                                          where=self.definition_site)
        self._name = name
        self._python_interface = python_interface
        self.failure_policy = failure_policy
        self.interruptible = interruptible
        self._on_failure = on_failure
        self._docs = docs
        self._default_options = default_options
        self._nodes: List[Node] = []
        self._output_bindings: Dict[str, Any] = {}
        self._failure_node: Optional[Node] = None
        self._compiled = False
        self._compiling = False
        ENTITIES.append(self)

    # --- what flytekit's WorkflowBase offers ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def short_name(self) -> str:
        return self._name.rsplit(".", 1)[-1]

    @property
    def python_interface(self) -> Interface:
        return self._python_interface

    @property
    def interface(self):
        """The typed interface as a flyteidl ``TypedInterface``."""
        return typed_interface(self)

    @property
    def docs(self):
        """The Documentation the workflow is described by: its docstring's descriptions over ``docs=``."""
        from autoc.core.documentation import merged_documentation

        return merged_documentation(self._docs, self._python_interface.docstring)

    @property
    def workflow_metadata(self) -> WorkflowMetadata:
        return WorkflowMetadata(on_failure=self.failure_policy or WorkflowFailurePolicy.FAIL_IMMEDIATELY)

    @property
    def workflow_metadata_defaults(self) -> WorkflowMetadataDefaults:
        return WorkflowMetadataDefaults(interruptible=bool(self.interruptible))

    @property
    def default_options(self):
        """The Options whose labels and annotations the default launch plan gets."""
        return self._default_options

    @property
    def on_failure(self):
        return self._on_failure

    @property
    def nodes(self) -> List[Node]:
        self.compile()
        return self._nodes

    @property
    def output_bindings(self) -> Dict[str, Any]:
        """Output name -> the value the body returned for it (promises, constants, lists/dicts of both)."""
        self.compile()
        return self._output_bindings

    @property
    def failure_node(self) -> Optional[Node]:
        self.compile()
        return self._failure_node

    @property
    def definition_site(self) -> str:
        return self.creation_site

    def compile(self) -> None:
        pass

    def local_execution_mode(self):
        from autoc.core.context import ExecutionMode

        return ExecutionMode.LOCAL_WORKFLOW_EXECUTION

    def construct_node_metadata(self):
        from flyteidl.core import workflow_pb2

        m = workflow_pb2.NodeMetadata(name=self.short_name)
        m.retries.SetInParent()
        m.interruptible = self.interruptible
        return m

    def __call__(self, *args, **kwargs):
        state = compilation_state()
        if state is not None:
            self.compile()
            return create_and_link_node(self, args, kwargs, state=state, defaults_given=True)
        from autoc.core.promise import bind_arguments

        site = user_site()
        try:
            return self.local_execute(**bind_arguments(self, args, kwargs, site))
        except AutocError as e:  # a value that cannot be converted: point at the call
            e.where = e.where or site
            raise

    def local_execute(self, **kwargs):
        """Run the workflow in this process: its nodes in order, tasks through the literal round trip."""
        return above("local_workflow").run_workflow(self, kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r})"


class PythonFunctionWorkflow(WorkflowBase):
    """A workflow made from a function by ``@workflow``."""

    def __init__(self, workflow_function: Callable, failure_policy: Optional[WorkflowFailurePolicy] = None,
                 interruptible: bool = False, on_failure=None, docs=None, pickle_untyped: bool = False,
                 docstring: Optional[Docstring] = None, default_options=None):
        if not callable(workflow_function):
            raise WorkflowDefinitionError(f"@workflow needs a function, got {workflow_function!r}")
        self._workflow_function = workflow_function
        iface = transform_function_to_interface(workflow_function,
                                                docstring=docstring or Docstring(callable_=workflow_function),
                                                pickle_untyped=pickle_untyped)
        name = f"{spec_module_name(workflow_function.__module__)}.{workflow_function.__name__}"
        super().__init__(name, iface, failure_policy=failure_policy, interruptible=interruptible,
                         on_failure=on_failure, docs=docs, default_options=default_options)
        functools.update_wrapper(self, workflow_function)  # __wrapped__, __name__, __doc__, ... as tasks have

    @property
    def function(self) -> Callable:
        return self._workflow_function

    @property
    def definition_site(self) -> str:
        return location_of(self._workflow_function) or self.creation_site

    def compile(self) -> None:
        """Run the body once on promises for the inputs; record its nodes and what it returns."""
        if self._compiled:
            return
        if self._compiling:
            raise WorkflowDefinitionError(f"workflow {self.name} calls itself (directly or through another "
                                          f"workflow)", where=user_site(),
                                          hint="Flyte workflows cannot be recursive; call a launch plan of it "
                                               "from a task, or unroll the recursion")
        # its own node ids, even when compiled inside another; but first compiled inside a dynamic task's body (at
        # run time), they take its prefix ("dn0"), as flytekit's do
        outer = compilation_state()
        lent = outer is not None and getattr(outer.workflow, "lends_node_id_prefix", False)
        state = CompilationState(prefix=outer.prefix if lent else "", workflow=self)
        inputs = {k: Promise(k, None, t) for k, t in self._python_interface.inputs.items()}
        self._compiling = True
        try:
            with compiling(state):
                returned = self._workflow_function(**inputs)
                _check_sections_closed(state)
            failure_node = self._compile_failure_node(state.prefix + "f", inputs)
            outputs = self._bind_outputs(returned)
        except AutocError as e:
            e.where = e.where or self.definition_site
            raise
        except Exception as e:  # the user's body may raise anything: name it with the body's file:line
            raise WorkflowDefinitionError(
                f"workflow {self.name}: the body failed while compiling: {type(e).__name__}: {e}",
                where=_frame_in(e, self._workflow_function) or self.definition_site,
                hint="a workflow body runs once at import on placeholders (promises): it can call tasks, "
                     "workflows and launch plans and pass their outputs on, but not compute with them") from e
        finally:
            self._compiling = False
        self._nodes, self._failure_node, self._output_bindings = state.nodes, failure_node, outputs
        self._compiled = True

    def _compile_failure_node(self, prefix: str, inputs: Dict[str, Promise]) -> Optional[Node]:
        handler = self._on_failure
        if handler is None:
            return None
        wf_in, h_in = self._python_interface.inputs, handler.python_interface.inputs
        mismatched = [k for k, t in wf_in.items() if k not in h_in or h_in[k] != t]
        from autoc.core.promise import _is_optional

        extra = [k for k in h_in if k not in wf_in and not _is_optional(h_in[k])]
        if mismatched or extra:
            raise WorkflowDefinitionError(
                f"workflow {self.name}: the on_failure handler {handler.name} must take the workflow's inputs "
                f"({', '.join(wf_in) or 'none'}) with the same types, and only Optional inputs besides",
                where=self.definition_site,
                hint=f"check {', '.join(mismatched + extra)}; an extra `err: Optional[FlyteError] = None` receives "
                     f"the error")
        state = CompilationState(prefix=prefix, workflow=self)
        with compiling(state):
            handler(**inputs)
        if len(state.nodes) != 1:
            raise WorkflowDefinitionError(f"workflow {self.name}: on_failure must be a task or a workflow",
                                          where=self.definition_site)
        return state.nodes[0]

    def _bind_outputs(self, returned) -> Dict[str, Any]:
        names = list(self._python_interface.outputs)
        where = self.definition_site
        if not names:
            if returned is not None and not isinstance(returned, VoidPromise):
                raise WorkflowDefinitionError(
                    f"workflow {self.name} declares no outputs but returns {returned!r:.80}", where=where,
                    hint="annotate the return type (-> int, -> tuple[int, str], -> a NamedTuple) or return nothing")
            return {}
        if returned is None or isinstance(returned, VoidPromise):
            raise WorkflowDefinitionError(
                f"workflow {self.name} declares {len(names)} output(s) ({', '.join(names)}) but returns nothing",
                where=where, hint="return the values (outputs of the calls in the body)")
        if len(names) == 1:
            if isinstance(returned, tuple):
                if len(returned) != 1 or self._python_interface.output_tuple is None:
                    raise WorkflowDefinitionError(
                        f"workflow {self.name} declares one output but returns a tuple of {len(returned)}",
                        where=where, hint="pick the output you mean (t().o0), or declare a tuple return type")
                returned = returned[0]
            return {names[0]: returned}
        if not isinstance(returned, tuple) or len(returned) != len(names):
            got = f"a tuple of {len(returned)}" if isinstance(returned, tuple) else "one value"
            raise WorkflowDefinitionError(
                f"workflow {self.name} declares {len(names)} outputs ({', '.join(names)}) but returns {got}",
                where=where, hint=f"return {len(names)} values, in the order of the annotation")
        return dict(zip(names, returned))


def _check_sections_closed(state: CompilationState) -> None:
    if "autoc.core.condition" not in sys.modules:  # no conditional() was called: nothing to check, nothing to import
        return
    from autoc.core.condition import unfinished_section

    section = unfinished_section(state)
    if section is not None:
        raise WorkflowDefinitionError(f"conditional '{section.name}' is not finished: it has no else_()",
                                      where=section.where,
                                      hint="end it with .else_().then(...) or .else_().fail('message')")


def _frame_in(exc: BaseException, fn: Callable) -> Optional[str]:
    """file:line of the innermost traceback frame inside the workflow's file."""
    import traceback

    code = getattr(fn, "__code__", None)
    where = None
    for fs in traceback.extract_tb(exc.__traceback__):
        if code is not None and fs.filename == code.co_filename:
            where = f"{fs.filename}:{fs.lineno}"
    return where


def workflow(_workflow_function: Optional[Callable] = None,
             failure_policy: Optional[WorkflowFailurePolicy] = None, interruptible: bool = False,
             on_failure=None, docs=None, pickle_untyped: bool = False, default_options=None, **kwargs):
    """Make a workflow from a function: ``@workflow`` or ``@workflow(failure_policy=..., interruptible=True,
    on_failure=handler)``. The body runs once on promises; calls of tasks, workflows and launch plans become
    nodes. Called outside a workflow, it runs locally."""
    if kwargs:
        raise WorkflowDefinitionError(f"Unrecognized argument(s) for workflow: {sorted(kwargs)}", where=user_site(),
                                      hint="accepted: failure_policy, interruptible, on_failure, docs, "
                                           "pickle_untyped, default_options")

    def wrapper(fn: Callable) -> PythonFunctionWorkflow:
        return PythonFunctionWorkflow(fn, failure_policy=failure_policy, interruptible=interruptible,
                                      on_failure=on_failure, docs=docs, pickle_untyped=pickle_untyped,
                                      default_options=default_options)

    if _workflow_function is not None:
        return wrapper(_workflow_function)
    return wrapper
