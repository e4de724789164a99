"""Secret and SecurityContext, mapped one to one onto flyteidl's security messages."""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import List, Optional

from autoc.errors import ValidationError

_ENV_VAR = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@dataclasses.dataclass
class Secret:
    """A secret the task needs at run time: ``group``/``key`` name it, ``mount_requirement`` says how it arrives."""

    class MountType(enum.IntEnum):
        ANY = 0
        ENV_VAR = 1
        FILE = 2

    group: Optional[str] = None
    key: Optional[str] = None
    group_version: Optional[str] = None
    mount_requirement: "Secret.MountType" = MountType.ANY
    env_var: Optional[str] = None

    def __post_init__(self):
        from autoc.core.context import is_registration_mode

        if self.group is None and is_registration_mode():
            raise ValidationError("Secret: group is a required parameter", hint='Secret(group="my-group", key="k")')
        if self.env_var is not None and not _ENV_VAR.match(self.env_var):
            raise ValidationError(f"Secret: invalid environment variable name: {self.env_var}",
                                  hint="use upper-case letters, digits and underscores, not starting with a digit")

    @property
    def is_empty(self) -> bool:
        return self.group is None and self.key is None

    def to_flyte_idl(self):
        from flyteidl.core import security_pb2

        return security_pb2.Secret(group=self.group or "", group_version=self.group_version or "",
                                   key=self.key or "", mount_requirement=int(self.mount_requirement),
                                   env_var=self.env_var or "")

    @classmethod
    def from_flyte_idl(cls, pb2_object) -> "Secret":
        return cls(group=pb2_object.group or None, group_version=pb2_object.group_version or None,
                   key=pb2_object.key or None, mount_requirement=Secret.MountType(pb2_object.mount_requirement),
                   env_var=pb2_object.env_var or None)

    def serialize_to_string(self) -> bytes:
        return self.to_flyte_idl().SerializeToString(deterministic=True)

    def short_string(self) -> str:
        return f"Secret(group={self.group!r}, key={self.key!r})"

    def verbose_string(self) -> str:
        return repr(self)


@dataclasses.dataclass
class Identity:
    """Who an execution runs as: an IAM role, a Kubernetes service account, ... (flytekit.models.security)."""

    iam_role: Optional[str] = None
    k8s_service_account: Optional[str] = None
    oauth2_client: Optional[object] = None
    execution_identity: Optional[str] = None

    def to_flyte_idl(self):
        from flyteidl.core import security_pb2

        msg = security_pb2.Identity(iam_role=self.iam_role or "", k8s_service_account=self.k8s_service_account or "",
                                    execution_identity=self.execution_identity or "")
        if self.oauth2_client is not None:
            oc = self.oauth2_client
            msg.oauth2_client.CopyFrom(oc.to_flyte_idl() if hasattr(oc, "to_flyte_idl") else oc)
        return msg

    @classmethod
    def from_flyte_idl(cls, pb2_object) -> "Identity":
        return cls(iam_role=pb2_object.iam_role or None, k8s_service_account=pb2_object.k8s_service_account or None,
                   oauth2_client=pb2_object.oauth2_client if pb2_object.HasField("oauth2_client") else None,
                   execution_identity=pb2_object.execution_identity or None)


@dataclasses.dataclass
class SecurityContext:
    """The secrets (and identity) a task runs with; absent from the spec when empty."""

    run_as: Optional[object] = None
    secrets: Optional[List[Secret]] = None
    tokens: Optional[list] = None

    def __post_init__(self):
        if self.secrets is not None:
            if isinstance(self.secrets, Secret):
                self.secrets = [self.secrets]
            for s in self.secrets:
                if not isinstance(s, Secret):
                    raise ValidationError(f"Secret {s!r} should be of type autoc.Secret, received {type(s)}",
                                          hint='secret_requests=[Secret(group="g", key="k")]')

    @property
    def is_empty(self) -> bool:
        return not (self.run_as or self.secrets or self.tokens)

    def to_flyte_idl(self):
        from flyteidl.core import security_pb2

        if self.run_as is None and self.secrets is None and self.tokens is None:
            return None
        msg = security_pb2.SecurityContext(secrets=[s.to_flyte_idl() for s in self.secrets or []])
        if self.run_as is not None:
            msg.run_as.CopyFrom(self.run_as.to_flyte_idl() if isinstance(self.run_as, Identity) else self.run_as)
        for t in self.tokens or []:
            msg.tokens.append(t)
        return msg

    @classmethod
    def from_flyte_idl(cls, pb2_object) -> "SecurityContext":
        return cls(run_as=pb2_object.run_as if pb2_object.HasField("run_as") else None,
                   secrets=[Secret.from_flyte_idl(s) for s in pb2_object.secrets] or None,
                   tokens=list(pb2_object.tokens) or None)

    def serialize_to_string(self) -> bytes:
        return self.to_flyte_idl().SerializeToString(deterministic=True)

    def short_string(self) -> str:
        return f"SecurityContext(secrets={[s.short_string() for s in self.secrets or []]})"

    def verbose_string(self) -> str:
        return repr(self)
