"""autoc.core.context: flytekit's context API (FlyteContextManager, FlyteContext builders, ExecutionState.Mode)."""

import pytest

import autoc
from autoc.core.context import ExecutionState, FlyteContext, FlyteContextManager, execution_mode
from tests.conftest import run_oracle


def test_modes_are_flytekits(tmp_path):
    theirs = run_oracle("from flytekit.core.context_manager import ExecutionState as E; "
                        "print([(m.name, m.value) for m in E.Mode])", cwd=tmp_path)
    assert str([(m.name, m.value) for m in ExecutionState.Mode]) == theirs
    assert str(ExecutionState.Mode.TASK_EXECUTION) == "Mode.TASK_EXECUTION"


def test_public_names_are_the_context_classes():
    assert autoc.FlyteContext is FlyteContext and autoc.ExecutionState is ExecutionState
    assert autoc.FlyteContextManager is FlyteContextManager


def test_registration_time_has_an_execution_state_without_mode():
    ctx = FlyteContextManager.current_context()
    assert FlyteContext.current_context() is ctx
    assert ctx.execution_state is not None and ctx.execution_state.mode is None
    assert not ctx.execution_state.is_local_execution()


def test_builder_pushes_a_deeper_frame_and_with_context_pops_back():
    ctx = FlyteContextManager.current_context()
    depth = FlyteContextManager.size()
    es = ctx.new_execution_state("/tmp/wd").with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    builder = ctx.new_builder().with_execution_state(es)
    assert isinstance(builder, FlyteContext.Builder)
    with FlyteContextManager.with_context(builder) as inner:
        assert FlyteContextManager.current_context() is inner
        assert inner.level == ctx.level + 1
        assert inner.execution_state.mode is ExecutionState.Mode.TASK_EXECUTION
        assert inner.execution_state.working_dir == "/tmp/wd"
        # ctx.with_execution_state(...) is a builder too, as in flytekit
        with FlyteContextManager.with_context(inner.with_execution_state(
                es.with_params(mode=ExecutionState.Mode.LOCAL_WORKFLOW_EXECUTION))) as deeper:
            assert deeper.execution_state.is_local_execution()
            FlyteContextManager.push_context(FlyteContext())  # a leaked frame is cleaned up on exit
        assert FlyteContextManager.current_context() is inner
    assert FlyteContextManager.size() == depth
    assert FlyteContextManager.current_context() is ctx


def test_with_params_keeps_unset_values():
    es = ExecutionState(working_dir="/w", mode=ExecutionState.Mode.LOCAL_TASK_EXECUTION, user_space_params="p")
    changed = es.with_params(mode=ExecutionState.Mode.TASK_EXECUTION)
    assert (changed.working_dir, changed.mode, changed.user_space_params) == \
        ("/w", ExecutionState.Mode.TASK_EXECUTION, "p")
    assert es.mode is ExecutionState.Mode.LOCAL_TASK_EXECUTION  # the original is unchanged


def test_execution_mode_keeps_user_space_params_of_the_enclosing_context():
    with execution_mode(ExecutionState.Mode.TASK_EXECUTION, "/w", user_space_params="params"):
        with execution_mode(ExecutionState.Mode.LOCAL_TASK_EXECUTION) as c:
            assert c.user_space_params == "params"
            assert c.execution_state.mode is ExecutionState.Mode.LOCAL_TASK_EXECUTION


def test_local_task_call_runs_in_local_task_execution():
    seen = []

    @autoc.task
    def probe() -> int:
        ctx = FlyteContextManager.current_context()
        seen.append((ctx.execution_state.mode, ctx.user_space_params is autoc.current_context()))
        return 1

    assert probe() == 1
    assert seen == [(ExecutionState.Mode.LOCAL_TASK_EXECUTION, True)]
    assert FlyteContextManager.current_context().execution_state.mode is None


def test_pop_of_the_root_context_is_refused():
    FlyteContextManager.current_context()
    with pytest.raises(AssertionError, match="Illegal Context state"):
        while True:
            FlyteContextManager.pop_context()
