"""Execution options a launch plan carries: Labels, Annotations, RawOutputDataConfig, AuthRole, ConcurrencyPolicy,
and Options (a workflow's defaults for them).

The same names and constructors as flytekit's ``flytekit.models.common`` / ``flytekit.models.concurrency``;
``to_flyte_idl()`` gives the flyteidl message.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, List, Optional

from autoc.errors import ValidationError


class _StringMap:
    _kind = ""

    def __init__(self, values: Dict[str, str]):
        if not isinstance(values, dict):
            raise ValidationError(f"{type(self).__name__} takes a dict of strings, got {values!r}",
                                  hint=f'{type(self).__name__}({{"team": "ml"}})')
        for k, v in values.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValidationError(f"{type(self).__name__}: {k!r}: {v!r} is not a string to string entry",
                                      hint=f'{type(self).__name__}({{"team": "ml"}}): keys and values are strings')
        self._values = dict(values)

    @property
    def values(self) -> Dict[str, str]:
        return self._values

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._values == self._values

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self._values.items()))))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._values!r})"

    def to_flyte_idl(self):
        from flyteidl.admin import common_pb2

        return getattr(common_pb2, type(self).__name__)(values=self._values)


class Labels(_StringMap):
    """Kubernetes labels for the executions a launch plan starts."""


class Annotations(_StringMap):
    """Kubernetes annotations for the executions a launch plan starts."""


class RawOutputDataConfig:
    """Where executions write offloaded data (files, directories, dataframes): ``RawOutputDataConfig("s3://b/p")``."""

    def __init__(self, output_location_prefix: str):
        if not isinstance(output_location_prefix, str):
            raise ValidationError(f"RawOutputDataConfig takes a location prefix string, got "
                                  f"{output_location_prefix!r}", hint='RawOutputDataConfig("s3://bucket/raw")')
        self._prefix = output_location_prefix

    @property
    def output_location_prefix(self) -> str:
        return self._prefix

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._prefix == self._prefix

    def __hash__(self) -> int:
        return hash(self._prefix)

    def __repr__(self) -> str:
        return f"RawOutputDataConfig({self._prefix!r})"

    def to_flyte_idl(self):
        from flyteidl.admin import common_pb2

        return common_pb2.RawOutputDataConfig(output_location_prefix=self._prefix)


class AuthRole:
    """Deprecated by flytekit in favour of ``SecurityContext(run_as=Identity(...))``, which it becomes."""

    def __init__(self, assumable_iam_role: Optional[str] = None, kubernetes_service_account: Optional[str] = None):
        self.assumable_iam_role = assumable_iam_role
        self.kubernetes_service_account = kubernetes_service_account

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (other.assumable_iam_role, other.kubernetes_service_account) == \
            (self.assumable_iam_role, self.kubernetes_service_account)

    def __hash__(self) -> int:
        return hash((self.assumable_iam_role, self.kubernetes_service_account))

    def __repr__(self) -> str:
        return f"AuthRole({self.assumable_iam_role!r}, {self.kubernetes_service_account!r})"

    def to_security_context(self):
        from autoc.core.security import Identity, SecurityContext

        return SecurityContext(run_as=Identity(iam_role=self.assumable_iam_role,
                                               k8s_service_account=self.kubernetes_service_account))

    def to_flyte_idl(self):
        from flyteidl.admin import common_pb2

        return common_pb2.AuthRole(assumable_iam_role=self.assumable_iam_role or "",
                                   kubernetes_service_account=self.kubernetes_service_account or "")


class ConcurrencyLimitBehavior(enum.IntEnum):
    """What FlyteAdmin does with a new execution once ``max_concurrency`` run: SKIP it."""

    SKIP = 1  # flyteidl's CONCURRENCY_LIMIT_BEHAVIOR_SKIP (0 is unspecified)

    @classmethod
    def enum_to_string(cls, val: int) -> str:
        return "SKIP" if val == cls.SKIP else "<UNKNOWN>"


class ConcurrencyPolicy:
    """At most ``max_concurrency`` executions of the launch plan at once."""

    def __init__(self, max_concurrency: int, behavior: Optional[int] = None):
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ValidationError(f"ConcurrencyPolicy: max_concurrency must be a positive int, got "
                                  f"{max_concurrency!r}", hint="ConcurrencyPolicy(max_concurrency=1)")
        behavior = ConcurrencyLimitBehavior.SKIP if behavior is None else behavior
        if behavior not in tuple(ConcurrencyLimitBehavior):
            raise ValidationError(f"ConcurrencyPolicy: unknown behavior {behavior!r}",
                                  hint="behavior=ConcurrencyLimitBehavior.SKIP")
        self._max = max_concurrency
        self._behavior = ConcurrencyLimitBehavior(behavior)

    @property
    def max_concurrency(self) -> int:
        return self._max

    @property
    def behavior(self) -> ConcurrencyLimitBehavior:
        return self._behavior

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and (other._max, other._behavior) == (self._max, self._behavior)

    def __hash__(self) -> int:
        return hash((self._max, int(self._behavior)))

    def __repr__(self) -> str:
        return f"ConcurrencyPolicy(max_concurrency={self._max}, behavior={self._behavior.name})"

    def to_flyte_idl(self):
        from flyteidl.admin import launch_plan_pb2

        return launch_plan_pb2.ConcurrencyPolicy(max=self._max, behavior=int(self._behavior))


@dataclasses.dataclass
class Options:
    """Options for the executions of a workflow; ``@workflow(default_options=Options(labels=..., annotations=...))``
    gives its default launch plan the labels and annotations (the other fields are flytekit's, for executions
    started through FlyteRemote)."""

    labels: Optional[Labels] = None
    annotations: Optional[Annotations] = None
    raw_output_data_config: Optional[RawOutputDataConfig] = None
    security_context: Optional[Any] = None
    max_parallelism: Optional[int] = None
    notifications: Optional[List[Any]] = None
    disable_notifications: Optional[bool] = None
    overwrite_cache: Optional[bool] = None

    def __post_init__(self):
        for field, kind in (("labels", Labels), ("annotations", Annotations),
                            ("raw_output_data_config", RawOutputDataConfig)):
            value = getattr(self, field)
            if value is not None and not isinstance(value, kind):
                raise ValidationError(f"Options.{field} must be a {kind.__name__}, got {value!r:.80}",
                                      hint=f"{field}={kind.__name__}(...)")

    @classmethod
    def default_from(cls, k8s_service_account: Optional[str] = None,
                     raw_data_prefix: Optional[str] = None) -> "Options":
        from autoc.core.security import Identity, SecurityContext

        return cls(security_context=SecurityContext(run_as=Identity(k8s_service_account=k8s_service_account))
                   if k8s_service_account else None,
                   raw_output_data_config=RawOutputDataConfig(output_location_prefix=raw_data_prefix)
                   if raw_data_prefix else None)
