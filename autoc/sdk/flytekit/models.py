"""flytekit's model layer (``flytekit.models.*``) as far as code reads it: a flyteidl message seen with the field
conventions of flytekit's models. autoc has one model, the flyteidl messages; this is a read-only view of them,
not a second layer (what a test builds or compares model objects of, autoc does not offer)."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import common_pb2, schedule_pb2
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2, types_pb2, workflow_pb2

#: string fields flytekit's model reads as None when empty, by message
_EMPTY_IS_NONE = {"flyteidl.core.Literal": {"hash"}}
#: repeated fields flytekit's model holds as a set, by message
_SETS = {"flyteidl.core.ArrayNode": {"bound_inputs"}}
#: flytekit model attributes named otherwise than their flyteidl field, by message
_ALIASES = {"flyteidl.core.TaskMetadata": {"k8s_object_metadata": "metadata"},
            "flyteidl.core.Union": {"stored_type": "type"}}


def _repeated(fd) -> bool:
    rep = getattr(fd, "is_repeated", None)
    return rep if rep is not None else fd.label == fd.LABEL_REPEATED


def _value(fd, value, msg, order=None) -> Any:
    """A field as flytekit's model gives it: an unset message is None, a key-value list or a map is a dict, a
    Struct a dict, a Duration a timedelta, a wrapped scalar its value, and messages are models again."""
    mt = fd.message_type
    if mt is None:
        if fd.containing_oneof is not None and not msg.HasField(fd.name):  # an unset choice (a bool or string
            return None  # in a oneof: NodeMetadata.interruptible, Primitive.integer, ...) is None in flytekit
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
    if name == "flyteidl.core.VariableMap":  # flytekit's TypedInterface holds dicts of variables, in the order
        names = (order or {}).get(fd.name)  # the function declares them (a protobuf map has no order of its own)
        if names is not None and set(names) == set(value.variables):
            return {k: Model(value.variables[k]) for k in names}
        return {k: Model(v) for k, v in value.variables.items()}
    if name == "google.protobuf.Struct" and fd.full_name != "flyteidl.core.Scalar.generic":  # (a Struct there)
        from google.protobuf.json_format import MessageToDict

        return MessageToDict(value)
    if name == "google.protobuf.Duration":
        return value.ToTimedelta()
    if name == "google.protobuf.Timestamp":  # (flytekit's Primitive gives it in UTC)
        import datetime

        return value.ToDatetime(tzinfo=datetime.timezone.utc)
    if name.startswith("google.protobuf.") and name.endswith("Value") and "value" in mt.fields_by_name:
        return value.value
    return Model(value, order)


class _ModelClass(type):
    """A model class made by ``idl_model`` is an instance check for its message, read as a model or not."""

    def __instancecheck__(cls, obj) -> bool:
        message = cls.__dict__.get("_message")
        if message is None:
            return type.__instancecheck__(cls, obj)
        return isinstance(obj._msg if type.__instancecheck__(Model, obj) else obj, message)


class Model(metaclass=_ModelClass):
    """A flyteidl message read as flytekit's model of it (``to_flyte_idl()`` gives the message back)."""

    __slots__ = ("_msg", "_order")

    def __init__(self, msg, order=None):
        """``order``: the declared order of an entity's interface (``{"inputs": [...], "outputs": [...]}``), which
        its ``template.interface`` gives its variables in, as flytekit's model keeps them."""
        object.__setattr__(self, "_msg", msg)
        object.__setattr__(self, "_order", order)

    def __getattr__(self, name: str):
        msg = object.__getattribute__(self, "_msg")
        desc = msg.DESCRIPTOR
        fd = desc.fields_by_name.get(_ALIASES.get(desc.full_name, {}).get(name, name))
        if fd is None and name[:1] == "_" and name[1:2] != "_":  # flytekit's model keeps each field as ``_<field>``
            fd = desc.fields_by_name.get(_ALIASES.get(desc.full_name, {}).get(name[1:], name[1:]))
        if fd is None and name in desc.oneofs_by_name:  # flytekit's ``value`` of Literal, Scalar, Primitive, ...
            which = msg.WhichOneof(name)
            return None if which is None else _value(desc.fields_by_name[which], getattr(msg, which), msg,
                                                     object.__getattribute__(self, "_order"))
        if fd is None:
            return getattr(msg, name)
        value = getattr(msg, fd.name)
        if value == "" and fd.name in _EMPTY_IS_NONE.get(desc.full_name, ()):
            return None
        if fd.name in _SETS.get(desc.full_name, ()):
            return set(value)
        return _value(fd, value, msg, object.__getattribute__(self, "_order"))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self._msg).__name__} read through flytekit's model is read-only")

    def to_flyte_idl(self):
        return self._msg

    @classmethod
    def from_flyte_idl(cls, msg) -> "Model":
        return Model(msg)

    def __eq__(self, other) -> bool:
        """Equal to a message, a model or an autoc object (``to_flyte_idl()``) of the same message."""
        if not isinstance(other, type(self._msg)) and callable(getattr(other, "to_flyte_idl", None)):
            other = other.to_flyte_idl()
        return self._msg == other

    __hash__ = None

    def __repr__(self) -> str:
        return f"Model({type(self._msg).__name__}: {self._msg})"


def unwrap(value):
    """A value for a flyteidl constructor: models (also inside lists and dicts) as their messages."""
    if isinstance(value, (list, tuple)):
        return [unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value.to_flyte_idl() if type.__instancecheck__(Model, value) else value


def idl_model(message, *fields: str, **nested) -> type:
    """A flytekit model class made from its fields (positional in flytekit's order, or by name): an instance is the
    flyteidl message read as the model (``to_flyte_idl()`` gives the message); ``isinstance`` holds for the message
    too. ``nested``: the model's nested classes."""

    aliases = _ALIASES.get(message.DESCRIPTOR.full_name, {})

    def __new__(cls, *args, **kwargs) -> Model:
        kwargs.update(zip(fields, args))
        return Model(message(**{aliases.get(k, k): unwrap(v) for k, v in kwargs.items() if v is not None}))

    return _ModelClass(message.__name__, (Model,), {
        "__new__": __new__, "_message": message, "__slots__": (), "__module__": __name__, **nested,
        "__doc__": f"flytekit's ``{message.__name__}`` model over ``{message.DESCRIPTOR.full_name}``."})


EmailNotification = idl_model(common_pb2.EmailNotification, "recipients_email")
SlackNotification = idl_model(common_pb2.SlackNotification, "recipients_email")
PagerDutyNotification = idl_model(common_pb2.PagerDutyNotification, "recipients_email")
RetryStrategy = idl_model(literals_pb2.RetryStrategy, "retries")
Void = idl_model(literals_pb2.Void)
BlobType = idl_model(types_pb2.BlobType, "format", "dimensionality",
                     BlobDimensionality=types_pb2.BlobType.BlobDimensionality)
Schedule = idl_model(schedule_pb2.Schedule, "kickoff_time_input_arg", "cron_expression", "rate", "cron_schedule",
                     FixedRate=idl_model(schedule_pb2.FixedRate, "value", "unit"),
                     CronSchedule=idl_model(schedule_pb2.CronSchedule, "schedule", "offset"),
                     FixedRateUnit=schedule_pb2.FixedRateUnit)

# flytekit.models.types, flytekit.models.annotation and flytekit.models.literals (values and their types)
SimpleType = types_pb2.SimpleType
TypeAnnotation = idl_model(types_pb2.TypeAnnotation, "annotations")
TypeStructure = idl_model(types_pb2.TypeStructure, "tag", "dataclass_type")
UnionType = idl_model(types_pb2.UnionType, "variants")
EnumType = idl_model(types_pb2.EnumType, "values")
SchemaType = idl_model(types_pb2.SchemaType, "columns", SchemaColumn=idl_model(
    types_pb2.SchemaType.SchemaColumn, "name", "type",
    SchemaColumnType=types_pb2.SchemaType.SchemaColumn.SchemaColumnType))
StructuredDatasetType = idl_model(
    types_pb2.StructuredDatasetType, "columns", "format", "external_schema_type", "external_schema_bytes",
    DatasetColumn=idl_model(types_pb2.StructuredDatasetType.DatasetColumn, "name", "literal_type"))
LiteralType = idl_model(types_pb2.LiteralType, "simple", "schema", "collection_type", "map_value_type", "blob",
                        "enum_type", "union_type", "structured_dataset_type", "metadata", "structure", "annotation")
OutputReference = idl_model(types_pb2.OutputReference, "node_id", "var", "attr_path")
Error = idl_model(types_pb2.Error, "failed_node_id", "message")
Primitive = idl_model(literals_pb2.Primitive, "integer", "float_value", "string_value", "boolean", "datetime",
                      "duration")
Binary = idl_model(literals_pb2.Binary, "value", "tag")
BlobMetadata = idl_model(literals_pb2.BlobMetadata, "type")
Blob = idl_model(literals_pb2.Blob, "metadata", "uri")
Schema = idl_model(literals_pb2.Schema, "uri", "type")
Union = idl_model(literals_pb2.Union, "value", "stored_type")
StructuredDatasetMetadata = idl_model(literals_pb2.StructuredDatasetMetadata, "structured_dataset_type")
StructuredDataset = idl_model(literals_pb2.StructuredDataset, "uri", "metadata")
Scalar = idl_model(literals_pb2.Scalar, "primitive", "blob", "binary", "schema", "union", "none_type", "error",
                   "generic", "structured_dataset")
LiteralOffloadedMetadata = idl_model(literals_pb2.LiteralOffloadedMetadata, "uri", "size_bytes", "inferred_type")
LiteralCollection = idl_model(literals_pb2.LiteralCollection, "literals")
LiteralMap = idl_model(literals_pb2.LiteralMap, "literals")
Literal = idl_model(literals_pb2.Literal, "scalar", "collection", "map", "hash", "metadata", "offloaded_metadata")
BindingDataCollection = idl_model(literals_pb2.BindingDataCollection, "bindings")
BindingDataMap = idl_model(literals_pb2.BindingDataMap, "bindings")
BindingData = idl_model(literals_pb2.BindingData, "scalar", "collection", "promise", "map")
Binding = idl_model(literals_pb2.Binding, "var", "binding")

# flytekit.models.core.identifier
ResourceType = identifier_pb2.ResourceType
Identifier = idl_model(identifier_pb2.Identifier, "resource_type", "project", "domain", "name", "version", "org")
WorkflowExecutionIdentifier = idl_model(identifier_pb2.WorkflowExecutionIdentifier, "project", "domain", "name", "org")
NodeExecutionIdentifier = idl_model(identifier_pb2.NodeExecutionIdentifier, "node_id", "execution_id")
TaskExecutionIdentifier = idl_model(identifier_pb2.TaskExecutionIdentifier, "task_id", "node_execution_id",
                                    "retry_attempt")
SignalIdentifier = idl_model(identifier_pb2.SignalIdentifier, "signal_id", "execution_id")

# flytekit.models.task (the resources a container or a node override carries)
Resources = idl_model(tasks_pb2.Resources, "requests", "limits",
                      ResourceEntry=idl_model(tasks_pb2.Resources.ResourceEntry, "name", "value"),
                      ResourceName=tasks_pb2.Resources.ResourceName, **dict(tasks_pb2.Resources.ResourceName.items()))

# flytekit.models.core.workflow (what get_serializable's workflow templates are made of)
Alias = idl_model(workflow_pb2.Alias, "var", "alias")
NodeMetadata = idl_model(workflow_pb2.NodeMetadata, "name", "timeout", "retries", "interruptible", "cacheable",
                         "cache_version", "cache_serializable")
TaskNodeOverrides = idl_model(workflow_pb2.TaskNodeOverrides, "resources", "extended_resources", "container_image",
                              "pod_template")
TaskNode = idl_model(workflow_pb2.TaskNode, "reference_id", "overrides")
WorkflowNode = idl_model(workflow_pb2.WorkflowNode, "launchplan_ref", "sub_workflow_ref")
IfBlock = idl_model(workflow_pb2.IfBlock, "condition", "then_node")
IfElseBlock = idl_model(workflow_pb2.IfElseBlock, "case", "other", "else_node", "error")
BranchNode = idl_model(workflow_pb2.BranchNode, "if_else")
SignalCondition = idl_model(workflow_pb2.SignalCondition, "signal_id", "type", "output_variable_name")
ApproveCondition = idl_model(workflow_pb2.ApproveCondition, "signal_id")
SleepCondition = idl_model(workflow_pb2.SleepCondition, "duration")
GateNode = idl_model(workflow_pb2.GateNode, "signal", "sleep", "approve")
ArrayNode = idl_model(workflow_pb2.ArrayNode, "node", "parallelism", "min_successes", "min_success_ratio",
                      "execution_mode", "is_original_sub_node_interface", "data_mode", "bound_inputs")
Node = idl_model(workflow_pb2.Node, "id", "metadata", "inputs", "upstream_node_ids", "output_aliases",
                 "workflow_node", "task_node", "branch_node", "gate_node", "array_node")
WorkflowMetadata = idl_model(workflow_pb2.WorkflowMetadata, "on_failure", "tags")
WorkflowMetadataDefaults = idl_model(workflow_pb2.WorkflowMetadataDefaults, "interruptible")
WorkflowTemplate = idl_model(workflow_pb2.WorkflowTemplate, "id", "metadata", "interface", "nodes", "outputs",
                             "failure_node", "metadata_defaults")
