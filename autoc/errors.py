"""Errors a user can cause. Each carries what failed, where (file:line when it is user code) and how to fix it.

The CLI renders them once, without a traceback unless ``-v`` is given.
"""

from __future__ import annotations

from typing import Optional


class AutocError(Exception):
    """Base class: ``message`` says what failed, ``where`` points at user code, ``hint`` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, *, where: Optional[str] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        parts = [f"{self.where}: {self.message}" if self.where else self.message]
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class UserInputError(AutocError):
    """Bad flags, paths or values given on the command line."""

    exit_code = 2


class ResourceError(AutocError, ValueError):
    """An invalid resource quantity, or a request above its limit."""


class TaskDefinitionError(AutocError, ValueError):
    """A task that cannot be serialized faithfully (bad name, location, type annotation, metadata...)."""


class LaunchPlanError(AutocError, ValueError):
    """A launch plan that FlyteAdmin would refuse or that clashes with another one (inputs, schedule, name)."""


class DiscoveryError(AutocError):
    """Modules could not be found or imported."""


class ImageConfigError(AutocError, ValueError):
    """An ``--image`` value or ImageSpec that cannot be used."""


class TypeEngineError(AutocError, TypeError, ValueError):
    """A Python type or value that the type engine cannot represent."""


class ValidationError(AutocError, ValueError):
    """A value object failed validation (flytekit raises ``FlyteValidationException`` here)."""


class CallError(AutocError, TypeError):
    """A task (or workflow) called with arguments that do not match its inputs."""


class Interrupted(AutocError):
    """The run was interrupted (Ctrl-C, SIGINT); the message says what was left written and what was not."""

    exit_code = 130


def location_of(obj) -> Optional[str]:
    """``file:line`` of a function or class, when Python knows it."""
    code = getattr(obj, "__code__", None)
    if code is not None:
        return f"{code.co_filename}:{code.co_firstlineno}"
    return None


class WorkflowDefinitionError(AutocError, ValueError):
    """A workflow, node or binding that cannot be serialized faithfully: a wrong input, a type that cannot flow
    into its input, or a construct autoc does not implement yet."""


class TaskLoadError(AutocError, RuntimeError):
    """The container could not load the task it was asked to run (a pickle from another Python, ...)."""
