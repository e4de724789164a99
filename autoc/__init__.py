"""autoc: serialize, register, build images for and execute Flyte container tasks.

Public names are imported lazily so that ``autoc --help`` and ``autoc execute`` start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "task": "autoc.core.task",
    "PythonTask": "autoc.core.task",
    "PythonAutoContainerTask": "autoc.core.task",
    "PythonFunctionTask": "autoc.core.task",
    "PythonInstanceTask": "autoc.core.task",
    "Interface": "autoc.core.interface",
    "kwtypes": "autoc.core.interface",
    "Resources": "autoc.core.resources",
    "ResourceSpec": "autoc.core.resources",
    "Secret": "autoc.core.security",
    "SecurityContext": "autoc.core.security",
    "TaskMetadata": "autoc.core.metadata",
    "Cache": "autoc.core.metadata",
    "PodTemplate": "autoc.core.pod",
    "TrackedInstance": "autoc.core.tracker",
    "FlyteTrackedABC": "autoc.core.tracker",
    "FlyteContextManager": "autoc.core.context",
    "timeit": "autoc.core.timeit",
    "BaseAccelerator": "autoc.core.accelerators",
    "GPUAccelerator": "autoc.core.accelerators",
    "MultiInstanceGPUAccelerator": "autoc.core.accelerators",
    "TaskResolverMixin": "autoc.resolvers",
    "DefaultTaskResolver": "autoc.resolvers",
    "DefaultNotebookTaskResolver": "autoc.resolvers",
    "PickledEntity": "autoc.resolvers",
    "PickledEntityMetadata": "autoc.resolvers",
    "default_task_resolver": "autoc.resolvers",
    "default_notebook_task_resolver": "autoc.resolvers",
    "ImageSpec": "autoc.image.spec",
    "CopyFileDetection": "autoc.image.spec",
    "ImageBuildEngine": "autoc.image.engine",
    "ImageSpecBuilder": "autoc.image.engine",
    "Image": "autoc.image.config",
    "ImageConfig": "autoc.image.config",
    "SerializationSettings": "autoc.serialize.settings",
    "FastSerializationSettings": "autoc.serialize.settings",
    "AutocError": "autoc.errors",
    "File": "autoc.types.files",
    "Directory": "autoc.types.files",
    "RecoverableException": "autoc.runtime.errors",
    "current_context": "autoc.runtime.context",
    "FlyteContext": "autoc.core.context",
    "ExecutionState": "autoc.core.context",
    "LaunchPlan": "autoc.core.launch_plan",
    "CronSchedule": "autoc.core.schedule",
    "FixedRate": "autoc.core.schedule",
    "Email": "autoc.core.notification",
    "Slack": "autoc.core.notification",
    "PagerDuty": "autoc.core.notification",
    "WorkflowExecutionPhase": "autoc.core.notification",
    "Labels": "autoc.core.common",
    "Annotations": "autoc.core.common",
    "AuthRole": "autoc.core.common",
    "RawOutputDataConfig": "autoc.core.common",
    "ConcurrencyPolicy": "autoc.core.common",
    "ConcurrencyLimitBehavior": "autoc.core.common",
    "Identity": "autoc.core.security",
    "workflow": "autoc.core.workflow",
    "WorkflowFailurePolicy": "autoc.core.workflow",
    "PythonFunctionWorkflow": "autoc.core.workflow",
    "WorkflowBase": "autoc.core.workflow",
    "conditional": "autoc.core.condition",
    "map_task": "autoc.core.array_node_map_task",
    "array_node": "autoc.core.array_node",
    "dynamic": "autoc.core.dynamic_workflow_task",
    "eager": "autoc.core.eager",
    "wait_for_input": "autoc.core.gate",
    "approve": "autoc.core.gate",
    "sleep": "autoc.core.gate",
    "ImperativeWorkflow": "autoc.core.imperative",
    "Workflow": "autoc.core.imperative",
    "FlyteError": "autoc.types.error",
    "Documentation": "autoc.core.documentation",
    "Description": "autoc.core.documentation",
    "SourceCode": "autoc.core.documentation",
    "CachePolicy": "autoc.core.metadata",
    "VersionParameters": "autoc.core.metadata",
    "ExecutionParameters": "autoc.runtime.context",
    "reference_task": "autoc.core.reference",
    "reference_workflow": "autoc.core.reference",
    "reference_launch_plan": "autoc.core.reference",
    "ReferenceEntity": "autoc.core.reference",
    "ReferenceTask": "autoc.core.reference",
    "ReferenceLaunchPlan": "autoc.core.reference",
    "ReferenceWorkflow": "autoc.core.reference",
    "get_reference_entity": "autoc.core.reference",
    "TaskReference": "autoc.core.reference",
    "LaunchPlanReference": "autoc.core.reference",
    "WorkflowReference": "autoc.core.reference",
    "TypeEngine": "autoc.types.engine",
    "TypeTransformer": "autoc.types.user",
    "Literal": "autoc.sdk.flytekit.models",
    "LiteralType": "autoc.sdk.flytekit.models",
    "Scalar": "autoc.sdk.flytekit.models",
    "Blob": "autoc.sdk.flytekit.models",
    "BlobMetadata": "autoc.sdk.flytekit.models",
    "BlobType": "autoc.sdk.flytekit.models",
    "StructuredDataset": "autoc.types.structured",
    "StructuredDatasetType": "autoc.types.structured",
    "StructuredDatasetFormat": "autoc.types.structured",
    "StructuredDatasetTransformerEngine": "autoc.types.structured",
    "StructuredDatasetEncoder": "autoc.types.structured",
    "StructuredDatasetDecoder": "autoc.types.structured",
    "HashMethod": "autoc.types.annotation",
    "FlyteAnnotation": "autoc.types.annotation",
    "FlyteFile": "autoc.types.files",
    "FlyteDirectory": "autoc.types.files",
    "Options": "autoc.core.common",
    "array_node_map_task": "autoc.core.array_node_map_task",
    "ArrayNodeMapTask": "autoc.core.array_node_map_task",
    "DynamicTask": "autoc.core.dynamic_workflow_task",
    "EagerTask": "autoc.core.eager",
    "IgnoreOutputs": "autoc.runtime.errors",
    "FlyteRecoverableException": "autoc.runtime.errors",
    "BatchSize": "autoc.types.annotation",
    "FlyteSchema": "autoc.types.schema",
    "SchemaFormat": "autoc.types.schema",
    "SchemaOpenMode": "autoc.types.schema",
    "SecretsManager": "autoc.runtime.secrets",
    "JSON": "autoc.types.iterators",
    "JSONIterator": "autoc.types.iterators",
    "create_node": "autoc.core.overrides",
    "Echo": "autoc.core.echo",
    "ShellTask": "autoc.core.shell",
    "OutputLocation": "autoc.core.shell",
    "RawShellTask": "autoc.core.shell",
    "get_raw_shell_task": "autoc.core.shell",
    "ContainerTask": "autoc.core.container_task",
    "SQLTask": "autoc.core.sql",
    "SQLite3Task": "autoc.core.sql",
    "SQLite3Config": "autoc.core.sql",
    "FileSensor": "autoc.core.sensor",
    "BaseSensor": "autoc.core.sensor",
}
for _name in ("A10G", "L4", "L4_VWS", "L40S", "K80", "M60", "P4", "P100", "T4", "V100", "H100", "H200",
              "RTX_PRO_6000", "A100", "A100_80GB", "V5E", "V5P", "V6E"):
    _EXPORTS[_name] = "autoc.core.accelerators"
for _name in ("CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile", "JPEGImageFile", "JSONLFile", "PDFFile",
              "PNGImageFile", "PythonNotebook", "PythonPickledFile", "SVGImageFile", "TFRecordFile", "ONNXFile",
              "TensorboardLogs", "TFRecordsDirectory"):
    _EXPORTS[_name] = "autoc.types.files"
_EXPORTS["FileExt"] = "autoc.types.files"

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'autoc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from autoc.core.accelerators import *  # noqa: F401,F403
    from autoc.core.interface import Interface, kwtypes  # noqa: F401
    from autoc.core.task import PythonAutoContainerTask, PythonFunctionTask, PythonInstanceTask, PythonTask, task  # noqa
    from autoc.image.spec import ImageSpec  # noqa: F401
