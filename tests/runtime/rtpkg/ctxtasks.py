"""Tasks that read the execution context the way flytekit users do (run under autoc and, import-swapped, flytekit)."""

from autoc import ExecutionState, FlyteContext, FlyteContextManager, task, workflow

AT_IMPORT = FlyteContextManager.current_context().execution_state.mode


def _name(mode) -> str:
    return mode.name if mode is not None else "None"


@task
def modes() -> str:
    ctx = FlyteContextManager.current_context()
    assert FlyteContext.current_context() is ctx
    es = ctx.execution_state.with_params(mode=ExecutionState.Mode.LOCAL_WORKFLOW_EXECUTION)
    with FlyteContextManager.with_context(ctx.new_builder().with_execution_state(es)) as inner:
        assert FlyteContextManager.current_context() is inner
        nested = inner.execution_state.mode
        local = inner.execution_state.is_local_execution()
    after = FlyteContextManager.current_context().execution_state.mode
    return " ".join([_name(AT_IMPORT), _name(ctx.execution_state.mode), _name(nested), str(local), _name(after),
                     str(ctx.user_space_params is not None)])


@task
def pair(a: int, b: str = "x") -> (int, str):
    return a * 2, b + "!"


@workflow
def modes_wf() -> str:
    return modes()
