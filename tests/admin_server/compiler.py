"""flyteadmin's CreateWorkflow and CreateLaunchPlan rules: the parts that decide what autoc and pyflyte send.

Sources (flyteorg/flyte): ``flyteadmin/pkg/manager/impl/{workflow_manager,launch_plan_manager}.go``,
``validation/{workflow_validator,launch_plan_validator}.go`` and flytepropeller's ``pkg/compiler`` (requirements,
node and binding validation, ``validators/typing.go`` for castability). A workflow is compiled at creation: every
task and launch plan it references must already be registered, a subworkflow must come with the spec, bindings
must name existing nodes and outputs with castable types, and every required input must be bound.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator, Mapping

from flyteidl.admin import launch_plan_pb2, workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, interface_pb2, literals_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2

from .validate import AdminError, go_id, go_text, invalid

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
    """(task ids, launch plan ids) referenced by the template, its failure node and its subworkflows, unique, sorted
    as flytepropeller's IdentifierSet lists them (flyteadmin fetches them in that order: the first missing one is
    the one named)."""
    tasks: dict[tuple, identifier_pb2.Identifier] = {}
    plans: dict[tuple, identifier_pb2.Identifier] = {}
    for template in [spec.template, *spec.sub_workflows]:
        failure = [template.failure_node] if template.HasField("failure_node") else []
        for node in all_nodes([*template.nodes, *failure]):
            if node.HasField("task_node"):
                tasks.setdefault(ident_key(node.task_node.reference_id), node.task_node.reference_id)
            elif node.HasField("workflow_node") and node.workflow_node.HasField("launchplan_ref"):
                plans.setdefault(ident_key(node.workflow_node.launchplan_ref), node.workflow_node.launchplan_ref)
    return sorted(tasks.values(), key=ident_key), sorted(plans.values(), key=ident_key)


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
    """The template as flytepropeller's ``ValidateWorkflow`` leaves it (checked against flyteadmin 1.16.8): nodes
    start-node, end-node (its inputs are the workflow's outputs), then the workflow's own; every promise on the
    workflow's inputs (node_id "") names start-node; every node's upstream ids sorted (flytekit sends them in set
    order); and the connections, each list sorted: explicit and binding edges of the top-level nodes and end-node,
    binding edges of a failure node or branch case upstream only, then start-node to every top-level node with no
    upstream and every top-level node with no downstream to end-node."""
    compiled = compiler_pb2.CompiledWorkflow(template=template)
    template = compiled.template
    own = list(template.nodes)
    del template.nodes[:]
    template.nodes.add(id=START_NODE)
    template.nodes.add(id=END_NODE).inputs.extend(template.outputs)
    template.nodes.extend(own)
    failure = [template.failure_node] if template.HasField("failure_node") else []
    for node in all_nodes(list(template.nodes) + failure):
        ids = sorted(set(node.upstream_node_ids))
        del node.upstream_node_ids[:]
        node.upstream_node_ids.extend(ids)
        for b in node.inputs:
            for p in _promises(b.binding):
                p.node_id = p.node_id or START_NODE
    for b in template.outputs:
        for p in _promises(b.binding):
            p.node_id = p.node_id or START_NODE
    upstream: dict[str, set[str]] = {}
    downstream: dict[str, set[str]] = {}

    def edge(up: str, node: str, both: bool = True) -> None:
        upstream.setdefault(node, set()).add(up)
        if both:
            downstream.setdefault(up, set()).add(node)

    top = {n.id: n for n in template.nodes[1:]}  # end-node and the workflow's nodes
    for node_id in sorted(top):
        node = top[node_id]
        for up in node.upstream_node_ids:
            edge(up, node_id)
        for b in node.inputs:
            for p in _promises(b.binding):
                edge(p.node_id, node_id)
    inner = [n for n in all_nodes(own) if n.id not in top]  # branch cases
    for node in inner + failure:
        for b in node.inputs:
            for p in _promises(b.binding):
                edge(p.node_id, node.id, both=False)
    for node_id in sorted(n.id for n in own):
        if node_id not in upstream:
            edge(START_NODE, node_id)
        if node_id not in downstream:
            edge(node_id, END_NODE)
    for k in sorted(upstream):
        compiled.connections.upstream[k].ids.extend(sorted(upstream[k]))
    for k in sorted(downstream):
        compiled.connections.downstream[k].ids.extend(sorted(downstream[k]))
    return compiled


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
        found = _node_interface(node.array_node.node, tasks, plans, subs, errors)  # bound ones left as they are)
        a = node.array_node
        if found is None or not (a.is_original_sub_node_interface.value or (
                a.execution_mode == core_workflow_pb2.ArrayNode.FULL_STATE and not a.HasField(
                    "is_original_sub_node_interface"))):
            return found
        # the sub-node's own interface (a launch plan's, a reference task's): flytepropeller makes every input but
        # the bound ones a list, and every output (validators/interface.go, ValidateUnderlyingInterface)
        ins, outs, required = found
        return ({k: t if k in a.bound_inputs else types_pb2.LiteralType(collection_type=t) for k, t in ins.items()},
                {k: types_pb2.LiteralType(collection_type=t) for k, t in outs.items()}, required)
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
        if node.HasField("branch_node") or node.HasField("gate_node"):
            interfaces[node.id] = control_interface(node, nodes, outputs, tasks, plans, subs, errors)
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


# --- branch and gate nodes (flytepropeller's validators/branch.go, condition.go, interface.go) -------------------

_PRIMITIVE_TYPES = {"integer": types_pb2.INTEGER, "float_value": types_pb2.FLOAT, "string_value": types_pb2.STRING,
                    "boolean": types_pb2.BOOLEAN, "datetime": types_pb2.DATETIME, "duration": types_pb2.DURATION}


def _bound_types(node, outputs) -> dict:
    """The node's inputs as flytepropeller infers them from its bindings (the types of the promised outputs)."""
    found = {}
    for b in node.inputs:
        if b.binding.WhichOneof("value") == "promise":
            ref = b.binding.promise
            t = outputs.get(ref.node_id or START_NODE, {}).get(ref.var)
            if t is not None and not ref.attr_path:
                found[b.var] = t
    return found


def control_interface(node, nodes, outputs, tasks, plans, subs, errors: _Errors):
    """(inputs, outputs, required) of a branch or gate node, its cases' nodes and conditions checked."""
    inputs = _bound_types(node, outputs)
    if node.HasField("gate_node"):
        gate = node.gate_node
        kind = gate.WhichOneof("condition")
        if kind == "approve":
            return inputs, inputs, set()
        if kind == "signal":
            if not gate.signal.HasField("type"):
                errors.add("ValueRequired", node.id, "Value required [GateNode.Signal.Type].")
                return None
            if not gate.signal.output_variable_name:
                errors.add("ValueRequired", node.id, "Value required [GateNode.Signal.OutputVariableName].")
                return None
            return {}, {gate.signal.output_variable_name: gate.signal.type}, set()
        if kind == "sleep":
            return {}, {}, set()
        errors.add("NoConditionFound", node.id, f"Can't find any condition in gate node [{node.id}].")
        return None
    if_else = node.branch_node.if_else
    if not if_else.HasField("case"):
        errors.add("BranchNodeHasNoCondition", node.id, "One of the branches on the node doesn't have a condition.")
        return None
    blocks = [if_else.case, *if_else.other]
    cases = [b.then_node for b in blocks]
    if if_else.HasField("else_node"):
        cases.append(if_else.else_node)
    elif not if_else.HasField("error"):
        errors.add("BranchNodeHasNoDefault", node.id,
                   "Branch Node must have either the else case set or a default error.")
    for block in blocks:
        _check_condition(node.id, block.condition, inputs, errors)
    common = None
    for case in cases:
        inner_id = f"{node.id}-{case.id}"
        iface = _node_interface(case, tasks, plans, subs, errors)
        if case.HasField("branch_node") or case.HasField("gate_node"):
            iface = control_interface(case, nodes, outputs, tasks, plans, subs, errors)
        if iface is None:
            continue
        bound = set()
        for b in case.inputs:
            bound.add(b.var)
            if b.var not in iface[0]:
                errors.add("VariableNameNotFound", inner_id, f"Variable [{b.var}] not found on node [{inner_id}].")
                continue
            _check_binding(inner_id, b.var, b.binding, iface[0][b.var], nodes, outputs, errors)
        for name in sorted(iface[2] - bound):
            errors.add("ParameterNotBound", inner_id, f"Parameter not bound [{name}].")
        if common is None:
            common = dict(iface[1])
            continue
        for name in sorted(set(common) & set(iface[1])):
            if common[name] != iface[1][name]:
                errors.add("MismatchingTypes", inner_id, f"Variable [{name}] (type [{_type_text(common[name])}]) "
                                                         f"doesn't match expected type "
                                                         f"[{_type_text(iface[1][name])}].")
        common = {k: v for k, v in common.items() if k in iface[1]}
    return inputs, common or {}, set()


def _check_condition(node_id, expr, inputs, errors: _Errors) -> None:
    kind = expr.WhichOneof("expr")
    if kind == "conjunction":
        _check_condition(node_id, expr.conjunction.left_expression, inputs, errors)
        _check_condition(node_id, expr.conjunction.right_expression, inputs, errors)
        return
    if kind != "comparison":
        errors.add("ValueRequired", node_id, "Value required [Expr].")
        return
    types = []
    for name, operand in (("RightValue", expr.comparison.right_value), ("LeftValue", expr.comparison.left_value)):
        which = operand.WhichOneof("val")
        if which == "primitive":
            types.append(types_pb2.LiteralType(simple=_PRIMITIVE_TYPES[operand.primitive.WhichOneof("value")]))
        elif which == "var":
            if operand.var not in inputs:
                errors.add("VariableNameNotFound", node_id, f"Variable [{operand.var}] not found on node [{node_id}].")
                types.append(None)
            else:
                types.append(inputs[operand.var])
        else:  # a scalar operand (flytekit's is_none()): flytepropeller's validateOperand has no case for it
            errors.add("ValueRequired", node_id, f"Value required [{name}.Val].")
            types.append(None)
    if None not in types and types[0] != types[1]:
        errors.add("MismatchingTypes", node_id, f"Variable [RightValue] (type [{_type_text(types[0])}]) doesn't "
                                                f"match expected type [{_type_text(types[1])}].")


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
            # NewMismatchingVariablesErr: each variable prefixed with its node's metadata name, when it has metadata
            up, me = nodes.get(source), nodes.get(node_id)
            out_var = f"{up.metadata.name}.{ref.var}" if up is not None and up.HasField("metadata") else ref.var
            in_var = f"{me.metadata.name}.{var}" if me is not None and me.HasField("metadata") else var
            errors.add("MismatchingTypes", node_id, f"The output variable '{out_var}' has type [{_type_text(actual)}], "
                                                    f"but it's assigned to the input variable '{in_var}' which has "
                                                    f"type type [{_type_text(expected)}].")
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
    return go_text(t)


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
    if kind == "structured_dataset_type":  # (structuredDatasetChecker: nullable; a schema is parquet)
        if up.WhichOneof("type") == "simple" and up.simple == types_pb2.NONE:
            return True
        b = down.structured_dataset_type.format
        if up.HasField("schema"):
            return (not b or b.lower() == "parquet") and _columns_within(
                {c.name: _SCHEMA_COLUMN_SIMPLE.get(c.type) for c in up.schema.columns},
                {c.name: c.literal_type.simple for c in down.structured_dataset_type.columns})
        if not up.HasField("structured_dataset_type"):
            return False
        a = up.structured_dataset_type.format
        return not a or not b or a == b
    if kind == "schema":  # (schemaTypeChecker: from a schema or a structured dataset, columns a subset)
        if up.HasField("structured_dataset_type"):
            return _columns_within({c.name: c.literal_type.simple for c in up.structured_dataset_type.columns},
                                   {c.name: _SCHEMA_COLUMN_SIMPLE.get(c.type) for c in down.schema.columns})
        return up.HasField("schema")
    return up == down


#: ``schemaTypeIsMatchStructuredDatasetType``: a schema column's type as the structured dataset's simple type
_SCHEMA_COLUMN_SIMPLE = {
    types_pb2.SchemaType.SchemaColumn.INTEGER: types_pb2.INTEGER,
    types_pb2.SchemaType.SchemaColumn.FLOAT: types_pb2.FLOAT,
    types_pb2.SchemaType.SchemaColumn.STRING: types_pb2.STRING,
    types_pb2.SchemaType.SchemaColumn.DATETIME: types_pb2.DATETIME,
    types_pb2.SchemaType.SchemaColumn.DURATION: types_pb2.DURATION,
    types_pb2.SchemaType.SchemaColumn.BOOLEAN: types_pb2.BOOLEAN,
}


def _columns_within(upstream: dict, downstream: dict) -> bool:
    """The downstream columns are a subset of the upstream ones, of matching types (either side without columns
    takes any)."""
    if not upstream or not downstream:
        return True
    return all(name in upstream and upstream[name] == t for name, t in downstream.items())


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
            raise invalid(f"invalid default_input wrong type {name}, expected {_type_text(defaults[name].var.type)}, "
                          f"got {_type_text(wf[name].type)} instead")  # (flyteadmin's order: the default's first)
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
    """``validateSchedule`` (launch_plan_validator.go): a scheduled launch plan may leave no input required except
    the kickoff time, which must be a free datetime input; a cron expression must parse (robfig/cron's
    ParseStandard, the unionai fork flyteadmin uses)."""
    schedule = spec.entity_metadata.schedule
    if not (schedule.cron_expression or schedule.HasField("rate") or schedule.HasField("cron_schedule")):
        return
    arg = schedule.kickoff_time_input_arg
    for name, param in expected.parameters.items():
        if param.required and name != arg:
            raise invalid(f"Cannot create a launch plan with a schedule if there is an unbound required input. "
                          f"[{name}] is required")
    if arg:
        if arg not in expected.parameters:
            raise invalid(f"Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. "
                          f"[{arg}] is not free or does not exist.")
        arg_type = expected.parameters[arg].var.type
        if arg_type.simple != types_pb2.DATETIME:
            raise invalid(f"KickoffTimeInputArg must reference a datetime input. [{arg}] is a [{go_text(arg_type)}]")
    expression = schedule.cron_expression or schedule.cron_schedule.schedule
    if expression:
        problem = cron_error(expression)
        if problem:
            raise invalid(f"Invalid cron expression: {problem}")


_CRON_FIELDS = [(0, 59, {}), (0, 23, {}), (1, 31, {}),
                (1, 12, {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}),
                (0, 6, {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())})]
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_GO_DURATION = re.compile(r"[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)")


def cron_error(spec: str) -> str | None:
    """Why robfig/cron's ParseStandard refuses ``spec`` (its own words), or None."""
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")) and " " in spec:
        spec = spec[spec.index(" "):].strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            if _GO_DURATION.fullmatch(duration):
                return None
            return f'failed to parse duration {spec}: time: invalid duration "{duration}"'
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for field, (low, high, names) in zip(fields, _CRON_FIELDS):
        for expr in filter(None, field.split(",")):
            problem = _cron_range_error(expr, low, high, names)
            if problem:
                return problem
    return None


def _cron_range_error(expr: str, low: int, high: int, names: Mapping[str, int]) -> str | None:
    def number(text: str, named: bool = True) -> int | str:
        if named and text.lower() in names:
            return names[text.lower()]
        if not re.fullmatch(r"[+-]?\d+", text):
            return f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'
        if int(text) < 0:
            return f"negative number ({int(text)}) not allowed: {text}"
        return int(text)

    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    if low_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = number(low_high[0])
        if isinstance(start, str):
            return start
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = number(low_high[1])
            if isinstance(end, str):
                return end
        else:
            return f"too many hyphens: {expr}"
    if len(range_and_step) == 2:
        step = number(range_and_step[1], named=False)
        if isinstance(step, str):
            return step
        if len(low_high) == 1:
            end = high
    elif len(range_and_step) > 2:
        return f"too many slashes: {expr}"
    else:
        step = 1
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expr}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    if step == 0:
        return f"step of range should be a positive number: {expr}"
    return None


__all__ = ["castable", "compile_workflow", "cron_error", "expected_inputs", "literal_type_of", "missing_entity",
           "requirements", "validate_schedule"]
