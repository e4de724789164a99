"""Tasks, workflows, a subworkflow, named launch plans and a launch-plan node, written against flytekit itself.

tests/remote/test_register_workflows.py registers the files `pyflyte serialize` (the oracle) writes for this
module; it is not autoc code."""

import typing

from flytekit import CronSchedule, LaunchPlan, task, workflow


@task
def fetch(day: str) -> str:
    return f"data-{day}"


@task
def train(data: str, epochs: int = 3) -> float:
    return float(len(data) * epochs)


@task
def report(score: float) -> str:
    return f"score={score}"


@workflow
def prepare(day: str) -> str:
    return fetch(day=day)


@workflow
def pipeline(day: str, epochs: int = 5) -> float:
    """Fetch a day of data and train on it."""
    data = prepare(day=day)
    return train(data=data, epochs=epochs)


nightly = LaunchPlan.get_or_create(pipeline, name="nightly", default_inputs={"epochs": 10},
                                   fixed_inputs={"day": "today"}, schedule=CronSchedule(schedule="0 2 * * *"))


weekly = LaunchPlan.get_or_create(pipeline, name="weekly", fixed_inputs={"day": "sunday"})


@workflow
def summary(epochs: int = 2) -> typing.Tuple[float, str]:
    score = weekly(epochs=epochs)
    return score, report(score=score)
