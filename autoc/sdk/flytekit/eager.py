"""flytekit's ``@eager`` as pyflyte serializes it: the arguments go to the task class, not through ``@task``, so
the task's metadata options (``retries``, ``cache...``, ``timeout``, ``interruptible``, ``deprecated``) are silently
dropped and the deck is always on. autoc's own ``eager`` honours them; the face keeps pyflyte's output."""

from __future__ import annotations

from typing import Callable, Optional

_DROPPED = ("retries", "cache", "cache_serialize", "cache_version", "cache_ignore_input_vars", "timeout",
            "interruptible", "deprecated", "enable_deck", "disable_deck")


def eager(_fn: Optional[Callable] = None, **kwargs):
    from autoc.core.eager import eager as autoc_eager

    kept = {k: v for k, v in kwargs.items() if k not in _DROPPED}
    return autoc_eager(_fn, enable_deck=True, **kept) if _fn is not None else \
        (lambda fn: autoc_eager(fn, enable_deck=True, **kept))
