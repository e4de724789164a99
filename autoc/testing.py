"""flytekit's test helpers (``flytekit.testing``): replace what a task or workflow runs with a ``MagicMock`` in a
local test, and the secrets lookup tasks use."""

from __future__ import annotations

import contextlib
import logging
from typing import Iterator
from unittest.mock import MagicMock

from autoc.runtime.secrets import SecretsManager  # noqa: F401 (flytekit.testing offers it)

logger = logging.getLogger("autoc")


def _check(target, what: str) -> None:
    from autoc.core.reference import ReferenceEntity
    from autoc.core.task import PythonTask
    from autoc.core.workflow import WorkflowBase

    if not isinstance(target, (PythonTask, WorkflowBase, ReferenceEntity)):  # (a reference runs only as its mock)
        raise ValueError(f"{what} mocks tasks, workflows and reference entities, not {type(target).__name__}")


@contextlib.contextmanager
def task_mock(t) -> Iterator[MagicMock]:
    """``with task_mock(t1) as m: m.return_value = 3``: inside the block, calling ``t1`` (also from a workflow run
    locally) calls ``m`` with its inputs."""
    _check(t, "task_mock")
    m = MagicMock()

    def mocked(*args, **kwargs):
        logger.warning("calling the mock of task %s", t.name)
        return m(*args, **kwargs)

    saved = t.execute
    t.execute = mocked
    try:
        yield m
    finally:
        t.execute = saved


def patch(target):
    """``@patch(t1)`` on a test function: the test gets the ``MagicMock`` standing in for ``t1`` as its first
    argument. (Not ``functools.wraps``: pytest would read the mock's parameter as a fixture.)"""
    _check(target, "patch")

    def wrapper(test_fn):
        def new_test(*args, **kwargs):
            m = MagicMock()
            saved = target.execute
            target.execute = m
            try:
                return test_fn(m, *args, **kwargs)
            finally:
                target.execute = saved

        return new_test

    return wrapper
