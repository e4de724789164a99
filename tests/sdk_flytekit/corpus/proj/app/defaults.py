"""Defaults a project gives in flytekit's objects: a workflow's default options (its default launch plan carries
their labels and annotations) and a task's documentation (under its docstring's descriptions)."""

from flytekit import Annotations, Description, Documentation, Labels, Options, task, workflow


@task
def echo(x: int) -> int:
    return x


@workflow(default_options=Options(labels=Labels({"team": "ml"}), annotations=Annotations({"owner": "acme"})))
def labelled(x: int = 1) -> int:
    return echo(x=x)


@task(docs=Documentation(short_description="replaced", long_description=Description(value="replaced too",
                                                                                   icon_link="https://x.io/i.png")))
def documented(x: int) -> int:
    """Doc short.

    Doc long.
    """
    return x


@task(docs=Documentation(short_description="only docs", long_description=Description(
    value="kept", format=Description.DescriptionFormat.MARKDOWN)))
def docs_only(x: int) -> int:
    return x
