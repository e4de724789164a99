"""Dynamic workflows: a task whose body builds a workflow from its input values when it runs."""

import typing

from autoc import dynamic, map_task, task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@task
def add_all(xs: typing.List[int]) -> int:
    return sum(xs)


@workflow
def inc_twice(x: int) -> int:
    return inc(x=inc(x=x))


@dynamic
def fan_out(n: int) -> int:
    """Call inc n times (n is a real int here) and add the results."""
    return add_all(xs=[inc(x=i) for i in range(n)])


@dynamic(cache=True, cache_version="1", retries=1, node_dependency_hints=[inc_twice])
def nested(n: int, label: str = "x") -> typing.List[int]:
    """Subworkflow nodes and a map task, built at run time."""
    twice = [inc_twice(x=i) for i in range(n)]
    mapped = map_task(inc)(x=twice)
    return mapped


@dynamic
def constant(n: int) -> int:
    return n * 2  # calls nothing: the outputs are written directly


@workflow
def uses_dynamic(n: int) -> int:
    return fan_out(n=n)


if __name__ == "__main__":
    print(uses_dynamic(n=3), nested(n=2), constant(n=4))
