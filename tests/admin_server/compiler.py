"""flyteadmin's CreateWorkflow and CreateLaunchPlan rules: the parts that decide what autoc and pyflyte send.

Sources (flyteorg/flyte): ``flyteadmin/pkg/manager/impl/{workflow_manager,launch_plan_manager}.go``,
``validation/{workflow_validator,launch_plan_validator}.go`` and flytepropeller's ``pkg/compiler`` (requirements,
node and binding validation, ``validators/typing.go`` for castability). A workflow is compiled at creation: every
task and launch plan it references must already be registered, a subworkflow must come with the spec, bindings
must name existing nodes and outputs with castable types, and every required input must be bound.
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

from flyteidl.admin import launch_plan_pb2, workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, interface_pb2, literals_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2
from google.protobuf import text_format

from .validate import AdminError, go_id, invalid

START_NODE, END_NODE = "start-node", "end-node"
Lookup = Callable[[identifier_pb2.Identifier], object]


def ident_key(ident: identifier_pb2.Identifier) -> tuple:
    return ident.resource_type, ident.project, ident.domain, ident.name, ident.version


def missing_entity(kind: str, ident: identifier_pb2.Identifier) -> AdminError:
    """The repositories' NotFound for a (project, domain, name, version) that is not stored."""
    import grpc

    bare = identifier_pb2.Identifier(project=ident.project, domain=ident.domain, name=ident.name,
                                     version=ident.version)
    return AdminError(grpc.StatusCode.NOT_FOUND, f"missing entity of type {kind} with identifier {go_id(bare)}")


# --- requirements -----------------------------------------------------------------------------------------------

def all_nodes(nodes) -> Iterator[core_workflow_pb2.Node]:
    """Every node, branch-node cases included (flytepropeller's ``GetRequirements`` walks them too)."""
    for node in nodes:
        yield node
        if node.HasField("branch_node"):
            ifelse = node.branch_node.if_else
            yield from all_nodes([ifelse.case.then_node, *(c.then_node for c in ifelse.other), *(
                [ifelse.else_node] if ifelse.HasField("else_node") else [])])
        if node.HasField("array_node"):
            yield from all_nodes([node.array_node.node])


def requirements(spec: workflow_pb2.WorkflowSpec) -> tuple[list, list]:
    """(task ids, launch plan ids) referenced by the template and its subworkflows, first use first, unique."""
    tasks: dict[tuple, identifier_pb2.Identifier] = {}
    plans: dict[tuple, identifier_pb2.Identifier] = {}
    for template in [spec.template, *spec.sub_workflows]:
        for node in all_nodes(template.nodes):
            if node.HasField("task_node"):
                tasks.setdefault(ident_key(node.task_node.reference_id), node.task_node.reference_id)
            elif node.HasField("workflow_node") and node.workflow_node.HasField("launchplan_ref"):
                plans.setdefault(ident_key(node.workflow_node.launchplan_ref), node.workflow_node.launchplan_ref)
    return list(tasks.values()), list(plans.values())


# --- compile ----------------------------------------------------------------------------------------------------

class _Errors:
    """flytepropeller's compileErrorSet: unique, listed sorted, rendered as "Collected Errors: N"."""

    def __init__(self):
        self.items: set[tuple[str, str]] = set()

    def add(self, code: str, node: str, description: str) -> None:
        self.items.add((code, f"Code: {code}, Node Id: {node}, Description: {description}"))

    def text(self) -> str:
        listed = [t for _, t in sorted(self.items)]
        return f"Collected Errors: {len(listed)}\n" + "".join(f"\tError {i}: {e}\n" for i, e in enumerate(listed))


def compile_workflow(spec: workflow_pb2.WorkflowSpec, get_task: Lookup,
                     get_launch_plan: Lookup) -> compiler_pb2.CompiledWorkflowClosure:
    """``getCompiledWorkflow``: fetch what the workflow references (a missing one ends it, as in flyteadmin), then
    compile the primary template and every subworkflow. Raises the AdminError flyteadmin answers."""
    request_id = spec.template.id
    task_ids, plan_ids = requirements(spec)
    try:
        tasks = {ident_key(t): get_task(t) for t in task_ids}
        plans = {ident_key(p): get_launch_plan(p) for p in plan_ids}
    except AdminError as e:
        raise invalid(f"failed to compile workflow for [{go_id(request_id)}] with err: {e.message}") from None
    subs = {ident_key(s.id): s for s in spec.sub_workflows}
    errors = _Errors()
    for template in [spec.template, *spec.sub_workflows]:
        _compile_template(template, tasks, plans, subs, errors)
    if errors.items:
        raise invalid(f"failed to compile workflow for [{go_id(request_id)}] with err: {errors.text()}")
    return compiler_pb2.CompiledWorkflowClosure(
        primary=_compiled(spec.template),
        sub_workflows=[_compiled(s) for s in spec.sub_workflows],
        tasks=[compiler_pb2.CompiledTask(template=t) for t in tasks.values()])


def _compiled(template: core_workflow_pb2.WorkflowTemplate) -> compiler_pb2.CompiledWorkflow:
    """The template as flytepropeller compiles it: every node's upstream ids sorted (``ValidateNode``; flytekit
    sends them in set order), and the connections between the nodes."""
    compiled = compiler_pb2.CompiledWorkflow(template=template)
    template = compiled.template
    failure = [template.failure_node] if template.HasField("failure_node") else []
    for node in all_nodes(list(template.nodes) + failure):
        ids = sorted(set(node.upstream_node_ids))  # a set: pyflyte sends them in a different order each run
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)
    upstream: dict[str, list[str]] = {}
    downstream: dict[str, list[str]] = {}
    for node in template.nodes:
        for up in _node_dependencies(node):
            upstream.setdefault(node.id, []).append(up)
            downstream.setdefault(up, []).append(node.id)
    for k, v in upstream.items():
        compiled.connections.upstream[k].ids.extend(sorted(set(v)))
    for k, v in downstream.items():
        compiled.connections.downstream[k].ids.extend(sorted(set(v)))
    return compiled


def _node_dependencies(node) -> set[str]:
    deps = set(node.upstream_node_ids)
    for b in node.inputs:
        deps |= {p.node_id for p in _promises(b.binding)}
    return {d or START_NODE for d in deps}


def _promises(binding: literals_pb2.BindingData) -> Iterator[types_pb2.OutputReference]:
    kind = binding.WhichOneof("value")
    if kind == "promise":
        yield binding.promise
    elif kind == "collection":
        for b in binding.collection.bindings:
            yield from _promises(b)
    elif kind == "map":
        for b in binding.map.bindings.values():
            yield from _promises(b)
    elif kind == "union":
        yield from _promises(binding.union.value)


def _node_interface(node, tasks, plans, subs, errors: _Errors) -> tuple[Mapping, Mapping, set] | None:
    """(input name -> type, output name -> type, required input names) of what the node runs, or None."""
    if node.HasField("array_node"):  # the node it maps: its task's interface (flytekit made its inputs lists,
        return _node_interface(node.array_node.node, tasks, plans, subs, errors)  # bound ones left as they are)
    if node.HasField("task_node"):
        t = tasks.get(ident_key(node.task_node.reference_id))
        if t is None:
            errors.add("TaskReferenceNotFound", node.id,
                       f"Referenced Task [{go_id(node.task_node.reference_id)}] not found.")
            return None
        ins = {k: v.type for k, v in t.interface.inputs.variables.items()}
        return ins, {k: v.type for k, v in t.interface.outputs.variables.items()}, set(ins)
    if node.HasField("workflow_node"):
        wn = node.workflow_node
        if wn.HasField("launchplan_ref"):
            closure = plans[ident_key(wn.launchplan_ref)].closure
            params = closure.expected_inputs.parameters
            return ({k: p.var.type for k, p in params.items()},
                    {k: v.type for k, v in closure.expected_outputs.variables.items()},
                    {k for k, p in params.items() if p.required or not p.HasField("default")})
        sub = subs.get(ident_key(wn.sub_workflow_ref))
        if sub is None:
            errors.add("WorkflowReferenceNotFound", node.id,
                       f"Referenced Workflow [{go_id(wn.sub_workflow_ref)}] not found.")
            return None
        ins = {k: v.type for k, v in sub.interface.inputs.variables.items()}
        return ins, {k: v.type for k, v in sub.interface.outputs.variables.items()}, set(ins)
    return None  # branch, gate, array ...: bindings are not type-checked here


def _compile_template(template, tasks, plans, subs, errors: _Errors) -> None:
    nodes = {n.id: n for n in template.nodes}
    outputs: dict[str, Mapping] = {START_NODE: {k: v.type for k, v in template.interface.inputs.variables.items()}}
    interfaces = {}
    for node in template.nodes:
        interfaces[node.id] = _node_interface(node, tasks, plans, subs, errors)
        if interfaces[node.id] is not None:
            outputs[node.id] = interfaces[node.id][1]
    for node in template.nodes:
        for up in node.upstream_node_ids:
            if up not in nodes and up != START_NODE:
                errors.add("NodeReferenceNotFound", node.id, f"Referenced node [{up}] not found.")
        iface = interfaces[node.id]
        bound = set()
        for b in node.inputs:
            bound.add(b.var)
            expected = None
            if iface is not None:
                if b.var not in iface[0]:
                    errors.add("VariableNameNotFound", node.id, f"Variable [{b.var}] not found on node [{node.id}].")
                    continue
                expected = iface[0][b.var]
            _check_binding(node.id, b.var, b.binding, expected, nodes, outputs, errors)
        if iface is not None:
            for name in sorted(iface[2] - bound):
                errors.add("ParameterNotBound", node.id, f"Parameter not bound [{name}].")
    wf_outputs = {k: v.type for k, v in template.interface.outputs.variables.items()}
    bound = set()
    for b in template.outputs:
        bound.add(b.var)
        if b.var not in wf_outputs:
            errors.add("VariableNameNotFound", END_NODE, f"Variable [{b.var}] not found on node [{END_NODE}].")
            continue
        _check_binding(END_NODE, b.var, b.binding, wf_outputs[b.var], nodes, outputs, errors)
    for name in sorted(set(wf_outputs) - bound):
        errors.add("ParameterNotBound", END_NODE, f"Parameter not bound [{name}].")


def _check_binding(node_id, var, binding, expected, nodes, outputs, errors: _Errors) -> None:
    kind = binding.WhichOneof("value")
    if kind == "promise":
        ref = binding.promise
        source = ref.node_id or START_NODE
        if source != START_NODE and source not in nodes:
            errors.add("NodeReferenceNotFound", node_id, f"Referenced node [{source}] not found.")
            return
        if source not in outputs:
            return  # that node's interface is unknown (reported there)
        if ref.var not in outputs[source]:
            errors.add("VariableNameNotFound", node_id, f"Node [{source}] doesn't have output named [{ref.var}].")
            return
        actual = outputs[source][ref.var]
        if expected is not None and not ref.attr_path and not castable(actual, expected):
            errors.add("MismatchingTypes", node_id, f"Variable [{ref.var}] (type [{_type_text(actual)}]) doesn't "
                                                    f"match expected type [{_type_text(expected)}].")
    elif kind == "scalar":
        if expected is not None:
            actual = literal_type_of(literals_pb2.Literal(scalar=binding.scalar))
            if actual is not None and not castable(actual, expected):
                errors.add("MismatchingTypes", node_id, f"Variable [{var}] (type [{_type_text(actual)}]) doesn't "
                                                        f"match expected type [{_type_text(expected)}].")
    elif kind == "collection":
        inner = None
        if expected is not None:
            if not expected.HasField("collection_type") and not expected.HasField("union_type"):
                errors.add("MismatchingTypes", node_id, f"Variable [{var}] (type [collection]) doesn't match "
                                                        f"expected type [{_type_text(expected)}].")
                return
            inner = expected.collection_type if expected.HasField("collection_type") else None
        for b in binding.collection.bindings:
            _check_binding(node_id, var, b, inner, nodes, outputs, errors)
    elif kind == "map":
        inner = None
        if expected is not None:
            if not expected.HasField("map_value_type") and not expected.HasField("union_type") and not (
                    expected.simple == types_pb2.STRUCT):
                errors.add("MismatchingTypes", node_id, f"Variable [{var}] (type [map]) doesn't match expected "
                                                        f"type [{_type_text(expected)}].")
                return
            inner = expected.map_value_type if expected.HasField("map_value_type") else None
        for b in binding.map.bindings.values():
            _check_binding(node_id, var, b, inner, nodes, outputs, errors)


def _type_text(t: types_pb2.LiteralType) -> str:
    return text_format.MessageToString(t, as_one_line=True)


# --- types (flytepropeller's validators/typing.go, the cases flytekit's output meets) -----------------------------

_PRIMITIVE = {"integer": types_pb2.INTEGER, "float_value": types_pb2.FLOAT, "string_value": types_pb2.STRING,
              "boolean": types_pb2.BOOLEAN, "datetime": types_pb2.DATETIME, "duration": types_pb2.DURATION}


def literal_type_of(lit: literals_pb2.Literal) -> types_pb2.LiteralType | None:
    """``LiteralTypeForLiteral``; None where the type cannot be told from the value (an empty collection)."""
    kind = lit.WhichOneof("value")
    if kind == "collection":
        items = lit.collection.literals
        inner = literal_type_of(items[0]) if items else None
        return None if inner is None else types_pb2.LiteralType(collection_type=inner)
    if kind == "map":
        values = list(lit.map.literals.values())
        inner = literal_type_of(values[0]) if values else None
        return None if inner is None else types_pb2.LiteralType(map_value_type=inner)
    if kind != "scalar":
        return None
    s = lit.scalar
    which = s.WhichOneof("value")
    if which == "primitive":
        return types_pb2.LiteralType(simple=_PRIMITIVE[s.primitive.WhichOneof("value")])
    if which == "none_type":
        return types_pb2.LiteralType(simple=types_pb2.NONE)
    if which == "generic":
        return types_pb2.LiteralType(simple=types_pb2.STRUCT)
    if which == "binary":
        return types_pb2.LiteralType(simple=types_pb2.BINARY)
    if which == "blob":
        return types_pb2.LiteralType(blob=s.blob.metadata.type)
    if which == "structured_dataset":
        return types_pb2.LiteralType(structured_dataset_type=s.structured_dataset.metadata.structured_dataset_type)
    if which == "union":
        return s.union.type
    if which == "schema":
        return types_pb2.LiteralType(schema=s.schema.type)
    if which == "error":
        return types_pb2.LiteralType(simple=types_pb2.ERROR)
    return None


def castable(up: types_pb2.LiteralType, down: types_pb2.LiteralType) -> bool:
    """``AreTypesCastable(upstream, downstream)``."""
    if down.HasField("union_type"):
        if up.HasField("union_type"):
            return all(any(castable(u, d) for d in down.union_type.variants) for u in up.union_type.variants)
        return any(castable(up, d) for d in down.union_type.variants)
    if up.HasField("union_type"):
        return False
    kind = down.WhichOneof("type")
    if kind == "simple":
        if up.WhichOneof("type") != "simple":
            return False
        pair = {up.simple, down.simple}
        return up.simple == down.simple or pair == {types_pb2.STRUCT, types_pb2.BINARY}
    if kind == "collection_type":
        return up.HasField("collection_type") and castable(up.collection_type, down.collection_type)
    if kind == "map_value_type":
        return up.HasField("map_value_type") and castable(up.map_value_type, down.map_value_type)
    if kind == "blob":
        if not up.HasField("blob"):
            return False
        a, b = up.blob, down.blob
        return a.dimensionality == b.dimensionality and (not a.format or not b.format or a.format == b.format)
    if kind == "enum_type":
        if up.HasField("enum_type"):
            return set(up.enum_type.values) <= set(down.enum_type.values)
        return up.simple == types_pb2.STRING and up.WhichOneof("type") == "simple"
    if kind == "structured_dataset_type":
        if not up.HasField("structured_dataset_type"):
            return False
        a, b = up.structured_dataset_type.format, down.structured_dataset_type.format
        return not a or not b or a == b
    if kind == "schema":
        return up.HasField("schema")
    return up == down


# --- launch plans -----------------------------------------------------------------------------------------------

def expected_inputs(workflow_inputs: interface_pb2.VariableMap, spec: launch_plan_pb2.LaunchPlanSpec
                    ) -> interface_pb2.ParameterMap:
    """``checkAndFetchExpectedInputForLaunchPlan``: defaults and fixed inputs must be workflow inputs of castable
    types; the result is every workflow input that is not fixed, a default's parameter or a required one."""
    wf = workflow_inputs.variables
    defaults, fixed = spec.default_inputs.parameters, spec.fixed_inputs.literals
    if not wf:
        if defaults:
            raise invalid(f"invalid launch plan default inputs, expected none but found {len(defaults)}")
        if fixed:
            raise invalid(f"invalid launch plan fixed inputs, expected none but found {len(fixed)}")
        return interface_pb2.ParameterMap()
    for name in sorted(defaults):
        if name not in wf:
            raise invalid(f"unexpected default_input {name}")
        if not castable(defaults[name].var.type, wf[name].type):
            raise invalid(f"invalid default_input wrong type {name}, expected {_type_text(wf[name].type)}, got "
                          f"{_type_text(defaults[name].var.type)} instead")
    for name in sorted(fixed):
        if name not in wf:
            raise invalid(f"unexpected fixed_input {name}")
        actual = literal_type_of(fixed[name])
        if actual is not None and not castable(actual, wf[name].type):
            raise invalid(f"invalid fixed_input wrong type {name}, expected {_type_text(wf[name].type)}, got "
                          f"{_type_text(actual)} instead")
    out = interface_pb2.ParameterMap()
    for name, var in wf.items():
        if name in fixed:
            continue
        if name in defaults:
            out.parameters[name].CopyFrom(defaults[name])
        else:
            out.parameters[name].CopyFrom(interface_pb2.Parameter(var=var, required=True))
    return out


def validate_schedule(spec: launch_plan_pb2.LaunchPlanSpec, expected: interface_pb2.ParameterMap) -> None:
    """``validateSchedule``: a scheduled launch plan may leave no input required except the kickoff time."""
    if not spec.entity_metadata.HasField("schedule"):
        return
    schedule = spec.entity_metadata.schedule
    arg = schedule.kickoff_time_input_arg
    for name, param in expected.parameters.items():
        if param.required and name != arg:
            raise invalid(f"Cannot create a launch plan with a schedule when the workflow has required inputs "
                          f"without defaults: [{name}]")
    if arg and arg not in expected.parameters:
        raise invalid(f"Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. "
                      f"[{arg}] is not free or does not exist.")


__all__ = ["castable", "compile_workflow", "expected_inputs", "literal_type_of", "missing_entity", "requirements",
           "validate_schedule"]
