"""flyteadmin's rules for ``CreateTask``, in flyteadmin's order and with its messages.

Sources (flyteorg/flyte): ``flyteadmin/pkg/manager/impl/validation/{validation,task_validator,project_validator}.go``
for ``ValidateTask``, then ``flytepropeller/pkg/compiler/task_compiler.go`` (wrapped by flyteadmin's
``workflowengine/impl/compiler.go`` as "task failed compilation with ...") for ``CompileTask``.
"""

from __future__ import annotations

import base64
import decimal
import re
from typing import Mapping, Sequence

import grpc
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, tasks_pb2
from google.protobuf import json_format, text_format

from .quantity import Quantity, QuantityError, parse_quantity


class AdminError(Exception):
    """An error flyteadmin returns as a gRPC status."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> AdminError:
    return AdminError(grpc.StatusCode.INVALID_ARGUMENT, message)


def missing(field: str) -> AdminError:
    return invalid(f"missing {field}")


# flyteadmin's default TaskResourceConfiguration limits (runtime/task_resource_provider.go).
DEFAULT_PLATFORM_LIMITS = {"cpu": "2", "memory": "1Gi", "gpu": "1"}

CPU, MEMORY, GPU, EPHEMERAL = (tasks_pb2.Resources.CPU, tasks_pb2.Resources.MEMORY, tasks_pb2.Resources.GPU,
                               tasks_pb2.Resources.EPHEMERAL_STORAGE)
_LIMIT_KEYS = {"cpu": CPU, "memory": MEMORY, "gpu": GPU, "ephemeral_storage": EPHEMERAL, "ephemeral-storage": EPHEMERAL}
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def go_id(ident: identifier_pb2.Identifier) -> str:
    """How Go's ``%+v`` prints an Identifier (protobuf-go's compact text form)."""
    return go_text(ident)


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def go_text(message) -> str:
    """protobuf-go's compact text form (a message's String(), as Go's ``%v`` prints it): ``name:value``, nested
    messages ``name:{...}``, one space between fields. (protobuf-go puts one or two spaces there, fixed per build;
    flyteadmin 1.16.8 as built here puts one.)"""
    text = text_format.MessageToString(message, as_one_line=True)
    parts = []
    for i, chunk in enumerate(_QUOTED.split(text)):
        chunk = re.sub(r"(\w+): ", r"\1:", chunk)
        chunk = re.sub(r"(\w+) \{ ?", r"\1:{", chunk)
        parts.append(re.sub(r" \}", "}", chunk))
    quoted = _QUOTED.findall(text)
    return "".join(p + (quoted[i] if i < len(quoted) else "") for i, p in enumerate(parts))


def resource_name(name: int) -> str:
    return tasks_pb2.Resources.ResourceName.Name(name)


def platform_limits_from(overrides: Mapping[str, str] | None) -> dict[int, Quantity]:
    """The default platform limits with ``overrides`` applied, keyed by ResourceName. A limit of "0" means none,
    as in flyteadmin's ``taskResourceSetToMap``."""
    out = {}
    for key, text in {**DEFAULT_PLATFORM_LIMITS, **(overrides or {})}.items():
        name = _LIMIT_KEYS.get(key.lower())
        if name is None:
            raise ValueError(f"unknown platform limit {key!r}; use one of {', '.join(_LIMIT_KEYS)}")
        try:
            q = parse_quantity(str(text))
        except QuantityError as e:
            raise ValueError(f"--platform-limit {key}={text}: {e}") from None
        if q.value:
            out[name] = q
    return out


# --- ValidateTask -----------------------------------------------------------------------------------------------

def validate_identifier(ident: identifier_pb2.Identifier | None, expected: int = identifier_pb2.TASK) -> None:
    if ident is None:
        raise missing("id")
    if ident.resource_type != expected:
        kind = identifier_pb2.ResourceType.Name(ident.resource_type).lower()
        want = identifier_pb2.ResourceType.Name(expected).lower()
        raise invalid(f"unexpected resource type {kind} for identifier [{go_id(ident)}], expected {want} instead")
    for field in ("project", "domain", "name", "version"):
        if not getattr(ident, field):
            raise missing(field)


def validate_project_and_domain(projects: Mapping[str, Sequence[str]], project: str, domain: str) -> None:
    if project not in projects:
        raise invalid(f"failed to validate that project [{project}] and domain [{domain}] are registered, "
                      f"err: [project [{project}] not found]")
    if domain not in projects[project]:
        raise invalid(f"domain [{domain}] is unrecognized by system")


def validate_task(request: task_pb2.TaskCreateRequest, projects: Mapping[str, Sequence[str]],
                  platform_limits: Mapping[int, Quantity]) -> None:
    """``validation.ValidateTask``: raises :class:`AdminError` on the first problem."""
    validate_identifier(request.id if request.HasField("id") else None)
    validate_project_and_domain(projects, request.id.project, request.id.domain)
    if not request.HasField("spec") or not request.spec.HasField("template"):
        raise missing("spec")
    _validate_template(request.spec.template, platform_limits)


def validate_workflow(request: workflow_pb2.WorkflowCreateRequest, projects: Mapping[str, Sequence[str]]) -> None:
    """``validation.ValidateWorkflow``."""
    validate_identifier(request.id if request.HasField("id") else None, identifier_pb2.WORKFLOW)
    validate_project_and_domain(projects, request.id.project, request.id.domain)
    if not request.HasField("spec") or not request.spec.HasField("template"):
        raise missing("spec")


def validate_launch_plan(request: launch_plan_pb2.LaunchPlanCreateRequest,
                         projects: Mapping[str, Sequence[str]]) -> None:
    """The checks of ``ValidateLaunchPlan`` that need no workflow (the rest are in compiler.expected_inputs)."""
    validate_identifier(request.id if request.HasField("id") else None, identifier_pb2.LAUNCH_PLAN)
    validate_project_and_domain(projects, request.id.project, request.id.domain)
    if not request.HasField("spec"):
        raise missing("spec")
    validate_identifier(request.spec.workflow_id if request.spec.HasField("workflow_id") else None,
                        identifier_pb2.WORKFLOW)


def _validate_template(template: tasks_pb2.TaskTemplate, platform_limits) -> None:
    if not template.type:
        raise missing("type")
    if not template.HasField("metadata"):
        raise missing("metadata")
    if template.metadata.HasField("runtime") and not template.metadata.runtime.version:
        raise missing("runtime version")
    if not template.HasField("interface"):
        raise missing("typed interface")
    target = template.WhichOneof("target")
    if target == "container":
        if not template.container.image:
            raise missing("image")
        if template.container.HasField("resources"):
            res = template.container.resources
            validate_resources(template.id, _entries_to_quantities(template.id, res.requests),
                               _entries_to_quantities(template.id, res.limits), platform_limits)
    elif target == "k8s_pod":
        _validate_k8s_pod(template, platform_limits)


def _entries_to_quantities(ident, entries) -> dict[int, Quantity]:
    """``requestedResourcesToQuantity``: only cpu, memory, gpu and ephemeral storage are looked at."""
    out: dict[int, Quantity] = {}
    for entry in entries:
        if entry.name not in (CPU, MEMORY, GPU, EPHEMERAL):
            continue
        if entry.name in out:
            raise invalid(f"can't specify {resource_name(entry.name)} limit for task [{go_id(ident)}] multiple times")
        try:
            out[entry.name] = parse_quantity(entry.value)
        except QuantityError as e:
            raise invalid(f"Parsing of {resource_name(entry.name)} request failed for value {entry.value} - reason  "
                          f"{e}. Please follow K8s conventions for resources "
                          "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/") from None
        if entry.name == GPU and out[GPU].milli() % 1000 != 0:
            raise invalid(f"gpu for [{go_id(ident)}] must be a whole number, got: {entry.value} instead")
    return out


def validate_resources(ident, requests: Mapping[int, Quantity], limits: Mapping[int, Quantity],
                       platform: Mapping[int, Quantity]) -> None:
    """``validateResource``. Comparisons use ``Value()`` (rounded up to integers), exactly like flyteadmin."""
    for name, request in requests.items():
        label = resource_name(name)
        limit = limits.get(name)
        ceiling = platform.get(name)
        if name in (CPU, EPHEMERAL, MEMORY):
            if limit is not None and limit.whole() < request.whole():
                raise invalid(f"Requested {label} default [{request}] is greater than the limit [{limit}]. "
                              "Please fix your configuration")
            if limit is not None and ceiling is not None and limit.whole() > ceiling.whole():
                raise invalid(f"Requested {label} limit [{limit}] is greater than current limit set in the platform "
                              f"configuration [{ceiling}]. Please contact Flyte Admins to change these limits or "
                              "consult the configuration")
            if ceiling is not None and request.whole() > ceiling.whole():
                raise invalid(f"Requested {label} default [{request}] is greater than current limit set in the "
                              f"platform configuration [{ceiling}]. Please contact Flyte Admins to change these "
                              "limits or consult the configuration")
        elif name == GPU:
            if limit is not None and request.whole() != limit.whole():
                raise invalid("For extended resource 'gpu' the default value must equal the limit value for task "
                              f"[{go_id(ident)}]")
            if ceiling is not None and request.whole() > ceiling.whole():
                raise invalid(f"Requested {label} default [{request}] is greater than current limit set in the "
                              f"platform configuration [{ceiling}]. Please contact Flyte Admins to change these "
                              "limits or consult the configuration")


def _pod_spec(template: tasks_pb2.TaskTemplate) -> dict:
    return json_format.MessageToDict(template.k8s_pod.pod_spec)


def _validate_k8s_pod(template: tasks_pb2.TaskTemplate, platform_limits) -> None:
    if not template.k8s_pod.HasField("pod_spec"):
        raise invalid("invalid TaskSpecification, pod tasks should specify their target as a K8sPod with a defined "
                      "pod spec")
    for container in _pod_spec(template).get("containers") or []:
        resources = container.get("resources") or {}
        quantities = []
        for kind in ("requests", "limits"):
            parsed = {}
            for key, text in (resources.get(kind) or {}).items():
                name = tasks_pb2.Resources.ResourceName.Value(key.upper()) \
                    if key.upper() in tasks_pb2.Resources.ResourceName.keys() else tasks_pb2.Resources.UNKNOWN
                try:
                    parsed[name] = parse_quantity(str(text))
                except QuantityError as e:  # Go fails earlier, unmarshalling the pod spec
                    raise invalid(f"quantities in pod spec: {e}") from None
            quantities.append(parsed)
        validate_resources(template.id, quantities[0], quantities[1], platform_limits)


# --- CompileTask --------------------------------------------------------------------------------------------------

def compile_task(template: tasks_pb2.TaskTemplate) -> None:
    """flytepropeller's ``CompileTask``, wrapped the way flyteadmin reports it."""
    errors: set[tuple[str, str]] = set()  # a set, listed sorted by code then text, like compileErrorSet

    def collect(code: str, node: str, description: str) -> None:
        errors.add((code, f"Code: {code}, Node Id: {node}, Description: {description}"))

    if not template.HasField("id"):
        collect("ValueRequired", "root", "Value required [Id].")
    target = template.WhichOneof("target")
    if target == "container":
        container = template.container
        interface = template.interface
        has_io = bool(interface.inputs.variables) or bool(interface.outputs.variables)
        if template.HasField("interface") and has_io and not container.command and not container.args:
            collect("ValueRequired", "container", "Value required [command].")
        if not container.image:
            collect("ValueRequired", "container", "Value required [image].")
        for entry in list(container.resources.requests) + list(container.resources.limits):
            try:
                parse_quantity(entry.value)
            except QuantityError:
                collect("UnrecognizedValue", f"resources.{resource_name(entry.name)}",
                        f"Unrecognized value [{entry.value}].")
    elif target == "k8s_pod":
        for container in _pod_spec(template).get("containers") or []:
            name = container.get("name", "")
            if len(name) > 63 or not _DNS1123_LABEL.match(name):
                collect("InvalidValue", "root", "Invalid value [k8s pod spec container name].")
    if errors:
        listed = [text for _, text in sorted(errors)]
        text = f"Collected Errors: {len(listed)}\n" + "".join(f"\tError {i}: {e}\n" for i, e in enumerate(listed))
        raise invalid(f"task failed compilation with {text}")


# --- Re-registration -------------------------------------------------------------------------------------------

IDENTICAL_STRUCTURE = "task with identical structure already exists"
IDENTICAL_WORKFLOW = "workflow with identical structure already exists"
IDENTICAL_LAUNCH_PLAN = "launch plan with identical structure already exists"


def different_structure_message(name: str, old: tasks_pb2.TaskTemplate, new: tasks_pb2.TaskTemplate) -> str:
    """``NewTaskExistsDifferentStructureError``: a JSON diff of the two compiled tasks, old value first."""
    return different_message(name, "task", diff_templates(old, new))


def different_message(name: str, kind: str, diff: list[tuple[str, object, object]]) -> str:
    """``New{Task,Workflow,LaunchPlan}ExistsDifferentStructureError``: the JSON diff, old value first."""
    head = (f"{name} {kind} with different structure already exists. (Please register a new version of the "
            f"{kind}):\n")
    return head + "\n".join(f"{path}:\n\t- {_go_value(a)} \n\t+ {_go_value(b)}" for path, a, b in diff)


_ABSENT = object()


def diff_templates(old: tasks_pb2.TaskTemplate, new: tasks_pb2.TaskTemplate) -> list[tuple[str, object, object]]:
    """(JSON pointer, old value, new value) for every leaf that differs between the compiled tasks
    ``{"template": ...}`` (flyteadmin diffs CompiledTask, so every path starts with ``/template``)."""
    return diff_messages(old, new, wrap="template")


def diff_messages(old, new, wrap: str | None = None) -> list[tuple[str, object, object]]:
    """(JSON pointer, old value, new value) for every leaf that differs between two messages (as Go's encoding/json
    writes the generated structs, see :func:`go_json`; optionally wrapped under one key)."""

    def as_json(t):
        d = go_json(t)
        return {wrap: d} if wrap else d

    out: list[tuple[str, object, object]] = []

    def walk(path: str, a, b) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted({*a, *b}):  # wI2L/jsondiff walks an object's keys sorted (checked against flyteadmin)
                walk(f"{path}/{_escape(key)}", a.get(key, _ABSENT), b.get(key, _ABSENT))
        elif isinstance(a, list) and isinstance(b, list):
            # an element past the shorter list is added at "/-" one way and removed at "/N" the other: flyteadmin
            # (compareJsons) prints only the paths both diffs share, so such elements never show
            for i in range(min(len(a), len(b))):
                walk(f"{path}/{i}", a[i], b[i])
        elif a != b:
            out.append((path, None if a is _ABSENT else a, None if b is _ABSENT else b))

    walk("", as_json(old), as_json(new))
    return out


def go_camel_case(name: str) -> str:
    """protoc-gen-go's GoCamelCase: the Go name of a field or oneof (``string_value`` -> ``StringValue``)."""
    out, i = [], 0
    while i < len(name):
        c = name[i]
        if c == "_" and i == 0:
            out.append("X")
        elif c == "_" and i + 1 < len(name) and name[i + 1].islower():
            pass
        elif c.isdigit():
            out.append(c)
        else:
            out.append(c.upper())
            while i + 1 < len(name) and name[i + 1].islower():
                i += 1
                out.append(name[i])
        i += 1
    return "".join(out)


def go_json(message) -> dict:
    """A message as Go's encoding/json writes flyteidl's generated struct (what flyteadmin's jsondiff compares): a
    set field under its proto name (omitempty: zero values left out), enums as numbers, bytes base64; a oneof under
    its Go name, null when unset, else ``{GoFieldName: value}``."""
    out: dict = {}
    for field in message.DESCRIPTOR.fields:
        oneof = field.containing_oneof
        if oneof is not None and not oneof.name.startswith("_"):  # (proto3 optional: a plain pointer field)
            which = message.WhichOneof(oneof.name)
            if which is None:
                out[go_camel_case(oneof.name)] = None
            elif which == field.name:
                out[go_camel_case(oneof.name)] = {go_camel_case(field.name): _go_json_value(field,
                                                                                            getattr(message, which))}
            continue
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            if value:
                vf = field.message_type.fields_by_name["value"]
                out[field.name] = {str(k): _go_json_value(vf, v) for k, v in value.items()}
        elif field.is_repeated:
            if value:
                out[field.name] = [_go_json_value(field, v) for v in value]
        elif field.message_type is not None:
            if message.HasField(field.name):
                out[field.name] = go_json(value)
        elif value:  # omitempty
            out[field.name] = _go_json_value(field, value)
    return out


def _go_json_value(field, value):
    if field.message_type is not None:
        return go_json(value)
    if field.type == field.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _go_value(value) -> str:
    """How Go's ``%v`` prints a decoded JSON value (every number a float64)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _go_float(float(value))
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    return str(value)


def _go_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64), as ``%v`` prints a float64: shortest digits, an exponent from 1e+06."""
    if f != f or f in (float("inf"), float("-inf")):
        return {True: "NaN"}.get(f != f, "+Inf" if f > 0 else "-Inf")
    if f == 0:
        return "0"
    sign, digits, exponent = decimal.Decimal(repr(f)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    exp = len(ds) + exponent - 1
    if exp < -4 or exp >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{'-' if sign else ''}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return format(decimal.Decimal(repr(f)).normalize(), "f")


_VERSION_FILTER = re.compile(r"^eq\(version,([^()+]+)\)$")


def version_filter(filters: str) -> str | None:
    """flyteadmin's filter syntax, the one form this server supports: ``eq(version,V)`` (or none)."""
    if not filters:
        return None
    m = _VERSION_FILTER.match(filters.strip())
    if m is None:
        raise invalid(f"unsupported filters {filters!r} (this test server knows only eq(version,...))")
    return m.group(1)
