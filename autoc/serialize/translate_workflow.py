"""Translation of workflows: a pure function of (workflow, settings) -> ``flyteidl.admin.WorkflowSpec``.

Field for field what ``pyflyte serialize`` writes (``_2.pb``), except ``upstream_node_ids``, which pyflyte takes
from a set (its order changes from run to run) and autoc writes in node creation order. Every binding is
type-checked here: a value whose type cannot flow into its input is an error naming the call's file:line, as
flyteadmin would refuse the workflow at registration.
"""

from __future__ import annotations

import dataclasses
import sys
import typing
from typing import Any, Dict, List, Optional

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2, workflow_pb2

from autoc.core.promise import Promise
from autoc.errors import AutocError, WorkflowDefinitionError
from autoc.serialize.binding import promise_binding
from autoc.serialize.translate import description, identifier, typed_interface
from autoc.types.engine import _is_union, to_literal, to_literal_type

LiteralType = types_pb2.LiteralType


def _entity_kind(entity) -> str:
    from autoc.serialize.order import kind_of

    kind = kind_of(entity)
    if kind is None:
        raise WorkflowDefinitionError(f"{entity!r} cannot be a node of a workflow")
    return kind


# --- types ------------------------------------------------------------------------------------------------------
def _type_name(t: Any) -> str:
    if isinstance(t, type) and not typing.get_args(t):
        return t.__name__
    return str(t).replace("typing.", "")


def _attr_type(t: Any, path, where: Optional[str], promise: Promise) -> Any:
    """The Python type reached from ``t`` by following ``path`` (dataclass fields, dict values, list items)."""
    for a in path:
        if typing.get_origin(t) is typing.Annotated:
            t = typing.get_args(t)[0]
        if _is_union(t):  # Optional[X]: the attribute of the X (the value is checked when the workflow runs)
            rest = [x for x in typing.get_args(t) if x is not type(None)]
            t = rest[0] if len(rest) == 1 else t
        origin, args = typing.get_origin(t), typing.get_args(t)
        if t is typing.Any:
            return typing.Any
        if dataclasses.is_dataclass(t) and isinstance(a, str):
            hints = typing.get_type_hints(t)
            if a not in hints:
                raise WorkflowDefinitionError(f"{promise}: {_type_name(t)} has no field '{a}'", where=where,
                                              hint=f"its fields are: {', '.join(hints)}")
            t = hints[a]
        elif origin in (list, typing.List) and isinstance(a, int) and args:
            t = args[0]
        elif origin in (dict, typing.Dict) and isinstance(a, str) and args:
            t = args[1]
        else:
            raise WorkflowDefinitionError(f"{promise}: cannot take {a!r} of a value of type {_type_name(t)}",
                                          where=where, hint="attributes work on dataclasses, keys on "
                                                            "dict[str, T], integer indices on list[T]")
    return t


def _plain(lt: LiteralType) -> LiteralType:
    out = LiteralType()
    out.CopyFrom(lt)
    for f in ("metadata", "annotation", "structure"):
        out.ClearField(f)
    return out


def castable(up: LiteralType, down: LiteralType) -> bool:
    """Whether a value of LiteralType ``up`` may bind to an input of ``down`` (flyteadmin's compiler rules, for
    the types autoc writes)."""
    dk = down.WhichOneof("type")
    uk = up.WhichOneof("type")
    if dk == "union_type":
        if uk == "union_type":
            return all(any(castable(u, d) for d in down.union_type.variants) for u in up.union_type.variants)
        return any(castable(up, d) for d in down.union_type.variants)
    if {uk, dk} == {"schema", "structured_dataset_type"}:  # flytepropeller's schema <-> structured dataset casts:
        return dk == "schema" or down.structured_dataset_type.format.lower() in ("", "parquet")  # (a schema is
    if uk != dk:  # parquet)
        return False
    if dk == "simple":
        return up.simple == down.simple
    if dk == "collection_type":
        return castable(up.collection_type, down.collection_type)
    if dk == "map_value_type":
        return castable(up.map_value_type, down.map_value_type)
    if dk == "blob":
        return up.blob.dimensionality == down.blob.dimensionality and (
            not up.blob.format or not down.blob.format or up.blob.format == down.blob.format)
    if dk == "enum_type":
        return set(up.enum_type.values) <= set(down.enum_type.values)
    if dk in ("schema", "structured_dataset_type"):
        return True
    return _plain(up) == _plain(down)


# --- bindings ---------------------------------------------------------------------------------------------------
class _Site:
    """Where a binding is made, for messages: ``input 'x' of task m.t`` at file:line."""

    def __init__(self, what: str, where: Optional[str]):
        self.what, self.where = what, where

    def error(self, message: str, hint: Optional[str] = None) -> WorkflowDefinitionError:
        return WorkflowDefinitionError(f"{self.what}: {message}", where=self.where, hint=hint)


def _promise_binding(p: Promise, expected: LiteralType, expected_py: Any, site: _Site) -> literals_pb2.BindingData:
    t = _attr_type(p.python_type, p.attr_path, site.where, p)
    if t is not typing.Any:
        try:
            up = to_literal_type(t)
        except AutocError as e:
            raise site.error(f"{p} has a type autoc cannot represent: {e.message}") from e
        if not castable(up, expected):
            src = f"output '{p.var}' of {p.ref_node.entity.name} ({p.ref_node.id})" if p.ref_node is not None \
                else f"workflow input '{p.var}'"
            raise site.error(f"expects {_type_name(expected_py)} but gets {src}{_path(p)} of type {_type_name(t)}",
                             hint="pass a value of the declared type, or change the annotation of one side; "
                                  "flyteadmin refuses this binding at registration")
    return promise_binding(p)


def _path(p: Promise) -> str:
    return "".join(f".{a}" if isinstance(a, str) else f"[{a}]" for a in p.attr_path)


def _contains_promise(v: Any) -> bool:
    if isinstance(v, Promise):
        return True
    if isinstance(v, list):
        return any(_contains_promise(x) for x in v)
    if isinstance(v, dict):
        return any(_contains_promise(x) for x in v.values())
    return False


def binding_data(value: Any, expected: LiteralType, expected_py: Any, site: _Site) -> literals_pb2.BindingData:
    """A bound Python value as BindingData: a promise, a scalar constant, or a collection/map of bindings."""
    if isinstance(value, Promise):
        return _promise_binding(value, expected, expected_py, site)
    kind = expected.WhichOneof("type")
    if kind == "union_type" and isinstance(value, (list, dict)) and _contains_promise(value):
        variants = typing.get_args(expected_py) if _is_union(expected_py) else ()
        for i, lt in enumerate(expected.union_type.variants):
            try:
                return binding_data(value, lt, variants[i] if i < len(variants) else Any, site)
            except WorkflowDefinitionError:
                continue
        raise site.error(f"{value!r:.80} fits no variant of {_type_name(expected_py)}")
    if isinstance(value, list) and kind == "collection_type":
        args = typing.get_args(expected_py)
        sub = args[0] if args else typing.Any
        b = literals_pb2.BindingData()
        b.collection.SetInParent()
        for x in value:
            b.collection.bindings.add().CopyFrom(binding_data(x, expected.collection_type, sub, site))
        return b
    if isinstance(value, dict) and kind == "map_value_type":
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise site.error(f"dict keys must be strings, got {bad[0]!r}", hint="Flyte maps are keyed by str")
        args = typing.get_args(expected_py)
        sub = args[1] if len(args) == 2 else typing.Any
        b = literals_pb2.BindingData()
        b.map.SetInParent()
        for k, x in value.items():
            b.map.bindings[k].CopyFrom(binding_data(x, expected.map_value_type, sub, site))
        return b
    if _contains_promise(value) or (dataclasses.is_dataclass(value) and not isinstance(value, type) and any(
            _contains_promise(getattr(value, f.name)) for f in dataclasses.fields(value))):
        raise site.error(f"{value!r:.80} mixes promises into a value of type {_type_name(expected_py)}",
                         hint="promises can be put into list[T] and dict[str, T] inputs only; build a dataclass "
                              "from promises inside a task")
    try:
        lit = to_literal(value, expected_py)
    except AutocError as e:
        raise site.error(f"the constant {value!r:.80} does not fit {_type_name(expected_py)}: {e.message}",
                         hint=e.hint) from e
    except (TypeError, ValueError) as e:
        raise site.error(f"the constant {value!r:.80} does not fit {_type_name(expected_py)}: {e}") from e
    if lit.WhichOneof("value") != "scalar":
        raise site.error(f"the constant {value!r:.80} of type {_type_name(expected_py)} cannot be a binding")
    return literals_pb2.BindingData(scalar=lit.scalar)


def _bindings(values: Dict[str, Any], types: Dict[str, Any], owner: str, what: str,
              where: Optional[str], skip=(), declared: bool = False) -> List[literals_pb2.Binding]:
    """Bindings by name (node inputs, as pyflyte sorts them) or, ``declared``, in the order of ``types`` (a
    workflow's outputs, as its signature declares them)."""
    out = []
    names = [n for n in types if n in values] + sorted(set(values) - set(types)) if declared else sorted(values)
    for name in names:
        if name in skip:
            continue
        t = types[name]
        site = _Site(f"{what} '{name}' of {owner}", where)
        try:
            lt = to_literal_type(t)
        except AutocError as e:
            raise site.error(e.message, hint=e.hint) from e
        out.append(literals_pb2.Binding(var=name, binding=binding_data(values[name], lt, t, site)))
    return out


# --- nodes and templates ----------------------------------------------------------------------------------------
# A branch, gate or reference node is made by autoc.core.condition / gate / reference: while those are not imported
# no node can be one, and the translation of control nodes (and the protobuf modules it needs) stays unimported.
def _control_loaded() -> bool:
    return "autoc.core.condition" in sys.modules or "autoc.core.gate" in sys.modules


def _is_control(entity) -> bool:
    from autoc.serialize.translate_control import is_control

    return is_control(entity)


def _is_reference(entity) -> bool:
    from autoc.core.reference import ReferenceEntity

    return isinstance(entity, ReferenceEntity)


def node_message(node, settings) -> workflow_pb2.Node:
    entity = node.entity
    if _control_loaded() and _is_control(entity):  # branch and gate nodes
        from autoc.serialize.translate_control import control_node

        m = control_node(node, settings, node_message)
        if getattr(node, "overrides", None):
            from autoc.serialize.translate_overrides import apply_overrides

            apply_overrides(m, node, "control", settings)  # node metadata only, as flytekit applies them
        return m
    if "autoc.core.reference" in sys.modules and _is_reference(entity):
        return _reference_node(node, settings)
    if getattr(entity, "is_array_node", False):
        from autoc.serialize.translate_array import array_node_message

        return array_node_message(node, settings, _bindings)
    kind = _entity_kind(entity)
    m = workflow_pb2.Node(id=node.id)
    m.metadata.CopyFrom(entity.construct_node_metadata())
    if kind == "task":
        m.metadata.retries.SetInParent()
    fixed = set(getattr(entity, "fixed_inputs", None) or ()) if kind == "launch_plan" else set()
    m.inputs.extend(_bindings(node.inputs, entity.python_interface.inputs, f"{kind.replace('_', ' ')} "
                              f"{entity.name} ({node.id})", "input", node.where, skip=fixed))
    m.upstream_node_ids.extend(u.id for u in node.upstream_nodes)
    if kind == "task" and getattr(entity, "is_array_node_map_task", False):
        from autoc.serialize.translate_array import map_task_array_node

        m.array_node.CopyFrom(map_task_array_node(entity, m.inputs, settings))
    elif kind == "task":
        m.task_node.reference_id.CopyFrom(identifier(identifier_pb2.TASK, entity.name, settings))
        m.task_node.overrides.SetInParent()
    elif kind == "workflow":
        m.workflow_node.sub_workflow_ref.CopyFrom(identifier(identifier_pb2.WORKFLOW, entity.name, settings))
    else:
        m.workflow_node.launchplan_ref.CopyFrom(identifier(identifier_pb2.LAUNCH_PLAN, entity.name, settings))
    if getattr(node, "overrides", None):
        from autoc.serialize.translate_overrides import apply_overrides

        apply_overrides(m, node, kind, settings)
    return m


def _reference_node(node, settings) -> workflow_pb2.Node:
    """A node calling a registered entity (``autoc.core.reference``): its identifier as the user wrote it, node
    metadata only (a task node without overrides), as pyflyte writes it."""
    entity = node.entity
    m = workflow_pb2.Node(id=node.id)
    m.metadata.CopyFrom(entity.construct_node_metadata())
    m.inputs.extend(_bindings(node.inputs, entity.python_interface.inputs,
                              f"reference {entity.kind.replace('_', ' ')} {entity.name} ({node.id})", "input",
                              node.where))
    m.upstream_node_ids.extend(u.id for u in node.upstream_nodes)
    if entity.kind == "task":
        m.task_node.reference_id.CopyFrom(entity.id)
    elif entity.kind == "launch_plan":
        m.workflow_node.launchplan_ref.CopyFrom(entity.id)
    else:  # refused when called (autoc.core.reference.ReferenceWorkflow.compile)
        m.workflow_node.sub_workflow_ref.CopyFrom(entity.id)
    if getattr(node, "overrides", None):
        from autoc.serialize.translate_overrides import apply_overrides

        apply_overrides(m, node, "reference", settings)  # node metadata only, as pyflyte
    return m


def workflow_template(wf, settings) -> workflow_pb2.WorkflowTemplate:
    t = workflow_pb2.WorkflowTemplate()
    t.id.CopyFrom(identifier(identifier_pb2.WORKFLOW, wf.name, settings))
    t.metadata.SetInParent()
    t.metadata.MergeFrom(wf.workflow_metadata.to_flyte_idl())
    t.metadata_defaults.SetInParent()
    t.metadata_defaults.MergeFrom(wf.workflow_metadata_defaults.to_flyte_idl())
    t.interface.CopyFrom(typed_interface(wf))
    for n in wf.nodes:
        if n.id == "efn":  # flytekit's DEFAULT_FAILURE_NODE_ID, as pyflyte refuses it
            raise WorkflowDefinitionError(f"Node {n.id} is reserved for the failure node", where=n.where,
                                          hint="give the node another node_name")
        t.nodes.add().CopyFrom(node_message(n, settings))
    t.outputs.extend(_bindings(wf.output_bindings, wf.python_interface.outputs, f"workflow {wf.name}", "output",
                               wf.definition_site, declared=True))
    if wf.failure_node is not None:
        t.failure_node.CopyFrom(node_message(wf.failure_node, settings))
    return t


def _sub_workflows(wf, settings, found: Dict[str, workflow_pb2.WorkflowTemplate]) -> None:
    """Templates of every workflow called by ``wf`` (its failure handler included), recursively."""
    from autoc.core.workflow import WorkflowBase

    nodes = list(wf.nodes) + ([wf.failure_node] if wf.failure_node is not None else [])
    if "autoc.core.condition" in sys.modules:  # (branch nodes exist only then)
        from autoc.serialize.translate_control import branch_leaves

        nodes += branch_leaves(wf.nodes, nested="nested_branch_subworkflows" not in settings.flavor.quirks)
    for n in nodes:
        sub = n.entity
        if isinstance(sub, WorkflowBase) and sub.name not in found:
            found[sub.name] = workflow_template(sub, settings)
            _sub_workflows(sub, settings, found)


def workflow_spec(wf, settings) -> admin_workflow_pb2.WorkflowSpec:
    """The admin ``WorkflowSpec`` (``_2.pb``): the template, the templates of its subworkflows sorted as pyflyte
    sorts them (by identifier), and the description."""
    spec = admin_workflow_pb2.WorkflowSpec(template=workflow_template(wf, settings))
    subs: Dict[str, workflow_pb2.WorkflowTemplate] = {}
    _sub_workflows(wf, settings, subs)
    spec.sub_workflows.extend(subs[k] for k in sorted(subs, key=lambda name: name + "\n"))
    d = workflow_description(wf)
    if d is not None:  # an imperative workflow (an eager task's too) has no docstring: pyflyte writes no description
        spec.description.CopyFrom(d)
    return spec


def workflow_description(wf):
    """The docstring's descriptions over ``docs=Documentation(...)`` (flytekit fails on a docstring with a long
    description plus ``docs``: autoc applies the rule it has for tasks)."""
    return description(wf)
