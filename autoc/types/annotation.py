"""Markers read from ``Annotated[T, ...]``: ``HashMethod`` (the cache hash of a value) and ``FlyteAnnotation``
(extra data in the LiteralType). Any other metadata is ignored, as flytekit ignores it."""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, TypeVar

T = TypeVar("T")


class HashMethod(Generic[T]):
    """``Annotated[pd.DataFrame, HashMethod(fn)]``: ``fn(value)`` becomes the literal's ``hash``, which Flyte's
    cache uses instead of the value's contents."""

    def __init__(self, function: Callable[[T], str]):
        self._function = function

    def calculate(self, obj: T) -> str:
        return self._function(obj)


class FlyteAnnotation:
    """``Annotated[int, FlyteAnnotation({"foo": 1})]``: ``data`` is written into the LiteralType's annotation."""

    def __init__(self, data: Dict[str, Any]):
        self._data = data

    @property
    def data(self) -> Dict[str, Any]:
        return self._data


class BatchSize:
    """``Annotated[Directory, BatchSize(10)]``: flytekit moves a directory's files in batches of ``val``; the type
    and its literal type are those of the annotated type (autoc moves a directory's files as one transfer)."""

    def __init__(self, val: int):
        self._val = val

    @property
    def val(self) -> int:
        return self._val
