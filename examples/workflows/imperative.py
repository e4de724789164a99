"""An imperative workflow: Workflow(name) built with add_workflow_input, add_entity/add_task, add_subwf,
add_launch_plan, add_workflow_output (a node output, and a list of them), and a failure handler."""

import typing

from autoc import LaunchPlan, Workflow, task, workflow


@task
def shout(a: str) -> str:
    return a.upper() + "!"


@task
def ping():
    print("ping")


@task
def count(xs: typing.List[str]) -> int:
    return len(xs)


@task
def cleanup(in1: str):
    print(f"cleaning up after {in1}")


@workflow
def echo(a: str) -> str:
    return shout(a=a)


echo_lp = LaunchPlan.get_or_create(echo, name="imperative_echo")

wb = Workflow(name="imperative_workflow")
wb.add_workflow_input("in1", str)
first = wb.add_entity(shout, a=wb.inputs["in1"])
wb.add_task(ping)
sub = wb.add_subwf(echo, a=first.outputs["o0"])
launched = wb.add_launch_plan(echo_lp, a=wb.inputs["in1"])
total = wb.add_task(count, xs=[sub.outputs["o0"], launched.outputs["o0"]])
wb.add_workflow_output("shouted", first.outputs["o0"])
wb.add_workflow_output("count", total.outputs["o0"])
wb.add_workflow_output("both", [first.outputs["o0"], sub.outputs["o0"]], python_type=typing.List[str])
wb.add_on_failure_handler(cleanup)
