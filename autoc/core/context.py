"""Execution mode and context: whether code runs at registration (compile), in a container, or locally.

The names and meanings are flytekit's (``FlyteContextManager.current_context().execution_state.mode`` is None at
registration, ``ExecutionState.Mode.LOCAL_TASK_EXECUTION`` inside a local task call and ``TASK_EXECUTION`` inside
``autoc execute``), so user code written for flytekit reads the same answers. The full runtime context (execution
id, checkpoints, ...) belongs to ``autoc.runtime``; this module holds only the small, import-cheap state.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
import os
from typing import Iterator, Optional, Union


@dataclasses.dataclass(frozen=True)
class ExecutionState:
    """What is executing: ``mode`` (None at registration), the working directory, the user-space parameters."""

    class Mode(enum.Enum):
        """flytekit's execution modes, with its values."""

        TASK_EXECUTION = 1
        LOCAL_WORKFLOW_EXECUTION = 2
        LOCAL_TASK_EXECUTION = 3
        DYNAMIC_TASK_EXECUTION = 4
        EAGER_EXECUTION = 5
        EAGER_LOCAL_EXECUTION = 6
        LOCAL_DYNAMIC_TASK_EXECUTION = 7

    working_dir: Optional[Union[str, os.PathLike]] = None
    mode: Optional["ExecutionState.Mode"] = None
    engine_dir: Optional[Union[str, os.PathLike]] = None
    branch_eval_mode: Optional[object] = None
    user_space_params: Optional[object] = None

    def with_params(self, working_dir=None, mode: Optional["ExecutionState.Mode"] = None, engine_dir=None,
                    branch_eval_mode=None, user_space_params=None) -> "ExecutionState":
        """A copy with the given (non-None) values replaced, as flytekit's ``with_params``."""
        changes = {k: v for k, v in (("working_dir", working_dir), ("mode", mode), ("engine_dir", engine_dir),
                                     ("branch_eval_mode", branch_eval_mode),
                                     ("user_space_params", user_space_params)) if v is not None}
        return dataclasses.replace(self, **changes)

    def is_local_execution(self) -> bool:
        return self.mode in (ExecutionMode.LOCAL_TASK_EXECUTION, ExecutionMode.LOCAL_WORKFLOW_EXECUTION,
                             ExecutionMode.EAGER_LOCAL_EXECUTION, ExecutionMode.LOCAL_DYNAMIC_TASK_EXECUTION)


#: The same enum under the name autoc's own code uses.
ExecutionMode = ExecutionState.Mode


@dataclasses.dataclass(frozen=True)
class FlyteContext:
    """One immutable frame of the context stack; change it through ``new_builder()`` (as in flytekit)."""

    level: int = 0
    execution_state: ExecutionState = ExecutionState()
    serialization_settings: Optional[object] = None
    compilation_state: Optional[object] = None  # an autoc.core.promise.CompilationState while a workflow compiles

    @property
    def user_space_params(self) -> Optional[object]:
        return self.execution_state.user_space_params if self.execution_state else None

    @property
    def file_access(self):
        """Where the running task's files go (flytekit's ``FileAccessProvider`` names: ``get_random_local_path``,
        ``get_random_remote_path``, ``put_data``, ``get_data``, ``raw_output_prefix``, ...)."""
        return _storage().current_file_access()

    @staticmethod
    def current_context() -> "FlyteContext":
        """The top of the stack (kept for flytekit compatibility; same as ``FlyteContextManager.current_context``)."""
        return FlyteContextManager.current_context()

    def new_builder(self) -> "FlyteContext.Builder":
        return FlyteContext.Builder(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def with_execution_state(self, es: ExecutionState) -> "FlyteContext.Builder":
        return self.new_builder().with_execution_state(es)

    def with_serialization_settings(self, ss) -> "FlyteContext.Builder":
        return self.new_builder().with_serialization_settings(ss)

    def with_compilation_state(self, cs: Optional[object]) -> "FlyteContext.Builder":
        return self.new_builder().with_compilation_state(cs)

    def new_execution_state(self, working_dir: Optional[Union[str, os.PathLike]] = None) -> ExecutionState:
        """A fresh execution state (no mode) that keeps this context's user-space parameters."""
        return ExecutionState(working_dir=working_dir or self.execution_state.working_dir,
                              user_space_params=self.user_space_params)

    class Builder:
        """A mutable copy of a context's fields; ``build()`` makes the next (deeper) frame."""

        def __init__(self, **fields):
            self.__dict__.update(fields)

        def with_execution_state(self, es: ExecutionState) -> "FlyteContext.Builder":
            self.execution_state = es
            return self

        def with_serialization_settings(self, ss) -> "FlyteContext.Builder":
            self.serialization_settings = ss
            return self

        def with_compilation_state(self, cs: Optional[object]) -> "FlyteContext.Builder":
            self.compilation_state = cs
            return self

        def new_execution_state(self, working_dir: Optional[Union[str, os.PathLike]] = None) -> ExecutionState:
            return ExecutionState(working_dir=working_dir)

        def build(self) -> "FlyteContext":
            values = {f.name: getattr(self, f.name) for f in dataclasses.fields(FlyteContext)}
            values["level"] = self.level + 1
            return FlyteContext(**values)


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
    def with_context(b: Union[FlyteContext, FlyteContext.Builder]) -> Iterator[FlyteContext]:
        """Push ``b`` (a builder, as in flytekit, or a context) for the block; pop back to the previous depth."""
        if not _STACK.get():
            FlyteContextManager.initialize()
        size = len(_STACK.get())
        ctx = b.build() if isinstance(b, FlyteContext.Builder) else b
        FlyteContextManager.push_context(ctx)
        try:
            yield ctx
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
    """Push a context in ``mode``; ``user_space_params`` is what ``autoc.current_context()`` returns (kept from the
    enclosing context when not given)."""
    ctx = FlyteContextManager.current_context()
    es = ctx.new_execution_state(working_dir).with_params(mode=mode, user_space_params=user_space_params)
    with FlyteContextManager.with_context(ctx.with_execution_state(es)) as c:
        yield c


def _storage():
    """``autoc.storage`` (below core), imported on first use."""
    from autoc import storage

    return storage
