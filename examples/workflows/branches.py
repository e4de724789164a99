"""Conditionals: if_/elif_/else_ with comparisons of promises and constants joined by & and |, is_true(),
is_false(), a nested conditional, cases calling tasks, a subworkflow and a launch plan, a failing else, a
conditional without outputs, and a conditional's output used downstream."""

import typing

from autoc import LaunchPlan, conditional, task, workflow


@task
def double(x: float) -> float:
    return 2 * x


@task
def square(x: float) -> float:
    return x * x


@task
def is_even(n: int) -> bool:
    return n % 2 == 0


@task
def describe(v: float, label: str = "value") -> str:
    return f"{label}: {v}"


@task
def count(n: int) -> typing.Optional[int]:
    return n if n > 0 else None


@task
def log(msg: str):
    print(msg)


@workflow
def squared(x: float) -> float:
    return square(x=x)


squared_lp = LaunchPlan.get_or_create(squared, name="branches_squared")


@workflow
def fractions(x: float) -> float:
    """Double small fractions, square values from one up (or exactly -1), refuse the rest."""
    return (
        conditional("fractions")
        .if_((x > 0.1) & (x < 1.0))
        .then(double(x=x))
        .elif_((x >= 1.0) | (x == -1.0))
        .then(square(x=x))
        .else_()
        .fail("x must be in (0.1, 1.0), at least 1.0, or -1.0")
    )


@workflow
def nested(x: float, n: int) -> str:
    """An inner conditional inside the outer one's first case; a launch plan in the else; the result described."""
    even = is_even(n=n)
    v = (
        conditional("parity")
        .if_(even.is_true())
        .then(
            conditional("size")
            .if_(x < 0.5)
            .then(double(x=x))
            .else_()
            .then(square(x=x))
        )
        .else_()
        .then(squared_lp(x=x))
    )
    return describe(v=v, label="result")


@workflow
def odd_or_sub(x: float, n: int) -> float:
    """A subworkflow in a case; the condition reads an upstream output and a workflow input."""
    even = is_even(n=n)
    return conditional("odd").if_(even.is_false() & (n != 7)).then(squared(x=x)).else_().then(double(x=x))


@workflow
def say(n: int, word: str = "hello"):
    """A conditional whose cases have no outputs."""
    c = count(n=n)
    conditional("say").if_(word == "hello").then(log(msg=word)).else_().then(log(msg="bye"))
    c >> log(msg="done")
