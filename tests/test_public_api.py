"""Every class of the seed API (flytekit.core.python_auto_container) and the names flytekit users reach for
alongside them are importable from the package root and are the real thing."""

from __future__ import annotations

import re
from pathlib import Path

import autoc

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "python_auto_container-api.md"
EXTRA = ["task", "Cache", "PythonInstanceTask", "PythonFunctionTask", "Interface", "kwtypes", "GPUAccelerator",
         "T4", "A100", "A100_80GB", "V100", "H100", "File", "Directory", "current_context", "RecoverableException",
         "FlyteContext", "ExecutionState"]
NOT_OURS = {"ABC", "TypeVar"}  # re-exports of the standard library in the seed module


def seed_classes():
    if SEED.is_file():
        return sorted(set(re.findall(r"^## flytekit\.core\.python_auto_container\.(\w+)$", SEED.read_text(), re.M)))
    return ["BaseAccelerator", "CopyFileDetection", "DefaultNotebookTaskResolver", "DefaultTaskResolver",
            "FlyteContextManager", "FlyteTrackedABC", "ImageBuildEngine", "ImageConfig", "ImageSpec", "PickledEntity",
            "PickledEntityMetadata", "PodTemplate", "PythonAutoContainerTask", "PythonTask", "ResourceSpec",
            "Resources", "Secret", "SecurityContext", "SerializationSettings", "TaskMetadata", "TaskResolverMixin",
            "TrackedInstance", "timeit"]


def test_every_seed_class_is_exported():
    names = [n for n in seed_classes() if n not in NOT_OURS]
    assert len(names) >= 23
    missing = [n for n in names + EXTRA if not hasattr(autoc, n)]
    assert not missing


def test_exports_are_the_implementations():
    from autoc.core.task import PythonAutoContainerTask
    from autoc.resolvers import default_task_resolver

    assert autoc.PythonAutoContainerTask is PythonAutoContainerTask
    assert default_task_resolver.location == "autoc.resolvers.default_task_resolver"
    assert autoc.A100.partition_1g_5gb.to_flyte_idl().partition_size == "1g.5gb"
    assert issubclass(autoc.PythonFunctionTask, autoc.PythonAutoContainerTask)


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        autoc.nope  # noqa: B018
