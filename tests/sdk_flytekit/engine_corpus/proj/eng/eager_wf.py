"""An eager workflow (an async task that runs others)."""

from flytekit import eager, task


@task
def add_one(x: int) -> int:
    return x + 1


@eager
async def eager_sum(x: int) -> int:
    a = add_one(x=x)
    return await a
