"""The loopback admin server's workflows and launch plans, driven by a real gRPC client: flyteadmin compiles a
workflow at creation and checks a launch plan against its workflow."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.admin import common_pb2, launch_plan_pb2, schedule_pb2, task_pb2, workflow_pb2
from flyteidl.core import compiler_pb2 as compiled_pb2
from flyteidl.core import condition_pb2, identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core
from flyteidl.service import admin_pb2_grpc

from tests.admin_server import AdminServer
from tests.admin_server.validate import go_id

P, D = "flytesnacks", "development"
INT, STR = types_pb2.LiteralType(simple=types_pb2.INTEGER), types_pb2.LiteralType(simple=types_pb2.STRING)


@pytest.fixture
def server():
    with AdminServer() as s:
        yield s


@pytest.fixture
def admin(server):
    with grpc.insecure_channel(server.address) as ch:
        yield admin_pb2_grpc.AdminServiceStub(ch)


def ident(kind, name, version="v1"):
    return identifier_pb2.Identifier(resource_type=kind, project=P, domain=D, name=name, version=version)


def variables(**types) -> interface_pb2.VariableMap:
    return interface_pb2.VariableMap(variables={k: interface_pb2.Variable(type=t) for k, t in types.items()})


def make_task(admin, name, inputs, outputs, version="v1"):
    template = tasks_pb2.TaskTemplate(
        type="python-task", metadata=tasks_pb2.TaskMetadata(),
        interface=interface_pb2.TypedInterface(inputs=variables(**inputs), outputs=variables(**outputs)),
        container=tasks_pb2.Container(image="ghcr.io/acme/app:v1", args=["pyflyte-execute"]))
    tid = ident(identifier_pb2.TASK, name, version)
    admin.CreateTask(task_pb2.TaskCreateRequest(id=tid, spec=task_pb2.TaskSpec(template=template)))
    return tid


def promise(node_id, var):
    return literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id=node_id, var=var))


def binding(var, data):
    return literals_pb2.Binding(var=var, binding=data)


def task_node(node_id, task, **inputs):
    return core.Node(id=node_id, inputs=[binding(k, v) for k, v in inputs.items()],
                     task_node=core.TaskNode(reference_id=task))


def workflow(name, nodes, inputs, outputs, out_bindings, subs=(), version="v1"):
    wid = ident(identifier_pb2.WORKFLOW, name, version)
    template = core.WorkflowTemplate(
        id=wid, nodes=nodes, outputs=[binding(k, v) for k, v in out_bindings.items()],
        interface=interface_pb2.TypedInterface(inputs=variables(**inputs), outputs=variables(**outputs)))
    return workflow_pb2.WorkflowCreateRequest(id=wid, spec=workflow_pb2.WorkflowSpec(template=template,
                                                                                  sub_workflows=subs))


def error_of(call, request):
    with pytest.raises(grpc.RpcError) as e:
        call(request)
    return e.value


@pytest.fixture
def chain(admin):
    """Two tasks: count(text: str) -> int, double(n: int) -> int, and the workflow that chains them."""
    count = make_task(admin, "count", {"text": STR}, {"o0": INT})
    double = make_task(admin, "double", {"n": INT}, {"o0": INT})
    return count, double, workflow("wf", [task_node("n0", count, text=promise("", "text")),
                                          task_node("n1", double, n=promise("n0", "o0"))],
                                   {"text": STR}, {"o0": INT}, {"o0": promise("n1", "o0")})


def test_a_workflow_is_compiled_and_stored(admin, server, chain):
    admin.CreateWorkflow(chain[2])
    got = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=chain[2].id))
    compiled = got.closure.compiled_workflow
    # what flyteadmin 1.16.8 answers to these very requests: start-node and end-node (bound to the outputs) first,
    # the workflow's inputs named start-node, and the connections between them
    template = compiled.primary.template
    assert [n.id for n in template.nodes] == ["start-node", "end-node", "n0", "n1"]
    assert [(b.var, b.binding.promise.node_id) for n in template.nodes for b in n.inputs] == [
        ("o0", "n1"), ("text", "start-node"), ("n", "n0")]
    connections = compiled.primary.connections
    assert {k: list(v.ids) for k, v in connections.upstream.items()} == {
        "end-node": ["n1"], "n0": ["start-node"], "n1": ["n0"]}
    assert {k: list(v.ids) for k, v in connections.downstream.items()} == {
        "start-node": ["n0"], "n0": ["n1"], "n1": ["end-node"]}
    assert [t.template.id.name for t in compiled.tasks] == ["count", "double"]
    listed = admin.ListWorkflows(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=10, filters="eq(version,v1)"))
    assert [w.id.name for w in listed.workflows] == ["wf"]
    # flyteadmin lists a workflow with only its interface of the compiled closure
    assert listed.workflows[0].closure.compiled_workflow == compiled_pb2.CompiledWorkflowClosure(
        primary=compiled_pb2.CompiledWorkflow(template=core.WorkflowTemplate(interface=template.interface)))
    assert server.writes == 3


def test_identical_is_already_exists_and_different_is_invalid_with_the_diff(admin, chain):
    admin.CreateWorkflow(chain[2])
    err = error_of(admin.CreateWorkflow, chain[2])
    assert (err.code(), err.details()) == (grpc.StatusCode.ALREADY_EXISTS,
                                           "workflow with identical structure already exists")
    changed = workflow_pb2.WorkflowCreateRequest()
    changed.CopyFrom(chain[2])
    changed.spec.template.nodes[1].metadata.retries.retries = 2
    err = error_of(admin.CreateWorkflow, changed)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details().startswith("wf workflow with different structure already exists. (Please register a new "
                                    "version of the workflow):\n")
    # flyteadmin 1.16.8 diffs the new closure against the stored workflow as it lists it (its interface only): every
    # other part of the closure shows as new, whatever changed (its values print Go's way, oneof wrappers and enum
    # numbers included, which this server does not copy: only the paths are checked)
    lines = err.details().split("\n")[1:]
    assert lines[0::3] == ["/primary/connections:", "/primary/template/id:", "/primary/template/nodes:",
                           "/primary/template/outputs:", "/tasks:"]
    assert set(lines[1::3]) == {"\t- <nil> "}


def test_a_referenced_task_must_exist(admin, chain):
    request = workflow("late", [task_node("n0", ident(identifier_pb2.TASK, "count", "v9"), text=promise("", "x"))],
                       {"x": STR}, {}, {})
    err = error_of(admin.CreateWorkflow, request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    missing = identifier_pb2.Identifier(project=P, domain=D, name="count", version="v9")
    assert err.details() == (f"failed to compile workflow for [{go_id(request.id)}] with err: missing entity of type "
                             f"TASK with identifier {go_id(missing)}")


def test_binding_types_must_be_castable(admin, chain):
    count, double, _ = chain
    nodes = [task_node("n0", count, text=promise("", "n")), task_node("n1", double, n=promise("", "text")),
             task_node("n2", double, n=promise("n0", "o0")), task_node("n3", count, text=promise("n2", "o0"))]
    nodes[2].metadata.name, nodes[3].metadata.name = "up", "named"
    request = workflow("bad", nodes, {"text": STR, "n": INT}, {}, {})
    err = error_of(admin.CreateWorkflow, request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    # flyteadmin 1.16.8's answer to this very request (a variable is prefixed with its node's metadata name)
    assert err.details() == (
        f"failed to compile workflow for [{go_id(request.id)}] with err: Collected Errors: 3\n"
        "\tError 0: Code: MismatchingTypes, Node Id: n0, Description: The output variable 'n' has type "
        "[simple:INTEGER], but it's assigned to the input variable 'text' which has type type [simple:STRING].\n"
        "\tError 1: Code: MismatchingTypes, Node Id: n1, Description: The output variable 'text' has type "
        "[simple:STRING], but it's assigned to the input variable 'n' which has type type [simple:INTEGER].\n"
        "\tError 2: Code: MismatchingTypes, Node Id: n3, Description: The output variable 'up.o0' has type "
        "[simple:INTEGER], but it's assigned to the input variable 'named.text' which has type type "
        "[simple:STRING].\n")


def test_a_binding_to_a_missing_node_or_output_and_an_unbound_input_are_refused(admin, chain):
    count, double, _ = chain
    request = workflow("bad", [task_node("n0", count, text=promise("", "text")),
                               task_node("n1", double, n=promise("n7", "o0")),
                               task_node("n2", double, n=promise("n0", "o3")),
                               task_node("n3", double)],
                       {"text": STR}, {}, {})
    text = error_of(admin.CreateWorkflow, request).details()
    assert "Collected Errors: 3" in text
    assert "Code: NodeReferenceNotFound, Node Id: n1, Description: Referenced node [n7] not found." in text
    assert "Code: VariableNameNotFound, Node Id: n2, Description: Node [n0] doesn't have output named [o3]." in text
    assert "Code: ParameterNotBound, Node Id: n3, Description: Parameter not bound [n]." in text


def test_a_constant_binding_is_type_checked(admin, chain):
    _, double, _ = chain
    word = literals_pb2.BindingData(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="x")))
    text = error_of(admin.CreateWorkflow, workflow("c", [task_node("n0", double, n=word)], {}, {}, {})).details()
    assert "Variable [n] (type [simple:STRING]) doesn't match expected type [simple:INTEGER]." in text
    seven = literals_pb2.BindingData(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=7)))
    admin.CreateWorkflow(workflow("c", [task_node("n0", double, n=seven)], {}, {}, {}))


def test_a_subworkflow_comes_with_the_spec(admin, chain):
    sub = chain[2].spec.template
    node = core.Node(id="n0", inputs=[binding("text", promise("", "t"))],
                     workflow_node=core.WorkflowNode(sub_workflow_ref=sub.id))
    outer = workflow("outer", [node], {"t": STR}, {"o0": INT}, {"o0": promise("n0", "o0")})
    text = error_of(admin.CreateWorkflow, outer).details()
    assert (f"Code: WorkflowReferenceNotFound, Node Id: n0, Description: Referenced Workflow [{go_id(sub.id)}] not "
            "found.") in text
    outer.spec.sub_workflows.append(sub)
    admin.CreateWorkflow(outer)


def plan(name, wf_id, version="v1", defaults=None, fixed=None, schedule=None):
    spec = launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id)
    for k, (t, v) in (defaults or {}).items():
        spec.default_inputs.parameters[k].CopyFrom(interface_pb2.Parameter(var=interface_pb2.Variable(type=t),
                                                                           default=v))
    for k, v in (fixed or {}).items():
        spec.fixed_inputs.literals[k].CopyFrom(v)
    if schedule:
        spec.entity_metadata.schedule.CopyFrom(schedule)
    return launch_plan_pb2.LaunchPlanCreateRequest(id=ident(identifier_pb2.LAUNCH_PLAN, name, version), spec=spec)


def lit(**primitive):
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(**primitive)))


def test_a_launch_plan_needs_its_workflow_and_fitting_inputs(admin, chain):
    wf_id = chain[2].id
    err = error_of(admin.CreateLaunchPlan, plan("lp", wf_id))
    assert err.code() == grpc.StatusCode.NOT_FOUND and "missing entity of type WORKFLOW" in err.details()
    admin.CreateWorkflow(chain[2])
    err = error_of(admin.CreateLaunchPlan, plan("lp", wf_id, fixed={"nope": lit(integer=1)}))
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "unexpected fixed_input nope")
    err = error_of(admin.CreateLaunchPlan, plan("lp", wf_id, fixed={"text": lit(integer=1)}))
    # (flyteadmin 1.16.8's words, checked by sending it the same requests; Go prints a LiteralType simple:STRING)
    assert err.details() == "invalid fixed_input wrong type text, expected simple:STRING, got simple:INTEGER instead"
    err = error_of(admin.CreateLaunchPlan, plan("lp", wf_id, defaults={"text": (INT, lit(integer=1))}))
    assert err.details() == "invalid default_input wrong type text, expected simple:INTEGER, got simple:STRING instead"
    cron = schedule_pb2.Schedule(cron_expression="0 2 * * *")
    err = error_of(admin.CreateLaunchPlan, plan("lp", wf_id, schedule=cron))
    assert err.details() == ("Cannot create a launch plan with a schedule if there is an unbound required input. [text] "
                             "is required")
    admin.CreateLaunchPlan(plan("lp", wf_id, defaults={"text": (STR, lit(string_value="hi"))}, schedule=cron))
    got = admin.GetLaunchPlan(common_pb2.ObjectGetRequest(id=ident(identifier_pb2.LAUNCH_PLAN, "lp")))
    assert got.closure.state == launch_plan_pb2.INACTIVE
    assert list(got.closure.expected_inputs.parameters) == ["text"]
    assert got.closure.expected_outputs.variables["o0"].type == INT


def test_launch_plans_identical_and_different(admin, chain):
    admin.CreateWorkflow(chain[2])
    request = plan("lp", chain[2].id, fixed={"text": lit(string_value="a")})
    admin.CreateLaunchPlan(request)
    err = error_of(admin.CreateLaunchPlan, request)
    assert (err.code(), err.details()) == (grpc.StatusCode.ALREADY_EXISTS,
                                           "launch plan with identical structure already exists")
    err = error_of(admin.CreateLaunchPlan, plan("lp", chain[2].id, fixed={"text": lit(string_value="b")}))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.details() == ("lp launch plan with different structure already exists. (Please register a new "
                             "version of the launch plan):\n/fixed_inputs/literals/text/Value/Scalar/Value/Primitive/"
                             "Value/StringValue:\n\t- a \n\t+ b")  # (Go's names for the oneofs, as flyteadmin)


def test_a_workflow_calling_a_launch_plan_needs_it_registered_first(admin, chain):
    admin.CreateWorkflow(chain[2])
    lp_id = ident(identifier_pb2.LAUNCH_PLAN, "lp")
    node = core.Node(id="n0", inputs=[binding("text", promise("", "t"))],
                     workflow_node=core.WorkflowNode(launchplan_ref=lp_id))
    outer = workflow("outer", [node], {"t": STR}, {"o0": INT}, {"o0": promise("n0", "o0")})
    err = error_of(admin.CreateWorkflow, outer)
    assert "with err: missing entity of type LAUNCH_PLAN with identifier" in err.details()
    admin.CreateLaunchPlan(plan("lp", chain[2].id))
    admin.CreateWorkflow(outer)


def test_activating_a_version_deactivates_the_others(admin, server, chain):
    admin.CreateWorkflow(chain[2])
    for v in ("v1", "v2"):
        admin.CreateLaunchPlan(plan("lp", chain[2].id, version=v))

    def activate(v, state=launch_plan_pb2.ACTIVE):
        admin.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(id=ident(identifier_pb2.LAUNCH_PLAN, "lp", v),
                                                                       state=state))

    activate("v1")
    assert server.active_versions(P, D, "lp") == ["v1"]
    activate("v2")
    assert server.active_versions(P, D, "lp") == ["v2"]
    active = admin.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="lp")))
    assert active.id.version == "v2" and active.closure.state == launch_plan_pb2.ACTIVE
    activate("v2", launch_plan_pb2.INACTIVE)
    assert server.active_versions(P, D, "lp") == []
    err = error_of(admin.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(
        id=ident(identifier_pb2.LAUNCH_PLAN, "lp", "v9"), state=launch_plan_pb2.ACTIVE))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_a_lost_answer_means_the_write_was_done(chain):
    with AdminServer(lost_answer_fraction=1.0) as server, grpc.insecure_channel(server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        make = task_pb2.TaskCreateRequest(id=ident(identifier_pb2.TASK, "t"), spec=task_pb2.TaskSpec(
            template=tasks_pb2.TaskTemplate(type="python-task", metadata=tasks_pb2.TaskMetadata(),
                                            interface=interface_pb2.TypedInterface(),
                                            container=tasks_pb2.Container(image="i"))))
        assert error_of(admin.CreateTask, make).code() == grpc.StatusCode.UNAVAILABLE
        assert len(server.tasks()) == 1 and server.writes == 1 and server.faults.lost_answers == 1
        assert error_of(admin.CreateTask, make).code() == grpc.StatusCode.ALREADY_EXISTS


def test_upstream_node_ids_are_compiled_sorted_so_their_order_does_not_make_a_different_workflow(admin, chain):
    """flytekit sends upstream_node_ids in set order, which changes from run to run; flytepropeller's ValidateNode
    sorts them, so a re-registration in another order is identical."""
    count, double, _ = chain
    nodes = [task_node("n0", count, text=promise("", "t")), task_node("n1", count, text=promise("", "t")),
             task_node("n2", double, n=promise("n1", "o0"))]
    nodes[2].upstream_node_ids.extend(["n1", "n0"])
    request = workflow("fan", nodes, {"t": STR}, {}, {})
    admin.CreateWorkflow(request)
    got = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=request.id))
    (fan_in,) = [n for n in got.closure.compiled_workflow.primary.template.nodes if n.id == "n2"]
    assert list(fan_in.upstream_node_ids) == ["n0", "n1"]
    del request.spec.template.nodes[2].upstream_node_ids[:]
    request.spec.template.nodes[2].upstream_node_ids.extend(["n0", "n1"])
    assert error_of(admin.CreateWorkflow, request).code() == grpc.StatusCode.ALREADY_EXISTS


def _branch(node_id, cases, else_node=None, error=None, **inputs):
    """A branch node: ``cases`` is [(comparison, then_node)]."""
    if_else = core.IfElseBlock(case=core.IfBlock(condition=condition_pb2.BooleanExpression(comparison=cases[0][0]),
                                                 then_node=cases[0][1]))
    for cmp, then in cases[1:]:
        if_else.other.add(condition=condition_pb2.BooleanExpression(comparison=cmp), then_node=then)
    if else_node is not None:
        if_else.else_node.CopyFrom(else_node)
    if error is not None:
        if_else.error.CopyFrom(error)
    return core.Node(id=node_id, inputs=[binding(k, v) for k, v in inputs.items()],
                     branch_node=core.BranchNode(if_else=if_else))


def _gt(var, **constant):
    return condition_pb2.ComparisonExpression(operator=condition_pb2.ComparisonExpression.GT,
                                              left_value=condition_pb2.Operand(var=var),
                                              right_value=condition_pb2.Operand(primitive=literals_pb2.Primitive(
                                                  **constant)))


def test_a_branch_node_is_compiled_with_its_cases_and_conditions(admin, chain):
    count, double, _ = chain
    n0 = task_node("n0", count, text=promise("", "text"))
    good = _branch("n1", [(_gt("n0.o0", integer=3), task_node("n0", double, n=promise("n0", "o0")))],
                   else_node=task_node("n1", double, n=promise("n0", "o0")), **{"n0.o0": promise("n0", "o0")})
    admin.CreateWorkflow(workflow("branchy", [n0, good], {"text": STR}, {"o0": INT}, {"o0": promise("n1", "o0")}))
    bad = _branch("n1", [(_gt("n0.o0", float_value=3.0), task_node("n0", double, n=promise("n9", "o0"))),
                         (_gt(".missing", integer=1), task_node("n1", double))],
                  **{"n0.o0": promise("n0", "o0")})
    text = error_of(admin.CreateWorkflow, workflow("bad", [n0, bad], {"text": STR}, {}, {})).details()
    assert "Code: BranchNodeHasNoDefault, Node Id: n1, Description: Branch Node must have either the else case set " \
           "or a default error." in text
    assert "Code: MismatchingTypes, Node Id: n1, Description: Variable [RightValue] (type [simple:FLOAT])" in text
    assert "Code: VariableNameNotFound, Node Id: n1, Description: Variable [.missing] not found on node [n1]." in text
    assert "Code: NodeReferenceNotFound, Node Id: n1-n0, Description: Referenced node [n9] not found." in text
    assert "Code: ParameterNotBound, Node Id: n1-n1, Description: Parameter not bound [n]." in text
    none = _branch("n1", [(condition_pb2.ComparisonExpression(
        left_value=condition_pb2.Operand(var="n0.o0"),
        right_value=condition_pb2.Operand(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))),
        task_node("n0", double, n=promise("n0", "o0")))],
        error=types_pb2.Error(failed_node_id="c", message="no"), **{"n0.o0": promise("n0", "o0")})
    text = error_of(admin.CreateWorkflow, workflow("none", [n0, none], {"text": STR}, {}, {})).details()
    assert "Code: ValueRequired, Node Id: n1, Description: Value required [RightValue.Val]." in text


def test_gate_nodes_give_their_outputs_and_need_their_condition(admin, chain):
    _, double, _ = chain
    signal = core.Node(id="n0", gate_node=core.GateNode(signal=core.SignalCondition(signal_id="s", type=INT,
                                                                                      output_variable_name="o0")))
    approve = core.Node(id="n1", inputs=[binding("o0", promise("n0", "o0"))],
                        gate_node=core.GateNode(approve=core.ApproveCondition(signal_id="ok")))
    admin.CreateWorkflow(workflow("gated", [signal, approve, task_node("n2", double, n=promise("n1", "o0"))], {},
                                  {"o0": INT}, {"o0": promise("n2", "o0")}))
    untyped = core.Node(id="n0", gate_node=core.GateNode(signal=core.SignalCondition(signal_id="s")))
    empty = core.Node(id="n1", gate_node=core.GateNode())
    text = error_of(admin.CreateWorkflow, workflow("bad", [untyped, empty], {}, {}, {})).details()
    assert "Code: ValueRequired, Node Id: n0, Description: Value required [GateNode.Signal.Type]." in text
    assert "Code: NoConditionFound, Node Id: n1, Description: Can't find any condition in gate node [n1]." in text


@pytest.mark.parametrize("expression, problem", [
    # robfig/cron's own words, as flyteadmin 1.16.8 answered each of these
    ("not a cron", "expected exactly 5 fields, found 3: [not a cron]"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("0 24 * * *", "end of range (24) above maximum (23): 24"),
    ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
    ("-1 * * * *", 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'),
    ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
    ("1/2/3 * * * *", "too many slashes: 1/2/3"),
    ("@every x", 'failed to parse duration @every x: time: invalid duration "x"'),
    ("@nope", "unrecognized descriptor: @nope"),
    ("0 0 1 jan mon", None), ("@daily", None), ("@every 5m", None), ("*/15 9-17 * * 1-5", None),
])
def test_a_cron_schedule_must_parse(admin, chain, expression, problem):
    admin.CreateWorkflow(chain[2])
    schedule = schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule=expression))
    request = plan("lp", chain[2].id, defaults={"text": (STR, lit(string_value="hi"))}, schedule=schedule)
    if problem is None:
        admin.CreateLaunchPlan(request)
        return
    err = error_of(admin.CreateLaunchPlan, request)
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, f"Invalid cron expression: {problem}")


def test_the_kickoff_time_input_must_be_a_datetime(admin, chain):
    admin.CreateWorkflow(chain[2])
    schedule = schedule_pb2.Schedule(cron_expression="0 2 * * *", kickoff_time_input_arg="text")
    err = error_of(admin.CreateLaunchPlan, plan("lp", chain[2].id, defaults={"text": (STR, lit(string_value="hi"))},
                                                schedule=schedule))
    assert (err.code(), err.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "KickoffTimeInputArg must reference a "
                                           "datetime input. [text] is a [simple:STRING]")


def array_node(node_id, task, **inputs):
    """A map task's node as flytekit writes it: the bindings on the node and on the mapped node inside."""
    bindings = [binding(k, v) for k, v in inputs.items()]
    inner = core.Node(id=task.name, inputs=bindings, task_node=core.TaskNode(reference_id=task))
    return core.Node(id=node_id, inputs=bindings, array_node=core.ArrayNode(node=inner, min_success_ratio=1.0))


def test_an_array_node_is_compiled_against_its_mapped_task(admin, chain):
    """flytepropeller v1.16: an ArrayNode's interface is the mapped task's (its inputs already lists, a bound input as
    it is); the task must be registered first; the node's bindings are type-checked against it."""
    ints = types_pb2.LiteralType(collection_type=INT)
    mapped = make_task(admin, "m.map_double_abc-arraynode", {"n": ints, "k": STR}, {"o0": ints})
    ok = workflow("mapped", [array_node("n0", mapped, n=promise("", "xs"), k=promise("", "label"))],
                  {"xs": ints, "label": STR}, {"o0": ints}, {"o0": promise("n0", "o0")})
    admin.CreateWorkflow(ok)
    got = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=ok.id)).closure.compiled_workflow
    assert [t.template.id.name for t in got.tasks] == ["m.map_double_abc-arraynode"]

    bad = workflow("mapped_bad", [array_node("n0", mapped, n=promise("", "x"), k=promise("", "label"))],
                   {"x": INT, "label": STR}, {"o0": INT}, {"o0": promise("n0", "o0")})
    err = error_of(admin.CreateWorkflow, bad)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("Code: MismatchingTypes, Node Id: n0, Description: The output variable 'x' has type [simple:INTEGER], "
            "but it's assigned to the input variable 'n' which has type type [collection_type:{simple:INTEGER}].") \
        in err.details()
    assert ("Code: MismatchingTypes, Node Id: end-node, Description: The output variable 'o0' has type "
            "[collection_type:{simple:INTEGER}], but it's assigned to the input variable 'o0' which has type type "
            "[simple:INTEGER].") in err.details()

    unbound = workflow("mapped_unbound", [array_node("n0", mapped, n=promise("", "xs"))], {"xs": ints}, {}, {})
    assert "Parameter not bound [k]." in error_of(admin.CreateWorkflow, unbound).details()

    missing = workflow("mapped_missing", [array_node("n0", ident(identifier_pb2.TASK, "m.map_x-arraynode"),
                                                     n=promise("", "xs"))], {"xs": ints}, {}, {})
    assert "missing entity of type TASK" in error_of(admin.CreateWorkflow, missing).details()


def lp_array_node(node_id, lp_id, original=True, **inputs):
    """An ArrayNode over a launch plan as flytekit writes it: the lists bound on the node and on the launch-plan node
    inside, whose interface is the launch plan's own (``is_original_sub_node_interface``)."""
    bindings = [binding(k, v) for k, v in inputs.items()]
    inner = core.Node(id="lp", inputs=bindings, workflow_node=core.WorkflowNode(launchplan_ref=lp_id))
    a = core.ArrayNode(node=inner, min_success_ratio=1.0, execution_mode=core.ArrayNode.FULL_STATE)
    if original is not None:
        a.is_original_sub_node_interface.value = original
    return core.Node(id=node_id, inputs=bindings, array_node=a)


def test_an_array_node_over_a_launch_plan_is_compiled_against_its_interface_made_lists(admin, chain):
    """flytepropeller (validators/interface.go): with ``is_original_sub_node_interface`` (or, before it existed,
    FULL_STATE without it) the sub-node's interface becomes lists, inputs and outputs; otherwise it is taken as
    it is (a map task's, already lists)."""
    admin.CreateWorkflow(chain[2])
    lp_id = ident(identifier_pb2.LAUNCH_PLAN, "lp")
    admin.CreateLaunchPlan(plan("lp", chain[2].id))
    strs, ints = (types_pb2.LiteralType(collection_type=t) for t in (STR, INT))
    for original in (True, None):
        ok = workflow(f"fan_{original}", [lp_array_node("n0", lp_id, original, text=promise("", "texts"))],
                      {"texts": strs}, {"o0": ints}, {"o0": promise("n0", "o0")})
        admin.CreateWorkflow(ok)
    scalar = workflow("fan_scalar", [lp_array_node("n0", lp_id, text=promise("", "text"))], {"text": STR},
                      {"o0": INT}, {"o0": promise("n0", "o0")})
    details = error_of(admin.CreateWorkflow, scalar).details()
    assert ("The output variable 'text' has type [simple:STRING], but it's assigned to the input variable 'text' "
            "which has type type [collection_type:{simple:STRING}].") in details
    assert "[collection_type:{simple:INTEGER}], but it's assigned to the input variable 'o0'" in details
    as_is = workflow("fan_as_is", [lp_array_node("n0", lp_id, False, text=promise("", "texts"))],
                     {"texts": strs}, {"o0": ints}, {"o0": promise("n0", "o0")})
    assert "MismatchingTypes" in error_of(admin.CreateWorkflow, as_is).details()
