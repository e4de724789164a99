"""Map tasks: a task run once per element of a list, as a Flyte ArrayNode."""

import functools
import typing

from autoc import LaunchPlan, Resources, array_node, array_node_map_task, map_task, task, workflow
from autoc.core.legacy_map_task import map_task as legacy_map_task


@task(retries=2, requests=Resources(cpu="1", mem="1Gi"), cache=True, cache_version="1")
def square(x: int) -> int:
    """Square a number.

    :param x: the number
    """
    return x * x


@task
def scale(x: int, factor: float = 1.0, label: str = "") -> float:
    if x < 0:
        raise ValueError(f"negative input {x}")
    return x * factor


@task
def log_value(x: int):
    print(x)


@task
def total(values: typing.List[float]) -> float:
    return sum(values)


@task
def add_up(values: typing.List[int]) -> int:
    return sum(values)


double = functools.partial(scale, factor=2.0, label="double")
squares = map_task(square)  # one map task, used by two workflows: one entity


@workflow
def sum_of_squares(xs: typing.List[int]) -> int:
    return add_up(values=squares(x=xs))


@workflow
def squares_twice(xs: typing.List[int]) -> typing.List[int]:
    return squares(x=xs)


@workflow
def doubled(xs: typing.List[int]) -> typing.List[float]:
    """Every element doubled (a partial binds factor and label for every element)."""
    log_value_each = map_task(log_value, concurrency=2)(x=xs)
    out = map_task(double)(x=xs)
    log_value_each >> out
    return out


@workflow
def doubled_again(xs: typing.List[int]) -> float:
    """The same partial mapped again, with other options: another map task."""
    return total(values=array_node_map_task(double, concurrency=3)(x=xs))


@workflow
def tolerant(xs: typing.List[int], factors: typing.List[float], labels: typing.List[str]
             ) -> typing.List[typing.Optional[float]]:
    """Half the elements may fail (a negative x): the output is a list of optionals."""
    return map_task(scale, concurrency=4, min_success_ratio=0.5)(x=xs, factor=factors, label=labels)


@task(retries=1)
def cube(x: int, offset: int = 0) -> int:
    return x ** 3 + offset


@workflow
def cubes_on_the_array_plugin(xs: typing.List[int], offsets: typing.List[int]) -> typing.List[typing.Optional[int]]:
    """flytekit's first map task (``flytekit.core.legacy_map_task``): a ``container_array`` task that Flyte's array
    plugin runs, called from a plain task node (not an ArrayNode). Every unbound input is a list, defaults too."""
    return legacy_map_task(cube, concurrency=2, min_success_ratio=0.5)(x=xs, offset=offsets)


@workflow
def offset_cubes(xs: typing.List[int]) -> typing.List[int]:
    return legacy_map_task(functools.partial(cube, offset=1))(x=xs)


@workflow
def scaled(x: int, factor: float = 1.0) -> float:
    return scale(x=x, factor=factor)


tripled = LaunchPlan.get_or_create(scaled, name="scaled_times_three", fixed_inputs={"factor": 3.0})


@workflow
def fan_out(xs: typing.List[int]) -> typing.List[float]:
    """A launch plan run once per element (an ArrayNode over it: each element is an execution of its own)."""
    return array_node(tripled, concurrency=2, min_success_ratio=0.5)(x=xs)


@workflow
def fan_out_twice(xs: typing.List[int], factors: typing.List[float]) -> typing.List[float]:
    """map_task over a launch plan makes the same ArrayNode; its overrides apply to the node inside too."""
    once = map_task(LaunchPlan.get_or_create(scaled))(x=xs, factor=factors).with_overrides(retries=2)
    return array_node(LaunchPlan.get_or_create(scaled), min_successes=1, run_all_sub_nodes=True)(x=xs, factor=once)


if __name__ == "__main__":
    print(sum_of_squares(xs=[1, 2, 3]), doubled(xs=[1, 2]), tolerant(xs=[1, -1], factors=[1.0, 3.0], labels=["a", "b"]))
