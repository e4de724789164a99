import os
import typing

from autoc import Directory, File, IgnoreOutputs, RecoverableException, current_context, task

from tests.types.cases import Shape


@task
def add(a: int, b: int = 10) -> int:
    return a + b


@task
def boom(x: int) -> int:
    raise ValueError(f"bad value {x}")


@task
def flaky() -> None:
    raise RecoverableException("try again later")


@task
def worker(rank: int) -> int:
    if rank:
        raise IgnoreOutputs(f"worker {rank} does not report")
    return 42


@task
def wrong_output() -> int:
    return "not an int"  # type: ignore[return-value]


@task
def two_outputs() -> typing.Tuple[int, str]:
    return 1, "one"


class Stats(typing.NamedTuple):
    mean: float
    count: int


@task
def stats(xs: typing.List[float]) -> Stats:
    return Stats(sum(xs) / len(xs), len(xs))


@task
def nothing() -> None:
    pass


@task
def write_file(text: str) -> File:
    path = os.path.join(current_context().working_directory, "out.txt")
    with open(path, "w") as f:
        f.write(text)
    return File(path)


@task
def read_file(f: File) -> str:
    with f.open() as fh:
        return fh.read()


@task
def list_dir(d: Directory) -> typing.List[str]:
    return d.listdir()


@task
def reshape(s: Shape) -> Shape:
    s.name = s.name.upper()
    return s


@task
def checkpointed(n: int) -> int:
    cp = current_context().checkpoint
    prev = cp.read()
    count = int(prev.decode()) if prev else 0
    cp.write(str(count + n).encode())
    return count + n


@task
def whoami() -> str:
    from autoc import ExecutionState, FlyteContextManager

    ctx = current_context()
    assert FlyteContextManager.current_context().user_space_params is ctx
    assert FlyteContextManager.current_context().execution_state.mode == ExecutionState.Mode.TASK_EXECUTION
    return f"{ctx.execution_id.project}/{ctx.execution_id.domain}/{ctx.execution_id.name}:{ctx.task_id.name}"


@task(enable_deck=True)
def decked() -> int:
    return 1
