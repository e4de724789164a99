"""A workflow's default options: its default launch plan carries their labels and annotations."""

from flytekit import Annotations, Labels, Options, task, workflow


@task
def echo(x: int) -> int:
    return x


@workflow(default_options=Options(labels=Labels({"team": "ml"}), annotations=Annotations({"owner": "acme"})))
def labelled(x: int = 1) -> int:
    return echo(x=x)
