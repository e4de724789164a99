"""Failures as data: every phase of an execution ends in an ``ErrorDocument`` Flyte can read."""

from __future__ import annotations

import dataclasses
import os
import textwrap
import time
import traceback
from typing import Optional

from flyteidl.core import errors_pb2, execution_pb2

AUTOC_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(__import__("importlib").__file__))


class RecoverableException(Exception):
    """Raise from a task to ask Flyte to retry it (the error is marked RECOVERABLE)."""

    error_code = "USER:Recoverable"


#: flytekit's name (``flytekit.exceptions.user.FlyteRecoverableException``)
FlyteRecoverableException = RecoverableException


class IgnoreOutputs(Exception):
    """Raise from a task whose outputs are to be dropped (as flytekit's ``IgnoreOutputs``: e.g. the workers of a
    distributed job other than the one that reports): the task succeeds and writes neither outputs.pb nor error.pb."""


class PhaseError(Exception):
    """A failure in one phase of ``autoc execute``; carries what goes into the error document."""

    def __init__(self, code: str, cause: BaseException, recoverable: bool = False, user: bool = False):
        super().__init__(f"{code}: {cause}")
        self.code, self.cause, self.recoverable, self.user = code, cause, recoverable, user


def user_traceback(exc: BaseException) -> str:
    """The traceback without autoc's own frames (and without the frames of the Python runtime above them)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _internal(f.filename)]
    out = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) if frames else ""
    return out


def _internal(filename: str) -> bool:
    """autoc's own frames and the import machinery's: not the user's business."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.abspath(filename)
    return path.startswith(AUTOC_DIR + os.sep) or path.startswith(_IMPORTLIB_DIR + os.sep)


def error_document(err: PhaseError, worker: str = "") -> errors_pb2.ErrorDocument:
    cause = err.cause
    message = ("Trace:\n\n" + textwrap.indent(user_traceback(cause), "    ") + "\nMessage:\n\n"
               + textwrap.indent(f"{type(cause).__name__}: {cause}", "    "))
    now = time.time()
    ce = errors_pb2.ContainerError(
        code=err.code, message=message,
        kind=errors_pb2.ContainerError.RECOVERABLE if err.recoverable else errors_pb2.ContainerError.NON_RECOVERABLE,
        origin=execution_pb2.ExecutionError.USER if err.user else execution_pb2.ExecutionError.SYSTEM,
        worker=worker)
    ce.timestamp.seconds = int(now)
    ce.timestamp.nanos = int((now % 1) * 1e9)
    return errors_pb2.ErrorDocument(error=ce)


def user_code_error(exc: BaseException) -> PhaseError:
    """An exception raised by the task's own code: USER:<its error_code or RuntimeError>."""
    code = getattr(exc, "error_code", None)
    recoverable = isinstance(exc, RecoverableException)
    if isinstance(code, int):
        code = str(code)
    if not code:
        code = "USER:RuntimeError"
    elif not str(code).startswith("USER:"):
        code = f"USER:{code}"
    return PhaseError(code, exc, recoverable=recoverable, user=True)


def system_error(code: str, exc: BaseException, recoverable: bool = False) -> PhaseError:
    return PhaseError(f"SYSTEM:{code}", exc, recoverable=recoverable)


def describe(err: Optional[PhaseError]) -> str:
    return "" if err is None else f"{err.code}: {type(err.cause).__name__}: {err.cause}"


@dataclasses.dataclass
class Outcome:
    """What one ``autoc execute`` came to (here, below ``execute`` and ``dynamic``, which both return it)."""
    error: Optional[PhaseError]  # None: the task succeeded and outputs.pb was written
