"""Launch plan schedules: ``CronSchedule`` (5-field cron or an alias such as ``@daily``) and ``FixedRate``.

Both validate what Flyte's native scheduler accepts, when they are made, so a schedule that would never fire is an
error at import with the file and line rather than a launch plan that registers and then stays silent.
"""

from __future__ import annotations

import datetime
import re
from typing import Optional

from autoc.errors import ValidationError

# flytekit's aliases (flyteadmin's native scheduler knows them, case-insensitive)
CRON_ALIASES = ("hourly", "hours", "@hourly", "daily", "days", "@daily", "weekly", "weeks", "@weekly", "monthly",
                "months", "@monthly", "annually", "@annually", "yearly", "years", "@yearly")
# flytekit's ISO 8601 duration pattern for offsets
_OFFSET = re.compile(r"([-+]?)P([-+0-9YMWD]+)?(T([-+0-9HMS.,]+)?)?")
_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
# (field name, lowest, highest, names, whether "?" is allowed)
_FIELDS = (("minute", 0, 59, {}, False), ("hour", 0, 23, {}, False), ("day of month", 1, 31, {}, True),
           ("month", 1, 12, _MONTHS, False), ("day of week", 0, 6, _DAYS, True))
_CRON_HINT = ('five fields "minute hour day-of-month month day-of-week" using * , - / (and ? for a day), '
              'e.g. "0 2 * * *", or an alias: ' + ", ".join(a for a in CRON_ALIASES if a.startswith("@")))


class Schedule:
    """What every schedule has: the workflow input that receives the scheduled kick-off time, if any."""

    def __init__(self, kickoff_time_input_arg: Optional[str] = None):
        if kickoff_time_input_arg is not None and not isinstance(kickoff_time_input_arg, str):
            raise ValidationError(f"kickoff_time_input_arg must be the name of a workflow input, not "
                                  f"{kickoff_time_input_arg!r}", hint='kickoff_time_input_arg="kickoff_time"')
        self._kickoff_time_input_arg = kickoff_time_input_arg or None

    @property
    def kickoff_time_input_arg(self) -> Optional[str]:
        return self._kickoff_time_input_arg

    @property
    def cron_expression(self) -> Optional[str]:
        return None  # the deprecated AWS-style field; never set (flytekit refuses it too)

    # flytekit's model keeps a schedule's fields in a nested object named by its kind, and names the one set
    # ``schedule_expression``: each subclass is its own nested object.
    @property
    def cron_schedule(self) -> Optional["CronSchedule"]:
        return self if isinstance(self, CronSchedule) else None

    @property
    def rate(self) -> Optional["FixedRate"]:
        return self if isinstance(self, FixedRate) else None

    @property
    def schedule_expression(self) -> "Schedule":
        return self

    #: the constructor arguments, as properties: equality, hashing and repr go by them
    _FIELDS: tuple = ("kickoff_time_input_arg",)

    def _key(self) -> tuple:
        return tuple(getattr(self, f) for f in self._FIELDS)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented  # a flytekit model of the same message may answer
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + self._key())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in zip(self._FIELDS, self._key()) if v is not None)
        return f"{type(self).__name__}({args})"

    def to_flyte_idl(self):
        """The ``flyteidl.admin.Schedule`` message."""
        from flyteidl.admin import schedule_pb2

        return schedule_pb2.Schedule(kickoff_time_input_arg=self._kickoff_time_input_arg or "")

    def serialize_to_string(self) -> bytes:
        return self.to_flyte_idl().SerializeToString(deterministic=True)

    @classmethod
    def from_flyte_idl(cls, msg) -> "Schedule":
        """The schedule a ``flyteidl.admin.Schedule`` message describes (a cron schedule or a fixed rate)."""
        kickoff = msg.kickoff_time_input_arg or None
        which = msg.WhichOneof("ScheduleExpression")
        if which == "cron_schedule":
            return CronSchedule(schedule=msg.cron_schedule.schedule, offset=msg.cron_schedule.offset or None,
                                kickoff_time_input_arg=kickoff)
        if which == "rate":
            minutes = {FixedRateUnit.MINUTE: 1, FixedRateUnit.HOUR: 60, FixedRateUnit.DAY: 1440}[msg.rate.unit]
            return FixedRate(datetime.timedelta(minutes=msg.rate.value * minutes), kickoff_time_input_arg=kickoff)
        raise ValidationError(f"a Schedule message without a cron schedule or a rate ({which}) is not supported",
                              hint="use CronSchedule(schedule=...) or FixedRate(duration=...)")


class CronSchedule(Schedule):
    """Run a launch plan on a cron schedule: ``CronSchedule(schedule="0 2 * * *")`` or ``schedule="@daily"``.

    ``offset`` is an ISO 8601 duration added to each time; ``kickoff_time_input_arg`` names the ``datetime`` input
    of the workflow that receives the scheduled time."""

    def __init__(self, cron_expression: Optional[str] = None, schedule: Optional[str] = None,
                 offset: Optional[str] = None, kickoff_time_input_arg: Optional[str] = None):
        super().__init__(kickoff_time_input_arg)
        if cron_expression:
            raise ValidationError("cron_expression is deprecated and should not be used. Use `schedule` instead.",
                                  hint=f'CronSchedule(schedule="{cron_expression}") takes {_CRON_HINT}')
        if schedule is None:
            raise ValidationError("CronSchedule needs a schedule", hint=f"schedule= takes {_CRON_HINT}")
        validate_cron(schedule)
        if offset is not None and (not isinstance(offset, str) or _OFFSET.fullmatch(offset) is None):
            raise ValidationError(f"Offset is invalid. It must be an ISO 8601 duration. Provided offset: {offset}",
                                  hint='e.g. offset="PT1H" (one hour) or "P1D" (one day)')
        self._schedule = schedule
        self._offset = offset

    @property
    def schedule(self) -> str:
        return self._schedule

    @property
    def offset(self) -> Optional[str]:
        return self._offset

    _FIELDS = ("schedule", "offset", "kickoff_time_input_arg")

    def to_flyte_idl(self):
        msg = super().to_flyte_idl()
        msg.cron_schedule.schedule = self._schedule
        if self._offset:
            msg.cron_schedule.offset = self._offset
        return msg


class FixedRateUnit:
    """flyteidl's FixedRateUnit values."""

    MINUTE = 0
    HOUR = 1
    DAY = 2

    @classmethod
    def enum_to_string(cls, value: int) -> str:
        return {0: "MINUTE", 1: "HOUR", 2: "DAY"}.get(value, str(value))


class FixedRate(Schedule):
    """Run a launch plan every ``duration`` (whole minutes): ``FixedRate(duration=timedelta(hours=2))``."""

    FixedRateUnit = FixedRateUnit

    def __init__(self, duration: datetime.timedelta, kickoff_time_input_arg: Optional[str] = None):
        super().__init__(kickoff_time_input_arg)
        if not isinstance(duration, datetime.timedelta):
            raise ValidationError(f"FixedRate duration must be a datetime.timedelta, not {duration!r}",
                                  hint="FixedRate(duration=timedelta(minutes=10))")
        if duration.microseconds != 0 or duration.seconds % 60 != 0:
            raise ValidationError(f"Granularity of less than a minute is not supported for FixedRate schedules. "
                                  f"Received: {duration}", hint="use a whole number of minutes")
        if duration <= datetime.timedelta(0):
            raise ValidationError(f"FixedRate duration must be positive, got {duration}",
                                  hint="FixedRate(duration=timedelta(minutes=10))")
        self._duration = duration
        seconds = int(duration.total_seconds())
        if seconds % 86400 == 0:
            self._value, self._unit = seconds // 86400, FixedRateUnit.DAY
        elif seconds % 3600 == 0:
            self._value, self._unit = seconds // 3600, FixedRateUnit.HOUR
        else:
            self._value, self._unit = seconds // 60, FixedRateUnit.MINUTE

    @property
    def duration(self) -> datetime.timedelta:
        return self._duration

    @property
    def value(self) -> int:
        return self._value

    @property
    def unit(self) -> int:
        return self._unit

    _FIELDS = ("duration", "kickoff_time_input_arg")

    def to_flyte_idl(self):
        msg = super().to_flyte_idl()
        msg.rate.value = self._value
        msg.rate.unit = self._unit
        return msg


def validate_cron(schedule: str) -> None:
    """Refuse a cron schedule Flyte's native scheduler cannot run (it takes five fields or an alias)."""
    if not isinstance(schedule, str):
        raise ValidationError(f"Schedule is invalid. Provided schedule: {schedule!r}",
                              hint=f"schedule= takes {_CRON_HINT}")
    if schedule.lower() in CRON_ALIASES or schedule.lower() == "@midnight":
        return
    fields = schedule.split()
    if len(fields) != 5:
        extra = " (seconds and years are not supported)" if len(fields) in (6, 7) else ""
        raise ValidationError(f"Schedule is invalid: {schedule!r} has {len(fields)} fields, cron takes 5{extra}",
                              hint=f"schedule= takes {_CRON_HINT}")
    for text, (name, low, high, names, question) in zip(fields, _FIELDS):
        problem = _field_problem(text, low, high, names, question)
        if problem:
            raise ValidationError(f"Schedule is invalid: {schedule!r}: {name} field {text!r}: {problem}",
                                  hint=f"{name} takes {low}-{high}" + (f" or {'/'.join(n.upper() for n in names)}"
                                                                      if names else "") + f"; schedule= takes "
                                                                                          f"{_CRON_HINT}")
    _check_dates(schedule, fields)


#: the most days each month can have (February: in a leap year)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_dates(schedule: str, fields) -> None:
    """Refuse a schedule whose days of the month exist in none of its months (``0 0 31 2 *``): it never fires.
    With a day of the week given as well, cron fires on either, so such a schedule still fires."""
    if fields[4] not in ("*", "?"):
        return
    days = _expand(fields[2], *_FIELDS[2][1:4])
    months = _expand(fields[3], *_FIELDS[3][1:4])
    if days and months and all(min(days) > _MONTH_DAYS[m - 1] for m in months):
        raise ValidationError(f"Schedule is invalid: {schedule!r} never fires: none of its months has day "
                              f"{min(days)}", hint="pick days of the month that exist in the months named")


def _expand(text: str, low: int, high: int, names: dict) -> set:
    """The values a valid cron field stands for (empty for ``?``)."""
    out: set = set()
    for item in text.split(","):
        base, _, step = item.partition("/")
        if base in ("*", "?"):
            lo, hi = (low, high) if base == "*" else (0, -1)
        else:
            lo_text, dash, hi_text = base.partition("-")
            lo = _value(lo_text, low, high, names)
            hi = _value(hi_text, low, high, names) if dash else (high if step else lo)
        out.update(range(lo, hi + 1, int(step) if step else 1))
    return out


def _field_problem(text: str, low: int, high: int, names: dict, question: bool) -> Optional[str]:
    if text == "?":
        return None if question else "'?' is only allowed for the day of month or day of week"
    for item in text.split(","):
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return f"the step {step!r} is not a positive number"
        if base == "*":
            continue
        lo_text, dash, hi_text = base.partition("-")
        try:
            lo = _value(lo_text, low, high, names)
            hi = _value(hi_text, low, high, names) if dash else lo
        except ValueError as e:
            return str(e)
        if lo > hi:
            return f"the range {base!r} runs backwards"
    return None


def _value(text: str, low: int, high: int, names: dict) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number" + (" or a name" if names else ""))
    v = int(text)
    if not low <= v <= high:
        raise ValueError(f"{v} is outside {low}-{high}")
    return v
