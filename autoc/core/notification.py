"""Launch plan notifications: ``Email``, ``Slack`` and ``PagerDuty`` on terminal ``WorkflowExecutionPhase``s.

All three send email through FlyteAdmin; the kind only tells the platform which integration the addresses are for.
"""

from __future__ import annotations

import enum
from typing import List, Optional, Sequence

from autoc.errors import ValidationError


class WorkflowExecutionPhase(enum.IntEnum):
    """flyteidl's ``WorkflowExecution.Phase`` values (equal to flytekit's integer constants)."""

    UNDEFINED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDING = 3
    SUCCEEDED = 4
    FAILING = 5
    FAILED = 6
    ABORTED = 7
    TIMED_OUT = 8
    ABORTING = 9

    @classmethod
    def enum_to_string(cls, int_value: int) -> str:
        try:
            return cls(int_value).name
        except ValueError:
            return str(int_value)


_TERMINAL = (WorkflowExecutionPhase.ABORTED, WorkflowExecutionPhase.FAILED, WorkflowExecutionPhase.SUCCEEDED,
             WorkflowExecutionPhase.TIMED_OUT)


class Notification:
    """Addresses to notify when an execution reaches one of ``phases`` (terminal phases only)."""

    VALID_PHASES = frozenset(_TERMINAL)
    _channel = "email"  # the flyteidl oneof field this kind fills

    def __init__(self, phases: Sequence[int], recipients_email: Sequence[str]):
        kind = type(self).__name__
        example = f'{kind}(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["team@example.com"])'
        if isinstance(phases, (int, str)) or not phases:
            raise ValidationError(f"{kind}: You must specify at least one phase for a notification "
                                  f"(a list), got {phases!r}", hint=example)
        for p in phases:
            if isinstance(p, bool) or not isinstance(p, int) or p not in self.VALID_PHASES:
                raise ValidationError(
                    f"{kind}: Invalid phase: {p!r}. only terminal states are permitted for notifications",
                    hint="use " + ", ".join(f"WorkflowExecutionPhase.{ph.name}" for ph in _TERMINAL))
        if isinstance(recipients_email, str) or not recipients_email:
            raise ValidationError(f"{kind}: recipients_email must be a non-empty list of addresses, "
                                  f"got {recipients_email!r}", hint=example)
        for r in recipients_email:
            if not isinstance(r, str) or not r.strip():
                raise ValidationError(f"{kind}: recipient {r!r} is not an address", hint=example)
        self._phases: List[int] = [int(p) for p in phases]
        self._recipients: List[str] = list(recipients_email)

    @property
    def phases(self) -> List[int]:
        return list(self._phases)

    @property
    def recipients_email(self) -> List[str]:
        return list(self._recipients)

    def _part(self, channel: str) -> Optional["_Recipients"]:
        return _Recipients(self._recipients) if channel == self._channel else None

    @property
    def email(self) -> Optional["_Recipients"]:
        return self._part("email")

    @property
    def slack(self) -> Optional["_Recipients"]:
        return self._part("slack")

    @property
    def pager_duty(self) -> Optional["_Recipients"]:
        return self._part("pager_duty")

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._phases == self._phases and other._recipients == self._recipients

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self._phases), tuple(self._recipients)))

    def __repr__(self) -> str:
        phases = [WorkflowExecutionPhase.enum_to_string(p) for p in self._phases]
        return f"{type(self).__name__}(phases={phases}, recipients_email={self._recipients})"

    def to_flyte_idl(self):
        """The ``flyteidl.admin.Notification`` message."""
        from flyteidl.admin import common_pb2

        msg = common_pb2.Notification(phases=self._phases)
        getattr(msg, self._channel).recipients_email.extend(self._recipients)
        return msg

    def serialize_to_string(self) -> bytes:
        return self.to_flyte_idl().SerializeToString(deterministic=True)


class _Recipients:
    """The per-channel part of a notification (flytekit's EmailNotification and friends)."""

    def __init__(self, recipients_email: List[str]):
        self.recipients_email = list(recipients_email)


class Email(Notification):
    """Email the recipients: ``Email(phases=[WorkflowExecutionPhase.FAILED], recipients_email=["a@b.io"])``."""

    _channel = "email"


class Slack(Notification):
    """Email addresses of a Slack integration: ``Slack(phases=[...], recipients_email=["chan@x.slack.com"])``."""

    _channel = "slack"


class PagerDuty(Notification):
    """Email addresses of a PagerDuty integration:
    ``PagerDuty(phases=[...], recipients_email=["svc@x.pagerduty.com"])``."""

    _channel = "pager_duty"
