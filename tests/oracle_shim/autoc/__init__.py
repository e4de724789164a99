"""Test-only shim: lets pyflyte import the bundled examples (which say ``from autoc import ...``) by mapping
autoc's public names onto flytekit's. Used only inside the oracle virtualenv; autoc never imports flytekit."""

from flytekit import (Cache, ImageSpec, PodTemplate, PythonInstanceTask, Resources, Secret, kwtypes,  # noqa: F401
                      task)
from flytekit.core.base_task import TaskMetadata, TaskResolverMixin  # noqa: F401
from flytekit.core.interface import Interface  # noqa: F401
from flytekit.core.python_auto_container import (DefaultTaskResolver, PythonAutoContainerTask,  # noqa: F401
                                                 default_task_resolver)
from flytekit.core.resources import ResourceSpec  # noqa: F401
from flytekit.core.tracker import TrackedInstance  # noqa: F401
from flytekit.extras.accelerators import (A10G, A100, A100_80GB, H100, L4, T4, V100, GPUAccelerator,  # noqa: F401
                                          MultiInstanceGPUAccelerator)
from flytekit import LaunchPlan, WorkflowFailurePolicy, workflow  # noqa: F401
from flytekit.core.workflow import PythonFunctionWorkflow, WorkflowBase  # noqa: F401
from flytekit.types.error import FlyteError  # noqa: F401
from flytekit import Description, Documentation, SourceCode  # noqa: F401
from flytekit import CronSchedule  # noqa: F401
from flytekit import (Annotations, ConcurrencyPolicy, CronSchedule, Email, FixedRate, Labels, PagerDuty,  # noqa: F401
                      SecurityContext, Slack, WorkflowExecutionPhase)
from flytekit.models.common import RawOutputDataConfig  # noqa: F401
from flytekit.models.security import Identity  # noqa: F401
# types (issue 12): dataframes, typed files, Annotated markers
from flytekit import FlyteFile, FlyteDirectory, HashMethod, StructuredDataset, StructuredDatasetType  # noqa: E402,F401
from flytekit.core.annotation import FlyteAnnotation  # noqa: E402,F401
from flytekit.types.structured import (StructuredDatasetDecoder, StructuredDatasetEncoder,  # noqa: E402,F401
                                       StructuredDatasetTransformerEngine)
File, Directory = FlyteFile, FlyteDirectory
# map tasks (issue 18)
from flytekit import map_task  # noqa: E402,F401
from flytekit.core.array_node_map_task import ArrayNodeMapTask, array_node_map_task  # noqa: E402,F401
from flytekit.core.array_node import ArrayNode, array_node  # noqa: E402,F401
from flytekit import reference_launch_plan, reference_task  # noqa: E402,F401
from flytekit import dynamic  # noqa: E402,F401
from flytekit import eager  # noqa: E402,F401
# typed file aliases, FlyteSchema, BatchSize and the task-ending exceptions (issues 17/18)
from flytekit.core.base_task import IgnoreOutputs  # noqa: E402,F401
from flytekit.core.type_engine import BatchSize  # noqa: E402,F401
from flytekit.exceptions.user import FlyteRecoverableException  # noqa: E402,F401
from flytekit.types.directory import TensorboardLogs, TFRecordsDirectory  # noqa: E402,F401
from flytekit.types.file import (CSVFile, HDF5EncodedFile, HTMLPage, JoblibSerializedFile, JPEGImageFile,  # noqa
                                 JSONLFile, ONNXFile, PDFFile, PNGImageFile, PythonNotebook, PythonPickledFile,
                                 SVGImageFile, TFRecordFile)
from flytekit.types.schema import FlyteSchema  # noqa: E402,F401
# control flow (issue 18): conditionals and gate nodes
from flytekit import approve, conditional, sleep, wait_for_input  # noqa: E402,F401
from flytekit.core.node_creation import create_node  # noqa: E402,F401
from flytekit import Workflow  # noqa: E402,F401
from flytekit.core.task import Echo  # noqa: E402,F401
# task types (issue 18): shell, raw container, SQL, sensor
from flytekit import ContainerTask, SQLTask  # noqa: E402,F401
from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task  # noqa: E402,F401
from flytekit.extras.tasks.shell import OutputLocation, ShellTask  # noqa: E402,F401
from flytekit.sensor import FileSensor  # noqa: E402,F401
