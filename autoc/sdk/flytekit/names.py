"""flytekit's documented import paths for the features autoc implements, and the autoc object each one names.

A target is ``"autoc:Name"`` (a public autoc name, so what autoc exports is what flytekit code gets) or
``"module:attr"``. A target autoc does not have yet (workflows before they land, ...) is reported like an
import autoc does not implement.
"""

from __future__ import annotations

from typing import Dict

_ACCELERATORS = ("A10G", "L4", "L4_VWS", "L40S", "K80", "M60", "P4", "P100", "T4", "V100", "H100", "H200",
                 "RTX_PRO_6000", "A100", "A100_80GB", "V5E", "V5P", "V6E", "BaseAccelerator", "GPUAccelerator",
                 "MultiInstanceGPUAccelerator")


def _public(*names: str) -> Dict[str, str]:
    return {n: f"autoc:{n}" for n in names}


_TASKS = _public("task", "PythonFunctionTask", "PythonInstanceTask", "TaskMetadata", "Secret", "kwtypes")
_WORKFLOWS = _public("workflow", "WorkflowFailurePolicy")

MODULES: Dict[str, Dict[str, str]] = {
    "flytekit": {
        **_TASKS,
        **_public("Resources", "SecurityContext", "Cache", "CachePolicy", "VersionParameters", "PodTemplate",
                  "ImageSpec", "FlyteContext", "FlyteContextManager", "ExecutionParameters", "current_context",
                  "LaunchPlan", "CronSchedule", "FixedRate", "Email", "Slack", "PagerDuty", "Labels",
                  "Annotations", "WorkflowExecutionPhase", "Documentation", "Description", "StructuredDataset",
                  "StructuredDatasetType", "HashMethod", "SourceCode", "ConcurrencyPolicy",
                  "ConcurrencyLimitBehavior", "AuthRole", "Options"),
        **_public("BatchSize"),
        **_WORKFLOWS,
        "ImageSpec": "autoc.sdk.flytekit.image:ImageSpec",
        "FlyteFile": "autoc:File",
        "FlyteDirectory": "autoc:Directory",
        "logger": "autoc.sdk.flytekit.imports:logger",
        **_public("map_task"),
        **_public("dynamic"),
        "eager": "autoc.sdk.flytekit.eager:eager",
        **_public("conditional", "sleep", "wait_for_input", "approve", "Workflow"),
        **_public("ContainerTask", "SQLTask"),
    },
    "flytekit.core.dynamic_workflow_task": _public("dynamic"),
    "flytekit.core": {},
    "flytekit.core.array_node_map_task": {**_public("map_task", "array_node_map_task", "ArrayNodeMapTask"),
                                          "ArrayNodeMapTaskResolver":
                                              "autoc.sdk.flytekit.map_task:ArrayNodeMapTaskResolver"},
    "flytekit.core.array_node": {n: f"autoc.core.array_node:{n}" for n in ("array_node", "ArrayNode")},
    "flytekit.core.legacy_map_task": {**{n: f"autoc.core.legacy_map_task:{n}" for n in ("map_task", "MapPythonTask")},
                                      "MapTaskResolver": "autoc.sdk.flytekit.map_task:MapTaskResolver"},
    "flytekit.core.task": {**_TASKS, "TaskResolverMixin": "autoc:TaskResolverMixin",
                           "Echo": "autoc:Echo", "eager": "autoc.sdk.flytekit.eager:eager"},
    "flytekit.core.base_task": {
        **_public("PythonTask", "TaskMetadata", "TaskResolverMixin", "kwtypes", "SecurityContext", "IgnoreOutputs"),
    },
    "flytekit.core.python_auto_container": {
        **_public("PythonAutoContainerTask", "TaskResolverMixin", "DefaultTaskResolver", "default_task_resolver",
                  "DefaultNotebookTaskResolver", "default_notebook_task_resolver", "PickledEntity",
                  "PickledEntityMetadata"),
        "get_registerable_container_image": "autoc.image.config:get_registerable_container_image",
        "update_image_spec_copy_handling": "autoc.sdk.flytekit.image:update_image_spec_copy_handling"},
    "flytekit.core.python_function_task": {**_public("PythonFunctionTask", "PythonInstanceTask"),
                                           "EagerFailureHandlerTask": "autoc.core.eager:EagerFailureHandlerTask"},
    "flytekit.core.resources": {
        **_public("Resources", "ResourceSpec"),
        "convert_resources_to_resource_model": "autoc.serialize.translate_overrides:override_resource_model",
        "construct_extended_resources": "autoc.serialize.translate:extended_resources",
        "pod_spec_from_resources": "autoc.core.pod:pod_spec_from_resources"},
    "flytekit.core.type_engine": {"TypeEngine": "autoc.sdk.flytekit.type_engine:TypeEngine",
                                  "TypeTransformerFailedError": "autoc.errors:TypeEngineError",
                                  **{n: f"autoc.sdk.flytekit.type_engine:{n}" for n in (
                                      "IntTransformer", "FloatTransformer", "BoolTransformer", "StrTransformer",
                                      "is_annotated", "get_underlying_type")},
                                  **{n: f"autoc.types.engine:{n}" for n in (
                                      "SimpleTransformer", "ListTransformer", "DictTransformer", "UnionTransformer",
                                      "EnumTransformer", "DataclassTransformer")},
                                  **_public("BatchSize")},
    "flytekit.core.hash": _public("HashMethod"),
    "flytekit.core.promise": {n: f"autoc.core.promise:{n}" for n in ("Promise", "VoidPromise")},
    "flytekit.core.constants": {n: f"autoc.types.engine:{n}" for n in ("MESSAGEPACK", "CACHE_KEY_METADATA",
                                                                      "SERIALIZATION_FORMAT")},
    "flytekit.core.annotation": {"FlyteAnnotation": "autoc.types.annotation:FlyteAnnotation"},
    "flytekit.types.file.file": {"FlyteFile": "autoc:File",
                                 "FlyteFilePathTransformer": "autoc.types.files:_BlobTransformer",
                                 "noop": "autoc.types.files:noop"},
    "flytekit.types.directory.types": {"FlyteDirectory": "autoc:Directory",
                                       "FlyteDirToMultipartBlobTransformer": "autoc.types.files:_BlobTransformer"},
    "flytekit.types.structured.structured_dataset": {
        **_public("StructuredDataset", "StructuredDatasetType"),
        **{n: f"autoc.types.structured:{n}" for n in ("StructuredDatasetTransformerEngine", "StructuredDatasetEncoder",
                                                      "StructuredDatasetDecoder", "PARQUET", "CSV")}},
    "flytekit.models.types": {n: f"autoc.sdk.flytekit.models:{n}" for n in (
        "SimpleType", "LiteralType", "TypeStructure", "UnionType", "EnumType", "SchemaType", "StructuredDatasetType",
        "OutputReference", "Error")},
    "flytekit.models.annotation": {"TypeAnnotation": "autoc.sdk.flytekit.models:TypeAnnotation"},
    "flytekit.types.iterator": _public("JSON", "JSONIterator"),
    "flytekit.types.iterator.json_iterator": {
        **_public("JSON", "JSONIterator"), "JSONIteratorTransformer": "autoc.types.iterators:JSONIteratorTransformer"},
    "flytekit.types.iterator.iterator": {n: f"autoc.types.iterators:{n}" for n in ("FlyteIterator",
                                                                                  "IteratorTransformer")},
    "flytekit.types.numpy": {},
    "flytekit.types.numpy.ndarray": {"NumpyArrayTransformer": "autoc.types.arrays:NumpyArrayTransformer"},
    "flytekit.types.pickle": {},
    "flytekit.types.pickle.pickle": {"FlytePickleTransformer": "autoc.types.engine:PickleTransformer"},
    "flytekit.core.pod_template": {**_public("PodTemplate"),
                                   "PRIMARY_CONTAINER_DEFAULT_NAME": "autoc.core.pod:PRIMARY_CONTAINER_DEFAULT_NAME"},
    "flytekit.core.cache": _public("Cache", "CachePolicy", "VersionParameters"),
    "flytekit.core.tracker": {**_public("TrackedInstance"), "isnested": "autoc.core.tracker:isnested",
                              "extract_task_module": "autoc.core.tracker:extract_task_module",
                              "istestfunction": "autoc.core.tracker:istestfunction"},
    "flytekit.core.interface": {**_public("Interface", "kwtypes"),
                                **{n: f"autoc.core.interface:{n}" for n in ("transform_function_to_interface",
                                                                            "extract_return_annotation")},
                                **{n: f"autoc.sdk.flytekit.interface:{n}" for n in (
                                    "transform_variable_map", "transform_interface_to_typed_interface",
                                    "transform_inputs_to_parameters", "transform_types_to_list_of_type",
                                    "transform_interface_to_list_interface")}},
    "flytekit.core.docstring": {"Docstring": "autoc.core.interface:Docstring"},
    "flytekit.core.context_manager": _public("FlyteContext", "FlyteContextManager", "ExecutionParameters",
                                             "ExecutionState", "SecretsManager"),
    "flytekit.core.testing": {n: f"autoc.testing:{n}" for n in ("patch", "task_mock")},
    "flytekit.testing": {**{n: f"autoc.testing:{n}" for n in ("patch", "task_mock")}, **_public("SecretsManager")},
    "flytekit.core.utils": _public("timeit"),
    "flytekit.core.workflow": {**_WORKFLOWS, **_public("WorkflowBase", "PythonFunctionWorkflow"),
                               **{n: f"autoc.core.workflow:{n}" for n in ("WorkflowMetadata",
                                                                          "WorkflowMetadataDefaults")},
                               "ImperativeWorkflow": "autoc:ImperativeWorkflow"},
    "flytekit.core.condition": {**_public("conditional"),
                                **{n: f"autoc.core.condition:{n}" for n in ("ConditionalSection", "BranchNode",
                                                                            "Case", "Condition")}},
    "flytekit.core.promise": {**{n: f"autoc.core.condition:{n}" for n in ("ComparisonExpression",
                                                                          "ConjunctionExpression")},
                              **{n: f"autoc.core.promise:{n}" for n in ("Promise", "VoidPromise")}},
    "flytekit.core.node_creation": _public("create_node"),
    "flytekit.core.node": {"Node": "autoc.core.node:Node"},
    "flytekit.core.gate": {**_public("sleep", "wait_for_input", "approve"), "Gate": "autoc.core.gate:Gate"},
    "flytekit.core.class_based_resolver": {
        "ClassStorageTaskResolver": "autoc.resolvers.class_based:ClassStorageTaskResolver"},
    "flytekit.core.launch_plan": _public("LaunchPlan"),
    "flytekit.core.options": _public("Options"),
    "flytekit.core.schedule": _public("CronSchedule", "FixedRate"),
    "flytekit.core.notification": _public("Email", "Slack", "PagerDuty"),
    "flytekit.models": {},
    "flytekit.models.task": {"Resources": "autoc.sdk.flytekit.models:Resources"},
    "flytekit.models.literals": {n: f"autoc.sdk.flytekit.models:{n}" for n in (
        "RetryStrategy", "Void", "Primitive", "Binary", "BlobMetadata", "Blob", "Schema", "Union",
        "StructuredDatasetMetadata", "StructuredDataset", "Scalar", "LiteralOffloadedMetadata", "LiteralCollection",
        "LiteralMap", "Literal", "BindingDataCollection", "BindingDataMap", "BindingData", "Binding")},
    "flytekit.models.common": {**_public("Labels", "Annotations", "RawOutputDataConfig", "AuthRole"),
                               **{n: f"autoc.sdk.flytekit.models:{n}"
                                  for n in ("EmailNotification", "SlackNotification", "PagerDutyNotification")}},
    "flytekit.models.concurrency": _public("ConcurrencyPolicy", "ConcurrencyLimitBehavior"),
    "flytekit.models.documentation": _public("Documentation", "Description", "SourceCode"),
    "flytekit.models.core": {},
    "flytekit.models.core.execution": _public("WorkflowExecutionPhase"),
    "flytekit.models.core.workflow": {n: f"autoc.sdk.flytekit.models:{n}" for n in (
        "Alias", "NodeMetadata", "TaskNodeOverrides", "TaskNode", "WorkflowNode", "IfBlock", "IfElseBlock",
        "BranchNode", "SignalCondition", "ApproveCondition", "SleepCondition", "GateNode", "ArrayNode", "Node",
        "WorkflowMetadata", "WorkflowMetadataDefaults", "WorkflowTemplate")},
    "flytekit.models.core.types": {n: f"autoc.sdk.flytekit.models:{n}" for n in ("BlobType", "EnumType")},
    "flytekit.models.core.identifier": {n: f"autoc.sdk.flytekit.models:{n}" for n in (
        "Identifier", "ResourceType", "WorkflowExecutionIdentifier", "NodeExecutionIdentifier",
        "TaskExecutionIdentifier", "SignalIdentifier")},
    "flytekit.models.schedule": {"Schedule": "autoc.sdk.flytekit.models:Schedule"},
    "flytekit.models.security": _public("Secret", "SecurityContext", "Identity"),
    "flytekit.image_spec": {"ImageSpec": "autoc.sdk.flytekit.image:ImageSpec", **_public("ImageBuildEngine"),
                            "ImageSpecBuilder": "autoc.sdk.flytekit.image:ImageSpecBuilder"},
    "flytekit.image_spec.image_spec": {"ImageSpec": "autoc.sdk.flytekit.image:ImageSpec",
                                       **_public("ImageBuildEngine"),
                                       "ImageSpecBuilder": "autoc.sdk.flytekit.image:ImageSpecBuilder",
                                       "_F_IMG_ID": "autoc.image.spec:IMAGE_ID_ENV"},
    "flytekit.image_spec.noop_builder": {"NoOpBuilder": "autoc.image.builders.noop:NoOpBuilder"},
    "flytekit.constants": _public("CopyFileDetection"),
    "flytekit.configuration": {**_public("FastSerializationSettings", "ImageConfig", "Image"),
                               "SerializationSettings": "autoc.sdk.flytekit.settings:SerializationSettings",
                               "SERIALIZED_CONTEXT_ENV_VAR": "autoc.serialize.settings:SERIALIZED_CONTEXT_ENV_VAR"},
    "flytekit.extras": {},
    "flytekit.extras.accelerators": _public(*_ACCELERATORS),
    "flytekit.extras.tasks": {},
    "flytekit.extras.tasks.shell": {"ShellTask": "autoc.sdk.flytekit.shell:ShellTask",
                                    "RawShellTask": "autoc.sdk.flytekit.shell:RawShellTask",
                                    "get_raw_shell_task": "autoc.sdk.flytekit.shell:get_raw_shell_task",
                                    **_public("OutputLocation"),
                                    **{n: f"autoc.core.shell:{n}" for n in ("ProcessResult", "subproc_execute")}},
    "flytekit.extras.sqlite3": {},
    "flytekit.extras.sqlite3.task": _public("SQLite3Task", "SQLite3Config"),
    "flytekit.core.base_sql_task": _public("SQLTask"),
    "flytekit.core.container_task": _public("ContainerTask"),
    "flytekit.sensor": _public("FileSensor", "BaseSensor"),
    "flytekit.sensor.file_sensor": _public("FileSensor"),
    "flytekit.sensor.base_sensor": _public("BaseSensor"),
    "flytekit.types": {},
    "flytekit.types.file": {"FlyteFile": "autoc:File",
                            **_public("CSVFile", "HDF5EncodedFile", "HTMLPage", "JoblibSerializedFile",
                                      "JPEGImageFile", "JSONLFile", "PDFFile", "PNGImageFile", "PythonNotebook",
                                      "PythonPickledFile", "SVGImageFile", "TFRecordFile", "ONNXFile"),
                            "FileExt": "autoc.types.files:FileExt"},
    "flytekit.types.directory": {"FlyteDirectory": "autoc:Directory",
                                 **_public("TensorboardLogs", "TFRecordsDirectory")},
    "flytekit.types.structured": _public("StructuredDataset", "StructuredDatasetType"),
    "flytekit.types.schema": _public("FlyteSchema", "SchemaFormat", "SchemaOpenMode"),
    "flytekit.types.error": _public("FlyteError"),
    "flytekit.types.error.error": _public("FlyteError"),
    "flytekit.exceptions": {},
    "flytekit.exceptions.user": {"FlyteValidationException": "autoc.errors:ValidationError",
                                 "FlyteAssertion": "builtins:AssertionError",  # what autoc's ConditionError and
                                 # NodeCreationError are too, where flytekit raises its FlyteAssertion
                                 "FlyteRecoverableException": "autoc:FlyteRecoverableException"},
    "flytekit.exceptions.eager": {"EagerException": "autoc.core.eager:EagerException"},
    "flytekit.tools": {},
    "flytekit.tools.translator": {"Options": "autoc:Options",
                                  "get_serializable": "autoc.sdk.flytekit.translator:get_serializable",
                                  "get_serializable_task": "autoc.sdk.flytekit.translator:get_serializable_task"},
}

# reference entities (autoc.core.reference)
_REF = "autoc.core.reference"
MODULES["flytekit"].update(_public("reference_task", "reference_launch_plan", "reference_workflow",
                                   "get_reference_entity", "TaskReference", "LaunchPlanReference",
                                   "WorkflowReference"))
MODULES["flytekit.core.task"].update({"ReferenceTask": "autoc:ReferenceTask",
                                     "reference_task": "autoc:reference_task"})
MODULES["flytekit.core.launch_plan"].update({"ReferenceLaunchPlan": "autoc:ReferenceLaunchPlan",
                                             "reference_launch_plan": "autoc:reference_launch_plan"})
MODULES["flytekit.core.workflow"].update({"ReferenceWorkflow": "autoc:ReferenceWorkflow",
                                          "reference_workflow": "autoc:reference_workflow"})
MODULES["flytekit.core.reference_entity"] = {n: f"{_REF}:{n}" for n in (
    "Reference", "TaskReference", "LaunchPlanReference", "WorkflowReference", "ReferenceEntity", "ReferenceTemplate",
    "ReferenceSpec")}
MODULES["flytekit.core.reference"] = {"get_reference_entity": "autoc:get_reference_entity",
                                      **_public("ReferenceTask", "ReferenceLaunchPlan", "ReferenceWorkflow")}

# flytekit.extend: user type transformers (autoc.types.user), PythonTask subclasses; literal models at the top
_M = "autoc.sdk.flytekit.models"
MODULES["flytekit"].update({n: f"{_M}:{n}" for n in ("Blob", "BlobMetadata", "BlobType", "Literal", "LiteralType",
                                                      "Scalar")})
MODULES["flytekit.core.type_engine"].update({"TypeTransformer": "autoc:TypeTransformer", "T": "autoc.types.user:T"})
MODULES["flytekit.extend"] = {
    **_public("Image", "ImageConfig", "IgnoreOutputs", "PythonTask", "TaskResolverMixin", "ExecutionState",
              "Interface", "TypeTransformer"),
    "SerializationSettings": "autoc.sdk.flytekit.settings:SerializationSettings",
    "ClassStorageTaskResolver": "autoc.resolvers.class_based:ClassStorageTaskResolver",
    "Promise": "autoc.core.promise:Promise", "DictTransformer": "autoc.types.engine:DictTransformer",
    "T": "autoc.types.user:T", "TypeEngine": "autoc.sdk.flytekit.type_engine:TypeEngine",
    "FileAccessProvider": "autoc.runtime.storage:FileAccess",
    "get_serializable": "autoc.sdk.flytekit.translator:get_serializable"}
# ``from flytekit.extend import context_manager``: the module, answered as flytekit.core.context_manager is
MODULES["flytekit.extend.context_manager"] = MODULES["flytekit.core.context_manager"]
MODULES["flytekit.types.structured"].update({"register_csv_handlers": "autoc.types.dataframes:register_csv_handlers"})

#: where flytekit keeps objects autoc also has, by autoc's location (resolvers are found in the container by it)
RESOLVER_LOCATIONS = {
    "autoc.resolvers.default_task_resolver": "flytekit.core.python_auto_container.default_task_resolver",
    "autoc.resolvers.default_notebook_task_resolver":
        "flytekit.core.python_auto_container.default_notebook_task_resolver",
    "autoc.resolvers.map_task.ArrayNodeMapTaskResolver": "flytekit.core.array_node_map_task.ArrayNodeMapTaskResolver",
    "autoc.resolvers.map_task.MapTaskResolver": "flytekit.core.legacy_map_task.MapTaskResolver",
    "autoc.resolvers.eager.eager_failure_task_resolver": "flytekit.core.python_function_task.eager_failure_task_resolver",
}
