"""Execution mode and context: whether code runs at registration (compile), in a container, or locally.

The full runtime context (execution id, checkpoints, ...) belongs to ``autoc.runtime``; this module holds only
the small, import-cheap state that the authoring model consults.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
from typing import Iterator, Optional


class ExecutionMode(enum.IntEnum):
    TASK_EXECUTION = 1
    LOCAL_WORKFLOW_EXECUTION = 2
    LOCAL_TASK_EXECUTION = 3
    DYNAMIC_TASK_EXECUTION = 4
    EAGER_EXECUTION = 5
    EAGER_LOCAL_EXECUTION = 6
    LOCAL_DYNAMIC_TASK_EXECUTION = 7


@dataclasses.dataclass(frozen=True)
class ExecutionState:
    mode: Optional[ExecutionMode] = None
    working_dir: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class FlyteContext:
    """One immutable frame of the context stack."""

    execution_state: ExecutionState = ExecutionState()
    serialization_settings: Optional[object] = None
    user_space_params: Optional[object] = None
    compilation_state: Optional[object] = None  # an autoc.core.promise.CompilationState while a workflow compiles

    def with_execution_state(self, es: ExecutionState) -> "FlyteContext":
        return dataclasses.replace(self, execution_state=es)

    def with_compilation_state(self, cs: Optional[object]) -> "FlyteContext":
        return dataclasses.replace(self, compilation_state=cs)


_STACK: contextvars.ContextVar[tuple] = contextvars.ContextVar("autoc_context_stack", default=())


class FlyteContextManager:
    """A stack of FlyteContexts per thread/task; ``current_context()`` is the top."""

    _signal_handlers: list = []

    @staticmethod
    def current_context() -> FlyteContext:
        stack = _STACK.get()
        if not stack:
            FlyteContextManager.initialize()
            stack = _STACK.get()
        return stack[-1]

    @staticmethod
    def push_context(ctx: FlyteContext, f=None) -> FlyteContext:
        _STACK.set(_STACK.get() + (ctx,))
        return ctx

    @staticmethod
    def pop_context() -> FlyteContext:
        stack = _STACK.get()
        if len(stack) <= 1:
            raise AssertionError("Illegal Context state! Popped the root context")
        _STACK.set(stack[:-1])
        return stack[-1]

    @staticmethod
    def size() -> int:
        return len(_STACK.get())

    @staticmethod
    @contextlib.contextmanager
    def with_context(b: FlyteContext) -> Iterator[FlyteContext]:
        size = len(_STACK.get()) or 1
        if not _STACK.get():
            FlyteContextManager.initialize()
        FlyteContextManager.push_context(b)
        try:
            yield b
        finally:
            _STACK.set(_STACK.get()[:size])

    @staticmethod
    def initialize() -> None:
        _STACK.set((FlyteContext(),))

    @staticmethod
    def get_origin_stackframe(limit=2):
        import traceback

        return traceback.extract_stack(limit=limit)[0]

    @classmethod
    def add_signal_handler(cls, handler) -> None:
        cls._signal_handlers.append(handler)


def current_mode() -> Optional[ExecutionMode]:
    return FlyteContextManager.current_context().execution_state.mode


def is_registration_mode() -> bool:
    """True at serialize/register time (no execution is in progress)."""
    return current_mode() is None


@contextlib.contextmanager
def execution_mode(mode: ExecutionMode, working_dir: Optional[str] = None,
                   user_space_params: Optional[object] = None) -> Iterator[FlyteContext]:
    """Push a context in ``mode``; ``user_space_params`` is what ``autoc.current_context()`` returns."""
    ctx = FlyteContextManager.current_context().with_execution_state(ExecutionState(mode, working_dir))
    if user_space_params is not None:
        ctx = dataclasses.replace(ctx, user_space_params=user_space_params)
    with FlyteContextManager.with_context(ctx) as c:
        yield c
