"""Failure handlers: a task or a workflow that runs when a node fails, receiving the inputs and the error."""

import typing

from flytekit import Description, Documentation, SourceCode, task, workflow
from flytekit.types.error import FlyteError

from app.pipelines import fetch, publish


@task
def clean_up(day: str, err: typing.Optional[FlyteError] = None) -> None:
    """Remove what a failed run left behind."""
    print(day, err)


@task
def notify(day: str, reason: str) -> None:
    print(day, reason)


@workflow
def clean_up_all(day: str, err: typing.Optional[FlyteError] = None) -> None:
    clean_up(day=day, err=err)
    notify(day=day, reason="failed")


@workflow(on_failure=clean_up)
def guarded(day: str) -> str:
    rows = fetch(day=day)
    return publish(accuracy=0.5, tags=rows)


@workflow(on_failure=clean_up_all)
def guarded_by_workflow(day: str) -> str:
    return publish(accuracy=1.0, tags=[day])


@workflow(docs=Documentation(short_description="replaced by the docstring's",
                             long_description=Description(value="Runs **daily**.", icon_link="https://x.io/i.png",
                                                          format=Description.DescriptionFormat.MARKDOWN),
                             source_code=SourceCode(link="https://github.com/acme/pipelines")))
def documented(day: str) -> str:
    """Publish one day."""
    return publish(accuracy=0.1, tags=[day, "documented"])
