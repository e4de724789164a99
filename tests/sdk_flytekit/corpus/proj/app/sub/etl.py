"""A subpackage: its modules come before later siblings, as pkgutil orders them."""

import typing

from flytekit import task


@task
def extract(url: str) -> typing.List[str]:
    """Fetch rows."""
    return [url]


@task
def load(rows: typing.List[str]) -> int:
    return len(rows)
