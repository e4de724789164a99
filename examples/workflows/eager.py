"""An eager workflow: an async task whose body awaits other tasks, each a separate execution at run time.

autoc serializes it as pyflyte does (the task, its -cleanup task, a workflow and a launch plan named like it);
running it needs flytekit's controller, so autoc refuses to run it (see README, "Map tasks, dynamic and eager").
"""

from autoc import Resources, eager, task


@task
def plus_one(x: int) -> int:
    return x + 1


@eager
async def add_twice(x: int, label: str = "n") -> int:
    """Add two, one task execution at a time."""
    one = await plus_one(x=x)
    return await plus_one(x=one)


@eager(requests=Resources(cpu="1"))
async def no_output(x: int):
    await plus_one(x=x)
