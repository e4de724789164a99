"""GPU accelerators for ``@task(accelerator=...)``, written into ``extended_resources.gpu_accelerator``."""

from __future__ import annotations

import abc
from typing import Optional


class BaseAccelerator(abc.ABC):
    """Base class for all accelerator types; not instantiated directly."""

    @abc.abstractmethod
    def to_flyte_idl(self):
        ...


class GPUAccelerator(BaseAccelerator):
    """A GPU by device name, e.g. ``GPUAccelerator("nvidia-tesla-t4")``."""

    def __init__(self, device: str) -> None:
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def to_flyte_idl(self):
        from flyteidl.core import tasks_pb2

        return tasks_pb2.GPUAccelerator(device=self._device)

    def __repr__(self) -> str:
        return f"GPUAccelerator({self._device!r})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self._device))


class MultiInstanceGPUAccelerator(GPUAccelerator):
    """A GPU that can be partitioned (MIG / TPU slices): ``A100.partition_1g_5gb``, ``A100.unpartitioned``."""

    _partition_size: Optional[str] = None
    _unpartitioned: bool = False

    def __init__(self, device: str, partition_size: Optional[str] = None, unpartitioned: bool = False) -> None:
        super().__init__(device)
        if partition_size is not None:
            self._partition_size = partition_size
        if unpartitioned:
            self._unpartitioned = True

    @property
    def unpartitioned(self) -> "MultiInstanceGPUAccelerator":
        return type(self)(self._device, unpartitioned=True)

    @classmethod
    def partitioned(cls, device: str, partition_size: str) -> "MultiInstanceGPUAccelerator":
        return cls(device, partition_size=partition_size)

    @property
    def partition_size(self) -> Optional[str]:
        return self._partition_size

    def to_flyte_idl(self):
        msg = super().to_flyte_idl()
        if self._unpartitioned:
            msg.unpartitioned = True
        elif self._partition_size is not None:
            msg.partition_size = self._partition_size
        return msg

    def __repr__(self) -> str:
        extra = ", unpartitioned=True" if self._unpartitioned else (
            f", partition_size={self._partition_size!r}" if self._partition_size else "")
        return f"{type(self).__name__}({self._device!r}{extra})"


def _mig(class_name: str, device: str, sizes, attr=lambda s: "partition_" + s.replace(".", "_")):
    """A MultiInstanceGPUAccelerator subclass with one class attribute per partition size."""
    cls = type(class_name, (MultiInstanceGPUAccelerator,), {"device_name": device})
    for s in sizes:
        setattr(cls, attr(s), cls(device, partition_size=s))
    return cls(device)


A10G = GPUAccelerator("nvidia-a10g")
L4 = GPUAccelerator("nvidia-l4")
L4_VWS = GPUAccelerator("nvidia-l4-vws")
L40S = GPUAccelerator("nvidia-l40s")
K80 = GPUAccelerator("nvidia-tesla-k80")
M60 = GPUAccelerator("nvidia-tesla-m60")
P4 = GPUAccelerator("nvidia-tesla-p4")
P100 = GPUAccelerator("nvidia-tesla-p100")
T4 = GPUAccelerator("nvidia-tesla-t4")
V100 = GPUAccelerator("nvidia-tesla-v100")
H100 = GPUAccelerator("nvidia-h100")
H200 = GPUAccelerator("nvidia-h200")
RTX_PRO_6000 = GPUAccelerator("nvidia-rtx-pro-6000")

A100 = _mig("_A100", "nvidia-tesla-a100", ["1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"])
A100_80GB = _mig("_A100_80GB", "nvidia-a100-80gb", ["1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"])

_V5E_SLICES = ["1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"]
_V5P_SLICES = ["2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16", "16x16x16",
               "16x16x24"]
V5E = _mig("_V5E", "tpu-v5-lite-podslice", _V5E_SLICES, attr=lambda s: "slice_" + s)
V5P = _mig("_V5P", "tpu-v5p-slice", _V5P_SLICES, attr=lambda s: "slice_" + s)
V6E = _mig("_V6E", "tpu-v6e-slice", _V5E_SLICES, attr=lambda s: "slice_" + s)
