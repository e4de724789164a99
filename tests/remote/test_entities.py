"""Identities, references and the dependency levels of a set of entities (autoc.remote.entities)."""

from __future__ import annotations

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2
from flyteidl.core import workflow_pb2 as core

from autoc.errors import UserInputError
from autoc.remote.entities import LAUNCH_PLAN, TASK, WORKFLOW, Entity, content_version, graph, hydrate


def ident(kind, name, project="", domain="", version=""):
    return identifier_pb2.Identifier(resource_type=kind, project=project, domain=domain, name=name, version=version)


def task(name):
    spec = task_pb2.TaskSpec()
    spec.template.id.CopyFrom(ident(identifier_pb2.TASK, name))
    return Entity(TASK, name, spec)


def wf(name, tasks=(), plans=(), subs=()):
    spec = workflow_pb2.WorkflowSpec()
    spec.template.id.CopyFrom(ident(identifier_pb2.WORKFLOW, name))
    for i, t in enumerate(tasks):
        spec.template.nodes.append(core.Node(id=f"n{i}", task_node=core.TaskNode(reference_id=t)))
    for i, p in enumerate(plans):
        spec.template.nodes.append(core.Node(id=f"p{i}", workflow_node=core.WorkflowNode(launchplan_ref=p)))
    for s in subs:
        spec.template.nodes.append(core.Node(id="s", workflow_node=core.WorkflowNode(sub_workflow_ref=s.id)))
        spec.sub_workflows.append(s)
    return Entity(WORKFLOW, name, spec)


def lp(name, workflow):
    plan = launch_plan_pb2.LaunchPlan(id=ident(identifier_pb2.LAUNCH_PLAN, name))
    plan.spec.workflow_id.CopyFrom(workflow)
    return Entity(LAUNCH_PLAN, name, plan)


def test_hydration_gives_the_set_one_identity_and_keeps_foreign_references():
    foreign = ident(identifier_pb2.TASK, "shared.clean", "other", "production", "v3")
    placeholder = ident(identifier_pb2.TASK, "shared.load", "{{ registration.project }}", "",
                        "{{ registration.version }}")
    t = task("a.t")
    w = wf("a.w", tasks=[ident(identifier_pb2.TASK, "a.t"), foreign, placeholder])
    plan = lp("nightly", ident(identifier_pb2.WORKFLOW, "a.w"))
    hydrate([t, w, plan], "proj", "dev", "v9")
    want = ("proj", "dev", "v9")
    assert (t.message.template.id.project, t.message.template.id.domain, t.message.template.id.version) == want
    nodes = w.message.template.nodes
    assert nodes[0].task_node.reference_id == t.message.template.id
    assert nodes[1].task_node.reference_id == foreign  # another project's task stays what it says
    assert nodes[2].task_node.reference_id == ident(identifier_pb2.TASK, "shared.load", *want)
    assert plan.message.spec.workflow_id == w.message.template.id
    assert plan.message.id == ident(identifier_pb2.LAUNCH_PLAN, "nightly", *want)


def test_a_subworkflow_template_and_its_reference_move_together():
    sub = wf("a.sub", tasks=[ident(identifier_pb2.TASK, "a.t")]).message.template
    outer = wf("a.outer", subs=[sub])
    hydrate([task("a.t"), outer], "p", "d", "v1")
    (node,) = [n for n in outer.message.template.nodes if n.id == "s"]
    assert node.workflow_node.sub_workflow_ref == outer.message.sub_workflows[0].id
    assert outer.message.sub_workflows[0].id.version == "v1"
    assert outer.message.sub_workflows[0].nodes[0].task_node.reference_id.version == "v1"


def test_levels_put_every_entity_after_what_it_references():
    t = task("a.t")
    w = wf("a.w", tasks=[ident(identifier_pb2.TASK, "a.t")])
    plan = lp("weekly", ident(identifier_pb2.WORKFLOW, "a.w"))
    caller = wf("a.caller", plans=[ident(identifier_pb2.LAUNCH_PLAN, "weekly")])
    default = lp("a.caller", ident(identifier_pb2.WORKFLOW, "a.caller"))
    entities = [default, caller, plan, w, t]  # any input order
    hydrate(entities, "p", "d", "v1")
    depth, deps = graph(entities)
    assert depth == [4, 3, 2, 1, 0]
    assert deps == [[1], [2], [3], [4], []]


def test_a_reference_cycle_is_refused_before_any_write():
    a = wf("a", plans=[ident(identifier_pb2.LAUNCH_PLAN, "lp_b")])
    b = wf("b", plans=[ident(identifier_pb2.LAUNCH_PLAN, "lp_a")])
    entities = [a, b, lp("lp_a", ident(identifier_pb2.WORKFLOW, "a")), lp("lp_b", ident(identifier_pb2.WORKFLOW, "b"))]
    hydrate(entities, "p", "d", "v1")
    with pytest.raises(UserInputError, match="references itself"):
        graph(entities)


def test_the_content_version_ignores_identities_and_sees_every_kind():
    def tree(default_wf="a.w"):
        return [task("a.t"), wf("a.w", tasks=[ident(identifier_pb2.TASK, "a.t")]),
                lp("nightly", ident(identifier_pb2.WORKFLOW, default_wf))]

    first = content_version(tree(), None)
    hydrated = tree()
    hydrate(hydrated, "p", "d", "v1")
    assert content_version(hydrated, None) == first
    assert content_version(tree("a.other"), None) != first
    assert content_version(tree(), b"bundle") != first


def test_a_workflow_equals_its_compiled_form_whatever_the_order_of_its_upstream_ids():
    from flyteidl.admin import workflow_pb2 as admin_wf

    from autoc.remote.entities import diff, same

    local = wf("a.w", tasks=[ident(identifier_pb2.TASK, "a.t")] * 3)
    local.message.template.nodes[2].upstream_node_ids.extend(["n1", "n0"])
    hydrate([local], "p", "d", "v1")
    server = admin_wf.Workflow()
    server.closure.compiled_workflow.primary.template.CopyFrom(local.message.template)
    del server.closure.compiled_workflow.primary.template.nodes[2].upstream_node_ids[:]
    server.closure.compiled_workflow.primary.template.nodes[2].upstream_node_ids.extend(["n0", "n1"])
    assert same(local, server) and diff(local, server) == []
    server.closure.compiled_workflow.primary.template.nodes[2].upstream_node_ids.append("n9")
    assert not same(local, server)
    assert diff(local, server) == [("template.nodes[2].upstream_node_ids[2]", "'n9'", "<absent>")]


def test_a_workflow_equals_its_compiled_form_where_its_inputs_are_named_start_node():
    """flyteadmin 1.16.8 (flytepropeller's compiler) stores a promise on the workflow's inputs, sent as node_id "",
    as node_id start-node, and adds start-node and end-node: still the same workflow (else every unchanged
    re-registration would send CreateWorkflow again)."""
    from flyteidl.admin import workflow_pb2 as admin_wf
    from flyteidl.core import literals_pb2, types_pb2

    from autoc.remote.entities import diff, same

    def promise(node_id, var):
        return literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id=node_id, var=var))

    local = wf("a.w", tasks=[ident(identifier_pb2.TASK, "a.t")])
    local.message.template.nodes[0].inputs.add(var="x", binding=promise("", "day"))
    local.message.template.nodes[0].inputs.add(var="xs").binding.collection.bindings.append(promise("", "day"))
    hydrate([local], "p", "d", "v1")
    server = admin_wf.Workflow()
    compiled = server.closure.compiled_workflow.primary.template
    compiled.CopyFrom(local.message.template)
    del compiled.nodes[:]
    compiled.nodes.add(id="start-node")
    compiled.nodes.add(id="end-node")
    compiled.nodes.append(local.message.template.nodes[0])
    compiled.nodes[2].inputs[0].binding.promise.node_id = "start-node"
    compiled.nodes[2].inputs[1].binding.collection.bindings[0].promise.node_id = "start-node"
    assert same(local, server) and diff(local, server) == []
    compiled.nodes[2].inputs[0].binding.promise.node_id = "n9"
    assert diff(local, server) == [("template.nodes[0].inputs[0].binding.promise.node_id", "'n9'", "<absent>")]
