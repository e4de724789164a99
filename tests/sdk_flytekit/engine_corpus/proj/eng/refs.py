"""Reference entities: a task and a launch plan registered elsewhere, run by a workflow here."""

from flytekit import reference_launch_plan, reference_task, workflow


@reference_task(project="flytesnacks", domain="development", name="eng.constructs.square", version="v1")
def remote_square(x: int) -> int:
    ...


@reference_launch_plan(project="flytesnacks", domain="development", name="eng.constructs.mapped", version="v1")
def remote_mapped(xs: list[int]) -> int:
    ...


@workflow
def uses_references(x: int) -> int:
    y = remote_square(x=x)
    return remote_mapped(xs=[y, x])
