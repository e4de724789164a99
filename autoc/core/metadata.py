"""TaskMetadata (retries, caching, timeout, ...) and the Cache object, mapped onto flyteidl's TaskMetadata."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple, Union, runtime_checkable

from autoc.errors import ValidationError


@dataclasses.dataclass
class TaskMetadata:
    """Metadata for a task: caching, retries, interruptibility, timeout, deprecation, labels and annotations."""

    cache: bool = False
    cache_serialize: bool = False
    cache_version: str = ""
    cache_ignore_input_vars: Tuple[str, ...] = ()
    interruptible: Optional[bool] = None
    deprecated: str = ""
    retries: int = 0
    timeout: Optional[Union[datetime.timedelta, int]] = None
    pod_template_name: Optional[str] = None
    generates_deck: bool = False
    is_eager: bool = False
    labels: Optional[Dict[str, str]] = None
    annotations: Optional[Dict[str, str]] = None

    def __post_init__(self):
        if self.timeout:
            if isinstance(self.timeout, int):
                self.timeout = datetime.timedelta(seconds=self.timeout)
            elif not isinstance(self.timeout, datetime.timedelta):
                raise ValidationError("timeout should be duration represented as either a datetime.timedelta or "
                                      "int seconds", hint="timeout=600 or timeout=timedelta(minutes=10)")
        if self.cache and not self.cache_version:
            raise ValidationError("Caching is enabled ``cache=True`` but ``cache_version`` is not set.",
                                  hint='add cache_version="1", or use cache=Cache(version="1")')
        if self.cache_serialize and not self.cache:
            raise ValidationError("Cache serialize is enabled ``cache_serialize=True`` but ``cache`` is not enabled.",
                                  hint="add cache=True with a cache_version")
        if self.cache_ignore_input_vars and not self.cache:
            raise ValidationError(f"Cache ignore input vars are specified ``cache_ignore_input_vars="
                                  f"{self.cache_ignore_input_vars}`` but ``cache`` is not enabled.",
                                  hint="add cache=True with a cache_version")
        if not isinstance(self.retries, int) or isinstance(self.retries, bool) or self.retries < 0:
            raise ValidationError(f"retries={self.retries!r} must be a whole number, zero or more")

    @property
    def retry_strategy(self):
        from flyteidl.core import literals_pb2

        return literals_pb2.RetryStrategy(retries=self.retries)

    def to_taskmetadata_model(self, runtime=None):
        """The flyteidl ``core.TaskMetadata`` message; ``runtime`` defaults to autoc's RuntimeMetadata."""
        from flyteidl.core import tasks_pb2

        m = tasks_pb2.TaskMetadata(
            discoverable=self.cache,
            discovery_version=self.cache_version,
            deprecated_error_message=self.deprecated,
            cache_serializable=self.cache_serialize,
            pod_template_name=self.pod_template_name or "",
            cache_ignore_input_vars=list(self.cache_ignore_input_vars),
            is_eager=self.is_eager,
        )
        m.runtime.CopyFrom(runtime if runtime is not None else runtime_metadata())
        m.retries.SetInParent()
        m.retries.retries = self.retries
        if self.timeout:
            m.timeout.FromTimedelta(self.timeout)
        if self.interruptible is not None:
            m.interruptible = self.interruptible
        m.generates_deck.SetInParent()
        if self.generates_deck:
            m.generates_deck.value = True
        m.metadata.SetInParent()
        m.metadata.labels.update(self.labels or {})
        m.metadata.annotations.update(self.annotations or {})
        return m


def runtime_metadata():
    """RuntimeMetadata naming autoc and its version (flytekit writes its own name here)."""
    from flyteidl.core import tasks_pb2

    from autoc import __version__

    return tasks_pb2.RuntimeMetadata(type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version=__version__,
                                     flavor="python")


@dataclasses.dataclass
class VersionParameters:
    """What a cache policy may hash to derive a cache version."""

    func: Optional[Callable] = None
    container_image: Any = None
    pod_template: Any = None
    pod_template_name: Optional[str] = None


@runtime_checkable
class CachePolicy(Protocol):
    def get_version(self, salt: str, params: VersionParameters) -> str:
        ...


@dataclasses.dataclass
class Cache:
    """Cache settings: a fixed ``version``, or ``policies`` that derive one (sha256 of their outputs)."""

    version: Optional[str] = None
    serialize: bool = False
    ignored_inputs: Union[Tuple[str, ...], str] = ()
    salt: str = ""
    policies: Optional[Union[List[CachePolicy], CachePolicy]] = None

    def __post_init__(self):
        self._ignored_inputs = (self.ignored_inputs,) if isinstance(self.ignored_inputs, str) \
            else tuple(self.ignored_inputs)
        if self.policies is None:
            self._policies: List[CachePolicy] = []
        elif isinstance(self.policies, list):
            self._policies = list(self.policies)
        else:
            self._policies = [self.policies]
        if self.version is None and not self._policies:
            raise ValidationError("Cache: if version is not defined then at least one cache policy needs to be set",
                                  hint='Cache(version="1") or cache=True, cache_version="1"')

    def get_ignored_inputs(self) -> Tuple[str, ...]:
        return self._ignored_inputs

    def get_version(self, params: VersionParameters) -> str:
        if self.version is not None:
            return self.version
        task_hash = ""
        for policy in self._policies:
            try:
                task_hash += policy.get_version(self.salt, params)
            except Exception as e:
                raise ValidationError(f"Failed to generate version for cache policy {policy}: {e}",
                                      hint="set the version explicitly, e.g. Cache(version='v1.2.3')") from e
        import hashlib  # (here: hashlib loads OpenSSL, which a task's cold start does not need)

        return hashlib.sha256(task_hash.encode()).hexdigest()
