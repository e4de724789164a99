"""flytekit's model layer (``flytekit.models.*``) as far as code reads it: a flyteidl message seen with the field
conventions of flytekit's models. autoc has one model, the flyteidl messages; this is a read-only view of them,
not a second layer (what a test builds or compares model objects of, autoc does not offer)."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import common_pb2, schedule_pb2
from flyteidl.core import literals_pb2, types_pb2

#: flytekit model attributes named otherwise than their flyteidl field, by message
_ALIASES = {"flyteidl.core.TaskMetadata": {"k8s_object_metadata": "metadata"}}


def _repeated(fd) -> bool:
    rep = getattr(fd, "is_repeated", None)
    return rep if rep is not None else fd.label == fd.LABEL_REPEATED


def _value(fd, value, msg) -> Any:
    """A field as flytekit's model gives it: an unset message is None, a key-value list or a map is a dict, a
    Struct a dict, a Duration a timedelta, a wrapped scalar its value, and messages are models again."""
    mt = fd.message_type
    if mt is None:
        return list(value) if _repeated(fd) else value
    if mt.GetOptions().map_entry:
        vt = mt.fields_by_name["value"].message_type
        return {k: (Model(v) if vt is not None else v) for k, v in value.items()}
    if _repeated(fd):
        if mt.full_name == "flyteidl.core.KeyValuePair":
            return {kv.key: kv.value for kv in value}
        return [Model(v) for v in value]
    if not msg.HasField(fd.name):
        return None
    name = mt.full_name
    if name == "flyteidl.core.VariableMap":  # flytekit's TypedInterface holds dicts of variables
        return {k: Model(v) for k, v in value.variables.items()}
    if name == "google.protobuf.Struct":
        from google.protobuf.json_format import MessageToDict

        return MessageToDict(value)
    if name == "google.protobuf.Duration":
        return value.ToTimedelta()
    if name == "google.protobuf.Timestamp":
        return value.ToDatetime()
    if name.startswith("google.protobuf.") and name.endswith("Value") and "value" in mt.fields_by_name:
        return value.value
    return Model(value)


class _ModelClass(type):
    """A model class made by ``idl_model`` is an instance check for its message, read as a model or not."""

    def __instancecheck__(cls, obj) -> bool:
        message = cls.__dict__.get("_message")
        if message is None:
            return type.__instancecheck__(cls, obj)
        return isinstance(obj._msg if type.__instancecheck__(Model, obj) else obj, message)


class Model(metaclass=_ModelClass):
    """A flyteidl message read as flytekit's model of it (``to_flyte_idl()`` gives the message back)."""

    __slots__ = ("_msg",)

    def __init__(self, msg):
        object.__setattr__(self, "_msg", msg)

    def __getattr__(self, name: str):
        msg = object.__getattribute__(self, "_msg")
        desc = msg.DESCRIPTOR
        fd = desc.fields_by_name.get(_ALIASES.get(desc.full_name, {}).get(name, name))
        if fd is None:
            return getattr(msg, name)
        return _value(fd, getattr(msg, fd.name), msg)

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self._msg).__name__} read through flytekit's model is read-only")

    def to_flyte_idl(self):
        return self._msg

    def __eq__(self, other) -> bool:
        """Equal to a message, a model or an autoc object (``to_flyte_idl()``) of the same message."""
        if not isinstance(other, type(self._msg)) and callable(getattr(other, "to_flyte_idl", None)):
            other = other.to_flyte_idl()
        return self._msg == other

    __hash__ = None

    def __repr__(self) -> str:
        return f"Model({type(self._msg).__name__}: {self._msg})"


def idl_model(message, *fields: str, **nested) -> type:
    """A flytekit model class made from its fields (positional in flytekit's order, or by name): an instance is the
    flyteidl message read as the model (``to_flyte_idl()`` gives the message); ``isinstance`` holds for the message
    too. ``nested``: the model's nested classes."""

    def __new__(cls, *args, **kwargs) -> Model:
        kwargs.update(zip(fields, args))
        return Model(message(**{k: v.to_flyte_idl() if isinstance(v, Model) else v for k, v in kwargs.items()}))

    return _ModelClass(message.__name__, (Model,), {
        "__new__": __new__, "_message": message, "__slots__": (), "__module__": __name__, **nested,
        "__doc__": f"flytekit's ``{message.__name__}`` model over ``{message.DESCRIPTOR.full_name}``."})


EmailNotification = idl_model(common_pb2.EmailNotification, "recipients_email")
SlackNotification = idl_model(common_pb2.SlackNotification, "recipients_email")
PagerDutyNotification = idl_model(common_pb2.PagerDutyNotification, "recipients_email")
RetryStrategy = idl_model(literals_pb2.RetryStrategy, "retries")
Void = idl_model(literals_pb2.Void)
BlobType = idl_model(types_pb2.BlobType, "format", "dimensionality")
Schedule = idl_model(schedule_pb2.Schedule, "kickoff_time_input_arg", "cron_expression", "rate", "cron_schedule",
                     FixedRate=idl_model(schedule_pb2.FixedRate, "value", "unit"),
                     CronSchedule=idl_model(schedule_pb2.CronSchedule, "schedule", "offset"),
                     FixedRateUnit=schedule_pb2.FixedRateUnit)
