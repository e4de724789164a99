"""Workflows: linear pipelines, NamedTuple and tuple outputs, defaults, constants of every kind, attribute access,
lists and dicts mixing outputs and constants, ordering with >>, and subworkflows."""

import typing
from dataclasses import dataclass

from flytekit import WorkflowFailurePolicy, task, workflow

from app.basic import Color, Point, Stats


@dataclass
class Split:
    train: typing.List[str]
    test: typing.List[str]


class Scores(typing.NamedTuple):
    accuracy: float
    loss: float


@task(retries=2)
def fetch(day: str) -> typing.List[str]:
    """Fetch one day of rows."""
    return [f"{day}-{i}" for i in range(10)]


@task
def split(rows: typing.List[str], ratio: float = 0.8) -> Split:
    cut = int(len(rows) * ratio)
    return Split(train=rows[:cut], test=rows[cut:])


@task
def train(rows: typing.List[str], epochs: int = 3, color: Color = Color.RED) -> float:
    return float(len(rows) * epochs)


@task
def evaluate(model: float, rows: typing.List[str]) -> Scores:
    return Scores(accuracy=model / (model + len(rows)), loss=1.0)


@task
def summarize(values: typing.List[float], extra: typing.Dict[str, float], origin: Point,
              note: typing.Optional[str] = None) -> Stats:
    return Stats(mean=sum(values) / len(values), count=len(values) + len(extra))


@task
def publish(accuracy: float, tags: typing.List[str]) -> str:
    return f"{accuracy:.3f} {','.join(tags)}"


@task
def announce(message: str) -> None:
    print(message)


@task
def pair(x: int) -> typing.Tuple[int, str]:
    return x, str(x)


@workflow
def training(day: str, epochs: int = 5) -> Scores:
    """Fetch a day of data, train on it and evaluate the model.

    :param day: the day to fetch, as YYYY-MM-DD
    :param epochs: passes over the training rows
    """
    rows = fetch(day=day)
    parts = split(rows=rows)
    model = train(rows=parts.train, epochs=epochs)
    return evaluate(model=model, rows=parts.test)


@workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE, interruptible=True)
def report(day: str, note: typing.Optional[str] = None) -> typing.Tuple[str, float]:
    """Train twice (a subworkflow, called twice), summarize and publish."""
    first = training(day=day)
    second = training(day="2024-01-01", epochs=1)
    stats = summarize(values=[first.accuracy, second.accuracy, 0.5],
                      extra={"loss": first.loss, "baseline": 0.25}, origin=Point(x=0.0, y=1.0, label="o"),
                      note=note)
    message = publish(accuracy=stats.mean, tags=["nightly", day])
    done = announce(message=message)
    check = announce(message="checked")
    done >> check
    return message, first.accuracy


@workflow
def numbers(x: int) -> typing.Tuple[int, str]:
    a, b = pair(x=x)
    c = pair(a)
    announce(message=b)
    return c[0], c.o1


@workflow
def nested(day: str) -> float:
    """A workflow calling a workflow that calls a workflow."""
    _, acc = report(day=day)
    return acc
