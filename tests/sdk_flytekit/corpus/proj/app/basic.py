"""Function tasks with the interface types autoc supports."""

import datetime
import enum
import typing
from dataclasses import dataclass, field

from flytekit import task


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Point:
    x: float
    y: float
    label: str = ""


@dataclass
class Shape:
    points: typing.List[Point]
    color: Color
    meta: typing.Dict[str, int] = field(default_factory=dict)
    note: typing.Optional[str] = None


class Stats(typing.NamedTuple):
    mean: float
    count: int


@task
def add(a: int, b: int = 3) -> int:
    """Add two numbers.

    The long description spans
    two lines.

    :param a: the first number
    :param b: the second number
    :return: their sum
    """
    return a + b


@task
def greet(name: str, excited: bool = False) -> str:
    """Say hello.

    Args:
        name: who to greet
        excited: end with an exclamation mark

    Returns:
        the greeting
    """
    return f"Hello {name}{'!' if excited else '.'}"


@task
def describe(values: typing.List[float]) -> Stats:
    """Summary statistics."""
    return Stats(sum(values) / len(values), len(values))


@task
def split(text: str) -> typing.Tuple[str, int]:
    """:return: the words and their count"""
    words = text.split()
    return " ".join(words), len(words)


@task
def everything(
    i: int,
    f: float,
    s: str,
    b: bool,
    raw: bytes,
    when: datetime.datetime,
    day: datetime.date,
    how_long: datetime.timedelta,
    names: typing.List[str],
    nested: typing.List[typing.List[int]],
    scores: typing.Dict[str, float],
    loose: dict,
    maybe: typing.Optional[int],
    either: typing.Union[int, str],
    color: Color,
    shape: Shape,
    shapes: typing.Dict[str, Shape],
) -> None:
    pass


@task
def modern(xs: list[int], m: dict[str, list[str]], o: int | None = None) -> list[str]:
    return [str(x) for x in xs]


@task()
def no_docs(x: int) -> int:
    return x
