"""Node and task kinds beyond a straight line of calls (array, branch and gate nodes, dynamic workflows, imperative
workflows, container and shell tasks, overrides, a failure node), with an import the face does not answer."""

from datetime import timedelta
from typing import List

from flytekit import (ContainerTask, Resources, WorkflowFailurePolicy, approve, conditional, dynamic, kwtypes,
                      map_task, sleep, task, wait_for_input, workflow)
from flytekit.core.workflow import ImperativeWorkflow
from flytekit.extras.tasks.shell import OutputLocation, ShellTask
from flytekit.remote import FlyteRemote  # noqa: F401 - the face does not answer flytekit.remote
from flytekit.types.file import FlyteFile


@task
def square(x: int) -> int:
    return x * x


@task
def total(xs: List[int]) -> int:
    return sum(xs)


@task(retries=2)
def report(s: int) -> str:
    return f"total {s}"


@workflow
def mapped(xs: List[int] = [1, 2, 3]) -> int:
    return total(xs=map_task(square, concurrency=2)(x=xs))


@workflow
def branchy(x: int) -> int:
    return (conditional("big").if_(x > 10).then(square(x=x))
            .elif_(x < 0).then(total(xs=[x, x]))
            .else_().then(square(x=x).with_overrides(requests=Resources(cpu="2"))))


@workflow
def gated(x: int) -> str:
    s = square(x=x)
    ok = wait_for_input("go", timeout=timedelta(hours=1), expected_type=bool)
    sleeper = sleep(timedelta(seconds=5))
    approved = approve(s, "approve-total", timeout=timedelta(hours=2))
    s >> ok
    ok >> sleeper
    return report(s=approved)


@dynamic
def fan_out(n: int) -> List[int]:
    return [square(x=i) for i in range(n)]


@workflow
def dyn_wf(n: int = 3) -> List[int]:
    return fan_out(n=n)


shout = ShellTask(
    name="eng.shout",
    script="echo {inputs.word} > {outputs.out}",
    inputs=kwtypes(word=str),
    output_locs=[OutputLocation(var="out", var_type=FlyteFile, location="{inputs.word}.txt")],
)

calc = ContainerTask(
    name="eng.calc",
    image="ghcr.io/acme/calc:v2",
    inputs=kwtypes(a=int, b=int),
    outputs=kwtypes(c=int),
    command=["calc", "{{.inputs.a}}", "{{.inputs.b}}", "/var/outputs"],
    requests=Resources(cpu="1", mem="200Mi"),
)


@task
def cleanup(a: int, b: int) -> None:
    ...


@workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE, on_failure=cleanup)
def with_handler(a: int, b: int) -> int:
    return calc(a=a, b=b)


imperative = ImperativeWorkflow(name="eng.constructs.imperative")
imperative.add_workflow_input("x", int)
node = imperative.add_entity(square, x=imperative.inputs["x"])
imperative.add_workflow_output("y", node.outputs["o0"])
